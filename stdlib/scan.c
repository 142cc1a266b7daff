/* scan.c — fmt's scanning: Sscan Sscanln Sscanf, Fscan Fscanln Fscanf and
 * Scan Scanln Scanf (os.Stdin), with Go's rules and error texts.
 *
 * Operands are pointers (&x): what is scanned into *x follows the kind of
 * the value x holds now, which for a typed variable is its type's zero
 * or its last value (an int, a float64, a string, a bool, a []byte); a
 * declared type's value (type Celsius float64) keeps its type. csp's
 * pointers to int variables do not carry int8 or uint, so Go's per-width
 * overflow checks ("integer overflow on token 300") are not made: ints
 * are checked against 64 bits.
 *
 * Input is read a byte at a time: from the string, from an os.File's own
 * read buffer (whatever follows the last token stays there for the next
 * read, but for the one byte looked at past it, which Go's fmt drops too),
 * or from any other reader one byte per Read, giving back the byte looked
 * at past the last token with UnreadByte when the reader has it
 * (bufio.Reader, strings.Reader), as Go's fmt does with UnreadRune.
 * Registered by fmt.c (fmt_scan_fns).
 */
#include "stream.h"

#include <string.h>

#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/utf8.h"

/* A scan's state. The Go panics of fmt's ss become the first error
 * recorded (err), after which every step does nothing. */
typedef struct Scan {
    Thread *t;
    const char *s; /* a string source: s[pos..n) */
    size_t n, pos;
    Value r;     /* else a reader (V_UNDEF: none) */
    bool file;   /* r is an os.File */
    int peek;    /* a byte given back (-1: none) */
    int last;    /* the byte read last, for unget (-1: none) */
    bool at_eof; /* the source is at its end */
    bool nl_is_space;
    Value err;
    bool panicked; /* a reader's Read panicked: return -1 */
    int limit;     /* Scanf's width: bytes the operand may still take; -1: any */
} Scan;

#define SCAN_EOF (-1)

static int get(Scan *sc)
{
    if (sc->limit == 0)
        return SCAN_EOF; /* a verb's width is used up: its end, not the input's */
    if (sc->limit > 0)
        sc->limit--;
    if (sc->peek >= 0) {
        int c = sc->peek;
        sc->peek = -1;
        sc->last = c;
        return c;
    }
    if (sc->at_eof || sc->panicked)
        return SCAN_EOF;
    int c;
    if (sc->r == V_UNDEF) {
        c = sc->pos < sc->n ? (unsigned char)sc->s[sc->pos++] : SCAN_EOF;
    } else if (sc->file) {
        Value err;
        c = os_file_getc(sc->r, &err);
        if (c < 0 && err != V_NIL && sc->err == V_NIL)
            sc->err = err;
    } else {
        char ch;
        Value err;
        int64_t k = stream_read(sc->t, "fmt.Fscan", sc->r, &ch, 1, &err);
        if (k < 0) {
            sc->panicked = true;
            return SCAN_EOF;
        }
        c = k == 1 ? (unsigned char)ch : SCAN_EOF;
        if (k == 0 && err != V_NIL && err != stdlib_eof() && sc->err == V_NIL)
            sc->err = err;
    }
    if (c == SCAN_EOF)
        sc->at_eof = true;
    sc->last = c;
    return c;
}

static void unget(Scan *sc, int c)
{
    if (c == SCAN_EOF)
        return;
    sc->peek = c;
    if (sc->limit >= 0)
        sc->limit++;
}

static int peekc(Scan *sc)
{
    int c = get(sc);
    unget(sc, c);
    return c;
}

