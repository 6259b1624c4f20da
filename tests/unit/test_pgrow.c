/* SPDX-License-Identifier: MIT
 * pgrow: what accordctl pg-sync writes into PostgreSQL. COPY text escaping (tabs, newlines,
 * backslashes, NUL and invalid UTF-8 from a damaged store), exact numerics for money,
 * quantities and rates, strict days and instants, text[] literals, an entity row as its
 * kind's line, a feed record as a changes line with its jsonb. */
#include "helpers.h"

#include "ops/pgrow.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "state/entity.h"

/* The text b holds, NUL-terminated (the buffer is kept for the next call). */
static const char *text_of(pgrow_buf_t *b)
{
    pgrow_buf_add(b, "", 1);
    b->len--;
    return b->data;
}

static void test_copy_text_escapes_what_copy_reads_as_syntax(void **state)
{
    (void)state;
    pgrow_buf_t b = {0};
    pgrow_copy_text(&b, "a\tb\nc\\d\re", 9);
    assert_string_equal(text_of(&b), "a\\tb\\nc\\\\d\\re");
    b.len = 0;
    /* NUL is dropped (PostgreSQL text holds none), a stray byte becomes U+FFFD, Persian stays */
    pgrow_copy_text(&b, "x\0y\xff" "z \xd8\xb9\xd9\x84\xdb\x8c", 12);
    assert_string_equal(text_of(&b), "xy\xef\xbf\xbdz \xd8\xb9\xd9\x84\xdb\x8c");
    b.len = 0;
    /* overlong, surrogate and cut-short sequences are no UTF-8 either: one U+FFFD a byte */
    pgrow_copy_text(&b, "\xc0\xaf|\xed\xa0\x80|\xe2\x82", 10);
    assert_string_equal(text_of(&b), "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd");
    pgrow_buf_free(&b);
}

