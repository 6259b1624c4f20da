/* SPDX-License-Identifier: MIT
 * wire: the replication messages between two nodes (docs/PROTOCOL.md, "Replication").
 * Each ZeroMQ message is one msgpack array whose first element is the message type:
 *
 *   HELLO  [1, version, role, store_id bin(16), [[origin bin(16), seq]...]]
 *   ROSTER [2, [signed roster entry bin...]]
 *   BATCH  [3, origin bin(16), signature bin(64), [record bin...]]
 *   ACK    [4, origin bin(16), head seq, code, credit, why]
 *   BEAT   [5, clock_ms, pending, disk_used, disk_limit, software version]
 *   ERROR  [6, code, message]
 *   DIGEST [7, bucket, [[key bin(<=16), digest bin(32)]...]]   (request: empty list)
 *   SNAP   [8, offset, total, bytes bin(<=WIRE_SNAP_CHUNK)]     a piece of the hub's snapshot
 *          file for a new, empty node (answered with an ACK of zero origin, head = bytes held)
 *
 * Decoding is strict, bounded and zero-copy: byte fields point into the message, which
 * must outlive the decoded wire_msg_t. Lists are decoded into caller-provided arrays. */
#ifndef ACCORD_WIRE_H
#define ACCORD_WIRE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define WIRE_VERSION 1
#define WIRE_MAX_ORIGINS 65536     /* vector entries in a HELLO */
#define WIRE_MAX_RECORDS 4096      /* records in a BATCH (= APPLY_MAX_RECORDS) */
#define WIRE_MAX_ROSTER 65536      /* entries in a ROSTER */
#define WIRE_MAX_DIGESTS 65536     /* entries in a DIGEST */
#define WIRE_BATCH_BYTES (1u << 20) /* a sender's target for one batch */
#define WIRE_MAX_MSG (24u << 20)   /* no message is longer (ZMQ_MAXMSGSIZE) */
#define WIRE_SNAP_CHUNK (1u << 20) /* bytes of a snapshot in one SNAP */
#define WIRE_SNAP_MAX (1ull << 40) /* a snapshot file's largest total */

typedef enum {
    WIRE_HELLO = 1, WIRE_ROSTER = 2, WIRE_BATCH = 3, WIRE_ACK = 4, WIRE_BEAT = 5, WIRE_ERROR = 6,
    WIRE_DIGEST = 7, WIRE_SNAP = 8,
} wire_type_t;

typedef struct {
    const uint8_t *origin; /* 16 bytes */
    uint64_t seq;
} wire_vec_t;

typedef struct {
    const uint8_t *key; /* 0-16 bytes: a bucket's digest has an empty key, an entity's its id */
    size_t key_len;
    const uint8_t *digest; /* 32 bytes */
} wire_digest_t;

/* Where list items go while decoding; a NULL array with its cap 0 refuses that message. */
typedef struct {
    wire_vec_t *vec;
    uint32_t vec_cap;
    const uint8_t **items; /* BATCH records, ROSTER entries */
    size_t *item_lens;
    uint32_t items_cap;
    wire_digest_t *digests;
    uint32_t digests_cap;
} wire_space_t;

typedef struct {
    wire_type_t type;
    /* HELLO */
    uint64_t version;
    const char *role;
    size_t role_len;
    const uint8_t *store_id;
    uint32_t n_vec;
    /* BATCH, ACK */
    const uint8_t *origin;
    const uint8_t *sig;
    uint32_t n_items; /* BATCH records, ROSTER entries */
    uint64_t head;
    int64_t code;     /* ACK, ERROR */
    uint64_t credit;
    const char *text; /* ACK why, ERROR message, BEAT version */
    size_t text_len;
    /* BEAT */
    uint64_t clock_ms, pending, disk_used, disk_limit;
    /* DIGEST */
    uint64_t bucket;
    uint32_t n_digests;
    /* SNAP */
    uint64_t offset, total;
    const uint8_t *bytes;
    size_t bytes_len;
} wire_msg_t;

/* 0, ACCORD_EPROTO, ACCORD_ETOOBIG (a list longer than its space) or ACCORD_EVERSION
 * (a HELLO of another protocol version: m->version says which). */
int wire_decode(const void *buf, size_t len, const wire_space_t *space, wire_msg_t *m);

void wire_pack_hello(msgpack_packer *pk, const char *role, const uint8_t store_id[16], const wire_vec_t *vec,
                     uint32_t n);
/* ROSTER, BATCH and DIGEST are written in parts: the header, then each item. */
void wire_pack_roster_head(msgpack_packer *pk, uint32_t n);
void wire_pack_batch_head(msgpack_packer *pk, const uint8_t origin[16], const uint8_t sig[CRYPTO_SIG_LEN], uint32_t n);
void wire_pack_bin(msgpack_packer *pk, const void *p, size_t n);
void wire_pack_digest_head(msgpack_packer *pk, uint64_t bucket, uint32_t n);
void wire_pack_digest_item(msgpack_packer *pk, const uint8_t *key, size_t key_len, const uint8_t digest[32]);
void wire_pack_ack(msgpack_packer *pk, const uint8_t origin[16], uint64_t head, int code, uint32_t credit,
                   const char *why);
void wire_pack_beat(msgpack_packer *pk, uint64_t clock_ms, uint64_t pending, uint64_t used, uint64_t limit,
                    const char *version);
void wire_pack_error(msgpack_packer *pk, int code, const char *message);
void wire_pack_snap(msgpack_packer *pk, uint64_t offset, uint64_t total, const void *bytes, size_t len);

#endif
