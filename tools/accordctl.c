/* SPDX-License-Identifier: MIT
 * accordctl: the ops tool. Most verbs work on a node's data directory directly (LMDB
 * allows readers beside the running node), so they work with the node stopped too.
 * This file holds the verb table (one row per verb: its options, arguments, help and
 * handler in tools/ctl_<noun>.c) and the dispatch; the exit codes are
 * client/exit_codes.h, shared with accord (docs/CLI.md). */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "proto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_DATA {"data", 0, "the node's data directory (default $ACCORD_DATA)"}

static const ctl_opt_t data_opts[] = {OPT_DATA, {0}};
static const ctl_opt_t node_init_opts[] = {
    OPT_DATA, {"name", 0, "the node's name, e.g. tehran-1 (required)"},
    {"role", 0, "branch (default) or hub"}, {"org-pub", 0, "the org public key it will trust (64 hex digits)"}, {0}};
static const ctl_opt_t org_init_opts[] = {{"out", 0, "where to write the org key (a new file; keep it offline)"}, {0}};
static const ctl_opt_t enroll_opts[] = {
    OPT_DATA, {"org-key", 0, "the org key file (from 'accordctl org init')"},
    {"node-pub", 0, "the node's public key ('accordctl node show' there)"}, {"name", 0, "the node's name"},
    {"role", 0, "hub or branch"}, {"region", 0, "a region, e.g. north (optional)"}, {0}};
static const ctl_opt_t revoke_opts[] = {
    OPT_DATA, {"org-key", 0, "the org key file"}, {"node-pub", 0, "the public key of the node to revoke"}, {0}};
static const ctl_opt_t release_opts[] = {OPT_DATA, {"feed", 0, "the quarantined feed's origin (32 hex digits)"}, {0}};
static const ctl_opt_t export_opts[] = {
    OPT_DATA, {"to", 0, "the recipient's public key (64 hex digits)"},
    {"since", 0, "the recipient's vector ('accordctl bundle vector' there; - for stdin)"},
    {"out", 0, "the bundle file to write"}, {0}};
static const ctl_opt_t verify_opts[] = {
    OPT_DATA, {"hub", 0, "the hub's endpoint, e.g. tcp://hq.example.com:7400"},
    {"hub-key", 0, "the hub's public key (64 hex digits)"}, {0}};
static const ctl_opt_t out_opts[] = {OPT_DATA, {"out", 0, "the file to write"}, {0}};
static const ctl_opt_t check_opts[] = {
    OPT_DATA, {"repair", CTL_FLAG, "replace the stored state with what the feeds give (node stopped)"}, {0}};
static const ctl_opt_t epoch_opts[] = {
    OPT_DATA, {"force", CTL_FLAG, "even if the node is not waiting to rejoin"}, {0}};
static const ctl_opt_t compact_opts[] = {
    OPT_DATA, {"dry-run", CTL_FLAG, "report what would be freed; change nothing"}, {0}};
static const ctl_opt_t install_opts[] = {
    OPT_DATA, {"replace", CTL_FLAG, "over a node that lacks compacted records (node stopped)"}, {0}};
static const ctl_opt_t no_opts[] = {{0}};
static const ctl_opt_t branches_opts[] = {
    OPT_DATA, {"period", 0, "2026-11, 2026-Q4, 2026-W48, 2026, 2026-11-24, FROM..TO; Solar Hijri fa:1405-09"},
    {"branch", 0, "only this branch"}, {"csv", CTL_FLAG, "CSV instead of a table"}, {0}};
static const ctl_opt_t customers_opts[] = {
    OPT_DATA, {"segment", 0, "rfm (the only segmentation)"}, {"currency", 0, "count won value in this currency"},
    {"branch", 0, "only this branch's customers"}, {"top", 0, "how many to list (20; 0: all)"},
    {"csv", CTL_FLAG, "CSV instead of a table"}, {0}};
