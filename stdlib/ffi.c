/* ffi.c — the ffi module: calling C functions in shared libraries through
 * libffi.
 *
 *     lib := ffi.Open("libm.so.6")             // dlopen; "" or nil: the program
 *     cos := lib.Func("cos", "double", ["double"])
 *     cos(0.5)
 *
 * ffi.Open returns an ffi.Lib. lib.Func looks the symbol up and prepares
 * the libffi call description (ffi_cif) once; what it returns is an
 * ordinary csp function. It is an ObjBound whose receiver is an ffi.Func
 * object holding the prepared call, and whose native ("C.cos" in messages
 * and tracebacks) has that object in its `data` too. A bound method is used
 * rather than a bare ObjNative because a native is not told which ObjNative
 * it was called through: the receiver is the one way that works for every
 * kind of call, `go cos(1)` included.
 *
 * A call converts every argument to C first (type and range checks, each a
 * panic naming the function and the argument), copies string arguments
 * into NUL-terminated C memory (C may write to them; csp strings are
 * immutable), then makes the call through sched_syscall(): the C function
 * runs on the OS thread's own stack (not the goroutine's small one), and
 * as it may block, the runtime hands this thread's P to another thread
 * when it does. Nothing inside touches a csp object or the collector; the
 * results are built after.
 *
 * ffi.Pointer is an opaque C address (a native object printing as 0x...);
 * NULL is nil both ways. A pointer carries no type or lifetime: reading
 * through a wrong one is C's undefined behaviour, which ffi cannot check.
 * (A string argument's copy lives until the call's result is built, so a
 * string result pointing into it is fine; a pointer result into it
 * dangles once the call returns.)
 *
 * Closing: lib.Close() marks the library closed; functions taken from it
 * then panic instead of calling into unmapped code. A call in flight keeps
 * the library loaded (an atomic count of calls in flight), and the last
 * call out unloads it.
 *
 * C stack: C functions run on the OS thread's stack, as Go runs cgo calls
 * on g0: the system's size (ulimit -s for the main thread, the pthread
 * default for others) with a guard page, so deep C recursion (regcomp on a
 * nested pattern) has room, and an overflow is a fault that the runtime
 * reports ("unexpected signal during C call"), never a corrupted
 * goroutine stack.
 */
#include <dlfcn.h>
#include <ffi.h>
#include <gc/gc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../vm/ctx.h"
#include "../vm/mem.h"
#include "../vm/sched.h"
#include "stdlib.h"

/* Arguments of one C function. libffi has no limit; this keeps the
 * argument buffers of a call on the C stack. */
#define FFI_MAX_ARGS 32
/* String arguments up to this many bytes in total are copied to the C
 * stack; more go to malloc. */
#define FFI_STR_STACK 512

/* ---- types -------------------------------------------------------------- */

/* The integer kinds, listed once: kind, C type and Slot field, libffi
 * type, the csp int range it accepts (csp ints are int64, so uint64 takes
 * the non-negative ones), and the ffi_arg member libffi widens a result of
 * that kind into (s signed, u unsigned). */
#define FFI_INT_KINDS(X)                                                                                     \
    X(I8, int8_t, i8, sint8, INT8_MIN, INT8_MAX, s)                                                          \
    X(I16, int16_t, i16, sint16, INT16_MIN, INT16_MAX, s)                                                    \
    X(I32, int32_t, i32, sint32, INT32_MIN, INT32_MAX, s)                                                    \
    X(I64, int64_t, i64, sint64, INT64_MIN, INT64_MAX, s)                                                    \
    X(U8, uint8_t, u8, uint8, 0, UINT8_MAX, u)                                                               \
    X(U16, uint16_t, u16, uint16, 0, UINT16_MAX, u)                                                          \
    X(U32, uint32_t, u32, uint32, 0, UINT32_MAX, u)                                                          \
    X(U64, uint64_t, u64, uint64, 0, INT64_MAX, u)

