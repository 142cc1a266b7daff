/* test_object.c — the value word and the objects of vm/object.c: numbers
 * (inline, flonum and boxed), strings, lists, cells, natives, errors,
 * native objects and their method cache, type names and equality. */
#include <float.h>
#include <gc/gc.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vm/object.h"
#include "vm/types.h"

static int setup(void **state)
{
    GC_INIT();
    return 0;
}

/* ---- numbers ---------------------------------------------------------- */

static void check_int(int64_t i, bool inline_expected)
{
    Value v = v_make_int(i);
    assert_int_equal(v_is_int(v), inline_expected);
    assert_int_equal(v_is_obj(v, OBJ_BOXINT), !inline_expected);
    assert_true(v_is_anyint(v));
    assert_false(v_is_anyfloat(v));
    assert_true(v_anyint(v) == i);
    assert_string_equal(v_type_name(v), "int");
}

/* Test that ints inside 63 bits are inline and ints outside are boxed, with
 * exact round trips at both boundaries. */
static void test_object_int_roundtrip(void **state)
{
    check_int(0, true);
    check_int(1, true);
    check_int(-1, true);
    check_int(V_INT_MAX, true);
    check_int(V_INT_MIN, true);
    check_int(V_INT_MAX + 1, false);
    check_int(V_INT_MIN - 1, false);
    check_int(INT64_MAX, false);
    check_int(INT64_MIN, false);
    assert_true(V_INT_MAX == ((int64_t)1 << 62) - 1);
    for (int64_t i = -1000; i <= 1000; i++)
        assert_true(v_int(v_make_int(i)) == i);
}

static void check_float(double d, bool flonum_expected)
{
    Value v = v_make_float(d);
    assert_int_equal(v_is_flonum(v), flonum_expected);
    assert_int_equal(v_is_obj(v, OBJ_BOXFLOAT), !flonum_expected);
    assert_true(v_is_anyfloat(v));
    assert_false(v_is_anyint(v));
    double back = v_anyfloat(v);
    /* Bit-exact: keeps -0.0's sign and NaN payloads. */
    assert_memory_equal(&back, &d, sizeof d);
    assert_string_equal(v_type_name(v), "float");
}

/* Test that doubles in the flonum exponent range are inline, everything else
 * (-0.0, NaN, Inf, denormals, huge and tiny values) is boxed, and all round
 * trip bit-exactly. */
static void test_object_float_roundtrip(void **state)
{
    check_float(0.0, true);
    assert_true(v_make_float(0.0) == V_FLONUM_ZERO);
    check_float(-0.0, false);
    check_float(1.0, true);
    check_float(-1.0, true);
    check_float(0.1, true);
    check_float(-2.5, true);
    check_float(3.141592653589793, true);
    check_float(1e300, false);
    check_float(-1e300, false);
    check_float(INFINITY, false);
    check_float(-INFINITY, false);
    check_float(NAN, false);
    check_float(5e-324, false);                  /* smallest denormal */
    check_float(2.2250738585072009e-308, false); /* largest denormal */
    check_float(DBL_MAX, false);
    /* Flonum range edges: exponent fields 0x300..0x4ff, so magnitudes in
     * [2^-255, 2^257) (value.h says 2^256; the encoding gives one octave
     * more). 2^-255 itself is the double whose pattern +0.0 borrows
     * (0x3000000000000000), so it is boxed; so is -2^-255, which the
     * encoder's one range test on the magnitude excludes with it. */
    double lo = ldexp(1.0, -255), hi = ldexp(1.0, 257);
    uint64_t bits;
    memcpy(&bits, &lo, sizeof bits);
    assert_true(bits == 0x3000000000000000ULL);
    check_float(lo, false);
    check_float(-lo, false);
    check_float(nextafter(lo, 1.0), true);
    check_float(nextafter(lo, 0.0), false);
    check_float(-nextafter(lo, 0.0), false);
    check_float(nextafter(hi, 0.0), true);
    check_float(-nextafter(hi, 0.0), true);
    check_float(hi, false);
    check_float(-hi, false);
    /* A sweep of exponents, both signs: 1.5 * 2^e is inline exactly for
     * e in [-255, 256]. */
    for (int e = -1074; e <= 1023; e++) {
        double d = ldexp(1.5, e);
        if (isinf(d) || d == 0.0)
            continue;
        bool in = e >= -255 && e <= 256;
        check_float(d, in);
        check_float(-d, in);
    }
}

