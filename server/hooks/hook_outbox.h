/* SPDX-License-Identifier: MIT
 * hook_outbox: the changes waiting to be POSTed, in TBL_OUTBOX, written in the same
 * transaction as the change itself, so a change applied is a change queued: a crash
 * (kill -9) anywhere either loses both or keeps both.
 *
 * Who queues: oplog_append (this node's own changes) and apply_write (another node's, from
 * sync or a bundle), each after it stored the record. Nothing else does: merge_apply
 * alone (check --repair, restamp, upgrades, snapshot installs) changes no feed position,
 * so it is no new change and fires nothing. A restamped record keeps its origin and seq:
 * the same change, not queued again.
 *
 * The hot path: with no hook (the common case) a queue costs one look at a cache the store
 * holds for the writer (store_hook_cache), loaded from TBL_HOOKS once and forgotten when
 * a hook is added or removed (hook_cache_forget).
 *
 * Row: key hook id(8 BE) queue seq(8 BE), the seq one more than any queued before (per
 * node, kept in the cache from the last row at load), so each hook's rows are in the order
 * the changes were applied. Value: state(1) attempts(4 BE) next attempt ms(8 BE) queued ms
 * (8 BE) origin(16) seq(8 BE) event len(1) event body len(4 BE) body, the JSON POSTed.
 * A delivered row is deleted; a given-up row stays, state failed, for `webhook status`. */
#ifndef ACCORD_HOOK_OUTBOX_H
#define ACCORD_HOOK_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "hooks/hook_events.h"
#include "hooks/hook_store.h"
#include "proto/record.h"
#include "store/store.h"

#define HOOK_BODY_MAX (1u << 20) /* bytes of one POST body: a record is at most 64 KiB */

/* Queues rec for every hook whose patterns match one of its events, in t (a write
 * transaction holding rec's change). 0, or a store error that spoils t. Writer thread. */
int hook_outbox_note(store_txn_t *t, const record_t *rec);
/* The hooks table changed: the next hook_outbox_note reads it again. Writer thread. */
void hook_cache_forget(store_t *st);

/* rec's change as the JSON POSTed for event (see docs/WEBHOOKS.md), into a new buffer
 * the caller frees; its length in *len. Password hashes are left out. */
char *hook_body(const record_t *rec, const char *event, const hook_events_t *ev, size_t *len);
/* The change id "ORIGINHEX:SEQ", into out (>= 54). */
void hook_change_id(const uint8_t origin[ID_LEN], uint64_t seq, char out[54]);

typedef enum { HOOK_ITEM_PENDING = 1, HOOK_ITEM_FAILED = 2 } hook_item_state_t;

typedef struct {
    uint64_t hook, qseq;      /* its key */
    uint8_t state;            /* hook_item_state_t */
    uint32_t attempts;        /* made so far */
    uint64_t next_ms;         /* not before then */
    uint64_t queued_ms;       /* when its change was applied here */
    uint8_t origin[ID_LEN];   /* the change */
    uint64_t seq;
    char event[HOOK_EVENT_MAX];
    const char *body;         /* borrowed from the row: valid until the transaction ends */
    size_t body_len;
} hook_item_t;

/* Decodes a row (untrusted bytes) into it. 0 or ACCORD_ESTORE (lengths that do not add up,
 * an event with a byte no event name has: it is sent as a header). */
int hook_item_decode(const void *key, size_t klen, const void *val, size_t vlen, hook_item_t *it);
/* Hook id's first pending row (in order; failed rows are skipped) into it: 0, or
 * ACCORD_ENOTFOUND when nothing waits. */
int hook_item_first(store_txn_t *t, uint64_t hook, hook_item_t *it);
/* The same, from queue seq *from_qseq on; *from_qseq moves past the failed rows it stepped
 * over (to the row found, or past the last row held), so a caller that keeps it looks at
 * each given-up row once: rows below it are given up or gone, and a new row's queue seq is
 * above every row held. The delivery worker's look. */
int hook_item_pending(store_txn_t *t, uint64_t hook, uint64_t *from_qseq, hook_item_t *it);
/* Rows of hook id waiting and given up, and the earliest next attempt (0 if none waits). */
int hook_outbox_counts(store_txn_t *t, uint64_t hook, uint64_t *pending, uint64_t *failed, uint64_t *next_ms);

/* When to try again, and when to give up. */
typedef struct {
    unsigned max_attempts;  /* give up after this many */
    uint64_t max_age_ms;    /* or once the change waited this long */
    uint64_t base_ms;       /* the wait after the first failure, doubled after each */
    uint64_t cap_ms;        /* never longer than this */
} hook_policy_t;
#define HOOK_POLICY_DEFAULT {12, 24ull * 3600 * 1000, 1000, 10ull * 60 * 1000}

/* The wait after the attempts-th failure (attempts >= 1): base * 2^(attempts-1), capped,
 * then jittered by up to -20% by random (any 32 bits: 0 keeps it, UINT32_MAX takes 20%),
 * so many hooks failing together do not all retry at once. */
uint64_t hook_backoff_ms(const hook_policy_t *pol, unsigned attempts, uint32_t random);

/* What one POST gave. */
typedef struct {
    bool ok;                       /* a 2xx came back */
    int http_status;               /* 0 if none came (connect failed, timeout) */
    uint32_t duration_ms;
    char error[HOOK_ERROR_MAX + 1]; /* why it failed, "" when ok */
} hook_attempt_t;

/* Records attempt a of item it in the write transaction t: delivered (the row goes, the
 * hook's delivered count grows), or retried later (attempts, next_ms), or given up past
 * pol's bounds (state failed, kept); the hook's figures and the delivery log follow.
 * ACCORD_ENOTFOUND (nothing written) if the row went meanwhile (the hook was removed). */
int hook_outbox_settle(store_txn_t *t, const hook_item_t *it, const hook_attempt_t *a, const hook_policy_t *pol,
                       uint64_t now_ms, uint32_t random);

#endif
