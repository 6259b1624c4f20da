/* SPDX-License-Identifier: MIT
 * node_loop: the node's single writer thread. It polls the local API socket and the
 * replication sockets; each turn takes every request waiting (up to NODE_BATCH_MAX), runs
 * them in one store transaction through the API's verb table (a refused request writes
 * nothing, so it leaves the rest alone), signs the feed head once, commits once (one
 * fsync) and only then replies: a reply is an acknowledgement that the change is on disk.
 * Concurrent clients therefore share commits (group commit). Once a second it hands the
 * HTTP thread the sync status and metrics as text.
 *
 * Which verbs write, and so need the oplog and are refused while a restored node rejoins,
 * is the API's table's word (api_verb_find), not this loop's. */
#ifndef ACCORD_NODE_LOOP_H
#define ACCORD_NODE_LOOP_H

#include <signal.h>
#include <stdbool.h>

#include "api/api.h"
#include "http/http.h"
#include "repl/sync.h"

#define NODE_BATCH_MAX 256

typedef struct node_loop node_loop_t;

/* A loop serving sock (a bound ZeroMQ ROUTER) with api. sync (NULL: the node replicates
 * with no one) and http (NULL: no dashboard) are borrowed; all must outlive the loop.
 * restored: the node was restored and has not rejoined, so it refuses changes until sync
 * says it has (rejoin.h). Aborts if out of memory. */
node_loop_t *node_loop_new(api_t *api, void *sock, sync_t *sync, http_t *http, bool restored);
/* Serves until *stopping becomes non-zero (a signal handler sets it) or polling fails.
 * Returns 0 when stopped, or a negative ACCORD_E* code after a poll failure (logged). */
int node_loop_run(node_loop_t *l, volatile sig_atomic_t *stopping);
/* Frees the loop and its batch buffers; safe on NULL and twice. Leaves what it borrowed. */
void node_loop_destroy(node_loop_t **l);

#endif
