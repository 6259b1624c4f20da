/* SPDX-License-Identifier: MIT
 * output: how the CLIs show reply bodies: JSON for scripts, aligned tables for people. */
#ifndef ACCORD_OUTPUT_H
#define ACCORD_OUTPUT_H

#include <msgpack.h>
#include <stdio.h>

/* Writes o as JSON (strings escaped, binary as hex) followed by a newline. */
void output_json(FILE *f, const msgpack_object *o);
/* Writes s as a JSON string literal. */
void output_json_string(FILE *f, const char *s);
/* Formats a scalar or a list of scalars for a table cell into out ("a, b"), cut to cap. */
const char *output_cell(const msgpack_object *o, char *out, size_t cap);
/* The same, whole, in a string the caller frees. */
char *output_cell_dup(const msgpack_object *o);
/* Display width of UTF-8 text in terminal columns (CJK counts 2). */
int output_width(const char *s);
/* Prints s padded with spaces to width columns (cut with "…" if longer). */
void output_padded(FILE *f, const char *s, int width);

#endif
