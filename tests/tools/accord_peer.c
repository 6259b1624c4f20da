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
 *          fork      a second, different record at the hub's head of OWN_DIR's feed, validly
 *                    signed by OWN_DIR's key (record 3 when the hub holds 1-3)
 *          forge     a record claiming OTHER_DIR's origin, signed by OWN_DIR's key
 *          foreign   OTHER_DIR's own genuine records the hub lacks (a revoked node's)
 *          future    OWN_DIR's next record, validly signed, stamped an hour ahead
 *          author=U  OWN_DIR's next record, validly signed: a new customer whose author is U
 *          grant=U   OWN_DIR's next record, validly signed: a new user "evil" with the role
 *                    "admin org", whose author is U
 *          version   a HELLO of protocol version 99: prints the ERROR's name and message
 *          role=R    a HELLO claiming role R: prints "HELLO" if the hub answered with its
 *                    HELLO, or the ERROR's name and message
 *          acks      takes batches without answering for 2 s and counts them, then sends
 *                    ACKs for no batch it was sent (feeds it never got, duplicates of its one
 *                    genuine ACK): prints "BEFORE AFTER", the batches that came in each phase
 *          garbage=N N frames that are not messages before its HELLO and N after it; then
 *                    asks for a DIGEST so that all were read: prints "sent 2N"
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

#define FUTURE_MS (3600 * 1000) /* how far ahead the future step stamps its record */

static void *sock;
static wire_vec_t vec[WIRE_MAX_ORIGINS];
static const uint8_t *items[WIRE_MAX_ROSTER];
static size_t item_lens[WIRE_MAX_ROSTER];
static wire_digest_t digests[257]; /* the hub's answer to a DIGEST request (garbage) */
static uint64_t hub_head_of(const wire_msg_t *hello, const uint8_t origin[ID_LEN]);

static int recv_msg(zmq_msg_t *msg, wire_msg_t *m, int timeout_ms)
{
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, timeout_ms) <= 0) return ACCORD_ETIMEOUT;
    zmq_msg_close(msg);
    zmq_msg_init(msg);
    if (zmq_msg_recv(msg, sock, 0) < 0) return ACCORD_ENET;
    wire_space_t sp = {vec, WIRE_MAX_ORIGINS, items, item_lens, WIRE_MAX_ROSTER, digests, 257};
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

/* The batch a step sends: records (stored ones, or made up in enc) and the signature. */
typedef struct {
    const uint8_t *origin;
    uint8_t sig[CRYPTO_SIG_LEN];
    const uint8_t *recs[8];
    size_t lens[8];
    unsigned n;
    msgpack_sbuffer enc;           /* records a step makes up (fork, forge) */
    uint8_t made[RECORD_MAX_BYTES]; /* a stored record with a bit flipped */
    record_t rec;                  /* decoding and making records */
} step_batch_t;

/* first, replay: record 1; flip, rest: records 2-3 (flip alters a bit of record 2). */
static void step_stored(store_txn_t *t, const char *step, step_batch_t *b)
{
    store_val_t v;
    const uint8_t *cp;
    uint64_t first = 1, last = 1;
    if (!strcmp(step, "flip") || !strcmp(step, "rest")) first = 2, last = 3;
    for (uint64_t s = first; s <= last; s++) {
        stored_record(t, b->origin, s, &v, &cp);
        b->recs[b->n] = v.data, b->lens[b->n++] = v.len;
        if (s == last) memcpy(b->sig, cp, CRYPTO_SIG_LEN);
    }
    if (!strcmp(step, "flip")) {
        memcpy(b->made, b->recs[0], b->lens[0]);
        b->made[b->lens[0] - 3] ^= 0x01; /* inside the record's last op value */
        b->recs[0] = b->made;
    }
}

/* a second, validly signed record `at` (the hub's head) of our own feed: the same seq and
 * link, different content */
