/* slices.c — the slices module (Go 1.22's) and the cmp module.
 *
 * Go's slices functions are generic over the slice type S ~[]E; in csp a
 * slice carries its type, so a result made from s keeps it (a []string
 * stays a []string, a declared type Names stays Names) and values stored
 * into a typed slice convert to its element type, as Go's typed stores do.
 *
 * Each function does what Go 1.22's does, step for step where a script
 * can see the steps: which elements a callback is called with and in what
 * order, where a result shares s's array and where it is a new one (Insert
 * and Replace grow through append, so cap() prints Go's numbers), and that
 * Delete, DeleteFunc, Compact, CompactFunc and Replace zero the elements
 * they leave past the new length (Go 1.22's clear; Replace only when it
 * shrinks the slice in its middle), which a script holding the old slice
 * sees. The sorts are sort.c's (sorting.h): Go's pdqsort, with cmp.Less
 * (NaN first) for Sort and the script's cmp for SortFunc.
 *
 * cmp: Compare, Less and Or on ordered values (cmp.Ordered as a type
 * constraint is the compiler's and not here).
 */
#include "sorting.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../vm/format.h"
#include "../vm/mem.h"
#include "../vm/types.h"

/* ---- arguments ------------------------------------------------------------ */

/* Argument i as a slice, or the panic of a wrong argument. */
static bool slice_arg(Thread *t, const char *fname, Value *args, int i, SliceView *s)
{
    if (sort_view(args[i], s))
        return true;
    if (args[i] == V_NIL) { /* an untyped nil converts to the slice type */
        memset(s, 0, sizeof *s);
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "a slice", format_type_name(args[i]));
    return false;
}

static bool int_arg(Thread *t, const char *fname, Value *args, int i, int64_t *out)
{
    return vm_check_int(t, fname, args, i, out);
}

/* f(args...)'s first result, unnamed; V_UNDEF after a panic. */
static Value call(Thread *t, Value fn, Value a, Value b, int nargs)
{
    Value av[2] = {a, b};
    int r = vm_call(t, fn, av, nargs);
    if (r < 0)
        return V_UNDEF;
    return r > 0 ? v_unnamed(t->rets[0]) : V_NIL;
}

/* An int result of a callback (cmp's), 0 when it gave none. */
static int64_t int_of(Value v)
{
    return v_is_anyint(v) ? v_anyint(v) : 0;
}

/* s[lo:hi:max] as a new header of s's type (hi, max within s's cap). */
static Value sub(const SliceView *s, int64_t lo, int64_t hi, int64_t max)
{
    if (!s->st)
        return v_from_ptr(list_nil(s->type));
    return v_from_ptr(
        list_view(s->st, s->off + (size_t)lo, s->off + (size_t)hi, s->off + (size_t)max, s->type));
}

/* The header append builds on: s's own, or a nil one of s's type. */
static ObjList *base_of(const SliceView *s)
{
    return s->l ? s->l : list_nil(s->type);
}

/* v made fit for an element of s (converted to a typed slice's element
 * type, a struct copied), into *out; -1 after the panic of a value of the
 * wrong kind. */
static int fit(Thread *t, const SliceView *s, Value v, Value *out)
{
    v = v_copy_fast(v);
    if (s->type && s->type->elem && types_store_checks(s->type->elem))
        return types_store(t, s->type->elem, v, out);
    *out = v;
    return 0;
}

/* A C array of n values the collector scans: small ones in *small. */
static Value *values(Value *small, size_t nsmall, int64_t n)
{
    return (size_t)n <= nsmall ? small : mem_alloc((size_t)n * sizeof(Value));
}

/* args[from..nargs) fitted to s's element type, into a new array. */
static Value *fit_args(Thread *t, const SliceView *s, Value *args, int from, int nargs, Value *small,
                       size_t nsmall)
{
    int m = nargs - from;
    Value *v = values(small, nsmall, m);
    for (int k = 0; k < m; k++)
        if (fit(t, s, args[from + k], &v[k]) < 0)
            return NULL;
    return v;
}

