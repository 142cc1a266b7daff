/* rand.c — the math/rand module (module name rand): the top-level
 * functions, rand.Source (NewSource) and *rand.Rand (New).
 *
 * The top-level functions (rand.Intn from any goroutine) draw from a
 * generator of the OS thread they run on (a worker thread, an M in the
 * scheduler's words), as Go's runtime keeps one per M: no lock and no
 * shared cache line, so many goroutines drawing at once scale with the
 * processors. Each thread's generator is seeded from getrandom on its
 * first draw, so an unseeded program sees different numbers on every run,
 * as Go 1.20+ does. A goroutine runs on one thread for the whole of a
 * native call; the one call that runs script code in between draws
 * (Shuffle's swap, which may block and resume on another thread) looks its
 * thread's generator up again for every draw.
 *
 * rand.Seed(n) (deprecated in Go, used by old programs) switches the
 * top-level functions, for the rest of the run, to one shared generator
 * seeded with n and guarded by a lock, so that a seeded program draws the
 * same numbers on every run (in which order goroutines draw is up to the
 * scheduler, as in Go).
 *
 * rand.NewSource(n) is a generator of its own (xoshiro256**, its state
 * spread from n by splitmix64), and rand.New(src) a Rand drawing from it:
 * the same seed gives the same numbers, in every run and on every machine.
 * They are not Go's numbers: Go's seeded source is an additive lagged
 * Fibonacci generator over a large precomputed table, which we do not copy.
 * Neither is safe for concurrent use, as in Go (a racy script gets poor
 * numbers, never a crash).
 *
 * Bounded draws (Intn, Int63n, Int31n, Perm, Shuffle) are unbiased, by
 * Lemire's multiply-and-reject method: one 64x64->128 multiplication, and
 * a division only in the rare case that a draw might be rejected.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../vm/lock.h"
#include "../vm/mem.h"
#include "stdlib.h"

/* ---- generators ----------------------------------------------------------- */

/* splitmix64: spreads one 64-bit seed into well-mixed state words. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* xoshiro256** (Blackman and Vigna): 256 bits of state, period 2^256-1. */
typedef struct Xoshiro {
    uint64_t s[4];
} Xoshiro;

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static void xo_seed(Xoshiro *g, int64_t seed)
{
    uint64_t x = (uint64_t)seed;
    for (int i = 0; i < 4; i++)
        g->s[i] = splitmix64(&x); /* never all zero: splitmix64 is a bijection of a counter */
}

static uint64_t xo_next(Xoshiro *g)
{
    uint64_t *s = g->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* A thread's own generator for the top-level functions: wyrand (a Weyl
 * sequence hashed by one wide multiplication), 8 bytes of state. Only its
 * thread touches it. */
typedef struct FastRand {
    uint64_t state;
    bool seeded;
} FastRand;
static __thread FastRand fast_rand;

/* Not inlined, so that the thread's generator is looked up at every call
 * (see Shuffle in the file comment); it writes the state on the first
 * call, so the compiler cannot reuse an earlier answer either. */
static __attribute__((noinline)) FastRand *fast_get(void)
{
    FastRand *f = &fast_rand;
    if (!f->seeded) {
        uint64_t seed;
        if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)f;
        }
        f->state = seed;
        f->seeded = true;
    }
    return f;
}

