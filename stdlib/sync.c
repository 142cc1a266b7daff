/* sync.c — the sync module: Mutex, RWMutex, WaitGroup, Once, OnceFunc,
 * OnceValue, OnceValues, Cond, Map, Pool, and csp's own Atomic.
 *
 * Blocking parks the goroutine, never the OS thread. Every object has a
 * futex Lock `ql` guarding its wait queue (a list of Gs linked through their
 * Sudog, which a G blocked here does not otherwise use); a G enqueues itself
 * under ql and hands ql's release to sched_park, so no one can ready it
 * before it is parked.
 *
 * Mutex: the same protocol as Go's sync.Mutex (see "Mutex" below): one
 * CAS to lock or unlock when nobody waits; a goroutine that finds it held
 * spins a moment while the holder may be running, then sleeps on the
 * mutex's semaphore. Unlock wakes one sleeper only when that is useful (the
 * mutex is still free and no woken goroutine is already on its way), and
 * the woken one competes with newcomers (barging keeps throughput high)
 * unless it has waited over 1 ms: then the mutex goes into starvation mode
 * and ownership is handed to the sleepers in order.
 */
#include <stdatomic.h>

#include "../vm/chan.h"
#include "../vm/format.h"
#include "../vm/lock.h"
#include "../vm/mem.h"
#include "../vm/race.h"
#include "../vm/sched.h"
#include "../vm/trace.h"
#include "stdlib.h"

#define STARVE_NS 1000000 /* as Go: a waiter past 1 ms gets the lock handed to it */

typedef struct GQueue {
    Sudog *first, *last;
} GQueue;

static void gq_push(GQueue *q, G *g)
{
    Sudog *s = &g->sd;
    s->g = g;
    s->next = NULL;
    if (q->last)
        q->last->next = s;
    else
        q->first = s;
    q->last = s;
}

static void gq_push_front(GQueue *q, G *g)
{
    Sudog *s = &g->sd;
    s->g = g;
    s->next = q->first;
    q->first = s;
    if (!q->last)
        q->last = s;
}

static G *gq_pop(GQueue *q)
{
    Sudog *s = q->first;
    if (!s)
        return NULL;
    q->first = s->next;
    if (!q->first)
        q->last = NULL;
    s->next = NULL;
    return s->g;
}

static void unlock_ql(void *arg)
{
    lock_release(arg);
}

static void *payload(Value self)
{
    return ((ObjObject *)v_ptr(self))->payload;
}

/* ---- Mutex --------------------------------------------------------------- */

/* state: bit 0 locked; bit 1 woken (a goroutine woken from the semaphore,
 * or one spinning while others sleep, is about to try again: Unlock need
 * not wake another); bit 2 starving (Unlock hands the mutex to the first
 * sleeper, newcomers queue behind it); bits 3.. the number of goroutines
 * counted as sleepers and not yet woken. Every change is a CAS or an add on
 * the whole word, so the fields move together. */
#define M_LOCKED 1
#define M_WOKEN 2
#define M_STARVING 4
#define M_WAITER 8 /* one sleeper */
#define M_WAITERS(s) ((s) >> 3)
#define SPIN_PAUSES 30 /* one spin: about a microsecond */

typedef struct CspMutex {
    _Atomic int64_t state; /* see above */
    Lock ql;
    /* The semaphore sleepers wait on: wake-ups given while no goroutine
     * was queued yet (a locker counts itself a sleeper in state before it
     * reaches the queue), and the queue. Both under ql. */
    uint32_t sema;
    GQueue q;
    RaceClock *race; /* the race detector's: touched only by the holder */
} CspMutex;

static void sema_acquire(CspMutex *mu, bool first)
{
    lock_acquire(&mu->ql);
    if (mu->sema > 0) {
        mu->sema--;
        lock_release(&mu->ql);
        return;
    }
    G *g = sched_getg();
    if (first)
        gq_push_front(&mu->q, g); /* it has waited already: next in line */
    else
        gq_push(&mu->q, g);
    sched_wait_on(mu);
    /* ql is released once the G is parked, so a release cannot ready it
     * before it sleeps. */
    sched_park("sync.Mutex.Lock", unlock_ql, &mu->ql);
}

static void sema_release(CspMutex *mu)
{
    lock_acquire(&mu->ql);
    G *w = gq_pop(&mu->q);
    if (!w)
        mu->sema++; /* its sleeper has not queued yet: it will take this */
    lock_release(&mu->ql);
    if (w) {
        if (TRACE_ON())
            trace_handoff(w, "sync.Mutex");
        sched_ready(w);
    }
}

static void mutex_lock_slow(CspMutex *mu)
{
    int64_t wait_start = 0;
    bool starving = false, awoke = false;
    int iter = 0;
    int64_t old = atomic_load_explicit(&mu->state, memory_order_relaxed);
    for (;;) {
        /* Spin while it is held (not handed over in order) and the holder
         * may be running: it is likely to be free within a microsecond,
         * much sooner than a sleep and a wake-up. */
        if ((old & (M_LOCKED | M_STARVING)) == M_LOCKED && sched_can_spin(iter)) {
            /* Tell Unlock not to wake a sleeper: this spinner will take it. */
            if (!awoke && !(old & M_WOKEN) && M_WAITERS(old) != 0 &&
                atomic_compare_exchange_strong(&mu->state, &old, old | M_WOKEN))
                awoke = true;
            for (int i = 0; i < SPIN_PAUSES; i++)
                __asm__ volatile("pause");
            iter++;
            old = atomic_load_explicit(&mu->state, memory_order_relaxed);
            continue;
        }
        int64_t new = old;
        if (!(old & M_STARVING))
            new |= M_LOCKED; /* newcomers do not take a starving mutex */
        if (old & (M_LOCKED | M_STARVING))
            new += M_WAITER;
        if (starving && (old & M_LOCKED))
            new |= M_STARVING;
        if (awoke)
            new &= ~(int64_t)M_WOKEN; /* this goroutine was the woken one */
        if (!atomic_compare_exchange_weak(&mu->state, &old, new))
            continue; /* old holds the fresh state */
        if (!(old & (M_LOCKED | M_STARVING)))
            return; /* locked it */
        bool waited = wait_start != 0;
        if (!waited)
            wait_start = sched_nanotime();
        sema_acquire(mu, waited);
        starving = starving || sched_nanotime() - wait_start > STARVE_NS;
        old = atomic_load(&mu->state);
        if (old & M_STARVING) {
            /* Handed over: the unlocker left it unlocked for us and counted
             * us still a sleeper. Leave starvation mode when we did not
             * wait long or nobody else waits. */
            int64_t delta = M_LOCKED - M_WAITER;
            if (!starving || M_WAITERS(old) == 1)
                delta -= M_STARVING;
            atomic_fetch_add(&mu->state, delta);
            return;
        }
        awoke = true;
        iter = 0;
    }
}

