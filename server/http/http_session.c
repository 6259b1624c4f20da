/* SPDX-License-Identifier: MIT
 * http_session: signing in and out of the web pages. A sign-in checks the user's password
 * (users.h) and hands out a session cookie (HttpOnly, SameSite=Strict) and a CSRF token
 * that every change must send back in X-CSRF-Token. Sessions live in the http_t, on the
 * MHD thread, and are forgotten after 8 h idle; the oldest makes room when all are used.
 *
 * Failed sign-ins are throttled per user name and per client address (auth/throttle.h,
 * the limits below): a locked one is answered 429 with Retry-After before its password
 * is looked at, so guessing costs the node no Argon2id hash. API tokens (auth/tokens.h)
 * stand in for a session on the JSON routes, one request at a time. Sign-ins, token use
 * and refusals go to the access audit (auth/audit.h) in short write transactions of
 * their own, with no other transaction open on this thread. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "http/http_assets.h"
#include "http/http_parse.h"
#include "proto/json.h"
#include "common/log.h"
#include "auth/audit.h"
#include "proto/accord_err.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_IDLE_MS (8ull * 3600 * 1000)

/* The sign-in limits (docs/CLI.md, "Sign-in limits"): a user name has 5 failures free, an
 * address 20 (people behind one NAT share it); then each failure locks it for 1 s, doubled
 * with each further one, at most 15 min; a day without failures forgets them. */
#define SIGNIN_ACCOUNT_FREE 5
#define SIGNIN_ADDRESS_FREE 20
#define SIGNIN_LOCK_FIRST_MS 1000ull
#define SIGNIN_LOCK_MAX_MS (15ull * 60 * 1000)
#define SIGNIN_FORGET_MS (24ull * 3600 * 1000)

void http_throttle_new(http_t *h)
{
    throttle_limits_t account = {SIGNIN_ACCOUNT_FREE, SIGNIN_LOCK_FIRST_MS, SIGNIN_LOCK_MAX_MS, SIGNIN_FORGET_MS};
    throttle_limits_t address = {SIGNIN_ADDRESS_FREE, SIGNIN_LOCK_FIRST_MS, SIGNIN_LOCK_MAX_MS, SIGNIN_FORGET_MS};
    if (!(h->signin_accounts = malloc(sizeof *h->signin_accounts)) || !(h->signin_addresses = malloc(sizeof *h->signin_addresses)))
        abort();
    throttle_init(h->signin_accounts, &account);
    throttle_init(h->signin_addresses, &address);
}

void http_throttle_free(http_t *h)
{
    free(h->signin_accounts);
    free(h->signin_addresses);
    h->signin_accounts = h->signin_addresses = NULL;
}

void http_client_address(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    out[0] = 0;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)cap);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)cap);
}

http_session_t *http_session_of(http_t *h, struct MHD_Connection *c)
{
    const char *tok = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, HTTP_COOKIE);
    if (!tok || strlen(tok) != 64) return NULL;
    uint64_t now = hlc_wall_ms();
    for (int i = 0; i < HTTP_MAX_SESSIONS; i++) {
        http_session_t *s = &h->sessions[i];
        if (!s->token[0]) continue;
        if (now - s->last_ms > SESSION_IDLE_MS) { /* expired: forget it */
            sodium_memzero(s, sizeof *s);
            continue;
        }
        if (sodium_memcmp(s->token, tok, 64) == 0) {
            if (!http_people_session_valid(h, s)) { /* disabled, or its password changed since */
                sodium_memzero(s, sizeof *s);
                return NULL;
            }
            s->last_ms = now;
            return s;
        }
    }
    return NULL;
}

http_session_t *http_session_new(http_t *h, const char *user, user_role_t role, uint64_t pw_hlc)
{
    http_session_t *oldest = &h->sessions[0];
    for (int i = 0; i < HTTP_MAX_SESSIONS; i++) {
        if (!h->sessions[i].token[0]) { oldest = &h->sessions[i]; break; }
        if (h->sessions[i].last_ms < oldest->last_ms) oldest = &h->sessions[i];
    }
    uint8_t raw[32];
    crypto_random(raw, sizeof raw);
    crypto_hex(raw, 32, oldest->token);
    crypto_random(raw, 16);
    crypto_hex(raw, 16, oldest->csrf);
    snprintf(oldest->user, sizeof oldest->user, "%s", user);
    oldest->role = role;
    oldest->last_ms = hlc_wall_ms();
    oldest->pw_hlc = pw_hlc;
    return oldest;
}

