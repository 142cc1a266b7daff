/* sched.h — the M:N goroutine scheduler (Go's G/M/P design).
 *
 * Glossary
 *   G  a goroutine: a csp interpreter state (Thread) plus its own native C
 *      stack, switched by ctx_switch.
 *   M  a worker OS thread. Each M has its own scheduler context "g0" (the
 *      thread's original stack), where the scheduling loop runs.
 *   P  a processor: the right to run csp code. There are GOMAXPROCS Ps; an
 *      M must hold a P to run a G. Each P has a bounded local run queue and
 *      a `runnext` slot (the G readied last by the G running there, so a
 *      channel hand-off runs the receiver next, as Go does).
 *   global run queue: for Gs readied from outside any P (timers) and for
 *      preempted Gs, under sched.lock.
 *
 * Switching
 *   A G never switches to another G directly: it switches to its M's g0,
 *   which picks the next G. Leaving a G may carry an "after" action that g0
 *   runs once the G's context is saved (Go's park_m unlockf): a G that
 *   blocks on a channel enqueues itself under the channel lock and lets g0
 *   release the lock, so no other M can resume the G before its stack
 *   pointer is saved.
 *
 * The collector (RUNTIME-NOTES.md, protocol B)
 *   Boehm scans each registered thread's stack from its stack pointer to
 *   the stack bottom it was told. An M running a G has the G's stack under
 *   it, so at every stop-the-world the push_other_roots hook tells the
 *   collector, for every M, the bottom of the stack it is on (the G's or
 *   g0's), and pushes every suspended stack (parked Gs, and g0 of each M
 *   that is away running a G) from its saved sp to its top. The world must
 *   never stop in the middle of a switch: each M sets `in_switch` around
 *   the swap, and the pre-stop-world event waits until no M is in one
 *   (an M that finds a collection pending steps back out and waits).
 *
 * Blocking, waking
 *   sched_park() blocks the current G (status WAITING) until some other
 *   thread calls sched_ready() on it. A readied G goes to the current P's
 *   runnext (or local queue, or the global queue when there is no P), and
 *   an idle M is woken if there is an idle P and no M already spinning for
 *   work.
 *
 * Idle Ms park on a futex. When the last busy P goes idle with nothing
 * runnable, no timer pending and nothing outside that could wake a G, every
 * goroutine is asleep: the runtime reports the deadlock and exits 2.
 *
 * A monitor thread (sysmon) runs timers and preempts a G that has run for
 * more than 10 ms (Thread.preempt, checked at the interpreter's safepoints).
 * It starts with the first goroutine besides main's or the first timer.
 */
#ifndef CSP_SCHED_H
#define CSP_SCHED_H

#include <stdint.h>

#include "ctx.h"
#include "vm.h"

typedef struct G G;
struct RaceClock;
typedef struct M M;
typedef struct P P;

typedef enum {
    G_IDLE,     /* on the free list */
    G_RUNNABLE, /* in a run queue */
    G_RUNNING,  /* on an M */
    G_WAITING,  /* parked: someone will sched_ready it */
    G_SYSCALL,  /* in a C call (sched_syscall) on its M's own stack: its
                   own stack is suspended, its frames do not change */
    G_DEAD,     /* finished, not yet on the free list */
} GStatus;

/* A G waiting on a channel (Go's sudog): one per channel it waits on. Lives
 * in the channel's wait queue, guarded by that channel's lock. */
typedef struct Sudog {
    G *g;
    Value elem;     /* the value to send, or the value received */
    bool success;   /* false: woken by close */
    bool is_select; /* the G may be claimed only through selectdone */
    int case_index; /* which select case this is */
    struct ObjChan *c;
    struct Sudog *next, *prev;
} Sudog;

