/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "http/http.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "http/http_assets.h"
#include "http/http_parse.h"
#include "state/kpi.h"
#include "common/log.h"
#include "ops/report.h"
#include "auth/users.h"
#include "proto/schema.h"
#include "client/accord_client.h"
#include "proto/json.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SESSIONS 256
#define SESSION_IDLE_MS (8ull * 3600 * 1000)
#define MAX_BODY 4096
#define COOKIE "accord_session"

typedef struct {
    char token[65]; /* hex of 32 random bytes; "" if free */
    char csrf[33];
    char user[USER_NAME_MAX + 1];
    user_role_t role;
    uint64_t last_ms;
} session_t;

struct http {
    struct MHD_Daemon *d;
    store_t *st;
    char node[65];
    bool hub;                 /* '/' is the HQ dashboard; else the branch app */
    accord_client_t *client;  /* the MHD thread's link to this node's own API (writes go there) */
    pthread_mutex_t mu; /* guards the published text; sessions belong to the MHD thread */
    char *sync_json, *metrics;
    size_t sync_len, metrics_len;
    session_t sessions[MAX_SESSIONS];
};

typedef struct {
    char body[MAX_BODY + 1];
    size_t len;
    bool too_big;
} upload_t;

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type, const void *body,
                               size_t len, const char *cookie, const char *location)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'");
    if (cookie) MHD_add_response_header(r, "Set-Cookie", cookie);
    if (location) MHD_add_response_header(r, "Location", location);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result json_error(struct MHD_Connection *c, unsigned status, const char *code, const char *msg)
{
    char body[400];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\",\"message\":\"%s\"}\n", code, msg);
    return respond(c, status, "application/json", body, (size_t)n, NULL, NULL);
}

static session_t *session_of(http_t *h, struct MHD_Connection *c)
{
    const char *tok = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
    if (!tok || strlen(tok) != 64) return NULL;
    uint64_t now = hlc_wall_ms();
    for (int i = 0; i < MAX_SESSIONS; i++) {
        session_t *s = &h->sessions[i];
        if (!s->token[0]) continue;
        if (now - s->last_ms > SESSION_IDLE_MS) { /* expired: forget it */
            sodium_memzero(s, sizeof *s);
            continue;
        }
        if (sodium_memcmp(s->token, tok, 64) == 0) {
            s->last_ms = now;
            return s;
        }
    }
    return NULL;
}

static session_t *session_new(http_t *h, const char *user, user_role_t role)
{
    session_t *oldest = &h->sessions[0];
    for (int i = 0; i < MAX_SESSIONS; i++) {
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

/* Checks a user's password in a read transaction (Argon2id: about 0.1 s, on purpose). */
static bool check_user(http_t *h, const char *user, const char *password, user_role_t *role)
{
    store_txn_t *t;
    if (store_txn_begin(h->st, NULL, false, &t)) return false;
    bool ok = users_check(t, user, password, role) == 0;
    store_txn_abort(&t);
    return ok;
}

static enum MHD_Result login_page(http_t *h, struct MHD_Connection *c, unsigned status, const char *message)
{
    char page[8192]; /* the node name and message are ours: letters, digits and punctuation, no markup */
    int n = snprintf(page, sizeof page, "%s%s%s%s%s", http_login_head, h->node, http_login_middle, message,
                     http_login_tail);
    return respond(c, status, "text/html; charset=utf-8", page, (size_t)n, NULL, NULL);
}

static enum MHD_Result do_login(http_t *h, struct MHD_Connection *c, const upload_t *u)
{
    char user[USER_NAME_MAX + 1], password[USER_PASSWORD_MAX + 1];
    user_role_t role;
    if (u->too_big || !http_form_value(u->body, u->len, "user", user, sizeof user) ||
        !http_form_value(u->body, u->len, "password", password, sizeof password))
        return login_page(h, c, MHD_HTTP_BAD_REQUEST, "Give a user name and a password.");
    bool ok = check_user(h, user, password, &role);
    sodium_memzero(password, sizeof password);
    if (!ok) {
        log_warn("dashboard: failed sign-in for '%s'", user);
        return login_page(h, c, MHD_HTTP_UNAUTHORIZED, "That user name and password do not match.");
    }
    session_t *s = session_new(h, user, role);
    char cookie[160];
    snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800", s->token);
    log_info("dashboard: %s signed in", user);
    return respond(c, MHD_HTTP_SEE_OTHER, "text/plain", "", 0, cookie, "/");
}

static enum MHD_Result period_args(struct MHD_Connection *c, uint32_t *from, uint32_t *to, const char **branch)
{
    const char *period = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "period");
    *branch = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "branch");
    if (*branch && (!**branch || strlen(*branch) > 64)) *branch = NULL;
    if (!period || strlen(period) > 32 || report_period(period, from, to)) return MHD_NO;
    return MHD_YES;
}

