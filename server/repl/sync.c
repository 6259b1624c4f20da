/* SPDX-License-Identifier: MIT
 * sync: the replication object's lifecycle, the feeds it follows, sending, timers and the
 * loop that sync_run drives (the modules are listed in sync_internal.h). */
#define _POSIX_C_SOURCE 200809L
#include "repl/sync.h"
#include "common/log.h"
#include "proto/accord_err.h"
#include "proto/record.h"
#include "ops/horizon.h"
#include "repl/rejoin.h"
#include "repl/sync_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(FEED_BATCH_MAX == WIRE_MAX_RECORDS, "a stored batch is one wire batch");

const double repl_latency_le_ms[SYNC_N_LATENCY] = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000};

void repl_shared_msg_unref(void *data, void *hint)
{
    (void)data;
    shared_msg_t *m = hint;
    if (atomic_fetch_sub(&m->refs, 1) == 1) free(m);
}

shared_msg_t *repl_shared_msg_new(const void *data, size_t size)
{
    shared_msg_t *m = malloc(sizeof *m + size);
    if (!m) abort();
    atomic_init(&m->refs, 1);
    m->size = size;
    memcpy(m->data, data, size);
    return m;
}

/* The slot of origin, added if new; UINT32_MAX when the table is full. */
uint32_t repl_origin_slot(sync_t *s, const uint8_t id[ID_LEN], bool add)
{
    for (uint32_t i = 0; i < s->n_origins; i++)
        if (memcmp(s->origins[i].id, id, ID_LEN) == 0) return i;
    if (!add || s->n_origins >= MAX_ORIGINS) return UINT32_MAX;
    if (s->n_origins == s->cap_origins) {
        s->cap_origins = s->cap_origins ? 2 * s->cap_origins : 64;
        s->origins = realloc(s->origins, s->cap_origins * sizeof *s->origins);
        if (!s->origins) abort();
    }
    origin_t *o = &s->origins[s->n_origins];
    memset(o, 0, sizeof *o);
    memcpy(o->id, id, ID_LEN);
    for (uint32_t i = 0; i < s->n_peers; i++)
        if (s->peers[i].state != PEER_FREE) peer_grow(&s->peers[i], s->n_origins + 1);
    return s->n_origins++;
}

int repl_load_origins(sync_t *s)
{
    store_txn_t *t;
    int rc = store_txn_begin(s->st, false, &t);
    if (rc) return rc;
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_HEADS, NULL, 0, false, &it)) == 0) {
        store_val_t k, v;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            if (k.len != ID_LEN || v.len < 8) continue;
            uint32_t i = repl_origin_slot(s, k.data, true);
            if (i != UINT32_MAX) s->origins[i].head = be64_get(v.data);
        }
        store_iter_destroy(&it);
    }
    if (rc >= 0 && (rc = store_iter_new(t, TBL_BASES, NULL, 0, false, &it)) == 0) {
        store_val_t k, v;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            if (k.len != ID_LEN || v.len < 8) continue;
            uint32_t i = repl_origin_slot(s, k.data, true);
            if (i != UINT32_MAX) s->origins[i].base = be64_get(v.data);
        }
        store_iter_destroy(&it);
    }
    /* the store decides: a feed released (accordctl sync release) is forwarded again */
    for (uint32_t i = 0; rc >= 0 && i < s->n_origins; i++) s->origins[i].quarantined = false;
    if (rc >= 0 && (rc = store_iter_new(t, TBL_QUARANTINE, NULL, 0, false, &it)) == 0) {
        store_val_t k, v;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            if (k.len != ID_LEN) continue;
            uint32_t i = repl_origin_slot(s, k.data, true);
            if (i != UINT32_MAX) s->origins[i].quarantined = true;
        }
        store_iter_destroy(&it);
    }
    store_txn_abort(&t);
    return rc < 0 ? rc : 0;
}

peer_t *repl_peer_by_origin(sync_t *s, const uint8_t origin[ID_LEN], bool add, bool upstream)
{
    peer_t *free_slot = NULL;
    for (uint32_t i = 0; i < s->n_peers; i++) {
        if (s->peers[i].state != PEER_FREE && memcmp(s->peers[i].origin, origin, ID_LEN) == 0) return &s->peers[i];
        if (s->peers[i].state == PEER_FREE && !free_slot) free_slot = &s->peers[i];
    }
    if (!add) return NULL;
    if (!free_slot) {
        if (s->n_peers == SYNC_MAX_PEERS) return NULL;
        free_slot = &s->peers[s->n_peers++];
    }
    memset(free_slot, 0, sizeof *free_slot);
    snprintf(free_slot->name, sizeof free_slot->name, "?");
    free_slot->fd = -1;
    free_slot->upstream = upstream;
    peer_set_state(free_slot, upstream ? PEER_CONNECTING : PEER_DOWN, "a new peer");
    memcpy(free_slot->origin, origin, ID_LEN);
    peer_grow(free_slot, s->n_origins + 1);
    return free_slot;
}

