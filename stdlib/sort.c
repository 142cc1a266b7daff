/* sort.c — the sort module, and the sorting engine slices.c shares
 * (sorting.h).
 *
 * Go's sort.Slice and sort.Sort are not stable, so which order equal
 * elements end in is whatever Go's pdqsort makes of them; a script that
 * sorts records by one key prints it. The engine therefore runs Go's
 * algorithms step by step (pdqsort.h), calling the script's less function
 * (or Less and Swap methods) for the same pairs in the same order as Go.
 *
 * sort.Ints, Strings and Float64s compare in C (Go 1.22 runs them as
 * slices.Sort: the same pdqsort with cmp.Less, NaN first), on a copy of
 * the elements that is written back once sorted.
 *
 * The module's types: IntSlice, StringSlice and Float64Slice are declared
 * slice types with native methods (Len Less Swap Sort Search), so
 * sort.IntSlice(s) is a slice on s's array, as Go's conversion is;
 * Interface is an interface type a script can name; sort.Reverse returns a
 * *sort.reverse, a struct embedding the Interface whose Less is the
 * inner one's with the operands exchanged, so it prints &{[3 2 1]} as
 * Go's does. sort.Sort recognises these and sorts them in C.
 */
#include "sorting.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/mem.h"
#include "../vm/types.h"

/* ---- ordered values ----------------------------------------------------- */

static int str_cmp(const ObjString *a, const ObjString *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, n);
    if (c)
        return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

bool sort_is_ordered(Value v)
{
    v = v_unnamed(v);
    return v_is_anyint(v) || v_is_anyfloat(v) || v_is_str(v);
}

/* A number as a double (a string, which never meets a number in a sort
 * that checked its elements, as NaN). */
static double num_of(Value v)
{
    return v_is_anyint(v) ? v_anyint_double(v) : v_is_anyfloat(v) ? v_anyfloat(v) : NAN;
}

int sort_compare(Value a, Value b)
{
    if (v_is_int(a) && v_is_int(b)) /* the tagged words order as the ints */
        return ((int64_t)a > (int64_t)b) - ((int64_t)a < (int64_t)b);
    a = v_unnamed(a);
    b = v_unnamed(b);
    bool sa = v_is_str(a), sb = v_is_str(b);
    if (sa && sb)
        return str_cmp(v_str(a), v_str(b));
    if (sa != sb)
        return sa ? 1 : -1; /* never in a checked sort: any fixed order */
    if (v_is_anyint(a) && v_is_anyint(b)) {
        /* a uint64 past 2^63-1 is greater than any other int */
        bool ua = v_is_bigu(a), ub = v_is_bigu(b);
        if (ua != ub)
            return ua ? 1 : -1;
        if (ua) {
            uint64_t x = (uint64_t)v_anyint(a), y = (uint64_t)v_anyint(b);
            return (x > y) - (x < y);
        }
        int64_t x = v_anyint(a), y = v_anyint(b);
        return (x > y) - (x < y);
    }
    double x = num_of(a), y = num_of(b);
    bool nx = isnan(x), ny = isnan(y);
    if (nx || ny)
        return nx && ny ? 0 : nx ? -1 : 1;
    return (x > y) - (x < y);
}

bool sort_less(Value a, Value b)
{
    return sort_compare(a, b) < 0;
}

/* How a checked slice's elements compare: all small ints (their tagged
 * words compare as they do), all plain strings, or any ordered values. */
typedef enum { ORD_INT, ORD_STR, ORD_ANY } OrdKind;

static inline bool ord_less(OrdKind k, Value a, Value b)
{
    if (k == ORD_INT)
        return (int64_t)a < (int64_t)b;
    if (k == ORD_STR)
        return str_cmp(v_str(a), v_str(b)) < 0;
    return sort_compare(a, b) < 0;
}

/* ---- slices -------------------------------------------------------------- */

