/* test_map.c — the insertion-ordered map of vm/map.c: lookups, order,
 * deletion, growth, key normalisation, bad keys, iteration under mutation,
 * v_hash, and readers racing a writer. */
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

#include "values.h"
#include "vm/object.h"
#include "vm/types.h"

static int setup(void **state)
{
    GC_INIT();
    return 0;
}

static int64_t get_int(ObjMap *m, Value k)
{
    Value v;
    assert_true(map_get(m, k, &v));
    assert_true(v_is_anyint(v));
    return v_anyint(v);
}

static bool has(ObjMap *m, Value k)
{
    Value v;
    return map_get(m, k, &v);
}

/* The keys of m in iteration order, as ints. */
static size_t keys_of(ObjMap *m, int64_t *out, size_t max)
{
    size_t cur = 0, n = 0;
    Value k, v;
    while (map_next(m, &cur, &k, &v)) {
        assert_true(n < max);
        assert_true(v_is_anyint(k));
        out[n++] = v_anyint(k);
    }
    return n;
}

/* Test that an empty map (no store yet) answers every operation. */
static void test_map_empty(void **state)
{
    ObjMap *m = map_new(0);
    assert_int_equal(m->h.kind, OBJ_MAP);
    assert_null(m->store);
    assert_int_equal(m->len, 0);
    Value k, v;
    assert_false(map_get(m, I(1), &v));
    assert_false(map_get(m, S("a"), &v));
    assert_false(map_get(m, v_make_float(0.5), &v));
    assert_false(map_get_cstr(m, "a", &v));
    size_t cur = 0;
    assert_false(map_next(m, &cur, &k, &v));
    assert_int_equal(map_delete(m, I(1)), MAP_OK);
    assert_int_equal(m->len, 0);
    /* A sized map starts with a store and the same answers. */
    ObjMap *h = map_new(100);
    assert_non_null(h->store);
    assert_true(h->store->cap >= 100);
    assert_false(map_get(h, I(1), &v));
    assert_int_equal(map_set(h, I(1), I(2)), MAP_OK);
    assert_int_equal(get_int(h, I(1)), 2);
}

/* Test insert, lookup and update for each kind of key, and map_get_cstr. */
static void test_map_insert_lookup_update(void **state)
{
    ObjMap *m = map_new(0);
    assert_int_equal(map_set(m, I(1), I(10)), MAP_OK);
    assert_int_equal(map_set(m, S("one"), I(11)), MAP_OK);
    assert_int_equal(map_set(m, v_make_float(2.5), I(12)), MAP_OK);
    assert_int_equal(map_set(m, V_NIL, I(13)), MAP_OK);
    assert_int_equal(map_set(m, V_TRUE, I(14)), MAP_OK);
    assert_int_equal(map_set(m, V_FALSE, I(15)), MAP_OK);
    assert_int_equal(m->len, 6);
    assert_int_equal(get_int(m, I(1)), 10);
    assert_int_equal(get_int(m, S("one")), 11);
    assert_int_equal(get_int(m, v_make_float(2.5)), 12);
    assert_int_equal(get_int(m, V_NIL), 13);
    assert_int_equal(get_int(m, V_TRUE), 14);
    assert_int_equal(get_int(m, V_FALSE), 15);
    Value v;
    assert_true(map_get_cstr(m, "one", &v) && v_int(v) == 11);
    assert_false(map_get_cstr(m, "on", &v));
    assert_false(map_get_cstr(m, "onex", &v));
    assert_false(has(m, I(0)));
    assert_false(has(m, S("two")));
    assert_false(has(m, v_make_float(2.25)));
    /* Updates keep the length and the position. */
    assert_int_equal(map_set(m, I(1), I(20)), MAP_OK);
    assert_int_equal(map_set(m, S("one"), I(21)), MAP_OK);
    assert_int_equal(m->len, 6);
    assert_int_equal(get_int(m, I(1)), 20);
    assert_int_equal(get_int(m, S("one")), 21);
    size_t cur = 0;
    Value k;
    assert_true(map_next(m, &cur, &k, &v));
    assert_true(k == I(1) && v_int(v) == 20);
    /* Values may be anything, nil included (present, not missing). */
    assert_int_equal(map_set(m, I(99), V_NIL), MAP_OK);
    assert_true(map_get(m, I(99), &v) && v == V_NIL);
    ObjList *l = list_new(0, 0);
    assert_int_equal(map_set(m, I(98), v_from_ptr(l)), MAP_OK);
    assert_true(map_get(m, I(98), &v) && v == v_from_ptr(l));
}

