/* SPDX-License-Identifier: MIT
 * http_openapi: GET /api/v1/openapi.json, the OpenAPI 3.1 document of the API for other
 * systems, written from the same tables the dispatch reads (http_v1.h: its collections and
 * their routes) and the schema's field table (proto/schema.h): a collection or a field
 * added there is described here without a second list (/me and an invoice's payments, the
 * two routes of no collection, are written out below). tests/integration/api_v1_test.sh calls every documented
 * route and checks every route of docs/API.md is documented. */
#define _POSIX_C_SOURCE 200809L
#include "http/http_internal.h"
#include "http/http_v1.h"
#include "proto/json.h"
#include "proto/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A kind's schema name: "customer" -> "Customer". */
static void schema_name(unsigned kind, const char *suffix, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s", schema_kind_name(kind), suffix);
    if (out[0] >= 'a' && out[0] <= 'z') out[0] = (char)(out[0] - 'a' + 'A');
}

static void ref(FILE *f, unsigned kind, const char *suffix)
{
    char name[48];
    schema_name(kind, suffix, name, sizeof name);
    fprintf(f, "{\"$ref\":\"#/components/schemas/%s\"}", name);
}

/* A field's JSON Schema as a record holds it (output) or as a body gives it (input: amounts,
 * quantities and rates as people type them, text or a number). */
static void field_schema(FILE *f, const field_def_t *d, bool input)
{
    switch (d->type) {
    case FT_BOOL: fputs("{\"type\":\"boolean\"}", f); return;
    case FT_INT:
    case FT_PERCENT: fputs(input ? "{\"type\":[\"integer\",\"string\"]}" : "{\"type\":\"integer\"}", f); return;
    case FT_MONEY:
        fputs(input ? "{\"type\":[\"string\",\"number\"],\"description\":\"in the record's currency, as people type it: 1200.50\"}"
                    : "{\"type\":\"integer\",\"description\":\"minor units of the record's currency (NAME_text: as people read it)\"}", f);
        return;
    case FT_QUANTITY:
    case FT_RATE:
        fputs(input ? "{\"type\":[\"string\",\"number\"]}"
                    : "{\"type\":\"integer\",\"description\":\"thousandths of a unit (a quantity) or hundredths of a percent (a rate)\"}", f);
        return;
    case FT_DATE: fputs("{\"type\":\"string\",\"format\":\"date\"}", f); return;
    case FT_DATETIME: fputs("{\"type\":\"string\",\"format\":\"date-time\"}", f); return;
    case FT_REF: fputs("{\"type\":\"string\",\"description\":\"the id of another record\"}", f); return;
    case FT_PHONES:
    case FT_EMAILS:
    case FT_TAGS:
    case FT_PRICES:
    case FT_PAYMENTS:
    case FT_ROLES: fputs("{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", f); return;
    case FT_CHOICE:
        fputs("{\"type\":\"string\",\"enum\":[", f);
        for (unsigned i = 0; d->choices && d->choices[i]; i++) {
            if (i) fputc(',', f);
            json_write_cstr(f, d->choices[i]);
        }
        fputs("]}", f);
        return;
    default: break;
    }
    if (d->max_len) fprintf(f, "{\"type\":\"string\",\"maxLength\":%u}", d->max_len);
    else fputs("{\"type\":\"string\"}", f);
}

static bool shown(const field_def_t *d)
{
    return d->type != FT_PWHASH && d->id != F_DELETED;
}

