/* types.h — what a type written in a script means: its descriptor.
 *
 * A type as the parser spells it ("int", "[]sync.Mutex", "map[string]int",
 * "[3][2]float64", "*T", "chan int", "time.Duration") becomes one ObjType,
 * once, when the compiler meets it; the compiler puts it in the constant
 * pool. Everything that needs to know what a type means asks its ObjType:
 *   - the zero value of `var x T`, of make([]T, n)'s elements and of
 *     new(T) (types_zero);
 *   - what make(T, ...) builds (the kind);
 *   - what the conversion T(x) does for a composite T (types_convert:
 *     []byte(s), []rune(s); a conversion to a basic type is its built-in
 *     function, int32(x) and so on);
 *   - what a store into a place declared T does to the value (types_store:
 *     an int into a float64 becomes a float, a byte wraps, a string into
 *     an int panics), which the compiler's CONV instruction calls.
 * So "what does this type syntax mean" has this one owner; natives that
 * still receive a type as a string parse it with types_parse too.
 *
 * Module types (time.Duration, sync.Mutex, strings.Builder...) are named
 * in a registry that the modules fill when they are opened (on first use,
 * vm.h's rt_open_module; a type name qualified with a module not open yet
 * opens it): a name maps to a kind, to a native object's constructor,
 * which makes the ready zero value, or to a descriptor of its own. The
 * registry is process-wide and append-only.
 *
 * Types the script declares (`type Point struct{...}`) are descriptors
 * too, made by the compiler when it meets the declaration (types_new_named,
 * then types_define once the definition is resolved; a declared name in a
 * type's text is resolved by the compiler's lookup, types_parse_with). A
 * struct type lists its fields; what `x.name` selects on it (a field,
 * promoted through embedded fields, or a method) is worked out once per
 * type and name (types_selection) and kept on the type, so the VM's
 * inline caches name a selection by a small index.
 *
 * Descriptors never change after they are made, so any thread may read
 * one; the exceptions are append-only and published with release stores:
 * a declared type's methods (a REPL line may add one) and its list of
 * selections.
 */
#ifndef CSP_TYPES_H
#define CSP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"

struct Thread;

/* Kinds of types; the X-macro gives the enum. */
#define TYPE_KINDS(X)                                                                                        \
    X(BOOL)                                                                                                  \
    X(INT)     /* every integer type; bits and is_unsigned say which */                                      \
    X(FLOAT)   /* float32, float64 */                                                                        \
    X(COMPLEX) /* complex64, complex128 (bits 64, 128) */                                                    \
    X(STRING)                                                                                                \
    X(SLICE)   /* []elem */                                                                                  \
    X(ARRAY)   /* [len]elem */                                                                               \
    X(MAP)     /* map[key]elem */                                                                            \
    X(CHAN)    /* chan elem, chan<- elem, <-chan elem */                                                     \
    X(POINTER) /* *elem */                                                                                   \
    X(FUNC)                                                                                                  \
    X(INTERFACE) /* any, error, interface{...} */                                                            \
    X(STRUCT)    /* struct{...}: nfields fields, its zero a fresh ObjStruct */                               \
    X(OBJECT)    /* a module's native object type: sync.Mutex */                                             \
    X(UNKNOWN)   /* a name nobody defined: the compiler reports it */

typedef enum {
#define X(name) TYPE_##name,
    TYPE_KINDS(X)
#undef X
        TYPE__COUNT
} TypeKind;

/* A field of a struct type: ObjStruct.f[i] is fields[i]. An embedded field
 * (`sync.Mutex`, `Point`) is named by its type's name and promotes its
 * fields and methods. tag is the field's tag text (`json:"name"`), or
 * NULL. */
typedef struct StructField {
    const char *name;
    struct ObjType *type;
    bool embedded;
    const char *tag;
} StructField;

