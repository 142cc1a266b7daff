/* context.c — the context module: Background, TODO, WithCancel,
 * WithCancelCause, WithTimeout, WithDeadline (and their Cause forms),
 * WithValue, WithoutCancel, Cause, AfterFunc, the Context interface, and
 * the errors Canceled and DeadlineExceeded.
 *
 * A context is a native object over a CspCtx, of one class per kind named
 * as Go's dynamic types (*context.cancelCtx), printing as Go's
 * (context.Background.WithCancel) through its String method. The contexts
 * form a tree through parent pointers. A cancelable one (WithCancel,
 * WithDeadline...) owns a channel, Done(), closed exactly once when it is
 * cancelled, and keeps its cancelable children so that cancelling it
 * cancels them: a child registers with its nearest cancelable ancestor
 * when it is made (or is cancelled at once if that ancestor already is),
 * and unregisters when it is cancelled by its own CancelFunc or timer.
 * An AfterFunc registers the same way, and cancelling starts its f.
 *
 * Locking: each cancelable context's `lk` guards its err, cause and
 * children. cancel() never holds two contexts' locks at once: it takes the
 * children out under the context's own lock, releases it, then cancels
 * each child and finally unregisters from its ancestor under that one's
 * lock. A deadline is a runtime timer (sched.h) whose callback cancels
 * the context on the monitor thread; that path neither blocks nor runs
 * script code.
 *
 * time.Time values are the time module's (stdlib.h's stdlib_time_*): a
 * deadline is kept both as the Time a script gets back and as Unix
 * nanoseconds for the timer.
 */
#include <time.h>

#include "../vm/buf.h"
#include "../vm/chan.h"
#include "../vm/format.h"
#include "../vm/lock.h"
#include "../vm/mem.h"
#include "../vm/sched.h"
#include "../vm/types.h"
#include "stdlib.h"
#include "stream.h"

/* CTX_AFTERFUNC is no context: the registration of an AfterFunc, kept
 * among a cancelable context's children so that cancelling it starts f. */
typedef enum {
    CTX_BACKGROUND,
    CTX_TODO,
    CTX_CANCEL,
    CTX_TIMER,
    CTX_VALUE,
    CTX_WITHOUT_CANCEL,
    CTX_AFTERFUNC,
    CTX_FOREIGN /* a parent of the script's own type: self is its value */
} CtxKind;

typedef struct CspCtx {
    CtxKind kind;          /* immutable */
    struct CspCtx *parent; /* immutable; NULL for Background and TODO */
    Value self;            /* the object a script holds; immutable */
    Value key, val;        /* CTX_VALUE: immutable */
    /* CTX_CANCEL and CTX_TIMER: */
    ObjChan *done; /* immutable pointer; closed once, by the cancel that
                      sets err */
    Lock lk;
    Value err;                  /* lk to write; release store, acquire
                                   load for Err()'s lock-free read */
    Value cause;                /* lk */
    struct CspCtx **children;   /* lk: cancelable descendants and AfterFuncs
                                   registered here */
    int nchildren, capchildren; /* lk */
    struct CspCtx *canceler;    /* the ancestor this one is registered with,
                                   or NULL; set before the context is shared */
    /* CTX_TIMER: the deadline (immutable) and the timer that cancels. */
    Value deadline;      /* a time.Time */
    int64_t deadline_ns; /* the same, as Unix nanoseconds */
    Value expire_cause;  /* what Cause reports when the timer cancels */
    Timer tm;            /* sched.h's timer_lock owns its state */
    /* CTX_AFTERFUNC: the function (immutable) and whether it has been
     * started or stopped (0 neither, 1 started, 2 stopped): the first
     * compare-and-swap from 0 decides. */
    Value fn;
    int state;
} CspCtx;

/* The two errors, made once when the module opens (statics are roots for
 * the collector). */
static Value err_canceled, err_deadline;
/* Done()'s type, <-chan struct{}, and the struct{} a receive on a closed
 * one gives (it has no fields: one value serves every receive); made
 * when the module opens. */
static const ObjType *done_type;
static Value empty_struct;

static bool cancelable(const CspCtx *c)
{
    return c->kind == CTX_CANCEL || c->kind == CTX_TIMER;
}

