/* test_iface.c — interfaces at run time (vm/iface.c): which values a type
 * assertion accepts, method sets of values and pointers, the panics of a
 * failed assertion, and the inference and substitution that generic
 * functions use. Struct types and their methods are built here by hand,
 * as the compiler builds them for a `type` declaration. */
#include <gc/gc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vm/iface.h"
#include "vm/mem.h"
#include "vm/vm.h"

static Runtime *rt;
static Thread *th;

static int setup(void **state)
{
    (void)state;
    GC_INIT();
    rt = rt_new();
    th = thread_new(rt);
    return 0;
}

/* The message of the panic th has recorded. */
static const char *panic_text(void)
{
    Value v = th->panic_val;
    if (v_is_obj(v, OBJ_ERROR))
        return ((ObjError *)v_ptr(v))->msg->data;
    return v_is_str(v) ? v_str(v)->data : "?";
}

static ObjType *P(const char *text)
{
    return types_parse(text, strlen(text));
}

/* A struct type named `name` with the given methods: "Area" has a value
 * receiver, "*Scale" a pointer receiver. */
static ObjType *struct_type(const char *name, int nmethods, ...)
{
    ObjType *t = P("struct{}");
    ObjType *c = mem_alloc(sizeof *c);
    *c = *t;
    c->name = name;
    c->named = true;
    c->methods = mem_alloc((size_t)(nmethods ? nmethods : 1) * sizeof *c->methods);
    va_list ap;
    va_start(ap, nmethods);
    for (int i = 0; i < nmethods; i++) {
        const char *m = va_arg(ap, const char *);
        c->methods[i].ptr_recv = m[0] == '*';
        c->methods[i].name = str_cstr(m + (m[0] == '*'));
        c->methods[i].fn = V_NIL;
    }
    va_end(ap);
    c->nmethods = nmethods;
    return c;
}

/* An interface type requiring the named methods. */
static ObjType *iface_type(const char *name, int n, ...)
{
    ObjType *c = mem_alloc(sizeof *c);
    *c = *P("interface{}");
    c->name = name;
    c->named = true;
    c->methods = mem_alloc((size_t)n * sizeof *c->methods);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        c->methods[i].name = str_cstr(va_arg(ap, const char *));
    va_end(ap);
    c->nmethods = n;
    return c;
}

static Value new_struct(ObjType *t)
{
    ObjStruct *s = mem_alloc(sizeof *s);
    s->h.kind = OBJ_STRUCT;
    s->type = t;
    return v_from_ptr(s);
}

/* Test that basic types accept the values of their kind and nothing else,
 * and that nil matches no type. */
static void test_iface_basic_types(void **state)
{
    (void)state;
    assert_true(iface_has(P("int"), v_make_int(3)));
    assert_false(iface_has(P("int64"), v_make_int(3))); /* a plain int is an int */
    assert_false(iface_has(P("float32"), v_make_float(3.5)));
    assert_false(iface_has(P("int"), v_make_float(3.5)));
    assert_true(iface_has(P("float64"), v_make_float(3.5)));
    assert_true(iface_has(P("string"), v_cstr("s")));
    assert_false(iface_has(P("string"), V_TRUE));
    assert_true(iface_has(P("bool"), V_FALSE));
    assert_true(iface_has(P("[]int"), v_from_ptr(list_new(0, 0))));
    assert_true(iface_has(P("map[string]int"), v_from_ptr(map_new(0))));
    assert_true(iface_has(P("any"), v_make_int(0)));
    assert_false(iface_has(P("any"), V_NIL));
    assert_false(iface_has(P("int"), V_NIL));
}

/* Test that a value boxed with its static type (a sized number, a
 * float32, a typed nil) is that type in an interface and nothing else,
 * comes out unboxed, and that a typed nil is not nil. */
