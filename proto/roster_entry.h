/* SPDX-License-Identifier: MIT
 * roster_entry: one signed statement of the org key about a node: "this key is node NAME,
 * a hub or branch in REGION" (enroll) or "this key is revoked" (revoke). The roster is the
 * set of these; it replicates like any signed object and every node checks each entry
 * against the org public key it pinned when it was made. Byte layout: docs/PROTOCOL.md.
 *
 *   signed entry = signature(64) || entry
 *   entry        = canonical msgpack [1, action, pk bin(32), name, role, region, issued_ms]
 *   signature    = Ed25519 of the org key over "accord-roster-v1" || entry */
#ifndef ACCORD_ROSTER_ENTRY_H
#define ACCORD_ROSTER_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define ROSTER_ENTRY_MAX 320 /* bytes of a signed entry */
#define ROSTER_NAME_MAX 64

typedef enum { ROSTER_ENROLL = 1, ROSTER_REVOKE = 2 } roster_action_t;

typedef struct {
    uint8_t action;                      /* roster_action_t */
    uint8_t pk[CRYPTO_PK_LEN];           /* the node's Ed25519 key */
    char name[ROSTER_NAME_MAX + 1];
    char role[8];                        /* "hub" or "branch" */
    char region[ROSTER_NAME_MAX + 1];
    uint64_t issued_ms;                  /* when the org key signed it */
} roster_entry_t;

/* Encodes and signs e with the org secret key into out (ROSTER_ENTRY_MAX bytes).
 * 0 and *len, or ACCORD_EINVAL naming nothing in particular: check with roster_entry_valid. */
int roster_entry_sign(const roster_entry_t *e, const uint8_t org_sk[CRYPTO_SK_LEN], uint8_t *out,
                      size_t *len);
/* Strictly decodes a signed entry and checks its signature with org_pk; with org_pk NULL,
 * only decodes (for entries read back from this node's own store, checked on the way in:
 * a lookup must not cost an Ed25519 verification).
 * 0, ACCORD_EPROTO (malformed), ACCORD_EVERSION, ACCORD_ETOOBIG or ACCORD_ESIG. */
int roster_entry_open(const uint8_t *buf, size_t len, const uint8_t org_pk[CRYPTO_PK_LEN],
                      roster_entry_t *out);
/* NULL if e may be signed, else what is wrong with it, for a person. */
const char *roster_entry_invalid(const roster_entry_t *e);

#endif
