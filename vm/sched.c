/* sched.c — the M:N scheduler. The design is in sched.h; this file adds the
 * invariants and memory-ordering points, numbered and referenced below.
 *
 * Locks (never held across a switch, never taken in the GC hooks):
 *   sched.lock  global run queue, idle P list, idle M list, the G free list,
 *               GOMAXPROCS changes.
 *   timer_lock  the timer heap.
 *   allg_lock   appending to allgs (readers take no lock, see (3)).
 * Lock order: sched.lock may be taken while holding nothing else; timer_lock
 * is never held while taking sched.lock.
 *
 * Ordering points:
 *  (1) in_switch / gc_pending form a Dekker pair (both seq_cst): an M sets
 *      in_switch then reads gc_pending; the collector sets gc_pending then
 *      reads every in_switch. At least one of them sees the other.
 *  (2) run queue: the owner writes a slot, then publishes it with a release
 *      store of runqtail; consumers acquire runqtail/runqhead and claim
 *      slots with a CAS on runqhead (Go's runq, lock-free SPMC ring).
 *  (3) allgs: a new G is stored in the array before allglen is increased
 *      (release); a grown array is published before the length that needs
 *      it. Old arrays are never freed, so a reader that loaded the length
 *      first and the array second always sees initialised entries.
 *  (5) blocking calls: the owner stores syscall_when, then P_SYSCALL
 *      (seq_cst), then reads sysmon_idle; the monitor stores sysmon_idle,
 *      then scans for P_SYSCALL: a call that starts while the monitor goes
 *      to sleep either is seen by its scan or wakes it. Whoever wins the CAS
 *      out of P_SYSCALL owns the P.
 *  (4) deadlock accounting: a timer that fires bumps nwakers before it
 *      leaves the heap (ntimers) and drops it only after the G it woke is on
 *      a run queue, under sched.lock: the checker, holding sched.lock, never
 *      sees "no timers, no wakers, empty queues" while a wake-up is in
 *      flight. A checker that did skip because of a waker (the G it woke
 *      ran and parked again first) leaves the check to that waker: the
 *      last one to drop nwakers (or nexternal) checks, under sched.lock.
 */
#include "sched.h"

#include <errno.h>
#include <gc/gc.h>
#include <gc/gc_mark.h>
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "debug.h"
#include "mem.h"
#include "netpoll.h"
#include "out.h"
#include "race.h"
#include "sanitize.h"
#include "signal.h"
#include "trace.h"

#define MAXPROCS 256                  /* Ps are allocated up to this; GOMAXPROCS caps here */
#define RUNQ_SIZE 256                 /* as Go: big enough to batch, small enough to steal */
#define PREEMPT_NS (10 * 1000 * 1000) /* a G may run 10 ms before preemption */
#define MAX_MS 10000                  /* as Go's default max threads */
#define GFREE_KEEP_STACKS 1024        /* dead Gs on the global list whose stacks stay warm */
#define GFREE_LOCAL_MAX 64            /* a P's own dead Gs; past this, a batch goes global */
#define GFREE_BATCH 32                /* dead Gs moved between a P's list and the global one */
#define SCAVENGE_NS 1000000000        /* the monitor returns idle stack pages every second */
#define RETAKE_NS 20000               /* a blocking call keeps its P for 20 us, as Go's sysmon */
#define SYSMON_WAKE_NS 1000000        /* blocking calls wake a sleeping monitor at most every 1 ms */
#define MAIN_PANIC_WAIT_NS 1000000000 /* main's return waits this long for another goroutine's panic */
#define LEAKS_SETTLE_NS 500000000     /* -leaks waits at most this long for runnable goroutines to block */
#define NETPOLL_IDLE_NS 10000000      /* the monitor polls the network when nobody has for 10 ms */

/* P_SYSCALL: its M is inside a blocking call (sched_syscall); the
 * monitor may take it (CAS to P_IDLE) and hand it to another M, and the M
 * coming back races for it with a CAS to P_RUNNING (5). */
typedef enum { P_IDLE, P_RUNNING, P_SYSCALL, P_DEAD } PStatus;

struct P {
    int id;
    _Atomic uint32_t runqhead;    /* consumers CAS (2) */
    _Atomic uint32_t runqtail;    /* owner stores (2) */
    G *runq[RUNQ_SIZE];           /* slots: owner writes, anyone reads (2) */
    G *_Atomic runnext;           /* owner or stealer exchanges */
    _Atomic int status;           /* PStatus: sched.lock, or the owner; P_SYSCALL
                                     transitions by CAS only (5) */
    M *m;                         /* owning M: sched.lock */
    P *link;                      /* idle list: sched.lock */
    _Atomic uint32_t schedtick;   /* bumped per schedule by the owner; read by sysmon */
    uint32_t sysmon_tick;         /* sysmon only */
    int64_t sysmon_when;          /* sysmon only */
    _Atomic int64_t syscall_when; /* when the blocking call began: written by
                                     the owner before P_SYSCALL (5) */
    /* Dead Gs with their stacks, ready for the next go statement on this
     * P without a lock (Go's p.gFree): the owner only, or sched.lock
     * while the P is idle. Their stacks stay warm: a burst of short
     * goroutines reuses the same few, already in cache. */
    G *gfree;
    int ngfree;
};

struct M {
    Ctx g0ctx;                /* g0's saved sp while a G runs: written in the switch */
    G *curg;                  /* running G or NULL on g0: written in the switch (1) */
    P *p;                     /* held P: owner, or a waker handing one over
                                 while the M sleeps (sched.lock) */
    _Atomic int in_switch;    /* (1) */
    void *gc_handle;          /* from GC_get_my_stackbottom; immutable */
    char *g0_top;             /* base of the thread's own stack; immutable */
    _Atomic uint32_t note;    /* futex word for sleeping: 1 = woken */
    M *link;                  /* idle list: sched.lock */
    M *_Atomic alllink;       /* allm list: immutable once published */
    void (*after_fn)(void *); /* run on g0 once the G left: owner only */
    void *after_arg;
    bool spinning;         /* counted in nmspinning: owner only */
    /* The G findrunnable just returned came from its P's runnext, so it
     * runs on the time slice of the G that readied it: owner only. */
    bool inherit_time;
    P *oldp;               /* the P it had when it entered a blocking call */
    char *g0_lo;           /* lowest address of g0's stack; immutable */
    size_t g0_size;        /* for ASan's switch hook (0 in other builds); immutable */
    void *g0_asan_fake;    /* ASan's saved fake stack of g0: owner only */
    G *resume;             /* a G to run next on this M without the queues (it
                              came back from a C call and this M kept a P, or
                              it is the runnext G a park took for a direct
                              switch but whose stack must be restored first):
                              owner only */
    G *lastg;              /* the G that last switched to g0: owner only */
    G *direct_from;        /* the G that switched straight to the running one
                              and left its after action to it: owner only */
    G *ccall_g;            /* the G whose C call runs on g0 now: owner only,
                              read by this thread's fault handler */
    bool ccall_gc_blocked; /* that call runs under GC_do_blocking: as ccall_g */
    void *g0_tsan_fiber;   /* TSan's fiber for g0; immutable */
    /* Stacks of ended Gs that had been restored, waiting to go back to the
     * kernel in one batch (stack_put_cold): owner only. */
    Stack *cold[256];
    int ncold;
    int id;
};

static struct {
    pthread_mutex_t lock;
    G *globq_head, *globq_tail; /* sched.lock */
    _Atomic int globq_n;        /* written under sched.lock; read racily as a hint */
    P *pidle;                   /* sched.lock */
    _Atomic int npidle;         /* written under sched.lock */
    M *midle;                   /* sched.lock */
    _Atomic int nmspinning;
    _Atomic int gomaxprocs;
    int nm;            /* Ms created: sched.lock */
    /* Dead Gs no P keeps, those with a stack and those without (the
     * monitor took it, or it went back to the kernel when the G ended):
     * sched.lock. */
    G *gfree, *gfree_nostack;
    _Atomic int ngfree;    /* both lists: written under sched.lock, read racily as a hint */
    int ngfree_stacks;     /* on gfree: sched.lock */
    int ngfree_stacks_low; /* its least since the monitor's last scavenge: sched.lock */
    P *allp[MAXPROCS]; /* entries written once under sched.lock */
    Runtime *rt;
} sched = {.lock = PTHREAD_MUTEX_INITIALIZER};

static M *_Atomic allm;
static _Atomic int gc_pending;
/* G.stack_state (see "Parked stacks"). */
enum { STACK_ON, STACK_SAVING, STACK_SAVED };
static GC_push_other_roots_proc prev_push_roots;

static pthread_mutex_t allg_lock = PTHREAD_MUTEX_INITIALIZER;
static G **_Atomic allgs; /* (3) */
static _Atomic size_t allglen;
static size_t allgcap; /* allg_lock */

static _Atomic int64_t goidgen;
static _Atomic int64_t ngoroutines;
static _Atomic int nwakers;            /* (4) */
static _Atomic int nexternal;          /* outside sources that may start or wake Gs */
static _Atomic int nsyscall;           /* Gs inside blocking calls: they will wake */
static _Atomic int sysmon_idle;        /* the monitor is in a long sleep (5) */
static _Atomic int64_t sysmon_woken;   /* when a blocking call last woke it */
static void (*deadlock_handler)(void); /* set once at start-up (the REPL) */
static bool goroutine_panics_survive;  /* set once at start-up (the REPL) */
static _Atomic int ntimers;            /* (4) */
/* When the network was last polled, or 0 while an M blocks in netpoll
 * (only one does at a time: it takes this from non-zero to 0). */
static _Atomic int64_t lastpoll = 1;

static __thread M *tls_m;

/* ---- telling the sanitizers about stack switches ------------------------
 * ASan must know which stack is current (or it reports the switch itself
 * as a stack overflow), TSan which "fiber" runs (or it sees every goroutine
 * as one thread). Both hooks are no-ops in ordinary builds. The headers are
 * not installed with gcc's runtimes on Debian, so the few entry points are
 * declared here. */
#if CSP_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
#define ASAN_START(save, lo, size) __sanitizer_start_switch_fiber((save), (lo), (size))
#define ASAN_FINISH(fake) __sanitizer_finish_switch_fiber((fake), NULL, NULL)
#else
#define ASAN_START(save, lo, size) ((void)(save), (void)(lo), (void)(size))
#define ASAN_FINISH(fake) ((void)(fake))
#endif
#if CSP_TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#define TSAN_SWITCH(fiber) __tsan_switch_to_fiber((fiber), 0)
#define TSAN_NEW_FIBER() __tsan_create_fiber(0)
#define TSAN_CURRENT_FIBER() __tsan_get_current_fiber()
#else
#define TSAN_SWITCH(fiber) ((void)(fiber))
#define TSAN_NEW_FIBER() NULL
#define TSAN_CURRENT_FIBER() NULL
#endif

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sysmon_cond = PTHREAD_COND_INITIALIZER; /* timer_lock */

/* The current M. Not inlined and opaque to the optimiser: a goroutine may
 * resume on another OS thread, so a thread-local's address must never be
 * cached across a switch (RUNTIME-NOTES.md). */
__attribute__((noinline)) static M *getm(void)
{
    M *m = tls_m;
    __asm__ volatile("" : "+r"(m));
    return m;
}

size_t sched_stack_left(void)
{
    G *g = sched_getg();
    if (!g)
        return SIZE_MAX;
    char *sp = __builtin_frame_address(0);
    return sp > g->stack->lo ? (size_t)(sp - g->stack->lo) : 0;
}

G *sched_getg(void)
{
    M *m = getm();
    return m ? m->curg : NULL;
}

