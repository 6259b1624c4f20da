/* SPDX-License-Identifier: MIT
 * api_views: the saved filters of the branch app's lists, per user, on this node: views
 * {user} lists them, view_save {user, name, filter} keeps one (replacing one of that name),
 * view_delete {user, name} drops one. They are the user's own settings, not records: kept
 * in TBL_META under "views" ‖ BLAKE2b(user) ‖ name, never replicated. The filter is the
 * page's own text (JSON), returned as given; the node only bounds it. Any signed-in user,
 * managers too: saving a view changes no record. */
#define _POSIX_C_SOURCE 200809L
#include "api/api_internal.h"
#include "auth/people.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/schema.h"
#include "proto/validate.h"

#include <string.h>

#define VIEW_PREFIX "views\x1f"
#define VIEW_PREFIX_LEN (sizeof VIEW_PREFIX - 1)
#define VIEW_NAME_MAX 60
#define VIEW_FILTER_MAX 2000
#define VIEWS_PER_USER 50

typedef struct {
    uint8_t key[VIEW_PREFIX_LEN + CRYPTO_HASH_LEN + VIEW_NAME_MAX];
    size_t prefix_len, len;
} view_key_t;

/* The user the request is for: the bridge puts the signed-in one there, the CLI its --user;
 * once the org has users, who the caller is (api_caller_user), so no one reads or changes
 * another's filters. */
static int view_user(api_t *api, store_txn_t *t, const request_t *req, view_key_t *k, char *msg, size_t cap)
{
    char login[SCHEMA_LOGIN_MAX + 1];
    const char *who;
    size_t len;
    if (people_enforced(t, NULL)) {
        int rc = api_caller_user(api, t, req, login, sizeof login, msg, cap);
        if (rc) return rc;
        who = login, len = strlen(login);
    } else {
        const req_arg_t *u = request_arg(req, "user");
        if (!u || u->type != MP_STR || !validate_author(u->s.s, u->s.len))
            return accord_fail(msg, cap, ACCORD_EINVAL, "user: saved filters belong to a user: give one");
        who = u->s.s, len = u->s.len;
    }
    memcpy(k->key, VIEW_PREFIX, VIEW_PREFIX_LEN);
    crypto_record_hash(who, len, k->key + VIEW_PREFIX_LEN);
    k->prefix_len = k->len = VIEW_PREFIX_LEN + CRYPTO_HASH_LEN;
    return 0;
}

static int view_name(const request_t *req, view_key_t *k, char *msg, size_t cap)
{
    const req_arg_t *a = request_arg(req, "name");
    if (!a || a->type != MP_STR || a->s.len == 0 || a->s.len > VIEW_NAME_MAX || !schema_utf8_valid(a->s.s, a->s.len) ||
        schema_text_has_control(a->s.s, a->s.len, false))
        return accord_fail(msg, cap, ACCORD_EINVAL, "name: give the filter a name of 1 to %d bytes of text", VIEW_NAME_MAX);
    memcpy(k->key + k->prefix_len, a->s.s, a->s.len);
    k->len = k->prefix_len + a->s.len;
    return 0;
}

static unsigned count_views(store_txn_t *t, const view_key_t *k)
{
    store_iter_t *it;
    unsigned n = 0;
    if (store_iter_new(t, TBL_META, k->key, k->prefix_len, false, &it)) return 0;
    store_val_t kk, v;
    while (store_iter_next(it, &kk, &v) == 1) n++;
    store_iter_destroy(&it);
    return n;
}

int api_views_list(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    (void)api;
    view_key_t k;
    int rc = view_user(api, t, req, &k, msg, cap);
    if (rc) return rc;
    unsigned n = count_views(t, &k);
    store_iter_t *it;
    if ((rc = store_iter_new(t, TBL_META, k.key, k.prefix_len, false, &it)))
        return accord_fail(msg, cap, rc, "cannot read the saved filters: %s", accord_strerror(rc));
    msgpack_pack_map(pk, 2);
    api_pack_cstr(pk, "items");
    msgpack_pack_array(pk, n);
    store_val_t kk, v;
    for (unsigned i = 0; i < n && store_iter_next(it, &kk, &v) == 1; i++) {
        msgpack_pack_map(pk, 2);
        api_pack_cstr(pk, "name");
        api_pack_str(pk, (const char *)kk.data + k.prefix_len, kk.len - k.prefix_len);
        api_pack_cstr(pk, "filter");
        api_pack_str(pk, v.data, v.len);
    }
    store_iter_destroy(&it);
    api_pack_cstr(pk, "more"); /* at most VIEWS_PER_USER: every one, always */
    msgpack_pack_false(pk);
    return 0;
}

int api_views_save(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    (void)api;
    view_key_t k;
    int rc = view_user(api, t, req, &k, msg, cap);
    if (!rc) rc = view_name(req, &k, msg, cap);
    if (rc) return rc;
    const req_arg_t *f = request_arg(req, "filter");
    if (!f || f->type != MP_STR || f->s.len < 2 || f->s.len > VIEW_FILTER_MAX || !schema_utf8_valid(f->s.s, f->s.len) ||
        schema_text_has_control(f->s.s, f->s.len, false) || f->s.s[0] != '{' || f->s.s[f->s.len - 1] != '}')
        return accord_fail(msg, cap, ACCORD_EINVAL, "filter: give the filter as a JSON object of at most %d bytes",
                           VIEW_FILTER_MAX);
    store_val_t old;
    bool replaces = store_get(t, TBL_META, k.key, k.len, &old) == 0;
    if (!replaces && count_views(t, &k) >= VIEWS_PER_USER)
        return accord_fail(msg, cap, ACCORD_ETOOBIG, "name: a user keeps at most %d saved filters; delete one first",
                           VIEWS_PER_USER);
    if ((rc = store_put(t, TBL_META, k.key, k.len, f->s.s, f->s.len)))
        return accord_fail(msg, cap, rc, "cannot keep the filter: %s", accord_strerror(rc));
    msgpack_pack_map(pk, 1);
    api_pack_cstr(pk, "replaced");
    replaces ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    return 0;
}

int api_views_delete(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap)
{
    (void)api;
    view_key_t k;
    int rc = view_user(api, t, req, &k, msg, cap);
    if (!rc) rc = view_name(req, &k, msg, cap);
    if (rc) return rc;
    store_val_t old;
    if (store_get(t, TBL_META, k.key, k.len, &old))
        return accord_fail(msg, cap, ACCORD_ENOTFOUND, "name: you have no saved filter of that name");
    if ((rc = store_del(t, TBL_META, k.key, k.len)))
        return accord_fail(msg, cap, rc, "cannot delete the filter: %s", accord_strerror(rc));
    msgpack_pack_map(pk, 1);
    api_pack_cstr(pk, "deleted");
    msgpack_pack_true(pk);
    return 0;
}
