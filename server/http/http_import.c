/* SPDX-License-Identifier: MIT
 * http_import: importing customers from the branch app, with the CLI's own code
 * (client/import.h): the same file checks, row checks, batches to the node's import verb
 * and report. The request's body is the file (at most HTTP_MAX_UPLOAD bytes, received into
 * a temporary file by http.c); the query says the rest:
 *
 *   POST /api/import/preview?name=FILE   what the file is (format, delimiter, encoding),
 *        its header, its first rows, the mapping the CLI would use and the fields a column
 *        may feed
 *   POST /api/import/check?name=&column=FIELD...&mode=&match=   the dry run, with the node:
 *        rows read, would create/update, every bad row (row, column, reason), and the bad
 *        rows as the CLI's --errors-out CSV (errors_csv)
 *   POST /api/import/run?...   the import itself, as the signed-in user: the same report
 *
 * column is repeated, once per column of the file in its order ("" ignores one); without
 * it the columns map as the CLI maps them. Staff and admins only (a manager reads); the
 * session's X-CSRF-Token, as every POST. The import runs on the HTTP thread, and sends its
 * rows in the CLI's batches, so the node's writer serves other clients between them. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "client/import.h"
#include "proto/accord_err.h"
#include "proto/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_NAME_MAX 200       /* bytes of the file's name kept */
#define IMPORT_TIMEOUT_MS 30000   /* for one batch: a person is waiting anyway */

typedef enum { STEP_PREVIEW, STEP_CHECK, STEP_RUN } import_step_t;

typedef struct {
    const char *column[256];      /* a field per column, in the file's order */
    unsigned n_columns;
    bool too_many;
} import_query_t;

static enum MHD_Result collect_column(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    import_query_t *q = cls;
    if (strcmp(key, "column")) return MHD_YES;
    if (q->n_columns == sizeof q->column / sizeof q->column[0]) { q->too_many = true; return MHD_NO; }
    q->column[q->n_columns++] = value ? value : "";
    return MHD_YES;
}

/* A query argument, or NULL when absent, empty or longer than max bytes. */
static const char *query_arg(struct MHD_Connection *c, const char *key, size_t max)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
    return v && *v && strlen(v) <= max ? v : NULL;
}

/* The file's name without its folders (a browser may send a path), at most
 * IMPORT_NAME_MAX bytes, into out; "upload.csv" when none is given. */
static void file_name(struct MHD_Connection *c, char *out, size_t cap)
{
    const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
    if (!name || !*name) name = "upload.csv";
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\') name = p + 1;
    snprintf(out, cap, "%s", *name ? name : "upload.csv");
}

/* The stable code of how a run stopped, by its exit code. */
static const char *exit_code_name(accord_exit_t rc)
{
    switch (rc) {
    case ACCORD_EXIT_UNREACHABLE: return accord_errname(ACCORD_ENET);
    case ACCORD_EXIT_OTHER: return accord_errname(ACCORD_EIO);
    default: return accord_errname(ACCORD_EINVAL);
    }
}

static unsigned exit_status(accord_exit_t rc)
{
    return rc == ACCORD_EXIT_UNREACHABLE ? MHD_HTTP_SERVICE_UNAVAILABLE
         : rc == ACCORD_EXIT_OTHER ? MHD_HTTP_BAD_GATEWAY : MHD_HTTP_BAD_REQUEST;
}

/* The errors file of the run as a JSON member, when it has bad rows. */
static void write_errors_csv(FILE *out, FILE *errors)
{
    long n = errors ? ftell(errors) : 0;
    if (n <= 0) return;
    char *text = malloc((size_t)n);
    if (!text) abort();
    rewind(errors);
    size_t got = fread(text, 1, (size_t)n, errors);
    fputs(",\"errors_csv\":", out);
    json_write_string(out, text, got);
    free(text);
}

/* The reply of a run: the preview or the report (with errors_csv), and, when the run
 * stopped early, error and message; the status says which. */
