/* SPDX-License-Identifier: MIT
 * Test helpers: temporary stores and a seeded random generator (ACCORD_SEED repeats a run). */
#ifndef ACCORD_TEST_HELPERS_H
#define ACCORD_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store/store.h"

static inline char *tmp_dir(void)
{
    char tmpl[] = "/tmp/accord-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static inline void rm_dir(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static uint64_t rng_state;

static inline void rng_seed(void)
{
    const char *s = getenv("ACCORD_SEED");
    rng_state = s ? strtoull(s, NULL, 10) : 0x9e3779b97f4a7c15ULL;
    if (!rng_state) rng_state = 1;
    fprintf(stderr, "# seed %llu (repeat with ACCORD_SEED=%llu)\n", (unsigned long long)rng_state,
            (unsigned long long)rng_state);
}

static inline uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static inline unsigned rng_below(unsigned n)
{
    return (unsigned)(rng() % n);
}

#endif
