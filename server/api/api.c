/* SPDX-License-Identifier: MIT
 * api: the verb table, dispatch, the api_t lifecycle and the argument and packing helpers
 * the verb modules share (api.h). The table is the only list of verbs in the node: the
 * node loop, the HTTP bridge and this dispatch all read it. */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"
#include "api/api_internal.h"
#include "api/api_sales.h"
#include "sales/sales.h"
#include "state/entity_id.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "feed/ingest.h"
#include "proto/schema.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every verb of the local API. Writes need staff (or the local socket); reads anyone
 * signed in; LOCAL verbs are never served over HTTP. */
static const api_verb_t verbs[] = {
    /* name          handler                write  who may call it over HTTP */
    {"create",       api_write_create,      true,  API_ROLE_STAFF, false},
    {"update",       api_write_update,      true,  API_ROLE_STAFF, false},
    {"delete",       api_write_delete,      true,  API_ROLE_STAFF, false},
    {"resolve",      api_conflict_resolve,  true,  API_ROLE_STAFF, false},
    {"merge",        api_write_merge,       true,  API_ROLE_STAFF, false},
    {"import",       api_import_rows,       true,  API_ROLE_LOCAL, false},
    {"get",          api_read_get,          false, API_ROLE_ANY, false},
    {"list",         api_read_list,         false, API_ROLE_ANY, false},
    {"search",       api_read_search,       false, API_ROLE_ANY, false},
    {"history",      api_read_history,      false, API_ROLE_ANY, false},
    {"conflicts",    api_conflict_list,     false, API_ROLE_ANY, false},
    {"status",       api_node_status,       false, API_ROLE_ANY, false},
    {"dupes",        api_read_dupes,        false, API_ROLE_ANY, false},
    {"pay",          api_sales_pay,         true,  API_ROLE_STAFF, false}, /* an invoice's payment (api_sales.c) */
    {"document",     api_sales_document,    false, API_ROLE_ANY, false}, /* a quote, order or invoice with its lines */
    {"clashes",      api_sales_clashes,     false, API_ROLE_ANY, false}, /* SKUs and invoice numbers held twice */
    {"sync_status",  api_node_sync_status,  false, API_ROLE_ANY, false},
    {"users",        api_node_users,        false, API_ROLE_ANY, false}, /* to pick an owner or assignee */
    {"views",        api_views_list,        false, API_ROLE_ANY, false}, /* a user's saved filters (api_views.c) */
    {"view_save",    api_views_save,        true,  API_ROLE_ANY, false}, /* settings, not records: managers too */
    {"view_delete",  api_views_delete,      true,  API_ROLE_ANY, false},
    {"sync_reload",  api_node_sync_reload,  false, API_ROLE_LOCAL, false}, /* accordctl wrote the store (compact) */
    {"bundle_import", api_node_bundle_import, false, API_ROLE_LOCAL, true}, /* the one ingest path (feed/bundle_in.h) */
    /* people (api_people.c): who may do what is the judgement of auth/people.h, at write */
    {"user_add",     api_people_user_add,   true,  API_ROLE_ANY, false}, /* people_admit judges; a hash only from http_password.c */
    {"user_set",     api_people_user_set,   true,  API_ROLE_ANY, false}, /* a user's own password, from the page */
    {"user_list",    api_people_user_list,  false, API_ROLE_ANY, false},
    {"branch_set",   api_people_branch_set, true,  API_ROLE_LOCAL, false},
    {"branch_list",  api_people_branch_list, false, API_ROLE_ANY, false},
    {"whoami",       api_people_whoami,     false, API_ROLE_ANY, false},
    /* webhooks (api_hooks.c): the node checks the URL against its own ports */
    {"webhook_add",    api_hooks_add,       false, API_ROLE_LOCAL, true},
    {"webhook_remove", api_hooks_remove,    false, API_ROLE_LOCAL, true},
};

const api_verb_t *api_verb_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strlen(verbs[i].name) == len && memcmp(verbs[i].name, name, len) == 0) return &verbs[i];
    return NULL;
}

bool api_runs_alone(const api_verb_t *v, const request_t *req)
{
    if (!v) return false;
    if (v->own_txns) return true;
    if (v->handle == api_read_list) return api_read_list_is_export(req);
    const req_arg_t *dry = v->handle == api_import_rows ? request_arg(req, "dry_run") : NULL;
    return dry && dry->type == MP_BOOL && dry->i;
}

int api_handle(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
               size_t msg_cap)
{
    msg[0] = 0;
    const api_verb_t *v = api_verb_find(req->verb.s, req->verb.len);
    if (!v) return accord_fail(msg, msg_cap, ACCORD_EINVAL, "unknown request '%.*s'", (int)req->verb.len, req->verb.s);
    return v->handle(api, t, req, pk, msg, msg_cap);
}

