/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "import.h"
#include "proto/accord_err.h"
#include "proto/schema.h"
#include "accord_client.h"
#include "exit_codes.h"
#include "output.h"
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

#define MAX_COLUMNS 256
#define MAX_CELL 8000            /* bytes of one cell (the API's string limit, less separators) */
#define MAX_FILE (1024L << 20)   /* 1 GiB */
#define BATCH_BYTES (240u << 10) /* of row text per request (the API takes 256 KiB) */
#define MAX_BAD 100000
#define MAX_BATCH_ROWS 4096       /* the node's limit per request */
#define ITEM_BYTES 8000           /* of one list item (the API takes 8 KiB strings) */
#define READ_BYTES (1u << 16)     /* of the file per fread */

typedef struct {
    unsigned row;
    char column[80];
    char reason[300];
} bad_t;

/* One run of `accord import`: allocated by import_main, freed when it returns. */
typedef struct {
    /* options */
    const char *path, *map, *map_file, *mode, *errors_out;
    const char *delim_arg;       /* --delimiter as given; NULL: detect it */
    const char *match[4];        /* point into match_copy */
    unsigned n_match;
    char match_copy[128];        /* --match, split in place */
    bool dry_run;
    char delim;
    const import_env_t *env;
    /* the record being parsed */
    char *cells[MAX_COLUMNS];
    size_t cell_len[MAX_COLUMNS];
    unsigned n_cells;
    bool cell_too_long;
    unsigned record;             /* 1 = the header */
    /* columns */
    char *headers[MAX_COLUMNS];
    unsigned n_headers;
    const field_def_t *field_of[MAX_COLUMNS]; /* NULL: ignored */
    const char *send_fields[32];
    unsigned send_col[32], n_send;
    /* batch: rows packed into list items of up to ITEM_BYTES, joined by 0x1d */
    char *items[128];
    size_t item_len[128];
    unsigned n_items, max_items;
    unsigned row_number[MAX_BATCH_ROWS], n_rows;
    size_t batch_bytes;
    accord_client_t *client;
    /* results */
    unsigned long rows_read, created, updated;
    bad_t *bad;
    unsigned n_bad, bad_cap;
    accord_exit_t fatal;         /* an exit code that stops the import; 0: none */
    long file_size, consumed;
    bool tty, vcard;
    /* scratch */
    char row_text[8192];         /* take_row: the row being packed */
    char buf[READ_BYTES + 1];    /* the file, one read at a time; zeroed and one byte
                                  * longer than a read, so the first read ends in a 0 */
} import_t;

