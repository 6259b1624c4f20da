/* SPDX-License-Identifier: MIT
 * http_internal: what the http_*.c modules share and no one else sees: the http_t struct,
 * sessions, the request a route handler gets, and the route table's shape. Everything here
 * runs on libmicrohttpd's one polling thread, except the published text (under mu).
 *
 * Modules: http.c (start, stop, publish; the MHD callback that gathers a body, looks the
 * route up and checks its auth), http_routes.c (the route table and the page, asset and
 * report handlers), http_session.c (sign-in, sessions, CSRF), http_bridge.c (the node's own
 * API for the branch app, through the local socket and the API's verb table), http_print.c
 * (a quote's or an invoice's page to print, through the same socket), http_password.c
 * (passwords typed on the pages, hashed here before they reach the node's API). */
#ifndef ACCORD_HTTP_INTERNAL_H
#define ACCORD_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "http/http.h"
#include "http/http_json.h"
#include "api/api.h"
#include "auth/people.h"
#include "auth/throttle.h"
#include "auth/tokens.h"
#include "auth/users.h"
#include "client/accord_client.h"
#include "ops/report.h"

#define HTTP_MAX_SESSIONS 256
#define HTTP_MAX_BODY 4096
#define HTTP_MAX_UPLOAD (20u << 20) /* bytes of a file sent to a route that takes one (an import) */
#define HTTP_MAX_UPLOADS 4          /* such files being received at once (each in a temporary file) */
#define HTTP_COOKIE "accord_session"

typedef struct {
    char token[65]; /* hex of 32 random bytes; "" if free */
    char csrf[33];  /* hex of 16 random bytes: the X-CSRF-Token of every change */
    char user[USER_NAME_MAX + 1];
    user_role_t role;
    uint64_t last_ms; /* last request; idle 8 h, it is forgotten */
    uint64_t pw_hlc;  /* the version of the password it signed in with: a new one ends it */
    bool bearer;      /* an API token's, for one request (never in the table): no CSRF, scope below */
    token_scope_t scope; /* a bearer's: read (GET only) or write */
    char address[TOKEN_ADDRESS_MAX + 1]; /* a bearer's client address, for the audit */
} http_session_t;

struct http {
    struct MHD_Daemon *d;
    store_t *st;              /* borrowed; read transactions, and the short write ones of the
                               * audit and of tokens' last use (auth/audit.h, tokens.h) */
    char node[65];            /* this node's name */
    bool hub;                 /* '/' is the HQ dashboard; else the branch app */
    accord_client_t *client;  /* the MHD thread's link to this node's own API (writes go there) */
    pthread_mutex_t mu;       /* guards the published text; sessions belong to the MHD thread */
    char *sync_json, *metrics; /* published by the writer thread (http_publish) */
    size_t sync_len, metrics_len;
    http_session_t sessions[HTTP_MAX_SESSIONS];
    throttle_t *signin_accounts;  /* failed sign-ins per user name (http_session.c) */
    throttle_t *signin_addresses; /* and per client address */
    unsigned n_uploads;       /* files being received (http_upload_t.file), at most HTTP_MAX_UPLOADS */
    unsigned n_imports;       /* imports running in their own threads (under mu) */
    pthread_cond_t imports_done; /* signalled (under mu) as each ends */
    atomic_bool stopping;     /* http_stop: running imports stop after their batch */
    report_daily_t daily;     /* scratch of /api/daily (large); only the MHD thread uses it */
};

typedef struct {
    char form[HTTP_MAX_BODY + 1]; /* a form's body */
    char *body;               /* the body: form, or for a JSON route (/api/v1) a buffer of
                               * HTTP_JSON_MAX + 1 bytes of its own; unused when file is set */
    size_t len, limit;        /* bytes received; and how many the route takes */
    bool too_big;             /* the body was longer than its limit: refused */
    FILE *file;               /* a route that takes a file: the body, in a temporary file (up to
                               * HTTP_MAX_UPLOAD bytes); NULL for a form */
    bool write_failed;        /* the temporary file could not take the body (a full disk) */
    struct http_import_job *job; /* an import running for this request (http_import.c) */
} http_upload_t;

/* What a route handler is given. */
typedef struct {
    struct MHD_Connection *c;
    const char *method;       /* GET (HEAD too), POST, PATCH or DELETE */
    const char *url;
    const char *tail;         /* the url after a prefix route's path ("" for exact routes) */
    http_session_t *s;        /* the session; NULL when the route's auth lets none in */
    http_upload_t *u;         /* the POST body; NULL for GET */
} http_req_t;

typedef enum MHD_Result (*http_route_fn)(http_t *h, const http_req_t *r);

/* Who may reach a route; the dispatch checks it before the handler runs. */
typedef enum {
    HTTP_AUTH_NONE,    /* anyone; no session is looked up */
    HTTP_AUTH_ANY,     /* the session is looked up, and the handler decides (logout) */
    HTTP_AUTH_PAGE,    /* a session; without one, 303 to /login */
    HTTP_AUTH_SESSION, /* a session; without one, 401 JSON */
    HTTP_AUTH_BASIC,   /* a session or a user by Basic auth; else 401 JSON */
    HTTP_AUTH_CHANGE,  /* a session (401) and its X-CSRF-Token (403) */
} http_auth_t;

