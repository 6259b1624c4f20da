/* SPDX-License-Identifier: MIT
 * http_json: an /api/v1 body into the local API's arguments (issue 18): each JSON shape to
 * the argument the CLI would send, lines as create's key=value text, and every refusal. */
#include "helpers.h"

#include "http/http_json.h"
#include "proto/accord_err.h"
#include "proto/request.h"
#include "proto/schema.h"

#include <msgpack.h>

/* The arguments as "key=value" lines: text as is, numbers as digits, true/false, nil, a
 * list as [a|b]. */
static void args_text(const accord_args_t *a, char *out, size_t cap)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0, n = 0;
    out[0] = 0;
    for (unsigned i = 0; i < 2 * a->n; i++) {
        assert_int_equal(msgpack_unpack_next(&u, a->buf.data, a->buf.size, &off), MSGPACK_UNPACK_SUCCESS);
        const msgpack_object *o = &u.data;
        bool key = i % 2 == 0;
        switch (o->type) {
        case MSGPACK_OBJECT_STR: n += (size_t)snprintf(out + n, cap - n, "%.*s", (int)o->via.str.size, o->via.str.ptr); break;
        case MSGPACK_OBJECT_BOOLEAN: n += (size_t)snprintf(out + n, cap - n, "%s", o->via.boolean ? "true" : "false"); break;
        case MSGPACK_OBJECT_NIL: n += (size_t)snprintf(out + n, cap - n, "nil"); break;
        case MSGPACK_OBJECT_ARRAY:
            n += (size_t)snprintf(out + n, cap - n, "[");
            for (uint32_t j = 0; j < o->via.array.size; j++)
                n += (size_t)snprintf(out + n, cap - n, "%s%.*s", j ? "|" : "", (int)o->via.array.ptr[j].via.str.size,
                                      o->via.array.ptr[j].via.str.ptr);
            n += (size_t)snprintf(out + n, cap - n, "]");
            break;
        default: fail_msg("unexpected type %d", o->type);
        }
        n += (size_t)snprintf(out + n, cap - n, "%s", key ? "=" : "\n");
    }
    msgpack_unpacked_destroy(&u);
}

static int decode(const char *body, char *out, size_t cap, char *msg)
{
    accord_args_t a;
    accord_args_init(&a);
    msg[0] = 0;
    int rc = http_json_args(body, strlen(body), &a, msg, 512);
    if (!rc) args_text(&a, out, cap);
    accord_args_destroy(&a);
    return rc;
}

static void test_shapes_become_the_apis_arguments(void **state)
{
    (void)state;
    char out[2048], msg[512];
    assert_int_equal(decode("{\"name\":\"Sara Ahmadi\",\"amount\":1200.5,\"qty\":3,\"price\":19.99,\"consent_sms\":true,"
                            "\"city\":null,\"tags\":[\"vip\",\"fleet\"],\"remove:tags\":[\"old\"]}", out, sizeof out, msg), 0);
    assert_string_equal(out, "name=Sara Ahmadi\namount=1200.5\nqty=3\nprice=19.99\nconsent_sms=true\ncity=nil\n"
                             "tags=[vip|fleet]\nremove:tags=[old]\n");
    /* lines: each object as create's key=value&... text, percent-encoded */
    assert_int_equal(decode("{\"lines\":[{\"qty\":2,\"price\":\"12.50\",\"description\":\"Oil & filter = 5%\"},"
                            "{\"description\":\"\\u0631\\u0648\\u063a\\u0646\"}]}", out, sizeof out, msg), 0);
    assert_string_equal(out, "lines=[qty=2&price=12.50&description=Oil%20%26%20filter%20%3D%205%25|"
                             "description=%D8%B1%D9%88%D8%BA%D9%86]\n");
    assert_int_equal(decode("{}", out, sizeof out, msg), 0);
    assert_string_equal(out, "");
}