struct G {
    Ctx ctx;            /* saved sp while not running; written only
                           inside a switch (see "The collector") */
    Stack *stack;       /* owned; NULL for none (only a dead G, whose
                           stack went back to the pool) */
    _Atomic int status; /* GStatus; changed by the owner or the waker */
    /* Giving back a long-parked G's stack pages (sched.c, "Parked
     * stacks"); these fields sit together near status, which the
     * monitor's sweep reads with them. stack_state is STACK_ON,
     * STACK_SAVING (the monitor owns the stack) or STACK_SAVED (its live
     * part is in `saved`, its pages are gone): the monitor claims it by
     * CAS from ON, the M about to run the G waits out SAVING and restores
     * a SAVED one (seq_cst, see sched.c). */
    _Atomic int stack_state;
    int64_t id; /* 1 for main; never reused while alive */
    Thread *vm; /* the interpreter state; reused with the G */
    Value fn;   /* the call the G starts with */
    Value *args;
    int nargs;
    /* parkseq counts the G's parks (written by the G before it sets
     * WAITING; read by the monitor); quiet_seq is the last announced park
     * whose after action has finished on g0 (written by that g0, release);
     * swept_seq is the park the monitor's last sweep found it in (the
     * monitor's only). */
    _Atomic uint32_t parkseq;
    _Atomic uint32_t quiet_seq;
    uint32_t swept_seq;
    /* The live part's copy while the pages are gone: set by the monitor
     * (release) once the copy is complete, cleared by the restoring M
     * once the stack holds it all again; the collector and the leak
     * finder read it with the world stopped. */
    void *_Atomic saved;
    G *schedlink;           /* run queue / free list link: guarded by the
                               lock of the list it is on (a P's own free
                               list: that P's owner) */
    G *batchlink;           /* the first G of a batch on a global free list:
                               the next batch (sched.lock) */
    int batchlen;           /* and the batch's length (sched.lock) */
    const char *waitreason; /* why it is WAITING ("chan receive"), for the
                               deadlock report; written before parking */
    void *param;            /* set by the waker before sched_ready (e.g. the
                               select case that fired) */
    _Atomic int selectdone; /* a select's cases race to set it 0 -> 1 */
    M *m;                   /* the M running it (owner: that M) */
    Sudog sd;               /* for a single channel wait (not select) */
    int64_t wait_since;     /* when it started waiting on a sync.Mutex: written
                               by the G, read by an unlocker, both under that
                               mutex's queue lock */
    /* What the G waits on while WAITING, for the leak finder: one object
     * (a channel, a sync primitive's state; NULL: nothing, as a nil
     * channel), or a select's sudogs. Written by the G before it parks,
     * read only while the world is stopped. */
    /* Where it was started (the go statement), for reports: immutable
     * once the G is runnable. */
    const struct ObjProto *created_proto;
    const uint32_t *created_pc;
    int64_t created_by; /* the parent goroutine's id; 0: none */
    const void *wait_obj;
    const Sudog *wait_sds;
    int wait_nsds;
    bool wait_announced;    /* sched_wait_on was called for the next park */
    /* Its stack was restored since it started: when it ends, the pages go
     * back to the kernel rather than stay warm (a mass wake-up of saved
     * Gs would otherwise bring every page back). Owner: the M running it,
     * then the g0 that retires it. */
    bool restored;
    int wait_leakable;      /* this park may be for ever (1; 2 during a search
                               once reached); owner, read with the world stopped */
    void *asan_fake;        /* ASan's saved fake stack while suspended */
    void *tsan_fiber;       /* TSan's fiber for this G (sanitizer builds) */
};

/* Start-up: create the Ps, M0 (this thread) and the monitor thread.
 * nprocs <= 0: CSPMAXPROCS from the environment, else the number of CPUs. */
void sched_init(Runtime *rt, int nprocs);

/* Run fn (the main chunk, via vm_run_main) as goroutine 1 and schedule
 * until the process exits: returns only the exit code when main returns. */
int sched_run_main(Thread *t, ObjProto *main);

/* Schedule the goroutines already started (sched_go) on this thread as M0;
 * returns only through an exit (rt_exit, a panic, a deadlock). */
