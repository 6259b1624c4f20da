/* SPDX-License-Identifier: MIT */
#include "roster_entry.h"
#include "accord_err.h"
#include "mpread.h"

#include <msgpack.h>
#include <string.h>

#define ROSTER_FORMAT 1
#define ROSTER_DOMAIN "accord-roster-v1"

static bool label_ok(const char *s, size_t n, bool may_be_empty)
{
    if (n == 0) return may_be_empty;
    if (n > ROSTER_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.'))
            return false;
    }
    return true;
}

const char *roster_entry_invalid(const roster_entry_t *e)
{
    if (e->action != ROSTER_ENROLL && e->action != ROSTER_REVOKE) return "action must be enroll or revoke";
    if (!label_ok(e->name, strlen(e->name), false)) return "name must be 1-64 letters, digits, '-', '_' or '.'";
    if (strcmp(e->role, "hub") && strcmp(e->role, "branch")) return "role must be hub or branch";
    if (!label_ok(e->region, strlen(e->region), true)) return "region must be up to 64 letters, digits, '-', '_' or '.'";
    if (e->issued_ms == 0) return "issued time missing";
    return NULL;
}

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

int roster_entry_sign(const roster_entry_t *e, const uint8_t org_sk[CRYPTO_SK_LEN], uint8_t *out,
                      size_t *len)
{
    if (roster_entry_invalid(e)) return ACCORD_EINVAL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 7);
    msgpack_pack_uint8(&pk, ROSTER_FORMAT);
    msgpack_pack_uint8(&pk, e->action);
    msgpack_pack_bin(&pk, CRYPTO_PK_LEN);
    msgpack_pack_bin_body(&pk, e->pk, CRYPTO_PK_LEN);
    pack_str(&pk, e->name);
    pack_str(&pk, e->role);
    pack_str(&pk, e->region);
    msgpack_pack_uint64(&pk, e->issued_ms);
    int rc = 0;
    if (CRYPTO_SIG_LEN + sb.size > ROSTER_ENTRY_MAX) {
        rc = ACCORD_ETOOBIG;
    } else {
        crypto_sign_domain(org_sk, ROSTER_DOMAIN, sb.data, sb.size, out);
        memcpy(out + CRYPTO_SIG_LEN, sb.data, sb.size);
        *len = CRYPTO_SIG_LEN + sb.size;
    }
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static void copy_label(mpread_t *r, char *out, size_t cap)
{
    size_t n = 0;
    const char *s = mpread_str(r, &n, cap - 1);
    if (!s) n = 0;
    memcpy(out, s ? s : "", n);
    out[n] = 0;
    if (s && memchr(s, 0, n)) r->err = ACCORD_EPROTO;
}

int roster_entry_open(const uint8_t *buf, size_t len, const uint8_t org_pk[CRYPTO_PK_LEN],
                      roster_entry_t *out)
{
    memset(out, 0, sizeof *out);
    if (len > ROSTER_ENTRY_MAX) return ACCORD_ETOOBIG;
    if (len <= CRYPTO_SIG_LEN) return ACCORD_EPROTO;
    mpread_t r;
    mpread_init_canonical(&r, buf + CRYPTO_SIG_LEN, len - CRYPTO_SIG_LEN);
    if (mpread_array(&r, 7) != 7) return ACCORD_EPROTO;
    uint64_t format = mpread_uint(&r);
    if (!r.err && format != ROSTER_FORMAT) return ACCORD_EVERSION;
    uint64_t action = mpread_uint(&r);
    mpread_bin_exact(&r, out->pk, CRYPTO_PK_LEN);
    copy_label(&r, out->name, sizeof out->name);
    copy_label(&r, out->role, sizeof out->role);
    copy_label(&r, out->region, sizeof out->region);
    out->issued_ms = mpread_uint(&r);
    if (!mpread_done(&r) || action > 255) return ACCORD_EPROTO;
    out->action = (uint8_t)action;
    if (roster_entry_invalid(out)) return ACCORD_EPROTO;
    if (!org_pk) return 0;
    return crypto_verify_domain(org_pk, ROSTER_DOMAIN, buf + CRYPTO_SIG_LEN, len - CRYPTO_SIG_LEN, buf);
}