bool sort_view(Value v, SliceView *out)
{
    memset(out, 0, sizeof *out);
    if (iface_is_box(v)) {
        const ObjType *bt = ((ObjNamed *)v_ptr(v))->type;
        v = ((ObjNamed *)v_ptr(v))->v;
        if (v == V_NIL && bt->kind == TYPE_SLICE) {
            out->type = bt;
            return true;
        }
    }
    if (!v_is_obj(v, OBJ_LIST))
        return false;
    ObjList *l = v_list(v);
    out->l = l;
    out->type = list_type(l);
    ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
    if (!st)
        return true;
    size_t off = LIST_GET(l, off);
    size_t len = __atomic_load_n(&l->len, __ATOMIC_ACQUIRE), cap = LIST_GET(l, cap);
    size_t room = off < st->cap ? st->cap - off : 0;
    out->st = st;
    out->off = off < st->cap ? off : st->cap;
    out->items = st->items + out->off;
    out->cap = (int64_t)(cap < room ? cap : room);
    out->n = (int64_t)len < out->cap ? (int64_t)len : out->cap;
    return true;
}

const char *sort_elem_name(const SliceView *s)
{
    if (s->type && s->type->elem) {
        Buf b;
        buf_init(&b);
        format_type(&b, s->type->elem);
        buf_addc(&b, '\0');
        return b.data;
    }
    return "interface {}";
}

/* Classify s's elements (OrdKind); -1 after the panic of an element that
 * is not ordered, or of a string and a number side by side (an untyped
 * list may hold both). */
static int classify(Thread *t, const char *fname, const SliceView *s, OrdKind *kind)
{
    bool ints = true, strs = true;
    int cat = 0; /* 1: numbers, 2: strings */
    for (int64_t i = 0; i < s->n; i++) {
        Value v = sort_get(s, i), u = v_unnamed(v);
        int c = v_is_int(v) ? 1 : v_is_str(u) ? 2 : v_is_anyint(u) || v_is_anyfloat(u) ? 1 : 0;
        if (c == 0 || (cat && c != cat)) {
            const char *name = s->type || c ? sort_elem_name(s) : format_type_name(v);
            return vm_panicf(t, E_NOT_ORDERED, fname, name);
        }
        cat = c;
        ints = ints && v_is_int(v);
        strs = strs && v_is_str(v);
    }
    *kind = ints ? ORD_INT : strs ? ORD_STR : ORD_ANY;
    return 0;
}

int sort_check_ordered(Thread *t, const char *fname, const SliceView *s)
{
    OrdKind k;
    return classify(t, fname, s, &k);
}

/* ---- the two instances of the algorithms ----------------------------- */

/* Ordered values in a C array of the native's own, compared inline. */
typedef struct OrdArr {
    Value *v;
    OrdKind k;
} OrdArr;

#define PDQ(name) ord_##name
#define PDQ_DATA OrdArr *
#define PDQ_LESS(d, i, j) ord_less((d)->k, (d)->v[i], (d)->v[j])
#define PDQ_SWAP(d, i, j)                                                                                    \
    do {                                                                                                     \
        Value swap_tmp_ = (d)->v[i];                                                                         \
        (d)->v[i] = (d)->v[j];                                                                               \
        (d)->v[j] = swap_tmp_;                                                                               \
    } while (0)
#define PDQ_STOP(d) false
#include "pdqsort.h"

static void ctx_swap(SortCtx *c, int64_t i, int64_t j);

#define PDQ(name) ctx_##name
#define PDQ_DATA SortCtx *
#define PDQ_LESS(d, i, j) sort_ctx_less((d), (i), (j))
#define PDQ_SWAP(d, i, j) ctx_swap((d), (i), (j))
#define PDQ_STOP(d) ((d)->failed)
#define PDQ_STABLE
#include "pdqsort.h"

int sort_ordered(Thread *t, const char *fname, const SliceView *s)
{
    OrdKind k;
    if (classify(t, fname, s, &k) < 0)
        return -1;
    int64_t n = s->n;
    if (n < 2)
        return 0;
    /* sorted in a copy, which the collector scans (it holds strings) */
    Value small[64];
    Value *v = n <= 64 ? small : mem_alloc((size_t)n * sizeof(Value));
    for (int64_t i = 0; i < n; i++)
        v[i] = sort_get(s, i);
    OrdArr d = {v, k};
    ord_pdqsort(&d, 0, n, pdq_bits_len((uint64_t)n));
    for (int64_t i = 0; i < n; i++)
        sort_set(s, i, v[i]);
    return 0;
}

