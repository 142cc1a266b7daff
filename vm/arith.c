/* arith.c — arithmetic and comparison off the interpreter's fast path.
 * The rules are Go's: int is 64-bit and wraps; / truncates toward zero and
 * MinInt / -1 wraps to MinInt instead of trapping as C's does; % takes the
 * sign of the dividend; an int divided by zero panics; floats are IEEE
 * (x / 0.0 is an infinity); shifts by a negative count panic and by 64 or
 * more give 0 (or -1 for >> of a negative). A dynamic language adds one
 * rule: an operation with an int and a float is done in floats (and one
 * with a complex number and a number, in complex numbers). An int that is
 * a uint64 past 2^63-1 (v_is_bigu) makes the operation uint64's: / % >>
 * and comparisons are unsigned, and the result is a uint64.
 */
#include "arith.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "types.h"

/* ====================================================================== */
/* messages                                                               */
/* ====================================================================== */

/* A value in an error message is cut here: the message names the operand,
 * it is not a dump of it. */
#define REPR_MAX 48

const char *arith_op_symbol(OpCode op)
{
    switch (op) {
    case OP_ADD:
    case OP_ADDK:
    case OP_ADDI:
        return "+";
    case OP_SUB:
    case OP_SUBK:
        return "-";
    case OP_MUL:
    case OP_MULK:
        return "*";
    case OP_DIV:
    case OP_DIVK:
        return "/";
    case OP_MOD:
    case OP_MODK:
        return "%";
    case OP_BAND:
        return "&";
    case OP_BOR:
        return "|";
    case OP_BXOR:
    case OP_BNOT:
        return "^";
    case OP_BANDNOT:
        return "&^";
    case OP_SHL:
        return "<<";
    case OP_SHR:
        return ">>";
    case OP_UNM:
        return "-";
    case OP_NOT:
        return "!";
    default:
        return "?";
    }
}

static void repr_string(Buf *b, const ObjString *s)
{
    static const char hex[] = "0123456789abcdef";
    buf_addc(b, '"');
    size_t n = s->len > REPR_MAX ? REPR_MAX : s->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s->data[i];
        switch (c) {
        case '"':
            buf_adds(b, "\\\"");
            break;
        case '\\':
            buf_adds(b, "\\\\");
            break;
        case '\n':
            buf_adds(b, "\\n");
            break;
        case '\t':
            buf_adds(b, "\\t");
            break;
        case '\r':
            buf_adds(b, "\\r");
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
                buf_add(b, esc, 4);
            } else {
                buf_addc(b, (char)c);
            }
        }
    }
    if (n < s->len)
        buf_adds(b, "...");
    buf_addc(b, '"');
}

void vm_repr(Buf *b, Value v)
{
    if (v_is_str(v)) {
        repr_string(b, v_str(v));
        return;
    }
    if (v == V_NIL) {
        buf_adds(b, "nil");
        return;
    }
    size_t start = b->len;
    format_value(b, v);
    if (b->len - start > REPR_MAX) {
        b->len = start + REPR_MAX;
        b->data[b->len] = 0;
        buf_adds(b, "...");
    }
}

/* "invalid operation: "a" - 1 (mismatched types string and int)", or
 * "(operator - not defined on list)" when the types agree. */
static Value bad_operands(Thread *t, const char *sym, Value a, Value b)
{
    Buf l, r;
    buf_init(&l);
    buf_init(&r);
    vm_repr(&l, a);
    vm_repr(&r, b);
    const char *ta = v_type_name(a), *tb = v_type_name(b);
    if (strcmp(ta, tb) != 0)
        buf_printf(&r, " (mismatched types %s and %s)", ta, tb);
    else
        buf_printf(&r, " (operator %s not defined on %s)", sym, ta);
    vm_panicf(t, E_BAD_OPERANDS, l.data, sym, r.data);
    return V_UNDEF;
}

static Value bad_operand(Thread *t, const char *sym, Value a)
{
    Buf b;
    buf_init(&b);
    vm_repr(&b, a);
    buf_printf(&b, " (operator %s not defined on %s)", sym, v_type_name(a));
    vm_panicf(t, E_BAD_OPERAND, sym, b.data);
    return V_UNDEF;
}

