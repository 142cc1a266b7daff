/* cmplx.c — the math/cmplx module: functions of complex numbers.
 *
 * Each is Go's algorithm (math/cmplx), special cases included, so the
 * results are the ones Go prints: Sqrt rescales to avoid overflow, Abs is
 * Go's Hypot, Pow of 0 follows Go's table. An argument may also be an int
 * or a float, the complex number with that real part (as an untyped
 * constant argument is in Go).
 */
#include "stdlib.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Argument i as a complex number, or a panic naming fname. */
static bool complex_arg(Thread *t, const char *fname, Value *args, int i, double *re, double *im)
{
    Value v = v_unnamed(args[i]);
    if (v_is_complex(v)) {
        *re = v_complex(v)->re;
        *im = v_complex(v)->im;
        return true;
    }
    if (v_is_anyint(v) || v_is_anyfloat(v)) {
        *re = v_is_anyint(v) ? (double)v_anyint(v) : v_anyfloat(v);
        *im = 0;
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "complex128", v_type_name(args[i]));
    return false;
}

/* The unbraced if ends a declaration macro, which clang-format mangles. */
/* clang-format off */
#define CPLX_ARG(i, name, re, im)                                                                            \
    double re, im;                                                                                           \
    if (!complex_arg(t, name, args, i, &re, &im))                                                            \
        return -1
#define FLOAT_ARG(i, name, var)                                                                              \
    double var;                                                                                              \
    if (!vm_check_num(t, name, args, i, &var))                                                               \
        return -1
/* clang-format on */

/* Go's math.Hypot: sqrt(p*p + q*q) without overflow. */
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

/* Go's math.Sincos (Cody-Waite reduction and its polynomials; huge
 * arguments, which Go reduces with Payne-Hanek, go to C's): Go's results
 * differ from C's in the last bit for some arguments, sin(Pi) among them,
 * and complex results print every bit. */
static void go_sincos(double x, double *sn, double *cs)
{
    static const double sinc[] = {1.58962301576546568060e-10, -2.50507477628578072866e-8,
                                  2.75573136213857245213e-6,  -1.98412698295895385996e-4,
                                  8.33333333332211858878e-3,  -1.66666666666666307295e-1};
    static const double cosc[] = {-1.13585365213876817300e-11, 2.08757008419747316778e-9,
                                  -2.75573141792967388112e-7,  2.48015872888517045348e-5,
                                  -1.38888888888730564116e-3,  4.16666666666665929218e-2};
    const double PI4A = 7.85398125648498535156e-1, PI4B = 3.77489470793079817668e-8,
                 PI4C = 2.69515142907905952645e-15;
    if (x == 0) {
        *sn = x;
        *cs = 1;
        return;
    }
    if (isnan(x) || isinf(x)) {
        *sn = *cs = NAN;
        return;
    }
    if (fabs(x) >= 536870912.0) { /* 2^29 */
        *sn = sin(x);
        *cs = cos(x);
        return;
    }
    bool sin_neg = false, cos_neg = false;
    if (x < 0) {
        x = -x;
        sin_neg = true;
    }
    uint64_t j = (uint64_t)(x * (4 / M_PI));
    double y = (double)j;
    if (j & 1) {
        j++;
        y++;
    }
    j &= 7;
    double z = ((x - y * PI4A) - y * PI4B) - y * PI4C;
    if (j > 3) {
        j -= 4;
        sin_neg = !sin_neg;
        cos_neg = !cos_neg;
    }
    if (j > 1)
        cos_neg = !cos_neg;
    double zz = z * z;
    double c =
        1.0 - 0.5 * zz +
        zz * zz *
            ((((((cosc[0] * zz) + cosc[1]) * zz + cosc[2]) * zz + cosc[3]) * zz + cosc[4]) * zz + cosc[5]);
    double s = z + z * zz *
                       ((((((sinc[0] * zz) + sinc[1]) * zz + sinc[2]) * zz + sinc[3]) * zz + sinc[4]) * zz +
                        sinc[5]);
    if (j == 1 || j == 2) {
        double t = s;
        s = c;
        c = t;
    }
    *sn = sin_neg ? -s : s;
    *cs = cos_neg ? -c : c;
}

static int ret_complex(Value *rets, double re, double im)
{
    rets[0] = v_make_complex(re, im);
    return 1;
}

static int cmplx_abs(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.Abs", re, im);
    rets[0] = v_make_float(go_hypot(re, im));
    return 1;
}

static int cmplx_phase(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.Phase", re, im);
    rets[0] = v_make_float(atan2(im, re));
    return 1;
}

static int cmplx_polar(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.Polar", re, im);
    rets[0] = v_make_float(go_hypot(re, im));
    rets[1] = v_make_float(atan2(im, re));
    return 2;
}

static int cmplx_rect(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    FLOAT_ARG(0, "cmplx.Rect", r);
    FLOAT_ARG(1, "cmplx.Rect", theta);
    double sn, cs;
    go_sincos(theta, &sn, &cs);
    return ret_complex(rets, r * cs, r * sn);
}

static int cmplx_conj(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.Conj", re, im);
    return ret_complex(rets, re, -im);
}

static int cmplx_inf(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    return ret_complex(rets, INFINITY, INFINITY);
}

