/* SPDX-License-Identifier: MIT
 * Writes seed bundles for fuzz_bundle, sealed to the fixed fuzz node key: an empty one, one
 * holding each file given (e.g. fuzz_wire's seed messages), and one of them cut short.
 * Usage: make_bundle_seeds OUT_DIR MESSAGE_FILE... */
#include "proto/bundle.h"
#include "fuzz_keys.h"

#include <stdio.h>
#include <stdlib.h>

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return fopen(path, "wb");
}

int main(int argc, char **argv)
{
    if (argc < 2 || crypto_init()) return 1;
    fuzz_keys_t k;
    fuzz_keys(&k);
    FILE *f = open_out(argv[1], "empty");
    bundle_writer_t *w;
    if (!f || bundle_writer_open(f, k.node_pk, &w) || bundle_writer_finish(&w)) return 1;
    fclose(f);
    f = open_out(argv[1], "messages");
    if (!f || bundle_writer_open(f, k.node_pk, &w)) return 1;
    static char buf[1 << 20];
    for (int i = 2; i < argc; i++) {
        FILE *in = fopen(argv[i], "rb");
        if (!in) return 1;
        size_t n = fread(buf, 1, sizeof buf, in);
        fclose(in);
        if (bundle_write(w, buf, n)) return 1;
    }
    if (bundle_writer_finish(&w)) return 1;
    long size = ftell(f);
    fclose(f);
    char path[4096]; /* a cut copy: the same bytes without the final chunk */
    snprintf(path, sizeof path, "%s/messages", argv[1]);
    FILE *in = fopen(path, "rb"), *out = open_out(argv[1], "cut");
    if (!in || !out) return 1;
    size_t n = fread(buf, 1, (size_t)(size > 40 ? size - 40 : size), in);
    fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    return 0;
}
