/* compile.c — syntax tree to bytecode (cg_).
 *
 * Two passes over a file:
 *
 *   1. Resolution (res_*). One walk over the whole tree with Go's block
 *      scopes binds every identifier to a Var: a local of some function, a
 *      global slot, a folded constant, or a universe value (builtins and
 *      modules). It marks the locals that nested function literals capture
 *      (they will live in cells), and the locals written after their
 *      declaration, and it reports every scope error (undefined names, :=
 *      without a new variable, misplaced break/continue, bad assignment
 *      targets...). Capture has to be known before any code for the
 *      variable is emitted: a captured variable's register holds a Cell from
 *      its declaration on, and code already emitted as plain MOVEs could not
 *      be patched. Top-level names are declared before anything else is
 *      resolved (hoisting), and top-level constants folded, so a function
 *      may use any global wherever it is declared.
 *   2. Code generation (the rest). One FuncState per function, a register
 *      machine in Lua 5.4's style. It never looks a name up again: it asks
 *      the pass-1 map what each IDENT node refers to, so the two passes can
 *      not disagree about scopes. It runs only when pass 1 found no error.
 *
 * Registers. Parameters are R[0..nparams-1]. Locals take the next free
 * register at their declaration (the register their initial value was
 * computed into, so a declaration costs no MOVE) and keep it to the end of
 * their block. Temporaries live at `freereg` and above and are released
 * by the construct that allocated them. expr_to(n, dst) computes n into dst;
 * when dst is a local's register it writes dst only after every operand has
 * been read (`x = a && x` must not clobber x early), which `islocal` tells it.
 * Single-result instructions may name the same register as destination and
 * operand (`ADD r r k`), as in Lua, and UNPACK may unpack a list into the
 * register holding it; instructions with several results or that can block
 * (GETINDEX2, RECV, SELECT, RANGE) never overlap inputs and outputs.
 *
 * Conditions compile to jump code (a compare instruction and its JMP);
 * a JMP list is threaded through the JMPs' own offsets, as in Lua.
 */
#include "compile.h"
#include "../vm/sched.h"

#include <gc/gc.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../vm/buf.h"
#include "../vm/mem.h"
#include "../vm/opcodes.h"
#include "grammar.h"
#include "parse.h"

/* Limits, each for a reason:
 *   MAX_LOCALS: local variables live in registers, and the instruction
 *     format's 8-bit register operands give a function 256 of them.
 *     Locals may take the first 200, so expressions always have registers
 *     left for their temporaries (Lua makes the same choice). Spilling
 *     locals to memory would mean a second way to address every variable
 *     in every instruction; widening the operands, a new instruction
 *     format. A function with more locals is an error naming the limit.
 *   MULTI_MAX: an assignment of more values, a call with more arguments
 *     or a return of more results goes through a list instead of one
 *     register per value (UNPACK spreads it back where values must be
 *     consecutive registers), so none of them has a limit.
 *   MAX_NEST: tree depth the compiler recurses through. Past it, an error
 *     instead of a C stack overflow (fuzzers nest brackets ten thousand
 *     deep); long operator chains are walked with loops, not counted.
 *   MAX_KFIELD: field names reachable by the 8-bit K operand of GETFIELD,
 *     SETFIELD and BINDM; each function puts its field names first in K.
 *   LIST_BATCH, MAP_BATCH: elements per NEWLIST/APPENDN and pairs in the
 *     NEWMAP itself; they bound the registers a long literal needs.
 *   MAX_FOLD_STR: the longest string constant folding builds.
 *   K_DIRECT, K_CHUNKS, K_CHUNK: LOADK's 16-bit Bx reaches 65536
 *     constants. A function may have more (a script's table of a hundred
 *     thousand literals): K[0..K_DIRECT) are loaded directly, and each
 *     further constant sits in a list of K_CHUNK, one of the K_CHUNKS
 *     lists in K[K_DIRECT..65535], loaded as LOADK + LOADI + GETINDEX
 *     (K_CHUNK keeps the index within LOADI's immediate). */
#define MAX_LOCALS 200
#define MULTI_MAX 64
#define MAX_NEST 400
#define COMPILE_STACK_RESERVE (96 * 1024) /* headroom kept below the deepest nesting */
#define MAX_KFIELD 256
#define LIST_BATCH 50
#define MAP_BATCH 25
#define MAX_FOLD_STR 65536
#define MAX_KBX 65535 /* 16-bit Bx: constants, protos, globals */
#define K_CHUNKS 64
#define K_CHUNK 32768
#define K_DIRECT (MAX_KBX + 1 - K_CHUNKS)
#define K_MAX (MAX_KBX + 1 + K_CHUNKS * K_CHUNK) /* constants per function, all told */
#define IMM_MIN (-SC_BIAS)                       /* sB/sC immediates: 8 bits, excess 127 */
#define IMM_MAX (255 - SC_BIAS)
#define NO_JUMP (-1)

/* The messages for limits, listed once. Each names the limit; those of
 * code generation also name the function. */
#define CG_LIMITS(X)                                                                                         \
    X(LIM_LOCALS, "too many local variables (limit is %d) in function %s", MAX_LOCALS)                       \
    X(LIM_REGS, "expression or statement needs too many registers (limit is %d) in function %s", MAXREGS)    \
    X(LIM_CONSTS, "too many constants (limit is %d) in function %s", K_MAX - K_CHUNKS)                       \
    X(LIM_FIELDS, "too many distinct field names (limit is %d) in function %s", MAX_KFIELD)                  \
    X(LIM_UPVALS, "too many captured variables (limit is %d) in function %s", 256)                           \
    X(LIM_PROTOS, "too many function literals (limit is %d) in function %s", MAX_KBX + 1)                    \
    X(LIM_JUMP, "function too large: jump too long (limit is %d instructions) in function %s", SJ_BIAS - 1)  \
    X(LIM_PARAMS, "too many parameters (limit is %d)", MAX_LOCALS)                                           \
    X(LIM_CASES, "too many cases in select (limit is %d)", 255)                                              \
    X(LIM_GLOBALS, "too many global variables (limit is %d)", MAX_KBX + 1)                                   \
    X(LIM_NEST, "program too complex: nesting too deep (limit is %d levels)", MAX_NEST)

typedef enum {
#define X(name, fmt, n) name,
    CG_LIMITS(X)
#undef X
} Limit;

static const char *const limit_fmt[] = {
#define X(name, fmt, n) fmt,
    CG_LIMITS(X)
#undef X
};

static const int limit_n[] = {
#define X(name, fmt, n) n,
    CG_LIMITS(X)
#undef X
};

/* ===================================================================== */
/* Tables: pointer map and name table                                     */
/* ===================================================================== */

/* Node (or FuncInfo) -> word. Used for what pass 1 learned about a node:
 * its Var, its FuncRes, or its folded constant value. */
typedef struct PtrMap {
    const void **keys;
    uint64_t *vals;
    size_t cap, n;
} PtrMap;

static size_t ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static void pm_put(PtrMap *m, const void *k, uint64_t v);

static void pm_grow(PtrMap *m)
{
    PtrMap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->n = 0;
    m->keys = mem_alloc(m->cap * sizeof *m->keys);
    m->vals = mem_alloc(m->cap * sizeof *m->vals);
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i])
            pm_put(m, old.keys[i], old.vals[i]);
}

static void pm_put(PtrMap *m, const void *k, uint64_t v)
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

static bool pm_get(const PtrMap *m, const void *k, uint64_t *v)
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

struct Var;

/* Name -> the innermost Var bound to it (pass 1 only). An entry is never
 * removed: leaving a scope puts back the binding the Var shadowed. */
typedef struct NameEnt {
    const char *name;
    uint32_t hash;
    struct Var *var;
} NameEnt;

typedef struct NameTab {
    NameEnt *ents;
    size_t cap, n;
} NameTab;

static struct Var **nt_slot(NameTab *t, const char *name)
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
/* Variables, functions, the compiler state                               */
/* ===================================================================== */

typedef enum {
    VK_LOCAL,    /* a register of its owner function (or a cell in it) */
    VK_GLOBAL,   /* a slot of Runtime.globals */
    VK_UNIVERSE, /* a predeclared value (builtin, module, module member) */
    VK_BLANK,    /* `_` */
    VK_BAD,      /* an undefined name, already reported */
} VarKind;

typedef struct FuncRes FuncRes;

typedef struct Var {
    VarKind kind;
    const char *name;
    FuncRes *owner;     /* function whose scope declared it */
    Node *decl;         /* the IDENT (or FUNCDECL) that declared it */
    bool captured;      /* used by a function literal nested in owner */
    bool assigned;      /* written after its declaration */
    bool readonly;      /* a constant (folded or not) or a universe name */
    int reg;            /* VK_LOCAL: set by code generation; -1 before */
    int slot;           /* VK_GLOBAL */
    Value cval;         /* the value, when it is a compile-time constant (a
                           folded const, a universe value); V_UNDEF otherwise */
    Node *cexpr;        /* a top-level const's expression, folded on demand */
    int cstate;         /* 0 not folded yet, 1 folding (cycle guard), 2 done */
    struct Var *shadow; /* pass 1: the binding this one hides */
    int depth;          /* pass 1: scope depth of the declaration */
} Var;

/* What pass 1 learned about one function. */
struct FuncRes {
    FuncRes *parent;
    const char **fields; /* distinct field names, first MAX_KFIELD only */
    int nfields;
};

/* Pass 1's record of an enclosing breakable statement. */
typedef struct RLoop {
    struct RLoop *prev;
    int kind; /* BK_* */
    const char *label;
} RLoop;

enum { BK_LOOP, BK_SWITCH, BK_SELECT };

typedef struct Compiler {
    Runtime *rt;
    Diag *d;
    const char *file;
    bool repl;
    PtrMap nodes; /* IDENT, FIELD, FUNCDECL node -> Var; FuncInfo or FILE -> FuncRes */
    PtrMap memo;  /* expression node -> folded constant Value (or V_UNDEF) */
    NameTab names;
    NameTab predecl; /* universe and REPL-global Vars, one per name */
    Var **scope;     /* declarations in scope, innermost last */
    int nscope, capscope;
    int depth; /* scope depth; 0 is the file scope */
    FuncRes *fn;
    FuncRes *mainres;
    RLoop *loops;
    int nest, maxnest;
    bool toodeep;
    int nerr0; /* errors in the Diag before this compilation */
    Var blank, bad;
} Compiler;

static void err(Compiler *c, const Node *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err(Compiler *c, const Node *at, const char *fmt, ...)
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

static char *gc_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *gc_sprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return gc_strdup(buf);
}

static Var *node_var(Compiler *c, const Node *n)
{
    uint64_t v;
    return pm_get(&c->nodes, n, &v) ? (Var *)(uintptr_t)v : NULL;
}

static bool is_blank(const char *s)
{
    return s && s[0] == '_' && s[1] == 0;
}

/* Guard every recursion on the tree's shape. */
static bool enter(Compiler *c, const Node *n)
{
    /* The REPL compiles on a goroutine's small C stack: stop short of it. */
    if (c->nest >= c->maxnest || ((c->nest & 7) == 0 && sched_stack_left() < COMPILE_STACK_RESERVE)) {
        if (!c->toodeep)
            err(c, n, limit_fmt[LIM_NEST], limit_n[LIM_NEST]);
        c->toodeep = true;
        return false;
    }
    c->nest++;
    return true;
}

static void leave(Compiler *c)
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
        buf_printf(b, "%lld", (long long)n->ival);
        break;
    case N_FLOAT:
        buf_printf(b, "%g", n->fval);
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
    default:
        buf_adds(b, "expression");
        break;
    }
}

static const char *describe(const Node *n)
{
    Buf b;
    buf_init(&b);
    describe_to(&b, n, 0);
    return b.data;
}

/* The arithmetic operators, listed once: the token, its compound
 * assignment token, its register opcode and its constant-operand opcode
 * (OP__COUNT: none). */
#define ARITH_OPS(X)                                                                                         \
    X(TK_PLUS, TK_PLUSEQ, OP_ADD, OP_ADDK)                                                                   \
    X(TK_MINUS, TK_MINUSEQ, OP_SUB, OP_SUBK)                                                                 \
    X(TK_STAR, TK_STAREQ, OP_MUL, OP_MULK)                                                                   \
    X(TK_SLASH, TK_SLASHEQ, OP_DIV, OP_DIVK)                                                                 \
    X(TK_PERCENT, TK_PERCENTEQ, OP_MOD, OP_MODK)                                                             \
    X(TK_AMP, TK_AMPEQ, OP_BAND, OP__COUNT)                                                                  \
    X(TK_PIPE, TK_PIPEEQ, OP_BOR, OP__COUNT)                                                                 \
    X(TK_CARET, TK_CARETEQ, OP_BXOR, OP__COUNT)                                                              \
    X(TK_ANDNOT, TK_ANDNOTEQ, OP_BANDNOT, OP__COUNT)                                                         \
    X(TK_SHL, TK_SHLEQ, OP_SHL, OP__COUNT)                                                                   \
    X(TK_SHR, TK_SHREQ, OP_SHR, OP__COUNT)

static bool is_arith_op(int op)
{
#define X(tok, assign, rop, kop)                                                                             \
    if (op == tok)                                                                                           \
        return true;
    ARITH_OPS(X)
#undef X
    return false;
}

#define SPINE_MIN 16 /* chains longer than this are walked iteratively */

/* The left spine of an arithmetic chain `a + b - c * ...` parsed left-deep:
 * spine[0] is n, spine[i+1] is spine[i]->a. Generated code writes chains
 * of thousands of terms, and walking them by recursion would hit the
 * nesting limit (or the C stack), so every pass walks them with a loop. */
static int arith_spine(Node *n, Node ***out)
{
    int len = 0;
    for (Node *x = n; x && x->kind == N_BINARY && is_arith_op(x->op); x = x->a)
        len++;
    Node **sp = mem_alloc((size_t)(len + 1) * sizeof *sp);
    int i = 0;
    for (Node *x = n; i < len; x = x->a)
        sp[i++] = x;
    *out = sp;
    return len;
}

static bool is_logic_op(int op)
{
    return op == TK_ANDAND || op == TK_OROR;
}

/* The left spine of a chain of one logical operator, `a && b && c`, as
 * arith_spine: generated conditions chain thousands of tests, which is
 * not nesting to the user. */
static int logic_spine(Node *n, Node ***out)
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
/* Constant folding                                                       */
/* ===================================================================== */

