/* SPDX-License-Identifier: MIT
 * osmap: which Accord user each OS account of this machine writes as, when it talks to
 * the node on its local socket (the node reads the caller's uid from the socket's peer
 * credentials). Local to the node, like the machine's accounts: TBL_OSUSERS, uid(4 BE) ->
 * login. Set by whoever may write the data directory (accordctl user map). */
#ifndef ACCORD_OSMAP_H
#define ACCORD_OSMAP_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

int osmap_get(store_txn_t *t, uint32_t uid, char *login, size_t cap); /* ACCORD_ENOTFOUND if unmapped */
int osmap_put(store_txn_t *t, uint32_t uid, const char *login);
int osmap_del(store_txn_t *t, uint32_t uid); /* ACCORD_ENOTFOUND if unmapped */
typedef int (*osmap_fn)(void *ctx, uint32_t uid, const char *login);
int osmap_each(store_txn_t *t, osmap_fn fn, void *ctx);
/* The account's name ("uid N" if the machine has none), for messages. */
void osmap_account_name(uint32_t uid, char *out, size_t cap);

#endif
