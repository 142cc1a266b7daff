/* math.c — the math module: its functions and constants.
 *
 * Every function takes ints or floats and returns floats, as Go's math
 * does with float64 arguments: math.Abs(-3) is the float 3. The special
 * cases are Go's (Max with a NaN is NaN, Max(-0, +0) is +0, Round rounds
 * half away from zero), which for most functions are C's; where C's
 * differ (Modf(Inf), Lgamma(-Inf), Nextafter(x, x), zeros' signs) the
 * function says so. Pow, Hypot, Log2, Log10 and Pow10 are computed the
 * way Go computes them, so they print Go's digits; the other
 * transcendental functions are C's, correctly rounded where Go's are not
 * always, so a last digit may differ from Go's.
 */
#include "stdlib.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The unbraced if ends a declaration macro, which clang-format mangles. */
/* clang-format off */
#define NUM_ARG(i, name, var)                                                                                \
    double var;                                                                                              \
    if (!vm_check_num(t, name, args, i, &var))                                                               \
        return -1
/* clang-format on */

/* Go computes a few functions from others, and prints what that gives:
 * Log2 splits off the binary exponent first (Log2(8) is exactly 3), Log10
 * is Log times 1/Ln10 (both constants rounded once, as Go's constant
 * arithmetic does), not C's log10. We compute them the same way so that
 * the same program prints the same digits (but for Go's own Log, which
 * differs from C's in the last bit for about 2% of arguments). */
static double go_log2(double x)
{
    int e;
    double frac = frexp(x, &e);
    if (frac == 0.5)
        return (double)(e - 1); /* an exact power of two */
    return log(frac) * 1.44269504088896340735992468100189213742664595415298593413544940 /* 1/Ln2 */ +
           (double)e;
}

static double go_log10(double x)
{
    return log(x) * 0.43429448190325182765112891891660508229439700580366656611445378; /* 1/Ln10 */
}

/* Go's J1 is +0 at -0 and at -Inf (C's is -0). */
static double go_j1(double x)
{
    return x == 0 || isinf(x) ? 0 : j1(x);
}

/* Go's Y0, Y1 are NaN for every negative x (C may give -Inf). */
static double go_y0(double x)
{
    return x < 0 ? NAN : y0(x);
}

static double go_y1(double x)
{
    return x < 0 ? NAN : y1(x);
}

/* The inverse error function, which C lacks: an approximation good to a
 * few parts in a thousand (Winitzki's closed form), polished by Halley's
 * method on erf, or on erfc past 0.5 where erf(y) - x would lose digits
 * to cancellation. Two steps reach the last bit or so; the last digit may
 * differ from Go's (which evaluates a rational approximation). */
static double go_erfinv(double x)
{
    if (isnan(x) || x < -1 || x > 1)
        return NAN;
    if (x == 1 || x == -1)
        return x * INFINITY;
    if (x == 0)
        return x; /* keeps -0 */
    double ax = fabs(x);
    const double a = 0.147, two_over_pi_a = 2 / (3.14159265358979323846 * a);
    double ln = log((1 - ax) * (1 + ax)); /* ln(1 - x^2), without losing 1 - x^2 to rounding */
    double t = two_over_pi_a + ln / 2;
    double y = sqrt(sqrt(t * t - ln / a) - t);
    const double two_over_sqrt_pi = 1.12837916709551257389615890312154517;
    for (int i = 0; i < 3; i++) {
        /* f = erf(y) - ax; f' = 2/sqrt(pi) e^-y^2; f''/f' = -2y */
        double f = ax <= 0.5 ? erf(y) - ax : (1 - ax) - erfc(y);
        double d = two_over_sqrt_pi * exp(-y * y);
        if (f == 0 || d == 0)
            break;
        y -= f / (d + y * f);
    }
    return x < 0 ? -y : y;
}

/* As Go defines it: Erfinv(1 - x). */
static double go_erfcinv(double x)
{
    return go_erfinv(1 - x);
}

