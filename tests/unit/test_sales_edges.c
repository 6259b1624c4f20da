/* SPDX-License-Identifier: MIT
 * sales at its edges (issue 16, docs/SALES.md): what a review of the sales verbs found. A
 * line that names a field twice, a document whose total passes the bound one line at a
 * time, an invoice number given again once the counter is lost (a restore, a node made
 * again with its old name), the shape of every reply for every kind and state, and a
 * merge of two customers that leaves their documents behind. */
#include "helpers.h"
#include "fixture.h"
#include "api_harness.h"

#include "proto/accord_err.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "state/merge.h"

#include <msgpack.h>

static void customer(node_t *n, const char *name, char *id)
{
    result_t r = {0};
    call(n, &r, "create", "kind", "customer", "name", name, NULL);
    id_of(&r, id);
}

/* An invoice of one line of amount EUR issued on issued; its number into number (40 bytes). */
static void invoice(node_t *n, const char *cust, const char *issued, char *number)
{
    result_t r = {0};
    call(n, &r, "create", "kind", "invoice", "customer", cust, "currency", "EUR", "issued", issued, "lines",
         "\4qty=1&price=10&description=Service\x1e", NULL);
    ok(&r);
    snprintf(number, 40, "%s", text(&r.out.data, "number"));
    result_done(&r);
}

/* "qty" is "quantity" by another name: a line that gives both gives quantity twice, which
 * formline refuses when the same name comes twice. The node took the first and dropped
 * the other without a word (an invoice of 1 where 1000 was typed too). */
static void test_a_line_gives_each_field_once(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char cust[33];
    customer(&n, "Reza Karimi", cust);
    call(&n, &r, "create", "kind", "invoice", "customer", cust, "currency", "EUR", "lines",
         "\4qty=1&quantity=1000&price=1&description=Oil\x1e", NULL);
    refused(&r, ACCORD_EINVAL, "quantity twice");
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", "lines",
         "\4qty=1&price=1&unit_price=9000&description=Oil\x1e", NULL);
    refused(&r, ACCORD_EINVAL, "unit_price twice");
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", "lines",
         "\4qty=1&price=1&tax=0&tax_rate=100&description=Oil\x1e", NULL);
    refused(&r, ACCORD_EINVAL, "tax_rate twice");
    call(&n, &r, "list", "kind", "invoice", NULL);
    ok(&r);
    assert_int_equal(get(&r.out.data, "items")->via.array.size, 0);
    result_done(&r);
    node_close(&n);
}

/* SALES.md: a document's sum past SCHEMA_MONEY_MAX is refused when the line is written,
 * whether the line comes with the document or is added to it afterwards. */
static void test_a_line_added_later_keeps_the_total_in_bounds(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char cust[33], quote[33], line[33];
    customer(&n, "Reza Karimi", cust);
    /* 90,000,000,000,000.00 EUR: the largest amount, in one line */
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", "lines",
         "\4qty=1&price=90000000000000&description=Fleet\x1e", NULL);
    id_of(&r, quote);
    call(&n, &r, "create", "kind", "line", "doc", quote, "quantity", "1", "unit_price", "0.01", "description", "x",
         NULL);
    refused(&r, ACCORD_ETOOBIG, "total");
    call(&n, &r, "create", "kind", "line", "doc", quote, "quantity", "1", "unit_price", "0", "description", "free",
         NULL);
    id_of(&r, line); /* a line of 0 keeps the total where it is */
    call(&n, &r, "update", "id", line, "unit_price", "0.01", NULL);
    refused(&r, ACCORD_ETOOBIG, "total");
    call(&n, &r, "document", "id", quote, NULL);
    ok(&r);
    assert_int_equal(num(&r.out.data, "total"), SCHEMA_MONEY_MAX);
    assert_int_equal(get(&r.out.data, "lines")->via.array.size, 2);
    result_done(&r);
    /* the quote still becomes an order: its lines copy within the bound */
    call(&n, &r, "update", "id", quote, "status", "sent", NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "update", "id", quote, "status", "accepted", NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "create", "kind", "order", "from", quote, NULL);
    ok(&r);
    assert_int_equal(num(&r.out.data, "lines"), 2);
    result_done(&r);
    node_close(&n);
}

