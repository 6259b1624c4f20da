/* SPDX-License-Identifier: MIT
 * hook_store: the webhooks this node POSTs changes to, in TBL_HOOKS, and each one's
 * delivery figures. Local to the node: not replicated, not in snapshots (a backup copies
 * it). Keys:
 *   'H' id(8 BE) -> format(1)=1 created ms(8 BE) secret len(1) url len(2 BE) events len(2 BE),
 *                   then the secret, the url and the events text
 *   'S' id(8 BE) -> delivered(8 BE) failed(8 BE) last ok ms(8 BE) last error ms(8 BE)
 *                   error len(1) error: kept by the delivery worker
 *   'N'          -> the next id(8 BE): ids are never used twice
 * A row is decoded strictly (lengths must add up, texts are checked again): the store is
 * trusted no more than any input. */
#ifndef ACCORD_HOOK_STORE_H
#define ACCORD_HOOK_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "hooks/hook_events.h"
#include "hooks/hook_url.h"
#include "store/store.h"

#define HOOK_MAX 16          /* webhooks one node keeps */
#define HOOK_SECRET_MIN 16   /* bytes of a secret given with --secret */
#define HOOK_SECRET_MAX 128
#define HOOK_ERROR_MAX 160   /* bytes of a last error kept */

typedef struct {
    uint64_t id;
    uint64_t created_ms;
    char url[HOOK_URL_MAX + 1];
    char events[HOOK_EVENTS_TEXT_MAX + 1]; /* canonical pattern text (hook_patterns_format) */
    char secret[HOOK_SECRET_MAX + 1];      /* its bytes are the HMAC key */
} hook_t;

typedef struct {
    uint64_t delivered;      /* changes a 2xx answered */
    uint64_t failed;         /* changes given up on (they stay in the outbox, failed) */
    uint64_t last_ok_ms;     /* 0: never */
    uint64_t last_error_ms;  /* 0: never */
    char last_error[HOOK_ERROR_MAX + 1];
} hook_stats_t;

/* A row's bytes for h into out (cap >= HOOK_ROW_MAX); its length. */
#define HOOK_ROW_MAX (1 + 8 + 1 + 2 + 2 + HOOK_SECRET_MAX + HOOK_URL_MAX + HOOK_EVENTS_TEXT_MAX)
size_t hook_row_encode(const hook_t *h, uint8_t *out);
/* Decodes a stored row (untrusted bytes) into h with id. 0 or ACCORD_ESTORE. */
int hook_row_decode(const void *row, size_t len, uint64_t id, hook_t *h);

/* A random secret: 64 hex digits (32 bytes of randombytes_buf), into out (>= 65). */
void hook_secret_new(char out[65]);

/* Stores h as a new hook (h->id and h->created_ms are filled here) in the write
 * transaction t. ACCORD_ETOOBIG if HOOK_MAX hooks exist already; a store error spoils t. */
int hook_add(store_txn_t *t, hook_t *h, uint64_t now_ms);
/* Removes hook id, its figures and its outbox rows; *dropped (may be NULL) gets how many
 * outbox rows went. ACCORD_ENOTFOUND if there is no such hook. */
int hook_remove(store_txn_t *t, uint64_t id, uint64_t *dropped);
int hook_get(store_txn_t *t, uint64_t id, hook_t *h);
/* fn is called for each hook in id order; h is valid for the call only. A nonzero return
 * stops the walk and is returned. */
typedef int (*hook_fn)(void *ctx, const hook_t *h);
int hook_each(store_txn_t *t, hook_fn fn, void *ctx);

/* The figures of hook id (zeros if none were kept yet). */
int hook_stats_get(store_txn_t *t, uint64_t id, hook_stats_t *s);
int hook_stats_put(store_txn_t *t, uint64_t id, const hook_stats_t *s);

#endif
