/* Tests of the network poller (vm/netpoll.h) on 2 procs: readiness,
 * deadlines, close while parked, stale events after a descriptor is
 * reused, and many parked goroutines at once. Each body is a goroutine
 * (goroutine harness: goharness.h); the sockets are Unix socket pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first: its own block, so sorting keeps it */

#include <cmocka.h>

#include <errno.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vm/chan.h"
#include "vm/netpoll.h"
#include "vm/sched.h"
#include "vm/vm.h"

#include "goharness.h"

#define MS 1000000LL

/* A non-blocking socket pair: fds[0] is registered, fds[1] the far end. */
static bool pair(int fds[2])
{
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0;
}

/* What the helper goroutines act on (one test at a time). */
static PollDesc *target;
static int far_end;
static ObjChan *done;

/* args: none. Sleeps 20 ms, then writes a byte to far_end. */
static int write_later(Thread *t, Value *a, int n, Value *r)
{
    sched_sleep(20 * MS);
    char c = 'x';
    if (write(far_end, &c, 1) != 1)
        return 0;
    return chan_send(t, done, V_TRUE) < 0 ? -1 : 0;
}

/* args: none. Sleeps 20 ms, then evicts target. */
static int evict_later(Thread *t, Value *a, int n, Value *r)
{
    sched_sleep(20 * MS);
    netpoll_evict(target);
    return chan_send(t, done, V_TRUE) < 0 ? -1 : 0;
}

/* args: none. Sleeps 20 ms, then moves target's read deadline into the
 * past. */
static int expire_later(Thread *t, Value *a, int n, Value *r)
{
    sched_sleep(20 * MS);
    netpoll_set_deadline(target, sched_nanotime() - 1, 'r');
    return chan_send(t, done, V_TRUE) < 0 ? -1 : 0;
}

/* Read one byte from the registered end, parking while there is none. */
static int read_byte(PollDesc *pd, char *c)
{
    int rc = netpoll_prepare(pd, 'r');
    while (rc == NETPOLL_READY) {
        ssize_t k = read(netpoll_fd(pd), c, 1);
        if (k == 1)
            return NETPOLL_READY;
        if (k < 0 && errno != EAGAIN)
            return -1;
        rc = netpoll_wait(pd, 'r');
    }
    return rc;
}

static Value native_fn(const char *name, NativeFn fn)
{
    return v_from_ptr(native_new(name, fn, 0, -1));
}

static void wait_done(void)
{
    Value v;
    bool ok;
    chan_recv(cur(), done, &v, &ok);
}

/* Test that a goroutine parked on an empty socket wakes when a byte
 * arrives, and reads it. */
static void body_netpoll_readiness(void)
{
    int fds[2];
    CHECK(pair(fds));
    PollDesc *pd = netpoll_open(fds[0]);
    CHECK(pd != NULL);
    CHECK_EQ(netpoll_fd(pd), fds[0]);
    far_end = fds[1];
    done = chan_new(1);
    sched_go(cur(), native_fn("writer", write_later), NULL, 0);
    char c = 0;
    CHECK_EQ(read_byte(pd, &c), NETPOLL_READY);
    CHECK_EQ(c, 'x');
    wait_done();
    /* a byte that is already there: no wait at all */
    CHECK_EQ(write(fds[1], "y", 1), 1);
    CHECK_EQ(read_byte(pd, &c), NETPOLL_READY);
    CHECK_EQ(c, 'y');
    netpoll_evict(pd);
    netpoll_free(pd);
    close(fds[0]);
    close(fds[1]);
}

/* Test that a read deadline ends a wait with NETPOLL_TIMEOUT no sooner
 * than it says, that later waits fail at once, that removing it lets a
 * wait succeed again, and that moving it into the past wakes a parked
 * goroutine. */
static void body_netpoll_deadlines(void)
{
    int fds[2];
    CHECK(pair(fds));
    PollDesc *pd = netpoll_open(fds[0]);
    CHECK(pd != NULL);
    int64_t start = sched_nanotime();
    netpoll_set_deadline(pd, start + 30 * MS, 'r');
    char c;
    CHECK_EQ(read_byte(pd, &c), NETPOLL_TIMEOUT);
    CHECK(sched_nanotime() - start >= 30 * MS);
    CHECK_EQ(netpoll_prepare(pd, 'r'), NETPOLL_TIMEOUT);
    CHECK_EQ(netpoll_prepare(pd, 'w'), NETPOLL_READY); /* the write side has none */
    netpoll_set_deadline(pd, 0, 'r');
    CHECK_EQ(netpoll_prepare(pd, 'r'), NETPOLL_READY);
    far_end = fds[1];
    done = chan_new(1);
    sched_go(cur(), native_fn("writer", write_later), NULL, 0);
    CHECK_EQ(read_byte(pd, &c), NETPOLL_READY);
    wait_done();
    /* a deadline far away does not fire; one moved into the past does */
    netpoll_set_deadline(pd, sched_nanotime() + 10000 * MS, 'r');
    target = pd;
    sched_go(cur(), native_fn("expire", expire_later), NULL, 0);
    CHECK_EQ(read_byte(pd, &c), NETPOLL_TIMEOUT);
    wait_done();
    netpoll_evict(pd);
    netpoll_free(pd);
    close(fds[0]);
    close(fds[1]);
}

