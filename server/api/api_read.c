/* SPDX-License-Identifier: MIT
 * api_read: the verbs that only read: get, list, search, history, dupes. Each packs records
 * as maps (pack_entity) from the caller's transaction, every row a record holds; a page of
 * list or search holds at most API_LIST_MAX, gathered in the api_t's scratch, and says
 * whether more were left out (pack_page). */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "api/api_sales.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "ops/dedupe.h"
#include "auth/audit.h"
#include "auth/roster.h"
#include "common/log.h"
#include "state/changes.h"
#include "state/entity.h"
#include "state/index.h"
#include "state/tzone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEARCH_DEFAULT 50

void api_pack_register(msgpack_packer *pk, const field_state_t *fs)
{
    switch (fs->val.type) {
    case VAL_NIL: msgpack_pack_nil(pk); break;
    case VAL_BOOL: fs->val.i ? msgpack_pack_true(pk) : msgpack_pack_false(pk); break;
    case VAL_INT: msgpack_pack_int64(pk, fs->val.i); break;
    case VAL_STR: api_pack_str(pk, fs->val.s, fs->val.len); break;
    case VAL_REF: api_pack_hex(pk, (const uint8_t *)fs->val.s, fs->val.len); break;
    }
}

/* What an entity's rows make of its map, counted in a first walk so that a second packs
 * the map as its rows come, however many a record holds (no buffer of rows to cut). */
typedef struct {
    unsigned keys;         /* map keys: id, kind, a register each (a deal's amount two, with
                            * its text), a set with elements present each */
    unsigned elems[256];   /* present elements of each set field, by field id */
} entity_shape_t;

static bool elem_present(const entity_entry_t *e)
{
    return e->vlen == VERSION_LEN + 1 && e->val[VERSION_LEN];
}

static int measure_entity(store_txn_t *t, const uint8_t id[ID_LEN], int kind, entity_shape_t *sh)
{
    entity_row_t r;
    int rc = entity_row(t, id, &r);
    if (rc) return rc;
    memset(sh, 0, sizeof *sh);
    sh->keys = 2;
    entity_entry_t e;
    while ((rc = entity_row_next(&r, &e)) == 1) {
        if (e.tag != ENTITY_TAG_FIELD) continue;
        unsigned field = e.key[0];
        if (e.klen > 1) {
            if (!elem_present(&e)) continue;
            if (sh->elems[field]++ == 0) sh->keys++;
        } else {
            sh->keys++;
            if (kind == KIND_DEAL && field == F_DE_AMOUNT) sh->keys++;
        }
    }
    return rc < 0 ? rc : 0;
}

static void pack_register_row(store_txn_t *t, const uint8_t id[ID_LEN], int kind, const char *name, unsigned field,
                              const entity_entry_t *e, msgpack_packer *pk)
{
    field_state_t fs;
    api_pack_cstr(pk, name);
    if (entity_decode_register(e->val, e->vlen, &fs)) {
        msgpack_pack_nil(pk);
        fs.val.type = VAL_NIL;
    } else {
        api_pack_register(pk, &fs);
    }
    if (kind != KIND_DEAL || field != F_DE_AMOUNT) return;
    size_t cl;
    const char *cur = entity_text(t, id, F_DE_CURRENCY, &cl);
    char code[8] = "", text[40];
    if (cur && cl < sizeof code) { memcpy(code, cur, cl); code[cl] = 0; }
    api_pack_cstr(pk, "amount_text");
    if (fs.val.type == VAL_INT) {
        schema_money_format(fs.val.i, code, text, sizeof text);
        api_pack_cstr(pk, text);
    } else {
        msgpack_pack_nil(pk);
    }
}

/* Packs the entity as a map: id, kind, every set register, every non-empty set, whole;
 * the map has extra_keys more keys, which the caller packs after it returns. */
static int pack_entity(store_txn_t *t, const uint8_t id[ID_LEN], unsigned extra_keys, msgpack_packer *pk)
{
    int kind = entity_kind(t, id);
    if (kind < 0) return kind;
    entity_shape_t shape, *sh = &shape; /* 1 KiB */
    int rc = measure_entity(t, id, kind, sh);
    if (rc) return rc;
    entity_row_t r;
    if ((rc = entity_row(t, id, &r))) return rc;
    unsigned sales_keys = api_sales_extra_keys(t, id, (unsigned)kind);
    msgpack_pack_map(pk, sh->keys + extra_keys + sales_keys);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, id, ID_LEN);
    api_pack_cstr(pk, "kind");
    api_pack_cstr(pk, schema_kind_name((unsigned)kind));
    int set_open = -1; /* the set field whose array is being packed */
    entity_entry_t e;
    while ((rc = entity_row_next(&r, &e)) == 1) {
        if (e.tag != ENTITY_TAG_FIELD) continue;
        unsigned field = e.key[0];
        const field_def_t *f = schema_field_by_id((unsigned)kind, field);
        const char *name = f ? f->name : "unknown";
        if (e.klen == 1 && f && f->type == FT_PWHASH) { /* never shown: a hash is for checking a password */
            api_pack_cstr(pk, name);
            api_pack_cstr(pk, "(set)");
            continue;
        }
        if (e.klen == 1) {
            pack_register_row(t, id, kind, name, field, &e, pk);
            continue;
        }
        if (!elem_present(&e)) continue;
        if ((int)field != set_open) {
            api_pack_cstr(pk, name);
            msgpack_pack_array(pk, sh->elems[field]);
            set_open = (int)field;
        }
        api_pack_str(pk, (const char *)e.key + 1, e.klen - 1);
    }
    if (rc < 0) return rc;
    api_sales_pack_extra(t, id, (unsigned)kind, pk);
    return 0;
}

