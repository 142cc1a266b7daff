/* test_parse.c — unit tests of the lexer and parser (lang/lexer.re,
 * lang/grammar.y, lang/parse.c, lang/ast.c).
 *
 * Most tests parse a snippet and compare the one-line dump of its
 * top-level statements (ast_dump with indent -1, statements joined by
 * "; ") against the expected tree; error tests compare the diagnostics as
 * "line:col: message" lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gc/gc.h>

#include "grammar.h"
#include "lang/parse.h"

/* ---------------------------------------------------------------- helpers */

typedef struct Buf {
    char *p;
    size_t n, cap;
} Buf;

static void buf_put(const char *s, void *ctx)
{
    Buf *b = ctx;
    size_t n = strlen(s);
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = GC_MALLOC_ATOMIC(cap);
        if (b->n)
            memcpy(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n + 1);
    b->n += n;
}

typedef struct Result {
    Node *file;
    int nerrors;
    char *errors; /* "line:col: message" lines */
} Result;

static Result parse_n(const char *src, size_t len)
{
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    Diag d;
    diag_init(&d, "t.csp", src, len, f);
    Result r = {parse_program(src, len, &d), d.nerrors, NULL};
    fclose(f);
    /* Keep only the message lines, without the file name. */
    Buf out = {0};
    buf_put("", &out);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "t.csp:", 6) != 0)
            continue;
        char *e = strstr(line, ": error: ");
        if (!e)
            continue;
        *e = 0;
        buf_put(line + 6, &out);
        buf_put(": ", &out);
        buf_put(e + 9, &out);
        buf_put("\n", &out);
    }
    free(text);
    r.errors = out.p;
    return r;
}

static Result parse(const char *src)
{
    return parse_n(src, strlen(src));
}

static const char *dump(const Node *n)
{
    Buf b = {0};
    buf_put("", &b);
    ast_dump(n, -1, buf_put, &b);
    return b.p;
}

/* The top-level statements of src, dumped and joined by "; ". Fails the
 * test if src has errors. */
static const char *stmts(const char *src)
{
    Result r = parse(src);
    if (!r.file)
        fail_msg("unexpected errors in %s:\n%s", src, r.errors);
    Buf b = {0};
    buf_put("", &b);
    for (int i = 0; i < r.file->list.n; i++) {
        if (i)
            buf_put("; ", &b);
        buf_put(dump(r.file->list.items[i]), &b);
    }
    return b.p;
}

#define assert_tree(src, want) assert_string_equal(stmts(src), want)

/* The first expression: src is `x := <expr>`. */
static Node *expr_of(const char *src)
{
    Result r = parse(src);
    if (!r.file)
        fail_msg("unexpected errors in %s:\n%s", src, r.errors);
    assert_int_equal(r.file->list.n, 1);
    assert_int_equal(r.file->list.items[0]->kind, N_DEFINE);
    return r.file->list.items[0]->list2.items[0];
}

#define assert_errors(src, want)                                                                             \
    do {                                                                                                     \
        Result r_ = parse(src);                                                                              \
        assert_null(r_.file);                                                                                \
        assert_string_equal(r_.errors, want);                                                                \
    } while (0)

/* ------------------------------------------------------------ semicolons */

/* Test that a newline ends a statement after a name, literal, closing
 * bracket, return/break/continue and ++/--, and nowhere else. */
static void test_parse_semicolon_insertion(void **state)
{
    assert_tree("x := 1\ny := 2", "(DEFINE (IDENT x) = (INT 1)); (DEFINE (IDENT y) = (INT 2))");
    assert_tree("x := 1 +\n  2", "(DEFINE (IDENT x) = (BINARY + (INT 1) (INT 2)))");
    assert_tree("f(1,\n  2,\n)", "(EXPRSTMT (CALL (IDENT f) (INT 1) (INT 2)))");
    assert_tree("x++\ny--", "(INCDEC ++ (IDENT x)); (INCDEC -- (IDENT y))");
    assert_tree("for {\n\tbreak\n}", "(FOR body:(BLOCK (BREAK)))");
    assert_tree("x := 1; y := 2;", "(DEFINE (IDENT x) = (INT 1)); (DEFINE (IDENT y) = (INT 2))");
    assert_tree("func f() {\n\treturn\n}", "(FUNCDECL f () (BLOCK (RETURN)))");
    /* A comment spanning lines acts as a newline; a one-line one does not. */
    assert_tree("x := 1 /* a\nb */ y := 2", "(DEFINE (IDENT x) = (INT 1)); (DEFINE (IDENT y) = (INT 2))");
    assert_tree("x := /* c */ 1 // d\n", "(DEFINE (IDENT x) = (INT 1))");
    /* The last statement before `}` or the end needs no terminator. */
    assert_tree("{ a(); b() }", "(BLOCK (EXPRSTMT (CALL (IDENT a))) (EXPRSTMT (CALL (IDENT b))))");
    assert_tree("x := 1", "(DEFINE (IDENT x) = (INT 1))");
    assert_tree("", "");
    assert_tree("\n\n// only a comment\n", "");
}

/* --------------------------------------------------------------- literals */

