/* compile_fold.c — constant folding (cg_).
 *
 * Owns const_eval: the value of an expression when it is known at compile
 * time (literals, constants, universe values, and operators on them), or
 * V_UNDEF. An untyped constant expression's value is compile_exact.c's
 * (exact, rounded once); typed ones fold here with the VM's rules. Pass 1
 * folds constant declarations with it; code generation asks it before
 * compiling an operator, and loads the answer instead.
 * Results are memoised in Compiler.memo, and long operator chains are
 * folded with a loop, so folding stays linear in the size of the tree.
 */
#include <math.h>

#include "compile_int.h"

#include "../vm/arith.h"
#include "../vm/buf.h"
#include "grammar.h"

/* An int or a float, small or boxed. */
bool cg_is_number(Value v)
{
    return v_is_anyint(v) || v_is_anyfloat(v);
}

/* Fold a binary operation on constants, or return V_UNDEF to leave it to
 * run time. The arithmetic is vm/arith.c's, the very functions the VM
 * calls, so a folded operator gives what the instruction would; whatever
 * would panic there (an int divided by zero, a negative shift, operands of
 * the wrong types) is not folded, so it still panics when executed, with
 * its message, and not when compiled. */
static Value fold_binary(int op, Value a, Value b)
{
    if (a == V_UNDEF || b == V_UNDEF)
        return V_UNDEF;
    Value r;
    if (cg_is_arith_op(op)) {
        OpCode rop = cg_arith_op(op);
        /* A float division by zero has a value (an infinity or NaN), but
         * Go rejects a constant division by zero: leave it as written. */
        if ((rop == OP_DIV || rop == OP_MOD) &&
            (v_is_anyint(b) ? v_anyint(b) == 0 : v_is_anyfloat(b) && v_anyfloat(b) == 0))
            return V_UNDEF;
        if (rop == OP_ADD && v_is_str(a) && v_is_str(b) && v_str(a)->len + v_str(b)->len > MAX_FOLD_STR)
            return V_UNDEF;
        return arith_eval_binop(rop, a, b, &r) == ARITH_OK ? r : V_UNDEF;
    }
    /* Comparisons fold between operands of one kind only: two ints, two
     * strings, two bools for == and !=. Folding more would be sound (the
     * rules are the VM's), but it would take the VM's mixed comparisons,
     * fast paths included, out of every program that writes them with
     * literals, tests included. */
    bool ints = v_is_anyint(a) && v_is_anyint(b), strs = v_is_str(a) && v_is_str(b);
    bool bools = v_is_bool(a) && v_is_bool(b);
    int res;
    switch (op) {
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE: {
        CmpOp cmp = op == TK_LT ? CMP_LT : op == TK_LE ? CMP_LE : op == TK_GT ? CMP_GT : CMP_GE;
        if (!ints && !strs)
            return V_UNDEF;
        return arith_eval_compare(cmp, a, b, &res) == ARITH_OK ? v_bool(res) : V_UNDEF;
    }
    case TK_EQ:
    case TK_NE:
        /* == never panics; v_equal is the VM's. */
        if (!ints && !strs && !bools)
            return V_UNDEF;
        return v_bool(v_equal(a, b) == (op == TK_EQ));
    case TK_ANDAND:
    case TK_OROR:
        if (!bools)
            return V_UNDEF;
        return v_bool(op == TK_ANDAND ? a == V_TRUE && b == V_TRUE : a == V_TRUE || b == V_TRUE);
    }
    return V_UNDEF;
}

static Value fold_unary(int op, Value a)
{
    if (a == V_UNDEF)
        return V_UNDEF;
    Value r;
    switch (op) {
    case TK_PLUS: /* compiles to nothing; folded for numbers only */
        return cg_is_number(a) ? a : V_UNDEF;
    case TK_MINUS:
        return arith_eval_unop(OP_UNM, a, &r) == ARITH_OK ? r : V_UNDEF;
    case TK_CARET:
        return arith_eval_unop(OP_BNOT, a, &r) == ARITH_OK ? r : V_UNDEF;
    case TK_NOT:
        return arith_eval_unop(OP_NOT, a, &r) == ARITH_OK ? r : V_UNDEF;
    }
    return V_UNDEF;
}

/* A conversion of a constant number to a numeric type (float64(3) is
 * 3.0, uint8(300) is 44, int(2.5) is 2): what the conversion gives when
 * it runs, so `const third = float64(1) / 3` is a float constant. */