/* ---- lifecycle ---- */

api_t *api_new(store_t *st, oplog_t *log, const identity_t *id)
{
    api_t *api = calloc(1, sizeof *api); /* the scratch is most of it: untouched pages cost nothing */
    if (!api) abort();
    api->origin_day_bytes = (uint64_t)INGEST_ORIGIN_DAY_MB << 20;
    api->st = st;
    api->log = log;
    api->id = id;
    sales_default_prefix(id->name, api->invoice_prefix, sizeof api->invoice_prefix);
    api->calendar = CAL_GREGORIAN;
    return api;
}

int api_set_invoicing(api_t *api, const char *prefix, const char *calendar)
{
    if (prefix && !sales_prefix_valid(prefix)) return ACCORD_EINVAL;
    int cal = !calendar || !strcmp(calendar, "gregorian") ? CAL_GREGORIAN : !strcmp(calendar, "solar") ? CAL_SOLAR : -1;
    if (cal < 0) return ACCORD_EINVAL;
    if (prefix) snprintf(api->invoice_prefix, sizeof api->invoice_prefix, "%s", prefix);
    api->calendar = cal;
    return 0;
}

void api_destroy(api_t **papi)
{
    if (!*papi) return;
    free(*papi);
    *papi = NULL;
}

void api_set_sync(api_t *api, sync_t *sync)
{
    api->sync = sync;
}

void api_set_hook_self(api_t *api, const hook_self_t *self)
{
    api->hook_self = *self;
}

store_t *api_store(const api_t *api)
{
    return api->st;
}

oplog_t *api_log(const api_t *api)
{
    return api->log;
}

int api_set_pipeline(api_t *api, const char *csv)
{
    char stages[API_MAX_STAGES][65];
    unsigned n = 0;
    const char *p = csv;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char raw[65], err[8];
        int64_t num;
        if (len == 0 || len > 64 || n == API_MAX_STAGES) return ACCORD_EINVAL;
        memcpy(raw, p, len);
        raw[len] = 0;
        /* the stage a deal is created in is written as is: it must be what validate takes */
        if (schema_normalize(schema_field_by_id(KIND_DEAL, F_DE_STAGE), raw, stages[n], sizeof stages[n], &num, err,
                             sizeof err))
            return ACCORD_EINVAL;
        n++;
        if (!e) break;
        p = e + 1;
    }
    if (n < 2) return ACCORD_EINVAL;
    memcpy(api->stages, stages, sizeof stages);
    api->n_stages = n;
    return 0;
}

void api_set_caller(api_t *api, const api_caller_t *caller)
{
    api->caller = *caller;
}

api_caller_t api_caller_from_peer_address(const char *peer)
{
    api_caller_t c = {0};
    if (!peer) return c;
    /* the last three ':'-separated numbers: the address before them may hold ':' too */
    const char *p3 = strrchr(peer, ':');
    if (!p3 || p3 == peer) return c;
    const char *p2 = p3 - 1;
    while (p2 > peer && *p2 != ':') p2--;
    const char *p1 = p2 > peer ? p2 - 1 : peer;
    while (p1 > peer && *p1 != ':') p1--;
    if (*p1 != ':' || *p2 != ':') return c;
    /* each number starts with a digit: strtoul would take "", " 5" and "+5" too */
    if (p1[1] < '0' || p1[1] > '9' || p2[1] < '0' || p2[1] > '9' || p3[1] < '0' || p3[1] > '9') return c;
    char *end;
    unsigned long uid = strtoul(p1 + 1, &end, 10);
    if (end != p2) return c;
    unsigned long gid = strtoul(p2 + 1, &end, 10);
    if (end != p3) return c;
    long pid = strtol(p3 + 1, &end, 10);
    if (*end || p3[1] == 0 || uid > UINT32_MAX || gid > UINT32_MAX || pid <= 0 || pid > INT32_MAX) return c;
    c.known = true;
    c.uid = (uint32_t)uid;
    c.gid = (uint32_t)gid;
    c.pid = (int32_t)pid;
    return c;
}

void api_set_origin_day_bytes(api_t *api, uint64_t bytes)
{
    api->origin_day_bytes = bytes;
}

bool api_stage_known(const api_t *api, const char *s)
{
    for (unsigned i = 0; i < api->n_stages; i++)
        if (strcmp(api->stages[i], s) == 0) return true;
    return false;
}

/* ---- packing ---- */

void api_pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

void api_pack_cstr(msgpack_packer *pk, const char *s)
{
    api_pack_str(pk, s, strlen(s));
}

