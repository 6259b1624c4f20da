/* SPDX-License-Identifier: MIT
 * hub_side: the ROUTER a hub listens on. ZAP (RFC 27) admits only enrolled, unrevoked
 * nodes and names the session by the origin it admitted; a HELLO opens (or reopens) that
 * peer's session; DIGEST requests are answered for `accordctl verify`; a revoked peer's
 * TCP session is cut when the roster says so. */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"
#include "proto/accord_err.h"
#include "state/digest.h"
#include "repl/sync_internal.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>

typedef struct {
    msgpack_packer *pk;
    uint32_t n;
} digest_pack_t;

static void answer_digest(sync_t *s, peer_t *p, const wire_msg_t *m);

static peer_t *peer_by_rid(sync_t *s, const void *rid, size_t len)
{
    for (uint32_t i = 0; i < s->n_peers; i++) {
        peer_t *p = &s->peers[i];
        if (p->state != PEER_FREE && !p->upstream && p->rid_len == len && memcmp(p->rid, rid, len) == 0) return p;
    }
    return NULL;
}

/* A peer's route, for an answer to a frame that belongs to no session (p is not kept). */
static void route_of(peer_t *tmp, zmq_msg_t *rid, const char *user)
{
    memset(tmp, 0, sizeof *tmp);
    size_t n = zmq_msg_size(rid) < sizeof tmp->rid ? zmq_msg_size(rid) : sizeof tmp->rid;
    memcpy(tmp->rid, zmq_msg_data(rid), n);
    tmp->rid_len = n;
    snprintf(tmp->name, sizeof tmp->name, "%s", user);
}

/* Why a HELLO cannot open a session, or 0. Its role is "hub" or "branch", and "hub" only from
 * a key the roster enrolls as a hub: the roster, not the peer, says what a node is. A key
 * not in the roster, or revoked, was admitted by ZAP before the roster said so. */
static int hello_refusal(const wire_msg_t *m, const roster_entry_t *e, bool enrolled, char *why, size_t cap)
{
    bool hub = m->role_len == 3 && memcmp(m->role, "hub", 3) == 0;
    bool branch = m->role_len == 6 && memcmp(m->role, "branch", 6) == 0;
    if (!hub && !branch)
        return accord_fail(why, cap, ACCORD_EPROTO, "the role in a HELLO is \"hub\" or \"branch\"");
    if (!enrolled) /* ZAP admitted it, and the roster lost it since: it cannot be */
        return accord_fail(why, cap, ACCORD_EUNKNOWN, "this node's key is not in the roster here");
    if (e->action == ROSTER_REVOKE) /* revoked since ZAP admitted it; check_roster cuts it */
        return accord_fail(why, cap, ACCORD_EREVOKED, "this node is revoked by the org; it may no longer sync");
    if (hub && strcmp(e->role, "hub") != 0)
        return accord_fail(why, cap, ACCORD_EINVAL,
                           "%s is enrolled as a %s, and its HELLO says role \"hub\": a node speaks in the role "
                           "the roster gives it (enroll it as a hub, or make it a branch with 'accordctl node init "
                           "--role branch')",
                           e->name, e->role);
    return 0;
}

/* A HELLO opens (or reopens) the session of origin, the node ZAP admitted on this route;
 * a refused one is answered with an ERROR, and no session starts. */
static void on_hello(sync_t *s, zmq_msg_t *rid, zmq_msg_t *body, const uint8_t origin[ID_LEN], const char *user,
                     const wire_msg_t *m)
{
    if (zmq_msg_size(rid) > sizeof s->peers[0].rid) return;
    store_txn_t *t;
    roster_entry_t e;
    bool enrolled = false;
    if (store_txn_begin(s->st, false, &t) == 0) {
        enrolled = roster_by_origin(t, origin, &e) == 0;
        store_txn_abort(&t);
    }
    char why[300];
    int code = hello_refusal(m, &e, enrolled, why, sizeof why);
    if (code) {
        peer_t tmp;
        route_of(&tmp, rid, enrolled ? e.name : user);
        log_limited(&s->log_hellos, repl_now_ms(), LOG_WARN, "refused the HELLO of %s: %s: %s", tmp.name,
                    accord_errname(code), why);
        repl_send_error(s, &tmp, code, "%s", why);
        return;
    }
    peer_t *p = repl_peer_by_origin(s, origin, true, false);
    if (!p) return;
    memcpy(p->rid, zmq_msg_data(rid), zmq_msg_size(rid));
    p->rid_len = zmq_msg_size(rid);
    p->fd = zmq_msg_get(body, ZMQ_SRCFD);
    snprintf(p->name, sizeof p->name, "%s", e.name);
    repl_start_session(s, p, m);
    p->last_seen_ms = repl_now_ms();
    log_info("%s connected (%.*s, %u feeds in its vector)", p->name, (int)m->role_len, m->role, m->n_vec);
    repl_send_hello(s, p);
    repl_send_roster(s, p);
}