/* Test that nil, false, true and V_UNDEF have their fixed words and are not
 * mistaken for ints, floats or pointers. */
static void test_object_nil_bool_tags(void **state)
{
    assert_true(v_is_nil(V_NIL));
    assert_true(v_is_bool(V_TRUE) && v_is_bool(V_FALSE));
    assert_false(v_is_bool(V_NIL) || v_is_bool(V_UNDEF));
    assert_true(v_bool(true) == V_TRUE && v_bool(false) == V_FALSE);
    Value words[] = {V_NIL, V_TRUE, V_FALSE, V_UNDEF};
    for (size_t i = 0; i < 4; i++) {
        assert_false(v_is_int(words[i]));
        assert_false(v_is_flonum(words[i]));
        assert_false(v_is_ptr(words[i]));
    }
    assert_string_equal(v_type_name(V_NIL), "nil");
    assert_string_equal(v_type_name(V_TRUE), "bool");
    assert_string_equal(v_type_name(V_FALSE), "bool");
}

/* ---- strings ---------------------------------------------------------- */

/* Test that strings hold their bytes (embedded NULs included), are
 * NUL-terminated, and that str_cstr and the empty string work. */
static void test_object_string_basics(void **state)
{
    ObjString *s = str_new("a\0b", 3);
    assert_int_equal(s->h.kind, OBJ_STRING);
    assert_int_equal(s->len, 3);
    assert_memory_equal(s->data, "a\0b", 4);
    assert_int_equal(s->hash, 0);
    ObjString *e = str_new(NULL, 0);
    assert_int_equal(e->len, 0);
    assert_int_equal(e->data[0], 0);
    ObjString *c = str_cstr("hello");
    assert_int_equal(c->len, 5);
    assert_string_equal(c->data, "hello");
    assert_true(v_is_str(v_cstr("x")));
    assert_string_equal(v_type_name(v_from_ptr(c)), "string");
    ObjString *a = str_alloc(4);
    assert_int_equal(a->data[4], 0);
    /* Heap objects are 16-aligned: the value word's tag bits are free. */
    assert_int_equal((uintptr_t)c & 15, 0);
}

/* Test that str_concat and str_printf build the expected bytes, including
 * output longer than str_printf's stack buffer. */
static void test_object_string_concat_printf(void **state)
{
    ObjString *ab = str_concat(str_cstr("foo"), str_cstr("bar"));
    assert_int_equal(ab->len, 6);
    assert_string_equal(ab->data, "foobar");
    assert_int_equal(str_concat(str_cstr(""), str_cstr(""))->len, 0);
    ObjString *p = str_printf("%s=%d", "x", 42);
    assert_string_equal(p->data, "x=42");
    assert_int_equal(p->len, 4);
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = 0;
    ObjString *q = str_printf("<%s>", big);
    assert_int_equal(q->len, 1001);
    assert_int_equal(q->data[0], '<');
    assert_int_equal(q->data[1000], '>');
    assert_int_equal(q->data[1001], 0);
}

/* Test that the hash is never 0, is cached, depends only on the bytes, agrees
 * with str_hash_bytes, and spreads similar keys over distinct values. */
