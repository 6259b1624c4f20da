/* SPDX-License-Identifier: MIT
 * http_routes: the route table, the only list of the node's URLs, and the handlers of
 * the pages, assets, reports and published status. The dispatch in http.c finds a route
 * here, checks its auth, then calls its handler. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "proto/accord_err.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "http/http_assets.h"
#include "state/kpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum MHD_Result page(struct MHD_Connection *c, const char *text)
{
    return http_respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", text, strlen(text), NULL, NULL);
}

static const http_asset_t *asset_named(const char *name)
{
    for (const http_asset_t *a = http_assets; a->name; a++)
        if (!strcmp(a->name, name)) return a;
    return NULL;
}

static enum MHD_Result send_asset(struct MHD_Connection *c, const char *name)
{
    const http_asset_t *a = asset_named(name);
    if (!a) return http_json_error(c, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no such file");
    return http_respond(c, MHD_HTTP_OK, a->type, a->text, a->len, NULL, NULL);
}

/* the login page wears it too: nothing in it is private */
static enum MHD_Result route_app_css(http_t *h, const http_req_t *r)
{
    (void)h;
    return send_asset(r->c, "app.css");
}

/* the sign-in page's words in the chosen language: public, like the page */
static enum MHD_Result route_login_js(http_t *h, const http_req_t *r)
{
    (void)h;
    return send_asset(r->c, "login.js");
}

/* GET /assets/NAME: the scripts and styles of the pages (http_assets.h) */
static enum MHD_Result route_asset(http_t *h, const http_req_t *r)
{
    (void)h;
    return send_asset(r->c, r->tail);
}

/* '/' is the dashboard on a hub, the branch app elsewhere */
static enum MHD_Result route_root(http_t *h, const http_req_t *r)
{
    return page(r->c, h->hub ? http_dashboard_html : http_branch_html);
}

static enum MHD_Result route_dashboard(http_t *h, const http_req_t *r)
{
    (void)h;
    return page(r->c, http_dashboard_html);
}

static enum MHD_Result route_app(http_t *h, const http_req_t *r)
{
    (void)h;
    return page(r->c, http_branch_html);
}

/* What the writer thread published: the sync status as JSON, or the Prometheus text. */
static enum MHD_Result published(http_t *h, struct MHD_Connection *c, bool metrics)
{
    pthread_mutex_lock(&h->mu);
    const char *text = metrics ? h->metrics : h->sync_json;
    size_t len = metrics ? h->metrics_len : h->sync_len;
    enum MHD_Result ret =
        text ? http_respond(c, MHD_HTTP_OK, metrics ? "text/plain; version=0.0.4" : "application/json", text, len, NULL, NULL)
             : http_json_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "EAGAIN", "not yet known: ask again in a second");
    pthread_mutex_unlock(&h->mu);
    return ret;
}

static enum MHD_Result route_metrics(http_t *h, const http_req_t *r)
{
    return published(h, r->c, true);
}

static enum MHD_Result route_sync(http_t *h, const http_req_t *r)
{
    return published(h, r->c, false);
}

static enum MHD_Result period_args(struct MHD_Connection *c, uint32_t *from, uint32_t *to, const char **branch)
{
    const char *period = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "period");
    *branch = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "branch");
    if (*branch && (!**branch || strlen(*branch) > 64)) *branch = NULL;
    if (!period || strlen(period) > 32 || report_period(period, from, to)) return MHD_NO;
    return MHD_YES;
}

/* A report or the daily series of a period, read in one transaction, as JSON. */
/* Keeps the rows of the branches sc allows. */
static void scope_rows(report_t *r, http_scope_t *sc)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < r->n; i++)
        if (http_scope_allows(sc, r->branches[i].branch, strlen(r->branches[i].branch))) r->branches[kept++] = r->branches[i];
    r->n = kept;
}

