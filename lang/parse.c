/* parse.c — the driver: lexer tokens to the lemon parser.
 *
 * Tokens flow through four small stages:
 *
 *   1. the lexer (lexer.re) yields raw tokens and LEX_NEWLINE;
 *   2. semicolon insertion (next_raw): a newline, or the end of input,
 *      after a token that can end a statement (an identifier, a literal,
 *      `)` `]` `}`, `return` `break` `continue` `fallthrough`, `++` `--`)
 *      becomes TK_SEMI, exactly Go's rule; other newlines vanish;
 *   3. a lookahead queue (peek/take), so the driver can look past a token
 *      to decide what it is;
 *   4. classification (run), which keeps a stack of open brackets and:
 *      - decides for each `{` whether it opens a block (TK_LBRACE) or a
 *        composite literal (TK_LBRACE_LIT), and gives its `}` the matching
 *        code. The rule: `{` opens a block after a token that ends an
 *        operand (identifier, literal, `)` `]` `}`, `++` `--`), at the
 *        start of a statement, after `else` `for` `switch` `select` and the
 *        other keywords, and after a `:` that ends a case or a label; it
 *        opens a literal after an operator, `(` `[` `,` `=` `:=` `op=`
 *        `<-` `!`, after `return` `range` `case`, after another literal's
 *        `{`, after a `:` inside a literal or brackets, and right after a
 *        type scanned in expression position (`[]int{`);
 *      - scans a Go type written in expression position (`[]T` `[N]T`
 *        `map[K]V` `chan T` as operands, and the first argument of a call
 *        to `make` or `new`) into one TK_XTYPE token with its normalized
 *        text (the grammar has no other way to tell `make(m)` from
 *        `make(map[string]int)`, or `[]int{1}` from an index);
 *      - tells `type` opening a declaration (TK_TYPE) from csp's type()
 *        built-in, and the `func` of a method declaration (TK_METHOD) from
 *        a function literal's;
 *      - spells every struct and interface type as one TK_XTYPE token
 *        (`struct { X int; Y int }`), and a type name before a composite
 *        literal's `{` (`Point{`, `sync.WaitGroup{`) too. Whether a `{`
 *        after a name opens a literal or a block is Go's rule: a block
 *        where an if/for/switch/select header or a func signature awaits
 *        its body at that bracket depth (so `if p == (T{}) {` needs its
 *        parentheses, as in Go), a literal elsewhere;
 *      - limits nesting: more than PARSE_MAX_NEST (lexer.h) open brackets
 *        is "too deeply nested" and stops the parse.
 *
 * Error recovery: the grammar recovers at statement level. After a syntax
 * error the driver skips the rest of the broken statement itself —
 * everything up to the next `;`, `case` or `default` at the level of the
 * innermost enclosing block, or that block's `}` — stepping over nested
 * brackets whole, so a broken multi-line literal or block yields one
 * message instead of a cascade, and the parser's idea of the enclosing
 * block stays the driver's.
 *
 * Nothing here recurses on the input except scan_type, whose depth is
 * capped (TYPE_MAX_DEPTH); the parser's stack is capped (PARSE_MAX_STACK).
 */
#include "parse.h"

#include <gc/gc.h>
#include <string.h>

#include "../vm/mem.h"
#include "grammar.h"
#include "lexer.h"

/* Nesting inside one type scanned in expression position, and how far the
 * driver looks ahead for it or for a method's receiver. */
#define TYPE_MAX_DEPTH 64
#define SCAN_MAX_TOKENS 4096

enum { BR_PAREN, BR_BRACK, BR_BLOCK, BR_LIT };

typedef struct Parser {
    Lexer lx;
    Diag *d;
    ParseCtx ctx;
    void *lemon;
    int last; /* the last token out of semicolon insertion */
    /* lookahead queue: q[qhead .. qhead+qlen) */
    Token *q;
    int qhead, qlen, qcap;
    /* classification */
    int prev, prev2;      /* the last two token codes fed to the parser */
    unsigned char *stack; /* open brackets (BR_*) */
    int depth, cap;
    int sig_depth;  /* the bracket depth inside a function signature's
                       parentheses (0: not in one), where `*Name[T]` is a
                       generic type's instance */
    bool after_sig; /* the signature just closed: a result type follows */
    int type_arg;   /* 1: the next token starts make's/new's first
                       argument (2 while its `(` is still to come) */
    /* A var declaration's names (`var a, b`, a spec of `var (...)`): 1
     * where a name is expected, 2 just after one, where the type may
     * start, 3 after a type alias's `=` (`type A = B[int]`), where it
     * does; 0 elsewhere. var_group: the bracket depth inside `var (` or
     * `type (`; type_decl: the declaration is a type's (`type A B[int]`,
     * `type P[T any] *Box[T]` too). */
    int var_names;
    int var_group;
    bool type_decl;
    /* Open headers: an if/for/switch/select clause or a func signature
     * whose block has not begun, each at the bracket depth it began at.
     * A `{` at that depth opens its block, so `T {` there is no literal
     * (Go's rule: `if p == (Point{}) {` needs the parentheses). */
    int *hdr;
    unsigned char *hdr_func; /* the header is a func signature */
    int nhdr, caphdr;
    bool skipping;  /* recovering: skipping the rest of a statement */
    int skip_depth; /* ... until back at this bracket depth */
    bool stop;      /* give up: too deeply nested */
} Parser;

/* ------------------------------------------------- semicolons and lookahead */

static bool ends_statement(int code)
{
    switch (code) {
    case TK_IDENT:
    case TK_INT:
    case TK_FLOAT:
    case TK_STRING:
    case TK_RPAREN:
    case TK_RBRACK:
    case TK_RBRACE:
    case TK_RETURN:
    case TK_BREAK:
    case TK_CONTINUE:
    case TK_FALLTHROUGH:
    case TK_INC:
    case TK_DEC:
        return true;
    default:
        return false;
    }
}

static void next_raw(Parser *P, Token *t)
{
    for (;;) {
        int c = lex_next(&P->lx, t);
        if (c == LEX_NEWLINE || c == LEX_EOF) {
            if (ends_statement(P->last)) {
                t->code = TK_SEMI;
                t->text = c == LEX_EOF ? "EOF" : "newline";
                t->len = (int)strlen(t->text);
                P->last = TK_SEMI;
                return;
            }
            if (c == LEX_NEWLINE)
                continue;
        }
        P->last = c;
        return;
    }
}

