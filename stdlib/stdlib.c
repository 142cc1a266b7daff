/* stdlib.c — stdlib_init: every built-in module's members, listed once,
 * and their registration in Runtime.universe.
 *
 * The tables below are the one place a module member is named. FN entries
 * are natives (their C functions live in the module's file and are
 * declared here from the same table); INT and FLOAT entries are
 * constants. Values that need building (os.Args, os.Stdin, io.EOF) are
 * added by the module's init function.
 *
 * The runtime's modules (time's functions, runtime, sync) belong to the
 * concurrency issue: stdlib/time.c and stdlib/sync.c register them, called
 * from stdlib_init below.
 */
#include "stdlib.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "../vm/types.h"

/* FN(module, GoName, c_function, min_args, max_args)   max -1: variadic
 * FNT(module, GoName, c_function, min_args, max_args, "Go signature"): the
 * same, with the function's type as Go's documentation gives it
 * (ObjNative.sig: "func(uint64) float64", "func(string) (int, error)",
 * "func(string, ...any) string"). The compiler gives an untyped constant
 * argument its parameter's type (1 << 63 fits a uint64) and a constant
 * compared with a result the result's; generic code infers its type
 * arguments from it (Map(xs, strconv.Itoa)); %T prints it. min_args and
 * max_args may accept more than Go does (strconv.ParseFloat(s)). */
