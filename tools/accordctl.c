/* SPDX-License-Identifier: MIT
 * accordctl: the ops tool. This verbs work on a node's data directory directly
 * (LMDB allows readers beside the running node), so they work with the node stopped too.
 * Exit codes: 0 done (and the feed is sound); 1 wrong arguments; 2 the feed or the store
 * has a problem (verify found damage); 3 cannot open the node; 4 other error. */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/record.h"
#include "ops/check.h"
#include "state/kpi.h"
#include "auth/identity.h"
#include "feed/oplog.h"
#include "store/store.h"
#include "client/output.h"
#include "client/accord_client.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

bool json;

static void help(FILE *f)
{
    fprintf(f,
            "usage: accordctl [--json] VERB [OPTIONS]\n\n"
            "Ops tool for an Accord node.\n\n"
            "verbs:\n"
            "  node init --data DIR --name NAME [--role branch|hub]\n"
            "                        make a node: its Ed25519 identity and an empty store\n"
            "      [--org-pub HEX]   ... pinning the org public key it will trust\n"
            "  node show --data DIR  the node's name, role, origin and public key\n"
            "  org init --out FILE   make the org key (keep FILE offline); prints its public key\n"
            "  enroll --data DIR --org-key FILE --node-pub HEX --name NAME --role hub|branch\n"
            "      [--region REGION] sign a roster entry for a node into DIR's roster (usually\n"
            "                        the hub's; it replicates from there)\n"
            "  revoke --data DIR --org-key FILE --node-pub HEX\n"
            "                        sign a revocation: the node is refused and cut off\n"
            "  roster --data DIR     the roster this node holds\n"
            "  sync status --data DIR\n"
            "                        each peer: connected, last seen, lag in records and\n"
            "                        seconds, refused batches and why; quarantined feeds\n"
            "  bundle vector --data DIR\n"
            "                        the last seq this node holds of every feed ('ORIGIN SEQ'\n"
            "                        lines), to give to the node that exports a bundle for it\n"
            "  bundle export --data DIR --to NODE_PUBLIC_KEY [--since VECTOR_FILE] --out FILE\n"
            "                        the roster and the signed changes the recipient lacks,\n"
            "                        sealed to its key, for when the line is down\n"
            "  bundle import --data DIR FILE\n"
            "                        check the whole bundle, then apply it (a running node\n"
            "                        may stay up); importing twice changes nothing\n"
            "  digest --data DIR     the digest of this node's whole state (equal digests:\n"
            "                        equal data)\n"
            "  verify --data DIR --hub ENDPOINT --hub-key HEX\n"
            "                        compare this node's state with the hub's; list the\n"
            "                        records that differ (exit 2 when any do)\n"
            "  sync release --data DIR --feed ORIGIN\n"
            "                        take a quarantined (forked) feed again, after its node\n"
            "                        was dealt with (see sync status)\n"
            "  feed verify --data DIR\n"
            "                        walk the whole feed: every hash link, every signature\n"
            "  feed export --data DIR --out FILE\n"
            "                        write the feed's raw records and signed head to FILE\n"
            "                        (format: docs/PROTOCOL.md, \"Feed export\")\n"
            "  check --data DIR [--repair]\n"
            "                        verify every feed, derive the state again from the feeds\n"
            "                        and compare it with the stored state and indexes;\n"
            "                        --repair replaces the stored state (node stopped)\n"
            "  backup --data DIR DEST\n"
            "                        a consistent, compact copy of the node (key included) in\n"
            "                        the new directory DEST; the node may keep running\n"
            "  restore --data DIR BACKUP_DIR\n"
            "                        put a backup back as the node in DIR (a new path); it\n"
            "                        accepts no changes until it has fetched its own newest\n"
            "                        changes from the hub, so its feed cannot fork\n"
            "  epoch new --data DIR [--force]\n"
            "                        a restored node that cannot reach its hub takes a new\n"
            "                        key (a new feed, from seq 1) and accepts changes again;\n"
            "                        the org enrolls the new key (node stopped)\n"
            "  compact --data DIR [--dry-run]\n"
            "                        purge tombstones and feed records behind the horizon\n"
            "                        every enrolled node has acknowledged, write the signed\n"
            "                        snapshot new nodes start from; report what was freed\n"
            "  horizon --data DIR    per feed: what this node holds, the horizon, and which\n"
            "                        node holds it back\n"
            "  snapshot install --data DIR [--replace] FILE\n"
            "                        start a new, empty node (stopped) from a hub's snapshot\n"
            "                        (its data directory's snapshot.acs); it then syncs the rest;\n"
            "                        --replace: over a node that lacks compacted records, if the\n"
            "                        snapshot holds all it has (its own changes included)\n"
            "  snapshot show FILE    check a snapshot's signature and list its feed heads\n"
            "  report branches --data DIR --period 2026-11|2026-W48|2026|2026-11-24|FROM..TO\n"
            "      [--branch NAME] [--csv]\n"
            "                        per branch: new customers, interactions, deals created,\n"
            "                        won, lost, win rate, days to close, won value, pipeline,\n"
            "                        tasks due, overdue and done\n"
            "  report customers --data DIR [--segment rfm] [--currency CODE] [--top N]\n"
            "                        RFM segments and the top customers by won value\n"
            "  report quality --data DIR\n"
            "                        per branch: customers with a phone, an e-mail, an owner\n"
            "  report tz --data DIR ZONE\n"
            "                        count report days in ZONE (e.g. Asia/Tehran; node stopped)\n"
            "  user add --data DIR --name NAME [--role manager|admin] < PASSWORD_FILE\n"
            "  user remove --data DIR --name NAME | user list --data DIR\n"
            "                        who may sign in to the node's web pages (Argon2id)\n\n"
            "--data defaults to $ACCORD_DATA. Exit codes: 0 done, 1 wrong arguments,\n"
            "2 the feed or the state is damaged, 3 cannot open the node, 4 other error.\n");
}

