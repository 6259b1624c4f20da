/* SPDX-License-Identifier: MIT
 * http_v1: the HTTP JSON API for other systems, /api/v1 (docs/API.md). Each route is the
 * local API's verb of the same meaning, called through the node's socket as the bridge
 * calls it (http_bridge.c), so every change goes through the single writer and
 * people_admit with the token's (or the session's) user as its author, and every refusal is
 * the local API's code and message. What HTTP adds: collections by kind, JSON bodies
 * (http_json.h), paging by cursor, updated_since, and ETag / If-Match on every change of a
 * record (the local API's etag and if_match). The collections and routes are the tables
 * below; http_openapi.c describes the same tables, so the document cannot leave one out. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "http/http_v1.h"
#include "api/api.h"
#include "proto/accord_err.h"
#include "proto/json.h"
#include "proto/request.h"
#include "proto/schema.h"
#include "state/entity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The list filters a collection's GET takes besides limit, cursor and updated_since: the
 * local list's (docs/PROTOCOL.md), which says which of them a kind has. */
const char *const http_v1_list_filters[] = {
    "branch", "tag", "assigned", "city", "segment", "stage", "customer", "status", "priority", "category",
    "doc", "deal", "quote", "order", "state", "open", "overdue", "due", "due_from", "due_to", "assignee", NULL,
};

const http_v1_collection_t http_v1_collections[] = {
    /* path          kind               changed */
    {"customers",    KIND_CUSTOMER,     true},
    {"contacts",     KIND_CONTACT,      true},
    {"deals",        KIND_DEAL,         true},
    {"tasks",        KIND_TASK,         true},
    {"interactions", KIND_INTERACTION,  false}, /* insert-only: what happened stays as written */
    {"notes",        KIND_NOTE,         false},
    {"products",     KIND_PRODUCT,      true},
    {"quotes",       KIND_QUOTE,        true},
    {"orders",       KIND_ORDER,        true},
    {"invoices",     KIND_INVOICE,      true},
    {"lines",        KIND_LINE,         true},
    {"tickets",      KIND_TICKET,       true},
    {NULL, 0, false},
};

const http_v1_route_t http_v1_routes[] = {
    /* method   path                         op              verb */
    {"GET",    "/{collection}",              V1_LIST,        "list"},
    {"POST",   "/{collection}",              V1_CREATE,      "create"},
    {"GET",    "/{collection}/{id}",         V1_GET,         "get"},
    {"PATCH",  "/{collection}/{id}",         V1_UPDATE,      "update"},
    {"DELETE", "/{collection}/{id}",         V1_DELETE,      "delete"},
    {"GET",    "/{collection}/{id}/history", V1_HISTORY,     "history"},
    {"POST",   "/invoices/{id}/payments",    V1_PAY,         "pay"},
    {"GET",    "/me",                        V1_ME,          "whoami"}, /* answered here; whoami's role: anyone */
    {NULL, NULL, 0, NULL},
};

#define V1_LIST_DEFAULT 100
#define V1_MAX_QUERY 24 /* query arguments of a list */

const http_v1_collection_t *http_v1_collection(const char *name, size_t len)
{
    for (const http_v1_collection_t *c = http_v1_collections; c->path; c++)
        if (strlen(c->path) == len && !memcmp(c->path, name, len)) return c;
    return NULL;
}

bool http_v1_allows(const http_v1_route_t *rt, const http_v1_collection_t *coll)
{
    if (rt->op == V1_UPDATE || rt->op == V1_DELETE) return coll && coll->changed;
    return true;
}

