/* compile_stmt.c — code generation for statements.
 *
 * Assignments (targets evaluated before values are stored, as Go orders
 * them; several values; compound operators), declarations (var, const,
 * := and the zero values of types) and statements: blocks, if, for and
 * range loops, switch, select, go, defer, return, break, continue and
 * goto.
 */
#include "compile_int.h"

#include <string.h>

#include "../vm/mem.h"
#include "grammar.h"

typedef enum { LV_NONE, LV_VAR, LV_INDEX, LV_FIELD, LV_DEREF } LvKind;

typedef struct LValue {
    LvKind kind;
    Var *var;
    int obj, key;   /* LV_INDEX: registers; LV_FIELD: obj register, key K;
                       LV_DEREF: obj is the pointer's register */
    ObjType *st;    /* LV_FIELD: the struct type the object is known to be */
    const char *fn; /* LV_FIELD: the field's name */
    /* LV_INDEX, LV_FIELD: the element's or field's type when it is known
     * to be an interface (a stored value is boxed for it), else NULL */
    const ObjType *ity;
    const Node *node; /* the target as written, for the race detector */
} LValue;

/* The type of element or field n when it is known to be an interface. */
static const ObjType *iface_place(Compiler *c, Node *n)
{
    const ObjType *t = cg_static_type(c, n);
    return t && t->kind == TYPE_INTERFACE ? t : NULL;
}

/* Evaluate the operands of an assignment target (Go's first phase). With
 * `pin`, a plain local used as an operand is copied, because an earlier
 * target of the same statement may assign it (`i, xs[i] = 1, 2` indexes
 * with the old i). */
static LValue lvalue(FuncState *fs, Node *n, Node *cg_stmt)
{
    LValue lv = {LV_NONE, NULL, 0, 0, NULL, NULL, NULL, n};
    if (!n)
        return lv;
    switch (n->kind) {
    case N_IDENT:
        lv.kind = LV_VAR;
        lv.var = cg_node_var(fs->c, n);
        break;
    case N_INDEX:
    case N_FIELD: {
        bool pin = false;
        if (cg_stmt && cg_stmt->list.n > 1)
            for (int i = 0; i < cg_stmt->list.n; i++) {
                Node *t = cg_stmt->list.items[i];
                if (t && t->kind == N_IDENT && cg_plain_local(fs, t))
                    pin = true;
            }
        lv.kind = n->kind == N_INDEX ? LV_INDEX : LV_FIELD;
        lv.ity = iface_place(fs->c, n);
        lv.obj = pin ? cg_alloc_reg(fs) : -1;
        if (pin)
            cg_expr_to(fs, n->a, lv.obj);
        else
            lv.obj = cg_expr_any(fs, n->a);
        if (n->kind == N_FIELD) {
            lv.key = cg_field_k(fs, n->name);
            lv.st = cg_struct_of(cg_static_type(fs->c, n->a));
            lv.fn = n->name;
        } else if (cg_exact_map_key(fs->c, n), pin) {
            lv.key = cg_alloc_reg(fs);
            cg_expr_to(fs, n->b, lv.key);
        } else {
            lv.key = cg_expr_any(fs, n->b);
        }
        break;
    }
    case N_UNARY:
        if (n->op == TK_STAR) {
            lv.kind = LV_DEREF;
            lv.obj = cg_alloc_reg(fs); /* a later target may assign p */
            cg_expr_to(fs, n->a, lv.obj);
        }
        break;
    default:
        break;
    }
    return lv;
}

/* from: the expression whose value src holds, when known (NULL: not). */
static void lv_store(FuncState *fs, LValue *lv, int src, Node *from)
{
    switch (lv->kind) {
    case LV_VAR:
        if (lv->var && lv->var->type)
            src = cg_fit_any(fs, src, from, lv->var->type, STORE_ASSIGN);
        cg_var_store(fs, lv->var, src);
        break;
    case LV_INDEX:
        if (lv->ity)
            src = cg_fit_any(fs, src, from, lv->ity, STORE_ASSIGN);
        cg_race_mark(fs, RACE_ELEM, NULL, lv->node);
        cg_emit_abc(fs, OP_SETINDEX, lv->obj, lv->key, src);
        break;
    case LV_FIELD:
        if (lv->st && lv->fn && from && cg_is_foldable(cg_const_eval(fs->c, from))) {
            /* a constant into a field of a known struct type converts
             * here (p.X = 1e9 into an int field is 1000000000); other
             * values SETFIELD converts by the field's type */
            Selection sel;
            types_select(lv->st, str_cstr(lv->fn), V_UNDEF, &sel);
            const ObjType *ft = sel.kind == SEL_FIELD ? cg_store_type_of(sel.type) : NULL;
            if (ft)
                src = cg_fit_any(fs, src, from, ft, STORE_ASSIGN);
        }
        if (lv->ity)
            src = cg_fit_any(fs, src, from, lv->ity, STORE_ASSIGN);
        cg_race_mark(fs, RACE_FIELD, NULL, lv->node);
        cg_ic_prefill(fs, cg_emit_abc(fs, OP_SETFIELD, lv->obj, lv->key, src), lv->st, lv->fn);
        break;
    case LV_DEREF:
        cg_race_mark(fs, RACE_DEREF, NULL, lv->node);
        cg_emit_abc(fs, OP_SETDEREF, lv->obj, src, 0);
        break;
    default:
        break;
    }
}

static void lv_load(FuncState *fs, LValue *lv, int dst)
{
    switch (lv->kind) {
    case LV_VAR:
        cg_var_load(fs, lv->var, dst);
        break;
    case LV_INDEX:
        cg_race_mark(fs, RACE_ELEM, NULL, lv->node);
        cg_emit_abc(fs, OP_GETINDEX, dst, lv->obj, lv->key);
        break;
    case LV_FIELD:
        cg_race_mark(fs, RACE_FIELD, NULL, lv->node);
        cg_ic_prefill(fs, cg_emit_abc(fs, OP_GETFIELD, dst, lv->obj, lv->key), lv->st, lv->fn);
        break;
    case LV_DEREF:
        cg_race_mark(fs, RACE_DEREF, NULL, lv->node);
        cg_emit_abc(fs, OP_DEREF, dst, lv->obj, 0);
        break;
    default:
        break;
    }
}

static void zero_to(FuncState *fs, Node *decl, int dst);

/* All results of `call` into a new list R[l] (l the topmost register),
 * which must then hold `want` of them: else the panic a call with that
 * many results wanted gives (the VM's message, the count formatted at run
 * time). */
