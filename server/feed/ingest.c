/* SPDX-License-Identifier: MIT
 * ingest: admission and application of another node's batch, for sync and bundles alike
 * (the rules are listed in ingest.h; this file follows them in the same order). */
#include "feed/ingest.h"
#include "auth/roster.h"
#include "proto/accord_err.h"

#include <msgpack.h>
#include <stdio.h>
#include <string.h>

const uint8_t INGEST_SOURCE_BUNDLE[ID_LEN] = {0};

static int admit(store_txn_t *t, const ingest_policy_t *pol, const uint8_t origin[ID_LEN], roster_entry_t *e,
                 char *why, size_t why_cap)
{
    store_val_t v;
    if (!memcmp(origin, pol->self, ID_LEN) && !pol->own_feed_ok) {
        snprintf(why, why_cap, "%s",
                 pol->own_feed_why ? pol->own_feed_why
                                   : "records of this node's own feed that this node lacks: it was restored from "
                                     "an old backup without 'accordctl restore'");
        return ACCORD_EFORK;
    }
    int rc = store_get(t, TBL_QUARANTINE, origin, ID_LEN, &v);
    if (rc == 0) {
        snprintf(why, why_cap, "this feed forked and is quarantined here (accordctl sync status)");
        return ACCORD_EQUARANTINE;
    }
    if (rc != ACCORD_ENOTFOUND) {
        snprintf(why, why_cap, "cannot read the quarantine: %s", accord_strerror(rc));
        return rc;
    }
    rc = roster_by_origin(t, origin, e);
    if (rc == ACCORD_ENOTFOUND) {
        snprintf(why, why_cap, "the origin is not in this node's roster (enroll it with the org key)");
        return ACCORD_EUNKNOWN;
    }
    if (rc) {
        snprintf(why, why_cap, "cannot read the roster: %s", accord_strerror(rc));
        return rc;
    }
    if (e->action == ROSTER_REVOKE) {
        snprintf(why, why_cap, "the origin %s is revoked", e->name);
        return ACCORD_EREVOKED;
    }
    return 0;
}

int ingest_batch(store_t *st, store_txn_t *parent, const ingest_policy_t *pol, const uint8_t origin[ID_LEN],
                 const apply_batch_t *b, apply_result_t *res, char *why, size_t why_cap)
{
    memset(res, 0, sizeof *res);
    why[0] = 0;
    store_txn_t *t = NULL;
    int code = store_txn_begin(st, parent, true, &t);
    if (code) {
        snprintf(why, why_cap, "cannot write: %s", accord_strerror(code));
        return code;
    }
    roster_entry_t e;
    if ((code = admit(t, pol, origin, &e, why, why_cap))) goto refused;
    if ((code = apply_batch(t, origin, e.pk, b, pol->clock, res))) {
        if (res->why[0]) snprintf(why, why_cap, "%s", res->why);
        else snprintf(why, why_cap, "cannot apply the batch: %s", accord_strerror(code));
        goto refused;
    }
    if (res->applied == 0) {
        code = ACCORD_EREPLAY;
        snprintf(why, why_cap, "records %llu-%llu were sent again: this node holds them already (up to %llu)",
                 (unsigned long long)res->first_seq, (unsigned long long)res->last_seq,
                 (unsigned long long)res->head_seq);
        goto refused;
    }
    if ((code = store_txn_commit(&t))) /* into parent: durable when it commits */
        snprintf(why, why_cap, "cannot write: %s", accord_strerror(code));
    return code;
refused:
    store_txn_abort(&t);
    return code;
}

int ingest_record_refusal(store_t *st, const uint8_t self[ID_LEN], const uint8_t source[ID_LEN],
                          const uint8_t origin[ID_LEN], int code, uint64_t seq, const char *why,
                          uint64_t now_ms, bool *quarantined)
{
    *quarantined = false;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 4); /* [time_ms, code, seq, why]: sync status reads it */
    msgpack_pack_uint64(&pk, now_ms);
    msgpack_pack_int(&pk, code);
    msgpack_pack_uint64(&pk, seq);
    msgpack_pack_str(&pk, strlen(why));
    msgpack_pack_str_body(&pk, why, strlen(why));
    uint8_t key[2 * ID_LEN + 1]; /* the latest refusal of each kind per source and feed */
    memcpy(key, source, ID_LEN);
    memcpy(key + ID_LEN, origin, ID_LEN);
    key[2 * ID_LEN] = (uint8_t)-code;
    bool fork = code == ACCORD_EFORK && memcmp(origin, self, ID_LEN) != 0; /* never our own feed */
    store_txn_t *t;
    int rc = store_txn_begin(st, NULL, true, &t);
    if (!rc && !(rc = store_put(t, TBL_REJECTS, key, sizeof key, sb.data, sb.size)) && fork)
        rc = store_put(t, TBL_QUARANTINE, origin, ID_LEN, sb.data, sb.size); /* the evidence, by feed */
    if (!rc) rc = store_txn_commit(&t);
    else if (t) store_txn_abort(&t);
    msgpack_sbuffer_destroy(&sb);
    if (!rc) *quarantined = fork;
    return rc;
}
