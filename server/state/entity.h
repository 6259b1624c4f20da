/* SPDX-License-Identifier: MIT
 * entity: the stored state of one record (customer, deal, ...) and the readers over it.
 * Each entity is one row of TBL_ENTITIES (store format 2; PROTOCOL.md, "State"):
 *   key entity(16) -> format(1)=2 kind(1) entry...
 *   entry = tag(1) klen(2 BE) vlen(2 BE) key[klen] value[vlen], sorted by (tag, key) in
 *           byte order, a shorter key first (as LMDB sorts keys), each (tag, key) once:
 *   tag 'F' key field(1)         -> version(24) type(1) payload   (a register)
 *   tag 'F' key field(1) element -> version(24) present(1)        (a set element)
 *   tag 'S' key field(1) base(24) version(24) -> ""              (a SET under its base: the
 *           sibling log that conflicts are found from, merge.h)
 * The row is a function of the set of records applied (each entry is a max or a union), so
 * replicas that applied the same records hold byte-identical rows whatever the order.
 * Format 1 kept the same entries one key each in the tables fields, kinds and siblings;
 * entity_upgrade converts such a store in place. Values read here borrow from the store
 * transaction. */
#ifndef ACCORD_ENTITY_H
#define ACCORD_ENTITY_H

#include "proto/record.h"
#include "store/store.h"

typedef struct {
    const uint8_t *version; /* 24 bytes, borrowed */
    value_t val;            /* borrowed */
} field_state_t;

/* Encodes a register value after its version; out must hold VERSION_LEN + 1 + val.len + 8. */
size_t entity_encode_register(uint8_t *out, const uint8_t version[VERSION_LEN], const value_t *v);
int entity_decode_register(const void *buf, size_t len, field_state_t *out);

#define ENTITY_ROW_FORMAT 2
#define ENTITY_TAG_FIELD 'F'
#define ENTITY_TAG_SIBLING 'S'

/* One entry of a row, borrowed. */
typedef struct {
    uint8_t tag;
    const uint8_t *key;
    size_t klen;
    const uint8_t *val;
    size_t vlen;
} entity_entry_t;

/* A row being read: entity_row_open, then entity_row_next until it returns 0. */
typedef struct {
    const uint8_t *p, *end;
    int kind;
} entity_row_t;

int entity_row_open(const void *data, size_t len, entity_row_t *r);
/* 1 and the next entry, 0 at the end, ACCORD_ESTORE if the row is damaged. */
int entity_row_next(entity_row_t *r, entity_entry_t *e);
/* The stored row of id; ACCORD_ENOTFOUND if none. */
int entity_row(store_txn_t *t, const uint8_t id[ID_LEN], entity_row_t *r);
/* When the entity's state says it last changed: the greatest HLC of the versions its row
 * holds (its registers', set elements' and siblings'), 0 for an empty or damaged row (the
 * log of changes' start on a store from before it, state/changes.h). */
uint64_t entity_row_updated(const void *data, size_t len);
/* The entity's ETag: hex of a 16-byte BLAKE2b of its row. Any change applied to the entity
 * changes the row, so the tag says "this exact state"; replicas holding the same state give
 * the same tag (if_match of update and delete, the HTTP API's ETag). */
#define ENTITY_ETAG_LEN 32
int entity_etag(store_txn_t *t, const uint8_t id[ID_LEN], char out[ENTITY_ETAG_LEN + 1]);
/* The entry (tag, key) of a row; ACCORD_ENOTFOUND if absent. */
int entity_row_find(const entity_row_t *r, uint8_t tag, const void *key, size_t klen, entity_entry_t *e);
/* The row's order of two entries (tag, then key, a shorter key first): <0, 0 or >0. */
int entity_entry_cmp(const entity_entry_t *a, const entity_entry_t *b);

/* A row being rebuilt in memory (merge.c, the upgrade): kind, then entries kept sorted. */
typedef struct {
    uint8_t *buf;
    size_t len, cap;
} entity_row_buf_t;

/* Starts b as a copy of the row data (len bytes), or as an empty row of kind if data is NULL. */
void entity_row_buf_load(entity_row_buf_t *b, const void *data, size_t len, unsigned kind);
/* Puts (tag, key) -> val in b, replacing its value if the entry exists. */
void entity_row_buf_put(entity_row_buf_t *b, uint8_t tag, const void *key, size_t klen, const void *val, size_t vlen);
void entity_row_buf_free(entity_row_buf_t *b);

/* Calls fn for every entry of one tag whose key starts with prefix, in order; stops at fn's
 * non-zero return, which it returns. */
typedef int (*entity_entry_fn)(void *ctx, const entity_entry_t *e);
int entity_each_entry(store_txn_t *t, const uint8_t id[ID_LEN], uint8_t tag, const void *prefix, size_t plen,
                      entity_entry_fn fn, void *ctx);

/* Calls fn(ctx, id, kind) for every stored entity whose id starts with prefix (plen <= 16),
 * in id order; stops at fn's non-zero return, which it returns. */
typedef int (*entity_id_fn)(void *ctx, const uint8_t id[ID_LEN], unsigned kind);
int entity_each(store_txn_t *t, const void *prefix, size_t plen, entity_id_fn fn, void *ctx);

/* Reads register field of entity; ACCORD_ENOTFOUND if never set. */
int entity_get(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field, field_state_t *out);
/* Kind of a stored entity, or ACCORD_ENOTFOUND. */
int entity_kind(store_txn_t *t, const uint8_t id[ID_LEN]);
/* True if the entity has its deleted field set. */
bool entity_deleted(store_txn_t *t, const uint8_t id[ID_LEN]);
/* The text of a register field, or NULL (empty) if unset or not text. */
const char *entity_text(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field, size_t *len);

/* Calls fn for every set element of the field that is present. */
typedef int (*entity_elem_fn)(void *ctx, const char *elem, size_t len);
int entity_each_elem(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field,
                     entity_elem_fn fn, void *ctx);

/* True if the element is present in the entity's set field. */
bool entity_has_elem(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field, const char *elem, size_t len);
/* Elements present in the entity's set field (0 if none), or a negative error. */
int entity_count_elems(store_txn_t *t, const uint8_t id[ID_LEN], unsigned field);

/* Converts a store of format 1 (tables fields, kinds, siblings) to entity rows in place, in
 * transactions of at most batch entities each; each moves its entities' rows and deletes
 * their old keys, so a crash between them loses nothing and the next start goes on from
 * where it stopped. progress (may be NULL) is called after each with the entities done
 * and the total. *converted receives how many were converted (0: nothing was to do). */
#define ENTITY_UPGRADE_BATCH 4096 /* entities a transaction of the node's upgrade converts */
int entity_upgrade(store_t *st, unsigned batch, void (*progress)(void *ctx, uint64_t done, uint64_t total),
                   void *ctx, uint64_t *converted);
/* True if the store still holds entities of format 1 (a tool reading it must say so). */
bool entity_upgrade_pending(store_txn_t *t);

#endif
