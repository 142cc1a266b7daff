/* iface.c — type assertions and interface satisfaction. See iface.h. */
#include "iface.h"

#include <string.h>

#include "chan.h"
#include "vm.h"

/* The declared type a value carries, if any, and whether the value is a
 * pointer to it (which widens its method set). */
static const ObjType *declared_type(Value v, bool *is_ptr)
{
    *is_ptr = false;
    if (v_is_ref(v)) {
        Obj *o = v_ref_target(v);
        *is_ptr = true;
        if (o->kind == OBJ_STRUCT)
            return ((ObjStruct *)o)->type;
        if (o->kind == OBJ_ARRAY)
            return ((ObjArray *)o)->type;
        return NULL;
    }
    if (v_is_obj(v, OBJ_STRUCT))
        return ((ObjStruct *)v_ptr(v))->type;
    if (v_is_obj(v, OBJ_ARRAY))
        return ((ObjArray *)v_ptr(v))->type;
    return NULL;
}

/* A method of ty by name, in the method set of a value (ptr false) or of
 * a pointer to one (ptr true). */
static bool has_method(const ObjType *ty, const char *name, bool ptr)
{
    if (!ty)
        return false;
    for (int i = 0; i < ty->nmethods; i++) {
        const TypeMethod *m = &ty->methods[i];
        if (strcmp(m->name->data, name) == 0)
            return ptr || !m->ptr_recv;
    }
    return false;
}

static bool same_type(const ObjType *a, const ObjType *b)
{
    return a == b || (a && b && a->kind == b->kind && strcmp(a->name, b->name) == 0);
}

const char *iface_missing(const ObjType *ty, Value v)
{
    if (ty->kind != TYPE_INTERFACE)
        return NULL;
    bool ptr;
    const ObjType *dt = declared_type(v, &ptr);
    if (strcmp(ty->name, "error") == 0) {
        if (v_is_obj(v, OBJ_ERROR) || has_method(dt, "Error", ptr))
            return NULL;
        return "Error";
    }
    for (int i = 0; i < ty->nmethods; i++) {
        const char *name = ty->methods[i].name->data;
        /* error values have Error; native objects answer for their own
         * methods (a sync.Mutex has Lock and Unlock) */
        if (strcmp(name, "Error") == 0 && v_is_obj(v, OBJ_ERROR))
            continue;
        if (v_is_obj(v, OBJ_OBJECT) &&
            class_method(((ObjObject *)v_ptr(v))->cls, ty->methods[i].name) != NULL)
            continue;
        if (!has_method(dt, name, ptr))
            return name;
    }
    return NULL;
}

bool iface_has(const ObjType *ty, Value v)
{
    if (v == V_NIL)
        return false;
    bool ptr;
    const ObjType *dt = declared_type(v, &ptr);
    switch (ty->kind) {
    case TYPE_INTERFACE:
        return iface_missing(ty, v) == NULL;
    case TYPE_BOOL:
        return v_is_bool(v);
    case TYPE_INT:
        return v_is_anyint(v);
    case TYPE_FLOAT:
        return v_is_anyfloat(v);
    case TYPE_STRING:
        return v_is_str(v);
    case TYPE_SLICE:
        return v_is_obj(v, OBJ_LIST);
    case TYPE_MAP:
        return v_is_obj(v, OBJ_MAP);
    case TYPE_CHAN:
        return v_is_obj(v, OBJ_CHAN);
    case TYPE_FUNC:
        return v_is_obj(v, OBJ_CLOSURE) || v_is_obj(v, OBJ_NATIVE) || v_is_obj(v, OBJ_BOUND);
    case TYPE_POINTER:
        if (!v_is_ref(v))
            return false;
        if (dt)
            return same_type(dt, ty->elem);
        /* a pointer to a variable or slot: its type is not kept; the
         * value it holds now is the best witness */
        return ty->elem && ty->elem->kind != TYPE_STRUCT && !ty->elem->named;
    case TYPE_ARRAY:
    case TYPE_STRUCT:
        return !ptr && dt && same_type(dt, ty);
    case TYPE_OBJECT:
        return v_is_obj(v, OBJ_OBJECT) && strcmp(v_type_name(v), ty->name) == 0;
    default:
        return !ptr && dt && same_type(dt, ty);
    }
}

/* Go's names for the dynamic type in a message. */
static const char *dyn_name(Value v)
{
    bool ptr;
    const ObjType *dt = declared_type(v, &ptr);
    if (dt)
        return ptr ? str_printf("*%s", dt->name)->data : dt->name;
    if (v_is_anyfloat(v))
        return "float64";
    if (v_is_obj(v, OBJ_LIST))
        return "[]interface {}";
    if (v_is_obj(v, OBJ_MAP))
        return "map[interface {}]interface {}";
    if (v_is_obj(v, OBJ_ERROR))
        return "*errors.errorString";
    return v_type_name(v);
}

int iface_assert(Thread *t, const ObjType *ty, Value v, Value *out)
{
    if (iface_has(ty, v)) {
        *out = v;
        return 0;
    }
    const char *want = ty->kind == TYPE_INTERFACE && strcmp(ty->name, "any") == 0 ? "interface {}" : ty->name;
    if (v == V_NIL)
        return vm_panicf(t, E_IFACE_NIL, want);
    const char *missing = iface_missing(ty, v);
    if (missing)
        return vm_panicf(t, E_IFACE_MISSING, dyn_name(v), want, missing);
    return vm_panicf(t, E_IFACE_CONV, dyn_name(v), want);
}

int iface_assert2(Thread *t, const ObjType *ty, Value v, Value *out, bool *ok)
{
    *ok = iface_has(ty, v);
    if (*ok) {
        *out = v;
        return 0;
    }
    return types_zero(t, ty, out);
}
