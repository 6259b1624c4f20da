/* SPDX-License-Identifier: MIT */
#include "wire.h"
#include "accord_err.h"
#include "mpread.h"
#include "record.h"

#include <string.h>

#define WIRE_MAX_TEXT 1024

static const uint8_t *bin_exact(mpread_t *r, size_t n)
{
    size_t len = 0;
    const uint8_t *p = mpread_bin(r, &len, n);
    if (p && len != n) {
        r->err = ACCORD_EPROTO;
        return NULL;
    }
    return p;
}

static int decode_hello(mpread_t *r, const wire_space_t *sp, wire_msg_t *m)
{
    m->version = mpread_uint(r);
    if (!r->err && m->version != WIRE_VERSION) return ACCORD_EVERSION;
    m->role = mpread_str(r, &m->role_len, 16);
    m->store_id = bin_exact(r, 16);
    uint32_t n = mpread_array(r, WIRE_MAX_ORIGINS);
    if (r->err) return ACCORD_EPROTO;
    if (n > sp->vec_cap) return ACCORD_ETOOBIG;
    for (uint32_t i = 0; i < n && !r->err; i++) {
        if (mpread_array(r, 2) != 2) r->err = ACCORD_EPROTO;
        sp->vec[i].origin = bin_exact(r, ID_LEN);
        sp->vec[i].seq = mpread_uint(r);
    }
    m->n_vec = n;
    return 0;
}

static int decode_items(mpread_t *r, const wire_space_t *sp, uint32_t max_n, size_t max_len, wire_msg_t *m)
{
    uint32_t n = mpread_array(r, max_n);
    if (r->err) return ACCORD_EPROTO;
    if (n > sp->items_cap) return ACCORD_ETOOBIG;
    for (uint32_t i = 0; i < n && !r->err; i++) sp->items[i] = mpread_bin(r, &sp->item_lens[i], max_len);
    m->n_items = n;
    return 0;
}

static int decode_digest(mpread_t *r, const wire_space_t *sp, wire_msg_t *m)
{
    m->bucket = mpread_uint(r);
    uint32_t n = mpread_array(r, WIRE_MAX_DIGESTS);
    if (r->err) return ACCORD_EPROTO;
    if (n > sp->digests_cap) return ACCORD_ETOOBIG;
    for (uint32_t i = 0; i < n && !r->err; i++) {
        if (mpread_array(r, 2) != 2) r->err = ACCORD_EPROTO;
        sp->digests[i].key = mpread_bin(r, &sp->digests[i].key_len, ID_LEN);
        sp->digests[i].digest = bin_exact(r, 32);
    }
    m->n_digests = n;
    return 0;
}

static const uint32_t fields_of[] = {
    [WIRE_HELLO] = 5, [WIRE_ROSTER] = 2, [WIRE_BATCH] = 4, [WIRE_ACK] = 6,
    [WIRE_BEAT] = 6, [WIRE_ERROR] = 3, [WIRE_DIGEST] = 3, [WIRE_SNAP] = 4,
};

int wire_decode(const void *buf, size_t len, const wire_space_t *sp, wire_msg_t *m)
{
    memset(m, 0, sizeof *m);
    if (len > WIRE_MAX_MSG) return ACCORD_ETOOBIG;
    mpread_t r;
    mpread_init(&r, buf, len);
    uint32_t n = mpread_array(&r, 8);
    uint64_t type = mpread_uint(&r);
    if (r.err || type < WIRE_HELLO || type > WIRE_SNAP || n != fields_of[type]) return ACCORD_EPROTO;
    m->type = (wire_type_t)type;
    int rc = 0;
    switch (m->type) {
    case WIRE_HELLO: rc = decode_hello(&r, sp, m); break;
    case WIRE_ROSTER: rc = decode_items(&r, sp, WIRE_MAX_ROSTER, 512, m); break;
    case WIRE_BATCH:
        m->origin = bin_exact(&r, ID_LEN);
        m->sig = bin_exact(&r, CRYPTO_SIG_LEN);
        rc = decode_items(&r, sp, WIRE_MAX_RECORDS, RECORD_MAX_BYTES, m);
        break;
    case WIRE_ACK:
        m->origin = bin_exact(&r, ID_LEN);
        m->head = mpread_uint(&r);
        m->code = mpread_int(&r);
        m->credit = mpread_uint(&r);
        m->text = mpread_str(&r, &m->text_len, WIRE_MAX_TEXT);
        break;
    case WIRE_BEAT:
        m->clock_ms = mpread_uint(&r);
        m->pending = mpread_uint(&r);
        m->disk_used = mpread_uint(&r);
        m->disk_limit = mpread_uint(&r);
        m->text = mpread_str(&r, &m->text_len, 64);
        break;
    case WIRE_ERROR:
        m->code = mpread_int(&r);
        m->text = mpread_str(&r, &m->text_len, WIRE_MAX_TEXT);
        break;
    case WIRE_DIGEST: rc = decode_digest(&r, sp, m); break;
    case WIRE_SNAP:
        m->offset = mpread_uint(&r);
        m->total = mpread_uint(&r);
        m->bytes = mpread_bin(&r, &m->bytes_len, WIRE_SNAP_CHUNK);
        if (!r.err && (m->total > WIRE_SNAP_MAX || m->offset > m->total || m->bytes_len > m->total - m->offset ||
                       m->bytes_len == 0))
            return ACCORD_EPROTO;
        break;
    }
    if (rc) return rc;
    if (!mpread_done(&r)) return ACCORD_EPROTO;
    if ((m->type == WIRE_ACK || m->type == WIRE_ERROR) && (m->code > 0 || m->code < -1000)) return ACCORD_EPROTO;
    return 0;
}

