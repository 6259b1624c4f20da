/* SPDX-License-Identifier: MIT
 * http_parse: the few pieces of an HTTP request the node reads itself (libmicrohttpd parses
 * the rest): a field of an application/x-www-form-urlencoded body, and the user and password
 * of a Basic Authorization header. Pure, bounded, fuzzed (tests/fuzz/fuzz_http.c). */
#ifndef ACCORD_HTTP_PARSE_H
#define ACCORD_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Copies the percent-decoded value of field name from body (len bytes) into out (cap
 * bytes, NUL-terminated). False if absent, malformed (bad %-escape, NUL) or too long. */
bool http_form_value(const char *body, size_t len, const char *name, char *out, size_t cap);
/* Splits "Basic base64(user:password)". False if not that, or a part is too long. */
bool http_basic_auth(const char *header, char *user, size_t user_cap, char *password, size_t pw_cap);

#endif
