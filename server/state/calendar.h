/* SPDX-License-Identifier: MIT
 * calendar: moved to proto/calendar.h (the CLI prints Solar Hijri dates too, and links no
 * server code); this name stays so that server code's includes hold. */
#include "proto/calendar.h"