/* fn(a, b)'s first result, unnamed; V_UNDEF after a panic (c->failed). */
static Value call2(SortCtx *c, Value fn, Value a, Value b)
{
    Value args[2] = {a, b};
    int r = vm_call(c->t, fn, args, 2);
    if (r < 0) {
        c->failed = true;
        return V_UNDEF;
    }
    return r > 0 ? v_unnamed(c->t->rets[0]) : V_NIL;
}

bool sort_ctx_less(SortCtx *c, int64_t i, int64_t j)
{
    if (c->failed)
        return false;
    if (c->reverse) {
        int64_t k = i;
        i = j;
        j = k;
    }
    switch (c->mode) {
    case SORT_ORDERED:
        return sort_compare(sort_get(&c->s, i), sort_get(&c->s, j)) < 0;
    case SORT_LESS_IDX:
    case SORT_METHODS:
        return call2(c, c->fn, v_int_small(i), v_int_small(j)) == V_TRUE;
    case SORT_CMP: {
        /* the function gets copies of the elements, as Go passes them */
        Value r = call2(c, c->fn, v_copy_fast(sort_get(&c->s, i)), v_copy_fast(sort_get(&c->s, j)));
        return v_is_anyint(r) && v_anyint(r) < 0;
    }
    }
    return false;
}

static void ctx_swap(SortCtx *c, int64_t i, int64_t j)
{
    if (c->failed)
        return;
    if (c->mode == SORT_METHODS) {
        call2(c, c->swap, v_int_small(i), v_int_small(j));
        return;
    }
    Value x = sort_get(&c->s, i);
    sort_set(&c->s, i, sort_get(&c->s, j));
    sort_set(&c->s, j, x);
}

int sort_run(SortCtx *c, int64_t n, bool stable)
{
    if (stable)
        ctx_stable(c, n);
    else
        ctx_pdqsort(c, 0, n, pdq_bits_len((uint64_t)n));
    return c->failed ? -1 : 0;
}

/* ---- the module's types ---------------------------------------------- */

/* Made once when the module opens (under the modules' lock, before any
 * of its functions can run) and never changed: any thread reads them. */
static ObjType *iface_type, *intslice_type, *stringslice_type, *float64slice_type, *reverse_type;

/* What kind of sort.XSlice a value is: its type among the three, or NULL. */
static const ObjType *xslice_type(Value v)
{
    if (!v_is_obj(v, OBJ_LIST))
        return NULL;
    const ObjType *ty = list_type(v_list(v));
    return ty == intslice_type || ty == stringslice_type || ty == float64slice_type ? ty : NULL;
}

/* Go's reflect.Kind name of v's type, for reflect's panics ("int", "ptr",
 * "zero" for nil). */
static const char *reflect_kind(Value v)
{
    const ObjType *ty = NULL;
    if (v_is_obj(v, OBJ_NAMED)) {
        ty = ((ObjNamed *)v_ptr(v))->type;
        if (ty->underlying)
            ty = ty->underlying;
    }
    if (ty) {
        switch (ty->kind) {
        case TYPE_BOOL:
            return "bool";
        case TYPE_INT:
        case TYPE_FLOAT:
        case TYPE_COMPLEX:
            return ty->name; /* the basic type's own name */
        case TYPE_STRING:
            return "string";
        case TYPE_POINTER:
            return "ptr";
        case TYPE_FUNC:
            return "func";
        case TYPE_CHAN:
            return "chan";
        case TYPE_MAP:
            return "map";
        case TYPE_SLICE:
            return "slice";
        default:
            v = v_unnamed(v);
        }
    }
    if (v == V_NIL)
        return "zero";
    if (v_is_bool(v))
        return "bool";
    if (v_is_anyint(v))
        return "int";
    if (v_is_anyfloat(v))
        return "float64";
    if (v_is_ref(v))
        return "ptr";
    if (!v_is_ptr(v))
        return "invalid";
    switch (v_obj(v)->kind) {
    case OBJ_STRING:
        return "string";
    case OBJ_LIST:
        return "slice";
    case OBJ_MAP:
        return "map";
    case OBJ_CLOSURE:
    case OBJ_NATIVE:
    case OBJ_BOUND:
        return "func";
    case OBJ_CHAN:
        return "chan";
    case OBJ_STRUCT:
        return "struct";
    case OBJ_ARRAY:
        return "array";
    case OBJ_COMPLEX:
        return "complex128";
    default:
        return "ptr"; /* errors and module objects are pointers in Go */
    }
}