const char *opt_value(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0 && i + 1 < argc) return argv[i + 1];
    return NULL;
}

bool has_flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return true;
    return false;
}

static int open_node_as(const char *dir, unsigned flags, store_t **st, identity_t **id)
{
    char err[512];
    if (!dir) {
        fprintf(stderr, "accordctl: give the node's directory with --data DIR (or set ACCORD_DATA)\n");
        return 1;
    }
    int rc = store_open(dir, flags, st);
    if (!rc) rc = kpi_use_time_zone(*st); /* report days and check use the node's zone */
    if (rc) {
        fprintf(stderr, "accordctl: cannot open the store in %s: %s\n", dir, accord_strerror(rc));
        return 3;
    }
    if ((rc = identity_load(dir, *st, id, err, sizeof err))) {
        fprintf(stderr, "accordctl: %s\n", err);
        store_close(st);
        return 3;
    }
    return 0;
}

int open_node(const char *dir, store_t **st, identity_t **id)
{
    return open_node_as(dir, STORE_RDONLY, st, id);
}

int open_node_writable(const char *dir, store_t **st, identity_t **id)
{
    return open_node_as(dir, 0, st, id);
}

const char *sole_argument(int argc, char **argv, int first)
{
    const char *arg = NULL;
    for (int k = first; k < argc; k++) {
        if (!strcmp(argv[k], "--data")) { k++; continue; }
        if (argv[k][0] == '-') continue;
        arg = argv[k];
    }
    return arg;
}

bool tell_node_reload(const char *dir)
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

static int node_init(int argc, char **argv, const char *dir)
{
    const char *name = opt_value(argc, argv, "--name"), *role = opt_value(argc, argv, "--role");
    if (!dir || !name) {
        fprintf(stderr, "usage: accordctl node init --data DIR --name NAME [--role branch|hub]\n");
        return 1;
    }
    const char *org_hex = opt_value(argc, argv, "--org-pub");
    uint8_t org_pk[CRYPTO_PK_LEN];
    if (org_hex && crypto_unhex(org_hex, org_pk, sizeof org_pk)) {
        fprintf(stderr, "accordctl: --org-pub takes the org public key: 64 hex digits (from 'accordctl org init')\n");
        return 1;
    }
    char err[512];
    int rc = identity_create(dir, name, role ? role : "branch", err, sizeof err);
    if (rc) {
        fprintf(stderr, "accordctl: %s\n", err);
        return rc == ACCORD_EINVAL ? 1 : 3;
    }
    return org_hex ? pin_org(dir, org_pk) : 0;
}

