/* object.h — heap objects: strings, lists, maps, functions, cells, boxed
 * numbers, errors, modules and native objects.
 *
 * Every heap object starts with an Obj header and is allocated by the Boehm
 * collector through mem.h (mem_alloc, or mem_alloc_atomic when it holds no
 * pointers), which never returns NULL. There is no free: unreachable
 * objects are collected.
 *
 * Concurrency contract (rule 3 of the core): a script may use one list or map
 * from several OS threads without a lock. That is a bug in the script, but it
 * must never crash the interpreter. So:
 *   - a list's or map's elements live in one separate storage object that
 *     records its own capacity; a reader loads the storage pointer once and
 *     bounds-checks against that storage's capacity, so a racing append that
 *     swaps in bigger storage can lose an update but never make a reader index
 *     past the end of the storage it holds;
 *   - storage is only ever replaced, never shrunk in place;
 *   - map writers set ObjMap.writing; a writer that finds it set reports
 *     `fatal error: concurrent map writes` (as Go does; best effort).
 * Strings, protos, natives and modules never change after creation.
 */
#ifndef CSP_OBJECT_H
#define CSP_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "value.h"

/* Object kinds; the X-macro gives the enum and the kind names used by
 * type() and error messages. */
#define OBJ_KINDS(X)                                                                                         \
    X(STRING, "string")                                                                                      \
    X(LIST, "list")                                                                                          \
    X(MAP, "map")                                                                                            \
    X(CLOSURE, "func")                                                                                       \
    X(NATIVE, "func")                                                                                        \
    X(BOUND, "func")                                                                                         \
    X(PROTO, "proto")                                                                                        \
    X(CELL, "cell")                                                                                          \
    X(BOXINT, "int")                                                                                         \
    X(BOXFLOAT, "float")                                                                                     \
    X(ERROR, "error")                                                                                        \
    X(MODULE, "module")                                                                                      \
    X(CHAN, "chan")                                                                                          \
    X(OBJECT, "object")                                                                                      \
    X(TYPE, "type")          /* a type's descriptor (types.h) */                                             \
    X(STRUCT, "struct")      /* a struct value (ObjStruct) */                                                \
    X(ARRAY, "array")        /* an array value [N]T (ObjArray) */                                            \
    X(SLOT, "slot")          /* the target of a pointer to a slot that is not an object (ObjSlot) */         \
    X(NAMED, "named")        /* a number, string, bool or func of a script's named type (ObjNamed) */        \
    X(COMPLEX, "complex128") /* a complex number (ObjComplex) */

typedef enum {
#define X(name, str) OBJ_##name,
    OBJ_KINDS(X)
#undef X
        OBJ__COUNT
} ObjKind;

typedef struct Obj {
    uint32_t kind;  /* ObjKind; never changes */
    uint32_t flags; /* kind-specific */
} Obj;

static inline bool v_is_obj(Value v, ObjKind k)
{
    return v_is_ptr(v) && ((Obj *)v_ptr(v))->kind == (uint32_t)k;
}
static inline Obj *v_obj(Value v)
{
    return (Obj *)v_ptr(v);
}

/* ---- numbers ---------------------------------------------------------- */

typedef struct ObjBoxInt {
    Obj h;
    int64_t i;
} ObjBoxInt;

/* ObjBoxInt.h.flags: the box holds a uint64 (or uint, uintptr) past
 * 2^63-1, its 64 bits in i. Only such values carry the flag: a smaller
 * uint64 is the same number as an int, so it is an int. The flag makes
 * the slow paths of arithmetic, comparison, conversion and printing treat
 * the value as the unsigned number it is; the fast paths never see it,
 * since it is boxed. */
#define BOXINT_UNSIGNED 1u

typedef struct ObjBoxFloat {
    Obj h;
    double d;
} ObjBoxFloat;

Value v_make_int(int64_t i);  /* inline when it fits in 63 bits, else boxed */
Value v_make_float(double d); /* flonum when it can, else boxed */
/* The uint64 u: an int when it is at most 2^63-1, else a box flagged
 * BOXINT_UNSIGNED. */
