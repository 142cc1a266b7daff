/* compile_resolve.c — pass 1: resolution (res_*).
 *
 * Owns the scope stack and name tables of the Compiler: it binds every
 * identifier to its Var (recorded in Compiler.nodes), gives each function
 * its FuncRes (field names for the K table), marks captured and assigned
 * locals, declares the file's top-level names before anything else is
 * resolved (hoisting, res_file), and reports every scope error. Code
 * generation only reads what it recorded.
 */
#include "compile_int.h"

#include <string.h>

#include "../vm/buf.h"
#include "../vm/iface.h"
#include "../vm/mem.h"
#include "grammar.h"

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
        *cg_nt_slot(&c->names, v->name) = v->shadow;
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
    Var **slot = cg_nt_slot(&c->names, v->name);
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
    Var *v = cg_nt_get(&c->names, name);
    return v && v->depth == c->depth && v->owner == c->fn ? v : NULL;
}

static Var *declare_local(Compiler *c, Node *id)
{
    Var *v = new_var(c, VK_LOCAL, id->name, id);
    bind(c, v);
    cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
    return v;
}

/* Declare a top-level name. `strict`: var, const and func may not
 * redeclare (outside the REPL); := may, when it also declares a new one. */
static Var *declare_global(Compiler *c, Node *at, const char *name, bool strict, bool *isnew)
{
    Var *old = lookup_here(c, name);
    if (isnew)
        *isnew = !old;
    if (!strcmp(name, "init") && !c->repl)
        cg_err(c, at, "cannot declare init - must be func");
    if (old && strict && !c->repl)
        cg_err(c, at, "%s redeclared in this block", name);
    if (old && !(c->repl && strict))
        return old;
    Var *v = new_var(c, VK_GLOBAL, name, at);
    if (old) {
        v->slot = old->slot; /* REPL redefinition: same slot, new meaning */
    } else {
        v->slot = rt_global_slot(c->rt, str_cstr(name));
        if (v->slot < 0 || v->slot > MAX_KBX) {
            cg_err(c, at, limit_fmt[LIM_GLOBALS], limit_n[LIM_GLOBALS]);
            v->slot = 0;
        }
    }
    bind(c, v);
    return v;
}

