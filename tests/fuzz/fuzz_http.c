/* SPDX-License-Identifier: MIT
 * libFuzzer target: what the hub's HTTP server reads itself from a request — form fields
 * of a POST body and a Basic Authorization header (libmicrohttpd parses the rest). */
#include "http/http_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[64], user[65], pw[257];
    (void)http_form_value((const char *)data, size, "user", out, sizeof out);
    (void)http_form_value((const char *)data, size, "password", out, sizeof out);
    char *header = malloc(size + 1);
    if (!header) return 0;
    memcpy(header, data, size);
    header[size] = 0;
    (void)http_basic_auth(header, user, sizeof user, pw, sizeof pw);
    free(header);
    return 0;
}
