/* format.c — how a value prints (format.h): the %v printer, and under it
 * strconv's number and quoting engines.
 *
 * Floats: Go prints the shortest decimal that reads back as the same
 * double (the closest such if several). We ask C for correctly rounded
 * digits ("%.*e") and strtod whether they read back: 15 digits first (at
 * most one decimal that short can, so trailing zeros stripped give the
 * shortest), then 16 (or its neighbour toward the value), then 17, which
 * always do; see digits_shortest. The digits are then laid out as Go's
 * strconv does (formatDigits, fmtE, fmtF). Fixed precisions (%.2f, %.3e,
 * %.4g) take correctly rounded digits from C too; Go's are also exact, so
 * the two agree. A million random doubles and floats print as Go's.
 */
#include "format.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "iface.h"
#include "mem.h"
#include "types.h"
#include "utf8.h"
#include "vm.h"

const char format_ldigits[] = "0123456789abcdefx";
const char format_udigits[] = "0123456789ABCDEFX";

/* ====================================================================== */
/* Go type names                                                          */
/* ====================================================================== */

/* Types nest deeper than this only in a fuzzer's text: the rest prints
 * as "...", so naming a type never recurses without bound. */
#define TYPE_NAME_MAX_DEPTH 64

static void type_name(Buf *b, const ObjType *ty, int depth);

/* Go's spelling of a predeclared or interface type written another way:
 * byte is uint8, rune int32, any and interface{} are interface {}. */
static void basic_name(Buf *b, const char *name)
{
    static const char *const alias[][2] = {
        {"byte", "uint8"},
        {"rune", "int32"},
        {"any", "interface {}"},
        {"interface{}", "interface {}"},
    };
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++) {
        if (strcmp(name, alias[i][0]) == 0) {
            buf_adds(b, alias[i][1]);
            return;
        }
    }
    buf_adds(b, name);
}

/* struct { a int; B string "tag" } */
static void struct_name(Buf *b, const ObjType *ty, int depth)
{
    if (ty->nfields == 0) {
        buf_adds(b, "struct {}");
        return;
    }
    buf_adds(b, "struct { ");
    for (int i = 0; i < ty->nfields; i++) {
        const StructField *f = &ty->fields[i];
        if (i > 0)
            buf_adds(b, "; ");
        if (!f->embedded) {
            buf_adds(b, f->name ? f->name : "_");
            buf_addc(b, ' ');
        }
        type_name(b, f->type, depth + 1);
        if (f->tag) {
            buf_addc(b, ' ');
            format_quote(b, f->tag, strlen(f->tag), false);
        }
    }
    buf_adds(b, " }");
}

/* func(string, ...interface {}) (int, error): a func type written with
 * its signature, each type in Go's spelling. */
static void func_sig_name(Buf *b, const ObjType *ty, int depth)
{
    buf_adds(b, "func(");
    for (int i = 0; i < ty->nin; i++) {
        if (i > 0)
            buf_adds(b, ", ");
        if (ty->variadic && i == ty->nin - 1 && ty->sig[i]->kind == TYPE_SLICE && !ty->sig[i]->named) {
            buf_adds(b, "...");
            type_name(b, ty->sig[i]->elem, depth + 1);
        } else {
            type_name(b, ty->sig[i], depth + 1);
        }
    }
    buf_addc(b, ')');
    if (ty->nout > 0)
        buf_adds(b, ty->nout > 1 ? " (" : " ");
    for (int i = 0; i < ty->nout; i++) {
        if (i > 0)
            buf_adds(b, ", ");
        type_name(b, ty->sig[ty->nin + i], depth + 1);
    }
    if (ty->nout > 1)
        buf_addc(b, ')');
}

static void type_name(Buf *b, const ObjType *ty, int depth)
{
    /* Element chains ([]*[3]T) are walked by this loop, so only map keys
     * and struct fields recurse. */
    for (; ty; ty = ty->elem, depth++) {
        if (depth > TYPE_NAME_MAX_DEPTH) {
            buf_adds(b, "...");
            return;
        }
        if (ty->named) {
            buf_adds(b, ty->name);
            return;
        }
        switch (ty->kind) {
        case TYPE_SLICE:
            buf_adds(b, "[]");
            break;
        case TYPE_ARRAY:
            if (ty->len < 0) {
                buf_adds(b, ty->name); /* a length given by a name */
                return;
            }
            buf_printf(b, "[%lld]", (long long)ty->len);
            break;
        case TYPE_POINTER:
            buf_addc(b, '*');
            break;
        case TYPE_CHAN:
            buf_adds(b, strncmp(ty->name, "chan<-", 6) == 0   ? "chan<- "
                        : strncmp(ty->name, "<-chan", 6) == 0 ? "<-chan "
                                                              : "chan ");
            break;
        case TYPE_MAP:
            buf_adds(b, "map[");
            type_name(b, ty->key, depth + 1);
            buf_addc(b, ']');
            break;
        case TYPE_STRUCT:
            struct_name(b, ty, depth);
            return;
        case TYPE_FUNC:
            if (!ty->sig)
                break;
            func_sig_name(b, ty, depth);
            return;
        default:
            basic_name(b, ty->name);
            return;
        }
    }
    buf_adds(b, "interface {}"); /* an element nobody wrote: `chan` */
}

void format_type(Buf *b, const ObjType *ty)
{
    type_name(b, ty, 0);
}

/* The Go type a list records: its slice type ([]int), NULL for an
 * untyped list. */
static const ObjType *list_go_type(const ObjList *l)
{
    return list_type(l);
}

/* Go's nil slice: a header with no storage. */
static bool list_nil_header(const ObjList *l)
{
    return __atomic_load_n(&l->store, __ATOMIC_RELAXED) == NULL;
}

const ObjType *format_value_type(Value v)
{
    if (!v_is_ptr(v))
        return NULL;
    switch (v_obj(v)->kind) {
    case OBJ_STRUCT:
        return ((ObjStruct *)v_ptr(v))->type;
    case OBJ_ARRAY:
        return ((ObjArray *)v_ptr(v))->type;
    case OBJ_LIST:
        return list_go_type(v_list(v));
    case OBJ_MAP:
        return map_type(v_map(v));
    case OBJ_CHAN:
        return __atomic_load_n(&((ObjChan *)v_ptr(v))->type, __ATOMIC_ACQUIRE); /* see types_convert */
    case OBJ_NAMED:
        return ((ObjNamed *)v_ptr(v))->type;
    default:
        return NULL;
    }
}

/* func(interface {}, ...interface {}): a csp function records how many
 * parameters it takes, not their types or its results'. */
static void func_name(Buf *b, int nparams, bool variadic)
{
    buf_adds(b, "func(");
    for (int i = 0; i < nparams; i++) {
        if (i > 0)
            buf_adds(b, ", ");
        if (variadic && i == nparams - 1)
            buf_adds(b, "...");
        buf_adds(b, "interface {}");
    }
    buf_addc(b, ')');
}

static void native_func_name(Buf *b, const ObjNative *n, int skip)
{
    if (n->max_args < 0)
        func_name(b, n->min_args - skip + 1 > 0 ? n->min_args - skip + 1 : 1, true);
    else
        func_name(b, n->max_args - skip > 0 ? n->max_args - skip : 0, false);
}

