/* test_types.c — type descriptors (vm/types.c): what a type's text parses
 * to, the zero values, conversions of composite types, and the registry of
 * module types (filled here by hand, as stdlib_init fills it). */
#include <gc/gc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vm/types.h"
#include "vm/vm.h"

static Runtime *rt;
static Thread *th;
static int ctor_calls;

/* A module type's constructor: a fresh list stands for a fresh object. */
static int fake_ctor(Thread *t, Value *args, int nargs, Value *rets)
{
    ctor_calls++;
    rets[0] = v_from_ptr(list_new(0, 0));
    return 1;
}

static int setup(void **state)
{
    GC_INIT();
    rt = rt_new();
    th = thread_new(rt);
    types_register("time.Duration", TYPE_INT, V_UNDEF);
    types_register("sync.Mutex", TYPE_OBJECT, v_from_ptr(native_new("sync.Mutex", fake_ctor, 0, 0)));
    return 0;
}

static size_t list_len(Value v)
{
    return v_is_obj(v, OBJ_ARRAY) ? ((ObjArray *)v_ptr(v))->st.cap : v_list(v)->len;
}

static ObjType *P(const char *text)
{
    return types_parse(text, strlen(text));
}

/* ---- parsing ---------------------------------------------------------- */

/* Test that the basic names, sized ints included, get their kinds. */
static void test_types_basic(void **state)
{
    assert_int_equal(P("bool")->kind, TYPE_BOOL);
    assert_int_equal(P("string")->kind, TYPE_STRING);
    assert_int_equal(P("float32")->kind, TYPE_FLOAT);
    ObjType *b = P("byte");
    assert_int_equal(b->kind, TYPE_INT);
    assert_int_equal(b->bits, 8);
    assert_true(b->is_unsigned);
    ObjType *r = P("rune");
    assert_int_equal(r->bits, 32);
    assert_false(r->is_unsigned);
    assert_int_equal(P("any")->kind, TYPE_INTERFACE);
    assert_int_equal(P("error")->kind, TYPE_INTERFACE);
    assert_int_equal(P(" int ")->kind, TYPE_INT);
}

/* Test composite types, nested, with their element and key types. */
static void test_types_composite(void **state)
{
    ObjType *m = P("map[[2]int][]time.Duration");
    assert_int_equal(m->kind, TYPE_MAP);
    assert_string_equal(m->name, "map[[2]int][]time.Duration");
    assert_int_equal(m->key->kind, TYPE_ARRAY);
    assert_int_equal(m->key->len, 2);
    assert_int_equal(m->elem->kind, TYPE_SLICE);
    assert_int_equal(m->elem->elem->kind, TYPE_INT);
    assert_string_equal(m->elem->elem->name, "time.Duration");
    assert_int_equal(P("*sync.Mutex")->elem->kind, TYPE_OBJECT);
    assert_int_equal(P("chan<- int")->elem->kind, TYPE_INT);
    assert_int_equal(P("<-chan string")->elem->kind, TYPE_STRING);
    assert_int_equal(P("chan int")->kind, TYPE_CHAN);
    assert_int_equal(P("func")->kind, TYPE_FUNC);
    assert_int_equal(P("interface{}")->kind, TYPE_INTERFACE);
    assert_int_equal(P("struct{}")->kind, TYPE_STRUCT);
    assert_int_equal(P("[N]int")->len, -1); /* a length written as a name */
}

/* Test that only a qualified name nobody registered is undefined, and
 * that it is found inside composite types. */
static void test_types_undefined(void **state)
{
    assert_null(types_undefined(P("map[string][]sync.Mutex")));
    assert_string_equal(types_undefined(P("[]*sync.Mutx")), "sync.Mutx");
    assert_string_equal(types_undefined(P("map[os.Nope]int")), "os.Nope");
    assert_null(types_undefined(P("T"))); /* a script's own name: not checked yet */
    assert_null(types_undefined(types_parse(NULL, 0)));
}

/* ---- zero values ------------------------------------------------------ */

