/* SPDX-License-Identifier: MIT
 * accord-node: the node daemon. Serves the local API on ipc://DIR/accord.sock.
 *
 * main() parses the options and wires the modules together: the store, identity and
 * feed, the API (api/api.h), replication (repl/sync.h), the dashboard (http/http.h), then
 * hands them to the writer thread's loop (node/node_loop.h), which owns the group
 * commit: one transaction, one signature and one fsync per batch of requests, replies
 * only after the commit. */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/datadir.h"
#include "proto/request.h"
#include "api/api.h"
#include "auth/identity.h"
#include "common/log.h"
#include "feed/oplog.h"
#include "node/node_loop.h"
#include "repl/rejoin.h"
#include "store/store.h"
#include "repl/sync.h"
#include "ops/snapshot_io.h"
#include "http/http.h"
#include "state/digest.h"
#include "state/kpi.h"
#include "state/index.h"
#include "state/changes.h"
#include "state/entity.h"
#include "state/merge.h"
#include "feed/ingest.h"
#include "hooks/hook_deliver.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define DEFAULT_PIPELINE "Lead,Qualified,Proposal,Negotiation,Won,Lost"
#define MAX_CLOCK_SKEW_S (86400 * 30) /* a month: beyond that a clock is wrong, not skewed */
#define WEBHOOK_TIMEOUT_S 10         /* a webhook POST, answer included (--webhook-timeout) */

static volatile sig_atomic_t stopping; /* a signal handler can reach nothing else */

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* What the command line and the environment ask for. */
typedef struct {
    const char *dir;          /* --data */
    const char *pipeline;     /* --pipeline; NULL: DEFAULT_PIPELINE */
    const char *upstream_key; /* --upstream-key, in hex */
    const char *http_listen;  /* --http; NULL: no dashboard */
    const char *invoice_prefix; /* --invoice-prefix; NULL: from the node's name */
    const char *calendar;     /* --calendar; NULL: gregorian */
    unsigned webhook_timeout_s; /* --webhook-timeout */
    sync_config_t sync_cfg;   /* --listen, --upstream, --max-clock-skew */
} options_t;

/* The modules main() opens, in the order it opens them. */
typedef struct {
    store_t *st;
    identity_t *id;
    oplog_t *log;
    api_t *api;
} node_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: accord-node --data DIR [--listen ENDPOINT] [--upstream ENDPOINT --upstream-key HEX]\n"
            "                   [--max-clock-skew SECONDS] [--origin-daily-mb MB] [--pipeline STAGES]\n"
            "                   [--http [ADDRESS:]PORT] [--invoice-prefix CODE] [--calendar gregorian|solar]\n"
            "                   [--webhook-timeout SECONDS] [--verbose]\n"
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
            "  -q, --origin-daily-mb MB  take at most MB MiB of records from one origin per UTC day\n"
            "                        (default 1024; 0: no bound); the rest waits for the next day\n"
            "  -p, --pipeline LIST   deal stages in order, comma-separated\n"
            "                        (default: " DEFAULT_PIPELINE ")\n"
            "  -w, --http [ADDR:]PORT  serve the dashboard, JSON and /metrics over HTTP on\n"
            "                        127.0.0.1 (or ADDR); users: 'accordctl user add'\n"
            "  -i, --invoice-prefix CODE  this branch's invoice numbers start CODE- (2-16 of A-Z,\n"
            "                        0-9; default: the node's name in capitals); unique per branch\n"
            "  -c, --calendar CAL    the year in invoice numbers: gregorian (default) or solar\n"
            "                        (Solar Hijri: TEH-1405-000123)\n"
            "  -t, --webhook-timeout S  a webhook POST may take S seconds, answer included\n"
            "                        (default 10; 1 to 300); then it is tried again later\n"
            "  -v, --verbose         log every batch\n"
            "  -h, --help            this text\n"
            "\n"
            "Each option may also come from the environment: ACCORD_DATA, ACCORD_LISTEN,\n"
            "ACCORD_UPSTREAM, ACCORD_UPSTREAM_KEY, ACCORD_MAX_CLOCK_SKEW, ACCORD_PIPELINE,\n"
            "ACCORD_HTTP, ACCORD_ORIGIN_DAILY_MB, ACCORD_INVOICE_PREFIX, ACCORD_CALENDAR,\n"
            "ACCORD_WEBHOOK_TIMEOUT"
            "(see deploy/node.env).\n"
            "Stops cleanly on SIGTERM or SIGINT. Exit codes: 0 stopped, 1 usage, 2 cannot start.\n");
}


