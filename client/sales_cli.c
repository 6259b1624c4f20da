/* SPDX-License-Identifier: MIT
 * The verbs of sales and service on the node's local API (docs/SALES.md): each one a
 * create, update, get, list, search, document, pay or history call, its options mapped
 * one to one to the API's arguments by accord.c's parser. What is done here is only what
 * the API leaves to a client: a document's lines and totals as tables, an invoice's
 * payment said in its currency, a ticket's timeline read from its history. */
#include "sales_cli.h"
#include "proto/accord_err.h"
#include "proto/schema.h"
#include "exit_codes.h"
#include "output.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_created(const msgpack_object *o)
{
    char id[64];
    printf("%s\n", accord_obj_str(o, "id", id, sizeof id));
}

static int simple(const cli_t *cli, const char *verb, accord_args_t *a, void (*human)(const msgpack_object *))
{
    accord_reply_t r;
    return cli_finish(cli, cli_call(cli, verb, a, &r), &r, human);
}

static int create(const cli_t *cli, accord_args_t *a, const char *kind, void (*human)(const msgpack_object *))
{
    accord_args_str(a, "kind", kind);
    return simple(cli, "create", a, human);
}

/* update {id, kind, ...}: the kind makes the node refuse an id of another kind */
static int update(const cli_t *cli, accord_args_t *a, const char *id, const char *kind)
{
    accord_args_str(a, "id", id);
    accord_args_str(a, "kind", kind);
    return simple(cli, "update", a, print_created);
}

/* A status move (quote send, order fulfil, ticket move, ...): the node refuses one that
 * is not along the kind's arrows and names the allowed next states. */
static int move(const cli_t *cli, accord_args_t *a, const char *id, const char *kind, const char *status)
{
    accord_args_str(a, "status", status);
    return update(cli, a, id, kind);
}

static int list(const cli_t *cli, accord_args_t *a, const char *kind, const char *what, void (*human)(const msgpack_object *))
{
    accord_args_str(a, "kind", kind);
    return cli_run_page(cli, "list", a, what, human);
}

/* ---- tables ---- */

static const column_t product_cols[] = {
    {"ID", "id", 12}, {"SKU", "sku", 14}, {"NAME", "name", 28}, {"CATEGORY", "category", 12},
    {"PRICE", "price_text", 12}, {"CUR", "currency", 4}, {"TAX%", "tax_rate_text", 6}, {"ACTIVE", "active", 0}};
static const column_t quote_cols[] = {
    {"ID", "id", 12}, {"STATUS", "status", 9}, {"TITLE", "title", 28}, {"TOTAL", "total_text", 14},
    {"CUR", "currency", 4}, {"VALID UNTIL", "valid_until", 11}, {"CUSTOMER", "customer", 0}};
static const column_t order_cols[] = {
    {"ID", "id", 12}, {"STATUS", "status", 10}, {"TITLE", "title", 28}, {"TOTAL", "total_text", 14},
    {"CUR", "currency", 4}, {"QUOTE", "quote", 12}, {"CUSTOMER", "customer", 0}};
static const column_t invoice_cols[] = {
    {"ID", "id", 12}, {"NUMBER", "number", 20}, {"ISSUED", "issued", 10}, {"DUE", "due", 10},
    {"STATE", "state", 11}, {"TOTAL", "total_text", 14}, {"PAID", "paid_text", 14}, {"BALANCE", "balance_text", 14},
    {"CUR", "currency", 4}, {"OVERDUE", "overdue", 7}, {"CUSTOMER", "customer", 0}};
static const column_t ticket_cols[] = {
    {"ID", "id", 12}, {"STATUS", "status", 9}, {"PRIORITY", "priority", 8}, {"SLA DUE", "sla_due", 20},
    {"ASSIGNEE", "assignee", 12}, {"OVERDUE", "overdue", 7}, {"SUBJECT", "subject", 0}};
