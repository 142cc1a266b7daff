/* fmt.c — Go's fmt for csp values, and the number and quoting engines under
 * it (strconv's FormatFloat and Quote, which strconv.c reuses).
 *
 * The Printf engine is a port of Go's fmt (print.go and format.go, go1.19):
 * the same flag parsing, padding rules and error notation (%!d(string=hi),
 * %!d(MISSING), %!(EXTRA int=3), %!(BADWIDTH), %!v(BADINDEX)), so a pasted
 * Go program prints what Go prints. Where csp's values differ from Go's:
 *   - type names in that notation and in %T are csp's type() names
 *     ("float", "list", "map", "error"), and %T of nil is "nil";
 *   - maps print in insertion order (LANGUAGE.md), not sorted;
 *   - %#v prints csp literal syntax: ["a", 1], {"k": 2}, errors.New("x");
 *   - a list or map that contains itself prints [...] / map[...] where it
 *     recurs, and nesting deeper than FMT_MAX_DEPTH prints the same, so
 *     formatting never recurses without bound;
 *   - a native object prints through its class's String() method when it
 *     has one (Go's Stringer; the printer must be given the thread), else
 *     as its class name and braces: sync.Mutex{}.
 *
 * Floats: Go prints the shortest decimal that reads back as the same
 * double (the closest such if several). We ask C for correctly rounded
 * digits ("%.*e") and strtod whether they read back: 15 digits first (at
 * most one decimal that short can, so trailing zeros stripped give the
 * shortest), then 16 (or its neighbour toward the value), then 17, which
 * always do; see digits_shortest. The digits are then laid out as Go's
 * strconv does (formatDigits, fmtE, fmtF). Fixed precisions (%.2f, %.3e,
 * %.4g) take correctly rounded digits from C too; Go's are also exact, so
 * the two agree. A million random doubles and floats print as Go's.
 *
 * No mutable global state (one lazily made constant string): every
 * function is safe on any thread.
 */
#include "stdlib.h"

#include "../vm/mem.h"
#include "../vm/utf8.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Containers nested deeper than this print as [...]: deep enough for any
 * real data, shallow enough that the recursion's C stack (a few hundred
 * bytes a level) stays far from a goroutine's stack limit. */
#define FMT_MAX_DEPTH 64

/* Go's fmt rejects widths and precisions above this (tooLarge): they are
 * typos, and would make us allocate gigabytes of padding. */
#define FMT_MAX_NUM 1000000

static const char ldigits[] = "0123456789abcdefx";
static const char udigits[] = "0123456789ABCDEFX";

/* ====================================================================== */
/* strconv: quoting                                                        */
/* ====================================================================== */

static void add_hex(Buf *b, const char *prefix, uint32_t v, int ndigits)
{
    buf_adds(b, prefix);
    for (int s = (ndigits - 1) * 4; s >= 0; s -= 4)
        buf_addc(b, ldigits[(v >> s) & 0xF]);
}

/* strconv.appendEscapedRune */
static void escape_rune(Buf *b, int32_t r, char quote, bool ascii_only)
{
    if (r == quote || r == '\\') {
        buf_addc(b, '\\');
        buf_addc(b, (char)r);
        return;
    }
    if (ascii_only ? (r < 0x80 && unicode_is_print(r)) : unicode_is_print(r)) {
        char tmp[4];
        buf_add(b, tmp, (size_t)utf8_encode(tmp, r));
        return;
    }
    switch (r) {
    case '\a':
        buf_adds(b, "\\a");
        return;
    case '\b':
        buf_adds(b, "\\b");
        return;
    case '\f':
        buf_adds(b, "\\f");
        return;
    case '\n':
        buf_adds(b, "\\n");
        return;
    case '\r':
        buf_adds(b, "\\r");
        return;
    case '\t':
        buf_adds(b, "\\t");
        return;
    case '\v':
        buf_adds(b, "\\v");
        return;
    }
    if (r < ' ' || r == 0x7F)
        add_hex(b, "\\x", (uint32_t)r, 2);
    else if (!utf8_valid_rune(r))
        add_hex(b, "\\u", 0xFFFD, 4);
    else if (r < 0x10000)
        add_hex(b, "\\u", (uint32_t)r, 4);
    else
        add_hex(b, "\\U", (uint32_t)r, 8);
}

