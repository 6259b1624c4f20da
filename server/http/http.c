/* SPDX-License-Identifier: MIT
 * http: the server (http.h). libmicrohttpd calls handle() for every request on its one
 * polling thread: a POST body is gathered first (bounded), then the route is looked up in
 * the route table (http_routes.c), its auth checked, and its handler run. */
#define _POSIX_C_SOURCE 200809L
#include "http/http.h"
#include "http/http_internal.h"
#include "http/http_parse.h"
#include "proto/json.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type, const void *body,
                               size_t len, const char *policy, const char *cookie, const char *location,
                               const char *header, const char *value)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy", policy);
    if (cookie) MHD_add_response_header(r, "Set-Cookie", cookie);
    if (location) MHD_add_response_header(r, "Location", location);
    if (header) MHD_add_response_header(r, header, value);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result http_respond(struct MHD_Connection *c, unsigned status, const char *type, const void *body,
                             size_t len, const char *cookie, const char *location)
{
    return respond(c, status, type, body, len,
                   "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'", cookie,
                   location, NULL, NULL);
}

enum MHD_Result http_respond_with_header(struct MHD_Connection *c, unsigned status, const char *type, const void *body,
                                         size_t len, const char *header, const char *value)
{
    return respond(c, status, type, body, len,
                   "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'", NULL, NULL,
                   header, value);
}

enum MHD_Result http_respond_with_headers(struct MHD_Connection *c, unsigned status, const char *type, const void *body,
                                          size_t len, const char *const *headers)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    if (type) MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    for (; headers && headers[0]; headers += 2)
        if (headers[1]) MHD_add_response_header(r, headers[0], headers[1]);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result http_respond_with_policy(struct MHD_Connection *c, unsigned status, const char *type,
                                         const void *body, size_t len, const char *policy)
{
    return respond(c, status, type, body, len, policy, NULL, NULL, NULL, NULL);
}

enum MHD_Result http_json_error(struct MHD_Connection *c, unsigned status, const char *code, const char *msg)
{
    return http_json_error_with_header(c, status, code, msg, NULL, NULL);
}

enum MHD_Result http_json_error_with_header(struct MHD_Connection *c, unsigned status, const char *code, const char *msg,
                                            const char *header, const char *value)
{
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f) return MHD_NO;
    fputs("{\"error\":", f); /* the message may quote what the request sent: escaped */
    json_write_cstr(f, code);
    fputs(",\"message\":", f);
    json_write_cstr(f, msg);
    fputs("}\n", f);
    fclose(f);
    enum MHD_Result ret = http_respond_with_header(c, status, "application/json", body, len, header, value);
    free(body);
    return ret;
}

/* A session, or a user and password by Basic auth (for Prometheus). */
static bool basic_ok(http_t *h, struct MHD_Connection *c, const http_session_t *s)
{
    char user[USER_NAME_MAX + 1], pw[USER_PASSWORD_MAX + 1];
    user_role_t role;
    uint64_t pw_hlc;
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    bool basic = !s && http_basic_auth(auth, user, sizeof user, pw, sizeof pw) && http_check_user(h, user, pw, &role, &pw_hlc);
    sodium_memzero(pw, sizeof pw);
    return s || basic;
}

/* Checks what the route's auth asks: true when the handler may run, else *ret holds
 * the refusal. */
static bool auth_ok(http_t *h, const http_route_t *rt, const http_req_t *r, enum MHD_Result *ret)
{
    struct MHD_Connection *c = r->c;
    switch (rt->auth) {
    case HTTP_AUTH_NONE:
    case HTTP_AUTH_ANY: return true;
    case HTTP_AUTH_PAGE:
        if (r->s) return true;
        *ret = http_respond(c, MHD_HTTP_SEE_OTHER, "text/plain", "", 0, NULL, "/login");
        return false;
    case HTTP_AUTH_SESSION:
        if (r->s) return true;
        *ret = http_json_error(c, MHD_HTTP_UNAUTHORIZED, "ESESSION", "sign in first (POST /login)");
        return false;
    case HTTP_AUTH_BASIC:
        if (basic_ok(h, c, r->s)) return true;
        *ret = http_json_error(c, MHD_HTTP_UNAUTHORIZED, "ESESSION", "sign in, or give a user with Basic auth");
        return false;
    case HTTP_AUTH_CHANGE:
        if (!r->s) *ret = http_json_error(c, MHD_HTTP_UNAUTHORIZED, "ESESSION", "sign in first (POST /login)");
        else if (r->s->bearer && r->s->scope == TOKEN_WRITE) return true; /* not a cookie: no CSRF to fear */
        else if (r->s->bearer) {
            char what[160];
            snprintf(what, sizeof what, "%s %.150s", r->method, r->url);
            http_note_refusal(h, c, r->s, what);
            *ret = http_json_error(c, MHD_HTTP_FORBIDDEN, "EREADONLY",
                                   "this token may only read (scope read): make a write token with 'accordctl token add --scope write'");
        } else if (!http_csrf_ok(c, r->s))
            *ret = http_json_error(c, MHD_HTTP_FORBIDDEN, "ECSRF", "send the X-CSRF-Token of the session with every change");
        else return true;
        return false;
    }
    *ret = MHD_NO;
    return false;
}

/* The token of "Authorization: Bearer TOKEN" on a JSON route that takes a session (the
 * /api/ routes: a token stands in for the cookie there, not on the pages), else NULL. */
