/* stdlib.h — the built-in functions and modules.
 *
 * stdlib_init registers every builtin (the table in builtins.def) and every
 * module (fmt, strings, strconv, math, os, errors, time, runtime, sync) in
 * Runtime.universe, once at start-up, before any script runs.
 *
 * Formatting follows Go's fmt: %v of a list is [1 2 3], of a map
 * map[a:1 b:2] (insertion order), floats shortest round-trip (%g-like with
 * Go's exponent thresholds), nil as <nil>, errors as their message.
 */
#ifndef CSP_STDLIB_H
#define CSP_STDLIB_H

#include "../vm/buf.h"
#include "../vm/vm.h"

void stdlib_init(Runtime *rt, int argc, char **argv);

/* Append v formatted as %v (top-level strings as-is). */
void fmt_value(Buf *b, Value v);
/* fmt.Sprint of one value. */
ObjString *fmt_sprint(Value v);
/* Shortest round-trip float text, Go style ("0.1", "1e+21", "3"). */
void fmt_float(Buf *b, double d);
/* fmt.Sprintf's engine: returns -1 after a panic (bad args never panic in
 * Go's Sprintf; they print %!d(string=x) and so on). */
int fmt_format(Thread *t, Buf *b, const char *fmt, size_t fmtlen, const Value *args, int nargs);

#endif
