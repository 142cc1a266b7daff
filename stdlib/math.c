/* math.c — the math module's functions (its constants are in stdlib.c's
 * table).
 *
 * Every function takes ints or floats and returns floats, as Go's math
 * does with float64 arguments: math.Abs(-3) is the float 3. The special
 * cases are Go's (Max with a NaN is NaN, Max(-0, +0) is +0, Round rounds
 * half away from zero), which for most functions are C's.
 */
#include "stdlib.h"

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
    X(log2, Log2, log2)                                                                                      \
    X(log10, Log10, log10)                                                                                   \
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
    X(gamma, Gamma, tgamma)

#define X(cname, goname, cfn)                                                                                \
    int math_n_##cname(Thread *t, Value *args, int nargs, Value *rets)                                       \
    {                                                                                                        \
        NUM_ARG(0, "math." #goname, x);                                                                      \
        rets[0] = v_make_float(cfn(x));                                                                      \
        return 1;                                                                                            \
    }
MATH_FUNCS1(X)
#undef X

void math_module_add(ObjModule *m)
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

static double go_pow(double x, double y)
{
    return pow(x, y);
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

/* Two-argument functions. */
#define MATH_FUNCS2(X)                                                                                       \
    X(pow, Pow, go_pow)                                                                                      \
    X(atan2, Atan2, atan2)                                                                                   \
    X(hypot, Hypot, hypot)                                                                                   \
    X(mod, Mod, go_mod)                                                                                      \
    X(remainder, Remainder, go_remainder)                                                                    \
    X(max, Max, go_max)                                                                                      \
    X(min, Min, go_min)                                                                                      \
    X(dim, Dim, go_dim)                                                                                      \
    X(copysign, Copysign, copysign)

#define X(cname, goname, cfn)                                                                                \
    int math_n_##cname(Thread *t, Value *args, int nargs, Value *rets)                                       \
    {                                                                                                        \
        NUM_ARG(0, "math." #goname, x);                                                                      \
        NUM_ARG(1, "math." #goname, y);                                                                      \
        rets[0] = v_make_float(cfn(x, y));                                                                   \
        return 1;                                                                                            \
    }
MATH_FUNCS2(X)
#undef X

int math_n_inf(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t sign;
    if (!vm_check_int(t, "math.Inf", args, 0, &sign))
        return -1;
    rets[0] = v_make_float(sign >= 0 ? INFINITY : -INFINITY);
    return 1;
}

int math_n_nan(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = v_make_float(NAN);
    return 1;
}

int math_n_is_nan(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.IsNaN", x);
    rets[0] = v_bool(isnan(x));
    return 1;
}

int math_n_is_inf(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.IsInf", x);
    int64_t sign;
    if (!vm_check_int(t, "math.IsInf", args, 1, &sign))
        return -1;
    rets[0] = v_bool((sign >= 0 && x == INFINITY) || (sign <= 0 && x == -INFINITY));
    return 1;
}

int math_n_signbit(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Signbit", x);
    rets[0] = v_bool(signbit(x) != 0);
    return 1;
}

int math_n_modf(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Modf", x);
    double ip;
    double frac = modf(x, &ip);
    rets[0] = v_make_float(ip);
    rets[1] = v_make_float(frac);
    return 2;
}

int math_n_float64bits(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Float64bits", x);
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    rets[0] = v_make_uint(bits); /* past 2^63-1 when the sign bit is set */
    return 1;
}

int math_n_float32bits(Thread *t, Value *args, int nargs, Value *rets)
{
    NUM_ARG(0, "math.Float32bits", x);
    float f = (float)x;
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    rets[0] = v_make_int((int64_t)bits);
    return 1;
}

int math_n_float32frombits(Thread *t, Value *args, int nargs, Value *rets)
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

int math_n_float64frombits(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t bits;
    if (!vm_check_int(t, "math.Float64frombits", args, 0, &bits))
        return -1;
    double x;
    memcpy(&x, &bits, sizeof x);
    rets[0] = v_make_float(x);
    return 1;
}
