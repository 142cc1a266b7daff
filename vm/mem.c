/* mem.c — see mem.h: the failure path of every allocation. */
#include "mem.h"

#include <string.h>

#include "vm.h"

void (*mem_alloc_hook)(void *p, size_t n);

__attribute__((cold, noinline)) _Noreturn void mem_out_of_memory(void)
{
    csp_fatal("out of memory");
}

/* The collector calls this when an allocation made straight through
 * GC_MALLOC (not through mem.h) cannot be satisfied: stop there, as
 * mem.h's own allocators do, rather than hand NULL to code that may not
 * check it. */
static void *collector_out_of_memory(size_t bytes)
{
    (void)bytes;
    mem_out_of_memory();
}

void mem_install_oom_handler(void)
{
    GC_set_oom_fn(collector_out_of_memory);
}

void mem_heap_usage_locked(size_t *size, size_t *in_use)
{
    struct GC_prof_stats_s st;
    memset(&st, 0, sizeof st);
    GC_get_prof_stats_unsafe(&st, sizeof st);
    /* The "full" figures count the pages given back to the system (as
     * free); those are no longer the process's memory. */
    *size = st.heapsize_full - st.unmapped_bytes;
    *in_use = st.heapsize_full - st.free_bytes_full;
}
