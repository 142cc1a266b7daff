/* out.c — buffered standard output with a bounded delay (design in out.h). */
#include "out.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "signal.h"

/* Big enough that a program printing flat out makes one write(2) per
 * 64 KiB; a line longer than the room left is written at once. */
#define OUT_BUF_SIZE (64 * 1024)
/* How long output may wait in the buffer before the flusher writes it:
 * the contract is "visible within 10 ms at most". */
#define OUT_FLUSH_NS (5 * 1000 * 1000)
/* out_flush_final waits this long for the lock, then writes anyway. */
#define OUT_FINAL_WAIT_MS 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER; /* lock: the flusher waits for data */
static char *buf;                                          /* lock; NULL: unbuffered */
static size_t len;                                         /* lock */
static bool flusher_started;                               /* lock */
static void (*sink)(const char *s, size_t n);              /* set once before threads */

/* write(2) all of p to stdout. A write error (a closed pipe: EPIPE, when
 * SIGPIPE is ignored) drops the output, as Go's Println drops its error. */
static void write_all(const char *p, size_t n)
{
    if (sink) {
        sink(p, n);
        return;
    }
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) { /* stdout left non-blocking by someone */
                struct pollfd pfd = {.fd = 1, .events = POLLOUT};
                poll(&pfd, 1, -1);
                continue;
            }
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* lock held */
static void flush_locked(void)
{
    if (len) {
        write_all(buf, len);
        len = 0;
    }
}

/* lock held, buf non-NULL, n fits */
static void append_locked(const char *s, size_t n)
{
    if (len == 0)
        pthread_cond_signal(&nonempty);
    memcpy(buf + len, s, n);
    len += n;
}

static void *flusher(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (len == 0)
            pthread_cond_wait(&nonempty, &lock);
        pthread_mutex_unlock(&lock);
        struct timespec ts = {0, OUT_FLUSH_NS};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&lock);
        flush_locked();
    }
    return NULL;
}

void out_set_sink(void (*fn)(const char *s, size_t n))
{
    sink = fn;
}

void out_init(void)
{
    if (buf || sink || isatty(1))
        return;
    char *b = malloc(OUT_BUF_SIZE);
    if (!b)
        return; /* unbuffered then */
    pthread_mutex_lock(&lock);
    __atomic_store_n(&buf, b, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&lock);
}

/* lock held, buf non-NULL. The flusher starts with the first buffered
 * write, not in out_init: a program that prints nothing (or only to a
 * terminal) never pays for the thread. false: it could not start, and
 * the buffer is given up (output must not wait without a flusher). */
static bool start_flusher_locked(void)
{
    if (flusher_started)
        return true;
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* The flusher touches no collector memory: it need not be registered.
     * It blocks the asynchronous signals, as every thread but the signal
     * thread does, whatever the mask of this thread (vm/signal.c). It
     * waits for the lock this thread holds until the append is done. */
    signal_thread_attr(&attr);
    flusher_started = pthread_create(&th, &attr, flusher, NULL) == 0;
    pthread_attr_destroy(&attr);
    if (!flusher_started)
        __atomic_store_n(&buf, NULL, __ATOMIC_RELAXED); /* never freed: out_try_write may have read it */
    return flusher_started;
}

bool out_try_write(const char *s, size_t n)
{
    if (!__atomic_load_n(&buf, __ATOMIC_RELAXED) || n > OUT_BUF_SIZE)
        return false;
    if (pthread_mutex_trylock(&lock) != 0)
        return false;
    /* No flusher yet: starting it is a system call, which out_write makes
     * (as a blocking call, off the goroutine's P). */
    bool fits = buf && flusher_started && n <= OUT_BUF_SIZE - len;
    if (fits)
        append_locked(s, n);
    pthread_mutex_unlock(&lock);
    return fits;
}

void out_write(const char *s, size_t n)
{
    pthread_mutex_lock(&lock);
    if (buf && !start_flusher_locked()) {
        write_all(s, n); /* buf is NULL now, len was 0: nothing was buffered */
    } else if (buf && n <= OUT_BUF_SIZE - len) {
        append_locked(s, n);
    } else {
        flush_locked();
        if (buf && n <= OUT_BUF_SIZE / 2)
            append_locked(s, n);
        else
            write_all(s, n);
    }
    pthread_mutex_unlock(&lock);
}

void out_flush(void)
{
    pthread_mutex_lock(&lock);
    flush_locked();
    pthread_mutex_unlock(&lock);
}

void out_flush_final(void)
{
    bool locked = false;
    for (int i = 0; i < OUT_FINAL_WAIT_MS && !(locked = pthread_mutex_trylock(&lock) == 0); i++) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* Not locked: the holder is stuck (or is this thread, dying in the
     * middle of a write); what the buffer holds is written as it is. */
    flush_locked();
    if (locked)
        pthread_mutex_unlock(&lock);
}
