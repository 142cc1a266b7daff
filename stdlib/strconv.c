/* strconv.c — the strconv module, and the number parsers that int(),
 * float() and os/fmt reuse.
 *
 * The parsers are ports of Go's (atoi.go, atof.go's readFloat and
 * underscoreOK), so they accept and reject exactly what Go does: signs,
 * base prefixes with base 0, '_' between digits where Go allows it, "inf"
 * "infinity" "nan" in any case, hex floats with a 'p' exponent. Float
 * conversion itself is strtod/strtof, which round correctly as Go does.
 *
 * Errors are values, with Go's texts: strconv.Atoi: parsing "x": invalid
 * syntax (the input quoted as by strconv.Quote). As Go's *NumError, such an
 * error wraps strconv.ErrSyntax or strconv.ErrRange (ObjError.wrapped), so
 * errors.Is(err, strconv.ErrRange) and errors.Unwrap see them; Unquote
 * returns ErrSyntax itself.
 */
#include "stdlib.h"

#include "../vm/format.h"
#include "../vm/mem.h"
#include "../vm/utf8.h"
#include "bytesval.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline char lower(char c)
{
    return (char)(c | ('x' - 'X'));
}

/* ====================================================================== */
/* parsers                                                                 */
/* ====================================================================== */

/* Go's underscoreOK: '_' only between digits, or after a base prefix. */
static bool underscore_ok(const char *s, size_t n)
{
    char saw = '^';
    size_t i = 0;
    if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
        s++;
        n--;
    }
    bool hex = false;
    if (n >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
        i = 2;
        saw = '0'; /* the base prefix counts as a digit */
        hex = lower(s[1]) == 'x';
    }
    for (; i < n; i++) {
        if ((s[i] >= '0' && s[i] <= '9') || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
            saw = '0';
            continue;
        }
        if (s[i] == '_') {
            if (saw != '0')
                return false;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return false;
        saw = '!';
    }
    return saw != '_';
}

NumStatus strconv_parse_uint(const char *s0, size_t n0, int base, int bits, uint64_t *out)
{
    *out = 0;
    if (n0 == 0)
        return NUM_SYNTAX;
    const char *s = s0;
    size_t n = n0;
    bool base0 = base == 0;
    if (base == 0) {
        base = 10;
        if (s[0] == '0') {
            if (n >= 3 && lower(s[1]) == 'b') {
                base = 2;
                s += 2, n -= 2;
            } else if (n >= 3 && lower(s[1]) == 'o') {
                base = 8;
                s += 2, n -= 2;
            } else if (n >= 3 && lower(s[1]) == 'x') {
                base = 16;
                s += 2, n -= 2;
            } else {
                base = 8;
                s += 1, n -= 1;
            }
        }
    }
    if (bits == 0)
        bits = 64;
    uint64_t cutoff = UINT64_MAX / (uint64_t)base + 1; /* smallest n with n*base overflowing */
    uint64_t max_val = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    bool underscores = false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d;
        if (c == '_' && base0) {
            underscores = true;
            continue;
        } else if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (lower(c) >= 'a' && lower(c) <= 'z') {
            d = lower(c) - 'a' + 10;
        } else {
            return NUM_SYNTAX;
        }
        if (d >= base)
            return NUM_SYNTAX;
        if (v >= cutoff) {
            *out = max_val;
            return NUM_RANGE;
        }
        v *= (uint64_t)base;
        uint64_t v1 = v + (uint64_t)d;
        if (v1 < v || v1 > max_val) {
            *out = max_val;
            return NUM_RANGE;
        }
        v = v1;
    }
    if (underscores && !underscore_ok(s0, n0))
        return NUM_SYNTAX;
    *out = v;
    return NUM_OK;
}

