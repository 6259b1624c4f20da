/* SPDX-License-Identifier: MIT */
#include "feed/apply.h"
#include "hooks/hook_outbox.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/validate.h"
#include "state/entity.h"
#include "state/merge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_VAL_LEN (8 + 32 + CRYPTO_SIG_LEN)

static int refuse(apply_result_t *res, int code, uint64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(apply_result_t *res, int code, uint64_t seq, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->why, sizeof res->why, fmt, ap);
    va_end(ap);
    res->bad_seq = seq;
    return code;
}

int apply_head(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t *seq, uint8_t hash[32])
{
    store_val_t v;
    int rc = store_get(t, TBL_HEADS, origin, ID_LEN, &v);
    if (rc == ACCORD_ENOTFOUND) {
        *seq = 0;
        memset(hash, 0, 32);
        return 0;
    }
    if (rc) return rc;
    if (v.len != HEAD_VAL_LEN) return ACCORD_ESTORE;
    *seq = be64_get(v.data);
    memcpy(hash, (const uint8_t *)v.data + 8, 32);
    return 0;
}

static void feed_key(uint8_t key[ID_LEN + 8], const uint8_t *origin, uint64_t seq)
{
    memcpy(key, origin, ID_LEN);
    be64_put(key + ID_LEN, seq);
}