/* Give the looked-at byte back to the source when the scan ends. */
static void finish(Scan *sc)
{
    if (sc->peek < 0)
        return;
    if (sc->r == V_UNDEF) {
        sc->pos--;
    } else if (sc->file) {
        /* Go's fmt reads an os.File a rune at a time and drops the one it
         * looked at past the last token (os.File has no UnreadRune):
         * `fmt.Scan(&n)` then `fmt.Scanln(&s)` relies on the newline
         * after n being gone, so it goes here too */
    } else if (!sc->panicked) {
        int nr = stream_call(sc->t, sc->r, "UnreadByte", NULL, 0);
        if (nr == -1)
            sc->panicked = true;
    }
    sc->peek = -1;
}

static void fail(Scan *sc, Value err)
{
    if (sc->err == V_NIL)
        sc->err = err;
}

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

/* Go's SkipSpace: newlines are spaces unless nl_is_space is false, when
 * one is "unexpected newline". */
static void skip_space(Scan *sc)
{
    for (;;) {
        int c = get(sc);
        if (c == SCAN_EOF)
            return;
        if (c == '\r' && peekc(sc) == '\n')
            continue;
        if (c == '\n') {
            if (sc->nl_is_space)
                continue;
            fail(sc, stdlib_error(E_SCAN_UNEXPECTED_NL));
            return;
        }
        if (!is_space(c)) {
            unget(sc, c);
            return;
        }
    }
}

/* Go's notEOF: input must remain (io.EOF otherwise). */
static bool not_eof(Scan *sc)
{
    int c = peekc(sc);
    if (c == SCAN_EOF) {
        fail(sc, stdlib_eof());
        return false;
    }
    return true;
}

/* Take the next byte if it is in set. */
static bool accept(Scan *sc, const char *set, Buf *tok)
{
    int c = get(sc);
    if (c != SCAN_EOF && c != 0 && strchr(set, c)) {
        if (tok)
            buf_addc(tok, (char)c);
        return true;
    }
    unget(sc, c);
    return false;
}

/* The digits of a base; Go's %v also takes '_' between them. */
static const char *digits_of(int base, bool underscores)
{
    switch (base) {
    case 2:
        return underscores ? "01_" : "01";
    case 8:
        return underscores ? "01234567_" : "01234567";
    case 16:
        return underscores ? "0123456789aAbBcCdDeEfF_" : "0123456789aAbBcCdDeEfF";
    default:
        return underscores ? "0123456789_" : "0123456789";
    }
}

/* ---- the kinds of operand ---------------------------------------------- */

static bool scan_int(Scan *sc, int verb, Value *out)
{
    if (verb != 'c') /* %c takes the next rune, a space too */
        skip_space(sc);
    if (sc->err != V_NIL || !not_eof(sc))
        return false;
    Buf tok;
    buf_init(&tok);
    if (verb == 'c') {
        char enc[4];
        int k = 0;
        int c = get(sc);
        enc[k++] = (char)c;
        int need = (unsigned char)c >= 0xF0   ? 4
                   : (unsigned char)c >= 0xE0 ? 3
                   : (unsigned char)c >= 0xC0 ? 2
                                              : 1;
        while (k < need) {
            int d = get(sc);
            if (d == SCAN_EOF)
                break;
            enc[k++] = (char)d;
        }
        int32_t r;
        utf8_decode(enc, (size_t)k, &r);
        *out = v_int_small(r);
        return true;
    }
    int base = verb == 'b' ? 2 : verb == 'o' ? 8 : verb == 'x' || verb == 'X' ? 16 : 10;
    accept(sc, "+-", &tok);
    bool prefixed = false;
    if (verb == 'v' && peekc(sc) == '0') {
        get(sc);
        buf_addc(&tok, '0');
        int c = peekc(sc);
        if (c == 'b' || c == 'B' || c == 'o' || c == 'O' || c == 'x' || c == 'X') {
            get(sc);
            buf_addc(&tok, (char)c);
            base = c == 'b' || c == 'B' ? 2 : c == 'o' || c == 'O' ? 8 : 16;
            prefixed = true;
        } else {
            base = 8; /* Go's %v: a leading 0 is octal */
            prefixed = true;
        }
    }
    size_t before = tok.len;
    while (accept(sc, digits_of(base, verb == 'v'), &tok))
        ;
    if (tok.len == before && !(prefixed && base == 8)) {
        fail(sc, stdlib_error(E_SCAN_EXPECTED_INT));
        return false;
    }
    int64_t v;
    NumStatus st = strconv_parse_int(tok.data, tok.len, verb == 'v' ? 0 : base, 64, &v);
    if (st != NUM_OK) {
        buf_addc(&tok, 0);
        Buf q;
        buf_init(&q);
        buf_printf(&q, "\"%s\"", tok.data);
        buf_addc(&q, 0);
        fail(sc, stdlib_error(E_SCAN_BAD_NUMBER, "Int", q.data,
                              st == NUM_RANGE ? "value out of range" : "invalid syntax"));
        return false;
    }
    *out = v_make_int(v);
    return true;
}

