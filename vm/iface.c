/* iface.c — type assertions and interface satisfaction. See iface.h. */
#include "iface.h"

#include <string.h>

#include "chan.h"
#include "format.h"
#include "vm.h"

/* The declared type a value carries, if any (format_value_type's answer,
 * through a pointer to a struct or array), and whether the value is such
 * a pointer (which widens its method set). */
static const ObjType *declared_type(Value v, bool *is_ptr)
{
    *is_ptr = false;
    if (iface_is_box(v)) {
        /* a nil *T in an interface has *T's methods; the built-in types
         * other boxes hold have none; a declared type's nil has its own */
        const ObjType *bt = ((ObjNamed *)v_ptr(v))->type;
        if (bt->named)
            return bt;
        const ObjType *e = bt->kind == TYPE_POINTER ? bt->elem : NULL;
        *is_ptr = e != NULL;
        return e && (e->named || e->kind == TYPE_STRUCT || e->kind == TYPE_ARRAY) ? e : NULL;
    }
    if (v_is_ref(v)) {
        Obj *o = v_ref_target(v);
        /* a pointer to a variable of a declared type (&t, t a T int) */
        Value in = o->kind == OBJ_CELL   ? ((ObjCell *)o)->v
                   : o->kind == OBJ_SLOT ? *((ObjSlot *)o)->slot
                                         : V_UNDEF;
        if (o->kind != OBJ_STRUCT && o->kind != OBJ_ARRAY && !v_is_obj(in, OBJ_NAMED))
            return NULL;
        *is_ptr = true;
        v = in != V_UNDEF ? in : v_from_ptr(o);
    }
    const ObjType *ty = format_value_type(v);
    return ty && (ty->named || ty->kind == TYPE_STRUCT || ty->kind == TYPE_ARRAY) ? ty : NULL;
}

/* A method of ty by name, in the method set of a value (ptr false) or of
 * a pointer to one (ptr true); *sig is its signature (NULL: not known). */
static bool has_method(const ObjType *ty, ObjString *name, bool ptr, Value sample, const char **sig)
{
    *sig = NULL;
    if (ty && ty->kind == TYPE_STRUCT) {
        /* promoted methods too: one reached through an embedded pointer
         * or interface is in the struct value's method set, one with a
         * pointer receiver reached through embedded values only in the
         * pointer's */
        int i = types_selection((ObjType *)ty, name, sample);
        if (i < 0)
            return false;
        const Selection *sel = &__atomic_load_n(&ty->sels, __ATOMIC_ACQUIRE)[i];
        if (sel->kind == SEL_IFACE || sel->kind == SEL_NATIVE)
            return true;
        if (sel->kind != SEL_METHOD)
            return false;
        *sig = sel->sig;
        bool via_ptr = ptr;
        for (int k = 0; k < sel->depth; k++)
            via_ptr = via_ptr || (sel->path[k] & SEL_DEREF);
        return via_ptr || !sel->ptr_recv;
    }
    bool ptr_recv = false;
    if (!ty || types_method(ty, name, &ptr_recv) == V_UNDEF || (!ptr && ptr_recv))
        return false;
    *sig = types_method_sig(ty, name);
    return true;
}

static bool same_type(const ObjType *a, const ObjType *b)
{
    return a == b || (a && b && a->kind == b->kind && strcmp(a->name, b->name) == 0);
}

/* Go's name of a predeclared type: byte and rune are aliases. */
static const char *canonical_name(const char *name)
{
    return strcmp(name, "byte") == 0 ? "uint8" : strcmp(name, "rune") == 0 ? "int32" : name;
}

bool iface_same_basic(const ObjType *a, const ObjType *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->named || b->named)
        return false;
    if (a->kind != TYPE_INT && a->kind != TYPE_FLOAT)
        return same_type(a, b);
    return strcmp(canonical_name(a->name), canonical_name(b->name)) == 0;
}