#define STDLIB_FUNCS(FN, FNT)                                                                                \
    /* fmt */                                                                                                \
    FNT(fmt, Print, fmt_n_print, 0, -1, "func(...any) (int, error)")                                         \
    FNT(fmt, Println, fmt_n_println, 0, -1, "func(...any) (int, error)")                                     \
    FNT(fmt, Printf, fmt_n_printf, 1, -1, "func(string, ...any) (int, error)")                               \
    FNT(fmt, Sprint, fmt_n_sprint, 0, -1, "func(...any) string")                                             \
    FNT(fmt, Sprintln, fmt_n_sprintln, 0, -1, "func(...any) string")                                         \
    FNT(fmt, Sprintf, fmt_n_sprintf, 1, -1, "func(string, ...any) string")                                   \
    FNT(fmt, Errorf, fmt_n_errorf, 1, -1, "func(string, ...any) error")                                      \
    FNT(fmt, Fprint, fmt_n_fprint, 1, -1, "func(io.Writer, ...any) (int, error)")                            \
    FNT(fmt, Fprintln, fmt_n_fprintln, 1, -1, "func(io.Writer, ...any) (int, error)")                        \
    FNT(fmt, Fprintf, fmt_n_fprintf, 2, -1, "func(io.Writer, string, ...any) (int, error)")                  \
    /* strings */                                                                                            \
    FN(strings, Builder, strings_n_builder, 0, 0)                                                            \
    FNT(strings, Compare, strings_n_compare, 2, 2, "func(string, string) int")                               \
    FNT(strings, Contains, strings_n_contains, 2, 2, "func(string, string) bool")                            \
    FNT(strings, ContainsAny, strings_n_contains_any, 2, 2, "func(string, string) bool")                     \
    FNT(strings, ContainsRune, strings_n_contains_rune, 2, 2, "func(string, rune) bool")                     \
    FNT(strings, Count, strings_n_count, 2, 2, "func(string, string) int")                                   \
    FNT(strings, Cut, strings_n_cut, 2, 2, "func(string, string) (string, string, bool)")                    \
    FNT(strings, CutPrefix, strings_n_cut_prefix, 2, 2, "func(string, string) (string, bool)")               \
    FNT(strings, CutSuffix, strings_n_cut_suffix, 2, 2, "func(string, string) (string, bool)")               \
    FNT(strings, EqualFold, strings_n_equal_fold, 2, 2, "func(string, string) bool")                         \
    FNT(strings, Fields, strings_n_fields, 1, 1, "func(string) []string")                                    \
    FNT(strings, HasPrefix, strings_n_has_prefix, 2, 2, "func(string, string) bool")                         \
    FNT(strings, HasSuffix, strings_n_has_suffix, 2, 2, "func(string, string) bool")                         \
    FNT(strings, Index, strings_n_index, 2, 2, "func(string, string) int")                                   \
    FNT(strings, IndexAny, strings_n_index_any, 2, 2, "func(string, string) int")                            \
    FNT(strings, IndexByte, strings_n_index_byte, 2, 2, "func(string, byte) int")                            \
    FNT(strings, IndexRune, strings_n_index_rune, 2, 2, "func(string, rune) int")                            \
    FNT(strings, Join, strings_n_join, 2, 2, "func([]string, string) string")                                \
    FNT(strings, LastIndex, strings_n_last_index, 2, 2, "func(string, string) int")                          \
    FNT(strings, LastIndexAny, strings_n_last_index_any, 2, 2, "func(string, string) int")                   \
    FNT(strings, LastIndexByte, strings_n_last_index_byte, 2, 2, "func(string, byte) int")                   \
    FNT(strings, Map, strings_n_map, 2, 2, "func(func(rune) rune, string) string")                           \
    FNT(strings, Repeat, strings_n_repeat, 2, 2, "func(string, int) string")                                 \
    FNT(strings, Replace, strings_n_replace, 4, 4, "func(string, string, string, int) string")               \
    FNT(strings, ReplaceAll, strings_n_replace_all, 3, 3, "func(string, string, string) string")             \
    FNT(strings, Split, strings_n_split, 2, 2, "func(string, string) []string")                              \
    FNT(strings, SplitAfter, strings_n_split_after, 2, 2, "func(string, string) []string")                   \
    FNT(strings, SplitAfterN, strings_n_split_after_n, 3, 3, "func(string, string, int) []string")           \
    FNT(strings, SplitN, strings_n_split_n, 3, 3, "func(string, string, int) []string")                      \
    FNT(strings, ToLower, strings_n_to_lower, 1, 1, "func(string) string")                                   \
    FNT(strings, ToUpper, strings_n_to_upper, 1, 1, "func(string) string")                                   \
    FNT(strings, Trim, strings_n_trim, 2, 2, "func(string, string) string")                                  \
    FNT(strings, TrimLeft, strings_n_trim_left, 2, 2, "func(string, string) string")                         \
    FNT(strings, TrimPrefix, strings_n_trim_prefix, 2, 2, "func(string, string) string")                     \
    FNT(strings, TrimRight, strings_n_trim_right, 2, 2, "func(string, string) string")                       \
    FNT(strings, TrimSpace, strings_n_trim_space, 1, 1, "func(string) string")                               \
    FNT(strings, TrimSuffix, strings_n_trim_suffix, 2, 2, "func(string, string) string")                     \
    /* strconv */                                                                                            \
    FNT(strconv, Atoi, strconv_n_atoi, 1, 1, "func(string) (int, error)")                                    \
    FNT(strconv, FormatBool, strconv_n_format_bool, 1, 1, "func(bool) string")                               \
    FNT(strconv, FormatFloat, strconv_n_format_float, 4, 4, "func(float64, byte, int, int) string")          \
    FNT(strconv, FormatInt, strconv_n_format_int, 2, 2, "func(int64, int) string")                           \
    FNT(strconv, FormatUint, strconv_n_format_uint, 2, 2, "func(uint64, int) string")                        \
    FNT(strconv, Itoa, strconv_n_itoa, 1, 1, "func(int) string")                                             \
    FNT(strconv, ParseBool, strconv_n_parse_bool, 1, 1, "func(string) (bool, error)")                        \
    FNT(strconv, ParseFloat, strconv_n_parse_float, 1, 2, "func(string, int) (float64, error)")              \
    FNT(strconv, ParseInt, strconv_n_parse_int, 2, 3, "func(string, int, int) (int64, error)")               \
    FNT(strconv, ParseUint, strconv_n_parse_uint, 2, 3, "func(string, int, int) (uint64, error)")            \
    FNT(strconv, Quote, strconv_n_quote, 1, 1, "func(string) string")                                        \
    FNT(strconv, QuoteRune, strconv_n_quote_rune, 1, 1, "func(rune) string")                                 \
    FNT(strconv, QuoteToASCII, strconv_n_quote_to_ascii, 1, 1, "func(string) string")                        \
    FNT(strconv, Unquote, strconv_n_unquote, 1, 1, "func(string) (string, error)")                           \
    /* math (math.c adds the one-argument functions itself) */                                               \
    FNT(math, Atan2, math_n_atan2, 2, 2, "func(float64, float64) float64")                                   \
    FNT(math, Copysign, math_n_copysign, 2, 2, "func(float64, float64) float64")                             \
    FNT(math, Dim, math_n_dim, 2, 2, "func(float64, float64) float64")                                       \
    FNT(math, Float32bits, math_n_float32bits, 1, 1, "func(float32) uint32")                                 \
    FNT(math, Float32frombits, math_n_float32frombits, 1, 1, "func(uint32) float32")                         \
    FNT(math, Float64bits, math_n_float64bits, 1, 1, "func(float64) uint64")                                 \
    FNT(math, Float64frombits, math_n_float64frombits, 1, 1, "func(uint64) float64")                         \
    FNT(math, Hypot, math_n_hypot, 2, 2, "func(float64, float64) float64")                                   \
    FNT(math, Inf, math_n_inf, 1, 1, "func(int) float64")                                                    \
    FNT(math, IsInf, math_n_is_inf, 2, 2, "func(float64, int) bool")                                         \
    FNT(math, IsNaN, math_n_is_nan, 1, 1, "func(float64) bool")                                              \
    FNT(math, Max, math_n_max, 2, 2, "func(float64, float64) float64")                                       \
    FNT(math, Min, math_n_min, 2, 2, "func(float64, float64) float64")                                       \
    FNT(math, Mod, math_n_mod, 2, 2, "func(float64, float64) float64")                                       \
    FNT(math, Modf, math_n_modf, 1, 1, "func(float64) (float64, float64)")                                   \
    FNT(math, NaN, math_n_nan, 0, 0, "func() float64")                                                       \
    FNT(math, Pow, math_n_pow, 2, 2, "func(float64, float64) float64")                                       \
    FNT(math, Remainder, math_n_remainder, 2, 2, "func(float64, float64) float64")                           \
    FNT(math, Signbit, math_n_signbit, 1, 1, "func(float64) bool")                                           \
    /* os (Args, Stdin, Stdout, Stderr: os_init) */                                                          \
    FNT(os, Exit, os_n_exit, 1, 1, "func(int)")                                                              \
    FNT(os, Getenv, os_n_getenv, 1, 1, "func(string) string")                                                \
    FNT(os, Getwd, os_n_getwd, 0, 0, "func() (string, error)")                                               \
    FNT(os, LookupEnv, os_n_lookup_env, 1, 1, "func(string) (string, bool)")                                 \
    FNT(os, ReadFile, os_n_read_file, 1, 1, "func(string) ([]byte, error)")                                  \
    FNT(os, Remove, os_n_remove, 1, 1, "func(string) error")                                                 \
    FNT(os, Setenv, os_n_setenv, 2, 2, "func(string, string) error")                                         \
    FNT(os, Unsetenv, os_n_unsetenv, 1, 1, "func(string) error")                                             \
    FNT(os, WriteFile, os_n_write_file, 2, 3, "func(string, []byte, fs.FileMode) error")                     \
    /* errors */                                                                                             \
    FNT(errors, Is, errors_n_is, 2, 2, "func(error, error) bool")                                            \
    FNT(errors, New, errors_n_new, 1, 1, "func(string) error")                                               \
    FNT(errors, Unwrap, errors_n_unwrap, 1, 1, "func(error) error")                                          \
    /* ffi (stdlib/ffi.c; Lib, Func and Pointer are its classes) */                                          \
    FN(ffi, Open, ffi_n_open, 0, 1)                                                                          \
    /* time's functions, runtime and sync: time_module_add,             */                                   \
    /* runtime_module_init and sync_module_init (stdlib/time.c, sync.c)  */