static bool parse_daily_mb(const char *text, unsigned *mb)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || v < 0 || v > 1048576) {
        log_error("--origin-daily-mb takes MiB, 0 (no bound) to 1048576");
        return false;
    }
    *mb = (unsigned)v;
    return true;
}

/* --max-clock-skew's seconds from text (the option or ACCORD_MAX_CLOCK_SKEW, named by
 * from in the message): true and *out, or false after saying what it takes. */
static bool read_skew(const char *text, const char *from, unsigned *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > MAX_CLOCK_SKEW_S) {
        log_error("%s takes seconds, 1 to %d (got '%s')", from, MAX_CLOCK_SKEW_S, text);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* --webhook-timeout's seconds from text (named by from): true and *out, or false after
 * saying what it takes. */
static bool read_webhook_timeout(const char *text, const char *from, unsigned *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > 300) {
        log_error("%s takes seconds, 1 to 300 (got '%s')", from, text);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* Reads the environment, then the options over it. False when main() should exit now,
 * with *exit_code (0 after --help, 1 on a usage error). */
static bool parse_options(int argc, char **argv, options_t *o, int *exit_code)
{
    *exit_code = 1;
    o->dir = getenv("ACCORD_DATA"), o->pipeline = getenv("ACCORD_PIPELINE");
    o->upstream_key = getenv("ACCORD_UPSTREAM_KEY"), o->http_listen = getenv("ACCORD_HTTP");
    o->invoice_prefix = getenv("ACCORD_INVOICE_PREFIX"), o->calendar = getenv("ACCORD_CALENDAR");
    if (o->invoice_prefix && !*o->invoice_prefix) o->invoice_prefix = NULL;
    if (o->calendar && !*o->calendar) o->calendar = NULL;
    if (o->http_listen && !*o->http_listen) o->http_listen = NULL;
    o->sync_cfg = (sync_config_t){getenv("ACCORD_LISTEN"), getenv("ACCORD_UPSTREAM"), {0}, 300, INGEST_ORIGIN_DAY_MB};
    const char *daily = getenv("ACCORD_ORIGIN_DAILY_MB");
    if (daily && *daily && !parse_daily_mb(daily, &o->sync_cfg.origin_day_mb)) return false;
    if (o->sync_cfg.listen && !*o->sync_cfg.listen) o->sync_cfg.listen = NULL;
    if (o->sync_cfg.upstream && !*o->sync_cfg.upstream) o->sync_cfg.upstream = NULL;
    if (o->upstream_key && !*o->upstream_key) o->upstream_key = NULL;
    o->webhook_timeout_s = WEBHOOK_TIMEOUT_S;
    const char *wt = getenv("ACCORD_WEBHOOK_TIMEOUT");
    if (wt && *wt && !read_webhook_timeout(wt, "ACCORD_WEBHOOK_TIMEOUT", &o->webhook_timeout_s)) return false;
    const char *skew = getenv("ACCORD_MAX_CLOCK_SKEW");
    if (skew && *skew && !read_skew(skew, "ACCORD_MAX_CLOCK_SKEW", &o->sync_cfg.max_skew_s)) return false;
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"pipeline", required_argument, 0, 'p'},
        {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'},
        {"foreground", no_argument, 0, 'f'}, {"listen", required_argument, 0, 'l'},
        {"upstream", required_argument, 0, 'u'}, {"upstream-key", required_argument, 0, 'k'},
        {"max-clock-skew", required_argument, 0, 's'}, {"http", required_argument, 0, 'w'},
        {"origin-daily-mb", required_argument, 0, 'q'}, {"invoice-prefix", required_argument, 0, 'i'},
        {"calendar", required_argument, 0, 'c'}, {"webhook-timeout", required_argument, 0, 't'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "d:p:vhfl:u:k:s:w:q:i:c:t:", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o->dir = optarg; break;
        case 'p': o->pipeline = optarg; break;
        case 'v': log_set_level(LOG_DEBUG); break;
        case 'f': break;
        case 'l': o->sync_cfg.listen = optarg; break;
        case 'u': o->sync_cfg.upstream = optarg; break;
        case 'k': o->upstream_key = optarg; break;
        case 'w': o->http_listen = optarg; break;
        case 'i': o->invoice_prefix = optarg; break;
        case 'c': o->calendar = optarg; break;
        case 't': if (!read_webhook_timeout(optarg, "--webhook-timeout", &o->webhook_timeout_s)) return false; break;
        case 'q': if (!parse_daily_mb(optarg, &o->sync_cfg.origin_day_mb)) return false; break;
        case 's':
            if (!read_skew(optarg, "--max-clock-skew", &o->sync_cfg.max_skew_s)) return false;
            break;
        case 'h': usage(stdout); *exit_code = 0; return false;
        default: usage(stderr); return false;
        }
    }
    if (!o->dir || optind != argc) { usage(stderr); return false; }
    if (!o->sync_cfg.upstream != !o->upstream_key) {
        log_error("--upstream and --upstream-key go together: the hub's key is pinned, never learned");
        return false;
    }
    if (o->upstream_key && crypto_unhex(o->upstream_key, o->sync_cfg.upstream_pk, CRYPTO_PK_LEN)) {
        log_error("--upstream-key takes the hub's public key: 64 hex digits");
        return false;
    }
    return true;
}

/* Takes the directory's lock, then opens the store, identity, feed and API in n.
 * Returns 0, or the exit code after logging why. */
/* The wall clock far behind the newest stamp this node issued or saw: its clock ran ahead
 * before (or is behind now). Records it wrote ahead are re-stamped when it next meets its
 * hub with the clocks agreeing (feed/restamp.h); the operator should know either way. */
static void warn_clock_behind(oplog_t *log, unsigned max_skew_s)
{
    oplog_set_max_skew(log, (uint64_t)max_skew_s * 1000);
    uint64_t newest_ms = HLC_MS(oplog_clock(log)), now_ms = hlc_wall_ms();
    if (newest_ms <= now_ms + (uint64_t)max_skew_s * 1000) return;
    char newest[32], now[32];
    hlc_format(oplog_clock(log), newest, sizeof newest);
    hlc_format(HLC_PACK(now_ms, 0), now, sizeof now);
    log_warn("this node's clock reads %s, %.0f s behind the newest time it stamped or saw (%s): its clock ran "
             "ahead before, or is behind now. Check it (NTP). Records it stamped ahead are re-stamped to this clock "
             "when it next syncs with its hub and the clocks agree; until then the hub refuses them (EFUTURE)",
             now, (double)(newest_ms - now_ms) / 1000.0, newest);
}

/* The store upgrade's progress, in the log every 4,096 entities converted. */
static void upgrade_progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    log_info("store upgrade: %llu of %llu records converted to entity rows", (unsigned long long)done,
             (unsigned long long)total);
}

