/* compile_expr.c — code generation for expressions and conditions.
 *
 * expr_to computes an expression into a given register: operators (with
 * constant and immediate operands where the instruction set has them),
 * literals, calls and their results, indexing, selectors and function
 * literals. cond_jump compiles a condition to jump code.
 */
#include "compile_int.h"

#include <string.h>

#include "../vm/buf.h"
#include "../vm/mem.h"
#include "grammar.h"

/* A register holding n: a plain local's own, or a new temporary. */
int cg_expr_any(FuncState *fs, Node *n)
{
    Var *v = cg_plain_local(fs, n);
    if (v)
        return v->reg;
    for (int i = fs->npins - 1; i >= 0; i--)
        if (fs->pin_node[i] == n)
            return fs->pin_reg[i];
    int r = cg_alloc_reg(fs);
    cg_expr_to(fs, n, r);
    return r;
}

/* Like cg_expr_any, but computes into dst when dst is scratch (not a live
 * local), saving a register: for the first operand of an instruction
 * whose result goes to dst. */
static int expr_hint(FuncState *fs, Node *n, int dst)
{
    Var *v = cg_plain_local(fs, n);
    if (v)
        return v->reg;
    if (fs->islocal[dst])
        return cg_expr_any(fs, n);
    cg_expr_to(fs, n, dst);
    return dst;
}

static OpCode arithk_op(int t)
{
#define X(tok, assign, rop, kop)                                                                             \
    if (t == tok)                                                                                            \
        return kop;
    ARITH_OPS(X)
#undef X
    return OP__COUNT;
}

/* dst = R[ra] tok b, with the immediate and K forms when b is a constant. */
void cg_arith_rr(FuncState *fs, int dst, int tok, int ra, Node *b)
{
    int top = fs->freereg;
    Value kb = cg_const_eval(fs->c, b);
    int imm;
    if ((tok == TK_PLUS || tok == TK_MINUS) && v_is_int(kb) && kb != V_UNDEF &&
        cg_int_imm(tok == TK_MINUS ? v_make_int(-v_int(kb)) : kb, &imm)) {
        cg_emit_abc(fs, OP_ADDI, dst, ra, imm + SC_BIAS);
        return;
    }
    OpCode kop = arithk_op(tok);
    if (kop != OP__COUNT && kb != V_UNDEF && (cg_is_number(kb) || (tok == TK_PLUS && v_is_str(kb)))) {
        int k = cg_add_k(fs, kb);
        if (k <= 255) {
            cg_emit_abc(fs, kop, dst, ra, k);
            return;
        }
    }
    int rb = dst != ra ? expr_hint(fs, b, dst) : cg_expr_any(fs, b);
    cg_emit_abc(fs, cg_arith_op(tok), dst, ra, rb);
    cg_free_to(fs, top);
}

/* a && b, a || b as a value: short-circuit into one register. A chain
 * `a && b && c` is walked in a loop: the first operand that decides the
 * value jumps to the end. */
static void logic_to(FuncState *fs, Node *n, int dst)
{
    int top = fs->freereg;
    /* writing dst before b is read would clobber a local that b reads */
    int t = fs->islocal[dst] ? cg_alloc_reg(fs) : dst;
    Node **sp;
    int len = cg_logic_spine(n, &sp), ends = NO_JUMP;
    cg_expr_to(fs, sp[len - 1]->a, t);
    for (int i = len - 1; i >= 0; i--) {
        cg_set_line(fs, sp[i]);
        cg_emit_abc(fs, OP_TEST, t, 0, n->op == TK_OROR);
        cg_jump_concat(fs, &ends, cg_emit_jump(fs));
        cg_expr_to(fs, sp[i]->b, t);
    }
    cg_jump_here(fs, ends);
    if (t != dst)
        cg_emit_abc(fs, OP_MOVE, dst, t, 0);
    cg_free_to(fs, top);
}

/* The string constants added by sp[*i], sp[*i - 1], ... (while they are
 * `+ "string constant"`), after `first` if given, joined into one constant
 * of at most MAX_FOLD_STR bytes (or one term, if that is longer); *i moves
 * past them. */
static Value str_run(FuncState *fs, Node **sp, int *i, ObjString *first)
{
    Buf run;
    buf_init(&run);
    if (first)
        buf_add(&run, first->data, first->len);
    for (; *i >= 0 && sp[*i]->op == TK_PLUS; --*i) {
        Value k = cg_const_eval(fs->c, sp[*i]->b);
        if (!v_is_str(k) || k == V_UNDEF || (run.len && run.len + v_str(k)->len > MAX_FOLD_STR))
            break;
        buf_add(&run, v_str(k)->data, v_str(k)->len);
    }
    return v_from_ptr(buf_to_str(&run));
}

/* Whether n is known at compile time to compute an int (of any size, or
 * a declared integer type): a variable, parameter, field or element
 * declared so, a call returning one, and operators on such operands and
 * integer constants. */
static bool known_int(Compiler *c, Node *n, int depth)
{
    if (!n || depth > 16)
        return false;
    const ObjType *ty = cg_basic_type(c, n);
    if (!ty)
        ty = cg_static_type(c, n);
    if (ty)
        return ty->kind == TYPE_INT;
    if (n->kind == N_CALL && n->a && n->a->kind == N_IDENT && n->a->name &&
        (!strcmp(n->a->name, "len") || !strcmp(n->a->name, "cap"))) {
        Var *v = cg_node_var(c, n->a);
        return v && v->kind == VK_UNIVERSE;
    }
    if (n->kind == N_UNARY && (n->op == TK_MINUS || n->op == TK_PLUS || n->op == TK_CARET))
        return known_int(c, n->a, depth + 1);
    if (n->kind != N_BINARY || !cg_is_arith_op(n->op))
        return false;
    if (n->op == TK_SHL || n->op == TK_SHR)
        return known_int(c, n->a, depth + 1);
    Value ka = cg_const_eval(c, n->a), kb = cg_const_eval(c, n->b);
    bool ia = known_int(c, n->a, depth + 1), ib = known_int(c, n->b, depth + 1);
    return (ia && (ib || (kb != V_UNDEF && cg_is_number(kb)))) || (ib && ka != V_UNDEF && cg_is_number(ka));
}

/* Go converts an untyped constant operand to the other operand's type:
 * with n an int, n/1e3 is an int division (1e3 is the int 1000). So a
 * float constant k with an integral value, beside an operand known to be
 * an int, is loaded as that int; *out is then the int and true is said. */
static bool int_const_beside(FuncState *fs, Node *k, Node *other, Value *out)
{
    Value v = cg_const_eval(fs->c, k);
    if (v == V_UNDEF || !v_is_anyfloat(v))
        return false;
    double d = v_anyfloat(v);
    if (d != d || d < -9223372036854775808.0 || d >= 9223372036854775808.0 || d != (double)(int64_t)d)
        return false;
    if (!known_int(fs->c, other, 0))
        return false;
    *out = v_make_int((int64_t)d);
    return true;
}

/* An arithmetic operator with an integral float constant on either side
 * of an int (int_const_beside) into dst; false (nothing emitted) when n is
 * not one. */
static bool arith_int_const_to(FuncState *fs, Node *n, int dst)
{
    Value k;
    if (!cg_is_arith_op(n->op) || n->op == TK_SHL || n->op == TK_SHR)
        return false;
    int top = fs->freereg;
    if (int_const_beside(fs, n->b, n->a, &k)) {
        int ra = expr_hint(fs, n->a, dst);
        int rb = cg_alloc_reg(fs);
        cg_load_const(fs, k, rb);
        cg_set_line(fs, n);
        cg_emit_abc(fs, cg_arith_op(n->op), dst, ra, rb);
    } else if (int_const_beside(fs, n->a, n->b, &k)) {
        int ra = fs->islocal[dst] ? cg_alloc_reg(fs) : dst;
        cg_load_const(fs, k, ra);
        int rb = cg_expr_any(fs, n->b);
        cg_set_line(fs, n);
        cg_emit_abc(fs, cg_arith_op(n->op), dst, ra, rb);
    } else {
        return false;
    }
    cg_free_to(fs, top);
    return true;
}

