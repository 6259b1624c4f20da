/* SPDX-License-Identifier: MIT
 * session: the messages both ends of a replication session handle alike. A BATCH enters
 * the store through the one ingest path (feed/ingest.h) in the group commit's transaction
 * (checked wholly first, so a refused one writes nothing); the ACKs go once the group is durable. */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"
#include "feed/ingest.h"
#include "proto/accord_err.h"
#include "repl/rejoin.h"
#include "repl/sync_internal.h"
#include "auth/audit.h"

#include <stdio.h>
#include <string.h>

void repl_send_hello(sync_t *s, peer_t *p)
{
    for (uint32_t i = 0; i < s->n_origins; i++) {
        s->vec[i].origin = s->origins[i].id;
        s->vec[i].seq = s->origins[i].head;
    }
    msgpack_packer pk;
    wire_pack_hello(repl_out_begin(s, &pk), s->id->role, s->id->store_id, s->vec, s->n_origins);
    repl_out_send(s, p);
}

/* A ROSTER message of the whole roster (since 0) or of what changed after generation
 * since, into out. False if there is nothing to send. */
bool repl_build_roster(store_txn_t *t, uint64_t since, msgpack_sbuffer *out)
{
    uint32_t n;
    return roster_message(t, since, out, &n) == 0 && n > 0;
}

/* The whole roster is kept as a message per generation: with a thousand branches
 * reconnecting it is built once, not a thousand times. */
void repl_send_roster(sync_t *s, peer_t *p)
{
    store_txn_t *t;
    if (store_txn_begin(s->st, false, &t)) return;
    uint64_t gen = roster_generation(t);
    if (!s->roster_msg || s->roster_msg_gen != gen) {
        if (s->roster_msg) repl_shared_msg_unref(NULL, s->roster_msg);
        s->roster_msg = NULL;
        msgpack_sbuffer whole;
        msgpack_sbuffer_init(&whole);
        if (repl_build_roster(t, 0, &whole)) s->roster_msg = repl_shared_msg_new(whole.data, whole.size);
        msgpack_sbuffer_destroy(&whole);
        s->roster_msg_gen = gen;
    }
    store_txn_abort(&t);
    if (s->roster_msg) repl_out_send_shared(s, p, s->roster_msg);
}

/* A session starts (again): what the peer holds is what its HELLO says. */
void repl_start_session(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    for (uint32_t i = 0; i < p->slots; i++) p->have[i] = p->sent[i] = p->paused[i] = 0;
    if (p->snap_out) fclose(p->snap_out);
    p->snap_out = NULL;
    for (uint32_t i = 0; i < m->n_vec; i++) {
        uint32_t slot = repl_origin_slot(s, s->vec[i].origin, true);
        if (slot == UINT32_MAX) continue;
        peer_grow(p, s->n_origins);
        p->have[slot] = p->sent[slot] = s->vec[i].seq;
    }
    peer_set_state(p, PEER_LIVE, "HELLO");
    p->have_changed = true;
    peer_flight_reset(p);
    p->dirty = s->any_dirty = true;
    p->connected_ms = repl_now_ms();
}

/* Counts the refusal on the peer and keeps it through the one ingest path's record
 * (TBL_REJECTS; a fork also quarantines the feed, here and in the store). */
static void record_refusal(sync_t *s, peer_t *p, const uint8_t origin[ID_LEN], int code, uint64_t seq,
                           const char *why)
{
    /* a refused batch is offered again every few seconds: audit a refusal once, not each time */
    bool again = p->last_code == code && !strncmp(p->last_why, why, sizeof p->last_why - 1);
    p->refused++;
    p->last_code = code;
    p->last_refusal_ms = repl_now_ms();
    snprintf(p->last_why, sizeof p->last_why, "%s", why);
    if (code == ACCORD_EPERM && !again) {
        char detail[AUDIT_DETAIL_MAX + 1];
        snprintf(detail, sizeof detail, "from %s: %s", p->name, why);
        audit_record(s->st, AUDIT_PERMISSION_REFUSED, "", "", detail);
    }
    memcpy(p->last_refused_feed, origin, ID_LEN);
    p->last_refused_seq = seq;
    char hex[2 * ID_LEN + 1];
    crypto_hex(origin, ID_LEN, hex);
    if (code == ACCORD_EQUOTA) /* an alert: a branch writing this much is broken or hostile */
        log_limited(&p->log_refusals, p->last_refusal_ms, LOG_ERROR, "ALERT: feed %s from %s reached its daily allowance: %s",
                    hex, p->name, why);
    else
        log_limited(&p->log_refusals, p->last_refusal_ms, LOG_WARN, "refused a batch of feed %s from %s: %s: %s", hex,
                    p->name, accord_errname(code), why);
    bool quarantined = false;
    int rc = ingest_record_refusal(s->st, s->id->origin, p->origin, origin, code, seq, why, p->last_refusal_ms,
                                   &quarantined);
    if (rc) log_error("cannot record the refusal: %s", accord_strerror(rc));
    if (quarantined) {
        uint32_t slot = repl_origin_slot(s, origin, true);
        if (slot != UINT32_MAX) s->origins[slot].quarantined = true;
        log_error("feed %s forked at seq %llu; it is quarantined: no more of it is applied or forwarded here. "
                  "See 'accordctl sync status' for how to rejoin that node.",
                  hex, (unsigned long long)seq);
    }
}

