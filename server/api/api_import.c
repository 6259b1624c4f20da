/* SPDX-License-Identifier: MIT
 * api_import: the import verb, rows of a spreadsheet many per request (accord import).
 *
 * The row format: import {kind: customer, user, mode: create|update|upsert, match:
 * [phone|email|national_id|name], columns: [field...], rows: [rows joined by 0x1d, cells by
 * 0x1f, set values by 0x1e], dry_run?}. Each row becomes a create or an update request, run
 * exactly as those verbs run it (api_write.c); a refused row is rolled back, reported and
 * skipped, so the others still land. The request is refused whole, before anything is
 * written, when its arguments are wrong or it holds more than API_IMPORT_MAX_ROWS rows.
 * dry_run: the rows run the same way in a write transaction of its own that is then thrown
 * away (the node loop runs a dry run alone, outside the batch's transaction: the store has
 * no nested transactions), so the reply predicts the real run's (rows that match a
 * customer, or an earlier row of the same request, are refused the same) and nothing is
 * written. */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "ops/dedupe.h"
#include "state/entity.h"
#include "state/index.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define CELL_SEP '\x1f'  /* between the cells of a row */
#define ITEM_SEP '\x1e'  /* between the values of a set cell (several phones) */
#define ROW_SEP '\x1d'   /* between rows packed into one list item */
#define MATCH_KEYS_MAX 4

/* What the request asks, checked before any row runs. */
typedef struct {
    char mode[16];                              /* create, update or upsert */
    const req_arg_t *cols, *rows, *user;        /* borrowed from the request */
    const char *user_key;                       /* "user", or "user_default" (the client's $USER) */
    bool col_set[API_IMPORT_MAX_COLUMNS];       /* the column is a set field */
    char keys[MATCH_KEYS_MAX][16];              /* match keys, in order */
    unsigned n_keys;
    bool dry_run;                               /* run the rows, then throw them away */
} import_spec_t;

typedef struct {
    unsigned created, updated, n_failed;
} import_counts_t;

static bool last_digits_equal(const char *a, size_t al, const char *b, size_t bl)
{
    char da[32], db[32];
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < al && na < sizeof da; i++) if (a[i] >= '0' && a[i] <= '9') da[na++] = a[i];
    for (size_t i = 0; i < bl && nb < sizeof db; i++) if (b[i] >= '0' && b[i] <= '9') db[nb++] = b[i];
    size_t k = na < 10 || nb < 10 ? (na < nb ? na : nb) : 10;
    return k >= 7 && memcmp(da + na - k, db + nb - k, k) == 0 && (na < 10 || nb < 10 ? na == nb : true);
}

typedef struct {
    const char *want;
    size_t len;
    bool phone, found;
} elem_match_t;

static int match_elem(void *ctx, const char *elem, size_t len)
{
    elem_match_t *m = ctx;
    m->found = m->phone ? last_digits_equal(elem, len, m->want, m->len) : (len == m->len && !memcmp(elem, m->want, len));
    return m->found;
}

