/* fmt.c — the fmt module: Print, Println, Printf's verbs, flags and
 * widths, Sprint*, Errorf and Fprint*.
 *
 * How each value prints as %v is vm/format.c's (so a panic, str() and
 * Println agree); this file adds what Printf's verbs and flags change. Its
 * leaf printer (print_leaf) gets every value format_print does not walk
 * itself, and hands plain %v back to format_leaf.
 *
 * The Printf engine is a port of Go's fmt (print.go and format.go, go1.19):
 * the same flag parsing, padding rules and error notation (%!d(string=hi),
 * %!d(MISSING), %!(EXTRA int=3), %!(BADWIDTH), %!v(BADINDEX)), so a pasted
 * Go program prints what Go prints. Type names, in that notation and in
 * %T, are Go's, as vm/format.c names them (format_type_of): int, float64,
 * main.Point, *main.Point, []int for a typed slice, []interface {} for an
 * untyped list.
 *
 * No mutable global state: every function is safe on any thread.
 */
#include "stream.h"

#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/mem.h"
#include "../vm/utf8.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Go's fmt rejects widths and precisions above this (tooLarge): they are
 * typos, and would make us allocate gigabytes of padding. */
#define FMT_MAX_NUM 1000000

/* ====================================================================== */
/* The printer state (Go's pp and fmt)                                     */
/* ====================================================================== */

/* Printf's state: the value printer's, and the flags of the verb being
 * printed. */
typedef struct Fmt {
    Printer p; /* first: print_leaf gets &f->p back */
    bool wid_present, prec_present;
    bool minus, plus, sharp, space, zero;
    int wid, prec;
    bool wrap_errs;    /* fmt.Errorf: %w is allowed (once) */
    bool wrapped;      /* a %w was used */
    Value wrapped_err; /* ... and the error it wrapped */
} Fmt;

static void print_leaf(Printer *p, Value v, int verb);

static void fmt_init(Fmt *f, Buf *b, Thread *t)
{
    memset(f, 0, sizeof *f);
    format_init(&f->p, b, t);
    f->p.leaf = print_leaf;
}

static void clear_flags(Fmt *f)
{
    f->wid_present = f->prec_present = false;
    f->minus = f->plus = f->sharp = f->space = f->zero = false;
    f->p.plus_v = f->p.sharp_v = false;
    f->wid = f->prec = 0;
}

static void write_padding(Fmt *f, int n)
{
    if (n <= 0)
        return;
    buf_reserve(f->p.b, (size_t)n);
    memset(f->p.b->data + f->p.b->len, f->zero ? '0' : ' ', (size_t)n);
    f->p.b->len += (size_t)n;
    f->p.b->data[f->p.b->len] = 0;
}

/* Append s padded to the width (counted in runes), on the left unless '-'. */
static void pad(Fmt *f, const char *s, size_t n)
{
    if (!f->wid_present || f->wid == 0) {
        buf_add(f->p.b, s, n);
        return;
    }
    int width = f->wid - (int)utf8_count(s, n);
    if (!f->minus) {
        write_padding(f, width);
        buf_add(f->p.b, s, n);
    } else {
        buf_add(f->p.b, s, n);
        write_padding(f, width);
    }
}

static void pad_str(Fmt *f, const char *s)
{
    pad(f, s, strlen(s));
}

/* Pad without zeros (Go clears f.zero around several of these). */
static void pad_spaces(Fmt *f, const char *s, size_t n)
{
    bool zero = f->zero;
    f->zero = false;
    pad(f, s, n);
    f->zero = zero;
}

/* ---- scalars ------------------------------------------------------------ */

static void fmt_integer(Fmt *f, uint64_t u, int base, bool is_signed, int verb, const char *digits)
{
    bool negative = is_signed && (int64_t)u < 0;
    if (negative)
        u = -u;

    char small[96];
    char *buf = small;
    size_t size = sizeof small;
    if (f->wid_present || f->prec_present) {
        /* 3 extra bytes for a sign and "0x". */
        size_t width = 3 + (size_t)f->wid + (size_t)f->prec + 68;
        if (width > size) {
            buf = mem_alloc_atomic(width);
            size = width;
        }
    }

    /* Two ways to ask for extra leading zero digits: %.3d or %03d. If both
     * are given, the zero flag is ignored and spaces pad instead. */
    int prec = 0;
    if (f->prec_present) {
        prec = f->prec;
        /* Precision 0 and value 0 means "print nothing" but padding. */
        if (prec == 0 && u == 0) {
            bool zero = f->zero;
            f->zero = false;
            write_padding(f, f->wid);
            f->zero = zero;
            return;
        }
    } else if (f->zero && f->wid_present) {
        prec = f->wid;
        if (negative || f->plus || f->space)
            prec--; /* leave room for the sign */
    }

    size_t i = size;
    switch (base) {
    case 10:
        while (u >= 10) {
            buf[--i] = (char)('0' + u % 10);
            u /= 10;
        }
        break;
    case 16:
        while (u >= 16) {
            buf[--i] = digits[u & 0xF];
            u >>= 4;
        }
        break;
    case 8:
        while (u >= 8) {
            buf[--i] = (char)('0' + (u & 7));
            u >>= 3;
        }
        break;
    case 2:
        while (u >= 2) {
            buf[--i] = (char)('0' + (u & 1));
            u >>= 1;
        }
        break;
    }
    buf[--i] = digits[u];
    while (i > 0 && prec > (int)(size - i))
        buf[--i] = '0';

    if (f->sharp) {
        switch (base) {
        case 2:
            buf[--i] = 'b';
            buf[--i] = '0';
            break;
        case 8:
            if (buf[i] != '0')
                buf[--i] = '0';
            break;
        case 16:
            buf[--i] = digits[16];
            buf[--i] = '0';
            break;
        }
    }
    if (verb == 'O') {
        buf[--i] = 'o';
        buf[--i] = '0';
    }
    if (negative)
        buf[--i] = '-';
    else if (f->plus)
        buf[--i] = '+';
    else if (f->space)
        buf[--i] = ' ';

    /* Left zero padding was handled as precision above. */
    pad_spaces(f, buf + i, size - i);
}

