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
#include "vm/mem.h"
#include "vm/types.h"
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
static const ObjClass pt_class = {.name = "geo.Point", .methods = pt_methods, .get_field = NULL};
static const ObjClass bad_class = {.name = "geo.Bad", .methods = bad_methods, .get_field = NULL};
static const ObjClass plain_class = {.name = "geo.Plain", .methods = no_methods, .get_field = NULL};

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
    assert_string_equal(WITH_THREAD(L(2, OBJ(&pt_class), OBJ(&plain_class)), &failed), "[(1, 2) {}]");
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
    assert_string_equal(
        SHARP(L(6, S("a"), I(1), NIL, E("x"), F(2.5), TRUE)),
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

/* ====================================================================== */
/* Structs, arrays, pointers and Go type names                            */
/* ====================================================================== */

static ObjType *TY(const char *text)
{
    return types_parse(text, strlen(text));
}

/* A struct type as a `type` declaration makes it: name NULL for an
 * anonymous struct; then n (field name, field type) pairs; a field name
 * starting with '^' is embedded. */
static ObjType *struct_type(const char *name, int n, ...)
{
    ObjType *t = mem_alloc(sizeof *t);
    t->h.kind = OBJ_TYPE;
    t->kind = TYPE_STRUCT;
    t->name = name ? name : "struct{...}";
    t->named = name != NULL;
    t->len = -1;
    t->ctor = V_UNDEF;
    t->zero = V_UNDEF;
    t->nfields = n;
    t->fields = mem_alloc(mem_size((size_t)n, sizeof *t->fields, 0));
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *fname = va_arg(ap, const char *);
        t->fields[i].embedded = fname[0] == '^';
        t->fields[i].name = fname + (fname[0] == '^');
        t->fields[i].type = va_arg(ap, ObjType *);
    }
    va_end(ap);
    return t;
}

static void add_method(ObjType *t, const char *name, NativeFn fn, bool ptr_recv)
{
    TypeMethod *ms = mem_alloc(mem_size((size_t)t->nmethods + 1, sizeof *ms, 0));
    if (t->nmethods)
        memcpy(ms, t->methods, (size_t)t->nmethods * sizeof *ms);
    ms[t->nmethods] = (TypeMethod){str_cstr(name), v_from_ptr(native_new(name, fn, 1, 1)), ptr_recv, NULL};
    t->methods = ms;
    t->nmethods++;
}

/* A struct value of type t with its fields' values. */
static Value ST(ObjType *t, ...)
{
    ObjStruct *s = mem_alloc(mem_size((size_t)t->nfields, sizeof(Value), sizeof(ObjStruct)));
    s->h.kind = OBJ_STRUCT;
    s->type = t;
    va_list ap;
    va_start(ap, t);
    for (int i = 0; i < t->nfields; i++)
        s->f[i] = va_arg(ap, Value);
    va_end(ap);
    return v_from_ptr(s);
}

/* An array value of type t ([N]T) with its N items. */
static Value AR(ObjType *t, ...)
{
    size_t n = (size_t)t->len;
    ObjArray *a = mem_alloc(mem_size(n, sizeof(Value), sizeof(ObjArray)));
    a->h.kind = OBJ_ARRAY;
    a->type = t;
    a->st.cap = n;
    va_list ap;
    va_start(ap, t);
    for (size_t i = 0; i < n; i++)
        a->st.items[i] = va_arg(ap, Value);
    va_end(ap);
    return v_from_ptr(a);
}

/* &x of a variable holding v (a cell), as the compiler makes it. */
static Value REF_CELL(Value v)
{
    ObjCell *c = cell_new(v);
    return v_ref(c);
}

static Value REF(Value obj)
{
    return v_ref(v_ptr(obj));
}

static const char *PLUS(Value v)
{
    Buf b;
    buf_init(&b);
    Printer p;
    format_init(&p, &b, NULL);
    p.plus_v = true;
    format_print(&p, v, 'v');
    return b.data;
}

static const char *TYPE_OF(Value v)
{
    Buf b;
    buf_init(&b);
    format_type_of(&b, v);
    return b.data;
}

/* The text of 0x<address of v's object>, as a pointer prints. */
static const char *ADDR(Value v)
{
    static char tmp[4][32];
    static int next;
    char *s = tmp[next++ % 4];
    snprintf(s, 32, "0x%llx", (unsigned long long)(uintptr_t)(v_is_ref(v) ? v_ref_target(v) : v_ptr(v)));
    return s;
}

