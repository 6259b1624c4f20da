/* SPDX-License-Identifier: MIT
 * output: what the CLIs and the HTTP endpoints print of text that came from peers, users
 * and files. JSON (proto/json.h) is valid whatever the bytes; a table's text
 * (client/output.h) carries no control character and no byte that is not UTF-8. Each
 * hostile string is checked against the exact bytes it must become. */
#include "helpers.h"

#include <math.h>

#include "client/output.h"
#include "proto/json.h"

/* json_write_string of the n bytes of s, as a NUL-terminated heap string. */
static char *json_of(const char *s, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    json_write_string(f, s, n);
    fclose(f);
    return buf;
}

static void expect_json(const char *s, size_t n, const char *want)
{
    char *got = json_of(s, n);
    assert_string_equal(got, want);
    free(got);
}

static void test_json_escapes_what_json_and_terminals_need(void **state)
{
    (void)state;
    expect_json("plain", 5, "\"plain\"");
    expect_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    expect_json("\n\r\t", 3, "\"\\n\\r\\t\"");
    expect_json("\x1b[31mred\x07", 9, "\"\\u001b[31mred\\u0007\"");    /* ESC and BEL */
    expect_json("\x7f", 1, "\"\\u007f\"");                           /* DEL */
    expect_json("\xc2\x9b" "2J", 4, "\"\\u009b2J\"");                /* C1 CSI, well-formed UTF-8 */
    expect_json("a\0b", 3, "\"a\\u0000b\"");                         /* a NUL inside is kept, escaped */
    expect_json("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\""); /* line ends to JavaScript */
    expect_json("علي 王小明 é", strlen("علي 王小明 é"), "\"علي 王小明 é\""); /* text stays as it is */
    expect_json("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");      /* 4 bytes, U+1F600 */
}