static void test_object_string_hash(void **state)
{
    ObjString *a = str_cstr("w4711"), *b = str_new("w4711", 5);
    uint32_t ha = str_hash(a);
    assert_int_not_equal(ha, 0);
    assert_int_equal(a->hash, ha);
    assert_int_equal(str_hash(b), ha);
    assert_int_equal(str_hash_bytes("w4711", 5), ha);
    assert_int_not_equal(str_hash(str_cstr("")), 0);
    /* Every length through the short, medium and three-lane paths. */
    char buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)('a' + i % 26);
    uint32_t prev = 0;
    for (size_t n = 0; n < sizeof buf; n++) {
        uint32_t h = str_hash_bytes(buf, n);
        assert_int_not_equal(h, 0);
        assert_int_not_equal(h, prev);
        assert_int_equal(str_hash(str_new(buf, n)), h);
        prev = h;
    }
    /* 200k similar keys: full-hash collisions are a handful at most, and
     * the low 16 bits (what a small index uses) fill nearly every bucket. */
    enum { N = 200000 };
    uint32_t *hs = GC_MALLOC_ATOMIC(N * sizeof *hs);
    static uint8_t seen[65536];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < N; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "w%d", i);
        hs[i] = str_hash_bytes(k, (size_t)n);
        seen[hs[i] & 0xffff] = 1;
    }
    int buckets = 0;
    for (int i = 0; i < 65536; i++)
        buckets += seen[i];
    assert_true(buckets > 65536 * 95 / 100);
    /* Count full collisions by sorting. */
    for (int gap = N / 2; gap > 0; gap /= 2) /* shell sort: no qsort callback */
        for (int i = gap; i < N; i++)
            for (int j = i; j >= gap && hs[j - gap] > hs[j]; j -= gap) {
                uint32_t t = hs[j];
                hs[j] = hs[j - gap];
                hs[j - gap] = t;
            }
    int coll = 0;
    for (int i = 1; i < N; i++)
        coll += hs[i] == hs[i - 1];
    assert_true(coll < 30); /* ~5 expected from the birthday bound */
}

/* Test that str_eq compares contents, lengths and hashes correctly. */
static void test_object_string_eq(void **state)
{
    ObjString *a = str_cstr("abc"), *b = str_cstr("abc"), *c = str_cstr("abd"), *d = str_cstr("ab");
    assert_true(str_eq(a, a));
    assert_true(str_eq(a, b));
    assert_false(str_eq(a, c));
    assert_false(str_eq(a, d));
    str_hash(a);
    str_hash(c);
    assert_false(str_eq(a, c));
    str_hash(b);
    assert_true(str_eq(a, b));
    assert_true(str_eq(str_cstr(""), str_cstr("")));
}

/* ---- lists ------------------------------------------------------------ */

/* Test that list_new makes len nils, puts a small list's store in the same
 * block as its header, and bounds-checks reads and writes. */
static void test_object_list_new_get_set(void **state)
{
    ObjList *l = list_new(3, 0);
    assert_int_equal(l->h.kind, OBJ_LIST);
    assert_int_equal(l->len, 3);
    assert_true(l->store->cap >= 3);
    assert_ptr_equal(l->store, (ListStore *)(l + 1));
    Value v = V_TRUE;
    for (int64_t i = 0; i < 3; i++) {
        assert_true(list_get(l, i, &v));
        assert_true(v == V_NIL);
    }
    assert_false(list_get(l, 3, &v));
    assert_false(list_get(l, -1, &v));
    assert_false(list_get(l, INT64_MIN, &v));
    assert_true(list_set(l, 2, v_make_int(7)));
    assert_false(list_set(l, 3, V_TRUE));
    assert_false(list_set(l, -1, V_TRUE));
    assert_true(list_get(l, 2, &v) && v_int(v) == 7);
    assert_string_equal(v_type_name(v_from_ptr(l)), "list");
    /* Bigger lists get a separate store. */
    ObjList *big = list_new(100, 200);
    assert_int_equal(big->len, 100);
    assert_int_equal(big->store->cap, 200);
    assert_true(list_get(big, 99, &v) && v == V_NIL);
    assert_false(list_get(big, 100, &v));
    ObjList *empty = list_new(0, 0);
    assert_false(list_get(empty, 0, &v));
}

/* Test that appends grow the store as Go's append does (doubling while
 * small, then by about 1.25x), keep every item, and never shrink the
 * store. */
static void test_object_list_append_growth(void **state)
{
    ObjList *l = list_new(0, 0);
    size_t last_cap = l->store->cap;
    int grows = 0;
    for (int64_t i = 0; i < 100000; i++) {
        list_append(l, v_make_int(i * 3));
        assert_int_equal(l->len, (size_t)i + 1);
        if (l->store->cap != last_cap) {
            assert_true(l->store->cap >= (last_cap < 256 ? 2 * last_cap : last_cap + last_cap / 4));
            assert_int_equal(l->cap, l->store->cap);
            last_cap = l->store->cap;
            grows++;
        }
    }
    assert_true(grows < 40);
    for (int64_t i = 0; i < 100000; i++) {
        Value v;
        assert_true(list_get(l, i, &v));
        assert_true(v_int(v) == i * 3);
    }
    list_reserve(l, 10);
    assert_int_equal(l->store->cap, last_cap);
    list_reserve(l, last_cap + 5);
    assert_true(l->store->cap >= last_cap + 5);
    Value v;
    assert_true(list_get(l, 99999, &v) && v_int(v) == 99999 * 3);
}

