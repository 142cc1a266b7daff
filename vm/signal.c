/* signal.c — the runtime's signal handling (design in signal.h). */
#include "signal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
/* The signal thread is created with the C library's pthread_create, not
 * the collector's wrapper, and registers itself (signal_thread): the
 * wrapper makes the creator wait until the new thread has run far enough
 * to register, a hand-off between threads that every start-up paid.
 * Nothing else here is a thread function the wrapper needs to see (the
 * masks set here never include the collector's own signals). */
#define GC_NO_THREAD_REDIRECTS 1
#include <gc/gc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "sched.h"
#include "vm.h"

/* Signals that end the program after stdout is flushed (SIGQUIT: after a
 * goroutine dump). */
#define TERM_SIGNALS(X) X(SIGINT) X(SIGTERM) X(SIGHUP) X(SIGQUIT)

/* Signals a Go program catches and drops when no os/signal channel wants
 * them (a stray `kill -USR1` does not end it). */
#define DROPPED_SIGNAL(s) ((s) == SIGUSR1 || (s) == SIGUSR2)

/* Faults, with Go's description of each. */
#define FAULT_SIGNALS(X)                                                                                     \
    X(SIGSEGV, "SIGSEGV", "segmentation violation")                                                          \
    X(SIGBUS, "SIGBUS", "bus error")                                                                         \
    X(SIGFPE, "SIGFPE", "floating-point exception")                                                          \
    X(SIGILL, "SIGILL", "illegal instruction")

/* Room for a fault report on the alternate stack: formatting the
 * traceback (stdio, the collector's allocator) with margin. */
#define ALT_STACK_SIZE (128 * 1024)
/* A fault report that has not ended the process after this many seconds
 * (a lock held by the thread that faulted) ends by SIGALRM instead. */
#define FAULT_REPORT_SECS 5

static int sig_pipe[2] = {-1, -1};       /* handler -> signal thread */
static struct sigaction old_fault[NSIG]; /* written once at start-up */
/* The signals whose handler signal_init installed (the runtime's default
 * for them): written once at start-up, before any script runs. */
static bool runtime_handles[NSIG];
/* The signal mask of every thread the runtime starts (signal_thread_attr):
 * the main thread's after signal_init, so the asynchronous signals blocked
 * when the signal thread is there to take them. Written once by
 * signal_init before any thread that reads it starts; thread_mask_set is
 * false until then (and without signal_init: the unit tests), and a new
 * thread then has its creator's mask. */
static sigset_t thread_mask;
static bool thread_mask_set;
/* os/signal's hook (signal_set_notifier): set once, before the script can
 * ask for a signal; the signal thread loads it with acquire. */
static bool (*notifier)(int sig);

/* ---- terminating signals ---------------------------------------------- */

static void on_term_signal(int sig)
{
    int e = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t w = write(sig_pipe[1], &b, 1);
    (void)w; /* a full pipe: a signal is already on its way */
    errno = e;
}

static _Noreturn void die_of(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig); /* not reached: the default action ends the process */
}

/* The asynchronous signals a script may see (the faults are synchronous,
 * and the collector's own suspend/restart signals stay with every thread).
 * Every thread but the signal thread blocks them: the kernel then hands a
 * process-directed signal to the signal thread, whose handler only writes
 * to the pipe, so a handler never runs on a goroutine's stack, a system
 * call of a goroutine is never cut short by EINTR, and a thread busy in
 * csp code never has to take one (ThreadSanitizer, for one, delays a
 * signal to a thread that calls nothing it intercepts). The REPL does the
 * same for its own signals (cli/repl.c). */
static void async_signals(sigset_t *set)
{
    static const int sigs[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
                               SIGCHLD, SIGURG,  SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGALRM};
    sigemptyset(set);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(set, sigs[i]);
}

