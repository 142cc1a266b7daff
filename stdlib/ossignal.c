/* ossignal.c — the os/signal module: Notify, Stop, Ignore, Ignored, Reset
 * and NotifyContext.
 *
 * Notify(c, sigs...) makes the runtime catch those signals (vm/signal.h)
 * instead of taking their default action, and records that c wants them.
 * A caught signal is noted by its handler and handled on the runtime's
 * signal thread, which calls deliver(): a non-blocking send of the signal
 * value on every channel that asked for it. As in Go, a signal that finds
 * a channel's buffer full is dropped for that channel, and a signal asked
 * for by a channel is not acted on by default even when dropped. When no
 * channel wants a signal any more (Stop, Reset), its default comes back.
 *
 * Locking: reg_lock guards the registrations; deliver runs under it on
 * the signal thread, doing only non-blocking sends.
 */
#include <signal.h>

#include "../vm/chan.h"
#include "../vm/lock.h"
#include "../vm/mem.h"
#include "../vm/sched.h"
#include "../vm/signal.h"
#include "stdlib.h"

#define MAX_SIG 65

/* One channel's wishes: bit s of mask set means signal s goes to c. */
typedef struct Reg {
    ObjChan *c;
    uint64_t mask;
} Reg;

static Lock reg_lock;
static Reg *regs;          /* reg_lock; a collector-scanned array */
static int nregs, capregs; /* reg_lock */

/* The signals Notify(c) with no signal names catches: the ones a program
 * can usefully receive. */
static const int all_signals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE,
                                  SIGALRM, SIGTERM, SIGCHLD, SIGCONT, SIGURG,  SIGWINCH};

static uint64_t bit(int sig)
{
    return (uint64_t)1 << (sig - 1);
}

/* On the signal thread: send sig to every channel that wants it. */
static bool deliver(int sig)
{
    if (sig <= 0 || sig >= MAX_SIG)
        return false;
    Value v = syscall_signal_value(sig);
    bool wanted = false;
    lock_acquire(&reg_lock);
    for (int i = 0; i < nregs; i++) {
        if (regs[i].mask & bit(sig)) {
            wanted = true;
            chan_try_send(regs[i].c, v); /* a full buffer drops it, as Go */
        }
    }
    lock_release(&reg_lock);
    return wanted;
}

/* reg_lock held: whether any channel still wants sig. */
static bool wanted_locked(int sig)
{
    for (int i = 0; i < nregs; i++)
        if (regs[i].mask & bit(sig))
            return true;
    return false;
}

/* The signal numbers of args[from..n) into sigs (all of them when there
 * are none); -1 after a panic. */
static int signal_args(Thread *t, const char *fname, Value *a, int from, int n, int *sigs)
{
    if (n <= from) {
        int k = (int)(sizeof all_signals / sizeof all_signals[0]);
        memcpy(sigs, all_signals, sizeof all_signals);
        return k;
    }
    int k = 0;
    for (int i = from; i < n && k < MAX_SIG; i++) {
        int s = syscall_signal_number(a[i]);
        if (s <= 0 || s >= MAX_SIG)
            return vm_panicf(t, E_ARG_TYPE, fname, i + 1, "an os.Signal", v_type_name(a[i]));
        sigs[k++] = s;
    }
    return k;
}

/* Drop sigs from every channel (Ignore, Reset). */
static void forget(const int *sigs, int k)
{
    uint64_t m = 0;
    for (int i = 0; i < k; i++)
        m |= bit(sigs[i]);
    lock_acquire(&reg_lock);
    for (int i = 0; i < nregs; i++)
        regs[i].mask &= ~m;
    lock_release(&reg_lock);
}

static bool notify(ObjChan *c, const int *sigs, int k)
{
    /* From the first Notify on, a signal may wake a goroutine at any time:
     * a program waiting only for one is not deadlocked (Go's signal loop
     * has the same effect). */
    static _Atomic bool held;
    if (!atomic_exchange(&held, true))
        sched_external(1);
    lock_acquire(&reg_lock);
    int i = 0;
    while (i < nregs && regs[i].c != c)
        i++;
    if (i == nregs) {
        if (nregs == capregs) {
            int cap = capregs ? 2 * capregs : 4;
            Reg *nr = mem_alloc((size_t)cap * sizeof *nr);
            if (nregs)
                memcpy(nr, regs, (size_t)nregs * sizeof *nr);
            regs = nr;
            capregs = cap;
        }
        regs[nregs].c = c;
        regs[nregs].mask = 0;
        nregs++;
    }
    for (int j = 0; j < k; j++) {
        if (sigs[j] != SIGKILL && sigs[j] != SIGSTOP) /* cannot be caught: ignored, as Go */
            regs[i].mask |= bit(sigs[j]);
        signal_catch(sigs[j]);
    }
    lock_release(&reg_lock);
    return true;
}

static int f_notify(Thread *t, Value *a, int n, Value *r)
{
    if (a[0] == V_NIL)
        return vm_panic_msg(t, "os/signal: Notify using nil channel");
    if (!v_is_obj(a[0], OBJ_CHAN))
        return vm_panicf(t, E_ARG_TYPE, "signal.Notify", 1, "a chan os.Signal", v_type_name(a[0]));
    int sigs[MAX_SIG];
    int k = signal_args(t, "signal.Notify", a, 1, n, sigs);
    if (k < 0)
        return -1;
    notify(v_chan(a[0]), sigs, k);
    return 0;
}

/* Stop(c): c gets no more signals; a signal nobody wants goes back to
 * its default. */