/* Test that list_from copies, and list_slice makes a header on the same
 * store (writes are shared, an append past its length writes the store as
 * Go's does), including empty and clamped ranges. */
static void test_object_list_from_slice(void **state)
{
    Value items[5];
    for (int i = 0; i < 5; i++)
        items[i] = v_make_int(i);
    ObjList *l = list_from(items, 5);
    items[0] = V_NIL;
    Value v;
    assert_true(list_get(l, 0, &v) && v_int(v) == 0);
    ObjList *s = list_slice(l, 1, 4);
    assert_int_equal(s->len, 3);
    for (int64_t i = 0; i < 3; i++)
        assert_true(list_get(s, i, &v) && v_int(v) == i + 1);
    assert_int_equal(s->cap, 4);
    list_set(s, 0, V_TRUE);
    assert_true(list_get(l, 1, &v) && v == V_TRUE);
    list_append(s, V_FALSE);
    assert_int_equal(l->len, 5);
    assert_true(list_get(l, 4, &v) && v == V_FALSE);
    assert_int_equal(list_slice(l, 2, 2)->len, 0);
    assert_int_equal(list_slice(l, 0, 5)->len, 5);
    /* Bounds past the store are clamped, never read. */
    assert_true(list_slice(l, 3, 1000000)->len <= l->store->cap);
    assert_int_equal(list_from(NULL, 0)->len, 0);
}

/* Test that list_grow_cap gives the capacities Go's append gives an []int
 * (doubling, size classes, then about 1.25x), and list_appended makes a
 * new header that writes in place while the capacity lasts. */
static void test_object_list_go_growth(void **state)
{
    /* caps Go 1.19 prints for 600 single appends to a nil []int */
    const size_t go_caps[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 848};
    size_t cap = 0;
    for (size_t i = 0; i < sizeof go_caps / sizeof go_caps[0]; i++) {
        cap = list_grow_cap(cap, cap + 1);
        assert_int_equal(cap, go_caps[i]);
    }
    assert_int_equal(list_grow_cap(0, 5), 6);  /* append(nil, 1, 2, 3, 4, 5) */
    assert_int_equal(list_grow_cap(6, 8), 12); /* then three more */
    ObjList *a = list_new(3, 10);
    Value four = v_make_int(4), five = v_make_int(5), v;
    ObjList *b = list_appended(a, &four, 1);
    ObjList *c = list_appended(a, &five, 1);
    assert_int_equal(a->len, 3);
    assert_ptr_equal(b->store, a->store);
    assert_true(list_get(b, 3, &v) && v == five); /* c wrote the slot b sees */
    ObjList *full = list_new(2, 2);
    ObjList *grown = list_appended(full, &four, 1);
    assert_true(grown->store != full->store);
    assert_int_equal(grown->cap, 4);
    assert_int_equal(list_appended(NULL, &four, 1)->cap, 1); /* append(nil, 4) */
    assert_int_equal(c->len, 4);
}

/* Test that a slice header keeps its type through list_set_type and
 * list_type, one number per descriptor, and sub-slices keep it. */
static void test_object_list_type(void **state)
{
    ObjType *f64 = types_parse("[]float64", 9), *str = types_parse("[]string", 8);
    ObjList *a = list_new(2, 2), *b = list_new(0, 4), *c = list_nil(str);
    assert_null(list_type(a));
    list_set_type(a, f64);
    list_set_type(b, f64);
    assert_ptr_equal(list_type(a), f64);
    assert_int_equal(a->tid, b->tid);
    assert_ptr_equal(list_type(c), str);
    assert_true(list_is_nil(v_from_ptr(c)) && !list_is_nil(v_from_ptr(b)));
    assert_ptr_equal(list_type(list_slice(a, 1, 2)), f64);
    list_set_type(a, NULL);
    assert_null(list_type(a));
}

