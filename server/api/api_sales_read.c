/* SPDX-License-Identifier: MIT
 * api_sales_read: a document with its lines and totals, what get and list add to the
 * records of sales and service, where an invoice or a ticket stands, and clashes
 * (api_sales.h, docs/SALES.md). */
#define _POSIX_C_SOURCE 200809L
#include "api/api_sales_internal.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/formline.h"
#include "state/index.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>

typedef struct {
    uint8_t (*ids)[ID_LEN];
    int n, max;
} id_list_t;

typedef struct {
    int64_t position;
    uint8_t id[ID_LEN];
} line_pos_t;

/* The sum of an invoice's payments. */
typedef struct {
    int64_t paid;
    bool overflow;
} paid_sum_t;

static int take_id(void *ctx, const uint8_t id[ID_LEN])
{
    id_list_t *l = ctx;
    if (l->n == l->max) return 1;
    memcpy(l->ids[l->n++], id, ID_LEN);
    return 0;
}

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

int api_sales_etag(store_txn_t *t, const uint8_t id[ID_LEN], char out[ENTITY_ETAG_LEN + 1])
{
    int kind = entity_kind(t, id);
    if (kind < 0) return kind;
    if (kind != KIND_QUOTE && kind != KIND_ORDER && kind != KIND_INVOICE) return entity_etag(t, id, out);
    uint8_t (*ids)[ID_LEN] = malloc(SALES_MAX_LINES * sizeof *ids);
    if (!ids) abort();
    int n = api_sales_doc_lines(t, id, ids, SALES_MAX_LINES), rc = n < 0 ? n : 0;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, ENTITY_ETAG_LEN / 2);
    /* the document's row, then each line's id and row in position order: the same state, the
     * same etag on every node */
    for (int i = -1; i < n && !rc; i++) {
        store_val_t v;
        if ((rc = store_get(t, TBL_ENTITIES, i < 0 ? id : ids[i], ID_LEN, &v))) break;
        if (i >= 0) crypto_generichash_update(&st, ids[i], ID_LEN);
        crypto_generichash_update(&st, v.data, v.len);
    }
    free(ids);
    uint8_t h[ENTITY_ETAG_LEN / 2];
    crypto_generichash_final(&st, h, sizeof h);
    if (!rc) crypto_hex(h, sizeof h, out);
    return rc;
}

int api_sales_load_doc(store_txn_t *t, const uint8_t id[ID_LEN], doc_t *d)
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

static int add_payment(void *ctx, const char *elem, size_t len)
{
    paid_sum_t *s = ctx;
    schema_payment_t p;
    if (schema_payment_parse(elem, len, &p)) return 0;
    if (p.minor > INT64_MAX - s->paid) { s->overflow = true; return 1; }
    s->paid += p.minor;
    return 0;
}

int api_sales_invoice_paid(store_txn_t *t, const uint8_t *id, int64_t *paid)
{
    paid_sum_t s = {0, false};
    int rc = entity_each_elem(t, id, F_IV_PAYMENTS, add_payment, &s);
    *paid = s.paid;
    return rc < 0 ? rc : s.overflow ? ACCORD_ETOOBIG : 0;
}

int64_t api_sales_invoice_total(store_txn_t *t, const uint8_t *id)
{
    int64_t v = 0;
    stored_int(t, id, F_IV_TOTAL, &v);
    return v;
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
    if (api_sales_load_doc(t, id, &d) || !is_document(d.kind))
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
    int64_t paid = 0, total = api_sales_invoice_total(t, id);
    api_sales_invoice_paid(t, id, &paid);
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
    if (kind == KIND_QUOTE || kind == KIND_ORDER) n += 3; /* total, total_text, lines */
    return n;
}

/* A quote's or an order's live lines summed (its total), and how many there are; lines
 * past the bound (added apart on two branches) are left out, as document leaves them. */
static void doc_total(store_txn_t *t, const uint8_t id[ID_LEN], sales_amounts_t *sum, int *n_lines)
{
    uint8_t (*ids)[ID_LEN] = malloc(SALES_MAX_LINES * sizeof *ids);
    if (!ids) abort();
    int n = api_sales_doc_lines(t, id, ids, SALES_MAX_LINES);
    *sum = (sales_amounts_t){0, 0, 0};
    *n_lines = n > 0 ? n : 0;
    for (int i = 0; i < n; i++) {
        int64_t q = 0, p = 0, d = 0, x = 0;
        stored_int(t, ids[i], F_LI_QUANTITY, &q);
        stored_int(t, ids[i], F_LI_UNIT_PRICE, &p);
        stored_int(t, ids[i], F_LI_DISCOUNT, &d);
        stored_int(t, ids[i], F_LI_TAX, &x);
        sales_amounts_t a;
        if (sales_line_amounts(q, p, d, x, &a) == 0) sales_amounts_add(sum, &a);
    }
    free(ids);
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
        if (stored_ref(t, id, F_LI_DOC, doc) && !api_sales_load_doc(t, doc, &d)) memcpy(currency, d.currency, 4);
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
        int64_t paid = 0, total = api_sales_invoice_total(t, id);
        api_sales_invoice_paid(t, id, &paid);
        pack_money(pk, "paid", paid, currency); /* two keys */
        pack_money(pk, "balance", total - paid, currency);
        api_pack_cstr(pk, "state");
        api_pack_cstr(pk, st.state);
    }
    if (kind == KIND_INVOICE || kind == KIND_TICKET) {
        api_pack_cstr(pk, "overdue");
        pack_bool(pk, st.overdue);
    }
    if (kind == KIND_QUOTE || kind == KIND_ORDER) { /* what a list of them shows */
        sales_amounts_t sum;
        int n_lines;
        doc_total(t, id, &sum, &n_lines);
        pack_money(pk, "total", sum.total, currency);
        api_pack_cstr(pk, "lines");
        msgpack_pack_int64(pk, n_lines);
    }
}

void api_sales_standing(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, const char *today_s,
                        api_sales_standing_t *out)
{
    char status[17];
    *out = (api_sales_standing_t){false, false, ""};
    if (kind == KIND_INVOICE) {
        int64_t paid = 0, total = api_sales_invoice_total(t, id);
        char due[11];
        api_sales_invoice_paid(t, id, &paid);
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