static int cmplx_nan(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    return ret_complex(rets, NAN, NAN);
}

/* Go's IsNaN: a NaN part and no infinite one. */
static bool is_nan(double re, double im)
{
    return !isinf(re) && !isinf(im) && (isnan(re) || isnan(im));
}

static int cmplx_is_nan(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.IsNaN", re, im);
    rets[0] = v_bool(is_nan(re, im));
    return 1;
}

static int cmplx_is_inf(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.IsInf", re, im);
    rets[0] = v_bool(isinf(re) || isinf(im));
    return 1;
}

static int cmplx_sqrt(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.Sqrt", a, b);
    if (b == 0) {
        /* the imaginary part keeps the sign of a signed zero */
        if (a == 0)
            return ret_complex(rets, 0, b);
        if (a < 0)
            return ret_complex(rets, 0, copysign(sqrt(-a), b));
        return ret_complex(rets, sqrt(a), b);
    }
    if (isinf(b))
        return ret_complex(rets, INFINITY, b);
    if (a == 0) {
        double r = sqrt(0.5 * fabs(b));
        return ret_complex(rets, r, b < 0 ? -r : r);
    }
    /* rescaled to avoid overflow or underflow inside */
    double scale;
    if (fabs(a) > 4 || fabs(b) > 4) {
        a *= 0.25;
        b *= 0.25;
        scale = 2;
    } else {
        a *= 1.8014398509481984e16; /* 2^54 */
        b *= 1.8014398509481984e16;
        scale = 7.450580596923828125e-9; /* 2^-27 */
    }
    double r = go_hypot(a, b), s;
    if (a > 0) {
        s = sqrt(0.5 * r + 0.5 * a);
        r = scale * fabs((0.5 * b) / s);
        s *= scale;
    } else {
        r = sqrt(0.5 * r - 0.5 * a);
        s = scale * fabs((0.5 * b) / r);
        r *= scale;
    }
    return ret_complex(rets, s, b < 0 ? -r : r);
}

static int cmplx_exp(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.Exp", re, im);
    if (isinf(re)) {
        if (re > 0 && im == 0)
            return ret_complex(rets, re, im);
        if (isinf(im) || isnan(im))
            return re < 0 ? ret_complex(rets, 0, copysign(0, im)) : ret_complex(rets, INFINITY, NAN);
    } else if (isnan(re) && im == 0) {
        return ret_complex(rets, NAN, im);
    }
    double r = exp(re), sn, cs;
    go_sincos(im, &sn, &cs);
    return ret_complex(rets, r * cs, r * sn);
}

static int cmplx_log(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.Log", re, im);
    return ret_complex(rets, log(go_hypot(re, im)), atan2(im, re));
}

static int cmplx_pow(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    CPLX_ARG(0, "cmplx.Pow", xr, xi);
    CPLX_ARG(1, "cmplx.Pow", yr, yi);
    if (xr == 0 && xi == 0) {
        if (is_nan(yr, yi))
            return ret_complex(rets, NAN, NAN);
        if (yr == 0)
            return ret_complex(rets, 1, 0);
        if (yr < 0)
            return yi == 0 ? ret_complex(rets, INFINITY, 0) : ret_complex(rets, INFINITY, INFINITY);
        return ret_complex(rets, 0, 0);
    }
    double modulus = go_hypot(xr, xi);
    if (modulus == 0)
        return ret_complex(rets, 0, 0);
    double r = pow(modulus, yr), arg = atan2(xi, xr), theta = yr * arg;
    if (yi != 0) {
        r *= exp(-yi * arg);
        theta += yi * log(modulus);
    }
    double sn, cs;
    go_sincos(theta, &sn, &cs);
    return ret_complex(rets, r * cs, r * sn);
}

static void cmplx_open(ObjModule *m)
{
    /* sig: the function's Go signature (ObjNative.sig) */
    static const struct {
        const char *name;
        NativeFn fn;
        int min, max;
        const char *sig;
    } fns[] = {
        {"Abs", cmplx_abs, 1, 1, "func(complex128) float64"},
        {"Conj", cmplx_conj, 1, 1, "func(complex128) complex128"},
        {"Exp", cmplx_exp, 1, 1, "func(complex128) complex128"},
        {"Inf", cmplx_inf, 0, 0, "func() complex128"},
        {"IsInf", cmplx_is_inf, 1, 1, "func(complex128) bool"},
        {"IsNaN", cmplx_is_nan, 1, 1, "func(complex128) bool"},
        {"Log", cmplx_log, 1, 1, "func(complex128) complex128"},
        {"NaN", cmplx_nan, 0, 0, "func() complex128"},
        {"Phase", cmplx_phase, 1, 1, "func(complex128) float64"},
        {"Polar", cmplx_polar, 1, 1, "func(complex128) (float64, float64)"},
        {"Pow", cmplx_pow, 2, 2, "func(complex128, complex128) complex128"},
        {"Rect", cmplx_rect, 2, 2, "func(float64, float64) complex128"},
        {"Sqrt", cmplx_sqrt, 1, 1, "func(complex128) complex128"},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        module_add_fn(m, fns[i].name, fns[i].fn, fns[i].min, fns[i].max)->sig = fns[i].sig;
}

const ModuleDef csp_module_cmplx = {"math/cmplx", cmplx_open};