int api_read_pack_record(store_txn_t *t, const uint8_t id[ID_LEN], msgpack_packer *pk)
{
    return pack_entity(t, id, 0, pk);
}

/* A record's etag and updated (asked for with etag: true): the keys an HTTP client needs to
 * change it without overwriting what it has not seen, and to follow changes. updated is
 * when this node applied its last change (state/changes.h); nil if none is noted. */
#define VERSION_KEYS 2
static int pack_version_keys(store_txn_t *t, const uint8_t id[ID_LEN], msgpack_packer *pk)
{
    char etag[ENTITY_ETAG_LEN + 1], when[32];
    uint64_t stamp;
    int rc = api_sales_etag(t, id, etag);
    if (rc) return rc;
    if ((rc = changes_stamp(t, id, &stamp)) && rc != ACCORD_ENOTFOUND) return rc;
    api_pack_cstr(pk, "etag");
    api_pack_cstr(pk, etag);
    api_pack_cstr(pk, "updated");
    if (rc) msgpack_pack_nil(pk);
    else {
        hlc_format(stamp, when, sizeof when);
        api_pack_cstr(pk, when);
    }
    return 0;
}

/* A record with its version keys; a deleted one, in a list of changes, is only
 * {id, kind, deleted: true, etag, updated}. */
static int pack_versioned(store_txn_t *t, const uint8_t id[ID_LEN], msgpack_packer *pk)
{
    int rc, kind = entity_kind(t, id);
    if (kind < 0) return kind;
    if (entity_deleted(t, id)) {
        msgpack_pack_map(pk, 3 + VERSION_KEYS);
        api_pack_cstr(pk, "id");
        api_pack_hex(pk, id, ID_LEN);
        api_pack_cstr(pk, "kind");
        api_pack_cstr(pk, schema_kind_name((unsigned)kind));
        api_pack_cstr(pk, "deleted");
        msgpack_pack_true(pk);
    } else if ((rc = pack_entity(t, id, VERSION_KEYS, pk))) return rc;
    return pack_version_keys(t, id, pk);
}

int api_read_get(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    (void)api;
    uint8_t id[ID_LEN];
    int rc = api_arg_id(t, req, "id", id, msg, cap);
    if (rc) return rc;
    bool versions = api_arg_flag(req, "etag");
    if ((rc = pack_entity(t, id, versions ? VERSION_KEYS : 0, pk)) || (versions && (rc = pack_version_keys(t, id, pk))))
        return accord_fail(msg, cap, rc, "cannot read the record: %s", accord_strerror(rc));
    return 0;
}

#define LIST_MAX_FILTERS 8
#define LIST_MAX_TOTALS 256 /* (stage, currency) rows of a pipeline's totals */

/* What a list is filtered by. The index holds the filters (index_filter_t: branch, tag,
 * assigned, city, segment, customer); the rest are tested on each record (passes_rest). */
typedef struct {
    unsigned kind;
    char stage[65], due[11], today[11];
    char now[6];          /* local HH:MM on today: a due_time before it is overdue */
    char assignee[65];    /* tasks: exactly this assignee */
    char due_from[11], due_to[11]; /* tasks: due on these days or between (a calendar) */
    bool overdue, open_only;
    char state[16];       /* invoices: issued, partly_paid, paid, cancelled (api_sales.h) */
    index_filter_t filters[LIST_MAX_FILTERS];
    unsigned n_filters;
    bool any_kind;        /* a filter's terms hold other kinds too (tags) */
    store_txn_t *t;       /* for passes_rest, the index's check */
} list_filter_t;


/* The tests of one record the index does not hold: a deal's stage, a task's due date and
 * time, exact assignee and whether it is done. */
static bool has_rest(const list_filter_t *lf)
{
    return (lf->kind == KIND_DEAL && lf->stage[0]) ||
           (lf->kind == KIND_TASK && (lf->open_only || lf->overdue || lf->due[0] || lf->due_from[0] ||
                                      lf->due_to[0] || lf->assignee[0])) ||
           (lf->kind == KIND_INVOICE && (lf->open_only || lf->overdue || lf->state[0])) ||
           (lf->kind == KIND_TICKET && (lf->open_only || lf->overdue || lf->assignee[0]));
}

/* A task due on due (10 bytes) is overdue on a day after it, or on that day once its
 * due_time has passed (HH:MM compares as text); with no due_time, only from the next day. */
static bool task_past_due(store_txn_t *t, const uint8_t *id, const char *due, const list_filter_t *lf)
{
    int day = memcmp(due, lf->today, 10);
    if (day != 0) return day < 0;
    size_t n;
    const char *at = entity_text(t, id, F_TA_DUE_TIME, &n);
    return at && n == 5 && lf->now[0] && memcmp(at, lf->now, 5) < 0;
}

