/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "repl/sync.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/mpread.h"
#include "proto/record.h"
#include "proto/wire.h"
#include "feed/apply.h"
#include "state/digest.h"
#include "feed/feed_batch.h"
#include "repl/horizon.h"
#include "common/log.h"
#include "repl/rejoin.h"
#include "ops/snapshot_io.h"
#include "auth/roster.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOFTWARE_VERSION "accord 0.3"
#define BEAT_MS 1000
#define SILENT_MS 10000        /* a peer not heard from this long is shown disconnected */
#define PURGED_PAUSE_MS 60000 /* a peer that lacks compacted records is told once a minute */
#define PAUSE_MS 3000          /* after a refusal, wait before offering that feed again */
#define MAX_ORIGINS WIRE_MAX_ORIGINS
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define MON_ENDPOINT "inproc://accord-upstream-monitor"
/* Batches that arrive together are applied in one durable commit (each in its own nested
 * transaction, so a refused one takes nothing with it); their ACKs go after that commit. */
#define GROUP_MAX_BATCHES 16
#define GROUP_MAX_RECORDS 1024
/* A sender's target batch length. A batch is one transaction at the receiver, which holds
 * every B-tree page it dirties in memory until the commit (and LMDB keeps those pages for
 * reuse). Catching up 1,000,000 changes (make bench), the hub's peak anonymous memory was
 * 81 MiB with batches of 2,048 and 47 MiB with 1,024, for 15% less throughput. */
#define SYNC_BATCH_RECORDS 1024
_Static_assert(FEED_BATCH_MAX == WIRE_MAX_RECORDS, "a stored batch is one wire batch");

typedef struct {
    uint8_t id[ID_LEN];
    uint64_t head;       /* what this node holds of the feed */
    uint64_t base;       /* records up to here were compacted away (compact.h) */
    bool quarantined;
} origin_t;

typedef struct {
    bool used, live, upstream;
    uint8_t rid[256];    /* ROUTER routing id of the session */
    size_t rid_len;
    int fd;              /* its TCP socket, to cut a revoked node's session */
    uint8_t origin[ID_LEN];
    char name[ROSTER_NAME_MAX + 1];
    uint64_t *have;      /* per origin slot: what the peer holds (HELLO, then ACKs) */
    uint64_t *sent;      /* per origin slot: what has been sent to it */
    uint64_t *paused;    /* per origin slot: offer again after this wall ms */
    uint32_t slots;
    int credit;
    bool dirty;          /* it may lack something: look when it has credit */
    bool have_changed;   /* have[] moved since it was last kept in TBL_ACKED */
    uint32_t rr;         /* round robin over origins, so one long feed does not block others */
    uint64_t connected_ms, last_seen_ms;
    uint64_t their_clock_ms, their_pending, their_used, their_limit;
    int64_t clock_offset_ms;
    char version[33];
    uint64_t batches_in, records_in, batches_out, records_out, refused;
    int last_code;
    char last_why[320];
    uint64_t last_refusal_ms;
    int last_error_code; /* an ERROR message the peer sent us */
    char last_error[320];
    FILE *snap_out;      /* the snapshot file being sent to this empty peer (snapshot_io.h) */
    uint64_t snap_sent, snap_total;
    bool snap_done;      /* sent whole: wait for the peer's next HELLO */
} peer_t;

/* One message queued to many peers without a copy each: ZeroMQ holds a reference per
 * queued send and drops it from its I/O thread once the bytes are written. */
typedef struct {
    atomic_int refs;
    size_t size;
    char data[];
} shared_msg_t;

static void shared_msg_unref(void *data, void *hint)
{
    (void)data;
    shared_msg_t *m = hint;
    if (atomic_fetch_sub(&m->refs, 1) == 1) free(m);
}

static shared_msg_t *shared_msg_new(const void *data, size_t size)
{
    shared_msg_t *m = malloc(sizeof *m + size);
    if (!m) abort();
    atomic_init(&m->refs, 1);
    m->size = size;
    memcpy(m->data, data, size);
    return m;
}

typedef struct {
    peer_t *peer;
    uint8_t origin[ID_LEN];
    uint32_t slot;
    uint64_t head, applied, max_hlc;
    uint64_t t0_ms; /* when the batch arrived: its latency runs to the commit */
} pending_ack_t;

/* How long batches take from arrival to durable commit, for /metrics (Prometheus buckets). */
static const double latency_le_ms[] = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000};
#define N_LATENCY (sizeof latency_le_ms / sizeof latency_le_ms[0])

struct sync {
    store_t *st;
    const identity_t *id;
    oplog_t *log;
    sync_config_t cfg;
    void *router, *dealer, *zap, *mon;
    origin_t *origins;
    uint32_t n_origins, cap_origins;
    peer_t peers[SYNC_MAX_PEERS];
    uint32_t n_peers;
    uint64_t roster_gen;
    uint64_t next_beat_ms;
    bool any_dirty;
    msgpack_sbuffer out;
    shared_msg_t *roster_msg; /* the whole roster as a ROSTER message, of generation: */
    uint64_t roster_msg_gen;
    store_txn_t *group;  /* batches applied, not yet committed */
    pending_ack_t acks[GROUP_MAX_BATCHES];
    uint32_t n_acks;
    uint64_t group_records;
    /* decoding space, reused for every message */
    wire_vec_t vec[MAX_ORIGINS];
    const uint8_t *items[WIRE_MAX_ROSTER];
    size_t item_lens[WIRE_MAX_ROSTER];
    feed_batch_t batch; /* what pack_batch reads */
    uint8_t *snap_buf;   /* one SNAP chunk read from the file */
    FILE *snap_in;       /* the hub's snapshot arriving at this empty node */
    uint64_t snap_got, snap_total;
    uint64_t latency_counts[N_LATENCY + 1]; /* per bucket (not cumulative); the last is +Inf */
    uint64_t latency_n;
    double latency_sum_ms;
    bool rejoining;      /* restored: fetching this node's own newest records (rejoin.h) */
    uint64_t rejoin_target; /* the hub's head of this node's feed */
};

static uint64_t now_ms(void)
{
    return hlc_wall_ms();
}

/* ---- origins ---------------------------------------------------------------------- */

static void peer_grow(peer_t *p, uint32_t slots)
{
    if (slots <= p->slots) return;
    uint32_t n = p->slots ? p->slots : 64;
    while (n < slots) n *= 2;
    p->have = realloc(p->have, n * sizeof *p->have);
    p->sent = realloc(p->sent, n * sizeof *p->sent);
    p->paused = realloc(p->paused, n * sizeof *p->paused);
    if (!p->have || !p->sent || !p->paused) abort();
    for (uint32_t i = p->slots; i < n; i++) p->have[i] = p->sent[i] = p->paused[i] = 0;
    p->slots = n;
}

/* The slot of origin, added if new; UINT32_MAX when the table is full. */
static uint32_t origin_slot(sync_t *s, const uint8_t id[ID_LEN], bool add)
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
        if (s->peers[i].used) peer_grow(&s->peers[i], s->n_origins + 1);
    return s->n_origins++;
}