/* Kinds index the tables below; the integer ones come last. */
/* clang-format off: it misreads the X-macro expansions as calls. */
typedef enum {
    K_VOID,
    K_FLOAT,
    K_DOUBLE,
    K_POINTER,
    K_STRING,
#define X(k, ct, field, ft, lo, hi, ret) K_##k,
    FFI_INT_KINDS(X)
#undef X
} Kind;
#define K__COUNT (K_U64 + 1) /* U64 is the last integer kind */
/* clang-format on */

_Static_assert(sizeof(int) == 4, "C int is 32 bits");
_Static_assert(sizeof(long) == 4 || sizeof(long) == 8, "C long is 32 or 64 bits");
_Static_assert(sizeof(size_t) == 4 || sizeof(size_t) == 8, "size_t is 32 or 64 bits");

/* The script's type names, as LANGUAGE.md lists them: TYPE(name, kind). */
#define FFI_TYPE_NAMES(TYPE)                                                                                 \
    TYPE(void, K_VOID)                                                                                       \
    TYPE(int8, K_I8)                                                                                         \
    TYPE(int16, K_I16)                                                                                       \
    TYPE(int32, K_I32)                                                                                       \
    TYPE(int64, K_I64)                                                                                       \
    TYPE(uint8, K_U8)                                                                                        \
    TYPE(uint16, K_U16)                                                                                      \
    TYPE(uint32, K_U32)                                                                                      \
    TYPE(uint64, K_U64)                                                                                      \
    TYPE(int, K_I32)                                                                                         \
    TYPE(uint, K_U32)                                                                                        \
    TYPE(long, sizeof(long) == 8 ? K_I64 : K_I32)                                                            \
    TYPE(size_t, sizeof(size_t) == 8 ? K_U64 : K_U32)                                                        \
    TYPE(float, K_FLOAT)                                                                                     \
    TYPE(double, K_DOUBLE)                                                                                   \
    TYPE(pointer, K_POINTER)                                                                                 \
    TYPE(string, K_STRING)

static const struct {
    const char *name;
    Kind kind;
} type_names[] = {
#define TYPE(name, kind) {#name, kind},
    FFI_TYPE_NAMES(TYPE)
#undef TYPE
};
#define NTYPES ((int)(sizeof type_names / sizeof type_names[0]))
/* "void int8 ... string", for the bad-type message. */
#define TYPE(name, kind) " " #name
static const char type_list[] = FFI_TYPE_NAMES(TYPE);
#undef TYPE

/* clang-format off: it misreads the X-macro expansion as a call. */
static ffi_type *const kind_ffi[K__COUNT] = {[K_VOID] = &ffi_type_void,
                                             [K_FLOAT] = &ffi_type_float,
                                             [K_DOUBLE] = &ffi_type_double,
                                             [K_POINTER] = &ffi_type_pointer,
                                             [K_STRING] = &ffi_type_pointer,
#define X(k, ct, field, ft, lo, hi, ret) [K_##k] = &ffi_type_##ft,
                                             FFI_INT_KINDS(X)
#undef X
};
/* clang-format on */

static const int64_t kind_min[K__COUNT] = {
#define X(k, ct, field, ft, lo, hi, ret) [K_##k] = lo,
    FFI_INT_KINDS(X)
#undef X
};
static const int64_t kind_max[K__COUNT] = {
#define X(k, ct, field, ft, lo, hi, ret) [K_##k] = hi,
    FFI_INT_KINDS(X)
#undef X
};

static bool kind_is_int(Kind k)
{
    return k >= K_I8;
}

/* ---- objects ------------------------------------------------------------ */

typedef struct FfiLib {
    void *handle;
    const char *path;         /* as given ("" for the program itself) */
    _Atomic int64_t inflight; /* calls into it right now */
    _Atomic int closed;       /* Close() was called */
    _Atomic int unloaded;     /* dlclose done (once) */
} FfiLib;

/* One argument or result type: its kind and the name the script used. */
typedef struct FfiType {
    Kind kind;
    const char *name;
} FfiType;

/* Calls this long, twice, mark a function as one that blocks: long enough
 * that a descheduled thread or a first-call symbol binding does not count. */
