/* SPDX-License-Identifier: MIT
 * http_v1: the tables of the HTTP JSON API for other systems (/api/v1, docs/API.md): its
 * collections (one per record kind it serves) and its routes (method, path, the local
 * API's verb). The dispatch (http_v1.c) and the OpenAPI document (http_openapi.c) read
 * these same tables. */
#ifndef ACCORD_HTTP_V1_H
#define ACCORD_HTTP_V1_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *path; /* "customers": /api/v1/customers */
    unsigned kind;    /* proto/schema.h */
    bool changed;     /* PATCH and DELETE: false for the insert-only kinds */
} http_v1_collection_t;

typedef enum { V1_LIST, V1_CREATE, V1_GET, V1_UPDATE, V1_DELETE, V1_HISTORY, V1_PAY, V1_ME } http_v1_op_t;

typedef struct {
    const char *method;  /* GET, POST, PATCH, DELETE */
    const char *path;    /* after /api/v1: {collection} and {id} stand for any collection and a record's id */
    http_v1_op_t op;
    const char *verb;    /* the local API's verb it calls (its role decides who may) */
} http_v1_route_t;

extern const http_v1_collection_t http_v1_collections[]; /* ended by a NULL path */
extern const http_v1_route_t http_v1_routes[];           /* ended by a NULL method */
extern const char *const http_v1_list_filters[];         /* a list's filters, NULL-ended */

/* What a path names: its collection (NULL for /me) and a record's id ("" if none). */
typedef struct {
    const http_v1_collection_t *coll;
    char id[72];
} http_v1_target_t;

const http_v1_collection_t *http_v1_collection(const char *name, size_t len);
/* Whether the route applies to the collection (no PATCH or DELETE for insert-only ones). */
bool http_v1_allows(const http_v1_route_t *rt, const http_v1_collection_t *coll);
/* The route of method on tail (the URL after /api/v1/), or NULL; *path_known is true when
 * the path is one of the API's whatever the method (then NULL is 405, else 404). */
const http_v1_route_t *http_v1_route(const char *method, const char *tail, http_v1_target_t *tg, bool *path_known);

#endif