static inline uint64_t wyrand(uint64_t *state)
{
    *state += 0xA0761D6478BD642Full;
    __uint128_t m = (__uint128_t)*state * (*state ^ 0xE7037ED1A0B428DBull);
    return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

/* After rand.Seed: the top-level functions' one shared generator. */
static _Atomic bool global_seeded; /* set once by Seed, never cleared; read relaxed on every draw */
static Lock global_lock;           /* guards global_src */
static Xoshiro global_src;         /* global_lock */

/* ---- draws ---------------------------------------------------------------- */

/* Where a draw comes from: a Source's generator, or (NULL) the top-level
 * functions' (the thread's, or the seeded shared one). */
typedef Xoshiro *Rng;

static uint64_t rng_u64(Rng r)
{
    if (r)
        return xo_next(r);
    if (__builtin_expect(atomic_load_explicit(&global_seeded, memory_order_relaxed), 0)) {
        lock_acquire(&global_lock);
        uint64_t v = xo_next(&global_src);
        lock_release(&global_lock);
        return v;
    }
    return wyrand(&fast_get()->state);
}

/* Uniform in [0, n), n > 0, without bias (Lemire): the high half of
 * x * n is uniform unless the low half falls below 2^64 mod n, which is
 * rejected; that threshold is computed only when a low half is small. */
static uint64_t rng_bounded(Rng r, uint64_t n)
{
    __uint128_t m = (__uint128_t)rng_u64(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (__uint128_t)rng_u64(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* [0, 1) with every multiple of 2^-53 equally likely. */
static double rng_float64(Rng r)
{
    return (double)(rng_u64(r) >> 11) * 0x1p-53;
}

/* Go panics with a string here (recover() gives it back as one). */
static int panic_str(Thread *t, const char *msg)
{
    return vm_panic(t, v_from_ptr(str_cstr(msg)));
}

/* ---- the functions, shared by the module and Rand's methods ---------------- */

/* Each takes its Rng and its arguments (without a receiver). */
typedef int (*RandFn)(Thread *t, Rng r, Value *args, Value *rets);

static int r_int63(Thread *t, Rng r, Value *args, Value *rets)
{
    (void)t, (void)args;
    rets[0] = v_make_int((int64_t)(rng_u64(r) >> 1));
    return 1;
}

static int r_int31(Thread *t, Rng r, Value *args, Value *rets)
{
    (void)t, (void)args;
    rets[0] = v_make_int((int64_t)(rng_u64(r) >> 33));
    return 1;
}

static int r_uint32(Thread *t, Rng r, Value *args, Value *rets)
{
    (void)t, (void)args;
    rets[0] = v_make_int((int64_t)(rng_u64(r) >> 32));
    return 1;
}

static int r_uint64(Thread *t, Rng r, Value *args, Value *rets)
{
    (void)t, (void)args;
    rets[0] = v_make_uint(rng_u64(r));
    return 1;
}

/* Intn, Int63n and Int31n differ only in their names (and Go's argument
 * types). */
static int bounded(Thread *t, Rng r, Value *args, Value *rets, const char *fname, const char *bad)
{
    int64_t n;
    if (!vm_check_int(t, fname, args, 0, &n))
        return -1;
    if (n <= 0)
        return panic_str(t, bad);
    rets[0] = v_make_int((int64_t)rng_bounded(r, (uint64_t)n));
    return 1;
}

static int r_intn(Thread *t, Rng r, Value *args, Value *rets)
{
    return bounded(t, r, args, rets, "rand.Intn", "invalid argument to Intn");
}

static int r_int63n(Thread *t, Rng r, Value *args, Value *rets)
{
    return bounded(t, r, args, rets, "rand.Int63n", "invalid argument to Int63n");
}

static int r_int31n(Thread *t, Rng r, Value *args, Value *rets)
{
    return bounded(t, r, args, rets, "rand.Int31n", "invalid argument to Int31n");
}

static int r_float64(Thread *t, Rng r, Value *args, Value *rets)
{
    (void)t, (void)args;
    rets[0] = v_make_float(rng_float64(r));
    return 1;
}

static int r_float32(Thread *t, Rng r, Value *args, Value *rets)
{
    (void)t, (void)args;
    rets[0] = v_make_float((double)((float)(rng_u64(r) >> 40) * 0x1p-24f));
    return 1;
}

/* A standard normal deviate (Marsaglia's polar method). */
static int r_normfloat64(Thread *t, Rng r, Value *args, Value *rets)
{
    (void)t, (void)args;
    double u, v, s;
    do {
        u = 2 * rng_float64(r) - 1;
        v = 2 * rng_float64(r) - 1;
        s = u * u + v * v;
    } while (s >= 1 || s == 0);
    rets[0] = v_make_float(u * sqrt(-2 * log(s) / s));
    return 1;
}

/* An exponential deviate of rate 1, in (0, 37]: -log of a uniform number
 * in (0, 1), which (k + 1/2) * 2^-52 is exactly for every 52-bit k. */
static int r_expfloat64(Thread *t, Rng r, Value *args, Value *rets)
{
    (void)t, (void)args;
    double u = ((double)(rng_u64(r) >> 12) + 0.5) * 0x1p-52;
    rets[0] = v_make_float(-log(u));
    return 1;
}

/* A permutation of 0..n-1, built inside out as Go's Perm does. */
static int r_perm(Thread *t, Rng r, Value *args, Value *rets)
{
    int64_t n;
    if (!vm_check_int(t, "rand.Perm", args, 0, &n))
        return -1;
    if (n < 0 || (uint64_t)n > UINT32_MAX)
        return vm_panicf(t, E_MAKE_LEN);
    ObjList *l = list_new((size_t)n, (size_t)n);
    for (int64_t i = 0; i < n; i++) {
        int64_t j = (int64_t)rng_bounded(r, (uint64_t)i + 1);
        Value *slot_i = list_slot(l, i), *slot_j = list_slot(l, j);
        *slot_i = *slot_j;
        *slot_j = v_make_int(i);
    }
    rets[0] = v_from_ptr(l);
    return 1;
}

/* Fisher-Yates from the end, calling the script's swap(i, j). */
static int r_shuffle(Thread *t, Rng r, Value *args, Value *rets)
{
    (void)rets;
    int64_t n;
    if (!vm_check_int(t, "rand.Shuffle", args, 0, &n))
        return -1;
    if (n < 0)
        return panic_str(t, "invalid argument to Shuffle");
    Value swap = args[1]; /* copied: vm_call may move the value stack */
    for (int64_t i = n - 1; i > 0; i--) {
        Value ij[2] = {v_make_int(i), v_make_int((int64_t)rng_bounded(r, (uint64_t)i + 1))};
        if (vm_call(t, swap, ij, 2) < 0)
            return -1;
    }
    return 0;
}

/* Fills the []byte p with random bytes: len(p), nil, as Go's Read. */
static int r_read(Thread *t, Rng r, Value *args, Value *rets)
{
    if (!vm_check_arg(t, "rand.Read", args, 0, OBJ_LIST))
        return -1;
    ObjList *l = v_list(args[0]);
    int64_t n = (int64_t)LIST_GET(l, len);
    uint64_t bits = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i % 8 == 0)
            bits = rng_u64(r);
        Value *slot = list_slot(l, i);
        if (slot)
            *slot = v_make_int((int64_t)(bits & 0xFF));
        bits >>= 8;
    }
    rets[0] = v_make_int(n);
    rets[1] = V_NIL;
    return 2;
}

/* ---- the module's functions ------------------------------------------------- */

#define RAND_FUNCS(X)                                                                                        \
    X(Int, r_int63)                                                                                          \
    X(Intn, r_intn)                                                                                          \
    X(Int31, r_int31)                                                                                        \
    X(Int31n, r_int31n)                                                                                      \
    X(Int63, r_int63)                                                                                        \
    X(Int63n, r_int63n)                                                                                      \
    X(Uint32, r_uint32)                                                                                      \
    X(Uint64, r_uint64)                                                                                      \
    X(Float64, r_float64)                                                                                    \
    X(Float32, r_float32)                                                                                    \
    X(NormFloat64, r_normfloat64)                                                                            \
    X(ExpFloat64, r_expfloat64)                                                                              \
    X(Perm, r_perm)                                                                                          \
    X(Shuffle, r_shuffle)                                                                                    \
    X(Read, r_read)

#define X(goname, fn)                                                                                        \
    static int top_##goname(Thread *t, Value *args, int nargs, Value *rets)                                  \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        return fn(t, NULL, args, rets);                                                                      \
    }
RAND_FUNCS(X)
#undef X

static int top_seed(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    int64_t seed;
    if (!vm_check_int(t, "rand.Seed", args, 0, &seed))
        return -1;
    lock_acquire(&global_lock);
    xo_seed(&global_src, seed);
    atomic_store_explicit(&global_seeded, true, memory_order_relaxed);
    lock_release(&global_lock);
    return 0;
}

/* ---- rand.Source and *rand.Rand ------------------------------------------- */

static Xoshiro *source_of(Value v)
{
    return (Xoshiro *)((ObjObject *)v_ptr(v))->payload;
}

static int src_int63(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    return r_int63(t, source_of(a[0]), a + 1, r);
}

static int src_uint64(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    return r_uint64(t, source_of(a[0]), a + 1, r);
}

static int src_seed(Thread *t, Value *a, int n, Value *r)
{
    (void)n, (void)r;
    int64_t seed;
    if (!vm_check_int(t, "rand.Source.Seed", a, 1, &seed))
        return -1;
    xo_seed(source_of(a[0]), seed);
    return 0;
}

static const MethodDef source_methods[] = {
    {"Int63", src_int63, 0, 0},
    {"Uint64", src_uint64, 0, 0},
    {"Seed", src_seed, 1, 1},
    {NULL, NULL, 0, 0},
};
static const ObjClass source_class = {.name = "*rand.rngSource", .methods = source_methods, .get_field = NULL};

static Value source_new(int64_t seed)
{
    Xoshiro *g = mem_alloc_atomic(sizeof *g);
    xo_seed(g, seed);
    return v_from_ptr(object_new(&source_class, g));
}

/* A Rand's payload is its source's generator: two Rands made from one
 * Source draw from the one sequence, as in Go. */
#define X(goname, fn)                                                                                        \
    static int meth_##goname(Thread *t, Value *args, int nargs, Value *rets)                                 \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        return fn(t, source_of(args[0]), args + 1, rets);                                                    \
    }
