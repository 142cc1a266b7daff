/* stdlib.h — the built-in functions and modules.
 *
 * stdlib_init registers every builtin (the table in builtins.def) in
 * Runtime.universe at start-up, before any script runs. Modules are set up
 * lazily: each module's file defines a ModuleDef (its import path and the
 * function that fills its members), the build's module list names it
 * (CSP_MODULES in CMakeLists.txt), and a module is opened, once per
 * process, the first time a script names it, imports it or names one of
 * its types. So adding a package touches its own file and that list.
 *
 * How values print (%v, float text, quoting) is vm/format.h's; fmt.c adds
 * Printf's verbs and flags on top.
 */
#ifndef CSP_STDLIB_H
#define CSP_STDLIB_H

#include "../vm/buf.h"
#include "../vm/types.h"
#include "../vm/vm.h"

void stdlib_init(Runtime *rt, int argc, char **argv);
/* Open every module and define it in rt's universe (the REPL lists their
 * members for completion). */
void stdlib_open_all(Runtime *rt);

/* ---- modules ----------------------------------------------------------- */

/* A module: its import path ("math/rand"; its name is the last element)
 * and the function that fills its members. open runs once per process,
 * under a lock, on the module's first use; it may open other modules. */
typedef struct ModuleDef {
    const char *path;
    void (*open)(ObjModule *m);
} ModuleDef;

/* A function member, as Lua's luaL_Reg: its Go name, its C function, its
 * argument counts (max -1: variadic; they may accept more than Go does) and
 * its Go signature (ObjNative.sig: "func(uint64) float64", "func(string)
 * (int, error)", "func(string, ...any) string"), or NULL. The compiler
 * gives an untyped constant argument its parameter's type and a constant
 * compared with a result the result's; generic code infers its type
 * arguments from it (Map(xs, strconv.Itoa)); %T prints it. A table ends
 * with an entry whose name is NULL. */
typedef struct ModuleFn {
    const char *name;
    NativeFn fn;
    int16_t min_args, max_args;
    const char *sig;
} ModuleFn;
void module_add_fns(ObjModule *m, const ModuleFn *fns);
/* Integer and float constants, tables ended the same way. */
typedef struct ModuleInt {
    const char *name;
    int64_t v;
} ModuleInt;
void module_add_ints(ObjModule *m, const ModuleInt *ints);
typedef struct ModuleFloat {
    const char *name;
    double v;
} ModuleFloat;
void module_add_floats(ObjModule *m, const ModuleFloat *floats);
/* A type a script can name as m.name (`var d time.Duration`, `var mu
 * sync.Mutex`): an int, an interface (its methods are listed with error's,
 * vm/types.c), or a native object that m's function of the same name
 * makes, ready to use. */
void module_add_type(ObjModule *m, const char *name, TypeKind kind);
/* A method of a declared type made by a module (http.Header's Get): fn
 * takes the receiver, then nargs arguments. name is the full name
 * ("http.Header.Get", what tracebacks show); the method is its last part.
 * sig: its signature ("(string) string"), or NULL. */
void stdlib_method(ObjType *ty, const char *name, NativeFn fn, int nargs, bool ptr_recv, const char *sig);
/* A module, opened if it was not yet, by its name ("rand") or its import
 * path ("math/rand"); NULL when csp has none. */
ObjModule *stdlib_module(const char *name, size_t n, bool by_path);

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
/* time's values for the other modules (stdlib/time.c): time.Now().Add(d);
 * a time.Time's Unix nanoseconds (false: v is no time.Time); the zero
 * Time; the local Time of a Unix time; a time.Duration; its text as Go
 * prints it ("1.5s"); Go's ParseDuration (false: not a duration). */
Value stdlib_time_after(int64_t d);
bool stdlib_time_unix_nano(Value v, int64_t *ns);
Value stdlib_time_zero(void);
/* A Duration argument (argno counts from 1 as messages do): a
 * time.Duration or an int of nanoseconds; else panics with Go's argument
 * text and returns false. */
bool stdlib_duration_arg(Thread *t, const char *fname, Value v, int argno, int64_t *out);
/* Go's text for an errno: the C library's, its first letter lowered
 * ("connection refused"), written into out. */
const char *stdlib_errno_text(int err, char *out, size_t size);
/* A context's Deadline() (any value with Go's Context methods, a
 * script's own too) as an instant of sched_nanotime(); 0 when it has
 * none; -1 after a panic in its method (recorded in t). context.c. */
int64_t context_deadline(Thread *t, Value ctx);
/* A Time as a deadline: the instant of sched_nanotime() it names (by its
 * monotonic reading when it has one), 0 for the zero Time (no deadline);
 * false when v is no Time. */
bool stdlib_time_deadline(Value v, int64_t *when);
Value stdlib_time_unix(int64_t sec, int64_t nsec);
Value stdlib_duration(int64_t ns);
ObjString *stdlib_duration_string(int64_t ns);
bool stdlib_parse_duration(const char *s, size_t n, int64_t *out);
/* io.EOF: one value, whichever reader returns it. */
Value stdlib_eof(void);
/* Writers for fmt.Fprint*: append to a strings.Builder (false: w is not
 * one); write to an os.File (1: w is not one, 0: written, -1: panicked). */
bool strings_builder_write(Value w, const char *s, size_t n);
int os_file_write(Thread *t, Value w, const char *s, size_t n);
/* unicode.SimpleFold (stdlib/unicode.c), for strings.EqualFold. */
int64_t unicode_simple_fold(int64_t r);
/* Signals as Go's syscall.Signal values (syscall.c): the value of number
 * sig (nil past 64); a value's number, -1 when v is no signal; and the os
 * module's members os.Signal, os.Interrupt and os.Kill, which os.c's open
 * adds to its module by calling syscall_os_members. */
Value syscall_signal_value(int sig);
int syscall_signal_number(Value v);
void syscall_os_members(ObjModule *os);
/* strconv's parsers. Base 0 lets the prefix decide (0x 0o 0b 0) and allows
 * '_' between digits, as Go's ParseInt; bits 0 means 64. On NUM_RANGE the
 * result is clamped (ints) or +-Inf (floats), as Go's. */
typedef enum { NUM_OK, NUM_SYNTAX, NUM_RANGE } NumStatus;
NumStatus strconv_parse_int(const char *s, size_t n, int base, int bits, int64_t *out);
NumStatus strconv_parse_uint(const char *s, size_t n, int base, int bits, uint64_t *out);
NumStatus strconv_parse_float(const char *s, size_t n, int bits, double *out);

#endif