int arith_not_bool(Thread *t, Value v)
{
    Buf b;
    buf_init(&b);
    vm_repr(&b, v);
    return vm_panicf(t, E_NOT_BOOL, b.data, v_type_name(v));
}

/* ====================================================================== */
/* binary operators                                                       */
/* ====================================================================== */

static inline bool is_number(Value v)
{
    return v_is_anyint(v) || v_is_anyfloat(v);
}

static inline double to_double(Value v)
{
    return v_is_anyint(v) ? v_anyint_double(v) : v_anyfloat(v);
}

/* Base operator of a K/I form. */
static OpCode base_op(OpCode op)
{
    switch (op) {
    case OP_ADDK:
    case OP_ADDI:
        return OP_ADD;
    case OP_SUBK:
        return OP_SUB;
    case OP_MULK:
        return OP_MUL;
    case OP_DIVK:
        return OP_DIV;
    case OP_MODK:
        return OP_MOD;
    default:
        return op;
    }
}

/* Both ints: 64-bit two's complement, computed in uint64_t where C would
 * call signed overflow undefined. */
static ArithStatus int_binop(OpCode op, int64_t x, int64_t y, Value *out)
{
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    switch (op) {
    case OP_ADD:
        *out = v_make_int((int64_t)(ux + uy));
        return ARITH_OK;
    case OP_SUB:
        *out = v_make_int((int64_t)(ux - uy));
        return ARITH_OK;
    case OP_MUL:
        *out = v_make_int((int64_t)(ux * uy));
        return ARITH_OK;
    case OP_DIV:
        if (y == 0)
            return ARITH_DIV_ZERO;
        if (y == -1) /* INT64_MIN / -1 traps in C; Go wraps */
            *out = v_make_int((int64_t)(0 - ux));
        else
            *out = v_make_int(x / y);
        return ARITH_OK;
    case OP_MOD:
        if (y == 0)
            return ARITH_DIV_ZERO;
        /* INT64_MIN % -1 traps in C too */
        *out = y == -1 ? v_int_small(0) : v_make_int(x % y);
        return ARITH_OK;
    case OP_BAND:
        *out = v_make_int(x & y);
        return ARITH_OK;
    case OP_BOR:
        *out = v_make_int(x | y);
        return ARITH_OK;
    case OP_BXOR:
        *out = v_make_int(x ^ y);
        return ARITH_OK;
    case OP_BANDNOT:
        *out = v_make_int(x & ~y);
        return ARITH_OK;
    case OP_SHL:
        if (y < 0)
            return ARITH_NEG_SHIFT;
        *out = v_make_int(y >= 64 ? 0 : (int64_t)(ux << y));
        return ARITH_OK;
    case OP_SHR:
        if (y < 0)
            return ARITH_NEG_SHIFT;
        /* >> of a negative int64 is arithmetic in GCC and Clang. */
        *out = v_make_int(y >= 64 ? (x < 0 ? -1 : 0) : x >> y);
        return ARITH_OK;
    default:
        return ARITH_BAD_OPERANDS;
    }
}

/* Ints of which one is a uint64 past 2^63-1 (v_is_bigu): the operation
 * is uint64's (Go's operands have one type), its result a uint64. A
 * shift's count is a count: a huge one shifts everything out. */
static ArithStatus uint_binop(OpCode op, Value a, Value b, Value *out)
{
    uint64_t x = (uint64_t)v_anyint(a), y = (uint64_t)v_anyint(b);
    if (op == OP_SHL || op == OP_SHR) {
        if (!v_is_bigu(b) && (int64_t)y < 0)
            return ARITH_NEG_SHIFT;
        if (!v_is_bigu(a)) /* a signed value shifted by a huge count */
            return int_binop(op, (int64_t)x, 64, out);
        *out = v_make_uint(y >= 64 ? 0 : op == OP_SHL ? x << y : x >> y);
        return ARITH_OK;
    }
    switch (op) {
    case OP_DIV:
    case OP_MOD:
        if (y == 0)
            return ARITH_DIV_ZERO;
        *out = v_make_uint(op == OP_DIV ? x / y : x % y);
        return ARITH_OK;
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_BAND:
    case OP_BOR:
    case OP_BXOR:
    case OP_BANDNOT: {
        Value r;
        ArithStatus st = int_binop(op, (int64_t)x, (int64_t)y, &r);
        if (st == ARITH_OK)
            *out = v_make_uint((uint64_t)v_anyint(r));
        return st;
    }
    default:
        return ARITH_BAD_OPERANDS;
    }
}