/* A method of a named type: fn is its closure, taking the receiver as its
 * first argument; ptr_recv says the receiver is declared *T; sig is its
 * signature (types_sig), NULL when not known. An interface's methods have
 * fn V_NIL and the signature the interface requires. */
typedef struct TypeMethod {
    ObjString *name;
    Value fn;
    bool ptr_recv;
    const char *sig;
} TypeMethod;

typedef struct ObjType {
    Obj h;
    TypeKind kind;
    uint8_t bits;         /* INT: 8 16 32 64; FLOAT: 32 64; COMPLEX: 64 128 */
    bool is_unsigned;     /* INT */
    const char *name;     /* Go's spelling: "[]int", "time.Duration" */
    struct ObjType *elem; /* SLICE ARRAY MAP CHAN POINTER: the element */
    struct ObjType *key;  /* MAP */
    int64_t len;          /* ARRAY; -1 when the length is a name */
    Value ctor;           /* OBJECT: the constructor of a ready value */
    Value zero;           /* the zero value when one value serves every
                             use (immutable: a map type's is its nil map,
                             object.h's MAP_NILMAP), else V_UNDEF */
    uint32_t list_id;     /* SLICE: its number in slice headers (object.c's
                             list_set_type sets it once), 0 until then */
    /* STRUCT: its fields, in order (promotion through embedded fields is
     * resolved when the type is declared). */
    int nfields;
    StructField *fields;
    /* A type the script declared (`type Point struct{...}`): its Go name
     * ("main.Point", also in name), the type it is defined as, and its
     * methods. Methods are added while the declaring code is compiled and
     * run, before any value of the type can call them. */
    bool named;
    struct ObjType *underlying;
    int nmethods;
    TypeMethod *methods;
    /* The selections (types_select) made on this type so far, for the
     * VM's inline caches: a cache holds the type and an index here.
     * Appended under a lock, never changed once published. */
    struct Selection *sels;
    int nsels;
    /* Generic types (`type Stack[T any] struct{...}`): the generic type
     * has its parameters' names; an instance (Stack[int], made once per
     * distinct argument list by types_instantiate) has its generic type,
     * whose fields and methods it selects by, and its arguments, from
     * which its field types were made. Set before the descriptor is
     * shared; instances are added under a lock. */
    int ntparams;
    const char **tparams;
    struct ObjType *generic;
    int ntargs;
    struct ObjType **targs;
    struct ObjType **insts;
    int ninsts;
    /* FUNC written with its signature (`func(int, ...string) (bool,
     * error)`): its parameters' types then its results' (nin + nout of
     * them, a variadic last parameter as its slice type), which type
     * inference matches (func(T) U against func(int) string). sig is
     * NULL when the text is only "func". */
    struct ObjType **sig;
    int nin, nout;
    bool variadic;
} ObjType;

/* The descriptor of a type written as the parser spells it (see ast.h,
 * TypeRef), n bytes. Never NULL: a name nobody defined is an UNKNOWN
 * type (types_undefined finds it). */
ObjType *types_parse(const char *text, size_t n);
/* The same, asking lookup for each plain name that is not predeclared (a
 * type the script declared): it returns that type's descriptor, or NULL.
 * A struct type's text is Go's spelling, `struct { X int; Y int "tag" }`
 * (fields separated by "; ", a tag as a Go-quoted string), and its
 * fields' types are parsed with the same lookup. */
typedef ObjType *(*TypeLookup)(void *ctx, const char *name, size_t n);
ObjType *types_parse_with(const char *text, size_t n, TypeLookup lookup, void *ctx);

/* The func type of native n, parsed from its Go signature (ObjNative.sig)
 * on first use and kept on n; NULL when n declares none. Racing threads
 * may each parse it: any of the equal descriptors will do. */
ObjType *types_native(ObjNative *n);

/* ---- declared types ---------------------------------------------------- */