static Var *predeclared(Compiler *c, const char *name, VarKind kind, Value val, int slot)
{
    Var **s = cg_nt_slot(&c->predecl, name);
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

/* A global of an earlier REPL line keeps the type it was declared with
 * (Runtime.global_types): the REPL records its globals' static types after
 * each line is resolved, and finds them here. */
static const ObjType *repl_global_type(Runtime *rt, const char *name)
{
    Value t;
    pthread_mutex_lock(&rt->globals_lock);
    bool found = rt->global_types && map_get_cstr(rt->global_types, name, &t);
    pthread_mutex_unlock(&rt->globals_lock);
    return found && v_is_obj(t, OBJ_TYPE) ? v_ptr(t) : NULL;
}

static void repl_record_types(Compiler *c)
{
    Runtime *rt = c->rt;
    if (!c->repl || !rt || !rt->global_types)
        return;
    pthread_mutex_lock(&rt->globals_lock);
    for (int i = 0; i < c->nscope; i++) {
        Var *v = c->scope[i];
        if (v->kind != VK_GLOBAL || !v->name)
            continue;
        /* a function declared on this line: its signature, for calls on
         * later lines (cg_param_decl_type) */
        const ObjType *ft = v->decl && v->decl->kind == N_FUNCDECL ? cg_func_type(c, v->decl->func) : NULL;
        const ObjType *t = ft ? ft : v->sty ? v->sty : v->type;
        map_set(rt->global_types, v_cstr(v->name), t ? v_from_ptr((ObjType *)t) : V_NIL);
    }
    pthread_mutex_unlock(&rt->globals_lock);
}

/* Resolve a name that is read (or written: `write`). */
static Var *resolve_name(Compiler *c, Node *id, bool write)
{
    const char *name = id->name;
    if (!name) {
        cg_err(c, id, "missing name");
        return &c->bad;
    }
    if (cg_is_blank(name)) {
        if (!write)
            cg_err(c, id, "cannot use _ as value");
        return write ? &c->blank : &c->bad;
    }
    Var *v = cg_nt_get(&c->names, name);
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
        if (found && v_is_anyint(val)) {
            Var *g = predeclared(c, name, VK_GLOBAL, V_UNDEF, (int)v_anyint(val));
            /* its static type, as recorded: the store type follows from it */
            g->sty = (ObjType *)repl_global_type(rt, name);
            g->type = g->sty ? cg_store_type_of(g->sty) : NULL;
            return g;
        }
    }
    if (rt_universe_get(rt, name, &val))
        return predeclared(c, name, VK_UNIVERSE, val, -1);
    if (strcmp(name, "nil") == 0)
        return predeclared(c, name, VK_UNIVERSE, V_NIL, -1);
    if (strcmp(name, "true") == 0)
        return predeclared(c, name, VK_UNIVERSE, V_TRUE, -1);
    if (strcmp(name, "false") == 0)
        return predeclared(c, name, VK_UNIVERSE, V_FALSE, -1);
    if (!write && (strcmp(name, "any") == 0 || strcmp(name, "error") == 0)) {
        /* a predeclared interface type where a value is read: the callee
         * of a conversion, any(nil), error(e); the node becomes the type,
         * as interface{} there is */
        id->kind = N_TYPEEXPR;
        id->type = name;
        return predeclared(c, name, VK_UNIVERSE, V_UNDEF, -1);
    }
    cg_err(c, id, "undefined: %s", name);
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
static void check_results_visible(Compiler *c, Node *ret);
static void check_selector(Compiler *c, Node *n, ObjType *t);

bool cg_is_expr_kind(NodeKind k)
{
    return k <= N_COMPOSITE;
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
    return cg_is_arith_op(op);
}

static const char *local_name(const ObjType *t);

/* m[k].M where m is a map and M has a pointer receiver: Go's error, since
 * a map's element is not addressable (the call would change a copy). */
static void check_map_elem_recv(Compiler *c, Node *n)
{
    Node *a = n->a;
    ObjType *mt = a && a->kind == N_INDEX ? cg_static_type(c, a->a) : NULL;
    ObjType *et = mt && mt->kind == TYPE_MAP ? mt->elem : NULL;
    if (!et || !et->named || !n->name)
        return;
    Selection sel;
    types_select(et, str_cstr(n->name), V_UNDEF, &sel);
    if (sel.kind != SEL_METHOD || !sel.ptr_recv)
        return;
    for (int i = 0; i < sel.depth; i++)
        if (sel.path[i] & SEL_DEREF)
            return; /* reached through an embedded pointer: no copy */
    cg_err(c, n, "cannot call pointer method %s on %s", n->name, local_name(et));
}

/* Whether t declares a method called name itself, its code compiled yet
 * or not (pass 1 runs before the methods' bodies are): such a method
 * expression is bound where it is compiled, and works on a nil *T. */
static bool own_method(const ObjType *t, const char *name)
{
    for (int i = 0; i < t->nmethods; i++)
        if (strcmp(t->methods[i].name->data, name) == 0)
            return true;
    return false;
}

/* A method expression whose method is found only when it is called: an
 * interface's (`Shape.Area`, `(Shape).Area`) or one a struct promotes
 * from an embedded field (`U.Sum`). n becomes the function literal
 * `func(recv, args...) { return recv.name(args...) }`, which the caller
 * resolves; returns false (n unchanged) for any other selector. */
static bool method_thunk(Compiler *c, Node *n)
{
    Node *a = n->a;
    if (a && a->kind == N_UNARY && a->op == TK_STAR)
        a = a->a;
    ObjType *t = a && a->kind == N_TYPEEXPR ? cg_node_type(c, a) : cg_type_name(c, a);
    if (!t)
        return false;
    ObjString *name = str_cstr(n->name);
    if (t->kind == TYPE_INTERFACE) {
        if (!types_iface_has(t, name))
            return false;
    } else {
        if (t->kind != TYPE_STRUCT || types_method(t, name, NULL) != V_UNDEF || own_method(t, n->name))
            return false;
        Selection sel;
        types_select(t, name, V_UNDEF, &sel);
        if (sel.kind != SEL_METHOD && sel.kind != SEL_IFACE)
            return false;
    }
    FuncInfo *fi = mem_alloc(sizeof *fi);
    Node *recv = ast_new(N_IDENT, n->line, n->col), *args = ast_new(N_IDENT, n->line, n->col);
    recv->name = "recv";
    args->name = "args";
    nl_push(&fi->params, recv);
    nl_push(&fi->params, args);
    fi->variadic = true;
    Node *call = ast_new(N_CALL, n->line, n->col), *sel = ast_new(N_FIELD, n->line, n->col);
    sel->a = ast_new(N_IDENT, n->line, n->col);
    sel->a->name = "recv";
    sel->name = n->name;
    call->a = sel;
    nl_push(&call->list, ast_new(N_IDENT, n->line, n->col));
    call->list.items[0]->name = "args";
    call->spread = true;
    Node *ret = ast_new(N_RETURN, n->line, n->col);
    nl_push(&ret->list, call);
    fi->body = ast_new(N_BLOCK, n->line, n->col);
    fi->body->ival = n->line;
    nl_push(&fi->body->list, ret);
    fi->end_line = n->line;
    n->kind = N_FUNC;
    n->func = fi;
    n->a = NULL;
    return true;
}

static void res_field(Compiler *c, Node *n)
{
    if (!n->name) {
        cg_err(c, n, "missing field name");
        return;
    }
    Node *a = n->a;
    if (a && a->kind == N_IDENT) {
        Var *v = resolve_name(c, a, false);
        cg_pm_put(&c->nodes, a, (uint64_t)(uintptr_t)v);
        ObjModule *mod = universe_module(c, v);
        if (mod) {
            Value mv;
            if (!mod->members || !map_get_cstr(mod->members, n->name, &mv)) {
                cg_err(c, n, "undefined: %s.%s", a->name, n->name);
                cg_pm_put(&c->nodes, n, (uint64_t)(uintptr_t)&c->bad);
                return;
            }
            if (v_is_obj(mv, OBJ_CELL))
                return; /* a package variable (flag.Usage): read and set when it runs */
            Var *m = new_var(c, VK_UNIVERSE, n->name, NULL);
            m->owner = NULL;
            m->cval = mv;
            m->readonly = true;
            cg_pm_put(&c->nodes, n, (uint64_t)(uintptr_t)m);
            return;
        }
    } else {
        res_expr(c, a, n);
    }
    if (method_thunk(c, n)) {
        res_func(c, n->func, n);
        return;
    }
    note_field(c, n->name);
    check_map_elem_recv(c, n);
    if (!cg_type_name(c, a))
        check_selector(c, n, cg_struct_of(cg_static_type(c, a)));
    if (cg_recv_by_ref(c, n)) {
        /* x.M() with M on *T, x a variable of a declared non-struct type:
         * the call takes &x, so x lives in a cell (as for &x) */
        Var *v = cg_node_var(c, a);
        v->captured = true;
        v->addressed = true;
    }
}

bool cg_recv_by_ref(Compiler *c, const Node *sel)
{
    const Node *a = sel->a;
    Var *v = a && a->kind == N_IDENT ? cg_node_var(c, a) : NULL;
    if (!v || v->kind != VK_LOCAL || !sel->name)
        return false;
    const ObjType *t = v->sty ? v->sty : v->type;
    if (!t || !t->named || t->kind == TYPE_STRUCT || t->kind == TYPE_POINTER)
        return false;
    if (t->generic) /* Stack[int]: the methods are its generic type's */
        t = t->generic;
    /* by name, whether its code is compiled yet or not (pass 1 runs
     * before the methods' bodies are) */
    for (int i = 0; i < t->nmethods; i++)
        if (strcmp(t->methods[i].name->data, sel->name) == 0)
            return t->methods[i].ptr_recv;
    return false;
}

/* Whether n is an instance of a generic type written as an index
 * expression (`Vec[int]`, `Pair[K, V]` as a conversion's callee). */
static bool generic_type_instance(Compiler *c, const Node *n)
{
    if (!n || n->kind != N_INDEX || !n->a || n->a->kind != N_IDENT || !n->a->name)
        return false;
    Var *v = cg_nt_get(&c->names, n->a->name);
    return v && v->tdecl && v->decl && v->decl->kind == N_TYPEDECL && v->decl->list.n > 0 && cg_type_text(n);
}

static void res_list(Compiler *c, NodeList *l, const Node *parent)
{
    for (int i = 0; i < l->n; i++)
        res_expr(c, l->items[i], parent);
}

/* A constant array length written as an expression (`[len(a)]T`,
 * `[(2*N)]T`: parse.c and the grammar spell it so), evaluated over its
 * text: numbers, constant names, len/cap of an array variable (its type's
 * length), parentheses and + - * / % << >>. *ok goes false on anything
 * else. */
typedef struct LenExpr {
    Compiler *c;
    Node *at;
    const char *p, *end;
    bool ok;
} LenExpr;

static int64_t len_sum(LenExpr *e, int depth);

static bool len_name(LenExpr *e, const char **s, size_t *n)
{
    const char *p = e->p;
    while (p < e->end &&
           (((*p | 32) >= 'a' && (*p | 32) <= 'z') || *p == '_' || (p > e->p && *p >= '0' && *p <= '9')))
        p++;
    *s = e->p;
    *n = (size_t)(p - e->p);
    e->p = p;
    return *n > 0;
}

static int64_t len_operand(LenExpr *e, int depth)
{
    if (e->p >= e->end || depth > 32) {
        e->ok = false;
        return 0;
    }
    if (*e->p == '(') {
        e->p++;
        int64_t v = len_sum(e, depth + 1);
        if (e->p < e->end && *e->p == ')')
            e->p++;
        else
            e->ok = false;
        return v;
    }
    if (*e->p >= '0' && *e->p <= '9') {
        int64_t v = 0;
        while (e->p < e->end && *e->p >= '0' && *e->p <= '9' && v < ((int64_t)1 << 40))
            v = v * 10 + (*e->p++ - '0');
        return v;
    }
    const char *s;
    size_t n;
    if (!len_name(e, &s, &n)) {
        e->ok = false;
        return 0;
    }
    bool call = e->p < e->end && *e->p == '(';
    if (call) {
        /* len(a) or cap(a) of an array variable: its type's length */
        const char *as;
        size_t an;
        e->p++;
        if ((n != 3 || (memcmp(s, "len", 3) != 0 && memcmp(s, "cap", 3) != 0)) || !len_name(e, &as, &an) ||
            e->p >= e->end || *e->p != ')') {
            e->ok = false;
            return 0;
        }
        e->p++;
        s = as;
        n = an;
    }
    Node *id = ast_new(N_IDENT, e->at->line, e->at->col);
    id->name = cg_gc_sprintf("%.*s", (int)n, s);
    Var *v = resolve_name(e->c, id, false);
    cg_pm_put(&e->c->nodes, id, (uint64_t)(uintptr_t)v);
    if (call) {
        ObjType *t = cg_static_type(e->c, id);
        if (t && t->kind == TYPE_POINTER)
            t = t->elem;
        if (t && t->kind == TYPE_ARRAY && t->len >= 0)
            return t->len;
        e->ok = false;
        return 0;
    }
    Value k = cg_const_eval(e->c, id);
    if (!v_is_anyint(k)) {
        e->ok = false;
        return 0;
    }
    return v_anyint(k);
}

static int64_t len_product(LenExpr *e, int depth)
{
    int64_t v = len_operand(e, depth);
    while (e->ok && e->p < e->end) {
        char op = *e->p;
        bool shift = e->p + 1 < e->end && (op == '<' || op == '>') && e->p[1] == op;
        if (op != '*' && op != '/' && op != '%' && !shift)
            break;
        e->p += shift ? 2 : 1;
        int64_t w = len_operand(e, depth);
        if ((op == '/' || op == '%') && w == 0)
            e->ok = false;
        else if (shift && (w < 0 || w > 40))
            e->ok = false;
        else
            v = op == '*' ? v * w : op == '/' ? v / w : op == '%' ? v % w : op == '<' ? v << w : v >> w;
    }
    return v;
}

static int64_t len_sum(LenExpr *e, int depth)
{
    int64_t v = len_product(e, depth);
    while (e->ok && e->p < e->end && (*e->p == '+' || *e->p == '-')) {
        char op = *e->p++;
        int64_t w = len_product(e, depth);
        v = op == '+' ? v + w : v - w;
    }
    return v;
}

/* The length in t's brackets from s (just past the `[`) when they hold
 * an expression (not a lone number or name): *end is then its `]`. */
static bool length_expr(Compiler *c, Node *at, const char *s, const char **end, int64_t *out)
{
    const char *e = s;
    int parens = 0;
    bool expr = false;
    for (; *e && (*e != ']' || parens); e++) {
        if (*e == '[' || *e == '{' || *e == ' ')
            return false;
        parens += *e == '(';
        parens -= *e == ')';
        expr |=
            !(((*e | 32) >= 'a' && (*e | 32) <= 'z') || *e == '_' || (*e >= '0' && *e <= '9') || *e == '.');
    }
    if (*e != ']' || !expr)
        return false;
    LenExpr le = {c, at, s, e, true};
    int64_t v = len_sum(&le, 0);
    if (!le.ok || le.p != e || v < 0) {
        cg_err(c, at, "invalid array length %.*s", (int)(e - s), s);
        v = 0;
    }
    *end = e;
    *out = v;
    return true;
}

/* An array length written as a name (`const N = 3; var a [N]int`): the
 * type's text gets the constant's value, so the array's length is known
 * where its zero value is made. `map[K]V`'s brackets hold a key type, not
 * a length. Returns t itself when nothing is replaced. */
static TypeRef array_lengths(Compiler *c, Node *at, TypeRef t)
{
    if (!strchr(t, '['))
        return t;
    Buf b;
    buf_init(&b);
    bool changed = false;
    for (const char *p = t; *p;) {
        const char *s = p + 1, *e = s;
        /* not map[K]'s bracket, nor a generic type's arguments (Stack[N]) */
        bool after_name = p > t && (((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z') || p[-1] == '_' ||
                                    (p[-1] >= '0' && p[-1] <= '9'));
        int64_t elen;
        const char *eend;
        if (*p == '[' && !after_name && !(p - t >= 3 && memcmp(p - 3, "map", 3) == 0) &&
            length_expr(c, at, s, &eend, &elen)) {
            buf_printf(&b, "[%lld", (long long)elen);
            p = eend;
            changed = true;
            continue;
        }
        if (*p == '[' && !after_name && !(p - t >= 3 && memcmp(p - 3, "map", 3) == 0)) {
            while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || *e == '_' ||
                   (e > s && *e >= '0' && *e <= '9'))
                e++;
        }
        if (e > s && *e == ']') {
            Node *id = ast_new(N_IDENT, at->line, at->col);
            id->name = cg_gc_sprintf("%.*s", (int)(e - s), s);
            Var *v = resolve_name(c, id, false);
            cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
            Value k = cg_const_eval(c, id);
            if (v_is_anyint(k) && v_anyint(k) >= 0) {
                buf_printf(&b, "[%lld", (long long)v_anyint(k));
                p = e;
                changed = true;
                continue;
            }
            /* A variable, or not a length, is an error; a global of an
             * earlier REPL line may be a constant nobody recorded, so
             * that array stays nil. */
            if (v != &c->bad && !(v->kind == VK_GLOBAL && !v->decl))
                cg_err(c, at, "invalid array length %s", id->name);
        }
        buf_addc(&b, *p++);
    }
    return changed ? b.data : t;
}

/* ---- types declared by the script ------------------------------------ */

static void define_type(Compiler *c, Var *v);

/* A type an earlier REPL line declared: its global holds the descriptor. */
static ObjType *repl_type(Compiler *c, const char *name)
{
    Value slot, v;
    Runtime *rt = c->rt;
    if (!c->repl || !rt || !rt->global_names)
        return NULL;
    pthread_mutex_lock(&rt->globals_lock);
    bool found = map_get_cstr(rt->global_names, name, &slot);
    pthread_mutex_unlock(&rt->globals_lock);
    if (!found || !v_is_int(slot))
        return NULL;
    ListStore *g = __atomic_load_n(&rt->globals, __ATOMIC_ACQUIRE);
    v = (size_t)v_int(slot) < g->cap ? g->items[v_int(slot)] : V_NIL;
    return v_is_obj(v, OBJ_TYPE) && ((ObjType *)v_ptr(v))->named ? v_ptr(v) : NULL;
}

/* types_parse's lookup: the type a plain name denotes in the current
 * scope (defining it first if its declaration is still pending). */
static ObjType *type_lookup(void *ctx, const char *name, size_t n)
{
    Compiler *c = ctx;
    char buf[128];
    if (n >= sizeof buf)
        return NULL;
    memcpy(buf, name, n);
    buf[n] = 0;
    Var *v = cg_nt_get(&c->names, buf);
    if (!v && c->repl)
        return repl_type(c, buf);
    if (!v || !v->decl || v->decl->kind != N_TYPEDECL)
        return v && v->kind == VK_GLOBAL && !v->decl ? repl_type(c, buf) : NULL;
    if (v->cstate == 0)
        define_type(c, v);
    return v->tdecl;
}

/* Record the type parameters that the type text t (written at `at`)
 * names, as IDENTs resolved here, so that code generation can build the
 * type from their values (see Compiler.tmentions). */
static const char *func_type_text(const FuncInfo *fi);

static void note_tparams(Compiler *c, Node *at, TypeRef t)
{
    NodeList *ids = NULL;
    for (const char *s = t; *s;) {
        if (!(*s == '_' || ((*s | 32) >= 'a' && (*s | 32) <= 'z'))) {
            s++;
            continue;
        }
        const char *e = s;
        while (*e == '_' || ((*e | 32) >= 'a' && (*e | 32) <= 'z') || (*e >= '0' && *e <= '9'))
            e++;
        bool qualified = (s > t && s[-1] == '.') || *e == '.';
        char *name = cg_gc_sprintf("%.*s", (int)(e - s), s);
        Var *v = qualified ? NULL : cg_nt_get(&c->names, name);
        bool seen = false;
        for (int i = 0; ids && i < ids->n; i++)
            seen |= strcmp(ids->items[i]->name, name) == 0;
        if (v && v->tparam && !seen) {
            if (!ids)
                ids = mem_alloc(sizeof *ids);
            Node *id = ast_new(N_IDENT, at->line, at->col);
            id->name = name;
            cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)resolve_name(c, id, false));
            nl_push(ids, id);
        }
        s = e;
    }
    if (ids)
        cg_pm_put(&c->tmentions, at, (uint64_t)(uintptr_t)ids);
}

