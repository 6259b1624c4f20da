/* SPDX-License-Identifier: MIT
 * api: the node's local API. Turns one decoded request into records (writes) or a reply
 * body (reads) inside the transaction the caller gives; knows nothing of sockets.
 * Every refusal carries an ACCORD_E* code and a message that names the field or argument
 * at fault. Runs on the single writer thread. */
#ifndef ACCORD_API_H
#define ACCORD_API_H

#include <msgpack.h>

#include "proto/request.h"
#include "auth/identity.h"
#include "feed/oplog.h"
#include "store/store.h"

#define API_MAX_STAGES 16

typedef struct {
    store_t *st;
    oplog_t *log;
    const identity_t *id;
    unsigned n_stages;
    char stages[API_MAX_STAGES][65]; /* the pipeline, in order */
} api_t;

/* Sets the pipeline from a comma-separated list; ACCORD_EINVAL if empty or too long. */
int api_set_pipeline(api_t *api, const char *csv);
/* True if the verb changes state (needs a write txn and the oplog). */
bool api_is_write(const request_t *req);
/* Handles req in t (a child write txn for writes, any txn for reads), packing the body
 * into pk. Returns 0 or an error code with msg filled. On error the caller aborts t. */
int api_handle(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
               size_t msg_cap);

#endif