static int load_origins(sync_t *s)
{
    store_txn_t *t;
    int rc = store_txn_begin(s->st, NULL, false, &t);
    if (rc) return rc;
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_HEADS, NULL, 0, false, &it)) == 0) {
        store_val_t k, v;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            if (k.len != ID_LEN || v.len < 8) continue;
            uint32_t i = origin_slot(s, k.data, true);
            if (i != UINT32_MAX) s->origins[i].head = be64_get(v.data);
        }
        store_iter_destroy(&it);
    }
    if (rc >= 0 && (rc = store_iter_new(t, TBL_BASES, NULL, 0, false, &it)) == 0) {
        store_val_t k, v;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            if (k.len != ID_LEN || v.len < 8) continue;
            uint32_t i = origin_slot(s, k.data, true);
            if (i != UINT32_MAX) s->origins[i].base = be64_get(v.data);
        }
        store_iter_destroy(&it);
    }
    if (rc >= 0 && (rc = store_iter_new(t, TBL_QUARANTINE, NULL, 0, false, &it)) == 0) {
        store_val_t k, v;
        while ((rc = store_iter_next(it, &k, &v)) == 1) {
            if (k.len != ID_LEN) continue;
            uint32_t i = origin_slot(s, k.data, true);
            if (i != UINT32_MAX) s->origins[i].quarantined = true;
        }
        store_iter_destroy(&it);
    }
    store_txn_abort(&t);
    return rc < 0 ? rc : 0;
}

/* ---- peers ------------------------------------------------------------------------ */

static peer_t *peer_by_origin(sync_t *s, const uint8_t origin[ID_LEN], bool add)
{
    peer_t *free_slot = NULL;
    for (uint32_t i = 0; i < s->n_peers; i++) {
        if (s->peers[i].used && memcmp(s->peers[i].origin, origin, ID_LEN) == 0) return &s->peers[i];
        if (!s->peers[i].used && !free_slot) free_slot = &s->peers[i];
    }
    if (!add) return NULL;
    if (!free_slot) {
        if (s->n_peers == SYNC_MAX_PEERS) return NULL;
        free_slot = &s->peers[s->n_peers++];
    }
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->used = true;
    memcpy(free_slot->origin, origin, ID_LEN);
    peer_grow(free_slot, s->n_origins + 1);
    return free_slot;
}

static peer_t *peer_by_rid(sync_t *s, const void *rid, size_t len)
{
    for (uint32_t i = 0; i < s->n_peers; i++) {
        peer_t *p = &s->peers[i];
        if (p->used && !p->upstream && p->rid_len == len && memcmp(p->rid, rid, len) == 0) return p;
    }
    return NULL;
}

static msgpack_packer *out_begin(sync_t *s, msgpack_packer *pk)
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
        if (errno == EHOSTUNREACH) p->live = false; /* the session is gone */
        log_debug("cannot send to %s: %s", p->name, zmq_strerror(errno));
        return false;
    }
    return true;
}