static const char *bearer_token(struct MHD_Connection *c, const http_route_t *rt)
{
    if (rt->auth != HTTP_AUTH_SESSION && rt->auth != HTTP_AUTH_CHANGE) return NULL;
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7)) return NULL;
    for (auth += 7; *auth == ' ';) auth++;
    return auth;
}

/* The first call of a POST: where its body will go, a form's buffer or, for a route that
 * takes a file, a temporary file. A body its Content-Length says is too large is refused
 * before it is read (413), and so is a file when HTTP_MAX_UPLOADS are being received. */
static enum MHD_Result begin_upload(http_t *h, struct MHD_Connection *c, const char *method, const char *url,
                                    void **con_cls)
{
    const char *tail;
    const http_route_t *rt = http_route_find(method, url, &tail);
    bool file = http_route_takes_file(rt), json = http_route_takes_json(rt);
    size_t limit = file ? HTTP_MAX_UPLOAD : json ? HTTP_JSON_MAX : HTTP_MAX_BODY;
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (file && length && strtoull(length, NULL, 10) > limit)
        return http_json_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "ETOOBIG",
                               "a file to import is at most 20 MiB: split it, or import it with 'accord import'");
    if (file && h->n_uploads >= HTTP_MAX_UPLOADS)
        return http_json_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "EBUSY", "other files are being imported: try again in a minute");
    if (json && length && strtoull(length, NULL, 10) > limit)
        return http_json_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "ETOOBIG", "a body is at most 64 KiB");
    http_upload_t *u = calloc(1, sizeof *u);
    if (!u) return MHD_NO;
    u->body = json ? malloc(HTTP_JSON_MAX + 1) : u->form;
    u->limit = limit;
    if (!u->body) abort();
    if (file && !(u->file = tmpfile())) {
        if (u->body != u->form) free(u->body);
        free(u);
        return http_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "EIO", "no room for the file here: tell the node's operator");
    }
    h->n_uploads += file;
    *con_cls = u;
    return MHD_YES;
}

/* The next piece of a POST body: kept while within its limit, else only counted. */
static void take_upload(http_upload_t *u, const char *data, size_t n)
{
    if (u->too_big || u->len + n > u->limit) u->too_big = true;
    else if (u->file) u->write_failed |= fwrite(data, 1, n, u->file) != n;
    else memcpy(u->body + u->len, data, n);
    if (!u->too_big) u->len += n;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    http_t *h = cls;
    /* a body comes with POST and PATCH; HEAD is GET's route without its body */
    bool post = strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0, del = strcmp(method, "DELETE") == 0;
    http_upload_t *u = NULL;
    if (post) { /* gather the body first (bounded), then answer on the last call */
        u = *con_cls;
        if (!u) return begin_upload(h, c, method, url, con_cls);
        if (*upload_size) {
            take_upload(u, upload_data, *upload_size);
            *upload_size = 0;
            return MHD_YES;
        }
        if (u->job) return http_import_reply(c, u); /* its thread has ended and resumed us */
    } else if (!get && !del) {
        return http_json_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "EINVAL", "GET, POST, PATCH or DELETE only");
    }
    http_req_t r = {c, get ? "GET" : method, url, "", NULL, u};
    const http_route_t *rt = http_route_find(r.method, url, &r.tail);
    if (!rt || rt->auth != HTTP_AUTH_NONE) r.s = http_session_of(h, c);
    http_session_t bearer; /* an API token's session, for this request only */
    const char *token = rt && !r.s ? bearer_token(c, rt) : NULL;
    enum MHD_Result refused;
    if (token && !http_bearer_session(h, c, token, &bearer, &refused)) return refused;
    if (token) r.s = &bearer;
    if (!rt && !get) return http_json_error(c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such endpoint");
    if (!rt && !r.s) return http_json_error(c, MHD_HTTP_UNAUTHORIZED, "ESESSION", "sign in first (POST /login)");
    if (!rt) return http_json_error(c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such page");
    enum MHD_Result ret;
    if (!auth_ok(h, rt, &r, &ret)) return ret;
    return rt->handle(h, &r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode code)
{
    (void)c, (void)code;
    http_t *h = cls;
    http_upload_t *u = *con_cls;
    if (u) http_import_job_free(&u->job);
    if (u && u->file) {
        fclose(u->file); /* a tmpfile: gone with it */
        h->n_uploads--;
    }
    if (u && u->body != u->form) free(u->body);
    if (*con_cls) {
        sodium_memzero(*con_cls, sizeof(http_upload_t)); /* it may hold a password */
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
    http_throttle_new(h);
    snprintf(h->node, sizeof h->node, "%s", node_name);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->imports_done, NULL);
    /* suspend/resume: an import runs in its own thread while its connection waits */
    h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)port,
                            NULL, NULL, handle, h,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT, 64u,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, 32u, MHD_OPTION_CONNECTION_TIMEOUT, 15u,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
                            completed, h, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, cap, "cannot serve HTTP on %s:%ld (is the port taken?)", host, port);
        pthread_cond_destroy(&h->imports_done);
        pthread_mutex_destroy(&h->mu);
        http_throttle_free(h);
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
    http_import_wait(h);
    MHD_stop_daemon(h->d);
    accord_client_destroy(&h->client);
    pthread_cond_destroy(&h->imports_done);
    pthread_mutex_destroy(&h->mu);
    free(h->sync_json);
    free(h->metrics);
    sodium_memzero(h->sessions, sizeof h->sessions);
    http_throttle_free(h);
    free(h);
    *ph = NULL;
}
