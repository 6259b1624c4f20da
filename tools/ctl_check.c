/* SPDX-License-Identifier: MIT
 * accordctl check [--repair]: every feed verified, the state derived again from the feeds
 * (in a scratch store) and compared key by key with the stored state and indexes, and
 * the state digest the store keeps with one computed from the stored state;
 * --repair replaces the stored state, with the node stopped (ops/check.h). */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "proto/datadir.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "ops/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static void check_progress(void *ctx, const char *stage, uint64_t done)
{
    (void)ctx;
    if (isatty(2)) fprintf(stderr, "\r%s... %llu records   ", stage, (unsigned long long)done);
}

static void print_check(const char *name, int rc, const check_report_t *rep, bool repaired, bool json)
{
    if (isatty(2)) fputc('\n', stderr);
    if (json) {
        printf("{\"ok\":%s,\"repaired\":%s,\"feeds\":%u,\"feeds_without_key\":%u,\"feeds_damaged\":%u,"
               "\"records\":%llu,\"missing\":%llu,\"extra\":%llu,\"differ\":%llu,\"counters_not_compared\":%s,"
               "\"index_not_compared\":%s,\"invoice_number_clashes\":%u,\"digest_not_kept\":%s,"
               "\"digest_buckets_differ\":%u,\"digest_records_differ\":%llu,\"error\":\"%s\",\"examples\":[",
               rc ? "false" : "true", repaired ? "true" : "false", rep->feeds, rep->feeds_unsigned, rep->feeds_bad,
               (unsigned long long)rep->records, (unsigned long long)rep->missing, (unsigned long long)rep->extra,
               (unsigned long long)rep->differ, rep->kpi_stale ? "true" : "false", rep->index_stale ? "true" : "false",
               rep->invoice_clashes, rep->digest_unkept ? "true" : "false", rep->digest_buckets_differ,
               (unsigned long long)rep->digest_records_differ, rc ? accord_errname(rc) : "");
        for (unsigned i = 0; i < rep->n_examples; i++) {
            if (i) putchar(',');
            output_json_string(stdout, rep->examples[i]);
        }
        printf("]}\n");
        return;
    }
    printf("%s: %u feeds (%u checked without a key), %llu records\n", name, rep->feeds, rep->feeds_unsigned,
           (unsigned long long)rep->records);
    if (rep->index_stale)
        printf("search and list index not compared: an older version of accord built it; the node rebuilds it when "
               "it next starts (or run 'accordctl check --repair' with the node stopped)\n");
    if (rep->kpi_stale)
        printf("report counters not compared: an older version of accord made them; the node rebuilds them when it "
               "next starts (or run 'accordctl check --repair' with the node stopped)\n");
    if (rep->digest_unkept)
        printf("state digest not compared: this store keeps none yet (an older version of accord wrote it); the "
               "node computes it when it next starts\n");
    if (rep->invoice_clashes)
        printf("WARNING: %u invoice number(s) held by more than one invoice: two branches have the same invoice "
               "prefix; give each its own (accord-node --invoice-prefix) the local API's clashes verb lists them (docs/SALES.md)\n",
               rep->invoice_clashes);
    if (rc == 0) {
        printf(repaired ? "state rebuilt from the feeds\n" : "sound: the stored state and indexes are what the feeds give\n");
        return;
    }
    if (rep->feeds_bad) printf("%u feed(s) DAMAGED: run 'accordctl feed verify'; state is not rebuilt from a damaged feed\n", rep->feeds_bad);
    if (rep->missing || rep->extra || rep->differ)
        printf("state DIFFERS from the feeds: %llu keys missing, %llu extra, %llu different; "
               "fix with 'accordctl check --repair' (node stopped)\n",
               (unsigned long long)rep->missing, (unsigned long long)rep->extra, (unsigned long long)rep->differ);
    if (rep->digest_buckets_differ || rep->digest_records_differ)
        printf("the kept state DIGEST DIFFERS from the stored state: %u of 256 bucket sums, %llu record digests "
               "('accordctl digest' and 'verify' report it, or will after the next change); fix with "
               "'accordctl check --repair' (node stopped)\n",
               rep->digest_buckets_differ, (unsigned long long)rep->digest_records_differ);
    for (unsigned i = 0; i < rep->n_examples; i++) printf("  %s\n", rep->examples[i]);
    if (!rep->feeds_bad && !rep->missing && !rep->extra && !rep->differ && !rep->digest_buckets_differ &&
        !rep->digest_records_differ)
        printf("check failed: %s\n", accord_strerror(rc));
}


/* Derives the state again in a scratch store under /tmp and compares. */
static int check_in_scratch(store_t *st, const identity_t *id, check_report_t *rep)
{
    char scratch[] = "/tmp/accord-check-XXXXXX";
    if (!mkdtemp(scratch)) {
        fprintf(stderr, "accordctl: cannot make a scratch directory in /tmp: %s\n", strerror(errno));
        return ACCORD_EIO;
    }
    int rc = check_store(st, id, scratch, rep, check_progress, NULL);
    char path[64];
    datadir_path(scratch, DATADIR_STORE, path, sizeof path);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", scratch);
    unlink(path);
    rmdir(scratch);
    return rc;
}

int ctl_check(const ctl_args_t *a)
{
    const char *dir = a->dir;
    bool repair = ctl_flag(a, "repair");
    if (!dir) {
        fprintf(stderr, "usage: accordctl check --data DIR [--repair]\n");
        return ACCORD_EXIT_USAGE;
    }
    int lock_fd = -1;
    /* the node keeps its feed head in memory: it must not run meanwhile */
    /* the node keeps its feed head in memory: it must not run meanwhile */
    if (repair && ctl_lock_stopped_node(dir, "before --repair", &lock_fd)) return ACCORD_EXIT_UNREACHABLE;
    store_t *st = NULL;
    identity_t *id = NULL;
    char err[512];
    int rc = store_open(dir, repair ? 0 : STORE_RDONLY, &st);
    if (rc) {
        ctl_say_store_error(dir, rc);
        if (lock_fd >= 0) close(lock_fd);
        return ACCORD_EXIT_UNREACHABLE;
    }
    if ((rc = identity_load(dir, st, &id, err, sizeof err)) || !ctl_store_upgraded(st, dir)) {
        if (rc) fprintf(stderr, "accordctl: %s\n", err);
        identity_destroy(&id);
        store_close(&st);
        if (lock_fd >= 0) close(lock_fd);
        return ACCORD_EXIT_UNREACHABLE;
    }
    check_report_t rep;
    if (repair) {
        rc = check_repair(st, id, &rep, check_progress, NULL);
    } else {
        rc = check_in_scratch(st, id, &rep);
    }
    print_check(id->name, rc, &rep, repair && rc == 0, a->json);
    identity_destroy(&id);
    store_close(&st);
    if (lock_fd >= 0) close(lock_fd);
    return rc == 0 ? ACCORD_EXIT_OK
           : (rc == ACCORD_ESTORE || rc == ACCORD_ECHAIN || rc == ACCORD_ESIG || rc == ACCORD_EPROTO) ? ACCORD_EXIT_REFUSED
                                                                                             : ACCORD_EXIT_OTHER;
}

