/* SPDX-License-Identifier: MIT
 * accord import customers FILE.csv: spreadsheet rows checked here (so --dry-run needs no
 * node) and sent to the node in batches, where each row is a create or an update exactly
 * as those verbs do it. */
#ifndef ACCORD_IMPORT_H
#define ACCORD_IMPORT_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    const char *data, *user;
    bool json;
    int timeout_ms;
} import_env_t;

/* argv[0] is "import". Returns the process exit code (accord's). */
int import_main(int argc, char **argv, const import_env_t *env);
void import_help(FILE *f);

#endif