/* Test that v_copy clones an array (nested arrays too) and marks a slice
 * header shared, leaving other values as they are. */
static void test_object_v_copy(void **state)
{
    ObjArray *inner = array_new(NULL, 2);
    inner->st.items[0] = v_make_int(1);
    ObjArray *outer = array_new(NULL, 2);
    outer->st.items[0] = v_from_ptr(inner);
    ObjList *l = list_new(1, 1);
    outer->st.items[1] = v_from_ptr(l);
    Value c = v_copy(v_from_ptr(outer));
    assert_true(c != v_from_ptr(outer));
    ObjArray *co = v_ptr(c);
    assert_true(co->st.items[0] != v_from_ptr(inner)); /* cloned with it */
    assert_true(v_equal(c, v_from_ptr(outer)));
    assert_true(co->st.items[1] == v_from_ptr(l)); /* the slice is shared */
    assert_true(l->h.flags & LIST_SHARED);
    assert_true(v_copy(v_make_int(7)) == v_make_int(7));
    ((ObjArray *)v_ptr(co->st.items[0]))->st.items[0] = v_make_int(9);
    assert_false(v_equal(c, v_from_ptr(outer)));
}

/* ---- cells, natives, errors, objects ------------------------------------ */

static int dummy_native(struct Thread *t, Value *args, int nargs, Value *rets)
{
    return 0;
}
static int dummy_method(struct Thread *t, Value *args, int nargs, Value *rets)
{
    return 1;
}

/* Test that cells, natives and errors are built with their fields, and that
 * v_error formats its message (also past the stack buffer). */
static void test_object_cell_native_error(void **state)
{
    ObjCell *c = cell_new(v_make_int(5));
    assert_int_equal(c->h.kind, OBJ_CELL);
    assert_true(v_int(c->v) == 5);
    ObjNative *n = native_new("fmt.Println", dummy_native, 0, -1);
    assert_int_equal(n->h.kind, OBJ_NATIVE);
    assert_ptr_equal(n->fn, dummy_native);
    assert_string_equal(n->name, "fmt.Println");
    assert_int_equal(n->min_args, 0);
    assert_int_equal(n->max_args, -1);
    assert_true(n->data == V_NIL);
    assert_string_equal(v_type_name(v_from_ptr(n)), "func");
    ObjError *e = error_new(str_cstr("boom"), true);
    assert_int_equal(e->h.kind, OBJ_ERROR);
    assert_int_equal(e->runtime, 1);
    assert_string_equal(e->msg->data, "boom");
    Value ev = v_error("bad %s %d", "thing", 3);
    assert_true(v_is_obj(ev, OBJ_ERROR));
    assert_string_equal(((ObjError *)v_ptr(ev))->msg->data, "bad thing 3");
    assert_int_equal(((ObjError *)v_ptr(ev))->runtime, 0);
    assert_string_equal(v_type_name(ev), "error");
    char big[600];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = 0;
    Value ev2 = v_error("%s!", big);
    assert_int_equal(((ObjError *)v_ptr(ev2))->msg->len, 600);
}

static const MethodDef mutex_methods[] = {
    {"Lock", dummy_method, 0, 0}, {"Unlock", dummy_method, 0, 0}, {"TryLock", dummy_native, 0, 0},
    {"Lock", dummy_native, 1, 1}, /* duplicate: the first wins */
    {NULL, NULL, 0, 0},
};
static const ObjClass mutex_class = {.name = "sync.Mutex", .methods = mutex_methods, .get_field = NULL};
static const MethodDef var_methods[] = {{"Do", dummy_method, 1, -1}, {NULL, NULL, 0, 0}};
static const ObjClass var_class = {.name = "sync.Once", .methods = var_methods, .get_field = NULL};
static const ObjClass bare_class = {.name = "bare", .methods = NULL, .get_field = NULL};

/* Test that class_method finds each method (as a cached ObjNative whose
 * argument counts include the receiver), misses unknown names, and keeps
 * classes apart. */
