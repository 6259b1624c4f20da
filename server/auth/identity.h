/* SPDX-License-Identifier: MIT
 * identity: a node's Ed25519 key pair, name and role, kept in its data directory.
 *   DIR/node.key  "ACCORDK1" + secret key (64 bytes), mode 0600
 *   DIR/           the LMDB store, whose meta table holds name, role, public key, origin
 *                  and store_id (random, made once when the store is created).
 * The secret key lives in sodium_malloc memory and is wiped on destroy. */
#ifndef ACCORD_IDENTITY_H
#define ACCORD_IDENTITY_H

#include "proto/crypto.h"
#include "store/store.h"

typedef struct {
    char name[65];                   /* node name, e.g. "tehran-1" */
    char role[16];                   /* "branch" or "hub" */
    uint8_t pk[CRYPTO_PK_LEN];
    uint8_t *sk;                     /* CRYPTO_SK_LEN bytes, sodium_malloc */
    uint8_t origin[CRYPTO_ORIGIN_LEN];
    uint8_t store_id[16];
} identity_t;

/* Creates DIR (if needed), its key and its store. ACCORD_EEXISTS if DIR has a key. */
int identity_create(const char *dir, const char *name, const char *role, char *err, size_t err_cap);
/* Loads the identity of DIR using the store st; on error *out is NULL and err says why. */
int identity_load(const char *dir, store_t *st, identity_t **out, char *err, size_t err_cap);
void identity_destroy(identity_t **id);

/* A new feed epoch: a new key pair, so a new origin and a feed that starts at seq 1, for a
 * node restored from a backup that cannot reach its hub to learn its own newest head. Its
 * old feed stays a feed like any other's, signed by the old key. Writes DIR/node.key.next
 * and, in t, the new public key and origin; after the caller commits t,
 * identity_switch_key keeps the old key as DIR/node.key.<old origin> and puts the new one
 * in place. identity_load finishes a switch that a crash cut short. */
int identity_prepare_epoch(const char *dir, store_txn_t *t, uint8_t new_pk[CRYPTO_PK_LEN], char *err,
                           size_t err_cap);
int identity_switch_key(const char *dir, const uint8_t old_origin[CRYPTO_ORIGIN_LEN], char *err, size_t err_cap);
/* Reads a meta value into out as a NUL-terminated string; ACCORD_ENOTFOUND if absent. */
int identity_meta(store_t *st, const char *key, char *out, size_t cap);

#endif