static int open_node(const options_t *o, node_t *n)
{
    const char *dir = o->dir, *pipeline = o->pipeline;
    char err[512];
    /* One node per directory: a second one would hold its own copy of the feed head and
     * write a second record for the same seq, forking this node's own feed. The lock is
     * what every tool asks to tell whether a node runs here (proto/datadir.h); it stays
     * held, through lock_fd, until the process ends. */
    int lock_fd, rc = datadir_lock(dir, &lock_fd);
    if (rc == ACCORD_EBUSY) {
        log_error("another accord-node is already running on %s; stop it first", dir);
        return 2;
    }
    if (rc) {
        log_error("cannot lock %s in %s: %s (does %s exist? create it with 'accordctl node init')",
                  datadir_file_name(DATADIR_LOCK), dir, accord_strerror(rc), dir);
        return 2;
    }
    rc = store_open(dir, 0, &n->st);
    if (rc) {
        log_error("cannot open the store in %s: %s (create it with 'accordctl node init --data %s --name NAME')",
                  dir, accord_strerror(rc), dir);
        return 2;
    }
    if ((rc = identity_load(dir, n->st, &n->id, err, sizeof err))) {
        log_error("%s", err);
        store_close(&n->st);
        return 2;
    }
    if ((rc = kpi_use_time_zone(n->st))) {
        log_error("cannot read the report time zone: %s", accord_strerror(rc));
        return 2;
    }
    digest_keep(n->st); /* every write from here on keeps the state digest (digest_upgrade below) */
    bool cleared = false;
    if ((rc = snapshot_clear_partial(n->st, &cleared))) {
        log_error("cannot clear a snapshot install that was cut short: %s", accord_strerror(rc));
        return 2;
    }
    if (cleared)
        log_warn("a snapshot install was cut short here; what it wrote was removed. Install the snapshot again "
                 "with 'accordctl snapshot install' before this node syncs");
    uint64_t rows;
    if ((rc = entity_upgrade(n->st, ENTITY_UPGRADE_BATCH, upgrade_progress, NULL, &rows))) {
        log_error("cannot convert the store to entity rows: %s; nothing was lost (the conversion goes on from "
                  "where it stopped at the next start; a copy of the old store is in %s/backup-store-v1)",
                  accord_strerror(rc), dir);
        return 2;
    }
    if (rows) log_info("store upgraded to format %d: %llu records converted to entity rows", ENTITY_ROW_FORMAT,
                       (unsigned long long)rows);
    uint64_t groups;
    if ((rc = merge_upgrade(n->st, &groups))) {
        log_error("cannot upgrade the store's conflict log: %s", accord_strerror(rc));
        return 2;
    }
    if (groups != UINT64_MAX) log_info("store upgraded: the conflict log holds %llu groups", (unsigned long long)groups);
    uint64_t indexed;
    if ((rc = index_upgrade(n->st, &indexed))) {
        log_error("cannot rebuild the store's search and list index: %s", accord_strerror(rc));
        return 2;
    }
    if (indexed != UINT64_MAX) log_info("index built for lists and search: %llu records", (unsigned long long)indexed);
    uint64_t noted;
    if ((rc = changes_upgrade(n->st, &noted))) {
        log_error("cannot note when the store's records last changed: %s", accord_strerror(rc));
        return 2;
    }
    if (noted != UINT64_MAX && noted) log_info("the log of changes for updated_since begun: %llu records", (unsigned long long)noted);
    uint64_t counted;
    if ((rc = kpi_upgrade(n->st, &counted))) {
        log_error("cannot rebuild the store's report counters: %s", accord_strerror(rc));
        return 2;
    }
    if (counted != UINT64_MAX)
        log_info("report counters rebuilt (version %d): %llu records", KPI_VERSION, (unsigned long long)counted);
    uint64_t digested;
    if ((rc = digest_upgrade(n->st, &digested))) {
        log_error("cannot compute the state digest the store keeps: %s", accord_strerror(rc));
        return 2;
    }
    if (digested != UINT64_MAX)
        log_info("state digest computed, kept up to date from now on: %llu records", (unsigned long long)digested);
    if ((rc = oplog_open(n->st, n->id, &n->log))) {
        log_error("cannot read this node's feed head: %s", accord_strerror(rc));
        return 2;
    }
    warn_clock_behind(n->log, o->sync_cfg.max_skew_s);
    n->api = api_new(n->st, n->log, n->id);
    api_set_origin_day_bytes(n->api, (uint64_t)o->sync_cfg.origin_day_mb << 20);
    if (api_set_pipeline(n->api, pipeline ? pipeline : DEFAULT_PIPELINE)) {
        log_error("--pipeline: give 2 to %d stage names separated by commas", API_MAX_STAGES);
        return 1;
    }
    if (api_set_invoicing(n->api, o->invoice_prefix, o->calendar)) {
        log_error("--invoice-prefix takes 2 to 16 of A-Z and 0-9 (e.g. TEH); --calendar gregorian or solar");
        return 1;
    }
    return 0;
}

