/* SPDX-License-Identifier: MIT */
#include "feed/oplog.h"
#include "auth/people.h"
#include "common/log.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/validate.h"
#include "feed/restamp.h"
#include "hooks/hook_outbox.h"
#include "state/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct oplog {
    const identity_t *id;
    hlc_clock_t clock;
    uint64_t remote_last; /* the newest timestamp folded in from other nodes since open */
    uint64_t max_skew_ms; /* the wall clock this far behind the HLC counts as "behind" */
    feed_head_t head;     /* after the records appended so far */
    feed_head_t sealed;   /* as last signed */
    feed_head_t durable;  /* as last committed */
    msgpack_sbuffer buf;  /* reused for every encode: no malloc per record once grown */
    char why[240];        /* why the last append was refused (EPERM: the author's roles) */
};

#define HEAD_VAL_LEN (8 + 32 + CRYPTO_SIG_LEN)

/* The own feed's head as stored, and the clock's last reading. */
static int read_head(store_t *st, oplog_t *log)
{
    store_txn_t *t;
    int rc = store_txn_begin(st, false, &t);
    if (rc) return rc;
    store_val_t v;
    rc = store_get(t, TBL_HEADS, log->id->origin, ID_LEN, &v);
    if (rc == 0 && v.len == HEAD_VAL_LEN) {
        log->head.seq = be64_get(v.data);
        memcpy(log->head.hash, (const uint8_t *)v.data + 8, 32);
    } else if (rc == 0) {
        rc = ACCORD_ESTORE;
    } else if (rc == ACCORD_ENOTFOUND) {
        rc = 0;
    }
    if (rc == 0 && store_get(t, TBL_META, "hlc", 3, &v) == 0 && v.len == 8)
        hlc_observe(&log->clock, be64_get(v.data));
    store_txn_abort(&t);
    if (rc == 0) log->sealed = log->durable = log->head;
    return rc;
}

int oplog_open(store_t *st, const identity_t *id, oplog_t **out)
{
    oplog_t *log = calloc(1, sizeof *log);
    if (!log) abort();
    log->id = id;
    log->max_skew_ms = RESTAMP_DEFAULT_SKEW_MS;
    msgpack_sbuffer_init(&log->buf);
    int rc = read_head(st, log);
    if (rc) {
        msgpack_sbuffer_destroy(&log->buf);
        free(log);
        return rc;
    }
    *out = log;
    return 0;
}

int oplog_reload(oplog_t *log, store_t *st)
{
    return read_head(st, log);
}

void oplog_destroy(oplog_t **plog)
{
    oplog_t *log = *plog;
    if (!log) return;
    msgpack_sbuffer_destroy(&log->buf);
    free(log);
    *plog = NULL;
}

uint64_t oplog_now(oplog_t *log)
{
    return hlc_tick(&log->clock, hlc_wall_ms());
}

void oplog_observe(oplog_t *log, uint64_t hlc)
{
    hlc_observe(&log->clock, hlc);
    if (hlc > log->remote_last) log->remote_last = hlc;
}

uint64_t oplog_clock(const oplog_t *log)
{
    return log->clock.last;
}

void oplog_set_max_skew(oplog_t *log, uint64_t max_skew_ms)
{
    log->max_skew_ms = max_skew_ms;
}

void oplog_reset_clock(oplog_t *log, uint64_t hlc)
{
    log->clock.last = hlc > log->remote_last ? hlc : log->remote_last;
}

static void feed_key(uint8_t key[ID_LEN + 8], const uint8_t *origin, uint64_t seq)
{
    memcpy(key, origin, ID_LEN);
    be64_put(key + ID_LEN, seq);
}

int oplog_append(oplog_t *log, store_txn_t *t, record_t *rec)
{
    memcpy(rec->origin, log->id->origin, ID_LEN);
    rec->seq = log->head.seq + 1;
    uint64_t wall_ms = hlc_wall_ms();
    /* the clock was ahead and is right now: the HLC keeps the feed in order, and the wall
     * time is kept so a re-stamp can give this record its real time */
    bool behind = rec->hlc == 0 && HLC_MS(log->clock.last) > wall_ms + log->max_skew_ms;
    if (rec->hlc == 0) rec->hlc = hlc_tick(&log->clock, wall_ms);
    memcpy(rec->prev, log->head.hash, 32);
    /* the same rule a peer's record meets (validate.h): what this node writes, every node accepts */
    char why[160];
    if (validate_record(rec, why, sizeof why)) {
        log_error("refusing to write a record that breaks the schema: %s", why);
        return ACCORD_EPROTO;
    }
    /* the same judgement of its author's roles every receiver makes (people.h) */
    char region[65];
    people_node_region(t, log->id->name, region, sizeof region);
    people_place_t place = {log->id->name, region, !strcmp(log->id->role, "hub")};
    log->why[0] = 0;
    people_batch_t here = {.here = true};
    int admitted = people_admit(t, &place, rec, &here, log->why, sizeof log->why);
    people_batch_free(&here);
    if (admitted) return admitted;
    log->buf.size = 0;
    int rc = record_encode(rec, &log->buf);
    if (rc) return rc;
    /* merge first: it refuses a bad record before it writes anything, so after a refusal
     * the txn is untouched and the caller need not throw away the other changes in it */
    if ((rc = merge_apply(t, rec))) return rc;
    uint8_t key[ID_LEN + 8];
    feed_key(key, rec->origin, rec->seq);
    if ((rc = store_put(t, TBL_FEED, key, sizeof key, log->buf.data, log->buf.size))) return rc;
    /* a webhook's row is part of the change: the same transaction (hooks/hook_outbox.h) */
    if ((rc = hook_outbox_note(t, rec))) return rc;
    if (behind && (rc = restamp_note_wall(t, rec->seq, wall_ms))) return rc;
    log->head.seq = rec->seq;
    crypto_record_hash(log->buf.data, log->buf.size, log->head.hash);
    return 0;
}

