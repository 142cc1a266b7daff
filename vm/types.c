/* types.c — type descriptors: parsing a type's text, zero values,
 * conversions, and the registry of module types. See types.h. */
#include "types.h"

#include <math.h>
#include <string.h>

#include "arith.h"
#include "buf.h"
#include "mem.h"
#include "utf8.h"
#include "vm.h"

/* ---- the registry of module types ------------------------------------- */

/* A few dozen module types at most; filled before any script runs. */
enum { MAX_MODULE_TYPES = 64 };
static struct {
    const char *name;
    TypeKind kind;
    Value ctor;
} registry[MAX_MODULE_TYPES];
static int nregistry;

void types_register(const char *qualified, TypeKind kind, Value ctor)
{
    int i = 0;
    while (i < nregistry && strcmp(registry[i].name, qualified) != 0)
        i++;
    if (i == nregistry) {
        if (nregistry == MAX_MODULE_TYPES)
            return; /* a start-up table too long: caught by the tests */
        nregistry++;
    }
    registry[i].name = qualified;
    registry[i].kind = kind;
    registry[i].ctor = ctor;
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
    case TYPE_STRING:
        t->zero = v_from_ptr(str_new("", 0));
        break;
    case TYPE_ARRAY:
    case TYPE_OBJECT:
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
    for (ObjType *t = root; t; t = t->elem)
        n += t->kind == TYPE_MAP;
    if (!n)
        return root;
    ObjType **maps = mem_alloc(n * sizeof *maps);
    size_t i = 0;
    for (ObjType *t = root; t; t = t->elem)
        if (t->kind == TYPE_MAP)
            maps[i++] = t;
    while (i > 0) {
        ObjType *m = maps[--i];
        m->zero = v_from_ptr(map_new_nil(types_elem_zero(m)));
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
static ObjType *parse(const char *s, size_t n, bool at_end, int keydepth)
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
            t->key = keydepth < MAX_KEY_DEPTH ? parse(s + 4, kn, false, keydepth + 1)
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
        } else if (starts(s, n, "interface")) {
            t = type_new(TYPE_INTERFACE, name);
        } else if (starts(s, n, "struct")) {
            t = type_new(TYPE_STRUCT, name);
        } else {
            t = type_new(TYPE_UNKNOWN, name);
            for (size_t i = 0; i < sizeof basic / sizeof basic[0]; i++) {
                if (is_word(s, n, basic[i].name)) {
                    t->kind = basic[i].kind;
                    t->bits = basic[i].bits;
                    t->is_unsigned = basic[i].is_unsigned;
                }
            }
            for (int i = 0; t->kind == TYPE_UNKNOWN && i < nregistry; i++) {
                if (is_word(s, n, registry[i].name)) {
                    t->kind = registry[i].kind;
                    t->bits = 64; /* time.Duration is an int64 */
                    t->ctor = registry[i].ctor;
                }
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
    if (!text)
        text = "", n = 0;
    return parse(str_new(text, n)->data, n, true, 0);
}

const char *types_undefined(const ObjType *t)
{
    for (; t; t = t->elem) {
        /* A plain name that is not predeclared (a type parameter, a
         * script's own type) is not checked yet: its zero is nil. A
         * qualified name must be a module's type. */
        if (t->kind == TYPE_UNKNOWN && strchr(t->name, '.'))
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
    ObjList *root = list_new((size_t)ty->len, (size_t)ty->len);
    ObjList *level = list_new(0, 1); /* the arrays of type a, to be filled */
    list_append(level, v_from_ptr(root));
    for (const ObjType *a = ty; a->kind == TYPE_ARRAY; a = a->elem) {
        const ObjType *e = a->elem;
        bool nested = e->kind == TYPE_ARRAY && e->len >= 0;
        if (nested && !mem_fits((size_t)e->len, sizeof(Value), 0))
            return vm_panicf(t, E_MAKE_LEN);
        ObjList *next = list_new(0, 0);
        for (size_t i = 0; i < level->len; i++) {
            Value lv, z = V_NIL;
            list_get(level, (int64_t)i, &lv);
            for (int64_t k = 0; k < a->len; k++) {
                if (nested) {
                    z = v_from_ptr(list_new((size_t)e->len, (size_t)e->len));
                    list_append(next, z);
                } else if (e->kind != TYPE_ARRAY && types_zero(t, e, &z) < 0) {
                    return -1;
                }
                list_set(v_list(lv), k, z);
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

int types_convert(Thread *t, const ObjType *ty, Value v, Value *out)
{
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
            *out = v_from_ptr(l);
            return 0;
        }
        if (v == V_NIL || v_is_obj(v, OBJ_LIST))
            return 0;
        break;
    case TYPE_ARRAY:
        if (v_is_obj(v, OBJ_LIST))
            return 0;
        break;
    case TYPE_MAP:
        if (v == V_NIL)
            *out = ty->zero; /* map[string]int(nil) reads zeros */
        if (v == V_NIL || v_is_obj(v, OBJ_MAP))
            return 0;
        break;
    case TYPE_CHAN:
        if (v == V_NIL || v_is_obj(v, OBJ_CHAN))
            return 0;
        break;
    case TYPE_FUNC:
        if (v == V_NIL || is_func(v))
            return 0;
        break;
    case TYPE_INT:
        if (v_is_anyint(v)) {
            *out = v_make_int(types_wrap_int(ty->bits, ty->is_unsigned, v_anyint(v)));
            return 0;
        }
        if (v_is_anyfloat(v)) {
            *out = v_make_int(types_float_to_int(v_anyfloat(v), ty->bits, ty->is_unsigned));
            return 0;
        }
        break;
    case TYPE_FLOAT:
        if (v_is_anyint(v) || v_is_anyfloat(v)) {
            double d = v_is_anyint(v) ? (double)v_anyint(v) : v_anyfloat(v);
            *out = v_make_float(ty->bits == 32 ? types_float32(d) : d);
            return 0;
        }
        break;
    case TYPE_STRING:
        if (v_is_str(v))
            return 0;
        break;
    case TYPE_BOOL:
        if (v == V_TRUE || v == V_FALSE)
            return 0;
        break;
    default:
        return 0; /* interfaces, pointers, structs, unknown names: as is */
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

/* ---- stores into typed places ----------------------------------------- */

const char *const types_store_places[STORE__COUNT] = {
#define X(name, text) text,
    STORE_PLACES(X)
#undef X
};

bool types_store_checks(const ObjType *ty)
{
    return ty && (ty->kind == TYPE_BOOL || ty->kind == TYPE_INT || ty->kind == TYPE_FLOAT ||
                  ty->kind == TYPE_STRING || (ty->kind == TYPE_MAP && v_is_obj(ty->zero, OBJ_MAP)));
}

/* A float as a float of ty's width: float32 keeps float32's precision. */
static Value fit_float(const ObjType *ty, double d)
{
    return v_make_float(ty->bits == 32 ? types_float32(d) : d);
}

/* Whether the int i is a value of the integer type ty. A uint64 or uint
 * takes every int: csp holds its top half as negative ints (and folds
 * 1<<63 to one), so no constant can be told to overflow it. */
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
            if (!int_fits(ty, v_anyint(v)))
                return FIT_OVERFLOWS;
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
            *out = fit_float(ty, v_is_anyint(v) ? (double)v_anyint(v) : v_anyfloat(v));
            return FIT_OK;
        }
        return FIT_KIND;
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

bool types_fit(const ObjType *ty, Value v, Value *out)
{
    *out = v;
    switch (ty && types_store_checks(ty) ? ty->kind : TYPE_UNKNOWN) {
    case TYPE_INT:
        if (!v_is_anyint(v))
            return false;
        if (ty->bits < 64)
            *out = v_make_int(types_wrap_int(ty->bits, ty->is_unsigned, v_anyint(v)));
        return true;
    case TYPE_FLOAT:
        if (ty->bits == 64 && v_is_anyfloat(v))
            return true; /* a boxed float (1e300, NaN) as it is */
        if (!v_is_anyint(v) && !v_is_anyfloat(v))
            return false;
        *out = fit_float(ty, v_is_anyint(v) ? (double)v_anyint(v) : v_anyfloat(v));
        return true;
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
}

int types_store_at(Thread *t, const ObjType *ty, Value v, Value *out, bool constant, const char *where)
{
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

int types_store(Thread *t, const ObjType *ty, Value v, Value *out)
{
    return types_store_at(t, ty, v, out, false, NULL);
}
