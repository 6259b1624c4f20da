/* SPDX-License-Identifier: MIT
 * api_sales: sales and service on the local API (api_sales.h, docs/SALES.md). */
#define _POSIX_C_SOURCE 200809L
#include "api/api_sales.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/formline.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "sales/sales.h"
#include "state/entity.h"
#include "state/index.h"
#include "state/tzone.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SALES_MAX_LINES 200 /* lines of one document */

bool api_sales_kind(unsigned kind)
{
    return kind >= KIND_PRODUCT && kind <= KIND_TICKET;
}

static bool is_document(unsigned kind)
{
    return kind == KIND_QUOTE || kind == KIND_ORDER || kind == KIND_INVOICE;
}

bool api_sales_control_arg(req_str_t key)
{
    return req_str_eq(key, "lines") || req_str_eq(key, "from");
}

static void pack_bool(msgpack_packer *pk, bool v)
{
    if (v) msgpack_pack_true(pk);
    else msgpack_pack_false(pk);
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" as seconds since the epoch; false if neither. */
static bool utc_seconds(const char *s, time_t *out)
{
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, sec = 0;
    size_t n = strlen(s);
    if (n == 10 && sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) == 3 && schema_date_valid(s)) {
    } else if (n == 20 && sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) == 6) {
    } else {
        return false;
    }
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    *out = timegm(&tm);
    return true;
}

/* ---- reading a record ---- */

static record_op_t *find_set(api_write_ctx_t *w, unsigned field)
{
    for (uint32_t i = 0; i < w->rec.n_ops; i++)
        if (w->rec.ops[i].field == field && w->rec.ops[i].op == OP_SET) return &w->rec.ops[i];
    return NULL;
}

static bool has_op(api_write_ctx_t *w, unsigned field)
{
    for (uint32_t i = 0; i < w->rec.n_ops; i++)
        if (w->rec.ops[i].field == field) return true;
    return false;
}

/* The text field holds after this change: the change's, else the stored one (is_new:
 * none). Empty when unset or cleared. */
static void text_after(store_txn_t *t, api_write_ctx_t *w, bool is_new, unsigned field, char *out, size_t cap)
{
    out[0] = 0;
    record_op_t *o = find_set(w, field);
    if (o) {
        if (o->val.type == VAL_STR && o->val.len < cap) {
            memcpy(out, o->val.s, o->val.len);
            out[o->val.len] = 0;
        }
        return;
    }
    size_t n;
    const char *s = is_new ? NULL : entity_text(t, w->rec.entity, field, &n);
    if (s && n < cap) {
        memcpy(out, s, n);
        out[n] = 0;
    }
}

static void stored_text(store_txn_t *t, const uint8_t *id, unsigned field, char *out, size_t cap)
{
    size_t n;
    const char *s = entity_text(t, id, field, &n);
    out[0] = 0;
    if (s && n < cap) {
        memcpy(out, s, n);
        out[n] = 0;
    }
}

static bool stored_int(store_txn_t *t, const uint8_t *id, unsigned field, int64_t *v)
{
    field_state_t fs;
    if (entity_get(t, id, field, &fs) || fs.val.type != VAL_INT) return false;
    *v = fs.val.i;
    return true;
}

static bool stored_ref(store_txn_t *t, const uint8_t *id, unsigned field, uint8_t out[ID_LEN])
{
    field_state_t fs;
    if (entity_get(t, id, field, &fs) || fs.val.type != VAL_REF || fs.val.len != ID_LEN) return false;
    memcpy(out, fs.val.s, ID_LEN);
    return true;
}

static void now_iso(uint64_t ms, char *out, size_t cap)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void today(store_txn_t *t, char out[11])
{
    tzone_date(store_zone(store_txn_store(t)), hlc_wall_ms(), out);
}

static const char *an(unsigned kind)
{
    return kind == KIND_ORDER || kind == KIND_INVOICE ? "an" : "a";
}

/* The article of a word that comes first: "an expired quote", "a draft quote". */
static const char *article(const char *word)
{
    return word[0] && strchr("aeiou", word[0]) ? "an" : "a";
}

/* ---- setting the node's own fields ---- */

static int set_text(api_write_ctx_t *w, unsigned field, const char *s)
{
    record_op_t *o = find_set(w, field);
    if (!o && !(o = api_write_new_op(w, (uint8_t)field, OP_SET))) return ACCORD_ETOOBIG;
    size_t n = strlen(s);
    char *dst = w->buf[o - w->rec.ops];
    memcpy(dst, s, n + 1);
    o->val = (value_t){VAL_STR, 0, dst, n};
    return 0;
}

static int set_int(api_write_ctx_t *w, unsigned field, int64_t v)
{
    record_op_t *o = find_set(w, field);
    if (!o && !(o = api_write_new_op(w, (uint8_t)field, OP_SET))) return ACCORD_ETOOBIG;
    o->val = (value_t){VAL_INT, v, NULL, 0};
    return 0;
}

static int set_ref(api_write_ctx_t *w, unsigned field, const uint8_t id[ID_LEN])
{
    record_op_t *o = find_set(w, field);
    if (!o && !(o = api_write_new_op(w, (uint8_t)field, OP_SET))) return ACCORD_ETOOBIG;
    uint8_t *dst = w->refs[o - w->rec.ops];
    memcpy(dst, id, ID_LEN);
    o->val = (value_t){VAL_REF, 0, (const char *)dst, ID_LEN};
    return 0;
}

/* ---- documents and their lines ---- */

typedef struct sales_doc {
    uint8_t id[ID_LEN];
    unsigned kind;
    char currency[4];
    char status[17];
    bool copying; /* the lines come from the source (from): its products as they were */
} doc_t;

typedef struct {
    uint8_t (*ids)[ID_LEN];
    int n, max;
} id_list_t;

static int take_id(void *ctx, const uint8_t id[ID_LEN])
{
    id_list_t *l = ctx;
    if (l->n == l->max) return 1;
    memcpy(l->ids[l->n++], id, ID_LEN);
    return 0;
}

typedef struct {
    int64_t position;
    uint8_t id[ID_LEN];
} line_pos_t;

static int cmp_line_pos(const void *a, const void *b)
{
    const line_pos_t *x = a, *y = b;
    if (x->position != y->position) return x->position < y->position ? -1 : 1;
    return memcmp(x->id, y->id, ID_LEN);
}

int api_sales_doc_lines(store_txn_t *t, const uint8_t doc[ID_LEN], uint8_t (*ids)[ID_LEN], int max)
{
    index_filter_t f;
    if (index_filter_value(&f, KIND_LINE, F_LI_DOC, doc, ID_LEN)) return ACCORD_EINVAL;
    id_list_t l = {ids, 0, max};
    int rc = index_filter_each(t, &f, 1, NULL, take_id, &l);
    if (rc < 0) return rc;
    line_pos_t *pos = malloc((size_t)(l.n ? l.n : 1) * sizeof *pos);
    if (!pos) abort();
    for (int i = 0; i < l.n; i++) {
        memcpy(pos[i].id, ids[i], ID_LEN);
        pos[i].position = 0;
        stored_int(t, ids[i], F_LI_POSITION, &pos[i].position);
    }
    qsort(pos, (size_t)l.n, sizeof *pos, cmp_line_pos);
    for (int i = 0; i < l.n; i++) memcpy(ids[i], pos[i].id, ID_LEN);
    free(pos);
    return l.n;
}

static int load_doc(store_txn_t *t, const uint8_t id[ID_LEN], doc_t *d)
{
    int kind = entity_kind(t, id);
    if (kind < 0) return kind;
    memcpy(d->id, id, ID_LEN);
    d->copying = false;
    d->kind = (unsigned)kind;
    unsigned cur = kind == KIND_QUOTE ? F_QU_CURRENCY : kind == KIND_ORDER ? F_OR_CURRENCY : F_IV_CURRENCY;
    unsigned st = kind == KIND_QUOTE ? F_QU_STATUS : kind == KIND_ORDER ? F_OR_STATUS : F_IV_STATUS;
    stored_text(t, id, cur, d->currency, sizeof d->currency);
    stored_text(t, id, st, d->status, sizeof d->status);
    return 0;
}

/* Whether a document's lines may change now: a draft quote's, an open order's. */
static int doc_lines_editable(const doc_t *d, char *msg, size_t cap)
{
    if (d->kind == KIND_INVOICE)
        return accord_fail(msg, cap, ACCORD_EREADONLY, "doc: an invoice's lines are fixed when it is issued");
    if (d->kind == KIND_QUOTE && strcmp(d->status, "draft"))
        return accord_fail(msg, cap, ACCORD_EREADONLY, "doc: the quote is %s; only a draft's lines change", d->status);
    if (d->kind == KIND_ORDER && strcmp(d->status, "open"))
        return accord_fail(msg, cap, ACCORD_EREADONLY, "doc: the order is %s; only an open order's lines change",
                           d->status);
    return 0;
}

/* The line's amounts from what it will hold (the change's values, else the stored). */
static int line_after_int(store_txn_t *t, api_write_ctx_t *w, bool is_new, unsigned field, int64_t *v)
{
    record_op_t *o = find_set(w, field);
    if (o) {
        if (o->val.type != VAL_INT) return 0;
        *v = o->val.i;
        return 1;
    }
    return !is_new && stored_int(t, w->rec.entity, field, v);
}

/* A product's price in currency for this branch: the branch's own, then the org's `prices`
 * element, then its `price` if in that currency. The newest version wins a tie. */
typedef struct {
    const char *currency, *branch;
    int64_t branch_price, org_price;
    bool has_branch, has_org;
} price_pick_t;

static int pick_price(void *ctx, const char *elem, size_t len)
{
    price_pick_t *p = ctx;
    schema_price_t pr;
    if (schema_price_parse(elem, len, &pr) || strcmp(pr.currency, p->currency)) return 0;
    /* elements come in byte order; two of one key (concurrent edits) are rare: the larger */
    if (pr.branch[0] && !strcmp(pr.branch, p->branch)) {
        if (!p->has_branch || pr.minor > p->branch_price) p->branch_price = pr.minor;
        p->has_branch = true;
    } else if (!pr.branch[0]) {
        if (!p->has_org || pr.minor > p->org_price) p->org_price = pr.minor;
        p->has_org = true;
    }
    return 0;
}