#define FFI_SLOW_NS 1000000
#define FFI_SLOW_TIMES 2

typedef struct FfiFunc {
    ffi_cif cif; /* prepared once by Func */
    void (*fn)(void);
    FfiLib *lib;
    const char *name; /* "C.cos": messages and tracebacks */
    int nargs;
    /* Set once a call took longer than FFI_SLOW_NS: from then on calls run
     * GC-blocked (sched_blocking_call), so a collection does not cut them
     * short with EINTR. Quick functions (getpid) skip that cost (it saves
     * the registers with getcontext, a system call). Relaxed: a hint. */
    _Atomic int slow; /* counts slow calls up to FFI_SLOW_TIMES */
    FfiType ret;
    ffi_type **atypes; /* the cif points here */
    FfiType args[];
} FfiFunc;

static const ObjClass lib_class, func_class, pointer_class;

static void *payload_of(Value v, const ObjClass *cls)
{
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != cls)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

/* ---- ffi.Pointer -------------------------------------------------------- */

static Value pointer_new(void *p)
{
    /* The payload is the address itself; NULL is never made (it is nil). */
    return v_from_ptr(object_new(&pointer_class, p));
}

static int pointer_string(Thread *t, Value *args, int nargs, Value *rets)
{
    if (!payload_of(args[0], &pointer_class))
        return vm_panicf(t, E_ARG_TYPE, "ffi.Pointer.String", 0, "ffi.Pointer", v_type_name(args[0]));
    rets[0] = v_from_ptr(str_printf("%p", payload_of(args[0], &pointer_class)));
    return 1;
}

static int pointer_addr(Thread *t, Value *args, int nargs, Value *rets)
{
    if (!payload_of(args[0], &pointer_class))
        return vm_panicf(t, E_ARG_TYPE, "ffi.Pointer.Addr", 0, "ffi.Pointer", v_type_name(args[0]));
    rets[0] = v_make_int((int64_t)(uintptr_t)payload_of(args[0], &pointer_class));
    return 1;
}

static const MethodDef pointer_methods[] = {
    {"String", pointer_string, 0, 0},
    {"Addr", pointer_addr, 0, 0},
    {NULL, NULL, 0, 0},
};
static const ObjClass pointer_class = {.name = "ffi.Pointer", .methods = pointer_methods, .get_field = NULL};

/* ---- loading ------------------------------------------------------------ */

static void lib_unload(FfiLib *lib)
{
    if (!atomic_exchange(&lib->unloaded, 1))
        dlclose(lib->handle);
}

/* Around every call: a closed library is never called, and one being
 * called is unloaded only when the last call returns. Sequentially
 * consistent atomics make Close and a starting call see each other. */
static bool lib_acquire(FfiLib *lib)
{
    atomic_fetch_add(&lib->inflight, 1);
    if (atomic_load(&lib->closed)) {
        if (atomic_fetch_sub(&lib->inflight, 1) == 1)
            lib_unload(lib);
        return false;
    }
    return true;
}

static void lib_release(FfiLib *lib)
{
    if (atomic_fetch_sub(&lib->inflight, 1) == 1 && atomic_load(&lib->closed))
        lib_unload(lib);
}

/* dlopen reads files and runs constructors: it may block. dlerror's text
 * is per OS thread, so it is copied out in the same call. */
typedef struct OpenCall {
    const char *path;
    void *handle;
    char why[256];
} OpenCall;

static void do_open(void *arg)
{
    OpenCall *oc = arg;
    oc->handle = dlopen(oc->path, RTLD_NOW | RTLD_LOCAL);
    if (!oc->handle) {
        const char *e = dlerror();
        strncpy(oc->why, e ? e : "unknown error", sizeof oc->why - 1);
    }
}

/* ffi.Open(path): dlopen. "" or nil (or no argument) opens the program
 * itself, so the C library's functions are reachable. */
