/* test_fmt.c — fmt: the Printf engine (verbs, flags, widths, argument
 * errors), Print's spacing, Errorf, and values printed through the module
 * (String() methods, called on a thread). How each value prints as %v, and
 * the float and quoting engines, are vm/format.c's: test_format.c.
 *
 * Expected texts are Go's (go1.19 printed each of them), except where
 * csp lacks Go's information, which is noted: an untyped list or map is
 * []interface {} / map[interface {}]interface {}, and a function's type
 * names only how many parameters it takes.
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
#include "vm/mem.h"
#include "vm/types.h"

static Runtime *rt;
static Thread *th;

static int setup(void **state)
{
    GC_INIT();
    rt = rt_new();
    char *argv[] = {"test_fmt", NULL};
    stdlib_init(rt, 1, argv);
    th = thread_new(rt);
    return 0;
}

/* ---- value builders ---------------------------------------------------- */

#define NIL V_NIL
#define TRUE V_TRUE
#define FALSE V_FALSE

/* ---- formatting helpers ------------------------------------------------ */

static const char *sprintf_values(const char *fmt, int n, Value *args)
{
    Buf b;
    buf_init(&b);
    assert_int_equal(fmt_format(th, &b, fmt, strlen(fmt), args, n), 0);
    return b.data;
}

