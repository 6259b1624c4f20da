/* SPDX-License-Identifier: MIT
 * hook_events: the events a change (one feed record) stands for, and the patterns a
 * webhook subscribes with. Pure functions over a decoded record and bounded text.
 *
 * A change is one record, named by its change id "ORIGINHEX:SEQ" (the feed position: the
 * same at every node, so a receiver de-duplicates by it). Its events, in this order:
 *   KIND.created   the record sets `created` (only a create does: api_write.c)
 *   KIND.deleted   the record sets `deleted` to true
 *   KIND.updated   any other record of the kind
 * then the business events it also stands for (the table in hook_events.c):
 *   deal.won / deal.lost     a deal's stage set to "won" / "lost" (any case, as kpi.h reads it)
 *   task.done                a task's done set to true
 *   quote.accepted           a quote's status set to accepted
 *   invoice.paid             a payment added to an invoice
 *   ticket.closed            a ticket's closed_at set
 * KIND is schema_kind_name's (customer, contact, deal, ...; also user and branch, whose
 * password hashes are never sent: hook_body leaves FT_PWHASH fields out).
 *
 * A pattern list is what `--events` takes: comma-separated patterns, each an exact event
 * name, "KIND.*" or "*"; at most HOOK_PATTERNS_MAX patterns, HOOK_EVENTS_TEXT_MAX bytes. */
#ifndef ACCORD_HOOK_EVENTS_H
#define ACCORD_HOOK_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/record.h"

#define HOOK_EVENT_MAX 32         /* bytes of one event name, NUL included */
#define HOOK_EVENTS_PER_CHANGE 4  /* a change's events: its kind's one and business ones */
#define HOOK_PATTERNS_MAX 32
#define HOOK_EVENTS_TEXT_MAX 1024

typedef struct {
    unsigned n;
    char name[HOOK_EVENTS_PER_CHANGE][HOOK_EVENT_MAX];
} hook_events_t;

/* The events of rec, in the order above, into ev. rec's kind must be known (validated). */
void hook_events_of(const record_t *rec, hook_events_t *ev);

typedef struct {
    unsigned n;
    char pattern[HOOK_PATTERNS_MAX][HOOK_EVENT_MAX];
} hook_patterns_t;

/* Parses text (len bytes, untrusted: an argument or a stored row) into p, each pattern
 * checked: "*", "KIND.*" or "KIND.EVENT" with a known kind and an event of the table.
 * Spaces around commas are allowed; duplicates are kept once. 0, or ACCORD_EINVAL with a
 * sentence in why naming the bad pattern. */
int hook_patterns_parse(const char *text, size_t len, hook_patterns_t *p, char *why, size_t why_cap);
/* The patterns again as canonical text ("customer.*,deal.won"), into out (>= HOOK_EVENTS_TEXT_MAX). */
void hook_patterns_format(const hook_patterns_t *p, char *out, size_t cap);
/* True if event matches one of p's patterns. */
bool hook_patterns_match(const hook_patterns_t *p, const char *event);
/* The first of ev's events that p matches, or NULL: the event a hook is sent the change as. */
const char *hook_patterns_first(const hook_patterns_t *p, const hook_events_t *ev);

#endif