/* The live customer whose phone (last 10 digits), e-mail or national id equals value. */
static bool find_customer(api_import_scratch_t *sc, store_txn_t *t, const char *key, const char *value, uint8_t out[ID_LEN])
{
    char norm[RECORD_MAX_STR + 1];
    search_by_t by;
    unsigned field;
    if (!strcmp(key, "phone")) {
        if (schema_phone_normalize(value, norm, sizeof norm)) return false;
        by = SEARCH_PHONE, field = F_CU_PHONES;
    } else if (!strcmp(key, "email")) {
        if (schema_email_normalize(value, norm, sizeof norm)) return false;
        by = SEARCH_EMAIL, field = F_CU_EMAILS;
    } else if (!strcmp(key, "name")) { /* the same rule as `customer dupes` */
        snprintf(norm, sizeof norm, "%s", value);
        by = SEARCH_NAME, field = F_CU_NAME;
    } else {
        snprintf(norm, sizeof norm, "%s", value);
        by = SEARCH_NATID, field = F_CU_NATID;
    }
    char query[RECORD_MAX_STR + 1];
    snprintf(query, sizeof query, "%s", norm);
    if (field == F_CU_PHONES) { /* the last 10 digits: +98 912... and 0912... are one number */
        size_t nd = 0;
        for (const char *p = norm; *p; p++) if (*p >= '0' && *p <= '9') query[nd++] = *p;
        query[nd] = 0;
        if (nd > 10) memmove(query, query + nd - 10, 11);
    }
    uint8_t (*ids)[ID_LEN] = sc->match_ids;
    int n = index_search(t, KIND_CUSTOMER, by, query, ids, API_MATCH_MAX, NULL);
    for (int i = 0; i < n; i++) {
        field_state_t merged;
        if (entity_get(t, ids[i], F_CU_MERGED_INTO, &merged) == 0) continue;
        if (field == F_CU_NATID) {
            if (api_text_eq(t, ids[i], F_CU_NATID, norm)) { memcpy(out, ids[i], ID_LEN); return true; }
            continue;
        }
        if (field == F_CU_NAME) {
            size_t tl;
            const char *theirs = entity_text(t, ids[i], F_CU_NAME, &tl);
            char a[DEDUPE_NAME_KEY], b[DEDUPE_NAME_KEY];
            if (theirs && dedupe_name_key(norm, strlen(norm), a) && dedupe_name_key(theirs, tl, b) && !strcmp(a, b)) {
                memcpy(out, ids[i], ID_LEN);
                return true;
            }
            continue;
        }
        elem_match_t m = {norm, strlen(norm), field == F_CU_PHONES, false};
        entity_each_elem(t, ids[i], field, match_elem, &m);
        if (m.found) { memcpy(out, ids[i], ID_LEN); return true; }
    }
    return false;
}

static void add_arg(request_t *r, const char *key, mp_type_t type, const char *s, size_t len)
{
    req_arg_t *a = &r->args[r->n_args++];
    memset(a, 0, sizeof *a);
    a->key = (req_str_t){key, strlen(key)};
    a->type = type;
    a->s = (req_str_t){s, len};
}

/* Checks kind, mode, columns and match keys into sp; the api's col_names get the columns. */
static int read_spec(api_t *api, const request_t *req, import_spec_t *sp, char *msg, size_t cap)
{
    char kind[16] = "";
    const req_arg_t *k = request_arg(req, "kind"), *md = request_arg(req, "mode"), *match = request_arg(req, "match"),
                    *dry = request_arg(req, "dry_run");
    memset(sp, 0, sizeof *sp);
    snprintf(sp->mode, sizeof sp->mode, "create");
    sp->cols = request_arg(req, "columns");
    sp->rows = request_arg(req, "rows");
    sp->user = request_arg(req, "user");
    sp->user_key = "user";
    if (!sp->user && (sp->user = request_arg(req, "user_default"))) sp->user_key = "user_default";
    sp->dry_run = dry && dry->type == MP_BOOL && dry->i;
    if (!api_arg_cstr(k, kind, sizeof kind) || strcmp(kind, "customer"))
        return accord_fail(msg, cap, ACCORD_EINVAL, "kind: only customer can be imported");
    if (md && (!api_arg_cstr(md, sp->mode, sizeof sp->mode) ||
               (strcmp(sp->mode, "create") && strcmp(sp->mode, "update") && strcmp(sp->mode, "upsert"))))
        return accord_fail(msg, cap, ACCORD_EINVAL, "mode: create, update or upsert");
    const req_arg_t *cols = sp->cols;
    if (!cols || cols->type != MP_ARRAY || cols->n_items == 0 || cols->n_items > API_IMPORT_MAX_COLUMNS)
        return accord_fail(msg, cap, ACCORD_EINVAL, "columns: a list of 1-%d field names", API_IMPORT_MAX_COLUMNS);
    if (!sp->rows || sp->rows->type != MP_ARRAY) return accord_fail(msg, cap, ACCORD_EINVAL, "rows: a list of rows");
    char (*col_names)[REQUEST_MAX_KEY + 1] = api->import.col_names;
    for (unsigned c = 0; c < cols->n_items; c++) {
        req_str_t nm = req->items[cols->first_item + c];
        const field_def_t *f = NULL;
        if (nm.len <= REQUEST_MAX_KEY) {
            snprintf(col_names[c], sizeof col_names[c], "%.*s", (int)nm.len, nm.s);
            f = schema_field(KIND_CUSTOMER, col_names[c]);
        }
        if (!f || f->id <= F_CREATED || f->id == F_CU_MERGED_INTO)
            return accord_fail(msg, cap, ACCORD_EINVAL, "columns: '%.*s' is not a customer field that can be set", (int)nm.len, nm.s);
        sp->col_set[c] = schema_is_set(f->type);
    }
    for (unsigned i = 0; match && match->type == MP_ARRAY && i < match->n_items && sp->n_keys < MATCH_KEYS_MAX; i++) {
        req_str_t m = req->items[match->first_item + i];
        char *key = sp->keys[sp->n_keys];
        snprintf(key, sizeof sp->keys[0], "%.*s", (int)(m.len < 15 ? m.len : 15), m.s);
        if (strcmp(key, "phone") && strcmp(key, "email") && strcmp(key, "national_id") && strcmp(key, "name"))
            return accord_fail(msg, cap, ACCORD_EINVAL, "match: phone, email, national_id or name");
        sp->n_keys++;
    }
    if (strcmp(sp->mode, "create") && sp->n_keys == 0)
        return accord_fail(msg, cap, ACCORD_EINVAL, "mode %s needs match keys", sp->mode);
    return 0;
}