static void mutex_lock(CspMutex *mu)
{
    int64_t zero = 0;
    if (!atomic_compare_exchange_strong(&mu->state, &zero, M_LOCKED))
        mutex_lock_slow(mu);
}

static bool mutex_trylock(CspMutex *mu)
{
    int64_t s = atomic_load(&mu->state);
    return !(s & (M_LOCKED | M_STARVING)) && atomic_compare_exchange_strong(&mu->state, &s, s | M_LOCKED);
}

/* Returns false for an unlock of an unlocked mutex (and changes nothing). */
static bool mutex_unlock(CspMutex *mu)
{
    int64_t old = M_LOCKED;
    if (atomic_compare_exchange_strong(&mu->state, &old, 0))
        return true;
    int64_t new;
    do {
        if (!(old & M_LOCKED))
            return false;
        new = old - M_LOCKED;
    } while (!atomic_compare_exchange_weak(&mu->state, &old, new));
    if (new &M_STARVING) {
        sema_release(mu); /* the first sleeper takes it over */
        return true;
    }
    /* Wake a sleeper only if nobody holds it again, nobody woken is on its
     * way, and it is not being handed over. */
    old = new;
    for (;;) {
        if (M_WAITERS(old) == 0 || (old & (M_LOCKED | M_WOKEN | M_STARVING)))
            return true;
        if (atomic_compare_exchange_weak(&mu->state, &old, (old - M_WAITER) | M_WOKEN)) {
            sema_release(mu);
            return true;
        }
    }
}

static CspMutex *mutex_of(Value self)
{
    return payload(self);
}

/* Unlock happens before the next Lock: the holder publishes its clock in
 * the mutex, the next holder joins it. */
static int m_lock(Thread *t, Value *a, int n, Value *r)
{
    CspMutex *mu = mutex_of(a[0]);
    mutex_lock(mu);
    if (RACE_ON())
        race_acquire(t, &mu->race);
    return 0;
}

static int m_unlock(Thread *t, Value *a, int n, Value *r)
{
    CspMutex *mu = mutex_of(a[0]);
    if (RACE_ON() && (atomic_load(&mu->state) & M_LOCKED))
        race_release(t, &mu->race);
    if (!mutex_unlock(mu))
        vm_fatal_error(t, "sync: unlock of unlocked mutex");
    return 0;
}

static int m_trylock(Thread *t, Value *a, int n, Value *r)
{
    CspMutex *mu = mutex_of(a[0]);
    bool ok = mutex_trylock(mu);
    if (ok && RACE_ON())
        race_acquire(t, &mu->race);
    r[0] = v_bool(ok);
    return 1;
}

static const MethodDef mutex_methods[] = {
    {"Lock", m_lock, 0, 0}, {"Unlock", m_unlock, 0, 0}, {"TryLock", m_trylock, 0, 0}, {NULL, NULL, 0, 0}};
static const ObjClass mutex_class = {.name = "sync.Mutex", .methods = mutex_methods, .get_field = NULL};

static int new_mutex(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(object_new(&mutex_class, mem_alloc(sizeof(CspMutex))));
    return 1;
}

/* ---- RWMutex: writer-preferring; ownership handed over on wake-up ------- */

typedef struct CspRW {
    Lock ql;
    int readers;         /* ql: readers holding it */
    bool writer;         /* ql: a writer holds it */
    int writers_waiting; /* ql */
    GQueue rq, wq;       /* ql */
    /* The race detector's: what the last writer published (written by the
     * writer holding it) and what readers published (ql). */
    RaceClock *race_w, *race_r;
} CspRW;

static int rw_rlock(Thread *t, Value *a, int n, Value *r)
{
    CspRW *rw = payload(a[0]);
    lock_acquire(&rw->ql);
    if (!rw->writer && rw->writers_waiting == 0) {
        rw->readers++;
        if (RACE_ON())
            race_acquire(t, &rw->race_w);
        lock_release(&rw->ql);
        return 0;
    }
    gq_push(&rw->rq, sched_getg());
    sched_wait_on(rw);
    sched_park("sync.RWMutex.RLock", unlock_ql, &rw->ql);
    if (RACE_ON()) { /* the waker counted us in readers */
        lock_acquire(&rw->ql);
        race_acquire(t, &rw->race_w);
        lock_release(&rw->ql);
    }
    return 0;
}

static int rw_runlock(Thread *t, Value *a, int n, Value *r)
{
    CspRW *rw = payload(a[0]);
    lock_acquire(&rw->ql);
    if (rw->readers <= 0) {
        lock_release(&rw->ql);
        vm_fatal_error(t, "sync: RUnlock of unlocked RWMutex");
    }
    G *w = NULL;
    if (RACE_ON())
        race_release(t, &rw->race_r);
    if (--rw->readers == 0 && (w = gq_pop(&rw->wq))) {
        rw->writers_waiting--;
        rw->writer = true;
    }
    lock_release(&rw->ql);
    if (w)
        sched_ready(w);
    return 0;
}

