/* SPDX-License-Identifier: MIT
 * accordctl token: API tokens for other systems (server/auth/tokens.h), used as
 * "Authorization: Bearer TOKEN" on the node's HTTP JSON API. add prints the token once
 * (the node keeps only its hash); list shows ids, never tokens; revoke ends one. Each add
 * and revoke is in the access audit (accordctl audit). */
#define _POSIX_C_SOURCE 200809L
#include "client/output.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "auth/audit.h"
#include "auth/tokens.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

/* A time for people: "2027-01-31T00:00:00.000Z", or "never" / "-" for 0. */
static const char *when(uint64_t ms, const char *zero, char buf[25])
{
    if (!ms) return zero;
    audit_format_time(ms, buf);
    return buf;
}

static void json_time(const char *key, uint64_t ms)
{
    char buf[25];
    printf(",\"%s\":", key);
    if (ms) printf("\"%s\"", when(ms, "", buf));
    else printf("null");
}

static void print_info_json(const token_info_t *in, uint64_t now_ms)
{
    printf("{\"id\":\"%s\",\"user\":", in->id);
    output_json_string(stdout, in->user);
    printf(",\"name\":");
    output_json_string(stdout, in->name);
    printf(",\"scope\":\"%s\"", token_scope_name(in->scope));
    json_time("created", in->created_ms);
    json_time("expires", in->expires_ms);
    json_time("last_used", in->last_used_ms);
    printf(",\"last_address\":");
    output_json_string(stdout, in->last_address);
    json_time("revoked", in->revoked_ms);
    printf(",\"state\":\"%s\"}", in->revoked_ms ? "revoked" : in->expires_ms && now_ms >= in->expires_ms ? "expired" : "valid");
}

