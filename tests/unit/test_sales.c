/* SPDX-License-Identifier: MIT
 * sales: products, quotes, orders, invoices and tickets through the local API (issue 16,
 * docs/SALES.md): the rounding rule, status moves and their refusals, invoice numbers,
 * payments and the balance, SKUs, a ticket's SLA. */
#include "helpers.h"
#include "fixture.h"
#include "api_harness.h"

#include "proto/accord_err.h"
#include "proto/schema.h"
#include "sales/sales.h"

#include <msgpack.h>

static void customer(node_t *n, char *id)
{
    result_t r = {0};
    call(n, &r, "create", "kind", "customer", "name", "Reza Karimi", NULL);
    id_of(&r, id);
}

static void test_rounding_is_per_line_half_away_from_zero(void **state)
{
    (void)state;
    sales_amounts_t a;
    /* 3 x 0.335 = 1.005 -> 1.01 (half away from zero), tax 9% of 101 = 9.09 -> 9 */
    assert_int_equal(sales_line_amounts(3000, 335 / 1, 0, 900, &a), 0);
    assert_int_equal(a.net, 1005);
    assert_int_equal(a.tax, 90);
    /* 1.5 x 0.01 = 0.015 -> 0.02 */
    assert_int_equal(sales_line_amounts(1500, 1, 0, 0, &a), 0);
    assert_int_equal(a.net, 2);
    /* 1 x 0.05 with 10% discount = 0.045 -> 0.05; tax 50% = 0.025 -> 0.03 */
    assert_int_equal(sales_line_amounts(1000, 5, 1000, 5000, &a), 0);
    assert_int_equal(a.net, 5);
    assert_int_equal(a.tax, 3);
    assert_int_equal(a.total, 8);
    /* past the bound: refused, not wrapped */
    assert_int_equal(sales_line_amounts(SCHEMA_QUANTITY_MAX, SCHEMA_MONEY_MAX, 0, 0, &a), ACCORD_ETOOBIG);
    assert_int_equal(sales_line_amounts(0, 5, 0, 0, &a), ACCORD_EINVAL);
}

static void test_branches_named_apart_number_apart(void **state)
{
    (void)state;
    char a[SALES_PREFIX_MAX + 1], b[SALES_PREFIX_MAX + 1];
    sales_default_prefix("tehran-1", a, sizeof a);
    assert_string_equal(a, "TEHRAN1");
    sales_default_prefix("shanghai-1", a, sizeof a);
    sales_default_prefix("shanghai-2", b, sizeof b);
    assert_string_not_equal(a, b);
    sales_default_prefix("تهران", a, sizeof a);
    sales_default_prefix("شیراز", b, sizeof b);
    assert_true(sales_prefix_valid(a) && sales_prefix_valid(b));
    assert_int_equal(a[0], 'N');
    assert_string_not_equal(a, b);
    sales_default_prefix("branch-of-the-north-east-region-1", a, sizeof a);
    sales_default_prefix("branch-of-the-north-east-region-2", b, sizeof b);
    assert_true(sales_prefix_valid(a) && sales_prefix_valid(b));
    assert_string_not_equal(a, b);
    assert_false(sales_prefix_valid("T"));
    assert_false(sales_prefix_valid("teh"));
    assert_false(sales_prefix_valid("TEH-1"));
    char num[40];
    sales_invoice_number("TEH", sales_calendar_year(CAL_SOLAR, "2026-12-01"), 123, num, sizeof num);
    assert_string_equal(num, "TEH-1405-000123");
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2026-03-20"), 1404);
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2026-03-21"), 1405);
}