static void test_iface_boxes(void **state)
{
    (void)state;
    assert_true(iface_boxes(P("int32")));
    assert_true(iface_boxes(P("float32")));
    assert_true(iface_boxes(P("*int")));
    assert_false(iface_boxes(P("int")));
    assert_false(iface_boxes(P("float64")));
    assert_false(iface_boxes(P("string")));
    Value i32 = iface_box(P("int32"), v_make_int(5));
    assert_true(iface_is_box(i32));
    assert_true(iface_has(P("int32"), i32));
    assert_true(iface_has(P("rune"), i32));
    assert_false(iface_has(P("int"), i32));
    assert_false(iface_has(P("int64"), i32));
    assert_true(iface_has(P("any"), i32));
    Value out = V_NIL;
    assert_int_equal(iface_assert(NULL, P("int32"), i32, &out), 0);
    assert_true(out == v_make_int(5));
    Value b = iface_box(P("byte"), v_make_int(7));
    assert_true(iface_has(P("uint8"), b));
    assert_true(v_equal(b, iface_box(P("uint8"), v_make_int(7))));
    assert_false(v_equal(b, iface_box(P("int8"), v_make_int(7))));
    Value p = iface_box(P("*int"), V_NIL);
    assert_true(p != V_NIL);
    assert_false(v_equal(p, V_NIL));
    assert_true(iface_has(P("*int"), p));
    assert_false(iface_has(P("*string"), p));
    assert_int_equal(iface_assert(NULL, P("*int"), p, &out), 0);
    assert_true(out == V_NIL);
    /* a value that needs no box is itself */
    assert_true(iface_box(P("*int"), v_make_int(1)) == v_make_int(1));
    assert_true(iface_box(P("int32"), i32) == i32);
}

/* Test Go's method sets: a value has the value-receiver methods, a pointer
 * to it has both kinds; a struct type is matched by identity. */
static void test_iface_method_sets(void **state)
{
    (void)state;
    ObjType *sq = struct_type("main.Square", 2, "Area", "*Scale");
    ObjType *other = struct_type("main.Circle", 1, "Area");
    ObjType *shape = iface_type("main.Shape", 1, "Area");
    ObjType *scaler = iface_type("main.Scaler", 2, "Area", "Scale");
    Value v = new_struct(sq);
    Value p = v_ref(v_ptr(v));
    assert_true(iface_has(shape, v));
    assert_true(iface_has(shape, p));
    assert_false(iface_has(scaler, v));
    assert_string_equal(iface_missing(scaler, v), "Scale");
    assert_true(iface_has(scaler, p));
    assert_null(iface_missing(scaler, p));
    assert_true(iface_has(sq, v));
    assert_false(iface_has(sq, p));
    assert_false(iface_has(other, v));
    ObjType *ptr_sq = types_derive(P("*T"), sq, NULL);
    assert_string_equal(ptr_sq->name, "*main.Square");
    assert_true(iface_has(ptr_sq, p));
    assert_false(iface_has(ptr_sq, v));
}

/* Test that error accepts error values and types with an Error method. */
static void test_iface_error(void **state)
{
    (void)state;
    ObjType *err = P("error");
    assert_true(iface_has(err, v_from_ptr(error_new(str_cstr("boom"), false))));
    ObjType *my = struct_type("main.MyErr", 1, "*Error");
    Value v = new_struct(my);
    assert_false(iface_has(err, v));
    assert_true(iface_has(err, v_ref(v_ptr(v))));
    assert_false(iface_has(err, v_cstr("boom")));
}

/* Test the texts of a failed assertion's panic, and that comma-ok gives
 * the type's zero value instead. */