/* ---- helpers for the natives ------------------------------------------- */

/* Argument i as a slice whose elements are of the type named want ("int"
 * for sort.Ints): a typed slice of another element type panics as a
 * wrong argument (Go's compile error). */
static bool slice_arg(Thread *t, const char *fname, Value *args, int i, const char *want, SliceView *s)
{
    bool ok = sort_view(args[i], s) || args[i] == V_NIL; /* nil is a nil slice */
    if (ok && want && s->type && s->type->elem) {
        /* the predeclared type itself: a declared one (type Age int) is
         * another type, as Go's []Age is no []int */
        const ObjType *e = s->type->elem;
        ok = !e->named && strcmp(e->name, want) == 0;
    }
    if (!ok) {
        char w[32];
        snprintf(w, sizeof w, "[]%s", want ? want : "E");
        vm_panicf(t, E_ARG_TYPE, fname, i + 1, w, format_type_name(args[i]));
    }
    return ok;
}

/* f(i)'s first result, unnamed; V_UNDEF after a panic. */
static Value call1(Thread *t, Value fn, Value a)
{
    int r = vm_call(t, fn, &a, 1);
    if (r < 0)
        return V_UNDEF;
    return r > 0 ? v_unnamed(t->rets[0]) : V_NIL;
}

/* ---- Ints, Strings, Float64s and their checks ------------------------- */

static int sort_typed(Thread *t, Value *args, const char *fname, const char *elem)
{
    SliceView s;
    if (!slice_arg(t, fname, args, 0, elem, &s))
        return -1;
    return sort_ordered(t, fname, &s) < 0 ? -1 : 0;
}

static int f_ints(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    return sort_typed(t, args, "sort.Ints", "int");
}

static int f_strings(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    return sort_typed(t, args, "sort.Strings", "string");
}

static int f_float64s(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    return sort_typed(t, args, "sort.Float64s", "float64");
}

/* Whether s is sorted by cmp.Less (slices.IsSorted, which Go 1.22's
 * IntsAreSorted and the others are). */
static int sorted_typed(Thread *t, Value *args, Value *rets, const char *fname, const char *elem)
{
    SliceView s;
    if (!slice_arg(t, fname, args, 0, elem, &s) || sort_check_ordered(t, fname, &s) < 0)
        return -1;
    bool ok = true;
    for (int64_t i = s.n - 1; i > 0 && ok; i--)
        ok = !sort_less(sort_get(&s, i), sort_get(&s, i - 1));
    rets[0] = v_bool(ok);
    return 1;
}

static int f_ints_sorted(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return sorted_typed(t, args, rets, "sort.IntsAreSorted", "int");
}

static int f_strings_sorted(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return sorted_typed(t, args, rets, "sort.StringsAreSorted", "string");
}

static int f_float64s_sorted(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return sorted_typed(t, args, rets, "sort.Float64sAreSorted", "float64");
}

/* ---- Slice, SliceStable, SliceIsSorted ------------------------------- */

/* x of sort.Slice as a slice, or reflect.Swapper's panic. */
static bool swapper_arg(Thread *t, Value x, SliceView *s)
{
    if (sort_view(x, s))
        return true;
    vm_panicf(t, E_REFLECT_CALL, "Swapper", reflect_kind(x));
    return false;
}

static int slice_sort(Thread *t, Value *args, bool stable)
{
    SortCtx c = {.t = t, .mode = SORT_LESS_IDX, .fn = args[1]};
    if (!swapper_arg(t, args[0], &c.s))
        return -1;
    return sort_run(&c, c.s.n, stable) < 0 ? -1 : 0;
}