/* Rows in the request: one per list item, plus one per ROW_SEP inside it. */
static unsigned count_rows(const request_t *req, const req_arg_t *rows)
{
    unsigned total = 0;
    for (unsigned i = 0; i < rows->n_items; i++) {
        req_str_t item = req->items[rows->first_item + i];
        total++;
        for (size_t b = 0; b < item.len; b++) total += item.s[b] == ROW_SEP;
    }
    return total;
}

/* Cuts a row into its cells in place; returns how many it has (cells keeps the first
 * API_IMPORT_MAX_COLUMNS). */
static unsigned split_cells(char *row, const char *cells[API_IMPORT_MAX_COLUMNS])
{
    unsigned n_cells = 0;
    for (char *p = row, *q;; p = q + 1) {
        q = strchr(p, CELL_SEP);
        if (n_cells < API_IMPORT_MAX_COLUMNS) cells[n_cells] = p;
        n_cells++;
        if (!q) break;
        *q = 0;
    }
    return n_cells;
}

/* The customer a row's match keys find, tried in order; each value of a set cell counts.
 * *key_used: the key that found it. Runs before the set cells are cut up in place. */
static bool match_row(api_t *api, store_txn_t *t, const import_spec_t *sp, const char *const *cells,
                      unsigned n_cells, uint8_t found[ID_LEN], const char **key_used)
{
    const char (*col_names)[REQUEST_MAX_KEY + 1] = api->import.col_names;
    bool exists = false;
    for (unsigned m = 0; m < sp->n_keys && !exists; m++) {
        const char *key = sp->keys[m];
        const char *field = !strcmp(key, "phone") ? "phones" : !strcmp(key, "email") ? "emails"
                          : !strcmp(key, "name") ? "name" : "national_id";
        for (unsigned c = 0; c < n_cells && !exists; c++) {
            if (strcmp(col_names[c], field) || !cells[c][0]) continue;
            char first[RECORD_MAX_STR + 1]; /* each value of a set cell */
            for (const char *p = cells[c]; *p && !exists;) {
                size_t l = strcspn(p, "\x1e");
                snprintf(first, sizeof first, "%.*s", (int)l, p);
                exists = find_customer(&api->import, t, key, first, found);
                p += l + (p[l] ? 1 : 0);
            }
        }
        if (exists) *key_used = key;
    }
    return exists;
}