static int ffi_n_open(Thread *t, Value *args, int nargs, Value *rets)
{
    const char *path = NULL;
    if (nargs > 0 && args[0] != V_NIL) {
        ObjString *s;
        if (!vm_check_str(t, "ffi.Open", args, 0, &s))
            return -1;
        if (memchr(s->data, 0, s->len))
            return vm_panicf(t, E_ARG_TYPE, "ffi.Open", 1, "a library path", "a string with a NUL byte");
        path = s->data;
        if (s->len == 0)
            path = NULL;
    }
    OpenCall oc = {path, NULL, ""};
    sched_syscall(do_open, &oc);
    void *h = oc.handle;
    const char *why = oc.why;
    if (!h)
        return vm_panicf(t, E_FFI_OPEN, path ? path : "", why);
    FfiLib *lib = mem_alloc(sizeof *lib);
    lib->handle = h;
    size_t plen = path ? strlen(path) : 0;
    char *pcopy = mem_alloc_atomic(plen + 1);
    memcpy(pcopy, path ? path : "", plen + 1);
    lib->path = pcopy;
    atomic_init(&lib->inflight, 0);
    atomic_init(&lib->closed, 0);
    atomic_init(&lib->unloaded, 0);
    rets[0] = v_from_ptr(object_new(&lib_class, lib));
    return 1;
}

/* ---- calls -------------------------------------------------------------- */

typedef union Slot {
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    float f;
    double d;
    void *p;
    const ObjString *s; /* a string argument before its copy is made */
} Slot;

/* Convert argument i (0-based) to C; strings are left as ObjString for the
 * caller to copy (their byte count is added to *strbytes). */
static bool to_c(Thread *t, const FfiFunc *f, int i, Value v, Slot *out, size_t *strbytes)
{
    const FfiType *ty = &f->args[i];
    Kind k = ty->kind;
    if (kind_is_int(k)) {
        if (!v_is_anyint(v)) {
            vm_panicf(t, E_FFI_ARG_TYPE, f->name, i + 1, ty->name, v_type_name(v));
            return false;
        }
        int64_t x = v_anyint(v);
        if (x < kind_min[k] || x > kind_max[k]) {
            vm_panicf(t, E_FFI_ARG_RANGE, f->name, i + 1, ty->name, (long long)x);
            return false;
        }
        switch (k) {
#define X(kk, ct, field, ft, lo, hi, ret)                                                                    \
    case K_##kk:                                                                                             \
        out->field = (ct)x;                                                                                  \
        break;
            FFI_INT_KINDS(X)
#undef X
        default:
            break;
        }
        return true;
    }
    switch (k) {
    case K_FLOAT:
    case K_DOUBLE: {
        /* An int is taken where C wants a floating type (cos(0)), as Go
         * converts an untyped constant; the reverse loses digits, so it
         * is refused above. */
        double d;
        if (v_is_anyfloat(v))
            d = v_anyfloat(v);
        else if (v_is_anyint(v))
            d = (double)v_anyint(v);
        else {
            vm_panicf(t, E_FFI_ARG_TYPE, f->name, i + 1, ty->name, v_type_name(v));
            return false;
        }
        if (k == K_FLOAT)
            out->f = (float)d;
        else
            out->d = d;
        return true;
    }
    case K_POINTER:
        if (v == V_NIL) {
            out->p = NULL;
            return true;
        }
        if (!payload_of(v, &pointer_class)) {
            vm_panicf(t, E_FFI_ARG_TYPE, f->name, i + 1, "pointer (an ffi.Pointer or nil)", v_type_name(v));
            return false;
        }
        out->p = payload_of(v, &pointer_class);
        return true;
    case K_STRING: {
        if (!v_is_str(v)) {
            vm_panicf(t, E_FFI_ARG_TYPE, f->name, i + 1, "string", v_type_name(v));
            return false;
        }
        const ObjString *s = v_str(v);
        if (memchr(s->data, 0, s->len)) {
            vm_panicf(t, E_FFI_ARG_NUL, f->name, i + 1);
            return false;
        }
        out->s = s;
        *strbytes = mem_add(*strbytes, mem_add(s->len, 1));
        return true;
    }
    default: /* void: refused by Func */
        vm_panicf(t, E_FFI_VOID_ARG, f->name, i + 1);
        return false;
    }
}

