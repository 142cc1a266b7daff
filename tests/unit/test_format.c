/* test_format.c — vm/format.c: how every kind of value prints as %v and
 * %#v, and the number and quoting primitives under it.
 *
 * Nothing here calls stdlib_init: the runtime prints values (panics,
 * operand errors) on its own. Expected texts are Go's (go1.19 printed each
 * of them), except where csp lacks Go's information, which is noted.
 * Structs, arrays and their types are built by hand here, as the compiler
 * builds them for a script's `type` declarations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gc/gc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/stdlib.h"
#include "values.h"
#include "vm/arith.h"
#include "vm/format.h"
#include "vm/vm.h"

static Runtime *rt;
static Thread *th;

static int setup(void **state)
{
    GC_INIT();
    rt = rt_new();
    th = thread_new(rt);
    return 0;
}

#define NIL V_NIL
#define TRUE V_TRUE
#define FALSE V_FALSE

/* ---- helpers ------------------------------------------------------------ */

static const char *FL(double d)
{
    Buf b;
    buf_init(&b);
    format_float(&b, d);
    return b.data;
}

/* v as %#v: csp literal syntax. */
static const char *SHARP(Value v)
{
    Buf b;
    buf_init(&b);
    Printer p;
    format_init(&p, &b, NULL);
    p.sharp_v = true;
    format_print(&p, v, 'v');
    return b.data;
}

/* v as %v with String() methods called on th; *failed: one panicked. */
static const char *WITH_THREAD(Value v, bool *failed)
{
    Buf b;
    buf_init(&b);
    Printer p;
    format_init(&p, &b, th);
    format_print(&p, v, 'v');
    *failed = p.failed;
    return b.data;
}

static const char *ftoa(double d, int fmt, int prec, int bits)
{
    Buf b;
    buf_init(&b);
    format_ftoa(&b, d, fmt, prec, bits);
    return b.data;
}

static const char *quote(const char *s, size_t n, bool ascii)
{
    Buf b;
    buf_init(&b);
    format_quote(&b, s, n, ascii);
    return b.data;
}

static const char *quote_rune(int64_t r, bool ascii)
{
    Buf b;
    buf_init(&b);
    format_quote_rune(&b, r, ascii);
    return b.data;
}

static const char *itoa(int64_t i)
{
    static char tmp[25];
    char *p = format_itoa(tmp + 24, i);
    return p;
}

/* A native class with a String() method, and one whose String() panics. */
static int pt_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = S("(1, 2)");
    return 1;
}

static int bad_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs, (void)rets;
    return vm_panic(t, S("no String today"));
}

static const MethodDef pt_methods[] = {{"String", pt_string, 0, 0}, {NULL, NULL, 0, 0}};
static const MethodDef bad_methods[] = {{"String", bad_string, 0, 0}, {NULL, NULL, 0, 0}};
static const MethodDef no_methods[] = {{NULL, NULL, 0, 0}};
static const ObjClass pt_class = {"geo.Point", pt_methods, NULL};
static const ObjClass bad_class = {"geo.Bad", bad_methods, NULL};
static const ObjClass plain_class = {"geo.Plain", no_methods, NULL};

static Value OBJ(const ObjClass *cls)
{
    return v_from_ptr(object_new(cls, NULL));
}

/* ====================================================================== */
/* %v                                                                      */
/* ====================================================================== */

/* Test that nil, bools, ints (boxed ones too) and strings print as Go's %v. */
static void test_format_value_scalars(void **state)
{
    assert_string_equal(V(NIL), "<nil>");
    assert_string_equal(V(TRUE), "true");
    assert_string_equal(V(FALSE), "false");
    assert_string_equal(V(I(0)), "0");
    assert_string_equal(V(I(-42)), "-42");
    assert_string_equal(V(I(INT64_MAX)), "9223372036854775807");
    assert_string_equal(V(I(INT64_MIN)), "-9223372036854775808");
    assert_string_equal(V(S("hi there")), "hi there");
    assert_string_equal(V(S("")), "");
    assert_string_equal(V(F(2.5)), "2.5");
}

/* Test that floats print as the shortest text that reads back, laid out
 * as Go's %v: exponent form below 1e-4 and from 1e21 on. */