static void test_object_class_method(void **state)
{
    ObjObject *o = object_new(&mutex_class, NULL);
    assert_int_equal(o->h.kind, OBJ_OBJECT);
    assert_string_equal(v_type_name(v_from_ptr(o)), "sync.Mutex");
    ObjNative *lock = class_method(&mutex_class, str_cstr("Lock"));
    assert_non_null(lock);
    assert_ptr_equal(lock->fn, dummy_method);
    assert_string_equal(lock->name, "sync.Mutex.Lock");
    assert_int_equal(lock->h.flags, NATIVE_METHOD);
    assert_int_equal(lock->min_args, 1);
    assert_int_equal(lock->max_args, 1);
    /* Cached: another string with the same bytes gives the same native. */
    assert_ptr_equal(class_method(&mutex_class, str_cstr("Lock")), lock);
    ObjString *name = str_cstr("Unlock");
    ObjNative *un = class_method(&mutex_class, name);
    assert_non_null(un);
    assert_ptr_equal(class_method(&mutex_class, name), un);
    assert_ptr_not_equal(un, lock);
    assert_null(class_method(&mutex_class, str_cstr("Lock2")));
    assert_null(class_method(&mutex_class, str_cstr("")));
    assert_null(class_method(&mutex_class, str_cstr("lock")));
    ObjNative *d = class_method(&var_class, str_cstr("Do"));
    assert_non_null(d);
    assert_int_equal(d->min_args, 2);
    assert_int_equal(d->max_args, -1);
    assert_null(class_method(&var_class, str_cstr("Lock")));
    assert_null(class_method(&bare_class, str_cstr("Lock")));
    assert_null(class_method(NULL, name));
    assert_null(class_method(&mutex_class, NULL));
}

/* Test that many classes (forcing the class index to grow) all keep their
 * methods. */
static void test_object_class_method_many(void **state)
{
    enum { NC = 100 };
    static ObjClass classes[NC];
    static MethodDef defs[NC][3];
    static char names[NC][16];
    for (int i = 0; i < NC; i++) {
        snprintf(names[i], sizeof names[i], "M%d", i);
        defs[i][0] = (MethodDef){names[i], dummy_method, 0, 0};
        defs[i][1] = (MethodDef){"Common", dummy_native, 0, 2};
        defs[i][2] = (MethodDef){NULL, NULL, 0, 0};
        classes[i] = (ObjClass){.name = "many", .methods = defs[i]};
        assert_non_null(class_method(&classes[i], str_cstr("Common")));
    }
    for (int i = 0; i < NC; i++) {
        ObjNative *m = class_method(&classes[i], str_cstr(names[i]));
        assert_non_null(m);
        assert_ptr_equal(m->fn, dummy_method);
        assert_null(class_method(&classes[i], str_cstr(names[(i + 1) % NC])));
        assert_int_equal(class_method(&classes[i], str_cstr("Common"))->max_args, 3);
    }
}

/* ---- type names and equality ---------------------------------------------- */

/* Test the type name of every kind of value. */
static void test_object_type_names(void **state)
{
    assert_string_equal(v_type_name(v_from_ptr(map_new(0))), "map");
    ObjBound *b = GC_MALLOC(sizeof *b);
    b->h.kind = OBJ_BOUND;
    assert_string_equal(v_type_name(v_from_ptr(b)), "func");
    ObjClosure *cl = GC_MALLOC(sizeof *cl);
    cl->h.kind = OBJ_CLOSURE;
    assert_string_equal(v_type_name(v_from_ptr(cl)), "func");
    Obj *ch = GC_MALLOC(sizeof(Obj) * 2);
    ch->kind = OBJ_CHAN;
    assert_string_equal(v_type_name(v_from_ptr(ch)), "chan");
    ObjModule *mod = GC_MALLOC(sizeof *mod);
    mod->h.kind = OBJ_MODULE;
    assert_string_equal(v_type_name(v_from_ptr(mod)), "module");
    assert_string_equal(v_type_name(v_make_int(INT64_MAX)), "int");
    assert_string_equal(v_type_name(v_make_float(NAN)), "float");
    assert_string_equal(v_type_name(v_from_ptr(object_new(&bare_class, NULL))), "bare");
    /* A corrupt kind names something rather than crashing. */
    Obj *junk = GC_MALLOC(sizeof(Obj) * 2);
    junk->kind = 9999;
    assert_non_null(v_type_name(v_from_ptr(junk)));
}

