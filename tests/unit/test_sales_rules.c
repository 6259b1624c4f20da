/* SPDX-License-Identifier: MIT
 * The pure rules of sales and service (issue 16, docs/SALES.md) on their own: quantities,
 * rates, price and payment elements as typed and as stored, the next states a refusal
 * names, the Solar Hijri year of an invoice and its number. */
#include "helpers.h"

#include "proto/accord_err.h"
#include "proto/schema.h"
#include "sales/sales.h"

static int64_t quantity_of(const char *in)
{
    int64_t v = -1;
    const char *why = NULL;
    if (schema_quantity_parse(in, &v, &why)) fail_msg("quantity '%s' refused: %s", in, why ? why : "(no reason)");
    return v;
}

static void quantity_refused(const char *in, const char *words)
{
    int64_t v = 12345;
    const char *why = NULL;
    if (schema_quantity_parse(in, &v, &why) != ACCORD_EINVAL) fail_msg("quantity '%s' taken as %lld", in, (long long)v);
    assert_non_null(why);
    if (words && !strstr(why, words)) fail_msg("quantity '%s': '%s' does not say '%s'", in, why, words);
}

static void test_quantity_as_people_type_it(void **state)
{
    (void)state;
    assert_int_equal(quantity_of("2"), 2000);
    assert_int_equal(quantity_of("1.5"), 1500);
    assert_int_equal(quantity_of("1,5"), 1500);
    assert_int_equal(quantity_of("0.125"), 125);
    assert_int_equal(quantity_of("1,250"), 1250); /* three decimals in a unit with three: a decimal point */
    assert_int_equal(quantity_of("1.250"), 1250);
    assert_int_equal(quantity_of("\xdb\xb1\xd9\xab\xdb\xb5"), 1500); /* ۱٫۵ */
    assert_int_equal(quantity_of("\xdb\xb2"), 2000);                 /* ۲ */
    assert_int_equal(quantity_of(" 3 "), 3000);
    assert_int_equal(quantity_of("1000000000"), SCHEMA_QUANTITY_MAX); /* a billion */
    assert_int_equal(quantity_of("0.001"), 1);
    quantity_refused("0", "zero");
    quantity_refused("0.000", "zero");
    quantity_refused("1.2345", "3 decimals");
    quantity_refused("-1", "negative");
    quantity_refused("\xe2\x88\x92" "1", "negative"); /* U+2212 minus */
    quantity_refused("1000000000.001", "too large");
    quantity_refused("", NULL);
    quantity_refused("two", NULL);
    quantity_refused("1.5kg", NULL);
    quantity_refused("99999999999999999999999", "too large");
}

static int64_t rate_of(const char *in)
{
    int64_t v = -1;
    const char *why = NULL;
    if (schema_rate_parse(in, &v, &why)) fail_msg("rate '%s' refused: %s", in, why ? why : "(no reason)");
    return v;
}

static void rate_refused(const char *in, const char *words)
{
    int64_t v = 12345;
    const char *why = NULL;
    if (schema_rate_parse(in, &v, &why) != ACCORD_EINVAL) fail_msg("rate '%s' taken as %lld", in, (long long)v);
    assert_non_null(why);
    if (words && !strstr(why, words)) fail_msg("rate '%s': '%s' does not say '%s'", in, why, words);
}

static void test_rate_as_people_type_it(void **state)
{
    (void)state;
    assert_int_equal(rate_of("9"), 900);
    assert_int_equal(rate_of("9%"), 900);
    assert_int_equal(rate_of("9 %"), 900);
    assert_int_equal(rate_of("\xdb\xb9\xd9\xaa"), 900); /* ۹٪ */
    assert_int_equal(rate_of("12.5"), 1250);
    assert_int_equal(rate_of("12,5"), 1250);
    assert_int_equal(rate_of("0"), 0); /* no tax, no discount */
    assert_int_equal(rate_of("0.01"), 1);
    assert_int_equal(rate_of("100"), 10000);
    assert_int_equal(rate_of("100%"), 10000);
    rate_refused("100.01", "more than 100%");
    rate_refused("101", "more than 100%");
    rate_refused("0.125", "2 decimals");
    rate_refused("12.345", NULL); /* read as 12345 (thousands grouped, as in amounts): refused either way */
    rate_refused("-5", "negative");
    rate_refused("%", NULL);
    rate_refused("", NULL);
    rate_refused("nine", NULL);
}

