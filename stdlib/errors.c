/* errors.c — the errors module: New, Is, As, Unwrap, Join.
 *
 * An error value is an ObjError (object.h): it prints as its message and
 * has .Error(). Go's errors.Is compares by identity (two errors.New("x")
 * are different errors), and so do we; a sentinel such as io.EOF is one
 * shared value, so `err == io.EOF` and errors.Is(err, io.EOF) both work.
 *
 * What an error wraps: fmt.Errorf's %w keeps the wrapped error
 * (ObjError.wrapped); errors.Join keeps the list of its errors there (Go's
 * Unwrap() []error); a script's error type says it with an `Unwrap()
 * error` or `Unwrap() []error` method. Is and As walk that tree depth
 * first, as Go does, and ask an error's own `Is(error) bool` and
 * `As(any) bool` methods too.
 *
 * errors.As needs the type of what its target points to: the compiler
 * passes each argument's static type as a hidden argument after the
 * arguments to a native flagged NATIVE_ARG_TYPES (`var pe *PathError;
 * errors.As(err, &pe)`: the type **PathError). Called without them (as a
 * function value), As falls back on the type of the value the target
 * holds, which a nil pointer or interface does not tell.
 */
#include "stream.h"

#include <string.h>

#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/mem.h"

/* Walks are bounded: a chain is finite (each wrap is made after what it
 * wraps) but a corrupted or self-wrapping script type must not loop. */
#define ERRORS_MAX_DEPTH 10000

static int errors_n_new(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *msg;
    if (!vm_check_str(t, "errors.New", args, 0, &msg))
        return -1;
    rets[0] = v_from_ptr(error_new(msg, false));
    return 1;
}

/* What e wraps: *out one error, or a list of them (Join's); V_NIL when
 * nothing. -1 after a panic in a script's Unwrap. */
static int unwrap_of(Thread *t, Value e, Value *out)
{
    *out = V_NIL;
    if (e == V_NIL)
        return 0;
    if (v_is_obj(e, OBJ_ERROR)) {
        *out = ((ObjError *)v_ptr(e))->wrapped;
        return 0;
    }
    int nr = stream_call(t, e, "Unwrap", NULL, 0);
    if (nr == -1)
        return -1;
    if (nr >= 1)
        *out = t->rets[0];
    return 0;
}

static int errors_n_unwrap(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value w;
    if (unwrap_of(t, args[0], &w) < 0)
        return -1;
    rets[0] = v_is_obj(w, OBJ_LIST) ? V_NIL : w; /* Go: nil for Unwrap() []error */
    return 1;
}

/* ---- Is ---------------------------------------------------------------- */

/* 1: found, 0: not, -1: a panic. */
static int is_walk(Thread *t, Value e, Value target, int depth)
{
    for (; e != V_NIL && depth < ERRORS_MAX_DEPTH; depth++) {
        if (v_equal(e, target) || (v_iface_equal(e, target) && e != V_NIL))
            return 1;
        if (!v_is_obj(e, OBJ_ERROR)) {
            Value arg = target;
            int nr = stream_call(t, e, "Is", &arg, 1);
            if (nr == -1)
                return -1;
            if (nr >= 1 && t->rets[0] == V_TRUE)
                return 1;
        }
        Value w;
        if (unwrap_of(t, e, &w) < 0)
            return -1;
        if (v_is_obj(w, OBJ_LIST)) {
            Value x;
            for (int64_t i = 0; list_get(v_list(w), i, &x); i++) {
                int r = is_walk(t, x, target, depth + 1);
                if (r != 0)
                    return r;
            }
            return 0;
        }
        e = w;
    }
    return 0;
}

static int errors_n_is(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value err = args[0], target = args[1];
    if (err == V_NIL || target == V_NIL) {
        rets[0] = v_bool(err == target);
        return 1;
    }
    int r = is_walk(t, err, target, 0);
    if (r < 0)
        return -1;
    rets[0] = v_bool(r == 1);
    return 1;
}

/* ---- As ---------------------------------------------------------------- */

/* Store e into what target points to. */
static void as_store(Value target, Value e)
{
    Value *slot = ref_slot(target);
    if (slot) {
        *slot = v_copy(e);
        return;
    }
    /* a pointer to a struct: copy e's fields into it */
    Obj *o = v_ref_target(target);
    Value src = iface_unbox(e);
    if (o->kind == OBJ_STRUCT && v_is_obj(src, OBJ_STRUCT)) {
        ObjStruct *d = (ObjStruct *)o, *s = v_ptr(v_copy(src));
        if (d->type == s->type)
            memcpy(d->f, s->f, sizeof(Value) * (size_t)d->type->nfields);
    }
}

/* Whether e can be stored into a *target of type ty (ty NULL: unknown,
 * then the type of the value the target holds decides). */