static Value fold_conversion(Compiler *c, Node *n)
{
    if (n->list.n != 1 || n->spread || !n->a || n->a->kind != N_IDENT)
        return V_UNDEF;
    Var *f = cg_node_var(c, n->a);
    const ObjType *ty = f && f->kind == VK_UNIVERSE ? cg_store_type(n->a->name) : NULL;
    if (!ty || (ty->kind != TYPE_INT && ty->kind != TYPE_FLOAT && ty->kind != TYPE_COMPLEX))
        return V_UNDEF;
    Value out;
    /* an untyped constant converts exactly: float64(1 << 80) */
    switch (cg_exact_to_type(c, n->list.items[0], ty, &out, NULL)) {
    case 1:
        return out;
    case -1:
        return V_UNDEF;
    default:
        break;
    }
    Value x = cg_const_eval(c, n->list.items[0]);
    if (ty->kind == TYPE_COMPLEX)
        return (cg_is_number(x) || v_is_complex(x)) && types_fit_complex(ty, x, &out) ? out : V_UNDEF;
    if (!cg_is_number(x))
        return V_UNDEF;
    if (ty->kind == TYPE_FLOAT)
        return types_store_const(ty, x, &out) ? out : V_UNDEF;
    int64_t i = v_is_anyint(x) ? v_anyint(x) : types_float_to_int(v_anyfloat(x), ty->bits, ty->is_unsigned);
    return types_int_value(ty, i);
}

/* Fold a top-level const on first use, so consts may be used before they
 * are declared (as in Go); a cycle just leaves them unfolded. */
void cg_fold_global_const(Compiler *c, Var *v)
{
    if (v->cstate != 0)
        return;
    v->cstate = 1;
    Value r = cg_const_eval(c, v->cexpr);
    /* `const YB ByteSize = 1 << 80`: the untyped value converts exactly */
    if (v->type && cg_exact_to_type(c, v->cexpr, v->type, &r, "constant declaration") < 0)
        r = V_UNDEF;
    /* `const x float64 = 3` is 3.0; one that does not fit its type is
     * left to its declaration's store, which panics */
    if (v->type && cg_is_foldable(r) && !types_store_const(v->type, r, &r))
        r = V_UNDEF;
    if (!v->type && !(v->uexpr && cg_exact(c, v->uexpr)))
        v->type = cg_basic_type(c, v->cexpr); /* const b = uint8(200) is a byte */
    if (v->cstate == 1)
        v->cval = r;
    v->cstate = 2;
}

/* The value of a long operator chain sp[0] (see cg_arith_spine and
 * cg_logic_spine), folded left to right in a loop. A run of string
 * concatenations is gathered in one buffer: keeping each prefix as its own
 * string (as folding node by node does) would cost the square of the
 * result's length, gigabytes for a generated `"a" + "a" + ...` of a few
 * hundred kilobytes. */
static Value fold_spine(Compiler *c, Node **sp, int len)
{
    Value acc = cg_const_eval(c, sp[len - 1]->a);
    Buf run;
    bool inrun = false;
    for (int i = len - 1; i >= 0 && acc != V_UNDEF; i--) {
        Value b = cg_const_eval(c, sp[i]->b);
        if (sp[i]->op == TK_PLUS && v_is_str(b) && b != V_UNDEF && (inrun || v_is_str(acc))) {
            if (!inrun) {
                buf_init(&run);
                buf_add(&run, v_str(acc)->data, v_str(acc)->len);
                inrun = true;
            }
            if (run.len + v_str(b)->len > MAX_FOLD_STR)
                return V_UNDEF;
            buf_add(&run, v_str(b)->data, v_str(b)->len);
            continue;
        }
        if (inrun) {
            acc = v_from_ptr(buf_to_str(&run));
            inrun = false;
        }
        acc = fold_binary(sp[i]->op, acc, b);
    }
    return inrun ? v_from_ptr(buf_to_str(&run)) : acc;
}

/* The kinds of node an untyped constant can be. */
static bool exact_kind(const Node *n)
{
    switch (n->kind) {
    case N_INT:
    case N_FLOAT:
        /* a literal alone is its value already (ival, or fval, which
         * strtod rounded correctly), except -0.0 (a constant has no
         * negative zero) and one past int64 or float64 */
        if (n->kind == N_INT)
            return n->str && strlen(n->str) >= 16;
        return (n->fval == 0 && signbit(n->fval)) || isinf(n->fval);
    case N_IMAG:
    case N_IDENT:
    case N_FIELD:
    case N_UNARY:
    case N_CALL:
        return true;
    case N_BINARY:
        return cg_is_arith_op(n->op);
    default:
        return false;
    }
}

/* v, the folded value of operator n, as Go has it: the operators of
 * uint64 wrap to a uint64 (^uint64(0) is 18446744073709551615, not -1).
 * Arithmetic on a uint64 past 2^63-1 is uint64's already (vm/arith.c);
 * this is for the results that go below zero. */
static Value as_uint64(Compiler *c, Node *n, Value v)
{
    if (v_is_anyint(v) && v_anyint(v) < 0 && !v_is_bigu(v) && types_is_u64(cg_basic_type(c, n)))
        return v_make_uint((uint64_t)v_anyint(v));
    return v;
}

