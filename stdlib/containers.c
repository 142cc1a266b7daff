/* containers.c — container/list and container/heap.
 *
 * container/list: list.List and list.Element are struct types (declared
 * here, with native methods), so that `e.Value` reads and assigns as a
 * field does, `var l list.List` is a ready empty list and a *list.Element
 * is a pointer as in Go. An Element's fields are next, prev (pointers to
 * Elements), list (a pointer to its List) and Value; a List's are root
 * (a pointer to its sentinel Element, made on first use: Go's lazyInit)
 * and len. The algorithms are Go's: a ring through the sentinel.
 *
 * container/heap: Init, Push, Pop, Fix and Remove call the script's Len,
 * Less, Swap, Push and Pop methods through the VM, in Go's order (its up
 * and down), so a heap's elements end where go run leaves them.
 *
 * Concurrency: a list or heap used by two goroutines at once is the
 * script's race, as in Go; each field store here is one word.
 */
#include "stream.h"

#include <string.h>

#include "../vm/format.h"
#include "../vm/mem.h"

/* ====================================================================== */
/* container/list                                                          */
/* ====================================================================== */

enum { E_NEXT, E_PREV, E_LIST, E_VALUE, E_NFIELDS };
enum { L_ROOT, L_LEN, L_NFIELDS };

static ObjType *element_type, *list_type_; /* made when the module opens */

static ObjStruct *struct_new(ObjType *ty, int n)
{
    ObjStruct *s = mem_alloc(sizeof *s + sizeof(Value) * (size_t)n);
    s->h.kind = OBJ_STRUCT;
    s->type = ty;
    for (int i = 0; i < n; i++)
        s->f[i] = V_NIL;
    return s;
}

/* The struct a *list.List or *list.Element points to (or the struct
 * itself), NULL when v is none of type ty. */
static ObjStruct *deref_as(Value v, const ObjType *ty)
{
    if (v_is_ref(v))
        v = v_from_ptr(v_ref_target(v));
    if (!v_is_obj(v, OBJ_STRUCT) || ((ObjStruct *)v_ptr(v))->type != ty)
        return NULL;
    return v_ptr(v);
}

static ObjStruct *elem_of(Value v)
{
    return deref_as(v, element_type);
}

static Value ref_of(ObjStruct *s)
{
    return s ? v_ref(s) : V_NIL;
}

/* Go's lazyInit: the sentinel ring of an empty list. */
static ObjStruct *root_of(ObjStruct *l)
{
    ObjStruct *root = elem_of(l->f[L_ROOT]);
    if (!root) {
        root = struct_new(element_type, E_NFIELDS);
        root->f[E_NEXT] = root->f[E_PREV] = v_ref(root);
        l->f[L_ROOT] = v_ref(root);
        l->f[L_LEN] = v_int_small(0);
    }
    return root;
}

static int64_t len_of(ObjStruct *l)
{
    return v_is_int(l->f[L_LEN]) ? v_int(l->f[L_LEN]) : 0;
}

static void set_len(ObjStruct *l, int64_t n)
{
    l->f[L_LEN] = v_int_small(n);
}

/* e inserted after at; returns e. */
static ObjStruct *insert_after(ObjStruct *l, ObjStruct *e, ObjStruct *at)
{
    ObjStruct *next = elem_of(at->f[E_NEXT]);
    e->f[E_PREV] = v_ref(at);
    e->f[E_NEXT] = v_ref(next);
    at->f[E_NEXT] = v_ref(e);
    next->f[E_PREV] = v_ref(e);
    e->f[E_LIST] = v_ref(l);
    set_len(l, len_of(l) + 1);
    return e;
}

static ObjStruct *insert_value(ObjStruct *l, Value v, ObjStruct *at)
{
    ObjStruct *e = struct_new(element_type, E_NFIELDS);
    e->f[E_VALUE] = v_copy(v);
    return insert_after(l, e, at);
}

static void unlink_elem(ObjStruct *l, ObjStruct *e)
{
    ObjStruct *prev = elem_of(e->f[E_PREV]), *next = elem_of(e->f[E_NEXT]);
    prev->f[E_NEXT] = v_ref(next);
    next->f[E_PREV] = v_ref(prev);
    e->f[E_NEXT] = e->f[E_PREV] = e->f[E_LIST] = V_NIL;
    set_len(l, len_of(l) - 1);
}

