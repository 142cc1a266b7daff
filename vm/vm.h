/* vm.h — the interpreter: the shared runtime state, one goroutine's
 * interpreter state (Thread), calls, panics and the API natives use.
 *
 * Ownership: a Runtime is created once per process (or per REPL) and is
 * shared by every OS thread that runs csp code. A Thread is the interpreter
 * state of one goroutine; only the OS thread currently running that
 * goroutine touches it (goroutines migrate between OS threads, so nothing
 * here may be kept in C thread-locals across a blocking point).
 *
 * Failure: a script's error is a csp panic. Natives report one by calling
 * vm_panic*() and returning -1; the interpreter unwinds, running defers,
 * until a deferred call recovers or the goroutine dies (then the process
 * prints the panic and a traceback and exits 2). A broken invariant is
 * csp_fatal(), which stops the process.
 */
#ifndef CSP_VM_H
#define CSP_VM_H

#include <pthread.h>
#include <stdio.h>

#include "object.h"
#include "sanitize.h"

typedef enum {
#define ERR(name, msg) E_##name,
#include "errors.def"
#undef ERR
    E__COUNT
} ErrCode;

extern const char *const err_formats[E__COUNT];

/* Shared runtime state. Locking: see each field. */
typedef struct Runtime {
    /* Globals: one slot per top-level name. The slot array is replaced
     * (never shrunk) when the REPL adds names; slots are plain words (racy
     * scripts may lose updates, never tear). Growth and the name table are
     * guarded by globals_lock; reads of `globals` take no lock. */
    pthread_mutex_t globals_lock;
    ListStore *globals;    /* slot values; cap = slots allocated */
    ObjMap *global_names;  /* name -> int slot index; globals_lock */
    ObjList *global_order; /* slot -> name (for messages); globals_lock */
    ObjMap *global_types;  /* name -> the ObjType a global was declared
                              with, for the REPL's later lines; globals_lock */
    ObjMap *universe;      /* predeclared names (builtins, modules) ->
                              value; read-only after start-up */
    ObjList *args;         /* os.Args; read-only after start-up */
    int npanicking;        /* goroutines panicking and not (yet)
                              recovered: atomic; main waits for them to
                              settle before the program exits */
    int64_t next_goid;     /* last goroutine id handed out; atomic add */
    /* Called by vm_safepoint when a goroutine is asked to yield (the
     * scheduler's preemption). Set once at start-up, before any goroutine
     * runs; read without a lock. NULL: just clear the flag. */
    void (*on_safepoint)(struct Thread *t);
    bool trace; /* CSPTRACE=1 in a CSP_TRACE build; read-only */
    /* csp -leaks (or CSPLEAKS=1): when main returns, report the goroutines
     * blocked for ever and exit 2 if any. Set before the program runs. */
    bool find_leaks;
} Runtime;

/* One call frame. Offsets, not pointers: the value stack may move. */
typedef struct Frame {
    ObjClosure *cl;       /* NULL for a native frame */
    const uint32_t *pc;   /* saved pc (next instruction) */
    size_t base;          /* R[0] = stack[base] */
    int nwant;            /* results the caller wants (-1: all); they go
                             to the callee's slot, stack[base - 1], on */
    struct Defer *defers; /* pending defers of this frame, LIFO */
    /* The native this frame is calling right now, else NULL: tracebacks
     * show it above the frame ("fmt.Println(...)"). */
    const struct ObjNative *native;
    /* 1: entered from C (vm_call): returning from this frame, or unwinding
     * past it, returns from that nested interpreter loop. */
    uint8_t c_entry;
} Frame;

/* One panic in flight. A panic raised while an earlier one runs its
 * deferred calls is linked to it; printing walks the chain oldest first, as
 * Go does ("panic: a [recovered]\n\tpanic: b"). */
typedef struct Panic {
    Value val;
    ObjList *trace; /* per frame, innermost first: the proto or native, then
                       its line as an int (0 for natives) */
    bool recovered; /* recover() returned val */
    bool aborted;   /* a later panic escaped one of its deferred calls */
    struct Panic *link;
} Panic;

typedef struct Defer {
    struct Defer *next;
    Value fn;
    int nargs;
    Value args[];
} Defer;

/* The interpreter state of one goroutine. Touched only by the OS thread
 * running it, except `preempt` (written by the monitor thread; relaxed
 * atomic; read at safepoints). */