static int f_slice(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    return slice_sort(t, args, false);
}

static int f_slice_stable(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    return slice_sort(t, args, true);
}

static int f_slice_is_sorted(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value x = iface_unbox(args[0]);
    SliceView s;
    int64_t n;
    /* reflect.Value.Len: a slice's, also a map's, string's or array's */
    if (sort_view(args[0], &s))
        n = s.n;
    else if (v_is_obj(x, OBJ_MAP))
        n = v_map(x)->len;
    else if (v_is_str(v_unnamed(x)))
        n = (int64_t)v_str(v_unnamed(x))->len;
    else if (v_is_obj(x, OBJ_ARRAY))
        n = (int64_t)((ObjArray *)v_ptr(x))->st.cap;
    else
        return vm_panicf(t, E_REFLECT_CALL, "reflect.Value.Len", reflect_kind(args[0]));
    SortCtx c = {.t = t, .mode = SORT_LESS_IDX, .fn = args[1]};
    bool ok = true;
    for (int64_t i = n - 1; i > 0 && ok; i--)
        ok = !sort_ctx_less(&c, i, i - 1);
    if (c.failed)
        return -1;
    rets[0] = v_bool(ok);
    return 1;
}

/* ---- Sort, Stable, IsSorted on an Interface ---------------------------- */

static ObjString *name_len, *name_less, *name_swap;

/* data.Len() */
static bool call_len(Thread *t, Value data, int64_t *n)
{
    Value fn = vm_bind_method(t, data, name_len);
    if (fn == V_UNDEF)
        return false;
    int r = vm_call(t, fn, NULL, 0);
    if (r < 0)
        return false;
    Value v = r > 0 ? v_unnamed(t->rets[0]) : V_NIL;
    *n = v_is_anyint(v) ? v_anyint(v) : 0;
    return true;
}

/* Set c up to sort data, an Interface, and get its Len into *n: a
 * sort.Reverse wrapper (any number of them) flips the order; a
 * sort.IntSlice, StringSlice or Float64Slice is compared in C; any other
 * value through its methods. False after a panic. */
static bool iface_ctx(Thread *t, Value data, SortCtx *c, int64_t *n)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    for (int depth = 0; depth < 64 && v_is_ref(data); depth++) {
        Obj *o = v_ref_target(data);
        if (o->kind != OBJ_STRUCT || ((ObjStruct *)o)->type != reverse_type)
            break;
        data = SHARED_LOAD(((ObjStruct *)o)->f[0]);
        c->reverse = !c->reverse;
    }
    if (data == V_NIL) {
        vm_panicf(t, E_NIL_DEREF);
        return false;
    }
    const ObjType *xt = xslice_type(data);
    if (xt) {
        c->mode = SORT_ORDERED;
        sort_view(data, &c->s);
        *n = c->s.n;
        return sort_check_ordered(t, xt->name, &c->s) == 0;
    }
    const char *missing = iface_missing(iface_type, data);
    if (missing) { /* Go's compile error, as its failed type assertion says it */
        vm_panicf(t, E_IFACE_MISSING, format_type_name(data), iface_type->name, missing);
        return false;
    }
    c->mode = SORT_METHODS;
    if (!call_len(t, data, n))
        return false;
    c->fn = vm_bind_method(t, data, name_less);
    if (c->fn == V_UNDEF)
        return false;
    c->swap = vm_bind_method(t, data, name_swap);
    return c->swap != V_UNDEF;
}

static int f_sort(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    SortCtx c;
    int64_t n;
    if (!iface_ctx(t, args[0], &c, &n))
        return -1;
    if (n <= 1)
        return 0;
    return sort_run(&c, n, false) < 0 ? -1 : 0;
}

static int f_stable(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    SortCtx c;
    int64_t n;
    if (!iface_ctx(t, args[0], &c, &n))
        return -1;
    return sort_run(&c, n, true) < 0 ? -1 : 0;
}

