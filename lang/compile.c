/* compile.c — syntax tree to bytecode (cg_): the entry points, the
 * tables and helpers every pass uses, and functions (prototypes, closures,
 * the main chunk).
 *
 * The compiler's files, in the order a file goes through them (the design
 * is described in compile_int.h):
 *   compile_resolve.c  pass 1: scopes, names, captures, hoisting;
 *   compile_goto.c     pass 1: Go's rules for goto and labels;
 *   compile_fold.c     constants: folding through vm/arith.c's rules;
 *   compile_exact.c    untyped constants, exactly (GMP), and Go's errors
 *                      for one that does not fit where it is used;
 *   compile_emit.c     code generation's base: emission, registers,
 *                      constants, jumps, variable access;
 *   compile_expr.c     expressions and conditions;
 *   compile_stmt.c     assignments, declarations and statements;
 *   compile_types.c    stores into variables of a declared basic type;
 *   compile.c          this file.
 */
#include "compile_int.h"

#include <stdarg.h>
#include <string.h>

#include "../vm/buf.h"
#include "../vm/mem.h"
#include "../vm/sched.h"
#include "grammar.h"
#include "parse.h"

/* CG_LIMITS (compile_int.h) expanded: each limit's message and number. */
const char *const limit_fmt[] = {
#define X(name, fmt, n) fmt,
    CG_LIMITS(X)
#undef X
};

const int limit_n[] = {
#define X(name, fmt, n) n,
    CG_LIMITS(X)
#undef X
};

/* ===================================================================== */
/* Tables: pointer map and name table                                     */
/* ===================================================================== */

static size_t ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static void pm_grow(PtrMap *m)
{
    PtrMap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->n = 0;
    m->keys = mem_alloc(m->cap * sizeof *m->keys);
    m->vals = mem_alloc(m->cap * sizeof *m->vals);
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i])
            cg_pm_put(m, old.keys[i], old.vals[i]);
}

void cg_pm_put(PtrMap *m, const void *k, uint64_t v)
{
    if ((m->n + 1) * 2 > m->cap)
        pm_grow(m);
    size_t mask = m->cap - 1, i = ptr_hash(k) & mask;
    while (m->keys[i] && m->keys[i] != k)
        i = (i + 1) & mask;
    if (!m->keys[i]) {
        m->keys[i] = k;
        m->n++;
    }
    m->vals[i] = v;
}