static void call_results(FuncState *fs, Node *call, int l, int want)
{
    cg_emit_abc(fs, OP_NEWLIST, l, l + 1, 0);
    cg_call_top(fs, call, cg_alloc_reg(fs), -1, OP_CALL);
    cg_emit_abc(fs, OP_APPENDN, l, 0, 0);
    cg_free_to(fs, l + 1);
    Runtime *rt = fs->c->rt;
    Value panic, fmt, sprintf;
    if (!rt_universe_get(rt, "panic", &panic) || !rt_universe_get(rt, "fmt", &fmt) ||
        !v_is_obj(fmt, OBJ_MODULE) || !((ObjModule *)v_obj(fmt))->members ||
        !map_get_cstr(((ObjModule *)v_obj(fmt))->members, "Sprintf", &sprintf))
        return; /* no check: a missing value's index panics */
    int t = cg_alloc_regs(fs, 6);
    cg_emit_abc(fs, OP_LEN, t + 5, l, 0);
    cg_load_const(fs, v_make_int(want), t + 3);
    int ok = cg_cond_op(fs, OP_EQ, t + 5, t + 3, 1);
    cg_load_const(fs, panic, t);
    cg_load_const(fs, sprintf, t + 1);
    cg_load_const(fs, v_from_ptr(str_cstr(err_formats[E_TOO_FEW_VALUES])), t + 2);
    cg_load_const(fs, v_from_ptr(str_printf("%s()", cg_describe(call->a))), t + 4);
    cg_emit_abc(fs, OP_CALL, t + 1, 5, 2);
    cg_emit_abc(fs, OP_CALL, t, 2, 1);
    cg_jump_here(fs, ok);
    cg_free_to(fs, t);
}

/* An assignment or declaration of more values than MULTI_MAX, or too
 * many to keep one register each: Go's two phases through lists. First
 * the operands of the targets (m and k of m[k]) go into one list, then the
 * values into another (all a call's results, or the zero value of a
 * `var` with no values, made as each target is stored); then each target
 * in turn is stored its value. A declaration here declares no local (those
 * take one register each). */
static void assign_many(FuncState *fs, Node *n, bool decl)
{
    Compiler *c = fs->c;
    int top = fs->freereg, nl = n->list.n, nr = n->list2.n;
    Node **ops = mem_alloc((size_t)(2 * nl + 1) * sizeof *ops);
    int *opat = mem_alloc_atomic((size_t)(nl + 1) * sizeof *opat);
    int nops = 0;
    for (int i = 0; i < nl; i++) {
        Node *t = n->list.items[i];
        opat[i] = nops;
        if (!decl && t && t->kind == N_INDEX) {
            ops[nops++] = t->a;
            ops[nops++] = t->b;
        } else if (!decl && t && t->kind == N_FIELD) {
            ops[nops++] = t->a;
        }
    }
    int lo = -1, lv = -1;
    if (nops) {
        lo = cg_alloc_reg(fs);
        cg_list_build(fs, ops, nops, lo, false);
    }
    if (nr == nl) {
        lv = cg_alloc_reg(fs);
        cg_list_build(fs, n->list2.items, nr, lv, true);
    } else if (nr == 1) {
        lv = cg_alloc_reg(fs);
        call_results(fs, n->list2.items[0], lv, nl);
    }
    cg_set_line(fs, n);
    for (int i = 0; i < nl; i++) {
        Node *t = n->list.items[i];
        int mark = fs->freereg;
        Var *v = t && t->kind == N_IDENT ? cg_node_var(c, t) : NULL;
        if (!t ||
            (t->kind == N_IDENT && (!v || v->kind == VK_BLANK || v->kind == VK_BAD || v->cval != V_UNDEF)))
            continue; /* `_`, a folded constant, or reported by pass 1 */
        Var *pl = cg_plain_local(fs, t);
        int r = pl ? pl->reg : cg_alloc_reg(fs);
        if (lv >= 0)
            cg_load_item(fs, lv, i, r);
        else
            zero_to(fs, n, r);
        if (t->kind == N_IDENT && lv >= 0)
            cg_fit_reg(fs, r, nr == nl ? n->list2.items[i] : NULL, v->type,
                       decl && n->kind != N_DEFINE ? STORE_DECL : STORE_ASSIGN);
        if (t->kind == N_IDENT) {
            if (!pl)
                cg_var_store(fs, v, r);
        } else if (t->kind == N_INDEX || t->kind == N_FIELD) {
            int o = cg_alloc_reg(fs);
            cg_load_item(fs, lo, opat[i], o);
            if (t->kind == N_FIELD) {
                cg_emit_abc(fs, OP_SETFIELD, o, cg_field_k(fs, t->name), r);
            } else {
                int k = cg_alloc_reg(fs);
                cg_load_item(fs, lo, opat[i] + 1, k);
                cg_emit_abc(fs, OP_SETINDEX, o, k, r);
            }
        }
        cg_free_to(fs, mark);
    }
    cg_free_to(fs, top);
}

/* Whether a and b denote the same place, evaluated without side effects:
 * a variable, or a field or index chain over one whose indexes are
 * variables or constants. */
static bool same_place(FuncState *fs, const Node *a, const Node *b, int depth)
{
    if (!a || !b || a->kind != b->kind || depth > 16)
        return false;
    switch (a->kind) {
    case N_IDENT: {
        Var *va = cg_node_var(fs->c, a);
        return va && va == cg_node_var(fs->c, b) && (va->kind == VK_LOCAL || va->kind == VK_GLOBAL);
    }
    case N_FIELD:
        return a->name && b->name && strcmp(a->name, b->name) == 0 && !cg_node_var(fs->c, a) &&
               same_place(fs, a->a, b->a, depth + 1);
    case N_INDEX: {
        if (!same_place(fs, a->a, b->a, depth + 1))
            return false;
        Value ka = cg_const_eval(fs->c, a->b), kb = cg_const_eval(fs->c, b->b);
        if (ka != V_UNDEF || kb != V_UNDEF)
            return ka != V_UNDEF && kb != V_UNDEF && v_equal(ka, kb);
        return same_place(fs, a->b, b->b, depth + 1) && a->b->kind == N_IDENT;
    }
    default:
        return false;
    }
}

/* P = append(P, vs...) with the same place P on both sides: the APPEND
 * instruction, which grows P's own header in place when no other place
 * holds it (see object.h's LIST_SHARED), so a loop of appends allocates
 * only when the capacity runs out. False when n is not of that form. */
