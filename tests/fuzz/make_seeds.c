/* SPDX-License-Identifier: MIT
 * Writes seed inputs for the fuzz corpora: valid records and requests to mutate from.
 * Usage: make_seeds RECORD_DIR REQUEST_DIR (the files are committed under their SHA-1). */
#include "proto/record.h"
#include "proto/schema.h"

#include <stdio.h>
#include <string.h>

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(p, 1, n, f);
    fclose(f);
}

static void write_record(const char *dir, const char *name, const record_t *rec)
{
    char path[4096];
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    record_encode(rec, &sb);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static record_op_t str_op(unsigned field, unsigned op, const char *s)
{
    return (record_op_t){(uint8_t)field, (uint8_t)op, {VAL_STR, 0, s, strlen(s)}, false, {0}};
}

static record_op_t int_op(unsigned field, int64_t v)
{
    return (record_op_t){(uint8_t)field, OP_SET, {VAL_INT, v, NULL, 0}, false, {0}};
}

/* Records of the sales kinds (issue 16) as a node writes them: the integer types
 * (quantity, rate, money) and the set elements (prices, payments) for the validator. */
static void sales_records(const char *dir)
{
    static const uint8_t doc[ID_LEN] = {0x00, 0x11, 0x22, 0x35};
    record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 1;
    rec.hlc = 1ULL << 40;
    rec.author = "sara";
    rec.author_len = 4;
    rec.kind = KIND_PRODUCT;
    rec.n_ops = 7;
    rec.ops[0] = str_op(F_PR_SKU, OP_SET, "OIL-5W30");
    rec.ops[1] = str_op(F_PR_NAME, OP_SET, "Engine oil 5W-30 \u0631\u0648\u063a\u0646");
    rec.ops[2] = int_op(F_PR_PRICE, 1250);
    rec.ops[3] = str_op(F_PR_CURRENCY, OP_SET, "EUR");
    rec.ops[4] = int_op(F_PR_TAX, 900);
    rec.ops[5] = str_op(F_PR_PRICES, OP_ADD, "USD 1500");
    rec.ops[6] = str_op(F_PR_PRICES, OP_REMOVE, "EUR 1150 tehran-1");
    write_record(dir, "product", &rec);
    rec.kind = KIND_LINE;
    rec.n_ops = 7;
    rec.ops[0] = (record_op_t){F_LI_DOC, OP_SET, {VAL_REF, 0, (const char *)doc, ID_LEN}, false, {0}};
    rec.ops[1] = int_op(F_LI_POSITION, 1);
    rec.ops[2] = str_op(F_LI_DESCRIPTION, OP_SET, "Oil change");
    rec.ops[3] = int_op(F_LI_QUANTITY, 1500);
    rec.ops[4] = int_op(F_LI_UNIT_PRICE, 1250);
    rec.ops[5] = int_op(F_LI_DISCOUNT, 500);
    rec.ops[6] = int_op(F_LI_TAX, 900);
    write_record(dir, "line", &rec);
    rec.kind = KIND_INVOICE;
    rec.n_ops = 6;
    rec.ops[0] = str_op(F_IV_NUMBER, OP_SET, "TEH-1405-000123");
    rec.ops[1] = str_op(F_IV_ISSUED, OP_SET, "2026-12-01");
    rec.ops[2] = str_op(F_IV_STATUS, OP_SET, "issued");
    rec.ops[3] = int_op(F_IV_TOTAL, 4225);
    rec.ops[4] = str_op(F_IV_PAYMENTS, OP_ADD, "2026-12-02 2000 card 1a2b3c4d5e6f7a8b");
    rec.ops[5] = str_op(F_IV_PAYMENTS, OP_ADD, "2026-12-03 2225 cheque 0123456789abcdef cheque 12");
    write_record(dir, "invoice", &rec);
    rec.kind = KIND_TICKET;
    rec.n_ops = 4;
    rec.ops[0] = str_op(F_TI_SUBJECT, OP_SET, "Brakes squeak");
    rec.ops[1] = str_op(F_TI_PRIORITY, OP_SET, "urgent");
    rec.ops[2] = str_op(F_TI_STATUS, OP_SET, "quote");
    rec.ops[3] = str_op(F_TI_SLA_DUE, OP_SET, "2026-12-01T14:00:00Z");
    write_record(dir, "ticket", &rec);
}

/* Requests of the sales verbs: a quote with its lines (a list of form-encoded strings),
 * an invoice from an order, a payment, a document, clashes, a ticket's move. */
static void sales_requests(const char *dir)
{
    static const char *const reqs[][13] = {
        {"create_quote", "create", "kind", "quote", "customer", "00112233445566778899aabbccddeeff", "currency", "EUR",
         "lines", "\1quantity=2&unit_price=12,50&tax_rate=9&description=Oil%20change\1qty=%DB%B1%D9%AB%DB%B5&price=10&description=Labour",
         NULL},
        {"create_invoice", "create", "kind", "invoice", "from", "00112234445566778899aabbccddeeff", "issued", "2026-12-01",
         "due", "2026-12-31", NULL},
        {"create_product", "create", "kind", "product", "sku", "OIL-5W30", "name", "Oil", "price", "12.50", "currency",
         "EUR", NULL},
        {"pay", "pay", "id", "00112233445566778899aabbccddeeff", "amount", "\u06f1\u06f2\u066b\u06f5", "method",
         "card", "date", "2026-12-02", NULL},
        {"document", "document", "id", "00112233445566778899aabbccddeeff", NULL},
        {"clashes", "clashes", "kind", "product", NULL},
        {"ticket_move", "update", "id", "00112233445566778899aabbccddeeff", "status", "closed", "user", "sara", NULL},
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        unsigned n = 0;
        while (reqs[i][2 + 2 * n]) n++;
        msgpack_pack_array(&pk, 3);
        msgpack_pack_uint64(&pk, 20 + i);
        msgpack_pack_str(&pk, strlen(reqs[i][1]));
        msgpack_pack_str_body(&pk, reqs[i][1], strlen(reqs[i][1]));
        msgpack_pack_map(&pk, n);
        for (unsigned k = 0; k < n; k++) {
            const char *key = reqs[i][2 + 2 * k], *v = reqs[i][3 + 2 * k];
            msgpack_pack_str(&pk, strlen(key));
            msgpack_pack_str_body(&pk, key, strlen(key));
            if (v[0] != '\1') {
                msgpack_pack_str(&pk, strlen(v));
                msgpack_pack_str_body(&pk, v, strlen(v));
                continue;
            }
            unsigned items = 0; /* a list: its strings, each after a \1 */
            for (const char *q = v; *q; q++) items += *q == '\1';
            msgpack_pack_array(&pk, items);
            for (const char *q = v + 1; *q;) {
                const char *e = strchr(q, '\1');
                size_t len = e ? (size_t)(e - q) : strlen(q);
                msgpack_pack_str(&pk, len);
                msgpack_pack_str_body(&pk, q, len);
                q += len + (e ? 1 : 0);
            }
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, reqs[i][0]);
        write_file(path, sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) return 1;
    char path[4096];
    record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 1;
    rec.hlc = 1ULL << 40;
    rec.author = "sara";
    rec.author_len = 4;
    rec.kind = KIND_CUSTOMER;
    rec.n_ops = 4;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "王小明 علی", strlen("王小明 علی")}, false, {0}};
    rec.ops[1] = (record_op_t){F_CU_PHONES, OP_ADD, {VAL_STR, 0, "+989121234567", 13}, false, {0}};
    rec.ops[2] = (record_op_t){F_CU_TAGS, OP_REMOVE, {VAL_STR, 0, "vip", 3}, false, {0}};
    rec.ops[3] = (record_op_t){F_CU_CONSENT_SMS, OP_SET, {VAL_BOOL, 1, NULL, 0}, true, {1, 2, 3}};
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    record_encode(&rec, &sb);
    snprintf(path, sizeof path, "%s/customer", argv[1]);
    write_file(path, sb.data, sb.size);
    sb.size = 0;
    rec.kind = KIND_DEAL;
    rec.n_ops = 2;
    rec.ops[0] = (record_op_t){F_DE_AMOUNT, OP_SET, {VAL_INT, -123456789, NULL, 0}, false, {0}};
    static const uint8_t ref[48] = {1};
    rec.ops[1] = (record_op_t){F_DE_TITLE, OP_RESOLVE, {VAL_REF, 0, (const char *)ref, 48}, false, {0}};
    record_encode(&rec, &sb);
    snprintf(path, sizeof path, "%s/deal", argv[1]);
    write_file(path, sb.data, sb.size);

    sb.size = 0;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint64(&pk, 9);
    msgpack_pack_str(&pk, 6); msgpack_pack_str_body(&pk, "create", 6);
    msgpack_pack_map(&pk, 4);
    msgpack_pack_str(&pk, 4); msgpack_pack_str_body(&pk, "kind", 4);
    msgpack_pack_str(&pk, 8); msgpack_pack_str_body(&pk, "customer", 8);
    msgpack_pack_str(&pk, 6); msgpack_pack_str_body(&pk, "phones", 6);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_str(&pk, 3); msgpack_pack_str_body(&pk, "123", 3);
    msgpack_pack_str(&pk, 3); msgpack_pack_str_body(&pk, "456", 3);
    msgpack_pack_str(&pk, 5); msgpack_pack_str_body(&pk, "limit", 5);
    msgpack_pack_int64(&pk, -5);
    msgpack_pack_str(&pk, 2); msgpack_pack_str_body(&pk, "id", 2);
    msgpack_pack_bin(&pk, 2); msgpack_pack_bin_body(&pk, "ab", 2);
    snprintf(path, sizeof path, "%s/create", argv[2]);
    write_file(path, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    /* the branch app's requests: amounts as people type them, a task's due time and
     * reminder, a sorted and filtered page, a filtered search, a saved filter */
    static const char *const app[][13] = {
        {"deal_amount", "create", "kind", "deal", "customer", "00112233", "title", "x", "amount", "\u06f1\u066c\u06f2\u06f3\u06f4\u066b\u06f5", "currency", "IRR", NULL},
        {"task_due", "create", "kind", "task", "title", "x", "due", "2026-12-20", "due_time", "14:30", "reminder", "60", NULL},
        {"list_sorted", "list", "kind", "customer", "sort", "city", "city", "Tehran", "tag", "vip", "segment", "fleet", NULL},
        {"search_filtered", "search", "q", "seed", "city", "tehran", "assigned", "sara", "branch", "b1", NULL},
        {"view_save", "view_save", "user", "sara", "name", "VIPs", "filter", "{\"tag\":\"vip\"}", NULL},
    };
    for (size_t i = 0; i < sizeof app / sizeof app[0]; i++) {
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        unsigned n = 0;
        while (app[i][2 + 2 * n]) n++;
        msgpack_pack_array(&pk, 3);
        msgpack_pack_uint64(&pk, 10 + i);
        msgpack_pack_str(&pk, strlen(app[i][1])); msgpack_pack_str_body(&pk, app[i][1], strlen(app[i][1]));
        msgpack_pack_map(&pk, n);
        for (unsigned k = 0; k < n; k++)
            for (unsigned j = 0; j < 2; j++) {
                const char *x = app[i][2 + 2 * k + j];
                msgpack_pack_str(&pk, strlen(x));
                msgpack_pack_str_body(&pk, x, strlen(x));
            }
        snprintf(path, sizeof path, "%s/%s", argv[2], app[i][0]);
        write_file(path, sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
    }
    sales_records(argv[1]);
    sales_requests(argv[2]);
    return 0;
}