static void forget_invoice_counter(node_t *n, const char *prefix_year)
{
    char key[64];
    int klen = snprintf(key, sizeof key, "invoice-seq\x1f%s", prefix_year);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->fx.st, true, &t), 0);
    assert_int_equal(store_del(t, TBL_META, key, (size_t)klen), 0);
    assert_int_equal(store_txn_commit(&t), 0);
}

static unsigned clash_count(node_t *n)
{
    result_t r = {0};
    call(n, &r, "clashes", "kind", "invoice", NULL);
    ok(&r);
    unsigned c = get(&r.out.data, "items")->via.array.size;
    result_done(&r);
    return c;
}

/* The counter is in the node's meta, not in its feed: a backup restored holds the counter
 * of the day it was made, while the rejoin fetches back the invoices issued after it; a
 * node made again under its old name starts from none and syncs the old invoices in. Its
 * next number must not be one an invoice it holds already has. */
static void test_an_invoice_number_is_not_given_again(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    char cust[33], first[40], second[40], third[40];
    customer(&n, "Reza Karimi", cust);
    invoice(&n, cust, "2026-12-01", first);
    invoice(&n, cust, "2026-12-02", second);
    assert_string_equal(second, "TEHRAN-2026-000002");
    forget_invoice_counter(&n, "TEHRAN-2026"); /* as a backup made before either */
    invoice(&n, cust, "2026-12-03", third);
    assert_string_equal(third, "TEHRAN-2026-000003");
    assert_int_equal(clash_count(&n), 0);
    /* a new node under the old name: the old invoices come back by sync, then it issues */
    node_t again;
    node_open(&again, "tehran");
    replicate(&n, &again);
    invoice(&again, cust, "2026-12-04", third);
    assert_string_equal(third, "TEHRAN-2026-000004");
    assert_int_equal(clash_count(&again), 0);
    node_close(&again);
    node_close(&n);
}

/* Every map key is a string and every nested map and array is whole (the harness checks
 * that the reply is one msgpack value, no byte over). */
static void assert_well_formed(const msgpack_object *o)
{
    if (o->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            assert_int_equal(o->via.map.ptr[i].key.type, MSGPACK_OBJECT_STR);
            for (uint32_t j = 0; j < i; j++) /* a key packed twice reads as one in JSON */
                assert_false(o->via.map.ptr[j].key.via.str.size == o->via.map.ptr[i].key.via.str.size &&
                             !memcmp(o->via.map.ptr[j].key.via.str.ptr, o->via.map.ptr[i].key.via.str.ptr,
                                     o->via.map.ptr[i].key.via.str.size));
            assert_well_formed(&o->via.map.ptr[i].val);
        }
    } else if (o->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < o->via.array.size; i++) assert_well_formed(&o->via.array.ptr[i]);
    }
}

static void shape(node_t *n, const char *verb, const char *id)
{
    result_t r = {0};
    call(n, &r, verb, "id", id, NULL);
    ok(&r);
    assert_well_formed(&r.out.data);
    result_done(&r);
}

static void shape_list(node_t *n, const char *kind)
{
    result_t r = {0};
    call(n, &r, "list", "kind", kind, NULL);
    ok(&r);
    assert_well_formed(&r.out.data);
    assert_true(get(&r.out.data, "items")->via.array.size > 0);
    result_done(&r);
    if (!strcmp(kind, "line")) return; /* lines are read in order through document */
    call(n, &r, "list", "kind", kind, "sort", "created", NULL);
    ok(&r);
    assert_well_formed(&r.out.data);
    result_done(&r);
}

static void move(node_t *n, const char *id, const char *status)
{
    result_t r = {0};
    call(n, &r, "update", "id", id, "status", status, NULL);
    ok(&r);
    result_done(&r);
}