void wire_pack_bin(msgpack_packer *pk, const void *p, size_t n)
{
    msgpack_pack_bin(pk, n);
    msgpack_pack_bin_body(pk, p, n);
}

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    if (n > WIRE_MAX_TEXT) n = WIRE_MAX_TEXT;
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

void wire_pack_hello(msgpack_packer *pk, const char *role, const uint8_t store_id[16], const wire_vec_t *vec,
                     uint32_t n)
{
    msgpack_pack_array(pk, 5);
    msgpack_pack_uint8(pk, WIRE_HELLO);
    msgpack_pack_uint8(pk, WIRE_VERSION);
    pack_str(pk, role);
    wire_pack_bin(pk, store_id, 16);
    msgpack_pack_array(pk, n);
    for (uint32_t i = 0; i < n; i++) {
        msgpack_pack_array(pk, 2);
        wire_pack_bin(pk, vec[i].origin, ID_LEN);
        msgpack_pack_uint64(pk, vec[i].seq);
    }
}

void wire_pack_roster_head(msgpack_packer *pk, uint32_t n)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_uint8(pk, WIRE_ROSTER);
    msgpack_pack_array(pk, n);
}

void wire_pack_batch_head(msgpack_packer *pk, const uint8_t origin[16], const uint8_t sig[CRYPTO_SIG_LEN], uint32_t n)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, WIRE_BATCH);
    wire_pack_bin(pk, origin, ID_LEN);
    wire_pack_bin(pk, sig, CRYPTO_SIG_LEN);
    msgpack_pack_array(pk, n);
}

void wire_pack_digest_head(msgpack_packer *pk, uint64_t bucket, uint32_t n)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint8(pk, WIRE_DIGEST);
    msgpack_pack_uint64(pk, bucket);
    msgpack_pack_array(pk, n);
}

void wire_pack_digest_item(msgpack_packer *pk, const uint8_t *key, size_t key_len, const uint8_t digest[32])
{
    msgpack_pack_array(pk, 2);
    wire_pack_bin(pk, key, key_len);
    wire_pack_bin(pk, digest, 32);
}

void wire_pack_ack(msgpack_packer *pk, const uint8_t origin[16], uint64_t head, int code, uint32_t credit,
                   const char *why)
{
    msgpack_pack_array(pk, 6);
    msgpack_pack_uint8(pk, WIRE_ACK);
    wire_pack_bin(pk, origin, ID_LEN);
    msgpack_pack_uint64(pk, head);
    msgpack_pack_int(pk, code);
    msgpack_pack_uint32(pk, credit);
    pack_str(pk, why ? why : "");
}

void wire_pack_beat(msgpack_packer *pk, uint64_t clock_ms, uint64_t pending, uint64_t used, uint64_t limit,
                    const char *version)
{
    msgpack_pack_array(pk, 6);
    msgpack_pack_uint8(pk, WIRE_BEAT);
    msgpack_pack_uint64(pk, clock_ms);
    msgpack_pack_uint64(pk, pending);
    msgpack_pack_uint64(pk, used);
    msgpack_pack_uint64(pk, limit);
    pack_str(pk, version);
}

void wire_pack_error(msgpack_packer *pk, int code, const char *message)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint8(pk, WIRE_ERROR);
    msgpack_pack_int(pk, code);
    pack_str(pk, message);
}

void wire_pack_snap(msgpack_packer *pk, uint64_t offset, uint64_t total, const void *bytes, size_t len)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, WIRE_SNAP);
    msgpack_pack_uint64(pk, offset);
    msgpack_pack_uint64(pk, total);
    wire_pack_bin(pk, bytes, len);
}
