/* trace.h — the execution trace (csp --trace out.json), in the Chrome
 * trace-event JSON format that Perfetto (ui.perfetto.dev) and
 * chrome://tracing open.
 *
 * Recording
 *   The scheduler, the channels and the sync primitives call the trace_*
 *   hooks below at their state changes (a goroutine starts running on a P,
 *   blocks, is readied, enters a C call, ends; a value moves through a
 *   channel; a mutex is handed over; the collector stops the world). Each
 *   call site is guarded by TRACE_ON(), a plain read of a flag that never
 *   changes once threads exist, so with tracing off the cost is a compare
 *   and a predicted branch at scheduler transitions, and nothing per VM
 *   instruction.
 *
 *   An event is a few bytes (four varints) appended, without a lock, to a
 *   buffer owned by the OS thread that runs the code (thread-local: a
 *   goroutine that migrates writes into its new thread's buffer). A full
 *   buffer is chained to the next one (malloc or mmap: never the
 *   collector's heap, which may be stopping while a switch is in
 *   progress). Events carry the CPU's time-stamp counter (or
 *   CLOCK_MONOTONIC), calibrated to nanoseconds when the trace is written.
 *
 * Writing
 *   trace_finish() runs on every exit path (rt_exit_cleanup): it turns the
 *   recording off, merges the threads' streams by time, rebuilds each
 *   goroutine's state slices, each P's run slices, the flows (channel send
 *   to its receive, go to the first run, mutex unlock to the lock it lets
 *   through), the GC slices and the counters, and writes the JSON to
 *   FILE.tmp, renamed to FILE only once complete: a run cut short leaves
 *   no half-written file under the name.
 *
 * Threads: the hooks may be called from any thread (Ms, the monitor, the
 * collector's event callback outside a stopped world). trace_start is
 * called once before any goroutine runs; trace_finish once, by the thread
 * that exits (events still being written by other threads at that moment
 * are dropped).
 */
#ifndef CSP_TRACE_H
#define CSP_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

struct G;
struct ObjChan;

/* Whether --trace is on: set by trace_start before any other thread
 * exists and never changed after (trace_finish stops the recording with a
 * flag of its own), so hooks read it plainly: a compare and a branch. */
extern bool trace_enabled;

#define TRACE_ON() __builtin_expect(trace_enabled, 0)

/* Hooks are cold: the compiler keeps their calls out of the hot paths'
 * layout and register allocation, so with tracing off a hook costs its
 * flag test and nothing more. */
#define TRACE_HOOK __attribute__((cold))

/* Start recording; the trace goes to path when the process exits. Returns
 * false (errno set) when path cannot be created: nothing is recorded. */
bool trace_start(const char *path);
/* Stop recording and write the file (the exit paths call it; the second
 * and later calls do nothing). */
void trace_finish(void);

/* ---- hooks (call only when TRACE_ON()) -------------------------------- */

/* g was created by the running goroutine (or by nobody) to run fn. */
TRACE_HOOK void trace_go_create(const struct G *g, Value fn);
/* g has started (or resumed) running on P p: called by g itself, just
 * after the switch. */
TRACE_HOOK void trace_go_start(const struct G *g, int p);
/* The running goroutine g is about to leave its M (its status set, before
 * the after action that may publish it): the status says why: blocked
 * (g->waitreason), runnable (it yielded), in a C call, or dead. */
TRACE_HOOK void trace_go_stop(const struct G *g);
/* g, blocked, was made runnable. */
TRACE_HOOK void trace_go_unblock(const struct G *g);
/* The running goroutine g's C call (sched_syscall) returned. */
TRACE_HOOK void trace_go_syscall_end(const struct G *g);

/* The monitor took P p from a thread stuck in a blocking call, to hand it
 * to another (sched_syscall's hand-off). */
TRACE_HOOK void trace_p_retake(int p);

/* The running goroutine lets the blocked goroutine `to` through (a mutex
 * unlock that wakes a waiter): a flow to `to`'s next run. */
TRACE_HOOK void trace_handoff(const struct G *to, const char *kind);

/* Channel transfers, called with c's lock held (c->lock orders a
 * channel's sends and receives, so the k-th value sent is the k-th
 * received and a per-channel count pairs them):
 *   trace_chan_handoff: the running goroutine (or a timer) gives a value
 *     straight to the blocked receiver r;
 *   trace_chan_put: the running goroutine puts a value in c's buffer;
 *   trace_chan_take: the running goroutine takes a value from the blocked
 *     sender s (through the buffer when c is buffered);
 *   trace_chan_get: the running goroutine takes a value from c's buffer. */
TRACE_HOOK void trace_chan_handoff(struct ObjChan *c, const struct G *r);
TRACE_HOOK void trace_chan_put(struct ObjChan *c);
TRACE_HOOK void trace_chan_take(struct ObjChan *c, const struct G *s);
TRACE_HOOK void trace_chan_get(struct ObjChan *c);

/* The collector's event callback (a GC_EventType): a collection begins
 * or ends, the world is about to stop or has restarted. Events while the
 * world is stopped are ignored (no lock, no malloc there). */
TRACE_HOOK void trace_gc_event(int e);
/* The monitor thread, on each pass: a sample of the heap in use (at most
 * one a millisecond). */
TRACE_HOOK void trace_sample(void);

#endif
