/* errgroup.c — golang.org/x/sync/errgroup: a Group runs functions that
 * return an error in goroutines and Wait returns the first error.
 *
 * Built from the other modules' public pieces: a sync.WaitGroup counts
 * the goroutines, a buffered channel of capacity n is the semaphore of
 * SetLimit(n) (a send takes a slot, a receive gives it back), and
 * WithContext's context comes from context.WithCancelCause, cancelled
 * with the first error (or when Wait returns), as Go's errgroup does.
 */
#include "../vm/chan.h"
#include "../vm/lock.h"
#include "../vm/mem.h"
#include "../vm/sched.h"
#include "stdlib.h"

typedef struct Group {
    Value wg;     /* a sync.WaitGroup; immutable */
    Value cancel; /* WithContext's CancelCauseFunc, or nil; immutable
                     once the group is returned */
    Lock lk;
    bool failed;  /* lk: err is set */
    Value err;    /* lk: the first error returned */
    ObjChan *sem; /* lk: SetLimit's semaphore, NULL: no limit */
} Group;

static Group *group_of(Value self)
{
    return ((ObjObject *)v_ptr(self))->payload;
}

/* A member of another module ("sync", "WaitGroup"). */
static Value member(const char *module, const char *name)
{
    ObjModule *m = stdlib_module(module, strlen(module), false);
    Value v = V_NIL;
    if (m)
        map_get_cstr(m->members, name, &v);
    return v;
}

/* Call the method `name` of the native object obj with no arguments. */
static int call_method0(Thread *t, Value obj, const char *name)
{
    ObjNative *m = class_method(((ObjObject *)v_ptr(obj))->cls, str_cstr(name));
    Value arg = obj;
    return vm_call(t, v_from_ptr(m), &arg, 1);
}

static int wg_add1(Thread *t, Value wg)
{
    ObjNative *m = class_method(((ObjObject *)v_ptr(wg))->cls, str_cstr("Add"));
    Value args[2] = {wg, v_int_small(1)};
    return vm_call(t, v_from_ptr(m), args, 2);
}

static Value bind(Value recv, ObjNative *fn)
{
    ObjBound *b = mem_alloc(sizeof *b);
    b->h.kind = OBJ_BOUND;
    b->recv = recv;
    b->fn = v_from_ptr(fn);
    return v_from_ptr(b);
}

static ObjNative *body_fn; /* made when the module opens */

/* The goroutine of g.Go(f): f(); its error, if first, is kept (and
 * cancels the context); then its semaphore slot and wg.Done(). */
static int group_body(Thread *t, Value *a, int n, Value *r)
{
    Value self = a[0], f = a[1];
    Group *g = group_of(self);
    int rc = vm_call(t, f, NULL, 0);
    if (rc > 0 && t->rets[0] != V_NIL) {
        Value err = t->rets[0];
        lock_acquire(&g->lk);
        bool first = !g->failed;
        if (first) {
            g->failed = true;
            g->err = err;
        }
        lock_release(&g->lk);
        if (first && g->cancel != V_NIL && vm_call(t, g->cancel, &err, 1) < 0)
            return -1;
    }
    bool panicked = rc < 0;
    lock_acquire(&g->lk);
    ObjChan *sem = g->sem;
    lock_release(&g->lk);
    if (sem) {
        Value v;
        bool ok;
        chan_recv(t, sem, &v, &ok); /* our slot: never blocks */
    }
    if (call_method0(t, g->wg, "Done") < 0 || panicked)
        return -1;
    return 0;
}

static bool check_func(Thread *t, const char *fname, Value f)
{
    if (v_is_obj(f, OBJ_CLOSURE) || v_is_obj(f, OBJ_NATIVE) || v_is_obj(f, OBJ_BOUND))
        return true;
    vm_panicf(t, E_ARG_TYPE, fname, 1, "a func() error", v_type_name(f));
    return false;
}

static int start(Thread *t, Value self, Value f)
{
    if (wg_add1(t, group_of(self)->wg) < 0)
        return -1;
    sched_go(t, bind(self, body_fn), &f, 1);
    return 0;
}

