/* SPDX-License-Identifier: MIT
 * sync_internal: what the replication modules share, and nothing outside server/repl/ may
 * include. One sync_t per node, used only on the node's single writer thread:
 *   sync.c         lifecycle, origins (the feeds this node follows), sending, timers, the loop;
 *   session.c      what both ends of a session do: HELLO, ROSTER, BATCH (through the one
 *                  ingest path, feed/ingest.h), group commit, ACK, BEAT, ERROR;
 *   hub_side.c     the ROUTER a hub listens on: admission (ZAP), sessions by routing id,
 *                  DIGEST answers, cutting revoked peers;
 *   branch_side.c  the DEALER to the hub above: its socket monitor, the snapshot it sends;
 *   pump.c         what each peer lacks, in batches within its credit, or a snapshot;
 *   sync_status.c  the local API's sync_status reply;
 *   clock_watch.c  the branch's clock against its hub's: re-stamping records of a clock
 *                  that ran ahead (feed/restamp.h).
 * Each peer's session is the explicit state machine of peer.h. */
#ifndef ACCORD_SYNC_INTERNAL_H
#define ACCORD_SYNC_INTERNAL_H

#include <stdatomic.h>

#include "feed/feed_batch.h"
#include "proto/hlc.h"
#include "proto/wire.h"
#include "repl/peer.h"
#include "repl/sync.h"

#define SOFTWARE_VERSION "accord 0.3"
#define BEAT_MS 1000
#define SILENT_MS 10000        /* a peer not heard from this long is shown disconnected */
#define PURGED_PAUSE_MS 60000  /* a peer that lacks compacted records is told once a minute */
#define PAUSE_MS 3000          /* after a refusal, wait before offering that feed again */
#define MAX_ORIGINS WIRE_MAX_ORIGINS
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define MON_ENDPOINT "inproc://accord-upstream-monitor"
/* Batches that arrive together are applied in one durable commit (each checked wholly
 * before it is written, so a refused one takes nothing with it); their ACKs go after
 * that commit. */
/* One write transaction holds the batches that arrive together, up to these bounds: large
 * transactions write each B-tree page once for many records (issue "Store v2": 1k records a
 * transaction wrote 16.7 KB a change), while the time bound keeps local requests, which
 * wait for the group's commit, answered within about GROUP_MAX_MS. */
#define GROUP_MAX_BATCHES 256
#define GROUP_MAX_RECORDS 262144
#define GROUP_MAX_BYTES (64u << 20)
#define GROUP_MAX_MS 250       /* while local requests wait */
#define GROUP_IDLE_MAX_MS 2000 /* while none do */
#define SYNC_TURN_MAX_MESSAGES 4096 /* messages read from one socket in one turn of the loop */
/* A sender's target batch length. A batch is one transaction at the receiver, which holds
 * every B-tree page it dirties in memory until the commit (and LMDB keeps those pages for
 * reuse). Catching up 1,000,000 changes (make bench), the hub's peak anonymous memory was
 * 81 MiB with batches of 2,048 and 47 MiB with 1,024, for 15% less throughput. */
#define SYNC_BATCH_RECORDS 4096

typedef struct {
    uint8_t id[ID_LEN];
    uint64_t head;       /* what this node holds of the feed */
    uint64_t base;       /* records up to here were compacted away (compact.h) */
    bool quarantined;    /* it forked: neither applied nor forwarded (TBL_QUARANTINE) */
} origin_t;

/* One message queued to many peers without a copy each: ZeroMQ holds a reference per
 * queued send and drops it from its I/O thread once the bytes are written. */
typedef struct {
    atomic_int refs;
    size_t size;
    char data[];
} shared_msg_t;

typedef struct {
    peer_t *peer;
    uint8_t origin[ID_LEN];
    uint32_t slot;
    uint64_t head, applied, max_hlc;
    uint64_t t0_ms; /* when the batch arrived: its latency runs to the commit */
} pending_ack_t;

