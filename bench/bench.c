/* SPDX-License-Identifier: MIT
 * make bench: prints figures, asserts nothing.
 *  1. this machine's own limit: durable LMDB commits/s (one small txn, fsync each)
 *  2. durable creates through the local API: 1 client, then 16 concurrent clients, each as a
 *     multiple of 1's commit rate beside its target (issue 14: >= 0.7x and >= 8x)
 *  2b. durable invoices of 10 lines (11 records, one transaction) through the local API, 1 and
 *     16 clients, beside 2's creates, the node's CPU for each, and the machine's commit rate
 *     of as many random keys as one invoice adds (more pages than the invoice's own keys,
 *     which share pages record by record) (BENCH_INVOICE=1: only 1, 2 and 2b)
 *  3. bulk insert (signed feed + state + indexes, 1,000 records a txn)
 *  4. search p50/p99 over 100,000 customers with English, Persian and Chinese names
 *  5. the branch app's requests through HTTP with those 100,000 customers: a list page,
 *     search as you type and a card's opening, against their 50 ms target and the HTTP
 *     floor (GET /app.css) measured in the same run
 *  6. the month's report (invoiced, paid, outstanding...) over 1,000,000 invoices' counters
 *     against its 100 ms target, the floor under it (reading the same counters without
 *     summing) and accordctl's own start on an empty node, measured in the same run
 * Usage: bench BUILD_DIR WORK_DIR (BENCH_APP=1: only 4 and 5; BENCH_REPORT=1: only 6) */
#define _POSIX_C_SOURCE 200809L
#include "client/accord_client.h"
#include "bench_util.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "auth/identity.h"
#include "common/log.h"
#include "state/index.h"
#include "state/kpi.h"
#include "state/merge.h"
#include "ops/report.h"
#include "proto/hlc.h"
#include "feed/oplog.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
        store_txn_begin(st, true, &t);
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
    int lines;               /* 0: customer creates; else invoices of that many lines each */
    char customer[2 * ID_LEN + 1]; /* the invoices' customer (hex id): one per client */
} worker_t;

static int create_customer(accord_client_t *c, int i, char *id_out, size_t cap)
{
    accord_args_t a;
    accord_args_init(&a);
    char name[64], phone[32];
    make_name((unsigned)(rand() % 100000), name, sizeof name);
    snprintf(phone, sizeof phone, "0912%07d", i);
    accord_args_str(&a, "kind", "customer");
    accord_args_str(&a, "name", name);
    accord_args_str(&a, "phones", phone);
    accord_reply_t r;
    int rc = accord_call(c, "create", &a, &r);
    if (!rc && id_out) accord_obj_str(&r.body, "id", id_out, cap);
    accord_reply_destroy(&r);
    accord_args_destroy(&a);
    return rc;
}

enum { INVOICE_MAX_LINES = 32 };

/* One invoice of w->lines free-text lines, each with a quantity, a price, a discount and a
 * tax rate, so the node parses, prices and rounds every line. An error unless the node
 * made them all. */
static int create_invoice(accord_client_t *c, const worker_t *w, int i)
{
    char form[INVOICE_MAX_LINES][160];
    const char *lines[INVOICE_MAX_LINES];
    ACCORD_ASSERT(w->lines <= INVOICE_MAX_LINES);
    for (int k = 0; k < w->lines; k++) {
        snprintf(form[k], sizeof form[k],
                 "description=Service%%20item%%20%d%%20of%%20invoice%%20%d&quantity=%d.5&unit_price=%d.40"
                 "&discount=5&tax_rate=9&unit=h", k + 1, i, k % 3 + 1, 10 + k);
        lines[k] = form[k];
    }
    accord_args_t a;
    accord_args_init(&a);
    accord_args_str(&a, "kind", "invoice");
    accord_args_str(&a, "customer", w->customer);
    accord_args_str(&a, "currency", "EUR");
    accord_args_strv(&a, "lines", lines, (unsigned)w->lines);
    accord_args_str(&a, "user", "bench");
    accord_reply_t r;
    int rc = accord_call(c, "create", &a, &r);
    const msgpack_object *made = rc ? NULL : accord_obj_get(&r.body, "lines");
    if (!rc && !(made && made->type == MSGPACK_OBJECT_POSITIVE_INTEGER && made->via.u64 == (uint64_t)w->lines))
        rc = ACCORD_EPROTO;
    if (rc && !w->errors) fprintf(stderr, "bench: invoice: %s\n", r.message); /* the first one says why */
    accord_reply_destroy(&r);
    accord_args_destroy(&a);
    return rc;
}