/* The zero value of s's element type (a fresh one each time for structs
 * and arrays), for the elements Go 1.22 clears. */
static int elem_zero(Thread *t, const SliceView *s, Value *out)
{
    if (!s->type || !s->type->elem) {
        *out = V_NIL;
        return 0;
    }
    return types_zero(t, s->type->elem, out);
}

static int clear_range(Thread *t, const SliceView *s, int64_t from, int64_t to)
{
    for (int64_t k = from; k < to; k++) {
        Value z;
        if (elem_zero(t, s, &z) < 0)
            return -1;
        sort_set(s, k, z);
    }
    return 0;
}

/* a == b as Go's == on two elements of s: an interface element type
 * compares as interfaces do; a type == cannot compare panics. Returns 1,
 * 0, or -1 after the panic. */
static int elem_eq(Thread *t, const SliceView *s, Value a, Value b)
{
    const ObjType *bad = v_uncomparable_pair(a, b);
    if (bad) {
        Buf nb;
        buf_init(&nb);
        format_type(&nb, bad);
        buf_addc(&nb, '\0');
        return vm_panicf(t, E_UNCOMPARABLE, nb.data);
    }
    bool iface = s->type && s->type->elem && s->type->elem->kind == TYPE_INTERFACE;
    return iface ? v_iface_equal(a, b) : v_equal(a, b);
}

/* ---- sorting and searching --------------------------------------------- */

static int f_sort(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    SliceView s;
    if (!slice_arg(t, "slices.Sort", args, 0, &s))
        return -1;
    return sort_ordered(t, "slices.Sort", &s) < 0 ? -1 : 0;
}

static int sort_func(Thread *t, Value *args, const char *fname, bool stable)
{
    SortCtx c = {.t = t, .mode = SORT_CMP, .fn = args[1]};
    if (!slice_arg(t, fname, args, 0, &c.s))
        return -1;
    return sort_run(&c, c.s.n, stable) < 0 ? -1 : 0;
}

static int f_sort_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    return sort_func(t, args, "slices.SortFunc", false);
}

static int f_sort_stable_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    return sort_func(t, args, "slices.SortStableFunc", true);
}

static int f_is_sorted(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.IsSorted", args, 0, &s) || sort_check_ordered(t, "slices.IsSorted", &s) < 0)
        return -1;
    bool ok = true;
    for (int64_t i = s.n - 1; i > 0 && ok; i--)
        ok = !sort_less(sort_get(&s, i), sort_get(&s, i - 1));
    rets[0] = v_bool(ok);
    return 1;
}

static int f_is_sorted_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.IsSortedFunc", args, 0, &s))
        return -1;
    bool ok = true;
    for (int64_t i = s.n - 1; i > 0 && ok; i--) {
        Value r = call(t, args[1], v_copy_fast(sort_get(&s, i)), v_copy_fast(sort_get(&s, i - 1)), 2);
        if (r == V_UNDEF)
            return -1;
        ok = int_of(r) >= 0;
    }
    rets[0] = v_bool(ok);
    return 1;
}

/* The target of BinarySearch, Contains...: of s's element type. */
static bool ordered_target(Thread *t, const char *fname, const SliceView *s, Value x)
{
    if (sort_check_ordered(t, fname, s) < 0)
        return false;
    Value u = v_unnamed(x);
    bool str = v_is_str(u);
    if (!sort_is_ordered(x) || (s->n > 0 && str != v_is_str(v_unnamed(sort_get(s, 0))))) {
        vm_panicf(t, E_NOT_ORDERED, fname, format_type_name(x));
        return false;
    }
    return true;
}

static int f_binary_search(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.BinarySearch", args, 0, &s) ||
        !ordered_target(t, "slices.BinarySearch", &s, args[1]))
        return -1;
    Value x = args[1];
    int64_t i = 0, j = s.n;
    while (i < j) {
        int64_t h = (int64_t)((uint64_t)(i + j) >> 1);
        if (sort_less(sort_get(&s, h), x))
            i = h + 1;
        else
            j = h;
    }
    /* found: equal, or both NaN (cmp.Compare's 0 covers both) */
    rets[0] = v_make_int(i);
    rets[1] = v_bool(i < s.n && sort_compare(sort_get(&s, i), x) == 0);
    return 2;
}

