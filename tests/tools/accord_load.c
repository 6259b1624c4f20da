/* SPDX-License-Identifier: MIT
 * accord-load: writes many changes to a running node through the client library, for the
 * replication tests (the CLI would spend most of the time starting processes).
 *   accord-load DIR create N PREFIX       creates N customers, prints their ids
 *   accord-load DIR edit IDFILE ROUNDS TAG  sets city and adds a tag on every id, ROUNDS times
 *   accord-load DIR missing IDFILE        prints the ids the node does not hold
 * Exit 0 when every call succeeded. */
#define _POSIX_C_SOURCE 200809L
#include "client/accord_client.h"
#include "proto/accord_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int create(accord_client_t *c, long n, const char *prefix)
{
    for (long i = 0; i < n; i++) {
        accord_args_t a;
        accord_args_init(&a);
        char name[128], phone[32];
        snprintf(name, sizeof name, "%s customer %ld", prefix, i);
        snprintf(phone, sizeof phone, "+98912%07ld", i);
        accord_args_str(&a, "kind", "customer");
        accord_args_str(&a, "name", name);
        const char *phones[] = {phone};
        accord_args_strv(&a, "add:phones", phones, 1);
        accord_args_str(&a, "user", "load");
        accord_reply_t r;
        int rc = accord_call(c, "create", &a, &r);
        if (rc) fprintf(stderr, "accord-load: create: %s\n", r.message);
        else {
            char id[64];
            printf("%s\n", accord_obj_str(&r.body, "id", id, sizeof id));
        }
        accord_reply_destroy(&r);
        accord_args_destroy(&a);
        if (rc) return 1;
    }
    return 0;
}

static int edit(accord_client_t *c, const char *id_file, long rounds, const char *tag)
{
    for (long round = 0; round < rounds; round++) {
        FILE *f = fopen(id_file, "r");
        if (!f) { perror(id_file); return 1; }
        char id[80];
        while (fgets(id, sizeof id, f)) {
            id[strcspn(id, "\n")] = 0;
            if (!id[0]) continue;
            accord_args_t a;
            accord_args_init(&a);
            char city[64];
            snprintf(city, sizeof city, "%s-%ld", tag, round);
            accord_args_str(&a, "id", id);
            accord_args_str(&a, "kind", "customer");
            accord_args_str(&a, "city", city);
            const char *tags[] = {tag};
            accord_args_strv(&a, "add:tags", tags, 1);
            accord_args_str(&a, "user", "load");
            accord_reply_t r;
            int rc = accord_call(c, "update", &a, &r);
            if (rc) fprintf(stderr, "accord-load: update %s: %s\n", id, r.message);
            accord_reply_destroy(&r);
            accord_args_destroy(&a);
            if (rc) { fclose(f); return 1; }
        }
        fclose(f);
    }
    return 0;
}

static int missing(accord_client_t *c, const char *id_file)
{
    FILE *f = fopen(id_file, "r");
    if (!f) { perror(id_file); return 1; }
    char id[80];
    int rc = 0;
    while (fgets(id, sizeof id, f)) {
        id[strcspn(id, "\n")] = 0;
        if (!id[0]) continue;
        accord_args_t a;
        accord_args_init(&a);
        accord_args_str(&a, "id", id);
        accord_reply_t r;
        int code = accord_call(c, "get", &a, &r);
        if (code == ACCORD_ENOTFOUND) printf("%s\n", id);
        else if (code) { fprintf(stderr, "accord-load: get %s: %s\n", id, r.message); rc = 1; }
        accord_reply_destroy(&r);
        accord_args_destroy(&a);
    }
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: accord-load DIR create N PREFIX | accord-load DIR edit IDFILE ROUNDS TAG\n");
        return 1;
    }
    accord_client_t *c;
    if (accord_client_new(argv[1], 10000, &c)) {
        fprintf(stderr, "accord-load: cannot reach %s\n", argv[1]);
        return 3;
    }
    int rc = 1;
    if (!strcmp(argv[2], "create")) rc = create(c, atol(argv[3]), argv[4]);
    else if (!strcmp(argv[2], "missing")) rc = missing(c, argv[3]);
    else if (!strcmp(argv[2], "edit") && argc == 6) rc = edit(c, argv[3], atol(argv[4]), argv[5]);
    accord_client_destroy(&c);
    return rc;
}
