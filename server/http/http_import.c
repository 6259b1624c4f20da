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
 * session's X-CSRF-Token, as every POST.
 *
 * An import of 20 MiB takes tens of seconds, so it runs in a thread of its own while its
 * connection is suspended (MHD_suspend_connection): the HTTP thread serves every other
 * request meanwhile, and the rows go to the node in the CLI's batches, so the node's
 * writer serves its other clients between them. The thread's import has its own client
 * of the node and touches nothing of the http_t but the stopping flag and the count of
 * imports (under mu); it ends by resuming the connection, whose next call replies. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "client/import.h"
#include "proto/accord_err.h"
#include "proto/json.h"

#include <pthread.h>
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

/* One import, run in its own thread while its connection is suspended: what it needs,
 * copied from the request, and the reply it leaves. Owned by the request's http_upload_t
 * (freed when the request ends); the thread touches it only until it resumes the
 * connection. */
struct http_import_job {
    http_t *h;
    struct MHD_Connection *c;
    import_step_t step;
    char user[USER_NAME_MAX + 1];
    char name[IMPORT_NAME_MAX + 1];
    char mode[17], match[65], delimiter[9];
    char column_text[256][33];    /* a field name per column */
    const char *column[256];
    unsigned n_columns;
    FILE *file;                   /* the upload's temporary file (borrowed) */
    /* the reply */
    unsigned status;
    char *body;
    size_t len;
};

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

/* A reply of {"error", "message"} into the job. */
static void job_error(struct http_import_job *j, unsigned status, const char *code, const char *message)
{
    FILE *f = open_memstream(&j->body, &j->len);
    if (!f) abort();
    fputs("{\"error\":", f);
    json_write_cstr(f, code);
    fputs(",\"message\":", f);
    json_write_cstr(f, message);
    fputs("}\n", f);
    fclose(f);
    j->status = status;
}

/* The reply of a run: the preview or the report (with errors_csv), and, when the run
 * stopped early, error and message; the status says which. */
static void job_reply(struct http_import_job *j, import_t *im, accord_exit_t rc, FILE *errors)
{
    bool stopped = rc != ACCORD_EXIT_OK && import_error(im)[0];
    if (stopped && !import_read_rows(im)) { /* the file or the mapping was refused: nothing was sent */
        job_error(j, exit_status(rc), exit_code_name(rc), import_error(im));
        return;
    }
    FILE *f = open_memstream(&j->body, &j->len);
    if (!f) abort();
    if (j->step == STEP_PREVIEW) import_write_preview_json(im, f, true);
    else import_write_json(im, f, true);
    if (import_faults(im)) write_errors_csv(f, errors);
    if (stopped) {
        fprintf(f, ",\"error\":\"%s\",\"message\":", exit_code_name(rc));
        json_write_cstr(f, import_error(im));
    }
    fputs("}\n", f);
    fclose(f);
    j->status = stopped ? exit_status(rc) : MHD_HTTP_OK;
}

/* The import itself, on the job's thread. */
static void job_run(struct http_import_job *j)
{
    import_env_t env = {store_dir(j->h->st), j->user, true, IMPORT_TIMEOUT_MS, false};
    import_options_t o = {
        .name = j->name,
        .columns = j->n_columns ? j->column : NULL,
        .n_columns = j->n_columns,
        .mode = j->mode[0] ? j->mode : NULL,
        .match = j->match[0] ? j->match : NULL,
        .delimiter = j->delimiter[0] ? j->delimiter : NULL,
        .dry_run = j->step != STEP_RUN,
        .preview = j->step == STEP_PREVIEW,
        .cancel = &j->h->stopping,
    };
    FILE *errors = j->step == STEP_PREVIEW ? NULL : tmpfile();
    if (j->step != STEP_PREVIEW && !errors) {
        job_error(j, MHD_HTTP_INTERNAL_SERVER_ERROR, "EIO", "no room for the report here: tell the node's operator");
        return;
    }
    o.errors_file = errors;
    char why[300];
    import_t *im = import_new(&env, &o, why, sizeof why);
    if (!im) {
        job_error(j, MHD_HTTP_BAD_REQUEST, "EINVAL", why);
    } else {
        job_reply(j, im, import_run(im, j->file), errors);
        import_destroy(&im);
    }
    if (errors) fclose(errors);
}

