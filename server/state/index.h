/* SPDX-License-Identifier: MIT
 * index: the search index in TBL_INDEX, derived from entity state and changed in the same
 * transaction as the state it indexes. Key: type(1) term 0x00 entity(16), value empty.
 *   WORD   folded name words (prefix search)     GRAM  CJK characters and pairs
 *   PHONE  phone digits reversed (suffix search: a query drops its leading zeros and keeps at
 *          most its last 9 digits, so 0912..., +98 912... and 912... meet)
 *   EMAIL  lower-cased address (prefix)
 *   TAG    folded tag                             BRANCH owning branch   NATID national id
 * Being derived, the index of an entity depends only on its state, so replicas that hold
 * the same state hold the same index. */
#ifndef ACCORD_INDEX_H
#define ACCORD_INDEX_H

#include "proto/record.h"
#include "state/textnorm.h"
#include "store/store.h"

enum { IDX_WORD = 1, IDX_GRAM, IDX_PHONE, IDX_EMAIL, IDX_TAG, IDX_BRANCH, IDX_NATID,
       IDX_FOLDED /* key: type entity(16), value: the folded name, to check candidates */ };

#define INDEX_TERM_MAX 200 /* bytes of a term; longer ones are cut (search verifies names) */

typedef struct {
    uint16_t len;                    /* key length: type term 0x00 */
    uint8_t key[INDEX_TERM_MAX + 2];
} index_term_t;

/* The terms of one entity, as many as its state holds: no term is left out. A zeroed
 * index_terms_t is empty; its term array grows to the largest entity it has held and is
 * kept for the next use (the merge hot path allocates nothing once warm), so the owner
 * frees it with index_terms_release. */
typedef struct {
    size_t folded_len;                    /* the folded name, 0 if none */
    char folded[TEXTNORM_MAX + 1];
    unsigned n;                           /* terms held: sorted by key, each once */
    unsigned cap;                         /* room in terms */
    index_term_t *terms;                  /* owned */
    textnorm_token_t tok[TEXTNORM_MAX_TOKENS]; /* the name's words, while they are collected */
} index_terms_t;

/* True if changes to this field of this kind can change the entity's terms. */
bool index_field_indexed(unsigned kind, unsigned field);
/* Collects the terms of the entity's current state (none when deleted) into out, growing
 * its array if needed (aborts if out of memory). */
int index_terms(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, index_terms_t *out);
/* Brings the index from the terms in before to the entity's current terms, which it
 * collects in after (the caller's scratch, overwritten). */
int index_update(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind,
                 const index_terms_t *before, index_terms_t *after);
/* Frees the term array; ts is empty and reusable after. Safe to call twice. */
void index_terms_release(index_terms_t *ts);

typedef enum { SEARCH_AUTO, SEARCH_NAME, SEARCH_PHONE, SEARCH_EMAIL, SEARCH_TAG,
               SEARCH_BRANCH, SEARCH_NATID } search_by_t;

/* Finds up to max live entities of kind matching query; ids into out, count returned
 * (or a negative error; ACCORD_EINVAL names a query too short to search). *more (may be
 * NULL) says whether more may match: it found one past max, or it stopped at
 * INDEX_SEARCH_SCAN_MAX index keys looked at with keys left. */
#define INDEX_SEARCH_SCAN_MAX 20000 /* index keys looked at per query: bounds the worst case */
int index_search(store_txn_t *t, unsigned kind, search_by_t by, const char *query,
                 uint8_t (*out)[ID_LEN], int max, bool *more);

#endif