static const ctl_opt_t user_add_opts[] = {
    OPT_DATA, {"login", 0, "the org user's login (a-z 0-9 . _ - @); without it, a local user of this node"},
    {"name", 0, "the user's name as people read it (with --login); else the local user's name"},
    {"role", 0, "staff (works with records), manager (reads and reports) or admin (users and settings)"},
    {"org", CTL_FLAG, "the role for the whole org"}, {"region", 0, "the role for this region's branches"},
    {"branch", 0, "the role for this branch (its node's name)"},
    {"roles", 0, "more grants, comma-separated: \"staff branch tehran-1,manager region North\""},
    {"languages", 0, "en, fa (comma-separated)"}, {0}};
static const ctl_opt_t user_set_opts[] = {
    OPT_DATA, {"login", 0, "the user to change (required)"}, {"name", 0, "a new display name"},
    {"password", CTL_FLAG, "a new password, from the first line of standard input"},
    {"disable", CTL_FLAG, "the user may no longer sign in or write, on every node"},
    {"enable", CTL_FLAG, "the user may again"},
    {"role", 0, "grant this role (with --org, --region NAME or --branch NODE)"},
    {"org", CTL_FLAG, "with --role"}, {"region", 0, "with --role"}, {"branch", 0, "with --role"},
    {"grant", 0, "grants to add, comma-separated: \"staff branch tehran-1\""},
    {"revoke", 0, "grants to take away, comma-separated"}, {0}};
static const ctl_opt_t user_name_opts[] = {OPT_DATA, {"name", 0, "the local user's name (required)"}, {0}};
static const ctl_opt_t user_map_opts[] = {
    OPT_DATA, {"os-user", 0, "an account of this machine, by name or uid (required)"},
    {"login", 0, "the org user it writes as (required)"}, {0}};
static const ctl_opt_t user_unmap_opts[] = {OPT_DATA, {"os-user", 0, "the account, by name or uid (required)"}, {0}};
static const ctl_opt_t branch_set_opts[] = {
    OPT_DATA, {"node", 0, "the branch's node name, as the roster has it (required)"},
    {"code", 0, "invoice number prefix: 2-16 of A-Z 0-9"}, {"name", 0, "the branch's name"},
    {"region", 0, "its region"}, {"timezone", 0, "e.g. Asia/Tehran"}, {"currency", 0, "ISO 4217, e.g. IRR"},
    {"calendar", 0, "gregorian or solar"}, {0}};
static const ctl_opt_t token_add_opts[] = {
    OPT_DATA, {"user", 0, "whom the token acts as: a user of this node (required)"},
    {"scope", 0, "read (GET routes only) or write (required)"},
    {"expires", 0, "a date (2027-01-31: 00:00 UTC) or a duration (30d, 12h); default never"},
    {"name", 0, "a label to know it by, e.g. erp"}, {0}};
static const ctl_opt_t audit_opts[] = {
    OPT_DATA, {"since", 0, "only events from this UTC date or time on (2026-12-01, 2026-12-01T09:30Z)"},
    {"kind", 0, "only this kind: signin_ok, signin_failed, signin_throttled, token_used, token_added, token_revoked, "
                "export, permission_refused"},
    {"user", 0, "only this user's events"}, {"limit", 0, "at most this many (100; 0: all)"}, {0}};
static const ctl_opt_t webhook_add_opts[] = {
    OPT_DATA, {"url", 0, "where to POST: http:// or https://, not this node itself (required)"},
    {"events", 0, "comma-separated: customer.*, deal.won, task.created, * ... (required)"},
    {"secret", CTL_FLAG, "the HMAC key (16-128 printable characters) from the first line of standard input; "
                         "default: a random one, printed once"}, {0}};
static const ctl_opt_t webhook_log_opts[] = {
    OPT_DATA, {"hook", 0, "only this webhook's attempts"}, {"limit", 0, "the newest N (50; 0: all kept)"}, {0}};