static void binary_to(FuncState *fs, Node *n, int dst)
{
    if (arith_int_const_to(fs, n, dst))
        return;
    int top = fs->freereg, ra, rb;
    cg_u64_operands(fs->c, n);
    switch (n->op) {
    case TK_ANDAND:
    case TK_OROR:
        logic_to(fs, n, dst);
        return;
    case TK_EQ:
    case TK_NE:
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
        ra = expr_hint(fs, n->a, dst);
        rb = ra != dst ? expr_hint(fs, n->b, dst) : cg_expr_any(fs, n->b);
        const ObjType *ity = n->op == TK_EQ || n->op == TK_NE ? cg_iface_compare(fs->c, n->a, n->b) : NULL;
        if (ity) {
            ra = cg_fit_any(fs, ra, n->a, ity, STORE_ASSIGN);
            rb = cg_fit_any(fs, rb, n->b, ity, STORE_ASSIGN);
            cg_emit_abc(fs, OP_SEQIF, dst, ra, rb);
            if (n->op == TK_NE)
                cg_emit_abc(fs, OP_NOT, dst, dst, 0);
            break;
        }
        switch (n->op) {
        case TK_EQ:
            cg_emit_abc(fs, OP_SEQ, dst, ra, rb);
            break;
        case TK_NE:
            cg_emit_abc(fs, OP_SNE, dst, ra, rb);
            break;
        case TK_LT:
            cg_emit_abc(fs, OP_SLT, dst, ra, rb);
            break;
        case TK_LE:
            cg_emit_abc(fs, OP_SLE, dst, ra, rb);
            break;
        case TK_GT:
            cg_emit_abc(fs, OP_SLT, dst, rb, ra);
            break;
        default:
            cg_emit_abc(fs, OP_SLE, dst, rb, ra);
            break;
        }
        break;
    default: {
        Node **sp;
        int len = cg_arith_spine(n, &sp);
        if (len > SPINE_MIN) {
            /* A long chain: accumulate left to right in one register. Once
             * the accumulator is a string (it starts as a string constant),
             * each run of string constants is added as one constant, so a
             * chain too long to fold whole still costs a few concatenations
             * at run time, not one per term. (Only then: `1 + "a" + "b"`
             * must panic naming "a".) */
            int t = fs->islocal[dst] ? cg_alloc_reg(fs) : dst;
            int i = len - 1;
            Value k0 = cg_const_eval(fs->c, sp[i]->a);
            bool isstr = v_is_str(k0) && k0 != V_UNDEF;
            if (isstr)
                cg_load_const(fs, str_run(fs, sp, &i, v_str(k0)), t);
            else
                cg_expr_to(fs, sp[i]->a, t);
            while (i >= 0) {
                cg_set_line(fs, sp[i]);
                Value kb = cg_const_eval(fs->c, sp[i]->b);
                if (isstr && sp[i]->op == TK_PLUS && v_is_str(kb) && kb != V_UNDEF) {
                    int r = cg_alloc_reg(fs);
                    cg_load_const(fs, str_run(fs, sp, &i, NULL), r);
                    cg_emit_abc(fs, OP_ADD, t, t, r);
                    cg_free_to(fs, r);
                    continue;
                }
                /* a `+` of a string constant that did not panic made a string */
                isstr = sp[i]->op == TK_PLUS && (isstr || (v_is_str(kb) && kb != V_UNDEF));
                cg_arith_rr(fs, t, sp[i]->op, t, sp[i]->b);
                i--;
            }
            if (t != dst)
                cg_emit_abc(fs, OP_MOVE, dst, t, 0);
            break;
        }
        ra = expr_hint(fs, n->a, dst);
        cg_arith_rr(fs, dst, n->op, ra, n->b);
        break;
    }
    }
    cg_free_to(fs, top);
}

/* dst = &x for the operand x of `&`. */
static void addr_to(FuncState *fs, Node *x, int dst)
{
    int top = fs->freereg;
    if (x && x->kind == N_IDENT) {
        cg_var_ref(fs, cg_node_var(fs->c, x), dst);
    } else if (x && x->kind == N_INDEX) {
        int ra = cg_expr_any(fs, x->a);
        int rb = cg_expr_any(fs, x->b);
        cg_set_line(fs, x);
        cg_emit_abc(fs, OP_REFINDEX, dst, ra, rb);
    } else if (x && x->kind == N_UNARY && x->op == TK_STAR) {
        cg_expr_to(fs, x->a, dst); /* &*p is p */
    } else if (x && x->kind == N_FIELD && !cg_node_var(fs->c, x)) {
        /* &s.f: the field's own slot (or its struct/array object) */
        int ra = cg_expr_any(fs, x->a);
        cg_set_line(fs, x);
        int pc = cg_emit_abc(fs, OP_REFFIELD, dst, ra, cg_field_k(fs, x->name));
        cg_ic_prefill(fs, pc, cg_struct_of(cg_static_type(fs->c, x->a)), x->name);
    } else {
        /* a composite literal (or a field: a struct-typed field is its own
         * object, so a pointer to the value read is a pointer to it) */
        int r = expr_hint(fs, x, dst);
        cg_emit_abc(fs, OP_REF, dst, r, 0);
    }
    cg_free_to(fs, top);
}

static void unary_to(FuncState *fs, Node *n, int dst)
{
    int top = fs->freereg;
    if (n->op == TK_PLUS) {
        cg_expr_to(fs, n->a, dst);
        return;
    }
    if (n->op == TK_AMP) {
        addr_to(fs, n->a, dst);
        return;
    }
    if (n->op == TK_STAR) {
        int ra = expr_hint(fs, n->a, dst);
        cg_race_mark(fs, RACE_DEREF, NULL, n);
        cg_emit_abc(fs, OP_DEREF, dst, ra, 0);
        cg_free_to(fs, top);
        return;
    }
    int ra = expr_hint(fs, n->a, dst);
    cg_emit_abc(fs, n->op == TK_MINUS ? OP_UNM : n->op == TK_NOT ? OP_NOT : OP_BNOT, dst, ra, 0);
    cg_free_to(fs, top);
}

/* The register to build a list or map in: dst itself when it is the
 * topmost scratch register (the elements go right above it). */
static int build_reg(FuncState *fs, int dst)
{
    if (dst == fs->freereg - 1 && !fs->islocal[dst])
        return dst;
    return cg_alloc_reg(fs);
}

/* e's value into dst as an element of a literal whose elements have type
 * ety (NULL: any; else converted, as a []float64's 1 is 1.0). */
static void elem_to(FuncState *fs, Node *e, int dst, const ObjType *ety, int place)
{
    if (ety)
        cg_expr_fit(fs, e, dst, ety, place);
    else
        cg_value_to(fs, e, dst);
}

/* The element type that a typed literal's elements convert to, or NULL. */
static const ObjType *fit_type(const ObjType *c, bool key)
{
    if (!c)
        return NULL;
    return cg_store_type_of(key ? c->key : c->elem);
}

/* R[l] = a new list of the values of items[0..n-1], in order: NEWLIST of
 * the first batch, APPENDN of each next one, every batch right above the
 * list, so a list of any length needs LIST_BATCH + 1 registers. l must be
 * the topmost register allocated. */
void cg_list_build(FuncState *fs, Node **items, int n, int l, bool values)
{
    if (n == 0)
        cg_emit_abc(fs, OP_NEWLIST, l, l + 1, 0);
    for (int i = 0; i < n; i += LIST_BATCH) {
        int nb = n - i < LIST_BATCH ? n - i : LIST_BATCH;
        for (int j = 0; j < nb; j++) {
            if (values)
                cg_value_to(fs, items[i + j], cg_alloc_reg(fs));
            else
                cg_expr_to(fs, items[i + j], cg_alloc_reg(fs));
        }
        if (i == 0)
            cg_emit_abc(fs, OP_NEWLIST, l, l + 1, nb);
        else
            cg_emit_abc(fs, OP_APPENDN, l, nb, 0);
        cg_free_to(fs, l + 1);
    }
}

/* dst = R[l][i], for a list the compiler built. */
void cg_load_item(FuncState *fs, int l, int i, int dst)
{
    int r = cg_alloc_reg(fs);
    cg_load_const(fs, v_make_int(i), r);
    cg_emit_abc(fs, OP_GETINDEX, dst, l, r);
    cg_free_to(fs, r);
}

/* The index of each element of an array or slice literal (keys are
 * constant ints; a plain element follows the one before it) into idx;
 * returns the length the literal needs (the largest index + 1), or -1
 * after reporting an error. */
static int64_t literal_indexes(FuncState *fs, Node *n, int64_t *idx)
{
    int64_t next = 0, len = 0;
    for (int i = 0; i < n->list.n; i++) {
        Node *key = i < n->list2.n ? n->list2.items[i] : NULL;
        if (key) {
            /* a constant of a declared integer type (`north direction`) too */
            Value k = cg_const_eval(fs->c, key);
            if (k != V_UNDEF)
                k = v_unnamed(k);
            if (!v_is_int(k) || k == V_UNDEF || v_int(k) < 0) {
                cg_err(fs->c, key, "index %s must be non-negative integer constant", cg_describe(key));
                return -1;
            }
            next = v_int(k);
        }
        for (int j = 0; j < i; j++)
            if (idx[j] == next) {
                cg_err(fs->c, key ? key : n->list.items[i], "duplicate index %lld in array or slice literal",
                       (long long)next);
                return -1;
            }
        idx[i] = next++;
        if (next > len)
            len = next;
    }
    return len;
}

/* Whether literal n's type names type parameters of the generic function
 * it is in (`Stack[T]{}`, `[]T{...}`, `map[K]V{}`): its descriptor is then
 * made when the code runs (cg_load_type), so that the value has the
 * instance for the current type arguments (Stack[int]), not the type
 * written with parameters. */
static bool generic_literal(FuncState *fs, const Node *n)
{
    uint64_t w;
    return n && n->type && cg_pm_get(&fs->c->tmentions, n, &w);
}

/* R[dst] = the descriptor of literal n's type: a constant, or made when
 * the code runs (generic_literal). */
