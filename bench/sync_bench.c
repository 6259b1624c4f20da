/* SPDX-License-Identifier: MIT
 * make bench, replication part: prints figures, asserts nothing. Real nodes, real CURVE
 * sockets on 127.0.0.1.
 *  1. this machine's own limits: raw LMDB batched puts/s (durable, 4,096 random keys a txn)
 *     and raw Ed25519 verifies/s on one core
 *  2. catch-up: branch A wrote N changes offline (20% new customers, 80% edits); it
 *     connects to an empty hub, which verifies, merges, indexes and commits them. Beside it,
 *     each with issue 14's target: the hub's RssAnon and RssFile peaks, the keys its store
 *     gained per change and the raw bound they give (sorted puts/s of the hub's mean key and
 *     value in one durable transaction / those keys per change), its state digest's time,
 *     and PostgreSQL 15 logical replication's catch-up of the same row changes
 *     (bench/pg_reference.sh)
 *  3. fan-out: three empty branches connect to that hub at once and take the same N
 *  4. latency: a write acknowledged at A -> visible at B, under steady load
 *  5. compaction at the hub, then a new branch started from its snapshot plus the feeds
 *     after it, against the catch-up above (which replayed every change)
 *  6. connections: C enrolled branches (one process, C CURVE sockets) held by the hub
 * Usage: sync-bench BUILD_DIR WORK_DIR
 * Environment: BENCH_CHANGES (1000000), BENCH_RATE (1000/s), BENCH_LATENCY_S (10),
 *              BENCH_CONNS (1000); BENCH_CATCHUP_ONLY=1 stops after 2;
 *              BENCH_PG_REFERENCE (bench/pg_reference.sh, from the tree's top). */
#define _POSIX_C_SOURCE 200809L
#include "client/accord_client.h"
#include "bench_util.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/roster_entry.h"
#include "proto/schema.h"
#include "proto/timeid.h"
#include "proto/wire.h"
#include "state/entity.h"
#include "auth/identity.h"
#include "state/kpi.h"
#include "ops/report.h"
#include "feed/oplog.h"
#include "auth/roster.h"
#include "store/store.h"

#include <fcntl.h>
#include <lmdb.h> /* the raw bound uses LMDB's own flags, which the store does not offer */
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define PATH_CAP 4200
#define CALL_TIMEOUT_MS 20000 /* a local API call's, past which the client gives up */

static const char *build_dir, *work_dir;
static char org_pub_hex[2 * CRYPTO_PK_LEN + 1];
static char org_key_path[PATH_CAP], hub_ep[64], hub_pub[2 * CRYPTO_PK_LEN + 1];

static unsigned long env_num(const char *name, unsigned long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoul(v, NULL, 10) : dflt;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sync-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void node_dir(const char *name, char *out)
{
    snprintf(out, PATH_CAP, "%s/%s", work_dir, name);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
    char cmd[4 * PATH_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0) die("failed: %s", cmd);
}

/* The node's Ed25519 public key, hex, as accordctl shows it. */
static void node_pub(const char *name, char out[2 * CRYPTO_PK_LEN + 1])
{
    char dir[PATH_CAP], cmd[2 * PATH_CAP], line[1024];
    node_dir(name, dir);
    snprintf(cmd, sizeof cmd, "%s/accordctl --json node show --data %s", build_dir, dir);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(line, sizeof line, p)) die("cannot read the key of %s", name);
    pclose(p);
    const char *k = strstr(line, "\"public_key\":\"");
    if (!k || strlen(k) < 14 + 2 * CRYPTO_PK_LEN) die("no key in: %s", line);
    memcpy(out, k + 14, 2 * CRYPTO_PK_LEN);
    out[2 * CRYPTO_PK_LEN] = 0;
}

static pid_t start_node(const char *name, bool hub)
{
    char dir[PATH_CAP], log[PATH_CAP + 8], sock[PATH_CAP + 16], exe[PATH_CAP];
    node_dir(name, dir);
    snprintf(log, sizeof log, "%s.log", dir);
    snprintf(sock, sizeof sock, "%s/accord.sock", dir);
    snprintf(exe, sizeof exe, "%s/accord-node", build_dir);
    unlink(sock);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); }
        if (hub) execl(exe, exe, "--data", dir, "--listen", hub_ep, (char *)NULL);
        else execl(exe, exe, "--data", dir, "--upstream", hub_ep, "--upstream-key", hub_pub, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 400 && access(sock, F_OK); i++) usleep(25000);
    if (access(sock, F_OK)) die("%s did not start (see %s)", name, log);
    return pid;
}

static void stop_node(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

typedef struct {
    long hwm_kb, rss_kb, anon_kb, file_kb; /* VmHWM, VmRSS, RssAnon, RssFile (the mapped store) */
} mem_t;

static void mem_note_peak(mem_t *peak, const mem_t *m)
{
    if (m->anon_kb > peak->anon_kb) peak->anon_kb = m->anon_kb;
    if (m->file_kb > peak->file_kb) peak->file_kb = m->file_kb;
    if (m->rss_kb > peak->rss_kb) peak->rss_kb = m->rss_kb;
}

static mem_t proc_mem(pid_t pid)
{
    char path[64], line[256];
    mem_t m = {0, 0, 0, 0};
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmHWM:", 6)) m.hwm_kb = atol(line + 6);
        else if (!strncmp(line, "VmRSS:", 6)) m.rss_kb = atol(line + 6);
        else if (!strncmp(line, "RssAnon:", 8)) m.anon_kb = atol(line + 8);
        else if (!strncmp(line, "RssFile:", 8)) m.file_kb = atol(line + 8);
    }
    if (f) fclose(f);
    return m;
}

