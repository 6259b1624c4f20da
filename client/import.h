/* SPDX-License-Identifier: MIT
 * accord import customers FILE.csv: the whole file checked first (filecheck.h: a
 * malformed file is refused before a row is sent), then the rows checked here and sent to
 * the node in batches, where each row is a create or an update exactly as those verbs do
 * it. --dry-run checks here and, when a node runs, asks it (the import verb's dry_run),
 * so that the rows it would refuse are named too. */
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
