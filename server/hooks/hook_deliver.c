/* SPDX-License-Identifier: MIT */
#include "hooks/hook_deliver.h"
#include "common/log.h"
#include "proto/accord_err.h"
#include "proto/crypto.h"
#include "proto/hlc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct hook_worker {
    store_t *st;                /* borrowed */
    hook_worker_config_t cfg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* signalled to stop */
    volatile bool stopping;     /* read by curl's progress callback too */
    hook_t *hooks;              /* HOOK_MAX, the round's copy of the table */
    struct {
        uint64_t hook, from_qseq;
        uint64_t hold_until_ms; /* its last attempt could not be recorded: not before then */
    } scan[HOOK_MAX];           /* where each hook's next look starts (hook_item_pending) */
    log_limit_t errors;         /* a store that keeps failing logs a few lines, not one a poll */
    CURL *curl;                 /* one handle for every POST: its connections are kept alive */
};

void hook_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
               char out[HOOK_SIGNATURE_LEN + 1])
{
    crypto_auth_hmacsha256_state st;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp, strlen(timestamp));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sha256=", 7);
    crypto_hex(mac, sizeof mac, out + 7);
    sodium_memzero(&st, sizeof st);
}

/* ---- one POST ---- */

typedef struct {
    const hook_worker_config_t *cfg;
    const volatile bool *stop;
    size_t got;              /* bytes of the answer read */
    bool too_long;           /* the answer passed HOOK_RESPONSE_MAX: cut off */
    bool to_self;            /* the address connected to is this node */
    char self_addr[64];
    char start[96];          /* the answer's first bytes, for the log */
} post_ctx_t;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    post_ctx_t *c = ud;
    size_t len = size * n;
    if (c->got < sizeof c->start - 1) {
        size_t take = len < sizeof c->start - 1 - c->got ? len : sizeof c->start - 1 - c->got;
        memcpy(c->start + c->got, data, take);
        c->start[c->got + take] = 0;
    }
    c->got += len;
    if (c->got > HOOK_RESPONSE_MAX) {
        c->too_long = true;
        return 0; /* curl stops reading */
    }
    return len;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d)
{
    (void)a, (void)b, (void)c2, (void)d;
    const post_ctx_t *c = ud;
    return c->stop && *c->stop;
}

/* The address curl is about to connect to, checked again: a name may resolve to this node. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
    post_ctx_t *c = ud;
    (void)purpose;
    char host[INET6_ADDRSTRLEN] = "";
    unsigned port = 0;
    if (addr->family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)&addr->addr;
        inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
        port = ntohs(s4->sin_port);
    } else if (addr->family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)&addr->addr;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
        port = ntohs(s6->sin6_port);
    } else {
        return CURL_SOCKET_BAD;
    }
    if (hook_self_refuses(&c->cfg->self, host, port)) {
        c->to_self = true;
        snprintf(c->self_addr, sizeof c->self_addr, "%s port %u", host, port);
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* Printable ASCII of an answer's first bytes, for the log. */
static void printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f) *s = ' ';
}

/* One POST with curl, a handle reset first: its open connections stay, so a webhook's
 * changes go one after another over one kept-alive connection. */