Value v_make_uint(uint64_t u);
static inline bool v_is_anyint(Value v)
{
    return v_is_int(v) || v_is_obj(v, OBJ_BOXINT);
}
static inline bool v_is_anyfloat(Value v)
{
    return v_is_flonum(v) || v_is_obj(v, OBJ_BOXFLOAT);
}
static inline int64_t v_anyint(Value v)
{
    return v_is_int(v) ? v_int(v) : ((ObjBoxInt *)v_ptr(v))->i;
}
/* Whether v is a uint64 past 2^63-1 (v_anyint gives its bits). */
static inline bool v_is_bigu(Value v)
{
    return v_is_obj(v, OBJ_BOXINT) && (((ObjBoxInt *)v_ptr(v))->h.flags & BOXINT_UNSIGNED);
}
/* An int (of any kind, v_is_anyint) as the nearest double. */
static inline double v_anyint_double(Value v)
{
    return v_is_bigu(v) ? (double)(uint64_t)v_anyint(v) : (double)v_anyint(v);
}
static inline double v_anyfloat(Value v)
{
    return v_is_flonum(v) ? v_flonum(v) : ((ObjBoxFloat *)v_ptr(v))->d;
}

/* A complex number: Go's complex128, or its complex64 (flags
 * COMPLEX_64: each part already rounded to float32, printed as such).
 * Immutable, so a value stays one word that any thread may share. */
typedef struct ObjComplex {
    Obj h;
    double re, im;
} ObjComplex;
#define COMPLEX_64 1u
Value v_make_complex(double re, double im);
/* The same value as a complex64: each part rounded to float32. */
Value v_make_complex64(double re, double im);
static inline bool v_is_complex(Value v)
{
    return v_is_obj(v, OBJ_COMPLEX);
}
static inline const ObjComplex *v_complex(Value v)
{
    return (const ObjComplex *)v_ptr(v);
}

/* ---- strings ---------------------------------------------------------- */

/* Immutable bytes, NUL-terminated for C's convenience (len excludes it). */
typedef struct ObjString {
    Obj h;
    uint32_t hash; /* 0 until computed; racing writers store the same value */
    uint32_t pad;
    size_t len;
    char data[];
} ObjString;

ObjString *str_new(const char *s, size_t len);
ObjString *str_cstr(const char *s);
ObjString *str_alloc(size_t len); /* data uninitialised (NUL at len set) */
ObjString *str_concat(const ObjString *a, const ObjString *b);
ObjString *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint32_t str_hash(ObjString *s);
bool str_eq(const ObjString *a, const ObjString *b);
/* The hash str_hash gives a string holding these bytes (never 0), so a
 * C string can be looked up without building an ObjString. */
uint32_t str_hash_bytes(const char *s, size_t len);
static inline ObjString *v_str(Value v)
{
    return (ObjString *)v_ptr(v);
}
static inline bool v_is_str(Value v)
{
    return v_is_obj(v, OBJ_STRING);
}
static inline Value v_cstr(const char *s)
{
    return v_from_ptr(str_cstr(s));
}

/* ---- lists (Go's slices) ----------------------------------------------- */

/* The backing array of one or more slices: cap slots, never resized (a
 * growing append makes a new store). An ObjArray's items are a ListStore
 * too, inline in the array. */
typedef struct ListStore {
    size_t cap; /* number of slots in items; never changes */
    Value items[];
} ListStore;

/* ObjList's Obj.flags: set once a second place may hold this header (see
 * v_copy); never cleared. An append may change a header in place only
 * while it is clear. */
#define LIST_SHARED 1u

/* The most elements one slice can have: its off, len and cap are 32-bit,
 * so a header is 32 bytes and a 2-element list with its store fits one
 * 64-byte block of the collector (which adds a byte to every request: 40
 * bytes of header would make that block 80). make() past it is out of
 * memory. */
