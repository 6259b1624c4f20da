/* SPDX-License-Identifier: MIT
 * hook_log: the webhooks' delivery log, in TBL_DELIVERIES: one entry per attempt, the
 * newest HOOK_LOG_KEEP kept (the oldest trimmed in the transaction that appends, as the
 * access audit does). Local to the node.
 *
 * Key seq(8 BE), one more than the last. Value: time ms(8 BE) hook(8 BE) origin(16)
 * change seq(8 BE) attempt(4 BE) HTTP status(2 BE) duration ms(4 BE) outcome(1) event
 * len(1) error len(1), then the event and the error. */
#ifndef ACCORD_HOOK_LOG_H
#define ACCORD_HOOK_LOG_H

#include <stdint.h>

#include "hooks/hook_events.h"
#include "hooks/hook_store.h"
#include "proto/record.h"
#include "store/store.h"

#define HOOK_LOG_KEEP 10000u

typedef enum { HOOK_LOG_DELIVERED = 1, HOOK_LOG_RETRY = 2, HOOK_LOG_FAILED = 3 } hook_outcome_t;

typedef struct {
    uint64_t seq;                   /* its key: later entries have larger ones */
    uint64_t time_ms;
    uint64_t hook;
    uint8_t origin[ID_LEN];         /* the change */
    uint64_t change_seq;
    uint32_t attempt;               /* 1 for the first */
    unsigned http_status;           /* 0: no answer */
    uint32_t duration_ms;
    uint8_t outcome;                /* hook_outcome_t */
    char event[HOOK_EVENT_MAX];
    char error[HOOK_ERROR_MAX + 1];
} hook_log_entry_t;

/* "delivered", "retry", "failed"; "?" otherwise. */
const char *hook_outcome_name(unsigned outcome);

/* Appends e (its seq is set here) in the write transaction t and trims past HOOK_LOG_KEEP. */
int hook_log_append(store_txn_t *t, hook_log_entry_t *e);
/* Decodes an entry (untrusted bytes). 0 or ACCORD_ESTORE. */
int hook_log_decode(const void *key, size_t klen, const void *val, size_t vlen, hook_log_entry_t *e);
/* fn for each entry of hook (0: every hook), newest first, at most limit (0: all). */
typedef int (*hook_log_fn)(void *ctx, const hook_log_entry_t *e);
int hook_log_each(store_txn_t *t, uint64_t hook, unsigned limit, hook_log_fn fn, void *ctx);

#endif
