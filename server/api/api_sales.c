/* SPDX-License-Identifier: MIT
 * api_sales: the rules of sales and service on a change being built (api_sales.h,
 * docs/SALES.md): the node's own fields, status moves, references, a product's SKU and
 * prices, a ticket's SLA, a line's document, defaults and bound. */
#define _POSIX_C_SOURCE 200809L
#include "api/api_sales_internal.h"
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

bool api_sales_kind(unsigned kind)
{
    return kind >= KIND_PRODUCT && kind <= KIND_TICKET;
}

bool api_sales_control_arg(req_str_t key)
{
    return req_str_eq(key, "lines") || req_str_eq(key, "from");
}

/* ---- lines ---- */

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
    if (api_sales_load_doc(t, id, d) || !is_document(d->kind))
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
        if ((rc = api_sales_invoice_paid(t, w->rec.entity, &paid))) return accord_fail(msg, cap, rc, "cannot read the payments");
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
    if (!stored_ref(t, w->rec.entity, F_LI_DOC, doc) || api_sales_load_doc(t, doc, &d) || !is_document(d.kind)) return 0;
    return doc_lines_editable(&d, msg, cap);
}