#define LIST_MAX_CAP ((size_t)UINT32_MAX)

/* A slice header: the elements store->items[off .. off+len), with room to
 * append up to off+cap. Sub-slices (xs[a:b]) are new headers on the same
 * store, so writes through one are seen through the other, as in Go.
 *
 * A nil slice of a known type (`var s []int`) is a header whose store is
 * NULL (len and cap 0); `s == nil` is true for it (list_is_nil).
 *
 * The slice's type ([]float64), when the script wrote one, is kept as a
 * small number (tid; 0: untyped) that list_type turns back into its
 * descriptor: a pointer would not fit the 32 bytes.
 *
 * Concurrency: the fields are unlocked; racing writers may lose updates
 * and a racing reader may see a mix of two headers' fields. Every element
 * access therefore loads the store pointer once and bounds-checks
 * off + i < store->cap against that very store (list_slot), so a torn
 * header can give a stale value or an index panic, never a read outside
 * a store. */
typedef struct ObjList {
    Obj h;
    ListStore *store; /* NULL: a nil slice */
    uint32_t off;     /* index in store of element 0 */
    uint32_t len;     /* len(s); never more than cap */
    uint32_t cap;     /* cap(s): off + cap <= store->cap */
    uint32_t tid;     /* the slice's type (list_type), 0 when untyped */
} ObjList;

/* The type of a typed slice ([]int), or NULL (an untyped list literal).
 * list_set_type records it (ty NULL: none). */
const struct ObjType *list_type(const ObjList *l);
/* ObjList.tid's top bit: a value stored into the slice converts to its
 * element type first (types_elem_fits: []float64, []byte, []Celsius), so
 * the VM's fast paths step aside for such slices. */
#define LIST_TID_FITS 0x80000000u
static inline bool list_fits(const ObjList *l)
{
    return (__atomic_load_n(&l->tid, __ATOMIC_RELAXED) & LIST_TID_FITS) != 0;
}
void list_set_type(ObjList *l, const struct ObjType *ty);

/* A field of a header another thread may be changing (racy scripts):
 * relaxed atomics, plain loads and stores on x86, so that a racy script is
 * no data race inside the runtime (TSan). A header only its maker sees
 * yet is written plainly. */
#define LIST_GET(l, field) __atomic_load_n(&(l)->field, __ATOMIC_RELAXED)
#define LIST_PUT(l, field, v) __atomic_store_n(&(l)->field, (v), __ATOMIC_RELAXED)

ObjList *list_new(size_t len, size_t cap); /* len items, all nil */
ObjList *list_from(const Value *items, size_t n);
/* A nil slice header of type ty (may be NULL). */
ObjList *list_nil(const struct ObjType *ty);
/* A header over items [lo, hi) of store st, with capacity max - lo (the
 * caller checked lo <= hi <= max <= st->cap). */
ObjList *list_view(ListStore *st, size_t lo, size_t hi, size_t max, const struct ObjType *ty);
/* Append to l's own header, in place, for natives building a fresh list:
 * grows as Go's append does, moving the items as they are. */
void list_append(ObjList *l, Value v);
void list_reserve(ObjList *l, size_t cap);
/* Go's append(l, vals...) in place, on a header no other place holds (the
 * in-place `s = append(s, v)`): grows as Go's append does, copying struct
 * and array elements into the new array. */
void list_append_values(ObjList *l, const Value *vals, size_t n);
/* Go's append(l, vals...) as a new header (l NULL: a nil slice): on l's
 * store when its capacity allows (writing past l's length, as Go does),
 * else on a grown copy. l itself is not changed. */
ObjList *list_appended(ObjList *l, const Value *vals, size_t n);
/* The capacity Go's append gives a slice of capacity cap that must hold
 * need elements (growslice's rule, rounded up to Go's allocation size
 * classes for 8-byte elements, so cap() prints what Go prints). */