static int g_go(Thread *t, Value *a, int n, Value *r)
{
    Value self = a[0], f = a[1];
    if (!check_func(t, "errgroup.Group.Go", f))
        return -1;
    Group *g = group_of(self);
    lock_acquire(&g->lk);
    ObjChan *sem = g->sem;
    lock_release(&g->lk);
    if (sem && chan_send(t, sem, V_NIL) < 0) /* blocks while the group is full */
        return -1;
    return start(t, self, f);
}

static int g_trygo(Thread *t, Value *a, int n, Value *r)
{
    Value self = a[0], f = a[1];
    if (!check_func(t, "errgroup.Group.TryGo", f))
        return -1;
    Group *g = group_of(self);
    lock_acquire(&g->lk);
    ObjChan *sem = g->sem;
    lock_release(&g->lk);
    if (sem && !chan_try_send(sem, V_NIL)) {
        r[0] = V_FALSE;
        return 1;
    }
    if (start(t, self, f) < 0)
        return -1;
    r[0] = V_TRUE;
    return 1;
}

static int g_wait(Thread *t, Value *a, int n, Value *r)
{
    Group *g = group_of(a[0]);
    if (call_method0(t, g->wg, "Wait") < 0)
        return -1;
    lock_acquire(&g->lk);
    Value err = g->failed ? g->err : V_NIL;
    lock_release(&g->lk);
    if (g->cancel != V_NIL && vm_call(t, g->cancel, &err, 1) < 0)
        return -1;
    r[0] = err;
    return 1;
}

static int g_setlimit(Thread *t, Value *a, int n, Value *r)
{
    int64_t limit;
    if (!vm_check_int(t, "errgroup.Group.SetLimit", a, 1, &limit))
        return -1;
    Group *g = group_of(a[0]);
    lock_acquire(&g->lk);
    size_t active = 0;
    if (g->sem) { /* the slots taken: the semaphore channel's count */
        lock_acquire(&g->sem->lock);
        active = g->sem->count;
        lock_release(&g->sem->lock);
    }
    if (active != 0) {
        lock_release(&g->lk);
        return vm_panic_msg(t, "errgroup: modify limit while %zu goroutines in the group are still active",
                            active);
    }
    g->sem = limit < 0 ? NULL : chan_new((size_t)limit);
    lock_release(&g->lk);
    return 0;
}

static const MethodDef group_methods[] = {{"Go", g_go, 1, 1},
                                          {"TryGo", g_trygo, 1, 1},
                                          {"Wait", g_wait, 0, 0},
                                          {"SetLimit", g_setlimit, 1, 1},
                                          {NULL, NULL, 0, 0}};
static const ObjClass group_class = {.name = "errgroup.Group", .methods = group_methods, .get_field = NULL};

static int new_group(Thread *t, Value *a, int n, Value *r)
{
    int rc = vm_call(t, member("sync", "WaitGroup"), NULL, 0);
    if (rc < 1)
        return -1;
    Group *g = mem_alloc(sizeof *g);
    g->wg = t->rets[0];
    r[0] = v_from_ptr(object_new(&group_class, g));
    return 1;
}

/* errgroup.WithContext(ctx): a group, and a context derived from ctx that
 * is cancelled by the first error or when Wait returns. */
static int f_withcontext(Thread *t, Value *a, int n, Value *r)
{
    Value parent = a[0];
    if (vm_call(t, member("context", "WithCancelCause"), &parent, 1) < 2)
        return -1;
    Value ctx = t->rets[0], cancel = t->rets[1];
    if (new_group(t, NULL, 0, r) < 1)
        return -1;
    group_of(r[0])->cancel = cancel;
    r[1] = ctx;
    return 2;
}

static void errgroup_open(ObjModule *m)
{
    body_fn = native_new("errgroup.(*Group).Go.func1", group_body, 2, 2);
    body_fn->h.flags |= NATIVE_METHOD;
    module_add_fn(m, "Group", new_group, 0, 0);
    module_add_type(m, "Group", TYPE_OBJECT);
    module_add_fn(m, "WithContext", f_withcontext, 1, 1);
}

const ModuleDef csp_module_errgroup = {"golang.org/x/sync/errgroup", errgroup_open};