static void test_fixed_format_is_the_shortest_text(void **state)
{
    (void)state;
    char out[32];
    schema_fixed_format(1500, 3, out, sizeof out);
    assert_string_equal(out, "1.5");
    schema_fixed_format(2000, 3, out, sizeof out);
    assert_string_equal(out, "2");
    schema_fixed_format(125, 3, out, sizeof out);
    assert_string_equal(out, "0.125");
    schema_fixed_format(1250, 2, out, sizeof out);
    assert_string_equal(out, "12.5");
    schema_fixed_format(10000, 2, out, sizeof out);
    assert_string_equal(out, "100");
    schema_fixed_format(1, 2, out, sizeof out);
    assert_string_equal(out, "0.01");
    /* what it writes reads back as the same value */
    static const int64_t qs[] = {1, 10, 999, 1000, 1001, 123456, SCHEMA_QUANTITY_MAX};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        schema_fixed_format(qs[i], 3, out, sizeof out);
        assert_int_equal(quantity_of(out), qs[i]);
    }
    for (int64_t r = 0; r <= 10000; r += 37) {
        schema_fixed_format(r, 2, out, sizeof out);
        assert_int_equal(rate_of(out), r);
    }
}

static void price_round_trip(const char *elem, const char *currency, int64_t minor, const char *branch)
{
    schema_price_t p;
    if (schema_price_parse(elem, strlen(elem), &p)) fail_msg("price '%s' refused", elem);
    assert_string_equal(p.currency, currency);
    assert_int_equal(p.minor, minor);
    assert_string_equal(p.branch, branch);
    char out[96];
    schema_price_format(&p, out, sizeof out);
    assert_string_equal(out, elem);
}

static void price_refused(const char *elem)
{
    schema_price_t p;
    if (schema_price_parse(elem, strlen(elem), &p) != ACCORD_EINVAL) fail_msg("price '%s' taken", elem);
}

static void test_price_elements(void **state)
{
    (void)state;
    price_round_trip("EUR 1250", "EUR", 1250, "");
    price_round_trip("EUR 0", "EUR", 0, "");
    price_round_trip("IRR 15000000 tehran-1", "IRR", 15000000, "tehran-1");
    price_round_trip("USD 9000000000000000", "USD", SCHEMA_MONEY_MAX, "");
    price_refused("");
    price_refused("EUR");
    price_refused("EUR ");
    price_refused("EUR 01");       /* leading zero: not as a node writes it */
    price_refused("EUR 00");
    price_refused("EUR -5");
    price_refused("EUR +5");
    price_refused("EUR 12.50");    /* minor units, not typed text */
    price_refused("EUR 9000000000000001");
    price_refused("eur 1250");
    price_refused("XXX 5");
    price_refused("EURO 5");
    price_refused("EUR 1250 ");    /* trailing space */
    price_refused(" EUR 1250");
    price_refused("EUR  1250");
    price_refused("EUR 1250 tehran shiraz");
    price_refused("EUR 1250 tehran ");
    price_refused("EUR 1250 a\tb");
    char long_branch[80];
    snprintf(long_branch, sizeof long_branch, "EUR 5 %065d", 0);
    price_refused(long_branch);
    schema_price_t p;
    assert_int_equal(schema_price_parse("EUR 5\xff", 6, &p), ACCORD_EINVAL); /* not UTF-8 */
    assert_int_equal(schema_price_parse("EUR 5\0 x", 8, &p), ACCORD_EINVAL); /* a NUL inside */
}

static void payment_round_trip(const char *elem, int64_t minor, const char *method, const char *reference)
{
    schema_payment_t p;
    if (schema_payment_parse(elem, strlen(elem), &p)) fail_msg("payment '%s' refused", elem);
    assert_int_equal(p.minor, minor);
    assert_string_equal(p.method, method);
    assert_string_equal(p.reference, reference);
    char out[200];
    schema_payment_format(&p, out, sizeof out);
    assert_string_equal(out, elem);
}

