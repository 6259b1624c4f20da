/* SPDX-License-Identifier: MIT
 * accordctl bundle vector / export / import: moving feeds by file when the line is down.
 * Export writes, sealed to the recipient, the roster and the signed batches the
 * recipient's vector lacks; import checks the whole file before applying anything, then
 * applies it batch by batch exactly as replication would (apply.h). */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "client/accord_client.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/bundle.h"
#include "proto/hlc.h"
#include "proto/record.h"
#include "proto/wire.h"
#include "feed/apply.h"
#include "feed/feed_batch.h"
#include "ops/snapshot_io.h"
#include "auth/roster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FEEDS 65536
#define BUNDLE_TARGET_RECORDS 1024
#define MAX_CLOCK_SKEW_MS (300u * 1000)

typedef struct {
    uint8_t origin[ID_LEN];
    uint64_t seq;
} vec_entry_t;

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Every feed this node holds and its head seq. */
static int read_heads(store_txn_t *t, vec_entry_t *v, uint32_t cap, uint32_t *n)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_HEADS, NULL, 0, false, &it);
    if (rc) return rc;
    store_val_t k, val;
    *n = 0;
    while ((rc = store_iter_next(it, &k, &val)) == 1 && *n < cap) {
        if (k.len != ID_LEN || val.len < 8) continue;
        memcpy(v[*n].origin, k.data, ID_LEN);
        v[(*n)++].seq = be64_get(val.data);
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

static int vector_cmd(const char *dir)
{
    store_t *st;
    identity_t *id;
    int rc = open_node(dir, &st, &id);
    if (rc) return rc;
    static vec_entry_t v[MAX_FEEDS];
    uint32_t n = 0;
    store_txn_t *t;
    if ((rc = store_txn_begin(st, NULL, false, &t)) == 0) {
        rc = read_heads(t, v, MAX_FEEDS, &n);
        store_txn_abort(&t);
    }
    if (rc) fprintf(stderr, "accordctl: cannot read the feeds of %s: %s\n", dir, accord_strerror(rc));
    for (uint32_t i = 0; !rc && i < n; i++) {
        char hex[2 * ID_LEN + 1];
        crypto_hex(v[i].origin, ID_LEN, hex);
        printf("%s %llu\n", hex, (unsigned long long)v[i].seq);
    }
    identity_destroy(&id);
    store_close(&st);
    return rc ? 4 : 0;
}

/* A vector file: lines "ORIGIN_HEX SEQ", '#' comments and blank lines allowed. */
static int read_vector(const char *path, vec_entry_t *v, uint32_t cap, uint32_t *n)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "accordctl: cannot open the vector %s: %s\n", path, strerror(errno));
        return 3;
    }
    char line[256];
    unsigned lineno = 0;
    int rc = 0;
    *n = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            fprintf(stderr, "accordctl: %s line %u: too long\n", path, lineno);
            rc = 1;
            break;
        }
        char hex[64], extra[8];
        unsigned long long seq;
        if (line[0] == '#' || strspn(line, " \t\r\n") == len) continue;
        if (sscanf(line, "%63s %llu %7s", hex, &seq, extra) != 2 || strlen(hex) != 2 * ID_LEN ||
            crypto_unhex(hex, v[*n].origin, ID_LEN)) {
            fprintf(stderr, "accordctl: %s line %u: expected 'ORIGIN SEQ' (32 hex digits, a number), as "
                            "'accordctl bundle vector' prints\n", path, lineno);
            rc = 1;
        } else if (*n + 1 >= cap) {
            fprintf(stderr, "accordctl: %s: more than %u feeds\n", path, cap);
            rc = 1;
        } else {
            v[(*n)++].seq = seq;
        }
    }
    if (f != stdin) fclose(f);
    return rc;
}

static uint64_t since_of(const vec_entry_t *v, uint32_t n, const uint8_t origin[ID_LEN])
{
    for (uint32_t i = 0; i < n; i++)
        if (!memcmp(v[i].origin, origin, ID_LEN)) return v[i].seq;
    return 0;
}

