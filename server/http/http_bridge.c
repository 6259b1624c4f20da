/* SPDX-License-Identifier: MIT
 * http_bridge: the node's own API for the branch app, /api/node/VERB. The MHD thread is a
 * client of the local socket like the CLIs, so every change still goes through the node's
 * single writer; the author is the signed-in user. Which verbs are served, and to whom, is
 * the API's verb table's word (api.h): a write by POST (form body, X-CSRF-Token), a read by
 * GET; LOCAL verbs never. A form has no nil: clear=FIELD (repeatable) empties a field. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "proto/accord_err.h"
#include "proto/json.h"
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A form's values are text; these arguments of the list and search verbs are not. */
static bool is_flag(const char *key)
{
    static const char *const flags[] = {"open", "overdue", "all", "desc", "totals", "by_id"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (!strcmp(key, flags[i])) return true;
    return false;
}

static bool is_count(const char *key)
{
    return !strcmp(key, "limit") || !strcmp(key, "offset");
}

static bool whole_number(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 9) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static enum MHD_Result bridge(http_t *h, struct MHD_Connection *c, const http_session_t *s, const char *verb, http_upload_t *u)
{
    bridge_args_t a = {0};
    if (u) {
        if (u->too_big) return http_json_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "ETOOBIG", "a change is at most 4 KiB");
        if (!form_args(u->body, u->len, &a)) return http_json_error(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "the form is malformed");
    } else {
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
        if (a.too_many) return http_json_error(c, MHD_HTTP_BAD_REQUEST, "ETOOBIG", "at most 64 arguments");
    }
    for (unsigned i = 0; i < a.n; i++) /* a hash made elsewhere could skip the password's rules */
        if (!strcmp(a.key[i], "password_hash"))
            return http_json_error(c, MHD_HTTP_BAD_REQUEST, "EINVAL",
                                   "password_hash: send the password to POST /api/password or /api/users/password, "
                                   "which check and hash it here; a hash is not taken over HTTP");
    accord_args_t args;
    accord_args_init(&args);
    bool used[BRIDGE_MAX_ARGS] = {false};
    for (unsigned i = 0; i < a.n; i++) {
        if (used[i] || !strcmp(a.key[i], "user")) continue; /* the author is who signed in */
        if (!strcmp(a.key[i], "clear")) { /* a form has no nil: clear=FIELD empties it, as the CLI's --clear */
            if (a.val[i][0]) accord_args_nil(&args, a.val[i]);
            used[i] = true;
            continue;
        }
        const char *vals[BRIDGE_MAX_ARGS];
        unsigned n = 0;
        for (unsigned j = i; j < a.n; j++)
            if (!used[j] && !strcmp(a.key[j], a.key[i])) vals[n++] = a.val[j], used[j] = true;
        bool set_op = !strncmp(a.key[i], "add:", 4) || !strncmp(a.key[i], "remove:", 7);
        if (n == 1 && is_flag(a.key[i])) accord_args_bool(&args, a.key[i], !strcmp(vals[0], "true") || !strcmp(vals[0], "1"));
        else if (n == 1 && is_count(a.key[i]) && whole_number(vals[0])) accord_args_int(&args, a.key[i], strtoll(vals[0], NULL, 10));
        else if (n == 1 && !set_op) accord_args_str(&args, a.key[i], vals[0]);
        else accord_args_strv(&args, a.key[i], vals, n);
    }
    accord_args_str(&args, "user", s->user);
    accord_reply_t r;
    int rc = http_node_call(h, verb, &args, &r);
    accord_args_destroy(&args);
    enum MHD_Result ret = http_node_reply(c, rc, &r);
    accord_reply_destroy(&r);
    return ret;
}

int http_node_call(http_t *h, const char *verb, accord_args_t *args, accord_reply_t *r)
{
    memset(r, 0, sizeof *r);
    msgpack_unpacked_init(&r->msg); /* accord_reply_destroy is safe when no call was made */
    if (!h->client && accord_client_new(store_dir(h->st), 10000, &h->client)) return ACCORD_ENET;
    int rc = accord_call(h->client, verb, args, r);
    if (rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT) accord_client_destroy(&h->client); /* a new socket next time */
    return rc;
}

enum MHD_Result http_node_reply(struct MHD_Connection *c, int rc, const accord_reply_t *r)
{
    if (rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT)
        return http_json_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, accord_errname(rc), "the node did not answer");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return MHD_NO;
    if (rc) {
        fprintf(f, "{\"error\":\"%s\",\"message\":", accord_errname(rc));
        json_write_string(f, r->message, strlen(r->message));
        fprintf(f, "}\n");
    } else {
        fprintf(f, "{\"ok\":true,\"result\":");
        json_write_msgpack(f, &r->body);
        fprintf(f, "}\n");
    }
    fclose(f);
    unsigned status = !rc ? MHD_HTTP_OK : rc == ACCORD_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                    : rc == ACCORD_EPERM || rc == ACCORD_EAUTH ? MHD_HTTP_FORBIDDEN
                    : rc == ACCORD_EREADONLY || rc == ACCORD_EDELETED ? MHD_HTTP_CONFLICT
                    : rc == ACCORD_ECHANGED ? MHD_HTTP_PRECONDITION_FAILED : MHD_HTTP_BAD_REQUEST;
    enum MHD_Result ret = http_respond(c, status, "application/json", buf, len, NULL, NULL);
    free(buf);
    return ret;
}

bool http_role_allows(api_role_t need, user_role_t have)
{
    switch (need) {
    case API_ROLE_ANY: return true;
    case API_ROLE_STAFF: return have == USER_ADMIN || have == USER_STAFF;
    case API_ROLE_LOCAL: return false;
    }
    return false;
}

/* The verb the branch app may call by this method: a write by POST, a read by GET. */
static const api_verb_t *served_verb(const char *name, bool write)
{
    const api_verb_t *v = api_verb_find(name, strlen(name));
    return v && v->write == write && v->role != API_ROLE_LOCAL ? v : NULL;
}

/* GET /api/node/VERB?ARGS */
enum MHD_Result http_route_node_read(http_t *h, const http_req_t *r)
{
    const api_verb_t *v = served_verb(r->tail, false);
    if (!v) return http_json_error(r->c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such read");
    if (!http_role_allows(v->role, r->s->role)) {
        http_note_refusal(h, r->c, r->s, r->url);
        return http_json_error(r->c, MHD_HTTP_FORBIDDEN, "EREADONLY", "your role may not read this");
    }
    return bridge(h, r->c, r->s, r->tail, NULL);
}

/* POST /api/node/VERB, a form body: the role is checked before the verb, so a manager
 * learns nothing of which changes exist. */
enum MHD_Result http_route_node_change(http_t *h, const http_req_t *r)
{
    const api_verb_t *v = served_verb(r->tail, true);
    if (!http_role_allows(v ? v->role : API_ROLE_STAFF, r->s->role)) {
        http_note_refusal(h, r->c, r->s, r->url);
        return http_json_error(r->c, MHD_HTTP_FORBIDDEN, "EREADONLY", "a manager reads; staff and admins change records");
    }
    if (!v) return http_json_error(r->c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such change");
    return bridge(h, r->c, r->s, r->tail, r->u);
}
