/* chan.c — see chan.h for the design and the locking rules.
 *
 * Invariants (under c->lock):
 *   - if recvq is non-empty, the buffer is empty (receivers only wait when
 *     there is nothing to take);
 *   - if sendq is non-empty, the buffer is full (senders only wait when
 *     there is no room; cap 0 is always "full");
 *   - a Sudog is on at most one queue; a select's Sudogs (one per case) can
 *     be claimed only by the waker that wins the CAS on g->selectdone.
 */
#include "chan.h"

#include <stdlib.h>

#include "mem.h"
#include "race.h"
#include "trace.h"
#include "types.h"

ObjChan *chan_new(size_t cap)
{
    ObjChan *c = mem_alloc(sizeof *c);
    c->h.kind = OBJ_CHAN;
    c->cap = cap;
    c->zero = V_NIL;
    if (cap)
        c->buf = mem_alloc(mem_size(cap, sizeof(Value), 0));
    return c;
}

/* ---- wait queues (c->lock held) ---------------------------------------- */

static void enqueue(WaitQ *q, Sudog *s)
{
    s->next = NULL;
    s->prev = q->last;
    if (q->last)
        q->last->next = s;
    else
        q->first = s;
    q->last = s;
}

static void unlink_sudog(WaitQ *q, Sudog *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else if (q->first == s)
        q->first = s->next;
    else
        return; /* not on this queue */
    if (s->next)
        s->next->prev = s->prev;
    else
        q->last = s->prev;
    s->next = s->prev = NULL;
}

/* Take the first waiter that can be claimed. A select waiter is claimed by
 * winning its G's selectdone; a lost race means another case already woke
 * that G, so the sudog is dropped and the next one tried. */
static Sudog *dequeue(WaitQ *q)
{
    for (;;) {
        Sudog *s = q->first;
        if (!s)
            return NULL;
        unlink_sudog(q, s);
        if (s->is_select) {
            int zero = 0;
            if (!atomic_compare_exchange_strong(&s->g->selectdone, &zero, 1))
                continue;
            s->g->param = s;
        }
        return s;
    }
}

static void unlock_chan(void *arg)
{
    lock_release(&((ObjChan *)arg)->lock);
}

static _Noreturn void block_forever(const char *reason)
{
    sched_wait_on(NULL);
    sched_park(reason, NULL, NULL);
    csp_fatal("a goroutine blocked forever was woken");
}

/* ---- send / receive ----------------------------------------------------- */

/* ---- the race detector's edges (race.h), c->lock held ---------------- */

/* The goroutine running here, NULL on the monitor (a timer's send). */
static Thread *race_self(void)
{
    G *g = sched_getg();
    return g ? g->vm : NULL;
}

/* The clock of buffer slot i: a send there and the receive that empties
 * it each acquire and release it, so the k-th receive is ordered before
 * the (k+cap)-th send, and each send before the receive of its value. */
static RaceClock **race_slot(ObjChan *c, size_t i)
{
    if (!c->race_buf)
        c->race_buf = mem_alloc(mem_size(c->cap ? c->cap : 1, sizeof *c->race_buf, 0));
    return &c->race_buf[i];
}

/* A value handed from sender to receiver with no buffer between (one of
 * them parked): unbuffered, each is ordered before the other's completion;
 * buffered (a receiver waited on an empty buffer), through the slot the
 * value would have taken. */
static void race_handoff(ObjChan *c, Thread *sender, Thread *receiver)
{
    if (c->cap == 0) {
        race_sync(sender, receiver);
    } else {
        RaceClock **sc = race_slot(c, c->recvx);
        race_acqrel(sender, sc);
        race_acqrel(receiver, sc);
    }
}

/* c->lock held, a receiver s waiting: hand v to it and wake it. */
static void send_direct(ObjChan *c, Sudog *s, Value v)
{
    if (RACE_ON())
        race_handoff(c, race_self(), s->g->vm);
    s->elem = v;
    s->success = true;
    if (TRACE_ON())
        trace_chan_handoff(c, s->g);
    lock_release(&c->lock);
    sched_ready(s->g);
}

