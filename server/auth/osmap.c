/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "auth/osmap.h"
#include "proto/accord_err.h"
#include "proto/schema.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

static void uid_key(uint32_t uid, uint8_t k[4])
{
    k[0] = (uint8_t)(uid >> 24), k[1] = (uint8_t)(uid >> 16), k[2] = (uint8_t)(uid >> 8), k[3] = (uint8_t)uid;
}

int osmap_get(store_txn_t *t, uint32_t uid, char *login, size_t cap)
{
    uint8_t k[4];
    uid_key(uid, k);
    store_val_t v;
    int rc = store_get(t, TBL_OSUSERS, k, sizeof k, &v);
    if (rc) return rc;
    if (v.len == 0 || v.len >= cap || v.len > SCHEMA_LOGIN_MAX) return ACCORD_ENOTFOUND;
    memcpy(login, v.data, v.len);
    login[v.len] = 0;
    return 0;
}

int osmap_put(store_txn_t *t, uint32_t uid, const char *login)
{
    uint8_t k[4];
    uid_key(uid, k);
    return store_put(t, TBL_OSUSERS, k, sizeof k, login, strlen(login));
}

int osmap_del(store_txn_t *t, uint32_t uid)
{
    uint8_t k[4];
    uid_key(uid, k);
    store_val_t v;
    int rc = store_get(t, TBL_OSUSERS, k, sizeof k, &v);
    return rc ? rc : store_del(t, TBL_OSUSERS, k, sizeof k);
}

int osmap_each(store_txn_t *t, osmap_fn fn, void *ctx)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_OSUSERS, NULL, 0, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        char login[SCHEMA_LOGIN_MAX + 1];
        if (k.len != 4 || v.len == 0 || v.len > SCHEMA_LOGIN_MAX) continue;
        const uint8_t *b = k.data;
        memcpy(login, v.data, v.len);
        login[v.len] = 0;
        if ((rc = fn(ctx, (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3], login))) break;
    }
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

void osmap_account_name(uint32_t uid, char *out, size_t cap)
{
    struct passwd pw, *found = NULL;
    char buf[1024];
    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &found) == 0 && found) snprintf(out, cap, "%s", pw.pw_name);
    else snprintf(out, cap, "uid %u", uid);
}
