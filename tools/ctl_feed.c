/* SPDX-License-Identifier: MIT
 * accordctl feed verify / feed export: this node's own feed, walked link by link, or
 * written out whole for an independent verifier (docs/PROTOCOL.md, "Feed export"). */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/record.h"
#include "feed/oplog.h"

#include <errno.h>
#include <msgpack.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void progress(void *ctx, uint64_t done)
{
    (void)ctx;
    if (isatty(2)) fprintf(stderr, "\rverified %llu records...", (unsigned long long)done);
}

int ctl_feed_verify(const ctl_args_t *a)
{
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(a->dir, &st, &id);
    if (rc) return rc;
    store_txn_t *t;
    if ((rc = store_txn_begin(st, false, &t))) {
        fprintf(stderr, "accordctl: cannot read the store: %s\n", accord_strerror(rc));
        goto out;
    }
    feed_report_t rep;
    rc = oplog_verify(t, id->origin, id->pk, &rep, progress, NULL);
    store_txn_abort(&t);
    if (isatty(2)) fputc('\n', stderr);
    if (a->json) {
        printf("{\"ok\":%s,\"records\":%llu,\"checkpoints\":%llu,\"head_seq\":%llu,\"bad_seq\":%llu,\"error\":\"%s\",\"message\":",
               rc ? "false" : "true", (unsigned long long)rep.records, (unsigned long long)rep.checkpoints,
               (unsigned long long)rep.head_seq, (unsigned long long)rep.bad_seq, rc ? accord_errname(rc) : "");
        output_json_string(stdout, rep.why);
        printf("}\n");
    } else if (rc == 0) {
        printf("feed of %s is sound: %llu records, %llu signed checkpoints, head at %llu\n", id->name,
               (unsigned long long)rep.records, (unsigned long long)rep.checkpoints, (unsigned long long)rep.head_seq);
    } else {
        printf("feed of %s is DAMAGED at seq %llu: %s\n", id->name, (unsigned long long)rep.bad_seq, rep.why);
    }
    rc = rc ? (rc == ACCORD_ECHAIN || rc == ACCORD_ESIG || rc == ACCORD_EPROTO ? ACCORD_EXIT_REFUSED : ACCORD_EXIT_OTHER)
            : ACCORD_EXIT_OK;
out:
    identity_destroy(&id);
    store_close(&st);
    return rc;
}

/* Feed export: "ACCORDF1", then msgpack: [origin bin16, public key bin32, name str,
 * record count uint], each record as bin, then the head [seq, hash bin32, sig bin64]. */

static void write_header(FILE *f, msgpack_sbuffer *sb, msgpack_packer *pk, const identity_t *id, uint64_t head_seq)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_bin(pk, ID_LEN); msgpack_pack_bin_body(pk, id->origin, ID_LEN);
    msgpack_pack_bin(pk, CRYPTO_PK_LEN); msgpack_pack_bin_body(pk, id->pk, CRYPTO_PK_LEN);
    msgpack_pack_str(pk, strlen(id->name)); msgpack_pack_str_body(pk, id->name, strlen(id->name));
    msgpack_pack_uint64(pk, head_seq);
    fwrite("ACCORDF1", 1, 8, f);
    fwrite(sb->data, 1, sb->size, f);
}

/* Writes up to head_seq records from it, each as bin; *n counts them. 0, or the
 * iterator's error. */
static int write_records(store_iter_t *it, uint64_t head_seq, FILE *f, msgpack_sbuffer *sb, msgpack_packer *pk,
                         uint64_t *n)
{
    store_val_t k, v;
    int rc = 0;
    while (*n < head_seq && (rc = store_iter_next(it, &k, &v)) == 1) {
        sb->size = 0;
        msgpack_pack_bin(pk, v.len);
        msgpack_pack_bin_body(pk, v.data, v.len);
        fwrite(sb->data, 1, sb->size, f);
        if (++*n % 65536 == 0 && isatty(2))
            fprintf(stderr, "\rexported %llu of %llu records...", (unsigned long long)*n, (unsigned long long)head_seq);
    }
    if (*n >= 65536 && isatty(2)) fputc('\n', stderr);
    return rc < 0 ? rc : 0;
}

