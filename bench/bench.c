/* SPDX-License-Identifier: MIT
 * make bench: prints figures, asserts nothing.
 *  1. this machine's own limit: durable LMDB commits/s (one small txn, fsync each)
 *  2. durable creates through the local API: 1 client, then 16 concurrent clients
 *  3. bulk insert (signed feed + state + indexes, 1,000 records a txn)
 *  4. search p50/p99 over 100,000 customers with English, Persian and Chinese names
 * Usage: bench BUILD_DIR WORK_DIR */
#define _POSIX_C_SOURCE 200809L
#include "client/accord_client.h"
#include "bench_util.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "auth/identity.h"
#include "state/index.h"
#include "feed/oplog.h"
#include "store/store.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const given_en[] = {"Anna", "John", "Maria", "David", "Sarah", "Peter", "Laura", "Tom"};
static const char *const family_en[] = {"Smith", "Müller", "Garcia", "Rossi", "Brown", "Novak", "Silva", "Berg"};
static const char *const given_fa[] = {"علی", "زهرا", "محمد", "فاطمه", "رضا", "مریم", "حسین", "سارا"};
static const char *const family_fa[] = {"رضایی", "کریمی", "احمدی", "حسینی", "محمدی", "یزدانی", "نوری", "کاظمی"};
static const char *const names_zh[] = {"王小明", "李华", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"};

static void make_name(unsigned i, char *out, size_t cap)
{
    unsigned a = i % 8, b = (i / 8) % 8, k = i % 3;
    if (k == 0) snprintf(out, cap, "%s %s %u", given_en[a], family_en[b], i);
    else if (k == 1) snprintf(out, cap, "%s %s %u", given_fa[a], family_fa[b], i);
    else snprintf(out, cap, "%s%s %u", names_zh[a], names_zh[b] + 3, i);
}

/* Durable commits/s of transactions that each put keys_per_txn random keys into one of
 * the tables: the floor under any durable write on this disk. */
static double machine_commit_rate(const char *dir, int keys_per_txn)
{
    store_t *st;
    if (store_open(dir, 0, &st)) return 0;
    int n = 500;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        store_txn_t *t;
        store_txn_begin(st, NULL, true, &t);
        for (int j = 0; j < keys_per_txn; j++) {
            uint8_t k[20];
            crypto_random(k, sizeof k);
            store_put(t, (store_table_t)(j % TBL_COUNT), k, sizeof k, "value-of-some-bytes", 19);
        }
        store_txn_commit(&t);
    }
    double dt = now_s() - t0;
    store_close(&st);
    return n / dt;
}

typedef struct {
    const char *dir;
    int n;
    double *lat;
    int errors;
} worker_t;

static void *create_worker(void *arg)
{
    worker_t *w = arg;
    accord_client_t *c;
    if (accord_client_new(w->dir, 30000, &c)) { w->errors = w->n; return NULL; }
    for (int i = 0; i < w->n; i++) {
        accord_args_t a;
        accord_args_init(&a);
        char name[64], phone[32];
        make_name((unsigned)(rand() % 100000), name, sizeof name);
        snprintf(phone, sizeof phone, "0912%07d", i);
        accord_args_str(&a, "kind", "customer");
        accord_args_str(&a, "name", name);
        accord_args_str(&a, "phones", phone);
        accord_reply_t r;
        double t0 = now_s();
        if (accord_call(c, "create", &a, &r)) w->errors++;
        w->lat[i] = now_s() - t0;
        accord_reply_destroy(&r);
        accord_args_destroy(&a);
    }
    accord_client_destroy(&c);
    return NULL;
}