void repl_on_router_message(sync_t *s)
{
    zmq_msg_t rid, body;
    zmq_msg_init(&rid);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&rid, s->router, ZMQ_DONTWAIT) < 0) goto done;
    if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, s->router, 0) < 0) goto done;
    while (zmq_msg_more(&body)) { /* a peer sending more frames is broken: drain them */
        zmq_msg_close(&body);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&body, s->router, 0) < 0) goto done;
    }
    /* ZAP put the origin it admitted into User-Id: the session's identity, not a claim */
    const char *user = zmq_msg_gets(&body, "User-Id");
    uint8_t origin[ID_LEN];
    if (!user || crypto_unhex(user, origin, ID_LEN)) goto done;
    wire_msg_t m;
    int rc = repl_decode(s, zmq_msg_data(&body), zmq_msg_size(&body), &m);
    if (rc || m.type != WIRE_BATCH) repl_group_flush(s);
    peer_t *p = peer_by_rid(s, zmq_msg_data(&rid), zmq_msg_size(&rid));
    if (p && memcmp(p->origin, origin, ID_LEN)) p = NULL;
    if (rc == 0 && m.type == WIRE_HELLO) {
        on_hello(s, &rid, &body, origin, user, &m);
        goto done;
    }
    if (rc == 0 && m.type == WIRE_DIGEST) {
        peer_t tmp;
        memset(&tmp, 0, sizeof tmp);
        if (zmq_msg_size(&rid) <= sizeof tmp.rid) {
            memcpy(tmp.rid, zmq_msg_data(&rid), zmq_msg_size(&rid));
            tmp.rid_len = zmq_msg_size(&rid);
            answer_digest(s, &tmp, &m);
        }
        goto done;
    }
    if (!p) { /* answer on the session's route so a DEALER that lost its session says HELLO again */
        peer_t tmp;
        route_of(&tmp, &rid, user);
        char text[200];
        if (rc) {
            log_limited(&s->log_no_session, repl_now_ms(), LOG_WARN, "from %s (no session): %s", user,
                        repl_version_text(rc, &m, text, sizeof text));
            repl_send_error(s, &tmp, rc, "%s", text);
        } else {
            repl_send_error(s, &tmp, ACCORD_ENOTFOUND, "no session: send HELLO first");
        }
        goto done;
    }
    if (rc) {
        char text[200];
        p->refused++;
        p->last_code = rc;
        snprintf(p->last_why, sizeof p->last_why, "%s", repl_version_text(rc, &m, text, sizeof text));
        p->last_refusal_ms = repl_now_ms();
        log_limited(&p->log_frames, p->last_refusal_ms, LOG_WARN, "from %s: %s", p->name, p->last_why);
        repl_send_error(s, p, rc, "%s", text);
        goto done;
    }
    repl_dispatch(s, p, &m);
done:
    zmq_msg_close(&rid);
    zmq_msg_close(&body);
}

static int pack_digest(void *ctx, const uint8_t entity[16], const uint8_t digest[32])
{
    digest_pack_t *d = ctx;
    if (d->n >= WIRE_MAX_DIGESTS) return 1;
    if (d->pk) wire_pack_digest_item(d->pk, entity, ID_LEN, digest);
    d->n++;
    return 0;
}

/* DIGEST request (an empty list): bucket 256 asks for the 256 bucket digests, a bucket
 * below it for the digest of each entity in that bucket. Any admitted node may ask:
 * `accordctl verify` on a branch compares its state with this node's. */
static void answer_digest(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    if (m->n_digests || m->bucket > DIGEST_BUCKETS) {
        repl_send_error(s, p, ACCORD_EPROTO, "a DIGEST request has an empty list and a bucket of 0-256");
        return;
    }
    store_txn_t *t;
    if (store_txn_begin(s->st, false, &t)) return;
    msgpack_packer pk;
    repl_out_begin(s, &pk);
    if (m->bucket == DIGEST_BUCKETS) {
        state_digest_t *d = malloc(sizeof *d); /* 8 KiB: not on the stack, and not a static */
        if (!d) abort();
        if (digest_state(t, d) == 0) {
            wire_pack_digest_head(&pk, m->bucket, DIGEST_BUCKETS);
            for (unsigned b = 0; b < DIGEST_BUCKETS; b++) {
                uint8_t key = (uint8_t)b;
                wire_pack_digest_item(&pk, &key, 1, d->bucket[b]);
            }
            repl_out_send(s, p);
        }
        free(d);
    } else {
        digest_pack_t count = {NULL, 0};
        digest_bucket(t, (uint8_t)m->bucket, pack_digest, &count);
        wire_pack_digest_head(&pk, m->bucket, count.n);
        digest_pack_t fill = {&pk, 0};
        digest_bucket(t, (uint8_t)m->bucket, pack_digest, &fill);
        if (fill.n == count.n) repl_out_send(s, p);
    }
    store_txn_abort(&t);
}