typedef struct {
    const char *method;       /* "GET" (HEAD too), "POST", "PATCH" or "DELETE" */
    const char *path;         /* exact, or a prefix when it ends in '/' */
    http_auth_t auth;
    http_route_fn handle;
} http_route_t;

/* The route for method and url, with *tail set past a prefix; NULL if none (http_routes.c). */
const http_route_t *http_route_find(const char *method, const char *url, const char **tail);

/* ---- replies (http.c) ---- */
enum MHD_Result http_respond(struct MHD_Connection *c, unsigned status, const char *type, const void *body,
                             size_t len, const char *cookie, const char *location);
/* The same with its own Content-Security-Policy (a printed page: no script, its one style). */
enum MHD_Result http_respond_with_policy(struct MHD_Connection *c, unsigned status, const char *type,
                                         const void *body, size_t len, const char *policy);
enum MHD_Result http_json_error(struct MHD_Connection *c, unsigned status, const char *code, const char *msg);
/* A reply with headers given as name, value pairs, NULL-ended (a NULL value is skipped):
 * an API's ETag, Location, Allow. type NULL: no body's type (204, 304). */
enum MHD_Result http_respond_with_headers(struct MHD_Connection *c, unsigned status, const char *type, const void *body,
                                          size_t len, const char *const *headers);
/* The same two with one more header (Retry-After, WWW-Authenticate); header may be NULL. */
enum MHD_Result http_respond_with_header(struct MHD_Connection *c, unsigned status, const char *type, const void *body,
                                         size_t len, const char *header, const char *value);
enum MHD_Result http_json_error_with_header(struct MHD_Connection *c, unsigned status, const char *code, const char *msg,
                                            const char *header, const char *value);

/* ---- sessions (http_session.c) ---- */
http_session_t *http_session_of(http_t *h, struct MHD_Connection *c);
/* A new session of user (in the table; the oldest makes room), pw_hlc the version of the
 * password it knows; valid until the MHD thread makes HTTP_MAX_SESSIONS more. */
http_session_t *http_session_new(http_t *h, const char *user, user_role_t role, uint64_t pw_hlc);
/* The Set-Cookie value that hands s to the browser (cap: 160 bytes are enough). */
void http_session_cookie(const http_session_t *s, char *out, size_t cap);
/* 0 if user may try a password from address now, else the ms until they may (the sign-in
 * throttle); http_signin_failed counts a wrong password and audits it. */
uint64_t http_signin_wait_ms(http_t *h, const char *user, const char *address);
void http_signin_failed(http_t *h, const char *user, const char *address);
/* The sign-in throttle's two tables, with the limits http_session.c sets, for
 * http_start; http_throttle_free for http_stop. */
void http_throttle_new(http_t *h);
void http_throttle_free(http_t *h);
/* The client's IP address as text ("" if unknown) into out (TOKEN_ADDRESS_MAX + 1 bytes). */
void http_client_address(struct MHD_Connection *c, char *out, size_t cap);
/* Whether the user login exists and may act, and the role: the one place the HTTP side
 * asks (a read transaction; tokens_user_status). */
bool http_user_status(http_t *h, const char *login, user_role_t *role);
/* For a request with "Authorization: Bearer TOKEN": true and *s a session of the token's
 * user for this request (s->bearer), its use noted (tokens_touch: at most once a minute,
 * with a token_used audit event); false with *ret the 401 (WWW-Authenticate: Bearer) for
 * a token unknown, revoked, expired or whose user is gone. */
bool http_bearer_session(http_t *h, struct MHD_Connection *c, const char *token, http_session_t *s, enum MHD_Result *ret);
/* Records a refusal for want of a permission (audit permission_refused): who, and what
 * they asked (the method and url). */
void http_note_refusal(http_t *h, struct MHD_Connection *c, const http_session_t *s, const char *what);
bool http_csrf_ok(struct MHD_Connection *c, const http_session_t *s);
/* Checks a user's password in a read transaction (Argon2id: about 0.1 s, on purpose). */
bool http_check_user(http_t *h, const char *user, const char *password, user_role_t *role, uint64_t *pw_hlc);
/* ---- the org's users (http_people.c) ---- */
/* 1 if login and password sign in here as one of the org's users (role set), 0 if not,
 * -1 if the org has no users (then the node's local users sign in). */
int http_people_sign_in(http_t *h, const char *login, const char *password, user_role_t *role, uint64_t *pw_hlc);
/* Whether the session's user may still sign in here (and its role now); a session that
 * may not is ended by the caller. */
bool http_people_session_valid(http_t *h, http_session_t *s);
/* What a session's reports count: every branch (an org-wide grant, or a node whose org has
 * no users), else the branches the user's grants cover (docs/PERMISSIONS.md). */