int sched_run_main_loop(void);

/* Start a goroutine running fn(args...). The args are copied. */
G *sched_go(Thread *parent, Value fn, const Value *args, int nargs);
/* The same for a start with no parent running (a timer's function): the
 * race detector's snapshot of what its starter knew (race.h), or NULL. */
G *sched_go_after(const struct RaceClock *from, Value fn, const Value *args, int nargs);

/* Bytes of C stack left below the caller on its goroutine's stack
 * (SIZE_MAX when not on a goroutine): recursive C code checks it. */
size_t sched_stack_left(void);

/* The running G (NULL on g0 or outside the scheduler). */
G *sched_getg(void);

/* Block the current G. After its context is saved, g0 calls unlockf(arg)
 * (if any); the G resumes when someone calls sched_ready(g). */
void sched_park(const char *reason, void (*unlockf)(void *), void *arg);
/* Park the current G as sched_park does, but first call commit(g, arg) on
 * g0 once the G's context is saved: if it returns false, the G runs again
 * at once, on this M (Go's gopark with a commit function: the G publishes
 * itself for its waker only there, and a waker that came between deciding
 * to park and publishing is not missed). */
void sched_park_commit(const char *reason, bool (*commit)(G *g, void *arg), void *arg);
/* Say what the current G is about to wait on, before it parks on a
 * channel or a sync primitive: an object no runnable goroutine can reach
 * means it waits for ever (sched_find_leaks). */
void sched_wait_on(const void *obj);
void sched_wait_on_select(const Sudog *sds, int n);
/* Find the goroutines blocked for ever: parked on a channel or sync
 * primitive that nothing able to run still reaches (Go's goroutine-leak
 * reachability: from the goroutines that can run, the globals and the
 * pending timers, through the heap; a blocked goroutine whose object is
 * reached can run again, so what it reaches counts too; repeat). Stops
 * the world for the search. Prints each to out (NULL: nothing) with its
 * stack; returns how many. Call from a goroutine. */
int sched_find_leaks(FILE *out);
/* Make a WAITING G runnable. Callable from any thread. */
void sched_ready(G *g);
/* runtime.Gosched() and preemption: put the current G on the global queue
 * and let others run. */
void sched_gosched(void);

/* C calls, as Go's cgocall and entersyscall/exitsyscall: every call into
 * C code that may block (file and stdin reads, writes, ffi calls) or that
 * may need a deep stack (any ffi call) goes through one of these:
 *
 *     sched_syscall(do_read, &args);   // do_read(&args) runs on g0
 *
 * fn(arg) runs on the current M's own thread stack (g0), which has the
 * system's size and a guard page, never on the goroutine's small stack.
 * Meanwhile the goroutine is G_SYSCALL, and its P is marked as in a
 * blocking call: if the call lasts more than ~20 us, the monitor thread
 * hands the P to another M, so the other goroutines keep running; when fn
 * returns the goroutine takes its P back if it is still free, else any idle
 * P, else it is queued and its M goes idle. fn must not run csp code,
 * allocate from the collector or touch a csp object other than buffers
 * allocated before (it may read csp strings and write into buffers the
 * caller holds). Switching costs two context switches (~20-40 ns). Called
 * off a goroutine (g0, a thread of its own), fn(arg) is simply called. */
void sched_syscall(void (*fn)(void *), void *arg);
/* The same, and the collector leaves the thread alone meanwhile: it does
 * not stop (signal) it, so a long C call is not cut short with EINTR by a
 * collection. fn must not touch csp objects at all. */
void sched_blocking_call(void (*fn)(void *), void *arg);
/* The goroutine whose C call (sched_syscall) this thread is running, or
 * NULL; *gc_blocked (if not NULL) tells whether that call runs under
 * GC_do_blocking. Async-signal-safe, for the fault handler. */
G *sched_ccall_g(bool *gc_blocked);

/* An outside thread that may start or wake goroutines (a test harness,
 * the REPL's reader) holds the scheduler with +1 and lets go with -1: while
 * held, everyone asleep is not a deadlock. */
