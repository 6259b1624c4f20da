/* SPDX-License-Identifier: MIT
 * sync_status: the body of the local API's sync_status reply (docs/PROTOCOL.md): peers,
 * their lag, this node's changes each has yet to take, since when each is offline, their
 * counters, the apply latency histogram, kept refusals and quarantines. */
#define _POSIX_C_SOURCE 200809L
#include "auth/roster.h"
#include "feed/restamp.h"
#include "ops/horizon.h"
#include "proto/accord_err.h"
#include "proto/mpread.h"
#include "proto/record.h"
#include "repl/sync_internal.h"

#include <stdlib.h>
#include <string.h>

static void pack_cstr(msgpack_packer *pk, const char *str)
{
    size_t n = strlen(str);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, str, n);
}

static void pack_hex(msgpack_packer *pk, const uint8_t *b, size_t n)
{
    char hex[65];
    crypto_hex(b, n, hex);
    pack_cstr(pk, hex);
}

/* Seconds since the oldest record the peer lacks was written (0 if it lacks none). */
static double lag_seconds(sync_t *s, store_txn_t *t, const peer_t *p, uint64_t now)
{
    uint64_t oldest = 0;
    for (uint32_t i = 0; i < s->n_origins && i < p->slots; i++) {
        origin_t *o = &s->origins[i];
        if (o->head <= p->have[i] || memcmp(o->id, p->origin, ID_LEN) == 0) continue;
        uint8_t key[ID_LEN + 8];
        memcpy(key, o->id, ID_LEN);
        be64_put(key + ID_LEN, p->have[i] + 1);
        store_val_t v;
        record_t *rec = malloc(sizeof *rec);
        if (!rec) abort();
        if (store_get(t, TBL_FEED, key, sizeof key, &v) == 0 && record_decode(v.data, v.len, rec) == 0) {
            uint64_t ms = HLC_MS(rec->hlc);
            if (!oldest || ms < oldest) oldest = ms;
        }
        free(rec);
    }
    return oldest && now > oldest ? (double)(now - oldest) / 1000.0 : 0.0;
}

/* This node's own records the peer has not acknowledged: the own feed's head less what
 * the peer holds of it, as it said this session (have[]) or as was kept from before
 * (TBL_ACKED, horizon_note), whichever is further, so the count holds after a restart and
 * while the peer was never reached since. */
static uint64_t own_pending(sync_t *s, store_txn_t *t, const peer_t *p)
{
    uint64_t head = oplog_head(s->log).seq, held = t ? horizon_noted(t, p->origin, s->id->origin) : 0;
    uint32_t slot = repl_origin_slot(s, s->id->origin, false);
    if (slot != UINT32_MAX && slot < p->slots && p->have[slot] > held) held = p->have[slot];
    return head > held ? head - held : 0;
}

static int count_table(store_txn_t *t, store_table_t tbl)
{
    store_iter_t *it;
    int n = 0;
    if (store_iter_new(t, tbl, NULL, 0, false, &it)) return 0;
    store_val_t k, v;
    while (store_iter_next(it, &k, &v) == 1) n++;
    store_iter_destroy(&it);
    return n;
}

/* [time_ms, code, seq, why] as written by record_refusal */
static void pack_refusal(msgpack_packer *pk, const store_val_t *v)
{
    mpread_t r;
    mpread_init(&r, v->data, v->len);
    mpread_array(&r, 4);
    uint64_t when = mpread_uint(&r);
    int64_t code = mpread_int(&r);
    uint64_t seq = mpread_uint(&r);
    size_t wl = 0;
    const char *why = mpread_str(&r, &wl, 1024);
    if (r.err) why = "", wl = 0, code = 0;
    char at[32];
    hlc_format(when << 16, at, sizeof at);
    pack_cstr(pk, "at"); pack_cstr(pk, at);
    pack_cstr(pk, "code"); pack_cstr(pk, accord_errname((int)code));
    pack_cstr(pk, "seq"); msgpack_pack_uint64(pk, seq);
    pack_cstr(pk, "why"); msgpack_pack_str(pk, wl); msgpack_pack_str_body(pk, why, wl);
}