static bool append_in_place(FuncState *fs, Node *lhs, Node *rhs)
{
    if (!rhs || rhs->kind != N_CALL || !rhs->a || rhs->a->kind != N_IDENT || rhs->list.n < 2)
        return false;
    Var *f = cg_node_var(fs->c, rhs->a);
    if (!f || f->kind != VK_UNIVERSE || !f->name || strcmp(f->name, "append") != 0)
        return false;
    if (!same_place(fs, lhs, rhs->list.items[0], 0))
        return false;
    int top = fs->freereg, nv = rhs->list.n - 1;
    if (nv > MULTI_MAX)
        return false;
    Var *v = cg_plain_local(fs, lhs);
    LValue lv = {LV_NONE, NULL, 0, 0, NULL, NULL, NULL, NULL};
    int p;
    if (v) {
        p = v->reg;
    } else {
        lv = lvalue(fs, lhs, NULL);
        p = cg_alloc_reg(fs);
        lv_load(fs, &lv, p);
    }
    int base = fs->freereg;
    for (int i = 1; i <= nv; i++) {
        Node *a = rhs->list.items[i];
        int r = cg_alloc_reg(fs);
        if (i == nv && rhs->spread) {
            cg_expr_to(fs, a, r);
            cg_set_line(fs, a);
            cg_emit_abc(fs, OP_UNPACK, r, r, 0);
        } else {
            cg_value_to(fs, a, r);
            cg_fit_reg(fs, r, a, cg_param_type(fs->c, rhs, i), STORE_ARG); /* into a []any: boxed */
        }
    }
    cg_set_line(fs, rhs);
    cg_race_mark(fs, RACE_ELEM, NULL, rhs->list.n ? rhs->list.items[0] : NULL);
    cg_emit_abc(fs, OP_APPEND, p, base, rhs->spread ? 0 : nv);
    if (!v)
        lv_store(fs, &lv, p, NULL);
    cg_free_to(fs, top);
    return true;
}

static void assign_stmt(FuncState *fs, Node *n)
{
    int top = fs->freereg, nl = n->list.n, nr = n->list2.n;
    if (nl == 1 && nr == 1) {
        Node *lhs = n->list.items[0], *rhs = n->list2.items[0];
        Var *v = cg_plain_local(fs, lhs);
        if (append_in_place(fs, lhs, rhs)) {
            /* done */
        } else if (v) {
            cg_expr_fit(fs, rhs, v->reg, v->type, STORE_ASSIGN); /* straight into the local */
        } else {
            LValue lv = lvalue(fs, lhs, NULL);
            if (lv.kind == LV_VAR && lv.var && lv.var->kind == VK_BLANK) {
                cg_expr_any(fs, rhs); /* _ = e: evaluated, discarded */
            } else if (lv.kind == LV_VAR && lv.var && lv.var->type) {
                int r = cg_alloc_reg(fs); /* a typed global or captured variable */
                cg_expr_fit(fs, rhs, r, lv.var->type, STORE_ASSIGN);
                cg_var_store(fs, lv.var, r);
            } else {
                lv_store(fs, &lv, cg_value_any(fs, rhs), rhs);
            }
        }
        cg_free_to(fs, top);
        return;
    }
    if (nr != nl && nr != 1)
        return; /* reported by pass 1 */
    if (nl > MULTI_MAX || top + 3 * nl > MAX_LOCALS) {
        assign_many(fs, n, false);
        return;
    }
    LValue *lvs = mem_alloc(nl * sizeof *lvs);
    for (int i = 0; i < nl; i++)
        lvs[i] = lvalue(fs, n->list.items[i], n);
    int base = fs->freereg;
    if (nr == nl) {
        for (int i = 0; i < nr; i++)
            cg_value_to(fs, n->list2.items[i], cg_alloc_reg(fs));
    } else {
        cg_multi_to(fs, n->list2.items[0], base, nl);
    }
    cg_set_line(fs, n);
    for (int i = 0; i < nl; i++)
        lv_store(fs, &lvs[i], base + i, nr == nl ? n->list2.items[i] : NULL);
    cg_free_to(fs, top);
}

static void compound_stmt(FuncState *fs, Node *lhs, int tok, Node *rhs, int imm)
{
    int top = fs->freereg;
    if (rhs && tok != TK_SHL && tok != TK_SHR)
        cg_exact_as(fs->c, rhs, cg_exact_type_of(fs->c, lhs)); /* h ^= 0xcbf29ce484222325 */
    Var *v = cg_plain_local(fs, lhs);
    LValue lv;
    int t;
    if (v) {
        t = v->reg;
    } else {
        lv = lvalue(fs, lhs, NULL);
        t = cg_alloc_reg(fs);
        lv_load(fs, &lv, t);
    }
    /* A map entry that is missing reads as nil; Go's `m[k]++` and
     * `m[k] += v` start from the zero value instead. */
    bool entry = !v && (lv.kind == LV_INDEX || (lv.kind == LV_FIELD && !lv.st));
    if (rhs && entry) {
        int rb = cg_expr_any(fs, rhs);
        cg_emit_abc(fs, OP_NILZERO, t, rb, 0);
        cg_emit_abc(fs, cg_arith_op(tok), t, t, rb);
    } else if (rhs) {
        cg_arith_rr(fs, t, tok, t, rhs);
    } else {
        if (entry)
            cg_emit_abc(fs, OP_NILZERO, t, 0, 1);
        cg_emit_abc(fs, OP_ADDI, t, t, imm + SC_BIAS); /* x++ / x-- */
    }
    /* a typed variable's new value fits it (then it is stored as it is) */
    cg_fit_compound(fs, t, v ? v : lv.kind == LV_VAR ? lv.var : NULL, tok, rhs);
    if (!v && lv.kind == LV_VAR)
        cg_var_store(fs, lv.var, t);
    else if (!v)
        lv_store(fs, &lv, t, NULL);
    cg_free_to(fs, top);
}

/* ===================================================================== */
/* Code generation: declarations                                           */
/* ===================================================================== */

/* The zero value of a `var x T` into dst: a constant when one value
 * serves every variable of T, else a fresh one that types_zero makes at
 * run time (an array, a sync.Mutex). */
static void zero_to(FuncState *fs, Node *decl, int dst)
{
    uint64_t w;
    if (decl->type && cg_pm_get(&fs->c->tmentions, decl, &w)) {
        /* `var z T` in a generic function: T's zero, known when it runs */
        int top = fs->freereg;
        int base = dst == fs->freereg - 1 && !fs->islocal[dst] ? dst : cg_alloc_reg(fs);
        cg_alloc_reg(fs);
        cg_load_const(fs, types_zero_native(), base);
        cg_load_type(fs, decl, decl->type, base + 1);
        cg_emit_abc(fs, OP_CALL, base, 2, 2);
        if (base != dst)
            cg_emit_abc(fs, OP_MOVE, dst, base, 0);
        cg_free_to(fs, top);
        return;
    }
    ObjType *ty = cg_node_type(fs->c, decl);
    if (ty && ty->kind == TYPE_STRUCT) {
        cg_emit_abx(fs, OP_NEWSTRUCT, dst, cg_add_k(fs, v_from_ptr(ty)));
        return;
    }
    if (!ty || ty->zero == V_NIL) {
        cg_emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        return;
    }
    if (ty->zero != V_UNDEF) {
        cg_load_const(fs, ty->zero, dst);
        return;
    }
    int top = fs->freereg;
    int base = dst == fs->freereg - 1 && !fs->islocal[dst] ? dst : cg_alloc_reg(fs);
    if (ty->kind == TYPE_OBJECT) {
        /* the module's constructor itself, so a traceback shows only it */
        cg_load_const(fs, ty->ctor, base);
        cg_emit_abc(fs, OP_CALL, base, 1, 2);
    } else {
        cg_alloc_reg(fs);
        cg_load_const(fs, types_zero_native(), base);
        cg_load_const(fs, v_from_ptr(ty), base + 1);
        cg_emit_abc(fs, OP_CALL, base, 2, 2);
    }
    if (base != dst)
        cg_emit_abc(fs, OP_MOVE, dst, base, 0);
    cg_free_to(fs, top);
}

