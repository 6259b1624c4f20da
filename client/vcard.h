/* SPDX-License-Identifier: MIT
 * vcard: a strict, bounded reader of vCard 2.1/3.0/4.0 files (RFC 2426, RFC 6350) for
 * importing contacts as customers: line unfolding, groups, parameters, escapes,
 * QUOTED-PRINTABLE (old phones); other character sets are refused with a reason. */
#ifndef ACCORD_VCARD_H
#define ACCORD_VCARD_H

#include <stdio.h>

#define VCARD_MAX_LINE 16384 /* bytes of one unfolded property */
#define VCARD_MAX_VALUE 4096

typedef struct {
    char name[VCARD_MAX_VALUE + 1];
    char phones[VCARD_MAX_VALUE + 1];  /* joined by ';' */
    char emails[VCARD_MAX_VALUE + 1];  /* joined by ';' */
    char address[VCARD_MAX_VALUE + 1];
    char city[VCARD_MAX_VALUE + 1];
    char tags[VCARD_MAX_VALUE + 1];    /* joined by ';' */
    int company;                       /* ORG and no person's name */
} vcard_t;

/* Calls fn for each card in order (number from 1, the line it began on), with error set
 * (and the card partly filled) when the card cannot be read. Returns 0, or -1 when the
 * file itself is not a vCard file (error says why). fn returning nonzero stops. */
typedef int (*vcard_fn)(void *ctx, unsigned number, unsigned line, const vcard_t *card, const char *error);
int vcard_read(FILE *f, vcard_fn fn, void *ctx, char *error, size_t cap);

#endif