static void step_fork(store_txn_t *t, const identity_t *id, uint64_t at, step_batch_t *b)
{
    store_val_t v;
    const uint8_t *cp;
    if (!at || stored_record(t, b->origin, at, &v, &cp)) return; /* no records: the caller says so */
    record_decode(v.data, v.len, &b->rec);
    b->rec.hlc += 1;
    record_encode(&b->rec, &b->enc);
    uint8_t h[32];
    crypto_record_hash(b->enc.data, b->enc.size, h);
    crypto_head_sign(id->sk, b->origin, at, h, b->sig);
    b->recs[b->n] = (const uint8_t *)b->enc.data, b->lens[b->n++] = b->enc.size;
}

/* a made-up record at seq at_hub + 1 of origin's feed (whose records feed_txn holds),
 * stamped hlc and signed with sk; nothing when feed_txn lacks record at_hub to link to */
static const char *made_author = "mallory"; /* the author of made records (step author=U) */
static bool made_grant;                     /* step grant=U: the record makes a user, not a customer */
static const char *made_branch;             /* steps author= and grant=: the record's branch (ours) */

static void made_record(store_txn_t *feed_txn, const uint8_t *origin, uint64_t at_hub, uint64_t hlc,
                        const uint8_t *sk, step_batch_t *b)
{
    store_val_t v;
    const uint8_t *cp;
    b->origin = origin;
    record_t *rec = &b->rec;
    memset(rec, 0, sizeof *rec);
    memcpy(rec->origin, b->origin, ID_LEN);
    rec->seq = at_hub + 1;
    rec->hlc = hlc;
    if (at_hub) {
        if (stored_record(feed_txn, b->origin, at_hub, &v, &cp)) return;
        crypto_record_hash(v.data, v.len, rec->prev);
    }
    rec->author = made_author;
    rec->author_len = strlen(made_author);
    crypto_random(rec->entity, ID_LEN);
    rec->kind = KIND_CUSTOMER;
    rec->n_ops = 1;
    rec->ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "Forged", 6}, false, {0}};
    if (made_branch) {
        rec->ops[1] = rec->ops[0];
        rec->ops[0] = (record_op_t){F_BRANCH, OP_SET, {VAL_STR, 0, made_branch, strlen(made_branch)}, false, {0}};
        rec->n_ops = 2;
    }
    if (made_grant) {
        static const char hash[] = "$argon2id$v=19$m=65536,t=2,p=1$g4MNkODla8seCOOfMp1TNA$"
                                   "s2hxFiaHtYOFT5ZUZpaicnhbPGfRcRcItbAQw5cN9+4";
        rec->kind = KIND_USER;
        rec->n_ops = 4;
        rec->ops[1] = (record_op_t){F_US_LOGIN, OP_SET, {VAL_STR, 0, "evil", 4}, false, {0}};
        rec->ops[2] = (record_op_t){F_US_PASSWORD, OP_SET, {VAL_STR, 0, hash, sizeof hash - 1}, false, {0}};
        rec->ops[3] = (record_op_t){F_US_ROLES, OP_ADD, {VAL_STR, 0, "admin org", 9}, false, {0}};
    }
    record_encode(rec, &b->enc);
    uint8_t h[32];
    crypto_record_hash(b->enc.data, b->enc.size, h);
    crypto_head_sign(sk, b->origin, rec->seq, h, b->sig);
    b->recs[b->n] = (const uint8_t *)b->enc.data, b->lens[b->n++] = b->enc.size;
}

/* another node's real records the hub lacks, relayed by us */
static void step_foreign(store_txn_t *ot, const identity_t *other_id, uint64_t at_hub, step_batch_t *b)
{
    store_val_t v;
    const uint8_t *cp;
    b->origin = other_id->origin;
    for (uint64_t s = at_hub + 1; b->n < 8 && stored_record(ot, b->origin, s, &v, &cp) == 0; s++) {
        b->recs[b->n] = v.data, b->lens[b->n++] = v.len;
        if (cp) memcpy(b->sig, cp, CRYPTO_SIG_LEN);
    }
}