static ObjType *point_type(void)
{
    return struct_type("main.Point", 3, "X", TY("int"), "Y", TY("int"), "Tags", TY("[]string"));
}

/* Test that a struct prints as {1 2 []}, with field names for %+v, and as
 * Go's syntax with its type's name for %#v, a nil slice field as
 * []string(nil); nested structs the same, a struct inside a list too. */
static void test_format_struct_verbs(void **state)
{
    ObjType *pt = point_type();
    Value p = ST(pt, I(1), I(2), NIL);
    assert_string_equal(V(p), "{1 2 []}");
    assert_string_equal(PLUS(p), "{X:1 Y:2 Tags:[]}");
    assert_string_equal(SHARP(p), "main.Point{X:1, Y:2, Tags:[]string(nil)}");
    Value q = ST(pt, I(-3), I(4), L(2, S("a"), S("b c")));
    assert_string_equal(V(q), "{-3 4 [a b c]}");
    assert_string_equal(SHARP(q), "main.Point{X:-3, Y:4, Tags:[]string{\"a\", \"b c\"}}");

    ObjType *line = struct_type("main.Line", 2, "A", pt, "B", pt);
    Value l = ST(line, p, q);
    assert_string_equal(V(l), "{{1 2 []} {-3 4 [a b c]}}");
    assert_string_equal(PLUS(l), "{A:{X:1 Y:2 Tags:[]} B:{X:-3 Y:4 Tags:[a b c]}}");
    assert_string_equal(SHARP(l), "main.Line{A:main.Point{X:1, Y:2, Tags:[]string(nil)}, "
                                  "B:main.Point{X:-3, Y:4, Tags:[]string{\"a\", \"b c\"}}}");
    assert_string_equal(V(L(2, p, I(7))), "[{1 2 []} 7]");
    assert_string_equal(SHARP(L(1, p)), "[]interface {}{main.Point{X:1, Y:2, Tags:[]string(nil)}}");
    assert_string_equal(V(M(1, S("k"), p)), "map[k:{1 2 []}]");

    /* Every kind of nil field, as Go's %v and %#v print them. */
    ObjType *w =
        struct_type("main.W", 8, "P", TY("*int"), "E", TY("error"), "M", TY("map[string]int"), "F",
                    TY("func()"), "Ch", TY("chan int"), "I", TY("any"), "B", TY("[]byte"), "U", TY("uint8"));
    Value wz = ST(w, NIL, NIL, NIL, NIL, NIL, NIL, NIL, I(7));
    assert_string_equal(V(wz), "{<nil> <nil> map[] <nil> <nil> <nil> [] 7}");
    assert_string_equal(SHARP(wz),
                        "main.W{P:(*int)(nil), E:error(nil), M:map[string]int(nil), F:(func())(nil), "
                        "Ch:(chan int)(nil), I:interface {}(nil), B:[]uint8(nil), U:0x7}");
    assert_string_equal(V(ST(struct_type("main.Empty", 0))), "{}");
    assert_string_equal(SHARP(ST(struct_type("main.Empty", 0))), "main.Empty{}");
}

/* Test that sized fields print as Go's: %#v of a uint8 in hex, a float32
 * by its own shortest digits. */
static void test_format_sized_fields(void **state)
{
    ObjType *sized = struct_type("main.S", 3, "U", TY("uint8"), "F", TY("float32"), "D", TY("float64"));
    Value s = ST(sized, I(200), F((double)0.1f), F(0.1));
    assert_string_equal(V(s), "{200 0.1 0.1}");
    assert_string_equal(SHARP(s), "main.S{U:0xc8, F:0.1, D:0.1}");
}

/* Test that an embedded field is named by its type's name without the
 * package (%+v {Mutex:{} n:1}), that a native object inside prints {},
 * and that an anonymous struct's %#v spells its type as Go does. */
