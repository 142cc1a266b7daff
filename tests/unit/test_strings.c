/* test_strings.c — the strings module and strings.Builder, strconv, and
 * the built-ins that convert between strings and numbers (int, float,
 * string, str and the Go conversion names), called as a script calls them.
 *
 * Expected values are Go's (go1.19), except where LANGUAGE.md extends Go
 * (int("42") parses; append works in place; make() takes its type as text).
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
#include <unistd.h>

#include "stdlib/stdlib.h"
#include "values.h"

static Runtime *rt;
static Thread *th;

static int setup(void **state)
{
    GC_INIT();
    rt = rt_new();
    char *argv[] = {"test_strings", NULL};
    stdlib_init(rt, 1, argv);
    th = thread_new(rt);
    return 0;
}

/* ---- values ------------------------------------------------------------- */

/* %q of v: strings quoted, so "" and " " are visible in lists. */
static const char *Q(Value v)
{
    Buf b;
    buf_init(&b);
    fmt_format(th, &b, "%q", 2, &v, 1);
    return b.data;
}

/* ---- calls -------------------------------------------------------------- */

static Value rets[NATIVE_MAX_RETS];
static int nrets;

/* Call mod.name (mod NULL: a builtin) with n args; the results are left in
 * rets/nrets; returns rets[0] (nil if none). A panic fails the test
 * unless expect_panic() comes next. */
static Value callv(const char *mod, const char *name, int n, Value *args)
{
    ObjNative *nf = v_ptr(universe_member(rt, mod, name));
    assert_true(n >= nf->min_args && (nf->max_args < 0 || n <= nf->max_args));
    nrets = nf->fn(th, args, n, rets);
    return nrets > 0 ? rets[0] : V_NIL;
}

#define CALL(mod, name, ...)                                                                                 \
    ({                                                                                                       \
        Value a_[] = {__VA_ARGS__};                                                                          \
        callv(mod, name, (int)(sizeof a_ / sizeof a_[0]), a_);                                               \
    })

/* A method of a native object, with the receiver first. */
static Value method(Value obj, const char *name, int n, Value *args)
{
    ObjObject *o = v_ptr(obj);
    ObjNative *nf = class_method(o->cls, str_cstr(name));
    assert_non_null(nf);
    Value all[8];
    all[0] = obj;
    for (int i = 0; i < n; i++)
        all[i + 1] = args[i];
    nrets = nf->fn(th, all, n + 1, rets);
    return nrets > 0 ? rets[0] : V_NIL;
}