static const char *local_name(const ObjType *t);

/* The generic type that t names without type arguments (`var s Stack`
 * for `type Stack[T any]`), itself or as an element or key, or NULL. */
static const ObjType *uninstantiated(const ObjType *t)
{
    for (int depth = 0; t && depth < 64; depth++, t = t->elem) {
        if (t->key && t->key->named && t->key->ntparams > 0)
            return t->key;
        if (t->named)
            return t->ntparams > 0 ? t : NULL;
    }
    return NULL;
}

/* A type written in the script: every module type it names must exist
 * (`var mu sync.Mutx` is undefined), and array lengths written as names
 * become numbers (array_lengths). The descriptor, with the script's own
 * types resolved where `at` is, is kept for code generation
 * (cg_node_type). Returns the type's text to keep. */
static TypeRef res_type(Compiler *c, Node *at, TypeRef t)
{
    if (!t)
        return t;
    note_tparams(c, at, t);
    t = array_lengths(c, at, t);
    ObjType *ty = types_parse_with(t, strlen(t), type_lookup, c);
    const char *bad = types_undefined(ty);
    const ObjType *gen = uninstantiated(ty);
    if (bad)
        cg_err(c, at, "undefined: %s", bad);
    else if (gen)
        cg_err(c, at, "cannot use generic type %s without instantiation", local_name(gen));
    cg_pm_put(&c->types, at, (uint64_t)(uintptr_t)ty);
    return t;
}

/* `for k, v := range xs` over a typed container whose keys or elements
 * are of a sized integer type or float32: k and v have that type, as in
 * Go (their arithmetic wraps or rounds, an interface keeps the type);
 * elements hold their type's values, as stores into them convert. */
static void range_var_types(Compiler *c, Node *n)
{
    ObjType *rt = cg_static_type(c, n->a);
    if (!rt || (rt->kind != TYPE_SLICE && rt->kind != TYPE_ARRAY && rt->kind != TYPE_MAP))
        return;
    Node *ts[2] = {n->key, n->val};
    ObjType *tys[2] = {rt->kind == TYPE_MAP ? rt->key : NULL, rt->elem};
    for (int i = 0; i < 2; i++) {
        Var *v = ts[i] && ts[i]->kind == N_IDENT ? cg_node_var(c, ts[i]) : NULL;
        ObjType *t = tys[i];
        if (v && v->kind == VK_LOCAL && !v->type && t && (t->kind == TYPE_INT || t->kind == TYPE_FLOAT) &&
            iface_boxes(t))
            v->type = t;
    }
}

/* The variable a type switch's clause of one type binds has that type
 * (the value comes out of the interface as it: compile_stmt.c), so a
 * byte's arithmetic wraps and a float32 prints as one; in other clauses it
 * is the interface value. */
static void type_case_var(Compiler *c, Node *cl)
{
    Node *e = cl->list.n == 1 ? cl->list.items[0] : NULL;
    Var *v = cg_node_var(c, cl->key);
    uint64_t generic;
    if (!e || e->kind == N_NIL || !e->type || !v || v->kind != VK_LOCAL ||
        cg_pm_get(&c->tmentions, e, &generic))
        return;
    ObjType *t = cg_node_type(c, e);
    v->sty = t;
    v->type = cg_store_type_of(t);
}

/* A type switch's case: each entry a type (its text into the node's type,
 * where pass 2 finds it) or nil. */
static void res_type_cases(Compiler *c, Node *cl)
{
    for (int j = 0; j < cl->list.n; j++) {
        Node *e = cl->list.items[j];
        if (!e || e->kind == N_NIL)
            continue;
        const char *text = cg_type_text(e);
        if (!text) {
            cg_err(c, e, "%s is not a type", cg_describe(e));
            continue;
        }
        e->type = res_type(c, e, text);
    }
}

ObjType *cg_node_type(Compiler *c, const Node *n)
{
    uint64_t w;
    if (!n || !n->type)
        return NULL;
    if (cg_pm_get(&c->types, n, &w))
        return (ObjType *)(uintptr_t)w;
    return types_parse(n->type, strlen(n->type));
}

ObjType *cg_type_name(Compiler *c, const Node *n)
{
    if (!n || n->kind != N_IDENT)
        return NULL;
    Var *v = cg_node_var(c, n);
    if (v && v->kind == VK_GLOBAL && !v->decl)
        return repl_type(c, n->name);
    return v && v->tdecl && v->decl && v->decl->kind == N_TYPEDECL ? v->tdecl : NULL;
}

ObjType *cg_struct_of(ObjType *t)
{
    if (t && t->kind == TYPE_POINTER && t->elem)
        t = t->elem;
    return t && t->kind == TYPE_STRUCT ? t : NULL;
}

static bool is_call_of(Compiler *c, const Node *n, const char *builtin)
{
    if (!n || n->kind != N_CALL || !n->a || n->a->kind != N_IDENT)
        return false;
    Var *v = cg_node_var(c, n->a);
    return v && v->kind == VK_UNIVERSE && v->name && strcmp(v->name, builtin) == 0;
}

/* The descriptor of *T, one per T (kept in c->types under T's address). */
static ObjType *pointer_to(Compiler *c, ObjType *t)
{
    uint64_t w;
    if (cg_pm_get(&c->types, t, &w))
        return (ObjType *)(uintptr_t)w;
    ObjType *p = types_parse("*", 1);
    p->elem = t;
    p->name = cg_gc_sprintf("*%s", t->name);
    cg_pm_put(&c->types, t, (uint64_t)(uintptr_t)p);
    return p;
}

/* The declared type of the first result of x.M(...), x of a known struct
 * type (or a pointer to one) whose method M declares it, else NULL. */
static ObjType *method_result(Compiler *c, Node *f)
{
    ObjType *t = cg_struct_of(cg_static_type(c, f->a));
    if (!t || !f->name)
        return NULL;
    /* the selection kept on the type: chains x.A().B().C() ask again */
    int i = types_selection(t, str_cstr(f->name), V_UNDEF);
    if (i < 0)
        return NULL;
    const Selection *sel = &__atomic_load_n(&t->sels, __ATOMIC_ACQUIRE)[i];
    uint64_t w;
    if (sel->kind != SEL_METHOD || !v_is_obj(sel->fn, OBJ_CLOSURE) ||
        !cg_pm_get(&c->types, v_ptr(sel->fn), &w))
        return NULL;
    const FuncInfo *fi = (const FuncInfo *)(uintptr_t)w;
    if (fi->nresults < 1 || !fi->result_types || !fi->result_types[0])
        return NULL;
    if (cg_pm_get(&c->types, fi->result_types, &w)) /* parsed once per method */
        return (ObjType *)(uintptr_t)w;
    const char *rt = fi->result_types[0];
    ObjType *ty = types_parse_with(rt, strlen(rt), type_lookup, c);
    cg_pm_put(&c->types, fi->result_types, (uint64_t)(uintptr_t)ty);
    return ty;
}

/* The type of an array literal written [...]T{...} without index keys:
 * as many elements as it lists. */
static ObjType *sized_array_type(const Node *n)
{
    const char *t = cg_gc_sprintf("[%d]%s", n->list.n, n->type + 5);
    return types_parse(t, strlen(t));
}