/* %T of a value that is neither nil nor a pointer. */
static void kind_name(Buf *b, Value v)
{
    if (v_is_anyint(v)) {
        buf_adds(b, "int");
        return;
    }
    if (v_is_anyfloat(v)) {
        buf_adds(b, "float64");
        return;
    }
    if (v_is_bool(v)) {
        buf_adds(b, "bool");
        return;
    }
    const ObjType *ty = format_value_type(v);
    if (ty) {
        format_type(b, ty);
        return;
    }
    if (!v_is_ptr(v)) {
        buf_adds(b, v_type_name(v));
        return;
    }
    Obj *o = v_obj(v);
    switch ((ObjKind)o->kind) {
    case OBJ_STRING:
        buf_adds(b, "string");
        return;
    case OBJ_LIST:
        buf_adds(b, "[]interface {}");
        return;
    case OBJ_MAP:
        buf_adds(b, "map[interface {}]interface {}");
        return;
    case OBJ_CHAN:
        buf_adds(b, "chan interface {}");
        return;
    case OBJ_CLOSURE: {
        const ObjProto *pr = ((ObjClosure *)o)->proto;
        if (closure_type((ObjClosure *)o)) {
            format_type(b, closure_type((ObjClosure *)o));
            return;
        }
        func_name(b, pr->nparams, pr->variadic);
        return;
    }
    case OBJ_NATIVE: {
        ObjNative *n = (ObjNative *)o;
        if (!(n->h.flags & NATIVE_METHOD) && types_native(n)) { /* its Go signature */
            format_type(b, types_native(n));
            return;
        }
        native_func_name(b, n, (n->h.flags & NATIVE_METHOD) ? 1 : 0);
        return;
    }
    case OBJ_BOUND: {
        Value fn = ((ObjBound *)o)->fn;
        const ObjType *it = iface_typeof(v); /* NewPair[int, string] */
        if (it) {
            format_type(b, it);
            return;
        }
        if (v_is_obj(fn, OBJ_NATIVE))
            native_func_name(b, v_ptr(fn), 1);
        else if (v_is_obj(fn, OBJ_CLOSURE))
            func_name(b, ((ObjClosure *)v_ptr(fn))->proto->nparams - 1,
                      ((ObjClosure *)v_ptr(fn))->proto->variadic);
        else
            buf_adds(b, "func()");
        return;
    }
    case OBJ_ERROR: {
        /* The types of Go's errors.New and fmt.Errorf's %w; a run-time
         * error is one of the runtime's own types, named by the interface
         * they all implement. */
        const ObjError *e = (ObjError *)o;
        buf_adds(b, e->runtime            ? "runtime.Error"
                    : e->wrapped != V_NIL ? "*fmt.wrapError"
                                          : "*errors.errorString");
        return;
    }
    default:
        buf_adds(b, v_type_name(v));
        return;
    }
}

/* What pointer v points to, as a value: the struct or array itself, or
 * what the variable or slot holds. */
static Value deref(Value v)
{
    Obj *o = v_ref_target(v);
    if (o->kind == OBJ_CELL)
        return SHARED_LOAD(((ObjCell *)o)->v);
    if (o->kind == OBJ_SLOT)
        return SHARED_LOAD(*((ObjSlot *)o)->slot);
    return v_from_ptr(o);
}

void format_type_of(Buf *b, Value v)
{
    /* A pointer to a variable that holds a pointer...: a loop, bounded,
     * since a variable may hold a pointer to itself. */
    for (int depth = 0; v_is_ref(v); depth++) {
        if (depth > TYPE_NAME_MAX_DEPTH) {
            buf_adds(b, "...");
            return;
        }
        buf_addc(b, '*');
        v = deref(v);
        if (v_is_nil(v)) {
            buf_adds(b, "interface {}"); /* what the variable holds is all we know */
            return;
        }
    }
    if (v_is_nil(v))
        buf_adds(b, "<nil>");
    else
        kind_name(b, v);
}

const char *format_type_name(Value v)
{
    Buf b;
    buf_init(&b);
    format_type_of(&b, v);
    return buf_to_str(&b)->data;
}

/* ====================================================================== */
/* Values                                                                 */
/* ====================================================================== */

void format_init(Printer *p, Buf *b, struct Thread *t)
{
    memset(p, 0, sizeof *p);
    p->b = b;
    p->t = t;
}

/* Enter a container: false (after printing the marker) when it is already
 * being printed further out, or nesting is too deep. */
static bool enter(Printer *p, const void *c, const char *marker)
{
    bool cycle = p->depth >= FORMAT_MAX_DEPTH;
    for (int i = 0; i < p->depth && !cycle; i++)
        cycle = p->path[i] == c;
    if (cycle) {
        buf_adds(p->b, marker);
        return false;
    }
    p->path[p->depth++] = c;
    return true;
}

static void print_value(Printer *p, Value v, int verb, const ObjType *ty);
static bool stringish(int verb);

/* Is the value being printed the operand itself, not inside anything? */
static bool at_top(const Printer *p)
{
    return p->depth == p->top;
}

/* A leaf value (a number, a string...) for verb, through Printf's printer
 * when there is one. */
static void print_leaf(Printer *p, Value v, int verb)
{
    if (p->leaf)
        p->leaf(p, v, verb);
    else
        format_leaf(p, v);
}

/* ---- Error() and String() ----------------------------------------------- */

/* The method `name` of a script's type, V_UNDEF if it has none. */
static Value type_method(const ObjType *ty, const char *name, bool *ptr_recv)
{
    /* types_method: also a generic type's instance's (Stack[int]) */
    return types_method(ty, str_cstr(name), ptr_recv);
}

/* Method promotion is searched this deep and this wide at most (Go's
 * selectors allow any depth; real types embed a few levels). */
#define PROMOTE_MAX_DEPTH 8
#define PROMOTE_MAX_WIDTH 32

/* A value whose methods are searched, and a pointer to it when its
 * address can be taken (it was reached through a pointer), else V_UNDEF:
 * only then are its pointer-receiver methods in the method set. */
typedef struct Holder {
    Value obj;
    Value ptr;
} Holder;

static int error_message(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t;
    (void)nargs;
    rets[0] = v_from_ptr(((ObjError *)v_ptr(args[0]))->msg);
    return 1;
}

/* An error value's Error method as a function of its receiver, made once
 * (racing threads may each make one: any will do). */
static Value error_method(void)
{
    static ObjNative *cache;
    ObjNative *m = __atomic_load_n(&cache, __ATOMIC_ACQUIRE);
    if (!m) {
        m = native_new("error.Error", error_message, 1, 1);
        m->h.flags = NATIVE_METHOD;
        __atomic_store_n(&cache, m, __ATOMIC_RELEASE);
    }
    return v_from_ptr(m);
}

/* method_of's search, breadth first from top through embedded fields;
 * out of line, as most printed values have no type to search. */
static __attribute__((noinline)) bool search_methods(Holder top, const char *name, Value *fn, Value *recv)
{
    Holder level[PROMOTE_MAX_WIDTH], next[PROMOTE_MAX_WIDTH];
    const ObjType *ty;
    int n = 0;
    level[n++] = top;
    for (int depth = 0; n > 0 && depth < PROMOTE_MAX_DEPTH; depth++) {
        int found = 0, nn = 0;
        for (int i = 0; i < n; i++) {
            const Holder *h = &level[i];
            ty = format_value_type(h->obj);
            if (!ty) {
                /* an error value in an embedded error interface */
                if (v_is_obj(h->obj, OBJ_ERROR) && strcmp(name, "Error") == 0 && found++ == 0) {
                    *fn = error_method();
                    *recv = h->obj;
                }
                /* a module's object in an embedded interface (io.Reader
                 * holding an *os.File): its class's method */
                ObjNative *m = depth > 0 && v_is_obj(h->obj, OBJ_OBJECT)
                                   ? class_method(((ObjObject *)v_ptr(h->obj))->cls, str_cstr(name))
                                   : NULL;
                if (m && found++ == 0) {
                    *fn = v_from_ptr(m);
                    *recv = h->obj;
                }
                continue;
            }
            bool ptr_recv = false;
            Value m = ty->nmethods || ty->generic ? type_method(ty, name, &ptr_recv) : V_UNDEF;
            if (m != V_UNDEF) {
                if (ptr_recv && h->ptr == V_UNDEF)
                    continue; /* not in the method set of a value */
                if (found++ == 0) {
                    *fn = m;
                    *recv = ptr_recv ? h->ptr : v_copy(h->obj);
                }
                continue;
            }
            if (!v_is_obj(h->obj, OBJ_STRUCT))
                continue;
            const ObjStruct *s = v_ptr(h->obj);
            for (int j = 0; j < ty->nfields && nn < PROMOTE_MAX_WIDTH; j++) {
                if (!ty->fields[j].embedded)
                    continue;
                Value fv = SHARED_LOAD(s->f[j]);
                if (v_is_ref(fv) && ((Obj *)v_ref_target(fv))->kind == OBJ_STRUCT)
                    next[nn++] = (Holder){v_from_ptr(v_ref_target(fv)), fv};
                else if (v_is_obj(fv, OBJ_STRUCT))
                    next[nn++] = (Holder){fv, h->ptr == V_UNDEF ? V_UNDEF : v_ref(v_ptr(fv))};
                else if (fv != V_NIL && ty->fields[j].type->kind == TYPE_INTERFACE &&
                         types_iface_has(ty->fields[j].type, str_cstr(name)))
                    /* an embedded interface's method: its value's */
                    next[nn++] = (Holder){v_is_ref(fv) ? deref(fv) : fv, v_is_ref(fv) ? fv : V_UNDEF};
            }
        }
        if (found)
            return found == 1;
        memcpy(level, next, (size_t)nn * sizeof *next);
        n = nn;
    }
    return false;
}