static void add_bad(import_t *im, unsigned row, const char *column, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add_bad(import_t *im, unsigned row, const char *column, const char *fmt, ...)
{
    if (im->n_bad >= MAX_BAD) return;
    if (im->n_bad == im->bad_cap) {
        im->bad_cap = im->bad_cap ? im->bad_cap * 2 : 64;
        im->bad = realloc(im->bad, im->bad_cap * sizeof *im->bad);
        if (!im->bad) abort();
    }
    bad_t *b = &im->bad[im->n_bad++];
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

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    size_t k = strspn(s, " \t");
    if (k) memmove(s, s + k, n - k + 1);
}

/* --map "field=Header,field=Header" or a file of such lines: which column feeds which field */
static accord_exit_t apply_map_pair(import_t *im, const char *pair, const char *where)
{
    char buf[400];
    snprintf(buf, sizeof buf, "%s", pair);
    trim(buf);
    if (!buf[0] || buf[0] == '#') return 0;
    char *eq = strchr(buf, '=');
    if (!eq) {
        fprintf(stderr, "accord import: %s: '%s' is not field=Header\n", where, buf);
        return ACCORD_EXIT_USAGE;
    }
    *eq = 0;
    char *field = buf, *header = eq + 1;
    trim(field);
    trim(header);
    const field_def_t *f = schema_field(KIND_CUSTOMER, field);
    if (!f || f->id <= F_CREATED || f->id == F_CU_MERGED_INTO) {
        fprintf(stderr, "accord import: %s: '%s' is not a customer field that can be imported\n", where, field);
        return ACCORD_EXIT_USAGE;
    }
    for (unsigned c = 0; c < im->n_headers; c++)
        if (!strcasecmp(im->headers[c], header)) {
            im->field_of[c] = f;
            return 0;
        }
    fprintf(stderr, "accord import: %s: the file has no column '%s'; its columns are:", where, header);
    for (unsigned c = 0; c < im->n_headers; c++) fprintf(stderr, "%s '%s'", c ? "," : "", im->headers[c]);
    fprintf(stderr, "\n");
    return ACCORD_EXIT_USAGE;
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
    if (im->map || im->map_file) {
        if (im->map) {
            char *copy = strdup(im->map), *save = NULL;
            for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save))
                rc = apply_map_pair(im, tok, "--map");
            free(copy);
        }
        if (im->map_file && !rc) {
            FILE *f = fopen(im->map_file, "r");
            if (!f) {
                fprintf(stderr, "accord import: cannot open the mapping file %s: %s\n", im->map_file, strerror(errno));
                return ACCORD_EXIT_USAGE;
            }
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
            const field_def_t *f = schema_field(KIND_CUSTOMER, alias(im->headers[c]));
            if (!f) {
                char lower[128];
                snprintf(lower, sizeof lower, "%s", im->headers[c]);
                for (char *p = lower; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
                f = schema_field(KIND_CUSTOMER, alias(lower));
            }
            if (f && f->id > F_CREATED && f->id != F_CU_MERGED_INTO) im->field_of[c] = f;
        }
    }
    if (rc) return rc;
    bool has_name = false;
    for (unsigned c = 0; c < im->n_headers; c++) {
        if (!im->field_of[c]) continue;
        for (unsigned k = 0; k < im->n_send; k++)
            if (im->send_col[k] != c && !strcmp(im->send_fields[k], im->field_of[c]->name)) {
                fprintf(stderr, "accord import: two columns ('%s' and '%s') map to %s\n", im->headers[im->send_col[k]],
                        im->headers[c], im->field_of[c]->name);
                return ACCORD_EXIT_USAGE;
            }
        if (im->n_send == 32) break;
        im->send_fields[im->n_send] = im->field_of[c]->name;
        im->send_col[im->n_send++] = c;
        has_name |= im->field_of[c]->id == F_CU_NAME;
    }
    if (!has_name && strcmp(im->mode, "update")) {
        fprintf(stderr, "accord import: no column maps to name; say which with --map name=HEADER\n");
        return ACCORD_EXIT_USAGE;
    }
    im->max_items = 128 - im->n_send - im->n_match;
    return 0;
}

/* Leaves a record of the run (an `import` entity: rows read, created, updated, refused), so
 * that HQ's data-quality report counts the rows branches could not import. Best effort: the
 * rows are in either way, and a failure here is only said. */
static void record_run(import_t *im)
{
    if (im->dry_run || im->rows_read == 0 || !im->client) return;
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
    if (im->env->user) accord_args_str(&a, "user", im->env->user);
    accord_reply_t r;
    if (accord_call(im->client, "create", &a, &r)) fprintf(stderr, "accord import: the run was not recorded: %s\n", r.message);
    accord_reply_destroy(&r);
    accord_args_destroy(&a);
}

static accord_exit_t send_batch(import_t *im)
{
    if (im->n_items == 0 || im->dry_run) return 0;
    if (!im->client && accord_client_new(im->env->data, im->env->timeout_ms, &im->client)) {
        fprintf(stderr, "accord import: cannot connect to the node at %s\n", im->env->data);
        return ACCORD_EXIT_UNREACHABLE;
    }
    accord_args_t a;
    accord_args_init(&a);
    accord_args_str(&a, "kind", "customer");
    accord_args_str(&a, "mode", im->mode);
    if (im->n_match) accord_args_strv(&a, "match", im->match, im->n_match);
    accord_args_strv(&a, "columns", im->send_fields, im->n_send);
    accord_args_strv(&a, "rows", (const char *const *)im->items, im->n_items);
    if (im->env->user) accord_args_str(&a, "user", im->env->user);
    accord_reply_t r;
    int rc = accord_call(im->client, "import", &a, &r);
    accord_args_destroy(&a);
    if (rc) {
        fprintf(stderr, "accord import: the node refused a batch: %s\n", r.message[0] ? r.message : accord_strerror(rc));
        accord_reply_destroy(&r);
        return rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT ? ACCORD_EXIT_UNREACHABLE : ACCORD_EXIT_OTHER;
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
        add_bad(im, idx < im->n_rows ? im->row_number[idx] : 0, "-", "%s (%s)", text, code);
    }
    accord_reply_destroy(&r);
    for (unsigned i = 0; i < im->n_items; i++) free(im->items[i]);
    im->n_items = im->n_rows = 0;
    im->batch_bytes = 0;
    return 0;
}