/* How long batches take from arrival to durable commit, for /metrics (Prometheus buckets). */
#define SYNC_N_LATENCY 10
extern const double repl_latency_le_ms[SYNC_N_LATENCY];

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
    uint64_t group_bytes;
    uint64_t group_t0_ms; /* when the group's transaction began */
    uint64_t group_commits; /* groups committed (or thrown away): sync_run ends its turn after one */
    void *local_sock;       /* the local API's socket, borrowed (sync_set_local_socket) */
    /* decoding space, reused for every message */
    wire_vec_t vec[MAX_ORIGINS];
    const uint8_t *items[WIRE_MAX_ROSTER];
    size_t item_lens[WIRE_MAX_ROSTER];
    wire_digest_t no_digests[1]; /* sync decodes no DIGEST lists: an empty space */
    feed_batch_t batch; /* what pack_batch reads */
    uint8_t *snap_buf;   /* one SNAP chunk read from the file */
    FILE *snap_in;       /* the hub's snapshot arriving at this empty node */
    uint64_t snap_got, snap_total;
    uint64_t latency_counts[SYNC_N_LATENCY + 1]; /* per bucket (not cumulative); the last is +Inf */
    uint64_t latency_n;
    double latency_sum_ms;
    log_limit_t log_no_session; /* frames from admitted nodes with no session (log.h) */
    log_limit_t log_hellos;     /* refused HELLOs */
    log_limit_t log_zap;        /* connections ZAP refused */
    bool rejoining;      /* restored: fetching this node's own newest records (rejoin.h) */
    uint64_t rejoin_target; /* the hub's head of this node's feed */
    bool clock_hold;        /* our feed is held back until the hub's first BEAT (clock_watch.c) */
    bool clock_gave_up;     /* a re-stamp failed: not tried again until the node restarts */
    uint64_t clock_kept_lead_ms; /* the lead over the hub's clock last kept in meta, 0 if none */
};

static inline uint64_t repl_now_ms(void)
{
    return hlc_wall_ms();
}

/* sync.c */
void repl_shared_msg_unref(void *data, void *hint);
shared_msg_t *repl_shared_msg_new(const void *data, size_t size);
/* The slot of origin, added if new; UINT32_MAX when the table is full (or absent and !add). */
uint32_t repl_origin_slot(sync_t *s, const uint8_t id[ID_LEN], bool add);
/* Reads heads, bases and quarantines from the store into s->origins (a feed no longer in
 * TBL_QUARANTINE is no longer quarantined here either). */
int repl_load_origins(sync_t *s);
/* The peer of origin; with add, a new slot if none (upstream: CONNECTING, else DOWN).
 * NULL when the table is full. */
peer_t *repl_peer_by_origin(sync_t *s, const uint8_t origin[ID_LEN], bool add, bool upstream);
/* Starts a message in s->out; repl_out_send sends it. False if the peer cannot take it now
 * (an unreachable downstream peer is lost: peer_lost). */
msgpack_packer *repl_out_begin(sync_t *s, msgpack_packer *pk);
bool repl_out_send(sync_t *s, peer_t *p);
bool repl_out_send_shared(sync_t *s, peer_t *p, shared_msg_t *m);
void repl_send_error(sync_t *s, peer_t *p, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Records of other feeds this node holds and the peer does not. */
uint64_t repl_lag_records(sync_t *s, const peer_t *p);

/* session.c */
void repl_send_hello(sync_t *s, peer_t *p);
bool repl_build_roster(store_txn_t *t, uint64_t since, msgpack_sbuffer *out);
void repl_send_roster(sync_t *s, peer_t *p);
/* A session starts (again): what the peer holds is what its HELLO says; p becomes LIVE. */
void repl_start_session(sync_t *s, peer_t *p, const wire_msg_t *m);
void repl_finish_rejoin(sync_t *s);
/* Commits the batches applied so far and answers each (see session.c). */
void repl_group_flush(sync_t *s);
/* True once the open group has reached a bound (GROUP_MAX_*): flush it before more. */
bool repl_group_full(const sync_t *s);
void repl_dispatch(sync_t *s, peer_t *p, const wire_msg_t *m);
int repl_decode(sync_t *s, const void *buf, size_t len, wire_msg_t *m);
const char *repl_version_text(int rc, const wire_msg_t *m, char *buf, size_t cap);

/* hub_side.c */
void repl_on_router_message(sync_t *s);
void repl_on_zap_request(sync_t *s);
/* The roster moved: rename peers, cut revoked ones, send peers what changed. */
void repl_check_roster(sync_t *s);

/* branch_side.c */
void repl_on_dealer_message(sync_t *s);
void repl_on_monitor_event(sync_t *s);
void repl_end_snapshot_in(sync_t *s, bool remove);
void repl_on_snap(sync_t *s, peer_t *p, const wire_msg_t *m);

/* clock_watch.c: the upstream session's HELLO (after start_session, before anything is
 * sent) and each BEAT from the hub (after the session handled it) */
void repl_clock_on_hello(sync_t *s, peer_t *p);
void repl_clock_on_beat(sync_t *s, peer_t *p);

/* pump.c */
/* Sends every LIVE peer what it lacks, within its credit, or its snapshot. */
void repl_pump(sync_t *s);

#endif