static int f_binary_search_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.BinarySearchFunc", args, 0, &s))
        return -1;
    Value x = args[1], fn = args[2];
    int64_t i = 0, j = s.n;
    while (i < j) {
        int64_t h = (int64_t)((uint64_t)(i + j) >> 1);
        Value r = call(t, fn, v_copy_fast(sort_get(&s, h)), v_copy_fast(x), 2);
        if (r == V_UNDEF)
            return -1;
        if (int_of(r) < 0)
            i = h + 1;
        else
            j = h;
    }
    bool found = false;
    if (i < s.n) {
        Value r = call(t, fn, v_copy_fast(sort_get(&s, i)), v_copy_fast(x), 2);
        if (r == V_UNDEF)
            return -1;
        found = int_of(r) == 0;
    }
    rets[0] = v_make_int(i);
    rets[1] = v_bool(found);
    return 2;
}

/* ---- finding --------------------------------------------------------------- */

/* The first index of v in s, -1 if none; -2 after a panic. */
static int64_t index_of(Thread *t, const SliceView *s, Value v)
{
    for (int64_t i = 0; i < s->n; i++) {
        int e = elem_eq(t, s, v, sort_get(s, i));
        if (e < 0)
            return -2;
        if (e)
            return i;
    }
    return -1;
}

/* The first index where f(s[i]) is true, -1 if none; -2 after a panic. */
static int64_t index_func(Thread *t, const SliceView *s, Value f)
{
    for (int64_t i = 0; i < s->n; i++) {
        Value r = call(t, f, v_copy_fast(sort_get(s, i)), V_NIL, 1);
        if (r == V_UNDEF)
            return -2;
        if (r == V_TRUE)
            return i;
    }
    return -1;
}

static int f_index(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.Index", args, 0, &s))
        return -1;
    int64_t i = index_of(t, &s, args[1]);
    if (i == -2)
        return -1;
    rets[0] = v_make_int(i);
    return 1;
}

static int f_contains(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.Contains", args, 0, &s))
        return -1;
    int64_t i = index_of(t, &s, args[1]);
    if (i == -2)
        return -1;
    rets[0] = v_bool(i >= 0);
    return 1;
}

static int f_index_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.IndexFunc", args, 0, &s))
        return -1;
    int64_t i = index_func(t, &s, args[1]);
    if (i == -2)
        return -1;
    rets[0] = v_make_int(i);
    return 1;
}

static int f_contains_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.ContainsFunc", args, 0, &s))
        return -1;
    int64_t i = index_func(t, &s, args[1]);
    if (i == -2)
        return -1;
    rets[0] = v_bool(i >= 0);
    return 1;
}

/* ---- comparing slices -------------------------------------------------- */

static int f_equal(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView a, b;
    if (!slice_arg(t, "slices.Equal", args, 0, &a) || !slice_arg(t, "slices.Equal", args, 1, &b))
        return -1;
    bool eq = a.n == b.n;
    for (int64_t i = 0; i < a.n && eq; i++) {
        int e = elem_eq(t, &a, sort_get(&a, i), sort_get(&b, i));
        if (e < 0)
            return -1;
        eq = e;
    }
    rets[0] = v_bool(eq);
    return 1;
}

static int f_equal_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView a, b;
    if (!slice_arg(t, "slices.EqualFunc", args, 0, &a) || !slice_arg(t, "slices.EqualFunc", args, 1, &b))
        return -1;
    bool eq = a.n == b.n;
    for (int64_t i = 0; i < a.n && eq; i++) {
        Value r = call(t, args[2], v_copy_fast(sort_get(&a, i)), v_copy_fast(sort_get(&b, i)), 2);
        if (r == V_UNDEF)
            return -1;
        eq = r == V_TRUE;
    }
    rets[0] = v_bool(eq);
    return 1;
}