static void test_numeric_is_exact(void **state)
{
    (void)state;
    pgrow_buf_t b = {0};
    struct { int64_t v; int dec; const char *want; } cases[] = {
        {125050, 2, "1250.50"}, {5, 3, "0.005"}, {-1205, 2, "-12.05"}, {0, 2, "0.00"}, {7, 0, "7"},
        {INT64_MIN, 2, "-92233720368547758.08"}, {INT64_MAX, 0, "9223372036854775807"}, {100, 2, "1.00"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        b.len = 0;
        pgrow_numeric(&b, cases[i].v, cases[i].dec);
        assert_string_equal(text_of(&b), cases[i].want);
    }
    pgrow_buf_free(&b);
}

static void test_days_and_instants_are_checked(void **state)
{
    (void)state;
    pgrow_buf_t b = {0};
    assert_true(pgrow_date(&b, "2024-02-29", 10));
    assert_string_equal(text_of(&b), "2024-02-29");
    const char *bad_days[] = {"2026-02-29", "0000-01-01", "2026-13-01", "2026-04-31", "2026-1-01x", "20260101xx"};
    for (unsigned i = 0; i < 6; i++) assert_false(pgrow_date(&b, bad_days[i], 10));
    b.len = 0;
    assert_true(pgrow_datetime(&b, "2026-12-01T09:30:05Z", 20));
    assert_string_equal(text_of(&b), "2026-12-01 09:30:05+00");
    assert_false(pgrow_datetime(&b, "2026-12-01T24:00:00Z", 20));
    assert_false(pgrow_datetime(&b, "2026-12-01 09:30:05Z", 20));
    assert_false(pgrow_datetime(&b, "2026-12-01T09:30:05", 19));
    b.len = 0;
    assert_true(pgrow_time(&b, "23:59", 5));
    assert_false(pgrow_time(&b, "24:00", 5));
    assert_false(pgrow_time(&b, "9:05", 4));
    b.len = 0;
    assert_true(pgrow_timestamp_ms(&b, 1764581400123ULL)); /* 2025-12-01 09:30:00.123 UTC */
    assert_string_equal(text_of(&b), "2025-12-01 09:30:00.123+00");
    b.len = 0;
    assert_false(pgrow_timestamp_ms(&b, 253402300800000ULL)); /* year 10000 */
    assert_int_equal(b.len, 0);
    pgrow_buf_free(&b);
}

/* ---- rows built as the store keeps them ---- */

static uint8_t hlc_version[VERSION_LEN];

static void put_reg(entity_row_buf_t *row, unsigned field, value_t v)
{
    uint8_t key = (uint8_t)field, val[VERSION_LEN + 1 + 4096 + 8];
    size_t n = entity_encode_register(val, hlc_version, &v);
    entity_row_buf_put(row, ENTITY_TAG_FIELD, &key, 1, val, n);
}

static void put_str(entity_row_buf_t *row, unsigned field, const char *s)
{
    put_reg(row, field, (value_t){.type = VAL_STR, .s = s, .len = strlen(s)});
}

static void put_int(entity_row_buf_t *row, unsigned field, int64_t i)
{
    put_reg(row, field, (value_t){.type = VAL_INT, .i = i});
}

static void put_elem(entity_row_buf_t *row, unsigned field, const char *elem, bool present)
{
    uint8_t key[300], val[VERSION_LEN + 1];
    key[0] = (uint8_t)field;
    memcpy(key + 1, elem, strlen(elem));
    memcpy(val, hlc_version, VERSION_LEN);
    val[VERSION_LEN] = present;
    entity_row_buf_put(row, ENTITY_TAG_FIELD, key, 1 + strlen(elem), val, sizeof val);
}

/* Splits a COPY line (without its "\n") into its tab-separated columns, in place. */
static unsigned split_columns(char *line, char **cols, unsigned max)
{
    unsigned n = 0;
    char *p = line;
    while (n < max) {
        cols[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = 0;
        p = tab + 1;
    }
    return n;
}

/* The index of the column named name in kind's column list, or -1. */
static int column_index(unsigned kind, const char *name)
{
    pgrow_buf_t b = {0};
    pgrow_columns(kind, &b);
    char want[80];
    snprintf(want, sizeof want, "\"%s\"", name);
    int idx = 0, found = -1;
    char *list = strdup(text_of(&b));
    for (char *tok = strtok(list, ", "); tok; tok = strtok(NULL, ", "), idx++)
        if (!strcmp(tok, want)) found = idx;
    free(list);
    pgrow_buf_free(&b);
    return found;
}

static unsigned column_count(unsigned kind)
{
    pgrow_buf_t b = {0};
    pgrow_columns(kind, &b);
    unsigned n = 1;
    for (size_t i = 0; i < b.len; i++) n += b.data[i] == ',';
    pgrow_buf_free(&b);
    return n;
}

static const uint8_t deal_id[ID_LEN] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                        0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};

static void test_deal_row_is_one_typed_line(void **state)
{
    (void)state;
    version_make(hlc_version, HLC_PACK(1764581400123ULL, 0), deal_id);
    entity_row_buf_t row = {0};
    entity_row_buf_load(&row, NULL, 0, KIND_DEAL);
    put_str(&row, F_BRANCH, "tehran-1");
    put_str(&row, F_CREATED, "2025-12-01T09:30:00Z");
    put_str(&row, F_DE_TITLE, "Fleet\tdeal\nfor \\ Acme");
    put_int(&row, F_DE_AMOUNT, 125050);
    put_str(&row, F_DE_CURRENCY, "EUR");
    put_str(&row, F_DE_CLOSE, "2026-01-31");
    put_reg(&row, F_DE_CUSTOMER, (value_t){.type = VAL_REF, .s = (const char *)deal_id, .len = ID_LEN});
    put_elem(&row, F_DE_TAGS, "vip", true);
    put_elem(&row, F_DE_TAGS, "gone", false);
    put_elem(&row, F_DE_TAGS, "say \"hi\"", true);

    pgrow_buf_t b = {0};
    assert_int_equal(pgrow_entity_line(deal_id, row.buf, row.len, NULL, &b), PGROW_ROW);
    assert_int_equal(b.data[b.len - 1], '\n');
    b.data[--b.len] = 0;
    char *cols[64];
    unsigned n = split_columns(b.data, cols, 64);
    assert_int_equal(n, column_count(KIND_DEAL));
    assert_string_equal(cols[0], "0102030405060708090a0b0c0d0e0f10");
    assert_string_equal(cols[column_index(KIND_DEAL, "branch")], "tehran-1");
    assert_string_equal(cols[column_index(KIND_DEAL, "created")], "2025-12-01 09:30:00+00");
    assert_string_equal(cols[column_index(KIND_DEAL, "title")], "Fleet\\tdeal\\nfor \\\\ Acme");
    assert_string_equal(cols[column_index(KIND_DEAL, "amount")], "1250.50");
    assert_string_equal(cols[column_index(KIND_DEAL, "amount_minor")], "125050");
    assert_string_equal(cols[column_index(KIND_DEAL, "currency")], "EUR");
    assert_string_equal(cols[column_index(KIND_DEAL, "expected_close")], "2026-01-31");
    assert_string_equal(cols[column_index(KIND_DEAL, "customer")], "0102030405060708090a0b0c0d0e0f10");
    /* the removed tag is left out; '"' inside an element takes a backslash, which COPY doubles */
    assert_string_equal(cols[column_index(KIND_DEAL, "tags")], "{\"say \\\\\"hi\\\\\"\",\"vip\"}");
    assert_string_equal(cols[column_index(KIND_DEAL, "stage")], "\\N");
    assert_string_equal(cols[column_index(KIND_DEAL, "updated_at")], "2025-12-01 09:30:00.123+00");
    assert_int_equal(column_index(KIND_DEAL, "deleted"), -1);

    /* a whole-rial currency keeps ISO's two minor digits in the store: exact either way */
    put_str(&row, F_DE_CURRENCY, "IRR");
    put_int(&row, F_DE_AMOUNT, 150000000);
    b.len = 0;
    assert_int_equal(pgrow_entity_line(deal_id, row.buf, row.len, NULL, &b), PGROW_ROW);
    b.data[--b.len] = 0;
    split_columns(b.data, cols, 64);
    assert_string_equal(cols[column_index(KIND_DEAL, "amount")], "1500000.00");
    /* an amount of no known currency: no numeric (its scale is unknown), the minor units stay */
    put_str(&row, F_DE_CURRENCY, "XQQ");
    b.len = 0;
    assert_int_equal(pgrow_entity_line(deal_id, row.buf, row.len, NULL, &b), PGROW_ROW);
    b.data[--b.len] = 0;
    split_columns(b.data, cols, 64);
    assert_string_equal(cols[column_index(KIND_DEAL, "amount")], "\\N");
    assert_string_equal(cols[column_index(KIND_DEAL, "amount_minor")], "150000000");

    /* a value of the wrong type, a date that is no day: NULL, never a line COPY refuses */
    put_str(&row, F_DE_AMOUNT, "lots");
    put_str(&row, F_DE_CLOSE, "2026-02-30");
    b.len = 0;
    assert_int_equal(pgrow_entity_line(deal_id, row.buf, row.len, NULL, &b), PGROW_ROW);
    b.data[--b.len] = 0;
    split_columns(b.data, cols, 64);
    assert_string_equal(cols[column_index(KIND_DEAL, "amount_minor")], "\\N");
    assert_string_equal(cols[column_index(KIND_DEAL, "expected_close")], "\\N");

    /* deleted: no line, the row goes */
    put_reg(&row, F_DELETED, (value_t){.type = VAL_BOOL, .i = 1});
    b.len = 0;
    assert_int_equal(pgrow_entity_line(deal_id, row.buf, row.len, NULL, &b), PGROW_GONE);
    assert_int_equal(b.len, 0);
    /* a damaged row, a kind not copied */
    assert_int_equal(pgrow_entity_line(deal_id, row.buf, row.len - 3, NULL, &b), ACCORD_ESTORE);
    entity_row_buf_load(&row, NULL, 0, KIND_USER);
    assert_int_equal(pgrow_entity_line(deal_id, row.buf, row.len, NULL, &b), ACCORD_EINVAL);
    assert_int_equal(b.len, 0);
    entity_row_buf_free(&row);
    pgrow_buf_free(&b);
}

static void test_line_takes_its_documents_currency(void **state)
{
    (void)state;
    entity_row_buf_t row = {0};
    entity_row_buf_load(&row, NULL, 0, KIND_LINE);
    put_int(&row, F_LI_UNIT_PRICE, 999);
    put_int(&row, F_LI_QUANTITY, 1500);
    put_int(&row, F_LI_DISCOUNT, 1250);
    pgrow_buf_t b = {0};
    assert_int_equal(pgrow_entity_line(deal_id, row.buf, row.len, "USD", &b), PGROW_ROW);
    b.data[--b.len] = 0;
    char *cols[64];
    assert_int_equal(split_columns(b.data, cols, 64), column_count(KIND_LINE));
    assert_string_equal(cols[column_index(KIND_LINE, "unit_price")], "9.99");
    assert_string_equal(cols[column_index(KIND_LINE, "currency")], "USD");
    assert_string_equal(cols[column_index(KIND_LINE, "quantity")], "1.500");
    assert_string_equal(cols[column_index(KIND_LINE, "discount")], "12.50");
    b.len = 0;
    assert_int_equal(pgrow_entity_line(deal_id, row.buf, row.len, NULL, &b), PGROW_ROW);
    b.data[--b.len] = 0;
    split_columns(b.data, cols, 64);
    assert_string_equal(cols[column_index(KIND_LINE, "unit_price")], "\\N");
    assert_string_equal(cols[column_index(KIND_LINE, "unit_price_minor")], "999");
    entity_row_buf_free(&row);
    pgrow_buf_free(&b);
}

static void test_change_line_and_its_json(void **state)
{
    (void)state;
    record_t rec;
    memset(&rec, 0, sizeof rec);
    memcpy(rec.origin, deal_id, ID_LEN);
    memcpy(rec.entity, deal_id, ID_LEN);
    rec.seq = 42;
    rec.hlc = HLC_PACK(1764581400123ULL, 3);
    rec.author = "ali\tr";
    rec.author_len = 5;
    rec.kind = KIND_CUSTOMER;
    rec.ops[0] = (record_op_t){.field = F_CREATED, .op = OP_SET, .val = {.type = VAL_STR, .s = "2025-12-01T09:30:00Z", .len = 20}};
    rec.ops[1] = (record_op_t){.field = F_CU_NAME, .op = OP_SET, .val = {.type = VAL_STR, .s = "A \"B\"\n\\", .len = 8}};
    rec.ops[2] = (record_op_t){.field = F_CU_TAGS, .op = OP_ADD, .val = {.type = VAL_STR, .s = "vip", .len = 3}};
    rec.ops[3] = (record_op_t){.field = F_CU_CONSENT_SMS, .op = OP_SET, .val = {.type = VAL_BOOL, .i = 1}};
    rec.ops[4] = (record_op_t){.field = F_CU_TAGS, .op = OP_REMOVE, .val = {.type = VAL_STR, .s = "old", .len = 3}};
    rec.ops[5] = (record_op_t){.field = 60, .op = OP_SET, .val = {.type = VAL_INT, .i = -7}};
    rec.n_ops = 6;
    assert_string_equal(pgrow_record_op(&rec), "create");
    pgrow_buf_t b = {0};
    pgrow_change_line(&rec, &b);
    assert_string_equal(text_of(&b),
                        "0102030405060708090a0b0c0d0e0f10\t42\t0102030405060708090a0b0c0d0e0f10\tcustomer\tali\\tr\t"
                        "2025-12-01 09:30:00.123+00\tcreate\t"
                        "{\"created\":\"2025-12-01T09:30:00Z\",\"name\":\"A \\\\\"B\\\\\"\\\\u000a\\\\\\\\\","
                        "\"tags\":{\"add\":[\"vip\"],\"remove\":[\"old\"]},\"consent_sms\":true,\"f60\":-7}\n");

    /* a delete; a user's password hash is never copied */
    rec.ops[0] = (record_op_t){.field = F_DELETED, .op = OP_SET, .val = {.type = VAL_BOOL, .i = 1}};
    rec.n_ops = 1;
    assert_string_equal(pgrow_record_op(&rec), "delete");
    rec.kind = KIND_USER;
    rec.ops[0] = (record_op_t){.field = F_US_PASSWORD, .op = OP_SET, .val = {.type = VAL_STR, .s = "$argon2id$x", .len = 11}};
    assert_string_equal(pgrow_record_op(&rec), "update");
    b.len = 0;
    pgrow_change_line(&rec, &b);
    assert_non_null(strstr(text_of(&b), "\tupdate\t{\"password_hash\":\"(set)\"}\n"));
    assert_null(strstr(text_of(&b), "argon2id"));
    pgrow_buf_free(&b);
}

static void test_ddl_has_a_typed_table_per_kind(void **state)
{
    (void)state;
    pgrow_buf_t b = {0};
    pgrow_ddl(&b);
    const char *ddl = text_of(&b);
    assert_non_null(strstr(ddl, "CREATE TABLE IF NOT EXISTS accord.deals (\"id\" uuid PRIMARY KEY"));
    assert_non_null(strstr(ddl, "\"amount\" numeric, \"amount_minor\" bigint"));
    assert_non_null(strstr(ddl, "\"tags\" text[]"));
    assert_non_null(strstr(ddl, "\"expected_close\" date"));
    assert_non_null(strstr(ddl, "\"created\" timestamptz"));
    assert_non_null(strstr(ddl, "accord.lines (\"id\" uuid PRIMARY KEY"));
    assert_non_null(strstr(ddl, "accord.changes ("));
    assert_null(strstr(ddl, "password"));
    assert_null(strstr(ddl, "accord.users"));
    for (unsigned k = KIND_CUSTOMER; k <= KIND_NOTE; k++) assert_non_null(pgrow_table(k));
    assert_null(pgrow_table(KIND_USER));
    assert_null(pgrow_table(KIND_IMPORT));
    assert_null(pgrow_table(200));
    b.len = 0;
    pgrow_update_set(KIND_NOTE, &b);
    assert_string_equal(text_of(&b), "\"branch\" = EXCLUDED.\"branch\", \"created\" = EXCLUDED.\"created\", "
                                     "\"related\" = EXCLUDED.\"related\", \"text\" = EXCLUDED.\"text\", "
                                     "\"updated_at\" = EXCLUDED.\"updated_at\"");
    pgrow_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_text_escapes_what_copy_reads_as_syntax),
        cmocka_unit_test(test_numeric_is_exact),
        cmocka_unit_test(test_days_and_instants_are_checked),
        cmocka_unit_test(test_deal_row_is_one_typed_line),
        cmocka_unit_test(test_line_takes_its_documents_currency),
        cmocka_unit_test(test_change_line_and_its_json),
        cmocka_unit_test(test_ddl_has_a_typed_table_per_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
