/* SPDX-License-Identifier: MIT
 * rejoin: a node restored from a backup may lack the newest records of its own feed, which
 * the hub holds. Were it to write, its next record would take a seq the hub already has:
 * a fork. So `accordctl restore` marks the store, the node accepts no change while marked,
 * and sync clears the mark once this node holds its own feed up to the hub's head. */
#ifndef ACCORD_REJOIN_H
#define ACCORD_REJOIN_H

#include <stdbool.h>

#include "store/store.h"

bool rejoin_pending(store_t *st);
int rejoin_mark(store_txn_t *t, bool pending);

#define REJOIN_WAITING_TEXT                                                                         \
    "this node was restored from a backup and accepts no changes until it has fetched its own " \
    "newest changes from the hub (rejoin): start it with --upstream and let it connect, or, if " \
    "the hub is out of reach, stop it and start a new feed epoch with 'accordctl epoch new'"

#endif