/* Test that == compares numbers by value across int, float and boxes
 * (exactly), strings by content, and everything else by identity. */
static void test_object_equal(void **state)
{
    assert_true(v_equal(v_make_int(1), v_make_float(1.0)));
    assert_true(v_equal(v_make_float(1.0), v_make_int(1)));
    assert_false(v_equal(v_make_int(1), v_make_float(1.5)));
    assert_true(v_equal(v_make_int(0), v_make_float(-0.0)));
    assert_true(v_equal(v_make_float(0.0), v_make_float(-0.0)));
    assert_false(v_equal(v_make_int(1), v_make_int(2)));
    /* Boxed ints: different boxes, same value. */
    assert_true(v_equal(v_make_int(INT64_MAX), v_make_int(INT64_MAX)));
    assert_false(v_equal(v_make_int(INT64_MAX), v_make_int(INT64_MAX - 1)));
    assert_true(v_equal(v_make_int((int64_t)1 << 62), v_make_float(ldexp(1, 62))));
    assert_true(v_equal(v_make_int(INT64_MIN), v_make_float(-ldexp(1, 63))));
    /* 2^63 is outside int64: equal to no int. */
    assert_false(v_equal(v_make_int(INT64_MAX), v_make_float(ldexp(1, 63))));
    /* Exact, not via double: 2^53+1 != 2^53. */
    int64_t p53 = (int64_t)1 << 53;
    assert_false(v_equal(v_make_int(p53 + 1), v_make_float((double)p53)));
    assert_true(v_equal(v_make_int(p53), v_make_float((double)p53)));
    /* NaN equals nothing, not even itself (same box). */
    Value nan = v_make_float(NAN);
    assert_false(v_equal(nan, nan));
    assert_false(v_equal(nan, v_make_float(NAN)));
    Value inf = v_make_float(INFINITY);
    assert_true(v_equal(inf, v_make_float(INFINITY)));
    assert_false(v_equal(inf, v_make_int(INT64_MAX)));
    assert_true(v_equal(v_make_float(1e300), v_make_float(1e300)));
    assert_true(v_equal(v_make_float(5e-324), v_make_float(5e-324)));
    /* Strings, bools, nil. */
    assert_true(v_equal(v_cstr("ab"), v_cstr("ab")));
    assert_false(v_equal(v_cstr("ab"), v_cstr("abc")));
    assert_false(v_equal(v_cstr("1"), v_make_int(1)));
    assert_true(v_equal(V_TRUE, V_TRUE));
    assert_false(v_equal(V_TRUE, V_FALSE));
    assert_true(v_equal(V_NIL, V_NIL));
    assert_false(v_equal(V_NIL, V_FALSE));
    assert_false(v_equal(V_NIL, v_make_int(0)));
    assert_false(v_equal(V_FALSE, v_make_int(0)));
    /* Identity for lists and maps. */
    ObjList *a = list_new(0, 0), *b = list_new(0, 0);
    assert_true(v_equal(v_from_ptr(a), v_from_ptr(a)));
    assert_false(v_equal(v_from_ptr(a), v_from_ptr(b)));
    assert_false(v_equal(v_from_ptr(a), V_NIL));
}

/* ---- threads ------------------------------------------------------------ */

enum { LIST_N = 200000 };

typedef struct ListShared {
    ObjList *l;
    volatile int done;
    long bad;
} ListShared;

static void *list_writer(void *arg)
{
    ListShared *sh = arg;
    for (int64_t i = 0; i < LIST_N; i++)
        list_append(sh->l, v_make_int(i));
    __atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void *list_reader(void *arg)
{
    ListShared *sh = arg;
    long bad = 0;
    while (!__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE)) {
        size_t n = __atomic_load_n(&sh->l->len, __ATOMIC_ACQUIRE);
        for (int64_t i = n > 64 ? (int64_t)n - 64 : 0; i < (int64_t)n + 4; i++) {
            Value v;
            /* Present items are exactly what the one writer stored. */
            if (list_get(sh->l, i, &v) && !(v_is_int(v) && v_int(v) == i))
                bad++;
        }
        Value v;
        list_get(sh->l, -1, &v);
    }
    __atomic_add_fetch(&sh->bad, bad, __ATOMIC_RELAXED);
    return NULL;
}

