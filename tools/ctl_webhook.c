/* SPDX-License-Identifier: MIT
 * accordctl webhook: add and remove go to the running node (the local API's LOCAL verbs
 * webhook_add, webhook_remove: it checks the URL against its own ports); list, status and
 * log read the store beside it (server/hooks/). docs/WEBHOOKS.md. */
#define _POSIX_C_SOURCE 200809L
#include "client/accord_client.h"
#include "client/output.h"
#include "auth/audit.h"
#include "hooks/hook_log.h"
#include "hooks/hook_outbox.h"
#include "hooks/hook_store.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/json.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* Calls verb on the node in a's data directory; an exit code, after saying why it failed. */
static int node_call(const ctl_args_t *a, const char *verb, accord_args_t *args, accord_reply_t *r)
{
    accord_client_t *c = NULL;
    int rc = accord_client_new(a->dir, 30000, &c);
    memset(r, 0, sizeof *r);
    msgpack_unpacked_init(&r->msg);
    if (rc) {
        fprintf(stderr, "accordctl webhook: cannot reach the node on %s (%s): webhooks are added and removed by the "
                        "running node; start it first\n",
                a->dir, accord_strerror(rc));
        return ACCORD_EXIT_UNREACHABLE;
    }
    rc = accord_call(c, verb, args, r);
    accord_client_destroy(&c);
    if (rc) {
        if (a->json) {
            printf("{\"error\":\"%s\",\"code\":%d,\"message\":", accord_errname(rc), rc);
            output_json_string(stdout, r->message[0] ? r->message : accord_strerror(rc));
            printf("}\n");
        }
        fprintf(stderr, "accordctl webhook: %s (%s)\n", r->message[0] ? r->message : accord_strerror(rc),
                accord_errname(rc));
        return rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT ? ACCORD_EXIT_UNREACHABLE
               : rc == ACCORD_EINVAL                      ? ACCORD_EXIT_USAGE
                                                          : ACCORD_EXIT_REFUSED;
    }
    return ACCORD_EXIT_OK;
}

/* --secret: the first line of standard input, never an argument (ps shows those to every
 * user of the machine). The node checks what it holds. */
static int read_secret(char *out, size_t cap)
{
    if (!fgets(out, (int)cap, stdin)) {
        fprintf(stderr, "accordctl webhook add: --secret: give the secret on the first line of standard input\n");
        return ACCORD_EXIT_USAGE;
    }
    out[strcspn(out, "\r\n")] = 0;
    return 0;
}

int ctl_webhook_add(const ctl_args_t *a)
{
    const char *url = ctl_opt(a, "url"), *events = ctl_opt(a, "events");
    if (!url || !events) {
        fprintf(stderr, "accordctl webhook add: give --url URL and --events LIST (e.g. customer.*,deal.won)\n");
        ctl_usage(stderr, a->verb);
        return ACCORD_EXIT_USAGE;
    }
    char secret[HOOK_SECRET_MAX + 2] = ""; /* a longer line is cut, and refused by the node */
    int rc = ctl_flag(a, "secret") ? read_secret(secret, sizeof secret) : 0;
    if (rc) return rc;
    accord_args_t args;
    accord_args_init(&args);
    accord_args_str(&args, "url", url);
    accord_args_str(&args, "events", events);
    if (ctl_flag(a, "secret")) accord_args_str(&args, "secret", secret);
    sodium_memzero(secret, sizeof secret);
    accord_reply_t r;
    int exit_code = node_call(a, "webhook_add", &args, &r);
    if (!exit_code) {
        if (a->json) {
            output_json(stdout, &r.body);
        } else {
            const msgpack_object *id = accord_obj_get(&r.body, "id");
            char got[HOOK_SECRET_MAX + 1], ev[HOOK_EVENTS_TEXT_MAX + 1];
            printf("webhook %llu: POSTs %s to %s\n", id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER
                                                       ? (unsigned long long)id->via.u64 : 0ULL,
                   accord_obj_str(&r.body, "events", ev, sizeof ev), url);
            printf("secret: %s\n", accord_obj_str(&r.body, "secret", got, sizeof got));
            printf("(shown this once: the receiver checks X-Accord-Signature with it, docs/WEBHOOKS.md)\n");
        }
    }
    accord_reply_destroy(&r);
    accord_args_destroy(&args);
    return exit_code;
}

