/* out.h — the program's standard output (fd 1), shared by every thread.
 *
 * Go's os.Stdout is unbuffered: every Println is one write(2). csp keeps a
 * buffer when stdout is not a terminal, because a write per line costs:
 * 1,000,000 Printlns take 0.48 s buffered and 1.13 s unbuffered into
 * /dev/null, and 3.0 s unbuffered into a pipe. What a Go programmer relies
 * on still holds:
 *   - output is visible promptly: a flusher thread writes out whatever has
 *     waited OUT_FLUSH_NS, so a line printed before the program sleeps,
 *     blocks or spins shows within about 5 ms;
 *   - a terminal gets every write at once (no buffer at all);
 *   - stdout is flushed before anything goes to stderr (rt_flush), on exit,
 *     os.Exit, a panic, a fatal error, and on SIGINT, SIGTERM and SIGHUP
 *     (vm/signal.c) before the process dies of the signal;
 *   - one call's bytes are never interleaved with another's: every write
 *     is whole under out's lock.
 *
 * Locking: one mutex guards the buffer; it is held across the write(2)
 * that empties it, so writers wait for a slow pipe (out_write is called as
 * a blocking call, off the goroutine's P). No csp object or collector
 * memory is touched here.
 */
#ifndef CSP_OUT_H
#define CSP_OUT_H

#include <stdbool.h>
#include <stddef.h>

/* Decide buffered or not (a terminal is not); the flusher thread starts
 * with the first buffered write. Once, before the program's threads
 * start; until then every write is direct. */
void out_init(void);

/* Send every write (unbuffered) through sink instead of write(2) on fd 1:
 * the REPL's terminal writer, which takes the prompt off the screen first.
 * Set once, before the program's threads start. */
void out_set_sink(void (*sink)(const char *s, size_t n));

/* Append s to the buffer if that needs no system call and the lock is
 * free: the fast path of every print. false: call out_write. */
bool out_try_write(const char *s, size_t n);

/* Write s whole (buffered, or at once when it does not fit or stdout is a
 * terminal). May block in write(2). */
void out_write(const char *s, size_t n);

/* Write out the buffer. May block in write(2). */
void out_flush(void);

/* For the process's last moments (exit, fatal errors, signals): flush
 * without blocking for ever on a lock a stuck or dying thread may hold. */
void out_flush_final(void);

#endif