/* a node of a future protocol: [1, 99, role, store_id, []]; prints the hub's ERROR */
static int step_version(msgpack_packer *pk, msgpack_sbuffer *sb, zmq_msg_t *msg)
{
    uint8_t store_id[16] = {0};
    msgpack_pack_array(pk, 5);
    msgpack_pack_uint8(pk, WIRE_HELLO);
    msgpack_pack_uint8(pk, 99);
    msgpack_pack_str(pk, 6);
    msgpack_pack_str_body(pk, "branch", 6);
    msgpack_pack_bin(pk, 16);
    msgpack_pack_bin_body(pk, store_id, 16);
    msgpack_pack_array(pk, 0);
    send_buf(sb);
    wire_msg_t m;
    int rc;
    while ((rc = recv_msg(msg, &m, 10000)) == 0 && m.type != WIRE_ERROR) {}
    if (rc) return 1;
    printf("%s %.*s\n", accord_errname((int)m.code), (int)m.text_len, m.text);
    return 0;
}

/* Reads messages until one of type `type` (or ERROR, if stop_on_error) comes: 0, or why not. */
static int await_type(zmq_msg_t *msg, wire_msg_t *m, wire_type_t type, bool stop_on_error, int timeout_ms)
{
    int rc;
    while ((rc = recv_msg(msg, m, timeout_ms)) == 0 && m->type != type && !(stop_on_error && m->type == WIRE_ERROR)) {}
    return rc;
}

/* a HELLO claiming another role than this key's roster entry gives it */
static int step_role(const char *role, msgpack_packer *pk, msgpack_sbuffer *sb, zmq_msg_t *msg)
{
    uint8_t store_id[16] = {0};
    wire_pack_hello(pk, role, store_id, NULL, 0);
    send_buf(sb);
    wire_msg_t m;
    if (await_type(msg, &m, WIRE_HELLO, true, 10000)) return 1;
    if (m.type == WIRE_HELLO) printf("HELLO\n");
    else printf("%s %.*s\n", accord_errname((int)m.code), (int)m.text_len, m.text);
    return 0;
}

/* BATCHes that arrive within ms; the origin and last seq of the first one go to first_origin and first_last. */
static unsigned count_batches(zmq_msg_t *msg, int ms, uint8_t first_origin[ID_LEN], uint64_t *first_last)
{
    unsigned n = 0;
    uint64_t end = hlc_wall_ms() + (uint64_t)ms;
    wire_msg_t m;
    for (uint64_t now = hlc_wall_ms(); now < end; now = hlc_wall_ms()) {
        if (recv_msg(msg, &m, (int)(end - now)) || m.type != WIRE_BATCH) continue;
        if (n++ == 0 && first_origin) {
            memcpy(first_origin, m.origin, ID_LEN);
            record_t *rec = malloc(sizeof *rec);
            if (!rec) abort();
            *first_last = record_decode(items[m.n_items - 1], item_lens[m.n_items - 1], rec) == 0 ? rec->seq : 0;
            free(rec);
        }
    }
    return n;
}

static void send_ack(msgpack_packer *pk, msgpack_sbuffer *sb, const uint8_t origin[ID_LEN], uint64_t head, int code)
{
    wire_pack_ack(pk, origin, head, code, 1, code ? "refused" : "");
    send_buf(sb);
}

/* A peer that answers batches it never got, hoping for a wider window. */
static int step_acks(msgpack_packer *pk, msgpack_sbuffer *sb, zmq_msg_t *msg)
{
    uint8_t store_id[16] = {0}, first[ID_LEN], never[ID_LEN];
    wire_pack_hello(pk, "branch", store_id, NULL, 0);
    send_buf(sb);
    wire_msg_t m;
    if (await_type(msg, &m, WIRE_HELLO, false, 10000)) return 1;
    uint64_t first_last = 0;
    unsigned before = count_batches(msg, 2000, first, &first_last);
    if (!before || !first_last) {
        fprintf(stderr, "accord-peer: the hub sent no batch\n");
        return 1;
    }
    crypto_random(never, ID_LEN);
    for (int i = 0; i < 100; i++) send_ack(pk, sb, never, 1000000, 0);       /* a feed never sent */
    for (int i = 0; i < 100; i++) send_ack(pk, sb, never, 0, ACCORD_EGAP);  /* refusing it */
    send_ack(pk, sb, first, first_last, 0);                                 /* the one genuine ACK */
    for (int i = 0; i < 100; i++) send_ack(pk, sb, first, first_last, 0);   /* and its duplicates */
    unsigned after = count_batches(msg, 2000, NULL, NULL);
    printf("%u %u\n", before, after);
    return 0;
}

