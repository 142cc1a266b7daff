/* grammar.y — csp's grammar (lemon, LALR(1)), tokens to the tree of ast.h.
 *
 * The grammar is Go's statement and expression syntax without static
 * types. It stays LALR(1) because the driver (parse.c) does three things
 * before tokens arrive here:
 *   - semicolons are inserted by Go's rule, so statements end at SEMI;
 *   - each `{` is TK_LBRACE (a block, or the braces of `interface{}`) or
 *     TK_LBRACE_LIT (a composite literal), and its `}` TK_RBRACE or
 *     TK_RBRACE_LIT to match;
 *   - a type in expression position (`[]int{...}`, `map[K]V{...}`, the
 *     first argument of make/new, `chan int` as a value) arrives as one
 *     TK_XTYPE token carrying its normalized text. Types in declarations
 *     (parameters, results, `var x T`) are parsed here and dropped, except
 *     for their text where ast.h keeps it.
 *
 * Actions are one-line calls into the builders at the top of this file.
 * Errors recover at statement level (`stmt ::= error`) and at case level,
 * so a file with several independent mistakes reports each of them; the
 * driver helps by skipping to the end of the broken statement.
 *
 * The parser's stack is capped (PARSE_MAX_STACK): nesting deeper than it
 * allows is reported as "too deeply nested" and the parse stops, so no
 * input can exhaust memory. The builders below recurse only along literal
 * nesting (give_type, bounded by the driver's bracket cap) and constant
 * expressions (subst_iota, bounded by IOTA_MAX_DEPTH).
 */

%token_prefix TK_
%name CspParse
%token_type {Token}
%default_type {Node *}
%extra_argument {ParseCtx *ctx}

/* The stack grows on demand (0: lemon reallocs it, into collected memory,
 * see stack_realloc) up to PARSE_MAX_STACK entries; past that the parse
 * stops with "too deeply nested". */
%stack_size 0
%stack_overflow { ctx->overflow = true; }
%syntax_error { report_syntax_error(yypParser, yymajor, TOKEN, ctx); }
%parse_failure { ctx->error = true; }

/* Every terminal, in a fixed order. START is fed first by the driver so the
 * parser's stack is never empty when an error must be recovered from;
 * ILLEGAL stands for input the driver has already reported (it matches no
 * rule, so the parser recovers without a second message); XTYPE is a type
 * the driver scanned in expression position (and every struct or
 * interface type, whose text it spells). TYPE is the word `type` opening
 * a declaration, METHOD the `func` of a method declaration (the driver
 * tells them from `type(x)` and from a function literal). TPARAMS is a
 * generic function's type parameter list, which the driver turned into
 * one token holding the parameters' names, comma-separated ("K,V"); TILDE
 * (~) only appears inside such lists and constraints. */
%token START ILLEGAL XTYPE TYPE METHOD TPARAMS TILDE
       SEMI COMMA COLON DOT ELLIPSIS
       LPAREN RPAREN LBRACK RBRACK LBRACE RBRACE LBRACE_LIT RBRACE_LIT
       ASSIGN DEFINE PLUSEQ MINUSEQ STAREQ SLASHEQ PERCENTEQ AMPEQ PIPEEQ
       CARETEQ SHLEQ SHREQ ANDNOTEQ INC DEC ARROW
       OROR ANDAND EQ NE LT LE GT GE PLUS MINUS PIPE CARET STAR SLASH PERCENT
       SHL SHR AMP ANDNOT NOT
       IDENT INT FLOAT STRING
       BREAK CASE CHAN CONST CONTINUE DEFAULT DEFER ELSE FALLTHROUGH FOR FUNC
       GO GOTO IF IMPORT INTERFACE MAP PACKAGE RANGE RETURN SELECT STRUCT
       SWITCH VAR.

/* Go's binary precedence, loosest first. Unary operators bind tighter
 * than all of these through the unary/postfix levels below. */
%left OROR.
%left ANDAND.
%left EQ NE LT LE GT GE.
%left PLUS MINUS PIPE CARET.
%left STAR SLASH PERCENT SHL SHR AMP ANDNOT.

