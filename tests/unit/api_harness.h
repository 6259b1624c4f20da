/* SPDX-License-Identifier: MIT
 * api_harness: the local API in process, for the unit suites that call its verbs: a branch
 * node (a fixture with an api_t over it), one request run and committed as the node's loop
 * runs and commits it, and the reply kept for reading. */
#ifndef ACCORD_TEST_API_HARNESS_H
#define ACCORD_TEST_API_HARNESS_H

#include "fixture.h"
#include "api/api.h"

#include <msgpack.h>
#include <stdbool.h>

typedef struct {
    fixture_t fx; /* a branch: its store, identity and feed in a temporary directory */
    api_t *api;   /* over fx's store, feed and identity */
} node_t;

typedef struct {
    int code;
    char msg[512];
    msgpack_unpacked out;
    char *copy; /* the reply's bytes: out points into them */
    bool live;  /* out holds a reply to free before the next */
} result_t;

/* A branch node named name with the pipeline Lead, Won, Lost. */
void node_open(node_t *n, const char *name);
/* The same with the role of the node: "branch" or "hub". */
void node_open_as(node_t *n, const char *name, const char *role);
void node_close(node_t *n);
/* Runs one request given as alternating key/value strings (NULL ends; value "\1nil" is nil,
 * "\2" then digits a number, "\3" true, "\4" then strings each ended by "\x1e" a list), committed as the node commits it; the reply (or
 * the refusal's code and message) into r. */
void call(node_t *n, result_t *r, const char *verb, ...);
void result_done(result_t *r);
/* The value of key in map, NULL if map is not a map or has no such key. */
const msgpack_object *get(const msgpack_object *map, const char *key);
/* Copies every record of from's own feed that to lacks into to's store and applies it,
 * as sync does (without the signatures' checks: both are this process's nodes). */
void replicate(node_t *from, node_t *to);
/* A string value of map, "" when absent or not a string (one of 8 buffers, in turn). */
const char *text(const msgpack_object *map, const char *key);
/* An integer value of map; fails the test when absent. */
int64_t num(const msgpack_object *map, const char *key);
/* The request was done (else the test fails, printing the refusal). */
void ok(result_t *r);
/* The request was done and replied an id: into out (33 bytes); r is freed. */
void id_of(result_t *r, char *out);
/* The request was refused with code and a message holding words; r is freed. */
void refused(result_t *r, int code, const char *words);

#endif
