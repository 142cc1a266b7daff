/* signal.h — what the runtime does with signals, as Go's runtime does.
 *
 *   SIGINT, SIGTERM, SIGHUP  flush stdout (vm/out.h), then die of the signal
 *                            (the shell sees 130, 143, 129), so no output is
 *                            lost and a parent sees the real cause.
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
 * outside any signal context. Faults are handled on the faulting thread,
 * on an alternate signal stack, so a C stack overflow can be reported.
 */
#ifndef CSP_SIGNAL_H
#define CSP_SIGNAL_H

/* Install the handlers and start the signal thread. Once, at start-up,
 * on the main thread (its alternate stack too). */
void signal_init(void);

/* Give the calling thread an alternate signal stack for fault reports:
 * every thread that runs C code calls it once. */
void signal_thread_init(void);

#endif