/* The method `name` in v's method set and the receiver to call it with,
 * as Go's method sets say: a value of type T has T's value-receiver
 * methods, called on a copy of it; a *T has them all; and a struct has
 * the methods promoted from its embedded fields (breadth first: the
 * shallowest wins, two at one depth are ambiguous, so neither is used).
 * Any value that records a named type has methods: a struct, an array, a
 * typed slice or map. */
static bool method_of(Value v, const char *name, Value *fn, Value *recv)
{
    if (iface_is_box(v)) {
        /* a nil *T in an interface: *T's method, with the nil receiver;
         * the nil of a declared chan type: its type's */
        const ObjType *bt = ((ObjNamed *)v_ptr(v))->type;
        *fn = bt->kind == TYPE_POINTER || bt->named ? types_method(bt, str_cstr(name), NULL) : V_UNDEF;
        *recv = V_NIL;
        return *fn != V_UNDEF;
    }
    Holder top = {v_is_ref(v) ? deref(v) : v, v_is_ref(v) ? v : V_UNDEF};
    const ObjType *ty = format_value_type(top.obj);
    if (!ty || (ty->nmethods == 0 && ty->kind != TYPE_STRUCT))
        return false;
    return search_methods(top, name, fn, recv);
}

/* Take the panic that a method's call left on t off its chain, so that
 * the panic `before` (one whose deferred call is printing, or none) is in
 * flight again, with the Thread's summary fields as vm.c keeps them. */
static void drop_panic(Thread *t, Panic *before)
{
    if (!before || before->recovered) {
        /* Not panicking before the call: undo the count of panicking
         * goroutines that the method's panic added. */
        vm_clear_panic(t);
        if (!before)
            return;
    }
    /* Panicking before (or recovered): that state is back unchanged. */
    t->panic = before;
    t->recovered = before->recovered;
    t->panic_val = before->val;
    t->panic_trace = before->trace;
}

static bool is_stack_overflow(Value v)
{
    return v_is_obj(v, OBJ_ERROR) &&
           strcmp(((ObjError *)v_ptr(v))->msg->data, err_formats[E_STACK_OVERFLOW]) == 0;
}

typedef enum { CALL_OK, CALL_PANICKED, CALL_FAILED } CallResult;

/* fn(recv): its result in *out; or the value it panicked with, caught as
 * Go's fmt catches it (catchPanic); or CALL_FAILED, when the panic must go
 * on: a stack overflow, which is what a String() that prints its own
 * receiver with %v ends in (Go's goroutine stack overflows), and which must
 * reach the script rather than print ever deeper PANIC= texts. */
static CallResult call_method(Printer *p, Value fn, Value recv, Value *out)
{
    Thread *t = p->t;
    Panic *before = t->panic;
    int n = vm_call(t, fn, &recv, 1);
    if (n >= 0) {
        *out = n > 0 ? t->rets[0] : V_NIL;
        return CALL_OK;
    }
    Value pv = t->panic_val;
    if (t->panic == before || is_stack_overflow(pv)) {
        p->failed = true;
        return CALL_FAILED;
    }
    drop_panic(t, before);
    *out = pv;
    return CALL_PANICKED;
}

/* Go's catchPanic text: %!v(PANIC=String method: boom). The panic value
 * prints as plain %v, calling no method, whatever the flags. */
static void print_method_panic(Printer *p, int verb, const char *method, Value pv)
{
    char tmp[4];
    buf_adds(p->b, "%!");
    buf_add(p->b, tmp, (size_t)utf8_encode(tmp, verb));
    buf_printf(p->b, "(PANIC=%s method: ", method);
    format_value(p->b, pv);
    buf_addc(p->b, ')');
}

/* Go's handleMethods: print v through its GoString() (%#v), Error() or
 * String() method (%v %s %x %X %q) if it has one. True when v is printed
 * (or the printing failed). */
static bool handle_methods(Printer *p, Value v, int verb)
{
    if (!p->t || p->failed || p->no_methods || !(v_is_ptr(v) || v_is_ref(v)))
        return false; /* numbers and bools have no methods */
    const char *which;
    Value fn, recv;
    if (p->sharp_v) {
        which = "GoString";
        if (!method_of(v, which, &fn, &recv))
            return false;
    } else {
        if (!stringish(verb))
            return false;
        if (v_is_obj(v, OBJ_OBJECT)) {
            ObjString *s;
            if (format_stringer(p, v, &s))
                print_leaf(p, v_from_ptr(s), verb);
            return p->failed || s != NULL;
        }
        which = "Error";
        if (!method_of(v, which, &fn, &recv)) {
            which = "String";
            if (!method_of(v, which, &fn, &recv))
                return false;
        }
    }
    Value out;
    switch (call_method(p, fn, recv, &out)) {
    case CALL_FAILED:
        return true;
    case CALL_PANICKED:
        if (iface_is_box(v)) /* Go's catchPanic: a nil receiver prints <nil> */
            buf_adds(p->b, "<nil>");
        else
            print_method_panic(p, verb, which, out);
        return true;
    case CALL_OK:
        break;
    }
    bool saved = p->no_methods;
    p->no_methods = true; /* a method that returns no string: its result as it is */
    if (p->sharp_v && v_is_str(out))
        buf_add(p->b, v_str(out)->data, v_str(out)->len);
    else if (v_is_str(out))
        print_leaf(p, out, verb);
    else
        print_value(p, out, verb, NULL);
    p->no_methods = saved;
    return true;
}

bool format_stringer(Printer *p, Value v, ObjString **out)
{
    static ObjString *string_name; /* "String", made on first use */
    *out = NULL;
    if (!p->t || p->failed || p->sharp_v || !v_is_obj(v, OBJ_OBJECT))
        return false;
    ObjString *name = __atomic_load_n(&string_name, __ATOMIC_ACQUIRE);
    if (!name) {
        /* Racing first uses each store an equal string: harmless. */
        name = str_cstr("String");
        __atomic_store_n(&string_name, name, __ATOMIC_RELEASE);
    }
    ObjNative *m = class_method(((ObjObject *)v_ptr(v))->cls, name);
    if (!m)
        return false;
    Value self = v;
    Value rets[NATIVE_MAX_RETS];
    int n = m->fn(p->t, &self, 1, rets);
    if (n < 0) {
        p->failed = true; /* the panic stays recorded in t */
        return false;
    }
    if (n < 1 || !v_is_str(rets[0]))
        return false;
    *out = v_str(rets[0]);
    return true;
}

/* ---- composites ------------------------------------------------------------ */