size_t list_grow_cap(size_t cap, size_t need);
/* Bounds-checked read/write; return false when i is out of range. */
bool list_get(ObjList *l, int64_t i, Value *out);
bool list_set(ObjList *l, int64_t i, Value v);
/* The slot of element i, or NULL when i is out of range (see above). */
Value *list_slot(ObjList *l, int64_t i);
/* l[lo:hi] (a new header on l's store; caller checked bounds). */
ObjList *list_slice(ObjList *l, size_t lo, size_t hi);
static inline ObjList *v_list(Value v)
{
    return (ObjList *)v_ptr(v);
}
/* Whether v is a nil slice header (v itself may be anything). */
static inline bool list_is_nil(Value v)
{
    return v_is_obj(v, OBJ_LIST) && __atomic_load_n(&v_list(v)->store, __ATOMIC_RELAXED) == NULL;
}

/* ---- structs, arrays and pointer targets ----------------------------- */

struct ObjType;

/* A struct value: one allocation of 16 + 8N bytes. Field i is f[i], in the
 * order of type->fields (types.h). A field whose type is a struct or an
 * array holds its own ObjStruct/ObjArray, owned by this struct.
 *
 * Structs and arrays are values: every ObjStruct/ObjArray is owned by one
 * place (a variable, field, element, map entry, channel slot or interface
 * value). Reading a place to store its value elsewhere copies it
 * (v_copy), so no two places ever share one; a pointer (value.h) is the
 * only way to reach one object from two places. */
typedef struct ObjStruct {
    Obj h;
    struct ObjType *type;
    Value f[];
} ObjStruct;

/* An array value [N]T: its N items inline, in a ListStore (st.cap == N), so
 * that slicing the array (arr[:]) makes a slice over this very storage. */
typedef struct ObjArray {
    Obj h;
    struct ObjType *type;
    ListStore st;
} ObjArray;

/* The target of a pointer to a slot that is not itself an object: `&xs[i]`
 * of an int element, `&s.n` of an int field. slot points into the storage
 * (an interior pointer, which keeps that storage alive). */
typedef struct ObjSlot {
    Obj h;
    Value *slot;
} ObjSlot;

/* A value of a named type the script declared whose underlying type is a
 * number, a string, a bool or a func (`type Celsius float64`, `type
 * Weekday int`): the plain value and the type, so that the type's methods
 * (String) and %T can be found from the value, as Go's interfaces find
 * them. Arithmetic and comparison see through it (vm/arith.c) and keep the
 * type: Celsius(100) * 9 / 5 is a Celsius. Immutable. Structs, arrays,
 * slices and maps of named types carry their type themselves. */
typedef struct ObjNamed {
    Obj h;
    struct ObjType *type;
    Value v; /* never itself an ObjNamed */
} ObjNamed;

Value named_new(struct ObjType *type, Value v);
/* v without its named type (v itself when it has none). */
static inline Value v_unnamed(Value v)
{
    return v_is_obj(v, OBJ_NAMED) ? ((ObjNamed *)v_ptr(v))->v : v;
}
/* A fresh array of type ty with n items, all nil (the caller fills them). */
ObjArray *array_new(const struct ObjType *ty, size_t n);
/* A pointer's target as the slot it reads and writes, for a CELL or SLOT
 * target (NULL for a STRUCT or ARRAY target, whose pointer reads give the
 * object itself). */
Value *ref_slot(Value p);
/* A new ObjSlot whose slot is `slot` (inside an object it keeps alive). */
ObjSlot *slot_new(Value *slot);

/* What a read of a place gives when its value is stored elsewhere (an
 * assignment's right side, an argument, a returned or sent value...):
 * structs and arrays are cloned (deeply, through fields and elements that
 * are structs or arrays), a slice header is marked shared (so an in-place
 * append never changes a header another place can see), anything else is
 * itself. */
Value v_copy(Value v);

/* v_copy with its common cases inline, for the copying opcodes: a value
 * that is no object, and a slice header (marked shared in place; the
 * only flag a list has, so a plain store). */