static bool as_matches(const ObjType *ty, Value cur, Value e)
{
    if (ty)
        return iface_has(ty, e);
    if (cur == V_NIL)
        return false;
    const ObjType *ct = iface_typeof(cur);
    return ct && iface_has(ct, e);
}

static int as_walk(Thread *t, Value e, Value target, const ObjType *ty, Value cur, int depth)
{
    for (; e != V_NIL && depth < ERRORS_MAX_DEPTH; depth++) {
        if (as_matches(ty, cur, e)) {
            as_store(target, e);
            return 1;
        }
        if (!v_is_obj(e, OBJ_ERROR)) {
            Value arg = target;
            int nr = stream_call(t, e, "As", &arg, 1);
            if (nr == -1)
                return -1;
            if (nr >= 1 && t->rets[0] == V_TRUE)
                return 1;
        }
        Value w;
        if (unwrap_of(t, e, &w) < 0)
            return -1;
        if (v_is_obj(w, OBJ_LIST)) {
            Value x;
            for (int64_t i = 0; list_get(v_list(w), i, &x); i++) {
                int r = as_walk(t, x, target, ty, cur, depth + 1);
                if (r != 0)
                    return r;
            }
            return 0;
        }
        e = w;
    }
    return 0;
}

static int errors_n_as(Thread *t, Value *args, int nargs, Value *rets)
{
    Value err = args[0], target = iface_unbox(args[1]);
    /* the hidden static types (see the header): args[3] is the target's */
    const ObjType *pty = nargs >= 4 && v_is_obj(args[3], OBJ_TYPE) ? v_ptr(args[3]) : NULL;
    if (args[1] == V_NIL || target == V_NIL)
        return vm_panic(t, v_from_ptr(error_new(str_cstr(err_formats[E_ERRORS_AS_NIL]), false)));
    if (!v_is_ref(target))
        return vm_panic(t, v_from_ptr(error_new(str_cstr(err_formats[E_ERRORS_AS_PTR]), false)));
    const ObjType *ty = pty && pty->kind == TYPE_POINTER ? pty->elem : NULL;
    if (ty && (ty->kind == TYPE_UNKNOWN || types_open(ty)))
        ty = NULL; /* not known here: the target's value decides */
    Value *slot = ref_slot(target);
    Value cur = slot ? *slot : v_from_ptr(v_ref_target(target));
    if (ty && ty->kind != TYPE_INTERFACE) {
        /* Go: *target must be an interface or implement error */
        /* a *T has T's methods and *T's, a T only T's */
        bool ptr_recv = false;
        const ObjType *base = ty->kind == TYPE_POINTER ? ty->elem : ty;
        bool implements = base && types_method(base, str_cstr("Error"), &ptr_recv) != V_UNDEF &&
                          (ty->kind == TYPE_POINTER || !ptr_recv);
        if (!implements)
            return vm_panic(t, v_from_ptr(error_new(str_cstr(err_formats[E_ERRORS_AS_TYPE]), false)));
    }
    if (err == V_NIL) {
        rets[0] = V_FALSE;
        return 1;
    }
    int r = as_walk(t, err, target, ty, cur, 0);
    if (r < 0)
        return -1;
    rets[0] = v_bool(r == 1);
    return 1;
}

/* ---- Join -------------------------------------------------------------- */

static int errors_n_join(Thread *t, Value *args, int nargs, Value *rets)
{
    Value small[16];
    Value *errs = nargs <= 16 ? small : mem_alloc(sizeof(Value) * (size_t)nargs);
    int n = 0;
    for (int i = 0; i < nargs; i++)
        if (args[i] != V_NIL)
            errs[n++] = args[i];
    if (n == 0) {
        rets[0] = V_NIL;
        return 1;
    }
    Buf b;
    buf_init(&b);
    for (int i = 0; i < n; i++) {
        if (i > 0)
            buf_addc(&b, '\n');
        if (stream_error_text(t, errs[i], &b) < 0)
            return -1;
    }
    ObjError *e = error_new(buf_to_str(&b), false);
    e->wrapped = v_from_ptr(list_from(errs, (size_t)n));
    rets[0] = v_from_ptr(e);
    return 1;
}

static const ModuleFn errors_fns[] = {
    {"As", errors_n_as, 2, 4, NULL},
    {"Is", errors_n_is, 2, 2, "func(error, error) bool"},
    {"Join", errors_n_join, 0, -1, "func(...error) error"},
    {"New", errors_n_new, 1, 1, "func(string) error"},
    {"Unwrap", errors_n_unwrap, 1, 1, "func(error) error"},
    {NULL, NULL, 0, 0, NULL},
};

static void errors_open(ObjModule *m)
{
    module_add_fns(m, errors_fns);
    Value as;
    if (map_get_cstr(m->members, "As", &as) && v_is_obj(as, OBJ_NATIVE))
        v_obj(as)->flags |= NATIVE_ARG_TYPES;
}

const ModuleDef csp_module_errors = {"errors", errors_open};