static void payment_refused(const char *elem)
{
    schema_payment_t p;
    if (schema_payment_parse(elem, strlen(elem), &p) != ACCORD_EINVAL) fail_msg("payment '%s' taken", elem);
}

static void test_payment_elements(void **state)
{
    (void)state;
    payment_round_trip("2026-12-01 150000 card 1a2b3c4d5e6f7a8b", 150000, "card", "");
    payment_round_trip("2026-12-01 1 cash 0000000000000000", 1, "cash", "");
    payment_round_trip("2026-12-01 5 cheque 0123456789abcdef cheque no. 12", 5, "cheque", "cheque no. 12");
    payment_round_trip("2026-12-01 5 transfer 0123456789abcdef \xd8\xad\xd9\x88\xd8\xa7\xd9\x84\xd9\x87", 5, "transfer",
                       "\xd8\xad\xd9\x88\xd8\xa7\xd9\x84\xd9\x87"); /* حواله */
    for (const char *const *m = schema_payment_methods; *m; m++) {
        char elem[80];
        snprintf(elem, sizeof elem, "2026-12-01 7 %s 0123456789abcdef", *m);
        payment_round_trip(elem, 7, *m, "");
        assert_true(schema_payment_method_known(*m));
    }
    assert_false(schema_payment_method_known("bitcoin"));
    assert_false(schema_payment_method_known("Cash"));
    assert_false(schema_payment_method_known(""));
    payment_refused("");
    payment_refused("2026-12-01");
    payment_refused("2026-12-01 150000 card");
    payment_refused("2026-12-01 0 cash 0123456789abcdef");       /* nothing paid */
    payment_refused("2026-12-01 -5 cash 0123456789abcdef");
    payment_refused("2026-12-01 05 cash 0123456789abcdef");      /* leading zero */
    payment_refused("2026-12-01 9000000000000001 cash 0123456789abcdef");
    payment_refused("2026-12-01 5 bitcoin 0123456789abcdef");    /* unknown method */
    payment_refused("2026-12-01 5 CASH 0123456789abcdef");
    payment_refused("2026-12-01 5 cash 0123");                   /* id not 16 hex digits */
    payment_refused("2026-12-01 5 cash 0123456789abcdef0");
    payment_refused("2026-12-01 5 cash 0123456789ABCDEF");       /* upper case: not as written */
    payment_refused("2026-12-01 5 cash 0123456789abcdeg");
    payment_refused("2026-12-01 5 cash 0123456789abcdef ");      /* trailing space */
    payment_refused("2026-12-01 5 cash 0123456789abcdef  ref");  /* the reference not trimmed */
    payment_refused("2026-12-01 5 cash 0123456789abcdef ref ");
    payment_refused("2026-12-01  5 cash 0123456789abcdef");
    payment_refused(" 2026-12-01 5 cash 0123456789abcdef");
    payment_refused("2026-13-01 5 cash 0123456789abcdef");       /* no such day */
    payment_refused("2026-02-30 5 cash 0123456789abcdef");
    payment_refused("1405-09-10 5 cash 0123456789abcdef x\ty");
    payment_refused("2026-12-01 5 cash 0123456789abcdef a\x1b[2J");
    char long_ref[200];
    snprintf(long_ref, sizeof long_ref, "2026-12-01 5 cash 0123456789abcdef %0*d", SCHEMA_PAYMENT_REF_MAX + 1, 0);
    payment_refused(long_ref);
    long_ref[strlen(long_ref) - 1] = 0; /* exactly the bound */
    payment_round_trip(long_ref, 5, "cash", long_ref + strlen("2026-12-01 5 cash 0123456789abcdef "));
}