/* The webhook id a's first argument names: > 0, or 0 after saying what it takes. */
static uint64_t id_arg(const char *text, const char *verb)
{
    char *end;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (!text || !*text || *end || text[0] == '-' || v == 0) {
        fprintf(stderr, "accordctl webhook %s: give the webhook's id, a number ('accordctl webhook list')\n", verb);
        return 0;
    }
    return v;
}

int ctl_webhook_remove(const ctl_args_t *a)
{
    uint64_t id = id_arg(a->pos[0], "remove");
    if (!id) return ACCORD_EXIT_USAGE;
    accord_args_t args;
    accord_args_init(&args);
    accord_args_int(&args, "id", (int64_t)id);
    accord_reply_t r;
    int exit_code = node_call(a, "webhook_remove", &args, &r);
    if (!exit_code) {
        if (a->json) {
            output_json(stdout, &r.body);
        } else {
            const msgpack_object *d = accord_obj_get(&r.body, "dropped");
            printf("webhook %llu removed; %llu changes it had not taken were dropped\n", (unsigned long long)id,
                   d && d->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (unsigned long long)d->via.u64 : 0ULL);
        }
    }
    accord_reply_destroy(&r);
    accord_args_destroy(&args);
    return exit_code;
}

/* ---- reading the store beside the node ---- */

typedef struct {
    const ctl_args_t *a;
    store_txn_t *t;
    bool first;
    bool with_status; /* status: the figures too */
} listing_t;

static void time_text(uint64_t ms, char out[25])
{
    if (ms) audit_format_time(ms, out);
    else snprintf(out, 25, "-");
}

static int show_hook(void *ctx, const hook_t *h)
{
    listing_t *l = ctx;
    hook_stats_t s = {0};
    uint64_t pending = 0, failed = 0, next_ms = 0;
    int rc;
    if (l->with_status && ((rc = hook_stats_get(l->t, h->id, &s)) ||
                           (rc = hook_outbox_counts(l->t, h->id, &pending, &failed, &next_ms))))
        return rc;
    char created[25], ok[25], err[25], next[25], shown[HOOK_URL_MAX * 4 + 1];
    time_text(h->created_ms, created);
    time_text(s.last_ok_ms, ok);
    time_text(s.last_error_ms, err);
    time_text(next_ms, next);
    if (l->a->json) {
        printf("%s{\"id\":%llu,\"url\":", l->first ? "" : ",", (unsigned long long)h->id);
        json_write_cstr(stdout, h->url);
        printf(",\"events\":");
        json_write_cstr(stdout, h->events);
        printf(",\"created\":\"%s\"", created);
        if (l->with_status) {
            printf(",\"pending\":%llu,\"delivered\":%llu,\"failed\":%llu,\"last_delivered\":%s%s%s,"
                   "\"last_error_at\":%s%s%s,\"last_error\":",
                   (unsigned long long)pending, (unsigned long long)s.delivered, (unsigned long long)failed,
                   s.last_ok_ms ? "\"" : "", s.last_ok_ms ? ok : "null", s.last_ok_ms ? "\"" : "",
                   s.last_error_ms ? "\"" : "", s.last_error_ms ? err : "null", s.last_error_ms ? "\"" : "");
            json_write_cstr(stdout, s.last_error);
            printf(",\"next_attempt\":%s%s%s", next_ms ? "\"" : "", next_ms ? next : "null", next_ms ? "\"" : "");
        }
        printf("}");
    } else if (l->with_status) {
        printf("%-4llu %7llu %9llu %6llu  %-24s %-24s ", (unsigned long long)h->id, (unsigned long long)pending,
               (unsigned long long)s.delivered, (unsigned long long)failed, ok, pending ? next : "-");
        printf("%s\n", output_text(s.last_error, strlen(s.last_error), shown, sizeof shown));
    } else {
        printf("%-4llu %-24s %-30s ", (unsigned long long)h->id, created, h->events);
        printf("%s\n", output_text(h->url, strlen(h->url), shown, sizeof shown));
    }
    l->first = false;
    return 0;
}

