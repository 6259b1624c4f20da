/* SPDX-License-Identifier: MIT
 * entity_id: an entity named by what a person types: its id in hex, whole or a start of it.
 * Reads the stored entities (state/entity.h) and nothing else; values borrow nothing. */
#ifndef ACCORD_ENTITY_ID_H
#define ACCORD_ENTITY_ID_H

#include "proto/record.h"
#include "store/store.h"

/* Resolves a full id in hex or a unique hex prefix (>= 4 digits) of a stored entity. */
int entity_resolve_id(store_txn_t *t, const char *hex, uint8_t id[ID_LEN]);

#endif