void http_session_cookie(const http_session_t *s, char *out, size_t cap)
{
    snprintf(out, cap, HTTP_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800", s->token);
}

bool http_csrf_ok(struct MHD_Connection *c, const http_session_t *s)
{
    const char *csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
    return s && csrf && strlen(csrf) == 32 && sodium_memcmp(csrf, s->csrf, 32) == 0;
}

bool http_user_status(http_t *h, const char *login, user_role_t *role)
{
    int org = http_people_status(h, login, role);
    if (org >= 0) return org == 1;
    store_txn_t *t;
    if (store_txn_begin(h->st, false, &t)) return false;
    bool ok = tokens_user_status(t, login, role) == 0;
    store_txn_abort(&t);
    return ok;
}

bool http_check_user(http_t *h, const char *user, const char *password, user_role_t *role, uint64_t *pw_hlc)
{
    *pw_hlc = 0;
    int org = http_people_sign_in(h, user, password, role, pw_hlc);
    if (org >= 0) return org == 1;
    store_txn_t *t;
    if (store_txn_begin(h->st, false, &t)) return false;
    bool ok = users_check(t, user, password, role) == 0;
    store_txn_abort(&t);
    return ok;
}

/* The sign-in page with a message, and Retry-After when retry_after is not NULL. */
static enum MHD_Result login_page(http_t *h, struct MHD_Connection *c, unsigned status, const char *message,
                                  const char *retry_after)
{
    char page[8192]; /* the node name and message are ours: letters, digits and punctuation, no markup */
    int n = snprintf(page, sizeof page, "%s%s%s%s%s", http_login_head, h->node, http_login_middle, message,
                     http_login_tail);
    return http_respond_with_header(c, status, "text/html; charset=utf-8", page, (size_t)n,
                                    retry_after ? "Retry-After" : NULL, retry_after);
}

enum MHD_Result http_login_page(http_t *h, struct MHD_Connection *c, unsigned status, const char *message)
{
    return login_page(h, c, status, message, NULL);
}

/* GET /login */
enum MHD_Result http_route_login_page(http_t *h, const http_req_t *r)
{
    return http_login_page(h, r->c, MHD_HTTP_OK, "");
}

/* The first refusal of each lock is audited (one event a lock, not one a request: a flood
 * of refused tries cannot push the older events out). */
uint64_t http_signin_wait_ms(http_t *h, const char *user, const char *address)
{
    uint64_t now = hlc_wall_ms();
    bool first_account, first_address;
    uint64_t by_account = throttle_wait_ms(h->signin_accounts, user, now, &first_account);
    uint64_t by_address = throttle_wait_ms(h->signin_addresses, address, now, &first_address);
    if (first_account) audit_record(h->st, AUDIT_SIGNIN_THROTTLED, user, address, "account");
    if (first_address) audit_record(h->st, AUDIT_SIGNIN_THROTTLED, user, address, "address");
    return by_account > by_address ? by_account : by_address;
}

void http_signin_failed(http_t *h, const char *user, const char *address)
{
    throttle_failed(h->signin_accounts, user, hlc_wall_ms());
    throttle_failed(h->signin_addresses, address, hlc_wall_ms());
    audit_record(h->st, AUDIT_SIGNIN_FAILED, user, address, "");
}

/* POST /login (user, password): a session cookie and 303 to '/', or the page again. */
enum MHD_Result http_route_login(http_t *h, const http_req_t *r)
{
    const http_upload_t *u = r->u;
    struct MHD_Connection *c = r->c;
    char user[USER_NAME_MAX + 1], password[USER_PASSWORD_MAX + 1];
    user_role_t role;
    if (u->too_big || !http_form_value(u->body, u->len, "user", user, sizeof user) ||
        !http_form_value(u->body, u->len, "password", password, sizeof password))
        return http_login_page(h, c, MHD_HTTP_BAD_REQUEST, "Give a user name and a password.");
    char address[TOKEN_ADDRESS_MAX + 1];
    http_client_address(c, address, sizeof address);
    uint64_t wait_ms = http_signin_wait_ms(h, user, address);
    if (wait_ms) {
        sodium_memzero(password, sizeof password);
        char retry[24], message[96];
        snprintf(retry, sizeof retry, "%llu", (unsigned long long)((wait_ms + 999) / 1000));
        snprintf(message, sizeof message, "Too many failed sign-ins: try again in %s s.", retry);
        return login_page(h, c, MHD_HTTP_TOO_MANY_REQUESTS, message, retry);
    }
    uint64_t pw_hlc;
    bool ok = http_check_user(h, user, password, &role, &pw_hlc);
    sodium_memzero(password, sizeof password);
    if (!ok) {
        log_warn("dashboard: failed sign-in for '%s' from %s", user, address);
        http_signin_failed(h, user, address);
        return http_login_page(h, c, MHD_HTTP_UNAUTHORIZED, "That user name and password do not match.");
    }
    /* the account starts afresh; the address does not (one good account would reset it) */
    throttle_succeeded(h->signin_accounts, user);
    audit_record(h->st, AUDIT_SIGNIN_OK, user, address, "");
    http_session_t *s = http_session_new(h, user, role, pw_hlc);
    char cookie[160];
    http_session_cookie(s, cookie, sizeof cookie);
    log_info("dashboard: %s signed in", user);
    return http_respond(c, MHD_HTTP_SEE_OTHER, "text/plain", "", 0, cookie, "/");
}

/* POST /logout: the session's CSRF token ends it; without a session that is 403 too. */
enum MHD_Result http_route_logout(http_t *h, const http_req_t *r)
{
    (void)h;
    http_session_t *s = r->s;
    if (!http_csrf_ok(r->c, s))
        return http_json_error(r->c, MHD_HTTP_FORBIDDEN, "ECSRF", "sign in, and send the X-CSRF-Token of the session");
    sodium_memzero(s, sizeof *s);
    return http_respond(r->c, MHD_HTTP_OK, "application/json", "{\"ok\":true}\n", 12, HTTP_COOKIE "=; Path=/; Max-Age=0",
                        NULL);
}

/* GET /api/session: who is signed in, and the CSRF token the page sends with changes. */
enum MHD_Result http_route_session(http_t *h, const http_req_t *r)
{
    const http_session_t *s = r->s;
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f) return MHD_NO;
    fputs("{\"node\":", f);
    json_write_cstr(f, h->node);
    fputs(",\"user\":", f);
    json_write_cstr(f, s->user);
    fprintf(f, ",\"role\":\"%s\",\"csrf\":\"%s\"", user_role_name(s->role), s->csrf); /* a fixed name, hex */
    /* the branch the lists start on: at a branch node, once the org has users, this one's */
    bool people = http_people_on(h);
    fputs(",\"branch\":", f);
    if (!h->hub && people) json_write_cstr(f, h->node);
    else fputs("null", f);
    /* whether the org has users: then passwords change on the pages (http_password.c) */
    fprintf(f, ",\"hub\":%s,\"people\":%s}\n", h->hub ? "true" : "false", people ? "true" : "false");
    fclose(f);
    enum MHD_Result ret = http_respond(r->c, MHD_HTTP_OK, "application/json", body, len, NULL, NULL);
    free(body);
    return ret;
}

