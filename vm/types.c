/* types.c — type descriptors: parsing a type's text, zero values,
 * conversions, and the registry of module types. See types.h. */
#include "types.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arith.h"
#include "buf.h"
#include "chan.h"
#include "format.h"
#include "lock.h"
#include "mem.h"
#include "utf8.h"
#include "vm.h"

/* ---- the registry of module types ------------------------------------- */

/* A few hundred module types at most. Modules register theirs when they
 * are opened (under the standard library's lock, so one writer at a
 * time), which may be while other threads parse types: an entry is
 * written before nregistry, stored with release, counts it. */
enum { MAX_MODULE_TYPES = 512 };
static struct {
    const char *name;
    TypeKind kind;
    Value ctor;
    ObjType *type;
} registry[MAX_MODULE_TYPES];
static int nregistry;

static void registry_put(const char *qualified, TypeKind kind, Value ctor, ObjType *type)
{
    int n = __atomic_load_n(&nregistry, __ATOMIC_ACQUIRE), i = 0;
    while (i < n && strcmp(registry[i].name, qualified) != 0)
        i++;
    if (i == n && n == MAX_MODULE_TYPES)
        return; /* a table too long: caught by the tests */
    registry[i].name = qualified;
    registry[i].kind = kind;
    registry[i].ctor = ctor;
    registry[i].type = type;
    if (i == n)
        __atomic_store_n(&nregistry, n + 1, __ATOMIC_RELEASE);
}

void types_register(const char *qualified, TypeKind kind, Value ctor)
{
    registry_put(qualified, kind, ctor, NULL);
}

void types_register_type(ObjType *t)
{
    registry_put(t->name, t->kind, t->ctor, t);
}

void types_register_alias(const char *qualified, ObjType *t)
{
    registry_put(qualified, t->kind, t->ctor, t);
}

static bool is_word(const char *s, size_t n, const char *w);

/* The registry's entry for the type named s[0..n) ("time.Duration"), or
 * -1. A name qualified with a module that is not open yet opens it (its
 * types are registered when it opens). */
static int registry_find(const char *s, size_t n)
{
    for (int pass = 0; pass < 2; pass++) {
        int count = __atomic_load_n(&nregistry, __ATOMIC_ACQUIRE);
        for (int i = 0; i < count; i++)
            if (is_word(s, n, registry[i].name))
                return i;
        const char *dot = memchr(s, '.', n);
        if (pass || !dot || dot == s || rt_open_module(s, (size_t)(dot - s), false) == V_UNDEF)
            return -1;
    }
    return -1;
}

/* ---- parsing ---------------------------------------------------------- */

/* The predeclared type names. */
static const struct {
    const char *name;
    TypeKind kind;
    uint8_t bits;
    bool is_unsigned;
} basic[] = {
    {"bool", TYPE_BOOL, 0, false},       {"string", TYPE_STRING, 0, false},
    {"int", TYPE_INT, 64, false},        {"int8", TYPE_INT, 8, false},
    {"int16", TYPE_INT, 16, false},      {"int32", TYPE_INT, 32, false},
    {"rune", TYPE_INT, 32, false},       {"int64", TYPE_INT, 64, false},
    {"uint", TYPE_INT, 64, true},        {"uint8", TYPE_INT, 8, true},
    {"byte", TYPE_INT, 8, true},         {"uint16", TYPE_INT, 16, true},
    {"uint32", TYPE_INT, 32, true},      {"uint64", TYPE_INT, 64, true},
    {"uintptr", TYPE_INT, 64, true},     {"float32", TYPE_FLOAT, 32, false},
    {"float64", TYPE_FLOAT, 64, false},  {"any", TYPE_INTERFACE, 0, false},
    {"error", TYPE_INTERFACE, 0, false},
};

static bool starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static bool is_word(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* The index of the `]` that closes the `[` at s[0], or n. */
static size_t closing(const char *s, size_t n)
{
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '[')
            depth++;
        else if (s[i] == ']' && --depth == 0)
            return i;
    }
    return n;
}

static ObjType *type_new(TypeKind kind, const char *name)
{
    ObjType *t = mem_alloc(sizeof *t);
    t->h.kind = OBJ_TYPE;
    t->h.flags = 0;
    t->kind = kind;
    t->name = name;
    t->len = -1;
    t->ctor = V_UNDEF;
    t->zero = V_NIL;
    return t;
}

/* The zero value one value can stand for, made once. */
static void set_zero(ObjType *t)
{
    switch (t->kind) {
    case TYPE_BOOL:
        t->zero = V_FALSE;
        break;
    case TYPE_INT:
        t->zero = v_int_small(0);
        break;
    case TYPE_FLOAT:
        t->zero = v_make_float(0.0);
        break;
    case TYPE_COMPLEX:
        t->zero = t->bits == 64 ? v_make_complex64(0, 0) : v_make_complex(0, 0);
        break;
    case TYPE_STRING:
        t->zero = v_from_ptr(str_new("", 0));
        break;
    case TYPE_SLICE: {
        /* A nil slice that knows its type (prints [], appends): one
         * header serves every variable, marked shared so that an append
         * never changes it in place. */
        ObjList *l = list_nil(t);
        l->h.flags = LIST_SHARED;
        t->zero = v_from_ptr(l);
        break;
    }
    case TYPE_ARRAY:
    case TYPE_OBJECT:
    case TYPE_STRUCT:
        t->zero = V_UNDEF; /* a fresh value each time */
        break;
    case TYPE_MAP:
        t->zero = V_NIL; /* until nil_maps makes its nil map */
        break;
    default:
        t->zero = V_NIL;
        break;
    }
}

/* A map type's zero is a nil map reading its element's zero, which the
 * element's descriptor must have first: the chain root -> elem -> ... is
 * walked from its end (by a loop: it may be thousands deep). */
static ObjType *nil_maps(ObjType *root)
{
    size_t n = 0;
    /* a declared type ends the chain: its zero was made when it was
     * declared, and it may contain itself (type M map[string]M) */
    for (ObjType *t = root; t && !t->named; t = t->elem)
        n += t->kind == TYPE_MAP;
    if (!n)
        return root;
    ObjType **maps = mem_alloc(n * sizeof *maps);
    size_t i = 0;
    for (ObjType *t = root; t && !t->named; t = t->elem)
        if (t->kind == TYPE_MAP)
            maps[i++] = t;
    while (i > 0) {
        ObjType *m = maps[--i];
        ObjMap *nil_map = map_new_nil(types_elem_zero(m));
        nil_map->type = m; /* for fmt: map[string]int(nil) */
        m->zero = v_from_ptr(nil_map);
    }
    return root;
}

/* How deep map keys may nest (map[map[...]...]...) before a key is left
 * UNKNOWN: keys are the only recursion here, and a text given to make() at
 * run time is bounded by nothing else. */
enum { MAX_KEY_DEPTH = 64 };

/* The descriptor of s[0..n), which is NUL-terminated at s[n] when it ends
 * the text (then every level's name shares it instead of a copy: a type
 * nested thousands deep costs linear memory). The element chain ([]*[3]T)
 * is built by a loop, so the depth of nesting costs no C stack. */
typedef struct Parse {
    TypeLookup lookup;
    void *ctx;
} Parse;

static ObjType *parse(const Parse *P, const char *s, size_t n, bool at_end, int keydepth);
static ObjType *instance(const Parse *P, const char *s, size_t n, int depth);
static void parse_fields(const Parse *P, ObjType *t, const char *s, size_t n, int depth);
static void parse_iface(const Parse *P, ObjType *t, const char *s, size_t n, int depth);
static void parse_sig(const Parse *P, ObjType *t, const char *s, size_t n, int depth);
static const char *sig_name(const ObjType *t);
static int method_index(const ObjType *t, ObjString *name);

/* Name[args] (s[0..n), ending in ']'): the instance of the generic type
 * the lookup finds for Name, or an UNKNOWN type when there is none. */
static ObjType *instance(const Parse *P, const char *s, size_t n, int depth)
{
    size_t b = (size_t)((const char *)memchr(s, '[', n) - s);
    ObjType *g = P->lookup(P->ctx, s, b);
    ObjType *args[16];
    int nargs = 0;
    size_t i = b + 1, start = i;
    int level = 0;
    for (; i < n - 1 && nargs < 16; i++) {
        if (s[i] == '[' || s[i] == '(' || s[i] == '{')
            level++;
        else if (s[i] == ']' || s[i] == ')' || s[i] == '}')
            level--;
        else if (s[i] == ',' && level == 0) {
            args[nargs++] = parse(P, s + start, i - start, false, depth);
            start = i + 1;
        }
    }
    if (nargs < 16 && start < n - 1)
        args[nargs++] = parse(P, s + start, n - 1 - start, false, depth);
    if (!g || g->ntparams != nargs) {
        ObjType *t = type_new(TYPE_UNKNOWN, str_new(s, n)->data);
        return t;
    }
    return types_instantiate(g, nargs, args);
}

static ObjType *parse(const Parse *P, const char *s, size_t n, bool at_end, int keydepth)
{
    ObjType *root = NULL, **link = &root;
    for (;;) {
        while (n && (*s == ' ' || *s == '\t'))
            s++, n--;
        bool trimmed = false;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--, trimmed = true;
        const char *name = at_end && !trimmed ? s : str_new(s, n)->data;
        ObjType *t;
        size_t skip = 0; /* the element's text starts at s + skip; 0: none */
        if (starts(s, n, "[]")) {
            t = type_new(TYPE_SLICE, name);
            skip = 2;
        } else if (n && s[0] == '[') {
            size_t close = closing(s, n);
            t = type_new(TYPE_ARRAY, name);
            int64_t len = 0;
            for (size_t i = 1; i < close && len >= 0; i++)
                len = s[i] >= '0' && s[i] <= '9' && len < INT64_MAX / 10 - 9 ? len * 10 + (s[i] - '0') : -1;
            t->len = close > 1 ? len : -1;
            skip = close + (close < n);
        } else if (starts(s, n, "map[")) {
            size_t close = 3 + closing(s + 3, n - 3);
            t = type_new(TYPE_MAP, name);
            size_t kn = close > 4 ? close - 4 : 0;
            t->key = keydepth < MAX_KEY_DEPTH ? parse(P, s + 4, kn, false, keydepth + 1)
                                              : type_new(TYPE_UNKNOWN, str_new(s + 4, kn)->data);
            skip = close + (close < n);
        } else if (starts(s, n, "chan<-") || starts(s, n, "<-chan")) {
            t = type_new(TYPE_CHAN, name);
            skip = 6;
        } else if (starts(s, n, "chan ") || is_word(s, n, "chan")) {
            t = type_new(TYPE_CHAN, name);
            skip = 4;
        } else if (n && s[0] == '*') {
            t = type_new(TYPE_POINTER, name);
            skip = 1;
        } else if (starts(s, n, "func")) {
            t = type_new(TYPE_FUNC, name);
            if (n > 4 && s[4] == '(' && keydepth < MAX_KEY_DEPTH)
                parse_sig(P, t, s + 4, n - 4, keydepth + 1);
        } else if (starts(s, n, "interface")) {
            t = type_new(TYPE_INTERFACE, name);
            if (keydepth < MAX_KEY_DEPTH)
                parse_iface(P, t, s + 9, n - 9, keydepth + 1);
        } else if (starts(s, n, "struct")) {
            t = type_new(TYPE_STRUCT, name);
            /* a struct's field types nest like map keys: bounded the same */
            if (keydepth < MAX_KEY_DEPTH)
                parse_fields(P, t, s + 6, n - 6, keydepth + 1);
        } else if (n && s[n - 1] == ']' && memchr(s, '[', n) && P->lookup && keydepth < MAX_KEY_DEPTH) {
            /* Stack[int], Pair[string,int]: a generic type's instance */
            *link = instance(P, s, n, keydepth + 1);
            return nil_maps(root); /* map[string]Box[int]: its nil map */
        } else {
            t = type_new(TYPE_UNKNOWN, name);
            for (size_t i = 0; i < sizeof basic / sizeof basic[0]; i++) {
                if (is_word(s, n, basic[i].name)) {
                    t->kind = basic[i].kind;
                    t->bits = basic[i].bits;
                    t->is_unsigned = basic[i].is_unsigned;
                }
            }
            if (is_word(s, n, "complex64") || is_word(s, n, "complex128")) {
                t->kind = TYPE_COMPLEX;
                t->bits = n == 9 ? 64 : 128;
            }
            int reg = t->kind == TYPE_UNKNOWN ? registry_find(s, n) : -1;
            if (reg >= 0 && registry[reg].type) {
                /* a module's type with its own descriptor: shared, as a
                 * declared type's is */
                *link = registry[reg].type;
                return nil_maps(root);
            }
            if (reg >= 0) {
                t->kind = registry[reg].kind;
                t->bits = 64; /* time.Duration is an int64 */
                t->ctor = registry[reg].ctor;
            }
            ObjType *named = t->kind == TYPE_UNKNOWN && P->lookup ? P->lookup(P->ctx, s, n) : NULL;
            if (named) {
                /* a declared type is one descriptor, shared by every use;
                 * a map of it (map[string]Point) still needs its nil map */
                *link = named;
                return nil_maps(root);
            }
        }
        set_zero(t);
        *link = t;
        if (!skip)
            return nil_maps(root);
        link = &t->elem;
        s += skip;
        n = skip <= n ? n - skip : 0;
        at_end = at_end && !trimmed;
    }
}