/* Test that readers racing one appender never crash and only ever see
 * items the appender stored at their index. */
static void test_object_list_threads(void **state)
{
    ListShared sh = {.l = list_new(0, 0), .done = 0, .bad = 0};
    pthread_t w, r[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&r[i], NULL, list_reader, &sh), 0);
    assert_int_equal(pthread_create(&w, NULL, list_writer, &sh), 0);
    pthread_join(w, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(r[i], NULL);
    assert_int_equal(sh.bad, 0);
    assert_int_equal(sh.l->len, LIST_N);
}

static void *list_racer(void *arg)
{
    ObjList *l = arg;
    for (int64_t i = 0; i < LIST_N; i++) {
        list_append(l, v_make_int(i));
        Value v;
        list_get(l, i, &v);
        list_set(l, i / 2, V_TRUE);
        if (i % 1000 == 0)
            list_slice(l, 0, l->len);
    }
    return NULL;
}

/* Test that several appenders racing on one list (a script bug) lose
 * updates at worst: no crash, and the length stays within what was
 * appended and the store. */
static void test_object_list_racing_appenders(void **state)
{
    ObjList *l = list_new(0, 0);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, list_racer, l), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_true(l->len >= LIST_N && l->len <= 3 * LIST_N);
    assert_true(l->len <= l->store->cap);
}

enum { FRESH_N = 64 };
static const MethodDef fresh_defs[] = {{"Lock", dummy_native, 0, 0}, {NULL, NULL, 0, 0}};
static ObjClass fresh_classes[FRESH_N];

static void *method_looker(void *arg)
{
    long *bad = arg;
    ObjString *names[] = {str_cstr("Lock"), str_cstr("Unlock"), str_cstr("Nope")};
    for (int i = 0; i < 300000; i++) {
        ObjNative *m = class_method(&mutex_class, names[i % 3]);
        if ((i % 3 == 2) != (m == NULL))
            (*bad)++;
        /* Every thread adds the fresh classes on first use, so adds race
         * with each other and with the lookups above. */
        if (i % 4000 == 0) {
            ObjNative *f = class_method(&fresh_classes[(i / 4000) % FRESH_N], names[0]);
            if (!f || f->fn != dummy_native)
                (*bad)++;
        }
    }
    return NULL;
}

/* Test that method lookups from several threads, while classes are being
 * added, always find the right method. */
static void test_object_class_method_threads(void **state)
{
    long bad[3] = {0, 0, 0};
    pthread_t t[3];
    for (int i = 0; i < FRESH_N; i++)
        fresh_classes[i] = (ObjClass){.name = "fresh", .methods = fresh_defs};
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, method_looker, &bad[i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(bad[0] + bad[1] + bad[2], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_int_roundtrip),
        cmocka_unit_test(test_object_float_roundtrip),
        cmocka_unit_test(test_object_nil_bool_tags),
        cmocka_unit_test(test_object_string_basics),
        cmocka_unit_test(test_object_string_concat_printf),
        cmocka_unit_test(test_object_string_hash),
        cmocka_unit_test(test_object_string_eq),
        cmocka_unit_test(test_object_list_new_get_set),
        cmocka_unit_test(test_object_list_append_growth),
        cmocka_unit_test(test_object_list_from_slice),
        cmocka_unit_test(test_object_list_go_growth),
        cmocka_unit_test(test_object_v_copy),
        cmocka_unit_test(test_object_list_type),
        cmocka_unit_test(test_object_cell_native_error),
        cmocka_unit_test(test_object_class_method),
        cmocka_unit_test(test_object_class_method_many),
        cmocka_unit_test(test_object_type_names),
        cmocka_unit_test(test_object_equal),
    };
    /* Threaded tests, separate so they can be run alone (e.g. under TSan
     * with the collector disabled). */
    const struct CMUnitTest threaded[] = {
        cmocka_unit_test(test_object_list_threads),
        cmocka_unit_test(test_object_list_racing_appenders),
        cmocka_unit_test(test_object_class_method_threads),
    };
    int fails = cmocka_run_group_tests_name("object", tests, setup, NULL);
    fails += cmocka_run_group_tests_name("object_threaded", threaded, setup, NULL);
    return fails;
}