static bool out_send_shared(sync_t *s, peer_t *p, shared_msg_t *m)
{
    zmq_msg_t msg;
    atomic_fetch_add(&m->refs, 1);
    zmq_msg_init_data(&msg, m->data, m->size, shared_msg_unref, m);
    int rc;
    if (p->upstream) {
        rc = zmq_msg_send(&msg, s->dealer, ZMQ_DONTWAIT);
    } else {
        rc = zmq_send(s->router, p->rid, p->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        if (rc >= 0) rc = zmq_msg_send(&msg, s->router, ZMQ_DONTWAIT);
    }
    if (rc < 0) {
        zmq_msg_close(&msg); /* drops the reference taken above */
        if (errno == EHOSTUNREACH) p->live = false;
        return false;
    }
    return true;
}

/* Sends what out_begin started. */
static bool out_send(sync_t *s, peer_t *p)
{
    return out_send_bytes(s, p, s->out.data, s->out.size);
}

static void send_error(sync_t *s, peer_t *p, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void send_error(sync_t *s, peer_t *p, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    msgpack_packer pk;
    wire_pack_error(out_begin(s, &pk), code, msg);
    out_send(s, p);
}

static void send_hello(sync_t *s, peer_t *p)
{
    for (uint32_t i = 0; i < s->n_origins; i++) {
        s->vec[i].origin = s->origins[i].id;
        s->vec[i].seq = s->origins[i].head;
    }
    msgpack_packer pk;
    wire_pack_hello(out_begin(s, &pk), s->id->role, s->id->store_id, s->vec, s->n_origins);
    out_send(s, p);
}

/* A ROSTER message of the whole roster (since 0) or of what changed after generation
 * since, into out. False if there is nothing to send. */
static bool build_roster(store_txn_t *t, uint64_t since, msgpack_sbuffer *out)
{
    uint32_t n;
    return roster_message(t, since, out, &n) == 0 && n > 0;
}

/* The whole roster is kept as a message per generation: with a thousand branches
 * reconnecting it is built once, not a thousand times. */
static void send_roster(sync_t *s, peer_t *p)
{
    store_txn_t *t;
    if (store_txn_begin(s->st, NULL, false, &t)) return;
    uint64_t gen = roster_generation(t);
    if (!s->roster_msg || s->roster_msg_gen != gen) {
        if (s->roster_msg) shared_msg_unref(NULL, s->roster_msg);
        s->roster_msg = NULL;
        msgpack_sbuffer whole;
        msgpack_sbuffer_init(&whole);
        if (build_roster(t, 0, &whole)) s->roster_msg = shared_msg_new(whole.data, whole.size);
        msgpack_sbuffer_destroy(&whole);
        s->roster_msg_gen = gen;
    }
    store_txn_abort(&t);
    if (s->roster_msg) out_send_shared(s, p, s->roster_msg);
}

/* A session starts (again): what the peer holds is what its HELLO says. */
static void start_session(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    for (uint32_t i = 0; i < p->slots; i++) p->have[i] = p->sent[i] = p->paused[i] = 0;
    if (p->snap_out) fclose(p->snap_out);
    p->snap_out = NULL;
    p->snap_done = false;
    for (uint32_t i = 0; i < m->n_vec; i++) {
        uint32_t slot = origin_slot(s, s->vec[i].origin, true);
        if (slot == UINT32_MAX) continue;
        peer_grow(p, s->n_origins);
        p->have[slot] = p->sent[slot] = s->vec[i].seq;
    }
    p->live = true;
    p->have_changed = true;
    p->credit = SYNC_CREDIT;
    p->dirty = s->any_dirty = true;
    p->connected_ms = now_ms();
}

/* ---- rejections and quarantine ----------------------------------------------------- */

static void record_refusal(sync_t *s, peer_t *p, const uint8_t origin[ID_LEN], int code, uint64_t seq,
                           const char *why)
{
    p->refused++;
    p->last_code = code;
    p->last_refusal_ms = now_ms();
    snprintf(p->last_why, sizeof p->last_why, "%s", why);
    char hex[2 * ID_LEN + 1];
    crypto_hex(origin, ID_LEN, hex);
    log_warn("refused a batch of feed %s from %s: %s: %s", hex, p->name, accord_errname(code), why);

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_uint64(&pk, p->last_refusal_ms);
    msgpack_pack_int(&pk, code);
    msgpack_pack_uint64(&pk, seq);
    msgpack_pack_str(&pk, strlen(why));
    msgpack_pack_str_body(&pk, why, strlen(why));
    uint8_t key[2 * ID_LEN + 1]; /* the latest refusal of each kind per peer and feed */
    memcpy(key, p->origin, ID_LEN);
    memcpy(key + ID_LEN, origin, ID_LEN);
    key[2 * ID_LEN] = (uint8_t)-code;
    store_txn_t *t;
    int rc = store_txn_begin(s->st, NULL, true, &t);
    bool own = memcmp(origin, s->id->origin, ID_LEN) == 0; /* never quarantine this node's own feed */
    if (!rc && !(rc = store_put(t, TBL_REJECTS, key, sizeof key, sb.data, sb.size)) && code == ACCORD_EFORK && !own) {
        /* the same layout, keyed by the forked origin: the evidence an operator needs */
        rc = store_put(t, TBL_QUARANTINE, origin, ID_LEN, sb.data, sb.size);
    }
    if (!rc) rc = store_txn_commit(&t);
    else store_txn_abort(&t);
    if (rc) log_error("cannot record the refusal: %s", accord_strerror(rc));
    if (code == ACCORD_EFORK && !own) {
        uint32_t slot = origin_slot(s, origin, true);
        if (slot != UINT32_MAX) s->origins[slot].quarantined = true;
        log_error("feed %s forked at seq %llu; it is quarantined: no more of it is applied or forwarded here. "
                  "See 'accordctl sync status' for how to rejoin that node.",
                  hex, (unsigned long long)seq);
    }
    msgpack_sbuffer_destroy(&sb);
}

/* ---- receiving -------------------------------------------------------------------- */

static void send_ack(sync_t *s, peer_t *p, const uint8_t origin[ID_LEN], uint64_t head, int code, const char *why)
{
    msgpack_packer pk;
    wire_pack_ack(out_begin(s, &pk), origin, head, code, 1, why);
    out_send(s, p);
}

static uint64_t held_head(sync_t *s, const uint8_t origin[ID_LEN])
{
    uint32_t slot = origin_slot(s, origin, false);
    return slot == UINT32_MAX ? 0 : s->origins[slot].head;
}

static void finish_rejoin(sync_t *s)
{
    store_txn_t *t;
    int rc = store_txn_begin(s->st, NULL, true, &t);
    if (!rc && !(rc = rejoin_mark(t, false))) rc = store_txn_commit(&t);
    else if (t) store_txn_abort(&t);
    if (rc) {
        log_error("cannot record that the rejoin is done: %s", accord_strerror(rc));
        return;
    }
    s->rejoining = false;
    log_info("rejoined: this node's own feed is at seq %llu, as at the hub; it accepts changes again",
             (unsigned long long)oplog_head(s->log).seq);
}

/* Commits the batches applied so far and answers each; any other use of the store waits
 * for this, so no reader sees what is not durable and no second write txn is opened. */
static void group_flush(sync_t *s)
{
    if (!s->group) return;
    int rc = store_txn_commit(&s->group);
    uint32_t n = s->n_acks;
    s->n_acks = 0;
    s->group_records = 0;
    for (uint32_t i = 0; i < n; i++) {
        pending_ack_t *a = &s->acks[i];
        peer_t *p = a->peer;
        if (rc) {
            char why[120];
            snprintf(why, sizeof why, "cannot commit: %s", accord_strerror(rc));
            record_refusal(s, p, a->origin, rc, 0, why);
            send_ack(s, p, a->origin, held_head(s, a->origin), rc, why);
            continue;
        }
        oplog_observe(s->log, a->max_hlc);
        double ms = (double)(now_ms() - a->t0_ms);
        unsigned b = 0;
        while (b < N_LATENCY && ms > latency_le_ms[b]) b++;
        s->latency_counts[b]++;
        s->latency_n++;
        s->latency_sum_ms += ms;
        if (a->head > s->origins[a->slot].head) s->origins[a->slot].head = a->head;
        if (memcmp(a->origin, s->id->origin, ID_LEN) == 0) { /* rejoin: records of our own feed */
            if (oplog_reload(s->log, s->st)) log_error("cannot read this node's feed head again");
            if (s->rejoining && oplog_head(s->log).seq >= s->rejoin_target) finish_rejoin(s);
        }
        p->records_in += a->applied;
        if (a->head > p->have[a->slot]) p->have[a->slot] = a->head, p->have_changed = true;
        if (p->have[a->slot] > p->sent[a->slot]) p->sent[a->slot] = p->have[a->slot];
        send_ack(s, p, a->origin, a->head, 0, "");
    }
    if (!rc && n) {
        for (uint32_t i = 0; i < s->n_peers; i++) s->peers[i].dirty = true;
        s->any_dirty = true;
    }
}

static void on_batch(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    uint64_t t0_ms = now_ms();
    const uint8_t *origin = m->origin;
    char why[300];
    int code = 0;
    uint64_t bad_seq = 0;
    uint32_t slot = origin_slot(s, origin, true);
    p->batches_in++;
    if (slot == UINT32_MAX) {
        code = ACCORD_ETOOBIG;
        snprintf(why, sizeof why, "this node already follows %d feeds", MAX_ORIGINS);
    } else if (memcmp(origin, s->id->origin, ID_LEN) == 0 && !(s->rejoining && p->upstream)) {
        code = ACCORD_EFORK;
        snprintf(why, sizeof why, "the peer holds records of this node's own feed that this node lacks: this node "
                                  "was restored from an old backup without 'accordctl restore'; stop it, restore "
                                  "it with 'accordctl restore' and let it rejoin, or its next change forks its feed");
    } else if (s->origins[slot].quarantined) {
        code = ACCORD_EQUARANTINE;
        snprintf(why, sizeof why, "this feed forked and is quarantined here (accordctl sync status)");
    }
    apply_result_t res;
    memset(&res, 0, sizeof res);
    store_txn_t *t = NULL;
    roster_entry_t e;
    if (!code && !s->group && (code = store_txn_begin(s->st, NULL, true, &s->group)))
        snprintf(why, sizeof why, "cannot write: %s", accord_strerror(code));
    if (!code && (code = store_txn_begin(s->st, s->group, true, &t)))
        snprintf(why, sizeof why, "cannot write: %s", accord_strerror(code));
    if (!code) {
        int rc = roster_by_origin(t, origin, &e);
        if (rc == ACCORD_ENOTFOUND) {
            code = ACCORD_EUNKNOWN;
            snprintf(why, sizeof why, "the origin is not in this node's roster (enroll it with the org key)");
        } else if (rc) {
            code = rc;
            snprintf(why, sizeof why, "cannot read the roster: %s", accord_strerror(rc));
        } else if (e.action == ROSTER_REVOKE) {
            code = ACCORD_EREVOKED;
            snprintf(why, sizeof why, "the origin %s is revoked", e.name);
        }
    }
    if (!code) {
        apply_batch_t b = {s->items, s->item_lens, m->n_items, {0}};
        memcpy(b.sig, m->sig, CRYPTO_SIG_LEN);
        uint64_t limit = HLC_PACK(now_ms() + (uint64_t)s->cfg.max_skew_s * 1000, 0xffff);
        code = apply_batch(t, origin, e.pk, &b, limit, &res);
        bad_seq = res.bad_seq;
        snprintf(why, sizeof why, "%s", res.why);
        if (!code && res.applied == 0) {
            code = ACCORD_EREPLAY;
            snprintf(why, sizeof why, "records %llu-%llu were applied before",
                     (unsigned long long)(res.head_seq - m->n_items + 1), (unsigned long long)res.head_seq);
        }
    }
    if (!code) {
        code = store_txn_commit(&t); /* into the group: durable when the group commits */
        if (code) snprintf(why, sizeof why, "cannot write: %s", accord_strerror(code));
    } else if (t) {
        store_txn_abort(&t);
    }
    if (!code) {
        pending_ack_t *a = &s->acks[s->n_acks++];
        *a = (pending_ack_t){p, {0}, slot, res.head_seq, res.applied, res.max_hlc, t0_ms};
        memcpy(a->origin, origin, ID_LEN);
        s->group_records += m->n_items;
        if (s->n_acks == GROUP_MAX_BATCHES || s->group_records >= GROUP_MAX_RECORDS) group_flush(s);
        return;
    }
    /* what came before it stands; a replay is harmless but shown; a store failure is ours */
    group_flush(s);
    record_refusal(s, p, origin, code, bad_seq, why);
    send_ack(s, p, origin, held_head(s, origin), code, why);
}

static void on_ack(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    uint32_t slot = origin_slot(s, m->origin, false);
    p->credit += m->credit > SYNC_CREDIT ? SYNC_CREDIT : (int)m->credit;
    if (p->credit > SYNC_CREDIT) p->credit = SYNC_CREDIT;
    p->dirty = s->any_dirty = true;
    if (slot == UINT32_MAX) return;
    if (p->have[slot] != m->head) p->have_changed = true;
    p->have[slot] = m->head;
    if (m->code && m->code != ACCORD_EREPLAY) {
        /* offer again from what it holds, after a pause, so a refusal is not a busy loop */
        p->sent[slot] = m->head;
        p->paused[slot] = now_ms() + PAUSE_MS;
        p->last_error_code = (int)m->code;
        snprintf(p->last_error, sizeof p->last_error, "refused our batch: %.*s", (int)m->text_len, m->text);
    } else if (p->sent[slot] < m->head) {
        p->sent[slot] = m->head;
    }
}

static void on_roster(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    store_txn_t *t;
    if (store_txn_begin(s->st, NULL, true, &t)) return;
    unsigned added = 0, bad = 0;
    for (uint32_t i = 0; i < m->n_items; i++) {
        bool changed = false;
        roster_entry_t e;
        int rc = roster_add(t, s->items[i], s->item_lens[i], &changed, &e);
        if (rc == ACCORD_ESTORE || rc == ACCORD_EFULL) {
            store_txn_abort(&t);
            log_error("cannot store the roster from %s: %s", p->name, accord_strerror(rc));
            return;
        }
        if (rc) bad++;
        added += changed;
    }
    if (bad) log_warn("%u roster entries from %s do not verify with the pinned org key; ignored", bad, p->name);
    if (!added) {
        store_txn_abort(&t);
        return;
    }
    int rc = store_txn_commit(&t);
    if (rc) log_error("cannot store the roster from %s: %s", p->name, accord_strerror(rc));
    else log_info("%u roster entries from %s", added, p->name);
}

static void on_beat(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    (void)s;
    p->their_clock_ms = m->clock_ms;
    p->clock_offset_ms = (int64_t)m->clock_ms - (int64_t)now_ms();
    p->their_pending = m->pending;
    p->their_used = m->disk_used;
    p->their_limit = m->disk_limit;
    size_t n = m->text_len < sizeof p->version - 1 ? m->text_len : sizeof p->version - 1;
    memcpy(p->version, m->text, n);
    p->version[n] = 0;
}

static void on_error(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    p->last_error_code = (int)m->code;
    snprintf(p->last_error, sizeof p->last_error, "%.*s", (int)m->text_len, m->text);
    log_error("%s says: %s (%s)", p->name, p->last_error, accord_errname((int)m->code));
    if (p->upstream && m->code == ACCORD_ENOTFOUND) { /* the hub lost our session: start again */
        p->live = false;
        send_hello(s, p);
    }
}

static void on_snap(sync_t *s, peer_t *p, const wire_msg_t *m);

static void dispatch(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    p->last_seen_ms = now_ms();
    if (m->type != WIRE_BATCH) group_flush(s);
    switch (m->type) {
    case WIRE_BATCH: on_batch(s, p, m); break;
    case WIRE_ACK: on_ack(s, p, m); break;
    case WIRE_ROSTER: on_roster(s, p, m); break;
    case WIRE_BEAT: on_beat(s, p, m); break;
    case WIRE_ERROR: on_error(s, p, m); break;
    case WIRE_HELLO: break; /* handled by the caller */
    case WIRE_DIGEST: break;
    case WIRE_SNAP: on_snap(s, p, m); break;
    }
}

static void answer_digest(sync_t *s, peer_t *p, const wire_msg_t *m);

static int decode(sync_t *s, const void *buf, size_t len, wire_msg_t *m)
{
    static wire_digest_t none[1];
    wire_space_t sp = {s->vec, MAX_ORIGINS, s->items, s->item_lens, WIRE_MAX_ROSTER, none, 0};
    return wire_decode(buf, len, &sp, m);
}

static const char *version_text(int rc, const wire_msg_t *m, char *buf, size_t cap)
{
    if (rc == ACCORD_EVERSION)
        snprintf(buf, cap, "replication protocol %llu is not spoken here (this node speaks %d): upgrade the older node",
                 (unsigned long long)m->version, WIRE_VERSION);
    else
        snprintf(buf, cap, "malformed replication message (%s)", accord_errname(rc));
    return buf;
}

static void on_router_message(sync_t *s)
{
    zmq_msg_t rid, body;
    zmq_msg_init(&rid);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&rid, s->router, ZMQ_DONTWAIT) < 0) goto done;
    if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, s->router, 0) < 0) goto done;
    while (zmq_msg_more(&body)) { /* a peer sending more frames is broken: drain them */
        zmq_msg_close(&body);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&body, s->router, 0) < 0) goto done;
    }
    /* ZAP put the origin it admitted into User-Id: the session's identity, not a claim */
    const char *user = zmq_msg_gets(&body, "User-Id");
    uint8_t origin[ID_LEN];
    if (!user || crypto_unhex(user, origin, ID_LEN)) goto done;
    wire_msg_t m;
    int rc = decode(s, zmq_msg_data(&body), zmq_msg_size(&body), &m);
    if (rc || m.type != WIRE_BATCH) group_flush(s);
    peer_t *p = peer_by_rid(s, zmq_msg_data(&rid), zmq_msg_size(&rid));
    if (p && memcmp(p->origin, origin, ID_LEN)) p = NULL;
    if (rc == 0 && m.type == WIRE_HELLO) {
        p = peer_by_origin(s, origin, true);
        if (!p) goto done;
        if (zmq_msg_size(&rid) > sizeof p->rid) goto done;
        memcpy(p->rid, zmq_msg_data(&rid), zmq_msg_size(&rid));
        p->rid_len = zmq_msg_size(&rid);
        p->fd = zmq_msg_get(&body, ZMQ_SRCFD);
        store_txn_t *t;
        roster_entry_t e;
        if (store_txn_begin(s->st, NULL, false, &t) == 0) {
            if (roster_by_origin(t, origin, &e) == 0) snprintf(p->name, sizeof p->name, "%s", e.name);
            store_txn_abort(&t);
        }
        start_session(s, p, &m);
        p->last_seen_ms = now_ms();
        log_info("%s connected (%.*s, %u feeds in its vector)", p->name, (int)m.role_len, m.role, m.n_vec);
        send_hello(s, p);
        send_roster(s, p);
        goto done;
    }
    if (rc == 0 && m.type == WIRE_DIGEST) {
        peer_t tmp;
        memset(&tmp, 0, sizeof tmp);
        if (zmq_msg_size(&rid) <= sizeof tmp.rid) {
            memcpy(tmp.rid, zmq_msg_data(&rid), zmq_msg_size(&rid));
            tmp.rid_len = zmq_msg_size(&rid);
            answer_digest(s, &tmp, &m);
        }
        goto done;
    }
    if (!p) { /* answer on the session's route so a DEALER that lost its session says HELLO again */
        peer_t tmp;
        memset(&tmp, 0, sizeof tmp);
        memcpy(tmp.rid, zmq_msg_data(&rid), zmq_msg_size(&rid) < sizeof tmp.rid ? zmq_msg_size(&rid) : sizeof tmp.rid);
        tmp.rid_len = zmq_msg_size(&rid) < sizeof tmp.rid ? zmq_msg_size(&rid) : sizeof tmp.rid;
        snprintf(tmp.name, sizeof tmp.name, "%s", user);
        char text[200];
        if (rc) {
            log_warn("from %s: %s", user, version_text(rc, &m, text, sizeof text));
            send_error(s, &tmp, rc, "%s", text);
        } else {
            send_error(s, &tmp, ACCORD_ENOTFOUND, "no session: send HELLO first");
        }
        goto done;
    }
    if (rc) {
        char text[200];
        p->refused++;
        p->last_code = rc;
        snprintf(p->last_why, sizeof p->last_why, "%s", version_text(rc, &m, text, sizeof text));
        p->last_refusal_ms = now_ms();
        log_warn("from %s: %s", p->name, p->last_why);
        send_error(s, p, rc, "%s", text);
        goto done;
    }
    dispatch(s, p, &m);