/* Kind (a record as GET gives it) and KindInput (a body of POST and PATCH). */
static void kind_schemas(FILE *f, unsigned kind)
{
    unsigned n;
    const field_def_t *defs = schema_fields(kind, &n);
    char name[48];
    schema_name(kind, "", name, sizeof name);
    fprintf(f, "\"%s\":{\"type\":\"object\",\"properties\":{"
               "\"id\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\",\"const\":\"%s\"},"
               "\"etag\":{\"type\":\"string\"},\"updated\":{\"type\":\"string\",\"format\":\"date-time\"},"
               "\"deleted\":{\"type\":\"boolean\",\"description\":\"true: the record was deleted (a GET of it; in a list of changes only id, kind, etag and updated come with it)\"}",
            name, schema_kind_name(kind));
    for (unsigned i = 0; i < n; i++) {
        if (!shown(&defs[i])) continue;
        fputc(',', f);
        json_write_cstr(f, defs[i].name);
        fputc(':', f);
        field_schema(f, &defs[i], false);
    }
    fputs("},\"required\":[\"id\",\"kind\"]},", f);
    fprintf(f, "\"%sInput\":{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{", name);
    bool first = true;
    for (unsigned i = 0; i < n; i++) {
        if (!shown(&defs[i]) || defs[i].id <= F_CREATED) continue; /* the node keeps these */
        fprintf(f, "%s", first ? "" : ",");
        first = false;
        json_write_cstr(f, defs[i].name);
        fputc(':', f);
        field_schema(f, &defs[i], true);
        if (schema_is_set(defs[i].type)) { /* add:NAME and remove:NAME change a set */
            fprintf(f, ",\"add:%s\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", defs[i].name);
            fprintf(f, ",\"remove:%s\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", defs[i].name);
        }
    }
    if (kind == KIND_QUOTE || kind == KIND_ORDER || kind == KIND_INVOICE)
        fputs(",\"lines\":{\"type\":\"array\",\"items\":{\"type\":\"object\"},\"description\":\"the document's lines "
              "(create only): product, description, qty, price, discount, tax\"},"
              "\"from\":{\"type\":\"string\",\"description\":\"create from this quote or order (docs/SALES.md)\"}", f);
    fputs("}},", f);
}

static void error_responses(FILE *f, const char *codes)
{
    for (const char *p = codes; *p; p += 4)
        fprintf(f, ",\"%.3s\":{\"$ref\":\"#/components/responses/Error\"}", p);
}

static void op_head(FILE *f, const char *method, const char *summary, const char *id_kind, bool first)
{
    char lower[8];
    size_t i = 0;
    for (; method[i] && i < sizeof lower - 1; i++) lower[i] = (char)(method[i] | 0x20);
    lower[i] = 0;
    fprintf(f, "%s\"%s\":{\"summary\":", first ? "" : ",", lower);
    json_write_cstr(f, summary);
    fprintf(f, ",\"operationId\":\"%s%s\"", lower, id_kind);
}