static void *create_worker(void *arg)
{
    worker_t *w = arg;
    accord_client_t *c;
    if (accord_client_new(w->dir, 30000, &c)) { w->errors = w->n; return NULL; }
    for (int i = 0; i < w->n; i++) {
        double t0 = now_s();
        if (w->lines ? create_invoice(c, w, i) : create_customer(c, i, NULL, 0)) w->errors++;
        w->lat[i] = now_s() - t0;
    }
    accord_client_destroy(&c);
    return NULL;
}

static pid_t node_start(const char *build, const char *dir)
{
    char cmd[4300], sock[4200];
    pid_t pid = fork();
    if (pid == 0) {
        snprintf(cmd, sizeof cmd, "%s/accord-node", build);
        if (!freopen("/dev/null", "w", stderr)) _exit(127); /* its log lines would break up the figures */
        execl(cmd, cmd, "--data", dir, (char *)NULL);
        _exit(127);
    }
    snprintf(sock, sizeof sock, "%s/accord.sock", dir);
    for (int i = 0; i < 200 && access(sock, F_OK); i++) usleep(20000);
    return pid;
}

/* Stops the node; its peak RSS in KiB. */
static long node_stop(pid_t pid)
{
    char status[64], line[256];
    snprintf(status, sizeof status, "/proc/%d/status", (int)pid);
    long hwm_kb = 0;
    FILE *f = fopen(status, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) hwm_kb = atol(line + 6);
    if (f) fclose(f);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return hwm_kb;
}

/* The CPU time (user and system) process pid has used so far, in seconds. */
static double process_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the name in parentheses may hold spaces */
    unsigned long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return 0;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Keys in every table of the store in dir (opened read-only: the node may be running). */
static long store_keys(const char *dir)
{
    store_t *st;
    if (store_open(dir, STORE_RDONLY, &st)) return 0;
    store_txn_t *t;
    long n = 0;
    if (store_txn_begin(st, false, &t) == 0) {
        for (int tbl = 0; tbl < TBL_COUNT; tbl++) {
            store_iter_t *it;
            store_val_t k, v;
            if (store_iter_new(t, (store_table_t)tbl, NULL, 0, false, &it)) continue;
            while (store_iter_next(it, &k, &v) == 1) n++;
            store_iter_destroy(&it);
        }
        store_txn_abort(&t);
    }
    store_close(&st);
    return n;
}

/* Records of kind in the store in dir (read-only, as store_keys). */
static long store_kind_count(const char *dir, uint8_t kind)
{
    store_t *st;
    if (store_open(dir, STORE_RDONLY, &st)) return -1;
    store_txn_t *t;
    long n = -1;
    store_iter_t *it;
    if (store_txn_begin(st, false, &t) == 0) {
        if (store_iter_new(t, TBL_BYKIND, &kind, 1, false, &it) == 0) {
            store_val_t k, v;
            for (n = 0; store_iter_next(it, &k, &v) == 1;) n++;
            store_iter_destroy(&it);
        }
        store_txn_abort(&t);
    }
    store_close(&st);
    return n;
}

typedef struct {
    double rate;       /* requests/s, all clients together */
    double p50, p99;   /* seconds */
    int errors;
    long rss_kb;       /* the node's peak */
    long keys_added;   /* keys the requests added to the store */
    size_t n;          /* requests made */
    double node_cpu;   /* seconds of CPU the node spent on them: the machine is shared, the disk's
                        * waits are not in it */
} load_result_t;

/* clients threads, each with its own client, make per_client creates (customers, or
 * invoices of `lines` lines for a customer of their own made beforehand) through the
 * local API of a node started for it on dir. */