static void *job_thread(void *arg)
{
    struct http_import_job *j = arg;
    http_t *h = j->h;
    job_run(j);
    MHD_resume_connection(j->c); /* the last touch of j: the MHD thread replies and frees it */
    pthread_mutex_lock(&h->mu);
    h->n_imports--;
    pthread_cond_signal(&h->imports_done);
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* Copies a query argument of at most cap - 1 bytes into out ("" when absent). False when
 * it is longer. */
static bool copy_arg(struct MHD_Connection *c, const char *key, char *out, size_t cap)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
    if (v && strlen(v) >= cap) return false;
    snprintf(out, cap, "%s", v ? v : "");
    return true;
}

/* One step of an import over the uploaded file: the request's arguments into a job, and
 * the job on a thread of its own while the connection waits (suspended). */
static enum MHD_Result import_step(http_t *h, const http_req_t *r, import_step_t step)
{
    struct MHD_Connection *c = r->c;
    import_query_t q = {.n_columns = 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_column, &q);
    if (q.too_many) return http_json_error(c, MHD_HTTP_BAD_REQUEST, "ETOOBIG", "a file to import has at most 256 columns");
    struct http_import_job *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->h = h, j->c = c, j->step = step, j->file = r->u->file;
    snprintf(j->user, sizeof j->user, "%s", r->s->user);
    file_name(c, j->name, sizeof j->name);
    bool ok = copy_arg(c, "mode", j->mode, sizeof j->mode) && copy_arg(c, "match", j->match, sizeof j->match) &&
              copy_arg(c, "delimiter", j->delimiter, sizeof j->delimiter);
    for (unsigned i = 0; ok && i < q.n_columns; i++) {
        ok = strlen(q.column[i]) < sizeof j->column_text[i];
        snprintf(j->column_text[i], sizeof j->column_text[i], "%s", q.column[i]);
        j->column[i] = j->column_text[i];
    }
    j->n_columns = q.n_columns;
    if (!ok) {
        free(j);
        return http_json_error(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "mode, match, delimiter or a column's field is too long");
    }
    rewind(j->file);
    r->u->job = j;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&h->mu); /* with http_import_wait's: no import starts once it has begun */
    bool started = !atomic_load(&h->stopping);
    if (started) {
        MHD_suspend_connection(c); /* before the thread can resume it */
        started = pthread_create(&t, &attr, job_thread, j) == 0;
        if (!started) MHD_resume_connection(c);
    }
    h->n_imports += started;
    pthread_mutex_unlock(&h->mu);
    pthread_attr_destroy(&attr);
    if (started) return MHD_YES;
    r->u->job = NULL;
    http_import_job_free(&j);
    return http_json_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "EBUSY", "the node cannot start an import now: try again in a minute");
}

enum MHD_Result http_import_reply(struct MHD_Connection *c, http_upload_t *u)
{
    const struct http_import_job *j = u->job;
    return http_respond(c, j->status, "application/json", j->body, j->len, NULL, NULL);
}

void http_import_job_free(struct http_import_job **pj)
{
    struct http_import_job *j = *pj;
    if (!j) return;
    free(j->body);
    free(j);
    *pj = NULL;
}

void http_import_wait(http_t *h)
{
    pthread_mutex_lock(&h->mu);
    atomic_store(&h->stopping, true);
    while (h->n_imports > 0) pthread_cond_wait(&h->imports_done, &h->mu);
    pthread_mutex_unlock(&h->mu);
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
