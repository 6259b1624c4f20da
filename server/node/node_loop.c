/* SPDX-License-Identifier: MIT
 * node_loop: the writer thread's loop and group commit (node_loop.h). */
#define _POSIX_C_SOURCE 200809L
#include "node/node_loop.h"
#include "auth/audit.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/json.h"
#include "proto/request.h"
#include "common/log.h"
#include "feed/oplog.h"
#include "http/metrics.h"
#include "repl/rejoin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define FRAMES_MAX 4
#define GATHER_STEP_NS 20000L  /* one look for more requests to batch */
#define GATHER_MAX_NS 200000L  /* the longest a batch waits for more requests */

typedef struct {
    zmq_msg_t frames[FRAMES_MAX]; /* envelope frames, then the payload last */
    int n_frames;
    request_t req;                /* decoded from the payload; borrows its bytes */
    api_caller_t caller;          /* who sent it: the socket's peer credentials */
    int code;                     /* the reply's code: 0 or an ACCORD_E* */
    bool write;                   /* the verb writes (the API's table says) */
    bool alone;                   /* the verb opens its own transactions: run outside the batch's */
    msgpack_sbuffer body;         /* the reply's body */
    char msg[512];                /* the reply's message */
    audit_event_t refusal;        /* the refusal it kept in the audit (has_refusal), to keep again */
    bool has_refusal;             /* refused, with refusal appended in the batch's transaction */
    bool refusal_lost;            /* that transaction was thrown away: append refusal again */
} pending_t;

struct node_loop {
    api_t *api;                   /* borrowed */
    void *sock;                   /* borrowed: the local API's ROUTER socket */
    sync_t *sync;                 /* borrowed; NULL when the node replicates with no one */
    http_t *http;                 /* borrowed; NULL without --http */
    bool restored;                /* restored and not yet rejoined: no changes (rejoin.h) */
    int last_batch;               /* size of the previous batch: how many clients are writing */
    uint64_t next_publish_ms;     /* when the HTTP thread next gets the status */
    pending_t batch[NODE_BATCH_MAX]; /* the requests of one turn */
};

node_loop_t *node_loop_new(api_t *api, void *sock, sync_t *sync, http_t *http, bool restored)
{
    node_loop_t *l = calloc(1, sizeof *l);
    if (!l) abort();
    l->api = api;
    l->sock = sock;
    l->sync = sync;
    if (sync) sync_set_local_socket(sync, sock);
    l->http = http;
    l->restored = restored;
    for (int i = 0; i < NODE_BATCH_MAX; i++) msgpack_sbuffer_init(&l->batch[i].body);
    return l;
}

void node_loop_destroy(node_loop_t **pl)
{
    node_loop_t *l = *pl;
    if (!l) return;
    for (int i = 0; i < NODE_BATCH_MAX; i++) msgpack_sbuffer_destroy(&l->batch[i].body);
    free(l);
    *pl = NULL;
}

static int recv_one(void *sock, pending_t *p)
{
    p->n_frames = 0;
    p->caller = (api_caller_t){0};
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, p->n_frames == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&m);
            return -1;
        }
        more = zmq_msg_more(&m);
        /* the payload carries the peer's credentials (the routing id frame the ROUTER makes
         * may not) */
        const char *peer = zmq_msg_gets(&m, "Peer-Address");
        if (peer && !p->caller.known) p->caller = api_caller_from_peer_address(peer);
        if (p->n_frames < FRAMES_MAX) p->frames[p->n_frames++] = m;
        else zmq_msg_close(&m); /* too many frames: keep the first ones, refuse below */
    }
    return 0;
}

static void send_reply(void *sock, pending_t *p)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_uint64(&pk, p->req.id); /* 0 when the request could not be read */
    msgpack_pack_int(&pk, p->code);
    size_t ml = strlen(p->msg);
    msgpack_pack_str(&pk, ml);
    msgpack_pack_str_body(&pk, p->msg, ml);
    if (p->code == 0 && p->body.size) msgpack_sbuffer_write(&out, p->body.data, p->body.size);
    else msgpack_pack_nil(&pk);
    for (int i = 0; i < p->n_frames - 1; i++) zmq_msg_send(&p->frames[i], sock, ZMQ_SNDMORE);
    zmq_send(sock, out.data, out.size, 0);
    msgpack_sbuffer_destroy(&out);
    zmq_msg_close(&p->frames[p->n_frames - 1]);
}

static bool is_store_failure(int code)
{
    return code == ACCORD_ESTORE || code == ACCORD_EFULL || code == ACCORD_EIO;
}

static int copy_event(void *ctx, const audit_event_t *e)
{
    *(audit_event_t *)ctx = *e;
    return 1;
}

/* The seq of t's newest audit event (0 if none), and the event into *e. */
static uint64_t newest_audit(store_txn_t *t, audit_event_t *e)
{
    audit_filter_t all = {.limit = 1};
    e->seq = 0;
    return audit_each(t, &all, copy_event, e) < 0 ? 0 : e->seq;
}

