#include "ctx.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mem.h"
#include "vm.h"

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
    *--sp = (uint64_t)ctx_trampoline;   /* return address */
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
 * Locking: arena_lock guards the arena cursor and both free lists. Stacks
 * are taken and returned once per goroutine, not per switch, so a mutex is
 * fine. Free stacks are "warm" (pages still mapped, LIFO, reused first) or
 * "cold" (pages given back by stack_scavenge).
 */
/* Arenas grow: the first reserves 16 MiB of address space (64 stacks), each
 * next one twice the last, up to 4 GiB (16384 stacks). A small program
 * reserves little, so it runs under an address-space limit (ulimit -v, a
 * container's cap); a million goroutines still take only ~70 mappings. When
 * the kernel refuses an arena, smaller ones are tried, down to one stack. */
#define ARENA_MIN ((size_t)16 << 20)
#define ARENA_MAX ((size_t)4 << 30)
#define POOL_KEEP_WARM 1024 /* warm stacks the scavenger leaves alone */

static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static char *arena_cur, *arena_end;   /* arena_lock */
static size_t arena_next = ARENA_MIN; /* arena_lock: the next arena's size */
static Stack *warm, *cold;            /* arena_lock */
static size_t nwarm;                  /* arena_lock */
static size_t warm_low;               /* arena_lock: fewest warm since the last scavenge */

Stack *stack_get(void)
{
    pthread_mutex_lock(&arena_lock);
    Stack *s = warm;
    if (s) {
        warm = s->next_free;
        if (--nwarm < warm_low)
            warm_low = nwarm;
    } else if ((s = cold) != NULL) {
        cold = s->next_free;
    }
    if (s) {
        pthread_mutex_unlock(&arena_lock);
        s->next_free = NULL;
        return s;
    }
    if (arena_cur == arena_end) {
        size_t size = arena_next;
        void *a;
        while ((a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                         0)) == MAP_FAILED &&
               size > STACK_SIZE)
            size /= 2;
        if (a == MAP_FAILED) {
            pthread_mutex_unlock(&arena_lock);
            csp_fatal("out of address space for goroutine stacks");
        }
        /* Huge pages would turn each stack's one touched page into 2 MiB. */
        madvise(a, size, MADV_NOHUGEPAGE);
        arena_cur = a;
        arena_end = arena_cur + size;
        if (size == arena_next && arena_next < ARENA_MAX)
            arena_next *= 2;
    }
    char *lo = arena_cur;
    arena_cur += STACK_SIZE;
    pthread_mutex_unlock(&arena_lock);
    /* The Stack record lives in ordinary malloc memory: it is not a GC
     * object and holds no collectable pointers. */
    s = mem_malloc(sizeof *s);
    s->lo = lo;
    s->hi = lo + STACK_SIZE;
    s->next_free = NULL;
    return s;
}

void stack_put(Stack *s)
{
    pthread_mutex_lock(&arena_lock);
    s->next_free = warm;
    warm = s;
    nwarm++;
    pthread_mutex_unlock(&arena_lock);
}

static int cmp_lo(const void *a, const void *b)
{
    const char *x = (*(Stack *const *)a)->lo, *y = (*(Stack *const *)b)->lo;
    return x < y ? -1 : x > y;
}

void stack_put_cold(Stack **s, int n)
{
    if (n <= 0)
        return;
    /* No one else holds these stacks: madvise before they are pooled. */
    qsort(s, (size_t)n, sizeof *s, cmp_lo);
    for (int i = 0; i < n;) {
        int j = i + 1;
        while (j < n && s[j]->lo == s[j - 1]->hi)
            j++;
        madvise(s[i]->lo, (size_t)(s[j - 1]->hi - s[i]->lo), MADV_DONTNEED);
        i = j;
    }
    for (int i = 0; i < n - 1; i++)
        s[i]->next_free = s[i + 1];
    pthread_mutex_lock(&arena_lock);
    s[n - 1]->next_free = cold;
    cold = s[0];
    pthread_mutex_unlock(&arena_lock);
}

void stack_scavenge(void)
{
    /* Stacks that stayed warm and unused for a whole period, beyond the
     * bound, go cold. They are taken off the warm list before madvise, so
     * no one can be running on one meanwhile. */
    pthread_mutex_lock(&arena_lock);
    size_t idle = warm_low > POOL_KEEP_WARM ? warm_low - POOL_KEEP_WARM : 0;
    Stack *batch = NULL;
    for (size_t i = 0; i < idle && warm; i++) {
        Stack *s = warm;
        warm = s->next_free;
        nwarm--;
        s->next_free = batch;
        batch = s;
    }
    warm_low = nwarm;
    pthread_mutex_unlock(&arena_lock);
    if (!batch)
        return;
    Stack *last = batch;
    for (Stack *s = batch; s; s = s->next_free) {
        madvise(s->lo, STACK_SIZE, MADV_DONTNEED);
        last = s;
    }
    pthread_mutex_lock(&arena_lock);
    last->next_free = cold;
    cold = batch;
    pthread_mutex_unlock(&arena_lock);
}
