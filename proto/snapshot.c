/* SPDX-License-Identifier: MIT */
#include "snapshot.h"
#include "accord_err.h"
#include "mpread.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct snapshot_writer {
    FILE *f;
    crypto_generichash_state h;
    msgpack_sbuffer sb;
    msgpack_packer pk;
};

struct snapshot_reader {
    FILE *f;
    crypto_generichash_state h;
    uint8_t signer[CRYPTO_PK_LEN];
    uint8_t *buf;
    long offset;
    snap_kind_t last_kind;
    int done;
};

static void be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int snapshot_frame_decode(const void *buf, size_t len, snap_frame_t *f)
{
    memset(f, 0, sizeof *f);
    mpread_t r;
    mpread_init(&r, buf, len);
    uint32_t n = mpread_array(&r, 5);
    uint64_t kind = mpread_uint(&r);
    size_t blen;
    switch (kind) {
    case SNAP_HEAD: {
        if (n != 4) return ACCORD_EPROTO;
        uint64_t format = mpread_uint(&r);
        f->signer = mpread_bin(&r, &blen, CRYPTO_PK_LEN);
        if (!r.err && blen != CRYPTO_PK_LEN) return ACCORD_EPROTO;
        f->created_ms = mpread_uint(&r);
        if (!mpread_done(&r)) return ACCORD_EPROTO;
        if (format != SNAPSHOT_FORMAT) return ACCORD_EVERSION;
        break;
    }
    case SNAP_ROSTER:
        if (n != 2) return ACCORD_EPROTO;
        f->key = mpread_bin(&r, &f->key_len, 4096);
        break;
    case SNAP_FEED: {
        if (n != 5) return ACCORD_EPROTO;
        size_t lo, lh, ls;
        f->origin = mpread_bin(&r, &lo, CRYPTO_ORIGIN_LEN);
        f->seq = mpread_uint(&r);
        f->hash = mpread_bin(&r, &lh, CRYPTO_HASH_LEN);
        f->sig = mpread_bin(&r, &ls, CRYPTO_SIG_LEN);
        if (!r.err && (lo != CRYPTO_ORIGIN_LEN || lh != CRYPTO_HASH_LEN || ls != CRYPTO_SIG_LEN || f->seq == 0))
            return ACCORD_EPROTO;
        break;
    }
    case SNAP_ROW: {
        if (n != 4) return ACCORD_EPROTO;
        uint64_t table = mpread_uint(&r);
        f->key = mpread_bin(&r, &f->key_len, SNAPSHOT_MAX_KEY);
        f->val = mpread_bin(&r, &f->val_len, SNAPSHOT_MAX_VALUE);
        if (!r.err && (table > 255 || f->key_len == 0)) return ACCORD_EPROTO;
        f->table = (unsigned)table;
        break;
    }
    default:
        return ACCORD_EPROTO;
    }
    if (!mpread_done(&r)) return ACCORD_EPROTO;
    f->kind = (snap_kind_t)kind;
    return 0;
}

/* ---- writing ---- */

static int put(snapshot_writer_t *w, const void *p, size_t n)
{
    crypto_generichash_update(&w->h, p, n);
    return fwrite(p, 1, n, w->f) == n ? 0 : ACCORD_EIO;
}

static msgpack_packer *frame_begin(snapshot_writer_t *w)
{
    w->sb.size = 0;
    return &w->pk;
}

static int frame_end(snapshot_writer_t *w)
{
    if (w->sb.size > SNAPSHOT_MAX_FRAME) return ACCORD_ETOOBIG;
    uint8_t len[4];
    be32_put(len, (uint32_t)w->sb.size);
    int rc = put(w, len, 4);
    return rc ? rc : put(w, w->sb.data, w->sb.size);
}

static void pack_bin(msgpack_packer *pk, const void *p, size_t n)
{
    msgpack_pack_bin(pk, n);
    msgpack_pack_bin_body(pk, p, n);
}