static int rw_lock(Thread *t, Value *a, int n, Value *r)
{
    CspRW *rw = payload(a[0]);
    lock_acquire(&rw->ql);
    if (!rw->writer && rw->readers == 0) {
        rw->writer = true;
        if (RACE_ON()) {
            race_acquire(t, &rw->race_w);
            race_acquire(t, &rw->race_r);
        }
        lock_release(&rw->ql);
        return 0;
    }
    rw->writers_waiting++;
    gq_push(&rw->wq, sched_getg());
    sched_wait_on(rw);
    sched_park("sync.RWMutex.Lock", unlock_ql, &rw->ql);
    if (RACE_ON()) { /* handed over: writer is set for us */
        lock_acquire(&rw->ql);
        race_acquire(t, &rw->race_w);
        race_acquire(t, &rw->race_r);
        lock_release(&rw->ql);
    }
    return 0;
}

static int rw_unlock(Thread *t, Value *a, int n, Value *r)
{
    CspRW *rw = payload(a[0]);
    lock_acquire(&rw->ql);
    if (!rw->writer) {
        lock_release(&rw->ql);
        vm_fatal_error(t, "sync: Unlock of unlocked RWMutex");
    }
    if (RACE_ON())
        race_release(t, &rw->race_w);
    rw->writer = false;
    G *wake = NULL; /* chain through schedlink-free Sudog.next below */
    GQueue readers = rw->rq;
    rw->rq.first = rw->rq.last = NULL;
    if (readers.first) {
        for (Sudog *s = readers.first; s; s = s->next)
            rw->readers++;
    } else if ((wake = gq_pop(&rw->wq))) {
        rw->writers_waiting--;
        rw->writer = true;
    }
    lock_release(&rw->ql);
    G *g;
    while ((g = gq_pop(&readers)))
        sched_ready(g);
    if (wake)
        sched_ready(wake);
    return 0;
}

static int rw_trylock(Thread *t, Value *a, int n, Value *r)
{
    CspRW *rw = payload(a[0]);
    lock_acquire(&rw->ql);
    bool ok = !rw->writer && rw->readers == 0;
    if (ok)
        rw->writer = true;
    if (ok && RACE_ON()) {
        race_acquire(t, &rw->race_w);
        race_acquire(t, &rw->race_r);
    }
    lock_release(&rw->ql);
    r[0] = v_bool(ok);
    return 1;
}

static int rw_tryrlock(Thread *t, Value *a, int n, Value *r)
{
    CspRW *rw = payload(a[0]);
    lock_acquire(&rw->ql);
    bool ok = !rw->writer && rw->writers_waiting == 0;
    if (ok)
        rw->readers++;
    if (ok && RACE_ON())
        race_acquire(t, &rw->race_w);
    lock_release(&rw->ql);
    r[0] = v_bool(ok);
    return 1;
}

/* rw.RLocker(): a Locker whose Lock and Unlock are rw's RLock and
 * RUnlock; its payload is rw's own (so rw_rlock and rw_runlock serve). */
static const MethodDef rlocker_methods[] = {
    {"Lock", rw_rlock, 0, 0}, {"Unlock", rw_runlock, 0, 0}, {NULL, NULL, 0, 0}};
static const ObjClass rlocker_class = {
    .name = "*sync.rlocker", .methods = rlocker_methods, .get_field = NULL};

static int rw_rlocker(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(object_new(&rlocker_class, payload(a[0])));
    return 1;
}

static const MethodDef rw_methods[] = {{"RLock", rw_rlock, 0, 0},     {"RUnlock", rw_runlock, 0, 0},
                                       {"Lock", rw_lock, 0, 0},       {"Unlock", rw_unlock, 0, 0},
                                       {"TryLock", rw_trylock, 0, 0}, {"TryRLock", rw_tryrlock, 0, 0},
                                       {"RLocker", rw_rlocker, 0, 0}, {NULL, NULL, 0, 0}};
static const ObjClass rw_class = {.name = "sync.RWMutex", .methods = rw_methods, .get_field = NULL};

static int new_rwmutex(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(object_new(&rw_class, mem_alloc(sizeof(CspRW))));
    return 1;
}

/* ---- WaitGroup ----------------------------------------------------------- */

typedef struct CspWG {
    _Atomic int64_t count; /* Add/Done: atomic; the 0 transition takes ql */
    Lock ql;
    GQueue q;        /* ql */
    RaceClock *race; /* ql: what the Done calls published (race detector) */
} CspWG;

static int wg_add_n(Thread *t, CspWG *wg, int64_t delta)
{
    if (RACE_ON() && delta < 0) { /* Done happens before the Wait it releases */
        lock_acquire(&wg->ql);
        race_release(t, &wg->race);
        lock_release(&wg->ql);
    }
    int64_t v = atomic_fetch_add(&wg->count, delta) + delta;
    if (v < 0) {
        atomic_fetch_sub(&wg->count, delta);
        return vm_panicf(t, E_NEG_WG);
    }
    if (v == 0) {
        lock_acquire(&wg->ql);
        GQueue q = wg->q;
        wg->q.first = wg->q.last = NULL;
        lock_release(&wg->ql);
        G *g;
        while ((g = gq_pop(&q))) {
            if (TRACE_ON())
                trace_handoff(g, "sync.WaitGroup");
            sched_ready(g);
        }
    }
    return 0;
}

static int wg_add(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!vm_check_int(t, "sync.WaitGroup.Add", a, 1, &d))
        return -1;
    return wg_add_n(t, payload(a[0]), d);
}

static int wg_done(Thread *t, Value *a, int n, Value *r)
{
    return wg_add_n(t, payload(a[0]), -1);
}

