/* compile_int.h — what the compiler's files share (cg_, internal).
 *
 * The compiler is split as Lua's is: this header holds the shared state
 * (Compiler for the whole file, Var for a name, FuncRes for pass 1's view
 * of a function, FuncState for a function being generated), the limits
 * and their messages, and the functions one file offers the others;
 * compile.c's opening comment lists which file owns what. Helpers only
 * one file uses stay static there. The public API is compile.h.
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
 * by the construct that allocated them. cg_expr_to(n, dst) computes n into dst;
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
#ifndef CSP_COMPILE_INT_H
#define CSP_COMPILE_INT_H

#include "../vm/opcodes.h"
#include "../vm/race.h"
#include "../vm/types.h"
#include "../vm/vm.h"
#include "ast.h"
#include "compile.h"
#include "diag.h"

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

/* Indexed by Limit: the message and the number it names. */
extern const char *const limit_fmt[];
extern const int limit_n[];

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
    bool addressed;     /* its address is taken (&x): it lives in a cell
                           (captured is set too), and storing a struct or
                           array into it copies into the object pointers
                           to it see */
    int reg;            /* VK_LOCAL: set by code generation; -1 before */
    int slot;           /* VK_GLOBAL */
    Value cval;         /* the value, when it is a compile-time constant (a
                           folded const, a universe value); V_UNDEF otherwise */
    Node *cexpr;        /* a top-level const's expression, folded on demand */
    int cstate;         /* 0 not folded yet, 1 folding (cycle guard), 2 done */
    bool tparam;        /* a generic function's type parameter: a local
                           holding its type argument's descriptor */
    ObjType *tdecl;     /* a type name: its descriptor (kind VK_UNIVERSE,
                           cval the descriptor too); NULL otherwise */
    ObjType *sty;       /* what pass 1 knows of the variable's type (its
                           declared type, or its initial value's), or NULL:
                           a hint for field and method caches, which the VM
                           checks on every use */
    Node *uexpr;        /* a constant declared without a type: its
                           expression, which compile_exact.c computes
                           exactly */
    struct Var *shadow; /* pass 1: the binding this one hides */
    int depth;          /* pass 1: scope depth of the declaration */

    /* Its declared type when stores into it convert (a basic type:
     * compile_types.c), else NULL. */
    const ObjType *type;
} Var;

/* What pass 1 learned about one function. */
struct FuncRes {
    FuncRes *parent;
    NodeList *results;   /* the named results' IDENTs, or NULL */
    const char **fields; /* distinct field names, first MAX_KFIELD only */
    int nfields;
    const ObjType **rtypes; /* each result's type when returns convert to it
                               (a basic or declared type), else NULL */
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
    PtrMap exact; /* expression node -> its exact value (compile_exact.c) */
    /* A node whose type text names type parameters of an enclosing generic
     * function (`var z T`, make([]T, n), x.(T)) -> a NodeList of IDENTs,
     * one per distinct parameter named, resolved like any use of it: the
     * type is built when the code runs, from their values. */
    PtrMap tmentions;
    PtrMap types; /* a node carrying a type (VAR, TYPEEXPR, COMPOSITE, a
                     typed LIST or MAP, a parameter) -> its ObjType; a
                     method's FuncInfo -> the ObjClosure its type holds,
                     and that closure -> the FuncInfo, whose result_types
                     -> its first result's ObjType (method_result) */
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

/* ===================================================================== */
/* Code generation: the state of one function                            */
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
    /* The race detector (compiled with it on, race.h): each instruction's
     * site (0: not checked), and what the next instruction that touches
     * memory names, set by cg_race_mark just before it is emitted. */
    uint32_t *race_sites;
    int race_kind;
    const char *race_name;
    Breakable *brk;
    uint64_t cellparams;
    int nparams;
    bool variadic;
    const ObjType *vtype; /* xs ...T with T declared: []T (ObjProto.vtype) */
    Var **named;          /* the named results' variables (nnamed of them), which
                           * every return sets and returns */
    int nnamed;
    bool limited; /* a limit error was reported: report no more */