/* user+system CPU seconds a process has used */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (p) sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A numeric field of the peer called peer (a name, or "upstream") in sync_status;
 * -1 if the node does not answer or has no such peer. */
static long long peer_field(accord_client_t *c, const char *peer, const char *field, int *connected_total)
{
    accord_reply_t r;
    long long out = -1;
    if (connected_total) *connected_total = 0;
    if (accord_call(c, "sync_status", NULL, &r) == 0) {
        const msgpack_object *peers = accord_obj_get(&r.body, "peers");
        for (uint32_t i = 0; peers && peers->type == MSGPACK_OBJECT_ARRAY && i < peers->via.array.size; i++) {
            const msgpack_object *p = &peers->via.array.ptr[i];
            char name[80], dir[16];
            accord_obj_str(p, "name", name, sizeof name);
            accord_obj_str(p, "direction", dir, sizeof dir);
            const msgpack_object *con = accord_obj_get(p, "connected");
            if (connected_total && con && con->type == MSGPACK_OBJECT_POSITIVE_INTEGER && con->via.u64)
                (*connected_total)++;
            if (peer && (!strcmp(name, peer) || !strcmp(dir, peer))) {
                const msgpack_object *v = accord_obj_get(p, field);
                if (v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) out = (long long)v->via.u64;
            }
        }
    }
    accord_reply_destroy(&r);
    return out;
}

static accord_client_t *client_of(const char *name)
{
    char dir[PATH_CAP];
    node_dir(name, dir);
    accord_client_t *c;
    if (accord_client_new(dir, CALL_TIMEOUT_MS, &c)) die("cannot reach %s", name);
    return c;
}

/* ---- 1. machine limits -------------------------------------------------------------- */

static double raw_lmdb_puts(unsigned n)
{
    char dir[PATH_CAP];
    node_dir("raw-lmdb", dir);
    mkdir(dir, 0700);
    store_t *st;
    if (store_open(dir, 0, &st)) die("cannot open %s", dir);
    uint8_t val[200];
    crypto_random(val, sizeof val);
    double t0 = now_s();
    for (unsigned i = 0; i < n;) {
        store_txn_t *t;
        store_txn_begin(st, true, &t);
        for (unsigned j = 0; j < 4096 && i < n; j++, i++) {
            uint8_t k[ID_LEN];
            crypto_random(k, sizeof k);
            store_put(t, TBL_FEED, k, sizeof k, val, sizeof val);
        }
        if (store_txn_commit(&t)) die("raw commit failed");
    }
    double dt = now_s() - t0;
    store_close(&st);
    sh("rm -rf %s", dir);
    return n / dt;
}

static size_t sort_key_len;

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, sort_key_len);
}

/* Puts/s of per_txn random keys of klen bytes (values of vlen bytes), sorted, in one durable
 * transaction into an empty table, through the map (MDB_WRITEMAP, MDB_NORDAHEAD): how fast
 * LMDB takes a large sorted batch on this disk, the bound issue 14 sets a catch-up against.
 * Drawing and sorting the keys is left out of the time. */
static double raw_lmdb_sorted_puts(unsigned per_txn, size_t klen, size_t vlen)
{
    char dir[PATH_CAP];
    node_dir("raw-sorted", dir);
    mkdir(dir, 0700);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    if (mdb_env_create(&env) || mdb_env_set_mapsize(env, (size_t)4 << 30) ||
        mdb_env_open(env, dir, MDB_WRITEMAP | MDB_NORDAHEAD | MDB_NOTLS, 0600) || mdb_txn_begin(env, NULL, 0, &txn) ||
        mdb_dbi_open(txn, NULL, 0, &dbi) || mdb_txn_commit(txn))
        die("cannot open a raw LMDB environment in %s", dir);
    uint8_t *keys = malloc((size_t)per_txn * klen), *val = calloc(1, vlen + 1);
    if (!keys || !val) die("out of memory");
    crypto_random(val, vlen);
    crypto_random(keys, (size_t)per_txn * klen);
    sort_key_len = klen;
    qsort(keys, per_txn, klen, cmp_key);
    double t0 = now_s();
    if (mdb_txn_begin(env, NULL, 0, &txn)) die("raw sorted: cannot begin");
    for (unsigned i = 0; i < per_txn; i++) {
        MDB_val k = {klen, keys + (size_t)i * klen}, v = {vlen, val};
        if (mdb_put(txn, dbi, &k, &v, 0)) die("raw sorted: put failed");
    }
    if (mdb_txn_commit(txn)) die("raw sorted: commit failed");
    double dt = now_s() - t0;
    free(keys);
    free(val);
    mdb_env_close(env);
    sh("rm -rf %s", dir);
    return per_txn / dt;
}

static double raw_verifies(unsigned n)
{
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES], msg[64];
    crypto_sign_keypair(pk, sk);
    crypto_random(msg, sizeof msg);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
    unsigned ok = 0;
    double t0 = now_s();
    for (unsigned i = 0; i < n; i++) ok += crypto_sign_verify_detached(sig, msg, sizeof msg, pk) == 0;
    double dt = now_s() - t0;
    if (ok != n) die("verify failed");
    return n / dt;
}

/* ---- 2. the offline branch's changes ------------------------------------------------ */

