/* compile_types.c — numbers follow declared types (cg_).
 *
 * A variable, parameter or result declared with a basic type (`var total
 * float64`, `func f(b byte)`, `func g() float64`) holds values of that
 * type: what is stored into it goes through CONV, which makes an int a
 * float where a float is declared, wraps a sized int to its width and
 * panics on a value of the wrong kind (vm/types.h: types_store). A map
 * type converts too: nil stored there becomes that type's nil map, which
 * reads zeros. A place of interface type boxes a value whose static type
 * an interface must keep (see "values into interfaces" below). Other types
 * (slices, structs, names the compiler does not know) take any value as
 * it is, so untyped code compiles exactly as it did.
 *
 * Most stores need no CONV: a constant is converted here, at compile time
 * (`var f float64 = 3` loads 3.0); and a value whose kind is known (a
 * float literal, a float64 variable, `float64(x)`, `a * b` of float64s, an
 * int expression into an int, a call of a func declared to return int) is
 * stored as it is. static_kind is that knowledge: it trusts a typed
 * variable to hold its type, which holds because every store into one
 * goes through here.
 *
 * static_type knows more: the exact type of an expression where Go's
 * rules give one (a typed variable, T(x), an operator on operands of one
 * type, an untyped constant taking the other operand's). It gives `x := e`
 * e's type, and makes each operator on sized ints and float32 wrap or
 * round its result, as Go's arithmetic on those types does (cg_fit_op):
 * `b + b` of two bytes is a byte. float64(x) and int(x) of an x whose kind
 * suits compile to a CONV instead of a call (cg_conversion_to).
 *
 * Parameters of an int, string, bool or map type are not checked on
 * entry: their values are right whenever the caller's are (Go would have
 * rejected the call otherwise), and a check would cost every call of such
 * a function. Float and sized-int parameters convert on entry, as the
 * value changes (a uint64 one too: an untyped expression the caller
 * computed as an int, `f(x | 1<<63)`, becomes the uint64 it is).
 */
#include "compile_int.h"

#include <string.h>

#include "../vm/iface.h"
#include "../vm/mem.h"
#include "grammar.h"

/* How deep static_kind looks into an expression: the kinds of long
 * operator chains are left unknown rather than walked. */
enum { KIND_DEPTH = 16 };

/* Whether t is an interface type: a store into a place of it boxes a
 * value whose static type an interface keeps (iface_boxes) instead of
 * converting it. */
static bool is_iface(const ObjType *t)
{
    return t && t->kind == TYPE_INTERFACE;
}

const ObjType *cg_store_type(TypeRef t)
{
    return t ? cg_store_type_of(types_parse(t, strlen(t))) : NULL;
}

const ObjType *cg_store_type_of(const ObjType *t)
{
    /* Gen[T] in generic code: the instance is only known when the code
     * runs, and the value stored already has it (Gen[int]) */
    if (t && t->named && t->generic && types_open(t))
        return NULL;
    return types_store_checks(t) || types_boxed(t) || types_named_container(t) || is_iface(t) ? t : NULL;
}

/* The kind of value an arithmetic operator gives, from its operands'
 * kinds (TYPE_UNKNOWN when it is not known). A float operand makes the
 * result a float (or the operator panics); the bitwise operators give ints
 * (or panic). */
static TypeKind arith_kind(int tok, TypeKind a, TypeKind b)
{
    switch (tok) {
    case TK_AMP:
    case TK_PIPE:
    case TK_CARET:
    case TK_ANDNOT:
    case TK_SHL:
    case TK_SHR:
        return TYPE_INT;
    case TK_PLUS:
        if (a == TYPE_STRING && b == TYPE_STRING)
            return TYPE_STRING;
        break;
    default:
        break;
    }
    if (a == TYPE_FLOAT || b == TYPE_FLOAT)
        return TYPE_FLOAT;
    if (a == TYPE_INT && b == TYPE_INT)
        return TYPE_INT;
    return TYPE_UNKNOWN;
}

/* The library function a call calls (strconv.Itoa(n), math.Sqrt(x)), or
 * NULL. */
