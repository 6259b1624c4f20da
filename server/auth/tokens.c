/* SPDX-License-Identifier: MIT
 * tokens: API tokens made, looked up by their hash, used and revoked (tokens.h). */
#define _POSIX_C_SOURCE 200809L
#include "auth/tokens.h"
#include "auth/people.h"
#include "auth/audit.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_PREFIX "acc_"
#define TOKEN_VERSION 1

const char *token_scope_name(token_scope_t scope)
{
    return scope == TOKEN_WRITE ? "write" : "read";
}

int token_scope_by_name(const char *name)
{
    if (!strcmp(name, "read")) return TOKEN_READ;
    if (!strcmp(name, "write")) return TOKEN_WRITE;
    return ACCORD_EINVAL;
}

int token_parse_expiry(const char *text, uint64_t now_ms, uint64_t *expires_ms)
{
    char unit = 0;
    unsigned long n;
    int used = 0;
    if (strlen(text) == 10 && text[4] == '-') {
        if (audit_parse_time(text, expires_ms)) return ACCORD_EINVAL;
    } else if (text[0] >= '1' && text[0] <= '9' && sscanf(text, "%lu%c%n", &n, &unit, &used) == 2 && !text[used] &&
               (unit == 'd' || unit == 'h') && n <= 36500) {
        *expires_ms = now_ms + (uint64_t)n * (unit == 'd' ? 24 : 1) * 3600 * 1000;
    } else {
        return ACCORD_EINVAL;
    }
    return *expires_ms > now_ms ? 0 : ACCORD_EINVAL;
}

int tokens_user_status(store_txn_t *t, const char *user, user_role_t *role)
{
    if (strlen(user) > USER_NAME_MAX) return ACCORD_ENOTFOUND;
    if (!people_enforced(t, NULL)) return users_role(t, user, role); /* a node's local users, before org users */
    person_t p;
    if (people_find_typed(t, user, &p) || p.disabled)
        return ACCORD_ENOTFOUND;
    schema_role_t best = 0; /* the highest role anywhere; where it applies is the HTTP side's (http_people.c) */
    for (unsigned i = 0; i < p.n; i++)
        if (p.grants[i].present && (!best || p.grants[i].g.role == ROLE_ADMIN ||
                                    (p.grants[i].g.role == ROLE_STAFF && best == ROLE_MANAGER)))
            best = p.grants[i].g.role;
    if (!best) return ACCORD_ENOTFOUND;
    *role = best == ROLE_ADMIN ? USER_ADMIN : best == ROLE_STAFF ? USER_STAFF : USER_MANAGER;
    return 0;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

static size_t put_text(uint8_t *p, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) n = max;
    p[0] = (uint8_t)n;
    memcpy(p + 1, s, n);
    return 1 + n;
}

static bool get_text(const uint8_t **p, const uint8_t *end, char *out, size_t max)
{
    if (*p >= end || (size_t)**p > max || (size_t)(end - *p - 1) < **p) return false;
    size_t n = **p;
    memcpy(out, *p + 1, n);
    out[n] = 0;
    *p += 1 + n;
    return true;
}

#define VALUE_MAX (2 + 4 * 8 + 3 + USER_NAME_MAX + TOKEN_NAME_MAX + TOKEN_ADDRESS_MAX)

static int put_info(store_txn_t *t, const token_info_t *in)
{
    uint8_t val[VALUE_MAX];
    size_t n = 0;
    val[n++] = TOKEN_VERSION;
    val[n++] = (uint8_t)in->scope;
    put_be64(val + n, in->created_ms), n += 8;
    put_be64(val + n, in->expires_ms), n += 8;
    put_be64(val + n, in->last_used_ms), n += 8;
    put_be64(val + n, in->revoked_ms), n += 8;
    n += put_text(val + n, in->user, USER_NAME_MAX);
    n += put_text(val + n, in->name, TOKEN_NAME_MAX);
    n += put_text(val + n, in->last_address, TOKEN_ADDRESS_MAX);
    return store_put(t, TBL_TOKENS, in->hash, sizeof in->hash, val, n);
}

static bool decode(const uint8_t hash[32], store_val_t v, token_info_t *out)
{
    const uint8_t *p = v.data, *end = p + v.len;
    memset(out, 0, sizeof *out);
    if (v.len < 2 + 4 * 8 || p[0] != TOKEN_VERSION || (p[1] != TOKEN_READ && p[1] != TOKEN_WRITE)) return false;
    memcpy(out->hash, hash, 32);
    crypto_hex(hash, TOKEN_ID_LEN / 2, out->id);
    out->scope = (token_scope_t)p[1];
    out->created_ms = get_be64(p + 2);
    out->expires_ms = get_be64(p + 10);
    out->last_used_ms = get_be64(p + 18);
    out->revoked_ms = get_be64(p + 26);
    p += 34;
    return get_text(&p, end, out->user, USER_NAME_MAX) && get_text(&p, end, out->name, TOKEN_NAME_MAX) &&
           get_text(&p, end, out->last_address, TOKEN_ADDRESS_MAX);
}

