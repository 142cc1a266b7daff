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
 *     together, as csp keeps no separate float64 and int key types;
 *   - a function or channel is its address, 0xc000012345;
 *   - a native object prints through its class's String() method when it
 *     has one and the printer was given a thread to call it on (Go's
 *     Stringer), else as its class name and braces: sync.Mutex{};
 *   - a list or map that contains itself prints [...] / map[...] where it
 *     recurs, and so does nesting deeper than FORMAT_MAX_DEPTH, so
 *     printing never recurses without bound.
 * %#v prints csp literal syntax instead: ["a", 1], {"k": 2}, nil,
 * errors.New("x"), (func)(0xc000012345), and never calls String().
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
    bool sharp_v;                       /* %#v: csp literal syntax */
    bool plus_v;                        /* %+v (Go's field names): csp's values print as %v */
    PrintLeafFn *leaf;                  /* Printf's verbs and flags; NULL: format_leaf */
    int depth;                          /* containers being printed ... */
    const void *path[FORMAT_MAX_DEPTH]; /* ... and which, to spot cycles */
};

/* A printer of %v into b; t as in Printer (NULL: no String() calls). */
void format_init(Printer *p, Buf *b, struct Thread *t);
/* Print v for verb: nil inside a container, lists and maps here (their
 * elements with the same verb), any other value through p->leaf. With no
 * leaf printer the verb must be 'v'. */
void format_print(Printer *p, Value v, int verb);
/* The %v (or %#v, as p->sharp_v says) of a value that is neither nil nor a
 * list nor a map. */
void format_leaf(Printer *p, Value v);
/* Go's Stringer: if v is a native object whose class has a String()
 * method, p has a thread to call it on, nothing failed yet and the verb
 * family is not %#v, the string it returns, in *out. A panic in String()
 * sets p->failed; false then, as for any other reason not to use it. */
bool format_stringer(Printer *p, Value v, ObjString **out);

/* Append v as %v, with no thread, so String() methods are not called. */
void format_value(Buf *b, Value v);
/* format_value as a string; a string is itself, without copying. */
ObjString *format_value_str(Value v);

/* ---- numbers and quoting ----------------------------------------------- */

/* Decimal text of i, written backwards ending at end (24 bytes suffice);
 * returns where it starts. */
char *format_itoa(char *end, int64_t i);
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
