/* SPDX-License-Identifier: MIT
 * libFuzzer target: any bytes as the CSV file of `accord import customers --dry-run`: the
 * BOM sniff and UTF-16 conversion, the delimiter detection, the whole-file check
 * (filecheck.h, also fuzzed alone by fuzz_filecheck), libcsv's parse, header mapping and
 * the check of every row. The dry run asks a node when one runs; none runs at the data
 * directory given here, so it checks the file alone. */
#define _POSIX_C_SOURCE 200809L
#include "client/import.h"
#include "proto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) {
        if (crypto_init()) return 0;
        snprintf(path, sizeof path, "/tmp/accord-fuzz-csv-%ld.csv", (long)getpid());
        if (!freopen("/dev/null", "w", stdout)) return 0;
    }
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    char *argv[] = {"import", "customers", path, "--dry-run", NULL};
    import_env_t env = {"/nonexistent", "fuzz", true, 100, false};
    import_main(4, argv, &env);
    unlink(path);
    return 0;
}