static ObjNative *called_native(Compiler *c, Node *call)
{
    Node *f = call && call->kind == N_CALL ? call->a : NULL;
    Var *v = f && (f->kind == N_IDENT || f->kind == N_FIELD) ? cg_node_var(c, f) : NULL;
    return v && v->kind == VK_UNIVERSE && v_is_obj(v->cval, OBJ_NATIVE) ? v_ptr(v->cval) : NULL;
}

/* Result i of a library function's Go signature, or NULL. */
static const ObjType *native_result_type(ObjNative *fn, int i)
{
    const ObjType *t = types_native(fn);
    return t && t->sig && i >= 0 && i < t->nout ? t->sig[t->nin + i] : NULL;
}

/* Whether t is a predeclared number type other than int and float64
 * (uint64, int64, uint32, float32...), whose values csp's ints and
 * floats hold only when the code says which type they have. */
static bool sized_number(const ObjType *t)
{
    return t && (t->kind == TYPE_INT || t->kind == TYPE_FLOAT) && !t->named && !strchr(t->name, '.') &&
           strcmp(t->name, "int") != 0 && strcmp(t->name, "float64") != 0;
}

/* The declared type of result i of a call of a top-level func that
 * nothing assigns (so the call runs that func), or NULL. A REPL line
 * may be called after a later line redefines the func: not there. A
 * library function's result counts when it is a sized number
 * (math.Float64bits gives a uint64, so `b := math.Float64bits(x)` is one
 * and `b + 1<<63` wraps as Go's); its int, float64 and string results
 * are left untyped, as csp code that assigns something else later to
 * `s := strconv.Itoa(n)` has always run. */
static const ObjType *result_type(Compiler *c, Node *n, int i)
{
    Node *f = n && n->kind == N_CALL ? n->a : NULL;
    ObjNative *fn = called_native(c, n);
    if (fn) {
        const ObjType *t = native_result_type(fn, i);
        return sized_number(t) ? t : NULL;
    }
    Var *v = f && f->kind == N_IDENT && !c->repl ? cg_node_var(c, f) : NULL;
    if (!v || v->kind != VK_GLOBAL || v->assigned || !v->decl || v->decl->kind != N_FUNCDECL)
        return NULL;
    const FuncInfo *fi = v->decl->func;
    return fi && fi->nresults > i && fi->result_types ? cg_store_type(fi->result_types[i]) : NULL;
}

const ObjType *cg_native_result_type(Compiler *c, Node *call)
{
    ObjNative *fn = called_native(c, call);
    const ObjType *t = fn ? types_native(fn) : NULL;
    return t && t->sig && t->nout == 1 ? t->sig[t->nin] : NULL;
}

static const ObjType *func_result_type(Compiler *c, Node *n)
{
    return result_type(c, n, 0);
}

const ObjType *cg_call_result_type(Compiler *c, Node *call, int i)
{
    return result_type(c, call, i);
}

/* A call of a predeclared conversion or len/cap, or of a func whose
 * result is declared: the kind it gives. */
static TypeKind call_kind(Compiler *c, Node *n)
{
    Node *f = n->a;
    const ObjType *rt = func_result_type(c, n);
    if (rt)
        return rt->kind;
    Var *v = f && f->kind == N_IDENT ? cg_node_var(c, f) : NULL;
    if (!v || v->kind != VK_UNIVERSE || !f->name)
        return TYPE_UNKNOWN;
    if (!strcmp(f->name, "len") || !strcmp(f->name, "cap"))
        return TYPE_INT;
    if (!strcmp(f->name, "float"))
        return TYPE_FLOAT;
    if (!strcmp(f->name, "make") && n->list.n && n->list.items[0]->kind == N_TYPEEXPR &&
        n->list.items[0]->name && !strncmp(n->list.items[0]->name, "map[", 4))
        return TYPE_MAP;
    const ObjType *ty = cg_store_type(f->name);
    return ty ? ty->kind : TYPE_UNKNOWN;
}

