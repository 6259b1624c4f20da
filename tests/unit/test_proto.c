/* SPDX-License-Identifier: MIT
 * proto: record codec round trips and refusals, request decoding, field validation. */
#include "helpers.h"

#include "proto/accord_err.h"
#include "proto/record.h"
#include "proto/request.h"
#include "proto/schema.h"

static void sample_record(record_t *rec)
{
    memset(rec, 0, sizeof *rec);
    memset(rec->origin, 0x11, ID_LEN);
    rec->seq = 42;
    rec->hlc = 0x0123456789ab0001ULL;
    memset(rec->prev, 0x22, 32);
    rec->author = "sara";
    rec->author_len = 4;
    memset(rec->entity, 0x33, ID_LEN);
    rec->kind = KIND_CUSTOMER;
    rec->n_ops = 3;
    rec->ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "王小明", strlen("王小明")}, true, {0}};
    memset(rec->ops[0].base, 0x44, VERSION_LEN);
    rec->ops[1] = (record_op_t){F_CU_PHONES, OP_ADD, {VAL_STR, 0, "+98912", 6}, false, {0}};
    rec->ops[2] = (record_op_t){F_CU_CONSENT_SMS, OP_SET, {VAL_BOOL, 1, NULL, 0}, false, {0}};
}

static void test_record_round_trip(void **state)
{
    (void)state;
    record_t rec, back;
    sample_record(&rec);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    assert_int_equal(record_encode(&rec, &sb), 0);
    assert_int_equal(record_decode(sb.data, sb.size, &back), 0);
    assert_memory_equal(back.origin, rec.origin, ID_LEN);
    assert_int_equal(back.seq, 42);
    assert_true(back.hlc == rec.hlc);
    assert_int_equal(back.n_ops, 3);
    assert_int_equal(back.ops[0].val.len, strlen("王小明"));
    assert_memory_equal(back.ops[0].val.s, "王小明", back.ops[0].val.len);
    assert_true(back.ops[0].has_base);
    assert_memory_equal(back.ops[0].base, rec.ops[0].base, VERSION_LEN);
    assert_false(back.ops[1].has_base);
    assert_int_equal(back.ops[2].val.type, VAL_BOOL);
    /* re-encoding the decoded record gives the same bytes: one record, one encoding */
    msgpack_sbuffer again;
    msgpack_sbuffer_init(&again);
    assert_int_equal(record_encode(&back, &again), 0);
    assert_int_equal(again.size, sb.size);
    assert_memory_equal(again.data, sb.data, sb.size);
    msgpack_sbuffer_destroy(&again);
    msgpack_sbuffer_destroy(&sb);
}

static void test_record_refusals(void **state)
{
    (void)state;
    record_t rec, back;
    sample_record(&rec);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    assert_int_equal(record_encode(&rec, &sb), 0);
    /* every truncation is refused */
    for (size_t n = 0; n < sb.size; n++) assert_int_not_equal(record_decode(sb.data, n, &back), 0);
    /* a trailing byte is refused */
    char *longer = malloc(sb.size + 1);
    memcpy(longer, sb.data, sb.size);
    longer[sb.size] = 0;
    assert_int_equal(record_decode(longer, sb.size + 1, &back), ACCORD_EPROTO);
    /* an unknown format version says so */
    longer[1] = 2;
    assert_int_equal(record_decode(longer, sb.size, &back), ACCORD_EVERSION);
    free(longer);
    /* an array header claiming 4 billion ops is refused without allocating */
    static const uint8_t huge[] = {0x99, 0x01, 0xc4, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                   0x01, 0x01, 0xc4, 0x20};
    assert_int_equal(record_decode(huge, sizeof huge, &back), ACCORD_EPROTO);
    /* encode refuses records that no decoder would accept */
    rec.n_ops = 0;
    assert_int_equal(record_encode(&rec, &sb), ACCORD_EINVAL);
    msgpack_sbuffer_destroy(&sb);
}

