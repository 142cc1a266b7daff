/* test_types.c — type descriptors (vm/types.c): what a type's text parses
 * to, the zero values, conversions of composite types, and the registry of
 * module types (filled here by hand, as stdlib_init fills it). */
#include <gc/gc.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* The message of the panic recorded on th, which is then cleared. */
static void expect_panic(const char *msg)
{
    assert_true(v_is_obj(th->panic_val, OBJ_ERROR));
    assert_string_equal(((ObjError *)v_ptr(th->panic_val))->msg->data, msg);
    vm_clear_panic(th);
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

/* ---- stores into typed places ----------------------------------------- */

/* Test what a store into a place of a basic type does: an int into a float
 * becomes a float (float32 rounded), sized ints wrap, a wrong kind or nil
 * panics with Go's wording naming the place, a map type's nil is its nil
 * map, and composite types take anything. */
static void test_types_store(void **state)
{
    Value out;
    assert_int_equal(types_store(th, P("float64"), v_make_int(3), &out), 0);
    assert_true(v_is_anyfloat(out) && v_anyfloat(out) == 3.0);
    assert_int_equal(types_store(th, P("float32"), v_make_float(0.1), &out), 0);
    assert_true(v_anyfloat(out) == (double)0.1f);
    assert_int_equal(types_store(th, P("byte"), v_make_int(256), &out), 0);
    assert_true(out == v_int_small(0));
    assert_int_equal(types_store(th, P("int8"), v_make_int(128), &out), 0);
    assert_true(out == v_int_small(-128));
    assert_int_equal(types_store(th, P("int"), v_make_float(2.5), &out), -1);
    expect_panic("cannot use 2.5 (value of type float64) as int value in assignment");
    assert_int_equal(types_store_at(th, P("string"), v_make_int(5), &out, true, "variable declaration"), -1);
    expect_panic("cannot use 5 (untyped int constant) as string value in variable declaration");
    assert_int_equal(types_store_at(th, P("byte"), v_make_int(300), &out, true, "assignment"), -1);
    expect_panic("cannot use 300 (untyped int constant) as byte value in assignment (overflows)");
    assert_int_equal(types_store_at(th, P("int"), v_make_float(2.5), &out, true, "return statement"), -1);
    expect_panic("cannot use 2.5 (untyped float constant) as int value in return statement (truncated)");
    assert_int_equal(types_store(th, P("bool"), V_NIL, &out), -1);
    expect_panic("cannot use nil as bool value in assignment");
    assert_int_equal(types_store(th, P("map[string]int"), V_NIL, &out), 0);
    assert_true(v_is_obj(out, OBJ_MAP) && map_is_nil(v_map(out)));
    Value l = v_from_ptr(list_new(0, 0));
    assert_int_equal(types_store(th, P("[]int"), l, &out), 0);
    assert_true(out == l);
    assert_int_equal(types_store(th, P("any"), V_TRUE, &out), 0);
    assert_true(out == V_TRUE);
    /* constants, when compiled: 2.0 fits an int, 300 no byte */
    assert_true(types_store_const(P("int"), v_make_float(2.0), &out) && out == v_int_small(2));
    assert_false(types_store_const(P("byte"), v_make_int(300), &out));
    assert_true(types_store_const(P("float64"), v_make_int(1), &out) && v_anyfloat(out) == 1.0);
}

/* Test Go's amd64 results for floats out of an integer type's range. */
static void test_types_float_to_int(void **state)
{
    assert_true(types_float_to_int(-3.9, 64, false) == -3);
    assert_true(types_float_to_int(1e19, 64, false) == INT64_MIN);
    assert_true(types_float_to_int(NAN, 64, false) == INT64_MIN);
    assert_true(types_float_to_int(1e10, 32, false) == INT32_MIN);
    assert_true(types_float_to_int(1e10, 8, false) == 0);
    assert_true(types_float_to_int(1e10, 32, true) == 1410065408);
    assert_true((uint64_t)types_float_to_int(1e19, 64, true) == 10000000000000000000ULL);
    assert_true((uint64_t)types_float_to_int(1e20, 64, true) == 9223372036854775808ULL);
    assert_true(types_float32(1e300) == INFINITY && types_float32(-1e300) == -INFINITY);
}

/* ---- declared types and structs ---------------------------------------- */

/* Declared types by name, for types_parse_with. */
static ObjType *declared[4];
static const char *declared_names[4] = {"Point", "Inner", "Outer", "Node"};

static ObjType *lookup(void *ctx, const char *name, size_t n)
{
    (void)ctx;
    for (int i = 0; i < 4; i++)
        if (strlen(declared_names[i]) == n && memcmp(declared_names[i], name, n) == 0)
            return declared[i];
    return NULL;
}

static ObjType *PW(const char *text)
{
    return types_parse_with(text, strlen(text), lookup, NULL);
}

static void declare_all(void)
{
    for (int i = 0; i < 4; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "main.%s", declared_names[i]);
        declared[i] = types_new_named(str_cstr(buf)->data);
    }
    types_define(declared[0], PW("struct { X float64; Y float64 }"));
    types_define(declared[1], PW("struct { Z int \"json:\\\"z\\\"\" }"));
    types_define(declared[2], PW("struct { Inner; *Point; sync.Mutex; name string }"));
    types_define(declared[3], PW("struct { next *Node; val int }"));
}