static const ctl_opt_t pg_sync_opts[] = {
    OPT_DATA, {"dsn", 0, "the PostgreSQL database: 'host=127.0.0.1 dbname=bi user=accord' or postgresql://..."},
    {"once", CTL_FLAG, "catch up, then exit (default: keep the copy up to date until stopped)"},
    {"interval", 0, "seconds between looks at the hub when caught up (default 1)"},
    {"batch", 0, "records a PostgreSQL transaction covers at most after the full copy (default 20000)"}, {0}};

static const ctl_verb_t verbs[] = {
    {"node init", "--data DIR --name NAME [--role branch|hub] [--org-pub HEX]",
     "make a node: its Ed25519 identity and an empty store", "--org-pub pins the org public key it will trust.",
     node_init_opts, ctl_node_init, 0, 0},
    {"node show", "--data DIR", "the node's name, role, origin and public key", NULL, data_opts, ctl_node_show, 0, 0},
    {"org init", "--out FILE", "make the org key (keep FILE offline); prints its public key",
     "Makes the folders above FILE that are missing, mode 0700 (exit 3 if one cannot be made).", org_init_opts,
     ctl_org_init, 0, 0},
    {"enroll", "--data DIR --org-key FILE --node-pub HEX --name NAME --role hub|branch [--region REGION]",
     "sign a roster entry for a node into DIR's roster",
     "DIR is usually the hub's; the entry replicates from there.", enroll_opts, ctl_enroll, 0, 0},
    {"revoke", "--data DIR --org-key FILE --node-pub HEX", "sign a revocation: the node is refused and cut off", NULL,
     revoke_opts, ctl_revoke, 0, 0},
    {"roster", "--data DIR", "the roster this node holds", NULL, data_opts, ctl_roster, 0, 0},
    {"sync status", "--data DIR [--json]", "each peer: connected, lag, refused batches and why; quarantined feeds",
     "Asks the running node: per peer, connected, last seen, lag in records and seconds, pending\n"
     "(this node's own changes the peer has yet to take), offline since, refused batches and why;\n"
     "quarantined feeds.", data_opts, ctl_sync_status, 0, 0},
    {"sync release", "--data DIR --feed ORIGIN", "take a quarantined (forked) feed again",
     "After its node was dealt with (see sync status).", release_opts, ctl_sync_release, 0, 0},
    {"bundle vector", "--data DIR", "the last seq this node holds of every feed",
     "'ORIGIN SEQ' lines, to give to the node that exports a bundle for this one.", data_opts, ctl_bundle_vector, 0,
     0},
    {"bundle export", "--data DIR --to NODE_PUBLIC_KEY [--since VECTOR_FILE] --out FILE",
     "the roster and the signed changes the recipient lacks, sealed to its key",
     "For when the line is down.", export_opts, ctl_bundle_export, 0, 0},
    {"bundle import", "--data DIR FILE", "check the whole bundle, then apply it",
     "A running node may stay up; importing twice changes nothing.", data_opts, ctl_bundle_import, 1, 1},
    {"digest", "--data DIR", "the digest of this node's whole state (equal digests: equal data)", NULL, data_opts,
     ctl_digest, 0, 0},
    {"verify", "--data DIR --hub ENDPOINT --hub-key HEX", "compare this node's state with the hub's",
     "Lists the records that differ (exit 2 when any do).", verify_opts, ctl_verify, 0, 0},
    {"feed verify", "--data DIR", "walk the whole feed: every hash link, every signature", NULL, data_opts,
     ctl_feed_verify, 0, 0},
    {"feed export", "--data DIR --out FILE", "write the feed's raw records and signed head to FILE",
     "Format: docs/PROTOCOL.md, \"Feed export\".", out_opts, ctl_feed_export, 0, 0},
    {"check", "--data DIR [--repair]", "derive the state again from the feeds and compare it with the stored state",
     "Verifies every feed, derives the state again from the feeds and compares it with the stored\n"
     "state and indexes; --repair replaces the stored state (node stopped).", check_opts, ctl_check, 0, 0},
    {"backup", "--data DIR DEST", "a consistent, compact copy of the node (key included) in the new directory DEST",
     "The node may keep running. Makes the folders above DEST that are missing, mode 0700 (exit 4 if one\n"
     "cannot be made).", data_opts, ctl_backup, 1, 1},
    {"restore", "--data DIR BACKUP_DIR", "put a backup back as the node in DIR (a new path)",
     "It accepts no changes until it has fetched its own newest changes from the hub, so its feed\n"
     "cannot fork.", data_opts, ctl_restore, 1, 1},
    {"epoch new", "--data DIR [--force]", "a restored node that cannot reach its hub takes a new key",
     "A new feed, from seq 1; it accepts changes again; the org enrolls the new key (node stopped).", epoch_opts,
     ctl_epoch_new, 0, 0},
    {"compact", "--data DIR [--dry-run]", "purge what every enrolled node has acknowledged; write the snapshot",
     "Purges tombstones and feed records behind the horizon every enrolled node has acknowledged,\n"
     "writes the signed snapshot new nodes start from, and reports what was freed.", compact_opts, ctl_compact, 0,
     0},
    {"horizon", "--data DIR", "per feed: what this node holds, the horizon, and which node holds it back", NULL,
     data_opts, ctl_horizon, 0, 0},
    {"snapshot install", "--data DIR [--replace] FILE", "start a new, empty node (stopped) from a hub's snapshot",
     "FILE is the hub's data directory's snapshot.acs; the node then syncs the rest. --replace: over a\n"
     "node that lacks compacted records, if the snapshot holds all it has (its own changes included).",
     install_opts, ctl_snapshot_install, 1, 1},
    {"snapshot show", "FILE", "check a snapshot's signature and list its feed heads", NULL, no_opts,
     ctl_snapshot_show, 1, 1},
    {"report branches", "--data DIR --period 2026-11|2026-Q4|2026-W48|2026|2026-11-24|FROM..TO|fa:1405-09 [--branch NAME] [--csv]",
     "per branch: new customers, interactions, deals, win rate, pipeline, tasks",
     "Per branch: new customers, interactions, deals created, won, lost, win rate, days to close, won\n"
     "value, pipeline, tasks due, overdue and done.", branches_opts, ctl_report_branches, 0, 0},
    {"report customers", "--data DIR [--segment rfm] [--currency CODE] [--branch NAME] [--top N] [--csv]",
     "RFM segments and the top customers by won value", NULL, customers_opts, ctl_report_customers, 0, 0},
    {"report quality", "--data DIR [--period PERIOD] [--branch NAME] [--csv]",
     "per branch: customers with a phone, an e-mail, an owner; duplicates", NULL, branches_opts,
     ctl_report_quality, 0, 0},
    {"report tz", "--data DIR ZONE", "count report days in ZONE (e.g. Asia/Tehran; node stopped)", NULL, data_opts,
     ctl_report_tz, 1, 1},
    {"user add", "--data DIR --login LOGIN [--name NAME] --role ROLE (--org|--region R|--branch NODE) < PASSWORD_FILE",
     "make a user of the org: signs in and writes at every node their roles reach",
     "The password is the first line of standard input, never an argument; it is hashed here (Argon2id).\n"
     "The node must run: a user is a record of its feed, and replicates. The org's first user turns on the\n"
     "permission model (docs/PERMISSIONS.md); map your OS account to it next (accordctl user map).\n"
     "Without --login, --name NAME [--role manager|staff|admin] makes a local user of this node only, as\n"
     "before the org had users.", user_add_opts, ctl_user_add, 0, 0},
    {"user set", "--data DIR --login LOGIN [--name N] [--password] [--disable|--enable] [--role R --branch NODE] [--grant G] [--revoke G]",
     "change a user: password, name, disabled, roles", "--password reads the new password from standard input.",
     user_set_opts, ctl_user_set, 0, 0},
    {"user remove", "--data DIR --name NAME", "a local user may no longer sign in (org users: user set --disable)",
     NULL, user_name_opts, ctl_user_remove, 0, 0},
    {"user list", "--data DIR", "the org's users and this node's local users", NULL, data_opts, ctl_user_list, 0, 0},
    {"user map", "--data DIR --os-user ACCOUNT --login LOGIN",
     "the OS account writes as this user through the node's local socket",
     "The node reads the caller's uid from the socket; ACCORD_USER naming anyone else is refused.", user_map_opts,
     ctl_user_map, 0, 0},
    {"user unmap", "--data DIR --os-user ACCOUNT", "the OS account writes as no one", NULL, user_unmap_opts,
     ctl_user_unmap, 0, 0},
    {"user maps", "--data DIR", "which OS account writes as which user here", NULL, data_opts, ctl_user_maps, 0, 0},
    {"branch set", "--data DIR --node NODE [--code C] [--name N] [--region R] [--timezone TZ] [--currency CUR] [--calendar CAL]",
     "make or change a branch's record (its invoice prefix, region, time zone ...)", NULL, branch_set_opts,
     ctl_branch_set, 0, 0},
    {"branch list", "--data DIR", "the org's branches", NULL, data_opts, ctl_branch_list, 0, 0},
    {"token add", "--data DIR --user USER --scope read|write [--expires DATE|30d] [--name LABEL]",
     "an API token for another system (Authorization: Bearer), printed once",
     "The node keeps only the token's hash: it is shown this once. A read token may use the GET\n"
     "routes of the HTTP JSON API, a write token POST /api/node/VERB too, as USER.",
     token_add_opts, ctl_token_add, 0, 0},
    {"token list", "--data DIR", "the API tokens: id, user, scope, created, expires, last use (never the token)", NULL,
     data_opts, ctl_token_list, 0, 0},
    {"token revoke", "--data DIR ID", "end an API token (its id from 'token list'): it gets 401", NULL, data_opts,
     ctl_token_revoke, 1, 1},
    {"audit", "--data DIR [--since DATE] [--kind KIND] [--user USER] [--limit N]",
     "the access audit, newest first: sign-ins, token use, exports, refusals", NULL, audit_opts, ctl_audit, 0, 0},
    {"webhook add", "--data DIR --url URL --events LIST [--secret < FILE]",
     "POST every change that matches LIST to URL, signed; prints the id and the secret once",
     "The running node checks the URL (http or https, not its own ports) and queues each matching change\n"
     "in the change's own transaction; it POSTs them in order, retrying with backoff (docs/WEBHOOKS.md).",
     webhook_add_opts, ctl_webhook_add, 0, 0},
    {"webhook list", "--data DIR", "the webhooks: id, created, events, URL (never the secret)", NULL, data_opts,
     ctl_webhook_list, 0, 0},
    {"webhook remove", "--data DIR ID", "stop a webhook; the changes it had not taken are dropped", NULL, data_opts,
     ctl_webhook_remove, 1, 1},
    {"webhook status", "--data DIR", "per webhook: pending, delivered, failed, last delivery, next attempt, last error",
     NULL, data_opts, ctl_webhook_status, 0, 0},
    {"webhook log", "--data DIR [--hook ID] [--limit N]", "the delivery log, newest first: each attempt and its answer",
     "The newest 10,000 attempts are kept.", webhook_log_opts, ctl_webhook_log, 0, 0},
    {"pg-sync", "--data DIR --dsn DSN [--once] [--interval SECONDS] [--batch N] [--json]",
     "keep a PostgreSQL copy of this node's records up to date, for BI (docs/POSTGRES.md)",
     "Reads the store beside the running node. First a full copy, then the changes as they come; the\n"
     "position is kept in PostgreSQL with the rows, so a crash or kill anywhere resumes exactly once.\n"
     "Progress and lag (records and seconds behind) on stderr, with --json as JSON lines on stdout and\n"
     "in table accord.status. A PostgreSQL outage: it waits and tries again. SIGTERM stops it cleanly.",
     pg_sync_opts, ctl_pg_sync, 0, 0},
};
#define N_VERBS (int)(sizeof verbs / sizeof verbs[0])