static bool scan_float(Scan *sc, Value *out)
{
    skip_space(sc);
    if (sc->err != V_NIL || !not_eof(sc))
        return false;
    Buf tok;
    buf_init(&tok);
    /* Go's floatToken: sign, nan/inf, digits, point, exponent */
    accept(sc, "+-", &tok);
    if (accept(sc, "nN", &tok) && accept(sc, "aA", &tok) && accept(sc, "nN", &tok)) {
    } else if (tok.len && (tok.data[tok.len - 1] | 0x20) == 'n') {
    } else if (accept(sc, "iI", &tok) && accept(sc, "nN", &tok) && accept(sc, "fF", &tok)) {
    } else {
        const char *digits = "0123456789_", *exp = "eEpP";
        if (accept(sc, "0", &tok) && accept(sc, "xX", &tok)) {
            digits = "0123456789aAbBcCdDeEfF_";
            exp = "pP";
        }
        while (accept(sc, digits, &tok))
            ;
        if (accept(sc, ".", &tok))
            while (accept(sc, digits, &tok))
                ;
        if (accept(sc, exp, &tok)) {
            accept(sc, "+-", &tok);
            while (accept(sc, "0123456789_", &tok))
                ;
        }
    }
    double d;
    NumStatus st = strconv_parse_float(tok.data ? tok.data : "", tok.len, 64, &d);
    if (st != NUM_OK) {
        Buf q;
        buf_init(&q);
        buf_addc(&q, '"');
        buf_add(&q, tok.data ? tok.data : "", tok.len);
        buf_addc(&q, '"');
        buf_addc(&q, 0);
        fail(sc, stdlib_error(E_SCAN_BAD_NUMBER, "Float", q.data,
                              st == NUM_RANGE ? "value out of range" : "invalid syntax"));
        return false;
    }
    *out = v_make_float(d);
    return true;
}