static bool product_price(store_txn_t *t, const uint8_t product[ID_LEN], const char *currency, const char *branch,
                          int64_t *price)
{
    price_pick_t p = {currency, branch, 0, 0, false, false};
    entity_each_elem(t, product, F_PR_PRICES, pick_price, &p);
    if (p.has_branch) { *price = p.branch_price; return true; }
    char cur[4];
    stored_text(t, product, F_PR_CURRENCY, cur, sizeof cur);
    if (!strcmp(cur, currency) && stored_int(t, product, F_PR_PRICE, price)) return true;
    if (p.has_org) { *price = p.org_price; return true; }
    return false;
}

/* Money typed as text in w's op for field into minor units of currency. */
static int finish_money(api_write_ctx_t *w, unsigned field, const char *currency, char *msg, size_t cap)
{
    record_op_t *o = find_set(w, field);
    if (!o || o->val.type != VAL_STR) return 0;
    const field_def_t *f = schema_field_by_id(w->rec.kind, field);
    if (!currency[0])
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: give a currency too (e.g. currency EUR)", f->name);
    int64_t minor;
    const char *why;
    if (schema_money_parse(o->val.s, currency, &minor, &why))
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: '%.40s' %s (%s: at most %d decimals)", f->name, o->val.s, why,
                           currency, schema_currency_shown_digits(currency));
    o->val = (value_t){VAL_INT, minor, NULL, 0};
    return 0;
}

/* The document the line being built belongs to: the one being created with it, or the
 * stored one its doc names. */
static int line_doc(api_t *api, store_txn_t *t, api_write_ctx_t *w, bool is_new, doc_t *d, char *msg, size_t cap)
{
    uint8_t id[ID_LEN];
    record_op_t *o = find_set(w, F_LI_DOC);
    if (o && !is_new) return accord_fail(msg, cap, ACCORD_EINVAL, "doc: a line stays on its document; add a new line there");
    if (o) {
        if (o->val.type != VAL_REF) return accord_fail(msg, cap, ACCORD_EINVAL, "doc: required for a new line");
        memcpy(id, o->val.s, ID_LEN);
    } else if (is_new || !stored_ref(t, w->rec.entity, F_LI_DOC, id)) {
        return accord_fail(msg, cap, ACCORD_EINVAL, "doc: required for a new line (a quote, an order or an invoice)");
    }
    if (api->pending_doc && !memcmp(id, api->pending_doc->id, ID_LEN)) {
        *d = *api->pending_doc;
        return 0;
    }
    if (load_doc(t, id, d) || !is_document(d->kind))
        return accord_fail(msg, cap, ACCORD_EINVAL, "doc: not a quote, an order or an invoice");
    if (entity_deleted(t, id)) return accord_fail(msg, cap, ACCORD_EDELETED, "doc: that %s was deleted", schema_kind_name(d->kind));
    return doc_lines_editable(d, msg, cap);
}

/* Adds the amounts of doc's stored lines but `self` (NULL: none) to *sum; ACCORD_ETOOBIG
 * past SCHEMA_MONEY_MAX. A line out of range counts 0, as document counts it. */
static int add_doc_lines(store_txn_t *t, const uint8_t doc[ID_LEN], const uint8_t *self, sales_amounts_t *sum)
{
    uint8_t (*ids)[ID_LEN] = malloc(SALES_MAX_LINES * sizeof *ids);
    if (!ids) abort();
    int n = api_sales_doc_lines(t, doc, ids, SALES_MAX_LINES), rc = n < 0 ? n : 0;
    for (int i = 0; i < n && !rc; i++) {
        if (self && !memcmp(ids[i], self, ID_LEN)) continue;
        int64_t q = 0, p = 0, d = 0, x = 0;
        stored_int(t, ids[i], F_LI_QUANTITY, &q);
        stored_int(t, ids[i], F_LI_UNIT_PRICE, &p);
        stored_int(t, ids[i], F_LI_DISCOUNT, &d);
        stored_int(t, ids[i], F_LI_TAX, &x);
        sales_amounts_t a;
        if (sales_line_amounts(q, p, d, x, &a) == 0) rc = sales_amounts_add(sum, &a);
    }
    free(ids);
    return rc;
}

static int check_line(api_t *api, store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    doc_t d;
    int rc = line_doc(api, t, w, is_new, &d, msg, cap);
    if (rc) return rc;
    uint8_t product[ID_LEN];
    record_op_t *po = find_set(w, F_LI_PRODUCT);
    bool has_product = po && po->val.type == VAL_REF;
    if (has_product) memcpy(product, po->val.s, ID_LEN);
    field_state_t active;
    /* a line copied from an accepted quote or an order keeps the product it was agreed on */
    bool new_sale = has_product && !d.copying;
    if (new_sale && entity_get(t, product, F_PR_ACTIVE, &active) == 0 && active.val.type == VAL_BOOL && !active.val.i)
        return accord_fail(msg, cap, ACCORD_EINVAL, "product: that product is no longer sold (not active)");
    if (new_sale && entity_deleted(t, product))
        return accord_fail(msg, cap, ACCORD_EDELETED, "product: that product was deleted");
    if (is_new && has_product) { /* what the line does not say, the product does */
        char text[RECORD_MAX_STR + 1];
        int64_t v;
        if (!find_set(w, F_LI_DESCRIPTION)) {
            stored_text(t, product, F_PR_NAME, text, sizeof text);
            if (text[0] && strlen(text) <= 500 && (rc = set_text(w, F_LI_DESCRIPTION, text))) return rc;
        }
        if (!find_set(w, F_LI_UNIT)) {
            stored_text(t, product, F_PR_UNIT, text, sizeof text);
            if (text[0] && (rc = set_text(w, F_LI_UNIT, text))) return rc;
        }
        if (!find_set(w, F_LI_TAX) && stored_int(t, product, F_PR_TAX, &v) && (rc = set_int(w, F_LI_TAX, v))) return rc;
        if (!find_set(w, F_LI_UNIT_PRICE)) {
            if (!product_price(t, product, d.currency, api->id->name, &v))
                return accord_fail(msg, cap, ACCORD_EINVAL, "unit_price: the product has no price in %s; give one",
                                   d.currency);
            if ((rc = set_int(w, F_LI_UNIT_PRICE, v))) return rc;
        }
    }
    if ((rc = finish_money(w, F_LI_UNIT_PRICE, d.currency, msg, cap))) return rc;
    if (is_new) {
        record_op_t *desc = find_set(w, F_LI_DESCRIPTION);
        if (!desc || desc->val.type == VAL_NIL)
            return accord_fail(msg, cap, ACCORD_EINVAL, "description: required for a line without a product");
        if (!find_set(w, F_LI_QUANTITY)) return accord_fail(msg, cap, ACCORD_EINVAL, "quantity: required for a new line");
        if (!find_set(w, F_LI_UNIT_PRICE)) return accord_fail(msg, cap, ACCORD_EINVAL, "unit_price: required for a new line");
        if (!find_set(w, F_LI_POSITION)) {
            uint8_t (*ids)[ID_LEN] = malloc(SALES_MAX_LINES * sizeof *ids);
            if (!ids) abort();
            int n = api->pending_doc ? (int)api->pending_lines : api_sales_doc_lines(t, d.id, ids, SALES_MAX_LINES);
            int64_t last = 0;
            if (!api->pending_doc)
                for (int i = 0; i < n; i++) {
                    int64_t p;
                    if (stored_int(t, ids[i], F_LI_POSITION, &p) && p > last) last = p;
                }
            free(ids);
            if (n < 0) return accord_fail(msg, cap, n, "cannot read the document's lines");
            if (n >= SALES_MAX_LINES)
                return accord_fail(msg, cap, ACCORD_ETOOBIG, "a document holds at most %d lines", SALES_MAX_LINES);
            int64_t next = api->pending_doc ? n + 1 : last + 1, most = schema_field_by_id(KIND_LINE, F_LI_POSITION)->max_len;
            if (next > most)
                return accord_fail(msg, cap, ACCORD_EINVAL, "position: the document's last line is at %lld; give this one a "
                                   "position from 0 to %lld", (long long)last, (long long)most);
            if ((rc = set_int(w, F_LI_POSITION, next))) return rc;
        }
    }
    static const unsigned kept[] = {F_LI_DESCRIPTION, F_LI_QUANTITY, F_LI_UNIT_PRICE};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        record_op_t *o = find_set(w, kept[i]);
        if (o && o->val.type == VAL_NIL && (kept[i] != F_LI_DESCRIPTION || !has_product))
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: required, cannot be cleared",
                               schema_field_by_id(KIND_LINE, kept[i])->name);
    }
    int64_t q = 0, p = 0, disc = 0, tax = 0;
    line_after_int(t, w, is_new, F_LI_QUANTITY, &q);
    line_after_int(t, w, is_new, F_LI_UNIT_PRICE, &p);
    line_after_int(t, w, is_new, F_LI_DISCOUNT, &disc);
    line_after_int(t, w, is_new, F_LI_TAX, &tax);
    sales_amounts_t a;
    rc = sales_line_amounts(q ? q : 1, p, disc, tax, &a);
    if (rc == ACCORD_ETOOBIG)
        return accord_fail(msg, cap, rc, "the line's amount is past %lld minor units: give a smaller quantity or price",
                           SCHEMA_MONEY_MAX);
    if (rc) return accord_fail(msg, cap, rc, "the line's quantity, price, discount or tax is out of range");
    /* the document's sum with it (a document being created sums its lines as they come) */
    if (!api->pending_doc && (rc = add_doc_lines(t, d.id, is_new ? NULL : w->rec.entity, &a)))
        return accord_fail(msg, cap, rc, rc == ACCORD_ETOOBIG ? "the %s's total would be past %lld minor units with this line"
                                                              : "cannot read the %s's lines",
                           schema_kind_name(d.kind), SCHEMA_MONEY_MAX);
    return 0;
}

/* ---- status ---- */

static unsigned status_field(unsigned kind)
{
    switch (kind) {
    case KIND_QUOTE: return F_QU_STATUS;
    case KIND_ORDER: return F_OR_STATUS;
    case KIND_INVOICE: return F_IV_STATUS;
    case KIND_TICKET: return F_TI_STATUS;
    default: return 0;
    }
}

