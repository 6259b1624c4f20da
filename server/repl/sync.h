/* SPDX-License-Identifier: MIT
 * sync: replication of signed feeds between this node and its peers (docs/PROTOCOL.md,
 * "Replication"). A hub listens (ZeroMQ ROUTER, CURVE server, a ZAP handler that admits
 * only enrolled, unrevoked nodes); a branch, or a regional hub, connects to the hub above
 * it (DEALER, CURVE client, the hub's key pinned). Both ends run the same protocol:
 *
 *   on connect each side sends HELLO with its version vector {origin -> last seq} and its
 *   roster; each then sends the other, in BATCHes, what that vector lacks: a contiguous
 *   run of one origin's records ending at a signed checkpoint, as the exact stored bytes.
 *   The receiver verifies and applies a batch in one LMDB transaction (apply.h) and
 *   answers with an ACK naming its new head; a sender has at most PEER_CREDIT batches
 *   unanswered per peer (peer.h: only an ACK that answers one of them returns its credit),
 *   so neither side queues a backlog.
 *
 * A refused batch applies nothing; the refusal is kept per peer and origin (TBL_REJECTS)
 * and shown by `accordctl sync status`. A fork quarantines that origin's feed (TBL_QUARANTINE)
 * while every other feed keeps flowing. Runs on the node's single writer thread. */
#ifndef ACCORD_SYNC_H
#define ACCORD_SYNC_H

#include <msgpack.h>
#include <zmq.h>

#include "auth/identity.h"
#include "feed/oplog.h"
#include "store/store.h"

#define SYNC_MAX_PEERS 4096
#define SYNC_MAX_SOCKETS 4     /* poll items sync adds to the node's loop */

typedef struct {
    const char *listen;          /* e.g. "tcp://127.0.0.1:7400"; NULL: accept no peers */
    const char *upstream;        /* the hub above; NULL: none */
    uint8_t upstream_pk[CRYPTO_PK_LEN]; /* its Ed25519 key, pinned */
    unsigned max_skew_s;         /* how far ahead of this clock a record may be stamped */
    unsigned origin_day_mb;      /* record MiB one origin may add here per UTC day (0: no bound) */
} sync_config_t;

typedef struct sync sync_t;

/* Opens the sockets; NULL with err filled if the config cannot work. */
sync_t *sync_new(void *zctx, store_t *st, const identity_t *id, oplog_t *log, const sync_config_t *cfg,
                 char *err, size_t err_cap);
void sync_destroy(sync_t **s);
/* Fills items (SYNC_MAX_SOCKETS at most) for zmq_poll; returns how many. */
int sync_poll_items(sync_t *s, zmq_pollitem_t *items);
/* Handles whatever the polled items say is readable, then timers and sending. */
void sync_run(sync_t *s, const zmq_pollitem_t *items, int n);
/* The socket of the local API (or NULL): while requests wait on it, an open catch-up
 * transaction is committed within GROUP_MAX_MS so they are answered; while none wait it
 * grows up to GROUP_IDLE_MAX_MS, and larger transactions write each page once for more
 * changes. */
void sync_set_local_socket(sync_t *s, void *sock);
/* This node committed records of its own feed: peers may now lack them. */
void sync_local_commit(sync_t *s);
/* The store changed beside the loop (accordctl compact cut feeds, bundle import applied some, sync
 * release cleared a quarantine): read heads, bases and quarantines again and offer peers
 * what they now lack. */
void sync_reload(sync_t *s);
/* True while this restored node is fetching its own newest records (rejoin.h). */
bool sync_rejoining(const sync_t *s);
/* The body of the local API's sync_status reply (docs/PROTOCOL.md). */
void sync_status(sync_t *s, msgpack_packer *pk);

#endif