void fmt_quote(Buf *b, const char *s, size_t n, bool ascii_only)
{
    buf_reserve(b, n + 2);
    buf_addc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            buf_addc(b, (char)c); /* the common case, without decoding */
            i++;
            continue;
        }
        int32_t r;
        int w = utf8_decode(s + i, n - i, &r);
        if (w == 1 && r == UTF8_ERROR) {
            add_hex(b, "\\x", c, 2);
            i++;
            continue;
        }
        escape_rune(b, r, '"', ascii_only);
        i += (size_t)w;
    }
    buf_addc(b, '"');
}

void fmt_quote_rune(Buf *b, int64_t r, bool ascii_only)
{
    if (!utf8_valid_rune(r))
        r = UTF8_ERROR;
    buf_addc(b, '\'');
    escape_rune(b, (int32_t)r, '\'', ascii_only);
    buf_addc(b, '\'');
}

/* strconv.CanBackquote */
static bool can_backquote(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int32_t r;
        int w = utf8_decode(s + i, n - i, &r);
        i += (size_t)w;
        if (w > 1) {
            if (r == 0xFEFF)
                return false;
            continue;
        }
        if (r == UTF8_ERROR)
            return false;
        if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F)
            return false;
    }
    return true;
}

/* ====================================================================== */
/* strconv: floats                                                         */
/* ====================================================================== */

/* Decimal digits of |v|: d[0..nd) with the decimal point after dp of them
 * (Go's decimalSlice); no trailing zeros; zero has nd = dp = 0. */
typedef struct Digits {
    char *d;
    int nd, dp;
} Digits;

/* Parse C's "%.*e" text ("1.2345e+06") of a non-negative finite number. */
static void digits_from_e(const char *s, Digits *dg)
{
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            dg->d[nd++] = *s;
    int exp = *s ? atoi(s + 1) : 0;
    while (nd > 0 && dg->d[nd - 1] == '0')
        nd--;
    dg->nd = nd;
    dg->dp = nd ? exp + 1 : 0;
}

static bool round_trips(const char *s, double a, bool bits32)
{
    return bits32 ? strtof(s, NULL) == (float)a : strtod(s, NULL) == a;
}

/* The decimal one unit above or below (dir) the last digit of C's "%.*e"
 * text s, as "<digits>e<exp>" in out; false if it would lose a digit. */
static bool neighbour(const char *s, int dir, char *out, size_t size)
{
    uint64_t mant = 0;
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            mant = mant * 10 + (uint64_t)(*s - '0'), nd++;
    int exp = atoi(s + 1) - (nd - 1);
    if (dir < 0 && mant <= 1)
        return false;
    snprintf(out, size, "%llue%d", (unsigned long long)(mant + (uint64_t)(int64_t)dir), exp);
    return true;
}

/* The digits of a double, shortest first: a normal double's rounding
 * interval (one ulp wide) is narrower than the spacing of 15-digit
 * decimals, so at most one decimal of 15 or fewer digits reads back as it;
 * a normal float's is narrower than the spacing of 6-digit decimals.
 * Denormals have fewer bits, so for them every length is searched. */
#define SHORT_BASE_P64 14 /* "%.14e": 15 significant digits */
#define SHORT_BASE_P32 5

/* Is there a decimal of p+1 significant digits that reads back as a? If
 * so, the closest such is left in out as "%.*e" text. That is the
 * correctly rounded one if it reads back, else its neighbour on the other
 * side of a, or none. */
static bool shortest_at(double a, bool bits32, int p, char *out, size_t size)
{
    snprintf(out, size, "%.*e", p, a);
    if (round_trips(out, a, bits32))
        return true;
    char alt[48];
    int dir = strtod(out, NULL) < a ? 1 : -1;
    if (!neighbour(out, dir, alt, sizeof alt) || !round_trips(alt, a, bits32))
        return false;
    /* Re-render alt ("<digits>e<exp>") in %e form for digits_from_e. */
    char *e = strchr(alt, 'e');
    int nd = (int)(e - alt);
    int exp = atoi(e + 1) + nd - 1;
    snprintf(out, size, "%c%s%.*se%+d", alt[0], nd > 1 ? "." : "", nd - 1, alt + 1, exp);
    return true;
}

/* Shortest digits that read back as a (as a float when bits32), Go's
 * choice: the shortest and, of those, the closest to a. Up to the base
 * length the candidate is unique (above), so if one of that length reads
 * back, its trailing zeros stripped give the shortest; beyond it, each
 * length is tried in turn, and 17 (9) digits always read back. */