/* Binds the local API's socket in dir, for the node's own user only, and names the pid
 * file. Returns 0, or the exit code after logging why. */
static int bind_local_api(void *sock, const char *dir, char *endpoint, size_t endpoint_cap, char *pid_path,
                          size_t pid_cap)
{
    int64_t max_msg = REQUEST_MAX_BYTES;
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    char sock_path[4200];
    datadir_path(dir, DATADIR_SOCKET, sock_path, sizeof sock_path);
    snprintf(endpoint, endpoint_cap, "ipc://%s", sock_path);
    if (strlen(sock_path) >= 100) { /* the limit of a Unix socket path */
        log_error("the data directory path is too long for a socket (%zu bytes; keep it under 88)", strlen(dir));
        return 2;
    }
    datadir_path(dir, DATADIR_PID, pid_path, pid_cap);
    mode_t old = umask(007); /* the node's user and group may connect: each caller writes as the user its
                              * OS account is mapped to (api_caller_user), read from the socket */
    int rc = zmq_bind(sock, endpoint);
    umask(old);
    if (rc) {
        log_error("cannot listen on %s: %s (is another node running on this directory?)", endpoint, zmq_strerror(errno));
        return 2;
    }
    return 0;
}

/* Starts replication and the dashboard as the options ask; *sync and *http stay NULL for
 * what is not asked. Returns 0, or the exit code after logging why. */