/* The text of each composite's parts, as %v and as %#v. */
static const char *sep(const Printer *p)
{
    return p->sharp_v ? ", " : " ";
}

/* Go prints a byte slice or array as text for %s %q %x %X. */
static bool is_bytes(const ObjType *elem, int verb)
{
    return elem && elem->kind == TYPE_INT && elem->bits == 8 && elem->is_unsigned && !elem->named &&
           (verb == 's' || verb == 'q' || verb == 'x' || verb == 'X');
}

/* items[0..n), re-reading through get so that a racing writer can only
 * make it stop early (see print_list). */
typedef bool GetItem(const void *c, size_t i, Value *out);

static bool get_list_item(const void *c, size_t i, Value *out)
{
    return list_get((ObjList *)c, (int64_t)i, out);
}

static bool get_array_item(const void *c, size_t i, Value *out)
{
    const ObjArray *a = c;
    if (i >= a->st.cap)
        return false;
    *out = a->st.items[i];
    return true;
}

/* [1 2 3], or T{1, 2, 3} for %#v (tname: Go's name of the type). */
static void print_items(Printer *p, const void *c, GetItem *get, const ObjType *elem, const char *tname,
                        int verb)
{
    if (is_bytes(elem, verb)) {
        Buf bytes;
        buf_init(&bytes);
        Value e;
        for (size_t i = 0; get(c, i, &e); i++)
            buf_addc(&bytes, (char)(v_is_anyint(e) ? v_anyint(e) : 0));
        print_leaf(p, v_from_ptr(buf_to_str(&bytes)), verb);
        return;
    }
    if (p->sharp_v) {
        buf_adds(p->b, tname);
        buf_addc(p->b, '{');
    } else {
        buf_addc(p->b, '[');
    }
    Value e;
    for (size_t i = 0; get(c, i, &e); i++) {
        if (i > 0)
            buf_adds(p->b, sep(p));
        print_value(p, e, verb, elem);
    }
    buf_addc(p->b, p->sharp_v ? '}' : ']');
}

/* Go's name of a value's type for %#v, as a C string in b's memory. */
static const char *sharp_name(Buf *b, const ObjType *ty, const char *untyped)
{
    buf_init(b);
    if (ty)
        format_type(b, ty);
    else
        buf_adds(b, untyped);
    return b->data;
}

/* A slice: its own type if it records one, else the type of the place it
 * is in (a field's), else []interface {}. */
static void print_list(Printer *p, ObjList *l, int verb, const ObjType *ty)
{
    const ObjType *own = list_go_type(l);
    if (own || !ty || ty->kind != TYPE_SLICE)
        ty = own;
    Buf name;
    const char *tname = p->sharp_v ? sharp_name(&name, ty, "[]interface {}") : NULL;
    if (p->sharp_v && list_nil_header(l)) {
        buf_adds(p->b, tname);
        buf_adds(p->b, "(nil)");
        return;
    }
    if (!enter(p, l, "[...]"))
        return;
    /* Re-read the storage every step: printing may race with a writer,
     * and list_get bounds-checks against the storage it loads. */
    print_items(p, l, get_list_item, ty ? ty->elem : NULL, tname, verb);
    p->depth--;
}

static void print_array(Printer *p, ObjArray *a, int verb)
{
    if (!enter(p, a, "[...]"))
        return;
    Buf name;
    const char *tname = p->sharp_v ? sharp_name(&name, a->type, "[0]interface {}") : NULL;
    print_items(p, a, get_array_item, a->type ? a->type->elem : NULL, tname, verb);
    p->depth--;
}

/* A field's name as Go prints it: an embedded field (sync.Mutex, *Point)
 * is named by its type's name without the package (Mutex, Point). */
static const char *field_name(const StructField *f)
{
    const char *n = f->name ? f->name : "";
    if (f->embedded) {
        const char *dot = strrchr(n, '.');
        if (dot)
            n = dot + 1;
        while (*n == '*')
            n++;
    }
    return n;
}

/* Go's fmt reaches no method through an unexported field (reflect's
 * CanInterface is false there), and neither does csp's. */
static bool exported(const char *name)
{
    return name[0] >= 'A' && name[0] <= 'Z';
}

/* {1 2}, {X:1 Y:2} for %+v, main.Point{X:1, Y:2} for %#v. */
static void print_struct(Printer *p, ObjStruct *s, int verb)
{
    const ObjType *ty = s->type;
    if (p->sharp_v) {
        if (ty)
            format_type(p->b, ty);
        else
            buf_adds(p->b, "struct {}");
    }
    if (!enter(p, s, "{...}"))
        return;
    buf_addc(p->b, '{');
    int n = ty ? ty->nfields : 0;
    for (int i = 0; i < n; i++) {
        const StructField *f = &ty->fields[i];
        const char *name = field_name(f);
        if (i > 0)
            buf_adds(p->b, sep(p));
        if ((p->plus_v || p->sharp_v) && name[0]) {
            buf_adds(p->b, name);
            buf_addc(p->b, ':');
        }
        bool saved = p->no_methods;
        if (!exported(name))
            p->no_methods = true;
        print_value(p, SHARED_LOAD(s->f[i]), verb, f->type);
        p->no_methods = saved;
    }
    buf_addc(p->b, '}');
    p->depth--;
}

/* ---- maps ---------------------------------------------------------------- */

/* A map entry to print, and where it stood in insertion order. */
typedef struct SortEntry {
    Value key, val;
    size_t pos;
} SortEntry;

/* The rank of a key's kind in Go's order of mixed keys (fmtsort orders a
 * map[any]any's keys by type first: nil, bool, float64, int, string). csp
 * stores 2.0 as the key 2, so it cannot tell a float key from an int one;
 * ints and floats share one rank and compare by value, which is Go's order
 * for a map whose keys are all ints or all floats. */
enum { RANK_NIL, RANK_BOOL, RANK_NUMBER, RANK_STRING, RANK_OTHER };

static int key_rank(Value k)
{
    if (v_is_nil(k))
        return RANK_NIL;
    if (v_is_bool(k))
        return RANK_BOOL;
    if (v_is_anyint(k) || v_is_anyfloat(k))
        return RANK_NUMBER;
    if (v_is_str(k))
        return RANK_STRING;
    return RANK_OTHER;
}

/* -1, 0, 1 as i is below, equal to or above d (not NaN), exactly: no
 * rounding of i to a double. */
static int cmp_int_float(int64_t i, double d)
{
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double fl = floor(d);
    int64_t fi = (int64_t)fl;
    if (i != fi)
        return i < fi ? -1 : 1;
    return fl == d ? 0 : -1;
}

/* Go's fmtsort order of two numbers: NaN first, then by value. */
static int cmp_number(Value a, Value b)
{
    if (v_is_anyint(a) && v_is_anyint(b)) {
        int64_t x = v_anyint(a), y = v_anyint(b);
        return (x > y) - (x < y);
    }
    if (v_is_anyint(a) || v_is_anyint(b)) {
        bool a_int = v_is_anyint(a);
        double d = v_anyfloat(a_int ? b : a);
        if (isnan(d))
            return a_int ? 1 : -1;
        int c = cmp_int_float(v_anyint(a_int ? a : b), d);
        return a_int ? c : -c;
    }
    double x = v_anyfloat(a), y = v_anyfloat(b);
    if (isnan(x) || isnan(y))
        return isnan(y) - isnan(x);
    return (x > y) - (x < y);
}

static int cmp_other(Value a, Value b);

static int cmp_key(Value a, Value b)
{
    int ra = key_rank(a), rb = key_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (ra) {
    case RANK_BOOL:
        return (a == V_TRUE) - (b == V_TRUE);
    case RANK_NUMBER:
        return cmp_number(a, b);
    case RANK_STRING: {
        ObjString *x = v_str(a), *y = v_str(b);
        size_t n = x->len < y->len ? x->len : y->len;
        int c = memcmp(x->data, y->data, n);
        if (c)
            return c < 0 ? -1 : 1;
        return (x->len > y->len) - (x->len < y->len);
    }
    default:
        return cmp_other(a, b);
    }
}