ObjType *cg_static_type(Compiler *c, Node *n)
{
    for (int depth = 0; n && depth < 16; depth++) {
        switch (n->kind) {
        case N_IDENT: {
            Var *v = cg_node_var(c, n);
            return v && !v->tdecl ? v->sty : NULL;
        }
        case N_COMPOSITE:
        case N_TYPEEXPR:
            return cg_node_type(c, n);
        case N_LIST:
            if (n->type && strncmp(n->type, "[...]", 5) == 0 && n->list2.n == 0)
                return sized_array_type(n); /* [...]T{a, b, c} is a [3]T */
            /* fall through */
        case N_MAP:
            return n->type ? cg_node_type(c, n) : NULL; /* map[string]T{...} */
        case N_CALL:
            if (is_call_of(c, n, "new") && n->list.n == 1 && n->list.items[0] &&
                n->list.items[0]->kind == N_TYPEEXPR)
                return cg_node_type(c, n->list.items[0]);
            if (is_call_of(c, n, "make") && n->list.n >= 1 && n->list.items[0] &&
                n->list.items[0]->kind == N_TYPEEXPR)
                return cg_node_type(c, n->list.items[0]); /* make(T, ...) is a T */
            if (n->a && n->a->kind == N_UNARY && n->a->op == TK_STAR && cg_type_name(c, n->a->a))
                return pointer_to(c, cg_type_name(c, n->a->a)); /* (*T)(x) is a *T */
            if (n->a && n->a->kind == N_UNARY && n->a->op == TK_STAR && n->a->a && n->a->a->kind == N_IDENT &&
                cg_node_var(c, n->a->a) && cg_node_var(c, n->a->a)->kind == VK_UNIVERSE &&
                cg_store_type(n->a->a->name))
                return pointer_to(c, (ObjType *)cg_store_type(n->a->a->name)); /* (*int)(nil) */
            if (n->a && n->a->kind == N_FIELD)
                return method_result(c, n->a);
            if (n->a && n->a->kind == N_TYPEEXPR)
                return cg_node_type(c, n->a); /* interface{}(x), []byte(s) */
            return cg_type_name(c, n->a); /* T(x) is a T */
        case N_INDEX: {
            ObjType *t = cg_static_type(c, n->a);
            if (t && (t->kind == TYPE_SLICE || t->kind == TYPE_ARRAY || t->kind == TYPE_MAP))
                return t->elem;
            return NULL;
        }
        case N_FIELD: {
            ObjType *t = cg_struct_of(cg_static_type(c, n->a));
            if (!t || !n->name)
                return NULL;
            Selection sel;
            types_select(t, str_cstr(n->name), V_UNDEF, &sel);
            return sel.kind == SEL_FIELD ? (ObjType *)sel.type : NULL;
        }
        case N_UNARY: {
            if (n->op != TK_AMP && n->op != TK_STAR)
                return NULL;
            ObjType *t = cg_static_type(c, n->a);
            if (!t)
                return NULL;
            if (n->op == TK_STAR)
                return t->kind == TYPE_POINTER && t->elem ? t->elem : t;
            return pointer_to(c, t);
        }
        default:
            return NULL;
        }
    }
    return NULL;
}

/* A declared type's name as Go's messages spell it in its own package. */
static const char *local_name(const ObjType *t)
{
    return t->name && !strncmp(t->name, "main.", 5) ? t->name + 5 : t->name;
}

bool cg_named_method(Compiler *c, Node *x, const char *name, Selection *sel)
{
    ObjType *t = cg_static_type(c, x);
    if (t && t->kind == TYPE_POINTER && !t->named && t->elem)
        t = t->elem;
    if (!t || !t->named || !name || t->kind == TYPE_STRUCT || t->kind == TYPE_INTERFACE ||
        !(t->generic ? t->generic : t)->nmethods) /* an instance has its generic type's */
        return false;
    types_select(t, str_cstr(name), V_UNDEF, sel);
    return sel->kind == SEL_METHOD && sel->depth == 0;
}

/* Whether a struct type embeds a module object anywhere (whose methods
 * only a value can tell: see types_select). */
static bool embeds_object(const ObjType *t, int depth)
{
    for (int i = 0; t && depth < SEL_MAX_DEPTH && i < t->nfields; i++) {
        const ObjType *ft = t->fields[i].type;
        if (!t->fields[i].embedded)
            continue;
        if (ft->kind == TYPE_POINTER && ft->elem)
            ft = ft->elem;
        if (ft->kind == TYPE_OBJECT || (ft->kind == TYPE_STRUCT && embeds_object(ft, depth + 1)))
            return true;
    }
    return false;
}

/* Check x.name where x's type is known to be struct type t: Go's error
 * for a field or method it does not have. */
static void check_selector(Compiler *c, Node *n, ObjType *t)
{
    if (!t || embeds_object(t, 0) || !n->name)
        return;
    Selection sel;
    types_select(t, str_cstr(n->name), V_UNDEF, &sel);
    if (sel.kind == SEL_NONE)
        cg_err(c, n, "%s undefined (type %s has no field or method %s)", cg_describe(n), local_name(t),
               n->name);
    else if (sel.kind == SEL_AMBIGUOUS)
        cg_err(c, n, "ambiguous selector %s", cg_describe(n));
}

/* The Var of a type declaration, bound in the current scope; its
 * descriptor is made by define_type. */
static Var *declare_type(Compiler *c, Node *n)
{
    Var *old = lookup_here(c, n->name);
    if (old && !(c->repl && at_file_scope(c)))
        cg_err(c, n, "%s redeclared in this block", n->name);
    Var *v = new_var(c, VK_UNIVERSE, n->name, n);
    v->readonly = true;
    v->owner = c->fn;
    if (n->op != TK_ASSIGN) {
        v->tdecl = types_new_named(cg_gc_sprintf("main.%s", n->name));
        v->cval = v_from_ptr(v->tdecl);
    }
    if (c->repl && at_file_scope(c)) /* later lines find it there: repl_type */
        v->slot = rt_global_slot(c->rt, str_cstr(n->name));
    bind(c, v);
    cg_pm_put(&c->nodes, n, (uint64_t)(uintptr_t)v);
    return v;
}

/* Give a declared type its definition (once): a named type takes on its
 * definition's underlying type; an alias is its definition. */
static void define_type(Compiler *c, Var *v)
{
    if (v->cstate)
        return;
    v->cstate = 1;
    Node *n = v->decl;
    if (!cg_enter(c, n))
        return;
    if (n->list.n && v->tdecl) {
        /* a generic type: its parameters' names, for its instances */
        const char **names = mem_alloc((size_t)n->list.n * sizeof *names);
        for (int i = 0; i < n->list.n; i++)
            names[i] = n->list.items[i]->name;
        v->tdecl->tparams = names;
        v->tdecl->ntparams = n->list.n;
    }
    n->type = res_type(c, n, n->type);
    ObjType *def = cg_node_type(c, n);
    if (n->op == TK_ASSIGN) {
        v->tdecl = def;
        v->cval = v_from_ptr(def);
    } else if (def && def->named && def->kind == TYPE_UNKNOWN) {
        /* a declared type whose own definition is still being made */
        cg_err(c, n, "invalid recursive type %s", n->name);
    } else if (def) {
        types_define(v->tdecl, def);
        if (def == v->tdecl || types_recursive(v->tdecl))
            cg_err(c, n, "invalid recursive type %s", n->name);
    }
    v->cstate = 2;
    cg_leave(c);
}

/* A method's signature as interfaces compare it (types_sig), NULL for a
 * method of a generic type, whose signature names its type parameters. */
static const char *method_sig(const FuncInfo *fi)
{
    if (fi->recv_tparams || fi->tparams.n || (fi->recv && fi->recv->type && strchr(fi->recv->type, '[')))
        return NULL;
    Buf b;
    buf_init(&b);
    buf_addc(&b, '(');
    int first = fi->recv ? 1 : 0; /* the receiver is the closure's first parameter */
    for (int i = first; i < fi->params.n; i++) {
        const Node *p = fi->params.items[i];
        if (!p || !p->type)
            return NULL;
        if (i > first)
            buf_add(&b, ", ", 2);
        if (fi->variadic && i == fi->params.n - 1)
            buf_add(&b, "...", 3);
        buf_add(&b, p->type, strlen(p->type));
    }
    buf_add(&b, ") (", 3);
    for (int i = 0; i < fi->nresults; i++) {
        if (!fi->result_types || !fi->result_types[i])
            return NULL;
        if (i)
            buf_add(&b, ", ", 2);
        buf_add(&b, fi->result_types[i], strlen(fi->result_types[i]));
    }
    buf_addc(&b, ')');
    return types_sig(b.data, b.len);
}

/* A method declaration: its receiver's type gets the method (a closure
 * whose code gen_main compiles into it), before any body is resolved. */
static void declare_method(Compiler *c, Node *s)
{
    Node *recv = s->func->recv;
    const char *tn = recv->type ? recv->type : "";
    bool ptr = *tn == '*';
    if (ptr)
        tn++;
    if (strchr(tn, '[')) /* Stack[T]: the generic type */
        tn = cg_gc_sprintf("%.*s", (int)(strchr(tn, '[') - tn), tn);
    Var *v = cg_nt_get(&c->names, tn);
    ObjType *t =
        v && v->tdecl && v->decl && v->decl->kind == N_TYPEDECL && v->decl->op != TK_ASSIGN ? v->tdecl : NULL;
    if (!t && (!v || (v->kind == VK_GLOBAL && !v->decl)))
        t = repl_type(c, tn);
    if (!t) {
        cg_err(c, recv, "undefined: %s", tn);
        return;
    }
    if (t->kind == TYPE_POINTER || t->kind == TYPE_INTERFACE) {
        cg_err(c, recv, "invalid receiver type %s (pointer or interface type)", tn);
        return;
    }
    ObjString *name = str_cstr(s->name);
    for (int i = 0; i < t->nmethods; i++) {
        if (!str_eq(t->methods[i].name, name))
            continue;
        if (types_method_ready(&t->methods[i]) || !c->repl) {
            cg_err(c, s, "method %s.%s already declared", tn, s->name);
            return;
        }
        /* a REPL line that failed left it without code: this one gives it */
        t->methods[i].ptr_recv = ptr;
        cg_pm_put(&c->types, s->func, (uint64_t)(uintptr_t)v_ptr(t->methods[i].fn));
        return;
    }
    if (types_field_index(t, s->name, strlen(s->name)) >= 0) {
        cg_err(c, s, "field and method with the same name %s", s->name);
        return;
    }
    ObjClosure *cl = mem_alloc(sizeof *cl);
    cl->h.kind = OBJ_CLOSURE;
    cl->proto = NULL; /* gen_main compiles it */
    cl->nupvals = 0;
    types_add_method(t, name, v_from_ptr(cl), ptr, method_sig(s->func));
    cg_pm_put(&c->types, s->func, (uint64_t)(uintptr_t)cl); /* gen_main compiles it into cl */
    /* its parameters' and results' types: cg_param_type, method_result */
    cg_pm_put(&c->types, cl, (uint64_t)(uintptr_t)s->func);
}

/* A literal of a named or struct type: the type, its elements, and (for
 * a struct) the field names of its keys. */
