/* SPDX-License-Identifier: MIT
 * libFuzzer target: a snapshot file from anywhere, as `accordctl snapshot install` reads it:
 * the whole-file signature check, then every frame decoded strictly in order. Reads stay
 * within SNAPSHOT_MAX_FRAME; a frame is never trusted before the signature at the end. */
#define _POSIX_C_SOURCE 200809L
#include "proto/accord_err.h"
#include "proto/snapshot.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (crypto_init()) return 0;
        ready = 1;
    }
    if (size == 0) return 0;
    snap_frame_t fr;
    (void)snapshot_frame_decode(data, size, &fr);
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    (void)snapshot_verify_file(f);
    rewind(f);
    snapshot_reader_t *r;
    if (snapshot_reader_open(f, &r, &fr) == 0) {
        while (snapshot_read(r, &fr) == 1) {
        }
        (void)snapshot_offset(r);
        snapshot_reader_close(&r);
    }
    fclose(f);
    return 0;
}
