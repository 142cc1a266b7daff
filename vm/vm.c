/* vm.c — the bytecode interpreter: runtime and thread set-up, calls,
 * defer/panic/recover, and the interpreter loop.
 *
 * Design
 *   - No global mutable state: what is shared lives in Runtime (each field
 *     documented with its lock in vm.h), what belongs to one goroutine in
 *     its Thread. Several OS threads run this loop at once.
 *   - One value stack per Thread (GC_MALLOC'd, so the collector scans it),
 *     grown by doubling. Frames hold offsets into it, never pointers, so a
 *     reallocation only forces the loop to reload `base`.
 *   - csp-to-csp calls never recurse in C: CALL pushes a Frame and the loop
 *     carries on in the callee (Lua 5.4's luaV_execute "startfunc"); RETURN
 *     pops it and resumes the caller. The C stack is entered again only
 *     from C: vm_call (natives calling back, deferred calls, goroutine
 *     entry) runs a nested loop, execute(), that returns when the frame it
 *     pushed (flagged c_entry) returns or is unwound. So a goroutine's C
 *     stack use is bounded by VM_MAX_C_DEPTH nested loops, whatever the
 *     script's recursion depth.
 *   - Calling convention: CALL A B C has the callee in R[A] and the
 *     arguments above it; the callee's frame starts at R[A+1] (its R[0] is
 *     the first argument) and its results are copied down to R[A...].
 *   - Panics: a failing operation records the panic in the Thread
 *     (vm_panic*) and the loop jumps to `on_panic`, which unwinds frame by
 *     frame, running each frame's deferred calls; a deferred call that
 *     calls recover() stops it, and the frame that registered that deferred
 *     call returns nil results to its caller. Unwinding past a c_entry
 *     frame returns -1 from the nested loop; the C code above it (a native)
 *     returns -1 in turn, and the outer loop goes on unwinding its own
 *     frames.
 *
 * Sections: messages and panics; runtime, globals, modules, threads; the
 * value stack and frames; calls; operation slow paths; the interpreter
 * loop; vm_call and vm_run_main.
 */
#include "vm.h"

#include <gc/gc.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arith.h"
#include "buf.h"
#include "chan.h"
#include "format.h"
#include "iface.h"
#include "mem.h"
#include "opcodes.h"
#include "out.h"
#include "race.h"
#include "sched.h"
#include "trace.h"
#include "types.h"

const char *const err_formats[E__COUNT] = {
#define ERR(name, msg) msg,
#include "errors.def"
#undef ERR
};

/* Value-stack slots every frame keeps free above its registers: a native's
 * results (at most NATIVE_MAX_RETS) land at R[A..] and may pass maxregs. */
#define VM_STACK_SLACK (NATIVE_MAX_RETS + 2)
/* Initial sizes: a goroutine that never calls deep stays this small
 * (192 bytes of values, 4 frames), in the same allocation as its Thread
 * (thread_new); both double on demand. Small matters: 100,000 parked
 * goroutines each keep theirs, and the collector marks them all at every
 * collection. 24 slots hold a goroutine's function with up to 13
 * registers (VM_STACK_SLACK above them) and a native call from it. */
#define VM_STACK_INIT 24
#define VM_FRAMES_INIT 2

/* The first value stack and frames, right after the Thread in its own
 * allocation: one allocation per goroutine instead of three. */
static Value *inline_stack(Thread *t)
{
    return (Value *)(t + 1);
}

static Frame *inline_frames(Thread *t)
{
    return (Frame *)(inline_stack(t) + VM_STACK_INIT);
}

/* ====================================================================== */
/* messages and panics                                                    */
/* ====================================================================== */

_Noreturn void csp_fatal(const char *fmt, ...)
{
    rt_exit_begin();
    va_list ap;
    va_start(ap, fmt);
    fputs("fatal error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    rt_exit_end(2);
}

int vm_proto_line(const ObjProto *p, const uint32_t *pc)
{
    ptrdiff_t i = pc ? pc - p->code - 1 : -1;
    if (!p->lines || i < 0 || i >= p->ncode)
        return p->line;
    return p->lines[i];
}

static int frame_line(const Frame *fr)
{
    return vm_proto_line(fr->cl->proto, fr->pc);
}

/* The traceback where a panic starts: per frame, innermost first, the
 * proto (or the native it was calling) and the line. Formatting waits
 * until something prints it, since most panics are recovered. The builtin
 * panic itself is left out, as Go leaves out runtime.gopanic. */
static ObjList *capture_trace(Thread *t)
{
    ObjList *l = list_new(0, 16);
    int kept = 0;
    for (int i = t->nframes - 1; i >= 0; i--) {
        const Frame *fr = &t->frames[i];
        if (fr->native && strcmp(fr->native->name, "panic") != 0) {
            list_append(l, v_from_ptr(fr->native));
            list_append(l, v_int_small(0));
        }
        list_append(l, v_from_ptr(fr->cl->proto));
        list_append(l, v_int_small(frame_line(fr)));
        if (++kept >= VM_TRACE_FRAMES && i > 0) {
            list_append(l, V_TRUE); /* "...additional frames elided..." */
            list_append(l, v_int_small(0));
            break;
        }
    }
    return l;
}

/* Keep the flat panic fields of vm.h in step with the chain's newest. */
static void sync_panic(Thread *t)
{
    Panic *p = t->panic;
    bool was = t->panicking, now = p && !p->recovered;
    /* Atomic: main reads other goroutines' flags before it exits. */
    __atomic_store_n(&t->panicking, now, __ATOMIC_RELAXED);
    if (now != was)
        __atomic_add_fetch(&t->rt->npanicking, now ? 1 : -1, __ATOMIC_SEQ_CST);
    t->recovered = p && p->recovered;
    t->panic_val = p ? p->val : V_NIL;
    t->panic_trace = p ? p->trace : NULL;
}

int vm_panic(Thread *t, Value v)
{
    if (v == V_NIL) /* Go 1.21: panic(nil) becomes a runtime error */
        v = v_from_ptr(error_new(str_cstr("panic called with nil argument"), true));
    Panic *p = mem_alloc(sizeof *p);
    p->val = v;
    p->trace = capture_trace(t);
    p->link = t->panic;
    t->panic = p;
    sync_panic(t);
    return -1;
}

static int panic_vmsg(Thread *t, const char *fmt, va_list ap)
{
    Buf b;
    buf_init(&b);
    buf_vprintf(&b, fmt, ap);
    bool runtime = strncmp(b.data, "runtime error: ", 15) == 0;
    return vm_panic(t, v_from_ptr(error_new(buf_to_str(&b), runtime)));
}

int vm_panicf(Thread *t, ErrCode code, ...)
{
    va_list ap;
    va_start(ap, code);
    int r = panic_vmsg(t, (unsigned)code < E__COUNT ? err_formats[code] : "unknown error", ap);
    va_end(ap);
    return r;
}

int vm_panic_msg(Thread *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = panic_vmsg(t, fmt, ap);
    va_end(ap);
    return r;
}

void vm_clear_panic(Thread *t)
{
    t->panic = NULL;
    sync_panic(t);
}

bool vm_check_arg(Thread *t, const char *fname, Value *args, int i, ObjKind kind)
{
    if (v_is_obj(args[i], kind))
        return true;
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, obj_kind_name(kind), v_type_name(args[i]));
    return false;
}

bool vm_check_int(Thread *t, const char *fname, Value *args, int i, int64_t *out)
{
    if (v_is_anyint(args[i])) {
        *out = v_anyint(args[i]);
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "int", v_type_name(args[i]));
    return false;
}

bool vm_check_num(Thread *t, const char *fname, Value *args, int i, double *out)
{
    if (v_is_anyint(args[i])) {
        *out = v_anyint_double(args[i]);
        return true;
    }
    if (v_is_anyfloat(args[i])) {
        *out = v_anyfloat(args[i]);
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "number", v_type_name(args[i]));
    return false;
}

bool vm_check_str(Thread *t, const char *fname, Value *args, int i, ObjString **out)
{
    if (v_is_str(args[i])) {
        *out = v_str(args[i]);
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "string", v_type_name(args[i]));
    return false;
}

/* Go's rule: recover() stops a panic only when called directly by a
 * deferred function that the panic is running. The unwinder records that
 * function's frame index in recover_frame; natives push no frame, so the
 * frame calling the recover builtin is the top one. */
Value vm_recover(Thread *t)
{
    Panic *p = t->panic;
    if (!p || p->recovered || t->recover_frame < 0 || t->recover_frame != t->nframes - 1)
        return V_NIL;
    p->recovered = true;
    sync_panic(t);
    return p->val;
}

void vm_fn_name(Buf *b, Value fn)
{
    if (v_is_obj(fn, OBJ_PROTO)) {
        ObjProto *p = v_ptr(fn);
        if (p->is_main || !p->name)
            buf_adds(b, p->is_main ? "main.main" : "main.func?");
        else
            buf_add(b, p->name->data, p->name->len);
    } else if (v_is_obj(fn, OBJ_NATIVE)) {
        buf_adds(b, ((ObjNative *)v_ptr(fn))->name);
    } else {
        buf_adds(b, "?");
    }
}

/* Frames as Go prints them: "main.f(...)" and a tab-indented file:line. */
static void format_frames(Buf *b, ObjList *tr)
{
    size_t n = tr ? tr->len : 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        Value fn = tr->store->items[i];
        int line = (int)v_int(tr->store->items[i + 1]);
        if (fn == V_TRUE) {
            buf_adds(b, "...additional frames elided...\n");
            continue;
        }
        vm_fn_name(b, fn);
        if (v_is_obj(fn, OBJ_PROTO)) {
            ObjProto *p = v_ptr(fn);
            buf_adds(b, p->nparams && !p->is_main ? "(...)\n" : "()\n");
            buf_addc(b, '\t');
            if (p->file)
                buf_add(b, p->file->data, p->file->len);
            else
                buf_adds(b, "?");
            buf_printf(b, ":%d\n", line);
        } else {
            buf_adds(b, "(...)\n");
        }
    }
}

