#include "ctx.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if !defined(__x86_64__)
#error "csp's context switch is written for x86-64 (SysV) only"
#endif

extern void ctx_trampoline(void);

void ctx_make(Ctx *c, void *top, void (*entry)(void *), void *arg)
{
    uint64_t *sp = (uint64_t *)((uintptr_t)top & ~(uintptr_t)15);
    /* After ctx_switch's final `ret` pops the return address, rsp must be
     * 16-aligned for the trampoline's call (the ABI wants rsp = 0 mod 16 at
     * a call instruction): so the return address sits at top - 8. */
    *--sp = (uint64_t)ctx_trampoline; /* return address */
    *--sp = 0;                          /* rbp */
    *--sp = 0;                          /* rbx */
    *--sp = (uint64_t)(uintptr_t)entry; /* r12 */
    *--sp = (uint64_t)(uintptr_t)arg;   /* r13 */
    *--sp = 0;                          /* r14 */
    *--sp = 0;                          /* r15 */
    /* Default FP state: MXCSR 0x1F80 (all exceptions masked, round to
     * nearest), x87 control word 0x037F. */
    *--sp = 0x1F80ULL | (0x037FULL << 32);
    c->sp = sp;
}

/* ---- stack arenas ----
 * Locking: arena_lock guards the arena cursor and the free list. Stacks are
 * taken and returned once per goroutine, not per switch, so a mutex is fine.
 */
#define ARENA_SIZE ((size_t)4 << 30) /* 4 GiB of address space: 16384 stacks */
#define POOL_KEEP_DIRTY 1024         /* freed stacks kept with their pages */

static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static char *arena_cur, *arena_end; /* arena_lock */
static Stack *free_list;            /* arena_lock */
static size_t free_count;           /* arena_lock */

Stack *stack_get(void)
{
    pthread_mutex_lock(&arena_lock);
    Stack *s = free_list;
    if (s) {
        free_list = s->next_free;
        free_count--;
        pthread_mutex_unlock(&arena_lock);
        s->next_free = NULL;
        return s;
    }
    if (arena_cur == arena_end) {
        void *a = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (a == MAP_FAILED) {
            pthread_mutex_unlock(&arena_lock);
            fprintf(stderr, "fatal error: out of address space for goroutine stacks\n");
            exit(2);
        }
        arena_cur = a;
        arena_end = arena_cur + ARENA_SIZE;
    }
    char *lo = arena_cur;
    arena_cur += STACK_SIZE;
    pthread_mutex_unlock(&arena_lock);
    /* The Stack record lives in ordinary malloc memory: it is not a GC
     * object and holds no collectable pointers. */
    s = malloc(sizeof *s);
    if (!s) {
        fprintf(stderr, "fatal error: out of memory\n");
        exit(2);
    }
    s->lo = lo;
    s->hi = lo + STACK_SIZE;
    s->next_free = NULL;
    return s;
}

void stack_put(Stack *s)
{
    pthread_mutex_lock(&arena_lock);
    bool release = free_count >= POOL_KEEP_DIRTY;
    pthread_mutex_unlock(&arena_lock);
    /* Give the pages back (the range stays ours) before the stack is on the
     * free list, where another thread could take it and write to it. */
    if (release)
        madvise(s->lo, STACK_SIZE, MADV_DONTNEED);
    pthread_mutex_lock(&arena_lock);
    s->next_free = free_list;
    free_list = s;
    free_count++;
    pthread_mutex_unlock(&arena_lock);
}
