/* SPDX-License-Identifier: MIT
 * dedupe: likely duplicate customers across every branch, and merging two of them.
 *
 * Two customers are likely the same person or company when they share a phone number or
 * an e-mail address (both stored normalised), or their names are equal once folded (case,
 * accents, Arabic/Persian letter variants, digits: textnorm.h). A value shared by more
 * than DEDUPE_MAX_GROUP customers (a company switchboard, "info@") is reported once as a
 * shared value, not as every pair.
 *
 * A merge is ordinary changes, so it replicates and converges like any other: every
 * contact, deal, task, interaction and note that points at the other customer points at
 * the kept one; the kept one gains the other's phones, e-mails and tags and any field it
 * lacks; the other becomes a tombstone whose merged_into names the kept one. */
#ifndef ACCORD_DEDUPE_H
#define ACCORD_DEDUPE_H

#include <msgpack.h>

#include "feed/oplog.h"
#include "store/store.h"

#define DEDUPE_MAX_GROUP 20
#define DEDUPE_NAME_KEY 126 /* bytes of a name key, with its NUL */

/* The key two names share when they are the same name: folded (textnorm.h), words
 * joined by one space. Returns its length. */
size_t dedupe_name_key(const char *name, size_t len, char out[DEDUPE_NAME_KEY]);

/* Packs {pairs: [{a, b, a_name, b_name, a_branch, b_branch, reasons: [str]}], shared:
 * [{value, customers}], customers} with at most limit pairs, most reasons first. */
int dedupe_scan(store_txn_t *t, unsigned limit, msgpack_packer *pk, char *msg, size_t cap);

typedef struct {
    unsigned moved;   /* records that pointed at the other customer */
    unsigned copied;  /* fields and set elements the kept customer gained */
} dedupe_merge_t;

/* Writes the merge of other into keep as records of this node's feed, by author. */
int dedupe_merge(store_txn_t *t, oplog_t *log, const char *author, const uint8_t keep[ID_LEN],
                 const uint8_t other[ID_LEN], dedupe_merge_t *out, char *msg, size_t cap);

#endif