static bool v_isnum(Value v)
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
    if (v_isnum(a) && v_isnum(b)) {
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
        if (v_isnum(a))
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

static Value const_eval(Compiler *c, Node *n);

/* Fold a top-level const on first use, so consts may be used before they
 * are declared (as in Go); a cycle just leaves them unfolded. */
static void fold_global_const(Compiler *c, Var *v)
{
    if (v->cstate != 0)
        return;
    v->cstate = 1;
    Value r = const_eval(c, v->cexpr);
    if (v->cstate == 1)
        v->cval = r;
    v->cstate = 2;
}

/* The value of a long operator chain sp[0] (see arith_spine and
 * logic_spine), folded left to right in a loop. A run of string
 * concatenations is gathered in one buffer: keeping each prefix as its own
 * string (as folding node by node does) would cost the square of the
 * result's length, gigabytes for a generated `"a" + "a" + ...` of a few
 * hundred kilobytes. */
static Value fold_spine(Compiler *c, Node **sp, int len)
{
    Value acc = const_eval(c, sp[len - 1]->a);
    Buf run;
    bool inrun = false;
    for (int i = len - 1; i >= 0 && acc != V_UNDEF; i--) {
        Value b = const_eval(c, sp[i]->b);
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
static Value const_eval(Compiler *c, Node *n)
{
    if (!n)
        return V_UNDEF;
    uint64_t m;
    if (pm_get(&c->memo, n, &m))
        return (Value)m;
    if (n->kind == N_BINARY && (is_arith_op(n->op) || is_logic_op(n->op)) && n->a && n->a->kind == N_BINARY &&
        !pm_get(&c->memo, n->a, &m)) {
        Node **sp;
        int len = is_logic_op(n->op) ? logic_spine(n, &sp) : arith_spine(n, &sp);
        if (len > SPINE_MIN) {
            Value v = fold_spine(c, sp, len);
            pm_put(&c->memo, n, v);
            return v;
        }
    }
    if (!enter(c, n))
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
        Var *var = node_var(c, n);
        if (var && (n->kind == N_IDENT || var->kind == VK_UNIVERSE)) {
            if (var->cexpr && var->cstate == 0)
                fold_global_const(c, var);
            if (var->cstate == 1) {
                memo = false; /* a cycle: do not memoise a half answer */
                break;
            }
            v = var->cval;
        }
        break;
    }
    case N_UNARY:
        v = fold_unary(n->op, const_eval(c, n->a));
        break;
    case N_BINARY: {
        Value a = const_eval(c, n->a);
        v = a == V_UNDEF ? V_UNDEF : fold_binary(n->op, a, const_eval(c, n->b));
        break;
    }
    default:
        break;
    }
    leave(c);
    if (memo)
        pm_put(&c->memo, n, v);
    return v;
}

/* A constant that arithmetic and comparisons may use as an operand. */
static bool is_foldable(Value v)
{
    return v != V_UNDEF && (v_isnum(v) || v_is_str(v) || v_is_bool(v) || v == V_NIL);
}

/* ===================================================================== */
/* Pass 1: resolution                                                     */
/* ===================================================================== */

static bool at_file_scope(Compiler *c)
{
    return c->fn == c->mainres && c->depth == 0;
}

static int scope_open(Compiler *c)
{
    c->depth++;
    return c->nscope;
}

static void scope_close(Compiler *c, int mark)
{
    while (c->nscope > mark) {
        Var *v = c->scope[--c->nscope];
        *nt_slot(&c->names, v->name) = v->shadow;
    }
    c->depth--;
}

static Var *new_var(Compiler *c, VarKind kind, const char *name, Node *decl)
{
    Var *v = mem_alloc(sizeof *v);
    v->kind = kind;
    v->name = name;
    v->owner = c->fn;
    v->decl = decl;
    v->reg = -1;
    v->slot = -1;
    v->cval = V_UNDEF;
    v->depth = c->depth;
    return v;
}

/* Bind v in the current scope. */
static void bind(Compiler *c, Var *v)
{
    Var **slot = nt_slot(&c->names, v->name);
    v->shadow = *slot;
    *slot = v;
    if (c->nscope == c->capscope) {
        int cap = mem_grow_int(c->capscope, 64);
        Var **s = mem_alloc(cap * sizeof *s);
        if (c->nscope)
            memcpy(s, c->scope, c->nscope * sizeof *s);
        c->scope = s;
        c->capscope = cap;
    }
    c->scope[c->nscope++] = v;
}

/* The Var `name` names in the innermost scope only, or NULL. */
static Var *lookup_here(Compiler *c, const char *name)
{
    Var *v = *nt_slot(&c->names, name);
    return v && v->depth == c->depth && v->owner == c->fn ? v : NULL;
}

static Var *declare_local(Compiler *c, Node *id)
{
    Var *v = new_var(c, VK_LOCAL, id->name, id);
    bind(c, v);
    pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
    return v;
}

/* Declare a top-level name. `strict`: var, const and func may not
 * redeclare (outside the REPL); := may, when it also declares a new one. */
static Var *declare_global(Compiler *c, Node *at, const char *name, bool strict, bool *isnew)
{
    Var *old = lookup_here(c, name);
    if (isnew)
        *isnew = !old;
    if (old && strict && !c->repl)
        err(c, at, "%s redeclared in this block", name);
    if (old && !(c->repl && strict))
        return old;
    Var *v = new_var(c, VK_GLOBAL, name, at);
    if (old) {
        v->slot = old->slot; /* REPL redefinition: same slot, new meaning */
    } else {
        v->slot = rt_global_slot(c->rt, str_cstr(name));
        if (v->slot < 0 || v->slot > MAX_KBX) {
            err(c, at, limit_fmt[LIM_GLOBALS], limit_n[LIM_GLOBALS]);
            v->slot = 0;
        }
    }
    bind(c, v);
    return v;
}

static Var *predeclared(Compiler *c, const char *name, VarKind kind, Value val, int slot)
{
    Var **s = nt_slot(&c->predecl, name);
    if (!*s) {
        Var *v = new_var(c, kind, name, NULL);
        v->cval = val;
        v->slot = slot;
        v->readonly = kind == VK_UNIVERSE;
        v->owner = NULL;
        *s = v;
    }
    return *s;
}

/* Resolve a name that is read (or written: `write`). */
static Var *resolve_name(Compiler *c, Node *id, bool write)
{
    const char *name = id->name;
    if (!name) {
        err(c, id, "missing name");
        return &c->bad;
    }
    if (is_blank(name)) {
        if (!write)
            err(c, id, "cannot use _ as value");
        return write ? &c->blank : &c->bad;
    }
    Var *v = *nt_slot(&c->names, name);
    if (v) {
        if (v->kind == VK_LOCAL && v->owner != c->fn)
            v->captured = true;
        return v;
    }
    Value val;
    Runtime *rt = c->rt;
    if (rt && rt->global_names) {
        pthread_mutex_lock(&rt->globals_lock);
        bool found = map_get_cstr(rt->global_names, name, &val);
        pthread_mutex_unlock(&rt->globals_lock);
        if (found && v_is_anyint(val))
            return predeclared(c, name, VK_GLOBAL, V_UNDEF, (int)v_anyint(val));
    }
    if (rt && rt->universe && map_get_cstr(rt->universe, name, &val))
        return predeclared(c, name, VK_UNIVERSE, val, -1);
    if (strcmp(name, "nil") == 0)
        return predeclared(c, name, VK_UNIVERSE, V_NIL, -1);
    if (strcmp(name, "true") == 0)
        return predeclared(c, name, VK_UNIVERSE, V_TRUE, -1);
    if (strcmp(name, "false") == 0)
        return predeclared(c, name, VK_UNIVERSE, V_FALSE, -1);
    err(c, id, "undefined: %s", name);
    return &c->bad;
}

static void note_field(Compiler *c, const char *name)
{
    FuncRes *f = c->fn;
    for (int i = 0; i < f->nfields; i++)
        if (strcmp(f->fields[i], name) == 0)
            return;
    if (f->nfields >= MAX_KFIELD)
        return;
    if (!f->fields)
        f->fields = mem_alloc(MAX_KFIELD * sizeof *f->fields);
    f->fields[f->nfields++] = name;
}

/* The universe module that `id` names, if it is one and not shadowed. */
static ObjModule *universe_module(Compiler *c, Var *v)
{
    if (v && v->kind == VK_UNIVERSE && v_is_obj(v->cval, OBJ_MODULE))
        return (ObjModule *)v_obj(v->cval);
    return NULL;
}

static void res_expr(Compiler *c, Node *n, const Node *parent);
static void res_stmt(Compiler *c, Node *n, const char *label);
static void res_func(Compiler *c, FuncInfo *fi, Node *at);

static bool is_expr_kind(NodeKind k)
{
    return k <= N_TYPEEXPR;
}

static bool is_binary_op(int op)
{
    switch (op) {
    case TK_ANDAND:
    case TK_OROR:
    case TK_EQ:
    case TK_NE:
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
        return true;
    }
    return is_arith_op(op);
}

/* The binary operator of a compound assignment, or 0. */
static int compound_op(int op)
{
#define X(tok, assign, rop, kop)                                                                             \
    if (op == assign)                                                                                        \
        return tok;
    ARITH_OPS(X)
#undef X
    return 0;
}

static void res_field(Compiler *c, Node *n)
{
    if (!n->name) {
        err(c, n, "missing field name");
        return;
    }
    Node *a = n->a;
    if (a && a->kind == N_IDENT) {
        Var *v = resolve_name(c, a, false);
        pm_put(&c->nodes, a, (uint64_t)(uintptr_t)v);
        ObjModule *mod = universe_module(c, v);
        if (mod) {
            Value mv;
            if (!mod->members || !map_get_cstr(mod->members, n->name, &mv)) {
                err(c, n, "undefined: %s.%s", a->name, n->name);
                pm_put(&c->nodes, n, (uint64_t)(uintptr_t)&c->bad);
                return;
            }
            Var *m = new_var(c, VK_UNIVERSE, n->name, NULL);
            m->owner = NULL;
            m->cval = mv;
            m->readonly = true;
            pm_put(&c->nodes, n, (uint64_t)(uintptr_t)m);
            return;
        }
    } else {
        res_expr(c, a, n);
    }
    note_field(c, n->name);
}

static void res_list(Compiler *c, NodeList *l, const Node *parent)
{
    for (int i = 0; i < l->n; i++)
        res_expr(c, l->items[i], parent);
}

static void res_expr(Compiler *c, Node *n, const Node *parent)
{
    if (!n) {
        err(c, parent, "missing expression");
        return;
    }
    if (!enter(c, n))
        return;
    switch (n->kind) {
    case N_NIL:
    case N_TRUE:
    case N_FALSE:
    case N_INT:
    case N_FLOAT:
    case N_TYPEEXPR:
        break;
    case N_STRING:
        if (!n->str && n->len)
            err(c, n, "malformed string literal");
        break;
    case N_IDENT:
        pm_put(&c->nodes, n, (uint64_t)(uintptr_t)resolve_name(c, n, false));
        break;
    case N_LIST:
        res_list(c, &n->list, n);
        break;
    case N_MAP:
        if (n->list.n % 2)
            err(c, n, "missing value in map literal");
        res_list(c, &n->list, n);
        break;
    case N_FUNC:
        res_func(c, n->func, n);
        break;
    case N_UNARY:
        if (n->op != TK_MINUS && n->op != TK_PLUS && n->op != TK_NOT && n->op != TK_CARET)
            err(c, n, "invalid unary operator");
        res_expr(c, n->a, n);
        break;
    case N_BINARY:
        if (is_arith_op(n->op) || is_logic_op(n->op)) {
            Node **sp;
            int len = is_logic_op(n->op) ? logic_spine(n, &sp) : arith_spine(n, &sp);
            res_expr(c, sp[len - 1]->a, sp[len - 1]);
            for (int i = len - 1; i >= 0; i--)
                res_expr(c, sp[i]->b, sp[i]);
            break;
        }
        if (!is_binary_op(n->op))
            err(c, n, "invalid binary operator");
        res_expr(c, n->a, n);
        res_expr(c, n->b, n);
        break;
    case N_CALL:
        res_expr(c, n->a, n);
        res_list(c, &n->list, n);
        if (n->spread && n->list.n == 0)
            err(c, n, "invalid use of ... in call with no arguments");
        break;
    case N_INDEX:
        res_expr(c, n->a, n);
        res_expr(c, n->b, n);
        break;
    case N_SLICE:
        res_expr(c, n->a, n);
        if (n->b)
            res_expr(c, n->b, n);
        if (n->c)
            res_expr(c, n->c, n);
        break;
    case N_FIELD:
        res_field(c, n);
        break;
    case N_RECV:
        res_expr(c, n->a, n);
        break;
    default:
        err(c, n, "statement used as an expression");
        break;
    }
    leave(c);
}

/* An assignment target. `compound`: it is also read (x += 1). */
static void res_lvalue(Compiler *c, Node *n, bool compound, const Node *parent)
{
    if (!n) {
        err(c, parent, "missing assignment target");
        return;
    }
    if (!enter(c, n))
        return;
    switch (n->kind) {
    case N_IDENT: {
        if (compound && is_blank(n->name)) {
            err(c, n, "cannot use _ as value");
            break;
        }
        Var *v = resolve_name(c, n, true);
        pm_put(&c->nodes, n, (uint64_t)(uintptr_t)v);
        if (v->readonly)
            err(c, n, "cannot assign to %s (neither addressable nor a map index expression)", n->name);
        v->assigned = true;
        break;
    }
    case N_INDEX:
        res_expr(c, n->a, n);
        res_expr(c, n->b, n);
        break;
    case N_FIELD:
        res_field(c, n);
        if (node_var(c, n))
            err(c, n, "cannot assign to %s (neither addressable nor a map index expression)", describe(n));
        break;
    default:
        if (is_expr_kind(n->kind))
            res_expr(c, n, parent);
        err(c, n, "cannot assign to %s (neither addressable nor a map index expression)", describe(n));
        break;
    }
    leave(c);
}

/* How many values a lone right-hand side gives to nl targets: CALL any
 * number, m[k] and <-ch one or two. */
static bool multi_ok(const Node *rhs, int nl)
{
    if (!rhs)
        return false;
    if (rhs->kind == N_CALL)
        return true;
    return (rhs->kind == N_INDEX || rhs->kind == N_RECV) && nl == 2;
}

static void check_counts(Compiler *c, Node *n, int nl, int nr)
{
    if (nl == nr || (nr == 1 && nl > 1 && multi_ok(n->list2.items[0], nl)))
        return;
    if (nr == 1 && n->list2.items[0] && n->list2.items[0]->kind != N_CALL)
        err(c, n, "assignment mismatch: %d variables but 1 value", nl);
    else
        err(c, n, "assignment mismatch: %d variable%s but %d value%s", nl, nl == 1 ? "" : "s", nr,
            nr == 1 ? "" : "s");
}

/* A type in `var x T` whose zero value comes from a module (sync.Mutex). */
static void res_type(Compiler *c, Node *at, TypeRef t)
{
    const char *dot = t ? strchr(t, '.') : NULL;
    if (!dot)
        return;
    char pkg[64];
    size_t n = (size_t)(dot - t);
    if (n >= sizeof pkg) {
        err(c, at, "undefined: %s", t);
        return;
    }
    memcpy(pkg, t, n);
    pkg[n] = 0;
    Value mv;
    if (c->rt && c->rt->universe && map_get_cstr(c->rt->universe, pkg, &mv) && v_is_obj(mv, OBJ_MODULE)) {
        ObjModule *m = (ObjModule *)v_obj(mv);
        if (m->members && map_get_cstr(m->members, dot + 1, &mv))
            return;
    }
    err(c, at, "undefined: %s", t);
}

static void res_define(Compiler *c, Node *n)
{
    int nl = n->list.n, nr = n->list2.n;
    res_list(c, &n->list2, n);
    check_counts(c, n, nl, nr);
    bool anynew = false, file = at_file_scope(c);
    for (int i = 0; i < nl; i++) {
        Node *id = n->list.items[i];
        if (!id || id->kind != N_IDENT || !id->name) {
            err(c, id ? id : n, "non-name %s on left side of :=", describe(id));
            continue;
        }
        if (is_blank(id->name)) {
            pm_put(&c->nodes, id, (uint64_t)(uintptr_t)&c->blank);
            continue;
        }
        bool repeated = false;
        for (int j = 0; j < i; j++) {
            Node *o = n->list.items[j];
            if (o && o->kind == N_IDENT && o->name && strcmp(o->name, id->name) == 0)
                repeated = true;
        }
        if (repeated) {
            err(c, id, "%s repeated on left side of :=", id->name);
            continue;
        }
        if (file) {
            /* declared before anything was resolved (hoisting) */
            Var *v = node_var(c, id);
            if (!v) {
                bool isnew;
                v = declare_global(c, id, id->name, false, &isnew);
                pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
            }
            if (v->decl == id)
                anynew = true;
            else if (v->readonly)
                err(c, id, "cannot assign to %s (neither addressable nor a map index expression)", id->name);
            continue;
        }
        Var *v = lookup_here(c, id->name);
        if (v) {
            if (v->readonly)
                err(c, id, "cannot assign to %s (neither addressable nor a map index expression)", id->name);
            v->assigned = true;
            pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
        } else {
            declare_local(c, id);
            anynew = true;
        }
    }
    if (!anynew && !(file && c->repl))
        err(c, n, "no new variables on left side of :=");
}

static void res_var(Compiler *c, Node *n, bool isconst)
{
    int nl = n->list.n, nr = n->list2.n;
    bool file = at_file_scope(c);
    if (!(file && isconst))
        res_list(c, &n->list2, n); /* a file-level const's: resolved early */
    if (isconst && nr != nl) {
        if (nr < nl)
            err(c, n, "missing init expr for const declaration");
        else
            err(c, n, "extra init expr");
    } else if (!isconst && nr)
        check_counts(c, n, nl, nr);
    if (!isconst && !nr)
        res_type(c, n, n->type);
    for (int i = 0; i < nl; i++) {
        Node *id = n->list.items[i];
        if (!id || id->kind != N_IDENT || !id->name) {
            err(c, id ? id : n, "non-name %s in declaration", describe(id));
            continue;
        }
        if (is_blank(id->name)) {
            pm_put(&c->nodes, id, (uint64_t)(uintptr_t)&c->blank);
            continue;
        }
        if (file) {
            if (!node_var(c, id)) {
                Var *v = declare_global(c, id, id->name, true, NULL);
                pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
            }
            continue;
        }
        if (lookup_here(c, id->name))
            err(c, id, "%s redeclared in this block", id->name);
        Var *v = declare_local(c, id);
        if (isconst) {
            v->readonly = true;
            if (i < nr)
                v->cval = const_eval(c, n->list2.items[i]);
            if (!is_foldable(v->cval))
                v->cval = V_UNDEF; /* not a constant: a read-only variable */
        }
    }
}

static void res_block_list(Compiler *c, NodeList *l)
{
    for (int i = 0; i < l->n; i++)
        res_stmt(c, l->items[i], NULL);
}

static void res_body(Compiler *c, Node *body, const Node *parent)
{
    if (!body)
        return; /* an empty body */
    res_stmt(c, body, NULL);
}

static void loop_push(Compiler *c, RLoop *l, int kind, const char *label)
{
    l->prev = c->loops;
    l->kind = kind;
    l->label = label;
    c->loops = l;
}

static void res_branch(Compiler *c, Node *n)
{
    bool isbreak = n->kind == N_BREAK;
    RLoop *l = c->loops;
    if (n->name) {
        while (l && !(l->label && strcmp(l->label, n->name) == 0))
            l = l->prev;
        if (!l || (!isbreak && l->kind != BK_LOOP))
            err(c, n, "invalid %s label %s", isbreak ? "break" : "continue", n->name);
        return;
    }
    if (!isbreak)
        while (l && l->kind != BK_LOOP)
            l = l->prev;
    if (!l)
        err(c, n, isbreak ? "break is not in a loop, switch, or select" : "continue is not in a loop");
}

/* Bind the variables of a range loop or a select receive (`:=`), or
 * resolve them as assignment targets (`=`). */
static void res_targets(Compiler *c, Node **ts, int nt, bool define, const Node *at)
{
    for (int i = 0; i < nt; i++) {
        Node *t = ts[i];
        if (!t)
            continue;
        if (!define) {
            res_lvalue(c, t, false, at);
            continue;
        }
        if (t->kind != N_IDENT || !t->name) {
            err(c, t, "non-name %s on left side of :=", describe(t));
            continue;
        }
        if (is_blank(t->name)) {
            pm_put(&c->nodes, t, (uint64_t)(uintptr_t)&c->blank);
            continue;
        }
        if (lookup_here(c, t->name)) {
            err(c, t, "%s repeated on left side of :=", t->name);
            continue;
        }
        declare_local(c, t);
    }
}

static void res_stmt(Compiler *c, Node *n, const char *label)
{
    if (!n)
        return;
    if (!enter(c, n))
        return;
    const char *lab = label ? label : n->label;
    RLoop loop;
    int mark;
    switch (n->kind) {
    case N_EXPRSTMT:
        res_expr(c, n->a, n);
        break;
    case N_ASSIGN: {
        int nl = n->list.n, nr = n->list2.n;
        bool compound = n->op != TK_ASSIGN;
        if (compound && !compound_op(n->op)) {
            err(c, n, "invalid assignment operator");
            break;
        }
        if (compound && (nl != 1 || nr != 1)) {
            err(c, n, "assignment operation requires single-valued expressions");
            break;
        }
        res_list(c, &n->list2, n);
        for (int i = 0; i < nl; i++)
            res_lvalue(c, n->list.items[i], compound, n);
        if (!compound)
            check_counts(c, n, nl, nr);
        break;
    }
    case N_DEFINE:
        res_define(c, n);
        break;
    case N_VAR:
        res_var(c, n, false);
        break;
    case N_CONST:
        res_var(c, n, true);
        break;
    case N_INCDEC:
        if (n->op != TK_INC && n->op != TK_DEC)
            err(c, n, "invalid increment operator");
        res_lvalue(c, n->a, true, n);
        break;
    case N_SEND:
        res_expr(c, n->a, n);
        res_expr(c, n->b, n);
        break;
    case N_BLOCK:
        mark = scope_open(c);
        res_block_list(c, &n->list);
        scope_close(c, mark);
        break;
    case N_IF: {
        /* An else-if ladder is walked with a loop, not one recursion per
         * clause: ten thousand clauses are not nesting to the user. Each
         * clause's scope still lies inside the previous one's (Go: an
         * else branch sees the init variables of the ifs before it), so
         * they are all closed at the end. */
        mark = c->nscope;
        int opened = 0;
        Node *s = n;
        for (;;) {
            scope_open(c);
            opened++;
            res_stmt(c, s->init, NULL);
            res_expr(c, s->a, s);
            res_body(c, s->body, s);
            if (!s->els || s->els->kind != N_IF || s->els->label)
                break;
            s = s->els;
        }
        res_stmt(c, s->els, NULL);
        scope_close(c, mark);
        c->depth -= opened - 1;
        break;
    }
    case N_FOR:
        mark = scope_open(c);
        res_stmt(c, n->init, NULL);
        if (n->a)
            res_expr(c, n->a, n);
        if (n->post && n->post->kind == N_DEFINE)
            err(c, n->post, "cannot declare in post statement of for loop");
        else
            res_stmt(c, n->post, NULL);
        loop_push(c, &loop, BK_LOOP, lab);
        res_body(c, n->body, n);
        c->loops = loop.prev;
        scope_close(c, mark);
        break;
    case N_RANGE: {
        res_expr(c, n->a, n);
        mark = scope_open(c);
        Node *ts[2] = {n->key, n->val};
        res_targets(c, ts, 2, n->define, n);
        loop_push(c, &loop, BK_LOOP, lab);
        res_body(c, n->body, n);
        c->loops = loop.prev;
        scope_close(c, mark);
        break;
    }
    case N_SWITCH: {
        mark = scope_open(c);
        res_stmt(c, n->init, NULL);
        if (n->a)
            res_expr(c, n->a, n);
        loop_push(c, &loop, BK_SWITCH, lab);
        bool hasdef = false;
        for (int i = 0; i < n->list.n; i++) {
            Node *cl = n->list.items[i];
            if (!cl || cl->kind != N_CASE) {
                err(c, cl ? cl : n, "expected case or default");
                continue;
            }
            if (cl->list.n == 0) {
                if (hasdef)
                    err(c, cl, "multiple defaults in switch");
                hasdef = true;
            }
            res_list(c, &cl->list, cl);
            int m2 = scope_open(c);
            res_body(c, cl->body, cl);
            scope_close(c, m2);
        }
        c->loops = loop.prev;
        scope_close(c, mark);
        break;
    }
    case N_SELECT: {
        loop_push(c, &loop, BK_SELECT, lab);
        bool hasdef = false;
        int ncases = 0;
        for (int i = 0; i < n->list.n; i++) {
            Node *cm = n->list.items[i];
            if (!cm || cm->kind != N_COMM) {
                err(c, cm ? cm : n, "expected case or default");
                continue;
            }
            mark = scope_open(c);
            switch (cm->op) {
            case COMM_SEND:
                res_expr(c, cm->a, cm);
                res_expr(c, cm->b, cm);
                ncases++;
                break;
            case COMM_RECV:
                res_expr(c, cm->a, cm);
                if (cm->list.n > 2)
                    err(c, cm, "assignment mismatch: %d variables but <-ch returns 2 values", cm->list.n);
                else
                    res_targets(c, cm->list.items, cm->list.n, cm->define, cm);
                ncases++;
                break;
            case COMM_DEFAULT:
                if (hasdef)
                    err(c, cm, "multiple defaults in select");
                hasdef = true;
                break;
            default:
                err(c, cm, "malformed select case");
                break;
            }
            res_body(c, cm->body, cm);
            scope_close(c, mark);
        }
        if (ncases > limit_n[LIM_CASES])
            err(c, n, limit_fmt[LIM_CASES], limit_n[LIM_CASES]);
        c->loops = loop.prev;
        break;
    }
    case N_CASE:
    case N_COMM:
        err(c, n, "case outside switch or select");
        break;
    case N_RETURN:
        res_list(c, &n->list, n);
        break;
    case N_BREAK:
    case N_CONTINUE:
        res_branch(c, n);
        break;
    case N_GO:
    case N_DEFER:
        if (!n->a || n->a->kind != N_CALL) {
            err(c, n, "expression in %s must be function call", n->kind == N_GO ? "go" : "defer");
            if (n->a && is_expr_kind(n->a->kind))
                res_expr(c, n->a, n);
            break;
        }
        res_expr(c, n->a, n);
        break;
    case N_LABELED:
        if (!n->body)
            break;
        res_stmt(c, n->body, n->name);
        break;
    case N_FUNCDECL:
        if (!n->name || !n->func) {
            err(c, n, "malformed function declaration");
            break;
        }
        if (!at_file_scope(c)) {
            /* not Go, but harmless: a local bound before its body, so the
             * function can call itself */
            if (lookup_here(c, n->name))
                err(c, n, "%s redeclared in this block", n->name);
            Var *v = new_var(c, VK_LOCAL, n->name, n);
            bind(c, v);
            pm_put(&c->nodes, n, (uint64_t)(uintptr_t)v);
        } else if (!node_var(c, n)) {
            Var *v = declare_global(c, n, n->name, true, NULL);
            pm_put(&c->nodes, n, (uint64_t)(uintptr_t)v);
        }
        res_func(c, n->func, n);
        break;
    case N_FILE:
        err(c, n, "unexpected file node");
        break;
    default:
        res_expr(c, n, n); /* a bare expression */
        break;
    }
    leave(c);
}

static void res_func(Compiler *c, FuncInfo *fi, Node *at)
{
    if (!fi) {
        err(c, at, "malformed function");
        return;
    }
    FuncRes *fr = mem_alloc(sizeof *fr);
    fr->parent = c->fn;
    pm_put(&c->nodes, fi, (uint64_t)(uintptr_t)fr);
    FuncRes *savefn = c->fn;
    RLoop *saveloops = c->loops;
    c->fn = fr;
    c->loops = NULL;
    int mark = scope_open(c);
    if (fi->params.n > MAX_LOCALS)
        err(c, at, limit_fmt[LIM_PARAMS], limit_n[LIM_PARAMS]);
    if (fi->variadic && fi->params.n == 0)
        err(c, at, "can only use ... with final parameter in list");
    for (int i = 0; i < fi->params.n; i++) {
        Node *p = fi->params.items[i];
        if (!p || p->kind != N_IDENT || !p->name) {
            err(c, p ? p : at, "malformed parameter");
            continue;
        }
        if (is_blank(p->name))
            continue;
        if (lookup_here(c, p->name)) {
            err(c, p, "duplicate argument %s", p->name);
            continue;
        }
        declare_local(c, p);
    }
    /* The body's top-level declarations share the parameters' scope (Go:
     * `x := 1` in the body cannot redeclare a parameter x). */
    if (fi->body && fi->body->kind == N_BLOCK)
        res_block_list(c, &fi->body->list);
    else if (fi->body)
        res_stmt(c, fi->body, NULL);
    scope_close(c, mark);
    c->fn = savefn;
    c->loops = saveloops;
}

static Node *unlabel(Node *s)
{
    for (int i = 0; s && s->kind == N_LABELED && i < MAX_NEST; i++)
        s = s->body;
    return s;
}

/* Pass 1 over a file: declare every top-level name (hoisting), resolve and
 * fold the top-level consts, then resolve everything in order. */
static void res_file(Compiler *c, Node *file)
{
    FuncRes *mainres = mem_alloc(sizeof *mainres);
    c->mainres = c->fn = mainres;
    pm_put(&c->nodes, file, (uint64_t)(uintptr_t)mainres);
    NodeList *top = &file->list;
    for (int i = 0; i < top->n; i++) {
        Node *s = unlabel(top->items[i]);
        if (!s)
            continue;
        switch (s->kind) {
        case N_FUNCDECL:
            if (s->name && s->func)
                pm_put(&c->nodes, s, (uint64_t)(uintptr_t)declare_global(c, s, s->name, true, NULL));
            break;
        case N_VAR:
        case N_CONST:
            for (int j = 0; j < s->list.n; j++) {
                Node *id = s->list.items[j];
                if (!id || id->kind != N_IDENT || !id->name || is_blank(id->name))
                    continue;
                Var *v = declare_global(c, id, id->name, true, NULL);
                pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
                if (s->kind == N_CONST) {
                    v->readonly = true;
                    v->cexpr = j < s->list2.n ? s->list2.items[j] : NULL;
                    v->cstate = v->cexpr ? 0 : 2;
                }
            }
            break;
        case N_DEFINE:
            for (int j = 0; j < s->list.n; j++) {
                Node *id = s->list.items[j];
                if (!id || id->kind != N_IDENT || !id->name || is_blank(id->name))
                    continue;
                bool isnew;
                Var *v = declare_global(c, id, id->name, false, &isnew);
                if (isnew)
                    v->decl = id;
                pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
            }
            break;
        default:
            break;
        }
    }
    /* Consts: resolve every value first, then fold (in any order). */
    for (int i = 0; i < top->n; i++) {
        Node *s = unlabel(top->items[i]);
        if (s && s->kind == N_CONST)
            res_list(c, &s->list2, s);
    }
    for (int i = 0; i < c->nscope; i++) {
        Var *v = c->scope[i];
        if (v->cexpr)
            fold_global_const(c, v);
        if (!is_foldable(v->cval))
            v->cval = V_UNDEF;
    }
    for (int i = 0; i < top->n; i++)
        res_stmt(c, top->items[i], NULL);
}

/* ===================================================================== */
/* Code generation: function state, emission, constants, jumps            */
/* ===================================================================== */

typedef struct Breakable {
    struct Breakable *prev;
    int kind; /* BK_* */
    const char *label;
    int breaks, conts; /* jump lists */
} Breakable;

typedef struct FuncState {
    struct FuncState *parent;
    Compiler *c;
    FuncRes *res;
    const char *name;
    bool is_lit; /* a function literal: its own literals are name.1, name.2 */
    int nlits;
    uint32_t *code;
    int32_t *lines;
    int ncode, capcode;
    Value *k;
    int nk, capk;
    int *khash; /* open addressing over k: index+1, 0 empty */
    int khcap;
    ObjProto **protos;
    int nprotos, capprotos;
    UpvalDesc *upvals;
    Var **upvars;
    int nupvals, capupvals;
    int freereg, maxregs;
    int line;
    const Node *at; /* the construct being compiled, where limit errors point */
    Breakable *brk;
    uint64_t cellparams;
    int nparams;
    bool variadic;
    bool limited; /* a limit error was reported: report no more */
    /* Constant operands of loop conditions, loaded once before the loop
     * (see for_stmt): expr_any finds them here. */
    Node *pin_node[8];
    int pin_reg[8];
    int npins;
    uint8_t islocal[MAXREGS + 1]; /* register holds a live local */
} FuncState;

/* A limit of the instruction format was hit: report it at the construct
 * being compiled (at `at` if given), once per function (the first is the
 * one to fix; the rest follow from it). */
static void limit_error(FuncState *fs, Limit lim, const Node *at)
{
    if (fs->limited)
        return;
    fs->limited = true;
    if (!at)
        at = fs->at;
    Node pos = {0};
    pos.line = fs->line;
    pos.col = 1;
    if (at && at->line > 0) {
        pos.line = at->line;
        pos.col = at->col;
    }
    err(fs->c, &pos, limit_fmt[lim], limit_n[lim], fs->name);
}

/* A broken invariant of this file. Reported as an error (never a crash),
 * unless an error was reported before: then it is a consequence of that
 * one (a declaration that failed, a register that was not given). */
static void internal(FuncState *fs, const char *what)
{
    if (fs->c->d->nerrors > fs->c->nerr0)
        return;
    Node at = {0};
    at.line = fs->line;
    at.col = fs->at && fs->at->line == fs->line ? fs->at->col : 1;
    err(fs->c, &at, "internal compiler error: %s", what);
}

/* An operand that does not fit its field, though no limit error was
 * reported: a missing check in this file. Better an error than wrong code. */
static void check_operands(FuncState *fs, int a, int b, int c, int bmax)
{
    if (((a & ~0xFF) || b < 0 || b > bmax || (c & ~0xFF)) && !fs->limited &&
        fs->c->d->nerrors == fs->c->nerr0) {
        fs->limited = true;
        internal(fs, "operand out of range");
    }
}

static int emit(FuncState *fs, uint32_t ins)
{
    if (fs->ncode == fs->capcode) {
        int cap = mem_grow_int(fs->capcode, 64);
        uint32_t *code = mem_alloc_atomic(cap * sizeof *code);
        int32_t *lines = mem_alloc_atomic(cap * sizeof *lines);
        if (fs->ncode) {
            memcpy(code, fs->code, fs->ncode * sizeof *code);
            memcpy(lines, fs->lines, fs->ncode * sizeof *lines);
        }
        fs->code = code;
        fs->lines = lines;
        fs->capcode = cap;
    }
    fs->code[fs->ncode] = ins;
    fs->lines[fs->ncode] = fs->line;
    return fs->ncode++;
}

/* Operands are in range whenever no limit error was reported; the masks
 * only keep a bad operand (after an error) from corrupting the opcode. */
static int emit_abc(FuncState *fs, OpCode op, int a, int b, int c)
{
    check_operands(fs, a, b, c, 0xFF);
    return emit(fs, MK_ABC(op, a & 0xFF, b & 0xFF, c & 0xFF));
}

static int emit_abx(FuncState *fs, OpCode op, int a, int bx)
{
    check_operands(fs, a, bx, 0, 0xFFFF);
    return emit(fs, MK_ABx(op, a & 0xFF, bx & 0xFFFF));
}

static void set_line(FuncState *fs, const Node *n)
{
    if (n && n->line > 0) {
        fs->line = n->line;
        fs->at = n;
    }
}

/* ---- registers ---- */

static int alloc_regs(FuncState *fs, int n)
{
    int r = fs->freereg;
    if (r + n > MAXREGS) {
        limit_error(fs, LIM_REGS, NULL);
        return MAXREGS - n > 0 ? MAXREGS - n : 0;
    }
    fs->freereg += n;
    if (fs->freereg > fs->maxregs)
        fs->maxregs = fs->freereg;
    return r;
}

static int alloc_reg(FuncState *fs)
{
    return alloc_regs(fs, 1);
}

/* Leave a block: registers from `top` up are free, their locals dead. */
static void free_to(FuncState *fs, int top)
{
    if (top < 0 || top > MAXREGS)
        return;
    if (top < fs->freereg)
        memset(fs->islocal + top, 0, (size_t)(fs->freereg - top));
    fs->freereg = top;
}

/* v lives in reg from now on (to the end of its block). */
static void mark_local(FuncState *fs, Var *v, int reg)
{
    if (reg >= MAX_LOCALS)
        limit_error(fs, LIM_LOCALS, v->decl);
    if (reg < 0 || reg >= MAXREGS)
        reg = MAXREGS - 1;
    v->reg = reg;
    fs->islocal[reg] = 1;
    if (reg >= fs->freereg) {
        fs->freereg = reg + 1;
        if (fs->freereg > fs->maxregs)
            fs->maxregs = fs->freereg;
    }
}

/* ---- constants ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    return x;
}

static uint64_t k_hash(Value v)
{
    if (v_is_ptr(v)) {
        Obj *o = v_obj(v);
        if (o->kind == OBJ_STRING) {
            ObjString *s = (ObjString *)o;
            uint64_t h = 1469598103934665603ULL;
            for (size_t i = 0; i < s->len; i++)
                h = (h ^ (uint8_t)s->data[i]) * 1099511628211ULL;
            return h;
        }
        if (o->kind == OBJ_BOXINT)
            return mix64((uint64_t)((ObjBoxInt *)o)->i) ^ 1;
        if (o->kind == OBJ_BOXFLOAT) {
            uint64_t bits;
            memcpy(&bits, &((ObjBoxFloat *)o)->d, sizeof bits);
            return mix64(bits) ^ 2;
        }
    }
    return mix64(v);
}

/* Same constant: same word, or equal contents of the same kind (an int and
 * a float never merge, though 1 == 1.0: they print differently). */
static bool k_same(Value a, Value b)
{
    if (a == b)
        return true;
    if (!v_is_ptr(a) || !v_is_ptr(b))
        return false;
    Obj *x = v_obj(a), *y = v_obj(b);
    if (x->kind != y->kind)
        return false;
    switch (x->kind) {
    case OBJ_STRING: {
        ObjString *s = (ObjString *)x, *t = (ObjString *)y;
        return s->len == t->len && memcmp(s->data, t->data, s->len) == 0;
    }
    case OBJ_BOXINT:
        return ((ObjBoxInt *)x)->i == ((ObjBoxInt *)y)->i;
    case OBJ_BOXFLOAT:
        return memcmp(&((ObjBoxFloat *)x)->d, &((ObjBoxFloat *)y)->d, sizeof(double)) == 0;
    default:
        return false;
    }
}

static void k_rehash(FuncState *fs)
{
    fs->khcap = mem_grow_int(fs->khcap, 64);
    fs->khash = mem_alloc_atomic(fs->khcap * sizeof *fs->khash);
    memset(fs->khash, 0, fs->khcap * sizeof *fs->khash);
    for (int i = 0; i < fs->nk; i++) {
        if (i == K_DIRECT)
            i = MAX_KBX + 1; /* the chunk lists' slots: not constants yet */
        if (i >= fs->nk)
            break;
        size_t j = k_hash(fs->k[i]) & (size_t)(fs->khcap - 1);
        while (fs->khash[j])
            j = (j + 1) & (size_t)(fs->khcap - 1);
        fs->khash[j] = i + 1;
    }
}

/* Index of v in K, added if new. */
static int add_k(FuncState *fs, Value v)
{
    if ((fs->nk + 1) * 2 > fs->khcap)
        k_rehash(fs);
    size_t mask = (size_t)fs->khcap - 1, j = k_hash(v) & mask;
    while (fs->khash[j]) {
        int i = fs->khash[j] - 1;
        if (k_same(fs->k[i], v))
            return i;
        j = (j + 1) & mask;
    }
    if (fs->nk >= K_MAX) {
        limit_error(fs, LIM_CONSTS, NULL);
        return 0;
    }
    for (;;) {
        if (fs->nk == fs->capk) {
            int cap = mem_grow_int(fs->capk, 16);
            Value *k = mem_alloc(cap * sizeof *k);
            if (fs->nk)
                memcpy(k, fs->k, fs->nk * sizeof *k);
            fs->k = k;
            fs->capk = cap;
        }
        if (fs->nk < K_DIRECT || fs->nk > MAX_KBX)
            break;
        fs->k[fs->nk++] = V_NIL; /* a chunk list's slot, filled by fs_close */
    }
    fs->k[fs->nk] = v;
    fs->khash[j] = fs->nk + 1;
    return fs->nk++;
}

/* K index of a string for a 16-bit operand (a method name). */
static int str_k(FuncState *fs, const char *s)
{
    int k = add_k(fs, v_from_ptr(str_cstr(s)));
    if (k >= K_DIRECT) {
        limit_error(fs, LIM_CONSTS, NULL);
        return 0;
    }
    return k;
}

/* K index of a field name for an 8-bit operand. The function's field names
 * went into K first, so this holds unless it uses over MAX_KFIELD names. */
static int field_k(FuncState *fs, const char *name)
{
    int k = str_k(fs, name ? name : "");
    if (k > 255) {
        limit_error(fs, LIM_FIELDS, NULL);
        return 0;
    }
    return k;
}

static bool int_imm(Value v, int *out)
{
    if (!v_is_int(v) || v == V_UNDEF)
        return false;
    int64_t i = v_int(v);
    if (i < IMM_MIN || i > IMM_MAX)
        return false;
    *out = (int)i;
    return true;
}

/* dst = K[k], from its chunk list if k is past the directly loaded ones. */
static void load_k(FuncState *fs, int k, int dst)
{
    if (k < K_DIRECT) {
        emit_abx(fs, OP_LOADK, dst, k);
        return;
    }
    k -= MAX_KBX + 1;
    emit_abx(fs, OP_LOADK, dst, K_DIRECT + k / K_CHUNK);
    int t = alloc_reg(fs);
    emit(fs, MK_AsBx(OP_LOADI, t & 0xFF, k % K_CHUNK));
    emit_abc(fs, OP_GETINDEX, dst, dst, t);
    free_to(fs, t);
}

static void load_const(FuncState *fs, Value v, int dst)
{
    if (v == V_NIL)
        emit_abc(fs, OP_LOADNIL, dst, 0, 0);
    else if (v_is_bool(v))
        emit_abc(fs, OP_LOADBOOL, dst, v == V_TRUE, 0);
    else if (v_is_int(v) && v_int(v) >= -SBX_BIAS && v_int(v) <= 65535 - SBX_BIAS)
        emit(fs, MK_AsBx(OP_LOADI, dst & 0xFF, (int)v_int(v)));
    else
        load_k(fs, add_k(fs, v), dst);
}

/* ---- jumps ---- */

static int emit_jump(FuncState *fs)
{
    return emit(fs, MK_sJ(OP_JMP, NO_JUMP));
}

/* The next jump in the list that pc belongs to. */
static int jump_next(FuncState *fs, int pc)
{
    int off = INS_sJ(fs->code[pc]);
    return off == NO_JUMP ? NO_JUMP : pc + 1 + off;
}

static void jump_set(FuncState *fs, int pc, int dest)
{
    int off = dest - (pc + 1);
    if (off < -SJ_BIAS + 1 || off >= SJ_BIAS) {
        limit_error(fs, LIM_JUMP, NULL);
        off = 0;
    }
    fs->code[pc] = MK_sJ(OP_JMP, off);
}

/* Add list l2 to *l1. l2 is usually one jump, so walk it, not *l1. */
static void jump_concat(FuncState *fs, int *l1, int l2)
{
    if (l2 == NO_JUMP)
        return;
    if (*l1 != NO_JUMP) {
        int last = l2, next;
        while ((next = jump_next(fs, last)) != NO_JUMP)
            last = next;
        jump_set(fs, last, *l1);
    }
    *l1 = l2;
}

static void jump_patch(FuncState *fs, int list, int dest)
{
    while (list != NO_JUMP) {
        int next = jump_next(fs, list);
        jump_set(fs, list, dest);
        list = next;
    }
}

static void jump_here(FuncState *fs, int list)
{
    jump_patch(fs, list, fs->ncode);
}

/* Instructions that are followed by the JMP they may perform. */
static bool is_test(OpCode op)
{
    switch (op) {
    case OP_EQ:
    case OP_LT:
    case OP_LE:
    case OP_EQK:
    case OP_EQI:
    case OP_LTI:
    case OP_LEI:
    case OP_GTI:
    case OP_GEI:
    case OP_TEST:
    case OP_RANGE:
        return true;
    default:
        return false;
    }
}

/* A compare-and-branch instruction and its JMP; returns the JMP. */
static int cond_op(FuncState *fs, OpCode op, int a, int b, int c)
{
    emit_abc(fs, op, a, b, c);
    return emit_jump(fs);
}

/* ===================================================================== */
/* Code generation: variables                                              */
/* ===================================================================== */

/* Index of v (a local of an enclosing function) among fs's upvalues,
 * adding it, and the chain through the functions in between, if new. */
static int upval_index(FuncState *fs, Var *v)
{
    for (int i = 0; i < fs->nupvals; i++)
        if (fs->upvars[i] == v)
            return i;
    FuncState *p = fs->parent;
    UpvalDesc d;
    if (!p || !v->captured) {
        internal(fs, "upvalue without an enclosing local");
        return 0;
    }
    if (p->res == v->owner) {
        if (v->reg < 0) {
            internal(fs, "upvalue of an undeclared local");
            return 0;
        }
        d.from_parent_reg = 1;
        d.idx = (uint8_t)v->reg;
    } else {
        d.from_parent_reg = 0;
        d.idx = (uint8_t)upval_index(p, v);
    }
    if (fs->nupvals >= 256) {
        limit_error(fs, LIM_UPVALS, NULL);
        return 0;
    }
    if (fs->nupvals == fs->capupvals) {
        int cap = mem_grow_int(fs->capupvals, 8);
        UpvalDesc *u = mem_alloc_atomic(cap * sizeof *u);
        Var **vs = mem_alloc(cap * sizeof *vs);
        if (fs->nupvals) {
            memcpy(u, fs->upvals, fs->nupvals * sizeof *u);
            memcpy(vs, fs->upvars, fs->nupvals * sizeof *vs);
        }
        fs->upvals = u;
        fs->upvars = vs;
        fs->capupvals = cap;
    }
    fs->upvals[fs->nupvals] = d;
    fs->upvars[fs->nupvals] = v;
    return fs->nupvals++;
}

static void var_load(FuncState *fs, Var *v, int dst)
{
    if (!v) {
        emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        return;
    }
    if (v->cval != V_UNDEF) {
        load_const(fs, v->cval, dst);
        return;
    }
    switch (v->kind) {
    case VK_GLOBAL:
        emit_abx(fs, OP_GETGLOBAL, dst, v->slot);
        break;
    case VK_LOCAL:
        if (v->owner != fs->res) {
            emit_abc(fs, OP_GETUPVAL, dst, upval_index(fs, v), 0);
        } else if (v->reg < 0) {
            internal(fs, "local used before its declaration");
        } else if (v->captured) {
            emit_abc(fs, OP_GETCELL, dst, v->reg, 0);
        } else if (v->reg != dst) {
            emit_abc(fs, OP_MOVE, dst, v->reg, 0);
        }
        break;
    default:
        emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        break;
    }
}

static void var_store(FuncState *fs, Var *v, int src)
{
    if (!v)
        return;
    switch (v->kind) {
    case VK_GLOBAL:
        emit_abx(fs, OP_SETGLOBAL, src, v->slot);
        break;
    case VK_LOCAL:
        if (v->owner != fs->res)
            emit_abc(fs, OP_SETUPVAL, src, upval_index(fs, v), 0);
        else if (v->reg < 0)
            internal(fs, "local assigned before its declaration");
        else if (v->captured)
            emit_abc(fs, OP_SETCELL, v->reg, src, 0);
        else if (v->reg != src)
            emit_abc(fs, OP_MOVE, v->reg, src, 0);
        break;
    default:
        break; /* `_` */
    }
}

/* A new local gets register reg (holding its initial value). */
static void var_declare(FuncState *fs, Var *v, int reg)
{
    mark_local(fs, v, reg);
    if (v->captured)
        emit_abc(fs, OP_NEWCELL, reg, reg, 0);
}

/* The local's register, when n is a plain (uncaptured) local of fs. */
static Var *plain_local(FuncState *fs, Node *n)
{
    if (!n || n->kind != N_IDENT)
        return NULL;
    Var *v = node_var(fs->c, n);
    if (v && v->kind == VK_LOCAL && v->cval == V_UNDEF && !v->captured && v->owner == fs->res && v->reg >= 0)
        return v;
    return NULL;
}

/* ===================================================================== */
/* Code generation: expressions                                            */
/* ===================================================================== */

static void expr_to(FuncState *fs, Node *n, int dst);
static int cond_jump(FuncState *fs, Node *n, bool when);
static void call_top(FuncState *fs, Node *n, int base, int nres, OpCode op);
static int func_proto(FuncState *fs, FuncInfo *fi, const char *name, int line, bool is_lit);

/* A register holding n: a plain local's own, or a new temporary. */
static int expr_any(FuncState *fs, Node *n)
{
    Var *v = plain_local(fs, n);
    if (v)
        return v->reg;
    for (int i = fs->npins - 1; i >= 0; i--)
        if (fs->pin_node[i] == n)
            return fs->pin_reg[i];
    int r = alloc_reg(fs);
    expr_to(fs, n, r);
    return r;
}

/* Like expr_any, but computes into dst when dst is scratch (not a live
 * local), saving a register: for the first operand of an instruction
 * whose result goes to dst. */
static int expr_hint(FuncState *fs, Node *n, int dst)
{
    Var *v = plain_local(fs, n);
    if (v)
        return v->reg;
    if (fs->islocal[dst])
        return expr_any(fs, n);
    expr_to(fs, n, dst);
    return dst;
}

static OpCode arith_op(int t)
{
#define X(tok, assign, rop, kop)                                                                             \
    if (t == tok)                                                                                            \
        return rop;
    ARITH_OPS(X)
#undef X
    return OP_ADD;
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
static void arith_rr(FuncState *fs, int dst, int tok, int ra, Node *b)
{
    int top = fs->freereg;
    Value kb = const_eval(fs->c, b);
    int imm;
    if ((tok == TK_PLUS || tok == TK_MINUS) && v_is_int(kb) && kb != V_UNDEF &&
        int_imm(tok == TK_MINUS ? v_make_int(-v_int(kb)) : kb, &imm)) {
        emit_abc(fs, OP_ADDI, dst, ra, imm + SC_BIAS);
        return;
    }
    OpCode kop = arithk_op(tok);
    if (kop != OP__COUNT && kb != V_UNDEF && (v_isnum(kb) || (tok == TK_PLUS && v_is_str(kb)))) {
        int k = add_k(fs, kb);
        if (k <= 255) {
            emit_abc(fs, kop, dst, ra, k);
            return;
        }
    }
    int rb = dst != ra ? expr_hint(fs, b, dst) : expr_any(fs, b);
    emit_abc(fs, arith_op(tok), dst, ra, rb);
    free_to(fs, top);
}

/* a && b, a || b as a value: short-circuit into one register. A chain
 * `a && b && c` is walked in a loop: the first operand that decides the
 * value jumps to the end. */
static void logic_to(FuncState *fs, Node *n, int dst)
{
    int top = fs->freereg;
    /* writing dst before b is read would clobber a local that b reads */
    int t = fs->islocal[dst] ? alloc_reg(fs) : dst;
    Node **sp;
    int len = logic_spine(n, &sp), ends = NO_JUMP;
    expr_to(fs, sp[len - 1]->a, t);
    for (int i = len - 1; i >= 0; i--) {
        set_line(fs, sp[i]);
        emit_abc(fs, OP_TEST, t, 0, n->op == TK_OROR);
        jump_concat(fs, &ends, emit_jump(fs));
        expr_to(fs, sp[i]->b, t);
    }
    jump_here(fs, ends);
    if (t != dst)
        emit_abc(fs, OP_MOVE, dst, t, 0);
    free_to(fs, top);
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
        Value k = const_eval(fs->c, sp[*i]->b);
        if (!v_is_str(k) || k == V_UNDEF || (run.len && run.len + v_str(k)->len > MAX_FOLD_STR))
            break;
        buf_add(&run, v_str(k)->data, v_str(k)->len);
    }
    return v_from_ptr(buf_to_str(&run));
}

static void binary_to(FuncState *fs, Node *n, int dst)
{
    int top = fs->freereg, ra, rb;
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
        rb = ra != dst ? expr_hint(fs, n->b, dst) : expr_any(fs, n->b);
        switch (n->op) {
        case TK_EQ:
            emit_abc(fs, OP_SEQ, dst, ra, rb);
            break;
        case TK_NE:
            emit_abc(fs, OP_SNE, dst, ra, rb);
            break;
        case TK_LT:
            emit_abc(fs, OP_SLT, dst, ra, rb);
            break;
        case TK_LE:
            emit_abc(fs, OP_SLE, dst, ra, rb);
            break;
        case TK_GT:
            emit_abc(fs, OP_SLT, dst, rb, ra);
            break;
        default:
            emit_abc(fs, OP_SLE, dst, rb, ra);
            break;
        }
        break;
    default: {
        Node **sp;
        int len = arith_spine(n, &sp);
        if (len > SPINE_MIN) {
            /* A long chain: accumulate left to right in one register. Once
             * the accumulator is a string (it starts as a string constant),
             * each run of string constants is added as one constant, so a
             * chain too long to fold whole still costs a few concatenations
             * at run time, not one per term. (Only then: `1 + "a" + "b"`
             * must panic naming "a".) */
            int t = fs->islocal[dst] ? alloc_reg(fs) : dst;
            int i = len - 1;
            Value k0 = const_eval(fs->c, sp[i]->a);
            bool isstr = v_is_str(k0) && k0 != V_UNDEF;
            if (isstr)
                load_const(fs, str_run(fs, sp, &i, v_str(k0)), t);
            else
                expr_to(fs, sp[i]->a, t);
            while (i >= 0) {
                set_line(fs, sp[i]);
                Value kb = const_eval(fs->c, sp[i]->b);
                if (isstr && sp[i]->op == TK_PLUS && v_is_str(kb) && kb != V_UNDEF) {
                    int r = alloc_reg(fs);
                    load_const(fs, str_run(fs, sp, &i, NULL), r);
                    emit_abc(fs, OP_ADD, t, t, r);
                    free_to(fs, r);
                    continue;
                }
                /* a `+` of a string constant that did not panic made a string */
                isstr = sp[i]->op == TK_PLUS && (isstr || (v_is_str(kb) && kb != V_UNDEF));
                arith_rr(fs, t, sp[i]->op, t, sp[i]->b);
                i--;
            }
            if (t != dst)
                emit_abc(fs, OP_MOVE, dst, t, 0);
            break;
        }
        ra = expr_hint(fs, n->a, dst);
        arith_rr(fs, dst, n->op, ra, n->b);
        break;
    }
    }
    free_to(fs, top);
}

