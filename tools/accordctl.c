/* SPDX-License-Identifier: MIT
 * accordctl: the ops tool. This verbs work on a node's data directory directly
 * (LMDB allows readers beside the running node), so they work with the node stopped too.
 * Exit codes: 0 done (and the feed is sound); 1 wrong arguments; 2 the feed or the store
 * has a problem (verify found damage); 3 cannot open the node; 4 other error. */
#define _POSIX_C_SOURCE 200809L
#include "../proto/accord_err.h"
#include "../proto/crypto.h"
#include "../proto/record.h"
#include "../server/identity.h"
#include "../server/oplog.h"
#include "../server/store.h"
#include "../client/output.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool json;

static void help(FILE *f)
{
    fprintf(f,
            "usage: accordctl [--json] VERB [OPTIONS]\n\n"
            "Ops tool for an Accord node.\n\n"
            "verbs:\n"
            "  node init --data DIR --name NAME [--role branch|hub]\n"
            "                        make a node: its Ed25519 identity and an empty store\n"
            "  node show --data DIR  the node's name, role, origin and public key\n"
            "  feed verify --data DIR\n"
            "                        walk the whole feed: every hash link, every signature\n"
            "  feed export --data DIR --out FILE\n"
            "                        write the feed's raw records and signed head to FILE\n"
            "                        (format: docs/PROTOCOL.md, \"Feed export\")\n\n"
            "--data defaults to $ACCORD_DATA. Exit codes: 0 done, 1 wrong arguments,\n"
            "2 the feed is damaged, 3 cannot open the node, 4 other error.\n");
}

static const char *opt_value(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0 && i + 1 < argc) return argv[i + 1];
    return NULL;
}

static bool has_flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return true;
    return false;
}

static int open_node(const char *dir, store_t **st, identity_t **id)
{
    char err[512];
    if (!dir) {
        fprintf(stderr, "accordctl: give the node's directory with --data DIR (or set ACCORD_DATA)\n");
        return 1;
    }
    int rc = store_open(dir, STORE_RDONLY, st);
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

static int node_init(int argc, char **argv, const char *dir)
{
    const char *name = opt_value(argc, argv, "--name"), *role = opt_value(argc, argv, "--role");
    if (!dir || !name) {
        fprintf(stderr, "usage: accordctl node init --data DIR --name NAME [--role branch|hub]\n");
        return 1;
    }
    char err[512];
    int rc = identity_create(dir, name, role ? role : "branch", err, sizeof err);
    if (rc) {
        fprintf(stderr, "accordctl: %s\n", err);
        return rc == ACCORD_EINVAL ? 1 : 3;
    }
    return 0;
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
    uint64_t n = 0;
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
    if (!strcmp(noun, "feed") && !strcmp(verb, "verify")) return feed_verify(dir);
    if (!strcmp(noun, "feed") && !strcmp(verb, "export")) return feed_export(dir, opt_value(argc, argv, "--out"));
    fprintf(stderr, "accordctl: unknown verb '%s %s' (see 'accordctl --help')\n", noun, verb);
    return 1;
}