/* ZAP (RFC 27): admit a CURVE client only if its key belongs to an enrolled, unrevoked node. */
void repl_on_zap_request(sync_t *s)
{
    zmq_msg_t f[8];
    int n = 0, more = 1;
    while (more && n < 8) {
        zmq_msg_init(&f[n]);
        if (zmq_msg_recv(&f[n], s->zap, n ? 0 : ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&f[n]);
            if (n == 0) return;
            break;
        }
        more = zmq_msg_more(&f[n]);
        n++;
    }
    while (more) { /* more frames than ZAP has: drain */
        zmq_msg_t x;
        zmq_msg_init(&x);
        if (zmq_msg_recv(&x, s->zap, 0) < 0) more = 0;
        else more = zmq_msg_more(&x);
        zmq_msg_close(&x);
    }
    const char *status = "400", *text = "not enrolled";
    char user[2 * ID_LEN + 1] = "";
    if (n >= 7 && zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
        zmq_msg_size(&f[6]) == 32) {
        store_txn_t *t;
        roster_entry_t e;
        if (store_txn_begin(s->st, false, &t) == 0) {
            int rc = roster_by_curve(t, zmq_msg_data(&f[6]), &e);
            store_txn_abort(&t);
            uint8_t origin[ID_LEN];
            if (rc == 0) crypto_origin_of(e.pk, origin);
            if (rc == 0 && e.action == ROSTER_REVOKE) {
                text = "revoked";
                log_limited(&s->log_zap, repl_now_ms(), LOG_WARN, "refused a connection from %s: its key is revoked",
                            e.name);
            } else if (rc == 0 && memcmp(origin, s->id->origin, ID_LEN) == 0) {
                text = "that is this node's own key";
            } else if (rc == 0) {
                status = "200";
                text = "OK";
                crypto_hex(origin, ID_LEN, user);
            } else {
                log_limited(&s->log_zap, repl_now_ms(), LOG_WARN,
                            "refused a connection from a key that is not in the roster");
            }
        }
    }
    const void *version = n > 0 ? zmq_msg_data(&f[0]) : "1.0";
    size_t version_len = n > 0 ? zmq_msg_size(&f[0]) : 3;
    zmq_send(s->zap, version, version_len, ZMQ_SNDMORE);
    zmq_send(s->zap, n > 1 ? zmq_msg_data(&f[1]) : "", n > 1 ? zmq_msg_size(&f[1]) : 0, ZMQ_SNDMORE);
    zmq_send(s->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(s->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(s->zap, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(s->zap, "", 0, 0);
    for (int i = 0; i < n; i++) zmq_msg_close(&f[i]);
}

void repl_check_roster(sync_t *s)
{
    store_txn_t *t;
    if (store_txn_begin(s->st, false, &t)) return;
    uint64_t gen = roster_generation(t), before = s->roster_gen;
    bool changed = gen != before;
    s->roster_gen = gen;
    for (uint32_t i = 0; i < s->n_peers && changed; i++) {
        peer_t *p = &s->peers[i];
        roster_entry_t e;
        if (p->state == PEER_FREE || roster_by_origin(t, p->origin, &e)) continue;
        snprintf(p->name, sizeof p->name, "%s", e.name);
        if (peer_in_session(p) && !p->upstream && e.action == ROSTER_REVOKE) {
            log_warn("%s is revoked: cutting its session", p->name);
            repl_send_error(s, p, ACCORD_EREVOKED, "this node is revoked by the org; it may no longer sync");
            if (p->fd >= 0) shutdown(p->fd, SHUT_RDWR); /* the TCP connection, not just the next handshake */
            peer_lost(p, "revoked");
        }
    }
    /* only what changed: a thousand branches need not each get the whole roster again */
    bool have_delta = changed && repl_build_roster(t, before < gen ? before : 0, &s->out);
    store_txn_abort(&t);
    for (uint32_t i = 0; i < s->n_peers && have_delta; i++)
        if (peer_in_session(&s->peers[i])) repl_out_send(s, &s->peers[i]);
}