/* The named type of an operation on a value of a script's named type
 * (ObjNamed): both operands' if both have one (then it must be the same
 * type), else the one that has it; a shift's is its left operand's. NULL
 * with *bad set when the types differ. */
static ObjType *named_result(OpCode op, Value a, Value b, bool *bad)
{
    ObjType *ta = v_is_obj(a, OBJ_NAMED) ? ((ObjNamed *)v_ptr(a))->type : NULL;
    ObjType *tb = v_is_obj(b, OBJ_NAMED) ? ((ObjNamed *)v_ptr(b))->type : NULL;
    *bad = ta && tb && ta != tb;
    if (op == OP_SHL || op == OP_SHR)
        return ta;
    return ta ? ta : tb;
}

/* A result of the named type ty: a sized integer type wraps, and a
 * float32 one rounds, as the underlying type would. */
static Value named_wrap(ObjType *ty, Value v)
{
    if (types_is_u64(ty) && v_is_anyint(v)) /* a uint64 below zero wraps too */
        v = types_int_value(ty, v_anyint(v));
    if (ty->kind == TYPE_INT && ty->bits < 64 && v_is_anyint(v))
        v = v_make_int(types_wrap_int(ty->bits, ty->is_unsigned, v_anyint(v)));
    else if (ty->kind == TYPE_FLOAT && ty->bits == 32 && v_is_anyfloat(v))
        v = v_make_float(types_float32(v_anyfloat(v)));
    return named_new(ty, v);
}

static ArithStatus named_binop(OpCode op, Value a, Value b, Value *out)
{
    bool bad;
    ObjType *ty = named_result(op, a, b, &bad);
    if (bad)
        return ARITH_BAD_OPERANDS;
    Value r;
    ArithStatus st = arith_eval_binop(op, v_unnamed(a), v_unnamed(b), &r);
    if (st == ARITH_OK)
        *out = ty ? named_wrap(ty, r) : r;
    return st;
}

/* Go's complex division (runtime.complex128div): Smith's algorithm, with
 * C99's corrections to infinities and zeros where it gives NaN/NaN. */
static void complex_div(double a, double b, double c, double d, double *re, double *im)
{
    double e, f;
    if (fabs(c) >= fabs(d)) {
        double ratio = d / c, denom = c + ratio * d;
        e = (a + b * ratio) / denom;
        f = (b - a * ratio) / denom;
    } else {
        double ratio = c / d, denom = d + ratio * c;
        e = (a * ratio + b) / denom;
        f = (b * ratio - a) / denom;
    }
    if (isnan(e) && isnan(f)) {
        if (c == 0 && d == 0 && (!isnan(a) || !isnan(b))) {
            e = copysign(INFINITY, c) * a;
            f = copysign(INFINITY, c) * b;
        } else if ((isinf(a) || isinf(b)) && isfinite(c) && isfinite(d)) {
            a = copysign(isinf(a) ? 1 : 0, a);
            b = copysign(isinf(b) ? 1 : 0, b);
            e = INFINITY * (a * c + b * d);
            f = INFINITY * (b * c - a * d);
        } else if ((isinf(c) || isinf(d)) && isfinite(a) && isfinite(b)) {
            c = copysign(isinf(c) ? 1 : 0, c);
            d = copysign(isinf(d) ? 1 : 0, d);
            e = 0 * (a * c + b * d);
            f = 0 * (b * c - a * d);
        }
    }
    *re = e;
    *im = f;
}

/* A complex operand's parts (an int or float is its real part); *is64
 * stays true only while every complex operand is a complex64. */
static void complex_parts(Value v, double *re, double *im, bool *is64)
{
    if (v_is_complex(v)) {
        *re = v_complex(v)->re;
        *im = v_complex(v)->im;
        *is64 = *is64 && (v_obj(v)->flags & COMPLEX_64);
    } else {
        *re = to_double(v);
        *im = 0;
    }
}

/* An operation with a complex operand (the other a complex or a number):
 * Go's complex arithmetic. Only + - * / exist; dividing by zero gives
 * infinities and NaNs, never a panic. */
