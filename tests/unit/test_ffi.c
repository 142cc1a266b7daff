/* test_ffi.c — the ffi module: every type round-trips through a C function
 * of exactly that type, defined below and reached with ffi.Open("") (this
 * binary is linked with ENABLE_EXPORTS, so its functions are in the
 * dynamic symbol table), plus the range checks at both ends of every
 * integer type, strings passed as copies, pointers, and the errors.
 *
 * Calls go through vm_call, as a script's call does (the function lib.Func
 * returns is a bound native: the argument count is checked by the VM).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ctype.h>
#include <gc/gc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/stdlib.h"
#include "values.h"

/* ---- the C side: one function per type ---------------------------------- */

#define EXPORT __attribute__((used, visibility("default")))

/* Per integer type: ffit_<k> returns x + 1 (wrapping), ffit_id_<k> returns
 * x, so the exact bits of each argument come back. */
#define INT_FNS(k, type)                                                                                     \
    EXPORT type ffit_##k(type x)                                                                             \
    {                                                                                                        \
        return (type)((uint64_t)x + 1);                                                                      \
    }                                                                                                        \
    EXPORT type ffit_id_##k(type x)                                                                          \
    {                                                                                                        \
        return x;                                                                                            \
    }
INT_FNS(i8, int8_t)
INT_FNS(i16, int16_t)
INT_FNS(i32, int32_t)
INT_FNS(i64, int64_t)
INT_FNS(u8, uint8_t)
INT_FNS(u16, uint16_t)
INT_FNS(u32, uint32_t)
INT_FNS(u64, uint64_t)

EXPORT int ffit_int(int x)
{
    return -x;
}
EXPORT unsigned ffit_uint(unsigned x)
{
    return x * 2;
}
EXPORT long ffit_long(long x)
{
    return x - 1;
}
EXPORT size_t ffit_size(size_t x)
{
    return x * 3;
}
EXPORT float ffit_float(float x)
{
    return x * 0.5f;
}
EXPORT double ffit_double(double x)
{
    return x * 0.5;
}

static int void_calls;
EXPORT void ffit_void(void)
{
    void_calls++;
}

/* Upper-cases its argument in place and returns it: the csp string passed
 * must not change (the callee gets a copy). */
