/* SPDX-License-Identifier: MIT
 * accordctl compact and horizon: freeing what every node has acknowledged, and which node
 * holds that back. The snapshot compaction writes is installed by ctl_snapshot.c. */
#define _POSIX_C_SOURCE 200809L
#include "client/output.h"
#include "proto/datadir.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "ops/compact.h"
#include "ops/horizon.h"
#include "ops/snapshot_io.h" /* snapshot_info_free */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static double mib(uint64_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0);
}

static void progress(void *ctx, const char *stage, uint64_t done)
{
    (void)ctx;
    if (isatty(2)) fprintf(stderr, "\r%s: %llu...        ", stage, (unsigned long long)done);
}

static void print_horizon(const horizon_t *h, bool json)
{
    if (json) {
        printf("\"nodes\":%u,\"feeds\":[", h->nodes);
        for (uint32_t i = 0; i < h->n; i++) {
            char hex[2 * ID_LEN + 1];
            crypto_hex(h->feeds[i].origin, ID_LEN, hex);
            printf("%s{\"origin\":\"%s\",\"held\":%llu,\"horizon\":%llu,\"held_back_by\":", i ? "," : "", hex,
                   (unsigned long long)h->feeds[i].head, (unsigned long long)h->feeds[i].seq);
            output_json_string(stdout, h->feeds[i].held_by);
            printf("}");
        }
        printf("]");
        return;
    }
    printf("horizon over %u enrolled nodes:\n%-14s %10s %10s  %s\n", h->nodes, "FEED", "HELD", "HORIZON",
           "HELD BACK BY");
    for (uint32_t i = 0; i < h->n; i++) {
        char hex[2 * ID_LEN + 1];
        crypto_hex(h->feeds[i].origin, ID_LEN, hex);
        printf("%-14.12s %10llu %10llu  %s\n", hex, (unsigned long long)h->feeds[i].head,
               (unsigned long long)h->feeds[i].seq, h->feeds[i].held_by[0] ? h->feeds[i].held_by : "-");
    }
}

static int load_horizon(store_t *st, const identity_t *id, horizon_t *h)
{
    store_txn_t *t;
    int rc = store_txn_begin(st, false, &t);
    if (!rc) {
        rc = horizon_compute(t, id->origin, h);
        store_txn_abort(&t);
    }
    if (rc) fprintf(stderr, "accordctl: cannot compute the horizon: %s\n", accord_strerror(rc));
    return rc;
}

int ctl_horizon(const ctl_args_t *a)
{
    const char *dir = a->dir;
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(dir, &st, &id);
    if (rc) return rc;
    horizon_t h;
    if (!(rc = load_horizon(st, id, &h))) {
        if (a->json) printf("{");
        print_horizon(&h, a->json);
        if (a->json) printf("}\n");
        horizon_free(&h);
    }
    identity_destroy(&id);
    store_close(&st);
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

int ctl_compact(const ctl_args_t *a)
{
    const char *dir = a->dir;
    bool dry_run = ctl_flag(a, "dry-run");
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node_writable(dir, &st, &id);
    if (rc) return rc;
    horizon_t h;
    if ((rc = load_horizon(st, id, &h))) {
        identity_destroy(&id);
        store_close(&st);
        return ACCORD_EXIT_OTHER;
    }
    char path[4200];
    datadir_path(dir, DATADIR_SNAPSHOT, path, sizeof path);
    compact_report_t rep;
    rc = compact_run(st, id, &h, dry_run, path, &rep, progress, NULL);
    if (isatty(2)) fputc('\n', stderr);
    bool told = !rc && !dry_run && ctl_tell_node_reload(dir); /* it must stop offering purged records */
    int exit_code = ACCORD_EXIT_OK;
    if (rc) {
        fprintf(stderr, "accordctl: compaction stopped: %s%s%s; what it removed lies behind the horizon, "
                        "and running it again finishes the job\n",
                accord_strerror(rc), rep.snapshot.why[0] ? ": " : "", rep.snapshot.why);
        exit_code = ACCORD_EXIT_OTHER;
    } else if (a->json) {
        printf("{\"dry_run\":%s,\"tombstones_purged\":%llu,\"state_rows_purged\":%llu,\"records_purged\":%llu,"
               "\"checkpoints_purged\":%llu,\"history_purged\":%llu,\"feeds_cut\":%u,\"freed_bytes\":%llu,"
               "\"free_bytes\":%llu,\"snapshot\":",
               dry_run ? "true" : "false", (unsigned long long)rep.entities, (unsigned long long)rep.rows,
               (unsigned long long)rep.records, (unsigned long long)rep.checkpoints, (unsigned long long)rep.history,
               rep.feeds_cut,
               (unsigned long long)(rep.free_after > rep.free_before ? rep.free_after - rep.free_before : 0),
               (unsigned long long)rep.free_after);
        if (dry_run) printf("null");
        else {
            printf("{\"path\":");
            output_json_string(stdout, path);
            printf(",\"rows\":%llu,\"bytes\":%llu}", (unsigned long long)rep.snapshot.rows,
                   (unsigned long long)rep.snapshot.bytes);
        }
        printf(",\"node_told\":%s,", told ? "true" : "false");
        print_horizon(&h, true);
        printf("}\n");
    } else {
        print_horizon(&h, false);
        printf("%s %llu deleted records to graves (%llu rows), %llu feed records with %llu checkpoints and "
               "%llu history entries from %u feeds\n",
               dry_run ? "would reduce" : "reduced", (unsigned long long)rep.entities, (unsigned long long)rep.rows,
               (unsigned long long)rep.records, (unsigned long long)rep.checkpoints, (unsigned long long)rep.history,
               rep.feeds_cut);
        if (!dry_run) {
            printf("freed %.1f MiB inside the store (free now: %.1f MiB); LMDB reuses it before the file grows,\n"
                   "and 'accordctl backup' writes a compact copy\n",
                   mib(rep.free_after > rep.free_before ? rep.free_after - rep.free_before : 0), mib(rep.free_after));
            printf("wrote the snapshot %s (%llu rows, %.1f MiB): new nodes start from it with "
                   "'accordctl snapshot install'%s\n",
                   path, (unsigned long long)rep.snapshot.rows, mib(rep.snapshot.bytes),
                   told ? "; the running node was told" : "");
        }
    }
    horizon_free(&h);
    snapshot_info_free(&rep.snapshot);
    identity_destroy(&id);
    store_close(&st);
    return exit_code;
}