done:
    zmq_msg_close(&rid);
    zmq_msg_close(&body);
}

typedef struct {
    msgpack_packer *pk;
    uint32_t n;
} digest_pack_t;

static int pack_digest(void *ctx, const uint8_t entity[16], const uint8_t digest[32])
{
    digest_pack_t *d = ctx;
    if (d->n >= WIRE_MAX_DIGESTS) return 1;
    if (d->pk) wire_pack_digest_item(d->pk, entity, ID_LEN, digest);
    d->n++;
    return 0;
}

/* DIGEST request (an empty list): bucket 256 asks for the 256 bucket digests, a bucket
 * below it for the digest of each entity in that bucket. Any admitted node may ask:
 * `accordctl verify` on a branch compares its state with this node's. */
static void answer_digest(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    if (m->n_digests || m->bucket > DIGEST_BUCKETS) {
        send_error(s, p, ACCORD_EPROTO, "a DIGEST request has an empty list and a bucket of 0-256");
        return;
    }
    store_txn_t *t;
    if (store_txn_begin(s->st, NULL, false, &t)) return;
    msgpack_packer pk;
    out_begin(s, &pk);
    if (m->bucket == DIGEST_BUCKETS) {
        static state_digest_t d;
        if (digest_state(t, &d) == 0) {
            wire_pack_digest_head(&pk, m->bucket, DIGEST_BUCKETS);
            for (unsigned b = 0; b < DIGEST_BUCKETS; b++) {
                uint8_t key = (uint8_t)b;
                wire_pack_digest_item(&pk, &key, 1, d.bucket[b]);
            }
            out_send(s, p);
        }
    } else {
        digest_pack_t count = {NULL, 0};
        digest_bucket(t, (uint8_t)m->bucket, pack_digest, &count);
        wire_pack_digest_head(&pk, m->bucket, count.n);
        digest_pack_t fill = {&pk, 0};
        digest_bucket(t, (uint8_t)m->bucket, pack_digest, &fill);
        if (fill.n == count.n) out_send(s, p);
    }
    store_txn_abort(&t);
}