const char *oplog_why(const oplog_t *log)
{
    return log->why;
}

feed_head_t oplog_mark(const oplog_t *log)
{
    return log->head;
}

void oplog_rollback(oplog_t *log, feed_head_t mark)
{
    log->head = mark;
}

int oplog_seal(oplog_t *log, store_txn_t *t)
{
    if (log->head.seq == log->sealed.seq) return 0;
    uint8_t val[HEAD_VAL_LEN], key[ID_LEN + 8], hlc[8];
    be64_put(val, log->head.seq);
    memcpy(val + 8, log->head.hash, 32);
    crypto_head_sign(log->id->sk, log->id->origin, log->head.seq, log->head.hash, val + 40);
    feed_key(key, log->id->origin, log->head.seq);
    be64_put(hlc, log->clock.last);
    int rc;
    if ((rc = store_put(t, TBL_HEADS, log->id->origin, ID_LEN, val, sizeof val)) ||
        (rc = store_put(t, TBL_CHECKPTS, key, sizeof key, val + 40, CRYPTO_SIG_LEN)) ||
        (rc = store_put(t, TBL_META, "hlc", 3, hlc, sizeof hlc)))
        return rc;
    log->sealed = log->head;
    return 0;
}

void oplog_commit_done(oplog_t *log)
{
    log->durable = log->sealed = log->head;
}

void oplog_commit_failed(oplog_t *log)
{
    log->head = log->sealed = log->durable;
}

feed_head_t oplog_head(const oplog_t *log)
{
    return log->head;
}

/* ---- verification ---- */

typedef struct {
    uint8_t hash[32]; /* computed over the stored bytes */
    uint8_t prev[32]; /* as the record claims */
} link_t;

static int report(feed_report_t *rep, int code, uint64_t seq, const char *why)
{
    rep->code = code;
    rep->bad_seq = seq;
    snprintf(rep->why, sizeof rep->why, "record %llu: %s", (unsigned long long)seq, why);
    return code;
}

/* Checks group [first, last] backwards from last's signed checkpoint: the signature makes
 * last's hash trusted, a trusted record makes its prev trusted, and so on down. */
static int verify_group(const link_t *links, uint64_t first, uint64_t last, const uint8_t *origin,
                        const uint8_t *pk, const uint8_t *sig, const uint8_t trusted_prev[32],
                        feed_report_t *rep)
{
    const link_t *l = &links[last - first];
    if (pk && crypto_head_verify(pk, origin, last, l->hash, sig))
        return report(rep, ACCORD_ESIG, last,
                      "its bytes do not match its signed checkpoint: the record was changed");
    for (uint64_t s = last; s > first; s--)
        if (memcmp(links[s - first].prev, links[s - 1 - first].hash, 32))
            return report(rep, ACCORD_ECHAIN, s - 1,
                          "its bytes do not match the hash the next record holds: the record was changed");
    if (memcmp(links[0].prev, trusted_prev, 32))
        return report(rep, ACCORD_ECHAIN, first,
                      "it does not link to the record before it");
    rep->checkpoints++;
    return 0;
}