/* Test that a struct type's text gives its fields in order: grouped names,
 * embedded fields named by their type, tags unquoted, and declared types
 * as the one descriptor the lookup gives. */
static void test_types_struct_fields(void **state)
{
    declare_all();
    ObjType *o = declared[2];
    assert_int_equal(o->kind, TYPE_STRUCT);
    assert_string_equal(o->name, "main.Outer");
    assert_int_equal(o->nfields, 4);
    assert_string_equal(o->fields[0].name, "Inner");
    assert_true(o->fields[0].embedded);
    assert_ptr_equal(o->fields[0].type, declared[1]);
    assert_string_equal(o->fields[1].name, "Point");
    assert_int_equal(o->fields[1].type->kind, TYPE_POINTER);
    assert_ptr_equal(o->fields[1].type->elem, declared[0]);
    assert_string_equal(o->fields[2].name, "Mutex");
    assert_int_equal(o->fields[2].type->kind, TYPE_OBJECT);
    assert_false(o->fields[3].embedded);
    assert_string_equal(declared[1]->fields[0].tag, "json:\"z\"");
    /* composites of declared types are named as Go's %T names them */
    assert_string_equal(PW("[]*Point")->name, "[]*main.Point");
    assert_string_equal(PW("map[string]Node")->name, "map[string]main.Node");
    assert_string_equal(PW("struct { p Point }")->name, "struct { p main.Point }");
    assert_false(types_recursive(declared[3])); /* through a pointer */
    ObjType *loop = types_new_named("main.Loop");
    declared[3] = loop;
    types_define(loop, PW("struct { a [2]Node }"));
    assert_true(types_recursive(loop));
}

/* Test that selectors follow Go's rules: the shallowest depth wins, through
 * embedded structs and pointers, and two at one depth are ambiguous. */
