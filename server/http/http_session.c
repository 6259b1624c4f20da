/* SPDX-License-Identifier: MIT
 * http_session: signing in and out of the web pages. A sign-in checks the user's password
 * (users.h) and hands out a session cookie (HttpOnly, SameSite=Strict) and a CSRF token
 * that every change must send back in X-CSRF-Token. Sessions live in the http_t, on the
 * MHD thread, and are forgotten after 8 h idle; the oldest makes room when all are used. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "http/http_assets.h"
#include "http/http_parse.h"
#include "proto/json.h"
#include "common/log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_IDLE_MS (8ull * 3600 * 1000)

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

static http_session_t *session_new(http_t *h, const char *user, user_role_t role)
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
    return oldest;
}

bool http_csrf_ok(struct MHD_Connection *c, const http_session_t *s)
{
    const char *csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
    return s && csrf && strlen(csrf) == 32 && sodium_memcmp(csrf, s->csrf, 32) == 0;
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

enum MHD_Result http_login_page(http_t *h, struct MHD_Connection *c, unsigned status, const char *message)
{
    char page[8192]; /* the node name and message are ours: letters, digits and punctuation, no markup */
    int n = snprintf(page, sizeof page, "%s%s%s%s%s", http_login_head, h->node, http_login_middle, message,
                     http_login_tail);
    return http_respond(c, status, "text/html; charset=utf-8", page, (size_t)n, NULL, NULL);
}

/* GET /login */
enum MHD_Result http_route_login_page(http_t *h, const http_req_t *r)
{
    return http_login_page(h, r->c, MHD_HTTP_OK, "");
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
    uint64_t pw_hlc;
    bool ok = http_check_user(h, user, password, &role, &pw_hlc);
    sodium_memzero(password, sizeof password);
    if (!ok) {
        log_warn("dashboard: failed sign-in for '%s'", user);
        return http_login_page(h, c, MHD_HTTP_UNAUTHORIZED, "That user name and password do not match.");
    }
    http_session_t *s = session_new(h, user, role);
    s->pw_hlc = pw_hlc;
    char cookie[160];
    snprintf(cookie, sizeof cookie, HTTP_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800", s->token);
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
    fputs(",\"branch\":", f);
    if (!h->hub && http_people_on(h)) json_write_cstr(f, h->node);
    else fputs("null", f);
    fputs("}\n", f);
    fclose(f);
    enum MHD_Result ret = http_respond(r->c, MHD_HTTP_OK, "application/json", body, len, NULL, NULL);
    free(body);
    return ret;
}