/* The call itself: args[0] is the ffi.Func, the rest are the script's. */
/* The C call itself, run by sched_blocking_call: no csp state inside. */
typedef struct FfiCall {
    FfiFunc *f;
    void *ret;
    void **avalues;
} FfiCall;

static void do_ffi_call(void *arg)
{
    FfiCall *c = arg;
    ffi_call(&c->f->cif, c->f->fn, c->ret, c->avalues);
    lib_release(c->f->lib); /* atomics (and dlclose at most) */
}

static int func_call(Thread *t, Value *args, int nargs, Value *rets)
{
    FfiFunc *f = payload_of(args[0], &func_class);
    if (!f)
        return vm_panicf(t, E_ARG_TYPE, "ffi call", 0, "ffi.Func", v_type_name(args[0]));
    args++;
    nargs--;
    if (nargs != f->nargs) /* the VM checks the count; a direct C caller may not */
        return vm_panicf(t, E_ARG_COUNT, f->name, f->nargs, nargs);

    Slot slots[FFI_MAX_ARGS];
    void *avalues[FFI_MAX_ARGS];
    size_t strbytes = 0;
    for (int i = 0; i < nargs; i++) {
        if (!to_c(t, f, i, args[i], &slots[i], &strbytes))
            return -1;
        avalues[i] = &slots[i];
    }
    char small[FFI_STR_STACK];
    char *block = NULL;
    if (strbytes) {
        block = strbytes <= sizeof small ? small : mem_malloc(strbytes);
        char *p = block;
        for (int i = 0; i < nargs; i++) {
            if (f->args[i].kind != K_STRING)
                continue;
            const ObjString *s = slots[i].s;
            memcpy(p, s->data, s->len + 1); /* csp strings keep a NUL at len */
            slots[i].p = p;
            p += s->len + 1;
        }
    }
    if (!lib_acquire(f->lib)) {
        if (block != small)
            free(block);
        return vm_panicf(t, E_FFI_CLOSED, f->lib->path);
    }

    /* libffi widens integer results narrower than a register to ffi_arg. */
    union {
        ffi_arg u;
        ffi_sarg s;
        float f;
        double d;
        void *p;
    } r;
    memset(&r, 0, sizeof r);
    FfiCall call = {f, &r, avalues};
    if (atomic_load_explicit(&f->slow, memory_order_relaxed) >= FFI_SLOW_TIMES) {
        sched_blocking_call(do_ffi_call, &call);
    } else {
        int64_t t0 = sched_nanotime();
        GC_word gc0 = GC_get_gc_no();
        sched_syscall(do_ffi_call, &call);
        /* A collection during the call may have cut it short (EINTR):
         * protect every later call at once. */
        if (GC_get_gc_no() != gc0)
            atomic_store_explicit(&f->slow, FFI_SLOW_TIMES, memory_order_relaxed);
        else if (sched_nanotime() - t0 > FFI_SLOW_NS)
            atomic_fetch_add_explicit(&f->slow, 1, memory_order_relaxed);
    }

    /* The string copies live until the result is built: a string result
     * may point into one (strstr returns a pointer into its argument). */
    int n = 1;
    switch (f->ret.kind) {
    case K_VOID:
        n = 0;
        break;
#define X(k, ct, field, ft, lo, hi, ret)                                                                     \
    case K_##k: /* uint64 wraps past MaxInt, as csp ints do */                                               \
        rets[0] = v_make_int((int64_t)(ct)r.ret);                                                            \
        break;
        FFI_INT_KINDS(X)
#undef X
    case K_FLOAT:
        rets[0] = v_make_float(r.f);
        break;
    case K_DOUBLE:
        rets[0] = v_make_float(r.d);
        break;
    case K_POINTER:
        rets[0] = r.p ? pointer_new(r.p) : V_NIL;
        break;
    case K_STRING:
        rets[0] = r.p ? v_cstr(r.p) : V_NIL;
        break;
    }
    if (block != small)
        free(block);
    return n;
}