static void write_offline(const char *name, unsigned n)
{
    char dir[PATH_CAP], err[256];
    node_dir(name, dir);
    store_t *st;
    identity_t *id;
    oplog_t *log;
    /* not fsynced: the fill is not what is measured, and the branch's node opens the same
     * pages after it on this machine */
    if (store_open(dir, STORE_NOSYNC, &st) || identity_load(dir, st, &id, err, sizeof err) || oplog_open(st, id, &log))
        die("cannot open %s", dir);
    uint8_t (*ids)[ID_LEN] = malloc(((size_t)n / 5 + 1) * ID_LEN);
    timeid_clock_t id_clock = {0, 0};
    unsigned n_ids = 0;
    char created[32]; /* as the API stamps a new record: now, UTC */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    double t0 = now_s();
    for (unsigned i = 0; i < n;) {
        store_txn_t *t;
        store_txn_begin(st, true, &t);
        for (unsigned j = 0; j < 1000 && i < n; j++, i++) {
            record_t rec;
            memset(&rec, 0, offsetof(record_t, ops));
            rec.author = "bench";
            rec.author_len = 5;
            rec.kind = KIND_CUSTOMER;
            char name_s[64], phone[24], city[32];
            snprintf(city, sizeof city, "City %u", i % 997);
            if (i % 5 == 0 || n_ids == 0) {
                uint8_t random[8]; /* time-ordered, as the branch's API makes a new entity's id */
                crypto_random(random, sizeof random);
                timeid_make(&id_clock, hlc_wall_ms(), random, rec.entity);
                memcpy(ids[n_ids++], rec.entity, ID_LEN);
                snprintf(name_s, sizeof name_s, "Customer %u", i);
                snprintf(phone, sizeof phone, "+98912%07u", i);
                rec.n_ops = 5;
                rec.ops[4] = (record_op_t){F_CREATED, OP_SET, {VAL_STR, 0, created, strlen(created)}, false, {0}};
                rec.ops[0] = (record_op_t){F_BRANCH, OP_SET, {VAL_STR, 0, name, strlen(name)}, false, {0}};
                rec.ops[1] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, name_s, strlen(name_s)}, false, {0}};
                rec.ops[2] = (record_op_t){F_CU_PHONES, OP_ADD, {VAL_STR, 0, phone, strlen(phone)}, false, {0}};
                rec.ops[3] = (record_op_t){F_CU_CITY, OP_SET, {VAL_STR, 0, city, strlen(city)}, false, {0}};
            } else {
                memcpy(rec.entity, ids[(unsigned)rand() % n_ids], ID_LEN);
                rec.n_ops = 1;
                rec.ops[0] = (record_op_t){F_CU_CITY, OP_SET, {VAL_STR, 0, city, strlen(city)}, false, {0}};
                field_state_t f;
                if (entity_get(t, rec.entity, F_CU_CITY, &f) == 0) {
                    rec.ops[0].has_base = true;
                    memcpy(rec.ops[0].base, f.version, VERSION_LEN);
                }
            }
            if (oplog_append(log, t, &rec)) die("offline write failed");
        }
        if (oplog_seal(log, t) || store_txn_commit(&t)) die("offline commit failed");
        oplog_commit_done(log);
        if (i % 200000 == 0) fprintf(stderr, "  ... %s wrote %u of %u changes\n", name, i, n);
    }
    double dt = now_s() - t0;
    printf("offline writes at %s: %u changes (%u new customers, the rest edits) at %.0f changes/s\n", name, n,
           n_ids, n / dt);
    free(ids);
    oplog_destroy(&log);
    identity_destroy(&id);
    store_close(&st);
}

/* A thread that reads a process's memory every 20 ms and keeps the peaks: the API calls
 * that tell the catch-up's progress may wait on the hub for seconds. */
typedef struct {
    pid_t pid;
    volatile bool stop;
    mem_t peak;
    pthread_t th;
} mem_sampler_t;

static void *sample_mem(void *arg)
{
    mem_sampler_t *s = arg;
    while (!s->stop) {
        mem_t m = proc_mem(s->pid);
        mem_note_peak(&s->peak, &m);
        usleep(20000);
    }
    return NULL;
}

/* How the nodes' local API answered the progress calls (sync_status) meanwhile. */
typedef struct {
    double slowest_s;   /* the longest an answered call waited */
    unsigned calls;     /* calls made */
    unsigned unanswered; /* calls the client gave up on after CALL_TIMEOUT_MS */
} call_wait_t;

/* Waits until each named node holds want records from the peer called from; returns the
 * seconds it took for the last, samples the hub's memory meanwhile (into *peak) and how its
 * API answered (into *waits, which may be NULL). */
static double wait_received(const char *const *names, int n, const char *from, long long want, pid_t hub,
                            mem_t *peak, call_wait_t *waits, double limit_s)
{
    accord_client_t *c[8];
    for (int i = 0; i < n; i++) c[i] = client_of(names[i]);
    mem_sampler_t sampler = {.pid = hub, .stop = false, .peak = *peak};
    pthread_create(&sampler.th, NULL, sample_mem, &sampler);
    double t0 = now_s(), next_note = t0 + 10;
    call_wait_t w = {0, 0, 0};
    bool done[8] = {false};
    int left = n;
    while (left > 0 && now_s() - t0 < limit_s) {
        usleep(50000);
        long long least = want;
        for (int i = 0; i < n; i++) {
            if (done[i]) continue;
            double c0 = now_s();
            long long got = peer_field(c[i], from, "records_in", NULL);
            double waited = now_s() - c0;
            w.calls++;
            if (got < 0 && waited * 1e3 >= CALL_TIMEOUT_MS - 100) w.unanswered++;
            else if (waited > w.slowest_s) w.slowest_s = waited;
            if (got >= want) { done[i] = true; left--; }
            else if (got < least) least = got < 0 ? 0 : got;
        }
        if (now_s() > next_note && left) {
            fprintf(stderr, "  ... %lld of %lld\n", least, want);
            next_note += 10;
        }
    }
    double dt = now_s() - t0;
    sampler.stop = true;
    pthread_join(sampler.th, NULL);
    *peak = sampler.peak;
    if (waits) *waits = w;
    for (int i = 0; i < n; i++) accord_client_destroy(&c[i]);
    peak->hwm_kb = proc_mem(hub).hwm_kb;
    return left ? -dt : dt;
}