static void unary_to(FuncState *fs, Node *n, int dst)
{
    int top = fs->freereg;
    if (n->op == TK_PLUS) {
        expr_to(fs, n->a, dst);
        return;
    }
    int ra = expr_hint(fs, n->a, dst);
    emit_abc(fs, n->op == TK_MINUS ? OP_UNM : n->op == TK_NOT ? OP_NOT : OP_BNOT, dst, ra, 0);
    free_to(fs, top);
}

/* The register to build a list or map in: dst itself when it is the
 * topmost scratch register (the elements go right above it). */
static int build_reg(FuncState *fs, int dst)
{
    if (dst == fs->freereg - 1 && !fs->islocal[dst])
        return dst;
    return alloc_reg(fs);
}

/* R[l] = a new list of the values of items[0..n-1], in order: NEWLIST of
 * the first batch, APPENDN of each next one, every batch right above the
 * list, so a list of any length needs LIST_BATCH + 1 registers. l must be
 * the topmost register allocated. */
static void list_build(FuncState *fs, Node **items, int n, int l)
{
    if (n == 0)
        emit_abc(fs, OP_NEWLIST, l, l + 1, 0);
    for (int i = 0; i < n; i += LIST_BATCH) {
        int nb = n - i < LIST_BATCH ? n - i : LIST_BATCH;
        for (int j = 0; j < nb; j++)
            expr_to(fs, items[i + j], alloc_reg(fs));
        if (i == 0)
            emit_abc(fs, OP_NEWLIST, l, l + 1, nb);
        else
            emit_abc(fs, OP_APPENDN, l, nb, 0);
        free_to(fs, l + 1);
    }
}

