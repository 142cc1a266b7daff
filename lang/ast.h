/* ast.h — the syntax tree that the parser builds and the compiler reads.
 *
 * Nodes are allocated by the collector (GC_MALLOC) and never freed by hand.
 * Every node carries the line and column (1-based, columns in bytes) of its
 * first token, for error messages. The types that declarations write
 * (`var n int`, `const c float64 = 3`, `func f(a int) float64`) are kept as
 * their text (TypeRef below): they give zero values, and the compiler
 * converts what is stored into a variable of a basic type.
 *
 * What the parser normalizes away (so the compiler never sees it):
 *   - `nil` `true` `false` are NIL/TRUE/FALSE nodes, never IDENTs;
 *   - parentheses leave no node; `-` applied to an INT or
 *     FLOAT literal is folded into the literal (so -9223372036854775808 is
 *     an INT); rune literals are INTs;
 *   - `var (...)` / `const (...)` groups are spliced into the enclosing
 *     list as separate VAR/CONST/IMPORT nodes; `package` leaves none;
 *   - a const spec without values gets the previous spec's expressions
 *     (and type) with `iota` replaced by the spec's index, so every CONST
 *     has its values in list2;
 *   - unnamed result types are dropped (FuncInfo counts them);
 *   - struct types are spelled as Go prints them, `struct { X int; Y int }`
 *     (a tag as a quoted string after its field's type), interface types
 *     `interface { M() int }`;
 *   - `chan()` / `chan(n)` are CALLs of IDENT "chan"; conversions are CALLs
 *     (`float64(x)`: callee IDENT; `[]byte(s)`: callee TYPEEXPR).
 * The tree's depth is bounded only by the parser's limits (10000 open
 * brackets, a parser stack of 160000 entries: PARSE_MAX_NEST and
 * PARSE_MAX_STACK in lexer.re), so a recursive walk must bound its own
 * depth.
 */
#ifndef CSP_AST_H
#define CSP_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Node Node;

typedef struct NodeList {
    int n, cap;
    Node **items;
} NodeList;

void nl_push(NodeList *l, Node *n);

/* A type as written (var declarations, make/new arguments, typed
 * composite literals), normalized to Go's spelling:
 *   "int" "float64" "string" "bool" "byte" "rune" "any" "error" ...: the
 *     name as written
 *   "sync.Mutex", "strings.Builder", "time.Timer": qualified names
 *   composite types in full: "[]int" "[5]int" "map[string][]int"
 *     "chan int" "chan<- int" "<-chan int" "*T" "interface{}" "struct{}";
 *     every function type is just "func"
 *   NULL when no type was written.
 * Only a text that starts with a letter and contains a dot names a module
 * member: "[]sync.Mutex" and "*sync.Mutex" are a slice and a pointer.
 * What a type means (its zero value, what make and new build, conversions)
 * is vm/types.h's: the compiler turns this text into a descriptor. */
typedef const char *TypeRef;