const http_v1_route_t *http_v1_route(const char *method, const char *tail, http_v1_target_t *tg, bool *path_known)
{
    memset(tg, 0, sizeof *tg);
    *path_known = false;
    const char *seg[4];
    size_t len[4], n = 0;
    for (const char *p = tail; n < 4;) {
        const char *slash = strchr(p, '/');
        seg[n] = p;
        len[n++] = slash ? (size_t)(slash - p) : strlen(p);
        if (!slash) break;
        p = slash + 1;
    }
    if (n > 3 || !len[0] || (n > 1 && !len[n - 1])) return NULL;
    http_v1_op_t want;
    if (n == 1 && len[0] == 2 && !memcmp(seg[0], "me", 2)) want = V1_ME;
    else if (!(tg->coll = http_v1_collection(seg[0], len[0]))) return NULL;
    else if (n == 3 && tg->coll->kind == KIND_INVOICE && len[2] == 8 && !memcmp(seg[2], "payments", 8)) want = V1_PAY;
    else if (n == 3 && len[2] == 7 && !memcmp(seg[2], "history", 7)) want = V1_HISTORY;
    else if (n == 3) return NULL;
    else want = n == 1 ? V1_LIST : V1_GET;
    if (n >= 2) {
        if (len[1] > sizeof tg->id - 1) return NULL;
        memcpy(tg->id, seg[1], len[1]);
        tg->id[len[1]] = 0;
    }
    *path_known = true;
    /* the routes of this path: a collection's (LIST, CREATE) or a record's (GET, UPDATE, DELETE) */
    for (const http_v1_route_t *rt = http_v1_routes; rt->method; rt++) {
        bool same_path = want == V1_LIST ? rt->op == V1_LIST || rt->op == V1_CREATE
                       : want == V1_GET ? rt->op == V1_GET || rt->op == V1_UPDATE || rt->op == V1_DELETE
                       : rt->op == want;
        if (same_path && !strcmp(rt->method, method) && http_v1_allows(rt, tg->coll)) return rt;
    }
    return NULL;
}

/* ---- replies ---- */

static unsigned status_of(int rc)
{
    switch (rc) {
    case 0: return MHD_HTTP_OK;
    case ACCORD_ENOTFOUND: return MHD_HTTP_NOT_FOUND;
    case ACCORD_EPERM:
    case ACCORD_EAUTH: return MHD_HTTP_FORBIDDEN;
    case ACCORD_EREADONLY:
    case ACCORD_EDELETED:
    case ACCORD_EEXISTS: return MHD_HTTP_CONFLICT;
    case ACCORD_ECHANGED: return MHD_HTTP_PRECONDITION_FAILED;
    case ACCORD_ETOOBIG: return MHD_HTTP_CONTENT_TOO_LARGE;
    case ACCORD_EFULL: return MHD_HTTP_INSUFFICIENT_STORAGE;
    case ACCORD_ENET:
    case ACCORD_ETIMEOUT: return MHD_HTTP_SERVICE_UNAVAILABLE;
    default: return rc == ACCORD_ESTORE ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_BAD_REQUEST;
    }
}

/* {error, message}: the local API's code and sentence. */
static enum MHD_Result v1_error(struct MHD_Connection *c, int rc, const char *message)
{
    return http_json_error(c, status_of(rc), accord_errname(rc), message);
}

static enum MHD_Result call_error(struct MHD_Connection *c, int rc, const accord_reply_t *r)
{
    bool silent = rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT;
    return v1_error(c, rc, silent ? "the node did not answer: try again" : r->message);
}

/* A msgpack object as JSON text (malloc'd, *len bytes), or NULL if out of memory. */
static char *json_of(const msgpack_object *o, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f) return NULL;
    json_write_msgpack(f, o);
    fputc('\n', f);
    fclose(f);
    return buf;
}

/* A record (get's reply, with etag) as the reply: its ETag, and Location for a new one. */
static enum MHD_Result send_record(struct MHD_Connection *c, unsigned status, const msgpack_object *rec,
                                   const http_v1_collection_t *coll)
{
    char etag[ENTITY_ETAG_LEN + 3], tag[ENTITY_ETAG_LEN + 1], id[40], location[96];
    accord_obj_str(rec, "etag", tag, sizeof tag);
    snprintf(etag, sizeof etag, "\"%s\"", tag);
    accord_obj_str(rec, "id", id, sizeof id);
    snprintf(location, sizeof location, "/api/v1/%s/%s", coll->path, id);
    size_t len;
    char *body = json_of(rec, &len);
    if (!body) return MHD_NO;
    const char *headers[] = {"ETag", etag, "Location", status == MHD_HTTP_CREATED ? location : NULL, NULL};
    enum MHD_Result ret = http_respond_with_headers(c, status, "application/json", body, len, headers);
    free(body);
    return ret;
}

