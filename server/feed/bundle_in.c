/* SPDX-License-Identifier: MIT
 * bundle_in: pass 1 checks the whole file, pass 2 applies it through ingest (bundle_in.h). */
#include "feed/bundle_in.h"
#include "auth/roster.h"
#include "feed/ingest.h"
#include "proto/accord_err.h"
#include "proto/bundle.h"
#include "proto/hlc.h"
#include "proto/wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* decoding space for one message, on the heap: the item arrays are large */
typedef struct {
    wire_vec_t vec[1];
    const uint8_t *items[WIRE_MAX_ROSTER];
    size_t item_lens[WIRE_MAX_ROSTER];
    wire_digest_t no_digests[1];
} space_t;

static int decode_msg(space_t *sp, const uint8_t *msg, size_t len, wire_msg_t *m)
{
    wire_space_t ws = {sp->vec, 0, sp->items, sp->item_lens, WIRE_MAX_ROSTER, sp->no_digests, 0};
    int rc = wire_decode(msg, len, &ws, m);
    if (!rc && m->type != WIRE_ROSTER && m->type != WIRE_BATCH) rc = ACCORD_EPROTO;
    return rc;
}

/* Pass 1: the whole file opens, every chunk authenticates and decodes, and it ends with
 * the final chunk. */
static int check_file(FILE *f, const identity_t *id, space_t *sp, bundle_in_report_t *rep)
{
    bundle_reader_t *r;
    int rc = bundle_reader_open(f, id->pk, id->sk, &r);
    if (rc) {
        snprintf(rep->why, sizeof rep->why, "%s",
                 rc == ACCORD_ENOTMINE ? "this bundle is addressed to another node"
                 : rc == ACCORD_ESIG   ? "this bundle was not sealed to this node's key"
                                       : "not an Accord bundle (or its header is damaged)");
        return rc;
    }
    const uint8_t *msg;
    size_t len;
    while ((rc = bundle_read(r, &msg, &len)) == 1) {
        wire_msg_t m;
        if ((rc = decode_msg(sp, msg, len, &m))) break;
        if (m.type == WIRE_BATCH) {
            rep->batches++;
            rep->records += m.n_items;
        }
    }
    if (rc < 0)
        snprintf(rep->why, sizeof rep->why, "%s at byte %ld; nothing was applied",
                 rc == ACCORD_ESIG     ? "the bundle was altered"
                 : rc == ACCORD_EPROTO ? "the bundle is truncated or malformed"
                                       : accord_strerror(rc),
                 bundle_offset(r));
    bundle_reader_close(&r);
    return rc < 0 ? rc : 0;
}

static int apply_roster(store_t *st, space_t *sp, const wire_msg_t *m, bundle_in_report_t *rep)
{
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    for (uint32_t i = 0; i < m->n_items; i++) {
        bool changed = false;
        roster_entry_t e;
        if (roster_add(t, sp->items[i], sp->item_lens[i], &changed, &e) == 0 && changed) rep->roster_entries++;
    }
    return store_txn_commit(&t);
}

static int apply_one(store_t *st, const identity_t *id, space_t *sp, const wire_msg_t *m, const apply_clock_t *clock,
                     uint64_t origin_day_bytes,
                     const bundle_in_hooks_t *hooks, bundle_in_report_t *rep)
{
    ingest_policy_t pol = {
        .self = id->origin,
        .own_feed_ok = false,
        .clock = clock,
        .origin_day_bytes = origin_day_bytes,
        .own_feed_why = "records of this node's own feed: a restored node rejoins from its hub "
                        "('accordctl restore'), not from a bundle",
    };
    apply_batch_t b = {sp->items, sp->item_lens, m->n_items, {0}};
    memcpy(b.sig, m->sig, CRYPTO_SIG_LEN);
    apply_result_t res;
    char why[300];
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    int code = ingest_batch(t, &pol, m->origin, &b, &res, why, sizeof why);
    if (!code) code = store_txn_commit(&t);
    else store_txn_abort(&t);
    rep->done_batches++;
    if (code == ACCORD_EREPLAY) {
        rep->held_batches++;
    } else if (code == ACCORD_ESTORE || code == ACCORD_EFULL) {
        return code; /* ours, not the batch's */
    } else if (code) {
        rep->refused++;
        if (!rep->first_code) {
            rep->first_code = code;
            snprintf(rep->why, sizeof rep->why, "%s", why);
        }
        bool quarantined;
        rc = ingest_record_refusal(st, id->origin, INGEST_SOURCE_BUNDLE, m->origin, code, res.bad_seq, why,
                                   hlc_wall_ms(), &quarantined);
        if (hooks && hooks->refused) {
            char hex[2 * ID_LEN + 1];
            crypto_hex(m->origin, ID_LEN, hex);
            hooks->refused(hooks->ctx, hex, code, why);
        }
        if (rc) return rc;
    } else {
        rep->applied += res.applied;
    }
    return 0;
}

int bundle_in_file(store_t *st, const identity_t *id, const char *path, const apply_clock_t *clock, uint64_t origin_day_bytes,
                   const bundle_in_hooks_t *hooks, bundle_in_report_t *rep)
{
    memset(rep, 0, sizeof *rep);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(rep->why, sizeof rep->why, "cannot open %s: %s", path, strerror(errno));
        return ACCORD_EIO;
    }
    space_t *sp = malloc(sizeof *sp);
    if (!sp) abort();
    bundle_reader_t *r = NULL;
    int rc = check_file(f, id, sp, rep);
    if (rc) goto done;
    rewind(f);
    rep->applying = true;
    if ((rc = bundle_reader_open(f, id->pk, id->sk, &r))) goto done;
    const uint8_t *msg;
    size_t len;
    while ((rc = bundle_read(r, &msg, &len)) == 1) {
        wire_msg_t m;
        if ((rc = decode_msg(sp, msg, len, &m))) break;
        rc = m.type == WIRE_ROSTER ? apply_roster(st, sp, &m, rep) : apply_one(st, id, sp, &m, clock, origin_day_bytes, hooks, rep);
        if (rc) break;
        if (m.type == WIRE_BATCH && hooks && hooks->progress) hooks->progress(hooks->ctx, rep);
    }
    if (rc < 0) snprintf(rep->why, sizeof rep->why, "%s while applying; what was applied stands", accord_strerror(rc));
    else rc = 0;
done:
    bundle_reader_close(&r);
    free(sp);
    fclose(f);
    return rc;
}
