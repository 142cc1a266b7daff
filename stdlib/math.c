/* math.c — the math module's functions (its constants are in stdlib.c's
 * table).
 *
 * Every function takes ints or floats and returns floats, as Go's math
 * does with float64 arguments: math.Abs(-3) is the float 3. The special
 * cases are Go's (Max with a NaN is NaN, Max(-0, +0) is +0, Round rounds
 * half away from zero), which for most functions are C's.
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
    rets[0] = v_make_float(NAN);
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

static const ModuleFn math_fns[] = {
    {"Atan2", math_n_atan2, 2, 2, "func(float64, float64) float64"},
    {"Copysign", math_n_copysign, 2, 2, "func(float64, float64) float64"},
    {"Dim", math_n_dim, 2, 2, "func(float64, float64) float64"},
    {"Float32bits", math_n_float32bits, 1, 1, "func(float32) uint32"},
    {"Float32frombits", math_n_float32frombits, 1, 1, "func(uint32) float32"},
    {"Float64bits", math_n_float64bits, 1, 1, "func(float64) uint64"},
    {"Float64frombits", math_n_float64frombits, 1, 1, "func(uint64) float64"},
    {"Hypot", math_n_hypot, 2, 2, "func(float64, float64) float64"},
    {"Inf", math_n_inf, 1, 1, "func(int) float64"},
    {"IsInf", math_n_is_inf, 2, 2, "func(float64, int) bool"},
    {"IsNaN", math_n_is_nan, 1, 1, "func(float64) bool"},
    {"Max", math_n_max, 2, 2, "func(float64, float64) float64"},
    {"Min", math_n_min, 2, 2, "func(float64, float64) float64"},
    {"Mod", math_n_mod, 2, 2, "func(float64, float64) float64"},
    {"Modf", math_n_modf, 1, 1, "func(float64) (float64, float64)"},
    {"NaN", math_n_nan, 0, 0, "func() float64"},
    {"Pow", math_n_pow, 2, 2, "func(float64, float64) float64"},
    {"Remainder", math_n_remainder, 2, 2, "func(float64, float64) float64"},
    {"Signbit", math_n_signbit, 1, 1, "func(float64) bool"},
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
    math_module_add(m);
}

const ModuleDef csp_module_math = {"math", math_open};
