/* SPDX-License-Identifier: MIT */
#include "state/entity_id.h"
#include "proto/accord_err.h"
#include "proto/timeid.h"
#include "state/entity.h"
#include "state/index.h"

#include <ctype.h>
#include <string.h>

#define FOUND_MAX 8 /* entities collected from a text: enough to name some when ambiguous */

typedef struct {
    uint8_t ids[FOUND_MAX][ID_LEN];
    unsigned n;
    bool more; /* a match was left out: FOUND_MAX were held */
} found_t;

static void found_add(found_t *f, const uint8_t *id)
{
    for (unsigned i = 0; i < f->n; i++)
        if (!memcmp(f->ids[i], id, ID_LEN)) return; /* both rules named it */
    if (f->n == FOUND_MAX) {
        f->more = true;
        return;
    }
    memcpy(f->ids[f->n++], id, ID_LEN);
}

/* hex as bytes into out: n / 2 whole bytes, then the odd digit as a high nibble. -1 if
 * some character is not a hex digit. */
static int pack_hex(const char *hex, size_t n, uint8_t *out)
{
    memset(out, 0, (n + 1) / 2);
    for (size_t i = 0; i < n; i++) {
        int c = tolower((unsigned char)hex[i]);
        int d = isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0) return -1;
        out[i / 2] |= (uint8_t)(i % 2 ? d : d << 4);
    }
    return 0;
}

/* Adds to f the entities of tbl's keys that start with head (head_len bytes), then with
 * the digits packed in digits (n of them); an entity is its key's last ID_LEN bytes. The
 * keys are sorted, so an odd digit is a seek to its first key and a stop at the first key
 * past it: the walk reads only the keys that match, at most FOUND_MAX + 1 of them. */
static int add_prefixed(store_txn_t *t, store_table_t tbl, const uint8_t *head, size_t head_len,
                        const uint8_t *digits, size_t n, found_t *f)
{
    uint8_t prefix[1 + ID_LEN];
    if (head_len) memcpy(prefix, head, head_len); /* head is NULL for the entities' own keys */
    memcpy(prefix + head_len, digits, (n + 1) / 2);
    size_t whole = head_len + n / 2;
    store_iter_t *it;
    int rc = store_iter_new(t, tbl, prefix, whole, false, &it);
    if (rc) return rc;
    if (n % 2 && (rc = store_iter_seek(it, prefix, whole + 1))) goto done;
    store_val_t k, v;
    while ((rc = store_iter_next(it, &k, &v)) == 1 && !f->more) {
        const uint8_t *key = k.data;
        if (k.len < whole + 1 || k.len < ID_LEN) continue;
        if (n % 2 && (key[whole] >> 4) != (prefix[whole] >> 4)) break;
        found_add(f, key + k.len - ID_LEN);
    }
done:
    store_iter_destroy(&it);
    return rc < 0 ? rc : 0;
}

int entity_resolve_id_candidates(store_txn_t *t, const char *hex, uint8_t id[ID_LEN],
                                 uint8_t (*candidates)[ID_LEN], unsigned max, unsigned *n_out)
{
    size_t n = strlen(hex);
    if (n_out) *n_out = 0;
    uint8_t digits[ID_LEN];
    if (n < ENTITY_ID_MIN_DIGITS || n > 2 * ID_LEN || pack_hex(hex, n, digits)) return ACCORD_EINVAL;
    if (n == 2 * ID_LEN) {
        memcpy(id, digits, ID_LEN);
        return entity_kind(t, id) < 0 ? ACCORD_ENOTFOUND : 0;
    }
    found_t f = {.n = 0, .more = false};
    int rc = add_prefixed(t, TBL_ENTITIES, NULL, 0, digits, n, &f);
    static const uint8_t short_head[] = {IDX_SHORTID};
    if (!rc && n <= TIMEID_SHORT_MAX) rc = add_prefixed(t, TBL_INDEX, short_head, sizeof short_head, digits, n, &f);
    if (rc) return rc;
    if (f.n == 0) return ACCORD_ENOTFOUND;
    if (f.n == 1) {
        memcpy(id, f.ids[0], ID_LEN);
        return 0;
    }
    if (candidates && n_out) {
        unsigned shown = f.n < max ? f.n : max;
        memcpy(candidates, f.ids, shown * sizeof f.ids[0]);
        *n_out = f.more || f.n > max ? max + 1 : shown;
    }
    return ACCORD_EAMBIGUOUS;
}

int entity_resolve_id(store_txn_t *t, const char *hex, uint8_t id[ID_LEN])
{
    return entity_resolve_id_candidates(t, hex, id, NULL, 0, NULL);
}