/* A type the script declares (`type Point struct{...}`), named qualified
 * ("main.Point"), still without its definition: other types may refer to
 * it first (`type Node struct { next *Node }`). */
ObjType *types_new_named(const char *qualified);
/* Give a declared type its definition: it takes on under's kind, fields,
 * elements and zero, keeping its name and methods. */
void types_define(ObjType *named, ObjType *under);
/* Whether a struct or array type contains itself other than through a
 * pointer, slice, map, chan or func, or an interface embeds itself (Go's
 * "invalid recursive type"). */
bool types_recursive(const ObjType *t);
/* Add a method to a declared type (before any value of it can call it);
 * sig is its signature (types_sig) or NULL. */
void types_add_method(ObjType *t, ObjString *name, Value fn, bool ptr_recv, const char *sig);
/* A method signature, "(a, b int, s ...string) (int8, error)" as written
 * after the method's name, in a canonical form that two spellings of one
 * signature share: parameter names and spacing dropped, byte and rune as
 * uint8 and int32, interface{} as any. NULL when the text is no
 * signature. */
const char *types_sig(const char *text, size_t n);
/* Whether a method of signature have can serve where an interface asks
 * for want (each from types_sig; NULL matches anything): the same number
 * of parameters and results, and no position where the two types surely
 * differ. A declared type's name is not resolved here (it may be an alias
 * or not defined yet), so a position naming one matches. */
bool types_sig_match(const char *want, const char *have);
/* Whether a method's closure has its code (see types.c). */
bool types_method_ready(const TypeMethod *m);
/* The method called name of t (or of the type t points to), V_UNDEF if
 * none; *ptr_recv (if not NULL) says whether its receiver is a pointer. */
Value types_method(const ObjType *t, ObjString *name, bool *ptr_recv);
/* The signature of that method (types_sig), NULL when not known. */
const char *types_method_sig(const ObjType *t, ObjString *name);

/* What x.name selects on a value of struct type t: a field (direct or
 * promoted through embedded fields) or a method (the type's own, or one
 * promoted from an embedded field, a module object's native ones
 * included). Go's rule: the shallowest depth wins, two at one depth are
 * ambiguous. path[0..depth) are the slots to follow from x to the field
 * (SEL_FIELD) or to the receiver of the method (SEL_METHOD, SEL_NATIVE;
 * SEL_IFACE: an embedded interface, whose value's method it is);
 * a slot with SEL_DEREF set is an embedded pointer to follow. */
enum { SEL_NONE, SEL_FIELD, SEL_METHOD, SEL_NATIVE, SEL_AMBIGUOUS, SEL_IFACE };
#define SEL_MAX_DEPTH 8
#define SEL_DEREF 0x10000
typedef struct Selection {
    int kind;
    int depth;
    int path[SEL_MAX_DEPTH];
    ObjString *name;
    const ObjType *type; /* SEL_FIELD: the field's type */
    Value fn;            /* SEL_METHOD: the closure; SEL_NATIVE: the native */
    const char *sig;     /* SEL_METHOD: its signature (types_sig), or NULL */
    bool ptr_recv;       /* SEL_METHOD: its receiver is *T */
    bool field_recv;     /* SEL_METHOD: the receiver is an embedded field of
                            a declared non-struct type (struct { T }, T
                            int): the field's value, or a pointer to it;
                            or an embedded *T whose method takes a *T: the
                            pointer it holds, nil too */
} Selection;
/* Resolve t.name into *out (kind SEL_NONE when nothing matches). A
 * module object's methods are known only from a value: `sample`, when not
 * V_UNDEF, is a value of type t whose embedded objects are asked. */
void types_select(const ObjType *t, ObjString *name, Value sample, Selection *out);
/* The selection of t.name kept on t, its index in t->sels (appended on
 * first use), or -1 when t has no such field or method. */
