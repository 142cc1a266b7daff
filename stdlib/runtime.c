/* runtime.c — the runtime module: GOMAXPROCS, NumGoroutine, Gosched,
 * NumCPU, GC, and ReadMemStats, Stack, GOOS, GOARCH, Version, KeepAlive.
 *
 * runtime.MemStats is a struct type with Go's field names. ReadMemStats
 * fills the fields the Boehm collector can answer honestly (GC_get_prof_
 * stats): Sys (bytes obtained from the OS), HeapSys (the heap's size),
 * HeapIdle (its free bytes), HeapReleased (returned to the OS), HeapInuse,
 * HeapAlloc and Alloc (the heap's size less its free bytes: objects not
 * yet freed, the unreachable ones a collection has not reclaimed
 * included, as Go counts them), TotalAlloc (bytes allocated since start)
 * and NumGC (collections so far). The collector keeps no counts of
 * objects or pause times: Mallocs, Frees, HeapObjects, PauseTotalNs and
 * the rest stay 0.
 */
#include <gc/gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vm/mem.h"
#include "../vm/sched.h"
#include "stream.h"

static int r_gomaxprocs(Thread *t, Value *a, int n, Value *r)
{
    int64_t p;
    if (!vm_check_int(t, "runtime.GOMAXPROCS", a, 0, &p))
        return -1;
    r[0] = v_make_int(sched_gomaxprocs(p > 256 ? 256 : (int)p));
    return 1;
}

static int r_numgoroutine(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(sched_num_goroutine());
    return 1;
}

/* runtime.Leaks(): how many goroutines are blocked for ever now (csp's
 * own, for tests; csp -leaks reports them when main returns). */
static int r_leaks(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)a, (void)n;
    r[0] = v_make_int(sched_find_leaks(NULL));
    return 1;
}

static int r_gosched(Thread *t, Value *a, int n, Value *r)
{
    sched_gosched();
    return 0;
}

static int r_numcpu(Thread *t, Value *a, int n, Value *r)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    r[0] = v_make_int(c > 0 ? c : 1);
    return 1;
}

static int r_gc(Thread *t, Value *a, int n, Value *r)
{
    GC_gcollect();
    return 0;
}

/* ---- MemStats ---------------------------------------------------------- */

static ObjType *memstats_type; /* made when the module opens */

/* Go's MemStats fields, in Go's order (PauseNs, PauseEnd and BySize, Go's
 * arrays, are left out). */
static const char memstats_fields[] =
    "struct { Alloc uint64; TotalAlloc uint64; Sys uint64; Lookups uint64; Mallocs uint64; Frees uint64; "
    "HeapAlloc uint64; HeapSys uint64; HeapIdle uint64; HeapInuse uint64; HeapReleased uint64; "
    "HeapObjects uint64; StackInuse uint64; StackSys uint64; MSpanInuse uint64; MSpanSys uint64; "
    "MCacheInuse uint64; MCacheSys uint64; BuckHashSys uint64; GCSys uint64; OtherSys uint64; "
    "NextGC uint64; LastGC uint64; PauseTotalNs uint64; NumGC uint32; NumForcedGC uint32; "
    "GCCPUFraction float64; EnableGC bool; DebugGC bool }";

static void set_field(ObjStruct *s, const char *name, Value v)
{
    int i = types_field_index(s->type, name, strlen(name));
    if (i >= 0)
        s->f[i] = v;
}