/* Test that strings are keys by content: a different string object with
 * the same bytes finds the entry, including long and empty strings. */
static void test_map_string_keys_by_content(void **state)
{
    ObjMap *m = map_new(0);
    char long_key[500];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = 0;
    assert_int_equal(map_set(m, S(""), I(1)), MAP_OK);
    assert_int_equal(map_set(m, S(long_key), I(2)), MAP_OK);
    assert_int_equal(map_set(m, v_from_ptr(str_new("a\0b", 3)), I(3)), MAP_OK);
    assert_int_equal(get_int(m, S("")), 1);
    assert_int_equal(get_int(m, S(long_key)), 2);
    assert_int_equal(get_int(m, v_from_ptr(str_new("a\0b", 3))), 3);
    assert_false(has(m, v_from_ptr(str_new("a\0c", 3))));
    assert_false(has(m, S("a")));
    long_key[498] = 'j';
    assert_false(has(m, S(long_key)));
    /* A string key is distinct from the number it spells. */
    assert_int_equal(map_set(m, S("1"), I(4)), MAP_OK);
    assert_false(has(m, I(1)));
    assert_int_equal(m->len, 4);
}

/* Test that iteration follows insertion order, deletion removes from it,
 * and a deleted key set again moves to the end. */
static void test_map_order_delete_reinsert(void **state)
{
    ObjMap *m = map_new(0);
    for (int64_t i = 0; i < 10; i++)
        map_set(m, I(100 - i), I(i));
    int64_t ks[32];
    size_t n = keys_of(m, ks, 32);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(ks[i], 100 - (int64_t)i);
    assert_int_equal(map_delete(m, I(97)), MAP_OK);
    assert_int_equal(map_delete(m, I(97)), MAP_OK); /* absent: no-op */
    assert_int_equal(map_delete(m, I(12345)), MAP_OK);
    assert_int_equal(m->len, 9);
    assert_false(has(m, I(97)));
    assert_int_equal(map_set(m, I(97), I(-1)), MAP_OK);
    assert_int_equal(m->len, 10);
    n = keys_of(m, ks, 32);
    assert_int_equal(n, 10);
    assert_int_equal(ks[9], 97);
    assert_int_equal(ks[3], 96);
    assert_int_equal(get_int(m, I(97)), -1);
    /* Delete everything; the map is empty and reusable. */
    for (int64_t i = 0; i < 10; i++)
        map_delete(m, I(100 - i));
    assert_int_equal(m->len, 0);
    assert_int_equal(keys_of(m, ks, 32), 0);
    map_set(m, I(5), I(5));
    assert_int_equal(keys_of(m, ks, 32), 1);
    /* Order survives growth: 1000 keys in a scrambled order. */
    ObjMap *g = map_new(0);
    for (int64_t i = 0; i < 1000; i++)
        map_set(g, I((i * 7919) % 1000), I(i));
    size_t cur = 0;
    Value k, v;
    for (int64_t i = 0; i < 1000; i++) {
        assert_true(map_next(g, &cur, &k, &v));
        assert_int_equal(v_int(k), (i * 7919) % 1000);
        assert_int_equal(v_int(v), i);
    }
    assert_false(map_next(g, &cur, &k, &v));
}

/* Test a million int keys: all present with their values, absent keys
 * missing, order kept, and the sum the mapint workload expects. */