static void literal_type_to(FuncState *fs, const Node *n, ObjType *ty, int dst)
{
    if (generic_literal(fs, n))
        cg_load_type(fs, n, n->type, dst);
    else
        cg_load_const(fs, v_from_ptr(ty), dst);
}

/* dst = the zero value of ty, made at run time (a fresh array). */
static void zero_call(FuncState *fs, ObjType *ty, int dst)
{
    int top = fs->freereg;
    int base = cg_alloc_regs(fs, 2);
    cg_load_const(fs, types_zero_native(), base);
    cg_load_const(fs, v_from_ptr(ty), base + 1);
    cg_emit_abc(fs, OP_CALL, base, 2, 2);
    cg_emit_abc(fs, OP_MOVE, dst, base, 0);
    cg_free_to(fs, top);
}

/* An array literal ([3]int{1, 2}, [...]string{2: "c"}) or a keyed slice
 * literal ([]int{5: 1}): its zero value (for a slice, make of the length
 * the keys need), then each element stored at its index. */
static void indexed_literal_to(FuncState *fs, Node *n, ObjType *ty, int dst)
{
    int top = fs->freereg, cnt = n->list.n;
    int64_t *idx = cnt ? mem_alloc_atomic((size_t)cnt * sizeof *idx) : NULL;
    int64_t len = literal_indexes(fs, n, idx);
    if (len < 0)
        return;
    const char *et = strchr(n->type, ']') + 1;
    bool array = ty->kind == TYPE_ARRAY;
    if (array && ty->len < 0) { /* [...]T: as long as its elements need */
        const char *text = cg_gc_sprintf("[%lld]%s", (long long)len, et);
        ObjType *elem = ty->elem; /* resolved where it is written (cg_node_type) */
        ty = types_parse(text, strlen(text));
        ty->elem = elem;
    }
    if (array && len > ty->len) {
        cg_err(fs->c, n, "array index %lld out of bounds [0:%lld]", (long long)len - 1, (long long)ty->len);
        return;
    }
    int l = cg_alloc_reg(fs); /* never dst: an element may read the variable dst is */
    if (array) {
        zero_call(fs, ty, l);
    } else {
        int base = cg_alloc_regs(fs, 3);
        Value make;
        Runtime *rt = fs->c->rt;
        if (!rt_universe_get(rt, "make", &make))
            make = V_NIL;
        cg_load_const(fs, make, base);
        cg_load_const(fs, v_from_ptr(ty), base + 1);
        cg_load_const(fs, v_make_int(len), base + 2);
        cg_emit_abc(fs, OP_CALL, base, 3, 2);
        cg_emit_abc(fs, OP_MOVE, l, base, 0);
        cg_free_to(fs, l + 1);
    }
    for (int i = 0; i < cnt; i++) {
        int k = cg_alloc_reg(fs);
        cg_load_const(fs, v_make_int(idx[i]), k);
        int v = cg_alloc_reg(fs);
        cg_value_to(fs, n->list.items[i], v);
        cg_set_line(fs, n->list.items[i]);
        cg_emit_abc(fs, OP_SETINDEX, l, k, v);
        cg_free_to(fs, l + 1);
    }
    cg_emit_abc(fs, OP_MOVE, dst, l, 0);
    cg_free_to(fs, top);
}

static void list_to_typed(FuncState *fs, Node *n, int dst, ObjType *ty);

static void list_to(FuncState *fs, Node *n, int dst)
{
    list_to_typed(fs, n, dst, n->type && n->type[0] == '[' ? cg_node_type(fs->c, n) : NULL);
}

/* A list literal of type ty (a slice or array type, named or not; NULL:
 * untyped) into dst. */
static void list_to_typed(FuncState *fs, Node *n, int dst, ObjType *ty)
{
    int top = fs->freereg, cnt = n->list.n;
    const ObjType *ety = fit_type(ty, false);
    if (ty && (ty->kind == TYPE_ARRAY || n->list2.n)) {
        indexed_literal_to(fs, n, ty, dst);
        return;
    }
    if (ty && ty->kind == TYPE_SLICE) {
        /* []T{...}: the list, then its type recorded (fmt's %T, and
         * conversions of what is stored into it) */
        int r = build_reg(fs, dst);
        if (ety && cnt <= LIST_BATCH) {
            /* []float64{1, 2}: each element as the element type */
            int base = fs->freereg;
            for (int i = 0; i < cnt; i++)
                elem_to(fs, n->list.items[i], cg_alloc_reg(fs), ety, STORE_SLICE_LIT);
            cg_emit_abc(fs, OP_NEWLIST, r, cnt ? base : r, cnt);
            cg_free_to(fs, r + 1);
        } else {
            list_to(fs, &(Node){.kind = N_LIST, .line = n->line, .col = n->col, .list = n->list}, r);
        }
        int kx = generic_literal(fs, n) ? K_DIRECT : cg_add_k(fs, v_from_ptr(ty));
        if (kx < K_DIRECT) { /* else (a function of 65000 constants) untyped */
            cg_emit_abx(fs, OP_TYPELIST, r, kx);
        } else if (generic_literal(fs, n)) {
            int rt = cg_alloc_reg(fs);
            literal_type_to(fs, n, ty, rt);
            cg_emit_abc(fs, OP_TYPELISTR, r, rt, 0);
        }
        if (r != dst)
            cg_emit_abc(fs, OP_MOVE, dst, r, 0);
        cg_free_to(fs, top);
        return;
    }
    if (cnt <= LIST_BATCH) {
        int base = fs->freereg;
        for (int i = 0; i < cnt; i++)
            cg_value_to(fs, n->list.items[i], cg_alloc_reg(fs));
        cg_emit_abc(fs, OP_NEWLIST, dst, cnt ? base : dst, cnt);
        cg_free_to(fs, top);
        return;
    }
    int l = build_reg(fs, dst);
    cg_list_build(fs, n->list.items, cnt, l, true);
    if (l != dst)
        cg_emit_abc(fs, OP_MOVE, dst, l, 0);
    cg_free_to(fs, top);
}

static void map_to_typed(FuncState *fs, Node *n, int dst, ObjType *ty);

static void map_to(FuncState *fs, Node *n, int dst)
{
    map_to_typed(fs, n, dst, cg_node_type(fs->c, n));
}

/* A map literal of type ty (named or not; NULL: untyped) into dst. */
static void map_to_typed(FuncState *fs, Node *n, int dst, ObjType *ty)
{
    int top = fs->freereg, pairs = n->list.n / 2;
    int first = pairs < MAP_BATCH ? pairs : MAP_BATCH;
    int m = pairs > MAP_BATCH ? build_reg(fs, dst) : dst;
    int base = fs->freereg;
    const ObjType *kty = fit_type(ty, true), *vty = fit_type(ty, false);
    for (int i = 0; i < 2 * first; i++)
        elem_to(fs, n->list.items[i], cg_alloc_reg(fs), i % 2 ? vty : kty, STORE_MAP_LIT);
    /* A typed literal whose missing keys read as a non-nil zero
     * (map[string]int{}) passes its type after the pairs. */
    int typed = 0;
    if (ty) { /* every typed literal: the map keeps its type for fmt's %T */
        literal_type_to(fs, n, ty, cg_alloc_reg(fs));
        typed = NEWMAP_TYPED;
    }
    cg_emit_abc(fs, OP_NEWMAP, m, first || typed ? base : m, first | typed);
    cg_free_to(fs, base);
    for (int i = first; i < pairs; i++) {
        int rk = cg_alloc_reg(fs), rv = cg_alloc_reg(fs);
        elem_to(fs, n->list.items[2 * i], rk, kty, STORE_MAP_LIT);
        elem_to(fs, n->list.items[2 * i + 1], rv, vty, STORE_MAP_LIT);
        cg_emit_abc(fs, OP_MAPSET, m, rk, rv);
        cg_free_to(fs, base);
    }
    if (m != dst)
        cg_emit_abc(fs, OP_MOVE, dst, m, 0);
    cg_free_to(fs, top);
}

/* x.name (a method value, or a method bound by defer or go) where x's
 * static type is *T and name a pointer method of T: the cache of the
 * instruction at pc names T's method with IC_STATIC, so that a nil x
 * binds it with a nil receiver (the VM's nil_method), as Go does. */
static void nil_recv_prefill(FuncState *fs, int pc, Node *x, const char *name)
{
    ObjType *t = cg_static_type(fs->c, x);
    if (!name || !t || t->kind != TYPE_POINTER || t->named || !t->elem || !t->elem->named)
        return;
    Selection sel;
    types_select(t->elem, str_cstr(name), V_UNDEF, &sel);
    if (sel.kind != SEL_METHOD || sel.depth != 0 || !sel.ptr_recv)
        return;
    if (!fs->nic || fs->icpc[fs->nic - 1] != pc)
        cg_ic_prefill(fs, pc, t->elem, name);
    if (fs->nic && fs->icpc[fs->nic - 1] == pc)
        fs->icword[fs->nic - 1] |= IC_STATIC;
}