static void digits_shortest(double a, bool bits32, Digits *dg)
{
    char tmp[48];
    if (a == 0) {
        dg->nd = dg->dp = 0;
        return;
    }
    int p = bits32 ? SHORT_BASE_P32 : SHORT_BASE_P64;
    if (bits32 ? (float)a < FLT_MIN : a < DBL_MIN)
        p = 0;
    int maxp = bits32 ? 8 : 16;
    while (p < maxp && !shortest_at(a, bits32, p, tmp, sizeof tmp))
        p++;
    if (p == maxp)
        snprintf(tmp, sizeof tmp, "%.*e", p, a);
    digits_from_e(tmp, dg);
}

/* strconv's fmtE: d.ddddde±dd with prec digits after the point. */
static void fmt_e(Buf *b, bool neg, const Digits *dg, int prec, char fmtc)
{
    if (neg)
        buf_addc(b, '-');
    buf_addc(b, dg->nd ? dg->d[0] : '0');
    if (prec > 0) {
        buf_addc(b, '.');
        int i = 1;
        int m = dg->nd < prec + 1 ? dg->nd : prec + 1;
        if (i < m) {
            buf_add(b, dg->d + i, (size_t)(m - i));
            i = m;
        }
        for (; i <= prec; i++)
            buf_addc(b, '0');
    }
    buf_addc(b, fmtc);
    int exp = dg->nd ? dg->dp - 1 : 0;
    buf_addc(b, exp < 0 ? '-' : '+');
    if (exp < 0)
        exp = -exp;
    if (exp < 10)
        buf_printf(b, "0%d", exp);
    else
        buf_printf(b, "%d", exp);
}

/* strconv's fmtF: ddd.ddd with prec digits after the point. */
static void fmt_f(Buf *b, bool neg, const Digits *dg, int prec)
{
    if (neg)
        buf_addc(b, '-');
    if (dg->dp > 0) {
        int m = dg->nd < dg->dp ? dg->nd : dg->dp;
        buf_add(b, dg->d, (size_t)m);
        for (; m < dg->dp; m++)
            buf_addc(b, '0');
    } else {
        buf_addc(b, '0');
    }
    if (prec > 0) {
        buf_addc(b, '.');
        buf_reserve(b, (size_t)prec);
        for (int i = 0; i < prec; i++) {
            int j = dg->dp + i;
            buf_addc(b, j >= 0 && j < dg->nd ? dg->d[j] : '0');
        }
    }
}

/* strconv's formatDigits for %e %f %g once the digits are known. */
static void format_digits(Buf *b, bool shortest, bool neg, const Digits *dg, int prec, int fmtc)
{
    switch (fmtc) {
    case 'e':
    case 'E':
        fmt_e(b, neg, dg, prec, (char)fmtc);
        return;
    case 'f':
        fmt_f(b, neg, dg, prec);
        return;
    case 'g':
    case 'G': {
        int eprec = prec;
        if (eprec > dg->nd && dg->nd >= dg->dp)
            eprec = dg->nd;
        /* %e is used if the exponent from the conversion is less than -4
         * or greater than or equal to the precision; for the shortest
         * form, Go decides with precision 6 (so 1e+06 but 100000). */
        if (shortest)
            eprec = 6;
        int exp = dg->dp - 1;
        if (exp < -4 || exp >= eprec) {
            if (prec > dg->nd)
                prec = dg->nd;
            fmt_e(b, neg, dg, prec - 1, (char)(fmtc + 'e' - 'g'));
            return;
        }
        if (prec > dg->dp)
            prec = dg->nd;
        fmt_f(b, neg, dg, prec - dg->dp > 0 ? prec - dg->dp : 0);
        return;
    }
    }
    buf_addc(b, '%');
    buf_addc(b, (char)fmtc);
}

/* strconv's fmtB: mantissa "p" exponent, both decimal. */
static void fmt_b(Buf *b, bool neg, uint64_t mant, int exp, int mantbits)
{
    buf_printf(b, "%s%llup%s%d", neg ? "-" : "", (unsigned long long)mant, exp - mantbits >= 0 ? "+" : "",
               exp - mantbits);
}