void apply_format_duration(uint64_t ms, char *out, size_t cap)
{
    uint64_t s = ms / 1000;
    if (s >= 86400) snprintf(out, cap, "%llu d %llu h", (unsigned long long)(s / 86400), (unsigned long long)(s % 86400 / 3600));
    else if (s >= 3600) snprintf(out, cap, "%llu h %llu min", (unsigned long long)(s / 3600), (unsigned long long)(s % 3600 / 60));
    else if (s >= 60) snprintf(out, cap, "%llu min %llu s", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
    else snprintf(out, cap, "%.1f s", (double)ms / 1000.0);
}

/* 3. each record's content, once the signature says the batch is the origin's own */
static int check_content(const apply_batch_t *b, const apply_clock_t *clock, apply_result_t *res)
{
    record_t rec;
    char why[160];
    uint64_t limit_ms = clock ? clock->now_ms + clock->max_ahead_ms : 0;
    for (unsigned i = 0; i < b->n; i++) {
        if (record_decode(b->recs[i], b->lens[i], &rec)) return ACCORD_EPROTO; /* decoded in step 1 */
        if (validate_record(&rec, why, sizeof why))
            return refuse(res, ACCORD_EPROTO, rec.seq, "record %llu is not one a node could write: %s",
                          (unsigned long long)rec.seq, why);
        if (clock && HLC_MS(rec.hlc) > limit_ms) {
            char ahead[40];
            apply_format_duration(HLC_MS(rec.hlc) - clock->now_ms, ahead, sizeof ahead);
            return refuse(res, ACCORD_EFUTURE, rec.seq,
                          "record %llu is stamped %s ahead of this node's clock (at most %llu s is accepted): "
                          "check the origin's clock (NTP)",
                          (unsigned long long)rec.seq, ahead, (unsigned long long)(clock->max_ahead_ms / 1000));
        }
        if (rec.hlc > res->max_hlc) res->max_hlc = rec.hlc;
    }
    return 0;
}

/* 4b. the records of the batch this node holds already (seq first..head) must be the same
 * bytes; those at or behind a compaction base are no longer stored, and the base's hash
 * stands for them (the batch's own chain links what comes before it to that record). */
static int check_held(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t first, uint64_t last,
                      uint64_t head_seq, const uint8_t (*hash)[32], apply_result_t *res)
{
    uint64_t base = 0;
    store_val_t bv;
    int rc = 0;
    if (store_get(t, TBL_BASES, origin, ID_LEN, &bv) == 0 && bv.len >= 40) base = be64_get(bv.data);
    for (uint64_t s = first; !rc && s <= last && s <= head_seq; s++) {
        uint8_t key[ID_LEN + 8], held[32];
        store_val_t v;
        if (s <= base) {
            if (s == base && memcmp((const uint8_t *)bv.data + 8, hash[s - first], 32))
                rc = refuse(res, ACCORD_EFORK, s, "record %llu differs from the one this node holds: the origin's feed forked",
                            (unsigned long long)s);
            else
                res->held++;
            continue;
        }
        feed_key(key, origin, s);
        if ((rc = store_get(t, TBL_FEED, key, sizeof key, &v))) {
            if (rc == ACCORD_ENOTFOUND) rc = refuse(res, ACCORD_ESTORE, s, "record %llu is under the head but not stored",
                                                    (unsigned long long)s);
            break;
        }
        crypto_record_hash(v.data, v.len, held);
        if (memcmp(held, hash[s - first], 32))
            rc = refuse(res, ACCORD_EFORK, s, "record %llu differs from the one this node holds: the origin's feed forked",
                        (unsigned long long)s);
        else
            res->held++;
    }
    return rc;
}

/* 4c. a record must not name an entity stored with another kind, nor one that an earlier
 * record of the batch gave another kind: found here, before anything is written, so that no
 * write of the batch has to be undone (the store runs without nested transactions). */
typedef struct {
    uint8_t entity[ID_LEN];
    uint8_t kind;
    uint64_t seq;
} entity_kind_t;

static int by_entity_then_seq(const void *a, const void *b)
{
    const entity_kind_t *x = a, *y = b;
    int c = memcmp(x->entity, y->entity, ID_LEN);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int check_kinds(store_txn_t *t, const apply_batch_t *b, uint64_t first, uint64_t from,
                       apply_result_t *res)
{
    unsigned n = (unsigned)(first + b->n - from), start = (unsigned)(from - first);
    entity_kind_t *ek = malloc((size_t)n * sizeof *ek);
    if (!ek) abort();
    record_t rec;
    for (unsigned i = 0; i < n; i++) {
        if (record_decode(b->recs[start + i], b->lens[start + i], &rec)) { /* decoded in step 1 */
            free(ek);
            return ACCORD_EPROTO;
        }
        memcpy(ek[i].entity, rec.entity, ID_LEN);
        ek[i].kind = rec.kind;
        ek[i].seq = rec.seq;
    }
    qsort(ek, n, sizeof *ek, by_entity_then_seq);
    int rc = 0;
    for (unsigned i = 0; i < n && !rc; i++) {
        bool first_of_entity = i == 0 || memcmp(ek[i].entity, ek[i - 1].entity, ID_LEN);
        if (!first_of_entity) {
            if (ek[i].kind != ek[i - 1].kind)
                rc = refuse(res, ACCORD_EPROTO, ek[i].seq, "record %llu names a record that record %llu gave another kind",
                            (unsigned long long)ek[i].seq, (unsigned long long)ek[i - 1].seq);
            continue;
        }
        int kind = entity_kind(t, ek[i].entity);
        if (kind >= 0 && kind != ek[i].kind)
            rc = refuse(res, ACCORD_EPROTO, ek[i].seq, "record %llu names a record stored with another kind",
                        (unsigned long long)ek[i].seq);
        else if (kind < 0 && kind != ACCORD_ENOTFOUND)
            rc = refuse(res, kind, ek[i].seq, "cannot read the kind of record %llu's entity: %s",
                        (unsigned long long)ek[i].seq, accord_strerror(kind));
    }
    free(ek);
    return rc;
}

void apply_plan_free(apply_plan_t *plan)
{
    free(plan->hash);
    plan->hash = NULL;
}

int apply_check(store_txn_t *t, const uint8_t origin[ID_LEN], const uint8_t pk[CRYPTO_PK_LEN],
                const apply_batch_t *b, const apply_clock_t *clock, apply_result_t *res, apply_plan_t *plan)
{
    memset(res, 0, sizeof *res);
    memset(plan, 0, sizeof *plan);
    if (b->n == 0) return refuse(res, ACCORD_EPROTO, 0, "the batch holds no records");
    if (b->n > APPLY_MAX_RECORDS)
        return refuse(res, ACCORD_ETOOBIG, 0, "the batch holds %u records; at most %d", b->n, APPLY_MAX_RECORDS);

    /* 1. every record decodes, and the links between them */
    uint8_t (*hash)[32] = malloc((size_t)b->n * 32);
    if (!hash) abort();
    plan->hash = hash;
    record_t rec; /* 4 KiB on the writer's stack, not a static */
    uint64_t first = 0;
    uint8_t first_prev[32];
    int rc = 0;
    for (unsigned i = 0; i < b->n && !rc; i++) {
        if (b->lens[i] > RECORD_MAX_BYTES || record_decode(b->recs[i], b->lens[i], &rec)) {
            rc = refuse(res, ACCORD_EPROTO, first ? first + i : 0, "record %u of the batch cannot be decoded", i + 1);
            break;
        }
        if (i == 0) {
            first = rec.seq;
            memcpy(first_prev, rec.prev, 32);
        }
        if (memcmp(rec.origin, origin, ID_LEN))
            rc = refuse(res, ACCORD_EPROTO, rec.seq, "record %llu names another origin", (unsigned long long)rec.seq);
        else if (rec.seq != first + i)
            rc = refuse(res, ACCORD_EPROTO, rec.seq, "the batch is not contiguous at record %llu",
                        (unsigned long long)rec.seq);
        else if (i > 0 && memcmp(rec.prev, hash[i - 1], 32))
            rc = refuse(res, ACCORD_ECHAIN, rec.seq, "record %llu does not link to the record before it",
                        (unsigned long long)rec.seq);
        crypto_record_hash(b->recs[i], b->lens[i], hash[i]);
    }
    uint64_t last = first + b->n - 1;
    if (!rc) res->first_seq = first, res->last_seq = last;

    /* 2. one signature covers the whole batch through the chain */
    if (!rc && crypto_head_verify(pk, origin, last, hash[b->n - 1], b->sig))
        rc = refuse(res, ACCORD_ESIG, last, "the signature over record %llu does not verify with the origin's key",
                    (unsigned long long)last);
    if (!rc) rc = check_content(b, clock, res);

    /* 4. against what this node holds */
    uint64_t head_seq = 0;
    uint8_t head_hash[32];
    if (!rc) rc = apply_head(t, origin, &head_seq, head_hash);
    if (!rc && first > head_seq + 1)
        rc = refuse(res, ACCORD_EGAP, head_seq + 1, "records %llu to %llu are missing before this batch",
                    (unsigned long long)head_seq + 1, (unsigned long long)first - 1);
    if (!rc) rc = check_held(t, origin, first, last, head_seq, (const uint8_t (*)[32])hash, res);
    /* Where the batch overlaps what is held, the held records matched byte for byte, so the
     * first new one follows the stored head through them; otherwise it must link to it. */
    if (!rc && first == head_seq + 1 && memcmp(first_prev, head_hash, 32))
        rc = refuse(res, ACCORD_EFORK, first, "record %llu does not follow this node's record %llu: the feed forked",
                    (unsigned long long)first, (unsigned long long)head_seq);
    if (!rc && last > head_seq) rc = check_kinds(t, b, first, head_seq + 1, res);
    if (rc) {
        apply_plan_free(plan);
        res->head_seq = 0;
        return rc;
    }
    plan->first = first;
    plan->last = last;
    plan->head_seq = head_seq;
    plan->fresh = last > head_seq ? (unsigned)(last - head_seq) : 0;
    res->head_seq = last > head_seq ? last : head_seq;
    return 0;
}

int apply_write(store_txn_t *t, const uint8_t origin[ID_LEN], const apply_batch_t *b, apply_plan_t *plan,
                apply_result_t *res)
{
    record_t rec;
    int rc = 0;
    for (uint64_t s = plan->head_seq + 1; !rc && s <= plan->last; s++) {
        unsigned i = (unsigned)(s - plan->first);
        uint8_t key[ID_LEN + 8];
        feed_key(key, origin, s);
        if (record_decode(b->recs[i], b->lens[i], &rec)) rc = ACCORD_EPROTO;
        else rc = merge_apply(t, &rec);
        if (rc == ACCORD_EPROTO) /* apply_check let through what merge refuses: a bug, not the peer's fault */
            rc = ACCORD_ESTORE;
        if (!rc) rc = store_put(t, TBL_FEED, key, sizeof key, b->recs[i], b->lens[i]);
        if (!rc) rc = hook_outbox_note(t, &rec); /* in the same transaction (hooks/hook_outbox.h) */
        if (rc) {
            refuse(res, rc, s, "cannot store record %llu: %s", (unsigned long long)s, accord_strerror(rc));
            res->spoilt = true;
            break;
        }
        res->applied++;
    }
    if (!rc && plan->last > plan->head_seq) {
        uint8_t val[HEAD_VAL_LEN], key[ID_LEN + 8];
        be64_put(val, plan->last);
        memcpy(val + 8, plan->hash[b->n - 1], 32);
        memcpy(val + 40, b->sig, CRYPTO_SIG_LEN);
        feed_key(key, origin, plan->last);
        if (!(rc = store_put(t, TBL_HEADS, origin, ID_LEN, val, sizeof val)))
            rc = store_put(t, TBL_CHECKPTS, key, sizeof key, b->sig, CRYPTO_SIG_LEN);
        if (rc) {
            refuse(res, rc, plan->last, "cannot store the head of the feed at record %llu: %s",
                   (unsigned long long)plan->last, accord_strerror(rc));
            res->spoilt = true;
        }
    }
    if (rc) res->head_seq = 0;
    apply_plan_free(plan);
    return rc;
}

int apply_batch(store_txn_t *t, const uint8_t origin[ID_LEN], const uint8_t pk[CRYPTO_PK_LEN],
                const apply_batch_t *b, const apply_clock_t *clock, apply_result_t *res)
{
    apply_plan_t plan;
    int rc = apply_check(t, origin, pk, b, clock, res, &plan);
    return rc ? rc : apply_write(t, origin, b, &plan, res);
}