/* A method expression, `Point.Dist` or `(*Counter).Inc`: the method's
 * function, which takes the receiver as its first argument. Returns false
 * when n is not one. */
static bool method_expr(FuncState *fs, Node *n, int dst)
{
    Node *a = n->a;
    bool through_ptr = a && a->kind == N_UNARY && a->op == TK_STAR;
    if (through_ptr)
        a = a->a;
    if (a && a->kind == N_INDEX && a->a && a->a->kind == N_IDENT && cg_type_text(a))
        a = a->a; /* Box[int].Get: the generic type's method serves its instances */
    ObjType *t = cg_type_name(fs->c, a);
    if (!t)
        return false;
    bool ptr_recv = false;
    Value fn = types_method(t, str_cstr(n->name), &ptr_recv);
    if (fn == V_UNDEF) {
        cg_err(fs->c, n, "%s.%s undefined (type %s has no method %s)", a->name, n->name, t->name, n->name);
        return true;
    }
    /* (*T).M of a T method: M gets the value the pointer points to (a
     * struct's or array's pointer reads as the object, so those need
     * nothing) */
    if (through_ptr && !ptr_recv && t->kind != TYPE_STRUCT && t->kind != TYPE_ARRAY)
        fn = vm_method_through_pointer(fn);
    cg_load_const(fs, fn, dst);
    return true;
}

/* A field of a literal: its value into R[s]'s slot i (of struct type t).
 * SETSLOT's 8-bit B reaches the first 256 fields; a field past them is
 * stored by name, through the instruction's cache. */
static void slot_store(FuncState *fs, int s, ObjType *t, int i, Node *v)
{
    int top = fs->freereg;
    int r = cg_alloc_reg(fs);
    cg_exact_as(fs->c, v, t->fields[i].type); /* a uint64 field's 1<<63 */
    cg_value_to(fs, v, r); /* a place is copied: the field owns its struct */
    /* boxed as an interface holds it; a value of a declared type (Weight
     * Grams) carries its type, for its methods */
    if (t->fields[i].type && (t->fields[i].type->kind == TYPE_INTERFACE || types_boxed(t->fields[i].type)))
        cg_fit_reg(fs, r, v, t->fields[i].type, STORE_ASSIGN);
    cg_set_line(fs, v);
    if (i < 256)
        cg_emit_abc(fs, OP_SETSLOT, s, i, r);
    else
        cg_ic_prefill(fs, cg_emit_abc(fs, OP_SETFIELD, s, cg_field_k(fs, t->fields[i].name), r), t,
                      t->fields[i].name);
    cg_free_to(fs, top);
}

/* U{Value_: d} or U{d} in generic code, U a type parameter whose
 * constraint's core type is a struct: the zero value of U's type argument,
 * made when the code runs, then each field set by name (keyed) or by
 * position, converted to the field's type as any struct literal's. */
static void tparam_literal_to(FuncState *fs, Node *n, int dst)
{
    int top = fs->freereg;
    int s = cg_alloc_reg(fs);
    int base = cg_alloc_regs(fs, 2);
    cg_load_const(fs, types_zero_native(), base);
    literal_type_to(fs, n, NULL, base + 1);
    cg_set_line(fs, n);
    cg_emit_abc(fs, OP_CALL, base, 2, 2);
    cg_emit_abc(fs, OP_MOVE, s, base, 0);
    cg_free_to(fs, base);
    int step = n->ival ? 2 : 1;
    for (int i = 0; i < n->list.n; i += step) {
        Node *k = n->ival ? n->list.items[i] : NULL;
        Node *v = n->list.items[i + (n->ival ? 1 : 0)];
        int r = cg_alloc_reg(fs);
        cg_value_to(fs, v, r);
        cg_set_line(fs, v);
        if (k)
            cg_emit_abc(fs, OP_SETFIELD, s, cg_field_k(fs, k->name), r);
        else if (i < 256)
            cg_emit_abc(fs, OP_SETSLOT, s, i, r);
        cg_free_to(fs, s + 1);
    }
    cg_emit_abc(fs, OP_MOVE, dst, s, 0);
    cg_free_to(fs, top);
}

void cg_composite_to(FuncState *fs, Node *n, int dst)
{
    Compiler *c = fs->c;
    ObjType *t = cg_node_type(c, n);
    int top = fs->freereg;
    if (t && t->kind == TYPE_UNKNOWN && generic_literal(fs, n)) {
        tparam_literal_to(fs, n, dst);
        return;
    }
    if (!t || t->kind != TYPE_STRUCT) {
        /* a named slice or map type's literal: as its underlying type's;
         * a module object (`sync.WaitGroup{}`): its zero value */
        Node copy = *n;
        copy.kind = t && t->kind == TYPE_MAP ? N_MAP : N_LIST;
        copy.op = 0;
        copy.type = t && t->underlying ? t->underlying->name : NULL;
        if (copy.kind == N_LIST && n->ival) {
            /* Arr{2: x, 0: y}: the keys and values, interleaved here, as
             * an indexed list literal has them (values, and keys beside) */
            memset(&copy.list, 0, sizeof copy.list);
            memset(&copy.list2, 0, sizeof copy.list2);
            for (int i = 0; i + 1 < n->list.n; i += 2) {
                nl_push(&copy.list2, n->list.items[i]);
                nl_push(&copy.list, n->list.items[i + 1]);
            }
        }
        /* Set[T]{} in generic code: n itself, whose type is made when
         * it runs (literal_type_to) */
        Node *lit = generic_literal(fs, n) ? n : &copy;
        if (t && t->kind == TYPE_OBJECT) {
            /* the ready zero value, then each keyed field set on it
             * (`sync.Pool{New: f}`), in a scratch register: dst may be a
             * local that a value reads */
            int s = n->list.n && (fs->islocal[dst] || dst != fs->freereg - 1) ? cg_alloc_reg(fs) : dst;
            cg_load_const(fs, t->ctor, s);
            cg_emit_abc(fs, OP_CALL, s, 1, 2);
            for (int i = 0; n->ival && i + 1 < n->list.n; i += 2) {
                Node *k = n->list.items[i], *v = n->list.items[i + 1];
                int r = cg_alloc_reg(fs);
                cg_value_to(fs, v, r);
                cg_set_line(fs, v);
                cg_emit_abc(fs, OP_SETFIELD, s, cg_field_k(fs, k->name), r);
                cg_free_to(fs, s + 1);
            }
            if (s != dst)
                cg_emit_abc(fs, OP_MOVE, dst, s, 0);
            cg_free_to(fs, top);
        } else if (copy.kind == N_MAP) {
            map_to_typed(fs, lit, dst, t); /* the map keeps its named type */
        } else {
            list_to_typed(fs, lit, dst, t);
        }
        return;
    }
    /* the struct is built in a scratch register: dst may be a local that
     * an element reads (`p = Point{p.Y, p.X}`) */
    int s = fs->islocal[dst] || dst != fs->freereg - 1 ? cg_alloc_reg(fs) : dst;
    if (generic_literal(fs, n)) {
        /* Pair[K, V]{k, v}: the instance's zero, made when it runs; its
         * fields have the slots of t's */
        int base = cg_alloc_regs(fs, 2);
        cg_load_const(fs, types_zero_native(), base);
        literal_type_to(fs, n, t, base + 1);
        cg_emit_abc(fs, OP_CALL, base, 2, 2);
        cg_emit_abc(fs, OP_MOVE, s, base, 0);
        cg_free_to(fs, base);
    } else {
        cg_emit_abx(fs, OP_NEWSTRUCT, s, cg_add_k(fs, v_from_ptr(t)));
    }
    if (n->ival) {
        for (int i = 0; i + 1 < n->list.n; i += 2) {
            Node *k = n->list.items[i];
            int slot = k && k->kind == N_IDENT ? types_field_index(t, k->name, strlen(k->name)) : -1;
            if (slot >= 0)
                slot_store(fs, s, t, slot, n->list.items[i + 1]);
        }
    } else {
        for (int i = 0; i < n->list.n && i < t->nfields; i++)
            slot_store(fs, s, t, i, n->list.items[i]);
    }
    if (n->op == TK_AMP) /* an elided &T{...} in a []*T literal */
        cg_emit_abc(fs, OP_REF, s, s, 0);
    if (s != dst)
        cg_emit_abc(fs, OP_MOVE, dst, s, 0);
    cg_free_to(fs, top);
}

/* Name of the next function literal of fs, as Go names closures. */
static const char *lit_name(FuncState *fs)
{
    fs->nlits++;
    if (fs->is_lit)
        return cg_gc_sprintf("%s.%d", fs->name, fs->nlits);
    return cg_gc_sprintf("%s.func%d", fs->name, fs->nlits);
}

/* A call whose results can all be passed on: not one LEN compiles to. */
static bool is_len_call(FuncState *fs, Node *n)
{
    if (!n || n->kind != N_CALL || n->list.n != 1 || n->spread || !n->a || n->a->kind != N_IDENT)
        return false;
    Var *v = cg_node_var(fs->c, n->a);
    return v && v->kind == VK_UNIVERSE && v->name && strcmp(v->name, "len") == 0;
}