static load_result_t run_clients(const char *build, const char *dir, int clients, int per_client, int lines)
{
    char err[256];
    identity_create(dir, "bench", "branch", err, sizeof err);
    pid_t pid = node_start(build, dir);
    worker_t *w = calloc((size_t)clients, sizeof *w);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    double *lat = calloc((size_t)(clients * per_client), sizeof *lat);
    load_result_t res = {0};
    accord_client_t *c = NULL;
    if (lines) accord_client_new(dir, 30000, &c); /* without it, each invoice fails and counts */
    for (int i = 0; i < clients; i++) {
        w[i] = (worker_t){dir, per_client, lat + i * per_client, 0, lines, ""};
        if (c && create_customer(c, i, w[i].customer, sizeof w[i].customer))
            fprintf(stderr, "bench: cannot create the invoices' customer\n");
    }
    accord_client_destroy(&c);
    long keys_before = store_keys(dir);
    double cpu0 = process_cpu_s(pid), t0 = now_s();
    for (int i = 0; i < clients; i++) pthread_create(&th[i], NULL, create_worker, &w[i]);
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        res.errors += w[i].errors;
    }
    double dt = now_s() - t0;
    res.node_cpu = process_cpu_s(pid) - cpu0;
    size_t n = (size_t)(clients * per_client);
    res.rss_kb = node_stop(pid);
    res.keys_added = store_keys(dir) - keys_before;
    if (lines) { /* the store holds what the node said it made */
        long made = (long)n - res.errors, invoices = store_kind_count(dir, KIND_INVOICE),
             n_lines = store_kind_count(dir, KIND_LINE);
        if (invoices != made || n_lines != made * lines) {
            fprintf(stderr, "bench: %ld invoices and %ld lines made, the store holds %ld and %ld\n", made,
                    made * lines, invoices, n_lines);
            res.errors++;
        }
    }
    res.n = n;
    res.rate = (double)n / dt;
    res.p50 = pct(lat, n, 0.5);
    res.p99 = pct(lat, n, 0.99);
    free(w);
    free(th);
    free(lat);
    return res;
}

/* Durable customer creates beside the machine's durable 1-key commit rate of this run and
 * issue 14's target for them, a multiple of that rate; their rate, for the figures measured
 * against it. */
static load_result_t api_bench(const char *build, const char *dir, int clients, int per_client, double commit_rate,
                               double target)
{
    load_result_t r = run_clients(build, dir, clients, per_client, 0);
    printf("durable creates, %2d client%s: %8.0f creates/s  p50 %.2f ms  p99 %.2f ms  errors %d  node peak RSS %.1f MiB\n"
           "    = %.2fx the machine's %.0f durable 1-key commits/s (target >= %gx)\n",
           clients, clients > 1 ? "s" : " ", r.rate, r.p50 * 1e3, r.p99 * 1e3, r.errors, (double)r.rss_kb / 1024,
           commit_rate > 0 ? r.rate / commit_rate : 0, commit_rate, target);
    return r;
}

/* Durable invoices of `lines` lines (one transaction each: the invoice, its lines, its
 * number's counter), beside the same run's customer creates of as many clients (create)
 * and the machine's commit rate of as many random keys as one invoice added. */