static unsigned currency_field(unsigned kind)
{
    switch (kind) {
    case KIND_QUOTE: return F_QU_CURRENCY;
    case KIND_ORDER: return F_OR_CURRENCY;
    case KIND_INVOICE: return F_IV_CURRENCY;
    case KIND_PRODUCT: return F_PR_CURRENCY;
    default: return 0;
    }
}

static int invoice_paid(store_txn_t *t, const uint8_t *id, int64_t *paid);

static int check_status(api_t *api, store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    unsigned kind = w->rec.kind, field = status_field(kind);
    if (!field) return 0;
    record_op_t *o = find_set(w, field);
    const char *first = sales_first_status(kind);
    if (is_new) {
        if (o && (o->val.type != VAL_STR || strncmp(o->val.s, first, o->val.len) || strlen(first) != o->val.len))
            return accord_fail(msg, cap, ACCORD_EINVAL, "status: a new %s starts as %s", schema_kind_name(kind), first);
        return o ? 0 : set_text(w, field, first);
    }
    if (!o) return 0;
    if (o->val.type != VAL_STR) return accord_fail(msg, cap, ACCORD_EINVAL, "status: required, cannot be cleared");
    char from[17], to[17];
    stored_text(t, w->rec.entity, field, from, sizeof from);
    snprintf(to, sizeof to, "%.*s", (int)o->val.len, o->val.s);
    if (!from[0]) snprintf(from, sizeof from, "%s", first);
    if (!sales_move_allowed(kind, from, to)) {
        char next[160];
        sales_next_states(kind, from, next, sizeof next);
        if (!strcmp(from, to))
            return accord_fail(msg, cap, ACCORD_EINVAL, "status: the %s is %s already; it moves to %s",
                               schema_kind_name(kind), from, next);
        return accord_fail(msg, cap, ACCORD_EINVAL, "status: %s %s that is %s cannot move to %s; it moves to %s",
                           an(kind), schema_kind_name(kind), from, to, next);
    }
    char when[32];
    now_iso(hlc_wall_ms(), when, sizeof when);
    int rc = 0;
    if (kind == KIND_QUOTE && !strcmp(to, "sent")) {
        uint8_t (*ids)[ID_LEN] = api->ids;
        int n = api_sales_doc_lines(t, w->rec.entity, ids, 1);
        if (n == 0) return accord_fail(msg, cap, ACCORD_EINVAL, "status: the quote has no line; add one before sending it");
        rc = set_text(w, F_QU_SENT_AT, when);
    }
    if (kind == KIND_TICKET && (!strcmp(to, "closed") || !strcmp(to, "cancelled"))) rc = set_text(w, F_TI_CLOSED_AT, when);
    if (kind == KIND_INVOICE) {
        int64_t paid = 0;
        if ((rc = invoice_paid(t, w->rec.entity, &paid))) return accord_fail(msg, cap, rc, "cannot read the payments");
        if (paid > 0)
            return accord_fail(msg, cap, ACCORD_EINVAL, "status: the invoice has payments; it cannot be cancelled");
    }
    return rc ? accord_fail(msg, cap, rc, "too many changes in one request") : 0;
}

/* ---- references ---- */

typedef struct {
    unsigned kind, field, want, want2, want3;
} ref_rule_t;

static const ref_rule_t ref_rules[] = {
    {KIND_QUOTE, F_QU_CUSTOMER, KIND_CUSTOMER, 0, 0},   {KIND_QUOTE, F_QU_DEAL, KIND_DEAL, 0, 0},
    {KIND_ORDER, F_OR_CUSTOMER, KIND_CUSTOMER, 0, 0},   {KIND_ORDER, F_OR_QUOTE, KIND_QUOTE, 0, 0},
    {KIND_INVOICE, F_IV_CUSTOMER, KIND_CUSTOMER, 0, 0}, {KIND_INVOICE, F_IV_ORDER, KIND_ORDER, 0, 0},
    {KIND_TICKET, F_TI_CUSTOMER, KIND_CUSTOMER, 0, 0},  {KIND_TICKET, F_TI_PRODUCT, KIND_PRODUCT, 0, 0},
    {KIND_TICKET, F_TI_QUOTE, KIND_QUOTE, 0, 0},        {KIND_TICKET, F_TI_ORDER, KIND_ORDER, 0, 0},
    {KIND_TICKET, F_TI_INVOICE, KIND_INVOICE, 0, 0},    {KIND_LINE, F_LI_PRODUCT, KIND_PRODUCT, 0, 0},
    {KIND_LINE, F_LI_DOC, KIND_QUOTE, KIND_ORDER, KIND_INVOICE},
};

static int check_refs(api_t *api, store_txn_t *t, api_write_ctx_t *w, char *msg, size_t cap)
{
    for (size_t i = 0; i < sizeof ref_rules / sizeof ref_rules[0]; i++) {
        const ref_rule_t *r = &ref_rules[i];
        if (r->kind != w->rec.kind) continue;
        record_op_t *o = find_set(w, r->field);
        if (!o || o->val.type != VAL_REF) continue;
        if (api->pending_doc && !memcmp(o->val.s, api->pending_doc->id, ID_LEN)) continue;
        int k = entity_kind(t, (const uint8_t *)o->val.s);
        if (k != (int)r->want && k != (int)r->want2 && k != (int)r->want3) {
            const char *name = schema_field_by_id(r->kind, r->field)->name;
            const char *got = schema_kind_name((unsigned)k) ? schema_kind_name((unsigned)k) : "record";
            if (r->want2)
                return accord_fail(msg, cap, ACCORD_EINVAL, "%s: that record is %s %s, not a quote, an order or an invoice",
                                   name, an((unsigned)k), got);
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: that record is %s %s, not %s %s", name, an((unsigned)k), got,
                               an(r->want), schema_kind_name(r->want));
        }
    }
    return 0;
}

/* ---- the node's own fields ---- */

typedef struct {
    unsigned kind, field;
    const char *how; /* what to do instead */
} kept_rule_t;

static const kept_rule_t kept_rules[] = {
    {KIND_QUOTE, F_QU_SENT_AT, "it is set when the quote is sent"},
    {KIND_INVOICE, F_IV_NUMBER, "the node gives it when the invoice is issued"},
    {KIND_INVOICE, F_IV_NET, "it is the sum of the invoice's lines"},
    {KIND_INVOICE, F_IV_TAX, "it is the sum of the invoice's lines"},
    {KIND_INVOICE, F_IV_TOTAL, "it is the sum of the invoice's lines"},
    {KIND_INVOICE, F_IV_PAYMENTS, "record a payment with pay (accord invoice pay)"},
    {KIND_INVOICE, F_IV_CURRENCY, "an invoice keeps the currency it was issued in"},
    {KIND_INVOICE, F_IV_ISSUED, "an invoice keeps the day it was issued"},
    {KIND_INVOICE, F_IV_ORDER, "an invoice keeps the order it was issued from"},
    {KIND_INVOICE, F_IV_CUSTOMER, "an invoice keeps the customer it was issued to; cancel it and issue another"},
    {KIND_TICKET, F_TI_SLA_DUE, "it follows from the ticket's priority"},
    {KIND_TICKET, F_TI_CLOSED_AT, "it is set when the ticket is closed or cancelled"},
    {KIND_ORDER, F_OR_QUOTE, "an order keeps the quote it was made from"},
};

static int check_kept(api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    for (size_t i = 0; i < sizeof kept_rules / sizeof kept_rules[0]; i++) {
        const kept_rule_t *k = &kept_rules[i];
        if (k->kind != w->rec.kind || !has_op(w, k->field)) continue;
        /* what an invoice is issued with comes with its create */
        if (is_new && k->kind == KIND_INVOICE && (k->field == F_IV_CURRENCY || k->field == F_IV_ISSUED)) continue;
        if (is_new && k->kind == KIND_INVOICE && (k->field == F_IV_ORDER || k->field == F_IV_CUSTOMER)) continue;
        if (is_new && k->kind == KIND_ORDER && k->field == F_OR_QUOTE) continue;
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: kept by the node: %s", schema_field_by_id(k->kind, k->field)->name,
                           k->how);
    }
    return 0;
}

/* ---- products ---- */

/* Another live product than self whose SKU is sku (compared as the index folds it). */
typedef struct {
    store_txn_t *t;
    const uint8_t *self;
    char folded[TEXTNORM_MAX + 1];
    size_t folded_len;
    uint8_t found[ID_LEN];
    bool any;
} sku_find_t;

static int sku_same(void *ctx, const uint8_t id[ID_LEN])
{
    sku_find_t *s = ctx;
    if (s->self && !memcmp(id, s->self, ID_LEN)) return 0;
    size_t n;
    const char *sku = entity_text(s->t, id, F_PR_SKU, &n);
    char folded[TEXTNORM_MAX + 1];
    if (!sku || entity_deleted(s->t, id)) return 0;
    size_t fl = textnorm_fold(sku, n, folded);
    if (fl != s->folded_len || memcmp(folded, s->folded, fl)) return 0;
    memcpy(s->found, id, ID_LEN);
    s->any = true;
    return 1;
}

