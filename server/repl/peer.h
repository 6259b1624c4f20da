/* SPDX-License-Identifier: MIT
 * peer: one replication partner of this node, and the state machine of its session.
 * A downstream peer is a node that connected to this hub's ROUTER; the upstream peer is the
 * hub this node's DEALER connects to. Slots are made once and never freed (a peer that
 * goes away keeps its counters for `accordctl sync status`).
 *
 * The session's state, and the only function that moves it (peer_set_state, which checks
 * the table in peer.c and aborts on a transition it does not list, in release builds too):
 *
 *                         upstream (this node dials the hub)
 *   FREE ──sync_new──▶ CONNECTING ──on_monitor_event: HANDSHAKE_SUCCEEDED──▶ HELLO_SENT
 *                          ▲   ▲                                                │
 *                          │   └──on_monitor_event: DISCONNECTED / auth failed──┤
 *                          │                                      hub's HELLO (on_dealer_message)
 *                          │                                                    ▼
 *                          └──────────peer_lost (upstream)─────────────────── LIVE ◀──┐
 *                                                                              │      │
 *                         downstream (a node dialled this hub)                 │      │
 *   FREE ──peer_by_origin──▶ DOWN ──its HELLO (on_router_message)──▶ LIVE      │      │
 *                            ▲                                                 │      │
 *                            └──peer_lost: silent (timers), revoked            │      │
 *                               (check_roster), unreachable (out_send_*)       │      │
 *                                                                              │      │
 *                         a peer that holds nothing while feeds here are compacted:   │
 *   LIVE ──start_snapshot──▶ SNAP_SENDING ──pump_snapshot: all sent──▶ SNAP_SENT ─────┘
 *                               │  └──pump_snapshot: file changed──▶ LIVE     its next HELLO
 *                               └──its HELLO again (start_session)──▶ LIVE   (start_session)
 *
 *   on_error ENOTFOUND (the hub lost our session): LIVE ──▶ HELLO_SENT (HELLO sent again).
 *   A HELLO restarts a session from any state in session (start_session), so a peer that
 *   reconnects is never stuck: LIVE, SNAP_* and, upstream, CONNECTING/HELLO_SENT ──▶ LIVE.
 *
 * What holds in each state:
 *   FREE        the slot is unused; nothing else in it means anything.
 *   CONNECTING  upstream only: no secure session; nothing is sent but the retrying connect.
 *   HELLO_SENT  upstream only: our HELLO is out; what the hub holds is not known yet.
 *   DOWN        downstream only: known, not connected; nothing is sent to it.
 *   LIVE        have[] is what the peer said it holds; batches flow within credit.
 *   SNAP_SENDING snap_out is open: chunks of the snapshot flow within credit, no batches.
 *   SNAP_SENT   the snapshot went whole; nothing is sent until the peer says HELLO.
 * "In session" (peer_in_session) is LIVE, SNAP_SENDING or SNAP_SENT: beats go out and it
 * counts as connected.
 *
 * Credit. At most PEER_CREDIT batches (or snapshot chunks) are unanswered at a time. Each
 * one sent is kept in flight[] (peer_flight_add) with the feed's slot and its last seq,
 * oldest first; an ACK returns credit only if it answers one of them (peer_flight_answer):
 * the oldest in flight of its feed, and, when it says the batch applied, with a head at or
 * past that batch's last seq. Any other ACK (for a feed none is in flight of, a duplicate,
 * a head short of the batch) returns nothing, so a peer cannot widen its own window. A new
 * session (start_session) empties flight[]. */
#ifndef ACCORD_PEER_H
#define ACCORD_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "auth/roster.h"
#include "common/log.h"
#include "proto/record.h"

#define PEER_CREDIT 16 /* batches or snapshot chunks in flight per peer: a receiver applies what arrives
                          together in one transaction, so the window bounds its size (64k records) */
#define PEER_SNAP_SLOT (UINT32_MAX - 1)    /* flight[].slot of a snapshot chunk (no origin slot) */

typedef enum {
    PEER_FREE = 0, /* must be 0: a zeroed peer_t is a free slot */
    PEER_CONNECTING,
    PEER_HELLO_SENT,
    PEER_DOWN,
    PEER_LIVE,
    PEER_SNAP_SENDING,
    PEER_SNAP_SENT,
    PEER_N_STATES
} peer_state_t;

typedef struct {
    uint32_t slot;       /* the origin slot of the batch, or PEER_SNAP_SLOT */
    uint64_t last;       /* its last seq; of a snapshot chunk, the bytes sent through it */
} peer_flight_t;