EXPORT char *ffit_upcase(char *s)
{
    for (char *p = s; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return s;
}
EXPORT const char *ffit_null_string(void)
{
    return NULL;
}
EXPORT size_t ffit_strlen(const char *s)
{
    return s ? strlen(s) : (size_t)-1;
}

static char ffit_buffer[64];
EXPORT void *ffit_ptr(void)
{
    return ffit_buffer;
}
EXPORT void *ffit_ptr_null(void)
{
    return NULL;
}
EXPORT void *ffit_ptr_next(void *p)
{
    return (char *)p + 1;
}
EXPORT int ffit_is_null(void *p)
{
    return p == NULL;
}

/* Several types in one call: each argument lands in the right register or
 * stack slot (more than six integer and eight float arguments). */
EXPORT double ffit_mix(int8_t a, uint16_t b, int32_t c, int64_t d, float e, double f, const char *g,
                       uint8_t h, int16_t i, uint32_t j, double k, double l, double m, double n, double o,
                       double p)
{
    return a + b + c + (double)d + e + f + (double)strlen(g) + h + i + j + k + l + m + n + o + p;
}

/* ---- the csp side ------------------------------------------------------- */

static Runtime *rt;
static Thread *th;
static Value libc; /* ffi.Open("") */

static int nrets;

/* Call fn (any csp function) with n args; the first result or nil. A panic
 * leaves nrets -1 for expect_panic. */
static Value callv(Value fn, int n, const Value *args)
{
    nrets = vm_call(th, fn, args, n);
    return nrets > 0 ? th->rets[0] : V_NIL;
}

#define CALL(f_, ...)                                                                                        \
    ({                                                                                                       \
        Value a_[] = {V_NIL, ##__VA_ARGS__};                                                                 \
        callv(f_, (int)(sizeof a_ / sizeof a_[0]) - 1, a_ + 1);                                              \
    })

/* A method of a native object (receiver first), as obj.name(args...). */
static Value method(Value obj, const char *name, int n, const Value *args)
{
    ObjNative *nf = class_method(((ObjObject *)v_ptr(obj))->cls, str_cstr(name));
    assert_non_null(nf);
    Value all[8];
    all[0] = obj;
    for (int i = 0; i < n; i++)
        all[i + 1] = args[i];
    return callv(v_from_ptr(nf), n + 1, all);
}

#define METHOD(obj, name, ...)                                                                               \
    ({                                                                                                       \
        Value a_[] = {V_NIL, ##__VA_ARGS__};                                                                 \
        method(obj, name, (int)(sizeof a_ / sizeof a_[0]) - 1, a_ + 1);                                      \
    })

static void expect_panic(const char *msg)
{
    assert_int_equal(nrets, -1);
    assert_true(th->panicking);
    assert_string_equal(V(th->panic_val), msg);
    vm_clear_panic(th);
}

static void expect_ok(void)
{
    if (nrets < 0) {
        fprintf(stderr, "unexpected panic: %s\n", V(th->panic_val));
        vm_clear_panic(th);
        fail();
    }
}

/* A list of type names from a space-separated string ("" = none). */
static Value types(const char *spec)
{
    ObjList *l = list_new(0, 4);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " "))
        list_append(l, S(tok));
    return v_from_ptr(l);
}

/* libc.Func(name, ret, [args]), which must succeed. */
static Value fn(const char *name, const char *ret, const char *args)
{
    Value f = METHOD(libc, "Func", S(name), S(ret), types(args));
    expect_ok();
    assert_true(v_is_obj(f, OBJ_BOUND));
    return f;
}

static int setup(void **state)
{
    GC_INIT();
    rt = rt_new();
    char *argv[] = {"test_ffi", NULL};
    stdlib_init(rt, 1, argv);
    th = thread_new(rt);
    libc = callv(universe_member(rt, "ffi", "Open"), 1, (Value[]){S("")});
    assert_int_equal(nrets, 1);
    assert_string_equal(v_type_name(libc), "ffi.Lib");
    return 0;
}

/* ---- one test per type ---------------------------------------------------- */

/* An integer type: f (x+1) at a few points, the identity at both ends of
 * the range, and a panic just past each end. */
static void check_int(const char *type, const char *inc, const char *id, int64_t lo, int64_t hi)
{
    Value f = fn(inc, type, type);
    assert_string_equal(V(CALL(f, I(0))), "1");
    assert_string_equal(V(CALL(f, I(41))), "42");
    Value g = fn(id, type, type);
    assert_true(CALL(g, I(lo)) == I(lo) || v_anyint(CALL(g, I(lo))) == lo);
    assert_true(v_anyint(CALL(g, I(hi))) == hi);
    char msg[200];
    if (lo > INT64_MIN) {
        CALL(g, I(lo - 1));
        snprintf(msg, sizeof msg, "ffi: C.%s: argument 1 out of range for %s: %lld", id, type,
                 (long long)(lo - 1));
        expect_panic(msg);
    }
    if (hi < INT64_MAX) {
        CALL(g, I(hi + 1));
        snprintf(msg, sizeof msg, "ffi: C.%s: argument 1 out of range for %s: %lld", id, type,
                 (long long)(hi + 1));
        expect_panic(msg);
    }
    /* Not an int: a float (even a whole one), a string, nil. */
    CALL(g, F(1.0));
    snprintf(msg, sizeof msg, "ffi: C.%s: argument 1 must be %s, not float", id, type);
    expect_panic(msg);
    CALL(g, V_NIL);
    snprintf(msg, sizeof msg, "ffi: C.%s: argument 1 must be %s, not nil", id, type);
    expect_panic(msg);
}

static void test_ffi_int8(void **state)
{
    check_int("int8", "ffit_i8", "ffit_id_i8", INT8_MIN, INT8_MAX);
    assert_string_equal(V(CALL(fn("ffit_i8", "int8", "int8"), I(127))), "-128"); /* C wraps */
    assert_string_equal(V(CALL(fn("ffit_i8", "int8", "int8"), I(-2))), "-1");
}

static void test_ffi_int16(void **state)
{
    check_int("int16", "ffit_i16", "ffit_id_i16", INT16_MIN, INT16_MAX);
    assert_string_equal(V(CALL(fn("ffit_i16", "int16", "int16"), I(-300))), "-299");
}

static void test_ffi_int32(void **state)
{
    check_int("int32", "ffit_i32", "ffit_id_i32", INT32_MIN, INT32_MAX);
    assert_string_equal(V(CALL(fn("ffit_i32", "int32", "int32"), I(-70000))), "-69999");
}

static void test_ffi_int64(void **state)
{
    check_int("int64", "ffit_i64", "ffit_id_i64", INT64_MIN, INT64_MAX);
    /* Values past 63 bits are boxed csp ints: both ways. */
    assert_string_equal(V(CALL(fn("ffit_i64", "int64", "int64"), I(INT64_MAX - 1))), "9223372036854775807");
    assert_string_equal(V(CALL(fn("ffit_i64", "int64", "int64"), I(INT64_MIN))), "-9223372036854775807");
}

static void test_ffi_uint8(void **state)
{
    check_int("uint8", "ffit_u8", "ffit_id_u8", 0, UINT8_MAX);
    assert_string_equal(V(CALL(fn("ffit_u8", "uint8", "uint8"), I(255))), "0");
}

static void test_ffi_uint16(void **state)
{
    check_int("uint16", "ffit_u16", "ffit_id_u16", 0, UINT16_MAX);
    assert_string_equal(V(CALL(fn("ffit_u16", "uint16", "uint16"), I(65534))), "65535");
}

static void test_ffi_uint32(void **state)
{
    check_int("uint32", "ffit_u32", "ffit_id_u32", 0, UINT32_MAX);
    assert_string_equal(V(CALL(fn("ffit_u32", "uint32", "uint32"), I(4294967294))), "4294967295");
}

/* csp ints are int64: uint64 takes the non-negative ones, and a result
 * past MaxInt wraps as csp's int arithmetic does. */
static void test_ffi_uint64(void **state)
{
    check_int("uint64", "ffit_u64", "ffit_id_u64", 0, INT64_MAX);
    assert_string_equal(V(CALL(fn("ffit_u64", "uint64", "uint64"), I(INT64_MAX))), "-9223372036854775808");
}

static void test_ffi_int_uint_long_size_t(void **state)
{
    assert_string_equal(V(CALL(fn("ffit_int", "int", "int"), I(2147483647))), "-2147483647");
    CALL(fn("ffit_int", "int", "int"), I(2147483648));
    expect_panic("ffi: C.ffit_int: argument 1 out of range for int: 2147483648");
    assert_string_equal(V(CALL(fn("ffit_uint", "uint", "uint"), I(2000000000))), "4000000000");
    CALL(fn("ffit_uint", "uint", "uint"), I(-1));
    expect_panic("ffi: C.ffit_uint: argument 1 out of range for uint: -1");
    assert_string_equal(V(CALL(fn("ffit_long", "long", "long"), I(-4000000000))), "-4000000001");
    assert_string_equal(V(CALL(fn("ffit_size", "size_t", "size_t"), I(3000000000))), "9000000000");
    CALL(fn("ffit_size", "size_t", "size_t"), I(-1));
    expect_panic("ffi: C.ffit_size: argument 1 out of range for size_t: -1");
}

static void test_ffi_float(void **state)
{
    Value f = fn("ffit_float", "float", "float");
    assert_string_equal(V(CALL(f, F(3.0))), "1.5");
    assert_string_equal(V(CALL(f, I(5))), "2.5"); /* an int is taken */
    /* float has 24 bits of mantissa: 0.1 comes back as the float's value */
    assert_true(v_anyfloat(CALL(f, F(0.2))) == (double)0.1f);
    CALL(f, S("1"));
    expect_panic("ffi: C.ffit_float: argument 1 must be float, not string");
    CALL(f, V_TRUE);
    expect_panic("ffi: C.ffit_float: argument 1 must be float, not bool");
}

static void test_ffi_double(void **state)
{
    Value f = fn("ffit_double", "double", "double");
    assert_string_equal(V(CALL(f, F(0.2))), "0.1");
    assert_string_equal(V(CALL(f, I(-7))), "-3.5");
    assert_string_equal(V(CALL(f, F(INFINITY))), "+Inf");
    assert_true(isnan(v_anyfloat(CALL(f, F(NAN)))));
    assert_string_equal(V(CALL(f, F(1e300))), "5e+299");
    CALL(f, V_NIL);
    expect_panic("ffi: C.ffit_double: argument 1 must be double, not nil");
}

/* Strings go as NUL-terminated copies and come back as new csp strings. */
static void test_ffi_string(void **state)
{
    Value up = fn("ffit_upcase", "string", "string");
    Value arg = S("hello, world");
    Value r = CALL(up, arg);
    assert_string_equal(V(r), "HELLO, WORLD");
    assert_string_equal(V(arg), "hello, world"); /* the callee wrote to a copy */
    assert_true(v_str(r) != v_str(arg));
    assert_string_equal(V(CALL(up, S(""))), "");
    /* A long one (past the on-stack copy buffer). */
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    r = CALL(up, S(big));
    assert_int_equal(v_str(r)->len, sizeof big - 1);
    assert_int_equal(v_str(r)->data[4000], 'A');
    assert_true(CALL(fn("ffit_null_string", "string", ""), ) == V_NIL);
    assert_int_equal(nrets, 1);
    Value len = fn("ffit_strlen", "size_t", "string");
    assert_string_equal(V(CALL(len, S("héllo"))), "6");
    CALL(len, V_NIL);
    expect_panic("ffi: C.ffit_strlen: argument 1 must be string, not nil");
    CALL(len, v_from_ptr(str_new("a\0b", 3)));
    expect_panic("ffi: C.ffit_strlen: argument 1: a C string cannot hold a NUL byte");
    CALL(len, I(0));
    expect_panic("ffi: C.ffit_strlen: argument 1 must be string, not int");
}

/* Pointers are opaque ffi.Pointer objects; NULL is nil both ways. */
static void test_ffi_pointer(void **state)
{
    Value p = CALL(fn("ffit_ptr", "pointer", ""), );
    assert_string_equal(v_type_name(p), "ffi.Pointer");
    assert_true(v_anyint(METHOD(p, "Addr")) == (int64_t)(uintptr_t)ffit_buffer);
    char want[40];
    snprintf(want, sizeof want, "%p", (void *)ffit_buffer);
    assert_string_equal(V(METHOD(p, "String")), want);
    Value q = CALL(fn("ffit_ptr_next", "pointer", "pointer"), p);
    assert_true(v_anyint(METHOD(q, "Addr")) == (int64_t)(uintptr_t)ffit_buffer + 1);
    assert_true(CALL(fn("ffit_ptr_null", "pointer", ""), ) == V_NIL);
    Value isnull = fn("ffit_is_null", "int", "pointer");
    assert_string_equal(V(CALL(isnull, V_NIL)), "1");
    assert_string_equal(V(CALL(isnull, p)), "0");
    CALL(isnull, I(0));
    expect_panic("ffi: C.ffit_is_null: argument 1 must be pointer (an ffi.Pointer or nil), not int");
    CALL(isnull, S("x"));
    expect_panic("ffi: C.ffit_is_null: argument 1 must be pointer (an ffi.Pointer or nil), not string");
}

static void test_ffi_void(void **state)
{
    Value f = fn("ffit_void", "void", "");
    int before = void_calls;
    CALL(f, );
    assert_int_equal(nrets, 0);
    assert_int_equal(void_calls, before + 1);
    /* omitted and nil argument lists mean none */
    Value g = METHOD(libc, "Func", S("ffit_void"), S("void"));
    expect_ok();
    CALL(g, );
    g = METHOD(libc, "Func", S("ffit_void"), S("void"), V_NIL);
    expect_ok();
    CALL(g, );
    assert_int_equal(void_calls, before + 3);
}

/* Sixteen arguments of mixed types reach their places. */
static void test_ffi_mixed_arguments(void **state)
{
    Value f = fn("ffit_mix", "double",
                 "int8 uint16 int32 int64 float double string uint8 int16 uint32 double double double double "
                 "double double");
    Value r = CALL(f, I(-1), I(2), I(-3), I(4), F(0.5), F(0.25), S("abc"), I(5), I(-6), I(7), F(1), F(2),
                   F(3), F(4), F(5), F(6));
    expect_ok();
    assert_string_equal(V(r), "32.75");
    /* the VM checks the count (a method's receiver is not counted) */
    CALL(f, I(1));
    expect_panic("runtime error: C.ffit_mix: expected 16 arguments, got 1");
}

/* Bad declarations: each a panic naming the function. */
static void test_ffi_declaration_errors(void **state)
{
    METHOD(libc, "Func", S("ffit_no_such_function"), S("int"), types(""));
    expect_panic("ffi: no symbol \"ffit_no_such_function\" in \"\"");
    METHOD(libc, "Func", S("ffit_i8"), S("char"), types("int8"));
    expect_panic(
        "ffi: C.ffit_i8: unknown C type \"char\" (known: void int8 int16 int32 int64 uint8 uint16 uint32 "
        "uint64 int uint long size_t float double pointer string)");
    METHOD(libc, "Func", S("ffit_i8"), S("int8"), types("int8 void"));
    expect_panic("ffi: C.ffit_i8: argument 2 cannot be void");
    METHOD(libc, "Func", S("ffit_i8"), S("int8"), S("int8"));
    expect_panic("ffi: C.ffit_i8: argument types must be a list, not string");
    METHOD(libc, "Func", S("ffit_i8"), I(1), types(""));
    expect_panic("ffi: C.ffit_i8: the result type must be a string such as \"int\", not int");
    char many[400] = "";
    for (int i = 0; i < 33; i++)
        strcat(many, "int ");
    METHOD(libc, "Func", S("ffit_i8"), S("int8"), types(many));
    expect_panic("ffi: C.ffit_i8: too many arguments (at most 32)");
    METHOD(libc, "Func", v_from_ptr(str_new("a\0b", 3)), S("int"), types(""));
    expect_panic(
        "runtime error: ffi.Lib.Func: argument 1 must be a symbol name, not a string with a NUL byte");
    callv(universe_member(rt, "ffi", "Open"), 1, (Value[]){S("libffit_missing.so")});
    expect_panic(
        "ffi: cannot open \"libffit_missing.so\": libffit_missing.so: cannot open shared object file: No "
        "such file or directory");
    callv(universe_member(rt, "ffi", "Open"), 1, (Value[]){I(3)});
    expect_panic("runtime error: ffi.Open: argument 1 must be string, not int");
}

/* Variadic C functions: the variadic part's types are fixed per Func. */
static void test_ffi_variadic(void **state)
{
    Value snprintf_ = METHOD(libc, "FuncVariadic", S("snprintf"), S("int"), types("pointer size_t string"),
                             types("int double string"));
    expect_ok();
    Value buf = CALL(fn("ffit_ptr", "pointer", ""), );
    Value n = CALL(snprintf_, buf, I(64), S("%d|%.2f|%s"), I(42), F(3.14159), S("ok"));
    expect_ok();
    assert_string_equal(V(n), "10");
    assert_string_equal(ffit_buffer, "42|3.14|ok");
    METHOD(libc, "FuncVariadic", S("printf"), S("int"), types("string"), types("float"));
    expect_panic("ffi: C.printf: variadic argument 2 cannot be float (C promotes it: use double)");
    METHOD(libc, "FuncVariadic", S("printf"), S("int"), types("string"), types("int8"));
    expect_panic("ffi: C.printf: variadic argument 2 cannot be int8 (C promotes it: use int)");
}

/* Close: later calls and lookups panic; the program goes on. */
static void test_ffi_close(void **state)
{
    Value lib = callv(universe_member(rt, "ffi", "Open"), 1, (Value[]){S("libm.so.6")});
    expect_ok();
    Value cos_ = METHOD(lib, "Func", S("cos"), S("double"), types("double"));
    expect_ok();
    assert_string_equal(V(CALL(cos_, I(0))), "1");
    assert_true(METHOD(lib, "Close") == V_NIL);
    CALL(cos_, I(0));
    expect_panic("ffi: library \"libm.so.6\" is closed");
    METHOD(lib, "Func", S("cos"), S("double"), types("double"));
    expect_panic("ffi: library \"libm.so.6\" is closed");
    assert_true(METHOD(lib, "Close") == V_NIL); /* twice: harmless */
    expect_ok();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ffi_int8),
        cmocka_unit_test(test_ffi_int16),
        cmocka_unit_test(test_ffi_int32),
        cmocka_unit_test(test_ffi_int64),
        cmocka_unit_test(test_ffi_uint8),
        cmocka_unit_test(test_ffi_uint16),
        cmocka_unit_test(test_ffi_uint32),
        cmocka_unit_test(test_ffi_uint64),
        cmocka_unit_test(test_ffi_int_uint_long_size_t),
        cmocka_unit_test(test_ffi_float),
        cmocka_unit_test(test_ffi_double),
        cmocka_unit_test(test_ffi_string),
        cmocka_unit_test(test_ffi_pointer),
        cmocka_unit_test(test_ffi_void),
        cmocka_unit_test(test_ffi_mixed_arguments),
        cmocka_unit_test(test_ffi_declaration_errors),
        cmocka_unit_test(test_ffi_variadic),
        cmocka_unit_test(test_ffi_close),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
