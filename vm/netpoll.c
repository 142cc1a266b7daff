/* netpoll.c — the network poller on epoll (design in netpoll.h).
 *
 * The waiting slots (PollDesc.rg, .wg) hold PD_NIL, PD_READY, PD_WAIT or a
 * G pointer, and change only by atomic exchange or compare-and-swap:
 *   waiter:  NIL -> WAIT (deciding to park), then on g0, after its context
 *            is saved, WAIT -> G (commit). If the commit fails, someone
 *            moved the slot meanwhile and the goroutine runs on at once.
 *            Once woken it takes the slot back to NIL, and READY tells it
 *            the fd is ready.
 *   waker:   an event moves any state to READY, a deadline or close moves
 *            WAIT or G to NIL; whoever takes a G out of the slot readies it.
 * A waiter re-reads `closing` and the deadline after publishing WAIT (all
 * seq_cst), and a closer or deadline sets them before moving the slot, so
 * one of the two always sees the other: no goroutine sleeps through a
 * close or a deadline.
 *
 * Waiter accounting (netpoll_waiters): a commit counts the G; it stays
 * counted until the G is on a run queue (the timer, close and event paths
 * drop the count after sched_ready, the scheduler after it queued what
 * netpoll returned), so the deadlock check never sees "nobody waits and
 * nothing is runnable" while a wake-up is on its way.
 */
#include "netpoll.h"

#include <errno.h>
#include <gc/gc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "out.h"
#include "sched.h"
#include "trace.h"

#define PD_NIL ((uintptr_t)0)
#define PD_READY ((uintptr_t)1)
#define PD_WAIT ((uintptr_t)2)

#define PD_CHUNK 256        /* descriptors allocated together */
#define PD_MAX_CHUNKS 16384 /* 4M descriptors: far past any fd limit */
#define BREAK_TAG UINT64_MAX

/* A goroutine waiting for one of the fd locks (netpoll_lock). Lives on
 * the waiter's own stack while it is parked. */
typedef struct FdWaiter {
    G *g;
    struct FdWaiter *next;
} FdWaiter;

typedef struct FdLock {
    bool held;             /* lock */
    FdWaiter *head, *tail; /* parked in FIFO order: lock */
} FdLock;

struct PollDesc {
    int fd;                   /* written by netpoll_open before the fd is
                                 registered; read by its users */
    uint32_t index;           /* position in the chunk table; immutable */
    _Atomic uint32_t seq;     /* bumped on every free: an event carrying an
                                 older one is stale */
    _Atomic uintptr_t rg, wg; /* the waiting slots (see the top) */
    _Atomic bool closing;     /* set once by netpoll_evict (seq_cst) */
    _Atomic int64_t rd, wd;   /* deadlines: 0 none, -1 passed, else an
                                 instant; written under lock, read anywhere */
    pthread_mutex_t lock;     /* deadlines, timers and the fd locks */
    Timer rt, wt;             /* the deadline timers: lock (their fields
                                 belong to timer_lock once started) */
    FdLock rlock, wlock;
    PollDesc *link; /* free list: pd_lock */
};

static pthread_mutex_t pd_lock = PTHREAD_MUTEX_INITIALIZER;
static PollDesc *pd_free;                          /* pd_lock */
/* The chunks, by number: entries written once under pd_lock. Allocated
 * with the poller (128 KiB): in static storage the collector would scan
 * it at every collection of every program, networked or not. The chunks
 * are uncollectable, so this table need not be scanned. */
static PollDesc *_Atomic *pd_chunks;
static uint32_t pd_count;                          /* descriptors made: pd_lock */

static int epfd = -1;    /* immutable once poll_ready is set */
static int breakfd = -1; /* the eventfd that breaks a blocking poll */
static _Atomic bool poll_ready;
static pthread_once_t poll_once = PTHREAD_ONCE_INIT;
static _Atomic int break_pending; /* a write to breakfd is in flight */
static _Atomic int64_t nwaiters;

static void poll_init(void)
{
    pd_chunks = calloc(PD_MAX_CHUNKS, sizeof *pd_chunks);
    if (!pd_chunks)
        csp_fatal("runtime: netpoll: out of memory");
    epfd = epoll_create1(EPOLL_CLOEXEC);
    breakfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epfd < 0 || breakfd < 0)
        csp_fatal("runtime: netpoll: cannot create the poller: %s", strerror(errno));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = BREAK_TAG};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, breakfd, &ev) < 0)
        csp_fatal("runtime: netpoll: cannot register the break fd: %s", strerror(errno));
    atomic_store(&poll_ready, true);
}

bool netpoll_inited(void)
{
    return atomic_load_explicit(&poll_ready, memory_order_acquire);
}