static int wg_wait(Thread *t, Value *a, int n, Value *r)
{
    CspWG *wg = payload(a[0]);
    if (atomic_load(&wg->count) == 0 && !RACE_ON())
        return 0;
    lock_acquire(&wg->ql);
    if (atomic_load(&wg->count) == 0) {
        if (RACE_ON())
            race_acquire(t, &wg->race);
        lock_release(&wg->ql);
        return 0;
    }
    gq_push(&wg->q, sched_getg());
    sched_wait_on(wg);
    sched_park("sync.WaitGroup.Wait", unlock_ql, &wg->ql);
    if (RACE_ON()) {
        lock_acquire(&wg->ql);
        race_acquire(t, &wg->race);
        lock_release(&wg->ql);
    }
    return 0;
}

/* A function bound to a receiver, as a method value is: calling it calls
 * fn(recv, args...). fn is a native made once (natives counts the
 * receiver in its argument counts, as a class's methods do). */
static Value bind(Value recv, ObjNative *fn)
{
    ObjBound *b = mem_alloc(sizeof *b);
    b->h.kind = OBJ_BOUND;
    b->recv = recv;
    b->fn = v_from_ptr(fn);
    return v_from_ptr(b);
}

static ObjNative *method_native(const char *name, NativeFn fn, int min_args, int max_args)
{
    ObjNative *m = native_new(name, fn, min_args + 1, max_args < 0 ? -1 : max_args + 1);
    m->h.flags |= NATIVE_METHOD;
    return m;
}

/* The goroutine wg.Go starts: f(), then wg.Done(), even when f panics
 * (Go's deferred Done; the panic then ends the program as usual). */
static ObjNative *wg_go_body_fn; /* made when the module opens */

static int wg_go_body(Thread *t, Value *a, int n, Value *r)
{
    CspWG *wg = payload(a[0]);
    Value f = a[1];
    int rc = vm_call(t, f, NULL, 0);
    wg_add_n(t, wg, -1);
    return rc < 0 ? -1 : 0;
}

/* wg.Go(f) (Go 1.25): wg.Add(1), then f in a new goroutine that calls
 * wg.Done() when f returns. */
static int wg_go(Thread *t, Value *a, int n, Value *r)
{
    Value f = a[1];
    if (!v_is_obj(f, OBJ_CLOSURE) && !v_is_obj(f, OBJ_NATIVE) && !v_is_obj(f, OBJ_BOUND))
        return vm_panicf(t, E_ARG_TYPE, "sync.WaitGroup.Go", 1, "a func()", v_type_name(f));
    if (wg_add_n(t, payload(a[0]), 1) < 0)
        return -1;
    sched_go(t, bind(a[0], wg_go_body_fn), &f, 1);
    return 0;
}

static const MethodDef wg_methods[] = {{"Add", wg_add, 1, 1},
                                       {"Done", wg_done, 0, 0},
                                       {"Wait", wg_wait, 0, 0},
                                       {"Go", wg_go, 1, 1},
                                       {NULL, NULL, 0, 0}};
static const ObjClass wg_class = {.name = "sync.WaitGroup", .methods = wg_methods, .get_field = NULL};

static int new_waitgroup(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(object_new(&wg_class, mem_alloc(sizeof(CspWG))));
    return 1;
}

/* ---- Once ---------------------------------------------------------------- */

typedef struct CspOnce {
    _Atomic int done; /* set once f has run; the slow path holds mu */
    CspMutex mu;
    RaceClock *race; /* the race detector's: written once, before done */
} CspOnce;

static int once_do(Thread *t, Value *a, int n, Value *r)
{
    CspOnce *o = payload(a[0]);
    if (atomic_load(&o->done)) {
        if (RACE_ON()) /* f happens before every Do returns */
            race_acquire(t, &o->race);
        return 0;
    }
    Value f = a[1];
    mutex_lock(&o->mu);
    int rc = 0;
    if (!atomic_load(&o->done)) {
        rc = vm_call(t, f, NULL, 0);
        if (RACE_ON())
            race_release(t, &o->race);
        atomic_store(&o->done, 1); /* even if f panicked, as Go */
    } else if (RACE_ON()) {
        race_acquire(t, &o->race);
    }
    mutex_unlock(&o->mu);
    return rc < 0 ? -1 : 0;
}

static const MethodDef once_methods[] = {{"Do", once_do, 1, 1}, {NULL, NULL, 0, 0}};
static const ObjClass once_class = {.name = "sync.Once", .methods = once_methods, .get_field = NULL};

static int new_once(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(object_new(&once_class, mem_alloc(sizeof(CspOnce))));
    return 1;
}

/* ---- OnceFunc, OnceValue, OnceValues (Go 1.21) --------------------------- */

/* The state behind the function OnceFunc returns. Every field but once is
 * written by the one call that runs f, before it sets once.done (under
 * once.mu, whose release publishes them), and only read after. */
typedef struct CspOnceFn {
    CspOnce once;
    Value f;       /* the function; nil once it has run (let it go) */
    int nres;      /* results kept: 0 OnceFunc, 1 OnceValue, 2 OnceValues */
    Value res[2];  /* f's results */
    bool panicked; /* f panicked: every call panics with pval */
    Value pval;
} CspOnceFn;

static ObjNative *oncefn_call_fn; /* made when the module opens */

static int oncefn_call(Thread *t, Value *a, int n, Value *r)
{
    CspOnceFn *o = payload(a[0]);
    if (!atomic_load(&o->once.done)) {
        mutex_lock(&o->once.mu);
        if (!atomic_load(&o->once.done)) {
            Value f = o->f;
            int rc = vm_call(t, f, NULL, 0);
            if (rc < 0) {
                o->panicked = true;
                o->pval = t->panic_val;
            } else {
                for (int i = 0; i < o->nres && i < rc; i++)
                    o->res[i] = t->rets[i];
            }
            o->f = V_NIL;
            atomic_store(&o->once.done, 1);
            mutex_unlock(&o->once.mu);
            if (rc < 0)
                return -1; /* this call's panic goes on */
        } else {
            mutex_unlock(&o->once.mu);
        }
    }
    if (o->panicked)
        return vm_panic(t, o->pval);
    for (int i = 0; i < o->nres; i++)
        r[i] = o->res[i];
    return o->nres;
}