static int export_cmd(int argc, char **argv, const char *dir)
{
    const char *to = opt_value(argc, argv, "--to"), *since = opt_value(argc, argv, "--since");
    const char *out_path = opt_value(argc, argv, "--out");
    uint8_t to_pk[CRYPTO_PK_LEN];
    if (!to || !out_path) {
        fprintf(stderr, "usage: accordctl bundle export --data DIR --to NODE_PUBLIC_KEY [--since VECTOR_FILE] --out FILE\n");
        return 1;
    }
    if (strlen(to) != 2 * CRYPTO_PK_LEN || crypto_unhex(to, to_pk, sizeof to_pk)) {
        fprintf(stderr, "accordctl: --to takes the recipient's public key: 64 hex digits ('accordctl node show' there)\n");
        return 1;
    }
    static vec_entry_t have[MAX_FEEDS], heads[MAX_FEEDS];
    uint32_t n_have = 0, n_heads = 0;
    int rc = since ? read_vector(since, have, MAX_FEEDS, &n_have) : 0;
    if (rc) return rc;
    store_t *st;
    identity_t *id;
    if ((rc = open_node(dir, &st, &id))) return rc;
    store_txn_t *t;
    roster_entry_t e;
    uint8_t to_origin[ID_LEN];
    crypto_origin_of(to_pk, to_origin);
    int exit_code = 4;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    FILE *f = NULL;
    bundle_writer_t *w = NULL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    uint64_t batches = 0, records = 0, feeds = 0;
    if ((rc = store_txn_begin(st, NULL, false, &t))) {
        fprintf(stderr, "accordctl: cannot read %s: %s\n", dir, accord_strerror(rc));
        goto done;
    }
    rc = roster_by_pk(t, to_pk, &e);
    if (rc || e.action == ROSTER_REVOKE) {
        fprintf(stderr, "accordctl: the recipient %s is %s in this node's roster: a bundle goes only to an enrolled node\n",
                to, rc ? "not" : "revoked");
        exit_code = 2;
        goto txn_done;
    }
    if ((rc = read_heads(t, heads, MAX_FEEDS, &n_heads))) {
        fprintf(stderr, "accordctl: cannot read the feeds: %s\n", accord_strerror(rc));
        goto txn_done;
    }
    if (!(f = fopen(tmp, "wb")) || (rc = bundle_writer_open(f, to_pk, &w))) {
        fprintf(stderr, "accordctl: cannot write %s: %s\n", tmp, f ? accord_strerror(rc) : strerror(errno));
        goto txn_done;
    }
    uint32_t entries;
    if ((rc = roster_message(t, 0, &sb, &entries)) || (rc = bundle_write(w, sb.data, sb.size))) {
        fprintf(stderr, "accordctl: cannot write the roster into %s: %s\n", tmp, accord_strerror(rc));
        goto txn_done;
    }
    static feed_batch_t b;
    bool tty = isatty(2);
    for (uint32_t i = 0; i < n_heads && !rc; i++) {
        if (!memcmp(heads[i].origin, to_origin, ID_LEN)) continue; /* its own feed: it has it */
        uint64_t from = since_of(have, n_have, heads[i].origin) + 1, base;
        if ((rc = snapshot_base(t, heads[i].origin, &base))) break;
        if (from <= base) {
            char hex[2 * ID_LEN + 1];
            crypto_hex(heads[i].origin, ID_LEN, hex);
            fprintf(stderr, "accordctl: the recipient lacks records of feed %.12s up to seq %llu, which were compacted "
                            "away here; it must start again from this hub's snapshot ('accordctl snapshot install')\n",
                    hex, (unsigned long long)base);
            rc = ACCORD_EPURGED;
            break;
        }
        if (from <= heads[i].seq) feeds++;
        while (from <= heads[i].seq && !rc) {
            uint64_t last = feed_batch(t, heads[i].origin, from, heads[i].seq, BUNDLE_TARGET_RECORDS,
                                       WIRE_BATCH_BYTES, &b);
            if (!last) {
                char hex[2 * ID_LEN + 1];
                crypto_hex(heads[i].origin, ID_LEN, hex);
                fprintf(stderr, "accordctl: feed %s has no signed checkpoint after seq %llu; run 'accordctl check'\n",
                        hex, (unsigned long long)from);
                rc = ACCORD_ECHAIN;
                break;
            }
            sb.size = 0;
            msgpack_packer pk;
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            wire_pack_batch_head(&pk, heads[i].origin, b.sig, b.n);
            for (uint32_t k = 0; k < b.n; k++) wire_pack_bin(&pk, b.items[k], b.lens[k]);
            if ((rc = bundle_write(w, sb.data, sb.size))) {
                fprintf(stderr, "accordctl: cannot write %s: %s\n", tmp, accord_strerror(rc));
                break;
            }
            batches++;
            records += b.n;
            from = last + 1;
            if (tty && batches % 64 == 0) fprintf(stderr, "\r  %llu records ...", (unsigned long long)records);
        }
    }
    if (tty && batches >= 64) fprintf(stderr, "\n");
    if (!rc && (rc = bundle_writer_finish(&w)))
        fprintf(stderr, "accordctl: cannot write %s: %s\n", tmp, accord_strerror(rc));
    if (!rc && (fsync(fileno(f)) || fclose(f))) {
        fprintf(stderr, "accordctl: cannot write %s: %s (is the disk full?)\n", tmp, strerror(errno));
        rc = ACCORD_EIO;
        f = NULL;
    } else if (!rc) {
        f = NULL;
        if (rename(tmp, out_path)) {
            fprintf(stderr, "accordctl: cannot rename %s to %s: %s\n", tmp, out_path, strerror(errno));
            rc = ACCORD_EIO;
        }
    }
    if (!rc) exit_code = 0;
txn_done:
    store_txn_abort(&t);
done:
    bundle_writer_abort(&w);
    if (f) fclose(f);
    if (exit_code) unlink(tmp);
    msgpack_sbuffer_destroy(&sb);
    identity_destroy(&id);
    store_close(&st);
    if (exit_code == 0) {
        if (json)
            printf("{\"file\":\"%s\",\"feeds\":%llu,\"batches\":%llu,\"records\":%llu}\n", out_path,
                   (unsigned long long)feeds, (unsigned long long)batches, (unsigned long long)records);
        else
            printf("wrote %s: %llu records of %llu feed(s) in %llu batches, sealed to %s\n", out_path,
                   (unsigned long long)records, (unsigned long long)feeds, (unsigned long long)batches, to);
    }
    return exit_code;
}

