/* SPDX-License-Identifier: MIT */
#include "bundle.h"
#include "accord_err.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define SEALED_KEY_LEN (crypto_secretstream_xchacha20poly1305_KEYBYTES + crypto_box_SEALBYTES)
#define AD_LEN (8 + CRYPTO_ORIGIN_LEN) /* magic and addressee: each chunk is bound to them */

struct bundle_writer {
    FILE *f;
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t ad[AD_LEN];
    uint8_t *buf;
    size_t cap;
};

struct bundle_reader {
    FILE *f;
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t ad[AD_LEN];
    uint8_t *cipher, *plain;
    size_t cap;
    long offset;
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

static int write_all(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? 0 : ACCORD_EIO;
}

int bundle_writer_open(FILE *f, const uint8_t recipient_pk[CRYPTO_PK_LEN], bundle_writer_t **out)
{
    uint8_t curve[32];
    if (crypto_curve_pk(recipient_pk, curve)) return ACCORD_EKEY;
    bundle_writer_t *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->f = f;
    memcpy(w->ad, BUNDLE_MAGIC, 8);
    crypto_origin_of(recipient_pk, w->ad + 8);
    uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES], sealed[SEALED_KEY_LEN];
    uint8_t header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_keygen(key);
    crypto_secretstream_xchacha20poly1305_init_push(&w->st, header, key);
    int rc = crypto_box_seal(sealed, key, sizeof key, curve) ? ACCORD_EKEY : 0;
    sodium_memzero(key, sizeof key);
    if (!rc) rc = write_all(f, w->ad, AD_LEN);
    if (!rc) rc = write_all(f, sealed, sizeof sealed);
    if (!rc) rc = write_all(f, header, sizeof header);
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int write_chunk(bundle_writer_t *w, const void *msg, size_t len, uint8_t tag)
{
    if (len > BUNDLE_MAX_MSG) return ACCORD_ETOOBIG;
    size_t need = 4 + len + crypto_secretstream_xchacha20poly1305_ABYTES;
    if (need > w->cap) {
        free(w->buf);
        w->buf = malloc(need);
        if (!w->buf) abort();
        w->cap = need;
    }
    unsigned long long clen;
    crypto_secretstream_xchacha20poly1305_push(&w->st, w->buf + 4, &clen, msg, len, w->ad, AD_LEN, tag);
    be32_put(w->buf, (uint32_t)clen);
    return write_all(w->f, w->buf, 4 + (size_t)clen);
}

int bundle_write(bundle_writer_t *w, const void *msg, size_t len)
{
    return write_chunk(w, msg, len, 0);
}

int bundle_writer_finish(bundle_writer_t **pw)
{
    bundle_writer_t *w = *pw;
    int rc = write_chunk(w, "", 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    if (!rc && fflush(w->f)) rc = ACCORD_EIO;
    bundle_writer_abort(pw);
    return rc;
}

void bundle_writer_abort(bundle_writer_t **pw)
{
    bundle_writer_t *w = *pw;
    if (!w) return;
    sodium_memzero(&w->st, sizeof w->st);
    free(w->buf);
    free(w);
    *pw = NULL;
}

int bundle_reader_open(FILE *f, const uint8_t pk[CRYPTO_PK_LEN], const uint8_t sk[CRYPTO_SK_LEN],
                       bundle_reader_t **out)
{
    uint8_t ad[AD_LEN], sealed[SEALED_KEY_LEN], header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    uint8_t mine[CRYPTO_ORIGIN_LEN];
    if (fread(ad, 1, AD_LEN, f) != AD_LEN || memcmp(ad, BUNDLE_MAGIC, 8)) return ACCORD_EPROTO;
    crypto_origin_of(pk, mine);
    if (memcmp(ad + 8, mine, CRYPTO_ORIGIN_LEN)) return ACCORD_ENOTMINE;
    if (fread(sealed, 1, sizeof sealed, f) != sizeof sealed || fread(header, 1, sizeof header, f) != sizeof header)
        return ACCORD_EPROTO;
    uint8_t cpk[32], csk[32], key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    if (crypto_curve_pk(pk, cpk) || crypto_curve_sk(sk, csk)) return ACCORD_EKEY;
    int opened = crypto_box_seal_open(key, sealed, sizeof sealed, cpk, csk);
    sodium_memzero(csk, sizeof csk);
    if (opened) return ACCORD_ESIG;
    bundle_reader_t *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->f = f;
    memcpy(r->ad, ad, AD_LEN);
    r->offset = (long)(AD_LEN + sizeof sealed + sizeof header);
    int rc = crypto_secretstream_xchacha20poly1305_init_pull(&r->st, header, key) ? ACCORD_EPROTO : 0;
    sodium_memzero(key, sizeof key);
    if (rc) {
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int bundle_read(bundle_reader_t *r, const uint8_t **msg, size_t *len)
{
    if (r->done) { /* nothing may follow the final chunk */
        uint8_t extra;
        return fread(&extra, 1, 1, r->f) == 0 ? 0 : ACCORD_EPROTO;
    }
    uint8_t lenb[4];
    if (fread(lenb, 1, 4, r->f) != 4) return ACCORD_EPROTO;
    size_t clen = be32_get(lenb);
    if (clen < crypto_secretstream_xchacha20poly1305_ABYTES) return ACCORD_EPROTO;
    if (clen > BUNDLE_MAX_MSG + crypto_secretstream_xchacha20poly1305_ABYTES) return ACCORD_ETOOBIG;
    if (clen > r->cap) {
        free(r->cipher);
        free(r->plain);
        r->cipher = malloc(clen);
        r->plain = malloc(clen);
        if (!r->cipher || !r->plain) abort();
        r->cap = clen;
    }
    if (fread(r->cipher, 1, clen, r->f) != clen) return ACCORD_EPROTO;
    unsigned long long plen;
    unsigned char tag;
    if (crypto_secretstream_xchacha20poly1305_pull(&r->st, r->plain, &plen, &tag, r->cipher, clen, r->ad, AD_LEN))
        return ACCORD_ESIG;
    r->offset += (long)(4 + clen);
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
        if (plen != 0) return ACCORD_EPROTO;
        r->done = 1;
        return bundle_read(r, msg, len);
    }
    if (tag != 0) return ACCORD_EPROTO;
    *msg = r->plain;
    *len = (size_t)plen;
    return 1;
}

long bundle_offset(const bundle_reader_t *r)
{
    return r->offset;
}

void bundle_reader_close(bundle_reader_t **pr)
{
    bundle_reader_t *r = *pr;
    if (!r) return;
    sodium_memzero(&r->st, sizeof r->st);
    free(r->cipher);
    free(r->plain);
    free(r);
    *pr = NULL;
}