/* A refused request is not run again, so the refusals kept in a transaction thrown away
 * are kept in the one that commits (else a request refused part way, a merge, erased its
 * own refusal and every other one of its batch from the audit). */
static int keep_lost_refusals(node_loop_t *l, int n, store_txn_t *txn)
{
    for (int i = 0; i < n; i++) {
        pending_t *p = &l->batch[i];
        if (!p->refusal_lost) continue;
        const audit_event_t *e = &p->refusal;
        int rc = audit_append(txn, e->time_ms, e->kind, e->user, e->address, e->detail);
        if (rc) return rc;
        p->refusal_lost = false;
    }
    return 0;
}

/* Runs every request of the batch in one transaction. API handlers refuse bad requests
 * before they write (see oplog_append), so a refusal leaves the transaction clean. A store
 * failure, or a refusal after some of a request's records were appended, may leave part of
 * it behind: then the transaction is thrown away, that request answered with the failure,
 * and the batch run again without it (returns 1); the permission refusals the audit kept
 * in it are kept again in the next (keep_lost_refusals).
 * Nothing was acknowledged yet, so running the others again is safe. */
static int run_writes(node_loop_t *l, int n, bool any_write)
{
    oplog_t *log = api_log(l->api);
    store_txn_t *txn = NULL;
    int rc = store_txn_begin(api_store(l->api), any_write, &txn);
    if (rc) return rc;
    audit_event_t newest;
    uint64_t audit_seq = any_write ? newest_audit(txn, &newest) : 0;
    for (int i = 0; i < n; i++) {
        pending_t *p = &l->batch[i];
        if (p->code || p->alone) continue;
        p->body.size = 0;
        msgpack_packer pk;
        msgpack_packer_init(&pk, &p->body, msgpack_sbuffer_write);
        feed_head_t mark = oplog_mark(log);
        api_set_caller(l->api, &p->caller);
        p->code = api_handle(l->api, txn, &p->req, &pk, p->msg, sizeof p->msg);
        /* a request of several records (a merge, a document and its lines) refused after
         * its first (EPERM: one of them is beyond its author's roles) left those in t */
        bool wrote_part = p->code && p->write && oplog_mark(log).seq != mark.seq;
        if (p->code && p->write) oplog_rollback(log, mark);
        if (p->write && newest_audit(txn, &newest) > audit_seq) {
            audit_seq = newest.seq;
            if (p->code) p->refusal = newest, p->has_refusal = true;
        }
        if (p->code && p->write && (is_store_failure(p->code) || wrote_part)) {
            store_txn_abort(&txn);
            oplog_commit_failed(log);
            for (int j = 0; j <= i; j++) { /* run the others again; keep the refusals again */
                pending_t *o = &l->batch[j];
                if (o->code == 0 && !o->alone) o->body.size = 0;
                if (o->has_refusal) o->refusal_lost = true, o->has_refusal = false;
            }
            return 1;
        }
    }
    if (!any_write) {
        store_txn_abort(&txn);
        return 0;
    }
    if ((rc = keep_lost_refusals(l, n, txn)) == 0 && (rc = oplog_seal(log, txn)) == 0) rc = store_txn_commit(&txn);
    else store_txn_abort(&txn);
    if (rc) {
        oplog_commit_failed(log);
        return rc;
    }
    oplog_commit_done(log);
    if (l->sync) sync_local_commit(l->sync);
    return 0;
}

/* Decodes each request of the batch and asks the verb table whether it writes; a write
 * is refused while this restored node waits to rejoin. True if any request writes. */
static bool decode_batch(node_loop_t *l, int n)
{
    bool any_write = false;
    for (int i = 0; i < n; i++) {
        pending_t *p = &l->batch[i];
        p->body.size = 0;
        p->msg[0] = 0;
        p->write = p->alone = false;
        p->has_refusal = p->refusal_lost = false;
        zmq_msg_t *payload = &p->frames[p->n_frames - 1];
        p->code = request_decode(zmq_msg_data(payload), zmq_msg_size(payload), &p->req);
        if (p->code) {
            p->req.id = 0;
            snprintf(p->msg, sizeof p->msg, "malformed request: not an Accord API message (%s)",
                     accord_strerror(p->code));
            continue;
        }
        const api_verb_t *v = api_verb_find(p->req.verb.s, p->req.verb.len);
        p->write = v && v->write;
        p->alone = api_runs_alone(v, &p->req);
        if (p->write && (l->sync ? sync_rejoining(l->sync) : l->restored)) {
            p->code = ACCORD_EREADONLY;
            snprintf(p->msg, sizeof p->msg, "%s", REJOIN_WAITING_TEXT);
            p->write = false;
            continue;
        }
        any_write |= p->write && !p->alone;
    }
    return any_write;
}

/* The verbs that open their own transactions run first, one by one, with no transaction
 * of the batch open (LMDB has one writer). */