static const column_t line_cols[] = {
    {"#", "position", 3}, {"DESCRIPTION", "description", 28}, {"QTY", "quantity_text", 8}, {"UNIT", "unit", 5},
    {"PRICE", "unit_price_text", 12}, {"DISC%", "discount_text", 6}, {"TAX%", "tax_rate_text", 6},
    {"NET", "net_text", 12}, {"TAX", "tax_text", 10}, {"TOTAL", "total_text", 0}};
static const column_t payment_cols[] = {
    {"DATE", "date", 10}, {"AMOUNT", "amount_text", 14}, {"METHOD", "method", 9}, {"REFERENCE", "reference", 0}};
#define N_COLS(c) (int)(sizeof c / sizeof c[0])

static void print_products(const msgpack_object *o) { cli_print_table(o, product_cols, N_COLS(product_cols)); }
static void print_quotes(const msgpack_object *o) { cli_print_table(o, quote_cols, N_COLS(quote_cols)); }
static void print_orders(const msgpack_object *o) { cli_print_table(o, order_cols, N_COLS(order_cols)); }
static void print_tickets(const msgpack_object *o) { cli_print_table(o, ticket_cols, N_COLS(ticket_cols)); }

static int64_t int_of(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = accord_obj_get(map, key);
    if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) return o->via.u64 > INT64_MAX ? INT64_MAX : (int64_t)o->via.u64;
    if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) return o->via.i64;
    return 0;
}

/* An amount of minor units in currency as the node writes it: "12.50". */
static const char *money(int64_t minor, const char *currency, char *out, size_t cap)
{
    schema_money_format(minor, currency, out, cap);
    return out;
}

/* An invoice list: the balance comes as minor units only, so it is shown in the row's
 * currency here. */
static void print_invoices(const msgpack_object *list)
{
    enum { N = N_COLS(invoice_cols) };
    if (list->type != MSGPACK_OBJECT_ARRAY) return;
    const char *titles[N];
    for (int c = 0; c < N; c++) titles[c] = invoice_cols[c].title;
    cli_print_row(titles, invoice_cols, N);
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        const msgpack_object *row = &list->via.array.ptr[i];
        char cell[N][512], cur[8];
        const char *cells[N];
        accord_obj_str(row, "currency", cur, sizeof cur);
        for (int c = 0; c < N; c++) {
            if (!strcmp(invoice_cols[c].key, "balance")) cells[c] = money(int_of(row, "balance"), cur, cell[c], sizeof cell[c]);
            else cells[c] = cli_cell(row, invoice_cols[c].key, cell[c], sizeof cell[c]);
        }
        cli_print_row(cells, invoice_cols, N);
    }
    printf("(%u)\n", list->via.array.size);
}

/* A product's other prices, kept as "CUR MINOR [BRANCH]": one a line, in the currency's
 * decimals ("prices          USD 15.00", "                EUR 11.50 tehran"). */
static void print_prices(const msgpack_object *v)
{
    for (uint32_t i = 0; v->type == MSGPACK_OBJECT_ARRAY && i < v->via.array.size; i++) {
        const msgpack_object *e = &v->via.array.ptr[i];
        schema_price_t p;
        char amount[40], raw[128];
        if (e->type != MSGPACK_OBJECT_STR || schema_price_parse(e->via.str.ptr, e->via.str.size, &p))
            printf("%-15s %s\n", i ? "" : "prices", output_cell(e, raw, sizeof raw)); /* a peer's, unread: as it is */
        else
            printf("%-15s %s %s%s%s\n", i ? "" : "prices", p.currency, money(p.minor, p.currency, amount, sizeof amount),
                   p.branch[0] ? " " : "", p.branch);
    }
}

/* A record's fields as "key value" lines; an amount, quantity or rate as its text (the
 * key's *_text beside it), not in minor units; skip: NULL, or the keys shown elsewhere,
 * NULL-terminated. */