/* ---- calling the node as the request's user ---- */

/* The verb's role against the session's: a manager's token reads, staff's and admins' change. */
static bool may_call(http_t *h, const http_req_t *r, const char *verb)
{
    const api_verb_t *v = api_verb_find(verb, strlen(verb));
    if (v && http_role_allows(v->role, r->s->role)) return true;
    http_note_refusal(h, r->c, r->s, r->url);
    return false;
}

static int call_as(http_t *h, const http_req_t *r, const char *verb, accord_args_t *args, accord_reply_t *rep)
{
    accord_args_str(args, "user", r->s->user);
    return http_node_call(h, verb, args, rep);
}

/* The record id of kind coll, with etag; ENOTFOUND (message set) if it is another kind's. */
static int get_record(http_t *h, const http_req_t *r, const http_v1_collection_t *coll, const char *id, accord_reply_t *rep)
{
    accord_args_t args;
    accord_args_init(&args);
    accord_args_str(&args, "id", id);
    accord_args_bool(&args, "etag", true);
    int rc = call_as(h, r, "get", &args, rep);
    accord_args_destroy(&args);
    char kind[32];
    if (!rc && strcmp(accord_obj_str(&rep->body, "kind", kind, sizeof kind), schema_kind_name(coll->kind))) {
        snprintf(rep->message, sizeof rep->message, "no %s has that id (it is a %s's)", schema_kind_name(coll->kind), kind);
        rc = ACCORD_ENOTFOUND;
    }
    return rc;
}

/* The etag of an If-Match (or If-None-Match) header: its quotes and a weak W/ taken off.
 * false if there is none; "*" stays "*". */
static bool header_etag(struct MHD_Connection *c, const char *name, char *out, size_t cap)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    if (!v) return false;
    while (*v == ' ') v++;
    if (!strncmp(v, "W/", 2)) v += 2;
    size_t n = strlen(v);
    while (n && v[n - 1] == ' ') n--;
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') v++, n -= 2;
    if (n >= cap) n = cap - 1;
    memcpy(out, v, n);
    out[n] = 0;
    return true;
}

/* A page of the local API ({items, more, next}) as {items, more, next_cursor}. */
static enum MHD_Result send_page(struct MHD_Connection *c, const msgpack_object *page)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    const msgpack_object *items = accord_obj_get(page, "items"), *more = accord_obj_get(page, "more"),
                         *next = accord_obj_get(page, "next");
    fputs("{\"items\":", f);
    if (items) json_write_msgpack(f, items);
    else fputs("[]", f);
    fprintf(f, ",\"more\":%s,\"next_cursor\":", more && more->type == MSGPACK_OBJECT_BOOLEAN && more->via.boolean ? "true" : "false");
    if (next && next->type == MSGPACK_OBJECT_STR) json_write_msgpack(f, next);
    else fputs("null", f);
    fputs("}\n", f);
    fclose(f);
    enum MHD_Result ret = http_respond(c, MHD_HTTP_OK, "application/json", buf, len, NULL, NULL);
    free(buf);
    return ret;
}

/* ---- the routes ---- */

typedef struct {
    accord_args_t *args;
    char bad[64];   /* the first argument not taken */
    char twice[64]; /* the first argument given twice */
    char too_long[64]; /* the first argument past REQUEST_MAX_STR bytes */
    const char *keys[V1_MAX_QUERY]; /* the arguments so far (MHD's, valid for the request) */
    unsigned n;
    bool too_many;
    int limit;      /* 0: not given; -1: not a number in range */
} list_query_t;