/* A conversion to a declared or written-out type: Chan(nil), []int(x),
 * (*T)(p). */
static bool is_type_conversion(FuncState *fs, Node *n)
{
    Node *f = n->a;
    if (f && f->kind == N_UNARY && f->op == TK_STAR)
        f = f->a;
    return f && (f->kind == N_TYPEEXPR || cg_type_name(fs->c, f));
}

bool cg_is_multi_call(FuncState *fs, Node *n)
{
    /* a call that folds to a constant (float64(1 << 80), complex(1, 2))
     * gives one value, as a conversion does */
    return n && n->kind == N_CALL && !is_len_call(fs, n) && !cg_is_conversion_op(fs, n) &&
           !is_type_conversion(fs, n) && cg_const_eval(fs->c, n) == V_UNDEF;
}

static void call_to(FuncState *fs, Node *n, int dst)
{
    if (dst == fs->freereg - 1 && !fs->islocal[dst]) {
        cg_call_top(fs, n, dst, 1, OP_CALL);
        return;
    }
    int top = fs->freereg;
    int base = cg_alloc_reg(fs);
    cg_call_top(fs, n, base, 1, OP_CALL);
    cg_emit_abc(fs, OP_MOVE, dst, base, 0);
    cg_free_to(fs, top);
}

bool cg_is_place(FuncState *fs, const Node *n)
{
    if (!n)
        return false;
    switch (n->kind) {
    case N_IDENT: {
        Var *v = cg_node_var(fs->c, n);
        return v && (v->kind == VK_LOCAL || v->kind == VK_GLOBAL) && v->cval == V_UNDEF;
    }
    case N_INDEX:
        return true;
    case N_FIELD: /* module members too: os.Args is a slice others hold */
        return true;
    case N_UNARY:
        return n->op == TK_STAR;
    default:
        return false;
    }
}

void cg_value_to(FuncState *fs, Node *n, int dst)
{
    if (!cg_is_place(fs, n)) {
        cg_expr_to(fs, n, dst);
        return;
    }
    Var *v = cg_plain_local(fs, n);
    if (v) {
        cg_emit_abc(fs, OP_MOVEC, dst, v->reg, 0);
        return;
    }
    if (n->kind == N_INDEX) {
        /* the element read and its copy in one instruction */
        const Node *save = fs->copy_index;
        fs->copy_index = n;
        cg_expr_to(fs, n, dst);
        fs->copy_index = save;
        return;
    }
    cg_expr_to(fs, n, dst);
    cg_emit_abc(fs, OP_MOVEC, dst, dst, 0);
}

int cg_value_any(FuncState *fs, Node *n)
{
    if (!cg_is_place(fs, n))
        return cg_expr_any(fs, n);
    int r = cg_alloc_reg(fs);
    cg_value_to(fs, n, r);
    return r;
}

void cg_expr_to(FuncState *fs, Node *n, int dst)
{
    if (!n) {
        cg_emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        return;
    }
    Compiler *c = fs->c;
    if (!cg_enter(c, n))
        return;
    int saveline = fs->line;
    const Node *saveat = fs->at;
    cg_set_line(fs, n);
    int top = fs->freereg, ra, rb;
    Value k = cg_const_eval(c, n);
    if (k != V_UNDEF) {
        cg_load_const(fs, k, dst);
        goto out;
    }
    if (!cg_exact_check(c, n))
        goto out; /* an untyped constant that overflows int: reported */
    switch (n->kind) {
    case N_IDENT:
        cg_var_load(fs, cg_node_var(c, n), dst);
        break;
    case N_LIST:
        list_to(fs, n, dst);
        break;
    case N_MAP:
        map_to(fs, n, dst);
        break;
    case N_FUNC:
        cg_emit_abx(fs, OP_CLOSURE, dst, cg_func_proto(fs, n->func, lit_name(fs), n->line, true));
        if (n->func->open_type) {
            int rt = cg_alloc_reg(fs);
            cg_load_type(fs, n, n->func->open_type, rt);
            cg_emit_abc(fs, OP_FTYPE, dst, rt, 0);
            cg_free_to(fs, rt);
        }
        break;
    case N_UNARY:
        unary_to(fs, n, dst);
        cg_fit_op(fs, n, dst);
        break;
    case N_TYPEEXPR:
        cg_load_type(fs, n, n->type, dst);
        break;
    case N_TYPEASSERT: {
        ra = expr_hint(fs, n->a, dst);
        int rt = cg_alloc_reg(fs);
        cg_load_type(fs, n, n->type, rt);
        cg_set_line(fs, n);
        cg_emit_abc(fs, OP_TYPEASSERT, dst, ra, rt);
        break;
    }
    case N_BINARY:
        binary_to(fs, n, dst);
        cg_fit_op(fs, n, dst);
        break;
    case N_CALL:
        call_to(fs, n, dst);
        break;
    case N_INDEX:
        if (cg_is_instantiation(fs, n)) {
            /* a generic function bound to its type arguments */
            ra = cg_expr_any(fs, n->a);
            rb = cg_alloc_reg(fs);
            cg_type_args(fs, n, rb);
            cg_emit_abc(fs, OP_INSTANTIATE, dst, ra, rb);
            break;
        }
        cg_exact_map_key(fs->c, n); /* m[1<<63] of a map[uint64]V */
        ra = expr_hint(fs, n->a, dst);
        rb = ra != dst ? expr_hint(fs, n->b, dst) : cg_expr_any(fs, n->b);
        cg_race_mark(fs, RACE_ELEM, NULL, n);
        cg_emit_abc(fs, fs->copy_index == n ? OP_GETINDEXC : OP_GETINDEX, dst, ra, rb);
        break;
    case N_SLICE: {
        ra = expr_hint(fs, n->a, dst);
        int lo = cg_alloc_regs(fs, 3);
        cg_expr_to(fs, n->b, lo);
        cg_expr_to(fs, n->c, lo + 1);
        if (n->post)
            cg_expr_to(fs, n->post, lo + 2);
        else
            cg_emit_abc(fs, OP_LOADNIL, lo + 2, 0, 0);
        cg_set_line(fs, n);
        cg_emit_abc(fs, OP_SLICE, dst, ra, lo);
        break;
    }
    case N_FIELD: {
        Var *v = cg_node_var(c, n);
        if (v) { /* a module member: cg_const_eval loaded it above already */
            cg_var_load(fs, v, dst);
            break;
        }
        if (method_expr(fs, n, dst))
            break;
        ra = expr_hint(fs, n->a, dst);
        int fk = cg_field_k(fs, n->name);
        cg_race_mark(fs, RACE_FIELD, NULL, n);
        int pc = cg_emit_abc(fs, OP_GETFIELD, dst, ra, fk);
        cg_ic_prefill(fs, pc, cg_struct_of(cg_static_type(c, n->a)), n->name);
        nil_recv_prefill(fs, pc, n->a, n->name);
        break;
    }
    case N_COMPOSITE:
        cg_composite_to(fs, n, dst);
        break;
    case N_RECV:
        /* the channel never shares dst: RECV may block and be retried */
        ra = cg_expr_any(fs, n->a);
        cg_emit_abc(fs, OP_RECV, dst, ra, 1);
        break;
    default:
        cg_emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        break;
    }
out:
    cg_free_to(fs, top);
    fs->line = saveline;
    fs->at = saveat;
    cg_leave(c);
}

/* A call with its callee at R[base] (the topmost allocated register) and
 * its arguments above. nres results (-1: all, setting top) land at
 * R[base..]. op is CALL, or DEFER/GO (the call is not made here). On
 * return freereg is base + 1. */
/* T(x) for a type T that is not a name ([]byte(s), map[string]int(m)):
 * a call of types.h's conversion with the type's descriptor and x. */
static void conversion_call(FuncState *fs, Node *n, int base, int nres, OpCode op)
{
    Node *f = n->a;
    if (n->list.n != 1 || n->spread) {
        cg_err(fs->c, n, "%s argument%s in conversion to %s", n->list.n ? "too many" : "missing",
               n->list.n ? "s" : "", f->name ? f->name : "?");
        return;
    }
    cg_load_const(fs, types_convert_native(), base);
    cg_expr_to(fs, f, cg_alloc_reg(fs));
    cg_expr_to(fs, n->list.items[0], cg_alloc_reg(fs));
    cg_set_line(fs, n);
    cg_emit_abc(fs, op, base, 3, op == OP_CALL ? nres + 1 : 0);
    cg_free_to(fs, base + 1);
}

/* Whether f names a function of the fmt module, which prints its
 * arguments as the Go values they are. */
static bool is_fmt_call(Compiler *c, const Node *f)
{
    Var *m = f->kind == N_FIELD && f->a ? cg_node_var(c, f->a) : NULL;
    return m && m->kind == VK_UNIVERSE && v_is_obj(m->cval, OBJ_MODULE) &&
           strcmp(((ObjModule *)v_ptr(m->cval))->name, "fmt") == 0;
}

/* Whether n names a predeclared number, string or bool type (int,
 * float64...), not shadowed: (*int)(p) converts a pointer as it is. */