static void test_map_int_keys_1m(void **state)
{
    enum { N = 1000000 };
    ObjMap *m = map_new(0);
    for (int64_t i = 0; i < N; i++)
        assert_int_equal(map_set(m, I(i), I(i * 2)), MAP_OK);
    assert_int_equal(m->len, N);
    int64_t sum = 0;
    Value v;
    for (int64_t i = 0; i < N; i++) {
        assert_true(map_get(m, I(i), &v));
        sum += v_int(v);
    }
    assert_true(sum == 999999000000LL);
    assert_false(has(m, I(N)));
    assert_false(has(m, I(-1)));
    size_t cur = 0, n = 0;
    Value k;
    while (map_next(m, &cur, &k, &v)) {
        assert_true(v_int(k) == (int64_t)n);
        n++;
    }
    assert_int_equal(n, N);
    /* The load factor holds: at most 2/3 of the index used. */
    assert_true((uint64_t)m->store->cap * 3 <= (uint64_t)(m->store->mask + 1) * 2);
}

/* Test keys that collide in their low bits (strides, shifted ints, big and
 * negative ints, boxed ints) all stay distinct and findable. */
static void test_map_int_keys_colliding_patterns(void **state)
{
    ObjMap *m = map_new(0);
    int64_t count = 0;
    for (int64_t i = 0; i < 50000; i++) {
        map_set(m, I(i << 32), I(1));
        map_set(m, I(i * 1024 + 1), I(2));
        map_set(m, I(-i - 1), I(3));
        map_set(m, I(INT64_MAX - i), I(4)); /* boxed */
        map_set(m, I(INT64_MIN + i), I(5)); /* boxed */
        count += 5;
    }
    map_set(m, I(0), I(6)); /* 0 << 32 updated, not added */
    assert_int_equal(m->len, count);
    for (int64_t i = 0; i < 50000; i++) {
        assert_int_equal(get_int(m, I(i << 32)), i == 0 ? 6 : 1);
        assert_int_equal(get_int(m, I(i * 1024 + 1)), 2);
        assert_int_equal(get_int(m, I(-i - 1)), 3);
        assert_int_equal(get_int(m, I(INT64_MAX - i)), 4);
        assert_int_equal(get_int(m, I(INT64_MIN + i)), 5);
    }
    assert_false(has(m, I(50000LL << 32)));
    assert_false(has(m, I(INT64_MAX - 50000)));
}

/* Test a million distinct string keys, looked up through fresh strings with
 * the same bytes and through map_get_cstr. */
static void test_map_string_keys_1m(void **state)
{
    enum { N = 1000000 };
    ObjMap *m = map_new(0);
    char buf[32];
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof buf, "key%d", i);
        assert_int_equal(map_set(m, S(buf), I(i)), MAP_OK);
    }
    assert_int_equal(m->len, N);
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof buf, "key%d", i);
        Value v;
        if (i % 2)
            assert_true(map_get(m, S(buf), &v));
        else
            assert_true(map_get_cstr(m, buf, &v));
        assert_int_equal(v_int(v), i);
    }
    assert_false(has(m, S("key1000000")));
    assert_false(has(m, S("key")));
}

/* Test the wordfreq workload's pattern: a million fresh "w"+str(i%5003)
 * strings counted with get-then-set. */
static void test_map_wordfreq_counts(void **state)
{
    ObjMap *m = map_new(0);
    ObjString *w = str_cstr("w");
    for (int i = 0; i < 1000000; i++) {
        Value key = v_from_ptr(str_concat(w, str_printf("%d", i % 5003)));
        Value v;
        int64_t c = map_get(m, key, &v) ? v_int(v) : 0;
        assert_int_equal(map_set(m, key, I(c + 1)), MAP_OK);
    }
    assert_int_equal(m->len, 5003);
    Value v;
    assert_true(map_get_cstr(m, "w17", &v));
    assert_int_equal(v_int(v), 200);
    assert_true(map_get_cstr(m, "w5002", &v));
    assert_int_equal(v_int(v), 199);
}

/* Test that numeric keys are normalised: integral floats (flonum or boxed,
 * -0.0 included) are the int key, non-integral floats and out-of-int64
 * floats are their own keys, and boxed ints compare by value. */
