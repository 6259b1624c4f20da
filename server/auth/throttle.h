/* SPDX-License-Identifier: MIT
 * throttle: failed sign-ins counted per key (an account, or a client address) in a table
 * of fixed size in memory, so that guessing passwords is slow and costs the node no
 * Argon2id hash while a key is locked.
 *
 * A key has THROTTLE limits.free_failures failures free; each one after them locks it for
 * base_ms, doubled with each further failure, at most max_ms. While locked, a sign-in is
 * refused without its password being checked (so it neither counts nor lengthens the
 * lock). A success forgets the key. A key whose last failure is older than forget_ms is
 * forgotten too. When the table is full, the slot used longest ago that is not locked
 * makes room (a locked one only when every slot is locked).
 *
 * Not thread-safe: one thread uses a table (the MHD thread, http_session.c). Nothing here
 * reads a clock: the caller gives now_ms. */
#ifndef ACCORD_THROTTLE_H
#define ACCORD_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define THROTTLE_SLOTS 1024
#define THROTTLE_KEY_MAX 80

typedef struct {
    uint32_t free_failures; /* failures before the first lock */
    uint64_t base_ms;       /* the first lock */
    uint64_t max_ms;        /* the longest lock */
    uint64_t forget_ms;     /* a key quiet this long starts afresh */
} throttle_limits_t;

typedef struct {
    char key[THROTTLE_KEY_MAX + 1]; /* "" if free */
    uint32_t failures;              /* since the key was last forgotten */
    uint64_t locked_until_ms;       /* refused until then (0: not locked) */
    uint64_t last_ms;               /* last failure or refusal */
    bool refusal_noted;             /* the first refusal of this lock was reported (throttle_wait) */
} throttle_slot_t;

typedef struct {
    throttle_limits_t lim;
    throttle_slot_t slots[THROTTLE_SLOTS];
} throttle_t;

/* An empty table with these limits. */
void throttle_init(throttle_t *t, const throttle_limits_t *lim);
/* 0 if key may try now; else the ms until it may. *first (may be NULL) is true for the
 * first refusal of a lock, so a caller can record one event a lock, not one a request. */
uint64_t throttle_wait_ms(throttle_t *t, const char *key, uint64_t now_ms, bool *first);
/* A failed try of key now: counts it and, past the free ones, locks the key. Returns the
 * lock it set (0: none yet). */
uint64_t throttle_failed(throttle_t *t, const char *key, uint64_t now_ms);
/* A successful try: key starts afresh. */
void throttle_succeeded(throttle_t *t, const char *key);
/* How many slots hold a key (for tests). */
unsigned throttle_used(const throttle_t *t);

#endif
