/* test_vm.c — the interpreter on hand-assembled protos: arithmetic fast and
 * slow paths, comparisons, calls and results, closures, defer, panic and
 * recover, tracebacks, indexing errors, range loops, stack overflow, and
 * calls from natives back into csp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gc/gc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stdlib/stdlib.h"
#include "vm/buf.h"
#include "vm/opcodes.h"
#include "vm/vm.h"

/* ---- assembling protos ------------------------------------------------ */

#define CODE(...)                                                                                            \
    (const uint32_t[]){__VA_ARGS__}, (int)(sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))
#define KS(...) (const Value[]){__VA_ARGS__}, (int)(sizeof((const Value[]){__VA_ARGS__}) / sizeof(Value))
#define NOK NULL, 0
#define JMP(off) MK_sJ(OP_JMP, off)
#define ABC(op, a, b, c) MK_ABC(OP_##op, a, b, c)
#define ABx(op, a, bx) MK_ABx(OP_##op, a, bx)
#define AsBx(op, a, sbx) MK_AsBx(OP_##op, a, sbx)
/* sB / sC immediates */
#define IMM(x) ((x) + SC_BIAS)

static const char *const test_file = "/t/test.csp";

/* Line of instruction i is i + 1, so tracebacks are predictable. */
static ObjProto *mkproto(const char *name, int nparams, int maxregs, const uint32_t *code, int ncode,
                         const Value *k, int nk)
{
    ObjProto *p = GC_MALLOC(sizeof *p);
    p->h.kind = OBJ_PROTO;
    p->code = GC_MALLOC(sizeof(uint32_t) * (size_t)ncode);
    memcpy(p->code, code, sizeof(uint32_t) * (size_t)ncode);
    p->lines = GC_MALLOC(sizeof(int32_t) * (size_t)ncode);
    for (int i = 0; i < ncode; i++)
        p->lines[i] = i + 1;
    p->ncode = ncode;
    p->k = GC_MALLOC(sizeof(Value) * (size_t)(nk ? nk : 1));
    if (nk)
        memcpy(p->k, k, sizeof(Value) * (size_t)nk);
    p->nk = nk;
    p->nparams = (uint8_t)nparams;
    p->maxregs = (uint8_t)maxregs;
    proto_params_done(p);
    p->name = str_cstr(name);
    p->file = str_cstr(test_file);
    p->line = 1;
    /* inline caches, as the compiler gives code that selects by name */
    for (int i = 0; i < ncode && !p->ic; i++) {
        OpCode op = INS_OP(code[i]);
        if (op == OP_GETFIELD || op == OP_SETFIELD || op == OP_CALLM || op == OP_BINDM || op == OP_REFFIELD) {
            p->ic = GC_MALLOC(sizeof *p->ic * (size_t)(ncode + 1));
            p->ic_bias = (uintptr_t)p->ic - 2 * (uintptr_t)p->code;
        }
    }
    return p;
}

static void add_protos(ObjProto *p, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    p->protos = GC_MALLOC(sizeof(ObjProto *) * (size_t)n);
    for (int i = 0; i < n; i++)
        p->protos[i] = va_arg(ap, ObjProto *);
    p->nprotos = n;
    va_end(ap);
}

static void set_upvals(ObjProto *p, int n, const UpvalDesc *u)
{
    p->upvals = GC_MALLOC(sizeof(UpvalDesc) * (size_t)n);
    memcpy(p->upvals, u, sizeof(UpvalDesc) * (size_t)n);
    p->nupvals = n;
}

static Value closure(ObjProto *p)
{
    ObjClosure *c = GC_MALLOC(sizeof(ObjClosure) + sizeof(ObjCell *) * (size_t)p->nupvals);
    c->h.kind = OBJ_CLOSURE;
    c->proto = p;
    c->nupvals = p->nupvals;
    return v_from_ptr(c);
}

/* ---- natives used by the tests ---------------------------------------- */

static ObjList *recorded;

static int n_recover(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = vm_recover(t);
    return 1;
}

static int n_panic(Thread *t, Value *args, int nargs, Value *rets)
{
    return vm_panic(t, args[0]);
}

static int n_record(Thread *t, Value *args, int nargs, Value *rets)
{
    for (int i = 0; i < nargs; i++)
        list_append(recorded, args[i]);
    return 0;
}

/* apply(fn, args...) = fn(args...) + 1, through vm_call */
static int n_apply(Thread *t, Value *args, int nargs, Value *rets)
{
    int n = vm_call(t, args[0], args + 1, nargs - 1);
    if (n < 0)
        return -1;
    if (n < 1 || !v_is_int(t->rets[0]))
        return vm_panic_msg(t, "apply: bad result");
    rets[0] = v_int_small(v_int(t->rets[0]) + 1);
    return 1;
}

static int n_two(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = v_int_small(1);
    rets[1] = v_int_small(2);
    return 2;
}

/* ---- fixture ----------------------------------------------------------- */

typedef struct {
    Runtime *rt;
    Thread *t;
    Value recover_fn, panic_fn, record_fn, apply_fn, two_fn;
} Fx;

static int setup(void **state)
{
    Fx *fx = GC_MALLOC_UNCOLLECTABLE(sizeof *fx);
    fx->rt = rt_new();
    fx->t = thread_new(fx->rt);
    fx->recover_fn = v_from_ptr(native_new("recover", n_recover, 0, 0));
    fx->panic_fn = v_from_ptr(native_new("panic", n_panic, 1, 1));
    fx->record_fn = v_from_ptr(native_new("record", n_record, 0, -1));
    fx->apply_fn = v_from_ptr(native_new("apply", n_apply, 1, -1));
    fx->two_fn = v_from_ptr(native_new("two", n_two, 0, 0));
    recorded = list_new(0, 8);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    GC_FREE(*state);
    return 0;
}

/* Run p as a function with args; returns vm_call's result. */
static int run(Fx *fx, ObjProto *p, int nargs, ...)
{
    Value args[16];
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++)
        args[i] = va_arg(ap, Value);
    va_end(ap);
    return vm_call(fx->t, closure(p), args, nargs);
}

static const char *panic_msg(Thread *t)
{
    if (!t->panicking)
        return "(no panic)";
    Value v = t->panic_val;
    if (v_is_obj(v, OBJ_ERROR))
        return ((ObjError *)v_ptr(v))->msg->data;
    if (v_is_str(v))
        return v_str(v)->data;
    return "(not an error)";
}

/* A binary op of two constants, returning the result. */
static Value binop(Fx *fx, OpCode op, Value a, Value b, int *status)
{
    ObjProto *p = mkproto("main.op", 0, 3,
                          CODE(ABx(LOADK, 0, 0), ABx(LOADK, 1, 1), MK_ABC(op, 2, 0, 1), ABC(RETURN, 2, 2, 0)),
                          KS(a, b));
    vm_clear_panic(fx->t);
    *status = run(fx, p, 0);
    return *status == 1 ? fx->t->rets[0] : V_UNDEF;
}

static Value int_op(Fx *fx, OpCode op, int64_t a, int64_t b)
{
    int st;
    Value v = binop(fx, op, v_make_int(a), v_make_int(b), &st);
    assert_int_equal(st, 1);
    return v;
}

/* Capture what fn writes to stderr (fd 2). */
static char *capture_stderr(void (*fn)(Fx *, int *), Fx *fx, int *rc)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    dup2(fileno(tmp), 2);
    fn(fx, rc);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long n = ftell(tmp);
    char *out = GC_MALLOC_ATOMIC((size_t)n + 1);
    rewind(tmp);
    size_t got = fread(out, 1, (size_t)n, tmp);
    out[got] = 0;
    fclose(tmp);
    return out;
}

static void set_global(Fx *fx, const char *name, Value v)
{
    int slot = rt_global_slot(fx->rt, str_cstr(name));
    fx->rt->globals->items[slot] = v;
}

/* ====================================================================== */
/* arithmetic                                                             */
/* ====================================================================== */

/* Test that small-int arithmetic takes Go's results: / truncates toward
 * zero and % has the sign of the dividend. */
