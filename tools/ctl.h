/* SPDX-License-Identifier: MIT
 * What the accordctl verbs, spread over tools/ctl_<noun>.c, share: the verb table's row
 * and option types (the table itself is in accordctl.c), the parsed arguments a verb's
 * handler gets, and the helpers that open a node. A handler returns an exit code
 * (client/exit_codes.h) after saying on stderr why it failed. */
#ifndef ACCORD_CTL_H
#define ACCORD_CTL_H

#include <stdbool.h>
#include <stdio.h>

#include "client/exit_codes.h"
#include "proto/roster_entry.h"
#include "auth/identity.h"
#include "store/store.h"

#define CTL_FLAG 1u      /* the option takes no value */
#define CTL_MAX_OPTS 16  /* options of one verb, --json and --help aside */

/* An option a verb accepts; --json and --help every verb accepts. */
typedef struct {
    const char *name;  /* without the leading "--": "to" */
    unsigned flags;    /* CTL_FLAG or 0 */
    const char *help;  /* one line for the verb's --help */
} ctl_opt_t;

typedef struct ctl_args ctl_args_t;

/* One row of the verb table. */
typedef struct {
    const char *name;       /* "bundle export", or one word ("digest") */
    const char *usage;      /* what follows the name: "--data DIR --out FILE" */
    const char *about;      /* one line, for 'accordctl --help' */
    const char *detail;     /* more for the verb's own --help, or NULL */
    const ctl_opt_t *opts;  /* ends with {0} */
    int (*run)(const ctl_args_t *a);
    int min_pos, max_pos;   /* how many arguments besides the options */
} ctl_verb_t;

/* The command line, parsed against one verb's row; valid while argv is. */
struct ctl_args {
    const ctl_verb_t *verb;          /* the row that matched */
    const char *dir;                 /* --data, else $ACCORD_DATA, else NULL */
    bool json;                       /* --json: one JSON document on stdout */
    char **pos;                      /* the arguments that are not options, in order */
    int n_pos;                       /* how many */
    const char *vals[CTL_MAX_OPTS];  /* by index in verb->opts: the value ("" for a flag), or NULL */
};

/* The value of --name, or NULL if it was not given (or is no option of this verb). */
const char *ctl_opt(const ctl_args_t *a, const char *name);
/* True if the flag --name was given. */
bool ctl_flag(const ctl_args_t *a, const char *name);
/* Prints "usage: accordctl NAME USAGE" for a's verb to f. */
void ctl_usage(FILE *f, const ctl_verb_t *v);

/* Opens DIR read-only with its identity; 0 or an exit code after saying why. */
int ctl_open_node(const char *dir, store_t **st, identity_t **id);
/* The same, for the verbs that write the store beside a running node (LMDB's lock orders them). */
int ctl_open_node_writable(const char *dir, store_t **st, identity_t **id);
/* False, having told the user to start the node once, if st (of the node in dir) is still
 * of the format before entity rows: tools read only converted stores. */
bool ctl_store_upgraded(store_t *st, const char *dir);
/* Says why the store in dir did not open (rc from store_open), with what to do. */
void ctl_say_store_error(const char *dir, int rc);
/* Asks a running node to read its feed heads again; false if none answers. */
bool ctl_tell_node_reload(const char *dir);
/* For a verb that needs the node stopped: takes the data directory's lock (proto/datadir.h)
 * and holds it in *lock_fd until the caller closes it, so no node can start meanwhile.
 * 0; or, after saying "the node on DIR is running: stop it <what_for>", an exit code. */
int ctl_lock_stopped_node(const char *dir, const char *what_for, int *lock_fd);

/* Makes the folders above path that are missing (mkdir -p of its parent), each mode 0700:
 * what they will hold is a key or a backup with one. 0, or -1 after saying on stderr which
 * folder could not be made and why (errno is left set); folders already made stay. */
int ctl_make_parents(const char *path);

/* ctl_node.c: a node's identity */
int ctl_node_init(const ctl_args_t *a);
int ctl_node_show(const ctl_args_t *a);

/* ctl_org.c: the org key and the roster it signs */
int ctl_org_init(const ctl_args_t *a);
int ctl_org_pin(const char *dir, const uint8_t org_pk[CRYPTO_PK_LEN]);
int ctl_enroll(const ctl_args_t *a);
int ctl_revoke(const ctl_args_t *a);
int ctl_roster(const ctl_args_t *a);

/* ctl_sync.c: replication */
int ctl_sync_status(const ctl_args_t *a);
int ctl_sync_release(const ctl_args_t *a);

/* ctl_bundle.c: feeds moved by file */
int ctl_bundle_vector(const ctl_args_t *a);
int ctl_bundle_export(const ctl_args_t *a);
int ctl_bundle_import(const ctl_args_t *a);

/* ctl_feed.c: this node's own feed */
int ctl_feed_verify(const ctl_args_t *a);
int ctl_feed_export(const ctl_args_t *a);

/* ctl_check.c: the state derived again from the feeds */
int ctl_check(const ctl_args_t *a);

/* ctl_backup.c: a consistent copy of a node */
int ctl_backup(const ctl_args_t *a);

/* ctl_restore.c: a backup put back, marked to rejoin */
int ctl_restore(const ctl_args_t *a);

/* ctl_epoch.c: a new feed epoch for a restored node that cannot rejoin */
int ctl_epoch_new(const ctl_args_t *a);

/* ctl_compact.c: compaction and its horizon */
int ctl_compact(const ctl_args_t *a);
int ctl_horizon(const ctl_args_t *a);

/* ctl_snapshot.c: starting a node from a hub's snapshot */
int ctl_snapshot_install(const ctl_args_t *a);
int ctl_snapshot_show(const ctl_args_t *a);

/* ctl_report.c: per-branch reports from the KPI counters */
int ctl_report_branches(const ctl_args_t *a);
int ctl_report_quality(const ctl_args_t *a);
int ctl_report_customers(const ctl_args_t *a);
int ctl_report_tz(const ctl_args_t *a);

/* ctl_users.c: who may sign in to the web pages */
int ctl_user_add(const ctl_args_t *a);
int ctl_user_remove(const ctl_args_t *a);
int ctl_user_list(const ctl_args_t *a);
int ctl_user_set(const ctl_args_t *a);
int ctl_user_map(const ctl_args_t *a);
int ctl_user_unmap(const ctl_args_t *a);
int ctl_user_maps(const ctl_args_t *a);
int ctl_branch_set(const ctl_args_t *a);
int ctl_branch_list(const ctl_args_t *a);

/* ctl_token.c: API tokens for the HTTP JSON API */
int ctl_token_add(const ctl_args_t *a);
int ctl_token_list(const ctl_args_t *a);
int ctl_token_revoke(const ctl_args_t *a);

/* ctl_audit.c: the access audit */
int ctl_audit(const ctl_args_t *a);

/* ctl_pgsync.c: the PostgreSQL copy for BI */
int ctl_pg_sync(const ctl_args_t *a);

/* ctl_verify.c: state digests */
int ctl_digest(const ctl_args_t *a);
int ctl_verify(const ctl_args_t *a);

/* ctl_webhook.c: webhooks (docs/WEBHOOKS.md) */
int ctl_webhook_add(const ctl_args_t *a);
int ctl_webhook_remove(const ctl_args_t *a);
int ctl_webhook_list(const ctl_args_t *a);
int ctl_webhook_status(const ctl_args_t *a);
int ctl_webhook_log(const ctl_args_t *a);

#endif