static void test_format_value_floats(void **state)
{
    assert_string_equal(FL(0.1), "0.1");
    assert_string_equal(FL(3.0), "3");
    assert_string_equal(FL(2.5), "2.5");
    assert_string_equal(FL(-2.5), "-2.5");
    assert_string_equal(FL(0.0), "0");
    assert_string_equal(FL(-0.0), "-0");
    assert_string_equal(FL(1e21), "1e+21");
    assert_string_equal(FL(1e20), "1e+20");
    assert_string_equal(FL(100000000000000000000.0), "1e+20");
    assert_string_equal(FL(123456789.0), "1.23456789e+08");
    assert_string_equal(FL(100000.0), "100000");
    assert_string_equal(FL(1e6), "1e+06");
    assert_string_equal(FL(1e-7), "1e-07");
    assert_string_equal(FL(1e-5), "1e-05");
    assert_string_equal(FL(0.0001), "0.0001");
    assert_string_equal(FL(0.000123), "0.000123");
    assert_string_equal(FL(1.0 / 3), "0.3333333333333333");
    assert_string_equal(FL(0.1 + 0.2), "0.30000000000000004");
    assert_string_equal(FL(5e-324), "5e-324");
    assert_string_equal(FL(1.7976931348623157e308), "1.7976931348623157e+308");
    assert_string_equal(FL(NAN), "NaN");
    assert_string_equal(FL(INFINITY), "+Inf");
    assert_string_equal(FL(-INFINITY), "-Inf");
    /* The shortest text here is not the correctly rounded 16-digit one
     * (6.3108872417680944e-30 has 17): Go finds the 16-digit neighbour. */
    assert_string_equal(FL(strtod("6.310887241768095e-30", NULL)), "6.310887241768095e-30");
    assert_string_equal(FL(strtod("6.455624695217272e+119", NULL)), "6.455624695217272e+119");
}

/* Test that lists print as [a b c], strings inside unquoted, nested. */
static void test_format_value_lists(void **state)
{
    assert_string_equal(V(L(0)), "[]");
    assert_string_equal(V(L(3, I(1), I(2), I(3))), "[1 2 3]");
    assert_string_equal(V(L(2, S("a"), S("b"))), "[a b]");
    assert_string_equal(V(L(5, I(1), S("a"), NIL, TRUE, F(2.5))), "[1 a <nil> true 2.5]");
    assert_string_equal(V(L(2, L(2, I(1), I(2)), L(1, I(3)))), "[[1 2] [3]]");
    assert_string_equal(V(L(1, M(1, S("a"), I(1)))), "[map[a:1]]");
}

/* Test that maps print as map[k:v ...] with their keys sorted as Go's fmt
 * sorts them, whatever the insertion order: nil, bools, numbers (NaN
 * first), strings. */
static void test_format_value_maps(void **state)
{
    assert_string_equal(V(M(0)), "map[]");
    assert_string_equal(V(M(2, S("a"), I(1), S("b"), I(2))), "map[a:1 b:2]");
    assert_string_equal(V(M(2, S("b"), I(2), S("a"), I(1))), "map[a:1 b:2]");
    assert_string_equal(V(M(2, I(1), S("x"), TRUE, NIL)), "map[true:<nil> 1:x]");
    assert_string_equal(V(M(4, S("b"), I(1), S("ab"), I(2), S("a"), I(3), S(""), I(4))),
                        "map[:4 a:3 ab:2 b:1]");
    assert_string_equal(V(M(5, I(10), I(1), F(-0.5), I(2), I(-3), I(3), F(NAN), I(4), F(2.5), I(5))),
                        "map[NaN:4 -3:3 -0.5:2 2.5:5 10:1]");
    assert_string_equal(V(M(4, S("s"), I(1), I(1), I(2), TRUE, I(3), FALSE, I(4))),
                        "map[false:4 true:3 1:2 s:1]");
    assert_string_equal(V(M(1, S("k"), L(2, I(1), I(2)))), "map[k:[1 2]]");
    assert_string_equal(V(M(1, S("m"), M(1, S("n"), F(0.5)))), "map[m:map[n:0.5]]");
}