/* One data row: every mapped cell normalised as the node would; a good row joins the batch. */
static void take_row(import_t *im)
{
    unsigned row = im->record;
    im->rows_read++;
    if (im->cell_too_long) {
        add_bad(im, row, "-", "a cell is longer than %d bytes", MAX_CELL);
        return;
    }
    bool empty = true;
    for (unsigned c = 0; c < im->n_cells && empty; c++) empty = im->cell_len[c] == 0;
    if (empty) { im->rows_read--; return; } /* blank lines at the end of a sheet */
    char *line = im->row_text;
    size_t len = 0;
    bool ok = true;
    for (unsigned k = 0; k < im->n_send && ok; k++) {
        unsigned c = im->send_col[k];
        const field_def_t *f = im->field_of[c];
        const char *cell = c < im->n_cells ? im->cells[c] : "";
        if (k) line[len++] = '\x1f';
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
        if (strpbrk(value, "\x1d\x1e\x1f")) {
            add_bad(im, row, im->headers[c], "control characters are not allowed");
            ok = false;
            break;
        }
        if (f->id == F_CU_NAME && !value[0] && strcmp(im->mode, "update")) {
            add_bad(im, row, im->headers[c], "name is required");
            ok = false;
            break;
        }
        char *save = NULL, *piece = value;
        bool set = schema_is_set(f->type), first = true;
        for (char *tok = set ? strtok_r(value, ";,|", &save) : piece; tok && ok;
             tok = set ? strtok_r(NULL, ";,|", &save) : NULL) {
            char t[MAX_CELL + 1], norm[MAX_CELL + 1], err[300];
            snprintf(t, sizeof t, "%s", tok);
            trim(t);
            if (!t[0]) continue;
            int64_t num;
            if (schema_normalize(f, t, norm, sizeof norm, &num, err, sizeof err)) {
                add_bad(im, row, im->headers[c], "%s", err);
                ok = false;
                break;
            }
            /* numbers and booleans are sent as the text typed: the node parses them again */
            const char *out = (f->type == FT_BOOL || f->type == FT_INT || f->type == FT_PERCENT || f->type == FT_MONEY) ? t : norm;
            size_t n = strlen(out);
            if (len + n + 2 >= sizeof im->row_text) {
                add_bad(im, row, im->headers[c], "the row is too long");
                ok = false;
                break;
            }
            if (!first) line[len++] = '\x1e';
            memcpy(line + len, out, n);
            len += n;
            first = false;
        }
    }
    if (!ok) return;
    line[len] = 0;
    if (len > ITEM_BYTES) {
        add_bad(im, row, "-", "the row is longer than %d bytes", ITEM_BYTES);
        return;
    }
    if (im->dry_run) return;
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
    memcpy(item + im->item_len[im->n_items - 1], line, len + 1);
    im->item_len[im->n_items - 1] += len;
    im->row_number[im->n_rows++] = row;
    im->batch_bytes += len + 1;
}

static void on_cell(void *s, size_t len, void *data)
{
    import_t *im = data;
    if (im->n_cells >= MAX_COLUMNS) return;
    unsigned c = im->n_cells++;
    if (len > MAX_CELL) { im->cell_too_long = true; len = 0; }
    free(im->cells[c]);
    im->cells[c] = malloc(len + 1);
    if (!im->cells[c]) abort();
    if (len) memcpy(im->cells[c], s, len);
    im->cells[c][len] = 0;
    im->cell_len[c] = len;
}