static void test_format_struct_embedded_anonymous(void **state)
{
    ObjType *c = struct_type("main.C", 2, "^sync.Mutex", TY("sync.Mutex"), "n", TY("int"));
    Value v = ST(c, OBJ(&plain_class), I(1));
    assert_string_equal(V(v), "{{} 1}");
    assert_string_equal(PLUS(v), "{Mutex:{} n:1}");
    assert_string_equal(SHARP(v), "main.C{Mutex:geo.Plain{}, n:1}");

    ObjType *anon = struct_type(NULL, 2, "a", TY("int"), "B", TY("[]string"));
    Value a = ST(anon, I(1), NIL);
    assert_string_equal(V(a), "{1 []}");
    assert_string_equal(SHARP(a), "struct { a int; B []string }{a:1, B:[]string(nil)}");
    assert_string_equal(TYPE_OF(a), "struct { a int; B []string }");
    assert_string_equal(TYPE_OF(ST(struct_type(NULL, 0))), "struct {}");
}

/* Test that an array prints as [1 2 3] and [3]int{1, 2, 3}, an array of
 * structs and a struct holding an array too, and bytes as Go prints
 * them. */
static void test_format_arrays(void **state)
{
    Value a = AR(TY("[3]int"), I(1), I(2), I(3));
    assert_string_equal(V(a), "[1 2 3]");
    assert_string_equal(SHARP(a), "[3]int{1, 2, 3}");
    assert_string_equal(TYPE_OF(a), "[3]int");
    ObjType *pt = point_type();
    ObjType *arr = TY("[2]int");
    Value ps = AR(types_parse("[1]main.Point", 13), ST(pt, I(1), I(2), NIL));
    ((ObjArray *)v_ptr(ps))->type->elem = pt;
    assert_string_equal(V(ps), "[{1 2 []}]");
    assert_string_equal(SHARP(ps), "[1]main.Point{main.Point{X:1, Y:2, Tags:[]string(nil)}}");
    ObjType *holder = struct_type("main.H", 1, "a", arr);
    assert_string_equal(SHARP(ST(holder, AR(arr, I(0), I(0)))), "main.H{a:[2]int{0, 0}}");
    Value bytes = AR(TY("[2]byte"), I(1), I(2));
    assert_string_equal(V(bytes), "[1 2]");
    assert_string_equal(SHARP(bytes), "[2]uint8{0x1, 0x2}");
    assert_string_equal(TYPE_OF(AR(TY("[0][]rune"))), "[0][]int32");
}

/* Test that a pointer to a struct or array prints &{...} as the operand,
 * but its address inside a struct, list or map (Go prints nested pointers
 * so); that a pointer to anything else prints its address; that nil
 * pointer fields are <nil>; and %#v's (*T)(0x...) and &T{...}. */
static void test_format_pointers(void **state)
{
    ObjType *pt = point_type();
    Value p = ST(pt, I(1), I(2), NIL);
    Value pp = REF(p);
    assert_string_equal(V(pp), "&{1 2 []}");
    assert_string_equal(PLUS(pp), "&{X:1 Y:2 Tags:[]}");
    assert_string_equal(SHARP(pp), "&main.Point{X:1, Y:2, Tags:[]string(nil)}");
    char want[128];
    snprintf(want, sizeof want, "[%s]", ADDR(pp));
    assert_string_equal(V(L(1, pp)), want);
    snprintf(want, sizeof want, "[]interface {}{(*main.Point)(%s)}", ADDR(pp));
    assert_string_equal(SHARP(L(1, pp)), want);

    ObjType *ptr = TY("*main.Point");
    ptr->elem = pt;
    ObjType *node = struct_type("main.Node", 2, "V", TY("int"), "Next", ptr);
    Value tail = ST(node, I(2), NIL);
    Value head = ST(node, I(1), REF(tail));
    snprintf(want, sizeof want, "{1 %s}", ADDR(REF(tail)));
    assert_string_equal(V(head), want);
    snprintf(want, sizeof want, "&{1 %s}", ADDR(REF(tail)));
    assert_string_equal(V(REF(head)), want);
    assert_string_equal(V(tail), "{2 <nil>}");
    assert_string_equal(SHARP(tail), "main.Node{V:2, Next:(*main.Point)(nil)}");
    /* A struct pointing to itself prints its address, never recursing. */
    ((ObjStruct *)v_ptr(tail))->f[1] = REF(tail);
    snprintf(want, sizeof want, "&{2 %s}", ADDR(REF(tail)));
    assert_string_equal(V(REF(tail)), want);

    Value pa = REF(AR(TY("[2]int"), I(5), I(6)));
    assert_string_equal(V(pa), "&[5 6]");
    assert_string_equal(SHARP(pa), "&[2]int{5, 6}");
    Value pn = REF_CELL(I(5));
    assert_string_equal(V(pn), ADDR(pn));
    snprintf(want, sizeof want, "(*int)(%s)", ADDR(pn));
    assert_string_equal(SHARP(pn), want);
    assert_string_equal(V(REF_CELL(L(2, I(1), I(2)))), "&[1 2]");
    assert_string_equal(V(REF_CELL(M(1, S("a"), I(1)))), "&map[a:1]");
}