static int compare(Thread *t, Value *args, Value *rets, const char *fname, Value fn)
{
    SliceView a, b;
    if (!slice_arg(t, fname, args, 0, &a) || !slice_arg(t, fname, args, 1, &b))
        return -1;
    if (fn == V_UNDEF && (sort_check_ordered(t, fname, &a) < 0 || sort_check_ordered(t, fname, &b) < 0))
        return -1;
    int64_t c = 0;
    for (int64_t i = 0; i < a.n && c == 0; i++) {
        if (i >= b.n) {
            c = 1;
            break;
        }
        Value x = sort_get(&a, i), y = sort_get(&b, i);
        if (fn == V_UNDEF) {
            c = sort_compare(x, y);
        } else {
            Value r = call(t, fn, v_copy_fast(x), v_copy_fast(y), 2);
            if (r == V_UNDEF)
                return -1;
            c = int_of(r);
        }
    }
    if (c == 0 && a.n < b.n)
        c = -1;
    rets[0] = v_make_int(c);
    return 1;
}

static int f_compare(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return compare(t, args, rets, "slices.Compare", V_UNDEF);
}

static int f_compare_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return compare(t, args, rets, "slices.CompareFunc", args[2]);
}

/* ---- Min and Max ------------------------------------------------------------ */

static double num_of(Value v)
{
    return v_is_anyint(v) ? v_anyint_double(v) : v_is_anyfloat(v) ? v_anyfloat(v) : NAN;
}

/* Go's built-in max(m, x) (want_max) or min(m, x) of two ordered values: a
 * NaN wins, max prefers +0 to -0 and min -0 to +0. */
static Value min_max(Value m, Value x, bool want_max)
{
    Value um = v_unnamed(m), ux = v_unnamed(x);
    if (v_is_anyfloat(um) || v_is_anyfloat(ux)) {
        double a = num_of(um), b = num_of(ux);
        if (isnan(a))
            return m;
        if (isnan(b))
            return x;
        if (a == 0 && b == 0 && signbit(a) != signbit(b))
            return (want_max ? signbit(a) : signbit(b)) ? x : m;
    }
    int c = sort_compare(x, m);
    return (want_max ? c > 0 : c < 0) ? x : m;
}

static int min_max_fn(Thread *t, Value *args, Value *rets, const char *fname, bool want_max)
{
    SliceView s;
    if (!slice_arg(t, fname, args, 0, &s) || sort_check_ordered(t, fname, &s) < 0)
        return -1;
    if (s.n < 1) {
        char msg[48];
        snprintf(msg, sizeof msg, "%s: empty list", fname);
        return vm_panic(t, v_cstr(msg)); /* Go panics with this string */
    }
    Value m = sort_get(&s, 0);
    for (int64_t i = 1; i < s.n; i++)
        m = min_max(m, sort_get(&s, i), want_max);
    rets[0] = v_copy_fast(m);
    return 1;
}

static int f_max(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return min_max_fn(t, args, rets, "slices.Max", true);
}

static int f_min(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return min_max_fn(t, args, rets, "slices.Min", false);
}

static int min_max_func(Thread *t, Value *args, Value *rets, const char *fname, bool want_max)
{
    SliceView s;
    if (!slice_arg(t, fname, args, 0, &s))
        return -1;
    if (s.n < 1) {
        char msg[48];
        snprintf(msg, sizeof msg, "%s: empty list", fname);
        return vm_panic(t, v_cstr(msg));
    }
    Value m = sort_get(&s, 0);
    for (int64_t i = 1; i < s.n; i++) {
        Value x = sort_get(&s, i);
        Value r = call(t, args[1], v_copy_fast(x), v_copy_fast(m), 2);
        if (r == V_UNDEF)
            return -1;
        if (want_max ? int_of(r) > 0 : int_of(r) < 0)
            m = x;
    }
    rets[0] = v_copy_fast(m);
    return 1;
}

