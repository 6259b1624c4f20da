/* SPDX-License-Identifier: MIT
 * tokens: API tokens for other systems, in TBL_TOKENS, local to the node (not replicated,
 * not in snapshots). A token is "acc_" and 64 hex digits (32 random bytes), shown once
 * when made; the table keeps only its BLAKE2b-256 hash, the key a request's token is
 * looked up by (the token is random and long: no slow hash is needed). A token's id is
 * the first 12 hex digits of that hash: what lists show and revoke takes.
 *
 * Value: version(1)=1 scope(1) created(8 BE) expires(8 BE, 0 never) last used(8 BE, 0
 * never) revoked(8 BE, 0 not), then user, name and the last user's address, each len(1)
 * bytes. Times are ms since 1970 UTC.
 *
 * Whether a token's user exists and may act is tokens_user_status(), the one place that
 * asks (today the local users table, auth/users.h). Any thread; the write functions need
 * a write transaction. */
#ifndef ACCORD_TOKENS_H
#define ACCORD_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/users.h"
#include "store/store.h"

#define TOKEN_TEXT_LEN (4 + 64)   /* "acc_" and 64 hex digits */
#define TOKEN_ID_LEN 12           /* hex digits of the hash that name a token */
#define TOKEN_NAME_MAX 64         /* a label, as given */
#define TOKEN_ADDRESS_MAX 46
#define TOKEN_TOUCH_MS 60000ull   /* last use is written at most this often per token */

typedef enum { TOKEN_READ = 1, TOKEN_WRITE = 2 } token_scope_t; /* read: GET routes only */

typedef struct {
    uint8_t hash[32];                       /* the key */
    char id[TOKEN_ID_LEN + 1];              /* hex of the hash's first bytes */
    char user[USER_NAME_MAX + 1];           /* whom it acts as */
    char name[TOKEN_NAME_MAX + 1];          /* a label ("" if none) */
    token_scope_t scope;
    uint64_t created_ms, expires_ms;        /* expires 0: never */
    uint64_t last_used_ms;                  /* 0: never used */
    uint64_t revoked_ms;                    /* 0: not revoked */
    char last_address[TOKEN_ADDRESS_MAX + 1]; /* of the last use written */
} token_info_t;

const char *token_scope_name(token_scope_t scope); /* "read", "write" */
int token_scope_by_name(const char *name);         /* the scope, or ACCORD_EINVAL */

/* When a token given --expires text ends, from now: "2027-01-31" (00:00 UTC that day),
 * "30d", "12h". ACCORD_EINVAL for anything else or a time not after now. */
int token_parse_expiry(const char *text, uint64_t now_ms, uint64_t *expires_ms);

/* 0 and the user's role if user exists and may act (sign in, hold and use a token);
 * ACCORD_ENOTFOUND if there is no such user. The one place that asks. */
int tokens_user_status(store_txn_t *t, const char *user, user_role_t *role);

/* Makes a token for user (who must exist: ACCORD_ENOTFOUND) in the write transaction t:
 * its text into token (TOKEN_TEXT_LEN + 1 bytes; the only copy: the caller shows it once
 * and wipes it), what is stored into *info. name may be NULL; expires_ms 0 is never.
 * ACCORD_EINVAL, with err filled, for a name too long or with control characters. */
int tokens_add(store_txn_t *t, const char *user, token_scope_t scope, uint64_t expires_ms, const char *name,
               uint64_t now_ms, char *token, token_info_t *info, char *err, size_t cap);

/* What a request's token is: one that may be used now, or why not. */
typedef enum { TOKEN_VALID, TOKEN_UNKNOWN, TOKEN_REVOKED, TOKEN_EXPIRED } token_state_t;

/* Looks up a request's token: *state, and *info for a token this node made (to say when it
 * was revoked or expired). 0, or a store error. */
int tokens_check(store_txn_t *t, const char *token, uint64_t now_ms, token_state_t *state, token_info_t *info);

/* Notes a use now from address, in the write transaction t, if the last one written is
 * TOKEN_TOUCH_MS old or more; *written says whether it was. ACCORD_ENOTFOUND if the
 * token has gone. */
int tokens_touch(store_txn_t *t, const uint8_t hash[32], uint64_t now_ms, const char *address, bool *written);

/* Revokes the token whose id is id (TOKEN_ID_LEN hex digits, or a longer prefix of the
 * hash) in the write transaction t; *info is the token. ACCORD_ENOTFOUND if none,
 * ACCORD_EAMBIGUOUS if the prefix names several,
 * ACCORD_EINVAL if id is not hex of that length; revoking again keeps the first time. */
int tokens_revoke(store_txn_t *t, const char *id, uint64_t now_ms, token_info_t *info);

typedef int (*tokens_fn)(void *ctx, const token_info_t *info);
/* Calls fn for every token (valid for the call), by id; a nonzero return stops and is returned. */
int tokens_each(store_txn_t *t, tokens_fn fn, void *ctx);

#endif