int oplog_verify(store_txn_t *t, const uint8_t origin[ID_LEN], const uint8_t pk[32],
                 feed_report_t *rep, feed_progress_fn progress, void *ctx)
{
    memset(rep, 0, sizeof *rep);
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_FEED, origin, ID_LEN, false, &it);
    if (rc) return rc;
    link_t *links = NULL;
    size_t cap = 0, n = 0;
    uint64_t group_first = 1, base = 0;
    uint8_t trusted_prev[32] = {0};
    store_val_t k, v;
    /* a compacted feed starts after its base: a signed checkpoint whose hash is trusted */
    if (store_get(t, TBL_BASES, origin, ID_LEN, &v) == 0) {
        if (v.len != HEAD_VAL_LEN) {
            store_iter_destroy(&it);
            return report(rep, ACCORD_ESTORE, 0, "the feed's compaction base is damaged");
        }
        base = be64_get(v.data);
        memcpy(trusted_prev, (const uint8_t *)v.data + 8, 32);
        if (pk && crypto_head_verify(pk, origin, base, trusted_prev, (const uint8_t *)v.data + 40)) {
            store_iter_destroy(&it);
            return report(rep, ACCORD_ESIG, base, "the signature of the feed's compaction base does not verify");
        }
        group_first = base + 1;
        rep->base_seq = base;
        uint8_t start[ID_LEN + 8];
        feed_key(start, origin, base + 1);
        store_iter_seek(it, start, sizeof start);
    }
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        uint64_t seq = be64_get((const uint8_t *)k.data + ID_LEN);
        uint64_t want = base + rep->records + 1;
        if (seq != want) {
            rc = report(rep, ACCORD_ECHAIN, want, "missing: the feed has a gap");
            break;
        }
        record_t rec;
        if (record_decode(v.data, v.len, &rec) || rec.seq != seq || memcmp(rec.origin, origin, ID_LEN)) {
            rc = report(rep, ACCORD_EPROTO, seq, "cannot be decoded, or names another seq or origin");
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            links = realloc(links, cap * sizeof *links);
            if (!links) abort();
        }
        crypto_record_hash(v.data, v.len, links[n].hash);
        memcpy(links[n].prev, rec.prev, 32);
        n++;
        rep->records++;
        store_val_t sig;
        uint8_t ck[ID_LEN + 8];
        memcpy(ck, origin, ID_LEN);
        be64_put(ck + ID_LEN, seq);
        int g = store_get(t, TBL_CHECKPTS, ck, sizeof ck, &sig);
        if (g == 0) {
            if (sig.len != CRYPTO_SIG_LEN) {
                rc = report(rep, ACCORD_ESIG, seq, "its checkpoint signature is damaged");
                break;
            }
            if ((rc = verify_group(links, group_first, seq, origin, pk, sig.data, trusted_prev, rep)))
                break;
            memcpy(trusted_prev, links[n - 1].hash, 32);
            group_first = seq + 1;
            n = 0;
        } else if (g != ACCORD_ENOTFOUND) {
            rc = g;
            break;
        }
        if (progress && rep->records % 65536 == 0) progress(ctx, rep->records);
    }
    store_iter_destroy(&it);
    if (rc == 0 && n > 0)
        rc = report(rep, ACCORD_ESIG, group_first, "this and later records are not covered by any signature");
    if (rc == 0) {
        store_val_t h;
        int g = store_get(t, TBL_HEADS, origin, ID_LEN, &h);
        if (g == ACCORD_ENOTFOUND && rep->records == 0 && base == 0) {
            /* an empty feed */
        } else if (g || h.len != HEAD_VAL_LEN) {
            rc = report(rep, ACCORD_ESIG, rep->records, "the feed head is missing or damaged");
        } else {
            rep->head_seq = be64_get(h.data);
            const uint8_t *hh = (const uint8_t *)h.data + 8;
            if (rep->head_seq != base + rep->records || memcmp(hh, trusted_prev, 32))
                rc = report(rep, ACCORD_ECHAIN, rep->head_seq, "the signed head names this record, which is not the last one");
            else if (pk && crypto_head_verify(pk, origin, rep->head_seq, hh, hh + 32))
                rc = report(rep, ACCORD_ESIG, rep->head_seq, "the head signature does not verify");
        }
    }
    free(links);
    return rc;
}

int oplog_prove(store_txn_t *t, const uint8_t origin[ID_LEN], const uint8_t pk[32], uint64_t seq)
{
    uint8_t key[ID_LEN + 8];
    memcpy(key, origin, ID_LEN);
    int rc;
    uint8_t hash[32];
    bool have_hash = false;
    for (uint64_t s = seq;; s++) {
        be64_put(key + ID_LEN, s);
        store_val_t v, sig;
        if ((rc = store_get(t, TBL_FEED, key, sizeof key, &v)))
            return s == seq ? rc : ACCORD_ESIG; /* ran off the end without a checkpoint */
        record_t rec;
        if (record_decode(v.data, v.len, &rec)) return ACCORD_ECHAIN;
        if (have_hash && memcmp(rec.prev, hash, 32)) return ACCORD_ECHAIN;
        crypto_record_hash(v.data, v.len, hash);
        have_hash = true;
        rc = store_get(t, TBL_CHECKPTS, key, sizeof key, &sig);
        if (rc == 0)
            return sig.len == CRYPTO_SIG_LEN ? crypto_head_verify(pk, origin, s, hash, sig.data)
                                             : ACCORD_ESIG;
        if (rc != ACCORD_ENOTFOUND) return rc;
    }
}