static inline Value v_copy_fast(Value v)
{
    if (!v_is_ptr(v))
        return v;
    Obj *o = (Obj *)v_ptr(v);
    if (o->kind == OBJ_LIST) {
        if (unlikely(!(__atomic_load_n(&o->flags, __ATOMIC_RELAXED) & LIST_SHARED)))
            __atomic_store_n(&o->flags, LIST_SHARED, __ATOMIC_RELAXED);
        return v;
    }
    return o->kind == OBJ_STRUCT || o->kind == OBJ_ARRAY ? v_copy(v) : v;
}

/* ---- maps ------------------------------------------------------------- */

/* Insertion-ordered hash map (compact layout, like CPython's dict): entries
 * in insertion order, plus an open-addressing index of int32 slots. A
 * deleted entry keeps its place with key V_UNDEF until the next resize.
 * Keys are nil, bool, int, float or string; a float key with an integral
 * value is stored as the int (so m[1] and m[1.0] are one entry). */
typedef struct MapEntry {
    Value key; /* V_UNDEF: deleted */
    Value val;
    uint64_t hash;
} MapEntry;

typedef struct MapStore {
    uint32_t cap;  /* entries capacity; never changes */
    uint32_t used; /* entries used, deleted ones included */
    uint32_t mask; /* index slots - 1 (a power of two minus one) */
    uint32_t pad;
    int32_t *index; /* mask+1 slots: -1 empty, else entry number */
    MapEntry entries[];
} MapStore;

typedef struct ObjMap {
    Obj h;
    uint32_t len;     /* live entries; unlocked (racy scripts may lose updates) */
    uint32_t writing; /* nonzero while a writer is inside; atomic exchange */
    MapStore *store;  /* unlocked; replaced on growth, NULL when empty */
    /* The map's type (map[string]int) when the script wrote one, for fmt's
     * %T and %#v and a declared map type's methods; NULL for an untyped
     * map. Set with zero, before sharing; afterwards only a store into a
     * variable of a declared map type (Counts) changes it, by an atomic
     * release store that map_type's acquire load reads. */
    const struct ObjType *type;
    /* What a read of a missing key gives: the element type's zero (0 for
     * map[string]int), V_NIL for an untyped map, or the element's ObjType
     * when each read needs a fresh zero (see types_elem_zero). Set once,
     * right after map_new, before the map is shared. */
    Value zero;
    /* The value type a typed map's values are converted to when stored
     * (map[string]float64: an int becomes a float; see types_fit), or
     * NULL: any value as it is. Set with zero (types_map_init), with the
     * MAP_TYPED flag. */
    const struct ObjType *vtype;
} ObjMap;

/* ObjMap's Obj.flags: a nil map of a known type (`var m map[string]int`).
 * It reads as empty (missing keys give its zero), `m == nil` is true, a
 * write panics `assignment to entry in nil map` (map_set returns MAP_NIL)
 * and delete and clear do nothing, so one such map per type is shared by
 * every nil variable of that type. */
#define MAP_NILMAP 1u
/* ObjMap's Obj.flags: vtype is set (so map_set tests one word for both). */
#define MAP_TYPED 2u
/* ObjMap's Obj.flags: the key type is uint64 (or uint, uintptr): a key
 * below zero, a constant csp's int arithmetic wrapped (1<<63 + 1), is
 * stored as the uint64 it is, so the map prints its keys as Go does. */
#define MAP_UKEY 4u

/* ObjMap.type, read as another thread may be setting it (see there). */
static inline const struct ObjType *map_type(const ObjMap *m)
{
    return __atomic_load_n(&m->type, __ATOMIC_ACQUIRE);
}

ObjMap *map_new(size_t hint);
/* A nil map whose missing keys read as zero (see MAP_NILMAP). */
ObjMap *map_new_nil(Value zero);
static inline bool map_is_nil(const ObjMap *m)
{
    return (m->h.flags & MAP_NILMAP) != 0;
}
/* Lookups return false when absent. Keys that cannot be map keys (list,
 * map, func, ...) make map_set return MAP_BADKEY; map_get just misses. */
