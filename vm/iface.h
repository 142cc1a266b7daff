/* iface.h — interfaces at run time: type assertions, type switches and
 * whether a value satisfies an interface.
 *
 * csp checks Go's interfaces when the program runs. A value's dynamic type
 * is what it is (an int, a string, a struct of a declared type, a pointer
 * to one...); `v.(T)` asks whether that type is T (a concrete T) or has
 * T's methods (an interface T). Method sets follow Go: a struct value has
 * its type's value-receiver methods, a pointer to it has those and the
 * pointer-receiver ones, so `var s Shape = Square{}` needs Area declared on
 * Square, not on *Square.
 *
 * Most values tell their type by themselves. Three kinds do not, and keep
 * their static type only while they are in an interface: an integer of a
 * sized type (int8..int64, uint..uint64, uintptr: csp's ints are one kind
 * at run time), a float32, and the nil of a pointer, chan, func, map or
 * slice type (a nil *T in an `error` is not a nil error). The compiler
 * boxes such a value where it flows into a place of interface type (an
 * argument, variable, result, element or field declared `any`, `error` or
 * an interface; fmt's arguments), and only there: an ObjNamed whose type
 * is the built-in one (not a declared type, whose values always carry
 * it). Assertions, type switches, %T and == then see the type Go sees,
 * and the plain value comes out again when a type assertion or a type
 * switch's one-type case takes it out of the interface. A plain int in an
 * interface is an int, a plain float a float64, as untyped constants are
 * in Go.
 */
#ifndef CSP_IFACE_H
#define CSP_IFACE_H

#include <stdbool.h>

#include "types.h"

struct Thread;

/* Does v's dynamic type match ty? nil matches no type (a type switch's
 * `case nil` compares with nil instead). */
bool iface_has(const ObjType *ty, Value v);
/* The first method an interface ty requires that v lacks, or NULL (also
 * when ty is not an interface). */
const char *iface_missing(const ObjType *ty, Value v);
/* v.(ty): *out = v, or -1 after a panic with Go's message
 * ("interface conversion: interface {} is string, not int"). */
int iface_assert(struct Thread *t, const ObjType *ty, Value v, Value *out);
/* v, ok := v.(ty): on a mismatch *out is ty's zero value and *ok false.
 * Returns -1 only when making that zero value panicked. */
int iface_assert2(struct Thread *t, const ObjType *ty, Value v, Value *out, bool *ok);

/* Whether a value of static type ty keeps ty in an interface by a box
 * (see above): a sized integer type, float32, or a pointer, chan, func,
 * map or slice type (whose nil is boxed). Declared types are not, as
 * their values carry their type already, but for the nil of a declared
 * chan, pointer, func, map or slice type. */
bool iface_boxes(const ObjType *ty);
/* v, of static type ty, as an interface holds it: boxed when iface_boxes
 * says so and v needs it (a number of a sized type, a nil of a composite
 * type), else v itself. */
Value iface_box(const ObjType *ty, Value v);
/* Whether v is such a box: an ObjNamed of a type nobody declared, or the
 * nil of a declared chan or pointer type (`type Chan chan int`), whose
 * nil cannot carry its type by itself. (A declared number, string, bool or
 * func type's values are ObjNamed wherever they are: types_boxed.) */
static inline bool iface_is_box(Value v)
{
    return v_is_obj(v, OBJ_NAMED) && !types_boxed(((ObjNamed *)v_ptr(v))->type);
}
/* v out of its box (v itself when it is none). */
static inline Value iface_unbox(Value v)
{
    return iface_is_box(v) ? ((ObjNamed *)v_ptr(v))->v : v;
}
/* Whether a and b are one type as Go tells built-in types apart (byte is
 * uint8, rune int32; int is not int64). */
bool iface_same_basic(const ObjType *a, const ObjType *b);

/* Generic functions run for every type argument, dynamically: a type
 * parameter is a local holding its argument's descriptor, given by the
 * caller (Map[int, string](...)) or inferred from the arguments when the
 * function starts. */

/* The type of a value as far as the value tells: int, float64, string,
 * bool, a struct's or array's declared type, a pointer to one, []E from a
 * slice's first element, a module object's type; NULL when unknown. */
ObjType *iface_typeof(Value v);
/* Inference from one argument (INFER's path): its type (0), its elements'
 * (1), its map keys' (2) or values' (3), its pointer target's (4), a typed
 * channel's elements' (5). */
ObjType *iface_infer(Value v, int path);
/* Inference from one argument v whose parameter's type tmpl is written
 * with the type parameter `name` (`l *List[T]`, `ps []Pair[K, V]`, `c
 * <-chan T`): what v's type has where tmpl has the parameter, or NULL when
 * v does not tell. With variadic, v is the list of the arguments a
 * `...X` parameter collected, and its first element is matched against
 * X. */
ObjType *iface_unify(const ObjType *tmpl, const char *name, Value v, bool variadic);
/* The type list tmpl[0] with the parameters named tmpl[1..n] replaced by
 * the descriptors args[0..n-1] (nil: any). */
Value iface_subst(Value tmpl, const Value *args, int n);

#endif