NumStatus strconv_parse_int(const char *s, size_t n, int base, int bits, int64_t *out)
{
    *out = 0;
    if (n == 0)
        return NUM_SYNTAX;
    bool neg = false;
    if (s[0] == '+') {
        s++, n--;
    } else if (s[0] == '-') {
        neg = true;
        s++, n--;
    }
    uint64_t un;
    NumStatus st = strconv_parse_uint(s, n, base, bits, &un);
    if (st == NUM_SYNTAX)
        return st;
    if (bits == 0)
        bits = 64;
    uint64_t cutoff = (uint64_t)1 << (bits - 1);
    if (!neg && un >= cutoff) {
        *out = (int64_t)(cutoff - 1);
        return NUM_RANGE;
    }
    if (neg && un > cutoff) {
        *out = -(int64_t)(cutoff - 1) - 1;
        return NUM_RANGE;
    }
    *out = neg ? (int64_t)(0 - un) : (int64_t)un;
    return NUM_OK;
}

static size_t prefix_len_nocase(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    while (i < n && word[i] && lower(s[i]) == word[i])
        i++;
    return i;
}

/* Go's special(): "inf", "infinity", "nan", signs on the infinities only. */
static bool parse_special(const char *s, size_t n, double *out)
{
    if (n == 0)
        return false;
    double sign = 1;
    size_t nsign = 0;
    if (s[0] == '+' || s[0] == '-') {
        sign = s[0] == '-' ? -1 : 1;
        nsign = 1;
    }
    if (nsign || lower(s[0]) == 'i') {
        size_t k = prefix_len_nocase(s + nsign, n - nsign, "infinity");
        if ((k == 3 || k == 8) && nsign + k == n) {
            *out = sign * INFINITY;
            return true;
        }
        return false;
    }
    if (lower(s[0]) == 'n' && n == 3 && prefix_len_nocase(s, n, "nan") == 3) {
        *out = NAN;
        return true;
    }
    return false;
}

/* Go's readFloat, for its verdict only: is s a whole float literal? */
static bool float_syntax_ok(const char *s, size_t n, bool *underscores)
{
    size_t i = 0;
    *underscores = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    bool hex = false;
    char exp_char = 'e';
    if (i + 2 < n && s[i] == '0' && lower(s[i + 1]) == 'x') {
        hex = true;
        exp_char = 'p';
        i += 2;
    }
    bool sawdot = false, sawdigits = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '_') {
            *underscores = true;
        } else if (c == '.') {
            if (sawdot)
                break;
            sawdot = true;
        } else if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
            sawdigits = true;
        } else {
            break;
        }
    }
    if (!sawdigits)
        return false;
    if (i < n && lower(s[i]) == exp_char) {
        i++;
        if (i >= n)
            return false;
        if (s[i] == '+' || s[i] == '-')
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return false;
        for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
            if (s[i] == '_')
                *underscores = true;
    } else if (hex) {
        return false; /* a hex mantissa needs a 'p' exponent */
    }
    if (*underscores && !underscore_ok(s, i))
        return false;
    return i == n;
}

NumStatus strconv_parse_float(const char *s, size_t n, int bits, double *out)
{
    *out = 0;
    if (parse_special(s, n, out))
        return NUM_OK;
    bool underscores;
    if (!float_syntax_ok(s, n, &underscores))
        return NUM_SYNTAX;
    /* strtod wants a NUL-terminated text without underscores. */
    char small[64];
    char *tmp = n < sizeof small ? small : mem_alloc_atomic(mem_add(n, 1));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            tmp[k++] = s[i];
    tmp[k] = 0;
    double d = bits == 32 ? (double)strtof(tmp, NULL) : strtod(tmp, NULL);
    *out = d;
    return isinf(d) ? NUM_RANGE : NUM_OK;
}

/* ====================================================================== */
/* the module                                                              */
/* ====================================================================== */

/* strconv.ErrSyntax and ErrRange: made when the module opens, which is
 * before any of its functions can run; read-only after. */
static Value err_syntax, err_range;

/* Go's *NumError{Func, Num, Err}: prints as strconv.Func: parsing "Num":
 * Err's text, and unwraps to Err. */
static Value num_error_wrapping(Value plain, Value wrapped)
{
    ((ObjError *)v_ptr(plain))->wrapped = wrapped;
    return plain;
}

static Value num_error(const char *fn, const char *s, size_t n, NumStatus st)
{
    Buf q;
    buf_init(&q);
    format_quote(&q, s, n, false);
    Value e = stdlib_error(st == NUM_RANGE ? E_STRCONV_RANGE : E_STRCONV_SYNTAX, fn, q.data);
    return num_error_wrapping(e, st == NUM_RANGE ? err_range : err_syntax);
}