static void refused(const char *body, int code, const char *words)
{
    char out[2048], msg[512];
    assert_int_equal(decode(body, out, sizeof out, msg), code);
    if (!strstr(msg, words)) fail_msg("'%s' does not say '%s'", msg, words);
}

static void test_bad_bodies_are_refused_saying_why(void **state)
{
    (void)state;
    refused("{\"name\":", ACCORD_EINVAL, "not JSON");
    refused("[\"name\"]", ACCORD_EINVAL, "one JSON object");
    refused("\"Sara\"", ACCORD_EINVAL, "one JSON object");
    refused("{\"name\":\"a\",\"name\":\"b\"}", ACCORD_EINVAL, "duplicate");
    refused("{\"name\":{\"first\":\"Sara\"}}", ACCORD_EINVAL, "name: give text");
    refused("{\"tags\":[[\"x\"]]}", ACCORD_EINVAL, "tags[0]");
    refused("{\"tags\":[true]}", ACCORD_EINVAL, "tags[0]");
    refused("{\"user\":\"boss\"}", ACCORD_EINVAL, "token");
    refused("{\"id\":\"01\"}", ACCORD_EINVAL, "URL");
    refused("{\"etag\":\"x\"}", ACCORD_EINVAL, "If-Match");
    refused("{\"if_match\":\"x\"}", ACCORD_EINVAL, "If-Match");
    refused("{\"Name\":\"x\"}", ACCORD_EINVAL, "no such field");
    refused("{\"na me\":\"x\"}", ACCORD_EINVAL, "no such field");
    refused("{\"lines\":[\"qty=2\"]}", ACCORD_EINVAL, "lines[0]: give an object");
    refused("{\"lines\":[{\"qty\":[2]}]}", ACCORD_EINVAL, "lines[0].qty");
    refused("{\"name\":\"a\\u0000b\"}", ACCORD_EINVAL, "not JSON"); /* no NUL in text */
    char body[20000];
    size_t n = (size_t)snprintf(body, sizeof body, "{\"name\":\"");
    memset(body + n, 'x', 9000);
    snprintf(body + n + 9000, sizeof body - n - 9000, "\"}");
    refused(body, ACCORD_ETOOBIG, "8192");
    n = (size_t)snprintf(body, sizeof body, "{");
    for (int i = 0; i < 41; i++) n += (size_t)snprintf(body + n, sizeof body - n, "%s\"f%d\":1", i ? "," : "", i);
    snprintf(body + n, sizeof body - n, "}");
    refused(body, ACCORD_ETOOBIG, "at most 40 fields");
    n = (size_t)snprintf(body, sizeof body, "{\"tags\":[");
    for (int i = 0; i < 129; i++) n += (size_t)snprintf(body + n, sizeof body - n, "%s\"t\"", i ? "," : "");
    snprintf(body + n, sizeof body - n, "]}");
    refused(body, ACCORD_ETOOBIG, "at most 128 items");
}

/* What http_json_args takes, packed as the client packs a call, is a request the node's
 * decoder takes: a body it passed but the node could not read was never answered (the
 * HTTP thread waited for the call's timeout, every other request of the node's pages too). */
static int as_request(const char *body)
{
    accord_args_t a;
    accord_args_init(&a);
    char msg[512];
    int rc = http_json_args(body, strlen(body), &a, msg, sizeof msg);
    if (!rc) {
        msgpack_sbuffer out;
        msgpack_sbuffer_init(&out);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);
        msgpack_pack_array(&pk, 3);
        msgpack_pack_uint64(&pk, 1);
        msgpack_pack_str_with_body(&pk, "create", 6);
        msgpack_pack_map(&pk, a.n);
        msgpack_sbuffer_write(&out, a.buf.data, a.buf.size);
        static request_t req;
        rc = request_decode(out.data, out.size, &req);
        msgpack_sbuffer_destroy(&out);
        if (rc) fail_msg("http_json_args took it, the node's decoder did not (%d)", rc);
    } else if (!strstr(msg, "in all")) fail_msg("refused, but not for its lists' items in all: %s", msg);
    accord_args_destroy(&a);
    return rc;
}

