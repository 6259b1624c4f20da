/* SPDX-License-Identifier: MIT
 * datadir: the layout of a node's data directory — the one place that names its files —
 * and the one way to tell whether a node runs on it: the node holds an exclusive flock on
 * the lock file for as long as it runs (the kernel drops it when the process dies, so a
 * crash leaves no stale "running" state, unlike a pid file). Shared by the node, accordctl
 * and the accord client library; the only file-system code in proto/. */
#ifndef ACCORD_DATADIR_H
#define ACCORD_DATADIR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    DATADIR_STORE,             /* data.mdb: the LMDB store (lock.mdb beside it is LMDB's) */
    DATADIR_KEY,               /* node.key: the node's Ed25519 identity */
    DATADIR_KEY_NEXT,          /* node.key.next: a new epoch's key, before the switch */
    DATADIR_SOCKET,            /* accord.sock: the local API (ipc://) */
    DATADIR_LOCK,              /* accord-node.lock: flocked while a node runs */
    DATADIR_PID,               /* accord-node.pid: the running node's pid, for operators */
    DATADIR_SNAPSHOT,          /* snapshot.acs: the snapshot compaction wrote last */
    DATADIR_SNAPSHOT_INCOMING, /* snapshot.acs.incoming: one arriving from the hub */
    DATADIR_N_FILES
} datadir_file_t;

/* The bare file name ("data.mdb", ...). */
const char *datadir_file_name(datadir_file_t f);

/* dir/name into out; 0, or ACCORD_ETOOBIG if it does not fit (out is then ""). */
int datadir_path(const char *dir, datadir_file_t f, char *out, size_t cap);

/* Takes the data directory's lock for a node or an offline tool: 0 and *fd (keep it open
 * while you write; close it to release), ACCORD_EBUSY if a node runs there (it holds it), ACCORD_EIO if the
 * lock file cannot be opened (no such directory). */
int datadir_lock(const char *dir, int *fd);

#endif