/* dst = R[l][i], for a list the compiler built. */
static void load_item(FuncState *fs, int l, int i, int dst)
{
    int r = alloc_reg(fs);
    load_const(fs, v_make_int(i), r);
    emit_abc(fs, OP_GETINDEX, dst, l, r);
    free_to(fs, r);
}

static void list_to(FuncState *fs, Node *n, int dst)
{
    int top = fs->freereg, cnt = n->list.n;
    if (cnt <= LIST_BATCH) {
        int base = fs->freereg;
        for (int i = 0; i < cnt; i++)
            expr_to(fs, n->list.items[i], alloc_reg(fs));
        emit_abc(fs, OP_NEWLIST, dst, cnt ? base : dst, cnt);
        free_to(fs, top);
        return;
    }
    int l = build_reg(fs, dst);
    list_build(fs, n->list.items, cnt, l);
    if (l != dst)
        emit_abc(fs, OP_MOVE, dst, l, 0);
    free_to(fs, top);
}

static void map_to(FuncState *fs, Node *n, int dst)
{
    int top = fs->freereg, pairs = n->list.n / 2;
    int first = pairs < MAP_BATCH ? pairs : MAP_BATCH;
    int m = pairs > MAP_BATCH ? build_reg(fs, dst) : dst;
    int base = fs->freereg;
    for (int i = 0; i < 2 * first; i++)
        expr_to(fs, n->list.items[i], alloc_reg(fs));
    emit_abc(fs, OP_NEWMAP, m, first ? base : m, first);
    free_to(fs, base);
    for (int i = first; i < pairs; i++) {
        int rk = expr_any(fs, n->list.items[2 * i]);
        int rv = expr_any(fs, n->list.items[2 * i + 1]);
        emit_abc(fs, OP_MAPSET, m, rk, rv);
        free_to(fs, base);
    }
    if (m != dst)
        emit_abc(fs, OP_MOVE, dst, m, 0);
    free_to(fs, top);
}