/* c->lock held, room in the buffer. */
static inline void buf_put(ObjChan *c, Value v)
{
    if (TRACE_ON())
        trace_chan_put(c);
    if (RACE_ON())
        race_acqrel(race_self(), race_slot(c, c->sendx));
    c->buf[c->sendx] = v;
    if (++c->sendx == c->cap)
        c->sendx = 0;
    __atomic_store_n(&c->count, c->count + 1, __ATOMIC_RELAXED); /* len() reads it without the lock */
}

/* c->lock held, open: send without blocking if someone waits or there is
 * room. Releases the lock when it returns true. */
static bool send_now(ObjChan *c, Value v)
{
    Sudog *s = dequeue(&c->recvq);
    if (s) {
        send_direct(c, s, v);
        return true;
    }
    if (c->count < c->cap) {
        buf_put(c, v);
        lock_release(&c->lock);
        return true;
    }
    return false;
}

/* c->lock held: queue the current G on q and park; the lock is released
 * once the G is off its stack. Returns the G's sudog, as the waker left it. */
static Sudog *wait_on(ObjChan *c, WaitQ *q, Value elem, const char *reason)
{
    G *g = sched_getg();
    Sudog *s = &g->sd;
    s->g = g;
    s->elem = elem;
    s->success = false;
    s->is_select = false;
    s->c = c;
    enqueue(q, s);
    sched_wait_on(c);
    sched_park(reason, unlock_chan, c);
    return s;
}

/* A value sent on c converted to c's element type (ObjChan.vtype); an int
 * on a chan int, the common case, as it is. Returns -1 after a panic. */
static inline int send_value(Thread *t, const ObjChan *c, Value *v)
{
    const ObjType *ty = c->vtype;
    if (!ty ||
        (ty->kind == TYPE_INT && ty->bits == 64 && v_is_int(*v) && (!ty->is_unsigned || (int64_t)*v >= 0)))
        return 0;
    return types_store_at(t, ty, *v, v, false, types_store_places[STORE_SEND]);
}

int chan_send(Thread *t, ObjChan *c, Value v)
{
    if (!c)
        block_forever("chan send (nil chan)");
    if (send_value(t, c, &v) < 0)
        return -1;
    lock_acquire(&c->lock);
    if (c->closed) {
        lock_release(&c->lock);
        return vm_panicf(t, E_SEND_CLOSED);
    }
    if (send_now(c, v))
        return 0;
    Sudog *s = wait_on(c, &c->sendq, v, "chan send");
    s->elem = V_NIL;
    if (!s->success)
        return vm_panicf(t, E_SEND_CLOSED);
    return 0;
}

/* c->lock held, a sender s waiting: take its value (through the buffer
 * when buffered, to keep FIFO order) and wake it. */
static Value recv_from_sender(ObjChan *c, Sudog *s)
{
    Value v;
    if (RACE_ON()) {
        if (c->cap == 0) {
            race_sync(s->g->vm, race_self());
        } else {
            /* the receiver empties slot recvx, then the sender fills it */
            RaceClock **sc = race_slot(c, c->recvx);
            race_acqrel(race_self(), sc);
            race_acqrel(s->g->vm, sc);
        }
    }
    if (c->cap == 0) {
        v = s->elem;
    } else {
        /* The buffer is full: take its head, put the sender's value at
         * the tail (the same slot, since the ring is full). */
        v = c->buf[c->recvx];
        c->buf[c->recvx] = s->elem;
        if (++c->recvx == c->cap)
            c->recvx = 0;
        c->sendx = c->recvx;
    }
    s->elem = V_NIL;
    s->success = true;
    if (TRACE_ON())
        trace_chan_take(c, s->g);
    lock_release(&c->lock);
    sched_ready(s->g);
    return v;
}

static inline Value recv_buffered(ObjChan *c)
{
    if (TRACE_ON())
        trace_chan_get(c);
    if (RACE_ON())
        race_acqrel(race_self(), race_slot(c, c->recvx));
    Value v = c->buf[c->recvx];
    c->buf[c->recvx] = V_NIL;
    if (++c->recvx == c->cap)
        c->recvx = 0;
    __atomic_store_n(&c->count, c->count - 1, __ATOMIC_RELAXED);
    return v;
}