/* The type a declaration's store into id converts to (NULL: none). */
static const ObjType *decl_type(Compiler *c, Node *id)
{
    Var *v = cg_node_var(c, id);
    return v && v->cval == V_UNDEF ? v->type : NULL;
}

/* DEFINE, VAR, CONST: values into fresh consecutive registers, which new
 * locals then keep; existing variables and globals are stored to. */
static void decl_stmt(FuncState *fs, Node *n)
{
    Compiler *c = fs->c;
    int nl = n->list.n, nr = n->list2.n;
    if (n->kind == N_CONST) {
        /* folded constants need no code; global ones were stored first */
        bool any = false;
        for (int i = 0; i < nl; i++) {
            Var *v = cg_node_var(c, n->list.items[i]);
            /* an untyped constant past int (1 << 100) is no value
             * until used: its uses convert it (compile_exact.c) */
            if (v && v->cval == V_UNDEF && v->kind != VK_BLANK && !(v->uexpr && cg_exact(c, v->uexpr)))
                any = true;
        }
        if (!any)
            return;
    }
    int base = fs->freereg;
    if (nr != 0 && nr != nl && (nr != 1 || n->kind == N_CONST))
        return; /* reported by pass 1 */
    /* New locals take a register each, from base on; a declaration of
     * none (globals, redeclared variables) may go through lists. */
    bool newlocal = false;
    for (int i = 0; i < nl; i++) {
        Node *id = n->list.items[i];
        Var *v = cg_node_var(c, id);
        if (v && v->kind == VK_LOCAL && v->decl == id && v->cval == V_UNDEF) {
            newlocal = true;
            if (base + i >= MAX_LOCALS) {
                cg_limit_error(fs, LIM_LOCALS, id);
                return;
            }
        }
    }
    if (!newlocal && (nl > MULTI_MAX || base + 2 * nl > MAX_LOCALS)) {
        assign_many(fs, n, true);
        return;
    }
    int place = n->kind == N_DEFINE ? STORE_ASSIGN : STORE_DECL;
    if (nr == 0) {
        for (int i = 0; i < nl; i++)
            zero_to(fs, n, cg_alloc_reg(fs));
    } else if (nr == nl) {
        for (int i = 0; i < nr; i++)
            cg_expr_fit(fs, n->list2.items[i], cg_alloc_reg(fs), decl_type(c, n->list.items[i]), place);
    } else if (nr == 1 && n->kind != N_CONST) {
        cg_multi_to(fs, n->list2.items[0], base, nl);
        for (int i = 0; i < nl; i++)
            cg_fit_reg(fs, base + i, NULL, decl_type(c, n->list.items[i]), place);
    } else {
        return; /* reported by pass 1 */
    }
    cg_set_line(fs, n);
    int newtop = base;
    for (int i = 0; i < nl; i++) {
        Node *id = n->list.items[i];
        Var *v = cg_node_var(c, id);
        if (!v || v->kind == VK_BLANK)
            continue;
        if (v->kind == VK_GLOBAL) {
            if (v->cval == V_UNDEF)
                cg_emit_abx(fs, OP_SETGLOBAL, base + i, v->slot);
        } else if (v->decl == id && v->cval == V_UNDEF) {
            cg_var_declare(fs, v, base + i);
            newtop = base + i + 1;
        } else if (v->cval == V_UNDEF) {
            cg_var_store(fs, v, base + i);
        }
    }
    /* registers after the last new local were only carriers */
    fs->freereg = newtop;
}

/* ===================================================================== */
/* Code generation: statements                                             */
/* ===================================================================== */

static void block(FuncState *fs, Node *n)
{
    if (!n)
        return;
    int top = fs->freereg;
    if (n->kind == N_BLOCK)
        for (int i = 0; i < n->list.n; i++)
            cg_stmt(fs, n->list.items[i], NULL);
    else
        cg_stmt(fs, n, NULL);
    cg_free_to(fs, top);
}

/* The jump list a break or continue statement adds to, or NULL. */
static int *branch_list(FuncState *fs, Node *n)
{
    bool isbreak = n->kind == N_BREAK;
    Breakable *b = fs->brk;
    if (n->name)
        while (b && !(b->label && strcmp(b->label, n->name) == 0))
            b = b->prev;
    else if (!isbreak)
        while (b && b->kind != BK_LOOP)
            b = b->prev;
    if (!b || (!isbreak && b->kind != BK_LOOP))
        return NULL; /* reported by pass 1 */
    return isbreak ? &b->breaks : &b->conts;
}

static void brk_push(FuncState *fs, Breakable *b, int kind, const char *label)
{
    b->prev = fs->brk;
    b->kind = kind;
    b->label = label;
    b->breaks = b->conts = NO_JUMP;
    fs->brk = b;
}

/* An if statement with all its else-if clauses, in one loop (a ladder of
 * thousands of clauses must not recurse once per clause):
 *       init1; cond1 or JMP next1; body1; JMP end
 *   next1: init2; cond2 or JMP next2; body2; JMP end
 *   ...
 *   nextN: else-body
 *   end: */
static void if_stmt(FuncState *fs, Node *n)
{
    int top = fs->freereg, ends = NO_JUMP;
    for (Node *s = n; s;) {
        cg_set_line(fs, s);
        cg_stmt(fs, s->init, NULL);
        Value k = cg_const_eval(fs->c, s->a);
        Node *els = s->els;
        Node *next = els && els->kind == N_IF && !els->label ? els : NULL;
        if (v_is_bool(k)) {
            /* `if debug {` with a const debug: only the branch that runs */
            cg_set_line(fs, s);
            if (k == V_TRUE) {
                block(fs, s->body);
                break;
            }
            if (!next)
                block(fs, els);
            s = next;
            continue;
        }
        /* `if c { break }` / `if c { continue }`: the condition's own jump
         * goes to the loop's target (Lua does the same) */
        Node *only =
            s->body && s->body->kind == N_BLOCK && s->body->list.n == 1 ? s->body->list.items[0] : NULL;
        if (!els && only && (only->kind == N_BREAK || only->kind == N_CONTINUE)) {
            int *list = branch_list(fs, only);
            if (list) {
                cg_jump_concat(fs, list, cg_cond_jump(fs, s->a, true));
                break;
            }
        }
        int f = cg_cond_jump(fs, s->a, false);
        block(fs, s->body);
        if (els)
            cg_jump_concat(fs, &ends, cg_emit_jump(fs));
        cg_jump_here(fs, f);
        if (!next)
            block(fs, els);
        s = next;
    }
    cg_jump_here(fs, ends);
    cg_free_to(fs, top);
}