static peer_t *upstream_peer(sync_t *s)
{
    for (uint32_t i = 0; i < s->n_peers; i++)
        if (s->peers[i].used && s->peers[i].upstream) return &s->peers[i];
    return NULL;
}

static void on_dealer_message(sync_t *s)
{
    zmq_msg_t body;
    zmq_msg_init(&body);
    if (zmq_msg_recv(&body, s->dealer, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&body);
        return;
    }
    peer_t *p = upstream_peer(s);
    wire_msg_t m;
    int rc = decode(s, zmq_msg_data(&body), zmq_msg_size(&body), &m);
    if (rc || m.type != WIRE_BATCH) group_flush(s);
    if (rc) {
        char text[200];
        version_text(rc, &m, text, sizeof text);
        p->last_error_code = rc;
        snprintf(p->last_error, sizeof p->last_error, "%s", text);
        log_error("from the hub %s: %s", p->name, text);
        send_error(s, p, rc, "%s", text);
    } else if (m.type == WIRE_HELLO) {
        if (s->rejoining) {
            uint64_t at_hub = 0, here = oplog_head(s->log).seq;
            for (uint32_t i = 0; i < m.n_vec; i++)
                if (memcmp(s->vec[i].origin, s->id->origin, ID_LEN) == 0) at_hub = s->vec[i].seq;
            s->rejoin_target = at_hub;
            if (at_hub <= here) finish_rejoin(s);
            else log_info("rejoining: fetching records %llu-%llu of this node's own feed from the hub",
                          (unsigned long long)here + 1, (unsigned long long)at_hub);
        }
        start_session(s, p, &m);
        p->last_seen_ms = now_ms();
        log_info("in session with the hub %s (%u feeds in its vector)", p->name, m.n_vec);
        send_roster(s, p);
    } else {
        dispatch(s, p, &m);
    }
    zmq_msg_close(&body);
}

static void on_monitor_event(sync_t *s)
{
    zmq_msg_t ev, addr;
    zmq_msg_init(&ev);
    zmq_msg_init(&addr);
    if (zmq_msg_recv(&ev, s->mon, ZMQ_DONTWAIT) < 0) goto done;
    if (zmq_msg_more(&ev)) zmq_msg_recv(&addr, s->mon, 0);
    if (zmq_msg_size(&ev) < 6) goto done;
    uint16_t event;
    uint32_t value;
    memcpy(&event, zmq_msg_data(&ev), 2);
    memcpy(&value, (uint8_t *)zmq_msg_data(&ev) + 2, 4);
    peer_t *p = upstream_peer(s);
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        p->last_error_code = 0;
        p->last_error[0] = 0;
        send_hello(s, p);
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
        if (p->live) log_warn("lost the connection to the hub %s; retrying", p->name);
        p->live = false;
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        p->live = false;
        p->last_error_code = ACCORD_EREVOKED;
        snprintf(p->last_error, sizeof p->last_error,
                 "the hub refused this node's key (status %u): it is not enrolled, or it is revoked", value);
        log_error("%s", p->last_error);
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        p->live = false;
        p->last_error_code = ACCORD_EKEY;
        snprintf(p->last_error, sizeof p->last_error,
                 "secure handshake with the hub failed: check --upstream-key is the hub's public key");
        log_error("%s", p->last_error);
    }
