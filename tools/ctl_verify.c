/* SPDX-License-Identifier: MIT
 * accordctl digest / verify: does this node hold the same data as the hub?
 * digest prints this node's state digest; verify asks the hub for its range digests over
 * the replication link (CURVE, this node's own key) and lists the records that differ. */
#define _POSIX_C_SOURCE 200809L
#include "ctl.h"
#include "proto/accord_err.h"
#include "proto/record.h"
#include "proto/wire.h"
#include "state/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define VERIFY_TIMEOUT_MS 60000
#define MAX_LISTED 100

static int local_digest(store_t *st, state_digest_t *d)
{
    store_txn_t *t;
    int rc = store_txn_begin(st, false, &t);
    if (rc) return rc;
    rc = digest_state(t, d);
    store_txn_abort(&t);
    return rc;
}

int ctl_digest(const ctl_args_t *a)
{
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(a->dir, &st, &id);
    if (rc) return rc;
    state_digest_t *d = calloc(1, sizeof *d);
    if (!d) abort();
    rc = local_digest(st, d);
    identity_destroy(&id);
    store_close(&st);
    if (rc) {
        fprintf(stderr, "accordctl: cannot read the state: %s\n", accord_strerror(rc));
        free(d);
        return ACCORD_EXIT_OTHER;
    }
    char hex[65];
    crypto_hex(d->state, 32, hex);
    if (a->json) printf("{\"digest\":\"%s\",\"records\":%llu}\n", hex, (unsigned long long)d->entities);
    else printf("%s  %llu records\n", hex, (unsigned long long)d->entities);
    free(d);
    return ACCORD_EXIT_OK;
}

typedef struct {
    void *ctx, *sock;
    zmq_msg_t reply;
    wire_digest_t *items;
    wire_msg_t m;
} hub_link_t;

/* Sends a DIGEST request for bucket and decodes the answer into link->m. */
static int ask(hub_link_t *l, unsigned bucket)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    wire_pack_digest_head(&pk, bucket, 0);
    int rc = zmq_send(l->sock, sb.data, sb.size, 0);
    msgpack_sbuffer_destroy(&sb);
    if (rc < 0) return ACCORD_ENET;
    zmq_msg_close(&l->reply);
    zmq_msg_init(&l->reply);
    for (;;) {
        zmq_pollitem_t it = {l->sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, VERIFY_TIMEOUT_MS) <= 0) return ACCORD_ETIMEOUT;
        if (zmq_msg_recv(&l->reply, l->sock, 0) < 0) return ACCORD_ENET;
        wire_space_t sp = {NULL, 0, NULL, NULL, 0, l->items, WIRE_MAX_DIGESTS};
        rc = wire_decode(zmq_msg_data(&l->reply), zmq_msg_size(&l->reply), &sp, &l->m);
        if (rc) return rc;
        if (l->m.type == WIRE_ERROR) {
            fprintf(stderr, "accordctl: the hub says: %.*s\n", (int)l->m.text_len, l->m.text);
            return (int)l->m.code;
        }
        if (l->m.type == WIRE_DIGEST && l->m.bucket == bucket) return 0;
    }
}

typedef struct {
    uint8_t (*ids)[ID_LEN];
    uint8_t (*digests)[32];
    uint32_t n, cap;
} entity_list_t;

static int collect(void *ctx, const uint8_t entity[16], const uint8_t digest[32])
{
    entity_list_t *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->ids = realloc(l->ids, l->cap * sizeof *l->ids);
        l->digests = realloc(l->digests, l->cap * sizeof *l->digests);
        if (!l->ids || !l->digests) abort();
    }
    memcpy(l->ids[l->n], entity, ID_LEN);
    memcpy(l->digests[l->n], digest, 32);
    l->n++;
    return 0;
}

/* The records found to differ, as they are listed. */
typedef struct {
    bool json;       /* --json: objects in a list */
    unsigned listed; /* differences found (only MAX_LISTED are printed) */
} diff_list_t;

static void report(diff_list_t *d, const char *what, const uint8_t id[ID_LEN])
{
    char hex[2 * ID_LEN + 1];
    crypto_hex(id, ID_LEN, hex);
    if (d->listed++ >= MAX_LISTED) return;
    if (d->json) printf("%s{\"id\":\"%s\",\"difference\":\"%s\"}", d->listed > 1 ? "," : "", hex, what);
    else printf("  %s  %s\n", hex, what);
}

/* Both lists are in id order: a merge walk finds what is missing or different. */
static void compare_bucket(const entity_list_t *mine, const hub_link_t *hub, diff_list_t *d)
{
    uint32_t i = 0, j = 0, n = hub->m.n_digests;
    while (i < mine->n || j < n) {
        int c = i == mine->n ? 1 : j == n ? -1 : memcmp(mine->ids[i], hub->items[j].key, ID_LEN);
        if (j < n && hub->items[j].key_len != ID_LEN) { j++; continue; }
        if (c < 0) report(d, "only on this node", mine->ids[i++]);
        else if (c > 0) report(d, "only at the hub", hub->items[j++].key);
        else {
            if (memcmp(mine->digests[i], hub->items[j].digest, 32)) report(d, "differs", mine->ids[i]);
            i++, j++;
        }
    }
}

