/* SPDX-License-Identifier: MIT
 * accord-peer: a hostile peer for the replication tests. It connects to a hub as an
 * enrolled node (with that node's real key, as a compromised branch would), says HELLO,
 * sends one batch made for the chosen step and prints the error name of the hub's ACK
 * ("OK" when it applied the batch). Exit 0 when an ACK came, 1 otherwise.
 *
 *   accord-peer HUB_EP HUB_KEY OWN_DIR STEP [OTHER_DIR]
 *   steps: first     records 1 of OWN_DIR's feed, genuine
 *          replay    records 1 again
 *          flip      records 2-3 with one byte of record 2 flipped
 *          rest      records 2-3, genuine
 *          fork      a second, different record 3, validly signed by OWN_DIR's key
 *          forge     a record claiming OTHER_DIR's origin, signed by OWN_DIR's key
 *          foreign   OTHER_DIR's own genuine records the hub lacks (a revoked node's)
 *          version   a HELLO of protocol version 99: prints the ERROR's name and message
 */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "proto/wire.h"
#include "auth/identity.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static void *sock;
static wire_vec_t vec[WIRE_MAX_ORIGINS];
static const uint8_t *items[WIRE_MAX_ROSTER];
static size_t item_lens[WIRE_MAX_ROSTER];
static uint64_t hub_head_of(const wire_msg_t *hello, const uint8_t origin[ID_LEN]);

static int recv_msg(zmq_msg_t *msg, wire_msg_t *m, int timeout_ms)
{
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, timeout_ms) <= 0) return ACCORD_ETIMEOUT;
    zmq_msg_close(msg);
    zmq_msg_init(msg);
    if (zmq_msg_recv(msg, sock, 0) < 0) return ACCORD_ENET;
    wire_space_t sp = {vec, WIRE_MAX_ORIGINS, items, item_lens, WIRE_MAX_ROSTER, NULL, 0};
    return wire_decode(zmq_msg_data(msg), zmq_msg_size(msg), &sp, m);
}

static void send_buf(msgpack_sbuffer *sb)
{
    zmq_send(sock, sb->data, sb->size, 0);
    sb->size = 0;
}