/* Frames that are not messages, before and after a HELLO; a DIGEST answered says all were read. */
static int step_garbage(long n, msgpack_packer *pk, msgpack_sbuffer *sb, zmq_msg_t *msg)
{
    char junk[64];
    wire_msg_t m;
    for (int phase = 0; phase < 2; phase++) {
        for (long i = 0; i < n; i++) {
            int len = snprintf(junk, sizeof junk, "\xc1 not a message %ld", i); /* 0xc1: never used by msgpack */
            zmq_send(sock, junk, (size_t)len, 0);
        }
        /* the hub answers each frame with an ERROR; those may fill its queue to us, and its
         * HELLO is then dropped with them: say HELLO until one comes */
        int tries = 0;
        for (; phase == 0 && tries < 30; tries++) {
            uint8_t store_id[16] = {0};
            wire_pack_hello(pk, "branch", store_id, NULL, 0);
            send_buf(sb);
            if (await_type(msg, &m, WIRE_HELLO, false, 1000) == 0) break;
        }
        if (tries == 30) {
            fprintf(stderr, "accord-peer: no HELLO from the hub after the garbage\n");
            return 1;
        }
    }
    /* likewise the answer to a DIGEST request: ask until one comes */
    for (int tries = 0; tries < 30; tries++) {
        wire_pack_digest_head(pk, 256, 0);
        send_buf(sb);
        if (await_type(msg, &m, WIRE_DIGEST, false, 1000) == 0) {
            printf("sent %ld\n", 2 * n);
            return 0;
        }
    }
    fprintf(stderr, "accord-peer: no DIGEST answer after the garbage\n");
    return 1;
}

/* Makes the step's batch after the hub's HELLO; 0, or the exit code. */
static int make_batch(const char *step, store_t *st, store_t *other, const identity_t *id,
                      const identity_t *other_id, uint64_t own_at_hub, uint64_t other_at_hub, step_batch_t *b)
{
    store_txn_t *t = NULL, *ot = NULL;
    store_txn_begin(st, false, &t);
    if (other) store_txn_begin(other, false, &ot);
    b->origin = id->origin;
    int rc = 0;
    if (!strcmp(step, "first") || !strcmp(step, "replay") || !strcmp(step, "flip") || !strcmp(step, "rest"))
        step_stored(t, step, b);
    else if (!strcmp(step, "fork")) step_fork(t, id, own_at_hub, b);
    else if (!strcmp(step, "forge") && other_id) /* another node's next record, signed with our key */
        made_record(ot, other_id->origin, other_at_hub, HLC_PACK(hlc_wall_ms(), 0), id->sk, b);
    else if (!strcmp(step, "future")) /* our own next record, genuine but stamped an hour ahead */
        made_record(t, id->origin, own_at_hub, HLC_PACK(hlc_wall_ms() + FUTURE_MS, 0), id->sk, b);
    else if (!strcmp(step, "foreign") && other_id) step_foreign(ot, other_id, other_at_hub, b);
    else if (!strncmp(step, "author=", 7) || !strncmp(step, "grant=", 6)) { /* a record by someone else's name */
        made_grant = step[0] == 'g';
        made_author = strchr(step, '=') + 1;
        made_branch = id->name;
        made_record(t, id->origin, own_at_hub, HLC_PACK(hlc_wall_ms(), 0), id->sk, b);
    }
    else {
        fprintf(stderr, "accord-peer: unknown step %s\n", step);
        rc = 2;
    }
    if (!rc && b->n == 0) {
        fprintf(stderr, "accord-peer: no records for step %s\n", step);
        rc = 2;
    }
    if (!rc) { /* the stored bytes die with the transactions: keep copies in made/enc */
        for (unsigned i = 0; i < b->n; i++)
            if (b->recs[i] != b->made && b->recs[i] != (const uint8_t *)b->enc.data) {
                uint8_t *copy = malloc(b->lens[i]);
                if (!copy) abort();
                memcpy(copy, b->recs[i], b->lens[i]);
                b->recs[i] = copy;
            }
    }
    if (t) store_txn_abort(&t);
    if (ot) store_txn_abort(&ot);
    return rc;
}

