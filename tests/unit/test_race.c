/* test_race.c — the race detector's core (vm/race.c) without the
 * interpreter: goroutine clocks made with race_go, accesses to words, and
 * the happens-before edges the sync code gives; each test counts the
 * reports (race_count) its accesses make. Every test uses its own source
 * lines, since a pair of lines is reported once per process. */
#include <gc/gc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vm/mem.h"
#include "vm/race.h"
#include "vm/vm.h"

static Runtime *rt;

static int setup(void **state)
{
    (void)state;
    GC_INIT();
    rt = rt_new();
    race_enable();
    return 0;
}

/* A goroutine started by parent (NULL: by nobody). */
static Thread *go(Thread *parent)
{
    Thread *t = thread_new(rt);
    race_go(parent, t, NULL);
    return t;
}

static uint32_t site(int line)
{
    return race_site(RACE_VAR, "x", "main.f", "race_test.csp", line);
}

/* A word of fresh memory: its cells start clean. */
static Value *word(void)
{
    return mem_alloc(sizeof(Value));
}

static void unordered_accesses_race(void **state)
{
    (void)state;
    Thread *main = go(NULL), *a = go(main), *b = go(main);
    Value *x = word();
    int before = race_count();
    race_write(a, x, site(10), V_UNDEF);
    race_read(b, x, site(11), V_UNDEF);
    assert_int_equal(race_count(), before + 1);
    /* the same pair of lines again: not reported twice */
    Value *y = word();
    race_write(a, y, site(10), V_UNDEF);
    race_read(b, y, site(11), V_UNDEF);
    assert_int_equal(race_count(), before + 1);
    race_goexit(a);
    race_goexit(b);
}

static void release_acquire_orders(void **state)
{
    (void)state;
    Thread *main = go(NULL), *a = go(main), *b = go(main);
    Value *x = word();
    RaceClock *mu = NULL;
    int before = race_count();
    race_write(a, x, site(20), V_UNDEF);
    race_release(a, &mu); /* Unlock */
    race_acquire(b, &mu); /* the next Lock */
    race_write(b, x, site(21), V_UNDEF);
    race_read(b, x, site(22), V_UNDEF);
    assert_int_equal(race_count(), before);
    /* but a's write after its release is ordered neither after b's
     * write nor before b's next read: two races */
    race_write(a, x, site(23), V_UNDEF);
    assert_int_equal(race_count(), before + 1);
    race_read(b, x, site(24), V_UNDEF);
    assert_int_equal(race_count(), before + 2);
}

static void go_orders_parent_before_child(void **state)
{
    (void)state;
    Thread *main = go(NULL);
    Value *x = word();
    int before = race_count();
    race_write(main, x, site(30), V_UNDEF);
    Thread *child = go(main);
    race_read(child, x, site(31), V_UNDEF);
    assert_int_equal(race_count(), before);
    /* the parent's write after the go statement races the child's read */
    race_write(main, x, site(32), V_UNDEF);
    race_read(child, x, site(33), V_UNDEF);
    assert_int_equal(race_count(), before + 1);
}

static void handoff_orders_both_ways(void **state)
{
    (void)state;
    Thread *main = go(NULL), *a = go(main), *b = go(main);
    Value *x = word(), *y = word();
    int before = race_count();
    race_write(a, x, site(40), V_UNDEF);
    race_write(b, y, site(41), V_UNDEF);
    race_sync(a, b); /* an unbuffered send and its receive */
    race_read(b, x, site(42), V_UNDEF);
    race_read(a, y, site(43), V_UNDEF);
    assert_int_equal(race_count(), before);
}

static void shared_reads_then_write(void **state)
{
    (void)state;
    Thread *main = go(NULL), *a = go(main), *b = go(main), *c = go(main);
    Value *x = word();
    RaceClock *ch = NULL;
    int before = race_count();
    race_read(a, x, site(50), V_UNDEF);
    race_read(b, x, site(51), V_UNDEF); /* two unordered reads: no race, a read set */
    assert_int_equal(race_count(), before);
    race_release(a, &ch);
    race_acquire(c, &ch); /* c is ordered after a's read, not after b's */
    race_write(c, x, site(52), V_UNDEF);
    assert_int_equal(race_count(), before + 1);
}