int chan_recv(Thread *t, ObjChan *c, Value *v, bool *ok)
{
    if (!c)
        block_forever("chan receive (nil chan)");
    lock_acquire(&c->lock);
    Sudog *s = dequeue(&c->sendq);
    if (s) {
        *v = recv_from_sender(c, s);
        *ok = true;
        return 0;
    }
    if (c->count > 0) {
        *v = recv_buffered(c);
        lock_release(&c->lock);
        *ok = true;
        return 0;
    }
    if (c->closed) {
        if (RACE_ON())
            race_acquire(t, &c->race_close);
        lock_release(&c->lock);
        *v = c->zero;
        *ok = false;
        return v_is_obj(c->zero, OBJ_TYPE);
    }
    s = wait_on(c, &c->recvq, V_NIL, "chan receive");
    bool sent = s->success;
    if (RACE_ON() && !sent)
        race_acquire(t, &c->race_close); /* written once, before the wake-up */
    *v = s->elem;
    *ok = sent;
    s->elem = V_NIL;
    return sent ? 0 : v_is_obj(c->zero, OBJ_TYPE);
}

bool chan_try_send(ObjChan *c, Value v)
{
    lock_acquire(&c->lock);
    if (!c->closed && send_now(c, v))
        return true;
    lock_release(&c->lock);
    return false;
}

int chan_close(Thread *t, ObjChan *c)
{
    if (!c)
        return vm_panicf(t, E_CLOSE_NIL);
    lock_acquire(&c->lock);
    if (c->closed) {
        lock_release(&c->lock);
        return vm_panicf(t, E_CLOSE_CLOSED);
    }
    c->closed = 1;
    if (RACE_ON())
        race_release(t, &c->race_close);
    /* Collect every waiter under the lock, wake them after it. */
    Sudog *wake = NULL, *s;
    while ((s = dequeue(&c->recvq))) {
        s->elem = c->zero; /* what a receive on a closed channel gives */
        s->success = false;
        s->next = wake;
        wake = s;
    }
    while ((s = dequeue(&c->sendq))) {
        s->success = false;
        s->next = wake;
        wake = s;
    }
    lock_release(&c->lock);
    while (wake) {
        Sudog *n = wake->next;
        wake->next = NULL;
        sched_ready(wake->g);
        wake = n;
    }
    return 0;
}

/* ---- select ------------------------------------------------------------- */

static __thread uint64_t rng_state;

static uint32_t fastrand(void)
{
    uint64_t x = rng_state;
    if (!x)
        x = (uint64_t)(uintptr_t)&rng_state ^ 0x9E3779B97F4A7C15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return (uint32_t)(x >> 32);
}

typedef struct SelLocks {
    ObjChan **order; /* distinct non-nil channels in address order */
    int n;
} SelLocks;

static void sel_lock(SelLocks *l)
{
    for (int i = 0; i < l->n; i++)
        lock_acquire(&l->order[i]->lock);
}

static void sel_unlock(SelLocks *l)
{
    for (int i = l->n - 1; i >= 0; i--)
        lock_release(&l->order[i]->lock);
}

static void sel_unlock_cb(void *arg)
{
    sel_unlock(arg);
}

/* Unlock every channel except c (whose lock the caller releases itself as
 * part of a hand-off). */
static void sel_unlock_except(SelLocks *l, ObjChan *c)
{
    for (int i = l->n - 1; i >= 0; i--)
        if (l->order[i] != c)
            lock_release(&l->order[i]->lock);
}

static int cmp_chan(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (ObjChan *const *)a, y = (uintptr_t) * (ObjChan *const *)b;
    return x < y ? -1 : x > y;
}

