/* SPDX-License-Identifier: MIT
 * The unit suites' in-process API (api_harness.h). */
#include "helpers.h"
#include "api_harness.h"

#include "proto/accord_err.h"
#include "proto/record.h"
#include "proto/request.h"
#include "state/merge.h"

#include <stdarg.h>

void result_done(result_t *r)
{
    if (r->live) msgpack_unpacked_destroy(&r->out);
    free(r->copy);
    r->copy = NULL;
    r->live = false;
}

void node_open(node_t *n, const char *name)
{
    node_open_as(n, name, "branch");
}

void node_open_as(node_t *n, const char *name, const char *role)
{
    fixture_open(&n->fx, name, role);
    n->api = api_new(n->fx.st, n->fx.log, n->fx.id);
    assert_int_equal(api_set_pipeline(n->api, "Lead,Won,Lost"), 0);
}

void node_close(node_t *n)
{
    api_destroy(&n->api);
    fixture_close(&n->fx);
}

void call(node_t *n, result_t *r, const char *verb, ...)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    const char *kv[64];
    unsigned nkv = 0;
    va_list ap;
    va_start(ap, verb);
    for (const char *s; (s = va_arg(ap, const char *));) kv[nkv++] = s;
    va_end(ap);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_str(&pk, strlen(verb));
    msgpack_pack_str_body(&pk, verb, strlen(verb));
    msgpack_pack_map(&pk, nkv / 2);
    for (unsigned i = 0; i + 1 < nkv; i += 2) {
        msgpack_pack_str(&pk, strlen(kv[i]));
        msgpack_pack_str_body(&pk, kv[i], strlen(kv[i]));
        if (!strcmp(kv[i + 1], "\1nil")) msgpack_pack_nil(&pk);
        else if (kv[i + 1][0] == '\2') msgpack_pack_int64(&pk, strtoll(kv[i + 1] + 1, NULL, 10));
        else if (kv[i + 1][0] == '\3') msgpack_pack_true(&pk);
        else if (kv[i + 1][0] == '\4') { /* a list: its strings after \4, each ended by \x1e */
            const char *p = kv[i + 1] + 1;
            unsigned items = 0;
            for (const char *q = p; *q; q++) items += *q == '\x1e';
            msgpack_pack_array(&pk, items);
            for (const char *e; (e = strchr(p, '\x1e')); p = e + 1) {
                msgpack_pack_str(&pk, (size_t)(e - p));
                msgpack_pack_str_body(&pk, p, (size_t)(e - p));
            }
        }
        else { msgpack_pack_str(&pk, strlen(kv[i + 1])); msgpack_pack_str_body(&pk, kv[i + 1], strlen(kv[i + 1])); }
    }
    static request_t req;
    assert_int_equal(request_decode(sb.data, sb.size, &req), 0);
    store_txn_t *t;
    assert_int_equal(store_txn_begin(n->fx.st, true, &t), 0);
    msgpack_sbuffer body;
    msgpack_sbuffer_init(&body);
    msgpack_packer bp;
    msgpack_packer_init(&bp, &body, msgpack_sbuffer_write);
    feed_head_t mark = oplog_mark(n->fx.log);
    r->code = api_handle(n->api, t, &req, &bp, r->msg, sizeof r->msg);
    if (r->code == 0 && (r->code = oplog_seal(n->fx.log, t)) != 0) /* as the node does */
        snprintf(r->msg, sizeof r->msg, "not saved: %s", accord_strerror(r->code));
    if (r->code) {
        oplog_rollback(n->fx.log, mark);
        oplog_commit_failed(n->fx.log);
        store_txn_abort(&t);
    } else if ((r->code = store_txn_commit(&t)) != 0) {
        snprintf(r->msg, sizeof r->msg, "not saved: %s", accord_strerror(r->code));
        oplog_commit_failed(n->fx.log);
    } else {
        oplog_commit_done(n->fx.log);
    }
    result_done(r);
    msgpack_unpacked_init(&r->out);
    r->live = true;
    if (body.size) {
        r->copy = malloc(body.size);
        assert_non_null(r->copy);
        memcpy(r->copy, body.data, body.size);
        size_t off = 0;
        assert_int_equal(msgpack_unpack_next(&r->out, r->copy, body.size, &off), MSGPACK_UNPACK_SUCCESS);
        /* one whole reply: a map that counts more or fewer keys than it packs leaves bytes over */
        assert_int_equal(off, body.size);
    }
    msgpack_sbuffer_destroy(&body);
    msgpack_sbuffer_destroy(&sb);
}

const msgpack_object *get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return NULL;
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (map->via.map.ptr[i].key.via.str.size == strlen(key) &&
            !memcmp(map->via.map.ptr[i].key.via.str.ptr, key, strlen(key)))
            return &map->via.map.ptr[i].val;
    return NULL;
}

const char *text(const msgpack_object *map, const char *key)
{
    static char buf[8][256];
    static unsigned turn;
    const msgpack_object *o = get(map, key);
    char *out = buf[turn++ % 8];
    out[0] = 0;
    if (o && o->type == MSGPACK_OBJECT_STR) snprintf(out, 256, "%.*s", (int)o->via.str.size, o->via.str.ptr);
    return out;
}

int64_t num(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = get(map, key);
    assert_non_null(o);
    return o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? o->via.i64 : (int64_t)o->via.u64;
}

void ok(result_t *r)
{
    if (r->code) fprintf(stderr, "# refused: %s\n", r->msg);
    assert_int_equal(r->code, 0);
}

void id_of(result_t *r, char *out)
{
    ok(r);
    snprintf(out, 33, "%s", text(&r->out.data, "id"));
    assert_int_equal(strlen(out), 32);
    result_done(r);
}

void refused(result_t *r, int code, const char *words)
{
    if (r->code != code || !strstr(r->msg, words))
        fail_msg("want %s with '%s'; got %s: %s", accord_errname(code), words, accord_errname(r->code), r->msg);
    result_done(r);
}

void replicate(node_t *from, node_t *to)
{
    store_txn_t *src, *dst;
    assert_int_equal(store_txn_begin(from->fx.st, false, &src), 0);
    assert_int_equal(store_txn_begin(to->fx.st, true, &dst), 0);
    store_iter_t *it;
    assert_int_equal(store_iter_new(src, TBL_FEED, from->fx.id->origin, ID_LEN, false, &it), 0);
    store_val_t k, v, have;
    while (store_iter_next(it, &k, &v) == 1) {
        if (store_get(dst, TBL_FEED, k.data, k.len, &have) == 0) continue;
        record_t rec;
        assert_int_equal(record_decode(v.data, v.len, &rec), 0);
        assert_int_equal(merge_apply(dst, &rec), 0);
        assert_int_equal(store_put(dst, TBL_FEED, k.data, k.len, v.data, v.len), 0);
    }
    store_iter_destroy(&it);
    store_txn_abort(&src);
    assert_int_equal(store_txn_commit(&dst), 0);
}