ObjType *types_parse(const char *text, size_t n)
{
    return types_parse_with(text, n, NULL, NULL);
}

/* Whether t (not a declared type itself) is spelled with a declared one. */
static bool names_declared(const ObjType *t, int depth)
{
    if (!t || depth > MAX_KEY_DEPTH)
        return false;
    if (t->named)
        return true;
    if (names_declared(t->elem, depth + 1) || names_declared(t->key, depth + 1))
        return true;
    for (int i = 0; i < t->nfields; i++)
        if (names_declared(t->fields[i].type, depth + 1))
            return true;
    for (int i = 0; t->sig && i < t->nin + t->nout; i++)
        if (names_declared(t->sig[i], depth + 1))
            return true;
    return false;
}

/* Go's name of a composite type built from declared ones, which Go spells
 * qualified: "[]main.Point", "map[string]*main.Node", "struct { p
 * main.Point }". Declared types keep their own names. */
static void requalify(ObjType *t, int depth)
{
    if (!t || t->named || depth > MAX_KEY_DEPTH || !names_declared(t, depth))
        return;
    requalify(t->elem, depth + 1);
    requalify(t->key, depth + 1);
    for (int i = 0; i < t->nfields; i++)
        requalify(t->fields[i].type, depth + 1);
    for (int i = 0; t->sig && i < t->nin + t->nout; i++)
        requalify(t->sig[i], depth + 1);
    if (t->kind == TYPE_FUNC && t->sig) {
        t->name = sig_name(t);
        return;
    }
    Buf b;
    buf_init(&b);
    switch (t->kind) {
    case TYPE_SLICE:
        buf_printf(&b, "[]%s", t->elem->name);
        break;
    case TYPE_ARRAY:
        buf_printf(&b, "[%lld]%s", (long long)t->len, t->elem->name);
        break;
    case TYPE_POINTER:
        buf_printf(&b, "*%s", t->elem->name);
        break;
    case TYPE_MAP:
        buf_printf(&b, "map[%s]%s", t->key->name, t->elem->name);
        break;
    case TYPE_CHAN:
        buf_printf(&b, "%s%s",
                   !strncmp(t->name, "chan<-", 6)   ? "chan<- "
                   : !strncmp(t->name, "<-chan", 6) ? "<-chan "
                                                    : "chan ",
                   t->elem->name);
        break;
    case TYPE_STRUCT:
        buf_printf(&b, "struct {");
        for (int i = 0; i < t->nfields; i++) {
            const StructField *f = &t->fields[i];
            buf_printf(&b, "%s", i ? "; " : " ");
            if (!f->embedded)
                buf_printf(&b, "%s ", f->name);
            buf_printf(&b, "%s", f->type->name);
            if (f->tag) {
                buf_add(&b, " \"", 2);
                for (const char *c = f->tag; *c; c++) {
                    if (*c == '"' || *c == '\\')
                        buf_addc(&b, '\\');
                    buf_addc(&b, *c);
                }
                buf_addc(&b, '"');
            }
        }
        buf_printf(&b, t->nfields ? " }" : "}");
        break;
    default:
        return;
    }
    t->name = b.data;
}

ObjType *types_parse_with(const char *text, size_t n, TypeLookup lookup, void *ctx)
{
    if (!text)
        text = "", n = 0;
    Parse P = {lookup, ctx};
    ObjType *t = parse(&P, str_new(text, n)->data, n, true, 0);
    if (lookup)
        requalify(t, 0);
    return t;
}

/* ---- func types ------------------------------------------------------- */

/* The index of the `)` that closes the `(` at s[0], or n. */
static size_t closing_paren(const char *s, size_t n)
{
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '(' || s[i] == '[' || s[i] == '{')
            depth++;
        else if ((s[i] == ')' || s[i] == ']' || s[i] == '}') && --depth == 0)
            return i;
    }
    return n;
}

/* The types listed in s[0..n) (between a signature's parentheses,
 * separated by top-level commas) appended to *out; a `...T` is []T and
 * sets *variadic. Returns how many. */
static int sig_list(const Parse *P, const char *s, size_t n, int depth, ObjType ***out, int *cap, int have,
                    bool *variadic)
{
    int level = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && (s[i] == '(' || s[i] == '[' || s[i] == '{'))
            level++;
        else if (i < n && (s[i] == ')' || s[i] == ']' || s[i] == '}'))
            level--;
        if (i < n && !(s[i] == ',' && level == 0))
            continue;
        const char *a = s + start;
        size_t an = i - start;
        start = i + 1;
        while (an && (*a == ' ' || *a == '\t'))
            a++, an--;
        if (!an)
            continue;
        ObjType *t;
        if (starts(a, an, "...")) {
            const char *sl = str_printf("[]%.*s", (int)(an - 3), a + 3)->data;
            t = parse(P, sl, strlen(sl), true, depth);
            if (variadic)
                *variadic = true;
        } else {
            t = parse(P, a, an, false, depth);
        }
        if (have == *cap) {
            *cap = *cap ? 2 * *cap : 4;
            ObjType **grown = mem_alloc((size_t)*cap * sizeof *grown);
            if (have)
                memcpy(grown, *out, (size_t)have * sizeof *grown);
            *out = grown;
        }
        (*out)[have++] = t;
    }
    return have;
}

/* A func type's signature, s[0..n) from its `(`: its parameters' and
 * results' descriptors into t (see ObjType.sig). */
static void parse_sig(const Parse *P, ObjType *t, const char *s, size_t n, int depth)
{
    size_t close = closing_paren(s, n);
    ObjType **sig = NULL;
    int cap = 0;
    bool variadic = false;
    int nin = sig_list(P, s + 1, close > 0 ? close - 1 : 0, depth, &sig, &cap, 0, &variadic);
    const char *r = s + close + (close < n);
    size_t rn = close < n ? n - close - 1 : 0;
    while (rn && *r == ' ')
        r++, rn--;
    int all = nin;
    if (rn && *r == '(') {
        size_t rc = closing_paren(r, rn);
        all = sig_list(P, r + 1, rc > 0 ? rc - 1 : 0, depth, &sig, &cap, nin, NULL);
    } else if (rn) {
        all = sig_list(P, r, rn, depth, &sig, &cap, nin, NULL);
    }
    t->sig = sig ? sig : mem_alloc(sizeof *sig);
    t->nin = nin;
    t->nout = all - nin;
    t->variadic = variadic;
}

ObjType *types_native(ObjNative *n)
{
    if (!n || !n->sig)
        return NULL;
    ObjType *t = __atomic_load_n(&n->type, __ATOMIC_ACQUIRE);
    if (!t) {
        t = types_parse(n->sig, strlen(n->sig));
        __atomic_store_n(&n->type, t, __ATOMIC_RELEASE);
    }
    return t;
}

/* Go's spelling of func type t from its signature's types' names. */
static const char *sig_name(const ObjType *t)
{
    Buf b;
    buf_init(&b);
    buf_printf(&b, "func(");
    for (int i = 0; i < t->nin; i++) {
        const char *pn = t->sig[i]->name;
        if (t->variadic && i == t->nin - 1 && pn[0] == '[' && pn[1] == ']')
            buf_printf(&b, "%s...%s", i ? ", " : "", pn + 2);
        else
            buf_printf(&b, "%s%s", i ? ", " : "", pn);
    }
    buf_printf(&b, ")");
    for (int i = 0; i < t->nout; i++)
        buf_printf(&b, "%s%s", i ? ", " : t->nout > 1 ? " (" : " ", t->sig[t->nin + i]->name);
    if (t->nout > 1)
        buf_printf(&b, ")");
    return buf_to_str(&b)->data;
}

/* ---- struct types ----------------------------------------------------- */

/* The end of the field starting at s[i]: the next `;` or closing `}` not
 * inside brackets, braces or a quoted tag. */
static size_t field_end(const char *s, size_t n, size_t i)
{
    int depth = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
        } else if (c == '[' || c == '{' || c == '(') {
            depth++;
        } else if (c == ']' || c == ')') {
            depth--;
        } else if (c == '}') {
            if (depth-- == 0)
                return i;
        } else if (c == ';' && depth == 0) {
            return i;
        }
    }
    return n;
}

/* A Go-quoted tag's text, unquoted (the escapes Go's %q makes). */
static const char *unquote_tag(const char *s, size_t n)
{
    Buf b;
    buf_init(&b);
    for (size_t i = 1; i + 1 < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 2 < n) {
            c = s[++i];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        buf_addc(&b, c);
    }
    buf_addc(&b, 0);
    return b.data;
}