static Value arg_error(ErrCode code, const char *fn, ObjString *s, int64_t arg)
{
    Buf q;
    buf_init(&q);
    format_quote(&q, s->data, s->len, false);
    Value e = stdlib_error(code, fn, q.data, (int)arg);
    /* Err is errors.New("invalid base 1"): the text after "parsing "x": " */
    ObjString *msg = ((ObjError *)v_ptr(e))->msg;
    size_t skip = strlen("strconv.") + strlen(fn) + strlen(": parsing ") + q.len + 2;
    Value inner =
        skip < msg->len ? v_from_ptr(error_new(str_new(msg->data + skip, msg->len - skip), false)) : V_NIL;
    return num_error_wrapping(e, inner);
}

static int strconv_n_itoa(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t i;
    if (!vm_check_int(t, "strconv.Itoa", args, 0, &i))
        return -1;
    char tmp[24];
    char *p = format_itoa(tmp + sizeof tmp, i);
    rets[0] = v_from_ptr(str_new(p, (size_t)(tmp + sizeof tmp - p)));
    return 1;
}

static int strconv_n_atoi(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    if (!vm_check_str(t, "strconv.Atoi", args, 0, &s))
        return -1;
    int64_t v;
    NumStatus st = strconv_parse_int(s->data, s->len, 10, 0, &v);
    rets[0] = v_make_int(v);
    rets[1] = st == NUM_OK ? V_NIL : num_error("Atoi", s->data, s->len, st);
    return 2;
}

/* Go checks, in order: an empty string, the base, the bit size. */
static bool check_base_bits(int64_t base, int64_t bits, const char *fn, ObjString *s, Value *rets)
{
    if (s->len == 0) {
        rets[0] = v_int_small(0);
        rets[1] = num_error(fn, "", 0, NUM_SYNTAX);
        return false;
    }
    if (base != 0 && (base < 2 || base > 36)) {
        rets[0] = v_int_small(0);
        rets[1] = arg_error(E_STRCONV_BASE, fn, s, base);
        return false;
    }
    if (bits < 0 || bits > 64) {
        rets[0] = v_int_small(0);
        rets[1] = arg_error(E_STRCONV_BITSIZE, fn, s, bits);
        return false;
    }
    return true;
}

static int strconv_n_parse_int(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    int64_t base = 10, bits = 64;
    if (!vm_check_str(t, "strconv.ParseInt", args, 0, &s) ||
        !vm_check_int(t, "strconv.ParseInt", args, 1, &base))
        return -1;
    if (nargs > 2 && !vm_check_int(t, "strconv.ParseInt", args, 2, &bits))
        return -1;
    if (!check_base_bits(base, bits, "ParseInt", s, rets))
        return 2;
    int64_t v;
    NumStatus st = strconv_parse_int(s->data, s->len, (int)base, (int)bits, &v);
    rets[0] = v_make_int(v);
    rets[1] = st == NUM_OK ? V_NIL : num_error("ParseInt", s->data, s->len, st);
    return 2;
}

static int strconv_n_parse_uint(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    int64_t base = 10, bits = 64;
    if (!vm_check_str(t, "strconv.ParseUint", args, 0, &s) ||
        !vm_check_int(t, "strconv.ParseUint", args, 1, &base))
        return -1;
    if (nargs > 2 && !vm_check_int(t, "strconv.ParseUint", args, 2, &bits))
        return -1;
    if (!check_base_bits(base, bits, "ParseUint", s, rets))
        return 2;
    uint64_t v;
    NumStatus st = strconv_parse_uint(s->data, s->len, (int)base, (int)bits, &v);
    rets[0] = v_make_uint(v);
    rets[1] = st == NUM_OK ? V_NIL : num_error("ParseUint", s->data, s->len, st);
    return 2;
}

static int strconv_n_parse_float(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    int64_t bits = 64;
    if (!vm_check_str(t, "strconv.ParseFloat", args, 0, &s))
        return -1;
    if (nargs > 1 && !vm_check_int(t, "strconv.ParseFloat", args, 1, &bits))
        return -1;
    double d;
    NumStatus st = strconv_parse_float(s->data, s->len, bits == 32 ? 32 : 64, &d);
    rets[0] = v_make_float(d);
    rets[1] = st == NUM_OK ? V_NIL : num_error("ParseFloat", s->data, s->len, st);
    return 2;
}

