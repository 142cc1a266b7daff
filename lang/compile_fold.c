/* compile_fold.c — constant folding (cg_).
 *
 * Owns const_eval: the value of an expression when it is known at compile
 * time (literals, constants, universe values, and operators on them), or
 * V_UNDEF. Pass 1 folds constant declarations with it; code generation
 * asks it before compiling an operator, and loads the answer instead.
 * Results are memoised in Compiler.memo, and long operator chains are
 * folded with a loop, so folding stays linear in the size of the tree.
 */
#include "compile_int.h"

#include <math.h>
#include <string.h>

#include "../vm/buf.h"
#include "grammar.h"

bool cg_v_isnum(Value v)
{
    return v_is_anyint(v) || v_is_anyfloat(v);
}
static double v_num(Value v)
{
    return v_is_anyint(v) ? (double)v_anyint(v) : v_anyfloat(v);
}

static int str_cmp(ObjString *a, ObjString *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->data, b->data, n);
    return r ? r : (a->len < b->len ? -1 : a->len > b->len);
}

static Value fold_compare(int op, int cmp)
{
    switch (op) {
    case TK_EQ:
        return v_bool(cmp == 0);
    case TK_NE:
        return v_bool(cmp != 0);
    case TK_LT:
        return v_bool(cmp < 0);
    case TK_LE:
        return v_bool(cmp <= 0);
    case TK_GT:
        return v_bool(cmp > 0);
    case TK_GE:
        return v_bool(cmp >= 0);
    }
    return V_UNDEF;
}

/* Fold a binary operation on constants as the VM would compute it, or
 * return V_UNDEF to leave it to run time (division by zero, a negative
 * shift: those must panic when executed, not when compiled). */
static Value fold_binary(int op, Value a, Value b)
{
    if (a == V_UNDEF || b == V_UNDEF)
        return V_UNDEF;
    if (v_is_anyint(a) && v_is_anyint(b)) {
        int64_t x = v_anyint(a), y = v_anyint(b);
        uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
        switch (op) {
        case TK_PLUS:
            return v_make_int((int64_t)(ux + uy));
        case TK_MINUS:
            return v_make_int((int64_t)(ux - uy));
        case TK_STAR:
            return v_make_int((int64_t)(ux * uy));
        case TK_SLASH:
            if (y == 0)
                return V_UNDEF;
            return v_make_int(y == -1 ? (int64_t)(0 - ux) : x / y);
        case TK_PERCENT:
            if (y == 0)
                return V_UNDEF;
            return v_make_int(y == -1 ? 0 : x % y);
        case TK_AMP:
            return v_make_int(x & y);
        case TK_PIPE:
            return v_make_int(x | y);
        case TK_CARET:
            return v_make_int(x ^ y);
        case TK_ANDNOT:
            return v_make_int(x & ~y);
        case TK_SHL:
            if (y < 0)
                return V_UNDEF;
            return v_make_int(y >= 64 ? 0 : (int64_t)(ux << y));
        case TK_SHR:
            if (y < 0)
                return V_UNDEF;
            return v_make_int(y >= 64 ? (x < 0 ? -1 : 0) : x >> y);
        case TK_EQ:
        case TK_NE:
        case TK_LT:
        case TK_LE:
        case TK_GT:
        case TK_GE:
            return fold_compare(op, x < y ? -1 : x > y);
        }
        return V_UNDEF;
    }
    if (cg_v_isnum(a) && cg_v_isnum(b)) {
        double x = v_num(a), y = v_num(b);
        switch (op) {
        case TK_PLUS:
            return v_make_float(x + y);
        case TK_MINUS:
            return v_make_float(x - y);
        case TK_STAR:
            return v_make_float(x * y);
        case TK_SLASH:
            return y == 0 ? V_UNDEF : v_make_float(x / y);
        case TK_PERCENT:
            return y == 0 ? V_UNDEF : v_make_float(fmod(x, y));
        }
        return V_UNDEF; /* comparisons mixing int and float: the VM's rules */
    }
    if (v_is_str(a) && v_is_str(b)) {
        ObjString *x = v_str(a), *y = v_str(b);
        if (op == TK_PLUS) {
            if (x->len + y->len > MAX_FOLD_STR)
                return V_UNDEF;
            return v_from_ptr(str_concat(x, y));
        }
        return fold_compare(op, str_cmp(x, y));
    }
    if (v_is_bool(a) && v_is_bool(b)) {
        bool x = a == V_TRUE, y = b == V_TRUE;
        switch (op) {
        case TK_ANDAND:
            return v_bool(x && y);
        case TK_OROR:
            return v_bool(x || y);
        case TK_EQ:
            return v_bool(x == y);
        case TK_NE:
            return v_bool(x != y);
        }
    }
    return V_UNDEF;
}

static Value fold_unary(int op, Value a)
{
    if (a == V_UNDEF)
        return V_UNDEF;
    switch (op) {
    case TK_MINUS:
        if (v_is_anyint(a))
            return v_make_int((int64_t)(0 - (uint64_t)v_anyint(a)));
        if (v_is_anyfloat(a))
            return v_make_float(-v_anyfloat(a));
        break;
    case TK_PLUS:
        if (cg_v_isnum(a))
            return a;
        break;
    case TK_CARET:
        if (v_is_anyint(a))
            return v_make_int(~v_anyint(a));
        break;
    case TK_NOT:
        if (v_is_bool(a))
            return v_bool(a != V_TRUE);
        break;
    }
    return V_UNDEF;
}

/* Fold a top-level const on first use, so consts may be used before they
 * are declared (as in Go); a cycle just leaves them unfolded. */
void cg_fold_global_const(Compiler *c, Var *v)
{
    if (v->cstate != 0)
        return;
    v->cstate = 1;
    Value r = cg_const_eval(c, v->cexpr);
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
        v = v_make_int(n->ival);
        break;
    case N_FLOAT:
        v = v_make_float(n->fval);
        break;
    case N_STRING:
        v = v_from_ptr(str_new(n->str ? n->str : "", n->str ? n->len : 0));
        break;
    case N_TYPEEXPR:
        v = v_from_ptr(str_cstr(n->name ? n->name : ""));
        break;
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
    case N_UNARY:
        v = fold_unary(n->op, cg_const_eval(c, n->a));
        break;
    case N_BINARY: {
        Value a = cg_const_eval(c, n->a);
        v = a == V_UNDEF ? V_UNDEF : fold_binary(n->op, a, cg_const_eval(c, n->b));
        break;
    }
    default:
        break;
    }
    cg_leave(c);
    if (memo)
        cg_pm_put(&c->memo, n, v);
    return v;
}

/* A constant that arithmetic and comparisons may use as an operand. */
bool cg_is_foldable(Value v)
{
    return v != V_UNDEF && (cg_v_isnum(v) || v_is_str(v) || v_is_bool(v) || v == V_NIL);
}