static bool passes_rest(void *ctx, const uint8_t id[ID_LEN])
{
    const list_filter_t *lf = ctx;
    store_txn_t *t = lf->t;
    if (lf->kind == KIND_DEAL && lf->stage[0] && !api_text_eq(t, id, F_DE_STAGE, lf->stage)) return false;
    if (lf->kind == KIND_TASK) {
        field_state_t done;
        bool is_done = entity_get(t, id, F_TA_DONE, &done) == 0 && done.val.type == VAL_BOOL && done.val.i;
        size_t n;
        const char *due = entity_text(t, id, F_TA_DUE, &n);
        bool has_due = due && n == 10;
        if ((lf->open_only || lf->overdue || lf->due[0]) && is_done) return false;
        if (lf->due[0] && !(has_due && memcmp(due, lf->due, 10) == 0)) return false;
        if (lf->due_from[0] && !(has_due && memcmp(due, lf->due_from, 10) >= 0)) return false;
        if (lf->due_to[0] && !(has_due && memcmp(due, lf->due_to, 10) <= 0)) return false;
        if (lf->assignee[0] && !api_text_eq(t, id, F_TA_ASSIGNEE, lf->assignee)) return false;
        if (lf->overdue && !(has_due && task_past_due(t, id, due, lf))) return false;
    }
    if (lf->kind == KIND_INVOICE || lf->kind == KIND_TICKET) {
        if (lf->kind == KIND_TICKET && lf->assignee[0] && !api_text_eq(t, id, F_TI_ASSIGNEE, lf->assignee)) return false;
        api_sales_standing_t st;
        api_sales_standing(t, id, lf->kind, lf->today, &st);
        if (lf->open_only && !st.open) return false;
        if (lf->overdue && !st.overdue) return false;
        if (lf->state[0] && strcmp(lf->state, st.state)) return false;
    }
    return true;
}

/* A record of the id-order walk: of the kind, live, and holding every filter. */
static bool passes(store_txn_t *t, const uint8_t *id, const list_filter_t *lf)
{
    if (lf->any_kind && entity_kind(t, id) != (int)lf->kind) return false;
    if (entity_deleted(t, id)) return false;
    for (unsigned i = 0; i < lf->n_filters; i++)
        if (!index_filter_holds(t, &lf->filters[i], id)) return false;
    return passes_rest((void *)lf, id);
}

static int cmp_rows(const void *a, const void *b)
{
    const api_sort_row_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : memcmp(x->id, y->id, ID_LEN);
}

/* Orders a page of results as people expect: customers and contacts by name (folded, so
 * case and accents do not split them), deals by title, tasks by due date and time,
 * interactions and notes by time. */
static void sort_for_people(api_t *api, store_txn_t *t, unsigned kind, uint8_t (*ids)[ID_LEN], int n)
{
    api_sort_row_t *rows = api->sort_rows;
    unsigned field = kind == KIND_DEAL ? F_DE_TITLE : kind == KIND_TASK ? F_TA_DUE
                   : kind == KIND_INTERACTION ? F_IN_WHEN : kind == KIND_PRODUCT ? F_PR_NAME : F_CREATED;
    for (int i = 0; i < n; i++) {
        api_sort_row_t *r = &rows[i];
        memcpy(r->id, ids[i], ID_LEN);
        r->key[0] = 0;
        store_val_t v;
        uint8_t fkey[1 + ID_LEN] = {IDX_FOLDED};
        memcpy(fkey + 1, ids[i], ID_LEN);
        size_t len = 0;
        const char *text = NULL;
        if ((kind == KIND_CUSTOMER || kind == KIND_CONTACT) && store_get(t, TBL_INDEX, fkey, sizeof fkey, &v) == 0) {
            text = v.data;
            len = v.len;
        } else {
            text = entity_text(t, ids[i], field, &len);
        }
        if (!text) len = 0;
        if (len >= sizeof r->key) len = sizeof r->key - 1;
        if (len) memcpy(r->key, text, len);
        r->key[len] = 0;
        size_t at_len;
        const char *at = kind == KIND_TASK && len == 10 ? entity_text(t, ids[i], F_TA_DUE_TIME, &at_len) : NULL;
        if (at && at_len == 5) { /* "2026-12-01 09:00": a day's tasks by time, those without one first */
            r->key[10] = ' ';
            memcpy(r->key + 11, at, 5);
            r->key[16] = 0;
        }
    }
    qsort(rows, (size_t)n, sizeof rows[0], cmp_rows);
    for (int i = 0; i < n; i++) memcpy(ids[i], rows[i].id, ID_LEN);
}

/* What a page says besides its records. */
typedef struct {
    bool more;                          /* records past these were left out */
    const uint8_t *next;                /* an id-order list's next page starts after it */
    bool has_total;                     /* a sorted list: total and offset, and no next */
    uint64_t total, offset;
    const index_deal_total_t *totals;   /* totals=true: the pipeline's, n_totals rows */
    unsigned n_totals;
    const index_hit_t *hits;            /* a search: why each record matched */
    bool versions;                      /* etag: true: each record's etag and updated */
    const char *cursor;                 /* a list of changes: its next page's after, in place of next */
} page_info_t;

static const char *hit_name(search_by_t by)
{
    static const char *const names[] = {"auto", "name", "phone", "email", "tag", "branch", "national_id",
                                        "city", "email", "contact", "sku"};
    return (unsigned)by < sizeof names / sizeof names[0] ? names[by] : "auto";
}

/* A search hit's record: its map, with matched (and for a contact's match, contact_id and
 * contact_name). */
static int pack_hit(store_txn_t *t, const uint8_t id[ID_LEN], const index_hit_t *hit, msgpack_packer *pk)
{
    bool contact = hit->by == SEARCH_CONTACT;
    int rc = pack_entity(t, id, contact ? 3 : 1, pk);
    if (rc) return rc;
    api_pack_cstr(pk, "matched");
    api_pack_cstr(pk, hit_name(hit->by));
    if (!contact) return 0;
    size_t len;
    const char *name = entity_text(t, hit->contact, F_CO_NAME, &len);
    api_pack_cstr(pk, "contact_id");
    api_pack_hex(pk, hit->contact, ID_LEN);
    api_pack_cstr(pk, "contact_name");
    if (name) api_pack_str(pk, name, len);
    else msgpack_pack_nil(pk);
    return 0;
}