/* Go's fmtsort for the other keys: structs field by field and arrays
 * element by element (of one type; keys are values, so this recursion
 * is as deep as the type's nesting), pointers and channels by address;
 * anything else keeps its insertion order. */
static int cmp_other(Value a, Value b)
{
    if (v_is_ref(a) && v_is_ref(b))
        return (a > b) - (a < b);
    if (!v_is_ptr(a) || !v_is_ptr(b) || v_obj(a)->kind != v_obj(b)->kind)
        return 0;
    switch (v_obj(a)->kind) {
    case OBJ_COMPLEX: {
        /* by real part, then imaginary part (each as a float, NaN first) */
        int c = cmp_number(v_make_float(v_complex(a)->re), v_make_float(v_complex(b)->re));
        return c ? c : cmp_number(v_make_float(v_complex(a)->im), v_make_float(v_complex(b)->im));
    }
    case OBJ_STRUCT: {
        const ObjStruct *x = v_ptr(a), *y = v_ptr(b);
        if (x->type != y->type || !x->type)
            return 0;
        for (int i = 0; i < x->type->nfields; i++) {
            int c = cmp_key(x->f[i], y->f[i]);
            if (c)
                return c;
        }
        return 0;
    }
    case OBJ_ARRAY: {
        const ObjArray *x = v_ptr(a), *y = v_ptr(b);
        for (size_t i = 0; i < x->st.cap && i < y->st.cap; i++) {
            int c = cmp_key(x->st.items[i], y->st.items[i]);
            if (c)
                return c;
        }
        return 0;
    }
    case OBJ_CHAN:
        return (a > b) - (a < b);
    default:
        return 0;
    }
}