/* `i < 1000000`: a constant that no immediate form takes (there is no
 * LTK) would be reloaded on every iteration; load it once before the loop
 * into a register the loop keeps. */
static void pin_bound(FuncState *fs, Node *cond)
{
    if (!cond || cond->kind != N_BINARY || fs->npins >= 8)
        return;
    if (cond->op != TK_LT && cond->op != TK_LE && cond->op != TK_GT && cond->op != TK_GE)
        return;
    cg_u64_operands(fs->c, cond);
    Value ka = cg_const_eval(fs->c, cond->a), kb = cg_const_eval(fs->c, cond->b);
    if ((ka == V_UNDEF) == (kb == V_UNDEF))
        return; /* no constant side, or nothing to compare at run time */
    Node *side = ka != V_UNDEF ? cond->a : cond->b;
    Value k = ka != V_UNDEF ? ka : kb;
    int imm;
    if (!cg_is_foldable(k) || cg_int_imm(k, &imm))
        return;
    int r = cg_alloc_reg(fs);
    cg_load_const(fs, k, r);
    fs->pin_node[fs->npins] = side;
    fs->pin_reg[fs->npins] = r;
    fs->npins++;
}

/* for init; cond; post { body }, with the test at the bottom:
 *       init
 *       JMP test
 *   body: ...
 *   cont: (fresh cells for captured loop variables)
 *       post
 *   test: cond, jumping to body while true */
static void for_stmt(FuncState *fs, Node *n, const char *label)
{
    Compiler *c = fs->c;
    int top = fs->freereg;
    cg_stmt(fs, n->init, NULL);
    Breakable b;
    brk_push(fs, &b, BK_LOOP, label);
    Value k = cg_const_eval(c, n->a);
    bool forever = !n->a || k == V_TRUE;
    int npins = fs->npins;
    if (!forever)
        pin_bound(fs, n->a);
    int jtest = forever ? NO_JUMP : cg_emit_jump(fs);
    int body = fs->ncode;
    block(fs, n->body);
    cg_jump_here(fs, b.conts);
    /* Go 1.22: each iteration has its own loop variables. A captured one
     * gets a new cell holding the current value before post runs, so a
     * closure made in this iteration keeps this iteration's cell. */
    if (n->init && n->init->kind == N_DEFINE) {
        cg_set_line(fs, n);
        for (int i = 0; i < n->init->list.n; i++) {
            Node *id = n->init->list.items[i];
            Var *v = cg_node_var(c, id);
            if (v && v->kind == VK_LOCAL && v->decl == id && v->captured && v->reg >= 0) {
                int t = cg_alloc_reg(fs);
                cg_emit_abc(fs, OP_GETCELL, t, v->reg, 0);
                cg_emit_abc(fs, OP_NEWCELL, v->reg, t, 0);
                cg_free_to(fs, t);
            }
        }
    }
    cg_stmt(fs, n->post, NULL);
    cg_set_line(fs, n);
    if (forever) {
        cg_jump_set(fs, cg_emit_jump(fs), body);
    } else {
        cg_jump_here(fs, jtest);
        cg_jump_patch(fs, cg_cond_jump(fs, n->a, true), body);
    }
    cg_jump_here(fs, b.breaks);
    fs->brk = b.prev;
    fs->npins = npins;
    cg_free_to(fs, top);
}

/* A range variable or select receive variable declared with := gets the
 * value in src. One that is neither captured nor assigned can just be src,
 * which nothing else writes during the body. */
static void bind_value(FuncState *fs, Var *v, int src)
{
    if (!v || v->kind != VK_LOCAL)
        return;
    if (!v->captured && !v->assigned && src < MAXREGS) {
        v->reg = src;
        fs->islocal[src] = 1;
        return;
    }
    int r = cg_alloc_reg(fs);
    cg_mark_local(fs, v, r);
    cg_emit_abc(fs, v->captured ? OP_NEWCELL : OP_MOVE, r, src, 0);
}

/* `for i, x[i] = range ...`: both targets' operands are evaluated before
 * either is assigned, as in any assignment of two (Go's order), so x[i]
 * indexes with the i of before this iteration. */
static void assign_pair(FuncState *fs, Node **ts, int src)
{
    int top = fs->freereg;
    Node stmt; /* the targets as an assignment's, for lvalue's pinning */
    memset(&stmt, 0, sizeof stmt);
    stmt.list.n = stmt.list.cap = 2;
    stmt.list.items = ts;
    LValue lv[2];
    for (int i = 0; i < 2; i++) {
        Var *v = cg_node_var(fs->c, ts[i]);
        bool blank = ts[i]->kind == N_IDENT && v && v->kind == VK_BLANK;
        lv[i] = blank ? (LValue){.kind = LV_NONE} : lvalue(fs, ts[i], &stmt);
    }
    for (int i = 0; i < 2; i++)
        lv_store(fs, &lv[i], src + i, NULL);
    cg_free_to(fs, top);
}

/* Assign (=) or bind (:=) the targets ts[0..nt-1] from R[src...]. */
static void take_values(FuncState *fs, Node **ts, int nt, bool define, int src)
{
    if (!define && nt == 2 && ts[0] && ts[1]) {
        assign_pair(fs, ts, src);
        return;
    }
    for (int i = 0; i < nt; i++) {
        Node *t = ts[i];
        if (!t)
            continue;
        Var *v = cg_node_var(fs->c, t);
        if (define) {
            bind_value(fs, v, src + i);
        } else if (!(t->kind == N_IDENT && v && v->kind == VK_BLANK)) {
            int top = fs->freereg;
            LValue lv = lvalue(fs, t, NULL);
            lv_store(fs, &lv, src + i, NULL);
            cg_free_to(fs, top);
        }
    }
}

/* for k, v := range x { body }:
 *       R[a] = x; RANGEPREP a; JMP next
 *   body: (loop variables from R[a+2], R[a+3]) ...
 *   next: RANGE a; JMP body */