done:
    zmq_msg_close(&ev);
    zmq_msg_close(&addr);
}

/* ZAP (RFC 27): admit a CURVE client only if its key belongs to an enrolled, unrevoked node. */
static void on_zap_request(sync_t *s)
{
    zmq_msg_t f[8];
    int n = 0, more = 1;
    while (more && n < 8) {
        zmq_msg_init(&f[n]);
        if (zmq_msg_recv(&f[n], s->zap, n ? 0 : ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&f[n]);
            if (n == 0) return;
            break;
        }
        more = zmq_msg_more(&f[n]);
        n++;
    }
    while (more) { /* more frames than ZAP has: drain */
        zmq_msg_t x;
        zmq_msg_init(&x);
        if (zmq_msg_recv(&x, s->zap, 0) < 0) more = 0;
        else more = zmq_msg_more(&x);
        zmq_msg_close(&x);
    }
    const char *status = "400", *text = "not enrolled";
    char user[2 * ID_LEN + 1] = "";
    if (n >= 7 && zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
        zmq_msg_size(&f[6]) == 32) {
        store_txn_t *t;
        roster_entry_t e;
        if (store_txn_begin(s->st, NULL, false, &t) == 0) {
            int rc = roster_by_curve(t, zmq_msg_data(&f[6]), &e);
            store_txn_abort(&t);
            uint8_t origin[ID_LEN];
            if (rc == 0) crypto_origin_of(e.pk, origin);
            if (rc == 0 && e.action == ROSTER_REVOKE) {
                text = "revoked";
                log_warn("refused a connection from %s: its key is revoked", e.name);
            } else if (rc == 0 && memcmp(origin, s->id->origin, ID_LEN) == 0) {
                text = "that is this node's own key";
            } else if (rc == 0) {
                status = "200";
                text = "OK";
                crypto_hex(origin, ID_LEN, user);
            } else {
                log_warn("refused a connection from a key that is not in the roster");
            }
        }
    }
    const void *version = n > 0 ? zmq_msg_data(&f[0]) : "1.0";
    size_t version_len = n > 0 ? zmq_msg_size(&f[0]) : 3;
    zmq_send(s->zap, version, version_len, ZMQ_SNDMORE);
    zmq_send(s->zap, n > 1 ? zmq_msg_data(&f[1]) : "", n > 1 ? zmq_msg_size(&f[1]) : 0, ZMQ_SNDMORE);
    zmq_send(s->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(s->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(s->zap, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(s->zap, "", 0, 0);
    for (int i = 0; i < n; i++) zmq_msg_close(&f[i]);
}

/* ---- sending ---------------------------------------------------------------------- */

/* The records from seq `from` of origin up to a signed checkpoint, bounded in count and
 * bytes; packs a BATCH into s->out. Returns the last seq, or 0 if none can be sent. */
static uint64_t pack_batch(sync_t *s, store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t from, uint64_t head)
{
    uint64_t last = feed_batch(t, origin, from, head, SYNC_BATCH_RECORDS, WIRE_BATCH_BYTES, &s->batch);
    if (!last) return 0;
    msgpack_packer pk;
    out_begin(s, &pk);
    wire_pack_batch_head(&pk, origin, s->batch.sig, s->batch.n);
    for (uint32_t i = 0; i < s->batch.n; i++) wire_pack_bin(&pk, s->batch.items[i], s->batch.lens[i]);
    return last;
}

/* ---- snapshots for new nodes ------------------------------------------------------ */

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
    snprintf(path, sizeof path, "%s/%s", store_dir(s->st), SNAPSHOT_FILE);
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) || (p->snap_total = (uint64_t)ftell(f)) == 0 || fseek(f, 0, SEEK_SET)) {
        if (f) fclose(f);
        log_error("%s needs the snapshot %s to start from, and it cannot be read: run 'accordctl compact' here",
                  p->name, path);
        return; /* the feeds that are compacted tell it so (EPURGED) */
    }
    p->snap_out = f;
    p->snap_sent = 0;
    log_info("%s holds nothing and feeds here were compacted: sending it the snapshot (%llu bytes)", p->name,
             (unsigned long long)p->snap_total);
}

static void pump_snapshot(sync_t *s, peer_t *p)
{
    if (!s->snap_buf && !(s->snap_buf = malloc(WIRE_SNAP_CHUNK))) abort();
    while (p->credit > 0 && p->snap_sent < p->snap_total) {
        size_t n = fread(s->snap_buf, 1, WIRE_SNAP_CHUNK, p->snap_out);
        if (n == 0) break;
        if (n > p->snap_total - p->snap_sent) n = (size_t)(p->snap_total - p->snap_sent);
        msgpack_packer pk;
        wire_pack_snap(out_begin(s, &pk), p->snap_sent, p->snap_total, s->snap_buf, n);
        if (!out_send(s, p)) break;
        p->snap_sent += n;
        p->credit--;
    }
    if (p->snap_sent == p->snap_total || ferror(p->snap_out) || feof(p->snap_out)) {
        if (p->snap_sent == p->snap_total) log_info("sent the snapshot to %s", p->name);
        else log_error("the snapshot file changed while it was sent to %s; it will be sent again", p->name);
        fclose(p->snap_out);
        p->snap_out = NULL;
        p->snap_done = p->snap_sent == p->snap_total;
    }
}

static void end_snapshot_in(sync_t *s, bool remove)
{
    if (s->snap_in) fclose(s->snap_in);
    s->snap_in = NULL;
    if (remove) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.incoming", store_dir(s->st), SNAPSHOT_FILE);
        unlink(path);
    }
}

/* The whole snapshot arrived: install it, then say HELLO again with the vector it gave. */
static void install_snapshot(sync_t *s, peer_t *p)
{
    char in[4200], kept[4200];
    snprintf(in, sizeof in, "%s/%s.incoming", store_dir(s->st), SNAPSHOT_FILE);
    snprintf(kept, sizeof kept, "%s/%s", store_dir(s->st), SNAPSHOT_FILE);
    int rc = fflush(s->snap_in) || fsync(fileno(s->snap_in)) ? ACCORD_EIO : 0;
    end_snapshot_in(s, false);
    snapshot_info_t info;
    memset(&info, 0, sizeof info);
    if (!rc) rc = snapshot_install(s->st, in, s->cfg.upstream_pk, &info, NULL, NULL);
    if (rc) {
        log_error("the hub's snapshot was refused: %s", info.why[0] ? info.why : accord_strerror(rc));
        unlink(in);
        snapshot_info_free(&info);
        return;
    }
    if (rename(in, kept)) log_warn("cannot keep the snapshot as %s: %s ('accordctl check' needs it)", kept, strerror(errno));
    log_info("started from the hub's snapshot: %llu rows, %u feeds; fetching what came after it",
             (unsigned long long)info.rows, info.n_feeds);
    snapshot_info_free(&info);
    if (load_origins(s) || oplog_reload(s->log, s->st)) log_error("cannot read the feed heads the snapshot gave");
    send_hello(s, p);
}