static void test_a_quote_moves_only_along_its_arrows(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    char cust[33], quote[33];
    result_t r = {0};
    customer(&n, cust);
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR", "title", "Service", "user", "sara",
         "lines", "\4quantity=2&unit_price=12,50&tax_rate=9&description=Oil\x1eqty=1.5&price=10&description=Labour\x1e",
         NULL);
    id_of(&r, quote);
    call(&n, &r, "document", "id", quote, NULL);
    ok(&r);
    assert_int_equal(get(&r.out.data, "lines")->via.array.size, 2);
    assert_int_equal(num(&r.out.data, "net"), 2500 + 1500);
    assert_int_equal(num(&r.out.data, "tax"), 225);
    assert_string_equal(text(&r.out.data, "total_text"), "42.25");
    assert_int_equal(strlen(text(&r.out.data, "date")), 10); /* the day made, in the report zone */
    result_done(&r);
    call(&n, &r, "update", "id", quote, "status", "accepted", NULL);
    refused(&r, ACCORD_EINVAL, "it moves to sent");
    call(&n, &r, "update", "id", quote, "status", "sent", NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "create", "kind", "line", "doc", quote, "quantity", "1", "unit_price", "5", "description", "x", NULL);
    refused(&r, ACCORD_EREADONLY, "only a draft's lines change");
    call(&n, &r, "update", "id", quote, "status", "draft", NULL);
    refused(&r, ACCORD_EINVAL, "accepted, rejected or expired");
    call(&n, &r, "get", "id", quote, NULL);
    ok(&r);
    assert_true(strlen(text(&r.out.data, "sent_at")) == 20);
    result_done(&r);
    call(&n, &r, "create", "kind", "order", "from", quote, NULL);
    refused(&r, ACCORD_EINVAL, "accepted quote");
    call(&n, &r, "update", "id", quote, "status", "accepted", NULL);
    ok(&r);
    result_done(&r);
    char order[33], invoice[33];
    call(&n, &r, "create", "kind", "order", "from", quote, "user", "sara", NULL);
    id_of(&r, order);
    call(&n, &r, "create", "kind", "invoice", "from", order, "issued", "2026-12-01", NULL);
    ok(&r);
    assert_string_equal(text(&r.out.data, "number"), "TEHRAN-2026-000001");
    snprintf(invoice, sizeof invoice, "%s", text(&r.out.data, "id"));
    result_done(&r);
    call(&n, &r, "document", "id", invoice, NULL);
    ok(&r);
    assert_int_equal(num(&r.out.data, "total"), 4225);
    assert_string_equal(text(&r.out.data, "state"), "issued");
    assert_string_equal(text(&r.out.data, "number"), "TEHRAN-2026-000001");
    assert_string_equal(text(&r.out.data, "date"), "2026-12-01");
    result_done(&r);
    call(&n, &r, "pay", "id", invoice, "amount", "50", NULL);
    refused(&r, ACCORD_EINVAL, "more than the balance due (42.25 EUR)");
    call(&n, &r, "pay", "id", invoice, "amount", "20", "date", "2026-11-30", NULL);
    refused(&r, ACCORD_EINVAL, "before the invoice was issued (2026-12-01)");
    call(&n, &r, "pay", "id", invoice, "amount", "20", "date", "2099-01-01", NULL);
    refused(&r, ACCORD_EINVAL, "is after today");
    call(&n, &r, "pay", "id", invoice, "amount", "20", "method", "card", "date", "2026-12-01", NULL);
    ok(&r);
    assert_string_equal(text(&r.out.data, "state"), "partly_paid");
    assert_int_equal(num(&r.out.data, "balance"), 2225);
    result_done(&r);
    call(&n, &r, "update", "id", invoice, "status", "cancelled", NULL);
    refused(&r, ACCORD_EINVAL, "has payments");
    call(&n, &r, "delete", "id", invoice, NULL);
    refused(&r, ACCORD_EREADONLY, "never deleted");
    call(&n, &r, "pay", "id", invoice, "amount", "22.25", NULL);
    ok(&r);
    assert_string_equal(text(&r.out.data, "state"), "paid");
    result_done(&r);
    call(&n, &r, "create", "kind", "invoice", "customer", cust, "currency", "EUR", "issued", "2026-12-03",
         "lines", "\4quantity=1&unit_price=100&description=Tyre\x1e", NULL);
    ok(&r);
    assert_string_equal(text(&r.out.data, "number"), "TEHRAN-2026-000002");
    result_done(&r);
    call(&n, &r, "create", "kind", "invoice", "customer", cust, "currency", "EUR", NULL);
    refused(&r, ACCORD_EINVAL, "at least one line");
    call(&n, &r, "update", "id", invoice, "due", "2026-11-30", NULL);
    refused(&r, ACCORD_EINVAL, "before the invoice's issue date 2026-12-01");
    char other[33];
    customer(&n, other);
    call(&n, &r, "update", "id", invoice, "customer", other, NULL);
    refused(&r, ACCORD_EINVAL, "keeps the customer");
    call(&n, &r, "update", "id", invoice, "total", "5", NULL);
    refused(&r, ACCORD_EINVAL, "sum of the invoice's lines");
    call(&n, &r, "update", "id", invoice, "due", "2027-01-15", "notes", "Paid by card at the desk", NULL);
    ok(&r);
    result_done(&r);
    node_close(&n);
}

