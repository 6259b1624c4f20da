/* SPDX-License-Identifier: MIT
 * exit_codes: the exit status of both command lines, `accord` (client/accord.c) and
 * `accordctl` (tools/). One enum so that a script reads the same number the same way
 * whichever tool it ran; docs/CLI.md lists them with what each tool means by them. */
#ifndef ACCORD_EXIT_CODES_H
#define ACCORD_EXIT_CODES_H

typedef enum {
    ACCORD_EXIT_OK = 0,          /* done (accordctl verify / check: and the data is sound) */
    ACCORD_EXIT_USAGE = 1,       /* wrong arguments: unknown verb or option, missing or bad value */
    ACCORD_EXIT_REFUSED = 2,     /* accord: the node refused (invalid value, not found, ...);
                                  * accordctl: the feed, state, bundle or snapshot is damaged,
                                  * differs or was refused */
    ACCORD_EXIT_UNREACHABLE = 3, /* accord: the node could not be reached or did not answer;
                                  * accordctl: cannot open or reach the node (or a named file) */
    ACCORD_EXIT_OTHER = 4,       /* anything else (I/O, a full disk, an internal error) */
} accord_exit_t;

#endif
