/* SPDX-License-Identifier: MIT
 * accord_client: the client library of the local API (docs/PROTOCOL.md, "Local API").
 * One client holds one DEALER socket to a node's ipc:// endpoint; calls are synchronous
 * and carry a request id so a late reply to an earlier call is never taken for this one.
 * Not thread-safe: use one client per thread. */
#ifndef ACCORD_CLIENT_H
#define ACCORD_CLIENT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct accord_client accord_client_t;

/* target is a node data directory or a full ZeroMQ endpoint ("ipc://..."). */
int accord_client_new(const char *target, int timeout_ms, accord_client_t **out);
void accord_client_destroy(accord_client_t **c);

/* Arguments of one call: a msgpack map built pair by pair. */
typedef struct {
    msgpack_sbuffer buf; /* the packed pairs */
    msgpack_packer pk;
    unsigned n;          /* pairs so far */
} accord_args_t;

void accord_args_init(accord_args_t *a);
void accord_args_destroy(accord_args_t *a);
void accord_args_str(accord_args_t *a, const char *key, const char *val);
void accord_args_int(accord_args_t *a, const char *key, int64_t val);
void accord_args_bool(accord_args_t *a, const char *key, bool val);
void accord_args_nil(accord_args_t *a, const char *key);
void accord_args_strv(accord_args_t *a, const char *key, const char *const *vals, unsigned n);

typedef struct {
    int code;             /* 0 or ACCORD_E* */
    char message[512];    /* the node's message on error */
    msgpack_unpacked msg; /* the decoded reply; its strings point into raw */
    char *raw;            /* the reply's bytes, owned */
    msgpack_object body;  /* valid until accord_reply_destroy */
} accord_reply_t;

/* Sends verb with args (may be NULL) and waits for the reply. Returns reply->code:
 * the node's code, or ACCORD_ENET / ACCORD_ETIMEOUT / ACCORD_EPROTO from here. */
int accord_call(accord_client_t *c, const char *verb, const accord_args_t *args, accord_reply_t *reply);
void accord_reply_destroy(accord_reply_t *reply);

/* Lookup helpers over reply bodies. */
const msgpack_object *accord_obj_get(const msgpack_object *map, const char *key);
/* Copies a str value (or "" if absent or not a str) into out. */
const char *accord_obj_str(const msgpack_object *map, const char *key, char *out, size_t cap);

#endif
