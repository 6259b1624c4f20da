/* SPDX-License-Identifier: MIT
 * datadir: names of a data directory's files and its lock (datadir.h). */
#include "proto/datadir.h"
#include "proto/accord_err.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

static const char *const file_names[DATADIR_N_FILES] = {
    [DATADIR_STORE] = "data.mdb",
    [DATADIR_KEY] = "node.key",
    [DATADIR_KEY_NEXT] = "node.key.next",
    [DATADIR_SOCKET] = "accord.sock",
    [DATADIR_LOCK] = "accord-node.lock",
    [DATADIR_PID] = "accord-node.pid",
    [DATADIR_SNAPSHOT] = "snapshot.acs",
    [DATADIR_SNAPSHOT_INCOMING] = "snapshot.acs.incoming",
};

const char *datadir_file_name(datadir_file_t f)
{
    return (unsigned)f < DATADIR_N_FILES ? file_names[f] : "?";
}

int datadir_path(const char *dir, datadir_file_t f, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", dir, datadir_file_name(f));
    if (n < 0 || (size_t)n >= cap) {
        if (cap) out[0] = 0;
        return ACCORD_ETOOBIG;
    }
    return 0;
}

int datadir_lock(const char *dir, int *fd)
{
    char path[4200];
    *fd = -1;
    if (datadir_path(dir, DATADIR_LOCK, path, sizeof path)) return ACCORD_ETOOBIG;
    int lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0) return ACCORD_EIO;
    if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        close(lock_fd);
        return ACCORD_EBUSY;
    }
    *fd = lock_fd;
    return 0;
}
