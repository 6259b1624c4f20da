/* SPDX-License-Identifier: MIT
 * entity: the stored state of one record (customer, deal, ...) as field registers and
 * set elements in TBL_FIELDS, and the readers over it. Encodings (PROTOCOL.md, "State"):
 *   key entity(16) field(1)         -> version(24) type(1) payload   (register)
 *   key entity(16) field(1) element -> version(24) present(1)        (set element)
 * Values read here borrow from the store transaction. */
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

/* Resolves a full id in hex or a unique hex prefix (>= 4 digits) of a stored entity. */
int entity_resolve_id(store_txn_t *t, const char *hex, uint8_t id[ID_LEN]);

#endif
