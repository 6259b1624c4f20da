/* SPDX-License-Identifier: MIT
 * http_assets: the pages, scripts and styles of the branch app and the dashboard, built into
 * the node by tools/embed_web.py: nothing is fetched from elsewhere (branches and HQ may have
 * no internet). Data reaches the pages only as JSON and is put on them with textContent,
 * never as markup. */
#ifndef ACCORD_HTTP_ASSETS_H
#define ACCORD_HTTP_ASSETS_H

#include <stddef.h>

extern const char http_login_head[], http_login_middle[], http_login_tail[];
extern const char http_dashboard_html[], http_branch_html[];

/* Every script and style of server/http/web/, by file name; ends with a NULL name. */
typedef struct {
    const char *name, *type, *text;
    size_t len;
} http_asset_t;
extern const http_asset_t http_assets[];

#endif