static int check_product(store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    record_op_t *sku = find_set(w, F_PR_SKU);
    if (is_new && (!sku || sku->val.type != VAL_STR)) return accord_fail(msg, cap, ACCORD_EINVAL, "sku: required for a new product");
    if (sku && sku->val.type != VAL_STR) return accord_fail(msg, cap, ACCORD_EINVAL, "sku: required, cannot be cleared");
    if (sku) {
        sku_find_t s = {t, is_new ? NULL : w->rec.entity, "", 0, {0}, false};
        s.folded_len = textnorm_fold(sku->val.s, sku->val.len, s.folded);
        index_filter_t f;
        if (index_filter_value(&f, KIND_PRODUCT, F_PR_SKU, sku->val.s, sku->val.len) == 0) {
            int rc = index_filter_each(t, &f, 1, NULL, sku_same, &s);
            if (rc < 0) return accord_fail(msg, cap, rc, "cannot read the products");
        }
        if (s.any) {
            char hex[2 * ID_LEN + 1];
            crypto_hex(s.found, ID_LEN, hex);
            return accord_fail(msg, cap, ACCORD_EEXISTS, "sku: product %.8s already has the SKU '%.*s'; give another", hex,
                               (int)sku->val.len, sku->val.s);
        }
    }
    record_op_t *name = find_set(w, F_PR_NAME);
    if ((is_new && !name) || (name && name->val.type != VAL_STR))
        return accord_fail(msg, cap, ACCORD_EINVAL, "name: required%s", is_new ? " for a new product" : ", cannot be cleared");
    if (is_new && !find_set(w, F_PR_ACTIVE)) {
        record_op_t *o = api_write_new_op(w, F_PR_ACTIVE, OP_SET);
        if (!o) return accord_fail(msg, cap, ACCORD_ETOOBIG, "too many changes in one request");
        o->val = (value_t){VAL_BOOL, 1, NULL, 0};
    }
    char cur[8];
    text_after(t, w, is_new, F_PR_CURRENCY, cur, sizeof cur);
    record_op_t *price = find_set(w, F_PR_PRICE);
    int64_t had;
    if (!price && find_set(w, F_PR_CURRENCY) && !is_new && stored_int(t, w->rec.entity, F_PR_PRICE, &had))
        return accord_fail(msg, cap, ACCORD_EINVAL, "currency: give the price again with it");
    if (price && price->val.type == VAL_STR && !cur[0])
        return accord_fail(msg, cap, ACCORD_EINVAL, "price: give a currency too (e.g. --currency EUR)");
    int rc = finish_money(w, F_PR_PRICE, cur, msg, cap);
    if (rc) return rc;
    /* prices as typed ("USD 15.00", "EUR 11.50 tehran"; remove: "USD", "EUR tehran") into elements */
    for (uint32_t i = 0; i < w->rec.n_ops; i++) {
        record_op_t *o = &w->rec.ops[i];
        if (o->field != F_PR_PRICES) continue;
        char typed[160], code[8] = "", amount[64] = "", branch[80] = "";
        snprintf(typed, sizeof typed, "%.*s", (int)o->val.len, o->val.s);
        int words = sscanf(typed, "%7s %63s %79s", code, amount, branch);
        for (char *c = code; *c; c++) *c = (char)toupper((unsigned char)*c);
        if (o->op == OP_REMOVE) continue; /* the stored elements product_price_removes found */
        if (words < 2 || schema_currency_exponent(code) < 0)
            return accord_fail(msg, cap, ACCORD_EINVAL, "prices: '%.60s' is not a price as CURRENCY AMOUNT [BRANCH] (USD 15.00)",
                               typed);
        schema_price_t pr = {{0}, 0, {0}};
        memcpy(pr.currency, code, 3);
        const char *why;
        if (schema_money_parse(amount, code, &pr.minor, &why))
            return accord_fail(msg, cap, ACCORD_EINVAL, "prices: '%.40s' %s", amount, why);
        if (words == 3) {
            if (strlen(branch) >= sizeof pr.branch || !schema_utf8_valid(branch, strlen(branch)))
                return accord_fail(msg, cap, ACCORD_EINVAL, "prices: the branch '%.40s' is not a node's name (at most 64 bytes)",
                                   branch);
            memcpy(pr.branch, branch, strlen(branch) + 1);
        }
        char *dst = w->buf[i];
        schema_price_format(&pr, dst, RECORD_MAX_STR);
        o->val = (value_t){VAL_STR, 0, dst, strlen(dst)};
    }
    return 0;
}

/* The stored price elements of currency and branch that a new price replaces, as removes. */
typedef struct {
    api_write_ctx_t *w;
    schema_price_t want;
    int rc;
} price_drop_t;

static int drop_price(void *ctx, const char *elem, size_t len)
{
    price_drop_t *d = ctx;
    schema_price_t pr;
    if (schema_price_parse(elem, len, &pr) || strcmp(pr.currency, d->want.currency) || strcmp(pr.branch, d->want.branch))
        return 0;
    record_op_t *o = api_write_new_op(d->w, F_PR_PRICES, OP_REMOVE);
    if (!o) { d->rc = ACCORD_ETOOBIG; return 1; }
    char *dst = d->w->buf[d->w->rec.n_ops - 1];
    memcpy(dst, elem, len);
    dst[len] = 0;
    o->val = (value_t){VAL_STR, 0, dst, len};
    return 0;
}

/* remove:prices "USD" / "USD tehran" and add:prices of a currency and branch held already
 * become removes of the stored elements. Runs before check_product reads the adds. */
static int product_price_removes(store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    uint32_t n = w->rec.n_ops;
    for (uint32_t i = 0; i < n; i++) {
        record_op_t *o = &w->rec.ops[i];
        if (o->field != F_PR_PRICES) continue;
        char typed[160], code[8] = "", second[64] = "", third[80] = "";
        snprintf(typed, sizeof typed, "%.*s", (int)o->val.len, o->val.s);
        int words = sscanf(typed, "%7s %63s %79s", code, second, third);
        for (char *c = code; *c; c++) *c = (char)toupper((unsigned char)*c);
        price_drop_t d = {w, {{0}, 0, {0}}, 0};
        if (words < 1 || strlen(code) != 3) return accord_fail(msg, cap, ACCORD_EINVAL, "prices: '%.60s' names no currency", typed);
        memcpy(d.want.currency, code, 3);
        const char *branch = o->op == OP_REMOVE ? (words == 2 ? second : "") : (words == 3 ? third : "");
        if (strlen(branch) >= sizeof d.want.branch)
            return accord_fail(msg, cap, ACCORD_EINVAL, "prices: the branch '%.40s' is not a node's name (at most 64 bytes)",
                               branch);
        memcpy(d.want.branch, branch, strlen(branch) + 1);
        if (o->op == OP_REMOVE) o->field = F_DELETED; /* marked: dropped below */
        if (!is_new) entity_each_elem(t, w->rec.entity, F_PR_PRICES, drop_price, &d);
        if (d.rc) return accord_fail(msg, cap, d.rc, "too many changes in one request");
    }
    uint32_t kept = 0; /* drop the typed removes, keep the rest in order */
    for (uint32_t i = 0; i < w->rec.n_ops; i++) {
        if (w->rec.ops[i].field == F_DELETED && w->rec.ops[i].op == OP_REMOVE) continue;
        if (kept != i) {
            w->rec.ops[kept] = w->rec.ops[i];
            memcpy(w->buf[kept], w->buf[i], sizeof w->buf[i]);
            memcpy(w->refs[kept], w->refs[i], ID_LEN);
            record_op_t *o = &w->rec.ops[kept];
            if (o->val.type == VAL_STR && o->val.s == w->buf[i]) o->val.s = w->buf[kept];
            if (o->val.type == VAL_REF && o->val.s == (const char *)w->refs[i]) o->val.s = (const char *)w->refs[kept];
        }
        kept++;
    }
    w->rec.n_ops = kept;
    return 0;
}

/* ---- tickets ---- */

static int check_ticket(store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    char priority[17], created[32];
    if (is_new) {
        record_op_t *s = find_set(w, F_TI_SUBJECT);
        if (!s || s->val.type != VAL_STR) return accord_fail(msg, cap, ACCORD_EINVAL, "subject: required for a new ticket");
        if (!find_set(w, F_TI_CUSTOMER)) return accord_fail(msg, cap, ACCORD_EINVAL, "customer: required for a new ticket");
        if (!find_set(w, F_TI_PRIORITY)) {
            int rc = set_text(w, F_TI_PRIORITY, "normal");
            if (rc) return accord_fail(msg, cap, rc, "too many changes in one request");
        }
    } else {
        static const unsigned keep[] = {F_TI_SUBJECT, F_TI_CUSTOMER, F_TI_PRIORITY};
        for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
            record_op_t *o = find_set(w, keep[i]);
            if (o && o->val.type == VAL_NIL)
                return accord_fail(msg, cap, ACCORD_EINVAL, "%s: required, cannot be cleared",
                                   schema_field_by_id(KIND_TICKET, keep[i])->name);
        }
    }
    if (!find_set(w, F_TI_PRIORITY)) return 0;
    text_after(t, w, is_new, F_TI_PRIORITY, priority, sizeof priority);
    text_after(t, w, is_new, F_CREATED, created, sizeof created);
    int hours = sales_sla_hours(priority);
    time_t at;
    if (hours < 0 || !utc_seconds(created, &at)) return 0;
    at += (time_t)hours * 3600;
    char due[32];
    now_iso((uint64_t)at * 1000, due, sizeof due);
    int rc = set_text(w, F_TI_SLA_DUE, due);
    return rc ? accord_fail(msg, cap, rc, "too many changes in one request") : 0;
}

/* ---- documents ---- */

static int check_document(store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    unsigned kind = w->rec.kind, cust = kind == KIND_QUOTE ? F_QU_CUSTOMER : kind == KIND_ORDER ? F_OR_CUSTOMER : F_IV_CUSTOMER;
    unsigned cur = currency_field(kind);
    record_op_t *c = find_set(w, cust), *k = find_set(w, cur);
    if (is_new && (!c || c->val.type != VAL_REF))
        return accord_fail(msg, cap, ACCORD_EINVAL, "customer: required for a new %s", schema_kind_name(kind));
    if (is_new && (!k || k->val.type != VAL_STR))
        return accord_fail(msg, cap, ACCORD_EINVAL, "currency: required for a new %s (e.g. EUR)", schema_kind_name(kind));
    if (!is_new && ((c && c->val.type == VAL_NIL) || (k && k->val.type == VAL_NIL)))
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: required, cannot be cleared", c && c->val.type == VAL_NIL ? "customer" : "currency");
    if (!is_new && kind == KIND_INVOICE && find_set(w, F_IV_DUE)) {
        char due[11], issued[11];
        text_after(t, w, false, F_IV_DUE, due, sizeof due);
        stored_text(t, w->rec.entity, F_IV_ISSUED, issued, sizeof issued);
        if (!due[0]) return accord_fail(msg, cap, ACCORD_EINVAL, "due: required, cannot be cleared");
        if (issued[0] && strcmp(due, issued) < 0)
            return accord_fail(msg, cap, ACCORD_EINVAL, "due: %s is before the invoice's issue date %s", due, issued);
    }
    if (!is_new && k) { /* a line's price is in its document's currency */
        uint8_t one[1][ID_LEN];
        int n = api_sales_doc_lines(t, w->rec.entity, one, 1);
        if (n > 0)
            return accord_fail(msg, cap, ACCORD_EINVAL, "currency: the %s has lines priced in its currency; remove them first",
                               schema_kind_name(kind));
    }
    return 0;
}