/* Name of the next function literal of fs, as Go names closures. */
static const char *lit_name(FuncState *fs)
{
    fs->nlits++;
    if (fs->is_lit)
        return gc_sprintf("%s.%d", fs->name, fs->nlits);
    return gc_sprintf("%s.func%d", fs->name, fs->nlits);
}

/* A call whose results can all be passed on: not one LEN compiles to. */
static bool is_len_call(FuncState *fs, Node *n)
{
    if (!n || n->kind != N_CALL || n->list.n != 1 || n->spread || !n->a || n->a->kind != N_IDENT)
        return false;
    Var *v = node_var(fs->c, n->a);
    return v && v->kind == VK_UNIVERSE && v->name && strcmp(v->name, "len") == 0;
}

static bool is_multi_call(FuncState *fs, Node *n)
{
    return n && n->kind == N_CALL && !is_len_call(fs, n);
}

static void call_to(FuncState *fs, Node *n, int dst)
{
    if (dst == fs->freereg - 1 && !fs->islocal[dst]) {
        call_top(fs, n, dst, 1, OP_CALL);
        return;
    }
    int top = fs->freereg;
    int base = alloc_reg(fs);
    call_top(fs, n, base, 1, OP_CALL);
    emit_abc(fs, OP_MOVE, dst, base, 0);
    free_to(fs, top);
}

