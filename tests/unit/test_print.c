/* SPDX-License-Identifier: MIT
 * print_doc: the printable page of a quote or an invoice, from replies shaped as the
 * node's `document` and `get` (docs/SALES.md), and the Solar Hijri dates it prints
 * (proto/calendar.h). Each check names the exact text the page must hold. */
#include "helpers.h"

#include "proto/accord_err.h"
#include "proto/calendar.h"
#include "proto/print_doc.h"

/* ---- building replies ---- */

typedef struct {
    msgpack_sbuffer buf;
    msgpack_packer pk;
    msgpack_unpacked msg;
} reply_t;

static void key(msgpack_packer *pk, const char *k)
{
    msgpack_pack_str(pk, strlen(k));
    msgpack_pack_str_body(pk, k, strlen(k));
}

static void kv_str(msgpack_packer *pk, const char *k, const char *v)
{
    key(pk, k);
    msgpack_pack_str(pk, strlen(v));
    msgpack_pack_str_body(pk, v, strlen(v));
}

static void kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
    key(pk, k);
    msgpack_pack_int64(pk, v);
}

static void reply_begin(reply_t *r)
{
    msgpack_sbuffer_init(&r->buf);
    msgpack_packer_init(&r->pk, &r->buf, msgpack_sbuffer_write);
}

static const msgpack_object *reply_end(reply_t *r)
{
    msgpack_unpacked_init(&r->msg);
    assert_int_equal(msgpack_unpack_next(&r->msg, r->buf.data, r->buf.size, NULL), MSGPACK_UNPACK_SUCCESS);
    return &r->msg.data;
}

static void reply_free(reply_t *r)
{
    msgpack_unpacked_destroy(&r->msg);
    msgpack_sbuffer_destroy(&r->buf);
}

static void pack_line(msgpack_packer *pk, const char *description, int64_t qty, int64_t price, int64_t discount,
                      int64_t rate, int64_t net, int64_t tax)
{
    msgpack_pack_map(pk, 9);
    kv_str(pk, "description", description);
    kv_str(pk, "unit", "h");
    kv_int(pk, "quantity", qty);
    kv_int(pk, "unit_price", price);
    kv_int(pk, "discount", discount);
    kv_int(pk, "tax_rate", rate);
    kv_int(pk, "net", net);
    kv_int(pk, "tax", tax);
    kv_int(pk, "total", net + tax);
}

/* An invoice in currency with two lines; state as given; its net/tax/total are the ones the
 * reply carries (the caller may make them differ from the lines' sums). */
static const msgpack_object *invoice(reply_t *r, const char *currency, const char *state, int64_t net, int64_t tax,
                                     const char *description)
{
    reply_begin(r);
    msgpack_packer *pk = &r->pk;
    msgpack_pack_map(pk, 14);
    kv_str(pk, "id", "acc58617c36ef032d10f392498233513");
    kv_str(pk, "kind", "invoice");
    kv_str(pk, "currency", currency);
    key(pk, "fields");
    msgpack_pack_map(pk, 6);
    kv_str(pk, "branch", "tehran-1");
    kv_str(pk, "number", "TEH-1405-000007");
    kv_str(pk, "issued", "2026-12-01");
    kv_str(pk, "due", "2026-12-31");
    kv_str(pk, "status", !strcmp(state, "cancelled") ? "cancelled" : "issued");
    kv_str(pk, "notes", "Thank you\n<i>come again</i>");
    key(pk, "lines");
    msgpack_pack_array(pk, 2);
    pack_line(pk, description, 2000, 125000000, 0, 900, 250000000, 22500000);
    pack_line(pk, "Filter", 1500, 30000000, 1000, 0, 40500000, 0);
    kv_int(pk, "net", net);
    kv_int(pk, "tax", tax);
    kv_int(pk, "total", net + tax);
    kv_str(pk, "number", "TEH-1405-000007");
    key(pk, "payments");
    msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 4);
    kv_str(pk, "date", "2026-12-02");
    kv_int(pk, "amount", 100000000);
    kv_str(pk, "method", "card");
    kv_str(pk, "reference", "POS 42");
    kv_int(pk, "paid", 100000000);
    kv_int(pk, "balance", net + tax - 100000000);
    kv_str(pk, "state", state);
    key(pk, "overdue");
    if (!strcmp(state, "issued")) msgpack_pack_true(pk); /* past due, unpaid */
    else msgpack_pack_false(pk);
    return reply_end(r);
}