static void print_node(const identity_t *id)
{
    char origin[2 * ID_LEN + 1], pk[2 * CRYPTO_PK_LEN + 1];
    crypto_hex(id->origin, ID_LEN, origin);
    crypto_hex(id->pk, CRYPTO_PK_LEN, pk);
    if (json)
        printf("{\"name\":\"%s\",\"role\":\"%s\",\"origin\":\"%s\",\"public_key\":\"%s\"}\n", id->name, id->role, origin, pk);
    else
        printf("name        %s\nrole        %s\norigin      %s\npublic key  %s\n", id->name, id->role, origin, pk);
}

static void progress(void *ctx, uint64_t done)
{
    (void)ctx;
    if (isatty(2)) fprintf(stderr, "\rverified %llu records...", (unsigned long long)done);
}

static int feed_verify(const char *dir)
{
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = open_node(dir, &st, &id);
    if (rc) return rc;
    store_txn_t *t;
    if ((rc = store_txn_begin(st, NULL, false, &t))) {
        fprintf(stderr, "accordctl: cannot read the store: %s\n", accord_strerror(rc));
        goto out;
    }
    feed_report_t rep;
    rc = oplog_verify(t, id->origin, id->pk, &rep, progress, NULL);
    store_txn_abort(&t);
    if (isatty(2)) fputc('\n', stderr);
    if (json) {
        printf("{\"ok\":%s,\"records\":%llu,\"checkpoints\":%llu,\"head_seq\":%llu,\"bad_seq\":%llu,\"error\":\"%s\",\"message\":\"%s\"}\n",
               rc ? "false" : "true", (unsigned long long)rep.records, (unsigned long long)rep.checkpoints,
               (unsigned long long)rep.head_seq, (unsigned long long)rep.bad_seq, rc ? accord_errname(rc) : "",
               rep.why);
    } else if (rc == 0) {
        printf("feed of %s is sound: %llu records, %llu signed checkpoints, head at %llu\n", id->name,
               (unsigned long long)rep.records, (unsigned long long)rep.checkpoints, (unsigned long long)rep.head_seq);
    } else {
        printf("feed of %s is DAMAGED at seq %llu: %s\n", id->name, (unsigned long long)rep.bad_seq, rep.why);
    }
    rc = rc ? (rc == ACCORD_ECHAIN || rc == ACCORD_ESIG || rc == ACCORD_EPROTO ? 2 : 4) : 0;
out:
    identity_destroy(&id);
    store_close(&st);
    return rc;
}

/* Feed export: "ACCORDF1", then msgpack: [origin bin16, public key bin32, name str,
 * record count uint], each record as bin, then the head [seq, hash bin32, sig bin64]. */
