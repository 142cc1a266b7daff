/* test_arith.c — vm/arith.c's rules without a thread: the arith_eval_*
 * functions that the interpreter's slow paths and the compiler's constant
 * folding share. An operation that would panic gives its ArithStatus.
 *
 * Expected values are Go's, where Go has the operation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gc/gc.h>
#include <math.h>

#include "vm/arith.h"
#include "vm/mem.h"
#include "vm/types.h"

static int setup(void **state)
{
    (void)state;
    GC_INIT();
    return 0;
}

static int64_t int_op(OpCode op, int64_t a, int64_t b)
{
    Value r = V_UNDEF;
    assert_int_equal(arith_eval_binop(op, v_make_int(a), v_make_int(b), &r), ARITH_OK);
    assert_true(v_is_anyint(r));
    return v_anyint(r);
}

static double float_op(OpCode op, Value a, Value b)
{
    Value r = V_UNDEF;
    assert_int_equal(arith_eval_binop(op, a, b, &r), ARITH_OK);
    assert_true(v_is_anyfloat(r));
    return v_anyfloat(r);
}

static int compare(CmpOp cmp, Value a, Value b)
{
    int r = -1;
    assert_int_equal(arith_eval_compare(cmp, a, b, &r), ARITH_OK);
    return r;
}

/* Test that int arithmetic wraps and divides as Go's int64 does: / toward
 * zero, % with the dividend's sign, MinInt / -1 wraps, shifts of 64 and
 * more, and the K and I forms follow their base operator. */
static void test_arith_int_rules(void **state)
{
    (void)state;
    assert_true(int_op(OP_ADD, INT64_MAX, 1) == INT64_MIN);
    assert_true(int_op(OP_SUB, INT64_MIN, 1) == INT64_MAX);
    assert_true(int_op(OP_MUL, INT64_MAX, 2) == -2);
    assert_true(int_op(OP_DIV, -7, 2) == -3);
    assert_true(int_op(OP_MOD, -7, 2) == -1);
    assert_true(int_op(OP_DIV, INT64_MIN, -1) == INT64_MIN);
    assert_true(int_op(OP_MOD, INT64_MIN, -1) == 0);
    assert_true(int_op(OP_SHL, 1, 64) == 0);
    assert_true(int_op(OP_SHR, -1, 64) == -1);
    assert_true(int_op(OP_SHR, 8, 64) == 0);
    assert_true(int_op(OP_BANDNOT, 7, 5) == 2);
    assert_true(int_op(OP_DIVK, 9, 2) == 4);
    assert_true(int_op(OP_ADDI, 40, 2) == 42);
}

/* Test that what would panic gives its status and leaves *out alone: an
 * int divided by zero, a negative shift, operands of the wrong kinds, !
 * of a non-bool. */
static void test_arith_failures(void **state)
{
    (void)state;
    Value r = V_NIL;
    int c = 7;
    assert_int_equal(arith_eval_binop(OP_DIV, v_make_int(1), v_make_int(0), &r), ARITH_DIV_ZERO);
    assert_int_equal(arith_eval_binop(OP_MOD, v_make_int(1), v_make_int(0), &r), ARITH_DIV_ZERO);
    assert_int_equal(arith_eval_binop(OP_SHL, v_make_int(1), v_make_int(-1), &r), ARITH_NEG_SHIFT);
    assert_int_equal(arith_eval_binop(OP_SHR, v_make_int(1), v_make_int(-1), &r), ARITH_NEG_SHIFT);
    assert_int_equal(arith_eval_binop(OP_BAND, v_make_float(1.5), v_make_int(1), &r), ARITH_BAD_OPERANDS);
    assert_int_equal(arith_eval_binop(OP_SUB, v_from_ptr(str_cstr("a")), v_make_int(1), &r),
                     ARITH_BAD_OPERANDS);
    assert_int_equal(arith_eval_unop(OP_NOT, v_make_int(1), &r), ARITH_NOT_BOOL);
    assert_int_equal(arith_eval_unop(OP_UNM, v_from_ptr(str_cstr("a")), &r), ARITH_BAD_OPERANDS);
    assert_int_equal(arith_eval_compare(CMP_LT, v_make_int(1), v_from_ptr(str_cstr("a")), &c),
                     ARITH_BAD_OPERANDS);
    assert_true(r == V_NIL);
    assert_int_equal(c, 7);
}

/* Test that floats are IEEE (a float divided by zero is an infinity, not a
 * failure), that an int with a float is done in floats, and that strings
 * concatenate. */