static const msgpack_object *customer(reply_t *r, const char *name, const char *language)
{
    reply_begin(r);
    msgpack_packer *pk = &r->pk;
    msgpack_pack_map(pk, language ? 6 : 5);
    kv_str(pk, "id", "6a5a83a5385fc238e30b102887fe3478");
    kv_str(pk, "name", name);
    kv_str(pk, "address", "Valiasr St. 12");
    key(pk, "phones");
    msgpack_pack_array(pk, 1);
    msgpack_pack_str(pk, 13);
    msgpack_pack_str_body(pk, "+989121112222", 13);
    kv_str(pk, "national_id", "0012345678");
    if (language) kv_str(pk, "language", language);
    return reply_end(r);
}

/* The page as a heap string. */
static char *page_of(const msgpack_object *doc, const msgpack_object *cust, print_lang_t lang)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(print_doc_write(f, doc, cust, lang), 0);
    fclose(f);
    return buf;
}

static void expect_in(const char *page, const char *text)
{
    if (!strstr(page, text)) fail_msg("the page lacks: %s", text);
}

static void expect_not_in(const char *page, const char *text)
{
    if (strstr(page, text)) fail_msg("the page holds: %s", text);
}

/* ---- the page ---- */

static void test_a_hostile_name_and_line_are_escaped(void **state)
{
    (void)state;
    reply_t d, c;
    const msgpack_object *doc = invoice(&d, "IRR", "issued", 290500000, 22500000, "</td><script>alert(1)</script>");
    const msgpack_object *cust =
        customer(&c, "<img src=x onerror='alert(1)'> \"Ali\" & Co\x1b[31m\xff", "en");
    char *page = page_of(doc, cust, PRINT_EN);
    expect_in(page, "<bdi>&lt;img src=x onerror=&#39;alert(1)&#39;&gt; &quot;Ali&quot; &amp; Co[31m\xef\xbf\xbd</bdi>");
    expect_in(page, "<bdi>&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;</bdi>");
    expect_not_in(page, "<script");
    expect_not_in(page, "<img");
    expect_not_in(page, "\x1b");
    /* the notes' line break is kept, their markup is not */
    expect_in(page, "<bdi>Thank you<br>&lt;i&gt;come again&lt;/i&gt;</bdi>");
    free(page);
    reply_free(&d);
    reply_free(&c);
}

static void test_persian_is_right_to_left_in_persian_digits_and_solar_dates(void **state)
{
    (void)state;
    reply_t d, c;
    const msgpack_object *doc = invoice(&d, "IRR", "partly_paid", 290500000, 22500000, "تعویض روغن");
    const msgpack_object *cust = customer(&c, "علی رضایی", "fa");
    char *page = page_of(doc, cust, PRINT_FA);
    expect_in(page, "<html lang=\"fa\" dir=\"rtl\">");
    expect_in(page, "<h1>فاکتور</h1>");
    expect_in(page, "<bdi dir=\"ltr\">TEH-1405-000007</bdi>"); /* the number as it is, left to right */
    /* 3,130,000 rials (313,000,000 minor units): whole rials, Persian digits and separator */
    expect_in(page, "<tr class=\"sum\"><th>جمع کل</th><td class=\"num\">۳٬۱۳۰٬۰۰۰</td></tr>");
    expect_in(page, "<td class=\"num\">۱٫۵ <bdi>h</bdi></td>");  /* a quantity with its decimal mark */
    expect_in(page, "<td class=\"num\">۱۰٪</td>");               /* a 10 % discount */
    expect_in(page, "<tr><th>تاریخ</th><td>۱۰ آذر ۱۴۰۵</td></tr>"); /* issued 2026-12-01 */
    expect_in(page, "<tr><th>سررسید</th><td>۱۰ دی ۱۴۰۵</td></tr>"); /* due 2026-12-31 */
    expect_in(page, "<td>۱۱ آذر ۱۴۰۵</td><td>کارت</td>");           /* a payment by card on 2026-12-02 */
    expect_in(page, "<p class=\"state\">بخشی پرداخت‌شده</p>");
    expect_in(page, "مبالغ به ریال");
    expect_in(page, "<bdi dir=\"ltr\">+۹۸۹۱۲۱۱۱۲۲۲۲</bdi>"); /* the buyer's phone in Persian digits, left to right */
    expect_not_in(page, "3,130,000");
    free(page);
    reply_free(&d);
    reply_free(&c);
}