/* 401 for a bearer token that lets no one in: the reason, and the header RFC 6750 asks for. */
static enum MHD_Result bearer_refused(struct MHD_Connection *c, const char *msg)
{
    return http_json_error_with_header(c, MHD_HTTP_UNAUTHORIZED, "ETOKEN", msg, "WWW-Authenticate",
                                       "Bearer realm=\"accord\", error=\"invalid_token\"");
}

/* Notes the token's use now, at most once a minute (its stored last use says when), with
 * a token_used event in the same short transaction. */
static void note_token_use(http_t *h, const token_info_t *info, const char *address)
{
    if (info->last_used_ms && hlc_wall_ms() - info->last_used_ms < TOKEN_TOUCH_MS) return; /* no write txn at all */
    store_txn_t *t;
    bool written = false;
    uint64_t now = hlc_wall_ms();
    int rc = store_txn_begin(h->st, true, &t);
    if (!rc && !(rc = tokens_touch(t, info->hash, now, address, &written)) && written)
        rc = audit_append(t, now, AUDIT_TOKEN_USED, info->user, address, info->id);
    if (rc) store_txn_abort(&t);
    else rc = store_txn_commit(&t);
    if (rc) log_error("dashboard: cannot note the use of token %s: %s", info->id, accord_strerror(rc));
}

