/* SPDX-License-Identifier: MIT
 * api_people: users and branches through the local API (user_add, user_set, user_list,
 * branch_set, branch_list, whoami), and who the caller of a request is (api_caller_user).
 * Whether the author may make a change is not decided here: oplog_append asks people.h,
 * the same judgement every receiving node makes. */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "auth/audit.h"
#include "auth/osmap.h"
#include "auth/people.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "sales/sales.h"
#include "state/tzone.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int caller_user(api_t *api, store_txn_t *t, const request_t *req, char *out, size_t cap, char *msg, size_t mcap);

/* A refusal of who is asking is kept in the audit (in t: committed with the requests beside it). */
int api_caller_user(api_t *api, store_txn_t *t, const request_t *req, char *out, size_t cap, char *msg, size_t mcap)
{
    int rc = caller_user(api, t, req, out, cap, msg, mcap);
    if (rc == ACCORD_EAUTH && store_txn_writable(t)) {
        char account[64] = "";
        if (api->caller.known) osmap_account_name(api->caller.uid, account, sizeof account);
        int kept = audit_append(t, hlc_wall_ms(), AUDIT_PERMISSION_REFUSED, account, "", msg);
        if (kept) return accord_fail(msg, mcap, kept, "cannot keep the refusal in the audit: %s", accord_strerror(kept));
    }
    return rc;
}

static int caller_user(api_t *api, store_txn_t *t, const request_t *req, char *out, size_t cap, char *msg, size_t mcap)
{
    const req_arg_t *u = request_arg(req, "user");
    char named[SCHEMA_LOGIN_MAX + 1] = "";
    if (u) {
        char raw[SCHEMA_LOGIN_MAX + 1];
        if (!api_arg_cstr(u, raw, sizeof raw) || schema_login_normalize(raw, named, sizeof named))
            return accord_fail(msg, mcap, ACCORD_EAUTH, "user: '%.*s' is not a login of this org", u->type == MP_STR ? (int)u->s.len : 1,
                               u->type == MP_STR ? u->s.s : "?");
    }
    const api_caller_t *c = &api->caller;
    if (!c->known)
        return accord_fail(msg, mcap, ACCORD_EAUTH,
                           "this request came without the caller's credentials: use the node's local socket "
                           "(ipc://DATA_DIR/accord.sock), or a token over HTTP");
    if (c->pid == (int32_t)getpid()) { /* the node's own HTTP thread: it signed the user in */
        if (!named[0]) return accord_fail(msg, mcap, ACCORD_EAUTH, "the page sent no signed-in user");
        snprintf(out, cap, "%s", named);
        return 0;
    }
    char login[SCHEMA_LOGIN_MAX + 1], account[64];
    int rc = osmap_get(t, c->uid, login, sizeof login);
    if (rc == ACCORD_ENOTFOUND) {
        osmap_account_name(c->uid, account, sizeof account);
        return accord_fail(msg, mcap, ACCORD_EAUTH,
                           "the OS account %s is not mapped to a user of this org; an admin of this machine maps it: "
                           "accordctl user map --data DIR --os-user %s --login LOGIN",
                           account, account);
    }
    if (rc) return accord_fail(msg, mcap, rc, "cannot read the OS accounts' users: %s", accord_strerror(rc));
    if (named[0] && strcmp(named, login)) {
        osmap_account_name(c->uid, account, sizeof account);
        return accord_fail(msg, mcap, ACCORD_EAUTH,
                           "ACCORD_USER (or --user) says '%s', but the OS account %s writes as '%s'; unset it, or "
                           "sign in as that user's OS account",
                           named, account, login);
    }
    snprintf(out, cap, "%s", login);
    return 0;
}

/* ---- building a user's or a branch's record ---- */

/* An op of field (SET of a register, ADD or REMOVE of a set element) with what a person
 * typed, normalised as the schema says; its text lives in w. */