static int f_max_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return min_max_func(t, args, rets, "slices.MaxFunc", true);
}

static int f_min_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return min_max_func(t, args, rets, "slices.MinFunc", false);
}

/* ---- changing slices --------------------------------------------------- */

static int f_reverse(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    SliceView s;
    if (!slice_arg(t, "slices.Reverse", args, 0, &s))
        return -1;
    for (int64_t i = 0, j = s.n - 1; i < j; i++, j--) {
        Value x = sort_get(&s, i);
        sort_set(&s, i, sort_get(&s, j));
        sort_set(&s, j, x);
    }
    return 0;
}

/* append(s[:i], vals[0..m)...) as Go's append makes it: on s's array when
 * its capacity allows, else a grown copy. */
static Value append_at(const SliceView *s, int64_t i, const Value *vals, int64_t m)
{
    Value head = sub(s, 0, i, s->cap);
    return v_from_ptr(list_appended(v_list(head), vals, (size_t)m));
}

/* Insert(s, i, v[0..m)...), the values already fitted; orig is s as the
 * script passed it. */
static int insert(Thread *t, const SliceView *s, Value orig, int64_t i, const Value *v, int64_t m,
                  Value *rets)
{
    if (i < 0)
        return vm_panicf(t, E_SLICE_NEG, (long long)i);
    if (i > s->n)
        return vm_panicf(t, E_SLICE_LO, (long long)i, (long long)s->n);
    int64_t n = s->n;
    if (m == 0) {
        rets[0] = orig;
        return 1;
    }
    if (i == n) {
        rets[0] = v_from_ptr(list_appended(base_of(s), v, (size_t)m));
        return 1;
    }
    if (n + m > s->cap) {
        /* grown as append(s[:i], make(S, n+m-i)...) grows it; then v and
         * s[i:] are copied in: what appending both does at once */
        Value big[32];
        Value *tail = values(big, 32, n + m - i);
        memcpy(tail, v, (size_t)m * sizeof(Value));
        for (int64_t k = i; k < n; k++)
            tail[m + k - i] = v_copy_fast(sort_get(s, k));
        rets[0] = append_at(s, i, tail, n + m - i);
        return 1;
    }
    for (int64_t k = n - 1; k >= i; k--)
        sort_set(s, k + m, sort_get(s, k));
    for (int64_t k = 0; k < m; k++)
        sort_set(s, i + k, v[k]);
    rets[0] = sub(s, 0, n + m, s->cap);
    return 1;
}

static int f_insert(Thread *t, Value *args, int nargs, Value *rets)
{
    SliceView s;
    int64_t i;
    if (!slice_arg(t, "slices.Insert", args, 0, &s) || !int_arg(t, "slices.Insert", args, 1, &i))
        return -1;
    Value small[16];
    Value *v = fit_args(t, &s, args, 2, nargs, small, 16);
    return v ? insert(t, &s, args[0], i, v, nargs - 2, rets) : -1;
}

static int f_delete(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    int64_t i, j;
    if (!slice_arg(t, "slices.Delete", args, 0, &s) || !int_arg(t, "slices.Delete", args, 1, &i) ||
        !int_arg(t, "slices.Delete", args, 2, &j))
        return -1;
    /* Go's bounds check s[i:j:len(s)] */
    if (j < 0 || j > s.n)
        return vm_panicf(t, E_SLICE3_HI, (long long)j, (long long)s.n);
    if (i < 0 || i > j)
        return vm_panicf(t, E_SLICE3_LO, (long long)i, (long long)j);
    if (i == j) {
        rets[0] = args[0];
        return 1;
    }
    int64_t n = s.n, d = j - i;
    for (int64_t k = j; k < n; k++)
        sort_set(&s, k - d, sort_get(&s, k));
    if (clear_range(t, &s, n - d, n) < 0)
        return -1;
    rets[0] = sub(&s, 0, n - d, s.cap);
    return 1;
}

/* Keep the elements at the indexes keep marks, in order, at the front of
 * s; zero the rest of its length (Go 1.22's clear) and return s[:kept]. */