/* One class per kind, indexed by CtxKind, for Go's dynamic type names
 * (%T); they share the methods. */
static const ObjClass ctx_classes[];

static bool is_ctx(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT))
        return false;
    const ObjClass *c = ((ObjObject *)v_ptr(v))->cls;
    for (int k = CTX_BACKGROUND; k <= CTX_WITHOUT_CANCEL; k++)
        if (c == &ctx_classes[k])
            return true;
    return false;
}

static CspCtx *ctx_of(Value v)
{
    return ((ObjObject *)v_ptr(v))->payload;
}

static bool check_ctx(Thread *t, const char *fname, Value *a, int i, CspCtx **out)
{
    if (a[i] == V_NIL)
        return vm_panic_msg(t, "cannot create context from nil parent"), false;
    if (is_ctx(a[i])) {
        *out = ctx_of(a[i]);
        return true;
    }
    if (stream_has_method(a[i], "Done") && stream_has_method(a[i], "Err") &&
        stream_has_method(a[i], "Value") && stream_has_method(a[i], "Deadline")) {
        /* the script's own Context: asked through its methods, as Go's
         * context package asks a parent it does not know */
        CspCtx *f = mem_alloc(sizeof *f);
        f->kind = CTX_FOREIGN;
        f->self = a[i];
        *out = f;
        return true;
    }
    return vm_panicf(t, E_ARG_TYPE, fname, i + 1, "a context.Context", v_type_name(a[i])), false;
}

/* The nearest ancestor (c itself included) that is cancelable or of the
 * script's own type, whose Done and Err answer for c; NULL when none. */
static CspCtx *nearest_source(CspCtx *c)
{
    for (; c; c = c->parent) {
        if (c->kind == CTX_CANCEL || c->kind == CTX_TIMER || c->kind == CTX_FOREIGN)
            return c;
        if (c->kind == CTX_WITHOUT_CANCEL)
            return NULL;
    }
    return NULL;
}

/* f's method `name` (a script's Context): its first result in *out;
 * false after a panic. */
static bool foreign_call(Thread *t, CspCtx *f, const char *name, const Value *args, int nargs, Value *out)
{
    int rc = stream_call(t, f->self, name, args, nargs);
    if (rc == -2)
        return vm_panic_msg(t, "context: %s has no method %s", v_type_name(f->self), name), false;
    if (rc < 0)
        return false;
    *out = rc > 0 ? t->rets[0] : V_NIL;
    return true;
}

/* ---- time values -------------------------------------------------------- */


static int64_t wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A time.Time argument as Unix nanoseconds. */
static bool time_ns(Thread *t, const char *fname, Value tm, int64_t *out)
{
    if (stdlib_time_unix_nano(tm, out))
        return true;
    vm_panicf(t, E_ARG_TYPE, fname, 2, "a time.Time", v_type_name(tm));
    return false;
}

/* ---- cancellation ------------------------------------------------------ */

/* The nearest cancelable context from c up (c itself included), or NULL. */
static CspCtx *nearest_cancelable(CspCtx *c)
{
    for (; c; c = c->parent) {
        if (cancelable(c))
            return c;
        if (c->kind == CTX_WITHOUT_CANCEL)
            return NULL;
    }
    return NULL;
}

static void detach(CspCtx *c)
{
    CspCtx *p = c->canceler;
    if (!p)
        return;
    lock_acquire(&p->lk);
    for (int i = 0; i < p->nchildren; i++) {
        if (p->children[i] == c) {
            p->children[i] = p->children[--p->nchildren];
            p->children[p->nchildren] = NULL;
            break;
        }
    }
    lock_release(&p->lk);
}

/* Cancel c (and its descendants) with err and cause, unless it already
 * is; unregister it from its ancestor when remove is set (its own
 * CancelFunc or timer, not a cancelling ancestor, which drops its whole
 * list). Runs on a goroutine (t) or on the monitor thread (t NULL). */
