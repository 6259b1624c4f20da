/* SPDX-License-Identifier: MIT
 * branch_side: the DEALER to the hub above this node. Its socket monitor drives the
 * upstream peer's CONNECTING -> HELLO_SENT -> LIVE; a restored node rejoins here (rejoin.h);
 * an empty node receives and installs the hub's snapshot (snapshot_io.h). */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"
#include "proto/accord_err.h"
#include "proto/datadir.h"
#include "ops/snapshot_io.h"
#include "repl/sync_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static peer_t *upstream_peer(sync_t *s)
{
    for (uint32_t i = 0; i < s->n_peers; i++)
        if (s->peers[i].state != PEER_FREE && s->peers[i].upstream) return &s->peers[i];
    return NULL;
}

void repl_on_dealer_message(sync_t *s)
{
    zmq_msg_t body;
    zmq_msg_init(&body);
    if (zmq_msg_recv(&body, s->dealer, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&body);
        return;
    }
    peer_t *p = upstream_peer(s);
    wire_msg_t m;
    int rc = repl_decode(s, zmq_msg_data(&body), zmq_msg_size(&body), &m);
    if (rc || m.type != WIRE_BATCH) repl_group_flush(s);
    if (rc) {
        char text[200];
        repl_version_text(rc, &m, text, sizeof text);
        p->last_error_code = rc;
        snprintf(p->last_error, sizeof p->last_error, "%s", text);
        log_limited(&p->log_frames, repl_now_ms(), LOG_ERROR, "from the hub %s: %s", p->name, text);
        repl_send_error(s, p, rc, "%s", text);
    } else if (m.type == WIRE_HELLO) {
        if (s->rejoining) {
            uint64_t at_hub = 0, here = oplog_head(s->log).seq;
            for (uint32_t i = 0; i < m.n_vec; i++)
                if (memcmp(s->vec[i].origin, s->id->origin, ID_LEN) == 0) at_hub = s->vec[i].seq;
            s->rejoin_target = at_hub;
            if (at_hub <= here) repl_finish_rejoin(s);
            else log_info("rejoining: fetching records %llu-%llu of this node's own feed from the hub",
                          (unsigned long long)here + 1, (unsigned long long)at_hub);
        }
        repl_start_session(s, p, &m);
        repl_clock_on_hello(s, p);
        p->last_seen_ms = repl_now_ms();
        log_info("in session with the hub %s (%u feeds in its vector)", p->name, m.n_vec);
        repl_send_roster(s, p);
    } else {
        repl_dispatch(s, p, &m);
        if (m.type == WIRE_BEAT) repl_clock_on_beat(s, p);
    }
    zmq_msg_close(&body);
}

void repl_on_monitor_event(sync_t *s)
{
    zmq_msg_t ev, addr;
    zmq_msg_init(&ev);
    zmq_msg_init(&addr);
    if (zmq_msg_recv(&ev, s->mon, ZMQ_DONTWAIT) < 0) goto done;
    if (zmq_msg_more(&ev)) zmq_msg_recv(&addr, s->mon, 0);
    if (zmq_msg_size(&ev) < 6) goto done;
    uint16_t event;
    uint32_t value;
    memcpy(&event, zmq_msg_data(&ev), 2);
    memcpy(&value, (uint8_t *)zmq_msg_data(&ev) + 2, 4);
    peer_t *p = upstream_peer(s);
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        p->last_error_code = 0;
        p->last_error[0] = 0;
        peer_set_state(p, PEER_HELLO_SENT, "secure session");
        repl_send_hello(s, p);
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
        if (peer_in_session(p)) log_warn("lost the connection to the hub %s; retrying", p->name);
        peer_lost(p, "disconnected");
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        peer_lost(p, "refused by the hub");
        p->last_error_code = ACCORD_EREVOKED;
        snprintf(p->last_error, sizeof p->last_error,
                 "the hub refused this node's key (status %u): it is not enrolled, or it is revoked", value);
        log_error("%s", p->last_error);
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        peer_lost(p, "handshake failed");
        p->last_error_code = ACCORD_EKEY;
        snprintf(p->last_error, sizeof p->last_error,
                 "secure handshake with the hub failed: check --upstream-key is the hub's public key");
        log_error("%s", p->last_error);
    }