/* INT(module, Name, value) */
#define STDLIB_INTS(INT)                                                                                     \
    INT(math, MaxInt, INT64_MAX)                                                                             \
    INT(math, MinInt, INT64_MIN)                                                                             \
    INT(math, MaxInt64, INT64_MAX)                                                                           \
    INT(math, MinInt64, INT64_MIN)                                                                           \
    INT(math, MaxInt32, INT32_MAX)                                                                           \
    INT(math, MinInt32, INT32_MIN)                                                                           \
    INT(math, MaxInt16, INT16_MAX)                                                                           \
    INT(math, MinInt16, INT16_MIN)                                                                           \
    INT(math, MaxInt8, INT8_MAX)                                                                             \
    INT(math, MinInt8, INT8_MIN)                                                                             \
    INT(math, MaxUint32, UINT32_MAX)                                                                         \
    INT(math, MaxUint16, UINT16_MAX)                                                                         \
    INT(math, MaxUint8, UINT8_MAX)                                                                           \
    INT(time, Nanosecond, 1LL)                                                                               \
    INT(time, Microsecond, 1000LL)                                                                           \
    INT(time, Millisecond, 1000000LL)                                                                        \
    INT(time, Second, 1000000000LL)                                                                          \
    INT(time, Minute, 60000000000LL)                                                                         \
    INT(time, Hour, 3600000000000LL)