static int once_fn_new(Thread *t, Value *a, int nres, const char *name, Value *r)
{
    Value f = a[0];
    if (!v_is_obj(f, OBJ_CLOSURE) && !v_is_obj(f, OBJ_NATIVE) && !v_is_obj(f, OBJ_BOUND))
        return vm_panicf(t, E_ARG_TYPE, name, 1, "a func", v_type_name(f));
    static const ObjClass oncefn_class = {.name = "sync.onceFunc", .methods = NULL, .get_field = NULL};
    CspOnceFn *o = mem_alloc(sizeof *o);
    o->f = f;
    o->nres = nres;
    r[0] = bind(v_from_ptr(object_new(&oncefn_class, o)), oncefn_call_fn);
    return 1;
}

static int f_oncefunc(Thread *t, Value *a, int n, Value *r)
{
    return once_fn_new(t, a, 0, "sync.OnceFunc", r);
}

static int f_oncevalue(Thread *t, Value *a, int n, Value *r)
{
    return once_fn_new(t, a, 1, "sync.OnceValue", r);
}

static int f_oncevalues(Thread *t, Value *a, int n, Value *r)
{
    return once_fn_new(t, a, 2, "sync.OnceValues", r);
}

/* ---- Cond: tickets, as Go's notifyList ----------------------------------- */

typedef struct CondWaiter {
    G *g;
    uint32_t ticket;
    struct CondWaiter *next;
} CondWaiter;

typedef struct CspCond {
    Value L;               /* the locker (a sync.Mutex, RWMutex or RLocker), nil
                              until set: atomic loads and stores (`c.L = &mu`
                              may come after the Cond is made) */
    _Atomic uint32_t wait; /* next ticket to hand out */
    Lock ql;
    uint32_t notify;         /* ql: tickets below this are signalled */
    CondWaiter *head, *tail; /* ql */
    RaceClock *race;         /* ql: what Signal and Broadcast published */
} CspCond;

static int locker_call(Thread *t, Value locker, const char *method)
{
    ObjNative *m = class_method(((ObjObject *)v_ptr(locker))->cls, str_cstr(method));
    if (!m)
        return vm_panicf(t, E_NO_FIELD, v_type_name(locker), method);
    Value arg = locker;
    return m->fn(t, &arg, 1, t->rets) < 0 ? -1 : 0;
}

static int cond_wait(Thread *t, Value *a, int n, Value *r)
{
    CspCond *c = payload(a[0]);
    Value L = __atomic_load_n(&c->L, __ATOMIC_ACQUIRE);
    if (L == V_NIL)
        return vm_panicf(t, E_NIL_DEREF);
    uint32_t ticket = atomic_fetch_add(&c->wait, 1);
    if (locker_call(t, L, "Unlock") < 0)
        return -1;
    lock_acquire(&c->ql);
    if ((int32_t)(ticket - c->notify) < 0) {
        if (RACE_ON())
            race_acquire(t, &c->race);
        lock_release(&c->ql); /* signalled before we got here */
    } else {
        CondWaiter *w = mem_alloc(sizeof *w);
        w->g = sched_getg();
        w->ticket = ticket;
        if (c->tail)
            c->tail->next = w;
        else
            c->head = w;
        c->tail = w;
        sched_wait_on(c);
        sched_park("sync.Cond.Wait", unlock_ql, &c->ql);
        if (RACE_ON()) { /* the Signal that woke us happens before */
            lock_acquire(&c->ql);
            race_acquire(t, &c->race);
            lock_release(&c->ql);
        }
    }
    return locker_call(t, L, "Lock");
}

static int cond_signal(Thread *t, Value *a, int n, Value *r)
{
    CspCond *c = payload(a[0]);
    if (atomic_load(&c->wait) == c->notify)
        return 0;
    lock_acquire(&c->ql);
    if (atomic_load(&c->wait) == c->notify) {
        lock_release(&c->ql);
        return 0;
    }
    uint32_t ticket = c->notify++;
    if (RACE_ON())
        race_release(t, &c->race);
    G *g = NULL;
    for (CondWaiter **pw = &c->head, *prev = NULL; *pw; prev = *pw, pw = &(*pw)->next) {
        if ((*pw)->ticket == ticket) {
            CondWaiter *w = *pw;
            g = w->g;
            *pw = w->next;
            if (c->tail == w)
                c->tail = prev;
            break;
        }
    }
    lock_release(&c->ql);
    if (g)
        sched_ready(g);
    return 0;
}

static int cond_broadcast(Thread *t, Value *a, int n, Value *r)
{
    CspCond *c = payload(a[0]);
    lock_acquire(&c->ql);
    if (RACE_ON())
        race_release(t, &c->race);
    c->notify = atomic_load(&c->wait);
    CondWaiter *w = c->head;
    c->head = c->tail = NULL;
    lock_release(&c->ql);
    for (; w; w = w->next)
        sched_ready(w->g);
    return 0;
}

static Value cond_field(Value self, ObjString *name)
{
    if (name->len == 1 && name->data[0] == 'L')
        return __atomic_load_n(&((CspCond *)payload(self))->L, __ATOMIC_ACQUIRE);
    return V_UNDEF;
}

/* A Locker csp can call: one of sync's own (Mutex, RWMutex, RLocker()).
 * &s.mu of a struct's field is a pointer to the field's slot: the mutex
 * is the object there. */
static bool check_locker(Thread *t, const char *fname, Value *Lp)
{
    Value L = *Lp;
    Value *slot = v_is_ref(L) ? ref_slot(L) : NULL;
    if (slot && v_is_obj(__atomic_load_n(slot, __ATOMIC_ACQUIRE), OBJ_OBJECT))
        *Lp = L = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    const ObjClass *c = v_is_obj(L, OBJ_OBJECT) ? ((ObjObject *)v_ptr(L))->cls : NULL;
    if (c == &mutex_class || c == &rw_class || c == &rlocker_class)
        return true;
    vm_panicf(t, E_ARG_TYPE, fname, 1, "a sync.Mutex or sync.RWMutex", v_type_name(L));
    return false;
}

