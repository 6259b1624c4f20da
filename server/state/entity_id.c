/* SPDX-License-Identifier: MIT */
#include "state/entity_id.h"
#include "proto/accord_err.h"
#include "state/entity.h"

#include <ctype.h>
#include <string.h>

int entity_resolve_id(store_txn_t *t, const char *hex, uint8_t id[ID_LEN])
{
    size_t n = strlen(hex);
    if (n < 4 || n > 2 * ID_LEN) return ACCORD_EINVAL;
    uint8_t prefix[ID_LEN] = {0};
    for (size_t i = 0; i < n; i++) {
        int c = tolower((unsigned char)hex[i]);
        int d = isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0) return ACCORD_EINVAL;
        prefix[i / 2] |= (uint8_t)(i % 2 ? d : d << 4);
    }
    if (n == 2 * ID_LEN) {
        memcpy(id, prefix, ID_LEN);
        return entity_kind(t, id) < 0 ? ACCORD_ENOTFOUND : 0;
    }
    /* an odd digit count leaves half a byte: scan the whole bytes, then check the nibble */
    store_iter_t *it;
    int rc = store_iter_new(t, TBL_KINDS, prefix, n / 2, false, &it);
    if (rc) return rc;
    store_val_t k, v;
    int found = 0;
    while ((rc = store_iter_next(it, &k, &v)) == 1) {
        const uint8_t *key = k.data;
        if (n % 2 && (key[n / 2] >> 4) != (prefix[n / 2] >> 4)) continue;
        if (found++) break;
        memcpy(id, key, ID_LEN);
    }
    store_iter_destroy(&it);
    if (rc < 0) return rc;
    return found == 0 ? ACCORD_ENOTFOUND : found > 1 ? ACCORD_EAMBIGUOUS : 0;
}