static bool known_filter(const char *key)
{
    for (const char *const *f = http_v1_list_filters; *f; f++)
        if (!strcmp(*f, key)) return true;
    return false;
}

static enum MHD_Result take_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    list_query_t *q = cls;
    if (q->n == V1_MAX_QUERY) { q->too_many = true; return MHD_NO; }
    if (!value) value = "";
    /* the node's decoder refuses a key given twice and text past its bound, and such a call
     * is never answered: refused here, before it is sent */
    for (unsigned i = 0; i < q->n; i++)
        if (!strcmp(q->keys[i], key) && !q->twice[0]) snprintf(q->twice, sizeof q->twice, "%.60s", key);
    if (strlen(value) > REQUEST_MAX_STR && !q->too_long[0]) snprintf(q->too_long, sizeof q->too_long, "%.60s", key);
    q->keys[q->n++] = key;
    if (!strcmp(key, "limit")) {
        char *end;
        long n = strtol(value, &end, 10);
        q->limit = *value && !*end && n >= 1 && n <= 1000 ? (int)n : -1;
    } else if (!strcmp(key, "cursor")) accord_args_str(q->args, "after", value);
    else if (!strcmp(key, "updated_since") || !strcmp(key, "q") || !strcmp(key, "by") || known_filter(key))
        accord_args_str(q->args, key, value);
    else if (!q->bad[0]) snprintf(q->bad, sizeof q->bad, "%.60s", key);
    return MHD_YES;
}

/* GET /api/v1/{collection}?limit=&cursor=&updated_since=&FILTER=...: a page {items, more,
 * next_cursor}; with q (and by), the local API's search of the collection instead, one page
 * (a narrower q finds the rest: no cursor). */
static enum MHD_Result route_list(http_t *h, const http_req_t *r, const http_v1_collection_t *coll)
{
    const char *query = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "q");
    bool search = query != NULL;
    accord_args_t args;
    accord_args_init(&args);
    list_query_t q = {.args = &args};
    MHD_get_connection_values(r->c, MHD_GET_ARGUMENT_KIND, take_query, &q);
    char msg[600];
    int rc = 0;
    if (q.too_many) rc = accord_fail(msg, sizeof msg, ACCORD_ETOOBIG, "at most %d query arguments", V1_MAX_QUERY);
    else if (q.twice[0]) rc = accord_fail(msg, sizeof msg, ACCORD_EINVAL, "'%s' given twice: give each query argument once", q.twice);
    else if (q.too_long[0])
        rc = accord_fail(msg, sizeof msg, ACCORD_ETOOBIG, "%s: at most %d bytes", q.too_long, REQUEST_MAX_STR);
    else if (q.bad[0]) {
        size_t n = (size_t)snprintf(msg, sizeof msg, "unknown query argument '%s': a list takes limit, cursor, updated_since, q, by", q.bad);
        for (const char *const *f = http_v1_list_filters; *f && n < sizeof msg; f++)
            n += (size_t)snprintf(msg + n, sizeof msg - n, ", %s", *f);
        rc = ACCORD_EINVAL;
    } else if (q.limit < 0) rc = accord_fail(msg, sizeof msg, ACCORD_EINVAL, "limit: a whole number from 1 to 1000");
    else if (search && (MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "cursor") ||
                        MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "updated_since")))
        rc = accord_fail(msg, sizeof msg, ACCORD_EINVAL, "q: a search is one page (narrow q to find the rest): no cursor or updated_since");
    else if (!search && MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "by"))
        rc = accord_fail(msg, sizeof msg, ACCORD_EINVAL, "by: says what q is searched by; give q too");
    if (rc) {
        accord_args_destroy(&args);
        return v1_error(r->c, rc, msg);
    }
    accord_args_str(&args, "kind", schema_kind_name(coll->kind));
    accord_args_int(&args, "limit", q.limit ? q.limit : V1_LIST_DEFAULT);
    if (!search) accord_args_bool(&args, "etag", true);
    /* a page in the order the cursor walks: ids, or for a list of changes the order made */
    if (!search && !MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "updated_since")) accord_args_bool(&args, "by_id", true);
    accord_reply_t rep;
    rc = call_as(h, r, search ? "search" : "list", &args, &rep);
    accord_args_destroy(&args);
    if (rc) {
        enum MHD_Result ret = call_error(r->c, rc, &rep);
        accord_reply_destroy(&rep);
        return ret;
    }
    enum MHD_Result ret = send_page(r->c, &rep.body);
    accord_reply_destroy(&rep);
    return ret;
}