static void expr_to(FuncState *fs, Node *n, int dst)
{
    if (!n) {
        emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        return;
    }
    Compiler *c = fs->c;
    if (!enter(c, n))
        return;
    int saveline = fs->line;
    const Node *saveat = fs->at;
    set_line(fs, n);
    int top = fs->freereg, ra, rb;
    Value k = const_eval(c, n);
    if (k != V_UNDEF) {
        load_const(fs, k, dst);
        goto out;
    }
    switch (n->kind) {
    case N_IDENT:
        var_load(fs, node_var(c, n), dst);
        break;
    case N_LIST:
        list_to(fs, n, dst);
        break;
    case N_MAP:
        map_to(fs, n, dst);
        break;
    case N_FUNC:
        emit_abx(fs, OP_CLOSURE, dst, func_proto(fs, n->func, lit_name(fs), n->line, true));
        break;
    case N_UNARY:
        unary_to(fs, n, dst);
        break;
    case N_BINARY:
        binary_to(fs, n, dst);
        break;
    case N_CALL:
        call_to(fs, n, dst);
        break;
    case N_INDEX:
        ra = expr_hint(fs, n->a, dst);
        rb = ra != dst ? expr_hint(fs, n->b, dst) : expr_any(fs, n->b);
        emit_abc(fs, OP_GETINDEX, dst, ra, rb);
        break;
    case N_SLICE: {
        ra = expr_hint(fs, n->a, dst);
        int lo = alloc_regs(fs, 2);
        expr_to(fs, n->b, lo);
        expr_to(fs, n->c, lo + 1);
        emit_abc(fs, OP_SLICE, dst, ra, lo);
        break;
    }
    case N_FIELD: {
        Var *v = node_var(c, n);
        if (v) { /* a module member: const_eval loaded it above already */
            var_load(fs, v, dst);
            break;
        }
        ra = expr_hint(fs, n->a, dst);
        emit_abc(fs, OP_GETFIELD, dst, ra, field_k(fs, n->name));
        break;
    }
    case N_RECV:
        /* the channel never shares dst: RECV may block and be retried */
        ra = expr_any(fs, n->a);
        emit_abc(fs, OP_RECV, dst, ra, 1);
        break;
    default:
        emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        break;
    }
out:
    free_to(fs, top);
    fs->line = saveline;
    fs->at = saveat;
    leave(c);
}

/* A call with its callee at R[base] (the topmost allocated register) and
 * its arguments above. nres results (-1: all, setting top) land at
 * R[base..]. op is CALL, or DEFER/GO (the call is not made here). On
 * return freereg is base + 1. */
static void call_top(FuncState *fs, Node *n, int base, int nres, OpCode op)
{
    Compiler *c = fs->c;
    Node *f = n->a;
    int nargs = n->list.n;
    set_line(fs, n);
    if (op == OP_CALL && is_len_call(fs, n)) {
        int rb = expr_any(fs, n->list.items[0]);
        set_line(fs, n);
        emit_abc(fs, OP_LEN, base, rb, 0);
        free_to(fs, base + 1);
        if (nres > 1)
            err(c, n, "assignment mismatch: %d variables but len returns 1 value", nres);
        return;
    }
    bool method = f && f->kind == N_FIELD && !node_var(c, f);
    if (method && op == OP_CALL) {
        expr_to(fs, f->a, base);
    } else if (method) {
        /* defer/go x.M(...): bind the method now, call it later. The
         * receiver is never R[base] itself (no A == B for BINDM). */
        int t = expr_any(fs, f->a);
        set_line(fs, n);
        emit_abc(fs, OP_BINDM, base, t, field_k(fs, f->name));
        free_to(fs, base + 1);
    } else {
        expr_to(fs, f, base);
    }
    int b;
    if (nargs == 1 && !n->spread && is_multi_call(fs, n->list.items[0])) {
        /* f(g(x)): every result of g is an argument of f */
        int r = alloc_reg(fs);
        call_top(fs, n->list.items[0], r, -1, OP_CALL);
        b = 0;
    } else if (nargs > MULTI_MAX) {
        /* Many arguments: into a list, then spread back onto the stack
         * (a spread argument's elements appended to the list first). */
        int l = alloc_reg(fs);
        list_build(fs, n->list.items, n->spread ? nargs - 1 : nargs, l);
        if (n->spread) {
            int r = alloc_reg(fs);
            expr_to(fs, n->list.items[nargs - 1], r);
            set_line(fs, n->list.items[nargs - 1]);
            emit_abc(fs, OP_UNPACK, r, r, 0);
            emit_abc(fs, OP_APPENDN, l, 0, 0);
            free_to(fs, l + 1);
        }
        set_line(fs, n);
        emit_abc(fs, OP_UNPACK, l, l, 0);
        b = 0;
    } else {
        for (int i = 0; i < nargs; i++) {
            Node *a = n->list.items[i];
            int r = alloc_reg(fs);
            if (i == nargs - 1 && n->spread) {
                Var *v = plain_local(fs, a);
                int src = v ? v->reg : r;
                if (!v)
                    expr_to(fs, a, r);
                set_line(fs, a);
                emit_abc(fs, OP_UNPACK, r, src, 0);
            } else {
                expr_to(fs, a, r);
            }
        }
        b = n->spread ? 0 : nargs + 1;
    }
    set_line(fs, n);
    if (method && op == OP_CALL) {
        emit_abc(fs, OP_CALLM, base, b, nres + 1);
        emit_abx(fs, OP_EXTRA, 0, str_k(fs, f->name ? f->name : ""));
    } else {
        emit_abc(fs, op, base, b, op == OP_CALL ? nres + 1 : 0);
    }
    free_to(fs, base + 1);
}

/* Several values into R[base..base+n-1] from one right-hand side: a call,
 * m[k] (value, present) or <-ch (value, ok). freereg must be base. */
static void multi_to(FuncState *fs, Node *rhs, int base, int n)
{
    if (is_multi_call(fs, rhs)) {
        alloc_reg(fs);
        call_top(fs, rhs, base, n, OP_CALL);
        alloc_regs(fs, n - 1);
        return;
    }
    alloc_regs(fs, n);
    int top = fs->freereg;
    set_line(fs, rhs);
    if (rhs && rhs->kind == N_INDEX && n == 2) {
        int ra = expr_any(fs, rhs->a);
        int rb = expr_any(fs, rhs->b);
        emit_abc(fs, OP_GETINDEX2, base, ra, rb);
    } else if (rhs && rhs->kind == N_RECV && n == 2) {
        int ra = expr_any(fs, rhs->a);
        emit_abc(fs, OP_RECV, base, ra, 2);
    } else {
        emit_abc(fs, OP_LOADNIL, base, n - 1, 0); /* reported by pass 1 */
    }
    free_to(fs, top);
}

/* ===================================================================== */
/* Code generation: conditions                                             */
/* ===================================================================== */

/* Jump when R[ra] == e is `when`. */
static int eq_jump(FuncState *fs, int ra, Node *e, bool when)
{
    int top = fs->freereg, imm, j;
    Value k = const_eval(fs->c, e);
    if (int_imm(k, &imm)) {
        j = cond_op(fs, OP_EQI, ra, imm + SC_BIAS, when);
    } else if (k != V_UNDEF && add_k(fs, k) <= 255) {
        j = cond_op(fs, OP_EQK, ra, add_k(fs, k), when);
    } else {
        int rb = expr_any(fs, e);
        j = cond_op(fs, OP_EQ, ra, rb, when);
    }
    free_to(fs, top);
    return j;
}

/* Jump when (a op b) is `when`. a > b is b < a and a >= b is b <= a
 * (exact, NaN included); `when` goes in C, so !(a < b) stays a LT. */
static int compare_jump(FuncState *fs, int op, Node *a, Node *b, bool when)
{
    int top = fs->freereg, imm, j;
    Value ka = const_eval(fs->c, a), kb = const_eval(fs->c, b);
    if (op == TK_EQ || op == TK_NE) {
        bool w = op == TK_EQ ? when : !when;
        if (ka != V_UNDEF && kb == V_UNDEF)
            j = eq_jump(fs, expr_any(fs, b), a, w);
        else
            j = eq_jump(fs, expr_any(fs, a), b, w);
        free_to(fs, top);
        return j;
    }
    /* op with the constant on the right; mirrored when it is on the left */
    static const OpCode right[] = {OP_LTI, OP_LEI, OP_GTI, OP_GEI};
    static const OpCode left[] = {OP_GTI, OP_GEI, OP_LTI, OP_LEI};
    int idx = op == TK_LT ? 0 : op == TK_LE ? 1 : op == TK_GT ? 2 : 3;
    if (int_imm(kb, &imm)) {
        j = cond_op(fs, right[idx], expr_any(fs, a), imm + SC_BIAS, when);
    } else if (int_imm(ka, &imm) && kb == V_UNDEF) {
        j = cond_op(fs, left[idx], expr_any(fs, b), imm + SC_BIAS, when);
    } else {
        int ra = expr_any(fs, a);
        int rb = expr_any(fs, b);
        if (idx >= 2) {
            int t = ra;
            ra = rb;
            rb = t;
        }
        j = cond_op(fs, idx == 0 || idx == 2 ? OP_LT : OP_LE, ra, rb, when);
    }
    free_to(fs, top);
    return j;
}

/* Emit code that jumps when n's truth is `when` and falls through
 * otherwise; returns the list of those jumps. */
static int cond_jump(FuncState *fs, Node *n, bool when)
{
    if (!n)
        return NO_JUMP;
    Compiler *c = fs->c;
    if (!enter(c, n))
        return NO_JUMP;
    int saveline = fs->line;
    const Node *saveat = fs->at;
    set_line(fs, n);
    int j = NO_JUMP;
    Value k = const_eval(c, n);
    if (v_is_bool(k)) {
        if ((k == V_TRUE) == when)
            j = emit_jump(fs);
        goto out;
    }
    if (n->kind == N_UNARY && n->op == TK_NOT) {
        j = cond_jump(fs, n->a, !when);
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
            int len = logic_spine(n, &sp), skip = NO_JUMP;
            for (int i = len; i >= 0; i--) {
                Node *x = i == len ? sp[len - 1]->a : sp[i]->b;
                if (when == sc)
                    jump_concat(fs, &j, cond_jump(fs, x, when));
                else if (i > 0)
                    jump_concat(fs, &skip, cond_jump(fs, x, sc));
                else
                    j = cond_jump(fs, x, when);
            }
            jump_here(fs, skip);
            goto out;
        }
        case TK_EQ:
        case TK_NE:
        case TK_LT:
        case TK_LE:
        case TK_GT:
        case TK_GE:
            j = compare_jump(fs, n->op, n->a, n->b, when);
            goto out;
        }
    }
    {
        int top = fs->freereg;
        int r = expr_any(fs, n);
        j = cond_op(fs, OP_TEST, r, 0, when);
        free_to(fs, top);
    }
out:
    fs->line = saveline;
    fs->at = saveat;
    leave(c);
    return j;
}

/* ===================================================================== */
/* Code generation: assignments                                            */
/* ===================================================================== */

typedef enum { LV_NONE, LV_VAR, LV_INDEX, LV_FIELD } LvKind;

typedef struct LValue {
    LvKind kind;
    Var *var;
    int obj, key; /* LV_INDEX: registers; LV_FIELD: obj register, key K */
} LValue;

/* Evaluate the operands of an assignment target (Go's first phase). With
 * `pin`, a plain local used as an operand is copied, because an earlier
 * target of the same statement may assign it (`i, xs[i] = 1, 2` indexes
 * with the old i). */
static LValue lvalue(FuncState *fs, Node *n, Node *stmt)
{
    LValue lv = {LV_NONE, NULL, 0, 0};
    if (!n)
        return lv;
    switch (n->kind) {
    case N_IDENT:
        lv.kind = LV_VAR;
        lv.var = node_var(fs->c, n);
        break;
    case N_INDEX:
    case N_FIELD: {
        bool pin = false;
        if (stmt && stmt->list.n > 1)
            for (int i = 0; i < stmt->list.n; i++) {
                Node *t = stmt->list.items[i];
                if (t && t->kind == N_IDENT && plain_local(fs, t))
                    pin = true;
            }
        lv.kind = n->kind == N_INDEX ? LV_INDEX : LV_FIELD;
        lv.obj = pin ? alloc_reg(fs) : -1;
        if (pin)
            expr_to(fs, n->a, lv.obj);
        else
            lv.obj = expr_any(fs, n->a);
        if (n->kind == N_FIELD) {
            lv.key = field_k(fs, n->name);
        } else if (pin) {
            lv.key = alloc_reg(fs);
            expr_to(fs, n->b, lv.key);
        } else {
            lv.key = expr_any(fs, n->b);
        }
        break;
    }
    default:
        break;
    }
    return lv;
}