static void test_map_key_normalisation(void **state)
{
    ObjMap *m = map_new(0);
    map_set(m, I(1), S("int"));
    map_set(m, v_make_float(1.0), S("float"));
    assert_int_equal(m->len, 1);
    Value k, v;
    size_t cur = 0;
    assert_true(map_next(m, &cur, &k, &v));
    assert_true(k == I(1)); /* the first key's form is kept */
    assert_string_equal(v_str(v)->data, "float");
    /* A float first stores its int form. */
    map_set(m, v_make_float(2.0), I(2));
    assert_int_equal(get_int(m, I(2)), 2);
    assert_true(map_next(m, &cur, &k, &v));
    assert_true(k == I(2));
    /* -0.0 and 0.0 and 0. */
    map_set(m, v_make_float(-0.0), I(0));
    assert_int_equal(get_int(m, I(0)), 0);
    assert_int_equal(get_int(m, v_make_float(0.0)), 0);
    assert_true(map_next(m, &cur, &k, &v));
    assert_true(k == I(0));
    /* Non-integral floats. */
    map_set(m, v_make_float(0.5), I(5));
    assert_int_equal(get_int(m, v_make_float(0.5)), 5);
    assert_false(has(m, v_make_float(0.25)));
    assert_false(has(m, I(5)));
    /* Boxed ints: equal values in different boxes; and 2^62 as a float. */
    int64_t big = (int64_t)1 << 62;
    map_set(m, I(big), I(62));
    assert_true(v_is_obj(I(big), OBJ_BOXINT));
    assert_int_equal(get_int(m, I(big)), 62);
    assert_int_equal(get_int(m, v_make_float(ldexp(1, 62))), 62);
    map_set(m, v_make_float(-ldexp(1, 63)), I(63));
    assert_int_equal(get_int(m, I(INT64_MIN)), 63);
    /* A box holding a small int (not made by v_make_int, but possible)
     * is the inline key. */
    ObjBoxInt *odd = GC_MALLOC_ATOMIC(sizeof *odd);
    odd->h.kind = OBJ_BOXINT;
    odd->h.flags = 0;
    odd->i = 1;
    assert_true(map_get(m, v_from_ptr(odd), &v));
    assert_string_equal(v_str(v)->data, "float");
    /* Floats outside int64 and infinities are float keys. */
    map_set(m, v_make_float(1e300), I(300));
    map_set(m, v_make_float(INFINITY), I(1000));
    map_set(m, v_make_float(-INFINITY), I(-1000));
    map_set(m, v_make_float(ldexp(1, 63)), I(64));
    map_set(m, v_make_float(5e-324), I(-324));
    assert_int_equal(get_int(m, v_make_float(1e300)), 300);
    assert_int_equal(get_int(m, v_make_float(INFINITY)), 1000);
    assert_int_equal(get_int(m, v_make_float(-INFINITY)), -1000);
    assert_int_equal(get_int(m, v_make_float(ldexp(1, 63))), 64);
    assert_int_equal(get_int(m, v_make_float(5e-324)), -324);
    assert_false(has(m, I(INT64_MAX)));
    assert_int_equal(m->len, 11);
    /* v_hash agrees with v_equal on all of these. */
    Value eq[][2] = {
        {I(1), v_make_float(1.0)},
        {I(0), v_make_float(-0.0)},
        {I(big), v_make_float(ldexp(1, 62))},
        {I(INT64_MIN), v_make_float(-ldexp(1, 63))},
        {v_make_float(1e300), v_make_float(1e300)},
        {v_make_float(5e-324), v_make_float(5e-324)},
        {S("abc"), S("abc")},
        {v_from_ptr(odd), I(1)},
    };
    for (size_t i = 0; i < sizeof eq / sizeof eq[0]; i++) {
        assert_true(v_equal(eq[i][0], eq[i][1]));
        assert_true(v_hash(eq[i][0]) == v_hash(eq[i][1]));
    }
}

/* Test that every NaN insertion adds a new entry that can never be found or
 * deleted, as in Go. */
