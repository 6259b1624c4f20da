/* SPDX-License-Identifier: MIT
 * accordctl bundle vector / export / import: moving feeds by file when the line is down.
 * Export writes, sealed to the recipient, the roster and the signed batches the
 * recipient's vector lacks. Import goes through the one ingest path (feed/bundle_in.h):
 * sent to the running node (its local API's bundle_import), or, with no node running,
 * applied here under the data directory's lock; either way the whole file is checked
 * before anything is applied, and a refused batch is kept for `sync status`. */
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
#include "feed/bundle_in.h"
#include "feed/ingest.h"
#include "proto/datadir.h"
#include "feed/feed_batch.h"
#include "ops/snapshot_io.h"
#include "auth/roster.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FEEDS 65536
#define BUNDLE_TARGET_RECORDS 1024

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
    if ((rc = store_txn_begin(st, false, &t)) == 0) {
        rc = read_heads(t, v, MAX_FEEDS, &n);
        store_txn_abort(&t);
    }
    if (rc) fprintf(stderr, "accordctl: cannot read the feeds of %s: %s\n", dir, accord_strerror(rc));
    if (!rc && a->json) printf("{\"feeds\":["); /* as snapshot show lists feed heads */
    for (uint32_t i = 0; !rc && i < n; i++) {
        char hex[2 * ID_LEN + 1];
        crypto_hex(v[i].origin, ID_LEN, hex);
        if (a->json) printf("%s{\"origin\":\"%s\",\"seq\":%llu}", i ? "," : "", hex, (unsigned long long)v[i].seq);
        else printf("%s %llu\n", hex, (unsigned long long)v[i].seq);
    }
    if (!rc && a->json) printf("]}\n");
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
    if ((rc = store_txn_begin(st, false, &t))) {
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
        if (a->json) {
            printf("{\"file\":");
            output_json_string(stdout, out_path);
            printf(",\"feeds\":%llu,\"batches\":%llu,\"records\":%llu}\n", (unsigned long long)x.feeds,
                   (unsigned long long)x.batches, (unsigned long long)x.records);
        } else
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
/* What an import did, from the node's reply or from bundle_in_file. */
static void print_import(const char *path, const bundle_in_report_t *c, bool told, bool json)
{
    if (json) {
        printf("{\"file\":");
        output_json_string(stdout, path);
        printf(",\"batches\":%llu,\"records_applied\":%llu,\"batches_already_held\":%llu,"
               "\"batches_refused\":%llu,\"roster_entries\":%llu,\"node_told\":%s}\n",
               (unsigned long long)c->batches, (unsigned long long)c->applied,
               (unsigned long long)c->held_batches, (unsigned long long)c->refused,
               (unsigned long long)c->roster_entries, told ? "true" : "false");
    } else
        printf("imported %s: %llu records applied from %llu batches (%llu already held, %llu refused), "
               "%llu roster entries%s\n",
               path, (unsigned long long)c->applied, (unsigned long long)c->batches,
               (unsigned long long)c->held_batches, (unsigned long long)c->refused,
               (unsigned long long)c->roster_entries, told ? "; the running node applied it" : "");
}

/* The exit code of a bundle_in_file result, after saying what went wrong. */
static int import_failed(const char *path, int rc, const bundle_in_report_t *c)
{
    fprintf(stderr, "accordctl: %s: %s\n", path, c->why[0] ? c->why : accord_strerror(rc));
    if (rc == ACCORD_EIO && !c->applying) return ACCORD_EXIT_UNREACHABLE;
    return c->applying ? ACCORD_EXIT_OTHER : ACCORD_EXIT_REFUSED; /* pass 1 refused the file: nothing applied */
}

static void on_refused(void *ctx, const char *feed_hex, int code, const char *why)
{
    (void)ctx;
    fprintf(stderr, "accordctl: a batch of feed %s was refused: %s: %s\n", feed_hex, accord_errname(code), why);
}

static void on_progress(void *ctx, const bundle_in_report_t *c)
{
    if (*(bool *)ctx && c->done_batches % 64 == 0)
        fprintf(stderr, "\r  %llu of %llu batches ...", (unsigned long long)c->done_batches,
                (unsigned long long)c->batches);
}

/* A node runs on dir: it applies the file itself (the local API's bundle_import), so the
 * store keeps one writer. */
static int import_through_node(const char *dir, const char *path, const char *abs, bool json)
{
    accord_client_t *cl;
    if (accord_client_new(dir, 600000, &cl)) {
        fprintf(stderr, "accordctl: cannot reach the node running on %s\n", dir);
        return ACCORD_EXIT_UNREACHABLE;
    }
    accord_args_t args;
    accord_args_init(&args);
    accord_args_str(&args, "path", abs);
    accord_reply_t r;
    int rc = accord_call(cl, "bundle_import", &args, &r), exit_code = ACCORD_EXIT_OK;
    bundle_in_report_t c;
    memset(&c, 0, sizeof c);
    if (rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT) {
        fprintf(stderr, "accordctl: the node on %s did not answer: %s\n", dir, accord_strerror(rc));
        exit_code = ACCORD_EXIT_UNREACHABLE;
    } else if (rc) {
        fprintf(stderr, "accordctl: %s: %s\n", path, r.message);
        exit_code = rc == ACCORD_EIO ? ACCORD_EXIT_UNREACHABLE : ACCORD_EXIT_REFUSED;
    } else {
        const msgpack_object *o;
        uint64_t *fields[] = {&c.batches, &c.applied, &c.held_batches, &c.refused, &c.roster_entries};
        const char *names[] = {"batches", "records_applied", "batches_already_held", "batches_refused", "roster_entries"};
        for (int i = 0; i < 5; i++)
            if ((o = accord_obj_get(&r.body, names[i])) && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) *fields[i] = o->via.u64;
        const msgpack_object *first = accord_obj_get(&r.body, "first_refusal");
        if (c.refused && first && first->type == MSGPACK_OBJECT_MAP) {
            char code[32], why[400];
            accord_obj_str(first, "code", code, sizeof code);
            accord_obj_str(first, "why", why, sizeof why);
            fprintf(stderr, "accordctl: %llu batch(es) were refused, the first: %s: %s (see 'accordctl sync status')\n",
                    (unsigned long long)c.refused, code, why);
        }
        if (c.refused) exit_code = ACCORD_EXIT_REFUSED;
        print_import(path, &c, true, json);
    }
    accord_reply_destroy(&r);
    accord_args_destroy(&args);
    accord_client_destroy(&cl);
    return exit_code;
}

/* No node runs: this process takes the directory's lock, so none starts meanwhile, and
 * applies the file through the same path the node uses. */
static int import_here(const char *dir, const char *path, const char *abs, bool json, int lock_fd)
{
    store_t *st = NULL;
    identity_t *id = NULL;
    int exit_code = ctl_open_node_writable(dir, &st, &id);
    if (exit_code) {
        close(lock_fd);
        return exit_code;
    }
    bool tty = isatty(2);
    bundle_in_hooks_t hooks = {on_progress, on_refused, &tty};
    bundle_in_report_t c;
    apply_clock_t clock = {wall_ms(), BUNDLE_IN_MAX_SKEW_MS};
    int rc = bundle_in_file(st, id, abs, &clock, ingest_origin_day_bytes_from_env(), &hooks, &c);
    if (tty && c.done_batches >= 64) fprintf(stderr, "\n");
    identity_destroy(&id);
    store_close(&st);
    close(lock_fd);
    if (rc) return import_failed(path, rc, &c);
    print_import(path, &c, false, json);
    return c.refused ? ACCORD_EXIT_REFUSED : ACCORD_EXIT_OK;
}

int ctl_bundle_import(const ctl_args_t *a)
{
    const char *dir = a->dir, *path = a->pos[0];
    if (!dir || !path) {
        fprintf(stderr, "usage: accordctl bundle import --data DIR FILE\n");
        return ACCORD_EXIT_USAGE;
    }
    char abs[PATH_MAX];
    if (!realpath(path, abs)) {
        fprintf(stderr, "accordctl: cannot open %s: %s\n", path, strerror(errno));
        return ACCORD_EXIT_UNREACHABLE;
    }
    int lock_fd, rc = datadir_lock(dir, &lock_fd);
    if (rc == ACCORD_EBUSY) return import_through_node(dir, path, abs, a->json);
    if (rc) {
        fprintf(stderr, "accordctl: cannot lock the data directory %s: %s (does it exist?)\n", dir, accord_strerror(rc));
        return ACCORD_EXIT_UNREACHABLE;
    }
    return import_here(dir, path, abs, a->json, lock_fd);
}