bool iface_boxes(const ObjType *ty)
{
    if (ty && ty->named)
        return ty->kind == TYPE_CHAN || ty->kind == TYPE_POINTER || ty->kind == TYPE_FUNC ||
               ty->kind == TYPE_MAP || ty->kind == TYPE_SLICE;
    if (!ty)
        return false;
    switch (ty->kind) {
    case TYPE_INT:
        /* int is what a plain integer is; a module's type (time.Duration)
         * is left as it is */
        return strcmp(ty->name, "int") != 0 && !strchr(ty->name, '.');
    case TYPE_FLOAT:
        return ty->bits == 32;
    case TYPE_POINTER:
    case TYPE_CHAN:
    case TYPE_FUNC:
    case TYPE_MAP:
    case TYPE_SLICE:
        return true;
    default:
        return false;
    }
}

Value iface_box(const ObjType *ty, Value v)
{
    if (v_is_obj(v, OBJ_NAMED))
        return v; /* boxed already, or of a declared type */
    switch (ty->kind) {
    case TYPE_INT:
        return v_is_anyint(v) ? named_new((ObjType *)ty, v) : v;
    case TYPE_FLOAT:
        return v_is_anyfloat(v) ? named_new((ObjType *)ty, v) : v;
    default:
        /* a nil slice or map is a typed value (a header, a nil map) but
         * compares equal to nil: in an interface it must not */
        return v == V_NIL || list_is_nil(v) || (v_is_obj(v, OBJ_MAP) && map_is_nil(v_map(v)))
                   ? named_new((ObjType *)ty, v)
                   : v;
    }
}

const char *iface_missing(const ObjType *ty, Value v)
{
    if (ty->kind != TYPE_INTERFACE)
        return NULL;
    bool ptr;
    const ObjType *dt = declared_type(v, &ptr);
    if (strcmp(ty->name, "error") == 0) {
        static ObjString *error_name;
        ObjString *en = __atomic_load_n(&error_name, __ATOMIC_ACQUIRE);
        if (!en) /* racing threads may each make one: any will do */
            __atomic_store_n(&error_name, en = str_cstr("Error"), __ATOMIC_RELEASE);
        const char *sig;
        if (v_is_obj(v, OBJ_ERROR) || has_method(dt, en, ptr, v, &sig))
            return NULL;
        return "Error";
    }
    ObjString *need[TYPES_IFACE_MAX];
    const char *want[TYPES_IFACE_MAX];
    int n = types_iface_method_sigs(ty, need, want, TYPES_IFACE_MAX);
    Value sample = v_is_ref(v) ? v_from_ptr(v_ref_target(v)) : v;
    for (int i = 0; i < n; i++) {
        const char *name = need[i]->data;
        /* error values have Error; native objects answer for their own
         * methods (a sync.Mutex has Lock and Unlock) */
        if (strcmp(name, "Error") == 0 && v_is_obj(v, OBJ_ERROR))
            continue;
        if (v_is_obj(v, OBJ_OBJECT) && class_method(((ObjObject *)v_ptr(v))->cls, need[i]) != NULL)
            continue;
        const char *sig;
        if (!has_method(dt, need[i], ptr, sample, &sig) || !types_sig_match(want[i], sig))
            return name;
    }
    return NULL;
}

/* Whether a and b are one type, structurally, for an unnamed composite
 * type in a case or assertion against a value that knows its type (a
 * typed slice, map, chan): []byte is []uint8, any is interface{}. Lenient
 * where csp does not know (a func's signature, an unresolved name). */
static bool identical(const ObjType *a, const ObjType *b, int depth)
{
    if (a == b || !a || !b || depth > 16 || a->kind == TYPE_UNKNOWN || b->kind == TYPE_UNKNOWN)
        return true;
    if (a->kind != b->kind || a->named != b->named)
        return false;
    if (a->named)
        return strcmp(a->name, b->name) == 0;
    switch (a->kind) {
    case TYPE_INT:
    case TYPE_FLOAT:
        return a->bits == b->bits && a->is_unsigned == b->is_unsigned;
    case TYPE_ARRAY:
        if (a->len != b->len)
            return false;
        /* fall through */
    case TYPE_SLICE:
    case TYPE_CHAN:
    case TYPE_POINTER:
        return identical(a->elem, b->elem, depth + 1);
    case TYPE_MAP:
        return identical(a->key, b->key, depth + 1) && identical(a->elem, b->elem, depth + 1);
    case TYPE_STRUCT:
        if (a->nfields != b->nfields)
            return false;
        for (int i = 0; i < a->nfields; i++)
            if (strcmp(a->fields[i].name, b->fields[i].name) != 0 ||
                !identical(a->fields[i].type, b->fields[i].type, depth + 1))
                return false;
        return true;
    case TYPE_INTERFACE: {
        ObjString *ma[TYPES_IFACE_MAX], *mb[TYPES_IFACE_MAX];
        int na = types_iface_methods(a, ma, TYPES_IFACE_MAX),
            nb = types_iface_methods(b, mb, TYPES_IFACE_MAX);
        if (na != nb)
            return false;
        for (int i = 0; i < na; i++)
            if (!types_iface_has(b, ma[i]))
                return false;
        return true;
    }
    case TYPE_FUNC:
        if (!a->sig || !b->sig) /* written as "func" alone: any function */
            return true;
        if (a->nin != b->nin || a->nout != b->nout || a->variadic != b->variadic)
            return false;
        for (int i = 0; i < a->nin + a->nout; i++)
            if (!identical(a->sig[i], b->sig[i], depth + 1))
                return false;
        return true;
    default:
        return true;
    }
}