static wire_vec_t vec_space[1];
static const uint8_t *items[WIRE_MAX_ROSTER];
static size_t item_lens[WIRE_MAX_ROSTER];

static int decode_msg(const uint8_t *msg, size_t len, wire_msg_t *m)
{
    static wire_digest_t none[1];
    wire_space_t sp = {vec_space, 0, items, item_lens, WIRE_MAX_ROSTER, none, 0};
    int rc = wire_decode(msg, len, &sp, m);
    if (!rc && m->type != WIRE_ROSTER && m->type != WIRE_BATCH) rc = ACCORD_EPROTO;
    return rc;
}

/* Pass 1: the whole file opens, every chunk authenticates and decodes, and it ends with
 * the final chunk. Nothing is applied unless this passes. */
static int check_file(FILE *f, const identity_t *id, const char *path, uint64_t *batches, uint64_t *records)
{
    bundle_reader_t *r;
    int rc = bundle_reader_open(f, id->pk, id->sk, &r);
    if (rc) {
        fprintf(stderr, "accordctl: %s: %s\n", path,
                rc == ACCORD_ENOTMINE ? "this bundle is addressed to another node"
                : rc == ACCORD_ESIG   ? "this bundle was not sealed to this node's key"
                                      : "not an Accord bundle (or its header is damaged)");
        return rc;
    }
    const uint8_t *msg;
    size_t len;
    *batches = *records = 0;
    while ((rc = bundle_read(r, &msg, &len)) == 1) {
        wire_msg_t m;
        if ((rc = decode_msg(msg, len, &m))) break;
        if (m.type == WIRE_BATCH) {
            (*batches)++;
            *records += m.n_items;
        }
    }
    if (rc < 0)
        fprintf(stderr, "accordctl: %s: %s at byte %ld; nothing was applied\n", path,
                rc == ACCORD_ESIG    ? "the bundle was altered"
                : rc == ACCORD_EPROTO ? "the bundle is truncated or malformed"
                                      : accord_strerror(rc),
                bundle_offset(r));
    bundle_reader_close(&r);
    return rc < 0 ? rc : 0;
}

