/* SPDX-License-Identifier: MIT
 * pump: what each LIVE peer lacks goes out in batches of stored bytes, round robin over
 * feeds, within the peer's credit; a peer that holds nothing while feeds here were
 * compacted is sent the snapshot instead (LIVE -> SNAP_SENDING -> SNAP_SENT). */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"
#include "proto/accord_err.h"
#include "proto/datadir.h"
#include "ops/snapshot_io.h"
#include "repl/sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The records a batch aims at: SYNC_BATCH_RECORDS, or for tests ACCORD_TEST_BATCH_RECORDS
 * (1-4096), so that a test fills the credit window with a few thousand records. */
static uint32_t batch_target(void)
{
    static uint32_t target;
    if (!target) {
        const char *v = getenv("ACCORD_TEST_BATCH_RECORDS");
        long n = v && *v ? strtol(v, NULL, 10) : 0;
        target = n >= 1 && n <= SYNC_BATCH_RECORDS ? (uint32_t)n : SYNC_BATCH_RECORDS;
    }
    return target;
}

/* The records from seq `from` of origin up to a signed checkpoint, bounded in count and
 * bytes; packs a BATCH into s->out. Returns the last seq, or 0 if none can be sent. */
static uint64_t pack_batch(sync_t *s, store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t from, uint64_t head)
{
    uint64_t last = feed_batch(t, origin, from, head, batch_target(), WIRE_BATCH_BYTES, &s->batch);
    if (!last) return 0;
    msgpack_packer pk;
    repl_out_begin(s, &pk);
    wire_pack_batch_head(&pk, origin, s->batch.sig, s->batch.n);
    for (uint32_t i = 0; i < s->batch.n; i++) wire_pack_bin(&pk, s->batch.items[i], s->batch.lens[i]);
    return last;
}

/* A peer that holds nothing, while feeds here no longer start at seq 1. */
static bool needs_snapshot(sync_t *s, const peer_t *p)
{
    bool compacted = false;
    for (uint32_t i = 0; i < s->n_origins; i++) compacted |= s->origins[i].base > 0;
    for (uint32_t i = 0; i < p->slots && compacted; i++)
        if (p->have[i]) return false;
    return compacted;
}

static void start_snapshot(sync_t *s, peer_t *p)
{
    char path[4200];
    datadir_path(store_dir(s->st), DATADIR_SNAPSHOT, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) || (p->snap_total = (uint64_t)ftell(f)) == 0 || fseek(f, 0, SEEK_SET)) {
        if (f) fclose(f);
        log_error("%s needs the snapshot %s to start from, and it cannot be read: run 'accordctl compact' here",
                  p->name, path);
        return; /* the feeds that are compacted tell it so (EPURGED) */
    }
    p->snap_out = f;
    p->snap_sent = 0;
    peer_set_state(p, PEER_SNAP_SENDING, "an empty peer");
    log_info("%s holds nothing and feeds here were compacted: sending it the snapshot (%llu bytes)", p->name,
             (unsigned long long)p->snap_total);
}

static void pump_snapshot(sync_t *s, peer_t *p)
{
    if (!s->snap_buf && !(s->snap_buf = malloc(WIRE_SNAP_CHUNK))) abort();
    while (peer_credit(p) > 0 && p->snap_sent < p->snap_total) {
        size_t n = fread(s->snap_buf, 1, WIRE_SNAP_CHUNK, p->snap_out);
        if (n == 0) break;
        if (n > p->snap_total - p->snap_sent) n = (size_t)(p->snap_total - p->snap_sent);
        msgpack_packer pk;
        wire_pack_snap(repl_out_begin(s, &pk), p->snap_sent, p->snap_total, s->snap_buf, n);
        if (!repl_out_send(s, p)) break;
        p->snap_sent += n;
        peer_flight_add(p, PEER_SNAP_SLOT, p->snap_sent);
    }
    if (p->snap_sent == p->snap_total || ferror(p->snap_out) || feof(p->snap_out)) {
        if (p->snap_sent == p->snap_total) log_info("sent the snapshot to %s", p->name);
        else log_error("the snapshot file changed while it was sent to %s; it will be sent again", p->name);
        fclose(p->snap_out);
        p->snap_out = NULL;
        peer_set_state(p, p->snap_sent == p->snap_total ? PEER_SNAP_SENT : PEER_LIVE, "snapshot sent");
    }
}

void repl_pump(sync_t *s)
{
    if (!s->any_dirty) return;
    s->any_dirty = false;
    store_txn_t *t = NULL;
    uint64_t now = repl_now_ms();
    for (uint32_t pi = 0; pi < s->n_peers; pi++) {
        peer_t *p = &s->peers[pi];
        if (!peer_in_session(p) || !p->dirty) continue;
        peer_grow(p, s->n_origins);
        if (p->state == PEER_LIVE && needs_snapshot(s, p)) start_snapshot(s, p);
        if (p->snap_out) pump_snapshot(s, p);
        if (p->state != PEER_LIVE) {
            p->dirty = false;
            continue;
        }
        bool offered = true;
        while (peer_credit(p) > 0 && offered) {
            offered = false;
            for (uint32_t k = 0; k < s->n_origins && peer_credit(p) > 0; k++) {
                uint32_t i = (p->rr + k) % s->n_origins;
                origin_t *o = &s->origins[i];
                if (o->head <= p->sent[i] || o->quarantined || p->paused[i] > now) continue;
                /* a peer's own feed goes back to it only when it lacks some: a restored node rejoining */
                if (p->sent[i] < o->base) {
                    /* what it lacks was compacted away here: it can only start again from a snapshot */
                    p->paused[i] = now + PURGED_PAUSE_MS;
                    char hex[2 * ID_LEN + 1];
                    crypto_hex(o->id, ID_LEN, hex);
                    log_warn("%s lacks records 1-%llu of feed %.12s, which were compacted away here", p->name,
                             (unsigned long long)o->base, hex);
                    repl_send_error(s, p, ACCORD_EPURGED,
                               "this node lacks records of feed %.12s up to seq %llu, which the hub compacted away; "
                               "once its own changes have reached the hub, stop it and start it again from the hub's "
                               "%s with 'accordctl snapshot install --replace' (run 'accordctl compact' at the hub first "
                               "for a snapshot that holds them)",
                               hex, (unsigned long long)o->base, datadir_file_name(DATADIR_SNAPSHOT));
                    continue;
                }
                if (!t && store_txn_begin(s->st, false, &t)) return;
                uint64_t last = pack_batch(s, t, o->id, p->sent[i] + 1, o->head);
                if (!last) {
                    p->paused[i] = now + PAUSE_MS;
                    char hex[2 * ID_LEN + 1];
                    crypto_hex(o->id, ID_LEN, hex);
                    log_error("cannot make a batch of feed %s from seq %llu (no signed checkpoint)", hex,
                              (unsigned long long)p->sent[i] + 1);
                    continue;
                }
                if (!repl_out_send(s, p)) break;
                p->records_out += last - p->sent[i];
                p->batches_out++;
                p->sent[i] = last;
                peer_flight_add(p, i, last);
                p->rr = i + 1;
                offered = true;
            }
        }
        p->dirty = false; /* an ACK, a new head or a pause running out sets it again */
    }
    if (t) store_txn_abort(&t);
}