/* ---- 2b. beside the catch-up ---------------------------------------------------------- */

enum { MAX_TABLES = 64 };

typedef struct {
    char name[MAX_TABLES][48]; /* LMDB's named databases: the store's tables */
    long long entries[MAX_TABLES];
    unsigned n;
    long long total;
    double key_bytes, val_bytes; /* summed over every entry of every table */
} store_count_t;

/* Keys in every table of the store in dir (mdb_stat's ms_entries, read-only beside a
 * running node), found through LMDB's main database so that tables added later count too,
 * and the bytes of their keys and values (read one by one). */
static store_count_t store_entries(const char *dir)
{
    store_count_t out = {.n = 0, .total = 0, .key_bytes = 0, .val_bytes = 0};
    MDB_env *env;
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_dbi main_db;
    MDB_val k, v;
    if (mdb_env_create(&env)) die("cannot read the store in %s", dir);
    mdb_env_set_maxdbs(env, MAX_TABLES);
    if (mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600) || mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) ||
        mdb_dbi_open(txn, NULL, 0, &main_db) || mdb_cursor_open(txn, main_db, &cur))
        die("cannot read the store in %s", dir);
    while (out.n < MAX_TABLES && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        MDB_dbi dbi;
        MDB_stat stat;
        if (k.mv_size >= sizeof out.name[0]) continue;
        memcpy(out.name[out.n], k.mv_data, k.mv_size);
        out.name[out.n][k.mv_size] = 0;
        if (mdb_dbi_open(txn, out.name[out.n], 0, &dbi) || mdb_stat(txn, dbi, &stat)) continue; /* not a table */
        out.entries[out.n] = (long long)stat.ms_entries;
        out.total += out.entries[out.n++];
        MDB_cursor *each;
        MDB_val ek, ev;
        if (mdb_cursor_open(txn, dbi, &each)) continue;
        while (mdb_cursor_get(each, &ek, &ev, MDB_NEXT) == 0) {
            out.key_bytes += (double)ek.mv_size;
            out.val_bytes += (double)ev.mv_size;
        }
        mdb_cursor_close(each);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return out;
}

/* The keys a catch-up of n changes added, per change and table: a lower bound on its puts
 * (a put that replaces a key, as an edit's of a field, adds none); returns the total. */
static double keys_per_change(const store_count_t *before, const store_count_t *after, unsigned n)
{
    printf("  keys the hub's store gained per change (mdb_stat entries after - before, a lower bound on puts: a put "
           "that replaces a key adds none): %.2f\n   ", (double)(after->total - before->total) / n);
    for (unsigned i = 0; i < after->n; i++) {
        long long was = 0;
        for (unsigned j = 0; j < before->n; j++)
            if (!strcmp(before->name[j], after->name[i])) was = before->entries[j];
        if (after->entries[i] != was) printf(" %s %.2f", after->name[i], (double)(after->entries[i] - was) / n);
    }
    printf("\n");
    return (double)(after->total - before->total) / n;
}

/* accordctl digest at the hub, which is running: the first run and the best of 3, in ms;
 * beside the same command on an empty node (its start and the store's opening). */
static void digest_timing(unsigned n)
{
    char hq[PATH_CAP], empty[PATH_CAP], cmd[4 * PATH_CAP], line[256] = "";
    node_dir("hq", hq);
    node_dir("digest-empty", empty);
    double first = 0, best = 1e9, bare = 1e9;
    for (int i = 0; i < 3; i++) {
        snprintf(cmd, sizeof cmd, "%s/accordctl --json digest --data %s", build_dir, hq);
        double t0 = now_s();
        FILE *p = popen(cmd, "r");
        if (!p || !fgets(line, sizeof line, p) || pclose(p) != 0) die("accordctl digest failed at the hub");
        double dt = now_s() - t0;
        if (i == 0) first = dt;
        if (dt < best) best = dt;
    }
    sh("%s/accordctl node init --data %s --name digest-empty >/dev/null", build_dir, empty);
    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        sh("%s/accordctl --json digest --data %s >/dev/null", build_dir, empty);
        if (now_s() - t0 < bare) bare = now_s() - t0;
    }
    const char *records = strstr(line, "\"records\":");
    printf("state digest at the hub after %u changes (accordctl digest, %lld records): first %.1f ms, best of 3 %.1f ms "
           "(target <= 10 ms); the same command on an empty node %.1f ms\n",
           n, records ? atoll(records + 10) : -1LL, first * 1e3, best * 1e3, bare * 1e3);
}

/* PostgreSQL 15 logical replication's catch-up of the same n row changes (bench/pg_reference.sh)
 * beside Accord's, at accord_rate changes/s. */
static void pg_reference(unsigned n, double accord_rate)
{
    const char *script = getenv("BENCH_PG_REFERENCE");
    char cmd[PATH_CAP + 32], line[512] = "", last[512] = "";
    if (!script || !*script) script = "bench/pg_reference.sh";
    snprintf(cmd, sizeof cmd, "%s %u", script, n);
    FILE *p = access(script, X_OK) ? NULL : popen(cmd, "r");
    while (p && fgets(line, sizeof line, p)) memcpy(last, line, sizeof last);
    int rc = p ? pclose(p) : -1;
    last[strcspn(last, "\n")] = 0;
    unsigned rows = 0;
    double catchup_s = 0, write_s = 0;
    if (!p) {
        printf("PostgreSQL reference skipped: %s is not here or not executable (run the bench from the tree's top, "
               "or set BENCH_PG_REFERENCE)\n", script);
    } else if (!strncmp(last, "skip ", 5)) {
        printf("PostgreSQL reference skipped: %s\n", last + 5);
    } else if (rc != 0 || sscanf(last, "ok %u %lf %lf", &rows, &catchup_s, &write_s) != 3 || catchup_s <= 0) {
        printf("PostgreSQL reference failed (%s exited with %d%s%s; its errors are above)\n", script, rc,
               *last ? ", last line: " : "", last);
    } else {
        double pg_rate = rows / catchup_s;
        printf("PostgreSQL 15 logical replication, the same %u row changes (a new 14-column customer row every 5th, "
               "else a one-column update of a random earlier one, as branch a's; 10,000 a transaction, written in "
               "%.1f s with the subscription disabled), caught up by the subscriber once enabled (fsync, "
               "synchronous_commit on): %.1f s, %.0f rows/s\n", rows, write_s, catchup_s, pg_rate);
        printf("  catch-up: Accord %.0f changes/s = %.2fx PostgreSQL's %.0f rows/s (target >= 1.1x)\n", accord_rate,
               accord_rate / pg_rate, pg_rate);
    }
    fflush(stdout);
}