static void lv_store(FuncState *fs, LValue *lv, int src)
{
    switch (lv->kind) {
    case LV_VAR:
        var_store(fs, lv->var, src);
        break;
    case LV_INDEX:
        emit_abc(fs, OP_SETINDEX, lv->obj, lv->key, src);
        break;
    case LV_FIELD:
        emit_abc(fs, OP_SETFIELD, lv->obj, lv->key, src);
        break;
    default:
        break;
    }
}

static void lv_load(FuncState *fs, LValue *lv, int dst)
{
    switch (lv->kind) {
    case LV_VAR:
        var_load(fs, lv->var, dst);
        break;
    case LV_INDEX:
        emit_abc(fs, OP_GETINDEX, dst, lv->obj, lv->key);
        break;
    case LV_FIELD:
        emit_abc(fs, OP_GETFIELD, dst, lv->obj, lv->key);
        break;
    default:
        break;
    }
}

static void zero_to(FuncState *fs, TypeRef t, int dst);

/* All results of `call` into a new list R[l] (l the topmost register),
 * which must then hold `want` of them: else the panic a call with that
 * many results wanted gives (the VM's message, the count formatted at run
 * time). */
static void call_results(FuncState *fs, Node *call, int l, int want)
{
    emit_abc(fs, OP_NEWLIST, l, l + 1, 0);
    call_top(fs, call, alloc_reg(fs), -1, OP_CALL);
    emit_abc(fs, OP_APPENDN, l, 0, 0);
    free_to(fs, l + 1);
    Runtime *rt = fs->c->rt;
    Value panic, fmt, sprintf;
    if (!rt || !rt->universe || !map_get_cstr(rt->universe, "panic", &panic) ||
        !map_get_cstr(rt->universe, "fmt", &fmt) || !v_is_obj(fmt, OBJ_MODULE) ||
        !((ObjModule *)v_obj(fmt))->members ||
        !map_get_cstr(((ObjModule *)v_obj(fmt))->members, "Sprintf", &sprintf))
        return; /* no check: a missing value's index panics */
    int t = alloc_regs(fs, 6);
    emit_abc(fs, OP_LEN, t + 5, l, 0);
    load_const(fs, v_make_int(want), t + 3);
    int ok = cond_op(fs, OP_EQ, t + 5, t + 3, 1);
    load_const(fs, panic, t);
    load_const(fs, sprintf, t + 1);
    load_const(fs, v_from_ptr(str_cstr(err_formats[E_TOO_FEW_VALUES])), t + 2);
    load_const(fs, v_from_ptr(str_printf("%s()", describe(call->a))), t + 4);
    emit_abc(fs, OP_CALL, t + 1, 5, 2);
    emit_abc(fs, OP_CALL, t, 2, 1);
    jump_here(fs, ok);
    free_to(fs, t);
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
        lo = alloc_reg(fs);
        list_build(fs, ops, nops, lo);
    }
    if (nr == nl) {
        lv = alloc_reg(fs);
        list_build(fs, n->list2.items, nr, lv);
    } else if (nr == 1) {
        lv = alloc_reg(fs);
        call_results(fs, n->list2.items[0], lv, nl);
    }
    set_line(fs, n);
    for (int i = 0; i < nl; i++) {
        Node *t = n->list.items[i];
        int mark = fs->freereg;
        Var *v = t && t->kind == N_IDENT ? node_var(c, t) : NULL;
        if (!t ||
            (t->kind == N_IDENT && (!v || v->kind == VK_BLANK || v->kind == VK_BAD || v->cval != V_UNDEF)))
            continue; /* `_`, a folded constant, or reported by pass 1 */
        Var *pl = plain_local(fs, t);
        int r = pl ? pl->reg : alloc_reg(fs);
        if (lv >= 0)
            load_item(fs, lv, i, r);
        else
            zero_to(fs, n->type, r);
        if (t->kind == N_IDENT) {
            if (!pl)
                var_store(fs, v, r);
        } else if (t->kind == N_INDEX || t->kind == N_FIELD) {
            int o = alloc_reg(fs);
            load_item(fs, lo, opat[i], o);
            if (t->kind == N_FIELD) {
                emit_abc(fs, OP_SETFIELD, o, field_k(fs, t->name), r);
            } else {
                int k = alloc_reg(fs);
                load_item(fs, lo, opat[i] + 1, k);
                emit_abc(fs, OP_SETINDEX, o, k, r);
            }
        }
        free_to(fs, mark);
    }
    free_to(fs, top);
}

static void assign_stmt(FuncState *fs, Node *n)
{
    int top = fs->freereg, nl = n->list.n, nr = n->list2.n;
    if (nl == 1 && nr == 1) {
        Node *lhs = n->list.items[0], *rhs = n->list2.items[0];
        Var *v = plain_local(fs, lhs);
        if (v) {
            expr_to(fs, rhs, v->reg); /* straight into the local */
        } else {
            LValue lv = lvalue(fs, lhs, NULL);
            if (lv.kind == LV_VAR && lv.var && lv.var->kind == VK_BLANK)
                expr_any(fs, rhs); /* _ = e: evaluated, discarded */
            else
                lv_store(fs, &lv, expr_any(fs, rhs));
        }
        free_to(fs, top);
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
            expr_to(fs, n->list2.items[i], alloc_reg(fs));
    } else {
        multi_to(fs, n->list2.items[0], base, nl);
    }
    set_line(fs, n);
    for (int i = 0; i < nl; i++)
        lv_store(fs, &lvs[i], base + i);
    free_to(fs, top);
}

static void compound_stmt(FuncState *fs, Node *lhs, int tok, Node *rhs, int imm)
{
    int top = fs->freereg;
    Var *v = plain_local(fs, lhs);
    LValue lv;
    int t;
    if (v) {
        t = v->reg;
    } else {
        lv = lvalue(fs, lhs, NULL);
        t = alloc_reg(fs);
        lv_load(fs, &lv, t);
    }
    /* A map entry that is missing reads as nil; Go's `m[k]++` and
     * `m[k] += v` start from the zero value instead. */
    bool entry = !v && (lv.kind == LV_INDEX || lv.kind == LV_FIELD);
    if (rhs && entry) {
        int rb = expr_any(fs, rhs);
        emit_abc(fs, OP_NILZERO, t, rb, 0);
        emit_abc(fs, arith_op(tok), t, t, rb);
    } else if (rhs) {
        arith_rr(fs, t, tok, t, rhs);
    } else {
        if (entry)
            emit_abc(fs, OP_NILZERO, t, 0, 1);
        emit_abc(fs, OP_ADDI, t, t, imm + SC_BIAS); /* x++ / x-- */
    }
    if (!v)
        lv_store(fs, &lv, t);
    free_to(fs, top);
}

/* ===================================================================== */
/* Code generation: declarations                                           */
/* ===================================================================== */

static bool type_is(TypeRef t, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(t, *names) == 0)
            return true;
    return false;
}

/* The zero value of a `var x T` into dst. */
static void zero_to(FuncState *fs, TypeRef t, int dst)
{
    static const char *const ints[] = {"int",    "int8",   "int16",  "int32",   "int64", "uint", "uint8",
                                       "uint16", "uint32", "uint64", "uintptr", "byte",  "rune", NULL};
    static const char *const floats[] = {"float32", "float64", NULL};
    if (!t || !*t) {
        emit_abc(fs, OP_LOADNIL, dst, 0, 0);
    } else if (type_is(t, ints)) {
        load_const(fs, v_make_int(0), dst);
    } else if (type_is(t, floats)) {
        load_const(fs, v_make_float(0.0), dst);
    } else if (strcmp(t, "string") == 0) {
        load_const(fs, v_from_ptr(str_new("", 0)), dst);
    } else if (strcmp(t, "bool") == 0) {
        load_const(fs, V_FALSE, dst);
    } else if (t[0] == '[' && t[1] >= '0' && t[1] <= '9') {
        /* [N]T, Go's array: a list of N zero values of T, from make("[]T", N) */
        char *end;
        long long n = strtoll(t + 1, &end, 10);
        Runtime *rt = fs->c->rt;
        Value mk;
        if (*end != ']' || n < 0 || !rt || !rt->universe || !map_get_cstr(rt->universe, "make", &mk)) {
            emit_abc(fs, OP_LOADNIL, dst, 0, 0);
            return;
        }
        int top = fs->freereg;
        int base = alloc_reg(fs);
        alloc_reg(fs);
        alloc_reg(fs);
        load_const(fs, mk, base);
        load_const(fs, v_from_ptr(str_printf("[]%s", end + 1)), base + 1);
        load_const(fs, v_make_int(n), base + 2);
        emit_abc(fs, OP_CALL, base, 3, 2);
        emit_abc(fs, OP_MOVE, dst, base, 0);
        free_to(fs, top);
    } else if (strchr(t, '.')) {
        /* sync.Mutex and friends: call the module's constructor */
        const char *dot = strchr(t, '.');
        char pkg[64];
        size_t n = (size_t)(dot - t);
        Value mv = V_UNDEF;
        Runtime *rt = fs->c->rt;
        if (n < sizeof pkg) {
            memcpy(pkg, t, n);
            pkg[n] = 0;
            Value m;
            if (rt && rt->universe && map_get_cstr(rt->universe, pkg, &m) && v_is_obj(m, OBJ_MODULE) &&
                ((ObjModule *)v_obj(m))->members)
                if (!map_get_cstr(((ObjModule *)v_obj(m))->members, dot + 1, &mv))
                    mv = V_UNDEF;
        }
        if (mv == V_UNDEF) {
            emit_abc(fs, OP_LOADNIL, dst, 0, 0); /* reported by pass 1 */
            return;
        }
        int top = fs->freereg;
        int base = dst == fs->freereg - 1 && !fs->islocal[dst] ? dst : alloc_reg(fs);
        load_const(fs, mv, base);
        emit_abc(fs, OP_CALL, base, 1, 2);
        if (base != dst)
            emit_abc(fs, OP_MOVE, dst, base, 0);
        free_to(fs, top);
    } else {
        emit_abc(fs, OP_LOADNIL, dst, 0, 0); /* slices, maps, funcs, ... */
    }
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
            Var *v = node_var(c, n->list.items[i]);
            if (v && v->cval == V_UNDEF && v->kind != VK_BLANK)
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
        Var *v = node_var(c, id);
        if (v && v->kind == VK_LOCAL && v->decl == id && v->cval == V_UNDEF) {
            newlocal = true;
            if (base + i >= MAX_LOCALS) {
                limit_error(fs, LIM_LOCALS, id);
                return;
            }
        }
    }
    if (!newlocal && (nl > MULTI_MAX || base + 2 * nl > MAX_LOCALS)) {
        assign_many(fs, n, true);
        return;
    }
    if (nr == 0) {
        for (int i = 0; i < nl; i++)
            zero_to(fs, n->type, alloc_reg(fs));
    } else if (nr == nl) {
        for (int i = 0; i < nr; i++)
            expr_to(fs, n->list2.items[i], alloc_reg(fs));
    } else if (nr == 1 && n->kind != N_CONST) {
        multi_to(fs, n->list2.items[0], base, nl);
    } else {
        return; /* reported by pass 1 */
    }
    set_line(fs, n);
    int newtop = base;
    for (int i = 0; i < nl; i++) {
        Node *id = n->list.items[i];
        Var *v = node_var(c, id);
        if (!v || v->kind == VK_BLANK)
            continue;
        if (v->kind == VK_GLOBAL) {
            if (v->cval == V_UNDEF)
                emit_abx(fs, OP_SETGLOBAL, base + i, v->slot);
        } else if (v->decl == id && v->cval == V_UNDEF) {
            var_declare(fs, v, base + i);
            newtop = base + i + 1;
        } else if (v->cval == V_UNDEF) {
            var_store(fs, v, base + i);
        }
    }
    /* registers after the last new local were only carriers */
    fs->freereg = newtop;
}

/* ===================================================================== */
/* Code generation: statements                                             */
/* ===================================================================== */

static void stmt(FuncState *fs, Node *n, const char *label);

static void block(FuncState *fs, Node *n)
{
    if (!n)
        return;
    int top = fs->freereg;
    if (n->kind == N_BLOCK)
        for (int i = 0; i < n->list.n; i++)
            stmt(fs, n->list.items[i], NULL);
    else
        stmt(fs, n, NULL);
    free_to(fs, top);
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
        set_line(fs, s);
        stmt(fs, s->init, NULL);
        Value k = const_eval(fs->c, s->a);
        Node *els = s->els;
        Node *next = els && els->kind == N_IF && !els->label ? els : NULL;
        if (v_is_bool(k)) {
            /* `if debug {` with a const debug: only the branch that runs */
            set_line(fs, s);
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
                jump_concat(fs, list, cond_jump(fs, s->a, true));
                break;
            }
        }
        int f = cond_jump(fs, s->a, false);
        block(fs, s->body);
        if (els)
            jump_concat(fs, &ends, emit_jump(fs));
        jump_here(fs, f);
        if (!next)
            block(fs, els);
        s = next;
    }
    jump_here(fs, ends);
    free_to(fs, top);
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
    Value ka = const_eval(fs->c, cond->a), kb = const_eval(fs->c, cond->b);
    if ((ka == V_UNDEF) == (kb == V_UNDEF))
        return; /* no constant side, or nothing to compare at run time */
    Node *side = ka != V_UNDEF ? cond->a : cond->b;
    Value k = ka != V_UNDEF ? ka : kb;
    int imm;
    if (!is_foldable(k) || int_imm(k, &imm))
        return;
    int r = alloc_reg(fs);
    load_const(fs, k, r);
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
    stmt(fs, n->init, NULL);
    Breakable b;
    brk_push(fs, &b, BK_LOOP, label);
    Value k = const_eval(c, n->a);
    bool forever = !n->a || k == V_TRUE;
    int npins = fs->npins;
    if (!forever)
        pin_bound(fs, n->a);
    int jtest = forever ? NO_JUMP : emit_jump(fs);
    int body = fs->ncode;
    block(fs, n->body);
    jump_here(fs, b.conts);
    /* Go 1.22: each iteration has its own loop variables. A captured one
     * gets a new cell holding the current value before post runs, so a
     * closure made in this iteration keeps this iteration's cell. */
    if (n->init && n->init->kind == N_DEFINE) {
        set_line(fs, n);
        for (int i = 0; i < n->init->list.n; i++) {
            Node *id = n->init->list.items[i];
            Var *v = node_var(c, id);
            if (v && v->kind == VK_LOCAL && v->decl == id && v->captured && v->reg >= 0) {
                int t = alloc_reg(fs);
                emit_abc(fs, OP_GETCELL, t, v->reg, 0);
                emit_abc(fs, OP_NEWCELL, v->reg, t, 0);
                free_to(fs, t);
            }
        }
    }
    stmt(fs, n->post, NULL);
    set_line(fs, n);
    if (forever) {
        jump_set(fs, emit_jump(fs), body);
    } else {
        jump_here(fs, jtest);
        jump_patch(fs, cond_jump(fs, n->a, true), body);
    }
    jump_here(fs, b.breaks);
    fs->brk = b.prev;
    fs->npins = npins;
    free_to(fs, top);
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
    int r = alloc_reg(fs);
    mark_local(fs, v, r);
    emit_abc(fs, v->captured ? OP_NEWCELL : OP_MOVE, r, src, 0);
}

