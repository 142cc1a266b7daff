/* ast.c — syntax tree nodes, lists, and the tree printer.
 *
 * ast_dump prints a tree as an S-expression: `(KIND attributes children)`.
 * Children that are not plain operands carry a label (`init:` `cond:`
 * `post:` `key:` `val:` `x:` `tag:` `lo:` `hi:` `body:` `else:`), lists
 * print in order and a second list (the values of an assignment or
 * declaration) follows an `=`. With indent >= 0 every child starts a new
 * line indented two more spaces; with indent < 0 the whole tree is one line,
 * which is what the parser's unit tests compare against.
 */
#include "ast.h"

#include <gc/gc.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../vm/mem.h"
#include "diag.h"
#include "grammar.h"

const char *const node_kind_names[N__COUNT] = {
#define X(name) #name,
    AST_KINDS(X)
#undef X
};

Node *ast_new(NodeKind kind, int line, int col)
{
    Node *n = mem_alloc(sizeof *n);
    n->kind = kind;
    n->line = line;
    n->col = col;
    return n;
}

void nl_push(NodeList *l, Node *n)
{
    if (l->n == l->cap) {
        int cap = mem_grow_int(l->cap, 4);
        Node **items = mem_alloc((size_t)cap * sizeof *items);
        if (l->n)
            memcpy(items, l->items, (size_t)l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = n;
}

/* ------------------------------------------------------------------ dump */

static const char *op_name(int op)
{
    switch (op) {
    case TK_PLUS:
        return "+";
    case TK_MINUS:
        return "-";
    case TK_STAR:
        return "*";
    case TK_SLASH:
        return "/";
    case TK_PERCENT:
        return "%";
    case TK_AMP:
        return "&";
    case TK_PIPE:
        return "|";
    case TK_CARET:
        return "^";
    case TK_SHL:
        return "<<";
    case TK_SHR:
        return ">>";
    case TK_ANDNOT:
        return "&^";
    case TK_ANDAND:
        return "&&";
    case TK_OROR:
        return "||";
    case TK_EQ:
        return "==";
    case TK_NE:
        return "!=";
    case TK_LT:
        return "<";
    case TK_LE:
        return "<=";
    case TK_GT:
        return ">";
    case TK_GE:
        return ">=";
    case TK_NOT:
        return "!";
    case TK_ASSIGN:
        return "=";
    case TK_PLUSEQ:
        return "+=";
    case TK_MINUSEQ:
        return "-=";
    case TK_STAREQ:
        return "*=";
    case TK_SLASHEQ:
        return "/=";
    case TK_PERCENTEQ:
        return "%=";
    case TK_AMPEQ:
        return "&=";
    case TK_PIPEEQ:
        return "|=";
    case TK_CARETEQ:
        return "^=";
    case TK_SHLEQ:
        return "<<=";
    case TK_SHREQ:
        return ">>=";
    case TK_ANDNOTEQ:
        return "&^=";
    case TK_INC:
        return "++";
    case TK_DEC:
        return "--";
    default:
        return "?";
    }
}

#define DUMP_MAX_DEPTH 1000

typedef struct Dump {
    void (*out)(const char *s, void *ctx);
    void *ctx;
    bool multiline;
    int depth;
} Dump;

static void put(Dump *D, const char *s)
{
    D->out(s, D->ctx);
}

static void putf(Dump *D, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(Dump *D, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put(D, buf);
}

static void put_quoted(Dump *D, const char *s, size_t n)
{
    char buf[8];
    put(D, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[0] = '\\', buf[1] = (char)c, buf[2] = 0;
        } else if (c == '\n') {
            strcpy(buf, "\\n");
        } else if (c == '\t') {
            strcpy(buf, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(buf, sizeof buf, "\\x%02x", c);
        } else {
            buf[0] = (char)c, buf[1] = 0;
        }
        put(D, buf);
    }
    put(D, "\"");
}

static void dump(Dump *D, const Node *n, int indent, const char *label);

/* Start a child: on its own line when multiline, else after a space. */
static void child(Dump *D, const Node *n, int indent, const char *label)
{
    if (!n)
        return;
    if (D->multiline) {
        put(D, "\n");
        for (int i = 0; i < indent; i++)
            put(D, " ");
    } else {
        put(D, " ");
    }
    dump(D, n, indent, label);
}

static void children(Dump *D, const NodeList *l, int indent)
{
    for (int i = 0; i < l->n; i++)
        child(D, l->items[i], indent, NULL);
}

/* The label of field `a`, for the statements where it is not an operand. */
static const char *a_label(NodeKind k)
{
    switch (k) {
    case N_IF:
    case N_FOR:
        return "cond";
    case N_RANGE:
        return "x";
    case N_SWITCH:
        return "tag";
    case N_COMM:
        return "chan";
    default:
        return NULL;
    }
}

static void dump_node(Dump *D, const Node *n, int indent);

static void dump(Dump *D, const Node *n, int indent, const char *label)
{
    if (label) {
        put(D, label);
        put(D, ":");
    }
    if (D->depth >= DUMP_MAX_DEPTH) {
        put(D, "...");
        return;
    }
    D->depth++;
    dump_node(D, n, indent);
    D->depth--;
}

static void dump_node(Dump *D, const Node *n, int indent)
{
    put(D, "(");
    put(D, (unsigned)n->kind < N__COUNT ? node_kind_names[n->kind] : "?");
    int in = indent + 2;
    switch (n->kind) {
    case N_INT:
        putf(D, " %" PRId64, n->ival);
        break;
    case N_FLOAT:
        putf(D, " %.17g", n->fval);
        break;
    case N_IMAG:
        putf(D, " %.17gi", n->fval);
        break;
    case N_STRING:
        put(D, " ");
        put_quoted(D, n->str ? n->str : "", n->len);
        break;
    case N_IMPORT:
        if (n->name) {
            put(D, " ");
            put(D, n->name);
        }
        put(D, " ");
        put_quoted(D, n->str ? n->str : "", n->len);
        break;
    case N_TYPEDECL:
        if (n->op == TK_ASSIGN)
            put(D, " alias");
        /* fall through */
    case N_IDENT:
    case N_BREAK:
    case N_CONTINUE:
    case N_GOTO:
    case N_LABELED:
        if (n->name) {
            put(D, " ");
            put(D, n->name);
        }
        break;
    case N_FIELD:
        put(D, " .");
        put(D, n->name ? n->name : "?");
        break;
    case N_UNARY:
    case N_BINARY:
    case N_ASSIGN:
    case N_INCDEC:
        put(D, " ");
        put(D, op_name(n->op));
        break;
    case N_RANGE:
        put(D, n->define ? " :=" : " =");
        break;
    case N_COMM:
        put(D, n->op == COMM_SEND ? " send" : n->op == COMM_RECV ? " recv" : " default");
        if (n->op == COMM_RECV && n->list.n)
            put(D, n->define ? " :=" : " =");
        break;
    case N_CASE:
        if (!n->list.n)
            put(D, " default");
        break;
    case N_COMPOSITE:
        if (n->op == TK_AMP)
            put(D, " &");
        if (n->ival)
            put(D, " keyed");
        break;
    case N_FUNC:
    case N_FUNCDECL:
        if (n->kind == N_FUNCDECL && n->func && n->func->recv)
            put(D, " method");
        if (n->kind == N_FUNCDECL && n->name) {
            put(D, " ");
            put(D, n->name);
        }
        put(D, " (");
        for (int i = 0; n->func && i < n->func->params.n; i++) {
            const Node *p = n->func->params.items[i];
            if (i)
                put(D, " ");
            put(D, p && p->name ? p->name : "?");
        }
        if (n->func && n->func->variadic)
            put(D, "...");
        put(D, ")");
        break;
    default:
        break;
    }
    if (n->type) {
        put(D, " type=");
        put(D, n->type);
    }
    if (n->label) {
        put(D, " label=");
        put(D, n->label);
    }

    child(D, n->init, in, "init");
    child(D, n->key, in, "key");
    child(D, n->val, in, "val");
    child(D, n->a, in, a_label(n->kind));
    if (n->kind == N_SLICE) {
        child(D, n->b, in, "lo");
        child(D, n->c, in, "hi");
    } else {
        child(D, n->b, in, NULL);
        child(D, n->c, in, NULL);
    }
    child(D, n->post, in, "post");
    children(D, &n->list, in);
    if (n->kind == N_CALL && n->spread)
        put(D, " ...");
    if (n->list2.n) {
        put(D, " =");
        children(D, &n->list2, in);
    }
    if (n->func)
        child(D, n->func->body, in, NULL);
    child(D, n->body, in, "body");
    child(D, n->els, in, "else");
    put(D, ")");
}

void ast_dump(const Node *n, int indent, void (*out)(const char *s, void *ctx), void *ctx)
{
    Dump D = {out, ctx, indent >= 0, 0};
    if (!n) {
        out("(nil)", ctx);
        return;
    }
    for (int i = 0; i < indent; i++)
        out(" ", ctx);
    dump(&D, n, indent < 0 ? 0 : indent, NULL);
    if (D.multiline)
        out("\n", ctx);
}

/* ---- elided types of nested composite literals --------------------- */

static char *ast_strn(const char *s, size_t n)
{
    char *r = mem_alloc_atomic(n + 1);
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

void ast_give_type(Diag *d, Node *lit, const char *type);

/* The element type of a list or map type's text, for the elided types of
 * nested composite literals (`[][]int{{1}, {2}}`); NULL if unknown. */
const char *ast_elem_type(const char *t)
{
    if (!t)
        return NULL;
    if (t[0] == '[') {
        const char *e = strchr(t, ']');
        return e ? e + 1 : NULL;
    }
    if (strncmp(t, "map[", 4) == 0) {
        int depth = 0;
        for (const char *p = t + 3; *p; p++) {
            if (*p == '[')
                depth++;
            else if (*p == ']' && --depth == 0)
                return p + 1;
        }
    }
    return NULL;
}

bool ast_is_map_type(const char *t)
{
    return t && strncmp(t, "map[", 4) == 0;
}

/* A type whose literal the compiler sorts out: a name (`Point`,
 * `pkg.T`: a struct, or a named slice or map), a struct type, or a pointer
 * to one of those (an elided `{...}` of a `[]*Point` literal is &Point{...}). */
bool ast_is_named_type(const char *t)
{
    if (!t)
        return false;
    if (*t == '*')
        t++;
    return strncmp(t, "struct", 6) == 0 ||
           (*t != '[' && strncmp(t, "map[", 4) != 0 && strncmp(t, "chan", 4) != 0 &&
            strncmp(t, "func", 4) != 0 && strncmp(t, "interface", 9) != 0 && *t);
}

/* A literal of a named or struct type: its elements as written, keys and
 * values interleaved when keyed (the keys of a struct literal are field
 * names, which only the compiler can check). */
Node *ast_named_composite(Diag *d, Node *n, const char *type, int keyed, int plain)
{
    if (keyed && plain)
        diag_error(d, n->line, n->col, "mixture of field:value and value elements in struct literal");
    n->kind = N_COMPOSITE;
    n->ival = keyed > 0;
    n->op = 0;
    if (*type == '*') {
        n->op = TK_AMP;
        type++;
    }
    n->type = type;
    return n;
}

/* The key type of a map type's text, for elided key literals
 * (`map[Point]int{{1, 2}: 3}`); NULL if none. */
static const char *key_type(const char *t)
{
    if (!t || strncmp(t, "map[", 4) != 0)
        return NULL;
    int depth = 0;
    for (const char *p = t + 3; *p; p++) {
        if (*p == '[')
            depth++;
        else if (*p == ']' && --depth == 0)
            return ast_strn(t + 4, (size_t)(p - t - 4));
    }
    return NULL;
}

/* An untyped `{...}` element or key of a literal, given its elided type. */
static void give_elided(Diag *d, Node *x, const char *et)
{
    if (ast_is_named_type(et)) {
        bool keyed = x->kind == N_MAP && x->list.n > 0;
        ast_named_composite(d, x, et, keyed, 0);
        return;
    }
    bool elem_is_map = ast_is_map_type(et);
    if (!elem_is_map && x->kind == N_MAP && x->list.n == 0) {
        x->kind = N_LIST; /* `{}` where a list is expected */
    } else if (elem_is_map && x->kind == N_LIST) {
        diag_error(d, x->line, x->col, "missing key in map literal");
        return;
    } else if (!elem_is_map && x->kind == N_MAP) {
        diag_error(d, x->line, x->col, "keyed elements are not supported in list literals");
        return;
    }
    ast_give_type(d, x, et);
}

void ast_give_type(Diag *d, Node *lit, const char *type)
{
    lit->type = type;
    lit->op = 0;
    ast_give_elem_types(d, lit, type);
}

void ast_give_elem_types(Diag *d, Node *lit, const char *type)
{
    const char *et = ast_elem_type(type);
    /* keys and values interleave in a map literal, and in a keyed literal
     * of a declared type (N_COMPOSITE with ival set) */
    bool keyed = lit->kind == N_MAP || (lit->kind == N_COMPOSITE && lit->ival);
    const char *kt = keyed ? key_type(type) : NULL;
    for (int i = 0; i < lit->list.n; i++) {
        Node *x = lit->list.items[i];
        if (!x || (x->kind != N_LIST && x->kind != N_MAP) || x->op != TK_LBRACE_LIT)
            continue;
        const char *t = keyed && i % 2 == 0 ? kt : et;
        if (t && *t)
            give_elided(d, x, t);
    }
}

const char *ast_literal_name(const Node *n)
{
    return !n                   ? NULL
           : n->kind == N_NIL   ? "nil"
           : n->kind == N_TRUE  ? "true"
           : n->kind == N_FALSE ? "false"
                                : NULL;
}

bool ast_literal_to_ident(Node *n)
{
    const char *name = ast_literal_name(n);
    if (!name)
        return false;
    n->name = name;
    n->kind = N_IDENT;
    return true;
}