int64_t sched_nanotime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Fields one thread writes while another reads without a lock (the
 * monitor's scans of P and M): relaxed atomics, plain moves on x86. */
/* P.m also publishes a new M to the monitor: release/acquire. */
#define STORE_RELEASE(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELEASE)
#define LOAD_ACQUIRE(field) __atomic_load_n(&(field), __ATOMIC_ACQUIRE)

static void cpu_relax(void)
{
    __asm__ volatile("pause");
}

/* ---- notes: one sleeping M, one waker ---------------------------------- */

static void note_sleep(M *m)
{
    while (!atomic_exchange(&m->note, 0))
        syscall(SYS_futex, &m->note, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void note_wakeup(M *m)
{
    atomic_store(&m->note, 1);
    syscall(SYS_futex, &m->note, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* ---- CSPDEBUG=gctrace=1: one line per collection -----------------------
 * After each collection, one line on stderr, after Go's GODEBUG=gctrace=1:
 *
 *   gc 7 @1.204s: 12->4 MB, 160 MB heap, pause 6.112 ms (5.820 ms cpu),
 *       100003 goroutines scanned (90 MB of stack)
 *
 * (one line): the collection's number (from 1), the time since the
 * runtime started, the heap in use when the collection began and when it
 * ended (whole blocks that hold objects: garbage not yet swept counts,
 * and so does all of a block that one live object keeps), the heap's
 * size, the time the world was stopped (from just before the other
 * threads are stopped until they all run again: the pause every goroutine
 * sees) and the processor time the collecting thread spent in it (it
 * marks alone: one marker thread; on a loaded machine the wall time can
 * be much longer), how many goroutine stacks were pushed as roots (the
 * parked ones, plus one per goroutine running on an M), and the bytes
 * push_roots pushed (the parked stacks' live parts and the saved parts of
 * busy Ms' own stacks; the collector reads every word of them). When the
 * collector pushed the roots more than once (its mark stack overflowed
 * and it started over), ", roots pushed N times" follows: each time costs
 * as much.
 *
 * While the world is stopped nothing here may take a lock or allocate (a
 * stopped thread may hold the lock, malloc's or stdio's included): the
 * hooks only read the clock and count. The line is formatted and written
 * with one write(2) at GC_EVENT_END, once every thread runs again.
 *
 * Locking: the fields are written only by the collector's event callback
 * and by push_roots, which run with the collector's allocation lock held,
 * one collection at a time; nothing else reads them. */
static struct {
    int64_t start;     /* the runtime's start (sched_init): the @ time's origin */
    int64_t stw_begin; /* GC_EVENT_PRE_STOP_WORLD's clock */
    int64_t stw_cpu;   /* and the collecting thread's processor time then */
    int64_t pause;     /* ns from PRE_STOP_WORLD to POST_START_WORLD */
    int64_t pause_cpu; /* the collecting thread's processor time in them */
    size_t before;     /* heap in use at GC_EVENT_START, bytes */
    size_t scanned;    /* goroutine stacks in the last root push */
    size_t stack;      /* bytes push_roots pushed in it */
    unsigned pushes;   /* root pushes in this collection */
    uint64_t n;        /* collections reported */
} gct;

/* The calling thread's processor time, ns: a system call (no vDSO fast
 * path), but one that takes no lock and allocates nothing. */
static int64_t thread_cputime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void gctrace_event(GC_EventType e)
{
    size_t size, in_use;
    switch (e) {
    case GC_EVENT_START:
        mem_heap_usage_locked(&size, &gct.before);
        gct.pause = 0;
        gct.pause_cpu = 0;
        gct.scanned = 0;
        gct.stack = 0;
        gct.pushes = 0;
        break;
    case GC_EVENT_PRE_STOP_WORLD:
        gct.stw_begin = sched_nanotime();
        gct.stw_cpu = thread_cputime();
        break;
    case GC_EVENT_POST_START_WORLD:
        gct.pause += sched_nanotime() - gct.stw_begin;
        gct.pause_cpu += thread_cputime() - gct.stw_cpu;
        break;
    case GC_EVENT_END: {
        mem_heap_usage_locked(&size, &in_use);
        int64_t now = sched_nanotime() - gct.start;
        char line[200];
        int n = snprintf(
            line, sizeof line,
            "gc %llu @%lld.%03llds: %zu->%zu MB, %zu MB heap, pause %lld.%03lld ms (%lld.%03lld ms cpu), %zu "
            "goroutines scanned (%zu MB of stack)",
            (unsigned long long)++gct.n, (long long)(now / 1000000000), (long long)(now / 1000000 % 1000),
            gct.before >> 20, in_use >> 20, size >> 20, (long long)(gct.pause / 1000000),
            (long long)(gct.pause / 1000 % 1000), (long long)(gct.pause_cpu / 1000000),
            (long long)(gct.pause_cpu / 1000 % 1000), gct.scanned, gct.stack >> 20);
        if (gct.pushes > 1 && n > 0 && (size_t)n < sizeof line)
            n += snprintf(line + n, sizeof line - (size_t)n, ", roots pushed %u times", gct.pushes);
        if (n > 0 && (size_t)n < sizeof line - 1) {
            line[n++] = '\n';
            /* Best effort, as any diagnostic: a closed stderr loses it. */
            ssize_t w = write(2, line, (size_t)n);
            (void)w;
        }
        break;
    }
    default:
        break;
    }
}

/* ---- the collector's hooks (protocol B) -------------------------------- */

static void gc_event(GC_EventType e)
{
    if (TRACE_ON())
        trace_gc_event(e);
    if (debug_settings.gctrace > 0)
        gctrace_event(e);
    if (e == GC_EVENT_PRE_STOP_WORLD) {
        atomic_store(&gc_pending, 1); /* (1) */
        for (M *m = atomic_load(&allm); m; m = atomic_load(&m->alllink))
            while (atomic_load(&m->in_switch))
                cpu_relax();
    } else if (e == GC_EVENT_POST_START_WORLD) {
        atomic_store(&gc_pending, 0);
    }
}

/* Runs with the world stopped; takes no lock. */
static void push_roots(void)
{
    size_t scanned = 0, bytes = 0;
    for (M *m = atomic_load(&allm); m; m = atomic_load(&m->alllink)) {
        struct GC_stack_base sb = {0};
        G *g = LOAD_ACQUIRE(m->curg);
        if (g) {
            sb.mem_base = g->stack->hi;
            GC_push_all_eager(m->g0ctx.sp, m->g0_top);
            bytes += (size_t)(m->g0_top - (char *)m->g0ctx.sp);
            scanned++; /* the collector scans this M's stack, g's */
        } else {
            sb.mem_base = m->g0_top;
        }
        GC_set_stackbottom(m->gc_handle, &sb);
    }
    size_t n = atomic_load_explicit(&allglen, memory_order_acquire); /* (3) */
    G **gs = atomic_load_explicit(&allgs, memory_order_acquire);
    for (size_t i = 0; i < n; i++) {
        G *g = gs[i];
        int st = atomic_load_explicit(&g->status, memory_order_relaxed);
        if (st == G_IDLE || st == G_DEAD || g->m)
            continue; /* free, or on a CPU: its M's stack covers it */
        if (atomic_load_explicit(&g->saved, memory_order_relaxed))
            continue; /* its live part is in a heap object its record holds
                         (see "Parked stacks"): marked like any other */
        GC_push_all_eager(g->ctx.sp, g->stack->hi);
        bytes += (size_t)(g->stack->hi - (char *)g->ctx.sp);
        scanned++;
    }
    gct.scanned = scanned;
    gct.stack = bytes;
    gct.pushes++;
    if (prev_push_roots)
        prev_push_roots();
}

static void enter_switch(M *m)
{
    for (;;) {
        atomic_store(&m->in_switch, 1); /* (1) */
        if (!atomic_load(&gc_pending))
            return;
        atomic_store(&m->in_switch, 0);
        while (atomic_load(&gc_pending))
            cpu_relax();
    }
}

static void leave_switch(M *m)
{
    atomic_store(&m->in_switch, 0);
}

/* ---- run queues --------------------------------------------------------- */

static void globrunqput_locked(G *g)
{
    g->schedlink = NULL;
    if (sched.globq_tail)
        sched.globq_tail->schedlink = g;
    else
        sched.globq_head = g;
    sched.globq_tail = g;
    atomic_fetch_add(&sched.globq_n, 1);
}

static G *globrunqget_locked(void)
{
    G *g = sched.globq_head;
    if (!g)
        return NULL;
    sched.globq_head = g->schedlink;
    if (!sched.globq_head)
        sched.globq_tail = NULL;
    atomic_fetch_sub(&sched.globq_n, 1);
    g->schedlink = NULL;
    return g;
}

static int nprocs_active(void);

/* sched.lock held, by p's owner: take one G to run from the global queue
 * and, onto p's local queue, a fair share of the rest (Go's globrunqget):
 * a queue that overflowed into the global one (a burst of go statements)
 * comes back a batch per lock, not a G per lock. The share is at most
 * half a local queue and fits in the room p's queue has: consumers only
 * ever make that room larger, so the slots written are free. */
static G *globrunqget_batch_locked(P *p)
{
    G *g = globrunqget_locked();
    if (!g)
        return NULL;
    int n = atomic_load_explicit(&sched.globq_n, memory_order_relaxed) / nprocs_active();
    uint32_t h = atomic_load_explicit(&p->runqhead, memory_order_acquire);
    uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_relaxed);
    int room = RUNQ_SIZE - (int)(t - h);
    if (n > RUNQ_SIZE / 2)
        n = RUNQ_SIZE / 2;
    if (n > room)
        n = room;
    G *g2;
    for (int i = 0; i < n && (g2 = globrunqget_locked()) != NULL; i++)
        __atomic_store_n(&p->runq[t++ % RUNQ_SIZE], g2, __ATOMIC_RELAXED);
    atomic_store_explicit(&p->runqtail, t, memory_order_release); /* (2) */
    return g;
}

/* Owner only: the local queue is full; move half of it and g to the
 * global queue. Returns false if consumers changed the queue meanwhile. */
static bool runqputslow(P *p, G *g, uint32_t h, uint32_t t)
{
    enum { N = RUNQ_SIZE / 2 };
    G *batch[N + 1];
    uint32_t n = (t - h) / 2;
    if (n != N)
        return false;
    for (uint32_t i = 0; i < n; i++)
        batch[i] = __atomic_load_n(&p->runq[(h + i) % RUNQ_SIZE], __ATOMIC_RELAXED);
    if (!atomic_compare_exchange_strong_explicit(&p->runqhead, &h, h + n, memory_order_release,
                                                 memory_order_relaxed))
        return false;
    batch[n] = g;
    /* Link them before taking the lock (the batch is ours now), so the
     * lock is held for a splice, not for 129 stores to G records. */
    for (uint32_t i = 0; i < n; i++)
        batch[i]->schedlink = batch[i + 1];
    batch[n]->schedlink = NULL;
    pthread_mutex_lock(&sched.lock);
    if (sched.globq_tail)
        sched.globq_tail->schedlink = batch[0];
    else
        sched.globq_head = batch[0];
    sched.globq_tail = batch[n];
    atomic_fetch_add(&sched.globq_n, (int)n + 1);
    pthread_mutex_unlock(&sched.lock);
    return true;
}

/* Owner only. next: put g in runnext, kicking the old one to the tail. */
static void runqput(P *p, G *g, bool next)
{
    if (next) {
        G *old = atomic_exchange(&p->runnext, g);
        if (!old)
            return;
        g = old;
    }
    for (;;) {
        uint32_t h = atomic_load_explicit(&p->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_relaxed);
        if (t - h < RUNQ_SIZE) {
            __atomic_store_n(&p->runq[t % RUNQ_SIZE], g, __ATOMIC_RELAXED);
            atomic_store_explicit(&p->runqtail, t + 1, memory_order_release); /* (2) */
            return;
        }
        if (runqputslow(p, g, h, t))
            return;
    }
}

/* Start loading what using a G will touch first, two Gs ahead: a burst of
 * goroutines outgrows the caches, and each G's first touches would
 * otherwise wait for memory one after another. prefetch_g_record asks
 * for the record of the G after next; prefetch_g, for the next one (whose
 * record should be in cache by now, so reading its fields does not
 * stall), for its interpreter state and its stack where it will run (the
 * top of a free G's, where ctx_make writes; the saved sp of a runnable
 * one). Hints only: the G may be taken by another M meanwhile; the loads
 * are relaxed, the fields never point at memory that goes away, and a
 * prefetch never faults. */
static inline void prefetch_g_record(G *g)
{
    if (!g)
        return;
    __builtin_prefetch(g, 1);
    __builtin_prefetch((char *)g + 64, 1);
}

static inline void prefetch_g(G *g, bool fresh)
{
    /* TSan would see the relaxed loads racing with plain stores to the
     * same fields (a stolen G's, say) that nothing here depends on. */
    if (!g || CSP_TSAN)
        return;
    Thread *t = __atomic_load_n(&g->vm, __ATOMIC_RELAXED);
    if (t) {
        __builtin_prefetch(t, 1);
        __builtin_prefetch((char *)t + 64, 1);
    }
    if (fresh) {
        Stack *st = __atomic_load_n(&g->stack, __ATOMIC_RELAXED);
        if (st) {
            char *hi = __atomic_load_n(&st->hi, __ATOMIC_RELAXED);
            __builtin_prefetch(hi - 64, 1);
            __builtin_prefetch(hi - 128, 1);
        }
    } else {
        void *sp = __atomic_load_n(&g->ctx.sp, __ATOMIC_RELAXED);
        if (sp)
            __builtin_prefetch(sp, 0);
    }
}

/* Owner only. *from_next (if not NULL) tells whether g was runnext. */
static G *runqget(P *p, bool *from_next)
{
    G *next = atomic_load(&p->runnext);
    if (next && atomic_compare_exchange_strong(&p->runnext, &next, NULL)) {
        if (from_next)
            *from_next = true;
        return next;
    }
    for (;;) {
        uint32_t h = atomic_load_explicit(&p->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_relaxed);
        if (t == h)
            return NULL;
        G *g = __atomic_load_n(&p->runq[h % RUNQ_SIZE], __ATOMIC_RELAXED);
        if (atomic_compare_exchange_strong_explicit(&p->runqhead, &h, h + 1, memory_order_release,
                                                    memory_order_relaxed)) {
            if (t - h > 1)
                prefetch_g(__atomic_load_n(&p->runq[(h + 1) % RUNQ_SIZE], __ATOMIC_RELAXED), false);
            if (t - h > 2)
                prefetch_g_record(__atomic_load_n(&p->runq[(h + 2) % RUNQ_SIZE], __ATOMIC_RELAXED));
            return g;
        }
    }
}

static bool runqempty(P *p)
{
    return atomic_load(&p->runqhead) == atomic_load(&p->runqtail) && !atomic_load(&p->runnext);
}

/* Steal half of p2's queue into p; returns one G to run. */
static G *runqsteal(P *p, P *p2, bool stealnext)
{
    G *batch[RUNQ_SIZE / 2];
    uint32_t n;
    for (;;) {
        uint32_t h = atomic_load_explicit(&p2->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p2->runqtail, memory_order_acquire);
        n = t - h;
        n = n - n / 2;
        if (n == 0) {
            if (!stealnext)
                return NULL;
            G *next = atomic_load(&p2->runnext);
            if (!next)
                return NULL;
            /* Give p2's owner a moment to run its runnext itself: a
             * channel hand-off is cheapest on the thread that made it. */
            if (p2->status == P_RUNNING) {
                struct timespec ts = {0, 3000};
                nanosleep(&ts, NULL);
            }
            if (!atomic_compare_exchange_strong(&p2->runnext, &next, NULL))
                continue;
            return next;
        }
        if (n > RUNQ_SIZE / 2)
            continue; /* inconsistent snapshot: retry */
        for (uint32_t i = 0; i < n; i++)
            batch[i] = __atomic_load_n(&p2->runq[(h + i) % RUNQ_SIZE], __ATOMIC_RELAXED);
        if (atomic_compare_exchange_strong_explicit(&p2->runqhead, &h, h + n, memory_order_release,
                                                    memory_order_relaxed))
            break;
    }
    G *g = batch[--n];
    for (uint32_t i = 0; i < n; i++)
        runqput(p, batch[i], false);
    return g;
}

/* ---- idle lists (sched.lock) ------------------------------------------- */

static void pidleput_locked(P *p)
{
    p->status = P_IDLE;
    STORE_RELEASE(p->m, NULL);
    p->link = sched.pidle;
    sched.pidle = p;
    atomic_fetch_add(&sched.npidle, 1);
}

static P *pidleget_locked(void)
{
    P *p = sched.pidle;
    if (p) {
        sched.pidle = p->link;
        atomic_fetch_sub(&sched.npidle, 1);
        p->status = P_RUNNING;
    }
    return p;
}

static void midleput_locked(M *m)
{
    m->link = sched.midle;
    sched.midle = m;
}

static M *midleget_locked(void)
{
    M *m = sched.midle;
    if (m)
        sched.midle = m->link;
    return m;
}

static void *mstart(void *arg);

/* A detached OS thread running fn(arg) (Ms and the monitor live as long
 * as the process). */
static bool start_thread(void *(*fn)(void *), void *arg)
{
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    signal_thread_attr(&attr); /* whoever starts it: the signal thread may */
    bool ok = pthread_create(&th, &attr, fn, arg) == 0;
    pthread_attr_destroy(&attr);
    return ok;
}

static void *sysmon(void *arg);

/* Whether the monitor thread has been started (it is never stopped). */
static _Atomic bool sysmon_started;

/* Start the monitor if it is not running yet. It starts with the first
 * goroutine besides runtime.main's or the first timer (or at start-up
 * when tracing, for its samples): before either, it has nothing to do (no
 * other G to preempt or to hand a blocked call's P to, no timer to run,
 * no spare stack to scavenge), and a script that never says go or sleeps
 * does not pay for its thread. A caller that loses the race goes on at
 * once: the monitor runs the timers first thing when it starts. */
static void sysmon_ensure(void)
{
    if (atomic_load_explicit(&sysmon_started, memory_order_relaxed) || atomic_exchange(&sysmon_started, true))
        return;
    if (!start_thread(sysmon, NULL))
        csp_fatal("runtime: cannot start the monitor thread");
}

/* sched.lock held, which this releases: a new OS thread running p. */
static void newm_locked(P *p, bool spinning)
{
    M *m = mem_malloc(sizeof *m);
    memset(m, 0, sizeof *m);
    m->id = sched.nm++;
    STORE_RELEASE(p->m, m);
    m->p = p;
    m->spinning = spinning;
    pthread_mutex_unlock(&sched.lock);
    if (!start_thread(mstart, m))
        csp_fatal("runtime: failed to create new OS thread (have %d already)", sched.nm);
}

/* Start an M (idle or new) on an idle P, spinning. */
static void startm_spinning(void)
{
    pthread_mutex_lock(&sched.lock);
    P *p = pidleget_locked();
    if (!p) {
        pthread_mutex_unlock(&sched.lock);
        atomic_fetch_sub(&sched.nmspinning, 1);
        return;
    }
    M *m = midleget_locked();
    if (!m && sched.nm >= MAX_MS) {
        pidleput_locked(p);
        pthread_mutex_unlock(&sched.lock);
        atomic_fetch_sub(&sched.nmspinning, 1);
        return;
    }
    if (m) {
        STORE_RELEASE(p->m, m);
        m->p = p;
        m->spinning = true;
        pthread_mutex_unlock(&sched.lock);
        note_wakeup(m);
        return;
    }
    newm_locked(p, true);
}

/* There is new work: wake an idle M if a P is idle and nobody is already
 * looking for work. */
static void wakep(void)
{
    if (atomic_load(&sched.npidle) == 0)
        return;
    int zero = 0;
    if (!atomic_compare_exchange_strong(&sched.nmspinning, &zero, 1))
        return;
    startm_spinning();
}

static void resetspinning(M *m)
{
    if (!m->spinning)
        return;
    m->spinning = false;
    if (atomic_fetch_sub(&sched.nmspinning, 1) == 1)
        wakep(); /* we were the last spinner: keep the wake-up chain going */
}

/* Make the Gs that netpoll returned runnable (n of them, linked through
 * schedlink): on p's local queue when p is this M's own, else on the
 * global queue; then let an idle P's M help. They stop counting as
 * network waiters only once queued (netpoll.h). */
static void injectglist(G *list, int n, P *p)
{
    if (!list)
        return;
    if (!p)
        pthread_mutex_lock(&sched.lock);
    while (list) {
        G *g = list;
        list = g->schedlink;
        atomic_store(&g->status, G_RUNNABLE);
        if (p)
            runqput(p, g, false);
        else
            globrunqput_locked(g);
    }
    if (!p)
        pthread_mutex_unlock(&sched.lock);
    netpoll_done(n);
    wakep();
}

/* Take the first G of a netpoll list to run here, the rest to p's queue. */
static G *netpoll_take(G *list, int n, P *p)
{
    G *g = list;
    injectglist(g->schedlink, n - 1, p);
    atomic_store(&g->status, G_RUNNABLE);
    netpoll_done(1); /* p is running: no deadlock check can pass meanwhile */
    return g;
}

/* ---- the scheduling loop (g0) ----------------------------------------- */

static int nprocs_active(void)
{
    return atomic_load(&sched.gomaxprocs);
}

/* sched.lock held, P released. */
static void check_deadlock_locked(void)
{
    if (sched.globq_head)
        return;
    /* Every P, not only those below GOMAXPROCS: a P beyond a lowered limit
     * still runs its goroutine until its M retires it. */
    for (int i = 0; i < MAXPROCS && sched.allp[i]; i++) {
        int st = atomic_load(&sched.allp[i]->status);
        if (st == P_RUNNING || st == P_SYSCALL)
            return;
    }
    if (atomic_load(&ntimers) || atomic_load(&nwakers) || atomic_load(&nexternal) || atomic_load(&nsyscall) ||
        netpoll_waiters() > 0)
        return;
    pthread_mutex_unlock(&sched.lock);
    if (!deadlock_handler)
        sched_deadlock();
    /* The REPL: report, and let it start a goroutine to go on with. */
    rt_flush(sched.rt);
    sched_deadlock_report(stderr);
    deadlock_handler();
    pthread_mutex_lock(&sched.lock);
}

static void gfpurge(P *p, bool locked);

/* A P beyond GOMAXPROCS: hand its queue and its dead Gs to the global lists. */
static void retire_p(P *p)
{
    G *g;
    G *batch[RUNQ_SIZE + 1];
    int n = 0;
    while ((g = runqget(p, NULL)) != NULL)
        batch[n++] = g;
    pthread_mutex_lock(&sched.lock);
    for (int i = 0; i < n; i++)
        globrunqput_locked(batch[i]);
    gfpurge(p, true);
    p->status = P_DEAD;
    STORE_RELEASE(p->m, NULL);
    pthread_mutex_unlock(&sched.lock);
}

/* Now and then the global queue goes before p's own, so it cannot starve
 * behind a busy local queue (every 61st schedule, as in Go). */
static inline bool globq_turn(P *p)
{
    return atomic_load_explicit(&p->schedtick, memory_order_relaxed) % 61 == 0 &&
           atomic_load(&sched.globq_n) > 0;
}

static G *findrunnable(M *m)
{
    for (;;) {
        P *p = m->p;
        if (p && p->id >= nprocs_active()) {
            retire_p(p);
            m->p = p = NULL;
        }
        if (p) {
            G *g;
            if (globq_turn(p)) {
                pthread_mutex_lock(&sched.lock);
                g = globrunqget_locked();
                pthread_mutex_unlock(&sched.lock);
                if (g)
                    return g;
            }
            if ((g = runqget(p, &m->inherit_time)))
                return g;
            if (atomic_load(&sched.globq_n) > 0) {
                pthread_mutex_lock(&sched.lock);
                g = globrunqget_batch_locked(p);
                pthread_mutex_unlock(&sched.lock);
                if (g)
                    return g;
            }
            /* The network, without blocking (Go's findrunnable does this
             * before stealing: a readied reader runs here at once). */
            if (netpoll_waiters() > 0 && atomic_load(&lastpoll) != 0) {
                int n;
                G *list = netpoll(0, &n);
                if (list)
                    return netpoll_take(list, n, p);
            }
            /* Steal. */
            int np = nprocs_active();
            if (np > 1) {
                if (!m->spinning) {
                    m->spinning = true;
                    atomic_fetch_add(&sched.nmspinning, 1);
                }
                for (int round = 0; round < 4; round++) {
                    int start = rand() % np;
                    for (int i = 0; i < np; i++) {
                        P *p2 = sched.allp[(start + i) % np];
                        if (!p2 || p2 == p || p2->status == P_DEAD)
                            continue;
                        if ((g = runqsteal(p, p2, round == 3)))
                            return g;
                    }
                }
            }
            /* Nothing: give up the P. */
            pthread_mutex_lock(&sched.lock);
            if ((g = globrunqget_batch_locked(p))) {
                pthread_mutex_unlock(&sched.lock);
                return g;
            }
            pidleput_locked(p);
            m->p = NULL;
            pthread_mutex_unlock(&sched.lock);
        }
        bool was_spinning = m->spinning;
        if (m->spinning) {
            m->spinning = false;
            atomic_fetch_sub(&sched.nmspinning, 1);
        }
        /* Work may have appeared while we spun down (Go's re-check). */
        pthread_mutex_lock(&sched.lock);
        if (was_spinning || sched.globq_head) {
            bool work = sched.globq_head != NULL;
            for (int i = 0; !work && i < nprocs_active(); i++)
                if (sched.allp[i] && !runqempty(sched.allp[i]))
                    work = true;
            if (work) {
                P *p2 = pidleget_locked();
                if (p2) {
                    STORE_RELEASE(p2->m, m);
                    m->p = p2;
                    m->spinning = true;
                    atomic_fetch_add(&sched.nmspinning, 1);
                    pthread_mutex_unlock(&sched.lock);
                    continue;
                }
            }
        }
        /* Goroutines wait on the network: rather than sleep, this M
         * blocks in the poller, unless another M already does. */
        if (netpoll_waiters() > 0 && atomic_exchange(&lastpoll, 0) != 0) {
            pthread_mutex_unlock(&sched.lock);
            int n;
            G *list = netpoll(-1, &n);
            atomic_store(&lastpoll, sched_nanotime());
            if (list) {
                pthread_mutex_lock(&sched.lock);
                P *p2 = pidleget_locked();
                if (p2) {
                    STORE_RELEASE(p2->m, m);
                    m->p = p2;
                }
                pthread_mutex_unlock(&sched.lock);
                if (p2)
                    return netpoll_take(list, n, p2);
                injectglist(list, n, NULL);
            }
            continue;
        }
        check_deadlock_locked();
        midleput_locked(m);
        pthread_mutex_unlock(&sched.lock);
        note_sleep(m); /* the waker handed us m->p */
    }
}

static void stack_restore(G *g);

/* Inside a switch (in_switch set): g becomes the G m runs. */
static inline void set_running(M *m, G *g)
{
    g->m = m;
    STORE_RELEASE(m->curg, g);
    atomic_store_explicit(&g->status, G_RUNNING, memory_order_relaxed);
}

static void execute(M *m, G *g)
{
    resetspinning(m);
    /* Before the switch, outside in_switch: the restore may wait for the
     * monitor, which may be allocating (and so collecting). */
    if (__builtin_expect(atomic_load(&g->stack_state) != STACK_ON, 0))
        stack_restore(g);
    /* A G readied into runnext (a channel partner) shares the time slice
     * of the G that readied it: a pair handing a value back and forth
     * never leaves the P's other goroutines to wait behind it, since the
     * tick stays still and the monitor preempts the pair after PREEMPT_NS
     * (Go's inheritTime). */
    if (!m->inherit_time)
        atomic_fetch_add_explicit(&m->p->schedtick, 1, memory_order_relaxed);
    m->inherit_time = false;
    enter_switch(m);
    set_running(m, g);
    ASAN_START(&m->g0_asan_fake, g->stack->lo, STACK_SIZE);
    TSAN_SWITCH(g->tsan_fiber);
    ctx_switch(&m->g0ctx, &g->ctx);
    /* Back on g0: the G switched out (its side set in_switch). */
    ASAN_FINISH(m->g0_asan_fake);
    leave_switch(m);
}

/* g has left its stack (switched out, its context saved): run the after
 * action it left in m, on g0 or on the G it switched to directly. */
static void run_after(M *m, G *g)
{
    /* Until the after action publishes the G (every park's waker finds
     * it only through what that action unlocks or commits), nothing
     * else runs it: its parkseq and wait_leakable are this switch's. */
    uint32_t seq = atomic_load_explicit(&g->parkseq, memory_order_relaxed);
    bool announced = g->wait_leakable;
    if (m->after_fn) {
        void (*fn)(void *) = m->after_fn;
        void *arg = m->after_arg;
        m->after_fn = NULL;
        m->after_arg = NULL; /* no stale pointer to what a G parked on (sched_find_leaks) */
        fn(arg);
    }
    /* The after action (which may have read its argument on the G's
     * stack) is over: from here the monitor may give the stack's pages
     * back. The G may be running again elsewhere by now; a late store
     * names an old park, which never matches parkseq again. A G that
     * left otherwise (yield, C call, exit) is not WAITING in park seq,
     * so the store is harmless there too. */
    if (announced)
        atomic_store_explicit(&g->quiet_seq, seq, memory_order_release);
}

static _Noreturn void schedule(M *m)
{
    for (;;) {
        G *g = m->resume;
        if (g)
            m->resume = NULL;
        else
            g = findrunnable(m);
        execute(m, g);
        /* The G that switched back to g0: g itself, or a G g (or its
         * successors) switched to directly (park_direct). */
        run_after(m, m->lastg);
    }
}

/* ---- direct switches ----------------------------------------------------
 * A G that parks while its P's runnext holds a runnable G (the partner of
 * a channel hand-off, just readied) switches straight to it rather than
 * through g0: one context switch instead of two, and no pass through the
 * scheduling loop. It is what execute() would run next anyway (runqget
 * takes runnext first, on the same time slice), so the order of who runs
 * is the same as through g0; the checks execute() and findrunnable make
 * first (a retired P, the global queue's turn, a stack to restore) send it
 * the long way instead.
 *
 * The parking G's after action (which publishes it to wakers, e.g. by
 * unlocking a channel) must run only once its context is saved, as it does
 * on g0: the G switched to runs it first thing (direct_after), at each
 * place a G resumes (switch_to_g0's return, g_entry, park_direct's
 * return). The collector sees the same states as through g0: the switch
 * runs inside in_switch (1), the parking G has no M and its sp saved, the
 * running G is curg, and g0 stays suspended in execute() where it was. */

/* Run the after action the G that switched straight to this one left. */
static inline void direct_after(M *m)
{
    G *prev = m->direct_from;
    if (__builtin_expect(!prev, 1))
        return; /* through g0: schedule ran the action already */
    m->direct_from = NULL;
    run_after(m, prev);
}

static void commit_after(void *arg);

/* On G g parking (WAITING, after action in m): take the runnext G to
 * switch to directly, or NULL to go through g0. */
static G *direct_next(M *m)
{
    P *p = m->p;
    if (TRACE_ON() || !p)
        return NULL; /* the tracer records the switch through g0 */
    G *next = atomic_load_explicit(&p->runnext, memory_order_relaxed);
    if (!next)
        return NULL;
    /* commit_after may hand the G back through m->resume, and a C call
     * returning uses it too: only one can be pending. */
    if (m->after_fn == commit_after || m->resume)
        return NULL;
    /* findrunnable's first checks: a P past a lowered GOMAXPROCS retires,
     * and now and then the global queue goes first. */
    if (p->id >= nprocs_active())
        return NULL;
    if (globq_turn(p))
        return NULL;
    if (!atomic_compare_exchange_strong(&p->runnext, &next, NULL))
        return NULL; /* stolen */
    /* The load execute() makes before it switches (see "Why the G can
     * never run on a stack being saved"): a stack saved or being saved is
     * restored by execute() on g0, which runs next this G. */
    if (atomic_load(&next->stack_state) != STACK_ON) {
        m->resume = next;
        m->inherit_time = true;
        return NULL;
    }
    return next;
}

/* Switch from g (parking) to next on this M. Returns when g is resumed. */
static void park_direct(M *m, G *g, G *next)
{
    enter_switch(m);
    m->direct_from = g;
    g->m = NULL;
    set_running(m, next);
    ASAN_START(&g->asan_fake, next->stack->lo, STACK_SIZE);
    TSAN_SWITCH(next->tsan_fiber);
    ctx_switch(&g->ctx, &next->ctx);
    /* Resumed, perhaps on another M, by either kind of switch. */
    ASAN_FINISH(g->asan_fake);
    leave_switch(getm());
    direct_after(getm());
}

/* On a G: switch to this M's g0. Returns when the G is resumed (perhaps on
 * another M). */
static void switch_to_g0(G *g)
{
    /* Why the G leaves (its status, its wait reason) goes in the trace
     * now, before the after action can make the G visible to a waker. */
    if (TRACE_ON())
        trace_go_stop(g);
    M *m = getm();
    enter_switch(m);
    m->lastg = g;
    STORE_RELEASE(m->curg, NULL);
    g->m = NULL;
    /* A dead G's fake stack (ASan) is dropped: it never resumes. */
    ASAN_START(atomic_load(&g->status) == G_DEAD ? NULL : &g->asan_fake, m->g0_lo, m->g0_size);
    TSAN_SWITCH(m->g0_tsan_fiber);
    ctx_switch(&g->ctx, &m->g0ctx);
    ASAN_FINISH(g->asan_fake);
    leave_switch(getm());
    direct_after(getm());
    if (TRACE_ON()) /* resumed, perhaps on another M */
        trace_go_start(g, getm()->p->id);
}

/* Record the calling thread's own stack (g0) for the sanitizer hooks. */
static void m_init_g0(M *m)
{
    /* Only ASan's switch hook wants the extent, and asking costs the main
     * thread a read and parse of /proc/self/maps (glibc finds the main
     * stack's size there): a fifth of an empty script's start-up. */
    if (CSP_ASAN) {
        pthread_attr_t attr;
        void *lo = NULL;
        size_t size = 0;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            pthread_attr_getstack(&attr, &lo, &size);
            pthread_attr_destroy(&attr);
        }
        m->g0_lo = lo;
        m->g0_size = size;
    }
    m->g0_tsan_fiber = TSAN_CURRENT_FIBER();
    signal_thread_init();
}

static void *mstart(void *arg)
{
    M *m = arg;
    tls_m = m;
    struct GC_stack_base sb;
    m->gc_handle = GC_get_my_stackbottom(&sb);
    m->g0_top = sb.mem_base;
    m_init_g0(m);
    /* Publish only once the GC fields are set: push_roots reads them. */
    M *head = atomic_load(&allm);
    do
        atomic_store(&m->alllink, head);
    while (!atomic_compare_exchange_weak(&allm, &head, m));
    schedule(m);
}

/* ---- goroutines -------------------------------------------------------- */

/* The global free lists hold batches: chains of Gs linked by schedlink,
 * whose first G holds the link to the next batch (batchlink) and the
 * chain's length (batchlen). A P gives or takes a whole batch in a few
 * stores under sched.lock, never walking Gs whose records may be cold in
 * this CPU's cache while other Ms wait for the lock. */

/* sched.lock held: push the chain head (n Gs) as a batch on *list. */
static void gfbatch_push_locked(G **list, G *head, int n)
{
    head->batchlink = *list;
    head->batchlen = n;
    *list = head;
    atomic_store_explicit(&sched.ngfree, atomic_load_explicit(&sched.ngfree, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* The chain (ending in NULL) split into the Gs that kept their stacks and
 * those without (the monitor took it, or it went back to the kernel as
 * the G ended): the caller owns the chain, so no lock. */
typedef struct {
    G *with, *without;
    int nwith, nwithout;
} GSplit;

static GSplit gfsplit(G *chain)
{
    GSplit sp = {0};
    for (G *g = chain, *next; g; g = next) {
        next = g->schedlink;
        if (g->stack) {
            g->schedlink = sp.with;
            sp.with = g;
            sp.nwith++;
        } else {
            g->schedlink = sp.without;
            sp.without = g;
            sp.nwithout++;
        }
    }
    return sp;
}

/* sched.lock held: put a split chain on the global free lists, each G
 * with its stack if it has one (the monitor takes the stacks of those
 * that stay unused: gfree_scavenge). */
static void gfput_global_locked(GSplit sp)
{
    if (sp.with) {
        gfbatch_push_locked(&sched.gfree, sp.with, sp.nwith);
        sched.ngfree_stacks += sp.nwith;
    }
    if (sp.without)
        gfbatch_push_locked(&sched.gfree_nostack, sp.without, sp.nwithout);
}

/* p's owner, or sched.lock held for an idle P (locked): move all of p's
 * dead Gs to the global list, as when the P is retired. */
static void gfpurge(P *p, bool locked)
{
    if (!p->gfree)
        return;
    GSplit sp = gfsplit(p->gfree);
    if (!locked)
        pthread_mutex_lock(&sched.lock);
    gfput_global_locked(sp);
    if (!locked)
        pthread_mutex_unlock(&sched.lock);
    p->gfree = NULL;
    p->ngfree = 0;
}

/* The monitor, every SCAVENGE_NS: the dead Gs on the global list that
 * kept their stacks through the whole period, beyond GFREE_KEEP_STACKS,
 * give their stacks back (pages to the kernel, address ranges to the
 * pool's cold list); the G records stay, on the stackless list. A burst
 * of goroutines followed by another reuses warm stacks; an idle
 * program's memory goes back. Batches keep sched.lock short. */
static void gfree_scavenge(void)
{
    pthread_mutex_lock(&sched.lock);
    int idle = sched.ngfree_stacks_low - GFREE_KEEP_STACKS;
    pthread_mutex_unlock(&sched.lock);
    /* The stacks are collected (they are the monitor's alone once their
     * G is off the list) and given back many at a time: stack_put_cold
     * sorts them and gives adjacent ones back in one madvise. */
    Stack *stacks[1024];
    int k = 0;
    while (idle > 0) {
        pthread_mutex_lock(&sched.lock);
        G *head = sched.gfree;
        int n = 0;
        if (head) {
            sched.gfree = head->batchlink;
            n = head->batchlen;
            sched.ngfree_stacks -= n;
            atomic_store_explicit(&sched.ngfree,
                                  atomic_load_explicit(&sched.ngfree, memory_order_relaxed) - n,
                                  memory_order_relaxed);
        }
        pthread_mutex_unlock(&sched.lock);
        if (!head)
            break;
        for (G *g = head; g; g = g->schedlink) {
            if (k == (int)(sizeof stacks / sizeof stacks[0])) {
                stack_put_cold(stacks, k);
                k = 0;
            }
            stacks[k++] = g->stack;
            g->stack = NULL;
        }
        pthread_mutex_lock(&sched.lock);
        gfbatch_push_locked(&sched.gfree_nostack, head, n);
        pthread_mutex_unlock(&sched.lock);
        idle -= n;
    }
    stack_put_cold(stacks, k);
    pthread_mutex_lock(&sched.lock);
    sched.ngfree_stacks_low = sched.ngfree_stacks;
    pthread_mutex_unlock(&sched.lock);
}

/* On g0, the dead G has left its stack: make it free for reuse. */
static void gfput_after(void *arg)
{
    G *g = arg;
    M *m = getm();
    /* Reset the interpreter state now, on the CPU that just used it
     * (the next go statement may run on another), and so that what the
     * ended goroutine left on its value stack is garbage at once rather
     * than when the G is reused. Nobody else uses a dead G's Thread. */
    thread_reset(g->vm);
    atomic_store(&g->status, G_IDLE);
    if (g->restored) {
        /* Its pages were given back once already and faulted in again:
         * give them back now (in batches) rather than keep them warm. */
        g->restored = false;
        m->cold[m->ncold++] = g->stack;
        g->stack = NULL; /* galloc takes a fresh one from the pool */
        if (m->ncold == (int)(sizeof m->cold / sizeof m->cold[0])) {
            stack_put_cold(m->cold, m->ncold);
            m->ncold = 0;
        }
    }
    /* The M still holds the P the G ran on: its own list needs no lock. */
    P *p = m->p;
    g->schedlink = p->gfree;
    p->gfree = g;
    if (++p->ngfree < GFREE_LOCAL_MAX)
        return;
    /* Too many: a batch goes to the global list, where other Ps find it
     * (one P may only end goroutines that another one starts). */
    G *head = p->gfree, *tail = head;
    for (int i = 1; i < GFREE_BATCH; i++)
        tail = tail->schedlink;
    p->gfree = tail->schedlink;
    p->ngfree -= GFREE_BATCH;
    tail->schedlink = NULL;
    GSplit sp = gfsplit(head);
    pthread_mutex_lock(&sched.lock);
    gfput_global_locked(sp);
    pthread_mutex_unlock(&sched.lock);
}

static void g_entry(void *arg)
{
    G *g = arg;
    ASAN_FINISH(NULL);
    leave_switch(getm());
    direct_after(getm());
    if (TRACE_ON())
        trace_go_start(g, getm()->p->id);
    Thread *t = g->vm;
    int n = vm_call(t, g->fn, g->args, g->nargs);
    if (n < 0 && t->panicking) {
        if (!goroutine_panics_survive)
            vm_die_of_panic(t);
        vm_print_panic(t);
        vm_clear_panic(t); /* the REPL: this goroutine ends, the session goes on */
    }
    sched_end_goroutine();
}

_Noreturn void sched_end_goroutine(void)
{
    G *g = sched_getg();
    if (!g)
        csp_fatal("sched_end_goroutine: not on a goroutine");
    atomic_fetch_sub(&ngoroutines, 1);
    race_goexit(g->vm);
    atomic_store(&g->status, G_DEAD);
    g->fn = V_NIL;
    g->args = NULL;
    M *m = getm();
    m->after_fn = gfput_after;
    m->after_arg = g;
    switch_to_g0(g); /* the stack is left as it is; its next G starts afresh */
    csp_fatal("g_entry: dead goroutine resumed");
}

static void allg_add(G *g)
{
    pthread_mutex_lock(&allg_lock);
    size_t n = atomic_load(&allglen);
    G **gs = atomic_load(&allgs);
    if (n == allgcap) {
        size_t cap = allgcap ? allgcap * 2 : 1024;
        /* Plain malloc: G records are uncollectable, so the array need not
         * be scanned; old arrays are kept (3). */
        G **ngs = mem_malloc(mem_size(cap, sizeof *ngs, 0));
        if (n)
            memcpy(ngs, gs, n * sizeof *ngs);
        atomic_store_explicit(&allgs, ngs, memory_order_release);
        allgcap = cap;
        gs = ngs;
    }
    gs[n] = g;
    atomic_store_explicit(&allglen, n + 1, memory_order_release); /* (3) */
    pthread_mutex_unlock(&allg_lock);
}

/* sched.lock held: take a batch off the global free lists, one whose Gs
 * kept their stacks first; or NULL. *n: its length. */
static G *gfget_batch_locked(int *n)
{
    G *head = sched.gfree;
    if (head) {
        sched.gfree = head->batchlink;
        sched.ngfree_stacks -= head->batchlen;
        if (sched.ngfree_stacks < sched.ngfree_stacks_low)
            sched.ngfree_stacks_low = sched.ngfree_stacks;
    } else if ((head = sched.gfree_nostack) != NULL) {
        sched.gfree_nostack = head->batchlink;
    } else {
        return NULL;
    }
    *n = head->batchlen;
    atomic_store_explicit(&sched.ngfree, atomic_load_explicit(&sched.ngfree, memory_order_relaxed) - *n,
                          memory_order_relaxed);
    return head;
}

/* sched.lock held: take one G off the global free lists (for a caller
 * without a P); the rest of its batch goes back. */
static G *gfget_global_locked(void)
{
    int n;
    G *g = gfget_batch_locked(&n);
    if (g && n > 1)
        gfput_global_locked(gfsplit(g->schedlink));
    return g;
}

/* A free G with a stack: from p's own list (p: the caller's P, or NULL),
 * refilled from the global list a batch at a time, else a new one. */
static G *galloc(P *p)
{
    G *g = NULL;
    if (p) {
        if (!p->gfree && atomic_load_explicit(&sched.ngfree, memory_order_relaxed) > 0) {
            int n = 0;
            pthread_mutex_lock(&sched.lock);
            p->gfree = gfget_batch_locked(&n);
            pthread_mutex_unlock(&sched.lock);
            p->ngfree = n;
        }
        if ((g = p->gfree) != NULL) {
            p->gfree = g->schedlink;
            p->ngfree--;
            if (p->gfree) {
                prefetch_g(p->gfree, true);
                prefetch_g_record(p->gfree->schedlink);
            }
        }
    } else {
        pthread_mutex_lock(&sched.lock);
        g = gfget_global_locked();
        pthread_mutex_unlock(&sched.lock);
    }
    if (g) {
        g->schedlink = NULL;
        if (!g->stack)
            g->stack = stack_get();
        return g;
    }
    /* Uncollectable: G records are roots (they point at the Thread and the
     * start call) and are recycled, never freed. */
    g = mem_alloc_uncollectable(sizeof *g);
    g->stack = stack_get();
    g->tsan_fiber = TSAN_NEW_FIBER();
    g->vm = thread_new(sched.rt);
    atomic_store(&g->status, G_IDLE);
    allg_add(g);
    return g;
}

static G *go_common(Thread *parent, const RaceClock *from, Value fn, const Value *args, int nargs, bool wake);

G *sched_go(Thread *parent, Value fn, const Value *args, int nargs)
{
    return go_common(parent, NULL, fn, args, nargs, true);
}

G *sched_go_after(const RaceClock *from, Value fn, const Value *args, int nargs)
{
    return go_common(NULL, from, fn, args, nargs, true);
}

/* wake: let an idle P's M run the new G (false only for runtime.main's G,
 * which m0 runs next). */
static G *go_common(Thread *parent, const RaceClock *from, Value fn, const Value *args, int nargs, bool wake)
{
#ifdef CSP_FUZZ
    __atomic_add_fetch(&csp_fuzz_steps, CSP_FUZZ_GO_COST, __ATOMIC_RELAXED);
#endif
    M *m = getm();
    P *p = m ? m->p : NULL;
    G *g = galloc(p);
    /* The Thread was reset when its last goroutine ended (gfput_after);
     * only the flags other threads may have set on a stale pointer to it
     * since (the monitor's preemption, the REPL's Ctrl-C) are cleared. */
    __atomic_store_n(&g->vm->preempt, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&g->vm->interrupt, 0, __ATOMIC_RELAXED);
    g->vm->c_stack_limit = g->stack->lo; /* native re-entry stops short of it */
    g->fn = fn;
    g->nargs = nargs;
    g->args = NULL;
    if (nargs) {
        g->args = mem_alloc(mem_size((size_t)nargs, sizeof(Value), 0));
        memcpy(g->args, args, sizeof(Value) * (size_t)nargs);
    }
    g->id = atomic_fetch_add(&goidgen, 1) + 1;
    g->vm->id = g->id;
    vm_site(parent, &g->created_proto, &g->created_pc);
    g->created_by = parent ? parent->id : 0;
    g->vm->sched = g;
    g->waitreason = NULL;
    g->param = NULL;
    g->m = NULL;
    if (RACE_ON())
        race_go(parent, g->vm, from); /* the go statement happens before the goroutine's first step */
    ctx_make(&g->ctx, g->stack->hi, g_entry, g);
    atomic_fetch_add(&ngoroutines, 1);
    if (TRACE_ON())
        trace_go_create(g, fn);
    atomic_store(&g->status, G_RUNNABLE);
    if (p)
        runqput(p, g, true);
    else {
        pthread_mutex_lock(&sched.lock);
        globrunqput_locked(g);
        pthread_mutex_unlock(&sched.lock);
    }
    (void)parent;
    if (wake) {
        sysmon_ensure();
        wakep();
    }
    return g;
}

void sched_park(const char *reason, void (*unlockf)(void *), void *arg)
{
    G *g = sched_getg();
    if (!g)
        csp_fatal("sched_park: not on a goroutine");
    M *m = getm();
    g->waitreason = reason;
    /* Only a wait announced by sched_wait_on can be for ever: a sleep or
     * a network wait ends from outside. */
    g->wait_leakable = g->wait_announced;
    g->wait_announced = false;
    /* Published by the WAITING store below (seq_cst, so release). Only an
     * announced wait (a channel, select, a sync primitive) may have its
     * stack given back: nothing outside the G points into its stack while
     * it waits there (its sudog is in the G record or on the heap), and
     * only sched_ready (a CAS) ends it. A sleep's timer and a network
     * wait's state live on the stack, and netpoll stores RUNNABLE. */
    atomic_store_explicit(&g->parkseq, atomic_load_explicit(&g->parkseq, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store(&g->status, G_WAITING);
    m->after_fn = unlockf;
    m->after_arg = arg;
    G *next = direct_next(m);
    if (next)
        park_direct(m, g, next);
    else
        switch_to_g0(g);
}

typedef struct ParkCommit {
    bool (*commit)(G *g, void *arg);
    void *arg;
    G *g;
} ParkCommit;

/* On g0 after the G left: publish it through commit, or run it again. */
static void commit_after(void *arg)
{
    ParkCommit *pc = arg; /* on the G's stack: valid until commit publishes the G */
    G *g = pc->g;
    if (pc->commit(g, pc->arg))
        return; /* from here on a waker may already be running it */
    if (TRACE_ON())
        trace_go_unblock(g);
    atomic_store(&g->status, G_RUNNABLE);
    getm()->resume = g; /* this M still holds its P */
}

void sched_park_commit(const char *reason, bool (*commit)(G *g, void *arg), void *arg)
{
    ParkCommit pc = {commit, arg, sched_getg()};
    sched_park(reason, commit_after, &pc);
}

void sched_ready(G *g)
{
    int st = G_WAITING;
    if (!atomic_compare_exchange_strong(&g->status, &st, G_RUNNABLE))
        csp_fatal("sched_ready: goroutine %lld is not waiting (status %d)", (long long)g->id, st);
    if (TRACE_ON())
        trace_go_unblock(g);
    M *m = getm();
    if (m && m->p && m->curg)
        runqput(m->p, g, true);
    else {
        pthread_mutex_lock(&sched.lock);
        globrunqput_locked(g);
        pthread_mutex_unlock(&sched.lock);
    }
    wakep();
}

static void yield_after(void *arg)
{
    pthread_mutex_lock(&sched.lock);
    globrunqput_locked(arg);
    pthread_mutex_unlock(&sched.lock);
}

void sched_gosched(void)
{
    G *g = sched_getg();
    if (!g)
        return;
    M *m = getm();
    atomic_store(&g->status, G_RUNNABLE);
    m->after_fn = yield_after;
    m->after_arg = g;
    switch_to_g0(g);
}

int64_t sched_num_goroutine(void)
{
    return atomic_load(&ngoroutines);
}

/* ---- C calls on g0 (sched_syscall) ------------------------------------
 * The G switches to g0 as if it parked, with an after action (ccall_on_g0)
 * that marks the P as in a blocking call, makes the call on g0's stack,
 * takes a P back and resumes the G on this same M through m->resume. While
 * the G is G_SYSCALL with no M, the collector scans its stack from its
 * saved sp like any suspended G's, and this M's stack from g0's bottom. */

typedef struct CCall {
    void (*fn)(void *);
    void *arg;
    bool gc_blocked; /* run under GC_do_blocking */
    G *g;
} CCall;

/* m holds a P: mark it as in a blocking call (5). */
static void enter_blocking(M *m)
{
    P *p = m->p;
    atomic_fetch_add(&nsyscall, 1);
    atomic_store_explicit(&p->syscall_when, sched_nanotime(), memory_order_relaxed);
    m->oldp = p;
    m->p = NULL;
    atomic_store(&p->status, P_SYSCALL); /* (5) */
    /* A monitor in its long sleep would see this call only after up to
     * 5 ms: wake it, but at most once per SYSMON_WAKE_NS, so a loop of
     * short calls (getpid) does not pay a wake-up each. */
    if (atomic_load(&sysmon_idle)) {
        int64_t now = atomic_load_explicit(&p->syscall_when, memory_order_relaxed);
        int64_t last = atomic_load_explicit(&sysmon_woken, memory_order_relaxed);
        if (now - last >= SYSMON_WAKE_NS && atomic_compare_exchange_strong(&sysmon_woken, &last, now)) {
            pthread_mutex_lock(&timer_lock);
            pthread_cond_signal(&sysmon_cond);
            pthread_mutex_unlock(&timer_lock);
        }
    }
}

/* Back from the call: take the old P if the monitor left it, else any idle
 * P. Returns false when there is none (nsyscall is then still counted: the
 * caller queues the G first). */
static bool exit_blocking(M *m)
{
    P *p = m->oldp;
    m->oldp = NULL;
    int st = P_SYSCALL;
    if (atomic_compare_exchange_strong(&p->status, &st, P_RUNNING)) { /* fast path: ours again */
        m->p = p;
        atomic_fetch_sub(&nsyscall, 1);
        return true;
    }
    pthread_mutex_lock(&sched.lock);
    P *np = pidleget_locked();
    if (np) {
        STORE_RELEASE(np->m, m);
        m->p = np;
        atomic_fetch_sub(&nsyscall, 1);
    }
    pthread_mutex_unlock(&sched.lock);
    return np != NULL;
}

static void *blocking_trampoline(void *arg)
{
    CCall *c = arg;
    c->fn(c->arg);
    return NULL;
}

/* On g0, after the G left (its status is G_SYSCALL). */
static void ccall_on_g0(void *arg)
{
    CCall *c = arg; /* on the G's stack, which stays put until it resumes */
    G *g = c->g;
    M *m = getm();
    enter_blocking(m);
    m->ccall_g = g;
    m->ccall_gc_blocked = c->gc_blocked;
    if (c->gc_blocked)
        /* Marked blocked, the thread is not signalled by the collector's
         * stop-the-world (its stack is scanned from here). */
        GC_do_blocking(blocking_trampoline, c);
    else
        c->fn(c->arg);
    m->ccall_g = NULL;
    if (TRACE_ON())
        trace_go_syscall_end(g);
    if (exit_blocking(m)) {
        m->resume = g;
        return;
    }
    /* No P to run on: queue the G and let this M go idle. */
    atomic_store(&g->status, G_RUNNABLE);
    pthread_mutex_lock(&sched.lock);
    globrunqput_locked(g);
    atomic_fetch_sub(&nsyscall, 1); /* after the queue has it: (4) */
    pthread_mutex_unlock(&sched.lock);
    wakep();
}

static void ccall(void (*fn)(void *), void *arg, bool gc_blocked)
{
    G *g = sched_getg();
    M *m = g ? getm() : NULL;
    if (!m || !m->p) {
        /* Off a goroutine (or on the REPL's reader thread): nothing to
         * hand off, and this stack is the thread's own. */
        if (gc_blocked) {
            CCall c = {fn, arg, true, NULL};
            GC_do_blocking(blocking_trampoline, &c);
        } else {
            fn(arg);
        }
        return;
    }
    CCall c = {fn, arg, gc_blocked, g};
    atomic_store(&g->status, G_SYSCALL);
    m->after_fn = ccall_on_g0;
    m->after_arg = &c;
    switch_to_g0(g);
}

void sched_syscall(void (*fn)(void *), void *arg)
{
    ccall(fn, arg, false);
}

void sched_blocking_call(void (*fn)(void *), void *arg)
{
    ccall(fn, arg, true);
}

G *sched_ccall_g(bool *gc_blocked)
{
    M *m = tls_m;
    if (gc_blocked)
        *gc_blocked = m && m->ccall_gc_blocked;
    return m ? m->ccall_g : NULL;
}

void sched_external(int delta)
{
    /* The last outside source to let go checks for a deadlock that an M
     * skipped while it held on. */
    pthread_mutex_lock(&sched.lock);
    if (atomic_fetch_add(&nexternal, delta) + delta == 0 && delta < 0)
        check_deadlock_locked();
    pthread_mutex_unlock(&sched.lock);
}

bool sched_can_spin(int iter)
{
    if (iter >= 4)
        return false;
    /* Another P must be running a goroutine (perhaps the holder): Ps that
     * are idle or whose M is spinning for work are not. */
    int running = atomic_load_explicit(&sched.gomaxprocs, memory_order_relaxed) -
                  (int)atomic_load_explicit(&sched.npidle, memory_order_relaxed) -
                  (int)atomic_load_explicit(&sched.nmspinning, memory_order_relaxed);
    if (running <= 1)
        return false;
    M *m = getm();
    return m && m->p && runqempty(m->p);
}

int sched_gomaxprocs(int n)
{
    pthread_mutex_lock(&sched.lock);
    int old = atomic_load(&sched.gomaxprocs);
    if (n <= 0 || n == old) {
        pthread_mutex_unlock(&sched.lock);
        return old;
    }
    if (n > MAXPROCS)
        n = MAXPROCS;
    if (n > old) {
        for (int i = old; i < n; i++) {
            P *p = sched.allp[i];
            if (!p) {
                p = mem_alloc_uncollectable(sizeof *p);
                p->id = i;
                p->status = P_DEAD;
                sched.allp[i] = p;
            }
            /* A P still running or in a blocking call (its M has not
             * retired it yet) simply stays; a retired one becomes idle. */
            if (p->status == P_DEAD)
                pidleput_locked(p);
        }
        atomic_store(&sched.gomaxprocs, n);
    } else {
        atomic_store(&sched.gomaxprocs, n);
        /* Take retired Ps off the idle list; running ones retire at their
         * next schedule, which we hurry along. */
        P **pp = &sched.pidle;
        while (*pp) {
            if ((*pp)->id >= n) {
                gfpurge(*pp, true); /* idle: sched.lock guards its list */
                (*pp)->status = P_DEAD;
                *pp = (*pp)->link;
                atomic_fetch_sub(&sched.npidle, 1);
            } else {
                pp = &(*pp)->link;
            }
        }
        for (int i = n; i < old; i++) {
            P *p = sched.allp[i];
            M *pm = p ? LOAD_ACQUIRE(p->m) : NULL;
            G *pg = pm ? LOAD_ACQUIRE(pm->curg) : NULL;
            if (pg)
                __atomic_store_n(&pg->vm->preempt, 1, __ATOMIC_RELAXED);
        }
    }
    pthread_mutex_unlock(&sched.lock);
    wakep();
    G *g = sched_getg();
    if (g && getm()->p && getm()->p->id >= n)
        sched_gosched(); /* our own P is retired: move off it now */
    return old;
}

/* ---- timers (the monitor thread runs them) ----------------------------
 * Pending timers with a finite deadline sit in a binary min-heap on `when`,
 * under timer_lock; ntimers counts them (4). A timer at TIMER_NEVER stays
 * out of the heap (idx TIMER_PENDING_NEVER), so only the heap's timers can
 * wake anyone. Every `now + d` and `when + period` saturates there: an
 * overflow would put the deadline in the past and fire the timer at once,
 * or, for a ticker, again and again without end. */

/* A ticker that has fallen behind (its next tick already due) re-arms at
 * least this far ahead: about the kernel's default timer slack, the
 * shortest sleep the monitor gets anyway. Without a floor, a 1 ns ticker
 * would be due again before each pass ends and keep the monitor on a CPU
 * (and every preemption late). */
#define TIMER_MIN_REARM_NS 50000

static Timer **theap;          /* timer_lock */
static int theap_n, theap_cap; /* timer_lock */

/* a + b for b >= 0, TIMER_NEVER when the sum does not fit. */
static int64_t add_sat(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_add_overflow(a, b, &r) ? TIMER_NEVER : r;
}

int64_t timer_when(int64_t d)
{
    return add_sat(sched_nanotime(), d > 0 ? d : 0);
}

static void theap_swap(int i, int j)
{
    Timer *t = theap[i];
    theap[i] = theap[j];
    theap[j] = t;
    theap[i]->idx = i;
    theap[j]->idx = j;
}

static void theap_up(int i)
{
    while (i > 0) {
        int p = (i - 1) / 2;
        if (theap[p]->when <= theap[i]->when)
            break;
        theap_swap(i, p);
        i = p;
    }
}

static void theap_down(int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < theap_n && theap[l]->when < theap[m]->when)
            m = l;
        if (r < theap_n && theap[r]->when < theap[m]->when)
            m = r;
        if (m == i)
            return;
        theap_swap(i, m);
        i = m;
    }
}

/* timer_lock held; t is in the heap. Leaves it TIMER_IDLE. */
static void theap_remove(Timer *t)
{
    int i = t->idx, last = --theap_n;
    if (i < 0 || i > last || theap[i] != t)
        csp_fatal("timer: heap entry %d does not hold its timer", i);
    t->idx = TIMER_IDLE;
    if (i != last) {
        theap[i] = theap[last];
        theap[i]->idx = i;
        theap_down(i);
        theap_up(i);
    }
    atomic_fetch_sub(&ntimers, 1);
}

/* timer_lock held; t is idle. Makes it pending at t->when. */
static void timer_add_locked(Timer *t)
{
#ifdef CSP_FUZZ
    /* Fuzzed programs run in milliseconds: no timer waits longer than
     * CSP_FUZZ_TIMER_NS, so a sleep or ticker cannot outlast the budget. */
    enum { CSP_FUZZ_TIMER_NS = 2000000 };
    int64_t now = sched_nanotime();
    if (t->when > now + CSP_FUZZ_TIMER_NS)
        t->when = now + CSP_FUZZ_TIMER_NS;
    if (t->period > CSP_FUZZ_TIMER_NS)
        t->period = CSP_FUZZ_TIMER_NS;
#endif
    if (t->when == TIMER_NEVER) {
        t->idx = TIMER_PENDING_NEVER;
        return;
    }
    if (theap_n == theap_cap) {
        if (theap_cap > INT_MAX / 2) /* Timer.idx is an int */
            mem_out_of_memory();
        theap_cap = theap_cap ? theap_cap * 2 : 64;
        /* Uncollectable: the heap is how pending timers (and the channels
         * and goroutines they point at) stay alive. */
        Timer **nh = mem_alloc_uncollectable(mem_size((size_t)theap_cap, sizeof(Timer *), 0));
        if (theap_n)
            memcpy(nh, theap, sizeof(Timer *) * (size_t)theap_n);
        if (theap)
            GC_FREE(theap);
        theap = nh;
    }
    t->idx = theap_n;
    theap[theap_n++] = t;
    theap_up(t->idx);
    atomic_fetch_add(&ntimers, 1);
    if (t->idx == 0)
        pthread_cond_signal(&sysmon_cond);
}

/* timer_lock held. Returns whether t was pending; leaves it idle. */
static bool timer_del_locked(Timer *t)
{
    if (t->idx == TIMER_IDLE)
        return false;
    if (t->idx == TIMER_PENDING_NEVER)
        t->idx = TIMER_IDLE;
    else
        theap_remove(t);
    return true;
}

void timer_start(Timer *t)
{
    pthread_mutex_lock(&timer_lock);
    if (t->idx != TIMER_IDLE)
        csp_fatal("timer_start: the timer is already pending");
    timer_add_locked(t);
    pthread_mutex_unlock(&timer_lock);
    sysmon_ensure();
}

bool timer_stop(Timer *t)
{
    pthread_mutex_lock(&timer_lock);
    bool pending = timer_del_locked(t);
    pthread_mutex_unlock(&timer_lock);
    return pending;
}

bool timer_reset(Timer *t, int64_t when, int64_t period)
{
    pthread_mutex_lock(&timer_lock);
    bool pending = timer_del_locked(t);
    t->when = when;
    t->period = period;
    timer_add_locked(t);
    pthread_mutex_unlock(&timer_lock);
    sysmon_ensure();
    return pending;
}

static void sleep_ready(void *arg, int64_t now)
{
    (void)now;
    sched_ready(arg);
}

static void sleep_after(void *arg)
{
    timer_start(arg);
}

void sched_sleep(int64_t ns)
{
    G *g = sched_getg();
    if (ns <= 0) {
        sched_gosched();
        return;
    }
    Timer *t = mem_alloc(sizeof *t);
    t->when = timer_when(ns);
    t->period = 0;
    t->fn = sleep_ready;
    t->arg = g;
    t->idx = TIMER_IDLE;
    /* Start the timer only once we are parked (after the switch): it could
     * fire at once and ready a G that is still running. */
    sched_park("sleep", sleep_after, t);
}

/* Run the timers due at the start of the call; returns the next deadline
 * (or TIMER_NEVER). A ticker re-armed here lands after that moment, so
 * each pass runs each timer at most once and always ends. */
static int64_t run_timers(void)
{
    int64_t now = sched_nanotime();
    for (;;) {
        pthread_mutex_lock(&timer_lock);
        if (theap_n == 0 || theap[0]->when > now) {
            int64_t next = theap_n ? theap[0]->when : TIMER_NEVER;
            pthread_mutex_unlock(&timer_lock);
            return next;
        }
        Timer *t = theap[0];
        atomic_fetch_add(&nwakers, 1); /* (4): before it leaves the heap */
        if (t->period > 0) {
            int64_t next = add_sat(t->when, t->period);
            if (next <= now) /* behind: skip the missed ticks, as Go does */
                next = add_sat(now, t->period > TIMER_MIN_REARM_NS ? t->period : TIMER_MIN_REARM_NS);
            theap_remove(t);
            t->when = next;
            timer_add_locked(t); /* TIMER_NEVER leaves the heap for good */
        } else {
            theap_remove(t);
        }
        pthread_mutex_unlock(&timer_lock);
#ifdef CSP_FUZZ
        __atomic_add_fetch(&csp_fuzz_steps, CSP_FUZZ_TIMER_COST, __ATOMIC_RELAXED);
#endif
        t->fn(t->arg, now);
        /* (4): the G it woke may already have run and parked again, and
         * the M that saw it park skipped the check because of us: the
         * last waker out checks for it. */
        pthread_mutex_lock(&sched.lock);
        if (atomic_fetch_sub(&nwakers, 1) == 1)
            check_deadlock_locked();
        pthread_mutex_unlock(&sched.lock);
    }
}

/* Mark Gs that have held their P for over PREEMPT_NS. */
static void preempt_long_runners(int64_t now)
{
    int np = nprocs_active();
    for (int i = 0; i < np; i++) {
        P *p = sched.allp[i];
        if (!p || p->status != P_RUNNING)
            continue;
        uint32_t tick = atomic_load_explicit(&p->schedtick, memory_order_relaxed);
        if (tick != p->sysmon_tick) {
            p->sysmon_tick = tick;
            p->sysmon_when = now;
        } else if (now - p->sysmon_when >= PREEMPT_NS) {
            M *m = LOAD_ACQUIRE(p->m);
            G *g = m ? LOAD_ACQUIRE(m->curg) : NULL;
            if (g)
                __atomic_store_n(&g->vm->preempt, 1, __ATOMIC_RELAXED);
            p->sysmon_when = now;
        }
    }
}

/* The monitor took p from an M stuck in a blocking call (p is P_IDLE and
 * ours): give it to an M if there is work for it, else to the idle list. */
static void handoffp(P *p)
{
    if (p->id >= nprocs_active()) { /* beyond a lowered GOMAXPROCS */
        retire_p(p);
        return;
    }
    pthread_mutex_lock(&sched.lock);
    STORE_RELEASE(p->m, NULL);
    if (!runqempty(p) || sched.globq_head) {
        M *m = midleget_locked();
        atomic_store(&p->status, P_RUNNING);
        if (m) {
            STORE_RELEASE(p->m, m);
            m->p = p;
            pthread_mutex_unlock(&sched.lock);
            note_wakeup(m);
            return;
        }
        if (sched.nm < MAX_MS) {
            newm_locked(p, false);
            return;
        }
        pthread_mutex_unlock(&sched.lock);
        csp_fatal("runtime: program exceeds %d-thread limit", MAX_MS);
    }
    pidleput_locked(p);
    pthread_mutex_unlock(&sched.lock);
    wakep(); /* the queue may have filled meanwhile */
}

/* Retake the Ps of Ms that have been in a blocking call for over
 * RETAKE_NS. Returns whether any P is in a blocking call. */
static bool retake(int64_t now)
{
    bool busy = false;
    int np = nprocs_active();
    for (int i = 0; i < np; i++) {
        P *p = sched.allp[i];
        if (!p || atomic_load(&p->status) != P_SYSCALL)
            continue;
        busy = true;
        if (now - atomic_load_explicit(&p->syscall_when, memory_order_relaxed) < RETAKE_NS)
            continue;
        int st = P_SYSCALL;
        if (atomic_compare_exchange_strong(&p->status, &st, P_IDLE)) { /* (5) */
            if (TRACE_ON())
                trace_p_retake(p->id);
            handoffp(p);
        }
    }
    return busy;
}

static bool any_syscall(void)
{
    int np = nprocs_active();
    for (int i = 0; i < np; i++)
        if (sched.allp[i] && atomic_load(&sched.allp[i]->status) == P_SYSCALL)
            return true;
    return false;
}

/* ---- parked stacks -----------------------------------------------------
 * A parked G's stack costs a whole page (4 KiB) for the ~1 KiB it uses. The
 * monitor gives the pages of long-parked Gs back: it copies the live part
 * [ctx.sp, stack->hi) into a heap object (G.saved), then madvises the whole
 * stack away; the M about to run the G copies the bytes back to the same
 * addresses, so every pointer into the stack is valid again when it runs.
 * While saved, the collector marks the copy as an ordinary heap object
 * (the G record holds it) instead of pushing the stack as a root.
 *
 * Who owns the stack. Only announced waits qualify (sched_park): nothing
 * outside the G points into its stack while it waits, and only
 * sched_ready (a CAS on status) ends the wait; a waker never touches the
 * stack. The G's own M reads the stack once more after the switch, in the
 * after action; g0 then stores quiet_seq = parkseq (release). The monitor
 * claims the stack with a CAS STACK_ON -> STACK_SAVING and then checks that
 * the G is WAITING in a park whose after action is over (quiet_seq ==
 * parkseq); if not, it puts STACK_ON back. execute() loads stack_state
 * before it switches to the G, waits while it is SAVING, restores a SAVED
 * stack and puts STACK_ON back.
 *
 * Why the G can never run on a stack being saved: an M switches to the G
 * only after a waker's CAS to RUNNABLE and its own load of stack_state.
 * If that load saw STACK_ON before the monitor's claim, then (all seq_cst)
 * the waker's CAS precedes the claim, and the monitor's load of status
 * after its claim sees RUNNABLE, RUNNING or a later park; a later park
 * whose after action is over (quiet_seq == parkseq) means that run ended
 * and the next one needs a new load of stack_state, which sees SAVING. A
 * G readied while SAVING just waits on its M for the copy (bounded by one
 * batch), never on a waker: no lost wake-up, no lock held while waiting.
 *
 * The collector: the copy is complete before `saved` is set (release), and
 * the pages go only after that, so a stop-the-world at any point finds
 * either the stack intact (saved NULL: pushed as before) or the copy whole
 * (the stack skipped). Restoring copies back first and clears saved after.
 *
 * Cost: a sweep over allgs, in chunks per monitor tick, every epoch
 * (SAVE_EPOCH_NS) while sweeps are productive; an unproductive one doubles the wait before
 * the next (up to about a second), and many new goroutines reset it. Saving
 * costs ~1 us per G (allocation, copy, a share of one madvise per batch of
 * adjacent stacks); restoring costs a page fault and a copy. A G is saved
 * only when two sweeps (5 ms or more apart) found it in the same park:
 * ping-pong hand-offs never pay. The park itself pays two plain stores
 * (parkseq, and quiet_seq on g0). Sanitizer builds leave stacks alone (their shadow memory would see
 * the copies as stray accesses). */
/* The shortest interval between sweeps. A stress build may shorten it
 * (-DCSP_SAVE_EPOCH_NS=200000), so that most parks are saved and
 * restored. */
#ifndef CSP_SAVE_EPOCH_NS
#define CSP_SAVE_EPOCH_NS 5000000 /* 5 ms */
#endif
#define SAVE_EPOCH_NS ((int64_t)CSP_SAVE_EPOCH_NS)
#define SWEEP_CHUNK 32768     /* Gs visited per monitor tick */
#define SAVE_BATCH 512        /* stacks saved before their pages go back at once */
#define SWEEP_MAX_WAIT 200    /* epochs between unproductive sweeps, at most (1 s) */

/* The sweep's state: the monitor's only. */
static struct {
    bool active;
    size_t cursor; /* next index in allgs */
    size_t visited, nsaved;
    uint32_t wait;      /* epochs before the next sweep starts */
    uint32_t backoff;   /* the wait after an unproductive sweep */
    int64_t epoch_when; /* when the last epoch (SAVE_EPOCH_NS) began */
    int64_t ng_at_end;  /* ngoroutines when the last sweep ended */
} sw;

/* The copy of a stack's live part: two thirds of a parked G's stack words
 * are zero (unused slots of the interpreter's frame), so the copy keeps
 * only the others, in runs: a header word (count of words that follow |
 * count of zeros after them << 16: a small integer, never mistaken for a
 * heap pointer that matters) and the words as they are, so the collector
 * scanning the copy finds every pointer the stack held. Writes to out
 * (if not NULL) and returns the number of words. */
static size_t zpack(const uintptr_t *w, size_t n, uintptr_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t lit = i;
        while (lit < n && w[lit] != 0 && lit - i < 0xffff)
            lit++;
        size_t z = lit;
        while (z < n && w[z] == 0 && z - lit < 0xffff)
            z++;
        if (out) {
            out[o] = (uintptr_t)(lit - i) | (uintptr_t)(z - lit) << 16;
            memcpy(out + o + 1, w + i, (lit - i) * sizeof *w);
        }
        o += 1 + (lit - i);
        i = z;
    }
    return o;
}

/* The inverse: n words back to w. */
static void zunpack(const uintptr_t *in, uintptr_t *w, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t lit = *in & 0xffff, z = *in >> 16;
        memcpy(w + i, in + 1, lit * sizeof *w);
        in += 1 + lit;
        i += lit;
        memset(w + i, 0, z * sizeof *w);
        i += z;
    }
}

/* Claim g's stack for saving: it has been WAITING in the same announced
 * park (seq) since the last sweep, and that park's after action is over. */
static bool stack_claim(G *g, uint32_t seq)
{
    int on = STACK_ON;
    if (!atomic_compare_exchange_strong(&g->stack_state, &on, STACK_SAVING))
        return false;
    /* seq_cst loads after the claim: see "Why the G can never run". */
    /* wait_leakable too, though quiet_seq is stored only for announced
     * parks: after 2^32 parks a stale quiet_seq could match again. */
    if (atomic_load(&g->status) == G_WAITING && atomic_load(&g->parkseq) == seq &&
        atomic_load(&g->quiet_seq) == seq && __atomic_load_n(&g->wait_leakable, __ATOMIC_RELAXED))
        return true;
    atomic_store(&g->stack_state, STACK_ON);
    return false;
}

static int cmp_stack_lo(const void *a, const void *b)
{
    const char *x = (*(G *const *)a)->stack->lo, *y = (*(G *const *)b)->stack->lo;
    return x < y ? -1 : x > y;
}

/* The batch's copies are made: give the pages back, runs of adjacent
 * stacks in one call (below each saved sp everything is dead), then let
 * their Ms restore them. */
static void stacks_release(G **batch, int n)
{
    qsort(batch, (size_t)n, sizeof *batch, cmp_stack_lo);
    for (int i = 0; i < n;) {
        int j = i + 1;
        while (j < n && batch[j]->stack->lo == batch[j - 1]->stack->hi)
            j++;
        char *lo = batch[i]->stack->lo;
        madvise(lo, (size_t)(batch[j - 1]->stack->hi - lo), MADV_DONTNEED);
        i = j;
    }
    for (int i = 0; i < n; i++)
        atomic_store_explicit(&batch[i]->stack_state, STACK_SAVED, memory_order_release);
}

/* One monitor tick's share of the sweep. */
static void stacks_sweep(int64_t now)
{
    if (CSP_ASAN || CSP_TSAN)
        return;
    if (now - sw.epoch_when >= SAVE_EPOCH_NS) {
        sw.epoch_when = now;
        if (!sw.active) {
            int64_t ng = atomic_load_explicit(&ngoroutines, memory_order_relaxed);
            if (sw.wait)
                sw.wait--;
            if (ng > sw.ng_at_end + sw.ng_at_end / 4 + 64)
                sw.wait = 0; /* many new goroutines: they may park soon */
            if (!sw.wait) {
                sw.active = true;
                sw.cursor = sw.visited = sw.nsaved = 0;
            }
        }
    }
    if (!sw.active)
        return;
    size_t n = atomic_load_explicit(&allglen, memory_order_acquire); /* (3) */
    G **gs = atomic_load_explicit(&allgs, memory_order_acquire);
    size_t end = sw.cursor + SWEEP_CHUNK < n ? sw.cursor + SWEEP_CHUNK : n;
    G *batch[SAVE_BATCH];
    int nb = 0;
    uintptr_t scratch[1024];
    for (size_t i = sw.cursor; i < end; i++) {
        G *g = gs[i];
        /* Cheap relaxed filters first; stack_claim decides. A G is saved
         * at the second sweep that finds it in the same quiet park: it has
         * been parked at least a sweep's interval (5 ms or more). */
        if (atomic_load_explicit(&g->stack_state, memory_order_relaxed) != STACK_ON ||
            atomic_load_explicit(&g->status, memory_order_relaxed) != G_WAITING)
            continue;
        uint32_t seq = atomic_load_explicit(&g->parkseq, memory_order_relaxed);
        if (atomic_load_explicit(&g->quiet_seq, memory_order_relaxed) != seq)
            continue;
        if (g->swept_seq != seq) {
            g->swept_seq = seq; /* first seen in this park */
            continue;
        }
        if (!stack_claim(g, seq))
            continue;
        /* Ours now. ctx.sp and the stack's bytes were written before the
         * switch, which is before the quiet_seq store stack_claim loaded. */
        const uintptr_t *sp = g->ctx.sp;
        size_t nw = (size_t)((const uintptr_t *)g->stack->hi - sp);
        uintptr_t *copy;
        /* Packed once into scratch (nw + 1 words at most) when it fits;
         * mem_alloc may collect: saved is still NULL, the stack is pushed,
         * and the scratch holds nothing the stack does not. */
        if (nw < sizeof scratch / sizeof *scratch) {
            size_t w = zpack(sp, nw, scratch);
            copy = mem_alloc(w * sizeof *copy);
            memcpy(copy, scratch, w * sizeof *copy);
        } else {
            copy = mem_alloc(zpack(sp, nw, NULL) * sizeof *copy);
            zpack(sp, nw, copy);
        }
        atomic_store_explicit(&g->saved, copy, memory_order_release);
        sw.nsaved++;
        batch[nb++] = g;
        if (nb == SAVE_BATCH) {
            stacks_release(batch, nb);
            nb = 0;
        }
    }
    if (nb)
        stacks_release(batch, nb);
    sw.visited += end - sw.cursor;
    sw.cursor = end;
    if (end < n)
        return;
    /* A sweep that saved under 1 in 16 of what it looked at waits longer
     * before the next one. */
    sw.active = false;
    sw.ng_at_end = atomic_load_explicit(&ngoroutines, memory_order_relaxed);
    if (sw.nsaved * 16 >= sw.visited && sw.nsaved)
        sw.backoff = 0;
    else
        sw.backoff = sw.backoff ? (sw.backoff * 2 > SWEEP_MAX_WAIT ? SWEEP_MAX_WAIT : sw.backoff * 2) : 1;
    sw.wait = sw.backoff;
}

/* On g0, before switching to g: wait out a save in progress, and put a
 * saved stack back where it was. */
static void stack_restore(G *g)
{
    int st;
    for (int spins = 0; (st = atomic_load(&g->stack_state)) == STACK_SAVING; spins++) {
        if (spins < 1000)
            cpu_relax();
        else
            sched_yield(); /* the monitor may have lost its CPU mid-batch */
    }
    if (st != STACK_SAVED)
        return;
    uintptr_t *sp = g->ctx.sp;
    zunpack(atomic_load_explicit(&g->saved, memory_order_relaxed), sp,
            (size_t)((uintptr_t *)g->stack->hi - sp));
    /* The copy stays visible to the collector until the stack holds it all. */
    atomic_store_explicit(&g->saved, NULL, memory_order_release);
    atomic_store_explicit(&g->stack_state, STACK_ON, memory_order_release);
    g->restored = true;
}

static void *sysmon(void *arg)
{
    (void)arg;
    int64_t last_scavenge = sched_nanotime();
    for (;;) {
        int64_t next = run_timers();
        int64_t now = sched_nanotime();
        if (now - last_scavenge >= SCAVENGE_NS) {
            gfree_scavenge();
            stack_scavenge();
            last_scavenge = now;
        }
        preempt_long_runners(now);
        stacks_sweep(now);
        if (TRACE_ON())
            trace_sample();
        /* Busy Ps never run out of work to poll between: poll for them
         * when nobody has for a while. */
        int64_t lp = atomic_load(&lastpoll);
        if (lp != 0 && now - lp > NETPOLL_IDLE_NS && netpoll_waiters() > 0 &&
            atomic_compare_exchange_strong(&lastpoll, &lp, now)) {
            int n;
            G *list = netpoll(0, &n);
            injectglist(list, n, NULL);
        }
        bool busy = retake(now);
        /* Poll fast while blocking calls are out; else sleep until the
         * next preemption check or timer. */
        int64_t tick = SAVE_EPOCH_NS < PREEMPT_NS / 2 ? SAVE_EPOCH_NS : PREEMPT_NS / 2;
        int64_t until = now + (busy ? RETAKE_NS : tick);
        if (next < until)
            until = next;
        pthread_mutex_lock(&timer_lock);
        if (!busy) {
            atomic_store(&sysmon_idle, 1); /* (5) */
            if (any_syscall())
                until = now;
        }
        /* A timer started since run_timers looked signalled while we
         * were not waiting yet: its deadline bounds the wait too. */
        if (theap_n && theap[0]->when < until)
            until = theap[0]->when;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t wait = until - sched_nanotime();
        if (wait > 0) {
            int64_t ns = ts.tv_nsec + wait % 1000000000;
            ts.tv_sec += wait / 1000000000 + ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            pthread_cond_timedwait(&sysmon_cond, &timer_lock, &ts);
        }
        atomic_store(&sysmon_idle, 0);
        pthread_mutex_unlock(&timer_lock);
    }
    return NULL;
}

/* ---- start-up and the deadlock report --------------------------------- */

static M m0;

/* Runtime.on_safepoint: the interpreter found its preempt flag set. */
static void preempted(Thread *t)
{
    (void)t;
    sched_gosched();
}

void sched_init(Runtime *rt, int nprocs)
{
    /* First: the settings are read before any other thread exists. */
    debug_init();
    gct.start = sched_nanotime();
    sched.rt = rt;
    /* signal_init first: it sets the signal mask of the threads started
     * from here on, stdout's flusher included (signal_thread_attr). */
    signal_init();
    out_init();
    rt->on_safepoint = preempted;
    if (nprocs <= 0) {
        const char *env = getenv("CSPMAXPROCS");
        nprocs = env ? atoi(env) : 0;
        if (nprocs <= 0)
            nprocs = (int)sysconf(_SC_NPROCESSORS_ONLN);
        if (nprocs <= 0)
            nprocs = 1;
    }
    if (nprocs > MAXPROCS)
        nprocs = MAXPROCS;

    prev_push_roots = GC_get_push_other_roots();
    GC_set_push_other_roots(push_roots);
    GC_set_on_collection_event(gc_event);

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&sysmon_cond, &ca);
    pthread_condattr_destroy(&ca);

    tls_m = &m0;
    struct GC_stack_base sb;
    m0.gc_handle = GC_get_my_stackbottom(&sb);
    m0.g0_top = sb.mem_base;
    m_init_g0(&m0);
    atomic_store(&allm, &m0);
    sched.nm = 1;

    pthread_mutex_lock(&sched.lock);
    for (int i = 0; i < nprocs; i++) {
        P *p = mem_alloc_uncollectable(sizeof *p);
        p->id = i;
        sched.allp[i] = p;
        if (i > 0)
            pidleput_locked(p);
    }
    sched.allp[0]->status = P_RUNNING;
    sched.allp[0]->m = &m0;
    m0.p = sched.allp[0];
    atomic_store(&sched.gomaxprocs, nprocs);
    pthread_mutex_unlock(&sched.lock);

    if (TRACE_ON())
        sysmon_ensure();
}

static ObjProto *main_proto;
static int main_rc;

/* Whether a goroutine other than self is panicking and still able to get
 * on: running its deferred calls, or about to report. One parked for good
 * in a deferred call will never report. */
static bool panic_in_progress(G *self)
{
    size_t n = atomic_load_explicit(&allglen, memory_order_acquire); /* (3) */
    G **gs = atomic_load_explicit(&allgs, memory_order_acquire);
    for (size_t i = 0; i < n; i++) {
        G *g = gs[i];
        int st = atomic_load(&g->status);
        if (g != self && st != G_IDLE && st != G_DEAD && st != G_WAITING &&
            __atomic_load_n(&g->vm->panicking, __ATOMIC_RELAXED))
            return true;
    }
    return false;
}

/* Whether a goroutine other than self is running or in a run queue. A
 * racy look (no lock): a hint for how long to wait, not a decision. */
static bool others_can_run(G *self)
{
    size_t n = atomic_load_explicit(&allglen, memory_order_acquire); /* (3) */
    G **gs = atomic_load_explicit(&allgs, memory_order_acquire);
    for (size_t i = 0; i < n; i++) {
        int st = atomic_load_explicit(&gs[i]->status, memory_order_relaxed);
        if (gs[i] != self && (st == G_RUNNABLE || st == G_RUNNING))
            return true;
    }
    return false;
}

static int main_native(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args;
    (void)nargs;
    (void)rets;
    main_rc = vm_run_main(t, main_proto);
    if (main_rc == 2)
        vm_die_of_panic(t);
    /* Go's runtime.main: a goroutine's panic in progress (its deferred
     * calls may have let main finish, a wg.Done() for one) is reported
     * before the program exits: it exits 2 with the report, not 0. Wait
     * while one can still get on (it ends the process itself), but not for
     * ever: deferred calls that never finish do not keep the program alive
     * after main returns, as in Go. */
    int64_t until = sched_nanotime() + MAIN_PANIC_WAIT_NS;
    while (__atomic_load_n(&t->rt->npanicking, __ATOMIC_SEQ_CST) > 0 && panic_in_progress(sched_getg()) &&
           sched_nanotime() < until)
        sched_sleep(100 * 1000);
    if (t->rt->find_leaks) {
        /* Goroutines that can still run are not leaked yet, and a moment
         * later they may be (a pipeline's stages still handing on values
         * when main returns). Let them get to where they block, for a
         * while: a goroutine that never blocks is not waited for. */
        until = sched_nanotime() + LEAKS_SETTLE_NS;
        while (others_can_run(sched_getg()) && sched_nanotime() < until)
            sched_sleep(1000 * 1000);
        rt_flush(t->rt);
        if (sched_find_leaks(stderr) > 0 && main_rc == 0)
            main_rc = 2;
    }
    rt_exit(t->rt, main_rc);
}

int sched_run_main_loop(void)
{
    schedule(&m0);
}

int sched_run_main(Thread *t, ObjProto *main)
{
    (void)t;
    main_proto = main;
    ObjNative *fn = native_new("runtime.main", main_native, 0, 0);
    /* No wake-up: m0 runs this G as soon as it enters the scheduler, and
     * a woken M would only start an OS thread that finds nothing to do
     * (Go's runtime waits for runtime.main to start, likewise). The first
     * go statement or wake-up of the script starts a second M. */
    go_common(NULL, NULL, v_from_ptr(fn), NULL, 0, false);
    return sched_run_main_loop();
}

void sched_set_deadlock_handler(void (*fn)(void))
{
    deadlock_handler = fn;
}

void sched_set_panics_survive(bool on)
{
    goroutine_panics_survive = on;
}

_Noreturn void sched_deadlock(void)
{
    rt_exit_begin();
    sched_deadlock_report(stderr);
    rt_exit_end(2);
}

void sched_deadlock_report(FILE *out)
{
    fputs("fatal error: all goroutines are asleep - deadlock!\n", out);
    sched_dump(out);
}

void sched_dump(FILE *out)
{
    G *self = sched_getg();
    size_t n = atomic_load(&allglen);
    G **gs = atomic_load(&allgs);
    for (size_t i = 0; i < n; i++) {
        G *g = gs[i];
        int st = atomic_load(&g->status);
        if (st == G_IDLE || st == G_DEAD)
            continue;
        const char *what = st == G_WAITING && g->waitreason ? g->waitreason
                           : st == G_RUNNABLE               ? "runnable"
                           : st == G_SYSCALL                ? "syscall"
                                                            : "running";
        fprintf(out, "\ngoroutine %lld [%s]:\n", (long long)g->id, what);
        /* Another thread may be changing a running goroutine's frames:
         * only those of goroutines not running csp code (parked or
         * queued), and our own, are read. One in a C call returns to its
         * frames whenever the call ends, on its own thread: its frames
         * are not read either. */
        if ((st != G_RUNNING && st != G_SYSCALL) || g == self)
            vm_traceback(g->vm, out);
        else
            fputs(st == G_SYSCALL ? "\t(in a C call on another thread)\n" : "\t(running on another thread)\n",
                  out);
        vm_print_created_by(out, g->created_proto, g->created_pc, g->created_by);
    }
    fflush(out);
}

/* ---- goroutines blocked for ever ---------------------------------------- */

void sched_wait_on(const void *obj)
{
    G *g = sched_getg();
    if (!g)
        return;
    g->wait_obj = obj;
    g->wait_sds = NULL;
    g->wait_nsds = 0;
    g->wait_announced = true;
}

void sched_wait_on_select(const Sudog *sds, int n)
{
    G *g = sched_getg();
    if (!g)
        return;
    g->wait_obj = NULL;
    g->wait_sds = sds;
    g->wait_nsds = n;
    g->wait_announced = true;
}

/* The search's memory comes from mmap: with the world stopped (and the
 * collector's lock held by this thread), neither the collector nor malloc
 * may be called. */
typedef struct LeakScan {
    uintptr_t *set; /* open addressing: object bases reached (0: empty) */
    size_t cap, n;
    uintptr_t *work; /* bases still to scan */
    size_t wcap, wn;
    bool failed; /* out of memory: the search says nothing */
} LeakScan;

static void *map_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static size_t ls_slot(uintptr_t b, size_t cap)
{
    uint64_t h = (uint64_t)b * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 20) & (cap - 1);
}

/* Add base b; true when it was not there yet. */
static bool ls_add(LeakScan *s, uintptr_t b)
{
    if (s->failed)
        return false;
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1 << 16;
        uintptr_t *nset = map_alloc(ncap * sizeof *nset);
        if (!nset) {
            s->failed = true;
            return false;
        }
        for (size_t i = 0; i < s->cap; i++)
            if (s->set[i]) {
                size_t j = ls_slot(s->set[i], ncap);
                while (nset[j])
                    j = (j + 1) & (ncap - 1);
                nset[j] = s->set[i];
            }
        if (s->set)
            munmap(s->set, s->cap * sizeof *s->set);
        s->set = nset;
        s->cap = ncap;
    }
    size_t j = ls_slot(b, s->cap);
    while (s->set[j]) {
        if (s->set[j] == b)
            return false;
        j = (j + 1) & (s->cap - 1);
    }
    s->set[j] = b;
    s->n++;
    return true;
}

static bool ls_has(const LeakScan *s, uintptr_t b)
{
    if (!s->cap)
        return false;
    size_t j = ls_slot(b, s->cap);
    while (s->set[j]) {
        if (s->set[j] == b)
            return true;
        j = (j + 1) & (s->cap - 1);
    }
    return false;
}

static void ls_push(LeakScan *s, uintptr_t b)
{
    if (s->failed)
        return;
    if (s->wn == s->wcap) {
        size_t ncap = s->wcap ? s->wcap * 2 : 1 << 14;
        uintptr_t *nw = map_alloc(ncap * sizeof *nw);
        if (!nw) {
            s->failed = true;
            return;
        }
        if (s->work) {
            memcpy(nw, s->work, s->wn * sizeof *nw);
            munmap(s->work, s->wcap * sizeof *s->work);
        }
        s->work = nw;
        s->wcap = ncap;
    }
    s->work[s->wn++] = b;
}

/* Every word of [lo, hi) that points into a collected object reaches it
 * (conservatively, as the collector itself sees pointers). */
static CSP_NO_SANITIZE void ls_scan(LeakScan *s, const char *lo, const char *hi)
{
    for (const char *p = (const char *)(((uintptr_t)lo + 7) & ~(uintptr_t)7); p + 8 <= hi; p += 8) {
        uintptr_t w = *(const volatile uintptr_t *)p;
        if (w < 4096)
            continue;
        void *b = GC_base((void *)w);
        if (b && ls_add(s, (uintptr_t)b))
            ls_push(s, (uintptr_t)b);
    }
}

CSP_NO_SANITIZE static void ls_reach(LeakScan *s, const void *p)
{
    void *b = p ? GC_base((void *)p) : NULL;
    if (b && ls_add(s, (uintptr_t)b))
        ls_push(s, (uintptr_t)b);
}

CSP_NO_SANITIZE static void ls_drain(LeakScan *s)
{
    while (s->wn && !s->failed) {
        uintptr_t b = s->work[--s->wn];
        ls_scan(s, (const char *)b, (const char *)b + GC_size((void *)b));
    }
}

/* A goroutine that can run (or could be woken) is a root: its
 * interpreter state and its stack. top: where its stack's live part
 * starts (its saved sp; for the caller, its own frame). */
CSP_NO_SANITIZE static void ls_root_g(LeakScan *s, G *g, const char *top)
{
    Thread *t = g->vm;
    if (t) {
        if (t->stack)
            ls_scan(s, (const char *)t->stack, (const char *)(t->stack + t->top));
        if (t->frames)
            ls_scan(s, (const char *)t->frames, (const char *)(t->frames + t->nframes));
        ls_scan(s, (const char *)t->rets, (const char *)(t->rets + NATIVE_MAX_RETS));
        ls_reach(s, v_is_ptr(t->panic_val) || v_is_ref(t->panic_val) ? v_ptr(t->panic_val) : NULL);
        ls_reach(s, t->panic);
    }
    ls_reach(s, v_is_ptr(g->fn) ? v_ptr(g->fn) : NULL);
    ls_reach(s, g->args);
    const uintptr_t *saved = atomic_load_explicit(&g->saved, memory_order_relaxed);
    if (g->stack && top && top == g->ctx.sp && saved) /* its live part is in the copy */
        ls_scan(s, (const char *)saved, (const char *)saved + GC_size(GC_base((void *)saved)));
    else if (g->stack && top && top >= g->stack->lo && top < g->stack->hi)
        ls_scan(s, top, g->stack->hi);
    else if (g->stack && !top)
        ls_scan(s, g->stack->lo, g->stack->hi); /* running elsewhere: all of it */
}

/* Whether what g waits on has been reached. */
CSP_NO_SANITIZE static bool ls_wait_reached(const LeakScan *s, const G *g)
{
    if (g->wait_sds) {
        for (int i = 0; i < g->wait_nsds; i++) {
            const void *c = g->wait_sds[i].c;
            void *b = c ? GC_base((void *)c) : NULL;
            if (b && ls_has(s, (uintptr_t)b))
                return true;
        }
        return false;
    }
    void *b = g->wait_obj ? GC_base((void *)g->wait_obj) : NULL;
    return b && ls_has(s, (uintptr_t)b);
}

/* The data and bss of the executable: its static variables (a module's
 * registry, a package variable's cell) are roots, as the collector's. */
static int ls_phdr(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    LeakScan *s = arg;
    if (info->dlpi_name && info->dlpi_name[0])
        return 1; /* the executable comes first; shared libraries hold no csp object */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) {
            const char *lo = (const char *)(info->dlpi_addr + ph->p_vaddr);
            ls_scan(s, lo, lo + ph->p_memsz);
        }
    }
    return 1;
}