#define AST_KINDS(X)                                                                                         \
    /* expressions */                                                                                        \
    X(NIL) X(TRUE) X(FALSE)                                                    \
    X(INT)     /* ival; str: the literal's text (a `-` prepended when       \
                  negated), which constant folding reads exactly */          \
    X(FLOAT)   /* fval; str: the literal's text, as for INT */                \
    X(IMAG)    /* an imaginary literal `2.5i`: fval its imaginary part; str  \
                  its text, as for INT */                                     \
    X(STRING)  /* str, len (escapes decoded) */                                \
    X(IDENT)   /* name */                                                      \
    X(LIST)    /* list: items; type: "[]T"/"[N]T" when written typed        \
                  (`[]int{1}`, elided inner `{1}` too), else NULL; op:        \
                  TK_LBRACE_LIT when written `{a, b}` without a type; list2:  \
                  each item's index key (NULL: none) when any has one         \
                  (`[...]int{1, 5: 2}`), else empty */                        \
    X(MAP)     /* list: keys and values interleaved k0 v0 k1 v1 ...; type:    \
                  "map[K]V" (or "struct{}" for `struct{}{}`) when typed; op:  \
                  TK_LBRACE_LIT for an untyped `{...}` */                     \
    X(FUNC)    /* func: a function literal */                                  \
    X(UNARY)   /* op (TK_MINUS TK_NOT TK_CARET TK_PLUS, TK_AMP for &a,       \
                  TK_STAR for *a), a */                                       \
    X(BINARY)  /* op (a Token: TK_PLUS ... TK_ANDAND TK_OROR), a, b */         \
    X(CALL)    /* a: callee; list: args; spread: last arg is `x...` */         \
    X(INDEX)   /* a[b]; list: empty, or b and the rest of a generic          \
                  function's type arguments (Map[int, string]) */             \
    X(SLICE)   /* a[b:c], b and/or c may be NULL; a[b:c:post] (3-index)      \
                  when post is set */                                         \
    X(FIELD)   /* a.name */                                                    \
    X(RECV)    /* <-a */                                                       \
    X(TYPEASSERT) /* a.(type): the type's text in type; "type" for the guard \
                     of a type switch (x.(type)) */                           \
    X(TYPEEXPR) /* a type used as a value (make(map[string]int), new(T),     \
                   []byte(s)): its TypeRef text in both name and type */      \
    X(COMPOSITE) /* a literal of a type written as a name or a struct type   \
                   (`Point{1, 2}`, `Point{X: 1}`, `struct{ a int }{1}`, an   \
                   elided `{1, 2}` in `[]Point{...}`): type; list: the       \
                   elements, keys and values interleaved when ival is 1      \
                   (keyed); op: TK_AMP for an elided element of a `[]*T{...}` \
                   literal, which is &T{...} */                              \
    /* statements */                                                           \
    X(EXPRSTMT) /* a */                                                        \
    X(ASSIGN)   /* list = list2; op: TK_ASSIGN or a compound TK_PLUSEQ ... */  \
    X(DEFINE)   /* list (IDENTs) := list2 */                                   \
    X(VAR)      /* list (IDENTs), list2 (values, may be empty), type (as      \
                   written, also with values; NULL if none) */                \
    X(CONST)    /* list (IDENTs), list2 (values, iota expanded), type */       \
    X(INCDEC)   /* a, op TK_INC or TK_DEC */                                   \
    X(SEND)     /* a <- b */                                                   \
    X(BLOCK)    /* list: statements; ival: the line of its closing `}` (of    \
                   the last statement, for a case's body) */                  \
    X(IF)       /* init (may be NULL), a: cond, body: then, els: else (BLOCK  \
                   or IF, or NULL) */                                          \
    X(FOR)      /* init, a: cond, post (each may be NULL), body, label */      \
    X(RANGE)    /* key, val: IDENT or lvalue or NULL; define: := vs =; a: the \
                   ranged expression; body; label */                          \
    X(SWITCH)   /* init, a: tag (may be NULL), list: CASE nodes, label. A type \
                   switch has a TYPEASSERT guard as its tag, name the variable \
                   its cases bind (NULL when none), and its cases' list holds  \
                   TYPEEXPR (or NIL) nodes */                                 \
    X(CASE)     /* list: case expressions (empty: default); body: BLOCK */   \
    X(SELECT)   /* list: COMM nodes, label */                                  \
    X(COMM)     /* a select case. op: COMM_SEND (a <- b), COMM_RECV (a: the  \
                   channel, list: 0-2 lvalues or IDENTs, define: := vs =),    \
                   COMM_DEFAULT; body: BLOCK */                               \
    X(RETURN)   /* list */                                                     \
    X(BREAK)    /* name: label or NULL */                                      \
    X(CONTINUE) /* name: label or NULL */                                      \
    X(GOTO)     /* name: the label (the node is at the label's name) */       \
    X(FALLTHROUGH) /* ival: 1 when it ends a case clause that has a next one \
                    * (pass 1 sets it; elsewhere it is an error) */         \
    X(GO)       /* a: a CALL node */                                           \
    X(DEFER)    /* a: a CALL node */                                           \
    X(LABELED)  /* name, body: the statement (an empty BLOCK for a label   \
                   at the end of a block) */                                  \
    X(FUNCDECL) /* name, func (func->name is the name too); a method has     \
                   func->recv */                                              \
    X(TYPEDECL) /* name, type: `type name T` (op TK_ASSIGN: `type name = T`, \
                   an alias) */                                               \
    X(IMPORT)   /* str, len: the path; name: the name it binds ("." "_" or \
                 * a name), NULL when none was written */                 \
    X(FILE)     /* list: top-level statements and declarations */

enum { COMM_SEND = 1, COMM_RECV = 2, COMM_DEFAULT = 3 };

