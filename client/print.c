/* SPDX-License-Identifier: MIT
 * print: fetch a document and its customer, write the page (print.h). */
#define _POSIX_C_SOURCE 200809L
#include "print.h"
#include "proto/accord_err.h"
#include "proto/print_doc.h"

#include <stdio.h>
#include <string.h>

/* The body of `get` of the document's customer into *r; false (r empty) when there is
 * none or it cannot be read: the page is printed without it. */
static bool fetch_customer(accord_client_t *c, const msgpack_object *doc, accord_reply_t *r)
{
    char id[40];
    accord_obj_str(accord_obj_get(doc, "fields"), "customer", id, sizeof id);
    memset(r, 0, sizeof *r);
    msgpack_unpacked_init(&r->msg);
    if (!id[0]) return false;
    accord_args_t a;
    accord_args_init(&a);
    accord_args_str(&a, "id", id);
    int rc = accord_call(c, "get", &a, r);
    accord_args_destroy(&a);
    return rc == 0 && r->body.type == MSGPACK_OBJECT_MAP;
}

int print_document(accord_client_t *c, const print_request_t *req, FILE *out, print_done_t *done, char *msg,
                   size_t cap)
{
    print_lang_t forced = PRINT_EN, fallback = PRINT_EN;
    if (req->lang && !print_lang_parse(req->lang, &forced))
        return snprintf(msg, cap, "lang: en or fa, not '%.20s'", req->lang), ACCORD_EINVAL;
    if (req->fallback_lang) print_lang_parse(req->fallback_lang, &fallback);
    accord_args_t a;
    accord_args_init(&a);
    accord_args_str(&a, "id", req->id);
    accord_reply_t doc, cust;
    int rc = accord_call(c, "document", &a, &doc);
    if (rc == ACCORD_EINVAL) { /* a record that is no document (a customer's id) is not a bad request */
        accord_reply_t other;
        if (accord_call(c, "get", &a, &other) == 0) {
            accord_reply_destroy(&doc);
            doc = other;
            rc = 0;
        } else {
            accord_reply_destroy(&other);
        }
    }
    accord_args_destroy(&a);
    if (rc) {
        snprintf(msg, cap, "%s", doc.message[0] ? doc.message : accord_strerror(rc));
        accord_reply_destroy(&doc);
        return rc;
    }
    char kind[16];
    if (strcmp(accord_obj_str(&doc.body, "kind", kind, sizeof kind), req->kind)) {
        snprintf(msg, cap, "%.40s is %s %s, not %s %s", req->id, kind[0] == 'o' || kind[0] == 'i' ? "an" : "a", kind,
                 req->kind[0] == 'o' || req->kind[0] == 'i' ? "an" : "a", req->kind);
        accord_reply_destroy(&doc);
        return ACCORD_ENOTFOUND;
    }
    bool have_customer = fetch_customer(c, &doc.body, &cust);
    const msgpack_object *customer = have_customer ? &cust.body : NULL;
    print_lang_t lang = req->lang ? forced : print_lang_of_customer(customer, fallback);
    rc = print_doc_write(out, &doc.body, customer, lang);
    if (rc) snprintf(msg, cap, "the node's reply is not a document this version can print");
    if (!rc && done) {
        accord_obj_str(&doc.body, "id", done->id, sizeof done->id);
        accord_obj_str(&doc.body, "number", done->number, sizeof done->number);
        done->lang = lang == PRINT_FA ? "fa" : "en";
    }
    accord_reply_destroy(&cust);
    accord_reply_destroy(&doc);
    return rc;
}
