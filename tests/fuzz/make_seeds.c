/* SPDX-License-Identifier: MIT
 * Writes seed inputs for the fuzz corpora: valid records and requests to mutate from. */
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
    return 0;
}