/* Equal keys (NaNs) keep their insertion order, as Go's stable sort does. */
static int cmp_entry(const void *pa, const void *pb)
{
    const SortEntry *a = pa, *b = pb;
    int c = cmp_key(a->key, b->key);
    if (c)
        return c;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static void print_map(Printer *p, ObjMap *m, int verb, const ObjType *ty)
{
    const ObjType *own = map_type(m);
    if (own || !ty || ty->kind != TYPE_MAP)
        ty = own;
    if (p->sharp_v && map_is_nil(m)) { /* var m map[string]int */
        if (ty)
            format_type(p->b, ty);
        else
            buf_adds(p->b, "map[interface {}]interface {}");
        buf_adds(p->b, "(nil)");
        return;
    }
    if (!enter(p, m, "map[...]"))
        return;
    /* Snapshot the entries, then sort them by key as Go's fmt does. The
     * snapshot lives in collected memory, so the keys and values stay
     * alive even if a racing writer deletes them meanwhile; it grows as
     * needed, since a writer may also add entries while we copy. */
    size_t n = 0, cap = m->len ? m->len : 1;
    SortEntry *es = mem_alloc(mem_size(cap, sizeof *es, 0));
    size_t cursor = 0;
    Value k, val;
    while (map_next(m, &cursor, &k, &val)) {
        if (n == cap) {
            size_t ncap = mem_grow(cap, n + 1, 8, sizeof *es);
            SortEntry *bigger = mem_alloc(mem_size(ncap, sizeof *es, 0));
            memcpy(bigger, es, n * sizeof *es);
            es = bigger, cap = ncap;
        }
        es[n] = (SortEntry){k, val, n};
        n++;
    }
    qsort(es, n, sizeof *es, cmp_entry);
    if (p->sharp_v) {
        if (ty)
            format_type(p->b, ty);
        else
            buf_adds(p->b, "map[interface {}]interface {}");
        buf_addc(p->b, '{');
    } else {
        buf_adds(p->b, "map[");
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_adds(p->b, sep(p));
        print_value(p, es[i].key, verb, ty ? ty->key : NULL);
        buf_addc(p->b, ':');
        print_value(p, es[i].val, verb, ty ? ty->elem : NULL);
    }
    buf_addc(p->b, p->sharp_v ? '}' : ']');
    p->depth--;
}

/* nil in a place of type ty (NULL: an interface): [] for a slice, map[]
 * for a map, <nil> for the rest; %#v names the type, as Go does:
 * []string(nil), (*main.Point)(nil), interface {}(nil). The operand
 * itself, an untyped nil, is <nil> (Go's printArg). */
static void print_nil(Printer *p, const ObjType *ty)
{
    TypeKind k = ty ? ty->kind : TYPE_INTERFACE;
    if (!p->sharp_v) {
        buf_adds(p->b, k == TYPE_SLICE ? "[]" : k == TYPE_MAP ? "map[]" : "<nil>");
        return;
    }
    if (at_top(p) && !ty) {
        buf_adds(p->b, "<nil>");
        return;
    }
    bool parens = k == TYPE_POINTER || k == TYPE_FUNC || k == TYPE_CHAN;
    if (parens)
        buf_addc(p->b, '(');
    if (ty)
        format_type(p->b, ty);
    else
        buf_adds(p->b, "interface {}");
    buf_adds(p->b, parens ? ")(nil)" : "(nil)");
}

/* A pointer: as the operand itself, &{...} when it points to a struct or
 * array (or to a variable holding a slice or map); anywhere else, and to
 * anything else, its address, as Go's printValue. */
static void print_ref(Printer *p, Value v, int verb)
{
    if (at_top(p)) {
        Value held = deref(v);
        if (v_is_obj(held, OBJ_STRUCT) || v_is_obj(held, OBJ_ARRAY) || v_is_obj(held, OBJ_LIST) ||
            v_is_obj(held, OBJ_MAP)) {
            /* &{...}, and inside it Go's depth + 1: pointers print as
             * addresses. */
            buf_addc(p->b, '&');
            if (v_is_obj(held, OBJ_STRUCT))
                print_struct(p, v_ptr(held), verb);
            else if (v_is_obj(held, OBJ_ARRAY))
                print_array(p, v_ptr(held), verb);
            else if (enter(p, v_ref_target(v), "[...]")) {
                print_value(p, held, verb, NULL);
                p->depth--;
            }
            return;
        }
    }
    print_leaf(p, v, verb);
}

/* A number in a place of a sized type: %#v prints unsigned ints in hex
 * (0x1), and a float32 prints as float32 (Printer.float_bits), as Go's.
 * False: print it as usual. */
static bool print_typed_number(Printer *p, Value v, int verb, const ObjType *ty)
{
    if (p->sharp_v && ty->kind == TYPE_INT && ty->is_unsigned && v_is_anyint(v)) {
        buf_printf(p->b, "0x%llx", (unsigned long long)v_anyint(v));
        return true;
    }
    if (ty->kind == TYPE_FLOAT && ty->bits == 32 && v_is_anyfloat(v)) {
        int bits = p->float_bits;
        p->float_bits = 32;
        print_leaf(p, v, verb);
        p->float_bits = bits;
        return true;
    }
    return false;
}

/* The %v of a float being printed (format_float), as a float32 when it is
 * one: the double nearest float32's shortest digits prints as them. */
static void leaf_float(Printer *p, double d)
{
    if (p->float_bits == 32) {
        Buf digits;
        buf_init(&digits);
        format_ftoa(&digits, d, 'g', -1, 32);
        d = strtod(digits.data, NULL);
    }
    format_float(p->b, d);
}

static bool stringish(int verb)
{
    return verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' || verb == 'q';
}

/* An error whose Error() is not called (another verb, Go's erroring, an
 * unexported field): what Go prints for the pointer to a struct that
 * errors.New and fmt.Errorf make: &{boom} as the operand, its address
 * inside anything. A run-time error prints its message. */
static bool print_error_struct(Printer *p, const ObjError *e, int verb)
{
    if (e->runtime || p->sharp_v || (!p->no_methods && stringish(verb)))
        return false;
    if (!at_top(p)) {
        buf_printf(p->b, "0x%llx", (unsigned long long)(uintptr_t)e);
        return true;
    }
    buf_adds(p->b, "&{");
    print_leaf(p, v_from_ptr(e->msg), verb);
    if (e->wrapped != V_NIL) {
        /* fmt.wrapError{msg string; err error}: err is a pointer inside */
        Value w = e->wrapped;
        buf_printf(p->b, " 0x%llx",
                   (unsigned long long)(uintptr_t)(v_is_ref(w) ? v_ref_target(w) : v_ptr(w)));
    }
    buf_addc(p->b, '}');
    return true;
}

/* Go's printValue: v in a place of type ty (NULL: an interface, or
 * unknown). */
static void print_value(Printer *p, Value v, int verb, const ObjType *ty)
{
    if (v_is_nil(v)) {
        print_nil(p, ty);
        return;
    }
    if (handle_methods(p, v, verb))
        return;
    if (v_is_obj(v, OBJ_NAMED)) {
        /* A value of a named type with no method to print it: its
         * underlying value, as that type's (a uint8 in hex for %#v). */
        const ObjNamed *nv = v_ptr(v);
        TypeKind k = nv->type->kind;
        if (nv->v == V_NIL && (k == TYPE_POINTER || k == TYPE_CHAN || k == TYPE_FUNC) && verb &&
            strchr("bodxX", verb)) {
            /* a typed nil pointer's address as a number, as Go's */
            print_leaf(p, v_make_int(0), verb);
            return;
        }
        print_value(p, nv->v, verb, nv->type);
        return;
    }
    if (v_is_ref(v)) {
        print_ref(p, v, verb);
        return;
    }
    if (v_is_ptr(v)) {
        switch (v_obj(v)->kind) {
        case OBJ_LIST:
            print_list(p, v_list(v), verb, ty);
            return;
        case OBJ_MAP:
            print_map(p, v_map(v), verb, ty);
            return;
        case OBJ_STRUCT:
            print_struct(p, v_ptr(v), verb);
            return;
        case OBJ_ARRAY:
            print_array(p, v_ptr(v), verb);
            return;
        case OBJ_ERROR:
            if (print_error_struct(p, v_ptr(v), verb))
                return;
            break;
        default:
            break;
        }
    }
    if (ty && print_typed_number(p, v, verb, ty))
        return;
    print_leaf(p, v, verb);
}

void format_print(Printer *p, Value v, int verb)
{
    print_value(p, v, verb, NULL);
}

/* The address a pointer, function or channel prints as. */
static unsigned long long address_of(Value v)
{
    return (unsigned long long)(uintptr_t)(v_is_ref(v) ? v_ref_target(v) : v_ptr(v));
}

void format_leaf(Printer *p, Value v)
{
    Buf *b = p->b;
    if (v_is_anyint(v)) {
        char tmp[24];
        char *s = format_int_text(tmp + sizeof tmp, v);
        buf_add(b, s, (size_t)(tmp + sizeof tmp - s));
        return;
    }
    if (v_is_flonum(v)) {
        leaf_float(p, v_flonum(v));
        return;
    }
    if (v_is_bool(v)) {
        buf_adds(b, v == V_TRUE ? "true" : "false");
        return;
    }
    if (v_is_ref(v)) {
        if (p->sharp_v) {
            buf_addc(b, '(');
            format_type_of(b, v);
            buf_printf(b, ")(0x%llx)", address_of(v));
        } else {
            buf_printf(b, "0x%llx", address_of(v));
        }
        return;
    }
    if (!v_is_ptr(v)) {
        buf_adds(b, "<undefined>");
        return;
    }
    switch ((ObjKind)v_obj(v)->kind) {
    case OBJ_STRING:
        if (p->sharp_v)
            format_quote(b, v_str(v)->data, v_str(v)->len, false);
        else
            buf_add(b, v_str(v)->data, v_str(v)->len);
        return;
    case OBJ_BOXFLOAT:
        leaf_float(p, ((ObjBoxFloat *)v_ptr(v))->d);
        return;
    case OBJ_COMPLEX: {
        /* Go's (1+2i): the imaginary part always has its sign; a
         * complex64's parts print as float32s do */
        const ObjComplex *c = v_complex(v);
        int bits = (c->h.flags & COMPLEX_64) ? 32 : 64;
        buf_addc(b, '(');
        format_ftoa(b, c->re, 'g', -1, bits);
        size_t at = b->len;
        format_ftoa(b, c->im, 'g', -1, bits);
        if (b->data[at] != '+' && b->data[at] != '-') {
            buf_addc(b, ' ');
            memmove(b->data + at + 1, b->data + at, b->len - at - 1);
            b->data[at] = '+';
        }
        buf_adds(b, "i)");
        return;
    }
    case OBJ_ERROR: {
        const ObjError *e = v_ptr(v);
        if (!p->sharp_v) {
            buf_add(b, e->msg->data, e->msg->len);
        } else if (e->wrapped != V_NIL) {
            /* Go's &fmt.wrapError{msg:"...", err:(*errors.errorString)(0xc...)} */
            buf_adds(b, "&fmt.wrapError{msg:");
            format_quote(b, e->msg->data, e->msg->len, false);
            buf_adds(b, ", err:(");
            format_type_of(b, e->wrapped);
            buf_printf(b, ")(0x%llx)}", address_of(e->wrapped));
        } else {
            buf_adds(b, e->runtime ? "runtime.Error(" : "&errors.errorString{s:");
            format_quote(b, e->msg->data, e->msg->len, false);
            buf_addc(b, e->runtime ? ')' : '}');
        }
        return;
    }
    case OBJ_CLOSURE:
    case OBJ_NATIVE:
    case OBJ_BOUND:
    case OBJ_CHAN:
        /* The address, as Go prints a func or a chan. */
        if (p->sharp_v) {
            buf_addc(b, '(');
            format_type_of(b, v);
            buf_printf(b, ")(0x%llx)", address_of(v));
        } else {
            buf_printf(b, "0x%llx", address_of(v));
        }
        return;
    case OBJ_OBJECT:
        /* A native object's Go fields are not csp values: {} (String()
         * methods are format_print's). */
        if (p->sharp_v)
            buf_printf(b, "%s{}", v_type_name(v));
        else
            buf_adds(b, "{}");
        return;
    case OBJ_MODULE:
        buf_printf(b, "<module %s>", ((ObjModule *)v_ptr(v))->name);
        return;
    default:
        buf_printf(b, "<%s>", v_type_name(v));
        return;
    }
}

bool format_has_method(Value v, const char *name)
{
    Value fn, recv;
    return method_of(v, name, &fn, &recv);
}

bool format_method(Value v, const char *name, Value *fn, Value *recv)
{
    return method_of(v, name, fn, recv);
}

bool format_may_call(Value v)
{
    if (v_is_ref(v))
        return true;
    if (!v_is_ptr(v))
        return false;
    switch (v_obj(v)->kind) {
    case OBJ_OBJECT:
    case OBJ_STRUCT:
    case OBJ_ARRAY:
    case OBJ_LIST:
    case OBJ_MAP:
    case OBJ_NAMED: /* a declared type's value may have a String method */
        return true;
    default:
        return false;
    }
}

void format_value(Buf *b, Value v)
{
    Printer p;
    format_init(&p, b, NULL);
    format_print(&p, v, 'v');
}

ObjString *format_value_str(Value v)
{
    if (v_is_str(v))
        return v_str(v);
    if (v_is_anyint(v)) {
        char tmp[24];
        char *s = format_int_text(tmp + sizeof tmp, v);
        return str_new(s, (size_t)(tmp + sizeof tmp - s));
    }
    Buf b;
    buf_init(&b);
    format_value(&b, v);
    return buf_to_str(&b);
}

/* ====================================================================== */
/* Quoting (strconv)                                                      */
/* ====================================================================== */

static void add_hex(Buf *b, const char *prefix, uint32_t v, int ndigits)
{
    buf_adds(b, prefix);
    for (int s = (ndigits - 1) * 4; s >= 0; s -= 4)
        buf_addc(b, format_ldigits[(v >> s) & 0xF]);
}

/* strconv.appendEscapedRune */
static void escape_rune(Buf *b, int32_t r, char quote, bool ascii_only)
{
    if (r == quote || r == '\\') {
        buf_addc(b, '\\');
        buf_addc(b, (char)r);
        return;
    }
    if (ascii_only ? (r < 0x80 && unicode_is_print(r)) : unicode_is_print(r)) {
        char tmp[4];
        buf_add(b, tmp, (size_t)utf8_encode(tmp, r));
        return;
    }
    switch (r) {
    case '\a':
        buf_adds(b, "\\a");
        return;
    case '\b':
        buf_adds(b, "\\b");
        return;
    case '\f':
        buf_adds(b, "\\f");
        return;
    case '\n':
        buf_adds(b, "\\n");
        return;
    case '\r':
        buf_adds(b, "\\r");
        return;
    case '\t':
        buf_adds(b, "\\t");
        return;
    case '\v':
        buf_adds(b, "\\v");
        return;
    }
    if (r < ' ' || r == 0x7F)
        add_hex(b, "\\x", (uint32_t)r, 2);
    else if (!utf8_valid_rune(r))
        add_hex(b, "\\u", 0xFFFD, 4);
    else if (r < 0x10000)
        add_hex(b, "\\u", (uint32_t)r, 4);
    else
        add_hex(b, "\\U", (uint32_t)r, 8);
}

void format_quote(Buf *b, const char *s, size_t n, bool ascii_only)
{
    buf_reserve(b, n + 2);
    buf_addc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            buf_addc(b, (char)c); /* the common case, without decoding */
            i++;
            continue;
        }
        int32_t r;
        int w = utf8_decode(s + i, n - i, &r);
        if (w == 1 && r == UTF8_ERROR) {
            add_hex(b, "\\x", c, 2);
            i++;
            continue;
        }
        escape_rune(b, r, '"', ascii_only);
        i += (size_t)w;
    }
    buf_addc(b, '"');
}