static int put_op(api_write_ctx_t *w, unsigned kind, unsigned field, uint8_t op, const char *in, char *msg, size_t cap)
{
    const field_def_t *f = schema_field_by_id(kind, field);
    record_op_t *o = api_write_new_op(w, (uint8_t)field, op);
    if (!o) return accord_fail(msg, cap, ACCORD_ETOOBIG, "too many changes in one request");
    int64_t i;
    char *buf = w->buf[w->rec.n_ops - 1];
    int rc = schema_normalize(f, in, buf, RECORD_MAX_STR + 1, &i, msg, cap);
    if (rc) return rc;
    if (f->type == FT_BOOL) o->val = (value_t){VAL_BOOL, i, NULL, 0};
    else o->val = (value_t){VAL_STR, 0, buf, strlen(buf)};
    return 0;
}

static int put_text(api_write_ctx_t *w, unsigned kind, unsigned field, const char *in, char *msg, size_t cap)
{
    return put_op(w, kind, field, OP_SET, in, msg, cap);
}

/* The strings of an argument that may be one string or an array of them. */
static int each_string(const request_t *req, const char *key, int (*fn)(void *ctx, const char *s), void *ctx)
{
    const req_arg_t *a = request_arg(req, key);
    if (!a) return 0;
    char s[RECORD_MAX_STR + 1];
    if (a->type == MP_STR) return api_arg_cstr(a, s, sizeof s) ? fn(ctx, s) : ACCORD_EINVAL;
    if (a->type != MP_ARRAY) return ACCORD_EINVAL;
    for (unsigned i = 0; i < a->n_items; i++) {
        req_str_t it = req->items[a->first_item + i];
        if (it.len >= sizeof s) return ACCORD_EINVAL;
        memcpy(s, it.s, it.len);
        s[it.len] = 0;
        int rc = fn(ctx, s);
        if (rc) return rc;
    }
    return 0;
}

typedef struct {
    api_write_ctx_t *w;
    unsigned field;
    uint8_t op;
    char *msg;
    size_t cap;
    unsigned n;
} elems_t;

static int one_elem(void *ctx, const char *s)
{
    elems_t *e = ctx;
    if (e->field == F_US_LANGUAGES && strcmp(s, "en") && strcmp(s, "fa"))
        return accord_fail(e->msg, e->cap, ACCORD_EINVAL, "languages: '%.20s' is not one of: en, fa", s);
    e->n++;
    return put_op(e->w, KIND_USER, e->field, e->op, s, e->msg, e->cap);
}

static int user_elems(api_write_ctx_t *w, const request_t *req, const char *key, unsigned field, uint8_t op,
                      unsigned *n, char *msg, size_t cap)
{
    elems_t e = {w, field, op, msg, cap, 0};
    msg[0] = 0;
    int rc = each_string(req, key, one_elem, &e);
    if (rc && !msg[0]) accord_fail(msg, cap, rc, "%s: give text, or a list of texts", key);
    if (n) *n = e.n;
    return rc;
}

static void now_iso(char *out, size_t cap)
{
    time_t now = (time_t)(hlc_wall_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int str_arg(const request_t *req, const char *key, char *out, size_t cap, char *msg, size_t mcap)
{
    const req_arg_t *a = request_arg(req, key);
    out[0] = 0;
    if (!a) return 0;
    if (!api_arg_cstr(a, out, cap)) return accord_fail(msg, mcap, ACCORD_EINVAL, "%s: give text of at most %zu bytes", key, cap - 1);
    return 1;
}

static void pack_user_reply(msgpack_packer *pk, const record_t *rec, const char *login)
{
    msgpack_pack_map(pk, 2);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, rec->entity, ID_LEN);
    api_pack_cstr(pk, "login");
    api_pack_cstr(pk, login);
}

/* The org's first user, made at the hub, says up to which seq each feed the hub holds is
 * from before the org had users (people_legacy_seq): "ORIGIN:SEQ" pairs, as many to an
 * element as fit. */
static int add_legacy(api_t *api, store_txn_t *t, api_write_ctx_t *w, char *msg, size_t cap)
{
    char elem[3900];
    size_t len = 0;
    int rc = 0;
    char hex[2 * ID_LEN + 1];
    crypto_hex(api->id->origin, ID_LEN, hex);
    len = (size_t)snprintf(elem, sizeof elem, "%s:%llu", hex, (unsigned long long)oplog_mark(api->log).seq);
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_HEADS, NULL, 0, false, &it)))
        return accord_fail(msg, cap, rc, "cannot read the feeds' heads: %s", accord_strerror(rc));
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != ID_LEN || v.len < 8 || !memcmp(k.data, api->id->origin, ID_LEN)) continue;
        crypto_hex(k.data, ID_LEN, hex);
        char pair[2 * ID_LEN + 24];
        int n = snprintf(pair, sizeof pair, "%s:%llu", hex, (unsigned long long)be64_get(v.data));
        if (len + 1 + (size_t)n >= sizeof elem) { /* this element is full */
            if ((rc = put_op(w, KIND_USER, F_US_LEGACY, OP_ADD, elem, msg, cap))) break;
            len = 0;
        }
        len += (size_t)snprintf(elem + len, sizeof elem - len, "%s%s", len ? " " : "", pair);
    }
    store_iter_destroy(&it);
    if (rc < 0) return accord_fail(msg, cap, rc, "the org's first user cannot name %s", "every feed the hub holds (too many)");
    return put_op(w, KIND_USER, F_US_LEGACY, OP_ADD, elem, msg, cap);
}