/* The i-th token ahead (0: the next one). Past the end it is LEX_EOF. */
static Token *peek(Parser *P, int i)
{
    while (P->qlen <= i) {
        if (P->qhead + P->qlen == P->qcap) {
            if (P->qhead > 0) {
                memmove(P->q, P->q + P->qhead, (size_t)P->qlen * sizeof *P->q);
                P->qhead = 0;
            } else {
                int cap = mem_grow_int(P->qcap, 64);
                Token *q = mem_alloc((size_t)cap * sizeof *q);
                if (P->qlen)
                    memcpy(q, P->q, (size_t)P->qlen * sizeof *q);
                P->q = q;
                P->qcap = cap;
            }
        }
        next_raw(P, &P->q[P->qhead + P->qlen]);
        P->qlen++;
    }
    return &P->q[P->qhead + i];
}

static int peek_code(Parser *P, int i)
{
    return peek(P, i)->code;
}

static Token take(Parser *P)
{
    Token t = *peek(P, 0);
    P->qhead++;
    P->qlen--;
    return t;
}

/* Drop n tokens from the front of the queue. */
static void drop(Parser *P, int n)
{
    P->qhead += n;
    P->qlen -= n;
}

/* ------------------------------------------------------------- brackets */

static bool push(Parser *P, int kind, const Token *at)
{
    if (P->depth >= PARSE_MAX_NEST) {
        diag_error(P->d, at->line, at->col, "too deeply nested (limit is %d open brackets)", PARSE_MAX_NEST);
        P->stop = true;
        return false;
    }
    if (P->depth == P->cap) {
        int cap = mem_grow_int(P->cap, 64);
        unsigned char *s = mem_alloc_atomic((size_t)cap);
        if (P->depth)
            memcpy(s, P->stack, (size_t)P->depth);
        P->stack = s;
        P->cap = cap;
    }
    P->stack[P->depth++] = (unsigned char)kind;
    return true;
}

/* Close the innermost bracket of the given kind. A `}` also closes any
 * parentheses left open inside its block; `)` and `]` never close through
 * a brace. Returns the kind closed, or -1 when nothing matched (the parser
 * will then report the stray token). */
static int pop(Parser *P, int code)
{
    for (int i = P->depth - 1; i >= 0; i--) {
        int k = P->stack[i];
        bool match = code == TK_RPAREN   ? k == BR_PAREN
                     : code == TK_RBRACK ? k == BR_BRACK
                                         : k == BR_BLOCK || k == BR_LIT;
        if (match) {
            P->depth = i;
            return k;
        }
        if (code != TK_RBRACE && (k == BR_BLOCK || k == BR_LIT))
            return -1;
    }
    return -1;
}

/* The stack depth just inside the innermost block (0 at top level). */
static int block_level(Parser *P)
{
    for (int i = P->depth - 1; i >= 0; i--)
        if (P->stack[i] == BR_BLOCK)
            return i + 1;
    return 0;
}

static int top(Parser *P)
{
    return P->depth ? P->stack[P->depth - 1] : -1;
}