int chan_select(Thread *t, SelCase *cases, int n, bool has_default, Value *v, bool *ok)
{
    *v = V_NIL;
    *ok = false;
    for (int i = 0; i < n; i++) /* a typed channel's value to send, converted */
        if (cases[i].send && cases[i].c && send_value(t, cases[i].c, &cases[i].v) < 0)
            return -2;
    int stack_order[16];
    ObjChan *stack_locks[16];
    int *order = n <= 16 ? stack_order : mem_alloc_atomic(mem_size((size_t)n, sizeof(int), 0));
    ObjChan **locks = n <= 16 ? stack_locks : mem_alloc(mem_size((size_t)n, sizeof(ObjChan *), 0));

    /* A random permutation of the cases: uniform choice among ready ones. */
    for (int i = 0; i < n; i++) {
        int j = (int)(fastrand() % (uint32_t)(i + 1));
        order[i] = order[j];
        order[j] = i;
    }
    SelLocks l = {locks, 0};
    for (int i = 0; i < n; i++)
        if (cases[i].c)
            locks[l.n++] = cases[i].c;
    qsort(locks, (size_t)l.n, sizeof *locks, cmp_chan);
    int d = 0;
    for (int i = 0; i < l.n; i++)
        if (i == 0 || locks[i] != locks[i - 1])
            locks[d++] = locks[i];
    l.n = d;

    if (l.n == 0 && !has_default)
        block_forever("select (no cases)");

    sel_lock(&l);
    for (int k = 0; k < n; k++) {
        int i = order[k];
        ObjChan *c = cases[i].c;
        if (!c)
            continue;
        if (cases[i].send) {
            if (c->closed) {
                sel_unlock(&l);
                vm_panicf(t, E_SEND_CLOSED);
                return -2;
            }
            Sudog *s = dequeue(&c->recvq);
            if (s) {
                sel_unlock_except(&l, c);
                send_direct(c, s, cases[i].v);
                return i;
            }
            if (c->count < c->cap) {
                buf_put(c, cases[i].v);
                sel_unlock(&l);
                return i;
            }
        } else {
            Sudog *s = dequeue(&c->sendq);
            if (s) {
                sel_unlock_except(&l, c);
                *v = recv_from_sender(c, s);
                *ok = true;
                return i;
            }
            if (c->count > 0) {
                *v = recv_buffered(c);
                *ok = true;
                sel_unlock(&l);
                return i;
            }
            if (c->closed) {
                if (RACE_ON())
                    race_acquire(t, &c->race_close);
                *v = c->zero;
                sel_unlock(&l);
                return i;
            }
        }
    }
    if (has_default) {
        sel_unlock(&l);
        return -1;
    }

    /* Block on every case at once. */
    G *g = sched_getg();
    Sudog *sds = mem_alloc(mem_size((size_t)n, sizeof(Sudog), 0));
    atomic_store(&g->selectdone, 0);
    g->param = NULL;
    for (int i = 0; i < n; i++) {
        ObjChan *c = cases[i].c;
        if (!c)
            continue;
        Sudog *s = &sds[i];
        s->g = g;
        s->c = c;
        s->is_select = true;
        s->case_index = i;
        s->success = false;
        s->elem = cases[i].send ? cases[i].v : V_NIL;
        enqueue(cases[i].send ? &c->sendq : &c->recvq, s);
    }
    sched_wait_on_select(sds, n);
    sched_park("select", sel_unlock_cb, &l);

    /* Woken by exactly one case (g->param). Take our other sudogs off
     * their queues. */
    Sudog *won = g->param;
    sel_lock(&l);
    for (int i = 0; i < n; i++) {
        ObjChan *c = cases[i].c;
        if (!c || &sds[i] == won)
            continue;
        unlink_sudog(cases[i].send ? &c->sendq : &c->recvq, &sds[i]);
    }
    sel_unlock(&l);
    g->param = NULL;
    if (!won)
        csp_fatal("select: woken without a case");
    int i = won->case_index;
    if (cases[i].send) {
        if (!won->success) {
            vm_panicf(t, E_SEND_CLOSED);
            return -2;
        }
    } else {
        *v = won->elem;
        *ok = won->success;
        if (RACE_ON() && !won->success)
            race_acquire(t, &cases[i].c->race_close);
    }
    return i;
}
