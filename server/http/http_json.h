/* SPDX-License-Identifier: MIT
 * http_json: the JSON body of an /api/v1 change, decoded (jansson, strict) into the local
 * API's arguments: the one validator of such bodies (fuzzed: tests/fuzz/fuzz_json_body.c).
 * A body is one object of at most HTTP_JSON_MAX_KEYS fields:
 *   "name": "Sara"        text (at most 8,192 bytes of UTF-8, no NUL)
 *   "amount": 1200.50     a number, passed as its text, as a person would type it
 *   "consent_sms": true   true or false
 *   "city": null          clears the field
 *   "tags": ["vip"]       a list of text (a set field: added; "remove:tags" removes); the
 *                         lists of a body hold HTTP_JSON_MAX_ITEMS items in all
 *   "lines": [{...}]      a quote's, order's or invoice's lines, each an object of text and
 *                         numbers (create's lines, docs/SALES.md)
 * What the URL, the token and the headers say (id, kind, user, if_match) and what the node
 * keeps (etag, updated, deleted) are refused in a body; so is anything else that is not an
 * object's field, and unknown fields are refused by the API that knows the kind's fields. */
#ifndef ACCORD_HTTP_JSON_H
#define ACCORD_HTTP_JSON_H

#include <stddef.h>

#include "client/accord_client.h"

#define HTTP_JSON_MAX (64u << 10) /* bytes of a body */
#define HTTP_JSON_MAX_KEYS 40     /* fields of a body: the local API takes 48 arguments, with its own */
#define HTTP_JSON_MAX_ITEMS 128   /* items of a body's lists, all together: the local API's bound
                                   * of a request (REQUEST_MAX_ITEMS) */

/* Adds body's fields (len bytes) to args; 0, or ACCORD_EINVAL / ACCORD_ETOOBIG with msg
 * saying what to fix (args then holds a part: destroy it). */
int http_json_args(const char *body, size_t len, accord_args_t *args, char *msg, size_t cap);

#endif