RAND_FUNCS(X)
#undef X

static const MethodDef rand_methods[] = {
    {"Int", meth_Int, 0, 0},
    {"Intn", meth_Intn, 1, 1},
    {"Int31", meth_Int31, 0, 0},
    {"Int31n", meth_Int31n, 1, 1},
    {"Int63", meth_Int63, 0, 0},
    {"Int63n", meth_Int63n, 1, 1},
    {"Uint32", meth_Uint32, 0, 0},
    {"Uint64", meth_Uint64, 0, 0},
    {"Float64", meth_Float64, 0, 0},
    {"Float32", meth_Float32, 0, 0},
    {"NormFloat64", meth_NormFloat64, 0, 0},
    {"ExpFloat64", meth_ExpFloat64, 0, 0},
    {"Perm", meth_Perm, 1, 1},
    {"Shuffle", meth_Shuffle, 2, 2},
    {"Read", meth_Read, 1, 1},
    {"Seed", src_seed, 1, 1},
    {NULL, NULL, 0, 0},
};
static const ObjClass rand_class = {.name = "*rand.Rand", .methods = rand_methods, .get_field = NULL};

static int f_new_source(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t seed;
    if (!vm_check_int(t, "rand.NewSource", args, 0, &seed))
        return -1;
    rets[0] = source_new(seed);
    return 1;
}

