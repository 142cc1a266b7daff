/* Tests of the scheduler, channels, select and timers (vm/sched.h,
 * vm/chan.h), on 2 procs, each body a goroutine (goharness.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first: its own block, so sorting keeps it */

#include <cmocka.h>

#include <dirent.h>
#include <gc/gc.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/chan.h"
#include "vm/out.h"
#include "vm/sched.h"
#include "vm/signal.h"
#include "vm/vm.h"

#include "goharness.h"

/* ---- goroutine bodies (natives: args are Values) ---- */

static _Atomic int64_t sum;

/* args: chan done, int n. Adds n to sum, then sends on done. */
static int add_and_signal(Thread *t, Value *a, int n, Value *r)
{
    atomic_fetch_add(&sum, v_int(a[1]));
    return chan_send(t, v_chan(a[0]), V_TRUE) < 0 ? -1 : 0;
}

/* Test that thousands of goroutines all run (local queues overflow to the
 * global queue, idle procs steal) and each is counted exactly once. */
static void body_sched_many_goroutines(void)
{
#if CSP_TSAN
    enum { N = 4000 }; /* TSan counts each goroutine's fiber against its 8128-thread limit */
#else
    enum { N = 20000 };
#endif
    ObjChan *done = chan_new(N);
    atomic_store(&sum, 0);
    Value fn = native("add", add_and_signal);
    for (int i = 1; i <= N; i++) {
        Value args[2] = {v_from_ptr(done), v_int_small(i)};
        sched_go(cur(), fn, args, 2);
    }
    for (int i = 0; i < N; i++) {
        Value v;
        bool ok;
        chan_recv(cur(), done, &v, &ok);
        CHECK(ok);
    }
    CHECK_EQ(atomic_load(&sum), (int64_t)N * (N + 1) / 2);
}

/* args: chan in, chan out. Echoes every value from in to out until in is
 * closed, then closes out. */
static int echo(Thread *t, Value *a, int n, Value *r)
{
    ObjChan *in = v_chan(a[0]), *out = v_chan(a[1]);
    for (;;) {
        Value v;
        bool ok;
        chan_recv(t, in, &v, &ok);
        if (!ok)
            break;
        if (chan_send(t, out, v) < 0)
            return -1;
    }
    return chan_close(t, out);
}

/* Test that an unbuffered channel hands values over in order, one at a
 * time, and that close ends a receiving loop. */
static void body_chan_unbuffered_pingpong(void)
{
    ObjChan *in = chan_new(0), *out = chan_new(0);
    Value args[2] = {v_from_ptr(in), v_from_ptr(out)};
    sched_go(cur(), native("echo", echo), args, 2);
    for (int i = 0; i < 10000; i++) {
        CHECK_EQ(chan_send(cur(), in, v_int_small(i)), 0);
        Value v;
        bool ok;
        chan_recv(cur(), out, &v, &ok);
        CHECK(ok);
        CHECK_EQ(v_int(v), i);
    }
    chan_close(cur(), in);
    Value v;
    bool ok = true;
    chan_recv(cur(), out, &v, &ok);
    CHECK(!ok);
    CHECK(v == V_NIL);
}

/* Test that a buffered channel is FIFO, reports its length, keeps its
 * values after close until drained, and then gives (nil, false). */
static void body_chan_buffered_fifo_close(void)
{
    ObjChan *c = chan_new(3);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(chan_send(cur(), c, v_int_small(i)), 0);
    CHECK(!chan_try_send(c, v_int_small(9))); /* full */
    CHECK_EQ(c->count, 3);
    chan_close(cur(), c);
    for (int i = 0; i < 3; i++) {
        Value v;
        bool ok;
        chan_recv(cur(), c, &v, &ok);
        CHECK(ok);
        CHECK_EQ(v_int(v), i);
    }
    Value v;
    bool ok = true;
    chan_recv(cur(), c, &v, &ok);
    CHECK(!ok);
}

/* Test that send on a closed channel and double close panic with Go's
 * messages. */
static void body_chan_closed_panics(void)
{
    Thread *t = cur();
    ObjChan *c = chan_new(1);
    chan_close(t, c);
    CHECK_EQ(chan_send(t, c, V_TRUE), -1);
    CHECK(t->panicking);
    vm_clear_panic(t);
    CHECK_EQ(chan_close(t, c), -1);
    vm_clear_panic(t);
    CHECK_EQ(chan_close(t, NULL), -1);
    vm_clear_panic(t);
}

/* Test that select takes a ready case, takes default when none is ready,
 * and chooses among ready cases at random (each of two always-ready cases
 * wins a fair share). */