static void on_snap(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    static const uint8_t none[ID_LEN];
    if (!p->upstream) {
        send_error(s, p, ACCORD_EPROTO, "only the hub above sends a snapshot");
        return;
    }
    if (m->offset == 0) { /* a transfer starts (again) */
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.incoming", store_dir(s->st), SNAPSHOT_FILE);
        end_snapshot_in(s, false);
        if (!(s->snap_in = fopen(path, "wb"))) {
            log_error("cannot write %s: %s", path, strerror(errno));
            return;
        }
        s->snap_got = 0;
        s->snap_total = m->total;
        log_info("the hub sends its snapshot (%llu bytes): this node starts from it", (unsigned long long)m->total);
    }
    if (!s->snap_in || m->offset != s->snap_got || m->total != s->snap_total) {
        log_error("a piece of the hub's snapshot came out of order; waiting for it to start again");
        end_snapshot_in(s, true);
        return;
    }
    if (fwrite(m->bytes, 1, m->bytes_len, s->snap_in) != m->bytes_len) {
        log_error("cannot write the hub's snapshot: %s", strerror(errno));
        end_snapshot_in(s, true);
        return;
    }
    s->snap_got += m->bytes_len;
    msgpack_packer pk;
    wire_pack_ack(out_begin(s, &pk), none, s->snap_got, 0, 1, "");
    out_send(s, p);
    if (s->snap_got == s->snap_total) install_snapshot(s, p);
}

static void pump(sync_t *s)
{
    if (!s->any_dirty) return;
    s->any_dirty = false;
    store_txn_t *t = NULL;
    uint64_t now = now_ms();
    for (uint32_t pi = 0; pi < s->n_peers; pi++) {
        peer_t *p = &s->peers[pi];
        if (!p->used || !p->live || !p->dirty) continue;
        peer_grow(p, s->n_origins);
        if (!p->snap_out && !p->snap_done && needs_snapshot(s, p)) start_snapshot(s, p);
        if (p->snap_out) pump_snapshot(s, p);
        if (p->snap_out || p->snap_done) {
            p->dirty = false;
            continue;
        }
        bool offered = true;
        while (p->credit > 0 && offered) {
            offered = false;
            for (uint32_t k = 0; k < s->n_origins && p->credit > 0; k++) {
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
                    send_error(s, p, ACCORD_EPURGED,
                               "this node lacks records of feed %.12s up to seq %llu, which the hub compacted away; "
                               "once its own changes have reached the hub, stop it and start it again from the hub's "
                               "%s with 'accordctl snapshot install --replace' (run 'accordctl compact' at the hub first "
                               "for a snapshot that holds them)",
                               hex, (unsigned long long)o->base, SNAPSHOT_FILE);
                    continue;
                }
                if (!t && store_txn_begin(s->st, NULL, false, &t)) return;
                uint64_t last = pack_batch(s, t, o->id, p->sent[i] + 1, o->head);
                if (!last) {
                    p->paused[i] = now + PAUSE_MS;
                    char hex[2 * ID_LEN + 1];
                    crypto_hex(o->id, ID_LEN, hex);
                    log_error("cannot make a batch of feed %s from seq %llu (no signed checkpoint)", hex,
                              (unsigned long long)p->sent[i] + 1);
                    continue;
                }
                if (!out_send(s, p)) break;
                p->records_out += last - p->sent[i];
                p->batches_out++;
                p->sent[i] = last;
                p->credit--;
                p->rr = i + 1;
                offered = true;
            }
        }
        p->dirty = false; /* an ACK, a new head or a pause running out sets it again */
    }
    if (t) store_txn_abort(&t);
}

static uint64_t lag_records(sync_t *s, const peer_t *p)
{
    uint64_t lag = 0;
    for (uint32_t i = 0; i < s->n_origins && i < p->slots; i++) {
        if (memcmp(s->origins[i].id, p->origin, ID_LEN) == 0) continue;
        if (s->origins[i].head > p->have[i]) lag += s->origins[i].head - p->have[i];
    }
    return lag;
}

static void check_roster(sync_t *s)
{
    store_txn_t *t;
    if (store_txn_begin(s->st, NULL, false, &t)) return;
    uint64_t gen = roster_generation(t), before = s->roster_gen;
    bool changed = gen != before;
    s->roster_gen = gen;
    for (uint32_t i = 0; i < s->n_peers && changed; i++) {
        peer_t *p = &s->peers[i];
        roster_entry_t e;
        if (!p->used || roster_by_origin(t, p->origin, &e)) continue;
        snprintf(p->name, sizeof p->name, "%s", e.name);
        if (p->live && !p->upstream && e.action == ROSTER_REVOKE) {
            log_warn("%s is revoked: cutting its session", p->name);
            send_error(s, p, ACCORD_EREVOKED, "this node is revoked by the org; it may no longer sync");
            if (p->fd >= 0) shutdown(p->fd, SHUT_RDWR); /* the TCP connection, not just the next handshake */
            p->live = false;
        }
    }
    /* only what changed: a thousand branches need not each get the whole roster again */
    bool have_delta = changed && build_roster(t, before < gen ? before : 0, &s->out);
    store_txn_abort(&t);
    for (uint32_t i = 0; i < s->n_peers && have_delta; i++)
        if (s->peers[i].used && s->peers[i].live) out_send(s, &s->peers[i]);
}

/* Keeps what each peer said it holds, for the compaction horizon (horizon.h): once a
 * second at most, in one transaction, and only for peers whose vector moved. */
static void save_acked(sync_t *s)
{
    store_txn_t *t = NULL;
    int rc = 0;
    for (uint32_t i = 0; i < s->n_peers && !rc; i++) {
        peer_t *p = &s->peers[i];
        if (!p->used || !p->have_changed) continue;
        if (!t && (rc = store_txn_begin(s->st, NULL, true, &t))) break;
        for (uint32_t slot = 0; slot < p->slots && slot < s->n_origins && !rc; slot++)
            rc = horizon_note(t, p->origin, s->origins[slot].id, p->have[slot]);
        p->have_changed = false;
    }
    if (t && !rc) rc = store_txn_commit(&t);
    else if (t) store_txn_abort(&t);
    if (rc) log_error("cannot keep what the peers hold: %s", accord_strerror(rc));
}

static void timers(sync_t *s)
{
    uint64_t now = now_ms();
    if (now < s->next_beat_ms) return;
    s->next_beat_ms = now + BEAT_MS;
    check_roster(s);
    save_acked(s);
    uint64_t used, limit;
    store_usage(s->st, &used, &limit);
    for (uint32_t i = 0; i < s->n_peers; i++) {
        peer_t *p = &s->peers[i];
        if (!p->used || !p->live) continue;
        if (!p->upstream && now - p->last_seen_ms > SILENT_MS) {
            log_warn("%s is silent; its session ends", p->name);
            p->live = false;
            continue;
        }
        msgpack_packer pk;
        wire_pack_beat(out_begin(s, &pk), now, lag_records(s, p), used, limit, SOFTWARE_VERSION);
        out_send(s, p);
        p->dirty = s->any_dirty = true; /* pauses may have run out */
    }
}