/* One-argument functions that are C's under the same semantics. */
#define MATH_FUNCS1(X)                                                                                       \
    X(sqrt, Sqrt, sqrt)                                                                                      \
    X(abs, Abs, fabs)                                                                                        \
    X(floor, Floor, floor)                                                                                   \
    X(ceil, Ceil, ceil)                                                                                      \
    X(trunc, Trunc, trunc)                                                                                   \
    X(round, Round, round)                                                                                   \
    X(round_to_even, RoundToEven, nearbyint)                                                                 \
    X(log, Log, log)                                                                                         \
    X(log2, Log2, go_log2)                                                                                   \
    X(log10, Log10, go_log10)                                                                                \
    X(log1p, Log1p, log1p)                                                                                   \
    X(exp, Exp, exp)                                                                                         \
    X(exp2, Exp2, exp2)                                                                                      \
    X(expm1, Expm1, expm1)                                                                                   \
    X(sin, Sin, sin)                                                                                         \
    X(cos, Cos, cos)                                                                                         \
    X(tan, Tan, tan)                                                                                         \
    X(asin, Asin, asin)                                                                                      \
    X(acos, Acos, acos)                                                                                      \
    X(atan, Atan, atan)                                                                                      \
    X(sinh, Sinh, sinh)                                                                                      \
    X(cosh, Cosh, cosh)                                                                                      \
    X(tanh, Tanh, tanh)                                                                                      \
    X(asinh, Asinh, asinh)                                                                                   \
    X(acosh, Acosh, acosh)                                                                                   \
    X(atanh, Atanh, atanh)                                                                                   \
    X(cbrt, Cbrt, cbrt)                                                                                      \
    X(erf, Erf, erf)                                                                                         \
    X(erfc, Erfc, erfc)                                                                                      \
    X(gamma, Gamma, tgamma)                                                                                  \
    X(logb, Logb, logb)                                                                                      \
    X(j0, J0, j0)                                                                                            \
    X(j1, J1, go_j1)                                                                                         \
    X(y0, Y0, go_y0)                                                                                         \
    X(y1, Y1, go_y1)                                                                                         \
    X(erfinv, Erfinv, go_erfinv)                                                                             \
    X(erfcinv, Erfcinv, go_erfcinv)