/* %U: U+0041, with '#' also the character: U+0041 'A'. */
static void fmt_unicode(Fmt *f, uint64_t u)
{
    char tmp[64];
    Buf b;
    buf_init(&b);
    int prec = 4;
    if (f->prec_present && f->prec > 4)
        prec = f->prec;
    snprintf(tmp, sizeof tmp, "U+%0*llX", prec, (unsigned long long)u);
    buf_adds(&b, tmp);
    if (f->sharp && u <= 0x10FFFF && unicode_is_print((int32_t)u)) {
        buf_adds(&b, " '");
        int n = utf8_encode(tmp, (int64_t)u);
        buf_add(&b, tmp, (size_t)n);
        buf_addc(&b, '\'');
    }
    pad_spaces(f, b.data, b.len);
}

/* %c */
static void fmt_c(Fmt *f, uint64_t c)
{
    char tmp[4];
    int n = utf8_encode(tmp, c > 0x10FFFF ? UTF8_ERROR : (int64_t)c);
    pad(f, tmp, (size_t)n);
}

/* %q of an int: a quoted rune. */
static void fmt_qc(Fmt *f, uint64_t c)
{
    Buf b;
    buf_init(&b);
    format_quote_rune(&b, c > 0x10FFFF ? UTF8_ERROR : (int64_t)c, f->plus);
    pad(f, b.data, b.len);
}

/* %s: truncated to the precision (in runes), padded. */
static void fmt_s(Fmt *f, const char *s, size_t n)
{
    if (f->prec_present) {
        int left = f->prec;
        size_t i = 0;
        while (i < n) {
            if (--left < 0)
                break;
            int32_t r;
            i += (unsigned char)s[i] < 0x80 ? 1 : (size_t)utf8_decode(s + i, n - i, &r);
        }
        n = i;
    }
    pad(f, s, n);
}

/* %x %X of a string: hex bytes; ' ' separates them, '#' adds 0x. */
static void fmt_sx(Fmt *f, const char *s, size_t n, const char *digits)
{
    size_t length = n;
    if (f->prec_present && (size_t)f->prec < length)
        length = (size_t)f->prec;
    /* Compute the width of the encoding taking the flags into account. */
    size_t width = 2 * length;
    if (width > 0) {
        if (f->space) {
            if (f->sharp)
                width *= 2; /* each element gets its own 0x */
            width += length - 1;
        } else if (f->sharp) {
            width += 2;
        }
    } else {
        if (f->wid_present)
            write_padding(f, f->wid);
        return;
    }
    if (f->wid_present && (size_t)f->wid > width && !f->minus)
        write_padding(f, f->wid - (int)width);
    Buf *b = f->p.b;
    buf_reserve(b, width);
    if (f->sharp) {
        buf_addc(b, '0');
        buf_addc(b, digits[16]);
    }
    for (size_t i = 0; i < length; i++) {
        if (f->space && i > 0) {
            buf_addc(b, ' ');
            if (f->sharp) {
                buf_addc(b, '0');
                buf_addc(b, digits[16]);
            }
        }
        unsigned char c = (unsigned char)s[i];
        buf_addc(b, digits[c >> 4]);
        buf_addc(b, digits[c & 0xF]);
    }
    if (f->wid_present && (size_t)f->wid > width && f->minus)
        write_padding(f, f->wid - (int)width);
}

/* %q of a string: Go-quoted; '#' prefers `raw`, '+' escapes non-ASCII. */
static void fmt_q(Fmt *f, const char *s, size_t n)
{
    if (f->prec_present) {
        int left = f->prec;
        size_t i = 0;
        while (i < n) {
            if (--left < 0)
                break;
            int32_t r;
            i += (size_t)utf8_decode(s + i, n - i, &r);
        }
        n = i;
    }
    Buf b;
    buf_init(&b);
    if (f->sharp && format_can_backquote(s, n)) {
        buf_addc(&b, '`');
        buf_add(&b, s, n);
        buf_addc(&b, '`');
    } else {
        format_quote(&b, s, n, f->plus);
    }
    pad(f, b.data, b.len);
}

