/* lock.h — a small futex mutex for the runtime's short critical sections
 * (channel state, wait queues). It blocks the OS thread, not the goroutine,
 * so it must only guard a few instructions and never a switch.
 * States: 0 free, 1 held, 2 held with (possible) sleepers (Drepper's
 * "Futexes are tricky", mutex 2). */
#ifndef CSP_LOCK_H
#define CSP_LOCK_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct Lock {
    _Atomic uint32_t v;
} Lock;

static inline void lock_slow(Lock *l)
{
    for (int i = 0; i < 64; i++) { /* brief spin: holders are quick */
        uint32_t c = 0;
        if (atomic_load_explicit(&l->v, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(&l->v, &c, 1, memory_order_acquire, memory_order_relaxed))
            return;
        __asm__ volatile("pause");
    }
    while (atomic_exchange_explicit(&l->v, 2, memory_order_acquire) != 0)
        syscall(SYS_futex, &l->v, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
}

static inline void lock_acquire(Lock *l)
{
    uint32_t c = 0;
    if (__builtin_expect(
            atomic_compare_exchange_strong_explicit(&l->v, &c, 1, memory_order_acquire, memory_order_relaxed),
            1))
        return;
    lock_slow(l);
}

static inline void lock_release(Lock *l)
{
    if (atomic_exchange_explicit(&l->v, 0, memory_order_release) == 2)
        syscall(SYS_futex, &l->v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

#endif