/* Whether function v takes the parameters func type ty names: csp knows
 * a function's parameter count (and whether the last is variadic), not
 * their types. A func type written without its parameters' text ("func")
 * matches any function, as does a native. */
static ObjType *native_func_type(Value v);

static bool same_arity(const ObjType *ty, Value v)
{
    const char *p = strchr(ty->name, '(');
    if (!p || v_is_obj(v, OBJ_NATIVE))
        return true;
    int n = 0, depth = 0;
    bool empty = true, variadic = false;
    for (p++; *p && depth >= 0; p++) {
        if (*p == '(' || *p == '[' || *p == '{')
            depth++;
        else if (*p == ')' || *p == ']' || *p == '}')
            depth--;
        else if (depth == 0 && *p == ',')
            n++;
        else if (depth == 0 && *p == '.' && p[1] == '.' && p[2] == '.')
            variadic = true;
        if (depth >= 0 && *p != ' ')
            empty = false;
    }
    n = empty ? 0 : n + 1;
    int shift = 0;
    if (v_is_obj(v, OBJ_BOUND)) {
        v = ((ObjBound *)v_ptr(v))->fn; /* its receiver is bound */
        shift = 1;
    }
    if (!v_is_obj(v, OBJ_CLOSURE))
        return true;
    const ObjProto *pr = ((ObjClosure *)v_ptr(v))->proto;
    return !pr || (pr->nparams - shift == n && (bool)pr->variadic == variadic);
}