/* c.L = &mu, and sync.Cond{L: &mu} (the setter convention of object.h) */
static int cond_set_l(Thread *t, Value *a, int n, Value *r)
{
    Value L = a[1];
    if (L != V_NIL && !check_locker(t, "sync.Cond.L", &L))
        return -1;
    __atomic_store_n(&((CspCond *)payload(a[0]))->L, L, __ATOMIC_RELEASE);
    return 0;
}

static const MethodDef cond_methods[] = {{"Wait", cond_wait, 0, 0},
                                         {"Signal", cond_signal, 0, 0},
                                         {"Broadcast", cond_broadcast, 0, 0},
                                         {"L=", cond_set_l, 1, 1},
                                         {NULL, NULL, 0, 0}};
static const ObjClass cond_class = {.name = "sync.Cond", .methods = cond_methods, .get_field = cond_field};

/* sync.NewCond(&mu); with no locker, the zero Cond (`var c sync.Cond`),
 * whose L the script sets before waiting. */
static int new_cond(Thread *t, Value *a, int n, Value *r)
{
    Value L = n > 0 ? a[0] : V_NIL;
    if (n > 0 && !check_locker(t, "sync.NewCond", &L))
        return -1;
    CspCond *c = mem_alloc(sizeof *c);
    c->L = L;
    r[0] = v_from_ptr(object_new(&cond_class, c));
    return 1;
}

/* ---- Atomic -------------------------------------------------------------- */

typedef struct CspAtomic {
    _Atomic Value v; /* the value: every method is an atomic op or CAS loop */
} CspAtomic;

static int at_load(Thread *t, Value *a, int n, Value *r)
{
    r[0] = atomic_load(&((CspAtomic *)payload(a[0]))->v);
    return 1;
}

static int at_store(Thread *t, Value *a, int n, Value *r)
{
    atomic_store(&((CspAtomic *)payload(a[0]))->v, a[1]);
    return 0;
}

static int at_swap(Thread *t, Value *a, int n, Value *r)
{
    r[0] = atomic_exchange(&((CspAtomic *)payload(a[0]))->v, a[1]);
    return 1;
}

static int at_add(Thread *t, Value *a, int n, Value *r)
{
    CspAtomic *x = payload(a[0]);
    Value d = a[1];
    if (!v_is_anyint(d) && !v_is_anyfloat(d))
        return vm_panicf(t, E_ARG_TYPE, "sync.Atomic.Add", 1, "a number", v_type_name(d));
    Value cur = atomic_load(&x->v);
    for (;;) {
        Value nv;
        if (v_is_anyint(cur) && v_is_anyint(d))
            nv = v_make_int((int64_t)((uint64_t)v_anyint(cur) + (uint64_t)v_anyint(d)));
        else if ((v_is_anyint(cur) || v_is_anyfloat(cur)))
            nv = v_make_float((v_is_anyint(cur) ? (double)v_anyint(cur) : v_anyfloat(cur)) +
                              (v_is_anyint(d) ? (double)v_anyint(d) : v_anyfloat(d)));
        else if (cur == V_NIL)
            nv = d;
        else
            return vm_panicf(t, E_ARG_TYPE, "sync.Atomic.Add", 0, "a number", v_type_name(cur));
        if (atomic_compare_exchange_weak(&x->v, &cur, nv)) {
            r[0] = nv;
            return 1;
        }
    }
}

static int at_cas(Thread *t, Value *a, int n, Value *r)
{
    CspAtomic *x = payload(a[0]);
    Value old = a[1], nv = a[2];
    Value cur = atomic_load(&x->v);
    for (;;) {
        if (!v_equal(cur, old)) {
            r[0] = V_FALSE;
            return 1;
        }
        if (atomic_compare_exchange_weak(&x->v, &cur, nv)) {
            r[0] = V_TRUE;
            return 1;
        }
    }
}

/* The methods, with the race detector's order around them (race.h). */
RACE_ATOMIC_METHOD(at_load, payload(a[0]))
RACE_ATOMIC_METHOD(at_store, payload(a[0]))
RACE_ATOMIC_METHOD(at_swap, payload(a[0]))
RACE_ATOMIC_METHOD(at_add, payload(a[0]))
RACE_ATOMIC_METHOD(at_cas, payload(a[0]))

static const MethodDef atomic_methods[] = {{"Load", at_load_r, 0, 0},          {"Store", at_store_r, 1, 1},
                                           {"Swap", at_swap_r, 1, 1},          {"Add", at_add_r, 1, 1},
                                           {"CompareAndSwap", at_cas_r, 2, 2}, {NULL, NULL, 0, 0}};
static const ObjClass atomic_class = {.name = "sync.Atomic", .methods = atomic_methods, .get_field = NULL};

static int new_atomic(Thread *t, Value *a, int n, Value *r)
{
    CspAtomic *x = mem_alloc(sizeof *x);
    atomic_store(&x->v, n > 0 ? a[0] : v_int_small(0));
    r[0] = v_from_ptr(object_new(&atomic_class, x));
    return 1;
}

/* ---- Map ---------------------------------------------------------------- */

/* sync.Map: a csp map behind a short lock. Range copies the entries out
 * under the lock and calls f on the copy without it, so f may use the map
 * (Go's Range sees no consistent snapshot either). */
typedef struct CspSyncMap {
    Lock lk;
    ObjMap *m;       /* lk: the entries */
    RaceClock *race; /* lk: each operation acquires and releases it, so a
                        Load is ordered after the Store it sees (race.h) */
} CspSyncMap;

static CspSyncMap *smap_of(Value self)
{
    return payload(self);
}

/* Panics for a key no map can hold (a slice, a map, a func), as Go's
 * sync.Map does. */