static void body_select_ready_default_fair(void)
{
    Thread *t = cur();
    ObjChan *a = chan_new(1000), *b = chan_new(1000);
    SelCase cs[2] = {{a, false, V_NIL}, {b, false, V_NIL}};
    Value v;
    bool ok;
    CHECK_EQ(chan_select(t, cs, 2, true, &v, &ok), -1);
    int wins[2] = {0, 0};
    for (int i = 0; i < 1000; i++) {
        chan_try_send(a, v_int_small(1));
        chan_try_send(b, v_int_small(2));
    }
    for (int i = 0; i < 1000; i++) {
        int k = chan_select(t, cs, 2, false, &v, &ok);
        CHECK(k == 0 || k == 1);
        CHECK(ok);
        CHECK_EQ(v_int(v), k + 1);
        wins[k]++;
    }
    /* 1000 fair coin flips: far outside 350..650 would mean a bias. */
    CHECK(wins[0] >= 350 && wins[0] <= 650);
}

/* args: chan c, int v: sleep 2 ms, then send v. */
static int sleep_send(Thread *t, Value *a, int n, Value *r)
{
    sched_sleep(2000000);
    return chan_send(t, v_chan(a[0]), a[1]) < 0 ? -1 : 0;
}

/* Test that a blocked select is woken by exactly one case and removed from
 * the other channels' queues (a later send on them is not lost to it). */
static void body_select_blocks_then_one_case(void)
{
    Thread *t = cur();
    ObjChan *a = chan_new(0), *b = chan_new(0);
    Value args[2] = {v_from_ptr(b), v_int_small(42)};
    sched_go(t, native("sleep_send", sleep_send), args, 2);
    SelCase cs[3] = {{a, false, V_NIL}, {b, false, V_NIL}, {NULL, false, V_NIL}};
    Value v;
    bool ok;
    CHECK_EQ(chan_select(t, cs, 3, false, &v, &ok), 1);
    CHECK_EQ(v_int(v), 42);
    CHECK(a->recvq.first == NULL);
    CHECK(b->recvq.first == NULL);
}

static void fire_count(void *arg, int64_t now)
{
    atomic_fetch_add((_Atomic int *)arg, 1);
}

/* Test that sleeping parks for at least the time asked, that timers fire
 * once, and that a stopped timer does not fire. */
static void body_timers(void)
{
    int64_t t0 = sched_nanotime();
    sched_sleep(5000000);
    int64_t dt = sched_nanotime() - t0;
    CHECK(dt >= 5000000);
    CHECK(dt < 2000000000); /* generous: a loaded 2-core machine */

    static _Atomic int fired, stopped;
    Timer *a = GC_MALLOC(sizeof *a), *b = GC_MALLOC(sizeof *b);
    *a = (Timer){sched_nanotime() + 1000000, 0, fire_count, (void *)&fired, -1};
    *b = (Timer){sched_nanotime() + 3000000, 0, fire_count, (void *)&stopped, -1};
    timer_start(a);
    timer_start(b);
    CHECK(timer_stop(b));
    sched_sleep(10000000);
    CHECK_EQ(atomic_load(&fired), 1);
    CHECK_EQ(atomic_load(&stopped), 0);
    CHECK(!timer_stop(a)); /* already fired */
}

/* Test that GOMAXPROCS returns the old value and can shrink and grow while
 * goroutines run. */
static void body_gomaxprocs_resize(void)
{
    int old = sched_gomaxprocs(1);
    CHECK_EQ(old, 2);
    CHECK_EQ(sched_gomaxprocs(0), 1);
    body_sched_many_goroutines();
    CHECK_EQ(sched_gomaxprocs(2), 1);
    body_sched_many_goroutines();
}

static _Atomic int64_t ticks;
static _Atomic int stop_counting;
/* The most the counter advanced while one blocking call was inside C. */
static _Atomic int64_t max_advance;

static void sleep_200ms(void *arg)
{
    int64_t before = atomic_load(&ticks);
    usleep(200000);
    *(int64_t *)arg = atomic_load(&ticks) - before; /* before taking a P back */
}

/* args: chan done. Blocks 200 ms in C, handed off, then signals. */
static int block_in_c(Thread *t, Value *a, int n, Value *r)
{
    int64_t advance = 0;
    sched_syscall(sleep_200ms, &advance);
    int64_t seen = atomic_load(&max_advance);
    while (advance > seen && !atomic_compare_exchange_weak(&max_advance, &seen, advance))
        ;
    return chan_send(t, v_chan(a[0]), V_TRUE) < 0 ? -1 : 0;
}

static int count_until_stopped(Thread *t, Value *a, int n, Value *r)
{
    while (!atomic_load(&stop_counting)) {
        atomic_fetch_add(&ticks, 1);
        sched_gosched();
    }
    return 0;
}

/* Test the blocking-call hand-off: on ONE proc, four goroutines each block
 * 200 ms in C while another goroutine counts; the calls overlap (well under
 * the 800 ms they take in a row) and the counter advances while a call is
 * inside C, which it can only do on the P that call handed off. (Measured
 * inside the calls, not from the spawning goroutine: on a loaded machine
 * that one may be descheduled until the calls are nearly over.) */