bool iface_has(const ObjType *ty, Value v)
{
    if (v == V_NIL)
        return false;
    bool ptr;
    const ObjType *dt = declared_type(v, &ptr);
    /* A declared type other than a struct (type Celsius float64) is its
     * own type: its values carry it (ObjNamed), and a plain float64 is
     * not a Celsius, nor a Celsius a float64. */
    if (ty->named && ty->kind != TYPE_STRUCT && ty->kind != TYPE_INTERFACE)
        return !ptr && dt && same_type(dt, ty);
    if (iface_is_box(v) && ty->kind != TYPE_INTERFACE)
        return !ty->named && iface_same_basic(((ObjNamed *)v_ptr(v))->type, ty);
    if (v_is_obj(v, OBJ_NAMED) && ty->kind != TYPE_INTERFACE)
        return false;
    /* nor is a value of a declared chan, map or slice type one of the
     * type literal (a Chan is not a chan int) */
    if (!ty->named && !ptr && dt && dt->named && ty->kind != TYPE_INTERFACE && ty->kind != TYPE_POINTER)
        return false;
    switch (ty->kind) {
    case TYPE_INTERFACE:
        return iface_missing(ty, v) == NULL;
    case TYPE_BOOL:
        return v_is_bool(v);
    case TYPE_INT: /* a plain int is an int: a sized one is boxed */
        return v_is_anyint(v) && !iface_boxes(ty);
    case TYPE_FLOAT: /* and a plain float a float64 */
        return v_is_anyfloat(v) && !iface_boxes(ty);
    case TYPE_COMPLEX:
        return v_is_complex(v) && ((v_obj(v)->flags & COMPLEX_64) != 0) == (ty->bits == 64);
    case TYPE_STRING:
        return v_is_str(v);
    case TYPE_SLICE:
        return v_is_obj(v, OBJ_LIST) && identical(format_value_type(v), ty, 0);
    case TYPE_MAP:
        return v_is_obj(v, OBJ_MAP) && identical(format_value_type(v), ty, 0);
    case TYPE_CHAN:
        return v_is_obj(v, OBJ_CHAN) && identical(format_value_type(v), ty, 0);
    case TYPE_FUNC:
        if (v_is_obj(v, OBJ_CLOSURE) && closure_type(v_ptr(v))) /* its type is known */
            return identical(closure_type(v_ptr(v)), ty, 0);
        if (v_is_obj(v, OBJ_NATIVE) && native_func_type(v)) /* a library function's Go signature */
            return identical(native_func_type(v), ty, 0);
        return (v_is_obj(v, OBJ_CLOSURE) || v_is_obj(v, OBJ_NATIVE) || v_is_obj(v, OBJ_BOUND)) &&
               same_arity(ty, v);
    case TYPE_POINTER:
        if (v_is_obj(v, OBJ_OBJECT) && ty->elem && ty->elem->kind == TYPE_OBJECT) {
            /* a module's object stands for Go's pointer to it (*os.File,
             * *bufio.Scanner): its class is named either way */
            const char *cn = v_type_name(v);
            return strcmp(cn + (cn[0] == '*'), ty->elem->name) == 0;
        }
        if (!v_is_ref(v))
            return false;
        if (dt)
            return same_type(dt, ty->elem);
        /* a pointer to a variable or slot: its type is not kept; the
         * value it holds now is the best witness */
        return ty->elem && ty->elem->kind != TYPE_STRUCT && !ty->elem->named;
    case TYPE_ARRAY:
    case TYPE_STRUCT:
        return !ptr && dt && same_type(dt, ty);
    case TYPE_OBJECT:
        return v_is_obj(v, OBJ_OBJECT) && strcmp(v_type_name(v), ty->name) == 0;
    default:
        return !ptr && dt && same_type(dt, ty);
    }
}

int iface_assert(Thread *t, const ObjType *ty, Value v, Value *out)
{
    if (iface_has(ty, v)) {
        *out = ty->kind == TYPE_INTERFACE ? v : iface_unbox(v);
        return 0;
    }
    const char *want = ty->kind == TYPE_INTERFACE && strcmp(ty->name, "any") == 0 ? "interface {}" : ty->name;
    if (v == V_NIL)
        return vm_panicf(t, E_IFACE_NIL, want);
    const char *missing = iface_missing(ty, v);
    if (missing)
        return vm_panicf(t, E_IFACE_MISSING, format_type_name(v), want, missing);
    return vm_panicf(t, E_IFACE_CONV, format_type_name(v), want);
}

int iface_assert2(Thread *t, const ObjType *ty, Value v, Value *out, bool *ok)
{
    *ok = iface_has(ty, v);
    if (*ok) {
        *out = ty->kind == TYPE_INTERFACE ? v : iface_unbox(v);
        return 0;
    }
    return types_zero(t, ty, out);
}

/* ---- generic functions ------------------------------------------------ */

/* The Go type of library function v, from its declared signature
 * (ObjNative.sig), or NULL: a native method, called through its receiver,
 * has none. */
static ObjType *native_func_type(Value v)
{
    ObjNative *n = v_ptr(v);
    return (n->h.flags & NATIVE_METHOD) ? NULL : types_native(n);
}

/* Descriptors of the types a plain value has, made once. Racing threads
 * may each make one; any of them will do, as descriptors never change. */
static ObjType *basic_type(const char *name, ObjType **cache)
{
    ObjType *t = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (!t) {
        t = types_parse(name, strlen(name));
        __atomic_store_n(cache, t, __ATOMIC_RELEASE);
    }
    return t;
}

static ObjType *deref_type(Value v);

/* The type of a generic function bound to its type arguments
 * (NewPair[int, string] is a func(int, string) main.Pair[int,string]), or
 * NULL for any other bound function. */