static int walk_hooks(const ctl_args_t *a, bool with_status)
{
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(a->dir, &st, &id);
    if (rc) return rc;
    store_txn_t *t;
    int exit_code = ACCORD_EXIT_OK;
    if ((rc = store_txn_begin(st, false, &t))) {
        fprintf(stderr, "accordctl webhook: cannot open the store: %s\n", accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
    } else {
        listing_t l = {a, t, true, with_status};
        if (a->json) printf("{\"webhooks\":[");
        else if (with_status)
            printf("%-4s %7s %9s %6s  %-24s %-24s %s\n", "ID", "PENDING", "DELIVERED", "FAILED", "LAST DELIVERED",
                   "NEXT ATTEMPT", "LAST ERROR");
        else printf("%-4s %-24s %-30s %s\n", "ID", "CREATED (UTC)", "EVENTS", "URL");
        rc = hook_each(t, show_hook, &l);
        if (a->json) printf("]}\n");
        store_txn_abort(&t);
        if (rc) {
            fprintf(stderr, "accordctl webhook: cannot read the webhooks: %s\n", accord_strerror(rc));
            exit_code = ACCORD_EXIT_OTHER;
        }
    }
    identity_destroy(&id);
    store_close(&st);
    return exit_code;
}

int ctl_webhook_list(const ctl_args_t *a)
{
    return walk_hooks(a, false);
}

int ctl_webhook_status(const ctl_args_t *a)
{
    return walk_hooks(a, true);
}

static int show_entry(void *ctx, const hook_log_entry_t *e)
{
    listing_t *l = ctx;
    char when[25], change[54], shown[HOOK_ERROR_MAX * 4 + 1];
    audit_format_time(e->time_ms, when);
    hook_change_id(e->origin, e->change_seq, change);
    if (l->a->json) {
        printf("%s{\"seq\":%llu,\"time\":\"%s\",\"hook\":%llu,\"change\":\"%s\",\"event\":", l->first ? "" : ",",
               (unsigned long long)e->seq, when, (unsigned long long)e->hook, change);
        json_write_cstr(stdout, e->event);
        printf(",\"attempt\":%u,\"status\":%u,\"duration_ms\":%u,\"outcome\":\"%s\",\"error\":", e->attempt,
               e->http_status, e->duration_ms, hook_outcome_name(e->outcome));
        json_write_cstr(stdout, e->error);
        printf("}");
    } else {
        printf("%s %-4llu %-9s %3u %-3u %6u %-18s %s ", when, (unsigned long long)e->hook, hook_outcome_name(e->outcome),
               e->http_status, e->attempt, e->duration_ms, e->event, change);
        printf("%s\n", output_text(e->error, strlen(e->error), shown, sizeof shown));
    }
    l->first = false;
    return 0;
}

int ctl_webhook_log(const ctl_args_t *a)
{
    const char *hook = ctl_opt(a, "hook"), *limit = ctl_opt(a, "limit");
    uint64_t hook_id = 0;
    unsigned n = 50;
    if (hook && !(hook_id = id_arg(hook, "log"))) return ACCORD_EXIT_USAGE;
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (!*limit || *end || v < 0 || v > (long)HOOK_LOG_KEEP) {
            fprintf(stderr, "accordctl webhook log: --limit: 0 (all kept) to %u entries\n", HOOK_LOG_KEEP);
            return ACCORD_EXIT_USAGE;
        }
        n = (unsigned)v;
    }
    store_t *st = NULL;
    identity_t *id = NULL;
    int rc = ctl_open_node(a->dir, &st, &id);
    if (rc) return rc;
    store_txn_t *t;
    int exit_code = ACCORD_EXIT_OK;
    if ((rc = store_txn_begin(st, false, &t))) {
        fprintf(stderr, "accordctl webhook log: cannot open the store: %s\n", accord_strerror(rc));
        exit_code = ACCORD_EXIT_OTHER;
    } else {
        listing_t l = {a, t, true, false};
        if (a->json) printf("{\"deliveries\":[");
        else printf("%-24s %-4s %-9s %3s %-3s %6s %-18s %-53s %s\n", "TIME (UTC)", "HOOK", "OUTCOME", "HTTP", "TRY",
                    "MS", "EVENT", "CHANGE", "ERROR");
        rc = hook_log_each(t, hook_id, n, show_entry, &l);
        if (a->json) printf("]}\n");
        store_txn_abort(&t);
        if (rc) {
            fprintf(stderr, "accordctl webhook log: cannot read the delivery log: %s\n", accord_strerror(rc));
            exit_code = ACCORD_EXIT_OTHER;
        }
    }
    identity_destroy(&id);
    store_close(&st);
    return exit_code;
}
