/* bytesval.h — Go's []byte for the modules that take or make one.
 *
 * A []byte is a slice (ObjList) of small ints carrying the slice type
 * []uint8, as []byte(s) makes it (vm/types.c). These helpers read one into
 * a Buf, make a new one from bytes, and append bytes as Go's append does
 * (on the operand's array when its capacity allows). A nil slice reads as
 * no bytes; Go's callers may also pass a string where csp's scripts do, so
 * a string reads as its bytes too.
 */
#ifndef CSP_BYTESVAL_H
#define CSP_BYTESVAL_H

#include "stdlib.h"

#include "../vm/mem.h"

/* The []byte type, parsed once (racing threads get equal descriptors). */
static inline const ObjType *bytes_type(void)
{
    static const ObjType *ty;
    const ObjType *t = __atomic_load_n(&ty, __ATOMIC_ACQUIRE);
    if (!t) {
        t = types_parse("[]byte", 6);
        __atomic_store_n(&ty, t, __ATOMIC_RELEASE);
    }
    return t;
}

/* v's bytes appended to b: a []byte (a list of ints), nil or a string
 * (also one of a declared type); false when v is none of them. */
static inline bool bytes_read(Value v, Buf *b)
{
    v = v_unnamed(v);
    if (v == V_NIL)
        return true;
    if (v_is_str(v)) {
        buf_add(b, v_str(v)->data, v_str(v)->len);
        return true;
    }
    if (!v_is_obj(v, OBJ_LIST))
        return false;
    ObjList *l = v_list(v);
    Value e;
    for (int64_t k = 0; list_get(l, k, &e); k++) {
        if (!v_is_anyint(e))
            return false;
        buf_addc(b, (char)v_anyint(e));
    }
    return true;
}

/* Argument i as bytes appended to b; panics with Go's argument-type text
 * (returns false) when it is not a []byte. */
static inline bool bytes_arg(Thread *t, const char *fname, Value *args, int i, Buf *b)
{
    if (bytes_read(args[i], b))
        return true;
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "[]byte", v_type_name(args[i]));
    return false;
}

/* Whether argument i is a []byte (or nil, when nil_ok) to write into or
 * append to; else panics naming the type wanted and returns false. */
static inline bool bytes_param(Thread *t, const char *fname, Value *args, int i, bool nil_ok)
{
    if (v_is_obj(args[i], OBJ_LIST) || (nil_ok && args[i] == V_NIL))
        return true;
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "[]byte", v_type_name(args[i]));
    return false;
}

/* append(dst, s[:n]...) for dst a []byte or nil: a new header, sharing
 * dst's array when it has room, as Go's append. */
static inline Value bytes_append(Value dst, const char *s, size_t n)
{
    Value small[64];
    Value *vals = n <= 64 ? small : mem_alloc(mem_size(n, sizeof(Value), 0));
    for (size_t i = 0; i < n; i++)
        vals[i] = v_int_small((unsigned char)s[i]);
    ObjList *src = v_is_obj(dst, OBJ_LIST) ? v_list(dst) : NULL;
    ObjList *out = list_appended(src, vals, n);
    if (!src || !out->tid)
        list_set_type(out, bytes_type());
    return v_from_ptr(out);
}

/* A []byte of n zero bytes (room for a Read). */
static inline ObjList *bytes_zeroed(size_t n)
{
    ObjList *l = list_new(n, n);
    for (size_t i = 0; i < n; i++)
        l->store->items[i] = v_int_small(0);
    list_set_type(l, bytes_type());
    return l;
}

/* Go's copy(dst, src[:n]) into a []byte: how many bytes it took. */
static inline size_t bytes_copy_into(ObjList *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n; i++)
        if (!list_set(dst, (int64_t)i, v_int_small((unsigned char)src[i])))
            break;
    return i;
}

/* A new []byte holding s[:n]. */
static inline Value bytes_new(const char *s, size_t n)
{
    ObjList *l = list_new(0, n);
    for (size_t i = 0; i < n; i++)
        list_append(l, v_int_small((unsigned char)s[i]));
    list_set_type(l, bytes_type());
    return v_from_ptr(l);
}

#endif