static const MethodDef func_methods[] = {{NULL, NULL, 0, 0}};
static const ObjClass func_class = {.name = "ffi.Func", .methods = func_methods, .get_field = NULL};

/* ---- lib.Func ----------------------------------------------------------- */

/* A type name: a known one, or a panic naming what is wrong. which is 0
 * for the result, else the argument's number. */
static bool parse_type(Thread *t, const char *fname, Value v, int which, FfiType *out)
{
    if (!v_is_str(v)) {
        if (which == 0)
            vm_panicf(t, E_FFI_RET_TYPE_ARG, fname, v_type_name(v));
        else
            vm_panicf(t, E_FFI_TYPE_ARG, fname, which, v_type_name(v));
        return false;
    }
    ObjString *s = v_str(v);
    for (int i = 0; i < NTYPES; i++) {
        if (strlen(type_names[i].name) == s->len && memcmp(type_names[i].name, s->data, s->len) == 0) {
            out->kind = type_names[i].kind;
            out->name = type_names[i].name;
            if (which > 0 && out->kind == K_VOID) {
                vm_panicf(t, E_FFI_VOID_ARG, fname, which);
                return false;
            }
            return true;
        }
    }
    vm_panicf(t, E_FFI_BAD_TYPE, fname, s->data, type_list + 1);
    return false;
}

/* A list of argument type names (nil: none); appends to types from *n. */
static bool parse_types(Thread *t, const char *fname, Value v, FfiType *types, int *n)
{
    if (v == V_NIL)
        return true;
    if (!v_is_obj(v, OBJ_LIST)) {
        vm_panicf(t, E_FFI_ARGS_LIST, fname, v_type_name(v));
        return false;
    }
    ObjList *l = v_list(v);
    Value e;
    for (int64_t i = 0; list_get(l, i, &e); i++) {
        if (*n >= FFI_MAX_ARGS) {
            vm_panicf(t, E_FFI_MANY_ARGS, fname, FFI_MAX_ARGS);
            return false;
        }
        if (!parse_type(t, fname, e, *n + 1, &types[*n]))
            return false;
        (*n)++;
    }
    return true;
}

/* lib.Func(name, ret[, args]) and lib.FuncVariadic(name, ret, fixed,
 * varargs): the call is prepared here, once. */