static void print_fields(const msgpack_object *o, const char *const *skip)
{
    if (o->type != MSGPACK_OBJECT_MAP) return;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        char key[64], text_key[80];
        output_cell(k, key, sizeof key);
        size_t kl = strlen(key);
        if (kl > 5 && !strcmp(key + kl - 5, "_text")) continue; /* shown under its field's name */
        bool skipped = false;
        for (const char *const *k2 = skip; k2 && *k2 && !skipped; k2++) skipped = !strcmp(key, *k2);
        if (skipped) continue;
        snprintf(text_key, sizeof text_key, "%s_text", key);
        const msgpack_object *text = accord_obj_get(o, text_key), *v = text ? text : &o->via.map.ptr[i].val;
        if (!strcmp(key, "prices")) {
            print_prices(v);
            continue;
        }
        char *val = output_cell_dup(v);
        printf("%-15s %s\n", key, val);
        free(val);
    }
}

static void print_product(const msgpack_object *o) { print_fields(o, NULL); }

static void print_amount_line(const char *label, const msgpack_object *o, const char *key, const char *currency)
{
    char text[64], text_key[48];
    snprintf(text_key, sizeof text_key, "%s_text", key);
    printf("%-8s %s %s\n", label, output_cell(accord_obj_get(o, text_key), text, sizeof text), currency);
}

/* document's reply: the fields, the lines, the totals; an invoice's payments and balance */
static void print_document(const msgpack_object *o)
{
    const msgpack_object *fields = accord_obj_get(o, "fields"), *lines = accord_obj_get(o, "lines");
    const msgpack_object *payments = accord_obj_get(o, "payments");
    char currency[8];
    accord_obj_str(o, "currency", currency, sizeof currency);
    static const char *const below[] = {"payments", "net", "tax", "total", "paid", "balance", "state", "overdue", NULL};
    if (fields) print_fields(fields, below);
    printf("\n");
    if (lines) cli_print_table(lines, line_cols, N_COLS(line_cols));
    printf("\n");
    print_amount_line("net", o, "net", currency);
    print_amount_line("tax", o, "tax", currency);
    print_amount_line("total", o, "total", currency);
    if (!payments) return;
    printf("\npayments:\n");
    cli_print_table(payments, payment_cols, N_COLS(payment_cols));
    print_amount_line("paid", o, "paid", currency);
    print_amount_line("balance", o, "balance", currency);
    char state[32], overdue[8];
    printf("%-8s %s\n", "state", accord_obj_str(o, "state", state, sizeof state));
    printf("%-8s %s\n", "overdue", output_cell(accord_obj_get(o, "overdue"), overdue, sizeof overdue));
}

/* document {id}, refused (exit 2) unless it is of kind */
static int show_document(const cli_t *cli, accord_args_t *a, const char *id, const char *kind)
{
    accord_args_str(a, "id", id);
    accord_reply_t r;
    int rc = cli_call(cli, "document", a, &r);
    char k[32];
    if (rc == 0 && strcmp(accord_obj_str(&r.body, "kind", k, sizeof k), kind) != 0) {
        accord_reply_destroy(&r);
        return cli_refuse_kind(cli, id, k, kind);
    }
    return cli_finish(cli, rc, &r, print_document);
}

/* ---- products ---- */

static int run_product_add(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return create(cli, a, "product", print_created); }
static int run_product_edit(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return update(cli, a, pos[0], "product"); }
static int run_product_show(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return cli_show(cli, a, pos[0], "product", print_product); }
static int run_product_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return list(cli, a, "product", "products", print_products); }

static int run_product_search(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    char q[512] = "";
    for (int i = 0; i < n; i++) snprintf(q + strlen(q), sizeof q - strlen(q), "%s%s", i ? " " : "", pos[i]);
    accord_args_str(a, "q", q);
    accord_args_str(a, "kind", "product");
    return cli_run_page(cli, "search", a, "products", print_products);
}

/* ---- quotes and orders ---- */

/* create {kind: line, doc, ...}: refused by the node unless the document's lines may
 * change (a draft quote, an open order); kind is checked here first, so that `quote line`
 * never adds to an order */
