/* SPDX-License-Identifier: MIT
 * accord export customers|deals|tasks: every live record of a kind, page by page from the
 * node, as CSV (spreadsheets; re-importable), JSON Lines (scripts), iCalendar (tasks, for
 * calendar programs) or vCard 3.0/4.0 (customers, for phones and address books). */
#ifndef ACCORD_EXPORT_H
#define ACCORD_EXPORT_H

#include "import.h"

int export_main(int argc, char **argv, const import_env_t *env);

#endif