static int import_cmd(int argc, char **argv, const char *dir)
{
    const char *path = NULL; /* the one argument that is not an option or its value */
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--data")) { k++; continue; }
        if (argv[k][0] == '-' || !strcmp(argv[k], "bundle") || !strcmp(argv[k], "import")) continue;
        path = argv[k];
    }
    if (!dir || !path) {
        fprintf(stderr, "usage: accordctl bundle import --data DIR FILE\n");
        return 1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "accordctl: cannot open %s: %s\n", path, strerror(errno));
        return 3;
    }
    char err[512];
    store_t *st;
    identity_t *id;
    int rc = store_open(dir, 0, &st);
    if (rc) {
        fprintf(stderr, "accordctl: cannot open the store in %s: %s\n", dir, accord_strerror(rc));
        fclose(f);
        return 3;
    }
    if ((rc = identity_load(dir, st, &id, err, sizeof err))) {
        fprintf(stderr, "accordctl: %s\n", err);
        store_close(&st);
        fclose(f);
        return 3;
    }
    uint64_t n_batches, n_records, applied = 0, held_batches = 0, refused = 0, entries = 0, done_batches = 0;
    int exit_code = 0;
    if (check_file(f, id, path, &n_batches, &n_records)) {
        exit_code = 2;
        goto done;
    }
    rewind(f);
    bundle_reader_t *r;
    if ((rc = bundle_reader_open(f, id->pk, id->sk, &r))) {
        exit_code = 4;
        goto done;
    }
    const uint8_t *msg;
    size_t len;
    bool tty = isatty(2);
    while ((rc = bundle_read(r, &msg, &len)) == 1) {
        wire_msg_t m;
        store_txn_t *t;
        if ((rc = decode_msg(msg, len, &m)) || (rc = store_txn_begin(st, NULL, true, &t))) break;
        if (m.type == WIRE_ROSTER) {
            for (uint32_t i = 0; i < m.n_items; i++) {
                bool changed = false;
                roster_entry_t e;
                if (roster_add(t, items[i], item_lens[i], &changed, &e) == 0 && changed) entries++;
            }
            if ((rc = store_txn_commit(&t))) break;
            continue;
        }
        char hex[2 * ID_LEN + 1];
        crypto_hex(m.origin, ID_LEN, hex);
        roster_entry_t e;
        apply_result_t res;
        memset(&res, 0, sizeof res);
        int code = 0;
        if (!memcmp(m.origin, id->origin, ID_LEN)) {
            code = ACCORD_EFORK;
            snprintf(res.why, sizeof res.why, "records of this node's own feed (rejoin is not built yet)");
        } else if ((code = roster_by_origin(t, m.origin, &e)) == ACCORD_ENOTFOUND) {
            code = ACCORD_EUNKNOWN;
            snprintf(res.why, sizeof res.why, "the origin is not in this node's roster");
        } else if (!code && e.action == ROSTER_REVOKE) {
            code = ACCORD_EREVOKED;
            snprintf(res.why, sizeof res.why, "the origin %s is revoked", e.name);
        } else if (!code) {
            apply_batch_t b = {items, item_lens, m.n_items, {0}};
            memcpy(b.sig, m.sig, CRYPTO_SIG_LEN);
            code = apply_batch(t, m.origin, e.pk, &b, HLC_PACK(wall_ms() + MAX_CLOCK_SKEW_MS, 0xffff), &res);
        }
        if (!code) code = store_txn_commit(&t);
        else store_txn_abort(&t);
        done_batches++;
        if (code) {
            refused++;
            fprintf(stderr, "accordctl: a batch of feed %s was refused: %s: %s\n", hex, accord_errname(code), res.why);
        } else if (res.applied == 0) {
            held_batches++;
        } else {
            applied += res.applied;
        }
        if (tty && done_batches % 64 == 0)
            fprintf(stderr, "\r  %llu of %llu batches ...", (unsigned long long)done_batches,
                    (unsigned long long)n_batches);
    }
    if (tty && done_batches >= 64) fprintf(stderr, "\n");
    bundle_reader_close(&r);
    if (rc < 0) {
        fprintf(stderr, "accordctl: %s: %s while applying; what was applied stands\n", path, accord_strerror(rc));
        exit_code = 4;
        goto done;
    }
    /* a running node learns the new heads, and forwards what it got to its peers */
    bool told = tell_node_reload(dir);
    if (refused) exit_code = 2;
    if (json)
        printf("{\"file\":\"%s\",\"batches\":%llu,\"records_applied\":%llu,\"batches_already_held\":%llu,"
               "\"batches_refused\":%llu,\"roster_entries\":%llu,\"node_told\":%s}\n",
               path, (unsigned long long)n_batches, (unsigned long long)applied, (unsigned long long)held_batches,
               (unsigned long long)refused, (unsigned long long)entries, told ? "true" : "false");
    else
        printf("imported %s: %llu records applied from %llu batches (%llu already held, %llu refused), "
               "%llu roster entries%s\n",
               path, (unsigned long long)applied, (unsigned long long)n_batches, (unsigned long long)held_batches,
               (unsigned long long)refused, (unsigned long long)entries,
               told ? "; the running node was told" : "");
done:
    identity_destroy(&id);
    store_close(&st);
    fclose(f);
    return exit_code;
}

int bundle_cmd(int argc, char **argv, const char *dir, const char *verb)
{
    if (!strcmp(verb, "vector")) return vector_cmd(dir);
    if (!strcmp(verb, "export")) return export_cmd(argc, argv, dir);
    if (!strcmp(verb, "import")) return import_cmd(argc, argv, dir);
    fprintf(stderr, "accordctl: bundle takes vector, export or import (see 'accordctl --help')\n");
    return 1;
}