typedef struct Thread {
    Runtime *rt;
    Value *stack; /* value stack (GC_MALLOC'd, scanned) */
    size_t stack_cap;
    size_t top; /* first free slot; also "top" of opcodes.def */
    Frame *frames;
    int nframes, frames_cap;
    volatile int preempt; /* safepoint flag: see above */
    /* Set (with preempt) by the REPL's SIGINT handler, from any thread:
     * the next safepoint panics "interrupted". Relaxed atomic loads and
     * stores of a lock-free int, so a signal handler may write it. */
    volatile int interrupt;
    /* Panic state. `panic` is the chain of panics in flight, newest first;
     * panicking/recovered/panic_val/panic_trace mirror its newest entry.
     * panicking is written atomically: main reads it in other goroutines'
     * Threads before the program exits. */
    bool panicking;
    bool recovered;
    Value panic_val;
    ObjList *panic_trace; /* traceback captured where the panic started */
    Panic *panic;
    /* Index of the frame whose direct recover() calls may stop the current
     * panic: the deferred call the unwinder is running; -1 otherwise. */
    int recover_frame;
    /* Lowest usable address of the C stack this goroutine runs on (set by
     * the scheduler for goroutine stacks; NULL: unchecked). vm_call panics
     * "stack overflow" when it would come within VM_C_STACK_MARGIN of it. */
    char *c_stack_limit;
    int c_depth; /* nested vm_call depth (C stack use) */
    /* Set by CALLSP just before it calls a variadic function with f(a,
     * xs...), read and cleared by the frame set-up: the last argument is
     * the variadic slice itself, passed as Go passes it (not packed into
     * a new list). Only this goroutine's thread touches it. */
    bool spread_as_is;
    /* A method of a generic type called on a nil pointer (x.M() with x a
     * nil *Tree[string]) learns its type arguments from the static type
     * the call named, not from the receiver: CALLM's nil path sets the
     * type and the closure called, and the method's RTPARAMS reads and
     * clears them. Only this goroutine's thread touches them. */
    const struct ObjType *nil_recv_type;
    Value nil_recv_fn;
    int64_t id; /* goroutine id: 1 for main */
    Value rets[NATIVE_MAX_RETS];
    void *sched; /* the scheduler's goroutine record (runtime issue) */
    /* The race detector's clock for this goroutine (race.h), NULL when it
     * is off. Owned by the goroutine; a waker may update it while the
     * goroutine is parked, under the lock it waits under. */
    struct RaceG *race;
} Thread;

/* A word that goroutines on several OS threads may read and write without
 * a lock (globals, captured variables): racy scripts may lose updates, but
 * each access is one whole word. The store releases and the load acquires,
 * so an object made and then published through the word is seen whole by
 * the goroutine that reads it (its kind, its fields); both are plain moves
 * on x86. Fields, elements and map values are read and written the same
 * way. */
#define SHARED_LOAD(w) __atomic_load_n(&(w), __ATOMIC_ACQUIRE)
#define SHARED_STORE(w, v) __atomic_store_n(&(w), (v), __ATOMIC_RELEASE)
/* The safepoint check: the monitor thread sets Thread.preempt. */
#ifndef CSP_FUZZ
#define PREEMPT_REQUESTED(t) __atomic_load_n(&(t)->preempt, __ATOMIC_RELAXED)
#else
/* Fuzz builds (tests/fuzz/fuzz_exec.c) give a program an instruction
 * budget: every safepoint (backward jump, call) spends one step, a new
 * goroutine CSP_FUZZ_GO_COST, a timer that fires (a sleep, a tick)
 * CSP_FUZZ_TIMER_COST, and a safepoint past the budget ends the program
 * (vm_safepoint). Without the timer cost a loop that sleeps would run for
 * ever on a few steps per 2 ms. Both counters are process-wide relaxed
 * atomics. */
extern int64_t csp_fuzz_budget; /* set once by the harness before running */
extern int64_t csp_fuzz_steps;  /* spent so far, by every goroutine */
#define CSP_FUZZ_GO_COST 500
#define CSP_FUZZ_TIMER_COST 1000
#define PREEMPT_REQUESTED(t)                                                                                 \
    (__atomic_add_fetch(&csp_fuzz_steps, 1, __ATOMIC_RELAXED) > csp_fuzz_budget ||                           \
     __atomic_load_n(&(t)->preempt, __ATOMIC_RELAXED))
#endif

