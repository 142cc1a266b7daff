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

#endif