done:
    zmq_msg_close(&ev);
    zmq_msg_close(&addr);
}

void repl_end_snapshot_in(sync_t *s, bool remove)
{
    if (s->snap_in) fclose(s->snap_in);
    s->snap_in = NULL;
    if (remove) {
        char path[4200];
        datadir_path(store_dir(s->st), DATADIR_SNAPSHOT_INCOMING, path, sizeof path);
        unlink(path);
    }
}

/* The whole snapshot arrived: install it, then say HELLO again with the vector it gave. */
static void install_snapshot(sync_t *s, peer_t *p)
{
    char in[4200], kept[4200];
    datadir_path(store_dir(s->st), DATADIR_SNAPSHOT_INCOMING, in, sizeof in);
    datadir_path(store_dir(s->st), DATADIR_SNAPSHOT, kept, sizeof kept);
    int rc = fflush(s->snap_in) || fsync(fileno(s->snap_in)) ? ACCORD_EIO : 0;
    repl_end_snapshot_in(s, false);
    snapshot_info_t info;
    memset(&info, 0, sizeof info);
    if (!rc) rc = snapshot_install(s->st, in, s->cfg.upstream_pk, &info, NULL, NULL);
    if (rc) {
        log_error("the hub's snapshot was refused: %s", info.why[0] ? info.why : accord_strerror(rc));
        unlink(in);
        snapshot_info_free(&info);
        return;
    }
    if (rename(in, kept)) log_warn("cannot keep the snapshot as %s: %s ('accordctl check' needs it)", kept, strerror(errno));
    log_info("started from the hub's snapshot: %llu rows, %u feeds; fetching what came after it",
             (unsigned long long)info.rows, info.n_feeds);
    snapshot_info_free(&info);
    if (repl_load_origins(s) || oplog_reload(s->log, s->st)) log_error("cannot read the feed heads the snapshot gave");
    repl_send_hello(s, p);
}

void repl_on_snap(sync_t *s, peer_t *p, const wire_msg_t *m)
{
    const uint8_t none[ID_LEN] = {0};
    if (!p->upstream) {
        repl_send_error(s, p, ACCORD_EPROTO, "only the hub above sends a snapshot");
        return;
    }
    if (m->offset == 0) { /* a transfer starts (again) */
        char path[4200];
        datadir_path(store_dir(s->st), DATADIR_SNAPSHOT_INCOMING, path, sizeof path);
        repl_end_snapshot_in(s, false);
        if (!(s->snap_in = fopen(path, "wb"))) {
            log_error("cannot write %s: %s", path, strerror(errno));
            return;
        }
        s->snap_got = 0;
        s->snap_total = m->total;
        log_info("the hub sends its snapshot (%llu bytes): this node starts from it", (unsigned long long)m->total);
    }
    if (!s->snap_in || m->offset != s->snap_got || m->total != s->snap_total) {
        log_limited(&p->log_frames, repl_now_ms(), LOG_ERROR,
                    "a piece of the hub's snapshot came out of order; waiting for it to start again");
        repl_end_snapshot_in(s, true);
        return;
    }
    if (fwrite(m->bytes, 1, m->bytes_len, s->snap_in) != m->bytes_len) {
        log_error("cannot write the hub's snapshot: %s", strerror(errno));
        repl_end_snapshot_in(s, true);
        return;
    }
    s->snap_got += m->bytes_len;
    msgpack_packer pk;
    wire_pack_ack(repl_out_begin(s, &pk), none, s->snap_got, 0, 1, "");
    repl_out_send(s, p);
    if (s->snap_got == s->snap_total) install_snapshot(s, p);
}