static void test_map_nan_keys(void **state)
{
    ObjMap *m = map_new(0);
    Value nan = v_make_float(NAN);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(map_set(m, i % 2 ? nan : v_make_float(NAN), I(i)), MAP_OK);
    assert_int_equal(m->len, 10000);
    assert_false(has(m, nan));
    assert_int_equal(map_delete(m, nan), MAP_OK);
    assert_int_equal(m->len, 10000);
    size_t cur = 0, n = 0;
    Value k, v;
    while (map_next(m, &cur, &k, &v)) {
        assert_true(isnan(v_anyfloat(k)));
        assert_int_equal(v_int(v), (int64_t)n);
        n++;
    }
    assert_int_equal(n, 10000);
    map_set(m, I(1), I(1));
    assert_int_equal(get_int(m, I(1)), 1);
}

/* Test that a module's object is a key: by identity (a *sync.Mutex is a
 * pointer in Go), or by its class's equality when it has one. */
static bool same_int(const void *a, const void *b)
{
    return *(const int *)a == *(const int *)b;
}

static uint64_t int_hash(const void *p)
{
    return (uint64_t) * (const int *)p;
}

static void test_map_object_keys(void **state)
{
    (void)state;
    static const ObjClass ptr_cls = {.name = "thing"};
    static const ObjClass val_cls = {.name = "value", .equal = same_int, .hash = int_hash};
    static int one = 1, also_one = 1;
    ObjMap *m = map_new(0);
    Value a = v_from_ptr(object_new(&ptr_cls, &one)), b = v_from_ptr(object_new(&ptr_cls, &one));
    assert_int_equal(map_set(m, a, I(1)), MAP_OK);
    assert_true(has(m, a));
    assert_false(has(m, b)); /* another pointer */
    Value x = v_from_ptr(object_new(&val_cls, &one)), y = v_from_ptr(object_new(&val_cls, &also_one));
    assert_int_equal(map_set(m, x, I(2)), MAP_OK);
    assert_true(has(m, y)); /* an equal value */
    assert_int_equal(get_int(m, y), 2);
}

/* Test that lists, maps, funcs, errors and V_UNDEF are rejected as keys:
 * set reports MAP_BADKEY and changes nothing, get and delete miss. */
static void test_map_bad_keys(void **state)
{
    Value bad[] = {
        v_from_ptr(list_new(0, 0)),  v_from_ptr(map_new(0)), v_from_ptr(native_new("f", NULL, 0, 0)),
        v_from_ptr(cell_new(V_NIL)), v_error("e"),           V_UNDEF,
    };
    ObjMap *m = map_new(0);
    map_set(m, I(1), I(1));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(map_key_ok(bad[i]));
        assert_int_equal(map_set(m, bad[i], I(2)), MAP_BADKEY);
        assert_false(has(m, bad[i]));
        assert_int_equal(map_delete(m, bad[i]), MAP_BADKEY);
        (void)v_hash(bad[i]); /* defined, just not a key hash */
    }
    assert_int_equal(m->len, 1);
    assert_int_equal(m->writing, 0);
    Value good[] = {V_NIL, V_TRUE, V_FALSE, I(0), I(INT64_MAX), v_make_float(0.5), v_make_float(NAN), S("s")};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(map_key_ok(good[i]));
}

/* Test that deleting entries while iterating visits every entry exactly
 * once until it is deleted, and never a deleted one. */
static void test_map_iterate_while_deleting(void **state)
{
    enum { N = 10000 };
    ObjMap *m = map_new(0);
    for (int64_t i = 0; i < N; i++)
        map_set(m, I(i), I(i));
    static uint8_t seen[N];
    memset(seen, 0, sizeof seen);
    size_t cur = 0;
    Value k, v;
    int64_t visits = 0;
    while (map_next(m, &cur, &k, &v)) {
        int64_t i = v_int(k);
        assert_int_equal(seen[i], 0);
        seen[i] = 1;
        visits++;
        /* Delete the current key and a later one. */
        map_delete(m, k);
        if (i + 1 < N && i % 3 == 0)
            map_delete(m, I(i + 1));
    }
    for (int64_t i = 0; i < N; i++)
        assert_int_equal(seen[i], !(i % 3 == 1));
    assert_int_equal(m->len, 0);
    assert_int_equal(keys_of(m, (int64_t[1]){0}, 1), 0);
}