static bool is_basic_type_name(Compiler *c, const Node *n)
{
    if (!n || n->kind != N_IDENT || !n->name)
        return false;
    Var *v = cg_node_var(c, n);
    return v && v->kind == VK_UNIVERSE && cg_store_type(n->name) != NULL;
}

/* Whether argument a of a call, whose parameter is declared ty, is a
 * number constant that converts to ty (not an interface) as Go's untyped
 * constants do; *fit is the converted constant. One that does not fit is
 * const_arg_overflows's. */
static bool const_arg(Compiler *c, const ObjType *ty, Node *a, Value *fit)
{
    if (!ty || ty->kind == TYPE_INTERFACE)
        return false;
    Value k = cg_const_eval(c, a);
    return k != V_UNDEF && cg_is_number(k) && types_store_const(ty, k, fit) && *fit != k;
}

/* "argument to f" (or "argument to s.M") for Go's messages about the
 * arguments of call f(...). */
static const char *callee_text(const Node *f)
{
    return cg_gc_sprintf("argument to %s", cg_describe(f));
}

/* A number constant argument that its parameter's declared type cannot
 * hold (f(-1) for a uint64, g(200) for an int8): Go's compile error
 * ("cannot use -1 (untyped int constant) as uint64 value in argument to f
 * (overflows)"); the callee's own conversion would wrap it. */
static bool const_arg_overflows(Compiler *c, const ObjType *ty, Node *a)
{
    if (!ty || ty->kind == TYPE_INTERFACE || !types_store_checks(ty))
        return false;
    Value k = cg_const_eval(c, a), fit;
    return k != V_UNDEF && cg_is_number(k) && !types_store_const(ty, k, &fit);
}

void cg_call_top(FuncState *fs, Node *n, int base, int nres, OpCode op)
{
    Compiler *c = fs->c;
    Node *f = n->a;
    int nargs = n->list.n;
    cg_set_line(fs, n);
    if (op == OP_CALL && is_len_call(fs, n)) {
        int rb = cg_expr_any(fs, n->list.items[0]);
        cg_set_line(fs, n);
        const ObjType *pt = cg_static_type(c, n->list.items[0]);
        if (pt && pt->kind == TYPE_POINTER && pt->elem && pt->elem->kind == TYPE_ARRAY && pt->elem->len >= 0)
            cg_load_const(fs, v_make_int(pt->elem->len), base); /* len(p), p a *[N]T: N, nil too */
        else {
            cg_race_mark(fs, RACE_MAP, NULL, n->list.items[0]);
            cg_emit_abc(fs, OP_LEN, base, rb, 0);
        }
        cg_free_to(fs, base + 1);
        if (nres > 1)
            cg_err(c, n, "assignment mismatch: %d variables but len returns 1 value", nres);
        return;
    }
    Var *tv = f && f->kind == N_IDENT ? cg_node_var(c, f) : NULL;
    if (f && (f->kind == N_TYPEEXPR || (tv && tv->tparam))) {
        /* []byte(s), or T(x) where T is a type parameter */
        conversion_call(fs, n, base, nres, op);
        return;
    }
    if (op == OP_CALL && f && f->kind == N_UNARY && f->op == TK_STAR &&
        (cg_type_name(c, f->a) || is_basic_type_name(c, f->a)) && nargs == 1 && !n->spread) {
        /* (*T)(x): a pointer converts as it is */
        cg_value_to(fs, n->list.items[0], base);
        cg_free_to(fs, base + 1);
        if (nres > 1)
            cg_err(c, n, "assignment mismatch: %d variables but 1 value", nres);
        return;
    }
    ObjType *conv = cg_type_name(c, f);
    if (conv) {
        /* T(x) for a declared type T: x converted to T's underlying type,
         * and carrying T when its values do (types_boxed) */
        if (nargs != 1 || n->spread) {
            cg_err(c, n, "%s argument%s in conversion to %s", nargs ? "too many" : "missing",
                   nargs ? "s" : "", f->name);
            return;
        }
        cg_load_const(fs, types_convert_native(), base);
        /* a struct, a declared slice type and a declared type whose
         * values carry it (types_boxed) convert to the type itself;
         * others as their underlying type */
        ObjType *to = types_boxed(conv) || conv->kind == TYPE_SLICE || conv->kind == TYPE_STRUCT ||
                              conv->kind == TYPE_ARRAY || conv->kind == TYPE_CHAN || conv->kind == TYPE_MAP ||
                              !conv->underlying
                          ? conv
                          : conv->underlying;
        cg_load_const(fs, v_from_ptr(to), cg_alloc_reg(fs));
        cg_expr_to(fs, n->list.items[0], cg_alloc_reg(fs));
        cg_set_line(fs, n);
        cg_emit_abc(fs, op, base, 3, op == OP_CALL ? nres + 1 : 0);
        cg_free_to(fs, base + 1);
        return;
    }
    if (op == OP_CALL && nres == 1 && cg_conversion_to(fs, n, base))
        return;
    Selection nsel;
    if (f && f->kind == N_FIELD && !cg_node_var(c, f) && !n->spread &&
        !(nargs == 1 && cg_is_multi_call(fs, n->list.items[0])) && nargs < MULTI_MAX &&
        cg_named_method(c, f->a, f->name, &nsel)) {
        /* a method of a named non-struct type, bound at compile time: the
         * method's function, the receiver (&x for a *T receiver, *x for a
         * T one through a pointer), the arguments */
        ObjType *st = cg_static_type(c, f->a);
        bool isptr = st && st->kind == TYPE_POINTER;
        cg_load_const(fs, nsel.fn, base);
        int r = cg_alloc_reg(fs);
        if (nsel.ptr_recv && !isptr) {
            addr_to(fs, f->a, r);
        } else if (!nsel.ptr_recv && isptr) {
            cg_expr_to(fs, f->a, r);
            cg_emit_abc(fs, OP_DEREF, r, r, 0);
        } else {
            cg_value_to(fs, f->a, r);
        }
        for (int i = 0; i < nargs; i++)
            cg_value_to(fs, n->list.items[i], cg_alloc_reg(fs));
        cg_set_line(fs, n);
        cg_emit_abc(fs, op, base, nargs + 2, op == OP_CALL ? nres + 1 : 0);
        cg_free_to(fs, base + 1);
        return;
    }
    Var *uv = f && f->kind == N_FIELD ? cg_node_var(c, f) : NULL;
    if (uv && uv->kind == VK_UNIVERSE && v_is_obj(uv->cval, OBJ_NATIVE) &&
        ((ObjNative *)v_ptr(uv->cval))->unary && op == OP_CALL && nargs == 1 && !n->spread &&
        (nres == 0 || nres == 1) && !cg_is_multi_call(fs, n->list.items[0])) {
        /* math.Sqrt(x): a pure function of one float, called in place */
        int kc = cg_add_k(fs, uv->cval);
        if (kc <= 255) {
            cg_exact_as(c, n->list.items[0], cg_param_decl_type(c, n, 0)); /* math.Sqrt(1 << 70) */
            int rb = cg_expr_any(fs, n->list.items[0]);
            cg_set_line(fs, n);
            cg_emit_abc(fs, OP_CALLF, base, rb, kc);
            cg_free_to(fs, base + 1);
            return;
        }
    }
    bool method = f && f->kind == N_FIELD && !cg_node_var(c, f) && !cg_type_name(c, f->a) &&
                  !(f->a && f->a->kind == N_UNARY && f->a->op == TK_STAR && cg_type_name(c, f->a->a));
    int hidden = 0;
    /* f(a, xs...): the slice xs is the last argument as it is, and CALLSP
     * decides at the call whether the callee takes it whole (a variadic
     * function of the script, as Go passes it) or its elements */
    bool spread_sp = n->spread && op == OP_CALL && nargs <= MULTI_MAX;
    if (method && op == OP_CALL && cg_recv_by_ref(c, f)) {
        Node amp = {.kind = N_UNARY, .op = TK_AMP, .a = f->a, .line = f->line, .col = f->col};
        cg_expr_to(fs, &amp, base); /* c.Write(...) with Write on *ByteCounter: &c */
    } else if (method && op == OP_CALL) {
        cg_expr_to(fs, f->a, base);
    } else if (method) {
        /* defer/go x.M(...): bind the method now, call it later. The
         * receiver is never R[base] itself (no A == B for BINDM). */
        int t = cg_expr_any(fs, f->a);
        cg_set_line(fs, n);
        nil_recv_prefill(fs, cg_emit_abc(fs, OP_BINDM, base, t, cg_field_k(fs, f->name)), f->a, f->name);
        cg_free_to(fs, base + 1);
    } else if (cg_is_instantiation(fs, f)) {
        /* Map[int, string](...): the function, its type arguments first */
        cg_expr_to(fs, f->a, base);
        cg_type_args(fs, f, cg_alloc_reg(fs));
        hidden = 1;
    } else {
        cg_expr_to(fs, f, base);
        if (f && f->kind == N_IDENT && cg_is_generic_var(c, cg_node_var(c, f))) {
            /* a generic function's first parameter is its type arguments:
             * none given, it infers them from its arguments */
            cg_emit_abc(fs, OP_LOADNIL, cg_alloc_reg(fs), 0, 0);
            hidden = 1;
        }
    }
    /* Arguments are values the callee may keep (copied when places),
     * except for built-ins and module functions, which never keep or
     * change them (append copies what it appends itself, spread values
     * included); panic keeps its value. */
    Var *fv = f && (f->kind == N_IDENT || f->kind == N_FIELD) ? cg_node_var(c, f) : NULL;
    bool builtin = fv && fv->kind == VK_UNIVERSE;
    bool keeps = builtin && fv->name && strcmp(fv->name, "panic") == 0;
    int b;
    if (nargs == 1 && !n->spread && cg_is_multi_call(fs, n->list.items[0])) {
        /* f(g(x)): every result of g is an argument of f */
        int r = cg_alloc_reg(fs);
        cg_call_top(fs, n->list.items[0], r, -1, OP_CALL);
        b = 0;
    } else if (nargs > MULTI_MAX) {
        /* Many arguments: into a list, then spread back onto the stack
         * (a spread argument's elements appended to the list first). */
        int l = cg_alloc_reg(fs);
        cg_list_build(fs, n->list.items, n->spread ? nargs - 1 : nargs, l, !builtin || keeps);
        if (n->spread) {
            int r = cg_alloc_reg(fs);
            cg_expr_to(fs, n->list.items[nargs - 1], r);
            cg_set_line(fs, n->list.items[nargs - 1]);
            cg_emit_abc(fs, OP_UNPACK, r, r, 0);
            cg_emit_abc(fs, OP_APPENDN, l, 0, 0);
            cg_free_to(fs, l + 1);
        }
        cg_set_line(fs, n);
        cg_emit_abc(fs, OP_UNPACK, l, l, 0);
        b = 0;
    } else {
        for (int i = 0; i < nargs; i++) {
            Node *a = n->list.items[i];
            int r = cg_alloc_reg(fs);
            Value fit;
            const Exact *xa = cg_exact(c, a);
            const ObjType *pt = cg_param_decl_type(c, n, i);
            if (xa)
                cg_exact_as(c, a, pt); /* f(1<<63) with f(x uint64) */
            if (xa && cg_const_eval(c, a) == V_UNDEF && cg_exact_default(xa) == V_UNDEF) {
                /* an untyped constant past int, or past the parameter's
                 * declared type when it has one */
                if (!pt || pt->kind == TYPE_INTERFACE || !cg_exact_report_store(c, a, pt, callee_text(f)))
                    cg_exact_check_in(c, a, callee_text(f));
                cg_emit_abc(fs, OP_LOADNIL, r, 0, 0);
            } else if (i == nargs - 1 && spread_sp) {
                cg_value_to(fs, a, r);
            } else if (i == nargs - 1 && n->spread) {
                Var *v = cg_plain_local(fs, a);
                int src = v ? v->reg : r;
                if (!v)
                    cg_expr_to(fs, a, r);
                cg_set_line(fs, a);
                cg_emit_abc(fs, OP_UNPACK, r, src, 0);
            } else if (const_arg_overflows(c, pt, a) && cg_exact_report_store(c, a, pt, callee_text(f))) {
                cg_emit_abc(fs, OP_LOADNIL, r, 0, 0); /* reported */
            } else if (const_arg(c, pt, a, &fit)) {
                cg_load_const(fs, fit, r); /* time.Sleep(1e7): the int64 10000000 */
            } else if (!builtin || keeps) {
                cg_value_to(fs, a, r);
                cg_fit_reg(fs, r, a, cg_param_type(c, n, i), STORE_ARG);
            } else if (is_fmt_call(c, f) && cg_exact_rune_arg(c, a) != V_UNDEF) {
                cg_load_const(fs, cg_exact_rune_arg(c, a), r);
            } else {
                cg_expr_to(fs, a, r);
                cg_fit_reg(fs, r, a, cg_param_type(c, n, i), STORE_ARG);
            }
        }
        if (builtin && !n->spread && v_is_obj(fv->cval, OBJ_NATIVE) &&
            (v_obj(fv->cval)->flags & NATIVE_ARG_TYPES)) {
            /* each argument's static type, after them (object.h) */
            for (int i = 0; i < nargs; i++) {
                const ObjType *st = cg_static_type(c, n->list.items[i]);
                int r = cg_alloc_reg(fs);
                if (st && !types_open(st)) /* a type parameter's is known only at run time */
                    cg_load_const(fs, v_from_ptr(st), r);
                else
                    cg_emit_abc(fs, OP_LOADNIL, r, 0, 0);
            }
            hidden += nargs;
        }
        b = n->spread && !spread_sp ? 0 : nargs + 1 + hidden;
    }
    cg_set_line(fs, n);
    if (spread_sp && !(method && op == OP_CALL)) {
        cg_emit_abc(fs, OP_CALLSP, base, b, nres + 1);
    } else if (method && op == OP_CALL) {
        /* a struct's method takes its receiver as its first argument: the
         * VM moves the arguments up one register to make room */
        cg_alloc_reg(fs);
        int pc = cg_emit_abc(fs, OP_CALLM, base, b, nres + 1);
        /* EXTRA's A: the last argument is spread (x.M(a, xs...)) */
        cg_emit_abx(fs, OP_EXTRA, spread_sp, cg_str_k(fs, f->name ? f->name : ""));
        int nic = fs->nic;
        ObjType *rst = cg_struct_of(cg_static_type(c, f->a));
        cg_ic_prefill(fs, pc, rst, f->name);
        if (fs->nic > nic) /* a nil receiver is a nil *T: see nil_method */
            fs->icword[nic] |= IC_STATIC | (cg_names_tparam(rst) ? IC_OPEN : 0);
    } else {
        if (builtin && op == OP_CALL && fv && fv->name &&
            (!strcmp(fv->name, "copy") || !strcmp(fv->name, "delete") || !strcmp(fv->name, "clear")))
            cg_race_mark(fs, RACE_CALL, fv->name, n); /* they touch memory (race.h) */
        cg_emit_abc(fs, op, base, b, op == OP_CALL ? nres + 1 : 0);
    }
    cg_free_to(fs, base + 1);
}