static void test_what_is_taken_the_node_reads(void **state)
{
    (void)state;
    char body[8192];
    /* 100 tags and 100 more to add: each list within its bound, 200 items in one request */
    size_t n = (size_t)snprintf(body, sizeof body, "{\"tags\":[");
    for (int i = 0; i < 100; i++) n += (size_t)snprintf(body + n, sizeof body - n, "%s\"t%d\"", i ? "," : "", i);
    n += (size_t)snprintf(body + n, sizeof body - n, "],\"add:tags\":[");
    for (int i = 0; i < 100; i++) n += (size_t)snprintf(body + n, sizeof body - n, "%s\"u%d\"", i ? "," : "", i);
    snprintf(body + n, sizeof body - n, "]}");
    assert_int_equal(as_request(body), ACCORD_ETOOBIG);
    /* 64 and 64: the bound itself, taken */
    n = (size_t)snprintf(body, sizeof body, "{\"tags\":[");
    for (int i = 0; i < 64; i++) n += (size_t)snprintf(body + n, sizeof body - n, "%s\"t%d\"", i ? "," : "", i);
    n += (size_t)snprintf(body + n, sizeof body - n, "],\"phones\":[");
    for (int i = 0; i < 64; i++) n += (size_t)snprintf(body + n, sizeof body - n, "%s\"0912%07d\"", i ? "," : "", i);
    snprintf(body + n, sizeof body - n, "]}");
    assert_int_equal(as_request(body), 0);
}

/* The text a JSON number becomes, as the one argument of {"v": number}. */
static void number_as_text(const char *number, char *out, size_t cap)
{
    char body[128], lines[256], msg[512];
    snprintf(body, sizeof body, "{\"v\":%s}", number);
    assert_int_equal(decode(body, lines, sizeof lines, msg), 0);
    assert_true(!strncmp(lines, "v=", 2));
    snprintf(out, cap, "%.*s", (int)strcspn(lines + 2, "\n"), lines + 2);
}

/* A JSON number's '.' is its decimal point: the text it becomes is read so by the amount,
 * quantity and rate parsers, which take 1.005 typed by a person as a thousand and five. */
static void test_a_numbers_point_is_a_decimal_point(void **state)
{
    (void)state;
    char text[64];
    int64_t v;
    const char *why;
    number_as_text("1.005", text, sizeof text);
    assert_int_equal(schema_money_parse(text, "EUR", &v, &why), ACCORD_EINVAL); /* not 1,005.00 EUR */
    assert_non_null(strstr(why, "decimals"));
    assert_int_equal(schema_quantity_parse(text, &v, &why), 0);
    assert_int_equal(v, 1005); /* 1.005 units */
    number_as_text("19.999", text, sizeof text);
    assert_int_equal(schema_money_parse(text, "EUR", &v, &why), ACCORD_EINVAL);
    number_as_text("12.345", text, sizeof text);
    assert_int_equal(schema_money_parse(text, "IQD", &v, &why), 0); /* three minor digits */
    assert_int_equal(v, 12345);
    number_as_text("1200.5", text, sizeof text);
    assert_int_equal(schema_money_parse(text, "EUR", &v, &why), 0);
    assert_int_equal(v, 120050);
    number_as_text("19.99", text, sizeof text);
    assert_string_equal(text, "19.99");
    number_as_text("1.0e3", text, sizeof text);
    assert_string_equal(text, "1000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_become_the_apis_arguments),
        cmocka_unit_test(test_bad_bodies_are_refused_saying_why),
        cmocka_unit_test(test_what_is_taken_the_node_reads),
        cmocka_unit_test(test_a_numbers_point_is_a_decimal_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