/* FLOAT(module, Name, value) */
#define STDLIB_FLOATS(FLOAT)                                                                                 \
    FLOAT(math, Pi, 3.14159265358979323846264338327950288419716939937510582097494459)                        \
    FLOAT(math, E, 2.71828182845904523536028747135266249775724709369995957496696763)                         \
    FLOAT(math, Phi, 1.61803398874989484820458683436563811772030917980576286213544862)                       \
    FLOAT(math, Sqrt2, 1.41421356237309504880168872420969807856967187537694807317667974)                     \
    FLOAT(math, SqrtE, 1.64872127070012814684865078831848466542426930587830810541069911)                     \
    FLOAT(math, SqrtPi, 1.77245385090551602729816748334114518279754945612238712821380779)                    \
    FLOAT(math, SqrtPhi, 1.27201964951406896425242246173749149171560804184009624861664038)                   \
    FLOAT(math, Ln2, 0.693147180559945309417232121458176568075500134360255254120680009)                      \
    FLOAT(math, Log2E, 1.44269504088896340735992468100189213742664595415298593413544940)                     \
    FLOAT(math, Ln10, 2.30258509299404568401799145468436420760110148862877297603332790)                      \
    FLOAT(math, Log10E, 0.43429448190325182765112891891660508229439700580366656611445378)                    \
    FLOAT(math, MaxFloat64, DBL_MAX)                                                                         \
    FLOAT(math, SmallestNonzeroFloat64, 4.9406564584124654e-324)                                             \
    FLOAT(math, MaxFloat32, 3.40282346638528859811704183484516925440e+38)                                    \
    FLOAT(math, SmallestNonzeroFloat32, 1.401298464324817070923729583289916131280e-45)

#define FN(mod, name, fn, lo, hi) int fn(Thread *t, Value *args, int nargs, Value *rets);
#define FNT(mod, name, fn, lo, hi, go_sig) FN(mod, name, fn, lo, hi)
STDLIB_FUNCS(FN, FNT)
#undef FNT
#undef FN

/* Defined by builtins.c, strings.c and os.c. */
void builtins_init(Runtime *rt);
void strings_init(void);
void os_init(ObjModule *os, ObjModule *io, Runtime *rt, int argc, char **argv);
/* The runtime's modules (the concurrency issue's time.c and sync.c). */
void time_module_add(ObjModule *m);
void runtime_module_init(Runtime *rt);
void sync_module_init(Runtime *rt);
/* math/cmplx (stdlib/cmplx.c). */
void cmplx_module_init(Runtime *rt);

/* fmt's functions take ...any (Fprint's writer is an interface too): the
 * compiler boxes their arguments as interfaces hold them (vm/iface.h), so
 * %T and %v see a uint8 or a float32 as Go's fmt does. */
static void any_args(ObjModule *m)
{
    size_t cur = 0;
    Value k, v;
    while (map_next(m->members, &cur, &k, &v))
        if (v_is_obj(v, OBJ_NATIVE))
            v_obj(v)->flags |= NATIVE_ANY_ARGS;
}

Value stdlib_error(ErrCode code, ...)
{
    Buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, code);
    buf_vprintf(&b, err_formats[code], ap);
    va_end(ap);
    bool runtime = strncmp(b.data, "runtime error: ", 15) == 0;
    return v_from_ptr(error_new(buf_to_str(&b), runtime));
}

/* The module types a script can name (`var d time.Duration`, `var mu
 * sync.Mutex`, `[]sync.WaitGroup`): an int, or a native object that the
 * module's function of the same name makes, ready to use. */
