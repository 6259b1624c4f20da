/* SPDX-License-Identifier: MIT
 * accordctl restore: puts a backup (accordctl backup) back as a node directory, marked so
 * that the node accepts no change before it has fetched its own newest records from the
 * hub (server/rejoin.h): a restore never forks the node's feed. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "repl/rejoin.h"

#include <errno.h>
#include <signal.h>
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
    static char buf[1 << 16];
    ssize_t n;
    while (!rc && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) rc = errno == ENOSPC ? ACCORD_EFULL : ACCORD_EIO;
    if (!rc && n < 0) rc = ACCORD_EIO;
    if (!rc && fsync(out)) rc = ACCORD_EIO;
    close(in);
    if (out >= 0) close(out);
    return rc;
}

int restore_cmd(int argc, char **argv, const char *dir)
{
    const char *src = NULL; /* the one argument that is not an option or its value */
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--data")) { k++; continue; }
        if (argv[k][0] == '-' || !strcmp(argv[k], "restore")) continue;
        src = argv[k];
    }
    if (!dir || !src) {
        fprintf(stderr, "usage: accordctl restore --data DIR BACKUP_DIR\n");
        return 1;
    }
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        fprintf(stderr, "accordctl: %s exists: move the node's old directory away first (it may still hold "
                        "something you need), then restore into the empty path\n", dir);
        return 1;
    }
    char tmp[4200], from[4300], to[4300];
    snprintf(tmp, sizeof tmp, "%s.restoring", dir);
    if (mkdir(tmp, 0700)) {
        fprintf(stderr, "accordctl: cannot create %s: %s\n", tmp, strerror(errno));
        return 4;
    }
    int rc = 0;
    static const char *const files[] = {"data.mdb", "node.key"};
    for (int i = 0; i < 2 && !rc; i++) {
        snprintf(from, sizeof from, "%s/%s", src, files[i]);
        snprintf(to, sizeof to, "%s/%s", tmp, files[i]);
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
    if (!rc && !(rc = store_txn_begin(st, NULL, true, &t))) {
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
        return 4;
    }
    char parent[4200];
    snprintf(parent, sizeof parent, "%s", dir);
    int pfd = open(dirname(parent), O_RDONLY);
    if (pfd >= 0) { fsync(pfd); close(pfd); }
    if (json) {
        printf("{\"ok\":true,\"node\":");
        output_json_string(stdout, name);
        printf(",\"dir\":");
        output_json_string(stdout, dir);
        printf(",\"rejoin\":true}\n");
    } else {
        printf("restored node %s into %s. It accepts no changes until it has connected to its hub and fetched "
               "its own newest changes (rejoin); start it with --upstream.\n", name, dir);
    }
    return 0;
}

/* True if the node whose data directory is dir runs (its pid file names a live process). */
bool node_running(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/accord-node.pid", dir);
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (!f) return false;
    if (fscanf(f, "%ld", &pid) != 1) pid = 0;
    fclose(f);
    return pid > 0 && kill((pid_t)pid, 0) == 0;
}

/* accordctl epoch new: the operator's way out of a rejoin that cannot happen (the hub is
 * out of reach, or lost): the node takes a new key, so its feed starts again at seq 1
 * under a new origin and cannot collide with what the hub holds of the old one. */
int epoch_cmd(int argc, char **argv, const char *dir, const char *verb)
{
    if (strcmp(verb, "new")) {
        fprintf(stderr, "usage: accordctl epoch new --data DIR [--force]\n");
        return 1;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = open_node_writable(dir, &st, &id);
    if (rc) return rc;
    int exit_code = 0;
    char err[512] = "";
    uint8_t new_pk[CRYPTO_PK_LEN], old_origin[CRYPTO_ORIGIN_LEN];
    memcpy(old_origin, id->origin, sizeof old_origin);
    bool restored = rejoin_pending(st);
    store_txn_t *t = NULL;
    if (node_running(dir)) {
        fprintf(stderr, "accordctl: the node in %s is running: stop it first\n", dir);
        exit_code = 4;
    } else if (!restored && !has_flag(argc, argv, "--force")) {
        fprintf(stderr, "accordctl: this node is not waiting to rejoin; a new epoch gives it a new key that the org "
                        "must enroll again. Add --force if that is what you want\n");
        exit_code = 1;
    } else if ((rc = store_txn_begin(st, NULL, true, &t)) || (rc = identity_prepare_epoch(dir, t, new_pk, err, sizeof err)) ||
               (rc = rejoin_mark(t, false)) || (rc = store_txn_commit(&t)) ||
               (rc = identity_switch_key(dir, old_origin, err, sizeof err))) {
        store_txn_abort(&t);
        fprintf(stderr, "accordctl: cannot start a new epoch: %s\n", err[0] ? err : accord_strerror(rc));
        exit_code = 4;
    }
    if (!exit_code) {
        char pk_hex[2 * CRYPTO_PK_LEN + 1], old_hex[2 * CRYPTO_ORIGIN_LEN + 1], new_hex[2 * CRYPTO_ORIGIN_LEN + 1];
        uint8_t new_origin[CRYPTO_ORIGIN_LEN];
        crypto_hex(new_pk, sizeof new_pk, pk_hex);
        crypto_hex(old_origin, sizeof old_origin, old_hex);
        crypto_origin_of(new_pk, new_origin);
        crypto_hex(new_origin, sizeof new_origin, new_hex);
        if (json) {
            printf("{\"node\":");
            output_json_string(stdout, id->name);
            printf(",\"public_key\":\"%s\",\"origin\":\"%s\",\"old_origin\":\"%s\"}\n", pk_hex, new_hex, old_hex);
        } else {
            printf("node %s starts a new feed epoch: new public key %s (origin %.12s); its old feed (origin %.12s) "
                   "stays valid, signed by the old key, kept as %s/node.key.%s.\n"
                   "It accepts changes now. Before it can sync, enroll the new key at the hub:\n"
                   "  accordctl enroll --data HUB_DIR --org-key ORG_KEY --node-pub %s --name %s --role %s\n"
                   "Once the hub holds all of the old feed, revoke the old key: until then it holds the\n"
                   "compaction horizon back ('accordctl horizon').\n",
                   id->name, pk_hex, new_hex, old_hex, dir, old_hex, pk_hex, id->name, id->role);
        }
    }
    identity_destroy(&id);
    store_close(&st);
    return exit_code;
}