static void main_help(FILE *f)
{
    fprintf(f, "usage: accordctl [--json] VERB [OPTIONS] [ARGS]\n\n"
               "Ops tool for an Accord node.\n\n"
               "verbs:\n");
    for (int i = 0; i < N_VERBS; i++) fprintf(f, "  %-17s %s\n", verbs[i].name, verbs[i].about);
    fprintf(f, "\nRun 'accordctl VERB --help' for a verb's usage and options. --json (before or after the verb)\n"
               "prints one JSON document for scripts. --data defaults to $ACCORD_DATA. An option's value is\n"
               "the next argument unless that starts with -- (then write --NAME=VALUE).\n"
               "Exit codes (docs/CLI.md): 0 done, 1 wrong arguments, 2 the feed or the state is damaged (or was\n"
               "refused), 3 cannot open the node, 4 other error.\n");
}

static void verb_help(FILE *f, const ctl_verb_t *v)
{
    ctl_usage(f, v);
    fprintf(f, "\n%s.\n", v->about);
    if (v->detail) fprintf(f, "%s\n", v->detail);
    fprintf(f, "\noptions:\n");
    for (const ctl_opt_t *o = v->opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s", o->name, o->flags & CTL_FLAG ? "" : " VALUE");
        fprintf(f, "  %-18s %s\n", left, o->help);
    }
    fprintf(f, "  %-18s %s\n  %-18s %s\n", "--json", "print one JSON document for scripts", "--help", "this text");
}