static void post_with(CURL *curl, const hook_worker_config_t *cfg, const hook_t *h, const hook_item_t *it,
                      const volatile bool *stop, hook_attempt_t *a)
{
    memset(a, 0, sizeof *a);
    curl_easy_reset(curl);
    char change[54], ts[24], sig[HOOK_SIGNATURE_LEN + 1], line[160];
    hook_change_id(it->origin, it->seq, change);
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    hook_sign(h->secret, ts, it->body, it->body_len, sig);
    struct curl_slist *hdr = NULL;
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue round trip */
    snprintf(line, sizeof line, "X-Accord-Event: %s", it->event), hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Accord-Change: %s", change), hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Accord-Timestamp: %s", ts), hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Accord-Signature: %s", sig), hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Accord-Hook: %llu", (unsigned long long)h->id), hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Accord-Attempt: %u", it->attempts + 1), hdr = curl_slist_append(hdr, line);
    post_ctx_t c = {.cfg = cfg, .stop = stop};
    curl_easy_setopt(curl, CURLOPT_URL, h->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075700
    /* a POST cut off (the node stopping, a timeout) while a name resolves leaves its
     * resolver thread behind, detached: curl would wait for getaddrinfo to return */
    curl_easy_setopt(curl, CURLOPT_QUICK_EXIT, 1L);
#endif
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "accord-node webhook");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, it->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->body_len);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)cfg->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &c);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &c);
    uint64_t t0 = hlc_wall_ms();
    CURLcode cc = curl_easy_perform(curl);
    a->duration_ms = (uint32_t)(hlc_wall_ms() - t0);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    a->http_status = (int)status;
    /* an answer cut off for its length still said its status */
    bool answered = cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && c.too_long);
    a->ok = answered && status >= 200 && status < 300;
    printable(c.start);
    if (c.to_self)
        snprintf(a->error, sizeof a->error, "refused: %s is this node itself", c.self_addr);
    else if (!answered)
        snprintf(a->error, sizeof a->error, "%s", curl_easy_strerror(cc));
    else if (!a->ok)
        snprintf(a->error, sizeof a->error, "HTTP %ld: %.100s", status, c.start);
    curl_slist_free_all(hdr);
}

void hook_post(const hook_worker_config_t *cfg, const hook_t *h, const hook_item_t *it, const volatile bool *stop,
               hook_attempt_t *a)
{
    CURL *curl = curl_easy_init();
    if (!curl) {
        memset(a, 0, sizeof *a);
        snprintf(a->error, sizeof a->error, "libcurl cannot start a request");
        return;
    }
    post_with(curl, cfg, h, it, stop, a);
    curl_easy_cleanup(curl);
}

/* ---- the worker ---- */

typedef struct {
    hook_t *hooks;
    unsigned n;
} hooks_copy_t;

static int copy_hook(void *ctx, const hook_t *h)
{
    hooks_copy_t *c = ctx;
    if (c->n < HOOK_MAX) c->hooks[c->n++] = *h;
    return 0;
}

/* Each hook of the round's copy keeps where its last look stopped; a new hook starts at
 * its first row. */
static void keep_scans(hook_worker_t *w, const hooks_copy_t *copy)
{
    uint64_t from[HOOK_MAX] = {0}, hold[HOOK_MAX] = {0};
    for (unsigned i = 0; i < copy->n; i++)
        for (unsigned j = 0; j < HOOK_MAX; j++)
            if (w->scan[j].hook == copy->hooks[i].id) from[i] = w->scan[j].from_qseq, hold[i] = w->scan[j].hold_until_ms;
    memset(w->scan, 0, sizeof w->scan);
    for (unsigned i = 0; i < copy->n; i++)
        w->scan[i].hook = copy->hooks[i].id, w->scan[i].from_qseq = from[i], w->scan[i].hold_until_ms = hold[i];
}

/* Hook h's first pending row if its time has come, copied (body into *body, the caller
 * frees it), looking from *from_qseq on: 1, 0 if none is due, or an error. */
static int take_due(store_t *st, const hook_t *h, uint64_t *from_qseq, hook_item_t *it, char **body)
{
    store_txn_t *t;
    int rc = store_txn_begin(st, false, &t);
    if (rc) return rc;
    rc = hook_item_pending(t, h->id, from_qseq, it);
    if (rc == 0 && it->next_ms <= hlc_wall_ms()) {
        *body = malloc(it->body_len + 1);
        if (!*body) abort();
        memcpy(*body, it->body, it->body_len);
        (*body)[it->body_len] = 0;
        it->body = *body;
        rc = 1;
    } else if (rc == 0 || rc == ACCORD_ENOTFOUND) {
        rc = 0;
    }
    store_txn_abort(&t);
    return rc;
}