int types_selection(ObjType *t, ObjString *name, Value sample);
/* An inline cache word (ObjProto.ic[pc]) for a field or method selected
 * by name on a struct: 0 when empty, else the struct type's address (16-
 * aligned, below 2^48) with flags in its low bits and an index in its top
 * 16: the field's slot (IC_DIRECT) or the selection's (t->sels). One word,
 * so a goroutine reading it while another fills it sees all or nothing. */
#define IC_DIRECT 1u  /* a field of the struct itself: the index is its slot */
#define IC_CONVERT 2u /* the field has a basic type: a store may convert */
#define IC_STATIC                                                                                            \
    4u /* a method call's: the compiler filled it from the                                                   \
          receiver's static type (T or *T), so a nil                                                         \
          receiver is a nil *T, whose pointer method runs */
#define IC_OPEN                                                                                              \
    8u /* with IC_STATIC: the static type is a generic type written with                                     \
          the calling code's own type parameters (t.Left.M() in a                                            \
          method of Tree[T]): a nil receiver's type arguments are the                                        \
          caller's, whichever instance the cache holds by then */
/* IC_CONVERT alone (never set without IC_DIRECT in a struct's word): a
 * method call's cache holding the ObjNative of a native class's method
 * (sync.Mutex's Lock) in place of the type; it applies when the
 * receiver's class is the native's (ObjNative.cls). */
#define IC_CLASS_METHOD IC_CONVERT
#define IC_TYPE(w) ((uintptr_t)((w)&0x0000fffffffffff0ull))
#define IC_INDEX(w) ((int)((w) >> 48))
static inline uint64_t ic_word(const ObjType *t, int index, unsigned flags)
{
    return (uint64_t)(uintptr_t)t | flags | (uint64_t)index << 48;
}
/* The cache word for t.name (appending the selection to t), 0 when t has
 * no such field or method. */
uint64_t types_ic_word(ObjType *t, ObjString *name, Value sample);
/* The names of the methods interface t requires (its embedded interfaces'
 * included) into out[0..max), their count; and whether name is one.
 * TYPES_IFACE_MAX bounds what a caller needs room for: more methods than
 * that in one interface are not checked. */
#define TYPES_IFACE_MAX 64
int types_iface_methods(const ObjType *t, ObjString **out, int max);
/* The same with the signature each asks for (types_sig; NULL when not
 * known) into sigs[0..). */
int types_iface_method_sigs(const ObjType *t, ObjString **out, const char **sigs, int max);
bool types_iface_has(const ObjType *t, ObjString *name);
/* Whether a store into a field of type t converts (types_store). */
bool types_converts(const ObjType *t);

/* A struct type's fields by name at depth 0: its index, or -1. */
int types_field_index(const ObjType *t, const char *name, size_t n);
/* The first name in t (or its parts) that is UNKNOWN, or NULL. */
const char *types_undefined(const ObjType *t);

/* T's zero value into *out: a fresh one for arrays and module objects
 * (each `var mu sync.Mutex` is its own mutex). Returns -1 after a panic
 * (a module constructor's), else 0. */
int types_zero(struct Thread *t, const ObjType *ty, Value *out);
/* The zero a typed container keeps for a missing key or a receive on its
 * closed self (ObjMap.zero, ObjChan.zero): the element type's zero when
 * one value serves every use, else the element's descriptor, so that each
 * read gets a fresh zero, as each of Go's reads gets a copy (a map of
 * [3]int gives a new [0 0 0], a map of sync.Mutex a new unlocked mutex).
 * V_NIL for an untyped container (container NULL or not a map or chan). */
Value types_elem_zero(const ObjType *container);
/* What such a kept zero gives on one read: itself, or a fresh zero of the
 * type it holds. Returns -1 after a panic, else 0. */
int types_zero_of(struct Thread *t, Value zero, Value *out);
/* A native taking one type and returning its zero value: what the
 * compiler calls for `var x T` when the zero is not a constant. */