static void invoice_bench(const char *build, const char *dir, int clients, int per_client, int lines,
                          const load_result_t *create)
{
    load_result_t r = run_clients(build, dir, clients, per_client, lines);
    long keys = r.keys_added / (long)r.n, create_keys = create->keys_added / (long)create->n;
    printf("durable invoices of %d lines, %2d client%s: %6.0f invoices/s = %6.0f records/s (%d each)  p50 %.2f ms  "
           "p99 %.2f ms  errors %d  node peak RSS %.1f MiB\n",
           lines, clients, clients > 1 ? "s" : " ", r.rate, r.rate * (lines + 1), lines + 1, r.p50 * 1e3, r.p99 * 1e3,
           r.errors, (double)r.rss_kb / 1024);
    char raw[4300];
    snprintf(raw, sizeof raw, "%s-raw", dir);
    mkdir(raw, 0700);
    double floor_rate = keys > 0 ? machine_commit_rate(raw, (int)keys) : 0;
    printf("    an invoice takes the time of %.1f customer creates of this run (%.0f/s, %d client%s); the node's CPU %.2f ms an invoice,\n"
           "    %.2f ms a create; it adds %ld keys to the store, a create %ld; the machine's durable commits of %ld\n"
           "    random keys: %.0f/s (%.2f ms)\n",
           r.rate > 0 ? create->rate / r.rate : 0, create->rate, clients, clients > 1 ? "s" : "",
           r.node_cpu / (double)r.n * 1e3, create->node_cpu / (double)create->n * 1e3, keys, create_keys, keys,
           floor_rate, floor_rate > 0 ? 1e3 / floor_rate : 0);
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
        store_txn_begin(st, true, &t);
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
        store_txn_begin(st, false, &t);
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
    /* its first start on the bulk store builds the index and the counters before it listens:
     * seconds for 100,000 customers on a loaded machine */
    double started = now_s();
    for (int i = 0; i < 3000 && access(sock, F_OK); i++) usleep(20000);
    printf("the node's first start on the bulk store (index and counters built): %.1f s\n", now_s() - started);
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

/* ---- 5. the branch app through HTTP ---- */

/* One customer's card as the app shows it: a contact, a deal, a task, a call and a note for
 * each of the first n customers, bulk-written like the customers. Their ids into card. */
static void add_card_records(const char *dir, unsigned n, uint8_t (*card)[ID_LEN])
{
    char err[256];
    store_t *st;
    identity_t *id;
    oplog_t *log;
    store_open(dir, 0, &st);
    identity_load(dir, st, &id, err, sizeof err);
    oplog_open(st, id, &log);
    store_txn_t *t;
    store_txn_begin(st, false, &t);
    uint8_t kind = KIND_CUSTOMER;
    store_iter_t *it;
    store_iter_new(t, TBL_BYKIND, &kind, 1, false, &it);
    store_val_t k, v;
    unsigned got = 0;
    while (got < n && store_iter_next(it, &k, &v) == 1) memcpy(card[got++], (const uint8_t *)k.data + 1, ID_LEN);
    store_iter_destroy(&it);
    store_txn_abort(&t);
    store_txn_begin(st, true, &t);
    for (unsigned i = 0; i < got; i++) {
        static const uint8_t kinds[] = {KIND_CONTACT, KIND_DEAL, KIND_TASK, KIND_INTERACTION, KIND_NOTE};
        static const uint8_t refs[] = {F_CO_CUSTOMER, F_DE_CUSTOMER, F_TA_RELATED, F_IN_CUSTOMER, F_NO_RELATED};
        static const uint8_t texts[] = {F_CO_NAME, F_DE_TITLE, F_TA_TITLE, F_IN_SUMMARY, F_NO_TEXT};
        for (unsigned j = 0; j < 5; j++) {
            record_t rec;
            memset(&rec, 0, offsetof(record_t, ops));
            crypto_random(rec.entity, ID_LEN);
            rec.kind = kinds[j];
            rec.author = "bulk";
            rec.author_len = 4;
            char text[64];
            snprintf(text, sizeof text, "card record %u of customer %u", j, i);
            rec.n_ops = 3;
            rec.ops[0] = (record_op_t){F_BRANCH, OP_SET, {VAL_STR, 0, "bulk", 4}, false, {0}};
            rec.ops[1] = (record_op_t){refs[j], OP_SET, {VAL_REF, 0, (const char *)card[i], ID_LEN}, false, {0}};
            rec.ops[2] = (record_op_t){texts[j], OP_SET, {VAL_STR, 0, text, strlen(text)}, false, {0}};
            if (oplog_append(log, t, &rec)) { fprintf(stderr, "card records: append failed\n"); exit(1); }
        }
        if (i % 200 == 199 || i + 1 == got) {
            oplog_seal(log, t);
            store_txn_commit(&t);
            oplog_commit_done(log);
            if (i + 1 < got) store_txn_begin(st, true, &t);
        }
    }
    /* what the node's start does to a store an older version indexed (index.h) */
    double t0 = now_s();
    uint64_t indexed;
    index_upgrade(st, &indexed);
    if (indexed == UINT64_MAX) /* the node's start in api_search built this version's index */
        printf("index rebuild: nothing to do, the node's first start on this store built it (the search through the "
               "local API above waited for that start)\n");
    else
        printf("index rebuild, as an upgrade from the older index does once at start: %.1f s for %llu records\n",
               now_s() - t0, (unsigned long long)indexed);
    oplog_destroy(&log);
    identity_destroy(&id);
    store_close(&st);
}

typedef struct {
    int fd;
    char cookie[128]; /* "accord_session=..." */
    char buf[1 << 20];
} http_conn_t;

static int http_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Sends one request on the kept-alive connection and reads the whole response; the status,
 * or -1. The response (headers and body) is in c->buf until the next. */
static int http_request(http_conn_t *c, const char *method, const char *path, const char *body)
{
    char req[8192];
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, c->cookie[0] ? "Cookie: " : "", c->cookie, c->cookie[0] ? "\r\n" : "",
                     body ? strlen(body) : 0, body ? body : "");
    if (n >= (int)sizeof req || write(c->fd, req, (size_t)n) != n) return -1;
    size_t got = 0;
    long want = -1;
    for (;;) {
        ssize_t r = read(c->fd, c->buf + got, sizeof c->buf - 1 - got);
        if (r <= 0) return -1;
        got += (size_t)r;
        c->buf[got] = 0;
        char *end = strstr(c->buf, "\r\n\r\n");
        if (!end) continue;
        if (want < 0) {
            const char *cl = strstr(c->buf, "\r\nContent-Length:");
            if (!cl || cl > end) return -1;
            want = (long)(end + 4 - c->buf) + atol(cl + 17);
        }
        if ((long)got >= want) break;
    }
    return atoi(c->buf + 9);
}