static void test_vm_int_arith(void **state)
{
    Fx *fx = *state;
    assert_int_equal(v_int(int_op(fx, OP_ADD, 40, 2)), 42);
    assert_int_equal(v_int(int_op(fx, OP_SUB, 2, 40)), -38);
    assert_int_equal(v_int(int_op(fx, OP_MUL, -6, 7)), -42);
    assert_int_equal(v_int(int_op(fx, OP_DIV, -7, 2)), -3);
    assert_int_equal(v_int(int_op(fx, OP_MOD, -7, 2)), -1);
    assert_int_equal(v_int(int_op(fx, OP_MOD, 7, -2)), 1);
    assert_int_equal(v_int(int_op(fx, OP_BAND, 12, 10)), 8);
    assert_int_equal(v_int(int_op(fx, OP_BOR, 12, 10)), 14);
    assert_int_equal(v_int(int_op(fx, OP_BXOR, 12, 10)), 6);
    assert_int_equal(v_int(int_op(fx, OP_BANDNOT, 12, 10)), 4);
    assert_int_equal(v_int(int_op(fx, OP_SHL, 1, 10)), 1024);
    assert_int_equal(v_int(int_op(fx, OP_SHR, -1024, 3)), -128);
}

/* Test that int overflow wraps with 64-bit semantics and boxes results
 * outside 63 bits: MaxInt + 1 == MinInt, MinInt / -1 == MinInt. */
static void test_vm_int_overflow_wraps(void **state)
{
    Fx *fx = *state;
    Value v = int_op(fx, OP_ADD, V_INT_MAX, 1); /* leaves 63 bits: boxed */
    assert_true(v_is_obj(v, OBJ_BOXINT));
    assert_true(v_anyint(v) == V_INT_MAX + 1);
    assert_true(v_anyint(int_op(fx, OP_ADD, INT64_MAX, 1)) == INT64_MIN);
    assert_true(v_anyint(int_op(fx, OP_SUB, INT64_MIN, 1)) == INT64_MAX);
    assert_true(v_anyint(int_op(fx, OP_MUL, INT64_MAX, 2)) == -2);
    assert_true(v_anyint(int_op(fx, OP_MUL, V_INT_MAX, V_INT_MAX)) ==
                (int64_t)((uint64_t)V_INT_MAX * V_INT_MAX));
    assert_true(v_anyint(int_op(fx, OP_DIV, INT64_MIN, -1)) == INT64_MIN);
    assert_true(v_anyint(int_op(fx, OP_MOD, INT64_MIN, -1)) == 0);
    assert_true(v_anyint(int_op(fx, OP_DIV, V_INT_MIN, -1)) == -(int64_t)V_INT_MIN);
    /* back into 63 bits from boxed operands gives an inline int */
    v = int_op(fx, OP_SUB, V_INT_MAX + 1, 1);
    assert_true(v_is_int(v) && v_int(v) == V_INT_MAX);
    /* ADDI and UNM at the edge */
    ObjProto *p =
        mkproto("main.edge", 0, 2,
                CODE(ABx(LOADK, 0, 0), ABC(ADDI, 1, 0, IMM(1)), ABC(UNM, 0, 0, 0), ABC(RETURN, 0, 3, 0)),
                KS(v_make_int(V_INT_MAX)));
    assert_int_equal(run(fx, p, 0), 2);
    assert_true(v_anyint(fx->t->rets[0]) == -V_INT_MAX);
    assert_true(v_anyint(fx->t->rets[1]) == V_INT_MAX + 1);
}

/* Test that an op with a float is done in floats, with IEEE division. */
static void test_vm_float_arith(void **state)
{
    Fx *fx = *state;
    int st;
    Value v = binop(fx, OP_ADD, v_int_small(1), v_make_float(2.5), &st);
    assert_true(v_is_anyfloat(v) && v_anyfloat(v) == 3.5);
    v = binop(fx, OP_DIV, v_int_small(7), v_make_float(2.0), &st);
    assert_true(v_anyfloat(v) == 3.5);
    v = binop(fx, OP_MUL, v_make_float(1.5), v_make_float(4.0), &st);
    assert_true(v_anyfloat(v) == 6.0);
    v = binop(fx, OP_DIV, v_make_float(1.0), v_make_float(0.0), &st);
    assert_true(isinf(v_anyfloat(v)) && v_anyfloat(v) > 0);
    v = binop(fx, OP_MOD, v_make_float(-7.5), v_make_float(2.0), &st);
    assert_true(v_anyfloat(v) == -1.5);
    v = binop(fx, OP_SUB, v_make_float(1e300), v_make_float(-1e300), &st);
    assert_true(v_anyfloat(v) == 2e300);
}

