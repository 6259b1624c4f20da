/* SPDX-License-Identifier: MIT
 * throttle: the failed sign-in table (throttle.h). A linear scan of 1,024 slots is a few
 * microseconds, against the ~0.1 s of the Argon2id check it stands before. */
#include "auth/throttle.h"

#include <stdio.h>
#include <string.h>

void throttle_init(throttle_t *t, const throttle_limits_t *lim)
{
    memset(t, 0, sizeof *t);
    t->lim = *lim;
}

static throttle_slot_t *find(throttle_t *t, const char *key, uint64_t now_ms)
{
    for (unsigned i = 0; i < THROTTLE_SLOTS; i++) {
        throttle_slot_t *s = &t->slots[i];
        if (!s->key[0] || strncmp(s->key, key, THROTTLE_KEY_MAX)) continue;
        if (now_ms >= s->locked_until_ms && now_ms - s->last_ms >= t->lim.forget_ms) { /* quiet long enough */
            memset(s, 0, sizeof *s);
            return NULL;
        }
        return s;
    }
    return NULL;
}

/* A free slot, else the one not locked used longest ago, else the oldest locked one. */
static throttle_slot_t *make_room(throttle_t *t, uint64_t now_ms)
{
    throttle_slot_t *unlocked = NULL, *locked = NULL;
    for (unsigned i = 0; i < THROTTLE_SLOTS; i++) {
        throttle_slot_t *s = &t->slots[i];
        if (!s->key[0]) return s;
        throttle_slot_t **best = now_ms >= s->locked_until_ms ? &unlocked : &locked;
        if (!*best || s->last_ms < (*best)->last_ms) *best = s;
    }
    throttle_slot_t *s = unlocked ? unlocked : locked;
    memset(s, 0, sizeof *s);
    return s;
}

uint64_t throttle_wait_ms(throttle_t *t, const char *key, uint64_t now_ms, bool *first)
{
    throttle_slot_t *s = find(t, key, now_ms);
    if (first) *first = false;
    if (!s || now_ms >= s->locked_until_ms) return 0;
    if (first) *first = !s->refusal_noted;
    s->refusal_noted = true;
    s->last_ms = now_ms;
    return s->locked_until_ms - now_ms;
}

uint64_t throttle_failed(throttle_t *t, const char *key, uint64_t now_ms)
{
    throttle_slot_t *s = find(t, key, now_ms);
    if (!s) {
        s = make_room(t, now_ms);
        snprintf(s->key, sizeof s->key, "%s", key);
    }
    s->failures++;
    s->last_ms = now_ms;
    if (s->failures <= t->lim.free_failures) return 0;
    uint64_t lock = t->lim.base_ms;
    for (uint32_t n = s->failures - t->lim.free_failures - 1; n && lock < t->lim.max_ms; n--) lock *= 2;
    if (lock > t->lim.max_ms) lock = t->lim.max_ms;
    s->locked_until_ms = now_ms + lock;
    s->refusal_noted = false;
    return lock;
}

void throttle_succeeded(throttle_t *t, const char *key)
{
    for (unsigned i = 0; i < THROTTLE_SLOTS; i++)
        if (t->slots[i].key[0] && !strncmp(t->slots[i].key, key, THROTTLE_KEY_MAX)) memset(&t->slots[i], 0, sizeof t->slots[i]);
}

unsigned throttle_used(const throttle_t *t)
{
    unsigned n = 0;
    for (unsigned i = 0; i < THROTTLE_SLOTS; i++) n += t->slots[i].key[0] != 0;
    return n;
}
