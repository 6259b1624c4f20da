/* SPDX-License-Identifier: MIT
 * make bench's hub for pg-sync (bench/pgsync_bench.sh): appends N records to the feed of
 * the node in DIR (made with accordctl node init), written as its API writes them, 1,000
 * a transaction, not fsynced (the fill is not what is measured). The mix: one record in
 * ten a new customer (name, phone, city, two tags, created), one in ten a new deal of one
 * of them (title, amount in EUR, stage, a tag, created), the rest one-field edits of a
 * customer made before (city) or a deal (amount). Usage: accord-pg-fill DIR N */
#define _POSIX_C_SOURCE 200809L
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "proto/timeid.h"
#include "auth/identity.h"
#include "feed/oplog.h"
#include "state/entity.h"
#include "state/kpi.h"
#include "state/digest.h"
#include "store/store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what)
{
    fprintf(stderr, "accord-pg-fill: %s\n", what);
    exit(1);
}

static record_op_t set_str(unsigned field, const char *s)
{
    return (record_op_t){(uint8_t)field, OP_SET, {VAL_STR, 0, s, strlen(s)}, false, {0}};
}

static record_op_t set_int(unsigned field, int64_t v)
{
    return (record_op_t){(uint8_t)field, OP_SET, {VAL_INT, v, NULL, 0}, false, {0}};
}

static record_op_t add_str(unsigned field, const char *s)
{
    return (record_op_t){(uint8_t)field, OP_ADD, {VAL_STR, 0, s, strlen(s)}, false, {0}};
}

/* An edit's base: the version the writer saw, as the API sets it. */
static void with_base(store_txn_t *t, record_t *rec)
{
    field_state_t f;
    if (entity_get(t, rec->entity, rec->ops[0].field, &f) == 0) {
        rec->ops[0].has_base = true;
        memcpy(rec->ops[0].base, f.version, VERSION_LEN);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) die("usage: accord-pg-fill DIR N");
    if (crypto_init()) die("cannot start libsodium");
    const char *dir = argv[1];
    unsigned long n = strtoul(argv[2], NULL, 10);
    char err[256];
    store_t *st;
    identity_t *id;
    oplog_t *log;
    if (store_open(dir, STORE_NOSYNC, &st) || kpi_use_time_zone(st) || identity_load(dir, st, &id, err, sizeof err) ||
        oplog_open(st, id, &log))
        die("cannot open the node (accordctl node init --data DIR first)");
    digest_keep(st);
    uint8_t (*customers)[ID_LEN] = malloc((n / 10 + 1) * ID_LEN), (*deals)[ID_LEN] = malloc((n / 10 + 1) * ID_LEN);
    unsigned n_customers = 0, n_deals = 0;
    timeid_clock_t clock = {0, 0};
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    srand(7);
    for (unsigned long i = 0; i < n;) {
        store_txn_t *t;
        if (store_txn_begin(st, true, &t)) die("cannot begin a transaction");
        for (unsigned j = 0; j < 1000 && i < n; j++, i++) {
            record_t rec;
            memset(&rec, 0, offsetof(record_t, ops));
            rec.author = "bench";
            rec.author_len = 5;
            char name[64], phone[24], city[32], title[64], tag[16];
            snprintf(city, sizeof city, "City %lu", i % 997);
            snprintf(tag, sizeof tag, "t%lu", i % 7);
            uint8_t random[8];
            if (i % 10 == 0 || n_customers == 0) {
                rec.kind = KIND_CUSTOMER;
                crypto_random(random, sizeof random);
                timeid_make(&clock, hlc_wall_ms(), random, rec.entity);
                memcpy(customers[n_customers++], rec.entity, ID_LEN);
                snprintf(name, sizeof name, "Customer %lu", i);
                snprintf(phone, sizeof phone, "+98912%07lu", i % 10000000);
                rec.ops[0] = set_str(F_BRANCH, id->name);
                rec.ops[1] = set_str(F_CREATED, created);
                rec.ops[2] = set_str(F_CU_NAME, name);
                rec.ops[3] = add_str(F_CU_PHONES, phone);
                rec.ops[4] = set_str(F_CU_CITY, city);
                rec.ops[5] = add_str(F_CU_TAGS, tag);
                rec.ops[6] = add_str(F_CU_TAGS, "bench");
                rec.n_ops = 7;
            } else if (i % 10 == 1) {
                rec.kind = KIND_DEAL;
                crypto_random(random, sizeof random);
                timeid_make(&clock, hlc_wall_ms(), random, rec.entity);
                memcpy(deals[n_deals++], rec.entity, ID_LEN);
                snprintf(title, sizeof title, "Deal %lu", i);
                rec.ops[0] = set_str(F_BRANCH, id->name);
                rec.ops[1] = set_str(F_CREATED, created);
                rec.ops[2] = (record_op_t){F_DE_CUSTOMER, OP_SET,
                                           {VAL_REF, 0, (const char *)customers[(unsigned)rand() % n_customers], ID_LEN},
                                           false, {0}};
                rec.ops[3] = set_str(F_DE_TITLE, title);
                rec.ops[4] = set_int(F_DE_AMOUNT, (int64_t)(i % 100000) * 100 + 50);
                rec.ops[5] = set_str(F_DE_CURRENCY, "EUR");
                rec.ops[6] = set_str(F_DE_STAGE, "Lead");
                rec.ops[7] = add_str(F_DE_TAGS, tag);
                rec.n_ops = 8;
            } else if (i % 2 == 0 || n_deals == 0) {
                rec.kind = KIND_CUSTOMER;
                memcpy(rec.entity, customers[(unsigned)rand() % n_customers], ID_LEN);
                rec.ops[0] = set_str(F_CU_CITY, city);
                rec.n_ops = 1;
                with_base(t, &rec);
            } else {
                rec.kind = KIND_DEAL;
                memcpy(rec.entity, deals[(unsigned)rand() % n_deals], ID_LEN);
                rec.ops[0] = set_int(F_DE_AMOUNT, (int64_t)(i % 50000) * 100);
                rec.n_ops = 1;
                with_base(t, &rec);
            }
            if (oplog_append(log, t, &rec)) die("cannot append a record");
        }
        if (oplog_seal(log, t) || store_txn_commit(&t)) die("cannot commit");
        oplog_commit_done(log);
    }
    printf("%lu\n", n);
    free(customers);
    free(deals);
    oplog_destroy(&log);
    identity_destroy(&id);
    store_close(&st);
    return 0;
}
