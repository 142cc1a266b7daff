/* format.h — how a value prints: Go's %v of every csp value, and the
 * number and quoting primitives under it (strconv's FormatInt, FormatFloat,
 * Quote and QuoteRune).
 *
 * This module owns the text of a value. The runtime uses it for "panic:
 * <value>" and for the operands in its error messages; str() and the fmt
 * module use it for everything they print. fmt's Printf (stdlib/fmt.c) adds
 * only what its verbs, flags and widths change: it walks a value through
 * format_print with a leaf printer of its own, and that printer hands back
 * to format_leaf whatever it prints as plain %v. So a value prints the same
 * in a panic, in str(), in Println and in Printf's %v.
 *
 * %v, as Go's fmt, except where LANGUAGE.md decides otherwise:
 *   - nil is <nil>; an int in decimal; a float in the shortest text that
 *     reads back as the same double, %g-like with Go's exponent thresholds
 *     (100000 but 1e+06, 1e-05 but 0.0001), +Inf, -Inf, NaN; a bool as
 *     true / false; a string as its bytes; an error as its message;
 *   - a list is [1 2 3], a map map[a:1 b:2] with its keys sorted as Go's
 *     fmt sorts them (internal/fmtsort): nil, false, true, numbers by
 *     value with NaN first, strings bytewise; ints and floats sort
 *     together, as csp keeps no separate float64 and int key types; a nil
 *     slice is [] and a nil map map[];
 *   - a struct is {1 2 []}, an array [1 2 3]; a pointer to a struct,
 *     array, slice or map is &{1 2} as the operand itself, but its address
 *     (0xc000012345) inside anything else, as Go prints nested pointers
 *     (which also keeps a cycle through pointers from recursing); any
 *     other pointer, a function or a channel is its address;
 *   - a value whose type has an Error() or String() method prints through
 *     it (Error first, as Go's handleMethods), for %v %s %x %X %q, when the
 *     printer was given a thread to call it on: a script's type (a pointer
 *     receiver only for a pointer, Go's method sets) or a native class
 *     with a String() method; not inside an unexported field, where Go's
 *     fmt cannot reach the method either. A panic in the method prints as
 *     Go's %!v(PANIC=String method: boom); a stack overflow (a String
 *     that prints its own receiver with %v) stays a panic;
 *   - a native object without a String() method is {} (its Go fields are
 *     not csp values);
 *   - a list or map that contains itself prints [...] / map[...] where it
 *     recurs, and so does nesting deeper than FORMAT_MAX_DEPTH, so
 *     printing never recurses without bound.
 * %+v adds field names: {X:1 Y:2}. %#v is Go's syntax, with Go's type
 * names: main.Point{X:1, Y:2, Tags:[]string(nil)}, []int{1, 2},
 * map[string]int{"a":1}, [3]int{1, 2, 3}, &main.Point{...}; csp's untyped
 * lists and maps are []interface {}{1, "a"} and
 * map[interface {}]interface {}{"k":1}, a nil among them interface
 * {}(nil); an error is &errors.errorString{s:"x"}; %#v calls a
 * GoString() method (Go's GoStringer), never String() or Error().
 *
 * Type names (%T, %#v, type() of a script's type) are Go's
 * (reflect.Type.String()): int, float64, []int, map[string]int,
 * main.Point, *main.Point, [3]int, struct { a int }, interface {}. A
 * value knows its Go type when it carries a descriptor (a struct, an
 * array, a typed slice or map); csp's untyped values get the name of
 * their dynamic kind: []interface {} for a list, func(interface {}) for a
 * function of one parameter, chan interface {} for a channel.
 *
 * No mutable global state (one lazily made constant string): every
 * function is safe on any thread. A Printer lives on one thread's stack.
 */
#ifndef CSP_FORMAT_H
#define CSP_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "object.h"

struct Thread;

/* Containers nested deeper than this print as [...]: deep enough for any
 * real data, shallow enough that the recursion's C stack (a few hundred
 * bytes a level) stays far from a goroutine's stack limit. */
#define FORMAT_MAX_DEPTH 64

/* format_ftoa clamps larger precisions: they are typos, and would make it
 * allocate gigabytes of digits. The same bound as fmt's widths. */
#define FORMAT_MAX_PREC 1000000

/* Hexadecimal digits, then the letter of the 0x prefix: digits[16]. */
extern const char format_ldigits[]; /* "0123456789abcdefx" */
extern const char format_udigits[]; /* "0123456789ABCDEFX" */

/* ---- values ------------------------------------------------------------ */

typedef struct Printer Printer;

/* Prints v, which is neither nil nor a list nor a map (format_print walks
 * those itself), for the given verb with the caller's flags. */
typedef void PrintLeafFn(Printer *p, Value v, int verb);

/* The state of one printing: where the text goes and which containers are
 * open. Printf embeds it in its own state, which adds the flags. */
