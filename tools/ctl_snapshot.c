/* SPDX-License-Identifier: MIT
 * accordctl snapshot install / show: starting a new node from a hub's signed snapshot
 * (written by compaction) instead of every record ever written, and checking one. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "proto/datadir.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/record.h"
#include "ops/snapshot_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_snapshot(const char *path, const snapshot_info_t *info, const char *verb, bool json)
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

int ctl_snapshot_install(const ctl_args_t *a)
{
    const char *dir = a->dir, *path = a->pos[0];
    bool replace = ctl_flag(a, "replace");
    if (!dir || !path) {
        fprintf(stderr, "usage: accordctl snapshot install --data DIR [--replace] FILE\n");
        return ACCORD_EXIT_USAGE;
    }
    int lock_fd = -1, rc;
    if (replace && (rc = ctl_lock_stopped_node(dir, "before replacing its data", &lock_fd))) return rc;
    store_t *st = NULL;
    identity_t *id = NULL;
    if ((rc = ctl_open_node_writable(dir, &st, &id))) {
        if (lock_fd >= 0) close(lock_fd);
        return rc;
    }
    snapshot_info_t info;
    rc = replace ? snapshot_install_replacing(st, path, &info) : snapshot_install(st, path, NULL, &info, NULL, NULL);
    int exit_code = ACCORD_EXIT_OK;
    if (rc) {
        fprintf(stderr, "accordctl: %s; nothing was installed\n", info.why[0] ? info.why : accord_strerror(rc));
        exit_code = rc == ACCORD_EIO ? ACCORD_EXIT_UNREACHABLE : rc == ACCORD_EEXISTS ? ACCORD_EXIT_OTHER : ACCORD_EXIT_REFUSED;
    } else {
        /* kept beside the store: check re-derives the state from it */
        char to[4200];
        datadir_path(dir, DATADIR_SNAPSHOT, to, sizeof to);
        FILE *in = fopen(path, "rb"), *out = strcmp(path, to) ? fopen(to, "wb") : NULL;
        if (in && out) {
            char buf[65536];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, in)) > 0)
                if (fwrite(buf, 1, n, out) != n) break;
            if (ferror(in) || fflush(out) || fsync(fileno(out))) exit_code = ACCORD_EXIT_OTHER;
        }
        if (in) fclose(in);
        if (out && fclose(out)) exit_code = ACCORD_EXIT_OTHER;
        if (exit_code) fprintf(stderr, "accordctl: installed, but cannot keep a copy at %s: %s\n", to, strerror(errno));
        print_snapshot(path, &info, "installed", a->json);
    }
    snapshot_info_free(&info);
    identity_destroy(&id);
    store_close(&st);
    if (lock_fd >= 0) close(lock_fd);
    return exit_code;
}

/* Reads the whole file (the signature is checked at its end) without a store. */
int ctl_snapshot_show(const ctl_args_t *a)
{
    const char *path = a->pos[0];
    if (!path) {
        fprintf(stderr, "usage: accordctl snapshot show FILE\n");
        return ACCORD_EXIT_USAGE;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "accordctl: cannot open %s: %s\n", path, strerror(errno));
        return ACCORD_EXIT_UNREACHABLE;
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
        return ACCORD_EXIT_REFUSED;
    }
    print_snapshot(path, &info, "snapshot", a->json);
    snapshot_info_free(&info);
    return ACCORD_EXIT_OK;
}