static void pack_totals(msgpack_packer *pk, const index_deal_total_t *rows, unsigned n)
{
    msgpack_pack_array(pk, n);
    for (unsigned i = 0; i < n; i++) {
        msgpack_pack_map(pk, 4);
        api_pack_cstr(pk, "stage");
        api_pack_cstr(pk, rows[i].stage);
        api_pack_cstr(pk, "currency");
        if (rows[i].currency[0]) api_pack_cstr(pk, rows[i].currency);
        else msgpack_pack_nil(pk);
        api_pack_cstr(pk, "count");
        msgpack_pack_uint64(pk, rows[i].count);
        api_pack_cstr(pk, "amount");
        msgpack_pack_int64(pk, rows[i].amount);
    }
}

/* A page of records: {items: [record...], more: bool, next: id | nil}, a sorted list's
 * total in place of next, and the pipeline's totals when asked. more: records past these
 * were left out; next (an id-order list only) is what the caller gives as after to get
 * them. */
static int pack_page(store_txn_t *t, uint8_t (*ids)[ID_LEN], int n, const page_info_t *info,
                     msgpack_packer *pk, char *msg, size_t cap)
{
    msgpack_pack_map(pk, 4 + (info->totals != NULL) + info->has_total);
    api_pack_cstr(pk, "items");
    msgpack_pack_array(pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        int rc = info->hits ? pack_hit(t, ids[i], &info->hits[i], pk)
               : info->versions ? pack_versioned(t, ids[i], pk) : pack_entity(t, ids[i], 0, pk);
        if (rc) return accord_fail(msg, cap, rc, "cannot read a record: %s", accord_strerror(rc));
    }
    api_pack_cstr(pk, "more");
    info->more ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    api_pack_cstr(pk, "next");
    if (info->next) api_pack_hex(pk, info->next, ID_LEN);
    else if (info->cursor) api_pack_cstr(pk, info->cursor);
    else msgpack_pack_nil(pk);
    api_pack_cstr(pk, "total");
    if (info->has_total) msgpack_pack_uint64(pk, info->total);
    else msgpack_pack_nil(pk);
    if (info->has_total) { /* where the page starts in the whole */
        api_pack_cstr(pk, "offset");
        msgpack_pack_uint64(pk, info->offset);
    }
    if (info->totals) {
        api_pack_cstr(pk, "totals");
        pack_totals(pk, info->totals, info->n_totals);
    }
    return 0;
}

/* The field a filter argument names for kind: assigned is a task's assignee; customer is
 * a task's or note's related record. 0 if the kind has none to filter by. */
static unsigned filter_field(unsigned kind, const char *arg)
{
    const char *name = arg;
    if (kind == KIND_TASK && !strcmp(arg, "assigned")) name = "assignee";
    if ((kind == KIND_TASK || kind == KIND_NOTE) && !strcmp(arg, "customer")) name = "related";
    if (kind == KIND_TICKET && !strcmp(arg, "assigned")) name = "assignee";
    int f = index_order_field(kind, name);
    return f > 0 ? (unsigned)f : 0;
}

/* Reads the filters the index holds: branch, tag, assigned, city, segment (text, folded
 * as search folds it, but branch exact) and customer (an id). */
static int read_index_filters(store_txn_t *t, const request_t *req, list_filter_t *lf, char *msg, size_t cap)
{
    static const char *const text_args[] = {"branch", "assigned", "city", "segment", "status", "priority", "category"};
    const req_arg_t *a;
    char val[RECORD_MAX_STR + 1];
    for (size_t i = 0; i < sizeof text_args / sizeof text_args[0]; i++) {
        if (!(a = request_arg(req, text_args[i]))) continue;
        unsigned field = filter_field(lf->kind, text_args[i]);
        if (!api_arg_cstr(a, val, sizeof val) || !val[0] || !schema_utf8_valid(val, strlen(val)))
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: give the value to list by", text_args[i]);
        if (!field)
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: a %s has no %s to list by", text_args[i],
                               schema_kind_name(lf->kind), text_args[i]);
        index_filter_value(&lf->filters[lf->n_filters++], lf->kind, field, val, strlen(val));
    }
    if ((a = request_arg(req, "tag"))) {
        if (!api_arg_cstr(a, val, sizeof val) || !schema_utf8_valid(val, strlen(val)) ||
            index_filter_tag(&lf->filters[lf->n_filters], val, strlen(val)))
            return accord_fail(msg, cap, ACCORD_EINVAL, "tag: give the tag to list by");
        if (lf->kind != KIND_CUSTOMER && lf->kind != KIND_DEAL)
            return accord_fail(msg, cap, ACCORD_EINVAL, "tag: only customers and deals have tags");
        lf->n_filters++;
        lf->any_kind = true;
    }
    static const char *const ref_args[] = {"doc", "deal", "quote", "order"}; /* a document's links */
    for (size_t i = 0; i < sizeof ref_args / sizeof ref_args[0]; i++) {
        if (!request_arg(req, ref_args[i])) continue;
        uint8_t ref[ID_LEN];
        int f = index_order_field(lf->kind, ref_args[i]), rc;
        if (f < 0)
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: a %s has no %s to list by", ref_args[i],
                               schema_kind_name(lf->kind), ref_args[i]);
        if ((rc = api_arg_id(t, req, ref_args[i], ref, msg, cap))) return rc;
        index_filter_value(&lf->filters[lf->n_filters++], lf->kind, (unsigned)f, ref, ID_LEN);
    }
    if (request_arg(req, "customer")) {
        uint8_t customer[ID_LEN];
        unsigned field = filter_field(lf->kind, "customer");
        int rc = api_arg_id(t, req, "customer", customer, msg, cap);
        if (rc) return rc;
        if (!field)
            return accord_fail(msg, cap, ACCORD_EINVAL, "customer: a %s belongs to no customer", schema_kind_name(lf->kind));
        index_filter_value(&lf->filters[lf->n_filters++], lf->kind, field, customer, ID_LEN);
    }
    return 0;
}