static int f_stop(Thread *t, Value *a, int n, Value *r)
{
    if (!v_is_obj(a[0], OBJ_CHAN))
        return 0;
    lock_acquire(&reg_lock);
    for (int i = 0; i < nregs; i++) {
        if (regs[i].c != v_chan(a[0]))
            continue;
        uint64_t m = regs[i].mask;
        regs[i] = regs[--nregs];
        regs[nregs].c = NULL;
        for (int s = 1; s < MAX_SIG; s++)
            if ((m & bit(s)) && !wanted_locked(s))
                signal_default(s);
        break;
    }
    lock_release(&reg_lock);
    return 0;
}

static int f_ignore(Thread *t, Value *a, int n, Value *r)
{
    int sigs[MAX_SIG];
    int k = signal_args(t, "signal.Ignore", a, 0, n, sigs);
    if (k < 0)
        return -1;
    forget(sigs, k);
    for (int i = 0; i < k; i++)
        signal_ignore(sigs[i]);
    return 0;
}

static int f_reset(Thread *t, Value *a, int n, Value *r)
{
    int sigs[MAX_SIG];
    int k = signal_args(t, "signal.Reset", a, 0, n, sigs);
    if (k < 0)
        return -1;
    forget(sigs, k);
    for (int i = 0; i < k; i++)
        signal_default(sigs[i]);
    return 0;
}

static int f_ignored(Thread *t, Value *a, int n, Value *r)
{
    int s = syscall_signal_number(a[0]);
    if (s <= 0)
        return vm_panicf(t, E_ARG_TYPE, "signal.Ignored", 1, "an os.Signal", v_type_name(a[0]));
    r[0] = v_bool(signal_ignored(s));
    return 1;
}

/* ---- NotifyContext --------------------------------------------------------- */

/* NotifyContext(parent, sigs...): a context cancelled when one of the
 * signals arrives (or parent is done), and its stop function, which
 * stops the delivery and cancels the context. A goroutine waits on the
 * signal channel and the context's Done. */
static ObjNative *watch_fn, *stop_fn; /* made when the module opens */

static Value bind(Value recv, ObjNative *fn)
{
    ObjBound *b = mem_alloc(sizeof *b);
    b->h.kind = OBJ_BOUND;
    b->recv = recv;
    b->fn = v_from_ptr(fn);
    return v_from_ptr(b);
}

/* The state shared by the watcher and stop: immutable once made. */
typedef struct Watch {
    Value ch;     /* the signal channel */
    Value done;   /* the context's Done channel */
    Value cancel; /* the context's CancelFunc */
} Watch;

static const ObjClass watch_class = {.name = "signal.signalCtx", .methods = NULL, .get_field = NULL};

static Watch *watch_of(Value v)
{
    return ((ObjObject *)v_ptr(v))->payload;
}

static int watch_body(Thread *t, Value *a, int n, Value *r)
{
    Watch *w = watch_of(a[0]);
    SelCase cases[2] = {{v_chan(w->ch), false, V_NIL}, {v_chan(w->done), false, V_NIL}};
    Value v;
    bool ok;
    if (chan_select(t, cases, 2, false, &v, &ok) < -1)
        return -1;
    return vm_call(t, w->cancel, NULL, 0) < 0 ? -1 : 0;
}

static int do_stop(Thread *t, Value *a, int n, Value *r)
{
    Watch *w = watch_of(a[0]);
    Value ch = w->ch;
    if (f_stop(t, &ch, 1, r) < 0)
        return -1;
    return vm_call(t, w->cancel, NULL, 0) < 0 ? -1 : 0;
}

static int f_notifycontext(Thread *t, Value *a, int n, Value *r)
{
    int sigs[MAX_SIG];
    int k = signal_args(t, "signal.NotifyContext", a, 1, n, sigs);
    if (k < 0)
        return -1;
    ObjModule *cm = stdlib_module("context", 7, false);
    Value withcancel;
    if (!cm || !map_get_cstr(cm->members, "WithCancel", &withcancel))
        return vm_panic_msg(t, "signal.NotifyContext: no context module");
    Value parent = a[0];
    if (vm_call(t, withcancel, &parent, 1) < 2)
        return -1;
    Value ctx = t->rets[0], cancel = t->rets[1];
    ObjNative *done = class_method(((ObjObject *)v_ptr(ctx))->cls, str_cstr("Done"));
    if (vm_call(t, v_from_ptr(done), &ctx, 1) < 1)
        return -1;
    Watch *w = mem_alloc(sizeof *w);
    w->done = t->rets[0];
    w->cancel = cancel;
    w->ch = v_from_ptr(chan_new(1));
    notify(v_chan(w->ch), sigs, k);
    Value wv = v_from_ptr(object_new(&watch_class, w));
    sched_go(t, bind(wv, watch_fn), NULL, 0);
    r[0] = ctx;
    r[1] = bind(wv, stop_fn);
    return 2;
}

static const ModuleFn signal_fns[] = {
    {"Notify", f_notify, 1, -1, NULL}, {"Stop", f_stop, 1, 1, NULL},
    {"Ignore", f_ignore, 0, -1, NULL}, {"Ignored", f_ignored, 1, 1, "func(os.Signal) bool"},
    {"Reset", f_reset, 0, -1, NULL},   {"NotifyContext", f_notifycontext, 1, -1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static void signal_open(ObjModule *m)
{
    stdlib_module("syscall", 7, false); /* the signal values */
    watch_fn = native_new("os/signal.NotifyContext.func1", watch_body, 1, 1);
    watch_fn->h.flags |= NATIVE_METHOD;
    stop_fn = native_new("os/signal.NotifyContext.stop", do_stop, 1, 1);
    stop_fn->h.flags |= NATIVE_METHOD;
    module_add_fns(m, signal_fns);
    signal_set_notifier(deliver);
}

const ModuleDef csp_module_signal = {"os/signal", signal_open};