/* Test that integer division by zero panics with Go's runtime error. */
static void test_vm_div_zero_panics(void **state)
{
    Fx *fx = *state;
    int st;
    binop(fx, OP_DIV, v_int_small(1), v_int_small(0), &st);
    assert_int_equal(st, -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: integer divide by zero");
    assert_true(((ObjError *)v_ptr(fx->t->panic_val))->runtime);
    binop(fx, OP_MOD, v_make_int(INT64_MIN), v_int_small(0), &st);
    assert_int_equal(st, -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: integer divide by zero");
    ObjProto *p = mkproto("main.dk", 0, 2, CODE(ABx(LOADK, 0, 0), ABC(DIVK, 1, 0, 1), ABC(RETURN, 1, 2, 0)),
                          KS(v_int_small(5), v_int_small(0)));
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, p, 0), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: integer divide by zero");
}

/* Test that shifts by 64 or more give 0 (or -1), and a negative count
 * panics. */
static void test_vm_shifts(void **state)
{
    Fx *fx = *state;
    assert_int_equal(v_int(int_op(fx, OP_SHL, 1, 64)), 0);
    assert_int_equal(v_int(int_op(fx, OP_SHR, -8, 70)), -1);
    assert_int_equal(v_int(int_op(fx, OP_SHR, 8, 70)), 0);
    assert_true(v_anyint(int_op(fx, OP_SHL, 1, 63)) == INT64_MIN);
    int st;
    binop(fx, OP_SHL, v_int_small(1), v_int_small(-1), &st);
    assert_int_equal(st, -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: negative shift amount");
}

/* Test that + concatenates strings, < compares bytes then length, and a
 * mismatched operation panics with Go's message. */
static void test_vm_strings(void **state)
{
    Fx *fx = *state;
    int st;
    Value v = binop(fx, OP_ADD, v_cstr("ab"), v_cstr("cd"), &st);
    assert_string_equal(v_str(v)->data, "abcd");
    assert_true(binop(fx, OP_SLT, v_cstr("ab"), v_cstr("abc"), &st) == V_TRUE);
    assert_true(binop(fx, OP_SLT, v_cstr("b"), v_cstr("abc"), &st) == V_FALSE);
    assert_true(binop(fx, OP_SLE, v_cstr("abc"), v_cstr("abc"), &st) == V_TRUE);
    assert_true(binop(fx, OP_SEQ, v_cstr("abc"), v_from_ptr(str_new("abc", 3)), &st) == V_TRUE);
    binop(fx, OP_SUB, v_cstr("a"), v_int_small(1), &st);
    assert_int_equal(st, -1);
    assert_string_equal(panic_msg(fx->t),
                        "runtime error: invalid operation: \"a\" - 1 (mismatched types string and int)");
    binop(fx, OP_SLT, v_from_ptr(list_new(0, 0)), v_from_ptr(list_new(0, 0)), &st);
    assert_int_equal(st, -1);
    assert_string_equal(panic_msg(fx->t),
                        "runtime error: invalid operation: [] < [] (operator < not defined on list)");
}

/* Test that comparisons order ints as raw words, mix ints and floats, and
 * treat NaN as Go does (every ordered comparison false, NaN != NaN). */
static void test_vm_compare(void **state)
{
    Fx *fx = *state;
    int st;
    Value nan = v_make_float(NAN);
    assert_true(binop(fx, OP_SLT, v_int_small(-5), v_int_small(3), &st) == V_TRUE);
    assert_true(binop(fx, OP_SLE, v_int_small(3), v_int_small(3), &st) == V_TRUE);
    assert_true(binop(fx, OP_SLT, v_int_small(1), v_make_float(1.5), &st) == V_TRUE);
    assert_true(binop(fx, OP_SLT, v_make_int(INT64_MAX), v_make_float(9.3e18), &st) == V_TRUE);
    assert_true(binop(fx, OP_SEQ, v_int_small(1), v_make_float(1.0), &st) == V_TRUE);
    assert_true(binop(fx, OP_SLT, nan, v_make_float(1.0), &st) == V_FALSE);
    assert_true(binop(fx, OP_SLE, v_make_float(1.0), nan, &st) == V_FALSE);
    assert_true(binop(fx, OP_SEQ, nan, nan, &st) == V_FALSE);
    assert_true(binop(fx, OP_SNE, nan, nan, &st) == V_TRUE);
    assert_true(binop(fx, OP_SEQ, V_NIL, V_NIL, &st) == V_TRUE);
    assert_true(binop(fx, OP_SEQ, v_cstr("1"), v_int_small(1), &st) == V_FALSE);

    /* compare-and-jump: r = (R0 < R1) ? 1 : 0, and the immediate forms */
    ObjProto *p = mkproto("main.lt", 2, 3,
                          CODE(ABC(LT, 0, 1, 0), JMP(2), AsBx(LOADI, 2, 1), ABC(RETURN, 2, 2, 0),
                               AsBx(LOADI, 2, 0), ABC(RETURN, 2, 2, 0)),
                          NOK);
    assert_int_equal(run(fx, p, 2, v_int_small(1), v_int_small(2)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 1);
    run(fx, p, 2, v_int_small(2), v_int_small(1));
    assert_int_equal(v_int(fx->t->rets[0]), 0);
    run(fx, p, 2, nan, v_make_float(1.0));
    assert_int_equal(v_int(fx->t->rets[0]), 0);
    run(fx, p, 2, v_make_float(0.5), v_int_small(1));
    assert_int_equal(v_int(fx->t->rets[0]), 1);

    ObjProto *q = mkproto("main.imm", 1, 2,
                          CODE(ABC(GEI, 0, IMM(-3), 0), JMP(2), AsBx(LOADI, 1, 1), ABC(RETURN, 1, 2, 0),
                               AsBx(LOADI, 1, 0), ABC(RETURN, 1, 2, 0)),
                          NOK);
    run(fx, q, 1, v_int_small(-3));
    assert_int_equal(v_int(fx->t->rets[0]), 1);
    run(fx, q, 1, v_int_small(-4));
    assert_int_equal(v_int(fx->t->rets[0]), 0);
    run(fx, q, 1, v_make_float(-2.5));
    assert_int_equal(v_int(fx->t->rets[0]), 1);
}

/* Test that a condition that is not a bool panics. */
static void test_vm_not_bool_condition(void **state)
{
    Fx *fx = *state;
    ObjProto *p = mkproto("main.cond", 1, 2, CODE(ABC(TEST, 0, 0, 0), JMP(0), ABC(RETURN, 0, 1, 0)), NOK);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, p, 1, v_int_small(1)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: non-bool 1 (type int) used as condition");
    ObjProto *q = mkproto("main.not", 1, 2, CODE(ABC(NOT, 1, 0, 0), ABC(RETURN, 1, 2, 0)), NOK);
    assert_int_equal(run(fx, q, 1, V_TRUE), 1);
    assert_true(fx->t->rets[0] == V_FALSE);
    assert_int_equal(run(fx, q, 1, v_cstr("x")), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: non-bool \"x\" (type string) used as condition");
}

/* ====================================================================== */
/* calls                                                                  */
/* ====================================================================== */

/* Test that functions return several results, that C=0 keeps them all
 * (top), and that RETURN B=0 returns up to top. */
static void test_vm_multiple_results(void **state)
{
    Fx *fx = *state;
    /* divmod(a, b) returns a / b, a % b */
    ObjProto *dm =
        mkproto("main.divmod", 2, 4, CODE(ABC(DIV, 2, 0, 1), ABC(MOD, 3, 0, 1), ABC(RETURN, 2, 3, 0)), NOK);
    set_global(fx, "divmod", closure(dm));
    int slot = rt_global_slot(fx->rt, str_cstr("divmod"));
    /* caller: q, r := divmod(17, 5); return r, q; then return divmod(9, 4)
     * through C=0 / B=0 */
    ObjProto *p =
        mkproto("main.caller", 0, 6,
                CODE(ABx(GETGLOBAL, 0, slot), AsBx(LOADI, 1, 17), AsBx(LOADI, 2, 5), ABC(CALL, 0, 3, 3),
                     ABC(MOVE, 2, 0, 0), ABC(MOVE, 0, 1, 0), ABC(MOVE, 1, 2, 0), ABC(RETURN, 0, 3, 0)),
                NOK);
    assert_int_equal(run(fx, p, 0), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 2);
    assert_int_equal(v_int(fx->t->rets[1]), 3);
    ObjProto *q = mkproto("main.tail", 0, 4,
                          CODE(ABx(GETGLOBAL, 0, slot), AsBx(LOADI, 1, 9), AsBx(LOADI, 2, 4),
                               ABC(CALL, 0, 3, 0), ABC(RETURN, 0, 0, 0)),
                          NOK);
    assert_int_equal(run(fx, q, 0), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 2);
    assert_int_equal(v_int(fx->t->rets[1]), 1);
    /* a native's two results spread into a call: divmod(two()) */
    ObjProto *r = mkproto("main.spread", 0, 4,
                          CODE(ABx(GETGLOBAL, 0, slot), ABx(LOADK, 1, 0), ABC(CALL, 1, 1, 0),
                               ABC(CALL, 0, 0, 0), ABC(RETURN, 0, 0, 0)),
                          KS(fx->two_fn));
    assert_int_equal(run(fx, r, 0), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 0);
    assert_int_equal(v_int(fx->t->rets[1]), 1);
}

/* Test that result-count mismatches behave: one wanted from none is nil,
 * two wanted from one and one wanted from two panic as Go's compiler
 * would refuse them. */
static void test_vm_result_mismatch(void **state)
{
    Fx *fx = *state;
    ObjProto *none = mkproto("main.none", 0, 1, CODE(ABC(RETURN, 0, 1, 0)), NOK);
    ObjProto *one = mkproto("main.one", 0, 1, CODE(AsBx(LOADI, 0, 7), ABC(RETURN, 0, 2, 0)), NOK);
    ObjProto *two =
        mkproto("main.two", 0, 2, CODE(AsBx(LOADI, 0, 7), AsBx(LOADI, 1, 8), ABC(RETURN, 0, 3, 0)), NOK);
    ObjProto *want1 =
        mkproto("main.want1", 1, 3,
                CODE(ABC(MOVE, 1, 0, 0), AsBx(LOADI, 2, 99), ABC(CALL, 1, 1, 2), ABC(RETURN, 1, 2, 0)), NOK);
    ObjProto *want2 =
        mkproto("main.want2", 1, 3, CODE(ABC(MOVE, 1, 0, 0), ABC(CALL, 1, 1, 3), ABC(RETURN, 1, 3, 0)), NOK);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, want1, 1, closure(none)), 1);
    assert_true(fx->t->rets[0] == V_NIL);
    assert_int_equal(run(fx, want1, 1, closure(one)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 7);
    assert_int_equal(run(fx, want1, 1, closure(two)), -1);
    assert_string_equal(panic_msg(fx->t),
                        "runtime error: multiple-value main.two() (2 values) in single-value context");
    assert_int_equal(run(fx, want2, 1, closure(one)), -1);
    assert_string_equal(panic_msg(fx->t),
                        "runtime error: assignment mismatch: 2 variables but main.one() returns 1 values");
    assert_int_equal(run(fx, want2, 1, fx->two_fn), 2);
    assert_int_equal(v_int(fx->t->rets[1]), 2);
    assert_int_equal(run(fx, want1, 1, fx->two_fn), -1);
}

/* Test that argument counts are checked with the function's name, and
 * that a variadic function gets its extra arguments as a list. */
static void test_vm_args(void **state)
{
    Fx *fx = *state;
    ObjProto *add = mkproto("main.add", 2, 3, CODE(ABC(ADD, 2, 0, 1), ABC(RETURN, 2, 2, 0)), NOK);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, add, 1, v_int_small(1)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: main.add: expected 2 arguments, got 1");
    /* f(a, xs...) returns a, len(xs), xs */
    ObjProto *va = mkproto("main.va", 2, 4,
                           CODE(ABC(LEN, 2, 1, 0), ABC(MOVE, 3, 1, 0), ABC(MOVE, 1, 2, 0), ABC(MOVE, 2, 3, 0),
                                ABC(RETURN, 0, 4, 0)),
                           NOK);
    va->variadic = 1;
    proto_params_done(va);
    assert_int_equal(run(fx, va, 4, v_int_small(1), v_int_small(2), v_int_small(3), v_int_small(4)), 3);
    assert_int_equal(v_int(fx->t->rets[0]), 1);
    assert_int_equal(v_int(fx->t->rets[1]), 3);
    ObjList *xs = v_list(fx->t->rets[2]);
    assert_int_equal(xs->len, 3);
    assert_int_equal(v_int(xs->store->items[2]), 4);
    assert_int_equal(run(fx, va, 1, v_int_small(1)), 3);
    assert_int_equal(v_int(fx->t->rets[1]), 0);
    assert_int_equal(run(fx, va, 0), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: main.va: expected at least 1 arguments, got 0");
    /* spread: va(xs...) via UNPACK and CALL B=0 */
    ObjProto *sp =
        mkproto("main.sp", 1, 4,
                CODE(ABx(LOADK, 1, 0), ABC(UNPACK, 2, 0, 0), ABC(CALL, 1, 0, 0), ABC(RETURN, 1, 0, 0)),
                KS(closure(va)));
    Value lst = v_from_ptr(list_from((Value[]){v_int_small(5), v_int_small(6), v_int_small(7)}, 3));
    assert_int_equal(run(fx, sp, 1, lst), 3);
    assert_int_equal(v_int(fx->t->rets[0]), 5);
    assert_int_equal(v_int(fx->t->rets[1]), 2);
    /* calling nil and a non-function */
    ObjProto *cn =
        mkproto("main.cn", 1, 2, CODE(ABC(MOVE, 1, 0, 0), ABC(CALL, 1, 1, 1), ABC(RETURN, 0, 1, 0)), NOK);
    assert_int_equal(run(fx, cn, 1, V_NIL), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: invalid memory address or nil pointer dereference");
    assert_int_equal(run(fx, cn, 1, v_int_small(3)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: cannot call 3 (type int)");
    /* a native's count check */
    assert_int_equal(run(fx, cn, 1, fx->panic_fn), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: panic: expected 1 arguments, got 0");
}

/* Test that closures share captured variables: a counter capturing a
 * cell, and a captured parameter (cellparams) shared by two closures. */
static void test_vm_closures(void **state)
{
    Fx *fx = *state;
    /* func() { n++; return n } over upvalue 0 */
    ObjProto *inc = mkproto(
        "main.func1", 0, 1,
        CODE(ABC(GETUPVAL, 0, 0, 0), ABC(ADDI, 0, 0, IMM(1)), ABC(SETUPVAL, 0, 0, 0), ABC(RETURN, 0, 2, 0)),
        NOK);
    set_upvals(inc, 1, (UpvalDesc[]){{1, 0}});
    /* mk() { n := 10; return func... } */
    ObjProto *mk = mkproto(
        "main.mk", 0, 2,
        CODE(AsBx(LOADI, 0, 10), ABC(NEWCELL, 0, 0, 0), ABx(CLOSURE, 1, 0), ABC(RETURN, 1, 2, 0)), NOK);
    add_protos(mk, 1, inc);
    assert_int_equal(run(fx, mk, 0), 1);
    Value c = fx->t->rets[0];
    assert_int_equal(vm_call(fx->t, c, NULL, 0), 1);
    assert_int_equal(vm_call(fx->t, c, NULL, 0), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 12);

    /* pair(x) { return func(){ x++; return x }, func(){ return x } } with x
     * a captured parameter; the getter's upvalue is reached through a
     * nested closure's upvalue (from_parent_reg = 0). */
    ObjProto *get = mkproto("main.pair.func2", 0, 1, CODE(ABC(GETUPVAL, 0, 0, 0), ABC(RETURN, 0, 2, 0)), NOK);
    set_upvals(get, 1, (UpvalDesc[]){{0, 0}});
    ObjProto *mkget = mkproto("main.pair.func3", 0, 1, CODE(ABx(CLOSURE, 0, 0), ABC(RETURN, 0, 2, 0)), NOK);
    set_upvals(mkget, 1, (UpvalDesc[]){{1, 0}});
    add_protos(mkget, 1, get);
    ObjProto *pair =
        mkproto("main.pair", 1, 3, CODE(ABx(CLOSURE, 1, 0), ABx(CLOSURE, 2, 1), ABC(RETURN, 1, 3, 0)), NOK);
    pair->cellparams = 1;
    proto_params_done(pair);
    add_protos(pair, 2, inc, mkget);
    assert_int_equal(run(fx, pair, 1, v_int_small(5)), 2);
    Value incr = fx->t->rets[0], mg = fx->t->rets[1];
    assert_int_equal(vm_call(fx->t, mg, NULL, 0), 1);
    Value getter = fx->t->rets[0];
    vm_call(fx->t, incr, NULL, 0);
    vm_call(fx->t, incr, NULL, 0);
    assert_int_equal(vm_call(fx->t, getter, NULL, 0), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 7);
}

/* Test that recursion works and stays out of the C stack: fib(20). */
static void test_vm_fib(void **state)
{
    Fx *fx = *state;
    int slot = rt_global_slot(fx->rt, str_cstr("fib"));
    ObjProto *fib =
        mkproto("main.fib", 1, 4,
                CODE(ABC(LTI, 0, IMM(2), 0), JMP(1), ABC(RETURN, 0, 2, 0), ABx(GETGLOBAL, 1, slot),
                     ABC(ADDI, 2, 0, IMM(-1)), ABC(CALL, 1, 2, 2), ABx(GETGLOBAL, 2, slot),
                     ABC(ADDI, 3, 0, IMM(-2)), ABC(CALL, 2, 2, 2), ABC(ADD, 1, 1, 2), ABC(RETURN, 1, 2, 0)),
                NOK);
    set_global(fx, "fib", closure(fib));
    assert_int_equal(run(fx, fib, 1, v_int_small(20)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 6765);
    assert_int_equal(fx->t->nframes, 0);
}

/* Test that a native can call back into csp (vm_call), and that a panic
 * inside propagates through the native to the csp caller. */
static void test_vm_call_from_native(void **state)
{
    Fx *fx = *state;
    ObjProto *dbl = mkproto("main.dbl", 1, 2, CODE(ABC(ADD, 1, 0, 0), ABC(RETURN, 1, 2, 0)), NOK);
    /* apply(dbl, x) + apply(dbl, x) inside csp */
    ObjProto *p = mkproto("main.ap", 1, 6,
                          CODE(ABx(LOADK, 1, 0), ABx(LOADK, 2, 1), ABC(MOVE, 3, 0, 0), ABC(CALL, 1, 3, 2),
                               ABC(RETURN, 1, 2, 0)),
                          KS(fx->apply_fn, closure(dbl)));
    assert_int_equal(run(fx, p, 1, v_int_small(20)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 41);
    assert_int_equal(fx->t->c_depth, 0);
    /* apply of a function that panics */
    ObjProto *bad =
        mkproto("main.bad", 1, 3,
                CODE(ABx(LOADK, 1, 0), ABC(MOVE, 2, 0, 0), ABC(CALL, 1, 2, 1), ABC(RETURN, 0, 1, 0)),
                KS(fx->panic_fn));
    ObjProto *q = mkproto("main.ap2", 1, 6,
                          CODE(ABx(LOADK, 1, 0), ABx(LOADK, 2, 1), ABC(MOVE, 3, 0, 0), ABC(CALL, 1, 3, 2),
                               ABC(RETURN, 1, 2, 0)),
                          KS(fx->apply_fn, closure(bad)));
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, q, 1, v_cstr("inner")), -1);
    assert_string_equal(panic_msg(fx->t), "inner");
    assert_int_equal(fx->t->nframes, 0);
    assert_int_equal(fx->t->c_depth, 0);
}

/* A native class for the method tests: Box.Get(n) = payload + n. */
static int m_get(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = v_int_small((int64_t)(intptr_t)((ObjObject *)v_ptr(args[0]))->payload +
                          (nargs > 1 ? v_int(args[1]) : 0));
    return 1;
}
static const MethodDef box_methods[] = {{"Get", m_get, 0, 1}, {NULL, NULL, 0, 0}};
static const ObjClass box_class = {.name = "test.Box", .methods = box_methods, .get_field = NULL};

/* Test that CALLM reaches a native object's method, a map member, a module
 * member and an error's Error(); and GETFIELD/SETFIELD map sugar and BINDM
 * method values. */
static void test_vm_methods(void **state)
{
    Fx *fx = *state;
    Value name = v_cstr("Get");
    /* r = R0.Get(5) */
    ObjProto *p = mkproto("main.m", 1, 4,
                          CODE(ABC(MOVE, 1, 0, 0), AsBx(LOADI, 2, 5), ABC(CALLM, 1, 2, 2), ABx(EXTRA, 0, 0),
                               ABC(RETURN, 1, 2, 0)),
                          KS(name));
    ObjObject *box = object_new(&box_class, (void *)(intptr_t)100);
    assert_int_equal(run(fx, p, 1, v_from_ptr(box)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 105);
    ObjProto *dbl = mkproto("main.dbl", 1, 2, CODE(ABC(ADD, 1, 0, 0), ABC(RETURN, 1, 2, 0)), NOK);
    ObjMap *m = map_new(2);
    map_set(m, name, closure(dbl));
    assert_int_equal(run(fx, p, 1, v_from_ptr(m)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 10);
    ObjModule *mod = module_new("mod");
    module_add(mod, "Get", closure(dbl));
    assert_int_equal(run(fx, p, 1, v_from_ptr(mod)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 10);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, p, 1, v_int_small(1)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: int has no field or method Get");
    assert_int_equal(run(fx, p, 1, V_NIL), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: invalid memory address or nil pointer dereference");
    /* err.Error() */
    ObjProto *e = mkproto(
        "main.e", 1, 3, CODE(ABC(MOVE, 1, 0, 0), ABC(CALLM, 1, 1, 2), ABx(EXTRA, 0, 0), ABC(RETURN, 1, 2, 0)),
        KS(v_cstr("Error")));
    assert_int_equal(run(fx, e, 1, v_error("oops %d", 1)), 1);
    assert_string_equal(v_str(fx->t->rets[0])->data, "oops 1");
    /* m.x = 3; return m.x, m.y */
    ObjProto *fld = mkproto("main.fld", 1, 3,
                            CODE(AsBx(LOADI, 1, 3), ABC(SETFIELD, 0, 0, 1), ABC(GETFIELD, 1, 0, 0),
                                 ABC(GETFIELD, 2, 0, 1), ABC(RETURN, 1, 3, 0)),
                            KS(v_cstr("x"), v_cstr("y")));
    assert_int_equal(run(fx, fld, 1, v_from_ptr(map_new(0))), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 3);
    assert_true(fx->t->rets[1] == V_NIL);
    /* bound method value: f := box.Get; f(1) */
    ObjProto *bm = mkproto(
        "main.bm", 1, 3,
        CODE(ABC(BINDM, 1, 0, 0), AsBx(LOADI, 2, 1), ABC(CALL, 1, 2, 2), ABC(RETURN, 1, 2, 0)), KS(name));
    assert_int_equal(run(fx, bm, 1, v_from_ptr(box)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 101);
}

/* ====================================================================== */
/* defer, panic, recover                                                  */
/* ====================================================================== */

/* Test that deferred calls run LIFO at return with the arguments they had
 * when deferred, and do not disturb the results. */
static void test_vm_defer_order(void **state)
{
    Fx *fx = *state;
    ObjProto *p =
        mkproto("main.d", 0, 4,
                CODE(ABx(LOADK, 0, 0), AsBx(LOADI, 1, 1), ABC(DEFER, 0, 2, 0), AsBx(LOADI, 1, 2),
                     ABC(DEFER, 0, 2, 0), AsBx(LOADI, 1, 3), AsBx(LOADI, 2, 4), ABC(RETURN, 1, 3, 0)),
                KS(fx->record_fn));
    assert_int_equal(run(fx, p, 0), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 3);
    assert_int_equal(v_int(fx->t->rets[1]), 4);
    assert_int_equal(recorded->len, 2);
    assert_int_equal(v_int(recorded->store->items[0]), 2);
    assert_int_equal(v_int(recorded->store->items[1]), 1);
}

/* The deferred closure: record(recover()) */
static ObjProto *recoverer(Fx *fx)
{
    return mkproto("main.f.func1", 0, 3,
                   CODE(ABx(LOADK, 0, 0), ABx(LOADK, 1, 1), ABC(CALL, 1, 1, 2), ABC(CALL, 0, 2, 1),
                        ABC(RETURN, 0, 1, 0)),
                   KS(fx->record_fn, fx->recover_fn));
}

/* Test that recover() in a deferred call stops a panic: the function
 * returns nil for its results and the caller goes on. */
static void test_vm_panic_recover(void **state)
{
    Fx *fx = *state;
    /* f() { defer func(){ record(recover()) }(); panic("boom"); return 5, 6 } */
    ObjProto *f =
        mkproto("main.f", 0, 3,
                CODE(ABx(CLOSURE, 0, 0), ABC(DEFER, 0, 1, 0), ABx(LOADK, 0, 0), ABx(LOADK, 1, 1),
                     ABC(CALL, 0, 2, 1), AsBx(LOADI, 0, 5), AsBx(LOADI, 1, 6), ABC(RETURN, 0, 3, 0)),
                KS(fx->panic_fn, v_cstr("boom")));
    add_protos(f, 1, recoverer(fx));
    /* caller: a, b := f(); return a, b, 7 */
    ObjProto *c = mkproto("main.c", 0, 3,
                          CODE(ABx(LOADK, 0, 0), ABC(CALL, 0, 1, 3), AsBx(LOADI, 2, 7), ABC(RETURN, 0, 4, 0)),
                          KS(closure(f)));
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, c, 0), 3);
    assert_true(fx->t->rets[0] == V_NIL);
    assert_true(fx->t->rets[1] == V_NIL);
    assert_int_equal(v_int(fx->t->rets[2]), 7);
    assert_false(fx->t->panicking);
    assert_null(fx->t->panic);
    assert_int_equal(recorded->len, 1);
    assert_string_equal(v_str(recorded->store->items[0])->data, "boom");
    /* a runtime error is recovered as an error value */
    ObjProto *g = mkproto("main.g", 0, 3,
                          CODE(ABx(CLOSURE, 0, 0), ABC(DEFER, 0, 1, 0), AsBx(LOADI, 0, 1), AsBx(LOADI, 1, 0),
                               ABC(DIV, 0, 0, 1), ABC(RETURN, 0, 2, 0)),
                          NOK);
    add_protos(g, 1, recoverer(fx));
    assert_int_equal(run(fx, g, 0), 0);
    Value e = recorded->store->items[1];
    assert_true(v_is_obj(e, OBJ_ERROR));
    assert_string_equal(((ObjError *)v_ptr(e))->msg->data, "runtime error: integer divide by zero");
}

/* Test that recover() returns nil outside a panic and when not called
 * directly by the deferred function. */
static void test_vm_recover_outside_panic(void **state)
{
    Fx *fx = *state;
    ObjProto *p = mkproto("main.r", 0, 2, CODE(ABx(LOADK, 0, 0), ABC(CALL, 0, 1, 2), ABC(RETURN, 0, 2, 0)),
                          KS(fx->recover_fn));
    assert_int_equal(run(fx, p, 0), 1);
    assert_true(fx->t->rets[0] == V_NIL);
    /* defer recover() (the builtin itself deferred) does not stop a panic */
    ObjProto *q = mkproto("main.q", 0, 3,
                          CODE(ABx(LOADK, 0, 0), ABC(DEFER, 0, 1, 0), ABx(LOADK, 0, 1), ABx(LOADK, 1, 2),
                               ABC(CALL, 0, 2, 1), ABC(RETURN, 0, 1, 0)),
                          KS(fx->recover_fn, fx->panic_fn, v_cstr("still")));
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, q, 0), -1);
    assert_string_equal(panic_msg(fx->t), "still");
    /* a deferred function that calls a helper that calls recover() */
    ObjProto *helper =
        mkproto("main.helper", 0, 2, CODE(ABx(LOADK, 0, 0), ABC(CALL, 0, 1, 2), ABC(RETURN, 0, 2, 0)),
                KS(fx->recover_fn));
    ObjProto *d =
        mkproto("main.w.func1", 0, 2, CODE(ABx(LOADK, 0, 0), ABC(CALL, 0, 1, 1), ABC(RETURN, 0, 1, 0)),
                KS(closure(helper)));
    ObjProto *w = mkproto("main.w", 0, 3,
                          CODE(ABx(CLOSURE, 0, 0), ABC(DEFER, 0, 1, 0), ABx(LOADK, 0, 0), ABx(LOADK, 1, 1),
                               ABC(CALL, 0, 2, 1), ABC(RETURN, 0, 1, 0)),
                          KS(fx->panic_fn, v_cstr("deep")));
    add_protos(w, 1, d);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, w, 0), -1);
    assert_string_equal(panic_msg(fx->t), "deep");
}

/* Test that a panic in a deferred call replaces the first, and both are
 * printed as Go does. */
static void test_vm_repanic_chain(void **state)
{
    Fx *fx = *state;
    ObjProto *d = mkproto("main.main.func1", 0, 2,
                          CODE(ABx(LOADK, 0, 0), ABx(LOADK, 1, 1), ABC(CALL, 0, 2, 1), ABC(RETURN, 0, 1, 0)),
                          KS(fx->panic_fn, v_cstr("second")));
    ObjProto *m = mkproto("main.main", 0, 2,
                          CODE(ABx(CLOSURE, 0, 0), ABC(DEFER, 0, 1, 0), ABx(LOADK, 0, 0), ABx(LOADK, 1, 1),
                               ABC(CALL, 0, 2, 1), ABC(RETURN, 0, 1, 0)),
                          KS(fx->panic_fn, v_cstr("first")));
    add_protos(m, 1, d);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, m, 0), -1);
    Buf b;
    buf_init(&b);
    vm_format_panic(fx->t, &b);
    assert_non_null(
        strstr(b.data, "panic: first\n\tpanic: second\n\ngoroutine 1 [running]:\nmain.main.func1()\n"));
    /* a recovered panic followed by a new one prints [recovered] */
    ObjProto *d2 = mkproto("main.x.func1", 0, 3,
                           CODE(ABx(LOADK, 0, 0), ABC(CALL, 0, 1, 1), ABx(LOADK, 0, 1), ABx(LOADK, 1, 2),
                                ABC(CALL, 0, 2, 1), ABC(RETURN, 0, 1, 0)),
                           KS(fx->recover_fn, fx->panic_fn, v_cstr("again")));
    ObjProto *x = mkproto("main.x", 0, 2,
                          CODE(ABx(CLOSURE, 0, 0), ABC(DEFER, 0, 1, 0), ABx(LOADK, 0, 0), ABx(LOADK, 1, 1),
                               ABC(CALL, 0, 2, 1), ABC(RETURN, 0, 1, 0)),
                          KS(fx->panic_fn, v_cstr("once")));
    add_protos(x, 1, d2);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, x, 0), -1);
    buf_init(&b);
    vm_format_panic(fx->t, &b);
    assert_non_null(strstr(b.data, "panic: once [recovered]\n\tpanic: again\n"));
    /* and a later defer can recover the replacement: nothing is left */
    ObjProto *y =
        mkproto("main.y", 0, 2,
                CODE(ABx(CLOSURE, 0, 0), ABC(DEFER, 0, 1, 0), ABx(CLOSURE, 0, 1), ABC(DEFER, 0, 1, 0),
                     ABx(LOADK, 0, 0), ABx(LOADK, 1, 1), ABC(CALL, 0, 2, 1), ABC(RETURN, 0, 1, 0)),
                KS(fx->panic_fn, v_cstr("first")));
    add_protos(y, 2, recoverer(fx), d);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, y, 0), 0);
    assert_null(fx->t->panic);
    assert_string_equal(v_str(recorded->store->items[recorded->len - 1])->data, "second");
}