/* A float as Go's runtime prints one (printfloat): +d.dddddde+ddd. */
static void print_runtime_float(Buf *b, double v)
{
    if (v != v) {
        buf_adds(b, "NaN");
        return;
    }
    if (v + v == v && v != 0) {
        buf_adds(b, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    enum { N = 7 }; /* digits printed */
    char out[N + 7];
    out[0] = '+';
    int e = 0;
    if (v == 0) {
        if (1 / v < 0)
            out[0] = '-';
    } else {
        if (v < 0) {
            v = -v;
            out[0] = '-';
        }
        while (v >= 10) {
            e++;
            v /= 10;
        }
        while (v < 1) {
            e--;
            v *= 10;
        }
        double h = 5.0;
        for (int i = 0; i < N; i++)
            h /= 10;
        v += h;
        if (v >= 10) {
            e++;
            v /= 10;
        }
    }
    for (int i = 0; i < N; i++) {
        int s = (int)v;
        out[i + 2] = (char)(s + '0');
        v -= s;
        v *= 10;
    }
    out[1] = out[2];
    out[2] = '.';
    out[N + 2] = 'e';
    out[N + 3] = '+';
    if (e < 0) {
        e = -e;
        out[N + 3] = '-';
    }
    out[N + 4] = (char)(e / 100 + '0');
    out[N + 5] = (char)(e / 10 % 10 + '0');
    out[N + 6] = (char)(e % 10 + '0');
    buf_add(b, out, sizeof out);
}

/* A panic value as Go's printpanicval prints it: a float in the runtime's
 * own format, and a value of a declared type with a number, string or
 * bool underneath as main.T(v) (a string in quotes). Anything else
 * prints as %v without methods. */
static void print_panic_val(Buf *b, Value v)
{
    Value plain = v_unnamed(v);
    bool named = plain != v;
    bool basic = v_is_anyint(plain) || v_is_anyfloat(plain) || v_is_str(plain) || v_is_bool(plain);
    if (named && basic) {
        format_type(b, ((ObjNamed *)v_ptr(v))->type);
        buf_addc(b, '(');
    }
    if (named && basic && v_is_str(plain)) {
        buf_addc(b, '"');
        buf_add(b, v_str(plain)->data, v_str(plain)->len);
        buf_addc(b, '"');
    } else if (v_is_anyfloat(plain)) {
        print_runtime_float(b, v_anyfloat(plain));
    } else {
        format_value(b, plain);
    }
    if (named && basic)
        buf_addc(b, ')');
}

/* Go's preprintpanics: before the report, each panic value with an
 * Error() or String() method becomes the string it returns (Error()
 * first). Done on the dying goroutine, which can still run code; a method
 * that panics leaves its value as it was. */
static void preprint_panics(Thread *t)
{
    for (Panic *p = t->panic; p; p = p->link) {
        Value v = p->val;
        if (v_is_obj(v, OBJ_ERROR) || (!format_has_method(v, "Error") && !format_has_method(v, "String")))
            continue;
        Buf b;
        buf_init(&b);
        Printer pr;
        format_init(&pr, &b, t);
        format_print(&pr, v, 'v');
        if (!pr.failed)
            p->val = v_from_ptr(buf_to_str(&b));
    }
}

static void format_chain(Buf *b, Panic *p)
{
    if (!p)
        return;
    if (p->link) {
        format_chain(b, p->link);
        buf_addc(b, '\t');
    }
    buf_adds(b, "panic: ");
    print_panic_val(b, p->val);
    if (p->recovered)
        buf_adds(b, " [recovered]");
    buf_addc(b, '\n');
}

void vm_format_panic(Thread *t, Buf *b)
{
    preprint_panics(t);
    format_chain(b, t->panic);
    buf_printf(b, "\ngoroutine %lld [running]:\n", (long long)t->id);
    format_frames(b, t->panic ? t->panic->trace : NULL);
}

void vm_print_panic(Thread *t)
{
    rt_flush(t->rt);
    Buf b;
    buf_init(&b);
    vm_format_panic(t, &b);
    fwrite(b.data, 1, b.len, stderr);
    fflush(stderr);
}

_Noreturn void vm_die_of_panic(Thread *t)
{
    /* Formatted before the exit gate: once through it, nothing may wait
     * for the scheduler (the threads that lost the gate keep their Ps). */
    Buf b;
    buf_init(&b);
    vm_format_panic(t, &b);
    rt_exit_begin();
    fwrite(b.data, 1, b.len, stderr);
    rt_exit_end(2);
}

void vm_site(const Thread *t, const ObjProto **proto, const uint32_t **pc)
{
    *proto = NULL;
    *pc = NULL;
    for (int i = t ? t->nframes - 1 : -1; i >= 0; i--)
        if (t->frames[i].cl) {
            *proto = t->frames[i].cl->proto;
            *pc = t->frames[i].pc;
            return;
        }
}

void vm_print_created_by(FILE *out, const ObjProto *proto, const uint32_t *pc, int64_t parent)
{
    if (!proto)
        return;
    Frame fr = {0};
    ObjClosure cl = {0};
    cl.proto = (ObjProto *)proto;
    fr.cl = &cl;
    fr.pc = pc;
    Buf b;
    buf_init(&b);
    buf_adds(&b, "created by ");
    vm_fn_name(&b, v_from_ptr(proto));
    buf_printf(&b, " in goroutine %lld\n\t", (long long)parent);
    if (proto->file)
        buf_add(&b, proto->file->data, proto->file->len);
    else
        buf_adds(&b, "?");
    buf_printf(&b, ":%d\n", frame_line(&fr));
    fwrite(b.data, 1, b.len, out);
}

void vm_traceback(Thread *t, FILE *out)
{
    Buf b;
    buf_init(&b);
    format_frames(&b, t->nframes ? capture_trace(t) : NULL);
    fwrite(b.data, 1, b.len, out);
}

static void (*fatal_error_handler)(Thread *t); /* set once at start-up (the REPL) */

void vm_set_fatal_error_handler(void (*fn)(Thread *t))
{
    fatal_error_handler = fn;
}

_Noreturn void vm_fatal_error(Thread *t, const char *msg)
{
    Buf b;
    buf_init(&b);
    buf_printf(&b, "fatal error: %s\n\ngoroutine %lld [running]:\n", msg, (long long)t->id);
    format_frames(&b, t->nframes ? capture_trace(t) : NULL);
    if (fatal_error_handler) {
        /* The REPL: the report, then the handler ends only this goroutine.
         * Not through the exit gate: the session goes on, and a later exit
         * must still get through. */
        rt_flush(t->rt);
        fwrite(b.data, 1, b.len, stderr);
        fflush(stderr);
        fatal_error_handler(t); /* returns only when it cannot help */
    }
    rt_exit_begin();
    fwrite(b.data, 1, b.len, stderr);
    rt_exit_end(2);
}

/* ====================================================================== */
/* runtime, globals, modules, threads                                     */
/* ====================================================================== */

static ListStore *store_new(size_t cap)
{
    ListStore *s = mem_alloc(sizeof(ListStore) + cap * sizeof(Value));
    s->cap = cap;
    return s;
}

#ifdef __GLIBC__
/* The stack pointer the process started with (glibc sets it before main):
 * only argc, argv, the environment and the auxiliary vector lie above it,
 * none of which holds a pointer to collector memory. */
extern void *__libc_stack_end;
#endif

void rt_gc_init(size_t heap_bytes)
{
    /* One marker thread: with two, the mark stack overflows while many
     * goroutine stacks are pushed as roots (RUNTIME-NOTES.md). */
    GC_set_markers_count(1);
#ifdef __GLIBC__
    /* The main thread's stack bottom, which the collector would otherwise
     * find with pthread_getattr_np: glibc reads and parses
     * /proc/self/maps for it, 0.1M instructions and ten system calls of
     * every start-up. Any address above main's frames is a valid bottom;
     * this one is the collector's own fallback on Linux. */
    if (__libc_stack_end) {
        struct GC_stack_base sb = {.mem_base = __libc_stack_end};
        GC_set_stackbottom(NULL, &sb);
    }
#endif
    /* No collection inside GC_INIT: it would mark from every root to
     * black-list false pointers into the initial heap of a few blocks,
     * which the expansion below dwarfs (and each later collection
     * black-lists as it marks). It cost a third of an empty script's
     * instructions. Black-listing only keeps false pointers from
     * retaining new objects: skipping one round frees nothing live. */
    GC_set_dont_precollect(1);
    GC_INIT();
    /* The scheduler registers each M it starts. */
    GC_allow_register_threads();
    /* A pre-sized heap: the default tiny heap collects every few thousand
     * allocations and triples allocation cost (RUNTIME-NOTES.md). */
    if (heap_bytes)
        GC_expand_hp(heap_bytes);
    /* The collector's own warnings ("Repeated allocation of very large
     * block") mean nothing to a script's user; real exhaustion still ends
     * in csp's "fatal error: out of memory". */
    GC_set_warn_proc(GC_ignore_warn_proc);
    /* Even an allocation that skips mem.h stops as "out of memory". */
    mem_install_oom_handler();
}

Runtime *rt_new(void)
{
    /* Uncollectable: every Thread points here, but so may threads the
     * collector does not know yet; one per process costs nothing. */
    Runtime *rt = mem_alloc_uncollectable(sizeof *rt);
    pthread_mutex_init(&rt->globals_lock, NULL);
    rt->globals = store_new(64);
    rt->global_names = map_new(64);
    rt->global_order = list_new(0, 64);
    rt->global_types = map_new(0);
    rt->universe = map_new(64);
    rt->args = list_new(0, 0);
#ifdef CSP_TRACE
    const char *tr = getenv("CSPTRACE");
    rt->trace = tr && *tr && strcmp(tr, "0") != 0;
#endif
    return rt;
}

void rt_define(Runtime *rt, const char *name, Value v)
{
    map_set(rt->universe, v_cstr(name), v);
}

/* Set once at start-up, before any script is compiled. */
static ModuleOpener module_opener;

void rt_set_module_opener(ModuleOpener open)
{
    __atomic_store_n(&module_opener, open, __ATOMIC_RELEASE);
}

Value rt_open_module(const char *name, size_t n, bool by_path)
{
    ModuleOpener open = __atomic_load_n(&module_opener, __ATOMIC_ACQUIRE);
    return open ? open(name, n, by_path) : V_UNDEF;
}

bool rt_universe_get(Runtime *rt, const char *name, Value *out)
{
    if (!rt || !rt->universe)
        return false;
    if (map_get_cstr(rt->universe, name, out))
        return true;
    Value m = rt_open_module(name, strlen(name), false);
    if (m == V_UNDEF)
        return false;
    rt_define(rt, ((ObjModule *)v_ptr(m))->name, m);
    *out = m;
    return true;
}

bool rt_import(Runtime *rt, const char *path, size_t n, Value *out)
{
    Value m = rt && rt->universe ? rt_open_module(path, n, true) : V_UNDEF;
    if (m == V_UNDEF)
        return false;
    rt_define(rt, ((ObjModule *)v_ptr(m))->name, m);
    *out = m;
    return true;
}

int rt_global_slot(Runtime *rt, ObjString *name)
{
    pthread_mutex_lock(&rt->globals_lock);
    Value v;
    if (map_get(rt->global_names, v_from_ptr(name), &v)) {
        pthread_mutex_unlock(&rt->globals_lock);
        return (int)v_int(v);
    }
    int slot = (int)rt->global_order->len;
    list_append(rt->global_order, v_from_ptr(name));
    map_set(rt->global_names, v_from_ptr(name), v_int_small(slot));
    ListStore *g = rt->globals;
    if ((size_t)slot >= g->cap) {
        /* Readers take no lock: fill the new store, then publish it. A
         * store racing with the copy may be lost (a racy script's risk). */
        ListStore *ng = store_new(g->cap * 2);
        memcpy(ng->items, g->items, g->cap * sizeof(Value));
        __atomic_store_n(&rt->globals, ng, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&rt->globals_lock);
    return slot;
}

ObjModule *module_new(const char *name)
{
    ObjModule *m = mem_alloc(sizeof *m);
    m->h.kind = OBJ_MODULE;
    m->name = name;
    m->members = map_new(16);
    return m;
}

void module_add(ObjModule *m, const char *name, Value v)
{
    map_set(m->members, v_cstr(name), v);
}

static Value module_member(ObjModule *m, ObjString *name);

void module_add_var(ObjModule *m, const char *name, Value v)
{
    module_add(m, name, v_from_ptr(cell_new(v)));
}

Value module_get(ObjModule *m, const char *name)
{
    return m ? module_member(m, str_cstr(name)) : V_UNDEF;
}

ObjNative *module_add_fn(ObjModule *m, const char *name, NativeFn fn, int min_args, int max_args)
{
    /* Tracebacks show "fmt.Println", so the native carries the full name. */
    size_t a = strlen(m->name), b = strlen(name);
    char *full = mem_alloc_atomic(a + b + 2);
    memcpy(full, m->name, a);
    full[a] = '.';
    memcpy(full + a + 1, name, b + 1);
    ObjNative *n = native_new(full, fn, min_args, max_args);
    module_add(m, name, v_from_ptr(n));
    return n;
}

/* A write to stdout that cannot just go to the buffer may block (a full
 * pipe, a slow terminal): it is a C call, so the other goroutines keep
 * running. */
typedef struct OutWrite {
    const char *s;
    size_t n;
} OutWrite;

static void out_write_call(void *arg)
{
    OutWrite *w = arg;
    out_write(w->s, w->n);
}

static void out_flush_call(void *arg)
{
    (void)arg;
    out_flush();
}

void rt_write_out(Runtime *rt, const char *s, size_t n)
{
    (void)rt;
    if (out_try_write(s, n))
        return;
    OutWrite w = {s, n};
    sched_syscall(out_write_call, &w);
}

void rt_flush(Runtime *rt)
{
    (void)rt;
    sched_syscall(out_flush_call, NULL);
}

/* The process exits once. The first thread to start exiting (os.Exit,
 * main's return, an unrecovered panic, a fatal error, a deadlock, a fatal
 * signal) writes its report and ends the process; any other thread that
 * tries meanwhile waits for that end, so two reports never mix and the
 * exit status is the first one's. */
static _Atomic unsigned long exiting; /* the exiting thread's pthread_t, 0 before */

void rt_exit_begin(void)
{
    unsigned long none = 0, self = (unsigned long)pthread_self();
    if (atomic_compare_exchange_strong(&exiting, &none, self) || none == self) {
        /* First, or the exiting thread itself (out of memory while
         * reporting): what was printed goes out before the report. */
        out_flush_final();
        return;
    }
    for (;;)
        pause();
}

static void (*exit_hook)(void); /* set once at start-up (the REPL) */

void rt_set_exit_hook(void (*fn)(void))
{
    exit_hook = fn;
}

void rt_exit_cleanup(void)
{
    out_flush_final();
    trace_finish(); /* csp --trace: written on every way out */
    if (exit_hook)
        exit_hook();
}

_Noreturn void rt_exit_end(int code)
{
    rt_exit_cleanup();
    /* What C code called through ffi printed with stdio (printf): _exit
     * would drop it. Only if no other thread is in the middle of it. */
    if (ftrylockfile(stdout) == 0) {
        fflush_unlocked(stdout);
        funlockfile(stdout);
    }
    fflush(stderr);
    /* _exit: other OS threads may be inside the collector or stdio;
     * atexit handlers racing them help nobody. */
    _exit(code);
}

_Noreturn void rt_exit(Runtime *rt, int code)
{
    (void)rt;
    rt_exit_begin();
    rt_exit_end(RACE_ON() ? race_exit_code(code) : code);
}

Thread *thread_new(Runtime *rt)
{
    _Static_assert(sizeof(Thread) % _Alignof(Frame) == 0, "inline frames misaligned");
    Thread *t = mem_alloc(sizeof *t + VM_STACK_INIT * sizeof(Value) + VM_FRAMES_INIT * sizeof(Frame));
    t->rt = rt;
    t->stack_cap = VM_STACK_INIT;
    t->stack = inline_stack(t);
    t->frames_cap = VM_FRAMES_INIT;
    t->frames = inline_frames(t);
    t->recover_frame = -1;
    t->id = __atomic_add_fetch(&rt->next_goid, 1, __ATOMIC_RELAXED);
    return t;
}

void thread_reset(Thread *t)
{
    /* An outgrown inline stack or frames array still holds what it held
     * then (pointers into it stay readable after a grow, so it is not
     * cleared there): let the collector have it now. */
    if (t->stack != inline_stack(t))
        memset(inline_stack(t), 0, VM_STACK_INIT * sizeof(Value));
    if (t->frames != inline_frames(t))
        memset(inline_frames(t), 0, VM_FRAMES_INIT * sizeof(Frame));
    if (t->stack_cap > VM_STACK_INIT * 16) {
        t->stack_cap = VM_STACK_INIT;
        t->stack = inline_stack(t);
    } else {
        /* Let the collector have what the last goroutine left behind. */
        memset(t->stack, 0, t->stack_cap * sizeof(Value));
    }
    if (t->frames_cap > VM_FRAMES_INIT * 64) {
        t->frames_cap = VM_FRAMES_INIT;
        t->frames = inline_frames(t);
    }
    t->top = 0;
    t->nframes = 0;
    __atomic_store_n(&t->preempt, 0, __ATOMIC_RELAXED);   /* the monitor writes it too */
    __atomic_store_n(&t->interrupt, 0, __ATOMIC_RELAXED); /* the REPL's SIGINT handler writes it */
    t->panic = NULL;
    sync_panic(t);
    t->recover_frame = -1;
    t->c_depth = 0;
}

/* The flag is cleared before `interrupt` is read: the REPL's handler sets
 * interrupt, then preempt, so an interrupt that misses this check has left
 * preempt set for the next safepoint. */
static int take_interrupt(Thread *t)
{
    if (likely(!__atomic_load_n(&t->interrupt, __ATOMIC_RELAXED)))
        return 0;
    __atomic_store_n(&t->interrupt, 0, __ATOMIC_RELAXED);
    return vm_panic_msg(t, "interrupted");
}

#ifdef CSP_FUZZ
int64_t csp_fuzz_budget = INT64_MAX;
int64_t csp_fuzz_steps;
#endif

int vm_safepoint(Thread *t)
{
#ifdef CSP_FUZZ
    if (__atomic_load_n(&csp_fuzz_steps, __ATOMIC_RELAXED) > csp_fuzz_budget) {
        fprintf(stderr, "fuzz: instruction budget spent\n");
        rt_exit(t->rt, 0);
    }
#endif
    __atomic_store_n(&t->preempt, 0, __ATOMIC_RELAXED);
    if (take_interrupt(t) < 0)
        return -1;
    if (t->rt->on_safepoint)
        t->rt->on_safepoint(t);
    /* Ctrl-C may have come while the goroutine waited for a P. */
    return take_interrupt(t);
}

/* ====================================================================== */
/* the value stack and frames                                             */
/* ====================================================================== */

/* Make room for `need` slots. Returns false (nothing recorded) past
 * VM_MAX_STACK. Pointers into the old stack stay readable (the collector
 * keeps it while they exist) but no longer alias the live one. */
static __attribute__((noinline)) bool grow_stack(Thread *t, size_t need)
{
    if (need > VM_MAX_STACK)
        return false;
    size_t cap = t->stack_cap * 2;
    if (cap < need + need / 4)
        cap = need + need / 4;
    if (cap > VM_MAX_STACK)
        cap = VM_MAX_STACK;
    Value *s = mem_alloc(cap * sizeof(Value));
    memcpy(s, t->stack, t->stack_cap * sizeof(Value));
    t->stack = s;
    t->stack_cap = cap;
    return true;
}

static inline bool ensure_stack(Thread *t, size_t need)
{
    return likely(need <= t->stack_cap) || grow_stack(t, need);
}

/* While panicking, a few more frames are allowed so that the deferred
 * calls of a stack overflow can still run (and recover it). */
static __attribute__((noinline)) bool grow_frames(Thread *t)
{
    int limit = t->panicking ? VM_MAX_FRAMES + VM_PANIC_FRAMES : VM_MAX_FRAMES;
    if (t->nframes >= limit)
        return false;
    if (t->nframes < t->frames_cap)
        return true;
    int cap = t->frames_cap * 2;
    if (cap > VM_MAX_FRAMES + VM_PANIC_FRAMES)
        cap = VM_MAX_FRAMES + VM_PANIC_FRAMES;
    Frame *fs = mem_alloc((size_t)cap * sizeof(Frame));
    memcpy(fs, t->frames, (size_t)t->nframes * sizeof(Frame));
    t->frames = fs;
    t->frames_cap = cap;
    return true;
}

/* Where a call from C may put its callee: above the top frame's registers
 * and above any variable-length values (top) they are using. */
static size_t safe_top(Thread *t)
{
    size_t s = t->top;
    if (t->nframes) {
        const Frame *fr = &t->frames[t->nframes - 1];
        size_t e = fr->base + fr->cl->proto->maxregs;
        if (e > s)
            s = e;
    }
    return s;
}

static const char *proto_name(const ObjProto *p)
{
    return p->name ? p->name->data : "function";
}

static int conv_op(Thread *t, const ObjProto *p, const ObjType *ty, unsigned place, Value *slot);

/* Set up and push the frame of closure `cl` whose arguments sit at
 * stack[nbase..nbase+nargs): check the count, pack a variadic tail into a
 * list, wrap captured parameters in cells. The
 * caller has saved its own pc. Returns false after recording a panic (the
 * frame is then not pushed: the caller's line is the panic's). */
static __attribute__((noinline)) bool enter_frame(Thread *t, ObjClosure *cl, size_t nbase, int nargs,
                                                  int nwant, bool c_entry)
{
    ObjProto *p = cl->proto;
    bool as_is = t->spread_as_is;
    t->spread_as_is = false;
    int fixed = p->variadic ? p->nparams - 1 : p->nparams;
    if (!p->variadic && nargs != p->nparams)
        return vm_panicf(t, E_ARG_COUNT, proto_name(p), p->nparams, nargs), false;
    if (p->variadic && nargs < fixed)
        return vm_panicf(t, E_ARG_COUNT_MIN, proto_name(p), fixed, nargs), false;
    size_t span = (size_t)(nargs > p->maxregs ? nargs : p->maxregs);
    if (!ensure_stack(t, nbase + span + VM_STACK_SLACK))
        return vm_panicf(t, E_STACK_OVERFLOW), false;
    if (unlikely(t->nframes >= t->frames_cap || t->nframes >= VM_MAX_FRAMES)) {
        if (!grow_frames(t))
            return vm_panicf(t, E_STACK_OVERFLOW), false;
    }
    Value *r = t->stack + nbase;
    if (p->variadic && !as_is) {
        /* the arguments past the fixed ones, as Go makes xs ...T: nil when
         * there are none, else a []T of them converted to T */
        size_t n = (size_t)(nargs - fixed);
        if (p->vtype && types_elem_fits(p->vtype))
            for (size_t i = 0; i < n; i++)
                if (conv_op(t, p, p->vtype->elem, STORE_ARG, &r[fixed + i]) < 0)
                    return false;
        ObjList *l = n ? list_from(r + fixed, n) : list_nil(p->vtype);
        if (n && p->vtype)
            list_set_type(l, p->vtype);
        r[fixed] = v_from_ptr(l);
        nargs = fixed + 1;
    }
    for (int i = 0; i < p->nparams && i < 64; i++)
        if (p->cellparams & ((uint64_t)1 << i))
            r[i] = v_from_ptr(cell_new(r[i]));
    Frame *f = &t->frames[t->nframes++];
    f->cl = cl;
    f->pc = p->code;
    f->base = nbase;
    f->nwant = nwant;
    f->defers = NULL;
    f->native = NULL;
    f->c_entry = c_entry;
    return true;
}

/* ====================================================================== */
/* calls                                                                  */
/* ====================================================================== */

/* The panic of a native called with the wrong number of arguments; false. */
static __attribute__((noinline, cold)) bool native_argc_bad(Thread *t, const ObjNative *nf, int nargs)
{
    /* A method's counts include its receiver; messages count as written. */
    int adj = (nf->h.flags & NATIVE_METHOD) ? 1 : 0;
    if (nf->min_args == nf->max_args)
        vm_panicf(t, E_ARG_COUNT, nf->name, nf->min_args - adj, nargs - adj);
    else if (nargs < nf->min_args)
        vm_panicf(t, E_ARG_COUNT_MIN, nf->name, nf->min_args - adj, nargs - adj);
    else
        vm_panicf(t, E_ARG_COUNT_MAX, nf->name, nf->max_args - adj, nargs - adj);
    return false;
}

static inline bool native_argc_ok(Thread *t, const ObjNative *nf, int nargs)
{
    if (likely(nargs >= nf->min_args && (nf->max_args < 0 || nargs <= nf->max_args)))
        return true;
    return native_argc_bad(t, nf, nargs);
}

/* Results of a call that the caller wanted a fixed number of, when the
 * callee gave another number: 0 for 1 wanted is nil (a call used as a
 * value that returns nothing reads as nil); anything else is Go's
 * compile-time mismatch, reported at run time. */
static __attribute__((noinline, cold)) bool fix_results(Thread *t, const char *name, Value *dst, int n,
                                                        int want)
{
    if (want == 0)
        return true;
    if (want == 1 && n == 0) {
        dst[0] = V_NIL;
        return true;
    }
    Buf b;
    buf_init(&b);
    buf_printf(&b, "%s()", name);
    if (want == 1)
        vm_panicf(t, E_MULTI_VALUE, b.data, n);
    else
        vm_panicf(t, E_TOO_FEW_VALUES, want, b.data, n);
    return false;
}

static int execute(Thread *t);

/* Call stack[s] with stack[s+1 .. s+nargs] from C: a closure runs in a
 * nested interpreter loop, a native is called directly. Results go to
 * t->rets. */
static int call_from_c(Thread *t, size_t s, int nargs)
{
    Value fn = t->stack[s];
    if (v_is_obj(fn, OBJ_CLOSURE)) {
        if (!enter_frame(t, v_ptr(fn), s + 1, nargs, -1, true))
            return -1;
        return execute(t);
    }
    const ObjNative *nf;
    Value *args = t->stack + s + 1;
    if (v_is_obj(fn, OBJ_NATIVE)) {
        nf = v_ptr(fn);
    } else if (v_is_obj(fn, OBJ_BOUND)) {
        ObjBound *bd = v_ptr(fn);
        if (!v_is_obj(bd->fn, OBJ_NATIVE)) {
            /* A bound closure: insert the receiver as its first argument. */
            if (!ensure_stack(t, s + (size_t)nargs + 2 + VM_STACK_SLACK))
                return vm_panicf(t, E_STACK_OVERFLOW);
            memmove(t->stack + s + 2, t->stack + s + 1, (size_t)nargs * sizeof(Value));
            t->stack[s] = bd->fn;
            t->stack[s + 1] = bd->recv;
            t->top = s + (size_t)nargs + 2;
            return call_from_c(t, s, nargs + 1);
        }
        nf = v_ptr(bd->fn);
        t->stack[s] = bd->recv;
        args = t->stack + s;
        nargs++;
    } else if (fn == V_NIL) {
        return vm_panicf(t, E_NIL_DEREF);
    } else if (v_is_obj(fn, OBJ_NAMED) && v_unnamed(fn) != V_NIL) {
        t->stack[s] = v_unnamed(fn); /* a value of a declared func type */
        return call_from_c(t, s, nargs);
    } else {
        Buf b;
        buf_init(&b);
        vm_repr(&b, fn);
        return vm_panicf(t, E_NOT_CALLABLE, b.data, v_type_name(fn));
    }
    if (!native_argc_ok(t, nf, nargs))
        return -1;
    int top = t->nframes - 1;
    const ObjNative *saved = top >= 0 ? t->frames[top].native : NULL;
    if (top >= 0)
        t->frames[top].native = nf;
    Value rets[NATIVE_MAX_RETS];
    int n = nf->fn(t, args, nargs, rets);
    if (top >= 0)
        t->frames[top].native = saved;
    if (n < 0) {
        if (!t->panicking)
            vm_panic_msg(t, "%s failed without a panic value", nf->name);
        return -1;
    }
    if (n > NATIVE_MAX_RETS)
        n = NATIVE_MAX_RETS;
    memcpy(t->rets, rets, (size_t)n * sizeof(Value));
    return n;
}

static bool c_stack_low(Thread *t)
{
    if (!t->c_stack_limit)
        return false;
    char *sp = __builtin_frame_address(0);
    return sp < t->c_stack_limit + VM_C_STACK_MARGIN;
}

int vm_call(Thread *t, Value fn, const Value *args, int nargs)
{
    /* While panicking a little headroom lets the deepest frames' deferred
     * calls run (and recover a "stack overflow" raised here). */
    int limit = t->panicking ? VM_MAX_C_DEPTH + VM_PANIC_C_DEPTH : VM_MAX_C_DEPTH;
    if (unlikely(t->c_depth >= limit || c_stack_low(t)))
        return vm_panicf(t, E_STACK_OVERFLOW);
    if (nargs < 0)
        nargs = 0;
    t->c_depth++;
    size_t saved_top = t->top;
    size_t s = safe_top(t);
    int r;
    /* args may point into the old stack if this grows it: the old block
     * stays alive and unchanged while we copy from it. */
    if (!ensure_stack(t, s + 1 + (size_t)nargs + VM_STACK_SLACK)) {
        r = vm_panicf(t, E_STACK_OVERFLOW);
    } else {
        Value *sl = t->stack + s;
        sl[0] = fn;
        if (nargs)
            memmove(sl + 1, args, (size_t)nargs * sizeof(Value));
        t->top = s + 1 + (size_t)nargs;
        r = call_from_c(t, s, nargs);
    }
    t->top = saved_top;
    t->c_depth--;
    return r;
}

/* Run the pending defers of the top frame as it returns normally. A
 * recover() in them returns nil (recover_frame -1). Returns false if one
 * panicked: the frame then unwinds (its remaining defers run there). */
static __attribute__((noinline)) bool run_defers(Thread *t)
{
    int fi = t->nframes - 1;
    int saved = t->recover_frame;
    t->recover_frame = -1;
    bool ok = true;
    while (t->frames[fi].defers) {
        Defer *d = t->frames[fi].defers;
        t->frames[fi].defers = d->next;
        if (vm_call(t, d->fn, d->args, d->nargs) < 0) {
            ok = false;
            break;
        }
    }
    t->recover_frame = saved;
    return ok;
}

/* Pop a recovered panic, and the aborted ones beneath it (a panic whose
 * deferred call let a newer panic escape is over once that one is). */
static void pop_recovered(Thread *t, Panic *p)
{
    Panic *q = p->link;
    while (q && q->aborted)
        q = q->link;
    t->panic = q;
    sync_panic(t);
}

/* Run the top frame's defers for the panic in flight, LIFO. Returns true
 * when one of them recovered it: the frame must then return nil results
 * (its remaining defers run as for a normal return). A deferred call that
 * panics replaces the panic (the old one is kept in the chain, aborted). */
static __attribute__((noinline)) bool unwind_frame(Thread *t)
{
    int fi = t->nframes - 1;
    int saved = t->recover_frame;
    bool rec = false;
    while (t->frames[fi].defers) {
        Defer *d = t->frames[fi].defers;
        t->frames[fi].defers = d->next;
        Panic *p = t->panic;
        t->recover_frame = t->nframes; /* the deferred closure's frame */
        int r = vm_call(t, d->fn, d->args, d->nargs);
        if (r < 0) {
            if (p && t->panic != p)
                p->aborted = true;
            continue;
        }
        if (p && p->recovered) {
            pop_recovered(t, p);
            rec = true;
            break;
        }
    }
    t->recover_frame = saved;
    return rec;
}

static __attribute__((noinline)) bool push_defer(Thread *t, Frame *f, const Value *fa, int nargs)
{
    Defer *d = mem_alloc(sizeof(Defer) + (size_t)nargs * sizeof(Value));
    d->fn = fa[0];
    d->nargs = nargs;
    memcpy(d->args, fa + 1, (size_t)nargs * sizeof(Value));
    d->next = f->defers;
    f->defers = d;
    return true;
}

/* ====================================================================== */
/* operation slow paths                                                   */
/* ====================================================================== */

#define COLD __attribute__((noinline, cold))

static ObjString *k_name(Value v)
{
    return v_is_str(v) ? v_str(v) : str_cstr("?");
}

static COLD int index_range(Thread *t, int64_t i, size_t len)
{
    return vm_panicf(t, E_INDEX_RANGE, (long long)i, (long long)len);
}

static COLD int index_not_int(Thread *t, const char *what, Value key)
{
    return vm_panicf(t, E_INDEX_NOT_INT, what, v_type_name(key));
}

static COLD int bad_key(Thread *t, Value key)
{
    /* Go's name of a key's type where it records one: []int, main.T */
    return vm_panicf(t, E_BAD_MAP_KEY, format_value_type(key) ? format_type_name(key) : v_type_name(key));
}

/* The panic of SETSLOT on a value that is no struct, or past its
 * fields: Go's compile errors for a literal of a type parameter. */
static COLD void bad_composite(Thread *t, Value v, bool is_struct)
{
    Buf b;
    buf_init(&b);
    format_type_of(&b, v);
    buf_addc(&b, '\0');
    vm_panicf(t, is_struct ? E_COMPOSITE_VALUES : E_BAD_COMPOSITE, b.data);
}

/* Make room for a method's receiver before the cnargs arguments at
 * base[ca + 1...]: they move up one slot (base[ca + 1] is the receiver's,
 * filled by the caller). A call that passes its arguments up to the top
 * of the stack (room false) may first need the stack grown, which moves
 * it: *base is then re-read. False after raising "stack overflow".
 * Inlined: every method call on a struct runs it. */
static inline __attribute__((always_inline)) bool make_receiver_room(Thread *t, const Frame *f, Value **base,
                                                                     int ca, int cnargs, bool room)
{
    if (unlikely(!room)) {
        size_t end = f->base + (size_t)ca + 2 + (size_t)cnargs;
        if (!ensure_stack(t, end + VM_STACK_SLACK)) {
            vm_panicf(t, E_STACK_OVERFLOW);
            return false;
        }
        *base = t->stack + f->base;
    }
    for (int i = cnargs; i > 0; i--)
        (*base)[ca + 1 + i] = (*base)[ca + i];
    return true;
}

/* v_equal, or -1 after Go's panic on two values of one uncomparable type
 * (v_uncomparable_pair). */
static COLD int equal_or_panic(Thread *t, Value a, Value b)
{
    const ObjType *ty = v_uncomparable_pair(a, b);
    if (unlikely(ty != NULL)) {
        Buf nb;
        buf_init(&nb);
        format_type(&nb, ty);
        buf_addc(&nb, '\0');
        return vm_panicf(t, E_UNCOMPARABLE, nb.data);
    }
    return v_equal(a, b);
}

/* The same for == with an interface operand (v_iface_equal). */
static COLD int iface_equal_or_panic(Thread *t, Value a, Value b)
{
    if (unlikely(v_uncomparable_pair(a, b) != NULL))
        return equal_or_panic(t, a, b);
    return v_iface_equal(a, b);
}

/* m[key] for a key m does not hold (m NULL: a nil map): the element
 * type's zero. */
static COLD Value map_read_miss(Thread *t, const ObjMap *m, Value key)
{
    /* Go panics on a lookup with an unhashable key, as on a store. */
    if (!map_key_ok(key))
        return bad_key(t, key), V_UNDEF;
    if (!m)
        return V_NIL;
    Value z;
    return types_zero_of(t, m->zero, &z) < 0 ? V_UNDEF : z;
}

/* Go indexes, slices, ranges and takes len of a pointer to an array as of
 * the array itself. */
static inline Value through_array_ref(Value v)
{
    if (v_is_ref(v) && ((Obj *)v_ref_target(v))->kind == OBJ_ARRAY)
        return v_from_ptr(v_ref_target(v));
    return v;
}

/* obj[key] for everything the loop's inline paths did not handle. */
static COLD Value index_slow(Thread *t, Value obj, Value key)
{
    obj = through_array_ref(v_unnamed(obj));
    if (!v_is_obj(obj, OBJ_MAP))
        key = v_unnamed(key); /* a Weekday indexes as its int */
    if (v_is_obj(obj, OBJ_LIST)) {
        ObjList *l = v_list(obj);
        if (!v_is_anyint(key))
            return index_not_int(t, "list", key), V_UNDEF;
        Value out;
        if (!list_get(l, v_anyint(key), &out))
            return index_range(t, v_anyint(key), LIST_GET(l, len)), V_UNDEF;
        return out;
    }
    if (v_is_obj(obj, OBJ_ARRAY)) {
        ObjArray *a = v_ptr(obj);
        if (!v_is_anyint(key))
            return index_not_int(t, "array", key), V_UNDEF;
        int64_t i = v_anyint(key);
        if ((uint64_t)i >= a->st.cap)
            return index_range(t, i, (size_t)a->st.cap), V_UNDEF;
        return __atomic_load_n(&a->st.items[i], __ATOMIC_ACQUIRE);
    }
    if (v_is_obj(obj, OBJ_MAP)) {
        Value out;
        if (map_get(v_map(obj), key, &out))
            return out;
        return map_read_miss(t, v_map(obj), key);
    }
    if (v_is_str(obj)) {
        ObjString *s = v_str(obj);
        if (!v_is_anyint(key))
            return index_not_int(t, "string", key), V_UNDEF;
        int64_t i = v_anyint(key);
        if ((uint64_t)i >= s->len)
            return index_range(t, i, s->len), V_UNDEF;
        return v_int_small((unsigned char)s->data[i]);
    }
    if (obj == V_NIL) {
        /* An untyped nil: a nil slice to an int index, a nil map else. */
        if (v_is_anyint(key))
            return index_range(t, v_anyint(key), 0), V_UNDEF;
        return map_read_miss(t, NULL, key);
    }
    return vm_panicf(t, E_NOT_INDEXABLE, v_type_name(obj)), V_UNDEF;
}

static COLD bool index2(Thread *t, Value obj, Value key, Value *out, Value *ok)
{
    if (v_is_obj(obj, OBJ_MAP) || obj == V_NIL) {
        if (obj != V_NIL && map_get(v_map(obj), key, out)) {
            *ok = V_TRUE;
            return true;
        }
        Value z = map_read_miss(t, obj == V_NIL ? NULL : v_map(obj), key);
        if (z == V_UNDEF)
            return false;
        *out = z;
        *ok = V_FALSE;
        return true;
    }
    Value v = index_slow(t, obj, key);
    if (v == V_UNDEF)
        return false;
    *out = v;
    *ok = V_TRUE;
    return true;
}

static COLD bool map_store(Thread *t, ObjMap *m, Value key, Value val)
{
    switch (map_set(m, key, val)) {
    case MAP_OK:
        return true;
    case MAP_BADKEY:
        return bad_key(t, key), false;
    case MAP_NIL:
        return vm_panicf(t, E_NIL_MAP_WRITE), false;
    case MAP_BADVALUE: {
        Value out; /* the wrong kind for the map's values: its panic */
        return types_store(t, m->vtype, val, &out), false;
    }
    default:
        vm_fatal_error(t, "concurrent map writes");
    }
}

/* val fit for an element of a container of type c (a []float64 gets 1.0
 * for 1): false after a panic. */
static COLD bool fit_elem(Thread *t, const ObjType *c, Value *val)
{
    return !types_elem_fits(c) || types_store(t, c->elem, *val, val) >= 0;
}

static COLD bool setindex_slow(Thread *t, Value obj, Value key, Value val)
{
    obj = through_array_ref(obj);
    if (!v_is_obj(obj, OBJ_MAP))
        key = v_unnamed(key);
    const ObjType *c = v_is_obj(obj, OBJ_LIST)    ? list_type(v_list(obj))
                       : v_is_obj(obj, OBJ_ARRAY) ? ((ObjArray *)v_ptr(obj))->type
                                                  : NULL; /* a map's store converts (map_set) */
    if (c && !fit_elem(t, c, &val))
        return false;
    if (v_is_obj(obj, OBJ_LIST)) {
        ObjList *l = v_list(obj);
        if (!v_is_anyint(key))
            return index_not_int(t, "list", key), false;
        if (!list_set(l, v_anyint(key), val))
            return index_range(t, v_anyint(key), LIST_GET(l, len)), false;
        return true;
    }
    if (v_is_obj(obj, OBJ_ARRAY)) {
        ObjArray *a = v_ptr(obj);
        if (!v_is_anyint(key))
            return index_not_int(t, "array", key), false;
        int64_t i = v_anyint(key);
        if ((uint64_t)i >= a->st.cap)
            return index_range(t, i, (size_t)a->st.cap), false;
        __atomic_store_n(&a->st.items[i], val, __ATOMIC_RELEASE);
        return true;
    }
    if (v_is_obj(obj, OBJ_MAP))
        return map_store(t, v_map(obj), key, val);
    if (obj == V_NIL)
        return vm_panicf(t, E_NIL_MAP_WRITE), false;
    if (v_is_str(obj))
        return vm_panicf(t, E_STRING_IMMUTABLE), false;
    return vm_panicf(t, E_NOT_ASSIGNABLE, v_type_name(obj)), false;
}

static COLD int no_field(Thread *t, Value obj, ObjString *name)
{
    if (obj == V_NIL)
        return vm_panicf(t, E_NIL_DEREF);
    return vm_panicf(t, E_NO_FIELD, v_type_name(obj), name->data);
}

/* A member, or a package variable's current value (its cell: stores
 * with release, reads with acquire, as goroutines may race on it). */
static Value module_member(ObjModule *m, ObjString *name)
{
    Value v;
    if (!map_get(m->members, v_from_ptr(name), &v))
        return V_UNDEF;
    return v_is_obj(v, OBJ_CELL) ? __atomic_load_n(&((ObjCell *)v_ptr(v))->v, __ATOMIC_ACQUIRE) : v;
}

static ObjBound *bound_new(Value recv, Value fn);

/* A pointer to a copy of v, for a pointer method called on a value that
 * is not a variable: an array is pointed at itself, as &a is, so that the
 * method indexes through the pointer; anything else through a cell. */
static Value ptr_to_copy(Value v)
{
    Value c = v_copy(v);
    return v_is_obj(c, OBJ_ARRAY) ? v_ref(v_ptr(c)) : v_ref(cell_new(c));
}

/* ---- structs: fields and methods by name, through the inline caches --- */

/* A cache word, as another goroutine may be filling it: acquire, so the
 * selection it names is seen filled (a plain load on x86). */
#define IC_LOAD(ic) __atomic_load_n((ic), __ATOMIC_ACQUIRE)

/* CALLM's last resort, x.M(...) where nothing else found M: on a nil *T
 * in an interface (a box, iface.h), *T's method M, called with the nil
 * receiver as Go calls it (a value method panics as a nil dereference);
 * else the panic of a missing field or method. The callee is
 * t->stack[at], its nargs arguments after it, which move up one for the
 * receiver. Returns the new argument count, or -1 after a panic. */
static COLD int callm_last(Thread *t, size_t at, int nargs, ObjString *name)
{
    Value recv = t->stack[at];
    const ObjType *bt = iface_is_box(recv) ? ((ObjNamed *)v_ptr(recv))->type : NULL;
    bool ptr_recv = false;
    Value mfn = bt && (bt->kind == TYPE_POINTER || bt->named) ? types_method(bt, name, &ptr_recv) : V_UNDEF;
    if (mfn == V_UNDEF)
        return no_field(t, recv, name);
    if (!ptr_recv && bt->kind == TYPE_POINTER)
        return vm_panicf(t, E_NIL_DEREF);
    if (!ensure_stack(t, at + 2 + (size_t)nargs + VM_STACK_SLACK))
        return vm_panicf(t, E_STACK_OVERFLOW);
    Value *s = t->stack + at;
    for (int i = nargs; i > 0; i--)
        s[1 + i] = s[i];
    s[1] = V_NIL;
    s[0] = mfn;
    return nargs + 1;
}

/* The struct a selector applies to: v itself or, for a pointer, what it
 * points to (through a variable's cell or a slot holding one); NULL when
 * v is neither. */
/* The declared type a value of a non-struct declared type carries (a
 * Weekday's, a named slice's, map's or array's: format_value_type, the
 * one owner of "the type a value records"), NULL if none. */
static const ObjType *declared_type_of(Value v)
{
    const ObjType *ty = format_value_type(v);
    return ty && ty->named && ty->kind != TYPE_STRUCT ? ty : NULL;
}

static inline __attribute__((always_inline)) ObjStruct *struct_of(Value v)
{
    if ((v & 7) != 0 || v == 0)
        return NULL;
    Obj *o = v_ref_target(v);
    if (o->kind == OBJ_STRUCT)
        return (ObjStruct *)o;
    if (!v_is_ref(v))
        return NULL;
    Value in = o->kind == OBJ_CELL ? ((ObjCell *)o)->v : o->kind == OBJ_SLOT ? *((ObjSlot *)o)->slot : V_NIL;
    return v_is_obj(in, OBJ_STRUCT) ? v_ptr(in) : NULL;
}

/* A method whose declaration did not compile (a REPL line with an error). */
static COLD int no_code(Thread *t, const ObjStruct *s, ObjString *name)
{
    return vm_panicf(t, E_METHOD_NO_CODE, name->data, s->type->name);
}

static COLD int no_selection(Thread *t, const ObjStruct *s, ObjString *name)
{
    return vm_panicf(t, E_NO_FIELD, s->type->name, name->data);
}

/* Resolve s.name and remember it in *ic; the selection, or NULL after a
 * panic. */
static COLD const Selection *select_name(Thread *t, ObjStruct *s, ObjString *name, uint64_t *ic)
{
    int i = types_selection(s->type, name, v_from_ptr(s));
    if (i < 0)
        return no_selection(t, s, name), NULL;
    const Selection *sel = &__atomic_load_n(&s->type->sels, __ATOMIC_ACQUIRE)[i];
    if (ic) {
        uint64_t w =
            sel->kind == SEL_FIELD && sel->depth == 1
                ? ic_word(s->type, sel->path[0], IC_DIRECT | (types_converts(sel->type) ? IC_CONVERT : 0))
                : ic_word(s->type, i, 0);
        uint64_t old = IC_LOAD(ic);
        const ObjType *ot = (const ObjType *)IC_TYPE(old);
        if ((old & IC_STATIC) && ot == s->type)
            w |= IC_STATIC; /* still the receiver's static type */
        else if ((old & IC_OPEN) && ot && (ot->generic ? ot->generic : ot) == s->type->generic)
            w |= IC_STATIC | IC_OPEN;              /* another instance of the static generic type */
        __atomic_store_n(ic, w, __ATOMIC_RELEASE); /* after the selection it names */
    }
    return sel;
}

/* The selection an IC word names for s (which has the word's type). */
static inline const Selection *ic_selection(const ObjStruct *s, uint64_t w)
{
    return &__atomic_load_n(&s->type->sels, __ATOMIC_ACQUIRE)[IC_INDEX(w)];
}

/* Follow the first n steps of sel's path from s: the struct holding the
 * last step's field. A nil embedded pointer on the way panics. */
static ObjStruct *sel_walk(Thread *t, ObjStruct *s, const Selection *sel, int n)
{
    for (int k = 0; k < n; k++) {
        ObjStruct *next = struct_of(s->f[sel->path[k] & 0xffff]);
        if (!next)
            return vm_panicf(t, E_NIL_DEREF), NULL;
        s = next;
    }
    return s;
}

/* The method a call on a nil receiver runs, by the call's cache word: a
 * pointer method of the receiver's static type (IC_STATIC), V_UNDEF when
 * there is none (the call then panics as a nil dereference). */
/* A native method of a module's declared type passes the checks for a
 * compiled method closure (see OP_CALLM) because of this. */
_Static_assert(offsetof(ObjNative, fn) == offsetof(ObjClosure, proto),
               "ObjNative.fn must overlay ObjClosure.proto");

static COLD Value nil_method(uint64_t w)
{
    if (!(w & IC_STATIC) || (w & IC_DIRECT))
        return V_UNDEF;
    const ObjType *ty = (const ObjType *)IC_TYPE(w);
    const Selection *sel = &__atomic_load_n(&ty->sels, __ATOMIC_ACQUIRE)[IC_INDEX(w)];
    if (sel->kind != SEL_METHOD || sel->depth != 0 || !sel->ptr_recv || !v_is_obj(sel->fn, OBJ_CLOSURE) ||
        !((ObjClosure *)v_ptr(sel->fn))->proto)
        return V_UNDEF;
    return sel->fn;
}

/* RTPARAMS of a method called on a nil pointer (Thread.nil_recv_type).
 * When the call's static type is written with the caller's own type
 * parameters (t.Left.Insert(v) inside a method of Tree[T]: IC_OPEN), the
 * type arguments are the caller's: they are copied from the registers
 * where its own RTPARAMS or TPARAMS put them, and true is returned. False
 * when the static type is an instance (Tree[string]) that RTPARAMS reads
 * itself. */
static COLD bool nil_recv_targs(Thread *t, const Frame *f, Value *out, int n)
{
    t->nil_recv_fn = V_UNDEF;
    if (t->nil_recv_type)
        return false;
    const Frame *caller = f > t->frames ? f - 1 : NULL;
    uint32_t first = caller && caller->cl && caller->cl->proto->ncode ? caller->cl->proto->code[0] : 0;
    bool takes = caller && caller->cl && (INS_OP(first) == OP_RTPARAMS || INS_OP(first) == OP_TPARAMS) &&
                 (int)INS_C(first) == n;
    for (int i = 0; i < n; i++)
        out[i] = takes ? t->stack[caller->base + INS_A(first) + (size_t)i] : V_NIL;
    return true;
}

/* The value of the embedded interface a SEL_IFACE selection names in s,
 * whose method the selection calls; a nil one panics as Go's nil
 * dereference does. V_UNDEF after a panic. */
static Value iface_embedded(Thread *t, ObjStruct *s, const Selection *sel)
{
    ObjStruct *o = sel_walk(t, s, sel, sel->depth - 1);
    if (!o)
        return V_UNDEF;
    Value v = __atomic_load_n(&o->f[sel->path[sel->depth - 1] & 0xffff], __ATOMIC_ACQUIRE);
    if (v == V_NIL)
        return vm_panicf(t, E_NIL_DEREF), V_UNDEF;
    return v;
}

static COLD Value bindm(Thread *t, Value obj, ObjString *name);

/* The receiver of a method promoted from an embedded field of a declared
 * non-struct type (Selection.field_recv): for a value receiver the
 * field's value (what an embedded *T points to), for a pointer receiver
 * a pointer to the field (an embedded *T: the pointer it holds). V_UNDEF
 * after a panic (a nil embedded pointer). */
static COLD Value field_recv(Thread *t, ObjStruct *s, const Selection *sel)
{
    ObjStruct *o = sel_walk(t, s, sel, sel->depth - 1);
    if (!o)
        return V_UNDEF;
    Value *slot = &o->f[sel->path[sel->depth - 1] & 0xffff];
    if (sel->path[sel->depth - 1] & SEL_DEREF) {
        Value p = *slot;
        if (sel->ptr_recv)
            return p; /* nil too: a pointer method runs with a nil receiver */
        if (!v_is_ref(p))
            return vm_panicf(t, E_NIL_DEREF), V_UNDEF;
        Value *in = ref_slot(p); /* NULL: p points at an array itself */
        return v_copy(in ? *in : v_from_ptr(v_ref_target(p)));
    }
    if (!sel->ptr_recv)
        return v_copy(*slot);
    ObjSlot *sl = mem_alloc(sizeof *sl);
    sl->h.kind = OBJ_SLOT;
    sl->h.flags = 0;
    sl->slot = slot;
    return v_ref(sl);
}

/* A method's receiver: a pointer to the struct for a *T receiver, else a
 * copy of it (a value receiver gets its own). */
static inline Value method_recv(ObjStruct *o, bool ptr_recv)
{
    return ptr_recv ? v_ref(o) : v_copy(v_from_ptr(o));
}

/* A store into a field of type ft: what Go's typed field holds. Floats
 * take ints as floats and sized ints wrap (types_store, once the
 * typed-numbers rules are there, is the one place for this). */
static Value field_value(const ObjType *ft, Value v)
{
    if (ft->kind == TYPE_FLOAT && v_is_anyint(v))
        return v_make_float(v_anyint_double(v));
    if (ft->kind == TYPE_INT && v_is_anyint(v))
        return types_int_value(ft, v_anyint(v));
    return v;
}

/* s.name read through a cache miss (or a promoted field, or a method used
 * as a value). */
static COLD Value struct_get(Thread *t, ObjStruct *s, ObjString *name, uint64_t *ic)
{
    uint64_t w = ic ? IC_LOAD(ic) : 0;
    const Selection *sel = IC_TYPE(w) == (uintptr_t)s->type && !(w & IC_DIRECT) ? ic_selection(s, w)
                                                                                : select_name(t, s, name, ic);
    if (!sel)
        return V_UNDEF;
    if (sel->kind == SEL_FIELD) {
        ObjStruct *o = sel_walk(t, s, sel, sel->depth - 1);
        return o ? __atomic_load_n(&o->f[sel->path[sel->depth - 1] & 0xffff], __ATOMIC_ACQUIRE) : V_UNDEF;
    }
    for (int hops = 0; sel->kind == SEL_IFACE; hops++) {
        /* the embedded interface's value's method, followed here rather
         * than by recursion: one may lead back to its struct (p.I = p) */
        Value iv = iface_embedded(t, s, sel);
        ObjStruct *in = iv == V_UNDEF ? NULL : struct_of(iv);
        if (!in)
            return iv == V_UNDEF ? V_UNDEF : bindm(t, iv, name);
        if (hops == VM_MAX_FRAMES)
            return vm_panicf(t, E_STACK_OVERFLOW), V_UNDEF;
        s = in;
        sel = select_name(t, s, name, NULL);
        if (!sel)
            return V_UNDEF;
        if (sel->kind != SEL_IFACE)
            return struct_get(t, s, name, NULL);
    }
    /* (a native's object and a field receiver are the last field itself) */
    ObjStruct *o =
        sel_walk(t, s, sel, sel->kind == SEL_NATIVE || sel->field_recv ? sel->depth - 1 : sel->depth);
    if (!o)
        return V_UNDEF;
    if (sel->kind == SEL_NATIVE) {
        Value obj = o->f[sel->path[sel->depth - 1] & 0xffff];
        if (v_is_ref(obj))
            obj = v_from_ptr(v_ref_target(obj));
        return v_from_ptr(bound_new(obj, sel->fn));
    }
    if (!((ObjClosure *)v_ptr(sel->fn))->proto)
        return no_code(t, s, name), V_UNDEF;
    if (sel->field_recv) {
        Value r = field_recv(t, s, sel);
        return r == V_UNDEF ? V_UNDEF : v_from_ptr(bound_new(r, sel->fn));
    }
    return v_from_ptr(bound_new(method_recv(o, sel->ptr_recv), sel->fn));
}

/* The slot of field s.name (through embedded fields, by the cache ic when
 * it holds s's type) and its selection; NULL after a panic, method_err's
 * when the name is a method (which has no slot to store into or point
 * at). */
static COLD Value *field_slot(Thread *t, ObjStruct *s, ObjString *name, uint64_t *ic, ErrCode method_err,
                              const Selection **selp)
{
    uint64_t w = ic ? IC_LOAD(ic) : 0;
    const Selection *sel = IC_TYPE(w) == (uintptr_t)s->type && !(w & IC_DIRECT) ? ic_selection(s, w)
                                                                                : select_name(t, s, name, ic);
    if (!sel)
        return NULL;
    if (sel->kind != SEL_FIELD)
        return vm_panicf(t, method_err, name->data, s->type->name), NULL;
    ObjStruct *o = sel_walk(t, s, sel, sel->depth - 1);
    if (!o)
        return NULL;
    *selp = sel;
    return &o->f[sel->path[sel->depth - 1] & 0xffff];
}

static COLD bool struct_set(Thread *t, ObjStruct *s, ObjString *name, Value val, uint64_t *ic)
{
    const Selection *sel;
    Value *slot = field_slot(t, s, name, ic, E_ASSIGN_METHOD, &sel);
    if (!slot)
        return false;
    __atomic_store_n(slot, field_value(sel->type, val), __ATOMIC_RELEASE);
    return true;
}

/* &s.name: a pointer to the field's struct or array object (taking its
 * address never allocates), else to its slot (an ObjSlot into s). */
static COLD Value struct_ref(Thread *t, ObjStruct *s, ObjString *name, uint64_t *ic)
{
    const Selection *sel;
    Value *slot = field_slot(t, s, name, ic, E_ADDR_METHOD, &sel);
    if (!slot)
        return V_UNDEF;
    /* another goroutine may be storing into the field meanwhile (an
     * atomic.AddInt64(&s.n, 1)): one atomic read of what it holds */
    Value cur = SHARED_LOAD(*slot);
    if (v_is_obj(cur, OBJ_STRUCT) || v_is_obj(cur, OBJ_ARRAY))
        return v_ref(v_ptr(cur));
    if (v_is_obj(cur, OBJ_OBJECT))
        return cur; /* a module's object is a reference already (as ref_cell) */
    ObjSlot *sl = mem_alloc(sizeof *sl);
    sl->h.kind = OBJ_SLOT;
    sl->h.flags = 0;
    sl->slot = slot;
    return v_ref(sl);
}

/* x.M as a value for x of a declared type that is not a struct (a
 * Weekday, a named slice; or a pointer to a variable of one), as CALLM
 * calls it: the receiver bound is a copy, or the pointer for a *T one.
 * V_UNDEF when the type has no such method. */
static COLD Value declared_method_value(Value obj, ObjString *name)
{
    Value self = obj;
    if (v_is_ref(obj)) {
        Value *sl = ref_slot(obj);
        self = sl ? *sl : v_from_ptr(v_ref_target(obj));
    }
    const ObjType *nt = declared_type_of(self);
    bool ptr_recv = false;
    Value mfn = nt ? types_method(nt, name, &ptr_recv) : V_UNDEF;
    if (mfn == V_UNDEF)
        return V_UNDEF;
    Value recv = !ptr_recv ? v_copy(self) : v_is_ref(obj) ? obj : ptr_to_copy(self);
    return v_from_ptr(bound_new(recv, mfn));
}

static COLD Value getfield(Thread *t, Value obj, ObjString *name)
{
    Value v;
    ObjStruct *st = struct_of(obj);
    if (st)
        return struct_get(t, st, name, NULL);
    if (v_is_obj(obj, OBJ_MAP))
        return map_get(v_map(obj), v_from_ptr(name), &v) ? v : V_NIL;
    if (v_is_obj(obj, OBJ_MODULE)) {
        v = module_member(v_ptr(obj), name);
        if (v != V_UNDEF)
            return v;
    } else if (v_is_obj(obj, OBJ_OBJECT)) {
        ObjObject *o = v_ptr(obj);
        if (o->cls && o->cls->get_field) {
            v = o->cls->get_field(obj, name);
            if (v != V_UNDEF)
                return v;
        }
        /* A method used as a value (`f := sb.String`), as Go allows. */
        ObjNative *m = o->cls ? class_method(o->cls, name) : NULL;
        if (m)
            return v_from_ptr(bound_new(obj, v_from_ptr(m)));
    }
    v = declared_method_value(obj, name);
    if (v != V_UNDEF)
        return v;
    return no_field(t, obj, name), V_UNDEF;
}

static COLD bool setfield(Thread *t, Value obj, ObjString *name, Value val)
{
    ObjStruct *st = struct_of(obj);
    if (st)
        return struct_set(t, st, name, val, NULL);
    if (v_is_obj(obj, OBJ_MAP))
        return map_store(t, v_map(obj), v_from_ptr(name), val);
    if (obj == V_NIL)
        return vm_panicf(t, E_NIL_MAP_WRITE), false;
    if (v_is_obj(obj, OBJ_MODULE)) {
        /* a package variable (flag.Usage = f); any other member is fixed */
        Value cell;
        if (map_get(((ObjModule *)v_ptr(obj))->members, v_from_ptr(name), &cell) &&
            v_is_obj(cell, OBJ_CELL)) {
            __atomic_store_n(&((ObjCell *)v_ptr(cell))->v, val, __ATOMIC_RELEASE);
            return true;
        }
    }
    if (v_is_obj(obj, OBJ_OBJECT) && name->len < 64) {
        /* a native object's settable field (`pool.New = f`): its class's
         * setter method, named with '=' after the field (object.h) */
        char setter[66];
        memcpy(setter, name->data, name->len);
        memcpy(setter + name->len, "=", 2);
        ObjObject *o = v_ptr(obj);
        ObjNative *m = o->cls ? class_method(o->cls, str_cstr(setter)) : NULL;
        if (m) {
            Value args[2] = {obj, val};
            return m->fn(t, args, 2, t->rets) >= 0;
        }
    }
    return no_field(t, obj, name), false;
}

static int error_method(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = v_from_ptr(((ObjError *)v_ptr(args[0]))->msg);
    return 1;
}

static bool is_error_name(ObjString *name)
{
    return name->len == 5 && memcmp(name->data, "Error", 5) == 0;
}

static ObjBound *bound_new(Value recv, Value fn)
{
    ObjBound *b = mem_alloc(sizeof *b);
    b->h.kind = OBJ_BOUND;
    b->recv = recv;
    b->fn = fn;
    return b;
}

/* (*T).M's function for a method M with a T receiver (vm_method_through_
 * pointer): args[0] is M, args[1] the pointer, whose target is the
 * receiver M is called with. */
static int call_through_pointer(Thread *t, Value *args, int nargs, Value *rets)
{
    if (nargs < 2)
        return vm_panicf(t, E_ARG_COUNT, "method expression", 1, 0);
    Value fn = args[0], p = args[1];
    if (p == V_NIL)
        return vm_panicf(t, E_NIL_DEREF);
    Value *slot = v_is_ref(p) ? ref_slot(p) : NULL;
    Value small[8], *call = nargs - 1 <= 8 ? small : mem_alloc((size_t)(nargs - 1) * sizeof *call);
    memcpy(call, args + 1, (size_t)(nargs - 1) * sizeof *call);
    if (slot)
        call[0] = *slot; /* a struct or array target: the pointer reads as it */
    int n = vm_call(t, fn, call, nargs - 1);
    if (n < 0)
        return -1;
    if (n > NATIVE_MAX_RETS)
        n = NATIVE_MAX_RETS;
    memcpy(rets, t->rets, (size_t)n * sizeof *rets);
    return n;
}

Value vm_method_through_pointer(Value fn)
{
    static ObjNative *through; /* made on first use; racing makers make equal ones */
    ObjNative *nf = __atomic_load_n(&through, __ATOMIC_ACQUIRE);
    if (!nf) {
        nf = native_new("method", call_through_pointer, 1, -1);
        __atomic_store_n(&through, nf, __ATOMIC_RELEASE);
    }
    return v_from_ptr(bound_new(fn, v_from_ptr(nf)));
}

/* obj.name as a value (`f := obj.Method`, `defer obj.Method()`). */
static COLD Value bindm(Thread *t, Value obj, ObjString *name)
{
    ObjStruct *st = struct_of(obj);
    if (st)
        return struct_get(t, st, name, NULL);
    if (v_is_obj(obj, OBJ_OBJECT)) {
        ObjObject *o = v_ptr(obj);
        ObjNative *m = class_method(o->cls, name);
        if (m)
            return v_from_ptr(bound_new(obj, v_from_ptr(m)));
    } else if (v_is_obj(obj, OBJ_ERROR) && is_error_name(name)) {
        ObjNative *m = native_new("error.Error", error_method, 1, 1);
        m->h.flags = NATIVE_METHOD;
        return v_from_ptr(bound_new(obj, v_from_ptr(m)));
    }
    return getfield(t, obj, name);
}

Value vm_bind_method(Thread *t, Value obj, ObjString *name)
{
    return bindm(t, obj, name);
}

static bool slice_bound(Value v, int64_t dflt, int64_t *out)
{
    if (v == V_NIL) {
        *out = dflt;
        return true;
    }
    if (!v_is_anyint(v))
        return false;
    *out = v_anyint(v);
    return true;
}

/* obj[lo:hi] and obj[lo:hi:max] (vmax V_UNDEF: the 2-index form), with
 * Go's bounds: a slice's hi may reach its capacity; a string's its
 * length. */
static COLD Value slice_op(Thread *t, Value obj, Value vlo, Value vhi, Value vmax)
{
    obj = through_array_ref(v_unnamed(obj));
    vlo = v_unnamed(vlo);
    vhi = v_unnamed(vhi);
    vmax = v_unnamed(vmax);
    size_t len, cap;
    const char *what;
    ObjList *l = NULL;
    if (v_is_obj(obj, OBJ_LIST)) {
        l = v_list(obj);
        len = __atomic_load_n(&l->len, __ATOMIC_RELAXED);
        cap = LIST_GET(l, cap);
        what = "list";
    } else if (v_is_obj(obj, OBJ_ARRAY)) {
        len = cap = ((ObjArray *)v_ptr(obj))->st.cap;
        what = "array";
    } else if (v_is_str(obj)) {
        if (vmax != V_UNDEF)
            return vm_panicf(t, E_SLICE3_STRING), V_UNDEF;
        len = cap = v_str(obj)->len;
        what = "string";
    } else if (obj == V_NIL) {
        len = cap = 0;
        what = "list";
    } else {
        return vm_panicf(t, E_NOT_SLICEABLE, v_type_name(obj)), V_UNDEF;
    }
    int64_t lo, hi, max = (int64_t)cap;
    if (!slice_bound(vlo, 0, &lo))
        return index_not_int(t, what, vlo), V_UNDEF;
    if (!slice_bound(vhi, (int64_t)len, &hi))
        return index_not_int(t, what, vhi), V_UNDEF;
    if (vmax != V_UNDEF) {
        if (!slice_bound(vmax, (int64_t)cap, &max))
            return index_not_int(t, what, vmax), V_UNDEF;
        if (max < 0 || (uint64_t)max > cap)
            return vm_panicf(t, E_SLICE3_MAX, (long long)max, (long long)cap), V_UNDEF;
        if (hi < 0 || hi > max)
            return vm_panicf(t, E_SLICE3_HI, (long long)hi, (long long)max), V_UNDEF;
        if (lo < 0 || lo > hi)
            return vm_panicf(t, E_SLICE3_LO, (long long)lo, (long long)hi), V_UNDEF;
    } else {
        size_t limit = v_is_str(obj) ? len : cap;
        if (hi < 0 || (uint64_t)hi > limit)
            return vm_panicf(t, E_SLICE_HI, (long long)hi, v_is_str(obj) ? "length" : "capacity",
                             (long long)limit),
                   V_UNDEF;
        if (lo < 0)
            return vm_panicf(t, E_SLICE_NEG, (long long)lo), V_UNDEF;
        if (lo > hi)
            return vm_panicf(t, E_SLICE_LO, (long long)lo, (long long)hi), V_UNDEF;
    }
    if (obj == V_NIL)
        return V_NIL;
    if (v_is_str(obj))
        return v_from_ptr(str_new(v_str(obj)->data + lo, (size_t)(hi - lo)));
    if (l) {
        /* the header was read once above; a racing append may have
         * changed it since, and list_slice keeps within the store */
        ObjList *r = list_slice(l, (size_t)lo, (size_t)hi);
        if (vmax != V_UNDEF && r->store && (size_t)max - (size_t)lo < r->cap)
            r->cap = (uint32_t)((size_t)max - (size_t)lo);
        return v_from_ptr(r);
    }
    ObjArray *a = v_ptr(obj);
    return v_from_ptr(list_view(&a->st, (size_t)lo, (size_t)hi, (size_t)max, NULL));
}

/* append(R[A], vals...) for `P = append(P, vals...)`: a header only this
 * place holds (not LIST_SHARED) grows in place, which costs no allocation
 * while the capacity lasts; any other gets a new header. */
static COLD bool append_op(Thread *t, Value *slot, const Value *vals, size_t n)
{
    Value xs = *slot;
    if (v_is_obj(xs, OBJ_LIST) && list_fits(v_list(xs))) {
        /* append to a []float64: each value as a float64 (vals are the
         * caller's copies, so they are converted where they are) */
        const ObjType *c = list_type(v_list(xs));
        for (size_t i = 0; i < n; i++)
            if (!fit_elem(t, c, (Value *)&vals[i]))
                return false;
    }
    if (v_is_obj(xs, OBJ_LIST) && !(LIST_GET(v_obj(xs), flags) & LIST_SHARED)) {
        list_append_values(v_list(xs), vals, n);
        return true;
    }
    if (xs != V_NIL && !v_is_obj(xs, OBJ_LIST))
        return vm_panicf(t, E_APPEND_NOT_LIST, v_type_name(xs)), false;
    if (n == 0)
        return true;
    *slot = v_from_ptr(list_appended(xs == V_NIL ? NULL : v_list(xs), vals, n));
    return true;
}

/* ---- pointers ---------------------------------------------------------
 * A pointer is its target's address with bit 3 set (value.h); a struct or
 * array is its own target, any other value lives in a cell or a slot. */

static inline bool is_aggregate(Value v)
{
    return v_is_obj(v, OBJ_STRUCT) || v_is_obj(v, OBJ_ARRAY);
}

/* &cell's variable: the struct or array it holds, else the cell. */
static Value ref_cell(ObjCell *c)
{
    Value v = SHARED_LOAD(c->v);
    /* a module's object (sync.Mutex) is a reference already: &mu is mu */
    if (v_is_obj(v, OBJ_OBJECT))
        return v;
    return is_aggregate(v) ? v_ref(v_ptr(v)) : v_ref(c);
}

/* &slot (an element, a global): the struct or array there, else a slot
 * object pointing at it. */
static Value ref_at(Value *slot)
{
    Value v = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (v_is_obj(v, OBJ_OBJECT))
        return v; /* a module's object is a reference already */
    return is_aggregate(v) ? v_ref(v_ptr(v)) : v_ref(slot_new(slot));
}

/* Copy the contents of v (a copy already, or a temporary no one else
 * holds) into the struct or array dst, which pointers may target: false
 * when v is not a value of dst's type. */
static bool copy_into(Obj *dst, Value v)
{
    if (!is_aggregate(v) || v_obj(v)->kind != dst->kind)
        return false;
    if (dst->kind == OBJ_ARRAY) {
        ObjArray *d = (ObjArray *)dst, *src = v_ptr(v);
        if (d->st.cap != src->st.cap)
            return false;
        for (size_t i = 0; i < d->st.cap; i++)
            __atomic_store_n(&d->st.items[i], src->st.items[i], __ATOMIC_RELEASE);
        return true;
    }
    ObjStruct *d = (ObjStruct *)dst, *src = v_ptr(v);
    if (d->type != src->type)
        return false;
    for (int i = 0; i < d->type->nfields; i++)
        __atomic_store_n(&d->f[i], src->f[i], __ATOMIC_RELEASE);
    return true;
}

/* A store to a variable whose address is taken: when it holds a struct
 * or array, v's contents go into that object (so `p := &s; s = T{...}` is
 * seen through p). False: store v itself. */
static COLD bool store_into(Value *slot, Value v)
{
    Value old = SHARED_LOAD(*slot);
    return is_aggregate(old) && copy_into(v_obj(old), v);
}

static COLD Value ref_index(Thread *t, Value obj, Value key)
{
    obj = through_array_ref(obj);
    Value *slot = NULL;
    if (v_is_obj(obj, OBJ_LIST) || v_is_obj(obj, OBJ_ARRAY)) {
        bool list = v_is_obj(obj, OBJ_LIST);
        if (!v_is_anyint(key))
            return index_not_int(t, list ? "list" : "array", key), V_UNDEF;
        int64_t i = v_anyint(key);
        if (list) {
            slot = list_slot(v_list(obj), i);
            if (!slot)
                return index_range(t, i, v_list(obj)->len), V_UNDEF;
        } else {
            ObjArray *a = v_ptr(obj);
            if ((uint64_t)i >= a->st.cap)
                return index_range(t, i, a->st.cap), V_UNDEF;
            slot = &a->st.items[i];
        }
        return ref_at(slot);
    }
    if (obj == V_NIL && v_is_anyint(key))
        return index_range(t, v_anyint(key), 0), V_UNDEF;
    return vm_panicf(t, E_NOT_ADDRESSABLE, v_type_name(obj)), V_UNDEF;
}

static COLD int not_pointer(Thread *t, Value p)
{
    if (p == V_NIL)
        return vm_panicf(t, E_NIL_DEREF);
    Buf b;
    buf_init(&b);
    vm_repr(&b, p);
    return vm_panicf(t, E_NOT_POINTER, b.data, v_type_name(p));
}

static COLD Value deref(Thread *t, Value p)
{
    if (!v_is_ref(p))
        return not_pointer(t, p), V_UNDEF;
    Value *slot = ref_slot(p);
    return slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : v_from_ptr(v_ref_target(p));
}

static COLD bool set_deref(Thread *t, Value p, Value v)
{
    if (!v_is_ref(p))
        return not_pointer(t, p), false;
    Value *slot = ref_slot(p);
    if (slot) {
        __atomic_store_n(slot, v, __ATOMIC_RELEASE);
        return true;
    }
    /* a struct or array target: v's contents go into it */
    Obj *o = v_ref_target(p);
    if (copy_into(o, v))
        return true;
    Buf b;
    buf_init(&b);
    vm_repr(&b, v);
    return vm_panicf(t, E_DEREF_STORE, b.data, v_type_name(v), v_type_name(v_from_ptr(o))), false;
}

/* CONV's slow path: types_store, naming the place (an argument's with
 * its function's name, as Go's "argument to f"). */
static COLD int conv_op(Thread *t, const ObjProto *p, const ObjType *ty, unsigned place, Value *slot)
{
    unsigned code = place & ~(unsigned)STORE_CONST;
    const char *where = types_store_places[code < STORE__COUNT ? code : STORE_ASSIGN];
    if (code == STORE_ARG) {
        const char *name = p->name ? p->name->data : "function";
        if (strncmp(name, "main.", 5) == 0)
            name += 5;
        where = str_printf("%s %s", where, name)->data;
    }
    return types_store_at(t, ty, *slot, slot, (place & STORE_CONST) != 0, where);
}

static COLD Value len_op(Thread *t, Value v)
{
    v = through_array_ref(v_unnamed(v));
    if (v_is_str(v))
        return v_make_int((int64_t)v_str(v)->len);
    if (v_is_obj(v, OBJ_LIST))
        return v_make_int((int64_t)LIST_GET(v_list(v), len));
    if (v_is_obj(v, OBJ_ARRAY))
        return v_make_int((int64_t)((ObjArray *)v_ptr(v))->st.cap);
    if (v_is_obj(v, OBJ_MAP))
        return v_make_int((int64_t)v_map(v)->len);
    if (v == V_NIL)
        return v_int_small(0);
    if (v_is_obj(v, OBJ_CHAN))
        return v_make_int((int64_t)__atomic_load_n(&v_chan(v)->count, __ATOMIC_RELAXED));
    return vm_panicf(t, E_ARG_TYPE, "len", 1, "string, list or map", v_type_name(v)), V_UNDEF;
}

static COLD bool unpack(Thread *t, size_t dst, Value v, size_t *top)
{
    if (v == V_NIL) {
        *top = dst;
        return true;
    }
    if (!v_is_obj(v, OBJ_LIST)) {
        Buf b;
        buf_init(&b);
        vm_repr(&b, v);
        return vm_panicf(t, E_UNPACK_NOT_LIST, b.data, v_type_name(v)), false;
    }
    ObjList *l = v_list(v);
    ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
    size_t n = __atomic_load_n(&l->len, __ATOMIC_ACQUIRE), off = LIST_GET(l, off);
    size_t room = st && off < st->cap ? st->cap - off : 0;
    if (n > room)
        n = room;
    if (!ensure_stack(t, dst + n + VM_STACK_SLACK))
        return vm_panicf(t, n >= VM_MAX_STACK / 2 ? E_SPREAD_TOO_LONG : E_STACK_OVERFLOW, (long long)n),
               false;
    if (n)
        memcpy(t->stack + dst, st->items + off, n * sizeof(Value));
    *top = dst + n;
    return true;
}

/* f(a, xs...): the callee at stack[at] has nargs arguments above it, the
 * last a slice to spread. A variadic function of the script taking exactly
 * these arguments gets the slice itself as its variadic parameter, as in
 * Go (so it sees and may change the caller's elements): the frame set-up
 * reads t->spread_as_is. Any other callee gets the elements in its place;
 * *nargs counts them. False after a panic (not a slice). */
static bool spread_call(Thread *t, size_t at, int *nargs)
{
    Value fn = t->stack[at], last = t->stack[at + (size_t)*nargs];
    if (v_is_obj(fn, OBJ_CLOSURE) && (last == V_NIL || v_is_obj(last, OBJ_LIST))) {
        const ObjProto *p = ((ObjClosure *)v_ptr(fn))->proto;
        if (p->variadic && *nargs == p->nparams) {
            t->spread_as_is = true;
            return true;
        }
    }
    size_t top;
    if (!unpack(t, at + (size_t)*nargs, last, &top))
        return false;
    *nargs = (int)(top - at - 1);
    return true;
}

/* ---- range loops ------------------------------------------------------
 * R[A] the iterated value, R[A+1] the cursor (an int), R[A+2] key, R[A+3]
 * value. A list is ranged over its length at the start, as Go does: the
 * loop holds a second header on the same storage with that length, so
 * element writes during the loop are seen, appends are not. */

static COLD bool rangeprep(Thread *t, Value *ra)
{
    Value v = ra[0] = v_unnamed(ra[0]); /* a named string ranges as its string */
    if (v_is_ref(v) && ((Obj *)v_ref_target(v))->kind == OBJ_ARRAY) {
        /* over a pointer to an array: the array itself, not a copy */
        ObjArray *a = v_ref_target(v);
        ra[0] = v_from_ptr(list_view(&a->st, 0, a->st.cap, a->st.cap, a->type));
        ra[1] = v_int_small(0);
        return true;
    }
    if (v_is_obj(v, OBJ_LIST)) {
        ObjList *l = v_list(v);
        ra[0] = v_from_ptr(list_slice(l, 0, __atomic_load_n(&l->len, __ATOMIC_ACQUIRE)));
    } else if (v_is_obj(v, OBJ_ARRAY)) {
        /* Go ranges over a copy of an array: later writes are not seen */
        ObjArray *a = v_ptr(v_copy(v));
        ra[0] = v_from_ptr(list_view(&a->st, 0, a->st.cap, a->st.cap, a->type));
    } else if (!(v == V_NIL || v_is_obj(v, OBJ_CHAN) || v_is_anyint(v) || v_is_str(v) ||
                 v_is_obj(v, OBJ_MAP))) {
        Buf b;
        buf_init(&b);
        vm_repr(&b, v);
        return vm_panicf(t, E_NOT_RANGEABLE, b.data, v_type_name(v)), false;
    }
    ra[1] = v_int_small(0);
    return true;
}

/* Decode one UTF-8 sequence at s[i]; invalid bytes give U+FFFD, width 1. */
static int32_t rune_at(const unsigned char *s, size_t n, size_t i, size_t *width)
{
    unsigned c = s[i];
    *width = 1;
    if (c < 0x80)
        return (int32_t)c;
    int need;
    uint32_t r, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1, r = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, r = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, r = c & 0x07, min = 0x10000;
    } else {
        return 0xFFFD;
    }
    if (i + (size_t)need >= n) /* truncated sequence */
        return 0xFFFD;
    for (int j = 1; j <= need; j++) {
        unsigned cc = s[i + (size_t)j];
        if ((cc & 0xC0) != 0x80)
            return 0xFFFD;
        r = (r << 6) | (cc & 0x3F);
    }
    if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        return 0xFFFD;
    *width = (size_t)need + 1;
    return (int32_t)r;
}

/* One step: 1 with R[A+2], R[A+3] set (as many as nvars asks), 0 at the
 * end. The types were checked by rangeprep. */
static COLD int range_step(Thread *t, Value *ra, int nvars)
{
    Value v = ra[0];
    int64_t i = v_int(ra[1]);
    if (v_is_obj(v, OBJ_LIST)) {
        Value *slot = list_slot(v_list(v), i);
        if (!slot)
            return 0;
        ra[2] = v_int_small(i);
        if (nvars > 1)
            ra[3] = v_copy(__atomic_load_n(slot, __ATOMIC_ACQUIRE));
        ra[1] = v_int_small(i + 1);
        return 1;
    }
    if (v_is_anyint(v)) {
        if (i >= v_anyint(v))
            return 0;
        ra[2] = v_int_small(i);
        ra[1] = v_int_small(i + 1);
        return 1;
    }
    if (v_is_obj(v, OBJ_MAP)) {
        size_t cur = (size_t)i;
        Value key, val;
        if (!map_next(v_map(v), &cur, &key, &val))
            return 0;
        ra[1] = v_make_int((int64_t)cur);
        ra[2] = v_copy(key);
        ra[3] = v_copy(val);
        return 1;
    }
    if (v_is_str(v)) {
        ObjString *s = v_str(v);
        if ((uint64_t)i >= s->len)
            return 0;
        size_t w;
        int32_t r = rune_at((const unsigned char *)s->data, s->len, (size_t)i, &w);
        ra[2] = v_int_small(i);
        ra[3] = v_int_small(r);
        ra[1] = v_int_small(i + (int64_t)w);
        return 1;
    }
    return 0; /* nil (a channel is received from by RANGE itself) */
}

static ObjClosure *make_closure(ObjProto *p, const ObjClosure *parent, const Value *base)
{
    ObjClosure *c = mem_alloc(sizeof(ObjClosure) + (size_t)p->nupvals * sizeof(ObjCell *));
    c->h.kind = OBJ_CLOSURE;
    c->proto = p;
    c->nupvals = p->nupvals;
    for (int i = 0; i < p->nupvals; i++) {
        UpvalDesc u = p->upvals[i];
        if (u.from_parent_reg) {
            Value v = base[u.idx];
            if (unlikely(!v_is_obj(v, OBJ_CELL)))
                csp_fatal("closure %s: register %d is not a captured variable", proto_name(p), u.idx);
            c->upvals[i] = v_ptr(v);
        } else {
            if (unlikely(!parent || u.idx >= parent->nupvals))
                csp_fatal("closure %s: bad upvalue %d", proto_name(p), u.idx);
            c->upvals[i] = parent->upvals[u.idx];
        }
    }
    return c;
}

static COLD bool new_map(Thread *t, Value *dst, const Value *kv, int c)
{
    int npairs = c & ~NEWMAP_TYPED;
    ObjMap *m = map_new((size_t)npairs);
    if (c & NEWMAP_TYPED) {
        types_map_init(m, v_ptr(kv[2 * npairs]));
        m->type = v_ptr(kv[2 * npairs]);
    }
    for (int i = 0; i < npairs; i++)
        if (!map_store(t, m, kv[2 * i], kv[2 * i + 1]))
            return false;
    *dst = v_from_ptr(m);
    return true;
}

static COLD int not_chan(Thread *t, const char *op, Value v)
{
    Buf b;
    buf_init(&b);
    vm_repr(&b, v);
    return vm_panicf(t, E_NOT_CHAN, op, b.data, v_type_name(v));
}

/* The channel a send, receive or select case works on: NULL for nil (which
 * blocks forever); anything else panics. */
static inline bool chan_operand(Thread *t, Value v, const char *op, ObjChan **out)
{
    if (v == V_NIL) {
        *out = NULL;
        return true;
    }
    if (unlikely(!v_is_obj(v, OBJ_CHAN)))
        return not_chan(t, op, v), false;
    *out = v_chan(v);
    return true;
}

static COLD int not_callable(Thread *t, Value fn)
{
    if (fn == V_NIL)
        return vm_panicf(t, E_NIL_DEREF);
    Buf b;
    buf_init(&b);
    vm_repr(&b, fn);
    return vm_panicf(t, E_NOT_CALLABLE, b.data, v_type_name(fn));
}

#ifdef CSP_TRACE
static void trace_ins(Thread *t, const ObjClosure *cl, const uint32_t *ip, const Value *base)
{
    const ObjProto *p = cl->proto;
    uint32_t i = *ip;
    OpCode op = INS_OP(i);
    int at = (int)(ip - p->code);
    fprintf(stderr, "[g%lld] %s %4d %-10s", (long long)t->id, proto_name(p), at,
            op < OP__COUNT ? op_names[op] : "?");
    switch (op < OP__COUNT ? op_formats[op] : FMT_ABC) {
    case FMT_ABC:
        fprintf(stderr, " %d %d %d", INS_A(i), INS_B(i), INS_C(i));
        break;
    case FMT_ABx:
        fprintf(stderr, " %d %d", INS_A(i), INS_Bx(i));
        break;
    case FMT_AsBx:
        fprintf(stderr, " %d %d", INS_A(i), INS_sBx(i));
        break;
    case FMT_sJ:
        fprintf(stderr, " %d (to %d)", INS_sJ(i), at + 1 + INS_sJ(i));
        break;
    }
    if (op < OP__COUNT && op_formats[op] == FMT_sJ) {
        fputc('\n', stderr);
        return;
    }
    /* R[A] before the instruction: usually an operand, or what it replaces */
    Buf b;
    buf_init(&b);
    vm_repr(&b, base[INS_A(i)]);
    fprintf(stderr, "\t; R[A]=%s\n", b.data);
}
#endif

/* ====================================================================== */
/* the interpreter loop                                                   */
/* ====================================================================== */

/* Dispatch. With GCC or Clang each instruction jumps straight to the next
 * one's label (a table built from opcodes.def); elsewhere the same source
 * compiles to a switch. VM_NEXT() ends every instruction. */
#if defined(__GNUC__) && !defined(CSP_NO_COMPUTED_GOTO)
#define VM_COMPUTED_GOTO 1
#endif

#ifdef CSP_TRACE
#define VM_TRACE() (unlikely(rt->trace) ? trace_ins(t, cl, pc - 1, base) : (void)0)
#else
#define VM_TRACE() ((void)0)
#endif

#ifdef VM_COMPUTED_GOTO
#define VM_CASE(name) L_##name:
#define VM_NEXT()                                                                                            \
    do {                                                                                                     \
        ins = *pc++;                                                                                         \
        VM_TRACE();                                                                                          \
        goto *labels[INS_OP(ins)];                                                                           \
    } while (0)
#define VM_DISPATCH() VM_NEXT();
#else
#define VM_CASE(name) case OP_##name:
#define VM_NEXT() goto dispatch
#define VM_DISPATCH()                                                                                        \
    dispatch:                                                                                                \
    ins = *pc++;                                                                                             \
    VM_TRACE();                                                                                              \
    switch (INS_OP(ins))
#endif

/* VM_SAVEPC: store the loop's pc into the frame. Every instruction that
 * can panic, call out (natives, vm_call) or reach a safepoint does this
 * first: a traceback reads each frame's line from its saved pc, and a
 * callee's RETURN resumes the caller there. It is one store, so the fast
 * paths skip it and only the paths that can fail pay. */
#define VM_SAVEPC() (f->pc = pc)
/* VM_THROW: a panic has been recorded (pc saved); unwind. */
#define VM_THROW() goto on_panic
/* Guard a slow path that can panic: save pc, run it, unwind on failure.
 * `fails` is the expression's failure test on its result `r_`. */
#define VM_PROTECT(type, var, expr, fails)                                                                   \
    type var;                                                                                                \
    do {                                                                                                     \
        VM_SAVEPC();                                                                                         \
        var = (expr);                                                                                        \
        if (unlikely(fails))                                                                                 \
            VM_THROW();                                                                                      \
    } while (0)
/* Reload what a call out may have moved: the frame array and the stack. */
#define VM_RELOAD() (f = &t->frames[t->nframes - 1], base = t->stack + f->base)
/* Switch the loop to the top frame (after a call or a return). */
#define VM_ENTER() (VM_RELOAD(), cl = f->cl, k = cl->proto->k, pc = f->pc)
/* The inline cache of the instruction at ip: ObjProto.ic[ip - code],
 * reached as ic_bias + 2 * ip (ic is 8 bytes an instruction, code 4).
 * Only functions with an ic run the instructions that use it (the
 * compiler gives them one). */
#define IC_AT(ip) ((uint64_t *)(cl->proto->ic_bias + 2 * (uintptr_t)(ip)))
/* The cache word of the instruction at ip, 0 for code without caches (a
 * proto not made by the compiler). */
#define IC_WORD_AT(ip) (cl->proto->ic ? IC_LOAD(IC_AT(ip)) : 0)
/* The next word is a JMP: take it when cond == C, else step over it. A
 * backward jump is a safepoint. */
#define VM_CONDJUMP(cond)                                                                                    \
    do {                                                                                                     \
        if ((int)(cond) != (int)INS_C(ins)) {                                                                \
            pc++;                                                                                            \
        } else {                                                                                             \
            int off_ = INS_sJ(*pc);                                                                          \
            pc += off_ + 1;                                                                                  \
            if (off_ < 0 && unlikely(PREEMPT_REQUESTED(t))) {                                                \
                VM_SAVEPC();                                                                                 \
                if (vm_safepoint(t) < 0)                                                                     \
                    VM_THROW();                                                                              \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

#define A_ ((int)INS_A(ins))
#define B_ ((int)INS_B(ins))
#define C_ ((int)INS_C(ins))
#define RA base[INS_A(ins)]
#define RB base[INS_B(ins)]
#define RC base[INS_C(ins)]
#define KC k[INS_C(ins)]

/* v_flonum for the arithmetic fast paths: the same decoding, with 0.0's
 * own pattern selected without a branch (zeros come and go in float
 * loops, and a mispredicted branch costs more than the select). */
static inline double vm_flonum(Value v)
{
    uint64_t bits = v_rotr3((v & ~(uint64_t)3) | (2 - (v >> 63)));
    bits = v == V_FLONUM_ZERO ? 0 : bits;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* Both operands small ints: the tagged words add as (a + b - 1) and
 * subtract as (a - b + 1); multiply one untagged by the other's tag-less
 * word and add the tag. Overflow of the 64-bit word op is exactly overflow
 * of the 63-bit int, which goes to the slow path (64-bit wrap, boxed). */
#define BOTH_INT(x, y) ((x) & (y)&1)

#define ARITH_OP(OPNAME, b_, c_)                                                                             \
    do {                                                                                                     \
        Value x_ = (b_), y_ = (c_);                                                                          \
        int64_t r_;                                                                                          \
        if (likely(BOTH_INT(x_, y_))) {                                                                      \
            if (OPNAME == OP_ADD) {                                                                          \
                if (likely(!__builtin_add_overflow((int64_t)x_, (int64_t)(y_ - 1), &r_))) {                  \
                    RA = (Value)r_;                                                                          \
                    VM_NEXT();                                                                               \
                }                                                                                            \
            } else if (OPNAME == OP_SUB) {                                                                   \
                if (likely(!__builtin_sub_overflow((int64_t)x_, (int64_t)(y_ - 1), &r_))) {                  \
                    RA = (Value)r_;                                                                          \
                    VM_NEXT();                                                                               \
                }                                                                                            \
            } else {                                                                                         \
                if (likely(!__builtin_mul_overflow(v_int(x_), (int64_t)(y_ - 1), &r_))) {                    \
                    RA = (Value)r_ | 1;                                                                      \
                    VM_NEXT();                                                                               \
                }                                                                                            \
            }                                                                                                \
        } else if (v_is_flonum(x_) && v_is_flonum(y_)) {                                                     \
            double fx_ = vm_flonum(x_), fy_ = vm_flonum(y_);                                                 \
            double fr_ = OPNAME == OP_ADD ? fx_ + fy_ : OPNAME == OP_SUB ? fx_ - fy_ : fx_ * fy_;            \
            Value fv_;                                                                                       \
            RA = likely(v_flonum_try(fr_, &fv_)) ? fv_ : v_make_float(fr_);                                  \
            VM_NEXT();                                                                                       \
            VM_NEXT();                                                                                       \
        }                                                                                                    \
        VM_PROTECT(Value, v_, arith_binop(t, OPNAME, x_, y_), v_ == V_UNDEF);                                \
        RA = v_;                                                                                             \
        VM_NEXT();                                                                                           \
    } while (0)

/* Division and modulo: small ints with a nonzero divisor inline (no C
 * trap is possible: MinInt63 / -1 fits in int64), the rest slow. */
#define DIVMOD_OP(OPNAME, b_, c_)                                                                            \
    do {                                                                                                     \
        Value x_ = (b_), y_ = (c_);                                                                          \
        if (likely(BOTH_INT(x_, y_) && y_ != v_int_small(0))) {                                              \
            int64_t q_ = OPNAME == OP_DIV ? v_int(x_) / v_int(y_) : v_int(x_) % v_int(y_);                   \
            RA = likely(v_int_fits(q_)) ? v_int_small(q_) : v_make_int(q_);                                  \
            VM_NEXT();                                                                                       \
        }                                                                                                    \
        if (OPNAME == OP_DIV && ((v_is_flonum(x_) && (v_is_flonum(y_) || v_is_int(y_))) ||                   \
                                 (v_is_int(x_) && v_is_flonum(y_)))) {                                       \
            /* two floats, or (a dynamic script's 1.0 / n) a float and an                                    \
             * int, which divides as a float as arith_binop does (two                                        \
             * ints here: a division by zero, the slow path's panic) */                                      \
            fres = (v_is_int(x_) ? (double)v_int(x_) : vm_flonum(x_)) /                                      \
                   (v_is_int(y_) ? (double)v_int(y_) : vm_flonum(y_));                                       \
            goto float_result;                                                                               \
        }                                                                                                    \
        VM_PROTECT(Value, v_, arith_binop(t, OPNAME, x_, y_), v_ == V_UNDEF);                                \
        RA = v_;                                                                                             \
        VM_NEXT();                                                                                           \
    } while (0)

/* Ordered compare of two registers or a register and an immediate: small
 * ints compare as raw words (the tagging is order-preserving), flonums as
 * doubles, the rest through arith_compare. Sets `res`. */
#define ORDER(res, cmp, x, y, intop)                                                                         \
    do {                                                                                                     \
        Value ox_ = (x), oy_ = (y);                                                                          \
        if (likely(BOTH_INT(ox_, oy_))) {                                                                    \
            res = (int64_t)ox_ intop(int64_t) oy_;                                                           \
        } else if (v_is_flonum(ox_) && v_is_flonum(oy_)) {                                                   \
            res = vm_flonum(ox_) intop vm_flonum(oy_);                                                       \
        } else {                                                                                             \
            VM_SAVEPC();                                                                                     \
            res = arith_compare(t, cmp, ox_, oy_);                                                           \
            if (unlikely(res < 0))                                                                           \
                VM_THROW();                                                                                  \
        }                                                                                                    \
    } while (0)

#define EQUAL(x, y) (BOTH_INT((x), (y)) ? (x) == (y) : v_equal((x), (y)))
/* EQUAL of two registers, which may hold values Go's == panics on. */
#define EQUAL_CHECKED(res, x, y)                                                                             \
    do {                                                                                                     \
        Value ex_ = (x), ey_ = (y);                                                                          \
        if (likely(BOTH_INT(ex_, ey_))) {                                                                    \
            res = ex_ == ey_;                                                                                \
        } else {                                                                                             \
            VM_SAVEPC();                                                                                     \
            res = equal_or_panic(t, ex_, ey_);                                                               \
            if (unlikely(res < 0))                                                                           \
                VM_THROW();                                                                                  \
        }                                                                                                    \
    } while (0)

/* The same with an interface operand (v_iface_equal: the dynamic types
 * count). */
#define IFACE_EQUAL(res, x, y)                                                                               \
    do {                                                                                                     \
        VM_SAVEPC();                                                                                         \
        res = iface_equal_or_panic(t, (x), (y));                                                             \
        if (unlikely(res < 0))                                                                               \
            VM_THROW();                                                                                      \
    } while (0)

/* GETINDEX, and GETINDEXC with KEEP v_copy_fast: an element read to be
 * stored elsewhere is copied in the same dispatch. */
#define AS_IS(v) (v)
#define GETINDEX_BODY(KEEP)                                                                                  \
    do {                                                                                                     \
        Value o = RB, key = RC;                                                                              \
        if (likely(v_is_ptr(o))) {                                                                           \
            uint32_t kind = v_obj(o)->kind;                                                                  \
            if (kind == OBJ_LIST && likely(v_is_int(key))) {                                                 \
                ObjList *l = v_list(o);                                                                      \
                uint64_t i = (uint64_t)v_int(key);                                                           \
                size_t n = __atomic_load_n(&l->len, __ATOMIC_ACQUIRE);                                       \
                ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);                                \
                uint64_t at = i + LIST_GET(l, off);                                                          \
                /* a nil slice's len is 0, so st is not read then */                                         \
                if (likely(i < n && at < st->cap)) {                                                         \
                    RA = KEEP(__atomic_load_n(&st->items[at], __ATOMIC_ACQUIRE));                            \
                    VM_NEXT();                                                                               \
                }                                                                                            \
            } else if (kind == OBJ_ARRAY && likely(v_is_int(key))) {                                         \
                ObjArray *a = v_ptr(o);                                                                      \
                uint64_t i = (uint64_t)v_int(key);                                                           \
                if (likely(i < a->st.cap)) {                                                                 \
                    RA = KEEP(__atomic_load_n(&a->st.items[i], __ATOMIC_ACQUIRE));                           \
                    VM_NEXT();                                                                               \
                }                                                                                            \
            } else if (kind == OBJ_MAP) {                                                                    \
                Value v;                                                                                     \
                if (map_get(v_map(o), key, &v)) {                                                            \
                    RA = KEEP(v);                                                                            \
                    VM_NEXT();                                                                               \
                }                                                                                            \
                /* a miss: the element's zero, unless it must be                                             \
                 * made fresh (index_slow does that) */                                                      \
                Value z = v_map(o)->zero;                                                                    \
                if (likely((v_is_int(key) || v_is_str(key)) && !v_is_obj(z, OBJ_TYPE))) {                    \
                    RA = z;                                                                                  \
                    VM_NEXT();                                                                               \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
        VM_PROTECT(Value, v, index_slow(t, o, key), v == V_UNDEF);                                           \
        VM_RELOAD(); /* a fresh zero's constructor may move the stack */                                     \
        RA = KEEP(v);                                                                                        \
        VM_NEXT();                                                                                           \
    } while (0)

/* The loop itself, twice (exec.inc): without and with the race
 * detector's checks. RACE_R / RACE_W give an access to the detector: the
 * location's address and, for the report, an index or key. */
#define RACE_CHECKS 0
#define EXECUTE execute_plain
#define RACE_R(addr, detail) ((void)0)
#define RACE_W(addr, detail) ((void)0)
#define RACE_OP(fn, ...) ((void)0)
#include "exec.inc"
#undef RACE_CHECKS
#undef EXECUTE
#undef RACE_R
#undef RACE_W
#undef RACE_OP

/* The race detector's view of the instructions that touch memory (the
 * checking loop only). Each finds the location's word the instruction is
 * about to read or write and gives it to race.c; an access that will
 * panic (an index out of range, a nil map write) is left to the panic. */

/* R[o][key]: a slice or array element, or the map as one location. */
static void race_index(Thread *t, uint32_t site, Value o, Value key, bool write)
{
    if (!v_is_ptr(o))
        return;
    const Value *at = NULL;
    switch (v_obj(o)->kind) {
    case OBJ_LIST:
        if (v_is_anyint(key))
            at = list_slot(v_list(o), v_anyint(key));
        break;
    case OBJ_ARRAY: {
        ObjArray *a = v_ptr(o);
        if (v_is_anyint(key) && (uint64_t)v_anyint(key) < a->st.cap)
            at = &a->st.items[v_anyint(key)];
        break;
    }
    case OBJ_MAP:
        (write ? race_map_write : race_map_read)(t, v_ptr(o), site, key);
        return;
    default:
        return;
    }
    if (at)
        (write ? race_write : race_read)(t, at, site, key);
}

/* The slot of field `name` of struct s, through embedded structs (Go's
 * promotion), or NULL. */
static const Value *race_field_slot(ObjStruct *s, const char *name, int depth)
{
    const ObjType *ty = s->type;
    if (!ty || ty->kind != TYPE_STRUCT)
        return NULL;
    for (int i = 0; i < ty->nfields; i++)
        if (strcmp(ty->fields[i].name, name) == 0)
            return &s->f[i];
    for (int i = 0; i < ty->nfields && depth < 8; i++) {
        if (!ty->fields[i].embedded)
            continue;
        Value v = s->f[i];
        Obj *in = v_is_ref(v) ? v_ref_target(v) : v_is_ptr(v) ? v_obj(v) : NULL;
        if (in && in->kind == OBJ_STRUCT) {
            const Value *at = race_field_slot((ObjStruct *)in, name, depth + 1);
            if (at)
                return at;
        }
    }
    return NULL;
}

/* R.name: a struct's field (through a pointer too), found by the
 * instruction's inline cache ic when it knows the struct's type, or a
 * map's entry (m.name sugar) as the map. */
static void race_field(Thread *t, uint32_t site, Value o, Value name, uint64_t ic, bool write)
{
    if ((o & 7) == 0 && o != 0 && ((Obj *)v_ref_target(o))->kind == OBJ_STRUCT) {
        ObjStruct *s = v_ref_target(o);
        const Value *at = IC_TYPE(ic) == (uintptr_t)s->type && (ic & IC_DIRECT)
                              ? &s->f[IC_INDEX(ic)]
                              : race_field_slot(s, k_name(name)->data, 0);
        if (at)
            (write ? race_write : race_read)(t, at, site, V_UNDEF);
    } else if (v_is_obj(o, OBJ_MAP)) {
        (write ? race_map_write : race_map_read)(t, v_ptr(o), site, name);
    }
}

/* *p: a variable's cell or an element or field slot; a whole struct or
 * array (every field or element: *p copies it, *p = v overwrites it). */
static void race_deref(Thread *t, uint32_t site, Value p, bool write)
{
    if (!v_is_ref(p))
        return;
    const Value *slot = ref_slot(p);
    if (slot) {
        (write ? race_write : race_read)(t, slot, site, V_UNDEF);
        return;
    }
    Obj *o = v_ref_target(p);
    if (!o)
        return;
    void (*range)(Thread *, const void *, size_t, uint32_t) = write ? race_write_range : race_read_range;
    if (o->kind == OBJ_STRUCT)
        range(t, ((ObjStruct *)o)->f, (size_t)((ObjStruct *)o)->type->nfields, site);
    else if (o->kind == OBJ_ARRAY)
        range(t, ((ObjArray *)o)->st.items, ((ObjArray *)o)->st.cap, site);
}

/* append(xs, n values): the elements it will write in place, or, when it
 * must grow, the ones it copies out. */
static void race_append(Thread *t, uint32_t site, Value xs, size_t n)
{
    if (!v_is_obj(xs, OBJ_LIST))
        return;
    ObjList *l = v_list(xs);
    ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
    if (!st)
        return;
    size_t off = l->off, len = l->len, cap = l->cap;
    if (off + cap > st->cap || len > cap)
        return; /* a torn header: append sorts it out */
    if (cap - len >= n)
        race_write_range(t, &st->items[off + len], n, site);
    else
        race_read_range(t, &st->items[off], len, site);
}

/* After an append that moved the slice to a new array: the copy wrote its
 * elements (Go's growslice is a memmove into fresh memory), so they are
 * this goroutine's writes, and the next growth reads them as such. */
static void race_appended(Thread *t, uint32_t site, Value xs, const ListStore *old)
{
    if (!v_is_obj(xs, OBJ_LIST))
        return;
    ObjList *l = v_list(xs);
    ListStore *st = l->store;
    if (st && st != old && (size_t)l->off + l->len <= st->cap)
        race_fresh_write(t, &st->items[l->off], l->len, site);
}

/* len(m) reads the map, as in Go. */
static void race_len(Thread *t, uint32_t site, Value o)
{
    if (v_is_obj(o, OBJ_MAP))
        race_map_read(t, v_ptr(o), site, V_UNDEF);
}

/* A range loop's step: the element it reads, or the map. */
static void race_range(Thread *t, uint32_t site, const Value *ra)
{
    Value v = ra[0];
    if (v_is_obj(v, OBJ_LIST)) {
        const Value *at = list_slot(v_list(v), v_int(ra[1]));
        if (at)
            race_read(t, at, site, ra[1]);
    } else if (v_is_obj(v, OBJ_MAP)) {
        race_map_read(t, v_ptr(v), site, V_UNDEF);
    }
}

/* The site of the running instruction (pc is one past it), 0 when the
 * function was compiled without the detector. */
#define RACE_SITE() (cl->proto->race_sites ? cl->proto->race_sites[pc - 1 - cl->proto->code] : 0)
#define RACE_R(addr, detail)                                                                                 \
    do {                                                                                                     \
        uint32_t site_ = RACE_SITE();                                                                        \
        if (site_)                                                                                           \
            race_read(t, (addr), site_, (detail));                                                           \
    } while (0)
#define RACE_W(addr, detail)                                                                                 \
    do {                                                                                                     \
        uint32_t site_ = RACE_SITE();                                                                        \
        if (site_)                                                                                           \
            race_write(t, (addr), site_, (detail));                                                          \
    } while (0)
/* RACE_OP(race_index, o, key, write): one of the helpers above, with the
 * instruction's site. */
#define RACE_OP(fn, ...)                                                                                     \
    do {                                                                                                     \
        uint32_t site_ = RACE_SITE();                                                                        \
        if (site_)                                                                                           \
            fn(t, site_, __VA_ARGS__);                                                                       \
    } while (0)
#define RACE_CHECKS 1
#define EXECUTE execute_race
#include "exec.inc"
#undef RACE_CHECKS
#undef EXECUTE

static int execute(Thread *t)
{
    return unlikely(t->race != NULL) ? execute_race(t) : execute_plain(t);
}

/* ====================================================================== */
/* running a script                                                       */
/* ====================================================================== */

int vm_run_main(Thread *t, ObjProto *main)
{
    ObjClosure *cl = make_closure(main, NULL, NULL);
    if (vm_call(t, v_from_ptr(cl), NULL, 0) < 0)
        return 2;
    int slot = rt_global_slot(t->rt, str_cstr("main"));
    const ListStore *g = __atomic_load_n(&t->rt->globals, __ATOMIC_ACQUIRE);
    Value m = (size_t)slot < g->cap ? g->items[slot] : V_NIL;
    if (v_is_obj(m, OBJ_CLOSURE) && vm_call(t, m, NULL, 0) < 0)
        return 2;
    return 0;
}