static void range_stmt(FuncState *fs, Node *n, const char *label)
{
    int top = fs->freereg;
    int a = cg_alloc_regs(fs, 4);
    cg_expr_to(fs, n->a, a);
    cg_set_line(fs, n);
    const ObjType *pt = cg_static_type(fs->c, n->a);
    if (pt && pt->kind == TYPE_POINTER && pt->elem && pt->elem->kind == TYPE_ARRAY && pt->elem->len >= 0) {
        /* over a *[N]T: the keys alone are 0..N-1 without a look at the
         * array, so a nil pointer ranges N times, as in Go; the values
         * need the array, so a nil one panics before the first */
        if (n->val)
            cg_emit_abc(fs, OP_DEREF, a + 2, a, 0);
        else
            cg_load_const(fs, v_make_int((int64_t)pt->elem->len), a);
    }
    /* B: x is a channel, so a nil one blocks for ever (a receive from a
     * nil channel), where a nil map or slice ranges zero times. */
    cg_emit_abc(fs, OP_RANGEPREP, a, pt && pt->kind == TYPE_CHAN, 0);
    int jprep = cg_emit_jump(fs);
    Breakable b;
    brk_push(fs, &b, BK_LOOP, label);
    int body = fs->ncode;
    int inner = fs->freereg;
    Node *ts[2] = {n->key, n->val};
    take_values(fs, ts, 2, n->define, a + 2);
    block(fs, n->body);
    cg_free_to(fs, inner);
    cg_jump_here(fs, b.conts);
    cg_jump_here(fs, jprep);
    cg_set_line(fs, n);
    cg_race_mark(fs, RACE_ELEM, NULL, n->a);
    cg_emit_abc(fs, OP_RANGE, a, 0, n->val ? 2 : n->key ? 1 : 0);
    cg_jump_set(fs, cg_emit_jump(fs), body);
    cg_jump_here(fs, b.breaks);
    fs->brk = b.prev;
    cg_free_to(fs, top);
}

/* switch: the tag once, then the tests of every case in order, each
 * jumping to its body; the bodies follow in source order. */
/* One case of a type switch: jump when R[tag]'s type is e's (or, for
 * nil, when R[tag] is nil). */
static int type_case_jump(FuncState *fs, int tag, Node *e)
{
    int top = fs->freereg;
    int j;
    if (e->kind == N_NIL) {
        j = cg_eq_jump(fs, tag, NULL, e, true);
    } else {
        int r = cg_alloc_reg(fs);
        cg_load_type(fs, e, e->type, r);
        cg_emit_abc(fs, OP_TYPEIS, r, tag, r);
        j = cg_cond_op(fs, OP_TEST, r, 0, true);
    }
    cg_free_to(fs, top);
    return j;
}

/* The value a type switch's clause binds: in a clause of one type, the
 * value as that type (a type assertion: a sized number or typed nil comes
 * out of its box, iface.h); in the others, the interface value itself. */
static int type_case_value(FuncState *fs, Node *cl, int tag)
{
    Node *e = cl->list.n == 1 ? cl->list.items[0] : NULL;
    if (!e || e->kind == N_NIL)
        return tag;
    int r = cg_alloc_reg(fs);
    cg_set_line(fs, e);
    cg_load_type(fs, e, e->type, r);
    cg_emit_abc(fs, OP_TYPEASSERT, r, tag, r);
    return r;
}

static void switch_stmt(FuncState *fs, Node *n, const char *label)
{
    int top = fs->freereg;
    cg_stmt(fs, n->init, NULL);
    cg_set_line(fs, n);
    bool typesw = cg_is_type_switch(n);
    int tag = typesw ? cg_expr_any(fs, n->a->a) : n->a ? cg_expr_any(fs, n->a) : -1;
    Breakable b;
    brk_push(fs, &b, BK_SWITCH, label);
    int ncl = n->list.n, def = -1;
    int *to = mem_alloc_atomic((ncl + 1) * sizeof *to);
    for (int i = 0; i < ncl; i++) {
        Node *cl = n->list.items[i];
        to[i] = NO_JUMP;
        if (!cl || cl->kind != N_CASE)
            continue;
        if (cl->list.n == 0) {
            if (def < 0)
                def = i;
            continue;
        }
        for (int j = 0; j < cl->list.n; j++) {
            Node *e = cl->list.items[j];
            cg_set_line(fs, e);
            if (!typesw && tag >= 0) /* case 1<<64 - 1 of a uint64 tag is that uint64 */
                cg_exact_as(fs->c, e, cg_exact_type_of(fs->c, n->a));
            cg_jump_concat(fs, &to[i],
                           typesw     ? type_case_jump(fs, tag, e)
                           : tag >= 0 ? cg_eq_jump(fs, tag, n->a, e, true)
                                      : cg_cond_jump(fs, e, true));
        }
    }
    int nomatch = cg_emit_jump(fs);
    int ends = NO_JUMP, last = -1;
    for (int i = 0; i < ncl; i++)
        if (n->list.items[i] && n->list.items[i]->kind == N_CASE)
            last = i;
    for (int i = 0; i < ncl; i++) {
        Node *cl = n->list.items[i];
        if (!cl || cl->kind != N_CASE)
            continue;
        cg_jump_here(fs, i == def ? nomatch : to[i]);
        int btop = fs->freereg;
        if (cl->key)
            take_values(fs, &cl->key, 1, true, type_case_value(fs, cl, tag));
        block(fs, cl->body);
        cg_free_to(fs, btop);
        /* a fallthrough runs on into the next body, which follows */
        if (i != last && !cg_clause_fallthrough(cl))
            cg_jump_concat(fs, &ends, cg_emit_jump(fs));
    }
    if (def < 0)
        cg_jump_concat(fs, &ends, nomatch);
    cg_jump_here(fs, ends);
    cg_jump_here(fs, b.breaks);
    fs->brk = b.prev;
    cg_free_to(fs, top);
}

/* select: R[a] case chosen, R[a+1] value received, R[a+2] ok; above them
 * each case's channel (and the value to send). Then a chain of EQI on
 * R[a] to the bodies. */