/* Test that errors print as their message, alone and inside containers. */
static void test_format_value_errors(void **state)
{
    assert_string_equal(V(E("boom")), "boom");
    assert_string_equal(V(L(2, E("a"), E("b"))), "[a b]");
}

/* Test that functions and channels print as their address, modules by
 * name, and native objects as their class name and braces: format_value
 * has no thread, so it never calls a String() method. */
static void test_format_value_funcs_objects_modules(void **state)
{
    Value fn = v_from_ptr(native_new("f", pt_string, 0, 0));
    char want[64];
    snprintf(want, sizeof want, "0x%llx", (unsigned long long)(uintptr_t)v_ptr(fn));
    assert_string_equal(V(fn), want);
    assert_string_equal(V(v_from_ptr(module_new("geo"))), "<module geo>");
    /* A native object's Go fields are not csp values: {} */
    assert_string_equal(V(OBJ(&plain_class)), "{}");
    assert_string_equal(V(OBJ(&pt_class)), "{}");
    assert_string_equal(V(L(2, OBJ(&pt_class), I(1))), "[{} 1]");
}

/* Test that with a thread, an object prints through its String() method
 * (Go's Stringer), also inside containers; that a panic in String() marks
 * the printing failed; and that format_stringer reports both. */
static void test_format_value_stringer(void **state)
{
    bool failed;
    assert_string_equal(WITH_THREAD(L(2, OBJ(&pt_class), OBJ(&plain_class)), &failed),
                        "[(1, 2) {}]");
    assert_false(failed);
    WITH_THREAD(M(1, S("k"), OBJ(&bad_class)), &failed);
    assert_true(failed);

    Buf b;
    buf_init(&b);
    Printer p;
    format_init(&p, &b, th);
    ObjString *s = NULL;
    assert_true(format_stringer(&p, OBJ(&pt_class), &s));
    assert_string_equal(s->data, "(1, 2)");
    assert_false(format_stringer(&p, OBJ(&plain_class), &s));
    assert_false(format_stringer(&p, S("not an object"), &s));
    p.sharp_v = true; /* %#v does not use String() */
    assert_false(format_stringer(&p, OBJ(&pt_class), &s));
    p.sharp_v = false;
    assert_false(format_stringer(&p, OBJ(&bad_class), &s));
    assert_true(p.failed);
    assert_false(format_stringer(&p, OBJ(&pt_class), &s)); /* nothing more is called */
    vm_clear_panic(th);
}

/* Test that the runtime prints values by itself, with no stdlib installed:
 * a panic's value and an operand in an error message show as %v, not as
 * their type. */
static void test_format_value_in_runtime_messages(void **state)
{
    vm_panic(th, L(3, I(1), S("a"), M(1, S("k"), NIL)));
    Buf b;
    buf_init(&b);
    vm_format_panic(th, &b);
    vm_clear_panic(th);
    const char *want = "panic: [1 a map[k:<nil>]]\n";
    assert_true(strncmp(b.data, want, strlen(want)) == 0);

    buf_init(&b);
    vm_repr(&b, L(2, F(0.5), TRUE));
    assert_string_equal(b.data, "[0.5 true]");
}

/* Test that %#v prints Go's syntax for csp's untyped values: a list is a
 * []interface {}, a map a map[interface {}]interface {} (keys sorted, as
 * %v), a nil among them interface {}(nil), an error the
 * &errors.errorString Go's errors.New makes, a function its type and
 * address, and map[...] where a map recurs. */
static void test_format_value_sharp(void **state)
{
    assert_string_equal(SHARP(L(6, S("a"), I(1), NIL, E("x"), F(2.5), TRUE)),
                        "[]interface {}{\"a\", 1, interface {}(nil), &errors.errorString{s:\"x\"}, 2.5, true}");
    assert_string_equal(SHARP(M(2, S("k"), I(2), S("q\"s"), L(0))),
                        "map[interface {}]interface {}{\"k\":2, \"q\\\"s\":[]interface {}{}}");
    assert_string_equal(SHARP(M(3, S("b"), I(1), NIL, I(2), S("a"), M(2, I(2), TRUE, I(1), FALSE))),
                        "map[interface {}]interface {}{interface {}(nil):2, "
                        "\"a\":map[interface {}]interface {}{1:false, 2:true}, \"b\":1}");
    Value fn = v_from_ptr(native_new("f", pt_string, 0, 0));
    char want[64];
    snprintf(want, sizeof want, "(func())(0x%llx)", (unsigned long long)(uintptr_t)v_ptr(fn));
    assert_string_equal(SHARP(fn), want);
    Value m = M(1, S("a"), I(1));
    map_set(v_map(m), S("m"), m);
    assert_string_equal(SHARP(m), "map[interface {}]interface {}{\"a\":1, \"m\":map[...]}");
    assert_string_equal(SHARP(OBJ(&pt_class)), "geo.Point{}");
    assert_string_equal(SHARP(NIL), "<nil>");
}