void format_quote_rune(Buf *b, int64_t r, bool ascii_only)
{
    if (!utf8_valid_rune(r))
        r = UTF8_ERROR;
    buf_addc(b, '\'');
    escape_rune(b, (int32_t)r, '\'', ascii_only);
    buf_addc(b, '\'');
}

bool format_can_backquote(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int32_t r;
        int w = utf8_decode(s + i, n - i, &r);
        i += (size_t)w;
        if (w > 1) {
            if (r == 0xFEFF)
                return false;
            continue;
        }
        if (r == UTF8_ERROR)
            return false;
        if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F)
            return false;
    }
    return true;
}

/* ====================================================================== */
/* Numbers (strconv)                                                      */
/* ====================================================================== */

/* Decimal text of i, written backwards ending at end; returns its start.
 * str(i) is hot (map keys built from ints), so this skips printf. */
char *format_utoa(char *end, uint64_t u)
{
    char *p = end;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return p;
}

char *format_int_text(char *end, Value v)
{
    return v_is_bigu(v) ? format_utoa(end, (uint64_t)v_anyint(v)) : format_itoa(end, v_anyint(v));
}

char *format_itoa(char *end, int64_t i)
{
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    char *p = end;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0)
        *--p = '-';
    return p;
}

/* Decimal digits of |v|: d[0..nd) with the decimal point after dp of them
 * (Go's decimalSlice); no trailing zeros; zero has nd = dp = 0. */
typedef struct Digits {
    char *d;
    int nd, dp;
} Digits;

/* Parse C's "%.*e" text ("1.2345e+06") of a non-negative finite number. */
static void digits_from_e(const char *s, Digits *dg)
{
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            dg->d[nd++] = *s;
    int exp = *s ? atoi(s + 1) : 0;
    while (nd > 0 && dg->d[nd - 1] == '0')
        nd--;
    dg->nd = nd;
    dg->dp = nd ? exp + 1 : 0;
}

static bool round_trips(const char *s, double a, bool bits32)
{
    return bits32 ? strtof(s, NULL) == (float)a : strtod(s, NULL) == a;
}

/* The decimal one unit above or below (dir) the last digit of C's "%.*e"
 * text s, as "<digits>e<exp>" in out; false if it would lose a digit. */
static bool neighbour(const char *s, int dir, char *out, size_t size)
{
    uint64_t mant = 0;
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            mant = mant * 10 + (uint64_t)(*s - '0'), nd++;
    int exp = atoi(s + 1) - (nd - 1);
    if (dir < 0 && mant <= 1)
        return false;
    snprintf(out, size, "%llue%d", (unsigned long long)(mant + (uint64_t)(int64_t)dir), exp);
    return true;
}

/* The digits of a double, shortest first: a normal double's rounding
 * interval (one ulp wide) is narrower than the spacing of 15-digit
 * decimals, so at most one decimal of 15 or fewer digits reads back as it;
 * a normal float's is narrower than the spacing of 6-digit decimals.
 * Denormals have fewer bits, so for them every length is searched. */
#define SHORT_BASE_P64 14 /* "%.14e": 15 significant digits */
#define SHORT_BASE_P32 5

/* Is there a decimal of p+1 significant digits that reads back as a? If
 * so, the closest such is left in out as "%.*e" text. That is the
 * correctly rounded one if it reads back, else its neighbour on the other
 * side of a, or none. */
static bool shortest_at(double a, bool bits32, int p, char *out, size_t size)
{
    snprintf(out, size, "%.*e", p, a);
    if (round_trips(out, a, bits32))
        return true;
    char alt[48];
    int dir = strtod(out, NULL) < a ? 1 : -1;
    if (!neighbour(out, dir, alt, sizeof alt) || !round_trips(alt, a, bits32))
        return false;
    /* Re-render alt ("<digits>e<exp>") in %e form for digits_from_e. */
    char *e = strchr(alt, 'e');
    int nd = (int)(e - alt);
    int exp = atoi(e + 1) + nd - 1;
    snprintf(out, size, "%c%s%.*se%+d", alt[0], nd > 1 ? "." : "", nd - 1, alt + 1, exp);
    return true;
}

/* Shortest digits that read back as a (as a float when bits32), Go's
 * choice: the shortest and, of those, the closest to a. Up to the base
 * length the candidate is unique (above), so if one of that length reads
 * back, its trailing zeros stripped give the shortest; beyond it, each
 * length is tried in turn, and 17 (9) digits always read back. */
static void digits_shortest(double a, bool bits32, Digits *dg)
{
    char tmp[48];
    if (a == 0) {
        dg->nd = dg->dp = 0;
        return;
    }
    int p = bits32 ? SHORT_BASE_P32 : SHORT_BASE_P64;
    if (bits32 ? (float)a < FLT_MIN : a < DBL_MIN)
        p = 0;
    int maxp = bits32 ? 8 : 16;
    while (p < maxp && !shortest_at(a, bits32, p, tmp, sizeof tmp))
        p++;
    if (p == maxp)
        snprintf(tmp, sizeof tmp, "%.*e", p, a);
    digits_from_e(tmp, dg);
}

