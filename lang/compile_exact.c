/* compile_exact.c — Go's untyped constants, computed exactly (cg_).
 *
 * Go's constant expressions are exact: `1 << 100 >> 98` is 4, and
 * `1e300 * 1e300 / 1e300` is 1e300, although neither 2^100 nor 1e600 fits
 * a machine word. An untyped constant only becomes an int, a float64 or a
 * complex128 (rounded once) where it is used. So the compiler computes
 * untyped constant expressions here, as rationals (GMP's mpq_t: exact for
 * every + - * / on literals), and turns the result into a value only at
 * its use: its default type (cg_exact_default), or the type of the place
 * it is stored into (cg_exact_to_type). A value that does not fit there is
 * a compile error in Go's words.
 *
 * Only untyped constants are computed here: literals, constants declared
 * without a type, and the operators and built-ins (complex, real, imag)
 * on them. Everything else (typed constants, division by zero, operands
 * of the wrong kind) says "not exact" and is left to compile_fold.c and
 * vm/arith.c, which own the rules of typed arithmetic.
 *
 * GMP allocates from the collector (atomic blocks: limbs hold no
 * pointers), so results are never freed by hand; each node's result is
 * memoised in Compiler.exact.
 */
#include <gmp.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_int.h"

#include "../vm/arith.h"
#include "../vm/buf.h"
#include "../vm/mem.h"
#include "grammar.h"

/* Go's untyped kinds, in the order in which an operation's result takes
 * the larger of its operands' (an int and a float make a float). */
typedef enum { EX_INT, EX_RUNE, EX_FLOAT, EX_COMPLEX } ExactKind;

struct Exact {
    ExactKind kind;
    mpq_t re, im; /* im is 0 unless kind is EX_COMPLEX */
};

/* Bounds on what is computed exactly. An integer constant has at most
 * Go's 512 bits (past them, Go's "constant shift overflow"); a fraction's
 * numerator and denominator at most EXACT_MAX_BITS, and a literal's
 * exponent EXACT_MAX_EXP (1e-4000 * 1e-4000 is fine, as in Go). They keep
 * a hostile `1 << 1e9` from exhausting memory. */
#define EXACT_INT_BITS 512
#define EXACT_MAX_BITS 70000
#define EXACT_MAX_EXP 10000
#define EXACT_MAX_SHIFT 10000
#define EXACT_MAX_LIT 10000 /* characters of a number literal, as in Go */

/* What ex_binary gives when the result is past those bounds: cg_exact
 * reports Go's "constant multiplication overflow" at the operator. */
static Exact ex_overflow;

#define EXACT_BUSY ((uint64_t)1) /* memo mark: being computed (a cycle) */

/* Through mem.h, so running out of memory is csp's fatal error, not
 * GMP's abort. */
static void *gmp_alloc(size_t n)
{
    return mem_alloc_atomic(n);
}
static void *gmp_realloc(void *p, size_t old, size_t n)
{
    void *q = mem_alloc_atomic(n);
    memcpy(q, p, old < n ? old : n);
    return q;
}
static void gmp_free(void *p, size_t n)
{
    (void)p;
    (void)n;
}

static pthread_once_t gmp_once = PTHREAD_ONCE_INIT;
static void gmp_setup(void)
{
    mp_set_memory_functions(gmp_alloc, gmp_realloc, gmp_free);
}

static Exact *ex_new(ExactKind kind)
{
    Exact *x = mem_alloc(sizeof *x);
    x->kind = kind;
    mpq_init(x->re);
    mpq_init(x->im);
    return x;
}

static bool ex_too_big(const Exact *x)
{
    if (x->kind <= EX_RUNE)
        return mpz_sizeinbase(mpq_numref(x->re), 2) > EXACT_INT_BITS;
    return mpz_sizeinbase(mpq_numref(x->re), 2) + mpz_sizeinbase(mpq_denref(x->re), 2) > EXACT_MAX_BITS ||
           mpz_sizeinbase(mpq_numref(x->im), 2) + mpz_sizeinbase(mpq_denref(x->im), 2) > EXACT_MAX_BITS;
}