void api_pack_hex(msgpack_packer *pk, const uint8_t *b, size_t n)
{
    char hex[2 * 2 * VERSION_LEN + 1];
    ACCORD_ASSERT(n <= 2 * VERSION_LEN);
    crypto_hex(b, n, hex);
    api_pack_str(pk, hex, 2 * n);
}

/* ---- arguments ---- */

bool api_arg_cstr(const req_arg_t *a, char *out, size_t cap)
{
    if (!a || a->type != MP_STR || a->s.len >= cap) return false;
    memcpy(out, a->s.s, a->s.len);
    out[a->s.len] = 0;
    return true;
}

int api_resolve_ref(store_txn_t *t, const char *hex, uint8_t id[ID_LEN], char *msg, size_t cap, const char *what)
{
    uint8_t named[API_AMBIGUOUS_NAMED][ID_LEN];
    unsigned n;
    int rc = entity_resolve_id_candidates(t, hex, id, named, API_AMBIGUOUS_NAMED, &n);
    if (rc == ACCORD_EAMBIGUOUS) {
        char list[API_AMBIGUOUS_NAMED * 48] = "";
        size_t len = 0;
        for (unsigned i = 0; i < n && i < API_AMBIGUOUS_NAMED; i++) {
            char shown[TIMEID_SHORT_CLI + 1];
            timeid_short(named[i], TIMEID_SHORT_CLI, shown);
            int kind = entity_kind(t, named[i]);
            const char *kname = kind > 0 ? schema_kind_name((unsigned)kind) : NULL;
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s %s", i ? ", " : "", kname ? kname : "record", shown);
        }
        return accord_fail(msg, cap, rc, "%s: id prefix '%s' matches more than one record (%s%s); give more digits",
                           what, hex, list, n > API_AMBIGUOUS_NAMED ? ", and more" : "");
    }
    if (rc == ACCORD_EINVAL)
        return accord_fail(msg, cap, rc, "%s: '%.40s' is not a record id (hex digits, at least 4)", what, hex);
    if (rc)
        return accord_fail(msg, cap, rc, "%s: no record with id '%.40s'", what, hex);
    return 0;
}

int api_arg_id(store_txn_t *t, const request_t *req, const char *key, uint8_t id[ID_LEN], char *msg, size_t cap)
{
    char hex[2 * ID_LEN + 1];
    const req_arg_t *a = request_arg(req, key);
    if (!a) return accord_fail(msg, cap, ACCORD_EINVAL, "missing argument '%s' (a record id)", key);
    if (!api_arg_cstr(a, hex, sizeof hex))
        return accord_fail(msg, cap, ACCORD_EINVAL, "%s: not a record id (hex digits, at least 4)", key);
    return api_resolve_ref(t, hex, id, msg, cap, key);
}

int api_arg_kind(const request_t *req, char *msg, size_t cap)
{
    char name[32];
    const req_arg_t *a = request_arg(req, "kind");
    int kind;
    if (!api_arg_cstr(a, name, sizeof name) || (kind = schema_kind_by_name(name)) < 0 || kind == KIND_USER ||
        kind == KIND_BRANCH)
        return accord_fail(msg, cap, ACCORD_EINVAL,
                    "kind must be one of: customer, contact, deal, task, interaction, note, product, quote, line, order, invoice, ticket");
    return kind;
}

bool api_arg_int(const req_arg_t *a, int64_t *out)
{
    if (a && a->type == MP_INT) {
        *out = a->i;
        return true;
    }
    /* the branch app's query strings carry every value as text */
    char text[24], *end;
    if (!api_arg_cstr(a, text, sizeof text) || !text[0] || text[0] == '+' || text[0] == ' ') return false;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (*end || errno) return false;
    *out = v;
    return true;
}

bool api_arg_flag(const request_t *req, const char *key)
{
    const req_arg_t *a = request_arg(req, key);
    if (a && a->type == MP_BOOL) return a->i != 0;
    return a && a->type == MP_STR && (req_str_eq(a->s, "true") || req_str_eq(a->s, "1"));
}

int api_arg_limit(const request_t *req, int def, char *msg, size_t cap)
{
    const req_arg_t *a = request_arg(req, "limit");
    int64_t v;
    if (!a) return def;
    if (!api_arg_int(a, &v) || v < 1 || v > API_LIST_MAX)
        return accord_fail(msg, cap, ACCORD_EINVAL, "limit: must be a number from 1 to %d", API_LIST_MAX);
    return (int)v;
}

bool api_text_eq(store_txn_t *t, const uint8_t *id, unsigned field, const char *want)
{
    size_t n;
    const char *s = entity_text(t, id, field, &n);
    return s && n == strlen(want) && memcmp(s, want, n) == 0;
}