/* Test that %T and type() give Go's type names: *main.Point, **int, [3]int,
 * []interface {} for an untyped list, the error types of errors.New and
 * fmt.Errorf's %w, func types by parameter count; and that Go's spellings
 * replace the script's (byte is uint8, any is interface {}). */
static void test_format_type_names(void **state)
{
    ObjType *pt = point_type();
    Value p = ST(pt, I(1), I(2), NIL);
    assert_string_equal(TYPE_OF(p), "main.Point");
    assert_string_equal(TYPE_OF(REF(p)), "*main.Point");
    assert_string_equal(v_type_name(p), "main.Point");
    assert_string_equal(v_type_name(REF(p)), "*main.Point");
    assert_string_equal(v_type_name(AR(TY("[2]bool"), TRUE, FALSE)), "[2]bool");
    Value pn = REF_CELL(I(5));
    assert_string_equal(TYPE_OF(pn), "*int");
    assert_string_equal(TYPE_OF(REF_CELL(pn)), "**int");
    assert_string_equal(TYPE_OF(REF_CELL(NIL)), "*interface {}");
    /* A variable holding a pointer to itself: named, not followed forever. */
    ObjCell *self = cell_new(NIL);
    self->v = v_ref(self);
    assert_non_null(strstr(TYPE_OF(v_ref(self)), "..."));

    assert_string_equal(TYPE_OF(I(1)), "int");
    assert_string_equal(TYPE_OF(F(0.5)), "float64");
    assert_string_equal(TYPE_OF(S("")), "string");
    assert_string_equal(TYPE_OF(NIL), "<nil>");
    assert_string_equal(TYPE_OF(L(0)), "[]interface {}");
    assert_string_equal(TYPE_OF(M(0)), "map[interface {}]interface {}");
    assert_string_equal(TYPE_OF(E("x")), "*errors.errorString");
    ObjError *wrapped = error_new(str_cstr("ctx: x"), false);
    wrapped->wrapped = E("x");
    assert_string_equal(TYPE_OF(v_from_ptr(wrapped)), "*fmt.wrapError");
    assert_string_equal(TYPE_OF(v_from_ptr(native_new("f", pt_string, 0, 0))), "func()");
    assert_string_equal(TYPE_OF(v_from_ptr(native_new("f", pt_string, 2, 2))),
                        "func(interface {}, interface {})");
    assert_string_equal(TYPE_OF(v_from_ptr(native_new("f", pt_string, 0, -1))), "func(...interface {})");
    assert_string_equal(TYPE_OF(OBJ(&plain_class)), "geo.Plain");

    Buf b;
    const char *names[][2] = {
        {"[]byte", "[]uint8"},
        {"map[string]any", "map[string]interface {}"},
        {"[]interface{}", "[]interface {}"},
        {"*[3]rune", "*[3]int32"},
        {"chan<- int", "chan<- int"},
        {"<-chan []error", "<-chan []error"},
        {"chan bool", "chan bool"},
        {"map[[2]int]*float64", "map[[2]int]*float64"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        buf_init(&b);
        format_type(&b, TY(names[i][0]));
        assert_string_equal(b.data, names[i][1]);
    }
}

/* String and Error methods for the types below: natives, as a script's
 * methods would be closures; vm_call runs either. */
static int point_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    Value recv = args[0];
    const char *how = v_is_ref(recv) ? "*P" : "P";
    ObjStruct *s = v_is_ref(recv) ? v_ref_target(recv) : v_ptr(recv);
    s->f[0] = I(99); /* a value receiver's copy: the printed value keeps its own */
    rets[0] = v_from_ptr(str_printf("%s(%lld)", how, (long long)v_anyint(s->f[1])));
    return 1;
}

static int point_error(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = S("an error");
    return 1;
}