int snapshot_writer_open(FILE *f, const uint8_t signer_pk[CRYPTO_PK_LEN], uint64_t created_ms,
                         snapshot_writer_t **out)
{
    snapshot_writer_t *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->f = f;
    crypto_generichash_init(&w->h, NULL, 0, CRYPTO_HASH_LEN);
    msgpack_sbuffer_init(&w->sb);
    msgpack_packer_init(&w->pk, &w->sb, msgpack_sbuffer_write);
    int rc = put(w, SNAPSHOT_MAGIC, 8);
    if (!rc) {
        msgpack_packer *pk = frame_begin(w);
        msgpack_pack_array(pk, 4);
        msgpack_pack_uint8(pk, SNAP_HEAD);
        msgpack_pack_uint8(pk, SNAPSHOT_FORMAT);
        pack_bin(pk, signer_pk, CRYPTO_PK_LEN);
        msgpack_pack_uint64(pk, created_ms);
        rc = frame_end(w);
    }
    if (rc) {
        snapshot_writer_abort(&w);
        return rc;
    }
    *out = w;
    return 0;
}

int snapshot_write_roster(snapshot_writer_t *w, const void *entry, size_t len)
{
    msgpack_packer *pk = frame_begin(w);
    msgpack_pack_array(pk, 2);
    msgpack_pack_uint8(pk, SNAP_ROSTER);
    pack_bin(pk, entry, len);
    return frame_end(w);
}

int snapshot_write_feed(snapshot_writer_t *w, const uint8_t origin[CRYPTO_ORIGIN_LEN], uint64_t seq,
                        const uint8_t hash[CRYPTO_HASH_LEN], const uint8_t sig[CRYPTO_SIG_LEN])
{
    msgpack_packer *pk = frame_begin(w);
    msgpack_pack_array(pk, 5);
    msgpack_pack_uint8(pk, SNAP_FEED);
    pack_bin(pk, origin, CRYPTO_ORIGIN_LEN);
    msgpack_pack_uint64(pk, seq);
    pack_bin(pk, hash, CRYPTO_HASH_LEN);
    pack_bin(pk, sig, CRYPTO_SIG_LEN);
    return frame_end(w);
}

int snapshot_write_row(snapshot_writer_t *w, unsigned table, const void *key, size_t klen, const void *val,
                       size_t vlen)
{
    if (klen == 0 || klen > SNAPSHOT_MAX_KEY || vlen > SNAPSHOT_MAX_VALUE) return ACCORD_ETOOBIG;
    msgpack_packer *pk = frame_begin(w);
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, SNAP_ROW);
    msgpack_pack_uint8(pk, (uint8_t)table);
    pack_bin(pk, key, klen);
    pack_bin(pk, val, vlen);
    return frame_end(w);
}

int snapshot_writer_finish(snapshot_writer_t **pw, const uint8_t sk[CRYPTO_SK_LEN])
{
    snapshot_writer_t *w = *pw;
    uint8_t end[4] = {0}, digest[CRYPTO_HASH_LEN], sig[CRYPTO_SIG_LEN];
    int rc = put(w, end, 4);
    if (!rc) {
        crypto_generichash_final(&w->h, digest, sizeof digest);
        crypto_sign_domain(sk, SNAPSHOT_DOMAIN, digest, sizeof digest, sig);
        rc = fwrite(sig, 1, sizeof sig, w->f) == sizeof sig ? 0 : ACCORD_EIO;
    }
    if (!rc && fflush(w->f)) rc = ACCORD_EIO;
    snapshot_writer_abort(pw);
    return rc;
}

void snapshot_writer_abort(snapshot_writer_t **pw)
{
    snapshot_writer_t *w = *pw;
    if (!w) return;
    msgpack_sbuffer_destroy(&w->sb);
    free(w);
    *pw = NULL;
}

/* ---- reading ---- */

static int take(snapshot_reader_t *r, void *p, size_t n)
{
    if (fread(p, 1, n, r->f) != n) return ACCORD_EPROTO; /* truncated */
    r->offset += (long)n;
    return 0;
}

int snapshot_reader_open(FILE *f, snapshot_reader_t **out, snap_frame_t *head)
{
    snapshot_reader_t *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->f = f;
    r->buf = malloc(SNAPSHOT_MAX_FRAME);
    if (!r->buf) abort();
    crypto_generichash_init(&r->h, NULL, 0, CRYPTO_HASH_LEN);
    uint8_t magic[8];
    int rc = take(r, magic, 8);
    if (!rc && memcmp(magic, SNAPSHOT_MAGIC, 8)) rc = ACCORD_EPROTO;
    if (!rc) {
        crypto_generichash_update(&r->h, magic, 8);
        rc = snapshot_read(r, head);
        if (rc == 1 && head->kind == SNAP_HEAD) {
            memcpy(r->signer, head->signer, CRYPTO_PK_LEN);
            head->signer = r->signer; /* the frame buffer is reused */
            rc = 0;
        } else if (rc >= 0) {
            rc = ACCORD_EPROTO;
        }
    }
    if (rc) {
        snapshot_reader_close(&r);
        return rc;
    }
    *out = r;
    return 0;
}