static void free_batch(step_batch_t *b)
{
    for (unsigned i = 0; i < b->n; i++)
        if (b->recs[i] != b->made && b->recs[i] != (const uint8_t *)b->enc.data) free((void *)b->recs[i]);
    msgpack_sbuffer_destroy(&b->enc);
}

static void *connect_hub(void *ctx, const char *endpoint, const uint8_t hub_curve[32], const identity_t *id)
{
    uint8_t my_curve[32], my_curve_sk[32];
    crypto_curve_pk(id->pk, my_curve);
    crypto_curve_sk(id->sk, my_curve_sk);
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, hub_curve, 32);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, my_curve, 32);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, my_curve_sk, 32);
    zmq_connect(s, endpoint);
    return s;
}

/* Says HELLO, makes the step's batch, sends it and prints the hub's answer: the exit code. */
static int run_step(const char *step, store_t *st, store_t *other, const identity_t *id, const identity_t *other_id,
                    msgpack_packer *pk, msgpack_sbuffer *sb, zmq_msg_t *msg)
{
    if (!strcmp(step, "version")) return step_version(pk, sb, msg);
    if (!strncmp(step, "role=", 5)) return step_role(step + 5, pk, sb, msg);
    if (!strcmp(step, "acks")) return step_acks(pk, sb, msg);
    if (!strncmp(step, "garbage=", 8)) return step_garbage(strtol(step + 8, NULL, 10), pk, sb, msg);
    uint8_t store_id[16] = {0};
    wire_pack_hello(pk, "branch", store_id, NULL, 0);
    send_buf(sb);
    wire_msg_t m;
    int rc;
    while ((rc = recv_msg(msg, &m, 10000)) == 0 && m.type != WIRE_HELLO) {}
    if (rc) {
        fprintf(stderr, "accord-peer: no HELLO from the hub (%s)\n", accord_errname(rc));
        return 1;
    }
    /* the vector points into msg: keep what is needed before reading more */
    uint64_t own_at_hub = hub_head_of(&m, id->origin), other_at_hub = other_id ? hub_head_of(&m, other_id->origin) : 0;
    step_batch_t *b = calloc(1, sizeof *b);
    if (!b) abort();
    msgpack_sbuffer_init(&b->enc);
    if ((rc = make_batch(step, st, other, id, other_id, own_at_hub, other_at_hub, b))) goto out;
    wire_pack_batch_head(pk, b->origin, b->sig, b->n);
    for (unsigned i = 0; i < b->n; i++) wire_pack_bin(pk, b->recs[i], b->lens[i]);
    send_buf(sb);
    while ((rc = recv_msg(msg, &m, 10000)) == 0 && !(m.type == WIRE_ACK && memcmp(m.origin, b->origin, ID_LEN) == 0)) {}
    if (rc) {
        fprintf(stderr, "accord-peer: no ACK (%s)\n", accord_errname(rc));
        rc = 1;
        goto out;
    }
    printf("%s\n", m.code ? accord_errname((int)m.code) : "OK");
    if (m.code) fprintf(stderr, "%.*s\n", (int)m.text_len, m.text);
out:
    free_batch(b);
    free(b);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: accord-peer HUB_EP HUB_KEY OWN_DIR STEP [OTHER_DIR]\n");
        return 2;
    }
    crypto_init();
    uint8_t hub_pk[32], hub_curve[32];
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
    void *ctx = zmq_ctx_new();
    sock = connect_hub(ctx, argv[1], hub_curve, id);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int rc = run_step(argv[4], st, other, id, other_id, &pk, &sb, &msg);
    zmq_msg_close(&msg);
    msgpack_sbuffer_destroy(&sb);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    identity_destroy(&id);
    identity_destroy(&other_id);
    store_close(&st);
    store_close(&other);
    return rc;
}

static uint64_t hub_head_of(const wire_msg_t *hello, const uint8_t origin[ID_LEN])
{
    for (uint32_t i = 0; i < hello->n_vec; i++)
        if (memcmp(vec[i].origin, origin, ID_LEN) == 0) return vec[i].seq;
    return 0;
}