/* The last time this node's unsent records were re-stamped after its clock ran ahead. */
static void pack_clock_restamp(msgpack_packer *pk, store_txn_t *t)
{
    restamp_result_t r;
    pack_cstr(pk, "clock_restamp");
    if (!t || restamp_last(t, &r)) {
        msgpack_pack_nil(pk);
        return;
    }
    char at[32], text[400];
    hlc_format(HLC_PACK(r.at_ms, 0), at, sizeof at);
    restamp_describe(&r, text, sizeof text);
    msgpack_pack_map(pk, 7);
    pack_cstr(pk, "at"); pack_cstr(pk, at);
    pack_cstr(pk, "first_seq"); msgpack_pack_uint64(pk, r.first_seq);
    pack_cstr(pk, "last_seq"); msgpack_pack_uint64(pk, r.last_seq);
    pack_cstr(pk, "shift_ms"); msgpack_pack_uint64(pk, r.shift_ms);
    pack_cstr(pk, "measured"); r.measured ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    pack_cstr(pk, "entities"); msgpack_pack_uint64(pk, r.entities);
    pack_cstr(pk, "text"); pack_cstr(pk, text);
}

void sync_status(sync_t *s, msgpack_packer *pk)
{
    uint64_t now = repl_now_ms();
    store_txn_t *t = NULL;
    if (store_txn_begin(s->st, false, &t)) t = NULL;
    uint32_t n_peers = 0;
    for (uint32_t i = 0; i < s->n_peers; i++) n_peers += s->peers[i].state != PEER_FREE;
    msgpack_pack_map(pk, 8);
    pack_clock_restamp(pk, t);
    pack_cstr(pk, "apply_latency"); /* arrival to durable commit of applied batches */
    msgpack_pack_map(pk, 4);
    pack_cstr(pk, "le_ms");
    msgpack_pack_array(pk, SYNC_N_LATENCY);
    for (unsigned i = 0; i < SYNC_N_LATENCY; i++) msgpack_pack_double(pk, repl_latency_le_ms[i]);
    pack_cstr(pk, "cumulative");
    msgpack_pack_array(pk, SYNC_N_LATENCY);
    uint64_t cum = 0;
    for (unsigned i = 0; i < SYNC_N_LATENCY; i++) msgpack_pack_uint64(pk, cum += s->latency_counts[i]);
    pack_cstr(pk, "count"); msgpack_pack_uint64(pk, s->latency_n);
    pack_cstr(pk, "sum_ms"); msgpack_pack_double(pk, s->latency_sum_ms);
    pack_cstr(pk, "node"); pack_cstr(pk, s->id->name);
    pack_cstr(pk, "role"); pack_cstr(pk, s->id->role);
    pack_cstr(pk, "feeds"); msgpack_pack_uint32(pk, s->n_origins);
    pack_cstr(pk, "peers");
    msgpack_pack_array(pk, n_peers);
    for (uint32_t i = 0; i < s->n_peers; i++) {
        peer_t *p = &s->peers[i];
        if (p->state == PEER_FREE) continue;
        msgpack_pack_map(pk, 21);
        pack_cstr(pk, "name"); pack_cstr(pk, p->name);
        pack_cstr(pk, "origin"); pack_hex(pk, p->origin, ID_LEN);
        pack_cstr(pk, "direction"); pack_cstr(pk, p->upstream ? "upstream" : "downstream");
        pack_cstr(pk, "connected"); msgpack_pack_int(pk, peer_in_session(p));
        pack_cstr(pk, "state"); pack_cstr(pk, peer_state_name(p->state)); /* repl/peer.h */
        pack_cstr(pk, "last_seen_s");
        if (p->last_seen_ms) msgpack_pack_double(pk, (double)(now - p->last_seen_ms) / 1000.0);
        else msgpack_pack_nil(pk);
        pack_cstr(pk, "lag_records"); msgpack_pack_uint64(pk, peer_in_session(p) ? repl_lag_records(s, p) : 0);
        pack_cstr(pk, "lag_seconds"); msgpack_pack_double(pk, peer_in_session(p) && t ? lag_seconds(s, t, p, now) : 0.0);
        pack_cstr(pk, "behind_records"); msgpack_pack_uint64(pk, p->their_pending);
        pack_cstr(pk, "pending"); msgpack_pack_uint64(pk, own_pending(s, t, p));
        pack_cstr(pk, "offline_since");
        if (p->offline_since_ms && !peer_in_session(p)) {
            char since[32];
            hlc_format(HLC_PACK(p->offline_since_ms, 0), since, sizeof since);
            pack_cstr(pk, since);
        } else {
            msgpack_pack_nil(pk);
        }
        pack_cstr(pk, "clock_offset_ms"); msgpack_pack_int64(pk, p->clock_offset_ms);
        pack_cstr(pk, "version"); pack_cstr(pk, p->version);
        pack_cstr(pk, "batches_in"); msgpack_pack_uint64(pk, p->batches_in);
        pack_cstr(pk, "records_in"); msgpack_pack_uint64(pk, p->records_in);
        pack_cstr(pk, "batches_out"); msgpack_pack_uint64(pk, p->batches_out);
        pack_cstr(pk, "records_out"); msgpack_pack_uint64(pk, p->records_out);
        pack_cstr(pk, "refused"); msgpack_pack_uint64(pk, p->refused);
        pack_cstr(pk, "ignored_acks"); msgpack_pack_uint64(pk, p->ignored_acks); /* peer.h, "Credit" */
        pack_cstr(pk, "last_refusal");
        if (p->last_code) {
            char at[32];
            hlc_format(p->last_refusal_ms << 16, at, sizeof at);
            msgpack_pack_map(pk, 3);
            pack_cstr(pk, "at"); pack_cstr(pk, at);
            pack_cstr(pk, "code"); pack_cstr(pk, accord_errname(p->last_code));
            pack_cstr(pk, "why"); pack_cstr(pk, p->last_why);
        } else {
            msgpack_pack_nil(pk);
        }
        pack_cstr(pk, "error");
        if (p->last_error_code) pack_cstr(pk, p->last_error);
        else msgpack_pack_nil(pk);
    }
    /* refusals kept in the store: every (peer, feed) pair's last one, across restarts */
    pack_cstr(pk, "refusals");
    int n = t ? count_table(t, TBL_REJECTS) : 0;
    msgpack_pack_array(pk, (uint32_t)n);
    store_iter_t *it;
    if (n && store_iter_new(t, TBL_REJECTS, NULL, 0, false, &it) == 0) {
        store_val_t k, v;
        int done = 0;
        while (done < n && store_iter_next(it, &k, &v) == 1) {
            if (k.len != 2 * ID_LEN + 1) continue;
            msgpack_pack_map(pk, 6);
            pack_cstr(pk, "peer"); pack_hex(pk, k.data, ID_LEN);
            pack_cstr(pk, "feed"); pack_hex(pk, (const uint8_t *)k.data + ID_LEN, ID_LEN);
            pack_refusal(pk, &v);
            done++;
        }
        store_iter_destroy(&it);
        for (; done < n; done++) msgpack_pack_nil(pk);
    }
    pack_cstr(pk, "quarantined");
    n = t ? count_table(t, TBL_QUARANTINE) : 0;
    msgpack_pack_array(pk, (uint32_t)n);
    if (n && store_iter_new(t, TBL_QUARANTINE, NULL, 0, false, &it) == 0) {
        store_val_t k, v;
        int done = 0;
        while (done < n && store_iter_next(it, &k, &v) == 1) {
            if (k.len != ID_LEN) continue;
            roster_entry_t e;
            bool known = roster_by_origin(t, k.data, &e) == 0;
            msgpack_pack_map(pk, 7);
            pack_cstr(pk, "feed"); pack_hex(pk, k.data, ID_LEN);
            pack_cstr(pk, "node"); pack_cstr(pk, known ? e.name : "?");
            pack_refusal(pk, &v);
            pack_cstr(pk, "rejoin");
            pack_cstr(pk, "that node wrote a second, different record for a seq it had already sent: usually it was "
                          "restored from an old backup and kept writing. Stop it, restore it from a backup "
                          "newer than its last sync (or start it as a new node: node init, enroll, and revoke "
                          "the old key), then clear the quarantine here with 'accordctl sync release'.");
            done++;
        }
        store_iter_destroy(&it);
        for (; done < n; done++) msgpack_pack_nil(pk);
    }
    if (t) store_txn_abort(&t);
}