static void move_after(ObjStruct *l, ObjStruct *e, ObjStruct *at)
{
    if (e == at)
        return;
    ObjStruct *prev = elem_of(e->f[E_PREV]), *next = elem_of(e->f[E_NEXT]);
    prev->f[E_NEXT] = v_ref(next);
    next->f[E_PREV] = v_ref(prev);
    ObjStruct *an = elem_of(at->f[E_NEXT]);
    e->f[E_PREV] = v_ref(at);
    e->f[E_NEXT] = v_ref(an);
    at->f[E_NEXT] = v_ref(e);
    an->f[E_PREV] = v_ref(e);
    (void)l;
}

/* Whether e belongs to l (Go's e.list == l). */
static bool owned(ObjStruct *e, ObjStruct *l)
{
    Value lv = e->f[E_LIST];
    return v_is_ref(lv) && v_ref_target(lv) == (void *)l;
}

/* clang-format off */
#define LIST(name)                                                                                           \
    ObjStruct *l = deref_as(args[0], list_type_);                                                            \
    (void)nargs;                                                                                             \
    if (!l)                                                                                                  \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "*list.List", v_type_name(args[0]))
#define ELEM_ARG(var, i, name)                                                                               \
    ObjStruct *var = elem_of(args[i]);                                                                       \
    if (!var && args[i] != V_NIL)                                                                            \
        return vm_panicf(t, E_ARG_TYPE, name, i, "*list.Element", v_type_name(args[i]))
/* clang-format on */

static int list_init_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.Init");
    l->f[L_ROOT] = V_NIL;
    root_of(l);
    rets[0] = args[0];
    return 1;
}

static int list_len_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.Len");
    rets[0] = v_int_small(len_of(l));
    return 1;
}

static int list_front_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.Front");
    rets[0] = len_of(l) == 0 ? V_NIL : root_of(l)->f[E_NEXT];
    return 1;
}

static int list_back_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.Back");
    rets[0] = len_of(l) == 0 ? V_NIL : root_of(l)->f[E_PREV];
    return 1;
}

static int list_push_front_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.PushFront");
    rets[0] = ref_of(insert_value(l, args[1], root_of(l)));
    return 1;
}

static int list_push_back_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.PushBack");
    ObjStruct *root = root_of(l);
    rets[0] = ref_of(insert_value(l, args[1], elem_of(root->f[E_PREV])));
    return 1;
}

static int list_insert_before_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.InsertBefore");
    ELEM_ARG(mark, 2, "list.List.InsertBefore");
    root_of(l);
    if (!mark || !owned(mark, l)) {
        rets[0] = V_NIL;
        return 1;
    }
    rets[0] = ref_of(insert_value(l, args[1], elem_of(mark->f[E_PREV])));
    return 1;
}

static int list_insert_after_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.InsertAfter");
    ELEM_ARG(mark, 2, "list.List.InsertAfter");
    root_of(l);
    if (!mark || !owned(mark, l)) {
        rets[0] = V_NIL;
        return 1;
    }
    rets[0] = ref_of(insert_value(l, args[1], mark));
    return 1;
}

static int list_remove_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.Remove");
    ELEM_ARG(e, 1, "list.List.Remove");
    if (!e)
        return vm_panicf(t, E_NIL_DEREF);
    if (owned(e, l))
        unlink_elem(l, e);
    rets[0] = e->f[E_VALUE];
    return 1;
}

static int list_move_to_front_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.MoveToFront");
    (void)rets;
    ELEM_ARG(e, 1, "list.List.MoveToFront");
    if (!e)
        return vm_panicf(t, E_NIL_DEREF);
    ObjStruct *root = root_of(l);
    if (!owned(e, l) || elem_of(root->f[E_NEXT]) == e)
        return 0;
    move_after(l, e, root);
    return 0;
}