bool http_bearer_session(http_t *h, struct MHD_Connection *c, const char *token, http_session_t *s, enum MHD_Result *ret)
{
    token_state_t state;
    token_info_t info;
    store_txn_t *t;
    int rc = store_txn_begin(h->st, false, &t);
    if (!rc) {
        rc = tokens_check(t, token, hlc_wall_ms(), &state, &info);
        store_txn_abort(&t);
    }
    char msg[160];
    user_role_t role;
    if (rc) {
        *ret = http_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, accord_errname(rc), accord_strerror(rc));
        return false;
    }
    if (state == TOKEN_UNKNOWN) {
        *ret = bearer_refused(c, "no such token on this node: make one with 'accordctl token add'");
        return false;
    }
    if (state != TOKEN_VALID) {
        char when[25];
        audit_format_time(state == TOKEN_REVOKED ? info.revoked_ms : info.expires_ms, when);
        snprintf(msg, sizeof msg, "token %s %s at %s: make a new one with 'accordctl token add'", info.id,
                 state == TOKEN_REVOKED ? "was revoked" : "expired", when);
        *ret = bearer_refused(c, msg);
        return false;
    }
    if (!http_user_status(h, info.user, &role)) {
        snprintf(msg, sizeof msg, "token %s is of user '%s', who may no longer sign in here", info.id, info.user);
        *ret = bearer_refused(c, msg);
        return false;
    }
    memset(s, 0, sizeof *s);
    snprintf(s->user, sizeof s->user, "%s", info.user);
    s->role = role;
    s->bearer = true;
    s->scope = info.scope;
    s->last_ms = hlc_wall_ms();
    http_client_address(c, s->address, sizeof s->address);
    note_token_use(h, &info, s->address);
    return true;
}

void http_note_refusal(http_t *h, struct MHD_Connection *c, const http_session_t *s, const char *what)
{
    char address[TOKEN_ADDRESS_MAX + 1];
    http_client_address(c, address, sizeof address);
    audit_record(h->st, AUDIT_PERMISSION_REFUSED, s ? s->user : "", address, what);
}

typedef struct {
    FILE *f;
    bool first;
} audit_json_t;

static int audit_json_one(void *ctx, const audit_event_t *e)
{
    audit_json_t *a = ctx;
    if (!a->first) fputc(',', a->f);
    a->first = false;
    audit_write_json(a->f, e);
    return 0;
}

/* The query's filters: since (YYYY-MM-DD, UTC), kind, user, limit (1-1000; 200). */
static bool audit_filter_of(struct MHD_Connection *c, audit_filter_t *f)
{
    const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    const char *kind = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "kind");
    const char *user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "user");
    const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    memset(f, 0, sizeof *f);
    f->limit = 200;
    if (since && *since && audit_parse_time(since, &f->since_ms)) return false;
    if (kind && *kind) {
        int k = audit_kind_by_name(kind);
        if (k < 0) return false;
        f->kind = (audit_kind_t)k;
    }
    if (user && *user) f->user = user;
    if (limit && *limit) {
        char *end;
        long n = strtol(limit, &end, 10);
        if (*end || n < 1 || n > 1000) return false;
        f->limit = (unsigned)n;
    }
    return true;
}

enum MHD_Result http_route_audit(http_t *h, const http_req_t *r)
{
    if (!http_people_audits_here(h, r->s)) {
        http_note_refusal(h, r->c, r->s, "GET /api/audit");
        return http_json_error(r->c, MHD_HTTP_FORBIDDEN, "EREADONLY",
                               h->hub ? "only an admin of the whole org sees the hub's access audit"
                                      : "only an admin of this branch sees its access audit");
    }
    audit_filter_t f;
    if (!audit_filter_of(r->c, &f))
        return http_json_error(r->c, MHD_HTTP_BAD_REQUEST, "EINVAL",
                               "since: a UTC date or time (2026-12-01, 2026-12-01T10:00Z); kind: signin_ok, signin_failed, signin_throttled, token_used, "
                               "token_added, token_revoked, export or permission_refused; limit: 1 to 1000");
    char *body = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&body, &len);
    if (!out) return MHD_NO;
    audit_json_t a = {out, true};
    store_txn_t *t;
    fputs("{\"events\":[", out);
    int rc = store_txn_begin(h->st, false, &t);
    if (!rc) {
        rc = audit_each(t, &f, audit_json_one, &a);
        store_txn_abort(&t);
    }
    fputs("]}\n", out);
    fclose(out);
    enum MHD_Result ret = rc ? http_json_error(r->c, MHD_HTTP_INTERNAL_SERVER_ERROR, accord_errname(rc), accord_strerror(rc))
                             : http_respond(r->c, MHD_HTTP_OK, "application/json", body, len, NULL, NULL);
    free(body);
    return ret;
}
