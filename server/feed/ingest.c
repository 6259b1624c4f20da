/* SPDX-License-Identifier: MIT
 * ingest: admission and application of another node's batch, for sync and bundles alike
 * (the rules are listed in ingest.h; this file follows them in the same order). */
#include "feed/ingest.h"
#include "auth/people.h"
#include "auth/roster.h"
#include "proto/accord_err.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static uint32_t be32_get(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void be32_put(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24), b[1] = (uint8_t)(v >> 16), b[2] = (uint8_t)(v >> 8), b[3] = (uint8_t)v;
}

/* The origin's record bytes added here today: TBL_META "quota" origin -> day(4 BE) bytes(8 BE),
 * one row per origin, started again each UTC day. */
static int charge_quota(store_txn_t *t, const ingest_policy_t *pol, const uint8_t origin[ID_LEN],
                        const apply_batch_t *b, const apply_plan_t *plan, char *why, size_t why_cap)
{
    if (!pol->origin_day_bytes || !memcmp(origin, pol->self, ID_LEN)) return 0;
    uint64_t added = 0;
    for (unsigned i = b->n - plan->fresh; i < b->n; i++) added += b->lens[i];
    uint64_t now_ms = pol->clock ? pol->clock->now_ms : (uint64_t)time(NULL) * 1000;
    uint32_t today = (uint32_t)(now_ms / 86400000);
    uint8_t key[5 + ID_LEN], val[12];
    memcpy(key, "quota", 5);
    memcpy(key + 5, origin, ID_LEN);
    store_val_t v;
    uint64_t used = 0;
    int rc = store_get(t, TBL_META, key, sizeof key, &v);
    if (rc == 0 && v.len == sizeof val && be32_get(v.data) == today) used = be64_get((const uint8_t *)v.data + 4);
    else if (rc && rc != ACCORD_ENOTFOUND) return rc;
    if (used && used + added > pol->origin_day_bytes) { /* a day's first batch always goes: no batch waits forever */
        snprintf(why, why_cap,
                 "this feed has added %.1f MB here today and this batch would pass the limit of %.1f MB a day "
                 "(--origin-daily-mb): it applies tomorrow (UTC); if the branch is doing real work (a large "
                 "import), raise the limit",
                 (double)used / 1048576.0, (double)pol->origin_day_bytes / 1048576.0);
        return ACCORD_EQUOTA;
    }
    be32_put(val, today);
    be64_put(val + 4, used + added);
    return store_put(t, TBL_META, key, sizeof key, val, sizeof val);
}

uint64_t ingest_origin_day_bytes_from_env(void)
{
    const char *s = getenv("ACCORD_ORIGIN_DAILY_MB");
    char *end;
    long mb = s && *s ? strtol(s, &end, 10) : -1;
    if (!s || !*s || *end || mb < 0 || mb > 1048576) mb = INGEST_ORIGIN_DAY_MB;
    return (uint64_t)mb << 20;
}

/* Every new record's author may make it where it was made: the origin's node, its region
 * as the org key signed it (people.h). A refusal names the record and is offered again
 * (its author may be a user this node has not received yet). */
static int admit_authors(store_txn_t *t, const roster_entry_t *e, const apply_batch_t *b, const apply_plan_t *plan,
                         apply_result_t *res, char *why, size_t why_cap)
{
    people_place_t place = {e->name, e->region, !strcmp(e->role, "hub")};
    people_batch_t batch = {0};
    record_t rec;
    int rc = 0;
    for (unsigned i = b->n - plan->fresh; i < b->n; i++) /* a document's lines come before it */
        if (record_decode(b->recs[i], b->lens[i], &rec) == 0) people_batch_expect(&batch, &rec);
    for (unsigned i = b->n - plan->fresh; i < b->n && !rc; i++) {
        if (record_decode(b->recs[i], b->lens[i], &rec)) { /* decoded by apply_check */
            rc = ACCORD_EPROTO;
            snprintf(why, why_cap, "record %u of the batch cannot be decoded", i + 1);
            break;
        }
        char judged[200];
        if ((rc = people_admit(t, &place, &rec, &batch, judged, sizeof judged))) {
            res->bad_seq = rec.seq;
            if (rc == ACCORD_EPERM)
                snprintf(why, why_cap, "record %llu by '%.*s' from %s: %s", (unsigned long long)rec.seq,
                         (int)rec.author_len, rec.author, e->name, judged);
            else
                snprintf(why, why_cap, "cannot judge record %llu's author: %s", (unsigned long long)rec.seq,
                         accord_strerror(rc));
        }
    }
    people_batch_free(&batch);
    return rc;
}

int ingest_batch(store_txn_t *t, const ingest_policy_t *pol, const uint8_t origin[ID_LEN], const apply_batch_t *b,
                 apply_result_t *res, char *why, size_t why_cap)
{
    memset(res, 0, sizeof *res);
    why[0] = 0;
    roster_entry_t e;
    int code = admit(t, pol, origin, &e, why, why_cap);
    if (code) return code;
    apply_plan_t plan;
    if ((code = apply_check(t, origin, e.pk, b, pol->clock, res, &plan))) {
        if (res->why[0]) snprintf(why, why_cap, "%s", res->why);
        else snprintf(why, why_cap, "cannot apply the batch: %s", accord_strerror(code));
        return code;
    }
    if (plan.fresh == 0) {
        apply_plan_free(&plan);
        snprintf(why, why_cap, "records %llu-%llu were sent again: this node holds them already (up to %llu)",
                 (unsigned long long)res->first_seq, (unsigned long long)res->last_seq,
                 (unsigned long long)res->head_seq);
        return ACCORD_EREPLAY;
    }
    if ((code = admit_authors(t, &e, b, &plan, res, why, why_cap))) {
        apply_plan_free(&plan);
        return code;
    }
    if ((code = charge_quota(t, pol, origin, b, &plan, why, why_cap))) {
        if (code != ACCORD_EQUOTA) {
            snprintf(why, why_cap, "cannot write: %s", accord_strerror(code));
            res->spoilt = true; /* its put may have failed part way */
        }
        res->bad_seq = plan.head_seq + 1;
        apply_plan_free(&plan);
        return code;
    }
    if ((code = apply_write(t, origin, b, &plan, res)))
        snprintf(why, why_cap, "%s", res->why[0] ? res->why : accord_strerror(code));
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
    int rc = store_txn_begin(st, true, &t);
    if (!rc && !(rc = store_put(t, TBL_REJECTS, key, sizeof key, sb.data, sb.size)) && fork)
        rc = store_put(t, TBL_QUARANTINE, origin, ID_LEN, sb.data, sb.size); /* the evidence, by feed */
    if (!rc) rc = store_txn_commit(&t);
    else if (t) store_txn_abort(&t);
    msgpack_sbuffer_destroy(&sb);
    if (!rc) *quarantined = fork;
    return rc;
}
