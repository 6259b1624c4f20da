/* SPDX-License-Identifier: MIT
 * output: how the CLIs show reply bodies: JSON for scripts, aligned tables for people.
 * Text from peers, users and files may hold terminal escapes (ESC [ ...) and bytes that are
 * not UTF-8: JSON escapes them (proto/json.h), and everything a table shows goes through
 * output_text, so neither output can carry a control sequence to the terminal. */
#ifndef ACCORD_OUTPUT_H
#define ACCORD_OUTPUT_H

#include <msgpack.h>
#include <stdio.h>

/* Writes o as JSON (strings escaped, binary as hex) followed by a newline. */
void output_json(FILE *f, const msgpack_object *o);
/* Writes s as a JSON string literal. */
void output_json_string(FILE *f, const char *s);
/* Copies the n bytes of s into out (cap > 0 bytes, always NUL-terminated, cut between two
 * characters) as text safe on a terminal: tab, newline and CR as \t \n \r; other C0
 * controls and DEL as \xNN (ESC: \x1b); C1 controls as \u00NN; each byte that is not
 * well-formed UTF-8 as U+FFFD. Returns out. */
const char *output_text(const char *s, size_t n, char *out, size_t cap);
/* Replaces every string in o (map keys too) that output_text would change with its
 * output_text form, allocated in zone (the one o was unpacked into); after it, a table
 * may print o's strings as they are. */
void output_sanitize(msgpack_object *o, msgpack_zone *zone);
/* Formats a scalar or a list of scalars for a table cell into out ("a, b"), strings as
 * output_text shows them. */
const char *output_cell(const msgpack_object *o, char *out, size_t cap);
/* The same, whole, in a string the caller frees. */
char *output_cell_dup(const msgpack_object *o);
/* Display width of UTF-8 text in terminal columns, whatever the locale (utf8proc's table):
 * Chinese and emoji 2, ZWNJ and combining marks 0, a byte that is not UTF-8 1. */
int output_width(const char *s);
/* Prints s padded with spaces to width columns by that width (cut with "…" if longer; a
 * byte that is not UTF-8 as U+FFFD). */
void output_padded(FILE *f, const char *s, int width);
/* Prints s, then spaces up to width columns; never cuts (printf's %-*s by display width,
 * for a column whose whole text matters). */
void output_aligned(FILE *f, const char *s, int width);

#endif
