/* SPDX-License-Identifier: MIT
 * audit: the node's record of access, in TBL_AUDIT: sign-ins that worked, failed or were
 * refused for too many failures, API tokens added, used and revoked, exports, and refusals
 * for want of a permission. Local to the node: not replicated, not in snapshots (a backup
 * copies it). Key seq(8 BE), one more than the last; the newest AUDIT_KEEP are kept, the
 * oldest trimmed in the transaction that appends.
 *
 * Value: kind(1) time ms(8 BE) then user, address and detail, each len(1) bytes. The texts
 * come from requests (a failed sign-in's user name is anyone's): they are cut to their
 * bounds and control characters become '?', so a terminal that prints them takes no
 * escape from them.
 *
 * Threading: any thread. audit_record opens its own short write transaction: call it with
 * no transaction open on the calling thread (LMDB's one writer would wait for itself). */
#ifndef ACCORD_AUDIT_H
#define ACCORD_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

#define AUDIT_KEEP 100000u  /* events kept; older ones are trimmed as new ones come */
#define AUDIT_USER_MAX 64
#define AUDIT_ADDRESS_MAX 46 /* INET6_ADDRSTRLEN - 1 */
#define AUDIT_DETAIL_MAX 160

/* The kinds, numbered as stored: never renumber, only append. */
#define AUDIT_KINDS(X)                                                        \
    X(AUDIT_SIGNIN_OK, 1, "signin_ok")               /* a password matched */ \
    X(AUDIT_SIGNIN_FAILED, 2, "signin_failed")       /* it did not */         \
    X(AUDIT_SIGNIN_THROTTLED, 3, "signin_throttled") /* not checked: too many failures */ \
    X(AUDIT_TOKEN_USED, 4, "token_used")             /* at most once a minute per token */ \
    X(AUDIT_TOKEN_ADDED, 5, "token_added")                                    \
    X(AUDIT_TOKEN_REVOKED, 6, "token_revoked")                                \
    X(AUDIT_EXPORT, 7, "export")                     /* a listing of a whole kind began */ \
    X(AUDIT_PERMISSION_REFUSED, 8, "permission_refused")

typedef enum {
#define AUDIT_KIND_ENUM(id, num, name) id = num,
    AUDIT_KINDS(AUDIT_KIND_ENUM)
#undef AUDIT_KIND_ENUM
} audit_kind_t;

typedef struct {
    uint64_t seq;                         /* its key: later events have larger ones */
    uint64_t time_ms;                     /* wall clock, ms since 1970 UTC */
    audit_kind_t kind;
    char user[AUDIT_USER_MAX + 1];        /* who, as given ("" if no one) */
    char address[AUDIT_ADDRESS_MAX + 1];  /* the client's IP address ("" for the local CLIs) */
    char detail[AUDIT_DETAIL_MAX + 1];    /* data, not a sentence: a token id, a kind, a route */
} audit_event_t;

/* "signin_ok", ...; "?" for a number that is no kind. */
const char *audit_kind_name(audit_kind_t kind);
/* The kind named name, or ACCORD_EINVAL. */
int audit_kind_by_name(const char *name);

/* Appends an event (time now) in the write transaction t and trims the oldest past
 * AUDIT_KEEP. user, address, detail may be NULL. On error t is spoilt for the caller to
 * abort. */
int audit_append(store_txn_t *t, uint64_t now_ms, audit_kind_t kind, const char *user, const char *address,
                 const char *detail);
/* audit_append in a write transaction of its own, committed (durable) before it returns.
 * The calling thread must hold no transaction. Logs and returns the error if it fails. */
int audit_record(store_t *st, audit_kind_t kind, const char *user, const char *address, const char *detail);

/* Which events audit_each gives: zero fields take every event. */
typedef struct {
    uint64_t since_ms;  /* only events at or after this time */
    audit_kind_t kind;  /* only this kind (0: all) */
    const char *user;   /* only this user (NULL: all) */
    unsigned limit;     /* at most this many (0: no limit) */
} audit_filter_t;

/* fn's event is valid for the call only; a nonzero return stops the walk and is returned. */
typedef int (*audit_fn)(void *ctx, const audit_event_t *e);
/* Calls fn for each event f lets through, newest first. */
int audit_each(store_txn_t *t, const audit_filter_t *f, audit_fn fn, void *ctx);

/* One event as a JSON object {seq, time_ms, time, kind, user, address, detail}, time in
 * ISO 8601 UTC: what `accordctl audit --json` and GET /api/audit list. */
void audit_write_json(FILE *out, const audit_event_t *e);
/* A UTC time given as "2026-12-01" (00:00 that day) or "2026-12-01T10:20:30Z" (seconds
 * optional) into *ms; ACCORD_EINVAL for anything else. */
int audit_parse_time(const char *text, uint64_t *ms);
/* time_ms as "2026-12-01T10:20:30.456Z" into out (at least 25 bytes). */
void audit_format_time(uint64_t time_ms, char out[25]);

#endif
