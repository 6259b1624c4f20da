/* SPDX-License-Identifier: MIT
 * libFuzzer target: a request from a hostile local client, decoded and handled by every
 * API verb against a real store holding a few records, inside a transaction that is then
 * thrown away. A crash, a sanitizer report or a store error from a refused request fails.
 * Records to aim at: customer 00112233..., deal 00112234... (see seed()). */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/request.h"
#include "proto/schema.h"
#include "api/api.h"
#include "state/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static store_t *st;
static oplog_t *feed_log;
static api_t *api;
static identity_t *id;
static char dir[64];

static void cleanup(void)
{
    char cmd[128];
    api_destroy(&api);
    oplog_destroy(&feed_log);
    identity_destroy(&id);
    store_close(&st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) { /* nothing more to do */ }
}

static void seed(void)
{
    store_txn_t *t;
    if (store_txn_begin(st, true, &t)) abort();
    record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 1;
    rec.hlc = 1ULL << 40;
    rec.author = "seed";
    rec.author_len = 4;
    static const uint8_t cust[ID_LEN] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    memcpy(rec.entity, cust, ID_LEN);
    rec.kind = KIND_CUSTOMER;
    rec.n_ops = 2;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "Seed Customer", 13}, false, {0}};
    rec.ops[1] = (record_op_t){F_CU_PHONES, OP_ADD, {VAL_STR, 0, "+989121234567", 13}, false, {0}};
    if (merge_apply(t, &rec)) abort();
    rec.entity[3] = 0x34;
    rec.kind = KIND_DEAL;
    rec.ops[0] = (record_op_t){F_DE_TITLE, OP_SET, {VAL_STR, 0, "Seed deal", 9}, false, {0}};
    rec.ops[1] = (record_op_t){F_DE_CUSTOMER, OP_SET, {VAL_REF, 0, (const char *)cust, ID_LEN}, false, {0}};
    if (merge_apply(t, &rec)) abort();
    /* two branches set the customer's city having seen nothing: an open conflict */
    memcpy(rec.entity, cust, ID_LEN);
    rec.kind = KIND_CUSTOMER;
    rec.n_ops = 1;
    rec.ops[0] = (record_op_t){F_CU_CITY, OP_SET, {VAL_STR, 0, "Tehran", 6}, false, {0}};
    rec.origin[0] = 1;
    if (merge_apply(t, &rec)) abort();
    rec.origin[0] = 2;
    rec.ops[0].val = (value_t){VAL_STR, 0, "Shiraz", 6};
    if (merge_apply(t, &rec)) abort();
    if (store_txn_commit(&t)) abort();
}

static void init(void)
{
    char err[256];
    crypto_init();
    snprintf(dir, sizeof dir, "/tmp/accord-fuzz-XXXXXX");
    if (!mkdtemp(dir)) abort();
    char node[96];
    snprintf(node, sizeof node, "%s/n", dir);
    if (identity_create(node, "fuzz", "branch", err, sizeof err) ||
        store_open(node, STORE_NOSYNC, &st) || identity_load(node, st, &id, err, sizeof err) ||
        oplog_open(st, id, &feed_log))
        abort();
    api = api_new(st, feed_log, id);
    if (api_set_pipeline(api, "Lead,Won,Lost")) abort();
    seed();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static request_t req;
    if (!ready) { init(); ready = true; }
    if (request_decode(data, size, &req) != 0) return 0;
    const api_verb_t *v = api_verb_find(req.verb.s, req.verb.len);
    if (v && v->own_txns) return 0; /* reads files and commits itself (bundle_import): fuzz_bundle covers its input */
    store_txn_t *t;
    if (store_txn_begin(st, true, &t)) abort();
    feed_head_t mark = oplog_mark(feed_log);
    msgpack_sbuffer body;
    msgpack_sbuffer_init(&body);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
    char msg[512];
    int rc = api_handle(api, t, &req, &pk, msg, sizeof msg);
    /* a refusal must say why; store failures mean the handler broke the store */
    if (rc && !msg[0]) abort();
    if (rc == ACCORD_ESTORE || rc == ACCORD_EINTERNAL) abort();
    if (rc == 0 && v && v->write && oplog_seal(feed_log, t)) abort();
    store_txn_abort(&t);
    oplog_rollback(feed_log, mark);
    oplog_commit_failed(feed_log);
    msgpack_sbuffer_destroy(&body);
    return 0;
}