/* The fields of `{ X int; Y int "tag"; sync.Mutex }` (s is past "struct"). */
static void parse_fields(const Parse *P, ObjType *t, const char *s, size_t n, int depth)
{
    size_t i = 0;
    while (i < n && s[i] != '{')
        i++;
    i++;
    int cap = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == ';'))
            i++;
        if (i >= n || s[i] == '}')
            break;
        size_t end = field_end(s, n, i);
        size_t e = end;
        while (e > i && s[e - 1] == ' ')
            e--;
        /* a tag: the quoted string at the field's end, outside brackets */
        const char *tag = NULL;
        size_t q = i;
        int d = 0;
        for (; q < e; q++) {
            if (s[q] == '[' || s[q] == '{' || s[q] == '(')
                d++;
            else if (s[q] == ']' || s[q] == '}' || s[q] == ')')
                d--;
            else if (s[q] == '"' && d == 0)
                break;
        }
        if (q < e) {
            tag = unquote_tag(s + q, e - q);
            e = q;
            while (e > i && s[e - 1] == ' ')
                e--;
        }
        /* `name type`, or an embedded `T` `*T` `pkg.T` (no space) */
        size_t sp = i;
        d = 0;
        while (sp < e && !(s[sp] == ' ' && d == 0)) {
            if (s[sp] == '[' || s[sp] == '{' || s[sp] == '(')
                d++;
            else if (s[sp] == ']' || s[sp] == '}' || s[sp] == ')')
                d--;
            sp++;
        }
        StructField fd = {0};
        fd.tag = tag;
        if (sp < e) {
            fd.name = str_new(s + i, sp - i)->data;
            fd.type = parse(P, s + sp + 1, e - sp - 1, false, depth);
        } else {
            fd.embedded = true;
            fd.type = parse(P, s + i, e - i, false, depth);
            const char *nm = s + i;
            size_t nl = e - i;
            if (nl && *nm == '*')
                nm++, nl--;
            const char *br = memchr(nm, '[', nl); /* Base[T] is named Base */
            if (br)
                nl = (size_t)(br - nm);
            const char *dot = memchr(nm, '.', nl);
            if (dot)
                nl -= (size_t)(dot + 1 - nm), nm = dot + 1;
            fd.name = str_new(nm, nl)->data;
        }
        if (t->nfields == cap) {
            cap = mem_grow_int(cap, 4);
            StructField *fs = mem_alloc((size_t)cap * sizeof *fs);
            if (t->nfields)
                memcpy(fs, t->fields, (size_t)t->nfields * sizeof *fs);
            t->fields = fs;
        }
        t->fields[t->nfields++] = fd;
        i = end;
    }
}

/* An embedded type (a struct's field, an interface's element) appended to
 * t's fields. */
static void add_field(ObjType *t, StructField fd, int *cap)
{
    if (t->nfields == *cap) {
        *cap = mem_grow_int(*cap, 4);
        StructField *fs = mem_alloc((size_t)*cap * sizeof *fs);
        if (t->nfields)
            memcpy(fs, t->fields, (size_t)t->nfields * sizeof *fs);
        t->fields = fs;
    }
    t->fields[t->nfields++] = fd;
}

/* An interface's elements, `{ Area() float64; fmt.Stringer; Shape }`: a
 * method (a name and its signature) is one of its methods; an embedded
 * interface is kept as an embedded field, since a declared one may not be
 * defined yet (`type A interface { B }` before B's declaration), and its
 * methods are read when they are asked for (types_iface_methods). The
 * elements of a constraint's type set (`~int | ~string`) require no
 * method. */
static void parse_iface(const Parse *P, ObjType *t, const char *s, size_t n, int depth)
{
    size_t i = 0;
    while (i < n && s[i] != '{')
        i++;
    i++;
    int cap = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == ';'))
            i++;
        if (i >= n || s[i] == '}')
            break;
        size_t end = field_end(s, n, i), e = end, w = i;
        while (e > i && s[e - 1] == ' ')
            e--;
        while (w < e && (isalnum((unsigned char)s[w]) || s[w] == '_' || s[w] == '.'))
            w++;
        if (w > i && w < e && s[w] == '(' && !memchr(s + i, '.', w - i)) {
            ObjString *mname = str_new(s + i, w - i);
            if (method_index(t, mname) < 0)
                types_add_method(t, mname, V_NIL, false, types_sig(s + w, e - w));
        } else if (w == e && w > i) {
            StructField fd = {0};
            fd.embedded = true;
            fd.name = str_new(s + i, e - i)->data;
            fd.type = parse(P, s + i, e - i, false, depth);
            if (fd.type->kind == TYPE_INTERFACE || (fd.type->named && fd.type->kind == TYPE_UNKNOWN))
                add_field(t, fd, &cap);
        }
        i = end;
    }
}

/* The interfaces that are no script's declaration, and their methods:
 * error, and the modules' interface types (stdlib registers their names). */
static const struct {
    const char *name;
    const char *methods[5];
} predeclared_ifaces[] = {
    {"error", {"Error"}},
    {"fmt.Stringer", {"String"}},
    {"io.Writer", {"Write"}},
    {"io.Reader", {"Read"}},
    {"io.Closer", {"Close"}},
    {"io.ReadWriter", {"Read", "Write"}},
    {"io.ReadCloser", {"Read", "Close"}},
    {"io.WriteCloser", {"Write", "Close"}},
    {"io.ReadWriteCloser", {"Read", "Write", "Close"}},
    {"io.StringWriter", {"WriteString"}},
    {"io.ByteReader", {"ReadByte"}},
    {"io.ByteWriter", {"WriteByte"}},
    {"io.RuneReader", {"ReadRune"}},
    {"rand.Source", {"Int63", "Seed"}},
    {"heap.Interface", {"Len", "Less", "Swap", "Push", "Pop"}},
    {"http.Handler", {"ServeHTTP"}},
    {"http.ResponseWriter", {"Header", "Write", "WriteHeader"}},
    {"http.Flusher", {"Flush"}},
};

/* The methods an interface requires, walking embedded interfaces once
 * each, at most 64 of them (a declaration embedding itself is Go's error,
 * not a loop here). */
typedef struct IfaceSeen {
    const ObjType *t[64];
    int n;
} IfaceSeen;

static int iface_collect(const ObjType *t, ObjString **out, const char **sigs, int n, int max,
                         IfaceSeen *seen)
{
    if (!t || t->kind != TYPE_INTERFACE || seen->n == 64)
        return n;
    for (int i = 0; i < seen->n; i++)
        if (seen->t[i] == t)
            return n; /* embedded twice, or (Go's error) in itself */
    seen->t[seen->n++] = t;
    for (size_t i = 0; i < sizeof predeclared_ifaces / sizeof predeclared_ifaces[0]; i++) {
        if (strcmp(t->name, predeclared_ifaces[i].name) != 0)
            continue;
        for (int k = 0; k < 5 && predeclared_ifaces[i].methods[k] && n < max; k++) {
            if (sigs)
                sigs[n] = NULL;
            out[n++] = str_cstr(predeclared_ifaces[i].methods[k]);
        }
    }
    int nm = __atomic_load_n(&t->nmethods, __ATOMIC_ACQUIRE);
    const TypeMethod *ms = __atomic_load_n(&t->methods, __ATOMIC_ACQUIRE);
    for (int i = 0; i < nm && n < max; i++) {
        bool dup = false;
        for (int j = 0; j < n && !dup; j++)
            dup = str_eq(out[j], ms[i].name);
        if (dup)
            continue;
        if (sigs)
            sigs[n] = ms[i].sig;
        out[n++] = ms[i].name;
    }
    for (int i = 0; i < t->nfields; i++)
        if (t->fields[i].embedded)
            n = iface_collect(t->fields[i].type, out, sigs, n, max, seen);
    return n;
}

int types_iface_methods(const ObjType *t, ObjString **out, int max)
{
    return types_iface_method_sigs(t, out, NULL, max);
}

int types_iface_method_sigs(const ObjType *t, ObjString **out, const char **sigs, int max)
{
    IfaceSeen seen;
    seen.n = 0;
    return iface_collect(t, out, sigs, 0, max, &seen);
}

/* ---- method signatures ------------------------------------------------ */

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* The end of the element of a parameter list that starts at s[i]: the
 * next comma or closing parenthesis outside brackets. */
static size_t list_elem_end(const char *s, size_t n, size_t i)
{
    int depth = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '(' || c == '[' || c == '{')
            depth++;
        else if ((c == ')' || c == ']' || c == '}') && depth-- == 0)
            return i;
        else if (c == ',' && depth == 0)
            return i;
    }
    return n;
}

/* Whether the word s[0..n) is a keyword that begins a type (map, chan,
 * func; with structs, struct and interface, whose fields may name
 * anything). */
static bool type_keyword(const char *s, size_t n, bool structs)
{
    return (n == 3 && !memcmp(s, "map", 3)) || (n == 4 && !memcmp(s, "chan", 4)) ||
           (n == 4 && !memcmp(s, "func", 4)) ||
           (structs && ((n == 6 && !memcmp(s, "struct", 6)) || (n == 9 && !memcmp(s, "interface", 9))));
}

/* Type text s[0..n) canonically onto b: one space only between two
 * identifier characters, byte and rune as uint8 and int32, interface{}
 * (however spaced) as any. */
static void canon_type(Buf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t') {
            while (i < n && (s[i] == ' ' || s[i] == '\t'))
                i++;
            if (i < n && b->len && ident_char(b->data[b->len - 1]) && ident_char(s[i]))
                buf_addc(b, ' ');
            continue;
        }
        if (ident_char(s[i])) {
            size_t j = i;
            while (j < n && ident_char(s[j]))
                j++;
            size_t k = j;
            while (k < n && s[k] == ' ')
                k++;
            bool qualified = (i > 0 && s[i - 1] == '.') || (j < n && s[j] == '.');
            if (!qualified && j - i == 4 && !memcmp(s + i, "byte", 4)) {
                buf_add(b, "uint8", 5);
            } else if (!qualified && j - i == 4 && !memcmp(s + i, "rune", 4)) {
                buf_add(b, "int32", 5);
            } else if (j - i == 9 && !memcmp(s + i, "interface", 9) && k < n && s[k] == '{') {
                size_t m = k + 1;
                while (m < n && s[m] == ' ')
                    m++;
                if (m < n && s[m] == '}') {
                    buf_add(b, "any", 3);
                    i = m + 1;
                    continue;
                }
                buf_add(b, s + i, j - i);
            } else {
                buf_add(b, s + i, j - i);
            }
            i = j;
            continue;
        }
        buf_addc(b, s[i++]);
    }
}

/* A parameter list's text s[0..n) (inside its parentheses) as its types,
 * canonical, comma-separated, onto b. In Go a list's parameters are all
 * named or none is: when one element is `name type`, an element that is a
 * name alone takes the type of the next that has one. */
static bool canon_params(Buf *b, const char *s, size_t n)
{
    size_t starts[64], ends[64], tstart[64];
    int count = 0;
    bool named = false;
    for (size_t i = 0; i < n;) {
        while (i < n && s[i] == ' ')
            i++;
        if (i >= n)
            break;
        size_t e = list_elem_end(s, n, i), t = e;
        if (count == 64)
            return false;
        size_t w = i;
        while (w < e && ident_char(s[w]))
            w++;
        size_t after = w;
        while (after < e && s[after] == ' ')
            after++;
        /* `name type`: an identifier, a space, then a type (not a
         * qualified name, not a keyword that begins a type) */
        if (w > i && after > w && after < e && !type_keyword(s + i, w - i, true)) {
            named = true;
            t = after;
        }
        starts[count] = i;
        ends[count] = e;
        tstart[count] = t;
        count++;
        i = e < n ? e + 1 : e;
    }
    const char *next = NULL;
    size_t next_n = 0;
    size_t tb[64], tn[64];
    for (int k = count - 1; k >= 0; k--) {
        size_t e = ends[k];
        while (e > starts[k] && s[e - 1] == ' ')
            e--;
        if (named && tstart[k] == ends[k]) {
            if (!next)
                return false; /* a name with no type after it */
            tb[k] = (size_t)(next - s);
            tn[k] = next_n;
            continue;
        }
        size_t ts = named ? tstart[k] : starts[k];
        next = s + ts;
        next_n = e - ts;
        tb[k] = ts;
        tn[k] = next_n;
    }
    for (int k = 0; k < count; k++) {
        if (k)
            buf_addc(b, ',');
        canon_type(b, s + tb[k], tn[k]);
    }
    return true;
}

