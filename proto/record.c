/* SPDX-License-Identifier: MIT */
#include "record.h"
#include "accord_err.h"
#include "mpread.h"

#include <string.h>

void be64_put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

uint64_t be64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

void version_make(uint8_t out[VERSION_LEN], uint64_t hlc, const uint8_t origin[ID_LEN])
{
    be64_put(out, hlc);
    memcpy(out + 8, origin, ID_LEN);
}

uint64_t version_hlc(const uint8_t v[VERSION_LEN])
{
    return be64_get(v);
}

static void pack_bin(msgpack_packer *pk, const void *p, size_t n)
{
    msgpack_pack_bin(pk, n);
    msgpack_pack_bin_body(pk, p, n);
}

static int op_valid(const record_op_t *op)
{
    if (op->field > RECORD_MAX_FIELD) return ACCORD_EINVAL;
    switch (op->op) {
    case OP_SET:
        if (op->val.type == VAL_STR && op->val.len > RECORD_MAX_STR) return ACCORD_ETOOBIG;
        if (op->val.type == VAL_REF && op->val.len != ID_LEN) return ACCORD_EINVAL;
        if (op->val.type > VAL_REF) return ACCORD_EINVAL;
        return 0;
    case OP_ADD:
    case OP_REMOVE:
        if (op->val.type != VAL_STR || op->val.len == 0 || op->val.len > RECORD_MAX_ELEM)
            return ACCORD_EINVAL;
        return 0;
    case OP_RESOLVE:
        return op->val.type == VAL_REF && op->val.len == 2 * VERSION_LEN ? 0 : ACCORD_EINVAL;
    default:
        return ACCORD_EINVAL;
    }
}

int record_encode(const record_t *rec, msgpack_sbuffer *out)
{
    if (rec->n_ops == 0 || rec->n_ops > RECORD_MAX_OPS || rec->author_len > RECORD_AUTHOR_MAX ||
        rec->seq == 0)
        return ACCORD_EINVAL;
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        int rc = op_valid(&rec->ops[i]);
        if (rc) return rc;
    }
    size_t start = out->size;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 9);
    msgpack_pack_uint8(&pk, RECORD_FORMAT);
    pack_bin(&pk, rec->origin, ID_LEN);
    msgpack_pack_uint64(&pk, rec->seq);
    msgpack_pack_uint64(&pk, rec->hlc);
    pack_bin(&pk, rec->prev, 32);
    msgpack_pack_str(&pk, rec->author_len);
    msgpack_pack_str_body(&pk, rec->author, rec->author_len);
    pack_bin(&pk, rec->entity, ID_LEN);
    msgpack_pack_uint8(&pk, rec->kind);
    msgpack_pack_array(&pk, rec->n_ops);
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        msgpack_pack_array(&pk, 4);
        msgpack_pack_uint8(&pk, op->field);
        msgpack_pack_uint8(&pk, op->op);
        switch (op->val.type) {
        case VAL_NIL: msgpack_pack_nil(&pk); break;
        case VAL_BOOL: op->val.i ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk); break;
        case VAL_INT: msgpack_pack_int64(&pk, op->val.i); break;
        case VAL_STR:
            msgpack_pack_str(&pk, op->val.len);
            msgpack_pack_str_body(&pk, op->val.s, op->val.len);
            break;
        case VAL_REF: pack_bin(&pk, op->val.s, op->val.len); break;
        }
        if (op->has_base) pack_bin(&pk, op->base, VERSION_LEN);
        else msgpack_pack_nil(&pk);
    }
    if (out->size - start > RECORD_MAX_BYTES) {
        out->size = start;
        return ACCORD_ETOOBIG;
    }
    return 0;
}

static void read_value(mpread_t *r, value_t *v)
{
    memset(v, 0, sizeof *v);
    switch (mpread_peek(r)) {
    case MP_NIL: mpread_nil(r); v->type = VAL_NIL; break;
    case MP_BOOL: v->type = VAL_BOOL; v->i = mpread_bool(r); break;
    case MP_UINT:
    case MP_INT: v->type = VAL_INT; v->i = mpread_int(r); break;
    case MP_STR: v->type = VAL_STR; v->s = mpread_str(r, &v->len, RECORD_MAX_STR); break;
    case MP_BIN:
        v->type = VAL_REF;
        v->s = (const char *)mpread_bin(r, &v->len, 2 * VERSION_LEN);
        break;
    default: r->err = ACCORD_EPROTO; break;
    }
}

int record_decode(const void *buf, size_t len, record_t *rec)
{
    if (len > RECORD_MAX_BYTES) return ACCORD_ETOOBIG;
    mpread_t r;
    mpread_init_canonical(&r, buf, len);
    memset(rec, 0, offsetof(record_t, ops));
    if (mpread_array(&r, 9) != 9) return ACCORD_EPROTO;
    uint64_t format = mpread_uint(&r);
    if (r.err) return ACCORD_EPROTO;
    if (format != RECORD_FORMAT) return ACCORD_EVERSION;
    mpread_bin_exact(&r, rec->origin, ID_LEN);
    rec->seq = mpread_uint(&r);
    rec->hlc = mpread_uint(&r);
    mpread_bin_exact(&r, rec->prev, 32);
    rec->author = mpread_str(&r, &rec->author_len, RECORD_AUTHOR_MAX);
    mpread_bin_exact(&r, rec->entity, ID_LEN);
    uint64_t kind = mpread_uint(&r);
    rec->n_ops = mpread_array(&r, RECORD_MAX_OPS);
    if (r.err || rec->seq == 0 || kind == 0 || kind > 255 || rec->n_ops == 0)
        return ACCORD_EPROTO;
    rec->kind = (uint8_t)kind;
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        record_op_t *op = &rec->ops[i];
        if (mpread_array(&r, 4) != 4) return ACCORD_EPROTO;
        uint64_t field = mpread_uint(&r), kind_of_op = mpread_uint(&r);
        if (r.err || field > RECORD_MAX_FIELD || kind_of_op < OP_SET || kind_of_op > OP_RESOLVE)
            return ACCORD_EPROTO;
        op->field = (uint8_t)field;
        op->op = (uint8_t)kind_of_op;
        read_value(&r, &op->val);
        if (mpread_nil(&r)) {
            op->has_base = false;
        } else {
            op->has_base = mpread_bin_exact(&r, op->base, VERSION_LEN);
            if (op->op != OP_SET) return ACCORD_EPROTO;
        }
        if (r.err || op_valid(op)) return ACCORD_EPROTO;
    }
    return mpread_done(&r) ? 0 : ACCORD_EPROTO;
}