/* ---- 4. latency ------------------------------------------------------------------- */

typedef struct {
    const char *node;
    unsigned rate, count, stride, first;
    double t0, *acked;
    int errors;
} writer_t;

static void *writer(void *arg)
{
    writer_t *w = arg;
    accord_client_t *c = client_of(w->node);
    for (unsigned k = w->first; k < w->count; k += w->stride) {
        double due = w->t0 + (double)k / w->rate, wait = due - now_s();
        if (wait > 0) usleep((useconds_t)(wait * 1e6));
        accord_args_t a;
        accord_args_init(&a);
        char name[48];
        snprintf(name, sizeof name, "Latency %u", k);
        accord_args_str(&a, "kind", "customer");
        accord_args_str(&a, "name", name);
        accord_reply_t r;
        if (accord_call(c, "create", &a, &r)) w->errors++;
        w->acked[k] = now_s();
        accord_reply_destroy(&r);
        accord_args_destroy(&a);
    }
    accord_client_destroy(&c);
    return NULL;
}

static void latency(const char *from, const char *to, unsigned rate, unsigned seconds)
{
    unsigned count = rate * seconds;
    double *acked = calloc(count, sizeof *acked), *seen = calloc(count, sizeof *seen);
    accord_client_t *obs = client_of(to);
    long long base = peer_field(obs, "upstream", "records_in", NULL);
    enum { WRITERS = 4 };
    writer_t w[WRITERS];
    pthread_t th[WRITERS];
    double t0 = now_s() + 0.1;
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer_t){from, rate, count, WRITERS, (unsigned)i, t0, acked, 0};
        pthread_create(&th[i], NULL, writer, &w[i]);
    }
    /* every record of the writers' is one record at B: the k-th to arrive is the k-th acked */
    long long got = 0;
    double end = t0 + seconds + 30;
    while (got < count && now_s() < end) {
        long long r = peer_field(obs, "upstream", "records_in", NULL) - base;
        double t = now_s();
        for (; got < r && got < count; got++) seen[got] = t;
        usleep(1000);
    }
    int errors = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        errors += w[i].errors;
    }
    accord_client_destroy(&obs);
    qsort(acked, count, sizeof *acked, cmp_double);
    double *lat = calloc(count, sizeof *lat);
    size_t n = 0;
    for (size_t k = 0; k < (size_t)got; k++) lat[n++] = seen[k] > acked[k] ? seen[k] - acked[k] : 0;
    double achieved = count / (acked[count - 1] - acked[0]);
    double p50 = pct(lat, n, 0.5), p99 = pct(lat, n, 0.99), max = n ? lat[n - 1] : 0;
    printf("latency write at %s acked -> visible at %s, %u changes at %.0f/s (%.0f/s achieved): p50 %.1f ms  p99 %.1f ms"
           " (target <= 50 ms)  max %.1f ms  (%zu of %u seen, %d write errors)\n",
           from, to, count, (double)rate, achieved, p50 * 1e3, p99 * 1e3, max * 1e3, n, count, errors);
    free(acked);
    free(seen);
    free(lat);
}

/* ---- 5. many connections ---------------------------------------------------------- */

typedef struct {
    uint8_t pk[CRYPTO_PK_LEN], sk[CRYPTO_SK_LEN], origin[ID_LEN];
} swarm_key_t;

static uint8_t *read_org_sk(void)
{
    static uint8_t file[8 + CRYPTO_SK_LEN];
    FILE *f = fopen(org_key_path, "rb");
    if (!f || fread(file, 1, sizeof file, f) != sizeof file) die("cannot read %s", org_key_path);
    fclose(f);
    return file + 8;
}

/* Enrolls n generated branches at the (stopped) hub; fills their keys and the hub's vector. */
static void enroll_swarm(swarm_key_t *keys, unsigned n, uint8_t vec_origins[][ID_LEN], uint64_t *vec_seqs,
                         uint32_t *n_vec)
{
    char dir[PATH_CAP];
    node_dir("hq", dir);
    store_t *st;
    store_txn_t *t;
    if (store_open(dir, 0, &st) || store_txn_begin(st, true, &t)) die("cannot open the hub's store");
    const uint8_t *org_sk = read_org_sk();
    for (unsigned i = 0; i < n; i++) {
        crypto_keypair(keys[i].pk, keys[i].sk);
        crypto_origin_of(keys[i].pk, keys[i].origin);
        roster_entry_t e;
        memset(&e, 0, sizeof e);
        e.action = ROSTER_ENROLL;
        memcpy(e.pk, keys[i].pk, CRYPTO_PK_LEN);
        snprintf(e.name, sizeof e.name, "swarm-%u", i);
        snprintf(e.role, sizeof e.role, "branch");
        snprintf(e.region, sizeof e.region, "bench");
        e.issued_ms = (uint64_t)time(NULL) * 1000;
        uint8_t buf[ROSTER_ENTRY_MAX];
        size_t len;
        bool changed;
        if (roster_entry_sign(&e, org_sk, buf, &len) || roster_add(t, buf, len, &changed, &e))
            die("cannot enroll swarm-%u", i);
    }
    store_iter_t *it;
    store_val_t k, v;
    *n_vec = 0;
    if (store_iter_new(t, TBL_HEADS, NULL, 0, false, &it)) die("cannot read heads");
    while (store_iter_next(it, &k, &v) == 1 && *n_vec < 64)
        if (k.len == ID_LEN && v.len >= 8) {
            memcpy(vec_origins[*n_vec], k.data, ID_LEN);
            vec_seqs[(*n_vec)++] = be64_get(v.data);
        }
    store_iter_destroy(&it);
    if (store_txn_commit(&t)) die("cannot commit the swarm's enrolment");
    store_close(&st);
}