static int add_line(const cli_t *cli, accord_args_t *a, const char *doc, const char *kind)
{
    accord_args_t g;
    accord_args_init(&g);
    accord_args_str(&g, "id", doc);
    accord_reply_t r;
    int rc = cli_call(cli, "get", &g, &r);
    accord_args_destroy(&g);
    char k[32], id[64];
    if (rc == 0 && strcmp(accord_obj_str(&r.body, "kind", k, sizeof k), kind) != 0) rc = cli_refuse_kind(cli, doc, k, kind);
    accord_obj_str(&r.body, "id", id, sizeof id); /* the whole id of a prefix typed */
    if (rc) {
        accord_reply_destroy(&r);
        return rc;
    }
    accord_args_str(a, "doc", id);
    accord_reply_destroy(&r);
    return create(cli, a, "line", print_created);
}

static int run_quote_add(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return create(cli, a, "quote", print_created); }
static int run_quote_line(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return add_line(cli, a, pos[0], "quote"); }
static int run_quote_send(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return move(cli, a, pos[0], "quote", "sent"); }
static int run_quote_accept(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return move(cli, a, pos[0], "quote", "accepted"); }
static int run_quote_reject(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return move(cli, a, pos[0], "quote", "rejected"); }
static int run_quote_show(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return show_document(cli, a, pos[0], "quote"); }
static int run_quote_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return list(cli, a, "quote", "quotes", print_quotes); }

static int run_order_add(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return create(cli, a, "order", print_created); }
static int run_order_line(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return add_line(cli, a, pos[0], "order"); }
static int run_order_fulfil(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return move(cli, a, pos[0], "order", "fulfilled"); }
static int run_order_cancel(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return move(cli, a, pos[0], "order", "cancelled"); }
static int run_order_show(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return show_document(cli, a, pos[0], "order"); }
static int run_order_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return list(cli, a, "order", "orders", print_orders); }

/* ---- invoices ---- */

/* the number people use, then the id scripts use */
static void print_invoice_created(const msgpack_object *o)
{
    char id[64], number[64];
    printf("%s %s\n", accord_obj_str(o, "number", number, sizeof number), accord_obj_str(o, "id", id, sizeof id));
}

static int run_invoice_add(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return create(cli, a, "invoice", print_invoice_created); }
static int run_invoice_cancel(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return move(cli, a, pos[0], "invoice", "cancelled"); }
static int run_invoice_show(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return show_document(cli, a, pos[0], "invoice"); }
static int run_invoice_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return list(cli, a, "invoice", "invoices", print_invoices); }

/* pay's reply has the paid amount and the balance in minor units: said to people in the
 * invoice's currency, which a get reads (--json: the reply as it is) */
static int run_invoice_pay(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)n;
    accord_args_str(a, "id", pos[0]);
    accord_reply_t r;
    int rc = cli_call(cli, "pay", a, &r);
    if (rc || cli->json) return cli_finish(cli, rc, &r, print_created);
    accord_args_t g;
    accord_args_init(&g);
    char id[64], currency[8] = "", number[64] = "", state[32], paid[40], balance[40];
    accord_args_str(&g, "id", accord_obj_str(&r.body, "id", id, sizeof id));
    accord_reply_t inv;
    if (cli_call(cli, "get", &g, &inv) == 0) {
        accord_obj_str(&inv.body, "currency", currency, sizeof currency);
        accord_obj_str(&inv.body, "number", number, sizeof number);
    }
    accord_reply_destroy(&inv);
    accord_args_destroy(&g);
    output_sanitize(&r.body, r.msg.zone);
    printf("%s: paid %s %s, balance %s %s, %s\n", number[0] ? number : id, money(int_of(&r.body, "paid"), currency, paid, sizeof paid),
           currency, money(int_of(&r.body, "balance"), currency, balance, sizeof balance), currency,
           accord_obj_str(&r.body, "state", state, sizeof state));
    accord_reply_destroy(&r);
    return 0;
}

/* ---- tickets ---- */

static int run_ticket_add(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return create(cli, a, "ticket", print_created); }
static int run_ticket_move(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)n; return move(cli, a, pos[0], "ticket", pos[1]); }
static int run_ticket_list(const cli_t *cli, accord_args_t *a, char **pos, int n) { (void)pos; (void)n; return list(cli, a, "ticket", "tickets", print_tickets); }