static void test_english_amounts_and_dates(void **state)
{
    (void)state;
    reply_t d;
    const msgpack_object *doc = invoice(&d, "EUR", "paid", 123450, 11111, "Service");
    char *page = page_of(doc, NULL, PRINT_EN);
    expect_in(page, "<html lang=\"en\" dir=\"ltr\">");
    expect_in(page, "<title>Invoice TEH-1405-000007</title>");
    expect_in(page, "<tr><th>Net</th><td class=\"num\">1,234.50</td></tr>");
    expect_in(page, "<tr class=\"sum\"><th>Total</th><td class=\"num\">1,345.61</td></tr>");
    expect_in(page, "<td class=\"num\">1,250,000.00</td>"); /* a line's unit price, 125,000,000 cents */
    expect_in(page, "<tr><th>Date</th><td>1 December 2026</td></tr>");
    expect_in(page, "<p class=\"state\">Paid</p>"); /* paid: never overdue */
    expect_in(page, "(not known on this node)"); /* no customer record */
    expect_not_in(page, "<script");
    free(page);
    reply_free(&d);
}

/* The totals are the document's: nothing is added up again here. */
static void test_totals_are_as_the_document_says(void **state)
{
    (void)state;
    reply_t d;
    const msgpack_object *doc = invoice(&d, "USD", "issued", 777, 23, "Odd");
    char *page = page_of(doc, NULL, PRINT_EN);
    expect_in(page, "<tr><th>Net</th><td class=\"num\">7.77</td></tr>");
    expect_in(page, "<tr><th>Tax</th><td class=\"num\">0.23</td></tr>");
    expect_in(page, "<tr class=\"sum\"><th>Total</th><td class=\"num\">8.00</td></tr>");
    expect_in(page, "<tr><th>Paid</th><td class=\"num\">1,000,000.00</td></tr>");
    expect_in(page, "<tr class=\"sum\"><th>Balance due</th><td class=\"num\">-999,992.00</td></tr>");
    free(page);
    reply_free(&d);
}

static void test_a_cancelled_invoice_is_marked(void **state)
{
    (void)state;
    reply_t d;
    const msgpack_object *doc = invoice(&d, "IRR", "cancelled", 290500000, 22500000, "Oil");
    char *en = page_of(doc, NULL, PRINT_EN), *fa = page_of(doc, NULL, PRINT_FA);
    expect_in(en, "<p class=\"state cancelled\">CANCELLED</p>");
    expect_in(fa, "<p class=\"state cancelled\">لغوشده</p>"); /* the branch app's word, too */
    free(en);
    free(fa);
    reply_free(&d);
    doc = invoice(&d, "IRR", "issued", 1, 0, "Oil");
    en = page_of(doc, NULL, PRINT_EN);
    expect_not_in(en, "CANCELLED");
    expect_in(en, "<p class=\"state\">Issued · Overdue</p>"); /* past due says so */
    free(en);
    reply_free(&d);
}

/* A quote whose id is time-ordered (proto/timeid.h) is numbered by its short form, the
 * digits of its random part the CLI shows, not by its clock's. */
static void test_a_time_ordered_quote_is_numbered_by_its_short_id(void **state)
{
    (void)state;
    reply_t d;
    reply_begin(&d);
    msgpack_packer *pk = &d.pk;
    msgpack_pack_map(pk, 6);
    kv_str(pk, "id", "019ad1e2f3a471238abcdef012345678");
    kv_str(pk, "kind", "quote");
    kv_str(pk, "currency", "EUR");
    key(pk, "fields");
    msgpack_pack_map(pk, 1);
    kv_str(pk, "title", "Fleet service");
    key(pk, "lines");
    msgpack_pack_array(pk, 0);
    kv_int(pk, "total", 0);
    const msgpack_object *doc = reply_end(&d);
    char *en = page_of(doc, NULL, PRINT_EN);
    expect_in(en, "<bdi dir=\"ltr\">bcdef0123456</bdi>");
    expect_not_in(en, "019ad1e2f3a4");
    free(en);
    reply_free(&d);
}

static void test_a_quote_has_its_own_title_and_dates(void **state)
{
    (void)state;
    reply_t d;
    reply_begin(&d);
    msgpack_packer *pk = &d.pk;
    msgpack_pack_map(pk, 7);
    kv_str(pk, "id", "0d5c6e1fea8794a676a73eb4d45992c4");
    kv_str(pk, "kind", "quote");
    kv_str(pk, "currency", "EUR");
    key(pk, "fields");
    msgpack_pack_map(pk, 4);
    kv_str(pk, "created", "2026-11-30T08:00:00Z");
    kv_str(pk, "valid_until", "2026-12-15");
    kv_str(pk, "status", "draft");
    kv_str(pk, "title", "Fleet service");
    key(pk, "lines");
    msgpack_pack_array(pk, 0);
    kv_int(pk, "net", 0);
    kv_int(pk, "total", 0);
    const msgpack_object *doc = reply_end(&d);
    char *fa = page_of(doc, NULL, PRINT_FA);
    expect_in(fa, "<h1>پیش‌فاکتور</h1>");
    expect_in(fa, "<bdi dir=\"ltr\">0d5c6e1fea87</bdi>"); /* a quote's number: an old id's first 12 digits */
    expect_in(fa, "<tr><th>تاریخ</th><td>۹ آذر ۱۴۰۵</td></tr>");
    expect_in(fa, "<tr><th>معتبر تا</th><td>۲۴ آذر ۱۴۰۵</td></tr>");
    expect_in(fa, "<p class=\"state\">پیش‌نویس</p>");
    expect_not_in(fa, "مانده"); /* no balance on a quote */
    free(fa);
    reply_free(&d);
}