/* Limits, each for a reason: */
#define VM_MAX_FRAMES                                                                                        \
    1000000                /* deep enough for real recursion (Go's stacks                                    \
                              grow to 1 GB), bounded so runaway recursion                                    \
                              is a panic, not OOM */
#define VM_MAX_C_DEPTH 200 /* nested native->csp calls; each costs C stack */
#define VM_MAX_STACK                                                                                         \
    (1 << 24) /* value-stack slots (128 MiB): a few frames                                                   \
                 of 255 registers cannot reach VM_MAX_FRAMES */
#define VM_PANIC_FRAMES                                                                                      \
    1000                   /* extra frames allowed while panicking, so                                       \
                              defers still run after a stack overflow */
#define VM_PANIC_C_DEPTH 8 /* the same for nested vm_calls */
/* A native (fmt calling String()), one interpreter loop and the
 * collector's slow allocation path, which clears up to 16 KiB below the
 * stack pointer and may run a collection there, fit in this C stack margin
 * (16 KiB overflowed a goroutine's stack when a collection came at the
 * deepest call); ASan's redzones make frames several times larger. */
#if CSP_ASAN
#define VM_C_STACK_MARGIN (96 * 1024)
#else
#define VM_C_STACK_MARGIN (64 * 1024)
#endif
#define VM_TRACE_FRAMES 100 /* frames kept in a traceback, as Go prints */

/* Start the collector as the runtime needs it; call first, once per
 * process. heap_bytes > 0 pre-sizes the heap. */
void rt_gc_init(size_t heap_bytes);
Runtime *rt_new(void);
/* Register a predeclared name (builtin or module). Start-up only. */
void rt_define(Runtime *rt, const char *name, Value v);
/* Modules are set up on first use. The standard library sets, once, the
 * function that opens one by its name ("rand") or, by_path, its import
 * path ("math/rand"): the module, or V_UNDEF when there is none. */
typedef Value (*ModuleOpener)(const char *name, size_t n, bool by_path);
void rt_set_module_opener(ModuleOpener open);
/* That function's answer (V_UNDEF when none is set). */
Value rt_open_module(const char *name, size_t n, bool by_path);
/* The predeclared name `name` (a builtin, or a module, opened and defined
 * in rt's universe on first use) into *out; false when there is none. The
 * compiler's one way to the universe. */
bool rt_universe_get(Runtime *rt, const char *name, Value *out);
/* The module imported by path (defined in rt's universe under its name),
 * into *out; false when csp has no such package. */
bool rt_import(Runtime *rt, const char *path, size_t n, Value *out);
/* Slot for a global name, creating it (nil) if new. Thread-safe. */
int rt_global_slot(Runtime *rt, ObjString *name);
ObjModule *module_new(const char *name);
void module_add(ObjModule *m, const char *name, Value v);
ObjNative *module_add_fn(ObjModule *m, const char *name, NativeFn fn, int min_args, int max_args);
/* A package variable of m (flag.Usage, os.Args): its member is a cell, so
 * a script may assign it (`flag.Usage = f`) and every read, the compiler's
 * and a native's, sees the current value. */
void module_add_var(ObjModule *m, const char *name, Value v);
/* m's member `name` (a variable's current value); V_UNDEF when none. */
Value module_get(ObjModule *m, const char *name);

Thread *thread_new(Runtime *rt);

/* Run a main chunk (top-level code, then main() if defined). Returns the
 * process exit code: 0, or 2 after an unrecovered panic, which stays
 * recorded in t for the caller to print (vm_print_panic). */
int vm_run_main(Thread *t, ObjProto *main);

/* Call fn with args from C. Returns the number of results (in t->rets,
 * at most NATIVE_MAX_RETS kept), or -1 if it panicked (the panic stays
 * recorded in t, so a native can just return -1 to propagate it). */
int vm_call(Thread *t, Value fn, const Value *args, int nargs);