static int feed_export(const char *dir, const char *out_path)
{
    if (!out_path) {
        fprintf(stderr, "usage: accordctl feed export --data DIR --out FILE\n");
        return 1;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = open_node(dir, &st, &id);
    if (rc) return rc;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    FILE *f = fopen(tmp, "wb");
    store_txn_t *t = NULL;
    if (!f) {
        fprintf(stderr, "accordctl: cannot write %s: %s\n", tmp, strerror(errno));
        rc = 4;
        goto out;
    }
    if ((rc = store_txn_begin(st, NULL, false, &t))) goto fail;
    store_val_t head;
    uint64_t head_seq = 0;
    if (store_get(t, TBL_HEADS, id->origin, ID_LEN, &head) == 0 && head.len == 8 + 32 + 64)
        head_seq = be64_get(head.data);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_bin(&pk, ID_LEN); msgpack_pack_bin_body(&pk, id->origin, ID_LEN);
    msgpack_pack_bin(&pk, CRYPTO_PK_LEN); msgpack_pack_bin_body(&pk, id->pk, CRYPTO_PK_LEN);
    msgpack_pack_str(&pk, strlen(id->name)); msgpack_pack_str_body(&pk, id->name, strlen(id->name));
    msgpack_pack_uint64(&pk, head_seq);
    fwrite("ACCORDF1", 1, 8, f);
    fwrite(sb.data, 1, sb.size, f);
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_FEED, id->origin, ID_LEN, false, &it))) { msgpack_sbuffer_destroy(&sb); goto fail; }
    store_val_t k, v;
    uint64_t n = 0, base = 0;
    if (store_get(t, TBL_BASES, id->origin, ID_LEN, &v) == 0 && v.len >= 8) base = be64_get(v.data);
    if (base) { /* the format holds a whole feed, from seq 1 */
        fprintf(stderr, "accordctl: this node's feed was compacted up to seq %llu: records 1-%llu are no longer here to "
                        "export\n", (unsigned long long)base, (unsigned long long)base);
        store_iter_destroy(&it);
        msgpack_sbuffer_destroy(&sb);
        store_txn_abort(&t);
        fclose(f);
        unlink(tmp);
        rc = 2;
        goto out;
    }
    while (n < head_seq && (rc = store_iter_next(it, &k, &v)) == 1) {
        sb.size = 0;
        msgpack_pack_bin(&pk, v.len);
        msgpack_pack_bin_body(&pk, v.data, v.len);
        fwrite(sb.data, 1, sb.size, f);
        if (++n % 65536 == 0 && isatty(2))
            fprintf(stderr, "\rexported %llu of %llu records...", (unsigned long long)n, (unsigned long long)head_seq);
    }
    if (n >= 65536 && isatty(2)) fputc('\n', stderr);
    store_iter_destroy(&it);
    sb.size = 0;
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint64(&pk, head_seq);
    if (head_seq) {
        msgpack_pack_bin(&pk, 32); msgpack_pack_bin_body(&pk, (const uint8_t *)head.data + 8, 32);
        msgpack_pack_bin(&pk, 64); msgpack_pack_bin_body(&pk, (const uint8_t *)head.data + 40, 64);
    } else {
        msgpack_pack_nil(&pk);
        msgpack_pack_nil(&pk);
    }
    fwrite(sb.data, 1, sb.size, f);
    msgpack_sbuffer_destroy(&sb);
    store_txn_abort(&t);
    if (rc < 0 || n != head_seq) {
        fprintf(stderr, "accordctl: the feed has %llu of %llu records: run 'accordctl feed verify'\n",
                (unsigned long long)n, (unsigned long long)head_seq);
        rc = 2;
        fclose(f);
        unlink(tmp);
        goto out;
    }
    if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, out_path)) {
        fprintf(stderr, "accordctl: cannot write %s: %s\n", out_path, strerror(errno));
        unlink(tmp);
        rc = 4;
        goto out;
    }
    if (json) {
        printf("{\"records\":%llu,\"file\":", (unsigned long long)n);
        output_json_string(stdout, out_path);
        printf("}\n");
    }
    else printf("exported %llu records of %s to %s\n", (unsigned long long)n, id->name, out_path);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "accordctl: cannot read the feed: %s\n", accord_strerror(rc));
    store_txn_abort(&t);
    fclose(f);
    unlink(tmp);
    rc = 4;
out:
    identity_destroy(&id);
    store_close(&st);
    return rc;
}

static void check_progress(void *ctx, const char *stage, uint64_t done)
{
    (void)ctx;
    if (isatty(2)) fprintf(stderr, "\r%s... %llu records   ", stage, (unsigned long long)done);
}