static void cancel(Thread *t, CspCtx *c, Value err, Value cause, bool remove)
{
    if (c->kind == CTX_AFTERFUNC) {
        /* f in its own goroutine, unless stop() came first (sched_go
         * may be called from the monitor thread: t is then NULL) */
        int pending = 0;
        if (__atomic_compare_exchange_n(&c->state, &pending, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            sched_go(t, c->fn, NULL, 0);
        return;
    }
    lock_acquire(&c->lk);
    if (c->err != V_NIL) {
        lock_release(&c->lk);
        return;
    }
    __atomic_store_n(&c->err, err, __ATOMIC_RELEASE);
    c->cause = cause;
    CspCtx **kids = c->children;
    int nkids = c->nchildren;
    c->children = NULL;
    c->nchildren = c->capchildren = 0;
    lock_release(&c->lk);
    chan_close(t, c->done);
    for (int i = 0; i < nkids; i++)
        cancel(t, kids[i], err, cause, false);
    if (c->kind == CTX_TIMER)
        timer_stop(&c->tm);
    if (remove)
        detach(c);
}

/* Register the new cancelable context c with its nearest cancelable
 * ancestor, or cancel it now if that one already is. */
/* A goroutine watching a script's Context for a child: the child is
 * cancelled with the parent's Err when the parent's Done channel closes,
 * and the watch ends when the child is done first (Go's propagateCancel
 * does the same for a parent it does not know). */
static int foreign_watch(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    (void)r;
    CspCtx *child = ctx_of(a[1]);
    SelCase cases[2] = {{v_chan(a[0]), false, V_NIL}, {child->done, false, V_NIL}};
    Value v;
    bool ok;
    int k = chan_select(t, cases, 2, false, &v, &ok);
    if (k != 0)
        return k == -2 ? -1 : 0;
    CspCtx f = {.kind = CTX_FOREIGN, .self = a[2]};
    Value err;
    if (!foreign_call(t, &f, "Err", NULL, 0, &err))
        return -1;
    cancel(t, child, err, err, true);
    return 0;
}

static ObjNative *watch_fn; /* made when the module opens */

static void propagate(Thread *t, CspCtx *c)
{
    CspCtx *p = nearest_cancelable(c->parent);
    CspCtx *src = nearest_source(c->parent);
    if (src && src->kind == CTX_FOREIGN) {
        Value done;
        if (!foreign_call(t, src, "Done", NULL, 0, &done) || !v_is_obj(done, OBJ_CHAN))
            return; /* never done (nil), or a panic the caller sees */
        Value args[3] = {done, c->self, src->self};
        sched_go(t, v_from_ptr(watch_fn), args, 3);
        return;
    }
    if (!p)
        return;
    lock_acquire(&p->lk);
    if (p->err != V_NIL) {
        Value err = p->err, cause = p->cause;
        lock_release(&p->lk);
        cancel(t, c, err, cause, false);
        return;
    }
    if (p->nchildren == p->capchildren) {
        int cap = p->capchildren ? 2 * p->capchildren : 4;
        CspCtx **kids = mem_alloc((size_t)cap * sizeof *kids);
        if (p->nchildren)
            memcpy(kids, p->children, (size_t)p->nchildren * sizeof *kids);
        p->children = kids;
        p->capchildren = cap;
    }
    p->children[p->nchildren++] = c;
    c->canceler = p;
    lock_release(&p->lk);
}

static CspCtx *ctx_new(CtxKind kind, CspCtx *parent)
{
    CspCtx *c = mem_alloc(sizeof *c);
    c->kind = kind;
    c->parent = parent;
    if (cancelable(c)) {
        c->done = chan_new(0);
        c->done->zero = empty_struct;
        c->done->type = done_type;
    }
    c->self = v_from_ptr(object_new(&ctx_classes[kind], c));
    return c;
}

static void timer_fire(void *arg, int64_t now)
{
    (void)now;
    CspCtx *c = arg;
    cancel(NULL, c, err_deadline, c->expire_cause, true);
}

/* ---- CancelFunc and CancelCauseFunc -------------------------------------- */

static ObjNative *cancel_fn, *cancel_cause_fn; /* made when the module opens */

static Value bind(Value recv, ObjNative *fn)
{
    ObjBound *b = mem_alloc(sizeof *b);
    b->h.kind = OBJ_BOUND;
    b->recv = recv;
    b->fn = v_from_ptr(fn);
    return v_from_ptr(b);
}

static int do_cancel(Thread *t, Value *a, int n, Value *r)
{
    cancel(t, ctx_of(a[0]), err_canceled, err_canceled, true);
    return 0;
}

static int do_cancel_cause(Thread *t, Value *a, int n, Value *r)
{
    Value cause = n > 1 && a[1] != V_NIL ? a[1] : err_canceled;
    cancel(t, ctx_of(a[0]), err_canceled, cause, true);
    return 0;
}

/* ---- the constructors ---------------------------------------------------- */

static CspCtx *background, *todo; /* made when the module opens */

static int f_background(Thread *t, Value *a, int n, Value *r)
{
    r[0] = background->self;
    return 1;
}

static int f_todo(Thread *t, Value *a, int n, Value *r)
{
    r[0] = todo->self;
    return 1;
}

static int f_withcancel(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *p;
    if (!check_ctx(t, "context.WithCancel", a, 0, &p))
        return -1;
    CspCtx *c = ctx_new(CTX_CANCEL, p);
    propagate(t, c);
    r[0] = c->self;
    r[1] = bind(c->self, cancel_fn);
    return 2;
}

static int f_withcancelcause(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *p;
    if (!check_ctx(t, "context.WithCancelCause", a, 0, &p))
        return -1;
    CspCtx *c = ctx_new(CTX_CANCEL, p);
    propagate(t, c);
    r[0] = c->self;
    r[1] = bind(c->self, cancel_cause_fn);
    return 2;
}

/* The nearest deadline from c up, as Unix nanoseconds; false: none. */
static bool deadline_of(CspCtx *c, CspCtx **owner)
{
    for (; c; c = c->parent) {
        if (c->kind == CTX_WITHOUT_CANCEL)
            return false;
        if (c->kind == CTX_TIMER) {
            *owner = c;
            return true;
        }
    }
    return false;
}

/* WithDeadline's work, for a deadline given both as a time.Time (dl) and
 * as Unix nanoseconds; cause is what Cause reports when it expires. */
static int with_deadline(Thread *t, CspCtx *p, Value dl, int64_t dl_ns, Value cause, Value *r)
{
    CspCtx *owner;
    if (deadline_of(p, &owner) && owner->deadline_ns < dl_ns) {
        /* the parent's deadline comes first: it will cancel this one */
        CspCtx *c = ctx_new(CTX_CANCEL, p);
        propagate(t, c);
        r[0] = c->self;
        r[1] = bind(c->self, cancel_fn);
        return 2;
    }
    CspCtx *c = ctx_new(CTX_TIMER, p);
    c->deadline = dl;
    c->deadline_ns = dl_ns;
    c->tm.fn = timer_fire;
    c->tm.arg = c;
    c->tm.idx = TIMER_IDLE;
    c->tm.period = 0;
    c->expire_cause = cause;
    propagate(t, c);
    int64_t left = dl_ns - wall_now();
    if (left <= 0) {
        cancel(t, c, err_deadline, cause, true);
    } else {
        lock_acquire(&c->lk);
        if (c->err == V_NIL) { /* not cancelled by its parent meanwhile */
            c->tm.when = timer_when(left);
            timer_start(&c->tm);
        }
        lock_release(&c->lk);
    }
    r[0] = c->self;
    r[1] = bind(c->self, cancel_fn);
    return 2;
}

static int f_withdeadline(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *p;
    int64_t ns;
    if (!check_ctx(t, "context.WithDeadline", a, 0, &p) || !time_ns(t, "context.WithDeadline", a[1], &ns))
        return -1;
    return with_deadline(t, p, a[1], ns, n > 2 && a[2] != V_NIL ? a[2] : err_deadline, r);
}

static int f_withtimeout(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *p;
    int64_t d;
    if (!check_ctx(t, "context.WithTimeout", a, 0, &p) || !stdlib_duration_arg(t, "context.WithTimeout", a[1], 2, &d))
        return -1;
    Value cause = n > 2 && a[2] != V_NIL ? a[2] : err_deadline;
    int64_t now = wall_now();
    int64_t dl_ns = d > INT64_MAX - now ? INT64_MAX : now + d;
    return with_deadline(t, p, stdlib_time_after(d), dl_ns, cause, r);
}

static int f_withvalue(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *p;
    if (!check_ctx(t, "context.WithValue", a, 0, &p))
        return -1;
    if (a[1] == V_NIL)
        return vm_panic_msg(t, "nil key");
    if (v_is_obj(a[1], OBJ_LIST) || v_is_obj(a[1], OBJ_MAP) || v_is_obj(a[1], OBJ_CLOSURE))
        return vm_panic_msg(t, "key is not comparable");
    CspCtx *c = ctx_new(CTX_VALUE, p);
    c->key = a[1];
    c->val = a[2];
    r[0] = c->self;
    return 1;
}

static int f_withoutcancel(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *p;
    if (!check_ctx(t, "context.WithoutCancel", a, 0, &p))
        return -1;
    r[0] = ctx_new(CTX_WITHOUT_CANCEL, p)->self;
    return 1;
}

/* context.Cause(ctx): the cause its nearest cancelable context was
 * cancelled with, nil if none or not cancelled. */
static int f_cause(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *c;
    if (!check_ctx(t, "context.Cause", a, 0, &c))
        return -1;
    CspCtx *src = nearest_source(c);
    if (src && src->kind == CTX_FOREIGN) /* Go: a Context that is not ours has its Err as cause */
        return foreign_call(t, src, "Err", NULL, 0, &r[0]) ? 1 : -1;
    CspCtx *p = nearest_cancelable(c);
    r[0] = V_NIL;
    if (p) {
        lock_acquire(&p->lk);
        r[0] = p->err != V_NIL ? p->cause : V_NIL;
        lock_release(&p->lk);
    }
    return 1;
}

/* ---- the methods ------------------------------------------------------- */

static int m_done(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *p = nearest_source(ctx_of(a[0]));
    if (p && p->kind == CTX_FOREIGN)
        return foreign_call(t, p, "Done", NULL, 0, &r[0]) ? 1 : -1;
    r[0] = p ? v_from_ptr(p->done) : V_NIL; /* nil: never done */
    return 1;
}

static int m_err(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *p = nearest_source(ctx_of(a[0]));
    if (p && p->kind == CTX_FOREIGN)
        return foreign_call(t, p, "Err", NULL, 0, &r[0]) ? 1 : -1;
    r[0] = p ? __atomic_load_n(&p->err, __ATOMIC_ACQUIRE) : V_NIL;
    return 1;
}

static int m_deadline(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *owner;
    for (CspCtx *c = ctx_of(a[0]); c && c->kind != CTX_TIMER && c->kind != CTX_WITHOUT_CANCEL; c = c->parent)
        if (c->kind == CTX_FOREIGN) { /* a script's Context decides below it */
            int rc = stream_call(t, c->self, "Deadline", NULL, 0);
            if (rc < 0)
                return -1;
            r[0] = rc > 0 ? t->rets[0] : stdlib_time_zero();
            r[1] = rc > 1 ? t->rets[1] : V_FALSE;
            return 2;
        }
    if (deadline_of(ctx_of(a[0]), &owner)) {
        r[0] = owner->deadline;
        r[1] = V_TRUE;
        return 2;
    }
    r[0] = stdlib_time_zero();
    r[1] = V_FALSE;
    return 2;
}

static int m_value(Thread *t, Value *a, int n, Value *r)
{
    Value key = a[1];
    for (CspCtx *c = ctx_of(a[0]); c; c = c->parent) {
        if (c->kind == CTX_VALUE && v_iface_equal(c->key, key)) {
            r[0] = c->val;
            return 1;
        }
        if (c->kind == CTX_FOREIGN)
            return foreign_call(t, c, "Value", &key, 1, &r[0]) ? 1 : -1;
    }
    r[0] = V_NIL;
    return 1;
}

/* Go's stringify for WithValue's key and value: a string as it is, nil
 * as <nil>, a Stringer through String(), anything else its type. */
static int stringify(Thread *t, Buf *b, Value v)
{
    if (v_is_str(v)) {
        buf_add(b, v_str(v)->data, v_str(v)->len);
        return 0;
    }
    if (v == V_NIL) {
        buf_adds(b, "<nil>");
        return 0;
    }
    int rc = stream_call(t, v, "String", NULL, 0); /* -2: it has none */
    if (rc == -1)
        return -1;
    if (rc > 0 && v_is_str(t->rets[0])) {
        buf_add(b, v_str(t->rets[0])->data, v_str(t->rets[0])->len);
        return 0;
    }
    buf_adds(b, format_value_type(v) ? format_type_name(v) : v_type_name(v));
    return 0;
}

/* Go's names: context.Background.WithCancel.WithValue(k, v) */
static int ctx_name(Thread *t, Buf *b, CspCtx *c)
{
    switch (c->kind) {
    case CTX_BACKGROUND:
        buf_adds(b, "context.Background");
        return 0;
    case CTX_TODO:
        buf_adds(b, "context.TODO");
        return 0;
    case CTX_FOREIGN: /* Go's contextName: its String(), else its type */
        return stringify(t, b, c->self);
    default:
        break;
    }
    if (ctx_name(t, b, c->parent) < 0)
        return -1;
    switch (c->kind) {
    case CTX_CANCEL:
        buf_adds(b, ".WithCancel");
        return 0;
    case CTX_WITHOUT_CANCEL:
        buf_adds(b, ".WithoutCancel");
        return 0;
    case CTX_TIMER: {
        buf_adds(b, ".WithDeadline(");
        int rc = stream_call(t, c->deadline, "String", NULL, 0);
        if (rc == -1)
            return -1;
        if (rc > 0 && v_is_str(t->rets[0]))
            buf_add(b, v_str(t->rets[0])->data, v_str(t->rets[0])->len);
        /* Go's: the time left, as a Duration prints */
        buf_printf(b, " [%s])", stdlib_duration_string(c->deadline_ns - wall_now())->data);
        return 0;
    }
    default: /* CTX_VALUE */
        buf_adds(b, ".WithValue(");
        if (stringify(t, b, c->key) < 0)
            return -1;
        buf_adds(b, ", ");
        if (stringify(t, b, c->val) < 0)
            return -1;
        buf_addc(b, ')');
        return 0;
    }
}

static int m_string(Thread *t, Value *a, int n, Value *r)
{
    Buf b;
    buf_init(&b);
    if (ctx_name(t, &b, ctx_of(a[0])) < 0)
        return -1;
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static const MethodDef ctx_methods[] = {{"Deadline", m_deadline, 0, 0}, {"Done", m_done, 0, 0},
                                        {"Err", m_err, 0, 0},           {"Value", m_value, 1, 1},
                                        {"String", m_string, 0, 0},     {NULL, NULL, 0, 0}};
static const ObjClass ctx_classes[] = {
    [CTX_BACKGROUND] = {.name = "context.backgroundCtx", .methods = ctx_methods, .get_field = NULL},
    [CTX_TODO] = {.name = "context.todoCtx", .methods = ctx_methods, .get_field = NULL},
    [CTX_CANCEL] = {.name = "*context.cancelCtx", .methods = ctx_methods, .get_field = NULL},
    [CTX_TIMER] = {.name = "*context.timerCtx", .methods = ctx_methods, .get_field = NULL},
    [CTX_VALUE] = {.name = "*context.valueCtx", .methods = ctx_methods, .get_field = NULL},
    [CTX_WITHOUT_CANCEL] = {.name = "context.withoutCancelCtx", .methods = ctx_methods, .get_field = NULL},
    [CTX_AFTERFUNC] = {.name = "*context.afterFuncCtx", .methods = NULL, .get_field = NULL},
};

/* ---- AfterFunc ---------------------------------------------------------- */

static ObjNative *stop_fn; /* made when the module opens */

/* stop(): true if it kept f from starting */
static int do_stop(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *c = ctx_of(a[0]);
    int pending = 0;
    bool stopped =
        __atomic_compare_exchange_n(&c->state, &pending, 2, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    if (stopped)
        detach(c);
    r[0] = v_bool(stopped);
    return 1;
}

/* context.AfterFunc(ctx, f) (Go 1.21): f runs in its own goroutine once
 * ctx is cancelled (at once if it already is); returns stop. */
static int f_afterfunc(Thread *t, Value *a, int n, Value *r)
{
    CspCtx *p;
    if (!check_ctx(t, "context.AfterFunc", a, 0, &p))
        return -1;
    Value f = a[1];
    if (!v_is_obj(f, OBJ_CLOSURE) && !v_is_obj(f, OBJ_NATIVE) && !v_is_obj(f, OBJ_BOUND))
        return vm_panicf(t, E_ARG_TYPE, "context.AfterFunc", 2, "a func()", v_type_name(f));
    CspCtx *c = ctx_new(CTX_AFTERFUNC, p);
    c->fn = f;
    propagate(t, c); /* runs f now if p is already cancelled */
    r[0] = bind(c->self, stop_fn);
    return 1;
}

static const ModuleFn context_fns[] = {
    {"Background", f_background, 0, 0, "func() context.Context"},
    {"TODO", f_todo, 0, 0, "func() context.Context"},
    {"WithCancel", f_withcancel, 1, 1, NULL},
    {"WithCancelCause", f_withcancelcause, 1, 1, NULL},
    {"WithDeadline", f_withdeadline, 2, 2, NULL},
    {"WithDeadlineCause", f_withdeadline, 3, 3, NULL},
    {"WithTimeout", f_withtimeout, 2, 2, NULL},
    {"WithTimeoutCause", f_withtimeout, 3, 3, NULL},
    {"WithValue", f_withvalue, 3, 3, NULL},
    {"WithoutCancel", f_withoutcancel, 1, 1, NULL},
    {"Cause", f_cause, 1, 1, "func(context.Context) error"},
    {"AfterFunc", f_afterfunc, 2, 2, "func(context.Context, func()) func() bool"},
    {NULL, NULL, 0, 0, NULL},
};

static void context_open(ObjModule *m)
{
    err_canceled = v_from_ptr(error_new(str_cstr("context canceled"), false));
    err_deadline = v_from_ptr(error_new(str_cstr("context deadline exceeded"), false));
    static const char dt[] = "<-chan struct {}";
    done_type = types_parse(dt, sizeof dt - 1);
    types_zero(NULL, types_parse("struct{}", 8), &empty_struct);
    cancel_fn = native_new("context.CancelFunc", do_cancel, 1, 1);
    cancel_fn->h.flags |= NATIVE_METHOD;
    cancel_cause_fn = native_new("context.CancelCauseFunc", do_cancel_cause, 2, 2);
    cancel_cause_fn->h.flags |= NATIVE_METHOD;
    stop_fn = native_new("context.AfterFunc.stop", do_stop, 1, 1);
    stop_fn->h.flags |= NATIVE_METHOD;
    watch_fn = native_new("context.propagateCancel.func1", foreign_watch, 3, 3);
    background = ctx_new(CTX_BACKGROUND, NULL);
    todo = ctx_new(CTX_TODO, NULL);
    module_add_fns(m, context_fns);
    module_add(m, "Canceled", err_canceled);
    module_add(m, "DeadlineExceeded", err_deadline);
    /* The interface a script names (`func worker(ctx context.Context)`),
     * and the function types of the cancel functions. */
    ObjType *ct = types_new_named("context.Context");
    types_define(ct, types_parse_with("interface { Deadline() (time.Time, bool); Done() <-chan struct{}; "
                                      "Err() error; Value(key any) any }",
                                      strlen("interface { Deadline() (time.Time, bool); Done() <-chan "
                                             "struct{}; Err() error; Value(key any) any }"),
                                      NULL, NULL));
    types_register_type(ct);
    ObjType *cf = types_new_named("context.CancelFunc");
    types_define(cf, types_parse("func()", 6));
    types_register_type(cf);
    ObjType *ccf = types_new_named("context.CancelCauseFunc");
    types_define(ccf, types_parse("func(cause error)", 17));
    types_register_type(ccf);
}

const ModuleDef csp_module_context = {"context", context_open};

int64_t context_deadline(Thread *t, Value ctx)
{
    if (ctx == V_NIL)
        return 0;
    int rc = stream_call(t, ctx, "Deadline", NULL, 0);
    if (rc == -2)
        return 0;
    if (rc < 0)
        return -1;
    int64_t when;
    if (rc < 2 || t->rets[1] != V_TRUE || !stdlib_time_deadline(t->rets[0], &when))
        return 0;
    return when;
}
