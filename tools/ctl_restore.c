/* SPDX-License-Identifier: MIT
 * accordctl restore: puts a backup (accordctl backup) back as a node directory, marked so
 * that the node accepts no change before it has fetched its own newest records from the
 * hub (server/rejoin.h): a restore never forks the node's feed. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "proto/datadir.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "repl/rejoin.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = -1, rc = 0;
    if (in < 0) return ACCORD_EIO;
    out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (out < 0) rc = ACCORD_EIO;
    enum { BUF_LEN = 1 << 16 };
    char *buf = malloc(BUF_LEN);
    if (!buf) abort();
    ssize_t n = 0;
    while (!rc && (n = read(in, buf, BUF_LEN)) > 0)
        if (write(out, buf, (size_t)n) != n) rc = errno == ENOSPC ? ACCORD_EFULL : ACCORD_EIO;
    free(buf);
    if (!rc && n < 0) rc = ACCORD_EIO;
    if (!rc && fsync(out)) rc = ACCORD_EIO;
    close(in);
    if (out >= 0) close(out);
    return rc;
}

int ctl_restore(const ctl_args_t *a)
{
    const char *dir = a->dir, *src = a->pos[0];
    if (!dir || !src) {
        fprintf(stderr, "usage: accordctl restore --data DIR BACKUP_DIR\n");
        return ACCORD_EXIT_USAGE;
    }
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        fprintf(stderr, "accordctl: %s exists: move the node's old directory away first (it may still hold "
                        "something you need), then restore into the empty path\n", dir);
        return ACCORD_EXIT_USAGE;
    }
    char tmp[4200], from[4300], to[4300];
    snprintf(tmp, sizeof tmp, "%s.restoring", dir);
    if (mkdir(tmp, 0700)) {
        fprintf(stderr, "accordctl: cannot create %s: %s\n", tmp, strerror(errno));
        return ACCORD_EXIT_OTHER;
    }
    int rc = 0;
    static const datadir_file_t files[] = {DATADIR_STORE, DATADIR_KEY};
    for (int i = 0; i < 2 && !rc; i++) {
        datadir_path(src, files[i], from, sizeof from);
        datadir_path(tmp, files[i], to, sizeof to);
        if ((rc = copy_file(from, to)))
            fprintf(stderr, "accordctl: cannot copy %s: %s%s\n", from, accord_strerror(rc),
                    access(from, R_OK) ? " (is it a directory made by 'accordctl backup'?)" : "");
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    char err[512];
    if (!rc && (rc = store_open(tmp, 0, &st))) fprintf(stderr, "accordctl: the backup's store does not open: %s\n", accord_strerror(rc));
    if (!rc && (rc = identity_load(tmp, st, &id, err, sizeof err))) fprintf(stderr, "accordctl: %s\n", err);
    store_txn_t *t = NULL;
    if (!rc && !(rc = store_txn_begin(st, true, &t))) {
        if ((rc = rejoin_mark(t, true))) store_txn_abort(&t);
        else rc = store_txn_commit(&t);
        if (rc) fprintf(stderr, "accordctl: cannot mark the restored store: %s\n", accord_strerror(rc));
    }
    char name[80] = "";
    if (id) snprintf(name, sizeof name, "%s", id->name);
    identity_destroy(&id);
    store_close(&st);
    if (!rc && rename(tmp, dir)) {
        fprintf(stderr, "accordctl: cannot move %s to %s: %s\n", tmp, dir, strerror(errno));
        rc = ACCORD_EIO;
    }
    if (rc) {
        snprintf(to, sizeof to, "rm -rf -- '%s'", tmp); /* ours, made above */
        if (system(to) != 0) fprintf(stderr, "accordctl: remove %s by hand\n", tmp);
        return ACCORD_EXIT_OTHER;
    }
    char parent[4200];
    snprintf(parent, sizeof parent, "%s", dir);
    int pfd = open(dirname(parent), O_RDONLY);
    if (pfd >= 0) { fsync(pfd); close(pfd); }
    if (a->json) {
        printf("{\"ok\":true,\"node\":");
        output_json_string(stdout, name);
        printf(",\"dir\":");
        output_json_string(stdout, dir);
        printf(",\"rejoin\":true}\n");
    } else {
        printf("restored node %s into %s. It accepts no changes until it has connected to its hub and fetched "
               "its own newest changes (rejoin); start it with --upstream.\n", name, dir);
    }
    return ACCORD_EXIT_OK;
}