static int f_is_sorted(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SortCtx c;
    int64_t n;
    if (!iface_ctx(t, args[0], &c, &n))
        return -1;
    bool ok = true;
    for (int64_t i = n - 1; i > 0 && ok; i--)
        ok = !sort_ctx_less(&c, i, i - 1);
    if (c.failed)
        return -1;
    rets[0] = v_bool(ok);
    return 1;
}

static int f_reverse(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value r;
    if (types_zero(t, reverse_type, &r) < 0)
        return -1;
    ((ObjStruct *)v_ptr(r))->f[0] = args[0];
    rets[0] = v_ref(v_ptr(r));
    return 1;
}

/* sort.Interface(x): the conversion to the interface type, x itself. */
static int f_interface(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = args[0];
    return 1;
}

/* reverse.Less(i, j): the embedded Interface's Less(j, i). */
static int m_reverse_less(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value self = args[0];
    if (v_is_ref(self))
        self = v_from_ptr(v_ref_target(self));
    if (!v_is_obj(self, OBJ_STRUCT))
        return vm_panicf(t, E_NIL_DEREF);
    Value in = SHARED_LOAD(((ObjStruct *)v_ptr(self))->f[0]);
    Value i = args[1], j = args[2];
    if (in == V_NIL)
        return vm_panicf(t, E_NIL_DEREF);
    Value fn = vm_bind_method(t, in, name_less);
    if (fn == V_UNDEF)
        return -1;
    Value ji[2] = {j, i};
    int r = vm_call(t, fn, ji, 2);
    if (r < 0)
        return -1;
    rets[0] = r > 0 ? t->rets[0] : V_FALSE;
    return 1;
}

/* ---- searching ---------------------------------------------------------- */

static int f_search(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t n;
    if (!vm_check_int(t, "sort.Search", args, 0, &n))
        return -1;
    Value f = args[1];
    int64_t i = 0, j = n;
    while (i < j) {
        int64_t h = (int64_t)((uint64_t)(i + j) >> 1);
        Value r = call1(t, f, v_make_int(h));
        if (r == V_UNDEF)
            return -1;
        if (r != V_TRUE)
            i = h + 1;
        else
            j = h;
    }
    rets[0] = v_make_int(i);
    return 1;
}

static int f_find(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t n;
    if (!vm_check_int(t, "sort.Find", args, 0, &n))
        return -1;
    Value f = args[1];
    int64_t i = 0, j = n;
    while (i < j) {
        int64_t h = (int64_t)((uint64_t)(i + j) >> 1);
        Value r = call1(t, f, v_make_int(h));
        if (r == V_UNDEF)
            return -1;
        if (v_is_anyint(r) && v_anyint(r) > 0)
            i = h + 1;
        else
            j = h;
    }
    bool found = false;
    if (i < n) {
        Value r = call1(t, f, v_make_int(i));
        if (r == V_UNDEF)
            return -1;
        found = v_is_anyint(r) && v_anyint(r) == 0;
    }
    rets[0] = v_make_int(i);
    rets[1] = v_bool(found);
    return 2;
}

/* a >= x as Go's operator on two values of one ordered type: false when
 * either is NaN. */
static bool ge(Value a, Value x)
{
    Value ua = v_unnamed(a), ux = v_unnamed(x);
    if ((v_is_anyfloat(ua) && isnan(v_anyfloat(ua))) || (v_is_anyfloat(ux) && isnan(v_anyfloat(ux))))
        return false;
    return sort_compare(a, x) >= 0;
}

/* The first index i of sorted s where s[i] >= x (Go's SearchInts...). */
static int64_t search_ge(const SliceView *s, Value x)
{
    int64_t i = 0, j = s->n;
    while (i < j) {
        int64_t h = (int64_t)((uint64_t)(i + j) >> 1);
        if (!ge(sort_get(s, h), x))
            i = h + 1;
        else
            j = h;
    }
    return i;
}