static int list_move_to_back_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.MoveToBack");
    (void)rets;
    ELEM_ARG(e, 1, "list.List.MoveToBack");
    if (!e)
        return vm_panicf(t, E_NIL_DEREF);
    ObjStruct *root = root_of(l);
    if (!owned(e, l) || elem_of(root->f[E_PREV]) == e)
        return 0;
    move_after(l, e, elem_of(root->f[E_PREV]));
    return 0;
}

static int list_move_before_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.MoveBefore");
    (void)rets;
    ELEM_ARG(e, 1, "list.List.MoveBefore");
    ELEM_ARG(mark, 2, "list.List.MoveBefore");
    if (!e || !mark)
        return vm_panicf(t, E_NIL_DEREF);
    if (!owned(e, l) || e == mark || !owned(mark, l))
        return 0;
    move_after(l, e, elem_of(mark->f[E_PREV]));
    return 0;
}

static int list_move_after_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.MoveAfter");
    (void)rets;
    ELEM_ARG(e, 1, "list.List.MoveAfter");
    ELEM_ARG(mark, 2, "list.List.MoveAfter");
    if (!e || !mark)
        return vm_panicf(t, E_NIL_DEREF);
    if (!owned(e, l) || e == mark || !owned(mark, l))
        return 0;
    move_after(l, e, mark);
    return 0;
}

/* PushBackList / PushFrontList: a copy of other's values (other may be
 * l itself: its length is taken first, as Go does). */
static int list_push_back_list_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.PushBackList");
    (void)rets;
    ObjStruct *o = deref_as(args[1], list_type_);
    if (!o)
        return vm_panicf(t, E_ARG_TYPE, "list.List.PushBackList", 1, "*list.List", v_type_name(args[1]));
    ObjStruct *root = root_of(l), *oroot = root_of(o);
    int64_t n = len_of(o);
    ObjStruct *e = elem_of(oroot->f[E_NEXT]);
    for (int64_t i = 0; i < n && e; i++, e = elem_of(e->f[E_NEXT]))
        insert_value(l, e->f[E_VALUE], elem_of(root->f[E_PREV]));
    return 0;
}

static int list_push_front_list_m(Thread *t, Value *args, int nargs, Value *rets)
{
    LIST("list.List.PushFrontList");
    (void)rets;
    ObjStruct *o = deref_as(args[1], list_type_);
    if (!o)
        return vm_panicf(t, E_ARG_TYPE, "list.List.PushFrontList", 1, "*list.List", v_type_name(args[1]));
    ObjStruct *root = root_of(l), *oroot = root_of(o);
    int64_t n = len_of(o);
    ObjStruct *e = elem_of(oroot->f[E_PREV]);
    for (int64_t i = 0; i < n && e; i++, e = elem_of(e->f[E_PREV]))
        insert_value(l, e->f[E_VALUE], root);
    return 0;
}

/* e.Next() and e.Prev(): nil past either end (the sentinel). */
static int elem_step(Thread *t, Value *args, int field, const char *name, Value *rets)
{
    ObjStruct *e = elem_of(args[0]);
    if (!e)
        return args[0] == V_NIL ? vm_panicf(t, E_NIL_DEREF)
                                : vm_panicf(t, E_ARG_TYPE, name, 0, "*list.Element", v_type_name(args[0]));
    ObjStruct *l = deref_as(e->f[E_LIST], list_type_);
    ObjStruct *p = elem_of(e->f[field]);
    rets[0] = l && p && p != elem_of(l->f[L_ROOT]) ? v_ref(p) : V_NIL;
    return 1;
}

static int elem_next_m(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return elem_step(t, args, E_NEXT, "list.Element.Next", rets);
}

static int elem_prev_m(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return elem_step(t, args, E_PREV, "list.Element.Prev", rets);
}

static int list_n_new(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    ObjStruct *l = struct_new(list_type_, L_NFIELDS);
    l->f[L_LEN] = v_int_small(0);
    root_of(l);
    rets[0] = v_ref(l);
    return 1;
}

typedef struct NativeMethod {
    const char *name;
    NativeFn fn;
    int nargs; /* not counting the receiver */
} NativeMethod;