static void deadline_fired(void *arg, int64_t now);

/* A descriptor from the free list or a new chunk. */
static PollDesc *pd_alloc(void)
{
    pthread_mutex_lock(&pd_lock);
    PollDesc *pd = pd_free;
    if (pd) {
        pd_free = pd->link;
        pthread_mutex_unlock(&pd_lock);
        return pd;
    }
    uint32_t c = pd_count / PD_CHUNK;
    if (c >= PD_MAX_CHUNKS)
        csp_fatal("runtime: netpoll: too many descriptors");
    /* Uncollectable: the collector scans it (the Gs in the slots) but
     * never frees it, since epoll's event data refers to it by index. */
    PollDesc *chunk = GC_MALLOC_UNCOLLECTABLE(PD_CHUNK * sizeof *chunk);
    if (!chunk)
        csp_fatal("runtime: netpoll: out of memory");
    memset(chunk, 0, PD_CHUNK * sizeof *chunk);
    for (uint32_t i = 0; i < PD_CHUNK; i++) {
        PollDesc *p = &chunk[i];
        p->index = c * PD_CHUNK + i;
        pthread_mutex_init(&p->lock, NULL);
        p->rt = (Timer){.fn = deadline_fired, .arg = p, .idx = TIMER_IDLE};
        p->wt = (Timer){.fn = deadline_fired, .arg = p, .idx = TIMER_IDLE};
        if (i > 0) {
            p->link = pd_free;
            pd_free = p;
        }
    }
    atomic_store_explicit(&pd_chunks[c], chunk, memory_order_release);
    pd_count += PD_CHUNK;
    pthread_mutex_unlock(&pd_lock);
    return &chunk[0];
}

static PollDesc *pd_lookup(uint32_t index)
{
    if (index / PD_CHUNK >= PD_MAX_CHUNKS)
        return NULL;
    PollDesc *chunk = atomic_load_explicit(&pd_chunks[index / PD_CHUNK], memory_order_acquire);
    return chunk ? &chunk[index % PD_CHUNK] : NULL;
}

PollDesc *netpoll_open(int fd)
{
    pthread_once(&poll_once, poll_init);
    PollDesc *pd = pd_alloc();
    pthread_mutex_lock(&pd->lock);
    pd->fd = fd;
    atomic_store(&pd->rg, PD_NIL);
    atomic_store(&pd->wg, PD_NIL);
    atomic_store(&pd->rd, 0);
    atomic_store(&pd->wd, 0);
    atomic_store(&pd->closing, false);
    pd->rlock = (FdLock){0};
    pd->wlock = (FdLock){0};
    uint32_t seq = atomic_load(&pd->seq);
    pthread_mutex_unlock(&pd->lock);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                             .data.u64 = (uint64_t)seq << 32 | pd->index}; /* netpoll_key */
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int e = errno;
        netpoll_free(pd);
        errno = e;
        return NULL;
    }
    return pd;
}

int netpoll_fd(const PollDesc *pd)
{
    return pd->fd;
}

/* Take a parked G out of a slot. ioready: an event (the slot becomes
 * READY); else a deadline or close (it becomes NIL, and a READY stays). */
static G *unblock(_Atomic uintptr_t *slot, bool ioready)
{
    for (;;) {
        uintptr_t old = atomic_load(slot);
        if (old == PD_READY)
            return NULL;
        if (old == PD_NIL && !ioready)
            return NULL;
        if (atomic_compare_exchange_weak(slot, &old, ioready ? PD_READY : PD_NIL))
            return old == PD_WAIT || old == PD_NIL ? NULL : (G *)old;
    }
}

/* Ready a G taken from a slot outside the scheduler's poll (a deadline, a
 * close): queued first, uncounted second (see the top). */
static void ready_counted(G *g)
{
    if (!g)
        return;
    sched_ready(g);
    atomic_fetch_sub(&nwaiters, 1);
}

static void timers_stop(PollDesc *pd)
{
    timer_stop(&pd->rt);
    timer_stop(&pd->wt);
}

void netpoll_evict(PollDesc *pd)
{
    pthread_mutex_lock(&pd->lock);
    atomic_store(&pd->closing, true);
    timers_stop(pd);
    G *r = unblock(&pd->rg, false);
    G *w = unblock(&pd->wg, false);
    pthread_mutex_unlock(&pd->lock);
    ready_counted(r);
    ready_counted(w);
}

