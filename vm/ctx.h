/* ctx.h — native stack switching for green threads.
 *
 * A Ctx is the saved stack pointer of a suspended execution context. The
 * switch (ctx_x86_64.S) pushes the callee-saved registers of the SysV ABI
 * (rbx rbp r12-r15) and the FP control state (MXCSR, x87 control word) on
 * the current stack, stores the stack pointer in *from, loads to's, pops the
 * same and returns into it: about as cheap as a function call. Everything
 * else (caller-saved registers) is saved by the compiler around the call.
 *
 * Stacks are carved from MAP_NORESERVE arenas (growing from 16 MiB to
 * 4 GiB, so a small program reserves little address space), one mapping
 * per arena, never one per stack: the kernel's vm.max_map_count (65530) would otherwise
 * cap a program near 32000 goroutines. There is no guard page; overflow is
 * prevented by checks (stack_remaining()).
 */
#ifndef CSP_CTX_H
#define CSP_CTX_H

#include <stddef.h>
#include <stdint.h>

typedef struct Ctx {
    void *sp; /* saved stack pointer; meaningful only while suspended */
} Ctx;

/* Save the current context into from, resume to. Returns when someone
 * switches back to from. */
void ctx_switch(Ctx *from, Ctx *to);

/* Prepare c so that switching to it calls entry(arg) on the stack whose
 * highest address is top (16-aligned). entry must never return. */
void ctx_make(Ctx *c, void *top, void (*entry)(void *), void *arg);

/* ---- stacks ---- */

/* Each goroutine's C stack. 256 KiB of address space, of which only the
 * touched pages cost memory (a parked goroutine touches one 4 KiB page, which the monitor gives back
 * once it has stayed parked a while: sched.c, "Parked stacks"):
 * the interpreter keeps csp frames on the heap, so C stack use comes from
 * native re-entry (vm_call, bounded by Thread.c_stack_limit), the compiler
 * when the REPL runs it on a goroutine (it checks
 * sched_stack_left), and the collector, which clears up to 16 KiB below
 * the stack pointer and may run a collection on this stack
 * (RUNTIME-NOTES.md: stacks need >= 32 KiB). Not more: stacks 1 MiB apart
 * put each one's touched page in its own 2 MiB page-table region, one page
 * table page per goroutine, which doubled the cost of 100,000 parked ones.
 * C code that csp did not write (ffi, the C library's blocking calls) runs
 * on the OS thread's own stack instead (sched_syscall). */
#define STACK_SIZE (256 * 1024)

typedef struct Stack {
    char *lo; /* lowest address */
    char *hi; /* highest address (exclusive): the initial stack top */
    struct Stack *next_free;
} Stack;

/* Thread-safe; never fails short of address-space exhaustion (then fatal). */
Stack *stack_get(void);
/* Return a stack to the pool, pages and all, ready for reuse. */
void stack_put(Stack *s);
/* Return n stacks to the pool with their pages given back to the kernel
 * first (madvise; adjacent stacks in one call): for stacks whose pages are
 * not worth keeping warm. The array is reordered. */
void stack_put_cold(Stack **s, int n);
/* Give back to the kernel (madvise) the pages of pooled stacks beyond a
 * bound that have not been reused since the last call: the monitor calls
 * it every second, so a burst of goroutines followed by another reuses
 * warm stacks, and an idle program's memory goes back. The address ranges
 * stay pooled. */
void stack_scavenge(void);

#endif