static void test_types_select(void **state)
{
    declare_all();
    Selection sel;
    types_select(declared[2], str_cstr("Z"), V_UNDEF, &sel);
    assert_int_equal(sel.kind, SEL_FIELD);
    assert_int_equal(sel.depth, 2);
    assert_int_equal(sel.path[0], 0);
    assert_int_equal(sel.path[1], 0);
    types_select(declared[2], str_cstr("Y"), V_UNDEF, &sel);
    assert_int_equal(sel.kind, SEL_FIELD);
    assert_int_equal(sel.path[0], 1 | SEL_DEREF);
    assert_int_equal(sel.path[1], 1);
    types_select(declared[2], str_cstr("name"), V_UNDEF, &sel);
    assert_int_equal(sel.depth, 1);
    types_select(declared[2], str_cstr("nope"), V_UNDEF, &sel);
    assert_int_equal(sel.kind, SEL_NONE);
    ObjType *amb = types_new_named("main.Amb");
    types_define(amb, PW("struct { Point; P2 }"));
    ObjType *p2 = types_new_named("main.P2");
    types_define(p2, PW("struct { X int }"));
    amb->fields[1].type = p2;
    types_select(amb, str_cstr("X"), V_UNDEF, &sel);
    assert_int_equal(sel.kind, SEL_AMBIGUOUS);
    /* a method of the type itself, and one promoted from an embedded one */
    types_add_method(declared[1], str_cstr("M"), v_from_ptr(native_new("M", fake_ctor, 0, 0)), true, NULL);
    types_select(declared[2], str_cstr("M"), V_UNDEF, &sel);
    assert_int_equal(sel.kind, SEL_METHOD);
    assert_int_equal(sel.depth, 1);
    assert_true(sel.ptr_recv);
    bool ptr = false;
    assert_true(types_method(declared[1], str_cstr("M"), &ptr) != V_UNDEF);
    assert_true(ptr);
    assert_true(types_method(declared[0], str_cstr("M"), NULL) == V_UNDEF);
}

/* Test that a struct's zero value gives each field its own zero: a fresh
 * module object, a nested struct, nil pointers. */
static void test_types_struct_zero(void **state)
{
    declare_all();
    Value a, b;
    ctor_calls = 0;
    assert_int_equal(types_zero(th, declared[2], &a), 0);
    assert_int_equal(types_zero(th, declared[2], &b), 0);
    assert_int_equal(ctor_calls, 2);
    ObjStruct *sa = v_ptr(a), *sb = v_ptr(b);
    assert_int_equal(sa->h.kind, OBJ_STRUCT);
    assert_ptr_equal(sa->type, declared[2]);
    assert_true(v_is_obj(sa->f[0], OBJ_STRUCT));
    assert_true(sa->f[0] != sb->f[0]);
    assert_true(sa->f[1] == V_NIL);
    assert_true(sa->f[2] != sb->f[2]);
    assert_true(v_equal(sa->f[0], sb->f[0])); /* == field by field */
}

/* Test that a native's Go signature parses once, on first use, into a
 * func type with its parameters' and results' types (a variadic last
 * parameter as its slice), and that a native without one has none. */
static void test_types_native_signature(void **state)
{
    ObjNative *n = native_new("strconv.ParseInt", fake_ctor, 3, 3);
    assert_null(types_native(n));
    n->sig = "func(string, int, int) (int64, error)";
    ObjType *t = types_native(n);
    assert_non_null(t);
    assert_ptr_equal(types_native(n), t);
    assert_int_equal(t->kind, TYPE_FUNC);
    assert_int_equal(t->nin, 3);
    assert_int_equal(t->nout, 2);
    assert_false(t->variadic);
    assert_int_equal(t->sig[0]->kind, TYPE_STRING);
    assert_int_equal(t->sig[3]->kind, TYPE_INT);
    assert_int_equal(t->sig[3]->bits, 64);
    assert_int_equal(t->sig[4]->kind, TYPE_INTERFACE);

    ObjNative *f = native_new("fmt.Sprintf", fake_ctor, 1, -1);
    f->sig = "func(string, ...any) string";
    t = types_native(f);
    assert_int_equal(t->nin, 2);
    assert_int_equal(t->nout, 1);
    assert_true(t->variadic);
    assert_int_equal(t->sig[1]->kind, TYPE_SLICE);
    assert_int_equal(t->sig[1]->elem->kind, TYPE_INTERFACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_basic),         cmocka_unit_test(test_types_composite),
        cmocka_unit_test(test_types_undefined),     cmocka_unit_test(test_types_zero),
        cmocka_unit_test(test_types_zero_too_long), cmocka_unit_test(test_types_convert),
        cmocka_unit_test(test_types_store),         cmocka_unit_test(test_types_float_to_int),
        cmocka_unit_test(test_types_struct_fields), cmocka_unit_test(test_types_select),
        cmocka_unit_test(test_types_struct_zero),   cmocka_unit_test(test_types_native_signature),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