int api_sales_check(api_t *api, store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap)
{
    unsigned kind = w->rec.kind;
    if (!api_sales_kind(kind)) return 0;
    int rc;
    if ((rc = check_kept(w, is_new, msg, cap)) || (rc = check_refs(api, t, w, msg, cap))) return rc;
    if (kind == KIND_PRODUCT) {
        if ((rc = product_price_removes(t, w, is_new, msg, cap)) || (rc = check_product(t, w, is_new, msg, cap))) return rc;
    } else if (kind == KIND_LINE) {
        if ((rc = check_line(api, t, w, is_new, msg, cap))) return rc;
    } else if (kind == KIND_TICKET) {
        if ((rc = check_ticket(t, w, is_new, msg, cap))) return rc;
    } else if ((rc = check_document(t, w, is_new, msg, cap))) {
        return rc;
    }
    return check_status(api, t, w, is_new, msg, cap);
}

int api_sales_check_delete(api_t *api, store_txn_t *t, api_write_ctx_t *w, char *msg, size_t cap)
{
    (void)api;
    if (w->rec.kind == KIND_INVOICE)
        return accord_fail(msg, cap, ACCORD_EREADONLY, "an invoice is never deleted (its number stays used): cancel it instead");
    if (w->rec.kind != KIND_LINE) return 0;
    uint8_t doc[ID_LEN];
    doc_t d;
    if (!stored_ref(t, w->rec.entity, F_LI_DOC, doc) || load_doc(t, doc, &d) || !is_document(d.kind)) return 0;
    return doc_lines_editable(&d, msg, cap);
}

/* ---- creating a document with its lines ---- */

/* The sum of an invoice's payments. */
typedef struct {
    int64_t paid;
    bool overflow;
} paid_sum_t;

static int add_payment(void *ctx, const char *elem, size_t len)
{
    paid_sum_t *s = ctx;
    schema_payment_t p;
    if (schema_payment_parse(elem, len, &p)) return 0;
    if (p.minor > INT64_MAX - s->paid) { s->overflow = true; return 1; }
    s->paid += p.minor;
    return 0;
}

static int invoice_paid(store_txn_t *t, const uint8_t *id, int64_t *paid)
{
    paid_sum_t s = {0, false};
    int rc = entity_each_elem(t, id, F_IV_PAYMENTS, add_payment, &s);
    *paid = s.paid;
    return rc < 0 ? rc : s.overflow ? ACCORD_ETOOBIG : 0;
}

typedef struct {
    store_txn_t *t;
    const char *number;
} number_find_t;

static int number_same(void *ctx, const uint8_t id[ID_LEN])
{
    number_find_t *f = ctx;
    size_t n;
    const char *s = entity_text(f->t, id, F_IV_NUMBER, &n);
    return s && n == strlen(f->number) && !memcmp(s, f->number, n);
}

/* 1 if a live invoice in this node's view has number (a cancelled one too), 0 if none, or
 * an error. */
static int invoice_number_held(store_txn_t *t, const char *number)
{
    index_filter_t f;
    if (index_filter_value(&f, KIND_INVOICE, F_IV_NUMBER, number, strlen(number))) return ACCORD_EINVAL;
    number_find_t nf = {t, number};
    int rc = index_filter_each(t, &f, 1, NULL, number_same, &nf);
    return rc < 0 ? rc : rc > 0;
}

/* The next number of this node's invoices of that year: the meta counter, kept in the
 * invoice's transaction. */
static int next_invoice_number(api_t *api, store_txn_t *t, const char *issued, char *out, size_t cap, char *msg,
                               size_t mcap)
{
    int year = sales_calendar_year(api->calendar, issued);
    if (year < 0)
        return accord_fail(msg, mcap, ACCORD_EINVAL, "issued: %s has no year in the branch's calendar this node knows", issued);
    char key[64];
    int klen = snprintf(key, sizeof key, "invoice-seq\x1f%s-%04d", api->invoice_prefix, year);
    store_val_t v;
    uint64_t seq = 0;
    int rc = store_get(t, TBL_META, key, (size_t)klen, &v);
    if (rc == 0 && v.len == 8) seq = be64_get(v.data);
    else if (rc != ACCORD_ENOTFOUND && rc != 0) return accord_fail(msg, mcap, rc, "cannot read the invoice counter");
    /* the counter is this node's meta, not its feed: a backup restored holds an older one
     * while the rejoin brings back what was issued after it, and a node made again under
     * its old name starts from none; a number an invoice here holds is never given again */
    do {
        seq++;
        sales_invoice_number(api->invoice_prefix, year, seq, out, cap);
    } while ((rc = invoice_number_held(t, out)) == 1);
    if (rc < 0) return accord_fail(msg, mcap, rc, "cannot read the invoice numbers: %s", accord_strerror(rc));
    uint8_t be[8];
    be64_put(be, seq);
    if ((rc = store_put(t, TBL_META, key, (size_t)klen, be, 8)))
        return accord_fail(msg, mcap, rc, "cannot keep the invoice counter: %s", accord_strerror(rc));
    return 0;
}

static void add_days(const char *date, int days, char out[11])
{
    struct tm tm;
    time_t s = 0;
    utc_seconds(date, &s);
    s += (time_t)days * 86400;
    gmtime_r(&s, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* One line of a document being created: built in api->line_write from the line's own
 * arguments (a form-encoded string), checked against the pending document, appended. */
static int append_line(api_t *api, store_txn_t *t, const request_t *line_req, sales_amounts_t *sum, char *msg, size_t cap)
{
    api_write_ctx_t *lw = &api->line_write;
    int rc = api_write_build(api, t, lw, line_req, KIND_LINE, msg, cap);
    if (rc) return rc;
    lw->rec.author = api->write.rec.author;
    lw->rec.author_len = api->write.rec.author_len;
    int64_t q = 0, p = 0, d = 0, x = 0;
    line_after_int(t, lw, true, F_LI_QUANTITY, &q);
    line_after_int(t, lw, true, F_LI_UNIT_PRICE, &p);
    line_after_int(t, lw, true, F_LI_DISCOUNT, &d);
    line_after_int(t, lw, true, F_LI_TAX, &x);
    sales_amounts_t a;
    if ((rc = sales_line_amounts(q, p, d, x, &a)) || (rc = sales_amounts_add(sum, &a)))
        return accord_fail(msg, cap, rc, "the document's total is past %lld minor units", SCHEMA_MONEY_MAX);
    if ((rc = oplog_append(api->log, t, &lw->rec)))
        return accord_fail(msg, cap, rc, "cannot store the line: %s", accord_strerror(rc));
    api->pending_lines++;
    return 0;
}

/* The request a line's form-encoded string makes: create {kind: line, doc, ...}. */
static int line_request(api_t *api, const doc_t *doc, const char *form, size_t len, request_t *out, char *msg, size_t cap)
{
    formline_t *fl = &api->line_form;
    int rc = formline_decode(form, len, fl);
    if (rc) return accord_fail(msg, cap, ACCORD_EINVAL, "lines: line %u is not form-encoded (key=value&...): %s",
                               api->pending_lines + 1, formline_error(rc));
    memset(out, 0, sizeof *out);
    static const struct { const char *alias, *name; } aliases[] = {
        {"qty", "quantity"}, {"price", "unit_price"}, {"tax", "tax_rate"},
    };
    for (unsigned i = 0; i < fl->n; i++) {
        const char *key = fl->key[i];
        for (size_t j = 0; j < sizeof aliases / sizeof aliases[0]; j++)
            if (!strcmp(key, aliases[j].alias)) key = aliases[j].name;
        if (!strcmp(key, "doc") || !strcmp(key, "kind") || !strcmp(key, "user") || !strcmp(key, "id"))
            return accord_fail(msg, cap, ACCORD_EINVAL, "lines: line %u: %s is not a line's to give", api->pending_lines + 1, key);
        for (unsigned j = 0; j < out->n_args; j++) /* formline refuses a name twice; a name and its alias too */
            if (req_str_eq(out->args[j].key, key))
                return accord_fail(msg, cap, ACCORD_EINVAL, "lines: line %u: %s twice (%s and %s): give it once",
                                   api->pending_lines + 1, key, fl->key[j], fl->key[i]);
        if (out->n_args == REQUEST_MAX_ARGS) return accord_fail(msg, cap, ACCORD_ETOOBIG, "lines: a line has too many fields");
        req_arg_t *a = &out->args[out->n_args++];
        a->key = (req_str_t){key, strlen(key)};
        a->type = MP_STR;
        a->s = (req_str_t){fl->val[i], strlen(fl->val[i])};
    }
    crypto_hex(doc->id, ID_LEN, api->pending_hex);
    req_arg_t *a = &out->args[out->n_args++];
    a->key = (req_str_t){"doc", 3};
    a->type = MP_STR;
    a->s = (req_str_t){api->pending_hex, 2 * ID_LEN};
    return 0;
}

/* Copies a stored line onto the pending document. */
static int copy_line(api_t *api, store_txn_t *t, const uint8_t src[ID_LEN], sales_amounts_t *sum, char *msg, size_t cap)
{
    request_t *r = &api->line_req;
    memset(r, 0, sizeof *r);
    char hex[2 * ID_LEN + 1];
    static const unsigned fields[] = {F_LI_DESCRIPTION, F_LI_UNIT};
    static const unsigned ints[] = {F_LI_QUANTITY, F_LI_UNIT_PRICE, F_LI_DISCOUNT, F_LI_TAX};
    char (*vals)[RECORD_MAX_STR + 1] = api->line_copy;
    unsigned v = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        stored_text(t, src, fields[i], vals[v], sizeof vals[v]);
        if (!vals[v][0]) continue;
        const char *name = schema_field_by_id(KIND_LINE, fields[i])->name;
        r->args[r->n_args++] = (req_arg_t){{name, strlen(name)}, MP_STR, 0, {vals[v], strlen(vals[v])}, 0, 0};
        v++;
    }
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) { /* as text, read back exactly */
        int64_t n;
        if (!stored_int(t, src, ints[i], &n)) continue;
        const field_def_t *f = schema_field_by_id(KIND_LINE, ints[i]);
        if (f->type == FT_MONEY) schema_money_format(n, api->pending_doc->currency, vals[v], sizeof vals[v]);
        else schema_fixed_format(n, f->type == FT_QUANTITY ? 3 : 2, vals[v], sizeof vals[v]);
        r->args[r->n_args++] = (req_arg_t){{f->name, strlen(f->name)}, MP_STR, 0, {vals[v], strlen(vals[v])}, 0, 0};
        v++;
    }
    uint8_t product[ID_LEN];
    /* a product deleted since is no reference to give (its words, unit and price are copied) */
    if (stored_ref(t, src, F_LI_PRODUCT, product) && entity_kind(t, product) == KIND_PRODUCT && !entity_deleted(t, product)) {
        crypto_hex(product, ID_LEN, hex);
        r->args[r->n_args++] = (req_arg_t){{"product", 7}, MP_STR, 0, {hex, 2 * ID_LEN}, 0, 0};
    }
    crypto_hex(api->pending_doc->id, ID_LEN, api->pending_hex);
    r->args[r->n_args++] = (req_arg_t){{"doc", 3}, MP_STR, 0, {api->pending_hex, 2 * ID_LEN}, 0, 0};
    return append_line(api, t, r, sum, msg, cap);
}