static ObjType *instance_func_type(const ObjBound *b)
{
    const ObjProto *pr = v_is_obj(b->fn, OBJ_CLOSURE) ? ((ObjClosure *)v_ptr(b->fn))->proto : NULL;
    if (!pr || !pr->generic || !pr->type || !v_is_obj(b->recv, OBJ_LIST))
        return NULL;
    ObjType *args[16];
    int n = pr->ntnames < 16 ? pr->ntnames : 16;
    for (int i = 0; i < n; i++) {
        Value a = V_NIL;
        list_get(v_list(b->recv), i, &a);
        args[i] = v_is_obj(a, OBJ_TYPE) ? v_ptr(a) : NULL;
    }
    ObjType *t = types_subst((ObjType *)pr->type, n, pr->tnames, args);
    return types_open(t) ? NULL : t;
}

ObjType *iface_typeof(Value v)
{
    static ObjType *t_int, *t_float, *t_string, *t_bool, *t_ptr, *t_slice;
    if (v == V_NIL)
        return NULL;
    if (v_is_anyint(v))
        return basic_type("int", &t_int);
    if (v_is_anyfloat(v))
        return basic_type("float64", &t_float);
    if (v_is_bool(v))
        return basic_type("bool", &t_bool);
    if (v_is_ref(v)) {
        ObjType *e = deref_type(v);
        return e ? types_derive(basic_type("*T", &t_ptr), e, NULL) : NULL;
    }
    if (!v_is_ptr(v))
        return NULL;
    switch (v_obj(v)->kind) {
    case OBJ_STRING:
        return basic_type("string", &t_string);
    case OBJ_NAMED:
        return ((ObjNamed *)v_ptr(v))->type;
    case OBJ_STRUCT:
        return ((ObjStruct *)v_ptr(v))->type;
    case OBJ_ARRAY:
        return ((ObjArray *)v_ptr(v))->type;
    case OBJ_MAP:
        return (ObjType *)map_type(v_map(v));
    case OBJ_CLOSURE:
        return (ObjType *)closure_type(v_ptr(v));
    case OBJ_BOUND:
        return instance_func_type((ObjBound *)v_ptr(v));
    case OBJ_NATIVE:
        return native_func_type(v);
    case OBJ_CHAN:
        return (ObjType *)__atomic_load_n(&((ObjChan *)v_ptr(v))->type, __ATOMIC_ACQUIRE);
    case OBJ_LIST: {
        if (list_type(v_list(v)))
            return (ObjType *)list_type(v_list(v));
        ObjType *e = iface_infer(v, 1);
        return e ? types_derive(basic_type("[]T", &t_slice), e, NULL) : NULL;
    }
    case OBJ_OBJECT:
        return types_parse(v_type_name(v), strlen(v_type_name(v)));
    default:
        return NULL;
    }
}

/* The type of what pointer v points to. */
static ObjType *deref_type(Value v)
{
    Obj *o = v_ref_target(v);
    switch (o->kind) {
    case OBJ_STRUCT:
        return ((ObjStruct *)o)->type;
    case OBJ_ARRAY:
        return ((ObjArray *)o)->type;
    case OBJ_CELL:
        return iface_typeof(((ObjCell *)o)->v);
    case OBJ_SLOT:
        return iface_typeof(*((ObjSlot *)o)->slot);
    default:
        return NULL;
    }
}

ObjType *iface_infer(Value v, int path)
{
    Value item;
    switch (path) {
    case 0:
        return iface_typeof(v);
    case 1: {
        if (v_is_obj(v, OBJ_ARRAY))
            return ((ObjArray *)v_ptr(v))->type->elem;
        /* a typed slice says, empty or not ([]string{} gives string, so
         * a zero T is "") */
        const ObjType *lt = v_is_obj(v, OBJ_LIST) ? list_type(v_list(v)) : NULL;
        if (lt && lt->elem && lt->kind == TYPE_SLICE)
            return lt->elem;
        if (v_is_obj(v, OBJ_LIST) && list_get(v_list(v), 0, &item))
            return iface_typeof(item);
        return NULL;
    }
    case 2:
    case 3: {
        size_t cur = 0;
        Value key, val;
        const ObjType *mt = v_is_obj(v, OBJ_MAP) ? map_type(v_map(v)) : NULL;
        if (mt && mt->kind == TYPE_MAP && mt->key && mt->elem)
            return path == 2 ? mt->key : mt->elem;
        if (v_is_obj(v, OBJ_MAP) && map_next(v_map(v), &cur, &key, &val))
            return iface_typeof(path == 2 ? key : val);
        return NULL;
    }
    case 4:
        return v_is_ref(v) ? deref_type(v) : NULL;
    case 5: { /* a channel's elements: a typed channel's element type */
        const ObjType *ct = v_is_obj(v, OBJ_CHAN) ? ((ObjChan *)v_ptr(v))->type : NULL;
        return ct ? ct->elem : NULL;
    }
    default:
        return NULL;
    }
}

