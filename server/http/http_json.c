/* SPDX-License-Identifier: MIT
 * http_json: an /api/v1 body into the local API's arguments (http_json.h). */
#define _POSIX_C_SOURCE 200809L
#include "http/http_json.h"
#include "proto/accord_err.h"
#include "proto/request.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_TEXT_MAX 8192 /* the local API's longest string */
#define JSON_KEY_MAX 40    /* and its longest key */
/* what a body passes, the node's decoder reads (else the call is never answered) */
_Static_assert(JSON_TEXT_MAX <= REQUEST_MAX_STR && JSON_KEY_MAX <= REQUEST_MAX_KEY, "a body's text past the node's");
_Static_assert(HTTP_JSON_MAX_ITEMS <= REQUEST_MAX_ITEMS && HTTP_JSON_MAX_KEYS < REQUEST_MAX_ARGS, "a body past the node's");

/* Keys a body may not hold: the URL, the token and the headers say them, or the node keeps them. */
static const char *const not_in_a_body[][2] = {
    {"id", "the id is the URL's"},
    {"kind", "the kind is the URL's collection"},
    {"user", "the author is the token's or the session's user"},
    {"user_default", "the author is the token's or the session's user"},
    {"if_match", "send the etag in the If-Match header"},
    {"etag", "the node keeps it: send it in the If-Match header"},
    {"updated", "the node keeps it"},
    {"deleted", "delete a record with DELETE"},
};

/* A number as the text a person would type: integers exactly, others to 15 digits (what a
 * double holds: 19.99 stays 19.99). A number's '.' is its decimal point, but the amount and
 * rate parsers read a lone '.' before three digits as a person's thousands separator
 * (1.005 is a thousand and five): such a fraction gets a fourth digit, a 0, that leaves it
 * a decimal point (1.0050: too precise for EUR, 1.005 as a quantity). */
static bool number_text(const json_t *v, char *out, size_t cap)
{
    if (json_is_integer(v)) {
        snprintf(out, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return true;
    }
    double d = json_real_value(v);
    if (!isfinite(d)) return false;
    int n = snprintf(out, cap, "%.15g", d);
    const char *point = strchr(out, '.');
    if (point && !strchr(out, 'e') && strlen(point + 1) == 3 && (size_t)n + 1 < cap) strcat(out, "0");
    return true;
}

/* A scalar of a list or a line: text or a number, into *out (text borrowed, or buf). */
static bool item_text(const json_t *v, char *buf, size_t cap, const char **out)
{
    if (json_is_string(v)) {
        if (json_string_length(v) > JSON_TEXT_MAX) return false;
        *out = json_string_value(v);
        return true;
    }
    if (json_is_number(v) && number_text(v, buf, cap)) {
        *out = buf;
        return true;
    }
    return false;
}

/* Appends s to a line's text, percent-encoded as a form is (proto/formline.h decodes it). */
static bool put_encoded(char *line, size_t *n, size_t cap, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                     *p == '-' || *p == '_' || *p == '.' || *p == '~';
        if (*n + 4 > cap) return false;
        if (plain) line[(*n)++] = (char)*p;
        else line[(*n)++] = '%', line[(*n)++] = hex[*p >> 4], line[(*n)++] = hex[*p & 15];
    }
    line[*n] = 0;
    return true;
}

/* One line object as create's "key=value&..." text. */
static int line_text(const json_t *obj, unsigned i, char *line, size_t cap, char *msg, size_t mcap)
{
    if (!json_is_object(obj)) return accord_fail(msg, mcap, ACCORD_EINVAL, "lines[%u]: give an object, {\"product\": ID, \"qty\": 2}", i);
    size_t n = 0;
    const char *key;
    json_t *v;
    line[0] = 0;
    json_object_foreach((json_t *)obj, key, v) {
        char num[64];
        const char *val;
        if (!item_text(v, num, sizeof num, &val))
            return accord_fail(msg, mcap, ACCORD_EINVAL, "lines[%u].%.40s: give text or a number", i, key);
        if (n + 2 >= cap) return accord_fail(msg, mcap, ACCORD_ETOOBIG, "lines[%u]: at most %zu bytes", i, cap / 3);
        if (n) line[n++] = '&';
        if (!put_encoded(line, &n, cap, key) || n + 2 >= cap)
            return accord_fail(msg, mcap, ACCORD_ETOOBIG, "lines[%u]: at most %zu bytes", i, cap / 3);
        line[n++] = '=';
        line[n] = 0;
        if (!put_encoded(line, &n, cap, val)) return accord_fail(msg, mcap, ACCORD_ETOOBIG, "lines[%u]: at most %zu bytes", i, cap / 3);
    }
    return 0;
}