typedef struct {
    peer_state_t state;  /* only peer_set_state writes it */
    bool upstream;       /* the hub above this node, over the DEALER */
    uint8_t rid[256];    /* ROUTER routing id of the session */
    size_t rid_len;
    int fd;              /* its TCP socket, to cut a revoked node's session */
    uint8_t origin[ID_LEN];
    char name[ROSTER_NAME_MAX + 1];
    uint64_t *have;      /* per origin slot: what the peer holds (HELLO, then ACKs) */
    uint64_t *sent;      /* per origin slot: what has been sent to it */
    uint64_t *paused;    /* per origin slot: offer again after this wall ms */
    uint32_t slots;      /* length of have, sent, paused */
    peer_flight_t flight[PEER_CREDIT]; /* sent, not yet answered, oldest first */
    uint32_t n_flight;
    uint64_t ignored_acks; /* ACKs that answered nothing in flight */
    bool dirty;          /* it may lack something: look when it has credit */
    bool have_changed;   /* have[] moved since it was last kept in TBL_ACKED */
    uint32_t rr;         /* round robin over origins, so one long feed does not block others */
    uint64_t connected_ms, last_seen_ms;
    uint64_t offline_since_ms; /* out of session since (wall ms): the slot's making, or the
                                * session's end; 0 in session (peer_set_state keeps it) */
    uint64_t their_clock_ms, their_pending, their_used, their_limit; /* from its BEAT */
    int64_t clock_offset_ms;
    char version[33];    /* its software version, from its BEAT */
    uint64_t batches_in, records_in, batches_out, records_out, refused;
    int last_code;       /* the last refusal of its batches here */
    char last_why[320];
    uint64_t last_refusal_ms;
    uint8_t last_refused_feed[16]; /* the feed of that refusal, and the seq it named: the */
    uint64_t last_refused_seq;     /* EGAPs of batches already on the wire behind it are its echo */
    uint64_t echoes;               /* such EGAPs, counted and not recorded as refusals */
    int last_error_code; /* an ERROR message the peer sent us */
    char last_error[320];
    FILE *snap_out;      /* SNAP_SENDING: the snapshot file being sent (snapshot_io.h) */
    uint64_t snap_sent, snap_total;
    log_limit_t log_frames; /* its malformed frames (log.h) */
    log_limit_t log_acks;   /* its ACKs that answer nothing */
    log_limit_t log_refusals; /* its refused batches */
} peer_t;

/* "LIVE", "DOWN", ...: for logs and status. */
const char *peer_state_name(peer_state_t st);

/* Moves p to state to. A transition the table does not allow is a bug in this module:
 * it logs both states and why, then aborts (ACCORD_ASSERT, on in release builds). Leaving
 * FREE or a session stamps offline_since_ms with the wall clock; entering one clears it. */
void peer_set_state(peer_t *p, peer_state_t to, const char *why);

/* True in LIVE, SNAP_SENDING and SNAP_SENT. */
bool peer_in_session(const peer_t *p);

/* The session ended (silent, revoked, unreachable, disconnected): upstream goes back to
 * CONNECTING, downstream to DOWN. A peer not in session stays as it is. */
void peer_lost(peer_t *p, const char *why);

/* Batches (or snapshot chunks) p may still be sent: PEER_CREDIT less those in flight. */
int peer_credit(const peer_t *p);

/* One went out: a batch of origin slot `slot` ending at seq `last`, or a snapshot chunk
 * (PEER_SNAP_SLOT, last = the bytes sent through it). Takes one credit; calling it with
 * none left is a bug (asserted). */
void peer_flight_add(peer_t *p, uint32_t slot, uint64_t last);

/* An ACK from p for slot, saying it holds head; refused: it carries a refusal code. True if
 * it answers the oldest batch of that slot in flight (for an ACK without a refusal, one
 * whose last seq is at most head): that one is answered and its credit is back. False if
 * it answers none: nothing changes but ignored_acks. */
bool peer_flight_answer(peer_t *p, uint32_t slot, uint64_t head, bool refused);

/* A session starts: nothing in flight, the whole credit. */
void peer_flight_reset(peer_t *p);

/* Makes room for slots origins in have, sent and paused (new slots zero). */
void peer_grow(peer_t *p, uint32_t slots);

/* Frees what p holds; the slot is left FREE. */
void peer_release(peer_t *p);

#endif