/* Several values into R[base..base+n-1] from one right-hand side: a call,
 * m[k] (value, present) or <-ch (value, ok). freereg must be base. */
void cg_multi_to(FuncState *fs, Node *rhs, int base, int n)
{
    if (cg_is_multi_call(fs, rhs)) {
        cg_alloc_reg(fs);
        cg_call_top(fs, rhs, base, n, OP_CALL);
        cg_alloc_regs(fs, n - 1);
        return;
    }
    cg_alloc_regs(fs, n);
    int top = fs->freereg;
    cg_set_line(fs, rhs);
    if (rhs && rhs->kind == N_INDEX && n == 2) {
        int ra = cg_expr_any(fs, rhs->a);
        int rb = cg_expr_any(fs, rhs->b);
        cg_race_mark(fs, RACE_ELEM, NULL, rhs);
        cg_emit_abc(fs, OP_GETINDEX2, base, ra, rb);
        cg_emit_abc(fs, OP_MOVEC, base, base, 0); /* v, ok := m[k]: v is an element read */
    } else if (rhs && rhs->kind == N_RECV && n == 2) {
        int ra = cg_expr_any(fs, rhs->a);
        cg_emit_abc(fs, OP_RECV, base, ra, 2);
    } else if (rhs && rhs->kind == N_TYPEASSERT && n == 2) {
        int ra = cg_expr_any(fs, rhs->a);
        int rt = cg_alloc_reg(fs);
        cg_load_type(fs, rhs, rhs->type, rt);
        cg_set_line(fs, rhs);
        cg_emit_abc(fs, OP_TYPEASSERT2, base, ra, rt);
    } else {
        cg_emit_abc(fs, OP_LOADNIL, base, n - 1, 0); /* reported by pass 1 */
    }
    cg_free_to(fs, top);
}

/* ===================================================================== */
/* Code generation: conditions                                             */
/* ===================================================================== */

/* Jump when R[ra] == e is `when`. */
int cg_eq_jump(FuncState *fs, int ra, Node *an, Node *e, bool when)
{
    int top = fs->freereg, imm, j;
    Value k = cg_const_eval(fs->c, e);
    const ObjType *ity = cg_iface_compare(fs->c, an, e);
    if (ity) {
        ra = cg_fit_any(fs, ra, an, ity, STORE_ASSIGN);
        int rb = cg_fit_any(fs, cg_expr_any(fs, e), e, ity, STORE_ASSIGN);
        j = cg_cond_op(fs, OP_EQIF, ra, rb, when);
    } else if (cg_int_imm(k, &imm)) {
        j = cg_cond_op(fs, OP_EQI, ra, imm + SC_BIAS, when);
    } else if (k != V_UNDEF && cg_add_k(fs, k) <= 255) {
        j = cg_cond_op(fs, OP_EQK, ra, cg_add_k(fs, k), when);
    } else {
        int rb = cg_expr_any(fs, e);
        j = cg_cond_op(fs, OP_EQ, ra, rb, when);
    }
    cg_free_to(fs, top);
    return j;
}