/* strconv's fmtX: hexadecimal mantissa and binary exponent, %x / %X. */
static void fmt_x(Buf *b, int prec, int fmtc, bool neg, uint64_t mant, int exp, int mantbits)
{
    if (mant == 0)
        exp = 0;
    /* Shift digits so leading 1 (if any) is at bit 1<<60. */
    mant <<= 60 - mantbits;
    while (mant != 0 && (mant & (1ULL << 60)) == 0) {
        mant <<= 1;
        exp--;
    }
    /* Round if requested. */
    if (prec >= 0 && prec < 15) {
        unsigned shift = (unsigned)prec * 4;
        uint64_t extra = (mant << shift) & ((1ULL << 60) - 1);
        mant >>= 60 - shift;
        if ((extra | (mant & 1)) > (1ULL << 59))
            mant++;
        mant <<= 60 - shift;
        if (mant & (1ULL << 61)) {
            /* Wrapped around. */
            mant >>= 1;
            exp++;
        }
    }
    const char *hex = fmtc == 'X' ? udigits : ldigits;
    if (neg)
        buf_addc(b, '-');
    buf_addc(b, '0');
    buf_addc(b, (char)fmtc);
    buf_addc(b, (char)('0' + ((mant >> 60) & 1)));
    mant <<= 4; /* remove leading 0 or 1 */
    if (prec < 0 && mant != 0) {
        buf_addc(b, '.');
        while (mant != 0) {
            buf_addc(b, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    } else if (prec > 0) {
        buf_addc(b, '.');
        for (int i = 0; i < prec; i++) {
            buf_addc(b, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    }
    buf_addc(b, fmtc == 'X' ? 'P' : 'p');
    buf_addc(b, exp < 0 ? '-' : '+');
    if (exp < 0)
        exp = -exp;
    buf_printf(b, "%02d", exp);
}

void fmt_ftoa(Buf *b, double v, int fmtc, int prec, int bitsize)
{
    int mantbits = 52, expbits = 11, bias = -1023;
    uint64_t bits;
    if (bitsize == 32) {
        float f = (float)v;
        uint32_t b32;
        memcpy(&b32, &f, sizeof b32);
        bits = b32;
        mantbits = 23, expbits = 8, bias = -127;
        v = (double)f;
    } else {
        memcpy(&bits, &v, sizeof bits);
    }
    bool neg = (bits >> (expbits + mantbits)) != 0;
    int exp = (int)(bits >> mantbits) & ((1 << expbits) - 1);
    uint64_t mant = bits & ((1ULL << mantbits) - 1);
    if (exp == (1 << expbits) - 1) {
        buf_adds(b, mant ? "NaN" : neg ? "-Inf" : "+Inf");
        return;
    }
    if (exp == 0)
        exp++; /* denormal */
    else
        mant |= 1ULL << mantbits;
    exp += bias;
    if (fmtc == 'b') {
        fmt_b(b, neg, mant, exp, mantbits);
        return;
    }
    if (fmtc == 'x' || fmtc == 'X') {
        fmt_x(b, prec, fmtc, neg, mant, exp, mantbits);
        return;
    }

    double a = fabs(v);
    char small[48];
    Digits dg = {small, 0, 0};
    if (prec < 0) {
        digits_shortest(a, bitsize == 32, &dg);
        switch (fmtc) {
        case 'e':
        case 'E':
            prec = dg.nd - 1 > 0 ? dg.nd - 1 : 0;
            break;
        case 'f':
            prec = dg.nd - dg.dp > 0 ? dg.nd - dg.dp : 0;
            break;
        case 'g':
        case 'G':
            prec = dg.nd;
            break;
        }
        format_digits(b, true, neg, &dg, prec, fmtc);
        return;
    }
    if (prec > FMT_MAX_NUM)
        prec = FMT_MAX_NUM;
    int digits;
    switch (fmtc) {
    case 'f':
        /* C's %f is exact, like Go's; only the sign of zero needs care,
         * and C prints "-0.00" just as Go does. */
        buf_reserve(b, (size_t)prec + 330);
        b->len += (size_t)snprintf(b->data + b->len, (size_t)prec + 330, "%.*f", prec, v);
        return;
    case 'e':
    case 'E':
        digits = prec + 1;
        break;
    case 'g':
    case 'G':
        if (prec == 0)
            prec = 1;
        digits = prec;
        break;
    default:
        buf_addc(b, '%');
        buf_addc(b, (char)fmtc);
        return;
    }
    size_t need = (size_t)digits + 16;
    char *tmp = need <= sizeof small ? small : mem_alloc_atomic(need);
    snprintf(tmp, need, "%.*e", digits - 1, a);
    dg.d = tmp; /* digits_from_e compacts the text in place */
    digits_from_e(tmp, &dg);
    format_digits(b, false, neg, &dg, prec, fmtc);
}

void fmt_float(Buf *b, double d)
{
    fmt_ftoa(b, d, 'g', -1, 64);
}

/* ====================================================================== */
/* The printer state (Go's pp and fmt)                                     */
/* ====================================================================== */

typedef struct Fmt {
    Buf *b;
    Thread *t;   /* for String methods of native objects; NULL: none */
    bool failed; /* a String method panicked (recorded in t) */
    bool wid_present, prec_present;
    bool minus, plus, sharp, space, zero;
    bool plus_v, sharp_v; /* %+v, %#v */
    int wid, prec;
    bool wrap_errs;                  /* fmt.Errorf: %w is allowed (once) */
    bool wrapped;                    /* a %w was used */
    Value wrapped_err;               /* ... and the error it wrapped */
    int depth;                       /* containers being printed ... */
    const void *path[FMT_MAX_DEPTH]; /* ... and which, to spot cycles */
} Fmt;

static void fmt_init(Fmt *f, Buf *b, Thread *t)
{
    memset(f, 0, sizeof *f);
    f->b = b;
    f->t = t;
}

static void clear_flags(Fmt *f)
{
    f->wid_present = f->prec_present = false;
    f->minus = f->plus = f->sharp = f->space = f->zero = false;
    f->plus_v = f->sharp_v = false;
    f->wid = f->prec = 0;
}

static void write_padding(Fmt *f, int n)
{
    if (n <= 0)
        return;
    buf_reserve(f->b, (size_t)n);
    memset(f->b->data + f->b->len, f->zero ? '0' : ' ', (size_t)n);
    f->b->len += (size_t)n;
    f->b->data[f->b->len] = 0;
}

/* Append s padded to the width (counted in runes), on the left unless '-'. */
static void pad(Fmt *f, const char *s, size_t n)
{
    if (!f->wid_present || f->wid == 0) {
        buf_add(f->b, s, n);
        return;
    }
    int width = f->wid - (int)utf8_count(s, n);
    if (!f->minus) {
        write_padding(f, width);
        buf_add(f->b, s, n);
    } else {
        buf_add(f->b, s, n);
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
    fmt_quote_rune(&b, c > 0x10FFFF ? UTF8_ERROR : (int64_t)c, f->plus);
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
    Buf *b = f->b;
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
    if (f->sharp && can_backquote(s, n)) {
        buf_addc(&b, '`');
        buf_add(&b, s, n);
        buf_addc(&b, '`');
    } else {
        fmt_quote(&b, s, n, f->plus);
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
    fmt_ftoa(&nb, v, verb, prec, 64);
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
            buf_addc(f->b, num[0]);
            write_padding(f, f->wid - (int)n);
            buf_add(f->b, num + 1, n - 1);
            return;
        }
        pad(f, num, n);
        return;
    }
    pad(f, num + 1, n - 1); /* no sign to show */
}

/* ---- values ------------------------------------------------------------- */

static void print_value(Fmt *f, Value v, int verb);

/* %!verb(type=value) */
static void bad_verb(Fmt *f, Value v, int verb)
{
    char tmp[4];
    buf_adds(f->b, "%!");
    buf_add(f->b, tmp, (size_t)utf8_encode(tmp, verb));
    buf_addc(f->b, '(');
    if (v_is_nil(v)) {
        buf_adds(f->b, "<nil>");
    } else {
        buf_adds(f->b, v_type_name(v));
        buf_addc(f->b, '=');
        bool sharp_v = f->sharp_v, plus_v = f->plus_v;
        f->sharp_v = f->plus_v = false;
        print_value(f, v, 'v');
        f->sharp_v = sharp_v, f->plus_v = plus_v;
    }
    buf_addc(f->b, ')');
}

static void fmt_0x64(Fmt *f, uint64_t u, bool leading0x)
{
    bool sharp = f->sharp;
    f->sharp = leading0x;
    fmt_integer(f, u, 16, false, 'v', ldigits);
    f->sharp = sharp;
}

static void fmt_int(Fmt *f, Value v, uint64_t u, bool is_signed, int verb)
{
    switch (verb) {
    case 'v':
    case 'd':
        fmt_integer(f, u, 10, is_signed, verb, ldigits);
        break;
    case 'b':
        fmt_integer(f, u, 2, is_signed, verb, ldigits);
        break;
    case 'o':
    case 'O':
        fmt_integer(f, u, 8, is_signed, verb, ldigits);
        break;
    case 'x':
        fmt_integer(f, u, 16, is_signed, verb, ldigits);
        break;
    case 'X':
        fmt_integer(f, u, 16, is_signed, verb, udigits);
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

static void fmt_string(Fmt *f, Value v, const char *s, size_t n, int verb)
{
    switch (verb) {
    case 'v':
        if (f->sharp_v)
            fmt_q(f, s, n);
        else
            fmt_s(f, s, n);
        break;
    case 's':
        fmt_s(f, s, n);
        break;
    case 'x':
        fmt_sx(f, s, n, ldigits);
        break;
    case 'X':
        fmt_sx(f, s, n, udigits);
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

/* Funcs, chans (and %p of anything by reference): the address, as Go. */
static void fmt_pointer(Fmt *f, Value v, int verb)
{
    if (!is_reference(v)) {
        bad_verb(f, v, verb);
        return;
    }
    uint64_t u = (uint64_t)(uintptr_t)v_ptr(v);
    switch (verb) {
    case 'v':
        if (f->sharp_v) {
            buf_addc(f->b, '(');
            buf_adds(f->b, v_type_name(v));
            buf_adds(f->b, ")(");
            fmt_0x64(f, u, true);
            buf_addc(f->b, ')');
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

/* Enter a container: false (after printing the marker) when it is already
 * being printed further out, or nesting is too deep. */
static bool enter(Fmt *f, const void *p, const char *marker)
{
    bool cycle = f->depth >= FMT_MAX_DEPTH;
    for (int i = 0; i < f->depth && !cycle; i++)
        cycle = f->path[i] == p;
    if (cycle) {
        buf_adds(f->b, marker);
        return false;
    }
    f->path[f->depth++] = p;
    return true;
}

static void print_list(Fmt *f, ObjList *l, int verb)
{
    if (!enter(f, l, "[...]"))
        return;
    buf_addc(f->b, '[');
    /* Re-read the storage every step: printing may race with a writer,
     * and list_get bounds-checks against the storage it loads. */
    for (size_t i = 0;; i++) {
        Value e;
        if (!list_get(l, (int64_t)i, &e))
            break;
        if (i > 0)
            buf_adds(f->b, f->sharp_v ? ", " : " ");
        print_value(f, e, verb);
    }
    buf_addc(f->b, ']');
    f->depth--;
}

static void print_map(Fmt *f, ObjMap *m, int verb)
{
    if (!enter(f, m, f->sharp_v ? "{...}" : "map[...]"))
        return;
    buf_adds(f->b, f->sharp_v ? "{" : "map[");
    size_t cursor = 0;
    Value k, val;
    for (bool first = true; map_next(m, &cursor, &k, &val); first = false) {
        if (!first)
            buf_adds(f->b, f->sharp_v ? ", " : " ");
        print_value(f, k, verb);
        buf_adds(f->b, f->sharp_v ? ": " : ":");
        print_value(f, val, verb);
    }
    buf_addc(f->b, f->sharp_v ? '}' : ']');
    f->depth--;
}

/* A native object: its String() if its class has one (Go's Stringer, for
 * the verbs that take strings), else its class name and braces. */
static void print_object(Fmt *f, Value v, int verb)
{
    static ObjString *string_name; /* "String", made on first use */
    bool stringish = verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' || verb == 'q';
    if (f->t && !f->failed && stringish && !f->sharp_v) {
        ObjString *name = __atomic_load_n(&string_name, __ATOMIC_ACQUIRE);
        if (!name) {
            /* Racing first uses each store an equal string: harmless. */
            name = str_cstr("String");
            __atomic_store_n(&string_name, name, __ATOMIC_RELEASE);
        }
        ObjNative *m = class_method(((ObjObject *)v_ptr(v))->cls, name);
        if (m) {
            Value self = v;
            Value rets[NATIVE_MAX_RETS];
            int n = m->fn(f->t, &self, 1, rets);
            if (n < 0) {
                f->failed = true; /* the panic stays recorded in t */
                return;
            }
            if (n >= 1 && v_is_str(rets[0])) {
                fmt_string(f, rets[0], v_str(rets[0])->data, v_str(rets[0])->len, verb);
                return;
            }
        }
    }
    Buf b;
    buf_init(&b);
    buf_adds(&b, v_type_name(v));
    buf_adds(&b, "{}");
    pad(f, b.data, b.len);
}

static void print_value(Fmt *f, Value v, int verb)
{
    if (v_is_nil(v)) {
        /* Go prints a nil inside a container as <nil> whatever the verb;
         * print_arg handles a nil operand. */
        buf_adds(f->b, f->sharp_v ? "nil" : "<nil>");
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
    if (!v_is_ptr(v)) {
        pad_str(f, "<undefined>");
        return;
    }
    switch ((ObjKind)v_obj(v)->kind) {
    case OBJ_STRING:
        fmt_string(f, v, v_str(v)->data, v_str(v)->len, verb);
        return;
    case OBJ_BOXINT:
        fmt_int(f, v, (uint64_t)((ObjBoxInt *)v_ptr(v))->i, true, verb);
        return;
    case OBJ_BOXFLOAT:
        fmt_float_verb(f, v, ((ObjBoxFloat *)v_ptr(v))->d, verb);
        return;
    case OBJ_ERROR: {
        ObjString *msg = ((ObjError *)v_ptr(v))->msg;
        if (f->sharp_v) {
            buf_adds(f->b, "errors.New(");
            fmt_quote(f->b, msg->data, msg->len, false);
            buf_addc(f->b, ')');
        } else if (verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' || verb == 'q') {
            fmt_string(f, v, msg->data, msg->len, verb);
        } else {
            bad_verb(f, v, verb);
        }
        return;
    }
    case OBJ_LIST:
        print_list(f, v_list(v), verb);
        return;
    case OBJ_MAP:
        print_map(f, v_map(v), verb);
        return;
    case OBJ_CLOSURE:
    case OBJ_NATIVE:
    case OBJ_BOUND:
    case OBJ_CHAN:
        fmt_pointer(f, v, verb);
        return;
    case OBJ_OBJECT:
        print_object(f, v, verb);
        return;
    case OBJ_MODULE: {
        Buf b;
        buf_init(&b);
        buf_printf(&b, "<module %s>", ((ObjModule *)v_ptr(v))->name);
        pad(f, b.data, b.len);
        return;
    }
    default:
        buf_printf(f->b, "<%s>", v_type_name(v));
        return;
    }
}

/* Go's printArg: one operand of Print or of a Printf verb. */
static void print_arg(Fmt *f, Value v, int verb)
{
    if (verb == 'w') {
        /* %w: fmt.Errorf's wrapped error, printed as %v; anything else
         * (Sprintf, a non-error, a second %w) is a bad verb, as in Go. */
        if (!f->wrap_errs || f->wrapped || !v_is_obj(v, OBJ_ERROR)) {
            bad_verb(f, v, verb);
            return;
        }
        f->wrapped = true;
        f->wrapped_err = v;
        verb = 'v';
    }
    if (v_is_nil(v)) {
        if (verb == 'T')
            fmt_s(f, "nil", 3); /* type(nil), as LANGUAGE.md defines %T */
        else if (verb == 'v')
            pad_str(f, "<nil>");
        else
            bad_verb(f, v, verb);
        return;
    }
    if (verb == 'T') {
        const char *tn = v_type_name(v);
        fmt_s(f, tn, strlen(tn));
        return;
    }
    if (verb == 'p') {
        fmt_pointer(f, v, 'p');
        return;
    }
    print_value(f, v, verb);
}

/* ====================================================================== */
/* Print, Println, Printf                                                  */
/* ====================================================================== */

int fmt_print(Thread *t, Buf *b, const Value *args, int nargs)
{
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
    return f.failed ? -1 : 0;
}

int fmt_println(Thread *t, Buf *b, const Value *args, int nargs)
{
    Fmt f;
    fmt_init(&f, b, t);
    for (int i = 0; i < nargs; i++) {
        if (i > 0)
            buf_addc(b, ' ');
        print_arg(&f, args[i], 'v');
    }
    buf_addc(b, '\n');
    return f.failed ? -1 : 0;
}

void fmt_value(Buf *b, Value v)
{
    Fmt f;
    fmt_init(&f, b, NULL);
    print_arg(&f, v, 'v');
}

/* Decimal text of i, written backwards ending at end; returns its start.
 * str(i) is hot (map keys built from ints), so this skips printf. */
char *fmt_itoa(char *end, int64_t i)
{
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    char *p = end;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0)
        *--p = '-';
    return p;
}

ObjString *fmt_sprint(Value v)
{
    if (v_is_str(v))
        return v_str(v);
    if (v_is_anyint(v)) {
        char tmp[24];
        char *p = fmt_itoa(tmp + sizeof tmp, v_anyint(v));
        return str_new(p, (size_t)(tmp + sizeof tmp - p));
    }
    Buf b;
    buf_init(&b);
    fmt_value(&b, v);
    return buf_to_str(&b);
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
    Buf *b = f->b;
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
                        f->sharp_v = f->sharp;
                        f->sharp = false;
                        f->plus_v = f->plus;
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
                f->sharp_v = f->sharp;
                f->sharp = false;
                f->plus_v = f->plus;
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
                buf_adds(b, v_type_name(args[k]));
                buf_addc(b, '=');
                print_arg(f, args[k], 'v');
            }
        }
        buf_addc(b, ')');
    }
}

int fmt_format(Thread *t, Buf *b, const char *fmt, size_t fmtlen, const Value *args, int nargs)
{
    Fmt f;
    fmt_init(&f, b, t);
    do_printf(&f, fmt, fmtlen, args, nargs);
    return f.failed ? -1 : 0;
}

/* ====================================================================== */
/* The fmt module                                                          */
/* ====================================================================== */

/* Print, Println and Printf return nothing (Go returns n, err): a REPL line
 * `fmt.Println(x)` then prints only x. */

int fmt_n_print(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (fmt_print(t, &b, args, nargs) < 0)
        return -1;
    rt_write_out(t->rt, b.data, b.len);
    return 0;
}

int fmt_n_println(Thread *t, Value *args, int nargs, Value *rets)
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
    Fmt f;
    fmt_init(&f, b, t);
    f.wrap_errs = wrapped != NULL;
    f.wrapped_err = V_NIL;
    do_printf(&f, fs->data, fs->len, args + fi + 1, nargs - fi - 1);
    if (wrapped)
        *wrapped = f.wrapped_err;
    return !f.failed;
}

int fmt_n_printf(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (!format_arg(t, "fmt.Printf", args, 0, nargs, &b, NULL))
        return -1;
    rt_write_out(t->rt, b.data, b.len);
    return 0;
}

int fmt_n_sprintf(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (!format_arg(t, "fmt.Sprintf", args, 0, nargs, &b, NULL))
        return -1;
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

int fmt_n_sprint(Thread *t, Value *args, int nargs, Value *rets)
{
    if (nargs == 1 && !v_is_obj(args[0], OBJ_OBJECT)) {
        rets[0] = v_from_ptr(fmt_sprint(args[0]));
        return 1;
    }
    Buf b;
    buf_init(&b);
    if (fmt_print(t, &b, args, nargs) < 0)
        return -1;
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

int fmt_n_sprintln(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (fmt_println(t, &b, args, nargs) < 0)
        return -1;
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

int fmt_n_errorf(Thread *t, Value *args, int nargs, Value *rets)
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

/* Fprint*: w is os.Stdout, os.Stderr or a strings.Builder. */
static int fwrite_to(Thread *t, const char *fname, Value w, Buf *b)
{
    if (strings_builder_write(w, b->data, b->len))
        return 0;
    int r = os_file_write(t, w, b->data, b->len);
    if (r < 0)
        return -1;
    if (r == 0)
        return 0;
    return vm_panicf(t, E_NOT_WRITER, fname, v_type_name(w));
}

int fmt_n_fprint(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value w = args[0];
    if (fmt_print(t, &b, args + 1, nargs - 1) < 0)
        return -1;
    return fwrite_to(t, "fmt.Fprint", w, &b);
}

int fmt_n_fprintln(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value w = args[0];
    if (fmt_println(t, &b, args + 1, nargs - 1) < 0)
        return -1;
    return fwrite_to(t, "fmt.Fprintln", w, &b);
}

int fmt_n_fprintf(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    Value w = args[0];
    if (!format_arg(t, "fmt.Fprintf", args, 1, nargs, &b, NULL))
        return -1;
    return fwrite_to(t, "fmt.Fprintf", w, &b);
}