static int usage_error(const ctl_verb_t *v)
{
    ctl_usage(stderr, v);
    fprintf(stderr, "(see 'accordctl %s --help')\n", v->name);
    return ACCORD_EXIT_USAGE;
}

/* Sets --name's slot in a from arg (and the next argument, its value); an exit code. */
static int take_option(ctl_args_t *a, int argc, char **argv, int *i)
{
    const ctl_verb_t *v = a->verb;
    const char *arg = argv[*i], *eq = strchr(arg + 2, '=');
    char name[64];
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg - 2) : (int)strlen(arg + 2), arg + 2);
    if (!strcmp(name, "json") && !eq) {
        a->json = true;
        return ACCORD_EXIT_OK;
    }
    int k = 0;
    while (k < CTL_MAX_OPTS && v->opts[k].name && strcmp(v->opts[k].name, name)) k++;
    if (k == CTL_MAX_OPTS || !v->opts[k].name) {
        fprintf(stderr, "accordctl %s: unknown option --%s\n", v->name, name);
        return usage_error(v);
    }
    if (v->opts[k].flags & CTL_FLAG) {
        if (eq) {
            fprintf(stderr, "accordctl %s: --%s takes no value\n", v->name, name);
            return usage_error(v);
        }
        a->vals[k] = "";
        return ACCORD_EXIT_OK;
    }
    /* the next argument is the value unless it is itself an option: "--org-pub --data X" must
     * not pin "--data" (or, with a lenient verb, nothing); --name=VALUE takes any value but
     * an empty one */
    const char *val = eq ? eq + 1 : *i + 1 < argc && strncmp(argv[*i + 1], "--", 2) ? argv[++*i] : NULL;
    if (!val || !val[0]) {
        if (!val && *i + 1 < argc)
            fprintf(stderr, "accordctl %s: --%s needs a value, not the option %s (write --%s=VALUE for a value "
                            "that starts with --)\n", v->name, name, argv[*i + 1], name);
        else fprintf(stderr, "accordctl %s: --%s needs a value\n", v->name, name);
        return usage_error(v);
    }
    a->vals[k] = val;
    return ACCORD_EXIT_OK;
}

