/* SPDX-License-Identifier: MIT
 * The unit tests' node fixture (see fixture.h). */
#include "helpers.h"

#include "fixture.h"
#include "proto/crypto.h"

void fixture_open(fixture_t *f, const char *name, const char *role)
{
    char err[256];
    memset(f, 0, sizeof *f);
    assert_int_equal(crypto_init(), 0);
    f->dir = tmp_dir();
    snprintf(f->path, sizeof f->path, "%s/n", f->dir);
    assert_int_equal(identity_create(f->path, name, role, err, sizeof err), 0);
    assert_int_equal(store_open(f->path, STORE_NOSYNC, &f->st), 0);
    assert_int_equal(identity_load(f->path, f->st, &f->id, err, sizeof err), 0);
    assert_int_equal(oplog_open(f->st, f->id, &f->log), 0);
}

void fixture_close(fixture_t *f)
{
    oplog_destroy(&f->log);
    identity_destroy(&f->id);
    store_close(&f->st);
    rm_dir(f->dir);
    f->dir = NULL;
}

fixture_t *fixture_new(const char *name, const char *role)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    fixture_open(f, name, role);
    return f;
}

void fixture_free(fixture_t *f)
{
    fixture_close(f);
    free(f);
}

int fixture_teardown(void **state)
{
    fixture_free(*state);
    return 0;
}
