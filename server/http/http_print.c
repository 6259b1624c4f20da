/* SPDX-License-Identifier: MIT
 * http_print: GET /print/invoice/ID and /print/quote/ID, a document's page to print, for a
 * signed-in user (any role: it is a read). The MHD thread asks the node through the local
 * socket, as the branch app's reads do, and client/print.h writes the page, the same bytes
 * as `accord invoice print`. The page's policy lets in nothing but its own style, named by
 * its hash: no script, no request. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "client/print.h"
#include "proto/accord_err.h"
#include "proto/print_doc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char policy[256];
static pthread_once_t policy_once = PTHREAD_ONCE_INIT;

/* The page's Content-Security-Policy, with the SHA-256 of its one <style> element. */
static void make_policy(void)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    const char *css = print_doc_css();
    crypto_hash_sha256(hash, (const unsigned char *)css, strlen(css));
    sodium_bin2base64(b64, sizeof b64, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL);
    snprintf(policy, sizeof policy,
             "default-src 'none'; style-src 'sha256-%s'; base-uri 'none'; form-action 'none'; "
             "frame-ancestors 'none'", b64);
}

static enum MHD_Result text_reply(struct MHD_Connection *c, unsigned status, const char *text)
{
    char body[600];
    int n = snprintf(body, sizeof body, "%s\n", text);
    size_t len = (size_t)n < sizeof body ? (size_t)n : sizeof body - 1; /* a longer message is cut */
    return http_respond_with_policy(c, status, "text/plain; charset=utf-8", body, len, policy);
}

static unsigned status_of(int rc)
{
    if (rc == ACCORD_ENOTFOUND || rc == ACCORD_EDELETED) return MHD_HTTP_NOT_FOUND;
    if (rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT) return MHD_HTTP_SERVICE_UNAVAILABLE;
    if (rc == ACCORD_EINVAL || rc == ACCORD_EAMBIGUOUS) return MHD_HTTP_BAD_REQUEST;
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

enum MHD_Result http_route_print(http_t *h, const http_req_t *r)
{
    pthread_once(&policy_once, make_policy);
    char kind[16];
    const char *slash = strchr(r->tail, '/');
    size_t kind_len = slash ? (size_t)(slash - r->tail) : 0;
    const char *id = slash ? slash + 1 : "";
    if (kind_len >= sizeof kind || !*id || strlen(id) > 64 || strchr(id, '/'))
        return text_reply(r->c, MHD_HTTP_NOT_FOUND, "no such page: /print/invoice/ID or /print/quote/ID");
    memcpy(kind, r->tail, kind_len);
    kind[kind_len] = 0;
    if (strcmp(kind, "invoice") && strcmp(kind, "quote"))
        return text_reply(r->c, MHD_HTTP_NOT_FOUND, "no such page: /print/invoice/ID or /print/quote/ID");
    if (!h->client && accord_client_new(store_dir(h->st), 10000, &h->client))
        return text_reply(r->c, MHD_HTTP_SERVICE_UNAVAILABLE, "the node's API does not answer");
    print_request_t req = {kind, id, NULL, MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "lang")};
    char *page = NULL, msg[512];
    size_t len = 0;
    FILE *f = open_memstream(&page, &len);
    if (!f) return MHD_NO;
    int rc = print_document(h->client, &req, f, NULL, msg, sizeof msg);
    fclose(f);
    if (rc == ACCORD_ENET || rc == ACCORD_ETIMEOUT) accord_client_destroy(&h->client); /* a new socket next time */
    enum MHD_Result ret =
        rc ? text_reply(r->c, status_of(rc), msg)
           : http_respond_with_policy(r->c, MHD_HTTP_OK, "text/html; charset=utf-8", page, len, policy);
    free(page);
    return ret;
}