static void test_sku_is_unique_and_prices_follow_the_product(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char product[33], cust[33], quote[33];
    call(&n, &r, "create", "kind", "product", "sku", "OIL-5W30", "name", "Engine oil 5W-30", "price", "12.50",
         "currency", "EUR", "tax_rate", "9", "unit", "l", "add:prices", "USD 14", NULL);
    id_of(&r, product);
    call(&n, &r, "create", "kind", "product", "sku", "oil-5w30", "name", "Other", NULL);
    refused(&r, ACCORD_EEXISTS, "already has the SKU");
    call(&n, &r, "update", "id", product, "add:prices", "USD 15.00", NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "get", "id", product, NULL);
    ok(&r);
    const msgpack_object *prices = get(&r.out.data, "prices");
    assert_non_null(prices);
    assert_int_equal(prices->via.array.size, 1); /* the new USD price replaced the old */
    assert_string_equal(text(&r.out.data, "price_text"), "12.50");
    assert_string_equal(text(&r.out.data, "tax_rate_text"), "9");
    result_done(&r);
    customer(&n, cust);
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "USD", NULL);
    id_of(&r, quote);
    call(&n, &r, "create", "kind", "line", "doc", quote, "product", product, "quantity", "2", NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "document", "id", quote, NULL);
    ok(&r);
    const msgpack_object *line = &get(&r.out.data, "lines")->via.array.ptr[0];
    assert_int_equal(num(line, "unit_price"), 1500);
    assert_string_equal(text(line, "description"), "Engine oil 5W-30");
    assert_int_equal(num(line, "tax_rate"), 900);
    assert_int_equal(num(&r.out.data, "total"), 3000 + 270);
    result_done(&r);
    call(&n, &r, "update", "id", quote, "currency", "EUR", NULL);
    refused(&r, ACCORD_EINVAL, "remove them first");
    call(&n, &r, "update", "id", product, "active", "no", NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "create", "kind", "line", "doc", quote, "product", product, "quantity", "1", NULL);
    refused(&r, ACCORD_EINVAL, "no longer sold");
    call(&n, &r, "search", "kind", "product", "q", "engine", NULL);
    ok(&r);
    assert_int_equal(get(&r.out.data, "items")->via.array.size, 1);
    result_done(&r);
    call(&n, &r, "search", "kind", "product", "q", "oil-5w3", NULL);
    ok(&r);
    assert_int_equal(get(&r.out.data, "items")->via.array.size, 1);
    assert_string_equal(text(&get(&r.out.data, "items")->via.array.ptr[0], "matched"), "sku");
    result_done(&r);
    node_close(&n);
}

static void test_a_ticket_has_an_sla_and_a_timeline(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char cust[33], ticket[33];
    customer(&n, cust);
    call(&n, &r, "create", "kind", "ticket", "customer", cust, "subject", "Brakes squeak", "priority", "urgent",
         "asset", "VIN WDB1234", "user", "sara", NULL);
    id_of(&r, ticket);
    call(&n, &r, "get", "id", ticket, NULL);
    ok(&r);
    assert_string_equal(text(&r.out.data, "status"), "inquiry");
    char created[32], due[32];
    snprintf(created, sizeof created, "%s", text(&r.out.data, "created"));
    snprintf(due, sizeof due, "%s", text(&r.out.data, "sla_due"));
    assert_true(strcmp(due, created) > 0); /* four hours on */
    result_done(&r);
    call(&n, &r, "update", "id", ticket, "status", "assigned", NULL);
    refused(&r, ACCORD_EINVAL, "it moves to quote, closed or cancelled");
    call(&n, &r, "update", "id", ticket, "status", "quote", "user", "ali", NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "update", "id", ticket, "sla_due", "2030-01-01T00:00:00Z", NULL);
    refused(&r, ACCORD_EINVAL, "follows from the ticket's priority");
    call(&n, &r, "update", "id", ticket, "status", "closed", NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "get", "id", ticket, NULL);
    ok(&r);
    assert_int_equal(strlen(text(&r.out.data, "closed_at")), 20);
    result_done(&r);
    call(&n, &r, "list", "kind", "ticket", "status", "closed", NULL);
    ok(&r);
    assert_int_equal(get(&r.out.data, "items")->via.array.size, 1);
    result_done(&r);
    node_close(&n);
}

static unsigned count(node_t *n, const char *kind, const char *k1, const char *v1, const char *k2, const char *v2)
{
    result_t r = {0};
    call(n, &r, "list", "kind", kind, k1, v1, k2, v2, NULL);
    ok(&r);
    unsigned c = get(&r.out.data, "items")->via.array.size;
    result_done(&r);
    return c;
}

