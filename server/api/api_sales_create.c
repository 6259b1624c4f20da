/* SPDX-License-Identifier: MIT
 * api_sales_create: a quote, order or invoice made with its lines (given as key=value&...
 * or copied from the document it comes from), an invoice's number, and pay
 * (api_sales.h, docs/SALES.md). */
#define _POSIX_C_SOURCE 200809L
#include "api/api_sales_internal.h"
#include "auth/people.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/formline.h"
#include "state/index.h"

#include <ctype.h>
#include <stdlib.h>

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
    /* the branch's record, once it has one, says its code and calendar for the whole org;
     * before that, the node's --invoice-prefix and --calendar (or its name) */
    const char *prefix = api->invoice_prefix;
    int calendar = api->calendar;
    people_branch_t br;
    if (people_branch(t, api->id->name, &br) == 0) {
        if (sales_prefix_valid(br.code)) prefix = br.code;
        if (!strcmp(br.calendar, "solar")) calendar = CAL_SOLAR;
        else if (!strcmp(br.calendar, "gregorian")) calendar = CAL_GREGORIAN;
    }
    int year = sales_calendar_year((sales_calendar_t)calendar, issued);
    if (year < 0)
        return accord_fail(msg, mcap, ACCORD_EINVAL, "issued: %s has no year in the branch's calendar this node knows", issued);
    char key[64];
    int klen = snprintf(key, sizeof key, "invoice-seq\x1f%s-%04d", prefix, year);
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
        sales_invoice_number(prefix, year, seq, out, cap);
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
    if ((rc = api_write_append(api, t, &lw->rec, msg, cap))) return rc;
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
        if (!strcmp(key, "doc") || !strcmp(key, "kind") || !strcmp(key, "user") || !strcmp(key, "user_default") || !strcmp(key, "id"))
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
    if (api_sales_load_doc(t, src, sd) || entity_deleted(t, src)) return accord_fail(msg, cap, ACCORD_EINVAL, "from: not a live quote or order");
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
    if ((rc = api_write_append(api, t, &w->rec, msg, cap))) {
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

int api_sales_pay(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    api_write_ctx_t *w = &api->write;
    memset(&w->rec, 0, sizeof w->rec);
    /* an argument a payment has not was passed over (a currency: paid in the invoice's) */
    static const char *const takes[] = {"id", "amount", "date", "method", "reference", "user", "user_default"};
    for (unsigned i = 0; i < req->n_args; i++) {
        unsigned k = 0;
        while (k < sizeof takes / sizeof takes[0] && !req_str_eq(req->args[i].key, takes[k])) k++;
        if (k == sizeof takes / sizeof takes[0])
            return accord_fail(msg, cap, ACCORD_EINVAL, "%.*s: a payment takes amount, date, method and reference (in the invoice's currency)",
                               (int)req->args[i].key.len, req->args[i].key.s);
    }
    int rc = api_arg_id(t, req, "id", w->rec.entity, msg, cap);
    if (rc || (rc = api_write_author(api, t, req, w, msg, cap))) return rc;
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
    int64_t paid, total = api_sales_invoice_total(t, w->rec.entity);
    if ((rc = api_sales_invoice_paid(t, w->rec.entity, &paid))) return accord_fail(msg, cap, rc, "cannot read the payments");
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
    if ((rc = api_write_append(api, t, &w->rec, msg, cap))) return rc;
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
