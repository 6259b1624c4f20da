/* SPDX-License-Identifier: MIT
 * libFuzzer target: the people texts a person or a peer gives (proto/schema.h): a role
 * grant ("staff branch tehran-1"), a login, and the "ADDR:UID:GID:PID" peer address the
 * local socket's messages carry (api.h). Whatever it is given: a grant that parses formats
 * to a text that parses to the same grant and formats to itself (the canonical form a
 * receiver checks); a login normalises to one that normalises to itself; a peer address
 * gives credentials only with a pid above 0. */
#include "api/api.h"
#include "proto/schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 512) return 0;
    char text[513];
    memcpy(text, data, size);
    text[size] = 0;
    schema_grant_t g, again;
    if (schema_grant_parse((const char *)data, size, &g) == 0) {
        char shown[128], shown2[128];
        schema_grant_format(&g, shown, sizeof shown);
        if (schema_grant_parse(shown, strlen(shown), &again) || memcmp(&g, &again, sizeof g)) abort();
        schema_grant_format(&again, shown2, sizeof shown2);
        if (strcmp(shown, shown2)) abort();
    }
    char login[SCHEMA_LOGIN_MAX + 1], login2[SCHEMA_LOGIN_MAX + 1];
    if (schema_login_normalize(text, login, sizeof login) == 0 &&
        (schema_login_normalize(login, login2, sizeof login2) || strcmp(login, login2)))
        abort();
    api_caller_t c = api_caller_from_peer_address(text);
    if (c.known && c.pid <= 0) abort();
    return 0;
}
