/* SPDX-License-Identifier: MIT
 * The unit tests' node fixture: a fresh identity, store and feed (oplog) in a temporary
 * directory, the set-up most suites start from. tests/unit/fixture.c is linked into every
 * unit test (the Makefile finds tests/unit/ files other than test_*.c by wildcard).
 *
 *     fixture_t f;
 *     fixture_open(&f, "tehran-1", "branch");   // f.path holds the node; f.st, f.id, f.log
 *     ...
 *     fixture_close(&f);                        // closes them and removes the directory
 */
#ifndef ACCORD_TEST_FIXTURE_H
#define ACCORD_TEST_FIXTURE_H

#include <stdbool.h>

#include "auth/identity.h"
#include "feed/oplog.h"
#include "store/store.h"

typedef struct {
    char *dir;      /* the temporary directory, removed by fixture_close */
    char path[128]; /* the node's data directory inside it: DIR/n */
    store_t *st;
    identity_t *id;
    oplog_t *log;
} fixture_t;

/* Creates an identity NAME with ROLE ("branch" or "hub") in a new temporary directory,
 * opens its store (STORE_NOSYNC), loads the identity and opens its feed. Asserts that
 * every step succeeds. */
void fixture_open(fixture_t *f, const char *name, const char *role);

/* Destroys the feed and the identity, closes the store and removes the directory. */
void fixture_close(fixture_t *f);

/* Writes count customers named "PREFIX i" to f's own feed, each in its own commit (its
 * own signed checkpoint) with each_commit, else all in one. */
void fixture_write_customers(fixture_t *f, unsigned count, const char *prefix, bool each_commit);

/* The same on the heap, for cmocka set-ups whose state is a fixture_t; fixture_teardown
 * is such a test's teardown (fixture_free of *state). */
fixture_t *fixture_new(const char *name, const char *role);
void fixture_free(fixture_t *f);
int fixture_teardown(void **state);

/* Fails unless st's index holds exactly the terms that computing every entity's terms
 * afresh gives (merge updates only the terms of the fields a record changes). */
void fixture_assert_index_complete(store_t *st);

#endif