static bool smap_key_ok(Thread *t, Value key)
{
    if (map_key_ok(key))
        return true;
    vm_panicf(t, E_BAD_MAP_KEY, format_value_type(key) ? format_type_name(key) : v_type_name(key));
    return false;
}

/* Store under lk; false when the key cannot be a map key. */
static bool smap_set(Thread *t, CspSyncMap *sm, Value key, Value val)
{
    if (map_set(sm->m, key, val) == MAP_OK)
        return true;
    lock_release(&sm->lk);
    vm_panicf(t, E_BAD_MAP_KEY, format_value_type(key) ? format_type_name(key) : v_type_name(key));
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    return false;
}

static int sm_load(Thread *t, Value *a, int n, Value *r)
{
    CspSyncMap *sm = smap_of(a[0]);
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    bool ok = map_get(sm->m, a[1], &r[0]);
    lock_release(&sm->lk);
    if (!ok)
        r[0] = V_NIL;
    r[1] = v_bool(ok);
    return 2;
}

static int sm_store(Thread *t, Value *a, int n, Value *r)
{
    CspSyncMap *sm = smap_of(a[0]);
    if (!smap_key_ok(t, a[1]))
        return -1;
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    bool ok = smap_set(t, sm, a[1], a[2]);
    lock_release(&sm->lk);
    return ok ? 0 : -1;
}

static int sm_loadorstore(Thread *t, Value *a, int n, Value *r)
{
    CspSyncMap *sm = smap_of(a[0]);
    if (!smap_key_ok(t, a[1]))
        return -1;
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    bool loaded = map_get(sm->m, a[1], &r[0]);
    bool ok = true;
    if (!loaded) {
        r[0] = a[2];
        ok = smap_set(t, sm, a[1], a[2]);
    }
    lock_release(&sm->lk);
    r[1] = v_bool(loaded);
    return ok ? 2 : -1;
}

static int sm_loadanddelete(Thread *t, Value *a, int n, Value *r)
{
    CspSyncMap *sm = smap_of(a[0]);
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    bool loaded = map_get(sm->m, a[1], &r[0]);
    if (loaded)
        map_delete(sm->m, a[1]);
    lock_release(&sm->lk);
    if (!loaded)
        r[0] = V_NIL;
    r[1] = v_bool(loaded);
    return 2;
}

static int sm_delete(Thread *t, Value *a, int n, Value *r)
{
    CspSyncMap *sm = smap_of(a[0]);
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    map_delete(sm->m, a[1]);
    lock_release(&sm->lk);
    return 0;
}

static int sm_swap(Thread *t, Value *a, int n, Value *r)
{
    CspSyncMap *sm = smap_of(a[0]);
    if (!smap_key_ok(t, a[1]))
        return -1;
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    bool loaded = map_get(sm->m, a[1], &r[0]);
    bool ok = smap_set(t, sm, a[1], a[2]);
    lock_release(&sm->lk);
    if (!loaded)
        r[0] = V_NIL;
    r[1] = v_bool(loaded);
    return ok ? 2 : -1;
}

/* Go compares the old value with ==, which panics for a value of an
 * uncomparable type. */
static bool smap_equal(Thread *t, Value cur, Value old)
{
    if (v_uncomparable_pair(cur, old)) {
        vm_panic_msg(t, "runtime error: comparing uncomparable type %s", v_type_name(old));
        return false;
    }
    return v_iface_equal(cur, old);
}

/* CompareAndSwap (replace with a[3]) and CompareAndDelete: compare
 * outside the lock (comparing may panic: an uncomparable value), then act
 * only if the entry still holds what was compared. */
static int sm_compare_and(Thread *t, Value *a, bool del, Value *r)
{
    CspSyncMap *sm = smap_of(a[0]);
    Value cur;
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    bool found = map_get(sm->m, a[1], &cur);
    lock_release(&sm->lk);
    for (;;) {
        if (!found) {
            r[0] = V_FALSE;
            return 1;
        }
        if (!smap_equal(t, cur, a[2]))
            return t->panicking ? -1 : (r[0] = V_FALSE, 1);
        lock_acquire(&sm->lk);
        if (RACE_ON())
            race_acqrel(t, &sm->race);
        Value now;
        found = map_get(sm->m, a[1], &now);
        bool done = found && now == cur;
        if (done && del)
            map_delete(sm->m, a[1]);
        else if (done)
            map_set(sm->m, a[1], a[3]);
        lock_release(&sm->lk);
        if (done) {
            r[0] = V_TRUE;
            return 1;
        }
        cur = now;
    }
}

static int sm_cas(Thread *t, Value *a, int n, Value *r)
{
    return sm_compare_and(t, a, false, r);
}

static int sm_cad(Thread *t, Value *a, int n, Value *r)
{
    return sm_compare_and(t, a, true, r);
}

static int sm_clear(Thread *t, Value *a, int n, Value *r)
{
    CspSyncMap *sm = smap_of(a[0]);
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    map_clear(sm->m);
    lock_release(&sm->lk);
    return 0;
}

static int sm_range(Thread *t, Value *a, int n, Value *r)
{
    CspSyncMap *sm = smap_of(a[0]);
    Value f = a[1];
    lock_acquire(&sm->lk);
    if (RACE_ON())
        race_acqrel(t, &sm->race);
    size_t len = sm->m->len, i = 0, cursor = 0;
    Value *kv = mem_alloc((len ? len : 1) * 2 * sizeof *kv);
    Value k, v;
    while (i < len && map_next(sm->m, &cursor, &k, &v)) {
        kv[2 * i] = k;
        kv[2 * i + 1] = v;
        i++;
    }
    lock_release(&sm->lk);
    for (size_t j = 0; j < i; j++) {
        int rc = vm_call(t, f, kv + 2 * j, 2);
        if (rc < 0)
            return -1;
        if (rc > 0 && t->rets[0] == V_FALSE)
            break;
    }
    return 0;
}