    /* The results' declared types (nrtypes of them), NULL when none
     * converts (compile_types.c). */
    const ObjType **rtypes;
    int nrtypes;
    /* Constant operands of loop conditions, loaded once before the loop
     * (see for_stmt): expr_any finds them here. */
    Node *pin_node[8];
    int pin_reg[8];
    int npins;
    uint8_t islocal[MAXREGS + 1]; /* register holds a live local */
    /* Inline caches the compiler fills (a field of a struct type it
     * knows): pc and cache word, put in ObjProto.ic when it closes. */
    int *icpc;
    uint64_t *icword;
    int nic, capic;
    const Node *copy_index;       /* the INDEX node cg_value_to is reading:
                                     GETINDEXC instead of GETINDEX */
    /* The labels goto statements name (compile_stmt.c): each one's pc once
     * compiled (-1 before) and the forward gotos waiting for it. */
    struct GotoLabel *glabels;
    int nglabels, capglabels;
} FuncState;

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

#define SPINE_MIN 16 /* chains longer than this are walked iteratively */

/* ===================================================================== */
/* What each file offers the others                                      */
/* ===================================================================== */

/* compile.c: tables, messages, recursion guards, operators, functions. */
void cg_pm_put(PtrMap *m, const void *k, uint64_t v);
bool cg_pm_get(const PtrMap *m, const void *k, uint64_t *v);
/* The slot for name: the innermost Var bound to it, or NULL to fill in.
 * It keeps name itself as the key, so name must outlive the table. */
struct Var **cg_nt_slot(NameTab *t, const char *name);
/* The innermost Var bound to name, or NULL; adds nothing (name may be a
 * scratch buffer). */