static void res_composite(Compiler *c, Node *n)
{
    n->type = res_type(c, n, n->type);
    ObjType *t = cg_node_type(c, n);
    bool isstruct = t && t->kind == TYPE_STRUCT;
    bool isobject = t && t->kind == TYPE_OBJECT;
    /* U{Value_: d} with U a type parameter whose constraint's core type is
     * a struct: the fields are U's type argument's, found by name when
     * the code runs (cg_composite_to) */
    Var *tv = t && t->kind == TYPE_UNKNOWN ? cg_nt_get(&c->names, n->type) : NULL;
    bool tparam = tv && tv->tparam;
    if (tparam) {
        for (int i = 0; i < n->list.n; i++) {
            Node *k = n->ival && i % 2 == 0 ? n->list.items[i] : NULL;
            if (n->ival && i % 2 == 0 && (!k || k->kind != N_IDENT))
                cg_err(c, k ? k : n, "invalid field name %s in struct literal", cg_describe(k));
            else if (!k)
                res_expr(c, n->list.items[i], n);
        }
        if (n->ival && n->list.n % 2)
            cg_err(c, n, "missing value in literal");
        return;
    }
    if (t && !isstruct && t->kind != TYPE_SLICE && t->kind != TYPE_ARRAY && t->kind != TYPE_MAP &&
        t->kind != TYPE_OBJECT)
        cg_err(c, n, "invalid composite literal type %s", n->type);
    /* a module object's literal names only the fields the object lets a
     * script set (`sync.Pool{New: f}`): checked when it runs */
    if (t && t->kind == TYPE_OBJECT && n->list.n && !n->ival)
        cg_err(c, n, "too many values in %s{...}", n->type);
    if (t && t->named && (t->kind == TYPE_SLICE || t->kind == TYPE_ARRAY || t->kind == TYPE_MAP) && n->type &&
        !strchr(n->type, '[')) {
        /* Bs{{1}, {2}} with `type Bs []B`: the elements' elided types come
         * from the definition's text */
        Var *v = cg_nt_get(&c->names, n->type);
        if (v && v->decl && v->decl->kind == N_TYPEDECL && v->tdecl == t && v->decl->type)
            ast_give_elem_types(c->d, n, v->decl->type);
    }
    if (!n->ival) {
        res_list(c, &n->list, n);
        if (isstruct && n->list.n && n->list.n != t->nfields)
            cg_err(c, n, "too %s values in struct literal of type %s",
                   n->list.n < t->nfields ? "few" : "many", n->type);
        return;
    }
    for (int i = 0; i + 1 < n->list.n; i += 2) {
        Node *k = n->list.items[i];
        if (isstruct) {
            if (!k || k->kind != N_IDENT) {
                cg_err(c, k ? k : n, "invalid field name %s in struct literal", cg_describe(k));
            } else if (types_field_index(t, k->name, strlen(k->name)) < 0) {
                cg_err(c, k, "unknown field %s in struct literal of type %s", k->name, n->type);
            } else {
                for (int j = 0; j < i; j += 2) {
                    Node *o = n->list.items[j];
                    if (o && o->kind == N_IDENT && !strcmp(o->name, k->name))
                        cg_err(c, k, "duplicate field name %s in struct literal", k->name);
                }
            }
        } else if (isobject) {
            if (!k || k->kind != N_IDENT)
                cg_err(c, k ? k : n, "invalid field name %s in struct literal", cg_describe(k));
        } else {
            res_expr(c, k, n);
        }
        res_expr(c, n->list.items[i + 1], n);
    }
    if (n->list.n % 2)
        cg_err(c, n, "missing value in literal");
}

static void res_expr(Compiler *c, Node *n, const Node *parent)
{
    if (!n) {
        cg_err(c, parent, "missing expression");
        return;
    }
    if (!cg_enter(c, n))
        return;
    switch (n->kind) {
    case N_NIL:
    case N_TRUE:
    case N_FALSE: {
        /* predeclared names, which a script may declare again (Go's own
         * tests have `func true(ok bool)`): then the script's is meant */
        if (cg_nt_get(&c->names, ast_literal_name(n)) && ast_literal_to_ident(n))
            cg_pm_put(&c->nodes, n, (uint64_t)(uintptr_t)resolve_name(c, n, false));
        break;
    }
    case N_INT:
    case N_FLOAT:
    case N_IMAG:
        break;
    case N_TYPEEXPR:
        n->name = n->type = res_type(c, n, n->name);
        break;
    case N_STRING:
        if (!n->str && n->len)
            cg_err(c, n, "malformed string literal");
        break;
    case N_IDENT: {
        Var *v = resolve_name(c, n, false);
        cg_pm_put(&c->nodes, n, (uint64_t)(uintptr_t)v);
        if (cg_is_generic_var(c, v) &&
            !(parent && (parent->kind == N_CALL || parent->kind == N_INDEX) && parent->a == n))
            cg_err(c, n, "cannot use generic function %s without instantiation", n->name);
        break;
    }
    case N_LIST:
        if (n->type)
            n->type = res_type(c, n, n->type);
        res_list(c, &n->list, n);
        for (int i = 0; i < n->list2.n; i++) /* index keys; NULL: none */
            if (n->list2.items[i])
                res_expr(c, n->list2.items[i], n);
        break;
    case N_COMPOSITE:
        res_composite(c, n);
        break;
    case N_MAP:
        if (n->type)
            n->type = res_type(c, n, n->type);
        if (n->list.n % 2)
            cg_err(c, n, "missing value in map literal");
        res_list(c, &n->list, n);
        break;
    case N_FUNC: {
        /* a literal in generic code whose signature names the code's type
         * parameters (func(x T) string): its type is made for the type
         * arguments when the closure is (FuncInfo.open_type) */
        const char *text = n->func && !n->func->tparams.n ? func_type_text(n->func) : NULL;
        uint64_t w;
        if (text) {
            note_tparams(c, n, text);
            if (cg_pm_get(&c->tmentions, n, &w))
                n->func->open_type = text;
        }
        res_func(c, n->func, n);
        break;
    }
    case N_TYPEASSERT:
        if (!n->type || !n->a)
            cg_err(c, n, "malformed type assertion");
        else if (strcmp(n->type, "type") == 0)
            cg_err(c, n, "use of .(type) outside type switch");
        else
            n->type = res_type(c, n, n->type);
        res_expr(c, n->a, n);
        break;
    case N_UNARY:
        if (n->op != TK_MINUS && n->op != TK_PLUS && n->op != TK_NOT && n->op != TK_CARET &&
            n->op != TK_AMP && n->op != TK_STAR)
            cg_err(c, n, "invalid unary operator");
        res_expr(c, n->a, n);
        if ((n->op == TK_AMP || n->op == TK_STAR) && n->a &&
            (n->a->kind == N_INT || n->a->kind == N_FLOAT || n->a->kind == N_IMAG || n->a->kind == N_STRING ||
             n->a->kind == N_NIL || n->a->kind == N_TRUE || n->a->kind == N_FALSE ||
             (n->op == TK_AMP && n->a->kind == N_BINARY))) {
            /* Go's compile errors: no address of a value, no constant
             * dereferenced */
            cg_err(c, n, "invalid operation: cannot %s %s", n->op == TK_AMP ? "take address of" : "indirect",
                   cg_describe(n->a));
        } else if (n->op == TK_AMP && n->a && n->a->kind == N_IDENT) {
            /* &x: x lives in a cell, as a captured variable does */
            Var *v = cg_node_var(c, n->a);
            if (v && v->kind == VK_LOCAL) {
                v->captured = true;
                v->addressed = true;
            } else if (v && v->kind == VK_GLOBAL) {
                v->addressed = true;
            } else if (v && v->readonly) {
                cg_err(c, n, "invalid operation: cannot take address of %s", n->a->name);
            }
        }
        break;
    case N_BINARY:
        if (cg_is_arith_op(n->op) || cg_is_logic_op(n->op)) {
            Node **sp;
            int len = cg_is_logic_op(n->op) ? cg_logic_spine(n, &sp) : cg_arith_spine(n, &sp);
            res_expr(c, sp[len - 1]->a, sp[len - 1]);
            for (int i = len - 1; i >= 0; i--)
                res_expr(c, sp[i]->b, sp[i]);
            break;
        }
        if (!is_binary_op(n->op))
            cg_err(c, n, "invalid binary operator");
        res_expr(c, n->a, n);
        res_expr(c, n->b, n);
        break;
    case N_CALL: {
        if (n->a && n->a->kind == N_IDENT && n->a->name && strcmp(n->a->name, "any") == 0 &&
            !cg_nt_get(&c->names, "any")) {
            /* any(x): a conversion to the empty interface, as
             * interface{}(x) is (x as it is: `switch any(v).(type)` in
             * generic code) */
            n->a->kind = N_TYPEEXPR;
            n->a->type = "any";
        }
        if (generic_type_instance(c, n->a)) {
            /* Vec[int](xs): a conversion to the instance, as []int(xs) is */
            n->a->name = n->a->type = cg_type_text(n->a);
            n->a->kind = N_TYPEEXPR;
        }
        res_expr(c, n->a, n);
        res_list(c, &n->list, n);
        Selection sel;
        Node *f = n->a;
        if (f && f->kind == N_FIELD && f->a && f->a->kind == N_IDENT &&
            cg_named_method(c, f->a, f->name, &sel) && sel.ptr_recv) {
            /* x.M() with M on *T of a named non-struct T: Go's &x, so x
             * lives in a cell, as for an explicit &x */
            Var *v = cg_node_var(c, f->a);
            ObjType *st = cg_static_type(c, f->a);
            if (v && v->kind == VK_LOCAL && st && st->kind != TYPE_POINTER) {
                v->captured = true;
                v->addressed = true;
            }
        }
        if (n->spread && n->list.n == 0)
            cg_err(c, n, "invalid use of ... in call with no arguments");
        break;
    }
    case N_INDEX:
        res_expr(c, n->a, n);
        if (n->a && n->a->kind == N_IDENT && cg_is_generic_var(c, cg_node_var(c, n->a))) {
            /* Map[int, string]: the indices are type arguments */
            NodeList *args = n->list.n ? &n->list : NULL;
            int nargs = args ? args->n : 1;
            for (int i = 0; i < nargs; i++) {
                Node *e = args ? args->items[i] : n->b;
                const char *text = e ? cg_type_text(e) : NULL;
                if (!text)
                    cg_err(c, e ? e : n, "%s is not a type", cg_describe(e));
                else
                    e->type = res_type(c, e, text);
            }
            break;
        }
        if (n->list.n)
            cg_err(c, n, "unexpected comma; expecting ]");
        res_expr(c, n->b, n);
        break;
    case N_SLICE:
        res_expr(c, n->a, n);
        if (n->b)
            res_expr(c, n->b, n);
        if (n->c)
            res_expr(c, n->c, n);
        if (n->post) /* a 3-index slice's max */
            res_expr(c, n->post, n);
        break;
    case N_FIELD:
        res_field(c, n);
        break;
    case N_RECV:
        res_expr(c, n->a, n);
        break;
    default:
        cg_err(c, n, "statement used as an expression");
        break;
    }
    cg_leave(c);
}

