/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "accord_client.h"
#include "proto/accord_err.h"
#include "proto/datadir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#define REPLY_MAX_BYTES (64u << 20)

struct accord_client {
    void *ctx;
    void *sock;
    uint64_t next_id;
    char endpoint[600];
    char sock_path[512]; /* for ipc: checked before each call to report a stopped node */
};

int accord_client_new(const char *target, int timeout_ms, accord_client_t **out)
{
    accord_client_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    if (strncmp(target, "ipc://", 6) == 0 || strncmp(target, "tcp://", 6) == 0) {
        snprintf(c->endpoint, sizeof c->endpoint, "%s", target);
        if (target[0] == 'i') snprintf(c->sock_path, sizeof c->sock_path, "%s", target + 6);
    } else {
        datadir_path(target, DATADIR_SOCKET, c->sock_path, sizeof c->sock_path);
        snprintf(c->endpoint, sizeof c->endpoint, "ipc://%s", c->sock_path);
    }
    c->ctx = zmq_ctx_new();
    c->sock = zmq_socket(c->ctx, ZMQ_DEALER);
    int linger = 0;
    int64_t max_msg = REPLY_MAX_BYTES;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(c->sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg);
    if (zmq_connect(c->sock, c->endpoint)) {
        accord_client_destroy(&c);
        return ACCORD_ENET;
    }
    c->next_id = 1;
    *out = c;
    return 0;
}

void accord_client_destroy(accord_client_t **pc)
{
    accord_client_t *c = *pc;
    if (!c) return;
    zmq_close(c->sock);
    zmq_ctx_term(c->ctx);
    free(c);
    *pc = NULL;
}

void accord_args_init(accord_args_t *a)
{
    msgpack_sbuffer_init(&a->buf);
    msgpack_packer_init(&a->pk, &a->buf, msgpack_sbuffer_write);
    a->n = 0;
}

void accord_args_destroy(accord_args_t *a)
{
    msgpack_sbuffer_destroy(&a->buf);
}

static void pack_s(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

void accord_args_str(accord_args_t *a, const char *key, const char *val)
{
    pack_s(&a->pk, key);
    pack_s(&a->pk, val);
    a->n++;
}

void accord_args_int(accord_args_t *a, const char *key, int64_t val)
{
    pack_s(&a->pk, key);
    msgpack_pack_int64(&a->pk, val);
    a->n++;
}

void accord_args_bool(accord_args_t *a, const char *key, bool val)
{
    pack_s(&a->pk, key);
    val ? msgpack_pack_true(&a->pk) : msgpack_pack_false(&a->pk);
    a->n++;
}

void accord_args_nil(accord_args_t *a, const char *key)
{
    pack_s(&a->pk, key);
    msgpack_pack_nil(&a->pk);
    a->n++;
}

void accord_args_strv(accord_args_t *a, const char *key, const char *const *vals, unsigned n)
{
    pack_s(&a->pk, key);
    msgpack_pack_array(&a->pk, n);
    for (unsigned i = 0; i < n; i++) pack_s(&a->pk, vals[i]);
    a->n++;
}

static int set_err(accord_reply_t *r, int code, const char *text)
{
    r->code = code;
    snprintf(r->message, sizeof r->message, "%.500s", text);
    return code;
}

int accord_call(accord_client_t *c, const char *verb, const accord_args_t *args, accord_reply_t *r)
{
    memset(r, 0, sizeof *r);
    msgpack_unpacked_init(&r->msg);
    struct stat sb;
    if (c->sock_path[0] && stat(c->sock_path, &sb) != 0) {
        char text[512];
        snprintf(text, sizeof text, "no node is running here (%.300s is missing): start it with 'accord-node --data DIR'",
                 c->sock_path);
        return set_err(r, ACCORD_ENET, text);
    }
    uint64_t id = c->next_id++;
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint64(&pk, id);
    pack_s(&pk, verb);
    msgpack_pack_map(&pk, args ? args->n : 0);
    if (args && args->buf.size) msgpack_sbuffer_write(&out, args->buf.data, args->buf.size);
    int rc = zmq_send(c->sock, out.data, out.size, 0);
    msgpack_sbuffer_destroy(&out);
    if (rc < 0) return set_err(r, ACCORD_ENET, "cannot send to the node");
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->sock, 0) < 0) {
            zmq_msg_close(&m);
            return set_err(r, errno == EAGAIN ? ACCORD_ETIMEOUT : ACCORD_ENET,
                           errno == EAGAIN ? "the node did not answer in time (is it running? see its log)"
                                           : "lost the connection to the node");
        }
        msgpack_unpacked_destroy(&r->msg);
        msgpack_unpacked_init(&r->msg);
        /* msgpack-c's objects point into the bytes they came from: keep a copy with them */
        size_t len = zmq_msg_size(&m), off = 0;
        free(r->raw);
        r->raw = malloc(len ? len : 1);
        if (!r->raw) abort();
        memcpy(r->raw, zmq_msg_data(&m), len);
        zmq_msg_close(&m);
        msgpack_unpack_return ur = msgpack_unpack_next(&r->msg, r->raw, len, &off);
        const msgpack_object *o = &r->msg.data;
        if (ur != MSGPACK_UNPACK_SUCCESS || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4 ||
            o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return set_err(r, ACCORD_EPROTO, "the node sent a reply this client cannot read (version mismatch?)");
        const msgpack_object *e = o->via.array.ptr;
        /* a late reply to an earlier, timed-out call is skipped; id 0 is the node's answer to a
         * request it could not read far enough to learn its id (a refusal, at once): with one
         * call in flight, it is this one's, which would else wait out its timeout */
        bool unread = e[0].via.u64 == 0 && e[1].type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
        if (e[0].via.u64 != id && !unread) continue;
        r->code = e[1].type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? (int)e[1].via.i64 : 0;
        if (e[2].type == MSGPACK_OBJECT_STR)
            snprintf(r->message, sizeof r->message, "%.*s", (int)e[2].via.str.size, e[2].via.str.ptr);
        r->body = e[3];
        return r->code;
    }
}

void accord_reply_destroy(accord_reply_t *r)
{
    msgpack_unpacked_destroy(&r->msg);
    free(r->raw);
    r->raw = NULL;
}

const msgpack_object *accord_obj_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == n &&
            memcmp(kv->key.via.str.ptr, key, n) == 0)
            return &kv->val;
    }
    return NULL;
}

const char *accord_obj_str(const msgpack_object *map, const char *key, char *out, size_t cap)
{
    const msgpack_object *v = accord_obj_get(map, key);
    out[0] = 0;
    if (v && v->type == MSGPACK_OBJECT_STR)
        snprintf(out, cap, "%.*s", (int)v->via.str.size, v->via.str.ptr);
    return out;
}
