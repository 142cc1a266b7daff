/* maps.c — the maps module: Go 1.21's Clone Copy DeleteFunc Equal
 * EqualFunc.
 *
 * Go 1.23's Keys, Values, All, Insert and Collect return or take
 * iterators (iter.Seq), which need range-over-func; csp has no such range
 * loop, so they are not here.
 *
 * A map is walked in csp's order (insertion order), where Go's is random:
 * DeleteFunc's and EqualFunc's callbacks see the entries in that order.
 */
#include "stdlib.h"

#include <string.h>

#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/mem.h"
#include "../vm/types.h"

/* Argument i as a map into *out; NULL for an untyped nil, which is a nil
 * map here as in Go. */
static bool map_arg(Thread *t, const char *fname, Value *args, int i, ObjMap **out)
{
    Value v = iface_unbox(args[i]);
    *out = NULL;
    if (v == V_NIL)
        return true;
    if (v_is_obj(v, OBJ_MAP)) {
        *out = v_map(v);
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "a map", format_type_name(args[i]));
    return false;
}

static uint32_t map_len(const ObjMap *m)
{
    return m ? __atomic_load_n(&m->len, __ATOMIC_RELAXED) : 0;
}

/* m[k] = v as the script's store does it: converted to a typed map's
 * value type, with Go's panics. -1 after one. */
static int store(Thread *t, ObjMap *m, Value k, Value v)
{
    if (!m)
        return vm_panicf(t, E_NIL_MAP_WRITE);
    v = v_copy(v);
    if ((m->h.flags & MAP_TYPED) && types_store(t, m->vtype, v, &v) < 0)
        return -1;
    switch (map_set(m, k, v)) {
    case MAP_OK:
        return 0;
    case MAP_NIL:
        return vm_panicf(t, E_NIL_MAP_WRITE);
    case MAP_CONCURRENT:
        vm_fatal_error(t, "concurrent map writes");
    case MAP_BADKEY:
    case MAP_BADVALUE:
    default:
        return vm_panicf(t, E_BAD_MAP_KEY, format_type_name(k));
    }
}

static int f_clone(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjMap *m;
    if (!map_arg(t, "maps.Clone", args, 0, &m))
        return -1;
    if (!m || map_is_nil(m)) { /* a nil map's clone is nil */
        rets[0] = args[0];
        return 1;
    }
    ObjMap *c = map_new(map_len(m));
    /* the same type: its zero, value conversion and key flags */
    c->type = map_type(m);
    c->zero = m->zero;
    c->vtype = m->vtype;
    c->h.flags = m->h.flags & (MAP_TYPED | MAP_UKEY);
    size_t cur = 0;
    Value k, v;
    while (map_next(m, &cur, &k, &v))
        if (map_set(c, k, v_copy(v)) != MAP_OK)
            return vm_panicf(t, E_BAD_MAP_KEY, format_type_name(k));
    rets[0] = v_from_ptr(c);
    return 1;
}

static int f_copy(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    ObjMap *dst, *src;
    if (!map_arg(t, "maps.Copy", args, 0, &dst) || !map_arg(t, "maps.Copy", args, 1, &src))
        return -1;
    if (!src)
        return 0;
    size_t cur = 0;
    Value k, v;
    while (map_next(src, &cur, &k, &v))
        if (store(t, dst, k, v) < 0)
            return -1;
    return 0;
}

static int f_delete_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    ObjMap *m;
    if (!map_arg(t, "maps.DeleteFunc", args, 0, &m))
        return -1;
    if (!m)
        return 0;
    Value del = args[1];
    size_t cur = 0;
    Value k, v;
    while (map_next(m, &cur, &k, &v)) {
        Value kv[2] = {k, v_copy(v)};
        int r = vm_call(t, del, kv, 2);
        if (r < 0)
            return -1;
        if (r > 0 && v_unnamed(t->rets[0]) == V_TRUE && map_delete(m, k) == MAP_CONCURRENT)
            vm_fatal_error(t, "concurrent map writes");
    }
    return 0;
}

/* Go's == on two values of m's value type: 1, 0, or -1 after the panic
 * of a type == cannot compare. */
static int value_eq(Thread *t, const ObjMap *m, Value a, Value b)
{
    const ObjType *bad = v_uncomparable_pair(a, b);
    if (bad) {
        Buf nb;
        buf_init(&nb);
        format_type(&nb, bad);
        buf_addc(&nb, '\0');
        return vm_panicf(t, E_UNCOMPARABLE, nb.data);
    }
    const ObjType *mt = m ? map_type(m) : NULL;
    bool iface = mt && mt->elem && mt->elem->kind == TYPE_INTERFACE;
    return iface ? v_iface_equal(a, b) : v_equal(a, b);
}

/* Whether m1 and m2 hold the same keys with equal values (eq(v1, v2),
 * or == when eq is V_UNDEF); -1 after a panic. */
static int maps_equal(Thread *t, ObjMap *m1, ObjMap *m2, Value eq)
{
    if (map_len(m1) != map_len(m2))
        return 0;
    if (!m1)
        return 1;
    size_t cur = 0;
    Value k, v1, v2;
    while (map_next(m1, &cur, &k, &v1)) {
        if (!m2 || !map_get(m2, k, &v2))
            return 0;
        int e;
        if (eq == V_UNDEF) {
            e = value_eq(t, m1, v1, v2);
        } else {
            Value vv[2] = {v_copy(v1), v_copy(v2)};
            int r = vm_call(t, eq, vv, 2);
            e = r < 0 ? -1 : r > 0 && v_unnamed(t->rets[0]) == V_TRUE;
        }
        if (e <= 0)
            return e;
    }
    return 1;
}

static int f_equal(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjMap *a, *b;
    if (!map_arg(t, "maps.Equal", args, 0, &a) || !map_arg(t, "maps.Equal", args, 1, &b))
        return -1;
    int e = maps_equal(t, a, b, V_UNDEF);
    if (e < 0)
        return -1;
    rets[0] = v_bool(e);
    return 1;
}

static int f_equal_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjMap *a, *b;
    if (!map_arg(t, "maps.EqualFunc", args, 0, &a) || !map_arg(t, "maps.EqualFunc", args, 1, &b))
        return -1;
    int e = maps_equal(t, a, b, args[2]);
    if (e < 0)
        return -1;
    rets[0] = v_bool(e);
    return 1;
}

static const ModuleFn maps_fns[] = {
    {"Clone", f_clone, 1, 1, NULL},
    {"Copy", f_copy, 2, 2, NULL},
    {"DeleteFunc", f_delete_func, 2, 2, NULL},
    {"Equal", f_equal, 2, 2, NULL},
    {"EqualFunc", f_equal_func, 3, 3, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static void maps_open(ObjModule *m)
{
    module_add_fns(m, maps_fns);
}

const ModuleDef csp_module_maps = {"maps", maps_open};
