/* errors.c — the errors module: errors.New, errors.Is, errors.Unwrap.
 *
 * An error value is an ObjError (object.h): it prints as its message and
 * has .Error(). Go's errors.Is compares by identity (two errors.New("x")
 * are different errors), and so do we; a sentinel such as io.EOF is one
 * shared value, so `err == io.EOF` and errors.Is(err, io.EOF) both work.
 * Wrapping (fmt.Errorf's %w) keeps only the text for now: ObjError has no
 * slot for the wrapped error, so Unwrap returns nil and Is does not look
 * through wraps.
 */
#include "stdlib.h"

int errors_n_new(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *msg;
    if (!vm_check_str(t, "errors.New", args, 0, &msg))
        return -1;
    rets[0] = v_from_ptr(error_new(msg, false));
    return 1;
}

int errors_n_is(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = v_bool(v_equal(args[0], args[1]));
    return 1;
}

int errors_n_unwrap(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = V_NIL;
    return 1;
}