void sync_run(sync_t *s, const zmq_pollitem_t *items, int n)
{
    for (int i = 0; i < n; i++) {
        if (!(items[i].revents & ZMQ_POLLIN)) continue;
        void *sock = items[i].socket;
        /* a bounded number per turn, so the local API is served in between */
        for (int k = 0; k < 64; k++) {
            int events = 0;
            size_t len = sizeof events;
            if (zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) || !(events & ZMQ_POLLIN)) break;
            if (sock == s->router) on_router_message(s);
            else if (sock == s->dealer) on_dealer_message(s);
            else {
                group_flush(s); /* they read the store */
                if (sock == s->zap) on_zap_request(s);
                else if (sock == s->mon) on_monitor_event(s);
            }
        }
    }
    group_flush(s);
    timers(s);
    pump(s);
}

void sync_local_commit(sync_t *s)
{
    feed_head_t h = oplog_head(s->log);
    uint32_t slot = origin_slot(s, s->id->origin, true);
    if (slot == UINT32_MAX || s->origins[slot].head == h.seq) return;
    s->origins[slot].head = h.seq;
    for (uint32_t i = 0; i < s->n_peers; i++) s->peers[i].dirty = true;
    s->any_dirty = true;
    pump(s);
}

bool sync_rejoining(const sync_t *s)
{
    return s->rejoining;
}

void sync_reload(sync_t *s)
{
    if (load_origins(s)) log_error("cannot read the feed heads again");
    for (uint32_t i = 0; i < s->n_peers; i++) s->peers[i].dirty = true;
    s->any_dirty = true;
    pump(s);
}

int sync_poll_items(sync_t *s, zmq_pollitem_t *items)
{
    int n = 0;
    void *socks[] = {s->router, s->dealer, s->zap, s->mon};
    for (int i = 0; i < 4; i++)
        if (socks[i]) items[n++] = (zmq_pollitem_t){socks[i], 0, ZMQ_POLLIN, 0};
    return n;
}

/* ---- set-up ----------------------------------------------------------------------- */

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
    int rc = store_txn_begin(st, NULL, false, &t);
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
    if ((rc = load_origins(s))) {
        snprintf(err, err_cap, "cannot read the feed heads: %s", accord_strerror(rc));
        goto fail;
    }
    /* the roster as of the start; a reload (sync_reload) must not move this mark, or the
     * changes since the last look would never be sent to the peers */
    store_txn_t *rt;
    if (!store_txn_begin(st, NULL, false, &rt)) {
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
        peer_t *p = peer_by_origin(s, hub_origin, true);
        p->upstream = true;
        p->fd = -1;
        snprintf(p->name, sizeof p->name, "upstream");
        if (store_txn_begin(st, NULL, false, &t) == 0) {
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
    group_flush(s);
    void *socks[] = {s->router, s->dealer, s->zap, s->mon};
    for (int i = 0; i < 4; i++)
        if (socks[i]) zmq_close(socks[i]);
    end_snapshot_in(s, false);
    free(s->snap_buf);
    for (uint32_t i = 0; i < s->n_peers; i++) {
        if (s->peers[i].snap_out) fclose(s->peers[i].snap_out);
        free(s->peers[i].have);
        free(s->peers[i].sent);
        free(s->peers[i].paused);
    }
    free(s->origins);
    msgpack_sbuffer_destroy(&s->out);
    if (s->roster_msg) shared_msg_unref(NULL, s->roster_msg);
    free(s);
    *ps = NULL;
}

/* ---- status ----------------------------------------------------------------------- */

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

void sync_status(sync_t *s, msgpack_packer *pk)
{
    uint64_t now = now_ms();
    store_txn_t *t = NULL;
    if (store_txn_begin(s->st, NULL, false, &t)) t = NULL;
    uint32_t n_peers = 0;
    for (uint32_t i = 0; i < s->n_peers; i++) n_peers += s->peers[i].used;
    msgpack_pack_map(pk, 7);
    pack_cstr(pk, "apply_latency"); /* arrival to durable commit of applied batches */
    msgpack_pack_map(pk, 4);
    pack_cstr(pk, "le_ms");
    msgpack_pack_array(pk, N_LATENCY);
    for (unsigned i = 0; i < N_LATENCY; i++) msgpack_pack_double(pk, latency_le_ms[i]);
    pack_cstr(pk, "cumulative");
    msgpack_pack_array(pk, N_LATENCY);
    uint64_t cum = 0;
    for (unsigned i = 0; i < N_LATENCY; i++) msgpack_pack_uint64(pk, cum += s->latency_counts[i]);
    pack_cstr(pk, "count"); msgpack_pack_uint64(pk, s->latency_n);
    pack_cstr(pk, "sum_ms"); msgpack_pack_double(pk, s->latency_sum_ms);
    pack_cstr(pk, "node"); pack_cstr(pk, s->id->name);
    pack_cstr(pk, "role"); pack_cstr(pk, s->id->role);
    pack_cstr(pk, "feeds"); msgpack_pack_uint32(pk, s->n_origins);
    pack_cstr(pk, "peers");
    msgpack_pack_array(pk, n_peers);
    for (uint32_t i = 0; i < s->n_peers; i++) {
        peer_t *p = &s->peers[i];
        if (!p->used) continue;
        msgpack_pack_map(pk, 17);
        pack_cstr(pk, "name"); pack_cstr(pk, p->name);
        pack_cstr(pk, "origin"); pack_hex(pk, p->origin, ID_LEN);
        pack_cstr(pk, "direction"); pack_cstr(pk, p->upstream ? "upstream" : "downstream");
        pack_cstr(pk, "connected"); msgpack_pack_int(pk, p->live);
        pack_cstr(pk, "last_seen_s");
        if (p->last_seen_ms) msgpack_pack_double(pk, (double)(now - p->last_seen_ms) / 1000.0);
        else msgpack_pack_nil(pk);
        pack_cstr(pk, "lag_records"); msgpack_pack_uint64(pk, p->live ? lag_records(s, p) : 0);
        pack_cstr(pk, "lag_seconds"); msgpack_pack_double(pk, p->live && t ? lag_seconds(s, t, p, now) : 0.0);
        pack_cstr(pk, "behind_records"); msgpack_pack_uint64(pk, p->their_pending);
        pack_cstr(pk, "clock_offset_ms"); msgpack_pack_int64(pk, p->clock_offset_ms);
        pack_cstr(pk, "version"); pack_cstr(pk, p->version);
        pack_cstr(pk, "batches_in"); msgpack_pack_uint64(pk, p->batches_in);
        pack_cstr(pk, "records_in"); msgpack_pack_uint64(pk, p->records_in);
        pack_cstr(pk, "batches_out"); msgpack_pack_uint64(pk, p->batches_out);
        pack_cstr(pk, "records_out"); msgpack_pack_uint64(pk, p->records_out);
        pack_cstr(pk, "refused"); msgpack_pack_uint64(pk, p->refused);
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