/* The body's fields into args, or the refusal. */
static bool body_args(const http_req_t *r, accord_args_t *args, enum MHD_Result *ret)
{
    char msg[512];
    int rc;
    if (!r->u || r->u->too_big) rc = accord_fail(msg, sizeof msg, ACCORD_ETOOBIG, "a body is at most %u KiB", HTTP_JSON_MAX >> 10);
    else {
        const char *type = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Content-Type");
        if (!type || strncmp(type, "application/json", 16))
            rc = accord_fail(msg, sizeof msg, ACCORD_EINVAL, "send the body as Content-Type: application/json");
        else rc = http_json_args(r->u->body, r->u->len, args, msg, sizeof msg);
    }
    if (rc) *ret = v1_error(r->c, rc, msg);
    return !rc;
}

/* GET the record after a change, as the change's reply. */
static enum MHD_Result send_after(http_t *h, const http_req_t *r, const http_v1_collection_t *coll, const char *id,
                                  unsigned status)
{
    accord_reply_t rep;
    int rc = get_record(h, r, coll, id, &rep);
    enum MHD_Result ret = rc ? call_error(r->c, rc, &rep) : send_record(r->c, status, &rep.body, coll);
    accord_reply_destroy(&rep);
    return ret;
}

/* POST /api/v1/{collection}: 201, the record, Location and ETag. */
static enum MHD_Result route_create(http_t *h, const http_req_t *r, const http_v1_collection_t *coll)
{
    accord_args_t args;
    accord_args_init(&args);
    enum MHD_Result ret;
    if (!body_args(r, &args, &ret)) {
        accord_args_destroy(&args);
        return ret;
    }
    accord_args_str(&args, "kind", schema_kind_name(coll->kind));
    accord_reply_t rep;
    int rc = call_as(h, r, "create", &args, &rep);
    accord_args_destroy(&args);
    char id[40];
    accord_obj_str(&rep.body, "id", id, sizeof id);
    ret = rc ? call_error(r->c, rc, &rep) : send_after(h, r, coll, id, MHD_HTTP_CREATED);
    accord_reply_destroy(&rep);
    return ret;
}

/* GET /api/v1/{collection}/{id}: the record and its ETag; 304 for an If-None-Match that is it. */
static enum MHD_Result route_get(http_t *h, const http_req_t *r, const http_v1_collection_t *coll, const char *id)
{
    accord_reply_t rep;
    int rc = get_record(h, r, coll, id, &rep);
    char have[ENTITY_ETAG_LEN + 1], seen[ENTITY_ETAG_LEN + 3];
    enum MHD_Result ret;
    if (rc) ret = call_error(r->c, rc, &rep);
    else if (header_etag(r->c, "If-None-Match", seen, sizeof seen) &&
             !strcmp(seen, accord_obj_str(&rep.body, "etag", have, sizeof have))) {
        char etag[ENTITY_ETAG_LEN + 3];
        snprintf(etag, sizeof etag, "\"%s\"", have);
        const char *headers[] = {"ETag", etag, NULL};
        ret = http_respond_with_headers(r->c, MHD_HTTP_NOT_MODIFIED, NULL, "", 0, headers);
    } else ret = send_record(r->c, MHD_HTTP_OK, &rep.body, coll);
    accord_reply_destroy(&rep);
    return ret;
}