/* from: the source of an order (an accepted quote) or an invoice (an open or fulfilled
 * order): its customer and currency unless given, and a reference to it. */
static int take_source(api_t *api, store_txn_t *t, const request_t *req, uint8_t src[ID_LEN], doc_t *sd, char *msg, size_t cap)
{
    api_write_ctx_t *w = &api->write;
    int rc = api_arg_id(t, req, "from", src, msg, cap);
    if (rc) return rc;
    if (load_doc(t, src, sd) || entity_deleted(t, src)) return accord_fail(msg, cap, ACCORD_EINVAL, "from: not a live quote or order");
    unsigned kind = w->rec.kind;
    if (kind == KIND_ORDER && !(sd->kind == KIND_QUOTE && !strcmp(sd->status, "accepted")))
        return accord_fail(msg, cap, ACCORD_EINVAL, "from: an order is made from an accepted quote (that is %s %s%s%s)",
                           sd->kind == KIND_QUOTE ? article(sd->status) : an(sd->kind),
                           sd->kind == KIND_QUOTE ? sd->status : "", sd->kind == KIND_QUOTE ? " " : "",
                           schema_kind_name(sd->kind));
    if (kind == KIND_INVOICE && !(sd->kind == KIND_ORDER && strcmp(sd->status, "cancelled")))
        return accord_fail(msg, cap, ACCORD_EINVAL, "from: an invoice is made from an open or fulfilled order");
    if (kind == KIND_QUOTE) return accord_fail(msg, cap, ACCORD_EINVAL, "from: a quote is not made from another document");
    unsigned cust_src = sd->kind == KIND_QUOTE ? F_QU_CUSTOMER : F_OR_CUSTOMER;
    unsigned cust = kind == KIND_ORDER ? F_OR_CUSTOMER : F_IV_CUSTOMER;
    uint8_t customer[ID_LEN];
    if (!find_set(w, cust) && stored_ref(t, src, cust_src, customer) && (rc = set_ref(w, cust, customer))) return rc;
    if (!find_set(w, currency_field(kind)) && (rc = set_text(w, currency_field(kind), sd->currency))) return rc;
    if (kind == KIND_ORDER) {
        char title[256];
        stored_text(t, src, F_QU_TITLE, title, sizeof title);
        if (title[0] && !find_set(w, F_OR_TITLE) && (rc = set_text(w, F_OR_TITLE, title))) return rc;
    }
    return set_ref(w, kind == KIND_ORDER ? F_OR_QUOTE : F_IV_ORDER, src);
}

int api_sales_create_document(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    api_write_ctx_t *w = &api->write;
    int kind = api_arg_kind(req, msg, cap), rc;
    if (kind < 0) return kind;
    uint8_t src[ID_LEN];
    doc_t sd, doc;
    bool from = request_arg(req, "from") != NULL;
    /* the document's own fields; its customer and currency may come from its source */
    rc = api_write_build_fields(api, t, w, req, (unsigned)kind, msg, cap);
    if (rc) return rc;
    if (from && (rc = take_source(api, t, req, src, &sd, msg, cap))) return rc;
    if (kind == KIND_INVOICE) {
        char issued[11], due[11];
        text_after(t, w, true, F_IV_ISSUED, issued, sizeof issued);
        if (!issued[0]) today(t, issued);
        text_after(t, w, true, F_IV_DUE, due, sizeof due);
        if (!due[0]) add_days(issued, 30, due);
        if (strcmp(due, issued) < 0)
            return accord_fail(msg, cap, ACCORD_EINVAL, "due: %s is before the invoice's issue date %s", due, issued);
        if ((rc = set_text(w, F_IV_ISSUED, issued)) || (rc = set_text(w, F_IV_DUE, due)))
            return accord_fail(msg, cap, rc, "too many changes in one request");
    }
    if ((rc = api_write_finish(api, t, w, true, msg, cap))) return rc;
    memcpy(doc.id, w->rec.entity, ID_LEN);
    doc.kind = (unsigned)kind;
    text_after(t, w, true, currency_field((unsigned)kind), doc.currency, sizeof doc.currency);
    snprintf(doc.status, sizeof doc.status, "%s", sales_first_status((unsigned)kind));
    doc.copying = false;
    api->pending_doc = &doc;
    api->pending_lines = 0;
    sales_amounts_t sum = {0, 0, 0};
    const req_arg_t *lines = request_arg(req, "lines");
    if (lines && lines->type != MP_ARRAY && lines->type != MP_STR) {
        rc = accord_fail(msg, cap, ACCORD_EINVAL, "lines: give a list of lines, each key=value&...");
        goto out;
    }
    if (from) {
        uint8_t (*ids)[ID_LEN] = malloc(SALES_MAX_LINES * sizeof *ids);
        if (!ids) abort();
        int n = api_sales_doc_lines(t, src, ids, SALES_MAX_LINES);
        doc.copying = true;
        for (int i = 0; i < n && !rc; i++) rc = copy_line(api, t, ids[i], &sum, msg, cap);
        doc.copying = false;
        free(ids);
        if (n < 0) rc = accord_fail(msg, cap, n, "cannot read the lines of from");
        if (rc) goto out;
    }
    unsigned n_lines = !lines ? 0 : lines->type == MP_STR ? 1 : lines->n_items;
    if (api->pending_lines + n_lines > SALES_MAX_LINES) {
        rc = accord_fail(msg, cap, ACCORD_ETOOBIG, "lines: a document holds at most %d lines", SALES_MAX_LINES);
        goto out;
    }
    for (unsigned i = 0; i < n_lines; i++) {
        req_str_t s = lines->type == MP_STR ? lines->s : req->items[lines->first_item + i];
        if ((rc = line_request(api, &doc, s.s, s.len, &api->line_req, msg, cap)) ||
            (rc = append_line(api, t, &api->line_req, &sum, msg, cap))) {
            char inner[400];
            snprintf(inner, sizeof inner, "%s", msg);
            if (strncmp(inner, "lines:", 6)) accord_fail(msg, cap, rc, "lines: line %u: %s", api->pending_lines + 1, inner);
            goto out;
        }
    }
    char number[48] = "";
    if (kind == KIND_INVOICE) {
        if (api->pending_lines == 0) {
            rc = accord_fail(msg, cap, ACCORD_EINVAL, "lines: an invoice needs at least one line (give lines, or from an order)");
            goto out;
        }
        char issued[11];
        text_after(t, w, true, F_IV_ISSUED, issued, sizeof issued);
        if ((rc = next_invoice_number(api, t, issued, number, sizeof number, msg, cap))) goto out;
        if ((rc = set_text(w, F_IV_NUMBER, number)) || (rc = set_int(w, F_IV_NET, sum.net)) ||
            (rc = set_int(w, F_IV_TAX, sum.tax)) || (rc = set_int(w, F_IV_TOTAL, sum.total))) {
            rc = accord_fail(msg, cap, rc, "too many changes in one request");
            goto out;
        }
    }
    if ((rc = oplog_append(api->log, t, &w->rec))) {
        rc = accord_fail(msg, cap, rc, "cannot store the %s: %s", schema_kind_name((unsigned)kind), accord_strerror(rc));
        goto out;
    }
    msgpack_pack_map(pk, kind == KIND_INVOICE ? 3 : 2);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, w->rec.entity, ID_LEN);
    api_pack_cstr(pk, "lines");
    msgpack_pack_uint32(pk, api->pending_lines);
    if (kind == KIND_INVOICE) {
        api_pack_cstr(pk, "number");
        api_pack_cstr(pk, number);
    }
out:
    api->pending_doc = NULL;
    return rc;
}

static void pack_money(msgpack_packer *pk, const char *key, int64_t v, const char *currency);
static void pack_text_field(msgpack_packer *pk, store_txn_t *t, const uint8_t *id, unsigned field, const char *key);

/* ---- pay ---- */

static int64_t invoice_total(store_txn_t *t, const uint8_t *id)
{
    int64_t v = 0;
    stored_int(t, id, F_IV_TOTAL, &v);
    return v;
}