static enum MHD_Result reply(struct MHD_Connection *c, import_t *im, import_step_t step, accord_exit_t rc, FILE *errors)
{
    bool stopped = rc != ACCORD_EXIT_OK && import_error(im)[0];
    if (stopped && !import_read_rows(im)) /* the file or the mapping was refused: nothing was sent */
        return http_json_error(c, exit_status(rc), exit_code_name(rc), import_error(im));
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f) return MHD_NO;
    if (step == STEP_PREVIEW) import_write_preview_json(im, f, true);
    else import_write_json(im, f, true);
    if (step != STEP_PREVIEW) write_errors_csv(f, errors);
    if (stopped) {
        fprintf(f, ",\"error\":\"%s\",\"message\":", exit_code_name(rc));
        json_write_cstr(f, import_error(im));
    }
    fputs("}\n", f);
    fclose(f);
    enum MHD_Result ret = http_respond(c, stopped ? exit_status(rc) : MHD_HTTP_OK, "application/json", body, len, NULL, NULL);
    free(body);
    return ret;
}

/* One step of an import over the uploaded file. */
static enum MHD_Result import_step(http_t *h, const http_req_t *r, import_step_t step)
{
    struct MHD_Connection *c = r->c;
    import_query_t q = {.n_columns = 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_column, &q);
    if (q.too_many) return http_json_error(c, MHD_HTTP_BAD_REQUEST, "ETOOBIG", "a file to import has at most 256 columns");
    char name[IMPORT_NAME_MAX + 1];
    file_name(c, name, sizeof name);
    import_env_t env = {store_dir(h->st), r->s->user, true, IMPORT_TIMEOUT_MS};
    import_options_t o = {
        .name = name,
        .columns = q.n_columns ? q.column : NULL,
        .n_columns = q.n_columns,
        .mode = query_arg(c, "mode", 16),
        .match = query_arg(c, "match", 64),
        .delimiter = query_arg(c, "delimiter", 8),
        .dry_run = step != STEP_RUN,
        .preview = step == STEP_PREVIEW,
    };
    FILE *errors = step == STEP_PREVIEW ? NULL : tmpfile();
    if (step != STEP_PREVIEW && !errors)
        return http_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "EIO", "no room for the report here: tell the node's operator");
    o.errors_file = errors;
    char why[300];
    import_t *im = import_new(&env, &o, why, sizeof why);
    enum MHD_Result ret;
    if (!im) {
        ret = http_json_error(c, MHD_HTTP_BAD_REQUEST, "EINVAL", why);
    } else {
        accord_exit_t rc = import_run(im, r->u->file);
        ret = reply(c, im, step, rc, errors);
        import_destroy(&im);
    }
    if (errors) fclose(errors);
    return ret;
}

enum MHD_Result http_route_import(http_t *h, const http_req_t *r)
{
    const http_upload_t *u = r->u;
    if (r->s->role != USER_ADMIN && r->s->role != USER_STAFF)
        return http_json_error(r->c, MHD_HTTP_FORBIDDEN, "EREADONLY", "a manager reads; staff and admins import customers");
    import_step_t step;
    if (!strcmp(r->tail, "preview")) step = STEP_PREVIEW;
    else if (!strcmp(r->tail, "check")) step = STEP_CHECK;
    else if (!strcmp(r->tail, "run")) step = STEP_RUN;
    else return http_json_error(r->c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "POST /api/import/preview, check or run");
    if (u->too_big)
        return http_json_error(r->c, MHD_HTTP_CONTENT_TOO_LARGE, "ETOOBIG",
                               "a file to import is at most 20 MiB: split it, or import it with 'accord import'");
    if (!u->file || u->write_failed || fflush(u->file))
        return http_json_error(r->c, MHD_HTTP_INTERNAL_SERVER_ERROR, "EIO", "no room for the file here: tell the node's operator");
    if (u->len == 0) return http_json_error(r->c, MHD_HTTP_BAD_REQUEST, "EINVAL", "send the file as the request's body");
    return import_step(h, r, step);
}

bool http_route_takes_file(const http_route_t *rt)
{
    return rt && rt->handle == http_route_import;
}