bool map_get(ObjMap *m, Value key, Value *out);
/* MAP_BADVALUE: a value of the wrong kind for the map's vtype; nothing
 * was stored (types_store gives the panic). */
typedef enum { MAP_OK, MAP_BADKEY, MAP_CONCURRENT, MAP_NIL, MAP_BADVALUE } MapStatus;
MapStatus map_set(ObjMap *m, Value key, Value val);
MapStatus map_delete(ObjMap *m, Value key);
/* Go's clear(m): every entry deleted (a nil map: nothing). */
MapStatus map_clear(ObjMap *m);
bool map_get_cstr(ObjMap *m, const char *key, Value *out);
/* Iteration: *cursor starts at 0; returns false at the end. Sees entries
 * added during iteration; skips deleted ones. */
bool map_next(ObjMap *m, size_t *cursor, Value *key, Value *val);
bool map_key_ok(Value key);
static inline ObjMap *v_map(Value v)
{
    return (ObjMap *)v_ptr(v);
}

/* ---- functions -------------------------------------------------------- */

struct Thread;

/* A native (C) function. args[0..nargs-1] point into the caller's register
 * window: they stay valid until the native calls back into the VM
 * (vm_call), which may move the value stack — copy what you need first.
 * Results go to rets[0..n-1] (at most NATIVE_MAX_RETS); returns n >= 0, or
 * -1 after vm_panic*() has recorded a panic. */
#define NATIVE_MAX_RETS 8
typedef int (*NativeFn)(struct Thread *t, Value *args, int nargs, Value *rets);

typedef struct ObjNative {
    Obj h;
    NativeFn fn;
    /* The class whose method this is (class_method made it), else NULL:
     * a call site's cache holds the native and checks the receiver's class
     * against this. Written once, before the native is published. */
    const struct ObjClass *cls;
    const char *name; /* as shown in tracebacks: "fmt.Println" */
    int16_t min_args; /* argument count checks done by the VM before the call */
    int16_t max_args; /* -1: variadic */
    Value data;       /* bound data for the native (e.g. an ffi function) */
    /* Set when the native is a pure function of one float64 (math.Sqrt):
     * the compiler calls it with CALLF, which runs it without a frame. */
    double (*unary)(double);
    /* Its Go signature, as Go's documentation spells its type
     * ("func(uint64) float64", "func(string) (int, error)", "func(string,
     * ...any) string"), or NULL when not declared. types_native parses it
     * once into a func type, which
     *   - the compiler reads for its parameters' types, so an untyped
     *     constant argument takes its parameter's type as in Go
     *     (math.Float64frombits(1 << 63) passes a uint64, math.Sqrt(1 << 70)
     *     a float64), and for its results' types, so a constant meeting a
     *     result takes the result's type (math.Float64bits(x) == 1<<63);
     *   - generic code infers type arguments from (Map(xs, strconv.Itoa)
     *     makes U string), and %T prints. */
    const char *sig;
    /* sig parsed, NULL until first use: any thread (a compiler, a
     * goroutine's %T) may set it, with release and read with acquire
     * (types_native); racing threads may each parse one, any will do. */
    struct ObjType *type;
} ObjNative;

ObjNative *native_new(const char *name, NativeFn fn, int min_args, int max_args);
/* Obj.flags of the ObjNative that class_method returns: args[0] is the
 * receiver and min_args/max_args count it (MethodDef's plus one), so the VM
 * checks a method call like any native call; subtract one for messages. */
#define NATIVE_METHOD 1u
/* Obj.flags of a native whose arguments are Go's ...any (fmt's): the
 * compiler boxes them as an interface holds them (vm/iface.h). */
#define NATIVE_ANY_ARGS 2u
/* Obj.flags of a native that needs its arguments' static types (errors.As
 * asks what its target points to): the compiler passes, after the
 * arguments, one more per argument, its ObjType or nil when not known. */
#define NATIVE_ARG_TYPES 4u

