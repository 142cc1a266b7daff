/* errors.c — the errors module: errors.New, errors.Is, errors.Unwrap.
 *
 * An error value is an ObjError (object.h): it prints as its message and
 * has .Error(). Go's errors.Is compares by identity (two errors.New("x")
 * are different errors), and so do we; a sentinel such as io.EOF is one
 * shared value, so `err == io.EOF` and errors.Is(err, io.EOF) both work.
 * fmt.Errorf's %w keeps the wrapped error (ObjError.wrapped): Unwrap
 * returns it and Is follows the chain.
 */
#include "stdlib.h"

static int errors_n_new(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *msg;
    if (!vm_check_str(t, "errors.New", args, 0, &msg))
        return -1;
    rets[0] = v_from_ptr(error_new(msg, false));
    return 1;
}

static Value unwrap(Value err)
{
    return v_is_obj(err, OBJ_ERROR) ? ((ObjError *)v_ptr(err))->wrapped : V_NIL;
}

static int errors_n_is(Thread *t, Value *args, int nargs, Value *rets)
{
    /* The chain is finite (each wrap is made after what it wraps) but a
     * bound costs nothing and keeps a corrupted one from looping. */
    Value e = args[0];
    for (int i = 0; i < 10000 && e != V_NIL; i++, e = unwrap(e)) {
        if (v_equal(e, args[1])) {
            rets[0] = V_TRUE;
            return 1;
        }
    }
    rets[0] = v_bool(args[0] == V_NIL && args[1] == V_NIL);
    return 1;
}

static int errors_n_unwrap(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = unwrap(args[0]);
    return 1;
}

static const ModuleFn errors_fns[] = {
    {"Is", errors_n_is, 2, 2, "func(error, error) bool"},
    {"New", errors_n_new, 1, 1, "func(string) error"},
    {"Unwrap", errors_n_unwrap, 1, 1, "func(error) error"},
    {NULL, NULL, 0, 0, NULL},
};

static void errors_open(ObjModule *m)
{
    module_add_fns(m, errors_fns);
}

const ModuleDef csp_module_errors = {"errors", errors_open};
