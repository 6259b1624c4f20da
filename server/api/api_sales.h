/* SPDX-License-Identifier: MIT
 * api_sales: the rules of sales and service (docs/SALES.md) on a change being built, and
 * the verbs only documents have. api_write.c calls the checks on every create, update and
 * delete of a product, quote, line, order, invoice or ticket, after the fields are read
 * and before anything is appended; the verbs are in the API's table (api.c). */
#ifndef ACCORD_API_SALES_H
#define ACCORD_API_SALES_H

#include "api/api_internal.h"

/* True for the kinds these rules cover. */
bool api_sales_kind(unsigned kind);
/* Request arguments a create of a document takes besides its fields. */
bool api_sales_control_arg(req_str_t key);

/* The rules on w's change (is_new: a create): the node's own fields, status moves, money
 * in the document's currency, references of the right kind, a product's SKU, a line's
 * document and defaults. 0, or an error with msg. */
int api_sales_check(api_t *api, store_txn_t *t, api_write_ctx_t *w, bool is_new, char *msg, size_t cap);
/* The rules on deleting w's entity: invoices are never deleted, a line only while its
 * document may change. */
int api_sales_check_delete(api_t *api, store_txn_t *t, api_write_ctx_t *w, char *msg, size_t cap);

/* create of a quote, order or invoice: the document with its lines and from (api_write.c
 * hands it over after building w). */
int api_sales_create_document(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg,
                              size_t cap);

/* pay {id, amount, date?, method?, reference?, user} */
int api_sales_pay(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
/* document {id}: a quote, order or invoice with its lines and totals */
int api_sales_document(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);
/* clashes {kind: product|invoice}: SKUs and numbers more than one live record holds */
int api_sales_clashes(api_t *api, store_txn_t *t, const request_t *req, msgpack_packer *pk, char *msg, size_t cap);

/* Keys get and list add to an entity of kind (after its fields): an invoice's paid,
 * balance and state; and the *_text of its amounts, quantities and rates. */
unsigned api_sales_extra_keys(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind);
void api_sales_pack_extra(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, msgpack_packer *pk);

/* Where an invoice or a ticket stands now, for list filters: open (an invoice issued or
 * partly paid; a ticket not closed or cancelled), overdue (an open invoice past its due
 * date before today, YYYY-MM-DD in the report zone; an open ticket past its SLA now), and
 * an invoice's state name (sales_invoice_state_name; "" for a ticket). */
typedef struct {
    bool open, overdue;
    const char *state;
} api_sales_standing_t;
void api_sales_standing(store_txn_t *t, const uint8_t id[ID_LEN], unsigned kind, const char *today,
                        api_sales_standing_t *out);
bool api_sales_invoice_state_known(const char *state);

/* A document's live lines (of the index's doc terms) in position order: at most max ids,
 * the count, or a negative error. */
int api_sales_doc_lines(store_txn_t *t, const uint8_t doc[ID_LEN], uint8_t (*ids)[ID_LEN], int max);

/* A record's etag (entity_etag), and a quote's, an order's or an invoice's over its lines'
 * rows too: its totals are theirs, so a changed line is a changed document (a GET's 304, an
 * If-Match). 0, or a negative error (ACCORD_ENOTFOUND: no such record). */
int api_sales_etag(store_txn_t *t, const uint8_t id[ID_LEN], char out[ENTITY_ETAG_LEN + 1]);

#endif