Value types_zero_native(void);
/* T(v) for a composite T ([]byte(s), []rune(s), a list to a slice type, a
 * map to a map type...). Returns -1 after a panic, else 0. */
int types_convert(struct Thread *t, const ObjType *ty, Value v, Value *out);
/* Go's run-time wrapping of an integer converted to a sized type
 * (uint8(300) is 44, int8(200) is -56); bits 64 leaves it as it is. */
int64_t types_wrap_int(int bits, bool is_unsigned, int64_t i);
/* The integer i (its 64 bits) as a value of the integer type ty: wrapped
 * to ty's width, and a uint64, uint or uintptr past 2^63-1 made the
 * unsigned number it is (v_make_uint), so that it divides, compares and
 * prints as one. */
Value types_int_value(const ObjType *ty, int64_t i);
/* Whether ty is uint64, uint or uintptr (or a type declared with one). */
static inline bool types_is_u64(const ObjType *ty)
{
    return ty && ty->kind == TYPE_INT && ty->bits == 64 && ty->is_unsigned;
}
/* Go's run-time conversion of a float to an integer type, as Go on amd64
 * gives it: truncated toward zero; out of range (NaN and infinities too),
 * int and int64 give -9223372036854775808, int32 -2147483648, and the
 * narrower types that wrapped to their width (int8(1e10) is 0); uint64
 * and uint convert values past 2^63 too (csp keeps their 64 bits). */
int64_t types_float_to_int(double d, int bits, bool is_unsigned);
/* v (a complex, an int or a float) as a value of the complex type ty
 * (complex64 rounds each part to float32); false for any other value. */
bool types_fit_complex(const ObjType *ty, Value v, Value *out);
/* d rounded to float32's precision (past float32's range: an infinity). */
double types_float32(double d);
/* A native of two arguments, a type and a value: the compiler calls it for
 * a conversion whose type is not a name ([]byte(s)). */
Value types_convert_native(void);

/* tmpl with the type parameters named names[0..n-1] (UNKNOWN types of
 * those names) replaced by args[0..n-1] (NULL: any); only the part of the
 * descriptor that holds a parameter is copied. */
ObjType *types_subst(ObjType *tmpl, int n, const char *const *names, ObjType *const *args);
/* Whether t is written with type parameters ([]T, List[T]): what it is
 * is known only when the generic code runs. */
bool types_open(const ObjType *t);
/* Whether t is written with the type parameter named tp (`*List[T]` for
 * T): an argument's type then tells what tp is (iface_unify). */
bool types_mentions(const ObjType *t, const char *tp);
/* The instance of generic type g for the n type arguments args: made
 * once per distinct list, with g's field types substituted. An argument
 * may be written with type parameters (List[T] in generic code, or in
 * List's own fields): that instance is a template, which types_subst
 * turns into the instance for the parameters' values. g itself when g is
 * not generic. */
ObjType *types_instantiate(ObjType *g, int n, ObjType *const *args);

/* Whether a value stored into an element of container type c (a slice,
 * array or map type) converts to the element type: a float, a sized int,
 * or a declared type whose values carry it. */
bool types_elem_fits(const ObjType *c);

/* Whether values of ty carry it (ObjNamed): a declared type whose
 * underlying type is a bool, number, string or func. Conversions and
 * typed stores give such values; arithmetic keeps the type. */
bool types_boxed(const ObjType *ty);
/* Whether Go defines == on values of ty: not for slices, maps and funcs,
 * nor for structs and arrays holding one. NULL (unknown) is comparable. */
bool types_comparable(const ObjType *ty);
/* Whether ty is a declared slice or map type (type Names []string): a
 * value stored into a variable of it takes it on, for its methods. */
bool types_named_container(const ObjType *ty);

/* A copy of `like` (a slice, array, map, chan or pointer type) whose
 * element and key are elem and key, named as Go spells it: what []T
 * becomes once T is known. */
