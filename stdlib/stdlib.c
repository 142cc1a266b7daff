/* stdlib.c — stdlib_init, and the modules: opened lazily, once per process.
 *
 * Each module's file defines its ModuleDef (csp_module_<id>) with the
 * tables of its members; the build's module list (CSP_MODULES in
 * CMakeLists.txt) generates modules.def, which names them here. A module
 * is opened the first time anything asks for it: the compiler looking up
 * its name or an import of its path (through the universe's opener,
 * vm.h), or a type named with it (types.c's registry asks the same
 * opener). Start-up pays only for the builtins.
 */
#include "stdlib.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "../vm/mem.h"

#define MODULE(id) extern const ModuleDef csp_module_##id;
#include "modules.def"
#undef MODULE

static const ModuleDef *const modules[] = {
#define MODULE(id) &csp_module_##id,
#include "modules.def"
#undef MODULE
};
enum { NMODULES = sizeof modules / sizeof modules[0] };

/* The opened modules, by their index in modules[]: written once under
 * open_lock, read with acquire (a compiler on one thread, %T on another). A
 * static array is a root for the collector. Recursive: a module's open may
 * open another (io's members are os's files). */
static ObjModule *opened[NMODULES];
static pthread_mutex_t open_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static const char *last_element(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

ObjModule *stdlib_module(const char *name, size_t n, bool by_path)
{
    for (int i = 0; i < NMODULES; i++) {
        const char *key = by_path ? modules[i]->path : last_element(modules[i]->path);
        if (strlen(key) != n || memcmp(key, name, n) != 0)
            continue;
        ObjModule *m = __atomic_load_n(&opened[i], __ATOMIC_ACQUIRE);
        if (m)
            return m;
        pthread_mutex_lock(&open_lock);
        m = opened[i];
        if (!m) {
            m = module_new(last_element(modules[i]->path));
            modules[i]->open(m);
            __atomic_store_n(&opened[i], m, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&open_lock);
        return m;
    }
    return NULL;
}

static Value open_module(const char *name, size_t n, bool by_path)
{
    ObjModule *m = stdlib_module(name, n, by_path);
    return m ? v_from_ptr(m) : V_UNDEF;
}

void stdlib_open_all(Runtime *rt)
{
    for (int i = 0; i < NMODULES; i++) {
        Value v;
        const char *name = last_element(modules[i]->path);
        rt_universe_get(rt, name, &v);
    }
}

void module_add_fns(ObjModule *m, const ModuleFn *fns)
{
    for (; fns->name; fns++)
        module_add_fn(m, fns->name, fns->fn, fns->min_args, fns->max_args)->sig = fns->sig;
}

void module_add_ints(ObjModule *m, const ModuleInt *ints)
{
    for (; ints->name; ints++)
        module_add(m, ints->name, v_make_int(ints->v));
}

void module_add_floats(ObjModule *m, const ModuleFloat *floats)
{
    for (; floats->name; floats++)
        module_add(m, floats->name, v_make_float(floats->v));
}

void stdlib_method(ObjType *ty, const char *name, NativeFn fn, int nargs, bool ptr_recv, const char *sig)
{
    ObjNative *m = native_new(name, fn, nargs + 1, nargs + 1);
    m->h.flags = NATIVE_METHOD;
    const char *dot = strrchr(name, '.');
    types_add_method(ty, str_cstr(dot ? dot + 1 : name), v_from_ptr(m), ptr_recv, sig);
}

void module_add_type(ObjModule *m, const char *name, TypeKind kind)
{
    Value ctor = V_UNDEF;
    if (kind == TYPE_OBJECT && !map_get_cstr(m->members, name, &ctor))
        return; /* the module makes no such object */
    size_t a = strlen(m->name), b = strlen(name);
    char *q = mem_alloc_atomic(a + b + 2);
    memcpy(q, m->name, a);
    q[a] = '.';
    memcpy(q + a + 1, name, b + 1);
    types_register(q, kind, ctor);
}

Value stdlib_error(ErrCode code, ...)
{
    Buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, code);
    buf_vprintf(&b, err_formats[code], ap);
    va_end(ap);
    bool runtime = strncmp(b.data, "runtime error: ", 15) == 0;
    return v_from_ptr(error_new(buf_to_str(&b), runtime));
}

/* Defined by builtins.c and os.c. */
void builtins_init(Runtime *rt);
void os_set_args(Runtime *rt, int argc, char **argv);
void io_make_eof(void);

void stdlib_init(Runtime *rt, int argc, char **argv)
{
    builtins_init(rt);
    os_set_args(rt, argc, argv);
    io_make_eof();
    rt_set_module_opener(open_module);
}