/* Adds the row's non-empty cells to the row request as field arguments, cutting set cells
 * into their values in place. Returns 0, or an error with the row's message filled. */
static int add_cells(api_import_scratch_t *sc, const import_spec_t *sp, const char *const *cells, unsigned n_cells)
{
    request_t *row = &sc->row;
    int code = 0;
    for (unsigned c = 0; c < n_cells; c++) {
        if (!cells[c][0]) continue;
        if (!sp->col_set[c]) {
            add_arg(row, sc->col_names[c], MP_STR, cells[c], strlen(cells[c]));
            continue;
        }
        req_arg_t *a = &row->args[row->n_args];
        add_arg(row, sc->col_names[c], MP_ARRAY, NULL, 0);
        a->first_item = (uint16_t)row->n_items;
        for (char *p = (char *)cells[c], *q;; p = q + 1) {
            q = strchr(p, ITEM_SEP);
            if (q) *q = 0;
            if (*p && row->n_items == REQUEST_MAX_ITEMS) {
                code = accord_fail(sc->row_msg, sizeof sc->row_msg, ACCORD_ETOOBIG,
                                   "%s: more than %d values in the row", sc->col_names[c], REQUEST_MAX_ITEMS);
                break;
            }
            if (*p) row->items[row->n_items++] = (req_str_t){p, strlen(p)};
            if (!q) break;
        }
        a->n_items = (uint16_t)(row->n_items - a->first_item);
    }
    return code;
}

/* Runs one row (seg, NUL-terminated) as a create or an update; a refused row leaves the
 * oplog as it was. Returns 0 or the row's error code with sc->row_msg filled. */
static int run_row(api_t *api, store_txn_t *t, const import_spec_t *sp, const char *seg, msgpack_sbuffer *scratch,
                   import_counts_t *n)
{
    api_import_scratch_t *sc = &api->import;
    request_t *row = &sc->row;
    memcpy(sc->cell_copy, seg, strlen(seg) + 1);
    memset(row, 0, offsetof(request_t, args));
    row->n_args = row->n_items = 0;
    add_arg(row, "kind", MP_STR, "customer", 8);
    if (sp->user && sp->user->type == MP_STR) add_arg(row, sp->user_key, MP_STR, sp->user->s.s, sp->user->s.len);
    const char *cells[API_IMPORT_MAX_COLUMNS];
    unsigned n_cells = split_cells(sc->cell_copy, cells);
    if (n_cells != sp->cols->n_items)
        return accord_fail(sc->row_msg, sizeof sc->row_msg, ACCORD_EINVAL, "the row has %u cells for %u columns", n_cells,
                           sp->cols->n_items);
    uint8_t found[ID_LEN];
    const char *key = "key";
    bool exists = match_row(api, t, sp, cells, n_cells, found, &key); /* before add_cells cuts the cells up */
    int code = add_cells(sc, sp, cells, n_cells);
    feed_head_t mark = oplog_mark(api->log);
    msgpack_packer spk;
    msgpack_packer_init(&spk, scratch, msgpack_sbuffer_write);
    scratch->size = 0;
    if (code) {
        /* a cell was refused above */
    } else if (exists && !strcmp(sp->mode, "create")) {
        char shown[TIMEID_SHORT_CLI + 1]; /* as the CLI shows it, so it can be typed */
        timeid_short(found, TIMEID_SHORT_CLI, shown);
        code = accord_fail(sc->row_msg, sizeof sc->row_msg, ACCORD_EEXISTS, "a customer with the same %s exists (%s)",
                           !strcmp(key, "email") ? "e-mail" : !strcmp(key, "national_id") ? "national id" : key, shown);
    } else if (!exists && !strcmp(sp->mode, "update")) {
        code = accord_fail(sc->row_msg, sizeof sc->row_msg, ACCORD_ENOTFOUND, "no customer matches this row");
    } else if (exists) {
        crypto_hex(found, ID_LEN, sc->idhex);
        add_arg(row, "id", MP_STR, sc->idhex, 2 * ID_LEN);
        code = api_write_update(api, t, row, &spk, sc->row_msg, sizeof sc->row_msg);
        if (!code) n->updated++;
    } else {
        code = api_write_create(api, t, row, &spk, sc->row_msg, sizeof sc->row_msg);
        if (!code) n->created++;
    }
    if (code) oplog_rollback(api->log, mark);
    return code;
}

