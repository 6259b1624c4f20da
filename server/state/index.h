/* SPDX-License-Identifier: MIT
 * index: the search index in TBL_INDEX, derived from entity state and changed in the same
 * transaction as the state it indexes. Key: type(1) term 0x00 entity(16), value empty.
 *   WORD   folded name words (prefix search)     GRAM  CJK characters and pairs
 *          (a contact's: CONTACT_WORD and CONTACT_GRAM, so a search of contacts walks theirs)
 *   PHONE  phone digits reversed (suffix search: a query drops its leading zeros and keeps at
 *          most its last 9 digits, so 0912..., +98 912... and 912... meet)
 *   EMAIL  lower-cased address (prefix)
 *   TAG    folded tag                             BRANCH owning branch   NATID national id
 *   EMAILSUB every suffix of an address from its second byte, of 3 bytes or more: a prefix
 *          of one is a part of the address (search finds "karimi" in ali.karimi@gmail.com)
 *   ORDER  kind(1) field(1) value: one term per live entity for each field lists sort and
 *          filter it by (index_order_field), the field's value cut at INDEX_ORDER_VALUE_MAX
 *          bytes; text folded as names are (branch, stage, dates as they are; a reference
 *          its 16 bytes); an empty field is the one byte 0xff, after every value (UTF-8
 *          never holds it). Read in key order, the terms of one field are the entities of
 *          the kind in that field's order (ties by id); the terms of one value are the
 *          entities holding it, in id order. A deal's stage term carries, after the stage,
 *          0x00, 1 if it has an amount, its currency (3 bytes, zero-padded) and the amount
 *          (8, big-endian, sign bit flipped), for the board's totals; an invoice's issued term,
 *          0x00 and its number folded (24 bytes at most), so a day's invoices sort by number.
 *   SHORTID the 7 random bytes of a time-ordered id (its bytes 9-15, proto/timeid.h), one
 *          term per stored entity whose id is time-ordered, made when it is first stored
 *          and kept while it is deleted (until compaction takes the entity away), so that
 *          the short id people see and type resolves (state/entity_id.h) without a scan.
 * Being derived, the index of an entity depends only on its state, so replicas that hold
 * the same state hold the same index. */
#ifndef ACCORD_INDEX_H
#define ACCORD_INDEX_H

#include "proto/record.h"
#include "state/textnorm.h"
#include "store/store.h"

enum { IDX_WORD = 1, IDX_GRAM, IDX_PHONE, IDX_EMAIL, IDX_TAG, IDX_BRANCH, IDX_NATID,
       IDX_FOLDED, /* key: type entity(16), value: the folded name, to check candidates */
       IDX_ORDER, IDX_EMAILSUB, IDX_CONTACT_WORD, IDX_CONTACT_GRAM,
       IDX_SHORTID, /* term: a time-ordered id's random part (proto/timeid.h), its short form */
       IDX_USER_SINCE, /* term: a user's making, the HLC (8 BE) of the older of its created and login
                        * versions: the first term is when the org's people began (people.h) */
       IDX_LEGACY /* term: origin(16) seq(8 BE) writer(16), one per pair of a user's legacy field,
                   * writer the origin that wrote the element (people_legacy_seq) */ };

/* What the index of this version holds; a store whose index an older version built is
 * rebuilt once when the node starts (index_upgrade). */
#define INDEX_VERSION 5 /* 5: users' logins and making, branches' nodes and regions; 4: SHORTID terms; 3: the sales and service kinds' terms */
#define INDEX_ORDER_VALUE_MAX 40 /* bytes of a value that order and filter terms keep: the
                                  * term and an id fit the store's 64-byte prefix and seek */

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
/* Collects the terms of the entity's current state (only its SHORTID term when deleted,
 * none when it is not stored) into out, growing its array if needed (aborts if out of
 * memory). */
int index_terms(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, index_terms_t *out);
/* The same, restricted to the terms that fields of mask (bit 1 << field) decide: the
 * terms of the other fields cannot have changed when only those fields did, so a record
 * that edits one field computes and compares only that field's terms (merge.c: computing
 * them all twice was a third of catch-up). INDEX_ALL_FIELDS: every term. */
#define INDEX_ALL_FIELDS UINT64_MAX
int index_terms_of(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, uint64_t mask, index_terms_t *out);
/* The mask of the fields rec's ops change; INDEX_ALL_FIELDS for a delete (all terms go). */
uint64_t index_fields_mask(const record_t *rec);
int index_update_of(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, uint64_t mask,
                    const index_terms_t *before, index_terms_t *after);
/* Brings the index from the terms in before to the entity's current terms, which it
 * collects in after (the caller's scratch, overwritten). */
int index_update(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind,
                 const index_terms_t *before, index_terms_t *after);
/* Frees the term array; ts is empty and reusable after. Safe to call twice. */
void index_terms_release(index_terms_t *ts);

/* Removes the SHORTID term of an entity that compaction takes out of the state (the only
 * term a deleted entity keeps). */
int index_forget_entity(store_txn_t *t, const uint8_t id[ID_LEN]);

/* Builds the index again from the entities' state if an older version built it (or none
 * did: a new store), in one transaction of its own, and notes INDEX_VERSION in TBL_META;
 * a crash leaves the old index, and the next start does it again. *entities is UINT64_MAX
 * if nothing was to do, else how many entities were indexed. Called when the node starts. */
int index_upgrade(store_t *st, uint64_t *entities);
/* True if the index is this version's: its meta "index-version" says INDEX_VERSION, or the
 * store has no version and nothing to index (a new store). accordctl check compares only
 * such an index; an older one differs by design until the node's start rebuilds it. */
bool index_current(store_txn_t *t);
/* Notes INDEX_VERSION in TBL_META: a new store, or an index derived again (check --repair). */
int index_note_version(store_txn_t *t);