static int search_typed(Thread *t, Value *args, Value *rets, const char *fname, const char *elem)
{
    SliceView s;
    if (!slice_arg(t, fname, args, 0, elem, &s) || sort_check_ordered(t, fname, &s) < 0)
        return -1;
    if (!sort_is_ordered(args[1]) || (v_is_str(v_unnamed(args[1])) != (strcmp(elem, "string") == 0)))
        return vm_panicf(t, E_ARG_TYPE, fname, 2, elem, format_type_name(args[1]));
    rets[0] = v_make_int(search_ge(&s, args[1]));
    return 1;
}

static int f_search_ints(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return search_typed(t, args, rets, "sort.SearchInts", "int");
}

static int f_search_strings(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return search_typed(t, args, rets, "sort.SearchStrings", "string");
}

static int f_search_float64s(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return search_typed(t, args, rets, "sort.SearchFloat64s", "float64");
}

/* ---- IntSlice, StringSlice, Float64Slice ------------------------------- */

/* sort.IntSlice(x): a slice of x's array with the module's type. */
static int convert_xslice(Thread *t, Value *args, Value *rets, const ObjType *ty)
{
    const char *elem = ty == intslice_type ? "int" : ty == stringslice_type ? "string" : "float64";
    SliceView s;
    if (!slice_arg(t, ty->name, args, 0, elem, &s))
        return -1;
    if (!s.st)
        rets[0] = v_from_ptr(list_nil(ty));
    else
        rets[0] = v_from_ptr(list_view(s.st, s.off, s.off + (size_t)s.n, s.off + (size_t)s.cap, ty));
    return 1;
}

static int f_intslice(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return convert_xslice(t, args, rets, intslice_type);
}

static int f_stringslice(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return convert_xslice(t, args, rets, stringslice_type);
}

static int f_float64slice(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return convert_xslice(t, args, rets, float64slice_type);
}

/* The receiver of an XSlice method, and index arguments checked against
 * its length as Go's indexing checks them. */
static bool recv_view(Value self, SliceView *s)
{
    if (v_is_ref(self)) {
        Value *sl = ref_slot(self);
        self = sl ? *sl : V_NIL;
    }
    return sort_view(self, s);
}

static bool index_arg(Thread *t, const SliceView *s, Value v, int64_t *out)
{
    v = v_unnamed(v);
    if (!v_is_anyint(v)) {
        vm_panicf(t, E_INDEX_NOT_INT, "slice", format_type_name(v));
        return false;
    }
    *out = v_anyint(v);
    if (*out < 0 || *out >= s->n) {
        vm_panicf(t, E_INDEX_RANGE, (long long)*out, (long long)s->n);
        return false;
    }
    return true;
}

static int m_len(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    SliceView s;
    recv_view(args[0], &s);
    rets[0] = v_make_int(s.n);
    return 1;
}

static int m_less(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    int64_t i, j;
    recv_view(args[0], &s);
    if (!index_arg(t, &s, args[1], &i) || !index_arg(t, &s, args[2], &j))
        return -1;
    rets[0] = v_bool(sort_less(sort_get(&s, i), sort_get(&s, j)));
    return 1;
}

static int m_swap(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    SliceView s;
    int64_t i, j;
    recv_view(args[0], &s);
    if (!index_arg(t, &s, args[1], &i) || !index_arg(t, &s, args[2], &j))
        return -1;
    Value x = sort_get(&s, i);
    sort_set(&s, i, sort_get(&s, j));
    sort_set(&s, j, x);
    return 0;
}

static int m_sort(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    SliceView s;
    recv_view(args[0], &s);
    return sort_ordered(t, "sort.Sort", &s) < 0 ? -1 : 0;
}

static int m_search(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    SliceView s;
    recv_view(args[0], &s);
    if (sort_check_ordered(t, "sort.Search", &s) < 0)
        return -1;
    rets[0] = v_make_int(search_ge(&s, args[1]));
    return 1;
}

/* A native method of one of the module's types: args[0] is the receiver. */
static void add_method(ObjType *ty, const char *name, NativeFn fn, int nargs, const char *sig)
{
    size_t a = strlen(ty->name), b = strlen(name);
    char *q = mem_alloc_atomic(a + b + 2);
    memcpy(q, ty->name, a);
    q[a] = '.';
    memcpy(q + a + 1, name, b + 1);
    ObjNative *m = native_new(q, fn, nargs + 1, nargs + 1);
    m->h.flags = NATIVE_METHOD;
    types_add_method(ty, str_cstr(name), v_from_ptr(m), false, types_sig(sig, strlen(sig)));
}

