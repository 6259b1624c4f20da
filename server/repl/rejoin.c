/* SPDX-License-Identifier: MIT */
#include "repl/rejoin.h"
#include "proto/accord_err.h"

#include <string.h>

#define REJOIN_KEY "rejoin"

bool rejoin_pending(store_t *st)
{
    store_txn_t *t;
    if (store_txn_begin(st, false, &t)) return false;
    store_val_t v;
    bool pending = store_get(t, TBL_META, REJOIN_KEY, strlen(REJOIN_KEY), &v) == 0 && v.len == 1 &&
                   ((const char *)v.data)[0] == '1';
    store_txn_abort(&t);
    return pending;
}

int rejoin_mark(store_txn_t *t, bool pending)
{
    if (pending) return store_put(t, TBL_META, REJOIN_KEY, strlen(REJOIN_KEY), "1", 1);
    int rc = store_del(t, TBL_META, REJOIN_KEY, strlen(REJOIN_KEY));
    return rc == ACCORD_ENOTFOUND ? 0 : rc;
}