static void test_arith_float_and_string(void **state)
{
    (void)state;
    assert_true(isinf(float_op(OP_DIV, v_make_float(1.5), v_make_int(0))));
    assert_true(float_op(OP_ADD, v_make_int(1), v_make_float(2.5)) == 3.5);
    assert_true(float_op(OP_MOD, v_make_int(7), v_make_float(2.5)) == 2.0);
    Value r = V_UNDEF;
    assert_int_equal(arith_eval_binop(OP_ADD, v_from_ptr(str_cstr("ab")), v_from_ptr(str_cstr("cd")), &r),
                     ARITH_OK);
    assert_true(v_is_str(r));
    assert_memory_equal(v_str(r)->data, "abcd", 4);
    assert_int_equal(arith_eval_unop(OP_UNM, v_make_float(2.5), &r), ARITH_OK);
    assert_true(v_anyfloat(r) == -2.5);
}

/* Test that comparisons order an int against a float exactly (2^53 + 1 is
 * above the float 2^53), that NaN compares false, and strings bytewise. */
static void test_arith_compare_rules(void **state)
{
    (void)state;
    assert_int_equal(compare(CMP_LT, v_make_int(1), v_make_float(1.5)), 1);
    assert_int_equal(compare(CMP_GT, v_make_int((INT64_C(1) << 53) + 1), v_make_float(9007199254740992.0)),
                     1);
    assert_int_equal(compare(CMP_GE, v_make_float(NAN), v_make_float(NAN)), 0);
    assert_int_equal(compare(CMP_LT, v_make_float(NAN), v_make_int(1)), 0);
    assert_int_equal(compare(CMP_LT, v_from_ptr(str_cstr("ab")), v_from_ptr(str_cstr("abc"))), 1);
    assert_int_equal(compare(CMP_LE, v_from_ptr(str_cstr("b")), v_from_ptr(str_cstr("abc"))), 0);
}

/* A named type as a `type` declaration makes it: its underlying type's
 * descriptor, named and marked as declared. */
static ObjType *named_type(const char *name, const char *underlying)
{
    ObjType *t = mem_alloc(sizeof *t);
    *t = *types_parse(underlying, strlen(underlying));
    t->name = name;
    t->named = true;
    return t;
}

/* Test that arithmetic and comparison see through a value of a named type
 * and keep the type (a sized one wraps as its underlying type does), and
 * that two different named types do not mix. */
static void test_arith_named(void **state)
{
    (void)state;
    ObjType *cel = named_type("main.Celsius", "float64");
    ObjType *small = named_type("main.Small", "int8");
    ObjType *day = named_type("main.Weekday", "int");
    Value c = named_new(cel, v_make_float(100));
    Value r = V_UNDEF;
    assert_int_equal(arith_eval_binop(OP_MUL, c, v_make_int(9), &r), ARITH_OK);
    assert_true(v_is_obj(r, OBJ_NAMED));
    assert_ptr_equal(((ObjNamed *)v_ptr(r))->type, cel);
    assert_true(v_anyfloat(v_unnamed(r)) == 900.0);
    assert_int_equal(
        arith_eval_binop(OP_ADD, named_new(small, v_make_int(100)), named_new(small, v_make_int(100)), &r),
        ARITH_OK);
    assert_int_equal(v_anyint(v_unnamed(r)), -56);
    assert_int_equal(arith_eval_unop(OP_UNM, named_new(day, v_make_int(3)), &r), ARITH_OK);
    assert_int_equal(v_anyint(v_unnamed(r)), -3);
    assert_ptr_equal(((ObjNamed *)v_ptr(r))->type, day);
    assert_int_equal(
        arith_eval_binop(OP_ADD, named_new(day, v_make_int(1)), named_new(small, v_make_int(1)), &r),
        ARITH_BAD_OPERANDS);
    assert_int_equal(compare(CMP_LT, named_new(day, v_make_int(1)), v_make_int(2)), 1);
    assert_true(v_equal(named_new(day, v_make_int(2)), v_make_int(2)));
    assert_true(v_equal(named_new(day, v_make_int(2)), named_new(day, v_make_int(2))));
    assert_false(v_equal(named_new(day, v_make_int(2)), named_new(small, v_make_int(2))));
    ObjType *color = named_type("main.Color", "string");
    assert_int_equal(arith_eval_binop(OP_ADD, named_new(color, v_cstr("re")), v_cstr("d"), &r), ARITH_OK);
    assert_string_equal(v_str(v_unnamed(r))->data, "red");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arith_int_rules),
        cmocka_unit_test(test_arith_failures),
        cmocka_unit_test(test_arith_float_and_string),
        cmocka_unit_test(test_arith_compare_rules),
        cmocka_unit_test(test_arith_named),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