/* PATCH and DELETE /api/v1/{collection}/{id}: If-Match is required ("*": whatever it holds),
 * checked by the node in the change's own transaction (if_match). */
static enum MHD_Result route_change(http_t *h, const http_req_t *r, const http_v1_collection_t *coll, const char *id,
                                    bool deleting)
{
    char match[ENTITY_ETAG_LEN + 3];
    if (!header_etag(r->c, "If-Match", match, sizeof match))
        return http_json_error(r->c, MHD_HTTP_PRECONDITION_REQUIRED, "EPRECONDITION",
                               "send If-Match with the ETag you read (GET the record first), or If-Match: * to change "
                               "whatever it holds now");
    accord_reply_t rep;
    int rc = get_record(h, r, coll, id, &rep); /* 404 for another kind's id, before any change */
    char full_id[40];
    accord_obj_str(&rep.body, "id", full_id, sizeof full_id);
    enum MHD_Result refused = rc ? call_error(r->c, rc, &rep) : MHD_NO;
    accord_reply_destroy(&rep);
    if (rc) return refused;
    accord_args_t args;
    accord_args_init(&args);
    enum MHD_Result ret;
    if (!deleting && !body_args(r, &args, &ret)) {
        accord_args_destroy(&args);
        return ret;
    }
    accord_args_str(&args, "id", full_id);
    if (strcmp(match, "*")) accord_args_str(&args, "if_match", match);
    rc = call_as(h, r, deleting ? "delete" : "update", &args, &rep);
    accord_args_destroy(&args);
    if (rc) ret = call_error(r->c, rc, &rep);
    else if (deleting) ret = http_respond_with_headers(r->c, MHD_HTTP_NO_CONTENT, NULL, "", 0, NULL);
    else ret = send_after(h, r, coll, full_id, MHD_HTTP_OK);
    accord_reply_destroy(&rep);
    return ret;
}

/* GET /api/v1/{collection}/{id}/history?limit=&cursor=: the record's changes, oldest first,
 * each signed ({items: [{when, author, branch, seq, signature, hlc, changes}], more,
 * next_cursor}). */
static enum MHD_Result route_history(http_t *h, const http_req_t *r, const http_v1_collection_t *coll, const char *id)
{
    accord_args_t args;
    accord_args_init(&args);
    list_query_t q = {.args = &args};
    MHD_get_connection_values(r->c, MHD_GET_ARGUMENT_KIND, take_query, &q);
    accord_args_destroy(&args);
    accord_args_init(&args);
    const char *cursor = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "cursor");
    if (q.too_many || q.limit < 0 || (q.n > (unsigned)(cursor != NULL) + (q.limit != 0))) {
        accord_args_destroy(&args);
        return v1_error(r->c, ACCORD_EINVAL, "a record's history takes limit (1 to 1000) and cursor only");
    }
    if (q.too_long[0]) { /* the node's decoder could not read it, and would not answer */
        accord_args_destroy(&args);
        return v1_error(r->c, ACCORD_ETOOBIG, "cursor: give the next_cursor of the page before");
    }
    accord_reply_t rep;
    int rc = get_record(h, r, coll, id, &rep);
    char full_id[40];
    accord_obj_str(&rep.body, "id", full_id, sizeof full_id);
    if (!rc) {
        accord_reply_destroy(&rep);
        accord_args_str(&args, "id", full_id);
        accord_args_int(&args, "limit", q.limit ? q.limit : V1_LIST_DEFAULT);
        if (cursor) accord_args_str(&args, "after", cursor);
        rc = call_as(h, r, "history", &args, &rep);
    }
    accord_args_destroy(&args);
    enum MHD_Result ret = rc ? call_error(r->c, rc, &rep) : send_page(r->c, &rep.body);
    accord_reply_destroy(&rep);
    return ret;
}