/* Record a panic. All return -1 so natives can `return vm_panic...`. */
int vm_panic(Thread *t, Value v);
int vm_panicf(Thread *t, ErrCode code, ...); /* runtime error value */
int vm_panic_msg(Thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Type-check helpers for natives: panic E_ARG_TYPE and return false. */
bool vm_check_arg(Thread *t, const char *fname, Value *args, int i, ObjKind kind);
bool vm_check_int(Thread *t, const char *fname, Value *args, int i, int64_t *out);
bool vm_check_num(Thread *t, const char *fname, Value *args, int i, double *out);
bool vm_check_str(Thread *t, const char *fname, Value *args, int i, ObjString **out);

/* (*T).M for a method M whose receiver is a T: a function taking the
 * pointer first and calling fn (M) with the value it points to. */
Value vm_method_through_pointer(Value fn);

/* obj.name as a value, as the script's `f := obj.name` makes it: a
 * method bound to its receiver (by Go's method sets, promoted ones
 * included), or a field's value. V_UNDEF after a panic (no such field or
 * method). For natives that call a value's methods (sort.Sort's Len, Less
 * and Swap). */
Value vm_bind_method(Thread *t, Value obj, ObjString *name);

/* The recover() builtin's semantics live in the VM. */
Value vm_recover(Thread *t);

/* Print "panic: ..." and the traceback of t to stderr. */
void vm_print_panic(Thread *t);
/* An unrecovered panic ends the program: t's panic and traceback on
 * stderr (only the first thread to exit reports), exit 2. */
_Noreturn void vm_die_of_panic(Thread *t);
/* The same text, into a buffer (tests, the REPL). */
struct Buf;
void vm_format_panic(Thread *t, struct Buf *b);
/* Forget a panic that nobody recovered (the REPL goes on after printing). */
void vm_clear_panic(Thread *t);

/* Called at backward jumps and calls when t->preempt is set: clears the
 * flag and gives the scheduler (rt->on_safepoint) a chance to switch.
 * Returns -1 after recording the panic "interrupted" when t->interrupt was
 * set (the REPL's Ctrl-C), else 0. */
int vm_safepoint(Thread *t);

_Noreturn void csp_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A fatal error of the script (Go's throw: "fatal error: concurrent map
 * writes", "fatal error: sync: unlock of unlocked mutex"): not recoverable;
 * prints the message and t's traceback on stderr and exits 2. */
_Noreturn void vm_fatal_error(Thread *t, const char *msg);
/* The REPL: after the report, vm_fatal_error calls fn(t) instead of
 * exiting; fn ends t's goroutine (sched_end_goroutine), or returns and the
 * process exits 2 as usual. */
void vm_set_fatal_error_handler(void (*fn)(Thread *t));

/* Thread-safe whole write to stdout (vm/out.h: buffered unless stdout is
 * a terminal, visible within a few ms). */
void rt_write_out(Runtime *rt, const char *s, size_t n);
/* Write out what stdout holds: before anything goes to stderr. */
void rt_flush(Runtime *rt);
/* Flush and end the process with `code` (os.Exit, main's return, an
 * unrecovered panic in a goroutine). Other OS threads are not waited for.
 * Only the first thread to exit gets through (rt_exit_begin). */
_Noreturn void rt_exit(Runtime *rt, int code);
/* The two halves of rt_exit, for exits that print a report in between
 * (panics, fatal errors, deadlocks, fatal signals): begin returns in the
 * first thread to call it, with stdout flushed, and never in any other, so
 * only one report is printed and the exit status is its; end flushes
 * stdout and stderr and ends the process. */
void rt_exit_begin(void);
_Noreturn void rt_exit_end(int code);
/* What every way out does last: flush stdout, then run the exit hook (the
 * REPL puts the terminal back in cooked mode), once past the gate. */
void rt_exit_cleanup(void);
void rt_set_exit_hook(void (*fn)(void));

/* Make a finished goroutine's Thread ready for reuse: no frames, no panic,
 * the stack cleared (or shrunk back when it had grown large). */
void thread_reset(Thread *t);
/* Print the frames of t as a traceback ("main.f(...)", "\tfile:line"),
 * innermost first; for the deadlock report of parked goroutines. */
void vm_traceback(Thread *t, FILE *out);
/* Where t is now: its innermost script frame's function and saved pc
 * (NULL when it has none), for a new goroutine's "created by". */
void vm_site(const Thread *t, const ObjProto **proto, const uint32_t **pc);
/* Go's "created by main.main in goroutine 1" and the file:line of the go
 * statement (nothing for a NULL proto). */
void vm_print_created_by(FILE *out, const ObjProto *proto, const uint32_t *pc, int64_t parent);
/* The source line of the instruction before pc in p (a saved pc points
 * past the instruction it saves), p's own line when there is none. */
int vm_proto_line(const ObjProto *p, const uint32_t *pc);
/* A function's name as tracebacks print it: "main.f", "main.main" for a
 * script's top level, a native's own name. */
void vm_fn_name(struct Buf *b, Value fn);

#endif