static void write_trailer(FILE *f, msgpack_sbuffer *sb, msgpack_packer *pk, uint64_t head_seq, const store_val_t *head)
{
    sb->size = 0;
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, head_seq);
    if (head_seq) {
        msgpack_pack_bin(pk, 32); msgpack_pack_bin_body(pk, (const uint8_t *)head->data + 8, 32);
        msgpack_pack_bin(pk, 64); msgpack_pack_bin_body(pk, (const uint8_t *)head->data + 40, 64);
    } else {
        msgpack_pack_nil(pk);
        msgpack_pack_nil(pk);
    }
    fwrite(sb->data, 1, sb->size, f);
}

/* The whole feed into f, read in one transaction; *n the records written. An exit code,
 * after saying why on failure (f then holds a partial export). */
static int export_feed(store_t *st, const identity_t *id, FILE *f, uint64_t *n)
{
    store_txn_t *t = NULL;
    int rc = store_txn_begin(st, false, &t);
    if (rc) goto fail;
    store_val_t head, v;
    uint64_t head_seq = 0, base = 0;
    if (store_get(t, TBL_HEADS, id->origin, ID_LEN, &head) == 0 && head.len == 8 + 32 + 64)
        head_seq = be64_get(head.data);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    write_header(f, &sb, &pk, id, head_seq);
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_FEED, id->origin, ID_LEN, false, &it))) { msgpack_sbuffer_destroy(&sb); goto fail; }
    if (store_get(t, TBL_BASES, id->origin, ID_LEN, &v) == 0 && v.len >= 8) base = be64_get(v.data);
    if (base) { /* the format holds a whole feed, from seq 1 */
        fprintf(stderr, "accordctl: this node's feed was compacted up to seq %llu: records 1-%llu are no longer here to "
                        "export\n", (unsigned long long)base, (unsigned long long)base);
        store_iter_destroy(&it);
        msgpack_sbuffer_destroy(&sb);
        store_txn_abort(&t);
        return ACCORD_EXIT_REFUSED;
    }
    rc = write_records(it, head_seq, f, &sb, &pk, n);
    store_iter_destroy(&it);
    write_trailer(f, &sb, &pk, head_seq, &head);
    msgpack_sbuffer_destroy(&sb);
    store_txn_abort(&t);
    if (rc < 0 || *n != head_seq) {
        fprintf(stderr, "accordctl: the feed has %llu of %llu records: run 'accordctl feed verify'\n",
                (unsigned long long)*n, (unsigned long long)head_seq);
        return ACCORD_EXIT_REFUSED;
    }
    return ACCORD_EXIT_OK;
fail:
    fprintf(stderr, "accordctl: cannot read the feed: %s\n", accord_strerror(rc));
    store_txn_abort(&t);
    return ACCORD_EXIT_OTHER;
}

int ctl_feed_export(const ctl_args_t *a)
{
    const char *out_path = ctl_opt(a, "out");
    if (!out_path) {
        fprintf(stderr, "usage: accordctl feed export --data DIR --out FILE\n");
        return ACCORD_EXIT_USAGE;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(a->dir, &st, &id);
    if (rc) return rc;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    FILE *f = fopen(tmp, "wb");
    uint64_t n = 0;
    if (!f) {
        fprintf(stderr, "accordctl: cannot write %s: %s\n", tmp, strerror(errno));
        rc = ACCORD_EXIT_OTHER;
        goto out;
    }
    if ((rc = export_feed(st, id, f, &n))) {
        fclose(f);
        unlink(tmp);
        goto out;
    }
    if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, out_path)) {
        fprintf(stderr, "accordctl: cannot write %s: %s\n", out_path, strerror(errno));
        unlink(tmp);
        rc = ACCORD_EXIT_OTHER;
        goto out;
    }
    if (a->json) {
        printf("{\"records\":%llu,\"file\":", (unsigned long long)n);
        output_json_string(stdout, out_path);
        printf("}\n");
    }
    else printf("exported %llu records of %s to %s\n", (unsigned long long)n, id->name, out_path);
out:
    identity_destroy(&id);
    store_close(&st);
    return rc;
}