static bool ex_is_integral(const Exact *x)
{
    return mpz_cmp_ui(mpq_denref(x->re), 1) == 0 && mpq_sgn(x->im) == 0;
}

/* ---- literals ----------------------------------------------------------- */

/* *q = the digits s[0..n) (underscores skipped) in base, as an integer. */
static bool digits_to(mpz_t z, const char *s, size_t n, int base)
{
    char *d = mem_alloc_atomic(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            d[k++] = s[i];
    d[k] = 0;
    if (k == 0) {
        mpz_set_ui(z, 0);
        return true;
    }
    return mpz_set_str(z, d, base) == 0;
}

/* An integer literal's text (0x.., 0b.., 0o.., 0.. octal, decimal);
 * legacy_octal false reads a leading 0 as decimal (`0123i`). */
static bool int_text(mpq_t q, const char *s, size_t n, bool legacy_octal)
{
    int base = 10;
    if (n >= 2 && s[0] == '0') {
        switch (s[1] | 0x20) {
        case 'x':
            base = 16, s += 2, n -= 2;
            break;
        case 'b':
            base = 2, s += 2, n -= 2;
            break;
        case 'o':
            base = 8, s += 2, n -= 2;
            break;
        default:
            if (legacy_octal)
                base = 8;
            break;
        }
    }
    mpq_set_ui(q, 0, 1);
    return digits_to(mpq_numref(q), s, n, base);
}

/* A float literal's text: decimal (mantissa, e exponent) or hexadecimal
 * (0x mantissa, p exponent of 2). */
static bool float_text(mpq_t q, const char *s, size_t n)
{
    bool hex = n >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x';
    if (hex)
        s += 2, n -= 2;
    char expc = hex ? 'p' : 'e';
    size_t i = 0;
    Buf mant;
    buf_init(&mant);
    long frac = 0;
    bool point = false;
    for (; i < n && (s[i] | 0x20) != expc; i++) {
        if (s[i] == '.')
            point = true;
        else if (s[i] != '_') {
            buf_addc(&mant, s[i]);
            frac += point;
        }
    }
    long e = 0;
    if (i < n) {
        i++;
        int sign = 1;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            sign = s[i++] == '-' ? -1 : 1;
        for (; i < n; i++) {
            if (s[i] == '_')
                continue;
            if (e > 1000000)
                return false;
            e = e * 10 + (s[i] - '0');
        }
        e *= sign;
    }
    mpz_t m, p;
    mpz_init(m);
    mpz_init(p);
    if (mant.len == 0)
        buf_addc(&mant, '0');
    if (mpz_set_str(m, mant.data, hex ? 16 : 10) != 0)
        return false;
    long pw = hex ? e - 4 * frac : e - frac; /* of 2 or of 10 */
    if ((hex && labs(pw) > 4 * EXACT_MAX_EXP) || (!hex && labs(pw) > EXACT_MAX_EXP))
        return false;
    if (hex)
        mpz_ui_pow_ui(p, 2, (unsigned long)labs(pw));
    else
        mpz_ui_pow_ui(p, 10, (unsigned long)labs(pw));
    mpq_set_z(q, m);
    if (pw >= 0) {
        mpz_mul(mpq_numref(q), mpq_numref(q), p);
    } else {
        mpz_set(mpq_denref(q), p);
        mpq_canonicalize(q);
    }
    return true;
}

/* A number literal node: its text, read exactly. */
static Exact *ex_literal(const Node *n)
{
    const char *s = n->str;
    if (s && strlen(s) > EXACT_MAX_LIT)
        return &ex_overflow; /* Go's "excessively long constant" */
    bool neg = s && s[0] == '-';
    if (s && neg)
        s++;
    Exact *x;
    if (n->kind == N_INT) {
        if (!s || s[0] == '\'') { /* a rune literal, or iota */
            x = ex_new(s ? EX_RUNE : EX_INT);
            mpz_set_si(mpq_numref(x->re), n->ival);
            return x; /* ival is already negated */
        }
        x = ex_new(EX_INT);
        if (!int_text(x->re, s, strlen(s), true))
            return NULL;
    } else if (n->kind == N_FLOAT) {
        x = ex_new(EX_FLOAT);
        if (!s || !float_text(x->re, s, strlen(s)))
            return NULL;
    } else {
        if (!s)
            return NULL;
        x = ex_new(EX_COMPLEX);
        size_t len = strlen(s) - 1; /* the text without its `i` */
        bool hex = len >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x';
        bool isfloat = hex ? strpbrk(s, ".pP") != NULL : strpbrk(s, ".eE") != NULL;
        if (hex || (len >= 2 && s[0] == '0' && strchr("bBoO", s[1])) || !isfloat) {
            if (isfloat ? !float_text(x->im, s, len) : !int_text(x->im, s, len, false))
                return NULL;
        } else if (!float_text(x->im, s, len)) {
            return NULL;
        }
    }
    if (neg) {
        mpq_neg(x->re, x->re);
        mpq_neg(x->im, x->im);
    }
    return x;
}

/* A universe constant (math.Pi, math.MaxInt64): its value, which is an
 * untyped constant in Go. */
static Exact *ex_from_value(Value v)
{
    Exact *x;
    if (v_is_anyint(v)) {
        x = ex_new(EX_INT);
        if (v_is_bigu(v)) /* a module's constant past int64 (math.MaxUint64) */
            mpz_set_ui(mpq_numref(x->re), (uint64_t)v_anyint(v));
        else
            mpz_set_si(mpq_numref(x->re), v_anyint(v));
        return x;
    }
    if (v_is_anyfloat(v) && isfinite(v_anyfloat(v))) {
        x = ex_new(EX_FLOAT);
        mpq_set_d(x->re, v_anyfloat(v));
        return x;
    }
    return NULL;
}

/* ---- operators ----------------------------------------------------------- */

static Exact *ex_binary(int op, const Exact *a, const Exact *b)
{
    ExactKind k = a->kind > b->kind ? a->kind : b->kind;
    Exact *r = ex_new(k);
    bool ints = a->kind <= EX_RUNE && b->kind <= EX_RUNE;
    switch (op) {
    case TK_PLUS:
        mpq_add(r->re, a->re, b->re);
        mpq_add(r->im, a->im, b->im);
        break;
    case TK_MINUS:
        mpq_sub(r->re, a->re, b->re);
        mpq_sub(r->im, a->im, b->im);
        break;
    case TK_STAR: {
        mpq_t t;
        mpq_init(t);
        mpq_mul(r->re, a->re, b->re);
        mpq_mul(t, a->im, b->im);
        mpq_sub(r->re, r->re, t);
        mpq_mul(r->im, a->re, b->im);
        mpq_mul(t, a->im, b->re);
        mpq_add(r->im, r->im, t);
        break;
    }
    case TK_SLASH: {
        if (mpq_sgn(b->re) == 0 && mpq_sgn(b->im) == 0)
            return NULL; /* Go: division by zero; left to run time */
        if (ints) {
            mpz_tdiv_q(mpq_numref(r->re), mpq_numref(a->re), mpq_numref(b->re));
            break;
        }
        if (k != EX_COMPLEX) {
            mpq_div(r->re, a->re, b->re);
            break;
        }
        /* (a+bi)/(c+di) = ((ac+bd) + (bc-ad)i) / (c²+d²) */
        mpq_t den, t;
        mpq_init(den);
        mpq_init(t);
        mpq_mul(den, b->re, b->re);
        mpq_mul(t, b->im, b->im);
        mpq_add(den, den, t);
        mpq_mul(r->re, a->re, b->re);
        mpq_mul(t, a->im, b->im);
        mpq_add(r->re, r->re, t);
        mpq_div(r->re, r->re, den);
        mpq_mul(r->im, a->im, b->re);
        mpq_mul(t, a->re, b->im);
        mpq_sub(r->im, r->im, t);
        mpq_div(r->im, r->im, den);
        break;
    }
    case TK_PERCENT:
    case TK_AMP:
    case TK_PIPE:
    case TK_CARET:
    case TK_ANDNOT: {
        if (!ints)
            return NULL;
        mpz_ptr z = mpq_numref(r->re);
        mpz_srcptr x = mpq_numref(a->re), y = mpq_numref(b->re);
        if (op == TK_PERCENT) {
            if (mpz_sgn(y) == 0)
                return NULL;
            mpz_tdiv_r(z, x, y);
        } else if (op == TK_AMP) {
            mpz_and(z, x, y);
        } else if (op == TK_PIPE) {
            mpz_ior(z, x, y);
        } else if (op == TK_CARET) {
            mpz_xor(z, x, y);
        } else {
            mpz_t t;
            mpz_init(t);
            mpz_com(t, y);
            mpz_and(z, x, t);
        }
        break;
    }
    case TK_SHL:
    case TK_SHR: {
        /* An untyped left operand of a constant shift must be integral,
         * and the result is an integer constant. */
        if (!ex_is_integral(a) || !ex_is_integral(b) || b->kind == EX_COMPLEX)
            return NULL;
        if (mpz_sgn(mpq_numref(b->re)) < 0)
            return NULL; /* a negative count panics when it runs */
        if (mpz_cmp_ui(mpq_numref(b->re), EXACT_MAX_SHIFT) > 0)
            return &ex_overflow;
        unsigned long s = mpz_get_ui(mpq_numref(b->re));
        r->kind = a->kind == EX_RUNE ? EX_RUNE : EX_INT;
        if (op == TK_SHL)
            mpz_mul_2exp(mpq_numref(r->re), mpq_numref(a->re), s);
        else
            mpz_fdiv_q_2exp(mpq_numref(r->re), mpq_numref(a->re), s);
        break;
    }
    default:
        return NULL;
    }
    return ex_too_big(r) ? &ex_overflow : r;
}

static Exact *ex_unary(int op, const Exact *a)
{
    Exact *r = ex_new(a->kind);
    switch (op) {
    case TK_PLUS:
        return (Exact *)a;
    case TK_MINUS:
        mpq_neg(r->re, a->re);
        mpq_neg(r->im, a->im);
        return r;
    case TK_CARET: /* ^x is -x-1 for an untyped integer */
        if (a->kind > EX_RUNE)
            return NULL;
        mpz_com(mpq_numref(r->re), mpq_numref(a->re));
        return r;
    default:
        return NULL;
    }
}

/* complex(re, im), real(c), imag(c) of untyped constants. */
static Exact *ex_builtin(Compiler *c, Node *n)
{
    Var *f = n->a && n->a->kind == N_IDENT ? cg_node_var(c, n->a) : NULL;
    if (!f || f->kind != VK_UNIVERSE || n->spread || !n->a->name)
        return NULL;
    const char *name = n->a->name;
    if (strcmp(name, "complex") == 0 && n->list.n == 2) {
        const Exact *re = cg_exact(c, n->list.items[0]), *im = cg_exact(c, n->list.items[1]);
        if (!re || !im || re->kind == EX_COMPLEX || im->kind == EX_COMPLEX)
            return NULL;
        Exact *r = ex_new(EX_COMPLEX);
        mpq_set(r->re, re->re);
        mpq_set(r->im, im->re);
        return r;
    }
    if ((strcmp(name, "real") == 0 || strcmp(name, "imag") == 0) && n->list.n == 1) {
        const Exact *x = cg_exact(c, n->list.items[0]);
        if (!x)
            return NULL;
        Exact *r = ex_new(EX_FLOAT);
        mpq_set(r->re, name[0] == 'r' ? x->re : x->im);
        return r;
    }
    return NULL;
}

static Exact *ex_eval(Compiler *c, Node *n)
{
    switch (n->kind) {
    case N_INT:
    case N_FLOAT:
    case N_IMAG:
        return ex_literal(n);
    case N_IDENT:
    case N_FIELD: {
        Var *v = cg_node_var(c, n);
        if (!v || !v->readonly || (n->kind == N_FIELD && v->kind != VK_UNIVERSE))
            return NULL;
        if (v->kind == VK_UNIVERSE)
            return v->cval != V_UNDEF && !v->tdecl ? ex_from_value(v->cval) : NULL;
        /* a constant declared without a type, whose value is untyped too
         * (not `const b = uint8(200)`) */
        if (!v->uexpr || v->type)
            return NULL;
        return (Exact *)cg_exact(c, v->uexpr);
    }
    case N_UNARY: {
        const Exact *a = cg_exact(c, n->a);
        return a ? ex_unary(n->op, a) : NULL;
    }
    case N_BINARY: {
        if (!cg_is_arith_op(n->op))
            return NULL;
        const Exact *a = cg_exact(c, n->a);
        const Exact *b = a ? cg_exact(c, n->b) : NULL;
        return b ? ex_binary(n->op, a, b) : NULL;
    }
    case N_CALL:
        return ex_builtin(c, n);
    default:
        return NULL;
    }
}

const Exact *cg_exact(Compiler *c, Node *n)
{
    if (!n)
        return NULL;
    pthread_once(&gmp_once, gmp_setup);
    /* Most names are variables: said at once, without a memo entry (a
     * constant's own expression is memoised). */
    if (n->kind == N_IDENT || n->kind == N_FIELD) {
        Var *v = cg_node_var(c, n);
        if (!v || !v->readonly)
            return NULL;
    }
    /* Only these kinds can be constants: the rest need no memo entry. */
    switch (n->kind) {
    case N_INT:
    case N_FLOAT:
    case N_IMAG:
    case N_IDENT:
    case N_FIELD:
    case N_UNARY:
    case N_BINARY:
    case N_CALL:
        break;
    default:
        return NULL;
    }
    uint64_t m;
    if (cg_pm_get(&c->exact, n, &m))
        return m == EXACT_BUSY ? NULL : (const Exact *)(uintptr_t)m;
    /* A chain too long to recurse through (ten thousand `+`) is left to
     * compile_fold.c's loop: not an error here. */
    if (c->nest >= c->maxnest - 64 || !cg_enter(c, n))
        return NULL;
    cg_pm_put(&c->exact, n, EXACT_BUSY); /* a constant defined by itself */
    Exact *x = ex_eval(c, n);
    cg_leave(c);
    if (x == &ex_overflow) {
        static const struct {
            int tok;
            const char *what;
        } ops[] = {{TK_PLUS, "addition"},  {TK_MINUS, "subtraction"}, {TK_STAR, "multiplication"},
                   {TK_SLASH, "division"}, {TK_SHL, "shift"},         {TK_SHR, "shift"}};
        const char *what = "operation";
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
            if (ops[i].tok == n->op)
                what = ops[i].what;
        if (n->kind == N_INT || n->kind == N_FLOAT || n->kind == N_IMAG)
            cg_err(c, n, "excessively long constant: %.10s... (%zu chars)", n->str, strlen(n->str));
        else
            cg_err(c, n, "constant %s overflow", what);
        x = NULL;
    }
    cg_pm_put(&c->exact, n, (uint64_t)(uintptr_t)x);
    return x;
}

int cg_exact_compare(Compiler *c, Node *n)
{
    if (n->kind != N_BINARY)
        return -1;
    int op = n->op;
    if (op != TK_EQ && op != TK_NE && op != TK_LT && op != TK_LE && op != TK_GT && op != TK_GE)
        return -1;
    const Exact *a = cg_exact(c, n->a);
    const Exact *b = a ? cg_exact(c, n->b) : NULL;
    if (!b)
        return -1;
    bool eq = mpq_equal(a->re, b->re) && mpq_equal(a->im, b->im);
    if (op == TK_EQ || op == TK_NE)
        return eq == (op == TK_EQ);
    if (a->kind == EX_COMPLEX || b->kind == EX_COMPLEX)
        return -1; /* complex numbers are not ordered: run time says so */
    int cmp = mpq_cmp(a->re, b->re);
    return op == TK_LT ? cmp < 0 : op == TK_LE ? cmp <= 0 : op == TK_GT ? cmp > 0 : cmp >= 0;
}

/* ---- into values ---------------------------------------------------------- */

/* q rounded to the nearest double (ties to even), as Go rounds a constant
 * to float64; false when it is past float64's range. */
static bool q_to_double(const mpq_t q, double *out)
{
    int sign = mpq_sgn(q);
    if (sign == 0) {
        *out = 0;
        return true;
    }
    mpz_t a, t, r;
    mpz_init(a);
    mpz_init(t);
    mpz_init(r);
    mpz_abs(a, mpq_numref(q));
    mpz_srcptr b = mpq_denref(q);
    /* m = floor(a * 2^s / b) with 55 significant bits: 53, a guard bit
     * and a round bit; the remainder is the sticky bit. */
    long s = 55 - ((long)mpz_sizeinbase(a, 2) - (long)mpz_sizeinbase(b, 2));
    for (;;) {
        if (s >= 0) {
            mpz_mul_2exp(t, a, (unsigned long)s);
            mpz_tdiv_qr(t, r, t, b);
        } else {
            mpz_mul_2exp(r, b, (unsigned long)-s);
            mpz_tdiv_qr(t, r, a, r);
        }
        size_t bits = mpz_sizeinbase(t, 2);
        if (bits == 55)
            break;
        s += bits < 55 ? 1 : -1;
    }
    uint64_t m = mpz_get_ui(t);
    bool sticky = mpz_sgn(r) != 0;
    long e = 54 - s; /* value in [2^e, 2^(e+1)) */
    int drop = 2;    /* bits to round away: 2, more for a subnormal */
    if (e < -1022)
        drop += (int)(-1022 - e);
    if (drop > 56) {
        *out = sign < 0 ? -0.0 : 0.0;
        return true;
    }
    uint64_t kept = m >> drop, rest = m & ((1ull << drop) - 1), half = 1ull << (drop - 1);
    if (rest > half || (rest == half && (sticky || (kept & 1))))
        kept++;
    double d = ldexp((double)kept, (int)(e - 54 + drop));
    if (isinf(d))
        return false;
    *out = sign < 0 ? -d : d;
    return true;
}

/* The value of x as its default type gives it: an int (a rune's too), a
 * float64 or a complex128; V_UNDEF when it does not fit. */
Value cg_exact_default(const Exact *x)
{
    double re, im;
    switch (x->kind) {
    case EX_INT:
    case EX_RUNE:
        if (!mpz_fits_slong_p(mpq_numref(x->re)))
            return V_UNDEF;
        return v_make_int(mpz_get_si(mpq_numref(x->re)));
    case EX_FLOAT:
        return q_to_double(x->re, &re) ? v_make_float(re) : V_UNDEF;
    default:
        return q_to_double(x->re, &re) && q_to_double(x->im, &im) ? v_make_complex(re, im) : V_UNDEF;
    }
}

static const char *const kind_names[] = {"int", "rune", "float", "complex"};

/* Go's text of a constant's value: 1267650600228229401496703205376, 1e+400,
 * (1 + 2i). */
static void ex_text(Buf *b, const mpq_t q, bool integral)
{
    if (integral) {
        char *s = mpz_get_str(NULL, 10, mpq_numref(q));
        buf_adds(b, s);
        return;
    }
    mpf_t f;
    mpf_init2(f, 256);
    mpf_set_q(f, q);
    char tmp[64];
    gmp_snprintf(tmp, sizeof tmp, "%.6Fg", f);
    buf_adds(b, tmp);
}

/* "Huge (untyped int constant 1267650600228229401496703205376)"; a literal
 * is not repeated: "1000 (untyped int constant)". */
static void describe_expr(Buf *b, const Node *n, int depth)
{
    if (n->kind == N_BINARY && cg_is_arith_op(n->op) && depth < 4) {
        describe_expr(b, n->a, depth + 1);
        buf_printf(b, " %s ", arith_op_symbol(cg_arith_op(n->op)));
        describe_expr(b, n->b, depth + 1);
    } else if ((n->kind == N_INT || n->kind == N_FLOAT) && n->str) {
        buf_adds(b, n->str); /* as written: 1e300, not 1e+300 */
        if (b->len > 60) {
            b->len = 60;
            b->data[b->len] = 0;
            buf_adds(b, "...");
        }
    } else {
        buf_adds(b, cg_describe(n));
    }
}

static const char *ex_describe(const Node *n, const Exact *x)
{
    Buf b, val;
    buf_init(&b);
    buf_init(&val);
    describe_expr(&b, n, 0);
    if (x->kind == EX_COMPLEX) {
        buf_addc(&val, '(');
        ex_text(&val, x->re, false);
        buf_adds(&val, mpq_sgn(x->im) < 0 ? " - " : " + ");
        mpq_t im;
        mpq_init(im);
        mpq_abs(im, x->im);
        ex_text(&val, im, false);
        buf_adds(&val, "i)");
    } else {
        ex_text(&val, x->re, x->kind <= EX_RUNE);
    }
    /* Go leaves out a value that reads as the expression does (1000) */
    bool lit = (n->kind == N_INT || n->kind == N_FLOAT) && n->str;
    bool same = strcmp(lit ? n->str : b.data, val.data) == 0;
    buf_printf(&b, " (untyped %s constant", kind_names[x->kind]);
    if (!same) {
        buf_addc(&b, ' ');
        buf_adds(&b, val.data);
    }
    buf_addc(&b, ')');
    return b.data;
}

static const char *default_type_name(ExactKind k)
{
    return k == EX_INT ? "int" : k == EX_RUNE ? "rune" : k == EX_FLOAT ? "float64" : "complex128";
}

Value cg_exact_rune_arg(Compiler *c, Node *n)
{
    const Exact *x = cg_exact(c, n);
    if (!x || x->kind != EX_RUNE || !mpz_fits_sint_p(mpq_numref(x->re)))
        return V_UNDEF;
    return named_new(types_parse("int32", 5), v_make_int(mpz_get_si(mpq_numref(x->re))));
}

bool cg_exact_check_in(Compiler *c, Node *n, const char *where)
{
    const Exact *x = cg_exact(c, n);
    if (!x || cg_exact_default(x) != V_UNDEF)
        return true;
    cg_err(c, n, "cannot use %s as %s value in %s (overflows)", ex_describe(n, x), default_type_name(x->kind),
           where);
    return false;
}

bool cg_exact_check(Compiler *c, Node *n)
{
    const Exact *x = cg_exact(c, n);
    if (!x || cg_exact_default(x) != V_UNDEF)
        return true;
    cg_err(c, n, "%s overflows %s", ex_describe(n, x), default_type_name(x->kind));
    return false;
}

/* x as a value of ty: 1 with *out set, 0 when the caller is to go on as
 * before, -1 when x is past every value of ty. */
static int to_type(const Exact *x, const ObjType *ty, Value *out)
{
    const ObjType *base = ty->named && ty->underlying ? ty->underlying : ty;
    Value plain;
    double re, im;
    switch (base->kind) {
    case TYPE_INT: {
        /* an integral value of any untyped kind: 1.0 and 1+0i are ints */
        if (!ex_is_integral(x))
            return 0; /* truncated: the store's own check says so */
        mpz_srcptr z = mpq_numref(x->re);
        if (mpz_fits_slong_p(z)) {
            /* within int64: the store's rules (vm/types.c) say whether it
             * fits the type */
            plain = v_make_int(mpz_get_si(z));
            break;
        }
        /* past int64: only a uint64 (or uint) takes it, below 2^64: the
         * unsigned int (v_make_uint) */
        if (!base->is_unsigned || base->bits != 64 || mpz_sgn(z) < 0 || mpz_sizeinbase(z, 2) > 64)
            goto overflows;
        plain = v_make_uint((uint64_t)mpz_get_ui(z));
        break;
    }
    case TYPE_FLOAT:
        if (mpq_sgn(x->im) != 0)
            return 0;
        if (!q_to_double(x->re, &re) || (base->bits == 32 && isinf(types_float32(re))))
            goto overflows;
        plain = v_make_float(base->bits == 32 ? types_float32(re) : re);
        break;
    case TYPE_COMPLEX:
        if (!q_to_double(x->re, &re) || !q_to_double(x->im, &im))
            goto overflows;
        plain = base->bits == 64 ? v_make_complex64(re, im) : v_make_complex(re, im);
        if (base->bits == 64 && (isinf(v_complex(plain)->re) || isinf(v_complex(plain)->im)))
            goto overflows;
        break;
    default:
        return 0;
    }
    Value fit;
    if (!types_store_const(ty, plain, &fit))
        return 0; /* *out untouched: the caller goes on as before */
    *out = fit;
    return 1;
overflows:
    return -1;
}

int cg_exact_to_type(Compiler *c, Node *n, const ObjType *ty, Value *out, const char *where)
{
    const Exact *x = cg_exact(c, n);
    if (!x || !ty)
        return 0;
    int r = to_type(x, ty, out);
    if (r >= 0)
        return r;
    const char *tname = ty->name ? ty->name : "?";
    if (where)
        cg_err(c, n, "cannot use %s as %s value in %s (overflows)", ex_describe(n, x), tname, where);
    else
        cg_err(c, n, "cannot convert %s to type %s", ex_describe(n, x), tname);
    return -1;
}

bool cg_exact_report_store(Compiler *c, Node *n, const ObjType *ty, const char *where)
{
    const Exact *x = n && ty ? cg_exact(c, n) : NULL;
    if (!x)
        return false;
    const char *tname = ty->name ? ty->name : "?";
    if (!strncmp(tname, "main.", 5))
        tname += 5;
    cg_err(c, n, "cannot use %s as %s value in %s (%s)", ex_describe(n, x), tname, where,
           ex_is_integral(x) || ty->kind != TYPE_INT ? "overflows" : "truncated");
    return true;
}

void cg_exact_as(Compiler *c, Node *k, const ObjType *ty)
{
    const Exact *x = k ? cg_exact(c, k) : NULL;
    /* (ty not known, as for f := 2.0, which is untyped in csp: the
     * constant's default type, and its error, stand) */
    Value v;
    if (x && ty && cg_exact_default(x) == V_UNDEF && to_type(x, ty, &v) == 1)
        cg_pm_put(&c->memo, k, v); /* what cg_const_eval(k) gives from now on */
}

const ObjType *cg_exact_type_of(Compiler *c, Node *other)
{
    const ObjType *ty = other ? cg_basic_type(c, other) : NULL;
    if (!ty && other && other->kind == N_CALL)
        ty = cg_native_result_type(c, other); /* math.Sqrt(x) < 1e400 */
    return ty ? ty : other ? cg_static_type(c, other) : NULL;
}

void cg_exact_map_key(Compiler *c, Node *n)
{
    const ObjType *t = n->b && cg_exact(c, n->b) ? cg_static_type(c, n->a) : NULL;
    if (t && t->kind == TYPE_MAP)
        cg_exact_as(c, n->b, t->key);
}

void cg_exact_operands(Compiler *c, Node *n)
{
    if (n->kind != N_BINARY || n->op == TK_SHL || n->op == TK_SHR)
        return;
    for (int i = 0; i < 2; i++) {
        Node *k = i ? n->b : n->a, *other = i ? n->a : n->b;
        if (k && other && cg_exact(c, k))
            cg_exact_as(c, k, cg_exact_type_of(c, other));
    }
}