static int make_func(Thread *t, Value *args, int nargs, Value *rets, bool variadic)
{
    const char *mname = variadic ? "ffi.Lib.FuncVariadic" : "ffi.Lib.Func";
    FfiLib *lib = payload_of(args[0], &lib_class);
    if (!lib)
        return vm_panicf(t, E_ARG_TYPE, mname, 0, "ffi.Lib", v_type_name(args[0]));
    args++;
    nargs--;
    ObjString *sym;
    if (!vm_check_str(t, mname, args, 0, &sym))
        return -1;
    if (memchr(sym->data, 0, sym->len))
        return vm_panicf(t, E_ARG_TYPE, mname, 1, "a symbol name", "a string with a NUL byte");
    char *cname = mem_alloc_atomic(mem_add(sym->len, 3));
    memcpy(cname, "C.", 2);
    memcpy(cname + 2, sym->data, sym->len + 1);

    FfiType ret, types[FFI_MAX_ARGS];
    int n = 0, nfixed = 0;
    if (!parse_type(t, cname, args[1], 0, &ret))
        return -1;
    if (!parse_types(t, cname, nargs > 2 ? args[2] : V_NIL, types, &n))
        return -1;
    nfixed = n;
    if (variadic) {
        if (!parse_types(t, cname, args[3], types, &n))
            return -1;
        /* C promotes these in a variadic call; libffi refuses them. */
        for (int i = nfixed; i < n; i++) {
            Kind k = types[i].kind;
            if (k == K_I8 || k == K_I16 || k == K_U8 || k == K_U16 || k == K_FLOAT)
                return vm_panicf(t, E_FFI_VARARG, cname, i + 1, types[i].name,
                                 k == K_FLOAT                ? "double"
                                 : (k == K_U8 || k == K_U16) ? "uint"
                                                             : "int");
        }
    }

    if (atomic_load(&lib->closed))
        return vm_panicf(t, E_FFI_CLOSED, lib->path);
    dlerror(); /* clear: a symbol may be NULL without an error */
    void *addr = dlsym(lib->handle, sym->data);
    if (!addr)
        return vm_panicf(t, E_FFI_NO_SYMBOL, sym->data, lib->path);

    FfiFunc *f = mem_alloc(sizeof *f + (size_t)n * sizeof(FfiType));
    f->fn = (void (*)(void))addr;
    f->lib = lib;
    f->name = cname;
    f->nargs = n;
    f->ret = ret;
    f->atypes = mem_alloc((size_t)(n > 0 ? n : 1) * sizeof(ffi_type *));
    for (int i = 0; i < n; i++) {
        f->args[i] = types[i];
        f->atypes[i] = kind_ffi[types[i].kind];
    }
    ffi_status st = variadic
                        ? ffi_prep_cif_var(&f->cif, FFI_DEFAULT_ABI, (unsigned)nfixed, (unsigned)n,
                                           kind_ffi[ret.kind], f->atypes)
                        : ffi_prep_cif(&f->cif, FFI_DEFAULT_ABI, (unsigned)n, kind_ffi[ret.kind], f->atypes);
    if (st != FFI_OK)
        return vm_panicf(t, E_FFI_PREP, cname, (int)st);

    /* The callable: C.name bound to the prepared call. */
    Value self = v_from_ptr(object_new(&func_class, f));
    ObjNative *nf = native_new(cname, func_call, n + 1, n + 1);
    nf->h.flags = NATIVE_METHOD; /* counts include the receiver */
    nf->data = self;
    ObjBound *b = mem_alloc(sizeof *b);
    b->h.kind = OBJ_BOUND;
    b->h.flags = 0;
    b->recv = self;
    b->fn = v_from_ptr(nf);
    rets[0] = v_from_ptr(b);
    return 1;
}

static int lib_func(Thread *t, Value *args, int nargs, Value *rets)
{
    return make_func(t, args, nargs, rets, false);
}

static int lib_func_variadic(Thread *t, Value *args, int nargs, Value *rets)
{
    return make_func(t, args, nargs, rets, true);
}

static void do_unload(void *lib)
{
    lib_unload(lib);
}

static int lib_close(Thread *t, Value *args, int nargs, Value *rets)
{
    FfiLib *lib = payload_of(args[0], &lib_class);
    if (!lib)
        return vm_panicf(t, E_ARG_TYPE, "ffi.Lib.Close", 0, "ffi.Lib", v_type_name(args[0]));
    atomic_store(&lib->closed, 1);
    if (atomic_load(&lib->inflight) == 0) {
        /* dlclose runs destructors and takes the loader's lock, which a
         * dlopen elsewhere may hold while it reads from disk. */
        sched_syscall(do_unload, lib);
    }
    rets[0] = V_NIL;
    return 1;
}

static int lib_string(Thread *t, Value *args, int nargs, Value *rets)
{
    FfiLib *lib = payload_of(args[0], &lib_class);
    if (!lib)
        return vm_panicf(t, E_ARG_TYPE, "ffi.Lib.String", 0, "ffi.Lib", v_type_name(args[0]));
    rets[0] = v_from_ptr(str_printf("ffi.Lib(%s)", lib->path));
    return 1;
}

static const MethodDef lib_methods[] = {
    {"Func", lib_func, 2, 3},   {"FuncVariadic", lib_func_variadic, 4, 4},
    {"Close", lib_close, 0, 0}, {"String", lib_string, 0, 0},
    {NULL, NULL, 0, 0},
};
static const ObjClass lib_class = {.name = "ffi.Lib", .methods = lib_methods, .get_field = NULL};

static const ModuleFn ffi_fns[] = {
    {"Open", ffi_n_open, 0, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static void ffi_open(ObjModule *m)
{
    module_add_fns(m, ffi_fns);
}

const ModuleDef csp_module_ffi = {"ffi", ffi_open};
