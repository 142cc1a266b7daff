/* test_mem.c — vm/mem.h: the size arithmetic that must never wrap, the
 * growth rule, and that a failed or impossible allocation ends the process
 * with "fatal error: out of memory" and exit status 2 instead of returning
 * NULL. The fatal cases run in a forked child, whose stderr and status the
 * parent checks. */
#include <gc/gc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vm/buf.h"
#include "vm/mem.h"
#include "vm/object.h"

static int setup(void **state)
{
    GC_INIT();
    return 0;
}

/* Run fn in a child; return its exit status (-1 if it did not exit) and
 * what it wrote to stderr. */
static int run_child(void (*fn)(void), char *err, size_t errcap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        fn();
        _exit(0); /* fn returned: the parent sees status 0 */
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < errcap && (r = read(fds[0], err + n, errcap - 1 - n)) > 0)
        n += (size_t)r;
    err[n] = 0;
    close(fds[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_out_of_memory(void (*fn)(void))
{
    char err[512];
    assert_int_equal(run_child(fn, err, sizeof err), 2);
    assert_non_null(strstr(err, "fatal error: out of memory"));
}

/* Test that mem_fits divides instead of multiplying: counts whose product
 * would wrap around 2^64 to a small number are refused. */
static void test_mem_fits_never_wraps(void **state)
{
    assert_true(mem_fits(0, 8, 0));
    assert_true(mem_fits(MEM_MAX / 8, 8, 0));
    assert_false(mem_fits(MEM_MAX / 8 + 1, 8, 0));
    assert_false(mem_fits((SIZE_MAX / 8) + 2, 8, 0)); /* times 8 wraps to 8 */
    assert_false(mem_fits(SIZE_MAX, 1, 1));           /* plus 1 wraps to 0 */
    assert_false(mem_fits(1, 1, SIZE_MAX));
    assert_true(mem_fits(SIZE_MAX, 0, 16)); /* zero-sized items take no room */
    assert_int_equal(mem_size(3, 8, 16), 40);
    assert_int_equal(mem_add(MEM_MAX - 1, 1), MEM_MAX);
}

/* Test that mem_grow doubles, jumps to the need when that is more, keeps
 * the minimum, and stops doubling near the limit instead of wrapping. */
static void test_mem_grow_rule(void **state)
{
    assert_int_equal(mem_grow(0, 1, 4, 8), 4);
    assert_int_equal(mem_grow(4, 5, 4, 8), 8);
    assert_int_equal(mem_grow(8, 100, 4, 8), 100);
    size_t most = (MEM_MAX - 64) / 8;
    assert_int_equal(mem_grow(most - 1, most, 4, 8), most);
    assert_int_equal(mem_grow(SIZE_MAX / 2 + 1, 1, 0, 1), (MEM_MAX - 64));
}

static void size_wraps(void)
{
    /* 2^61 * 8 is 2^64: 0 once wrapped. */
    (void)mem_size((size_t)1 << 61, 8, 0);
}

static void add_wraps(void)
{
    (void)mem_add(SIZE_MAX, 2);
}

static void grow_past_limit(void)
{
    (void)mem_grow(16, MEM_MAX, 0, 8);
}

static void alloc_past_limit(void)
{
    (void)mem_alloc(MEM_MAX + 1);
}

static void alloc_impossible(void)
{
    /* Below MEM_MAX, but more than any machine this runs on has: the
     * collector fails and mem_alloc must not return its NULL. */
    (void)mem_alloc_atomic(MEM_MAX / 2);
}

static void collector_direct(void)
{
    /* Straight through the collector, as code outside mem.h may still do:
     * the handler rt_gc_init installs must stop it there. */
    mem_install_oom_handler();
    void *p = GC_MALLOC_ATOMIC(MEM_MAX / 2);
    fprintf(stderr, "GC_MALLOC returned %p\n", p);
}

static void buf_huge_reserve(void)
{
    Buf b;
    buf_init(&b);
    buf_add(&b, "x", 1);
    buf_reserve(&b, SIZE_MAX); /* len + SIZE_MAX + 1 wraps to len */
}

static void string_huge(void)
{
    (void)str_alloc(SIZE_MAX);
}

/* Test that each way of asking too much ends in "fatal error: out of
 * memory", exit status 2: sizes that would wrap, sizes past MEM_MAX, a
 * size the heap cannot give, through mem.h or straight from the collector. */
static void test_mem_out_of_memory_is_fatal(void **state)
{
    expect_out_of_memory(size_wraps);
    expect_out_of_memory(add_wraps);
    expect_out_of_memory(grow_past_limit);
    expect_out_of_memory(alloc_past_limit);
    expect_out_of_memory(alloc_impossible);
    expect_out_of_memory(collector_direct);
    expect_out_of_memory(buf_huge_reserve);
    expect_out_of_memory(string_huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mem_fits_never_wraps),
        cmocka_unit_test(test_mem_grow_rule),
        cmocka_unit_test(test_mem_out_of_memory_is_fatal),
    };
    return cmocka_run_group_tests_name("mem", tests, setup, NULL);
}
