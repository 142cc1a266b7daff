/* values.h — value builders and printers the unit tests share. Include it
 * after cmocka.h and stdlib/stdlib.h (it asserts with cmocka).
 *
 *   S("text")  I(42)  F(1.5)  L(n, v1, ..., vn)   build values
 *   M(n, k1, v1, ..., kn, vn)                     a map, in that insertion order
 *   E("message")                                  an error
 *   V(v)                                          v as %v prints it (vm/format.h)
 *   universe_member(rt, "mod", "Name")            a module member, or a
 *                                                 builtin when mod is NULL
 */
#ifndef CSP_TEST_VALUES_H
#define CSP_TEST_VALUES_H

#include <stdarg.h>

#include "stdlib/stdlib.h"
#include "vm/format.h"

static inline Value S(const char *s)
{
    return v_cstr(s);
}
static inline Value I(int64_t i)
{
    return v_make_int(i);
}
static inline Value F(double d)
{
    return v_make_float(d);
}

static inline Value L(int n, ...)
{
    ObjList *l = list_new(0, (size_t)n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        list_append(l, va_arg(ap, Value));
    va_end(ap);
    return v_from_ptr(l);
}

static inline Value M(int n, ...)
{
    ObjMap *m = map_new(0);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        Value k = va_arg(ap, Value);
        Value v = va_arg(ap, Value);
        map_set(m, k, v);
    }
    va_end(ap);
    return v_from_ptr(m);
}

static inline Value E(const char *msg)
{
    return v_from_ptr(error_new(str_cstr(msg), false));
}

static inline const char *V(Value v)
{
    Buf b;
    buf_init(&b);
    format_value(&b, v);
    return b.data;
}

static inline Value universe_member(Runtime *rt, const char *mod, const char *name)
{
    Value m, f;
    if (!mod) {
        assert_true(rt_universe_get(rt, name, &f));
        return f;
    }
    assert_true(rt_universe_get(rt, mod, &m));
    assert_true(map_get_cstr(((ObjModule *)v_ptr(m))->members, name, &f));
    return f;
}

#endif