%include {
#include <assert.h>
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "vm/mem.h"
#include "lexer.h"

/* lemon grows its stack with malloc/realloc and frees it with free. The
 * stack holds the only references to the subtrees being built, so it must
 * live where the collector looks: these three names are redirected (after
 * <stdlib.h>, so its prototypes are untouched) for the template's code
 * below. A failed "allocation" past the cap is lemon's stack overflow. */
static void *stack_realloc(void *p, size_t n);
#define malloc(n) stack_realloc(NULL, (n))
#define realloc(p, n) stack_realloc((p), (n))
#define free(p) ((void)(p))

/* ================================================================ builders */

/* BLOCK.op for a `var (...)` / `const (...)` group: not a scope, its
 * declarations are spliced into the enclosing statement list. */
#define GROUP_MARK (-1)

typedef struct CallArgs {
    NodeList list;
    bool spread;
} CallArgs;

/* Elements of a composite literal: values, or keys and values interleaved
 * once one element is keyed; also the values alone and each one's key
 * (NULL when it has none), for array and slice literals, where keyed and
 * plain elements mix. */
typedef struct Elems {
    NodeList list;
    int keyed, plain;
    NodeList vals, keys;
} Elems;

typedef struct Param {
    Node *name;
    bool variadic;
} Param;

typedef struct Params {
    NodeList list;
    bool variadic;
    Node *misplaced; /* a `...` parameter that is not the last */
} Params;

/* A function's results as written: IDENT nodes carrying their type in
 * ->type, with a NULL name when unnamed. Go allows all named or none, and
 * `(a, b int)` names a and b (results_named sorts that out). */
typedef struct Results {
    NodeList list;
    int named;
} Results;

/* An if statement's clauses so far: the first IF node and the one whose
 * else the next clause goes to. */
typedef struct IfChain {
    Node *first, *last;
} IfChain;

static void report_syntax_error(void *parser, int major, Token tok, ParseCtx *ctx);

static char *str_n(const char *s, size_t n)
{
    char *p = mem_alloc_atomic(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static const char *cat3(const char *a, const char *b, const char *c)
{
    size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
    char *p = mem_alloc_atomic(na + nb + nc + 1);
    memcpy(p, a, na);
    memcpy(p + na, b, nb);
    memcpy(p + na + nb, c, nc + 1);
    return p;
}

static Node *mk(NodeKind k, Token t) { return ast_new(k, t.line, t.col); }
static Node *mk_at(NodeKind k, const Node *at) { return ast_new(k, at->line, at->col); }
static const char *text(Token t) { return str_n(t.text, (size_t)t.len); }

static NodeList list1(Node *n)
{
    NodeList l = {0};
    nl_push(&l, n);
    return l;
}

/* Append a statement, dropping empty ones and splicing groups. */
static void add_stmt(NodeList *l, Node *s)
{
    if (!s)
        return;
    if (s->kind == N_BLOCK && s->op == GROUP_MARK) {
        for (int i = 0; i < s->list.n; i++)
            nl_push(l, s->list.items[i]);
        return;
    }
    nl_push(l, s);
}

static Node *block(Token open, NodeList stmts, Token close)
{
    Node *b = mk(N_BLOCK, open);
    b->list = stmts;
    b->ival = close.line;
    return b;
}

/* An empty block, for bodies the source left out (`L:` at a block's end). */
static Node *empty_block(const Node *at)
{
    Node *b = mk_at(N_BLOCK, at);
    b->ival = at->line;
    return b;
}

/* A short source-like description of an expression, for messages. */
static const char *describe(const Node *n, int depth)
{
    if (!n || depth > 4)
        return "expression";
    switch (n->kind) {
    case N_IDENT: return n->name;
    case N_NIL: return "nil";
    case N_TRUE: return "true";
    case N_FALSE: return "false";
    case N_FIELD: return cat3(describe(n->a, depth + 1), ".", n->name);
    case N_INDEX: return cat3(describe(n->a, depth + 1), "[...]", "");
    case N_CALL: return cat3(describe(n->a, depth + 1), "(...)", "");
    default: return "expression";
    }
}

static Node *ident(Token t)
{
    if (t.len == 3 && memcmp(t.text, "nil", 3) == 0)
        return mk(N_NIL, t);
    if (t.len == 4 && memcmp(t.text, "true", 4) == 0)
        return mk(N_TRUE, t);
    if (t.len == 5 && memcmp(t.text, "false", 5) == 0)
        return mk(N_FALSE, t);
    Node *n = mk(N_IDENT, t);
    n->name = text(t);
    return n;
}

static Node *name_node(Token t)
{
    Node *n = mk(N_IDENT, t);
    n->name = text(t);
    return n;
}

/* A number literal's source text, kept on its node: constant folding reads
 * it exactly (0.1 is one tenth, not the nearest double). */
static const char *lit_text(Token t)
{
    char *s = mem_alloc_atomic((size_t)t.len + 1);
    memcpy(s, t.text, (size_t)t.len);
    s[t.len] = 0;
    return s;
}

static Node *int_lit(Token t)
{
    Node *n = mk(N_INT, t);
    n->ival = t.ival;
    n->str = lit_text(t);
    n->big = t.big;
    return n;
}

static Node *float_lit(Token t)
{
    Node *n = mk(t.imag ? N_IMAG : N_FLOAT, t);
    n->fval = t.fval;
    n->str = lit_text(t);
    return n;
}

static Node *string_lit(Token t)
{
    Node *n = mk(N_STRING, t);
    n->str = t.str ? t.str : "";
    n->len = t.slen;
    return n;
}

static Node *import_spec(Token path, const char *name)
{
    Node *n = mk(N_IMPORT, path);
    n->str = path.str ? path.str : "";
    n->len = path.slen;
    n->name = name;
    return n;
}

static Node *binary(Node *a, int op, Node *b)
{
    Node *n = mk_at(N_BINARY, a);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

/* A unary operator. Negated number literals are folded, so that
 * -9223372036854775808 is the int it denotes. */
static Node *unary(Token t, int op, Node *a)
{
    if (op == TK_MINUS && (a->kind == N_INT || a->kind == N_FLOAT || a->kind == N_IMAG)) {
        if (a->str) {
            size_t len = strlen(a->str);
            char *s = mem_alloc_atomic(len + 2);
            s[0] = '-';
            memcpy(s + 1, a->str, len + 1);
            a->str = s;
        }
        if (a->kind == N_INT)
            a->ival = (int64_t)(0 - (uint64_t)a->ival), a->big = false;
        else
            a->fval = -a->fval;
        a->line = t.line;
        a->col = t.col;
        return a;
    }
    Node *n = mk(op == TK_ARROW ? N_RECV : N_UNARY, t);
    if (op != TK_ARROW)
        n->op = op;
    n->a = a;
    return n;
}

static Node *call(Node *f, CallArgs args)
{
    Node *n = mk_at(N_CALL, f);
    n->a = f;
    n->list = args.list;
    n->spread = args.spread;
    return n;
}

static Node *index_expr(Node *x, Node *i)
{
    Node *n = mk_at(N_INDEX, x);
    n->a = x;
    n->b = i;
    return n;
}

static Node *slice_expr(Node *x, Node *lo, Node *hi, Node *max)
{
    Node *n = mk_at(N_SLICE, x);
    n->a = x;
    n->b = lo;
    n->c = hi;
    n->post = max;
    return n;
}

static Node *field(Node *x, Token name)
{
    Node *n = mk_at(N_FIELD, x);
    n->a = x;
    n->name = text(name);
    return n;
}

/* x.(T); x.(type), the guard of a type switch, has the type text "type"
 * (only a switch header may hold one: the compiler says so elsewhere). */
static Node *type_assert(Node *x, Token t)
{
    Node *n = mk_at(N_TYPEASSERT, x);
    n->a = x;
    n->type = t.str;
    return n;
}

static bool is_guard(const Node *n)
{
    return n->kind == N_TYPEASSERT && strcmp(n->type, "type") == 0;
}

/* `switch [init;] x := v.(type) {`: a SWITCH whose tag is the guard and
 * whose name is the variable each case binds. */
static Node *type_switch_head(ParseCtx *ctx, Node *init, NodeList names, Node *guard)
{
    Node *sw = ast_new(N_SWITCH, 0, 0);
    sw->init = init;
    if (names.n != 1 || names.items[0]->kind != N_IDENT || !is_guard(guard)) {
        Node *at = names.n ? names.items[0] : guard;
        diag_error(ctx->d, at->line, at->col, "a switch header's := must be x := v.(type)");
        return sw;
    }
    sw->a = guard;
    sw->name = names.items[0]->name;
    return sw;
}

static Node *typeexpr(Token t)
{
    Node *n = mk(N_TYPEEXPR, t);
    n->name = n->type = t.str;
    return n;
}

/* A composite literal from its elements: a MAP when keyed, a LIST when not;
 * `{}` is an empty map unless its type says list. Untyped brace literals
 * are marked (op = TK_LBRACE_LIT) so an enclosing typed literal can give
 * them their elided type. */

static Node *composite(ParseCtx *ctx, Token open, const char *type, Elems e)
{
    if (ast_is_named_type(type)) {
        Node *n = mk(N_COMPOSITE, open);
        n->list = e.list;
        return ast_named_composite(ctx->d, n, type, e.keyed, e.plain);
    }
    bool map = type ? ast_is_map_type(type) : (e.keyed > 0 || e.plain == 0);
    /* an array or slice literal: keyed (index: value) and plain elements mix */
    bool indexed = type && !map && type[0] == '[';
    if (e.keyed && e.plain && !indexed) {
        diag_error(ctx->d, open.line, open.col, map ? "missing key in map literal"
                                                    : "mixture of keyed and unkeyed elements in literal");
    } else if (type && map && e.plain) {
        diag_error(ctx->d, open.line, open.col, "missing key in map literal");
    } else if (type && !map && e.keyed && !indexed) {
        diag_error(ctx->d, open.line, open.col, "keyed elements are not supported in list literals");
    }
    Node *n = mk(map ? N_MAP : N_LIST, open);
    n->list = e.list;
    if (indexed && e.keyed) {
        n->list = e.vals;
        n->list2 = e.keys;
    }
    if (type)
        ast_give_type(ctx->d, n, type);
    else
        n->op = TK_LBRACE_LIT;
    return n;
}

static void elems_add(Elems *e, Node *k, Node *v)
{
    if (k) {
        nl_push(&e->list, k);
        e->keyed++;
    } else {
        e->plain++;
    }
    nl_push(&e->list, v);
    nl_push(&e->vals, v);
    nl_push(&e->keys, k);
}

static Elems elems1(Node *k, Node *v)
{
    Elems e;
    memset(&e, 0, sizeof e);
    elems_add(&e, k, v);
    return e;
}

static bool is_plain_name(const char *t)
{
    if (!t || !*t)
        return false;
    for (; *t; t++)
        if (!(*t == '_' || (*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
              (unsigned char)*t >= 0x80))
            return false;
    return true;
}

/* Named results: in `(a, b int, err error)` the type-less a takes b's
 * type; a result list naming some results but not all is an error. */
static void results_named(ParseCtx *ctx, Results *rs)
{
    if (!rs->named)
        return;
    const char *next = NULL;
    for (int i = rs->list.n - 1; i >= 0; i--) {
        Node *r = rs->list.items[i];
        if (r->name) {
            next = r->type;
        } else if (next && is_plain_name(r->type)) {
            r->name = r->type;
            r->type = next;
        } else {
            diag_error(ctx->d, r->line, r->col, "syntax error: mixed named and unnamed parameters");
            rs->named = 0;
            return;
        }
    }
}

/* `func f(a, b float64)`: a parameter written without a type takes the
 * type of the next one that has one, as in Go. */
static void params_typed(Params *ps)
{
    const char *next = NULL;
    for (int i = ps->list.n - 1; i >= 0; i--) {
        Node *p = ps->list.items[i];
        if (p->type)
            next = p->type;
        else
            p->type = next;
    }
}

/* Each result's type as written (NULL where none is known). */
static TypeRef *result_types(const Results *rs)
{
    TypeRef *ts = mem_alloc((size_t)(rs->list.n + 1) * sizeof *ts);
    for (int i = 0; i < rs->list.n; i++)
        ts[i] = rs->list.items[i]->type;
    return ts;
}

static Node *funclit(ParseCtx *ctx, Token at, const char *name, Params ps, Results rs, Node *body)
{
    results_named(ctx, &rs);
    if (ps.misplaced)
        diag_error(ctx->d, ps.misplaced->line, ps.misplaced->col,
                   "can only use ... with final parameter in list");
    FuncInfo *f = mem_alloc(sizeof *f);
    f->result_types = result_types(&rs);
    params_typed(&ps);
    f->params = ps.list;
    f->variadic = ps.variadic;
    f->nresults = rs.list.n;
    if (rs.named)
        f->results = rs.list;
    f->body = body;
    f->name = name;
    f->end_line = (int)body->ival;
    Node *n = mk(name ? N_FUNCDECL : N_FUNC, at);
    n->func = f;
    n->name = name;
    return n;
}

/* The names of a TPARAMS token ("K,V") as IDENT nodes at its position. */
static NodeList tparams(Token t)
{
    NodeList l = {0};
    const char *s = t.str;
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        Node *id = mk(N_IDENT, t);
        char *name = mem_alloc_atomic(n + 1);
        memcpy(name, s, n);
        name[n] = 0;
        id->name = name;
        nl_push(&l, id);
        s = e ? e + 1 : s + n;
    }
    return l;
}

/* A method is a function whose first parameter is its receiver. */
static Node *method(ParseCtx *ctx, Token at, const char *name, Node *recv, Params ps, Results rs, Node *body)
{
    Node *n = funclit(ctx, at, name, ps, rs, body);
    NodeList l = {0};
    nl_push(&l, recv);
    for (int i = 0; i < n->func->params.n; i++)
        nl_push(&l, n->func->params.items[i]);
    n->func->params = l;
    n->func->recv = recv;
    /* (s *Stack[T]): a method of a generic type has its type's parameters */
    const char *b = recv->type ? strchr(recv->type, '[') : NULL;
    if (b && recv->type[strlen(recv->type) - 1] == ']') {
        Token t = at;
        size_t n2 = strlen(b + 1) - 1;
        char *names = mem_alloc_atomic(n2 + 1);
        memcpy(names, b + 1, n2);
        names[n2] = 0;
        t.str = names;
        n->func->tparams = tparams(t);
        n->func->recv_tparams = true;
    }
    return n;
}

static void params_add(Params *ps, Param p)
{
    if (ps->variadic && !ps->misplaced)
        ps->misplaced = ps->list.items[ps->list.n - 1];
    nl_push(&ps->list, p.name);
    ps->variadic = p.variadic;
}

static Param param(Token name, bool variadic)
{
    Param p = {name_node(name), variadic};
    return p;
}

/* A result written as a type alone (its position: where the parser is). */
static Node *anon_result(ParseCtx *ctx, const char *type)
{
    Node *n = ast_new(N_IDENT, ctx->cur.line, ctx->cur.col);
    n->type = type;
    return n;
}

/* An unnamed parameter (`func(int)`, in function types): named `_`, its
 * type's text in ->str (for the func type's text: func_type_text). */
static Param anon_param(Token at, bool variadic, const char *type)
{
    Param p = {mk(N_IDENT, at), variadic};
    p.name->name = "_";
    p.name->str = type;
    return p;
}

/* Go's spelling of a func type, `func(int, ...string) (bool, error)`:
 * parameter and result names dropped, a group's type (`a, b int`) given
 * to each. Parameters written as names alone are types (`func(int,
 * string)`) unless some parameter has a name and a type. */
static const char *func_type_text(ParseCtx *ctx, Params ps, Results rs)
{
    bool named = false;
    for (int i = 0; i < ps.list.n; i++)
        named |= ps.list.items[i]->type != NULL;
    const char **types = mem_alloc((size_t)(ps.list.n + 1) * sizeof *types);
    const char *next = "interface {}";
    for (int i = ps.list.n - 1; i >= 0; i--) {
        Node *p = ps.list.items[i];
        if (p->str)
            types[i] = p->str;
        else if (!named)
            types[i] = p->name;
        else
            types[i] = p->type ? (next = p->type) : next;
    }
    const char *s = "func(";
    for (int i = 0; i < ps.list.n; i++)
        s = cat3(s, i ? ", " : "", cat3(ps.variadic && i == ps.list.n - 1 ? "..." : "", types[i], ""));
    s = cat3(s, ")", "");
    results_named(ctx, &rs);
    if (rs.list.n == 1 && !rs.named)
        return cat3(s, " ", rs.list.items[0]->type);
    for (int i = 0; i < rs.list.n; i++)
        s = cat3(s, i ? ", " : " (", rs.list.items[i]->type ? rs.list.items[i]->type : "interface {}");
    return rs.list.n ? cat3(s, ")", "") : s;
}

/* A name being declared (`false := x`): see ast_literal_to_ident. */
static Node *decl_name(Node *n)
{
    ast_literal_to_ident(n);
    return n;
}

static Node *define(ParseCtx *ctx, NodeList lhs, NodeList rhs)
{
    for (int i = 0; i < lhs.n; i++)
        if (decl_name(lhs.items[i])->kind != N_IDENT)
            diag_error(ctx->d, lhs.items[i]->line, lhs.items[i]->col, "non-name %s on left side of :=",
                       describe(lhs.items[i], 0));
    Node *n = mk_at(N_DEFINE, lhs.items[0]);
    n->list = lhs;
    n->list2 = rhs;
    return n;
}

static Node *assign(NodeList lhs, int op, NodeList rhs)
{
    Node *n = mk_at(N_ASSIGN, lhs.items[0]);
    n->op = op;
    n->list = lhs;
    n->list2 = rhs;
    return n;
}

static Node *go_defer(ParseCtx *ctx, Token t, NodeKind k, Node *e)
{
    if (e->kind != N_CALL)
        diag_error(ctx->d, e->line, e->col, "expression in %s must be function call",
                   k == N_GO ? "go" : "defer");
    Node *n = mk(k, t);
    n->a = e;
    return n;
}

static Node *branch(Token t, NodeKind k, const Token *label)
{
    Node *n = mk(k, t);
    if (label)
        n->name = text(*label);
    return n;
}

static Node *labeled(Token name, Node *s)
{
    Node *n = mk(N_LABELED, name);
    n->name = text(name);
    if (!s)
        s = empty_block(n);
    else if (s->kind == N_BLOCK && s->op == GROUP_MARK)
        s->op = 0; /* `L: var (...)`: nothing to splice into, a block then */
    n->body = s;
    switch (s->kind) {
    case N_FOR:
    case N_RANGE:
    case N_SWITCH:
    case N_SELECT:
        s->label = n->name;
        break;
    default:
        break;
    }
    return n;
}

static Node *range_for(ParseCtx *ctx, Token t, NodeList *vars, bool def, Node *x, Node *body)
{
    Node *n = mk(N_RANGE, t);
    n->define = def;
    n->a = x;
    n->body = body;
    if (vars) {
        if (vars->n > 2)
            diag_error(ctx->d, vars->items[2]->line, vars->items[2]->col,
                       "range clause permits at most two iteration variables");
        for (int i = 0; def && i < vars->n; i++)
            if (decl_name(vars->items[i])->kind != N_IDENT)
                diag_error(ctx->d, vars->items[i]->line, vars->items[i]->col,
                           "non-name %s on left side of :=", describe(vars->items[i], 0));
        n->key = vars->items[0];
        n->val = vars->n > 1 ? vars->items[1] : NULL;
    }
    return n;
}

static Node *for_loop(Token t, Node *init, Node *cond, Node *post, Node *body)
{
    Node *n = mk(N_FOR, t);
    n->init = init;
    n->a = cond;
    n->post = post;
    n->body = body;
    return n;
}

/* A case's statements as a BLOCK; it has no `}`, so its ival is the line
 * of its last statement (or of the colon). */
static Node *case_body(Token colon, NodeList body)
{
    Node *b = block(colon, body, colon);
    if (body.n)
        b->ival = body.items[body.n - 1]->line;
    return b;
}

static Node *case_clause(Token t, NodeList exprs, Token colon, NodeList body)
{
    Node *n = mk(N_CASE, t);
    n->list = exprs;
    n->body = case_body(colon, body);
    return n;
}

/* Check that a switch or select has at most one default. */
static void one_default(ParseCtx *ctx, NodeList clauses, bool comm)
{
    int seen = 0;
    for (int i = 0; i < clauses.n; i++) {
        Node *c = clauses.items[i];
        bool dflt = comm ? c->op == COMM_DEFAULT : c->list.n == 0;
        if (dflt && seen++)
            diag_error(ctx->d, c->line, c->col, "multiple defaults in %s", comm ? "select" : "switch");
    }
}

/* A select case's communication: `<-c`, `v := <-c`, `v, ok = <-c`, `c <- v`. */
static Node *comm_recv(ParseCtx *ctx, NodeList *vars, bool def, Node *e)
{
    Node *n = mk_at(N_COMM, vars ? vars->items[0] : e);
    n->op = COMM_RECV;
    n->define = def;
    if (e->kind != N_RECV) {
        diag_error(ctx->d, e->line, e->col, "select case must be receive, send or assign recv");
        n->a = e;
    } else {
        n->a = e->a;
    }
    if (vars) {
        if (vars->n > 2)
            diag_error(ctx->d, vars->items[2]->line, vars->items[2]->col,
                       "select case permits at most two variables");
        for (int i = 0; def && i < vars->n; i++)
            if (decl_name(vars->items[i])->kind != N_IDENT)
                diag_error(ctx->d, vars->items[i]->line, vars->items[i]->col,
                           "non-name %s on left side of :=", describe(vars->items[i], 0));
        n->list = *vars;
    }
    return n;
}

static Node *comm_send(Node *ch, Node *v)
{
    Node *n = mk_at(N_COMM, ch);
    n->op = COMM_SEND;
    n->a = ch;
    n->b = v;
    return n;
}

static Node *decl(NodeKind k, NodeList names, const char *type, NodeList values)
{
    Node *n = mk_at(k, names.items[0]);
    n->list = names;
    n->list2 = values;
    n->type = type;
    return n;
}

static Node *group(Token t, NodeList decls)
{
    Node *g = mk(N_BLOCK, t);
    g->op = GROUP_MARK;
    g->list = decls;
    return g;
}

/* A copy of a constant expression with `iota` replaced by its value. The
 * original is left as written, for the specs that repeat it. Deeper
 * expressions than IOTA_MAX_DEPTH (none real) are an error, not a C stack
 * overflow. */
#define IOTA_MAX_DEPTH 2000

static Node *subst_iota(ParseCtx *ctx, const Node *e, int64_t iota, int depth)
{
    if (!e)
        return NULL;
    if (depth > IOTA_MAX_DEPTH) {
        diag_error(ctx->d, e->line, e->col, "constant expression too deeply nested");
        return NULL;
    }
    Node *n = mem_alloc(sizeof *n);
    *n = *e;
    if (e->kind == N_IDENT && strcmp(e->name, "iota") == 0) {
        n->kind = N_INT;
        n->name = NULL;
        n->ival = iota;
        return n;
    }
    n->a = subst_iota(ctx, e->a, iota, depth + 1);
    n->b = subst_iota(ctx, e->b, iota, depth + 1);
    n->c = subst_iota(ctx, e->c, iota, depth + 1);
    n->list = (NodeList){0};
    n->list2 = (NodeList){0};
    for (int i = 0; i < e->list.n; i++)
        nl_push(&n->list, subst_iota(ctx, e->list.items[i], iota, depth + 1));
    for (int i = 0; i < e->list2.n; i++)
        nl_push(&n->list2, subst_iota(ctx, e->list2.items[i], iota, depth + 1));
    return n;
}

/* Go's const rules: in a group, a spec without values repeats the previous
 * spec's expressions (and type), and `iota` is the spec's index. */
static void const_specs(ParseCtx *ctx, NodeList specs)
{
    NodeList prev = {0};
    const char *prev_type = NULL;
    for (int i = 0; i < specs.n; i++) {
        Node *c = specs.items[i];
        if (c->list2.n > 0) {
            prev = c->list2;
            prev_type = c->type;
            c->list2 = (NodeList){0};
        } else if (!c->type) {
            c->type = prev_type;
        }
        for (int j = 0; j < prev.n; j++)
            nl_push(&c->list2, subst_iota(ctx, prev.items[j], i, 0));
        if (c->list2.n < c->list.n)
            diag_error(ctx->d, c->line, c->col, "missing init expr for const declaration");
        else if (c->list2.n > c->list.n)
            diag_error(ctx->d, c->line, c->col, "extra init expr");
    }
}

/* A constant length expression spelled for an array type's text, which
 * pass 1 evaluates (compile_resolve.c: array_lengths): numbers, names,
 * len(x) and cap(x), and + - * / % << >> on them, each operation in
 * parentheses. NULL for anything else. */
static const char *length_text(const Node *n, int depth)
{
    char num[32];
    if (!n || depth > 32)
        return NULL;
    switch (n->kind) {
    case N_INT:
        snprintf(num, sizeof num, "%lld", (long long)n->ival);
        return cat3(num, "", "");
    case N_IDENT:
        return n->name;
    case N_CALL:
        if (n->a && n->a->kind == N_IDENT && n->a->name && n->list.n == 1 && n->list.items[0] &&
            n->list.items[0]->kind == N_IDENT &&
            (strcmp(n->a->name, "len") == 0 || strcmp(n->a->name, "cap") == 0))
            return cat3(n->a->name, "(", cat3(n->list.items[0]->name, ")", ""));
        return NULL;
    case N_BINARY: {
        const char *op = n->op == TK_PLUS      ? "+"
                         : n->op == TK_MINUS   ? "-"
                         : n->op == TK_STAR    ? "*"
                         : n->op == TK_SLASH   ? "/"
                         : n->op == TK_PERCENT ? "%"
                         : n->op == TK_SHL     ? "<<"
                         : n->op == TK_SHR     ? ">>"
                                               : NULL;
        const char *a = length_text(n->a, depth + 1), *b = length_text(n->b, depth + 1);
        return op && a && b ? cat3("(", a, cat3(op, b, ")")) : NULL;
    }
    default:
        return NULL;
    }
}

/* The text of an array type: the length when it is a literal, a name or
 * a constant expression length_text spells. */
static const char *array_type(const Node *len, const char *elem)
{
    const char *l = length_text(len, 0);
    return cat3("[", l ? l : "?", cat3("]", elem, ""));
}
}

%code {
/* ========================================================= error messages */

/* What a token is called in "unexpected X" (Go's words). */
static const char *tok_desc(int code, Token t, char *buf, size_t cap)
{
    switch (code) {
    case 0: return "EOF";
    case TK_SEMI: return t.len == 1 && t.text[0] == ';' ? "semicolon" : t.text;
    case TK_COMMA: return "comma";
    case TK_IDENT:
        snprintf(buf, cap, "name %.*s%s", t.len > 40 ? 40 : t.len, t.text, t.len > 40 ? "..." : "");
        return buf;
    case TK_INT:
    case TK_FLOAT:
    case TK_STRING: {
        int n = 0;
        while (n < t.len && n < 32 && t.text[n] != '\n')
            n++;
        snprintf(buf, cap, "literal %.*s%s", n, t.text, n < t.len ? "..." : "");
        return buf;
    }
    case TK_XTYPE: {
        int n = (int)strlen(t.str);
        snprintf(buf, cap, "type %.*s%s", n > 40 ? 40 : n, t.str, n > 40 ? "..." : "");
        return buf;
    }
    case TK_LBRACE_LIT: return "{";
    case TK_RBRACE_LIT: return "}";
    default:
        if (code >= TK_BREAK && code <= TK_VAR) {
            snprintf(buf, cap, "keyword %.*s", t.len, t.text);
            return buf;
        }
        snprintf(buf, cap, "%.*s", t.len, t.text);
        return buf;
    }
}

/* Could the parser go on with terminal `tok` from the stack states[0..n)?
 * Replays lemon's reduce steps as Parse() would, on an overlay of the
 * stack's top (the states below are only read). */
static bool accepts(const YYACTIONTYPE *states, int n, int tok)
{
    YYACTIONTYPE over[64];
    int nover = 0, base = n - 1;
    YYACTIONTYPE st = states[base];
    for (int steps = 0; steps < 64; steps++) {
        YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)tok, st);
        if (act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION)
            return true;
        if (act < YY_MIN_REDUCE || act > YY_MAX_REDUCE)
            return false;
        unsigned rule = act - YY_MIN_REDUCE;
        int pop = -yyRuleInfoNRhs[rule];
        while (pop > 0 && nover > 0)
            nover--, pop--;
        if (base < pop)
            return false;
        base -= pop;
        YYACTIONTYPE under = nover ? over[nover - 1] : states[base];
        st = yy_find_reduce_action(under, yyRuleInfoLhs[rule]);
        if (nover == (int)(sizeof over / sizeof over[0]))
            return false;
        over[nover++] = st;
    }
    return false;
}

_Static_assert(sizeof(YYACTIONTYPE) <= sizeof(unsigned short), "ParseCtx.snap holds states");

void CspParseSnapshot(void *parser, ParseCtx *ctx)
{
    yyParser *p = parser;
    int top = (int)(p->yytos - p->yystack);
    int n = top + 1 < PARSE_SNAP ? top + 1 : PARSE_SNAP;
    for (int i = 0; i < n; i++)
        ctx->snap[i] = p->yystack[top - n + 1 + i].stateno;
    ctx->snap_n = n;
    ctx->snap_top = top;
}

/* The parser's stack as it was before the bad token was fed, when the
 * snapshot still covers everything the default reductions may have
 * rewritten (they only touch entries at or above the final top, give or
 * take the empty rules); else the stack as it is. */
static YYACTIONTYPE *stack_before(yyParser *p, ParseCtx *ctx, int *n)
{
    int now = (int)(p->yytos - p->yystack);
    int lo = ctx->snap_top - ctx->snap_n + 1;
    bool whole = ctx->snap_n > 0 && lo <= now - 2;
    int len = whole ? ctx->snap_top + 1 : now + 1;
    YYACTIONTYPE *s = mem_alloc_atomic((size_t)len * sizeof *s);
    for (int i = 0; i < len; i++)
        s[i] = whole && i >= lo ? ctx->snap[i - lo] : p->yystack[i].stateno;
    *n = len;
    return s;
}

static const char *closer_name(int code)
{
    switch (code) {
    case TK_RPAREN: return ")";
    case TK_RBRACK: return "]";
    case TK_RBRACE:
    case TK_RBRACE_LIT: return "}";
    case TK_COLON: return ":";
    default: return NULL;
    }
}

/* Go's "syntax error: unexpected X[, expecting Y | at end of statement]",
 * with Y chosen from what the parser would have accepted. */
static void report_syntax_error(void *parser, int major, Token tok, ParseCtx *ctx)
{
    ctx->error = true;
    if (major == TK_ILLEGAL)
        return; /* the driver has said what was wrong */
    char buf[96];
    const char *what = tok_desc(major, tok, buf, sizeof buf);
    if (ctx->d->nerrors >= DIAG_MAX_ERRORS) {
        diag_error(ctx->d, tok.line, tok.col, "syntax error: unexpected %s", what);
        return;
    }
    int n;
    YYACTIONTYPE *st = stack_before(parser, ctx, &n);
#define OK(t) accepts(st, n, (t))
    const char *closer = NULL;
    if (ctx->closer && OK(ctx->closer))
        closer = closer_name(ctx->closer);
    static const int closers[] = {TK_RPAREN, TK_RBRACK, TK_RBRACE_LIT, TK_RBRACE, TK_COLON};
    for (size_t i = 0; !closer && i < sizeof closers / sizeof closers[0]; i++)
        if (OK(closers[i]))
            closer = closer_name(closers[i]);

    /* At the start of an expression or statement, "expecting {" or "at
     * end of statement" would mislead: then only a missing expression is
     * worth naming. */
    bool start = OK(TK_INT);
    const char *sep = "", *want = "";
    if (major == 0 && OK(TK_RBRACE))
        sep = ", expecting ", want = "}";
    else if (!start && OK(TK_LBRACE))
        sep = ", expecting ", want = "{";
    else if (!start && major != TK_SEMI && major != 0 && OK(TK_SEMI))
        sep = " at end of statement";
    else if (closer && OK(TK_COMMA))
        sep = ", expecting comma or ", want = closer;
    else if (start && !OK(TK_SEMI))
        sep = ", expecting ", want = "expression";
    else if (closer)
        sep = ", expecting ", want = closer;
    else if (!start && OK(TK_IDENT))
        sep = ", expecting ", want = "name";
#undef OK
    diag_error(ctx->d, tok.line, tok.col, "syntax error: unexpected %s%s%s", what, sep, want);
}

void CspParseErrorsOn(void *parser) { ((yyParser *)parser)->yyerrcnt = -1; }

static void *stack_realloc(void *p, size_t n)
{
    if (n > (size_t)PARSE_MAX_STACK * sizeof(yyStackEntry))
        return NULL;
    return GC_REALLOC(p, n);
}
}

/* ==================================================================== file */

file ::= START toplist(L). { Node *f = ast_new(N_FILE, 1, 1); f->list = L; ctx->file = f; }
file ::= START PACKAGE IDENT SEMI toplist(L). { Node *f = ast_new(N_FILE, 1, 1); f->list = L; ctx->file = f; }

%type toplist {NodeList}
toplist(A) ::= topstmt(S). { A = (NodeList){0}; add_stmt(&A, S); }
toplist(A) ::= toplist(A) SEMI topstmt(S). { add_stmt(&A, S); }

topstmt(A) ::= stmt(S). { A = S; }
topstmt(A) ::= funcdecl(F). { A = F; }
topstmt(A) ::= IMPORT importspec(S). { A = S; }
topstmt(A) ::= IMPORT(T) LPAREN importspecs(L) RPAREN. { A = group(T, L); }

%type importspec {Node *}
%type importspecs {NodeList}
%type importspec_opt {Node *}
importspec(A) ::= STRING(T). { A = import_spec(T, NULL); }
importspec(A) ::= IDENT(N) STRING(T). { A = import_spec(T, text(N)); }
importspec(A) ::= DOT STRING(T). { A = import_spec(T, "."); }
importspecs(A) ::= importspec_opt(S). { A = (NodeList){0}; if (S) nl_push(&A, S); }
importspecs(A) ::= importspecs(A) SEMI importspec_opt(S). { if (S) nl_push(&A, S); }
importspec_opt(A) ::= . { A = NULL; }
importspec_opt(A) ::= importspec(S). { A = S; }

funcdecl(A) ::= FUNC(T) IDENT(N) LPAREN params(P) RPAREN result_opt(R) block(B).
    { A = funclit(ctx, T, text(N), P, R, B); }
funcdecl(A) ::= FUNC(T) IDENT(N) TPARAMS(TP) LPAREN params(P) RPAREN result_opt(R) block(B).
    { A = funclit(ctx, T, text(N), P, R, B); A->func->tparams = tparams(TP); }
funcdecl(A) ::= METHOD(T) LPAREN receiver(V) RPAREN IDENT(N) LPAREN params(P) RPAREN result_opt(R) block(B).
    { A = method(ctx, T, text(N), V, P, R, B); }

/* A method's receiver: `p Point`, `c *Counter`, or the type alone. */
%type receiver {Node *}
receiver(A) ::= IDENT(N) type(T). { A = name_node(N); A->type = T; }
receiver(A) ::= type(T). { A = ast_new(N_IDENT, ctx->cur.line, ctx->cur.col); A->name = "_"; A->type = T; }

/* ------------------------------------------------------- type declarations */

typedecl(A) ::= TYPE typespec(S). { A = S; }
typedecl(A) ::= TYPE(T) LPAREN typespecs(L) RPAREN. { A = group(T, L); }
typespec(A) ::= IDENT(N) type(T). { A = mk(N_TYPEDECL, N); A->name = text(N); A->type = T; }
/* A generic type: its parameters' names in list. */
typespec(A) ::= IDENT(N) TPARAMS(TP) type(T). { A = mk(N_TYPEDECL, N); A->name = text(N); A->type = T; A->list = tparams(TP); }
typespec(A) ::= IDENT(N) ASSIGN type(T). { A = mk(N_TYPEDECL, N); A->name = text(N); A->type = T; A->op = TK_ASSIGN; }
%type typespecs {NodeList}
typespecs(A) ::= typespec_opt(S). { A = (NodeList){0}; add_stmt(&A, S); }
typespecs(A) ::= typespecs(A) SEMI typespec_opt(S). { add_stmt(&A, S); }
typespec_opt(A) ::= . { A = NULL; }
typespec_opt(A) ::= typespec(S). { A = S; }

/* ============================================================== statements */

%type stmt_list {NodeList}
stmt_list(A) ::= stmt(S). { A = (NodeList){0}; add_stmt(&A, S); }
stmt_list(A) ::= stmt_list(A) SEMI stmt(S). { add_stmt(&A, S); }

block(A) ::= LBRACE(O) stmt_list(L) RBRACE(C). { A = block(O, L, C); }

stmt(A) ::= . { A = NULL; }
stmt(A) ::= error. { A = NULL; }
stmt(A) ::= simple(S). { A = S; }
stmt(A) ::= vardecl(D). { A = D; }
stmt(A) ::= constdecl(D). { A = D; }
stmt(A) ::= typedecl(D). { A = D; }
stmt(A) ::= block(B). { A = B; }
stmt(A) ::= ifstmt(S). { A = S; }
stmt(A) ::= forstmt(S). { A = S; }
stmt(A) ::= switchstmt(S). { A = S; }
stmt(A) ::= selectstmt(S). { A = S; }
stmt(A) ::= RETURN(T). { A = mk(N_RETURN, T); }
stmt(A) ::= RETURN(T) exprlist(L). { A = mk(N_RETURN, T); A->list = L; }
stmt(A) ::= BREAK(T). { A = branch(T, N_BREAK, NULL); }
stmt(A) ::= BREAK(T) IDENT(L). { A = branch(T, N_BREAK, &L); }
stmt(A) ::= CONTINUE(T). { A = branch(T, N_CONTINUE, NULL); }
stmt(A) ::= CONTINUE(T) IDENT(L). { A = branch(T, N_CONTINUE, &L); }
stmt(A) ::= GOTO IDENT(L). { A = branch(L, N_GOTO, &L); }
stmt(A) ::= FALLTHROUGH(T). { A = branch(T, N_FALLTHROUGH, NULL); }
stmt(A) ::= GO(T) expr(E). { A = go_defer(ctx, T, N_GO, E); }
stmt(A) ::= DEFER(T) expr(E). { A = go_defer(ctx, T, N_DEFER, E); }
stmt(A) ::= IDENT(L) COLON stmt(S). { A = labeled(L, S); }

simple(A) ::= expr(E). { A = mk_at(N_EXPRSTMT, E); A->a = E; }
simple(A) ::= exprlist(L) ASSIGN exprlist(R). { A = assign(L, TK_ASSIGN, R); }
simple(A) ::= exprlist(L) DEFINE exprlist(R). { A = define(ctx, L, R); }
simple(A) ::= expr(L) assignop(O) expr(R). { A = assign(list1(L), O, list1(R)); }
simple(A) ::= expr(E) INC. { A = mk_at(N_INCDEC, E); A->op = TK_INC; A->a = E; }
simple(A) ::= expr(E) DEC. { A = mk_at(N_INCDEC, E); A->op = TK_DEC; A->a = E; }
simple(A) ::= expr(C) ARROW expr(V). { A = mk_at(N_SEND, C); A->a = C; A->b = V; }

%type assignop {int}
assignop(A) ::= PLUSEQ. { A = TK_PLUSEQ; }
assignop(A) ::= MINUSEQ. { A = TK_MINUSEQ; }
assignop(A) ::= STAREQ. { A = TK_STAREQ; }
assignop(A) ::= SLASHEQ. { A = TK_SLASHEQ; }
assignop(A) ::= PERCENTEQ. { A = TK_PERCENTEQ; }
assignop(A) ::= AMPEQ. { A = TK_AMPEQ; }
assignop(A) ::= PIPEEQ. { A = TK_PIPEEQ; }
assignop(A) ::= CARETEQ. { A = TK_CARETEQ; }
assignop(A) ::= SHLEQ. { A = TK_SHLEQ; }
assignop(A) ::= SHREQ. { A = TK_SHREQ; }
assignop(A) ::= ANDNOTEQ. { A = TK_ANDNOTEQ; }

simple_opt(A) ::= . { A = NULL; }
simple_opt(A) ::= simple(S). { A = S; }
expr_opt(A) ::= . { A = NULL; }
expr_opt(A) ::= expr(E). { A = E; }

/* ------------------------------------------------------------ declarations */

vardecl(A) ::= VAR varspec(S). { A = S; }
vardecl(A) ::= VAR(T) LPAREN varspecs(L) RPAREN. { A = group(T, L); }

varspec(A) ::= identlist(L). { A = decl(N_VAR, L, NULL, (NodeList){0}); }
varspec(A) ::= identlist(L) type(T). { A = decl(N_VAR, L, T, (NodeList){0}); }
varspec(A) ::= identlist(L) type(T) ASSIGN exprlist(V). { A = decl(N_VAR, L, T, V); }
varspec(A) ::= identlist(L) ASSIGN exprlist(V). { A = decl(N_VAR, L, NULL, V); }

%type varspecs {NodeList}
varspecs(A) ::= varspec_opt(S). { A = (NodeList){0}; add_stmt(&A, S); }
varspecs(A) ::= varspecs(A) SEMI varspec_opt(S). { add_stmt(&A, S); }
varspec_opt(A) ::= . { A = NULL; }
varspec_opt(A) ::= varspec(S). { A = S; }

constdecl(A) ::= CONST constspec(S). { const_specs(ctx, list1(S)); A = S; }
constdecl(A) ::= CONST(T) LPAREN constspecs(L) RPAREN. { const_specs(ctx, L); A = group(T, L); }

constspec(A) ::= identlist(L). { A = decl(N_CONST, L, NULL, (NodeList){0}); }
constspec(A) ::= identlist(L) type(T). { A = decl(N_CONST, L, T, (NodeList){0}); }
constspec(A) ::= identlist(L) type(T) ASSIGN exprlist(V). { A = decl(N_CONST, L, T, V); }
constspec(A) ::= identlist(L) ASSIGN exprlist(V). { A = decl(N_CONST, L, NULL, V); }

%type constspecs {NodeList}
constspecs(A) ::= constspec_opt(S). { A = (NodeList){0}; add_stmt(&A, S); }
constspecs(A) ::= constspecs(A) SEMI constspec_opt(S). { add_stmt(&A, S); }
constspec_opt(A) ::= . { A = NULL; }
constspec_opt(A) ::= constspec(S). { A = S; }

%type identlist {NodeList}
identlist(A) ::= IDENT(N). { A = list1(name_node(N)); }
identlist(A) ::= identlist(A) COMMA IDENT(N). { nl_push(&A, name_node(N)); }

/* ----------------------------------------------------------- control flow */

/* An else-if ladder is a loop for the user, so it is parsed as one: the
 * chain is left-recursive (the parser's stack stays flat however many
 * clauses there are) and each clause is hung on the previous one's else. */
%type ifchain {IfChain}
ifstmt(A) ::= ifchain(C). { A = C.first; }
ifstmt(A) ::= ifchain(C) ELSE block(B). { A = C.first; C.last->els = B; }
ifchain(A) ::= ifclause(S). { A.first = A.last = S; }
ifchain(A) ::= ifchain(A) ELSE ifclause(S). { A.last->els = S; A.last = S; }
ifclause(A) ::= IF(T) expr(C) block(B). { A = mk(N_IF, T); A->a = C; A->body = B; }
ifclause(A) ::= IF(T) simple(I) SEMI expr(C) block(B).
    { A = mk(N_IF, T); A->init = I; A->a = C; A->body = B; }

forstmt(A) ::= FOR(T) block(B). { A = for_loop(T, NULL, NULL, NULL, B); }
forstmt(A) ::= FOR(T) expr(C) block(B). { A = for_loop(T, NULL, C, NULL, B); }
forstmt(A) ::= FOR(T) simple_opt(I) SEMI expr_opt(C) SEMI simple_opt(P) block(B).
    { A = for_loop(T, I, C, P, B); }
forstmt(A) ::= FOR(T) RANGE expr(X) block(B). { A = range_for(ctx, T, NULL, false, X, B); }
forstmt(A) ::= FOR(T) exprlist(L) DEFINE RANGE expr(X) block(B). { A = range_for(ctx, T, &L, true, X, B); }
forstmt(A) ::= FOR(T) exprlist(L) ASSIGN RANGE expr(X) block(B). { A = range_for(ctx, T, &L, false, X, B); }

switchstmt(A) ::= SWITCH(T) switchhead(H) LBRACE caseclauses(L) RBRACE.
    { A = H; A->line = T.line; A->col = T.col; A->list = L; one_default(ctx, L, false); }
switchhead(A) ::= . { A = ast_new(N_SWITCH, 0, 0); }
switchhead(A) ::= expr(X). { A = ast_new(N_SWITCH, 0, 0); A->a = X; }
switchhead(A) ::= simple(I) SEMI. { A = ast_new(N_SWITCH, 0, 0); A->init = I; }
switchhead(A) ::= simple(I) SEMI expr(X). { A = ast_new(N_SWITCH, 0, 0); A->init = I; A->a = X; }
/* A type switch that binds its guard: `switch x := v.(type) {`. */
switchhead(A) ::= exprlist(L) DEFINE expr(X). { A = type_switch_head(ctx, NULL, L, X); }
switchhead(A) ::= simple(I) SEMI exprlist(L) DEFINE expr(X). { A = type_switch_head(ctx, I, L, X); }

%type caseclauses {NodeList}
caseclauses(A) ::= . { A = (NodeList){0}; }
caseclauses(A) ::= caseclauses(A) caseclause(C). { add_stmt(&A, C); }
caseclause(A) ::= CASE(T) exprlist(L) COLON(C) stmt_list(B). { A = case_clause(T, L, C, B); }
caseclause(A) ::= DEFAULT(T) COLON(C) stmt_list(B). { A = case_clause(T, (NodeList){0}, C, B); }
caseclause(A) ::= error. { A = NULL; }

selectstmt(A) ::= SELECT(T) LBRACE commclauses(L) RBRACE.
    { A = mk(N_SELECT, T); A->list = L; one_default(ctx, L, true); }

%type commclauses {NodeList}
commclauses(A) ::= . { A = (NodeList){0}; }
commclauses(A) ::= commclauses(A) commclause(C). { add_stmt(&A, C); }
commclause(A) ::= CASE(T) commcase(M) COLON(C) stmt_list(B).
    { A = M; A->line = T.line; A->col = T.col; A->body = case_body(C, B); }
commclause(A) ::= DEFAULT(T) COLON(C) stmt_list(B).
    { A = mk(N_COMM, T); A->op = COMM_DEFAULT; A->body = case_body(C, B); }
commclause(A) ::= error. { A = NULL; }

commcase(A) ::= expr(E). { A = comm_recv(ctx, NULL, false, E); }
commcase(A) ::= expr(C) ARROW expr(V). { A = comm_send(C, V); }
commcase(A) ::= exprlist(L) DEFINE expr(E). { A = comm_recv(ctx, &L, true, E); }
commcase(A) ::= exprlist(L) ASSIGN expr(E). { A = comm_recv(ctx, &L, false, E); }

/* ============================================================= expressions */

%type exprlist {NodeList}
exprlist(A) ::= expr(E). { A = list1(E); }
exprlist(A) ::= exprlist(A) COMMA expr(E). { nl_push(&A, E); }

expr(A) ::= unary(U). { A = U; }
expr(A) ::= expr(L) OROR expr(R). { A = binary(L, TK_OROR, R); }
expr(A) ::= expr(L) ANDAND expr(R). { A = binary(L, TK_ANDAND, R); }
expr(A) ::= expr(L) EQ expr(R). { A = binary(L, TK_EQ, R); }
expr(A) ::= expr(L) NE expr(R). { A = binary(L, TK_NE, R); }
expr(A) ::= expr(L) LT expr(R). { A = binary(L, TK_LT, R); }
expr(A) ::= expr(L) LE expr(R). { A = binary(L, TK_LE, R); }
expr(A) ::= expr(L) GT expr(R). { A = binary(L, TK_GT, R); }
expr(A) ::= expr(L) GE expr(R). { A = binary(L, TK_GE, R); }
expr(A) ::= expr(L) PLUS expr(R). { A = binary(L, TK_PLUS, R); }
expr(A) ::= expr(L) MINUS expr(R). { A = binary(L, TK_MINUS, R); }
expr(A) ::= expr(L) PIPE expr(R). { A = binary(L, TK_PIPE, R); }
expr(A) ::= expr(L) CARET expr(R). { A = binary(L, TK_CARET, R); }
expr(A) ::= expr(L) STAR expr(R). { A = binary(L, TK_STAR, R); }
expr(A) ::= expr(L) SLASH expr(R). { A = binary(L, TK_SLASH, R); }
expr(A) ::= expr(L) PERCENT expr(R). { A = binary(L, TK_PERCENT, R); }
expr(A) ::= expr(L) SHL expr(R). { A = binary(L, TK_SHL, R); }
expr(A) ::= expr(L) SHR expr(R). { A = binary(L, TK_SHR, R); }
expr(A) ::= expr(L) AMP expr(R). { A = binary(L, TK_AMP, R); }
expr(A) ::= expr(L) ANDNOT expr(R). { A = binary(L, TK_ANDNOT, R); }

unary(A) ::= postfix(P). { A = P; }
unary(A) ::= MINUS(T) unary(U). { A = unary(T, TK_MINUS, U); }
unary(A) ::= PLUS(T) unary(U). { A = unary(T, TK_PLUS, U); }
unary(A) ::= NOT(T) unary(U). { A = unary(T, TK_NOT, U); }
unary(A) ::= CARET(T) unary(U). { A = unary(T, TK_CARET, U); }
unary(A) ::= ARROW(T) unary(U). { A = unary(T, TK_ARROW, U); }
/* `&x` takes an address, `*p` dereferences (a pointer type `*T` is parsed
 * by the type rules, where no expression can start). */
unary(A) ::= AMP(T) unary(U). { A = unary(T, TK_AMP, U); }
unary(A) ::= STAR(T) unary(U). { A = unary(T, TK_STAR, U); }

postfix(A) ::= operand(O). { A = O; }
postfix(A) ::= postfix(F) LPAREN RPAREN. { CallArgs none = {{0}, false}; A = call(F, none); }
postfix(A) ::= postfix(F) LPAREN callargs(L) RPAREN. { A = call(F, L); }
postfix(A) ::= postfix(X) LBRACK expr(I) RBRACK. { A = index_expr(X, I); }
/* Only a generic function's instantiation has several: Map[int, string]. */
postfix(A) ::= postfix(X) LBRACK expr(I) COMMA exprlist(L) comma_opt RBRACK.
    { A = index_expr(X, I); nl_push(&A->list, I); for (int i = 0; i < L.n; i++) nl_push(&A->list, L.items[i]); }
postfix(A) ::= postfix(X) LBRACK expr_opt(L) COLON expr_opt(H) RBRACK. { A = slice_expr(X, L, H, NULL); }
postfix(A) ::= postfix(X) LBRACK expr_opt(L) COLON expr(H) COLON expr(M) RBRACK. { A = slice_expr(X, L, H, M); }
postfix(A) ::= postfix(X) DOT IDENT(N). { A = field(X, N); }
postfix(A) ::= postfix(X) DOT LPAREN XTYPE(T) RPAREN. { A = type_assert(X, T); }

%type callargs {CallArgs}
callargs(A) ::= exprlist(L) comma_opt. { A.list = L; A.spread = false; }
callargs(A) ::= exprlist(L) ELLIPSIS comma_opt. { A.list = L; A.spread = true; }
comma_opt ::= .
comma_opt ::= COMMA.

operand(A) ::= INT(T). { A = int_lit(T); }
operand(A) ::= FLOAT(T). { A = float_lit(T); }
operand(A) ::= STRING(T). { A = string_lit(T); }
operand(A) ::= IDENT(T). { A = ident(T); }
/* `chan()` / `chan(n)` make channels: chan is then an ordinary callee. */
operand(A) ::= CHAN(T). { A = name_node(T); }
operand(A) ::= LPAREN expr(E) RPAREN. { A = E; }
operand(A) ::= funclit(F). { A = F; }
operand(A) ::= XTYPE(T). { A = typeexpr(T); }
operand(A) ::= LBRACK(T) RBRACK. { A = mk(N_LIST, T); }
operand(A) ::= LBRACK(T) exprlist(L) comma_opt RBRACK. { A = mk(N_LIST, T); A->list = L; }
operand(A) ::= LBRACE_LIT(T) RBRACE_LIT. { Elems e; memset(&e, 0, sizeof e); A = composite(ctx, T, NULL, e); }
operand(A) ::= LBRACE_LIT(T) elems(E) comma_opt RBRACE_LIT. { A = composite(ctx, T, NULL, E); }
operand(A) ::= XTYPE(T) LBRACE_LIT RBRACE_LIT. { Elems e; memset(&e, 0, sizeof e); A = composite(ctx, T, T.str, e); }
operand(A) ::= XTYPE(T) LBRACE_LIT elems(E) comma_opt RBRACE_LIT. { A = composite(ctx, T, T.str, E); }

%type elems {Elems}
elems(A) ::= expr(V). { A = elems1(NULL, V); }
elems(A) ::= expr(K) COLON expr(V). { A = elems1(K, V); }
elems(A) ::= elems(A) COMMA expr(V). { elems_add(&A, NULL, V); }
elems(A) ::= elems(A) COMMA expr(K) COLON expr(V). { elems_add(&A, K, V); }

funclit(A) ::= FUNC(T) LPAREN params(P) RPAREN result_opt(R) block(B). { A = funclit(ctx, T, NULL, P, R, B); }

%type params {Params}
params(A) ::= . { memset(&A, 0, sizeof A); }
params(A) ::= paramlist(L) comma_opt. { A = L; }
%type paramlist {Params}
paramlist(A) ::= param(P). { memset(&A, 0, sizeof A); params_add(&A, P); }
paramlist(A) ::= paramlist(A) COMMA param(P). { params_add(&A, P); }

%type param {Param}
param(A) ::= IDENT(N). { A = param(N, false); }
param(A) ::= IDENT(N) type(T). { A = param(N, false); A.name->type = T; }
param(A) ::= IDENT(N) ELLIPSIS. { A = param(N, true); }
param(A) ::= IDENT(N) ELLIPSIS type(T). { A = param(N, true); A.name->type = T; }
param(A) ::= IDENT(N) DOT IDENT(M). { A = anon_param(N, false, cat3(text(N), ".", text(M))); }
param(A) ::= ELLIPSIS(T) type(U). { A = anon_param(T, true, U); }
param(A) ::= anontype(T). { Token at = {0}; at.line = ctx->cur.line; at.col = ctx->cur.col; A = anon_param(at, false, T); }

%type result_opt {Results}
%type resultlist {Results}
result_opt(A) ::= . { memset(&A, 0, sizeof A); }
result_opt(A) ::= type(T). { memset(&A, 0, sizeof A); nl_push(&A.list, anon_result(ctx, T)); }
result_opt(A) ::= LPAREN resultlist(L) comma_opt RPAREN. { A = L; }
resultlist(A) ::= result(R). { memset(&A, 0, sizeof A); nl_push(&A.list, R); A.named = R->name != NULL; }
resultlist(A) ::= resultlist(A) COMMA result(R). { nl_push(&A.list, R); A.named |= R->name != NULL; }
%type result {Node *}
result(A) ::= type(T). { A = anon_result(ctx, T); }
result(A) ::= IDENT(N) type(T). { A = name_node(N); A->type = T; }

/* =================================================================== types */

%type type {const char *}
%type anontype {const char *}
%type anontype2 {const char *}
%type elemtype {const char *}

type(A) ::= IDENT(N). { A = text(N); }
type(A) ::= IDENT(P) DOT IDENT(N). { A = cat3(text(P), ".", text(N)); }
type(A) ::= anontype(T). { A = T; }

anontype(A) ::= ARROW CHAN type(T). { A = cat3("<-chan ", T, ""); }
anontype(A) ::= anontype2(T). { A = T; }

anontype2(A) ::= XTYPE(T). { A = T.str; }
anontype2(A) ::= LBRACK RBRACK type(T). { A = cat3("[]", T, ""); }
anontype2(A) ::= LBRACK expr(N) RBRACK type(T). { A = array_type(N, T); }
anontype2(A) ::= LBRACK ELLIPSIS RBRACK type(T). { A = cat3("[...]", T, ""); }
anontype2(A) ::= MAP LBRACK type(K) RBRACK type(V). { A = cat3("map[", K, cat3("]", V, "")); }
anontype2(A) ::= CHAN elemtype(T). { A = cat3("chan ", T, ""); }
anontype2(A) ::= CHAN ARROW type(T). { A = cat3("chan<- ", T, ""); }
anontype2(A) ::= STAR type(T). { A = cat3("*", T, ""); }
anontype2(A) ::= FUNC LPAREN params(P) RPAREN result_opt(R). { A = func_type_text(ctx, P, R); }
anontype2(A) ::= INTERFACE LBRACE RBRACE. { A = "interface{}"; }
anontype2(A) ::= STRUCT LBRACE RBRACE. { A = "struct{}"; }

elemtype(A) ::= IDENT(N). { A = text(N); }
elemtype(A) ::= IDENT(P) DOT IDENT(N). { A = cat3(text(P), ".", text(N)); }
elemtype(A) ::= anontype2(T). { A = T; }
