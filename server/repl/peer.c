/* SPDX-License-Identifier: MIT
 * peer: a replication partner's session state and its one setter (the diagram is in peer.h). */
#include "repl/peer.h"
#include "common/log.h"
#include "proto/hlc.h"

#include <stdlib.h>
#include <string.h>

static const char *const state_names[PEER_N_STATES] = {
    [PEER_FREE] = "FREE",   [PEER_CONNECTING] = "CONNECTING",     [PEER_HELLO_SENT] = "HELLO_SENT",
    [PEER_DOWN] = "DOWN",   [PEER_LIVE] = "LIVE",                 [PEER_SNAP_SENDING] = "SNAP_SENDING",
    [PEER_SNAP_SENT] = "SNAP_SENT",
};

#define T(to) (1u << (to))
/* allowed[from] is the set of states `from` may move to; the function behind each is named
 * in peer.h's diagram. A HELLO restarting a session (-> LIVE) is allowed from every state in
 * or near a session, because a peer may reconnect at any moment. */
static const unsigned allowed[PEER_N_STATES] = {
    [PEER_FREE] = T(PEER_CONNECTING) | T(PEER_DOWN),
    [PEER_CONNECTING] = T(PEER_HELLO_SENT) | T(PEER_CONNECTING) | T(PEER_LIVE),
    [PEER_HELLO_SENT] = T(PEER_LIVE) | T(PEER_CONNECTING) | T(PEER_HELLO_SENT),
    [PEER_DOWN] = T(PEER_LIVE),
    [PEER_LIVE] = T(PEER_LIVE) | T(PEER_SNAP_SENDING) | T(PEER_DOWN) | T(PEER_CONNECTING) | T(PEER_HELLO_SENT),
    [PEER_SNAP_SENDING] = T(PEER_SNAP_SENT) | T(PEER_LIVE) | T(PEER_DOWN) | T(PEER_CONNECTING),
    [PEER_SNAP_SENT] = T(PEER_LIVE) | T(PEER_DOWN) | T(PEER_CONNECTING),
};
#undef T

const char *peer_state_name(peer_state_t st)
{
    return (unsigned)st < PEER_N_STATES ? state_names[st] : "?";
}

void peer_set_state(peer_t *p, peer_state_t to, const char *why)
{
    peer_state_t from = p->state;
    bool ok = (unsigned)from < PEER_N_STATES && (unsigned)to < PEER_N_STATES && (allowed[from] & (1u << to));
    if (!ok) log_error("peer %s: %s -> %s is not a transition (%s)", p->name, peer_state_name(from),
                       peer_state_name(to), why);
    ACCORD_ASSERT(ok);
    if (from != to) log_debug("peer %s: %s -> %s (%s)", p->name, peer_state_name(from), peer_state_name(to), why);
    bool was_in = peer_in_session(p);
    p->state = to;
    if (peer_in_session(p)) p->offline_since_ms = 0;
    else if (was_in || from == PEER_FREE) p->offline_since_ms = hlc_wall_ms();
}

bool peer_in_session(const peer_t *p)
{
    return p->state == PEER_LIVE || p->state == PEER_SNAP_SENDING || p->state == PEER_SNAP_SENT;
}

void peer_lost(peer_t *p, const char *why)
{
    if (!peer_in_session(p) && !(p->upstream && p->state == PEER_HELLO_SENT)) return;
    if (p->snap_out) fclose(p->snap_out);
    p->snap_out = NULL;
    peer_set_state(p, p->upstream ? PEER_CONNECTING : PEER_DOWN, why);
}

int peer_credit(const peer_t *p)
{
    return PEER_CREDIT - (int)p->n_flight;
}

void peer_flight_add(peer_t *p, uint32_t slot, uint64_t last)
{
    ACCORD_ASSERT(p->n_flight < PEER_CREDIT);
    p->flight[p->n_flight++] = (peer_flight_t){slot, last};
}

bool peer_flight_answer(peer_t *p, uint32_t slot, uint64_t head, bool refused)
{
    /* a receiver answers one feed's batches in the order they came: the oldest first */
    uint32_t i = 0;
    while (i < p->n_flight && p->flight[i].slot != slot) i++;
    if (i == p->n_flight || (!refused && head < p->flight[i].last)) {
        p->ignored_acks++;
        return false;
    }
    memmove(&p->flight[i], &p->flight[i + 1], (p->n_flight - i - 1) * sizeof p->flight[0]);
    p->n_flight--;
    return true;
}

void peer_flight_reset(peer_t *p)
{
    p->n_flight = 0;
}

void peer_grow(peer_t *p, uint32_t slots)
{
    if (slots <= p->slots) return;
    uint32_t n = p->slots ? p->slots : 64;
    while (n < slots) n *= 2;
    p->have = realloc(p->have, n * sizeof *p->have);
    p->sent = realloc(p->sent, n * sizeof *p->sent);
    p->paused = realloc(p->paused, n * sizeof *p->paused);
    if (!p->have || !p->sent || !p->paused) abort();
    for (uint32_t i = p->slots; i < n; i++) p->have[i] = p->sent[i] = p->paused[i] = 0;
    p->slots = n;
}

void peer_release(peer_t *p)
{
    if (p->snap_out) fclose(p->snap_out);
    free(p->have);
    free(p->sent);
    free(p->paused);
    memset(p, 0, sizeof *p);
}
