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
 * csp does not keep an integer's declared width in the value, so any
 * integer asserts as any integer type (the first case of a type switch
 * that names one wins), and likewise float32/float64.
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