static void run_alone(node_loop_t *l, int n)
{
    for (int i = 0; i < n; i++) {
        pending_t *p = &l->batch[i];
        if (!p->alone || p->code) continue;
        p->body.size = 0;
        msgpack_packer pk;
        msgpack_packer_init(&pk, &p->body, msgpack_sbuffer_write);
        api_set_caller(l->api, &p->caller);
        p->code = api_handle(l->api, NULL, &p->req, &pk, p->msg, sizeof p->msg);
    }
}

static void run_batch(node_loop_t *l, int n)
{
    bool any_write = decode_batch(l, n);
    run_alone(l, n);
    int rc;
    for (int attempt = 0; (rc = run_writes(l, n, any_write)) == 1 && attempt <= n; attempt++)
        ;
    if (rc) {
        log_error("commit failed: %s", accord_strerror(rc));
        for (int i = 0; i < n; i++) {
            pending_t *p = &l->batch[i];
            if (p->write && !p->code) {
                p->code = rc;
                snprintf(p->msg, sizeof p->msg, "not saved: %s%s", accord_strerror(rc),
                         rc == ACCORD_EFULL ? " (free disk space on the node, or raise ACCORD_MAP_MB)" : "");
            }
        }
    }
    for (int i = 0; i < n; i++) send_reply(l->sock, &l->batch[i]);
}

/* Takes every request waiting, and for a while more when several clients were writing.
 * Returns how many the batch holds. */
static int gather(node_loop_t *l)
{
    int n = 0;
    for (long waited_ns = 0;;) {
        while (n < NODE_BATCH_MAX && recv_one(l->sock, &l->batch[n]) == 0) {
            pending_t *p = &l->batch[n];
            if (p->n_frames < 2) { /* no envelope: cannot reply */
                for (int i = 0; i < p->n_frames; i++) zmq_msg_close(&p->frames[i]);
                continue;
            }
            n++;
        }
        /* Gather window: when several clients were writing, the ones just answered
         * come back within a fraction of a millisecond; waiting briefly for them lets
         * one commit serve them all (measured: batches of 8 became 16 with 16
         * clients). A lone client never waits. */
        if (n >= NODE_BATCH_MAX || n >= l->last_batch || l->last_batch <= 1 || waited_ns >= GATHER_MAX_NS) break;
        struct timespec nap = {0, GATHER_STEP_NS};
        nanosleep(&nap, NULL);
        waited_ns += GATHER_STEP_NS;
    }
    l->last_batch = n;
    return n;
}

/* Hands the HTTP thread what only this thread knows: sync status and metrics, as text. */
static void publish_status(http_t *http, sync_t *replication, store_t *st)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (replication) sync_status(replication, &pk);
    else {
        msgpack_pack_map(&pk, 1);
        msgpack_pack_str(&pk, 5);
        msgpack_pack_str_body(&pk, "peers", 5);
        msgpack_pack_array(&pk, 0);
    }
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    char *json = NULL, *metrics = NULL;
    size_t json_len = 0, metrics_len = 0;
    FILE *fj = open_memstream(&json, &json_len), *fm = open_memstream(&metrics, &metrics_len);
    if (fj && fm && msgpack_unpack_next(&u, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        json_write_msgpack(fj, &u.data);
        fputc('\n', fj);
        metrics_write(fm, &u.data, st);
    }
    if (fj) fclose(fj);
    if (fm) fclose(fm);
    if (json && metrics) http_publish(http, json, json_len, metrics, metrics_len);
    free(json);
    free(metrics);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static bool local_readable(void *sock)
{
    int events = 0;
    size_t len = sizeof events;
    return zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN);
}

int node_loop_run(node_loop_t *l, volatile sig_atomic_t *stopping)
{
    while (!*stopping) {
        zmq_pollitem_t items[1 + SYNC_MAX_SOCKETS] = {{l->sock, 0, ZMQ_POLLIN, 0}};
        int n_sync = l->sync ? sync_poll_items(l->sync, items + 1) : 0;
        int ready = zmq_poll(items, 1 + n_sync, l->sync ? 100 : 500);
        if (ready < 0) {
            if (errno == EINTR) continue;
            log_error("poll: %s", zmq_strerror(errno));
            return ACCORD_ENET;
        }
        if (l->sync) sync_run(l->sync, items + 1, n_sync);
        if (l->http && hlc_wall_ms() >= l->next_publish_ms) {
            l->next_publish_ms = hlc_wall_ms() + 1000;
            publish_status(l->http, l->sync, api_store(l->api));
        }
        /* a request that came while sync_run ran is served now, not after the next turn's
         * group (the poll's revents were taken before sync_run) */
        if (!(items[0].revents & ZMQ_POLLIN) && !(l->sync && local_readable(l->sock))) continue;
        int n = gather(l);
        if (n) run_batch(l, n);
        log_debug("batch of %d", n);
    }
    return 0;
}