static const NativeMethod list_methods[] = {
    {"Init", list_init_m, 0},
    {"Len", list_len_m, 0},
    {"Front", list_front_m, 0},
    {"Back", list_back_m, 0},
    {"PushFront", list_push_front_m, 1},
    {"PushBack", list_push_back_m, 1},
    {"InsertBefore", list_insert_before_m, 2},
    {"InsertAfter", list_insert_after_m, 2},
    {"Remove", list_remove_m, 1},
    {"MoveToFront", list_move_to_front_m, 1},
    {"MoveToBack", list_move_to_back_m, 1},
    {"MoveBefore", list_move_before_m, 2},
    {"MoveAfter", list_move_after_m, 2},
    {"PushBackList", list_push_back_list_m, 1},
    {"PushFrontList", list_push_front_list_m, 1},
    {NULL, NULL, 0},
};

static const NativeMethod elem_methods[] = {
    {"Next", elem_next_m, 0},
    {"Prev", elem_prev_m, 0},
    {NULL, NULL, 0},
};

/* A declared struct type of the module, with pointer-receiver native
 * methods. */
static ObjType *declare(const char *qualified, const char *fields, const NativeMethod *ms)
{
    ObjType *ty = types_new_named(qualified);
    types_define(ty, types_parse(fields, strlen(fields)));
    for (const NativeMethod *m = ms; m->name; m++) {
        ObjNative *fn = native_new(m->name, m->fn, m->nargs + 1, m->nargs + 1);
        fn->h.flags = NATIVE_METHOD;
        types_add_method(ty, str_cstr(m->name), v_from_ptr(fn), true, NULL);
    }
    types_register_type(ty);
    return ty;
}

