/* SPDX-License-Identifier: MIT
 * hlc: hybrid logical clocks packed in 64 bits: 48-bit Unix milliseconds, 16-bit counter.
 * Packed values compare as integers, so (hlc, origin) orders every write in Accord. */
#ifndef ACCORD_HLC_H
#define ACCORD_HLC_H

#include <stdint.h>

typedef struct {
    uint64_t last; /* the newest timestamp this clock has issued or seen */
} hlc_clock_t;

#define HLC_MS(h) ((h) >> 16)
#define HLC_PACK(ms, c) (((uint64_t)(ms) << 16) | ((uint64_t)(c) & 0xffff))

/* A timestamp greater than every one issued or seen before, given wall time now_ms. */
uint64_t hlc_tick(hlc_clock_t *c, uint64_t now_ms);
/* Folds a timestamp seen elsewhere into the clock (receive rule). */
void hlc_observe(hlc_clock_t *c, uint64_t remote);
/* Unix milliseconds (plus ACCORD_TEST_CLOCK_OFFSET_MS, for tests only: see hlc.c). */
uint64_t hlc_wall_ms(void);
/* ISO 8601 UTC "YYYY-MM-DDTHH:MM:SS.mmmZ" of the HLC's milliseconds; out holds >= 32 bytes. */
void hlc_format(uint64_t hlc, char *out, unsigned out_len);

/* Unix milliseconds of an ISO 8601 / RFC 3339 time people and scripts give: "YYYY-MM-DD"
 * (its midnight, UTC), "YYYY-MM-DDTHH:MM", "...:SS" or "...:SS.fff" (any digits: their
 * milliseconds), ended by Z or an offset "+HH:MM"/"-HH:MM" (a space stands for the '+'
 * a query string decodes as one); -1 if text is none of those or no such day. */
int hlc_parse_time(const char *text, uint64_t *ms);

#endif
