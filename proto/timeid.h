/* SPDX-License-Identifier: MIT
 * timeid: the layout of the entity ids a node makes, and the short form of any entity id
 * that people see and type. Pure functions over bytes.
 *
 * A time-ordered id is RFC 9562's UUIDv7 layout, with its 12-bit counter (method 1):
 *   bytes 0-5   Unix milliseconds, 48 bits big-endian (the node's HLC or wall clock,
 *               whichever is later)
 *   byte  6     0x70 | counter bits 11-8       (version 7 in the high nibble)
 *   byte  7     counter bits 7-0
 *   byte  8     0x80 | 6 random bits           (variant 0b10 in the two high bits)
 *   bytes 9-15  56 random bits                 (the random part: the short form's digits)
 * Ids one node makes compare (memcmp) in the order they were made, so new entities land at
 * the end of every B-tree keyed by entity. A peer's ids stay any 16 bytes: nothing checks
 * this layout; an id only reads as time-ordered when its version and variant bits say so.
 *
 * Short form: a time-ordered id's leading digits are the clock, nearly the same for all
 * entities made in one hour, so its short form is the hex of its random part (bytes 9-15,
 * up to 14 digits); any other id's is its leading hex digits, as before. */
#ifndef ACCORD_TIMEID_H
#define ACCORD_TIMEID_H

#include "proto/record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMEID_COUNTER_MAX 0xfff /* ids of one millisecond before the next one is borrowed */
#define TIMEID_RANDOM_AT 9       /* the random part: bytes 9-15 */
#define TIMEID_RANDOM_LEN (ID_LEN - TIMEID_RANDOM_AT)
#define TIMEID_SHORT_MAX (2 * TIMEID_RANDOM_LEN) /* hex digits of the random part: 14 */
#define TIMEID_SHORT_CLI 12      /* digits the CLI's tables show */

typedef struct {
    uint64_t ms;      /* milliseconds of the last id made, 0 before the first */
    uint16_t counter; /* the last id's counter */
} timeid_clock_t;

/* A time-ordered id greater than every one c made before, at now_ms (Unix milliseconds):
 * the later of now_ms and c's last millisecond, the counter one more within a millisecond
 * (0 in a new one; past TIMEID_COUNTER_MAX the next millisecond is taken, so the order
 * holds at any rate). random: 8 fresh random bytes (byte 0's low 6 bits and bytes 1-7 are
 * used). */
void timeid_make(timeid_clock_t *c, uint64_t now_ms, const uint8_t random[8], uint8_t out[ID_LEN]);
/* True if id has the version 7 and variant bits of a time-ordered id. */
bool timeid_is_timed(const uint8_t id[ID_LEN]);
/* Unix milliseconds of a time-ordered id (its first 48 bits). */
uint64_t timeid_ms(const uint8_t id[ID_LEN]);
/* The short form of id: its first `digits` short-form hex digits (see above; at most
 * TIMEID_SHORT_MAX for a time-ordered id, 32 for another) into out, which holds digits + 1. */
void timeid_short(const uint8_t id[ID_LEN], unsigned digits, char *out);
/* The same for an id written in hex (32 digits, either case): true and the short form into
 * out (cap >= digits + 1, lower case); false and out untouched for any other text. */
bool timeid_short_hex(const char *hex, unsigned digits, char *out, size_t cap);

#endif