typedef struct {
    bool all;
    person_t p;
    store_txn_t *t; /* borrowed: the report's transaction */
} http_scope_t;
void http_scope_load(http_t *h, store_txn_t *t, const http_session_t *s, http_scope_t *sc);
bool http_scope_allows(void *ctx, const char *branch, size_t len); /* a report_allow_fn over http_scope_t */
bool http_people_on(http_t *h); /* the org has users (people.h) */
/* Whether the session may read this node's access audit: an admin covering this branch, at
 * the hub an org admin (a branch admin signed in at HQ is an admin there for b1 only). */
bool http_people_audits_here(http_t *h, const http_session_t *s);
/* 1 if login is one of the org's users, enabled, with a role here (role set), 0 if not, -1
 * if the org has no users: a token's user now (http_user_status). */
int http_people_status(http_t *h, const char *login, user_role_t *role);
/* The version (hash_hlc) of login's password if its stored hash is hash, else 0: what a
 * session made after the user set that password knows (http_password.c). */
uint64_t http_people_password_version(http_t *h, const char *login, const char *hash);
enum MHD_Result http_login_page(http_t *h, struct MHD_Connection *c, unsigned status, const char *message);
enum MHD_Result http_route_login_page(http_t *h, const http_req_t *r);
enum MHD_Result http_route_login(http_t *h, const http_req_t *r);
enum MHD_Result http_route_logout(http_t *h, const http_req_t *r);
enum MHD_Result http_route_session(http_t *h, const http_req_t *r);

/* GET /api/audit?since=&kind=&user=&limit= (admins): the access audit, newest first (http_session.c). */
enum MHD_Result http_route_audit(http_t *h, const http_req_t *r);

/* ---- importing a file (http_import.c) ---- */
/* POST /api/import/preview, /check, /run: the body is the file (http_import.c says more). */
enum MHD_Result http_route_import(http_t *h, const http_req_t *r);
/* True for a route whose body is a file (up to HTTP_MAX_UPLOAD) rather than a form. */
bool http_route_takes_file(const http_route_t *rt);
/* The request's import has ended (its connection was resumed): queues its reply. */
enum MHD_Result http_import_reply(struct MHD_Connection *c, http_upload_t *u);
/* Frees what a request's import left (after its reply; NULL is fine). */
void http_import_job_free(struct http_import_job **job);
/* Asks running imports to stop after their batch and waits until they have (http_stop,
 * before MHD_stop_daemon: their connections are suspended until then). */
void http_import_wait(http_t *h);

/* ---- the node's API for the branch app (http_bridge.c) ---- */
enum MHD_Result http_route_node_read(http_t *h, const http_req_t *r);
enum MHD_Result http_route_node_change(http_t *h, const http_req_t *r);
/* Calls verb with args on the node's API through h's client (made on first use, dropped
 * when the node does not answer): the reply's code, *r to free with accord_reply_destroy. */
int http_node_call(http_t *h, const char *verb, accord_args_t *args, accord_reply_t *r);
/* The JSON answer to a call: {ok, result} or {error, message}, the status from the code
 * (EPERM and EAUTH 403, ENOTFOUND 404, EREADONLY and EDELETED 409, ECHANGED 412, ENET 503, others 400). */
enum MHD_Result http_node_reply(struct MHD_Connection *c, int rc, const accord_reply_t *r);

/* ---- the API for other systems, /api/v1 (http_v1.c, http_openapi.c) ---- */
/* GET, POST, PATCH, DELETE /api/v1/...: docs/API.md; the route table is http_v1.c's. */
enum MHD_Result http_route_v1(http_t *h, const http_req_t *r);
/* GET /api/v1/openapi.json: the OpenAPI 3.1 document, made from that same table. */
enum MHD_Result http_route_openapi(http_t *h, const http_req_t *r);
/* True for a route whose body is JSON (up to HTTP_JSON_MAX) rather than a form. */
bool http_route_takes_json(const http_route_t *rt);
/* Whether a session of role have may call a verb the API's table says needs need (the
 * bridge's rule, http_bridge.c: managers read, staff and admins change, LOCAL never). */
bool http_role_allows(api_role_t need, user_role_t have);

/* ---- passwords from the pages (http_password.c) ---- */
/* POST /api/password (current, password, again): the signed-in user's own. */
enum MHD_Result http_route_password(http_t *h, const http_req_t *r);
/* POST /api/users/add (login, name, password, role) and /api/users/password (login,
 * password): an admin makes a user, or resets another's password. */
enum MHD_Result http_route_users_add(http_t *h, const http_req_t *r);
enum MHD_Result http_route_users_password(http_t *h, const http_req_t *r);

/* ---- printable documents (http_print.c) ---- */
/* GET /print/invoice/ID, /print/quote/ID[?lang=en|fa]: the page client/print.h writes. */
enum MHD_Result http_route_print(http_t *h, const http_req_t *r);

#endif