/* A day's invoices sort by number, as they were issued, not by their random ids. */
static void test_a_days_invoices_sort_by_number(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char cust[33];
    customer(&n, cust);
    for (int i = 0; i < 8; i++) {
        call(&n, &r, "create", "kind", "invoice", "customer", cust, "currency", "EUR", "issued", "2026-12-01",
             "lines", "\4quantity=1&unit_price=10&description=A\x1e", NULL);
        ok(&r);
        result_done(&r);
    }
    call(&n, &r, "list", "kind", "invoice", "sort", "issued", "desc", "\3", NULL);
    ok(&r);
    const msgpack_object *items = get(&r.out.data, "items");
    assert_int_equal(items->via.array.size, 8);
    for (unsigned i = 0; i < 8; i++) {
        char want[40];
        snprintf(want, sizeof want, "TEHRAN-2026-%06u", 8 - i);
        assert_string_equal(text(&items->via.array.ptr[i], "number"), want);
    }
    result_done(&r);
    node_close(&n);
}

static void test_lists_filter_documents_by_where_they_stand(void **state)
{
    (void)state;
    node_t n;
    node_open(&n, "tehran");
    result_t r = {0};
    char cust[33], paid[33], late[33], quote[33];
    customer(&n, cust);
    call(&n, &r, "create", "kind", "invoice", "customer", cust, "currency", "EUR", "issued", "2026-01-01", "due",
         "2026-01-31", "lines", "\4quantity=1&unit_price=100&description=A\x1e", NULL);
    id_of(&r, late);
    call(&n, &r, "create", "kind", "invoice", "customer", cust, "currency", "EUR", "issued", "2026-01-01", "due",
         "2026-01-31", "lines", "\4quantity=1&unit_price=100&description=B\x1e", NULL);
    id_of(&r, paid);
    call(&n, &r, "pay", "id", paid, "amount", "100", NULL);
    ok(&r);
    result_done(&r);
    assert_int_equal(count(&n, "invoice", "state", "paid", NULL, NULL), 1);
    assert_int_equal(count(&n, "invoice", "state", "issued", NULL, NULL), 1);
    assert_int_equal(count(&n, "invoice", "overdue", "\3", "today", "2026-02-01"), 1);
    assert_int_equal(count(&n, "invoice", "overdue", "\3", "today", "2026-01-15"), 0);
    assert_int_equal(count(&n, "invoice", "open", "\3", "customer", cust), 1);
    call(&n, &r, "list", "kind", "invoice", "state", "owed", NULL);
    refused(&r, ACCORD_EINVAL, "partly_paid");
    call(&n, &r, "list", "kind", "customer", "overdue", "\3", NULL);
    refused(&r, ACCORD_EINVAL, "only tasks, invoices and tickets");
    call(&n, &r, "create", "kind", "quote", "customer", cust, "currency", "EUR",
         "lines", "\4qty=1&price=5&description=x\x1eqty=2&price=5&description=y\x1e", NULL);
    id_of(&r, quote);
    assert_int_equal(count(&n, "line", "doc", quote, NULL, NULL), 2);
    call(&n, &r, "get", "id", quote, NULL); /* a list of quotes shows each one's total */
    ok(&r);
    assert_int_equal(num(&r.out.data, "total"), 1500);
    assert_string_equal(text(&r.out.data, "total_text"), "15.00");
    assert_int_equal(num(&r.out.data, "lines"), 2);
    result_done(&r);
    assert_int_equal(count(&n, "quote", "status", "draft", "customer", cust), 1);
    assert_int_equal(count(&n, "quote", "status", "sent", NULL, NULL), 0);
    call(&n, &r, "delete", "id", quote, NULL);
    ok(&r);
    result_done(&r);
    call(&n, &r, "document", "id", quote, NULL);
    refused(&r, ACCORD_EDELETED, "that quote was deleted");
    call(&n, &r, "list", "kind", "quote", "sort", "title", NULL);
    refused(&r, ACCORD_EINVAL, "branch, created or status");
    node_close(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounding_is_per_line_half_away_from_zero),
        cmocka_unit_test(test_branches_named_apart_number_apart),
        cmocka_unit_test(test_a_quote_moves_only_along_its_arrows),
        cmocka_unit_test(test_sku_is_unique_and_prices_follow_the_product),
        cmocka_unit_test(test_a_ticket_has_an_sla_and_a_timeline),
        cmocka_unit_test(test_lists_filter_documents_by_where_they_stand),
        cmocka_unit_test(test_a_days_invoices_sort_by_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