/* A YYYY-MM-DD argument into out (left empty when the argument is absent). */
static int date_arg(const request_t *req, const char *name, char out[11], char *msg, size_t cap)
{
    const req_arg_t *a = request_arg(req, name);
    if (a && (!api_arg_cstr(a, out, 11) || !schema_date_valid(out)))
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: give a date as YYYY-MM-DD", name);
    return 0;
}

/* A task list's own filters: assignee (exact), due_from and due_to (a calendar's days). */
static int read_task_filters(const request_t *req, list_filter_t *lf, char *msg, size_t cap)
{
    const req_arg_t *a;
    int rc;
    if ((a = request_arg(req, "assignee")) && (!api_arg_cstr(a, lf->assignee, sizeof lf->assignee) || !lf->assignee[0]))
        return accord_fail(msg, cap, ACCORD_EINVAL, "assignee: give a user name (at most 64 bytes)");
    if ((rc = date_arg(req, "due_from", lf->due_from, msg, cap)) || (rc = date_arg(req, "due_to", lf->due_to, msg, cap)))
        return rc;
    if (lf->due_from[0] && lf->due_to[0] && strcmp(lf->due_from, lf->due_to) > 0)
        return accord_fail(msg, cap, ACCORD_EINVAL, "due_from: %s is after due_to %s; give the earlier day first",
                           lf->due_from, lf->due_to);
    return 0;
}

static int read_filters(store_txn_t *t, const request_t *req, list_filter_t *lf, char *msg, size_t cap)
{
    const req_arg_t *a;
    if ((a = request_arg(req, "stage")) && !api_arg_cstr(a, lf->stage, sizeof lf->stage))
        return accord_fail(msg, cap, ACCORD_EINVAL, "stage: give a stage name");
    /* the filters only a kind's own test reads (passes_rest): on another kind they were
     * passed over, and every record came as if unfiltered */
    if (lf->stage[0] && lf->kind != KIND_DEAL) return accord_fail(msg, cap, ACCORD_EINVAL, "stage: only deals have one");
    static const char *const task_only[] = {"due", "due_from", "due_to"};
    for (unsigned i = 0; i < sizeof task_only / sizeof task_only[0]; i++)
        if (lf->kind != KIND_TASK && request_arg(req, task_only[i]))
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: only a list of tasks is filtered by it", task_only[i]);
    if (request_arg(req, "assignee") && lf->kind != KIND_TASK && lf->kind != KIND_TICKET)
        return accord_fail(msg, cap, ACCORD_EINVAL, "assignee: only tasks and tickets have one (else assigned)");
    if ((a = request_arg(req, "today")) && (!api_arg_cstr(a, lf->today, sizeof lf->today) || !schema_date_valid(lf->today)))
        return accord_fail(msg, cap, ACCORD_EINVAL, "today: give the date as YYYY-MM-DD");
    char typed[32];
    if ((a = request_arg(req, "now")) &&
        (!api_arg_cstr(a, typed, sizeof typed) || schema_time_normalize(typed, lf->now, sizeof lf->now)))
        return accord_fail(msg, cap, ACCORD_EINVAL, "now: give the local time of day as HH:MM");
    if (!lf->today[0]) { /* today in the node's report zone (kpi.h), as the counters count it */
        uint64_t wall_ms = hlc_wall_ms();
        tzone_date(store_zone(store_txn_store(t)), wall_ms, lf->today);
        if (!lf->now[0]) tzone_time_of_day(store_zone(store_txn_store(t)), wall_ms, lf->now);
    } /* a given today without now: only the days before it are past (a script's report) */
    int rc = read_task_filters(req, lf, msg, cap);
    if (rc) return rc;
    if ((a = request_arg(req, "due"))) {
        char due[16];
        if (!api_arg_cstr(a, due, sizeof due)) return accord_fail(msg, cap, ACCORD_EINVAL, "due: give 'today' or YYYY-MM-DD");
        strcpy(lf->due, strcmp(due, "today") == 0 ? lf->today : due);
        if (!schema_date_valid(lf->due)) return accord_fail(msg, cap, ACCORD_EINVAL, "due: '%s' is not 'today' or a date as YYYY-MM-DD", due);
    }
    lf->overdue = api_arg_flag(req, "overdue");
    lf->open_only = api_arg_flag(req, "open");
    if ((a = request_arg(req, "state"))) {
        if (lf->kind != KIND_INVOICE) return accord_fail(msg, cap, ACCORD_EINVAL, "state: only invoices have one (else status)");
        if (!api_arg_cstr(a, lf->state, sizeof lf->state) || !api_sales_invoice_state_known(lf->state))
            return accord_fail(msg, cap, ACCORD_EINVAL, "state: give issued, partly_paid, paid or cancelled");
    }
    if ((lf->overdue || lf->open_only) && lf->kind != KIND_TASK && lf->kind != KIND_INVOICE && lf->kind != KIND_TICKET)
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: only tasks, invoices and tickets are open or overdue",
                           lf->overdue ? "overdue" : "open");
    return read_index_filters(t, req, lf, msg, cap);
}

