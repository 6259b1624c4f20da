/* SPDX-License-Identifier: MIT
 * libFuzzer target: any bytes as a .vcf file through the vCard reader (unfolding, groups,
 * parameters, escapes, QUOTED-PRINTABLE, bounded lines); every card handed to a callback
 * that reads all its fields. */
#define _POSIX_C_SOURCE 200809L
#include "client/vcard.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_card(void *ctx, unsigned number, unsigned line, const vcard_t *card, const char *error)
{
    size_t *total = ctx;
    *total += number + line + strlen(card->name) + strlen(card->phones) + strlen(card->emails) +
              strlen(card->address) + strlen(card->city) + strlen(card->tags) + (error ? strlen(error) : 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    size_t total = 0;
    char err[200];
    vcard_read(f, on_card, &total, err, sizeof err);
    fclose(f);
    return 0;
}