static int keep_front(Thread *t, const SliceView *s, const bool *keep, Value *rets)
{
    int64_t k = 0;
    for (int64_t p = 0; p < s->n; p++)
        if (keep[p])
            sort_set(s, k++, sort_get(s, p));
    if (clear_range(t, s, k, s->n) < 0)
        return -1;
    rets[0] = sub(s, 0, k, s->cap);
    return 1;
}

static int f_delete_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.DeleteFunc", args, 0, &s))
        return -1;
    /* del is called once per element, in order; nothing moves before the
     * first element it deletes */
    bool *keep = s.n ? mem_alloc_atomic((size_t)s.n) : NULL;
    bool any = false;
    for (int64_t p = 0; p < s.n; p++) {
        Value r = call(t, args[1], v_copy_fast(sort_get(&s, p)), V_NIL, 1);
        if (r == V_UNDEF)
            return -1;
        keep[p] = r != V_TRUE;
        any = any || !keep[p];
    }
    if (!any) {
        rets[0] = args[0];
        return 1;
    }
    return keep_front(t, &s, keep, rets);
}

static int compact(Thread *t, Value *args, Value *rets, const char *fname, Value eq)
{
    SliceView s;
    if (!slice_arg(t, fname, args, 0, &s))
        return -1;
    if (s.n < 2) {
        rets[0] = args[0];
        return 1;
    }
    /* each neighbour pair (s[k], s[k-1]) compared once, in order, before
     * any element moves */
    bool *keep = mem_alloc_atomic((size_t)s.n);
    bool any = false;
    keep[0] = true;
    for (int64_t k = 1; k < s.n; k++) {
        Value a = sort_get(&s, k), b = sort_get(&s, k - 1);
        int e;
        if (eq == V_UNDEF) {
            e = elem_eq(t, &s, a, b);
            if (e < 0)
                return -1;
        } else {
            Value r = call(t, eq, v_copy_fast(a), v_copy_fast(b), 2);
            if (r == V_UNDEF)
                return -1;
            e = r == V_TRUE;
        }
        keep[k] = !e;
        any = any || e;
    }
    if (!any) {
        rets[0] = args[0];
        return 1;
    }
    return keep_front(t, &s, keep, rets);
}

static int f_compact(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return compact(t, args, rets, "slices.Compact", V_UNDEF);
}

static int f_compact_func(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return compact(t, args, rets, "slices.CompactFunc", args[1]);
}

static int f_replace(Thread *t, Value *args, int nargs, Value *rets)
{
    SliceView s;
    int64_t i, j;
    if (!slice_arg(t, "slices.Replace", args, 0, &s) || !int_arg(t, "slices.Replace", args, 1, &i) ||
        !int_arg(t, "slices.Replace", args, 2, &j))
        return -1;
    /* Go's bounds check s[i:j], then s[j:] */
    if (j < 0 || j > s.cap)
        return vm_panicf(t, E_SLICE_HI, (long long)j, "capacity", (long long)s.cap);
    if (i < 0 || i > j)
        return vm_panicf(t, E_SLICE_LO, (long long)i, (long long)j);
    int64_t n = s.n, m = nargs - 3;
    Value small[16];
    Value *v = fit_args(t, &s, args, 3, nargs, small, 16);
    if (!v)
        return -1;
    if (i == j)
        return insert(t, &s, args[0], i, v, m, rets);
    if (j == n) {
        rets[0] = append_at(&s, i, v, m);
        return 1;
    }
    if (j > n)
        return vm_panicf(t, E_SLICE_LO, (long long)j, (long long)n);
    int64_t tot = i + m + (n - j);
    Value big[32];
    Value *tail = values(big, 32, tot - i);
    memcpy(tail, v, (size_t)m * sizeof(Value));
    for (int64_t k = j; k < n; k++)
        tail[m + k - j] = sort_get(&s, k);
    if (tot > s.cap) {
        for (int64_t k = m; k < tot - i; k++)
            tail[k] = v_copy_fast(tail[k]);
        rets[0] = append_at(&s, i, tail, tot - i);
        return 1;
    }
    for (int64_t k = 0; k < tot - i; k++)
        sort_set(&s, i + k, tail[k]);
    if (tot < n && clear_range(t, &s, tot, n) < 0)
        return -1;
    rets[0] = sub(&s, 0, tot, s.cap);
    return 1;
}

