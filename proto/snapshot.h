/* SPDX-License-Identifier: MIT
 * snapshot: a node's merged state at one version vector, signed by the node that wrote it
 * (docs/PROTOCOL.md, "Snapshot file"). A hub writes one when it compacts; a new branch
 * starts from it plus the feeds after it instead of replaying every record ever written.
 *
 *   file  = magic "ACCSNAP1" | frame* | 00000000 | signature(64)
 *   frame = length(4 BE, 1..SNAPSHOT_MAX_FRAME) | one msgpack array:
 *     HEAD   [1, format 2, signer pk bin(32), created_ms]        first, exactly once
 *     ROSTER [2, signed roster entry bin]                       then the roster
 *     FEED   [3, origin bin(16), seq, hash bin(32), sig bin(64)] then each feed's signed head
 *     ROW    [4, table, key bin, value bin]                      then the state, table by table
 *            (an entity row longer than SNAPSHOT_MAX_VALUE: several ROW frames of its key in a
 *            row, each a row of its own with the next run of its entries; the loader joins them)
 *   signature = Ed25519 by the signer over "accord-snapshot-v1" || BLAKE2b-256(every byte
 *               before it)
 *
 * This module only encodes and strictly decodes frames and keeps the running hash; what a
 * row means is the store's business (server/snapshot_io.h). */
#ifndef ACCORD_SNAPSHOT_H
#define ACCORD_SNAPSHOT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto.h"

#define SNAPSHOT_MAGIC "ACCSNAP1"
#define SNAPSHOT_FORMAT 2 /* 2: entity rows (store format 2); 1 carried fields, kinds, siblings */
#define SNAPSHOT_MAX_FRAME (160u << 10) /* a row: key <= 511 bytes, value <= SNAPSHOT_MAX_VALUE */
#define SNAPSHOT_MAX_KEY 511
#define SNAPSHOT_MAX_VALUE (140u << 10) /* a longer entity row goes in several frames (snapshot_io.c) */
#define SNAPSHOT_DOMAIN "accord-snapshot-v1"

typedef enum { SNAP_HEAD = 1, SNAP_ROSTER = 2, SNAP_FEED = 3, SNAP_ROW = 4 } snap_kind_t;

typedef struct {
    snap_kind_t kind;
    const uint8_t *signer;  /* HEAD: 32 bytes */
    uint64_t created_ms;    /* HEAD */
    const uint8_t *origin;  /* FEED: 16 bytes */
    uint64_t seq;           /* FEED */
    const uint8_t *hash;    /* FEED: 32 bytes */
    const uint8_t *sig;     /* FEED: 64 bytes */
    unsigned table;         /* ROW */
    const uint8_t *key;     /* ROW key; ROSTER entry */
    size_t key_len;
    const uint8_t *val;     /* ROW value */
    size_t val_len;
} snap_frame_t;

/* Strictly decodes one frame's msgpack bytes (without the length). Pointers borrow from
 * buf. 0, ACCORD_EPROTO or ACCORD_EVERSION (a HEAD of another format). */
int snapshot_frame_decode(const void *buf, size_t len, snap_frame_t *f);

typedef struct snapshot_writer snapshot_writer_t;
/* Starts a snapshot in f and writes its HEAD. */
int snapshot_writer_open(FILE *f, const uint8_t signer_pk[CRYPTO_PK_LEN], uint64_t created_ms,
                         snapshot_writer_t **out);
int snapshot_write_roster(snapshot_writer_t *w, const void *entry, size_t len);
int snapshot_write_feed(snapshot_writer_t *w, const uint8_t origin[CRYPTO_ORIGIN_LEN], uint64_t seq,
                        const uint8_t hash[CRYPTO_HASH_LEN], const uint8_t sig[CRYPTO_SIG_LEN]);
int snapshot_write_row(snapshot_writer_t *w, unsigned table, const void *key, size_t klen, const void *val,
                       size_t vlen);
/* Writes the end and the signature with sk, and frees w (also on error). The caller syncs f. */
int snapshot_writer_finish(snapshot_writer_t **w, const uint8_t sk[CRYPTO_SK_LEN]);
void snapshot_writer_abort(snapshot_writer_t **w);

typedef struct snapshot_reader snapshot_reader_t;
/* Opens a snapshot and reads its HEAD (into *head, valid while the reader lives). */
int snapshot_reader_open(FILE *f, snapshot_reader_t **out, snap_frame_t *head);
/* The next frame: 1, or 0 at the end once the signature verified with the HEAD's signer
 * key over every byte read; ACCORD_EPROTO for a malformed or truncated file, ACCORD_ESIG
 * if the signature does not verify, ACCORD_ETOOBIG for a frame over the limit. A reader
 * that takes frames as they come must not trust them before it has seen the 0. */
int snapshot_read(snapshot_reader_t *r, snap_frame_t *f);
/* Checks the signature over the whole file from where f stands (its start) without
 * decoding more than the HEAD, so any change anywhere is reported as ACCORD_ESIG.
 * 0, ACCORD_ESIG, or ACCORD_EPROTO (not a snapshot, or too short to hold a signature). */
int snapshot_verify_file(FILE *f);
/* Bytes read so far, to name the position in an error. */
long snapshot_offset(const snapshot_reader_t *r);
void snapshot_reader_close(snapshot_reader_t **r);

#endif
