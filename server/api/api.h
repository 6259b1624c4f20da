/* SPDX-License-Identifier: MIT
 * api: the node's local API. Turns one decoded request into records (writes) or a reply
 * body (reads) inside the transaction the caller gives; knows nothing of sockets.
 * Every refusal carries an ACCORD_E* code and a message that names the field or argument
 * at fault. Runs on the single writer thread.
 *
 * The verbs are one table (api.c): name, handler, whether it writes, and who may call it
 * over HTTP. The node loop (node/node_loop.h) asks it what is a write, the HTTP bridge
 * (http/http_bridge.c) which verbs the branch app may call and with which role, and
 * api_handle() runs the handler. Adding a verb is one row there and its handler.
 *
 * Modules: api.c (table, dispatch, argument helpers), api_write.c (create, update, delete,
 * merge), api_read.c (get, list, search, dupes), api_history.c (history), api_conflict.c (conflicts,
 * resolve), api_import.c (the import row format), api_node.c (status, sync_status,
 * sync_reload); api_internal.h holds what they share. */
#ifndef ACCORD_API_H
#define ACCORD_API_H

#include <msgpack.h>

#include "proto/request.h"
#include "auth/identity.h"
#include "feed/oplog.h"
#include "repl/sync.h"
#include "store/store.h"
#include "hooks/hook_url.h"

#define API_MAX_STAGES 16

typedef struct api api_t;

/* Who may call a verb through the node's HTTP bridge (/api/node/VERB). The local socket
 * (the CLIs, as the node's own OS user) may call every verb. */
typedef enum {
    API_ROLE_ANY,   /* any signed-in user: managers read */
    API_ROLE_STAFF, /* staff or admin: they change records */
    API_ROLE_LOCAL, /* never over HTTP: only a client of the local socket */
} api_role_t;

/* Handles req in t, packing the reply body into pk; on error fills msg and returns the code. */
typedef int (*api_handler_fn)(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                              size_t cap);

typedef struct {
    const char *name;      /* the request's verb */
    api_handler_fn handle; /* run by api_handle() */
    bool write;            /* changes state: needs a write txn and the oplog; refused while rejoining */
    api_role_t role;       /* who may call it over HTTP */
    bool own_txns;         /* opens transactions of its own (bundle_import): the node loop runs
                              it alone, outside any batch's transaction, with t NULL */
} api_verb_t;

/* True if the node loop runs req alone, outside any batch's transaction, with t NULL: the
 * verbs with own_txns, and an import's dry run (a write transaction it throws away). */
bool api_runs_alone(const api_verb_t *v, const request_t *req);

/* The verb named name (len bytes, no NUL needed), or NULL. The descriptor is static: it
 * lives as long as the program. Any thread. */
const api_verb_t *api_verb_find(const char *name, size_t len);

/* Makes the API of one node. st, log and id are borrowed and must outlive it. Allocates
 * the scratch buffers of the single writer once (several MB); aborts if out of memory.
 * The pipeline is unset: call api_set_pipeline() before the first request. */
api_t *api_new(store_t *st, oplog_t *log, const identity_t *id);
/* Frees the API and its scratch; safe on NULL and twice. Leaves st, log, id alone. */
void api_destroy(api_t **api);
/* Sets the pipeline from a comma-separated list; ACCORD_EINVAL if empty or too long
 * (then the pipeline is unchanged). */
/* This branch's invoice numbers: prefix (2-16 of A-Z, 0-9; NULL keeps the one from the
 * node's name) and calendar ("gregorian", "solar"; NULL: gregorian). ACCORD_EINVAL if
 * either is not one of those. */
int api_set_invoicing(api_t *api, const char *prefix, const char *calendar);
int api_set_pipeline(api_t *api, const char *csv);
/* The daily allowance of each origin (ingest.h) for bundles applied through this node; the
 * default until set. */
void api_set_origin_day_bytes(api_t *api, uint64_t bytes);
/* The replication link the sync verbs report on (borrowed; NULL when the node replicates
 * with no one, the default). */
void api_set_sync(api_t *api, sync_t *sync);
/* Where this node listens (its --http, its sync --listen): webhook_add refuses a URL that
 * points there (hooks/hook_url.h). Copied; none until set. */
void api_set_hook_self(api_t *api, const hook_self_t *self);
store_t *api_store(const api_t *api);
oplog_t *api_log(const api_t *api);

/* Who sent a request on the local socket: the peer credentials the socket gives (ipc://),
 * known false for a client without them (tcp://). */
typedef struct {
    bool known;
    uint32_t uid, gid;
    int32_t pid;
} api_caller_t;
/* The caller of the requests api_handle runs next (the node loop sets it per request). A
 * caller whose pid is this process's is the node's own HTTP thread, which names the user it
 * signed in; any other is the Accord user its OS account is mapped to (auth/osmap.h). */
void api_set_caller(api_t *api, const api_caller_t *caller);
/* Parses the "Peer-Address" a ZeroMQ ipc:// message carries, "ADDR:UID:GID:PID". */
api_caller_t api_caller_from_peer_address(const char *peer);

/* Handles req in t (a write txn when the verb writes, any txn for reads), packing the
 * body into pk. Returns 0 or an error code with msg filled (an unknown verb is
 * ACCORD_EINVAL). On error the caller rolls the oplog back and, on a store failure,
 * aborts t. */
int api_handle(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
               size_t msg_cap);

#endif