typedef struct {
    store_txn_t *t;
    const list_filter_t *lf;
    uint8_t (*ids)[ID_LEN];
    int n, limit;
    bool more;
} id_walk_t;

static int take_in_id_order(void *ctx, const uint8_t id[ID_LEN])
{
    id_walk_t *w = ctx;
    if (!passes(w->t, id, w->lf)) return 0;
    if (w->n == w->limit) { /* one more past the page: the caller is told where to go on */
        w->more = true;
        return 1;
    }
    memcpy(w->ids[w->n++], id, ID_LEN);
    return 0;
}

/* The records after after (NULL: from the first) in id order, as lists have always paged:
 * through the terms of the smallest filter the index holds, or every record of the kind. */
static int walk_id_order(store_txn_t *t, const list_filter_t *lf, const uint8_t *after, id_walk_t *w)
{
    int rc;
    if (lf->n_filters) {
        rc = index_filter_each(t, lf->filters, lf->n_filters, after, take_in_id_order, w);
        return rc < 0 ? rc : 0; /* 1: the page is full */
    }
    uint8_t start[1 + ID_LEN] = {(uint8_t)lf->kind};
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_BYKIND, start, 1, false, &it))) return rc;
    if (after) {
        memcpy(start + 1, after, ID_LEN);
        store_iter_seek(it, start, sizeof start);
    }
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        const uint8_t *id = (const uint8_t *)k.data + 1;
        if (after && memcmp(id, after, ID_LEN) == 0) continue;
        if (take_in_id_order(w, id)) break;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

/* A sorted list's arguments: sort (a field), desc and offset. */
static int read_order(const request_t *req, unsigned kind, index_query_t *q, uint64_t *offset, char *msg, size_t cap)
{
    char name[32];
    const req_arg_t *a = request_arg(req, "sort");
    int field;
    if (!api_arg_cstr(a, name, sizeof name) || (field = index_order_field(kind, name)) < 0 || schema_is_set(schema_field_by_id(kind, (unsigned)field)->type) ||
        schema_field_by_id(kind, (unsigned)field)->type == FT_REF)
    {
        char fields[256] = "";
        const char *names[32];
        unsigned nf, listed = 0;
        const field_def_t *defs = schema_fields(kind, &nf);
        for (unsigned i = 0; i < nf && listed < 32; i++)
            if (index_order_field(kind, defs[i].name) >= 0 && !schema_is_set(defs[i].type) && defs[i].type != FT_REF)
                names[listed++] = defs[i].name;
        for (unsigned i = 0; i < listed; i++)
            snprintf(fields + strlen(fields), sizeof fields - strlen(fields), "%s%s",
                     i == 0 ? "" : i + 1 == listed ? " or " : ", ", names[i]);
        if (!listed) /* lines, import runs: pages in id order only */
            return accord_fail(msg, cap, ACCORD_EINVAL, "sort: a %s list is not sorted: page it with after%s",
                               schema_kind_name(kind), kind == KIND_LINE ? ", or read a document's lines in order with document {id}" : "");
        return accord_fail(msg, cap, ACCORD_EINVAL, "sort: a %s list sorts by %s", schema_kind_name(kind), fields);
    }
    q->field = (unsigned)field;
    q->desc = api_arg_flag(req, "desc");
    int64_t off = 0;
    if ((a = request_arg(req, "offset")) && (!api_arg_int(a, &off) || off < 0))
        return accord_fail(msg, cap, ACCORD_EINVAL, "offset: give the 0-based position of the page's first record");
    *offset = (uint64_t)off;
    return 0;
}

bool api_read_list_is_export(const request_t *req)
{
    return api_arg_flag(req, "by_id") && !request_arg(req, "after");
}

/* An export's first page, run alone: the export is audited (with the request's user and
 * the kind), then the page is read in a transaction of its own. */
static int list_export(api_t *api, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    char user[AUDIT_USER_MAX + 1] = "", kind[32] = "";
    const req_arg_t *u = request_arg(req, "user"), *k = request_arg(req, "kind");
    if (u) api_arg_cstr(u, user, sizeof user);
    if (k) api_arg_cstr(k, kind, sizeof kind);
    store_txn_t *t;
    int rc = audit_record(api_store(api), AUDIT_EXPORT, user, "", kind);
    if (rc) return accord_fail(msg, cap, rc, "cannot record the export in the access audit: %s", accord_strerror(rc));
    if ((rc = store_txn_begin(api_store(api), false, &t)))
        return accord_fail(msg, cap, rc, "cannot read the store: %s", accord_strerror(rc));
    rc = api_read_list(api, t, req, pk, msg, cap);
    store_txn_abort(&t);
    return rc;
}

/* A list of changes' cursor: hex of the stamp(8 BE) and the entity(16) the page ended at. */
#define CHANGES_CURSOR_LEN (2 * (8 + ID_LEN))

/* list {kind, updated_since, after?, limit?, filters...}: the records of kind this node
 * changed at or after updated_since, in the order it applied their last change (ties by
 * id), through its log of changes (state/changes.h): a change made elsewhere long ago that
 * arrived since counts as since. A record changed while a client pages moves to the end,
 * where the client meets it again. Without filters the deleted ones come too, as
 * {id, kind, deleted: true}. */
