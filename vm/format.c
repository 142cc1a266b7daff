/* format.c — how a value prints (format.h): the %v printer, and under it
 * strconv's number and quoting engines.
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
 */
#include "format.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "utf8.h"

const char format_ldigits[] = "0123456789abcdefx";
const char format_udigits[] = "0123456789ABCDEFX";

/* ====================================================================== */
/* Values                                                                 */
/* ====================================================================== */

void format_init(Printer *p, Buf *b, struct Thread *t)
{
    memset(p, 0, sizeof *p);
    p->b = b;
    p->t = t;
}

/* Enter a container: false (after printing the marker) when it is already
 * being printed further out, or nesting is too deep. */
static bool enter(Printer *p, const void *c, const char *marker)
{
    bool cycle = p->depth >= FORMAT_MAX_DEPTH;
    for (int i = 0; i < p->depth && !cycle; i++)
        cycle = p->path[i] == c;
    if (cycle) {
        buf_adds(p->b, marker);
        return false;
    }
    p->path[p->depth++] = c;
    return true;
}

static void print_list(Printer *p, ObjList *l, int verb)
{
    if (!enter(p, l, "[...]"))
        return;
    buf_addc(p->b, '[');
    /* Re-read the storage every step: printing may race with a writer,
     * and list_get bounds-checks against the storage it loads. */
    for (size_t i = 0;; i++) {
        Value e;
        if (!list_get(l, (int64_t)i, &e))
            break;
        if (i > 0)
            buf_adds(p->b, p->sharp_v ? ", " : " ");
        format_print(p, e, verb);
    }
    buf_addc(p->b, ']');
    p->depth--;
}

/* A map entry to print, and where it stood in insertion order. */
typedef struct SortEntry {
    Value key, val;
    size_t pos;
} SortEntry;

/* The rank of a key's kind in Go's order of mixed keys (fmtsort orders a
 * map[any]any's keys by type first: nil, bool, float64, int, string). csp
 * stores 2.0 as the key 2, so it cannot tell a float key from an int one;
 * ints and floats share one rank and compare by value, which is Go's order
 * for a map whose keys are all ints or all floats. */
enum { RANK_NIL, RANK_BOOL, RANK_NUMBER, RANK_STRING, RANK_OTHER };

static int key_rank(Value k)
{
    if (v_is_nil(k))
        return RANK_NIL;
    if (v_is_bool(k))
        return RANK_BOOL;
    if (v_is_anyint(k) || v_is_anyfloat(k))
        return RANK_NUMBER;
    if (v_is_str(k))
        return RANK_STRING;
    return RANK_OTHER;
}

/* -1, 0, 1 as i is below, equal to or above d (not NaN), exactly: no
 * rounding of i to a double. */
static int cmp_int_float(int64_t i, double d)
{
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double fl = floor(d);
    int64_t fi = (int64_t)fl;
    if (i != fi)
        return i < fi ? -1 : 1;
    return fl == d ? 0 : -1;
}

/* Go's fmtsort order of two numbers: NaN first, then by value. */
static int cmp_number(Value a, Value b)
{
    if (v_is_anyint(a) && v_is_anyint(b)) {
        int64_t x = v_anyint(a), y = v_anyint(b);
        return (x > y) - (x < y);
    }
    if (v_is_anyint(a) || v_is_anyint(b)) {
        bool a_int = v_is_anyint(a);
        double d = v_anyfloat(a_int ? b : a);
        if (isnan(d))
            return a_int ? 1 : -1;
        int c = cmp_int_float(v_anyint(a_int ? a : b), d);
        return a_int ? c : -c;
    }
    double x = v_anyfloat(a), y = v_anyfloat(b);
    if (isnan(x) || isnan(y))
        return isnan(y) - isnan(x);
    return (x > y) - (x < y);
}

static int cmp_key(Value a, Value b)
{
    int ra = key_rank(a), rb = key_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (ra) {
    case RANK_BOOL:
        return (a == V_TRUE) - (b == V_TRUE);
    case RANK_NUMBER:
        return cmp_number(a, b);
    case RANK_STRING: {
        ObjString *x = v_str(a), *y = v_str(b);
        size_t n = x->len < y->len ? x->len : y->len;
        int c = memcmp(x->data, y->data, n);
        if (c)
            return c < 0 ? -1 : 1;
        return (x->len > y->len) - (x->len < y->len);
    }
    default:
        return 0;
    }
}

