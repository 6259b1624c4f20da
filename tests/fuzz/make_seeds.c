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
    return 0;
}