static int settle(store_t *st, const hook_item_t *it, const hook_attempt_t *a, const hook_policy_t *pol)
{
    store_txn_t *t;
    int rc = store_txn_begin(st, true, &t);
    if (rc) return rc;
    rc = hook_outbox_settle(t, it, a, pol, hlc_wall_ms(), randombytes_random());
    if (rc) {
        store_txn_abort(&t);
        return rc == ACCORD_ENOTFOUND ? 0 : rc;
    }
    return store_txn_commit(&t);
}

/* One pass over the hooks: at most one POST each. Returns how many were made. */
static unsigned one_round(hook_worker_t *w)
{
    store_txn_t *t;
    hooks_copy_t copy = {w->hooks, 0};
    if (store_txn_begin(w->st, false, &t)) return 0;
    int rc = hook_each(t, copy_hook, &copy);
    store_txn_abort(&t);
    if (rc) {
        log_limited(&w->errors, hlc_wall_ms(), LOG_ERROR, "webhooks: cannot read the hooks table: %s", accord_strerror(rc));
        return 0;
    }
    keep_scans(w, &copy);
    unsigned made = 0;
    for (unsigned i = 0; i < copy.n && !w->stopping; i++) {
        hook_item_t it;
        char *body = NULL;
        if (w->scan[i].hold_until_ms > hlc_wall_ms()) continue;
        if ((rc = take_due(w->st, &copy.hooks[i], &w->scan[i].from_qseq, &it, &body)) <= 0) {
            if (rc < 0) log_limited(&w->errors, hlc_wall_ms(), LOG_ERROR, "webhooks: cannot read the outbox: %s", accord_strerror(rc));
            continue;
        }
        hook_attempt_t a;
        post_with(w->curl, &w->cfg, &copy.hooks[i], &it, &w->stopping, &a);
        if (!w->stopping) {
            if (!a.ok) log_debug("webhook %llu: %s", (unsigned long long)it.hook, a.error);
            if ((rc = settle(w->st, &it, &a, &w->cfg.policy))) {
                /* sent again later, as after a crash; not at once, over and over */
                log_limited(&w->errors, hlc_wall_ms(), LOG_ERROR,
                            "webhooks: cannot record a delivery: %s (webhook %llu waits %u s)", accord_strerror(rc),
                            (unsigned long long)it.hook, HOOK_UNRECORDED_WAIT_MS / 1000);
                w->scan[i].hold_until_ms = hlc_wall_ms() + HOOK_UNRECORDED_WAIT_MS;
            } else {
                made++;
            }
        }
        free(body);
    }
    return made;
}

static void *run(void *arg)
{
    hook_worker_t *w = arg;
    while (!w->stopping) {
        if (one_round(w)) continue;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(w->cfg.poll_ms % 1000) * 1000000L;
        until.tv_sec += w->cfg.poll_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_mutex_lock(&w->mu);
        if (!w->stopping) pthread_cond_timedwait(&w->cv, &w->mu, &until);
        pthread_mutex_unlock(&w->mu);
    }
    return NULL;
}

hook_worker_t *hook_worker_start(store_t *st, const hook_worker_config_t *cfg)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
        log_error("webhooks: libcurl cannot start: no webhook is sent");
        return NULL;
    }
    hook_worker_t *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->st = st;
    w->cfg = *cfg;
    if (!(w->hooks = calloc(HOOK_MAX, sizeof *w->hooks))) abort();
    if (!(w->curl = curl_easy_init())) {
        log_error("webhooks: libcurl cannot start a request: no webhook is sent");
        free(w->hooks);
        free(w);
        curl_global_cleanup();
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, run, w)) {
        log_error("webhooks: cannot start the delivery thread: no webhook is sent");
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        curl_easy_cleanup(w->curl);
        free(w->hooks);
        free(w);
        curl_global_cleanup();
        return NULL;
    }
    return w;
}

void hook_worker_stop(hook_worker_t **pw)
{
    hook_worker_t *w = *pw;
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    curl_easy_cleanup(w->curl);
    free(w->hooks);
    free(w);
    curl_global_cleanup();
    *pw = NULL;
}