int api_sales_pay(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    api_write_ctx_t *w = &api->write;
    memset(&w->rec, 0, sizeof w->rec);
    int rc = api_arg_id(t, req, "id", w->rec.entity, msg, cap);
    if (rc || (rc = api_write_author(req, w, msg, cap))) return rc;
    if (entity_kind(t, w->rec.entity) != KIND_INVOICE) return accord_fail(msg, cap, ACCORD_EINVAL, "id: not an invoice");
    if (entity_deleted(t, w->rec.entity)) return accord_fail(msg, cap, ACCORD_EDELETED, "id: that invoice was deleted");
    w->rec.kind = KIND_INVOICE;
    char status[17], currency[4];
    stored_text(t, w->rec.entity, F_IV_STATUS, status, sizeof status);
    stored_text(t, w->rec.entity, F_IV_CURRENCY, currency, sizeof currency);
    if (!strcmp(status, "cancelled")) return accord_fail(msg, cap, ACCORD_EINVAL, "id: the invoice is cancelled; it takes no payment");
    schema_payment_t p;
    memset(&p, 0, sizeof p);
    char text[64];
    const req_arg_t *a;
    const char *why;
    if (!api_arg_cstr(request_arg(req, "amount"), text, sizeof text) && !((a = request_arg(req, "amount")) && a->type == MP_INT))
        return accord_fail(msg, cap, ACCORD_EINVAL, "amount: give the amount paid (in %s)", currency);
    if ((a = request_arg(req, "amount")) && a->type == MP_INT) snprintf(text, sizeof text, "%lld", (long long)a->i);
    if (schema_money_parse(text, currency, &p.minor, &why))
        return accord_fail(msg, cap, ACCORD_EINVAL, "amount: '%.40s' %s (%s: at most %d decimals)", text, why, currency,
                           schema_currency_shown_digits(currency));
    if (p.minor == 0) return accord_fail(msg, cap, ACCORD_EINVAL, "amount: a payment is more than 0");
    int64_t paid, total = invoice_total(t, w->rec.entity);
    if ((rc = invoice_paid(t, w->rec.entity, &paid))) return accord_fail(msg, cap, rc, "cannot read the payments");
    int64_t balance = total - paid;
    if (p.minor > balance) {
        char b[40];
        schema_money_format(balance > 0 ? balance : 0, currency, b, sizeof b);
        return accord_fail(msg, cap, ACCORD_EINVAL, "amount: more than the balance due (%s %s)", b, currency);
    }
    if ((a = request_arg(req, "date"))) {
        if (!api_arg_cstr(a, p.date, sizeof p.date) || !schema_date_valid(p.date))
            return accord_fail(msg, cap, ACCORD_EINVAL, "date: give the day paid as YYYY-MM-DD");
    } else {
        today(t, p.date);
    }
    char issued[11], now[11];
    stored_text(t, w->rec.entity, F_IV_ISSUED, issued, sizeof issued);
    if (issued[0] && strcmp(p.date, issued) < 0)
        return accord_fail(msg, cap, ACCORD_EINVAL, "date: %s is before the invoice was issued (%s)", p.date, issued);
    today(t, now);
    if (strcmp(p.date, now) > 0)
        return accord_fail(msg, cap, ACCORD_EINVAL, "date: %s is after today (%s): record a payment once it is made", p.date, now);
    snprintf(p.method, sizeof p.method, "cash");
    if ((a = request_arg(req, "method")) && (!api_arg_cstr(a, p.method, sizeof p.method) || !schema_payment_method_known(p.method)))
        return accord_fail(msg, cap, ACCORD_EINVAL, "method: give one of cash, card, transfer, cheque, other");
    if ((a = request_arg(req, "reference"))) {
        char ref[RECORD_MAX_STR + 1], norm[RECORD_MAX_STR + 1], err[160];
        int64_t num;
        field_def_t reff = {0, "reference", FT_TEXT, SCHEMA_PAYMENT_REF_MAX, NULL};
        if (!api_arg_cstr(a, ref, sizeof ref)) return accord_fail(msg, cap, ACCORD_EINVAL, "reference: give it as text");
        if (schema_normalize(&reff, ref, norm, sizeof norm, &num, err, sizeof err))
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s", err);
        snprintf(p.reference, sizeof p.reference, "%.*s", SCHEMA_PAYMENT_REF_MAX, norm);
    }
    uint8_t rnd[8];
    crypto_random(rnd, sizeof rnd);
    crypto_hex(rnd, sizeof rnd, p.id);
    record_op_t *o = api_write_new_op(w, F_IV_PAYMENTS, OP_ADD);
    schema_payment_format(&p, w->buf[0], RECORD_MAX_STR);
    o->val = (value_t){VAL_STR, 0, w->buf[0], strlen(w->buf[0])};
    if ((rc = oplog_append(api->log, t, &w->rec)))
        return accord_fail(msg, cap, rc, "cannot store the payment: %s", accord_strerror(rc));
    paid += p.minor;
    msgpack_pack_map(pk, 9);
    api_pack_cstr(pk, "currency");
    api_pack_cstr(pk, currency);
    pack_text_field(pk, t, w->rec.entity, F_IV_NUMBER, "number");
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, w->rec.entity, ID_LEN);
    api_pack_cstr(pk, "payment");
    api_pack_cstr(pk, p.id);
    pack_money(pk, "paid", paid, currency);
    pack_money(pk, "balance", total - paid, currency);
    api_pack_cstr(pk, "state");
    api_pack_cstr(pk, sales_invoice_state_name(sales_invoice_state(false, total, paid)));
    return 0;
}

/* ---- reading documents ---- */

static void pack_money(msgpack_packer *pk, const char *key, int64_t v, const char *currency)
{
    char text[40], k[48];
    api_pack_cstr(pk, key);
    msgpack_pack_int64(pk, v);
    snprintf(k, sizeof k, "%s_text", key);
    api_pack_cstr(pk, k);
    schema_money_format(v, currency, text, sizeof text);
    api_pack_cstr(pk, text);
}

static void pack_fixed(msgpack_packer *pk, const char *key, int64_t v, int decimals)
{
    char text[40], k[48];
    api_pack_cstr(pk, key);
    msgpack_pack_int64(pk, v);
    snprintf(k, sizeof k, "%s_text", key);
    api_pack_cstr(pk, k);
    schema_fixed_format(v, decimals, text, sizeof text);
    api_pack_cstr(pk, text);
}

static void pack_text_field(msgpack_packer *pk, store_txn_t *t, const uint8_t *id, unsigned field, const char *key)
{
    size_t n;
    const char *s = entity_text(t, id, field, &n);
    api_pack_cstr(pk, key);
    if (s) api_pack_str(pk, s, n);
    else msgpack_pack_nil(pk);
}

static void pack_ref_field(msgpack_packer *pk, store_txn_t *t, const uint8_t *id, unsigned field, const char *key)
{
    uint8_t ref[ID_LEN];
    api_pack_cstr(pk, key);
    if (stored_ref(t, id, field, ref)) api_pack_hex(pk, ref, ID_LEN);
    else msgpack_pack_nil(pk);
}

static void pack_line(msgpack_packer *pk, store_txn_t *t, const uint8_t *id, const char *currency, sales_amounts_t *a)
{
    int64_t q = 0, p = 0, d = 0, x = 0, pos = 0;
    stored_int(t, id, F_LI_QUANTITY, &q);
    stored_int(t, id, F_LI_UNIT_PRICE, &p);
    stored_int(t, id, F_LI_DISCOUNT, &d);
    stored_int(t, id, F_LI_TAX, &x);
    stored_int(t, id, F_LI_POSITION, &pos);
    if (sales_line_amounts(q, p, d, x, a)) *a = (sales_amounts_t){0, 0, 0}; /* a peer's line out of range counts 0 */
    msgpack_pack_map(pk, 19);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, id, ID_LEN);
    api_pack_cstr(pk, "position");
    msgpack_pack_int64(pk, pos);
    pack_ref_field(pk, t, id, F_LI_PRODUCT, "product");
    pack_text_field(pk, t, id, F_LI_DESCRIPTION, "description");
    pack_text_field(pk, t, id, F_LI_UNIT, "unit");
    pack_fixed(pk, "quantity", q, 3);
    pack_money(pk, "unit_price", p, currency);
    pack_fixed(pk, "discount", d, 2);
    pack_fixed(pk, "tax_rate", x, 2);
    pack_money(pk, "net", a->net, currency);
    pack_money(pk, "tax", a->tax, currency);
    pack_money(pk, "total", a->total, currency);
}

typedef struct {
    msgpack_packer *pk;
    const char *currency;
    unsigned n;
} pay_pack_t;

static int count_payment(void *ctx, const char *elem, size_t len)
{
    schema_payment_t p;
    if (!schema_payment_parse(elem, len, &p)) ((pay_pack_t *)ctx)->n++;
    return 0;
}

static int pack_payment(void *ctx, const char *elem, size_t len)
{
    pay_pack_t *pp = ctx;
    schema_payment_t p;
    if (schema_payment_parse(elem, len, &p)) return 0;
    msgpack_pack_map(pp->pk, 6);
    api_pack_cstr(pp->pk, "id");
    api_pack_cstr(pp->pk, p.id);
    api_pack_cstr(pp->pk, "date");
    api_pack_cstr(pp->pk, p.date);
    pack_money(pp->pk, "amount", p.minor, pp->currency);
    api_pack_cstr(pp->pk, "method");
    api_pack_cstr(pp->pk, p.method);
    api_pack_cstr(pp->pk, "reference");
    api_pack_cstr(pp->pk, p.reference);
    return 0;
}

/* An invoice's payments, oldest day first (elements are in byte order: date first). */
static void pack_payments(msgpack_packer *pk, store_txn_t *t, const uint8_t *id, const char *currency)
{
    pay_pack_t pp = {pk, currency, 0};
    entity_each_elem(t, id, F_IV_PAYMENTS, count_payment, &pp);
    msgpack_pack_array(pk, pp.n);
    entity_each_elem(t, id, F_IV_PAYMENTS, pack_payment, &pp);
}

