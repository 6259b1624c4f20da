/* SPDX-License-Identifier: MIT */
#include "hooks/hook_url.h"
#include "proto/accord_err.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

static bool is_v6_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* The port of ":NNNNN" text (n bytes after the colon); 0 if it is not 1..65535. */
static unsigned parse_port(const char *p, size_t n)
{
    if (n == 0 || n > 5) return 0;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v <= 65535 ? v : 0;
}

int hook_url_parse(const char *url, size_t len, hook_url_t *u, char *why, size_t why_cap)
{
    memset(u, 0, sizeof *u);
    if (len == 0 || len > HOOK_URL_MAX)
        return accord_fail(why, why_cap, ACCORD_EINVAL, "url: give an http:// or https:// URL of at most %d bytes",
                           HOOK_URL_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
            return accord_fail(why, why_cap, ACCORD_EINVAL,
                               "url: printable ASCII only, no spaces (percent-encode the rest)");
    size_t skip;
    if (len > 7 && !strncasecmp(url, "http://", 7)) skip = 7;
    else if (len > 8 && !strncasecmp(url, "https://", 8)) skip = 8, u->https = true;
    else
        return accord_fail(why, why_cap, ACCORD_EINVAL, "url: '%.*s...' is not http:// or https://: only those are sent to",
                           (int)(len < 16 ? len : 16), url);
    const char *a = url + skip, *end = url + len, *ae = a;
    while (ae < end && *ae != '/' && *ae != '?' && *ae != '#') ae++;
    if (memchr(a, '@', (size_t)(ae - a)))
        return accord_fail(why, why_cap, ACCORD_EINVAL, "url: no user:password@ in it: the hook's secret signs every request");
    const char *host = a, *host_end, *port = NULL;
    if (a < ae && *a == '[') {
        host = a + 1;
        host_end = memchr(host, ']', (size_t)(ae - host));
        if (!host_end) return accord_fail(why, why_cap, ACCORD_EINVAL, "url: an IPv6 address needs its closing ']'");
        for (const char *c = host; c < host_end; c++)
            if (!is_v6_char(*c)) return accord_fail(why, why_cap, ACCORD_EINVAL, "url: not an IPv6 address in [ ]");
        if (host_end + 1 < ae) {
            if (host_end[1] != ':') return accord_fail(why, why_cap, ACCORD_EINVAL, "url: ':PORT' may follow ']'");
            port = host_end + 2;
        }
    } else {
        host_end = memchr(a, ':', (size_t)(ae - a));
        if (host_end) port = host_end + 1;
        else host_end = ae;
        for (const char *c = host; c < host_end; c++)
            if (!is_name_char(*c)) return accord_fail(why, why_cap, ACCORD_EINVAL, "url: the host has a character no host name has");
    }
    size_t hlen = (size_t)(host_end - host);
    if (hlen == 0 || hlen >= HOOK_HOST_MAX) return accord_fail(why, why_cap, ACCORD_EINVAL, "url: give a host (1-255 bytes)");
    memcpy(u->host, host, hlen);
    u->host[hlen] = 0;
    if (port) {
        u->port = parse_port(port, (size_t)(ae - port));
        if (!u->port) return accord_fail(why, why_cap, ACCORD_EINVAL, "url: the port must be a number from 1 to 65535");
    } else {
        u->port = u->https ? 443 : 80;
    }
    return 0;
}

bool hook_self_add(hook_self_t *s, const char *listen)
{
    if (!listen || s->n == HOOK_SELF_MAX) return false;
    const char *p = listen;
    if (!strncmp(p, "tcp://", 6)) p += 6;
    else if (strstr(p, "://")) return false;
    const char *colon = strrchr(p, ':');
    const char *port = colon ? colon + 1 : p;
    unsigned v = parse_port(port, strlen(port));
    if (!v) return false;
    char host[HOOK_HOST_MAX] = "127.0.0.1"; /* --http PORT alone listens there (http.h) */
    if (colon) {
        size_t n = (size_t)(colon - p);
        if (n >= sizeof host) return false;
        if (n >= 2 && p[0] == '[' && p[n - 1] == ']') memcpy(host, p + 1, n - 2), host[n - 2] = 0;
        else memcpy(host, p, n), host[n] = 0;
    }
    snprintf(s->ep[s->n].host, sizeof s->ep[s->n].host, "%s", host);
    s->ep[s->n++].port = v;
    return true;
}

/* host's address as one text, so that every way of writing it compares equal: an IPv4
 * address in any form curl takes in a URL (2130706433, 127.1, 0x7f.0.0.1, 0177.0.0.1) or
 * IPv4-mapped in IPv6 (::ffff:127.0.0.1, which an AF_INET6 socket connects to the IPv4
 * listener of) as a dotted quad, another IPv6 address in inet_ntop's form; a name as
 * written. */
static void canonical_host(const char *host, char out[HOOK_HOST_MAX])
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_aton(host, &a4)) {
        inet_ntop(AF_INET, &a4, out, HOOK_HOST_MAX);
    } else if (inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_V4MAPPED(&a6)) {
        memcpy(&a4.s_addr, a6.s6_addr + 12, 4);
        inet_ntop(AF_INET, &a4, out, HOOK_HOST_MAX);
    } else if (inet_pton(AF_INET6, host, &a6) == 1) {
        inet_ntop(AF_INET6, &a6, out, HOOK_HOST_MAX);
    } else {
        snprintf(out, HOOK_HOST_MAX, "%s", host);
    }
}