/* A report or the daily series of a period, read in one transaction, as JSON. */
static enum MHD_Result api_report(http_t *h, struct MHD_Connection *c, bool daily)
{
    uint32_t from, to;
    const char *branch;
    if (period_args(c, &from, &to, &branch) != MHD_YES)
        return json_error(c, MHD_HTTP_BAD_REQUEST, "EINVAL",
                          "period: 2026, 2026-11, 2026-W48, 2026-11-24 or 2026-11-01..2026-11-15");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    store_txn_t *t;
    int rc = f ? store_txn_begin(h->st, NULL, false, &t) : ACCORD_EINTERNAL;
    if (!rc) {
        if (daily) {
            static report_daily_t d; /* large; only the MHD thread uses it */
            if (!(rc = report_daily(t, from, to, branch, &d))) report_daily_write_json(f, from, &d);
        } else {
            report_t r;
            if (!(rc = report_branches(t, from, to, kpi_day_of_ms(h->st, hlc_wall_ms()), branch, &r))) {
                report_write_json(f, &r);
                report_free(&r);
            }
        }
        store_txn_abort(&t);
    }
    if (f) fclose(f);
    enum MHD_Result ret = rc ? json_error(c, rc == ACCORD_ETOOBIG ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR,
                                          accord_errname(rc), rc == ACCORD_ETOOBIG ? "at most 400 days" : accord_strerror(rc))
                             : respond(c, MHD_HTTP_OK, "application/json", buf, len, NULL, NULL);
    free(buf);
    return ret;
}

/* RFM segments and the top customers by won value: a scan of every customer. */
static enum MHD_Result api_customers(http_t *h, struct MHD_Connection *c)
{
    const char *currency = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "currency");
    const char *branch = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "branch");
    const char *top_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "top");
    long top = top_s ? strtol(top_s, NULL, 10) : 10;
    if ((currency && strlen(currency) > 8) || (branch && strlen(branch) > 64) || top < 0 || top > 1000)
        return json_error(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "currency: a code; branch: a name; top: 0 to 1000");
    if (branch && !*branch) branch = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    store_txn_t *t;
    int rc = f ? store_txn_begin(h->st, NULL, false, &t) : ACCORD_EINTERNAL;
    if (!rc) {
        char cur[9] = "";
        if (currency && *currency) snprintf(cur, sizeof cur, "%s", currency);
        else report_main_currency(t, cur);
        report_customers_t r;
        if (!(rc = report_customers(t, hlc_wall_ms(), cur, branch, &r))) {
            report_customers_write_json(f, &r, (unsigned)top);
            report_customers_free(&r);
        }
        store_txn_abort(&t);
    }
    if (f) fclose(f);
    enum MHD_Result ret = rc ? json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, accord_errname(rc), accord_strerror(rc))
                             : respond(c, MHD_HTTP_OK, "application/json", buf, len, NULL, NULL);
    free(buf);
    return ret;
}

/* ---- the node's own API, for the branch app: a client of the local socket like the CLIs,
 * so every change still goes through the node's single writer ---- */

#define BRIDGE_MAX_ARGS 64

typedef struct {
    const char *key[BRIDGE_MAX_ARGS];
    const char *val[BRIDGE_MAX_ARGS];
    unsigned n;
    bool too_many;
} bridge_args_t;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    bridge_args_t *a = cls;
    if (a->n == BRIDGE_MAX_ARGS) { a->too_many = true; return MHD_NO; }
    a->key[a->n] = key;
    a->val[a->n++] = value ? value : "";
    return MHD_YES;
}