int ctl_verify(const ctl_args_t *a)
{
    const char *dir = a->dir, *ep = ctl_opt(a, "hub"), *key_hex = ctl_opt(a, "hub-key");
    uint8_t hub_pk[CRYPTO_PK_LEN], hub_curve[32], my_curve[32], my_curve_sk[32];
    if (!dir || !ep || !key_hex || crypto_unhex(key_hex, hub_pk, sizeof hub_pk) || crypto_curve_pk(hub_pk, hub_curve)) {
        fprintf(stderr, "usage: accordctl verify --data DIR --hub ENDPOINT --hub-key HEX\n"
                        "  (the hub's endpoint and public key, as given to accord-node --upstream)\n");
        return ACCORD_EXIT_USAGE;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(dir, &st, &id);
    if (rc) return rc;
    crypto_curve_pk(id->pk, my_curve);
    crypto_curve_sk(id->sk, my_curve_sk);
    hub_link_t l;
    memset(&l, 0, sizeof l);
    zmq_msg_init(&l.reply);
    l.items = calloc(WIRE_MAX_DIGESTS, sizeof *l.items);
    if (!l.items) abort();
    l.ctx = zmq_ctx_new();
    l.sock = zmq_socket(l.ctx, ZMQ_DEALER);
    int linger = 0;
    int64_t max = WIRE_MAX_MSG;
    zmq_setsockopt(l.sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(l.sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(l.sock, ZMQ_CURVE_SERVERKEY, hub_curve, 32);
    zmq_setsockopt(l.sock, ZMQ_CURVE_PUBLICKEY, my_curve, 32);
    zmq_setsockopt(l.sock, ZMQ_CURVE_SECRETKEY, my_curve_sk, 32);
    memset(my_curve_sk, 0, sizeof my_curve_sk);
    state_digest_t *mine = calloc(1, sizeof *mine);
    if (!mine) abort();
    diff_list_t d = {a->json, 0};
    entity_list_t list = {NULL, NULL, 0, 0};
    unsigned differing = 0;
    if (zmq_connect(l.sock, ep)) {
        fprintf(stderr, "accordctl: cannot connect to %s: %s\n", ep, zmq_strerror(zmq_errno()));
        rc = ACCORD_ENET;
        goto out;
    }
    if (isatty(2)) fprintf(stderr, "digesting this node's state...\n");
    if ((rc = local_digest(st, mine))) goto out;
    if (isatty(2)) fprintf(stderr, "asking the hub...\n");
    if ((rc = ask(&l, DIGEST_BUCKETS))) {
        if (rc == ACCORD_ETIMEOUT)
            fprintf(stderr, "accordctl: the hub at %s did not answer in %d s (is it up, and is this node enrolled?)\n", ep,
                    VERIFY_TIMEOUT_MS / 1000);
        goto out;
    }
    if (l.m.n_digests != DIGEST_BUCKETS) { rc = ACCORD_EPROTO; goto out; }
    uint8_t diff[DIGEST_BUCKETS];
    for (unsigned b = 0; b < DIGEST_BUCKETS; b++) {
        diff[b] = l.items[b].key_len != 1 || l.items[b].key[0] != b || memcmp(l.items[b].digest, mine->bucket[b], 32);
        differing += diff[b];
    }
    if (a->json) printf("{\"equal\":%s,\"records\":%llu,\"differing_buckets\":%u,\"differences\":[", differing ? "false" : "true",
                     (unsigned long long)mine->entities, differing);
    else if (!differing) printf("equal: this node and the hub hold the same %llu records\n", (unsigned long long)mine->entities);
    else printf("DIFFERENT: %u of %d ranges differ; the records:\n", differing, DIGEST_BUCKETS);
    for (unsigned b = 0; b < DIGEST_BUCKETS && !rc; b++) {
        if (!diff[b]) continue;
        list.n = 0;
        store_txn_t *t;
        if ((rc = store_txn_begin(st, false, &t))) break;
        rc = digest_bucket(t, (uint8_t)b, collect, &list);
        store_txn_abort(&t);
        if (rc || (rc = ask(&l, b))) break;
        compare_bucket(&list, &l, &d);
    }
    if (a->json) printf("],\"listed\":%u}\n", d.listed < MAX_LISTED ? d.listed : MAX_LISTED);
    else if (d.listed > MAX_LISTED) printf("  ... and %u more\n", d.listed - MAX_LISTED);
    if (differing && !a->json && !d.listed)
        printf("  (the ranges differ but no record does: the state changed while comparing; run again)\n");
out:
    if (rc) fprintf(stderr, "accordctl: verify failed: %s\n", accord_strerror(rc));
    free(mine);
    free(list.ids);
    free(list.digests);
    free(l.items);
    zmq_msg_close(&l.reply);
    zmq_close(l.sock);
    zmq_ctx_term(l.ctx);
    identity_destroy(&id);
    store_close(&st);
    return rc ? (rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT ? ACCORD_EXIT_UNREACHABLE : ACCORD_EXIT_OTHER) : differing ? ACCORD_EXIT_REFUSED : ACCORD_EXIT_OK;
}
