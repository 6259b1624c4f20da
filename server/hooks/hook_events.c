/* SPDX-License-Identifier: MIT */
#include "hooks/hook_events.h"
#include "proto/accord_err.h"
#include "proto/schema.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The business events: a SET (or an ADD) of one field of one kind, and what it must hold.
 * The only list of them; docs/WEBHOOKS.md has the same table. */
typedef enum { WANT_TRUE, WANT_TEXT, WANT_ANY_TEXT, WANT_ADDED } want_t;
static const struct {
    unsigned kind;
    unsigned field;
    want_t want;
    const char *text; /* WANT_TEXT: the value, any case */
    const char *event;
} business[] = {
    {KIND_DEAL, F_DE_STAGE, WANT_TEXT, "won", "deal.won"},
    {KIND_DEAL, F_DE_STAGE, WANT_TEXT, "lost", "deal.lost"},
    {KIND_TASK, F_TA_DONE, WANT_TRUE, NULL, "task.done"},
    {KIND_QUOTE, F_QU_STATUS, WANT_TEXT, "accepted", "quote.accepted"},
    {KIND_INVOICE, F_IV_PAYMENTS, WANT_ADDED, NULL, "invoice.paid"},
    {KIND_TICKET, F_TI_CLOSED_AT, WANT_ANY_TEXT, NULL, "ticket.closed"},
};
#define N_BUSINESS (sizeof business / sizeof business[0])

static const char *const actions[] = {"created", "updated", "deleted"};

static bool op_is(const record_op_t *op, want_t want, const char *text)
{
    switch (want) {
    case WANT_TRUE: return op->op == OP_SET && op->val.type == VAL_BOOL && op->val.i;
    case WANT_ANY_TEXT: return op->op == OP_SET && op->val.type == VAL_STR && op->val.len > 0;
    case WANT_ADDED: return op->op == OP_ADD;
    case WANT_TEXT:
        return op->op == OP_SET && op->val.type == VAL_STR && op->val.len == strlen(text) &&
               strncasecmp(op->val.s, text, op->val.len) == 0;
    }
    return false;
}

static void add_event(hook_events_t *ev, const char *name)
{
    for (unsigned i = 0; i < ev->n; i++)
        if (!strcmp(ev->name[i], name)) return;
    if (ev->n < HOOK_EVENTS_PER_CHANGE) snprintf(ev->name[ev->n++], HOOK_EVENT_MAX, "%s", name);
}

void hook_events_of(const record_t *rec, hook_events_t *ev)
{
    const char *kind = schema_kind_name(rec->kind);
    const char *action = "updated";
    ev->n = 0;
    for (uint32_t i = 0; i < rec->n_ops; i++) {
        const record_op_t *op = &rec->ops[i];
        if (op->field == F_CREATED && op->op == OP_SET) action = "created";
        if (op->field == F_DELETED && op->op == OP_SET && op->val.type == VAL_BOOL && op->val.i) {
            action = "deleted";
            break;
        }
    }
    char name[HOOK_EVENT_MAX];
    snprintf(name, sizeof name, "%s.%s", kind ? kind : "record", action);
    add_event(ev, name);
    for (size_t b = 0; b < N_BUSINESS; b++) {
        if (business[b].kind != rec->kind) continue;
        for (uint32_t i = 0; i < rec->n_ops; i++)
            if (rec->ops[i].field == business[b].field && op_is(&rec->ops[i], business[b].want, business[b].text)) {
                add_event(ev, business[b].event);
                break;
            }
    }
}

/* True if name (len bytes) is "*", "KIND.*" or an event some change can have. */
static bool pattern_known(const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++) /* an event's letters only: a NUL would cut the kind's name short */
        if (!((name[i] >= 'a' && name[i] <= 'z') || name[i] == '.' || name[i] == '_' || name[i] == '*')) return false;
    if (len == 1 && name[0] == '*') return true;
    const char *dot = memchr(name, '.', len);
    if (!dot || dot == name) return false;
    char kind[HOOK_EVENT_MAX];
    size_t klen = (size_t)(dot - name), rest = len - klen - 1;
    memcpy(kind, name, klen);
    kind[klen] = 0;
    if (schema_kind_by_name(kind) < 0) return false;
    const char *what = dot + 1;
    if (rest == 1 && what[0] == '*') return true;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strlen(actions[i]) == rest && !memcmp(actions[i], what, rest)) return true;
    for (size_t b = 0; b < N_BUSINESS; b++)
        if (strlen(business[b].event) == len && !memcmp(business[b].event, name, len)) return true;
    return false;
}

int hook_patterns_parse(const char *text, size_t len, hook_patterns_t *p, char *why, size_t why_cap)
{
    p->n = 0;
    if (len == 0) return accord_fail(why, why_cap, ACCORD_EINVAL, "events: give at least one, e.g. customer.*,deal.won");
    if (len > HOOK_EVENTS_TEXT_MAX)
        return accord_fail(why, why_cap, ACCORD_EINVAL, "events: at most %d bytes", HOOK_EVENTS_TEXT_MAX);
    size_t i = 0;
    while (i <= len) {
        size_t start = i;
        while (i < len && text[i] != ',') i++;
        size_t end = i;
        while (start < end && text[start] == ' ') start++;
        while (end > start && text[end - 1] == ' ') end--;
        size_t n = end - start;
        if (n == 0 || n >= HOOK_EVENT_MAX || !pattern_known(text + start, n))
            return accord_fail(why, why_cap, ACCORD_EINVAL,
                               "events: '%.*s' is no event: give KIND.created, KIND.updated, KIND.deleted, KIND.*, "
                               "*, or deal.won, deal.lost, task.done, quote.accepted, invoice.paid, ticket.closed",
                               (int)(n < HOOK_EVENT_MAX ? n : HOOK_EVENT_MAX), text + start);
        bool dup = false;
        for (unsigned k = 0; k < p->n; k++)
            if (strlen(p->pattern[k]) == n && !memcmp(p->pattern[k], text + start, n)) dup = true;
        if (!dup) {
            if (p->n == HOOK_PATTERNS_MAX)
                return accord_fail(why, why_cap, ACCORD_EINVAL, "events: at most %d patterns", HOOK_PATTERNS_MAX);
            memcpy(p->pattern[p->n], text + start, n);
            p->pattern[p->n++][n] = 0;
        }
        i++; /* past the comma (or the end) */
    }
    return 0;
}

void hook_patterns_format(const hook_patterns_t *p, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (unsigned i = 0; i < p->n && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", p->pattern[i]);
}

static bool one_matches(const char *pattern, const char *event)
{
    size_t n = strlen(pattern);
    if (n == 1 && pattern[0] == '*') return true;
    if (n >= 2 && pattern[n - 1] == '*' && pattern[n - 2] == '.') return strncmp(pattern, event, n - 1) == 0;
    return strcmp(pattern, event) == 0;
}

bool hook_patterns_match(const hook_patterns_t *p, const char *event)
{
    for (unsigned i = 0; i < p->n; i++)
        if (one_matches(p->pattern[i], event)) return true;
    return false;
}

const char *hook_patterns_first(const hook_patterns_t *p, const hook_events_t *ev)
{
    for (unsigned i = 0; i < ev->n; i++)
        if (hook_patterns_match(p, ev->name[i])) return ev->name[i];
    return NULL;
}