/* v, the folded value of operator n, rounded to n's type when that is
 * float32 or complex64: Go rounds a typed constant after each operation,
 * so float32(1<<30) + 1 - 1<<30 is 0, as the same sums at run time. */
static Value as_typed(Compiler *c, Node *n, Value v)
{
    v = as_uint64(c, n, v);
    const ObjType *ty = v != V_UNDEF ? cg_basic_type(c, n) : NULL;
    Value out;
    if (ty && ty->bits == 32 && ty->kind == TYPE_FLOAT && cg_is_number(v))
        return types_store_const(ty, v, &out) ? out : v;
    if (ty && ty->bits == 64 && ty->kind == TYPE_COMPLEX && (cg_is_number(v) || v_is_complex(v)))
        return types_fit_complex(ty, v, &out) ? out : v;
    return v;
}

/* The value of n if it is a compile-time constant, else V_UNDEF. Only
 * called on resolved subtrees (it reads pass 1's bindings). Memoised, so
 * compiling a long chain of operators stays linear. */
Value cg_const_eval(Compiler *c, Node *n)
{
    if (!n)
        return V_UNDEF;
    uint64_t m;
    if (cg_pm_get(&c->memo, n, &m))
        return (Value)m;
    if (n->kind == N_BINARY && (cg_is_arith_op(n->op) || cg_is_logic_op(n->op)) && n->a &&
        n->a->kind == N_BINARY && !cg_pm_get(&c->memo, n->a, &m)) {
        Node **sp;
        int len = cg_is_logic_op(n->op) ? cg_logic_spine(n, &sp) : cg_arith_spine(n, &sp);
        if (len > SPINE_MIN) {
            Value v = fold_spine(c, sp, len);
            cg_pm_put(&c->memo, n, v);
            return v;
        }
    }
    if (!cg_enter(c, n))
        return V_UNDEF;
    Value v = V_UNDEF;
    bool memo = true;
    /* An untyped constant is computed exactly, and rounded once, to its
     * default type; one that does not fit that is no value here (its use
     * reports it: cg_exact_check). */
    const Exact *x = exact_kind(n) ? cg_exact(c, n) : NULL;
    if (x) {
        v = cg_exact_default(x);
        goto done;
    }
    int cmp = n->kind == N_BINARY ? cg_exact_compare(c, n) : -1;
    if (cmp >= 0) {
        v = v_bool(cmp);
        goto done;
    }
    switch (n->kind) {
    case N_NIL:
        v = V_NIL;
        break;
    case N_TRUE:
        v = V_TRUE;
        break;
    case N_FALSE:
        v = V_FALSE;
        break;
    case N_INT:
        v = n->big ? v_make_uint((uint64_t)n->ival) : v_make_int(n->ival);
        break;
    case N_FLOAT:
        v = v_make_float(n->fval);
        break;
    case N_STRING:
        v = v_from_ptr(str_new(n->str ? n->str : "", n->str ? n->len : 0));
        break;
    case N_TYPEEXPR: {
        /* make([]T, n), new(T), []byte(s): the type's descriptor (built
         * when the code runs if it names a type parameter) */
        uint64_t w;
        if (!cg_pm_get(&c->tmentions, n, &w))
            v = v_from_ptr(cg_node_type(c, n) ? cg_node_type(c, n) : types_parse("", 0));
        break;
    }
    case N_IDENT:
    case N_FIELD: {
        Var *var = cg_node_var(c, n);
        if (var && (n->kind == N_IDENT || var->kind == VK_UNIVERSE)) {
            if (var->cexpr && var->cstate == 0)
                cg_fold_global_const(c, var);
            if (var->cstate == 1) {
                memo = false; /* a cycle: do not memoise a half answer */
                break;
            }
            v = var->cval;
        }
        break;
    }
    case N_CALL:
        v = fold_conversion(c, n);
        break;
    case N_UNARY:
        v = as_typed(c, n, fold_unary(n->op, cg_const_eval(c, n->a)));
        break;
    case N_BINARY: {
        cg_exact_operands(c, n);
        if ((n->op == TK_EQ || n->op == TK_NE) && cg_iface_compare(c, n->a, n->b))
            break; /* (*int)(nil) == any(nil) is false: compared when it runs */
        Value a = cg_const_eval(c, n->a);
        v = a == V_UNDEF ? V_UNDEF : as_typed(c, n, fold_binary(n->op, a, cg_const_eval(c, n->b)));
        break;
    }
    case N_IMAG:
        v = v_make_complex(0, n->fval);
        break;
    default:
        break;
    }
done:
    cg_leave(c);
    if (memo)
        cg_pm_put(&c->memo, n, v);
    return v;
}

/* A constant that arithmetic and comparisons may use as an operand. */
bool cg_is_foldable(Value v)
{
    return v != V_UNDEF && (cg_is_number(v) || v_is_complex(v) || v_is_str(v) || v_is_bool(v) || v == V_NIL);
}
