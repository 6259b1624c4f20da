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

int ctl_bundle_vector(const ctl_args_t *a)
{
    const char *dir = a->dir;
    store_t *st;
    identity_t *id;
    int rc = ctl_open_node(dir, &st, &id);
    if (rc) return rc;
    vec_entry_t *v = calloc(MAX_FEEDS, sizeof *v);
    if (!v) abort();
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
    free(v);
    identity_destroy(&id);
    store_close(&st);
    return rc ? ACCORD_EXIT_OTHER : ACCORD_EXIT_OK;
}

/* A vector file: lines "ORIGIN_HEX SEQ", '#' comments and blank lines allowed. */
static int read_vector(const char *path, vec_entry_t *v, uint32_t cap, uint32_t *n)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "accordctl: cannot open the vector %s: %s\n", path, strerror(errno));
        return ACCORD_EXIT_UNREACHABLE;
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
            rc = ACCORD_EXIT_USAGE;
            break;
        }
        char hex[64], extra[8];
        unsigned long long seq;
        if (line[0] == '#' || strspn(line, " \t\r\n") == len) continue;
        if (sscanf(line, "%63s %llu %7s", hex, &seq, extra) != 2 || strlen(hex) != 2 * ID_LEN ||
            crypto_unhex(hex, v[*n].origin, ID_LEN)) {
            fprintf(stderr, "accordctl: %s line %u: expected 'ORIGIN SEQ' (32 hex digits, a number), as "
                            "'accordctl bundle vector' prints\n", path, lineno);
            rc = ACCORD_EXIT_USAGE;
        } else if (*n + 1 >= cap) {
            fprintf(stderr, "accordctl: %s: more than %u feeds\n", path, cap);
            rc = ACCORD_EXIT_USAGE;
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

/* What an export has in hand: the feeds this node holds, what the recipient has, and
 * the bundle being written. */
typedef struct {
    vec_entry_t *have, *heads;  /* MAX_FEEDS each: the recipient's vector, this node's heads */
    uint32_t n_have, n_heads;
    uint8_t to_origin[ID_LEN];  /* the recipient's own feed: it has that */
    const char *tmp;            /* the file being written, renamed at the end */
    bundle_writer_t *w;
    msgpack_sbuffer sb;         /* one message at a time */
    feed_batch_t *b;            /* the batch being packed */
    uint64_t batches, records, feeds;
} export_t;

/* Writes one feed's records from `from` to its head in signed batches. */
static int export_feed(store_txn_t *t, export_t *x, const vec_entry_t *head, uint64_t from, bool tty)
{
    int rc = 0;
    while (from <= head->seq && !rc) {
        uint64_t last = feed_batch(t, head->origin, from, head->seq, BUNDLE_TARGET_RECORDS, WIRE_BATCH_BYTES, x->b);
        if (!last) {
            char hex[2 * ID_LEN + 1];
            crypto_hex(head->origin, ID_LEN, hex);
            fprintf(stderr, "accordctl: feed %s has no signed checkpoint after seq %llu; run 'accordctl check'\n",
                    hex, (unsigned long long)from);
            return ACCORD_ECHAIN;
        }
        x->sb.size = 0;
        msgpack_packer pk;
        msgpack_packer_init(&pk, &x->sb, msgpack_sbuffer_write);
        wire_pack_batch_head(&pk, head->origin, x->b->sig, x->b->n);
        for (uint32_t k = 0; k < x->b->n; k++) wire_pack_bin(&pk, x->b->items[k], x->b->lens[k]);
        if ((rc = bundle_write(x->w, x->sb.data, x->sb.size))) {
            fprintf(stderr, "accordctl: cannot write %s: %s\n", x->tmp, accord_strerror(rc));
            break;
        }
        x->batches++;
        x->records += x->b->n;
        from = last + 1;
        if (tty && x->batches % 64 == 0) fprintf(stderr, "\r  %llu records ...", (unsigned long long)x->records);
    }
    return rc;
}

/* Every feed the recipient lacks records of, after the roster. */
static int export_feeds(store_txn_t *t, export_t *x)
{
    int rc = 0;
    bool tty = isatty(2);
    for (uint32_t i = 0; i < x->n_heads && !rc; i++) {
        const vec_entry_t *head = &x->heads[i];
        if (!memcmp(head->origin, x->to_origin, ID_LEN)) continue; /* its own feed: it has it */
        uint64_t from = since_of(x->have, x->n_have, head->origin) + 1, base;
        if ((rc = snapshot_base(t, head->origin, &base))) break;
        if (from <= base) {
            char hex[2 * ID_LEN + 1];
            crypto_hex(head->origin, ID_LEN, hex);
            fprintf(stderr, "accordctl: the recipient lacks records of feed %.12s up to seq %llu, which were compacted "
                            "away here; it must start again from this hub's snapshot ('accordctl snapshot install')\n",
                    hex, (unsigned long long)base);
            rc = ACCORD_EPURGED;
            break;
        }
        if (from <= head->seq) x->feeds++;
        rc = export_feed(t, x, head, from, tty);
    }
    if (tty && x->batches >= 64) fprintf(stderr, "\n");
    return rc;
}

/* Finishes the bundle, makes it durable and gives it its name; *f is closed (NULL) on
 * success or when closing failed. */
static int export_finish(export_t *x, FILE **f, const char *out_path)
{
    int rc = bundle_writer_finish(&x->w);
    if (rc) {
        fprintf(stderr, "accordctl: cannot write %s: %s\n", x->tmp, accord_strerror(rc));
        return rc;
    }
    if (fsync(fileno(*f)) || fclose(*f)) {
        fprintf(stderr, "accordctl: cannot write %s: %s (is the disk full?)\n", x->tmp, strerror(errno));
        *f = NULL;
        return ACCORD_EIO;
    }
    *f = NULL;
    if (rename(x->tmp, out_path)) {
        fprintf(stderr, "accordctl: cannot rename %s to %s: %s\n", x->tmp, out_path, strerror(errno));
        return ACCORD_EIO;
    }
    return 0;
}

/* The recipient must be enrolled; then the roster, every feed it lacks, and the file
 * finished. An exit code, after saying why on failure. */
static int export_txn(store_txn_t *t, export_t *x, const uint8_t to_pk[CRYPTO_PK_LEN], const char *to,
                      const char *out_path)
{
    roster_entry_t e;
    FILE *f = NULL;
    int exit_code = ACCORD_EXIT_OTHER, rc = roster_by_pk(t, to_pk, &e);
    if (rc || e.action == ROSTER_REVOKE) {
        fprintf(stderr, "accordctl: the recipient %s is %s in this node's roster: a bundle goes only to an enrolled node\n",
                to, rc ? "not" : "revoked");
        return ACCORD_EXIT_REFUSED;
    }
    if ((rc = read_heads(t, x->heads, MAX_FEEDS, &x->n_heads))) {
        fprintf(stderr, "accordctl: cannot read the feeds: %s\n", accord_strerror(rc));
        return exit_code;
    }
    if (!(f = fopen(x->tmp, "wb")) || (rc = bundle_writer_open(f, to_pk, &x->w))) {
        fprintf(stderr, "accordctl: cannot write %s: %s\n", x->tmp, f ? accord_strerror(rc) : strerror(errno));
        goto done;
    }
    uint32_t entries;
    if ((rc = roster_message(t, 0, &x->sb, &entries)) || (rc = bundle_write(x->w, x->sb.data, x->sb.size))) {
        fprintf(stderr, "accordctl: cannot write the roster into %s: %s\n", x->tmp, accord_strerror(rc));
        goto done;
    }
    if (!(rc = export_feeds(t, x)) && !(rc = export_finish(x, &f, out_path))) exit_code = ACCORD_EXIT_OK;
done:
    bundle_writer_abort(&x->w);
    if (f) fclose(f);
    return exit_code;
}

int ctl_bundle_export(const ctl_args_t *a)
{
    const char *dir = a->dir, *to = ctl_opt(a, "to"), *since = ctl_opt(a, "since");
    const char *out_path = ctl_opt(a, "out");
    uint8_t to_pk[CRYPTO_PK_LEN];
    if (!to || !out_path) {
        fprintf(stderr, "usage: accordctl bundle export --data DIR --to NODE_PUBLIC_KEY [--since VECTOR_FILE] --out FILE\n");
        return ACCORD_EXIT_USAGE;
    }
    if (strlen(to) != 2 * CRYPTO_PK_LEN || crypto_unhex(to, to_pk, sizeof to_pk)) {
        fprintf(stderr, "accordctl: --to takes the recipient's public key: 64 hex digits ('accordctl node show' there)\n");
        return ACCORD_EXIT_USAGE;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    export_t x;
    memset(&x, 0, sizeof x);
    x.tmp = tmp;
    x.have = calloc(MAX_FEEDS, sizeof *x.have);
    x.heads = calloc(MAX_FEEDS, sizeof *x.heads);
    x.b = calloc(1, sizeof *x.b);
    if (!x.have || !x.heads || !x.b) abort();
    crypto_origin_of(to_pk, x.to_origin);
    msgpack_sbuffer_init(&x.sb);
    store_t *st = NULL;
    identity_t *id = NULL;
    store_txn_t *t;
    int exit_code = since ? read_vector(since, x.have, MAX_FEEDS, &x.n_have) : 0, rc;
    if (exit_code || (exit_code = ctl_open_node(dir, &st, &id))) goto out;
    if ((rc = store_txn_begin(st, NULL, false, &t))) {
        fprintf(stderr, "accordctl: cannot read %s: %s\n", dir, accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
    } else {
        exit_code = export_txn(t, &x, to_pk, to, out_path);
        store_txn_abort(&t);
    }
    if (exit_code) unlink(tmp);
    identity_destroy(&id);
    store_close(&st);
    if (exit_code == 0) {
        if (a->json)
            printf("{\"file\":\"%s\",\"feeds\":%llu,\"batches\":%llu,\"records\":%llu}\n", out_path,
                   (unsigned long long)x.feeds, (unsigned long long)x.batches, (unsigned long long)x.records);
        else
            printf("wrote %s: %llu records of %llu feed(s) in %llu batches, sealed to %s\n", out_path,
                   (unsigned long long)x.records, (unsigned long long)x.feeds, (unsigned long long)x.batches, to);
    }
out:
    msgpack_sbuffer_destroy(&x.sb);
    free(x.have);
    free(x.heads);
    free(x.b);
    return exit_code;
}

/* Where a bundle's messages are decoded to (on the heap: 1.5 MB); a decoded message's
 * items point into the message and stay valid until the next decode. */
typedef struct {
    wire_vec_t vec_space[1];
    const uint8_t *items[WIRE_MAX_ROSTER];
    size_t item_lens[WIRE_MAX_ROSTER];
    wire_digest_t none[1];
} decode_space_t;

static int decode_msg(decode_space_t *ds, const uint8_t *msg, size_t len, wire_msg_t *m)
{
    wire_space_t sp = {ds->vec_space, 0, ds->items, ds->item_lens, WIRE_MAX_ROSTER, ds->none, 0};
    int rc = wire_decode(msg, len, &sp, m);
    if (!rc && m->type != WIRE_ROSTER && m->type != WIRE_BATCH) rc = ACCORD_EPROTO;
    return rc;
}

/* Pass 1: the whole file opens, every chunk authenticates and decodes, and it ends with
 * the final chunk. Nothing is applied unless this passes. */
static int check_file(FILE *f, const identity_t *id, const char *path, decode_space_t *ds, uint64_t *batches,
                      uint64_t *records)
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
        if ((rc = decode_msg(ds, msg, len, &m))) break;
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

/* What an import did, batch by batch. */
typedef struct {
    uint64_t n_batches, n_records;  /* in the file (pass 1) */
    uint64_t applied, held_batches, refused, entries, done_batches;
} import_counts_t;

/* Admits and applies one batch of another feed in t, then commits or aborts t: 0, or
 * the code it was refused with (res->why says why). */
static int import_batch(store_txn_t *t, const identity_t *id, decode_space_t *ds, const wire_msg_t *m,
                        apply_result_t *res)
{
    roster_entry_t e;
    memset(res, 0, sizeof *res);
    int code = 0;
    if (!memcmp(m->origin, id->origin, ID_LEN)) {
        code = ACCORD_EFORK;
        snprintf(res->why, sizeof res->why, "records of this node's own feed (rejoin is not built yet)");
    } else if ((code = roster_by_origin(t, m->origin, &e)) == ACCORD_ENOTFOUND) {
        code = ACCORD_EUNKNOWN;
        snprintf(res->why, sizeof res->why, "the origin is not in this node's roster");
    } else if (!code && e.action == ROSTER_REVOKE) {
        code = ACCORD_EREVOKED;
        snprintf(res->why, sizeof res->why, "the origin %s is revoked", e.name);
    } else if (!code) {
        apply_batch_t b = {ds->items, ds->item_lens, m->n_items, {0}};
        memcpy(b.sig, m->sig, CRYPTO_SIG_LEN);
        code = apply_batch(t, m->origin, e.pk, &b, HLC_PACK(wall_ms() + MAX_CLOCK_SKEW_MS, 0xffff), res);
    }
    if (!code) code = store_txn_commit(&t);
    else store_txn_abort(&t);
    return code;
}

/* Pass 2: applies the checked file message by message, and closes r; 0, or the error
 * that stopped it (what was applied stands). */
static int import_apply(bundle_reader_t **r, store_t *st, const identity_t *id, decode_space_t *ds, import_counts_t *c)
{
    int rc;
    const uint8_t *msg;
    size_t len;
    bool tty = isatty(2);
    while ((rc = bundle_read(*r, &msg, &len)) == 1) {
        wire_msg_t m;
        store_txn_t *t;
        if ((rc = decode_msg(ds, msg, len, &m)) || (rc = store_txn_begin(st, NULL, true, &t))) break;
        if (m.type == WIRE_ROSTER) {
            for (uint32_t i = 0; i < m.n_items; i++) {
                bool changed = false;
                roster_entry_t e;
                if (roster_add(t, ds->items[i], ds->item_lens[i], &changed, &e) == 0 && changed) c->entries++;
            }
            if ((rc = store_txn_commit(&t))) break;
            continue;
        }
        char hex[2 * ID_LEN + 1];
        crypto_hex(m.origin, ID_LEN, hex);
        apply_result_t res;
        int code = import_batch(t, id, ds, &m, &res);
        c->done_batches++;
        if (code) {
            c->refused++;
            fprintf(stderr, "accordctl: a batch of feed %s was refused: %s: %s\n", hex, accord_errname(code), res.why);
        } else if (res.applied == 0) {
            c->held_batches++;
        } else {
            c->applied += res.applied;
        }
        if (tty && c->done_batches % 64 == 0)
            fprintf(stderr, "\r  %llu of %llu batches ...", (unsigned long long)c->done_batches,
                    (unsigned long long)c->n_batches);
    }
    if (tty && c->done_batches >= 64) fprintf(stderr, "\n");
    bundle_reader_close(r);
    return rc < 0 ? rc : 0;
}

static void print_import(const char *path, const import_counts_t *c, bool told, bool json)
{
    if (json)
        printf("{\"file\":\"%s\",\"batches\":%llu,\"records_applied\":%llu,\"batches_already_held\":%llu,"
               "\"batches_refused\":%llu,\"roster_entries\":%llu,\"node_told\":%s}\n",
               path, (unsigned long long)c->n_batches, (unsigned long long)c->applied,
               (unsigned long long)c->held_batches, (unsigned long long)c->refused, (unsigned long long)c->entries,
               told ? "true" : "false");
    else
        printf("imported %s: %llu records applied from %llu batches (%llu already held, %llu refused), "
               "%llu roster entries%s\n",
               path, (unsigned long long)c->applied, (unsigned long long)c->n_batches,
               (unsigned long long)c->held_batches, (unsigned long long)c->refused, (unsigned long long)c->entries,
               told ? "; the running node was told" : "");
}

int ctl_bundle_import(const ctl_args_t *a)
{
    const char *dir = a->dir, *path = a->pos[0];
    if (!dir || !path) {
        fprintf(stderr, "usage: accordctl bundle import --data DIR FILE\n");
        return ACCORD_EXIT_USAGE;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "accordctl: cannot open %s: %s\n", path, strerror(errno));
        return ACCORD_EXIT_UNREACHABLE;
    }
    char err[512];
    store_t *st;
    identity_t *id;
    int rc = store_open(dir, 0, &st);
    if (rc) {
        fprintf(stderr, "accordctl: cannot open the store in %s: %s\n", dir, accord_strerror(rc));
        fclose(f);
        return ACCORD_EXIT_UNREACHABLE;
    }
    if ((rc = identity_load(dir, st, &id, err, sizeof err))) {
        fprintf(stderr, "accordctl: %s\n", err);
        store_close(&st);
        fclose(f);
        return ACCORD_EXIT_UNREACHABLE;
    }
    decode_space_t *ds = calloc(1, sizeof *ds);
    if (!ds) abort();
    import_counts_t c;
    memset(&c, 0, sizeof c);
    int exit_code = ACCORD_EXIT_OK;
    if (check_file(f, id, path, ds, &c.n_batches, &c.n_records)) {
        exit_code = ACCORD_EXIT_REFUSED;
        goto done;
    }
    rewind(f);
    bundle_reader_t *r;
    if ((rc = bundle_reader_open(f, id->pk, id->sk, &r))) {
        exit_code = ACCORD_EXIT_OTHER;
        goto done;
    }
    if ((rc = import_apply(&r, st, id, ds, &c))) {
        fprintf(stderr, "accordctl: %s: %s while applying; what was applied stands\n", path, accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
        goto done;
    }
    /* a running node learns the new heads, and forwards what it got to its peers */
    bool told = ctl_tell_node_reload(dir);
    if (c.refused) exit_code = ACCORD_EXIT_REFUSED;
    print_import(path, &c, told, a->json);
done:
    free(ds);
    identity_destroy(&id);
    store_close(&st);
    fclose(f);
    return exit_code;
}