static enum MHD_Result report_json(http_t *h, const http_req_t *req, bool daily)
{
    struct MHD_Connection *c = req->c;
    uint32_t from, to;
    const char *branch;
    if (period_args(c, &from, &to, &branch) != MHD_YES)
        return http_json_error(c, MHD_HTTP_BAD_REQUEST, "EINVAL",
                          "period: 2026, 2026-Q4, 2026-11, 2026-W48, 2026-11-24, 2026-11-01..2026-11-15, "
                          "or Solar Hijri fa:1405, fa:1405-Q3, fa:1405-09, fa:1405-09-01, fa:1405-09-01..1405-09-15");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    store_txn_t *t = NULL;
    int rc = f ? store_txn_begin(h->st, false, &t) : ACCORD_EINTERNAL;
    http_scope_t sc;
    if (!rc) {
        http_scope_load(h, t, req->s, &sc);
        if (branch && !http_scope_allows(&sc, branch, strlen(branch))) rc = ACCORD_EPERM;
    }
    if (!rc) {
        if (daily) {
            report_daily_t *d = &h->daily;
            rc = branch || sc.all ? report_daily(t, from, to, branch, d)
                                  : report_daily_scoped(t, from, to, http_scope_allows, &sc, d);
            if (!rc) report_daily_write_json(f, from, d);
        } else {
            report_t r;
            if (!(rc = report_branches(t, from, to, kpi_day_of_ms(h->st, hlc_wall_ms()), branch, &r))) {
                scope_rows(&r, &sc);
                report_write_json(f, &r);
                report_free(&r);
            }
        }
    }
    if (t) store_txn_abort(&t);
    if (f) fclose(f);
    enum MHD_Result ret = rc == ACCORD_EPERM ? http_json_error(c, MHD_HTTP_FORBIDDEN, "EPERM", "that branch is outside your roles")
                          : rc ? http_json_error(c, rc == ACCORD_ETOOBIG ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR,
                                          accord_errname(rc), rc == ACCORD_ETOOBIG ? "at most 400 days" : accord_strerror(rc))
                             : http_respond(c, MHD_HTTP_OK, "application/json", buf, len, NULL, NULL);
    free(buf);
    return ret;
}

/* RFM segments and the top customers by won value: a scan of every customer. */
static enum MHD_Result customers_json(http_t *h, const http_req_t *req)
{
    struct MHD_Connection *c = req->c;
    const char *currency = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "currency");
    const char *branch = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "branch");
    const char *top_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "top");
    long top = top_s ? strtol(top_s, NULL, 10) : 10;
    if ((currency && strlen(currency) > 8) || (branch && strlen(branch) > 64) || top < 0 || top > 1000)
        return http_json_error(c, MHD_HTTP_BAD_REQUEST, "EINVAL", "currency: a code; branch: a name; top: 0 to 1000");
    if (branch && !*branch) branch = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    store_txn_t *t;
    int rc = f ? store_txn_begin(h->st, false, &t) : ACCORD_EINTERNAL;
    if (!rc) {
        char cur[9] = "";
        if (currency && *currency) snprintf(cur, sizeof cur, "%s", currency);
        else report_main_currency(t, cur);
        report_customers_t r;
        http_scope_t sc;
        http_scope_load(h, t, req->s, &sc);
        if (branch && !http_scope_allows(&sc, branch, strlen(branch))) rc = ACCORD_EPERM;
        else if (!(rc = branch || sc.all ? report_customers(t, hlc_wall_ms(), cur, branch, &r)
                                         : report_customers_scoped(t, hlc_wall_ms(), cur, http_scope_allows, &sc, &r))) {
            report_customers_write_json(f, &r, (unsigned)top);
            report_customers_free(&r);
        }
        store_txn_abort(&t);
    }
    if (f) fclose(f);
    enum MHD_Result ret = rc == ACCORD_EPERM ? http_json_error(c, MHD_HTTP_FORBIDDEN, "EPERM", "that branch is outside your roles")
                          : rc ? http_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, accord_errname(rc), accord_strerror(rc))
                             : http_respond(c, MHD_HTTP_OK, "application/json", buf, len, NULL, NULL);
    free(buf);
    return ret;
}

static enum MHD_Result route_report(http_t *h, const http_req_t *r)
{
    return report_json(h, r, false);
}

static enum MHD_Result route_daily(http_t *h, const http_req_t *r)
{
    return report_json(h, r, true);
}

static enum MHD_Result route_customers(http_t *h, const http_req_t *r)
{
    return customers_json(h, r);
}