/* strconv's fmtE: d.ddddde±dd with prec digits after the point. */
static void layout_e(Buf *b, bool neg, const Digits *dg, int prec, char fmtc)
{
    if (neg)
        buf_addc(b, '-');
    buf_addc(b, dg->nd ? dg->d[0] : '0');
    if (prec > 0) {
        buf_addc(b, '.');
        int i = 1;
        int m = dg->nd < prec + 1 ? dg->nd : prec + 1;
        if (i < m) {
            buf_add(b, dg->d + i, (size_t)(m - i));
            i = m;
        }
        for (; i <= prec; i++)
            buf_addc(b, '0');
    }
    buf_addc(b, fmtc);
    int exp = dg->nd ? dg->dp - 1 : 0;
    buf_addc(b, exp < 0 ? '-' : '+');
    if (exp < 0)
        exp = -exp;
    if (exp < 10)
        buf_printf(b, "0%d", exp);
    else
        buf_printf(b, "%d", exp);
}

/* strconv's fmtF: ddd.ddd with prec digits after the point. */
static void layout_f(Buf *b, bool neg, const Digits *dg, int prec)
{
    if (neg)
        buf_addc(b, '-');
    if (dg->dp > 0) {
        int m = dg->nd < dg->dp ? dg->nd : dg->dp;
        buf_add(b, dg->d, (size_t)m);
        for (; m < dg->dp; m++)
            buf_addc(b, '0');
    } else {
        buf_addc(b, '0');
    }
    if (prec > 0) {
        buf_addc(b, '.');
        buf_reserve(b, (size_t)prec);
        for (int i = 0; i < prec; i++) {
            int j = dg->dp + i;
            buf_addc(b, j >= 0 && j < dg->nd ? dg->d[j] : '0');
        }
    }
}

/* strconv's formatDigits for %e %f %g once the digits are known. */
static void layout_digits(Buf *b, bool shortest, bool neg, const Digits *dg, int prec, int fmtc)
{
    switch (fmtc) {
    case 'e':
    case 'E':
        layout_e(b, neg, dg, prec, (char)fmtc);
        return;
    case 'f':
        layout_f(b, neg, dg, prec);
        return;
    case 'g':
    case 'G': {
        int eprec = prec;
        if (eprec > dg->nd && dg->nd >= dg->dp)
            eprec = dg->nd;
        /* %e is used if the exponent from the conversion is less than -4
         * or greater than or equal to the precision; for the shortest
         * form, Go decides with precision 6 (so 1e+06 but 100000). */
        if (shortest)
            eprec = 6;
        int exp = dg->dp - 1;
        if (exp < -4 || exp >= eprec) {
            if (prec > dg->nd)
                prec = dg->nd;
            layout_e(b, neg, dg, prec - 1, (char)(fmtc + 'e' - 'g'));
            return;
        }
        if (prec > dg->dp)
            prec = dg->nd;
        layout_f(b, neg, dg, prec - dg->dp > 0 ? prec - dg->dp : 0);
        return;
    }
    }
    buf_addc(b, '%');
    buf_addc(b, (char)fmtc);
}

/* strconv's fmtB: mantissa "p" exponent, both decimal. */
static void layout_b(Buf *b, bool neg, uint64_t mant, int exp, int mantbits)
{
    buf_printf(b, "%s%llup%s%d", neg ? "-" : "", (unsigned long long)mant, exp - mantbits >= 0 ? "+" : "",
               exp - mantbits);
}

/* strconv's fmtX: hexadecimal mantissa and binary exponent, %x / %X. */
static void layout_x(Buf *b, int prec, int fmtc, bool neg, uint64_t mant, int exp, int mantbits)
{
    if (mant == 0)
        exp = 0;
    /* Shift digits so leading 1 (if any) is at bit 1<<60. */
    mant <<= 60 - mantbits;
    while (mant != 0 && (mant & (1ULL << 60)) == 0) {
        mant <<= 1;
        exp--;
    }
    /* Round if requested. */
    if (prec >= 0 && prec < 15) {
        unsigned shift = (unsigned)prec * 4;
        uint64_t extra = (mant << shift) & ((1ULL << 60) - 1);
        mant >>= 60 - shift;
        if ((extra | (mant & 1)) > (1ULL << 59))
            mant++;
        mant <<= 60 - shift;
        if (mant & (1ULL << 61)) {
            /* Wrapped around. */
            mant >>= 1;
            exp++;
        }
    }
    const char *hex = fmtc == 'X' ? format_udigits : format_ldigits;
    if (neg)
        buf_addc(b, '-');
    buf_addc(b, '0');
    buf_addc(b, (char)fmtc);
    buf_addc(b, (char)('0' + ((mant >> 60) & 1)));
    mant <<= 4; /* remove leading 0 or 1 */
    if (prec < 0 && mant != 0) {
        buf_addc(b, '.');
        while (mant != 0) {
            buf_addc(b, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    } else if (prec > 0) {
        buf_addc(b, '.');
        for (int i = 0; i < prec; i++) {
            buf_addc(b, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    }
    buf_addc(b, fmtc == 'X' ? 'P' : 'p');
    buf_addc(b, exp < 0 ? '-' : '+');
    if (exp < 0)
        exp = -exp;
    buf_printf(b, "%02d", exp);
}

void format_ftoa(Buf *b, double v, int fmtc, int prec, int bitsize)
{
    int mantbits = 52, expbits = 11, bias = -1023;
    uint64_t bits;
    if (bitsize == 32) {
        float f = (float)v;
        uint32_t b32;
        memcpy(&b32, &f, sizeof b32);
        bits = b32;
        mantbits = 23, expbits = 8, bias = -127;
        v = (double)f;
    } else {
        memcpy(&bits, &v, sizeof bits);
    }
    bool neg = (bits >> (expbits + mantbits)) != 0;
    int exp = (int)(bits >> mantbits) & ((1 << expbits) - 1);
    uint64_t mant = bits & ((1ULL << mantbits) - 1);
    if (exp == (1 << expbits) - 1) {
        buf_adds(b, mant ? "NaN" : neg ? "-Inf" : "+Inf");
        return;
    }
    if (exp == 0)
        exp++; /* denormal */
    else
        mant |= 1ULL << mantbits;
    exp += bias;
    if (fmtc == 'b') {
        layout_b(b, neg, mant, exp, mantbits);
        return;
    }
    if (fmtc == 'x' || fmtc == 'X') {
        layout_x(b, prec, fmtc, neg, mant, exp, mantbits);
        return;
    }

    double a = fabs(v);
    char small[48];
    Digits dg = {small, 0, 0};
    if (prec < 0) {
        digits_shortest(a, bitsize == 32, &dg);
        switch (fmtc) {
        case 'e':
        case 'E':
            prec = dg.nd - 1 > 0 ? dg.nd - 1 : 0;
            break;
        case 'f':
            prec = dg.nd - dg.dp > 0 ? dg.nd - dg.dp : 0;
            break;
        case 'g':
        case 'G':
            prec = dg.nd;
            break;
        }
        layout_digits(b, true, neg, &dg, prec, fmtc);
        return;
    }
    if (prec > FORMAT_MAX_PREC)
        prec = FORMAT_MAX_PREC;
    int digits;
    switch (fmtc) {
    case 'f':
        /* C's %f is exact, like Go's; only the sign of zero needs care,
         * and C prints "-0.00" just as Go does. */
        buf_reserve(b, (size_t)prec + 330);
        b->len += (size_t)snprintf(b->data + b->len, (size_t)prec + 330, "%.*f", prec, v);
        return;
    case 'e':
    case 'E':
        digits = prec + 1;
        break;
    case 'g':
    case 'G':
        if (prec == 0)
            prec = 1;
        digits = prec;
        break;
    default:
        buf_addc(b, '%');
        buf_addc(b, (char)fmtc);
        return;
    }
    size_t need = (size_t)digits + 16;
    char *tmp = need <= sizeof small ? small : mem_alloc_atomic(need);
    snprintf(tmp, need, "%.*e", digits - 1, a);
    dg.d = tmp; /* digits_from_e compacts the text in place */
    digits_from_e(tmp, &dg);
    layout_digits(b, false, neg, &dg, prec, fmtc);
}

void format_float(Buf *b, double d)
{
    format_ftoa(b, d, 'g', -1, 64);
}