/* An EGAP whose missing records start at the seq of the peer's last refusal of that feed. */
static bool is_echo(const peer_t *p, const uint8_t origin[ID_LEN], int code, uint64_t gap_from)
{
    return code == ACCORD_EGAP && p->last_code && p->last_code != ACCORD_EGAP &&
           !memcmp(p->last_refused_feed, origin, ID_LEN) && p->last_refused_seq && gap_from <= p->last_refused_seq;
}

static void send_ack(sync_t *s, peer_t *p, const uint8_t origin[ID_LEN], uint64_t head, int code, const char *why)
{
    msgpack_packer pk;
    wire_pack_ack(repl_out_begin(s, &pk), origin, head, code, 1, why);
    repl_out_send(s, p);
}

static uint64_t held_head(sync_t *s, const uint8_t origin[ID_LEN])
{
    uint32_t slot = repl_origin_slot(s, origin, false);
    return slot == UINT32_MAX ? 0 : s->origins[slot].head;
}

void repl_finish_rejoin(sync_t *s)
{
    store_txn_t *t;
    int rc = store_txn_begin(s->st, true, &t);
    if (!rc && !(rc = rejoin_mark(t, false))) rc = store_txn_commit(&t);
    else if (t) store_txn_abort(&t);
    if (rc) {
        log_error("cannot record that the rejoin is done: %s", accord_strerror(rc));
        return;
    }
    s->rejoining = false;
    log_info("rejoined: this node's own feed is at seq %llu, as at the hub; it accepts changes again",
             (unsigned long long)oplog_head(s->log).seq);
}

/* Answers each batch of the group once its transaction committed (rc 0) or failed. */
static void answer_group(sync_t *s, int rc)
{
    s->group_commits++;
    uint32_t n = s->n_acks;
    s->n_acks = 0;
    s->group_records = s->group_bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        pending_ack_t *a = &s->acks[i];
        peer_t *p = a->peer;
        if (rc) {
            char why[120];
            snprintf(why, sizeof why, "cannot commit: %s", accord_strerror(rc));
            record_refusal(s, p, a->origin, rc, a->head - a->applied + 1, why); /* the batch's first seq */
            send_ack(s, p, a->origin, held_head(s, a->origin), rc, why);
            continue;
        }
        oplog_observe(s->log, a->max_hlc);
        double ms = (double)(repl_now_ms() - a->t0_ms);
        unsigned b = 0;
        while (b < SYNC_N_LATENCY && ms > repl_latency_le_ms[b]) b++;
        s->latency_counts[b]++;
        s->latency_n++;
        s->latency_sum_ms += ms;
        if (a->head > s->origins[a->slot].head) s->origins[a->slot].head = a->head;
        if (memcmp(a->origin, s->id->origin, ID_LEN) == 0) { /* rejoin: records of our own feed */
            if (oplog_reload(s->log, s->st)) log_error("cannot read this node's feed head again");
            if (s->rejoining && oplog_head(s->log).seq >= s->rejoin_target) repl_finish_rejoin(s);
        }
        p->records_in += a->applied;
        if (a->head > p->have[a->slot]) p->have[a->slot] = a->head, p->have_changed = true;
        if (p->have[a->slot] > p->sent[a->slot]) p->sent[a->slot] = p->have[a->slot];
        send_ack(s, p, a->origin, a->head, 0, "");
    }
    if (!rc && n) {
        for (uint32_t i = 0; i < s->n_peers; i++) s->peers[i].dirty = true;
        s->any_dirty = true;
    }
}

/* Commits the batches applied so far and answers each; any other use of the store waits
 * for this, so no reader sees what is not durable and no second write txn is opened. */
void repl_group_flush(sync_t *s)
{
    if (!s->group) return;
    answer_group(s, store_txn_commit(&s->group));
}