/* Update the bracket stack for t, giving braces their final codes. */
static void track(Parser *P, Token *t, bool literal)
{
    switch (t->code) {
    case TK_LPAREN:
        push(P, BR_PAREN, t);
        break;
    case TK_LBRACK:
        push(P, BR_BRACK, t);
        break;
    case TK_LBRACE:
        push(P, literal ? BR_LIT : BR_BLOCK, t);
        if (literal)
            t->code = TK_LBRACE_LIT;
        break;
    case TK_RPAREN:
    case TK_RBRACK:
        pop(P, t->code);
        break;
    case TK_RBRACE:
        if (pop(P, TK_RBRACE) == BR_LIT)
            t->code = TK_RBRACE_LIT;
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------- classification */

static bool is_keyword(int c)
{
    return c >= TK_BREAK && c <= TK_VAR;
}

/* Does this token end an operand (so a `{` after it opens a block, and a
 * `[` after it indexes)? */
static bool ends_operand(int c)
{
    switch (c) {
    case TK_IDENT:
    case TK_INT:
    case TK_FLOAT:
    case TK_STRING:
    case TK_RPAREN:
    case TK_RBRACK:
    case TK_RBRACE:
    case TK_RBRACE_LIT:
    case TK_XTYPE:
    case TK_INC:
    case TK_DEC:
        return true;
    default:
        return false;
    }
}

static bool brace_is_literal(Parser *P)
{
    int p = P->prev;
    if (p == TK_XTYPE)
        return true;
    if (ends_operand(p))
        return false;
    switch (p) {
    case TK_START:
    case TK_SEMI:
    case TK_LBRACE:
        return false;
    case TK_RETURN:
    case TK_RANGE:
    case TK_CASE:
        return true;
    case TK_COLON:
        return top(P) == BR_PAREN || top(P) == BR_BRACK || top(P) == BR_LIT;
    default:
        return !is_keyword(p);
    }
}

/* Is the next token where an operand may start? Used only to decide where
 * a type may be scanned, so it leaves out `*` `...` and the type keywords,
 * after which the grammar parses the type itself. */
static bool operand_position(Parser *P)
{
    int p = P->prev;
    if (ends_operand(p))
        return false;
    switch (p) {
    case TK_STAR:
    case TK_ELLIPSIS:
    case TK_CHAN:
    case TK_MAP:
    case TK_FUNC:
    case TK_DOT:
    case TK_INTERFACE:
    case TK_STRUCT:
        return false;
    default:
        return true;
    }
}

static bool at_statement_start(Parser *P)
{
    int p = P->prev;
    return p == TK_START || p == TK_SEMI || p == TK_LBRACE ||
           (p == TK_COLON && (top(P) == BR_BLOCK || top(P) == -1));
}

static bool type_start(int c)
{
    switch (c) {
    case TK_IDENT:
    case TK_LBRACK:
    case TK_MAP:
    case TK_CHAN:
    case TK_STAR:
    case TK_FUNC:
    case TK_INTERFACE:
    case TK_STRUCT:
    case TK_ARROW:
    case TK_LPAREN:
        return true;
    default:
        return false;
    }
}

/* A growable string for type texts. */
typedef struct Text {
    char *p;
    size_t n, cap;
} Text;

static void text_add(Text *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = mem_alloc_atomic(cap);
        if (b->n)
            memcpy(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    if (n) /* s may be NULL when n is 0 */
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void text_str(Text *b, const char *s)
{
    text_add(b, s, strlen(s));
}
static void text_tok(Text *b, const Token *t)
{
    text_add(b, t->text, (size_t)t->len);
}

/* Skip a balanced (...) starting at token i; the index after it, or -1. */
static int skip_parens(Parser *P, int i)
{
    int depth = 0;
    for (int j = i; j < i + SCAN_MAX_TOKENS; j++) {
        int c = peek_code(P, j);
        if (c == TK_LPAREN)
            depth++;
        else if (c == TK_RPAREN && --depth == 0)
            return j + 1;
        else if (c == LEX_EOF || c == TK_LBRACE || c == TK_RBRACE)
            return -1;
    }
    return -1;
}

static int scan_type(Parser *P, int i, Text *out, int depth);
static int scan_type_args(Parser *P, int i, Text *out, int depth);

/* A struct tag as Go's %q spells it (the text of a struct type holds it
 * so). */
static void text_quoted(Text *out, const Token *t)
{
    text_str(out, "\"");
    for (size_t k = 0; t->str && k < t->slen; k++) {
        char c = t->str[k];
        if (c == '"' || c == '\\')
            text_add(out, "\\", 1), text_add(out, &c, 1);
        else if (c == '\n')
            text_str(out, "\\n");
        else if (c == '\t')
            text_str(out, "\\t");
        else
            text_add(out, &c, 1);
    }
    text_str(out, "\"");
}

/* Is the field at token i an embedded generic type's instance (`Base[T]`
 * alone, ending the field), rather than a field named Base of an array
 * type (`Base [N]T`)? */
static bool embedded_instance(Parser *P, int i)
{
    Text args = {0};
    int e = scan_type_args(P, i + 1, &args, 1);
    int c = e > 0 ? peek_code(P, e) : -1;
    return c == TK_SEMI || c == TK_RBRACE || c == TK_STRING;
}

/* The fields of a struct type from token i (just past its `{`), spelled
 * as Go prints the type: `struct { X int; Y int; sync.Mutex; T int "tag" }`.
 * Returns the index after its `}`, or -1. */
static int scan_struct(Parser *P, int i, Text *out, int depth)
{
    text_str(out, "struct {");
    int nfields = 0;
    for (;;) {
        if (i > SCAN_MAX_TOKENS)
            return -1;
        int c = peek_code(P, i);
        if (c == TK_SEMI) {
            i++;
            continue;
        }
        if (c == TK_RBRACE)
            break;
        /* the names of one declaration (`X, Y float64`), or none: embedded */
        int names[64], nnames = 0;
        int c1 = peek_code(P, i + 1);
        bool embedded =
            c == TK_STAR ||
            (c == TK_IDENT && (c1 == TK_SEMI || c1 == TK_RBRACE || c1 == TK_STRING || c1 == TK_DOT)) ||
            (c == TK_IDENT && c1 == TK_LBRACK && embedded_instance(P, i));
        if (!embedded) {
            while (peek_code(P, i) == TK_IDENT && nnames < 64) {
                names[nnames++] = i++;
                if (peek_code(P, i) != TK_COMMA)
                    break;
                i++;
            }
            if (!nnames)
                return -1;
        }
        Text ty = {0};
        int end = scan_type(P, i, &ty, depth + 1);
        if (end < 0)
            return -1;
        i = end;
        Text tag = {0};
        if (peek_code(P, i) == TK_STRING) {
            text_str(&tag, " ");
            text_quoted(&tag, peek(P, i));
            i++;
        }
        for (int k = 0; k < (embedded ? 1 : nnames); k++) {
            text_str(out, nfields++ ? "; " : " ");
            if (!embedded) {
                text_tok(out, peek(P, names[k]));
                text_str(out, " ");
            }
            text_str(out, ty.p ? ty.p : "");
            text_str(out, tag.p ? tag.p : "");
        }
        c = peek_code(P, i);
        if (c != TK_SEMI && c != TK_RBRACE)
            return -1;
    }
    text_str(out, nfields ? " }" : "}");
    return i + 1;
}

static bool word_like(int c)
{
    return c == TK_IDENT || (c >= TK_BREAK && c <= TK_VAR) || c == TK_INT;
}

/* An interface type's methods and embedded interfaces from token i (just
 * past its `{`), as `interface { Area() float64; fmt.Stringer }`; each
 * method's signature is its tokens, spaced as Go prints them. */
static int scan_interface(Parser *P, int i, Text *out)
{
    text_str(out, "interface {");
    int nelems = 0, depth = 0, prev = TK_SEMI;
    for (;; i++) {
        if (i > SCAN_MAX_TOKENS)
            return -1;
        Token *t = peek(P, i);
        int c = t->code;
        if (c == LEX_EOF)
            return -1;
        if (depth == 0 && c == TK_RBRACE)
            break;
        if (c == TK_LPAREN || c == TK_LBRACK || c == TK_LBRACE)
            depth++;
        else if (c == TK_RPAREN || c == TK_RBRACK || c == TK_RBRACE)
            depth--;
        if (depth == 0 && c == TK_SEMI) {
            prev = TK_SEMI;
            continue;
        }
        if (prev == TK_SEMI)
            text_str(out, nelems++ ? "; " : " ");
        else if ((word_like(prev) && word_like(c)) || prev == TK_COMMA ||
                 (prev == TK_RPAREN && c != TK_RPAREN && c != TK_COMMA))
            text_str(out, " ");
        text_tok(out, t);
        prev = c;
    }
    text_str(out, " }");
    return i + 1;
}

static int scan_type(Parser *P, int i, Text *out, int depth);

/* `[T1, T2]` at token i, types only: "[T1,T2]" into out; the index after
 * the `]`, or -1 (nothing appended) when it is not a list of types. */
static int scan_type_args(Parser *P, int i, Text *out, int depth)
{
    Text t = {0};
    text_str(&t, "[");
    int k = i + 1;
    for (int n = 0;; n++) {
        if (n)
            text_str(&t, ",");
        k = scan_type(P, k, &t, depth);
        if (k < 0)
            return -1;
        int c = peek_code(P, k);
        if (c == TK_RBRACK)
            break;
        if (c != TK_COMMA)
            return -1;
        k++;
    }
    text_str(&t, "]");
    text_add(out, t.p, t.n);
    return k + 1;
}

/* `[len(a)]T`, `[2*N]T`: an array type whose length is a constant
 * expression of numbers, names, len/cap calls, parentheses and arithmetic
 * operators, spelled into the type's text as written (pass 1 evaluates
 * it: compile_resolve.c's array_lengths). -1 when the brackets hold
 * anything else. */
static int scan_length_expr(Parser *P, int i, Text *out, int depth)
{
    Text len = {0};
    int k = i + 1, parens = 0;
    for (; k < i + 64; k++) {
        int c = peek_code(P, k);
        if (c == TK_RBRACK && parens == 0)
            break;
        if (c == TK_LPAREN) {
            parens++;
        } else if (c == TK_RPAREN) {
            if (--parens < 0)
                return -1;
        } else if (c != TK_INT && c != TK_IDENT && c != TK_PLUS && c != TK_MINUS && c != TK_STAR &&
                   c != TK_SLASH && c != TK_PERCENT && c != TK_SHL && c != TK_SHR) {
            return -1;
        }
        text_tok(&len, peek(P, k));
    }
    if (k == i + 1 || peek_code(P, k) != TK_RBRACK)
        return -1;
    Text t = {0};
    text_str(&t, "[");
    text_add(&t, len.p, len.n);
    text_str(&t, "]");
    int end = scan_type(P, k + 1, &t, depth + 1);
    if (end < 0)
        return -1;
    text_add(out, t.p, t.n);
    return end;
}

/* Whether the queue opens a composite literal of an array type whose
 * length is an expression, `[len(a) - 1]int{...}` (a csp list literal
 * `[a - 1]` has no type after its `]`). */
static bool length_literal(Parser *P)
{
    Text t = {0};
    int end = scan_length_expr(P, 0, &t, 0);
    return end > 0 && peek_code(P, end) == TK_LBRACE;
}

/* A signature's parameter (or result) list at token i, its `(`: the
 * types, comma-separated, into out (`a, b int, rest ...string` gives
 * "int, int, ...string"), their number into *count. Names alone are types
 * unless some entry has a name and a type. Returns the index after the
 * `)`, or -1. */
static int scan_sig(Parser *P, int i, Text *out, int *count, int depth)
{
    enum { MAX_ENTRIES = 64 };
    Text types[MAX_ENTRIES];
    bool bare[MAX_ENTRIES]; /* a name alone: a type, or a group's name */
    int n = 0, k = i + 1;
    bool named = false;
    while (peek_code(P, k) != TK_RPAREN) {
        if (n == MAX_ENTRIES || depth > TYPE_MAX_DEPTH)
            return -1;
        Text t = {0};
        int c = peek_code(P, k), c1 = peek_code(P, k + 1);
        bare[n] = false;
        if (c == TK_IDENT && (c1 == TK_COMMA || c1 == TK_RPAREN)) {
            text_tok(&t, peek(P, k));
            bare[n] = true;
            k++;
        } else {
            int e = scan_type(P, k, &t, depth + 1); /* a type alone (T, pkg.T, List[int]) */
            int ce = e > 0 ? peek_code(P, e) : 0;
            if (e < 0 || (ce != TK_COMMA && ce != TK_RPAREN)) {
                /* a name and its type, maybe variadic */
                t.n = 0;
                int start = k;
                if (c == TK_IDENT)
                    start++, named = true;
                if (peek_code(P, start) == TK_ELLIPSIS) {
                    text_str(&t, "...");
                    start++;
                }
                e = scan_type(P, start, &t, depth + 1);
                if (e < 0)
                    return -1;
            }
            k = e;
        }
        types[n++] = t;
        if (peek_code(P, k) == TK_COMMA)
            k++;
        else if (peek_code(P, k) != TK_RPAREN)
            return -1;
    }
    /* `a, b int`: each name of a group takes the type after it */
    Text *next = NULL;
    for (int j = n - 1; named && j >= 0; j--) {
        if (!bare[j])
            next = &types[j];
        else if (next)
            types[j] = *next;
    }
    for (int j = 0; j < n; j++) {
        if (j)
            text_str(out, ", ");
        text_add(out, types[j].p, types[j].n);
    }
    *count = n;
    return k + 1;
}

/* Scan a Go type starting at token i, appending its normalized text to
 * out. Returns the index just after it, or -1 if the tokens there are not
 * a type (nothing is consumed either way). */
static int scan_type(Parser *P, int i, Text *out, int depth)
{
    if (depth > TYPE_MAX_DEPTH || i > SCAN_MAX_TOKENS)
        return -1;
    Token *t = peek(P, i);
    switch (t->code) {
    case TK_IDENT: {
        text_tok(out, t);
        int k = i + 1;
        if (peek_code(P, i + 1) == TK_DOT && peek_code(P, i + 2) == TK_IDENT) {
            text_str(out, ".");
            text_tok(out, peek(P, i + 2));
            k = i + 3;
        }
        if (peek_code(P, k) == TK_LBRACK) {
            /* Name[T1, T2]: a generic type's instance, when what the
             * brackets hold are types */
            Text args = {0};
            int e = scan_type_args(P, k, &args, depth + 1);
            if (e > 0) {
                text_add(out, args.p, args.n);
                return e;
            }
        }
        return k;
    }
    case TK_LBRACK: {
        int c = peek_code(P, i + 1);
        if (c == TK_RBRACK) {
            text_str(out, "[]");
            return scan_type(P, i + 2, out, depth + 1);
        }
        if ((c == TK_INT || c == TK_IDENT || c == TK_ELLIPSIS) && peek_code(P, i + 2) == TK_RBRACK) {
            text_str(out, "[");
            text_tok(out, peek(P, i + 1));
            text_str(out, "]");
            return scan_type(P, i + 3, out, depth + 1);
        }
        return scan_length_expr(P, i, out, depth);
    }
    case TK_MAP: {
        if (peek_code(P, i + 1) != TK_LBRACK)
            return -1;
        text_str(out, "map[");
        int k = scan_type(P, i + 2, out, depth + 1);
        if (k < 0 || peek_code(P, k) != TK_RBRACK)
            return -1;
        text_str(out, "]");
        return scan_type(P, k + 1, out, depth + 1);
    }
    case TK_CHAN:
        if (peek_code(P, i + 1) == TK_ARROW) {
            text_str(out, "chan<- ");
            return scan_type(P, i + 2, out, depth + 1);
        }
        text_str(out, "chan ");
        return scan_type(P, i + 1, out, depth + 1);
    case TK_ARROW:
        if (peek_code(P, i + 1) != TK_CHAN)
            return -1;
        text_str(out, "<-chan ");
        return scan_type(P, i + 2, out, depth + 1);
    case TK_STAR:
        text_str(out, "*");
        return scan_type(P, i + 1, out, depth + 1);
    case TK_FUNC: {
        /* func(int, ...string) (bool, error): Go's spelling, names
         * dropped (the signature is matched in type inference and
         * printed by %T) */
        if (peek_code(P, i + 1) != TK_LPAREN)
            return -1;
        Text params = {0}, results = {0};
        int n = 0;
        int k = scan_sig(P, i + 1, &params, &n, depth + 1);
        if (k < 0)
            return -1;
        text_str(out, "func(");
        text_add(out, params.p, params.n);
        text_str(out, ")");
        int c = peek_code(P, k);
        if (c == TK_LPAREN) {
            int r = scan_sig(P, k, &results, &n, depth + 1);
            if (r < 0)
                return -1;
            text_str(out, n == 1 ? " " : n ? " (" : "");
            text_add(out, results.p, results.n);
            text_str(out, n > 1 ? ")" : "");
            return r;
        }
        if (type_start(c)) {
            Text result = {0};
            int r = scan_type(P, k, &result, depth + 1);
            if (r < 0)
                return k;
            text_str(out, " ");
            text_add(out, result.p, result.n);
            return r;
        }
        return k;
    }
    case TK_INTERFACE:
        if (peek_code(P, i + 1) != TK_LBRACE)
            return -1;
        if (peek_code(P, i + 2) == TK_RBRACE) {
            text_str(out, "interface{}");
            return i + 3;
        }
        return scan_interface(P, i + 2, out);
    case TK_STRUCT:
        if (peek_code(P, i + 1) != TK_LBRACE)
            return -1;
        return scan_struct(P, i + 2, out, depth);
    case TK_LPAREN: {
        int k = scan_type(P, i + 1, out, depth + 1);
        if (k < 0 || peek_code(P, k) != TK_RPAREN)
            return -1;
        return k + 1;
    }
    default:
        return -1;
    }
}

/* The queue's first `end` tokens become one XTYPE token spelled text. */
static void to_xtype(Parser *P, const Text *text, int end)
{
    Token t = *peek(P, 0);
    t.code = TK_XTYPE;
    t.str = text->p;
    t.slen = text->n;
    t.text = text->p;
    t.len = (int)text->n;
    drop(P, end - 1);
    P->q[P->qhead] = t;
}

/* Try to turn the type at the front of the queue into one XTYPE token.
 * With `arg`, only if the type is a whole argument (followed by `,` or `)`),
 * as make's and new's first argument is. */
static bool try_type(Parser *P, bool arg)
{
    Text text = {0};
    int end = scan_type(P, 0, &text, 0);
    if (end <= 0)
        return false;
    if (arg && peek_code(P, end) != TK_COMMA && peek_code(P, end) != TK_RPAREN)
        return false;
    to_xtype(P, &text, end);
    return true;
}

/* A func type in a type switch's case list (`case func(int) bool:`,
 * `case int, func():`): the type at the front of the queue, followed by
 * the clause's `:` or the list's `,`, becomes one XTYPE token. A function
 * literal there would go on with its body's `{`. With in_parens, the type
 * is the one of a conversion, `(func())(nil)`, followed by its `)`. */
static bool try_case_type(Parser *P, bool in_parens)
{
    if (peek_code(P, 1) != TK_LPAREN)
        return false;
    /* the parameters, whose count the type keeps in its text (a function
     * value knows how many it takes); brackets of any kind nest in them */
    int k = 2, depth = 1;
    for (; depth > 0 && k < SCAN_MAX_TOKENS; k++) {
        int c = peek_code(P, k);
        if (c == LEX_EOF)
            return false;
        depth += c == TK_LPAREN || c == TK_LBRACK || c == TK_LBRACE;
        depth -= c == TK_RPAREN || c == TK_RBRACK || c == TK_RBRACE;
    }
    int end = k, c = peek_code(P, k);
    int close1 = in_parens ? TK_RPAREN : TK_COLON, close2 = in_parens ? TK_RPAREN : TK_COMMA;
    Text ignored = {0};
    if (c != close1 && c != close2) /* a result type */
        end = c == TK_LPAREN ? skip_parens(P, k) : scan_type(P, k, &ignored, 1);
    if (end <= 0 || (peek_code(P, end) != close1 && peek_code(P, end) != close2))
        return false;
    Text text = {0};
    if (scan_type(P, 0, &text, 0) == end) { /* Go's spelling, names dropped */
        to_xtype(P, &text, end);
        return true;
    }
    text.n = 0;
    for (int i = 0, prev = 0; i < end; i++) {
        int t = peek_code(P, i);
        if ((word_like(prev) && word_like(t)) || prev == TK_COMMA ||
            (prev == TK_RPAREN && t != TK_RPAREN && t != TK_COMMA))
            text_str(&text, " ");
        text_tok(&text, peek(P, i));
        prev = t;
    }
    to_xtype(P, &text, end);
    return true;
}

/* A generic function's type parameters: at the queue's front is the `[`
 * after `func Name`. Turn the whole bracket into one TPARAMS token holding
 * the parameters' names ("K,V": the first name of each comma-separated
 * group, `[T, U any]` and `[K comparable, V int | float64]` alike); the
 * constraints matter to a type checker, and csp checks when it runs. */
static bool try_tparams(Parser *P, bool need_constraint)
{
    Text names = {0};
    int depth = 0;
    bool want = true; /* the next name starts a group */
    int group = 0;    /* tokens in the current group */
    bool constrained = false;
    for (int j = 0; j < SCAN_MAX_TOKENS; j++) {
        Token *t = peek(P, j);
        /* count each group's tokens: a name alone (`[N]`) is no list */
        if (depth >= 1 && !(depth == 1 && (t->code == TK_COMMA || t->code == TK_RBRACK)))
            group++;
        switch (t->code) {
        case TK_LBRACK:
        case TK_LPAREN:
        case TK_LBRACE:
            depth++;
            break;
        case TK_RBRACK:
        case TK_RPAREN:
        case TK_RBRACE:
            if (--depth == 0) {
                constrained |= group >= 2;
                if (t->code != TK_RBRACK || names.n == 0 || (need_constraint && !constrained))
                    return false;
                Token tp = *peek(P, 0);
                tp.code = TK_TPARAMS;
                tp.str = names.p;
                tp.slen = names.n;
                drop(P, j);
                P->q[P->qhead] = tp;
                return true;
            }
            break;
        case TK_COMMA:
            want = depth == 1;
            if (want) {
                constrained |= group >= 2;
                group = 0;
            }
            break;
        case TK_IDENT:
            if (want && depth == 1) {
                if (names.n)
                    text_str(&names, ",");
                text_tok(&names, t);
            }
            want = false;
            break;
        case TK_SEMI:
            /* an interface constraint written inline separates its
             * elements with `;` or new lines: `[T interface{ ~int; M() }]` */
            if (depth <= 1)
                return false;
            break;
        case LEX_EOF:
            return false;
        default:
            want = false;
            break;
        }
    }
    return false;
}

/* Is the queue's front `func (recv) Name(`, a method declaration? */
static bool is_method(Parser *P)
{
    if (peek_code(P, 1) != TK_LPAREN)
        return false;
    int k = skip_parens(P, 1);
    return k > 0 && peek_code(P, k) == TK_IDENT && peek_code(P, k + 1) == TK_LPAREN;
}

/* ----------------------------------------------------------------- feeding */

/* The token that would close the innermost open bracket, for messages. */
static int closer(Parser *P)
{
    static const int codes[] = {TK_RPAREN, TK_RBRACK, TK_RBRACE, TK_RBRACE_LIT};
    return P->depth ? codes[top(P)] : 0;
}

static void feed(Parser *P, Token t)
{
    P->ctx.cur = t;
    CspParseSnapshot(P->lemon, &P->ctx);
    CspParse(P->lemon, t.code, t, &P->ctx);
    P->prev2 = P->prev;
    P->prev = t.code;
    if (P->ctx.overflow) {
        diag_error(P->d, t.line, t.col, "too deeply nested (limit is %d parser stack entries)",
                   PARSE_MAX_STACK);
        P->stop = true;
    }
}

/* After the parser has reported an error at t (which the driver fed at
 * bracket depth `level` of the innermost block), skip the rest of the
 * statement unless t itself ended it. */
static void recover(Parser *P, const Token *t, int level)
{
    P->ctx.error = false;
    bool ended = t->code == LEX_EOF || (t->code == TK_RBRACE && P->depth < level) ||
                 (P->depth == level && (t->code == TK_SEMI || t->code == TK_CASE || t->code == TK_DEFAULT));
    if (ended) {
        CspParseErrorsOn(P->lemon);
        return;
    }
    P->skipping = true;
    P->skip_depth = level;
    P->type_arg = 0;
}

/* One token while skipping a broken statement. */
static void skip(Parser *P, Token t)
{
    P->ctx.closer = closer(P);
    track(P, &t, false);
    bool sync =
        t.code == LEX_EOF || P->depth < P->skip_depth ||
        (P->depth == P->skip_depth && (t.code == TK_SEMI || t.code == TK_CASE || t.code == TK_DEFAULT));
    if (!sync || P->stop)
        return;
    P->skipping = false;
    int level = P->skip_depth;
    feed(P, t);
    if (P->ctx.error)
        recover(P, &t, level);
    else
        CspParseErrorsOn(P->lemon);
}

/* ------------------------------------------------------------- headers */

static void hdr_push(Parser *P, bool func)
{
    if (P->nhdr == P->caphdr) {
        int cap = mem_grow_int(P->caphdr, 16);
        int *h = mem_alloc_atomic((size_t)cap * sizeof *h);
        unsigned char *f = mem_alloc_atomic((size_t)cap);
        if (P->nhdr) {
            memcpy(h, P->hdr, (size_t)P->nhdr * sizeof *h);
            memcpy(f, P->hdr_func, (size_t)P->nhdr);
        }
        P->hdr = h;
        P->hdr_func = f;
        P->caphdr = cap;
    }
    P->hdr[P->nhdr] = P->depth;
    P->hdr_func[P->nhdr++] = func;
}

/* Keep the header stack in step with token c, about to be fed at the
 * current bracket depth. */
static void hdr_track(Parser *P, int c)
{
    while (P->nhdr && P->hdr[P->nhdr - 1] > P->depth)
        P->nhdr--; /* its bracket closed without a block: a func type */
    bool here = P->nhdr && P->hdr[P->nhdr - 1] == P->depth;
    switch (c) {
    case TK_IF:
    case TK_FOR:
    case TK_SWITCH:
    case TK_SELECT:
        hdr_push(P, false);
        break;
    case TK_FUNC:
    case TK_METHOD:
        hdr_push(P, true);
        break;
    case TK_LBRACE:
        if (here)
            P->nhdr--;
        break;
    case TK_SEMI:
    case TK_COMMA:
    case TK_ASSIGN:
    case TK_DEFINE:
        /* a func type ends there (`var f func() int; ...`, a parameter) */
        if (here && P->hdr_func[P->nhdr - 1])
            P->nhdr--;
        break;
    default:
        break;
    }
}

/* Does the `{` after the name at the queue's front (`Point{`, `pkg.T{`)
 * open a composite literal? Not where it may open a header's block. */
static int literal_type_name(Parser *P)
{
    if (P->prev == TK_DOT || P->prev == TK_TYPE || P->prev == TK_METHOD || P->prev == TK_FUNC)
        return 0;
    if (P->nhdr && P->hdr[P->nhdr - 1] == P->depth)
        return 0;
    if (peek_code(P, 1) == TK_LBRACE)
        return 1;
    if (peek_code(P, 1) == TK_DOT && peek_code(P, 2) == TK_IDENT && peek_code(P, 3) == TK_LBRACE)
        return 3;
    return 0;
}

/* Keep var_names in step with token c, about to be fed at the current
 * bracket depth. */
static void var_track(Parser *P, int c)
{
    if (c == TK_VAR || c == TK_TYPE) {
        P->var_names = 1;
        P->type_decl = c == TK_TYPE;
        return;
    }
    if (c == TK_LPAREN && (P->prev == TK_VAR || P->prev == TK_TYPE)) {
        P->var_group = P->depth + 1;
        return;
    }
    if (P->var_group && P->depth < P->var_group)
        P->var_group = 0;
    if (c == TK_SEMI && P->var_group && P->depth == P->var_group)
        P->var_names = 1; /* the group's next spec */
    else if (c == TK_IDENT && P->var_names == 1)
        P->var_names = 2;
    else if (c == TK_COMMA && P->var_names == 2 && !P->type_decl)
        P->var_names = 1;
    else if (c == TK_ASSIGN && P->var_names == 2 && P->type_decl)
        P->var_names = 3;
    else if (c == TK_TPARAMS && P->var_names == 2 && P->type_decl)
        P->var_names = 2; /* the type follows a generic type's parameters */
    else
        P->var_names = 0;
}

static bool word_char(char c)
{
    return c == '_' || ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9');
}

/* The type of a var or type declaration at the queue's front (`var t
 * *Tree[int]`, `var m map[string][]*Box[T]`, `type A = Box[int]`) when it
 * names a generic type's instance,
 * which the grammar alone would read as an index (`*Tree` indexed): the
 * whole type becomes one XTYPE token. Other types are left to the
 * grammar. */
static bool try_var_type(Parser *P)
{
    Text text = {0};
    int end = scan_type(P, 0, &text, 0);
    if (end <= 0)
        return false;
    /* a name's `[`: Tree[int], not []T, [3]T or map[K]V */
    bool instance = false;
    for (size_t i = 1; i < text.n && !instance; i++)
        instance =
            text.p[i] == '[' && word_char(text.p[i - 1]) &&
            !(i >= 3 && memcmp(text.p + i - 3, "map", 3) == 0 && (i == 3 || !word_char(text.p[i - 4])));
    if (!instance)
        return false;
    to_xtype(P, &text, end);
    return true;
}

/* `func(T) bool` at the queue's front as a type argument (`Id[func(int)
 * bool]`, after the `[` or a `,`): a func type that ends at the bracket's
 * `,` or `]` is no function literal. Then it becomes one XTYPE token. */
static bool try_func_type_arg(Parser *P)
{
    Text text = {0};
    int end = scan_type(P, 0, &text, 0);
    if (end <= 0 || (peek_code(P, end) != TK_COMMA && peek_code(P, end) != TK_RBRACK))
        return false;
    to_xtype(P, &text, end);
    return true;
}

/* `Name[T1, T2]` at the queue's front where it can only be a generic
 * type's instance: after a name (`s Stack[int]`: two names in a row are
 * never an expression), after `]` (`[]T`, `[N]T`, `map[K]V`: an operand
 * never follows one), after `chan`, `...` or `map[`, after `*` in a
 * function's signature or result, as the result right after the
 * parameters' `)` (`() Stack[T]`), or as a composite literal's type
 * (`List[int]{}`, outside a statement header). Then it becomes one XTYPE
 * token. */
static bool generic_instance(Parser *P)
{
    bool type_context =
        P->prev == TK_IDENT || P->prev == TK_RBRACK || P->prev == TK_CHAN || P->prev == TK_ELLIPSIS ||
        (P->prev == TK_LBRACK && P->prev2 == TK_MAP) ||
        (P->prev == TK_STAR && ((P->sig_depth && P->sig_depth == P->depth) || P->after_sig)) ||
        (P->prev == TK_RPAREN && P->after_sig);
    Text text = {0};
    int end = scan_type(P, 0, &text, 0);
    if (end < 4 || !memchr(text.p, '[', text.n))
        return false;
    bool literal = peek_code(P, end) == TK_LBRACE && !(P->nhdr && P->hdr[P->nhdr - 1] == P->depth);
    if (!type_context && !literal)
        return false;
    to_xtype(P, &text, end);
    return true;
}

/* Classify the token at the queue's front and feed it. */
static void step(Parser *P)
{
    Token *f = peek(P, 0);
    int c = f->code;

    if (at_statement_start(P)) {
        /* `type` opens a declaration where a name or a group follows; else
         * it is csp's type() built-in. */
        if (c == TK_IDENT && f->len == 4 && memcmp(f->text, "type", 4) == 0 &&
            (peek_code(P, 1) == TK_IDENT ||
             (peek_code(P, 1) == TK_LPAREN &&
              (peek_code(P, 2) == TK_RPAREN || peek_code(P, 2) == TK_SEMI ||
               (peek_code(P, 2) == TK_IDENT && peek_code(P, 3) != TK_RPAREN && peek_code(P, 3) != TK_COMMA &&
                peek_code(P, 3) != TK_DOT && peek_code(P, 3) != TK_LPAREN &&
                peek_code(P, 3) != TK_LBRACK))))) {
            peek(P, 0)->code = c = TK_TYPE; /* (peeking may move the queue: no f) */
        } else if (c == TK_FUNC && is_method(P)) {
            peek(P, 0)->code = c = TK_METHOD;
        }
    }

    /* a declaration's type naming an instance: `var t *Tree[int]` */
    if (((P->var_names == 2 && c != TK_IDENT) || P->var_names == 3) && type_start(c) && try_var_type(P))
        c = TK_XTYPE;

    /* Types in expression position become one XTYPE token. */
    bool arg = P->type_arg == 1;
    if (P->type_arg)
        P->type_arg--;
    if (arg) {
        if (type_start(c) && try_type(P, true))
            c = TK_XTYPE;
    } else if (operand_position(P) &&
               ((c == TK_LBRACK &&
                 (peek_code(P, 1) == TK_RBRACK || peek_code(P, 2) == TK_RBRACK || length_literal(P))) ||
                c == TK_MAP || c == TK_STRUCT || c == TK_INTERFACE ||
                (c == TK_CHAN && peek_code(P, 1) != TK_LPAREN && P->prev != TK_ARROW))) {
        if (try_type(P, false))
            c = TK_XTYPE;
    } else if (c == TK_FUNC && top(P) == BR_BRACK && (P->prev == TK_LBRACK || P->prev == TK_COMMA) &&
               try_func_type_arg(P)) {
        c = TK_XTYPE;
    }
    if (c == TK_FUNC && (P->prev == TK_CASE || P->prev == TK_COMMA) && try_case_type(P, false)) {
        c = TK_XTYPE; /* `case func(int) string:` in a type switch */
    } else if (c == TK_FUNC && P->prev == TK_LPAREN && try_case_type(P, true)) {
        c = TK_XTYPE; /* `(func())(nil)`: a conversion to a func type */
    } else if (c == TK_STRUCT || c == TK_INTERFACE) {
        /* every struct and interface type, wherever it is: one XTYPE */
        if (try_type(P, false))
            c = TK_XTYPE;
    } else if (c == TK_IDENT && peek_code(P, 1) == TK_LBRACK && generic_instance(P)) {
        c = TK_XTYPE;
    } else if (c == TK_IDENT) {
        int n = literal_type_name(P);
        if (n) {
            /* `Point{...}`, `sync.WaitGroup{}`: the name is the literal's type */
            Token t = *peek(P, 0);
            Text text = {0};
            for (int i = 0; i < n; i++)
                text_tok(&text, peek(P, i));
            t.code = TK_XTYPE;
            t.str = text.p;
            t.slen = text.n;
            t.text = text.p;
            t.len = (int)text.n;
            drop(P, n - 1);
            P->q[P->qhead] = t;
            c = TK_XTYPE;
        }
    }

    Token t = take(P);
    if (t.code == TK_IDENT && P->prev != TK_DOT && peek_code(P, 0) == TK_LPAREN &&
        ((t.len == 4 && memcmp(t.text, "make", 4) == 0) || (t.len == 3 && memcmp(t.text, "new", 3) == 0)))
        P->type_arg = 2; /* after the `(`, which comes next */
    if (t.code == TK_IDENT && P->prev == TK_FUNC && peek_code(P, 0) == TK_LBRACK)
        try_tparams(P, false);
    if (t.code == TK_IDENT && P->prev == TK_TYPE && peek_code(P, 0) == TK_LBRACK)
        try_tparams(P, true); /* `type A [N]int` is an array: a constraint tells */
    else if (t.code == TK_IDENT && P->type_decl && P->var_group && P->var_names == 1 &&
             peek_code(P, 0) == TK_LBRACK)
        try_tparams(P, true); /* the same in a `type (...)` group */
    if (t.code == TK_DOT && peek_code(P, 0) == TK_LPAREN)
        P->type_arg = 2; /* x.(T): the type after the `(` */

    int level = block_level(P);
    P->ctx.closer = closer(P);
    /* a func signature's `{` opens its body, even after `interface{}` */
    bool sig = P->nhdr && P->hdr[P->nhdr - 1] == P->depth && P->hdr_func[P->nhdr - 1];
    bool lit = t.code == TK_LBRACE && !sig && brace_is_literal(P);
    if (!lit)
        hdr_track(P, t.code);
    var_track(P, t.code);
    /* a function's parameters (or receiver), a func type's or literal's
     * too: `*Name[T]` there is a type, and `Name[T]` right after their `)` */
    bool params =
        t.code == TK_LPAREN && (P->prev == TK_METHOD || P->prev == TK_TPARAMS || P->prev == TK_FUNC ||
                                (P->prev == TK_IDENT && (P->prev2 == TK_FUNC || P->prev2 == TK_RPAREN)));
    if (t.code == TK_LBRACE || t.code == TK_SEMI)
        P->after_sig = false;
    track(P, &t, lit);
    if (params) {
        P->sig_depth = P->depth;
        P->after_sig = false;
    } else if (P->sig_depth && P->depth < P->sig_depth) {
        P->sig_depth = 0;
        P->after_sig = true; /* its results may follow */
    }
    if (P->stop)
        return;
    feed(P, t);
    if (P->ctx.error)
        recover(P, &t, level);
}

Node *parse_program(const char *src, size_t len, Diag *d)
{
    Diag quiet;
    if (!d) {
        diag_init(&quiet, "<input>", src, len, stderr);
        d = &quiet;
    }
    /* Errors are counted from here; an earlier error at the same position
     * (the Diag drops repeats) must not hide this parse's first one. */
    d->last_line = d->last_col = 0;
    Parser *P = mem_alloc(sizeof *P);
    lex_init(&P->lx, src ? src : "", src ? len : 0, d);
    P->d = d;
    P->ctx.d = d;
    P->lemon = CspParseAlloc(GC_malloc);
    int before = d->nerrors;

    Token start = {0};
    start.code = TK_START;
    start.line = start.col = 1;
    start.text = "";
    feed(P, start);
    for (;;) {
        if (P->stop)
            return NULL;
        if (P->skipping) {
            Token t = take(P);
            skip(P, t);
            if (t.code == LEX_EOF)
                break;
            continue;
        }
        bool eof = peek_code(P, 0) == LEX_EOF;
        step(P);
        if (eof)
            break;
    }
    if (P->stop || d->nerrors != before)
        return NULL;
    return P->ctx.file;
}

/* ------------------------------------------------------------------- REPL */

/* Tokens after which a line cannot end a statement. */
static bool continues(int c)
{
    switch (c) {
    case TK_COMMA:
    case TK_DOT:
    case TK_ASSIGN:
    case TK_DEFINE:
    case TK_PLUSEQ:
    case TK_MINUSEQ:
    case TK_STAREQ:
    case TK_SLASHEQ:
    case TK_PERCENTEQ:
    case TK_AMPEQ:
    case TK_PIPEEQ:
    case TK_CARETEQ:
    case TK_SHLEQ:
    case TK_SHREQ:
    case TK_ANDNOTEQ:
    case TK_ARROW:
    case TK_OROR:
    case TK_ANDAND:
    case TK_EQ:
    case TK_NE:
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
    case TK_PLUS:
    case TK_MINUS:
    case TK_PIPE:
    case TK_CARET:
    case TK_STAR:
    case TK_SLASH:
    case TK_PERCENT:
    case TK_SHL:
    case TK_SHR:
    case TK_AMP:
    case TK_ANDNOT:
    case TK_NOT:
    case TK_ELSE:
        return true;
    default:
        return false;
    }
}

bool parse_is_incomplete(const char *src, size_t len)
{
    Lexer lx;
    lex_init(&lx, src ? src : "", src ? len : 0, NULL);
    int depth = 0, last = LEX_EOF;
    Token t;
    for (;;) {
        int c = lex_next(&lx, &t);
        if (c == LEX_EOF)
            break;
        if (c == LEX_NEWLINE)
            continue;
        if (c == TK_LPAREN || c == TK_LBRACK || c == TK_LBRACE)
            depth++;
        else if ((c == TK_RPAREN || c == TK_RBRACK || c == TK_RBRACE) && depth > 0)
            depth--;
        last = c;
    }
    return lx.open_comment || lx.open_raw || depth > 0 || continues(last);
}