static int boom_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs, (void)rets;
    return vm_panic(t, E("boom"));
}

static int deep_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs, (void)rets;
    return vm_panicf(t, E_STACK_OVERFLOW);
}

static int go_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = S("P{...}");
    return 1;
}

/* v as Printf's verb would print it with methods called on th; checks
 * that no panic is left behind. */
static const char *METHODS(Value v, int verb, bool sharp)
{
    Buf b;
    buf_init(&b);
    Printer p;
    format_init(&p, &b, th);
    p.sharp_v = sharp;
    format_print(&p, v, verb);
    assert_false(p.failed);
    assert_null(th->panic);
    return b.data;
}

/* Test that a script type's String() prints its values (a value receiver
 * for values and pointers, called on a copy), that a pointer receiver is
 * only used for pointers (Go's method sets), that Error() wins over
 * String(), that %#v uses GoString() and never String(), that %d does not
 * call it, and that without a thread or inside an unexported field no
 * method runs. */
static void test_format_methods(void **state)
{
    ObjType *vt = struct_type("main.V", 2, "X", TY("int"), "Y", TY("int"));
    add_method(vt, "String", point_string, false);
    Value v = ST(vt, I(1), I(2));
    assert_string_equal(METHODS(v, 'v', false), "P(2)");
    assert_int_equal(v_anyint(((ObjStruct *)v_ptr(v))->f[0]), 1);
    assert_string_equal(METHODS(REF(v), 'v', false), "P(2)");
    assert_string_equal(METHODS(L(2, v, REF(v)), 'v', false), "[P(2) P(2)]");
    assert_string_equal(METHODS(v, 'd', false), "{1 2}");
    assert_string_equal(METHODS(v, 'v', true), "main.V{X:1, Y:2}");
    assert_string_equal(V(v), "{1 2}"); /* no thread */

    ObjType *pt = struct_type("main.PV", 2, "X", TY("int"), "Y", TY("int"));
    add_method(pt, "String", point_string, true);
    Value p = ST(pt, I(1), I(3));
    assert_string_equal(METHODS(p, 'v', false), "{1 3}");
    assert_string_equal(METHODS(REF(p), 'v', false), "*P(3)");
    assert_int_equal(v_anyint(((ObjStruct *)v_ptr(p))->f[0]), 99); /* a pointer receiver changes it */

    ObjType *et = struct_type("main.E", 1, "X", TY("int"));
    add_method(et, "String", point_string, false);
    add_method(et, "Error", point_error, false);
    add_method(et, "GoString", go_string, false);
    Value e = ST(et, I(1));
    assert_string_equal(METHODS(e, 's', false), "an error");
    assert_string_equal(METHODS(e, 'v', true), "P{...}");

    ObjType *outer = struct_type("main.O", 2, "In", vt, "in", vt);
    assert_string_equal(METHODS(ST(outer, v, v), 'v', false), "{P(2) {1 2}}");
}

/* Test that methods promoted from embedded fields print the outer value
 * as Go's method sets say: a value-receiver String of an embedded struct
 * prints the outer value; a pointer-receiver one only a pointer to it
 * (or through an embedded pointer); two at one depth are ambiguous, so
 * neither prints it; the outer type's own method wins over a promoted one. */
static void test_format_promoted_methods(void **state)
{
    ObjType *vt = struct_type("main.V", 2, "X", TY("int"), "Y", TY("int"));
    add_method(vt, "String", point_string, false);
    ObjType *room = struct_type("main.Room", 2, "^V", vt, "Name", TY("string"));
    Value r = ST(room, ST(vt, I(1), I(2)), S("r"));
    assert_string_equal(METHODS(r, 'v', false), "P(2)");
    assert_string_equal(METHODS(REF(r), 'v', false), "P(2)");

    ObjType *pt = struct_type("main.PV", 2, "X", TY("int"), "Y", TY("int"));
    add_method(pt, "String", point_string, true);
    ObjType *holder = struct_type("main.H", 1, "^PV", pt);
    Value h = ST(holder, ST(pt, I(1), I(3)));
    assert_string_equal(METHODS(h, 'v', false), "{{1 3}}");
    assert_string_equal(METHODS(REF(h), 'v', false), "*P(3)");
    ObjType *pptr = TY("*main.PV");
    pptr->elem = pt;
    ObjType *via_ptr = struct_type("main.HP", 1, "^*PV", pptr);
    assert_string_equal(METHODS(ST(via_ptr, REF(ST(pt, I(1), I(4)))), 'v', false), "*P(4)");

    ObjType *both = struct_type("main.Both", 2, "^V", vt, "^PV", pptr);
    /* Ambiguous: the fields print, each through its own method. */
    assert_string_equal(METHODS(ST(both, ST(vt, I(1), I(5)), REF(ST(pt, I(1), I(6)))), 'v', false),
                        "{P(5) *P(6)}");

    ObjType *own = struct_type("main.Own", 1, "^V", vt);
    add_method(own, "String", go_string, false);
    assert_string_equal(METHODS(ST(own, ST(vt, I(1), I(2))), 'v', false), "P{...}");
}