#define X(cname, goname, cfn)                                                                                \
    static int math_n_##cname(Thread *t, Value *args, int nargs, Value *rets)                                \
    {                                                                                                        \
        NUM_ARG(0, "math." #goname, x);                                                                      \
        rets[0] = v_make_float(cfn(x));                                                                      \
        return 1;                                                                                            \
    }
MATH_FUNCS1(X)
#undef X

static void math_module_add(ObjModule *m)
{
    /* Each is also a pure function of one float64, which CALLF calls
     * without a frame (math.Sqrt in a hot loop). */
#define X(cname, goname, cfn)                                                                                \
    {                                                                                                        \
        ObjNative *n = module_add_fn(m, #goname, math_n_##cname, 1, 1);                                      \
        n->unary = cfn;                                                                                      \
        n->sig = "func(float64) float64";                                                                    \
    }
    MATH_FUNCS1(X)
#undef X
}

/* Whether y is an odd integer (Pow's sign rule). */
static bool odd_int(double y)
{
    if (fabs(y) >= 9007199254740992.0 || y != trunc(y))
        return false; /* past 2^53 every double is even */
    return fmod(y, 2) != 0;
}

/* Pow as Go's math.Pow computes it, so that results match Go's to the last
 * digit: C's pow is correctly rounded, Go's is not, and a script printing
 * math.Pow(1.1, 10) must print Go's digits. The integer part of y is
 * applied by squaring x's mantissa (frexp) and keeping the binary exponent
 * aside in an integer, so no intermediate overflows; a fractional part
 * (moved into [-0.5, 0.5]) is exp(yf * log(x)). */
static double go_pow(double x, double y)
{
    if (y == 0 || x == 1)
        return 1;
    if (y == 1)
        return x;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0) {
        if (y < 0)
            return odd_int(y) ? copysign(INFINITY, x) : INFINITY;
        return odd_int(y) ? x : 0;
    }
    if (isinf(y)) {
        if (x == -1)
            return 1;
        return (fabs(x) < 1) == (y > 0) ? 0 : INFINITY;
    }
    if (isinf(x)) {
        if (x < 0)
            return go_pow(1 / x, -y); /* Pow(-Inf, y) is Pow(-0, -y) */
        return y < 0 ? 0 : INFINITY;
    }
    if (y == 0.5)
        return sqrt(x);
    if (y == -0.5)
        return 1 / sqrt(x);
    double yi;
    double yf = modf(fabs(y), &yi);
    if (yf != 0 && x < 0)
        return NAN;
    if (yi >= 9223372036854775808.0) {
        /* an even integer so large that only x == -1 stays finite and
         * nonzero */
        if (x == -1)
            return 1;
        return (fabs(x) < 1) == (y > 0) ? 0 : INFINITY;
    }
    double acc = 1;
    int64_t acc_exp = 0;
    if (yf != 0) {
        if (yf > 0.5) {
            yf--;
            yi++;
        }
        acc = exp(yf * log(x));
    }
    int xe_int;
    double xm = frexp(x, &xe_int);
    int64_t xe = xe_int;
    for (int64_t i = (int64_t)yi; i != 0; i >>= 1) {
        if (xe < -(1 << 12) || xe > (1 << 12)) {
            /* the exponent is past every double's: the result is 0 or
             * Inf, whatever the rest of the bits */
            acc_exp += xe;
            break;
        }
        if (i & 1) {
            acc *= xm;
            acc_exp += xe;
        }
        xm *= xm;
        xe <<= 1;
        if (xm < 0.5) {
            xm += xm;
            xe--;
        }
    }
    if (y < 0) {
        acc = 1 / acc;
        acc_exp = -acc_exp;
    }
    if (acc_exp > 100000)
        acc_exp = 100000;
    if (acc_exp < -100000)
        acc_exp = -100000;
    return ldexp(acc, (int)acc_exp);
}

/* Go's Hypot (p times sqrt(1 + (q/p)^2)), which rounds differently from
 * C's in the last bit. */
static double go_hypot(double p, double q)
{
    if (isinf(p) || isinf(q))
        return INFINITY;
    if (isnan(p) || isnan(q))
        return NAN;
    p = fabs(p);
    q = fabs(q);
    if (p < q) {
        double t = p;
        p = q;
        q = t;
    }
    if (p == 0)
        return 0;
    q = q / p;
    return p * sqrt(1 + q * q);
}
static double go_mod(double x, double y)
{
    return fmod(x, y);
}
static double go_remainder(double x, double y)
{
    return remainder(x, y);
}
static double go_dim(double x, double y)
{
    if (isnan(x) || isnan(y))
        return NAN;
    return x - y <= 0 ? 0 : x - y;
}

static double go_max(double x, double y)
{
    if (isinf(x) && x > 0)
        return x;
    if (isinf(y) && y > 0)
        return y;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0 && x == y)
        return signbit(x) ? y : x;
    return x > y ? x : y;
}

static double go_min(double x, double y)
{
    if (isinf(x) && x < 0)
        return x;
    if (isinf(y) && y < 0)
        return y;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0 && x == y)
        return signbit(x) ? x : y;
    return x < y ? x : y;
}

/* Go's Nextafter: x itself when x == y (C's gives y, which differs for
 * -0 and +0). */
static double go_nextafter(double x, double y)
{
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == y)
        return x;
    if (x == 0)
        return copysign(4.9406564584124654e-324, y);
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    b = (y > x) == (x > 0) ? b + 1 : b - 1;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* Two-argument functions. */
#define MATH_FUNCS2(X)                                                                                       \
    X(pow, Pow, go_pow)                                                                                      \
    X(atan2, Atan2, atan2)                                                                                   \
    X(hypot, Hypot, go_hypot)                                                                                \
    X(mod, Mod, go_mod)                                                                                      \
    X(remainder, Remainder, go_remainder)                                                                    \
    X(max, Max, go_max)                                                                                      \
    X(min, Min, go_min)                                                                                      \
    X(dim, Dim, go_dim)                                                                                      \
    X(copysign, Copysign, copysign)                                                                          \
    X(nextafter, Nextafter, go_nextafter)