static ObjProto *tb_main;

static void run_tb_main(Fx *fx, int *rc)
{
    *rc = vm_run_main(fx->t, tb_main);
    if (*rc == 2)
        vm_print_panic(fx->t);
}

/* Test that an unrecovered panic makes vm_run_main return 2, and that
 * vm_print_panic prints Go's panic message and traceback on stderr. */
static void test_vm_uncaught_panic_traceback(void **state)
{
    Fx *fx = *state;
    int slot = rt_global_slot(fx->rt, str_cstr("f"));
    /* f(x) { panic(x) } at line 3 */
    ObjProto *f = mkproto(
        "main.f", 1, 3, CODE(ABx(LOADK, 1, 0), ABC(MOVE, 2, 0, 0), ABC(CALL, 1, 2, 1), ABC(RETURN, 0, 1, 0)),
        KS(fx->panic_fn));
    set_global(fx, "f", closure(f));
    /* top-level: f("boom") at line 3 */
    tb_main =
        mkproto("main", 0, 2,
                CODE(ABx(GETGLOBAL, 0, slot), ABx(LOADK, 1, 0), ABC(CALL, 0, 2, 1), ABC(RETURN, 0, 1, 0)),
                KS(v_cstr("boom")));
    tb_main->is_main = 1;
    int rc = 0;
    char *err = capture_stderr(run_tb_main, fx, &rc);
    assert_int_equal(rc, 2);
    assert_string_equal(err, "panic: boom\n"
                             "\n"
                             "goroutine 1 [running]:\n"
                             "main.f(...)\n"
                             "\t/t/test.csp:3\n"
                             "main.main()\n"
                             "\t/t/test.csp:3\n");
    /* a runtime error from an operation, and then main() is called */
    vm_clear_panic(fx->t);
    ObjProto *mainfn =
        mkproto("main.main", 0, 3,
                CODE(ABx(LOADK, 0, 0), AsBx(LOADI, 1, 5), ABC(GETINDEX, 2, 0, 1), ABC(RETURN, 0, 1, 0)),
                KS(v_from_ptr(list_new(3, 3))));
    set_global(fx, "main", closure(mainfn));
    tb_main = mkproto("main", 0, 1, CODE(ABC(RETURN, 0, 1, 0)), NOK);
    tb_main->is_main = 1;
    err = capture_stderr(run_tb_main, fx, &rc);
    assert_int_equal(rc, 2);
    assert_string_equal(err, "panic: runtime error: index out of range [5] with length 3\n"
                             "\n"
                             "goroutine 1 [running]:\n"
                             "main.main()\n"
                             "\t/t/test.csp:3\n");
    set_global(fx, "main", V_NIL);
    vm_clear_panic(fx->t);
}