static void on_record(int term, void *data)
{
    (void)term;
    import_t *im = data;
    im->record++;
    if (im->fatal) { im->n_cells = 0; return; }
    if (im->record == 1) {
        if ((im->fatal = setup_columns(im)) == 0 && im->n_headers == 0) im->fatal = ACCORD_EXIT_USAGE;
    } else {
        take_row(im);
    }
    im->n_cells = 0;
    im->cell_too_long = false;
    if (im->tty && im->record % 2000 == 0 && im->file_size > 0)
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

static void write_errors(import_t *im)
{
    if (!im->errors_out) return;
    FILE *f = fopen(im->errors_out, "w");
    if (!f) {
        fprintf(stderr, "accord import: cannot write %s: %s\n", im->errors_out, strerror(errno));
        return;
    }
    fprintf(f, "row,column,reason\n");
    for (unsigned i = 0; i < im->n_bad; i++) {
        char num[16];
        snprintf(num, sizeof num, "%u", im->bad[i].row);
        csv_fwrite(f, num, strlen(num));
        fputc(',', f);
        csv_fwrite(f, im->bad[i].column, strlen(im->bad[i].column));
        fputc(',', f);
        csv_fwrite(f, im->bad[i].reason, strlen(im->bad[i].reason));
        fputc('\n', f);
    }
    if (fclose(f)) fprintf(stderr, "accord import: cannot write %s: %s\n", im->errors_out, strerror(errno));
}

/* vCard: each card is a row of fixed columns, checked and sent like a CSV row. */
static const char *const vcard_columns[] = {"name", "phones", "emails", "address", "city", "tags", "type"};

static int on_card(void *ctx, unsigned number, unsigned line, const vcard_t *card, const char *error)
{
    (void)line;
    import_t *im = ctx;
    im->record = number; /* bad cards are reported by their number in the file */
    if (error) {
        im->rows_read++;
        add_bad(im, number, "-", "%s", error);
        return im->fatal;
    }
    const char *values[] = {card->name, card->phones, card->emails, card->address, card->city, card->tags,
                            card->company ? "company" : ""};
    im->n_cells = 0;
    for (unsigned c = 0; c < 7; c++) on_cell((void *)values[c], strlen(values[c]), im);
    take_row(im);
    im->n_cells = 0;
    if (im->tty && number % 2000 == 0) fprintf(stderr, "\r  %s: %u cards", im->dry_run ? "checking" : "importing", number);
    return im->fatal;
}

static accord_exit_t read_vcards(import_t *im, FILE *f)
{
    im->vcard = true;
    im->n_cells = 0;
    for (unsigned c = 0; c < 7; c++) on_cell((void *)vcard_columns[c], strlen(vcard_columns[c]), im);
    accord_exit_t rc = setup_columns(im);
    im->n_cells = 0;
    if (rc) return rc;
    char err[200];
    if (vcard_read(f, on_card, im, err, sizeof err) < 0) {
        fprintf(stderr, "accord import: %s: %s\n", im->path, err);
        return ACCORD_EXIT_USAGE;
    }
    return 0;
}

void import_help(FILE *f)
{
    fprintf(f,
            "usage: accord [GLOBAL] import customers FILE.csv [OPTIONS]\n\n"
            "Imports customers from a spreadsheet export (or a vCard 2.1/3.0/4.0 .vcf file of contacts:\n"
            "FN/N/ORG, TEL, EMAIL, ADR, CATEGORIES): UTF-8 with or without a BOM, ',' ';' or tab\n"
            "separated (detected), CRLF or LF, quoted cells with line breaks. The first row names\n"
            "the columns. Every row is checked as the node would check it; bad rows are reported\n"
            "with their row number (the header is row 1), column and reason, and skipped.\n\n"
            "options:\n"
            "  --map \"name=Full Name,phones=Mobile\"  which column feeds which field (default:\n"
            "                          columns named like fields: name, phone, email, city, ...)\n"
            "  --map-file FILE         the same, one field=Header per line\n"
            "  --mode create|update|upsert\n"
            "                          create (default) refuses rows that match a customer;\n"
            "                          update changes the match and refuses rows that match none;\n"
            "                          upsert does either\n"
            "  --match phone,email,national_id,name\n"
            "                          how a row matches an existing customer, tried in this order,\n"
            "                          by the rules of 'accord customer dupes' (phone: last 10\n"
            "                          digits; name: equal after folding case and Persian/Arabic letters)\n"
            "  --dry-run               check every row, change nothing (no node needed)\n"
            "  --errors-out FILE       write the bad rows (row, column, reason) as CSV to fix\n"
            "  --delimiter , | ; | tab  instead of detecting it\n\n"
            "exit: 0 every row imported; 2 some rows refused; 1 wrong arguments; 3 node not reachable.\n");
}

/* The command line into im; on a usage error says why and returns the exit code. *help is
 * set when --help was asked for (and shown). */
static accord_exit_t read_options(import_t *im, int argc, char **argv, bool *help)
{
    const char *kind = NULL, *match = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { import_help(stdout); *help = true; return ACCORD_EXIT_OK; }
        if (!strcmp(a, "--dry-run")) { im->dry_run = true; continue; }
        const char **slot = !strcmp(a, "--map") ? &im->map : !strcmp(a, "--map-file") ? &im->map_file
                          : !strcmp(a, "--mode") ? &im->mode : !strcmp(a, "--match") ? &match
                          : !strcmp(a, "--errors-out") ? &im->errors_out : !strcmp(a, "--delimiter") ? &im->delim_arg : NULL;
        if (slot) {
            if (!v) { fprintf(stderr, "accord import: %s needs a value\n", a); return ACCORD_EXIT_USAGE; }
            *slot = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "accord import: unknown option %s (see 'accord import --help')\n", a);
            return ACCORD_EXIT_USAGE;
        } else if (!kind) {
            kind = a;
        } else if (!im->path) {
            im->path = a;
        } else {
            fprintf(stderr, "accord import: one file at a time\n");
            return ACCORD_EXIT_USAGE;
        }
    }
    if (!kind || strcmp(kind, "customers") || !im->path) {
        import_help(stderr);
        return ACCORD_EXIT_USAGE;
    }
    if (strcmp(im->mode, "create") && strcmp(im->mode, "update") && strcmp(im->mode, "upsert")) {
        fprintf(stderr, "accord import: --mode is create, update or upsert\n");
        return ACCORD_EXIT_USAGE;
    }
    if (match) {
        snprintf(im->match_copy, sizeof im->match_copy, "%s", match);
        char *save = NULL;
        for (char *tok = strtok_r(im->match_copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if ((strcmp(tok, "phone") && strcmp(tok, "email") && strcmp(tok, "national_id") && strcmp(tok, "name")) ||
                im->n_match == 4) {
                fprintf(stderr, "accord import: --match takes phone, email, national_id and name\n");
                return ACCORD_EXIT_USAGE;
            }
            im->match[im->n_match++] = tok;
        }
    }
    if (strcmp(im->mode, "create") && !im->n_match) {
        fprintf(stderr, "accord import: --mode %s needs --match (phone, email or national_id)\n", im->mode);
        return ACCORD_EXIT_USAGE;
    }
    return ACCORD_EXIT_OK;
}

