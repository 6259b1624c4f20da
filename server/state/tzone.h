/* SPDX-License-Identifier: MIT
 * tzone: the calendar day of an instant in a named time zone ("Asia/Tehran"), for the
 * report counters, without touching the process's TZ: the zone rules come from ICU's
 * calendar (libicu), one per zone object, behind a mutex so the writer thread and the HTTP
 * thread may both ask. A NULL zone is UTC. */
#ifndef ACCORD_TZONE_H
#define ACCORD_TZONE_H

#include <stdint.h>

typedef struct tzone tzone_t;

/* Opens the zone of that IANA name; NULL or "" gives UTC. ACCORD_EINVAL for a name ICU
 * does not know. */
int tzone_open(const char *name, tzone_t **out);
/* Safe on NULL and twice. */
void tzone_destroy(tzone_t **z);
/* The zone's name ("UTC" for NULL); valid while z lives. */
const char *tzone_name(const tzone_t *z);
/* The UTC offset in ms at the instant ms (ms since 1970, UTC), DST included. */
int64_t tzone_offset_ms(const tzone_t *z, uint64_t ms);
/* Days since 1970-01-01 plus one of the local date at instant ms (0 never occurs for
 * instants after 1970-01-02): the day numbers of kpi.h. */
uint32_t tzone_day_of_ms(const tzone_t *z, uint64_t ms);
/* The local date at instant ms as YYYY-MM-DD. */
void tzone_date(const tzone_t *z, uint64_t ms, char out[11]);
/* The local wall time at instant ms as HH:MM (24-hour): with tzone_date, what a task's due
 * and due_time are compared with. */
void tzone_time_of_day(const tzone_t *z, uint64_t ms, char out[6]);

#endif