/* Test that every integer literal form gets its value. */
static void test_parse_int_literals(void **state)
{
    static const struct {
        const char *src;
        int64_t v;
    } cases[] = {
        {"x := 42", 42},
        {"x := 0x2A", 42},
        {"x := 0X2a", 42},
        {"x := 0b101", 5},
        {"x := 0o17", 15},
        {"x := 0644", 420},
        {"x := 1_000_000", 1000000},
        {"x := 0", 0},
        {"x := 0x_FF", 255},
        {"x := 9223372036854775807", INT64_MAX},
        {"x := -9223372036854775808", INT64_MIN},
        {"x := 'a'", 97},
        {"x := '\\n'", 10},
        {"x := '\xc3\xa9'", 0xe9},
        {"x := '\\u00e9'", 0xe9},
        {"x := '\\x41'", 0x41},
        {"x := '\\''", 39},
        {"x := '\\101'", 65},
        {"x := '\\U0001F600'", 0x1F600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Node *e = expr_of(cases[i].src);
        assert_int_equal(e->kind, N_INT);
        if (e->ival != cases[i].v)
            fail_msg("%s: got %lld", cases[i].src, (long long)e->ival);
    }
}

/* Test that every float literal form gets its value. */
static void test_parse_float_literals(void **state)
{
    static const struct {
        const char *src;
        double v;
    } cases[] = {
        {"x := 3.14", 3.14}, {"x := 1e9", 1e9},       {"x := .5", 0.5},      {"x := 1_000.5", 1000.5},
        {"x := 1.", 1.0},    {"x := 2.5E-3", 2.5e-3}, {"x := 0x1p-2", 0.25}, {"x := -1.5", -1.5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Node *e = expr_of(cases[i].src);
        assert_int_equal(e->kind, N_FLOAT);
        if (e->fval != cases[i].v)
            fail_msg("%s: got %g", cases[i].src, e->fval);
    }
}

/* Test that string escapes decode, and that raw strings keep backslashes,
 * span lines and lose their carriage returns. */
static void test_parse_string_literals(void **state)
{
    Node *e = expr_of("x := \"a\\tb\\n\\\"\\\\\\u00e9\\U0001F600\\x41\\a\\b\\f\\r\\v\\'\\101\"");
    assert_int_equal(e->kind, N_STRING);
    const char want[] = "a\tb\n\"\\\xc3\xa9\xf0\x9f\x98\x80"
                        "A\a\b\f\r\v'A";
    assert_int_equal(e->len, sizeof want - 1);
    assert_memory_equal(e->str, want, sizeof want - 1);

    e = expr_of("x := `a\\n\r\nb`");
    assert_int_equal(e->len, 5);
    assert_memory_equal(e->str, "a\\n\nb", 5);

    /* NUL bytes and malformed UTF-8 are errors even inside literals and
     * comments, as in Go; bytes can still be written as escapes. */
    static const char nul[] = "x := \"a\0b\"";
    Result r = parse_n(nul, sizeof nul - 1);
    assert_null(r.file);
    assert_string_equal(r.errors, "1:8: invalid NUL character\n");
    assert_errors("x := \"caf\xe9\xff\"", "1:10: invalid UTF-8 encoding\n");
    assert_errors("x := `\n\xed\xa0\x80`", "2:1: invalid UTF-8 encoding\n");
    assert_errors("x := '\xff'", "1:7: invalid UTF-8 encoding\n");
    assert_errors("// \xc3\n", "1:4: invalid UTF-8 encoding\n");
    assert_errors("/*\n\xc0\xaf */", "2:1: invalid UTF-8 encoding\n");
    e = expr_of("x := \"\\xff\\x00\xc3\xa9\" // \xe2\x82\xac");
    assert_int_equal(e->len, 4);
    assert_memory_equal(e->str, "\xff\0\xc3\xa9", 4);

    assert_tree("x := \"\"", "(DEFINE (IDENT x) = (STRING \"\"))");
    assert_tree("x := nil == true != false",
                "(DEFINE (IDENT x) = (BINARY != (BINARY == (NIL) (TRUE)) (FALSE)))");
}

/* Test that malformed literals are reported in Go's words. */
static void test_parse_literal_errors(void **state)
{
    /* Literals past int64 or float64 are untyped constants: the compiler
     * computes them exactly and reports one that does not fit its use. */
    assert_string_equal(expr_of("x := 99999999999999999999")->str, "99999999999999999999");
    assert_int_equal(expr_of("x := 1e400")->kind, N_FLOAT);
    assert_errors("x := \"\\q\"", "1:7: invalid escape sequence\n");
    assert_errors("x := \"\\uD800\"", "1:7: escape is invalid Unicode code point U+D800\n");
    assert_errors("x := \"\\400\"", "1:7: octal escape value 256 > 255\n");
    assert_errors("x := 'ab'", "1:6: more than one character in rune literal\n");
    assert_errors("x := ''", "1:6: empty rune literal or unescaped ' in rune literal\n");
    assert_errors("x := 09", "1:7: invalid digit '9' in octal literal\n");
    assert_errors("x := 0x", "1:6: hexadecimal literal has no digits\n");
    assert_errors("x := 1__0", "1:6: '_' must separate successive digits\n");
    assert_errors("x := \"abc\ny := 1", "1:10: newline in string\n");
    assert_errors("x := @1", "1:6: invalid character U+0040 '@'\n");
}

/* ------------------------------------------------------------- statements */

/* Test the declaration and assignment forms. */
static void test_parse_declarations(void **state)
{
    assert_tree("a, b := f()", "(DEFINE (IDENT a) (IDENT b) = (CALL (IDENT f)))");
    assert_tree("a, b = b, a", "(ASSIGN = (IDENT a) (IDENT b) = (IDENT b) (IDENT a))");
    assert_tree("var x = 1", "(VAR (IDENT x) = (INT 1))");
    assert_tree("var x", "(VAR (IDENT x))");
    assert_tree("var a, b = 1, 2", "(VAR (IDENT a) (IDENT b) = (INT 1) (INT 2))");
    assert_tree("var mu sync.Mutex", "(VAR type=sync.Mutex (IDENT mu))");
    assert_tree("var n int", "(VAR type=int (IDENT n))");
    assert_tree("var x float64 = 1", "(VAR type=float64 (IDENT x) = (INT 1))");
    assert_tree("var started, done sync.WaitGroup", "(VAR type=sync.WaitGroup (IDENT started) (IDENT done))");
    assert_tree("var (\n\ta = 1\n\tb string\n)\nc := 2",
                "(VAR (IDENT a) = (INT 1)); (VAR type=string (IDENT b)); (DEFINE (IDENT c) = (INT 2))");
    assert_tree("const N = 10", "(CONST (IDENT N) = (INT 10))");
    assert_tree("const ( A = 1; B = 2 )", "(CONST (IDENT A) = (INT 1)); (CONST (IDENT B) = (INT 2))");
    assert_tree("x += 1", "(ASSIGN += (IDENT x) = (INT 1))");
    assert_tree("x &^= 1", "(ASSIGN &^= (IDENT x) = (INT 1))");
    assert_tree("x <<= 1", "(ASSIGN <<= (IDENT x) = (INT 1))");
    assert_tree("m[\"k\"] = v", "(ASSIGN = (INDEX (IDENT m) (STRING \"k\")) = (IDENT v))");
    assert_tree("m.name = v", "(ASSIGN = (FIELD .name (IDENT m)) = (IDENT v))");
    assert_tree("ch <- v", "(SEND (IDENT ch) (IDENT v))");
    assert_tree("<-ch", "(EXPRSTMT (RECV (IDENT ch)))");
    assert_tree("{ x := 1 }", "(BLOCK (DEFINE (IDENT x) = (INT 1)))");
}

/* Test that const groups repeat the previous expression and count iota. */
static void test_parse_const_iota(void **state)
{
    assert_tree("const (\n\tA = iota\n\tB\n\tC\n)",
                "(CONST (IDENT A) = (INT 0)); (CONST (IDENT B) = (INT 1)); (CONST (IDENT C) = (INT 2))");
    assert_tree("const (\n\tKB = 1 << (10 * (iota + 1))\n\tMB\n)",
                "(CONST (IDENT KB) = (BINARY << (INT 1) (BINARY * (INT 10) (BINARY + (INT 0) (INT 1))))); "
                "(CONST (IDENT MB) = (BINARY << (INT 1) (BINARY * (INT 10) (BINARY + (INT 1) (INT 1)))))");
    assert_tree("const (\n\tA Color = iota\n\tB\n)",
                "(CONST type=Color (IDENT A) = (INT 0)); (CONST type=Color (IDENT B) = (INT 1))");
    assert_errors("const (\n\tA\n)", "2:2: missing init expr for const declaration\n");
}

/* Test the if, for and range forms. */
static void test_parse_if_for(void **state)
{
    assert_tree("if x { a() } else if y { b() } else { c() }",
                "(IF cond:(IDENT x) body:(BLOCK (EXPRSTMT (CALL (IDENT a)))) else:(IF cond:(IDENT y) "
                "body:(BLOCK (EXPRSTMT (CALL (IDENT b)))) else:(BLOCK (EXPRSTMT (CALL (IDENT c))))))");
    assert_tree(
        "if v, ok := m[k]; ok {}",
        "(IF init:(DEFINE (IDENT v) (IDENT ok) = (INDEX (IDENT m) (IDENT k))) cond:(IDENT ok) body:(BLOCK))");
    assert_tree("for i := 0; i < 10; i++ {}",
                "(FOR init:(DEFINE (IDENT i) = (INT 0)) cond:(BINARY < (IDENT i) (INT 10)) "
                "post:(INCDEC ++ (IDENT i)) body:(BLOCK))");
    assert_tree("for x < 10 {}", "(FOR cond:(BINARY < (IDENT x) (INT 10)) body:(BLOCK))");
    assert_tree("for {}", "(FOR body:(BLOCK))");
    assert_tree("for ;; {}", "(FOR body:(BLOCK))");
    assert_tree("for i, v := range xs {}",
                "(RANGE := key:(IDENT i) val:(IDENT v) x:(IDENT xs) body:(BLOCK))");
    assert_tree("for k := range m {}", "(RANGE := key:(IDENT k) x:(IDENT m) body:(BLOCK))");
    assert_tree("for i := range 10 {}", "(RANGE := key:(IDENT i) x:(INT 10) body:(BLOCK))");
    assert_tree("for range xs {}", "(RANGE = x:(IDENT xs) body:(BLOCK))");
    assert_tree("for k, v = range m {}", "(RANGE = key:(IDENT k) val:(IDENT v) x:(IDENT m) body:(BLOCK))");
    assert_tree("for _, x := range []int{1, 2} {}",
                "(RANGE := key:(IDENT _) val:(IDENT x) x:(LIST type=[]int (INT 1) (INT 2)) body:(BLOCK))");
    assert_errors("for a, b, c := range m {}",
                  "1:11: range clause permits at most two iteration variables\n");
}

/* Test switch with and without init and tag, case lists and default. */
static void test_parse_switch(void **state)
{
    assert_tree(
        "switch x := f(); x {\ncase 1, 2:\n\ta()\ndefault:\n}",
        "(SWITCH init:(DEFINE (IDENT x) = (CALL (IDENT f))) tag:(IDENT x) "
        "(CASE (INT 1) (INT 2) body:(BLOCK (EXPRSTMT (CALL (IDENT a))))) (CASE default body:(BLOCK)))");
    assert_tree("switch {\ncase x > 1:\n}", "(SWITCH (CASE (BINARY > (IDENT x) (INT 1)) body:(BLOCK)))");
    assert_tree("switch x {}", "(SWITCH tag:(IDENT x))");
    assert_tree("switch f(); {}", "(SWITCH init:(EXPRSTMT (CALL (IDENT f))))");
    assert_errors("switch { default: ; default: }", "1:21: multiple defaults in switch\n");
}

/* Test every select case form. */
static void test_parse_select(void **state)
{
    assert_tree(
        "select {\ncase v := <-a:\ncase v, ok := <-b:\ncase x = <-c:\ncase <-c:\ncase c <- x:\ndefault:\n}",
        "(SELECT (COMM recv := chan:(IDENT a) (IDENT v) body:(BLOCK)) "
        "(COMM recv := chan:(IDENT b) (IDENT v) (IDENT ok) body:(BLOCK)) "
        "(COMM recv = chan:(IDENT c) (IDENT x) body:(BLOCK)) "
        "(COMM recv chan:(IDENT c) body:(BLOCK)) "
        "(COMM send chan:(IDENT c) (IDENT x) body:(BLOCK)) "
        "(COMM default body:(BLOCK)))");
    assert_tree("select {}", "(SELECT)");
    assert_tree("select {\ncase <-time.After(100 * time.Millisecond):\n\treturn\n}",
                "(SELECT (COMM recv chan:(CALL (FIELD .After (IDENT time)) (BINARY * (INT 100) "
                "(FIELD .Millisecond (IDENT time)))) body:(BLOCK (RETURN))))");
    assert_errors("select { case x: }", "1:15: select case must be receive, send or assign recv\n");
}

/* Test labels, break and continue, and that a loop keeps its label. */
static void test_parse_labels(void **state)
{
    Result r = parse("outer:\n\tfor {\n\t\tselect {\n\t\tdefault:\n\t\t\tbreak outer\n\t\t}\n\t}");
    assert_non_null(r.file);
    Node *l = r.file->list.items[0];
    assert_int_equal(l->kind, N_LABELED);
    assert_string_equal(l->name, "outer");
    assert_int_equal(l->body->kind, N_FOR);
    assert_string_equal(l->body->label, "outer");
    assert_string_equal(dump(l), "(LABELED outer body:(FOR label=outer body:(BLOCK (SELECT (COMM default "
                                 "body:(BLOCK (BREAK outer)))))))");
    assert_tree("L: switch {}", "(LABELED L body:(SWITCH label=L))");
    assert_tree("for { continue; continue L }", "(FOR body:(BLOCK (CONTINUE) (CONTINUE L)))");
    assert_tree("switch {\ncase true:\n\tfallthrough\ndefault:\n}",
                "(SWITCH (CASE (TRUE) body:(BLOCK (FALLTHROUGH))) (CASE default body:(BLOCK)))");
    assert_tree("{ L: }", "(BLOCK (LABELED L body:(BLOCK)))");
}

/* Test functions: declarations, literals, variadics, spreads, returns,
 * and go/defer of calls. */
static void test_parse_functions(void **state)
{
    assert_tree("func add(a, b) { return a + b }",
                "(FUNCDECL add (a b) (BLOCK (RETURN (BINARY + (IDENT a) (IDENT b)))))");
    assert_tree("func f(xs...) {}", "(FUNCDECL f (xs...) (BLOCK))");
    assert_tree("f(xs...)", "(EXPRSTMT (CALL (IDENT f) (IDENT xs) ...))");
    assert_tree("f(a, xs...,)", "(EXPRSTMT (CALL (IDENT f) (IDENT a) (IDENT xs) ...))");
    assert_tree("func f() { return q, r }", "(FUNCDECL f () (BLOCK (RETURN (IDENT q) (IDENT r))))");
    assert_tree("g := func(a, b) { }", "(DEFINE (IDENT g) = (FUNC (a b) (BLOCK)))");
    assert_tree("func() { x() }()", "(EXPRSTMT (CALL (FUNC () (BLOCK (EXPRSTMT (CALL (IDENT x)))))))");
    assert_tree("go f(x, y)", "(GO (CALL (IDENT f) (IDENT x) (IDENT y)))");
    assert_tree("go func() {}()", "(GO (CALL (FUNC () (BLOCK))))");
    assert_tree("defer mu.Unlock()", "(DEFER (CALL (FIELD .Unlock (IDENT mu))))");
    assert_errors("go f", "1:4: expression in go must be function call\n");
    assert_errors("defer x + 1", "1:7: expression in defer must be function call\n");
    assert_errors("func f(a..., b) {}", "1:8: can only use ... with final parameter in list\n");
}

/* Test that Go's type annotations are accepted and dropped where Go puts
 * them, keeping the text only where ast.h wants it. */
static void test_parse_go_types(void **state)
{
    assert_tree("func f(a, b int, s string) (int, error) { return 1, nil }",
                "(FUNCDECL f (a b s) (BLOCK (RETURN (INT 1) (NIL))))");
    assert_tree("func f(xs ...int) int { return 0 }", "(FUNCDECL f (xs...) (BLOCK (RETURN (INT 0))))");
    assert_tree("func f() (n int, err error) { return }", "(FUNCDECL f () (BLOCK (RETURN)))");
    assert_tree(
        "func f(in <-chan int, out chan<- int, m map[string][]int, p *sync.WaitGroup, cb func(int) bool) {}",
        "(FUNCDECL f (in out m p cb) (BLOCK))");
    assert_tree("func f() map[string]int { return nil }", "(FUNCDECL f () (BLOCK (RETURN (NIL))))");
    assert_tree("func f() interface{} { return nil }", "(FUNCDECL f () (BLOCK (RETURN (NIL))))");
    assert_tree("func f([]int, map[string]int) {}", "(FUNCDECL f (_ _) (BLOCK))");
    assert_tree("var x []int", "(VAR type=[]int (IDENT x))");
    assert_tree("var x map[string]int", "(VAR type=map[string]int (IDENT x))");
    assert_tree("var x chan int", "(VAR type=chan int (IDENT x))");
    assert_tree("var x [5]int", "(VAR type=[5]int (IDENT x))");
    assert_tree("var x *T", "(VAR type=*T (IDENT x))");
    assert_tree("var x func(int) (int, error)", "(VAR type=func(int) (int, error) (IDENT x))");
    assert_tree("var x func(a, b int, rest ...string) (n int, err error)",
                "(VAR type=func(int, int, ...string) (int, error) (IDENT x))");
    assert_tree("var x func([]int, sync.Mutex, ...T)", "(VAR type=func([]int, sync.Mutex, ...T) (IDENT x))");
    assert_tree("var x interface{}", "(VAR type=interface{} (IDENT x))");
    assert_tree("var x any", "(VAR type=any (IDENT x))");
    assert_tree("var x <-chan []int", "(VAR type=<-chan []int (IDENT x))");
    assert_tree("var sb strings.Builder", "(VAR type=strings.Builder (IDENT sb))");
    assert_tree("worker(&wg)", "(EXPRSTMT (CALL (IDENT worker) (UNARY & (IDENT wg))))");
    assert_tree("*p = *q + 1", "(ASSIGN = (UNARY * (IDENT p)) = (BINARY + (UNARY * (IDENT q)) (INT 1)))");
    assert_tree("x := float64(n)", "(DEFINE (IDENT x) = (CALL (IDENT float64) (IDENT n)))");
    assert_tree("x := []byte(s)", "(DEFINE (IDENT x) = (CALL (TYPEEXPR type=[]byte) (IDENT s)))");
}

/* Test that make's and new's first argument is a type, and nothing else is. */
static void test_parse_make_new(void **state)
{
    assert_tree("m := make(map[string]int)",
                "(DEFINE (IDENT m) = (CALL (IDENT make) (TYPEEXPR type=map[string]int)))");
    assert_tree("s := make([]int, n)",
                "(DEFINE (IDENT s) = (CALL (IDENT make) (TYPEEXPR type=[]int) (IDENT n)))");
    assert_tree("c := make(chan int, 3)",
                "(DEFINE (IDENT c) = (CALL (IDENT make) (TYPEEXPR type=chan int) (INT 3)))");
    assert_tree("c := make([]chan int, 4)",
                "(DEFINE (IDENT c) = (CALL (IDENT make) (TYPEEXPR type=[]chan int) (INT 4)))");
    assert_tree("c := make(chan struct{})",
                "(DEFINE (IDENT c) = (CALL (IDENT make) (TYPEEXPR type=chan struct {})))");
    assert_tree("p := new(sync.Mutex)", "(DEFINE (IDENT p) = (CALL (IDENT new) (TYPEEXPR type=sync.Mutex)))");
    Node *t = expr_of("m := make(map[string]int)")->list.items[0];
    assert_int_equal(t->kind, N_TYPEEXPR);
    assert_string_equal(t->type, "map[string]int");
    assert_string_equal(t->name, "map[string]int");
    /* Only there: other calls and expressions are unaffected. */
    assert_tree("x := makes(y)", "(DEFINE (IDENT x) = (CALL (IDENT makes) (IDENT y)))");
    assert_tree("x := o.make(y)", "(DEFINE (IDENT x) = (CALL (FIELD .make (IDENT o)) (IDENT y)))");
    assert_tree("x := make(a + 1)", "(DEFINE (IDENT x) = (CALL (IDENT make) (BINARY + (IDENT a) (INT 1))))");
    assert_tree("c := chan()", "(DEFINE (IDENT c) = (CALL (IDENT chan)))");
    assert_tree("c := chan(3)", "(DEFINE (IDENT c) = (CALL (IDENT chan) (INT 3)))");
}

/* ------------------------------------------------------------ expressions */

/* Test Go's five binary precedence levels, left associativity, and that
 * unary and postfix operators bind tighter. */
static void test_parse_precedence(void **state)
{
    assert_tree("x := a || b && c == d + e * f",
                "(DEFINE (IDENT x) = (BINARY || (IDENT a) (BINARY && (IDENT b) (BINARY == (IDENT c) "
                "(BINARY + (IDENT d) (BINARY * (IDENT e) (IDENT f)))))))");
    assert_tree("x := a - b - c", "(DEFINE (IDENT x) = (BINARY - (BINARY - (IDENT a) (IDENT b)) (IDENT c)))");
    assert_tree("x := a << 1 | b &^ c ^ d % e",
                "(DEFINE (IDENT x) = (BINARY ^ (BINARY | (BINARY << (IDENT a) (INT 1)) (BINARY &^ (IDENT b) "
                "(IDENT c))) (BINARY % (IDENT d) (IDENT e))))");
    assert_tree(
        "x := a < b == c >= d",
        "(DEFINE (IDENT x) = (BINARY >= (BINARY == (BINARY < (IDENT a) (IDENT b)) (IDENT c)) (IDENT d)))");
    assert_tree("x := -a * !b + ^c",
                "(DEFINE (IDENT x) = (BINARY + (BINARY * (UNARY - (IDENT a)) (UNARY ! (IDENT b))) "
                "(UNARY ^ (IDENT c))))");
    assert_tree("x := -a[0].b(1)",
                "(DEFINE (IDENT x) = (UNARY - (CALL (FIELD .b (INDEX (IDENT a) (INT 0))) (INT 1))))");
    assert_tree("x := (a + b) * c",
                "(DEFINE (IDENT x) = (BINARY * (BINARY + (IDENT a) (IDENT b)) (IDENT c)))");
    assert_tree("x := <-ch + 1", "(DEFINE (IDENT x) = (BINARY + (RECV (IDENT ch)) (INT 1)))");
    assert_tree("x := +a", "(DEFINE (IDENT x) = (UNARY + (IDENT a)))");
}

/* Test indexing, slicing with omitted bounds, selectors and calls. */
static void test_parse_postfix(void **state)
{
    assert_tree("x := a[i:j]", "(DEFINE (IDENT x) = (SLICE (IDENT a) lo:(IDENT i) hi:(IDENT j)))");
    assert_tree("x := a[:j]", "(DEFINE (IDENT x) = (SLICE (IDENT a) hi:(IDENT j)))");
    assert_tree("x := a[i:]", "(DEFINE (IDENT x) = (SLICE (IDENT a) lo:(IDENT i)))");
    assert_tree("x := a[:]", "(DEFINE (IDENT x) = (SLICE (IDENT a)))");
    assert_tree("x := a.b.c()", "(DEFINE (IDENT x) = (CALL (FIELD .c (FIELD .b (IDENT a)))))");
    assert_tree("x := f()()", "(DEFINE (IDENT x) = (CALL (CALL (IDENT f))))");
}

/* Test list and map literals: trailing commas, several lines, nesting,
 * `{}` as an empty map, typed literals and elided element types. */
static void test_parse_composite_literals(void **state)
{
    assert_tree("x := [1, 2, 3,]", "(DEFINE (IDENT x) = (LIST (INT 1) (INT 2) (INT 3)))");
    assert_tree("x := [\n\t1,\n\t2,\n]", "(DEFINE (IDENT x) = (LIST (INT 1) (INT 2)))");
    assert_tree("x := []", "(DEFINE (IDENT x) = (LIST))");
    assert_tree("x := {\"k\": 1, 2: \"two\"}",
                "(DEFINE (IDENT x) = (MAP (STRING \"k\") (INT 1) (INT 2) (STRING \"two\")))");
    assert_tree("x := {}", "(DEFINE (IDENT x) = (MAP))");
    assert_tree("x := {\n\t\"a\": {\"b\": [1, {}]},\n}",
                "(DEFINE (IDENT x) = (MAP (STRING \"a\") (MAP (STRING \"b\") (LIST (INT 1) (MAP)))))");
    assert_tree("x := []int{1, 2}", "(DEFINE (IDENT x) = (LIST type=[]int (INT 1) (INT 2)))");
    assert_tree("x := map[string]int{\"a\": 1,}",
                "(DEFINE (IDENT x) = (MAP type=map[string]int (STRING \"a\") (INT 1)))");
    assert_tree("x := [][]int{{1}, {}}",
                "(DEFINE (IDENT x) = (LIST type=[][]int (LIST type=[]int (INT 1)) (LIST type=[]int)))");
    assert_tree("x := map[string][]int{\"a\": {1}}",
                "(DEFINE (IDENT x) = (MAP type=map[string][]int (STRING \"a\") (LIST type=[]int (INT 1))))");
    assert_tree("x := []int{}", "(DEFINE (IDENT x) = (LIST type=[]int))");
    assert_tree("done <- struct{}{}", "(SEND (IDENT done) (COMPOSITE type=struct {}))");
    assert_tree("return {\"a\": 1}", "(RETURN (MAP (STRING \"a\") (INT 1)))");
    assert_tree("f({}, [{}])", "(EXPRSTMT (CALL (IDENT f) (MAP) (LIST (MAP))))");
    assert_errors("x := map[string]int{1, 2}", "1:6: missing key in map literal\n");
    assert_errors("x := {\"a\": 1, 2}", "1:6: missing key in map literal\n");
}

/* Test the rule for `{`: a block after an operand, at a statement's start
 * and after keywords; a literal after operators, `(` `[` `,` `=` `:=`
 * `return` `<-` `case`, and after `:` inside literals. */
static void test_parse_braces(void **state)
{
    assert_tree("if x {}", "(IF cond:(IDENT x) body:(BLOCK))");
    assert_tree("if f(x) {}", "(IF cond:(CALL (IDENT f) (IDENT x)) body:(BLOCK))");
    assert_tree("if a[0] {}", "(IF cond:(INDEX (IDENT a) (INT 0)) body:(BLOCK))");
    assert_tree("if x == y {} else {}",
                "(IF cond:(BINARY == (IDENT x) (IDENT y)) body:(BLOCK) else:(BLOCK))");
    assert_tree("{}", "(BLOCK)");
    assert_tree("x = {}", "(ASSIGN = (IDENT x) = (MAP))");
    assert_tree("ch <- {}", "(SEND (IDENT ch) (MAP))");
    assert_tree("x := {1: {2: {}}}", "(DEFINE (IDENT x) = (MAP (INT 1) (MAP (INT 2) (MAP))))");
    assert_tree("switch x {\ncase {}:\n\t{}\n}", "(SWITCH tag:(IDENT x) (CASE (MAP) body:(BLOCK (BLOCK))))");
    assert_tree("x := y == {}", "(DEFINE (IDENT x) = (BINARY == (IDENT y) (MAP)))");
    assert_tree("for k := range {\"a\": 1} {}",
                "(RANGE := key:(IDENT k) x:(MAP (STRING \"a\") (INT 1)) body:(BLOCK))");
}

/* ---------------------------------------------------------------- headers */

/* Test that package is accepted and dropped, and that each import spec is
 * an IMPORT node with the name it binds. */
static void test_parse_package_import(void **state)
{
    assert_tree("package main\n\nimport \"fmt\"\nimport (\n\t\"sync\"\n\tstr \"strconv\"\n\t_ \"os\"\n\t. "
                "\"math\"\n)\n\nx := 1",
                "(IMPORT \"fmt\"); (IMPORT \"sync\"); (IMPORT str \"strconv\"); (IMPORT _ \"os\"); (IMPORT . "
                "\"math\"); "
                "(DEFINE (IDENT x) = (INT 1))");
    assert_tree("// comment\npackage main", "");
    assert_tree("import (\"a\"; \"b\")", "(IMPORT \"a\"); (IMPORT \"b\")");
    assert_tree("import ()", "");
    assert_errors("x := 1\npackage main", "2:1: syntax error: unexpected keyword package\n");
}

/* Test that goto parses to a GOTO node, positioned at its label, and that
 * `type(v)` stays the built-in. */
static void test_parse_unsupported(void **state)
{
    assert_tree("goto L", "(GOTO L)");
    /* `type(v)` is still the built-in. */
    assert_tree("type(v)", "(EXPRSTMT (CALL (IDENT type) (IDENT v)))");
}

/* Test that type declarations keep their type spelled as Go prints it:
 * struct fields one per "; ", embedded ones by type, tags quoted. */
static void test_parse_type_decls(void **state)
{
    assert_tree("type Node struct{ left, right *Node }",
                "(TYPEDECL Node type=struct { left *Node; right *Node })");
    assert_tree(
        "type P struct {\n\tX, Y float64\n\tTags []string\n\tsync.Mutex\n\t*Inner\n\tn int `json:\"n\"`\n}",
        "(TYPEDECL P type=struct { X float64; Y float64; Tags []string; sync.Mutex; *Inner; n int "
        "\"json:\\\"n\\\"\" })");
    assert_tree("type (\n\tC float64\n\tA = C\n)", "(TYPEDECL C type=float64); (TYPEDECL alias A type=C)");
    assert_tree("type S interface {\n\tArea() float64\n\tfmt.Stringer\n}",
                "(TYPEDECL S type=interface { Area() float64; fmt.Stringer })");
    assert_tree("var x struct{ a int }", "(VAR type=struct { a int } (IDENT x))");
    assert_tree("func f() {\n\ttype T []int\n}", "(FUNCDECL f () (BLOCK (TYPEDECL T type=[]int)))");
}

/* Test that a method is a function whose first parameter is its
 * receiver, and that a name before `{` opens a literal except where a
 * header awaits its block (Go's rule). */
static void test_parse_methods_literals(void **state)
{
    assert_tree("func (c *Counter) Inc(n int) { c.n += n }",
                "(FUNCDECL method Inc (c n) (BLOCK (ASSIGN += (FIELD .n (IDENT c)) = (IDENT n))))");
    assert_tree("func (Point) Zero() Point { return Point{} }",
                "(FUNCDECL method Zero (_) (BLOCK (RETURN (COMPOSITE type=Point))))");
    assert_tree("p := Point{X: 1}", "(DEFINE (IDENT p) = (COMPOSITE keyed type=Point (IDENT X) (INT 1)))");
    assert_tree("p := &Point{1, 2}", "(DEFINE (IDENT p) = (UNARY & (COMPOSITE type=Point (INT 1) (INT 2))))");
    assert_tree("w := sync.WaitGroup{}", "(DEFINE (IDENT w) = (COMPOSITE type=sync.WaitGroup))");
    assert_tree("ps := []*Point{{1, 2}}",
                "(DEFINE (IDENT ps) = (LIST type=[]*Point (COMPOSITE & type=Point (INT 1) (INT 2))))");
    assert_tree("if p == q {\n}", "(IF cond:(BINARY == (IDENT p) (IDENT q)) body:(BLOCK))");
    assert_tree("for _, p := range ps {\n}",
                "(RANGE := key:(IDENT _) val:(IDENT p) x:(IDENT ps) body:(BLOCK))");
    assert_tree("if p == (Point{}) {\n}",
                "(IF cond:(BINARY == (IDENT p) (COMPOSITE type=Point)) body:(BLOCK))");
    assert_tree("func f() interface{} { return nil }", "(FUNCDECL f () (BLOCK (RETURN (NIL))))");
}

/* ----------------------------------------------------------------- errors */

/* Test that syntax errors read as Go's do. */
static void test_parse_syntax_errors(void **state)
{
    assert_errors("x := {\"a\": 1\n}", "1:13: syntax error: unexpected newline, expecting comma or }\n");
    assert_errors("x := [1, 2\n]", "1:11: syntax error: unexpected newline, expecting comma or ]\n");
    assert_errors("f(a b)", "1:5: syntax error: unexpected name b, expecting comma or )\n");
    assert_errors("a b", "1:3: syntax error: unexpected name b at end of statement\n");
    assert_errors("x := )", "1:6: syntax error: unexpected ), expecting expression\n");
    assert_errors("}", "1:1: syntax error: unexpected }\n");
    assert_errors("func f() {\n\tx := 1\n", "3:1: syntax error: unexpected EOF, expecting }\n");
    assert_errors("if x == 1 }", "1:11: syntax error: unexpected }, expecting {\n");
    assert_errors("x := (1 + 2", "1:12: syntax error: unexpected EOF, expecting )\n");
    assert_errors("x.", "1:3: syntax error: unexpected EOF, expecting name\n");
    assert_errors("a, b.c := 1, 2", "1:4: non-name b.c on left side of :=\n");
}

/* Test that independent errors are each reported, with one message each
 * even when the broken statement spans lines. */
static void test_parse_multiple_errors(void **state)
{
    Result r = parse("x := )\ny := 1 2\nz := (]\nw := 3\n");
    assert_null(r.file);
    assert_int_equal(r.nerrors, 3);
    assert_string_equal(r.errors, "1:6: syntax error: unexpected ), expecting expression\n"
                                  "2:8: syntax error: unexpected literal 2 at end of statement\n"
                                  "3:7: syntax error: unexpected ], expecting expression\n");

    r = parse("func main() {\n\tm := {\n\t\t\"a\": 1\n\t\t\"b\": 2\n\t}\n\ta b\n\tif {\n\t}\n\tok()\n}\n");
    assert_null(r.file);
    assert_string_equal(r.errors, "3:9: syntax error: unexpected newline, expecting comma or }\n"
                                  "6:4: syntax error: unexpected name b at end of statement\n"
                                  "7:5: syntax error: unexpected {, expecting expression\n");

    r = parse("a b\nc d\ne f\n");
    assert_int_equal(r.nerrors, 3);
}

/* Test that nodes carry the line and byte column of their first token, and
 * functions the line of their closing brace. */
static void test_parse_positions(void **state)
{
    Result r = parse("x := 1\n\tfunc f(a) {\n\t\treturn a +\n\t\t\tb\n\t}\ny := \"é\" + z");
    assert_non_null(r.file);
    Node *d = r.file->list.items[0];
    assert_int_equal(d->line, 1);
    assert_int_equal(d->col, 1);
    assert_int_equal(d->list2.items[0]->col, 6);
    Node *f = r.file->list.items[1];
    assert_int_equal(f->kind, N_FUNCDECL);
    assert_int_equal(f->line, 2);
    assert_int_equal(f->col, 2);
    assert_int_equal(f->func->end_line, 5);
    assert_string_equal(f->func->name, "f");
    Node *ret = f->func->body->list.items[0];
    assert_int_equal(ret->line, 3);
    assert_int_equal(ret->col, 3);
    Node *sum = ret->list.items[0];
    assert_int_equal(sum->b->line, 4);
    assert_int_equal(sum->b->col, 4);
    Node *y = r.file->list.items[2]->list2.items[0];
    assert_int_equal(y->b->col, 13); /* bytes: "é" is two */

    Node *lit = expr_of("x := func() {\n}\n");
    assert_int_equal(lit->kind, N_FUNC);
    assert_int_equal(lit->func->end_line, 2);

    assert_errors("x := 1\n\ty := )", "2:7: syntax error: unexpected ), expecting expression\n");
}

/* Test that hostile input is reported, never crashes or hangs. */
static void test_parse_crash_inputs(void **state)
{
    static const char nul[] = "x := 1\0\ny := 2";
    Result r = parse_n(nul, sizeof nul - 1);
    assert_null(r.file);
    assert_string_equal(r.errors, "1:7: invalid NUL character\n");

    r = parse("x := \"\xff\xfe\" + `\x80`\n\xc3(x)");
    assert_null(r.file);
    assert_string_equal(r.errors, "1:7: invalid UTF-8 encoding\n1:14: invalid UTF-8 encoding\n"
                                  "2:1: invalid UTF-8 encoding\n");

    assert_errors("s := \"abc", "1:6: string literal not terminated\n");
    assert_errors("s := `abc\n", "1:6: string literal not terminated\n");
    assert_errors("/* abc", "1:1: comment not terminated\n");
    assert_errors("x := 'a", "1:6: rune literal not terminated\n");

    /* 5000 nested parentheses are fine; 100000 of each kind are too many. */
    char *deep = GC_MALLOC_ATOMIC(10100);
    strcpy(deep, "x := ");
    memset(deep + 5, '(', 5000);
    deep[5005] = '1';
    memset(deep + 5006, ')', 5000);
    deep[10006] = 0;
    assert_non_null(parse(deep).file);
    const char opens[] = "([{";
    for (int k = 0; k < 3; k++) {
        size_t n = 100000;
        char *s = GC_MALLOC_ATOMIC(n * 2 + 8);
        strcpy(s, "x := ");
        memset(s + 5, opens[k], n);
        s[5 + n] = 0;
        r = parse(s);
        assert_null(r.file);
        assert_string_equal(r.errors, "1:10006: too deeply nested (limit is 10000 open brackets)\n");
    }
    /* Deep chains without brackets hit the parser's own limit. */
    size_t n = 200000;
    char *s = GC_MALLOC_ATOMIC(n + 8);
    strcpy(s, "x := ");
    memset(s + 5, '!', n);
    strcpy(s + 5 + n, "a");
    r = parse(s);
    assert_null(r.file);
    assert_int_equal(r.nerrors, 1);
    assert_non_null(strstr(r.errors, "too deeply nested"));

    /* Huge literals: an untyped constant to the parser (the compiler
     * says it is too long). */
    char *big = GC_MALLOC_ATOMIC(200020);
    strcpy(big, "x := ");
    memset(big + 5, '7', 200000);
    big[200005] = 0;
    r = parse(big);
    assert_int_equal(r.nerrors, 0);
    big[5] = '"';
    strcpy(big + 200004, "\"");
    assert_non_null(parse(big).file);

    /* Empty and blank input. */
    r = parse_n(NULL, 0);
    assert_non_null(r.file);
    assert_int_equal(r.file->list.n, 0);
    assert_non_null(parse("\xef\xbb\xbfx := 1").file);
}

/* Test the REPL's question: does the text need more lines? */
/* Test that an else-if ladder of 100,000 clauses parses into the chain of
 * IF nodes: the grammar keeps a ladder flat on its stack. */
static void test_parse_else_if_ladder(void **state)
{
    (void)state;
    int n = 100000;
    char *src = malloc((size_t)n * 40 + 64);
    char *p = src + sprintf(src, "if x == 0 {\n}");
    for (int i = 1; i < n; i++)
        p += sprintf(p, " else if x == %d {\n}", i);
    strcpy(p, " else {\n\ty()\n}\n");
    Result r = parse(src);
    assert_int_equal(r.nerrors, 0);
    Node *s = r.file->list.items[0];
    for (int i = 0; i < n; i++) {
        assert_int_equal(s->kind, N_IF);
        assert_int_equal(s->a->b->ival, i);
        s = s->els;
    }
    assert_int_equal(s->kind, N_BLOCK);
    free(src);
}

/* The whole report, message line, source line and caret, for src (the
 * caller frees it). A copy is returned, not the stream's own buffer: the
 * address of text went into the stream, so once this is inlined an
 * optimising GCC cannot rule out that the buffer pointer fclose left in
 * text points at text itself, and it reports every use of the result,
 * after text's scope ends, as a use of a dangling pointer
 * (-Wdangling-pointer, an error in a Release build). strdup's result is
 * a fresh allocation: nothing to confuse. */
static char *diag_text(const char *src)
{
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    Diag d;
    diag_init(&d, "t.csp", src, strlen(src), f);
    parse_program(src, strlen(src), &d);
    fclose(f);
    char *copy = strdup(text);
    free(text);
    return copy;
}

/* Test that a source line shown under an error prints control bytes, C1
 * controls, invalid UTF-8 and bidi overrides as escapes, and that the
 * caret still sits under the bad token (tabs stay tabs). */
static void test_parse_diag_escapes_line(void **state)
{
    (void)state;
    char *t = diag_text("x := \"\x1b[2J\" +\t\"\xe2\x80\xae\" b\n");
    assert_string_equal(t, "t.csp:1:21: error: syntax error: unexpected name b at end of statement\n"
                           "    x := \"\\x1b[2J\" +\t\"\\u202e\" b\n"
                           "                    \t         ^\n");
    free(t);
    t = diag_text("x := 1 `\x1b[31m`\n");
    assert_string_equal(t,
                        "t.csp:1:8: error: syntax error: unexpected literal `\\x1b[31m` at end of statement\n"
                        "    x := 1 `\\x1b[31m`\n"
                        "           ^\n");
    free(t);
    /* a caret in the middle of a multi-byte character goes to its start */
    Diag d;
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    diag_init(&d, "t.csp",
              "ab\xc3\xa9"
              "cd",
              6, f);
    diag_error(&d, 1, 4, "here");
    fclose(f);
    assert_string_equal(text, "t.csp:1:4: error: here\n    ab\xc3\xa9"
                              "cd\n      ^\n");
    free(text);
    /* a CRLF line shows without its CR */
    t = diag_text("x := 1\r\ny := 2 b\r\n");
    assert_string_equal(t, "t.csp:2:8: error: syntax error: unexpected name b at end of statement\n"
                           "    y := 2 b\n"
                           "           ^\n");
    free(t);
    /* an invalid byte and a carriage return, in the message too */
    f = open_memstream(&text, &tlen);
    diag_init(&d, "t.csp", "a\xff\rb", 4, f);
    diag_error(&d, 1, 4, "at \x1b");
    fclose(f);
    assert_string_equal(text, "t.csp:1:4: error: at \\x1b\n    a\\xff\\x0db\n             ^\n");
    free(text);
}

/* Test that an error on a very long line shows about a hundred and forty
 * columns around the caret, with "..." where the line was cut, and that
 * a long message is cut too. */
static void test_parse_diag_cuts_long_line(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *src = malloc(n + 16);
    memcpy(src, "x := ", 5);
    for (size_t i = 5; i < n; i += 2)
        memcpy(src + i, "1+", 2);
    size_t mid = n / 2 + 1; /* on a '+' */
    src[mid] = '?';
    strcpy(src + n, "1\n");
    char *t = diag_text(src);
    assert_true(strlen(t) < 400);
    assert_non_null(strstr(t, "error: invalid character U+003F '?'"));
    char *line = strchr(t, '\n') + 1;
    assert_memory_equal(line, "    ...", 7);
    char *caret = strchr(line, '\n') + 1;
    assert_int_equal(strchr(caret, '^') - caret, strchr(line, '?') - line);
    assert_memory_equal(strchr(line, '\n') - 3, "...", 3);
    free(t);
    free(src);

    /* a token quoted in a message is cut too */
    src = malloc(100016);
    strcpy(src, "x := 1 ");
    memset(src + 7, 'a', 100000);
    strcpy(src + 100007, "\n");
    Result r = parse(src);
    assert_string_equal(r.errors,
                        "1:8: syntax error: unexpected name aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa... "
                        "at end of statement\n");
    free(src);

    Diag d;
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    diag_init(&d, "t.csp", "", 0, f);
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    diag_error(&d, 1, 1, "undefined: %s", big);
    fclose(f);
    assert_true(strlen(text) < 400);
    assert_non_null(strstr(text, "aaa...\n"));
    free(text);
}

static void test_parse_incomplete(void **state)
{
    assert_true(parse_is_incomplete("func f() {", 10));
    assert_true(parse_is_incomplete("x := [1,\n2", 10));
    assert_true(parse_is_incomplete("f(", 2));
    assert_true(parse_is_incomplete("x := `abc\n", 10));
    assert_true(parse_is_incomplete("/* abc", 6));
    assert_true(parse_is_incomplete("x := 1 +", 8));
    assert_true(parse_is_incomplete("f(a,", 4));
    assert_true(parse_is_incomplete("x :=", 4));
    assert_true(parse_is_incomplete("if x {\n} else", 13));
    assert_false(parse_is_incomplete("x := 1", 6));
    assert_false(parse_is_incomplete("func f() {}", 11));
    assert_false(parse_is_incomplete("x := \"abc", 9)); /* an error, not more to come */
    assert_false(parse_is_incomplete("}", 1));
    assert_false(parse_is_incomplete("x++", 3));
    assert_false(parse_is_incomplete("", 0));
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_semicolon_insertion),
        cmocka_unit_test(test_parse_int_literals),
        cmocka_unit_test(test_parse_float_literals),
        cmocka_unit_test(test_parse_string_literals),
        cmocka_unit_test(test_parse_literal_errors),
        cmocka_unit_test(test_parse_declarations),
        cmocka_unit_test(test_parse_const_iota),
        cmocka_unit_test(test_parse_if_for),
        cmocka_unit_test(test_parse_switch),
        cmocka_unit_test(test_parse_select),
        cmocka_unit_test(test_parse_labels),
        cmocka_unit_test(test_parse_functions),
        cmocka_unit_test(test_parse_go_types),
        cmocka_unit_test(test_parse_make_new),
        cmocka_unit_test(test_parse_precedence),
        cmocka_unit_test(test_parse_postfix),
        cmocka_unit_test(test_parse_composite_literals),
        cmocka_unit_test(test_parse_braces),
        cmocka_unit_test(test_parse_package_import),
        cmocka_unit_test(test_parse_unsupported),
        cmocka_unit_test(test_parse_syntax_errors),
        cmocka_unit_test(test_parse_multiple_errors),
        cmocka_unit_test(test_parse_positions),
        cmocka_unit_test(test_parse_crash_inputs),
        cmocka_unit_test(test_parse_type_decls),
        cmocka_unit_test(test_parse_methods_literals),
        cmocka_unit_test(test_parse_incomplete),
        cmocka_unit_test(test_parse_else_if_ladder),
        cmocka_unit_test(test_parse_diag_escapes_line),
        cmocka_unit_test(test_parse_diag_cuts_long_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