/* An assignment target. `compound`: it is also read (x += 1). */
static void res_lvalue(Compiler *c, Node *n, bool compound, const Node *parent)
{
    if (!n) {
        cg_err(c, parent, "missing assignment target");
        return;
    }
    if (!cg_enter(c, n))
        return;
    switch (n->kind) {
    case N_IDENT: {
        if (compound && cg_is_blank(n->name)) {
            cg_err(c, n, "cannot use _ as value");
            break;
        }
        Var *v = resolve_name(c, n, true);
        cg_pm_put(&c->nodes, n, (uint64_t)(uintptr_t)v);
        if (v->readonly)
            cg_err(c, n, "cannot assign to %s (neither addressable nor a map index expression)", n->name);
        v->assigned = true;
        break;
    }
    case N_INDEX:
        res_expr(c, n->a, n);
        res_expr(c, n->b, n);
        break;
    case N_FIELD:
        res_field(c, n);
        if (cg_node_var(c, n))
            cg_err(c, n, "cannot assign to %s (neither addressable nor a map index expression)",
                   cg_describe(n));
        break;
    case N_UNARY:
        if (n->op == TK_STAR) { /* *p = v */
            res_expr(c, n->a, n);
            break;
        }
        res_expr(c, n, parent);
        cg_err(c, n, "cannot assign to %s (neither addressable nor a map index expression)", cg_describe(n));
        break;
    default:
        if (cg_is_expr_kind(n->kind))
            res_expr(c, n, parent);
        cg_err(c, n, "cannot assign to %s (neither addressable nor a map index expression)", cg_describe(n));
        break;
    }
    cg_leave(c);
}

/* How many values a lone right-hand side gives to nl targets: CALL any
 * number, m[k] and <-ch one or two. */
static bool multi_ok(const Node *rhs, int nl)
{
    if (!rhs)
        return false;
    if (rhs->kind == N_CALL)
        return true;
    return (rhs->kind == N_INDEX || rhs->kind == N_RECV || rhs->kind == N_TYPEASSERT) && nl == 2;
}

static void check_counts(Compiler *c, Node *n, int nl, int nr)
{
    if (nl == nr || (nr == 1 && nl > 1 && multi_ok(n->list2.items[0], nl)))
        return;
    if (nr == 1 && n->list2.items[0] && n->list2.items[0]->kind != N_CALL)
        cg_err(c, n, "assignment mismatch: %d variables but 1 value", nl);
    else
        cg_err(c, n, "assignment mismatch: %d variable%s but %d value%s", nl, nl == 1 ? "" : "s", nr,
               nr == 1 ? "" : "s");
}

/* A declared variable's type, which stores into it convert to
 * (compile_types.c). A typed constant's value is converted to it here; one
 * that does not fit (`const b byte = 300`) is left to run time, where its
 * declaration's store panics with Go's message. */
static const ObjType *store_type(Compiler *c, TypeRef t)
{
    return t ? cg_store_type_of(types_parse_with(t, strlen(t), type_lookup, c)) : NULL;
}

static void set_type(Compiler *c, Var *v, TypeRef t)
{
    v->type = store_type(c, t);
    if (v->type && v->cval != V_UNDEF && !types_store_const(v->type, v->cval, &v->cval))
        v->cval = V_UNDEF;
}

/* `f := float64(x)`, `y := b + 1` with b a byte, `q, r := divmod(a, b)`:
 * variable i of a := has its value's type when it is known
 * (compile_types.c), as in Go; one defined from an untyped constant or an
 * untyped value stays untyped. */
static void set_value_type(Compiler *c, Var *v, Node *n, int i)
{
    if (n->list.n == n->list2.n)
        v->type = cg_basic_type(c, n->list2.items[i]);
    else if (n->list2.n == 1)
        v->type = cg_call_result_type(c, n->list2.items[0], i); /* a, b := f() */
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
            cg_err(c, id ? id : n, "non-name %s on left side of :=", cg_describe(id));
            continue;
        }
        if (cg_is_blank(id->name)) {
            cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)&c->blank);
            continue;
        }
        bool repeated = false;
        for (int j = 0; j < i; j++) {
            Node *o = n->list.items[j];
            if (o && o->kind == N_IDENT && o->name && strcmp(o->name, id->name) == 0)
                repeated = true;
        }
        if (repeated) {
            cg_err(c, id, "%s repeated on left side of :=", id->name);
            continue;
        }
        if (file) {
            /* declared before anything was resolved (hoisting) */
            Var *v = cg_node_var(c, id);
            if (!v) {
                bool isnew;
                v = declare_global(c, id, id->name, false, &isnew);
                cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
            }
            if (v->decl == id) {
                anynew = true;
                set_value_type(c, v, n, i);
                v->sty = nl == nr ? cg_static_type(c, n->list2.items[i]) : NULL;
            } else if (v->readonly)
                cg_err(c, id, "cannot assign to %s (neither addressable nor a map index expression)",
                       id->name);
            continue;
        }
        Var *v = lookup_here(c, id->name);
        if (v) {
            if (v->readonly)
                cg_err(c, id, "cannot assign to %s (neither addressable nor a map index expression)",
                       id->name);
            v->assigned = true;
            cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
        } else {
            Var *nv = declare_local(c, id);
            set_value_type(c, nv, n, i);
            nv->sty = nl == nr ? cg_static_type(c, n->list2.items[i]) : NULL;
            Node *fl = nl == nr ? n->list2.items[i] : NULL;
            if (fl && fl->kind == N_FUNC && fl->func) /* f := func(x any) {...}: cg_param_type */
                cg_pm_put(&c->types, nv, (uint64_t)(uintptr_t)fl->func);
            anynew = true;
        }
    }
    if (!anynew && !(file && c->repl))
        cg_err(c, n, "no new variables on left side of :=");
}

static void res_var(Compiler *c, Node *n, bool isconst)
{
    int nl = n->list.n, nr = n->list2.n;
    bool file = at_file_scope(c);
    if (!(file && isconst))
        res_list(c, &n->list2, n); /* a file-level const's: resolved early */
    if (isconst && nr != nl) {
        if (nr < nl)
            cg_err(c, n, "missing init expr for const declaration");
        else
            cg_err(c, n, "extra init expr");
    } else if (!isconst && nr)
        check_counts(c, n, nl, nr);
    if (!isconst)
        n->type = res_type(c, n, n->type);
    for (int i = 0; i < nl; i++) {
        Node *id = n->list.items[i];
        if (!id || id->kind != N_IDENT || !id->name) {
            cg_err(c, id ? id : n, "non-name %s in declaration", cg_describe(id));
            continue;
        }
        if (cg_is_blank(id->name)) {
            cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)&c->blank);
            continue;
        }
        if (file) {
            if (!cg_node_var(c, id)) {
                Var *v = declare_global(c, id, id->name, true, NULL);
                cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
            }
            if (!isconst || n->type) /* a typed const: now that declared types resolve */
                set_type(c, cg_node_var(c, id), n->type);
            if (!isconst && !n->type && nl == nr)
                cg_node_var(c, id)->type = cg_basic_type(c, n->list2.items[i]); /* var f = float32(x) */
            if (!isconst)
                cg_node_var(c, id)->sty = n->type    ? cg_node_type(c, n)
                                          : nl == nr ? cg_static_type(c, n->list2.items[i])
                                                     : NULL;
            continue;
        }
        if (lookup_here(c, id->name))
            cg_err(c, id, "%s redeclared in this block", id->name);
        Var *v = declare_local(c, id);
        v->sty = !isconst && n->type ? cg_node_type(c, n)
                 : i < nr            ? cg_static_type(c, n->list2.items[i])
                                     : NULL;
        if (isconst) {
            v->readonly = true;
            if (i < nr && !n->type)
                v->uexpr = n->list2.items[i]; /* untyped: computed exactly */
            if (i < nr)
                v->cval = cg_const_eval(c, n->list2.items[i]);
            if (!cg_is_foldable(v->cval))
                v->cval = V_UNDEF; /* not a constant: a read-only variable */
        }
        set_type(c, v, n->type);
        Value xv;
        if (isconst && n->type && i < nr && v->type &&
            cg_exact_to_type(c, n->list2.items[i], v->type, &xv, "constant declaration") == 1)
            v->cval = xv; /* const f float64 = 1 << 80 */
        if (isconst && !n->type && i < nr && !cg_exact(c, n->list2.items[i]))
            v->type = cg_basic_type(c, n->list2.items[i]); /* const b = uint8(200) */
        else if (!isconst && !n->type && nl == nr)
            v->type = cg_basic_type(c, n->list2.items[i]); /* var f = float32(x) */
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
            cg_err(c, n, "invalid %s label %s", isbreak ? "break" : "continue", n->name);
        return;
    }
    if (!isbreak)
        while (l && l->kind != BK_LOOP)
            l = l->prev;
    if (!l)
        cg_err(c, n, isbreak ? "break is not in a loop, switch, or select" : "continue is not in a loop");
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
            cg_err(c, t, "non-name %s on left side of :=", cg_describe(t));
            continue;
        }
        if (cg_is_blank(t->name)) {
            cg_pm_put(&c->nodes, t, (uint64_t)(uintptr_t)&c->blank);
            continue;
        }
        if (lookup_here(c, t->name)) {
            cg_err(c, t, "%s repeated on left side of :=", t->name);
            continue;
        }
        declare_local(c, t);
    }
}