/* The CSV file from its first n bytes, already in im->buf (skip: a BOM's length), to its
 * end: every record through on_cell/on_record. A parse error is a bad row that ends the
 * read. Stops early when im->fatal is set. */
static void read_csv(import_t *im, FILE *f, size_t n, size_t skip)
{
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
    const char *delim = im->delim_arg;
    im->delim = delim ? (!strcmp(delim, "tab") ? '\t' : delim[0]) : sniff_delimiter(im->buf + skip, n - skip);
    csv_set_delim(&p, (unsigned char)im->delim);
    int parse_error = 0;
    for (bool first = true; n > 0 && !im->fatal; first = false, n = fread(im->buf, 1, READ_BYTES, f)) {
        size_t off = first ? skip : 0;
        im->consumed += (long)n;
        if (csv_parse(&p, im->buf + off, n - off, on_cell, on_record, im) != n - off) {
            parse_error = csv_error(&p);
            break;
        }
    }
    if (!parse_error && !im->fatal && csv_fini(&p, on_cell, on_record, im)) parse_error = csv_error(&p);
    csv_free(&p);
    if (parse_error)
        add_bad(im, im->record + 1, "-", "%s (a quote is not closed, or stray text follows a closing quote): "
                "the rest of the file was not read", csv_strerror(parse_error));
}

/* Opens im->path and reads it as a vCard or a CSV file, whichever its first bytes say.
 * Returns an exit code when the file cannot be read at all (nothing was checked), else 0
 * with the outcome in im (fatal, bad rows, counts). */