void netpoll_free(PollDesc *pd)
{
    struct epoll_event ev = {0};
    epoll_ctl(epfd, EPOLL_CTL_DEL, pd->fd, &ev); /* fails only if never added */
    pthread_mutex_lock(&pd->lock);
    atomic_store(&pd->closing, true);
    timers_stop(pd);
    atomic_fetch_add(&pd->seq, 1);
    pd->fd = -1;
    pthread_mutex_unlock(&pd->lock);
    pthread_mutex_lock(&pd_lock);
    pd->link = pd_free;
    pd_free = pd;
    pthread_mutex_unlock(&pd_lock);
}

static int check_err(PollDesc *pd, int mode)
{
    if (atomic_load(&pd->closing))
        return NETPOLL_CLOSING;
    if ((mode == 'r' && atomic_load(&pd->rd) < 0) || (mode == 'w' && atomic_load(&pd->wd) < 0))
        return NETPOLL_TIMEOUT;
    return NETPOLL_READY;
}

int netpoll_prepare(PollDesc *pd, int mode)
{
    int e = check_err(pd, mode);
    if (e == NETPOLL_READY)
        atomic_store(mode == 'r' ? &pd->rg : &pd->wg, PD_NIL);
    return e;
}

typedef struct Commit {
    _Atomic uintptr_t *slot;
} Commit;

/* On g0, the waiter's context saved: publish the G in its slot, unless an
 * event, deadline or close moved the slot from WAIT meanwhile. */
static bool commit_wait(G *g, void *arg)
{
    Commit *c = arg;
    uintptr_t expect = PD_WAIT;
    /* Counted before it is published: a waker may uncount it at once. */
    atomic_fetch_add(&nwaiters, 1);
    if (atomic_compare_exchange_strong(c->slot, &expect, (uintptr_t)g))
        return true;
    atomic_fetch_sub(&nwaiters, 1);
    return false;
}

int netpoll_wait(PollDesc *pd, int mode)
{
    _Atomic uintptr_t *slot = mode == 'r' ? &pd->rg : &pd->wg;
    for (;;) {
        uintptr_t old = PD_READY;
        if (atomic_compare_exchange_strong(slot, &old, PD_NIL))
            return NETPOLL_READY; /* an event came first */
        old = PD_NIL;
        if (atomic_compare_exchange_strong(slot, &old, PD_WAIT))
            break;
        if (old != PD_READY)
            csp_fatal("runtime: netpoll: two goroutines wait on one descriptor");
    }
    /* Re-check after publishing WAIT: a close or deadline that came
     * before it has moved nothing (see the top). */
    int e = check_err(pd, mode);
    if (e == NETPOLL_READY) {
        Commit c = {slot};
        sched_park_commit("IO wait", commit_wait, &c);
    }
    uintptr_t old = atomic_exchange(slot, PD_NIL);
    if (old == PD_READY)
        return NETPOLL_READY;
    e = check_err(pd, mode);
    return e == NETPOLL_READY ? NETPOLL_READY : e; /* woken without an event: the caller tries again */
}

/* A deadline timer fired (on the monitor thread): if the deadline it was
 * set for is still the one in force, mark it passed and wake the waiter.
 * A timer whose deadline was moved later or removed finds nothing to do. */
static void deadline_fired(void *arg, int64_t now)
{
    PollDesc *pd = arg;
    G *gs[2] = {NULL, NULL};
    pthread_mutex_lock(&pd->lock);
    int64_t rd = atomic_load(&pd->rd), wd = atomic_load(&pd->wd);
    if (rd > 0 && rd <= now) {
        atomic_store(&pd->rd, -1);
        gs[0] = unblock(&pd->rg, false);
    }
    if (wd > 0 && wd <= now) {
        atomic_store(&pd->wd, -1);
        gs[1] = unblock(&pd->wg, false);
    }
    pthread_mutex_unlock(&pd->lock);
    ready_counted(gs[0]);
    ready_counted(gs[1]);
}

static G *set_one(_Atomic int64_t *d, Timer *t, _Atomic uintptr_t *slot, int64_t when, int64_t now)
{
    timer_stop(t);
    if (when == 0) {
        atomic_store(d, 0);
        return NULL;
    }
    if (when <= now) {
        atomic_store(d, -1);
        return unblock(slot, false);
    }
    atomic_store(d, when);
    timer_reset(t, when, 0);
    return NULL;
}

void netpoll_set_deadline(PollDesc *pd, int64_t when, int mode)
{
    int64_t now = sched_nanotime();
    G *gs[2] = {NULL, NULL};
    pthread_mutex_lock(&pd->lock);
    if (!atomic_load(&pd->closing)) {
        if (mode == 'r' || mode == 'r' + 'w')
            gs[0] = set_one(&pd->rd, &pd->rt, &pd->rg, when, now);
        if (mode == 'w' || mode == 'r' + 'w')
            gs[1] = set_one(&pd->wd, &pd->wt, &pd->wg, when, now);
    }
    pthread_mutex_unlock(&pd->lock);
    ready_counted(gs[0]);
    ready_counted(gs[1]);
}