static int strconv_n_parse_bool(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    if (!vm_check_str(t, "strconv.ParseBool", args, 0, &s))
        return -1;
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (int i = 0; i < 6; i++) {
        if (strlen(yes[i]) == s->len && memcmp(yes[i], s->data, s->len) == 0) {
            rets[0] = V_TRUE;
            rets[1] = V_NIL;
            return 2;
        }
        if (strlen(no[i]) == s->len && memcmp(no[i], s->data, s->len) == 0) {
            rets[0] = V_FALSE;
            rets[1] = V_NIL;
            return 2;
        }
    }
    rets[0] = V_FALSE;
    rets[1] = num_error("ParseBool", s->data, s->len, NUM_SYNTAX);
    return 2;
}

static int strconv_n_format_bool(Thread *t, Value *args, int nargs, Value *rets)
{
    if (!v_is_bool(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "strconv.FormatBool", 1, "bool", v_type_name(args[0]));
    rets[0] = v_cstr(args[0] == V_TRUE ? "true" : "false");
    return 1;
}

/* The digits of u in base (2..36), after a '-' when neg. */
static Value format_digits(uint64_t u, bool neg, int64_t base)
{
    char buf[72];
    size_t p = sizeof buf;
    do {
        buf[--p] = "0123456789abcdefghijklmnopqrstuvwxyz"[u % (uint64_t)base];
        u /= (uint64_t)base;
    } while (u);
    if (neg)
        buf[--p] = '-';
    return v_from_ptr(str_new(buf + p, sizeof buf - p));
}

static int strconv_n_format_int(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t i, base;
    if (!vm_check_int(t, "strconv.FormatInt", args, 0, &i) ||
        !vm_check_int(t, "strconv.FormatInt", args, 1, &base))
        return -1;
    if (base < 2 || base > 36)
        return vm_panicf(t, E_STRCONV_FORMAT_BASE);
    rets[0] = format_digits(i < 0 ? 0 - (uint64_t)i : (uint64_t)i, i < 0, base);
    return 1;
}

/* FormatUint(u, base): u's 64 bits as the unsigned number (a uint64 past
 * 2^63-1 is one; a negative int, which Go would not pass, is read as the
 * uint64 it converts to). */
static int strconv_n_format_uint(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t i, base;
    if (!vm_check_int(t, "strconv.FormatUint", args, 0, &i) ||
        !vm_check_int(t, "strconv.FormatUint", args, 1, &base))
        return -1;
    if (base < 2 || base > 36)
        return vm_panicf(t, E_STRCONV_FORMAT_BASE);
    rets[0] = format_digits((uint64_t)i, false, base);
    return 1;
}

/* A format byte given as an int ('f', as Go writes it) or a one-byte
 * string ("f", for scripts without rune literals). */
static bool byte_arg(Value v, int *out)
{
    if (v_is_int(v)) {
        *out = (int)(v_int(v) & 0xFF);
        return true;
    }
    if (v_is_str(v) && v_str(v)->len == 1) {
        *out = (unsigned char)v_str(v)->data[0];
        return true;
    }
    return false;
}

static int strconv_n_format_float(Thread *t, Value *args, int nargs, Value *rets)
{
    double f;
    int64_t prec, bits;
    int fmtc;
    if (!vm_check_num(t, "strconv.FormatFloat", args, 0, &f))
        return -1;
    if (!byte_arg(args[1], &fmtc))
        return vm_panicf(t, E_ARG_TYPE, "strconv.FormatFloat", 2, "a format byte", v_type_name(args[1]));
    if (!vm_check_int(t, "strconv.FormatFloat", args, 2, &prec) ||
        !vm_check_int(t, "strconv.FormatFloat", args, 3, &bits))
        return -1;
    if (bits != 32 && bits != 64)
        return vm_panicf(t, E_STRCONV_FLOAT_BITS);
    if (prec > 1000000)
        prec = 1000000;
    Buf b;
    buf_init(&b);
    format_ftoa(&b, f, fmtc, prec < 0 ? -1 : (int)prec, (int)bits);
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int strconv_n_quote(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    if (!vm_check_str(t, "strconv.Quote", args, 0, &s))
        return -1;
    Buf b;
    buf_init(&b);
    format_quote(&b, s->data, s->len, false);
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int strconv_n_quote_to_ascii(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    if (!vm_check_str(t, "strconv.QuoteToASCII", args, 0, &s))
        return -1;
    Buf b;
    buf_init(&b);
    format_quote(&b, s->data, s->len, true);
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int strconv_n_quote_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t r;
    if (!vm_check_int(t, "strconv.QuoteRune", args, 0, &r))
        return -1;
    Buf b;
    buf_init(&b);
    format_quote_rune(&b, r, false);
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int strconv_n_quote_rune_to_ascii(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t r;
    if (!vm_check_int(t, "strconv.QuoteRuneToASCII", args, 0, &r))
        return -1;
    Buf b;
    buf_init(&b);
    format_quote_rune(&b, r, true);
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

/* ---- Unquote ----------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Go's UnquoteChar: one (possibly escaped) character of a quoted literal
 * at s[*i]: its value, and whether it is a rune to encode as UTF-8
 * (multibyte) rather than one byte (a \x or octal escape, or ASCII).
 * False on a syntax error. */
static bool unquote_char(const char *s, size_t n, size_t *i, char quote, int32_t *value, bool *multibyte)
{
    *multibyte = false;
    if (*i >= n)
        return false;
    unsigned char c = (unsigned char)s[*i];
    if (c == (unsigned char)quote && (quote == '\'' || quote == '"'))
        return false;
    if (c >= 0x80) {
        *i += (size_t)utf8_decode(s + *i, n - *i, value);
        *multibyte = true;
        return true;
    }
    if (c != '\\') {
        *value = c;
        (*i)++;
        return true;
    }
    if (*i + 1 >= n)
        return false;
    char e = s[*i + 1];
    *i += 2;
    switch (e) {
    case 'a':
        *value = '\a';
        return true;
    case 'b':
        *value = '\b';
        return true;
    case 'f':
        *value = '\f';
        return true;
    case 'n':
        *value = '\n';
        return true;
    case 'r':
        *value = '\r';
        return true;
    case 't':
        *value = '\t';
        return true;
    case 'v':
        *value = '\v';
        return true;
    case '\\':
        *value = '\\';
        return true;
    case '\'':
    case '"':
        if (e != quote)
            return false;
        *value = e;
        return true;
    case 'x':
    case 'u':
    case 'U': {
        int k = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (*i + (size_t)k > n)
            return false;
        int64_t v = 0;
        for (int j = 0; j < k; j++) {
            int h = hexval(s[*i + (size_t)j]);
            if (h < 0)
                return false;
            v = v << 4 | h;
        }
        *i += (size_t)k;
        if (e != 'x') {
            if (!utf8_valid_rune(v))
                return false;
            *multibyte = true;
        }
        *value = (int32_t)v;
        return true;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
        if (*i + 2 > n)
            return false;
        int v = e - '0';
        for (int j = 0; j < 2; j++) {
            char d = s[*i + (size_t)j];
            if (d < '0' || d > '7')
                return false;
            v = v * 8 + (d - '0');
        }
        *i += 2;
        if (v > 255)
            return false;
        *value = v;
        return true;
    }
    }
    return false;
}

/* Append what unquote_char read, as Go's Unquote does: a byte, or a rune's
 * encoding (an invalid byte read as RuneError becomes U+FFFD). */
static void add_unquoted(Buf *b, int32_t value, bool multibyte)
{
    if (value < 0x80 || !multibyte) {
        buf_addc(b, (char)value);
        return;
    }
    char enc[4];
    buf_add(b, enc, (size_t)utf8_encode(enc, value));
}

static int strconv_n_unquote(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *str;
    if (!vm_check_str(t, "strconv.Unquote", args, 0, &str))
        return -1;
    const char *s = str->data;
    size_t n = str->len;
    rets[0] = v_cstr("");
    rets[1] = err_syntax;
    if (n < 2 || s[0] != s[n - 1])
        return 2;
    char quote = s[0];
    Buf b;
    buf_init(&b);
    if (quote == '`') {
        if (memchr(s + 1, '`', n - 2))
            return 2;
        /* Raw strings drop carriage returns, as Go's do. */
        for (size_t i = 1; i < n - 1; i++)
            if (s[i] != '\r')
                buf_addc(&b, s[i]);
    } else if (quote == '"' || quote == '\'') {
        size_t i = 1;
        int count = 0;
        while (i < n - 1) {
            if (s[i] == '\n')
                return 2;
            int32_t value;
            bool multibyte;
            if (!unquote_char(s, n - 1, &i, quote, &value, &multibyte))
                return 2;
            add_unquoted(&b, value, multibyte);
            count++;
        }
        /* One character at most: Go's Unquote("''") is "", nil. */
        if (quote == '\'' && count > 1)
            return 2;
    } else {
        return 2;
    }
    rets[0] = v_from_ptr(buf_to_str(&b));
    rets[1] = V_NIL;
    return 2;
}

/* UnquoteChar(s, quote) (value rune, multibyte bool, tail string, err). */
static int strconv_n_unquote_char(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    int64_t quote;
    if (!vm_check_str(t, "strconv.UnquoteChar", args, 0, &s) ||
        !vm_check_int(t, "strconv.UnquoteChar", args, 1, &quote))
        return -1;
    size_t i = 0;
    int32_t value = 0;
    bool multibyte;
    if (!unquote_char(s->data, s->len, &i, (char)quote, &value, &multibyte)) {
        rets[0] = v_int_small(0);
        rets[1] = V_FALSE;
        rets[2] = v_cstr("");
        rets[3] = err_syntax;
        return 4;
    }
    rets[0] = v_int_small(value);
    rets[1] = v_bool(multibyte);
    rets[2] = v_from_ptr(str_new(s->data + i, s->len - i));
    rets[3] = V_NIL;
    return 4;
}

/* ---- Append*, IsPrint and the rest -------------------------------------- */

/* The unbraced if ends a declaration macro, which clang-format mangles. */
/* clang-format off */
#define DST_ARG(name)                                                                                        \
    if (!bytes_param(t, name, args, 0, true))                                                                \
        return -1
/* clang-format on */

/* Each Append* formats with its Format/Quote twin (args shifted past dst)
 * and appends the text to dst. */
static int append_with(Thread *t, NativeFn fn, Value *args, int nargs, Value *rets)
{
    Value dst = args[0];
    Value shifted[4];
    for (int i = 1; i < nargs && i <= 4; i++)
        shifted[i - 1] = args[i];
    if (fn(t, shifted, nargs - 1, rets) < 0)
        return -1;
    ObjString *text = v_str(rets[0]);
    rets[0] = bytes_append(dst, text->data, text->len);
    return 1;
}

#define APPENDER(cname, goname, twin)                                                                        \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        DST_ARG("strconv." goname);                                                                          \
        return append_with(t, twin, args, nargs, rets);                                                      \
    }

APPENDER(strconv_n_append_int, "AppendInt", strconv_n_format_int)
APPENDER(strconv_n_append_uint, "AppendUint", strconv_n_format_uint)
APPENDER(strconv_n_append_float, "AppendFloat", strconv_n_format_float)
APPENDER(strconv_n_append_bool, "AppendBool", strconv_n_format_bool)
APPENDER(strconv_n_append_quote, "AppendQuote", strconv_n_quote)
APPENDER(strconv_n_append_quote_to_ascii, "AppendQuoteToASCII", strconv_n_quote_to_ascii)
APPENDER(strconv_n_append_quote_rune, "AppendQuoteRune", strconv_n_quote_rune)
APPENDER(strconv_n_append_quote_rune_to_ascii, "AppendQuoteRuneToASCII", strconv_n_quote_rune_to_ascii)

static int strconv_n_is_print(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t r;
    if (!vm_check_int(t, "strconv.IsPrint", args, 0, &r))
        return -1;
    rets[0] = v_bool(r >= 0 && r <= 0x10FFFF && unicode_is_print((int32_t)r));
    return 1;
}

/* IsGraphic: IsPrint plus the Unicode spaces Go lists (Zs). */
static int strconv_n_is_graphic(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t r;
    if (!vm_check_int(t, "strconv.IsGraphic", args, 0, &r))
        return -1;
    bool g = r >= 0 && r <= 0x10FFFF && unicode_is_print((int32_t)r);
    if (!g && r > 0 && r <= 0x10FFFF && r != ' ' && unicode_is_space((int32_t)r))
        g = r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x202F || r == 0x205F ||
            r == 0x3000;
    rets[0] = v_bool(g);
    return 1;
}

static int strconv_n_can_backquote(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    if (!vm_check_str(t, "strconv.CanBackquote", args, 0, &s))
        return -1;
    rets[0] = v_bool(format_can_backquote(s->data, s->len));
    return 1;
}

static const ModuleFn strconv_fns[] = {
    {"AppendBool", strconv_n_append_bool, 2, 2, "func([]byte, bool) []byte"},
    {"AppendFloat", strconv_n_append_float, 5, 5, "func([]byte, float64, byte, int, int) []byte"},
    {"AppendInt", strconv_n_append_int, 3, 3, "func([]byte, int64, int) []byte"},
    {"AppendQuote", strconv_n_append_quote, 2, 2, "func([]byte, string) []byte"},
    {"AppendQuoteRune", strconv_n_append_quote_rune, 2, 2, "func([]byte, rune) []byte"},
    {"AppendQuoteRuneToASCII", strconv_n_append_quote_rune_to_ascii, 2, 2, "func([]byte, rune) []byte"},
    {"AppendQuoteToASCII", strconv_n_append_quote_to_ascii, 2, 2, "func([]byte, string) []byte"},
    {"AppendUint", strconv_n_append_uint, 3, 3, "func([]byte, uint64, int) []byte"},
    {"Atoi", strconv_n_atoi, 1, 1, "func(string) (int, error)"},
    {"CanBackquote", strconv_n_can_backquote, 1, 1, "func(string) bool"},
    {"FormatBool", strconv_n_format_bool, 1, 1, "func(bool) string"},
    {"FormatFloat", strconv_n_format_float, 4, 4, "func(float64, byte, int, int) string"},
    {"FormatInt", strconv_n_format_int, 2, 2, "func(int64, int) string"},
    {"FormatUint", strconv_n_format_uint, 2, 2, "func(uint64, int) string"},
    {"IsGraphic", strconv_n_is_graphic, 1, 1, "func(rune) bool"},
    {"IsPrint", strconv_n_is_print, 1, 1, "func(rune) bool"},
    {"Itoa", strconv_n_itoa, 1, 1, "func(int) string"},
    {"ParseBool", strconv_n_parse_bool, 1, 1, "func(string) (bool, error)"},
    {"ParseFloat", strconv_n_parse_float, 1, 2, "func(string, int) (float64, error)"},
    {"ParseInt", strconv_n_parse_int, 2, 3, "func(string, int, int) (int64, error)"},
    {"ParseUint", strconv_n_parse_uint, 2, 3, "func(string, int, int) (uint64, error)"},
    {"Quote", strconv_n_quote, 1, 1, "func(string) string"},
    {"QuoteRune", strconv_n_quote_rune, 1, 1, "func(rune) string"},
    {"QuoteRuneToASCII", strconv_n_quote_rune_to_ascii, 1, 1, "func(rune) string"},
    {"QuoteToASCII", strconv_n_quote_to_ascii, 1, 1, "func(string) string"},
    {"Unquote", strconv_n_unquote, 1, 1, "func(string) (string, error)"},
    {"UnquoteChar", strconv_n_unquote_char, 2, 2, "func(string, byte) (rune, bool, string, error)"},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt strconv_ints[] = {
    {"IntSize", 64},
    {NULL, 0},
};

static void strconv_open(ObjModule *m)
{
    err_syntax = v_from_ptr(error_new(str_new("invalid syntax", 14), false));
    err_range = v_from_ptr(error_new(str_new("value out of range", 18), false));
    module_add_fns(m, strconv_fns);
    module_add_ints(m, strconv_ints);
    module_add(m, "ErrSyntax", err_syntax);
    module_add(m, "ErrRange", err_range);
}

const ModuleDef csp_module_strconv = {"strconv", strconv_open};
