/* SPDX-License-Identifier: MIT
 * Writes seed messages for fuzz_wire: a HELLO, a validly signed BATCH of two records,
 * a ROSTER with a validly signed entry, an ACK, a BEAT, an ERROR, a DIGEST and a SNAP. */
#include "proto/hlc.h"
#include "proto/record.h"
#include "proto/roster_entry.h"
#include "proto/schema.h"
#include "proto/wire.h"
#include "fuzz_keys.h"

#include <stdio.h>

static void write_file(const char *dir, const char *name, msgpack_sbuffer *sb)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(sb->data, 1, sb->size, f);
        fclose(f);
    }
    sb->size = 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || crypto_init()) return 1;
    fuzz_keys_t k;
    fuzz_keys(&k);
    msgpack_sbuffer sb, r1, r2;
    msgpack_sbuffer_init(&sb);
    msgpack_sbuffer_init(&r1);
    msgpack_sbuffer_init(&r2);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

    wire_vec_t vec[1] = {{k.node_origin, 7}};
    wire_pack_hello(&pk, "branch", k.node_origin, vec, 1);
    write_file(argv[1], "hello", &sb);

    record_t rec;
    memset(&rec, 0, sizeof rec);
    memcpy(rec.origin, k.node_origin, 16);
    rec.seq = 1;
    rec.hlc = HLC_PACK(1700000000000ULL, 0);
    rec.author = "sara";
    rec.author_len = 4;
    memset(rec.entity, 0x42, 16);
    rec.kind = KIND_CUSTOMER;
    rec.n_ops = 2;
    rec.ops[0] = (record_op_t){F_CU_NAME, OP_SET, {VAL_STR, 0, "Seed", 4}, false, {0}};
    rec.ops[1] = (record_op_t){F_CU_TAGS, OP_ADD, {VAL_STR, 0, "vip", 3}, false, {0}};
    record_encode(&rec, &r1);
    rec.seq = 2;
    rec.hlc++;
    crypto_record_hash(r1.data, r1.size, rec.prev);
    rec.n_ops = 1;
    rec.ops[0] = (record_op_t){F_CU_CITY, OP_SET, {VAL_STR, 0, "Rasht", 5}, false, {0}};
    record_encode(&rec, &r2);
    uint8_t h[32], sig[64];
    crypto_record_hash(r2.data, r2.size, h);
    crypto_head_sign(k.node_sk, k.node_origin, 2, h, sig);
    wire_pack_batch_head(&pk, k.node_origin, sig, 2);
    wire_pack_bin(&pk, r1.data, r1.size);
    wire_pack_bin(&pk, r2.data, r2.size);
    write_file(argv[1], "batch", &sb);

    roster_entry_t e;
    memset(&e, 0, sizeof e);
    e.action = ROSTER_ENROLL;
    memcpy(e.pk, k.node_pk, 32);
    snprintf(e.name, sizeof e.name, "rasht-1");
    snprintf(e.role, sizeof e.role, "branch");
    snprintf(e.region, sizeof e.region, "north");
    e.issued_ms = 1700000000000ULL;
    uint8_t entry[ROSTER_ENTRY_MAX];
    size_t len;
    roster_entry_sign(&e, k.org_sk, entry, &len);
    wire_pack_roster_head(&pk, 1);
    wire_pack_bin(&pk, entry, len);
    write_file(argv[1], "roster", &sb);

    wire_pack_ack(&pk, k.node_origin, 2, -8, 1, "bad signature");
    write_file(argv[1], "ack", &sb);
    wire_pack_beat(&pk, 1700000000000ULL, 12, 1 << 20, 1 << 30, "accord 0.3");
    write_file(argv[1], "beat", &sb);
    wire_pack_error(&pk, -18, "version");
    write_file(argv[1], "error", &sb);
    wire_pack_digest_head(&pk, 256, 1);
    wire_pack_digest_item(&pk, k.node_origin, 16, h);
    write_file(argv[1], "digest", &sb);
    wire_pack_snap(&pk, 8, 24, "ACCSNAP1piece-of-a-file", 16);
    write_file(argv[1], "snap", &sb);
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&r1);
    msgpack_sbuffer_destroy(&r2);
    return 0;
}