static bool is_untyped_const(Compiler *c, Node *n)
{
    Value k = cg_const_eval(c, n);
    return k != V_UNDEF && cg_is_number(k);
}

/* Whether n takes the other operand's type, as an untyped constant does:
 * a constant, or a shift of one by a count that is not (`1<<n` in
 * `x | 1<<n` is of x's type). */
static bool untyped_operand(Compiler *c, Node *n)
{
    if (is_untyped_const(c, n))
        return true;
    return n->kind == N_BINARY && (n->op == TK_SHL || n->op == TK_SHR) && is_untyped_const(c, n->a);
}

/* The declared type of what n computes, when it is one of the basic types
 * stores convert to: a typed variable, a conversion T(x), and an operator
 * on operands of one such type (an untyped constant takes the other's
 * type, as in Go: b + 1 is a byte when b is). NULL when not known. */
static const ObjType *static_type(Compiler *c, Node *n, int depth)
{
    if (!n || depth > KIND_DEPTH)
        return NULL;
    switch (n->kind) {
    case N_IDENT: {
        Var *v = cg_node_var(c, n);
        return v ? v->type : NULL;
    }
    case N_CALL: {
        const ObjType *rt = func_result_type(c, n);
        if (rt)
            return rt;
        Var *v = n->a && n->a->kind == N_IDENT && n->list.n >= 1 && !n->spread ? cg_node_var(c, n->a) : NULL;
        if (!v || v->kind != VK_UNIVERSE)
            return NULL;
        if (!strcmp(n->a->name, "make") && n->list.items[0]->kind == N_TYPEEXPR)
            return cg_store_type(n->list.items[0]->name); /* make(map[K]V) */
        return n->list.n == 1 ? cg_store_type(n->a->name) : NULL;
    }
    case N_MAP:
        return cg_store_type(n->type); /* map[K]V{...}; untyped {...} has none */
    case N_INDEX:
    case N_FIELD: {
        /* an element of a typed slice, array or map, a struct's field:
         * stores into them convert, so they hold their type's values */
        const ObjType *t = cg_static_type(c, n);
        return t && !t->named && (t->kind == TYPE_INT || t->kind == TYPE_FLOAT) ? t : NULL;
    }
    case N_UNARY:
        return n->op == TK_MINUS || n->op == TK_PLUS || n->op == TK_CARET ? static_type(c, n->a, depth + 1)
                                                                          : NULL;
    case N_BINARY: {
        if (!cg_is_arith_op(n->op))
            return NULL;
        const ObjType *a = static_type(c, n->a, depth + 1);
        if (n->op == TK_SHL || n->op == TK_SHR)
            return a; /* a shift has its left operand's type */
        const ObjType *b = static_type(c, n->b, depth + 1);
        if (a && b)
            return a->kind == b->kind && a->bits == b->bits && a->is_unsigned == b->is_unsigned ? a : NULL;
        if (a && untyped_operand(c, n->b))
            return a;
        if (b && untyped_operand(c, n->a))
            return b;
        return NULL;
    }
    default:
        return NULL;
    }
}

const ObjType *cg_basic_type(Compiler *c, Node *n)
{
    return static_type(c, n, 0);
}

void cg_u64_operands(Compiler *c, Node *n)
{
    if (!n || n->kind != N_BINARY || n->op == TK_ANDAND || n->op == TK_OROR || n->op == TK_SHL ||
        n->op == TK_SHR)
        return;
    for (int i = 0; i < 2; i++) {
        Node *k = i ? n->a : n->b, *other = i ? n->b : n->a;
        Value v = cg_const_eval(c, k);
        if (v_is_anyint(v) && v_anyint(v) < 0 && !v_is_bigu(v) && types_is_u64(static_type(c, other, 0)))
            cg_pm_put(&c->memo, k, v_make_uint((uint64_t)v_anyint(v)));
    }
}