/* Go's fmt.fmtFloat: strconv's text, then signs, '#' and padding. */
static void fmt_float_text(Fmt *f, double v, int verb, int prec)
{
    if (f->prec_present)
        prec = f->prec;
    Buf nb;
    buf_init(&nb);
    buf_addc(&nb, '+'); /* room for a sign */
    format_ftoa(&nb, v, verb, prec, f->p.float_bits == 32 ? 32 : 64);
    char *num = nb.data;
    size_t n = nb.len;
    if (num[1] == '-' || num[1] == '+') {
        num++;
        n--;
    }
    /* A leading space instead of "+" unless '+' is given too. */
    if (f->space && num[0] == '+' && !f->plus)
        num[0] = ' ';
    /* Infinities and NaN are not padded with zeros. */
    if (num[1] == 'I' || num[1] == 'N') {
        if (num[1] == 'N' && !f->space && !f->plus) {
            num++;
            n--;
        }
        pad_spaces(f, num, n);
        return;
    }
    if (f->sharp && verb != 'b') {
        /* '#' forces a decimal point and keeps trailing zeros for %g. */
        int digits = 0;
        if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x')
            digits = prec == -1 ? 6 : prec;
        char tail[16] = "";
        bool has_point = false, nonzero = false;
        for (size_t i = 1; i < n; i++) {
            char c = num[i];
            if (c == '.') {
                has_point = true;
            } else if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
                size_t tl = n - i < sizeof tail - 1 ? n - i : sizeof tail - 1;
                memcpy(tail, num + i, tl);
                tail[tl] = 0;
                n = i;
                break;
            } else {
                if (c != '0')
                    nonzero = true;
                if (nonzero)
                    digits--;
            }
        }
        Buf nb2;
        buf_init(&nb2);
        buf_add(&nb2, num, n);
        if (!has_point) {
            if (n == 2 && num[1] == '0')
                digits--; /* a lone 0 counts as a digit */
            buf_addc(&nb2, '.');
        }
        for (; digits > 0; digits--)
            buf_addc(&nb2, '0');
        buf_adds(&nb2, tail);
        num = nb2.data;
        n = nb2.len;
    }
    if (f->plus || num[0] != '+') {
        /* Zero padding goes after the sign. */
        if (f->zero && f->wid_present && f->wid > (int)n) {
            buf_addc(f->p.b, num[0]);
            write_padding(f, f->wid - (int)n);
            buf_add(f->p.b, num + 1, n - 1);
            return;
        }
        pad(f, num, n);
        return;
    }
    pad(f, num + 1, n - 1); /* no sign to show */
}

/* ---- values ------------------------------------------------------------- */

/* %!verb(type=value): the value as plain %v, calling no method (Go's
 * erroring). */
static void bad_verb(Fmt *f, Value v, int verb)
{
    char tmp[4];
    buf_adds(f->p.b, "%!");
    buf_add(f->p.b, tmp, (size_t)utf8_encode(tmp, verb));
    buf_addc(f->p.b, '(');
    if (v_is_nil(v)) {
        buf_adds(f->p.b, "<nil>");
    } else {
        format_type_of(f->p.b, v);
        buf_addc(f->p.b, '=');
        /* Printed as an operand of its own, as Go's printArg does: a
         * pointer inside a struct prints here as &{...}. */
        bool sharp_v = f->p.sharp_v, plus_v = f->p.plus_v, no_methods = f->p.no_methods;
        int top = f->p.top;
        f->p.sharp_v = f->p.plus_v = false;
        f->p.no_methods = true;
        f->p.top = f->p.depth;
        format_print(&f->p, v, 'v');
        f->p.sharp_v = sharp_v, f->p.plus_v = plus_v, f->p.no_methods = no_methods;
        f->p.top = top;
    }
    buf_addc(f->p.b, ')');
}

static void fmt_0x64(Fmt *f, uint64_t u, bool leading0x)
{
    bool sharp = f->sharp;
    f->sharp = leading0x;
    fmt_integer(f, u, 16, false, 'v', format_ldigits);
    f->sharp = sharp;
}

static void fmt_int(Fmt *f, Value v, uint64_t u, bool is_signed, int verb)
{
    switch (verb) {
    case 'v':
    case 'd':
        fmt_integer(f, u, 10, is_signed, verb, format_ldigits);
        break;
    case 'b':
        fmt_integer(f, u, 2, is_signed, verb, format_ldigits);
        break;
    case 'o':
    case 'O':
        fmt_integer(f, u, 8, is_signed, verb, format_ldigits);
        break;
    case 'x':
        fmt_integer(f, u, 16, is_signed, verb, format_ldigits);
        break;
    case 'X':
        fmt_integer(f, u, 16, is_signed, verb, format_udigits);
        break;
    case 'c':
        fmt_c(f, u);
        break;
    case 'q':
        fmt_qc(f, u);
        break;
    case 'U':
        fmt_unicode(f, u);
        break;
    default:
        bad_verb(f, v, verb);
    }
}

