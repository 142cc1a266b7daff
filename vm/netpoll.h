/* netpoll.h — the network poller: goroutines wait for sockets without
 * holding an OS thread (Go's runtime netpoller, on Linux's epoll).
 *
 * A socket is made non-blocking and registered once, edge-triggered, for
 * both reading and writing (netpoll_open). A goroutine whose read or write
 * would block parks on the socket's poll descriptor (netpoll_wait) and its
 * M goes on to run other goroutines; when epoll reports the socket ready,
 * the scheduler makes the goroutine runnable again. One epoll instance
 * serves every P. The scheduler polls where Go's does:
 *   - without blocking, when a P runs out of goroutines to run;
 *   - blocking, in the one M that would otherwise go idle (only one M
 *     blocks in epoll_wait at a time; an eventfd breaks that wait);
 *   - from the monitor, when nobody has polled for 10 ms (busy Ps).
 * A goroutine parked here can be woken from outside (a client connects),
 * so it is never part of a deadlock; the deadlock report names it as
 * `[IO wait]`.
 *
 * Each poll descriptor has two waiting slots (read, write), each holding
 * one of: nothing, "ready" (an event came while nobody waited), "about to
 * wait" (a goroutine is parking), or the parked G. Events, deadlines and
 * close move a slot with compare-and-swap, so an event that arrives while
 * a goroutine is parking is never lost (Go's pdReady/pdWait protocol).
 *
 * Descriptors are never freed: a closed one goes back to a free list and
 * is reused. Every reuse bumps its sequence number, which each epoll
 * registration carries in its event data, so an event left in flight for
 * the old socket is recognised as stale and dropped. They are allocated
 * from memory the collector scans, so the Gs they hold stay visible.
 */
#ifndef CSP_NETPOLL_H
#define CSP_NETPOLL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct PollDesc PollDesc;
typedef struct G G;

/* What a wait ended with. */
enum { NETPOLL_READY = 0, NETPOLL_CLOSING = 1, NETPOLL_TIMEOUT = 2 };

/* Register fd (non-blocking already) with the poller, creating the poller
 * on first use. NULL with errno set when epoll refuses it (a regular file:
 * those keep the blocking-call hand-off). */
PollDesc *netpoll_open(int fd);
/* The fd a descriptor was opened with. */
int netpoll_fd(const PollDesc *pd);
/* Mark pd closing and wake every goroutine parked on it: their waits end
 * with NETPOLL_CLOSING, as will every later wait. */
void netpoll_evict(PollDesc *pd);
/* Unregister pd's fd (the caller closes the fd next) and put pd back on
 * the free list. Call once no goroutine can still use pd. */
void netpoll_free(PollDesc *pd);

/* Check the state before an I/O attempt on mode 'r' or 'w': NETPOLL_READY
 * to go on, else NETPOLL_CLOSING or NETPOLL_TIMEOUT (the deadline passed).
 * Also forgets a stale readiness, as the attempt itself will tell. */
int netpoll_prepare(PollDesc *pd, int mode);
/* Park the current goroutine until pd is ready for mode, its deadline
 * passes, or it is evicted. On a goroutine only. */
int netpoll_wait(PollDesc *pd, int mode);
/* Set the deadline for mode 'r', 'w' or both ('r' + 'w'): an instant of
 * sched_nanotime(), 0 for none. A deadline in the past wakes a parked
 * goroutine with NETPOLL_TIMEOUT at once. */
void netpoll_set_deadline(PollDesc *pd, int64_t when, int mode);

/* Serialise the reads (mode 'r') or the writes ('w') of one descriptor
 * among goroutines, parking the ones that wait (Go's fdMutex): only one
 * goroutine may wait in each of pd's slots, and one Write is never
 * interleaved with another. */
void netpoll_lock(PollDesc *pd, int mode);
void netpoll_unlock(PollDesc *pd, int mode);
/* Take the lock only if it is free, without parking: whether it did. */
bool netpoll_trylock(PollDesc *pd, int mode);

/* ---- for the scheduler ------------------------------------------------ */

/* Goroutines parked in netpoll_wait (or readied by the poller but not yet
 * queued): while any, nobody asleep is a deadlock. */
int64_t netpoll_waiters(void);
/* Poll: block for up to delay_ns (< 0: until an event or netpoll_break, 0:
 * not at all). Returns the readied goroutines, linked through schedlink,
 * their count in *n; they are still counted as waiters, and the caller
 * makes them runnable then calls netpoll_done(n). */
G *netpoll(int64_t delay_ns, int *n);
void netpoll_done(int n);
/* Break a blocking netpoll (from any thread). */
void netpoll_break(void);
/* The key an event for pd carries (its index and sequence number), and
 * the handling of one event (epoll's event bits) that netpoll does: the
 * goroutines it readies are pushed on list, *n counts them; an event
 * whose key is stale (its descriptor was freed since) readies nobody.
 * For netpoll's own loop and the poller's tests. */
uint64_t netpoll_key(const PollDesc *pd);
G *netpoll_deliver(uint64_t key, uint32_t events, G *list, int *n);
/* Whether the poller exists yet (no socket was ever opened: nothing to
 * poll). */
bool netpoll_inited(void);

#endif