/* user_add {login, name, password_hash, roles, languages} */
int api_people_user_add(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    api_write_ctx_t *w = &api->write;
    memset(&w->rec, 0, sizeof w->rec);
    char raw[SCHEMA_LOGIN_MAX + 8], login[SCHEMA_LOGIN_MAX + 1], text[RECORD_MAX_STR + 1];
    int rc;
    if (str_arg(req, "login", raw, sizeof raw, msg, cap) != 1 || schema_login_normalize(raw, login, sizeof login))
        return accord_fail(msg, cap, ACCORD_EINVAL, "login: 1 to %d letters, digits, '.', '_', '-' or '@'", SCHEMA_LOGIN_MAX);
    person_t existing;
    if ((rc = people_find(t, login, strlen(login), &existing)) == 0)
        return accord_fail(msg, cap, ACCORD_EEXISTS, "login: the org has a user '%s' already", login);
    if (rc != ACCORD_ENOTFOUND) return accord_fail(msg, cap, rc, "cannot read the users: %s", accord_strerror(rc));
    w->rec.kind = KIND_USER;
    api_write_new_id(api, w->rec.entity);
    if ((rc = api_write_author(api, t, req, w, msg, cap))) return rc;
    char created[32];
    now_iso(created, sizeof created);
    if ((rc = put_text(w, KIND_USER, F_BRANCH, api->id->name, msg, cap)) ||
        (rc = put_text(w, KIND_USER, F_CREATED, created, msg, cap)) ||
        (rc = put_text(w, KIND_USER, F_US_LOGIN, login, msg, cap)))
        return rc;
    if ((rc = str_arg(req, "name", text, sizeof text, msg, cap)) < 0) return rc;
    if ((rc = put_text(w, KIND_USER, F_US_NAME, text[0] ? text : login, msg, cap))) return rc;
    if (str_arg(req, "password_hash", text, sizeof text, msg, cap) != 1)
        return accord_fail(msg, cap, ACCORD_EINVAL, "password_hash: required (accordctl user add reads the password)");
    if ((rc = put_text(w, KIND_USER, F_US_PASSWORD, text, msg, cap))) return rc;
    unsigned roles = 0;
    if ((rc = user_elems(w, req, "roles", F_US_ROLES, OP_ADD, &roles, msg, cap))) return rc;
    if (!roles)
        return accord_fail(msg, cap, ACCORD_EINVAL, "roles: give at least one, e.g. 'staff branch %s'", api->id->name);
    if ((rc = user_elems(w, req, "languages", F_US_LANGUAGES, OP_ADD, NULL, msg, cap))) return rc;
    if (!people_enforced(t, NULL)) { /* the org's first user */
        if (strcmp(api->id->role, "hub"))
            return accord_fail(msg, cap, ACCORD_EPERM, "the org's first user is made at the hub, not at a branch");
        if ((rc = add_legacy(api, t, w, msg, cap))) return rc;
    }
    if ((rc = api_write_append(api, t, &w->rec, msg, cap))) return rc;
    pack_user_reply(pk, &w->rec, login);
    return 0;
}