static void test_request_decode(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint64(&pk, 7);
    msgpack_pack_str(&pk, 6);
    msgpack_pack_str_body(&pk, "create", 6);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "name", 4);
    msgpack_pack_str(&pk, 3);
    msgpack_pack_str_body(&pk, "Ali", 3);
    msgpack_pack_str(&pk, 6);
    msgpack_pack_str_body(&pk, "phones", 6);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "1", 1);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "2", 1);
    static request_t req;
    assert_int_equal(request_decode(sb.data, sb.size, &req), 0);
    assert_int_equal(req.id, 7);
    assert_true(req_str_eq(req.verb, "create"));
    const req_arg_t *a = request_arg(&req, "phones");
    assert_non_null(a);
    assert_int_equal(a->type, MP_ARRAY);
    assert_int_equal(a->n_items, 2);
    assert_null(request_arg(&req, "email"));
    for (size_t n = 0; n < sb.size; n++) assert_int_not_equal(request_decode(sb.data, n, &req), 0);
    static const uint8_t dup_key[] = {0x93, 0x01, 0xa1, 'x', 0x82, 0xa1, 'k', 0x01, 0xa1, 'k', 0x02};
    assert_int_equal(request_decode(dup_key, sizeof dup_key, &req), ACCORD_EPROTO);
    msgpack_sbuffer_destroy(&sb);
}

static void test_phone_rules(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(schema_phone_normalize("+98 (912) 555-1234", out, sizeof out), 0);
    assert_string_equal(out, "+989125551234");
    assert_int_equal(schema_phone_normalize("0098 912 555 1234", out, sizeof out), 0);
    assert_string_equal(out, "+989125551234");
    assert_int_equal(schema_phone_normalize("۰۹۱۲۵۵۵۱۲۳۴", out, sizeof out), 0);
    assert_string_equal(out, "09125551234");
    assert_int_equal(schema_phone_normalize("0912-111-2222", out, sizeof out), 0);
    assert_string_equal(out, "09121112222");
    assert_int_equal(schema_phone_normalize("12ab", out, sizeof out), ACCORD_EINVAL);
    assert_int_equal(schema_phone_normalize("123", out, sizeof out), ACCORD_EINVAL);
    assert_int_equal(schema_phone_normalize("1234567890123456", out, sizeof out), ACCORD_EINVAL);
    assert_int_equal(schema_phone_normalize("12+34567", out, sizeof out), ACCORD_EINVAL);
}

static void test_email_date_money_rules(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(schema_email_normalize(" Ali@Example.COM ", out, sizeof out), 0);
    assert_string_equal(out, "ali@example.com");
    const char *bad[] = {"ali", "ali@", "@x.com", "a@b", "a@@b.com", "a b@c.com", "a@b..com", "a@.b.com", "a@b.com."};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(schema_email_normalize(bad[i], out, sizeof out), ACCORD_EINVAL);
    assert_true(schema_date_valid("2024-02-29"));
    assert_false(schema_date_valid("2023-02-29"));
    assert_false(schema_date_valid("2026-13-01"));
    assert_false(schema_date_valid("26-11-24"));
    assert_int_equal(schema_datetime_normalize("2026-11-24T14:30:00+03:30", out, sizeof out), 0);
    assert_string_equal(out, "2026-11-24T11:00:00Z");
    assert_int_equal(schema_datetime_normalize("2026-01-01T01:00-02:00", out, sizeof out), 0);
    assert_string_equal(out, "2026-01-01T03:00:00Z");
    assert_int_equal(schema_datetime_normalize("2026-01-01T00:30+01:00", out, sizeof out), 0);
    assert_string_equal(out, "2025-12-31T23:30:00Z");
    assert_int_equal(schema_datetime_normalize("2026-01-01T25:00", out, sizeof out), ACCORD_EINVAL);
    int64_t minor;
    assert_int_equal(schema_money_parse("1234.5", "EUR", &minor, NULL), 0);
    assert_true(minor == 123450);
    assert_int_equal(schema_money_parse("1,000", "JPY", &minor, NULL), 0);
    assert_true(minor == 1000);
    assert_int_equal(schema_money_parse("1.5", "JPY", &minor, NULL), ACCORD_EINVAL);
    assert_int_equal(schema_money_parse("1.234", "KWD", &minor, NULL), 0);
    assert_true(minor == 1234);
    assert_int_equal(schema_money_parse("12", "XXX", &minor, NULL), ACCORD_EINVAL);
    assert_int_equal(schema_money_parse("99999999999999999999", "EUR", &minor, NULL), ACCORD_EINVAL);
    schema_money_format(-123450, "EUR", out, sizeof out);
    assert_string_equal(out, "-1234.50");
    schema_money_format(150000000, "IRR", out, sizeof out);
    assert_string_equal(out, "1500000"); /* whole rials: no false decimals */
    schema_money_format(INT64_MIN, "EUR", out, sizeof out);
    assert_string_equal(out, "-92233720368547758.08");
}