static ArithStatus complex_binop(OpCode op, Value a, Value b, Value *out)
{
    double x, y, u, w, re, im;
    bool is64 = true;
    complex_parts(a, &x, &y, &is64);
    complex_parts(b, &u, &w, &is64);
    switch (op) {
    case OP_ADD:
        re = x + u, im = y + w;
        break;
    case OP_SUB:
        re = x - u, im = y - w;
        break;
    case OP_MUL:
        re = x * u - y * w, im = x * w + y * u;
        break;
    case OP_DIV:
        complex_div(x, y, u, w, &re, &im);
        break;
    default:
        return ARITH_BAD_OPERANDS;
    }
    *out = is64 ? v_make_complex64(re, im) : v_make_complex(re, im);
    return ARITH_OK;
}

ArithStatus arith_eval_binop(OpCode op, Value a, Value b, Value *out)
{
    op = base_op(op);
    if (unlikely(v_is_obj(a, OBJ_NAMED) || v_is_obj(b, OBJ_NAMED)))
        return named_binop(op, a, b, out);
    if (v_is_anyint(a) && v_is_anyint(b)) {
        if (unlikely(v_is_bigu(a) || v_is_bigu(b)))
            return uint_binop(op, a, b, out);
        return int_binop(op, v_anyint(a), v_anyint(b), out);
    }
    if (is_number(a) && is_number(b)) {
        double x = to_double(a), y = to_double(b);
        switch (op) {
        case OP_ADD:
            *out = v_make_float(x + y);
            return ARITH_OK;
        case OP_SUB:
            *out = v_make_float(x - y);
            return ARITH_OK;
        case OP_MUL:
            *out = v_make_float(x * y);
            return ARITH_OK;
        case OP_DIV:
            *out = v_make_float(x / y);
            return ARITH_OK;
        case OP_MOD:
            *out = v_make_float(fmod(x, y));
            return ARITH_OK;
        default:
            /* Bitwise operators and shifts are for ints only. */
            return ARITH_BAD_OPERANDS;
        }
    }
    if ((v_is_complex(a) || v_is_complex(b)) && (v_is_complex(a) || is_number(a)) &&
        (v_is_complex(b) || is_number(b)))
        return complex_binop(op, a, b, out);
    if (op == OP_ADD && v_is_str(a) && v_is_str(b)) {
        *out = v_from_ptr(str_concat(v_str(a), v_str(b)));
        return ARITH_OK;
    }
    return ARITH_BAD_OPERANDS;
}

Value arith_binop(Thread *t, OpCode op, Value a, Value b)
{
    Value r;
    switch (arith_eval_binop(op, a, b, &r)) {
    case ARITH_OK:
        return r;
    case ARITH_DIV_ZERO:
        vm_panicf(t, E_DIV_ZERO);
        return V_UNDEF;
    case ARITH_NEG_SHIFT:
        vm_panicf(t, E_NEG_SHIFT);
        return V_UNDEF;
    default:
        return bad_operands(t, arith_op_symbol(op), a, b);
    }
}

ArithStatus arith_eval_unop(OpCode op, Value a, Value *out)
{
    if (unlikely(v_is_obj(a, OBJ_NAMED))) {
        Value r;
        ArithStatus st = arith_eval_unop(op, v_unnamed(a), &r);
        if (st == ARITH_OK)
            *out = named_wrap(((ObjNamed *)v_ptr(a))->type, r);
        return st;
    }
    switch (op) {
    case OP_UNM:
        if (v_is_bigu(a)) {
            *out = v_make_uint(0 - (uint64_t)v_anyint(a));
            return ARITH_OK;
        }
        if (v_is_anyint(a)) {
            *out = v_make_int((int64_t)(0 - (uint64_t)v_anyint(a)));
            return ARITH_OK;
        }
        if (v_is_anyfloat(a)) {
            *out = v_make_float(-v_anyfloat(a));
            return ARITH_OK;
        }
        if (v_is_complex(a)) {
            const ObjComplex *c = v_complex(a);
            *out =
                (c->h.flags & COMPLEX_64) ? v_make_complex64(-c->re, -c->im) : v_make_complex(-c->re, -c->im);
            return ARITH_OK;
        }
        break;
    case OP_BNOT:
        if (v_is_bigu(a)) {
            *out = v_make_uint(~(uint64_t)v_anyint(a));
            return ARITH_OK;
        }
        if (v_is_anyint(a)) {
            *out = v_make_int(~v_anyint(a));
            return ARITH_OK;
        }
        break;
    case OP_NOT:
        if (v_is_bool(a)) {
            *out = v_bool(a != V_TRUE);
            return ARITH_OK;
        }
        return ARITH_NOT_BOOL;
    default:
        break;
    }
    return ARITH_BAD_OPERANDS;
}