static void pack_result(msgpack_packer *pk, const import_counts_t *n, const api_import_failure_t *failed)
{
    msgpack_pack_map(pk, 3);
    api_pack_cstr(pk, "created");
    msgpack_pack_uint32(pk, n->created);
    api_pack_cstr(pk, "updated");
    msgpack_pack_uint32(pk, n->updated);
    api_pack_cstr(pk, "failed");
    msgpack_pack_array(pk, n->n_failed);
    for (unsigned i = 0; i < n->n_failed; i++) {
        msgpack_pack_map(pk, 3);
        api_pack_cstr(pk, "row");
        msgpack_pack_uint32(pk, failed[i].row);
        api_pack_cstr(pk, "code");
        api_pack_cstr(pk, accord_errname(failed[i].code));
        api_pack_cstr(pk, "message");
        api_pack_cstr(pk, failed[i].text);
    }
}

int api_import_rows(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    import_spec_t sp;
    int rc = read_spec(api, req, &sp, msg, cap);
    if (rc) return rc;
    /* count first: a refusal must come before anything is written */
    if (count_rows(req, sp.rows) > API_IMPORT_MAX_ROWS)
        return accord_fail(msg, cap, ACCORD_ETOOBIG, "rows: at most %d in one request", API_IMPORT_MAX_ROWS);
    api_import_scratch_t *sc = &api->import;
    import_counts_t n = {0, 0, 0};
    feed_head_t dry_mark = oplog_mark(api->log);
    if (sp.dry_run != (t == NULL)) /* api_runs_alone: a dry run alone, a real one in the batch */
        return accord_fail(msg, cap, ACCORD_EINVAL, "import: a dry run must run alone");
    if (sp.dry_run && (rc = store_txn_begin(api->st, true, &t)) != 0)
        return accord_fail(msg, cap, rc, "cannot begin the dry run: %s", accord_strerror(rc));
    msgpack_sbuffer scratch; /* the replies of the rows' creates and updates, thrown away */
    msgpack_sbuffer_init(&scratch);
    unsigned r = 0;
    for (unsigned i = 0; i < sp.rows->n_items; i++) {
        req_str_t item = req->items[sp.rows->first_item + i];
        memcpy(sc->item_copy, item.s, item.len);
        sc->item_copy[item.len] = 0;
        for (char *seg = sc->item_copy, *next; seg; seg = next, r++) {
            next = strchr(seg, ROW_SEP);
            if (next) *next++ = 0;
            int code = run_row(api, t, &sp, seg, &scratch, &n);
            if (code == ACCORD_ESTORE || code == ACCORD_EFULL) {
                /* the store failed under the row, which may have left its merge or its feed
                 * record half written: the whole request is refused, and the node loop throws
                 * its transaction away (the rows before are not acknowledged either) */
                msgpack_sbuffer_destroy(&scratch);
                if (sp.dry_run) {
                    store_txn_abort(&t);
                    oplog_rollback(api->log, dry_mark);
                }
                return accord_fail(msg, cap, code, "row %u: %s", r, sc->row_msg);
            }
            if (code) {
                api_import_failure_t *f = &sc->failed[n.n_failed++];
                f->row = r;
                f->code = code;
                snprintf(f->text, sizeof f->text, "%s", sc->row_msg);
            }
        }
    }
    msgpack_sbuffer_destroy(&scratch);
    if (sp.dry_run) { /* nothing of it stays: neither the state nor the feed */
        store_txn_abort(&t);
        oplog_rollback(api->log, dry_mark);
    }
    pack_result(pk, &n, sc->failed);
    return 0;
}
