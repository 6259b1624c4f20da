/* SPDX-License-Identifier: MIT
 * hook_url: a webhook's URL, checked before it is stored and again as it is connected to.
 * Taken: http:// or https://, a host name, an IPv4 address or an [IPv6] address, an
 * optional port, then any path and query; printable ASCII only, at most HOOK_URL_MAX
 * bytes, no user:password@ (the secret signs; a URL is listed and logged).
 * Refused also: a URL that points at this node itself, i.e. a port this node listens on
 * (its --http, its sync --listen) on a host that is this machine (a loopback or wildcard
 * address, "localhost", one of the machine's interface addresses, or the listen address
 * as given). A POST to itself would be a loop of changes, or its own API spoken to by
 * anyone who may add a hook. Other ports of 127.0.0.1 stay allowed (a receiver beside the
 * node). A host name is resolved only at delivery: hook_self_refuses is asked again there
 * with the address connected to. */
#ifndef ACCORD_HOOK_URL_H
#define ACCORD_HOOK_URL_H

#include <stdbool.h>
#include <stddef.h>

#define HOOK_URL_MAX 2048
#define HOOK_HOST_MAX 256
#define HOOK_SELF_MAX 4

typedef struct {
    bool https;
    char host[HOOK_HOST_MAX]; /* as written, without an IPv6 address's brackets */
    unsigned port;            /* as written, or 80 / 443 */
} hook_url_t;

/* Parses url (len bytes, untrusted). 0, or ACCORD_EINVAL with a sentence in why. */
int hook_url_parse(const char *url, size_t len, hook_url_t *u, char *why, size_t why_cap);

/* Where this node listens: what a webhook may not point at. */
typedef struct {
    unsigned n;
    struct {
        char host[HOOK_HOST_MAX]; /* "" or "*" for every address */
        unsigned port;
    } ep[HOOK_SELF_MAX];
} hook_self_t;

/* Adds a listen address as the options give it: the --http "[ADDR:]PORT" (ADDR defaults
 * to 127.0.0.1) or the sync --listen "tcp://HOST:PORT". Anything else is ignored (ipc://:
 * no port). Returns false if s is full or listen is not understood. */
bool hook_self_add(hook_self_t *s, const char *listen);
/* True if host (a name or an address as text) on port is this node: see above. An IPv4
 * address is the same however it is written (2130706433, 127.1, ::ffff:127.0.0.1: curl
 * takes those forms, and an IPv6 socket reaches an IPv4 listener through the mapped one).
 * Asks the machine's interfaces (getifaddrs) for an address that is not a loopback one. */
bool hook_self_refuses(const hook_self_t *s, const char *host, unsigned port);
/* hook_url_parse, then hook_self_refuses: the check `webhook add` makes. */
int hook_url_check(const char *url, size_t len, const hook_self_t *s, char *why, size_t why_cap);

#endif
