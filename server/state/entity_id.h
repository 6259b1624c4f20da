/* SPDX-License-Identifier: MIT
 * entity_id: an entity named by what a person types: its id in hex, whole, or the start of
 * its short form (proto/timeid.h). Both rules answer a short text:
 *   - the id's leading hex digits (a prefix of the key of TBL_KINDS), as ids have always
 *     been typed: every id, the random ones of old stores and of other peers too;
 *   - the leading digits of a time-ordered id's random part, its short form, found through
 *     its SHORTID term in the search index (state/index.h).
 * Each is one seek in a sorted table, whatever the number of entities. */
#ifndef ACCORD_ENTITY_ID_H
#define ACCORD_ENTITY_ID_H

#include "proto/record.h"
#include "store/store.h"

#define ENTITY_ID_MIN_DIGITS 4 /* the shortest text resolved */

/* Resolves a full id in hex or a unique hex prefix (>= 4 digits) of a stored entity, by
 * either rule above. 0 and the id; ACCORD_EINVAL for text that is not 4-32 hex digits;
 * ACCORD_ENOTFOUND; ACCORD_EAMBIGUOUS when it names more than one entity. */
int entity_resolve_id(store_txn_t *t, const char *hex, uint8_t id[ID_LEN]);
/* The same, and on ACCORD_EAMBIGUOUS up to max of the entities the text names into
 * candidates (in id order, first those its leading digits name), their count into *n
 * (*n = max + 1 when there are more than max). */
int entity_resolve_id_candidates(store_txn_t *t, const char *hex, uint8_t id[ID_LEN],
                                 uint8_t (*candidates)[ID_LEN], unsigned max, unsigned *n);

#endif