static int count_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    Value m = v_is_ref(args[0]) ? ((ObjCell *)v_ref_target(args[0]))->v : args[0];
    rets[0] = v_from_ptr(str_printf("%s%u keys", v_is_ref(args[0]) ? "*" : "", v_map(m)->len));
    return 1;
}

/* Test that a value of a named map type prints through its String()
 * method, a pointer-receiver one only through a pointer to the variable
 * holding it, and that %T names the type. */
static void test_format_named_map_methods(void **state)
{
    ObjType *set = TY("map[string]bool");
    set->named = true;
    set->name = "main.Set";
    add_method(set, "String", count_string, false);
    Value m = M(2, S("a"), TRUE, S("b"), TRUE);
    v_map(m)->type = set;
    assert_string_equal(METHODS(m, 'v', false), "2 keys");
    assert_string_equal(TYPE_OF(m), "main.Set");
    assert_string_equal(SHARP(m), "main.Set{\"a\":true, \"b\":true}");

    ObjType *pset = TY("map[string]bool");
    pset->named = true;
    pset->name = "main.PSet";
    add_method(pset, "String", count_string, true);
    Value pm = M(1, S("a"), TRUE);
    v_map(pm)->type = pset;
    assert_string_equal(METHODS(pm, 'v', false), "map[a:true]");
    assert_string_equal(METHODS(REF_CELL(pm), 'v', false), "*1 keys");
    assert_string_equal(TYPE_OF(REF_CELL(pm)), "*main.PSet");
}

/* Test that a panic in String() prints Go's %!v(PANIC=String method: ...)
 * and leaves no panic behind, also while an older panic is in flight (a
 * deferred call printing), which stays in flight; and that a stack
 * overflow is not caught: it fails the printing and stays a panic. */
static void test_format_method_panics(void **state)
{
    ObjType *bt = struct_type("main.B", 0);
    add_method(bt, "String", boom_string, false);
    Value b = ST(bt);
    assert_string_equal(METHODS(b, 'v', false), "%!v(PANIC=String method: boom)");
    assert_string_equal(METHODS(L(2, b, I(1)), 's', false), "[%!s(PANIC=String method: boom) 1]");

    vm_panic(th, S("older"));
    Panic *older = th->panic;
    Buf buf;
    buf_init(&buf);
    Printer p;
    format_init(&p, &buf, th);
    format_print(&p, b, 'v');
    assert_false(p.failed);
    assert_string_equal(buf.data, "%!v(PANIC=String method: boom)");
    assert_ptr_equal(th->panic, older);
    assert_true(th->panicking);
    assert_int_equal(rt->npanicking, 1);
    vm_clear_panic(th);
    assert_int_equal(rt->npanicking, 0);

    ObjType *dt = struct_type("main.D", 0);
    add_method(dt, "String", deep_string, false);
    bool failed;
    WITH_THREAD(L(1, ST(dt)), &failed);
    assert_true(failed);
    assert_non_null(th->panic);
    vm_clear_panic(th);
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
        cmocka_unit_test(test_format_struct_verbs),
        cmocka_unit_test(test_format_struct_embedded_anonymous),
        cmocka_unit_test(test_format_sized_fields),
        cmocka_unit_test(test_format_arrays),
        cmocka_unit_test(test_format_pointers),
        cmocka_unit_test(test_format_type_names),
        cmocka_unit_test(test_format_methods),
        cmocka_unit_test(test_format_promoted_methods),
        cmocka_unit_test(test_format_named_map_methods),
        cmocka_unit_test(test_format_method_panics),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