static int list_changed(store_txn_t *t, const request_t *req, const list_filter_t *lf, int limit, uint8_t (*ids)[ID_LEN],
                        msgpack_packer *pk, char *msg, size_t cap)
{
    char text[40];
    uint64_t since_ms;
    const req_arg_t *a = request_arg(req, "updated_since");
    if (!api_arg_cstr(a, text, sizeof text) || hlc_parse_time(text, &since_ms))
        return accord_fail(msg, cap, ACCORD_EINVAL, "updated_since: give a time as 2026-12-01T09:30:00Z or 2026-12-01T13:00:00+03:30, or a date");
    if (request_arg(req, "sort") || request_arg(req, "offset") || api_arg_flag(req, "by_id") || api_arg_flag(req, "totals"))
        return accord_fail(msg, cap, ACCORD_EINVAL, "updated_since: a list of changes is in the order they were made: "
                                                    "no sort, offset, by_id or totals");
    uint8_t seek[CHANGES_KEY_LEN] = {(uint8_t)lf->kind}, after[8 + ID_LEN];
    be64_put(seek + 1, HLC_PACK(since_ms, 0));
    size_t seek_len = 1 + 8;
    const req_arg_t *c = request_arg(req, "after");
    char hex[CHANGES_CURSOR_LEN + 1];
    if (c) {
        if (!api_arg_cstr(c, hex, sizeof hex) || strlen(hex) != CHANGES_CURSOR_LEN || crypto_unhex(hex, after, sizeof after))
            return accord_fail(msg, cap, ACCORD_EINVAL, "after: give the next the previous page of changes ended with");
        memcpy(seek + 1, after, sizeof after);
        seek_len = sizeof seek;
    }
    uint8_t prefix[1] = {(uint8_t)lf->kind};
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_CHANGES, prefix, sizeof prefix, false, &it);
    if (rc) return accord_fail(msg, cap, rc, "cannot read the store: %s", accord_strerror(rc));
    store_iter_seek(it, seek, seek_len);
    store_val_t k, v;
    bool filtered = lf->n_filters || has_rest(lf), more = false;
    int n = 0;
    uint8_t last[8 + ID_LEN];
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != CHANGES_KEY_LEN) continue;
        const uint8_t *key = k.data, *id = key + 9;
        if (c && !memcmp(key + 1, after, sizeof after)) continue; /* the page before's last */
        if (!changes_current(t, key) || entity_kind(t, id) != (int)lf->kind) continue; /* changed again later, or compacted */
        if (filtered && !passes(t, id, lf)) continue;
        if (n == limit) {
            more = true;
            break;
        }
        memcpy(ids[n++], id, ID_LEN);
        memcpy(last, key + 1, sizeof last);
    }
    store_iter_destroy(&it);
    if (rc < 0) return accord_fail(msg, cap, rc, "cannot read the store: %s", accord_strerror(rc));
    char next[CHANGES_CURSOR_LEN + 1];
    if (n) crypto_hex(last, sizeof last, next);
    /* next is given on every page that holds records, the last too: a client keeps it and
     * asks again later for what changed since */
    page_info_t info = {.more = more, .versions = true, .cursor = n ? next : c ? hex : NULL};
    return pack_page(t, ids, n, &info, pk, msg, cap);
}

int api_read_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    if (!t) return list_export(api, req, pk, msg, cap);
    int kind = api_arg_kind(req, msg, cap);
    if (kind < 0) return kind;
    int limit = api_arg_limit(req, API_LIST_MAX, msg, cap);
    if (limit < 0) return limit;
    list_filter_t *lf = calloc(1, sizeof *lf); /* 2 KiB of filters */
    if (!lf) abort();
    lf->kind = (unsigned)kind;
    lf->t = t;
    int rc = read_filters(t, req, lf, msg, cap);
    if (rc) goto out;
    if (request_arg(req, "updated_since")) {
        rc = list_changed(t, req, lf, limit, api->ids, pk, msg, cap);
        goto out;
    }
    bool sorted = request_arg(req, "sort") != NULL, totals = api_arg_flag(req, "totals");
    if (!sorted && request_arg(req, "offset")) {
        rc = accord_fail(msg, cap, ACCORD_EINVAL, "offset: pages a sorted list; give sort too (after pages the id order)");
        goto out;
    }
    if (sorted && (request_arg(req, "after") || api_arg_flag(req, "by_id"))) {
        rc = accord_fail(msg, cap, ACCORD_EINVAL, "sort: a sorted list pages by offset, not after or by_id");
        goto out;
    }
    if (totals && kind != KIND_DEAL) {
        rc = accord_fail(msg, cap, ACCORD_EINVAL, "totals: only a list of deals has the pipeline's totals");
        goto out;
    }
    index_query_t q = {(unsigned)kind, 0, false, lf->filters, lf->n_filters, has_rest(lf) ? passes_rest : NULL, lf};
    uint8_t (*ids)[ID_LEN] = api->ids;
    page_info_t info = {0};
    uint8_t after[ID_LEN], next[ID_LEN];
    int n;
    if (sorted) {
        uint64_t offset = 0;
        if ((rc = read_order(req, (unsigned)kind, &q, &offset, msg, cap))) goto out;
        n = index_page(t, &q, offset, limit, ids, &info.total);
        if (n < 0) {
            rc = accord_fail(msg, cap, n, "cannot read the store: %s", accord_strerror(n));
            goto out;
        }
        info.has_total = true;
        info.offset = offset;
        info.more = offset + (uint64_t)n < info.total;
    } else {
        /* after: the next of the page before; a page holds the next records in id order,
         * shown in people's order unless by_id (export, scripts) */
        const req_arg_t *a = request_arg(req, "after");
        char hex[2 * ID_LEN + 1];
        if (a && (!api_arg_cstr(a, hex, sizeof hex) || strlen(hex) != 2 * ID_LEN || crypto_unhex(hex, after, ID_LEN))) {
            rc = accord_fail(msg, cap, ACCORD_EINVAL, "after: give the full id (32 hex digits) the previous page ended at");
            goto out;
        }
        id_walk_t w = {t, lf, ids, 0, limit, false};
        if ((rc = walk_id_order(t, lf, a ? after : NULL, &w))) {
            rc = accord_fail(msg, cap, rc, "cannot read the store: %s", accord_strerror(rc));
            goto out;
        }
        n = w.n;
        info.more = w.more;
        if (w.more) memcpy(next, ids[n - 1], ID_LEN); /* the page's last id, before sorting */
        info.next = w.more ? next : NULL;
        if (!api_arg_flag(req, "by_id")) sort_for_people(api, t, (unsigned)kind, ids, n);
    }
    index_deal_total_t *rows = NULL;
    if (totals) {
        rows = malloc(LIST_MAX_TOTALS * sizeof *rows);
        if (!rows) abort();
        rc = index_deal_totals(t, &q, rows, LIST_MAX_TOTALS, &info.n_totals);
        if (rc) {
            free(rows);
            rc = accord_fail(msg, cap, rc, rc == ACCORD_ETOOBIG ? "totals: more than %d stage and currency pairs"
                                                               : "totals: a sum is past what 64 bits hold (%d)", LIST_MAX_TOTALS);
            goto out;
        }
        info.totals = rows;
    }
    info.versions = api_arg_flag(req, "etag");
    rc = pack_page(t, ids, n, &info, pk, msg, cap);
    free(rows);