struct Var *cg_nt_get(const NameTab *t, const char *name);
/* A compile error at a node (or line 0 with NULL), to the Diag. */
void cg_err(Compiler *c, const Node *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *cg_gc_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The Var pass 1 bound to an IDENT, FIELD or FUNCDECL node, or NULL. */
Var *cg_node_var(Compiler *c, const Node *n);
bool cg_is_blank(const char *s);
/* Around every recursion on the tree: cg_enter says false (after reporting
 * LIM_NEST once) when the nesting or the C stack is too deep. */
bool cg_enter(Compiler *c, const Node *n);
void cg_leave(Compiler *c);
/* Short source-like text of an expression, for messages. */
const char *cg_describe(const Node *n);
/* ARITH_OPS read three ways: is tok one, its register opcode, and the
 * operator of a compound assignment token (0 if it is none). */
bool cg_is_arith_op(int tok);
OpCode cg_arith_op(int tok);
int cg_compound_op(int tok);
bool cg_is_logic_op(int tok);
/* The left spine of a chain of arithmetic (or of one logical) operator,
 * for walking long chains with a loop; returns its length. */
int cg_arith_spine(Node *n, Node ***out);
int cg_logic_spine(Node *n, Node ***out);
/* Compile a function into a proto nested in fs; returns its index there. */
int cg_func_proto(FuncState *fs, FuncInfo *fi, const char *name, int line, bool is_lit);

/* compile_fold.c: the compile-time value of an expression, or V_UNDEF. */
Value cg_const_eval(Compiler *c, Node *n);
/* Fold a top-level const's expression into v->cval, on first use. */
void cg_fold_global_const(Compiler *c, Var *v);
/* A constant arithmetic and comparisons take as an operand. */
bool cg_is_foldable(Value v);
bool cg_is_number(Value v);

/* compile_exact.c: untyped constants, exactly.
 *   cg_exact: the exact value of n when it is an untyped numeric constant
 *     expression (`1 << 100`, `1e300 * 1e300`, `1 + 2i`), else NULL;
 *   cg_exact_default: that value as its default type (int, float64,
 *     complex128), V_UNDEF when it does not fit;
 *   cg_exact_check: false, after reporting Go's "overflows" error, when n
 *     is such a constant that does not fit its default type;
 *   cg_exact_to_type: n's exact value converted to the basic type ty into
 *     *out (1); 0, *out untouched, when n is no exact constant, ty is not
 *     a number type, or the value is within int64 or float64 but does not
 *     fit ty (the caller goes on as before: vm/types.c's store rules say
 *     so); -1 after reporting that it is past every value of ty, "in
 *     where" (a store) or in a conversion (where NULL). */
typedef struct Exact Exact;
const Exact *cg_exact(Compiler *c, Node *n);
/* A comparison of two such constants (n a BINARY): 1 or 0, -1 when n is
 * none. */
int cg_exact_compare(Compiler *c, Node *n);
Value cg_exact_default(const Exact *x);
bool cg_exact_check(Compiler *c, Node *n);
/* The same where n is stored or passed ("assignment", "argument to
 * fmt.Println"), in Go's words for that: "cannot use Huge (untyped int
 * constant ...) as int value in assignment (overflows)". */
bool cg_exact_check_in(Compiler *c, Node *n, const char *where);
/* A rune constant ('x', 'a' + 1) passed to fmt's functions, whose
 * parameters are Go's interfaces: the int32 value Go passes (%T says
 * int32), V_UNDEF for any other argument. */
Value cg_exact_rune_arg(Compiler *c, Node *n);
/* A binary operator with an operand that is such a constant past its
 * default type and another whose basic type is known and holds it (`h ==
 * 1<<63` with h a uint64, `float64(n) * (1 << 80)`): the constant takes
 * that type, as Go converts it, and cg_const_eval gives that from then
 * on. */
void cg_exact_operands(Compiler *c, Node *n);
/* The same for k stored or combined where the type ty is known (x op= k
 * with x a uint64, m[k] of a map[uint64]V): k takes ty when it holds k. */
void cg_exact_as(Compiler *c, Node *k, const ObjType *ty);
/* Report Go's error for untyped constant n stored where (an "argument to
 * f") into a place of type ty that cannot hold it: "cannot use 200
 * (untyped int constant) as int8 value in argument to g (overflows)".
 * False, reporting nothing, when n is no untyped constant. */
bool cg_exact_report_store(Compiler *c, Node *n, const ObjType *ty, const char *where);
/* A constant key of an index into a map gets the map's key type (m[1<<63]
 * of a map[uint64]V is the uint64, not an overflowing int). */
void cg_exact_map_key(Compiler *c, Node *n);
/* The basic or static type of an expression, as those two use it. */
const ObjType *cg_exact_type_of(Compiler *c, Node *other);
int cg_exact_to_type(Compiler *c, Node *n, const ObjType *ty, Value *out, const char *where);

/* compile_goto.c: Go's rules for the gotos and labels of one function
 * body (pass 1): undefined or repeated labels, jumps into blocks and
 * forward over variable declarations are errors. */
void cg_check_gotos(Compiler *c, Node *body);

/* compile_resolve.c: pass 1 over the whole file (hoisting included). */
void cg_res_file(Compiler *c, Node *file);
bool cg_is_expr_kind(NodeKind k);
/* The statement a label is attached to (s itself if it has none). */
Node *cg_unlabel(Node *s);
/* compile_resolve.c: types. The descriptor of the type a node carries
 * (pass 1 resolved the script's type names in it), or NULL when it has
 * none; what is known of an expression's type, or NULL; the struct type
 * of a struct value or of a pointer to one, or NULL. */
ObjType *cg_node_type(Compiler *c, const Node *n);
ObjType *cg_static_type(Compiler *c, Node *n);
/* A function's Go type, which its values carry (ObjProto.type), or NULL
 * (a method, a generic function, a literal written with type
 * parameters). */
ObjType *cg_func_type(Compiler *c, FuncInfo *fi);
/* x.M where x is a local of a declared non-struct type and M has a
 * pointer receiver: the call passes &x (pass 1 puts x in a cell). */
bool cg_recv_by_ref(Compiler *c, const Node *sel);
ObjType *cg_struct_of(ObjType *t);
/* The type a name denotes where n is (an IDENT naming a declared type), or
 * NULL. */
ObjType *cg_type_name(Compiler *c, const Node *n);
/* x.name where x's static type is a declared non-struct type with that
 * method (its values carry no type, so the call is bound here): the
 * method's selection into *sel. */
bool cg_named_method(Compiler *c, Node *x, const char *name, Selection *sel);

/* compile_stmt.c: a return of a function's named results as they are. */
void cg_return_named(FuncState *fs);
/* The `fallthrough` ending a switch clause's body, or NULL. */
Node *cg_clause_fallthrough(const Node *cl);
/* Whether s is a `func init()` declaration (at the top level, Go's init
 * functions: they bind no name and run before main). */
bool cg_is_init(const Node *s);

/* compile_emit.c: errors of code generation. */
void cg_limit_error(FuncState *fs, Limit lim, const Node *at);
void cg_internal(FuncState *fs, const char *what);
/* Instructions, at the line cg_set_line last set; they return their pc. */
int cg_emit_abc(FuncState *fs, OpCode op, int a, int b, int c);
int cg_emit_abx(FuncState *fs, OpCode op, int a, int bx);
/* The race detector: the next instruction that touches memory (a
 * variable's, an element's, a field's, *p's) is checked, and its report
 * names it as kind (race.h's RaceKind) with name, or with node's text. */
void cg_race_mark(FuncState *fs, int kind, const char *name, const Node *node);
void cg_set_line(FuncState *fs, const Node *n);
/* Registers: n new temporaries at freereg (the first returned), release
 * down to top, and a local's register from its declaration on. */
int cg_alloc_regs(FuncState *fs, int n);
int cg_alloc_reg(FuncState *fs);
void cg_free_to(FuncState *fs, int top);
void cg_mark_local(FuncState *fs, Var *v, int reg);
/* Constants: K indexes (a field name's fits an 8-bit operand, a string's a
 * 16-bit one), sB/sC immediates, and loading any constant into dst. */
int cg_add_k(FuncState *fs, Value v);
int cg_str_k(FuncState *fs, const char *s);
int cg_field_k(FuncState *fs, const char *name);
bool cg_int_imm(Value v, int *out);
void cg_load_const(FuncState *fs, Value v, int dst);
/* Type switches and assertions (compile_expr.c). A SWITCH whose tag is
 * the guard x.(type); the text of a type written as an expression (a
 * case of a type switch: `int`, `sync.Mutex`, `*Point`, `[]int`), or NULL
 * if e is not a type; the descriptor of a type's text into R[dst]. */
bool cg_is_type_switch(const Node *sw);
const char *cg_type_text(const Node *e);
void cg_load_type(FuncState *fs, const Node *at, const char *text, int dst);
/* Generic functions (compile_expr.c). Is v a generic function's name? Is
 * n (an INDEX) the instantiation of one with type arguments? */
bool cg_is_generic_var(Compiler *c, const Var *v);
bool cg_is_instantiation(FuncState *fs, const Node *n);
/* R[dst] = the list of descriptors of an instantiation's type arguments. */
void cg_type_args(FuncState *fs, const Node *inst, int dst);
/* Jumps and jump lists (NO_JUMP is the empty list). */
int cg_emit_jump(FuncState *fs);
void cg_jump_set(FuncState *fs, int pc, int dest);
void cg_jump_concat(FuncState *fs, int *l1, int l2);
void cg_jump_patch(FuncState *fs, int list, int dest);
void cg_jump_here(FuncState *fs, int list);
bool cg_is_test(OpCode op);
int cg_cond_op(FuncState *fs, OpCode op, int a, int b, int c);
/* A variable read into dst, written from src, or declared in reg, wherever
 * it lives; cg_plain_local: the Var of n when it is a plain local of fs. */
void cg_var_load(FuncState *fs, Var *v, int dst);
void cg_var_store(FuncState *fs, Var *v, int src);
void cg_var_declare(FuncState *fs, Var *v, int reg);
void cg_var_ref(FuncState *fs, Var *v, int dst);
Var *cg_plain_local(FuncState *fs, Node *n);

/* compile_expr.c: expressions into registers, conditions into jumps. */
void cg_expr_to(FuncState *fs, Node *n, int dst);
int cg_expr_any(FuncState *fs, Node *n);
void cg_arith_rr(FuncState *fs, int dst, int tok, int ra, Node *b);
void cg_list_build(FuncState *fs, Node **items, int n, int l, bool values);
/* The value rule: an expression that is a place (a variable, an element,
 * a field, *p) used as a value stored elsewhere (assigned, passed,
 * returned, sent, put in a literal) is copied (MOVEC: structs and arrays
 * cloned, a slice header marked shared); any other expression is already
 * a fresh value. */
bool cg_is_place(FuncState *fs, const Node *n);
void cg_value_to(FuncState *fs, Node *n, int dst);
int cg_value_any(FuncState *fs, Node *n);
void cg_load_item(FuncState *fs, int l, int i, int dst);
/* A call, which may give several values (a call of len gives one). */
bool cg_is_multi_call(FuncState *fs, Node *n);
void cg_call_top(FuncState *fs, Node *n, int base, int nres, OpCode op);
void cg_multi_to(FuncState *fs, Node *rhs, int base, int n);
int cg_cond_jump(FuncState *fs, Node *n, bool when);
/* The inline cache of the instruction at pc, known at compile time: the
 * selection of `name` on struct type t (see ObjProto.ic). */
void cg_ic_prefill(FuncState *fs, int pc, ObjType *t, const char *name);
/* A struct literal (COMPOSITE) into dst. */
void cg_composite_to(FuncState *fs, Node *n, int dst);
/* Jump when R[ra] (the value of an, NULL when not known) == e is when. */
int cg_eq_jump(FuncState *fs, int ra, Node *an, Node *e, bool when);

/* compile_types.c: stores into places of a declared basic type. place
 * is a StorePlace (vm/types.h), for the message of a failed store.
 *   cg_store_type: the type that stores into a place declared t convert
 *     to, or NULL when they need nothing (untyped, composite, unknown);
 *   cg_expr_fit: n into dst, fit for ty (a constant converted here);
 *   cg_fit_reg: R[reg], computed from n (NULL: unknown), made fit in place;
 *   cg_fit_any: the same for a register that may be a local's: returns
 *     the register holding the fitted value (src, or a new temporary);
 *   cg_fit_compound: R[reg] = v tok rhs (rhs NULL: ++/--) made fit for v;
 *   cg_fit_params: the conversions of the parameters on entry;
 *   cg_result_types: fs->rtypes from the function's declared results. */
const ObjType *cg_store_type(TypeRef t);
const ObjType *cg_store_type_of(const ObjType *t);
void cg_expr_fit(FuncState *fs, Node *n, int dst, const ObjType *ty, int place);
void cg_fit_reg(FuncState *fs, int reg, Node *n, const ObjType *ty, int place);
int cg_fit_any(FuncState *fs, int src, Node *n, const ObjType *ty, int place);
const ObjType *cg_iface_compare(Compiler *c, Node *a, Node *b);
/* Whether t is written with type parameters of the generic code being
 * compiled (Stack[T], map[K]V): its instance is known only when it runs. */
bool cg_names_tparam(const ObjType *t);
void cg_fit_compound(FuncState *fs, int reg, Var *v, int tok, Node *rhs);
void cg_fit_params(FuncState *fs, FuncInfo *fi);
void cg_result_types(FuncState *fs, FuncInfo *fi);
/* A conversion call float64(x), int(x)... that compiles to CONV (x's kind
 * is known to suit it): cg_conversion_to compiles it into R[base] (as
 * cg_call_top would, freereg base + 1) and says true, else does nothing. */
bool cg_is_conversion_op(FuncState *fs, Node *n);
bool cg_conversion_to(FuncState *fs, Node *n, int base);
/* The declared basic type of what n computes when it is known (a typed
 * variable, T(x), an operator on such operands), else NULL; cg_fit_op:
 * the result of operator n in R[dst] wrapped (sized ints) or rounded
 * (float32) to that type, as Go's arithmetic on those types is. */
const ObjType *cg_basic_type(Compiler *c, Node *n);
/* For a binary operator n with a uint64 operand: its other operand, when
 * an untyped constant that csp's int arithmetic folded below zero (1<<63
 * + 5 wraps), is made the uint64 Go's exact constant is (9223372036854775813),
 * so `k < 1<<63+5` compares as Go does. Call before compiling n. */
void cg_u64_operands(Compiler *c, Node *n);
/* The declared type of result i of call, a call of a top-level func that
 * nothing assigns, else NULL (`q, r := divmod(a, b)` gives q and r
 * divmod's result types). */
const ObjType *cg_call_result_type(Compiler *c, Node *call, int i);
/* The result type of call when it calls a library function of one result
 * (math.Float64bits(x) is a uint64, strconv.Itoa(n) a string), from its
 * Go signature; else NULL. */
const ObjType *cg_native_result_type(Compiler *c, Node *call);
void cg_fit_op(FuncState *fs, Node *n, int dst);
/* The declared type of parameter i of what call calls, when it is an
 * interface (a top-level func's parameter declared any, error or an
 * interface; each argument of fmt's functions): an argument stored there
 * is boxed as cg_fit_reg boxes it. NULL otherwise. */
const ObjType *cg_param_type(Compiler *c, Node *call, int i);
/* The declared type of that parameter whatever its kind (NULL: unknown). */
const ObjType *cg_param_decl_type(Compiler *c, Node *call, int i);

/* compile_stmt.c: one statement (blocks included). */
void cg_stmt(FuncState *fs, Node *n, const char *label);

#endif
