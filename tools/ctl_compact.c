/* SPDX-License-Identifier: MIT
 * accordctl compact, horizon and snapshot: freeing what every node has, and starting a
 * new node from a hub's snapshot instead of every record ever written. */
#define _POSIX_C_SOURCE 200809L
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "ops/compact.h"
#include "repl/horizon.h"
#include "ops/snapshot_io.h"

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

static void print_horizon(const horizon_t *h)
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
    int rc = store_txn_begin(st, NULL, false, &t);
    if (!rc) {
        rc = horizon_compute(t, id->origin, h);
        store_txn_abort(&t);
    }
    if (rc) fprintf(stderr, "accordctl: cannot compute the horizon: %s\n", accord_strerror(rc));
    return rc;
}

int horizon_cmd(const char *dir)
{
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = open_node(dir, &st, &id);
    if (rc) return rc;
    horizon_t h;
    if (!(rc = load_horizon(st, id, &h))) {
        if (json) printf("{");
        print_horizon(&h);
        if (json) printf("}\n");
        horizon_free(&h);
    }
    identity_destroy(&id);
    store_close(&st);
    return rc ? 4 : 0;
}

int compact_cmd(int argc, char **argv, const char *dir)
{
    bool dry_run = has_flag(argc, argv, "--dry-run");
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = open_node_writable(dir, &st, &id);
    if (rc) return rc;
    horizon_t h;
    if ((rc = load_horizon(st, id, &h))) {
        identity_destroy(&id);
        store_close(&st);
        return 4;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, SNAPSHOT_FILE);
    compact_report_t rep;
    rc = compact_run(st, id, &h, dry_run, path, &rep, progress, NULL);
    if (isatty(2)) fputc('\n', stderr);
    bool told = !rc && !dry_run && tell_node_reload(dir); /* it must stop offering purged records */
    int exit_code = 0;
    if (rc) {
        fprintf(stderr, "accordctl: compaction stopped: %s%s%s; what it removed lies behind the horizon, "
                        "and running it again finishes the job\n",
                accord_strerror(rc), rep.snapshot.why[0] ? ": " : "", rep.snapshot.why);
        exit_code = 4;
    } else if (json) {
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
        print_horizon(&h);
        printf("}\n");
    } else {
        print_horizon(&h);
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

static void print_snapshot(const char *path, const snapshot_info_t *info, const char *verb)
{
    char signer[65];
    crypto_hex(info->signer, 32, signer);
    if (json) {
        printf("{\"file\":");
        output_json_string(stdout, path);
        printf(",\"signer\":\"%s\",\"created_ms\":%llu,\"rows\":%llu,\"feeds\":[", signer,
               (unsigned long long)info->created_ms, (unsigned long long)info->rows);
        for (uint32_t i = 0; i < info->n_feeds; i++) {
            char hex[2 * ID_LEN + 1];
            crypto_hex(info->feeds[i].origin, ID_LEN, hex);
            printf("%s{\"origin\":\"%s\",\"seq\":%llu}", i ? "," : "", hex, (unsigned long long)info->feeds[i].seq);
        }
        printf("]}\n");
        return;
    }
    printf("%s %s: signed by %.16s..., %llu rows, %u feeds\n", verb, path, signer, (unsigned long long)info->rows,
           info->n_feeds);
    for (uint32_t i = 0; i < info->n_feeds; i++) {
        char hex[2 * ID_LEN + 1];
        crypto_hex(info->feeds[i].origin, ID_LEN, hex);
        printf("  feed %.12s at seq %llu\n", hex, (unsigned long long)info->feeds[i].seq);
    }
}

static int install_cmd(int argc, char **argv, const char *dir)
{
    const char *path = sole_argument(argc, argv, 3);
    bool replace = has_flag(argc, argv, "--replace");
    if (!dir || !path) {
        fprintf(stderr, "usage: accordctl snapshot install --data DIR [--replace] FILE\n");
        return 1;
    }
    if (replace && node_running(dir)) {
        fprintf(stderr, "accordctl: the node in %s is running: stop it before replacing its data\n", dir);
        return 4;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = open_node_writable(dir, &st, &id);
    if (rc) return rc;
    snapshot_info_t info;
    rc = replace ? snapshot_install_replacing(st, path, &info) : snapshot_install(st, path, NULL, &info, NULL, NULL);
    int exit_code = 0;
    if (rc) {
        fprintf(stderr, "accordctl: %s; nothing was installed\n", info.why[0] ? info.why : accord_strerror(rc));
        exit_code = rc == ACCORD_EIO ? 3 : rc == ACCORD_EEXISTS ? 4 : 2;
    } else {
        /* kept beside the store: check re-derives the state from it */
        char to[4200];
        snprintf(to, sizeof to, "%s/%s", dir, SNAPSHOT_FILE);
        FILE *in = fopen(path, "rb"), *out = strcmp(path, to) ? fopen(to, "wb") : NULL;
        if (in && out) {
            char buf[65536];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, in)) > 0)
                if (fwrite(buf, 1, n, out) != n) break;
            if (ferror(in) || fflush(out) || fsync(fileno(out))) exit_code = 4;
        }
        if (in) fclose(in);
        if (out && fclose(out)) exit_code = 4;
        if (exit_code) fprintf(stderr, "accordctl: installed, but cannot keep a copy at %s: %s\n", to, strerror(errno));
        print_snapshot(path, &info, "installed");
    }
    snapshot_info_free(&info);
    identity_destroy(&id);
    store_close(&st);
    return exit_code;
}

/* Reads the whole file (the signature is checked at its end) without a store. */
static int show_cmd(int argc, char **argv)
{
    const char *path = sole_argument(argc, argv, 3);
    if (!path) {
        fprintf(stderr, "usage: accordctl snapshot show FILE\n");
        return 1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "accordctl: cannot open %s: %s\n", path, strerror(errno));
        return 3;
    }
    snapshot_info_t info;
    memset(&info, 0, sizeof info);
    snapshot_reader_t *r = NULL;
    snap_frame_t fr;
    int rc = snapshot_reader_open(f, &r, &fr);
    if (!rc) {
        memcpy(info.signer, fr.signer, 32);
        info.created_ms = fr.created_ms;
        while ((rc = snapshot_read(r, &fr)) == 1) {
            if (fr.kind == SNAP_ROW) info.rows++;
            if (fr.kind == SNAP_FEED && info.n_feeds < 64) {
                if (!info.feeds && !(info.feeds = calloc(64, sizeof *info.feeds))) abort();
                memcpy(info.feeds[info.n_feeds].origin, fr.origin, ID_LEN);
                info.feeds[info.n_feeds++].seq = fr.seq;
            }
        }
    }
    long at = r ? snapshot_offset(r) : 0;
    snapshot_reader_close(&r);
    fclose(f);
    if (rc) {
        fprintf(stderr, "accordctl: %s, at byte %ld: %s\n", path, at,
                rc == ACCORD_ESIG ? "its signature does not verify: the file was changed or damaged"
                                  : "it is truncated, malformed or not a snapshot");
        snapshot_info_free(&info);
        return 2;
    }
    print_snapshot(path, &info, "snapshot");
    snapshot_info_free(&info);
    return 0;
}

int snapshot_cmd(int argc, char **argv, const char *dir, const char *verb)
{
    if (!strcmp(verb, "install")) return install_cmd(argc, argv, dir);
    if (!strcmp(verb, "show")) return show_cmd(argc, argv);
    fprintf(stderr, "accordctl: snapshot takes install or show (see 'accordctl --help')\n");
    return 1;
}