/* Parses argv (what follows the verb's name) against v into a, then runs v. */
static int run_verb(const ctl_verb_t *v, int argc, char **argv, bool json, const char *global_data)
{
    ctl_args_t a;
    memset(&a, 0, sizeof a);
    a.verb = v;
    a.json = json;
    a.pos = calloc((size_t)argc + 1, sizeof *a.pos);
    if (!a.pos) abort();
    int rc = ACCORD_EXIT_OK;
    for (int i = 0; i < argc && !rc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            verb_help(stdout, v);
            free(a.pos);
            return ACCORD_EXIT_OK;
        }
        if (strncmp(argv[i], "--", 2) || !argv[i][2]) a.pos[a.n_pos++] = argv[i];
        else rc = take_option(&a, argc, argv, &i);
    }
    int data = -1;
    for (int k = 0; k < CTL_MAX_OPTS && v->opts[k].name; k++)
        if (!strcmp(v->opts[k].name, "data")) data = k;
    if (!rc && global_data && data < 0) {
        fprintf(stderr, "accordctl %s: unknown option --data\n", v->name);
        rc = usage_error(v);
    }
    if (!rc && (a.n_pos < v->min_pos || a.n_pos > v->max_pos)) {
        fprintf(stderr, "accordctl %s: %s\n", v->name, a.n_pos < v->min_pos ? "missing argument" : "too many arguments");
        rc = usage_error(v);
    }
    if (!rc && data >= 0) {
        if (!a.vals[data]) a.vals[data] = global_data;
        a.dir = a.vals[data] ? a.vals[data] : getenv("ACCORD_DATA");
    }
    if (!rc) rc = v->run(&a);
    free(a.pos);
    return rc;
}