/* A list: of text and numbers, or for lines of objects. *n_items counts the body's list
 * items so far: the node reads at most HTTP_JSON_MAX_ITEMS in one request, all lists together. */
static int add_list(accord_args_t *args, const char *key, const json_t *arr, size_t *n_items, char *msg, size_t cap)
{
    size_t n = json_array_size(arr);
    if (n > HTTP_JSON_MAX_ITEMS) return accord_fail(msg, cap, ACCORD_ETOOBIG, "%s: at most %d items", key, HTTP_JSON_MAX_ITEMS);
    if ((*n_items += n) > HTTP_JSON_MAX_ITEMS)
        return accord_fail(msg, cap, ACCORD_ETOOBIG, "%s: the lists of a body hold at most %d items in all: send the rest in another PATCH",
                           key, HTTP_JSON_MAX_ITEMS);
    bool lines = !strcmp(key, "lines");
    const char **vals = calloc(n ? n : 1, sizeof *vals);
    char (*bufs)[JSON_TEXT_MAX + 1] = calloc(n ? n : 1, sizeof *bufs);
    if (!vals || !bufs) abort();
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const json_t *v = json_array_get(arr, i);
        if (lines) rc = line_text(v, (unsigned)i, bufs[i], sizeof bufs[i], msg, cap), vals[i] = bufs[i];
        else if (!item_text(v, bufs[i], sizeof bufs[i], &vals[i]))
            rc = accord_fail(msg, cap, ACCORD_EINVAL, "%s[%zu]: give text or a number (at most %d bytes)", key, i, JSON_TEXT_MAX);
    }
    if (!rc) accord_args_strv(args, key, vals, (unsigned)n);
    free(bufs);
    free(vals);
    return rc;
}

static int add_field(accord_args_t *args, const char *key, const json_t *v, size_t *n_items, char *msg, size_t cap)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (json_string_length(v) > JSON_TEXT_MAX) return accord_fail(msg, cap, ACCORD_ETOOBIG, "%s: at most %d bytes", key, JSON_TEXT_MAX);
        accord_args_str(args, key, json_string_value(v));
        return 0;
    case JSON_INTEGER:
    case JSON_REAL:
        if (!number_text(v, num, sizeof num)) return accord_fail(msg, cap, ACCORD_EINVAL, "%s: not a number", key);
        accord_args_str(args, key, num);
        return 0;
    case JSON_TRUE:
    case JSON_FALSE: accord_args_bool(args, key, json_is_true(v)); return 0;
    case JSON_NULL: accord_args_nil(args, key); return 0;
    case JSON_ARRAY: return add_list(args, key, v, n_items, msg, cap);
    case JSON_OBJECT: break;
    }
    return accord_fail(msg, cap, ACCORD_EINVAL, "%s: give text, a number, true or false, null or a list", key);
}

static int check_key(const char *key, char *msg, size_t cap)
{
    size_t n = strlen(key);
    if (!n || n > JSON_KEY_MAX) return accord_fail(msg, cap, ACCORD_EINVAL, "a field's name is 1 to %d bytes", JSON_KEY_MAX);
    for (size_t i = 0; i < sizeof not_in_a_body / sizeof not_in_a_body[0]; i++)
        if (!strcmp(key, not_in_a_body[i][0]))
            return accord_fail(msg, cap, ACCORD_EINVAL, "%s: not a field of the body (%s)", key, not_in_a_body[i][1]);
    for (size_t i = 0; i < n; i++) {
        char ch = key[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == ':'))
            return accord_fail(msg, cap, ACCORD_EINVAL, "'%.40s': no such field (names are a-z, 0-9, _ and add:/remove:)", key);
    }
    return 0;
}

int http_json_args(const char *body, size_t len, accord_args_t *args, char *msg, size_t cap)
{
    if (len > HTTP_JSON_MAX) return accord_fail(msg, cap, ACCORD_ETOOBIG, "a body is at most %u KiB", HTTP_JSON_MAX >> 10);
    json_error_t err;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!root) return accord_fail(msg, cap, ACCORD_EINVAL, "the body is not JSON: %s (line %d, column %d)", err.text, err.line, err.column);
    int rc = 0;
    if (!json_is_object(root)) rc = accord_fail(msg, cap, ACCORD_EINVAL, "the body is one JSON object of fields, {\"name\": \"Sara\"}");
    else if (json_object_size(root) > HTTP_JSON_MAX_KEYS)
        rc = accord_fail(msg, cap, ACCORD_ETOOBIG, "a body has at most %d fields", HTTP_JSON_MAX_KEYS);
    const char *key;
    json_t *v;
    size_t n_items = 0;
    if (!rc) json_object_foreach(root, key, v) {
            if ((rc = check_key(key, msg, cap)) || (rc = add_field(args, key, v, &n_items, msg, cap))) break;
        }
    json_decref(root);
    return rc;
}
