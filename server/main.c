/* SPDX-License-Identifier: MIT
 * accord-node: the node daemon. Serves the local API on ipc://DIR/accord.sock.
 *
 * One thread owns the store's write transactions. Each turn of the loop takes every
 * request waiting (up to BATCH_MAX), runs them in one write transaction (a refused
 * request writes nothing, so it leaves the rest alone), signs the feed head
 * once, commits once (one fsync) and only then replies: a reply is an acknowledgement
 * that the change is on disk. Concurrent clients therefore share commits (group commit). */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/request.h"
#include "api/api.h"
#include "auth/identity.h"
#include "common/log.h"
#include "feed/oplog.h"
#include "repl/rejoin.h"
#include "store/store.h"
#include "repl/sync.h"
#include "ops/snapshot_io.h"
#include "http/http.h"
#include "http/metrics.h"
#include "proto/json.h"
#include "state/kpi.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define BATCH_MAX 256
#define FRAMES_MAX 4
#define GATHER_STEP_NS 20000L  /* one look for more requests to batch */
#define GATHER_MAX_NS 200000L  /* the longest a batch waits for more requests */
#define DEFAULT_PIPELINE "Lead,Qualified,Proposal,Negotiation,Won,Lost"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

typedef struct {
    zmq_msg_t frames[FRAMES_MAX]; /* envelope frames, then the payload last */
    int n_frames;
    request_t req;
    int code;
    bool write;
    msgpack_sbuffer body;
    char msg[512];
} pending_t;

static pending_t batch[BATCH_MAX];
static sync_t *sync_link; /* NULL when the node replicates with no one */
static bool restored;     /* restored and not yet rejoined: no changes (rejoin.h) */

static int recv_one(void *sock, pending_t *p)
{
    p->n_frames = 0;
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, p->n_frames == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&m);
            return -1;
        }
        more = zmq_msg_more(&m);
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

/* Runs every request of the batch in one transaction. API handlers refuse bad requests
 * before they write (see oplog_append), so a refusal leaves the transaction clean. A store
 * failure may leave part of a request behind: then the transaction is thrown away, that
 * request answered with the failure, and the batch run again without it. Nothing was
 * acknowledged yet, so running the others again is safe. */
static int run_writes(api_t *api, int n, bool any_write)
{
    store_txn_t *txn = NULL;
    int rc = store_txn_begin(api->st, NULL, any_write, &txn);
    if (rc) return rc;
    for (int i = 0; i < n; i++) {
        pending_t *p = &batch[i];
        if (p->code) continue;
        p->body.size = 0;
        msgpack_packer pk;
        msgpack_packer_init(&pk, &p->body, msgpack_sbuffer_write);
        if (req_str_eq(p->req.verb, "sync_reload")) { /* accordctl bundle import wrote the store */
            if (sync_link) sync_reload(sync_link);
            msgpack_pack_nil(&pk);
            continue;
        }
        if (req_str_eq(p->req.verb, "sync_status")) {
            if (sync_link) sync_status(sync_link, &pk);
            else p->code = ACCORD_ENOTFOUND, snprintf(p->msg, sizeof p->msg,
                                                      "this node replicates with no one (start it with --listen or --upstream)");
            continue;
        }
        feed_head_t mark = oplog_mark(api->log);
        p->code = api_handle(api, txn, &p->req, &pk, p->msg, sizeof p->msg);
        if (p->code && p->write) oplog_rollback(api->log, mark);
        if (p->code && p->write && is_store_failure(p->code)) {
            store_txn_abort(&txn);
            oplog_commit_failed(api->log);
            for (int j = 0; j < i; j++) /* run the others again */
                if (batch[j].code == 0) batch[j].body.size = 0;
            return 1;
        }
    }
    if (!any_write) {
        store_txn_abort(&txn);
        return 0;
    }
    if ((rc = oplog_seal(api->log, txn)) == 0) rc = store_txn_commit(&txn);
    else store_txn_abort(&txn);
    if (rc) {
        oplog_commit_failed(api->log);
        return rc;
    }
    oplog_commit_done(api->log);
    if (sync_link) sync_local_commit(sync_link);
    return 0;
}