static ObjType *declare(const char *name, const char *under)
{
    ObjType *ty = types_new_named(name);
    types_define(ty, types_parse(under, strlen(under)));
    return ty;
}

static ObjType *xslice(const char *name, const char *under, const char *elem)
{
    ObjType *ty = declare(name, under);
    char sig[64];
    add_method(ty, "Len", m_len, 0, "() int");
    add_method(ty, "Less", m_less, 2, "(i, j int) bool");
    add_method(ty, "Swap", m_swap, 2, "(i, j int)");
    add_method(ty, "Sort", m_sort, 0, "()");
    snprintf(sig, sizeof sig, "(x %s) int", elem);
    add_method(ty, "Search", m_search, 1, sig);
    types_register_type(ty);
    return ty;
}

/* ---- the module ---------------------------------------------------------- */

static const ModuleFn sort_fns[] = {
    {"Ints", f_ints, 1, 1, "func([]int)"},
    {"Strings", f_strings, 1, 1, "func([]string)"},
    {"Float64s", f_float64s, 1, 1, "func([]float64)"},
    {"IntsAreSorted", f_ints_sorted, 1, 1, "func([]int) bool"},
    {"StringsAreSorted", f_strings_sorted, 1, 1, "func([]string) bool"},
    {"Float64sAreSorted", f_float64s_sorted, 1, 1, "func([]float64) bool"},
    {"Slice", f_slice, 2, 2, "func(any, func(int, int) bool)"},
    {"SliceStable", f_slice_stable, 2, 2, "func(any, func(int, int) bool)"},
    {"SliceIsSorted", f_slice_is_sorted, 2, 2, "func(any, func(int, int) bool) bool"},
    {"Sort", f_sort, 1, 1, "func(sort.Interface)"},
    {"Stable", f_stable, 1, 1, "func(sort.Interface)"},
    {"IsSorted", f_is_sorted, 1, 1, "func(sort.Interface) bool"},
    {"Reverse", f_reverse, 1, 1, "func(sort.Interface) sort.Interface"},
    {"Search", f_search, 2, 2, "func(int, func(int) bool) int"},
    {"Find", f_find, 2, 2, "func(int, func(int) int) (int, bool)"},
    {"SearchInts", f_search_ints, 2, 2, "func([]int, int) int"},
    {"SearchStrings", f_search_strings, 2, 2, "func([]string, string) int"},
    {"SearchFloat64s", f_search_float64s, 2, 2, "func([]float64, float64) int"},
    {"Interface", f_interface, 1, 1, "func(sort.Interface) sort.Interface"},
    {"IntSlice", f_intslice, 1, 1, "func([]int) sort.IntSlice"},
    {"StringSlice", f_stringslice, 1, 1, "func([]string) sort.StringSlice"},
    {"Float64Slice", f_float64slice, 1, 1, "func([]float64) sort.Float64Slice"},
    {NULL, NULL, 0, 0, NULL},
};

static void sort_open(ObjModule *m)
{
    name_len = str_cstr("Len");
    name_less = str_cstr("Less");
    name_swap = str_cstr("Swap");
    iface_type = declare("sort.Interface", "interface { Len() int; Less(i, j int) bool; Swap(i, j int) }");
    types_register_type(iface_type);
    intslice_type = xslice("sort.IntSlice", "[]int", "int");
    stringslice_type = xslice("sort.StringSlice", "[]string", "string");
    float64slice_type = xslice("sort.Float64Slice", "[]float64", "float64");
    reverse_type = declare("sort.reverse", "struct { sort.Interface }");
    add_method(reverse_type, "Less", m_reverse_less, 2, "(i, j int) bool");
    types_register_type(reverse_type);
    module_add_fns(m, sort_fns);
}

const ModuleDef csp_module_sort = {"sort", sort_open};