/* Test that runaway recursion is a "stack overflow" panic (not a crash)
 * and that a deferred recover() can stop it. */
static void test_vm_stack_overflow(void **state)
{
    Fx *fx = *state;
    int slot = rt_global_slot(fx->rt, str_cstr("rec"));
    ObjProto *rec = mkproto("main.rec", 0, 1,
                            CODE(ABx(GETGLOBAL, 0, slot), ABC(CALL, 0, 1, 1), ABC(RETURN, 0, 1, 0)), NOK);
    set_global(fx, "rec", closure(rec));
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, rec, 0), -1);
    assert_string_equal(panic_msg(fx->t), "stack overflow");
    assert_int_equal(fx->t->nframes, 0);
    Buf b;
    buf_init(&b);
    vm_format_panic(fx->t, &b);
    assert_non_null(strstr(b.data, "...additional frames elided...\n"));
    /* guard() { defer func(){ record(recover()) }(); rec() } */
    ObjProto *guard = mkproto("main.guard", 0, 2,
                              CODE(ABx(CLOSURE, 0, 0), ABC(DEFER, 0, 1, 0), ABx(GETGLOBAL, 0, slot),
                                   ABC(CALL, 0, 1, 1), ABC(RETURN, 0, 1, 0)),
                              NOK);
    add_protos(guard, 1, recoverer(fx));
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, guard, 0), 0);
    assert_false(fx->t->panicking);
    Value e = recorded->store->items[recorded->len - 1];
    assert_string_equal(((ObjError *)v_ptr(e))->msg->data, "stack overflow");
    /* natives calling back without end: the C depth limit */
    ObjProto *cb =
        mkproto("main.cb", 0, 3,
                CODE(ABx(LOADK, 0, 0), ABx(GETGLOBAL, 1, slot), ABC(CALL, 0, 2, 2), ABC(RETURN, 0, 2, 0)),
                KS(fx->apply_fn));
    set_global(fx, "rec", closure(cb));
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, cb, 0), -1);
    assert_string_equal(panic_msg(fx->t), "stack overflow");
    assert_int_equal(fx->t->c_depth, 0);
    vm_clear_panic(fx->t);
}