/* user_set {login, name, password_hash, disabled, add_roles, remove_roles, languages} */
int api_people_user_set(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    api_write_ctx_t *w = &api->write;
    memset(&w->rec, 0, sizeof w->rec);
    char raw[SCHEMA_LOGIN_MAX + 8], login[SCHEMA_LOGIN_MAX + 1], text[RECORD_MAX_STR + 1];
    int rc;
    if (str_arg(req, "login", raw, sizeof raw, msg, cap) != 1 || schema_login_normalize(raw, login, sizeof login))
        return accord_fail(msg, cap, ACCORD_EINVAL, "login: the user to change");
    person_t p;
    if ((rc = people_find(t, login, strlen(login), &p)))
        return accord_fail(msg, cap, rc, rc == ACCORD_ENOTFOUND ? "login: the org has no user '%s'" : "cannot read the user '%s'",
                           login);
    memcpy(w->rec.entity, p.id, ID_LEN);
    w->rec.kind = KIND_USER;
    if ((rc = api_write_author(api, t, req, w, msg, cap))) return rc;
    if ((rc = str_arg(req, "name", text, sizeof text, msg, cap)) < 0) return rc;
    if (rc && (rc = put_text(w, KIND_USER, F_US_NAME, text, msg, cap))) return rc;
    if ((rc = str_arg(req, "password_hash", text, sizeof text, msg, cap)) < 0) return rc;
    if (rc && (rc = put_text(w, KIND_USER, F_US_PASSWORD, text, msg, cap))) return rc;
    const req_arg_t *d = request_arg(req, "disabled");
    if (d) {
        bool on = api_arg_flag(req, "disabled");
        if (d->type != MP_BOOL && !(d->type == MP_STR && (req_str_eq(d->s, "true") || req_str_eq(d->s, "false") ||
                                                         req_str_eq(d->s, "1") || req_str_eq(d->s, "0"))))
            return accord_fail(msg, cap, ACCORD_EINVAL, "disabled: true or false");
        if ((rc = put_text(w, KIND_USER, F_US_DISABLED, on ? "true" : "false", msg, cap))) return rc;
    }
    if ((rc = user_elems(w, req, "add_roles", F_US_ROLES, OP_ADD, NULL, msg, cap)) ||
        (rc = user_elems(w, req, "remove_roles", F_US_ROLES, OP_REMOVE, NULL, msg, cap)) ||
        (rc = user_elems(w, req, "add_languages", F_US_LANGUAGES, OP_ADD, NULL, msg, cap)) ||
        (rc = user_elems(w, req, "remove_languages", F_US_LANGUAGES, OP_REMOVE, NULL, msg, cap)))
        return rc;
    if (w->rec.n_ops == 0)
        return accord_fail(msg, cap, ACCORD_EINVAL, "nothing to change: give name, password_hash, disabled, add_roles or remove_roles");
    if ((rc = api_write_fill_bases(t, w))) return accord_fail(msg, cap, rc, "cannot read the user: %s", accord_strerror(rc));
    if ((rc = api_write_append(api, t, &w->rec, msg, cap))) return rc;
    pack_user_reply(pk, &w->rec, login);
    return 0;
}

