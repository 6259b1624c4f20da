/* SPDX-License-Identifier: MIT
 * peer: the replication session's state machine. The lifecycles of peer.h's diagram are
 * allowed, a transition the table does not list aborts the process (in release builds
 * too), and every state can be reached and can get back to LIVE. Credit comes back only
 * from an ACK that answers a batch in flight. */
#include "helpers.h"

#include "proto/hlc.h"
#include "repl/peer.h"

#include <fcntl.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_lifecycles_in_the_diagram(void **state)
{
    (void)state;
    peer_t up;
    memset(&up, 0, sizeof up);
    up.upstream = true;
    assert_int_equal(up.state, PEER_FREE);
    peer_set_state(&up, PEER_CONNECTING, "sync_new");
    peer_set_state(&up, PEER_HELLO_SENT, "handshake");
    assert_false(peer_in_session(&up));
    peer_set_state(&up, PEER_LIVE, "hub's HELLO");
    assert_true(peer_in_session(&up));
    peer_lost(&up, "disconnected");
    assert_int_equal(up.state, PEER_CONNECTING); /* upstream retries */
    peer_lost(&up, "refused again");             /* not in session: stays */
    assert_int_equal(up.state, PEER_CONNECTING);

    peer_t down;
    memset(&down, 0, sizeof down);
    peer_set_state(&down, PEER_DOWN, "first HELLO");
    peer_set_state(&down, PEER_LIVE, "HELLO");
    peer_set_state(&down, PEER_SNAP_SENDING, "empty peer");
    peer_set_state(&down, PEER_SNAP_SENT, "all sent");
    assert_true(peer_in_session(&down));
    peer_set_state(&down, PEER_LIVE, "its next HELLO");
    peer_lost(&down, "silent");
    assert_int_equal(down.state, PEER_DOWN);
    peer_lost(&down, "again");
    assert_int_equal(down.state, PEER_DOWN);
    peer_release(&down);
    assert_int_equal(down.state, PEER_FREE);
}

/* Issue 15, item 8: offline since the slot was made (the node's start, for the hub above),
 * or since the session ended; not reset by retries while offline; cleared in session. */
static void test_offline_since_is_kept_by_the_state_machine(void **state)
{
    (void)state;
    peer_t up;
    memset(&up, 0, sizeof up);
    up.upstream = true;
    uint64_t start = hlc_wall_ms();
    peer_set_state(&up, PEER_CONNECTING, "sync_new");
    assert_true(up.offline_since_ms >= start && up.offline_since_ms <= hlc_wall_ms());
    uint64_t made = up.offline_since_ms;
    struct timespec nap = {0, 5 * 1000 * 1000};
    nanosleep(&nap, NULL);
    peer_set_state(&up, PEER_HELLO_SENT, "handshake");
    peer_set_state(&up, PEER_CONNECTING, "handshake failed"); /* still offline since the start */
    assert_true(up.offline_since_ms == made);
    peer_set_state(&up, PEER_HELLO_SENT, "handshake");
    peer_set_state(&up, PEER_LIVE, "hub's HELLO");
    assert_true(up.offline_since_ms == 0);
    nanosleep(&nap, NULL);
    uint64_t before_loss = hlc_wall_ms();
    peer_lost(&up, "disconnected");
    assert_true(up.offline_since_ms >= before_loss && up.offline_since_ms > made);
    peer_set_state(&up, PEER_HELLO_SENT, "handshake");
    peer_set_state(&up, PEER_LIVE, "hub's HELLO");
    peer_set_state(&up, PEER_HELLO_SENT, "the hub lost our session"); /* out of session, not by peer_lost */
    assert_true(up.offline_since_ms >= before_loss);
    peer_release(&up);
}

static void test_names(void **state)
{
    (void)state;
    for (int a = 0; a < PEER_N_STATES; a++) {
        assert_string_not_equal(peer_state_name((peer_state_t)a), "?");
        for (int b = 0; b < a; b++)
            assert_string_not_equal(peer_state_name((peer_state_t)a), peer_state_name((peer_state_t)b));
    }
    assert_string_equal(peer_state_name(PEER_N_STATES), "?");
    assert_string_equal(peer_state_name(PEER_LIVE), "LIVE");
}

/* Runs from -> to in a child process: true if the child aborted. */
static bool aborts(peer_state_t from, peer_state_t to)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2); /* the assertion's message */
        peer_t p;
        memset(&p, 0, sizeof p);
        p.state = from;
        peer_set_state(&p, to, "test");
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void test_a_transition_not_in_the_table_aborts(void **state)
{
    (void)state;
    assert_true(aborts(PEER_DOWN, PEER_SNAP_SENT));     /* a snapshot was never started */
    assert_true(aborts(PEER_FREE, PEER_LIVE));          /* a session needs a known peer */
    assert_true(aborts(PEER_CONNECTING, PEER_SNAP_SENDING));
    assert_true(aborts(PEER_LIVE, PEER_FREE));          /* slots are never freed in use */
    assert_false(aborts(PEER_LIVE, PEER_DOWN));
    assert_false(aborts(PEER_SNAP_SENDING, PEER_LIVE));
}