/* ====================================================================== */
/* lists, maps, strings, ranges                                           */
/* ====================================================================== */

static int index_op(Fx *fx, Value obj, Value key)
{
    ObjProto *p = mkproto("main.ix", 2, 3, CODE(ABC(GETINDEX, 2, 0, 1), ABC(RETURN, 2, 2, 0)), NOK);
    vm_clear_panic(fx->t);
    return run(fx, p, 2, obj, key);
}

static int setindex_op(Fx *fx, Value obj, Value key, Value v)
{
    ObjProto *p = mkproto("main.six", 3, 3, CODE(ABC(SETINDEX, 0, 1, 2), ABC(RETURN, 0, 1, 0)), NOK);
    vm_clear_panic(fx->t);
    return run(fx, p, 3, obj, key, v);
}

/* Test that indexing lists, strings, maps and nil works, and fails with
 * Go's messages. */
static void test_vm_index(void **state)
{
    Fx *fx = *state;
    Value l = v_from_ptr(list_from((Value[]){v_int_small(10), v_int_small(20), v_int_small(30)}, 3));
    assert_int_equal(index_op(fx, l, v_int_small(2)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 30);
    assert_int_equal(index_op(fx, l, v_int_small(5)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: index out of range [5] with length 3");
    assert_int_equal(index_op(fx, l, v_int_small(-1)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: index out of range [-1] with length 3");
    assert_int_equal(index_op(fx, l, v_cstr("a")), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: list index must be int, not string");
    assert_int_equal(index_op(fx, V_NIL, v_int_small(0)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: index out of range [0] with length 0");
    assert_int_equal(index_op(fx, v_cstr("hé"), v_int_small(1)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 0xC3);
    assert_int_equal(index_op(fx, v_int_small(3), v_int_small(0)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: cannot index int");

    ObjMap *m = map_new(4);
    map_set(m, v_cstr("a"), v_int_small(1));
    map_set(m, v_int_small(2), v_cstr("two"));
    assert_int_equal(index_op(fx, v_from_ptr(m), v_cstr("a")), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 1);
    assert_int_equal(index_op(fx, v_from_ptr(m), v_make_float(2.0)), 1);
    assert_string_equal(v_str(fx->t->rets[0])->data, "two");
    assert_int_equal(index_op(fx, v_from_ptr(m), v_cstr("zz")), 1);
    assert_true(fx->t->rets[0] == V_NIL);
    assert_int_equal(index_op(fx, V_NIL, v_cstr("zz")), 1);
    assert_true(fx->t->rets[0] == V_NIL);
    assert_int_equal(index_op(fx, v_from_ptr(m), l), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: hash of unhashable type list");

    assert_int_equal(setindex_op(fx, l, v_int_small(1), v_int_small(99)), 0);
    assert_int_equal(v_int(v_list(l)->store->items[1]), 99);
    assert_int_equal(setindex_op(fx, l, v_int_small(3), v_int_small(99)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: index out of range [3] with length 3");
    assert_int_equal(setindex_op(fx, V_NIL, v_cstr("k"), v_int_small(1)), -1);
    assert_string_equal(panic_msg(fx->t), "assignment to entry in nil map");
    assert_int_equal(setindex_op(fx, v_cstr("abc"), v_int_small(0), v_int_small(1)), -1);
    assert_string_equal(panic_msg(fx->t),
                        "runtime error: cannot assign to a string's bytes (strings are immutable)");
    assert_int_equal(setindex_op(fx, v_from_ptr(m), v_cstr("b"), v_int_small(5)), 0);
    assert_int_equal(m->len, 3);
    assert_int_equal(setindex_op(fx, v_from_ptr(m), l, v_int_small(5)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: hash of unhashable type list");

    /* v, ok := m[k] */
    ObjProto *p2 = mkproto("main.ix2", 2, 4, CODE(ABC(GETINDEX2, 2, 0, 1), ABC(RETURN, 2, 3, 0)), NOK);
    assert_int_equal(run(fx, p2, 2, v_from_ptr(m), v_cstr("a")), 2);
    assert_true(fx->t->rets[1] == V_TRUE);
    assert_int_equal(run(fx, p2, 2, v_from_ptr(m), v_cstr("q")), 2);
    assert_true(fx->t->rets[0] == V_NIL && fx->t->rets[1] == V_FALSE);
    assert_int_equal(run(fx, p2, 2, V_NIL, v_cstr("q")), 2);
    assert_true(fx->t->rets[1] == V_FALSE);
}

/* Test that slices of lists and strings take omitted bounds and check
 * them (a list's slice shares its store), and that len works on strings,
 * lists and nil. */
static void test_vm_slice_len(void **state)
{
    Fx *fx = *state;
    ObjProto *p =
        mkproto("main.sl", 3, 5, CODE(ABC(LOADNIL, 3, 0, 0), ABC(SLICE, 4, 0, 1), ABC(RETURN, 4, 2, 0)), NOK);
    Value l = v_from_ptr(list_from((Value[]){v_int_small(1), v_int_small(2), v_int_small(3)}, 3));
    assert_int_equal(run(fx, p, 3, l, v_int_small(1), V_NIL), 1);
    ObjList *r = v_list(fx->t->rets[0]);
    assert_int_equal(r->len, 2);
    assert_int_equal(r->cap, 2);
    assert_ptr_equal(r->store, v_list(l)->store);
    Value e;
    assert_true(list_get(r, 0, &e) && v_int(e) == 2);
    assert_true(fx->t->rets[0] != l);
    assert_int_equal(run(fx, p, 3, v_cstr("hello"), V_NIL, v_int_small(4)), 1);
    assert_string_equal(v_str(fx->t->rets[0])->data, "hell");
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, p, 3, l, v_int_small(2), v_int_small(1)), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: slice bounds out of range [2:1]");
    assert_int_equal(run(fx, p, 3, l, v_int_small(0), v_int_small(4)), -1);

    ObjProto *ln = mkproto("main.len", 1, 2, CODE(ABC(LEN, 1, 0, 0), ABC(RETURN, 1, 2, 0)), NOK);
    assert_int_equal(run(fx, ln, 1, v_cstr("héllo")), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 6);
    assert_int_equal(run(fx, ln, 1, V_NIL), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 0);
    assert_int_equal(run(fx, ln, 1, l), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 3);
    assert_int_equal(run(fx, ln, 1, v_int_small(3)), -1);
}

/* Test that list and map literals build: NEWLIST, APPENDN, NEWMAP,
 * MAPSET. */
static void test_vm_literals(void **state)
{
    Fx *fx = *state;
    ObjProto *p =
        mkproto("main.lit", 0, 6,
                CODE(AsBx(LOADI, 1, 1), AsBx(LOADI, 2, 2), ABC(NEWLIST, 0, 1, 2), AsBx(LOADI, 1, 3),
                     ABC(APPENDN, 0, 1, 0), ABx(LOADK, 2, 0), AsBx(LOADI, 3, 7), ABC(NEWMAP, 1, 2, 1),
                     ABx(LOADK, 2, 1), ABC(MAPSET, 1, 2, 0), ABC(RETURN, 0, 3, 0)),
                KS(v_cstr("a"), v_cstr("b")));
    assert_int_equal(run(fx, p, 0), 2);
    ObjList *l = v_list(fx->t->rets[0]);
    assert_int_equal(l->len, 3);
    assert_int_equal(v_int(l->store->items[2]), 3);
    ObjMap *m = v_map(fx->t->rets[1]);
    Value v;
    assert_true(map_get(m, v_cstr("a"), &v) && v_int(v) == 7);
    assert_true(map_get(m, v_cstr("b"), &v) && v_is_obj(v, OBJ_LIST));
}

/* sum(R0) over range: for k, v := range R0 { s += k; t += v } */
static ObjProto *range_proto(int nvars)
{
    return mkproto("main.rng", 1, 7,
                   CODE(AsBx(LOADI, 5, 0), AsBx(LOADI, 6, 0), ABC(MOVE, 1, 0, 0), ABC(RANGEPREP, 1, 0, 0),
                        JMP(2), ABC(ADD, 5, 5, 3), ABC(ADD, 6, 6, 4), ABC(RANGE, 1, 0, nvars), JMP(-4),
                        ABC(RETURN, 5, 3, 0)),
                   NOK);
}

/* Test that range walks lists (length fixed at the start), maps
 * (insertion order), strings (runes, U+FFFD for bad bytes), ints and nil. */
static void test_vm_range(void **state)
{
    Fx *fx = *state;
    ObjProto *p = range_proto(2);
    Value l = v_from_ptr(list_from((Value[]){v_int_small(10), v_int_small(20), v_int_small(30)}, 3));
    assert_int_equal(run(fx, p, 1, l), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 3);
    assert_int_equal(v_int(fx->t->rets[1]), 60);
    ObjMap *m = map_new(4);
    map_set(m, v_int_small(1), v_int_small(100));
    map_set(m, v_int_small(5), v_int_small(200));
    assert_int_equal(run(fx, p, 1, v_from_ptr(m)), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 6);
    assert_int_equal(v_int(fx->t->rets[1]), 300);
    /* "aé\xff" : indexes 0,1,3 ; runes 'a' + 0xE9 + 0xFFFD */
    assert_int_equal(run(fx, p, 1, v_cstr("a\xc3\xa9\xff")), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 4);
    assert_int_equal(v_int(fx->t->rets[1]), 'a' + 0xE9 + 0xFFFD);
    ObjProto *pi = range_proto(1);
    pi->code[6] = ABC(MOVE, 6, 6, 0);
    assert_int_equal(run(fx, pi, 1, v_int_small(10)), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 45);
    assert_int_equal(run(fx, pi, 1, v_int_small(-3)), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 0);
    assert_int_equal(run(fx, pi, 1, V_NIL), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 0);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, p, 1, V_TRUE), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: cannot range over true (type bool)");

    /* appending during the loop does not extend it:
     * for _, v := range l { record(v) } with record appending to l */
    ObjProto *ap = mkproto("main.rapp", 1, 7,
                           CODE(ABC(MOVE, 1, 0, 0), ABC(RANGEPREP, 1, 0, 0), JMP(3), ABx(LOADK, 5, 0),
                                ABC(MOVE, 6, 4, 0), ABC(CALL, 5, 2, 1), ABC(RANGE, 1, 0, 2), JMP(-5),
                                ABC(RETURN, 0, 1, 0)),
                           KS(fx->record_fn));
    ObjList *before = recorded;
    recorded = v_list(l);
    assert_int_equal(run(fx, ap, 1, l), 0);
    assert_int_equal(v_list(l)->len, 6);
    recorded = before;
}

/* Test that globals keep their slots and values when the slot array
 * grows past its first capacity. */
static void test_vm_globals_grow(void **state)
{
    Fx *fx = *state;
    int a = rt_global_slot(fx->rt, str_cstr("alpha"));
    fx->rt->globals->items[a] = v_int_small(42);
    char name[32];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "g%d", i);
        rt_global_slot(fx->rt, str_cstr(name));
    }
    assert_int_equal(rt_global_slot(fx->rt, str_cstr("alpha")), a);
    assert_true(fx->rt->globals->cap > 300);
    assert_int_equal(v_int(fx->rt->globals->items[a]), 42);
    /* SETGLOBAL / GETGLOBAL on a high slot */
    int hi = rt_global_slot(fx->rt, str_cstr("g299"));
    ObjProto *p = mkproto("main.gl", 1, 2,
                          CODE(ABx(SETGLOBAL, 0, hi), ABx(GETGLOBAL, 1, hi), ABC(RETURN, 1, 2, 0)), NOK);
    assert_int_equal(run(fx, p, 1, v_int_small(9)), 1);
    assert_int_equal(v_int(fx->t->rets[0]), 9);
}

/* Test that `go` of something that is not a function panics in the
 * caller, before any goroutine exists. */
static void test_vm_go_not_callable(void **state)
{
    Fx *fx = *state;
    ObjProto *p =
        mkproto("main.go", 0, 2, CODE(ABC(LOADNIL, 0, 0, 0), ABC(GO, 0, 1, 0), ABC(RETURN, 0, 1, 0)), NOK);
    vm_clear_panic(fx->t);
    assert_int_equal(run(fx, p, 0), -1);
    assert_string_equal(panic_msg(fx->t), "runtime error: invalid memory address or nil pointer dereference");
}

static int safepoints;
static void count_safepoint(Thread *t)
{
    safepoints++;
}

/* Test that a preemption request is served at a backward jump and the
 * loop carries on. */
static void test_vm_safepoint(void **state)
{
    Fx *fx = *state;
    fx->rt->on_safepoint = count_safepoint;
    fx->t->preempt = 1;
    ObjProto *pi = range_proto(1);
    pi->code[6] = ABC(MOVE, 6, 6, 0);
    assert_int_equal(run(fx, pi, 1, v_int_small(10)), 2);
    assert_int_equal(v_int(fx->t->rets[0]), 45);
    assert_int_equal(safepoints, 1);
    assert_int_equal(fx->t->preempt, 0);
    fx->rt->on_safepoint = NULL;
}

/* ---- threaded tests (their own group, so they can run under TSan) ---- */

typedef struct {
    Runtime *rt;
    Value fib;
    int64_t result;
} FibJob;

static void *fib_thread(void *arg)
{
    FibJob *job = arg;
    Thread *t = thread_new(job->rt);
    Value n = v_int_small(22);
    for (int i = 0; i < 5; i++)
        job->result = vm_call(t, job->fib, &n, 1) == 1 ? v_int(t->rets[0]) : -1;
    return NULL;
}

/* Test that several OS threads run csp code on one Runtime at once, each
 * with its own Thread: the interpreter keeps no global mutable state. */
static void test_vm_threads_share_runtime(void **state)
{
    Fx *fx = *state;
    int slot = rt_global_slot(fx->rt, str_cstr("fib"));
    ObjProto *fib =
        mkproto("main.fib", 1, 4,
                CODE(ABC(LTI, 0, IMM(2), 0), JMP(1), ABC(RETURN, 0, 2, 0), ABx(GETGLOBAL, 1, slot),
                     ABC(ADDI, 2, 0, IMM(-1)), ABC(CALL, 1, 2, 2), ABx(GETGLOBAL, 2, slot),
                     ABC(ADDI, 3, 0, IMM(-2)), ABC(CALL, 2, 2, 2), ABC(ADD, 1, 1, 2), ABC(RETURN, 1, 2, 0)),
                NOK);
    set_global(fx, "fib", closure(fib));
    enum { N = 4 };
    pthread_t th[N];
    FibJob *jobs = GC_MALLOC(sizeof(FibJob) * N);
    for (int i = 0; i < N; i++) {
        jobs[i].rt = fx->rt;
        jobs[i].fib = closure(fib);
        assert_int_equal(pthread_create(&th[i], NULL, fib_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(jobs[i].result, 17711);
    }
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vm_int_arith, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_int_overflow_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_float_arith, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_div_zero_panics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_shifts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_not_bool_condition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_multiple_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_result_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_closures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_fib, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_call_from_native, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_defer_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_panic_recover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_recover_outside_panic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_repanic_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_uncaught_panic_traceback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_stack_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_slice_len, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_literals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_globals_grow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_go_not_callable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_safepoint, setup, teardown),
    };
    const struct CMUnitTest threaded[] = {
        cmocka_unit_test_setup_teardown(test_vm_threads_share_runtime, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("vm", tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("vm_threaded", threaded, NULL, NULL);
}