/* Equal keys (NaNs) keep their insertion order, as Go's stable sort does. */
static int cmp_entry(const void *pa, const void *pb)
{
    const SortEntry *a = pa, *b = pb;
    int c = cmp_key(a->key, b->key);
    if (c)
        return c;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static void print_map(Printer *p, ObjMap *m, int verb)
{
    if (!enter(p, m, p->sharp_v ? "{...}" : "map[...]"))
        return;
    /* Snapshot the entries, then sort them by key as Go's fmt does. The
     * snapshot lives in collected memory, so the keys and values stay
     * alive even if a racing writer deletes them meanwhile; it grows as
     * needed, since a writer may also add entries while we copy. */
    size_t n = 0, cap = m->len ? m->len : 1;
    SortEntry *es = mem_alloc(mem_size(cap, sizeof *es, 0));
    size_t cursor = 0;
    Value k, val;
    while (map_next(m, &cursor, &k, &val)) {
        if (n == cap) {
            size_t ncap = mem_grow(cap, n + 1, 8, sizeof *es);
            SortEntry *bigger = mem_alloc(mem_size(ncap, sizeof *es, 0));
            memcpy(bigger, es, n * sizeof *es);
            es = bigger, cap = ncap;
        }
        es[n] = (SortEntry){k, val, n};
        n++;
    }
    qsort(es, n, sizeof *es, cmp_entry);
    buf_adds(p->b, p->sharp_v ? "{" : "map[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_adds(p->b, p->sharp_v ? ", " : " ");
        format_print(p, es[i].key, verb);
        buf_adds(p->b, p->sharp_v ? ": " : ":");
        format_print(p, es[i].val, verb);
    }
    buf_addc(p->b, p->sharp_v ? '}' : ']');
    p->depth--;
}

void format_print(Printer *p, Value v, int verb)
{
    if (v_is_nil(v)) {
        /* Go prints a nil inside a container as <nil> whatever the verb;
         * Printf decides for a nil operand itself. */
        buf_adds(p->b, p->sharp_v ? "nil" : "<nil>");
        return;
    }
    if (v_is_obj(v, OBJ_LIST)) {
        print_list(p, v_list(v), verb);
        return;
    }
    if (v_is_obj(v, OBJ_ARRAY)) { /* an array prints as its elements do */
        ObjArray *a = v_ptr(v);
        print_list(p, list_view(&a->st, 0, a->st.cap, a->st.cap, a->type), verb);
        return;
    }
    if (v_is_obj(v, OBJ_MAP)) {
        print_map(p, v_map(v), verb);
        return;
    }
    if (p->leaf)
        p->leaf(p, v, verb);
    else
        format_leaf(p, v);
}

bool format_stringer(Printer *p, Value v, ObjString **out)
{
    static ObjString *string_name; /* "String", made on first use */
    if (!p->t || p->failed || p->sharp_v || !v_is_obj(v, OBJ_OBJECT))
        return false;
    ObjString *name = __atomic_load_n(&string_name, __ATOMIC_ACQUIRE);
    if (!name) {
        /* Racing first uses each store an equal string: harmless. */
        name = str_cstr("String");
        __atomic_store_n(&string_name, name, __ATOMIC_RELEASE);
    }
    ObjNative *m = class_method(((ObjObject *)v_ptr(v))->cls, name);
    if (!m)
        return false;
    Value self = v;
    Value rets[NATIVE_MAX_RETS];
    int n = m->fn(p->t, &self, 1, rets);
    if (n < 0) {
        p->failed = true; /* the panic stays recorded in t */
        return false;
    }
    if (n < 1 || !v_is_str(rets[0]))
        return false;
    *out = v_str(rets[0]);
    return true;
}

void format_leaf(Printer *p, Value v)
{
    Buf *b = p->b;
    if (v_is_anyint(v)) {
        char tmp[24];
        char *s = format_itoa(tmp + sizeof tmp, v_anyint(v));
        buf_add(b, s, (size_t)(tmp + sizeof tmp - s));
        return;
    }
    if (v_is_flonum(v)) {
        format_float(b, v_flonum(v));
        return;
    }
    if (v_is_bool(v)) {
        buf_adds(b, v == V_TRUE ? "true" : "false");
        return;
    }
    if (!v_is_ptr(v)) {
        buf_adds(b, "<undefined>");
        return;
    }
    switch ((ObjKind)v_obj(v)->kind) {
    case OBJ_STRING:
        if (p->sharp_v)
            format_quote(b, v_str(v)->data, v_str(v)->len, false);
        else
            buf_add(b, v_str(v)->data, v_str(v)->len);
        return;
    case OBJ_BOXFLOAT:
        format_float(b, ((ObjBoxFloat *)v_ptr(v))->d);
        return;
    case OBJ_ERROR: {
        ObjString *msg = ((ObjError *)v_ptr(v))->msg;
        if (p->sharp_v) {
            buf_adds(b, "errors.New(");
            format_quote(b, msg->data, msg->len, false);
            buf_addc(b, ')');
        } else {
            buf_add(b, msg->data, msg->len);
        }
        return;
    }
    case OBJ_CLOSURE:
    case OBJ_NATIVE:
    case OBJ_BOUND:
    case OBJ_CHAN: {
        /* The address, as Go prints a func or a chan. */
        unsigned long long u = (unsigned long long)(uintptr_t)v_ptr(v);
        if (p->sharp_v)
            buf_printf(b, "(%s)(0x%llx)", v_type_name(v), u);
        else
            buf_printf(b, "0x%llx", u);
        return;
    }
    case OBJ_OBJECT: {
        ObjString *s;
        if (format_stringer(p, v, &s))
            buf_add(b, s->data, s->len);
        else if (!p->failed)
            buf_printf(b, "%s{}", v_type_name(v));
        return;
    }
    case OBJ_MODULE:
        buf_printf(b, "<module %s>", ((ObjModule *)v_ptr(v))->name);
        return;
    default:
        buf_printf(b, "<%s>", v_type_name(v));
        return;
    }
}

void format_value(Buf *b, Value v)
{
    Printer p;
    format_init(&p, b, NULL);
    format_print(&p, v, 'v');
}

ObjString *format_value_str(Value v)
{
    if (v_is_str(v))
        return v_str(v);
    if (v_is_anyint(v)) {
        char tmp[24];
        char *s = format_itoa(tmp + sizeof tmp, v_anyint(v));
        return str_new(s, (size_t)(tmp + sizeof tmp - s));
    }
    Buf b;
    buf_init(&b);
    format_value(&b, v);
    return buf_to_str(&b);
}

/* ====================================================================== */
/* Quoting (strconv)                                                      */
/* ====================================================================== */

static void add_hex(Buf *b, const char *prefix, uint32_t v, int ndigits)
{
    buf_adds(b, prefix);
    for (int s = (ndigits - 1) * 4; s >= 0; s -= 4)
        buf_addc(b, format_ldigits[(v >> s) & 0xF]);
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

void format_quote(Buf *b, const char *s, size_t n, bool ascii_only)
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

void format_quote_rune(Buf *b, int64_t r, bool ascii_only)
{
    if (!utf8_valid_rune(r))
        r = UTF8_ERROR;
    buf_addc(b, '\'');
    escape_rune(b, (int32_t)r, '\'', ascii_only);
    buf_addc(b, '\'');
}

bool format_can_backquote(const char *s, size_t n)
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
/* Numbers (strconv)                                                      */
/* ====================================================================== */

/* Decimal text of i, written backwards ending at end; returns its start.
 * str(i) is hot (map keys built from ints), so this skips printf. */
char *format_itoa(char *end, int64_t i)
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
static void layout_e(Buf *b, bool neg, const Digits *dg, int prec, char fmtc)
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
static void layout_f(Buf *b, bool neg, const Digits *dg, int prec)
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
static void layout_digits(Buf *b, bool shortest, bool neg, const Digits *dg, int prec, int fmtc)
{
    switch (fmtc) {
    case 'e':
    case 'E':
        layout_e(b, neg, dg, prec, (char)fmtc);
        return;
    case 'f':
        layout_f(b, neg, dg, prec);
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
            layout_e(b, neg, dg, prec - 1, (char)(fmtc + 'e' - 'g'));
            return;
        }
        if (prec > dg->dp)
            prec = dg->nd;
        layout_f(b, neg, dg, prec - dg->dp > 0 ? prec - dg->dp : 0);
        return;
    }
    }
    buf_addc(b, '%');
    buf_addc(b, (char)fmtc);
}

