/* SPDX-License-Identifier: MIT
 * What the accordctl verbs, spread over tools/ctl_*.c, share. */
#ifndef ACCORD_CTL_H
#define ACCORD_CTL_H

#include <stdbool.h>

#include "proto/roster_entry.h"
#include "auth/identity.h"
#include "store/store.h"

extern bool json; /* --json: one JSON document on stdout */

const char *opt_value(int argc, char **argv, const char *name);
bool has_flag(int argc, char **argv, const char *name);
/* Opens DIR read-only with its identity; 0 or an exit code after saying why. */
int open_node(const char *dir, store_t **st, identity_t **id);
/* The same, for the verbs that write the store beside a running node (LMDB's lock orders them). */
int open_node_writable(const char *dir, store_t **st, identity_t **id);
/* Asks a running node to read its feed heads again; false if none answers. */
bool tell_node_reload(const char *dir);
/* The one argument after the verb that is not an option (or --data's value), or NULL. */
const char *sole_argument(int argc, char **argv, int first);

/* ctl_org.c: the org key and the roster */
int org_init(const char *out_path);
int pin_org(const char *dir, const uint8_t org_pk[CRYPTO_PK_LEN]);
int roster_sign(int argc, char **argv, const char *dir, roster_action_t action);
int roster_list(const char *dir);

/* ctl_sync.c: replication */
int sync_cmd(int argc, char **argv, const char *dir, const char *verb);

/* ctl_bundle.c: feeds moved by file */
int bundle_cmd(int argc, char **argv, const char *dir, const char *verb);

/* ctl_restore.c: a backup put back, marked to rejoin */
int restore_cmd(int argc, char **argv, const char *dir);
/* True if the node in dir runs (its pid file names a live process). */
bool node_running(const char *dir);
/* ... and a new feed epoch for a restored node that cannot rejoin */
int epoch_cmd(int argc, char **argv, const char *dir, const char *verb);

/* ctl_compact.c: compaction, its horizon, snapshots */
int compact_cmd(int argc, char **argv, const char *dir);
int horizon_cmd(const char *dir);
int snapshot_cmd(int argc, char **argv, const char *dir, const char *verb);

/* ctl_report.c: per-branch reports from the KPI counters */
int report_cmd(int argc, char **argv, const char *dir, const char *verb);

/* ctl_users.c: who may sign in to the web pages */
int user_cmd(int argc, char **argv, const char *dir, const char *verb);

/* ctl_verify.c: state digests */
int digest_cmd(const char *dir);
int verify_cmd(int argc, char **argv, const char *dir);

#endif