int snapshot_read(snapshot_reader_t *r, snap_frame_t *f)
{
    if (r->done) return r->done > 0 ? 0 : r->done;
    uint8_t len[4];
    int rc = take(r, len, 4);
    if (rc) return r->done = rc;
    crypto_generichash_update(&r->h, len, 4);
    uint32_t n = be32_get(len);
    if (n == 0) {
        if (r->last_kind == 0) return r->done = ACCORD_EPROTO; /* no HEAD */
        uint8_t sig[CRYPTO_SIG_LEN], digest[CRYPTO_HASH_LEN], extra;
        if ((rc = take(r, sig, sizeof sig))) return r->done = rc;
        if (fread(&extra, 1, 1, r->f) == 1) return r->done = ACCORD_EPROTO; /* bytes after the end */
        crypto_generichash_final(&r->h, digest, sizeof digest);
        if (crypto_verify_domain(r->signer, SNAPSHOT_DOMAIN, digest, sizeof digest, sig))
            return r->done = ACCORD_ESIG;
        r->done = 1;
        return 0;
    }
    if (n > SNAPSHOT_MAX_FRAME) return r->done = ACCORD_ETOOBIG;
    if ((rc = take(r, r->buf, n))) return r->done = rc;
    crypto_generichash_update(&r->h, r->buf, n);
    if ((rc = snapshot_frame_decode(r->buf, n, f))) return r->done = rc;
    /* HEAD once and first, then ROSTER, FEED and ROW frames in that order */
    if ((r->last_kind == 0) != (f->kind == SNAP_HEAD) || f->kind < r->last_kind ||
        (f->kind == SNAP_HEAD && r->last_kind))
        return r->done = ACCORD_EPROTO;
    r->last_kind = f->kind;
    return 1;
}

int snapshot_verify_file(FILE *f)
{
    snapshot_reader_t *r;
    snap_frame_t head;
    int rc = snapshot_reader_open(f, &r, &head);
    if (rc) return rc == ACCORD_ESIG ? ACCORD_EPROTO : rc;
    uint8_t tail[CRYPTO_SIG_LEN];
    size_t held = 0; /* the last CRYPTO_SIG_LEN bytes seen are the signature, not hashed */
    uint8_t *buf = r->buf;
    for (;;) {
        size_t n = fread(buf, 1, SNAPSHOT_MAX_FRAME, f);
        if (n == 0) break;
        size_t total = held + n;
        if (total <= CRYPTO_SIG_LEN) {
            memcpy(tail + held, buf, n);
            held = total;
            continue;
        }
        /* hash what was held and all but the last CRYPTO_SIG_LEN bytes of buf */
        size_t from_tail = total - CRYPTO_SIG_LEN < held ? total - CRYPTO_SIG_LEN : held;
        crypto_generichash_update(&r->h, tail, from_tail);
        memmove(tail, tail + from_tail, held - from_tail);
        held -= from_tail;
        size_t from_buf = n - (CRYPTO_SIG_LEN - held);
        crypto_generichash_update(&r->h, buf, from_buf);
        memcpy(tail + held, buf + from_buf, n - from_buf);
        held = CRYPTO_SIG_LEN;
    }
    if (ferror(f) || held != CRYPTO_SIG_LEN) rc = ACCORD_EPROTO;
    else {
        uint8_t digest[CRYPTO_HASH_LEN];
        crypto_generichash_final(&r->h, digest, sizeof digest);
        rc = crypto_verify_domain(r->signer, SNAPSHOT_DOMAIN, digest, sizeof digest, tail) ? ACCORD_ESIG : 0;
    }
    snapshot_reader_close(&r);
    return rc;
}

long snapshot_offset(const snapshot_reader_t *r)
{
    return r->offset;
}

void snapshot_reader_close(snapshot_reader_t **pr)
{
    snapshot_reader_t *r = *pr;
    if (!r) return;
    free(r->buf);
    free(r);
    *pr = NULL;
}