static void *signal_thread(void *arg)
{
    (void)arg;
    sigset_t set;
    async_signals(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    bool registered = false; /* with the collector */
    for (;;) {
        /* Wait in poll(2), then read the byte. A plain blocking read would
         * do in a plain build, where the kernel runs the handler at once
         * and the read, restarted (SA_RESTART), finds the byte the handler
         * wrote. Under ThreadSanitizer it deadlocks: TSan runs a handler
         * only when the thread is in a call it knows may block (poll,
         * pthread_cond_wait, nanosleep...) or leaves an intercepted call;
         * read is neither, so a signal taken during the read is held back
         * until the read returns, and the read waits for the byte that
         * handler would write. This thread is the only one with the
         * asynchronous signals unblocked, so the kernel gives it every
         * one of them. poll is such a call (a signal held back while this
         * thread was busy runs as it enters), and it is never restarted:
         * after the handler it returns EINTR and the loop polls again.
         * The cost, one more system call per signal, is paid only when a
         * signal comes. */
        struct pollfd pfd = {.fd = sig_pipe[0], .events = POLLIN};
        if (poll(&pfd, 1, -1) < 0 && errno == EINTR)
            continue; /* any other failure: the read below waits instead */
        unsigned char b;
        ssize_t r = read(sig_pipe[0], &b, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r != 1) {
            if (registered) /* the collector must not look for it once gone */
                GC_unregister_my_thread();
            return NULL;
        }
        /* Registered with the first signal, before this thread touches
         * collector memory (the notifier's channel sends, the goroutine
         * dump): until then it holds no pointer the collector must see,
         * so a collection may run without it. Not at start-up: finding
         * the stack's bounds (pthread_getattr_np) allocates, and glibc
         * then maps this thread a malloc arena of its own (an mmap of 128
         * MiB of address space, two munmaps, an mprotect), which every
         * run paid and almost none needs. */
        if (!registered) {
            struct GC_stack_base sb;
            registered = GC_get_stack_base(&sb) == GC_SUCCESS && GC_register_my_thread(&sb) == GC_SUCCESS;
        }
        int sig = b;
        bool (*notify)(int) = __atomic_load_n(&notifier, __ATOMIC_ACQUIRE);
        if (notify && notify(sig))
            continue; /* the script asked for it: no default action */
        if (!runtime_handles[sig]) {
            /* caught for a script that has let go of it since, or one Go
             * catches and drops: its default action after the flush,
             * unless that is to do nothing */
            if (sig == SIGCHLD || sig == SIGWINCH || sig == SIGURG || sig == SIGCONT || DROPPED_SIGNAL(sig))
                continue;
            rt_exit_begin();
            rt_exit_cleanup();
            fflush(stderr);
            die_of(sig);
        }
        rt_exit_begin();
        rt_exit_cleanup();
        if (sig == SIGQUIT) {
            fputs("SIGQUIT: quit\n", stderr);
            sched_dump(stderr);
            rt_exit_end(2);
        }
        fflush(stderr);
        die_of(sig);
    }
}

/* ---- faults ------------------------------------------------------------ */

typedef struct Fault {
    int sig;
    siginfo_t *info;
    void *pc;
    G *g;      /* the goroutine to show, or NULL */
    bool in_c; /* inside C code called from csp */
} Fault;

static void *report_fault(void *arg)
{
    Fault *f = arg;
    const char *name = "signal", *what = "unknown";
    switch (f->sig) {
#define X(s, n, w)                                                                                           \
    case s:                                                                                                  \
        name = n;                                                                                            \
        what = w;                                                                                            \
        break;
        FAULT_SIGNALS(X)
#undef X
    }
    rt_exit_begin();
    alarm(FAULT_REPORT_SECS);
    GC_disable(); /* no collection from this stack, whatever it is */
    fprintf(stderr,
            "fatal error: unexpected signal during %s\n[signal %s: %s code=%#x addr=0x%lx pc=0x%lx]\n",
            f->in_c ? "C call" : "runtime execution", name, what, (unsigned)f->info->si_code,
            (unsigned long)(uintptr_t)f->info->si_addr, (unsigned long)(uintptr_t)f->pc);
    if (f->g) {
        fprintf(stderr, "\ngoroutine %lld [%s]:\n", (long long)f->g->id, f->in_c ? "syscall" : "running");
        vm_traceback(f->g->vm, stderr);
    }
    rt_exit_end(2);
}

static void on_fault(int sig, siginfo_t *info, void *uctx)
{
    bool gc_blocked = false;
    G *g = sched_ccall_g(&gc_blocked);
    if (!g) {
        /* Not in C code: a sanitizer's handler, if there was one, says
         * more about a fault of csp's own than we can. */
        const struct sigaction *o = &old_fault[sig];
        if ((o->sa_flags & SA_SIGINFO) && o->sa_sigaction) {
            o->sa_sigaction(sig, info, uctx);
            return;
        }
        if (!(o->sa_flags & SA_SIGINFO) && o->sa_handler != SIG_DFL && o->sa_handler != SIG_IGN) {
            o->sa_handler(sig);
            return;
        }
    }
    Fault f = {sig, info, NULL, g ? g : sched_getg(), g != NULL};
#ifdef REG_RIP
    f.pc = (void *)(uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#endif
    if (gc_blocked)
        GC_call_with_gc_active(report_fault, &f); /* the collector's view of this thread */
    else
        report_fault(&f);
}

/* ---- start-up ----------------------------------------------------------- */

void signal_thread_init(void)
{
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = malloc(ALT_STACK_SIZE);
    if (!ss.ss_sp)
        return; /* a fault will then be the plain signal */
    ss.ss_size = ALT_STACK_SIZE;
    sigaltstack(&ss, NULL);
}

void signal_init(void)
{
    if (pipe2(sig_pipe, O_CLOEXEC) != 0)
        return;
    /* Blocked here, before the scheduler starts its threads, which inherit
     * this thread's mask; the signal thread unblocks them. */
    sigset_t async, before;
    async_signals(&async);
    pthread_sigmask(SIG_BLOCK, &async, &before);
    /* Set before the signal thread starts: it reads it when a signal's
     * delivery wakes a goroutine and so starts an M. */
    sigorset(&thread_mask, &before, &async);
    thread_mask_set = true;
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    bool started = pthread_create(&th, &attr, signal_thread, NULL) == 0;
    pthread_attr_destroy(&attr);
    if (!started) { /* no thread to take them: every thread takes its own */
        pthread_sigmask(SIG_UNBLOCK, &async, NULL);
        thread_mask = before; /* no other thread yet to read it */
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_term_signal;
#define X(s)                                                                                                 \
    {                                                                                                        \
        struct sigaction cur;                                                                                \
        if (started && sigaction(s, NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&                      \
            cur.sa_handler == SIG_DFL) {                                                                     \
            runtime_handles[s] = true; /* before a signal can reach the thread */                            \
            if (sigaction(s, &sa, NULL) != 0)                                                                \
                runtime_handles[s] = false;                                                                  \
        }                                                                                                    \
    }
    TERM_SIGNALS(X)
#undef X
    static const int dropped[] = {SIGUSR1, SIGUSR2}; /* DROPPED_SIGNAL */
    for (size_t i = 0; started && i < sizeof dropped / sizeof dropped[0]; i++) {
        struct sigaction cur;
        if (sigaction(dropped[i], NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
            cur.sa_handler == SIG_DFL)
            sigaction(dropped[i], &sa, NULL);
    }

    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sa.sa_sigaction = on_fault;
#define X(s, n, w) sigaction(s, &sa, &old_fault[s]);
    FAULT_SIGNALS(X)
#undef X
}

void signal_thread_attr(pthread_attr_t *attr)
{
    /* An explicit mask, not the creator's: the signal thread, which has
     * the asynchronous signals unblocked, starts an M when a signal's
     * delivery wakes a goroutine and no M is idle, and that M (and any
     * thread it starts in turn, such as stdout's flusher) would inherit
     * them. A signal could then run its handler on a goroutine's stack or
     * cut a goroutine's system call short with EINTR; under
     * ThreadSanitizer, which runs a handler only when the thread enters a
     * call it knows may block, one taken by an M asleep on its futex
     * (a raw system call TSan does not see) would never run. glibc sets
     * the mask as the thread starts, so no signal can reach it first, and
     * at no cost: pthread_create sets the new thread's mask in any case. */
    if (thread_mask_set)
        pthread_attr_setsigmask_np(attr, &thread_mask);
}

/* ---- signals a script asks for (os/signal) ------------------------------ */

void signal_set_notifier(bool (*fn)(int sig))
{
    __atomic_store_n(&notifier, fn, __ATOMIC_RELEASE);
}

/* Signals no handler may take over: the faults are the runtime's, and
 * SIGKILL and SIGSTOP cannot be caught. */
static bool settable(int sig)
{
    if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
        return false;
#define X(s, n, w)                                                                                           \
    if (sig == s)                                                                                            \
        return false;
    FAULT_SIGNALS(X)
#undef X
    return true;
}

/* Each signal's action before a script first changed it (SIG_IGN for one
 * the program started with ignored, the REPL's own SIGINT handler...);
 * guarded by handlers_lock, which also orders the sigaction calls of
 * concurrent changes. */
static pthread_mutex_t handlers_lock = PTHREAD_MUTEX_INITIALIZER;
static bool orig_known[NSIG], orig_ignored[NSIG]; /* handlers_lock */
static struct sigaction orig_action[NSIG];        /* handlers_lock */

static bool is_plain(const struct sigaction *a, void (*h)(int))
{
    return !(a->sa_flags & SA_SIGINFO) && a->sa_handler == h;
}

static bool set_handler(int sig, void (*handler)(int), bool back_to_default)
{
    if (!settable(sig) || sig_pipe[1] < 0)
        return false;
    pthread_mutex_lock(&handlers_lock);
    struct sigaction sa;
    if (!orig_known[sig] && sigaction(sig, NULL, &orig_action[sig]) == 0) {
        orig_known[sig] = true;
        orig_ignored[sig] = is_plain(&orig_action[sig], SIG_IGN);
    }
    if (back_to_default && orig_known[sig] && !runtime_handles[sig] &&
        !is_plain(&orig_action[sig], SIG_IGN) && !is_plain(&orig_action[sig], SIG_DFL) &&
        !is_plain(&orig_action[sig], on_term_signal)) {
        /* a handler of its own (the REPL's SIGINT): put it back as it was */
        bool ok = sigaction(sig, &orig_action[sig], NULL) == 0;
        pthread_mutex_unlock(&handlers_lock);
        return ok;
    }
    if (back_to_default) {
        /* The runtime's handling where it has one; the start's SIG_IGN;
         * the system's for the stop signals; else caught, so that the
         * signal thread flushes stdout before the default action. */
        if (runtime_handles[sig])
            handler = on_term_signal;
        else if (orig_ignored[sig])
            handler = SIG_IGN;
        else if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
            handler = SIG_DFL;
        else
            handler = on_term_signal;
    }
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = handler;
    bool ok = sigaction(sig, &sa, NULL) == 0;
    pthread_mutex_unlock(&handlers_lock);
    return ok;
}

bool signal_catch(int sig)
{
    return set_handler(sig, on_term_signal, false);
}

bool signal_ignore(int sig)
{
    return set_handler(sig, SIG_IGN, false);
}

bool signal_default(int sig)
{
    return set_handler(sig, SIG_DFL, true);
}

bool signal_ignored(int sig)
{
    struct sigaction cur;
    return settable(sig) && sigaction(sig, NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
           cur.sa_handler == SIG_IGN;
}