out:
    free(lf);
    return rc;
}

int api_read_search(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    const req_arg_t *ka = request_arg(req, "kind");
    int kind = ka ? api_arg_kind(req, msg, cap) : KIND_CUSTOMER;
    if (kind < 0) return kind;
    int limit = api_arg_limit(req, SEARCH_DEFAULT, msg, cap);
    if (limit < 0) return limit;
    char q[512], by_name[16] = "auto";
    if (!api_arg_cstr(request_arg(req, "q"), q, sizeof q) || !q[0])
        return accord_fail(msg, cap, ACCORD_EINVAL, "q: give the text to search for (at most 511 bytes)");
    const req_arg_t *b = request_arg(req, "by");
    if (b && !api_arg_cstr(b, by_name, sizeof by_name)) return accord_fail(msg, cap, ACCORD_EINVAL, "by: give one of auto, name, phone, email, tag, branch, national_id");
    static const char *const bys[] = {"auto", "name", "phone", "email", "tag", "branch", "national_id"};
    int by = -1;
    for (int i = 0; i < 7; i++)
        if (strcmp(bys[i], by_name) == 0) by = i;
    if (by < 0) return accord_fail(msg, cap, ACCORD_EINVAL, "by: '%s' is not one of auto, name, phone, email, tag, branch, national_id", by_name);
    /* the list's filters narrow a search too: the page keeps them while someone types */
    list_filter_t lf = {.kind = (unsigned)kind, .t = t};
    int rc = read_index_filters(t, req, &lf, msg, cap);
    if (rc) return rc;
    uint8_t (*ids)[ID_LEN] = api->ids;
    bool more;
    int n = index_search_hits(t, (unsigned)kind, (search_by_t)by, q, ids, api->hits, lf.n_filters ? API_LIST_MAX : limit, &more);
    if (n == ACCORD_EINVAL)
        return accord_fail(msg, cap, n, "q: '%s' is too short to search by %s (phones need 3 digits)", q, by_name);
    if (n < 0) return accord_fail(msg, cap, n, "search failed: %s", accord_strerror(n));
    if (lf.n_filters) { /* keep the hits that hold every filter, in their order */
        int kept = 0;
        for (int i = 0; i < n; i++) {
            bool holds = true;
            for (unsigned k = 0; k < lf.n_filters && holds; k++) holds = index_filter_holds(t, &lf.filters[k], ids[i]);
            if (!holds) continue;
            if (kept == limit) { more = true; break; }
            memmove(ids[kept], ids[i], ID_LEN);
            api->hits[kept++] = api->hits[i];
        }
        n = kept;
    }
    page_info_t info = {.more = more, .hits = api->hits}; /* no next: a narrower query finds the rest */
    return pack_page(t, ids, n, &info, pk, msg, cap);
}

/* A writing node by name when the roster knows it, else by origin id. */
void api_pack_origin_name(api_t *api, store_txn_t *t, msgpack_packer *pk, const uint8_t *origin)
{
    roster_entry_t e;
    if (memcmp(origin, api->id->origin, ID_LEN) == 0) api_pack_cstr(pk, api->id->name);
    else if (roster_by_origin(t, origin, &e) == 0) api_pack_cstr(pk, e.name);
    else api_pack_hex(pk, origin, ID_LEN);
}

void api_pack_value(msgpack_packer *pk, const value_t *v)
{
    field_state_t fs = {NULL, *v};
    api_pack_register(pk, &fs);
}

int api_read_dupes(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    (void)api;
    int limit = api_arg_limit(req, 1000, msg, cap);
    return limit < 0 ? limit : dedupe_scan(t, (unsigned)limit, pk, msg, cap);
}