static void body_blocking_handoff(void)
{
    int old = sched_gomaxprocs(1);
    ObjChan *done = chan_new(4);
    atomic_store(&ticks, 0);
    atomic_store(&stop_counting, 0);
    atomic_store(&max_advance, 0);
    sched_go(cur(), native("count", count_until_stopped), NULL, 0);
    int64_t t0 = sched_nanotime();
    Value arg = v_from_ptr(done);
    for (int i = 0; i < 4; i++)
        sched_go(cur(), native("block", block_in_c), &arg, 1);
    for (int i = 0; i < 4; i++) {
        Value v;
        bool ok;
        chan_recv(cur(), done, &v, &ok);
    }
    int64_t dt = sched_nanotime() - t0;
    atomic_store(&stop_counting, 1);
    sched_gomaxprocs(old);
    int64_t advance = atomic_load(&max_advance);
    if (advance < 10)
        fprintf(stderr,
                "blocking_handoff: the counter advanced at most %lld while a call blocked (%lld ms)\n",
                (long long)advance, (long long)(dt / 1000000));
    CHECK(dt < 600000000); /* generous for a loaded machine; serial is 800 ms */
    CHECK(advance >= 10);
}

typedef struct WhereCalled {
    G *g;        /* sched_getg() inside the call */
    G *ccall_g;  /* sched_ccall_g(NULL) inside the call */
    char *frame; /* an address on the stack the call ran on */
} WhereCalled;

static void note_where(void *arg)
{
    WhereCalled *w = arg;
    w->g = sched_getg();
    w->ccall_g = sched_ccall_g(NULL);
    w->frame = __builtin_frame_address(0);
}

/* Test that a C call (sched_syscall, sched_blocking_call) runs on the OS
 * thread's own stack, not the goroutine's, with the goroutine recorded as
 * the one in the call, and that the goroutine goes on afterwards. */
static void body_syscall_on_thread_stack(void)
{
    G *g = sched_getg();
    for (int gc_blocked = 0; gc_blocked < 2; gc_blocked++) {
        WhereCalled w = {0};
        if (gc_blocked)
            sched_blocking_call(note_where, &w);
        else
            sched_syscall(note_where, &w);
        CHECK(w.g == NULL);
        CHECK(w.ccall_g == g);
        CHECK(w.frame < g->stack->lo || w.frame >= g->stack->hi);
        CHECK(sched_getg() == g);
        CHECK(sched_ccall_g(NULL) == NULL);
    }
}

/* How many of the process's threads have SIGUSR1 unblocked (from
 * /proc/self/task/N/status), -1 if that cannot be read. */
static int threads_taking_usr1(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], line[128];
        snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* the thread ended meanwhile */
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "SigBlk:", 7) == 0 && !(strtoull(line + 7, NULL, 16) & (1ull << (SIGUSR1 - 1))))
                n++;
        fclose(f);
    }
    closedir(d);
    return n;
}

static void *note_mask(void *arg)
{
    pthread_sigmask(SIG_BLOCK, NULL, arg);
    return NULL;
}

typedef struct MaskCheck {
    bool started; /* the thread of signal_thread_attr started */
    bool blocked; /* and had SIGUSR1 blocked */
} MaskCheck;

/* Runs on an M's own stack, with SIGUSR1 unblocked for the while, as the
 * signal thread has it: what this thread starts must not inherit that. */
static void start_threads_unblocked(void *arg)
{
    MaskCheck *mc = arg;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    signal_thread_attr(&attr);
    pthread_t th;
    sigset_t child;
    if (pthread_create(&th, &attr, note_mask, &child) == 0) {
        pthread_join(th, NULL);
        mc->started = true;
        mc->blocked = sigismember(&child, SIGUSR1) == 1;
    }
    pthread_attr_destroy(&attr);
    /* A buffered write (stdout not a terminal, as under ctest) may start
     * stdout's flusher, from here; a write of nothing prints nothing. */
    out_write("", 0);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
}

/* Test that every thread the runtime starts blocks the asynchronous
 * signals, whichever thread starts it: the signal thread, which has them
 * unblocked, starts an M when a signal's delivery wakes a goroutine and
 * no M is idle, and that M may be the first to print, so start stdout's
 * flusher. Only the signal thread may take them. */
static void body_threads_block_async_signals(void)
{
    MaskCheck mc = {0};
    sched_syscall(start_threads_unblocked, &mc);
    CHECK(mc.started);
    CHECK(mc.blocked);
    int n = threads_taking_usr1();
    if (n >= 0)
        CHECK_EQ(n, 1); /* the signal thread, and neither the flusher nor an M */
}

/* Each body_NAME runs as the goroutine of test_NAME, in this order. */
#define SCHED_TESTS(X)                                                                                       \
    X(sched_many_goroutines)                                                                                 \
    X(chan_unbuffered_pingpong)                                                                              \
    X(chan_buffered_fifo_close)                                                                              \
    X(chan_closed_panics)                                                                                    \
    X(select_ready_default_fair)                                                                             \
    X(select_blocks_then_one_case)                                                                           \
    X(timers)                                                                                                \
    X(gomaxprocs_resize)                                                                                     \
    X(blocking_handoff)                                                                                      \
    X(syscall_on_thread_stack)                                                                               \
    X(threads_block_async_signals)

GO_TEST_MAIN("sched", SCHED_TESTS, 2)
