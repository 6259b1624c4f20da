/* SPDX-License-Identifier: MIT
 * users: the people who may sign in to this node's web pages (the hub's dashboard), in
 * TBL_USERS: name -> role(1) and an Argon2id password hash (libsodium crypto_pwhash_str,
 * interactive limits). Local to the node: not replicated, not in snapshots. The org's
 * users, which replicate, are records (people.h); a node signs in its local users only
 * while the org has none. */
#ifndef ACCORD_USERS_H
#define ACCORD_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define USER_NAME_MAX 64
#define USER_PASSWORD_MIN 10
#define USER_PASSWORD_MAX 256

typedef enum { USER_MANAGER = 1, USER_ADMIN = 2, USER_STAFF = 3 } user_role_t; /* a manager only reads */

const char *user_role_name(user_role_t role);
int user_role_by_name(const char *name); /* role, or ACCORD_EINVAL */

/* Adds or replaces a user. ACCORD_EINVAL names what is wrong in err. */
int users_put(store_txn_t *t, const char *name, user_role_t role, const char *password, char *err, size_t cap);
int users_remove(store_txn_t *t, const char *name); /* ACCORD_ENOTFOUND if none */
/* 0 and the role when name and password match; ACCORD_EKEY otherwise, taking as long for an
 * unknown name as for a wrong password. */
int users_check(store_txn_t *t, const char *name, const char *password, user_role_t *role);
/* Whether password matches an Argon2id hash (NULL or "": checked against a dummy, as long,
 * and false): the one check of every sign-in, local users and the org's alike. */
bool users_verify_hash(const char *hash, const char *password);
/* The Argon2id hash of a new password (USER_PASSWORD_MIN..MAX characters) into out (at
 * least 128 bytes); ACCORD_EINVAL names what is wrong in err. */
int users_hash_password(const char *password, char *out, size_t cap, char *err, size_t ecap);
/* 0 and the role of the user name; ACCORD_ENOTFOUND if there is none. No password asked. */
int users_role(store_txn_t *t, const char *name, user_role_t *role);
typedef int (*users_fn)(void *ctx, const char *name, user_role_t role);
int users_each(store_txn_t *t, users_fn fn, void *ctx);

#endif
