/* signal.h — what the runtime does with signals, as Go's runtime does.
 *
 *   SIGINT, SIGTERM, SIGHUP  flush stdout (vm/out.h), then die of the signal
 *                            (the shell sees 130, 143, 129), so no output is
 *                            lost and a parent sees the real cause.
 *   SIGUSR1, SIGUSR2         caught and dropped, as Go does, unless a script
 *                            asks for them (os/signal: signal_catch below).
 *   SIGQUIT (Ctrl-\)         print "SIGQUIT: quit" and every goroutine's
 *                            stack on stderr, exit 2.
 *   SIGSEGV, SIGBUS, SIGFPE, SIGILL
 *                            inside C code called from csp (ffi, the blocking
 *                            calls: sched_syscall), print "fatal error:
 *                            unexpected signal during C call" with the
 *                            signal and the calling goroutine's traceback,
 *                            flush stdout, exit 2. Anywhere else it is a bug
 *                            of csp itself: "unexpected signal during
 *                            runtime execution", the same report, exit 2.
 *
 * A signal the program started with ignored (nohup's SIGHUP, a background
 * job's SIGINT) stays ignored, and one that already has a handler (the
 * REPL's SIGINT, a sanitizer's SIGSEGV) keeps it; fault signals not raised
 * in C code go on to a sanitizer's handler when there is one.
 *
 * The terminating signals are only noted by their handler (a byte down a
 * pipe, async-signal-safe); a thread of the runtime's own does the work,
 * outside any signal context. Every other thread blocks the asynchronous
 * signals, so the kernel delivers them to that thread (a C program called
 * through ffi inherits the mask: a child it starts has them blocked). Faults are handled on the faulting
 * thread, on an alternate signal stack, so a C stack overflow can be reported.
 */
#ifndef CSP_SIGNAL_H
#define CSP_SIGNAL_H

#include <pthread.h>
#include <stdbool.h>

/* Install the handlers and start the signal thread. Once, at start-up,
 * on the main thread (its alternate stack too). */
void signal_init(void);

/* Give the calling thread an alternate signal stack for fault reports:
 * every thread that runs C code calls it once. */
void signal_thread_init(void);

/* Make attr start its thread with the asynchronous signals blocked, as
 * every thread of the runtime but the signal thread must have them,
 * whichever thread starts it (the signal thread itself starts Ms). Every
 * thread the runtime starts after signal_init goes through it (the Ms,
 * the monitor, stdout's flusher); before signal_init it does nothing. */
void signal_thread_attr(pthread_attr_t *attr);

/* Signals a script asks for (the os/signal module). The handler of a
 * caught signal only notes it, as for the terminating ones; the signal
 * thread then calls fn(sig) (outside any signal context; fn must not
 * block, and may send on channels without blocking) and takes no default
 * action when it returns true. Set once. */
void signal_set_notifier(bool (*fn)(int sig));
/* Catch sig, ignore it, or give it back its default (the runtime's own
 * handling for SIGINT, SIGTERM, SIGHUP and SIGQUIT); false for a signal
 * that cannot be changed (SIGKILL, SIGSTOP, the fault signals). */
bool signal_catch(int sig);
bool signal_ignore(int sig);
bool signal_default(int sig);
/* Whether sig is ignored now. */
bool signal_ignored(int sig);

#endif
