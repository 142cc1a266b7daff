/* compile_goto.c — Go's rules for goto, checked in pass 1 (cg_check_gotos).
 *
 * A label names a statement of its function; `goto L` jumps there. Go
 * allows the jump forward and backward, out of blocks but not into one,
 * and not forward over a variable declaration of the label's block (the
 * variable would be in scope without having been set). Code generation
 * (compile_stmt.c) then only has to patch jumps: a label's pc is known
 * when a backward goto is compiled, and a forward goto joins the label's
 * list of jumps, patched when the label is reached.
 *
 * The check walks the statements of one function body (not into function
 * literals, which have their own labels), noting for each statement the
 * blocks around it, outermost first, and its index in each.
 */
#include "compile_int.h"

#include <string.h>

#include "../vm/mem.h"

enum { GOTO_MAX_DEPTH = 256 }; /* deeper statements are not checked */

/* A label or a goto and where it stands: blocks[i] is the i-th block
 * around it and at[i] the index, in that block, of the statement that
 * holds it. */
typedef struct GotoSite {
    Node *n;
    int depth;
    Node **blocks;
    int *at;
} GotoSite;

typedef struct GotoWalk {
    Compiler *c;
    Node *blocks[GOTO_MAX_DEPTH];
    int at[GOTO_MAX_DEPTH];
    int depth;
    GotoSite *labels, *gotos;
    int nlabels, caplabels, ngotos, capgotos;
} GotoWalk;

static void add_site(GotoWalk *w, GotoSite **arr, int *n, int *cap, Node *node)
{
    if (*n == *cap) {
        int ncap = mem_grow_int(*cap, 8);
        GotoSite *na = mem_alloc((size_t)ncap * sizeof *na);
        if (*n)
            memcpy(na, *arr, (size_t)*n * sizeof *na);
        *arr = na;
        *cap = ncap;
    }
    GotoSite *s = &(*arr)[(*n)++];
    s->n = node;
    s->depth = w->depth;
    s->blocks = mem_alloc((size_t)(w->depth + 1) * sizeof *s->blocks);
    s->at = mem_alloc((size_t)(w->depth + 1) * sizeof *s->at);
    memcpy(s->blocks, w->blocks, (size_t)w->depth * sizeof *s->blocks);
    memcpy(s->at, w->at, (size_t)w->depth * sizeof *s->at);
}

static void walk_stmt(GotoWalk *w, Node *n);

static void walk_block(GotoWalk *w, Node *b)
{
    if (!b || (b->kind != N_BLOCK && b->kind != N_FILE) || w->depth >= GOTO_MAX_DEPTH)
        return;
    w->blocks[w->depth++] = b;
    for (int i = 0; i < b->list.n; i++) {
        w->at[w->depth - 1] = i;
        walk_stmt(w, b->list.items[i]);
    }
    w->depth--;
}

static void walk_stmt(GotoWalk *w, Node *n)
{
    if (!n)
        return;
    switch (n->kind) {
    case N_LABELED:
        add_site(w, &w->labels, &w->nlabels, &w->caplabels, n);
        walk_stmt(w, n->body);
        break;
    case N_GOTO:
        add_site(w, &w->gotos, &w->ngotos, &w->capgotos, n);
        break;
    case N_BLOCK:
    case N_FILE: /* a script's top-level statements */
        walk_block(w, n);
        break;
    case N_IF:
        walk_block(w, n->body);
        walk_stmt(w, n->els);
        break;
    case N_FOR:
    case N_RANGE:
        walk_block(w, n->body);
        break;
    case N_SWITCH:
    case N_SELECT:
        for (int i = 0; i < n->list.n; i++)
            if (n->list.items[i])
                walk_block(w, n->list.items[i]->body);
        break;
    default:
        break;
    }
}

/* Whether s declares a variable (Go: `var x`, `x := ...`), so a forward
 * goto must not jump over it: *name is then the first variable's name and
 * *at where Go points (a := statement at its operator). */
static bool declares_var(Node *s, const char **name, Node **at)
{
    s = cg_unlabel(s);
    if (!s || (s->kind != N_VAR && s->kind != N_DEFINE))
        return false;
    Node *v = s->list.n ? s->list.items[0] : NULL;
    *name = v && v->name ? v->name : "?";
    *at = v ? v : s;
    if (s->kind == N_DEFINE && v && s->line == v->line && s->col > v->col)
        *at = s;
    return true;
}

static const char *pos(Compiler *c, const Node *n)
{
    return cg_gc_sprintf("%s:%d:%d", c->file ? c->file : "?", n->line, n->col);
}

static void check_goto(GotoWalk *w, GotoSite *g)
{
    Compiler *c = w->c;
    GotoSite *l = NULL;
    for (int i = 0; i < w->nlabels && !l; i++)
        if (strcmp(w->labels[i].n->name, g->n->name) == 0)
            l = &w->labels[i];
    if (!l) {
        cg_err(c, g->n, "label %s not defined", g->n->name);
        return;
    }
    /* the blocks both stand in; the label's block must be one of them */
    int common = 0;
    while (common < l->depth && common < g->depth && l->blocks[common] == g->blocks[common])
        common++;
    if (common < l->depth) {
        cg_err(c, g->n, "goto %s jumps into block starting at %s", g->n->name, pos(c, l->blocks[common]));
        return;
    }
    if (l->depth == 0)
        return;
    /* forward in the label's block: no variable declared on the way */
    Node *b = l->blocks[l->depth - 1];
    int from = l->depth <= g->depth ? g->at[l->depth - 1] : -1, to = l->at[l->depth - 1];
    for (int i = from + 1; i < to; i++) {
        Node *d;
        const char *name;
        if (declares_var(b->list.items[i], &name, &d)) {
            cg_err(c, g->n, "goto %s jumps over declaration of %s at %s", g->n->name, name, pos(c, d));
            return;
        }
    }
}

void cg_check_gotos(Compiler *c, Node *body)
{
    GotoWalk *w = mem_alloc(sizeof *w);
    memset(w, 0, sizeof *w);
    w->c = c;
    walk_stmt(w, body);
    for (int i = 0; i < w->nlabels; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(w->labels[i].n->name, w->labels[j].n->name) == 0) {
                cg_err(c, w->labels[i].n, "label %s already defined at %s", w->labels[i].n->name,
                       pos(c, w->labels[j].n));
                return;
            }
    for (int i = 0; i < w->ngotos; i++)
        check_goto(w, &w->gotos[i]);
}