static void fmt_float_verb(Fmt *f, Value v, double d, int verb)
{
    switch (verb) {
    case 'v':
        fmt_float_text(f, d, 'g', -1);
        break;
    case 'b':
    case 'g':
    case 'G':
    case 'x':
    case 'X':
        fmt_float_text(f, d, verb, -1);
        break;
    case 'f':
    case 'e':
    case 'E':
        fmt_float_text(f, d, verb, 6);
        break;
    case 'F':
        fmt_float_text(f, d, 'f', 6);
        break;
    default:
        bad_verb(f, v, verb);
    }
}

/* Go's fmtComplex: each part as the float verb prints it (width and
 * precision apply to each), the imaginary part with its sign. */
static void fmt_complex(Fmt *f, Value v, int verb)
{
    if (!strchr("vbgGxXfFeE", verb)) {
        bad_verb(f, v, verb);
        return;
    }
    const ObjComplex *c = v_complex(v);
    bool plus = f->plus;
    int bits = f->p.float_bits;
    if (c->h.flags & COMPLEX_64)
        f->p.float_bits = 32; /* a complex64's parts are float32s */
    buf_addc(f->p.b, '(');
    fmt_float_verb(f, v, c->re, verb);
    f->plus = true;
    fmt_float_verb(f, v, c->im, verb);
    buf_adds(f->p.b, "i)");
    f->plus = plus;
    f->p.float_bits = bits;
}

static void fmt_string(Fmt *f, Value v, const char *s, size_t n, int verb)
{
    switch (verb) {
    case 'v':
        if (f->p.sharp_v)
            fmt_q(f, s, n);
        else
            fmt_s(f, s, n);
        break;
    case 's':
        fmt_s(f, s, n);
        break;
    case 'x':
        fmt_sx(f, s, n, format_ldigits);
        break;
    case 'X':
        fmt_sx(f, s, n, format_udigits);
        break;
    case 'q':
        fmt_q(f, s, n);
        break;
    default:
        bad_verb(f, v, verb);
    }
}

static bool is_reference(Value v)
{
    if (v_is_ref(v))
        return true;
    if (!v_is_ptr(v))
        return false;
    switch (v_obj(v)->kind) {
    case OBJ_LIST:
    case OBJ_MAP:
    case OBJ_CLOSURE:
    case OBJ_NATIVE:
    case OBJ_BOUND:
    case OBJ_CHAN:
    case OBJ_OBJECT:
        return true;
    default:
        return false;
    }
}

/* Pointers, funcs, chans (and %p of anything by reference): the address,
 * as Go. */
static void fmt_pointer(Fmt *f, Value v, int verb)
{
    /* a typed nil in an interface (vm/iface.h) is the address 0 */
    bool typed_nil = iface_is_box(v) && iface_unbox(v) == V_NIL;
    if (!typed_nil && !is_reference(v)) {
        bad_verb(f, v, verb);
        return;
    }
    uint64_t u = typed_nil ? 0 : (uint64_t)(uintptr_t)(v_is_ref(v) ? v_ref_target(v) : v_ptr(v));
    switch (verb) {
    case 'v':
        if (f->p.sharp_v) {
            buf_addc(f->p.b, '(');
            format_type_of(f->p.b, v);
            buf_adds(f->p.b, ")(");
            fmt_0x64(f, u, true);
            buf_addc(f->p.b, ')');
        } else {
            fmt_0x64(f, u, !f->sharp);
        }
        break;
    case 'p':
        fmt_0x64(f, u, !f->sharp);
        break;
    case 'b':
    case 'o':
    case 'd':
    case 'x':
    case 'X':
        fmt_int(f, v, u, false, verb);
        break;
    default:
        bad_verb(f, v, verb);
    }
}

/* A value whose text no flag changes but the width (an object without a
 * String() method, a module): format_leaf's text, padded. */
static void pad_leaf(Fmt *f, Value v)
{
    Buf b;
    buf_init(&b);
    Printer p;
    format_init(&p, &b, NULL); /* no thread: String() is not called */
    p.sharp_v = f->p.sharp_v;
    format_leaf(&p, v);
    pad(f, b.data, b.len);
}

/* Is this plain %v: no flag, width or precision? (The '#' and '+' of %v
 * are the printer's sharp_v and plus_v, which format_leaf follows.) */
static bool plain_v(const Fmt *f, int verb)
{
    return verb == 'v' && !f->wid_present && !f->prec_present && !f->minus && !f->plus && !f->sharp &&
           !f->space && !f->zero;
}