void sched_external(int delta);

/* runtime.GOMAXPROCS: set (n > 0) and return the previous value. */
int sched_gomaxprocs(int n);

/* Whether a goroutine that found a lock held should spin (busy-wait a
 * moment) rather than park, on its iter'th try: only a few tries, and only
 * when the holder can be running on another P right now and this P has no
 * other goroutine waiting to run. Lock-free (relaxed reads of counters
 * other threads change), so the answer is a hint. */
bool sched_can_spin(int iter);
int64_t sched_num_goroutine(void);

/* Monotonic time in nanoseconds. */
int64_t sched_nanotime(void);

/* ---- timers ----
 * A timer fires once at `when` (and again every `period` if > 0) by calling
 * fn(arg, now) on the monitor thread, which must not block; fn typically
 * readies a G or does a non-blocking channel send.
 *
 * Deadlines saturate: a `when` (or a later `when + period`) past INT64_MAX
 * is TIMER_NEVER, a timer that never fires (time.Sleep(math.MaxInt64)).
 * Such a timer is pending (timer_stop returns true) but is not in the
 * monitor's heap, so it neither keeps its channel alive nor counts as
 * something that may wake a goroutine: a program left waiting only on
 * "never" is reported as deadlocked. A far but finite deadline (1<<62 ns,
 * 146 years) counts, and the program sleeps, as Go's does.
 *
 * Locking: the owner fills in every field and sets idx to TIMER_IDLE
 * before the first timer_start; from then on `when`, `period` and `idx`
 * belong to timer_lock, and the owner changes when and period only
 * through timer_reset. fn and arg never change. */
typedef struct Timer {
    int64_t when;
    int64_t period;
    void (*fn)(void *arg, int64_t now);
    void *arg;
    int idx; /* position in the heap, or TIMER_IDLE, or TIMER_PENDING_NEVER */
} Timer;

#define TIMER_NEVER INT64_MAX
#define TIMER_IDLE (-1)          /* not pending */
#define TIMER_PENDING_NEVER (-2) /* pending at TIMER_NEVER, outside the heap */

/* The deadline d nanoseconds from now: now for d <= 0, saturating at
 * TIMER_NEVER. */
int64_t timer_when(int64_t d);
/* Make an idle timer pending (a pending one is a fatal error). */
void timer_start(Timer *t);
/* Returns whether the timer was pending (and is now stopped). */
bool timer_stop(Timer *t);
/* Stop the timer if pending, set when and period, and start it, as one
 * step under timer_lock: concurrent resets and stops each see the timer
 * whole. Returns whether it was pending. */
bool timer_reset(Timer *t, int64_t when, int64_t period);
/* Park the current G for ns nanoseconds (forever for a deadline that
 * saturates: see TIMER_NEVER). */
void sched_sleep(int64_t ns);

/* Report the deadlock: every goroutine's state and stack, exit 2. */
_Noreturn void sched_deadlock(void);
void sched_deadlock_report(FILE *out);
/* Every live goroutine with its state, and the stack of each parked one
 * (and of the caller): Go's goroutine dump, for the REPL's :goroutines. */
void sched_dump(FILE *out);
/* The REPL: when every goroutine is asleep, print the report and call fn
 * instead of exiting, on the thread that found it (an M going idle, or the
 * monitor after the timer wake-up it was waiting for), holding no lock; fn
 * must start a goroutine (sched_go) to carry on with. */
void sched_set_deadlock_handler(void (*fn)(void));
/* The REPL: an unrecovered panic in a goroutine prints its traceback and
 * ends only that goroutine, instead of the process. */
void sched_set_panics_survive(bool on);
/* End the running goroutine now, from any depth of C calls (the REPL,
 * after a fatal error): nothing left on its stack runs again, deferred
 * calls included, and locks it holds stay held. */
_Noreturn void sched_end_goroutine(void);

#endif