static void send_msg(void *sock, msgpack_sbuffer *sb)
{
    zmq_send(sock, sb->data, sb->size, ZMQ_DONTWAIT);
    msgpack_sbuffer_clear(sb);
}

static void connections(unsigned n, pid_t *hub)
{
    swarm_key_t *keys = calloc(n, sizeof *keys);
    uint8_t vec_origins[64][ID_LEN];
    uint64_t vec_seqs[64];
    uint32_t n_vec;
    stop_node(*hub);
    enroll_swarm(keys, n, vec_origins, vec_seqs, &n_vec);
    *hub = start_node("hq", true);
    wire_vec_t vec[64];
    for (uint32_t i = 0; i < n_vec; i++) vec[i] = (wire_vec_t){vec_origins[i], vec_seqs[i]};

    uint8_t hub_ed[CRYPTO_PK_LEN], hub_curve[32];
    crypto_unhex(hub_pub, hub_ed, sizeof hub_ed);
    crypto_curve_pk(hub_ed, hub_curve);
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, (int)n + 64);
    void **socks = calloc(n, sizeof *socks);
    zmq_pollitem_t *items = calloc(n, sizeof *items);
    bool *heard = calloc(n, sizeof *heard);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    double cpu0 = proc_cpu_s(*hub), t0 = now_s();
    for (unsigned i = 0; i < n; i++) {
        uint8_t cpk[32], csk[32], store_id[16];
        crypto_curve_pk(keys[i].pk, cpk);
        crypto_curve_sk(keys[i].sk, csk);
        socks[i] = zmq_socket(ctx, ZMQ_DEALER);
        if (!socks[i]) die("socket %u: %s (raise ulimit -n)", i, zmq_strerror(zmq_errno()));
        int linger = 0;
        zmq_setsockopt(socks[i], ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(socks[i], ZMQ_CURVE_SERVERKEY, hub_curve, 32);
        zmq_setsockopt(socks[i], ZMQ_CURVE_PUBLICKEY, cpk, 32);
        zmq_setsockopt(socks[i], ZMQ_CURVE_SECRETKEY, csk, 32);
        if (zmq_connect(socks[i], hub_ep)) die("connect: %s", zmq_strerror(zmq_errno()));
        crypto_random(store_id, sizeof store_id);
        wire_pack_hello(&pk, "branch", store_id, vec, n_vec);
        send_msg(socks[i], &sb);
        items[i] = (zmq_pollitem_t){socks[i], 0, ZMQ_POLLIN, 0};
    }
    /* a session is held once the hub has answered the HELLO */
    unsigned held = 0;
    double all_at = 0, next_beat = now_s() + 1, hold_end = 0;
    char buf[65536];
    mem_t peak = {0, 0, 0, 0};
    while (now_s() < t0 + 120) {
        if (zmq_poll(items, (int)n, 50) < 0) break;
        for (unsigned i = 0; i < n; i++) {
            if (!(items[i].revents & ZMQ_POLLIN)) continue;
            while (zmq_recv(socks[i], buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
                if (!heard[i]) { heard[i] = true; held++; }
        }
        mem_t m = proc_mem(*hub);
        mem_note_peak(&peak, &m);
        if (held == n && !all_at) {
            all_at = now_s();
            hold_end = all_at + 15;
        }
        if (now_s() >= next_beat) {
            next_beat += 1;
            for (unsigned i = 0; i < n; i++) {
                wire_pack_beat(&pk, (uint64_t)time(NULL) * 1000, 0, 0, 0, "bench");
                send_msg(socks[i], &sb);
            }
        }
        if (hold_end && now_s() >= hold_end) break;
    }
    int connected = 0;
    accord_client_t *c = client_of("hq");
    double s0 = now_s();
    peer_field(c, NULL, "connected", &connected);
    double status_ms = (now_s() - s0) * 1e3;
    accord_client_destroy(&c);
    double cpu = proc_cpu_s(*hub) - cpu0, span = now_s() - t0;
    mem_t held_mem = proc_mem(*hub);
    peak.hwm_kb = held_mem.hwm_kb;
    if (all_at)
        printf("connections: %u enrolled branches (CURVE + ZAP + HELLO + roster of %u entries) held by one hub: all in "
               "%.2f s, held 15 s with heartbeats; %d shown connected in sync status (answered in %.0f ms); hub CPU "
               "%.0f%% of a core, peak RSS %.1f MiB (anonymous %.1f MiB), while holding them %.1f MiB (anonymous %.1f MiB)\n",
               n, n + 5, all_at - t0, connected, status_ms, 100 * cpu / span, peak.rss_kb / 1024.0,
               peak.anon_kb / 1024.0, held_mem.rss_kb / 1024.0, held_mem.anon_kb / 1024.0);
    else
        printf("connections: only %u of %u sessions were answered within 120 s; %d connected\n", held, n, connected);
    for (unsigned i = 0; i < n; i++) zmq_close(socks[i]);
    zmq_ctx_term(ctx);
    msgpack_sbuffer_destroy(&sb);
    free(socks);
    free(items);
    free(heard);
    free(keys);
}

/* A month's report at the hub, read from its KPI counters while it runs (issue: <= 100 ms). */
static void report_timing(unsigned n)
{
    char dir[PATH_CAP];
    node_dir("hq", dir);
    store_t *st;
    if (store_open(dir, STORE_RDONLY, &st) || kpi_use_time_zone(st)) die("cannot open the hub's store");
    uint32_t today = kpi_day_of_ms(st, (uint64_t)time(NULL) * 1000), from, to;
    char month[16];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(month, sizeof month, "%Y-%m", &tm);
    if (report_period(month, &from, &to)) die("period %s", month);
    double best = 1e9, worst = 0;
    int64_t customers = 0;
    for (int i = 0; i < 5; i++) {
        store_txn_t *t;
        report_t r;
        double t0 = now_s();
        if (store_txn_begin(st, false, &t) || report_branches(t, from, to, today, NULL, &r)) die("report");
        store_txn_abort(&t);
        double dt = now_s() - t0;
        if (dt < best) best = dt;
        if (dt > worst) worst = dt;
        customers = r.n ? r.branches[0].customers_new : 0;
        report_free(&r);
    }
    store_close(&st);
    printf("report of the month %s over the hub's counters after %u changes (%lld new customers counted): "
           "%.2f ms, slowest of 5 runs %.2f ms\n", month, n, (long long)customers, best * 1000, worst * 1000);
    fflush(stdout);
}

/* True when two nodes hold the same head of every feed (their bundle vectors). */
static bool same_vector(const char *a, const char *b)
{
    char da[PATH_CAP], db[PATH_CAP], cmd[4 * PATH_CAP];
    node_dir(a, da);
    node_dir(b, db);
    snprintf(cmd, sizeof cmd, "A=$(%s/accordctl bundle vector --data %s 2>/dev/null | sort); "
                              "B=$(%s/accordctl bundle vector --data %s 2>/dev/null | sort); [ -n \"$A\" ] && [ \"$A\" = \"$B\" ]",
             build_dir, da, build_dir, db);
    return system(cmd) == 0;
}

static void compaction(double replay_s)
{
    char hq[PATH_CAP], e[PATH_CAP], cmd[4 * PATH_CAP], line[512];
    node_dir("hq", hq);
    node_dir("e", e);
    double t0 = now_s();
    sh("%s/accordctl --json compact --data %s > %s/compact.json", build_dir, hq, work_dir);
    double dt = now_s() - t0;
    snprintf(cmd, sizeof cmd,
             "jq -r '[.records_purged, .tombstones_purged, .freed_bytes, .snapshot.bytes, .snapshot.rows] | @tsv' "
             "%s/compact.json", work_dir);
    FILE *p = popen(cmd, "r");
    unsigned long long recs = 0, graves = 0, freed = 0, snap = 0, rows = 0;
    if (!p || !fgets(line, sizeof line, p) || sscanf(line, "%llu %llu %llu %llu %llu", &recs, &graves, &freed, &snap, &rows) != 5)
        die("cannot read the compaction report");
    pclose(p);
    printf("compaction at the hub (live): %.1f s; %llu feed records and %llu tombstones purged, %.1f MiB freed "
           "inside the store; snapshot written: %.1f MiB, %llu rows\n",
           dt, recs, graves, freed / 1048576.0, snap / 1048576.0, rows);
    fflush(stdout);
    char pub[2 * CRYPTO_PK_LEN + 1];
    sh("%s/accordctl node init --data %s --name e --org-pub %s >/dev/null",
       build_dir, e, org_pub_hex);
    node_pub("e", pub);
    sh("%s/accordctl enroll --data %s --org-key %s --node-pub %s --name e --role branch --region bench >/dev/null", build_dir,
       hq, org_key_path, pub);
    usleep(1500000); /* the hub reads the roster change within a second */
    t0 = now_s();
    pid_t pe = start_node("e", false);
    while (!same_vector("e", "hq") && now_s() - t0 < 1800) usleep(500000);
    dt = now_s() - t0;
    stop_node(pe);
    printf("a new branch started from the hub's snapshot and the feeds after it: %.1f s to hold every feed's head "
           "(catch-up by replaying every change took %.1f s)\n",
           dt, replay_s);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: sync-bench BUILD_DIR WORK_DIR\n"); return 1; }
    build_dir = argv[1];
    work_dir = argv[2];
    crypto_init();
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    unsigned n = (unsigned)env_num("BENCH_CHANGES", 1000000), rate = (unsigned)env_num("BENCH_RATE", 1000);
    unsigned lat_s = (unsigned)env_num("BENCH_LATENCY_S", 10), conns = (unsigned)env_num("BENCH_CONNS", 1000);

    printf("\nReplication benchmark (CURVE on, every batch's signature verified, merged, indexed, durable)\n");
    printf("machine limit: raw LMDB %.0f puts/s (random 16-byte keys, 200-byte values, 4,096 a durable txn); "
           "raw Ed25519 %.0f verifies/s on one core\n",
           raw_lmdb_puts(1000000), raw_verifies(20000));
    fflush(stdout);

    static const char *const names[] = {"hq", "a", "b", "c", "d"};
    char dir[PATH_CAP], pubs[5][2 * CRYPTO_PK_LEN + 1];
    snprintf(org_key_path, sizeof org_key_path, "%s/org.key", work_dir);
    sh("%s/accordctl org init --out %s >/dev/null", build_dir, org_key_path);
    char org[2 * CRYPTO_PK_LEN + 1] = "";
    {
        /* the org's public key is the last 32 bytes of its secret key */
        const uint8_t *sk = read_org_sk();
        crypto_hex(sk + 32, 32, org);
        memcpy(org_pub_hex, org, sizeof org_pub_hex);
    }
    for (int i = 0; i < 5; i++) {
        node_dir(names[i], dir);
        sh("%s/accordctl node init --data %s --name %s --role %s --org-pub %s >/dev/null", build_dir, dir, names[i],
           i ? "branch" : "hub", org);
        node_pub(names[i], pubs[i]);
    }
    node_dir("hq", dir);
    for (int i = 0; i < 5; i++)
        sh("%s/accordctl enroll --data %s --org-key %s --node-pub %s --name %s --role %s --region bench >/dev/null",
           build_dir, dir, org_key_path, pubs[i], names[i], i ? "branch" : "hub");
    memcpy(hub_pub, pubs[0], sizeof hub_pub);
    {
        /* a free port: bind to 0, read it back, close */
        void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_ROUTER);
        size_t len = sizeof hub_ep;
        zmq_bind(s, "tcp://127.0.0.1:*");
        zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, hub_ep, &len);
        zmq_close(s);
        zmq_ctx_term(ctx);
    }

    double t_offline = now_s();
    write_offline("a", n);
    printf("  (the offline writes took %.1f s, written straight into a's store through its feed, 1,000 a txn, "
           "not fsynced)\n", now_s() - t_offline);
    fflush(stdout);
    node_dir("hq", dir);
    store_count_t hub_before = store_entries(dir);
    pid_t hub = start_node("hq", true);
    mem_t peak = {0, 0, 0, 0};
    pid_t pa = start_node("a", false);
    const char *hq_only[] = {"hq"};
    call_wait_t waits;
    double dt = wait_received(hq_only, 1, "a", n, hub, &peak, &waits, 1800), replay_s = dt;
    if (dt < 0) printf("catch-up: NOT finished in %.0f s\n", -dt);
    else
        printf("catch-up of %u changes from branch a into the hub: %.1f s, %.0f changes/s; hub peak RSS %.1f MiB "
               "(anonymous %.1f MiB, the rest is LMDB's mapped file)\n",
               n, dt, n / dt, peak.hwm_kb / 1024.0, peak.anon_kb / 1024.0);
    printf("  hub RssAnon peak %.1f MiB (target <= 64 MiB), RssFile peak %.1f MiB (sampled every 20 ms)\n",
           peak.anon_kb / 1024.0, peak.file_kb / 1024.0);
    printf("  the hub's local API meanwhile, sync_status: the slowest of %u calls answered in %.0f ms, %u not answered "
           "within %d s\n", waits.calls, waits.slowest_s * 1e3, waits.unanswered, CALL_TIMEOUT_MS / 1000);
    store_count_t hub_after = store_entries(dir);
    double puts = keys_per_change(&hub_before, &hub_after, n);
    /* the raw puts are of the hub's mean key and value; the best of 3 (the machine is shared) */
    size_t klen = (size_t)(hub_after.key_bytes / (double)hub_after.total + 0.5),
           vlen = (size_t)(hub_after.val_bytes / (double)hub_after.total + 0.5);
    if (klen < 8) klen = 8;
    double sorted_puts = 0;
    for (int i = 0; i < 3; i++) {
        double r = raw_lmdb_sorted_puts(262144, klen, vlen);
        if (r > sorted_puts) sorted_puts = r;
    }
    double bound = puts > 0 ? sorted_puts / puts : 0;
    printf("machine limit: raw LMDB %.0f sorted puts/s (262,144 random %zu-byte keys and %zu-byte values, the mean of "
           "the hub's, sorted, in one durable txn into an empty table, MDB_WRITEMAP|MDB_NORDAHEAD; best of 3)\n",
           sorted_puts, klen, vlen);
    if (dt > 0 && bound > 0)
        printf("  raw LMDB bound: %.0f sorted puts/s / %.2f puts per change = %.0f changes/s; Accord's catch-up %.0f "
               "changes/s = %.2fx the bound (target >= 0.7x)\n", sorted_puts, puts, bound, n / dt, n / dt / bound);
    fflush(stdout);
    digest_timing(n);
    fflush(stdout);
    if (dt > 0) pg_reference(n, n / dt);
    report_timing(n);
    if (getenv("BENCH_CATCHUP_ONLY")) {
        stop_node(pa);
        stop_node(hub);
        return 0;
    }

    const char *fan[] = {"b", "c", "d"};
    pid_t pb[3];
    mem_t peak2 = {0, 0, 0, 0};
    for (int i = 0; i < 3; i++) pb[i] = start_node(fan[i], false);
    dt = wait_received(fan, 3, "upstream", n, hub, &peak2, NULL, 1800);
    if (dt < 0) printf("fan-out: NOT finished in %.0f s\n", -dt);
    else
        printf("fan-out of the same %u changes to 3 branches at once: %.1f s, %.0f changes/s per branch (target >= "
               "100,000), %.0f in all; hub peak RSS %.1f MiB (RssAnon %.1f MiB, RssFile %.1f MiB)\n",
               n, dt, n / dt, 3 * n / dt, peak2.hwm_kb / 1024.0, peak2.anon_kb / 1024.0, peak2.file_kb / 1024.0);
    fflush(stdout);

    /* c and d stay idle, as they would at their own sites: stopped here so their fsyncs
     * do not share this one disk with a, hq and b */
    stop_node(pb[1]);
    stop_node(pb[2]);
    latency("a", "b", rate, lat_s);
    fflush(stdout);

    stop_node(pa);
    stop_node(pb[0]);
    compaction(replay_s);
    connections(conns, &hub);
    stop_node(hub);
    return 0;
}