ObjType *types_derive(const ObjType *like, ObjType *elem, ObjType *key);
/* ---- stores into typed places ----------------------------------------- */

/* v made fit for storing into a place declared of type ty (a variable,
 * parameter, result, field or element), as Go's assignability makes it:
 * an int stored where a float32/float64 is declared becomes a float (a
 * float32 is rounded to float32's precision); a sized integer type wraps
 * to its width (a uint8 holding 255 plus one is 0); a value of the wrong
 * kind panics with Go's wording (`cannot use "x" (value of type string) as
 * int value in assignment`); nil stored into a map type is that type's nil
 * map. Interfaces, `any`, other composite and unknown types take any value
 * as it is. uint64 and uint keep their 64 bits in csp's
 * signed int, so a value past 2^63-1 reads as negative. Returns -1 after a
 * panic, else 0. */
int types_store(struct Thread *t, const ObjType *ty, Value v, Value *out);
/* The places a compiled store names in its panic (CONV's EXTRA word), as
 * Go's compiler does: STORE_PLACES(X) gives the codes and their texts; an
 * argument's text is followed by the function's name. STORE_CONST is
 * or'ed in when the stored value is a constant. */
#define STORE_PLACES(X)                                                                                      \
    X(ASSIGN, "assignment")                                                                                  \
    X(DECL, "variable declaration")                                                                          \
    X(RETURN, "return statement")                                                                            \
    X(ARG, "argument to")                                                                                    \
    X(SEND, "send")                                                                                          \
    X(SLICE_LIT, "slice literal")                                                                            \
    X(MAP_LIT, "map literal")
typedef enum {
#define X(name, text) STORE_##name,
    STORE_PLACES(X)
#undef X
        STORE__COUNT
} StorePlace;
#define STORE_CONST 0x80
extern const char *const types_store_places[STORE__COUNT];
/* The conversion types_store makes, without a panic: false when v is of
 * the wrong kind for ty (*out is then v). */
bool types_fit(const ObjType *ty, Value v, Value *out);
/* Make a new map one of type mapty (map[K]V): its missing keys read V's
 * zero (ObjMap.zero) and its stored values convert to V (ObjMap.vtype). */
void types_map_init(ObjMap *m, const ObjType *mapty);
/* The same, naming the place in the panic as Go's compiler does ("in
 * variable declaration", "in return statement", "in argument to f": where
 * is the text after "in "); constant says v is an untyped constant of the
 * source, which Go describes as such ("5 (untyped int constant)") and
 * checks more strictly: it must be representable in ty, so 300 overflows a
 * byte and 2.5 is truncated in an int, while 2.0 fits an int. */
int types_store_at(struct Thread *t, const ObjType *ty, Value v, Value *out, bool constant,
                   const char *where);
/* What the compiler does with a constant stored into a place of type ty:
 * true with the converted constant in *out when it fits; false when the
 * store must panic (it then compiles to a run-time store with the constant
 * flag, which panics with Go's message when it runs). */
bool types_store_const(const ObjType *ty, Value v, Value *out);
/* Whether a store into a place of type ty can change a value at all: true
 * for the basic types (bool, the numbers, string) and for map types (nil
 * stored there becomes the type's nil map, which reads zeros), false for
 * the rest. */
bool types_store_checks(const ObjType *ty);

/* ---- the registry of module types ------------------------------------- */

/* "time.Duration" is an INT of 64 bits, "sync.Mutex" an OBJECT that ctor
 * (a function of no arguments) makes. */
void types_register(const char *qualified, TypeKind kind, Value ctor);
/* A module type with a descriptor of its own (t->name qualified, as
 * "time.Duration"): a declared type with native methods, an interface with
 * its methods, a struct. Every use of the name is t. */
void types_register_type(ObjType *t);
/* Another name for t (Go's alias os.PathError = fs.PathError). */
void types_register_alias(const char *qualified, ObjType *t);

#endif