static Value Z(const char *text)
{
    Value v = V_UNDEF;
    assert_int_equal(types_zero(th, P(text), &v), 0);
    return v;
}

/* Test the zero values, and that objects and arrays are fresh each time
 * (a slice's zero is a nil slice header, shared and marked so). */
static void test_types_zero(void **state)
{
    assert_true(v_is_int(Z("time.Duration")) && v_int(Z("time.Duration")) == 0);
    assert_true(v_is_anyfloat(Z("float64")));
    assert_int_equal(v_str(Z("string"))->len, 0);
    assert_true(Z("bool") == V_FALSE);
    Value ns = Z("[]sync.Mutex");
    assert_true(list_is_nil(ns) && (v_obj(ns)->flags & LIST_SHARED));
    const char *nils[] = {"*sync.Mutex", "chan int", "func", "error", "any",
                          "[N]int"};
    for (size_t i = 0; i < sizeof nils / sizeof nils[0]; i++)
        assert_true(Z(nils[i]) == V_NIL);
    /* a map's zero is a nil map reading its element's zero, equal to nil */
    Value m = Z("map[string]time.Duration"), e;
    assert_true(v_is_obj(m, OBJ_MAP) && map_is_nil(v_map(m)) && v_equal(m, V_NIL));
    assert_false(map_get(v_map(m), v_cstr("k"), &e));
    assert_true(v_map(m)->zero == v_int_small(0));
    assert_int_equal(map_set(v_map(m), v_cstr("k"), v_int_small(1)), MAP_NIL);
    assert_int_equal(map_delete(v_map(m), v_cstr("k")), MAP_OK);
    Value mm = Z("map[int]map[int]bool");
    assert_true(map_is_nil(v_map(v_map(mm)->zero)) && v_map(v_map(mm)->zero)->zero == V_FALSE);
    ctor_calls = 0;
    Value a = Z("[2][3]sync.Mutex"), b = Z("[2][3]sync.Mutex");
    assert_int_equal(ctor_calls, 12);
    assert_true(a != b);
    assert_true(v_is_obj(a, OBJ_ARRAY));
    Value row = ((ObjArray *)v_ptr(a))->st.items[1];
    assert_int_equal(list_len(row), 3);
    Value native = types_zero_native(), ty = v_from_ptr(P("[2]int"));
    int n = ((ObjNative *)v_ptr(native))->fn(th, &ty, 1, th->rets);
    assert_int_equal(n, 1);
    assert_int_equal(list_len(th->rets[0]), 2);
}

/* Test that an array too long to allocate panics instead of stopping. */
static void test_types_zero_too_long(void **state)
{
    Value v;
    assert_int_equal(types_zero(th, P("[999999999999999999]int"), &v), -1);
    vm_clear_panic(th);
}

/* ---- conversions ------------------------------------------------------ */

/* Test []byte(s), []rune(s), wrapping sized ints, and a bad conversion. */
static void test_types_convert(void **state)
{
    Value out, s = v_cstr("hé");
    assert_int_equal(types_convert(th, P("[]byte"), s, &out), 0);
    assert_int_equal(list_len(out), 3);
    assert_int_equal(types_convert(th, P("[]rune"), s, &out), 0);
    assert_int_equal(list_len(out), 2);
    assert_int_equal(types_convert(th, P("uint8"), v_make_int(300), &out), 0);
    assert_int_equal(v_int(out), 44);
    assert_int_equal(types_convert(th, P("int8"), v_make_int(200), &out), 0);
    assert_int_equal(v_int(out), -56);
    assert_int_equal(types_convert(th, P("map[string]int"), V_NIL, &out), 0);
    assert_true(v_is_obj(out, OBJ_MAP) && map_is_nil(v_map(out)));
    assert_int_equal(types_convert(th, P("[]int"), v_make_int(1), &out), -1);
    vm_clear_panic(th);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_basic),         cmocka_unit_test(test_types_composite),
        cmocka_unit_test(test_types_undefined),     cmocka_unit_test(test_types_zero),
        cmocka_unit_test(test_types_zero_too_long), cmocka_unit_test(test_types_convert),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