static void next_states(unsigned kind, const char *from, const char *want)
{
    char out[160];
    sales_next_states(kind, from, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_next_states_are_named_in_words(void **state)
{
    (void)state;
    next_states(KIND_QUOTE, "draft", "sent");
    next_states(KIND_QUOTE, "sent", "accepted, rejected or expired");
    next_states(KIND_QUOTE, "accepted", "none (it is final)");
    next_states(KIND_ORDER, "open", "fulfilled or cancelled");
    next_states(KIND_ORDER, "cancelled", "none (it is final)");
    next_states(KIND_INVOICE, "issued", "cancelled");
    next_states(KIND_TICKET, "inquiry", "quote, closed or cancelled");
    next_states(KIND_TICKET, "approved", "invoiced, closed or cancelled");
    next_states(KIND_TICKET, "invoiced", "closed or cancelled");
    next_states(KIND_TICKET, "closed", "none (it is final)");
    /* a short buffer is cut, never overrun */
    char small[12];
    memset(small, 'x', sizeof small);
    sales_next_states(KIND_TICKET, "inquiry", small, 8);
    assert_int_equal(strlen(small), 7);
    assert_int_equal(small[9], 'x');
    /* the arrows: forward one step, or to an end; never back, never skipping, never to itself */
    assert_true(sales_move_allowed(KIND_QUOTE, "draft", "sent"));
    assert_false(sales_move_allowed(KIND_QUOTE, "draft", "accepted"));
    assert_false(sales_move_allowed(KIND_QUOTE, "sent", "draft"));
    assert_false(sales_move_allowed(KIND_QUOTE, "sent", "sent"));
    assert_false(sales_move_allowed(KIND_TICKET, "inquiry", "assigned"));
    assert_false(sales_move_allowed(KIND_TICKET, "closed", "inquiry"));
    assert_false(sales_move_allowed(KIND_TICKET, "cancelled", "closed"));
    assert_true(sales_move_allowed(KIND_TICKET, "assigned", "closed"));
    assert_false(sales_move_allowed(KIND_INVOICE, "cancelled", "issued"));
    assert_false(sales_move_allowed(KIND_CUSTOMER, "draft", "sent"));
    /* every state a kind's schema lists is either final or has a next state, and the
     * schema's first state is the one a new record starts in */
    static const struct { unsigned kind; const char *const *statuses; } kinds[] = {
        {KIND_QUOTE, schema_quote_statuses}, {KIND_ORDER, schema_order_statuses},
        {KIND_INVOICE, schema_invoice_statuses}, {KIND_TICKET, schema_ticket_statuses},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        assert_string_equal(sales_first_status(kinds[k].kind), kinds[k].statuses[0]);
        for (const char *const *s = kinds[k].statuses; *s; s++) {
            char out[160];
            sales_next_states(kinds[k].kind, *s, out, sizeof out);
            assert_int_equal(sales_status_final(kinds[k].kind, *s), !strcmp(out, "none (it is final)"));
        }
    }
    assert_true(sales_status_final(KIND_QUOTE, "rejected"));
    assert_true(sales_status_final(KIND_ORDER, "fulfilled"));
    assert_true(sales_status_final(KIND_INVOICE, "cancelled"));
    assert_false(sales_status_final(KIND_INVOICE, "issued"));
    assert_false(sales_status_final(KIND_CUSTOMER, "x"));
}

static void test_invoice_year_and_number(void **state)
{
    (void)state;
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2026-12-01"), 1405);
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2026-03-20"), 1404); /* the last day of 1404 */
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2026-03-21"), 1405); /* Nowruz 1405 */
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2025-03-20"), 1403); /* 1403 is a leap year: 30 Esfand */
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2025-03-21"), 1404);
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2026-01-01"), 1404);
    assert_int_equal(sales_calendar_year(CAL_GREGORIAN, "2026-12-01"), 2026);
    assert_int_equal(sales_calendar_year(CAL_GREGORIAN, "2026-03-20"), 2026);
    assert_int_equal(sales_calendar_year(CAL_GREGORIAN, "2026-02-30"), -1);
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2026-02-30"), -1);
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "1405-09-10"), -1); /* a solar date is not a Gregorian one */
    assert_int_equal(sales_calendar_year(CAL_SOLAR, "2026-12-1"), -1);
    assert_int_equal(sales_calendar_year(CAL_SOLAR, ""), -1);
    char out[40];
    sales_invoice_number("TEH", 1405, 123, out, sizeof out);
    assert_string_equal(out, "TEH-1405-000123");
    sales_invoice_number("SHZ", 2026, 1, out, sizeof out);
    assert_string_equal(out, "SHZ-2026-000001");
    sales_invoice_number("ABCDEFGHIJKLMNOP", 1405, 1234567, out, sizeof out); /* past six digits it grows */
    assert_string_equal(out, "ABCDEFGHIJKLMNOP-1405-1234567");
    sales_invoice_number("TEH", 1405, 1, out, 9); /* cut, never overrun */
    assert_string_equal(out, "TEH-1405");
    assert_true(sales_prefix_valid("TEH"));
    assert_true(sales_prefix_valid("B2"));
    assert_true(sales_prefix_valid("ABCDEFGHIJKLMNOP")); /* SALES_PREFIX_MAX */
    assert_false(sales_prefix_valid("T"));
    assert_false(sales_prefix_valid("ABCDEFGHIJKLMNOPQ"));
    assert_false(sales_prefix_valid("teh"));
    assert_false(sales_prefix_valid("TE-H"));
    assert_false(sales_prefix_valid(""));
    char other[SALES_PREFIX_MAX + 1];
    sales_default_prefix("tehran-1", out, sizeof out);
    assert_string_equal(out, "TEHRAN1");
    sales_default_prefix("shiraz-branch-2", out, sizeof out);
    assert_string_equal(out, "SHIRAZBRANCH2");
    /* a name in another script: N and digits of its hash, another for another name */
    sales_default_prefix("\xd8\xaa\xd9\x87\xd8\xb1\xd8\xa7\xd9\x86", out, sizeof out); /* تهران */
    sales_default_prefix("\xd8\xb4\xdb\x8c\xd8\xb1\xd8\xa7\xd8\xb2", other, sizeof other); /* شیراز */
    assert_int_equal(strlen(out), 8);
    assert_int_equal(out[0], 'N');
    assert_string_not_equal(out, other);
    /* two long names alike in their first letters still differ */
    sales_default_prefix("isfahan-central-branch-1", out, sizeof out);
    sales_default_prefix("isfahan-central-branch-2", other, sizeof other);
    assert_int_equal(strlen(out), SALES_PREFIX_MAX);
    assert_int_equal(strncmp(out, "ISFAHANCENT", 11), 0);
    assert_string_not_equal(out, other);
    sales_default_prefix("a-", other, sizeof other);
    assert_int_equal(other[0], 'N');
    const char *names[] = {"tehran-1", "a-", "\xd8\xaa\xd9\x87\xd8\xb1\xd8\xa7\xd9\x86", "isfahan-central-branch-1", "x"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        sales_default_prefix(names[i], out, sizeof out);
        if (!sales_prefix_valid(out)) fail_msg("the default prefix of '%s' is '%s', not a valid one", names[i], out);
    }
}

