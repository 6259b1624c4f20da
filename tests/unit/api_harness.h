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
void node_close(node_t *n);
/* Runs one request given as alternating key/value strings (NULL ends; value "\1nil" is nil,
 * "\2" then digits a number, "\3" true, "\4" then strings each ended by "\x1e" a list), committed as the node commits it; the reply (or
 * the refusal's code and message) into r. */
void call(node_t *n, result_t *r, const char *verb, ...);
void result_done(result_t *r);
/* The value of key in map, NULL if map is not a map or has no such key. */
const msgpack_object *get(const msgpack_object *map, const char *key);

#endif
