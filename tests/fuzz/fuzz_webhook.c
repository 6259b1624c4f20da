/* SPDX-License-Identifier: MIT
 * libFuzzer target: every decoder of the webhooks over untrusted bytes (server/hooks/).
 * The first byte picks one, the rest is its input:
 *   0  an --events list (hook_patterns_parse): a list taken formats to text that parses to
 *      the same patterns, each of which matches itself or is a wildcard
 *   1  a URL (hook_url_parse, hook_url_check): one taken has a host of 1-255 bytes and a
 *      port 1-65535, and a refusal always says why
 *   2  a stored hook row (hook_row_decode): one taken encodes again to the same bytes
 *   3  a stored outbox row (hook_item_decode, key = the first 16 bytes): its body lies
 *      within the row
 *   4  a stored delivery log entry (hook_log_decode, key = the first 8 bytes) */
#include "hooks/hook_events.h"
#include "hooks/hook_log.h"
#include "hooks/hook_outbox.h"
#include "hooks/hook_store.h"
#include "hooks/hook_url.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void patterns(const char *s, size_t n)
{
    hook_patterns_t p, q;
    char why[256], text[HOOK_EVENTS_TEXT_MAX + 1];
    why[0] = 0;
    if (hook_patterns_parse(s, n, &p, why, sizeof why)) {
        if (!why[0]) abort();
        return;
    }
    hook_patterns_format(&p, text, sizeof text);
    if (hook_patterns_parse(text, strlen(text), &q, why, sizeof why) || q.n != p.n) abort();
    for (unsigned i = 0; i < p.n; i++) {
        if (strcmp(p.pattern[i], q.pattern[i])) abort();
        if (!strchr(p.pattern[i], '*') && !hook_patterns_match(&p, p.pattern[i])) abort();
    }
}

static void url(const char *s, size_t n)
{
    hook_url_t u;
    hook_self_t self = {0};
    hook_self_add(&self, "127.0.0.1:7480");
    hook_self_add(&self, "tcp://0.0.0.0:7400");
    char why[256];
    why[0] = 0;
    if (hook_url_parse(s, n, &u, why, sizeof why)) {
        if (!why[0]) abort();
        return;
    }
    size_t hl = strlen(u.host);
    if (hl == 0 || hl >= HOOK_HOST_MAX || u.port < 1 || u.port > 65535) abort();
    why[0] = 0;
    if (hook_url_check(s, n, &self, why, sizeof why) && !why[0]) abort();
}

static void hook_row(const uint8_t *d, size_t n)
{
    hook_t h;
    if (hook_row_decode(d, n, 1, &h)) return;
    static uint8_t again[HOOK_ROW_MAX];
    size_t len = hook_row_encode(&h, again);
    if (len != n || memcmp(again, d, n)) abort();
}

static void item(const uint8_t *d, size_t n)
{
    if (n < 16) return;
    hook_item_t it;
    if (hook_item_decode(d, 16, d + 16, n - 16, &it)) return;
    const char *end = (const char *)d + n;
    if (it.body < (const char *)d + 16 || it.body + it.body_len != end || it.body_len > HOOK_BODY_MAX) abort();
    if (strlen(it.event) >= HOOK_EVENT_MAX) abort();
}

static void log_entry(const uint8_t *d, size_t n)
{
    if (n < 8) return;
    hook_log_entry_t e;
    if (hook_log_decode(d, 8, d + 8, n - 8, &e)) return;
    if (strlen(e.event) >= HOOK_EVENT_MAX || strlen(e.error) > HOOK_ERROR_MAX) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: patterns((const char *)d, n); break;
    case 1: url((const char *)d, n); break;
    case 2: hook_row(d, n); break;
    case 3: item(d, n); break;
    case 4: log_entry(d, n); break;
    }
    return 0;
}