static void select_stmt(FuncState *fs, Node *n, const char *label)
{
    int top = fs->freereg;
    cg_set_line(fs, n);
    int a = cg_alloc_regs(fs, 3);
    int nc = n->list.n, ncases = 0, def = -1;
    int *chan = mem_alloc_atomic((nc + 1) * sizeof *chan);
    int *caseno = mem_alloc_atomic((nc + 1) * sizeof *caseno);
    for (int i = 0; i < nc; i++) {
        Node *cm = n->list.items[i];
        caseno[i] = -1;
        if (!cm || cm->kind != N_COMM)
            continue;
        if (cm->op == COMM_DEFAULT) {
            if (def < 0)
                def = i;
            continue;
        }
        if (cm->op != COMM_SEND && cm->op != COMM_RECV)
            continue;
        if (cm->op == COMM_SEND) {
            /* the value to send must sit right after the channel */
            chan[i] = cg_alloc_reg(fs);
            cg_expr_to(fs, cm->a, chan[i]);
            cg_value_to(fs, cm->b, cg_alloc_reg(fs)); /* a value sent: copied */
        } else {
            chan[i] = cg_expr_any(fs, cm->a);
        }
        caseno[i] = ncases++;
    }
    cg_set_line(fs, n);
    cg_emit_abc(fs, OP_SELECT, a, def >= 0, ncases);
    for (int i = 0; i < nc; i++)
        if (caseno[i] >= 0)
            cg_emit_abx(fs, OP_EXTRA, n->list.items[i]->op == COMM_SEND, chan[i]);
    cg_free_to(fs, a + 3);
    Breakable b;
    brk_push(fs, &b, BK_SELECT, label);
    /* Dispatch. Without a default the last case needs no test. */
    int fall = def;
    int *to = mem_alloc_atomic((nc + 1) * sizeof *to);
    for (int i = 0; i < nc; i++) {
        to[i] = NO_JUMP;
        if (caseno[i] < 0)
            continue;
        if (def < 0 && caseno[i] == ncases - 1) {
            fall = i;
            continue;
        }
        if (caseno[i] <= IMM_MAX) {
            to[i] = cg_cond_op(fs, OP_EQI, a, caseno[i] + SC_BIAS, 1);
        } else {
            int t = cg_alloc_reg(fs);
            cg_load_const(fs, v_make_int(caseno[i]), t);
            to[i] = cg_cond_op(fs, OP_EQ, a, t, 1);
            cg_free_to(fs, t);
        }
    }
    int ends = NO_JUMP, emitted = 0, total = ncases + (def >= 0);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nc; i++) {
            if ((pass == 0) != (i == fall) || (caseno[i] < 0 && i != def))
                continue;
            Node *cm = n->list.items[i];
            cg_jump_here(fs, to[i]);
            int inner = fs->freereg;
            cg_set_line(fs, cm);
            if (cm->op == COMM_RECV)
                take_values(fs, cm->list.items, cm->list.n < 2 ? cm->list.n : 2, cm->define, a + 1);
            block(fs, cm->body);
            cg_free_to(fs, inner);
            if (++emitted < total)
                cg_jump_concat(fs, &ends, cg_emit_jump(fs));
        }
    cg_jump_here(fs, ends);
    cg_jump_here(fs, b.breaks);
    fs->brk = b.prev;
    cg_free_to(fs, top);
}

void cg_return_named(FuncState *fs)
{
    int base = fs->freereg;
    for (int i = 0; i < fs->nnamed; i++)
        cg_var_load(fs, fs->named[i], cg_alloc_reg(fs));
    cg_emit_abc(fs, OP_RETURN, base, fs->nnamed + 1, 0);
    cg_free_to(fs, base);
}

/* `return x, y` with named results: Go assigns x, y to them, then returns
 * them (deferred calls may still change them: the VM reads them last). */
static void return_to_named(FuncState *fs, Node *n)
{
    int nv = n->list.n, nr = fs->nnamed, base = fs->freereg;
    if (nv == 1 && nr != 1 && cg_is_multi_call(fs, n->list.items[0])) {
        cg_alloc_reg(fs);
        cg_call_top(fs, n->list.items[0], base, nr, OP_CALL);
        cg_alloc_regs(fs, nr - 1);
    } else if (nv != nr) {
        cg_err(fs->c, n, "%s return values", nv < nr ? "not enough" : "too many");
        return;
    } else {
        for (int i = 0; i < nv; i++)
            cg_expr_fit(fs, n->list.items[i], cg_alloc_reg(fs), fs->named[i] ? fs->named[i]->type : NULL,
                        STORE_RETURN);
    }
    cg_set_line(fs, n);
    if (nv != nr)
        for (int i = 0; i < nr; i++)
            cg_fit_reg(fs, base + i, NULL, fs->named[i] ? fs->named[i]->type : NULL, STORE_RETURN);
    for (int i = 0; i < nr; i++)
        cg_var_store(fs, fs->named[i], base + i);
    cg_emit_abc(fs, OP_RETURN, base, nr + 1, 0);
    cg_free_to(fs, base);
}

static void return_stmt(FuncState *fs, Node *n)
{
    int top = fs->freereg, nv = n->list.n;
    if (fs->nnamed) {
        cg_set_line(fs, n);
        if (nv == 0)
            cg_return_named(fs);
        else
            return_to_named(fs, n);
    } else if (nv == 0) {
        cg_emit_abc(fs, OP_RETURN, 0, 1, 0);
    } else if (nv == 1 && cg_is_multi_call(fs, n->list.items[0]) && fs->nrtypes >= 1 &&
               fs->nrtypes <= MULTI_MAX) {
        /* return f(x) into typed results: as many as declared, each fit */
        int base = cg_alloc_reg(fs);
        cg_call_top(fs, n->list.items[0], base, fs->nrtypes, OP_CALL);
        cg_alloc_regs(fs, fs->nrtypes - 1);
        cg_set_line(fs, n);
        for (int i = 0; i < fs->nrtypes; i++)
            cg_fit_reg(fs, base + i, fs->nrtypes == 1 ? n->list.items[0] : NULL, fs->rtypes[i], STORE_RETURN);
        cg_emit_abc(fs, OP_RETURN, base, fs->nrtypes + 1, 0);
    } else if (nv == 1 && cg_is_multi_call(fs, n->list.items[0])) {
        /* return f(x): all of f's results */
        int base = cg_alloc_reg(fs);
        cg_call_top(fs, n->list.items[0], base, -1, OP_CALL);
        cg_set_line(fs, n);
        cg_emit_abc(fs, OP_RETURN, base, 0, 0);
    } else if (nv == 1) {
        /* A place returned is copied by RETURNC. Not a
         * plain local of this function: every value stored into one was
         * copied (or fresh), so the local owns its struct, array or slice
         * header alone, and it dies with the frame. */
        Node *x = n->list.items[0];
        int r = cg_expr_any(fs, x);
        cg_set_line(fs, n);
        int fit = cg_fit_any(fs, r, x, fs->nrtypes ? fs->rtypes[0] : NULL, STORE_RETURN);
        cg_emit_abc(fs, fit == r && cg_is_place(fs, x) && !cg_plain_local(fs, x) ? OP_RETURNC : OP_RETURN,
                    fit, 2, 0);
    } else if (nv <= MULTI_MAX) {
        int base = fs->freereg;
        for (int i = 0; i < nv; i++)
            cg_expr_fit(fs, n->list.items[i], cg_alloc_reg(fs), i < fs->nrtypes ? fs->rtypes[i] : NULL,
                        STORE_RETURN);
        cg_set_line(fs, n);
        cg_emit_abc(fs, OP_RETURN, base, nv + 1, 0);
    } else {
        /* many results: through a list, spread back onto the stack */
        int l = cg_alloc_reg(fs);
        cg_list_build(fs, n->list.items, nv, l, true);
        cg_set_line(fs, n);
        cg_emit_abc(fs, OP_UNPACK, l, l, 0);
        cg_emit_abc(fs, OP_RETURN, l, 0, 0);
    }
    cg_free_to(fs, top);
}

