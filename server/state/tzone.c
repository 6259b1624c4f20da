/* SPDX-License-Identifier: MIT
 * tzone: local days in a named zone through ICU's calendar (tzone.h). */
#include "state/tzone.h"
#include "proto/accord_err.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#define TZONE_NAME_MAX 64

struct tzone {
    pthread_mutex_t mu; /* a UCalendar is not thread-safe */
    UCalendar *cal;
    char name[TZONE_NAME_MAX + 1];
};

int tzone_open(const char *name, tzone_t **out)
{
    *out = NULL;
    if (!name || !*name) return 0; /* UTC */
    if (strlen(name) > TZONE_NAME_MAX) return ACCORD_EINVAL;
    UChar id[TZONE_NAME_MAX + 1], canon[TZONE_NAME_MAX * 2];
    UErrorCode err = U_ZERO_ERROR;
    u_uastrcpy(id, name);
    UBool is_system = 0;
    ucal_getCanonicalTimeZoneID(id, -1, canon, (int32_t)(sizeof canon / sizeof canon[0]), &is_system, &err);
    if (U_FAILURE(err) || !is_system) return ACCORD_EINVAL; /* ICU would quietly use "Etc/Unknown" (GMT) */
    tzone_t *z = calloc(1, sizeof *z);
    if (!z) abort();
    z->cal = ucal_open(id, -1, "en_US_POSIX", UCAL_GREGORIAN, &err);
    if (U_FAILURE(err) || !z->cal) {
        free(z);
        return ACCORD_EINVAL;
    }
    pthread_mutex_init(&z->mu, NULL);
    memcpy(z->name, name, strlen(name) + 1);
    *out = z;
    return 0;
}

void tzone_destroy(tzone_t **pz)
{
    tzone_t *z = *pz;
    if (!z) return;
    ucal_close(z->cal);
    pthread_mutex_destroy(&z->mu);
    free(z);
    *pz = NULL;
}

const char *tzone_name(const tzone_t *z)
{
    return z ? z->name : "UTC";
}

int64_t tzone_offset_ms(const tzone_t *z, uint64_t ms)
{
    if (!z) return 0;
    tzone_t *m = (tzone_t *)z; /* the lock and the calendar's instant are not the zone's value */
    UErrorCode err = U_ZERO_ERROR;
    pthread_mutex_lock(&m->mu);
    ucal_setMillis(m->cal, (UDate)ms, &err);
    int32_t zone = ucal_get(m->cal, UCAL_ZONE_OFFSET, &err), dst = ucal_get(m->cal, UCAL_DST_OFFSET, &err);
    pthread_mutex_unlock(&m->mu);
    return U_FAILURE(err) ? 0 : (int64_t)zone + dst;
}

void tzone_date(const tzone_t *z, uint64_t ms, char out[11])
{
    time_t local = (time_t)(((int64_t)ms + tzone_offset_ms(z, ms)) / 1000);
    struct tm tm;
    if (!gmtime_r(&local, &tm) || !strftime(out, 11, "%Y-%m-%d", &tm)) out[0] = 0;
}

void tzone_time_of_day(const tzone_t *z, uint64_t ms, char out[6])
{
    time_t local = (time_t)(((int64_t)ms + tzone_offset_ms(z, ms)) / 1000);
    struct tm tm;
    if (!gmtime_r(&local, &tm) || !strftime(out, 6, "%H:%M", &tm)) out[0] = 0;
}

uint32_t tzone_day_of_ms(const tzone_t *z, uint64_t ms)
{
    int64_t local = (int64_t)ms + tzone_offset_ms(z, ms);
    if (local < 0) return 0;
    return (uint32_t)(local / 86400000) + 1;
}