static int run_ticket_assign(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)n;
    accord_args_str(a, "assignee", pos[1]);
    return update(cli, a, pos[0], "ticket");
}

/* Packs the status changes of one history page into pk ({when, author, branch, status});
 * returns how many. */
static uint32_t pack_status_changes(const msgpack_object *items, msgpack_packer *pk)
{
    uint32_t n = 0;
    for (uint32_t i = 0; items && items->type == MSGPACK_OBJECT_ARRAY && i < items->via.array.size; i++) {
        const msgpack_object *h = &items->via.array.ptr[i], *ch = accord_obj_get(h, "changes");
        for (uint32_t j = 0; ch && ch->type == MSGPACK_OBJECT_ARRAY && j < ch->via.array.size; j++) {
            char field[32];
            const msgpack_object *c = &ch->via.array.ptr[j];
            if (strcmp(accord_obj_str(c, "field", field, sizeof field), "status")) continue;
            static const char *const keys[] = {"when", "author", "branch"};
            msgpack_pack_map(pk, 4);
            for (int k = 0; k < 3; k++) {
                const msgpack_object *v = accord_obj_get(h, keys[k]);
                msgpack_pack_str_with_body(pk, keys[k], strlen(keys[k]));
                if (v) msgpack_pack_object(pk, *v);
                else msgpack_pack_nil(pk);
            }
            const msgpack_object *v = accord_obj_get(c, "value");
            msgpack_pack_str_with_body(pk, "status", 6);
            if (v) msgpack_pack_object(pk, *v);
            else msgpack_pack_nil(pk);
            n++;
        }
    }
    return n;
}

/* The ticket's status changes, oldest first, from every page of its history, packed into
 * out; their count in *n. 0 or an exit code (its message printed). */
static int read_timeline(const cli_t *cli, const char *id, msgpack_sbuffer *out, uint32_t *n)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    char after[128] = "";
    *n = 0;
    for (;;) {
        accord_args_t h;
        accord_args_init(&h);
        accord_args_str(&h, "id", id);
        if (after[0]) accord_args_str(&h, "after", after);
        accord_reply_t r;
        int rc = cli_call(cli, "history", &h, &r);
        accord_args_destroy(&h);
        if (rc) {
            accord_reply_destroy(&r);
            return rc;
        }
        *n += pack_status_changes(accord_obj_get(&r.body, "items"), &pk);
        const msgpack_object *more = accord_obj_get(&r.body, "more");
        bool go_on = more && more->type == MSGPACK_OBJECT_BOOLEAN && more->via.boolean;
        accord_obj_str(&r.body, "next", after, sizeof after);
        accord_reply_destroy(&r);
        if (!go_on || !after[0]) return 0;
    }
}

static void print_ticket(const msgpack_object *o)
{
    static const char *const below[] = {"timeline", NULL};
    print_fields(o, below);
    const msgpack_object *tl = accord_obj_get(o, "timeline");
    printf("\ntimeline:\n");
    for (uint32_t i = 0; tl && tl->type == MSGPACK_OBJECT_ARRAY && i < tl->via.array.size; i++) {
        const msgpack_object *e = &tl->via.array.ptr[i];
        char when[64], status[32], author[128], branch[128];
        printf("  %-24s %-9s by %s @ %s\n", accord_obj_str(e, "when", when, sizeof when),
               accord_obj_str(e, "status", status, sizeof status), accord_obj_str(e, "author", author, sizeof author),
               accord_obj_str(e, "branch", branch, sizeof branch));
    }
}

/* get, then history: the ticket's fields with its timeline (--json: the record with a
 * "timeline" array of {when, author, branch, status}) */