msgpack_packer *repl_out_begin(sync_t *s, msgpack_packer *pk)
{
    s->out.size = 0;
    msgpack_packer_init(pk, &s->out, msgpack_sbuffer_write);
    return pk;
}

/* Sends one message to the peer. False if the peer cannot take it now. */
static bool out_send_bytes(sync_t *s, peer_t *p, const void *data, size_t size)
{
    int rc;
    if (p->upstream) {
        rc = zmq_send(s->dealer, data, size, ZMQ_DONTWAIT);
    } else {
        rc = zmq_send(s->router, p->rid, p->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        if (rc >= 0) rc = zmq_send(s->router, data, size, ZMQ_DONTWAIT);
    }
    if (rc < 0) {
        if (errno == EHOSTUNREACH) peer_lost(p, "unreachable"); /* the session is gone */
        log_debug("cannot send to %s: %s", p->name, zmq_strerror(errno));
        return false;
    }
    return true;
}

bool repl_out_send_shared(sync_t *s, peer_t *p, shared_msg_t *m)
{
    zmq_msg_t msg;
    atomic_fetch_add(&m->refs, 1);
    zmq_msg_init_data(&msg, m->data, m->size, repl_shared_msg_unref, m);
    int rc;
    if (p->upstream) {
        rc = zmq_msg_send(&msg, s->dealer, ZMQ_DONTWAIT);
    } else {
        rc = zmq_send(s->router, p->rid, p->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        if (rc >= 0) rc = zmq_msg_send(&msg, s->router, ZMQ_DONTWAIT);
    }
    if (rc < 0) {
        zmq_msg_close(&msg); /* drops the reference taken above */
        if (errno == EHOSTUNREACH) peer_lost(p, "unreachable");
        return false;
    }
    return true;
}

/* Sends what repl_out_begin started. */
bool repl_out_send(sync_t *s, peer_t *p)
{
    return out_send_bytes(s, p, s->out.data, s->out.size);
}

void repl_send_error(sync_t *s, peer_t *p, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    msgpack_packer pk;
    wire_pack_error(repl_out_begin(s, &pk), code, msg);
    repl_out_send(s, p);
}

uint64_t repl_lag_records(sync_t *s, const peer_t *p)
{
    uint64_t lag = 0;
    for (uint32_t i = 0; i < s->n_origins && i < p->slots; i++) {
        if (memcmp(s->origins[i].id, p->origin, ID_LEN) == 0) continue;
        if (s->origins[i].head > p->have[i]) lag += s->origins[i].head - p->have[i];
    }
    return lag;
}

/* Keeps what each peer said it holds, for the compaction horizon (horizon.h): once a
 * second at most, in one transaction, and only for peers whose vector moved. */
static void save_acked(sync_t *s)
{
    store_txn_t *t = NULL;
    int rc = 0;
    for (uint32_t i = 0; i < s->n_peers && !rc; i++) {
        peer_t *p = &s->peers[i];
        if (p->state == PEER_FREE || !p->have_changed) continue;
        if (!t && (rc = store_txn_begin(s->st, true, &t))) break;
        for (uint32_t slot = 0; slot < p->slots && slot < s->n_origins && !rc; slot++)
            rc = horizon_note(t, p->origin, s->origins[slot].id, p->have[slot]);
        p->have_changed = false;
    }
    if (t && !rc) rc = store_txn_commit(&t);
    else if (t) store_txn_abort(&t);
    if (rc) log_error("cannot keep what the peers hold: %s", accord_strerror(rc));
}

/* The count of what each rate-limited log suppressed, once its window is over (log.h). */
static void flush_logs(sync_t *s, uint64_t now)
{
    log_limit_flush(&s->log_no_session, now);
    log_limit_flush(&s->log_hellos, now);
    log_limit_flush(&s->log_zap, now);
    for (uint32_t i = 0; i < s->n_peers; i++) {
        log_limit_flush(&s->peers[i].log_frames, now);
        log_limit_flush(&s->peers[i].log_acks, now);
        log_limit_flush(&s->peers[i].log_refusals, now);
    }
}

static void timers(sync_t *s)
{
    uint64_t now = repl_now_ms();
    if (now < s->next_beat_ms) return;
    s->next_beat_ms = now + BEAT_MS;
    repl_check_roster(s);
    save_acked(s);
    flush_logs(s, now);
    uint64_t used, limit;
    store_usage(s->st, &used, &limit);
    for (uint32_t i = 0; i < s->n_peers; i++) {
        peer_t *p = &s->peers[i];
        if (!peer_in_session(p)) continue;
        if (!p->upstream && now - p->last_seen_ms > SILENT_MS) {
            log_warn("%s is silent; its session ends", p->name);
            peer_lost(p, "silent");
            continue;
        }
        msgpack_packer pk;
        wire_pack_beat(repl_out_begin(s, &pk), now, repl_lag_records(s, p), used, limit, SOFTWARE_VERSION);
        repl_out_send(s, p);
        p->dirty = s->any_dirty = true; /* pauses may have run out */
    }
}

void sync_run(sync_t *s, const zmq_pollitem_t *items, int n)
{
    for (int i = 0; i < n; i++) {
        if (!(items[i].revents & ZMQ_POLLIN)) continue;
        void *sock = items[i].socket;
        /* a bounded number per turn, so the local API is served in between: the batches
         * that arrive together go into one transaction until it reaches its bounds
         * (GROUP_MAX_*, a quarter of a second at most), then local requests are served */
        uint64_t commits_before = s->group_commits; /* one group commit per turn at most */
        for (int k = 0; k < SYNC_TURN_MAX_MESSAGES && !repl_group_full(s) && s->group_commits == commits_before; k++) {
            int events = 0;
            size_t len = sizeof events;
            if (zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) || !(events & ZMQ_POLLIN)) break;
            if (sock == s->router) repl_on_router_message(s);
            else if (sock == s->dealer) repl_on_dealer_message(s);
            else {
                repl_group_flush(s); /* they read the store */
                if (sock == s->zap) repl_on_zap_request(s);
                else if (sock == s->mon) repl_on_monitor_event(s);
            }
        }
    }
    repl_group_flush(s);
    timers(s);
    repl_pump(s);
}

void sync_set_local_socket(sync_t *s, void *sock)
{
    s->local_sock = sock;
}

void sync_local_commit(sync_t *s)
{
    feed_head_t h = oplog_head(s->log);
    uint32_t slot = repl_origin_slot(s, s->id->origin, true);
    if (slot == UINT32_MAX || s->origins[slot].head == h.seq) return;
    s->origins[slot].head = h.seq;
    for (uint32_t i = 0; i < s->n_peers; i++) s->peers[i].dirty = true;
    s->any_dirty = true;
    repl_pump(s);
}

bool sync_rejoining(const sync_t *s)
{
    return s->rejoining;
}

void sync_reload(sync_t *s)
{
    if (repl_load_origins(s)) log_error("cannot read the feed heads again");
    for (uint32_t i = 0; i < s->n_peers; i++) s->peers[i].dirty = true;
    s->any_dirty = true;
    repl_pump(s);
}

int sync_poll_items(sync_t *s, zmq_pollitem_t *items)
{
    int n = 0;
    void *socks[] = {s->router, s->dealer, s->zap, s->mon};
    for (int i = 0; i < 4; i++)
        if (socks[i]) items[n++] = (zmq_pollitem_t){socks[i], 0, ZMQ_POLLIN, 0};
    return n;
}

static void common_options(void *sock)
{
    int linger = 0, ivl = 1000, timeout = 5000;
    int64_t max = WIRE_MAX_MSG;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(sock, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout);
}

sync_t *sync_new(void *zctx, store_t *st, const identity_t *id, oplog_t *log, const sync_config_t *cfg,
                 char *err, size_t err_cap)
{
    sync_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->st = st;
    s->id = id;
    s->log = log;
    s->cfg = *cfg;
    msgpack_sbuffer_init(&s->out);
    uint8_t curve_pk[32], curve_sk[32], org[CRYPTO_PK_LEN];
    store_txn_t *t;
    int rc = store_txn_begin(st, false, &t);
    if (!rc) {
        rc = roster_org_pk(t, org);
        store_txn_abort(&t);
    }
    if (rc) {
        snprintf(err, err_cap, "this node pins no org key, so it cannot tell enrolled nodes from others: "
                               "make it with 'accordctl node init ... --org-pub HEX'");
        goto fail;
    }
    if (crypto_curve_pk(id->pk, curve_pk) || crypto_curve_sk(id->sk, curve_sk)) {
        snprintf(err, err_cap, "this node's key has no CurveZMQ form");
        goto fail;
    }
    s->rejoining = rejoin_pending(st);
    if ((rc = repl_load_origins(s))) {
        snprintf(err, err_cap, "cannot read the feed heads: %s", accord_strerror(rc));
        goto fail;
    }
    /* the roster as of the start; a reload (sync_reload) must not move this mark, or the
     * changes since the last look would never be sent to the peers */
    store_txn_t *rt;
    if (!store_txn_begin(st, false, &rt)) {
        s->roster_gen = roster_generation(rt);
        store_txn_abort(&rt);
    }
    if (cfg->listen) {
        s->zap = zmq_socket(zctx, ZMQ_REP);
        int linger = 0;
        zmq_setsockopt(s->zap, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_bind(s->zap, ZAP_ENDPOINT)) {
            snprintf(err, err_cap, "cannot start the ZAP handler: %s", zmq_strerror(errno));
            goto fail;
        }
        s->router = zmq_socket(zctx, ZMQ_ROUTER);
        int one = 1;
        common_options(s->router);
        zmq_setsockopt(s->router, ZMQ_CURVE_SERVER, &one, sizeof one);
        zmq_setsockopt(s->router, ZMQ_CURVE_SECRETKEY, curve_sk, 32);
        zmq_setsockopt(s->router, ZMQ_ZAP_DOMAIN, "accord", 6);
        zmq_setsockopt(s->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
        if (zmq_bind(s->router, cfg->listen)) {
            snprintf(err, err_cap, "cannot listen on %s: %s", cfg->listen, zmq_strerror(errno));
            goto fail;
        }
    }
    if (cfg->upstream) {
        uint8_t hub_curve[32], hub_origin[ID_LEN];
        if (crypto_curve_pk(cfg->upstream_pk, hub_curve)) {
            snprintf(err, err_cap, "--upstream-key is not a valid public key");
            goto fail;
        }
        crypto_origin_of(cfg->upstream_pk, hub_origin);
        peer_t *p = repl_peer_by_origin(s, hub_origin, true, true);
        snprintf(p->name, sizeof p->name, "upstream");
        if (store_txn_begin(st, false, &t) == 0) {
            roster_entry_t e;
            if (roster_by_origin(t, hub_origin, &e) == 0) snprintf(p->name, sizeof p->name, "%s", e.name);
            store_txn_abort(&t);
        }
        s->dealer = zmq_socket(zctx, ZMQ_DEALER);
        int one = 1, ivl = 200, ivl_max = 5000;
        common_options(s->dealer);
        zmq_setsockopt(s->dealer, ZMQ_IMMEDIATE, &one, sizeof one);
        zmq_setsockopt(s->dealer, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
        zmq_setsockopt(s->dealer, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
        zmq_setsockopt(s->dealer, ZMQ_CURVE_SERVERKEY, hub_curve, 32);
        zmq_setsockopt(s->dealer, ZMQ_CURVE_PUBLICKEY, curve_pk, 32);
        zmq_setsockopt(s->dealer, ZMQ_CURVE_SECRETKEY, curve_sk, 32);
        if (zmq_socket_monitor(s->dealer, MON_ENDPOINT,
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                                   ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                   ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)) {
            snprintf(err, err_cap, "cannot watch the upstream connection: %s", zmq_strerror(errno));
            goto fail;
        }
        s->mon = zmq_socket(zctx, ZMQ_PAIR);
        zmq_setsockopt(s->mon, ZMQ_LINGER, &(int){0}, sizeof(int));
        if (zmq_connect(s->mon, MON_ENDPOINT) || zmq_connect(s->dealer, cfg->upstream)) {
            snprintf(err, err_cap, "cannot connect to %s: %s", cfg->upstream, zmq_strerror(errno));
            goto fail;
        }
    }
    memset(curve_sk, 0, sizeof curve_sk);
    return s;
fail:
    memset(curve_sk, 0, sizeof curve_sk);
    sync_destroy(&s);
    return NULL;
}

void sync_destroy(sync_t **ps)
{
    sync_t *s = *ps;
    if (!s) return;
    repl_group_flush(s);
    save_acked(s); /* the last second's ACKs too: a restart counts what is pending from them */
    void *socks[] = {s->router, s->dealer, s->zap, s->mon};
    for (int i = 0; i < 4; i++)
        if (socks[i]) zmq_close(socks[i]);
    repl_end_snapshot_in(s, false);
    free(s->snap_buf);
    for (uint32_t i = 0; i < s->n_peers; i++) peer_release(&s->peers[i]);
    free(s->origins);
    msgpack_sbuffer_destroy(&s->out);
    if (s->roster_msg) repl_shared_msg_unref(NULL, s->roster_msg);
    free(s);
    *ps = NULL;
}