/* The type of v as its container records it (a typed slice, map or
 * channel), else as far as the value tells. */
static const ObjType *recorded_type(Value v)
{
    const ObjType *t = NULL;
    if (v_is_obj(v, OBJ_LIST))
        t = list_type(v_list(v));
    else if (v_is_obj(v, OBJ_MAP))
        t = map_type(v_map(v));
    else if (v_is_obj(v, OBJ_CHAN))
        t = ((ObjChan *)v_ptr(v))->type;
    return t ? t : iface_typeof(v);
}

/* Match template tmpl against type t: what t has where tmpl has the type
 * parameter `name`. */
static ObjType *unify(const ObjType *tmpl, const ObjType *t, const char *name, int depth)
{
    if (!tmpl || !t || depth > 64)
        return NULL;
    if (tmpl->kind == TYPE_UNKNOWN && !tmpl->named)
        return strcmp(tmpl->name, name) == 0 ? (ObjType *)t : NULL;
    if (tmpl->named) {
        /* List[T] against List[int]: argument by argument */
        if (!tmpl->generic || t->generic != tmpl->generic)
            return NULL;
        for (int i = 0; i < tmpl->ntargs && i < t->ntargs; i++) {
            ObjType *r = unify(tmpl->targs[i], t->targs[i], name, depth + 1);
            if (r)
                return r;
        }
        return NULL;
    }
    if (t->named && t->underlying && t->kind == TYPE_FUNC)
        t = t->underlying; /* a declared func type against func(T) U */
    if (tmpl->kind != t->kind)
        return NULL;
    if (tmpl->kind == TYPE_FUNC) {
        /* func(T) U against func(int) string: parameter by parameter,
         * then result by result */
        if (!tmpl->sig || !t->sig || tmpl->nin != t->nin || tmpl->nout != t->nout)
            return NULL;
        for (int i = 0; i < tmpl->nin + tmpl->nout; i++) {
            ObjType *r = unify(tmpl->sig[i], t->sig[i], name, depth + 1);
            if (r)
                return r;
        }
        return NULL;
    }
    if (tmpl->kind == TYPE_STRUCT) {
        for (int i = 0; i < tmpl->nfields && i < t->nfields; i++) {
            ObjType *r = unify(tmpl->fields[i].type, t->fields[i].type, name, depth + 1);
            if (r)
                return r;
        }
        return NULL;
    }
    ObjType *r = unify(tmpl->elem, t->elem, name, depth + 1);
    return r ? r : unify(tmpl->key, t->key, name, depth + 1);
}

ObjType *iface_unify(const ObjType *tmpl, const char *name, Value v, bool variadic)
{
    if (variadic) {
        Value first;
        if (!v_is_obj(v, OBJ_LIST) || !list_get(v_list(v), 0, &first))
            return NULL;
        v = first;
    }
    return unify(tmpl, recorded_type(v), name, 0);
}

Value iface_subst(Value tmpl, const Value *args, int n)
{
    Value t0;
    if (!v_is_obj(tmpl, OBJ_LIST) || !list_get(v_list(tmpl), 0, &t0) || !v_is_obj(t0, OBJ_TYPE))
        return V_NIL;
    const char *names[16];
    ObjType *types[16];
    if (n > 16)
        n = 16;
    for (int i = 0; i < n; i++) {
        Value nm = V_NIL;
        list_get(v_list(tmpl), i + 1, &nm);
        names[i] = v_is_str(nm) ? v_str(nm)->data : "";
        types[i] = v_is_obj(args[i], OBJ_TYPE) ? v_ptr(args[i]) : NULL;
    }
    return v_from_ptr(types_subst(v_ptr(t0), n, names, types));
}
