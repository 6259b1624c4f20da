/* SPDX-License-Identifier: MIT */
#include "proto/timeid.h"
#include "proto/crypto.h"

#include <string.h>

#define MS_MASK 0xffffffffffffULL /* 48 bits */

/* Why a counter and not a random part incremented (RFC 9562's other method): the counter
 * makes the order of one millisecond's ids exact, and leaves every id's random part fresh,
 * so ids made together do not share the leading digits of their short forms (an
 * incremented random part would: short ids typed would be ambiguous exactly for the
 * records made at the same time). 4,096 ids per millisecond is beyond any node's rate;
 * past it the next millisecond is borrowed, as hlc_tick borrows one, and the order holds. */
void timeid_make(timeid_clock_t *c, uint64_t now_ms, const uint8_t random[8], uint8_t out[ID_LEN])
{
    now_ms &= MS_MASK;
    if (now_ms > c->ms) {
        c->ms = now_ms;
        c->counter = 0;
    } else if (c->counter < TIMEID_COUNTER_MAX) {
        c->counter++;
    } else {
        c->ms = (c->ms + 1) & MS_MASK;
        c->counter = 0;
    }
    for (int i = 0; i < 6; i++) out[i] = (uint8_t)(c->ms >> (8 * (5 - i)));
    out[6] = (uint8_t)(0x70 | (c->counter >> 8));
    out[7] = (uint8_t)(c->counter & 0xff);
    out[8] = (uint8_t)(0x80 | (random[0] & 0x3f));
    memcpy(out + TIMEID_RANDOM_AT, random + 1, TIMEID_RANDOM_LEN);
}

bool timeid_is_timed(const uint8_t id[ID_LEN])
{
    return (id[6] >> 4) == 7 && (id[8] >> 6) == 2;
}

uint64_t timeid_ms(const uint8_t id[ID_LEN])
{
    uint64_t ms = 0;
    for (int i = 0; i < 6; i++) ms = ms << 8 | id[i];
    return ms;
}

void timeid_short(const uint8_t id[ID_LEN], unsigned digits, char *out)
{
    char hex[2 * ID_LEN + 1];
    crypto_hex(id, ID_LEN, hex);
    const char *from = timeid_is_timed(id) ? hex + 2 * TIMEID_RANDOM_AT : hex;
    size_t n = strlen(from);
    if (digits < n) n = digits;
    memcpy(out, from, n);
    out[n] = 0;
}

bool timeid_short_hex(const char *hex, unsigned digits, char *out, size_t cap)
{
    uint8_t id[ID_LEN];
    if (strlen(hex) != 2 * ID_LEN || crypto_unhex(hex, id, ID_LEN) || cap < (size_t)digits + 1) return false;
    timeid_short(id, digits, out);
    return true;
}