/* A store error while writing a batch spoilt the group's transaction: none of its batches
 * is kept, each is answered with the error, and their senders offer them again. */
static void group_abort(sync_t *s, int rc)
{
    store_txn_abort(&s->group);
    answer_group(s, rc);
}

/* Are local requests waiting on the API socket? */
static bool local_waiting(const sync_t *s)
{
    int events = 0;
    size_t len = sizeof events;
    return s->local_sock && zmq_getsockopt(s->local_sock, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN);
}

bool repl_group_full(const sync_t *s)
{
    if (!s->group) return false;
    if (s->n_acks == GROUP_MAX_BATCHES || s->group_records >= GROUP_MAX_RECORDS || s->group_bytes >= GROUP_MAX_BYTES)
        return true;
    uint64_t open_ms = repl_now_ms() - s->group_t0_ms;
    return open_ms >= GROUP_IDLE_MAX_MS || (open_ms >= GROUP_MAX_MS && local_waiting(s));
}

static void on_batch(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    uint64_t t0_ms = repl_now_ms();
    const uint8_t *origin = m->origin;
    char why[300] = "";
    int code = 0;
    apply_result_t res;
    memset(&res, 0, sizeof res);
    uint32_t slot = repl_origin_slot(s, origin, true);
    p->batches_in++;
    if (slot == UINT32_MAX) {
        code = ACCORD_ETOOBIG;
        snprintf(why, sizeof why, "this node already follows %d feeds", MAX_ORIGINS);
    } else if (!s->group && (code = store_txn_begin(s->st, true, &s->group))) {
        snprintf(why, sizeof why, "cannot write: %s", accord_strerror(code));
    } else {
        if (s->n_acks == 0) s->group_t0_ms = t0_ms;
        apply_clock_t clock = {repl_now_ms(), (uint64_t)s->cfg.max_skew_s * 1000};
        ingest_policy_t pol = {
            .self = s->id->origin,
            .own_feed_ok = s->rejoining && p->upstream,
            .clock = &clock,
            .origin_day_bytes = (uint64_t)s->cfg.origin_day_mb << 20,
            .own_feed_why = "the peer holds records of this node's own feed that this node lacks: this node "
                            "was restored from an old backup without 'accordctl restore'; stop it, restore "
                            "it with 'accordctl restore' and let it rejoin, or its next change forks its feed",
        };
        apply_batch_t b = {s->items, s->item_lens, m->n_items, {0}};
        memcpy(b.sig, m->sig, CRYPTO_SIG_LEN);
        code = ingest_batch(s->group, &pol, origin, &b, &res, why, sizeof why);
    }
    if (!code) {
        pending_ack_t *a = &s->acks[s->n_acks++];
        *a = (pending_ack_t){p, {0}, slot, res.head_seq, res.applied, res.max_hlc, t0_ms};
        memcpy(a->origin, origin, ID_LEN);
        s->group_records += m->n_items;
        for (uint32_t i = 0; i < m->n_items; i++) s->group_bytes += s->item_lens[i];
        if (repl_group_full(s)) repl_group_flush(s);
        return;
    }
    /* what came before it stands, unless the store failed while writing it: then the whole
     * group goes (no nested transactions); a replay is harmless but shown */
    if (res.spoilt && s->group) group_abort(s, code);
    else repl_group_flush(s);
    if (is_echo(p, origin, code, res.bad_seq)) {
        /* the batches the peer sent behind a refused one leave a gap: the first refusal is the
         * cause and stays the one shown; the peer starts again from our head on the ACK */
        p->echoes++;
        log_debug("batch of %s after a refused one: %s", p->name, why);
    } else {
        record_refusal(s, p, origin, code, res.bad_seq, why);
    }
    send_ack(s, p, origin, held_head(s, origin), code, why);
}

/* An ACK returns credit only if it answers a batch in flight to p (peer.h, "Credit"); any
 * other is counted and ignored, with a log line at a bounded rate. The snapshot's pieces
 * are answered with the zero origin. */