/* Jump when (a op b) is `when`. a > b is b < a and a >= b is b <= a
 * (exact, NaN included); `when` goes in C, so !(a < b) stays a LT. */
static int compare_jump(FuncState *fs, int op, Node *a, Node *b, bool when)
{
    int top = fs->freereg, imm, j;
    Value ka = cg_const_eval(fs->c, a), kb = cg_const_eval(fs->c, b);
    if (op == TK_EQ || op == TK_NE) {
        bool w = op == TK_EQ ? when : !when;
        if (ka != V_UNDEF && kb == V_UNDEF)
            j = cg_eq_jump(fs, cg_expr_any(fs, b), b, a, w);
        else
            j = cg_eq_jump(fs, cg_expr_any(fs, a), a, b, w);
        cg_free_to(fs, top);
        return j;
    }
    /* op with the constant on the right; mirrored when it is on the left */
    static const OpCode right[] = {OP_LTI, OP_LEI, OP_GTI, OP_GEI};
    static const OpCode left[] = {OP_GTI, OP_GEI, OP_LTI, OP_LEI};
    int idx = op == TK_LT ? 0 : op == TK_LE ? 1 : op == TK_GT ? 2 : 3;
    if (cg_int_imm(kb, &imm)) {
        j = cg_cond_op(fs, right[idx], cg_expr_any(fs, a), imm + SC_BIAS, when);
    } else if (cg_int_imm(ka, &imm) && kb == V_UNDEF) {
        j = cg_cond_op(fs, left[idx], cg_expr_any(fs, b), imm + SC_BIAS, when);
    } else {
        int ra = cg_expr_any(fs, a);
        int rb = cg_expr_any(fs, b);
        if (idx >= 2) {
            int t = ra;
            ra = rb;
            rb = t;
        }
        j = cg_cond_op(fs, idx == 0 || idx == 2 ? OP_LT : OP_LE, ra, rb, when);
    }
    cg_free_to(fs, top);
    return j;
}

/* Emit code that jumps when n's truth is `when` and falls through
 * otherwise; returns the list of those jumps. */
int cg_cond_jump(FuncState *fs, Node *n, bool when)
{
    if (!n)
        return NO_JUMP;
    Compiler *c = fs->c;
    if (!cg_enter(c, n))
        return NO_JUMP;
    int saveline = fs->line;
    const Node *saveat = fs->at;
    cg_set_line(fs, n);
    int j = NO_JUMP;
    Value k = cg_const_eval(c, n);
    if (v_is_bool(k)) {
        if ((k == V_TRUE) == when)
            j = cg_emit_jump(fs);
        goto out;
    }
    if (n->kind == N_UNARY && n->op == TK_NOT) {
        j = cg_cond_jump(fs, n->a, !when);
        goto out;
    }
    if (n->kind == N_BINARY) {
        switch (n->op) {
        case TK_ANDAND:
        case TK_OROR: {
            /* The operator's own short-circuit value: false for &&, true
             * for ||. A chain is one loop over its operands: when its
             * value is `when` as soon as one operand is, each jumps out;
             * else every operand but the last skips the rest when it
             * decides, and the last one jumps. */
            bool sc = n->op == TK_OROR;
            Node **sp;
            int len = cg_logic_spine(n, &sp), skip = NO_JUMP;
            for (int i = len; i >= 0; i--) {
                Node *x = i == len ? sp[len - 1]->a : sp[i]->b;
                if (when == sc)
                    cg_jump_concat(fs, &j, cg_cond_jump(fs, x, when));
                else if (i > 0)
                    cg_jump_concat(fs, &skip, cg_cond_jump(fs, x, sc));
                else
                    j = cg_cond_jump(fs, x, when);
            }
            cg_jump_here(fs, skip);
            goto out;
        }
        case TK_EQ:
        case TK_NE:
        case TK_LT:
        case TK_LE:
        case TK_GT:
        case TK_GE:
            cg_u64_operands(c, n);
            j = compare_jump(fs, n->op, n->a, n->b, when);
            goto out;
        }
    }
    {
        int top = fs->freereg;
        int r = cg_expr_any(fs, n);
        j = cg_cond_op(fs, OP_TEST, r, 0, when);
        cg_free_to(fs, top);
    }
out:
    fs->line = saveline;
    fs->at = saveat;
    cg_leave(c);
    return j;
}

/* ===================================================================== */
/* Type assertions and type switches                                       */
/* ===================================================================== */

bool cg_is_type_switch(const Node *sw)
{
    return sw->a && sw->a->kind == N_TYPEASSERT && sw->a->type && strcmp(sw->a->type, "type") == 0;
}

/* A generic type's instance parsed as an index expression (`Pred[int]`,
 * `Pair[int, string]` as a type argument): "Pred[int]", or NULL when a
 * part is not a type. */
static const char *instance_text(const Node *e)
{
    const char *name = e->a && e->a->kind == N_IDENT ? e->a->name : NULL;
    if (!name)
        return NULL;
    Buf b;
    buf_init(&b);
    buf_printf(&b, "%s[", name);
    int n = e->list.n ? e->list.n : 1;
    for (int i = 0; i < n; i++) {
        const Node *arg = e->list.n ? e->list.items[i] : e->b;
        const char *text = arg ? cg_type_text(arg) : NULL;
        if (!text)
            return NULL;
        buf_printf(&b, "%s%s", i ? "," : "", text);
    }
    buf_addc(&b, ']');
    return buf_to_str(&b)->data;
}

const char *cg_type_text(const Node *e)
{
    switch (e->kind) {
    case N_IDENT:
        return e->name;
    case N_TYPEEXPR:
        return e->type;
    case N_FIELD:
        if (e->a && e->a->kind == N_IDENT)
            return str_printf("%s.%s", e->a->name, e->name)->data;
        return NULL;
    case N_UNARY: {
        const char *inner = e->op == TK_STAR && e->a ? cg_type_text(e->a) : NULL;
        return inner ? str_printf("*%s", inner)->data : NULL;
    }
    case N_INDEX:
        return instance_text(e);
    default:
        return NULL;
    }
}

void cg_load_type(FuncState *fs, const Node *at, const char *text, int dst)
{
    ObjType *ty = at && at->type == text ? cg_node_type(fs->c, at) : NULL;
    if (!ty)
        ty = types_parse(text, text ? strlen(text) : 0);
    uint64_t w;
    if (!at || !cg_pm_get(&fs->c->tmentions, at, &w)) {
        cg_load_const(fs, v_from_ptr(ty), dst);
        return;
    }
    /* The type names type parameters: T alone is its value; anything
     * else (`[]T`, `map[K]V`) is built from a template when it runs. */
    NodeList *ids = (NodeList *)(uintptr_t)w;
    if (ids->n == 1 && text && strcmp(text, ids->items[0]->name) == 0) {
        cg_expr_to(fs, ids->items[0], dst);
        return;
    }
    int top = fs->freereg;
    int base = cg_alloc_reg(fs);
    ObjList *tmpl = list_new(0, (size_t)ids->n + 1);
    list_append(tmpl, v_from_ptr(ty));
    for (int i = 0; i < ids->n; i++)
        list_append(tmpl, v_cstr(ids->items[i]->name));
    cg_load_const(fs, v_from_ptr(tmpl), base);
    for (int i = 0; i < ids->n; i++)
        cg_expr_to(fs, ids->items[i], cg_alloc_reg(fs));
    cg_emit_abc(fs, OP_TYPESUBST, dst, base, ids->n);
    cg_free_to(fs, top);
}

bool cg_is_generic_var(Compiler *c, const Var *v)
{
    if (v && v->kind == VK_GLOBAL && !v->decl && c->rt) {
        /* a function an earlier REPL line declared: its proto says */
        ListStore *g = __atomic_load_n(&c->rt->globals, __ATOMIC_ACQUIRE);
        Value f = g && v->slot >= 0 && (size_t)v->slot < g->cap ? g->items[v->slot] : V_NIL;
        return v_is_obj(f, OBJ_CLOSURE) && ((ObjClosure *)v_ptr(f))->proto->generic;
    }
    return v && v->decl && v->decl->kind == N_FUNCDECL && v->decl->func && v->decl->func->tparams.n > 0 &&
           !v->decl->func->recv_tparams;
}

bool cg_is_instantiation(FuncState *fs, const Node *n)
{
    return n && n->kind == N_INDEX && n->a && n->a->kind == N_IDENT &&
           cg_is_generic_var(fs->c, cg_node_var(fs->c, n->a));
}

void cg_type_args(FuncState *fs, const Node *inst, int dst)
{
    int top = fs->freereg;
    int n = inst->list.n ? inst->list.n : 1;
    int base = fs->freereg;
    for (int i = 0; i < n; i++) {
        const Node *e = inst->list.n ? inst->list.items[i] : inst->b;
        cg_load_type(fs, e, e ? e->type : NULL, cg_alloc_reg(fs));
    }
    cg_emit_abc(fs, OP_NEWLIST, dst, base, n);
    cg_free_to(fs, top);
}
