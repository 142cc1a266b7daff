/* atomic.c — the sync/atomic module: Go's functions on pointers
 * (atomic.AddInt64(&n, 1)) and its typed atomics (atomic.Int64, Int32,
 * Uint64, Uint32, Bool, Value).
 *
 * The functions on pointers work on the word a csp pointer leads to: &n
 * of an int variable is a pointer to an ObjCell (a captured local) or an
 * ObjSlot (a global, a struct field, a slice element), and ref_slot gives
 * the Value word itself. That word holds a tagged csp value (value.h), so
 * an operation reads it, computes the new tagged value (wrapped to the
 * type's width, as Go's fixed-size integers wrap) and installs it with one
 * compare-and-swap on that very word, retrying if another thread got there
 * first. Every other access to such a word in the VM is an atomic load or
 * store of the whole word, so a script that mixes atomic.Add with plain
 * reads sees whole values, and concurrent Adds never lose an update.
 * A variable of a declared integer type (`type Counter int64`) holds an
 * ObjNamed; the result keeps that type.
 *
 * The typed atomics are native objects whose payload is the raw integer
 * (or a Value for atomic.Value), operated on with the processor's atomic
 * instructions. Their zero value is ready to use (`var n atomic.Int64`, a
 * struct field of that type), as the module's constructors make them.
 * Every operation is sequentially consistent, as Go's are.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "../vm/mem.h"
#include "../vm/race.h"
#include "../vm/types.h"
#include "stdlib.h"

/* ---- functions on pointers --------------------------------------------- */

typedef enum { OP_LOAD, OP_STORE, OP_ADD, OP_SWAP, OP_CAS, OP_AND, OP_OR } AtomicOp;

/* The word p points to, or NULL after a panic. */
static Value *target(Thread *t, const char *fname, Value p)
{
    if (p == V_NIL)
        return vm_panicf(t, E_NIL_DEREF), NULL;
    Value *slot = v_is_ref(p) ? ref_slot(p) : NULL;
    if (!slot)
        return vm_panicf(t, E_ARG_TYPE, fname, 1, "a pointer to an integer", v_type_name(p)), NULL;
    return slot;
}

/* The integer i of a bits-wide type as a csp value, with the named type of
 * like (the value it replaces) when that has one. */
static Value int_value(int bits, bool uns, int64_t i, Value like)
{
    i = types_wrap_int(bits, uns, i);
    Value v = uns && bits == 64 ? v_make_uint((uint64_t)i) : v_make_int(i);
    if (v_is_obj(like, OBJ_NAMED))
        v = named_new(((ObjNamed *)v_ptr(like))->type, v);
    return v;
}

static bool int_arg(Thread *t, const char *fname, Value *a, int i, int64_t *out)
{
    Value v = v_unnamed(a[i]);
    if (v_is_anyint(v)) {
        *out = v_anyint(v);
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "an integer", v_type_name(a[i]));
    return false;
}

/* One operation of Go's function fname on the integer word a[0] points to,
 * for a bits-wide integer type. */