static void on_ack(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    const uint8_t none[ID_LEN] = {0};
    bool snap = memcmp(m->origin, none, ID_LEN) == 0;
    uint32_t slot = snap ? PEER_SNAP_SLOT : repl_origin_slot(s, m->origin, false);
    if (slot == UINT32_MAX) p->ignored_acks++; /* a feed this node does not hold was never sent */
    if (slot == UINT32_MAX || !peer_flight_answer(p, slot, m->head, m->code != 0)) {
        char hex[2 * ID_LEN + 1];
        crypto_hex(m->origin, ID_LEN, hex);
        log_limited(&p->log_acks, repl_now_ms(), LOG_WARN,
                    "ignored an ACK from %s (feed %.12s, head %llu, %s): it answers no batch in flight to it; "
                    "%llu such ACKs from it so far",
                    p->name, hex, (unsigned long long)m->head, accord_errname((int)m->code),
                    (unsigned long long)p->ignored_acks);
        return;
    }
    p->dirty = s->any_dirty = true;
    if (snap) return;
    if (p->have[slot] != m->head) p->have_changed = true;
    p->have[slot] = m->head;
    if (m->code && m->code != ACCORD_EREPLAY) {
        /* offer again from what it holds, after a pause, so a refusal is not a busy loop */
        p->sent[slot] = m->head;
        p->paused[slot] = repl_now_ms() + PAUSE_MS;
        p->last_error_code = (int)m->code;
        snprintf(p->last_error, sizeof p->last_error, "refused our batch: %.*s", (int)m->text_len, m->text);
    } else if (p->sent[slot] < m->head) {
        p->sent[slot] = m->head;
    }
}

static void on_roster(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    store_txn_t *t;
    if (store_txn_begin(s->st, true, &t)) return;
    unsigned added = 0, bad = 0;
    for (uint32_t i = 0; i < m->n_items; i++) {
        bool changed = false;
        roster_entry_t e;
        int rc = roster_add(t, s->items[i], s->item_lens[i], &changed, &e);
        if (rc == ACCORD_ESTORE || rc == ACCORD_EFULL) {
            store_txn_abort(&t);
            log_error("cannot store the roster from %s: %s", p->name, accord_strerror(rc));
            return;
        }
        if (rc) bad++;
        added += changed;
    }
    if (bad)
        log_limited(&p->log_frames, repl_now_ms(), LOG_WARN,
                    "%u roster entries from %s do not verify with the pinned org key; ignored", bad, p->name);
    if (!added) {
        store_txn_abort(&t);
        return;
    }
    int rc = store_txn_commit(&t);
    if (rc) log_error("cannot store the roster from %s: %s", p->name, accord_strerror(rc));
    else log_info("%u roster entries from %s", added, p->name);
}

static void on_beat(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    (void)s;
    p->their_clock_ms = m->clock_ms;
    p->clock_offset_ms = (int64_t)m->clock_ms - (int64_t)repl_now_ms();
    p->their_pending = m->pending;
    p->their_used = m->disk_used;
    p->their_limit = m->disk_limit;
    size_t n = m->text_len < sizeof p->version - 1 ? m->text_len : sizeof p->version - 1;
    memcpy(p->version, m->text, n);
    p->version[n] = 0;
}

static void on_error(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    p->last_error_code = (int)m->code;
    snprintf(p->last_error, sizeof p->last_error, "%.*s", (int)m->text_len, m->text);
    log_limited(&p->log_frames, repl_now_ms(), LOG_ERROR, "%s says: %s (%s)", p->name, p->last_error,
                accord_errname((int)m->code));
    if (p->upstream && m->code == ACCORD_ENOTFOUND) { /* the hub lost our session: start again */
        peer_set_state(p, PEER_HELLO_SENT, "the hub lost our session");
        repl_send_hello(s, p);
    }
}

void repl_dispatch(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    p->last_seen_ms = repl_now_ms();
    if (m->type != WIRE_BATCH) repl_group_flush(s);
    switch (m->type) {
    case WIRE_BATCH: on_batch(s, p, m); break;
    case WIRE_ACK: on_ack(s, p, m); break;
    case WIRE_ROSTER: on_roster(s, p, m); break;
    case WIRE_BEAT: on_beat(s, p, m); break;
    case WIRE_ERROR: on_error(s, p, m); break;
    case WIRE_HELLO: break; /* handled by the caller */
    case WIRE_DIGEST: break;
    case WIRE_SNAP: repl_on_snap(s, p, m); break;
    }
}

int repl_decode(sync_t *s, const void *buf, size_t len, wire_msg_t *m)
{
    wire_space_t sp = {s->vec, MAX_ORIGINS, s->items, s->item_lens, WIRE_MAX_ROSTER, s->no_digests, 0};
    return wire_decode(buf, len, &sp, m);
}

const char *repl_version_text(int rc, const wire_msg_t *m, char *buf, size_t cap)
{
    if (rc == ACCORD_EVERSION)
        snprintf(buf, cap, "replication protocol %llu is not spoken here (this node speaks %d): upgrade the older node",
                 (unsigned long long)m->version, WIRE_VERSION);
    else
        snprintf(buf, cap, "malformed replication message (%s)", accord_errname(rc));
    return buf;
}