/* get, list and document of every kind in the states it passes through: each reply is one
 * whole msgpack value whose maps count the keys they pack. */
static void test_every_reply_is_whole_in_every_state(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char cust[33], bare[33], priced[33], quote[33], empty[33], order[33], inv[33], paid[33], ticket[33], line[33];
    customer(&n, "Reza Karimi", cust);
    call(&n, &r, "create", "kind", "product", "sku", "BARE", "name", "No price", NULL);
    id_of(&r, bare);
    call(&n, &r, "create", "kind", "product", "sku", "OIL", "name", "Oil", "price", "12.50", "currency", "EUR",
         "tax_rate", "9", "add:prices", "\4USD 14\x1e" "EUR 11.50 tehran\x1e", NULL);
    id_of(&r, priced);
    shape(&n, "get", bare);
    shape(&n, "get", priced);
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", NULL);
    id_of(&r, empty); /* a quote without lines */
    shape(&n, "get", empty);
    shape(&n, "document", empty);
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", "lines",
         "\4qty=2&price=12,50&discount=5&tax=9&description=Oil&unit=l\x1e", NULL);
    id_of(&r, quote);
    call(&n, &r, "create", "kind", "line", "doc", quote, "product", priced, "quantity", "1.5", NULL);
    id_of(&r, line);
    shape(&n, "get", line);
    const char *quote_states[] = {"sent", "accepted"};
    shape(&n, "document", quote);
    for (unsigned i = 0; i < 2; i++) {
        move(&n, quote, quote_states[i]);
        shape(&n, "get", quote);
        shape(&n, "document", quote);
    }
    call(&n, &r, "create", "kind", "order", "from", quote, NULL);
    id_of(&r, order);
    shape(&n, "document", order);
    call(&n, &r, "create", "kind", "invoice", "from", order, "issued", "2026-01-01", NULL);
    id_of(&r, inv);
    call(&n, &r, "create", "kind", "invoice", "from", order, "issued", "2026-01-02", NULL);
    id_of(&r, paid);
    move(&n, order, "fulfilled");
    shape(&n, "get", order);
    shape(&n, "document", inv);
    shape(&n, "get", inv); /* overdue, no payment */
    call(&n, &r, "pay", "id", paid, "amount", "1", "reference", "cheque 12", NULL);
    ok(&r);
    assert_well_formed(&r.out.data);
    result_done(&r);
    shape(&n, "document", paid); /* partly paid */
    call(&n, &r, "document", "id", paid, NULL);
    ok(&r);
    char rest[40];
    snprintf(rest, sizeof rest, "%s", text(&r.out.data, "balance_text"));
    result_done(&r);
    call(&n, &r, "pay", "id", paid, "amount", rest, NULL);
    ok(&r);
    assert_string_equal(text(&r.out.data, "state"), "paid");
    result_done(&r);
    shape(&n, "document", paid);
    shape(&n, "get", paid);
    move(&n, inv, "cancelled");
    shape(&n, "document", inv);
    shape(&n, "get", inv);
    call(&n, &r, "create", "kind", "ticket", "customer", cust, "subject", "Brakes", NULL);
    id_of(&r, ticket);
    shape(&n, "get", ticket);
    move(&n, ticket, "quote");
    move(&n, ticket, "cancelled");
    shape(&n, "get", ticket);
    static const char *const kinds[] = {"product", "quote", "line", "order", "invoice", "ticket"};
    for (unsigned i = 0; i < sizeof kinds / sizeof kinds[0]; i++) shape_list(&n, kinds[i]);
    call(&n, &r, "search", "kind", "product", "q", "oil", NULL);
    ok(&r);
    assert_well_formed(&r.out.data);
    result_done(&r);
    call(&n, &r, "clashes", "kind", "product", NULL);
    ok(&r);
    assert_well_formed(&r.out.data);
    result_done(&r);
    node_close(&n);
}

/* A customer's card lists its quotes, orders, invoices and tickets by their customer:
 * merging a duplicate into it must bring the duplicate's along, as its deals come. */