static void res_stmt(Compiler *c, Node *n, const char *label)
{
    if (!n)
        return;
    if (!cg_enter(c, n))
        return;
    const char *lab = label ? label : n->label;
    RLoop loop;
    int mark;
    switch (n->kind) {
    case N_EXPRSTMT:
        res_expr(c, n->a, n);
        if (n->a && n->a->kind == N_CALL && n->a->a && n->a->a->kind == N_IDENT) {
            /* Go's error for a bare append, whose result is the slice to
             * use: it changes nothing a script can see */
            Var *f = cg_node_var(c, n->a->a);
            if (f && f->kind == VK_UNIVERSE && f->name && strcmp(f->name, "append") == 0)
                cg_err(c, n->a, "%s (value of type list) is not used", cg_describe(n->a));
        }
        break;
    case N_ASSIGN: {
        int nl = n->list.n, nr = n->list2.n;
        bool compound = n->op != TK_ASSIGN;
        if (compound && !cg_compound_op(n->op)) {
            cg_err(c, n, "invalid assignment operator");
            break;
        }
        if (compound && (nl != 1 || nr != 1)) {
            cg_err(c, n, "assignment operation requires single-valued expressions");
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
            cg_err(c, n, "invalid increment operator");
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
            cg_err(c, n->post, "cannot declare in post statement of for loop");
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
        if (n->define && n->val && n->val->kind == N_IDENT) {
            /* `for _, b := range bodies`: b is an element */
            ObjType *rt = cg_static_type(c, n->a);
            Var *v = cg_node_var(c, n->val);
            if (v && v->kind == VK_LOCAL && rt &&
                (rt->kind == TYPE_SLICE || rt->kind == TYPE_ARRAY || rt->kind == TYPE_MAP))
                v->sty = rt->elem;
        }
        if (n->define)
            range_var_types(c, n);
        loop_push(c, &loop, BK_LOOP, lab);
        res_body(c, n->body, n);
        c->loops = loop.prev;
        scope_close(c, mark);
        break;
    }
    case N_SWITCH: {
        mark = scope_open(c);
        res_stmt(c, n->init, NULL);
        bool typesw = cg_is_type_switch(n);
        if (typesw && !n->a->a)
            cg_err(c, n, "malformed type switch");
        else if (typesw)
            res_expr(c, n->a->a, n->a);
        else if (n->a)
            res_expr(c, n->a, n);
        loop_push(c, &loop, BK_SWITCH, lab);
        bool hasdef = false;
        for (int i = 0; i < n->list.n; i++) {
            Node *cl = n->list.items[i];
            if (!cl || cl->kind != N_CASE) {
                cg_err(c, cl ? cl : n, "expected case or default");
                continue;
            }
            if (cl->list.n == 0) {
                if (hasdef)
                    cg_err(c, cl, "multiple defaults in switch");
                hasdef = true;
            }
            if (typesw)
                res_type_cases(c, cl);
            else
                res_list(c, &cl->list, cl);
            /* fallthrough may only end a clause, and not the last one */
            Node *ft = cg_clause_fallthrough(cl);
            if (ft && typesw)
                cg_err(c, ft, "cannot fallthrough in type switch");
            else if (ft && i == n->list.n - 1)
                cg_err(c, ft, "cannot fallthrough final case in switch");
            else if (ft)
                ft->ival = 1;
            int m2 = scope_open(c);
            if (typesw && n->name) {
                /* each clause binds its own variable: the guard's value */
                cl->key = ast_new(N_IDENT, cl->line, cl->col);
                cl->key->name = n->name;
                res_targets(c, &cl->key, 1, true, cl);
                type_case_var(c, cl);
            }
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
                cg_err(c, cm ? cm : n, "expected case or default");
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
                    cg_err(c, cm, "assignment mismatch: %d variables but <-ch returns 2 values", cm->list.n);
                else
                    res_targets(c, cm->list.items, cm->list.n, cm->define, cm);
                ncases++;
                break;
            case COMM_DEFAULT:
                if (hasdef)
                    cg_err(c, cm, "multiple defaults in select");
                hasdef = true;
                break;
            default:
                cg_err(c, cm, "malformed select case");
                break;
            }
            res_body(c, cm->body, cm);
            scope_close(c, mark);
        }
        if (ncases > limit_n[LIM_CASES])
            cg_err(c, n, limit_fmt[LIM_CASES], limit_n[LIM_CASES]);
        c->loops = loop.prev;
        break;
    }
    case N_CASE:
    case N_COMM:
        cg_err(c, n, "case outside switch or select");
        break;
    case N_RETURN:
        res_list(c, &n->list, n);
        if (n->list.n == 0 && c->fn->results)
            check_results_visible(c, n);
        break;
    case N_BREAK:
    case N_CONTINUE:
        res_branch(c, n);
        break;
    case N_GOTO: /* cg_check_gotos, once the whole body is seen */
        break;
    case N_FALLTHROUGH:
        if (!n->ival)
            cg_err(c, n, "fallthrough statement out of place");
        break;
    case N_GO:
    case N_DEFER:
        if (!n->a || n->a->kind != N_CALL) {
            cg_err(c, n, "expression in %s must be function call", n->kind == N_GO ? "go" : "defer");
            if (n->a && cg_is_expr_kind(n->a->kind))
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
    case N_TYPEDECL:
        if (!n->name)
            break;
        if (!at_file_scope(c) || !cg_node_var(c, n)) {
            /* a local type: in scope from its own definition on */
            define_type(c, declare_type(c, n));
        }
        break;
    case N_FUNCDECL:
        if (!n->name || !n->func) {
            cg_err(c, n, "malformed function declaration");
            break;
        }
        if (n->func->recv) {
            if (!at_file_scope(c))
                cg_err(c, n, "method declaration not at top level");
            res_func(c, n->func, n);
            break;
        }
        if (!at_file_scope(c)) {
            /* not Go, but harmless: a local bound before its body, so the
             * function can call itself */
            if (lookup_here(c, n->name))
                cg_err(c, n, "%s redeclared in this block", n->name);
            Var *v = new_var(c, VK_LOCAL, n->name, n);
            bind(c, v);
            cg_pm_put(&c->nodes, n, (uint64_t)(uintptr_t)v);
        } else if (cg_is_init(n)) {
            /* Go's init functions bind no name: they only run, before
             * main (gen_main calls them) */
            if (n->func->params.n || n->func->nresults)
                cg_err(c, n, "func init must have no arguments and no return values");
        } else if (!cg_node_var(c, n)) {
            Var *v = declare_global(c, n, n->name, true, NULL);
            cg_pm_put(&c->nodes, n, (uint64_t)(uintptr_t)v);
        }
        res_func(c, n->func, n);
        break;
    case N_FILE:
        cg_err(c, n, "unexpected file node");
        break;
    case N_IMPORT:
        break; /* bound before anything else (cg_res_file) */
    default:
        res_expr(c, n, n); /* a bare expression */
        break;
    }
    cg_leave(c);
}

/* Named results are variables of the body, set to their type's zero value
 * before it runs: they become `var n T` declarations opening the body,
 * which code generation then compiles first, so they take the registers
 * right after the parameters, in order (the VM reads them there when
 * deferred calls ran: see ObjProto.nnamed). A blank result gets a name no
 * program can write (Go's own choice, ~r0), so it has its register too. */
static void declare_results(FuncInfo *fi)
{
    if (!fi->results.n || fi->results_declared || !fi->body || fi->body->kind != N_BLOCK)
        return;
    fi->results_declared = true;
    NodeList l = {0};
    for (int i = 0; i < fi->results.n; i++) {
        Node *r = fi->results.items[i];
        Node *id = ast_new(N_IDENT, r->line, r->col);
        id->name = r->name && !cg_is_blank(r->name) ? r->name : cg_gc_sprintf("~r%d", i);
        fi->results.items[i] = id;
        Node *var = ast_new(N_VAR, r->line, r->col);
        var->type = r->type;
        nl_push(&var->list, id);
        nl_push(&l, var);
    }
    for (int i = 0; i < fi->body->list.n; i++)
        nl_push(&l, fi->body->list.items[i]);
    fi->body->list = l;
}

/* A bare return returns the named results: Go rejects one where a
 * nested declaration hides a result, as the reader would be misled. */
static void check_results_visible(Compiler *c, Node *ret)
{
    NodeList *l = c->fn->results;
    for (int i = 0; i < l->n; i++) {
        Node *id = l->items[i];
        Var *v = cg_node_var(c, id);
        if (v && cg_nt_get(&c->names, id->name) != v) {
            cg_err(c, ret, "result parameter %s not in scope at return", id->name);
            return;
        }
    }
}

/* The text of a function's Go type, `func(int, ...string) (bool, error)`;
 * NULL for a method, or when a parameter's or result's type is not
 * written. */
static const char *func_type_text(const FuncInfo *fi)
{
    if (fi->recv || fi->recv_tparams || (fi->nresults && !fi->result_types))
        return NULL;
    /* `func(int) string {...}`: parameters written as types alone */
    bool named = false;
    for (int i = 0; i < fi->params.n; i++)
        named |= fi->params.items[i]->type != NULL;
    Buf b;
    buf_init(&b);
    buf_printf(&b, "func(");
    for (int i = 0; i < fi->params.n; i++) {
        const Node *p = fi->params.items[i];
        const char *t = p->type ? p->type : p->str ? p->str : named ? NULL : p->name;
        if (!t)
            return NULL;
        buf_printf(&b, "%s%s%s", i ? ", " : "", fi->variadic && i == fi->params.n - 1 ? "..." : "", t);
    }
    buf_printf(&b, ")");
    for (int i = 0; i < fi->nresults; i++) {
        if (!fi->result_types[i])
            return NULL;
        buf_printf(&b, "%s%s", i ? ", " : fi->nresults > 1 ? " (" : " ", fi->result_types[i]);
    }
    if (fi->nresults > 1)
        buf_printf(&b, ")");
    return b.data;
}

/* A function's Go type, which its values carry for fmt's %T and for
 * inferring type arguments from them (Map(xs, func(x int) string {...})
 * makes U string). Kept in c->types under the address of fi->tparams (fi
 * itself keys a method's closure); none for a method, or a literal whose
 * signature names type parameters of the function it is in (its type
 * depends on the instance: FuncInfo.open_type). A generic function's is
 * written with its own, which its instantiations substitute
 * (ObjProto.tnames). */
static void func_type(Compiler *c, FuncInfo *fi)
{
    const char *text = func_type_text(fi);
    if (!text)
        return;
    ObjType *ty = types_parse_with(text, strlen(text), type_lookup, c);
    if (fi->tparams.n || !types_open(ty))
        cg_pm_put(&c->types, &fi->tparams, (uint64_t)(uintptr_t)ty);
}

ObjType *cg_func_type(Compiler *c, FuncInfo *fi)
{
    uint64_t w;
    return fi && cg_pm_get(&c->types, &fi->tparams, &w) ? (ObjType *)(uintptr_t)w : NULL;
}

/* Whether a bare name in a parameter list names a type: a predeclared
 * one, a type parameter or a declared type. */
static bool names_type(Compiler *c, const char *name)
{
    Var *v = cg_nt_get(&c->names, name);
    if (v)
        return v->tparam || (v->tdecl && v->decl && v->decl->kind == N_TYPEDECL);
    return types_parse(name, strlen(name))->kind != TYPE_UNKNOWN;
}

/* Go's func(int, int) bool: a parameter list of bare names that all name
 * types lists the types of unnamed parameters (a script's func(x, y)
 * names untyped ones). */
static void unnamed_params(Compiler *c, FuncInfo *fi)
{
    for (int i = 0; i < fi->params.n; i++) {
        Node *p = fi->params.items[i];
        if (!p || p->kind != N_IDENT || !p->name || p->type || !names_type(c, p->name))
            return;
    }
    for (int i = 0; i < fi->params.n; i++) {
        Node *p = fi->params.items[i];
        p->type = p->name;
        p->name = "_";
    }
}

static void res_func(Compiler *c, FuncInfo *fi, Node *at)
{
    if (!fi) {
        cg_err(c, at, "malformed function");
        return;
    }
    FuncRes *fr = mem_alloc(sizeof *fr);
    fr->parent = c->fn;
    cg_pm_put(&c->nodes, fi, (uint64_t)(uintptr_t)fr);
    FuncRes *savefn = c->fn;
    RLoop *saveloops = c->loops;
    c->fn = fr;
    c->loops = NULL;
    int mark = scope_open(c);
    if (fi->params.n > MAX_LOCALS)
        cg_err(c, at, limit_fmt[LIM_PARAMS], limit_n[LIM_PARAMS]);
    if (fi->variadic && fi->params.n == 0)
        cg_err(c, at, "can only use ... with final parameter in list");
    /* Type parameters first: the parameters' types may name them. */
    for (int i = 0; i < fi->tparams.n; i++) {
        Node *p = fi->tparams.items[i];
        if (!p || p->kind != N_IDENT || !p->name || cg_is_blank(p->name))
            continue;
        if (lookup_here(c, p->name)) {
            cg_err(c, p, "%s redeclared", p->name);
            continue;
        }
        declare_local(c, p)->tparam = true;
    }
    unnamed_params(c, fi);
    for (int i = 0; i < fi->params.n; i++) {
        Node *p = fi->params.items[i];
        if (!p || p->kind != N_IDENT || !p->name) {
            cg_err(c, p ? p : at, "malformed parameter");
            continue;
        }
        if (p->type)
            p->type = res_type(c, p, p->type);
        if (cg_is_blank(p->name))
            continue;
        if (lookup_here(c, p->name)) {
            cg_err(c, p, "duplicate argument %s", p->name);
            continue;
        }
        Var *pv = declare_local(c, p);
        ObjType *pt = cg_node_type(c, p);
        if (pt && fi->variadic && i == fi->params.n - 1)
            pt = types_derive(types_parse("[]int", 5), pt, NULL); /* xs ...T is a []T */
        pv->type = cg_store_type_of(pt);
        pv->sty = pt;
    }
    declare_results(fi);
    if (fi->result_types && fi->nresults > 0) {
        /* what `return` converts each result to (compile_types.c) */
        fr->rtypes = mem_alloc((size_t)fi->nresults * sizeof *fr->rtypes);
        for (int i = 0; i < fi->nresults; i++)
            fr->rtypes[i] = store_type(c, fi->result_types[i]);
    }
    if (fi->results_declared)
        fr->results = &fi->results;
    func_type(c, fi);
    /* The body's top-level declarations share the parameters' scope (Go:
     * `x := 1` in the body cannot redeclare a parameter x). */
    if (fi->body && fi->body->kind == N_BLOCK)
        res_block_list(c, &fi->body->list);
    else if (fi->body)
        res_stmt(c, fi->body, NULL);
    cg_check_gotos(c, fi->body);
    scope_close(c, mark);
    c->fn = savefn;
    c->loops = saveloops;
}

Node *cg_clause_fallthrough(const Node *cl)
{
    const NodeList *l = cl->body && cl->body->kind == N_BLOCK ? &cl->body->list : NULL;
    Node *s = l && l->n ? l->items[l->n - 1] : NULL;
    return s && s->kind == N_FALLTHROUGH ? s : NULL;
}

bool cg_is_init(const Node *s)
{
    return s && s->kind == N_FUNCDECL && s->func && s->name && !strcmp(s->name, "init");
}

Node *cg_unlabel(Node *s)
{
    for (int i = 0; s && s->kind == N_LABELED && i < MAX_NEST; i++)
        s = s->body;
    return s;
}

/* Bind `name` at the top level to a module or module member. */
static void bind_imported(Compiler *c, Node *at, const char *name, Value val)
{
    if (lookup_here(c, name)) {
        cg_err(c, at, "%s redeclared in this block", name);
        return;
    }
    Var *v = new_var(c, VK_UNIVERSE, name, at);
    v->cval = val;
    v->readonly = true;
    bind(c, v);
}

/* An import names a module csp has by its path ("math/rand" is module
 * rand). Every module is visible by its own name anyway (scripts need no
 * imports); `import s "strings"` also binds s, `import . "strings"`
 * binds each member by its name, and `import _ "x"` binds nothing. */
static void res_import(Compiler *c, Node *s)
{
    const char *path = s->str ? s->str : "";
    Value mv;
    if (strlen(path) != s->len || !rt_import(c->rt, path, s->len, &mv)) {
        cg_err(c, s, "package \"%s\" is not available in csp", path);
        return;
    }
    if (!s->name || cg_is_blank(s->name))
        return;
    if (strcmp(s->name, ".") != 0) {
        bind_imported(c, s, s->name, mv);
        return;
    }
    ObjModule *mod = (ObjModule *)v_obj(mv);
    Value k, v;
    for (size_t cur = 0; mod->members && map_next(mod->members, &cur, &k, &v);)
        if (v_is_obj(k, OBJ_STRING)) /* a package variable: its value now */
            bind_imported(c, s, ((ObjString *)v_obj(k))->data,
                          v_is_obj(v, OBJ_CELL) ? module_get(mod, ((ObjString *)v_obj(k))->data) : v);
}

/* Pass 1 over a file: declare every top-level name (hoisting), resolve and
 * fold the top-level consts, then resolve everything in order. */
void cg_res_file(Compiler *c, Node *file)
{
    FuncRes *mainres = mem_alloc(sizeof *mainres);
    c->mainres = c->fn = mainres;
    cg_pm_put(&c->nodes, file, (uint64_t)(uintptr_t)mainres);
    NodeList *top = &file->list;
    for (int i = 0; i < top->n; i++) {
        Node *s = cg_unlabel(top->items[i]);
        if (!s)
            continue;
        switch (s->kind) {
        case N_IMPORT:
            res_import(c, s);
            break;
        case N_FUNCDECL:
            if (s->name && s->func && !s->func->recv && !cg_is_init(s))
                cg_pm_put(&c->nodes, s, (uint64_t)(uintptr_t)declare_global(c, s, s->name, true, NULL));
            break;
        case N_TYPEDECL:
            if (s->name)
                declare_type(c, s);
            break;
        case N_VAR:
        case N_CONST:
            for (int j = 0; j < s->list.n; j++) {
                Node *id = s->list.items[j];
                if (!id || id->kind != N_IDENT || !id->name || cg_is_blank(id->name))
                    continue;
                Var *v = declare_global(c, id, id->name, true, NULL);
                cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
                if (s->kind == N_CONST) {
                    v->readonly = true;
                    v->cexpr = j < s->list2.n ? s->list2.items[j] : NULL;
                    v->cstate = v->cexpr ? 0 : 2;
                    if (!s->type)
                        v->uexpr = v->cexpr; /* untyped: computed exactly */
                }
                v->type =
                    cg_store_type(s->type); /* a const's folds to it (declared types: when it is resolved) */
            }
            break;
        case N_DEFINE:
            for (int j = 0; j < s->list.n; j++) {
                Node *id = s->list.items[j];
                if (!id || id->kind != N_IDENT || !id->name || cg_is_blank(id->name))
                    continue;
                bool isnew;
                Var *v = declare_global(c, id, id->name, false, &isnew);
                if (isnew)
                    v->decl = id;
                cg_pm_put(&c->nodes, id, (uint64_t)(uintptr_t)v);
            }
            break;
        default:
            break;
        }
    }
    /* Types: defined in any order (each defines the ones it needs
     * first), then their methods, before any body is resolved. */
    for (int i = 0; i < top->n; i++) {
        Node *s = cg_unlabel(top->items[i]);
        if (s && s->kind == N_TYPEDECL && cg_node_var(c, s))
            define_type(c, cg_node_var(c, s));
    }
    for (int i = 0; i < top->n; i++) {
        Node *s = cg_unlabel(top->items[i]);
        if (s && s->kind == N_FUNCDECL && s->name && s->func && s->func->recv)
            declare_method(c, s);
    }
    /* Consts: resolve every value first, then fold (in any order). */
    for (int i = 0; i < top->n; i++) {
        Node *s = cg_unlabel(top->items[i]);
        if (s && s->kind == N_CONST)
            res_list(c, &s->list2, s);
    }
    for (int i = 0; i < c->nscope; i++) {
        Var *v = c->scope[i];
        if (v->kind == VK_UNIVERSE)
            continue; /* an imported name: a module or its member */
        if (v->cexpr)
            cg_fold_global_const(c, v);
        if (!cg_is_foldable(v->cval))
            v->cval = V_UNDEF;
    }
    for (int i = 0; i < top->n; i++)
        res_stmt(c, top->items[i], NULL);
    cg_check_gotos(c, file);
    repl_record_types(c);
}