static int run_ticket_show(const cli_t *cli, accord_args_t *a, char **pos, int n)
{
    (void)n;
    accord_args_str(a, "id", pos[0]);
    accord_reply_t r;
    int rc = cli_call(cli, "get", a, &r);
    char kind[32], id[64];
    if (rc == 0 && strcmp(accord_obj_str(&r.body, "kind", kind, sizeof kind), "ticket") != 0)
        rc = cli_refuse_kind(cli, pos[0], kind, "ticket");
    if (rc) {
        accord_reply_destroy(&r);
        return rc;
    }
    msgpack_sbuffer timeline, whole;
    msgpack_sbuffer_init(&timeline);
    uint32_t n_changes;
    if ((rc = read_timeline(cli, accord_obj_str(&r.body, "id", id, sizeof id), &timeline, &n_changes))) {
        msgpack_sbuffer_destroy(&timeline);
        accord_reply_destroy(&r);
        return rc;
    }
    msgpack_sbuffer_init(&whole);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &whole, msgpack_sbuffer_write);
    uint32_t n_keys = r.body.type == MSGPACK_OBJECT_MAP ? r.body.via.map.size : 0;
    msgpack_pack_map(&pk, n_keys + 1);
    for (uint32_t i = 0; i < n_keys; i++) {
        msgpack_pack_object(&pk, r.body.via.map.ptr[i].key);
        msgpack_pack_object(&pk, r.body.via.map.ptr[i].val);
    }
    msgpack_pack_str_with_body(&pk, "timeline", 8);
    msgpack_pack_array(&pk, n_changes);
    msgpack_sbuffer_write(&whole, timeline.data, timeline.size); /* the packed entries, as they are */
    msgpack_sbuffer_destroy(&timeline);
    accord_reply_destroy(&r);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, whole.data, whole.size, NULL) != MSGPACK_UNPACK_SUCCESS) {
        fprintf(stderr, "accord: cannot read the ticket back\n"); /* a bug: it was packed just now */
        rc = ACCORD_EXIT_OTHER;
    } else if (cli->json) {
        output_json(stdout, &u.data);
    } else {
        output_sanitize(&u.data, u.zone);
        print_ticket(&u.data);
    }
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&whole);
    return rc;
}

/* ---- option tables ---- */

#define PRODUCT_FIELDS                                                                    \
    {"sku", "sku", 0, "stock-keeping unit, unique in the organisation (any case)"},      \
    {"name", "name", 0, "the product's name (required when adding)"},                    \
    {"category", "category", 0, "category, e.g. parts, service"},                        \
    {"unit", "unit", 0, "unit sold, e.g. pc, l, h"},                                      \
    {"price", "price", 0, "unit price as people type it, e.g. 12,50 (needs --currency)"}, \
    {"currency", "currency", 0, "ISO 4217 code of --price, e.g. EUR, IRR"},               \
    {"tax", "tax_rate", 0, "tax rate in percent, e.g. 9 or 12.5"},                        \
    {"active", "active", 0, "yes or no: whether it is still sold"},                       \
    {"description", "description", 0, "a longer description"},                           \
    {"price-in", "add:prices", O_MULTI, "another price, 'USD 15.00', or a branch's own, 'EUR 11.50 tehran'; repeatable"}
static const opt_t product_add_opts[] = {PRODUCT_FIELDS, {0}};
static const opt_t product_edit_opts[] = {
    PRODUCT_FIELDS,
    {"remove-price", "remove:prices", O_MULTI, "remove a price: 'USD' or 'EUR tehran'; repeatable"},
    {"clear", "", O_MULTI, "empty a field, e.g. --clear category; repeatable"}, {0}};
static const opt_t product_list_opts[] = {
    {"category", "category", 0, "only products of this category (exactly)"},
    {"branch", "branch", 0, "only products added by this branch"},
    SORT_OPTS("name, sku, category, created or branch"), PAGE_OPTS, {0}};
static const opt_t product_search_opts[] = {{"limit", "limit", 0, "at most this many, 1-1000 (default 50)"}, {0}};

#define LINE_OPT {"line", "lines", O_MULTI, "a line, key=value&... (see docs/CLI.md), e.g. 'qty=2&price=12,50&tax=9&description=Oil'; repeatable"}
#define DOC_FIELDS                                                                        \
    {"currency", "currency", 0, "ISO 4217 code of every amount, e.g. EUR, IRR"},         \
    {"title", "title", 0, "what it is for"},                                              \
    {"notes", "notes", 0, "notes"},                                                       \
    {"assigned", "assigned", 0, "user responsible"},                                      \
    LINE_OPT
