/* SPDX-License-Identifier: MIT
 * http_assets: the dashboard's page, script and style, built into the node: nothing is
 * fetched from elsewhere (branches and HQ may have no internet). Data reaches the page only
 * as JSON and is put on it with textContent, never as markup. */
#ifndef ACCORD_HTTP_ASSETS_H
#define ACCORD_HTTP_ASSETS_H

extern const char http_login_head[], http_login_middle[], http_login_tail[];
extern const char http_dashboard_html[], http_app_js[], http_app_css[], http_branch_html[], http_branch_js[];

#endif