static TypeKind static_kind(FuncState *fs, Node *n, int depth)
{
    if (!n || depth > KIND_DEPTH)
        return TYPE_UNKNOWN;
    Compiler *c = fs->c;
    Value k = cg_const_eval(c, n);
    if (k != V_UNDEF) {
        if (v_is_anyint(k))
            return TYPE_INT;
        if (v_is_anyfloat(k))
            return TYPE_FLOAT;
        if (v_is_str(k))
            return TYPE_STRING;
        if (v_is_bool(k))
            return TYPE_BOOL;
        return TYPE_UNKNOWN;
    }
    switch (n->kind) {
    case N_IDENT: {
        Var *v = cg_node_var(c, n);
        return v && v->type && !types_boxed(v->type) ? v->type->kind : TYPE_UNKNOWN;
    }
    case N_BINARY:
        switch (n->op) {
        case TK_EQ:
        case TK_NE:
        case TK_LT:
        case TK_LE:
        case TK_GT:
        case TK_GE:
        case TK_ANDAND:
        case TK_OROR:
            return TYPE_BOOL;
        default:
            return arith_kind(n->op, static_kind(fs, n->a, depth + 1), static_kind(fs, n->b, depth + 1));
        }
    case N_UNARY:
        if (n->op == TK_NOT)
            return TYPE_BOOL;
        if (n->op == TK_CARET)
            return TYPE_INT;
        return static_kind(fs, n->a, depth + 1);
    case N_CALL:
        return call_kind(c, n);
    case N_MAP:
        return TYPE_MAP;
    case N_INDEX:
    case N_FIELD: {
        const ObjType *t = static_type(c, n, depth);
        return t ? t->kind : TYPE_UNKNOWN;
    }
    default:
        return TYPE_UNKNOWN;
    }
}

/* ---- values into interfaces --------------------------------------------
 *
 * An interface keeps the static type of what is stored into it (iface.h):
 * this is where a value whose type its word does not tell (a sized int, a
 * float32, the nil of a pointer, chan, func, map or slice type) is boxed,
 * at every store into a place of interface type: a variable, parameter
 * (through cg_param_type), result, element, map value or field declared
 * any, error or an interface, and fmt's arguments. A plain int or float64
 * is stored as it is (an interface holds those unboxed), and code that
 * stores nothing into interfaces never boxes. */

/* Whether t is written with a type parameter of generic code (map[K]V,
 * Stack[T]): a name the compiler cannot know, so the value's own type,
 * made when the code runs, is the one an interface keeps. */
static bool names_tparam(const ObjType *t, int depth);
bool cg_names_tparam(const ObjType *t)
{
    return names_tparam(t, 0);
}

static bool names_tparam(const ObjType *t, int depth)
{
    if (!t || depth > 8)
        return false;
    if (t->kind == TYPE_UNKNOWN)
        return true;
    for (int i = 0; i < t->ntargs; i++)
        if (names_tparam(t->targs[i], depth + 1))
            return true;
    return !t->named && (names_tparam(t->elem, depth + 1) || names_tparam(t->key, depth + 1));
}

/* == and != with an operand of interface type (other than nil, whose
 * comparison asks whether the interface holds nothing): the interface
 * type the other operand is boxed for, as Go converts it, so that the
 * dynamic types are compared too (OP_EQIF); NULL for any other ==. */
const ObjType *cg_iface_compare(Compiler *c, Node *a, Node *b)
{
    if (!a || !b || a->kind == N_NIL || b->kind == N_NIL)
        return NULL;
    const ObjType *ta = cg_static_type(c, a), *tb = cg_static_type(c, b);
    return is_iface(ta) ? ta : is_iface(tb) ? tb : NULL;
}

/* The static type n's value keeps in an interface, or NULL when it needs
 * no box (or is not known). */
static const ObjType *box_type(Compiler *c, Node *n)
{
    if (!n || n->kind == N_NIL)
        return NULL;
    const ObjType *t = cg_basic_type(c, n);
    if (t)
        return iface_boxes(t) && !names_tparam(t, 0) ? t : NULL;
    t = cg_static_type(c, n);
    if (!t || t->kind == TYPE_INT || t->kind == TYPE_FLOAT)
        return NULL;
    return iface_boxes(t) && !names_tparam(t, 0) ? t : NULL;
}