/* ---- lists (index_list.c): pages in a field's order, filters, totals ---- */

/* The field of kind that lists sort and filter by under this name (a field's name in the
 * schema: name, created, city, branch, segment, assigned, stage, due, ...), or -1. */
int index_order_field(unsigned kind, const char *name);

/* One filter: the records whose terms start with prefix (an exact value). */
typedef struct {
    uint8_t prefix[INDEX_TERM_MAX + 2];
    size_t len;
} index_filter_t;

/* The records of kind whose field (an index_order_field of kind) holds value (len bytes;
 * folded as the index folds that field, so "Tehran" finds "tehran"); a reference field's
 * value is its 16 bytes. ACCORD_EINVAL if the field is not one lists filter by. */
int index_filter_value(index_filter_t *f, unsigned kind, unsigned field, const void *value, size_t len);
/* The records whose tags hold tag (folded; of any kind that has tags). */
int index_filter_tag(index_filter_t *f, const char *tag, size_t len);

/* Whether the record id holds the filter's value (one lookup). */
bool index_filter_holds(store_txn_t *t, const index_filter_t *f, const uint8_t id[ID_LEN]);

/* A check of one record the index cannot make (a task's due date): true if it passes. */
typedef bool (*index_check_fn)(void *ctx, const uint8_t id[ID_LEN]);

typedef struct {
    unsigned kind;                 /* the records listed */
    unsigned field;                /* the order: an index_order_field of kind */
    bool desc;                     /* last first (empty values first) */
    const index_filter_t *filters; /* all must hold (AND) */
    unsigned n_filters;
    index_check_fn check;          /* NULL, or a further test every record must pass */
    void *check_ctx;
} index_query_t;

/* The page of the live records of q->kind that pass q's filters, in q's order, from the
 * offset-th (0-based) on: at most max ids into out, the count returned (or a negative
 * error). *total receives how many pass in all. Reads every term of the order field
 * once (the total is exact): about 5 ms per 100,000 records, plus the filters' terms. */
int index_page(store_txn_t *t, const index_query_t *q, uint64_t offset, int max,
               uint8_t (*out)[ID_LEN], uint64_t *total);

/* Calls fn for the records that hold the smallest of the n filters' values (n >= 1), in id
 * order, from the first after after (NULL: from the first) until fn returns nonzero; the
 * caller checks the other filters (and the kind, for a tag). 0, or fn's nonzero, or a
 * store error. */
int index_filter_each(store_txn_t *t, const index_filter_t *filters, unsigned n, const uint8_t *after,
                      int (*fn)(void *ctx, const uint8_t id[ID_LEN]), void *ctx);

/* Calls fn for every value of kind's field (an ORDER field) that more than one live
 * record holds (as the index folds it, on its first INDEX_ORDER_VALUE_MAX bytes), with
 * their ids in id order (at most max; *more tells if some were left out): a product's
 * SKU or an invoice's number held twice. Stops when fn returns nonzero. 0, fn's nonzero
 * or a store error. */
typedef int (*index_dup_fn)(void *ctx, const uint8_t (*ids)[ID_LEN], unsigned n, bool more);
int index_duplicates(store_txn_t *t, unsigned kind, unsigned field, uint8_t (*ids)[ID_LEN], unsigned max,
                     index_dup_fn fn, void *ctx);

/* The pipeline's totals: one row per (stage, currency) of the live deals that pass q's
 * filters and check (q->kind and q->field are not used). */
typedef struct {
    char stage[INDEX_ORDER_VALUE_MAX + 1];
    char currency[4];  /* "" for deals without an amount (counted, amount 0) */
    uint64_t count;
    int64_t amount;    /* minor units */
} index_deal_total_t;
/* Up to cap rows into out, *n the count; ACCORD_ETOOBIG if there are more, ACCORD_EINVAL
 * if a sum passes what 64 bits hold. */
int index_deal_totals(store_txn_t *t, const index_query_t *q, index_deal_total_t *out, unsigned cap,
                      unsigned *n);

typedef enum { SEARCH_AUTO, SEARCH_NAME, SEARCH_PHONE, SEARCH_EMAIL, SEARCH_TAG,
               SEARCH_BRANCH, SEARCH_NATID, SEARCH_CITY, SEARCH_EMAIL_PART, SEARCH_CONTACT, SEARCH_SKU } search_by_t;

/* Why a search found a record: what matched (SEARCH_NAME, _PHONE, ...; SEARCH_CONTACT: one
 * of the customer's contacts, by name or phone, and which). */
typedef struct {
    search_by_t by;
    uint8_t contact[ID_LEN]; /* SEARCH_CONTACT only */
} index_hit_t;

/* Finds up to max live entities of kind matching query; ids into out, count returned
 * (or a negative error; ACCORD_EINVAL names a query too short to search). *more (may be
 * NULL) says whether more may match: it found one past max, or it stopped at
 * INDEX_SEARCH_SCAN_MAX index keys looked at with keys left. */
#define INDEX_SEARCH_SCAN_MAX 20000 /* index keys looked at per query: bounds the worst case */
int index_search(store_txn_t *t, unsigned kind, search_by_t by, const char *query,
                 uint8_t (*out)[ID_LEN], int max, bool *more);
/* index_search, and why each record matched into hits (max of them). SEARCH_AUTO over
 * customers looks, in this order and each once: by name (or phone, or e-mail when the
 * query has an @), tag, city (prefix), national id (prefix), part of an e-mail (3 bytes
 * or more), and contacts' names or phones (their customers). */
int index_search_hits(store_txn_t *t, unsigned kind, search_by_t by, const char *query,
                      uint8_t (*out)[ID_LEN], index_hit_t *hits, int max, bool *more);

#endif