static void api_bench(const char *build, const char *dir, int clients, int per_client)
{
    char err[256], cmd[4300];
    identity_create(dir, "bench", "branch", err, sizeof err);
    pid_t pid = fork();
    if (pid == 0) {
        snprintf(cmd, sizeof cmd, "%s/accord-node", build);
        if (!freopen("/dev/null", "w", stderr)) _exit(127); /* its log lines would break up the figures */
        execl(cmd, cmd, "--data", dir, (char *)NULL);
        _exit(127);
    }
    char sock[4200];
    snprintf(sock, sizeof sock, "%s/accord.sock", dir);
    for (int i = 0; i < 200 && access(sock, F_OK); i++) usleep(20000);
    worker_t *w = calloc((size_t)clients, sizeof *w);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    double *lat = calloc((size_t)(clients * per_client), sizeof *lat);
    double t0 = now_s();
    for (int i = 0; i < clients; i++) {
        w[i] = (worker_t){dir, per_client, lat + i * per_client, 0};
        pthread_create(&th[i], NULL, create_worker, &w[i]);
    }
    int errors = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        errors += w[i].errors;
    }
    double dt = now_s() - t0;
    char status[4200], line[256];
    snprintf(status, sizeof status, "/proc/%d/status", (int)pid);
    long hwm_kb = 0;
    FILE *f = fopen(status, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) hwm_kb = atol(line + 6);
    if (f) fclose(f);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    size_t n = (size_t)(clients * per_client);
    printf("durable creates, %2d client%s: %8.0f creates/s  p50 %.2f ms  p99 %.2f ms  errors %d  node peak RSS %.1f MiB\n",
           clients, clients > 1 ? "s" : " ", (double)n / dt, pct(lat, n, 0.5) * 1e3, pct(lat, n, 0.99) * 1e3,
           errors, (double)hwm_kb / 1024);
    free(w);
    free(th);
    free(lat);
}

static void bulk_and_search(const char *dir, unsigned n_customers)
{
    char err[256];
    identity_create(dir, "bulk", "branch", err, sizeof err);
    store_t *st;
    identity_t *id;
    oplog_t *log;
    store_open(dir, 0, &st);
    identity_load(dir, st, &id, err, sizeof err);
    oplog_open(st, id, &log);
    double t0 = now_s();
    for (unsigned i = 0; i < n_customers;) {
        store_txn_t *t;
        store_txn_begin(st, NULL, true, &t);
        for (unsigned j = 0; j < 1000 && i < n_customers; j++, i++) {
            record_t rec;
            memset(&rec, 0, offsetof(record_t, ops));
            crypto_random(rec.entity, ID_LEN);
            rec.kind = KIND_CUSTOMER;
            rec.author = "bulk";
            rec.author_len = 4;
            char name[64], phone[20];
            make_name(i, name, sizeof name);
            snprintf(phone, sizeof phone, "+98912%07u", i);
            rec.n_ops = 3;
            rec.ops[0] = (record_op_t){F_BRANCH, OP_SET, {VAL_STR, 0, "bulk", 4}, false, {0}};
            rec.ops[1] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, name, strlen(name)}, false, {0}};
            rec.ops[2] = (record_op_t){F_CU_PHONES, OP_ADD, {VAL_STR, 0, phone, strlen(phone)}, false, {0}};
            if (oplog_append(log, t, &rec)) { fprintf(stderr, "bulk append failed\n"); exit(1); }
        }
        oplog_seal(log, t);
        store_txn_commit(&t);
        oplog_commit_done(log);
    }
    double dt = now_s() - t0;
    uint64_t used, limit;
    store_usage(st, &used, &limit);
    printf("bulk insert (signed feed + state + indexes, durable, 1,000 a txn): %.0f records/s, store %.1f MiB for %u customers\n",
           n_customers / dt, (double)used / 1048576, n_customers);

    static const char *const queries[] = {"anna", "müller", "علی", "رضايي", "کریمی", "小明", "李", "張伟", "smith 12",
                                          "5550", "0001234", "maria garcia", "زهرا", "王", "peter novak 77"};
    enum { Q = 3000 };
    static double lat[Q];
    uint8_t (*out)[ID_LEN] = malloc(50 * ID_LEN);
    long found = 0;
    for (int q = 0; q < Q; q++) {
        store_txn_t *t;
        double s0 = now_s();
        store_txn_begin(st, NULL, false, &t);
        int n = index_search(t, KIND_CUSTOMER, SEARCH_AUTO, queries[q % 15], out, 50, NULL);
        store_txn_abort(&t);
        lat[q] = now_s() - s0;
        if (n > 0) found += n;
    }
    if (getenv("BENCH_SEARCH_DETAIL"))
        for (int q = 0; q < 15; q++) {
            double worst = 0;
            for (int k = q; k < Q; k += 15) worst = lat[k] > worst ? lat[k] : worst;
            printf("  %-16s worst %.3f ms\n", queries[q], worst * 1e3);
        }
    printf("search over %u customers (English/Persian/Chinese, %d queries, up to 50 hits): p50 %.3f ms  p99 %.3f ms  (%ld hits)\n",
           n_customers, Q, pct(lat, Q, 0.5) * 1e3, pct(lat, Q, 0.99) * 1e3, found);
    free(out);
    oplog_destroy(&log);
    identity_destroy(&id);
    store_close(&st);
}

