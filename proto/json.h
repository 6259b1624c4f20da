/* SPDX-License-Identifier: MIT
 * json: writing JSON text — strings escaped, msgpack objects as JSON (binary as hex) — for
 * the CLIs' --json and the hub's HTTP endpoints, so both print the same bytes. */
#ifndef ACCORD_JSON_H
#define ACCORD_JSON_H

#include <msgpack.h>
#include <stddef.h>
#include <stdio.h>

void json_write_string(FILE *f, const char *s, size_t n);
void json_write_msgpack(FILE *f, const msgpack_object *o);

#endif