/* A loopback or wildcard address, or a name for this machine by convention. */
static bool is_loopback_or_any(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (!strcasecmp(host, "localhost")) return true;
    size_t n = strlen(host);
    if (n > 10 && !strcasecmp(host + n - 10, ".localhost")) return true;
    if (inet_pton(AF_INET, host, &a4) == 1) {
        uint32_t v = ntohl(a4.s_addr);
        return (v >> 24) == 127 || v == 0;
    }
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6)) return true;
        if (IN6_IS_ADDR_V4MAPPED(&a6)) return a6.s6_addr[12] == 127 || !memcmp(a6.s6_addr + 12, "\0\0\0\0", 4);
    }
    return false;
}

/* True if host is an address literal of one of this machine's interfaces. */
static bool is_interface_address(const char *host)
{
    uint8_t want[16];
    int family = inet_pton(AF_INET, host, want) == 1 ? AF_INET : inet_pton(AF_INET6, host, want) == 1 ? AF_INET6 : 0;
    if (!family) return false;
    struct ifaddrs *list = NULL;
    if (getifaddrs(&list)) return false;
    bool found = false;
    for (struct ifaddrs *i = list; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != family) continue;
        const void *have = family == AF_INET ? (const void *)&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr
                                             : (const void *)&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
        found = !memcmp(have, want, family == AF_INET ? 4 : 16);
    }
    freeifaddrs(list);
    return found;
}

bool hook_self_refuses(const hook_self_t *s, const char *written, unsigned port)
{
    bool machine = false, asked = false; /* the machine's addresses are asked once, if a port matches */
    char host[HOOK_HOST_MAX], listen[HOOK_HOST_MAX];
    canonical_host(written, host);
    for (unsigned i = 0; i < s->n; i++) {
        if (s->ep[i].port != port) continue;
        canonical_host(s->ep[i].host, listen);
        if (!strcasecmp(listen, host)) return true;
        if (!asked) {
            machine = is_loopback_or_any(host) || is_interface_address(host);
            asked = true;
        }
        if (machine) return true;
    }
    return false;
}

int hook_url_check(const char *url, size_t len, const hook_self_t *s, char *why, size_t why_cap)
{
    hook_url_t u;
    int rc = hook_url_parse(url, len, &u, why, why_cap);
    if (rc) return rc;
    if (hook_self_refuses(s, u.host, u.port))
        return accord_fail(why, why_cap, ACCORD_EINVAL,
                           "url: %s port %u is this node itself (its --http or --listen): a hook must point at "
                           "another service",
                           u.host, u.port);
    return 0;
}
