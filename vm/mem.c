/* mem.c — see mem.h: the failure path of every allocation. */
#include "mem.h"

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