/* Test that inserting during iteration (growth included) never skips or
 * repeats an entry that existed when iteration began, and that mixing
 * deletes and inserts in one loop terminates without crashing. */
static void test_map_iterate_while_inserting(void **state)
{
    ObjMap *m = map_new(0);
    for (int64_t i = 0; i < 100; i++)
        map_set(m, I(i), I(i));
    static uint8_t seen[100];
    memset(seen, 0, sizeof seen);
    size_t cur = 0;
    Value k, v;
    int64_t next = 1000;
    while (map_next(m, &cur, &k, &v)) {
        int64_t i = v_int(k);
        if (i < 100) {
            assert_int_equal(seen[i], 0);
            seen[i] = 1;
        }
        if (next < 100000)
            map_set(m, I(next++), I(0)); /* forces many rebuilds */
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(seen[i], 1);
    /* Deletes and inserts together: compaction may shift the cursor;
     * iteration must still end. */
    ObjMap *d = map_new(0);
    for (int64_t i = 0; i < 1000; i++)
        map_set(d, I(i), I(i));
    cur = 0;
    int64_t steps = 0, add = 1000000;
    while (map_next(d, &cur, &k, &v) && steps < 10000000) {
        map_delete(d, k);
        if (steps < 5000)
            map_set(d, I(add++), I(0));
        steps++;
    }
    assert_true(steps < 10000000);
}

/* Test that churning inserts and deletes keeps the store bounded
 * (tombstones are compacted, not accumulated). */
static void test_map_tombstone_churn(void **state)
{
    ObjMap *m = map_new(0);
    for (int64_t i = 0; i < 1000000; i++) {
        map_set(m, I(i), I(i));
        if (i >= 10)
            map_delete(m, I(i - 10));
    }
    assert_int_equal(m->len, 10);
    assert_true(m->store->cap < 1000);
    for (int64_t i = 1000000 - 10; i < 1000000; i++)
        assert_int_equal(get_int(m, I(i)), i);
    int64_t ks[16];
    assert_int_equal(keys_of(m, ks, 16), 10);
    assert_int_equal(ks[0], 1000000 - 10);
}

/* Test that a writer finding another writer inside reports MAP_CONCURRENT
 * and changes nothing, while reads still work. */
static void test_map_concurrent_flag(void **state)
{
    ObjMap *m = map_new(0);
    map_set(m, I(1), I(1));
    m->writing = 1; /* as if another thread were inside map_set */
    assert_int_equal(map_set(m, I(2), I(2)), MAP_CONCURRENT);
    assert_int_equal(map_set(m, S("x"), I(2)), MAP_CONCURRENT);
    assert_int_equal(map_set(m, v_make_float(0.5), I(2)), MAP_CONCURRENT);
    assert_int_equal(map_delete(m, I(1)), MAP_CONCURRENT);
    assert_int_equal(m->len, 1);
    assert_int_equal(get_int(m, I(1)), 1);
    m->writing = 0;
    assert_int_equal(map_set(m, I(2), I(2)), MAP_OK);
    assert_int_equal(m->writing, 0);
}

/* Test that map_clear empties a map that stays usable, ends a range over
 * it, reports a writer inside, and leaves a nil map alone. */
static void test_map_clear(void **state)
{
    ObjMap *m = map_new(0);
    for (int i = 0; i < 100; i++)
        map_set(m, I(i), I(i));
    size_t cur = 0;
    Value k, v;
    assert_true(map_next(m, &cur, &k, &v));
    assert_int_equal(map_clear(m), MAP_OK);
    assert_false(map_next(m, &cur, &k, &v));
    assert_int_equal(m->len, 0);
    assert_false(map_get(m, I(5), &v));
    assert_int_equal(map_set(m, I(7), I(8)), MAP_OK);
    assert_int_equal(get_int(m, I(7)), 8);
    m->writing = 1;
    assert_int_equal(map_clear(m), MAP_CONCURRENT);
    m->writing = 0;
    assert_int_equal(m->len, 1);
    ObjMap *nil = map_new_nil(I(0));
    assert_int_equal(map_clear(nil), MAP_OK);
    assert_int_equal(map_set(nil, I(1), I(1)), MAP_NIL);
    assert_int_equal(nil->len, 0);
}

/* Test that a typed map converts the values stored (an int into a
 * map[string]float64 is a float, a map[int]uint8 wraps) and refuses one of
 * the wrong kind, storing nothing. */
static void test_map_typed_values(void **state)
{
    ObjMap *m = map_new(0);
    types_map_init(m, types_parse("map[string]float64", strlen("map[string]float64")));
    assert_int_equal(map_set(m, S("a"), I(3)), MAP_OK);
    Value v;
    assert_true(map_get(m, S("a"), &v) && v_is_anyfloat(v) && v_anyfloat(v) == 3.0);
    assert_int_equal(map_set(m, S("b"), S("x")), MAP_BADVALUE);
    assert_false(map_get(m, S("b"), &v));
    assert_int_equal(m->len, 1);
    ObjMap *w = map_new(0);
    types_map_init(w, types_parse("map[int]uint8", strlen("map[int]uint8")));
    assert_int_equal(map_set(w, I(1), I(256 + 7)), MAP_OK);
    assert_int_equal(get_int(w, I(1)), 7);
    assert_true(w->zero == I(0));
}

/* Test that v_hash matches v_equal across value kinds and spreads ints. */
static void test_map_v_hash(void **state)
{
    assert_true(v_hash(I(7)) == v_hash(v_make_float(7.0)));
    assert_true(v_hash(S("hello")) == v_hash(v_from_ptr(str_new("hello", 5))));
    assert_true(v_hash(S("hello")) == str_hash(v_str(S("hello"))));
    assert_true(v_hash(V_TRUE) != v_hash(V_FALSE));
    assert_true(v_hash(I(1)) != v_hash(I(2)));
    assert_true(v_hash(v_make_float(0.5)) != v_hash(v_make_float(0.25)));
}

/* ---- threads ------------------------------------------------------------ */

enum { TN = 20000, TROUNDS = 15 };

typedef struct MapShared {
    ObjMap *m;
    volatile int done;
    long bad;
    long hits;
} MapShared;

static void *map_writer(void *arg)
{
    MapShared *sh = arg;
    char buf[32];
    for (int r = 0; r < TROUNDS; r++) {
        /* Fresh int and string keys (growth), deletes (tombstones and
         * compaction) and updates. */
        for (int64_t i = 0; i < TN; i++) {
            int64_t k = (int64_t)r * TN + i;
            map_set(sh->m, I(k), I(k * 2));
            snprintf(buf, sizeof buf, "s%lld", (long long)k);
            map_set(sh->m, S(buf), I(k * 3));
            if (i % 2)
                map_delete(sh->m, I(k - 1));
        }
    }
    __atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void *map_reader(void *arg)
{
    MapShared *sh = arg;
    long bad = 0, hits = 0;
    char buf[32];
    uint64_t x = (uint64_t)(uintptr_t)&bad;
    while (!__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE)) {
        for (int j = 0; j < 1000; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            int64_t k = (int64_t)(x % (TN * TROUNDS));
            Value v;
            /* A key is either absent or holds exactly what the writer set. */
            if (map_get(sh->m, I(k), &v)) {
                hits++;
                if (!(v_is_int(v) && v_int(v) == k * 2))
                    bad++;
            }
            snprintf(buf, sizeof buf, "s%lld", (long long)k);
            if (map_get_cstr(sh->m, buf, &v)) {
                hits++;
                if (!(v_is_int(v) && v_int(v) == k * 3))
                    bad++;
            }
        }
        /* Walk a stretch of the order while it changes. */
        size_t cur = 0;
        Value k, v;
        for (int j = 0; j < 2000 && map_next(sh->m, &cur, &k, &v); j++) {
            if (v_is_int(k) && !(v_is_int(v) && v_int(v) == v_int(k) * 2) && v != V_NIL)
                bad++;
        }
    }
    __atomic_add_fetch(&sh->bad, bad, __ATOMIC_RELAXED);
    __atomic_add_fetch(&sh->hits, hits, __ATOMIC_RELAXED);
    return NULL;
}

/* Test that three readers (get, get_cstr, next) racing one writer that
 * grows, deletes and compacts never crash and never see a wrong value. */
static void test_map_threads_readers_one_writer(void **state)
{
    MapShared sh = {.m = map_new(0), .done = 0, .bad = 0, .hits = 0};
    pthread_t w, r[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&r[i], NULL, map_reader, &sh), 0);
    assert_int_equal(pthread_create(&w, NULL, map_writer, &sh), 0);
    pthread_join(w, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(r[i], NULL);
    assert_int_equal(sh.bad, 0);
    assert_true(sh.hits > 0);
    assert_int_equal(sh.m->len, TROUNDS * TN + TROUNDS * TN / 2);
    assert_int_equal(sh.m->writing, 0);
}

typedef struct Racer {
    ObjMap *m;
    int id;
    long concurrent;
} Racer;

static void *map_racer(void *arg)
{
    Racer *r = arg;
    for (int64_t i = 0; i < 200000; i++) {
        MapStatus s = map_set(r->m, I(i * 4 + r->id), I(i));
        if (s == MAP_CONCURRENT)
            r->concurrent++;
        if (i % 3 == 0 && map_delete(r->m, I((i - 3) * 4 + r->id)) == MAP_CONCURRENT)
            r->concurrent++;
    }
    return NULL;
}

/* Test that writers racing on one map (a script bug) are refused with
 * MAP_CONCURRENT rather than corrupting it: whatever was accepted is
 * consistent afterwards. */
static void test_map_threads_racing_writers(void **state)
{
    ObjMap *m = map_new(0);
    Racer rs[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        rs[i] = (Racer){.m = m, .id = i, .concurrent = 0};
        assert_int_equal(pthread_create(&t[i], NULL, map_racer, &rs[i]), 0);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(m->writing, 0);
    /* The map is internally consistent: len matches the live entries and
     * every live entry is found by lookup. */
    size_t cur = 0, n = 0;
    Value k, v;
    while (map_next(m, &cur, &k, &v)) {
        Value got;
        assert_true(map_get(m, k, &got));
        assert_true(got == v);
        n++;
    }
    assert_int_equal(n, m->len);
    print_message("racing writers: %ld refused writes, %zu live\n",
                  rs[0].concurrent + rs[1].concurrent + rs[2].concurrent, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_empty),
        cmocka_unit_test(test_map_insert_lookup_update),
        cmocka_unit_test(test_map_string_keys_by_content),
        cmocka_unit_test(test_map_order_delete_reinsert),
        cmocka_unit_test(test_map_int_keys_1m),
        cmocka_unit_test(test_map_int_keys_colliding_patterns),
        cmocka_unit_test(test_map_string_keys_1m),
        cmocka_unit_test(test_map_wordfreq_counts),
        cmocka_unit_test(test_map_key_normalisation),
        cmocka_unit_test(test_map_nan_keys),
        cmocka_unit_test(test_map_bad_keys),
        cmocka_unit_test(test_map_object_keys),
        cmocka_unit_test(test_map_iterate_while_deleting),
        cmocka_unit_test(test_map_iterate_while_inserting),
        cmocka_unit_test(test_map_tombstone_churn),
        cmocka_unit_test(test_map_concurrent_flag),
        cmocka_unit_test(test_map_clear),
        cmocka_unit_test(test_map_typed_values),
        cmocka_unit_test(test_map_v_hash),
    };
    /* Threaded tests, separate so they can be run alone. */
    const struct CMUnitTest threaded[] = {
        cmocka_unit_test(test_map_threads_readers_one_writer),
        cmocka_unit_test(test_map_threads_racing_writers),
    };
    int fails = cmocka_run_group_tests_name("map", tests, setup, NULL);
    fails += cmocka_run_group_tests_name("map_threaded", threaded, setup, NULL);
    return fails;
}