static void test_a_merge_brings_the_documents_along(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char keep[33], other[33], x[33];
    customer(&n, "Reza Karimi", keep);
    customer(&n, "Reza Karimi", other);
    call(&n, &r, "create", "kind", "quote", "customer", other, "currency", "EUR", NULL);
    id_of(&r, x);
    call(&n, &r, "create", "kind", "order", "customer", other, "currency", "EUR", NULL);
    id_of(&r, x);
    char number[40];
    invoice(&n, other, "2026-12-01", number);
    call(&n, &r, "create", "kind", "ticket", "customer", other, "subject", "Brakes", NULL);
    id_of(&r, x);
    call(&n, &r, "merge", "keep", keep, "other", other, NULL);
    ok(&r);
    result_done(&r);
    static const char *const kinds[] = {"quote", "order", "invoice", "ticket"};
    for (unsigned i = 0; i < 4; i++) {
        call(&n, &r, "list", "kind", kinds[i], "customer", keep, NULL);
        ok(&r);
        if (get(&r.out.data, "items")->via.array.size != 1) fail_msg("the %s stayed with the merged customer", kinds[i]);
        result_done(&r);
    }
    node_close(&n);
}

/* Lines are not a sorted list: the refusal says where their order is, not "sorts by ". */
static void test_a_line_list_says_where_lines_are_in_order(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    call(&n, &r, "list", "kind", "line", "sort", "created", NULL);
    refused(&r, ACCORD_EINVAL, "document");
    node_close(&n);
}

/* An accepted quote is a price agreed: the product it names going out of sale afterwards
 * does not stop its order, nor an open order's invoice. */
static void test_a_document_copies_lines_of_a_product_no_longer_sold(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char cust[33], product[33], quote[33], order[33];
    customer(&n, "Reza Karimi", cust);
    call(&n, &r, "create", "kind", "product", "sku", "OIL", "name", "Oil", "price", "12.50", "currency", "EUR", NULL);
    id_of(&r, product);
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", NULL);
    id_of(&r, quote);
    call(&n, &r, "create", "kind", "line", "doc", quote, "product", product, "quantity", "2", NULL);
    ok(&r);
    result_done(&r);
    move(&n, quote, "sent");
    move(&n, quote, "accepted");
    call(&n, &r, "update", "id", product, "active", "no", NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "create", "kind", "order", "from", quote, NULL);
    id_of(&r, order);
    call(&n, &r, "delete", "id", product, NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "create", "kind", "invoice", "from", order, NULL);
    ok(&r);
    assert_int_equal(num(&r.out.data, "lines"), 1);
    result_done(&r);
    node_close(&n);
}

/* position is 0 to 10000: a line added after one at 10000 is refused in words, not as a
 * record the node would not write (EPROTO, exit 4). */
static void test_a_line_after_the_last_position_is_refused_in_words(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char cust[33], quote[33];
    customer(&n, "Reza Karimi", cust);
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", "lines",
         "\4qty=1&price=1&description=last&position=10000\x1e", NULL);
    id_of(&r, quote);
    call(&n, &r, "create", "kind", "line", "doc", quote, "quantity", "1", "unit_price", "1", "description", "x", NULL);
    refused(&r, ACCORD_EINVAL, "position");
    call(&n, &r, "create", "kind", "line", "doc", quote, "quantity", "1", "unit_price", "1", "description", "x",
         "position", "5000", NULL);
    ok(&r);
    result_done(&r);
    node_close(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_line_gives_each_field_once),
        cmocka_unit_test(test_a_line_added_later_keeps_the_total_in_bounds),
        cmocka_unit_test(test_an_invoice_number_is_not_given_again),
        cmocka_unit_test(test_every_reply_is_whole_in_every_state),
        cmocka_unit_test(test_a_merge_brings_the_documents_along),
        cmocka_unit_test(test_a_line_list_says_where_lines_are_in_order),
        cmocka_unit_test(test_a_document_copies_lines_of_a_product_no_longer_sold),
        cmocka_unit_test(test_a_line_after_the_last_position_is_refused_in_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