static int f_new(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value src = args[0];
    if (!v_is_obj(src, OBJ_OBJECT) || ((ObjObject *)v_ptr(src))->cls != &source_class)
        return vm_panic_msg(t, "rand.New: csp's Rand draws only from a source made by rand.NewSource, not %s",
                            v_type_name(src));
    rets[0] = v_from_ptr(object_new(&rand_class, source_of(src)));
    return 1;
}

/* `rand.Rand` as a type needs a maker of a ready value: a Rand on a source
 * seeded from the thread's generator. */
static int f_rand(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    Value src = source_new((int64_t)rng_u64(NULL));
    rets[0] = v_from_ptr(object_new(&rand_class, source_of(src)));
    return 1;
}

static const ModuleFn rand_fns[] = {
    {"Int", top_Int, 0, 0, "func() int"},
    {"Intn", top_Intn, 1, 1, "func(int) int"},
    {"Int31", top_Int31, 0, 0, "func() int32"},
    {"Int31n", top_Int31n, 1, 1, "func(int32) int32"},
    {"Int63", top_Int63, 0, 0, "func() int64"},
    {"Int63n", top_Int63n, 1, 1, "func(int64) int64"},
    {"Uint32", top_Uint32, 0, 0, "func() uint32"},
    {"Uint64", top_Uint64, 0, 0, "func() uint64"},
    {"Float64", top_Float64, 0, 0, "func() float64"},
    {"Float32", top_Float32, 0, 0, "func() float32"},
    {"NormFloat64", top_NormFloat64, 0, 0, "func() float64"},
    {"ExpFloat64", top_ExpFloat64, 0, 0, "func() float64"},
    {"Perm", top_Perm, 1, 1, "func(int) []int"},
    {"Shuffle", top_Shuffle, 2, 2, "func(int, func(int, int))"},
    {"Read", top_Read, 1, 1, "func([]byte) (int, error)"},
    {"Seed", top_seed, 1, 1, "func(int64)"},
    {"NewSource", f_new_source, 1, 1, "func(int64) rand.Source"},
    {"New", f_new, 1, 1, "func(rand.Source) *rand.Rand"},
    {"Rand", f_rand, 0, 0, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static void rand_open(ObjModule *m)
{
    module_add_fns(m, rand_fns);
    module_add_type(m, "Rand", TYPE_OBJECT);
    module_add_type(m, "Source", TYPE_INTERFACE);
}

const ModuleDef csp_module_rand = {"math/rand", rand_open};