static void collection_paths(FILE *f, const http_v1_collection_t *c)
{
    char name[48];
    schema_name(c->kind, "", name, sizeof name);
    fprintf(f, ",\"/%s\":{", c->path);
    char summary[160];
    snprintf(summary, sizeof summary, "The %s, a page at a time (by id; with updated_since, in the order they changed)", c->path);
    char plural[48];
    schema_name(c->kind, "List", plural, sizeof plural);
    op_head(f, "GET", summary, plural, true);
    fputs(",\"parameters\":[{\"$ref\":\"#/components/parameters/limit\"},{\"$ref\":\"#/components/parameters/cursor\"},"
          "{\"$ref\":\"#/components/parameters/updated_since\"},"
          "{\"name\":\"q\",\"in\":\"query\",\"schema\":{\"type\":\"string\"},\"description\":\"search instead "
          "(the local API's search: a name, phone in any format, e-mail, tag...): one page, no cursor\"},"
          "{\"name\":\"by\",\"in\":\"query\",\"schema\":{\"type\":\"string\",\"enum\":[\"auto\",\"name\",\"phone\","
          "\"email\",\"tag\",\"branch\",\"national_id\"]},\"description\":\"what q is searched by\"}", f);
    for (const char *const *p = http_v1_list_filters; *p; p++)
        fprintf(f, ",{\"name\":\"%s\",\"in\":\"query\",\"schema\":{\"type\":\"string\"}}", *p);
    fputs("],\"responses\":{\"200\":{\"description\":\"a page\",\"content\":{\"application/json\":{\"schema\":{"
          "\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":", f);
    ref(f, c->kind, "");
    fputs("},\"more\":{\"type\":\"boolean\"},\"next_cursor\":{\"type\":[\"string\",\"null\"]}}}}}}", f);
    error_responses(f, "400 401 403 ");
    fputs("}}", f);
    snprintf(summary, sizeof summary, "Make a %s", schema_kind_name(c->kind));
    op_head(f, "POST", summary, name, false);
    fputs(",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":", f);
    ref(f, c->kind, "Input");
    fputs("}}},\"responses\":{\"201\":{\"description\":\"made: the record, its ETag and Location\",\"headers\":"
          "{\"ETag\":{\"$ref\":\"#/components/headers/ETag\"},\"Location\":{\"schema\":{\"type\":\"string\"}}},"
          "\"content\":{\"application/json\":{\"schema\":", f);
    ref(f, c->kind, "");
    fputs("}}}", f);
    error_responses(f, "400 401 403 409 413 ");
    fputs("}}}", f);

    fprintf(f, ",\"/%s/{id}\":{\"parameters\":[{\"$ref\":\"#/components/parameters/id\"}],", c->path);
    snprintf(summary, sizeof summary, "One %s and its ETag", schema_kind_name(c->kind));
    op_head(f, "GET", summary, name, true);
    fputs(",\"parameters\":[{\"name\":\"If-None-Match\",\"in\":\"header\",\"schema\":{\"type\":\"string\"}}],"
          "\"responses\":{\"200\":{\"description\":\"the record\",\"headers\":{\"ETag\":{\"$ref\":\"#/components/headers/ETag\"}},"
          "\"content\":{\"application/json\":{\"schema\":", f);
    ref(f, c->kind, "");
    fputs("}}},\"304\":{\"description\":\"If-None-Match is its ETag: unchanged\"}", f);
    error_responses(f, "401 403 404 ");
    fputs("}}", f);
    if (c->changed) {
        snprintf(summary, sizeof summary, "Change a %s you have read (If-Match: its ETag)", schema_kind_name(c->kind));
        op_head(f, "PATCH", summary, name, false);
        fputs(",\"parameters\":[{\"$ref\":\"#/components/parameters/If-Match\"}],\"requestBody\":{\"required\":true,"
              "\"content\":{\"application/json\":{\"schema\":", f);
        ref(f, c->kind, "Input");
        fputs("}}},\"responses\":{\"200\":{\"description\":\"changed: the record and its new ETag\",\"headers\":"
              "{\"ETag\":{\"$ref\":\"#/components/headers/ETag\"}},\"content\":{\"application/json\":{\"schema\":", f);
        ref(f, c->kind, "");
        fputs("}}}", f);
        error_responses(f, "400 401 403 404 409 412 413 428 ");
        fputs("}}", f);
        snprintf(summary, sizeof summary, "Delete a %s you have read (If-Match: its ETag)", schema_kind_name(c->kind));
        op_head(f, "DELETE", summary, name, false);
        fputs(",\"parameters\":[{\"$ref\":\"#/components/parameters/If-Match\"}],"
              "\"responses\":{\"204\":{\"description\":\"deleted\"}", f);
        error_responses(f, "400 401 403 404 409 412 428 ");
        fputs("}}", f);
    }
    fputs("}", f);
    fprintf(f, ",\"/%s/{id}/history\":{\"parameters\":[{\"$ref\":\"#/components/parameters/id\"}],", c->path);
    snprintf(summary, sizeof summary, "A %s's changes, oldest first, each signed by the branch that made it", schema_kind_name(c->kind));
    char hist[64];
    schema_name(c->kind, "History", hist, sizeof hist);
    op_head(f, "GET", summary, hist, true);
    fputs(",\"parameters\":[{\"$ref\":\"#/components/parameters/limit\"},{\"$ref\":\"#/components/parameters/cursor\"}],"
          "\"responses\":{\"200\":{\"description\":\"a page of changes\",\"content\":{\"application/json\":{\"schema\":{"
          "\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
          "\"when\":{\"type\":\"string\"},\"author\":{\"type\":[\"string\",\"null\"]},\"branch\":{\"type\":\"string\"},"
          "\"seq\":{\"type\":\"integer\"},\"signature\":{\"type\":\"string\"},\"hlc\":{\"type\":\"integer\"},"
          "\"changes\":{\"type\":\"array\"}}}},\"more\":{\"type\":\"boolean\"},\"next_cursor\":{\"type\":[\"string\",\"null\"]}}}}}}", f);
    error_responses(f, "400 401 403 404 ");
    fputs("}}}", f);
}

static void components(FILE *f)
{
    fputs("\"components\":{\"securitySchemes\":{\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\","
          "\"description\":\"a token from 'accordctl token add' (scope read: GET only; write: every route)\"}},"
          "\"headers\":{\"ETag\":{\"description\":\"the record's version: send it back as If-Match\",\"schema\":{\"type\":\"string\"}}},"
          "\"parameters\":{"
          "\"id\":{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"},"
          "\"description\":\"a record's id (32 hex digits) or its short id\"},"
          "\"limit\":{\"name\":\"limit\",\"in\":\"query\",\"schema\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,\"default\":100}},"
          "\"cursor\":{\"name\":\"cursor\",\"in\":\"query\",\"schema\":{\"type\":\"string\"},"
          "\"description\":\"next_cursor of the page before\"},"
          "\"updated_since\":{\"name\":\"updated_since\",\"in\":\"query\",\"schema\":{\"type\":\"string\"},"
          "\"description\":\"only records changed at or after this time (RFC 3339: 2026-12-01T09:30:00Z, 2026-12-01T13:00:00+03:30; or a date), "
          "in the order they changed, deleted ones too\"},"
          "\"If-Match\":{\"name\":\"If-Match\",\"in\":\"header\",\"required\":true,\"schema\":{\"type\":\"string\"},"
          "\"description\":\"the ETag you read, or * for whatever the record holds now\"}},"
          "\"responses\":{\"Error\":{\"description\":\"refused: error is the code (docs/PROTOCOL.md), message says what to do\","
          "\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}},"
          "\"schemas\":{", f);
    for (const http_v1_collection_t *c = http_v1_collections; c->path; c++) kind_schemas(f, c->kind);
    fputs("\"Payment\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"amount\"],\"properties\":{"
          "\"amount\":{\"type\":[\"string\",\"number\"]},\"date\":{\"type\":\"string\",\"format\":\"date\"},"
          "\"method\":{\"type\":\"string\"},\"reference\":{\"type\":\"string\"}}},"
          "\"Error\":{\"type\":\"object\",\"required\":[\"error\",\"message\"],\"properties\":{"
          "\"error\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}}}", f);
}

static void write_document(FILE *f)
{
    fputs("{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"Accord API\",\"version\":\"1\",\"description\":"
          "\"The records of an Accord node for other systems: docs/API.md.\"},"
          "\"servers\":[{\"url\":\"/api/v1\"}],\"security\":[{\"bearer\":[]}],", f);
    components(f);
    fputs(",\"paths\":{\"/openapi.json\":{\"get\":{\"summary\":\"This document\",\"operationId\":\"getOpenapi\","
          "\"security\":[],\"responses\":{\"200\":{\"description\":\"OpenAPI 3.1\"}}}},"
          "\"/me\":{\"get\":{\"summary\":\"Who the token or session is, and its role here\",\"operationId\":\"getMe\","
          "\"responses\":{\"200\":{\"description\":\"whoami\"},\"401\":{\"$ref\":\"#/components/responses/Error\"}}}},"
          "\"/invoices/{id}/payments\":{\"parameters\":[{\"$ref\":\"#/components/parameters/id\"}],"
          "\"post\":{\"summary\":\"Record a payment of an invoice\",\"operationId\":\"postPayment\",\"requestBody\":{"
          "\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Payment\"}}}},"
          "\"responses\":{\"200\":{\"description\":\"the invoice after\",\"content\":{\"application/json\":{\"schema\":", f);
    ref(f, KIND_INVOICE, "");
    fputs("}}}", f);
    error_responses(f, "400 401 403 404 ");
    fputs("}}}", f);
    for (const http_v1_collection_t *c = http_v1_collections; c->path; c++) collection_paths(f, c);
    fputs("}}\n", f);
}

enum MHD_Result http_route_openapi(http_t *h, const http_req_t *r)
{
    (void)h;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return MHD_NO;
    write_document(f);
    fclose(f);
    enum MHD_Result ret = http_respond(r->c, MHD_HTTP_OK, "application/json", buf, len, NULL, NULL);
    free(buf);
    return ret;
}