static void print_check(const char *name, int rc, const check_report_t *rep, bool repaired)
{
    if (isatty(2)) fputc('\n', stderr);
    if (json) {
        printf("{\"ok\":%s,\"repaired\":%s,\"feeds\":%u,\"feeds_without_key\":%u,\"feeds_damaged\":%u,"
               "\"records\":%llu,\"missing\":%llu,\"extra\":%llu,\"differ\":%llu,\"error\":\"%s\",\"examples\":[",
               rc ? "false" : "true", repaired ? "true" : "false", rep->feeds, rep->feeds_unsigned, rep->feeds_bad,
               (unsigned long long)rep->records, (unsigned long long)rep->missing, (unsigned long long)rep->extra,
               (unsigned long long)rep->differ, rc ? accord_errname(rc) : "");
        for (unsigned i = 0; i < rep->n_examples; i++) {
            if (i) putchar(',');
            output_json_string(stdout, rep->examples[i]);
        }
        printf("]}\n");
        return;
    }
    printf("%s: %u feeds (%u checked without a key), %llu records\n", name, rep->feeds, rep->feeds_unsigned,
           (unsigned long long)rep->records);
    if (rc == 0) {
        printf(repaired ? "state rebuilt from the feeds\n" : "sound: the stored state and indexes are what the feeds give\n");
        return;
    }
    if (rep->feeds_bad) printf("%u feed(s) DAMAGED: run 'accordctl feed verify'; state is not rebuilt from a damaged feed\n", rep->feeds_bad);
    if (rep->missing || rep->extra || rep->differ)
        printf("state DIFFERS from the feeds: %llu keys missing, %llu extra, %llu different; "
               "fix with 'accordctl check --repair' (node stopped)\n",
               (unsigned long long)rep->missing, (unsigned long long)rep->extra, (unsigned long long)rep->differ);
    for (unsigned i = 0; i < rep->n_examples; i++) printf("  %s\n", rep->examples[i]);
    if (!rep->feeds_bad && !rep->missing && !rep->extra && !rep->differ) printf("check failed: %s\n", accord_strerror(rc));
}

static int check(const char *dir, bool repair)
{
    if (!dir) {
        fprintf(stderr, "usage: accordctl check --data DIR [--repair]\n");
        return 1;
    }
    int lock_fd = -1;
    if (repair) { /* the node keeps its feed head in memory: it must not run meanwhile */
        char lock_path[4200];
        snprintf(lock_path, sizeof lock_path, "%s/accord-node.lock", dir);
        lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
            fprintf(stderr, "accordctl: the node on %s is running (or %s cannot be locked): stop it before --repair\n",
                    dir, lock_path);
            if (lock_fd >= 0) close(lock_fd);
            return 3;
        }
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    char err[512];
    int rc = store_open(dir, repair ? 0 : STORE_RDONLY, &st);
    if (rc) {
        fprintf(stderr, "accordctl: cannot open the store in %s: %s\n", dir, accord_strerror(rc));
        if (lock_fd >= 0) close(lock_fd);
        return 3;
    }
    if ((rc = identity_load(dir, st, &id, err, sizeof err))) {
        fprintf(stderr, "accordctl: %s\n", err);
        store_close(&st);
        if (lock_fd >= 0) close(lock_fd);
        return 3;
    }
    check_report_t rep;
    if (repair) {
        rc = check_repair(st, id, &rep, check_progress, NULL);
    } else {
        char scratch[] = "/tmp/accord-check-XXXXXX";
        if (!mkdtemp(scratch)) {
            fprintf(stderr, "accordctl: cannot make a scratch directory in /tmp: %s\n", strerror(errno));
            rc = ACCORD_EIO;
        } else {
            rc = check_store(st, id, scratch, &rep, check_progress, NULL);
            char path[64];
            snprintf(path, sizeof path, "%s/data.mdb", scratch);
            unlink(path);
            snprintf(path, sizeof path, "%s/lock.mdb", scratch);
            unlink(path);
            rmdir(scratch);
        }
    }
    print_check(id->name, rc, &rep, repair && rc == 0);
    identity_destroy(&id);
    store_close(&st);
    if (lock_fd >= 0) close(lock_fd);
    return rc == 0 ? 0 : (rc == ACCORD_ESTORE || rc == ACCORD_ECHAIN || rc == ACCORD_ESIG || rc == ACCORD_EPROTO) ? 2 : 4;
}