static void test_json_replaces_bytes_that_are_not_utf8(void **state)
{
    (void)state;
    expect_json("\xff", 1, "\"\\ufffd\"");
    expect_json("a\x80z", 3, "\"a\\ufffdz\"");                  /* a stray continuation byte */
    expect_json("\xc3", 1, "\"\\ufffd\"");                      /* cut: the lead of é alone */
    expect_json("\xc3z", 2, "\"\\ufffdz\"");                    /* a lead without its continuation */
    expect_json("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");           /* overlong '/' */
    expect_json("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* overlong, 3 bytes */
    expect_json("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* a UTF-16 surrogate, U+D800 */
    expect_json("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* above U+10FFFF */
    expect_json("\xf8\x88\x80\x80\x80", 5, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void test_utf8_next(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(json_utf8_next("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(json_utf8_next("\xd8\xb9", 2, &cp), 2);
    assert_int_equal(cp, 0x639);
    assert_int_equal(json_utf8_next("\xef\xbf\xbd", 3, &cp), 3);
    assert_int_equal(cp, 0xfffd);
    assert_int_equal(json_utf8_next("\xf4\x8f\xbf\xbf", 4, &cp), 4);
    assert_int_equal(cp, 0x10ffff);
    assert_int_equal(json_utf8_next("\xef\xbf\xbd", 2, &cp), 0); /* n ends inside the character */
    assert_int_equal(json_utf8_next("\xbf", 1, &cp), 0);
}

static void test_msgpack_floats_and_keys(void **state)
{
    (void)state;
    msgpack_object_kv kv[3];
    kv[0].key = (msgpack_object){.type = MSGPACK_OBJECT_STR, .via.str = {2, "\x1b\xff"}};
    kv[0].val = (msgpack_object){.type = MSGPACK_OBJECT_FLOAT64, .via.f64 = NAN};
    kv[1].key = (msgpack_object){.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 7};
    kv[1].val = (msgpack_object){.type = MSGPACK_OBJECT_FLOAT64, .via.f64 = INFINITY};
    kv[2].key = (msgpack_object){.type = MSGPACK_OBJECT_STR, .via.str = {1, "x"}};
    kv[2].val = (msgpack_object){.type = MSGPACK_OBJECT_FLOAT64, .via.f64 = 1.5};
    msgpack_object map = {.type = MSGPACK_OBJECT_MAP, .via.map = {3, kv}};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    json_write_msgpack(f, &map);
    fclose(f);
    assert_string_equal(buf, "{\"\\u001b\\ufffd\":null,\"?\":null,\"x\":1.5}"); /* JSON has no NaN, no infinity */
    free(buf);
}

static void expect_text(const char *s, size_t n, const char *want)
{
    char out[256];
    assert_ptr_equal(output_text(s, n, out, sizeof out), out);
    assert_string_equal(out, want);
}

static void test_text_for_tables(void **state)
{
    (void)state;
    expect_text("Ali Rezaei", 10, "Ali Rezaei");
    expect_text("\x1b]0;owned\x07", 10, "\\x1b]0;owned\\x07"); /* a title-setting escape, shown, not run */
    expect_text("a\tb\nc\r", 6, "a\\tb\\nc\\r");
    expect_text("\x7f", 1, "\\x7f");
    expect_text("\xc2\x9b" "2J", 4, "\\u009b2J");
    expect_text("x\xffy", 3, "x\xef\xbf\xbdy"); /* U+FFFD */
    expect_text("王小明", strlen("王小明"), "王小明");
    char small[6];
    output_text("ab\x1b", 3, small, sizeof small); /* "\x1b" does not fit after "ab": cut before it, not inside */
    assert_string_equal(small, "ab");
    output_text("a王", strlen("a王"), small, 3);
    assert_string_equal(small, "a");
}

static void test_sanitize_a_reply(void **state)
{
    (void)state;
    /* a reply as accord history gets it: a remote author with an escape and a stray byte */
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "author", 6);
    msgpack_pack_str_with_body(&pk, "\x1b[2Jmallory\xfe", 12);
    msgpack_pack_str_with_body(&pk, "branch\x07", 7);
    msgpack_pack_str_with_body(&pk, "tehran-1", 8);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    msgpack_object body = u.data;
    const char *clean = body.via.array.ptr[0].via.map.ptr[1].val.via.str.ptr;
    output_sanitize(&body, u.zone);
    const msgpack_object_kv *kv = body.via.array.ptr[0].via.map.ptr;
    char cell[128];
    assert_string_equal(output_cell(&kv[0].val, cell, sizeof cell), "\\x1b[2Jmallory\xef\xbf\xbd");
    assert_string_equal(output_cell(&kv[1].key, cell, sizeof cell), "branch\\x07");
    assert_ptr_equal(kv[1].val.via.str.ptr, clean); /* clean text is left where it was */
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_cells_are_shown_safe(void **state)
{
    (void)state;
    msgpack_object items[2] = {{.type = MSGPACK_OBJECT_STR, .via.str = {3, "a\x1b" "b"}},
                               {.type = MSGPACK_OBJECT_STR, .via.str = {1, "\x80"}}};
    msgpack_object list = {.type = MSGPACK_OBJECT_ARRAY, .via.array = {2, items}};
    char cell[64];
    assert_string_equal(output_cell(&list, cell, sizeof cell), "a\\x1bb, \xef\xbf\xbd");
}

/* output_padded of s to width columns, as a NUL-terminated heap string. */
static char *padded(const char *s, int width)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    output_padded(f, s, width);
    fclose(f);
    return buf;
}

static void expect_padded(const char *s, int width, const char *want)
{
    char *got = padded(s, width);
    assert_string_equal(got, want);
    free(got);
}

/* Issue 15 item 12: tables pad by what a terminal shows, whatever the locale (accordctl
 * never set one, accord only LANG's, so under C both printed Persian and Chinese names
 * blank). Chinese is 2 columns a character, ZWNJ and Persian vowel marks 0, an emoji 2. */
static void test_tables_pad_by_display_width(void **state)
{
    (void)state;
    assert_int_equal(output_width("王小明"), 6);
    assert_int_equal(output_width("می\u200cخواهم"), 7);       /* ZWNJ between the two parts */
    assert_int_equal(output_width("عَلی"), 3);               /* a fatha on the ain */
    assert_int_equal(output_width("\U0001F389 party"), 8);   /* 🎉 */
    assert_int_equal(output_width("\xff" "ab"), 3);          /* a byte that is not UTF-8: one column */
    expect_padded("王小明", 10, "王小明    ");
    expect_padded("می\u200cخواهم", 10, "می\u200cخواهم   ");
    expect_padded("\U0001F389 party", 10, "\U0001F389 party  ");
    expect_padded("tehran-1", 10, "tehran-1  ");
    /* cut with "…" where the next character would not fit: a wide one leaves a blank */
    expect_padded("王小明王小明", 8, "王小明… ");
    expect_padded("علی رضایی و شرکا", 12, "علی رضایی و…");
    expect_padded("\U0001F389\U0001F389\U0001F389", 5, "\U0001F389\U0001F389…");
    expect_padded("exactly", 7, "exactly");
    expect_padded("\xff", 3, "\xef\xbf\xbd  "); /* never a raw byte that is not UTF-8 */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    output_aligned(f, "王小明", 8);
    fputc('|', f);
    output_aligned(f, "王小明王小明", 8); /* longer: whole, no padding */
    fputc('|', f);
    fclose(f);
    assert_string_equal(buf, "王小明  |王小明王小明|");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_escapes_what_json_and_terminals_need),
        cmocka_unit_test(test_json_replaces_bytes_that_are_not_utf8),
        cmocka_unit_test(test_utf8_next),
        cmocka_unit_test(test_msgpack_floats_and_keys),
        cmocka_unit_test(test_text_for_tables),
        cmocka_unit_test(test_sanitize_a_reply),
        cmocka_unit_test(test_cells_are_shown_safe),
        cmocka_unit_test(test_tables_pad_by_display_width),
    };
    return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