static void test_iface_assert_panics(void **state)
{
    (void)state;
    Value out;
    bool ok;
    assert_int_equal(iface_assert(th, P("int"), v_make_int(7), &out), 0);
    assert_int_equal(v_int(out), 7);
    assert_int_equal(iface_assert(th, P("int"), v_cstr("s"), &out), -1);
    assert_string_equal(panic_text(), "interface conversion: interface {} is string, not int");
    vm_clear_panic(th);
    assert_int_equal(iface_assert(th, P("string"), V_NIL, &out), -1);
    assert_string_equal(panic_text(), "interface conversion: interface {} is nil, not string");
    vm_clear_panic(th);
    ObjType *sq = struct_type("main.Square", 1, "*Scale");
    ObjType *scaler = iface_type("main.Scaler", 1, "Scale");
    assert_int_equal(iface_assert(th, scaler, new_struct(sq), &out), -1);
    assert_string_equal(panic_text(),
                        "interface conversion: main.Square is not main.Scaler: missing method Scale");
    vm_clear_panic(th);
    assert_int_equal(iface_assert2(th, P("string"), v_make_int(1), &out, &ok), 0);
    assert_false(ok);
    assert_true(v_is_str(out) && v_str(out)->len == 0);
    assert_int_equal(iface_assert2(th, P("float64"), v_make_float(2.5), &out, &ok), 0);
    assert_true(ok);
}

/* Test what generic functions infer from an argument, and that a type
 * template gets its parameters replaced, named as Go spells the result. */
static void test_iface_infer_and_subst(void **state)
{
    (void)state;
    assert_string_equal(iface_typeof(v_make_int(1))->name, "int");
    assert_string_equal(iface_typeof(v_make_float(1.5))->name, "float64");
    assert_null(iface_typeof(V_NIL));
    ObjList *l = list_new(0, 2);
    list_append(l, v_cstr("a"));
    assert_string_equal(iface_infer(v_from_ptr(l), 1)->name, "string");
    assert_string_equal(iface_typeof(v_from_ptr(l))->name, "[]string");
    assert_null(iface_infer(v_from_ptr(list_new(0, 0)), 1));
    ObjMap *m = map_new(0);
    map_set(m, v_cstr("k"), v_make_float(2.0));
    assert_string_equal(iface_infer(v_from_ptr(m), 2)->name, "string");
    assert_string_equal(iface_infer(v_from_ptr(m), 3)->name, "float64");

    ObjList *tmpl = list_new(0, 3);
    list_append(tmpl, v_from_ptr(P("map[K][]V")));
    list_append(tmpl, v_cstr("K"));
    list_append(tmpl, v_cstr("V"));
    Value args[2] = {v_from_ptr(P("string")), v_from_ptr(P("int"))};
    Value r = iface_subst(v_from_ptr(tmpl), args, 2);
    assert_true(v_is_obj(r, OBJ_TYPE));
    ObjType *t = v_ptr(r);
    assert_string_equal(t->name, "map[string][]int");
    assert_int_equal(t->key->kind, TYPE_STRING);
    assert_int_equal(t->elem->kind, TYPE_SLICE);
    assert_int_equal(t->elem->elem->kind, TYPE_INT);
    /* an unknown argument stands for any */
    Value none[2] = {V_NIL, V_NIL};
    assert_string_equal(((ObjType *)v_ptr(iface_subst(v_from_ptr(tmpl), none, 2)))->name, "map[any][]any");
}

/* Test that a value of a declared non-struct type is of that type only:
 * a Celsius is not a float64 and a float64 is not a Celsius, and its
 * methods make it satisfy an interface. */
static void test_iface_named_values(void **state)
{
    (void)state;
    ObjType *cel = struct_type("main.Celsius", 1, "String");
    cel->kind = TYPE_FLOAT;
    cel->bits = 64;
    Value c = named_new(cel, v_make_float(36.6));
    assert_true(iface_has(cel, c));
    assert_false(iface_has(P("float64"), c));
    assert_false(iface_has(cel, v_make_float(36.6)));
    assert_true(iface_has(iface_type("fmt.Stringer", 1, "String"), c));
    assert_true(iface_has(P("any"), c));
    assert_ptr_equal(iface_typeof(c), cel);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iface_basic_types),   cmocka_unit_test(test_iface_boxes),
        cmocka_unit_test(test_iface_method_sets),   cmocka_unit_test(test_iface_error),
        cmocka_unit_test(test_iface_assert_panics), cmocka_unit_test(test_iface_infer_and_subst),
        cmocka_unit_test(test_iface_named_values),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