static void run_batch(api_t *api, void *sock, int n)
{
    bool any_write = false;
    for (int i = 0; i < n; i++) {
        pending_t *p = &batch[i];
        p->body.size = 0;
        p->msg[0] = 0;
        p->write = false;
        zmq_msg_t *payload = &p->frames[p->n_frames - 1];
        p->code = request_decode(zmq_msg_data(payload), zmq_msg_size(payload), &p->req);
        if (p->code) {
            p->req.id = 0;
            snprintf(p->msg, sizeof p->msg, "malformed request: not an Accord API message (%s)",
                     accord_strerror(p->code));
            continue;
        }
        p->write = api_is_write(&p->req);
        if (p->write && (sync_link ? sync_rejoining(sync_link) : restored)) {
            p->code = ACCORD_EREADONLY;
            snprintf(p->msg, sizeof p->msg, "%s", REJOIN_WAITING_TEXT);
            p->write = false;
            continue;
        }
        any_write |= p->write;
    }
    int rc;
    for (int attempt = 0; (rc = run_writes(api, n, any_write)) == 1 && attempt <= n; attempt++)
        ;
    if (rc) {
        log_error("commit failed: %s", accord_strerror(rc));
        for (int i = 0; i < n; i++)
            if (batch[i].write && !batch[i].code) {
                batch[i].code = rc;
                snprintf(batch[i].msg, sizeof batch[i].msg, "not saved: %s%s", accord_strerror(rc),
                         rc == ACCORD_EFULL ? " (free disk space on the node, or raise ACCORD_MAP_MB)" : "");
            }
    }
    for (int i = 0; i < n; i++) send_reply(sock, &batch[i]);
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

static void usage(FILE *f)
{
    fprintf(f,
            "usage: accord-node --data DIR [--listen ENDPOINT] [--upstream ENDPOINT --upstream-key HEX]\n"
            "                   [--max-clock-skew SECONDS] [--pipeline STAGES] [--http [ADDRESS:]PORT] [--verbose]\n"
            "\n"
            "Runs an Accord node on the store in DIR (made by 'accordctl node init').\n"
            "Clients talk to it on ipc://DIR/accord.sock.\n"
            "\n"
            "  -d, --data DIR        the node's data directory (or $ACCORD_DATA)\n"
            "  -l, --listen EP       (hub) accept branches on EP, e.g. tcp://127.0.0.1:7400\n"
            "                        (CURVE; only nodes enrolled in the roster get in)\n"
            "  -u, --upstream EP     replicate with the hub at EP, e.g. tcp://hq.example:7400\n"
            "  -k, --upstream-key HEX  that hub's public key ('accordctl node show' there)\n"
            "  -s, --max-clock-skew S  refuse records stamped more than S seconds ahead of\n"
            "                        this clock (default 300); they apply once clocks agree\n"
            "  -p, --pipeline LIST   deal stages in order, comma-separated\n"
            "                        (default: " DEFAULT_PIPELINE ")\n"
            "  -w, --http [ADDR:]PORT  serve the dashboard, JSON and /metrics over HTTP on\n"
            "                        127.0.0.1 (or ADDR); users: 'accordctl user add'\n"
            "  -v, --verbose         log every batch\n"
            "  -h, --help            this text\n"
            "\n"
            "Each option may also come from the environment: ACCORD_DATA, ACCORD_LISTEN,\n"
            "ACCORD_UPSTREAM, ACCORD_UPSTREAM_KEY, ACCORD_PIPELINE, ACCORD_HTTP (see deploy/*.env).\n"
            "Stops cleanly on SIGTERM or SIGINT. Exit codes: 0 stopped, 1 usage, 2 cannot start.\n");
}

int main(int argc, char **argv)
{
    const char *dir = getenv("ACCORD_DATA"), *pipeline = getenv("ACCORD_PIPELINE");
    const char *upstream_key = getenv("ACCORD_UPSTREAM_KEY"), *http_listen = getenv("ACCORD_HTTP");
    if (http_listen && !*http_listen) http_listen = NULL;
    sync_config_t sync_cfg = {getenv("ACCORD_LISTEN"), getenv("ACCORD_UPSTREAM"), {0}, 300};
    if (sync_cfg.listen && !*sync_cfg.listen) sync_cfg.listen = NULL;
    if (sync_cfg.upstream && !*sync_cfg.upstream) sync_cfg.upstream = NULL;
    if (upstream_key && !*upstream_key) upstream_key = NULL;
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"pipeline", required_argument, 0, 'p'},
        {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'},
        {"foreground", no_argument, 0, 'f'}, {"listen", required_argument, 0, 'l'},
        {"upstream", required_argument, 0, 'u'}, {"upstream-key", required_argument, 0, 'k'},
        {"max-clock-skew", required_argument, 0, 's'}, {"http", required_argument, 0, 'w'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "d:p:vhfl:u:k:s:w:", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'p': pipeline = optarg; break;
        case 'v': log_set_level(LOG_DEBUG); break;
        case 'f': break;
        case 'l': sync_cfg.listen = optarg; break;
        case 'u': sync_cfg.upstream = optarg; break;
        case 'k': upstream_key = optarg; break;
        case 'w': http_listen = optarg; break;
        case 's': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 86400 * 30) {
                log_error("--max-clock-skew takes seconds, 1 to 2592000");
                return 1;
            }
            sync_cfg.max_skew_s = (unsigned)v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (!dir || optind != argc) { usage(stderr); return 1; }
    if (!sync_cfg.upstream != !upstream_key) {
        log_error("--upstream and --upstream-key go together: the hub's key is pinned, never learned");
        return 1;
    }
    if (upstream_key && crypto_unhex(upstream_key, sync_cfg.upstream_pk, CRYPTO_PK_LEN)) {
        log_error("--upstream-key takes the hub's public key: 64 hex digits");
        return 1;
    }
    if (crypto_init()) { log_error("libsodium cannot start"); return 2; }

    static api_t api;
    char err[512], lock_path[4200];
    /* One node per directory: a second one would hold its own copy of the feed head and
     * write a second record for the same seq, forking this node's own feed. */
    snprintf(lock_path, sizeof lock_path, "%s/accord-node.lock", dir);
    int lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0) {
        log_error("cannot open %s: %s (does %s exist? create it with 'accordctl node init')", lock_path,
                  strerror(errno), dir);
        return 2;
    }
    if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        log_error("another accord-node is already running on %s; stop it first", dir);
        return 2;
    }
    identity_t *id = NULL;
    int rc = store_open(dir, 0, &api.st);
    if (rc) {
        log_error("cannot open the store in %s: %s (create it with 'accordctl node init --data %s --name NAME')",
                  dir, accord_strerror(rc), dir);
        return 2;
    }
    if ((rc = identity_load(dir, api.st, &id, err, sizeof err))) {
        log_error("%s", err);
        store_close(&api.st);
        return 2;
    }
    api.id = id;
    if ((rc = kpi_use_time_zone(api.st))) {
        log_error("cannot read the report time zone: %s", accord_strerror(rc));
        return 2;
    }
    bool cleared = false;
    if ((rc = snapshot_clear_partial(api.st, &cleared))) {
        log_error("cannot clear a snapshot install that was cut short: %s", accord_strerror(rc));
        return 2;
    }
    if (cleared)
        log_warn("a snapshot install was cut short here; what it wrote was removed. Install the snapshot again "
                 "with 'accordctl snapshot install' before this node syncs");
    if (api_set_pipeline(&api, pipeline ? pipeline : DEFAULT_PIPELINE)) {
        log_error("--pipeline: give 2 to %d stage names separated by commas", API_MAX_STAGES);
        return 1;
    }
    if ((rc = oplog_open(api.st, id, &api.log))) {
        log_error("cannot read this node's feed head: %s", accord_strerror(rc));
        return 2;
    }

    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_ROUTER);
    int64_t max_msg = REQUEST_MAX_BYTES;
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    char endpoint[4300], sock_path[4200], pid_path[4200];
    snprintf(sock_path, sizeof sock_path, "%s/accord.sock", dir);
    snprintf(endpoint, sizeof endpoint, "ipc://%s", sock_path);
    if (strlen(sock_path) >= 100) { /* the limit of a Unix socket path */
        log_error("the data directory path is too long for a socket (%zu bytes; keep it under 88)", strlen(dir));
        return 2;
    }
    snprintf(pid_path, sizeof pid_path, "%s/accord-node.pid", dir);
    mode_t old = umask(077); /* only the node's own user may connect */
    rc = zmq_bind(sock, endpoint);
    umask(old);
    if (rc) {
        log_error("cannot listen on %s: %s (is another node running on this directory?)", endpoint, zmq_strerror(errno));
        return 2;
    }
    if (sync_cfg.listen && strcmp(id->role, "hub")) {
        log_error("--listen: only a hub accepts other nodes; this node is a %s", id->role);
        return 1;
    }
    restored = rejoin_pending(api.st);
    if (restored)
        log_warn("%s%s", REJOIN_WAITING_TEXT, sync_cfg.upstream ? "" : " (this node has no --upstream: it stays read-only)");
    if (sync_cfg.listen || sync_cfg.upstream) {
        sync_link = sync_new(ctx, api.st, id, api.log, &sync_cfg, err, sizeof err);
        if (!sync_link) {
            log_error("%s", err);
            return 2;
        }
        if (sync_cfg.listen) log_info("accepting enrolled nodes on %s", sync_cfg.listen);
        if (sync_cfg.upstream) log_info("replicating with the hub at %s", sync_cfg.upstream);
    }
    http_t *http = NULL;
    if (http_listen) {
        if (!(http = http_start(api.st, id->name, !strcmp(id->role, "hub"), http_listen, err, sizeof err))) {
            log_error("%s", err);
            return 2;
        }
        log_info("serving the dashboard on http://%s%s", strchr(http_listen, ':') ? "" : "127.0.0.1:", http_listen);
    }
    uint64_t next_publish_ms = 0;
    FILE *pf = fopen(pid_path, "w");
    if (pf) { fprintf(pf, "%ld\n", (long)getpid()); fclose(pf); }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < BATCH_MAX; i++) msgpack_sbuffer_init(&batch[i].body);
    log_info("node %s (%s) serving %s, feed at seq %llu", id->name, id->role, endpoint,
             (unsigned long long)oplog_head(api.log).seq);

    int last_batch = 0; /* size of the previous batch: how many clients are writing */
    while (!stopping) {
        zmq_pollitem_t items[1 + SYNC_MAX_SOCKETS] = {{sock, 0, ZMQ_POLLIN, 0}};
        int n_sync = sync_link ? sync_poll_items(sync_link, items + 1) : 0;
        int ready = zmq_poll(items, 1 + n_sync, sync_link ? 100 : 500);
        if (ready < 0) {
            if (errno == EINTR) continue;
            log_error("poll: %s", zmq_strerror(errno));
            break;
        }
        if (sync_link) sync_run(sync_link, items + 1, n_sync);
        if (http && hlc_wall_ms() >= next_publish_ms) {
            next_publish_ms = hlc_wall_ms() + 1000;
            publish_status(http, sync_link, api.st);
        }
        if (!(items[0].revents & ZMQ_POLLIN)) continue;
        int n = 0;
        for (long waited_ns = 0;;) {
            while (n < BATCH_MAX && recv_one(sock, &batch[n]) == 0) {
                if (batch[n].n_frames < 2) { /* no envelope: cannot reply */
                    for (int i = 0; i < batch[n].n_frames; i++) zmq_msg_close(&batch[n].frames[i]);
                    continue;
                }
                n++;
            }
            /* Gather window: when several clients were writing, the ones just answered
             * come back within a fraction of a millisecond; waiting briefly for them lets
             * one commit serve them all (measured: batches of 8 became 16 with 16
             * clients). A lone client never waits. */
            if (n >= BATCH_MAX || n >= last_batch || last_batch <= 1 || waited_ns >= GATHER_MAX_NS) break;
            struct timespec nap = {0, GATHER_STEP_NS};
            nanosleep(&nap, NULL);
            waited_ns += GATHER_STEP_NS;
        }
        last_batch = n;
        if (n) run_batch(&api, sock, n);
        log_debug("batch of %d", n);
    }
    log_info("stopping");
    http_stop(&http);
    for (int i = 0; i < BATCH_MAX; i++) msgpack_sbuffer_destroy(&batch[i].body);
    sync_destroy(&sync_link);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    unlink(pid_path);
    oplog_destroy(&api.log);
    identity_destroy(&id);
    store_close(&api.st);
    return 0;
}