/* R[reg], computed from n, boxed for a place of interface type: a
 * constant's box is a constant. */
static void emit_box(FuncState *fs, int reg, Node *n, const ObjType *bt)
{
    Value k = cg_const_eval(fs->c, n);
    if (k != V_UNDEF && cg_is_number(k)) {
        Value fit;
        if (types_store_const(bt, k, &fit)) {
            cg_load_const(fs, iface_box(bt, fit), reg);
            return;
        }
    }
    int kx = cg_add_k(fs, v_from_ptr(bt));
    if (kx < K_DIRECT)
        cg_emit_abx(fs, OP_BOX, reg, kx);
}

/* x.M(...) where x's struct type (or pointer to one) is known: M's
 * declaration, which pass 1 recorded under its closure. */
static const FuncInfo *method_decl(Compiler *c, Node *f)
{
    ObjType *st = f && f->kind == N_FIELD && f->name ? cg_struct_of(cg_static_type(c, f->a)) : NULL;
    if (!st)
        return NULL;
    Selection sel;
    types_select(st, str_cstr(f->name), V_UNDEF, &sel);
    uint64_t w;
    if (sel.kind != SEL_METHOD || !v_is_ptr(sel.fn) || !cg_pm_get(&c->types, v_ptr(sel.fn), &w))
        return NULL;
    return (const FuncInfo *)(uintptr_t)w;
}

/* Parameter i of a function declared fi when its type is an interface. */
static const ObjType *func_param_type(Compiler *c, const FuncInfo *fi, int i, bool any_kind)
{
    int np = fi ? fi->params.n : 0;
    if (np == 0 || (i >= np && !fi->variadic))
        return NULL;
    Node *p = fi->params.items[i < np ? i : np - 1];
    ObjType *t = p ? cg_node_type(c, p) : NULL;
    if (t && fi->variadic && i >= np - 1 && t->kind == TYPE_SLICE)
        t = t->elem; /* xs ...any: each argument is an any */
    return any_kind || is_iface(t) ? t : NULL;
}

/* The type of a native's parameter i, from its Go signature
 * (ObjNative.sig: "func(uint64, int) string"), or NULL. Each argument
 * past the last parameter of a variadic one is that slice's element. */
static const ObjType *native_param_type(ObjNative *fn, int i)
{
    const ObjType *t = types_native(fn);
    if (!t || !t->sig || t->nin == 0 || (i >= t->nin && !t->variadic))
        return NULL;
    if (t->variadic && i >= t->nin - 1)
        return t->sig[t->nin - 1]->elem;
    return t->sig[i];
}