/* Assign (=) or bind (:=) the targets ts[0..nt-1] from R[src...]. */
static void take_values(FuncState *fs, Node **ts, int nt, bool define, int src)
{
    for (int i = 0; i < nt; i++) {
        Node *t = ts[i];
        if (!t)
            continue;
        Var *v = node_var(fs->c, t);
        if (define) {
            bind_value(fs, v, src + i);
        } else if (!(t->kind == N_IDENT && v && v->kind == VK_BLANK)) {
            int top = fs->freereg;
            LValue lv = lvalue(fs, t, NULL);
            lv_store(fs, &lv, src + i);
            free_to(fs, top);
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
    int a = alloc_regs(fs, 4);
    expr_to(fs, n->a, a);
    set_line(fs, n);
    emit_abc(fs, OP_RANGEPREP, a, 0, 0);
    int jprep = emit_jump(fs);
    Breakable b;
    brk_push(fs, &b, BK_LOOP, label);
    int body = fs->ncode;
    int inner = fs->freereg;
    Node *ts[2] = {n->key, n->val};
    take_values(fs, ts, 2, n->define, a + 2);
    block(fs, n->body);
    free_to(fs, inner);
    jump_here(fs, b.conts);
    jump_here(fs, jprep);
    set_line(fs, n);
    emit_abc(fs, OP_RANGE, a, 0, n->val ? 2 : n->key ? 1 : 0);
    jump_set(fs, emit_jump(fs), body);
    jump_here(fs, b.breaks);
    fs->brk = b.prev;
    free_to(fs, top);
}

/* switch: the tag once, then the tests of every case in order, each
 * jumping to its body; the bodies follow in source order. */
static void switch_stmt(FuncState *fs, Node *n, const char *label)
{
    int top = fs->freereg;
    stmt(fs, n->init, NULL);
    set_line(fs, n);
    int tag = n->a ? expr_any(fs, n->a) : -1;
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
            set_line(fs, e);
            jump_concat(fs, &to[i], tag >= 0 ? eq_jump(fs, tag, e, true) : cond_jump(fs, e, true));
        }
    }
    int nomatch = emit_jump(fs);
    int ends = NO_JUMP, last = -1;
    for (int i = 0; i < ncl; i++)
        if (n->list.items[i] && n->list.items[i]->kind == N_CASE)
            last = i;
    for (int i = 0; i < ncl; i++) {
        Node *cl = n->list.items[i];
        if (!cl || cl->kind != N_CASE)
            continue;
        jump_here(fs, i == def ? nomatch : to[i]);
        block(fs, cl->body);
        if (i != last)
            jump_concat(fs, &ends, emit_jump(fs));
    }
    if (def < 0)
        jump_concat(fs, &ends, nomatch);
    jump_here(fs, ends);
    jump_here(fs, b.breaks);
    fs->brk = b.prev;
    free_to(fs, top);
}

/* select: R[a] case chosen, R[a+1] value received, R[a+2] ok; above them
 * each case's channel (and the value to send). Then a chain of EQI on
 * R[a] to the bodies. */
static void select_stmt(FuncState *fs, Node *n, const char *label)
{
    int top = fs->freereg;
    set_line(fs, n);
    int a = alloc_regs(fs, 3);
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
            chan[i] = alloc_reg(fs);
            expr_to(fs, cm->a, chan[i]);
            expr_to(fs, cm->b, alloc_reg(fs));
        } else {
            chan[i] = expr_any(fs, cm->a);
        }
        caseno[i] = ncases++;
    }
    set_line(fs, n);
    emit_abc(fs, OP_SELECT, a, def >= 0, ncases);
    for (int i = 0; i < nc; i++)
        if (caseno[i] >= 0)
            emit_abx(fs, OP_EXTRA, n->list.items[i]->op == COMM_SEND, chan[i]);
    free_to(fs, a + 3);
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
            to[i] = cond_op(fs, OP_EQI, a, caseno[i] + SC_BIAS, 1);
        } else {
            int t = alloc_reg(fs);
            load_const(fs, v_make_int(caseno[i]), t);
            to[i] = cond_op(fs, OP_EQ, a, t, 1);
            free_to(fs, t);
        }
    }
    int ends = NO_JUMP, emitted = 0, total = ncases + (def >= 0);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nc; i++) {
            if ((pass == 0) != (i == fall) || (caseno[i] < 0 && i != def))
                continue;
            Node *cm = n->list.items[i];
            jump_here(fs, to[i]);
            int inner = fs->freereg;
            set_line(fs, cm);
            if (cm->op == COMM_RECV)
                take_values(fs, cm->list.items, cm->list.n < 2 ? cm->list.n : 2, cm->define, a + 1);
            block(fs, cm->body);
            free_to(fs, inner);
            if (++emitted < total)
                jump_concat(fs, &ends, emit_jump(fs));
        }
    jump_here(fs, ends);
    jump_here(fs, b.breaks);
    fs->brk = b.prev;
    free_to(fs, top);
}

static void return_stmt(FuncState *fs, Node *n)
{
    int top = fs->freereg, nv = n->list.n;
    if (nv == 0) {
        emit_abc(fs, OP_RETURN, 0, 1, 0);
    } else if (nv == 1 && is_multi_call(fs, n->list.items[0])) {
        /* return f(x): all of f's results */
        int base = alloc_reg(fs);
        call_top(fs, n->list.items[0], base, -1, OP_CALL);
        set_line(fs, n);
        emit_abc(fs, OP_RETURN, base, 0, 0);
    } else if (nv == 1) {
        int r = expr_any(fs, n->list.items[0]);
        set_line(fs, n);
        emit_abc(fs, OP_RETURN, r, 2, 0);
    } else if (nv <= MULTI_MAX) {
        int base = fs->freereg;
        for (int i = 0; i < nv; i++)
            expr_to(fs, n->list.items[i], alloc_reg(fs));
        set_line(fs, n);
        emit_abc(fs, OP_RETURN, base, nv + 1, 0);
    } else {
        /* many results: through a list, spread back onto the stack */
        int l = alloc_reg(fs);
        list_build(fs, n->list.items, nv, l);
        set_line(fs, n);
        emit_abc(fs, OP_UNPACK, l, l, 0);
        emit_abc(fs, OP_RETURN, l, 0, 0);
    }
    free_to(fs, top);
}

static void branch_stmt(FuncState *fs, Node *n)
{
    int *list = branch_list(fs, n);
    if (list)
        jump_concat(fs, list, emit_jump(fs));
}

static void expr_stmt(FuncState *fs, Node *e)
{
    int top = fs->freereg;
    if (e && e->kind == N_CALL) {
        call_top(fs, e, alloc_reg(fs), 0, OP_CALL);
    } else if (e && e->kind == N_RECV) {
        int r = alloc_reg(fs);
        int ch = expr_any(fs, e->a);
        set_line(fs, e);
        emit_abc(fs, OP_RECV, r, ch, 1);
    } else if (e) {
        expr_any(fs, e); /* for its panics, if any */
    }
    free_to(fs, top);
}

/* A func declared inside a function (not Go; pass 1 allows it): a local
 * bound before its body is compiled, so it can call itself. */
static void local_funcdecl(FuncState *fs, Node *n)
{
    Var *v = node_var(fs->c, n);
    if (!v || v->kind != VK_LOCAL)
        return;
    int r = alloc_reg(fs);
    const char *name = gc_sprintf("%s.%s", fs->name, n->name);
    if (v->captured) {
        emit_abc(fs, OP_LOADNIL, r, 0, 0);
        var_declare(fs, v, r);
        int t = alloc_reg(fs);
        emit_abx(fs, OP_CLOSURE, t, func_proto(fs, n->func, name, n->line, false));
        emit_abc(fs, OP_SETCELL, r, t, 0);
        free_to(fs, t);
    } else {
        mark_local(fs, v, r);
        emit_abx(fs, OP_CLOSURE, r, func_proto(fs, n->func, name, n->line, false));
    }
}

static void stmt(FuncState *fs, Node *n, const char *label)
{
    if (!n)
        return;
    Compiler *c = fs->c;
    if (!enter(c, n))
        return;
    int saveline = fs->line;
    const Node *saveat = fs->at;
    set_line(fs, n);
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
            compound_stmt(fs, n->list.items[0], compound_op(n->op), n->list2.items[0], 0);
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
        int ch = expr_any(fs, n->a);
        int v = expr_any(fs, n->b);
        set_line(fs, n);
        emit_abc(fs, OP_SEND, ch, v, 0);
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
            call_top(fs, n->a, alloc_reg(fs), 0, n->kind == N_GO ? OP_GO : OP_DEFER);
        break;
    case N_LABELED:
        stmt(fs, n->body, n->name);
        declares = true; /* a labeled declaration keeps its registers */
        break;
    case N_FUNCDECL:
        /* top-level ones were hoisted by gen_main */
        if (node_var(c, n) && node_var(c, n)->kind == VK_LOCAL)
            local_funcdecl(fs, n);
        declares = true;
        break;
    default:
        if (is_expr_kind(n->kind))
            expr_stmt(fs, n);
        break;
    }
    if (!declares)
        free_to(fs, top);
    fs->line = saveline;
    fs->at = saveat;
    leave(c);
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
            str_k(fs, res->fields[i]);
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
            if (dest > 0 && is_test(INS_OP(fs->code[dest - 1])))
                break;
            int next = dest + 1 + INS_sJ(fs->code[dest]);
            if (next == dest)
                break;
            dest = next;
        }
        if (dest >= 0 && dest < fs->ncode && dest != pc + 1 + INS_sJ(fs->code[pc]))
            jump_set(fs, pc, dest);
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
    p->maxregs = (uint8_t)(fs->maxregs < fs->nparams ? fs->nparams : fs->maxregs);
    p->cellparams = fs->cellparams;
    p->name = str_cstr(fs->name);
    p->file = str_cstr(fs->c->file);
    p->line = line;
    return p;
}

static void end_with_return(FuncState *fs, int line)
{
    if (line > 0)
        fs->line = line;
    emit_abc(fs, OP_RETURN, 0, 1, 0);
}

/* Compile a function; returns its index among fs's nested protos. */
static int func_proto(FuncState *fs, FuncInfo *fi, const char *name, int line, bool is_lit)
{
    Compiler *c = fs->c;
    uint64_t w;
    if (!fi || !pm_get(&c->nodes, fi, &w)) {
        internal(fs, "function not resolved");
        return 0;
    }
    FuncState *f = mem_alloc(sizeof *f); /* big: keep it off the C stack */
    fs_open(f, c, fs, (FuncRes *)(uintptr_t)w, name, line);
    f->is_lit = is_lit;
    f->nparams = fi->params.n < MAXREGS ? fi->params.n : MAXREGS - 1;
    f->variadic = fi->variadic;
    alloc_regs(f, f->nparams);
    for (int i = 0; i < f->nparams; i++) {
        Var *v = node_var(c, fi->params.items[i]);
        if (!v || v->kind != VK_LOCAL)
            continue;
        mark_local(f, v, i);
        if (v->captured) {
            if (i < 64)
                f->cellparams |= (uint64_t)1 << i;
            else
                emit_abc(f, OP_NEWCELL, i, i, 0);
        }
    }
    if (fi->body && fi->body->kind == N_BLOCK)
        for (int i = 0; i < fi->body->list.n; i++)
            stmt(f, fi->body->list.items[i], NULL);
    else
        stmt(f, fi->body, NULL);
    end_with_return(f, fi->end_line);
    ObjProto *p = fs_close(f, line);
    if (fs->nprotos > MAX_KBX) {
        limit_error(fs, LIM_PROTOS, NULL);
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

static ObjProto *gen_main(Compiler *c, Node *file)
{
    FuncState *fs = mem_alloc(sizeof *fs);
    fs_open(fs, c, NULL, c->mainres, "main", 1);
    NodeList *top = &file->list;
    /* Hoisting: every top-level func and folded const is in its global
     * before the first statement runs. */
    for (int i = 0; i < top->n; i++) {
        Node *s = unlabel(top->items[i]);
        if (!s)
            continue;
        set_line(fs, s);
        if (s->kind == N_FUNCDECL && s->func) {
            Var *v = node_var(c, s);
            if (!v || v->kind != VK_GLOBAL)
                continue;
            int r = alloc_reg(fs);
            emit_abx(fs, OP_CLOSURE, r,
                     func_proto(fs, s->func, gc_sprintf("main.%s", s->name), s->line, false));
            emit_abx(fs, OP_SETGLOBAL, r, v->slot);
            free_to(fs, r);
        } else if (s->kind == N_CONST) {
            for (int j = 0; j < s->list.n; j++) {
                Var *v = node_var(c, s->list.items[j]);
                if (!v || v->kind != VK_GLOBAL || v->cval == V_UNDEF)
                    continue;
                int r = alloc_reg(fs);
                load_const(fs, v->cval, r);
                emit_abx(fs, OP_SETGLOBAL, r, v->slot);
                free_to(fs, r);
            }
        }
    }
    int last = top->n - 1;
    for (int i = 0; i < top->n; i++) {
        Node *s = top->items[i];
        if (!s)
            continue;
        Node *u = unlabel(s);
        if (u && u->kind == N_FUNCDECL)
            continue;
        if (c->repl && i == last && s->kind == N_EXPRSTMT && s->a) {
            /* the REPL prints the value of a final expression */
            set_line(fs, s);
            int base = alloc_reg(fs);
            if (is_multi_call(fs, s->a)) {
                call_top(fs, s->a, base, -1, OP_CALL);
                emit_abc(fs, OP_RETURN, base, 0, 0);
            } else {
                expr_to(fs, s->a, base);
                emit_abc(fs, OP_RETURN, base, 2, 0);
            }
            free_to(fs, base);
            continue;
        }
        stmt(fs, s, NULL);
    }
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
    res_file(c, file);
    if (d->nerrors > nerr)
        return NULL;
    /* Pass 1 bounded the tree's depth; code generation walks some levels
     * twice (const_eval below expr_to), so it gets headroom, not a new
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