static void cleared_memory_forgets(void **state)
{
    (void)state;
    Thread *main = go(NULL), *a = go(main), *b = go(main);
    Value *x = word();
    int before = race_count();
    race_write(a, x, site(60), V_UNDEF);
    race_read(b, x, site(61), V_UNDEF); /* shared read set too */
    assert_int_equal(race_count(), before + 1);
    race_clear(x, sizeof(Value)); /* the word freed and handed out again */
    race_write(b, x, site(62), V_UNDEF);
    race_read(b, x, site(63), V_UNDEF);
    assert_int_equal(race_count(), before + 1);
}

static void atomics_order_in_their_order(void **state)
{
    (void)state;
    Thread *main = go(NULL), *a = go(main), *b = go(main);
    Value *x = word(), flag = 0;
    int before = race_count();
    race_write(a, x, site(70), V_UNDEF);
    race_atomic(a, &flag); /* Store */
    race_atomic(b, &flag); /* a Load that sees it */
    race_read(b, x, site(71), V_UNDEF);
    assert_int_equal(race_count(), before);
}

/* More goroutines than slots: some share one. Whatever they do between
 * their edges, nothing ordered is reported. */
static void many_goroutines_no_false_report(void **state)
{
    (void)state;
    Thread *main = go(NULL);
    enum { N = 3 * RACE_SLOTS };
    Thread **gs = mem_alloc(N * sizeof *gs); /* the collector must see the Threads */
    Value *xs = mem_alloc(N * sizeof(Value));
    RaceClock *wg = NULL;
    int before = race_count();
    for (int i = 0; i < N; i++) {
        race_write(main, &xs[i], site(80), V_UNDEF);
        gs[i] = go(main);
    }
    for (int i = 0; i < N; i++) {
        race_read(gs[i], &xs[i], site(81), V_UNDEF);
        race_write(gs[i], &xs[i], site(82), V_UNDEF);
        race_release(gs[i], &wg); /* wg.Done */
    }
    race_acquire(main, &wg); /* wg.Wait */
    for (int i = 0; i < N; i++)
        race_read(main, &xs[i], site(83), V_UNDEF);
    for (int i = 0; i < N; i++)
        race_goexit(gs[i]);
    /* slots reused after the goroutines ended: still nothing */
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 100; i++) {
            Thread *g = go(main);
            race_write(g, &xs[i], site(84), V_UNDEF);
            race_release(g, &wg);
            race_goexit(g);
        }
        race_acquire(main, &wg);
        for (int i = 0; i < 100; i++)
            race_write(main, &xs[i], site(85), V_UNDEF);
    }
    assert_int_equal(race_count(), before);
}

/* A goroutine that starts right after another ended, in its place, still
 * races with it: the table is used round, so it gets another slot. */
static void a_successor_still_races(void **state)
{
    (void)state;
    Thread *main = go(NULL);
    Value *x = word();
    int before = race_count();
    Thread *a = go(main);
    race_write(a, x, site(90), V_UNDEF);
    race_goexit(a);
    Thread *b = go(main);
    race_read(b, x, site(91), V_UNDEF);
    assert_int_equal(race_count(), before + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unordered_accesses_race),       cmocka_unit_test(release_acquire_orders),
        cmocka_unit_test(go_orders_parent_before_child), cmocka_unit_test(handoff_orders_both_ways),
        cmocka_unit_test(shared_reads_then_write),       cmocka_unit_test(cleared_memory_forgets),
        cmocka_unit_test(atomics_order_in_their_order),  cmocka_unit_test(many_goroutines_no_false_report),
        cmocka_unit_test(a_successor_still_races),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
