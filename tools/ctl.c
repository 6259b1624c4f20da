/* SPDX-License-Identifier: MIT
 * ctl: what the accordctl verbs share: their parsed options, and opening the node's data
 * directory (LMDB allows readers beside the running node, so most verbs work with the
 * node up or down). */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "proto/datadir.h"
#include "client/accord_client.h"
#include "proto/accord_err.h"
#include "state/entity.h"
#include "state/digest.h"
#include "state/kpi.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int opt_index(const ctl_verb_t *v, const char *name)
{
    for (int k = 0; k < CTL_MAX_OPTS && v->opts[k].name; k++)
        if (!strcmp(v->opts[k].name, name)) return k;
    return -1;
}

const char *ctl_opt(const ctl_args_t *a, const char *name)
{
    int k = opt_index(a->verb, name);
    return k < 0 ? NULL : a->vals[k];
}

bool ctl_flag(const ctl_args_t *a, const char *name)
{
    return ctl_opt(a, name) != NULL;
}

void ctl_usage(FILE *f, const ctl_verb_t *v)
{
    fprintf(f, "usage: accordctl %s%s%s\n", v->name, v->usage[0] ? " " : "", v->usage);
}

void ctl_say_store_error(const char *dir, int rc)
{
    if (rc == ACCORD_EVERSION)
        fprintf(stderr, "accordctl: the store in %s was made by an older version of Accord; start the node once "
                        "(accord-node --data %s), which upgrades it in place, then run this again\n",
                dir, dir);
    else
        fprintf(stderr, "accordctl: cannot open the store in %s: %s\n", dir, accord_strerror(rc));
}

bool ctl_store_upgraded(store_t *st, const char *dir)
{
    store_txn_t *t;
    bool pending = false;
    if (store_txn_begin(st, false, &t) == 0) {
        pending = entity_upgrade_pending(t);
        store_txn_abort(&t);
    }
    if (pending)
        fprintf(stderr, "accordctl: the store in %s is of an older format (before entity rows); start the node once "
                        "(accord-node --data %s), which converts it in place, then run this again\n",
                dir, dir);
    return !pending;
}

static int open_node_as(const char *dir, unsigned flags, store_t **st, identity_t **id)
{
    char err[512];
    if (!dir) {
        fprintf(stderr, "accordctl: give the node's directory with --data DIR (or set ACCORD_DATA)\n");
        return ACCORD_EXIT_USAGE;
    }
    int rc = store_open(dir, flags, st);
    if (!rc) rc = kpi_use_time_zone(*st); /* report days and check use the node's zone */
    if (!rc) digest_keep(*st); /* what a tool writes keeps the state digest, as the node does */
    if (rc) {
        ctl_say_store_error(dir, rc);
        return ACCORD_EXIT_UNREACHABLE;
    }
    if ((rc = identity_load(dir, *st, id, err, sizeof err))) {
        fprintf(stderr, "accordctl: %s\n", err);
        store_close(st);
        return ACCORD_EXIT_UNREACHABLE;
    }
    if (!ctl_store_upgraded(*st, dir)) {
        identity_destroy(id);
        store_close(st);
        return ACCORD_EXIT_UNREACHABLE;
    }
    return ACCORD_EXIT_OK;
}

int ctl_open_node(const char *dir, store_t **st, identity_t **id)
{
    return open_node_as(dir, STORE_RDONLY, st, id);
}

int ctl_open_node_writable(const char *dir, store_t **st, identity_t **id)
{
    return open_node_as(dir, 0, st, id);
}

bool ctl_tell_node_reload(const char *dir)
{
    accord_client_t *c;
    bool told = false;
    if (accord_client_new(dir, 5000, &c) == 0) {
        accord_reply_t rep;
        told = accord_call(c, "sync_reload", NULL, &rep) == 0;
        accord_reply_destroy(&rep);
        accord_client_destroy(&c);
    }
    return told;
}

int ctl_lock_stopped_node(const char *dir, const char *what_for, int *lock_fd)
{
    int rc = datadir_lock(dir, lock_fd); /* the node's own lock: the one check */
    if (rc == 0) return ACCORD_EXIT_OK;
    fprintf(stderr, "accordctl: the node on %s %s: stop it %s\n", dir,
            rc == ACCORD_EBUSY ? "is running" : "cannot be locked (does the directory exist?)", what_for);
    return rc == ACCORD_EBUSY ? ACCORD_EXIT_OTHER : ACCORD_EXIT_UNREACHABLE;
}

int ctl_make_parents(const char *path)
{
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
        errno = ENAMETOOLONG;
        fprintf(stderr, "accordctl: %.64s...: %s\n", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') dir[--len] = 0; /* "backup/" names the folder backup */
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0; /* in the working directory, or in / */
    *slash = 0;
    /* each prefix in turn, from the top: "a", "a/b", ...; "//" and a trailing "/" are skipped */
    for (char *p = dir + 1; ; p++) {
        if (*p && *p != '/') continue;
        char was = *p;
        *p = 0;
        struct stat sb;
        if (p > dir && p[-1] != '/' && mkdir(dir, 0700) && (errno != EEXIST || stat(dir, &sb) || !S_ISDIR(sb.st_mode))) {
            if (errno == EEXIST) errno = ENOTDIR;
            fprintf(stderr, "accordctl: cannot make the folder %s: %s\n", dir, strerror(errno));
            return -1;
        }
        *p = was;
        if (!was) return 0;
    }
}
