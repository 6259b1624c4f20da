/* SPDX-License-Identifier: MIT
 * store: the disk blocks a write transaction needs are reserved as it writes (store.c,
 * reserve_put), so one that outgrows the disk is refused (EFULL) and spoilt, where the
 * writable map's store into a hole of a full disk killed the process with SIGBUS. Runs
 * on a small tmpfs of its own: without the right to mount one (not root) it is skipped.
 * And a process that opens the store with a smaller map (ACCORD_MAP_MB) does not cut the
 * file under another that maps it larger (its next page past the cut was a SIGBUS). */
#include "helpers.h"

#include "proto/accord_err.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DISK "size=72m" /* the 64 MiB reserved at the first write, and 8 more */

static void key_of(uint8_t key[24], uint32_t i)
{
    memset(key, 0x5a, 24);
    key[20] = (uint8_t)(i >> 24), key[21] = (uint8_t)(i >> 16), key[22] = (uint8_t)(i >> 8), key[23] = (uint8_t)i;
}

/* In a child, as a SIGBUS ends it: one transaction of 1 KB puts until one is refused
 * (~100 MB, more than the disk), its commit, then a small one. The exit code says which
 * step went wrong (0: none). */
static int outgrow(const char *dir)
{
    store_t *st;
    store_txn_t *t;
    if (store_open(dir, STORE_NOSYNC, &st) || store_txn_begin(st, true, &t)) return 2;
    static uint8_t val[1000];
    uint8_t key[24];
    int rc = 0;
    uint32_t i;
    for (i = 0; i < 100000 && !rc; i++) {
        key_of(key, i);
        rc = store_put(t, TBL_FEED, key, sizeof key, val, sizeof val);
    }
    if (rc != ACCORD_EFULL) return 3;             /* the disk held it all: no test */
    if (store_put(t, TBL_FEED, "k", 1, "v", 1) != ACCORD_EFULL) return 4; /* the refusal stays */
    if (store_txn_commit(&t) != ACCORD_EFULL) return 5; /* and spoils the transaction */
    if (store_txn_begin(st, true, &t) || store_put(t, TBL_META, "after", 5, "1", 1) || store_txn_commit(&t))
        return 6; /* a small write still fits in the room reserved */
    store_close(&st);
    if (store_open(dir, STORE_NOSYNC, &st) || store_txn_begin(st, false, &t)) return 7;
    store_val_t v;
    key_of(key, 0);
    rc = store_get(t, TBL_META, "after", 5, &v) ? 8 : store_get(t, TBL_FEED, key, sizeof key, &v) != ACCORD_ENOTFOUND ? 9 : 0;
    store_txn_abort(&t);
    store_close(&st);
    return rc;
}

static void test_a_transaction_larger_than_the_disk_is_refused_not_killed(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    if (mount("tmpfs", dir, "tmpfs", 0, DISK)) {
        rm_dir(dir);
        skip(); /* not root: full_disk_test covers the same */
    }
    char store_dir[600];
    snprintf(store_dir, sizeof store_dir, "%s/s", dir);
    assert_int_equal(mkdir(store_dir, 0700), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL); /* not cmocka's handler: the parent reads how the child ended */
        _exit(outgrow(store_dir));
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    umount(dir);
    rm_dir(dir);
    if (WIFSIGNALED(status)) fail_msg("the writer died of signal %d (SIGBUS is %d)", WTERMSIG(status), SIGBUS);
    assert_int_equal(WEXITSTATUS(status), 0);
}

static uint64_t file_size(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return (uint64_t)sb.st_size;
}

static void test_a_smaller_map_elsewhere_does_not_cut_the_file(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    setenv("ACCORD_MAP_MB", "64", 1);
    store_t *st;
    assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0);
    assert_int_equal(file_size(dir), 64u << 20);
    pid_t pid = fork(); /* accordctl beside the node, with ACCORD_MAP_MB=16 */
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("ACCORD_MAP_MB", "16", 1);
        store_t *other;
        store_txn_t *t;
        _exit(store_open(dir, STORE_NOSYNC, &other) || store_txn_begin(other, true, &t) ||
              store_put(t, TBL_META, "other", 5, "1", 1) || store_txn_commit(&t));
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(file_size(dir), 64u << 20); /* was cut to 16 MiB */
    store_txn_t *t; /* 24 MB of pages past the 16 MiB: each a SIGBUS had the file been cut */
    assert_int_equal(store_txn_begin(st, true, &t), 0);
    static uint8_t val[1000];
    uint8_t key[24];
    for (uint32_t i = 0; i < 12000; i++) {
        key_of(key, i);
        assert_int_equal(store_put(t, TBL_FEED, key, sizeof key, val, sizeof val), 0);
    }
    assert_int_equal(store_txn_commit(&t), 0);
    store_close(&st);
    setenv("ACCORD_MAP_MB", "40", 1); /* alone, a process sets the map as it asks */
    assert_int_equal(store_open(dir, STORE_NOSYNC, &st), 0);
    assert_int_equal(file_size(dir), 40u << 20);
    store_close(&st);
    unsetenv("ACCORD_MAP_MB");
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_transaction_larger_than_the_disk_is_refused_not_killed),
        cmocka_unit_test(test_a_smaller_map_elsewhere_does_not_cut_the_file),
    };
    return cmocka_run_group_tests_name("store_room", tests, NULL, NULL);
}