/* POST /api/v1/invoices/{id}/payments {amount, date?, method?, reference?}: the invoice after. */
static enum MHD_Result route_pay(http_t *h, const http_req_t *r, const http_v1_collection_t *coll, const char *id)
{
    accord_args_t args;
    accord_args_init(&args);
    enum MHD_Result ret;
    if (!body_args(r, &args, &ret)) {
        accord_args_destroy(&args);
        return ret;
    }
    accord_reply_t rep;
    int rc = get_record(h, r, coll, id, &rep);
    char full_id[40];
    accord_obj_str(&rep.body, "id", full_id, sizeof full_id);
    if (!rc) {
        accord_reply_destroy(&rep);
        accord_args_str(&args, "id", full_id);
        rc = call_as(h, r, "pay", &args, &rep);
    }
    accord_args_destroy(&args);
    ret = rc ? call_error(r->c, rc, &rep) : send_after(h, r, coll, full_id, MHD_HTTP_OK);
    accord_reply_destroy(&rep);
    return ret;
}

/* GET /api/v1/me: who the token or session is, its role here and what it may do. */
static enum MHD_Result route_me(http_t *h, const http_req_t *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return MHD_NO;
    bool writes = http_role_allows(API_ROLE_STAFF, r->s->role) && (!r->s->bearer || r->s->scope == TOKEN_WRITE);
    fputs("{\"user\":", f);
    json_write_cstr(f, r->s->user);
    fprintf(f, ",\"role\":\"%s\",\"by\":\"%s\",\"writes\":%s,\"node\":", user_role_name(r->s->role),
            r->s->bearer ? "token" : "session", writes ? "true" : "false");
    json_write_cstr(f, h->node);
    fputs("}\n", f);
    fclose(f);
    enum MHD_Result ret = http_respond(r->c, MHD_HTTP_OK, "application/json", buf, len, NULL, NULL);
    free(buf);
    return ret;
}

/* The methods a known path answers, for 405's Allow. */
static void allowed_methods(const char *tail, char *out, size_t cap)
{
    static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE"};
    http_v1_target_t tg;
    bool known;
    out[0] = 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (http_v1_route(methods[i], tail, &tg, &known))
            snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? ", " : "", methods[i]);
}

enum MHD_Result http_route_v1(http_t *h, const http_req_t *r)
{
    http_v1_target_t tg;
    bool known;
    const char *m = r->method;
    const http_v1_route_t *rt = http_v1_route(m, r->tail, &tg, &known);
    if (!rt && known) {
        char allow[64];
        allowed_methods(r->tail, allow, sizeof allow);
        const char *headers[] = {"Allow", allow, NULL};
        char body[160];
        int n = snprintf(body, sizeof body, "{\"error\":\"EINVAL\",\"message\":\"%s is not a method of this path (it takes %s)\"}\n", m, allow);
        return http_respond_with_headers(r->c, MHD_HTTP_METHOD_NOT_ALLOWED, "application/json", body, (size_t)n, headers);
    }
    if (!rt) return http_json_error(r->c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such endpoint: see GET /api/v1/openapi.json");
    if (!may_call(h, r, rt->verb))
        return http_json_error(r->c, MHD_HTTP_FORBIDDEN, "EREADONLY", "your role may not do this: a manager reads; staff and admins change records");
    switch (rt->op) {
    case V1_LIST: return route_list(h, r, tg.coll);
    case V1_CREATE: return route_create(h, r, tg.coll);
    case V1_GET: return route_get(h, r, tg.coll, tg.id);
    case V1_UPDATE: return route_change(h, r, tg.coll, tg.id, false);
    case V1_DELETE: return route_change(h, r, tg.coll, tg.id, true);
    case V1_PAY: return route_pay(h, r, tg.coll, tg.id);
    case V1_HISTORY: return route_history(h, r, tg.coll, tg.id);
    case V1_ME: return route_me(h, r);
    }
    return MHD_NO;
}

bool http_route_takes_json(const http_route_t *rt)
{
    return rt && rt->handle == http_route_v1;
}