static const opt_t quote_add_opts[] = {
    {"customer", "customer", 0, "the customer's id (required)"}, DOC_FIELDS, {"valid-until", "valid_until", 0, "the last day the offer holds, YYYY-MM-DD"},
    {"deal", "deal", 0, "the deal it prices"}, {0}};
static const opt_t line_opts[] = {
    {"product", "product", 0, "a product's id: its price, description, unit and tax rate unless given"},
    {"description", "description", 0, "what the line is (required without --product)"},
    {"qty", "quantity", 0, "quantity, up to 3 decimals, e.g. 2 or 1,5 (required)"},
    {"price", "unit_price", 0, "unit price in the document's currency, e.g. 12,50"},
    {"discount", "discount", 0, "discount in percent, e.g. 5"},
    {"tax", "tax_rate", 0, "tax rate in percent, e.g. 9"},
    {"unit", "unit", 0, "unit, e.g. pc, l, h"}, {0}};
static const opt_t no_opts[] = {{0}};
#define DOC_LIST_OPTS(statuses, sorts)                                                   \
    {"status", "status", 0, "only those in this status: " statuses},                     \
    {"customer", "customer", 0, "only this customer's"},                                 \
    {"branch", "branch", 0, "only those of this branch"},                                \
    SORT_OPTS(sorts), PAGE_OPTS
static const opt_t quote_list_opts[] = {
    {"deal", "deal", 0, "only the quotes of this deal"}, DOC_LIST_OPTS("draft, sent, accepted, rejected or expired", "status, created or branch"), {0}};
static const opt_t order_add_opts[] = {
    {"from", "from", 0, "an accepted quote: its customer, currency, title and lines"},
    {"customer", "customer", 0, "the customer's id (required unless --from)"}, DOC_FIELDS, {0}};
static const opt_t order_list_opts[] = {
    {"quote", "quote", 0, "only the orders made from this quote"},
    DOC_LIST_OPTS("open, fulfilled or cancelled", "status, created or branch"), {0}};
static const opt_t invoice_add_opts[] = {
    {"from", "from", 0, "an open or fulfilled order: its customer, currency and lines"},
    {"customer", "customer", 0, "the customer's id (required unless --from)"},
    {"currency", "currency", 0, "ISO 4217 code of every amount, e.g. EUR, IRR"},
    {"issued", "issued", 0, "the issue date, YYYY-MM-DD (default: today)"},
    {"due", "due", 0, "the due date, YYYY-MM-DD (default: 30 days after issued)"},
    {"notes", "notes", 0, "notes"}, LINE_OPT, {0}};
static const opt_t invoice_pay_opts[] = {
    {"amount", "amount", 0, "the amount paid, in the invoice's currency, e.g. 20 or 12,5 (required)"},
    {"method", "method", 0, "cash (the default), card, transfer, cheque or other"},
    {"date", "date", 0, "the day paid, YYYY-MM-DD (default: today)"},
    {"reference", "reference", 0, "a cheque number, a transfer's reference, ..."}, {0}};
static const opt_t invoice_list_opts[] = {
    {"status", "state", 0, "only those in this state: issued, partly_paid, paid or cancelled"},
    {"customer", "customer", 0, "only this customer's"},
    {"overdue", "overdue", O_FLAG, "only those past their due date with a balance"},
    {"open", "open", O_FLAG, "only those with a balance: issued or partly paid"},
    {"order", "order", 0, "only the invoices made from this order"},
    {"branch", "branch", 0, "only those of this branch"},
    SORT_OPTS("number, issued, due, status, created or branch"), PAGE_OPTS, {0}};
static const opt_t ticket_add_opts[] = {
    {"customer", "customer", 0, "the customer's id (required)"},
    {"subject", "subject", 0, "what it is about (required)"},
    {"description", "description", 0, "the request in full"},
    {"priority", "priority", 0, "low, normal (the default), high or urgent: sets the SLA's due time"},
    {"asset", "asset", 0, "the item serviced: a car's VIN or plate, a serial number"},
    {"product", "product", 0, "a product's id"},
    {"assignee", "assignee", 0, "who works on it"}, {0}};