const char *types_sig(const char *text, size_t n)
{
    size_t i = 0;
    while (i < n && text[i] == ' ')
        i++;
    if (i >= n || text[i] != '(')
        return NULL;
    size_t pe = list_elem_end(text, n, i + 1);
    while (pe < n && text[pe] == ',') /* list_elem_end stops at commas */
        pe = list_elem_end(text, n, pe + 1);
    if (pe >= n)
        return NULL;
    Buf b;
    buf_init(&b);
    if (!canon_params(&b, text + i + 1, pe - i - 1))
        return NULL;
    buf_addc(&b, '|');
    size_t r = pe + 1;
    while (r < n && text[r] == ' ')
        r++;
    size_t re = n;
    while (re > r && text[re - 1] == ' ')
        re--;
    if (r < re && text[r] == '(') {
        size_t q = list_elem_end(text, re, r + 1);
        while (q < re && text[q] == ',')
            q = list_elem_end(text, re, q + 1);
        if (!canon_params(&b, text + r + 1, q - r - 1))
            return NULL;
    } else if (r < re) {
        canon_type(&b, text + r, re - r);
    }
    buf_addc(&b, '\0');
    return b.data;
}

/* Go's predeclared types (the parser's table, and the complex types it
 * reads apart), which no declaration in a script can alias. */
static bool predeclared_name(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof basic / sizeof basic[0]; i++)
        if (is_word(s, n, basic[i].name))
            return true;
    return is_word(s, n, "complex64") || is_word(s, n, "complex128");
}

/* Whether type text s[0..n) (canonical) names nothing but predeclared
 * types, so that two such texts are one type exactly when they are
 * equal. */