/* Amounts as people type them (issue "Branch app v2"): the decimal comma, Persian digits
 * and separator, thousands separators, and the refusals that say why. */
static void test_money_as_people_type_it(void **state)
{
    (void)state;
    static const struct { const char *in, *cur; int64_t want; } ok[] = {
        {"12,5", "EUR", 1250}, {"12.50", "EUR", 1250}, {"\u06f1\u06f2\u066b\u06f5", "EUR", 1250},
        {"\u06f1\u06f2\u066b\u06f5\u06f0\u06f0\u066b\u06f0\u06f0\u06f0", "IRR", 1250000000}, /* ۱۲٫۵۰۰٫۰۰۰: several marks group */
        {"1,234.50", "EUR", 123450}, {"1.234,50", "EUR", 123450}, {"1 234", "EUR", 123400},
        {"12,500", "EUR", 1250000}, {"1,234,567", "USD", 123456700}, {"1.234", "KWD", 1234},
        {"1\u066c500\u066c000", "IRR", 150000000}, {"1500000", "IRR", 150000000}, {"1.500.000", "IRR", 150000000},
        {"\u0661\u0662", "JPY", 12}, {"0", "EUR", 0}, {" 7 ", "EUR", 700}, {"12.345", "EUR", 1234500},
        {"0,500", "EUR", 50}, {"0.5", "EUR", 50}, {"90000000000000", "USD", 9000000000000000},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t minor = -1;
        assert_int_equal(schema_money_parse(ok[i].in, ok[i].cur, &minor, NULL), 0);
        assert_true(minor == ok[i].want);
    }
    static const struct { const char *in, *cur, *why; } bad[] = {
        {"-5", "EUR", "negative"}, {"\u22125", "EUR", "negative"}, {"12.5", "IRR", "has none"},
        {"1,2,3", "EUR", "separators"}, {"1.2.3,4", "EUR", "separators"}, {"12,34,567", "EUR", "separators"},
        {"abc", "EUR", NULL}, {"", "EUR", NULL}, {",5", "EUR", NULL}, {"1.5", "JPY", "has none"}, {"12.0015", "EUR", "more decimals"},
        /* what common.js A.parseAmount refuses too: a grouping mark first, a tab, '#', an
         * amount past 9e15 minor units (the page's numbers hold it exactly), 0,001 USD */
        {"\u00a012", "EUR", NULL}, {"'12", "EUR", NULL}, {"1\t234", "EUR", NULL}, {"12#5", "EUR", NULL},
        {"90000000000000.01", "USD", "too large"}, {"92233720368547", "USD", "too large"}, {"0,001", "USD", "more decimals"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t minor;
        const char *why = NULL;
        assert_int_equal(schema_money_parse(bad[i].in, bad[i].cur, &minor, &why), ACCORD_EINVAL);
        assert_non_null(why);
        if (bad[i].why) assert_non_null(strstr(why, bad[i].why));
    }
}

static void test_normalize_names_the_field(void **state)
{
    (void)state;
    char out[512], err[256];
    int64_t num;
    const field_def_t *f = schema_field(KIND_CUSTOMER, "phones");
    assert_int_equal(schema_normalize(f, "12ab", out, sizeof out, &num, err, sizeof err), ACCORD_EINVAL);
    assert_non_null(strstr(err, "phones"));
    f = schema_field(KIND_CUSTOMER, "name");
    assert_int_equal(schema_normalize(f, "\xff\xfe", out, sizeof out, &num, err, sizeof err), ACCORD_EINVAL);
    assert_non_null(strstr(err, "UTF-8"));
    assert_int_equal(schema_normalize(f, "  Sara  ", out, sizeof out, &num, err, sizeof err), 0);
    assert_string_equal(out, "Sara");
    char longname[300];
    memset(longname, 'a', 250);
    longname[250] = 0;
    assert_int_equal(schema_normalize(f, longname, out, sizeof out, &num, err, sizeof err), ACCORD_EINVAL);
    assert_non_null(strstr(err, "too long"));
    f = schema_field(KIND_CUSTOMER, "type");
    assert_int_equal(schema_normalize(f, "robot", out, sizeof out, &num, err, sizeof err), ACCORD_EINVAL);
    assert_non_null(strstr(err, "person, company"));
    f = schema_field(KIND_DEAL, "probability");
    assert_int_equal(schema_normalize(f, "101", out, sizeof out, &num, err, sizeof err), ACCORD_EINVAL);
    assert_false(schema_utf8_valid("\xed\xa0\x80", 3)); /* a surrogate */
    assert_false(schema_utf8_valid("\xc0\x80", 2));     /* overlong */
    assert_true(schema_utf8_valid("ی‌ک", strlen("ی‌ک")));
}

/* Issue 15, item 4: a task's due time is HH:MM, 24-hour, in any digits people type; its
 * reminder is minutes before it, at most a week, and the refusal says what is allowed. */
static void test_task_due_time_and_reminder(void **state)
{
    (void)state;
    char out[32], err[256];
    int64_t num;
    assert_int_equal(schema_time_normalize("09:05", out, sizeof out), 0);
    assert_string_equal(out, "09:05");
    assert_int_equal(schema_time_normalize("9:30", out, sizeof out), 0);
    assert_string_equal(out, "09:30");
    assert_int_equal(schema_time_normalize("۰۹:۰۵", out, sizeof out), 0); /* Persian digits */
    assert_string_equal(out, "09:05");
    assert_int_equal(schema_time_normalize("١٧:٣٠", out, sizeof out), 0); /* Arabic-Indic */
    assert_string_equal(out, "17:30");
    assert_int_equal(schema_time_normalize("23:59", out, sizeof out), 0);
    const char *bad[] = {"9:5", "24:00", "12:60", "123:00", "12:000", "12", "12:", ":30", "12-30", " 09:05", "09:05 ", "9h30", ""};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (schema_time_normalize(bad[i], out, sizeof out) != ACCORD_EINVAL) fail_msg("'%s' was taken as %s", bad[i], out);
    const field_def_t *due_time = schema_field(KIND_TASK, "due_time");
    assert_non_null(due_time);
    assert_int_equal(due_time->id, F_TA_DUE_TIME);
    assert_int_equal(schema_normalize(due_time, "9:5", out, sizeof out, &num, err, sizeof err), ACCORD_EINVAL);
    assert_non_null(strstr(err, "due_time"));
    assert_non_null(strstr(err, "HH:MM"));
    const field_def_t *reminder = schema_field(KIND_TASK, "reminder");
    assert_non_null(reminder);
    assert_int_equal(reminder->id, F_TA_REMINDER);
    assert_int_equal(schema_normalize(reminder, "30", out, sizeof out, &num, err, sizeof err), 0);
    assert_true(num == 30);
    assert_int_equal(schema_normalize(reminder, "10080", out, sizeof out, &num, err, sizeof err), 0);
    assert_int_equal(schema_normalize(reminder, "10081", out, sizeof out, &num, err, sizeof err), ACCORD_EINVAL);
    assert_non_null(strstr(err, "from 0 to 10080"));
    assert_int_equal(schema_normalize(reminder, "-5", out, sizeof out, &num, err, sizeof err), ACCORD_EINVAL);
    assert_true(schema_int_in_range(reminder, 0) && !schema_int_in_range(reminder, -1));
    /* an integer field without a bound takes any */
    assert_true(schema_int_in_range(schema_field(KIND_IMPORT, "rows"), 1000000));
    /* a peer's SET of the reminder out of range is no op a node writes */
    record_op_t op = {F_TA_REMINDER, OP_SET, {VAL_INT, 20000, NULL, 0}, false, {0}};
    assert_int_equal(schema_check_op(KIND_TASK, &op), ACCORD_EPROTO);
    op.val.i = 15;
    assert_int_equal(schema_check_op(KIND_TASK, &op), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_round_trip), cmocka_unit_test(test_record_refusals),
        cmocka_unit_test(test_request_decode), cmocka_unit_test(test_phone_rules),
        cmocka_unit_test(test_email_date_money_rules), cmocka_unit_test(test_normalize_names_the_field),
        cmocka_unit_test(test_money_as_people_type_it),
        cmocka_unit_test(test_task_due_time_and_reminder),
    };
    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