static int ptr_op_raw(Thread *t, const char *fname, AtomicOp op, int bits, bool uns, Value *a, Value *r,
                      Value *slot)
{
    int64_t x = 0, y = 0;
    if (op != OP_LOAD && !int_arg(t, fname, a, 1, &x))
        return -1;
    if (op == OP_CAS && !int_arg(t, fname, a, 2, &y))
        return -1;
    Value cur = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
    for (;;) {
        Value plain = v_unnamed(cur);
        if (!v_is_anyint(plain))
            return vm_panicf(t, E_ARG_TYPE, fname, 1, "a pointer to an integer",
                             str_printf("*%s", v_type_name(cur))->data);
        int64_t old = types_wrap_int(bits, uns, v_anyint(plain)), nv;
        switch (op) {
        case OP_LOAD:
            r[0] = int_value(bits, uns, old, V_NIL);
            return 1;
        case OP_CAS:
            if (types_wrap_int(bits, uns, x) != old) {
                r[0] = V_FALSE;
                return 1;
            }
            nv = y;
            break;
        case OP_ADD:
            nv = (int64_t)((uint64_t)old + (uint64_t)x);
            break;
        case OP_AND:
            nv = old & x;
            break;
        case OP_OR:
            nv = old | x;
            break;
        default: /* OP_STORE, OP_SWAP */
            nv = x;
            break;
        }
        Value next = int_value(bits, uns, nv, cur);
        if (__atomic_compare_exchange_n(slot, &cur, next, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            switch (op) {
            case OP_STORE:
                return 0;
            case OP_ADD:
                r[0] = int_value(bits, uns, nv, V_NIL);
                return 1;
            case OP_CAS:
                r[0] = V_TRUE;
                return 1;
            default: /* Swap, And, Or: the old value */
                r[0] = int_value(bits, uns, old, V_NIL);
                return 1;
            }
        }
    }
}

/* The race detector's order for an atomic operation (race.h): what the
 * goroutine did before it is published before the operation, and what
 * the others published before theirs is taken after it, so a load that
 * sees a store sees what came before the store. */
static int ptr_op(Thread *t, const char *fname, AtomicOp op, int bits, bool uns, Value *a, Value *r)
{
    Value *slot = target(t, fname, a[0]);
    if (!slot)
        return -1;
    if (!RACE_ON())
        return ptr_op_raw(t, fname, op, bits, uns, a, r, slot);
    race_atomic(t, slot);
    int rc = ptr_op_raw(t, fname, op, bits, uns, a, r, slot);
    race_atomic(t, slot);
    return rc;
}

/* One native per Go function: the name says the operation and the type. */
#define PTR_FN(goname, op, bits, uns)                                                                        \
    static int f_##goname(Thread *t, Value *a, int n, Value *r)                                              \
    {                                                                                                        \
        (void)n;                                                                                             \
        return ptr_op(t, "atomic." #goname, op, bits, uns, a, r);                                            \
    }
#define PTR_TYPES(X)                                                                                         \
    X(Int32, 32, false, "int32")                                                                             \
    X(Int64, 64, false, "int64")                                                                             \
    X(Uint32, 32, true, "uint32")                                                                            \
    X(Uint64, 64, true, "uint64")                                                                            \
    X(Uintptr, 64, true, "uintptr")
#define X(T, bits, uns, gt)                                                                                  \
    PTR_FN(Load##T, OP_LOAD, bits, uns)                                                                      \
    PTR_FN(Store##T, OP_STORE, bits, uns)                                                                    \
    PTR_FN(Add##T, OP_ADD, bits, uns)                                                                        \
    PTR_FN(Swap##T, OP_SWAP, bits, uns)                                                                      \
    PTR_FN(CompareAndSwap##T, OP_CAS, bits, uns)                                                             \
    PTR_FN(And##T, OP_AND, bits, uns)                                                                        \
    PTR_FN(Or##T, OP_OR, bits, uns)
PTR_TYPES(X)
#undef X

static const ModuleFn atomic_fns[] = {
#define X(T, bits, uns, gt)                                                                                  \
    {"Load" #T, f_Load##T, 1, 1, "func(*" gt ") " gt},                                                       \
        {"Store" #T, f_Store##T, 2, 2, "func(*" gt ", " gt ")"},                                             \
        {"Add" #T, f_Add##T, 2, 2, "func(*" gt ", " gt ") " gt},                                             \
        {"Swap" #T, f_Swap##T, 2, 2, "func(*" gt ", " gt ") " gt},                                           \
        {"CompareAndSwap" #T, f_CompareAndSwap##T, 3, 3, "func(*" gt ", " gt ", " gt ") bool"},              \
        {"And" #T, f_And##T, 2, 2, "func(*" gt ", " gt ") " gt},                                             \
        {"Or" #T, f_Or##T, 2, 2, "func(*" gt ", " gt ") " gt},
    PTR_TYPES(X)
#undef X
        {NULL, NULL, 0, 0, NULL},
};

/* ---- atomic.Int64, Int32, Uint64, Uint32, Bool ------------------------- */

/* A typed atomic's class, with the width and signedness of its integer
 * (Bool: a 32-bit 0 or 1). */
typedef struct IntClass {
    ObjClass cls;
    int bits;
    bool uns;
    bool is_bool;
} IntClass;

/* The payload: the integer, read and written only with atomic operations;
 * a 32-bit type uses w32, so the processor's own 32-bit add wraps it. */
typedef struct AtomicInt {
    uint64_t w64;
    uint32_t w32;
} AtomicInt;

static const IntClass *int_class(Value self)
{
    return (const IntClass *)((ObjObject *)v_ptr(self))->cls;
}

static AtomicInt *int_of(Value self)
{
    return ((ObjObject *)v_ptr(self))->payload;
}

/* The raw bits w as the class's Go value. */
static Value typed_value(const IntClass *c, uint64_t w)
{
    if (c->is_bool)
        return v_bool(w != 0);
    return int_value(c->bits, c->uns, (int64_t)w, V_NIL);
}

/* Argument i as the raw bits of the class's type. */
static bool typed_arg(Thread *t, const IntClass *c, const char *method, Value *a, int i, uint64_t *out)
{
    if (c->is_bool) {
        if (!v_is_bool(a[i]))
            return vm_panicf(t, E_ARG_TYPE, str_printf("%s.%s", c->cls.name, method)->data, i, "bool",
                             v_type_name(a[i])),
                   false;
        *out = a[i] == V_TRUE;
        return true;
    }
    Value v = v_unnamed(a[i]);
    if (!v_is_anyint(v)) {
        /* "atomic.Int64" -> "int64" */
        char want[16];
        snprintf(want, sizeof want, "%s", c->cls.name + 7);
        want[0] = (char)(want[0] - 'A' + 'a');
        return vm_panicf(t, E_ARG_TYPE, str_printf("%s.%s", c->cls.name, method)->data, i, want,
                         v_type_name(a[i])),
               false;
    }
    *out = (uint64_t)v_anyint(v);
    if (c->bits == 32)
        *out = (uint32_t)*out;
    return true;
}

static int ti_load(Thread *t, Value *a, int n, Value *r)
{
    const IntClass *c = int_class(a[0]);
    AtomicInt *x = int_of(a[0]);
    r[0] = typed_value(c, c->bits == 64 ? __atomic_load_n(&x->w64, __ATOMIC_SEQ_CST)
                                        : __atomic_load_n(&x->w32, __ATOMIC_SEQ_CST));
    return 1;
}

static int ti_store(Thread *t, Value *a, int n, Value *r)
{
    const IntClass *c = int_class(a[0]);
    AtomicInt *x = int_of(a[0]);
    uint64_t v;
    if (!typed_arg(t, c, "Store", a, 1, &v))
        return -1;
    if (c->bits == 64)
        __atomic_store_n(&x->w64, v, __ATOMIC_SEQ_CST);
    else
        __atomic_store_n(&x->w32, (uint32_t)v, __ATOMIC_SEQ_CST);
    return 0;
}

static int ti_swap(Thread *t, Value *a, int n, Value *r)
{
    const IntClass *c = int_class(a[0]);
    AtomicInt *x = int_of(a[0]);
    uint64_t v;
    if (!typed_arg(t, c, "Swap", a, 1, &v))
        return -1;
    r[0] = typed_value(c, c->bits == 64 ? __atomic_exchange_n(&x->w64, v, __ATOMIC_SEQ_CST)
                                        : __atomic_exchange_n(&x->w32, (uint32_t)v, __ATOMIC_SEQ_CST));
    return 1;
}

static int ti_cas(Thread *t, Value *a, int n, Value *r)
{
    const IntClass *c = int_class(a[0]);
    AtomicInt *x = int_of(a[0]);
    uint64_t old, nv;
    if (!typed_arg(t, c, "CompareAndSwap", a, 1, &old) || !typed_arg(t, c, "CompareAndSwap", a, 2, &nv))
        return -1;
    bool ok;
    if (c->bits == 64) {
        ok = __atomic_compare_exchange_n(&x->w64, &old, nv, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    } else {
        uint32_t o32 = (uint32_t)old;
        ok = __atomic_compare_exchange_n(&x->w32, &o32, (uint32_t)nv, false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST);
    }
    r[0] = v_bool(ok);
    return 1;
}

/* Add, And and Or: one read-modify-write on the word; Add returns the new
 * value, And and Or (Go 1.23) the old one. */
static int ti_rmw(Thread *t, Value *a, AtomicOp op, const char *method, Value *r)
{
    const IntClass *c = int_class(a[0]);
    AtomicInt *x = int_of(a[0]);
    uint64_t d, res;
    if (!typed_arg(t, c, method, a, 1, &d))
        return -1;
    if (c->bits == 64)
        res = op == OP_ADD   ? __atomic_add_fetch(&x->w64, d, __ATOMIC_SEQ_CST)
              : op == OP_AND ? __atomic_fetch_and(&x->w64, d, __ATOMIC_SEQ_CST)
                             : __atomic_fetch_or(&x->w64, d, __ATOMIC_SEQ_CST);
    else
        res = op == OP_ADD   ? __atomic_add_fetch(&x->w32, (uint32_t)d, __ATOMIC_SEQ_CST)
              : op == OP_AND ? __atomic_fetch_and(&x->w32, (uint32_t)d, __ATOMIC_SEQ_CST)
                             : __atomic_fetch_or(&x->w32, (uint32_t)d, __ATOMIC_SEQ_CST);
    r[0] = typed_value(c, res);
    return 1;
}

static int ti_add(Thread *t, Value *a, int n, Value *r)
{
    return ti_rmw(t, a, OP_ADD, "Add", r);
}

static int ti_and(Thread *t, Value *a, int n, Value *r)
{
    return ti_rmw(t, a, OP_AND, "And", r);
}

static int ti_or(Thread *t, Value *a, int n, Value *r)
{
    return ti_rmw(t, a, OP_OR, "Or", r);
}

/* The methods, with the race detector's order around them (race.h). */
RACE_ATOMIC_METHOD(ti_load, int_of(a[0]))
RACE_ATOMIC_METHOD(ti_store, int_of(a[0]))
RACE_ATOMIC_METHOD(ti_swap, int_of(a[0]))
RACE_ATOMIC_METHOD(ti_cas, int_of(a[0]))
RACE_ATOMIC_METHOD(ti_add, int_of(a[0]))
RACE_ATOMIC_METHOD(ti_and, int_of(a[0]))
RACE_ATOMIC_METHOD(ti_or, int_of(a[0]))

static const MethodDef int_methods[] = {{"Load", ti_load_r, 0, 0}, {"Store", ti_store_r, 1, 1},
                                        {"Swap", ti_swap_r, 1, 1}, {"CompareAndSwap", ti_cas_r, 2, 2},
                                        {"Add", ti_add_r, 1, 1},   {"And", ti_and_r, 1, 1},
                                        {"Or", ti_or_r, 1, 1},     {NULL, NULL, 0, 0}};
static const MethodDef bool_methods[] = {{"Load", ti_load_r, 0, 0},
                                         {"Store", ti_store_r, 1, 1},
                                         {"Swap", ti_swap_r, 1, 1},
                                         {"CompareAndSwap", ti_cas_r, 2, 2},
                                         {NULL, NULL, 0, 0}};

static const IntClass int64_class = {
    {.name = "atomic.Int64", .methods = int_methods, .get_field = NULL}, 64, false, false};
static const IntClass int32_class = {
    {.name = "atomic.Int32", .methods = int_methods, .get_field = NULL}, 32, false, false};
static const IntClass uint64_class = {
    {.name = "atomic.Uint64", .methods = int_methods, .get_field = NULL}, 64, true, false};
static const IntClass uint32_class = {
    {.name = "atomic.Uint32", .methods = int_methods, .get_field = NULL}, 32, true, false};
static const IntClass uintptr_class = {
    {.name = "atomic.Uintptr", .methods = int_methods, .get_field = NULL}, 64, true, false};
static const IntClass bool_class = {
    {.name = "atomic.Bool", .methods = bool_methods, .get_field = NULL}, 32, true, true};

#define NEW_TYPED(name, klass)                                                                               \
    static int new_##name(Thread *t, Value *a, int n, Value *r)                                              \
    {                                                                                                        \
        r[0] = v_from_ptr(object_new(&klass.cls, mem_alloc_atomic(sizeof(AtomicInt))));                      \
        memset(((ObjObject *)v_ptr(r[0]))->payload, 0, sizeof(AtomicInt));                                   \
        return 1;                                                                                            \
    }
NEW_TYPED(int64, int64_class)
NEW_TYPED(int32, int32_class)
NEW_TYPED(uint64, uint64_class)
NEW_TYPED(uint32, uint32_class)
NEW_TYPED(uintptr, uintptr_class)
NEW_TYPED(bool, bool_class)

/* ---- atomic.Value ------------------------------------------------------ */

/* The payload: the value stored, nil until the first Store; replaced
 * only by compare-and-swap, so the first Store fixes the type. */
typedef struct AtomicValue {
    Value v;
} AtomicValue;

static Value *value_of(Value self)
{
    return &((AtomicValue *)((ObjObject *)v_ptr(self))->payload)->v;
}

/* Go requires every value stored in one Value to have one type. */
static bool same_type(Value a, Value b)
{
    return strcmp(v_type_name(a), v_type_name(b)) == 0;
}

static int av_load(Thread *t, Value *a, int n, Value *r)
{
    r[0] = __atomic_load_n(value_of(a[0]), __ATOMIC_SEQ_CST);
    return 1;
}

/* Store and Swap: install v unless it is nil or of another type than the
 * value already there; what (for the panic text) is "store" or "swap". */
static int value_put(Thread *t, Value self, Value v, const char *what, Value *old)
{
    if (v == V_NIL)
        return vm_panic_msg(t, "sync/atomic: %s of nil value into Value", what);
    Value *slot = value_of(self);
    Value cur = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
    do {
        if (cur != V_NIL && !same_type(cur, v))
            return vm_panic_msg(t, "sync/atomic: %s of inconsistently typed value into Value", what);
    } while (!__atomic_compare_exchange_n(slot, &cur, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    *old = cur;
    return 0;
}

static int av_store(Thread *t, Value *a, int n, Value *r)
{
    Value old;
    return value_put(t, a[0], a[1], "store", &old) < 0 ? -1 : 0;
}

static int av_swap(Thread *t, Value *a, int n, Value *r)
{
    if (value_put(t, a[0], a[1], "swap", &r[0]) < 0)
        return -1;
    return 1;
}

static int av_cas(Thread *t, Value *a, int n, Value *r)
{
    Value old = a[1], nv = a[2];
    if (nv == V_NIL)
        return vm_panic_msg(t, "sync/atomic: compare and swap of nil value into Value");
    if (old != V_NIL && !same_type(old, nv))
        return vm_panic_msg(t, "sync/atomic: compare and swap of inconsistently typed values");
    Value *slot = value_of(a[0]);
    Value cur = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
    for (;;) {
        if (cur != V_NIL && !same_type(cur, nv))
            return vm_panic_msg(t, "sync/atomic: compare and swap of inconsistently typed value into Value");
        if (cur == V_NIL ? old != V_NIL : !v_iface_equal(cur, old)) {
            r[0] = V_FALSE;
            return 1;
        }
        if (__atomic_compare_exchange_n(slot, &cur, nv, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            r[0] = V_TRUE;
            return 1;
        }
    }
}

RACE_ATOMIC_METHOD(av_load, value_of(a[0]))
RACE_ATOMIC_METHOD(av_store, value_of(a[0]))
RACE_ATOMIC_METHOD(av_swap, value_of(a[0]))
RACE_ATOMIC_METHOD(av_cas, value_of(a[0]))

static const MethodDef value_methods[] = {{"Load", av_load_r, 0, 0},
                                          {"Store", av_store_r, 1, 1},
                                          {"Swap", av_swap_r, 1, 1},
                                          {"CompareAndSwap", av_cas_r, 2, 2},
                                          {NULL, NULL, 0, 0}};
static const ObjClass value_class = {.name = "atomic.Value", .methods = value_methods, .get_field = NULL};

static int new_value(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(object_new(&value_class, mem_alloc(sizeof(AtomicValue))));
    return 1;
}

static void atomic_open(ObjModule *m)
{
    module_add_fns(m, atomic_fns);
    static const struct {
        const char *name;
        NativeFn ctor;
    } types[] = {{"Int64", new_int64},   {"Int32", new_int32},     {"Uint64", new_uint64},
                 {"Uint32", new_uint32}, {"Uintptr", new_uintptr}, {"Bool", new_bool},
                 {"Value", new_value}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        module_add_fn(m, types[i].name, types[i].ctor, 0, 0);
        module_add_type(m, types[i].name, TYPE_OBJECT);
    }
}

const ModuleDef csp_module_atomic = {"sync/atomic", atomic_open};