bool cg_pm_get(const PtrMap *m, const void *k, uint64_t *v)
{
    if (!m->cap || !k)
        return false;
    size_t mask = m->cap - 1, i = ptr_hash(k) & mask;
    while (m->keys[i]) {
        if (m->keys[i] == k) {
            *v = m->vals[i];
            return true;
        }
        i = (i + 1) & mask;
    }
    return false;
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

struct Var *cg_nt_get(const NameTab *t, const char *name)
{
    if (!t->cap)
        return NULL;
    uint32_t h = name_hash(name);
    size_t mask = t->cap - 1, i = h & mask;
    for (; t->ents[i].name; i = (i + 1) & mask)
        if (t->ents[i].hash == h && strcmp(t->ents[i].name, name) == 0)
            return t->ents[i].var;
    return NULL;
}

struct Var **cg_nt_slot(NameTab *t, const char *name)
{
    if ((t->n + 1) * 2 > t->cap) {
        NameTab old = *t;
        t->cap = old.cap ? old.cap * 2 : 64;
        t->n = 0;
        t->ents = mem_alloc(t->cap * sizeof *t->ents);
        for (size_t i = 0; i < old.cap; i++)
            if (old.ents[i].name) {
                size_t j = old.ents[i].hash & (t->cap - 1);
                while (t->ents[j].name)
                    j = (j + 1) & (t->cap - 1);
                t->ents[j] = old.ents[i];
                t->n++;
            }
    }
    uint32_t h = name_hash(name);
    size_t mask = t->cap - 1, i = h & mask;
    while (t->ents[i].name) {
        if (t->ents[i].hash == h && strcmp(t->ents[i].name, name) == 0)
            return &t->ents[i].var;
        i = (i + 1) & mask;
    }
    t->ents[i].name = name;
    t->ents[i].hash = h;
    t->n++;
    return &t->ents[i].var;
}

/* ===================================================================== */
/* Messages, recursion guards, operators and their chains                 */
/* ===================================================================== */

void cg_err(Compiler *c, const Node *at, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_error(c->d, at ? at->line : 0, at ? at->col : 0, "%s", buf);
}

static char *gc_strdup(const char *s)
{
    size_t n = strlen(s);
    char *p = mem_alloc_atomic(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

char *cg_gc_sprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return gc_strdup(buf);
}

Var *cg_node_var(Compiler *c, const Node *n)
{
    uint64_t v;
    return cg_pm_get(&c->nodes, n, &v) ? (Var *)(uintptr_t)v : NULL;
}

bool cg_is_blank(const char *s)
{
    return s && s[0] == '_' && s[1] == 0;
}

/* Guard every recursion on the tree's shape. */
bool cg_enter(Compiler *c, const Node *n)
{
    /* The REPL compiles on a goroutine's small C stack: stop short of it. */
    if (c->nest >= c->maxnest || ((c->nest & 7) == 0 && sched_stack_left() < COMPILE_STACK_RESERVE)) {
        if (!c->toodeep)
            cg_err(c, n, limit_fmt[LIM_NEST], limit_n[LIM_NEST]);
        c->toodeep = true;
        return false;
    }
    c->nest++;
    return true;
}

void cg_leave(Compiler *c)
{
    c->nest--;
}

/* Short source-like text of an expression, for messages. */
static void describe_to(Buf *b, const Node *n, int depth)
{
    if (!n || depth > 4 || b->len > 60) {
        buf_adds(b, "...");
        return;
    }
    switch (n->kind) {
    case N_IDENT:
        buf_adds(b, n->name ? n->name : "?");
        break;
    case N_INT:
        if (n->big) /* a uint64 constant past 2^63-1 */
            buf_printf(b, "%llu", (unsigned long long)n->ival);
        else
            buf_printf(b, "%lld", (long long)n->ival);
        break;
    case N_FLOAT:
        buf_printf(b, "%g", n->fval);
        break;
    case N_IMAG:
        buf_printf(b, "%s", n->str ? n->str : "0i");
        break;
    case N_STRING:
        buf_printf(b, "\"%.*s\"", n->len > 20 ? 20 : (int)n->len, n->str ? n->str : "");
        break;
    case N_NIL:
        buf_adds(b, "nil");
        break;
    case N_TRUE:
        buf_adds(b, "true");
        break;
    case N_FALSE:
        buf_adds(b, "false");
        break;
    case N_CALL:
        describe_to(b, n->a, depth + 1);
        buf_adds(b, n->list.n ? "(...)" : "()");
        break;
    case N_FIELD:
        describe_to(b, n->a, depth + 1);
        buf_printf(b, ".%s", n->name ? n->name : "?");
        break;
    case N_INDEX:
        describe_to(b, n->a, depth + 1);
        buf_adds(b, "[");
        describe_to(b, n->b, depth + 1);
        buf_adds(b, "]");
        break;
    case N_FUNC:
        buf_adds(b, "func literal");
        break;
    case N_UNARY:
        if (n->op == TK_STAR) {
            buf_adds(b, "*");
            describe_to(b, n->a, depth + 1);
            break;
        }
        buf_adds(b, "expression");
        break;
    default:
        buf_adds(b, "expression");
        break;
    }
}

const char *cg_describe(const Node *n)
{
    Buf b;
    buf_init(&b);
    describe_to(&b, n, 0);
    return b.data;
}

bool cg_is_arith_op(int op)
{
#define X(tok, assign, rop, kop)                                                                             \
    if (op == tok)                                                                                           \
        return true;
    ARITH_OPS(X)
#undef X
    return false;
}

/* The register opcode of an arithmetic operator token. */
OpCode cg_arith_op(int t)
{
#define X(tok, assign, rop, kop)                                                                             \
    if (t == tok)                                                                                            \
        return rop;
    ARITH_OPS(X)
#undef X
    return OP_ADD;
}

/* The binary operator of a compound assignment, or 0. */
int cg_compound_op(int op)
{
#define X(tok, assign, rop, kop)                                                                             \
    if (op == assign)                                                                                        \
        return tok;
    ARITH_OPS(X)
#undef X
    return 0;
}

/* The left spine of an arithmetic chain `a + b - c * ...` parsed left-deep:
 * spine[0] is n, spine[i+1] is spine[i]->a. Generated code writes chains
 * of thousands of terms, and walking them by recursion would hit the
 * nesting limit (or the C stack), so every pass walks them with a loop. */
int cg_arith_spine(Node *n, Node ***out)
{
    int len = 0;
    for (Node *x = n; x && x->kind == N_BINARY && cg_is_arith_op(x->op); x = x->a)
        len++;
    Node **sp = mem_alloc((size_t)(len + 1) * sizeof *sp);
    int i = 0;
    for (Node *x = n; i < len; x = x->a)
        sp[i++] = x;
    *out = sp;
    return len;
}

bool cg_is_logic_op(int op)
{
    return op == TK_ANDAND || op == TK_OROR;
}

/* The left spine of a chain of one logical operator, `a && b && c`, as
 * cg_arith_spine: generated conditions chain thousands of tests, which is
 * not nesting to the user. */
int cg_logic_spine(Node *n, Node ***out)
{
    int len = 0;
    for (Node *x = n; x && x->kind == N_BINARY && x->op == n->op; x = x->a)
        len++;
    Node **sp = mem_alloc((size_t)(len + 1) * sizeof *sp);
    int i = 0;
    for (Node *x = n; i < len; x = x->a)
        sp[i++] = x;
    *out = sp;
    return len;
}
/* ===================================================================== */
/* Code generation: functions and the main chunk                          */
/* ===================================================================== */

static void fs_open(FuncState *fs, Compiler *c, FuncState *parent, FuncRes *res, const char *name, int line)
{
    memset(fs, 0, sizeof *fs);
    fs->c = c;
    fs->parent = parent;
    fs->res = res;
    fs->name = name;
    fs->line = line > 0 ? line : 1;
    /* field names first, so each fits GETFIELD's 8-bit K operand */
    if (res)
        for (int i = 0; i < res->nfields; i++)
            cg_str_k(fs, res->fields[i]);
}

/* A jump to an unconditional JMP goes straight to that JMP's target. Any
 * cycle of jumps still contains a backward one, so loops keep their
 * safepoint. */
static void thread_jumps(FuncState *fs)
{
    for (int pc = 0; pc < fs->ncode; pc++) {
        if (INS_OP(fs->code[pc]) != OP_JMP)
            continue;
        int dest = pc + 1 + INS_sJ(fs->code[pc]);
        for (int hops = 0; hops < 8 && dest >= 0 && dest < fs->ncode && dest != pc; hops++) {
            if (INS_OP(fs->code[dest]) != OP_JMP)
                break;
            /* not a conditional's own JMP: that one only runs on a jump */
            if (dest > 0 && cg_is_test(INS_OP(fs->code[dest - 1])))
                break;
            int next = dest + 1 + INS_sJ(fs->code[dest]);
            if (next == dest)
                break;
            dest = next;
        }
        if (dest >= 0 && dest < fs->ncode && dest != pc + 1 + INS_sJ(fs->code[pc]))
            cg_jump_set(fs, pc, dest);
    }
}

static ObjProto *fs_close(FuncState *fs, int line)
{
    thread_jumps(fs);
    ObjProto *p = mem_alloc(sizeof *p);
    p->h.kind = OBJ_PROTO;
    p->ncode = fs->ncode;
    p->code = mem_alloc_atomic((fs->ncode + 1) * sizeof *p->code);
    p->lines = mem_alloc_atomic((fs->ncode + 1) * sizeof *p->lines);
    if (fs->ncode) {
        memcpy(p->code, fs->code, fs->ncode * sizeof *p->code);
        memcpy(p->lines, fs->lines, fs->ncode * sizeof *p->lines);
    }
    /* constants past K_DIRECT's slots go into their chunk lists */
    for (int i = MAX_KBX + 1, c = 0; i < fs->nk; i += K_CHUNK, c++) {
        int n = fs->nk - i < K_CHUNK ? fs->nk - i : K_CHUNK;
        fs->k[K_DIRECT + c] = v_from_ptr(list_from(fs->k + i, (size_t)n));
    }
    p->nk = fs->nk < MAX_KBX + 1 ? fs->nk : MAX_KBX + 1;
    p->k = mem_alloc((p->nk + 1) * sizeof *p->k);
    if (p->nk)
        memcpy(p->k, fs->k, p->nk * sizeof *p->k);
    p->nprotos = fs->nprotos;
    p->protos = mem_alloc((fs->nprotos + 1) * sizeof *p->protos);
    if (fs->nprotos)
        memcpy(p->protos, fs->protos, fs->nprotos * sizeof *p->protos);
    p->nupvals = fs->nupvals;
    p->upvals = mem_alloc_atomic((fs->nupvals + 1) * sizeof *p->upvals);
    if (fs->nupvals)
        memcpy(p->upvals, fs->upvals, fs->nupvals * sizeof *p->upvals);
    p->nparams = (uint8_t)fs->nparams;
    p->variadic = fs->variadic;
    p->vtype = fs->vtype;
    p->maxregs = (uint8_t)(fs->maxregs < fs->nparams ? fs->nparams : fs->maxregs);
    p->cellparams = fs->cellparams;
    proto_params_done(p);
    p->name = str_cstr(fs->name);
    p->file = str_cstr(fs->c->file);
    if (fs->race_sites) {
        uint32_t *sites = mem_alloc_atomic((fs->ncode + 1) * sizeof *sites);
        memcpy(sites, fs->race_sites, fs->ncode * sizeof *sites);
        p->race_sites = sites;
    }
    p->line = line;
    /* inline caches for the instructions that select by name */
    for (int pc = 0; pc < fs->ncode && !p->ic; pc++) {
        OpCode op = INS_OP(fs->code[pc]);
        if (op == OP_GETFIELD || op == OP_SETFIELD || op == OP_CALLM || op == OP_BINDM || op == OP_REFFIELD)
            p->ic = mem_alloc_atomic((size_t)(fs->ncode + 1) * sizeof *p->ic);
    }
    if (p->ic) {
        memset(p->ic, 0, (size_t)(fs->ncode + 1) * sizeof *p->ic);
        for (int i = 0; i < fs->nic; i++)
            p->ic[fs->icpc[i]] = fs->icword[i];
        p->ic_bias = (uintptr_t)p->ic - 2 * (uintptr_t)p->code;
    }
    return p;
}

void cg_ic_prefill(FuncState *fs, int pc, ObjType *t, const char *name)
{
    uint64_t w = t && name ? types_ic_word(t, str_cstr(name), V_UNDEF) : 0;
    if (!w)
        return;
    if (fs->nic == fs->capic) {
        int cap = mem_grow_int(fs->capic, 16);
        int *pcs = mem_alloc_atomic((size_t)cap * sizeof *pcs);
        uint64_t *ws = mem_alloc_atomic((size_t)cap * sizeof *ws);
        if (fs->nic) {
            memcpy(pcs, fs->icpc, (size_t)fs->nic * sizeof *pcs);
            memcpy(ws, fs->icword, (size_t)fs->nic * sizeof *ws);
        }
        fs->icpc = pcs;
        fs->icword = ws;
        fs->capic = cap;
    }
    fs->icpc[fs->nic] = pc;
    fs->icword[fs->nic++] = w;
}

static void end_with_return(FuncState *fs, int line)
{
    if (line > 0)
        fs->line = line;
    cg_emit_abc(fs, OP_RETURN, 0, 1, 0);
}

/* Compile a function; returns its index among fs's nested protos. */
/* How the type of parameter p names the type parameter tp: INFER's path
 * (0 p is a T, 1 a []T or ...T, 2 a map[T]V, 3 a map[K]T, 4 a *T, 5 a
 * chan T), or -1 when it does not say what T is. */
static int infer_path(const Node *p, bool variadic, const char *tp)
{
    if (!p->type)
        return -1;
    const ObjType *ty = types_parse(p->type, strlen(p->type));
    const ObjType *e = ty->elem;
#define IS_T(x) ((x) && (x)->kind == TYPE_UNKNOWN && strcmp((x)->name, tp) == 0)
    if (IS_T(ty))
        return variadic ? 1 : 0;
    if (variadic)
        return -1;
    switch (ty->kind) {
    case TYPE_SLICE:
    case TYPE_ARRAY:
        return IS_T(e) ? 1 : -1;
    case TYPE_MAP:
        return IS_T(ty->key) ? 2 : IS_T(e) ? 3 : -1;
    case TYPE_POINTER:
        return IS_T(e) ? 4 : -1;
    case TYPE_CHAN:
        return IS_T(e) ? 5 : -1;
    default:
        return -1;
    }
#undef IS_T
}

/* A generic function's prologue: each type parameter is a local holding
 * its type argument's descriptor, from the hidden list R[0] when the
 * caller instantiated the function, else inferred from the first argument
 * whose parameter type says (nil, meaning any type, if none does). */
static void type_params(FuncState *f, FuncInfo *fi)
{
    Compiler *c = f->c;
    int n = fi->tparams.n;
    int base = cg_alloc_regs(f, n);
    /* a method of a generic type: from its receiver's type (Stack[int]) */
    cg_emit_abc(f, fi->recv_tparams ? OP_RTPARAMS : OP_TPARAMS, base, 0, n);
    for (int i = 0; i < n; i++) {
        Var *v = cg_node_var(c, fi->tparams.items[i]);
        int hid = fi->recv_tparams ? 0 : 1; /* the register of params[0] */
        for (int j = 0; j < fi->params.n && j + hid < f->nparams; j++) {
            bool variadic = fi->variadic && j == fi->params.n - 1;
            int path = infer_path(fi->params.items[j], variadic, fi->tparams.items[i]->name);
            ObjType *tmpl = path < 0 ? cg_node_type(c, fi->params.items[j]) : NULL;
            /* (a method's come from its receiver: RTPARAMS) */
            if (path < 0 &&
                !(!fi->recv_tparams && types_mentions(tmpl, fi->tparams.items[i]->name) && f->nk < K_DIRECT))
                continue;
            /* a captured parameter is in a cell by now */
            Var *pv = cg_node_var(c, fi->params.items[j]);
            int src = j + hid;
            if (pv && pv->kind == VK_LOCAL && pv->captured) {
                src = cg_alloc_reg(f);
                cg_emit_abc(f, OP_GETCELL, src, j + hid, 0);
            }
            if (path >= 0) {
                cg_emit_abc(f, OP_INFER, base + i, src, path);
            } else {
                /* `l *List[T]`, `ps []Pair[K, V]`: matched against the
                 * argument's type when the call starts (iface_unify) */
                ObjList *how = list_new(0, 4);
                list_append(how, v_from_ptr(tmpl));
                list_append(how, v_cstr(fi->tparams.items[i]->name));
                list_append(how, v_int_small(src));
                list_append(how, v_bool(variadic));
                cg_emit_abx(f, OP_INFERT, base + i, cg_add_k(f, v_from_ptr(how)));
            }
            cg_free_to(f, base + n);
        }
        if (!v || v->kind != VK_LOCAL)
            continue;
        cg_mark_local(f, v, base + i);
        if (v->captured)
            cg_emit_abc(f, OP_NEWCELL, base + i, base + i, 0);
    }
}

int cg_func_proto(FuncState *fs, FuncInfo *fi, const char *name, int line, bool is_lit)
{
    Compiler *c = fs->c;
    uint64_t w;
    if (!fi || !cg_pm_get(&c->nodes, fi, &w)) {
        cg_internal(fs, "function not resolved");
        return 0;
    }
    FuncState *f = mem_alloc(sizeof *f); /* big: keep it off the C stack */
    fs_open(f, c, fs, (FuncRes *)(uintptr_t)w, name, line);
    f->is_lit = is_lit;
    /* A generic function's first parameter is hidden: the list of its
     * type arguments, or nil when the caller gave none. */
    int hidden = fi->tparams.n > 0 && !fi->recv_tparams;
    f->nparams = fi->params.n + hidden < MAXREGS ? fi->params.n + hidden : MAXREGS - 1;
    f->variadic = fi->variadic;
    if (fi->variadic && !hidden && fi->params.n > 0) {
        /* xs ...T with T a type of the script (not a type parameter) */
        Var *v = cg_node_var(c, fi->params.items[fi->params.n - 1]);
        if (v && v->sty && v->sty->kind == TYPE_SLICE && v->sty->elem && v->sty->elem->kind != TYPE_UNKNOWN)
            f->vtype = v->sty;
    }
    cg_alloc_regs(f, f->nparams);
    for (int i = hidden; i < f->nparams; i++) {
        Var *v = cg_node_var(c, fi->params.items[i - hidden]);
        if (!v || v->kind != VK_LOCAL)
            continue;
        cg_mark_local(f, v, i);
        if (v->captured) {
            if (i < 64)
                f->cellparams |= (uint64_t)1 << i;
            else
                cg_emit_abc(f, OP_NEWCELL, i, i, 0);
        }
    }
    if (fi->tparams.n)
        type_params(f, fi);
    cg_fit_params(f, fi);
    cg_result_types(f, fi);
    if (fi->results_declared && fi->results.n <= MAX_LOCALS) {
        f->nnamed = fi->results.n;
        f->named = mem_alloc(f->nnamed * sizeof *f->named);
        for (int i = 0; i < f->nnamed; i++)
            f->named[i] = cg_node_var(c, fi->results.items[i]);
    }
    if (fi->body && fi->body->kind == N_BLOCK)
        for (int i = 0; i < fi->body->list.n; i++)
            cg_stmt(f, fi->body->list.items[i], NULL);
    else
        cg_stmt(f, fi->body, NULL);
    if (f->nnamed) {
        f->line = fi->end_line > 0 ? fi->end_line : f->line;
        cg_return_named(f);
    } else {
        end_with_return(f, fi->end_line);
    }
    ObjProto *p = fs_close(f, line);
    p->generic = hidden; /* its callers pass the type arguments first */
    p->type = cg_func_type(c, fi);
    if (hidden && p->type) {
        p->ntnames = fi->tparams.n;
        p->tnames = mem_alloc((size_t)p->ntnames * sizeof *p->tnames);
        for (int i = 0; i < p->ntnames; i++)
            p->tnames[i] = fi->tparams.items[i]->name;
    }
    if (f->nnamed && !fs->c->d->nerrors) {
        /* the VM returns what deferred calls left in these registers */
        for (int i = 0; i < f->nnamed; i++)
            if (!f->named[i] || f->named[i]->kind != VK_LOCAL || f->named[i]->reg != f->named[0]->reg + i)
                cg_internal(f, "named results not in consecutive registers");
        p->nnamed = (uint8_t)f->nnamed;
        p->named_reg = (uint8_t)f->named[0]->reg;
    }
    if (fs->nprotos > MAX_KBX) {
        cg_limit_error(fs, LIM_PROTOS, NULL);
        return 0;
    }
    if (fs->nprotos == fs->capprotos) {
        int cap = mem_grow_int(fs->capprotos, 8);
        ObjProto **ps = mem_alloc(cap * sizeof *ps);
        if (fs->nprotos)
            memcpy(ps, fs->protos, fs->nprotos * sizeof *ps);
        fs->protos = ps;
        fs->capprotos = cap;
    }
    fs->protos[fs->nprotos] = p;
    return fs->nprotos++;
}

/* Go's init functions run after the top-level variables are set and
 * before main, in source order; like Go's, they are named main.init.0,
 * main.init.1 ... in stack traces. */
static void call_inits(FuncState *fs, NodeList *top)
{
    int k = 0;
    for (int i = 0; i < top->n; i++) {
        Node *s = cg_unlabel(top->items[i]);
        if (!cg_is_init(s))
            continue;
        cg_set_line(fs, s);
        int r = cg_alloc_reg(fs);
        cg_emit_abx(fs, OP_CLOSURE, r,
                    cg_func_proto(fs, s->func, cg_gc_sprintf("main.init.%d", k++), s->line, false));
        cg_emit_abc(fs, OP_CALL, r, 1, 1);
        cg_free_to(fs, r);
    }
}

static ObjProto *gen_main(Compiler *c, Node *file)
{
    FuncState *fs = mem_alloc(sizeof *fs);
    fs_open(fs, c, NULL, c->mainres, "main", 1);
    NodeList *top = &file->list;
    /* Hoisting: every top-level func and folded const is in its global
     * before the first statement runs. */
    for (int i = 0; i < top->n; i++) {
        Node *s = cg_unlabel(top->items[i]);
        if (!s)
            continue;
        cg_set_line(fs, s);
        if (s->kind == N_TYPEDECL && c->repl) {
            /* the REPL's later lines find a type in its global */
            Var *tv = cg_node_var(c, s);
            if (tv && tv->slot >= 0 && tv->cval != V_UNDEF) {
                int r = cg_alloc_reg(fs);
                cg_load_const(fs, tv->cval, r);
                cg_emit_abx(fs, OP_SETGLOBAL, r, tv->slot);
                cg_free_to(fs, r);
            }
            continue;
        }
        if (s->kind == N_FUNCDECL && s->func && s->func->recv) {
            /* a method: compiled into the closure its type's method table
             * holds (pass 1 made it) */
            uint64_t w;
            if (!cg_pm_get(&c->types, s->func, &w))
                continue;
            Value fn = v_from_ptr((ObjClosure *)(uintptr_t)w);
            const char *rt = s->func->recv->type ? s->func->recv->type : "";
            const char *name = *rt == '*' ? cg_gc_sprintf("main.(*%s).%s", rt + 1, s->name)
                                          : cg_gc_sprintf("main.%s.%s", rt, s->name);
            int idx = cg_func_proto(fs, s->func, name, s->line, false);
            if (idx < fs->nprotos)
                ((ObjClosure *)v_obj(fn))->proto = fs->protos[idx];
            continue;
        }
        if (s->kind == N_FUNCDECL && s->func) {
            Var *v = cg_node_var(c, s);
            if (!v || v->kind != VK_GLOBAL)
                continue;
            int r = cg_alloc_reg(fs);
            cg_emit_abx(fs, OP_CLOSURE, r,
                        cg_func_proto(fs, s->func, cg_gc_sprintf("main.%s", s->name), s->line, false));
            cg_emit_abx(fs, OP_SETGLOBAL, r, v->slot);
            cg_free_to(fs, r);
        } else if (s->kind == N_CONST) {
            for (int j = 0; j < s->list.n; j++) {
                Var *v = cg_node_var(c, s->list.items[j]);
                if (!v || v->kind != VK_GLOBAL || v->cval == V_UNDEF)
                    continue;
                int r = cg_alloc_reg(fs);
                cg_load_const(fs, v->cval, r);
                cg_emit_abx(fs, OP_SETGLOBAL, r, v->slot);
                cg_free_to(fs, r);
            }
        }
    }
    int last = top->n - 1;
    bool printlast = c->repl && last >= 0 && top->items[last] && top->items[last]->kind == N_EXPRSTMT &&
                     top->items[last]->a;
    for (int i = 0; i < top->n; i++) {
        Node *s = top->items[i];
        if (!s)
            continue;
        if (i == last && printlast)
            call_inits(fs, top);
        Node *u = cg_unlabel(s);
        if (u && u->kind == N_FUNCDECL)
            continue;
        if (i == last && printlast) {
            /* the REPL prints the value of a final expression */
            cg_set_line(fs, s);
            int base = cg_alloc_reg(fs);
            if (cg_is_multi_call(fs, s->a)) {
                cg_call_top(fs, s->a, base, -1, OP_CALL);
                cg_emit_abc(fs, OP_RETURN, base, 0, 0);
            } else {
                cg_expr_to(fs, s->a, base);
                cg_emit_abc(fs, OP_RETURN, base, 2, 0);
            }
            cg_free_to(fs, base);
            continue;
        }
        cg_stmt(fs, s, NULL);
    }
    if (!printlast)
        call_inits(fs, top);
    end_with_return(fs, 0);
    ObjProto *p = fs_close(fs, 1);
    p->is_main = 1;
    return p;
}

ObjProto *cg_compile(Runtime *rt, Node *file, Diag *d, const char *filename, bool repl)
{
    int nerr = d->nerrors;
    if (!file || file->kind != N_FILE) {
        diag_error(d, 1, 1, "internal compiler error: not a file");
        return NULL;
    }
    Compiler *c = mem_alloc(sizeof *c);
    c->rt = rt;
    c->d = d;
    c->nerr0 = nerr;
    c->file = filename ? filename : (d->file ? d->file : "?");
    c->repl = repl;
    c->blank.kind = VK_BLANK;
    c->blank.name = "_";
    c->blank.cval = V_UNDEF;
    c->blank.reg = -1;
    c->bad.kind = VK_BAD;
    c->bad.name = "?";
    c->bad.cval = V_UNDEF;
    c->bad.reg = -1;
    c->maxnest = MAX_NEST;
    cg_res_file(c, file);
    if (d->nerrors > nerr)
        return NULL;
    /* Pass 1 bounded the tree's depth; code generation walks some levels
     * twice (cg_const_eval below cg_expr_to), so it gets headroom, not a new
     * error for a program pass 1 accepted. */
    c->nest = 0;
    c->maxnest = 2 * MAX_NEST;
    ObjProto *p = gen_main(c, file);
    return d->nerrors > nerr ? NULL : p;
}

ObjProto *compile_source(Runtime *rt, const char *name, const char *src, size_t len, FILE *diag_out,
                         bool repl)
{
    Diag d;
    diag_init(&d, name, src, len, diag_out);
    Node *file = parse_program(src, len, &d);
    if (!file || d.nerrors)
        return NULL;
    ObjProto *p = cg_compile(rt, file, &d, name, repl);
    return p && !d.nerrors ? p : NULL;
}