/* The same queries through the local API, as a client sees them (IPC and reply packing). */
static void api_search(const char *build, const char *dir)
{
    static const char *const queries[] = {"anna", "müller", "علی", "رضايي", "کریمی", "小明", "李", "smith 12",
                                          "5550", "0001234", "maria garcia", "زهرا", "王", "peter novak 77"};
    char cmd[4300], sock[4300];
    pid_t pid = fork();
    if (pid == 0) {
        snprintf(cmd, sizeof cmd, "%s/accord-node", build);
        if (!freopen("/dev/null", "w", stderr)) _exit(127); /* its log lines would break up the figures */
        execl(cmd, cmd, "--data", dir, (char *)NULL);
        _exit(127);
    }
    snprintf(sock, sizeof sock, "%s/accord.sock", dir);
    for (int i = 0; i < 200 && access(sock, F_OK); i++) usleep(20000);
    accord_client_t *c;
    if (accord_client_new(dir, 10000, &c)) return;
    enum { Q = 1400 };
    static double lat[Q];
    int errors = 0;
    for (int q = 0; q < Q; q++) {
        accord_args_t a;
        accord_args_init(&a);
        accord_args_str(&a, "q", queries[q % 14]);
        accord_args_int(&a, "limit", 20);
        accord_reply_t r;
        double t0 = now_s();
        if (accord_call(c, "search", &a, &r)) errors++;
        lat[q] = now_s() - t0;
        accord_reply_destroy(&r);
        accord_args_destroy(&a);
    }
    accord_client_destroy(&c);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    printf("search through the local API (%d queries, up to 20 records returned): p50 %.3f ms  p99 %.3f ms  errors %d\n",
           Q, pct(lat, Q, 0.5) * 1e3, pct(lat, Q, 0.99) * 1e3, errors);
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: bench BUILD_DIR WORK_DIR\n"); return 1; }
    crypto_init();
    char dir[4200];
    const char *work = argv[2];
    printf("Accord benchmark on %ld cores\n", sysconf(_SC_NPROCESSORS_ONLN));
    if (getenv("BENCH_SEARCH_DETAIL")) {
        snprintf(dir, sizeof dir, "%s/bulk", work);
        bulk_and_search(dir, 100000);
        return 0;
    }
    snprintf(dir, sizeof dir, "%s/raw", work);
    mkdir(dir, 0700);
    double c1 = machine_commit_rate(dir, 1);
    snprintf(dir, sizeof dir, "%s/raw12", work);
    mkdir(dir, 0700);
    double c12 = machine_commit_rate(dir, 12);
    printf("machine limit: %.0f durable LMDB commits/s of 1 key (%.0f us); %.0f/s of 12 random keys in 12 tables (%.0f us),\n"
           "               about what one create writes\n", c1, 1e6 / c1, c12, 1e6 / c12);
    snprintf(dir, sizeof dir, "%s/api1", work);
    api_bench(argv[1], dir, 1, 3000);
    snprintf(dir, sizeof dir, "%s/api16", work);
    api_bench(argv[1], dir, 16, 1500);
    snprintf(dir, sizeof dir, "%s/bulk", work);
    bulk_and_search(dir, 100000);
    api_search(argv[1], dir);
    return 0;
}