/* The pairs of a form body, percent-decoded in place into buf (which must hold len + 1). */
static bool form_args(char *buf, size_t len, bridge_args_t *a)
{
    buf[len] = 0;
    for (char *p = buf; p && *p;) {
        char *amp = strchr(p, '&');
        if (amp) *amp = 0;
        char *eq = strchr(p, '=');
        if (!eq) return false;
        *eq = 0;
        /* decode key and value in place: what they become is never longer */
        for (char *part = p; part; part = part == p ? eq + 1 : NULL) {
            char *o = part;
            for (char *i = part; *i; i++) {
                if (*i == '+') *o++ = ' ';
                else if (*i == '%' && i[1] && i[2]) {
                    char hx[3] = {i[1], i[2], 0}, *end;
                    long v = strtol(hx, &end, 16);
                    if (*end || v == 0) return false;
                    *o++ = (char)v;
                    i += 2;
                } else if (*i == '%') return false;
                else *o++ = *i;
            }
            *o = 0;
        }
        if (a->n == BRIDGE_MAX_ARGS) return false;
        a->key[a->n] = p;
        a->val[a->n++] = eq + 1;
        p = amp ? amp + 1 : NULL;
    }
    return true;
}

static bool is_write(const char *verb)
{
    static const char *const writes[] = {"create", "update", "delete", "resolve", "merge", NULL};
    for (int i = 0; writes[i]; i++)
        if (!strcmp(verb, writes[i])) return true;
    return false;
}

static bool is_read(const char *verb)
{
    static const char *const reads[] = {"get", "list", "search", "history", "conflicts", "status", "dupes", "sync_status", NULL};
    for (int i = 0; reads[i]; i++)
        if (!strcmp(verb, reads[i])) return true;
    return false;
}

static enum MHD_Result bridge(http_t *h, struct MHD_Connection *c, const session_t *s, const char *verb, upload_t *u)
{
    bridge_args_t a = {0};
    if (u) {
        if (u->too_big) return json_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "ETOOBIG", "a change is at most 4 KiB");
        if (!form_args(u->body, u->len, &a)) return json_error(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "the form is malformed");
    } else {
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
        if (a.too_many) return json_error(c, MHD_HTTP_BAD_REQUEST, "ETOOBIG", "at most 64 arguments");
    }
    if (!h->client && accord_client_new(store_dir(h->st), 10000, &h->client))
        return json_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "ENET", "the node's API does not answer");
    accord_args_t args;
    accord_args_init(&args);
    bool used[BRIDGE_MAX_ARGS] = {false};
    for (unsigned i = 0; i < a.n; i++) {
        if (used[i] || !strcmp(a.key[i], "user")) continue; /* the author is who signed in */
        const char *vals[BRIDGE_MAX_ARGS];
        unsigned n = 0;
        for (unsigned j = i; j < a.n; j++)
            if (!used[j] && !strcmp(a.key[j], a.key[i])) vals[n++] = a.val[j], used[j] = true;
        bool set_op = !strncmp(a.key[i], "add:", 4) || !strncmp(a.key[i], "remove:", 7);
        bool flag = !strcmp(a.key[i], "open") || !strcmp(a.key[i], "overdue") || !strcmp(a.key[i], "all");
        if (n == 1 && flag) accord_args_bool(&args, a.key[i], !strcmp(vals[0], "true") || !strcmp(vals[0], "1"));
        else if (n == 1 && !set_op) accord_args_str(&args, a.key[i], vals[0]);
        else accord_args_strv(&args, a.key[i], vals, n);
    }
    accord_args_str(&args, "user", s->user);
    accord_reply_t r;
    int rc = accord_call(h->client, verb, &args, &r);
    accord_args_destroy(&args);
    enum MHD_Result ret;
    if (rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT) {
        accord_client_destroy(&h->client); /* a new socket next time */
        ret = json_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, accord_errname(rc), "the node did not answer");
    } else {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) {
            accord_reply_destroy(&r);
            return MHD_NO;
        }
        if (rc) {
            fprintf(f, "{\"error\":\"%s\",\"message\":", accord_errname(rc));
            json_write_string(f, r.message, strlen(r.message));
            fprintf(f, "}\n");
        } else {
            fprintf(f, "{\"ok\":true,\"result\":");
            json_write_msgpack(f, &r.body);
            fprintf(f, "}\n");
        }
        fclose(f);
        unsigned status = !rc ? MHD_HTTP_OK : rc == ACCORD_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                        : rc == ACCORD_EREADONLY || rc == ACCORD_EDELETED ? MHD_HTTP_CONFLICT : MHD_HTTP_BAD_REQUEST;
        ret = respond(c, status, "application/json", buf, len, NULL, NULL);
        free(buf);
    }
    accord_reply_destroy(&r);
    return ret;
}

static bool csrf_ok(struct MHD_Connection *c, const session_t *s)
{
    const char *csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
    return s && csrf && strlen(csrf) == 32 && sodium_memcmp(csrf, s->csrf, 32) == 0;
}