/* Operators in UNARY, BINARY, ASSIGN and INCDEC are the parser's token codes
 * (grammar.h, generated by lemon with %token_prefix TK_):
 *   binary: TK_PLUS TK_MINUS TK_STAR TK_SLASH TK_PERCENT TK_AMP TK_PIPE
 *           TK_CARET TK_SHL TK_SHR TK_ANDNOT TK_ANDAND TK_OROR TK_EQ TK_NE
 *           TK_LT TK_LE TK_GT TK_GE
 *   unary:  TK_MINUS TK_PLUS TK_NOT TK_CARET (bitwise complement) TK_AMP TK_STAR
 *   assign: TK_ASSIGN TK_PLUSEQ TK_MINUSEQ TK_STAREQ TK_SLASHEQ TK_PERCENTEQ
 *           TK_AMPEQ TK_PIPEEQ TK_CARETEQ TK_SHLEQ TK_SHREQ TK_ANDNOTEQ
 *   incdec: TK_INC TK_DEC
 */

typedef enum {
#define X(name) N_##name,
    AST_KINDS(X)
#undef X
        N__COUNT
} NodeKind;

extern const char *const node_kind_names[N__COUNT];

/* A function literal or declaration. */
typedef struct FuncInfo {
    NodeList params;       /* IDENT nodes ("_" allowed; unnamed ones are "_"),
                            * with their type in ->type when written */
    bool variadic;         /* the last param is `xs...` */
    int nresults;          /* results declared (named or not) */
    NodeList results;      /* named results: IDENT nodes ("_" allowed) with their
                            * type in ->type; empty when the results are unnamed */
    TypeRef *result_types; /* each result's type as written (nresults of
                            * them), NULL where none was */
    bool results_declared; /* the compiler made them the body's first
                            * declarations (and results their IDENTs) */
    Node *body;            /* BLOCK */
    const char *name;      /* declared name, or NULL for a literal */
    NodeList tparams;      /* a generic function's type parameters (IDENTs) */
    bool recv_tparams;     /* ... named by its receiver (`func (s *Stack[T])`):
                            * their values come from the receiver's type */
    Node *recv;            /* a method's receiver: an IDENT ("_" when unnamed)
                            * whose type is "T" or "*T" */
    int end_line;          /* the line of the body's closing `}` */
    /* A literal in generic code whose signature names the code's type
     * parameters: that signature's text (func(T) string), the closure's
     * type made when it is (OP_FTYPE); else NULL. */
    const char *open_type;
} FuncInfo;

struct Node {
    NodeKind kind;
    int line, col;
    int op; /* a Token (TK_* from the generated parser header) */
    bool define;
    bool spread;
    const char *name;
    const char *label; /* for FOR RANGE SWITCH SELECT: the label on them */
    TypeRef type;
    int64_t ival;
    bool big; /* INT: a literal past 2^63-1, a uint64 constant (ival its bits) */
    double fval;
    const char *str;
    size_t len;
    Node *a, *b, *c;
    Node *init, *post, *body, *els, *key, *val;
    NodeList list, list2;
    FuncInfo *func;
};

Node *ast_new(NodeKind kind, int line, int col);

/* Composite literals' elided types, which the parser gives from a typed
 * literal's text and the compiler from a declared type's definition
 * (`type Bs []B` then `Bs{{1}, {2}}`). */
struct Diag;
/* The element type of a list or map type's text (`[]T`, `[N]T`,
 * `map[K]T`), or NULL. */
const char *ast_elem_type(const char *t);
bool ast_is_map_type(const char *t);
/* A type whose literal the compiler sorts out: a name, a struct type, or
 * a pointer to one of those. */
bool ast_is_named_type(const char *t);
/* n becomes a literal of the named or struct type `type` (N_COMPOSITE;
 * a `*T` type makes it &T{...}); keyed/plain count its element kinds. */
Node *ast_named_composite(struct Diag *d, Node *n, const char *type, int keyed, int plain);
/* Set lit's type and pass the element (and key) type down to elements
 * whose type was elided (Go's `[]Point{{1, 2}}`, `map[Point]string{{1,
 * 2}: "a"}`). Each elided literal is visited once, by its nearest typed
 * ancestor; the recursion follows literal nesting, which the driver
 * bounds. */
void ast_give_type(struct Diag *d, Node *lit, const char *type);
/* The same for lit's elements only, from `type`'s text (lit keeps its own
 * type). */
void ast_give_elem_types(struct Diag *d, Node *lit, const char *type);
/* nil, true and false are predeclared names a program may declare again
 * (`func true(ok bool)`, `false := x`), which the parser reads as their
 * literals. ast_literal_name: the name of such a literal, else NULL;
 * ast_literal_to_ident: n made the IDENT of that name (true), or left as
 * it is (false) when it is none. */
const char *ast_literal_name(const Node *n);
bool ast_literal_to_ident(Node *n);

/* Print a tree (for debugging and the parser's unit tests). */
void ast_dump(const Node *n, int indent, void (*out)(const char *s, void *ctx), void *ctx);

#endif