/* Printf's leaf printer (Printer.leaf): what format_print does not walk
 * (see format_leaf), with the verb and the flags. */
static void print_leaf(Printer *p, Value v, int verb)
{
    Fmt *f = (Fmt *)p; /* p is f->p, Fmt's first member */
    if (plain_v(f, verb)) {
        format_leaf(p, v);
        return;
    }
    if (v_is_int(v)) {
        fmt_int(f, v, (uint64_t)v_int(v), true, verb);
        return;
    }
    if (v_is_flonum(v)) {
        fmt_float_verb(f, v, v_flonum(v), verb);
        return;
    }
    if (v_is_bool(v)) {
        if (verb == 't' || verb == 'v')
            pad_str(f, v == V_TRUE ? "true" : "false");
        else
            bad_verb(f, v, verb);
        return;
    }
    if (v_is_ref(v)) {
        fmt_pointer(f, v, verb);
        return;
    }
    if (!v_is_ptr(v)) {
        pad_leaf(f, v);
        return;
    }
    switch ((ObjKind)v_obj(v)->kind) {
    case OBJ_STRING:
        fmt_string(f, v, v_str(v)->data, v_str(v)->len, verb);
        return;
    case OBJ_BOXINT:
        fmt_int(f, v, (uint64_t)((ObjBoxInt *)v_ptr(v))->i, !v_is_bigu(v), verb);
        return;
    case OBJ_BOXFLOAT:
        fmt_float_verb(f, v, ((ObjBoxFloat *)v_ptr(v))->d, verb);
        return;
    case OBJ_COMPLEX:
        fmt_complex(f, v, verb);
        return;
    case OBJ_ERROR: {
        ObjString *msg = ((ObjError *)v_ptr(v))->msg;
        if (f->p.sharp_v)
            format_leaf(p, v); /* errors.New("..."), never padded */
        else if (verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' || verb == 'q')
            fmt_string(f, v, msg->data, msg->len, verb);
        else
            bad_verb(f, v, verb);
        return;
    }
    case OBJ_CLOSURE:
    case OBJ_NATIVE:
    case OBJ_BOUND:
    case OBJ_CHAN:
        fmt_pointer(f, v, verb);
        return;
    case OBJ_OBJECT: /* one without a String() method (format_print calls it) */
    case OBJ_MODULE:
        pad_leaf(f, v);
        return;
    default:
        format_leaf(p, v); /* never padded */
        return;
    }
}

/* Go's printArg: one operand of Print or of a Printf verb. */
static void print_arg(Fmt *f, Value v, int verb)
{
    if (verb == 'w') {
        /* %w: fmt.Errorf's wrapped error (an error value, or a value
         * with an Error() method), printed as %v; anything else (Sprintf,
         * a non-error, a second %w) is a bad verb, as in Go. */
        if (!f->wrap_errs || f->wrapped || !(v_is_obj(v, OBJ_ERROR) || format_has_method(v, "Error"))) {
            bad_verb(f, v, verb);
            return;
        }
        f->wrapped = true;
        f->wrapped_err = v;
        verb = 'v';
    }
    if (v_is_nil(v)) {
        if (verb == 'T')
            fmt_s(f, "<nil>", 5); /* Go's %T of a nil interface */
        else if (verb == 'v')
            pad_str(f, "<nil>");
        else
            bad_verb(f, v, verb);
        return;
    }
    if (verb == 'T') {
        Buf tb;
        buf_init(&tb);
        format_type_of(&tb, v);
        fmt_s(f, tb.data, tb.len);
        return;
    }
    if (verb == 'p') {
        fmt_pointer(f, v, 'p');
        return;
    }
    format_print(&f->p, v, verb);
}

/* ====================================================================== */
/* Print, Println, Printf                                                  */
/* ====================================================================== */

/* Operands this many or fewer are copied to the C stack, more to the heap. */
#define OWN_ARGS_SMALL 8

/* The operands, copied out of the caller's register window: a String()
 * method that runs while they print may grow the value stack, which moves
 * that window (object.h, NativeFn). */
static const Value *own_args(Thread *t, const Value *args, int nargs, Value *small)
{
    if (!t || nargs <= 0)
        return args;
    Value *copy = nargs <= OWN_ARGS_SMALL ? small : mem_alloc(mem_size((size_t)nargs, sizeof(Value), 0));
    memcpy(copy, args, (size_t)nargs * sizeof(Value));
    return copy;
}

int fmt_print(Thread *t, Buf *b, const Value *args, int nargs)
{
    Value small[OWN_ARGS_SMALL];
    args = own_args(t, args, nargs, small);
    Fmt f;
    fmt_init(&f, b, t);
    bool prev_string = false;
    for (int i = 0; i < nargs; i++) {
        bool is_string = v_is_str(args[i]);
        /* A space between two operands when neither is a string. */
        if (i > 0 && !is_string && !prev_string)
            buf_addc(b, ' ');
        print_arg(&f, args[i], 'v');
        prev_string = is_string;
    }
    return f.p.failed ? -1 : 0;
}

int fmt_println(Thread *t, Buf *b, const Value *args, int nargs)
{
    Value small[OWN_ARGS_SMALL];
    args = own_args(t, args, nargs, small);
    Fmt f;
    fmt_init(&f, b, t);
    for (int i = 0; i < nargs; i++) {
        if (i > 0)
            buf_addc(b, ' ');
        print_arg(&f, args[i], 'v');
    }
    buf_addc(b, '\n');
    return f.p.failed ? -1 : 0;
}

/* parsenum: a decimal number at s[*i..end); false if none (or too big). */
static bool parse_num(const char *s, size_t *i, size_t end, int *out)
{
    int num = 0;
    bool isnum = false;
    size_t j = *i;
    for (; j < end && s[j] >= '0' && s[j] <= '9'; j++) {
        if (num > FMT_MAX_NUM) {
            *i = end; /* overflow: a crazy long number most likely */
            *out = 0;
            return false;
        }
        num = num * 10 + (s[j] - '0');
        isnum = true;
    }
    *i = j;
    *out = num;
    return isnum;
}

typedef struct ArgState {
    int argnum;     /* next operand */
    bool reordered; /* an explicit index was used: don't report EXTRA */
    bool good_argnum;
} ArgState;

/* argNumber: an explicit [n] index at s[*i]; returns whether one was found. */
static bool arg_number(ArgState *as, const char *s, size_t *i, size_t end, int nargs)
{
    if (*i >= end || s[*i] != '[')
        return false;
    as->reordered = true;
    /* parseArgNumber */
    size_t start = *i;
    size_t wid = 1;
    bool ok = false;
    int index = 0;
    if (end - start >= 3) {
        for (size_t j = start + 1; j < end; j++) {
            if (s[j] == ']') {
                size_t k = start + 1;
                int width;
                bool isnum = parse_num(s, &k, j, &width);
                if (!isnum || k != j) {
                    wid = j - start + 1;
                    ok = false;
                } else {
                    index = width - 1;
                    wid = j - start + 1;
                    ok = true;
                }
                break;
            }
        }
    }
    *i = start + wid;
    if (ok && index >= 0 && index < nargs) {
        as->argnum = index;
        return true;
    }
    as->good_argnum = false;
    return ok;
}

/* intFromArg: a '*' width or precision. */
static bool int_from_arg(ArgState *as, const Value *args, int nargs, int *out)
{
    *out = 0;
    if (as->argnum >= nargs)
        return false;
    Value v = args[as->argnum++];
    if (!v_is_anyint(v))
        return false;
    int64_t n = v_anyint(v);
    if (n > FMT_MAX_NUM || n < -FMT_MAX_NUM)
        return false;
    *out = (int)n;
    return true;
}

static void do_printf(Fmt *f, const char *s, size_t end, const Value *args, int nargs)
{
    Buf *b = f->p.b;
    ArgState as = {0, false, true};
    bool after_index = false; /* the previous item was an index like [3] */
    size_t i = 0;
    while (i < end) {
        as.good_argnum = true;
        size_t lasti = i;
        while (i < end && s[i] != '%')
            i++;
        if (i > lasti)
            buf_add(b, s + lasti, i - lasti);
        if (i >= end)
            break;
        i++; /* skip % */

        clear_flags(f);
        bool simple = false;
        for (; i < end; i++) {
            char c = s[i];
            if (c == '#') {
                f->sharp = true;
            } else if (c == '0') {
                f->zero = !f->minus; /* only zero-pad on the left */
            } else if (c == '+') {
                f->plus = true;
            } else if (c == '-') {
                f->minus = true;
                f->zero = false;
            } else if (c == ' ') {
                f->space = true;
            } else {
                /* Fast path: a lower-case verb with no width, precision
                 * or index. */
                if (c >= 'a' && c <= 'z' && as.argnum < nargs) {
                    if (c == 'v') {
                        f->p.sharp_v = f->sharp;
                        f->sharp = false;
                        f->p.plus_v = f->plus;
                        f->plus = false;
                    }
                    print_arg(f, args[as.argnum++], c);
                    i++;
                    simple = true;
                }
                break;
            }
        }
        if (simple)
            continue;

        after_index = arg_number(&as, s, &i, end, nargs);

        /* Width. */
        if (i < end && s[i] == '*') {
            i++;
            f->wid_present = int_from_arg(&as, args, nargs, &f->wid);
            if (!f->wid_present)
                buf_adds(b, "%!(BADWIDTH)");
            if (f->wid < 0) {
                /* A negative width means '-' and its absolute value. */
                f->wid = -f->wid;
                f->minus = true;
                f->zero = false;
            }
            after_index = false;
        } else {
            f->wid_present = parse_num(s, &i, end, &f->wid);
            if (after_index && f->wid_present) /* "%[3]2d" */
                as.good_argnum = false;
        }

        /* Precision. */
        if (i + 1 < end && s[i] == '.') {
            i++;
            if (after_index) /* "%[3].2d" */
                as.good_argnum = false;
            after_index = arg_number(&as, s, &i, end, nargs);
            if (i < end && s[i] == '*') {
                i++;
                f->prec_present = int_from_arg(&as, args, nargs, &f->prec);
                if (f->prec < 0) {
                    f->prec = 0;
                    f->prec_present = false;
                }
                if (!f->prec_present)
                    buf_adds(b, "%!(BADPREC)");
                after_index = false;
            } else {
                f->prec_present = parse_num(s, &i, end, &f->prec);
                if (!f->prec_present) {
                    f->prec = 0;
                    f->prec_present = true;
                }
            }
        }

        if (!after_index)
            after_index = arg_number(&as, s, &i, end, nargs);

        if (i >= end) {
            buf_adds(b, "%!(NOVERB)");
            break;
        }

        int32_t verb = (unsigned char)s[i];
        int size = 1;
        if (verb >= 0x80)
            size = utf8_decode(s + i, end - i, &verb);
        i += (size_t)size;

        char vb[4];
        if (verb == '%') {
            buf_addc(b, '%'); /* absorbs no operand, ignores width */
        } else if (!as.good_argnum) {
            buf_adds(b, "%!");
            buf_add(b, vb, (size_t)utf8_encode(vb, verb));
            buf_adds(b, "(BADINDEX)");
        } else if (as.argnum >= nargs) {
            buf_adds(b, "%!");
            buf_add(b, vb, (size_t)utf8_encode(vb, verb));
            buf_adds(b, "(MISSING)");
        } else {
            if (verb == 'v') {
                f->p.sharp_v = f->sharp;
                f->sharp = false;
                f->p.plus_v = f->plus;
                f->plus = false;
            }
            print_arg(f, args[as.argnum++], verb);
        }
    }

    /* Report unused operands, unless an explicit index reordered them. */
    if (!as.reordered && as.argnum < nargs) {
        clear_flags(f);
        buf_adds(b, "%!(EXTRA ");
        for (int k = as.argnum; k < nargs; k++) {
            if (k > as.argnum)
                buf_adds(b, ", ");
            if (v_is_nil(args[k])) {
                buf_adds(b, "<nil>");
            } else {
                format_type_of(b, args[k]);
                buf_addc(b, '=');
                print_arg(f, args[k], 'v');
            }
        }
        buf_addc(b, ')');
    }
}

int fmt_format(Thread *t, Buf *b, const char *fmt, size_t fmtlen, const Value *args, int nargs)
{
    Value small[OWN_ARGS_SMALL];
    args = own_args(t, args, nargs, small);
    Fmt f;
    fmt_init(&f, b, t);
    do_printf(&f, fmt, fmtlen, args, nargs);
    return f.p.failed ? -1 : 0;
}

/* ====================================================================== */
/* The fmt module                                                          */
/* ====================================================================== */

/* Print, Println and Printf return nothing (Go returns n, err): a REPL line
 * `fmt.Println(x)` then prints only x. */

static int fmt_n_print(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (fmt_print(t, &b, args, nargs) < 0)
        return -1;
    rt_write_out(t->rt, b.data, b.len);
    return 0;
}

static int fmt_n_println(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (fmt_println(t, &b, args, nargs) < 0)
        return -1;
    rt_write_out(t->rt, b.data, b.len);
    return 0;
}

/* Printf's engine on args[fi] (the format) and the operands after it;
 * false after a panic. */
/* wrapped: where %w's error goes (NULL: %w is not allowed). */
static bool format_arg(Thread *t, const char *fname, Value *args, int fi, int nargs, Buf *b, Value *wrapped)
{
    ObjString *fs;
    if (!vm_check_str(t, fname, args, fi, &fs))
        return false;
    Value small[OWN_ARGS_SMALL];
    const Value *ops = own_args(t, args + fi + 1, nargs - fi - 1, small);
    Fmt f;
    fmt_init(&f, b, t);
    f.wrap_errs = wrapped != NULL;
    f.wrapped_err = V_NIL;
    do_printf(&f, fs->data, fs->len, ops, nargs - fi - 1);
    if (wrapped)
        *wrapped = f.wrapped_err;
    return !f.p.failed;
}

static int fmt_n_printf(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (!format_arg(t, "fmt.Printf", args, 0, nargs, &b, NULL))
        return -1;
    rt_write_out(t->rt, b.data, b.len);
    return 0;
}

static int fmt_n_sprintf(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (!format_arg(t, "fmt.Sprintf", args, 0, nargs, &b, NULL))
        return -1;
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int fmt_n_sprint(Thread *t, Value *args, int nargs, Value *rets)
{
    if (nargs == 1 && !format_may_call(args[0])) {
        rets[0] = v_from_ptr(format_value_str(args[0]));
        return 1;
    }
    Buf b;
    buf_init(&b);
    if (fmt_print(t, &b, args, nargs) < 0)
        return -1;
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int fmt_n_sprintln(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (fmt_println(t, &b, args, nargs) < 0)
        return -1;
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int fmt_n_errorf(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value wrapped;
    if (!format_arg(t, "fmt.Errorf", args, 0, nargs, &b, &wrapped))
        return -1;
    ObjError *e = error_new(buf_to_str(&b), false);
    e->wrapped = wrapped;
    rets[0] = v_from_ptr(e);
    return 1;
}

/* Fprint*: w is any io.Writer (stream.h): (n, err) as Go's. */
static int fwrite_to(Thread *t, const char *fname, Value w, Buf *b, Value *rets)
{
    Value err;
    int64_t n = stream_write(t, fname, w, b->data, b->len, &err);
    if (n < 0)
        return -1;
    rets[0] = v_make_int(n);
    rets[1] = err;
    return 2;
}

static int fmt_n_fprint(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value w = args[0];
    if (fmt_print(t, &b, args + 1, nargs - 1) < 0)
        return -1;
    return fwrite_to(t, "fmt.Fprint", w, &b, rets);
}

static int fmt_n_fprintln(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value w = args[0];
    if (fmt_println(t, &b, args + 1, nargs - 1) < 0)
        return -1;
    return fwrite_to(t, "fmt.Fprintln", w, &b, rets);
}

static int fmt_n_fprintf(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value w = args[0];
    if (!format_arg(t, "fmt.Fprintf", args, 1, nargs, &b, NULL))
        return -1;
    return fwrite_to(t, "fmt.Fprintf", w, &b, rets);
}

/* Append, Appendf, Appendln (Go 1.19): the text appended to b as Go's
 * append does (on b's array when it has room). */
static int append_to(Thread *t, const char *fname, Value bv, Buf *text, Value *rets)
{
    if (bv != V_NIL && !v_is_obj(bv, OBJ_LIST))
        return vm_panicf(t, E_ARG_TYPE, fname, 1, "[]byte", v_type_name(bv));
    rets[0] = bytes_append(bv, text->data ? text->data : "", text->len);
    return 1;
}

static int fmt_n_append(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value bv = args[0];
    if (fmt_print(t, &b, args + 1, nargs - 1) < 0)
        return -1;
    return append_to(t, "fmt.Append", bv, &b, rets);
}

static int fmt_n_appendln(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value bv = args[0];
    if (fmt_println(t, &b, args + 1, nargs - 1) < 0)
        return -1;
    return append_to(t, "fmt.Appendln", bv, &b, rets);
}

static int fmt_n_appendf(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value bv = args[0];
    if (!format_arg(t, "fmt.Appendf", args, 1, nargs, &b, NULL))
        return -1;
    return append_to(t, "fmt.Appendf", bv, &b, rets);
}

static const ModuleFn fmt_fns[] = {
    {"Print", fmt_n_print, 0, -1, "func(...any) (int, error)"},
    {"Println", fmt_n_println, 0, -1, "func(...any) (int, error)"},
    {"Printf", fmt_n_printf, 1, -1, "func(string, ...any) (int, error)"},
    {"Sprint", fmt_n_sprint, 0, -1, "func(...any) string"},
    {"Sprintln", fmt_n_sprintln, 0, -1, "func(...any) string"},
    {"Sprintf", fmt_n_sprintf, 1, -1, "func(string, ...any) string"},
    {"Errorf", fmt_n_errorf, 1, -1, "func(string, ...any) error"},
    {"Fprint", fmt_n_fprint, 1, -1, "func(io.Writer, ...any) (int, error)"},
    {"Fprintln", fmt_n_fprintln, 1, -1, "func(io.Writer, ...any) (int, error)"},
    {"Fprintf", fmt_n_fprintf, 2, -1, "func(io.Writer, string, ...any) (int, error)"},
    {"Append", fmt_n_append, 1, -1, "func([]byte, ...any) []byte"},
    {"Appendf", fmt_n_appendf, 2, -1, "func([]byte, string, ...any) []byte"},
    {"Appendln", fmt_n_appendln, 1, -1, "func([]byte, ...any) []byte"},
    {NULL, NULL, 0, 0, NULL},
};

/* fmt's functions take ...any (Fprint's writer is an interface too): the
 * compiler boxes their arguments as interfaces hold them (vm/iface.h), so
 * %T and %v see a uint8 or a float32 as Go's fmt does. */
static void fmt_open(ObjModule *m)
{
    module_add_fns(m, fmt_fns);
    module_add_fns(m, fmt_scan_fns);
    size_t cur = 0;
    Value k, v;
    while (map_next(m->members, &cur, &k, &v))
        if (v_is_obj(v, OBJ_NATIVE))
            v_obj(v)->flags |= NATIVE_ANY_ARGS;
    module_add_type(m, "Stringer", TYPE_INTERFACE);
}

const ModuleDef csp_module_fmt = {"fmt", fmt_open};