/* strconv's fmtB: mantissa "p" exponent, both decimal. */
static void layout_b(Buf *b, bool neg, uint64_t mant, int exp, int mantbits)
{
    buf_printf(b, "%s%llup%s%d", neg ? "-" : "", (unsigned long long)mant, exp - mantbits >= 0 ? "+" : "",
               exp - mantbits);
}

/* strconv's fmtX: hexadecimal mantissa and binary exponent, %x / %X. */
static void layout_x(Buf *b, int prec, int fmtc, bool neg, uint64_t mant, int exp, int mantbits)
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
    const char *hex = fmtc == 'X' ? format_udigits : format_ldigits;
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

void format_ftoa(Buf *b, double v, int fmtc, int prec, int bitsize)
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
        layout_b(b, neg, mant, exp, mantbits);
        return;
    }
    if (fmtc == 'x' || fmtc == 'X') {
        layout_x(b, prec, fmtc, neg, mant, exp, mantbits);
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
        layout_digits(b, true, neg, &dg, prec, fmtc);
        return;
    }
    if (prec > FORMAT_MAX_PREC)
        prec = FORMAT_MAX_PREC;
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
    layout_digits(b, false, neg, &dg, prec, fmtc);
}

void format_float(Buf *b, double d)
{
    format_ftoa(b, d, 'g', -1, 64);
}
