/* SPDX-License-Identifier: MIT
 * libFuzzer target: a replication message from a hostile peer, decoded and handled as a
 * node would: a BATCH is checked and applied by apply_batch, a ROSTER's entries go through
 * roster_add, against a real store, in a transaction that is then thrown away. The keys
 * are fixed (fuzz_keys.h) so that seeds made by make_wire_seeds carry valid signatures
 * and the fuzzer reaches the code behind the signature checks. */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "proto/wire.h"
#include "feed/apply.h"
#include "auth/roster.h"
#include "fuzz_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static store_t *st;
static char dir[64];
static fuzz_keys_t keys;
static wire_vec_t vec[WIRE_MAX_ORIGINS];
static const uint8_t *items[WIRE_MAX_ROSTER];
static size_t item_lens[WIRE_MAX_ROSTER];
static wire_digest_t digests[WIRE_MAX_DIGESTS];

static void cleanup(void)
{
    char cmd[128];
    store_close(&st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) { /* nothing more to do */ }
}

static void init(void)
{
    crypto_init();
    fuzz_keys(&keys);
    snprintf(dir, sizeof dir, "/tmp/accord-fuzz-XXXXXX");
    if (!mkdtemp(dir) || store_open(dir, STORE_NOSYNC, &st)) abort();
    store_txn_t *t;
    if (store_txn_begin(st, true, &t) || roster_pin_org(t, keys.org_pk) || store_txn_commit(&t)) abort();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) { init(); ready = true; }
    wire_space_t sp = {vec, WIRE_MAX_ORIGINS, items, item_lens, WIRE_MAX_ROSTER, digests, WIRE_MAX_DIGESTS};
    wire_msg_t m;
    if (wire_decode(data, size, &sp, &m) != 0) return 0;
    store_txn_t *t;
    if (store_txn_begin(st, true, &t)) abort();
    int rc = 0;
    if (m.type == WIRE_BATCH) {
        if (m.n_items > APPLY_MAX_RECORDS) abort(); /* the decoder bounds it */
        apply_batch_t b = {items, item_lens, m.n_items, {0}};
        memcpy(b.sig, m.sig, CRYPTO_SIG_LEN);
        apply_result_t res;
        rc = apply_batch(t, m.origin, keys.node_pk, &b, NULL, &res);
        if (rc == ACCORD_ESTORE || rc == ACCORD_EFULL) abort();
    } else if (m.type == WIRE_ROSTER) {
        for (uint32_t i = 0; i < m.n_items; i++) {
            bool changed;
            roster_entry_t e;
            rc = roster_add(t, items[i], item_lens[i], &changed, &e);
            if (rc == ACCORD_ESTORE || rc == ACCORD_EFULL) abort();
        }
    } else if (m.type == WIRE_HELLO) {
        for (uint32_t i = 0; i < m.n_vec; i++)
            if (!vec[i].origin) abort();
    }
    if (getenv("ACCORD_FUZZ_VERBOSE")) fprintf(stderr, "message type %d: %s\n", (int)m.type, accord_errname(rc));
    store_txn_abort(&t);
    return 0;
}
