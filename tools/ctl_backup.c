/* SPDX-License-Identifier: MIT
 * accordctl backup: a consistent, compact copy of the node (LMDB's own copy, the key
 * beside it) into a new directory, while the node may keep running; a failed copy is
 * removed, never left to pass for a backup. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "proto/datadir.h"
#include "client/output.h"
#include "proto/accord_err.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ctl_backup(const ctl_args_t *a)
{
    const char *dir = a->dir, *dest = a->n_pos ? a->pos[0] : NULL;
    if (!dir || !dest) {
        fprintf(stderr, "usage: accordctl backup --data DIR DEST\n");
        return ACCORD_EXIT_USAGE;
    }
    if (ctl_make_parents(dest)) return ACCORD_EXIT_OTHER; /* backups/2026-12-01 makes backups/, mode 0700 */
    if (mkdir(dest, 0700) != 0) {
        fprintf(stderr, "accordctl: cannot create %s: %s (give a new directory)\n", dest, strerror(errno));
        return errno == EEXIST ? ACCORD_EXIT_USAGE : ACCORD_EXIT_OTHER;
    }
    store_t *st = NULL;
    int rc = store_open(dir, STORE_RDONLY, &st);
    if (rc) {
        fprintf(stderr, "accordctl: cannot open the store in %s: %s\n", dir, accord_strerror(rc));
        rmdir(dest);
        return ACCORD_EXIT_UNREACHABLE;
    }
    rc = store_backup(st, dest);
    store_close(&st);
    /* the key goes along: a backup restores a node, not only its data */
    char from[4200], to[4200];
    datadir_path(dir, DATADIR_KEY, from, sizeof from);
    datadir_path(dest, DATADIR_KEY, to, sizeof to);
    FILE *in = rc ? NULL : fopen(from, "rb");
    int fd = in ? open(to, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
    if (!rc && (!in || fd < 0)) rc = ACCORD_EIO;
    if (!rc) {
        char buf[256];
        size_t n = fread(buf, 1, sizeof buf, in);
        if (write(fd, buf, n) != (ssize_t)n || fsync(fd) != 0) rc = ACCORD_EIO;
        sodium_memzero(buf, sizeof buf);
    }
    if (in) fclose(in);
    if (fd >= 0) close(fd);
    if (rc) {
        /* a partial copy must not pass for a backup: remove what was written */
        bool full = rc == ACCORD_EFULL || errno == ENOSPC;
        datadir_path(dest, DATADIR_KEY, to, sizeof to);
        unlink(to);
        datadir_path(dest, DATADIR_STORE, to, sizeof to);
        unlink(to);
        rmdir(dest);
        fprintf(stderr, "accordctl: the backup to %s failed: %s%s; the partial copy was removed, the node is untouched\n",
                dest, accord_strerror(rc), full ? " (the disk is full)" : "");
        return ACCORD_EXIT_OTHER;
    }
    if (a->json) {
        printf("{\"ok\":true,\"dir\":");
        output_json_string(stdout, dest);
        printf("}\n");
    } else {
        printf("backed up %s to %s (it holds the node's secret key: keep it safe)\n", dir, dest);
    }
    return ACCORD_EXIT_OK;
}
