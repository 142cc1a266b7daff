/* Tests of the native context switch and the stack pool (vm/ctx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first: its own block, so sorting keeps it */

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vm/ctx.h"

static Ctx main_ctx, co_ctx;
static int counter;

static void counting_entry(void *arg)
{
    int step = (int)(intptr_t)arg;
    for (;;) {
        counter += step;
        ctx_switch(&co_ctx, &main_ctx);
    }
}

/* Test that switching back and forth resumes each side where it left off
 * and passes the entry argument through. */
static void test_ctx_switch_roundtrip(void **state)
{
    (void)state;
    Stack *s = stack_get();
    counter = 0;
    ctx_make(&co_ctx, s->hi, counting_entry, (void *)(intptr_t)3);
    for (int i = 0; i < 1000; i++)
        ctx_switch(&main_ctx, &co_ctx);
    assert_int_equal(counter, 3000);
    stack_put(s);
}

static volatile double fp_result;
static char fmt_out[64];
static uintptr_t entry_sp_mod;

static void fp_entry(void *arg)
{
    (void)arg;
    /* Locals and float maths on the green stack: the stack must be
     * 16-aligned for SSE spills and calls into libm. */
    double acc = 0;
    for (int i = 1; i <= 100; i++)
        acc += sqrt((double)i);
    fp_result = acc;
    entry_sp_mod = (uintptr_t)__builtin_frame_address(0) % 16;
    /* printf of a double uses aligned SSE spills: it crashes on a
     * misaligned stack. */
    snprintf(fmt_out, sizeof fmt_out, "%.3e %g", acc, 2.5);
    ctx_switch(&co_ctx, &main_ctx);
    for (;;)
        ctx_switch(&co_ctx, &main_ctx);
}

/* Test that a new context starts with an aligned stack and working
 * floating point. */
static void test_ctx_fp_and_alignment(void **state)
{
    (void)state;
    Stack *s = stack_get();
    ctx_make(&co_ctx, s->hi, fp_entry, NULL);
    ctx_switch(&main_ctx, &co_ctx);
    double want = 0;
    for (int i = 1; i <= 100; i++)
        want += sqrt((double)i);
    assert_true(fp_result == want);
    assert_string_equal(fmt_out, "6.715e+02 2.5");
    assert_int_equal(entry_sp_mod, 0); /* rbp after the prologue is 16-aligned */
    stack_put(s);
}

/* Test that many stacks can be taken at once (no mapping per stack), that
 * they do not overlap, and that returned stacks are reused. */
static void test_ctx_many_stacks(void **state)
{
    (void)state;
    enum { N = 40000 }; /* more than vm.max_map_count / 2 */
    static Stack *ss[N];
    for (int i = 0; i < N; i++) {
        ss[i] = stack_get();
        assert_non_null(ss[i]);
        assert_true(ss[i]->hi - ss[i]->lo == STACK_SIZE);
        ss[i]->hi[-1] = (char)i; /* touch the top page */
    }
    for (int i = 1; i < N; i++)
        assert_true(ss[i]->lo >= ss[i - 1]->hi || ss[i]->hi <= ss[i - 1]->lo);
    Stack *first = ss[0];
    for (int i = 0; i < N; i++)
        stack_put(ss[i]);
    /* The pool is LIFO: the last one returned comes back first. */
    Stack *again = stack_get();
    assert_ptr_equal(again, ss[N - 1]);
    (void)first;
    stack_put(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctx_switch_roundtrip),
        cmocka_unit_test(test_ctx_fp_and_alignment),
        cmocka_unit_test(test_ctx_many_stacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