static const ObjType *param_type(Compiler *c, Node *call, int i, bool any_kind)
{
    static ObjType *any;
    Node *f = call && call->kind == N_CALL ? call->a : NULL;
    if (f && f->kind == N_INDEX)
        f = f->a; /* a generic function's instance, Map[int](...) */
    Var *v = f && (f->kind == N_IDENT || f->kind == N_FIELD) ? cg_node_var(c, f) : NULL;
    if (!v) {
        const FuncInfo *m = method_decl(c, f);
        return m ? func_param_type(c, m, i + 1, any_kind) : NULL; /* params[0] is its receiver */
    }
    if (v->kind == VK_UNIVERSE && i > 0 && v->name && strcmp(v->name, "append") == 0) {
        /* append(xs, v...) to a []any: each v is an element */
        const ObjType *st = cg_static_type(c, call->list.items[0]);
        return st && st->kind == TYPE_SLICE && is_iface(st->elem) ? st->elem : NULL;
    }
    if (v->kind == VK_UNIVERSE && v_is_obj(v->cval, OBJ_NATIVE) && ((ObjNative *)v_ptr(v->cval))->sig) {
        const ObjType *t = native_param_type(v_ptr(v->cval), i);
        return any_kind || is_iface(t) ? t : NULL;
    }
    if (v->kind == VK_UNIVERSE) {
        if (!v_is_obj(v->cval, OBJ_NATIVE) || !(v_obj(v->cval)->flags & NATIVE_ANY_ARGS))
            return NULL;
        ObjType *t = __atomic_load_n(&any, __ATOMIC_ACQUIRE);
        if (!t) /* racing compilers may each make one: any will do */
            __atomic_store_n(&any, t = types_parse("any", 3), __ATOMIC_RELEASE);
        return t;
    }
    const FuncInfo *fi = NULL;
    uint64_t w;
    if (!c->repl && v->kind == VK_GLOBAL && !v->assigned && v->decl && v->decl->kind == N_FUNCDECL)
        fi = v->decl->func;
    else if (v->kind == VK_LOCAL && !v->assigned && cg_pm_get(&c->types, v, &w))
        fi = (const FuncInfo *)(uintptr_t)w; /* f := func(x any) {...} */
    if (fi)
        return func_param_type(c, fi, i, any_kind);
    /* a function of an earlier REPL line: the signature it was declared
     * with (repl_record_types) */
    const ObjType *ft = c->repl && v->kind == VK_GLOBAL && !v->decl ? v->sty : NULL;
    if (!ft || ft->kind != TYPE_FUNC || !ft->sig || ft->nin == 0 || (i >= ft->nin && !ft->variadic))
        return NULL;
    const ObjType *t = ft->sig[i < ft->nin ? i : ft->nin - 1];
    if (t && ft->variadic && i >= ft->nin - 1 && t->kind == TYPE_SLICE)
        t = t->elem; /* xs ...T: each argument is a T */
    return any_kind || is_iface(t) ? t : NULL;
}

const ObjType *cg_param_type(Compiler *c, Node *call, int i)
{
    return param_type(c, call, i, false);
}

const ObjType *cg_param_decl_type(Compiler *c, Node *call, int i)
{
    return param_type(c, call, i, true);
}

/* Whether a value of kind k is stored into a place of type ty as it is:
 * the kind is ty's and ty is as wide as csp's ints and floats. */
static bool fits_as_is(const ObjType *ty, TypeKind k)
{
    /* a declared type's values carry it: CONV gives them it (and leaves
     * one that has it alone) */
    if (k != ty->kind || types_boxed(ty) || types_named_container(ty))
        return false;
    return (k != TYPE_INT && k != TYPE_FLOAT) || (ty->bits == 64 && !types_is_u64(ty));
}

/* Whether storing n into a place of type ty needs code: a constant that
 * converts at compile time needs a load of the converted constant (*conv
 * set to it), one that cannot panics at run time; other values need CONV
 * unless their kind is known to fit. */
static bool needs_fit(FuncState *fs, Node *n, const ObjType *ty, Value *conv, int place)
{
    *conv = V_UNDEF;
    if (!ty)
        return false;
    /* an untyped constant converts exactly: var f float64 = 1 << 80 */
    const char *where = types_store_places[(place & ~STORE_CONST) % STORE__COUNT];
    int exact = n ? cg_exact_to_type(fs->c, n, ty, conv, where) : 0;
    if (exact != 0) {
        if (exact < 0)
            *conv = V_NIL; /* reported */
        return true;
    }
    Value k = n ? cg_const_eval(fs->c, n) : V_UNDEF;
    if (k != V_UNDEF && cg_is_foldable(k)) {
        Value out;
        if (types_store_const(ty, k, &out)) {
            if (out == k)
                return false;
            *conv = out;
        }
        return true;
    }
    /* a uint64 into a uint64 needs nothing: every store made it one */
    if (types_is_u64(ty) && !ty->named && static_type(fs->c, n, 0) == ty)
        return false;
    return !fits_as_is(ty, static_kind(fs, n, 0));
}

/* Past 65,000 constants a type's index does not fit CONV: a store is
 * then left unconverted, and a conversion stays a call. */
static bool conv_k_fits(FuncState *fs, const ObjType *ty)
{
    return cg_add_k(fs, v_from_ptr(ty)) < K_DIRECT;
}