static int backup(const char *dir, const char *dest)
{
    if (!dir || !dest) {
        fprintf(stderr, "usage: accordctl backup --data DIR DEST\n");
        return 1;
    }
    if (mkdir(dest, 0700) != 0) {
        fprintf(stderr, "accordctl: cannot create %s: %s (give a new directory)\n", dest, strerror(errno));
        return errno == EEXIST ? 1 : 4;
    }
    store_t *st = NULL;
    int rc = store_open(dir, STORE_RDONLY, &st);
    if (rc) {
        fprintf(stderr, "accordctl: cannot open the store in %s: %s\n", dir, accord_strerror(rc));
        rmdir(dest);
        return 3;
    }
    rc = store_backup(st, dest);
    store_close(&st);
    /* the key goes along: a backup restores a node, not only its data */
    char from[4200], to[4200];
    snprintf(from, sizeof from, "%s/node.key", dir);
    snprintf(to, sizeof to, "%s/node.key", dest);
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
        snprintf(to, sizeof to, "%s/node.key", dest);
        unlink(to);
        snprintf(to, sizeof to, "%s/data.mdb", dest);
        unlink(to);
        rmdir(dest);
        fprintf(stderr, "accordctl: the backup to %s failed: %s%s; the partial copy was removed, the node is untouched\n",
                dest, accord_strerror(rc), full ? " (the disk is full)" : "");
        return 4;
    }
    if (json) {
        printf("{\"ok\":true,\"dir\":");
        output_json_string(stdout, dest);
        printf("}\n");
    } else {
        printf("backed up %s to %s (it holds the node's secret key: keep it safe)\n", dir, dest);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (crypto_init()) return 4;
    int i = 1;
    if (i < argc && strcmp(argv[i], "--json") == 0) { json = true; i++; }
    if (i >= argc || has_flag(argc, argv, "--help") || has_flag(argc, argv, "-h")) {
        help(i >= argc ? stderr : stdout);
        return i >= argc ? 1 : 0;
    }
    if (has_flag(argc, argv, "--json")) json = true;
    const char *dir = opt_value(argc, argv, "--data");
    if (!dir) dir = getenv("ACCORD_DATA");
    const char *noun = argv[i], *verb = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(noun, "node") && !strcmp(verb, "init")) return node_init(argc, argv, dir);
    if (!strcmp(noun, "node") && !strcmp(verb, "show")) {
        store_t *st = NULL;
        identity_t *id = NULL;
        int rc = open_node(dir, &st, &id);
        if (rc) return rc;
        print_node(id);
        identity_destroy(&id);
        store_close(&st);
        return 0;
    }
    if (!strcmp(noun, "org") && !strcmp(verb, "init")) return org_init(opt_value(argc, argv, "--out"));
    if (!strcmp(noun, "enroll")) return roster_sign(argc, argv, dir, ROSTER_ENROLL);
    if (!strcmp(noun, "revoke")) return roster_sign(argc, argv, dir, ROSTER_REVOKE);
    if (!strcmp(noun, "roster")) return roster_list(dir);
    if (!strcmp(noun, "sync")) return sync_cmd(argc, argv, dir, verb);
    if (!strcmp(noun, "bundle")) return bundle_cmd(argc, argv, dir, verb);
    if (!strcmp(noun, "restore")) return restore_cmd(argc, argv, dir);
    if (!strcmp(noun, "epoch")) return epoch_cmd(argc, argv, dir, verb);
    if (!strcmp(noun, "digest")) return digest_cmd(dir);
    if (!strcmp(noun, "verify")) return verify_cmd(argc, argv, dir);
    if (!strcmp(noun, "feed") && !strcmp(verb, "verify")) return feed_verify(dir);
    if (!strcmp(noun, "feed") && !strcmp(verb, "export")) return feed_export(dir, opt_value(argc, argv, "--out"));
    if (!strcmp(noun, "compact")) return compact_cmd(argc, argv, dir);
    if (!strcmp(noun, "report")) return report_cmd(argc, argv, dir, verb);
    if (!strcmp(noun, "user")) return user_cmd(argc, argv, dir, verb);
    if (!strcmp(noun, "horizon")) return horizon_cmd(dir);
    if (!strcmp(noun, "snapshot")) return snapshot_cmd(argc, argv, dir, verb);
    if (!strcmp(noun, "check")) return check(dir, has_flag(argc, argv, "--repair"));
    if (!strcmp(noun, "backup")) {
        return backup(dir, sole_argument(argc, argv, i + 1));
    }
    fprintf(stderr, "accordctl: unknown verb '%s %s' (see 'accordctl --help')\n", noun, verb);
    return 1;
}
