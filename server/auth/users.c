/* SPDX-License-Identifier: MIT */
#include "auth/users.h"
#include "proto/accord_err.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

const char *user_role_name(user_role_t role)
{
    return role == USER_ADMIN ? "admin" : role == USER_STAFF ? "staff" : "manager";
}

int user_role_by_name(const char *name)
{
    if (!strcmp(name, "manager")) return USER_MANAGER;
    if (!strcmp(name, "admin")) return USER_ADMIN;
    if (!strcmp(name, "staff")) return USER_STAFF;
    return ACCORD_EINVAL;
}

static bool name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > USER_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || c == '@'))
            return false;
    }
    return true;
}

int users_put(store_txn_t *t, const char *name, user_role_t role, const char *password, char *err, size_t cap)
{
    if (!name_valid(name))
        return accord_fail(err, cap, ACCORD_EINVAL, "user name: 1-%d letters, digits, '.', '_', '-' or '@'", USER_NAME_MAX);
    size_t plen = strlen(password);
    if (plen < USER_PASSWORD_MIN || plen > USER_PASSWORD_MAX)
        return accord_fail(err, cap, ACCORD_EINVAL, "password: %d to %d characters", USER_PASSWORD_MIN, USER_PASSWORD_MAX);
    char val[1 + crypto_pwhash_STRBYTES];
    val[0] = (char)role;
    if (crypto_pwhash_str(val + 1, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE))
        return accord_fail(err, cap, ACCORD_EINTERNAL, "cannot hash the password (out of memory)");
    return store_put(t, TBL_USERS, name, strlen(name), val, 1 + strlen(val + 1));
}

int users_remove(store_txn_t *t, const char *name)
{
    store_val_t v;
    int rc = store_get(t, TBL_USERS, name, strlen(name), &v);
    return rc ? rc : store_del(t, TBL_USERS, name, strlen(name));
}

_Static_assert(crypto_pwhash_OPSLIMIT_INTERACTIVE == 2 && crypto_pwhash_MEMLIMIT_INTERACTIVE == 67108864,
               "users_check's dummy hash must be made with the limits users_put uses");

/* An unknown name is checked against a hash of nothing, so both take as long: an Argon2id
 * hash of "" made once with the interactive limits users_put() uses (t=2, m=64 MiB), a
 * constant so no thread ever builds it. */
static const char dummy_hash[crypto_pwhash_STRBYTES] = "$argon2id$v=19$m=65536,t=2,p=1$g4MNkODla8seCOOfMp1TNA$"
                                                       "s2hxFiaHtYOFT5ZUZpaicnhbPGfRcRcItbAQw5cN9+4";

bool users_verify_hash(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash && hash[0] ? hash : dummy_hash, password, strlen(password)) == 0 && hash &&
           hash[0];
}

int users_check(store_txn_t *t, const char *name, const char *password, user_role_t *role)
{
    char hash[crypto_pwhash_STRBYTES];
    store_val_t v;
    int found = store_get(t, TBL_USERS, name, strlen(name), &v) == 0 && v.len > 1 && v.len - 1 < sizeof hash;
    if (found) {
        memcpy(hash, (const char *)v.data + 1, v.len - 1);
        hash[v.len - 1] = 0;
        *role = (user_role_t)((const uint8_t *)v.data)[0];
    }
    return users_verify_hash(found ? hash : NULL, password) ? 0 : ACCORD_EKEY;
}

int users_hash_password(const char *password, char *out, size_t cap, char *err, size_t ecap)
{
    size_t plen = strlen(password);
    if (plen < USER_PASSWORD_MIN || plen > USER_PASSWORD_MAX)
        return accord_fail(err, ecap, ACCORD_EINVAL, "password: %d to %d characters", USER_PASSWORD_MIN, USER_PASSWORD_MAX);
    if (cap < crypto_pwhash_STRBYTES) return accord_fail(err, ecap, ACCORD_EINTERNAL, "no room for the hash");
    if (crypto_pwhash_str(out, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE))
        return accord_fail(err, ecap, ACCORD_EINTERNAL, "cannot hash the password (out of memory)");
    return 0;
}

int users_role(store_txn_t *t, const char *name, user_role_t *role)
{
    store_val_t v;
    int rc = store_get(t, TBL_USERS, name, strlen(name), &v);
    if (rc) return rc;
    if (v.len < 1) return ACCORD_ENOTFOUND;
    *role = (user_role_t)((const uint8_t *)v.data)[0];
    return 0;
}

int users_each(store_txn_t *t, users_fn fn, void *ctx)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_USERS, NULL, 0, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        char name[USER_NAME_MAX + 1];
        if (k.len > USER_NAME_MAX || v.len < 1) continue;
        memcpy(name, k.data, k.len);
        name[k.len] = 0;
        if ((rc = fn(ctx, name, (user_role_t)((const uint8_t *)v.data)[0]))) break;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}