static void emit_conv(FuncState *fs, int reg, Node *n, const ObjType *ty, int place)
{
    int kx = cg_add_k(fs, v_from_ptr(ty));
    if (kx >= K_DIRECT)
        return;
    Value k = n ? cg_const_eval(fs->c, n) : V_UNDEF;
    if (k != V_UNDEF && cg_is_foldable(k))
        place |= STORE_CONST;
    cg_emit_abx(fs, OP_CONV, reg, kx);
    cg_emit_abx(fs, OP_EXTRA, place, 0);
}

void cg_fit_reg(FuncState *fs, int reg, Node *n, const ObjType *ty, int place)
{
    Value conv;
    if (is_iface(ty)) {
        const ObjType *bt = box_type(fs->c, n);
        if (bt)
            emit_box(fs, reg, n, bt);
        return;
    }
    if (!needs_fit(fs, n, ty, &conv, place))
        return;
    if (conv != V_UNDEF)
        cg_load_const(fs, conv, reg);
    else
        emit_conv(fs, reg, n, ty, place);
}

void cg_expr_fit(FuncState *fs, Node *n, int dst, const ObjType *ty, int place)
{
    Value conv;
    if (!ty && n && !cg_exact_check_in(fs->c, n, types_store_places[(place & ~STORE_CONST) % STORE__COUNT])) {
        cg_emit_abc(fs, OP_LOADNIL, dst, 0, 0); /* an untyped constant past int: reported */
        return;
    }
    if (is_iface(ty)) {
        cg_value_to(fs, n, dst);
        cg_fit_reg(fs, dst, n, ty, place);
        return;
    }
    if (!needs_fit(fs, n, ty, &conv, place)) {
        cg_value_to(fs, n, dst);
        return;
    }
    if (conv != V_UNDEF) {
        cg_load_const(fs, conv, dst);
        return;
    }
    cg_value_to(fs, n, dst);
    emit_conv(fs, dst, n, ty, place);
}

/* Whether r is a temporary the caller just computed into: the topmost
 * register, neither a local nor a loop's pinned constant. */
static bool is_scratch(FuncState *fs, int r)
{
    if (r != fs->freereg - 1 || fs->islocal[r])
        return false;
    for (int i = 0; i < fs->npins; i++)
        if (fs->pin_reg[i] == r)
            return false;
    return true;
}

int cg_fit_any(FuncState *fs, int src, Node *n, const ObjType *ty, int place)
{
    Value conv;
    if (is_iface(ty)) {
        if (!box_type(fs->c, n))
            return src;
        int r = is_scratch(fs, src) ? src : cg_alloc_reg(fs);
        if (r != src)
            cg_emit_abc(fs, OP_MOVE, r, src, 0);
        cg_fit_reg(fs, r, n, ty, place);
        return r;
    }
    if (!needs_fit(fs, n, ty, &conv, place))
        return src;
    int r = is_scratch(fs, src) ? src : cg_alloc_reg(fs);
    if (conv != V_UNDEF) {
        cg_load_const(fs, conv, r);
        return r;
    }
    if (r != src)
        cg_emit_abc(fs, OP_MOVE, r, src, 0);
    emit_conv(fs, r, n, ty, place);
    return r;
}

void cg_fit_compound(FuncState *fs, int reg, Var *v, int tok, Node *rhs)
{
    if (!v || !v->type || is_iface(v->type))
        return;
    TypeKind b = rhs ? static_kind(fs, rhs, 0) : TYPE_INT;
    if (!fits_as_is(v->type, arith_kind(tok, v->type->kind, b)))
        emit_conv(fs, reg, NULL, v->type, STORE_ASSIGN);
}

/* Parameters of a float or sized-int type convert what the caller passed
 * (see the opening comment). A captured parameter is already in its cell
 * when the body starts (ObjProto.cellparams), so it converts through it. */