/* PF(want, format, nargs, args...): Sprintf(format, args...) == want. */
#define PF(want, fmt, n, ...)                                                                                \
    do {                                                                                                     \
        Value args_[] = {V_NIL, ##__VA_ARGS__};                                                              \
        assert_string_equal(sprintf_values(fmt, n, args_ + 1), want);                                        \
    } while (0)

static const char *print_values(bool ln, int n, ...)
{
    Value args[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        args[i] = va_arg(ap, Value);
    va_end(ap);
    Buf b;
    buf_init(&b);
    if (ln)
        assert_int_equal(fmt_println(th, &b, args, n), 0);
    else
        assert_int_equal(fmt_print(th, &b, args, n), 0);
    return b.data;
}

/* ====================================================================== */
/* Values through the module                                               */
/* ====================================================================== */

/* Test that an error's message takes string verbs and widths, and that
 * other verbs are bad ones. */
static void test_fmt_printf_errors(void **state)
{
    /* Go prints the *errors.errorString that errors.New makes as a
     * pointer to a struct for a verb that is not a string's. */
    PF("&{%!d(string=boom)}", "%d", 1, E("boom"));
    PF("\"boom\"", "%q", 1, E("boom"));
    PF("  boom", "%6v", 1, E("boom"));
}

/* Test that functions print as an address, a library function's %T as
 * its Go signature (a builtin, which declares none, as its arity), native
 * objects as their class name and braces, and modules by name. */
static void test_fmt_value_funcs_and_objects(void **state)
{
    const char *s = V(universe_member(rt, "strings", "Split"));
    assert_true(strncmp(s, "0x", 2) == 0 && strlen(s) > 3);
    PF("func(string, string) []string", "%T", 1, universe_member(rt, "strings", "Split"));
    const char *bad = sprintf_values("%s", 1, (Value[]){universe_member(rt, NULL, "len")});
    assert_true(strncmp(bad, "%!s(func(interface {})=0x", 25) == 0);
    Value sb = universe_member(rt, "strings", "Builder");
    Value rets[NATIVE_MAX_RETS];
    assert_int_equal(((ObjNative *)v_ptr(sb))->fn(th, NULL, 0, rets), 1);
    assert_string_equal(V(rets[0]), "{}");
    PF("strings.Builder", "%T", 1, rets[0]);
    /* With a thread, an object's String() method prints it, as Go's
     * Stringer; %d is not a string verb. */
    Value sb_obj = rets[0];
    ObjNative *ws = class_method(((ObjObject *)v_ptr(sb_obj))->cls, str_cstr("WriteString"));
    assert_int_equal(ws->fn(th, (Value[]){sb_obj, S("hi")}, 2, rets), 2);
    PF("hi|\"hi\"|   hi|{}", "%v|%q|%5s|%d", 4, sb_obj, sb_obj, sb_obj, sb_obj);
    assert_string_equal(print_values(true, 2, sb_obj, I(1)), "hi 1\n");
    assert_string_equal(V(universe_member(rt, NULL, "fmt")), "<module fmt>");
}

/* ====================================================================== */
/* Printf                                                                  */
/* ====================================================================== */

/* Test that integer verbs, flags and widths print as Go's. */
static void test_fmt_printf_ints(void **state)
{
    PF("42", "%d", 1, I(42));
    PF("   42", "%5d", 1, I(42));
    PF("42   |", "%-5d|", 1, I(42));
    PF("00042", "%05d", 1, I(42));
    PF("-0042", "%05d", 1, I(-42));
    PF("+42", "%+d", 1, I(42));
    PF(" 42", "% d", 1, I(42));
    PF("+0042", "%+05d", 1, I(42));
    PF("3    |", "%-05d|", 1, I(3));
    PF("3    |", "%0-5d|", 1, I(3));
    PF("2a 2A 0x2a 0X2A", "%x %X %#x %#X", 4, I(42), I(42), I(42), I(42));
    PF("-ff", "%x", 1, I(-255));
    PF("52 052 0o52", "%o %#o %O", 3, I(42), I(42), I(42));
    PF("101010 0b101", "%b %#b", 2, I(42), I(5));
    PF("042", "%.3d", 1, I(42));
    PF("     042", "%8.3d", 1, I(42));
    PF("     042", "%08.3d", 1, I(42));
    PF("", "%.0d", 1, I(0));
    PF("    |", "%4.0d|", 1, I(0));
    PF("9223372036854775807", "%d", 1, I(INT64_MAX));
    PF("-8000000000000000", "%x", 1, I(INT64_MIN));
    PF("42", "%v", 1, I(42));
    PF("   42", "%5v", 1, I(42));
}

/* Test that float verbs, flags, widths and precisions print as Go's. */
static void test_fmt_printf_floats(void **state)
{
    PF("3.141593", "%f", 1, F(3.14159265));
    PF("3.14", "%.2f", 1, F(3.14159265));
    PF("  3.14", "%6.2f", 1, F(3.14159265));
    PF("3.142   |", "%-8.3f|", 1, F(3.14159265));
    PF("0003.142", "%08.3f", 1, F(3.14159265));
    PF("-003.142", "%08.3f", 1, F(-3.14159265));
    PF("+2.5", "%+.1f", 1, F(2.5));
    PF(" 2.5", "% .1f", 1, F(2.5));
    PF("2", "%.0f", 1, F(2.5));
    PF("4", "%.0f", 1, F(3.5));
    PF("2.", "%#.0f", 1, F(2.5));
    PF("1.234568e+08", "%e", 1, F(123456789.0));
    PF("1.234568E+08", "%E", 1, F(123456789.0));
    PF("1.235e+08", "%.3e", 1, F(123456789.0));
    PF("1.23456789e+08", "%g", 1, F(123456789.0));
    PF("1.23e+08", "%.3g", 1, F(123456789.0));
    PF("100000", "%g", 1, F(100000.0));
    PF("1e+06", "%g", 1, F(1e6));
    PF("1.00000", "%#g", 1, F(1.0));
    PF("0.0001", "%g", 1, F(0.0001));
    PF("1E-05", "%G", 1, F(1e-5));
    PF("0x1.8p+01", "%x", 1, F(3.0));
    PF("0X1.8P+01", "%X", 1, F(3.0));
    PF("6755399441055744p-51", "%b", 1, F(3.0));
    PF("       2.5", "%10v", 1, F(2.5));
    PF("2.5       |", "%-10v|", 1, F(2.5));
    PF("00000002.5", "%010v", 1, F(2.5));
    PF("+000002.50", "%+010.2f", 1, F(2.5));
    PF("       NaN", "%010v", 1, F(NAN));
    PF("+NaN", "%+f", 1, F(NAN));
    PF("NaN", "%+v", 1, F(NAN)); /* %+v is "with field names", not a sign */
    PF("      +Inf", "%010f", 1, F(INFINITY));
    PF("-Inf", "%.2f", 1, F(-INFINITY));
    PF("  3.1", "%5.2v", 1, F(3.14159));
    PF("1e+21", "%v", 1, F(1e21));
    PF("%!d(float64=2.5)", "%d", 1, F(2.5));
    PF("%!s(float64=0.1)", "%s", 1, F(0.1));
    PF("1.274224081", "%.9f", 1, F(1.2742240813));
    PF("99.50%", "%.2f%%", 1, F(99.5));
}

/* Test that string verbs (%s %q %x) with flags, widths and precisions print
 * as Go's. */
static void test_fmt_printf_strings(void **state)
{
    PF("hi", "%s", 1, S("hi"));
    PF("        hi", "%10s", 1, S("hi"));
    PF("hi        |", "%-10s|", 1, S("hi"));
    PF("ab      |      cd|", "%-8s|%8s|", 2, S("ab"), S("cd"));
    PF("00000hi", "%07s", 1, S("hi"));
    PF("he", "%.2s", 1, S("hello"));
    PF("    日", "%5.1s", 1, S("日本語"));
    PF("   日本語", "%6s", 1, S("日本語"));
    PF("\"a\\tb\\n\\\"q\\\"\\\\\"", "%q", 1, S("a\tb\n\"q\"\\"));
    PF("\"é\"", "%q", 1, S("é"));
    PF("\"\\u00e9\"", "%+q", 1, S("é"));
    PF("`raw`", "%#q", 1, S("raw"));
    PF("\"`x`\"", "%#q", 1, S("`x`"));
    PF("\"\\x00\\x7f\\xff\"", "%q", 1, v_from_ptr(str_new("\x00\x7f\xff", 3)));
    PF("6869", "%x", 1, S("hi"));
    PF("6869", "%X", 1, S("hi"));
    PF("68 69", "% x", 1, S("hi"));
    PF("0x68 0x69", "% #x", 1, S("hi"));
    PF("0x6869", "%#x", 1, S("hi"));
    PF("      6869", "%10x", 1, S("hi"));
    PF("%!d(string=hi)", "%d", 1, S("hi"));
    PF("%!d(string=   hi)", "%5d", 1, S("hi"));
    PF("\"x\\ny\"", "%#v", 1, S("x\ny"));
}

/* Test that %c %q %U print ints as runes, as Go's. */
static void test_fmt_printf_runes(void **state)
{
    PF("A", "%c", 1, I(65));
    PF("é", "%c", 1, I(0xe9));
    PF("  é|", "%3c|", 1, I(0xe9));
    PF("\xef\xbf\xbd", "%c", 1, I(-1));
    PF("\xef\xbf\xbd", "%c", 1, I(0x110000));
    PF("'A'", "%q", 1, I(65));
    PF("'\\''", "%q", 1, I(39));
    PF("'\\u00e9'", "%+q", 1, I(0xe9));
    PF("U+00E9", "%U", 1, I(0xe9));
    PF("U+1F600", "%U", 1, I(0x1F600));
    PF("U+0041 'A'", "%#U", 1, I(65));
    PF("U+000041", "%.6U", 1, I(65));
}

/* Test that bools and nil print as Go's, and %T gives Go's type names for
 * the values that have one (int float64 string bool <nil>) and csp's
 * type() name for the others. */
static void test_fmt_printf_bools_nil_types(void **state)
{
    PF("true", "%t", 1, TRUE);
    PF(" false", "%6t", 1, FALSE);
    PF("%!d(bool=true)", "%d", 1, TRUE);
    PF("<nil>", "%v", 1, NIL);
    PF("%!s(<nil>)", "%s", 1, NIL);
    PF("%!d(<nil>)", "%d", 1, NIL);
    PF("int float64 string bool []interface {} map[interface {}]interface {} <nil> *errors.errorString",
       "%T %T %T %T %T %T %T %T", 8, I(1), F(2.5), S("s"), TRUE, L(0), M(0), NIL, E("x"));
    PF("  int", "%5T", 1, I(1));
    PF("float64|<nil>  ", "%T|%-7T", 2, F(-0.0), NIL); /* -0.0 is a boxed float */
}

/* Test that a verb applied to a list or map applies to each element. */
static void test_fmt_printf_lists_maps(void **state)
{
    Value mixed = L(5, I(1), S("a"), NIL, TRUE, F(2.5));
    PF("[1 %!d(string=a) <nil> %!d(bool=true) %!d(float64=2.5)]", "%d", 1, mixed);
    PF("[\"a\" \"b\"]", "%q", 1, L(2, S("a"), S("b")));
    PF("[    1     2]", "%5d", 1, L(2, I(1), I(2)));
    PF("[a b]", "%x", 1, L(2, I(10), I(11)));
    PF("[001 002]", "%03d", 1, L(2, I(1), I(2)));
    PF("map[a:1 b:2]", "%v", 1, M(2, S("a"), I(1), S("b"), I(2)));
    PF("map[\"a\":\"b\"]", "%q", 1, M(1, S("a"), S("b")));
    PF("[1 [2 3]]", "%v", 1, L(2, I(1), L(2, I(2), I(3))));
    PF("[]interface {}{1, \"a\", interface {}(nil)}", "%#v", 1, L(3, I(1), S("a"), NIL));
    PF("map[interface {}]interface {}{\"k\":[]interface {}{1}}", "%#v", 1, M(1, S("k"), L(1, I(1))));
}

/* Test that argument errors print Go's notation: missing, extra, bad index,
 * no verb, bad width and precision. */
static void test_fmt_printf_bad_args(void **state)
{
    PF("1 %!d(MISSING)", "%d %d", 1, I(1));
    PF("1%!(EXTRA int=2)", "%d", 2, I(1), I(2));
    PF("1%!(EXTRA string=x, <nil>)", "%d", 3, I(1), S("x"), NIL);
    PF("hi%!(EXTRA int=1)", "hi", 1, I(1));
    PF("%!(NOVERB)", "%", 0);
    PF("%!!(MISSING)", "%!", 0); /* '!' is a verb, with no operand */
    PF("%!z(int=3)", "%z", 1, I(3));
    PF("%!v(MISSING)", "%v", 0);
    PF("%!(BADWIDTH)3", "%*d", 2, S("x"), I(3));
    PF("%!(BADPREC)3", "%.*d", 2, S("x"), I(3));
    PF("%!d(BADINDEX)", "%[3]d", 2, I(1), I(2));
    PF("%!d(BADINDEX)", "%[0]d", 1, I(1));
    PF("%!d(BADINDEX)", "%[x]d", 1, I(1));
    PF("%d%!(EXTRA int=1)", "%%d", 1, I(1));
    PF("%", "%5%", 0);
    PF("%!é(int=1)", "%é", 1, I(1));
}

/* Test that '*' widths and precisions and explicit [n] indexes work. */
static void test_fmt_printf_star_and_index(void **state)
{
    PF("    3", "%*d", 2, I(5), I(3));
    PF("3    |", "%-*d|", 2, I(5), I(3));
    PF("3    ", "%*d", 2, I(-5), I(3));
    PF("3.14", "%.*f", 2, I(2), F(3.14159));
    PF("    3.14|", "%*.*f|", 3, I(8), I(2), F(3.14159));
    PF("2 1", "%[2]d %[1]d", 2, I(1), I(2));
    PF("1 2", "%[1]d %d", 2, I(1), I(2));
    PF("255%ff", "%[1]d%%%[1]x", 1, I(255));
    PF("    5", "%[2]*[1]d", 2, I(5), I(5));
}

static int code_error(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = v_from_ptr(str_printf("code %lld", (long long)v_anyint(((ObjStruct *)v_ptr(args[0]))->f[0])));
    return 1;
}

/* Test that fmt.Errorf wraps a value of a script's type with an Error()
 * method as it wraps an error value, printing it through Error(). */
static void test_fmt_errorf_script_error(void **state)
{
    ObjType *ty = types_parse("main.CodeErr", 12);
    ty->kind = TYPE_STRUCT;
    ty->named = true;
    ty->nfields = 1;
    ty->fields = mem_alloc(sizeof *ty->fields);
    ty->fields[0] = (StructField){"Code", types_parse("int", 3), false, NULL};
    ty->nmethods = 1;
    ty->methods = mem_alloc(sizeof *ty->methods);
    ty->methods[0] =
        (TypeMethod){str_cstr("Error"), v_from_ptr(native_new("Error", code_error, 1, 1)), false, NULL};
    ObjStruct *s = mem_alloc(sizeof *s + sizeof(Value));
    s->h.kind = OBJ_STRUCT;
    s->type = ty;
    s->f[0] = I(7);
    Value e = v_from_ptr(s);

    Value errorf = universe_member(rt, "fmt", "Errorf");
    Value args[] = {S("ctx: %w"), e};
    Value rets[NATIVE_MAX_RETS];
    assert_int_equal(((ObjNative *)v_ptr(errorf))->fn(th, args, 2, rets), 1);
    ObjError *wrapped = v_ptr(rets[0]);
    assert_string_equal(wrapped->msg->data, "ctx: code 7");
    assert_true(wrapped->wrapped == e);
    PF("code 7|{7}", "%v|%d", 2, e, e);
}

/* Test that fmt.Errorf formats %w as %v, and that %w elsewhere (or of a
 * non-error) is a bad verb. */
static void test_fmt_errorf(void **state)
{
    Value errorf = universe_member(rt, "fmt", "Errorf");
    Value args[] = {S("read %s: %w"), S("x.txt"), E("boom")};
    Value rets[NATIVE_MAX_RETS];
    assert_int_equal(((ObjNative *)v_ptr(errorf))->fn(th, args, 3, rets), 1);
    assert_true(v_is_obj(rets[0], OBJ_ERROR));
    assert_string_equal(((ObjError *)v_ptr(rets[0]))->msg->data, "read x.txt: boom");
    Value args2[] = {S("%w"), S("not an error")};
    assert_int_equal(((ObjNative *)v_ptr(errorf))->fn(th, args2, 2, rets), 1);
    assert_string_equal(((ObjError *)v_ptr(rets[0]))->msg->data, "%!w(string=not an error)");
    PF("%!w(*errors.errorString=&{boom})", "%w", 1, E("boom"));
}

/* Test that fmt.Sprintf, Sprint and Sprintln work called as a script calls
 * them, and that a non-string format panics clearly. */
static void test_fmt_module_sprintf(void **state)
{
    Value rets[NATIVE_MAX_RETS];
    Value args[] = {S("%s=%d"), S("n"), I(3)};
    assert_int_equal(((ObjNative *)v_ptr(universe_member(rt, "fmt", "Sprintf")))->fn(th, args, 3, rets), 1);
    assert_string_equal(v_str(rets[0])->data, "n=3");
    Value args2[] = {I(1), I(2), S("x")};
    assert_int_equal(((ObjNative *)v_ptr(universe_member(rt, "fmt", "Sprint")))->fn(th, args2, 3, rets), 1);
    assert_string_equal(v_str(rets[0])->data, "1 2x");
    assert_int_equal(((ObjNative *)v_ptr(universe_member(rt, "fmt", "Sprintln")))->fn(th, args2, 3, rets), 1);
    assert_string_equal(v_str(rets[0])->data, "1 2 x\n");
    /* A non-string format is a panic with a clear message. */
    Value bad[] = {I(1)};
    assert_int_equal(((ObjNative *)v_ptr(universe_member(rt, "fmt", "Sprintf")))->fn(th, bad, 1, rets), -1);
    assert_string_equal(V(th->panic_val), "runtime error: fmt.Sprintf: argument 1 must be string, not int");
    vm_clear_panic(th);
}

/* ====================================================================== */
/* Print and Println                                                       */
/* ====================================================================== */

/* Test that Print puts a space between operands only when neither is a
 * string. */
static void test_fmt_sprint_spacing(void **state)
{
    assert_string_equal(print_values(false, 0), "");
    assert_string_equal(print_values(false, 2, I(1), I(2)), "1 2");
    assert_string_equal(print_values(false, 2, S("a"), S("b")), "ab");
    assert_string_equal(print_values(false, 3, S("a"), I(1), S("b")), "a1b");
    assert_string_equal(print_values(false, 3, I(1), S("a"), I(2)), "1a2");
    assert_string_equal(print_values(false, 5, I(1), I(2), S("x"), I(3), I(4)), "1 2x3 4");
    assert_string_equal(print_values(false, 2, NIL, NIL), "<nil> <nil>");
    assert_string_equal(print_values(false, 3, S("x"), NIL, S("y")), "x<nil>y");
    assert_string_equal(print_values(false, 2, E("e"), I(1)), "e 1"); /* an error is not a string */
    assert_string_equal(print_values(false, 2, L(1, I(1)), L(1, I(2))), "[1] [2]");
    assert_string_equal(print_values(false, 3, I(1), S(""), I(2)), "12");
}

/* Test that Println puts spaces between all operands and a newline. */
static void test_fmt_println(void **state)
{
    assert_string_equal(print_values(true, 0), "\n");
    assert_string_equal(print_values(true, 2, S("a"), S("b")), "a b\n");
    assert_string_equal(print_values(true, 3, S("a"), I(1), S("b")), "a 1 b\n");
    assert_string_equal(print_values(true, 4, NIL, TRUE, F(1.0), L(2, I(1), S("s"))), "<nil> true 1 [1 s]\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_printf_errors),
        cmocka_unit_test(test_fmt_value_funcs_and_objects),
        cmocka_unit_test(test_fmt_printf_ints),
        cmocka_unit_test(test_fmt_printf_floats),
        cmocka_unit_test(test_fmt_printf_strings),
        cmocka_unit_test(test_fmt_printf_runes),
        cmocka_unit_test(test_fmt_printf_bools_nil_types),
        cmocka_unit_test(test_fmt_printf_lists_maps),
        cmocka_unit_test(test_fmt_printf_bad_args),
        cmocka_unit_test(test_fmt_printf_star_and_index),
        cmocka_unit_test(test_fmt_errorf),
        cmocka_unit_test(test_fmt_errorf_script_error),
        cmocka_unit_test(test_fmt_module_sprintf),
        cmocka_unit_test(test_fmt_sprint_spacing),
        cmocka_unit_test(test_fmt_println),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