static const char *leak_object(const char *reason)
{
    if (!reason)
        return "object";
    if (!strncmp(reason, "chan", 4))
        return "channel";
    if (!strcmp(reason, "select"))
        return "select's channels";
    if (!strcmp(reason, "sync.WaitGroup.Wait"))
        return "WaitGroup";
    if (!strcmp(reason, "sync.Cond.Wait"))
        return "Cond";
    return "mutex";
}

CSP_NO_SANITIZE int sched_find_leaks(FILE *out)
{
    G *self = sched_getg();
    /* The caller's own goroutine: its C stack counts from the caller's
     * frame up. This function's frame is left out: it lies where the
     * interpreter's deeper frames were a moment ago, and its unset slots
     * still hold their words (a channel the script dropped would look
     * reachable). */
    const char *caller = (const char *)__builtin_frame_address(0) + 2 * sizeof(void *);
    LeakScan s = {0};
    /* The timers (roots: a timer's channel will be sent on) stay put
     * while the world is stopped. */
    pthread_mutex_lock(&timer_lock);
    for (;;) {
        /* As a collection does (protocol B): no M is in the middle of a
         * switch when the world stops, so every parked G's sp is saved. */
        atomic_store(&gc_pending, 1);
        for (M *m = atomic_load(&allm); m; m = atomic_load(&m->alllink))
            while (atomic_load(&m->in_switch))
                cpu_relax();
        GC_stop_world_external();
        bool clean = atomic_load(&gc_pending); /* a collection in between clears it */
        for (M *m = atomic_load(&allm); clean && m; m = atomic_load(&m->alllink))
            if (atomic_load(&m->in_switch))
                clean = false;
        if (clean)
            break;
        GC_start_world_external();
    }
    size_t n = atomic_load_explicit(&allglen, memory_order_acquire); /* (3) */
    G **gs = atomic_load_explicit(&allgs, memory_order_acquire);
    /* Goroutine records and their interpreter states are not followed:
     * reaching a blocked goroutine's record (from a channel's wait queue)
     * must not make its stack reachable. */
    for (size_t i = 0; i < n; i++) {
        ls_add(&s, (uintptr_t)GC_base(gs[i]));
        void *saved = atomic_load_explicit(&gs[i]->saved, memory_order_relaxed);
        if (saved) /* a parked stack's copy: followed only as its G's stack */
            ls_add(&s, (uintptr_t)GC_base(saved));
        if (gs[i]->vm) {
            ls_add(&s, (uintptr_t)GC_base(gs[i]->vm));
            if (gs[i]->vm->stack)
                ls_add(&s, (uintptr_t)GC_base(gs[i]->vm->stack));
            if (gs[i]->vm->frames)
                ls_add(&s, (uintptr_t)GC_base(gs[i]->vm->frames));
        }
    }
    /* Roots: the goroutines that can run or be woken from outside, the
     * static data, the runtime's globals, the pending timers. */
    for (size_t i = 0; i < n; i++) {
        G *g = gs[i];
        int st = atomic_load(&g->status);
        if (st == G_IDLE || st == G_DEAD || (st == G_WAITING && g->wait_leakable))
            continue;
        ls_root_g(&s, g, g == self ? caller : st == G_RUNNING ? NULL : g->ctx.sp);
    }
    dl_iterate_phdr(ls_phdr, &s);
    ls_reach(&s, sched.rt);
    if (sched.rt)
        ls_scan(&s, (const char *)sched.rt, (const char *)sched.rt + GC_size(GC_base(sched.rt)));
    for (int i = 0; i < theap_n; i++) {
        ls_reach(&s, theap[i]);
        ls_reach(&s, theap[i]->arg);
    }
    ls_drain(&s);
    /* A blocked goroutine whose object was reached can be woken: what it
     * reaches counts too. Until nothing changes. */
    bool grew = true;
    while (grew && !s.failed) {
        grew = false;
        for (size_t i = 0; i < n; i++) {
            G *g = gs[i];
            if (atomic_load(&g->status) != G_WAITING || !g->wait_leakable || g->wait_leakable == 2)
                continue;
            if (ls_wait_reached(&s, g)) {
                g->wait_leakable = 2; /* reached: not leaked */
                ls_root_g(&s, g, g->ctx.sp);
                ls_drain(&s);
                grew = true;
            }
        }
    }
    /* Those left are blocked for ever. */
    G *leaked[64];
    int nleaked = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        G *g = gs[i];
        if (atomic_load(&g->status) != G_WAITING || !g->wait_leakable)
            continue;
        if (g->wait_leakable == 2) {
            g->wait_leakable = 1;
            continue;
        }
        total++;
        if (nleaked < 64)
            leaked[nleaked++] = g;
    }
    bool failed = s.failed;
    GC_start_world_external();
    atomic_store(&gc_pending, 0);
    pthread_mutex_unlock(&timer_lock);
    if (s.set)
        munmap(s.set, s.cap * sizeof *s.set);
    if (s.work)
        munmap(s.work, s.wcap * sizeof *s.work);
    if (failed)
        return 0; /* no memory to search with: claim nothing */
    /* The leaked stay parked for good: their frames can be read now. */
    for (int i = 0; out && i < nleaked; i++) {
        G *g = leaked[i];
        fprintf(out, "goroutine %lld [%s]: blocked for ever: nothing that can still run reaches this %s\n",
                (long long)g->id, g->waitreason, leak_object(g->waitreason));
        vm_traceback(g->vm, out);
        vm_print_created_by(out, g->created_proto, g->created_pc, g->created_by);
        fputc('\n', out);
    }
    if (out && total > nleaked)
        fprintf(out, "... and %d more\n", total - nleaked);
    return total;
}