/* ---- copies and capacity ----------------------------------------------- */

static int f_clone(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.Clone", args, 0, &s))
        return -1;
    if (!s.st) { /* a nil slice stays nil */
        rets[0] = sub(&s, 0, 0, 0);
        return 1;
    }
    /* append(s[:0:0], s...) */
    Value small[16];
    Value *v = values(small, 16, s.n);
    for (int64_t k = 0; k < s.n; k++)
        v[k] = v_copy_fast(sort_get(&s, k));
    Value head = sub(&s, 0, 0, 0);
    rets[0] = v_from_ptr(list_appended(v_list(head), v, (size_t)s.n));
    return 1;
}

static int f_grow(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    int64_t n;
    if (!slice_arg(t, "slices.Grow", args, 0, &s) || !int_arg(t, "slices.Grow", args, 1, &n))
        return -1;
    if (n < 0)
        return vm_panic(t, v_cstr("cannot be negative")); /* Go's panic string */
    n -= s.cap - s.n;
    if (n <= 0) {
        rets[0] = args[0];
        return 1;
    }
    if ((uint64_t)n > LIST_MAX_CAP - (uint64_t)s.cap)
        return vm_panicf(t, E_MAKE_LEN);
    /* append(s[:cap(s)], make([]E, n)...)[:len(s)] */
    Value *z = mem_alloc((size_t)n * sizeof(Value));
    for (int64_t k = 0; k < n; k++)
        if (elem_zero(t, &s, &z[k]) < 0)
            return -1;
    ObjList *r = list_appended(v_list(sub(&s, 0, s.cap, s.cap)), z, (size_t)n);
    r->len = (uint32_t)s.n;
    rets[0] = v_from_ptr(r);
    return 1;
}

static int f_clip(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    if (!slice_arg(t, "slices.Clip", args, 0, &s))
        return -1;
    rets[0] = s.st ? sub(&s, 0, s.n, s.n) : args[0];
    return 1;
}

static int f_concat(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t size = 0;
    const ObjType *ty = NULL;
    for (int k = 0; k < nargs; k++) {
        SliceView s;
        if (!slice_arg(t, "slices.Concat", args, k, &s))
            return -1;
        if (!ty)
            ty = s.type;
        size += s.n;
        if ((uint64_t)size > LIST_MAX_CAP)
            return vm_panic(t, v_cstr("len out of range")); /* Go's panic string */
    }
    /* Grow[S](nil, size): nil when size is 0, else a new array that the
     * appends fill */
    ObjList *r = list_nil(ty);
    if (size == 0) {
        rets[0] = v_from_ptr(r);
        return 1;
    }
    Value *v = mem_alloc((size_t)size * sizeof(Value));
    int64_t at = 0;
    for (int k = 0; k < nargs; k++) {
        SliceView s;
        sort_view(args[k], &s);
        for (int64_t i = 0; i < s.n && at < size; i++)
            v[at++] = v_copy_fast(sort_get(&s, i));
    }
    rets[0] = v_from_ptr(list_appended(r, v, (size_t)at));
    return 1;
}

/* ---- the module -------------------------------------------------------------- */