static const MethodDef smap_methods[] = {{"Load", sm_load, 1, 1},
                                         {"Store", sm_store, 2, 2},
                                         {"LoadOrStore", sm_loadorstore, 2, 2},
                                         {"LoadAndDelete", sm_loadanddelete, 1, 1},
                                         {"Delete", sm_delete, 1, 1},
                                         {"Swap", sm_swap, 2, 2},
                                         {"CompareAndSwap", sm_cas, 3, 3},
                                         {"CompareAndDelete", sm_cad, 2, 2},
                                         {"Clear", sm_clear, 0, 0},
                                         {"Range", sm_range, 1, 1},
                                         {NULL, NULL, 0, 0}};
static const ObjClass smap_class = {.name = "sync.Map", .methods = smap_methods, .get_field = NULL};

static int new_map(Thread *t, Value *a, int n, Value *r)
{
    CspSyncMap *sm = mem_alloc(sizeof *sm);
    sm->m = map_new(0);
    r[0] = v_from_ptr(object_new(&smap_class, sm));
    return 1;
}

/* ---- Pool ----------------------------------------------------------------- */

/* sync.Pool: a stack of values put back, and the New function that Get
 * calls when it is empty. Go's pool may drop its values at any collection;
 * this one keeps them. */
typedef struct CspPool {
    Lock lk;
    Value New;     /* lk: the script's New field, or nil */
    Value *items;  /* lk */
    size_t n, cap; /* lk */
    RaceClock *race; /* lk: a Put is ordered before the Get that takes its value (race.h) */
} CspPool;

static int pool_get(Thread *t, Value *a, int n, Value *r)
{
    CspPool *p = payload(a[0]);
    lock_acquire(&p->lk);
    Value fn = p->New;
    bool have = p->n > 0;
    if (RACE_ON())
        race_acquire(t, &p->race);
    if (have) {
        r[0] = p->items[--p->n];
        p->items[p->n] = V_NIL;
    }
    lock_release(&p->lk);
    if (have)
        return 1;
    if (fn == V_NIL) {
        r[0] = V_NIL;
        return 1;
    }
    int rc = vm_call(t, fn, NULL, 0);
    if (rc < 0)
        return -1;
    r[0] = rc > 0 ? t->rets[0] : V_NIL;
    return 1;
}

static int pool_put(Thread *t, Value *a, int n, Value *r)
{
    CspPool *p = payload(a[0]);
    if (a[1] == V_NIL)
        return 0; /* as Go: Put(nil) does nothing */
    lock_acquire(&p->lk);
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        Value *items = mem_alloc(cap * sizeof *items);
        if (p->n)
            memcpy(items, p->items, p->n * sizeof *items);
        p->items = items;
        p->cap = cap;
    }
    p->items[p->n++] = a[1];
    if (RACE_ON())
        race_release(t, &p->race);
    lock_release(&p->lk);
    return 0;
}

/* pool.New = f, and sync.Pool{New: f} (the setter convention of object.h) */
static int pool_set_new(Thread *t, Value *a, int n, Value *r)
{
    Value f = a[1];
    if (f != V_NIL && !v_is_obj(f, OBJ_CLOSURE) && !v_is_obj(f, OBJ_NATIVE) && !v_is_obj(f, OBJ_BOUND))
        return vm_panicf(t, E_ARG_TYPE, "sync.Pool.New", 1, "a func() any", v_type_name(f));
    CspPool *p = payload(a[0]);
    lock_acquire(&p->lk);
    p->New = f;
    lock_release(&p->lk);
    return 0;
}

static Value pool_field(Value self, ObjString *name)
{
    if (name->len != 3 || memcmp(name->data, "New", 3) != 0)
        return V_UNDEF;
    CspPool *p = payload(self);
    lock_acquire(&p->lk);
    Value f = p->New;
    lock_release(&p->lk);
    return f;
}

static const MethodDef pool_methods[] = {
    {"Get", pool_get, 0, 0}, {"Put", pool_put, 1, 1}, {"New=", pool_set_new, 1, 1}, {NULL, NULL, 0, 0}};
static const ObjClass pool_class = {.name = "sync.Pool", .methods = pool_methods, .get_field = pool_field};

static int new_pool(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(object_new(&pool_class, mem_alloc(sizeof(CspPool))));
    return 1;
}

static void sync_open(ObjModule *m)
{
    wg_go_body_fn = method_native("sync.WaitGroup.Go.func1", wg_go_body, 1, 1);
    oncefn_call_fn = method_native("sync.OnceFunc.func1", oncefn_call, 0, 0);
    module_add_fn(m, "Map", new_map, 0, 0);
    module_add_fn(m, "Pool", new_pool, 0, 0);
    module_add_fn(m, "OnceFunc", f_oncefunc, 1, 1)->sig = "func(func()) func()";
    module_add_fn(m, "OnceValue", f_oncevalue, 1, 1);
    module_add_fn(m, "OnceValues", f_oncevalues, 1, 1);
    module_add_fn(m, "Mutex", new_mutex, 0, 0);
    module_add_fn(m, "RWMutex", new_rwmutex, 0, 0);
    module_add_fn(m, "WaitGroup", new_waitgroup, 0, 0);
    module_add_fn(m, "Once", new_once, 0, 0);
    module_add_fn(m, "Cond", new_cond, 0, 1);
    module_add_fn(m, "NewCond", new_cond, 1, 1); /* Go's name: sync.NewCond(&mu) */
    module_add_fn(m, "Atomic", new_atomic, 0, 1);
    static const char *const types[] = {"Mutex",  "RWMutex", "WaitGroup", "Once",
                                        "Atomic", "Cond",    "Map",       "Pool"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        module_add_type(m, types[i], TYPE_OBJECT);
    module_add_type(m, "Locker", TYPE_INTERFACE); /* Lock() and Unlock() */
}

const ModuleDef csp_module_sync = {"sync", sync_open};