static bool closed_type(const char *s, size_t n)
{
    if (n == 4 && !memcmp(s, "func", 4))
        return false; /* a func type whose signature was not kept */
    for (size_t i = 0; i < n;) {
        if (!ident_char(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && ident_char(s[j]))
            j++;
        bool digits = true;
        for (size_t k = i; k < j; k++)
            digits = digits && isdigit((unsigned char)s[k]);
        if (!digits && !type_keyword(s + i, j - i, false) && !predeclared_name(s + i, j - i))
            return false;
        i = j;
    }
    return true;
}

/* Whether two canonical types can be one: equal, or one of them names a
 * declared type (which may stand for the other). */
static bool sig_type_match(const char *a, size_t an, const char *b, size_t bn)
{
    if (an == bn && !memcmp(a, b, an))
        return true;
    return !closed_type(a, an) || !closed_type(b, bn);
}

/* The canonical list s (up to '|' or its end) split at its top-level
 * commas: the count, with each element's start and length in out. */
static int sig_split(const char *s, const char **start, size_t *len, int max)
{
    int n = 0;
    if (!*s || *s == '|')
        return 0;
    for (;;) {
        size_t e = list_elem_end(s, strlen(s), 0);
        size_t bar = strcspn(s, "|");
        if (e > bar)
            e = bar;
        if (n == max)
            return -1;
        start[n] = s;
        len[n++] = e;
        if (s[e] != ',')
            return n;
        s += e + 1;
    }
}

bool types_sig_match(const char *want, const char *have)
{
    if (!want || !have || !strcmp(want, have))
        return true;
    const char *ws[64], *hs[64];
    size_t wl[64], hl[64];
    const char *wr = strchr(want, '|'), *hr = strchr(have, '|');
    if (!wr || !hr)
        return true;
    for (int part = 0; part < 2; part++) {
        int nw = sig_split(part ? wr + 1 : want, ws, wl, 64);
        int nh = sig_split(part ? hr + 1 : have, hs, hl, 64);
        if (nw < 0 || nh < 0)
            continue; /* too long to check */
        if (nw != nh)
            return false;
        for (int i = 0; i < nw; i++)
            if (!sig_type_match(ws[i], wl[i], hs[i], hl[i]))
                return false;
    }
    return true;
}

bool types_iface_has(const ObjType *t, ObjString *name)
{
    ObjString *ms[TYPES_IFACE_MAX];
    int n = types_iface_methods(t, ms, TYPES_IFACE_MAX);
    for (int i = 0; i < n; i++)
        if (str_eq(ms[i], name))
            return true;
    return false;
}

bool types_converts(const ObjType *t)
{
    /* a uint64 too: an int below zero stored there becomes the uint64 */
    return t->kind == TYPE_FLOAT || t->kind == TYPE_COMPLEX || (t->kind == TYPE_INT && t->bits < 64) ||
           types_is_u64(t);
}

uint64_t types_ic_word(ObjType *t, ObjString *name, Value sample)
{
    int i = types_selection(t, name, sample);
    if (i < 0)
        return 0;
    const Selection *s = &__atomic_load_n(&t->sels, __ATOMIC_ACQUIRE)[i];
    if (s->kind == SEL_FIELD && s->depth == 1)
        return ic_word(t, s->path[0], IC_DIRECT | (types_converts(s->type) ? IC_CONVERT : 0));
    return ic_word(t, i, 0);
}

int types_field_index(const ObjType *t, const char *name, size_t n)
{
    for (int i = 0; t && i < t->nfields; i++)
        if (strlen(t->fields[i].name) == n && memcmp(t->fields[i].name, name, n) == 0)
            return i;
    return -1;
}

ObjType *types_new_named(const char *qualified)
{
    ObjType *t = type_new(TYPE_UNKNOWN, qualified);
    t->named = true;
    t->zero = V_NIL;
    return t;
}

static void define_instances(ObjType *g);

void types_define(ObjType *named, ObjType *under)
{
    if (under == named)
        return;
    /* a defined type's underlying type is its definition's underlying one */
    ObjType *u = under->named && under->underlying ? under->underlying : under;
    named->kind = under->kind;
    named->bits = under->bits;
    named->is_unsigned = under->is_unsigned;
    named->elem = under->elem;
    named->key = under->key;
    named->len = under->len;
    named->ctor = under->ctor;
    named->zero = under->zero;
    if (types_boxed(named) && named->kind != TYPE_FUNC)
        named->zero = named_new(named, under->zero); /* a Weekday's zero is a Weekday */
    if (named->kind == TYPE_SLICE)
        set_zero(named); /* a nil slice of the declared type, for its methods */
    if (named->kind == TYPE_MAP && v_is_obj(under->zero, OBJ_MAP)) {
        /* a nil map of the declared type, for its methods and %T */
        ObjMap *nil_map = map_new_nil(((ObjMap *)v_ptr(under->zero))->zero);
        nil_map->type = named;
        named->zero = v_from_ptr(nil_map);
    }
    named->nfields = under->nfields;
    named->fields = under->fields;
    named->underlying = u;
    if (named->kind == TYPE_INTERFACE) { /* an interface's methods are its definition's */
        named->methods = under->methods;
        named->nmethods = under->nmethods;
    }
    define_instances(named);
}

/* A struct or array type reaching itself through fields and elements that
 * are held by value. The walk is bounded: declared types nest only as deep
 * as their declarations do, and a depth past 64 counts as recursive. */
static bool reaches(const ObjType *from, const ObjType *target, int depth)
{
    if (depth > 64)
        return true;
    if (from->kind == TYPE_ARRAY)
        return from->elem && (from->elem == target || reaches(from->elem, target, depth + 1));
    if (from->kind != TYPE_STRUCT && from->kind != TYPE_INTERFACE)
        return false; /* (an interface's fields are its embedded interfaces) */
    for (int i = 0; i < from->nfields; i++) {
        const ObjType *ft = from->fields[i].type;
        if (ft == target || reaches(ft, target, depth + 1))
            return true;
    }
    return false;
}

bool types_recursive(const ObjType *t)
{
    return (t->kind == TYPE_STRUCT || t->kind == TYPE_ARRAY || t->kind == TYPE_INTERFACE) && reaches(t, t, 0);
}

/* A method's closure gets its code once its declaration compiles; one
 * whose REPL line failed has none (the VM panics if it is called, and a
 * later declaration of the method compiles into the same closure). */
bool types_method_ready(const TypeMethod *m)
{
    return !v_is_obj(m->fn, OBJ_CLOSURE) || ((ObjClosure *)v_ptr(m->fn))->proto;
}

void types_add_method(ObjType *t, ObjString *name, Value fn, bool ptr_recv, const char *sig)
{
    /* A REPL line may add a method while goroutines of earlier lines look
     * methods up: a new array, published before the count that covers it
     * (method_index reads them in the other order). */
    int n = t->nmethods;
    TypeMethod *ms = mem_alloc((size_t)(n + 1) * sizeof *ms);
    if (n)
        memcpy(ms, t->methods, (size_t)n * sizeof *ms);
    ms[n] = (TypeMethod){name, fn, ptr_recv, sig};
    __atomic_store_n(&t->methods, ms, __ATOMIC_RELEASE);
    __atomic_store_n(&t->nmethods, n + 1, __ATOMIC_RELEASE);
}

static int method_index(const ObjType *t, ObjString *name)
{
    if (t && t->generic)
        t = t->generic; /* an instance has its generic type's methods */
    int n = __atomic_load_n(&t->nmethods, __ATOMIC_ACQUIRE);
    const TypeMethod *ms = __atomic_load_n(&t->methods, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (ms[i].name == name || str_eq(ms[i].name, name))
            return i;
    return -1;
}

Value types_method(const ObjType *t, ObjString *name, bool *ptr_recv)
{
    if (t && t->generic)
        t = t->generic; /* an instance selects as its generic type */
    if (t && t->kind == TYPE_POINTER && !t->named && t->elem)
        t = t->elem;
    int i = t ? method_index(t, name) : -1;
    if (i < 0 || !types_method_ready(&t->methods[i]))
        return V_UNDEF;
    if (ptr_recv)
        *ptr_recv = t->methods[i].ptr_recv;
    return t->methods[i].fn;
}

const char *types_method_sig(const ObjType *t, ObjString *name)
{
    if (t && t->generic)
        t = t->generic;
    if (t && t->kind == TYPE_POINTER && !t->named && t->elem)
        t = t->elem;
    int i = t ? method_index(t, name) : -1;
    return i < 0 ? NULL : __atomic_load_n(&t->methods, __ATOMIC_ACQUIRE)[i].sig;
}

/* ---- selectors --------------------------------------------------------- */

/* The struct behind an embedded field's value: the value itself, or what
 * an embedded pointer points to; NULL if neither. */
static Value embedded_value(Value v)
{
    if (v_is_ref(v)) {
        Obj *o = v_ref_target(v);
        return o->kind == OBJ_STRUCT || o->kind == OBJ_OBJECT ? v_from_ptr(o) : V_UNDEF;
    }
    return v_is_ptr(v) ? v : V_UNDEF;
}

/* One candidate of the breadth-first walk over embedded fields. */
typedef struct Cand {
    const ObjType *t;
    Value sample; /* a value of t, or V_UNDEF */
    int depth;
    int path[SEL_MAX_DEPTH];
} Cand;

void types_select(const ObjType *t, ObjString *name, Value sample, Selection *out)
{
    memset(out, 0, sizeof *out);
    out->name = name;
    out->fn = V_UNDEF;
    /* Go's rule, level by level: the first depth where the name is found
     * decides; found twice there, it is ambiguous. The walk visits at most
     * a few hundred embedded fields (MAX_CANDS) before giving up. */
    enum { MAX_CANDS = 256 };
    Cand *level = mem_alloc(MAX_CANDS * sizeof *level), *next = mem_alloc(MAX_CANDS * sizeof *next);
    int nlevel = 1, found = 0;
    level[0] = (Cand){t, sample, 0, {0}};
    for (int depth = 0; nlevel && depth < SEL_MAX_DEPTH; depth++) {
        int nnext = 0;
        for (int c = 0; c < nlevel; c++) {
            Cand *cd = &level[c];
            const ObjType *ct = cd->t;
            if (ct->kind == TYPE_INTERFACE) {
                /* an embedded interface: its value's method, found when
                 * the call runs */
                if (cd->depth > 0 && types_iface_has(ct, name) && found++ == 0) {
                    out->kind = SEL_IFACE;
                    out->depth = cd->depth;
                    memcpy(out->path, cd->path, sizeof out->path);
                }
                continue;
            }
            int mi = method_index(ct, name);
            const ObjType *mt = ct->generic ? ct->generic : ct; /* whose table mi indexes */
            if (mi >= 0) {
                if (found++ == 0) {
                    out->kind = SEL_METHOD;
                    out->depth = cd->depth;
                    memcpy(out->path, cd->path, sizeof out->path);
                    out->fn = mt->methods[mi].fn;
                    out->sig = mt->methods[mi].sig;
                    out->ptr_recv = mt->methods[mi].ptr_recv;
                    /* a *T method through an embedded *T gets the
                     * pointer as it is: a nil one is no dereference */
                    out->field_recv =
                        cd->depth > 0 &&
                        (ct->kind != TYPE_STRUCT || (out->ptr_recv && (cd->path[cd->depth - 1] & SEL_DEREF)));
                }
                continue;
            }
            if (ct->kind == TYPE_OBJECT) {
                /* a module object's methods: ask the value's class */
                Value ov = cd->sample;
                if (ov != V_UNDEF && v_is_obj(ov, OBJ_OBJECT)) {
                    ObjObject *o = v_ptr(ov);
                    ObjNative *m = o->cls ? class_method(o->cls, name) : NULL;
                    if (m && found++ == 0) {
                        out->kind = SEL_NATIVE;
                        out->depth = cd->depth;
                        memcpy(out->path, cd->path, sizeof out->path);
                        out->fn = v_from_ptr(m);
                    }
                }
                continue;
            }
            if (ct->kind != TYPE_STRUCT)
                continue;
            const ObjStruct *sv =
                cd->sample != V_UNDEF && v_is_obj(cd->sample, OBJ_STRUCT) ? v_ptr(cd->sample) : NULL;
            if (sv && sv->type->nfields != ct->nfields)
                sv = NULL;
            for (int i = 0; i < ct->nfields; i++) {
                const StructField *fd = &ct->fields[i];
                /* a field of a struct at this level is at this level too,
                 * as its type's methods are (its path is one slot longer) */
                if (strlen(fd->name) == name->len && memcmp(fd->name, name->data, name->len) == 0) {
                    if (found++ == 0) {
                        out->kind = SEL_FIELD;
                        out->depth = cd->depth + 1;
                        memcpy(out->path, cd->path, sizeof out->path);
                        out->path[cd->depth] = i;
                        out->type = fd->type;
                    }
                    continue;
                }
                if (!fd->embedded || cd->depth + 1 >= SEL_MAX_DEPTH || nnext == MAX_CANDS)
                    continue;
                const ObjType *et = fd->type;
                bool ptr = et->kind == TYPE_POINTER && !et->named && et->elem;
                Cand *nc = &next[nnext++];
                nc->t = ptr ? et->elem : et;
                nc->depth = cd->depth + 1;
                memcpy(nc->path, cd->path, sizeof nc->path);
                nc->path[cd->depth] = i | (ptr ? SEL_DEREF : 0);
                nc->sample = sv ? embedded_value(sv->f[i]) : V_UNDEF;
            }
        }
        if (found) {
            if (found > 1)
                out->kind = SEL_AMBIGUOUS;
            return;
        }
        Cand *tmp = level;
        level = next;
        next = tmp;
        nlevel = nnext;
    }
}

/* Appends to a type's selections take this lock; readers never do. */
static Lock sel_lock;

int types_selection(ObjType *t, ObjString *name, Value sample)
{
    int n = __atomic_load_n(&t->nsels, __ATOMIC_ACQUIRE);
    Selection *ss = __atomic_load_n(&t->sels, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (ss[i].name == name || str_eq(ss[i].name, name))
            return i;
    Selection sel;
    types_select(t, name, sample, &sel);
    if (sel.kind == SEL_NONE || sel.kind == SEL_AMBIGUOUS)
        return -1;
    lock_acquire(&sel_lock);
    n = t->nsels;
    ss = t->sels;
    int found = -1;
    for (int i = 0; i < n && found < 0; i++)
        if (str_eq(ss[i].name, name))
            found = i;
    if (found < 0 && n < 0xffff) {
        /* copy on growth: a reader holding the old array still reads it */
        Selection *grown = mem_alloc((size_t)(n + 1) * sizeof *grown);
        if (n)
            memcpy(grown, ss, (size_t)n * sizeof *grown);
        grown[n] = sel;
        __atomic_store_n(&t->sels, grown, __ATOMIC_RELEASE);
        __atomic_store_n(&t->nsels, n + 1, __ATOMIC_RELEASE);
        found = n;
    }
    lock_release(&sel_lock);
    return found;
}

const char *types_undefined(const ObjType *t)
{
    /* A declared type ends the walk: its own declaration was checked, and
     * it may contain itself (type T []T, type N *N). */
    for (; t && !t->named; t = t->elem) {
        /* A plain name that is not predeclared (a type parameter, a
         * script's own type) is not checked yet: its zero is nil. A
         * qualified name must be a module's type. */
        if (t->kind == TYPE_UNKNOWN && strchr(t->name, '.') && !t->named) /* (a declared type being made) */
            return t->name;
        const char *k = t->key ? types_undefined(t->key) : NULL;
        if (k)
            return k;
    }
    return NULL;
}

/* ---- zero values ------------------------------------------------------ */

int types_zero(Thread *t, const ObjType *ty, Value *out)
{
    if (ty->zero != V_UNDEF) {
        *out = ty->zero;
        return 0;
    }
    if (ty->kind == TYPE_OBJECT) {
        int r = vm_call(t, ty->ctor, NULL, 0);
        if (r < 0)
            return -1;
        *out = r > 0 ? t->rets[0] : V_NIL;
        return 0;
    }
    if (ty->kind == TYPE_STRUCT) {
        /* Every field its own zero: nested structs and arrays are made
         * here (their types cannot contain themselves: types_recursive),
         * each sync.Mutex by its module. */
        int n = ty->nfields;
        ObjStruct *s = mem_alloc(mem_size((size_t)n, sizeof(Value), sizeof(ObjStruct)));
        s->h.kind = OBJ_STRUCT;
        s->h.flags = 0;
        s->type = (ObjType *)ty;
        for (int i = 0; i < n; i++) {
            const ObjType *ft = ty->fields[i].type;
            if (ft->zero != V_UNDEF)
                s->f[i] = ft->zero;
            else if (types_zero(t, ft, &s->f[i]) < 0)
                return -1;
        }
        *out = v_from_ptr(s);
        return 0;
    }
    /* TYPE_ARRAY: N zero values of the element, each its own. Arrays of
     * arrays nest in a line ([2][3]T), so they are built level by level
     * instead of recursively: a type nested thousands of arrays deep must
     * not overflow a goroutine's small stack. A length written as a name
     * is not known here: that array stays nil. */
    if (ty->len < 0) {
        *out = V_NIL;
        return 0;
    }
    if (!mem_fits((size_t)ty->len, sizeof(Value), 0))
        return vm_panicf(t, E_MAKE_LEN);
    ObjArray *root = array_new(ty, (size_t)ty->len);
    ObjList *level = list_new(0, 1); /* the arrays of type a, to be filled */
    list_append(level, v_from_ptr(root));
    for (const ObjType *a = ty; a->kind == TYPE_ARRAY && a->elem; a = a->elem) {
        const ObjType *e = a->elem;
        bool nested = e->kind == TYPE_ARRAY && e->len >= 0;
        if (nested && !mem_fits((size_t)e->len, sizeof(Value), 0))
            return vm_panicf(t, E_MAKE_LEN);
        ObjList *next = list_new(0, 0);
        for (size_t i = 0; i < level->len; i++) {
            Value lv, z = V_NIL;
            list_get(level, (int64_t)i, &lv);
            ObjArray *arr = v_ptr(lv);
            for (int64_t k = 0; k < a->len; k++) {
                if (nested) {
                    z = v_from_ptr(array_new(e, (size_t)e->len));
                    list_append(next, z);
                } else if (e->kind != TYPE_ARRAY && types_zero(t, e, &z) < 0) {
                    return -1;
                }
                arr->st.items[k] = z;
            }
        }
        if (!nested)
            break;
        level = next;
    }
    *out = v_from_ptr(root);
    return 0;
}

Value types_elem_zero(const ObjType *container)
{
    if (!container || (container->kind != TYPE_MAP && container->kind != TYPE_CHAN) || !container->elem)
        return V_NIL;
    const ObjType *e = container->elem;
    return e->zero != V_UNDEF ? e->zero : v_from_ptr(e);
}

int types_zero_of(Thread *t, Value zero, Value *out)
{
    if (v_is_obj(zero, OBJ_TYPE))
        return types_zero(t, v_ptr(zero), out);
    *out = zero;
    return 0;
}

static int zero_fn(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (!v_is_obj(args[0], OBJ_TYPE)) {
        rets[0] = V_NIL;
        return 1;
    }
    return types_zero(t, v_ptr(args[0]), &rets[0]) < 0 ? -1 : 1;
}

/* One native per function, shared by every runtime; two compilers racing
 * to make it first both get the one that won. */
static Value shared_native(ObjNative **slot, const char *name, NativeFn f, int lo, int hi)
{
    ObjNative *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!fn) {
        ObjNative *mine = native_new(name, f, lo, hi), *none = NULL;
        fn = __atomic_compare_exchange_n(slot, &none, mine, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ? mine
                                                                                                       : none;
    }
    return v_from_ptr(fn);
}

Value types_zero_native(void)
{
    static ObjNative *fn;
    return shared_native(&fn, "zero", zero_fn, 1, 1);
}

/* ---- conversions ------------------------------------------------------ */

int64_t types_wrap_int(int bits, bool is_unsigned, int64_t i)
{
    switch (bits) {
    case 8:
        return is_unsigned ? (int64_t)(uint8_t)i : (int64_t)(int8_t)i;
    case 16:
        return is_unsigned ? (int64_t)(uint16_t)i : (int64_t)(int16_t)i;
    case 32:
        return is_unsigned ? (int64_t)(uint32_t)i : (int64_t)(int32_t)i;
    default:
        return i;
    }
}

Value types_int_value(const ObjType *ty, int64_t i)
{
    if (types_is_u64(ty))
        return v_make_uint((uint64_t)i);
    return v_make_int(types_wrap_int(ty->bits, ty->is_unsigned, i));
}

/* The amd64 instructions Go's conversions use: out of range, each gives
 * its "integer indefinite", the most negative value. */
static int64_t cvt64(double d)
{
    return d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (int64_t)d : INT64_MIN;
}

static int64_t cvt32(double d)
{
    return d > -2147483649.0 && d < 2147483648.0 ? (int64_t)(int32_t)d : INT32_MIN;
}

int64_t types_float_to_int(double d, int bits, bool is_unsigned)
{
    if (bits >= 64 && is_unsigned && d >= 9223372036854775808.0)
        return (int64_t)((uint64_t)cvt64(d - 9223372036854775808.0) | (UINT64_C(1) << 63));
    if (bits >= 64 || (bits == 32 && is_unsigned))
        return types_wrap_int(bits, is_unsigned, cvt64(d));
    return types_wrap_int(bits, is_unsigned, cvt32(d));
}

double types_float32(double d)
{
    /* Past FLT_MAX a C conversion is undefined: round as IEEE does, to
     * FLT_MAX below the midpoint to 2^128 and to an infinity from it. */
    double a = d < 0 ? -d : d;
    if (a > 3.4028234663852886e38 && a == a)
        return a >= 3.4028235677973366e38 ? copysign(HUGE_VAL, d) : copysign(3.4028234663852886e38, d);
    return (double)(float)d;
}

static bool is_func(Value v)
{
    return v_is_obj(v, OBJ_CLOSURE) || v_is_obj(v, OBJ_NATIVE) || v_is_obj(v, OBJ_BOUND);
}

bool types_boxed(const ObjType *ty)
{
    return ty && ty->named &&
           (ty->kind == TYPE_BOOL || ty->kind == TYPE_INT || ty->kind == TYPE_FLOAT ||
            ty->kind == TYPE_COMPLEX || ty->kind == TYPE_STRING || ty->kind == TYPE_FUNC);
}

bool types_comparable(const ObjType *ty)
{
    if (!ty)
        return true;
    switch (ty->kind) {
    case TYPE_SLICE:
    case TYPE_MAP:
    case TYPE_FUNC:
        return false;
    case TYPE_ARRAY:
        return types_comparable(ty->elem);
    case TYPE_STRUCT:
        /* a struct cannot hold itself but through a pointer, slice or map,
         * none of which is walked: this ends */
        for (int i = 0; i < ty->nfields; i++)
            if (!types_comparable(ty->fields[i].type))
                return false;
        return true;
    default:
        return true;
    }
}

/* The basic type under a boxed declared type (type B A, type A int: int). */
static const ObjType *box_under(const ObjType *ty)
{
    return ty->underlying ? ty->underlying : ty;
}

/* Struct types one converts to the other: the same field names, in order,
 * of the same types (Go ignores tags here). */
static bool same_fields(const ObjType *a, const ObjType *b)
{
    if (a->nfields != b->nfields)
        return false;
    for (int i = 0; i < a->nfields; i++)
        if (strcmp(a->fields[i].name, b->fields[i].name) != 0 ||
            a->fields[i].type->kind != b->fields[i].type->kind)
            return false;
    return true;
}

/* Go's conversion of a rune, a []byte or a []rune to a string (a
 * declared string type's conversion comes here; string() is a built-in):
 * false when v is none of them. */
static Value as_named_container(const ObjType *ty, Value v);

static bool string_of(Value v, Value *out)
{
    char enc[4];
    if (v_is_anyint(v)) {
        *out = v_from_ptr(str_new(enc, (size_t)utf8_encode(enc, v_anyint(v))));
        return true;
    }
    if (v == V_NIL) { /* a nil []byte: Go's compiler lets no other nil here */
        *out = v_from_ptr(str_new("", 0));
        return true;
    }
    if (!v_is_obj(v, OBJ_LIST))
        return false;
    ObjList *l = v_list(v);
    const ObjType *lt = format_value_type(v);
    bool bytes = !lt || !lt->elem || lt->elem->bits == 8;
    Buf b;
    buf_init(&b);
    Value e;
    for (size_t i = 0; list_get(l, (int64_t)i, &e); i++) {
        if (!v_is_anyint(e))
            return false;
        if (bytes)
            buf_addc(&b, (char)v_anyint(e));
        else
            buf_add(&b, enc, (size_t)utf8_encode(enc, v_anyint(e)));
    }
    *out = v_from_ptr(buf_to_str(&b));
    return true;
}

int types_convert(Thread *t, const ObjType *ty, Value v, Value *out)
{
    if (types_boxed(ty)) {
        /* Celsius(x): x as the underlying type, carrying Celsius */
        Value plain;
        if (types_convert(t, box_under(ty), v_unnamed(v), &plain) < 0)
            return -1;
        *out = named_new((ObjType *)ty, plain);
        return 0;
    }
    if (ty->named && ty->kind == TYPE_SLICE && ty->underlying) {
        /* Path(b): the same elements, a header of the declared type */
        Value plain;
        if (types_convert(t, ty->underlying, v_unnamed(v), &plain) < 0)
            return -1;
        if (v_is_obj(plain, OBJ_LIST)) {
            ObjList *l = v_list(plain);
            ListStore *st = l->store;
            plain =
                v_from_ptr(st ? list_view(st, l->off, l->off + l->len, l->off + l->cap, ty) : list_nil(ty));
        } else if (plain == V_NIL && v_is_obj(ty->zero, OBJ_LIST)) {
            plain = ty->zero; /* Path(nil): the nil slice `var p Path` holds */
        }
        *out = plain;
        return 0;
    }
    if (ty->kind != TYPE_INTERFACE)
        v = v_unnamed(v); /* float64(c): the value without its declared type */
    *out = v;
    const ObjType *e = ty->elem;
    switch (ty->kind) {
    case TYPE_SLICE:
        if (v_is_str(v) && e && e->kind == TYPE_INT && (e->bits == 8 || e->bits == 32)) {
            /* []byte(s): its bytes; []rune(s): its code points */
            ObjString *s = v_str(v);
            ObjList *l = list_new(0, e->bits == 8 ? s->len : 0);
            for (size_t i = 0; i < s->len;) {
                int32_t r = (unsigned char)s->data[i];
                i += e->bits == 8 ? 1 : (size_t)utf8_decode(s->data + i, s->len - i, &r);
                list_append(l, v_int_small(r));
            }
            list_set_type(l, ty);
            *out = v_from_ptr(l);
            return 0;
        }
        if (v == V_NIL && v_is_obj(ty->zero, OBJ_LIST)) {
            *out = ty->zero; /* []int(nil): the nil slice `var s []int` holds */
            return 0;
        }
        if (v == V_NIL || v_is_obj(v, OBJ_LIST)) {
            *out = v_copy(v); /* the same slice, now held by two places */
            return 0;
        }
        break;
    case TYPE_ARRAY:
        if (v_is_obj(v, OBJ_LIST) || v_is_obj(v, OBJ_ARRAY)) {
            *out = v_copy(v);
            if (ty->named && v_is_obj(*out, OBJ_ARRAY)) /* the copy is a value of the declared type */
                ((ObjArray *)v_ptr(*out))->type = (ObjType *)ty;
            return 0;
        }
        break;
    case TYPE_MAP:
        if (v == V_NIL)
            *out = ty->zero;                   /* map[string]int(nil) reads zeros */
        if (ty->named && v_is_obj(v, OBJ_MAP)) /* Counts(m): as a store into a Counts does */
            *out = as_named_container(ty, v);
        if (v == V_NIL || v_is_obj(v, OBJ_MAP))
            return 0;
        break;
    case TYPE_CHAN:
        if (v_is_obj(v, OBJ_CHAN) && ty->named) {
            /* Chan(c): the channel is shared, so it takes the declared
             * type on, as a map stored into a declared map type does
             * (ObjChan.type) */
            __atomic_store_n(&((ObjChan *)v_ptr(v))->type, ty, __ATOMIC_RELEASE);
        }
        if (v == V_NIL || v_is_obj(v, OBJ_CHAN))
            return 0;
        break;
    case TYPE_FUNC:
        if (v == V_NIL || is_func(v))
            return 0;
        break;
    case TYPE_INT:
        if (v_is_anyint(v)) {
            *out = types_int_value(ty, v_anyint(v));
            return 0;
        }
        if (v_is_anyfloat(v)) {
            *out = types_int_value(ty, types_float_to_int(v_anyfloat(v), ty->bits, ty->is_unsigned));
            return 0;
        }
        break;
    case TYPE_FLOAT:
        if (v_is_anyint(v) || v_is_anyfloat(v)) {
            double d = v_is_anyint(v) ? v_anyint_double(v) : v_anyfloat(v);
            *out = v_make_float(ty->bits == 32 ? types_float32(d) : d);
            return 0;
        }
        break;
    case TYPE_COMPLEX:
        if (types_fit_complex(ty, v, out))
            return 0;
        break;
    case TYPE_STRING:
        if (v_is_str(v))
            return 0;
        if (string_of(v, out)) /* String('a'), String(bytes) */
            return 0;
        break;
    case TYPE_BOOL:
        if (v == V_TRUE || v == V_FALSE)
            return 0;
        break;
    case TYPE_STRUCT:
        if (v_is_obj(v, OBJ_STRUCT) && same_fields(((ObjStruct *)v_ptr(v))->type, ty)) {
            /* a copy that has the type converted to */
            ObjStruct *c = v_ptr(v_copy(v));
            c->type = (ObjType *)ty;
            *out = v_from_ptr(c);
            return 0;
        }
        break;
    default:
        return 0; /* interfaces, pointers, unknown names: as is */
    }
    Buf b;
    buf_init(&b);
    vm_repr(&b, v);
    return vm_panicf(t, E_CONVERT, b.data, v_type_name(v), ty->name);
}

static int convert_fn(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (!v_is_obj(args[0], OBJ_TYPE)) {
        rets[0] = args[1];
        return 1;
    }
    return types_convert(t, v_ptr(args[0]), args[1], &rets[0]) < 0 ? -1 : 1;
}

Value types_convert_native(void)
{
    static ObjNative *fn;
    return shared_native(&fn, "conversion", convert_fn, 2, 2);
}

/* ---- derived types ---------------------------------------------------- */

ObjType *types_derive(const ObjType *like, ObjType *elem, ObjType *key)
{
    ObjType *t = type_new(like->kind, like->name);
    *t = *like;
    t->elem = elem;
    t->key = key;
    /* a new type: like's number in slice headers and its caches are not
     * this one's */
    t->list_id = 0;
    t->sels = NULL;
    t->nsels = 0;
    t->insts = NULL;
    t->ninsts = 0;
    const char *e = elem ? elem->name : "";
    switch (like->kind) {
    case TYPE_SLICE:
        t->name = str_printf("[]%s", e)->data;
        break;
    case TYPE_ARRAY:
        t->name = str_printf("[%lld]%s", (long long)like->len, e)->data;
        break;
    case TYPE_MAP:
        t->name = str_printf("map[%s]%s", key ? key->name : "", e)->data;
        break;
    case TYPE_POINTER:
        t->name = str_printf("*%s", e)->data;
        break;
    case TYPE_CHAN: {
        const char *pre = strncmp(like->name, "chan<-", 6) == 0   ? "chan<- "
                          : strncmp(like->name, "<-chan", 6) == 0 ? "<-chan "
                                                                  : "chan ";
        t->name = str_printf("%s%s", pre, e)->data;
        break;
    }
    default:
        break;
    }
    set_zero(t);
    if (t->kind == TYPE_MAP) { /* its nil map, as nil_maps gives a parsed one */
        ObjMap *nil_map = map_new_nil(types_elem_zero(t));
        nil_map->type = t;
        t->zero = v_from_ptr(nil_map);
    }
    return t;
}

/* ---- stores into typed places ----------------------------------------- */

const char *const types_store_places[STORE__COUNT] = {
#define X(name, text) text,
    STORE_PLACES(X)
#undef X
};

bool types_store_checks(const ObjType *ty)
{
    return ty && (ty->kind == TYPE_BOOL || ty->kind == TYPE_INT || ty->kind == TYPE_FLOAT ||
                  ty->kind == TYPE_COMPLEX || ty->kind == TYPE_STRING ||
                  (ty->kind == TYPE_MAP && v_is_obj(ty->zero, OBJ_MAP)));
}

/* A float as a float of ty's width: float32 keeps float32's precision. */
static Value fit_float(const ObjType *ty, double d)
{
    return v_make_float(ty->bits == 32 ? types_float32(d) : d);
}

bool types_fit_complex(const ObjType *ty, Value v, Value *out)
{
    double re, im = 0;
    if (v_is_complex(v)) {
        if ((ty->bits == 64) == ((v_obj(v)->flags & COMPLEX_64) != 0)) {
            *out = v; /* already of the width */
            return true;
        }
        re = v_complex(v)->re;
        im = v_complex(v)->im;
    } else if (v_is_anyint(v)) {
        re = (double)v_anyint(v);
    } else if (v_is_anyfloat(v)) {
        re = v_anyfloat(v);
    } else {
        return false;
    }
    *out = ty->bits == 64 ? v_make_complex64(re, im) : v_make_complex(re, im);
    return true;
}

/* Whether the int i is a value of the integer type ty. A uint64 or uint
 * takes every int: csp folds constants in 64-bit ints, which wrap (1<<63
 * folds to a negative int), so no constant can be told to overflow it; a
 * store makes it the uint64 it is (types_int_value). */
static bool int_fits(const ObjType *ty, int64_t i)
{
    if (ty->bits >= 64)
        return true;
    return types_wrap_int(ty->bits, ty->is_unsigned, i) == i;
}

/* How a store of a constant fails: 0 it fits (*out set), else why. */
enum { FIT_OK, FIT_KIND, FIT_OVERFLOWS, FIT_TRUNCATED };

static int fit_const(const ObjType *ty, Value v, Value *out)
{
    *out = v;
    switch (ty->kind) {
    case TYPE_INT:
        if (v_is_anyint(v)) {
            /* (a value below zero that went through an int wraps into a
             * uint64 when stored; a constant does not: -1 overflows it) */
            bool below_zero = ty->is_unsigned && !v_is_bigu(v) && v_anyint(v) < 0;
            if (!int_fits(ty, v_anyint(v)) || below_zero)
                return FIT_OVERFLOWS;
            if (ty->bits == 64) /* a uint64 constant past 2^63-1 is one */
                *out = types_int_value(ty, v_anyint(v));
            return FIT_OK;
        }
        if (v_is_anyfloat(v)) {
            /* 2.0 is an int constant; 2.5 is not (truncated) */
            double d = v_anyfloat(v);
            if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
                return FIT_OVERFLOWS; /* NaN too: out of every range */
            int64_t i = (int64_t)d;
            if ((double)i != d)
                return FIT_TRUNCATED;
            if (!int_fits(ty, i))
                return FIT_OVERFLOWS;
            *out = v_make_int(i);
            return FIT_OK;
        }
        return FIT_KIND;
    case TYPE_FLOAT:
        if (v_is_anyint(v) || v_is_anyfloat(v)) {
            *out = fit_float(ty, v_is_anyint(v) ? v_anyint_double(v) : v_anyfloat(v));
            return FIT_OK;
        }
        return FIT_KIND;
    case TYPE_COMPLEX:
        return types_fit_complex(ty, v, out) ? FIT_OK : FIT_KIND;
    case TYPE_STRING:
        return v_is_str(v) ? FIT_OK : FIT_KIND;
    case TYPE_BOOL:
        return v_is_bool(v) ? FIT_OK : FIT_KIND;
    case TYPE_MAP:
        if (v == V_NIL)
            *out = ty->zero;
        return FIT_OK;
    default:
        return FIT_OK;
    }
}

bool types_store_const(const ObjType *ty, Value v, Value *out)
{
    if (types_boxed(ty)) {
        /* const Sunday Weekday = 0: a Weekday constant */
        Value plain;
        if (v_is_obj(v, OBJ_NAMED) || ty->kind == TYPE_FUNC)
            return v_is_obj(v, OBJ_NAMED) && ((ObjNamed *)v_ptr(v))->type == ty && (*out = v, true);
        if (!types_store_const(box_under(ty), v, &plain))
            return false;
        *out = named_new((ObjType *)ty, plain);
        return true;
    }
    if (types_named_container(ty) && ty->kind == TYPE_SLICE) {
        *out = as_named_container(ty, v); /* p = nil: the declared type's nil slice */
        return true;
    }
    *out = v;
    return !types_store_checks(ty) || fit_const(ty, v, out) == FIT_OK;
}

/* The Go name of a value's type, for messages: csp's ints are Go's int
 * and its floats float64. */
static const char *go_type_name(Value v)
{
    if (v_is_anyint(v))
        return "int";
    if (v_is_anyfloat(v))
        return "float64";
    return v_type_name(v);
}

/* Go's description of an untyped constant: "untyped int constant". */
static const char *const_desc(Value v)
{
    if (v_is_anyint(v))
        return "untyped int constant";
    if (v_is_anyfloat(v))
        return "untyped float constant";
    if (v_is_str(v))
        return "untyped string constant";
    if (v_is_bool(v))
        return "untyped bool constant";
    return "constant";
}

/* The panic of a store that does not fit: Go's compile-time message. */
static int store_panic(Thread *t, const ObjType *ty, Value v, bool constant, const char *where, int why)
{
    if (!where)
        where = "assignment";
    if (v == V_NIL)
        return vm_panicf(t, E_STORE_NIL, ty->name, where);
    Buf b, d;
    buf_init(&b);
    vm_repr(&b, v);
    buf_init(&d);
    if (constant)
        buf_adds(&d, const_desc(v));
    else
        buf_printf(&d, "value of type %s", go_type_name(v));
    return vm_panicf(t, E_STORE_KIND, b.data, d.data, ty->name, where,
                     why == FIT_OVERFLOWS   ? " (overflows)"
                     : why == FIT_TRUNCATED ? " (truncated)"
                                            : "");
}

bool types_named_container(const ObjType *ty)
{
    /* not one written with type parameters (Vec[T]): what it is is known
     * only when the generic code runs */
    return ty && ty->named && (ty->kind == TYPE_SLICE || ty->kind == TYPE_MAP) && !types_open(ty);
}

/* v (a slice or map) as a value of the declared type ty: a slice gets a
 * header of that type over the same elements; a map of no declared type
 * takes it on (a map is one object, so the type it shows is the last one
 * it was declared with). */
static Value as_named_container(const ObjType *ty, Value v)
{
    if (ty->kind == TYPE_SLICE && v == V_NIL && v_is_obj(ty->zero, OBJ_LIST))
        return ty->zero; /* p = nil: the nil slice `var p Path` holds */
    if (ty->kind == TYPE_SLICE && v_is_obj(v, OBJ_LIST) && list_type(v_list(v)) != ty) {
        ObjList *l = v_list(v);
        return v_from_ptr(l->store ? list_view(l->store, l->off, l->off + l->len, l->off + l->cap, ty)
                                   : list_nil(ty));
    }
    if (ty->kind == TYPE_MAP && v_is_obj(v, OBJ_MAP)) {
        ObjMap *m = v_map(v);
        const ObjType *old = map_type(m);
        if (!old || !old->named)
            __atomic_store_n(&m->type, ty, __ATOMIC_RELEASE);
    }
    return v;
}

bool types_fit(const ObjType *ty, Value v, Value *out)
{
    *out = v;
    if (types_boxed(ty)) {
        /* a Count: one already, or a plain value made one */
        if (v_is_obj(v, OBJ_NAMED))
            return ((ObjNamed *)v_ptr(v))->type == ty;
        Value plain;
        if (ty->kind == TYPE_FUNC || !types_fit(box_under(ty), v, &plain))
            return ty->kind == TYPE_FUNC && (v == V_NIL || is_func(v));
        *out = named_new((ObjType *)ty, plain);
        return true;
    }
    switch (ty && types_store_checks(ty) ? ty->kind : TYPE_UNKNOWN) {
    case TYPE_INT:
        if (!v_is_anyint(v))
            return false;
        if (ty->bits < 64 || types_is_u64(ty) || v_is_bigu(v))
            *out = types_int_value(ty, v_anyint(v));
        return true;
    case TYPE_FLOAT:
        if (ty->bits == 64 && v_is_anyfloat(v))
            return true; /* a boxed float (1e300, NaN) as it is */
        if (!v_is_anyint(v) && !v_is_anyfloat(v))
            return false;
        *out = fit_float(ty, v_is_anyint(v) ? v_anyint_double(v) : v_anyfloat(v));
        return true;
    case TYPE_COMPLEX:
        return types_fit_complex(ty, v, out);
    case TYPE_STRING:
        return v_is_str(v);
    case TYPE_BOOL:
        return v_is_bool(v);
    case TYPE_MAP:
        if (v == V_NIL)
            *out = ty->zero; /* nil stored as a map of this type: its nil map */
        return true;
    default:
        return true;
    }
}

void types_map_init(ObjMap *m, const ObjType *mapty)
{
    m->zero = types_elem_zero(mapty);
    const ObjType *e = mapty && mapty->kind == TYPE_MAP ? mapty->elem : NULL;
    m->vtype = types_store_checks(e) ? e : NULL;
    if (m->vtype)
        m->h.flags |= MAP_TYPED;
    if (mapty && mapty->kind == TYPE_MAP && types_is_u64(mapty->key))
        m->h.flags |= MAP_UKEY;
}

int types_store_at(Thread *t, const ObjType *ty, Value v, Value *out, bool constant, const char *where)
{
    if (types_named_container(ty)) {
        *out = as_named_container(ty, v);
        return 0;
    }
    if (types_boxed(ty)) {
        /* A plain value (an untyped constant, in Go) fits the underlying
         * type and takes on the declared one; a value of another declared
         * type is the wrong kind. */
        Value plain;
        *out = v;
        if (v_is_obj(v, OBJ_NAMED) && ((ObjNamed *)v_ptr(v))->type == ty)
            return 0;
        if (v_is_obj(v, OBJ_NAMED) || (ty->kind == TYPE_FUNC && v != V_NIL && !is_func(v)))
            return store_panic(t, ty, v, constant, where, FIT_KIND);
        if (ty->kind == TYPE_FUNC && v == V_NIL) {
            *out = V_NIL;
            return 0;
        }
        if (types_store_at(t, box_under(ty), v, &plain, constant, where) < 0)
            return -1;
        *out = named_new((ObjType *)ty, plain);
        return 0;
    }
    *out = v;
    if (!types_store_checks(ty))
        return 0;
    int why = FIT_KIND;
    if (constant)
        why = fit_const(ty, v, out);
    else if (types_fit(ty, v, out))
        return 0;
    if (why == FIT_OK)
        return 0;
    return store_panic(t, ty, v, constant, where, why);
}

int types_store(Thread *t, const ObjType *ty, Value v, Value *out)
{
    return types_store_at(t, ty, v, out, false, NULL);
}

/* ---- generic types ---------------------------------------------------- */

/* Instantiation is recursive: List[int]'s field `next *List[T]` is
 * List[int] itself, and Graph[N, E]'s fields instantiate its parameters'
 * own generic types. An instance is published in its generic type's list
 * (which is read without a lock: generic code instantiates each time it
 * runs) only once it is complete. The thread that makes one holds
 * inst_lock through all of that (inst_held counts its nesting, so it takes
 * the lock once) and keeps the instances it is still filling in on its
 * pending stack, where a field that refers back finds them.
 * INST_MAX_DEPTH bounds instantiations that grow forever (`next *T[[]X]`
 * in T[X]): past it, the generic type itself stands for the instance. */
#define INST_MAX_DEPTH 32
static Lock inst_lock;
static __thread int inst_held;
static __thread ObjType *pending[INST_MAX_DEPTH];
static __thread int npending;

static ObjType *subst(ObjType *t, int n, const char *const *names, ObjType *const *args, int depth);

/* A struct type's text as Go spells it, from its fields. */
static const char *struct_name(const ObjType *t)
{
    Buf b;
    buf_init(&b);
    buf_printf(&b, "struct {");
    for (int i = 0; i < t->nfields; i++) {
        const StructField *f = &t->fields[i];
        buf_printf(&b, "%s", i ? "; " : " ");
        if (!f->embedded)
            buf_printf(&b, "%s ", f->name);
        buf_printf(&b, "%s", f->type ? f->type->name : "");
        if (f->tag) {
            buf_printf(&b, " \"");
            for (const char *c = f->tag; *c; c++) /* quoted as the parser spells it */
                buf_printf(&b, "%s%c", *c == '"' || *c == '\\' || *c == '\n' || *c == '\t' ? "\\" : "",
                           *c == '\n'   ? 'n'
                           : *c == '\t' ? 't'
                                        : *c);
            buf_addc(&b, '"');
        }
    }
    buf_printf(&b, t->nfields ? " }" : "}");
    return buf_to_str(&b)->data;
}

/* A struct type written with type parameters (`struct { a T; b T }`):
 * its fields' types substituted, t itself when none changes. */
static ObjType *subst_fields(ObjType *t, int n, const char *const *names, ObjType *const *args, int depth)
{
    StructField *fields = NULL;
    for (int i = 0; i < t->nfields; i++) {
        ObjType *ft = subst(t->fields[i].type, n, names, args, depth + 1);
        if (ft == t->fields[i].type)
            continue;
        if (!fields) {
            fields = mem_alloc((size_t)t->nfields * sizeof *fields);
            memcpy(fields, t->fields, (size_t)t->nfields * sizeof *fields);
        }
        fields[i].type = ft;
    }
    if (!fields)
        return t;
    ObjType *s = type_new(t->kind, t->name);
    *s = *t;
    s->fields = fields;
    s->sels = NULL;
    s->nsels = 0;
    s->name = struct_name(s);
    return s;
}

/* A func type written with type parameters (`func(T) U`): its
 * signature's types substituted, t itself when none changes. */
static ObjType *subst_sig(ObjType *t, int n, const char *const *names, ObjType *const *args, int depth)
{
    ObjType **sig = NULL;
    int all = t->nin + t->nout;
    for (int i = 0; i < all; i++) {
        ObjType *st = subst(t->sig[i], n, names, args, depth + 1);
        if (st == t->sig[i])
            continue;
        if (!sig) {
            sig = mem_alloc((size_t)all * sizeof *sig);
            memcpy(sig, t->sig, (size_t)all * sizeof *sig);
        }
        sig[i] = st;
    }
    if (!sig)
        return t;
    ObjType *s = type_new(t->kind, t->name);
    *s = *t;
    s->sig = sig;
    s->sels = NULL;
    s->nsels = 0;
    s->name = sig_name(s);
    return s;
}

/* An instance written with type parameters (List[T] in List's own fields
 * or in generic code): the instance for their values; t itself when it
 * names none. */
static ObjType *subst_targs(ObjType *t, int n, const char *const *names, ObjType *const *args, int depth)
{
    ObjType *targs[16];
    bool changed = false;
    int nt = t->ntargs < 16 ? t->ntargs : 16;
    for (int i = 0; i < nt; i++) {
        targs[i] = subst(t->targs[i], n, names, args, depth + 1);
        changed |= targs[i] != t->targs[i];
    }
    return changed ? types_instantiate(t->generic, nt, targs) : t;
}

static ObjType *subst(ObjType *t, int n, const char *const *names, ObjType *const *args, int depth)
{
    if (!t || depth > 64)
        return t;
    if (t->named)
        return t->generic && t->ntargs ? subst_targs(t, n, names, args, depth) : t;
    if (t->kind == TYPE_UNKNOWN) {
        for (int i = 0; i < n; i++)
            if (strcmp(t->name, names[i]) == 0)
                return args[i] ? args[i] : types_parse("any", 3);
        return t;
    }
    if (t->kind == TYPE_STRUCT)
        return subst_fields(t, n, names, args, depth);
    if (t->kind == TYPE_FUNC && t->sig)
        return subst_sig(t, n, names, args, depth);
    ObjType *e = subst(t->elem, n, names, args, depth + 1);
    ObjType *k = subst(t->key, n, names, args, depth + 1);
    if (e == t->elem && k == t->key)
        return t;
    return types_derive(t, e, k);
}

ObjType *types_subst(ObjType *tmpl, int n, const char *const *names, ObjType *const *args)
{
    return subst(tmpl, n, names, args, 0);
}

/* Whether t is written with the type parameter named tp (NULL: any). */
static bool mentions(const ObjType *t, const char *tp, int depth)
{
    if (!t || depth > 64)
        return false;
    if (t->named) {
        for (int i = 0; t->generic && i < t->ntargs; i++)
            if (mentions(t->targs[i], tp, depth + 1))
                return true;
        return false;
    }
    if (t->kind == TYPE_UNKNOWN)
        return !tp || strcmp(t->name, tp) == 0;
    for (int i = 0; t->kind == TYPE_STRUCT && i < t->nfields; i++)
        if (mentions(t->fields[i].type, tp, depth + 1))
            return true;
    for (int i = 0; t->kind == TYPE_FUNC && t->sig && i < t->nin + t->nout; i++)
        if (mentions(t->sig[i], tp, depth + 1))
            return true;
    return mentions(t->elem, tp, depth + 1) || mentions(t->key, tp, depth + 1);
}

bool types_open(const ObjType *t)
{
    return mentions(t, NULL, 0);
}

bool types_mentions(const ObjType *t, const char *tp)
{
    return mentions(t, tp, 0);
}

/* Instance in of generic type g (its name, arguments and list entry set)
 * takes on g's definition with the arguments substituted; again when g is
 * defined after its instance was made (`next *List[T]` in List). */
static void fill_instance(ObjType *in, ObjType *g)
{
    ObjType keep = *in;
    *in = *g;
    in->name = keep.name;
    in->generic = g;
    in->ntparams = 0;
    in->tparams = NULL;
    in->insts = NULL;
    in->ninsts = 0;
    in->sels = NULL;
    in->nsels = 0;
    in->methods = NULL;
    in->nmethods = 0;
    in->ntargs = keep.ntargs;
    in->targs = keep.targs;
    if (g->kind == TYPE_UNKNOWN)
        return;
    int n = in->ntargs;
    in->elem = subst(g->elem, n, g->tparams, in->targs, 0);
    in->key = subst(g->key, n, g->tparams, in->targs, 0);
    in->underlying = subst(g->underlying, n, g->tparams, in->targs, 0);
    if (g->nfields) {
        StructField *fields = mem_alloc((size_t)g->nfields * sizeof *fields);
        for (int i = 0; i < g->nfields; i++) {
            fields[i] = g->fields[i];
            fields[i].type = subst(g->fields[i].type, n, g->tparams, in->targs, 0);
        }
        in->fields = fields;
    }
    /* its zero is its own, as a declared type's is (types_define) */
    in->list_id = 0;
    if (types_boxed(in) && in->kind != TYPE_FUNC) {
        in->zero = named_new(in, g->underlying ? g->underlying->zero : V_NIL);
    } else if (in->kind == TYPE_SLICE) {
        set_zero(in);
    } else if (in->kind == TYPE_MAP) {
        ObjMap *nil_map = map_new_nil(types_elem_zero(in));
        nil_map->type = in;
        in->zero = v_from_ptr(nil_map);
    }
}

static bool same_targs(const ObjType *in, int n, ObjType *const *args)
{
    for (int j = 0; j < n; j++)
        if (in->targs[j] != args[j] && strcmp(in->targs[j]->name, args[j]->name) != 0)
            return false;
    return true;
}

/* g's instance for args among those published, without the lock. */
static ObjType *find_instance(ObjType *g, int n, ObjType *const *args)
{
    int cnt = __atomic_load_n(&g->ninsts, __ATOMIC_ACQUIRE);
    ObjType **insts = __atomic_load_n(&g->insts, __ATOMIC_ACQUIRE);
    for (int i = 0; i < cnt; i++)
        if (same_targs(insts[i], n, args))
            return insts[i];
    return NULL;
}

/* Add in to g's instances: a new list (readers may be walking the old
 * one), stored before the count that makes its last entry visible. */
static void publish_instance(ObjType *g, ObjType *in)
{
    ObjType **insts = mem_alloc((size_t)(g->ninsts + 1) * sizeof *insts);
    if (g->ninsts)
        memcpy(insts, g->insts, (size_t)g->ninsts * sizeof *insts);
    insts[g->ninsts] = in;
    __atomic_store_n(&g->insts, insts, __ATOMIC_RELEASE);
    __atomic_store_n(&g->ninsts, g->ninsts + 1, __ATOMIC_RELEASE);
}

static void inst_lock_enter(void)
{
    if (inst_held++ == 0)
        lock_acquire(&inst_lock);
}

static void inst_lock_leave(void)
{
    if (--inst_held == 0)
        lock_release(&inst_lock);
}

ObjType *types_instantiate(ObjType *g, int n, ObjType *const *args)
{
    if (!g || g->ntparams != n || n > 16)
        return g;
    for (int i = 0; i < n; i++)
        if (!args[i])
            return g;
    /* one this thread is making: List[int]'s field `next *List[int]` */
    for (int i = npending - 1; i >= 0; i--)
        if (pending[i]->generic == g && same_targs(pending[i], n, args))
            return pending[i];
    ObjType *in = find_instance(g, n, args);
    if (in || npending >= INST_MAX_DEPTH)
        return in ? in : g;
    inst_lock_enter();
    in = find_instance(g, n, args); /* another thread may have made it */
    if (!in) {
        in = type_new(g->kind, NULL);
        Buf b;
        buf_init(&b);
        buf_printf(&b, "%s[", g->name);
        for (int j = 0; j < n; j++)
            buf_printf(&b, "%s%s", j ? "," : "", args[j]->name);
        buf_addc(&b, ']');
        in->name = buf_to_str(&b)->data;
        in->generic = g;
        in->ntargs = n;
        in->targs = mem_alloc((size_t)n * sizeof *in->targs);
        memcpy(in->targs, args, (size_t)n * sizeof *args);
        if (g->kind == TYPE_UNKNOWN) {
            /* g's own fields name it (`next *List[T]`): define_instances
             * fills it in once g is defined */
            fill_instance(in, g);
            publish_instance(g, in);
        } else {
            pending[npending++] = in;
            fill_instance(in, g);
            npending--;
            publish_instance(g, in);
        }
    }
    inst_lock_leave();
    return in;
}

/* g was just defined: the instances made while its definition was being
 * read (those its own fields name) take it on. */
static void define_instances(ObjType *g)
{
    if (!g->ninsts)
        return;
    inst_lock_enter();
    for (int i = 0; i < g->ninsts; i++)
        if (g->insts[i]->kind == TYPE_UNKNOWN)
            fill_instance(g->insts[i], g);
    inst_lock_leave();
}

bool types_elem_fits(const ObjType *c)
{
    const ObjType *e = c ? c->elem : NULL;
    return e && (types_boxed(e) || types_converts(e));
}
