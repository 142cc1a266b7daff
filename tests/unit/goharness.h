/* goharness.h — running cmocka tests whose bodies are goroutines.
 *
 * cmocka keeps its state in thread-locals, and a goroutine may resume on
 * another OS thread, so cmocka cannot run inside a goroutine. It runs on a
 * plain thread of its own; each test's body runs as a goroutine (so it can
 * start goroutines, block and be woken, as scripts do), records its first
 * failed check, and the cmocka thread reports it.
 *
 * A test file includes this after cmocka.h, writes body_NAME functions,
 * lists them in an X-macro and ends with GO_TEST_MAIN("group", LIST, procs).
 */
#ifndef CSP_TEST_GOHARNESS_H
#define CSP_TEST_GOHARNESS_H

#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "vm/sched.h"
#include "vm/vm.h"

static Runtime *rt;

/* The running body's first failure ("file:line: check"), or "". */
static char failure[256];
#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            if (!failure[0])                                                                                 \
                snprintf(failure, sizeof failure, "line %d: %.200s", __LINE__, #cond);                       \
            return;                                                                                          \
        }                                                                                                    \
    } while (0)
#define CHECK_EQ(a, b) CHECK((int64_t)(a) == (int64_t)(b))

static Thread *cur(void)
{
    return sched_getg()->vm;
}

static Value native(const char *name, NativeFn fn)
{
    return v_from_ptr(native_new(name, fn, 0, -1));
}

static sem_t body_done;
static void (*body)(void);

static int body_goroutine(Thread *t, Value *a, int n, Value *r)
{
    body();
    sem_post(&body_done);
    return 0;
}

static void run_body(void (*fn)(void))
{
    failure[0] = 0;
    body = fn;
    sched_go(NULL, native("body", body_goroutine), NULL, 0);
    while (sem_wait(&body_done) != 0)
        ;
    if (failure[0])
        fail_msg("%s", failure);
}

/* Each body_NAME runs as the goroutine of test_NAME, in the list's order,
 * on a scheduler with `procs` Ps. */
#define GO_TEST_X(name)                                                                                      \
    static void test_##name(void **state)                                                                    \
    {                                                                                                        \
        (void)state;                                                                                         \
        run_body(body_##name);                                                                               \
    }
#define GO_TEST_ENTRY(name) cmocka_unit_test(test_##name),
#define GO_TEST_MAIN(group, LIST, procs)                                                                     \
    LIST(GO_TEST_X)                                                                                          \
    static void *cmocka_thread(void *arg)                                                                    \
    {                                                                                                        \
        (void)arg;                                                                                           \
        const struct CMUnitTest tests[] = {LIST(GO_TEST_ENTRY)};                                             \
        rt_exit(rt, cmocka_run_group_tests_name(group, tests, NULL, NULL));                                  \
        return NULL;                                                                                         \
    }                                                                                                        \
    int main(void)                                                                                           \
    {                                                                                                        \
        rt_gc_init(0);                                                                                       \
        rt = rt_new();                                                                                       \
        sched_init(rt, procs);                                                                               \
        sched_external(+1); /* the cmocka thread starts every body */                                        \
        sem_init(&body_done, 0, 0);                                                                          \
        pthread_t th;                                                                                        \
        if (pthread_create(&th, NULL, cmocka_thread, NULL) != 0)                                             \
            return 1;                                                                                        \
        return sched_run_main_loop();                                                                        \
    }

#endif