static void test_only_documents_are_printed(void **state)
{
    (void)state;
    reply_t c;
    const msgpack_object *cust = customer(&c, "Not a document", NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(print_doc_write(f, cust, NULL, PRINT_EN), ACCORD_EINVAL);
    fclose(f);
    assert_int_equal(len, 0);
    free(buf);
    reply_free(&c);
}

static void test_the_customer_language_decides(void **state)
{
    (void)state;
    reply_t c;
    print_lang_t l = PRINT_EN;
    assert_true(print_lang_parse("fa", &l));
    assert_int_equal(l, PRINT_FA);
    assert_false(print_lang_parse("de", &l));
    assert_false(print_lang_parse(NULL, &l));
    assert_int_equal(print_lang_of_customer(customer(&c, "A", "fa"), PRINT_EN), PRINT_FA);
    reply_free(&c);
    assert_int_equal(print_lang_of_customer(customer(&c, "A", "en"), PRINT_FA), PRINT_EN);
    reply_free(&c);
    assert_int_equal(print_lang_of_customer(customer(&c, "A", NULL), PRINT_FA), PRINT_FA);
    reply_free(&c);
    assert_int_equal(print_lang_of_customer(NULL, PRINT_FA), PRINT_FA);
}

/* ---- the calendar ---- */

static void test_solar_hijri_dates(void **state)
{
    (void)state;
    int y, m, d;
    struct { const char *gregorian; int y, m, d; } known[] = {
        {"2026-12-01", 1405, 9, 10}, {"2026-03-21", 1405, 1, 1}, {"2026-03-20", 1404, 12, 29},
        {"2025-03-20", 1403, 12, 30}, {"1970-01-01", 1348, 10, 11}, {"2024-03-20", 1403, 1, 1}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        uint32_t day = calendar_day_of_date(known[i].gregorian, 10);
        int rc = calendar_persian_of_day(day, &y, &m, &d);
        if (known[i].y < CALENDAR_PERSIAN_FIRST_YEAR) {
            assert_int_equal(rc, -1); /* before the years this calendar takes */
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(y, known[i].y);
        assert_int_equal(m, known[i].m);
        assert_int_equal(d, known[i].d);
    }
    assert_int_equal(calendar_day_of_date("1970-01-01", 10), 1);
    assert_int_equal(calendar_day_of_date("2026-02-29", 10), 0);
    assert_int_equal(calendar_day_of_date("2024-02-29", 10), calendar_day_of_date("2024-03-01", 10) - 1);
    assert_int_equal(calendar_day_of_date("2026-13-01", 10), 0);
    assert_int_equal(calendar_day_of_date("2026-1-01", 9), 0);
    assert_int_equal(calendar_persian_year("2026-12-01"), 1405);
    assert_int_equal(calendar_persian_year("1969-12-31"), -1);
    /* every day from 1349 to 1500 is the day its month starts on plus its day, less one */
    for (uint32_t day = calendar_persian_new_year(CALENDAR_PERSIAN_FIRST_YEAR);
         day < calendar_persian_new_year(CALENDAR_PERSIAN_LAST_YEAR + 1); day++) {
        assert_int_equal(calendar_persian_of_day(day, &y, &m, &d), 0);
        assert_true(d >= 1 && (uint32_t)d <= calendar_persian_month_days(y, m));
        assert_int_equal(calendar_persian_month_start(y, m) + (uint32_t)d - 1, day);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_hostile_name_and_line_are_escaped),
        cmocka_unit_test(test_persian_is_right_to_left_in_persian_digits_and_solar_dates),
        cmocka_unit_test(test_english_amounts_and_dates),
        cmocka_unit_test(test_totals_are_as_the_document_says),
        cmocka_unit_test(test_a_cancelled_invoice_is_marked),
        cmocka_unit_test(test_a_quote_has_its_own_title_and_dates),
        cmocka_unit_test(test_a_time_ordered_quote_is_numbered_by_its_short_id),
        cmocka_unit_test(test_only_documents_are_printed),
        cmocka_unit_test(test_the_customer_language_decides),
        cmocka_unit_test(test_solar_hijri_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