Value arith_unop(Thread *t, OpCode op, Value a)
{
    Value r;
    switch (arith_eval_unop(op, a, &r)) {
    case ARITH_OK:
        return r;
    case ARITH_NOT_BOOL:
        arith_not_bool(t, a);
        return V_UNDEF;
    default:
        return bad_operand(t, arith_op_symbol(op), a);
    }
}

/* ====================================================================== */
/* comparisons                                                            */
/* ====================================================================== */

/* Three-way compare of an int with a double, exactly (converting a large
 * int to double would round). NaN: *unordered set. */
static int cmp_int_float(Value iv, double d, bool *unordered)
{
    int64_t i = v_anyint(iv);
    if (isnan(d)) {
        *unordered = true;
        return 0;
    }
    /* long double has a 64-bit mantissa on x86-64, so (long double)i is
     * exact; elsewhere this still orders everything but huge near-ties. */
    long double li = v_is_bigu(iv) ? (long double)(uint64_t)i : (long double)i, ld = (long double)d;
    return li < ld ? -1 : li > ld ? 1 : 0;
}

static int str_cmp(const ObjString *a, const ObjString *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, n);
    if (c)
        return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

ArithStatus arith_eval_compare(CmpOp cmp, Value a, Value b, int *out)
{
    int c;
    bool unordered = false;
    if (unlikely(v_is_obj(a, OBJ_NAMED) || v_is_obj(b, OBJ_NAMED))) {
        bool bad;
        named_result(OP_ADD, a, b, &bad);
        return bad ? ARITH_BAD_OPERANDS : arith_eval_compare(cmp, v_unnamed(a), v_unnamed(b), out);
    }
    if (v_is_anyint(a) && v_is_anyint(b)) {
        int64_t x = v_anyint(a), y = v_anyint(b);
        bool ua = v_is_bigu(a), ub = v_is_bigu(b);
        if (unlikely(ua != ub)) /* a uint64 past 2^63-1 is above every int64 */
            c = ua ? 1 : -1;
        else if (unlikely(ua))
            c = (uint64_t)x < (uint64_t)y ? -1 : (uint64_t)x > (uint64_t)y;
        else
            c = x < y ? -1 : x > y;
    } else if (v_is_anyint(a) && v_is_anyfloat(b)) {
        c = cmp_int_float(a, v_anyfloat(b), &unordered);
    } else if (v_is_anyfloat(a) && v_is_anyint(b)) {
        c = -cmp_int_float(b, v_anyfloat(a), &unordered);
    } else if (v_is_anyfloat(a) && v_is_anyfloat(b)) {
        double x = v_anyfloat(a), y = v_anyfloat(b);
        unordered = isnan(x) || isnan(y);
        c = x < y ? -1 : x > y;
    } else if (v_is_str(a) && v_is_str(b)) {
        c = str_cmp(v_str(a), v_str(b));
    } else {
        return ARITH_BAD_OPERANDS;
    }
    if (unordered) {
        *out = 0; /* every ordered comparison with NaN is false */
        return ARITH_OK;
    }
    switch (cmp) {
    case CMP_LT:
        *out = c < 0;
        break;
    case CMP_LE:
        *out = c <= 0;
        break;
    case CMP_GT:
        *out = c > 0;
        break;
    default:
        *out = c >= 0;
        break;
    }
    return ARITH_OK;
}

int arith_compare(Thread *t, CmpOp cmp, Value a, Value b)
{
    static const char *const syms[] = {"<", "<=", ">", ">="};
    int r;
    if (arith_eval_compare(cmp, a, b, &r) != ARITH_OK) {
        bad_operands(t, syms[cmp], a, b);
        return -1;
    }
    return r;
}
