/* stdlib.h — the built-in functions and modules.
 *
 * stdlib_init registers every builtin (the table in builtins.def) and every
 * module (fmt, strings, strconv, math, os, errors, time, runtime, sync) in
 * Runtime.universe, once at start-up, before any script runs.
 *
 * How values print (%v, float text, quoting) is vm/format.h's; fmt.c adds
 * Printf's verbs and flags on top.
 */
#ifndef CSP_STDLIB_H
#define CSP_STDLIB_H

#include "../vm/buf.h"
#include "../vm/vm.h"

void stdlib_init(Runtime *rt, int argc, char **argv);
/* math's one-argument functions (math.Sqrt ...), added to its module. */
void math_module_add(ObjModule *m);

/* fmt.Sprintf's engine: returns -1 after a panic (bad args never panic in
 * Go's Sprintf; they print %!d(string=x) and so on; only a native object's
 * String() method, called through t, can panic). */
int fmt_format(Thread *t, Buf *b, const char *fmt, size_t fmtlen, const Value *args, int nargs);

/* ---- shared by the stdlib's files -------------------------------------- */

/* fmt.Print / fmt.Println of several operands into b. A native object's
 * String() method is called through t (NULL: not called); returns -1 if
 * one panicked (the panic is recorded in t), else 0. */
int fmt_print(Thread *t, Buf *b, const Value *args, int nargs);
int fmt_println(Thread *t, Buf *b, const Value *args, int nargs);
/* An error value (not a panic) with the message of an errors.def entry. */
Value stdlib_error(ErrCode code, ...);
/* Writers for fmt.Fprint*: append to a strings.Builder (false: w is not
 * one); write to an os.File (1: w is not one, 0: written, -1: panicked). */
bool strings_builder_write(Value w, const char *s, size_t n);
int os_file_write(Thread *t, Value w, const char *s, size_t n);
/* strconv's parsers. Base 0 lets the prefix decide (0x 0o 0b 0) and allows
 * '_' between digits, as Go's ParseInt; bits 0 means 64. On NUM_RANGE the
 * result is clamped (ints) or +-Inf (floats), as Go's. */
typedef enum { NUM_OK, NUM_SYNTAX, NUM_RANGE } NumStatus;
NumStatus strconv_parse_int(const char *s, size_t n, int base, int bits, int64_t *out);
NumStatus strconv_parse_uint(const char *s, size_t n, int base, int bits, uint64_t *out);
NumStatus strconv_parse_float(const char *s, size_t n, int bits, double *out);

#endif