static int get_info(store_txn_t *t, const uint8_t hash[32], token_info_t *out)
{
    store_val_t v;
    int rc = store_get(t, TBL_TOKENS, hash, 32, &v);
    if (rc) return rc;
    return decode(hash, v, out) ? 0 : ACCORD_EPROTO;
}

static void hash_of(const char *token, size_t len, uint8_t hash[32])
{
    crypto_generichash(hash, 32, (const unsigned char *)token, len, NULL, 0);
}

static bool text_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return false;
    return true;
}

int tokens_add(store_txn_t *t, const char *user, token_scope_t scope, uint64_t expires_ms, const char *name,
               uint64_t now_ms, char *token, token_info_t *info, char *err, size_t cap)
{
    user_role_t role;
    if (!name) name = "";
    if (strlen(name) > TOKEN_NAME_MAX || !text_ok(name))
        return accord_fail(err, cap, ACCORD_EINVAL, "--name: at most %d bytes, no control characters", TOKEN_NAME_MAX);
    int rc = tokens_user_status(t, user, &role);
    if (rc == ACCORD_ENOTFOUND)
        return accord_fail(err, cap, rc, "no user '%s' on this node: add them first (accordctl user add)", user);
    if (rc) return accord_fail(err, cap, rc, "cannot read the users: %s", accord_strerror(rc));
    uint8_t raw[32];
    crypto_random(raw, sizeof raw);
    memcpy(token, TOKEN_PREFIX, 4);
    crypto_hex(raw, sizeof raw, token + 4);
    token[TOKEN_TEXT_LEN] = 0;
    sodium_memzero(raw, sizeof raw);
    memset(info, 0, sizeof *info);
    hash_of(token, TOKEN_TEXT_LEN, info->hash);
    crypto_hex(info->hash, TOKEN_ID_LEN / 2, info->id);
    snprintf(info->user, sizeof info->user, "%s", user);
    snprintf(info->name, sizeof info->name, "%s", name);
    info->scope = scope;
    info->created_ms = now_ms;
    info->expires_ms = expires_ms;
    if ((rc = put_info(t, info))) return accord_fail(err, cap, rc, "cannot store the token: %s", accord_strerror(rc));
    return 0;
}

int tokens_check(store_txn_t *t, const char *token, uint64_t now_ms, token_state_t *state, token_info_t *info)
{
    *state = TOKEN_UNKNOWN;
    if (strlen(token) != TOKEN_TEXT_LEN || strncmp(token, TOKEN_PREFIX, 4)) return 0;
    uint8_t hash[32];
    hash_of(token, TOKEN_TEXT_LEN, hash);
    int rc = get_info(t, hash, info);
    if (rc == ACCORD_ENOTFOUND || rc == ACCORD_EPROTO) return 0; /* a damaged row lets no one in */
    if (rc) return rc;
    *state = info->revoked_ms ? TOKEN_REVOKED : info->expires_ms && now_ms >= info->expires_ms ? TOKEN_EXPIRED : TOKEN_VALID;
    return 0;
}

int tokens_touch(store_txn_t *t, const uint8_t hash[32], uint64_t now_ms, const char *address, bool *written)
{
    token_info_t info;
    *written = false;
    int rc = get_info(t, hash, &info);
    if (rc) return rc;
    if (info.last_used_ms && now_ms - info.last_used_ms < TOKEN_TOUCH_MS && now_ms >= info.last_used_ms) return 0;
    info.last_used_ms = now_ms;
    snprintf(info.last_address, sizeof info.last_address, "%s", address ? address : "");
    *written = true;
    return put_info(t, &info);
}

typedef struct {
    const char *id;
    size_t len;
    token_info_t *found;
    int n;
} find_t;

static int match_id(void *ctx, const token_info_t *info)
{
    find_t *f = ctx;
    char hex[65];
    crypto_hex(info->hash, 32, hex);
    if (strncmp(hex, f->id, f->len)) return 0;
    if (!f->n++) *f->found = *info;
    return 0;
}

int tokens_revoke(store_txn_t *t, const char *id, uint64_t now_ms, token_info_t *info)
{
    size_t len = strlen(id);
    if (len < TOKEN_ID_LEN || len > 64 || strspn(id, "0123456789abcdef") != len) return ACCORD_EINVAL;
    find_t f = {id, len, info, 0};
    int rc = tokens_each(t, match_id, &f);
    if (rc) return rc;
    if (f.n == 0) return ACCORD_ENOTFOUND;
    if (f.n > 1) return ACCORD_EAMBIGUOUS;
    if (info->revoked_ms) return 0;
    info->revoked_ms = now_ms;
    return put_info(t, info);
}

int tokens_each(store_txn_t *t, tokens_fn fn, void *ctx)
{
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_TOKENS, NULL, 0, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    token_info_t info;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        if (k.len != 32 || !decode(k.data, v, &info)) continue;
        if ((rc = fn(ctx, &info))) break;
    }
    store_iter_destroy(&it);
    return rc == 1 ? 0 : rc;
}
