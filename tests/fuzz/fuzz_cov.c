/* The bounds of the edge counters, for fuzz_exec.c. Built without coverage
 * instrumentation: in an instrumented file, a declaration of the section's
 * start and stop symbols collides with the ones the instrumentation makes
 * for that file, and libFuzzer then never hears of the counters. */
#include <stddef.h>
#include <stdint.h>

extern uint8_t __start___sancov_cntrs[], __stop___sancov_cntrs[];

uint8_t *fuzz_cov_counters(size_t *n)
{
    *n = (size_t)(__stop___sancov_cntrs - __start___sancov_cntrs);
    return __start___sancov_cntrs;
}