#define X(cname, goname, cfn)                                                                                \
    static int math_n_##cname(Thread *t, Value *args, int nargs, Value *rets)                                \
    {                                                                                                        \
        NUM_ARG(0, "math." #goname, x);                                                                      \
        NUM_ARG(1, "math." #goname, y);                                                                      \
        rets[0] = v_make_float(cfn(x, y));                                                                   \
        return 1;                                                                                            \
    }
MATH_FUNCS2(X)
#undef X

static int math_n_inf(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t sign;
    if (!vm_check_int(t, "math.Inf", args, 0, &sign))
        return -1;
    rets[0] = v_make_float(sign >= 0 ? INFINITY : -INFINITY);
    return 1;
}

static int math_n_nan(Thread *t, Value *args, int nargs, Value *rets)
{
    /* Go's NaN, bit for bit (Float64bits(NaN()) prints the same) */
    uint64_t bits = 0x7FF8000000000001ull;
    double x;
    memcpy(&x, &bits, sizeof x);
    rets[0] = v_make_float(x);
    return 1;
}

static int math_n_is_nan(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.IsNaN", x);
    rets[0] = v_bool(isnan(x));
    return 1;
}

static int math_n_is_inf(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.IsInf", x);
    int64_t sign;
    if (!vm_check_int(t, "math.IsInf", args, 1, &sign))
        return -1;
    rets[0] = v_bool((sign >= 0 && x == INFINITY) || (sign <= 0 && x == -INFINITY));
    return 1;
}

static int math_n_signbit(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Signbit", x);
    rets[0] = v_bool(signbit(x) != 0);
    return 1;
}

static int math_n_modf(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Modf", x);
    double ip;
    double frac = modf(x, &ip);
    if (isinf(x))
        frac = NAN; /* Go's Modf(+-Inf) is +-Inf, NaN (C's fraction is 0) */
    rets[0] = v_make_float(ip);
    rets[1] = v_make_float(frac);
    return 2;
}

static int math_n_float64bits(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Float64bits", x);
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    rets[0] = v_make_uint(bits); /* past 2^63-1 when the sign bit is set */
    return 1;
}

static int math_n_float32bits(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Float32bits", x);
    float f = (float)x;
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    rets[0] = v_make_int((int64_t)bits);
    return 1;
}

static int math_n_float32frombits(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t bits;
    if (!vm_check_int(t, "math.Float32frombits", args, 0, &bits))
        return -1;
    uint32_t b32 = (uint32_t)bits;
    float f;
    memcpy(&f, &b32, sizeof f);
    rets[0] = v_make_float((double)f);
    return 1;
}

static int math_n_float64frombits(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t bits;
    if (!vm_check_int(t, "math.Float64frombits", args, 0, &bits))
        return -1;
    double x;
    memcpy(&x, &bits, sizeof x);
    rets[0] = v_make_float(x);
    return 1;
}

static int math_n_frexp(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Frexp", x);
    int e = 0;
    double frac = x;
    if (isfinite(x) && x != 0)
        frac = frexp(x, &e); /* Go's: 0, Inf and NaN come back with 0 */
    rets[0] = v_make_float(frac);
    rets[1] = v_make_int(e);
    return 2;
}

static int math_n_ldexp(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Ldexp", frac);
    int64_t e;
    if (!vm_check_int(t, "math.Ldexp", args, 1, &e))
        return -1;
    /* past +-100000 every finite nonzero frac over- or underflows alike */
    if (e > 100000)
        e = 100000;
    if (e < -100000)
        e = -100000;
    rets[0] = v_make_float(ldexp(frac, (int)e));
    return 1;
}

static int math_n_sincos(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Sincos", x);
    rets[0] = v_make_float(sin(x));
    rets[1] = v_make_float(cos(x));
    return 2;
}

static int math_n_nextafter32(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Nextafter32", xd);
    NUM_ARG(1, "math.Nextafter32", yd);
    float x = (float)xd, y = (float)yd, r;
    if (isnan(x) || isnan(y)) {
        r = NAN;
    } else if (x == y) {
        r = x;
    } else if (x == 0) {
        r = copysignf(1.401298464324817e-45f, y);
    } else {
        uint32_t b;
        memcpy(&b, &x, sizeof b);
        b = (y > x) == (x > 0) ? b + 1 : b - 1;
        memcpy(&r, &b, sizeof r);
    }
    rets[0] = v_make_float((double)r);
    return 1;
}

static int math_n_fma(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.FMA", x);
    NUM_ARG(1, "math.FMA", y);
    NUM_ARG(2, "math.FMA", z);
    rets[0] = v_make_float(fma(x, y, z));
    return 1;
}

static int math_n_ilogb(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Ilogb", x);
    int64_t r;
    if (x == 0)
        r = INT32_MIN;
    else if (!isfinite(x))
        r = INT32_MAX; /* Inf and NaN alike, as Go */
    else
        r = ilogb(x);
    rets[0] = v_make_int(r);
    return 1;
}

/* The order n of Jn and Yn as C's int: past it, the functions are 0 (or
 * NaN) for every x anyway. */
static int bessel_order(int64_t n)
{
    return n > INT32_MAX ? INT32_MAX : n < -INT32_MAX ? -INT32_MAX : (int)n;
}

static int math_n_jn(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t n;
    if (!vm_check_int(t, "math.Jn", args, 0, &n))
        return -1;
    NUM_ARG(1, "math.Jn", x);
    /* +0 at a zero x (n != 0) and at the infinities, as Go's */
    rets[0] = v_make_float((x == 0 && n != 0) || isinf(x) ? 0 : jn(bessel_order(n), x));
    return 1;
}

static int math_n_yn(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t n;
    if (!vm_check_int(t, "math.Yn", args, 0, &n))
        return -1;
    NUM_ARG(1, "math.Yn", x);
    rets[0] = v_make_float(x < 0 ? NAN : yn(bessel_order(n), x));
    return 1;
}

static int math_n_lgamma(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Lgamma", x);
    int sign = 1;
    double r;
    if (x == 0 || isnan(x))
        r = x == 0 ? INFINITY : x; /* Go's sign is 1 for -0 too */
    else if (x == -INFINITY)
        r = -INFINITY; /* Go's answer; C says +Inf */
    else
        r = lgamma_r(x, &sign);
    rets[0] = v_make_float(r);
    rets[1] = v_make_int(sign);
    return 2;
}

/* 10^n as Go computes it, a product (or quotient) of two correctly rounded
 * powers of ten, so that every n gives Go's digits. */
static const double pow10_small[32] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
};
static const double pow10_big[10] = {1e0, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288};
static const double pow10_neg[11] = {1e0,    1e-32,  1e-64,  1e-96,  1e-128, 1e-160,
                                     1e-192, 1e-224, 1e-256, 1e-288, 1e-320};

static int math_n_pow10(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t n;
    if (!vm_check_int(t, "math.Pow10", args, 0, &n))
        return -1;
    double r;
    if (n >= 0 && n <= 308)
        r = pow10_big[n / 32] * pow10_small[n % 32];
    else if (n < 0 && n >= -323)
        r = pow10_neg[-n / 32] / pow10_small[-n % 32];
    else
        r = n > 0 ? INFINITY : 0;
    rets[0] = v_make_float(r);
    return 1;
}

static const ModuleFn math_fns[] = {
    {"Atan2", math_n_atan2, 2, 2, "func(float64, float64) float64"},
    {"Copysign", math_n_copysign, 2, 2, "func(float64, float64) float64"},
    {"Dim", math_n_dim, 2, 2, "func(float64, float64) float64"},
    {"Float32bits", math_n_float32bits, 1, 1, "func(float32) uint32"},
    {"Float32frombits", math_n_float32frombits, 1, 1, "func(uint32) float32"},
    {"Float64bits", math_n_float64bits, 1, 1, "func(float64) uint64"},
    {"Float64frombits", math_n_float64frombits, 1, 1, "func(uint64) float64"},
    {"FMA", math_n_fma, 3, 3, "func(float64, float64, float64) float64"},
    {"Frexp", math_n_frexp, 1, 1, "func(float64) (float64, int)"},
    {"Hypot", math_n_hypot, 2, 2, "func(float64, float64) float64"},
    {"Inf", math_n_inf, 1, 1, "func(int) float64"},
    {"IsInf", math_n_is_inf, 2, 2, "func(float64, int) bool"},
    {"IsNaN", math_n_is_nan, 1, 1, "func(float64) bool"},
    {"Ilogb", math_n_ilogb, 1, 1, "func(float64) int"},
    {"Jn", math_n_jn, 2, 2, "func(int, float64) float64"},
    {"Ldexp", math_n_ldexp, 2, 2, "func(float64, int) float64"},
    {"Lgamma", math_n_lgamma, 1, 1, "func(float64) (float64, int)"},
    {"Max", math_n_max, 2, 2, "func(float64, float64) float64"},
    {"Min", math_n_min, 2, 2, "func(float64, float64) float64"},
    {"Mod", math_n_mod, 2, 2, "func(float64, float64) float64"},
    {"Modf", math_n_modf, 1, 1, "func(float64) (float64, float64)"},
    {"NaN", math_n_nan, 0, 0, "func() float64"},
    {"Nextafter", math_n_nextafter, 2, 2, "func(float64, float64) float64"},
    {"Nextafter32", math_n_nextafter32, 2, 2, "func(float32, float32) float32"},
    {"Pow", math_n_pow, 2, 2, "func(float64, float64) float64"},
    {"Pow10", math_n_pow10, 1, 1, "func(int) float64"},
    {"Remainder", math_n_remainder, 2, 2, "func(float64, float64) float64"},
    {"Signbit", math_n_signbit, 1, 1, "func(float64) bool"},
    {"Sincos", math_n_sincos, 1, 1, "func(float64) (float64, float64)"},
    {"Yn", math_n_yn, 2, 2, "func(int, float64) float64"},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt math_ints[] = {
    {"MaxInt", INT64_MAX},     {"MinInt", INT64_MIN},
    {"MaxInt64", INT64_MAX},   {"MinInt64", INT64_MIN},
    {"MaxInt32", INT32_MAX},   {"MinInt32", INT32_MIN},
    {"MaxInt16", INT16_MAX},   {"MinInt16", INT16_MIN},
    {"MaxInt8", INT8_MAX},     {"MinInt8", INT8_MIN},
    {"MaxUint32", UINT32_MAX}, {"MaxUint16", UINT16_MAX},
    {"MaxUint8", UINT8_MAX},   {NULL, 0},
};

static const ModuleFloat math_floats[] = {
    {"Pi", 3.14159265358979323846264338327950288419716939937510582097494459},
    {"E", 2.71828182845904523536028747135266249775724709369995957496696763},
    {"Phi", 1.61803398874989484820458683436563811772030917980576286213544862},
    {"Sqrt2", 1.41421356237309504880168872420969807856967187537694807317667974},
    {"SqrtE", 1.64872127070012814684865078831848466542426930587830810541069911},
    {"SqrtPi", 1.77245385090551602729816748334114518279754945612238712821380779},
    {"SqrtPhi", 1.27201964951406896425242246173749149171560804184009624861664038},
    {"Ln2", 0.693147180559945309417232121458176568075500134360255254120680009},
    {"Log2E", 1.44269504088896340735992468100189213742664595415298593413544940},
    {"Ln10", 2.30258509299404568401799145468436420760110148862877297603332790},
    {"Log10E", 0.43429448190325182765112891891660508229439700580366656611445378},
    {"MaxFloat64", DBL_MAX},
    {"SmallestNonzeroFloat64", 4.9406564584124654e-324},
    {"MaxFloat32", 3.40282346638528859811704183484516925440e+38},
    {"SmallestNonzeroFloat32", 1.401298464324817070923729583289916131280e-45},
    {NULL, 0},
};

static void math_open(ObjModule *m)
{
    module_add_fns(m, math_fns);
    module_add_ints(m, math_ints);
    module_add_floats(m, math_floats);
    /* Untyped constants past int64 (the compiler computes with them
     * exactly, lang/compile_exact.c): `var u uint64 = math.MaxUint64`. */
    module_add(m, "MaxUint", v_make_uint(UINT64_MAX));
    module_add(m, "MaxUint64", v_make_uint(UINT64_MAX));
    math_module_add(m);
}

const ModuleDef csp_module_math = {"math", math_open};