static const opt_t ticket_list_opts[] = {
    {"status", "status", 0, "only those in this status, e.g. inquiry, assigned, closed"},
    {"overdue", "overdue", O_FLAG, "only open tickets past their SLA's due time"},
    {"open", "open", O_FLAG, "only open tickets: not closed or cancelled"},
    {"assignee", "assignee", 0, "only this user's"},
    {"priority", "priority", 0, "only those of this priority"},
    {"customer", "customer", 0, "only this customer's"},
    {"branch", "branch", 0, "only those of this branch"},
    SORT_OPTS("status, priority, sla_due, assignee, created or branch"), PAGE_OPTS, {0}};

static const verb_t sales_verbs[] = {
    {"product add", "", "add a product or service sold", product_add_opts, run_product_add, 0, 0},
    {"product edit", "ID", "change a product's fields and prices", product_edit_opts, run_product_edit, 1, 1},
    {"product show", "ID", "show one product with its prices", no_opts, run_product_show, 1, 1},
    {"product list", "", "list products", product_list_opts, run_product_list, 0, 0},
    {"product search", "QUERY...", "find products by name words or SKU prefix", product_search_opts, run_product_search, 1, 20},
    {"quote add", "", "add a draft quote, with its lines", quote_add_opts, run_quote_add, 0, 0},
    {"quote line", "QUOTE", "add a line to a draft quote", line_opts, run_quote_line, 1, 1},
    {"quote send", "ID", "mark a draft quote sent", no_opts, run_quote_send, 1, 1},
    {"quote accept", "ID", "mark a sent quote accepted", no_opts, run_quote_accept, 1, 1},
    {"quote reject", "ID", "mark a sent quote rejected", no_opts, run_quote_reject, 1, 1},
    {"quote show", "ID", "a quote with its lines and totals", no_opts, run_quote_show, 1, 1},
    {"quote list", "", "list quotes", quote_list_opts, run_quote_list, 0, 0},
    {"order add", "", "add an order, from an accepted quote or with its lines", order_add_opts, run_order_add, 0, 0},
    {"order line", "ORDER", "add a line to an open order", line_opts, run_order_line, 1, 1},
    {"order fulfil", "ID", "mark an open order fulfilled", no_opts, run_order_fulfil, 1, 1},
    {"order cancel", "ID", "cancel an open order", no_opts, run_order_cancel, 1, 1},
    {"order show", "ID", "an order with its lines and totals", no_opts, run_order_show, 1, 1},
    {"order list", "", "list orders", order_list_opts, run_order_list, 0, 0},
    {"invoice add", "", "issue an invoice, from an order or with its lines: prints its number and id",
     invoice_add_opts, run_invoice_add, 0, 0},
    {"invoice pay", "ID", "record a payment of an invoice (at most its balance)", invoice_pay_opts, run_invoice_pay, 1, 1},
    {"invoice cancel", "ID", "cancel an invoice that has no payment (it keeps its number)", no_opts,
     run_invoice_cancel, 1, 1},
    {"invoice show", "ID", "an invoice with its lines, totals, payments and balance", no_opts,
     run_invoice_show, 1, 1},
    {"invoice list", "", "list invoices", invoice_list_opts, run_invoice_list, 0, 0},
    {"ticket add", "", "open a service request", ticket_add_opts, run_ticket_add, 0, 0},
    {"ticket move", "ID STATUS", "move a ticket to its next status (or closed, cancelled)", no_opts,
     run_ticket_move, 2, 2},
    {"ticket assign", "ID USER", "give a ticket to a user", no_opts, run_ticket_assign, 2, 2},
    {"ticket show", "ID", "a ticket with its timeline: each status change, who, when, where", no_opts,
     run_ticket_show, 1, 1},
    {"ticket list", "", "list tickets", ticket_list_opts, run_ticket_list, 0, 0},
};

const verb_t *sales_cli_verbs(int *n)
{
    *n = (int)(sizeof sales_verbs / sizeof sales_verbs[0]);
    return sales_verbs;
}