/* Test that a list or map containing itself prints [...] where it recurs,
 * and that very deep nesting stops at a marker instead of recursing on. */
static void test_format_value_cycles(void **state)
{
    Value l = L(1, I(1));
    list_append(v_list(l), l);
    assert_string_equal(V(l), "[1 [...]]");
    Value m = M(1, S("a"), I(1));
    map_set(v_map(m), S("self"), m);
    assert_string_equal(V(m), "map[a:1 self:map[...]]");
    Value two = L(0);
    list_append(v_list(two), two);
    list_append(v_list(two), two);
    assert_string_equal(V(two), "[[...] [...]]");

    Value deep = L(0);
    for (int i = 0; i < 1000; i++)
        deep = L(1, deep);
    const char *s = V(deep);
    assert_non_null(strstr(s, "[...]"));
    assert_true(strlen(s) < 200);
}

/* Test that format_value_str (str()) returns a string operand itself, and
 * the text of anything else. */
static void test_format_value_str(void **state)
{
    Value s = S("same");
    assert_ptr_equal(format_value_str(s), v_ptr(s));
    assert_string_equal(format_value_str(I(-17))->data, "-17");
    assert_string_equal(format_value_str(I(INT64_MIN))->data, "-9223372036854775808");
    assert_string_equal(format_value_str(M(1, S("a"), I(1)))->data, "map[a:1]");
}

/* ====================================================================== */
/* Numbers and quoting                                                     */
/* ====================================================================== */

/* Test that format_itoa writes the decimal text backwards, the extremes
 * included. */
static void test_format_itoa(void **state)
{
    assert_string_equal(itoa(0), "0");
    assert_string_equal(itoa(7), "7");
    assert_string_equal(itoa(-1), "-1");
    assert_string_equal(itoa(1234567890), "1234567890");
    assert_string_equal(itoa(INT64_MAX), "9223372036854775807");
    assert_string_equal(itoa(INT64_MIN), "-9223372036854775808");
}

/* Test that FormatFloat's formats, precisions and bit sizes match Go's. */
static void test_format_ftoa(void **state)
{
    assert_string_equal(ftoa(1234.5678, 'e', -1, 64), "1.2345678e+03");
    assert_string_equal(ftoa(1234.5678, 'f', -1, 64), "1234.5678");
    assert_string_equal(ftoa(1234.5678, 'g', 4, 64), "1235");
    assert_string_equal(ftoa(1234.5678, 'G', 2, 64), "1.2E+03");
    assert_string_equal(ftoa(1234.5678, 'f', 2, 64), "1234.57");
    assert_string_equal(ftoa(0.000012345, 'g', -1, 64), "1.2345e-05");
    assert_string_equal(ftoa(1e21, 'f', -1, 64), "1000000000000000000000");
    assert_string_equal(ftoa(1e-7, 'f', -1, 64), "0.0000001");
    assert_string_equal(ftoa(2.5, 'f', 0, 64), "2");
    assert_string_equal(ftoa(0.1, 'g', -1, 32), "0.1");
    assert_string_equal(ftoa(0.1, 'g', 17, 64), "0.10000000000000001");
    assert_string_equal(ftoa(1.0 / 3, 'e', 20, 64), "3.33333333333333314830e-01");
    assert_string_equal(ftoa(1.0, 'x', -1, 64), "0x1p+00");
    assert_string_equal(ftoa(-0.0, 'g', -1, 64), "-0");
    assert_string_equal(ftoa(0.0, 'e', 2, 64), "0.00e+00");
    assert_string_equal(ftoa(1.0, 'b', -1, 64), "4503599627370496p-52");
    assert_string_equal(ftoa(1e-320, 'g', -1, 32), "0");
    assert_string_equal(ftoa(3.4e38, 'g', -1, 32), "3.4e+38");
    assert_string_equal(ftoa(INFINITY, 'f', 2, 64), "+Inf");
    assert_string_equal(ftoa(1.5, 'z', -1, 64), "%z");
}