typedef struct UpvalDesc {
    uint8_t from_parent_reg; /* 1: the parent's register idx holds the Cell;
                                0: the parent's upvalue idx */
    uint8_t idx;
} UpvalDesc;

/* A compiled function. Immutable once the compiler returns it. */
typedef struct ObjProto {
    Obj h;
    uint32_t *code;
    int32_t *lines; /* source line of each instruction */
    int ncode;
    Value *k; /* constants */
    int nk;
    struct ObjProto **protos; /* nested function literals */
    int nprotos;
    UpvalDesc *upvals;
    int nupvals;
    uint8_t nparams; /* includes the variadic list parameter */
    uint8_t variadic;
    /* nparams when a call with exactly that many arguments needs no set-up
     * (not variadic, no captured parameter), else -1: the call's fast path
     * tests this one field. Set by proto_params_done. */
    int16_t fast_nparams;
    /* A variadic function's []T when its parameter is xs ...T with T
     * declared: the arguments packed into xs convert to T and the list is
     * typed []T, as Go makes it. NULL: packed as they are. */
    const struct ObjType *vtype;
    /* Registers the frame uses. Those past the arguments start with
     * whatever the value stack held there (a call does not clear them, to
     * keep calls short): the compiler writes every register before it reads
     * it, and hand-written code must too. */
    uint8_t maxregs;
    uint8_t is_main; /* the top-level chunk of a script or REPL line */
    uint8_t generic; /* a generic function: R[0] is its type arguments */
    /* The function's Go type (func(int) string) when the compiler knows
     * it, else NULL: %T and type inference read it. A generic function's
     * is written with its type parameters, named by tnames (ntnames of
     * them): an instantiation's type substitutes its type arguments. */
    const struct ObjType *type;
    const char **tnames;
    int ntnames;
    /* Bitmask over params: bit i set = param i is captured by a closure and
     * must be wrapped in a Cell on entry (params >= 64: see cellparams). */
    uint64_t cellparams;
    /* Named results: nnamed variables in R[named_reg...] (each a Cell when
     * captured). Go returns them as the deferred calls leave them, so a
     * frame that ran defers returns these rather than its RETURN's
     * operands (a recovered frame too, instead of nils). */
    uint8_t nnamed;
    uint8_t named_reg;
    ObjString *name; /* "main.fib", "main.func1", "main" */
    ObjString *file;
    int line;
    /* Inline caches, one word per instruction (NULL when the function has
     * no GETFIELD SETFIELD CALLM or BINDM): see types.h, IC_*. */
    uint64_t *ic;
    uintptr_t ic_bias; /* (uintptr_t)ic - 2 * (uintptr_t)code: see vm.c */
    /* The race detector's site of each instruction (race.h; 0: not
     * checked), when compiled with the detector on; else NULL. */
    const uint32_t *race_sites;
} ObjProto;

/* Derive the fields that follow from nparams, variadic and cellparams,
 * once they are set (the compiler, hand-made protos in tests). */
static inline void proto_params_done(ObjProto *p)
{
    p->fast_nparams = p->variadic || p->cellparams ? -1 : p->nparams;
}

typedef struct ObjCell {
    Obj h;
    Value v; /* a captured variable; plain word stores, racy like Go's */
} ObjCell;

typedef struct ObjClosure {
    Obj h;
    ObjProto *proto;
    /* Its Go type when it differs by instance: a literal in generic code
     * whose signature names type parameters (OP_FTYPE sets it before the
     * closure is shared); NULL: proto->type (closure_type). */
    const struct ObjType *type;
    int nupvals;
    ObjCell *upvals[];
} ObjClosure;

/* A closure's Go type, NULL when not known (a generic function's proto
 * has its type written with its type parameters: its instances are bound
 * values that know theirs). */
static inline const struct ObjType *closure_type(const ObjClosure *c)
{
    return c->type ? c->type : c->proto && !c->proto->generic ? c->proto->type : NULL;
}

/* A method value (receiver plus method), made by `f := obj.Method` and by
 * `defer obj.Method(...)`. */
