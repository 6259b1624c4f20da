/* SPDX-License-Identifier: MIT
 * json: writing JSON text — strings escaped, msgpack objects as JSON (binary as hex) — for
 * the CLIs' --json and the hub's HTTP endpoints, so both print the same bytes. Every JSON
 * string any of them writes goes through json_write_string, which makes valid JSON of any
 * bytes: the text comes from peers, users, file names and query strings. */
#ifndef ACCORD_JSON_H
#define ACCORD_JSON_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The code point that starts s (n bytes, n > 0) in *cp; returns its length in bytes (1-4),
 * or 0 if s does not start with well-formed UTF-8 (a stray or missing continuation byte,
 * an overlong form, a surrogate, a code point above U+10FFFF). */
size_t json_utf8_next(const char *s, size_t n, uint32_t *cp);

/* Writes the n bytes of s as one JSON string literal, quotes included. Always valid JSON
 * (RFC 8259), and safe to show on a terminal: '"' and '\' escaped; C0 controls, DEL and
 * C1 controls (U+0080-U+009F) as \u00XX; U+2028 and U+2029 as \u2028, \u2029 (JavaScript
 * reads them as line ends); each byte that is not well-formed UTF-8 as \ufffd. */
void json_write_string(FILE *f, const char *s, size_t n);
/* json_write_string of a NUL-terminated s. */
void json_write_cstr(FILE *f, const char *s);
/* Writes o as JSON: strings as json_write_string does, binary as a hex string, a
 * non-string map key as "?", a float that is not finite (NaN, infinity) and any other
 * type as null. */
void json_write_msgpack(FILE *f, const msgpack_object *o);

#endif
