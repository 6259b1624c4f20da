/* SPDX-License-Identifier: MIT
 * bundle: a file of replication messages sealed to one node, for when the line is down
 * (docs/PROTOCOL.md, "Bundle file"). Only the addressee can open it; a truncated or
 * altered file is detected before anything in it is used, because each chunk is
 * authenticated (XChaCha20-Poly1305 secretstream) and the last one carries the final tag.
 * The messages inside are ordinary ROSTER and BATCH messages, signed by their origins. */
#ifndef ACCORD_BUNDLE_H
#define ACCORD_BUNDLE_H

#include <stdint.h>
#include <stdio.h>

#include "crypto.h"

#define BUNDLE_MAGIC "ACCORDB1"
#define BUNDLE_MAX_MSG (24u << 20) /* = WIRE_MAX_MSG */

typedef struct bundle_writer bundle_writer_t;
typedef struct bundle_reader bundle_reader_t;

/* Starts a bundle for the node whose Ed25519 public key is recipient_pk. */
int bundle_writer_open(FILE *f, const uint8_t recipient_pk[CRYPTO_PK_LEN], bundle_writer_t **out);
int bundle_write(bundle_writer_t *w, const void *msg, size_t len);
/* Writes the final chunk and frees the writer (also on error); the caller syncs and closes f. */
int bundle_writer_finish(bundle_writer_t **w);
void bundle_writer_abort(bundle_writer_t **w);

/* Opens a bundle as the node (pk, sk). ACCORD_EPROTO: not a bundle; ACCORD_ENOTMINE: for
 * another node; ACCORD_ESIG: the sealed key does not open. */
int bundle_reader_open(FILE *f, const uint8_t pk[CRYPTO_PK_LEN], const uint8_t sk[CRYPTO_SK_LEN],
                       bundle_reader_t **out);
/* The next message (valid until the next call): 1, or 0 after the final chunk, or
 * ACCORD_EPROTO (truncated: the file ends before the final chunk, or bytes follow it),
 * ACCORD_ESIG (a chunk was altered), ACCORD_ETOOBIG (a chunk over BUNDLE_MAX_MSG). */
int bundle_read(bundle_reader_t *r, const uint8_t **msg, size_t *len);
/* Where the reader is in the file, for messages that name the position. */
long bundle_offset(const bundle_reader_t *r);
void bundle_reader_close(bundle_reader_t **r);

#endif
