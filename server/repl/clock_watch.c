/* SPDX-License-Identifier: MIT
 * clock_watch: the branch end's watch over its own clock against its hub's, and the
 * re-stamp of its unsent records once a clock that ran ahead is right again
 * (feed/restamp.h; docs/ARCHITECTURE.md, "A clock that was wrong").
 *
 * The re-stamp may rewrite only records the hub does not hold, so it runs only when this
 * node knows exactly which of its own seqs the hub holds and none of the others is on its
 * way there:
 *   at the hub's HELLO (its vector names the seq; nothing of ours is sent yet), when the
 *   last of our unsent records is stamped more than the skew ahead of this clock, our
 *   feed is held back (paused) until the hub's first BEAT says how its clock reads:
 *   within the skew of ours, the tail is re-stamped, then sent; else it is sent as it is
 *   (the hub refuses it with EFUTURE until the clocks agree) and the lead is kept;
 *   at a BEAT that shows the clocks agree while our unsent records are still stamped
 *   beyond the skew ahead (the clock was put right while the node ran), this end says
 *   HELLO again (LIVE -> HELLO_SENT): the hub answers with its vector once it has handled
 *   everything sent before, and the re-stamp goes as above.
 * Every BEAT in which this clock leads the hub's by more than the skew keeps the lead in
 * meta (RESTAMP_AHEAD_KEY): the excess a later re-stamp takes off. A hub with peers below
 * it never re-stamps: they may hold its own records, which would then fork. */
#define _POSIX_C_SOURCE 200809L
#include "common/log.h"
#include "feed/restamp.h"
#include "proto/accord_err.h"
#include "repl/sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t skew_ms(const sync_t *s)
{
    return (uint64_t)s->cfg.max_skew_s * 1000;
}

/* How far this clock leads the hub's by its last BEAT (negative: behind). */
static int64_t lead_ms(const peer_t *p)
{
    return -p->clock_offset_ms;
}

static bool may_restamp(const sync_t *s, const peer_t *p)
{
    return p->upstream && !s->router && !s->rejoining && p->state == PEER_LIVE;
}

/* The own slot, with room for it in p. */
static uint32_t own_slot(sync_t *s, peer_t *p)
{
    uint32_t slot = repl_origin_slot(s, s->id->origin, true);
    if (slot != UINT32_MAX) peer_grow(p, s->n_origins);
    return slot;
}

static void hold(peer_t *p, uint32_t slot, bool on)
{
    p->paused[slot] = on ? UINT64_MAX : 0;
    p->dirty = true;
}

static void restamp(sync_t *s, peer_t *p, uint32_t slot)
{
    repl_group_flush(s); /* one write transaction at a time */
    restamp_result_t res;
    store_txn_t *t;
    int rc = store_txn_begin(s->st, true, &t);
    if (rc == 0) {
        rc = restamp_tail(t, s->id, p->have[slot], repl_now_ms(), &res);
        if (rc == 0 && res.first_seq) rc = store_txn_commit(&t);
        else store_txn_abort(&t);
    }
    if (rc) s->clock_gave_up = true; /* until the node starts again: no HELLO loop */
    if (rc == ACCORD_EPURGED) {
        log_warn("this clock agrees with the hub's again, but %s", res.why);
        return;
    }
    if (rc) {
        log_error("cannot re-stamp this node's unsent records: %s; they apply at the hub once the clocks agree",
                  accord_strerror(rc));
        return;
    }
    if (!res.first_seq) return;
    if (oplog_reload(s->log, s->st)) log_error("cannot read this node's feed head again");
    oplog_reset_clock(s->log, res.new_last_hlc);
    p->sent[slot] = p->have[slot];
    s->any_dirty = p->dirty = true;
    char text[400];
    restamp_describe(&res, text, sizeof text);
    log_warn("%s; %llu entities merged again, the hub takes them now (accordctl sync status)", text,
             (unsigned long long)res.entities);
}

/* The newest of our records after held is stamped beyond the skew ahead of this clock:
 * the hub refuses it. 0 if not, else that stamp. */
static uint64_t tail_ahead(sync_t *s, uint64_t held)
{
    store_txn_t *t;
    uint64_t newest = 0;
    if (store_txn_begin(s->st, false, &t)) return 0;
    int rc = restamp_tail_hlc(t, s->id->origin, held, &newest);
    store_txn_abort(&t);
    return !rc && HLC_MS(newest) > repl_now_ms() + skew_ms(s) ? newest : 0;
}

void repl_clock_on_hello(sync_t *s, peer_t *p)
{
    s->clock_hold = false;
    if (!may_restamp(s, p) || s->clock_gave_up) return;
    uint32_t slot = own_slot(s, p);
    if (slot == UINT32_MAX) return;
    uint64_t newest = tail_ahead(s, p->have[slot]);
    if (!newest) return;
    s->clock_hold = true;
    hold(p, slot, true);
    log_warn("this node's records after seq %llu are stamped %.0f s ahead of its clock: holding them back until "
             "the hub's clock is known", (unsigned long long)p->have[slot],
             (double)(HLC_MS(newest) - repl_now_ms()) / 1000.0);
}

static void keep_lead(sync_t *s, const peer_t *p, uint64_t lead)
{
    uint64_t kept = s->clock_kept_lead_ms;
    if (kept && (lead > kept ? lead - kept : kept - lead) < 1000) return; /* a write per change, not per beat */
    store_txn_t *t;
    repl_group_flush(s);
    int rc = store_txn_begin(s->st, true, &t);
    if (!rc && !(rc = restamp_note_ahead(t, lead))) rc = store_txn_commit(&t);
    else if (t) store_txn_abort(&t);
    if (rc) {
        log_error("cannot keep the clock's lead over the hub's: %s", accord_strerror(rc));
        return;
    }
    if (!kept)
        log_warn("this node's clock is %.0f s ahead of the hub %s's: the hub refuses what it writes now (EFUTURE). "
                 "Put the clock right (NTP): then the records it wrote meanwhile are re-stamped and sent",
                 (double)lead / 1000.0, p->name);
    s->clock_kept_lead_ms = lead;
}

void repl_clock_on_beat(sync_t *s, peer_t *p)
{
    if (!p->upstream) return;
    int64_t lead = lead_ms(p);
    bool agrees = llabs(lead) <= (long long)skew_ms(s);
    if (lead > (int64_t)skew_ms(s)) keep_lead(s, p, (uint64_t)lead);
    if (!s->clock_hold) {
        uint32_t slot = own_slot(s, p);
        if (agrees && may_restamp(s, p) && !s->clock_gave_up && slot != UINT32_MAX && tail_ahead(s, p->have[slot])) {
            log_warn("this node's clock agrees with the hub's again while its unsent records are stamped ahead: "
                     "asking the hub what it holds of them before they are re-stamped");
            peer_set_state(p, PEER_HELLO_SENT, "the clock was put right");
            repl_send_hello(s, p);
        }
        return;
    }
    s->clock_hold = false;
    uint32_t slot = own_slot(s, p);
    if (slot == UINT32_MAX) return;
    hold(p, slot, false);
    s->any_dirty = true;
    if (agrees && may_restamp(s, p)) restamp(s, p, slot);
    else log_warn("this node's clock is %.0f s off the hub's: its records are sent as they are stamped, and the "
                  "hub takes them once the clocks agree", (double)lead / 1000.0);
}
