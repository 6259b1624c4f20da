/* SPDX-License-Identifier: MIT
 * metrics: the node's figures in the Prometheus text format (version 0.0.4) for /metrics:
 * per peer lag, batches received, sent and refused, connection and clock offset; the
 * apply latency histogram; conflicts waiting; store use. Built from the sync status (as
 * `accordctl sync status --json` shows it) and the store. */
#ifndef ACCORD_METRICS_H
#define ACCORD_METRICS_H

#include <msgpack.h>
#include <stdio.h>

#include "store/store.h"

/* status may be NULL (a node that replicates with no one). */
int metrics_write(FILE *f, const msgpack_object *status, store_t *st);

#endif