static void url_encode(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            out[n++] = (char)*p;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
    }
    out[n] = 0;
}

/* A GET's time in seconds; counts a status other than 200 as an error. A connection the
 * server closed is opened again (and that request timed with it, as a browser would). */
static double timed_get(http_conn_t *c, int port, const char *path, int *errors)
{
    double t0 = now_s();
    int st = http_request(c, "GET", path, NULL);
    if (st < 0) {
        close(c->fd);
        c->fd = http_connect(port);
        st = http_request(c, "GET", path, NULL);
    }
    if (st != 200) ++*errors;
    return now_s() - t0;
}

static void print_http_line(const char *what, double *lat, size_t n, int errors, bool target)
{
    printf("  %-72s p50 %6.2f ms  p99 %6.2f ms%s  (%zu requests, %d errors)\n", what, pct(lat, n, 0.5) * 1e3,
           pct(lat, n, 0.99) * 1e3, target ? "  target p99 <= 50 ms" : "", n, errors);
}

/* The branch app's three requests that must feel instant, through HTTP on a node holding
 * 100,000 customers (the bulk store), signed in as staff; one kept-alive connection, as a
 * browser's. */
static void http_app(const char *build, const char *dir, unsigned n_customers)
{
    enum { CARDS = 1000 };
    static uint8_t card[CARDS][ID_LEN];
    add_card_records(dir, CARDS, card);
    char cmd[8800];
    snprintf(cmd, sizeof cmd, "echo 'bench password 1' | '%s/accordctl' user add --data '%s' --name bench --role staff >/dev/null", build, dir);
    if (system(cmd)) { fprintf(stderr, "http bench: cannot add the user\n"); return; }
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    bind(probe, (struct sockaddr *)&a, sizeof a);
    getsockname(probe, (struct sockaddr *)&a, &alen);
    int port = ntohs(a.sin_port);
    close(probe);
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    pid_t pid = fork();
    if (pid == 0) {
        snprintf(cmd, sizeof cmd, "%s/accord-node", build);
        if (!freopen("/dev/null", "w", stderr)) _exit(127);
        execl(cmd, cmd, "--data", dir, "--http", port_s, (char *)NULL);
        _exit(127);
    }
    http_conn_t *c = calloc(1, sizeof *c);
    c->fd = -1;
    for (int i = 0; i < 600 && c->fd < 0; i++) {
        if ((c->fd = http_connect(port)) < 0) usleep(20000);
    }
    int st = c->fd < 0 ? -1 : http_request(c, "POST", "/login", "user=bench&password=bench+password+1");
    const char *sc = st == 303 ? strstr(c->buf, "Set-Cookie: ") : NULL;
    if (!sc) {
        fprintf(stderr, "http bench: cannot sign in (status %d)\n", st);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        free(c);
        return;
    }
    sc += 12;
    snprintf(c->cookie, sizeof c->cookie, "%.*s", (int)strcspn(sc, ";\r"), sc);
    close(c->fd); /* the login's 303 may close it */
    c->fd = http_connect(port);

    enum { FLOOR = 500, PAGES = 500, CARD_OPENS = 300, NAMES = 60 };
    static double lat[4000];
    char path[4096];
    int errors = 0;
    printf("the branch app through HTTP, %u customers on one node (one kept-alive connection, signed in):\n", n_customers);
    for (int i = 0; i < FLOOR; i++) lat[i] = timed_get(c, port, "/app.css", &errors);
    print_http_line("HTTP floor (GET /app.css, no API call)", lat, FLOOR, errors, false);

    errors = 0;
    srand(42);
    for (int i = 0; i < PAGES; i++) {
        snprintf(path, sizeof path, "/api/node/list?kind=customer&sort=name&limit=50&offset=%u",
                 (unsigned)rand() % (n_customers - 50));
        lat[i] = timed_get(c, port, path, &errors);
    }
    print_http_line("list page (sorted by name, 50 a page, random offsets, with total)", lat, PAGES, errors, true);

    /* search as you type: each name typed one character (not byte) at a time */
    errors = 0;
    size_t nq = 0;
    for (int i = 0; i < NAMES && nq < sizeof lat / sizeof lat[0] - 64; i++) {
        char name[64], prefix[64], enc[256];
        make_name((unsigned)rand() % n_customers, name, sizeof name);
        for (size_t len = 1; len <= strlen(name); len++) {
            if (((unsigned char)name[len] & 0xc0) == 0x80) continue; /* inside a character */
            memcpy(prefix, name, len);
            prefix[len] = 0;
            if (prefix[len - 1] == ' ') continue; /* a word typed, not yet the next */
            url_encode(prefix, enc, sizeof enc);
            snprintf(path, sizeof path, "/api/node/search?kind=customer&limit=20&q=%s", enc);
            lat[nq++] = timed_get(c, port, path, &errors);
        }
    }
    print_http_line("search as you type (prefixes of real names, 20 hits)", lat, nq, errors, true);

    /* a card: the record, its five lists and its history, one after the other */
    errors = 0;
    for (int i = 0; i < CARD_OPENS; i++) {
        char hex[2 * ID_LEN + 1];
        crypto_hex(card[(unsigned)rand() % CARDS], ID_LEN, hex);
        static const char *const lists[] = {"contact", "deal", "task", "interaction", "note"};
        double t0 = now_s();
        snprintf(path, sizeof path, "/api/node/get?id=%s", hex);
        timed_get(c, port, path, &errors);
        for (int j = 0; j < 5; j++) {
            snprintf(path, sizeof path, "/api/node/list?kind=%s&customer=%s", lists[j], hex);
            timed_get(c, port, path, &errors);
        }
        snprintf(path, sizeof path, "/api/node/history?id=%s", hex);
        timed_get(c, port, path, &errors);
        lat[i] = now_s() - t0;
    }
    print_http_line("card open (get + contacts, deals, tasks, calls, notes, history: 7 GETs)", lat, CARD_OPENS, errors, true);
    close(c->fd);
    free(c);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* ---- 6. the month's sales report over a million invoices ---- */

enum { REPORT_INVOICES = 1000000, REPORT_BRANCHES = 10, REPORT_TXN = 10000 };
#define YEAR_2025_S 1735689600LL /* 2025-01-01T00:00:00Z */

static void date_of_day(int day, char out[11])
{
    time_t t = (time_t)(YEAR_2025_S + (long long)day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Invoice i of the year: issued on a day of 2025 at one of 10 branches, due 30 days later,
 * in EUR (one in 8 in IRR), one in 20 cancelled, none, one or two payments on later days.
 * Every string lives in *buf, which the record points into. */
typedef struct {
    char branch[16], created[24], number[32], issued[11], due[11], pay[2][64];
} invoice_text_t;

static void invoice_record(unsigned i, record_t *rec, invoice_text_t *buf, const uint8_t origin[ID_LEN])
{
    unsigned r = (unsigned)rand();
    int day = (int)(i / REPORT_BRANCHES % 365), b = (int)(i % REPORT_BRANCHES); /* every branch, every day */
    memset(rec, 0, offsetof(record_t, ops));
    crypto_random(rec->entity, ID_LEN);
    memcpy(rec->origin, origin, ID_LEN);
    rec->seq = i + 1;
    rec->hlc = HLC_PACK((uint64_t)(YEAR_2025_S + day * 86400LL + 36000) * 1000, 0);
    rec->kind = KIND_INVOICE;
    rec->author = "bench";
    rec->author_len = 5;
    snprintf(buf->branch, sizeof buf->branch, "branch-%02d", b);
    date_of_day(day, buf->issued);
    date_of_day(day + 30, buf->due);
    snprintf(buf->created, sizeof buf->created, "%sT10:00:00Z", buf->issued);
    snprintf(buf->number, sizeof buf->number, "B%02d-2025-%06u", b, i / REPORT_BRANCHES + 1);
    const char *cur = r % 8 ? "EUR" : "IRR";
    int64_t total = r % 8 ? 1000 + (int64_t)(r % 500000) : 1000000LL * (1 + r % 900);
    record_op_t *op = rec->ops;
#define SET_STR(f, v) (*op++ = (record_op_t){(f), OP_SET, {VAL_STR, 0, (v), strlen(v)}, false, {0}})
    SET_STR(F_BRANCH, buf->branch);
    SET_STR(F_CREATED, buf->created);
    SET_STR(F_IV_NUMBER, buf->number);
    SET_STR(F_IV_ISSUED, buf->issued);
    SET_STR(F_IV_DUE, buf->due);
    SET_STR(F_IV_CURRENCY, cur);
    SET_STR(F_IV_STATUS, r % 20 ? "issued" : "cancelled");
#undef SET_STR
    *op++ = (record_op_t){F_IV_TOTAL, OP_SET, {VAL_INT, total, NULL, 0}, false, {0}};
    for (unsigned k = 0; k < (r >> 8) % 3; k++) { /* payments: half, then the rest, on later days */
        char date[11];
        date_of_day(day + 1 + (int)(k * 20 + (r >> 12) % 20), date);
        snprintf(buf->pay[k], sizeof buf->pay[k], "%s %lld %s %08x%08x", date, (long long)(k ? total - total / 2 : total / 2),
                 k ? "transfer" : "card", i, k);
        *op++ = (record_op_t){F_IV_PAYMENTS, OP_ADD, {VAL_STR, 0, buf->pay[k], strlen(buf->pay[k])}, false, {0}};
    }
    rec->n_ops = (uint32_t)(op - rec->ops);
}

/* The invoices through the apply path (merge_apply: state, history, indexes and counters),
 * REPORT_TXN a transaction, not fsynced (the fill is not what is measured). */
static double fill_invoices(store_t *st)
{
    uint8_t origin[ID_LEN];
    crypto_random(origin, ID_LEN);
    srand(16);
    static record_t rec;
    invoice_text_t buf;
    double t0 = now_s();
    for (unsigned i = 0; i < REPORT_INVOICES;) {
        store_txn_t *t;
        if (store_txn_begin(st, true, &t)) { fprintf(stderr, "report bench: cannot begin\n"); exit(1); }
        for (unsigned j = 0; j < REPORT_TXN && i < REPORT_INVOICES; j++, i++) {
            invoice_record(i, &rec, &buf, origin);
            if (merge_apply(t, &rec)) { fprintf(stderr, "report bench: invoice %u not applied\n", i); exit(1); }
        }
        if (i == REPORT_INVOICES && kpi_note_version(t)) exit(1);
        if (store_txn_commit(&t)) { fprintf(stderr, "report bench: cannot commit\n"); exit(1); }
    }
    return now_s() - t0;
}

/* Wall time of a command, best of n runs, in seconds. */
static double command_s(const char *cmd, int n)
{
    double best = 1e9;
    for (int i = 0; i < n; i++) {
        double t0 = now_s();
        if (system(cmd) != 0) { fprintf(stderr, "report bench: failed: %s\n", cmd); return -1; }
        double dt = now_s() - t0;
        if (dt < best) best = dt;
    }
    return best;
}

static void report_bench(const char *build, const char *work)
{
    char dir[4200], empty[4200], err[256];
    snprintf(dir, sizeof dir, "%s/invoices", work);
    snprintf(empty, sizeof empty, "%s/empty", work);
    if (identity_create(dir, "bench-hub", "hub", err, sizeof err) || identity_create(empty, "bench-empty", "hub", err, sizeof err)) {
        fprintf(stderr, "report bench: %s\n", err);
        return;
    }
    store_t *st;
    if (store_open(dir, STORE_NOSYNC, &st) || kpi_use_time_zone(st)) { fprintf(stderr, "report bench: cannot open\n"); return; }
    double fill = fill_invoices(st);
    uint64_t used, limit;
    store_usage(st, &used, &limit);
    uint32_t from, to, today = kpi_day_of_ms(st, hlc_wall_ms());
    report_period("2025-06", &from, &to);

    enum { RUNS = 20 };
    double lat[RUNS], floor_lat[RUNS];
    size_t keys = 0;
    report_t r;
    for (int i = 0; i < RUNS; i++) { /* the floor: every counter key read, nothing summed */
        store_txn_t *t;
        store_iter_t *it;
        store_val_t k, v;
        double t0 = now_s();
        store_txn_begin(st, false, &t);
        store_iter_new(t, TBL_KPI, NULL, 0, false, &it);
        for (keys = 0; store_iter_next(it, &k, &v) == 1; keys++) {}
        store_iter_destroy(&it);
        store_txn_abort(&t);
        floor_lat[i] = now_s() - t0;
    }
    int64_t issued = 0, eur_paid = 0;
    for (int i = 0; i < RUNS; i++) {
        store_txn_t *t;
        double t0 = now_s();
        if (store_txn_begin(st, false, &t) || report_branches(t, from, to, today, NULL, &r)) {
            fprintf(stderr, "report bench: report failed\n");
            exit(1);
        }
        store_txn_abort(&t);
        lat[i] = now_s() - t0;
        issued = eur_paid = 0;
        for (unsigned b = 0; b < r.n; b++) {
            issued += r.branches[b].invoices_issued;
            for (unsigned c = 0; c < r.branches[b].paid.n; c++)
                if (!strcmp(r.branches[b].paid.items[c].key, "EUR")) eur_paid += r.branches[b].paid.items[c].value;
        }
        report_free(&r);
    }
    store_close(&st);
    printf("month's sales report (invoiced, paid, outstanding, overdue per branch) over %u invoices of 2025 at %d branches,\n"
           "  filled through the apply path in %.0f s (%.0f invoices/s, store %.0f MiB, %zu counter keys):\n",
           REPORT_INVOICES, REPORT_BRANCHES, fill, REPORT_INVOICES / fill, (double)used / 1048576, keys);
    printf("  report_branches --period 2025-06 (%lld invoices issued, EUR %lld.%02lld paid): p50 %.2f ms, slowest of %d %.2f ms "
           "(target 100 ms)\n", (long long)issued, (long long)(eur_paid / 100), (long long)(eur_paid % 100),
           pct(lat, RUNS, 0.5) * 1e3, RUNS, pct(lat, RUNS, 1.0) * 1e3);
    printf("  floor, the same %zu keys read without summing: p50 %.2f ms\n", keys, pct(floor_lat, RUNS, 0.5) * 1e3);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "%s/accordctl --json report branches --data %s --period 2025-06 >/dev/null", build, dir);
    double full = command_s(cmd, 5);
    snprintf(cmd, sizeof cmd, "%s/accordctl --json report branches --data %s --period 2025-06 >/dev/null", build, empty);
    double bare = command_s(cmd, 5);
    printf("  accordctl --json report branches --period 2025-06 as a command: %.1f ms (best of 5); the same on an empty node "
           "(the command's start and the store's opening): %.1f ms\n", full * 1e3, bare * 1e3);
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: bench BUILD_DIR WORK_DIR\n"); return 1; }
    crypto_init();
    signal(SIGPIPE, SIG_IGN); /* a closed HTTP connection is an error to count, not the end */
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[4200];
    const char *work = argv[2];
    printf("Accord benchmark on %ld cores\n", sysconf(_SC_NPROCESSORS_ONLN));
    if (getenv("BENCH_APP")) { /* only the branch app's figures (5), on the 100,000 of 4 */
        snprintf(dir, sizeof dir, "%s/bulk", work);
        bulk_and_search(dir, 100000);
        http_app(argv[1], dir, 100000);
        return 0;
    }
    if (getenv("BENCH_REPORT")) { /* only the sales report's figure (6) */
        report_bench(argv[1], work);
        return 0;
    }
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
    load_result_t create1 = api_bench(argv[1], dir, 1, 3000, c1, 0.7);
    snprintf(dir, sizeof dir, "%s/api16", work);
    load_result_t create16 = api_bench(argv[1], dir, 16, 1500, c1, 8);
    snprintf(dir, sizeof dir, "%s/invoice1", work);
    invoice_bench(argv[1], dir, 1, 500, 10, &create1);
    snprintf(dir, sizeof dir, "%s/invoice16", work);
    invoice_bench(argv[1], dir, 16, 100, 10, &create16);
    if (getenv("BENCH_INVOICE")) return 0;
    snprintf(dir, sizeof dir, "%s/bulk", work);
    bulk_and_search(dir, 100000);
    api_search(argv[1], dir);
    http_app(argv[1], dir, 100000);
    report_bench(argv[1], work);
    return 0;
}
