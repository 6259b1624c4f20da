/* SPDX-License-Identifier: MIT
 * import: one run of an import (`accord import customers FILE`, the import page): opens a
 * CSV or vCard file (a UTF-16 one through transcode.h), checks it whole (filecheck.h),
 * then checks each row as the node would and sends the rows in batches to the node's
 * import verb; the bad rows go to the report and to --errors-out (import_errors.c). */
#define _POSIX_C_SOURCE 200809L
#include "import_internal.h"
#include "proto/accord_err.h"
#include "filecheck.h"
#include "output.h"
#include "transcode.h"
#include "vcard.h"

#include <csv.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void import_say(import_t *im, const char *fmt, ...)
{
    if (!im->echo) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("accord import: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

accord_exit_t import_fail(import_t *im, accord_exit_t code, const char *fmt, ...)
{
    char text[sizeof im->error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (!im->error[0]) snprintf(im->error, sizeof im->error, "%s", text);
    import_say(im, "%s", text);
    return code;
}

void import_add_bad(import_t *im, unsigned row, const char *column, const char *fmt, ...)
{
    if (im->n_bad >= MAX_BAD) return;
    if (im->n_bad == im->bad_cap) {
        im->bad_cap = im->bad_cap ? im->bad_cap * 2 : 64;
        im->bad = realloc(im->bad, im->bad_cap * sizeof *im->bad);
        if (!im->bad) abort();
    }
    bad_t *b = &im->bad[im->n_bad];
    b->seq = im->n_bad++;
    b->row = row;
    snprintf(b->column, sizeof b->column, "%s", column);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->reason, sizeof b->reason, fmt, ap);
    va_end(ap);
}

/* Header aliases real spreadsheets use, to customer fields. */
static const char *alias(const char *h)
{
    static const char *const map[][2] = {
        {"phone", "phones"}, {"mobile", "phones"}, {"tel", "phones"}, {"telephone", "phones"},
        {"email", "emails"}, {"e-mail", "emails"}, {"mail", "emails"}, {"tag", "tags"},
        {"national id", "national_id"}, {"nationalid", "national_id"}, {"full name", "name"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(h, map[i][0])) return map[i][1];
    return h;
}

bool import_is_error_column(const char *header)
{
    for (size_t i = 0; i < sizeof import_error_columns / sizeof import_error_columns[0]; i++)
        if (!strcasecmp(header, import_error_columns[i])) return true;
    return false;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    size_t k = strspn(s, " \t");
    if (k) memmove(s, s + k, n - k + 1);
}

/* The customer field called name, if an import may feed it (not the id, stamps or merge). */
static const field_def_t *importable_field(const char *name)
{
    const field_def_t *f = schema_field(KIND_CUSTOMER, name);
    return f && f->id > F_CREATED && f->id != F_CU_MERGED_INTO ? f : NULL;
}

/* --map "field=Header,field=Header" or a file of such lines: which column feeds which field */
static accord_exit_t apply_map_pair(import_t *im, const char *pair, const char *where)
{
    char buf[400];
    snprintf(buf, sizeof buf, "%s", pair);
    trim(buf);
    if (!buf[0] || buf[0] == '#') return 0;
    char *eq = strchr(buf, '=');
    if (!eq) return import_fail(im, ACCORD_EXIT_USAGE, "%s: '%s' is not field=Header", where, buf);
    *eq = 0;
    char *field = buf, *header = eq + 1;
    trim(field);
    trim(header);
    const field_def_t *f = importable_field(field);
    if (!f) return import_fail(im, ACCORD_EXIT_USAGE, "%s: '%s' is not a customer field that can be imported", where, field);
    for (unsigned c = 0; c < im->n_headers; c++)
        if (!strcasecmp(im->headers[c], header)) {
            im->field_of[c] = f;
            return 0;
        }
    char columns[900];
    size_t n = 0;
    for (unsigned c = 0; c < im->n_headers && n < sizeof columns; c++)
        n += (size_t)snprintf(columns + n, sizeof columns - n, "%s '%s'", c ? "," : "", im->headers[c]);
    return import_fail(im, ACCORD_EXIT_USAGE, "%s: the file has no column '%s'; its columns are:%s", where, header, columns);
}

/* A field per column, in the file's order (import_options_t.columns): "" ignores one. */
static accord_exit_t apply_columns(import_t *im)
{
    if (im->n_columns > im->n_headers)
        return import_fail(im, ACCORD_EXIT_USAGE, "the mapping names %u columns but the file has %u", im->n_columns,
                           im->n_headers);
    for (unsigned c = 0; c < im->n_columns; c++) {
        const char *name = im->columns[c];
        if (!name || !name[0]) continue;
        if (!(im->field_of[c] = importable_field(name)))
            return import_fail(im, ACCORD_EXIT_USAGE, "column '%s': '%s' is not a customer field that can be imported",
                               im->headers[c], name);
    }
    return 0;
}

static accord_exit_t setup_columns(import_t *im)
{
    for (unsigned c = 0; c < im->n_cells && c < MAX_COLUMNS; c++) {
        im->headers[c] = strdup(im->cells[c]);
        if (!im->headers[c]) abort();
        trim(im->headers[c]);
    }
    im->n_headers = im->n_cells;
    accord_exit_t rc = ACCORD_EXIT_OK;
    if (im->columns) {
        rc = apply_columns(im);
    } else if (im->map || im->map_file) {
        if (im->map) {
            char *copy = strdup(im->map), *save = NULL;
            for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save))
                rc = apply_map_pair(im, tok, "--map");
            free(copy);
        }
        if (im->map_file && !rc) {
            FILE *f = fopen(im->map_file, "r");
            if (!f) return import_fail(im, ACCORD_EXIT_USAGE, "cannot open the mapping file %s: %s", im->map_file, strerror(errno));
            char line[400], where[4200];
            unsigned n = 0;
            while (!rc && fgets(line, sizeof line, f)) {
                snprintf(where, sizeof where, "%s line %u", im->map_file, ++n);
                rc = apply_map_pair(im, line, where);
            }
            fclose(f);
        }
    } else {
        for (unsigned c = 0; c < im->n_headers; c++) {
            if (import_is_error_column(im->headers[c])) continue; /* an --errors-out file imported again */
            const field_def_t *f = schema_field(KIND_CUSTOMER, alias(im->headers[c]));
            if (!f) {
                char lower[128];
                snprintf(lower, sizeof lower, "%s", im->headers[c]);
                for (char *p = lower; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
                f = schema_field(KIND_CUSTOMER, alias(lower));
            }
            if (f && importable_field(f->name)) im->field_of[c] = f;
        }
    }
    if (rc) return rc;
    bool has_name = false;
    for (unsigned c = 0; c < im->n_headers; c++) {
        if (!im->field_of[c]) continue;
        for (unsigned k = 0; k < im->n_send; k++)
            if (im->send_col[k] != c && !strcmp(im->send_fields[k], im->field_of[c]->name) && !im->preview)
                return import_fail(im, ACCORD_EXIT_USAGE, "two columns ('%s' and '%s') map to %s", im->headers[im->send_col[k]],
                                   im->headers[c], im->field_of[c]->name);
        if (im->n_send == 32) break;
        im->send_fields[im->n_send] = im->field_of[c]->name;
        im->send_col[im->n_send++] = c;
        has_name |= im->field_of[c]->id == F_CU_NAME;
    }
    if (!has_name && strcmp(im->mode, "update") && !im->preview) /* a preview shows the columns so that one is chosen */
        return import_fail(im, ACCORD_EXIT_USAGE, "no column maps to name; say which with --map name=HEADER");
    im->max_items = 128 - im->n_send - im->n_match;
    return 0;
}

/* Leaves a record of the run (an `import` entity: rows read, created, updated, refused), so
 * that HQ's data-quality report counts the rows branches could not import. Best effort: the
 * rows are in either way, and a failure here is only said. */
static void record_run(import_t *im)
{
    if (im->dry_run || im->preview || im->rows_read == 0 || !im->client) return;
    char num[4][24];
    unsigned long refused = im->rows_read > im->created + im->updated ? im->rows_read - im->created - im->updated : 0;
    snprintf(num[0], sizeof num[0], "%lu", im->rows_read);
    snprintf(num[1], sizeof num[1], "%lu", im->created);
    snprintf(num[2], sizeof num[2], "%lu", im->updated);
    snprintf(num[3], sizeof num[3], "%lu", refused);
    const char *base = strrchr(im->path, '/');
    accord_args_t a;
    accord_args_init(&a);
    accord_args_str(&a, "kind", "import");
    accord_args_str(&a, "file", base ? base + 1 : im->path);
    accord_args_str(&a, "rows", num[0]);
    accord_args_str(&a, "rows_created", num[1]);
    accord_args_str(&a, "rows_updated", num[2]);
    accord_args_str(&a, "rows_rejected", num[3]);
    if (im->env->user) accord_args_str(&a, im->env->user_is_default ? "user_default" : "user", im->env->user);
    accord_reply_t r;
    if (accord_call(im->client, "create", &a, &r)) import_say(im, "the run was not recorded: %s", r.message);
    accord_reply_destroy(&r);
    accord_args_destroy(&a);
}

static accord_exit_t send_batch(import_t *im)
{
    if (im->n_items == 0 || (im->dry_run && !im->node_checked)) return 0;
    if (im->cancel && atomic_load(im->cancel))
        return import_fail(im, ACCORD_EXIT_OTHER, "the import was stopped (created %lu, updated %lu so far): the node's "
                           "web server is stopping; the rest of the file was not sent", im->created, im->updated);
    if (!im->client && accord_client_new(im->env->data, im->env->timeout_ms, &im->client))
        return import_fail(im, ACCORD_EXIT_UNREACHABLE, "cannot connect to the node at %s", im->env->data);
    accord_args_t a;
    accord_args_init(&a);
    accord_args_str(&a, "kind", "customer");
    accord_args_str(&a, "mode", im->mode);
    if (im->n_match) accord_args_strv(&a, "match", im->match, im->n_match);
    accord_args_strv(&a, "columns", im->send_fields, im->n_send);
    accord_args_strv(&a, "rows", (const char *const *)im->items, im->n_items);
    if (im->dry_run) accord_args_bool(&a, "dry_run", true); /* the node runs the rows and keeps none */
    if (im->env->user) accord_args_str(&a, im->env->user_is_default ? "user_default" : "user", im->env->user);
    accord_reply_t r;
    int rc = accord_call(im->client, "import", &a, &r);
    accord_args_destroy(&a);
    if (rc) {
        accord_exit_t code = import_fail(im, rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT ? ACCORD_EXIT_UNREACHABLE : ACCORD_EXIT_OTHER,
                                         "the node refused a batch: %s", r.message[0] ? r.message : accord_strerror(rc));
        accord_reply_destroy(&r);
        return code;
    }
    const msgpack_object *c = accord_obj_get(&r.body, "created"), *u = accord_obj_get(&r.body, "updated"),
                         *f = accord_obj_get(&r.body, "failed");
    if (c && c->type == MSGPACK_OBJECT_POSITIVE_INTEGER) im->created += c->via.u64;
    if (u && u->type == MSGPACK_OBJECT_POSITIVE_INTEGER) im->updated += u->via.u64;
    for (uint32_t i = 0; f && f->type == MSGPACK_OBJECT_ARRAY && i < f->via.array.size; i++) {
        const msgpack_object *e = &f->via.array.ptr[i], *row = accord_obj_get(e, "row");
        char text[400], code[32];
        accord_obj_str(e, "message", text, sizeof text);
        accord_obj_str(e, "code", code, sizeof code);
        unsigned idx = row && row->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (unsigned)row->via.u64 : 0;
        import_add_bad(im, idx < im->n_rows ? im->row_number[idx] : 0, "-", "%s (%s)", text, code);
    }
    accord_reply_destroy(&r);
    for (unsigned i = 0; i < im->n_items; i++) free(im->items[i]);
    im->n_items = im->n_rows = 0;
    im->batch_bytes = 0;
    return 0;
}

/* One cell of field f as the node would store it, into im->cell_text (a set's values
 * joined by 0x1e). Returns 0, or -1 with why filled. */
static int normalise_cell(import_t *im, const field_def_t *f, const char *cell, size_t *out_len, char *why, size_t why_cap)
{
    char value[MAX_CELL + 1];
    size_t vl = 0;
    for (const char *q = cell; *q && vl < MAX_CELL; q++) { /* a line break inside a quoted cell: a space */
        if (*q == '\r' || *q == '\n') {
            if (vl && value[vl - 1] != ' ') value[vl++] = ' ';
            continue;
        }
        value[vl++] = *q;
    }
    value[vl] = 0;
    trim(value);
    if (strpbrk(value, "\x1d\x1e\x1f")) return snprintf(why, why_cap, "control characters are not allowed"), -1;
    if (f->id == F_CU_NAME && !value[0] && strcmp(im->mode, "update")) return snprintf(why, why_cap, "name is required"), -1;
    char *out = im->cell_text, *save = NULL;
    size_t len = 0;
    bool set = schema_is_set(f->type);
    for (char *tok = set ? strtok_r(value, ";,|", &save) : value; tok; tok = set ? strtok_r(NULL, ";,|", &save) : NULL) {
        char t[MAX_CELL + 1], norm[MAX_CELL + 1];
        snprintf(t, sizeof t, "%s", tok);
        trim(t);
        if (!t[0]) continue;
        int64_t num;
        if (schema_normalize(f, t, norm, sizeof norm, &num, why, why_cap)) return -1;
        /* numbers and booleans are sent as the text typed: the node parses them again */
        const char *v = (f->type == FT_BOOL || f->type == FT_INT || f->type == FT_PERCENT || f->type == FT_MONEY) ? t : norm;
        size_t n = strlen(v);
        if (len + n + 1 > ITEM_BYTES) return snprintf(why, why_cap, "the cell is longer than %d bytes", ITEM_BYTES), -1;
        if (len) out[len++] = '\x1e';
        memcpy(out + len, v, n);
        len += n;
    }
    out[len] = 0;
    *out_len = len;
    return 0;
}

static const char *header_of(const import_t *im, unsigned c)
{
    return c < im->n_headers ? im->headers[c] : "-";
}

/* The faults that are the row's as a whole, not a mapped cell's: a cell too long (of any
 * column), cells beyond the header. Returns how many it reported. */
static unsigned row_shape_faults(import_t *im, unsigned row)
{
    unsigned faults = 0, extra = 0;
    for (unsigned c = 0; c < im->n_cells; c++) {
        if (im->too_long[c]) {
            import_add_bad(im, row, header_of(im, c), "the cell is longer than %d bytes", MAX_CELL);
            faults++;
        }
        extra += c >= im->n_headers && im->cell_len[c] > 0;
    }
    if (extra && !im->vcard) {
        import_add_bad(im, row, "-", "the row has %u cells but the header names %u columns: is a separator inside a cell "
                "that is not quoted?", im->n_cells, im->n_headers);
        faults++;
    }
    return faults;
}

/* Adds the packed row (im->row_text, len bytes) to the batch, sending the batch first when
 * it is full. */
static void batch_row(import_t *im, unsigned row, size_t len)
{
    bool item_full = im->n_items == 0 || im->item_len[im->n_items - 1] + 1 + len > ITEM_BYTES;
    if (im->n_rows == MAX_BATCH_ROWS || im->batch_bytes + len + 1 > BATCH_BYTES || (item_full && im->n_items == im->max_items)) {
        accord_exit_t rc = send_batch(im);
        if (rc) { im->fatal = rc; return; }
        item_full = true;
    }
    if (item_full) {
        im->items[im->n_items] = malloc(ITEM_BYTES + 1);
        if (!im->items[im->n_items]) abort();
        im->item_len[im->n_items++] = 0;
    } else {
        im->items[im->n_items - 1][im->item_len[im->n_items - 1]++] = '\x1d';
    }
    char *item = im->items[im->n_items - 1];
    memcpy(item + im->item_len[im->n_items - 1], im->row_text, len + 1);
    im->item_len[im->n_items - 1] += len;
    im->row_number[im->n_rows++] = row;
    im->batch_bytes += len + 1;
}

/* A preview's row: its cells as the file has them (a cell too long is kept empty). */
static void keep_preview_row(import_t *im)
{
    unsigned i = im->n_preview++;
    for (unsigned c = 0; c < im->n_cells; c++) {
        im->preview_cells[i][c] = strdup(im->cells[c]);
        if (!im->preview_cells[i][c]) abort();
    }
    im->preview_len[i] = im->n_cells;
    im->stop = im->n_preview == IMPORT_PREVIEW_ROWS;
}

/* One data row: every mapped cell normalised as the node would, and every fault of the
 * row reported (one per cell); a row without any joins the batch. */
static void take_row(import_t *im)
{
    unsigned row = im->record;
    bool empty = true;
    for (unsigned c = 0; c < im->n_cells && empty; c++) empty = im->cell_len[c] == 0 && !im->too_long[c];
    if (empty) return; /* blank lines at the end of a sheet */
    im->rows_read++;
    if (im->preview) {
        keep_preview_row(im);
        return;
    }
    unsigned faults = row_shape_faults(im, row);
    char *line = im->row_text;
    size_t len = 0;
    for (unsigned k = 0; k < im->n_send; k++) {
        unsigned c = im->send_col[k];
        if (c < im->n_cells && im->too_long[c]) continue; /* said above */
        char why[300];
        size_t n;
        if (normalise_cell(im, im->field_of[c], c < im->n_cells ? im->cells[c] : "", &n, why, sizeof why)) {
            import_add_bad(im, row, im->headers[c], "%s", why);
            faults++;
            continue;
        }
        if (faults) continue; /* the row is not sent: only its other faults matter */
        if (len + n + 2 > ITEM_BYTES) {
            import_add_bad(im, row, "-", "the row is longer than %d bytes", ITEM_BYTES);
            faults++;
            continue;
        }
        if (k) line[len++] = '\x1f';
        memcpy(line + len, im->cell_text, n);
        len += n;
    }
    line[len] = 0;
    if (faults || (im->dry_run && !im->node_checked)) return;
    batch_row(im, row, len);
}

static void on_cell(void *s, size_t len, void *data)
{
    import_t *im = data;
    if (im->n_cells >= MAX_COLUMNS) return;
    unsigned c = im->n_cells++;
    im->too_long[c] = len > MAX_CELL && im->pass == PASS_IMPORT; /* the errors file keeps the cell whole */
    if (im->too_long[c]) len = 0;
    free(im->cells[c]);
    im->cells[c] = malloc(len + 1);
    if (!im->cells[c]) abort();
    if (len) memcpy(im->cells[c], s, len);
    im->cells[c][len] = 0;
    im->cell_len[c] = len;
}

/* The import pass reads no more: a fatal fault, or a preview that has its rows. */
static bool halted(const import_t *im)
{
    return (im->fatal || im->stop) && im->pass == PASS_IMPORT;
}

static void on_record(int term, void *data)
{
    (void)term;
    import_t *im = data;
    im->record++;
    if (halted(im)) { im->n_cells = 0; return; }
    if (im->pass == PASS_ERRORS) import_error_record(im);
    else if (im->record == 1) {
        if ((im->fatal = setup_columns(im)) == 0 && im->n_headers == 0) im->fatal = ACCORD_EXIT_USAGE;
        im->read_rows = !im->fatal;
    } else {
        take_row(im);
    }
    im->n_cells = 0;
    if (im->tty && im->pass == PASS_IMPORT && im->record % 2000 == 0 && im->file_size > 0)
        fprintf(stderr, "\r  %s: %3ld%%  %u rows", im->dry_run ? "checking" : "importing",
                100 * im->consumed / im->file_size, im->record - 1);
}

/* ';' or ',', whichever the header line holds more of outside quotes */
static char sniff_delimiter(const char *buf, size_t n)
{
    unsigned semi = 0, comma = 0, tab = 0;
    bool quoted = false;
    for (size_t i = 0; i < n && (quoted || (buf[i] != '\n' && buf[i] != '\r')); i++) {
        if (buf[i] == '"') quoted = !quoted;
        else if (!quoted && buf[i] == ';') semi++;
        else if (!quoted && buf[i] == ',') comma++;
        else if (!quoted && buf[i] == '\t') tab++;
    }
    return tab > semi && tab > comma ? '\t' : semi > comma ? ';' : ',';
}

/* vCard: each card is a row of fixed columns, checked and sent like a CSV row. */
const char *const import_vcard_columns[7] = {"name", "phones", "emails", "address", "city", "tags", "type"};

static int on_card(void *ctx, unsigned number, unsigned line, const vcard_t *card, const char *error)
{
    (void)line;
    import_t *im = ctx;
    im->record = number; /* bad cards are reported by their number in the file */
    im->read_rows = true;
    if (error) {
        im->rows_read++;
        import_add_bad(im, number, "-", "%s", error);
        return im->fatal || im->stop;
    }
    const char *values[] = {card->name, card->phones, card->emails, card->address, card->city, card->tags,
                            card->company ? "company" : ""};
    im->n_cells = 0;
    for (unsigned c = 0; c < 7; c++) on_cell((void *)values[c], strlen(values[c]), im);
    take_row(im);
    im->n_cells = 0;
    if (im->tty && number % 2000 == 0) fprintf(stderr, "\r  %s: %u cards", im->dry_run ? "checking" : "importing", number);
    return im->fatal || im->stop;
}

static accord_exit_t read_vcards(import_t *im)
{
    im->vcard = true;
    im->n_cells = 0;
    for (unsigned c = 0; c < 7; c++) on_cell((void *)import_vcard_columns[c], strlen(import_vcard_columns[c]), im);
    accord_exit_t rc = setup_columns(im);
    im->n_cells = 0;
    if (rc) return rc;
    char err[200];
    if (fseek(im->in, im->skip, SEEK_SET) || vcard_read(im->in, on_card, im, err, sizeof err) < 0)
        return import_fail(im, ACCORD_EXIT_USAGE, "%s: %s", im->path, err);
    return 0;
}

/* Reads im->in from after its BOM to its end through on_cell and on_record. Returns 0 or
 * libcsv's error (which the file check rules out, unless the file changed since). */
int import_parse_csv(import_t *im)
{
    struct csv_parser p;
    if (csv_init(&p, FILECHECK_CSV_OPTIONS)) abort();
    csv_set_delim(&p, (unsigned char)im->delim);
    int err = fseek(im->in, im->skip, SEEK_SET) ? CSV_EPARSE : 0;
    size_t n;
    while (!err && !halted(im) && (n = fread(im->buf, 1, READ_BYTES, im->in)) > 0) {
        im->consumed += (long)n;
        if (csv_parse(&p, im->buf, n, on_cell, on_record, im) != n) err = csv_error(&p);
    }
    if (!err && !halted(im) && csv_fini(&p, on_cell, on_record, im)) err = csv_error(&p);
    csv_free(&p);
    return err;
}

/* The mode, the match keys and the delimiter of o into im. Returns 0, or -1 with why. */
static int set_options(import_t *im, const import_options_t *o, char *why, size_t cap)
{
    im->path = o->name ? o->name : "the file";
    im->map = o->map, im->map_file = o->map_file;
    im->columns = o->columns, im->n_columns = o->columns ? o->n_columns : 0;
    im->mode = o->mode ? o->mode : "create";
    im->errors_out = o->errors_path, im->errors_file = o->errors_file;
    im->delim_arg = o->delimiter;
    im->dry_run = o->dry_run, im->preview = o->preview, im->echo = o->echo;
    im->cancel = o->cancel;
    if (strcmp(im->mode, "create") && strcmp(im->mode, "update") && strcmp(im->mode, "upsert"))
        return snprintf(why, cap, "--mode is create, update or upsert"), -1;
    const char *d = o->delimiter; /* a quote or a line break cannot separate cells */
    if (d && strcmp(d, "tab") && (strlen(d) != 1 || strchr("\"\r\n", d[0])))
        return snprintf(why, cap, "--delimiter is one character (',', ';', '|') or tab"), -1;
    const char *match = o->match;
    if (!match && !strcmp(im->mode, "create")) match = "phone,email"; /* so a file imported twice creates nothing twice */
    if (match && strcmp(match, "none")) {
        snprintf(im->match_copy, sizeof im->match_copy, "%s", match);
        char *save = NULL;
        for (char *tok = strtok_r(im->match_copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if ((strcmp(tok, "phone") && strcmp(tok, "email") && strcmp(tok, "national_id") && strcmp(tok, "name")) ||
                im->n_match == 4)
                return snprintf(why, cap, "--match takes phone, email, national_id and name, or none"), -1;
            im->match[im->n_match++] = tok;
        }
    }
    if (strcmp(im->mode, "create") && !im->n_match)
        return snprintf(why, cap, "--mode %s needs --match (phone, email or national_id)", im->mode), -1;
    return 0;
}

import_t *import_new(const import_env_t *env, const import_options_t *o, char *why, size_t cap)
{
    import_t *im = calloc(1, sizeof *im);
    if (!im) abort();
    im->env = env;
    if (set_options(im, o, why, cap)) import_destroy(&im);
    return im;
}

/* The CSV file, every record through on_cell/on_record. A parse error (the file changed
 * after its check) is a bad row that ends the read. Stops early when im->fatal is set. */
static void read_csv(import_t *im)
{
    int parse_error = import_parse_csv(im);
    if (parse_error)
        import_add_bad(im, im->record + 1, "-", "%s (a quote is not closed, or stray text follows a closing quote): "
                "the rest of the file was not read", csv_strerror(parse_error));
}

/* The file is malformed: says where and why, the way an editor or hexdump finds it. */
static accord_exit_t refuse_file(import_t *im, const filecheck_fault_t *fault, bool in_conversion)
{
    import_fail(im, ACCORD_EXIT_REFUSED, "%s: line %llu, byte %llu%s: %s", im->path, fault->line, fault->byte,
                in_conversion ? " of its UTF-8 conversion" : "", fault->why);
    import_say(im, "nothing was imported: fix the file and run the import again");
    return ACCORD_EXIT_REFUSED;
}

/* The whole file, before a row is sent: text and CSV structure (filecheck.h). A fault is
 * said with its position and refuses the file. */
static accord_exit_t check_file(import_t *im)
{
    filecheck_t *fc = filecheck_new(im->vcard ? 0 : im->delim, MAX_COLUMNS, MAX_RECORD);
    int rc = fseek(im->in, im->skip, SEEK_SET);
    size_t n;
    while (rc == 0 && (n = fread(im->buf, 1, READ_BYTES, im->in)) > 0) rc = filecheck_feed(fc, im->buf, n);
    accord_exit_t out = ACCORD_EXIT_OK;
    if (ferror(im->in)) out = import_fail(im, ACCORD_EXIT_OTHER, "cannot read %s: %s", im->path, strerror(errno));
    else if (rc || filecheck_finish(fc)) out = refuse_file(im, filecheck_fault(fc), im->converted);
    filecheck_destroy(&fc);
    return out;
}

/* --dry-run: whether a node runs to ask which rows it would refuse (those that match a
 * customer among them); without one the check is the file's alone, and says so. */
static void probe_node(import_t *im)
{
    if (accord_client_new(im->env->data, im->env->timeout_ms, &im->client) == 0) {
        accord_args_t a;
        accord_args_init(&a);
        accord_reply_t r;
        im->node_checked = accord_call(im->client, "status", &a, &r) == 0;
        accord_reply_destroy(&r);
        accord_args_destroy(&a);
    }
    if (!im->node_checked) accord_client_destroy(&im->client);
    if (!im->node_checked)
        import_say(im, "no node answers at %s: the dry run checks the file alone, so its count excludes rows that match "
                   "existing customers (which a real run in create mode refuses)", im->env->data);
}

/* The size of f, which is seekable; -1 if it cannot be told. */
static long file_size(FILE *f)
{
    struct stat st;
    if (fileno(f) >= 0 && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) return (long)st.st_size;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1; /* a file in memory (fmemopen) */
    rewind(f);
    return size;
}

/* Reads f as a vCard or a CSV file, whichever its first bytes say, after checking all of
 * it. Returns an exit code when the file cannot be read or is malformed (nothing was
 * sent), else 0 with the outcome in im (fatal, bad rows, counts). */
static accord_exit_t read_file(import_t *im, FILE *f)
{
    im->file_size = file_size(f);
    if (im->file_size > MAX_FILE) return import_fail(im, ACCORD_EXIT_USAGE, "%s is larger than 1 GiB: split it", im->path);
    if (fseek(f, 0, SEEK_SET)) return import_fail(im, ACCORD_EXIT_OTHER, "cannot read %s: %s", im->path, strerror(errno));
    im->in = f;
    im->tty = im->echo && isatty(2) && !im->env->json;
    char *buf = im->buf;
    size_t n = fread(buf, 1, READ_BYTES, f), bom;
    filecheck_fault_t fault;
    filecheck_encoding_t enc = filecheck_sniff((const unsigned char *)buf, n, &bom, &fault);
    if (enc == FILECHECK_REFUSED) return refuse_file(im, &fault, false);
    im->had_bom = bom > 0;
    im->encoding = enc == FILECHECK_UTF16LE ? "UTF-16LE" : enc == FILECHECK_UTF16BE ? "UTF-16BE" : bom ? "UTF-8 with BOM" : "UTF-8";
    if (enc == FILECHECK_UTF16LE || enc == FILECHECK_UTF16BE) { /* Excel's "Unicode Text": read as UTF-8 */
        if (transcode_utf16(f, enc == FILECHECK_UTF16BE, &im->in, &fault)) {
            im->in = NULL;
            return refuse_file(im, &fault, false);
        }
        im->converted = true;
        n = fread(buf, 1, READ_BYTES, im->in);
        bom = 0;
    }
    memset(buf + n, 0, READ_BYTES + 1 - n); /* the scans below stop within the bytes read */
    im->skip = (long)bom;
    size_t lead = bom + strspn(buf + bom, " \t\r\n");
    im->vcard = n - lead >= 11 && !strncasecmp(buf + lead, "BEGIN:VCARD", 11);
    const char *delim = im->delim_arg;
    im->delim = delim ? (!strcmp(delim, "tab") ? '\t' : delim[0]) : sniff_delimiter(buf + bom, n - bom);
    accord_exit_t rc = check_file(im);
    if (rc) return rc;
    if (im->dry_run && !im->preview) probe_node(im);
    if (im->vcard) im->fatal = read_vcards(im);
    else read_csv(im);
    return ACCORD_EXIT_OK;
}

void import_write_json(const import_t *im, FILE *out, bool open)
{
    fprintf(out, "{\"file\":");
    output_json_string(out, im->path);
    fprintf(out, ",\"dry_run\":%s,", im->dry_run ? "true" : "false");
    if (im->dry_run) fprintf(out, "\"node_checked\":%s,", im->node_checked ? "true" : "false");
    fprintf(out, "\"rows\":%lu,\"created\":%lu,\"updated\":%lu,\"bad\":[", im->rows_read, im->created, im->updated);
    for (unsigned i = 0; i < im->n_bad; i++) {
        fprintf(out, "%s{\"row\":%u,\"column\":", i ? "," : "", im->bad[i].row);
        output_json_string(out, im->bad[i].column);
        fprintf(out, ",\"reason\":");
        output_json_string(out, im->bad[i].reason);
        fprintf(out, "}");
    }
    fprintf(out, "]");
    if (!open) fprintf(out, "}\n");
}

static void json_strings(FILE *out, char *const *s, unsigned n)
{
    fputc('[', out);
    for (unsigned i = 0; i < n; i++) {
        if (i) fputc(',', out);
        output_json_string(out, s[i] ? s[i] : "");
    }
    fputc(']', out);
}

void import_write_preview_json(const import_t *im, FILE *out, bool open)
{
    char delim[2] = {im->vcard ? 0 : im->delim, 0};
    fprintf(out, "{\"file\":");
    output_json_string(out, im->path);
    fprintf(out, ",\"format\":\"%s\",\"delimiter\":", im->vcard ? "vcard" : "csv");
    if (im->vcard) fprintf(out, "null");
    else output_json_string(out, im->delim == '\t' ? "tab" : delim);
    fprintf(out, ",\"encoding\":\"%s\",\"header\":", im->encoding ? im->encoding : "UTF-8");
    json_strings(out, im->headers, im->n_headers);
    fprintf(out, ",\"rows\":[");
    for (unsigned i = 0; i < im->n_preview; i++) {
        if (i) fputc(',', out);
        json_strings(out, im->preview_cells[i], im->preview_len[i]);
    }
    fprintf(out, "],\"mapping\":[");
    for (unsigned c = 0; c < im->n_headers; c++) {
        if (c) fputc(',', out);
        if (im->field_of[c]) output_json_string(out, im->field_of[c]->name);
        else fprintf(out, "null");
    }
    fprintf(out, "],\"fields\":[");
    unsigned n;
    const field_def_t *fields = schema_fields(KIND_CUSTOMER, &n);
    bool first = true;
    for (unsigned i = 0; i < n; i++) {
        if (!importable_field(fields[i].name)) continue;
        fprintf(out, "%s{\"name\":", first ? "" : ",");
        output_json_string(out, fields[i].name);
        fprintf(out, ",\"set\":%s}", schema_is_set(fields[i].type) ? "true" : "false");
        first = false;
    }
    fprintf(out, "]");
    if (!open) fprintf(out, "}\n");
}

static int by_row(const void *a, const void *b)
{
    const bad_t *x = a, *y = b;
    if (x->row != y->row) return x->row < y->row ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* After the read: the last batch, the record of the run and the bad rows file. Returns
 * the exit code of the run. */
static accord_exit_t finish_run(import_t *im)
{
    im->finished = true;
    if (!im->fatal && !im->preview) im->fatal = send_batch(im);
    if (!im->fatal) record_run(im);
    if (im->tty && im->record >= 2000) fprintf(stderr, "\n");
    if (im->client) accord_client_destroy(&im->client);
    if (im->n_bad) qsort(im->bad, im->n_bad, sizeof *im->bad, by_row); /* the node's faults came after the rows read since */
    if (!im->preview) import_write_errors(im);
    return im->fatal ? im->fatal : im->n_bad && !im->preview ? ACCORD_EXIT_REFUSED : ACCORD_EXIT_OK;
}

accord_exit_t import_run(import_t *im, FILE *f)
{
    accord_exit_t rc = read_file(im, f);
    return rc ? rc : finish_run(im);
}

const char *import_error(const import_t *im)
{
    return im->error;
}

bool import_read_rows(const import_t *im)
{
    return im->read_rows;
}

unsigned import_faults(const import_t *im)
{
    return im->preview ? 0 : im->n_bad;
}

void import_destroy(import_t **pim)
{
    import_t *im = *pim;
    if (!im) return;
    if (im->client) accord_client_destroy(&im->client);
    if (im->in && im->converted) fclose(im->in); /* the UTF-8 conversion; the caller's file is the caller's */
    for (unsigned i = 0; i < im->n_items; i++) free(im->items[i]);
    for (unsigned c = 0; c < MAX_COLUMNS; c++) free(im->cells[c]);
    for (unsigned c = 0; c < im->n_headers; c++) free(im->headers[c]);
    for (unsigned i = 0; i < im->n_preview; i++)
        for (unsigned c = 0; c < im->preview_len[i]; c++) free(im->preview_cells[i][c]);
    free(im->bad);
    free(im);
    *pim = NULL;
}