static const ModuleFn slices_fns[] = {
    {"BinarySearch", f_binary_search, 2, 2, NULL},
    {"BinarySearchFunc", f_binary_search_func, 3, 3, NULL},
    {"Clip", f_clip, 1, 1, NULL},
    {"Clone", f_clone, 1, 1, NULL},
    {"Compact", f_compact, 1, 1, NULL},
    {"CompactFunc", f_compact_func, 2, 2, NULL},
    {"Compare", f_compare, 2, 2, NULL},
    {"CompareFunc", f_compare_func, 3, 3, NULL},
    {"Concat", f_concat, 0, -1, NULL},
    {"Contains", f_contains, 2, 2, NULL},
    {"ContainsFunc", f_contains_func, 2, 2, NULL},
    {"Delete", f_delete, 3, 3, NULL},
    {"DeleteFunc", f_delete_func, 2, 2, NULL},
    {"Equal", f_equal, 2, 2, NULL},
    {"EqualFunc", f_equal_func, 3, 3, NULL},
    {"Grow", f_grow, 2, 2, NULL},
    {"Index", f_index, 2, 2, NULL},
    {"IndexFunc", f_index_func, 2, 2, NULL},
    {"Insert", f_insert, 2, -1, NULL},
    {"IsSorted", f_is_sorted, 1, 1, NULL},
    {"IsSortedFunc", f_is_sorted_func, 2, 2, NULL},
    {"Max", f_max, 1, 1, NULL},
    {"MaxFunc", f_max_func, 2, 2, NULL},
    {"Min", f_min, 1, 1, NULL},
    {"MinFunc", f_min_func, 2, 2, NULL},
    {"Replace", f_replace, 3, -1, NULL},
    {"Reverse", f_reverse, 1, 1, NULL},
    {"Sort", f_sort, 1, 1, NULL},
    {"SortFunc", f_sort_func, 2, 2, NULL},
    {"SortStableFunc", f_sort_stable_func, 2, 2, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static void slices_open(ObjModule *m)
{
    module_add_fns(m, slices_fns);
}

const ModuleDef csp_module_slices = {"slices", slices_open};

/* ---- cmp ------------------------------------------------------------------- */

static bool ordered_args(Thread *t, const char *fname, Value *args)
{
    for (int i = 0; i < 2; i++) {
        if (!sort_is_ordered(args[i])) {
            vm_panicf(t, E_NOT_ORDERED, fname, format_type_name(args[i]));
            return false;
        }
    }
    if (v_is_str(v_unnamed(args[0])) != v_is_str(v_unnamed(args[1]))) {
        vm_panicf(t, E_NOT_ORDERED, fname, "interface {}");
        return false;
    }
    return true;
}

static int f_cmp_compare(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (!ordered_args(t, "cmp.Compare", args))
        return -1;
    rets[0] = v_make_int(sort_compare(args[0], args[1]));
    return 1;
}

static int f_cmp_less(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (!ordered_args(t, "cmp.Less", args))
        return -1;
    rets[0] = v_bool(sort_less(args[0], args[1]));
    return 1;
}

/* Whether v is its type's zero value, for cmp.Or. */
static bool is_zero(Value v)
{
    Value u = v_unnamed(v);
    if (u == V_NIL || u == V_FALSE || list_is_nil(u))
        return true;
    if (v_is_anyint(u))
        return v_anyint(u) == 0 && !v_is_bigu(u);
    if (v_is_anyfloat(u))
        return v_anyfloat(u) == 0;
    if (v_is_str(u))
        return v_str(u)->len == 0;
    if (v_is_obj(u, OBJ_STRUCT)) {
        const ObjStruct *s = v_ptr(u);
        for (int i = 0; i < s->type->nfields; i++)
            if (!is_zero(s->f[i]))
                return false;
        return true;
    }
    return false;
}

/* cmp.Or: the first argument that is not its type's zero, or the zero. */
static int f_cmp_or(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t;
    rets[0] = nargs ? args[nargs - 1] : V_NIL;
    for (int i = 0; i < nargs; i++) {
        if (!is_zero(args[i])) {
            rets[0] = args[i];
            break;
        }
    }
    return 1;
}

static const ModuleFn cmp_fns[] = {
    {"Compare", f_cmp_compare, 2, 2, NULL},
    {"Less", f_cmp_less, 2, 2, NULL},
    {"Or", f_cmp_or, 0, -1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static void cmp_open(ObjModule *m)
{
    module_add_fns(m, cmp_fns);
}

const ModuleDef csp_module_cmp = {"cmp", cmp_open};