static const struct {
    const char *module, *name, *qualified;
    TypeKind kind;
} module_types[] = {
    {"time", "Duration", "time.Duration", TYPE_INT},
    {"time", "Timer", "time.Timer", TYPE_OBJECT},
    {"time", "Ticker", "time.Ticker", TYPE_OBJECT},
    {"sync", "Mutex", "sync.Mutex", TYPE_OBJECT},
    {"sync", "RWMutex", "sync.RWMutex", TYPE_OBJECT},
    {"sync", "WaitGroup", "sync.WaitGroup", TYPE_OBJECT},
    {"sync", "Once", "sync.Once", TYPE_OBJECT},
    {"sync", "Atomic", "sync.Atomic", TYPE_OBJECT},
    {"strings", "Builder", "strings.Builder", TYPE_OBJECT},
    /* sync.Cond's constructor needs the mutex: `var c sync.Cond` panics
     * asking for it (Go's zero Cond has a nil L, which no script can set
     * here yet). */
    {"sync", "Cond", "sync.Cond", TYPE_OBJECT},
    /* interfaces: their methods are listed with error's (types.c) */
    {"fmt", "Stringer", "fmt.Stringer", TYPE_INTERFACE},
    {"io", "Writer", "io.Writer", TYPE_INTERFACE},
    {"io", "Reader", "io.Reader", TYPE_INTERFACE},
    {"io", "Closer", "io.Closer", TYPE_INTERFACE},
};

static void register_module_types(Runtime *rt)
{
    for (size_t i = 0; i < sizeof module_types / sizeof module_types[0]; i++) {
        Value m, ctor = V_UNDEF;
        if (module_types[i].kind == TYPE_OBJECT &&
            !(map_get_cstr(rt->universe, module_types[i].module, &m) && v_is_obj(m, OBJ_MODULE) &&
              map_get_cstr(((ObjModule *)v_ptr(m))->members, module_types[i].name, &ctor)))
            continue; /* a module left out of this build */
        types_register(module_types[i].qualified, module_types[i].kind, ctor);
    }
}

void stdlib_init(Runtime *rt, int argc, char **argv)
{
    struct {
        ObjModule *fmt, *strings, *strconv, *math, *os, *errors, *time, *io, *ffi;
    } m = {
        module_new("fmt"),  module_new("strings"), module_new("strconv"),
        module_new("math"), module_new("os"),      module_new("errors"),
        module_new("time"), module_new("io"),      module_new("ffi"),
    };

    strings_init();
    builtins_init(rt);

#define FN(mod, name, fn, lo, hi) module_add_fn(m.mod, #name, fn, lo, hi);
#define FNT(mod, name, fn, lo, hi, go_sig) module_add_fn(m.mod, #name, fn, lo, hi)->sig = go_sig;
    STDLIB_FUNCS(FN, FNT)
#undef FNT
#undef FN
    any_args(m.fmt);
#define INT(mod, name, v) module_add(m.mod, #name, v_make_int((int64_t)(v)));
    STDLIB_INTS(INT)
#undef INT
#define FLOAT(mod, name, v) module_add(m.mod, #name, v_make_float((double)(v)));
    STDLIB_FLOATS(FLOAT)
#undef FLOAT

    math_module_add(m.math);
    os_init(m.os, m.io, rt, argc, argv);

    /* time's functions, and the runtime and sync modules, belong to the
     * concurrency issue (stdlib/time.c, stdlib/sync.c). */
    time_module_add(m.time);
    runtime_module_init(rt);
    sync_module_init(rt);
    cmplx_module_init(rt);

    rt_define(rt, "fmt", v_from_ptr(m.fmt));
    rt_define(rt, "strings", v_from_ptr(m.strings));
    rt_define(rt, "strconv", v_from_ptr(m.strconv));
    rt_define(rt, "math", v_from_ptr(m.math));
    rt_define(rt, "os", v_from_ptr(m.os));
    rt_define(rt, "errors", v_from_ptr(m.errors));
    rt_define(rt, "time", v_from_ptr(m.time));
    rt_define(rt, "io", v_from_ptr(m.io));
    rt_define(rt, "ffi", v_from_ptr(m.ffi));
    register_module_types(rt);
}