#define METHOD(obj, name, ...)                                                                               \
    ({                                                                                                       \
        Value a_[] = {V_NIL, ##__VA_ARGS__};                                                                 \
        method(obj, name, (int)(sizeof a_ / sizeof a_[0]) - 1, a_ + 1);                                      \
    })

/* The last call panicked with this message; the panic is cleared. */
static void expect_panic(const char *msg)
{
    assert_int_equal(nrets, -1);
    assert_string_equal(V(th->panic_val), msg);
    vm_clear_panic(th);
}

static void expect_no_panic(void)
{
    assert_true(nrets >= 0);
}

static const char *err_text(Value e)
{
    if (v_is_nil(e))
        return "nil";
    if (v_is_ref(e)) {
        /* os's *fs.PathError: Op, Path, Err; its Error() text */
        ObjStruct *pe = v_ref_target(e);
        assert_int_equal(pe->h.kind, OBJ_STRUCT);
        return str_printf("%s %s: %s", v_str(pe->f[0])->data, v_str(pe->f[1])->data, err_text(pe->f[2]))
            ->data;
    }
    assert_true(v_is_obj(e, OBJ_ERROR));
    return ((ObjError *)v_ptr(e))->msg->data;
}

/* ====================================================================== */
/* strings                                                                 */
/* ====================================================================== */

/* Test that Split, SplitN, SplitAfter, Fields and Cut keep Go's edge cases. */
static void test_strings_split(void **state)
{
    assert_string_equal(Q(CALL("strings", "Split", S("a,b,c"), S(","))), "[\"a\" \"b\" \"c\"]");
    assert_string_equal(Q(CALL("strings", "Split", S("a,b,"), S(","))), "[\"a\" \"b\" \"\"]");
    assert_string_equal(Q(CALL("strings", "Split", S(""), S(","))), "[\"\"]");
    assert_string_equal(Q(CALL("strings", "Split", S("abc"), S(""))), "[\"a\" \"b\" \"c\"]");
    assert_string_equal(Q(CALL("strings", "Split", S("日本"), S(""))), "[\"日\" \"本\"]");
    assert_string_equal(Q(CALL("strings", "Split", S(""), S(""))), "[]");
    assert_string_equal(Q(CALL("strings", "SplitN", S("a,b,c"), S(","), I(2))), "[\"a\" \"b,c\"]");
    assert_string_equal(Q(CALL("strings", "SplitN", S("a,b,c"), S(","), I(0))), "[]");
    assert_string_equal(Q(CALL("strings", "SplitN", S("a,b,c"), S(","), I(-1))), "[\"a\" \"b\" \"c\"]");
    assert_string_equal(Q(CALL("strings", "SplitAfter", S("a,b"), S(","))), "[\"a,\" \"b\"]");
    assert_string_equal(Q(CALL("strings", "Fields", S("  a b\t\nc  "))), "[\"a\" \"b\" \"c\"]");
    assert_string_equal(Q(CALL("strings", "Fields", S(" \u00a0 "))), "[]");
    assert_string_equal(Q(CALL("strings", "Cut", S("k=v=w"), S("="))), "\"k\"");
    assert_string_equal(V(rets[1]), "v=w");
    assert_true(rets[2] == V_TRUE);
    CALL("strings", "Cut", S("kv"), S("="));
    assert_true(nrets == 3 && rets[2] == V_FALSE);
}

/* Test that Join joins, and panics clearly on a non-string element. */
static void test_strings_join(void **state)
{
    assert_string_equal(V(CALL("strings", "Join", L(3, S("a"), S("b"), S("c")), S("-"))), "a-b-c");
    assert_string_equal(Q(CALL("strings", "Join", L(0), S(","))), "\"\"");
    assert_string_equal(V(CALL("strings", "Join", L(1, S("x")), S(","))), "x");
    CALL("strings", "Join", L(2, S("a"), I(1)), S(","));
    expect_panic("runtime error: strings.Join: element 1 must be string, not int");
    CALL("strings", "Join", S("ab"), S(","));
    expect_panic("runtime error: strings.Join: argument 1 must be list, not string");
}

/* Test that the searching functions answer as Go's (byte indexes). */
static void test_strings_search(void **state)
{
    assert_true(CALL("strings", "Contains", S("seafood"), S("foo")) == V_TRUE);
    assert_true(CALL("strings", "Contains", S("seafood"), S("bar")) == V_FALSE);
    assert_true(CALL("strings", "Contains", S("x"), S("")) == V_TRUE);
    assert_true(CALL("strings", "ContainsRune", S("héllo"), I(0xe9)) == V_TRUE);
    assert_true(CALL("strings", "ContainsAny", S("failure"), S("ui")) == V_TRUE);
    assert_true(CALL("strings", "ContainsAny", S("foo"), S("")) == V_FALSE);
    assert_true(CALL("strings", "HasPrefix", S("golang"), S("go")) == V_TRUE);
    assert_true(CALL("strings", "HasSuffix", S("golang"), S("ng")) == V_TRUE);
    assert_true(CALL("strings", "HasSuffix", S("g"), S("ng")) == V_FALSE);
    assert_string_equal(V(CALL("strings", "Index", S("chicken"), S("ken"))), "4");
    assert_string_equal(V(CALL("strings", "Index", S("chicken"), S("dmr"))), "-1");
    assert_string_equal(V(CALL("strings", "Index", S("héllo"), S("l"))), "3");
    assert_string_equal(V(CALL("strings", "LastIndex", S("go gopher"), S("go"))), "3");
    assert_string_equal(V(CALL("strings", "LastIndex", S("go"), S(""))), "2");
    assert_string_equal(V(CALL("strings", "IndexByte", S("golang"), I('l'))), "2");
    assert_string_equal(V(CALL("strings", "IndexRune", S("chicken"), I('k'))), "4");
    assert_string_equal(V(CALL("strings", "IndexAny", S("golang"), S("ny"))), "4");
    assert_string_equal(V(CALL("strings", "Count", S("cheese"), S("e"))), "3");
    assert_string_equal(V(CALL("strings", "Count", S("five"), S(""))), "5");
    assert_string_equal(V(CALL("strings", "Count", S("aaaa"), S("aa"))), "2");
    assert_true(CALL("strings", "EqualFold", S("Go"), S("GO")) == V_TRUE);
    assert_string_equal(V(CALL("strings", "Compare", S("a"), S("b"))), "-1");
}

/* Test that Replace and ReplaceAll honour n and an empty old string. */
static void test_strings_replace(void **state)
{
    assert_string_equal(V(CALL("strings", "Replace", S("oink oink oink"), S("k"), S("ky"), I(2))),
                        "oinky oinky oink");
    assert_string_equal(V(CALL("strings", "Replace", S("oink oink oink"), S("oink"), S("moo"), I(-1))),
                        "moo moo moo");
    assert_string_equal(V(CALL("strings", "ReplaceAll", S("abc"), S(""), S("-"))), "-a-b-c-");
    assert_string_equal(V(CALL("strings", "ReplaceAll", S("日本"), S(""), S("|"))), "|日|本|");
    Value s = S("unchanged");
    assert_true(CALL("strings", "ReplaceAll", s, S("zz"), S("y")) == s);
}

/* Test that ToUpper/ToLower map Unicode letters too, and that the Trim
 * family trims as Go's. */
static void test_strings_case_and_trim(void **state)
{
    assert_string_equal(V(CALL("strings", "ToUpper", S("Hello, wörld é"))), "HELLO, WÖRLD É");
    assert_string_equal(V(CALL("strings", "ToLower", S("ÀB C"))), "àb c");
    assert_string_equal(Q(CALL("strings", "ToUpper", v_from_ptr(str_new("a\xff", 2)))), "\"A\uFFFD\"");
    assert_string_equal(V(CALL("strings", "TrimSpace", S("  \t hi there \n"))), "hi there");
    assert_string_equal(V(CALL("strings", "TrimSpace", S("\u00a0x\u3000"))), "x");
    assert_string_equal(V(CALL("strings", "Trim", S("xxhixx"), S("x"))), "hi");
    assert_string_equal(V(CALL("strings", "Trim", S("¡¡¡Hello, Gophers!!!"), S("!¡"))), "Hello, Gophers");
    assert_string_equal(V(CALL("strings", "TrimLeft", S("xxhixx"), S("x"))), "hixx");
    assert_string_equal(V(CALL("strings", "TrimRight", S("xxhixx"), S("x"))), "xxhi");
    assert_string_equal(V(CALL("strings", "TrimPrefix", S("prefix-body"), S("prefix-"))), "body");
    assert_string_equal(V(CALL("strings", "TrimSuffix", S("a.go"), S(".go"))), "a");
    assert_string_equal(V(CALL("strings", "TrimSuffix", S("a.go"), S(".c"))), "a.go");
}

/* Test that Repeat repeats, and panics for a negative or absurd count as
 * Go does. */
static void test_strings_repeat(void **state)
{
    assert_string_equal(V(CALL("strings", "Repeat", S("ab"), I(3))), "ababab");
    assert_string_equal(Q(CALL("strings", "Repeat", S("x"), I(0))), "\"\"");
    assert_int_equal(v_str(CALL("strings", "Repeat", S("abc"), I(1000)))->len, 3000);
    CALL("strings", "Repeat", S("x"), I(-1));
    expect_panic("strings: negative Repeat count");
    /* Go's two limits: a length past MaxInt overflows; one that fits an
     * int but not the largest block is make's "len out of range". */
    CALL("strings", "Repeat", S("xy"), I(INT64_MAX / 2 + 1));
    expect_panic("strings: Repeat output length overflow");
    CALL("strings", "Repeat", S("xy"), I(INT64_MAX / 2));
    expect_panic("runtime error: makeslice: len out of range");
    CALL("strings", "Repeat", I(1), I(2));
    expect_panic("runtime error: strings.Repeat: argument 1 must be string, not int");
}

/* Test that strings.Builder's writes return Go's results, that String,
 * Len and Reset work, that growth stays amortised over many writes, and
 * that fmt.Fprintf writes into a Builder. */
static void test_strings_builder(void **state)
{
    Value sb = callv("strings", "Builder", 0, NULL);
    assert_string_equal(V(CALL(NULL, "type", sb)), "strings.Builder");
    METHOD(sb, "WriteString", S("abc"));
    assert_int_equal(nrets, 2);
    assert_string_equal(V(rets[0]), "3");
    assert_true(rets[1] == V_NIL);
    assert_true(METHOD(sb, "WriteByte", I('d')) == V_NIL);
    METHOD(sb, "WriteRune", I(0x4e16));
    assert_string_equal(V(rets[0]), "3");
    assert_string_equal(V(METHOD(sb, "String")), "abcd世");
    assert_string_equal(V(METHOD(sb, "Len")), "7");
    METHOD(sb, "Reset");
    assert_string_equal(V(METHOD(sb, "Len")), "0");
    assert_string_equal(Q(METHOD(sb, "String")), "\"\"");
    METHOD(sb, "Grow", I(-1));
    expect_panic("strings.Builder.Grow: negative count");
    METHOD(sb, "WriteString", I(5));
    expect_panic("runtime error: strings.Builder.WriteString: argument 1 must be string, not int");

    for (int i = 0; i < 100000; i++)
        METHOD(sb, "WriteString", S("xy"));
    assert_string_equal(V(METHOD(sb, "Len")), "200000");
    int64_t cap = v_anyint(METHOD(sb, "Cap"));
    assert_true(cap >= 200000 && cap < 800000);
    assert_int_equal(v_str(METHOD(sb, "String"))->len, 200000);

    /* fmt.Fprintf writes into a Builder, as into any io.Writer in Go. */
    Value sb2 = callv("strings", "Builder", 0, NULL);
    CALL("fmt", "Fprintf", sb2, S("%d-%s"), I(7), S("x"));
    expect_no_panic();
    CALL("fmt", "Fprintln", sb2, S("!"));
    assert_string_equal(Q(METHOD(sb2, "String")), "\"7-x!\\n\"");
}

/* ====================================================================== */
/* strconv                                                                 */
/* ====================================================================== */

/* Test that Atoi, ParseInt, Itoa and FormatInt give Go's values and Go's
 * error messages. */
static void test_strings_strconv_ints(void **state)
{
    CALL("strconv", "Atoi", S("42"));
    assert_int_equal(nrets, 2);
    assert_string_equal(V(rets[0]), "42");
    assert_string_equal(err_text(rets[1]), "nil");
    CALL("strconv", "Atoi", S("-17"));
    assert_string_equal(V(rets[0]), "-17");
    CALL("strconv", "Atoi", S("x"));
    assert_string_equal(V(rets[0]), "0");
    assert_string_equal(err_text(rets[1]), "strconv.Atoi: parsing \"x\": invalid syntax");
    CALL("strconv", "Atoi", S(""));
    assert_string_equal(err_text(rets[1]), "strconv.Atoi: parsing \"\": invalid syntax");
    CALL("strconv", "Atoi", S("99999999999999999999"));
    assert_string_equal(V(rets[0]), "9223372036854775807");
    assert_string_equal(err_text(rets[1]),
                        "strconv.Atoi: parsing \"99999999999999999999\": value out of range");
    CALL("strconv", "Atoi", S("1_000"));
    assert_string_equal(err_text(rets[1]), "strconv.Atoi: parsing \"1_000\": invalid syntax");
    CALL("strconv", "ParseInt", S("-ff"), I(16), I(64));
    assert_string_equal(V(rets[0]), "-255");
    CALL("strconv", "ParseInt", S("0x1_F"), I(0), I(64));
    assert_string_equal(V(rets[0]), "31");
    assert_string_equal(err_text(rets[1]), "nil");
    CALL("strconv", "ParseInt", S("300"), I(10), I(8));
    assert_string_equal(V(rets[0]), "127");
    assert_string_equal(err_text(rets[1]), "strconv.ParseInt: parsing \"300\": value out of range");
    CALL("strconv", "ParseInt", S("1"), I(1), I(64));
    assert_string_equal(err_text(rets[1]), "strconv.ParseInt: parsing \"1\": invalid base 1");
    CALL("strconv", "ParseInt", S("1"), I(10), I(65));
    assert_string_equal(err_text(rets[1]), "strconv.ParseInt: parsing \"1\": invalid bit size 65");
    assert_string_equal(V(CALL("strconv", "Itoa", I(-7))), "-7");
    assert_string_equal(V(CALL("strconv", "FormatInt", I(255), I(2))), "11111111");
    assert_string_equal(V(CALL("strconv", "FormatInt", I(-255), I(16))), "-ff");
    assert_string_equal(V(CALL("strconv", "FormatInt", I(35), I(36))), "z");
    CALL("strconv", "FormatInt", I(1), I(1));
    expect_panic("strconv: illegal AppendInt/FormatInt base");
}

/* Test that ParseFloat, FormatFloat, ParseBool, Quote and Unquote behave as
 * Go's. */
static void test_strings_strconv_floats_and_more(void **state)
{
    CALL("strconv", "ParseFloat", S("2.5"), I(64));
    assert_string_equal(V(rets[0]), "2.5");
    assert_string_equal(err_text(rets[1]), "nil");
    CALL("strconv", "ParseFloat", S("-Inf"), I(64));
    assert_string_equal(V(rets[0]), "-Inf");
    CALL("strconv", "ParseFloat", S("0x1p-2"), I(64));
    assert_string_equal(V(rets[0]), "0.25");
    CALL("strconv", "ParseFloat", S("1e400"), I(64));
    assert_string_equal(V(rets[0]), "+Inf");
    assert_string_equal(err_text(rets[1]), "strconv.ParseFloat: parsing \"1e400\": value out of range");
    CALL("strconv", "ParseFloat", S("1.5x"), I(64));
    assert_string_equal(err_text(rets[1]), "strconv.ParseFloat: parsing \"1.5x\": invalid syntax");
    CALL("strconv", "ParseFloat", S("0.1"), I(32));
    assert_string_equal(V(rets[0]), "0.10000000149011612");
    assert_string_equal(V(CALL("strconv", "FormatFloat", F(3.14159), I('f'), I(2), I(64))), "3.14");
    assert_string_equal(V(CALL("strconv", "FormatFloat", F(3.14159), S("e"), I(-1), I(64))), "3.14159e+00");
    assert_string_equal(V(CALL("strconv", "FormatFloat", F(0.1), I('g'), I(-1), I(32))), "0.1");
    CALL("strconv", "FormatFloat", F(1), I('g'), I(-1), I(16));
    expect_panic("strconv: illegal AppendFloat/FormatFloat bitSize");
    CALL("strconv", "ParseBool", S("true"));
    assert_true(rets[0] == V_TRUE && rets[1] == V_NIL);
    CALL("strconv", "ParseBool", S("F"));
    assert_true(rets[0] == V_FALSE && rets[1] == V_NIL);
    CALL("strconv", "ParseBool", S("yes"));
    assert_string_equal(err_text(rets[1]), "strconv.ParseBool: parsing \"yes\": invalid syntax");
    assert_string_equal(V(CALL("strconv", "FormatBool", V_TRUE)), "true");
    assert_string_equal(V(CALL("strconv", "Quote", S("hi\n\"é\""))), "\"hi\\n\\\"é\\\"\"");
    assert_string_equal(V(CALL("strconv", "QuoteToASCII", S("é"))), "\"\\u00e9\"");
    assert_string_equal(V(CALL("strconv", "QuoteRune", I('\''))), "'\\''");
    CALL("strconv", "Unquote", S("\"a\\tb\\u00e9\""));
    assert_string_equal(V(rets[0]), "a\tbé");
    assert_string_equal(err_text(rets[1]), "nil");
    CALL("strconv", "Unquote", S("`raw\\n`"));
    assert_string_equal(V(rets[0]), "raw\\n");
    CALL("strconv", "Unquote", S("\"open"));
    assert_string_equal(err_text(rets[1]), "invalid syntax");
}

/* ====================================================================== */
/* conversions and other built-ins                                         */
/* ====================================================================== */

/* Test that int() and float() convert and parse, panic clearly otherwise,
 * that the sized conversions wrap as Go's, and that floats out of an
 * integer type's range convert as Go's do on amd64. */
static void test_strings_builtin_numbers(void **state)
{
    assert_string_equal(V(CALL(NULL, "int", S("42"))), "42");
    assert_string_equal(V(CALL(NULL, "int", S("-17"))), "-17");
    assert_string_equal(V(CALL(NULL, "int", F(3.9))), "3");
    assert_string_equal(V(CALL(NULL, "int", F(-3.9))), "-3");
    assert_string_equal(V(CALL(NULL, "type", CALL(NULL, "int", F(3.9)))), "int");
    CALL(NULL, "int", S("x"));
    expect_panic("strconv.Atoi: parsing \"x\": invalid syntax");
    CALL(NULL, "int", S("1e3"));
    expect_panic("strconv.Atoi: parsing \"1e3\": invalid syntax");
    CALL(NULL, "int", V_TRUE);
    expect_panic("runtime error: cannot convert true (type bool) to int");
    /* out of range: what Go's conversion gives on amd64 */
    assert_string_equal(V(CALL(NULL, "int", F(INFINITY))), "-9223372036854775808");
    assert_string_equal(V(CALL(NULL, "int", F(NAN))), "-9223372036854775808");
    assert_string_equal(V(CALL(NULL, "int32", F(1e10))), "-2147483648");
    assert_string_equal(V(CALL(NULL, "int8", F(1e10))), "0");
    assert_string_equal(V(CALL(NULL, "uint32", F(1e10))), "1410065408");
    assert_string_equal(V(CALL(NULL, "float32", F(0.1))), "0.10000000149011612");
    assert_string_equal(V(CALL(NULL, "float", I(3))), "3");
    assert_string_equal(V(CALL(NULL, "type", CALL(NULL, "float", I(3)))), "float");
    assert_string_equal(V(CALL(NULL, "float", S("2.5"))), "2.5");
    assert_string_equal(V(CALL(NULL, "float", S("1e3"))), "1000");
    CALL(NULL, "float", S("abc"));
    expect_panic("strconv.ParseFloat: parsing \"abc\": invalid syntax");
    CALL(NULL, "float", V_NIL);
    expect_panic("runtime error: cannot convert <nil> (type nil) to float");
    assert_string_equal(V(CALL(NULL, "int8", I(200))), "-56");
    assert_string_equal(V(CALL(NULL, "byte", I(300))), "44");
    assert_string_equal(V(CALL(NULL, "uint8", I(-1))), "255");
    assert_string_equal(V(CALL(NULL, "uint32", I(-1))), "4294967295");
    assert_string_equal(V(CALL(NULL, "int32", I(INT64_C(1) << 31))), "-2147483648");
    assert_string_equal(V(CALL(NULL, "rune", S("65"))), "65");
    assert_string_equal(V(CALL(NULL, "float64", I(2))), "2");
    assert_string_equal(V(CALL(NULL, "int64", F(1e18))), "1000000000000000000");
}

/* Test that string() makes strings of runes, strings and byte or rune
 * lists, and that str() is fmt.Sprint. */
static void test_strings_builtin_string_str(void **state)
{
    assert_string_equal(V(CALL(NULL, "string", I(72))), "H");
    assert_string_equal(V(CALL(NULL, "string", I(0x4e16))), "世");
    assert_string_equal(V(CALL(NULL, "string", I(128512))), "😀");
    assert_string_equal(V(CALL(NULL, "string", I(-1))), "\uFFFD");
    assert_string_equal(V(CALL(NULL, "string", I(0xD800))), "\uFFFD");
    Value s = S("same");
    assert_true(CALL(NULL, "string", s) == s);
    assert_string_equal(V(CALL(NULL, "string", L(2, I(104), I(105)))), "hi");
    assert_string_equal(V(CALL(NULL, "string", L(2, I(0xc3), I(0xa9)))), "é");     /* []byte */
    assert_string_equal(V(CALL(NULL, "string", L(2, I(0xe9), I(0x4e16)))), "é世"); /* []rune */
    CALL(NULL, "string", F(1.5));
    expect_panic("runtime error: cannot convert 1.5 (type float) to string");
    assert_string_equal(V(CALL(NULL, "str", I(42))), "42");
    assert_string_equal(V(CALL(NULL, "str", F(-1.5))), "-1.5");
    assert_string_equal(V(CALL(NULL, "str", V_NIL)), "<nil>");
    assert_string_equal(V(CALL(NULL, "str", L(2, I(1), L(1, I(2))))), "[1 [2]]");
    assert_true(CALL(NULL, "str", s) == s);
}

/* Test that len, cap, append, copy, delete, make, new, min, max and type
 * behave as LANGUAGE.md and Go say. */
static void test_strings_builtin_containers(void **state)
{
    assert_string_equal(V(CALL(NULL, "len", S("héllo"))), "6");
    assert_string_equal(V(CALL(NULL, "len", V_NIL)), "0");
    assert_string_equal(V(CALL(NULL, "len", L(3, I(1), I(2), I(3)))), "3");
    CALL(NULL, "len", I(5));
    expect_panic("runtime error: invalid argument: 5 (type int) for built-in len");

    Value xs = L(0);
    Value ys = CALL(NULL, "append", xs, I(1), I(2));
    assert_true(ys != xs); /* Go's append: a new slice, xs unchanged */
    assert_string_equal(V(xs), "[]");
    assert_string_equal(V(ys), "[1 2]");
    xs = ys;
    assert_string_equal(V(CALL(NULL, "append", V_NIL, I(7))), "[7]");
    assert_true(CALL(NULL, "append", V_NIL) == V_NIL);
    CALL(NULL, "append", S("s"), I(1));
    expect_panic("runtime error: first argument to append must be a list, not string");
    assert_true(v_anyint(CALL(NULL, "cap", xs)) >= 2);

    Value dst = L(3, I(0), I(0), I(0));
    assert_string_equal(V(CALL(NULL, "copy", dst, L(2, I(8), I(9)))), "2");
    assert_string_equal(V(dst), "[8 9 0]");
    assert_string_equal(V(CALL(NULL, "copy", dst, S("hey!"))), "3");
    assert_string_equal(V(dst), "[104 101 121]");

    Value m = callv(NULL, "make", 1, (Value[]){S("map[string]int")});
    assert_string_equal(V(m), "map[]");
    map_set(v_map(m), S("a"), I(1));
    map_set(v_map(m), S("b"), I(2));
    CALL(NULL, "delete", m, S("a"));
    assert_string_equal(V(m), "map[b:2]");
    CALL(NULL, "delete", V_NIL, S("a"));
    expect_no_panic();

    assert_string_equal(V(CALL(NULL, "make", S("[]int"), I(3))), "[0 0 0]");
    assert_string_equal(Q(CALL(NULL, "make", S("[]string"), I(2), I(5))), "[\"\" \"\"]");
    assert_string_equal(V(CALL(NULL, "cap", rets[0])), "5");
    assert_string_equal(V(CALL(NULL, "make", S("[]float64"), I(1))), "[0]");
    assert_string_equal(
        V(CALL(NULL, "type", v_list(CALL(NULL, "make", S("[]float64"), I(1)))->store->items[0])), "float");
    assert_string_equal(V(CALL(NULL, "make", S("[][]int"), I(2))),
                        "[[] []]"); /* nil slices, as Go prints them */
    CALL(NULL, "make", S("[]int"), I(-1));
    expect_panic("runtime error: makeslice: len out of range");
    CALL(NULL, "make", S("[]int"), I(3), I(1));
    expect_panic("runtime error: makeslice: cap out of range");
    CALL(NULL, "make", S("int"));
    expect_panic("runtime error: cannot make \"int\": make takes a slice, map or channel type");
    Value np = CALL(NULL, "new", S("string")); /* a pointer to a new "" */
    assert_true(v_is_ref(np));
    assert_string_equal(Q(*ref_slot(np)), "\"\"");
    assert_string_equal(V(CALL(NULL, "new", S("strings.Builder"))), "{}");

    assert_string_equal(V(CALL(NULL, "min", I(3), I(1), I(2))), "1");
    assert_string_equal(V(CALL(NULL, "max", I(1), F(2.5))), "2.5");
    assert_string_equal(V(CALL(NULL, "max", I(3), F(2.5))), "3");
    assert_string_equal(V(CALL(NULL, "min", S("b"), S("a"), S("c"))), "a");
    assert_string_equal(V(CALL(NULL, "max", F(1), F(NAN))), "NaN");
    CALL(NULL, "min", I(1), S("a"));
    expect_panic("runtime error: invalid argument: min mixes int and string");

    assert_string_equal(V(CALL(NULL, "type", F(1.5))), "float");
    assert_string_equal(V(CALL(NULL, "type", V_NIL)), "nil");
    assert_string_equal(V(CALL(NULL, "type", m)), "map");
    assert_string_equal(V(CALL(NULL, "type", I(INT64_MAX))), "int");
}

/* Test that math functions take ints, return floats and keep Go's special
 * cases, and that constants have the right kind. */
static void test_strings_math(void **state)
{
    assert_string_equal(V(CALL("math", "Sqrt", I(16))), "4");
    assert_string_equal(V(CALL(NULL, "type", CALL("math", "Abs", I(-3)))), "float");
    assert_string_equal(V(CALL("math", "Pow", I(2), I(10))), "1024");
    assert_string_equal(V(CALL("math", "Floor", F(-2.5))), "-3");
    assert_string_equal(V(CALL("math", "Round", F(2.5))), "3");
    assert_string_equal(V(CALL("math", "Trunc", F(-2.7))), "-2");
    assert_string_equal(V(CALL("math", "Max", F(1), F(NAN))), "NaN");
    assert_string_equal(V(CALL("math", "Min", F(-0.0), F(0.0))), "-0");
    assert_string_equal(V(CALL("math", "Inf", I(-1))), "-Inf");
    assert_true(CALL("math", "IsInf", F(INFINITY), I(0)) == V_TRUE);
    assert_true(CALL("math", "IsNaN", CALL("math", "NaN")) == V_TRUE);
    assert_string_equal(V(CALL("math", "Mod", F(7), F(-3))), "1");
    CALL("math", "Sqrt", S("4"));
    expect_panic("runtime error: math.Sqrt: argument 1 must be number, not string");
    Value m, v;
    assert_true(rt_universe_get(rt, "math", &m));
    assert_true(map_get_cstr(((ObjModule *)v_ptr(m))->members, "MaxInt", &v));
    assert_string_equal(V(v), "9223372036854775807");
    assert_true(map_get_cstr(((ObjModule *)v_ptr(m))->members, "Pi", &v));
    assert_string_equal(V(v), "3.141592653589793");
    assert_true(rt_universe_get(rt, "time", &m));
    assert_true(map_get_cstr(((ObjModule *)v_ptr(m))->members, "Millisecond", &v));
    assert_string_equal(V(v), "1000000");
}

/* Test that errors.New/Is compare by identity, and that os's file errors
 * carry Go's texts. */
static void test_strings_errors_and_os(void **state)
{
    Value e1 = CALL("errors", "New", S("boom"));
    Value e2 = CALL("errors", "New", S("boom"));
    assert_string_equal(V(e1), "boom");
    assert_true(CALL("errors", "Is", e1, e1) == V_TRUE);
    assert_true(CALL("errors", "Is", e1, e2) == V_FALSE); /* identity, as Go */
    assert_true(CALL("errors", "Is", V_NIL, V_NIL) == V_TRUE);
    CALL("os", "ReadFile", S("/nonexistent/x.txt"));
    assert_int_equal(nrets, 2);
    assert_string_equal(err_text(rets[1]), "open /nonexistent/x.txt: no such file or directory");
    CALL("os", "ReadFile", S("/"));
    assert_string_equal(err_text(rets[1]), "read /: is a directory");
    char path[] = "/tmp/csp_test_strings_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_true(CALL("os", "WriteFile", S(path), S("line1\nline2")) == V_NIL);
    CALL("os", "ReadFile", S(path));
    assert_string_equal(Q(rets[0]), "\"line1\\nline2\"");
    assert_true(rets[1] == V_NIL);
    assert_true(CALL("os", "Remove", S(path)) == V_NIL);
    CALL("os", "Remove", S(path));
    assert_non_null(strstr(err_text(rets[0]), ": no such file or directory"));
    assert_string_equal(Q(CALL("os", "Getenv", S("CSP_SURELY_UNSET_VARIABLE"))), "\"\"");
    Value os, osargs;
    assert_true(rt_universe_get(rt, "os", &os));
    osargs = module_get(v_ptr(os), "Args"); /* a package variable: its value */
    assert_string_equal(V(osargs), "[test_strings]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_split),
        cmocka_unit_test(test_strings_join),
        cmocka_unit_test(test_strings_search),
        cmocka_unit_test(test_strings_replace),
        cmocka_unit_test(test_strings_case_and_trim),
        cmocka_unit_test(test_strings_repeat),
        cmocka_unit_test(test_strings_builder),
        cmocka_unit_test(test_strings_strconv_ints),
        cmocka_unit_test(test_strings_strconv_floats_and_more),
        cmocka_unit_test(test_strings_builtin_numbers),
        cmocka_unit_test(test_strings_builtin_string_str),
        cmocka_unit_test(test_strings_builtin_containers),
        cmocka_unit_test(test_strings_math),
        cmocka_unit_test(test_strings_errors_and_os),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
