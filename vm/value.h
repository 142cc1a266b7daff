/* value.h — the csp value word.
 *
 * A Value is one 64-bit word. Two OS threads that store to one variable at
 * once can lose one store, but can never produce a word of the wrong type:
 * every bit pattern below decodes to a valid value.
 *
 * The low bits carry the tag (low-bit tagging, with flonums as in Ruby):
 *
 *   63                                              3  2  1  0
 *   pppppppppppppppppppppppppppppppppppppppppppppp  0  0  0  0   heap object pointer
 *                                                               (raw, 16-aligned, never 0)
 *   pppppppppppppppppppppppppppppppppppppppppppppp  1  0  0  0   a pointer (Go's *T) to the
 *                                                               heap object p (see below)
 *   0000000000000000000000000000000000000000000000000000000000  nil (the word 0)
 *   iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii  1  int, 63-bit two's
 *                                                               complement: v = i<<1 | 1
 *   rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr  1  0  flonum: a double whose
 *                                                               exponent is in [2^-255,
 *                                                               2^257), rotated (below)
 *   0 ... 0000 0100 false (0x04)    0 ... 0000 1100 true (0x0C)
 *   0 ... 0001 0100 V_UNDEF (0x14): internal marker (empty/deleted map slot,
 *                                   missing argument); never seen by a script.
 *
 * A Go pointer is its target object's address with bit 3 set, so taking an
 * address never allocates when the target is already an object. The
 * target is an ObjStruct or ObjArray (the storage itself), an ObjCell (a
 * variable whose address was taken) or an ObjSlot (any other slot: an int
 * element or field); object.h says what reading and writing through each
 * means. The collector sees the tagged word as an interior pointer.
 *
 * Heap pointers are raw, so the Boehm collector, which scans stacks and
 * objects conservatively, sees every reference. An int outside 63 bits and a
 * double outside the flonum range (0.0 excepted: it has its own pattern;
 * -0.0, inf, NaN, denormals and huge values are boxed) live in small heap
 * objects (ObjBoxInt, ObjBoxFloat); they are rare, and the fast paths of
 * arithmetic never allocate.
 *
 * Flonum encoding: a double's top three bits after the sign (b62 b61 b60)
 * are 011 or 100 for exponents in range. Rotating the word left by 3 puts
 * the sign, b62 and b61 at bits 2, 1, 0; bits 1..0 are then replaced by the
 * tag 10. b62 b61 are recovered from b60 (now at bit 63): b60 = 1 means
 * 011 (b62 b61 = 01), b60 = 0 means 100 (b62 b61 = 10).
 */
#ifndef CSP_VALUE_H
#define CSP_VALUE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t Value;

#define V_NIL ((Value)0)
#define V_FALSE ((Value)0x04)
#define V_TRUE ((Value)0x0C)
#define V_UNDEF ((Value)0x14)

/* The pattern that +0.0 takes: the flonum encoding of the excluded double
 * 0x3000000000000000 (about 1.7e-77, which is boxed instead). */
#define V_FLONUM_ZERO ((Value)0x8000000000000002ULL)

#define V_INT_MAX ((int64_t)(INT64_MAX >> 1))
#define V_INT_MIN ((int64_t)(INT64_MIN >> 1))

#if defined(__GNUC__)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#else
#define likely(x) (x)
#define unlikely(x) (x)
#endif

static inline bool v_is_nil(Value v)
{
    return v == V_NIL;
}
static inline bool v_is_bool(Value v)
{
    return (v | 0x08) == V_TRUE;
}
static inline bool v_is_ptr(Value v)
{
    return (v & 15) == 0 && v != 0;
}
/* A Go pointer (*T) to a heap object; nil pointers are V_NIL. */
static inline bool v_is_ref(Value v)
{
    return (v & 15) == 8;
}
static inline Value v_ref(const void *target)
{
    return (Value)(uintptr_t)target | 8;
}
static inline void *v_ref_target(Value v)
{
    return (void *)(uintptr_t)(v & ~(Value)15);
}
/* Inline (small) int only; use v_is_anyint for boxed ones too. */
static inline bool v_is_int(Value v)
{
    return (v & 1) != 0;
}
static inline bool v_is_flonum(Value v)
{
    return (v & 3) == 2;
}

static inline Value v_bool(bool b)
{
    return b ? V_TRUE : V_FALSE;
}
static inline bool v_truthy_bool(Value v)
{
    return v == V_TRUE;
}

static inline int64_t v_int(Value v)
{
    return (int64_t)v >> 1;
}
/* Caller guarantees V_INT_MIN <= i <= V_INT_MAX. */
static inline Value v_int_small(int64_t i)
{
    return ((uint64_t)i << 1) | 1;
}
static inline bool v_int_fits(int64_t i)
{
    return i >= V_INT_MIN && i <= V_INT_MAX;
}

static inline uint64_t v_rotl3(uint64_t x)
{
    return (x << 3) | (x >> 61);
}
static inline uint64_t v_rotr3(uint64_t x)
{
    return (x >> 3) | (x << 61);
}

/* Try to encode d inline; returns false when it must be boxed. */
static inline bool v_flonum_try(double d, Value *out)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    /* b62 b61 b60 is 011 or 100, and the magnitude is not the excluded
     * 0x3000000000000000 (whose pattern +0.0 takes): with the sign
     * shifted out, one unsigned range test. (-1.7e-77 is boxed too.) */
    if ((bits << 1) - 0x6000000000000001ULL < 0x3FFFFFFFFFFFFFFFULL) {
        *out = (v_rotl3(bits) & ~(uint64_t)3) | 2;
        return true;
    }
    if (bits == 0) {
        *out = V_FLONUM_ZERO;
        return true;
    }
    return false;
}

static inline double v_flonum(Value v)
{
    if (v == V_FLONUM_ZERO)
        return 0.0;
    uint64_t b60 = v >> 63;
    uint64_t bits = v_rotr3((v & ~(uint64_t)3) | (2 - b60));
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static inline void *v_ptr(Value v)
{
    return (void *)(uintptr_t)v;
}
static inline Value v_from_ptr(const void *p)
{
    return (Value)(uintptr_t)p;
}

#endif