/* Every state but FREE is reachable from FREE, and LIVE is reachable from each of them:
 * no state is a trap. Probes the table through children, as peer_set_state is its only door. */
static void test_no_state_is_a_trap(void **state)
{
    (void)state;
    bool can[PEER_N_STATES][PEER_N_STATES];
    for (int a = 0; a < PEER_N_STATES; a++)
        for (int b = 0; b < PEER_N_STATES; b++) can[a][b] = !aborts((peer_state_t)a, (peer_state_t)b);
    for (int k = 0; k < PEER_N_STATES; k++) /* transitive closure */
        for (int a = 0; a < PEER_N_STATES; a++)
            for (int b = 0; b < PEER_N_STATES; b++) can[a][b] |= can[a][k] && can[k][b];
    for (int s = 1; s < PEER_N_STATES; s++) {
        assert_true(can[PEER_FREE][s]);
        assert_true(can[s][PEER_LIVE]);
    }
}

static void test_credit_comes_back_only_for_a_batch_in_flight(void **state)
{
    (void)state;
    peer_t p;
    memset(&p, 0, sizeof p);
    peer_flight_reset(&p);
    assert_int_equal(peer_credit(&p), PEER_CREDIT);
    peer_flight_add(&p, 0, 1024); /* feed 0: records 1-1024, then 1025-2048 */
    peer_flight_add(&p, 0, 2048);
    peer_flight_add(&p, 1, 7);
    peer_flight_add(&p, 2, 30);
    for (int i = 4; i < PEER_CREDIT; i++) peer_flight_add(&p, 3, (uint64_t)i); /* the rest of the window */
    assert_int_equal(peer_credit(&p), 0);

    assert_false(peer_flight_answer(&p, 5, 100, false));        /* a feed it was never sent */
    assert_false(peer_flight_answer(&p, 5, 0, true));           /* nor refusing one */
    assert_false(peer_flight_answer(&p, 0, 1000, false));       /* short of the oldest batch of feed 0 */
    assert_false(peer_flight_answer(&p, PEER_SNAP_SLOT, 1, false)); /* no snapshot chunk was sent */
    assert_int_equal(peer_credit(&p), 0);
    assert_int_equal(p.ignored_acks, 4);

    assert_true(peer_flight_answer(&p, 1, 7, false)); /* feed 1's batch applied */
    assert_int_equal(peer_credit(&p), 1);
    assert_false(peer_flight_answer(&p, 1, 7, false)); /* the same ACK again */
    assert_int_equal(peer_credit(&p), 1);
    assert_true(peer_flight_answer(&p, 0, 1024, false)); /* feed 0's first batch */
    assert_false(peer_flight_answer(&p, 0, 1024, false)); /* again: short of the second */
    assert_true(peer_flight_answer(&p, 0, 0, true));      /* the second refused: a refusal holds any head */
    assert_true(peer_flight_answer(&p, 2, 99, false));    /* at or past its last seq */
    for (int i = 4; i < PEER_CREDIT; i++) assert_true(peer_flight_answer(&p, 3, (uint64_t)i, false));
    assert_int_equal(peer_credit(&p), PEER_CREDIT);
    assert_int_equal(p.ignored_acks, 6);
    for (int i = 0; i < 1000; i++) assert_false(peer_flight_answer(&p, 0, 5000, false));
    assert_int_equal(peer_credit(&p), PEER_CREDIT); /* never past the window */

    peer_flight_add(&p, PEER_SNAP_SLOT, 1 << 20); /* snapshot pieces, answered with the bytes held */
    peer_flight_add(&p, PEER_SNAP_SLOT, 2 << 20);
    assert_true(peer_flight_answer(&p, PEER_SNAP_SLOT, 1 << 20, false));
    peer_flight_reset(&p); /* a new session: what was in flight is forgotten */
    assert_int_equal(peer_credit(&p), PEER_CREDIT);
    assert_false(peer_flight_answer(&p, PEER_SNAP_SLOT, 2 << 20, false));
}

/* Sending with no credit left is a bug in the pump: it aborts (in a child). */
static void test_sending_past_the_credit_aborts(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        peer_t p;
        memset(&p, 0, sizeof p);
        for (int i = 0; i <= PEER_CREDIT; i++) peer_flight_add(&p, 0, (uint64_t)i + 1);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycles_in_the_diagram),
        cmocka_unit_test(test_offline_since_is_kept_by_the_state_machine),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_a_transition_not_in_the_table_aborts),
        cmocka_unit_test(test_no_state_is_a_trap),
        cmocka_unit_test(test_credit_comes_back_only_for_a_batch_in_flight),
        cmocka_unit_test(test_sending_past_the_credit_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