/* {CODE: {minor, shown}}: the records hold amounts in minor units; shown is how many of
 * them people use (none for IRR) */
static enum MHD_Result route_currencies(http_t *h, const http_req_t *r)
{
    (void)h;
    char body[8192];
    size_t n = 0;
    int exp;
    const char *code;
    n += (size_t)snprintf(body + n, sizeof body - n, "{");
    for (unsigned i = 0; (code = schema_currency_at(i, &exp)) && n < sizeof body - 64; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s\"%s\":{\"minor\":%d,\"shown\":%d}", i ? "," : "", code, exp,
                              schema_currency_shown_digits(code));
    n += (size_t)snprintf(body + n, sizeof body - n, "}\n");
    return http_respond(r->c, MHD_HTTP_OK, "application/json", body, n, NULL, NULL);
}

/* Every URL the node serves (http.h lists them for people). */
static const http_route_t routes[] = {
    /* method  path                auth               handler */
    {"POST", "/login",          HTTP_AUTH_NONE,    http_route_login},
    {"POST", "/logout",         HTTP_AUTH_ANY,     http_route_logout},
    {"POST", "/api/node/",      HTTP_AUTH_CHANGE,  http_route_node_change},
    {"POST", "/api/import/",    HTTP_AUTH_CHANGE,  http_route_import},
    {"POST", "/api/password",   HTTP_AUTH_CHANGE,  http_route_password},
    {"POST", "/api/users/add",  HTTP_AUTH_CHANGE,  http_route_users_add},
    {"POST", "/api/users/password", HTTP_AUTH_CHANGE, http_route_users_password},
    {"GET",  "/login",          HTTP_AUTH_NONE,    http_route_login_page},
    {"GET",  "/app.css",        HTTP_AUTH_NONE,    route_app_css},
    {"GET",  "/login.js",       HTTP_AUTH_NONE,    route_login_js},
    {"GET",  "/metrics",        HTTP_AUTH_BASIC,   route_metrics},
    {"GET",  "/",               HTTP_AUTH_PAGE,    route_root},
    {"GET",  "/dashboard",      HTTP_AUTH_PAGE,    route_dashboard},
    {"GET",  "/app",            HTTP_AUTH_PAGE,    route_app},
    {"GET",  "/assets/",        HTTP_AUTH_PAGE,    route_asset},
    {"GET",  "/print/",         HTTP_AUTH_PAGE,    http_route_print},
    {"GET",  "/api/session",    HTTP_AUTH_SESSION, http_route_session},
    {"GET",  "/api/report",     HTTP_AUTH_SESSION, route_report},
    {"GET",  "/api/daily",      HTTP_AUTH_SESSION, route_daily},
    {"GET",  "/api/customers",  HTTP_AUTH_SESSION, route_customers},
    {"GET",  "/api/currencies", HTTP_AUTH_SESSION, route_currencies},
    {"GET",  "/api/node/",      HTTP_AUTH_SESSION, http_route_node_read},
    {"GET",  "/api/sync",       HTTP_AUTH_SESSION, route_sync},
    {"GET",  "/api/audit",      HTTP_AUTH_SESSION, http_route_audit},
    /* the API for other systems (http_v1.c): a token or a session; exact routes first */
    {"GET",  "/api/v1/openapi.json", HTTP_AUTH_NONE, http_route_openapi},
    {"GET",  "/api/v1/",        HTTP_AUTH_SESSION, http_route_v1},
    {"POST", "/api/v1/",        HTTP_AUTH_CHANGE,  http_route_v1},
    {"PATCH", "/api/v1/",       HTTP_AUTH_CHANGE,  http_route_v1},
    {"DELETE", "/api/v1/",      HTTP_AUTH_CHANGE,  http_route_v1},
};

const http_route_t *http_route_find(const char *method, const char *url, const char **tail)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const http_route_t *rt = &routes[i];
        if (strcmp(rt->method, method)) continue;
        size_t n = strlen(rt->path);
        bool prefix = n > 1 && rt->path[n - 1] == '/';
        if (prefix ? strncmp(url, rt->path, n) == 0 : strcmp(url, rt->path) == 0) {
            *tail = prefix ? url + n : "";
            return rt;
        }
    }
    return NULL;
}
