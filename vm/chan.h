/* chan.h — channels: a buffered ring or an unbuffered hand-off, each with
 * its own lock and queues of waiting goroutines (Go's chan.go).
 *
 * Locking: ObjChan.lock guards every mutable field below. It is a futex
 * lock held for a few instructions; it is released before any goroutine is
 * readied (waiters are collected under the lock and woken after it), and a
 * G that blocks hands the lock's release to its M's g0 (sched_park's
 * unlockf), so no one can wake it before its context is saved.
 * A direct hand-off copies the value straight into the waiting receiver's
 * sudog, as Go does: the buffer is touched only when nobody waits.
 * select locks all its channels in address order (no lock-order deadlock)
 * and polls its cases in a random order (uniform choice among ready ones).
 */
#ifndef CSP_CHAN_H
#define CSP_CHAN_H

#include "lock.h"
#include "sched.h"

typedef struct WaitQ {
    Sudog *first, *last;
} WaitQ;

typedef struct ObjChan {
    Obj h;
    Lock lock;
    uint32_t closed;     /* lock */
    size_t cap;          /* immutable */
    size_t count; /* lock to change (a relaxed atomic store); len() reads it without the lock, as Go does */
    size_t sendx, recvx; /* lock */
    Value *buf;          /* immutable pointer; slots under lock */
    WaitQ recvq, sendq;  /* lock */
    Value zero;          /* what a receive on the closed channel gives, as
                            ObjMap.zero; set once, before sharing */
    /* chan int when made by make(), for fmt's %T; NULL for chan(). Set
     * with zero; afterwards only a conversion to a declared chan type
     * (Chan(c)) changes it, by an atomic release store that readers load
     * with acquire. */
    const struct ObjType *type;
    /* A typed channel's element type when a send converts the value to it
     * (types_store: an int sent on a chan float64 is a float), else NULL;
     * set with zero. */
    const struct ObjType *vtype;
    /* The execution trace (trace.h): an id given at the first traced
     * transfer, and counts of values sent and received, which pair the
     * k-th send with the k-th receive. All under lock. */
    int64_t trace_id;
    int64_t trace_sent, trace_recvd;
    /* The race detector's clocks (race.h), made on first use under lock:
     * race_buf[i] for buffer slot i (one for an unbuffered channel, unused
     * there), race_close for close. NULL while it is off. */
    struct RaceClock **race_buf;
    struct RaceClock *race_close;
} ObjChan;

ObjChan *chan_new(size_t cap);

/* Each returns 0, or -1 after recording a panic in t. A nil channel (c ==
 * NULL) blocks forever. A receive that finds the channel closed (ok false)
 * gives c->zero as it is: when that is a type's descriptor (an element
 * whose zero must be fresh each time), chan_recv returns 1 and the caller
 * makes the value with types_zero_of, since making it may run script
 * code. */
int chan_send(Thread *t, ObjChan *c, Value v);
int chan_recv(Thread *t, ObjChan *c, Value *v, bool *ok);
int chan_close(Thread *t, ObjChan *c);

/* Non-blocking forms for timers (the monitor thread must not block):
 * returns false when the send would block. */
bool chan_try_send(ObjChan *c, Value v);

typedef struct SelCase {
    ObjChan *c; /* NULL: a nil channel, never ready */
    bool send;
    Value v; /* to send */
} SelCase;

/* Returns the chosen case, -1 for default, or -2 after a panic. For a
 * receive, *v and *ok get the value and whether it came from a send (a
 * closed channel's zero as chan_recv gives it, descriptor included). */
int chan_select(Thread *t, SelCase *cases, int n, bool has_default, Value *v, bool *ok);

static inline ObjChan *v_chan(Value v)
{
    return (ObjChan *)v_ptr(v);
}

#endif