/* A record of origin's feed as stored, and the checkpoint signature at seq if any. */
static int stored_record(store_txn_t *t, const uint8_t origin[ID_LEN], uint64_t seq, store_val_t *rec, const uint8_t **sig)
{
    uint8_t key[ID_LEN + 8];
    memcpy(key, origin, ID_LEN);
    be64_put(key + ID_LEN, seq);
    store_val_t v;
    *sig = NULL;
    if (store_get(t, TBL_CHECKPTS, key, sizeof key, &v) == 0 && v.len == CRYPTO_SIG_LEN) *sig = v.data;
    return store_get(t, TBL_FEED, key, sizeof key, rec);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: accord-peer HUB_EP HUB_KEY OWN_DIR STEP [OTHER_DIR]\n");
        return 2;
    }
    const char *step = argv[4];
    crypto_init();
    uint8_t hub_pk[32], hub_curve[32], my_curve[32], my_curve_sk[32];
    char err[256];
    store_t *st = NULL, *other = NULL;
    identity_t *id = NULL, *other_id = NULL;
    if (crypto_unhex(argv[2], hub_pk, 32) || crypto_curve_pk(hub_pk, hub_curve) || store_open(argv[3], STORE_RDONLY, &st) ||
        identity_load(argv[3], st, &id, err, sizeof err)) {
        fprintf(stderr, "accord-peer: bad hub key or node dir\n");
        return 2;
    }
    if (argc > 5 && (store_open(argv[5], STORE_RDONLY, &other) || identity_load(argv[5], other, &other_id, err, sizeof err))) {
        fprintf(stderr, "accord-peer: bad other dir\n");
        return 2;
    }
    crypto_curve_pk(id->pk, my_curve);
    crypto_curve_sk(id->sk, my_curve_sk);
    void *ctx = zmq_ctx_new();
    sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, hub_curve, 32);
    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, my_curve, 32);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, my_curve_sk, 32);
    zmq_connect(sock, argv[1]);

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    uint8_t store_id[16] = {0};
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    wire_msg_t m, hello;
    int rc;
    store_txn_t *t = NULL, *ot = NULL;
    msgpack_sbuffer enc; /* records a step makes up (flip, fork, forge) */
    msgpack_sbuffer_init(&enc);
    if (!strcmp(step, "version")) { /* a node of a future protocol: [1, 99, role, store_id, []] */
        msgpack_pack_array(&pk, 5);
        msgpack_pack_uint8(&pk, WIRE_HELLO);
        msgpack_pack_uint8(&pk, 99);
        msgpack_pack_str(&pk, 6);
        msgpack_pack_str_body(&pk, "branch", 6);
        msgpack_pack_bin(&pk, 16);
        msgpack_pack_bin_body(&pk, store_id, 16);
        msgpack_pack_array(&pk, 0);
        send_buf(&sb);
        while ((rc = recv_msg(&msg, &m, 10000)) == 0 && m.type != WIRE_ERROR) {}
        if (rc) return 1;
        printf("%s %.*s\n", accord_errname((int)m.code), (int)m.text_len, m.text);
        goto done;
    }
    wire_pack_hello(&pk, "branch", store_id, NULL, 0);
    send_buf(&sb);

    while ((rc = recv_msg(&msg, &m, 10000)) == 0 && m.type != WIRE_HELLO) {}
    if (rc) {
        fprintf(stderr, "accord-peer: no HELLO from the hub (%s)\n", accord_errname(rc));
        return 1;
    }
    hello = m;
    /* the vector points into msg: keep what is needed before reading more */
    uint64_t other_at_hub = other_id ? hub_head_of(&hello, other_id->origin) : 0;

    store_txn_begin(st, NULL, false, &t);
    if (other) store_txn_begin(other, NULL, false, &ot);
    const uint8_t *origin = id->origin;
    uint8_t sig[CRYPTO_SIG_LEN];
    const uint8_t *recs[8];
    size_t lens[8];
    unsigned n = 0;
    store_val_t v;
    const uint8_t *cp;
    static uint8_t made[RECORD_MAX_BYTES];

    if (!strcmp(step, "first") || !strcmp(step, "replay")) {
        stored_record(t, origin, 1, &v, &cp);
        recs[n] = v.data, lens[n++] = v.len;
        memcpy(sig, cp, CRYPTO_SIG_LEN);
    } else if (!strcmp(step, "flip") || !strcmp(step, "rest")) {
        for (uint64_t s = 2; s <= 3; s++) {
            stored_record(t, origin, s, &v, &cp);
            recs[n] = v.data, lens[n++] = v.len;
            if (s == 3) memcpy(sig, cp, CRYPTO_SIG_LEN);
        }
        if (!strcmp(step, "flip")) {
            memcpy(made, recs[0], lens[0]);
            made[lens[0] - 3] ^= 0x01; /* inside the record's last op value */
            recs[0] = made;
        }
    } else if (!strcmp(step, "fork")) {
        stored_record(t, origin, 3, &v, &cp);
        static record_t rec;
        record_decode(v.data, v.len, &rec);
        rec.hlc += 1; /* the same seq and link, different content */
        record_encode(&rec, &enc);
        uint8_t h[32];
        crypto_record_hash(enc.data, enc.size, h);
        crypto_head_sign(id->sk, origin, 3, h, sig);
        recs[n] = (const uint8_t *)enc.data, lens[n++] = enc.size;
    } else if (!strcmp(step, "forge") && other_id) {
        origin = other_id->origin;
        uint64_t seq = other_at_hub;
        static record_t rec;
        memset(&rec, 0, sizeof rec);
        memcpy(rec.origin, origin, ID_LEN);
        rec.seq = seq + 1;
        rec.hlc = HLC_PACK(hlc_wall_ms(), 0);
        if (seq) {
            stored_record(ot, origin, seq, &v, &cp);
            crypto_record_hash(v.data, v.len, rec.prev);
        }
        rec.author = "mallory";
        rec.author_len = 7;
        crypto_random(rec.entity, ID_LEN);
        rec.kind = KIND_CUSTOMER;
        rec.n_ops = 1;
        rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "Forged", 6}, false, {0}};
        record_encode(&rec, &enc);
        uint8_t h[32];
        crypto_record_hash(enc.data, enc.size, h);
        crypto_head_sign(id->sk, origin, rec.seq, h, sig); /* mallory's key, not the origin's */
        recs[n] = (const uint8_t *)enc.data, lens[n++] = enc.size;
    } else if (!strcmp(step, "foreign") && other_id) {
        origin = other_id->origin;
        for (uint64_t s = other_at_hub + 1; n < 8 && stored_record(ot, origin, s, &v, &cp) == 0; s++) {
            recs[n] = v.data, lens[n++] = v.len;
            if (cp) memcpy(sig, cp, CRYPTO_SIG_LEN);
        }
    } else {
        fprintf(stderr, "accord-peer: unknown step %s\n", step);
        return 2;
    }
    if (n == 0) {
        fprintf(stderr, "accord-peer: no records for step %s\n", step);
        return 2;
    }
    wire_pack_batch_head(&pk, origin, sig, n);
    for (unsigned i = 0; i < n; i++) wire_pack_bin(&pk, recs[i], lens[i]);
    send_buf(&sb);
    while ((rc = recv_msg(&msg, &m, 10000)) == 0 && !(m.type == WIRE_ACK && memcmp(m.origin, origin, ID_LEN) == 0)) {}
    if (rc) {
        fprintf(stderr, "accord-peer: no ACK (%s)\n", accord_errname(rc));
        return 1;
    }
    printf("%s\n", m.code ? accord_errname((int)m.code) : "OK");
    if (m.code) fprintf(stderr, "%.*s\n", (int)m.text_len, m.text);
done:
    zmq_msg_close(&msg);
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&enc);
    if (t) store_txn_abort(&t);
    if (ot) store_txn_abort(&ot);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    identity_destroy(&id);
    identity_destroy(&other_id);
    store_close(&st);
    store_close(&other);
    return 0;
}

static uint64_t hub_head_of(const wire_msg_t *hello, const uint8_t origin[ID_LEN])
{
    for (uint32_t i = 0; i < hello->n_vec; i++)
        if (memcmp(vec[i].origin, origin, ID_LEN) == 0) return vec[i].seq;
    return 0;
}
