/* SPDX-License-Identifier: MIT
 * accordctl audit: the node's access audit (server/auth/audit.h), newest first: sign-ins,
 * refused ones, token use, exports, permission refusals. Reads beside a running node. */
#define _POSIX_C_SOURCE 200809L
#include "client/output.h"
#include "proto/accord_err.h"
#include "auth/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

typedef struct {
    bool json, first;
} listing_t;

static int print_event(void *ctx, const audit_event_t *e)
{
    listing_t *l = ctx;
    if (l->json) {
        if (!l->first) printf(",");
        audit_write_json(stdout, e);
    } else {
        char when[25];
        audit_format_time(e->time_ms, when);
        printf("%s %-18s ", when, audit_kind_name(e->kind));
        output_aligned(stdout, e->user[0] ? e->user : "-", 16);
        printf(" %-15s %s\n", e->address[0] ? e->address : "-", e->detail);
    }
    l->first = false;
    return 0;
}

/* The filters of the command line into *f; an exit code. */
static int filters(const ctl_args_t *a, audit_filter_t *f)
{
    const char *since = ctl_opt(a, "since"), *kind = ctl_opt(a, "kind"), *limit = ctl_opt(a, "limit");
    memset(f, 0, sizeof *f);
    f->user = ctl_opt(a, "user");
    f->limit = 100;
    if (since && audit_parse_time(since, &f->since_ms)) {
        fprintf(stderr, "accordctl audit: --since: a UTC date or time, e.g. 2026-12-01 or 2026-12-01T09:30Z\n");
        return ACCORD_EXIT_USAGE;
    }
    if (kind) {
        int k = audit_kind_by_name(kind);
        if (k < 0) {
            fprintf(stderr, "accordctl audit: --kind: signin_ok, signin_failed, signin_throttled, token_used, token_added, "
                            "token_revoked, export or permission_refused\n");
            return ACCORD_EXIT_USAGE;
        }
        f->kind = (audit_kind_t)k;
    }
    if (limit) {
        char *end;
        long n = strtol(limit, &end, 10);
        if (*end || n < 0 || n > (long)AUDIT_KEEP) {
            fprintf(stderr, "accordctl audit: --limit: 0 (all) to %u events\n", AUDIT_KEEP);
            return ACCORD_EXIT_USAGE;
        }
        f->limit = (unsigned)n;
    }
    return ACCORD_EXIT_OK;
}

int ctl_audit(const ctl_args_t *a)
{
    audit_filter_t f;
    int rc = filters(a, &f);
    if (rc) return rc;
    store_t *st = NULL;
    identity_t *id = NULL;
    if ((rc = ctl_open_node(a->dir, &st, &id))) return rc;
    store_txn_t *t;
    int exit_code = ACCORD_EXIT_OK;
    if ((rc = store_txn_begin(st, false, &t))) {
        fprintf(stderr, "accordctl audit: cannot open the store: %s\n", accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
    } else {
        listing_t l = {a->json, true};
        if (a->json) printf("{\"events\":[");
        else printf("%-24s %-18s %-16s %-15s %s\n", "TIME (UTC)", "KIND", "USER", "ADDRESS", "DETAIL");
        rc = audit_each(t, &f, print_event, &l);
        if (a->json) printf("]}\n");
        store_txn_abort(&t);
        if (rc) {
            fprintf(stderr, "accordctl audit: cannot read the audit: %s\n", accord_strerror(rc));
            exit_code = ACCORD_EXIT_OTHER;
        }
    }
    identity_destroy(&id);
    store_close(&st);
    return exit_code;
}