/* The longest verb name that argv spells: "node init" over a one-word verb. */
static const ctl_verb_t *find_verb(int argc, char **argv, int *words)
{
    const ctl_verb_t *best = NULL;
    for (int v = 0; v < N_VERBS; v++) {
        const char *name = verbs[v].name, *sp = strchr(name, ' ');
        size_t noun_len = sp ? (size_t)(sp - name) : strlen(name);
        if (strlen(argv[0]) != noun_len || strncmp(argv[0], name, noun_len)) continue;
        if (sp && !(argc > 1 && !strcmp(argv[1], sp + 1))) continue;
        if (!best || (sp ? 2 : 1) > *words) {
            best = &verbs[v];
            *words = sp ? 2 : 1;
        }
    }
    return best;
}

static int unknown_verb(int argc, char **argv)
{
    bool help = argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")), known = false;
    size_t len = strlen(argv[0]);
    for (int v = 0; v < N_VERBS; v++) /* a known noun: its verbs' usage */
        known |= !strncmp(verbs[v].name, argv[0], len) && verbs[v].name[len] == ' ';
    if (help && known) {
        for (int v = 0; v < N_VERBS; v++)
            if (!strncmp(verbs[v].name, argv[0], len) && verbs[v].name[len] == ' ') ctl_usage(stdout, &verbs[v]);
        return ACCORD_EXIT_OK;
    }
    fprintf(stderr, "accordctl: unknown verb '%s%s%s' (see 'accordctl --help')\n", argv[0], argc > 1 ? " " : "",
            argc > 1 ? argv[1] : "");
    for (int v = 0; v < N_VERBS; v++)
        if (!strncmp(verbs[v].name, argv[0], len) && verbs[v].name[len] == ' ') ctl_usage(stderr, &verbs[v]);
    return ACCORD_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (crypto_init()) return ACCORD_EXIT_OTHER;
    bool json = false;
    const char *global_data = NULL;
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "-", 1); i++) { /* options before the verb */
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            main_help(stdout);
            return ACCORD_EXIT_OK;
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc && argv[i + 1][0] && strncmp(argv[i + 1], "--", 2))
            global_data = argv[++i];
        else if (!strncmp(argv[i], "--data=", 7) && argv[i][7]) global_data = argv[i] + 7;
        else {
            fprintf(stderr, "accordctl: unknown or incomplete option %s before the verb (see 'accordctl --help')\n",
                    argv[i]);
            return ACCORD_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        main_help(stderr);
        return ACCORD_EXIT_USAGE;
    }
    int words = 0;
    const ctl_verb_t *v = find_verb(argc - i, argv + i, &words);
    if (!v) return unknown_verb(argc - i, argv + i);
    return run_verb(v, argc - i - words, argv + i + words, json, global_data);
}