/* Test that strconv.Quote escapes as Go's: \u for non-printables, \x for
 * bytes that are not UTF-8. */
static void test_format_quote(void **state)
{
    assert_string_equal(quote("hello", 5, false), "\"hello\"");
    assert_string_equal(quote("a\"b\\c", 5, false), "\"a\\\"b\\\\c\"");
    assert_string_equal(quote("\a\b\f\n\r\t\v", 7, false), "\"\\a\\b\\f\\n\\r\\t\\v\"");
    assert_string_equal(quote("\x00\x1b\x7f", 3, false), "\"\\x00\\x1b\\x7f\"");
    assert_string_equal(quote("héllo 日本", strlen("héllo 日本"), false), "\"héllo 日本\"");
    assert_string_equal(quote("é", strlen("é"), true), "\"\\u00e9\"");
    assert_string_equal(quote("\xf0\x9f\x98\x80", 4, true), "\"\\U0001f600\"");
    assert_string_equal(quote("\xff", 1, false), "\"\\xff\"");
    assert_string_equal(quote("\xc2\xa0", 2, false), "\"\\u00a0\"");
    assert_string_equal(quote("\xe2\x80\x8b", 3, false), "\"\\u200b\"");
    assert_string_equal(quote("\xef\xbb\xbf", 3, false), "\"\\ufeff\"");
    assert_string_equal(quote("\xed\xa0\x80", 3, false), "\"\\xed\\xa0\\x80\"");
}

/* Test that strconv.QuoteRune and QuoteRuneToASCII quote as Go's, invalid
 * code points as U+FFFD. */
static void test_format_quote_rune(void **state)
{
    assert_string_equal(quote_rune('a', false), "'a'");
    assert_string_equal(quote_rune('\'', false), "'\\''");
    assert_string_equal(quote_rune('"', false), "'\"'");
    assert_string_equal(quote_rune('\n', false), "'\\n'");
    assert_string_equal(quote_rune(0x65E5, false), "'日'");
    assert_string_equal(quote_rune(0x65E5, true), "'\\u65e5'");
    assert_string_equal(quote_rune(0x1F600, true), "'\\U0001f600'");
    assert_string_equal(quote_rune(-1, false), "'�'");
    assert_string_equal(quote_rune(0xD800, false), "'�'");
}

/* Test that strconv.CanBackquote refuses control characters (but a tab),
 * backquotes, invalid UTF-8 and the BOM. */
static void test_format_can_backquote(void **state)
{
    assert_true(format_can_backquote("a\tb \"c\" 日本", strlen("a\tb \"c\" 日本")));
    assert_true(format_can_backquote("", 0));
    assert_false(format_can_backquote("a`b", 3));
    assert_false(format_can_backquote("a\nb", 3));
    assert_false(format_can_backquote("\x7f", 1));
    assert_false(format_can_backquote("\xff", 1));
    assert_false(format_can_backquote("\xef\xbb\xbf", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_value_scalars),
        cmocka_unit_test(test_format_value_floats),
        cmocka_unit_test(test_format_value_lists),
        cmocka_unit_test(test_format_value_maps),
        cmocka_unit_test(test_format_value_errors),
        cmocka_unit_test(test_format_value_funcs_objects_modules),
        cmocka_unit_test(test_format_value_stringer),
        cmocka_unit_test(test_format_value_in_runtime_messages),
        cmocka_unit_test(test_format_value_cycles),
        cmocka_unit_test(test_format_value_sharp),
        cmocka_unit_test(test_format_value_str),
        cmocka_unit_test(test_format_itoa),
        cmocka_unit_test(test_format_ftoa),
        cmocka_unit_test(test_format_quote),
        cmocka_unit_test(test_format_quote_rune),
        cmocka_unit_test(test_format_can_backquote),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