static void test_invoice_state_from_payments(void **state)
{
    (void)state;
    assert_string_equal(sales_invoice_state_name(sales_invoice_state(false, 1000, 0)), "issued");
    assert_string_equal(sales_invoice_state_name(sales_invoice_state(false, 1000, 1)), "partly_paid");
    assert_string_equal(sales_invoice_state_name(sales_invoice_state(false, 1000, 1000)), "paid");
    assert_string_equal(sales_invoice_state_name(sales_invoice_state(false, 1000, 1500)), "paid"); /* two branches paid */
    assert_string_equal(sales_invoice_state_name(sales_invoice_state(true, 1000, 0)), "cancelled");
    assert_int_equal(sales_sla_hours("low"), 72);
    assert_int_equal(sales_sla_hours("normal"), 24);
    assert_int_equal(sales_sla_hours("high"), 8);
    assert_int_equal(sales_sla_hours("urgent"), 4);
    assert_int_equal(sales_sla_hours("URGENT"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantity_as_people_type_it),
        cmocka_unit_test(test_rate_as_people_type_it),
        cmocka_unit_test(test_fixed_format_is_the_shortest_text),
        cmocka_unit_test(test_price_elements),
        cmocka_unit_test(test_payment_elements),
        cmocka_unit_test(test_next_states_are_named_in_words),
        cmocka_unit_test(test_invoice_year_and_number),
        cmocka_unit_test(test_invoice_state_from_payments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