void cg_fit_params(FuncState *fs, FuncInfo *fi)
{
    /* a generic function's hidden first parameter has no declared type */
    int hidden = fi->tparams.n > 0;
    for (int i = hidden; i < fs->nparams; i++) {
        Var *v = cg_node_var(fs->c, fi->params.items[i - hidden]);
        const ObjType *ty = v && v->kind == VK_LOCAL ? v->type : NULL;
        if (!ty || (ty->kind != TYPE_FLOAT && !(ty->kind == TYPE_INT && ty->bits < 64) && !types_is_u64(ty)))
            continue;
        if (!v->captured) {
            emit_conv(fs, i, NULL, ty, STORE_ARG);
            continue;
        }
        int t = cg_alloc_reg(fs);
        cg_emit_abc(fs, OP_GETCELL, t, i, 0);
        emit_conv(fs, t, NULL, ty, STORE_ARG);
        cg_emit_abc(fs, OP_SETCELL, i, t, 0);
        cg_free_to(fs, t);
    }
}

void cg_result_types(FuncState *fs, FuncInfo *fi)
{
    if (!fi->result_types || fi->nresults <= 0)
        return;
    const ObjType **ts = mem_alloc((size_t)fi->nresults * sizeof *ts);
    bool any = false;
    for (int i = 0; i < fi->nresults; i++)
        any |= (ts[i] = fs->res && fs->res->rtypes ? fs->res->rtypes[i]
                                                   : cg_store_type(fi->result_types[i])) != NULL;
    if (any) {
        fs->rtypes = ts;
        fs->nrtypes = fi->nresults;
    }
}

/* float64(x), int(x), byte(x)... of an x whose kind is known to suit the
 * conversion (an int or float into a float type, an int into an integer
 * type): what a store of x into that type does, so CONV does it instead of
 * a call. A float into an integer type truncates, which a store does not:
 * that stays a call. */
static const ObjType *conversion_op(FuncState *fs, Node *n)
{
    if (!n || n->kind != N_CALL || n->list.n != 1 || n->spread || !n->a || n->a->kind != N_IDENT)
        return NULL;
    Var *v = cg_node_var(fs->c, n->a);
    const ObjType *ty = v && v->kind == VK_UNIVERSE ? cg_store_type(n->a->name) : NULL;
    if (!ty || (ty->kind != TYPE_INT && ty->kind != TYPE_FLOAT))
        return NULL;
    TypeKind k = static_kind(fs, n->list.items[0], 0);
    if (k == TYPE_INT || (k == TYPE_FLOAT && ty->kind == TYPE_FLOAT))
        return ty;
    return NULL;
}

bool cg_is_conversion_op(FuncState *fs, Node *n)
{
    return conversion_op(fs, n) != NULL;
}

bool cg_conversion_to(FuncState *fs, Node *n, int base)
{
    const ObjType *ty = conversion_op(fs, n);
    if (!ty || !conv_k_fits(fs, ty))
        return false;
    Node *x = n->list.items[0];
    Value k = cg_const_eval(fs->c, x);
    if (cg_is_number(k)) {
        /* a constant converts here; a sized int wraps (uint8(300) is 44) */
        if (ty->kind == TYPE_INT)
            k = types_int_value(ty, v_anyint(k));
        else
            types_store_const(ty, k, &k); /* an int or float into a float type always fits */
        cg_load_const(fs, k, base);
    } else {
        cg_expr_to(fs, x, base);
        cg_set_line(fs, n);
        emit_conv(fs, base, NULL, ty, STORE_ASSIGN);
    }
    cg_free_to(fs, base + 1);
    return true;
}

/* Whether values of type ty change when an operator's result is made to
 * fit it: the sized ints wrap, float32 rounds, and a uint64 below zero
 * (1 - 2 computed as ints) becomes the uint64 it wraps to. */
static bool narrow(const ObjType *ty)
{
    return ty && ((ty->kind == TYPE_INT && ty->bits < 64) || (ty->kind == TYPE_FLOAT && ty->bits == 32) ||
                  types_is_u64(ty));
}

void cg_fit_op(FuncState *fs, Node *n, int dst)
{
    const ObjType *ty = static_type(fs->c, n, 0);
    if (narrow(ty) && cg_const_eval(fs->c, n) == V_UNDEF)
        emit_conv(fs, dst, NULL, ty, STORE_ASSIGN);
}