static void pack_person(msgpack_packer *pk, store_txn_t *t, const person_t *p)
{
    unsigned n = 0;
    for (unsigned i = 0; i < p->n; i++) n += p->grants[i].present;
    msgpack_pack_map(pk, 7);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, p->id, ID_LEN);
    api_pack_cstr(pk, "login");
    api_pack_cstr(pk, p->login);
    api_pack_cstr(pk, "name");
    api_pack_cstr(pk, p->name);
    api_pack_cstr(pk, "home");
    api_pack_cstr(pk, p->home);
    api_pack_cstr(pk, "disabled");
    if (p->disabled) msgpack_pack_true(pk);
    else msgpack_pack_false(pk);
    api_pack_cstr(pk, "roles");
    msgpack_pack_array(pk, n);
    for (unsigned i = 0; i < p->n; i++) {
        if (!p->grants[i].present) continue;
        char shown[96];
        schema_grant_format(&p->grants[i].g, shown, sizeof shown);
        api_pack_cstr(pk, shown);
    }
    api_pack_cstr(pk, "languages");
    int nl = entity_count_elems(t, p->id, F_US_LANGUAGES);
    msgpack_pack_array(pk, nl > 0 ? (uint32_t)nl : 0);
    if (nl > 0) {
        static const char *const langs[] = {"en", "fa"};
        for (unsigned i = 0; i < 2; i++) /* the only ones user_add takes */
            if (entity_has_elem(t, p->id, F_US_LANGUAGES, langs[i], 2)) api_pack_cstr(pk, langs[i]);
    }
}

#define PEOPLE_LIST_MAX 1000

/* user_list {}: every user, by login: {items: [...], more} */
int api_people_user_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    (void)req;
    uint64_t total = 0;
    index_query_t q = {.kind = KIND_USER, .field = F_US_LOGIN};
    int n = index_page(t, &q, 0, PEOPLE_LIST_MAX, api->ids, &total);
    if (n < 0) return accord_fail(msg, cap, n, "cannot read the users: %s", accord_strerror(n));
    person_t p;
    unsigned shown = 0;
    for (int i = 0; i < n; i++) shown += people_load(t, api->ids[i], &p) == 0;
    msgpack_pack_map(pk, 2);
    api_pack_cstr(pk, "items");
    msgpack_pack_array(pk, shown);
    for (int i = 0; i < n; i++)
        if (people_load(t, api->ids[i], &p) == 0) pack_person(pk, t, &p);
    api_pack_cstr(pk, "more");
    if (total > (uint64_t)n) msgpack_pack_true(pk);
    else msgpack_pack_false(pk);
    return 0;
}

/* branch_set {node, code, name, region, timezone, currency, calendar}: made if the node has
 * no branch record, else changed. */
int api_people_branch_set(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    api_write_ctx_t *w = &api->write;
    memset(&w->rec, 0, sizeof w->rec);
    char node[65], text[RECORD_MAX_STR + 1];
    int rc;
    if (str_arg(req, "node", node, sizeof node, msg, cap) != 1 || !node[0])
        return accord_fail(msg, cap, ACCORD_EINVAL, "node: the branch's node name, as the roster has it");
    people_branch_t b;
    bool is_new = (rc = people_branch(t, node, &b)) == ACCORD_ENOTFOUND;
    if (rc && !is_new) return accord_fail(msg, cap, rc, "cannot read the branches: %s", accord_strerror(rc));
    w->rec.kind = KIND_BRANCH;
    if (is_new) api_write_new_id(api, w->rec.entity);
    else memcpy(w->rec.entity, b.id, ID_LEN);
    if ((rc = api_write_author(api, t, req, w, msg, cap))) return rc;
    if (is_new) {
        char created[32];
        now_iso(created, sizeof created);
        if ((rc = put_text(w, KIND_BRANCH, F_BRANCH, api->id->name, msg, cap)) ||
            (rc = put_text(w, KIND_BRANCH, F_CREATED, created, msg, cap)) ||
            (rc = put_text(w, KIND_BRANCH, F_BR_NODE, node, msg, cap)))
            return rc;
    }
    static const struct { const char *arg; unsigned field; } args[] = {
        {"code", F_BR_CODE}, {"name", F_BR_NAME}, {"region", F_BR_REGION}, {"timezone", F_BR_TIMEZONE},
        {"currency", F_BR_CURRENCY}, {"calendar", F_BR_CALENDAR},
    };
    for (unsigned i = 0; i < sizeof args / sizeof args[0]; i++) {
        if ((rc = str_arg(req, args[i].arg, text, sizeof text, msg, cap)) < 0) return rc;
        if (!rc && !(is_new && args[i].field == F_BR_CODE)) continue;
        if (args[i].field == F_BR_CODE) {
            if (!rc) sales_default_prefix(node, text, sizeof text);
            if (!sales_prefix_valid(text))
                return accord_fail(msg, cap, ACCORD_EINVAL, "code: '%.20s' is not an invoice prefix: 2 to 16 of A-Z and 0-9", text);
        }
        if (args[i].field == F_BR_TIMEZONE) {
            tzone_t *z;
            if (tzone_open(text, &z))
                return accord_fail(msg, cap, ACCORD_EINVAL, "timezone: '%.64s' is not a time zone this machine knows (e.g. Asia/Tehran)", text);
            tzone_destroy(&z);
        }
        if ((rc = put_text(w, KIND_BRANCH, args[i].field, text, msg, cap))) return rc;
    }
    if (w->rec.n_ops == 0) return accord_fail(msg, cap, ACCORD_EINVAL, "nothing to change: give code, name, region, timezone, currency or calendar");
    if ((rc = api_write_fill_bases(t, w))) return accord_fail(msg, cap, rc, "cannot read the branch: %s", accord_strerror(rc));
    if ((rc = api_write_append(api, t, &w->rec, msg, cap))) return rc;
    msgpack_pack_map(pk, 2);
    api_pack_cstr(pk, "id");
    api_pack_hex(pk, w->rec.entity, ID_LEN);
    api_pack_cstr(pk, "node");
    api_pack_cstr(pk, node);
    return 0;
}