int api_sales_document(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    uint8_t id[ID_LEN];
    int rc = api_arg_id(t, req, "id", id, msg, cap);
    if (rc) return rc;
    doc_t d;
    if (load_doc(t, id, &d) || !is_document(d.kind))
        return accord_fail(msg, cap, ACCORD_EINVAL, "id: not a quote, an order or an invoice");
    if (entity_deleted(t, id)) return accord_fail(msg, cap, ACCORD_EDELETED, "id: that %s was deleted", schema_kind_name(d.kind));
    uint8_t (*ids)[ID_LEN] = api->ids;
    int n = api_sales_doc_lines(t, id, ids, API_LIST_MAX);
    if (n < 0) return accord_fail(msg, cap, n, "cannot read the lines: %s", accord_strerror(n));
    bool invoice = d.kind == KIND_INVOICE;
    msgpack_pack_map(pk, invoice ? 21 : 13);
    char date[11] = "";
    if (invoice) {
        stored_text(t, id, F_IV_ISSUED, date, sizeof date);
    } else { /* the day it was sent, else made, in the node's report zone (a printed quote's date) */
        char when[32];
        time_t secs;
        stored_text(t, id, d.kind == KIND_QUOTE ? F_QU_SENT_AT : F_CREATED, when, sizeof when);
        if (!when[0]) stored_text(t, id, F_CREATED, when, sizeof when);
        if (utc_seconds(when, &secs)) tzone_date(store_zone(store_txn_store(t)), (uint64_t)secs * 1000, date);
    }
    api_pack_cstr(pk, "date");
    api_pack_cstr(pk, date);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, id, ID_LEN);
    api_pack_cstr(pk, "kind");
    api_pack_cstr(pk, schema_kind_name(d.kind));
    api_pack_cstr(pk, "currency");
    api_pack_cstr(pk, d.currency);
    api_pack_cstr(pk, "fields");
    if ((rc = api_read_pack_record(t, id, pk))) return accord_fail(msg, cap, rc, "cannot read the document");
    api_pack_cstr(pk, "lines");
    msgpack_pack_array(pk, (uint32_t)n);
    sales_amounts_t sum = {0, 0, 0};
    bool overflow = false;
    for (int i = 0; i < n; i++) {
        sales_amounts_t a;
        pack_line(pk, t, ids[i], d.currency, &a);
        if (sales_amounts_add(&sum, &a)) overflow = true;
    }
    /* lines added apart on two branches may pass the bound together: said, not hidden */
    api_pack_cstr(pk, "overflow");
    pack_bool(pk, overflow);
    pack_money(pk, "net", sum.net, d.currency);
    pack_money(pk, "tax", sum.tax, d.currency);
    pack_money(pk, "total", sum.total, d.currency);
    if (!invoice) return 0;
    int64_t paid = 0, total = invoice_total(t, id);
    invoice_paid(t, id, &paid);
    char today_s[11], due[11];
    today(t, today_s);
    stored_text(t, id, F_IV_DUE, due, sizeof due);
    sales_invoice_state_t st = sales_invoice_state(!strcmp(d.status, "cancelled"), total, paid);
    pack_text_field(pk, t, id, F_IV_NUMBER, "number");
    api_pack_cstr(pk, "payments");
    pack_payments(pk, t, id, d.currency);
    pack_money(pk, "paid", paid, d.currency);
    pack_money(pk, "balance", total - paid, d.currency);
    api_pack_cstr(pk, "state");
    api_pack_cstr(pk, sales_invoice_state_name(st));
    api_pack_cstr(pk, "overdue");
    pack_bool(pk, (st == INV_ISSUED || st == INV_PARTLY_PAID) && due[0] && strcmp(due, today_s) < 0);
    return 0;
}

/* ---- what get and list add ---- */

static bool text_of(unsigned kind, const field_def_t *f)
{
    (void)kind;
    return f->type == FT_QUANTITY || f->type == FT_RATE || (f->type == FT_MONEY && f->max_len);
}

unsigned api_sales_extra_keys(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind)
{
    if (!api_sales_kind(kind)) return 0;
    unsigned n = 0, nf;
    const field_def_t *f = schema_fields(kind, &nf);
    for (unsigned i = 0; i < nf; i++) {
        int64_t v;
        if (text_of(kind, &f[i]) && stored_int(t, id, f[i].id, &v)) n++;
    }
    if (kind == KIND_INVOICE) n += 5; /* paid, paid_text, state, balance, balance_text */
    if (kind == KIND_PRODUCT && entity_count_elems(t, id, F_PR_PRICES) > 0) n++; /* prices_text */
    if (kind == KIND_TICKET || kind == KIND_INVOICE) n++;
    return n;
}

/* A product's price elements as people read them: "USD 14.00", "EUR 11.50 tehran". */
typedef struct {
    msgpack_packer *pk;
    int left;
} price_text_t;

static int pack_price_text(void *ctx, const char *elem, size_t len)
{
    price_text_t *pt = ctx;
    schema_price_t p;
    if (pt->left == 0 || schema_price_parse(elem, len, &p)) return 0;
    char amount[40], text[120];
    schema_money_format(p.minor, p.currency, amount, sizeof amount);
    snprintf(text, sizeof text, "%s %s%s%s", p.currency, amount, p.branch[0] ? " " : "", p.branch);
    api_pack_cstr(pt->pk, text);
    pt->left--;
    return 0;
}

void api_sales_pack_extra(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, msgpack_packer *pk)
{
    if (!api_sales_kind(kind)) return;
    char currency[4] = "";
    if (kind == KIND_LINE) {
        uint8_t doc[ID_LEN];
        doc_t d;
        if (stored_ref(t, id, F_LI_DOC, doc) && !load_doc(t, doc, &d)) memcpy(currency, d.currency, 4);
    } else if (currency_field(kind)) {
        stored_text(t, id, currency_field(kind), currency, sizeof currency);
    }
    unsigned nf;
    const field_def_t *f = schema_fields(kind, &nf);
    for (unsigned i = 0; i < nf; i++) {
        int64_t v;
        if (!text_of(kind, &f[i]) || !stored_int(t, id, f[i].id, &v)) continue;
        char key[48], text[40];
        snprintf(key, sizeof key, "%s_text", f[i].name);
        api_pack_cstr(pk, key);
        if (f[i].type == FT_MONEY) schema_money_format(v, currency, text, sizeof text);
        else schema_fixed_format(v, f[i].type == FT_QUANTITY ? 3 : 2, text, sizeof text);
        api_pack_cstr(pk, text);
    }
    if (kind == KIND_PRODUCT && entity_count_elems(t, id, F_PR_PRICES) > 0) {
        int n = entity_count_elems(t, id, F_PR_PRICES);
        api_pack_cstr(pk, "prices_text");
        msgpack_pack_array(pk, (uint32_t)n);
        price_text_t pt = {pk, n};
        entity_each_elem(t, id, F_PR_PRICES, pack_price_text, &pt);
        for (; pt.left > 0; pt.left--) msgpack_pack_nil(pk); /* an element that does not parse */
    }
    char today_s[11];
    today(t, today_s);
    api_sales_standing_t st;
    api_sales_standing(t, id, kind, today_s, &st);
    if (kind == KIND_INVOICE) {
        int64_t paid = 0, total = invoice_total(t, id);
        invoice_paid(t, id, &paid);
        pack_money(pk, "paid", paid, currency); /* two keys */
        pack_money(pk, "balance", total - paid, currency);
        api_pack_cstr(pk, "state");
        api_pack_cstr(pk, st.state);
    }
    if (kind == KIND_INVOICE || kind == KIND_TICKET) {
        api_pack_cstr(pk, "overdue");
        pack_bool(pk, st.overdue);
    }
}

void api_sales_standing(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, const char *today_s,
                        api_sales_standing_t *out)
{
    char status[17];
    *out = (api_sales_standing_t){false, false, ""};
    if (kind == KIND_INVOICE) {
        int64_t paid = 0, total = invoice_total(t, id);
        char due[11];
        invoice_paid(t, id, &paid);
        stored_text(t, id, F_IV_STATUS, status, sizeof status);
        stored_text(t, id, F_IV_DUE, due, sizeof due);
        sales_invoice_state_t st = sales_invoice_state(!strcmp(status, "cancelled"), total, paid);
        out->state = sales_invoice_state_name(st);
        out->open = st == INV_ISSUED || st == INV_PARTLY_PAID;
        out->overdue = out->open && due[0] && strcmp(due, today_s) < 0;
    } else if (kind == KIND_TICKET) {
        char due[32], now[32];
        stored_text(t, id, F_TI_STATUS, status, sizeof status);
        stored_text(t, id, F_TI_SLA_DUE, due, sizeof due);
        now_iso(hlc_wall_ms(), now, sizeof now);
        out->open = !sales_status_final(KIND_TICKET, status[0] ? status : "inquiry");
        out->overdue = out->open && due[0] && strcmp(due, now) < 0;
    }
}

bool api_sales_invoice_state_known(const char *state)
{
    for (int s = INV_ISSUED; s <= INV_CANCELLED; s++)
        if (!strcmp(state, sales_invoice_state_name((sales_invoice_state_t)s))) return true;
    return false;
}

/* ---- clashes ---- */

typedef struct {
    store_txn_t *t;
    msgpack_packer *pk;
    unsigned field, groups;
} clash_pack_t;

static int pack_clash(void *ctx, const uint8_t (*ids)[ID_LEN], unsigned n, bool more)
{
    clash_pack_t *c = ctx;
    (void)more;
    if (c->groups == API_LIST_MAX) return 0;
    msgpack_pack_map(c->pk, 2);
    api_pack_cstr(c->pk, "value");
    size_t sl;
    const char *s = entity_text(c->t, ids[0], c->field, &sl);
    api_pack_str(c->pk, s ? s : "", s ? sl : 0);
    api_pack_cstr(c->pk, "ids");
    msgpack_pack_array(c->pk, n);
    for (unsigned i = 0; i < n; i++) api_pack_hex(c->pk, ids[i], ID_LEN);
    c->groups++;
    return 0;
}

static int count_clash(void *ctx, const uint8_t (*ids)[ID_LEN], unsigned n, bool more)
{
    (void)ids, (void)n, (void)more;
    ++*(unsigned *)ctx;
    return 0;
}

int api_sales_clashes(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    int kind = api_arg_kind(req, msg, cap);
    if (kind < 0) return kind;
    if (kind != KIND_PRODUCT && kind != KIND_INVOICE)
        return accord_fail(msg, cap, ACCORD_EINVAL, "kind: clashes are of products (SKU) or invoices (number)");
    unsigned field = kind == KIND_PRODUCT ? F_PR_SKU : F_IV_NUMBER, groups = 0;
    int rc = index_duplicates(t, (unsigned)kind, field, api->ids, API_LIST_MAX, count_clash, &groups);
    if (rc) return accord_fail(msg, cap, rc, "cannot read the index: %s", accord_strerror(rc));
    msgpack_pack_map(pk, 1);
    api_pack_cstr(pk, "items");
    msgpack_pack_array(pk, groups < API_LIST_MAX ? groups : API_LIST_MAX);
    clash_pack_t c = {t, pk, field, 0};
    /* the same read twice in one transaction: the same groups */
    rc = index_duplicates(t, (unsigned)kind, field, api->ids, API_LIST_MAX, pack_clash, &c);
    if (rc) return accord_fail(msg, cap, rc, "cannot read the index: %s", accord_strerror(rc));
    return 0;
}