static enum MHD_Result published(http_t *h, struct MHD_Connection *c, bool metrics)
{
    pthread_mutex_lock(&h->mu);
    const char *text = metrics ? h->metrics : h->sync_json;
    size_t len = metrics ? h->metrics_len : h->sync_len;
    enum MHD_Result ret =
        text ? respond(c, MHD_HTTP_OK, metrics ? "text/plain; version=0.0.4" : "application/json", text, len, NULL, NULL)
             : json_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "EAGAIN", "not yet known: ask again in a second");
    pthread_mutex_unlock(&h->mu);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    http_t *h = cls;
    bool post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (post) { /* gather the body first (bounded), then answer on the last call */
        upload_t *u = *con_cls;
        if (!u) {
            if (!(u = calloc(1, sizeof *u))) return MHD_NO;
            *con_cls = u;
            return MHD_YES;
        }
        if (*upload_size) {
            if (u->len + *upload_size > MAX_BODY) u->too_big = true;
            else memcpy(u->body + u->len, upload_data, *upload_size), u->len += *upload_size;
            *upload_size = 0;
            return MHD_YES;
        }
        if (!strcmp(url, "/login")) return do_login(h, c, u);
        session_t *ps = session_of(h, c);
        if (!strncmp(url, "/api/node/", 10)) {
            if (!ps) return json_error(c, MHD_HTTP_UNAUTHORIZED, "ESESSION", "sign in first (POST /login)");
            if (!csrf_ok(c, ps))
                return json_error(c, MHD_HTTP_FORBIDDEN, "ECSRF", "send the X-CSRF-Token of the session with every change");
            if (ps->role != USER_ADMIN && ps->role != USER_STAFF)
                return json_error(c, MHD_HTTP_FORBIDDEN, "EREADONLY", "a manager reads; staff and admins change records");
            if (!is_write(url + 10)) return json_error(c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such change");
            return bridge(h, c, ps, url + 10, u);
        }
        if (!strcmp(url, "/logout")) {
            session_t *s = ps;
            if (!csrf_ok(c, s))
                return json_error(c, MHD_HTTP_FORBIDDEN, "ECSRF", "sign in, and send the X-CSRF-Token of the session");
            sodium_memzero(s, sizeof *s);
            return respond(c, MHD_HTTP_OK, "application/json", "{\"ok\":true}\n", 12, COOKIE "=; Path=/; Max-Age=0", NULL);
        }
        return json_error(c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such endpoint");
    }
    if (!get) return json_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "EINVAL", "GET or POST only");
    if (!strcmp(url, "/login")) return login_page(h, c, MHD_HTTP_OK, "");
    if (!strcmp(url, "/app.css")) /* the login page wears it too: nothing in it is private */
        return respond(c, MHD_HTTP_OK, "text/css; charset=utf-8", http_app_css, strlen(http_app_css), NULL, NULL);
    session_t *s = session_of(h, c);
    if (!strcmp(url, "/metrics")) {
        char user[USER_NAME_MAX + 1], pw[USER_PASSWORD_MAX + 1];
        user_role_t role;
        const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        bool basic = !s && http_basic_auth(auth, user, sizeof user, pw, sizeof pw) && check_user(h, user, pw, &role);
        sodium_memzero(pw, sizeof pw);
        if (!s && !basic) return json_error(c, MHD_HTTP_UNAUTHORIZED, "ESESSION", "sign in, or give a user with Basic auth");
        return published(h, c, true);
    }
    bool page = !strcmp(url, "/") || !strcmp(url, "/app.js") || !strcmp(url, "/dashboard") || !strcmp(url, "/app") ||
                !strcmp(url, "/branch.js");
    if (!s) {
        if (page) return respond(c, MHD_HTTP_SEE_OTHER, "text/plain", "", 0, NULL, "/login");
        return json_error(c, MHD_HTTP_UNAUTHORIZED, "ESESSION", "sign in first (POST /login)");
    }
    if (!strcmp(url, "/dashboard") || (!strcmp(url, "/") && h->hub))
        return respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", http_dashboard_html, strlen(http_dashboard_html), NULL,
                       NULL);
    if (!strcmp(url, "/app") || !strcmp(url, "/"))
        return respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", http_branch_html, strlen(http_branch_html), NULL, NULL);
    if (!strcmp(url, "/branch.js"))
        return respond(c, MHD_HTTP_OK, "text/javascript; charset=utf-8", http_branch_js, strlen(http_branch_js), NULL, NULL);
    if (!strcmp(url, "/app.js"))
        return respond(c, MHD_HTTP_OK, "text/javascript; charset=utf-8", http_app_js, strlen(http_app_js), NULL, NULL);
    if (!strcmp(url, "/api/session")) {
        char body[300];
        int n = snprintf(body, sizeof body, "{\"node\":\"%s\",\"user\":\"%s\",\"role\":\"%s\",\"csrf\":\"%s\"}\n", h->node,
                         s->user, user_role_name(s->role), s->csrf);
        return respond(c, MHD_HTTP_OK, "application/json", body, (size_t)n, NULL, NULL);
    }
    if (!strcmp(url, "/api/report")) return api_report(h, c, false);
    if (!strcmp(url, "/api/daily")) return api_report(h, c, true);
    if (!strcmp(url, "/api/customers")) return api_customers(h, c);
    if (!strcmp(url, "/api/currencies")) { /* minor-unit digits: the records hold amounts in minor units */
        char body[4096];
        size_t n = 0;
        int exp;
        const char *code;
        n += (size_t)snprintf(body + n, sizeof body - n, "{");
        for (unsigned i = 0; (code = schema_currency_at(i, &exp)) && n < sizeof body - 16; i++)
            n += (size_t)snprintf(body + n, sizeof body - n, "%s\"%s\":%d", i ? "," : "", code, exp);
        n += (size_t)snprintf(body + n, sizeof body - n, "}\n");
        return respond(c, MHD_HTTP_OK, "application/json", body, n, NULL, NULL);
    }
    if (!strncmp(url, "/api/node/", 10)) {
        if (!is_read(url + 10)) return json_error(c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such read");
        return bridge(h, c, s, url + 10, NULL);
    }
    if (!strcmp(url, "/api/sync")) return published(h, c, false);
    return json_error(c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such page");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)c, (void)code;
    if (*con_cls) {
        sodium_memzero(*con_cls, sizeof(upload_t)); /* it may hold a password */
        free(*con_cls);
        *con_cls = NULL;
    }
}

http_t *http_start(store_t *st, const char *node_name, bool hub, const char *listen, char *err, size_t cap)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    char host[64] = "127.0.0.1";
    const char *colon = strrchr(listen, ':');
    const char *port_s = colon ? colon + 1 : listen;
    if (colon && (size_t)(colon - listen) < sizeof host) {
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = 0;
    }
    char *end;
    long port = strtol(port_s, &end, 10);
    if (*end || port < 1 || port > 65535 || inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        snprintf(err, cap, "--http '%s': give PORT (on 127.0.0.1) or ADDRESS:PORT", listen);
        return NULL;
    }
    addr.sin_port = htons((uint16_t)port);
    http_t *h = calloc(1, sizeof *h);
    if (!h) abort();
    h->st = st;
    h->hub = hub;
    snprintf(h->node, sizeof h->node, "%s", node_name);
    pthread_mutex_init(&h->mu, NULL);
    h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, (uint16_t)port, NULL, NULL, handle, h,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT, 64u,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, 32u, MHD_OPTION_CONNECTION_TIMEOUT, 15u,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
                            completed, h, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, cap, "cannot serve HTTP on %s:%ld (is the port taken?)", host, port);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return NULL;
    }
    return h;
}

void http_publish(http_t *h, const char *sync_json, size_t sync_len, const char *metrics, size_t metrics_len)
{
    char *a = malloc(sync_len + 1), *b = malloc(metrics_len + 1);
    if (!a || !b) abort();
    memcpy(a, sync_json, sync_len), a[sync_len] = 0;
    memcpy(b, metrics, metrics_len), b[metrics_len] = 0;
    pthread_mutex_lock(&h->mu);
    free(h->sync_json);
    free(h->metrics);
    h->sync_json = a, h->sync_len = sync_len;
    h->metrics = b, h->metrics_len = metrics_len;
    pthread_mutex_unlock(&h->mu);
}

void http_stop(http_t **ph)
{
    http_t *h = *ph;
    if (!h) return;
    MHD_stop_daemon(h->d);
    accord_client_destroy(&h->client);
    pthread_mutex_destroy(&h->mu);
    free(h->sync_json);
    free(h->metrics);
    sodium_memzero(h->sessions, sizeof h->sessions);
    free(h);
    *ph = NULL;
}