typedef struct ObjBound {
    Obj h;
    Value recv;
    Value fn; /* an ObjNative taking the receiver as args[0] */
} ObjBound;

ObjCell *cell_new(Value v);

/* ---- errors ----------------------------------------------------------- */

/* An error value: `errors.New`, `fmt.Errorf`, runtime panics. Prints as its
 * message; has .Error(). */
typedef struct ObjError {
    Obj h;
    ObjString *msg;
    uint32_t runtime; /* 1 for runtime errors ("runtime error: ...") */
    uint32_t pad;
    Value wrapped; /* the error fmt.Errorf's %w wrapped, else nil; immutable */
} ObjError;

ObjError *error_new(ObjString *msg, bool runtime);
Value v_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- native objects and modules --------------------------------------- */

/* A method of a native class: args[0] is the receiver. */
typedef struct MethodDef {
    const char *name;
    NativeFn fn;
    int16_t min_args; /* not counting the receiver */
    int16_t max_args; /* -1: variadic */
} MethodDef;

/* A class's fields a script may assign (`pool.New = f`, and the literal
 * `sync.Pool{New: f}`) have a setter among its methods, named with '='
 * after the field ("New="): a name no script can call. */
typedef struct ObjClass {
    const char *name;         /* type() of instances: "sync.Mutex" */
    const MethodDef *methods; /* NULL-name terminated */
    /* Field read (`timer.C`): return V_UNDEF when there is no such field. */
    Value (*get_field)(Value self, ObjString *name);
    /* Go's == on two of the class's payloads, for a class whose Go type is
     * a struct compared by value (a time.Time: its instant and location),
     * with a hash that agrees with it, so it can be a map key. NULL: the
     * value is a pointer in Go (*sync.Mutex), equal only to itself. */
    bool (*equal)(const void *a, const void *b);
    uint64_t (*hash)(const void *payload);
} ObjClass;

/* A native object: a class and an opaque payload that the class owns. */
typedef struct ObjObject {
    Obj h;
    const ObjClass *cls;
    void *payload;
} ObjObject;

ObjObject *object_new(const ObjClass *cls, void *payload);
/* The ObjNative for `name` on cls (cached per class/name), or NULL. */
ObjNative *class_method(const ObjClass *cls, ObjString *name);

/* A built-in module: fmt, strings, ... Members are fixed at start-up. */
typedef struct ObjModule {
    Obj h;
    const char *name;
    ObjMap *members; /* name -> Value; fixed once the module is open (a
                        package variable's value lives in its ObjCell:
                        vm.h's module_add_var) */
} ObjModule;

/* ---- general ---------------------------------------------------------- */

/* type(v): "nil" "bool" "int" "float" "string" "list" "map" "func" "chan",
 * "error", the class name, or for a script's struct, array or pointer its
 * Go type's name ("main.Point", "[3]int", "*main.Point"). */
const char *v_type_name(Value v);
/* The name of an object kind ("list", "map"...), from OBJ_KINDS. */
const char *obj_kind_name(ObjKind k);
/* == as the language defines it: numbers by value across int/float,
 * strings and bools by value, everything else by identity. */
bool v_equal(Value a, Value b);
/* Go's == where an operand is an interface: the other operand was boxed as
 * an interface keeps it, and values of different dynamic types are
 * unequal (any(1.0) == 1 and any(int32(5)) == 5 are false), where v_equal
 * lets an int equal a float and a named value equal a plain one (for
 * operands whose types the compiler has already made one). */
bool v_iface_equal(Value a, Value b);
/* The type of a and b when both are values of one type Go's == panics on
 * (a typed slice, map or declared func, a struct or array holding one):
 * such values reach == only through interfaces. NULL otherwise, csp's
 * untyped lists and maps included (they compare by identity). */
const struct ObjType *v_uncomparable_pair(Value a, Value b);
/* Hash consistent with v_equal for valid map keys. */
uint64_t v_hash(Value key);

#endif
