/* SPDX-License-Identifier: MIT
 * http: the hub's dashboard and JSON endpoints over HTTP (libmicrohttpd), on loopback
 * unless told otherwise. It runs in libmicrohttpd's own thread and reads the store (LMDB
 * read transactions; it writes only the access audit and tokens' last use, in short
 * transactions of their own); what lives in the writer thread's memory (sync sessions,
 * latencies) reaches it as text the main loop publishes once a second.
 *
 *   GET  /login, /login.js, POST /login (user, password: Argon2id, users.h) -> session cookie
 *        (HttpOnly, SameSite=Strict, 8 h idle); failures throttled per user and address (429,
 *        Retry-After; http_session.c); POST /logout needs the X-CSRF-Token header
 *   GET  / (dashboard or branch app), /assets/NAME (scripts, styles)  session; /app.css none
 *   GET  /api/session, /api/report?period=&branch=, /api/daily?period=&branch=, /api/sync,
 *        /api/customers?currency=&branch=&top= (RFM segments, top customers),
 *        /api/audit?since=&kind=&user=&limit= (admins)        session or Bearer token (JSON)
 *   GET  /metrics (Prometheus text)                               session or Basic auth
 *   GET  /api/node/VERB?ARGS (get, list, search, history, conflicts, status, dupes) and
 *   POST /api/node/VERB (create, update, delete, resolve, merge; form body; X-CSRF-Token;
 *        staff or admin): the node's own API, as the signed-in user — the branch app (/app,
 *        '/' on a branch) works through them
 *   GET  /print/invoice/ID, /print/quote/ID[?lang=en|fa] (a page to print: HTML, no script,
 *        the customer's language; http_print.c)                           session (page)
 *   POST /api/import/preview, /check, /run (the body: a CSV or vCard file of at most
 *        20 MiB; X-CSRF-Token; staff or admin): the CLI's import (http_import.c)
 *   POST /api/password (current, password, again: one's own; a fresh session cookie),
 *        /api/users/add (login, name, password, role), /api/users/password (login,
 *        password) (admins; X-CSRF-Token): passwords hashed here, the hash to the node's
 *        user_set / user_add (http_password.c); 409 before the org has users
 * Anything else is 404; a request without a valid session is 401 (pages: 303 to /login).
 * On the JSON routes "Authorization: Bearer TOKEN" (auth/tokens.h) stands in for a
 * session: read tokens GET only, write tokens POST without X-CSRF-Token; a bad token is
 * 401 with WWW-Authenticate: Bearer.
 * The routes are one table (http_routes.c: method, path, auth, handler); which verbs
 * /api/node/ serves, and to which role, is the API's verb table's word (api.h). */
#ifndef ACCORD_HTTP_H
#define ACCORD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

typedef struct http http_t;

/* Listens on "PORT" (127.0.0.1) or "ADDRESS:PORT" (IPv4). NULL with err filled on failure. */
http_t *http_start(store_t *st, const char *node_name, bool hub, const char *listen, char *err, size_t cap);
/* What the writer thread knows: sync status as JSON and the Prometheus text (copied). */
void http_publish(http_t *h, const char *sync_json, size_t sync_len, const char *metrics, size_t metrics_len);
void http_stop(http_t **h);

#endif