/* Opens the store, runs fn in one transaction (write: committed if fn returns 0). */
static int in_txn(const ctl_args_t *a, bool write, int (*fn)(const ctl_args_t *a, store_txn_t *t))
{
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = write ? ctl_open_node_writable(a->dir, &st, &id) : ctl_open_node(a->dir, &st, &id);
    if (rc) return rc;
    store_txn_t *t;
    int exit_code;
    if ((rc = store_txn_begin(st, write, &t))) {
        fprintf(stderr, "accordctl: cannot open the store: %s\n", accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
    } else if ((exit_code = fn(a, t)) || !write) {
        store_txn_abort(&t);
    } else if ((rc = store_txn_commit(&t))) {
        fprintf(stderr, "accordctl: not saved: %s\n", accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
    }
    identity_destroy(&id);
    store_close(&st);
    return exit_code;
}

static int add_in(const ctl_args_t *a, store_txn_t *t)
{
    const char *user = ctl_opt(a, "user"), *scope_s = ctl_opt(a, "scope"), *expires = ctl_opt(a, "expires");
    int scope = scope_s ? token_scope_by_name(scope_s) : ACCORD_EINVAL;
    uint64_t now = hlc_wall_ms(), expires_ms = 0;
    if (!user || scope < 0) {
        fprintf(stderr, "accordctl token add: give --user NAME and --scope read (GET only) or write\n");
        return ACCORD_EXIT_USAGE;
    }
    if (expires && token_parse_expiry(expires, now, &expires_ms)) {
        fprintf(stderr, "accordctl token add: --expires: a date to come (2027-01-31, 00:00 UTC) or a duration (30d, 12h)\n");
        return ACCORD_EXIT_USAGE;
    }
    char token[TOKEN_TEXT_LEN + 1], err[200] = "";
    token_info_t info;
    int rc = tokens_add(t, user, (token_scope_t)scope, expires_ms, ctl_opt(a, "name"), now, token, &info, err, sizeof err);
    if (!rc) rc = audit_append(t, now, AUDIT_TOKEN_ADDED, user, "", info.id);
    if (rc) {
        fprintf(stderr, "accordctl token add: %s\n", err[0] ? err : accord_strerror(rc));
        return rc == ACCORD_EINVAL || rc == ACCORD_ENOTFOUND ? ACCORD_EXIT_USAGE : ACCORD_EXIT_OTHER;
    }
    /* printed before the commit: a failed commit says so after it, and the token is void */
    if (a->json) {
        printf("{\"token\":\"%s\",\"token_info\":", token);
        print_info_json(&info, now);
        printf("}\n");
    } else {
        char buf[25];
        printf("%s\n", token);
        fprintf(stderr, "token %s: %s for %s, expires %s. It is shown only now: keep it secret; "
                        "'accordctl token revoke %s' ends it.\n",
                info.id, token_scope_name(info.scope), user, when(info.expires_ms, "never", buf), info.id);
    }
    fflush(stdout);
    sodium_memzero(token, sizeof token);
    return ACCORD_EXIT_OK;
}

typedef struct {
    bool json, first;
    uint64_t now;
} listing_t;

static int print_token(void *ctx, const token_info_t *in)
{
    listing_t *l = ctx;
    char c[25], e[25], u[25];
    if (l->json) {
        if (!l->first) printf(",");
        print_info_json(in, l->now);
    } else {
        const char *state = in->revoked_ms ? "revoked" : in->expires_ms && l->now >= in->expires_ms ? "expired" : "valid";
        printf("%-12s ", in->id);
        output_aligned(stdout, in->user, 16);
        printf(" %-5s %-24s %-24s %-24s %-15s %-7s ", token_scope_name(in->scope), when(in->created_ms, "-", c),
               when(in->expires_ms, "never", e), when(in->last_used_ms, "never", u),
               in->last_address[0] ? in->last_address : "-", state);
        output_aligned(stdout, in->name, 0);
        printf("\n");
    }
    l->first = false;
    return 0;
}

static int list_in(const ctl_args_t *a, store_txn_t *t)
{
    listing_t l = {a->json, true, hlc_wall_ms()};
    if (a->json) printf("[");
    else printf("%-12s %-16s %-5s %-24s %-24s %-24s %-15s %-7s %s\n", "ID", "USER", "SCOPE", "CREATED", "EXPIRES",
                "LAST USE", "FROM", "STATE", "NAME");
    int rc = tokens_each(t, print_token, &l);
    if (a->json) printf("]\n");
    if (rc) {
        fprintf(stderr, "accordctl token list: cannot read the tokens: %s\n", accord_strerror(rc));
        return ACCORD_EXIT_OTHER;
    }
    return ACCORD_EXIT_OK;
}

static int revoke_in(const ctl_args_t *a, store_txn_t *t)
{
    const char *id = a->pos[0];
    token_info_t info;
    uint64_t now = hlc_wall_ms();
    int rc = tokens_revoke(t, id, now, &info);
    if (!rc) rc = audit_append(t, now, AUDIT_TOKEN_REVOKED, info.user, "", info.id);
    if (rc) {
        fprintf(stderr, "accordctl token revoke: %s\n",
                rc == ACCORD_EINVAL ? "give the token's id: the 12 hex digits 'accordctl token list' shows"
                : rc == ACCORD_ENOTFOUND ? "no token has that id here (see 'accordctl token list')"
                : rc == ACCORD_EAMBIGUOUS ? "that prefix names several tokens: give more of the id"
                                          : accord_strerror(rc));
        return rc == ACCORD_EINVAL || rc == ACCORD_ENOTFOUND || rc == ACCORD_EAMBIGUOUS ? ACCORD_EXIT_USAGE : ACCORD_EXIT_OTHER;
    }
    if (a->json) {
        print_info_json(&info, now);
        printf("\n");
    } else {
        printf("token %s of %s is revoked: requests with it get 401\n", info.id, info.user);
    }
    return ACCORD_EXIT_OK;
}

int ctl_token_add(const ctl_args_t *a) { return in_txn(a, true, add_in); }
int ctl_token_list(const ctl_args_t *a) { return in_txn(a, false, list_in); }
int ctl_token_revoke(const ctl_args_t *a) { return in_txn(a, true, revoke_in); }