/* ---- the fd locks ---------------------------------------------------- */

static void unlock_pd(void *arg)
{
    pthread_mutex_unlock(&((PollDesc *)arg)->lock);
}

void netpoll_lock(PollDesc *pd, int mode)
{
    FdLock *l = mode == 'r' ? &pd->rlock : &pd->wlock;
    pthread_mutex_lock(&pd->lock);
    if (!l->held) {
        l->held = true;
        pthread_mutex_unlock(&pd->lock);
        return;
    }
    FdWaiter w = {sched_getg(), NULL};
    if (l->tail)
        l->tail->next = &w;
    else
        l->head = &w;
    l->tail = &w;
    /* pd->lock is released on g0 once we are parked, so the unlocker
     * cannot ready us before our context is saved. The lock passes to us
     * held (netpoll_unlock hands it over). */
    sched_park("IO wait", unlock_pd, pd);
}

bool netpoll_trylock(PollDesc *pd, int mode)
{
    FdLock *l = mode == 'r' ? &pd->rlock : &pd->wlock;
    pthread_mutex_lock(&pd->lock);
    bool got = !l->held;
    l->held = true;
    pthread_mutex_unlock(&pd->lock);
    return got;
}

void netpoll_unlock(PollDesc *pd, int mode)
{
    FdLock *l = mode == 'r' ? &pd->rlock : &pd->wlock;
    pthread_mutex_lock(&pd->lock);
    FdWaiter *w = l->head;
    if (w) {
        l->head = w->next;
        if (!l->head)
            l->tail = NULL;
    } else {
        l->held = false;
    }
    G *g = w ? w->g : NULL;
    pthread_mutex_unlock(&pd->lock);
    if (g)
        sched_ready(g);
}

/* ---- the scheduler's side --------------------------------------------- */

int64_t netpoll_waiters(void)
{
    return atomic_load(&nwaiters);
}

void netpoll_done(int n)
{
    if (n)
        atomic_fetch_sub(&nwaiters, n);
}

void netpoll_break(void)
{
    if (!netpoll_inited())
        return;
    int zero = 0;
    if (!atomic_compare_exchange_strong(&break_pending, &zero, 1))
        return;
    uint64_t one = 1;
    while (write(breakfd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

G *netpoll(int64_t delay_ns, int *n)
{
    *n = 0;
    if (!netpoll_inited())
        return NULL;
    int timeout;
    if (delay_ns < 0)
        timeout = -1;
    else if (delay_ns == 0)
        timeout = 0;
    else if (delay_ns < 1000000)
        timeout = 1;
    else if (delay_ns < (int64_t)1000000 * 1000000)
        timeout = (int)(delay_ns / 1000000);
    else
        timeout = 1000000;
    struct epoll_event evs[128];
    int k;
    for (;;) {
        k = epoll_wait(epfd, evs, 128, timeout);
        if (k >= 0)
            break;
        if (errno != EINTR) /* EINTR: a collection's signal; poll again */
            csp_fatal("runtime: netpoll: epoll_wait: %s", strerror(errno));
        if (timeout > 0)
            return NULL; /* let the caller recompute its delay */
    }
    G *head = NULL;
    for (int i = 0; i < k; i++) {
        uint64_t data = evs[i].data.u64;
        if (data == BREAK_TAG) {
            uint64_t v;
            while (read(breakfd, &v, sizeof v) < 0 && errno == EINTR)
                ;
            atomic_store(&break_pending, 0);
            continue;
        }
        head = netpoll_deliver(data, evs[i].events, head, n);
    }
    return head;
}

uint64_t netpoll_key(const PollDesc *pd)
{
    return (uint64_t)atomic_load(&pd->seq) << 32 | pd->index;
}

G *netpoll_deliver(uint64_t key, uint32_t events, G *list, int *n)
{
    PollDesc *pd = pd_lookup((uint32_t)key);
    if (!pd || atomic_load(&pd->seq) != (uint32_t)(key >> 32))
        return list; /* the socket it was for is gone */
    G *g;
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && (g = unblock(&pd->rg, true))) {
        g->schedlink = list;
        list = g;
        (*n)++;
        if (TRACE_ON()) /* before the scheduler queues it */
            trace_go_unblock(g);
    }
    if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && (g = unblock(&pd->wg, true))) {
        g->schedlink = list;
        list = g;
        (*n)++;
        if (TRACE_ON()) /* before the scheduler queues it */
            trace_go_unblock(g);
    }
    return list;
}