/* %q: a Go double-quoted or back-quoted string. */
static bool scan_quoted(Scan *sc, Buf *out)
{
    int q = get(sc);
    if (q != '"' && q != '`') {
        unget(sc, q);
        fail(sc, stdlib_error(E_SCAN_BAD_QUOTE));
        return false;
    }
    for (;;) {
        int c = get(sc);
        if (c == SCAN_EOF) {
            fail(sc, io_unexpected_eof());
            return false;
        }
        if (c == q)
            return true;
        if (c == '\\' && q == '"') {
            int e = get(sc);
            switch (e) {
            case 'n':
                buf_addc(out, '\n');
                break;
            case 't':
                buf_addc(out, '\t');
                break;
            case 'r':
                buf_addc(out, '\r');
                break;
            case '\\':
                buf_addc(out, '\\');
                break;
            case '"':
                buf_addc(out, '"');
                break;
            case '\'':
                buf_addc(out, '\'');
                break;
            case 'a':
                buf_addc(out, '\a');
                break;
            case 'b':
                buf_addc(out, '\b');
                break;
            case 'f':
                buf_addc(out, '\f');
                break;
            case 'v':
                buf_addc(out, '\v');
                break;
            case 'x': {
                int v = 0;
                for (int i = 0; i < 2; i++) {
                    int h = get(sc);
                    v = v * 16 + (h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
                }
                buf_addc(out, (char)v);
                break;
            }
            case 'u':
            case 'U': {
                int32_t v = 0;
                for (int i = 0; i < (e == 'u' ? 4 : 8); i++) {
                    int h = get(sc);
                    v = v * 16 + (h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
                }
                char enc[4];
                buf_add(out, enc, (size_t)utf8_encode(enc, v));
                break;
            }
            default:
                fail(sc, stdlib_error(E_SCAN_BAD_QUOTE));
                return false;
            }
            continue;
        }
        buf_addc(out, (char)c);
    }
}

static bool scan_string(Scan *sc, int verb, Value *out, bool bytes)
{
    skip_space(sc);
    if (sc->err != V_NIL || !not_eof(sc))
        return false;
    Buf tok;
    buf_init(&tok);
    if (verb == 'q') {
        if (!scan_quoted(sc, &tok))
            return false;
    } else {
        for (;;) {
            int c = get(sc);
            if (c == SCAN_EOF)
                break;
            if (is_space(c)) {
                unget(sc, c);
                break;
            }
            buf_addc(&tok, (char)c);
        }
    }
    *out = bytes ? bytes_new(tok.data ? tok.data : "", tok.len)
                 : v_from_ptr(str_new(tok.data ? tok.data : "", tok.len));
    return true;
}

static bool scan_bool(Scan *sc, Value *out)
{
    skip_space(sc);
    if (sc->err != V_NIL || !not_eof(sc))
        return false;
    int c = get(sc);
    switch (c) {
    case '0':
        *out = V_FALSE;
        return true;
    case '1':
        *out = V_TRUE;
        return true;
    case 't':
    case 'T':
        if (accept(sc, "rR", NULL) && (!accept(sc, "uU", NULL) || !accept(sc, "eE", NULL))) {
            fail(sc, stdlib_error(E_SCAN_BAD_BOOL));
            return false;
        }
        *out = V_TRUE;
        return true;
    case 'f':
    case 'F':
        if (accept(sc, "aA", NULL) &&
            (!accept(sc, "lL", NULL) || !accept(sc, "sS", NULL) || !accept(sc, "eE", NULL))) {
            fail(sc, stdlib_error(E_SCAN_BAD_BOOL));
            return false;
        }
        *out = V_FALSE;
        return true;
    default:
        unget(sc, c);
        fail(sc, stdlib_error(E_SCAN_BAD_BOOL));
        return false;
    }
}

/* Scan one operand into the pointer p. */
static bool scan_one(Scan *sc, int verb, Value p)
{
    p = iface_unbox(p);
    Value *slot = v_is_ref(p) ? ref_slot(p) : NULL;
    if (!slot) {
        Buf b;
        buf_init(&b);
        format_type_of(&b, p);
        buf_addc(&b, 0);
        fail(sc, stdlib_error(E_SCAN_NOT_POINTER, b.data));
        return false;
    }
    Value cur = *slot;
    ObjType *named = v_is_obj(cur, OBJ_NAMED) ? ((ObjNamed *)v_ptr(cur))->type : NULL;
    Value plain = v_unnamed(cur), v;
    bool ok;
    if (v_is_anyint(plain))
        ok = scan_int(sc, verb, &v);
    else if (v_is_anyfloat(plain))
        ok = scan_float(sc, &v);
    else if (v_is_str(plain))
        ok = scan_string(sc, verb, &v, false);
    else if (v_is_bool(plain))
        ok = scan_bool(sc, &v);
    else if (v_is_obj(plain, OBJ_LIST) || plain == V_NIL)
        ok = scan_string(sc, verb, &v, true);
    else {
        Buf b;
        buf_init(&b);
        buf_addc(&b, '*');
        format_type_of(&b, cur);
        buf_addc(&b, 0);
        fail(sc, stdlib_error(E_SCAN_BAD_TYPE, b.data));
        return false;
    }
    if (!ok || sc->panicked)
        return false;
    *slot = named ? named_new(named, v) : v;
    return true;
}

/* Go's doScan: each operand, then (Scanln) a newline or the end. */
static int do_scan(Scan *sc, const Value *ops, int nops)
{
    int n = 0;
    for (int i = 0; i < nops && sc->err == V_NIL; i++) {
        if (!scan_one(sc, 'v', ops[i]))
            break;
        n++;
    }
    if (sc->err == V_NIL && !sc->nl_is_space && !sc->panicked) {
        for (;;) {
            int c = get(sc);
            if (c == '\n' || c == SCAN_EOF)
                break;
            if (!is_space(c)) {
                fail(sc, stdlib_error(E_SCAN_EXPECTED_NL));
                break;
            }
        }
    }
    return n;
}

/* Go's doScanf. */
static int do_scanf(Scan *sc, const char *f, size_t flen, const Value *ops, int nops)
{
    int n = 0, argi = 0;
    size_t i = 0;
    while (i < flen && sc->err == V_NIL && !sc->panicked) {
        unsigned char fc = (unsigned char)f[i];
        if (fc != '%') {
            if (is_space(fc)) {
                /* Go's rules for a run of spaces in the format: a newline
                 * in it matches spaces then a newline (or the end) in the
                 * input, and spaces after that newline match spaces after
                 * the input's; other spaces match any spaces (or none) */
                bool fnl = false, after = false;
                for (; i < flen && is_space((unsigned char)f[i]); i++) {
                    if (f[i] == '\n')
                        fnl = true, after = false;
                    else if (fnl)
                        after = true;
                }
                int c;
                do
                    c = get(sc);
                while (c != SCAN_EOF && c != '\n' && is_space(c));
                if (fnl && c == '\n') {
                    if (after) {
                        do
                            c = get(sc);
                        while (c != SCAN_EOF && c != '\n' && is_space(c));
                        unget(sc, c);
                    }
                } else if (fnl && c != SCAN_EOF) {
                    unget(sc, c);
                    fail(sc, stdlib_error(E_SCAN_FORMAT_NL));
                } else if (!fnl && c == '\n') {
                    unget(sc, c);
                    fail(sc, stdlib_error(E_SCAN_INPUT_NL));
                } else {
                    unget(sc, c);
                }
                continue;
            }
            int c = get(sc);
            if (c != fc) {
                unget(sc, c);
                fail(sc, stdlib_error(E_SCAN_NO_MATCH));
                break;
            }
            i++;
            continue;
        }
        i++;
        while (i < flen && strchr("+-# ", f[i])) /* flags: meaningless in scanning */
            i++;
        int width = -1;
        for (; i < flen && f[i] >= '0' && f[i] <= '9'; i++)
            width = (width < 0 ? 0 : width * 10) + (f[i] - '0');
        if (i >= flen)
            break;
        int verb = (unsigned char)f[i++];
        if (verb != 'c')
            skip_space(sc); /* before the width counts, as Go's */
        if (verb == '%') {
            int c = get(sc);
            if (c != '%') {
                unget(sc, c);
                fail(sc, stdlib_error(E_SCAN_NO_MATCH));
            }
            continue;
        }
        if (argi >= nops) {
            fail(sc, stdlib_error(E_SCAN_TOO_FEW, verb));
            break;
        }
        sc->limit = width;
        bool ok = scan_one(sc, verb, ops[argi++]);
        sc->limit = -1;
        if (!ok)
            break;
        n++;
    }
    if (sc->err == V_NIL && argi < nops)
        fail(sc, stdlib_error(E_SCAN_TOO_MANY));
    return n;
}

/* ---- the natives ------------------------------------------------------- */

typedef enum { MODE_SCAN, MODE_LN, MODE_F } Mode;

static int run(Thread *t, Scan *sc, Mode mode, Value *args, int first, int nargs, Value *rets)
{
    sc->t = t;
    sc->peek = sc->last = -1;
    sc->limit = -1;
    sc->err = V_NIL;
    sc->nl_is_space = mode == MODE_SCAN;
    int n;
    if (mode == MODE_F) {
        ObjString *f;
        if (!vm_check_str(t, "fmt.Sscanf", args, first, &f))
            return -1;
        n = do_scanf(sc, f->data, f->len, args + first + 1, nargs - first - 1);
    } else {
        n = do_scan(sc, args + first, nargs - first);
    }
    finish(sc);
    if (sc->panicked)
        return -1;
    rets[0] = v_int_small(n);
    rets[1] = sc->err;
    return 2;
}

static int sscan(Thread *t, Mode mode, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    if (!vm_check_str(t, "fmt.Sscan", args, 0, &s))
        return -1;
    Scan sc = {0};
    sc.s = s->data;
    sc.n = s->len;
    sc.r = V_UNDEF;
    return run(t, &sc, mode, args, 1, nargs, rets);
}

static int fscan(Thread *t, Mode mode, Value r, Value *args, int first, int nargs, Value *rets)
{
    if (!stream_is_reader(r))
        return vm_panicf(t, E_ARG_TYPE, "fmt.Fscan", 1, "an io.Reader", v_type_name(r));
    Scan sc = {0};
    sc.r = r;
    sc.file = os_file_fd(r) >= 0;
    return run(t, &sc, mode, args, first, nargs, rets);
}

static int n_sscan(Thread *t, Value *args, int nargs, Value *rets)
{
    return sscan(t, MODE_SCAN, args, nargs, rets);
}
static int n_sscanln(Thread *t, Value *args, int nargs, Value *rets)
{
    return sscan(t, MODE_LN, args, nargs, rets);
}
static int n_sscanf(Thread *t, Value *args, int nargs, Value *rets)
{
    return sscan(t, MODE_F, args, nargs, rets);
}
static int n_fscan(Thread *t, Value *args, int nargs, Value *rets)
{
    return fscan(t, MODE_SCAN, args[0], args, 1, nargs, rets);
}
static int n_fscanln(Thread *t, Value *args, int nargs, Value *rets)
{
    return fscan(t, MODE_LN, args[0], args, 1, nargs, rets);
}
static int n_fscanf(Thread *t, Value *args, int nargs, Value *rets)
{
    return fscan(t, MODE_F, args[0], args, 1, nargs, rets);
}
static int n_scan(Thread *t, Value *args, int nargs, Value *rets)
{
    return fscan(t, MODE_SCAN, os_stdin(), args, 0, nargs, rets);
}
static int n_scanln(Thread *t, Value *args, int nargs, Value *rets)
{
    return fscan(t, MODE_LN, os_stdin(), args, 0, nargs, rets);
}
static int n_scanf(Thread *t, Value *args, int nargs, Value *rets)
{
    return fscan(t, MODE_F, os_stdin(), args, 0, nargs, rets);
}

const ModuleFn fmt_scan_fns[] = {
    {"Sscan", n_sscan, 1, -1, "func(string, ...any) (int, error)"},
    {"Sscanln", n_sscanln, 1, -1, "func(string, ...any) (int, error)"},
    {"Sscanf", n_sscanf, 2, -1, "func(string, string, ...any) (int, error)"},
    {"Fscan", n_fscan, 1, -1, "func(io.Reader, ...any) (int, error)"},
    {"Fscanln", n_fscanln, 1, -1, "func(io.Reader, ...any) (int, error)"},
    {"Fscanf", n_fscanf, 2, -1, "func(io.Reader, string, ...any) (int, error)"},
    {"Scan", n_scan, 0, -1, "func(...any) (int, error)"},
    {"Scanln", n_scanln, 0, -1, "func(...any) (int, error)"},
    {"Scanf", n_scanf, 1, -1, "func(string, ...any) (int, error)"},
    {NULL, NULL, 0, 0, NULL},
};