/* branch_list {}: {items: [{id, node, code, name, region, timezone, currency, calendar}], more} */
int api_people_branch_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                           size_t cap)
{
    (void)req;
    uint64_t total = 0;
    index_query_t q = {.kind = KIND_BRANCH, .field = F_BR_NODE};
    int n = index_page(t, &q, 0, PEOPLE_LIST_MAX, api->ids, &total);
    if (n < 0) return accord_fail(msg, cap, n, "cannot read the branches: %s", accord_strerror(n));
    msgpack_pack_map(pk, 2);
    api_pack_cstr(pk, "items");
    msgpack_pack_array(pk, (uint32_t)n);
    static const struct { const char *key; unsigned field; } cols[] = {
        {"node", F_BR_NODE}, {"code", F_BR_CODE}, {"name", F_BR_NAME}, {"region", F_BR_REGION},
        {"timezone", F_BR_TIMEZONE}, {"currency", F_BR_CURRENCY}, {"calendar", F_BR_CALENDAR},
    };
    for (int i = 0; i < n; i++) {
        msgpack_pack_map(pk, 1 + sizeof cols / sizeof cols[0]);
        api_pack_cstr(pk, "id");
        api_pack_hex(pk, api->ids[i], ID_LEN);
        for (unsigned c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            size_t len;
            const char *s = entity_text(t, api->ids[i], cols[c].field, &len);
            api_pack_cstr(pk, cols[c].key);
            if (s) api_pack_str(pk, s, len);
            else msgpack_pack_nil(pk);
        }
    }
    api_pack_cstr(pk, "more");
    if (total > (uint64_t)n) msgpack_pack_true(pk);
    else msgpack_pack_false(pk);
    return 0;
}

/* whoami {user}: who the caller writes as here, and whether the org's people model is on. */
int api_people_whoami(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    bool enforced = people_enforced(t, NULL);
    char login[SCHEMA_LOGIN_MAX + 1] = "";
    int rc = enforced ? api_caller_user(api, t, req, login, sizeof login, msg, cap) : 0;
    if (rc) return rc;
    person_t p;
    bool known = login[0] && people_find(t, login, strlen(login), &p) == 0;
    msgpack_pack_map(pk, known ? 3 : 2);
    api_pack_cstr(pk, "enforced");
    if (enforced) msgpack_pack_true(pk);
    else msgpack_pack_false(pk);
    api_pack_cstr(pk, "login");
    if (login[0]) api_pack_cstr(pk, login);
    else msgpack_pack_nil(pk);
    if (known) {
        api_pack_cstr(pk, "user");
        pack_person(pk, t, &p);
    }
    return 0;
}