/* A label goto statements name: where it is, once compiled. */
typedef struct GotoLabel {
    const char *name;
    int pc;      /* -1 until the labeled statement is compiled */
    int pending; /* jump list of the gotos compiled before it */
} GotoLabel;

static GotoLabel *goto_label(FuncState *fs, const char *name)
{
    for (int i = 0; i < fs->nglabels; i++)
        if (strcmp(fs->glabels[i].name, name) == 0)
            return &fs->glabels[i];
    if (fs->nglabels == fs->capglabels) {
        int ncap = mem_grow_int(fs->capglabels, 4);
        GotoLabel *nl = mem_alloc((size_t)ncap * sizeof *nl);
        if (fs->nglabels)
            memcpy(nl, fs->glabels, (size_t)fs->nglabels * sizeof *nl);
        fs->glabels = nl;
        fs->capglabels = ncap;
    }
    GotoLabel *l = &fs->glabels[fs->nglabels++];
    l->name = name;
    l->pc = -1;
    l->pending = NO_JUMP;
    return l;
}

/* A label's statement starts here: the gotos waiting for it land here,
 * later ones jump back here. Pass 1 made sure each label is unique and
 * that no goto skips a declaration or enters a block, so a jump only
 * moves the pc: the registers of the locals in scope at the label hold
 * what they held. */
static void label_here(FuncState *fs, const char *name)
{
    GotoLabel *l = goto_label(fs, name);
    l->pc = fs->ncode;
    cg_jump_here(fs, l->pending);
    l->pending = NO_JUMP;
}

static void goto_stmt(FuncState *fs, Node *n)
{
    GotoLabel *l = goto_label(fs, n->name);
    int j = cg_emit_jump(fs);
    if (l->pc >= 0)
        cg_jump_patch(fs, j, l->pc);
    else
        cg_jump_concat(fs, &l->pending, j);
}

static void branch_stmt(FuncState *fs, Node *n)
{
    int *list = branch_list(fs, n);
    if (list)
        cg_jump_concat(fs, list, cg_emit_jump(fs));
}

static void expr_stmt(FuncState *fs, Node *e)
{
    int top = fs->freereg;
    if (e && e->kind == N_CALL) {
        cg_call_top(fs, e, cg_alloc_reg(fs), 0, OP_CALL);
    } else if (e && e->kind == N_RECV) {
        int r = cg_alloc_reg(fs);
        int ch = cg_expr_any(fs, e->a);
        cg_set_line(fs, e);
        cg_emit_abc(fs, OP_RECV, r, ch, 1);
    } else if (e) {
        cg_expr_any(fs, e); /* for its panics, if any */
    }
    cg_free_to(fs, top);
}

/* A func declared inside a function (not Go; pass 1 allows it): a local
 * bound before its body is compiled, so it can call itself. */
static void local_funcdecl(FuncState *fs, Node *n)
{
    Var *v = cg_node_var(fs->c, n);
    if (!v || v->kind != VK_LOCAL)
        return;
    int r = cg_alloc_reg(fs);
    const char *name = cg_gc_sprintf("%s.%s", fs->name, n->name);
    if (v->captured) {
        cg_emit_abc(fs, OP_LOADNIL, r, 0, 0);
        cg_var_declare(fs, v, r);
        int t = cg_alloc_reg(fs);
        cg_emit_abx(fs, OP_CLOSURE, t, cg_func_proto(fs, n->func, name, n->line, false));
        cg_emit_abc(fs, OP_SETCELL, r, t, 0);
        cg_free_to(fs, t);
    } else {
        cg_mark_local(fs, v, r);
        cg_emit_abx(fs, OP_CLOSURE, r, cg_func_proto(fs, n->func, name, n->line, false));
    }
}

void cg_stmt(FuncState *fs, Node *n, const char *label)
{
    if (!n)
        return;
    Compiler *c = fs->c;
    if (!cg_enter(c, n))
        return;
    int saveline = fs->line;
    const Node *saveat = fs->at;
    cg_set_line(fs, n);
    int top = fs->freereg;
    const char *lab = label ? label : n->label;
    bool declares = false;
    switch (n->kind) {
    case N_EXPRSTMT:
        expr_stmt(fs, n->a);
        break;
    case N_ASSIGN:
        if (n->op == TK_ASSIGN)
            assign_stmt(fs, n);
        else if (n->list.n == 1 && n->list2.n == 1)
            compound_stmt(fs, n->list.items[0], cg_compound_op(n->op), n->list2.items[0], 0);
        break;
    case N_DEFINE:
    case N_VAR:
    case N_CONST:
        decl_stmt(fs, n);
        declares = true;
        break;
    case N_INCDEC:
        compound_stmt(fs, n->a, TK_PLUS, NULL, n->op == TK_DEC ? -1 : 1);
        break;
    case N_SEND: {
        int ch = cg_expr_any(fs, n->a);
        int v = cg_value_any(fs, n->b);
        const ObjType *ct = cg_static_type(fs->c, n->a);
        if (ct && ct->kind == TYPE_CHAN && ct->elem && ct->elem->kind == TYPE_INTERFACE)
            v = cg_fit_any(fs, v, n->b, ct->elem, STORE_SEND); /* boxed as an interface holds it */
        cg_set_line(fs, n);
        cg_emit_abc(fs, OP_SEND, ch, v, 0);
        break;
    }
    case N_BLOCK:
        block(fs, n);
        break;
    case N_IF:
        if_stmt(fs, n);
        break;
    case N_FOR:
        for_stmt(fs, n, lab);
        break;
    case N_RANGE:
        range_stmt(fs, n, lab);
        break;
    case N_SWITCH:
        switch_stmt(fs, n, lab);
        break;
    case N_SELECT:
        select_stmt(fs, n, lab);
        break;
    case N_RETURN:
        return_stmt(fs, n);
        break;
    case N_BREAK:
    case N_CONTINUE:
        branch_stmt(fs, n);
        break;
    case N_GO:
    case N_DEFER:
        if (n->a && n->a->kind == N_CALL)
            cg_call_top(fs, n->a, cg_alloc_reg(fs), 0, n->kind == N_GO ? OP_GO : OP_DEFER);
        break;
    case N_GOTO:
        goto_stmt(fs, n);
        break;
    case N_LABELED:
        label_here(fs, n->name);
        cg_stmt(fs, n->body, n->name);
        declares = true; /* a labeled declaration keeps its registers */
        break;
    case N_FUNCDECL:
        /* top-level ones were hoisted by gen_main */
        if (cg_node_var(c, n) && cg_node_var(c, n)->kind == VK_LOCAL)
            local_funcdecl(fs, n);
        declares = true;
        break;
    default:
        if (cg_is_expr_kind(n->kind))
            expr_stmt(fs, n);
        break;
    }
    if (!declares)
        cg_free_to(fs, top);
    fs->line = saveline;
    fs->at = saveat;
    cg_leave(c);
}