static int start_links(void *ctx, const options_t *o, node_t *n, sync_t **sync, http_t **http)
{
    char err[512];
    const sync_config_t *cfg = &o->sync_cfg;
    if (cfg->listen || cfg->upstream) {
        *sync = sync_new(ctx, n->st, n->id, n->log, cfg, err, sizeof err);
        if (!*sync) {
            log_error("%s", err);
            return 2;
        }
        if (cfg->listen) log_info("accepting enrolled nodes on %s", cfg->listen);
        if (cfg->upstream) log_info("replicating with the hub at %s", cfg->upstream);
    }
    if (o->http_listen) {
        if (!(*http = http_start(n->st, n->id->name, !strcmp(n->id->role, "hub"), o->http_listen, err, sizeof err))) {
            log_error("%s", err);
            return 2;
        }
        log_info("serving the dashboard on http://%s%s", strchr(o->http_listen, ':') ? "" : "127.0.0.1:", o->http_listen);
    }
    return 0;
}

/* Where this node listens, which no webhook may point at (hooks/hook_url.h). */
static hook_self_t self_endpoints(const options_t *o)
{
    hook_self_t self = {0};
    if (o->http_listen) hook_self_add(&self, o->http_listen);
    if (o->sync_cfg.listen) hook_self_add(&self, o->sync_cfg.listen);
    return self;
}

/* The webhooks' delivery thread (hooks/hook_deliver.h); NULL, logged, if it cannot start. */
static hook_worker_t *start_webhooks(const options_t *o, store_t *st)
{
    hook_worker_config_t cfg = {.self = self_endpoints(o), .policy = HOOK_POLICY_DEFAULT,
                                .timeout_ms = o->webhook_timeout_s * 1000u,
                                .connect_timeout_ms = o->webhook_timeout_s * 1000u / 2, .poll_ms = 200};
    return hook_worker_start(st, &cfg);
}

int main(int argc, char **argv)
{
    options_t o;
    int rc;
    if (!parse_options(argc, argv, &o, &rc)) return rc;
    if (crypto_init()) { log_error("libsodium cannot start"); return 2; }
    node_t n = {0};
    if ((rc = open_node(&o, &n))) return rc;

    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_ROUTER);
    char endpoint[4300], pid_path[4200];
    if ((rc = bind_local_api(sock, o.dir, endpoint, sizeof endpoint, pid_path, sizeof pid_path))) return rc;
    if (o.sync_cfg.listen && strcmp(n.id->role, "hub")) {
        log_error("--listen: only a hub accepts other nodes; this node is a %s", n.id->role);
        return 1;
    }
    bool restored = rejoin_pending(n.st);
    if (restored)
        log_warn("%s%s", REJOIN_WAITING_TEXT, o.sync_cfg.upstream ? "" : " (this node has no --upstream: it stays read-only)");
    /* first: libcurl's global init wants no other thread running yet (the dashboard's) */
    hook_worker_t *hooks = start_webhooks(&o, n.st);
    hook_self_t self = self_endpoints(&o);
    api_set_hook_self(n.api, &self);
    sync_t *sync = NULL;
    http_t *http = NULL;
    if ((rc = start_links(ctx, &o, &n, &sync, &http))) return rc;
    api_set_sync(n.api, sync);
    FILE *pf = fopen(pid_path, "w");
    if (pf) { fprintf(pf, "%ld\n", (long)getpid()); fclose(pf); }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    node_loop_t *loop = node_loop_new(n.api, sock, sync, http, restored);
    log_info("node %s (%s) serving %s, feed at seq %llu", n.id->name, n.id->role, endpoint,
             (unsigned long long)oplog_head(n.log).seq);
    node_loop_run(loop, &stopping); /* a poll failure is logged and stops the node like a signal */
    log_info("stopping");
    http_stop(&http);
    hook_worker_stop(&hooks);
    node_loop_destroy(&loop);
    sync_destroy(&sync);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    unlink(pid_path);
    api_destroy(&n.api);
    oplog_destroy(&n.log);
    identity_destroy(&n.id);
    store_close(&n.st);
    return 0;
}