static accord_exit_t read_file(import_t *im)
{
    FILE *f = fopen(im->path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st)) {
        fprintf(stderr, "accord import: cannot open %s: %s\n", im->path, strerror(errno));
        if (f) fclose(f);
        return ACCORD_EXIT_USAGE;
    }
    if (st.st_size > MAX_FILE) {
        fprintf(stderr, "accord import: %s is larger than 1 GiB: split it\n", im->path);
        fclose(f);
        return ACCORD_EXIT_USAGE;
    }
    im->file_size = (long)st.st_size;
    im->tty = isatty(2) && !im->env->json;
    char *buf = im->buf;
    size_t n = fread(buf, 1, READ_BYTES, f);
    size_t skip = n >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb && (unsigned char)buf[2] == 0xbf ? 3 : 0;
    size_t lead = skip + strspn(buf + skip, " \t\r\n"); /* buf[n] is 0: stops within the read */
    if (n - lead >= 11 && !strncasecmp(buf + lead, "BEGIN:VCARD", 11)) { /* a .vcf file */
        rewind(f);
        if (skip) fseek(f, 3, SEEK_SET);
        im->fatal = read_vcards(im, f);
    } else {
        read_csv(im, f, n, skip);
    }
    fclose(f);
    return ACCORD_EXIT_OK;
}

/* What the run did: JSON on standard output with --json, else the first bad rows on
 * standard error and a line of counts on standard output. */
static void print_summary(const import_t *im)
{
    if (im->env->json) {
        printf("{\"file\":");
        output_json_string(stdout, im->path);
        printf(",\"dry_run\":%s,\"rows\":%lu,\"created\":%lu,\"updated\":%lu,\"bad\":[", im->dry_run ? "true" : "false",
               im->rows_read, im->created, im->updated);
        for (unsigned i = 0; i < im->n_bad; i++) {
            printf("%s{\"row\":%u,\"column\":", i ? "," : "", im->bad[i].row);
            output_json_string(stdout, im->bad[i].column);
            printf(",\"reason\":");
            output_json_string(stdout, im->bad[i].reason);
            printf("}");
        }
        printf("]}\n");
        return;
    }
    for (unsigned i = 0; i < im->n_bad && i < 20; i++)
        fprintf(stderr, "%s %u, %s: %s\n", im->vcard ? "card" : "row", im->bad[i].row, im->bad[i].column, im->bad[i].reason);
    if (im->n_bad > 20) fprintf(stderr, "... and %u more bad rows%s\n", im->n_bad - 20, im->errors_out ? "" : " (--errors-out FILE lists all)");
    const char *what = im->vcard ? "cards" : "rows";
    if (im->dry_run) printf("%s: %lu %s checked, %u bad; nothing was changed (--dry-run)\n", im->path, im->rows_read, what, im->n_bad);
    else printf("%s: %lu %s: %lu created, %lu updated, %u bad\n", im->path, im->rows_read, what, im->created, im->updated, im->n_bad);
}

/* After the read: the last batch, the record of the run, the bad rows file and the
 * summary; frees what the read held. Returns the exit code of the run. */
static accord_exit_t finish_run(import_t *im)
{
    for (unsigned c = 0; c < MAX_COLUMNS; c++) free(im->cells[c]);
    if (!im->fatal) im->fatal = send_batch(im);
    if (!im->fatal) record_run(im);
    if (im->tty && im->record >= 2000) fprintf(stderr, "\n");
    if (im->client) accord_client_destroy(&im->client);
    for (unsigned c = 0; c < im->n_headers; c++) free(im->headers[c]);
    write_errors(im);
    print_summary(im);
    return im->fatal ? im->fatal : im->n_bad ? ACCORD_EXIT_REFUSED : ACCORD_EXIT_OK;
}

int import_main(int argc, char **argv, const import_env_t *env)
{
    import_t *im = calloc(1, sizeof *im);
    if (!im) abort();
    im->env = env;
    im->mode = "create";
    bool help = false;
    accord_exit_t rc = read_options(im, argc, argv, &help);
    if (!rc && !help && (rc = read_file(im)) == ACCORD_EXIT_OK) rc = finish_run(im);
    free(im->bad);
    free(im);
    return (int)rc;
}