/* Test that closing (evicting) a descriptor wakes the goroutine parked on
 * it with NETPOLL_CLOSING, and that every later wait fails the same. */
static void body_netpoll_close_while_parked(void)
{
    int fds[2];
    CHECK(pair(fds));
    PollDesc *pd = netpoll_open(fds[0]);
    CHECK(pd != NULL);
    target = pd;
    done = chan_new(1);
    sched_go(cur(), native_fn("evict", evict_later), NULL, 0);
    char c;
    CHECK_EQ(read_byte(pd, &c), NETPOLL_CLOSING);
    wait_done();
    CHECK_EQ(netpoll_prepare(pd, 'r'), NETPOLL_CLOSING);
    CHECK_EQ(netpoll_prepare(pd, 'w'), NETPOLL_CLOSING);
    netpoll_free(pd);
    close(fds[0]);
    close(fds[1]);
}

/* args: none. Reads a byte from target, then reports on done. */
static int reader(Thread *t, Value *a, int n, Value *r)
{
    char c;
    int rc = read_byte(target, &c);
    return chan_send(t, done, v_int_small(rc)) < 0 ? -1 : 0;
}

/* Test that an event still in flight for a freed descriptor (its key has
 * the old sequence number) wakes nobody once the descriptor is reused for
 * another socket, while an event with the new key does. */
static void body_netpoll_stale_event_after_reuse(void)
{
    int a[2], b[2];
    CHECK(pair(a));
    PollDesc *old = netpoll_open(a[0]);
    CHECK(old != NULL);
    uint64_t stale = netpoll_key(old);
    netpoll_evict(old);
    netpoll_free(old);
    close(a[0]);
    close(a[1]);
    CHECK(pair(b));
    PollDesc *pd = netpoll_open(b[0]);
    CHECK(pd == old); /* the free list hands the same descriptor back */
    CHECK(netpoll_key(pd) != stale);
    target = pd;
    done = chan_new(1);
    sched_go(cur(), native_fn("reader", reader), NULL, 0);
    sched_sleep(20 * MS); /* let it park */
    int n = 0;
    CHECK(netpoll_deliver(stale, EPOLLIN, NULL, &n) == NULL);
    CHECK_EQ(n, 0);
    CHECK(netpoll_waiters() > 0); /* still parked */
    /* the real event: a byte arrives, the poller wakes the reader */
    CHECK_EQ(write(b[1], "z", 1), 1);
    Value v;
    bool ok;
    chan_recv(cur(), done, &v, &ok);
    CHECK_EQ(v_int(v), NETPOLL_READY);
    netpoll_evict(pd);
    netpoll_free(pd);
    close(b[0]);
    close(b[1]);
}

enum { NPAIRS = 200 };
static PollDesc *pds[NPAIRS];

/* args: int i. Reads one byte from pds[i], reports the result. */
static int reader_i(Thread *t, Value *a, int n, Value *r)
{
    char c;
    int rc = read_byte(pds[v_int(a[0])], &c);
    return chan_send(t, done, v_int_small(rc == NETPOLL_READY && c == 'q' ? 1 : 0)) < 0 ? -1 : 0;
}

/* Test that many goroutines parked on their own sockets at once all wake,
 * each once, when their bytes arrive, and that netpoll's waiter count
 * covers them while parked. */
static void body_netpoll_many_parked(void)
{
    int fds[NPAIRS][2];
    done = chan_new(NPAIRS);
    for (int i = 0; i < NPAIRS; i++) {
        CHECK(pair(fds[i]));
        pds[i] = netpoll_open(fds[i][0]);
        CHECK(pds[i] != NULL);
        Value arg = v_int_small(i);
        sched_go(cur(), v_from_ptr(native_new("reader", reader_i, 1, 1)), &arg, 1);
    }
    sched_sleep(50 * MS);
    CHECK(netpoll_waiters() > 0);
    for (int i = 0; i < NPAIRS; i++)
        CHECK_EQ(write(fds[i][1], "q", 1), 1);
    int64_t ok = 0;
    for (int i = 0; i < NPAIRS; i++) {
        Value v;
        bool got;
        chan_recv(cur(), done, &v, &got);
        ok += v_int(v);
    }
    CHECK_EQ(ok, NPAIRS);
    for (int i = 0; i < NPAIRS; i++) {
        netpoll_evict(pds[i]);
        netpoll_free(pds[i]);
        close(fds[i][0]);
        close(fds[i][1]);
    }
}

#define NETPOLL_TESTS(X)                                                                                     \
    X(netpoll_readiness)                                                                                     \
    X(netpoll_deadlines)                                                                                     \
    X(netpoll_close_while_parked)                                                                            \
    X(netpoll_stale_event_after_reuse)                                                                       \
    X(netpoll_many_parked)

GO_TEST_MAIN("netpoll", NETPOLL_TESTS, 2)
