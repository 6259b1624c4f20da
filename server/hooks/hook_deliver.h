/* SPDX-License-Identifier: MIT
 * hook_deliver: the delivery worker, a thread of accord-node that POSTs the outbox
 * (hook_outbox.h) with libcurl. For each hook in turn: its first pending row, once its
 * time has come, is POSTed; a 2xx delivers it, anything else (another status, a refused
 * or timed-out connection, this node itself at the address connected to) is retried
 * later (hook_backoff_ms) until the policy gives up, and the hook waits for it meanwhile:
 * each hook gets its changes in the order they were applied, at least once.
 *
 * Transactions: the worker reads in read transactions and records each attempt in a
 * short write transaction of its own (hook_outbox_settle), after the POST: it never holds
 * LMDB's writer while it waits on the network. A crash between the POST and that commit
 * sends the change again: receivers de-duplicate by the change id. So does a commit that
 * fails (a full disk): that hook then waits HOOK_UNRECORDED_WAIT_MS, not a moment.
 *
 * Bounds: connect and total timeouts, no redirects followed, http and https only, at most
 * HOOK_RESPONSE_MAX bytes of an answer read. The worker's POSTs share one curl handle, so
 * its connections are kept alive between them. */
#ifndef ACCORD_HOOK_DELIVER_H
#define ACCORD_HOOK_DELIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "hooks/hook_outbox.h"
#include "hooks/hook_store.h"
#include "hooks/hook_url.h"
#include "store/store.h"

#define HOOK_RESPONSE_MAX 65536
#define HOOK_UNRECORDED_WAIT_MS 5000 /* a POST whose outcome the store could not keep: its
                                      * hook waits this long before it is sent again */
#define HOOK_SIGNATURE_LEN (7 + 64) /* "sha256=" and the HMAC-SHA256 in hex */

typedef struct {
    hook_self_t self;            /* where this node listens: never POSTed to */
    hook_policy_t policy;
    unsigned timeout_ms;         /* the whole POST, answer included */
    unsigned connect_timeout_ms;
    unsigned poll_ms;            /* how often the outbox is looked at when nothing was due */
} hook_worker_config_t;

typedef struct hook_worker hook_worker_t;

/* Starts the worker on st (which must outlive it). Initialises libcurl: call from the main
 * thread before other threads use it. NULL (logged) if libcurl or the thread cannot start. */
hook_worker_t *hook_worker_start(store_t *st, const hook_worker_config_t *cfg);
/* Stops the worker: a POST in flight is cut off, its attempt not recorded (sent again
 * later), within about a second, a name being resolved included (its resolver thread is
 * left to finish alone). Safe on NULL and twice. */
void hook_worker_stop(hook_worker_t **w);

/* The X-Accord-Signature value: "sha256=" then hex of HMAC-SHA256 with the secret's bytes
 * as key over timestamp "." body. out holds HOOK_SIGNATURE_LEN + 1. */
void hook_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
               char out[HOOK_SIGNATURE_LEN + 1]);

/* One POST of it to h, as the worker makes it, into *a. stop (may be NULL) cuts it off
 * when it becomes true. Any thread; holds no transaction. */
void hook_post(const hook_worker_config_t *cfg, const hook_t *h, const hook_item_t *it, const volatile bool *stop,
               hook_attempt_t *a);

#endif