static int r_read_mem_stats(Thread *t, Value *a, int n, Value *r)
{
    (void)n, (void)r;
    Value p = a[0];
    ObjStruct *s = v_is_ref(p) ? v_ref_target(p) : NULL;
    if (!s || s->h.kind != OBJ_STRUCT || s->type != memstats_type)
        return vm_panicf(t, E_ARG_TYPE, "runtime.ReadMemStats", 1, "*runtime.MemStats", v_type_name(p));
    struct GC_prof_stats_s st;
    memset(&st, 0, sizeof st);
    GC_get_prof_stats(&st, sizeof st);
    uint64_t heap = st.heapsize_full, idle = st.free_bytes_full;
    uint64_t inuse = heap > idle ? heap - idle : 0;
    uint64_t total = (uint64_t)st.allocd_bytes_before_gc + st.bytes_allocd_since_gc;
    uint64_t sys = st.obtained_from_os_bytes ? st.obtained_from_os_bytes : heap + st.non_gc_bytes;
    set_field(s, "Alloc", v_make_uint(inuse));
    set_field(s, "TotalAlloc", v_make_uint(total));
    set_field(s, "Sys", v_make_uint(sys));
    set_field(s, "HeapAlloc", v_make_uint(inuse));
    set_field(s, "HeapSys", v_make_uint(heap));
    set_field(s, "HeapIdle", v_make_uint(idle));
    set_field(s, "HeapInuse", v_make_uint(inuse));
    set_field(s, "HeapReleased", v_make_uint(st.unmapped_bytes));
    set_field(s, "NumGC", v_make_uint(st.gc_no));
    set_field(s, "EnableGC", V_TRUE);
    return 0;
}

/* ---- Stack ------------------------------------------------------------- */

/* runtime.Stack(buf, all): the calling goroutine's traceback, as csp
 * prints one ("goroutine 1 [running]:" and its frames), copied into buf;
 * the bytes written. all is accepted, but only the caller's goroutine is
 * written. */
static int r_stack(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    if (a[0] == V_NIL) { /* a nil buffer holds nothing, as in Go */
        r[0] = v_int_small(0);
        return 1;
    }
    if (!v_is_obj(a[0], OBJ_LIST))
        return vm_panicf(t, E_ARG_TYPE, "runtime.Stack", 1, "[]byte", v_type_name(a[0]));
    char *text = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&text, &len);
    if (!mf)
        return vm_panic_msg(t, "runtime.Stack: out of memory");
    fprintf(mf, "goroutine %lld [running]:\n", (long long)t->id);
    vm_traceback(t, mf);
    fclose(mf);
    size_t k = bytes_copy_into(v_list(a[0]), text, len);
    free(text);
    r[0] = v_make_int((int64_t)k);
    return 1;
}

static int r_version(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)a, (void)n;
    r[0] = v_cstr("go1.22 (csp)");
    return 1;
}

static int r_keep_alive(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)a, (void)n, (void)r;
    return 0;
}

static void runtime_open(ObjModule *m)
{
    module_add_fn(m, "GOMAXPROCS", r_gomaxprocs, 1, 1)->sig = "func(int) int";
    module_add_fn(m, "NumGoroutine", r_numgoroutine, 0, 0)->sig = "func() int";
    module_add_fn(m, "Leaks", r_leaks, 0, 0)->sig = "func() int";
    module_add_fn(m, "Gosched", r_gosched, 0, 0)->sig = "func()";
    module_add_fn(m, "NumCPU", r_numcpu, 0, 0)->sig = "func() int";
    module_add_fn(m, "GC", r_gc, 0, 0)->sig = "func()";
    memstats_type = types_new_named("runtime.MemStats");
    types_define(memstats_type, types_parse(memstats_fields, strlen(memstats_fields)));
    types_register_type(memstats_type);
    module_add_fn(m, "ReadMemStats", r_read_mem_stats, 1, 1)->sig = "func(*runtime.MemStats)";
    module_add_fn(m, "Stack", r_stack, 2, 2)->sig = "func([]byte, bool) int";
    module_add_fn(m, "Version", r_version, 0, 0)->sig = "func() string";
    module_add_fn(m, "KeepAlive", r_keep_alive, 1, 1);
    module_add(m, "GOOS", v_cstr("linux"));
#if defined(__x86_64__)
    module_add(m, "GOARCH", v_cstr("amd64"));
#elif defined(__aarch64__)
    module_add(m, "GOARCH", v_cstr("arm64"));
#else
    module_add(m, "GOARCH", v_cstr("unknown"));
#endif
}

const ModuleDef csp_module_runtime = {"runtime", runtime_open};