struct Printer {
    Buf *b;
    /* String() methods are called through t; NULL: never. */
    struct Thread *t;
    /* A String() method panicked (the panic is recorded in t): the text
     * is to be dropped. */
    bool failed;
    bool sharp_v; /* %#v: Go's syntax */
    bool plus_v;  /* %+v: struct field names */
    /* No Error()/String() calls: while printing a bad verb's operand or a
     * method's panic (Go's erroring and panicking), and inside an
     * unexported field (Go's fmt cannot call methods there). */
    bool no_methods;
    PrintLeafFn *leaf;                  /* Printf's verbs and flags; NULL: format_leaf */
    int depth;                          /* containers being printed ... */
    int top;                            /* ... of which this many are around the operand being printed
                                           (Go's printArg restarts at depth 0 for a bad verb's operand) */
    const void *path[FORMAT_MAX_DEPTH]; /* ... and which, to spot cycles */
    /* 32 while printing a float32 (a float32 variable, element or field, or
     * one in an interface): its shortest digits are float32's, as Go's
     * (0.1, not the 0.10000000149011612 of the double that holds it). */
    int float_bits;
};

/* A printer of %v into b; t as in Printer (NULL: no String() calls). */
void format_init(Printer *p, Buf *b, struct Thread *t);
/* Print v for verb: its Error() or String() method if it has one (see
 * above), nil inside a container, lists, maps, structs, arrays and
 * pointers here (their elements with the same verb), any other value
 * through p->leaf. With no leaf printer the verb must be 'v'. Go's printArg
 * and printValue in one: whether v is the operand itself or inside
 * something is p->depth == 0. */
void format_print(Printer *p, Value v, int verb);
/* The %v (or %#v, as p->sharp_v says) of a value that format_print does
 * not walk: a number, string, bool, error, function, channel, native
 * object or module, or a pointer printed as its address. */
void format_leaf(Printer *p, Value v);
/* Go's Stringer for a native object: if v is one whose class has a
 * String() method, p has a thread to call it on, nothing failed yet and
 * the verb family is not %#v, the string it returns, in *out. A panic in
 * String() sets p->failed; false then, as for any other reason not to use
 * it. */
bool format_stringer(Printer *p, Value v, ObjString **out);

/* ---- Go type names ----------------------------------------------------- */

struct ObjType;

/* Go's name of a type (reflect.Type.String()): []interface {} for []any,
 * uint8 for byte, main.Point, struct { a int; B string }. */
void format_type(Buf *b, const struct ObjType *ty);
/* %T of v: Go's name of its type, where v records one (see above); nil
 * is <nil>. */
void format_type_of(Buf *b, Value v);
/* The same as a string, for type() and messages. */
const char *format_type_name(Value v);
/* The type a value records: a struct's, an array's, a typed slice's or
 * map's; NULL for csp's untyped values and for scalars. */
const struct ObjType *format_value_type(Value v);

/* Whether v's method set has the method `name` (Error, String): a
 * script's type's own or promoted method, as format_print would call. */
bool format_has_method(Value v, const char *name);
/* The same method as a function and the receiver to call it with (its
 * first argument), for natives that call a script's Read, Write, Len...
 * (io.Copy, container/heap): false when v's method set has none. */
bool format_method(Value v, const char *name, Value *fn, Value *recv);
/* Whether printing v may call a method, so that it needs a thread to
 * print as fmt does: a native object, a struct, an array, a pointer, or a
 * list or map that may hold one. */
bool format_may_call(Value v);

/* Append v as %v, with no thread, so String() methods are not called. */
void format_value(Buf *b, Value v);
/* format_value as a string; a string is itself, without copying. */
ObjString *format_value_str(Value v);

/* ---- numbers and quoting ----------------------------------------------- */

/* Decimal text of i, written backwards ending at end (24 bytes suffice);
 * returns where it starts. */
char *format_itoa(char *end, int64_t i);
/* The same for the uint64 u, and for the int v (v_is_anyint): a uint64
 * past 2^63-1 (v_is_bigu) prints as the unsigned number it is. */
char *format_utoa(char *end, uint64_t u);
char *format_int_text(char *end, Value v);
/* strconv.AppendFloat: fmt 'e' 'E' 'f' 'g' 'G' 'b' 'x' 'X'; prec < 0 for
 * the shortest round-trip digits; bitsize 32 or 64. */
void format_ftoa(Buf *b, double v, int fmt, int prec, int bitsize);
/* The %v of a float: shortest round-trip text ("0.1", "1e+21", "3"). */
void format_float(Buf *b, double d);
/* strconv.Quote (QuoteToASCII when ascii_only) and strconv.QuoteRune. */
void format_quote(Buf *b, const char *s, size_t n, bool ascii_only);
void format_quote_rune(Buf *b, int64_t r, bool ascii_only);
/* strconv.CanBackquote: s can be written as a `raw` string literal. */
bool format_can_backquote(const char *s, size_t n);

#endif
