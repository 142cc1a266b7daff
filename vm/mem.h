/* mem.h — the one way csp asks for memory, and the one place that says
 * "fatal error: out of memory".
 *
 * Every allocation goes through mem_alloc (the collector, scanned and
 * zeroed), mem_alloc_atomic (the collector, never scanned: bytes, boxed
 * numbers; not zeroed), mem_alloc_uncollectable (the collector, never
 * freed) or mem_malloc (the C heap, for memory handed to C and freed by
 * hand). None of them returns NULL: when the heap cannot grow (the machine
 * is full, or GC_MAXIMUM_HEAP_SIZE is reached) the process stops with
 * `fatal error: out of memory` and exit status 2, as Go's runtime does.
 * There is no sensible recovery inside an allocator, and carrying on with
 * NULL would be a crash further on.
 *
 * Sizes: a size is computed with mem_size / mem_add / mem_grow, never with
 * a bare `n * size` or `cap * 2`: they check against MEM_MAX before the
 * arithmetic, so a size can never wrap around to a small number (which
 * would make a huge request look small and the copy that follows write
 * past the block). A length the script chose and Go rejects with a panic
 * (make([]int, 1<<62), chan(-1)...) is checked by the caller with
 * mem_fits before it gets here, so the script sees a recoverable panic;
 * a size that passes that check but cannot be had is out of memory.
 *
 * rt_gc_init installs mem_out_of_memory as the collector's own failure
 * handler too, so even an allocation made straight through GC_MALLOC
 * stops cleanly instead of returning NULL.
 */
#ifndef CSP_MEM_H
#define CSP_MEM_H

#include <gc/gc.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "value.h"

/* The largest block csp ever asks for: Go's maxAlloc on 64-bit Linux,
 * 2^48 bytes, the size of the address space. Go panics "makeslice: len
 * out of range" past it and says "out of memory" below it; csp draws the
 * line at the same place. It also keeps the size arithmetic here far from
 * SIZE_MAX: two checked sizes can be added without wrapping. */
#define MEM_MAX ((size_t)1 << 48)

/* Print "fatal error: out of memory" and exit 2. */
_Noreturn void mem_out_of_memory(void);
/* Make the collector call mem_out_of_memory instead of returning NULL
 * (rt_gc_init does this once, after GC_INIT). */
void mem_install_oom_handler(void);

/* The collector's heap: its size, and the part of it in whole blocks that
 * hold objects (a block is in use until a collection finds it empty, so
 * garbage not yet swept counts), in bytes. Only from the collector's
 * event callback, which runs with the collector's lock held: it reads the
 * counters without taking the lock (the getters that take it would
 * deadlock there). */
void mem_heap_usage_locked(size_t *size, size_t *in_use);

/* Whether n items of `size` bytes plus `extra` bytes stay within MEM_MAX.
 * Divides instead of multiplying, so no overflow whatever n is. */
static inline bool mem_fits(size_t n, size_t size, size_t extra)
{
    return extra <= MEM_MAX && (size == 0 || n <= (MEM_MAX - extra) / size);
}

/* n * size + extra, or out of memory when that passes MEM_MAX. */
static inline size_t mem_size(size_t n, size_t size, size_t extra)
{
    if (unlikely(!mem_fits(n, size, extra)))
        mem_out_of_memory();
    return n * size + extra;
}

/* a + b, or out of memory when that passes MEM_MAX. */
static inline size_t mem_add(size_t a, size_t b)
{
    return mem_size(a, 1, b);
}

/* The capacity (in items of `size` bytes) to grow a buffer of capacity
 * `cap` to, so that it holds `need` items: double, or `need` if that is
 * more, or `min` if both are less. Doubling keeps appends amortised O(1);
 * near MEM_MAX it stops doubling and asks for just enough. Out of memory
 * when `need` items cannot fit at all. */
static inline size_t mem_grow(size_t cap, size_t need, size_t min, size_t size)
{
    size_t most = (MEM_MAX - 64) / (size ? size : 1); /* 64: room for a header */
    if (unlikely(need > most))
        mem_out_of_memory();
    size_t n = cap <= most / 2 ? cap * 2 : most;
    if (n < need)
        n = need;
    if (n < min)
        n = min;
    return n <= most ? n : most;
}

/* The next capacity of a table indexed by int (the compiler's and
 * parser's arrays): doubled, or min at first; out of memory rather than
 * an int overflow. */
static inline int mem_grow_int(int cap, int min)
{
    if (unlikely(cap > INT_MAX / 2))
        mem_out_of_memory();
    return cap ? cap * 2 : min;
}

/* Called with every block mem_alloc and mem_alloc_atomic hand out, when
 * set: the race detector forgets what it knew of the memory's last life
 * (race.h). Set once, before the goroutines that allocate start (or while
 * the REPL waits at its prompt); NULL otherwise, one predictable test. */
extern void (*mem_alloc_hook)(void *p, size_t n);

static inline void *mem_alloc(size_t n)
{
    void *p = likely(n <= MEM_MAX) ? GC_MALLOC(n) : NULL;
    if (unlikely(!p))
        mem_out_of_memory();
    void (*hook)(void *, size_t) = __atomic_load_n(&mem_alloc_hook, __ATOMIC_RELAXED);
    if (unlikely(hook != NULL))
        hook(p, n);
    return p;
}

static inline void *mem_alloc_atomic(size_t n)
{
    void *p = likely(n <= MEM_MAX) ? GC_MALLOC_ATOMIC(n) : NULL;
    if (unlikely(!p))
        mem_out_of_memory();
    void (*hook)(void *, size_t) = __atomic_load_n(&mem_alloc_hook, __ATOMIC_RELAXED);
    if (unlikely(hook != NULL))
        hook(p, n);
    return p;
}

static inline void *mem_alloc_uncollectable(size_t n)
{
    void *p = likely(n <= MEM_MAX) ? GC_MALLOC_UNCOLLECTABLE(n) : NULL;
    if (unlikely(!p))
        mem_out_of_memory();
    return p;
}

/* The C heap (free() it): for memory a C library holds or that must not
 * move under the collector's feet. */
static inline void *mem_malloc(size_t n)
{
    void *p = likely(n <= MEM_MAX) ? malloc(n ? n : 1) : NULL;
    if (unlikely(!p))
        mem_out_of_memory();
    return p;
}

#endif