static const ModuleFn list_fns[] = {
    {"New", list_n_new, 0, 0, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static void list_open(ObjModule *m)
{
    element_type =
        declare("list.Element", "struct { next any; prev any; list any; Value any }", elem_methods);
    list_type_ = declare("list.List", "struct { root any; len int }", list_methods);
    module_add_fns(m, list_fns);
}

const ModuleDef csp_module_list = {"container/list", list_open};

/* ====================================================================== */
/* container/heap                                                          */
/* ====================================================================== */

/* A heap.Interface's methods, looked up once per call of the module. */
typedef struct Heap {
    Thread *t;
    Value h;
    Value fn[5], recv[5];
} Heap;

enum { H_LEN, H_LESS, H_SWAP, H_PUSH, H_POP };
static const char *const heap_names[] = {"Len", "Less", "Swap", "Push", "Pop"};

static int heap_bind(Thread *t, const char *fname, Value h, Heap *hp)
{
    hp->t = t;
    hp->h = h;
    for (int i = 0; i < 5; i++) {
        if (!format_method(h, heap_names[i], &hp->fn[i], &hp->recv[i]))
            return vm_panicf(t, E_ARG_TYPE, fname, 1, "a heap.Interface", v_type_name(h));
    }
    return 0;
}

/* h.M(a...): the count of results, -1 after a panic. */
static int hcall(Heap *hp, int m, Value a, Value b, int nargs)
{
    Value args[3] = {hp->recv[m], a, b};
    return vm_call(hp->t, hp->fn[m], args, nargs + 1);
}

static int hlen(Heap *hp, int64_t *n)
{
    int r = hcall(hp, H_LEN, V_NIL, V_NIL, 0);
    if (r < 0)
        return -1;
    *n = r >= 1 && v_is_anyint(v_unnamed(hp->t->rets[0])) ? v_anyint(v_unnamed(hp->t->rets[0])) : 0;
    return 0;
}

/* 1: h.Less(i, j), 0: not, -1: a panic. */
static int hless(Heap *hp, int64_t i, int64_t j)
{
    int r = hcall(hp, H_LESS, v_make_int(i), v_make_int(j), 2);
    if (r < 0)
        return -1;
    return r >= 1 && v_unnamed(hp->t->rets[0]) == V_TRUE;
}

static int hswap(Heap *hp, int64_t i, int64_t j)
{
    return hcall(hp, H_SWAP, v_make_int(i), v_make_int(j), 2) < 0 ? -1 : 0;
}

static int up(Heap *hp, int64_t j)
{
    for (;;) {
        int64_t i = (j - 1) / 2; /* parent; truncates to 0 for j == 0, as Go's */
        if (i == j)
            break;
        int less = hless(hp, j, i);
        if (less < 0)
            return -1;
        if (!less)
            break;
        if (hswap(hp, i, j) < 0)
            return -1;
        j = i;
    }
    return 0;
}

/* 1 when the element moved down, 0 when not, -1 on a panic. */
static int down(Heap *hp, int64_t i0, int64_t n)
{
    int64_t i = i0;
    for (;;) {
        int64_t j1 = 2 * i + 1;
        if (j1 >= n || j1 < 0)
            break;
        int64_t j = j1;
        int64_t j2 = j1 + 1;
        if (j2 < n) {
            int less = hless(hp, j2, j1);
            if (less < 0)
                return -1;
            if (less)
                j = j2;
        }
        int less = hless(hp, j, i);
        if (less < 0)
            return -1;
        if (!less)
            break;
        if (hswap(hp, i, j) < 0)
            return -1;
        i = j;
    }
    return i > i0;
}

static int heap_n_init(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    Heap hp;
    int64_t n;
    if (heap_bind(t, "heap.Init", args[0], &hp) < 0 || hlen(&hp, &n) < 0)
        return -1;
    for (int64_t i = n / 2 - 1; i >= 0; i--)
        if (down(&hp, i, n) < 0)
            return -1;
    return 0;
}

static int heap_n_push(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    Heap hp;
    Value x = args[1];
    int64_t n;
    if (heap_bind(t, "heap.Push", args[0], &hp) < 0 || hcall(&hp, H_PUSH, x, V_NIL, 1) < 0 ||
        hlen(&hp, &n) < 0)
        return -1;
    return up(&hp, n - 1) < 0 ? -1 : 0;
}

static int pop_result(Heap *hp, Value *rets)
{
    int r = hcall(hp, H_POP, V_NIL, V_NIL, 0);
    if (r < 0)
        return -1;
    rets[0] = r >= 1 ? hp->t->rets[0] : V_NIL;
    return 1;
}

static int heap_n_pop(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Heap hp;
    int64_t n;
    if (heap_bind(t, "heap.Pop", args[0], &hp) < 0 || hlen(&hp, &n) < 0)
        return -1;
    n--;
    if (hswap(&hp, 0, n) < 0 || down(&hp, 0, n) < 0)
        return -1;
    return pop_result(&hp, rets);
}

static int heap_n_remove(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Heap hp;
    int64_t n, i;
    if (!vm_check_int(t, "heap.Remove", args, 1, &i))
        return -1;
    if (heap_bind(t, "heap.Remove", args[0], &hp) < 0 || hlen(&hp, &n) < 0)
        return -1;
    n--;
    if (n != i) {
        if (hswap(&hp, i, n) < 0)
            return -1;
        int moved = down(&hp, i, n);
        if (moved < 0 || (!moved && up(&hp, i) < 0))
            return -1;
    }
    return pop_result(&hp, rets);
}

static int heap_n_fix(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs, (void)rets;
    Heap hp;
    int64_t n, i;
    if (!vm_check_int(t, "heap.Fix", args, 1, &i))
        return -1;
    if (heap_bind(t, "heap.Fix", args[0], &hp) < 0 || hlen(&hp, &n) < 0)
        return -1;
    int moved = down(&hp, i, n);
    if (moved < 0 || (!moved && up(&hp, i) < 0))
        return -1;
    return 0;
}

static const ModuleFn heap_fns[] = {
    {"Fix", heap_n_fix, 2, 2, "func(heap.Interface, int)"},
    {"Init", heap_n_init, 1, 1, "func(heap.Interface)"},
    {"Pop", heap_n_pop, 1, 1, "func(heap.Interface) any"},
    {"Push", heap_n_push, 2, 2, "func(heap.Interface, any)"},
    {"Remove", heap_n_remove, 2, 2, "func(heap.Interface, int) any"},
    {NULL, NULL, 0, 0, NULL},
};

static void heap_open(ObjModule *m)
{
    module_add_fns(m, heap_fns);
    module_add_type(m, "Interface", TYPE_INTERFACE);
}

const ModuleDef csp_module_heap = {"container/heap", heap_open};
