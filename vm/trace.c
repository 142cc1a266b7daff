/* trace.c — see trace.h for the design.
 *
 * The file is made in one pass over the events in time order (the
 * threads' streams, each already in time order, merged with a small heap):
 * a state machine per goroutine turns its transitions into state slices
 * ("running", "runnable", a wait reason, "syscall"), one per P into run
 * slices, and flow arrows are written as pairs once both ends are known.
 *
 * Tracks (pid / tid):
 *   1 / P id       "Procs": which goroutine runs on each P
 *   2 / G id       "Goroutines": each goroutine's states
 *   3 / 1, 2       "Runtime": GC collections, stop-the-world pauses; the
 *                  counters (goroutines, runnable, heap) live in pid 3
 */
#include "trace.h"

#include <errno.h>
#include <gc/gc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "mem.h"
#include "object.h"
#include "sched.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

bool trace_enabled;

/* ---- recording ---------------------------------------------------------- */

enum {
    EV_CREATE = 1,    /* g created by a (0: none), s its function */
    EV_START,         /* g runs on P p */
    EV_BLOCK,         /* g blocks: s the reason */
    EV_UNBLOCK,       /* g readied */
    EV_SCHED,         /* g yields its P, stays runnable */
    EV_SYSCALL,       /* g enters a C call */
    EV_SYSCALL_END,   /* g's C call returned: runnable until it runs */
    EV_END,           /* g ends */
    EV_HANDOFF,       /* g (running, 0: none) lets a (blocked) through: s the kind */
    EV_TAKE,          /* g (running) takes the value of a (blocked sender) */
    EV_CHAN_PUT,      /* g (running) sends seq b on channel a */
    EV_CHAN_PUT_PARK, /* g (blocked) sent seq b on channel a, when it blocked */
    EV_CHAN_GET,      /* g (running) receives seq b on channel a */
    EV_GC_START,
    EV_GC_END,
    EV_STW_START,
    EV_STW_END,
    EV_HEAP,   /* a: heap bytes in use */
    EV_RETAKE, /* the monitor took P a from a blocking call */
};
_Static_assert(EV_RETAKE < 32, "an event's type takes 5 bits");

/* An event as the writer reads it back. In a buffer it is four varints
 * (7 bits a byte): the clock's advance since the thread's previous event
 * shifted left by 5 with the type below, then g, a and b. That is 5 to 10
 * bytes for most events: the fewer bytes, the fewer fresh pages a busy
 * program touches while it records (the first touch of a page is what
 * recording costs most after reading the clock). */
typedef struct Ev {
    uint64_t ts; /* raw clock (trace_clock) */
    uint32_t type;
    int64_t g;
    int64_t a; /* EV_START: the P */
    union {
        int64_t b;
        const char *s; /* static, or interned (never freed) */
    };
} Ev;

#define EV_MAX_BYTES 40 /* four varints of at most 10 bytes */

#define EV_TYPE(e) ((e)->type)
#define EV_DELTA(e, t0) ((int64_t)((e)->ts - (t0)))

/* A thread's first buffer is small (many threads record only a few
 * events); the next ones are 2 MiB, on a huge page where the kernel gives
 * them: a busy thread fills hundreds of MiB, and faulting that in 4 KiB
 * pages cost more than recording. */
#define FIRST_BUF_BYTES (64 << 10)
#define BIG_BUF_BYTES (2 << 20)

/* A thread's events in time order, in a chain of buffers. */
typedef struct TBuf {
    struct TBuf *_Atomic next; /* set once by the owner (release) when full */
    _Atomic size_t n;          /* bytes of complete events: owner stores
                                  (release), the writer loads (acquire) */
    size_t cap;                /* bytes; immutable */
    unsigned char data[];
} TBuf;

typedef struct TThread {
    struct TThread *next; /* all threads: immutable once pushed */
    TBuf *first;          /* immutable */
    TBuf *cur;            /* the buffer being filled: owner only */
    uint64_t last;        /* the last event's clock: owner only */
    bool reuse;           /* the next event may take `last` as its time (it
                             follows at once in the same code): owner only */
} TThread;

static __thread TThread *tls_tt;
static TThread *_Atomic threads;    /* every thread that recorded, pushed by CAS */
static _Atomic int64_t lost;        /* events dropped for want of memory */
static _Atomic int64_t chan_ids;    /* last channel trace id handed out */
static char *out_path;              /* set by trace_start; read by trace_finish */
static uint64_t clock0;             /* the raw clock at trace_start */
static int64_t ns0;                 /* CLOCK_MONOTONIC at trace_start */
static _Atomic int64_t last_sample; /* the monitor's last heap sample (ns) */
static _Atomic int finished;        /* trace_finish has begun: record nothing more */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The time-stamp counter where there is one (11 ns here against 28 for
 * clock_gettime); the writer converts with two calibration points. */
static inline uint64_t trace_clock(void)
{
#if defined(__x86_64__)
    return __rdtsc();
#else
    return (uint64_t)mono_ns();
#endif
}

/* A buffer of `bytes` (a multiple of 2 MiB past the first), or NULL. */
static TBuf *buf_new(size_t bytes)
{
    void *mem;
    if (bytes < BIG_BUF_BYTES) {
        mem = malloc(bytes);
    } else {
        /* Aligned to 2 MiB for a huge page: map twice the size, keep the
         * aligned middle. */
        char *raw = mmap(NULL, bytes * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED)
            return NULL;
        char *al = (char *)(((uintptr_t)raw + BIG_BUF_BYTES - 1) & ~(uintptr_t)(BIG_BUF_BYTES - 1));
        if (al > raw)
            munmap(raw, (size_t)(al - raw));
        munmap(al + bytes, (size_t)(raw + bytes * 2 - (al + bytes)));
        madvise(al, bytes, MADV_HUGEPAGE);
        mem = al;
    }
    if (!mem)
        return NULL;
    TBuf *b = mem;
    atomic_init(&b->next, NULL);
    atomic_init(&b->n, 0);
    b->cap = bytes - sizeof *b;
    return b;
}

static TThread *thread_register(void)
{
    TThread *t = malloc(sizeof *t);
    TBuf *b = buf_new(FIRST_BUF_BYTES);
    if (!t || !b) {
        free(t);
        free(b);
        return NULL;
    }
    t->first = t->cur = b;
    t->last = clock0;
    t->reuse = false;
    TThread *head = atomic_load(&threads);
    do
        t->next = head;
    while (!atomic_compare_exchange_weak(&threads, &head, t));
    tls_tt = t;
    return t;
}

static inline unsigned char *put_uvarint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

/* reuse: this event follows the thread's last one at once (a wake-up
 * right after the hand-off that caused it): it takes that time and spares
 * reading the clock, the dearest part of an event. */
static void emit_at(uint32_t type, int64_t g, int64_t a, int64_t b, bool reuse)
{
    if (atomic_load_explicit(&finished, memory_order_relaxed))
        return;
    TThread *t = tls_tt;
    if (!t && !(t = thread_register())) {
        atomic_fetch_add_explicit(&lost, 1, memory_order_relaxed);
        return;
    }
    TBuf *buf = t->cur;
    size_t n = atomic_load_explicit(&buf->n, memory_order_relaxed);
    if (n + EV_MAX_BYTES > buf->cap) {
        TBuf *nb = buf_new(BIG_BUF_BYTES);
        if (!nb) {
            atomic_fetch_add_explicit(&lost, 1, memory_order_relaxed);
            return;
        }
        atomic_store_explicit(&buf->next, nb, memory_order_release);
        t->cur = buf = nb;
        n = 0;
    }
    uint64_t now = reuse && t->reuse ? t->last : trace_clock();
    if (now < t->last) /* two CPUs' counters a hair apart: keep the order */
        now = t->last;
    uint64_t delta = now - t->last;
    t->last = now;
    t->reuse = false;
    unsigned char *p = buf->data + n;
    p = put_uvarint(p, delta << 5 | type);
    p = put_uvarint(p, (uint64_t)g);
    p = put_uvarint(p, (uint64_t)a);
    p = put_uvarint(p, (uint64_t)b);
    atomic_store_explicit(&buf->n, (size_t)(p - buf->data), memory_order_release);
}

static void emit(uint32_t type, int64_t g, int64_t a, int64_t b)
{
    emit_at(type, g, a, b, false);
}

static void emit_s(uint32_t type, int64_t g, int64_t a, const char *s)
{
    emit_at(type, g, a, (int64_t)(intptr_t)s, false);
}

/* The next event of this thread, if it comes at once, may share this
 * one's time. */
static void reuse_next(void)
{
    if (tls_tt)
        tls_tt->reuse = true;
}

static int64_t cur_gid(void)
{
    G *g = sched_getg();
    return g ? g->id : 0;
}

/* ---- function names ------------------------------------------------------
 * A goroutine's track is named after the function it started with. Names
 * are copied once into malloc'd memory (an event outlives nothing it points
 * at), keyed by the function object; a small per-thread cache spares the
 * lock for a go statement in a loop. */

typedef struct NameEnt {
    const void *key;
    const char *name;
} NameEnt;

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static NameEnt *names;            /* open addressing: names_lock */
static size_t names_cap, names_n; /* names_lock */
static __thread NameEnt name_cache[64];

static size_t name_slot(const void *key, size_t cap)
{
    return (size_t)(((uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15ULL) >> 24) & (cap - 1);
}

static const char *intern(const void *key, const char *s, size_t len)
{
    pthread_mutex_lock(&names_lock);
    if ((names_n + 1) * 2 > names_cap) {
        size_t ncap = names_cap ? names_cap * 2 : 256;
        NameEnt *nt = calloc(ncap, sizeof *nt);
        if (!nt) {
            pthread_mutex_unlock(&names_lock);
            return "?";
        }
        for (size_t i = 0; i < names_cap; i++)
            if (names[i].key) {
                size_t j = name_slot(names[i].key, ncap);
                while (nt[j].key)
                    j = (j + 1) & (ncap - 1);
                nt[j] = names[i];
            }
        free(names);
        names = nt;
        names_cap = ncap;
    }
    size_t j = name_slot(key, names_cap);
    while (names[j].key && names[j].key != key)
        j = (j + 1) & (names_cap - 1);
    if (!names[j].key) {
        char *copy = malloc(len + 1);
        if (!copy) {
            pthread_mutex_unlock(&names_lock);
            return "?";
        }
        memcpy(copy, s, len);
        copy[len] = 0;
        names[j].key = key;
        names[j].name = copy;
        names_n++;
    }
    const char *r = names[j].name;
    pthread_mutex_unlock(&names_lock);
    return r;
}

static const char *fn_name(Value fn)
{
    for (int depth = 0; depth < 4 && v_is_obj(fn, OBJ_BOUND); depth++)
        fn = ((ObjBound *)v_ptr(fn))->fn;
    const void *key;
    if (v_is_obj(fn, OBJ_CLOSURE))
        key = ((ObjClosure *)v_ptr(fn))->proto;
    else if (v_is_obj(fn, OBJ_PROTO) || v_is_obj(fn, OBJ_NATIVE))
        key = v_ptr(fn);
    else
        return "?";
    NameEnt *c = &name_cache[((uintptr_t)key >> 4) & 63];
    if (c->key == key)
        return c->name;
    const char *s;
    size_t len;
    if (v_is_obj(fn, OBJ_NATIVE)) {
        s = ((const ObjNative *)key)->name;
        s = s ? s : "?";
        len = strlen(s);
    } else {
        const ObjProto *p = key;
        if (p->is_main || !p->name) {
            s = p->is_main ? "main.main" : "main.func?";
            len = strlen(s);
        } else {
            s = p->name->data;
            len = p->name->len;
        }
    }
    const char *r = intern(key, s, len);
    c->key = key;
    c->name = r;
    return r;
}

/* ---- hooks -------------------------------------------------------------- */

void trace_go_create(const G *g, Value fn)
{
    emit_s(EV_CREATE, g->id, g->created_by, fn_name(fn));
}

void trace_go_start(const G *g, int p)
{
    emit(EV_START, g->id, p, 0);
}

void trace_go_stop(const G *g)
{
    switch (atomic_load_explicit(&g->status, memory_order_relaxed)) {
    case G_WAITING:
        emit_s(EV_BLOCK, g->id, 0, g->waitreason ? g->waitreason : "blocked");
        break;
    case G_RUNNABLE:
        emit(EV_SCHED, g->id, 0, 0);
        break;
    case G_SYSCALL:
        emit(EV_SYSCALL, g->id, 0, 0);
        break;
    case G_DEAD:
        emit(EV_END, g->id, 0, 0);
        break;
    default:
        break;
    }
}

void trace_go_unblock(const G *g)
{
    emit_at(EV_UNBLOCK, g->id, 0, 0, true);
}

void trace_go_syscall_end(const G *g)
{
    emit(EV_SYSCALL_END, g->id, 0, 0);
}

void trace_p_retake(int p)
{
    emit(EV_RETAKE, 0, p, 0);
}

void trace_handoff(const G *to, const char *kind)
{
    emit_s(EV_HANDOFF, cur_gid(), to->id, kind);
    reuse_next(); /* for the wake-up that follows */
}

/* c->lock held. */
static int64_t chan_id(ObjChan *c)
{
    if (!c->trace_id)
        c->trace_id = atomic_fetch_add_explicit(&chan_ids, 1, memory_order_relaxed) + 1;
    return c->trace_id;
}

void trace_chan_handoff(ObjChan *c, const G *r)
{
    if (c->cap) { /* the buffer is empty: this is both a send and a receive */
        c->trace_sent++;
        c->trace_recvd++;
    }
    emit_s(EV_HANDOFF, cur_gid(), r->id, "chan");
    reuse_next();
}

void trace_chan_put(ObjChan *c)
{
    emit(EV_CHAN_PUT, cur_gid(), chan_id(c), c->trace_sent++);
}

void trace_chan_take(ObjChan *c, const G *s)
{
    if (!c->cap) {
        emit(EV_TAKE, cur_gid(), s->id, 0);
        reuse_next();
        return;
    }
    /* Full buffer: we take its head, the sender's value goes in at the
     * tail. */
    int64_t id = chan_id(c);
    emit(EV_CHAN_GET, cur_gid(), id, c->trace_recvd++);
    reuse_next();
    emit_at(EV_CHAN_PUT_PARK, s->id, id, c->trace_sent++, true);
    reuse_next();
}

void trace_chan_get(ObjChan *c)
{
    emit(EV_CHAN_GET, cur_gid(), chan_id(c), c->trace_recvd++);
}

void trace_gc_event(int e)
{
    switch (e) {
    case GC_EVENT_START:
        emit(EV_GC_START, 0, 0, 0);
        break;
    case GC_EVENT_END: {
        size_t size, in_use;
        mem_heap_usage_locked(&size, &in_use);
        emit(EV_GC_END, 0, 0, 0);
        emit(EV_HEAP, 0, (int64_t)in_use, 0);
        break;
    }
    case GC_EVENT_PRE_STOP_WORLD:
        emit(EV_STW_START, 0, 0, 0);
        break;
    case GC_EVENT_POST_START_WORLD:
        emit(EV_STW_END, 0, 0, 0);
        break;
    default:
        break;
    }
}

void trace_sample(void)
{
    int64_t now = mono_ns(), last = atomic_load_explicit(&last_sample, memory_order_relaxed);
    if (now - last < 1000000)
        return;
    atomic_store_explicit(&last_sample, now, memory_order_relaxed);
    emit(EV_HEAP, 0, (int64_t)(GC_get_heap_size() - GC_get_free_bytes()), 0);
}

bool trace_start(const char *path)
{
    /* Fail now, before the program runs, if the file cannot be made. */
    size_t len = strlen(path);
    out_path = malloc(len + 1);
    if (!out_path)
        return false;
    memcpy(out_path, path, len + 1);
    char *tmp = malloc(len + 5);
    if (!tmp)
        return false;
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *f = fopen(tmp, "w");
    int e = errno;
    if (f) {
        fclose(f);
        unlink(tmp);
    }
    free(tmp);
    errno = e;
    if (!f)
        return false;
    ns0 = mono_ns();
    clock0 = trace_clock();
    trace_enabled = true;
    return true;
}

/* ---- writing ------------------------------------------------------------ */

/* Output through a large buffer; formatting by hand (the file can hold
 * millions of events). */
typedef struct Out {
    FILE *f;
    char *buf;
    size_t n, cap;
    bool first; /* no event written yet: no comma */
    bool err;
} Out;

static void out_flush(Out *o)
{
    if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
        o->err = true;
    o->n = 0;
}

static void out_big(Out *o, const char *s, size_t n)
{
    out_flush(o);
    if (n > o->cap) {
        if (fwrite(s, 1, n, o->f) != n)
            o->err = true;
        return;
    }
    memcpy(o->buf, s, n);
    o->n = n;
}

static inline void out_raw(Out *o, const char *s, size_t n)
{
    if (__builtin_expect(o->n + n > o->cap, 0)) {
        out_big(o, s, n);
        return;
    }
    memcpy(o->buf + o->n, s, n);
    o->n += n;
}

/* A string literal: its length known at compile time. */
#define OUT_LIT(o, lit) out_raw((o), (lit), sizeof(lit) - 1)

static void out_s(Out *o, const char *s)
{
    out_raw(o, s, strlen(s));
}

/* Room for n more bytes in the buffer (n < cap). */
static inline char *out_room(Out *o, size_t n)
{
    if (__builtin_expect(o->n + n > o->cap, 0))
        out_flush(o);
    return o->buf + o->n;
}

static const char digits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* u in decimal, right-aligned to end at end; returns where it starts. */
static inline char *fmt_u64(char *end, uint64_t u)
{
    while (u >= 100) {
        end -= 2;
        memcpy(end, digits2 + u % 100 * 2, 2);
        u /= 100;
    }
    if (u >= 10) {
        end -= 2;
        memcpy(end, digits2 + u * 2, 2);
    } else {
        *--end = (char)('0' + u);
    }
    return end;
}

static void out_int(Out *o, int64_t v)
{
    char tmp[24], *end = tmp + sizeof tmp;
    char *p = fmt_u64(end, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
    if (v < 0)
        *--p = '-';
    char *dst = out_room(o, (size_t)(end - p));
    memcpy(dst, p, (size_t)(end - p));
    o->n += (size_t)(end - p);
}

/* Nanoseconds as microseconds with three decimals (Chrome's unit). */
static void out_us(Out *o, int64_t ns)
{
    uint64_t u = ns < 0 ? 0 : (uint64_t)ns;
    char tmp[32], *end = tmp + sizeof tmp;
    unsigned frac = (unsigned)(u % 1000);
    end[-3] = (char)('0' + frac / 100);
    memcpy(end - 2, digits2 + frac % 100 * 2, 2);
    end[-4] = '.';
    char *p = fmt_u64(end - 4, u / 1000);
    char *dst = out_room(o, (size_t)(end - p));
    memcpy(dst, p, (size_t)(end - p));
    o->n += (size_t)(end - p);
}

/* A JSON string's contents, escaped. Names and wait reasons rarely need
 * escaping: they go out in one piece. */
static void out_esc(Out *o, const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != '"' && s[n] != '\\' && (unsigned char)s[n] >= 0x20)
        n++;
    out_raw(o, s, n);
    for (const char *p = s + n; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            out_raw(o, e, 2);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            out_s(o, e);
        } else {
            out_raw(o, (const char *)&c, 1);
        }
    }
}

static void out_str(Out *o, const char *s)
{
    OUT_LIT(o, "\"");
    out_esc(o, s);
    OUT_LIT(o, "\"");
}

static void ev_open(Out *o)
{
    if (o->first)
        OUT_LIT(o, "\n{");
    else
        OUT_LIT(o, ",\n{");
    o->first = false;
}

/* A complete slice. */
static void out_slice(Out *o, int pid, int64_t tid, const char *name, const char *cat, int64_t ts,
                      int64_t end)
{
    ev_open(o);
    OUT_LIT(o, "\"ph\":\"X\",\"pid\":");
    out_int(o, pid);
    OUT_LIT(o, ",\"tid\":");
    out_int(o, tid);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, ts);
    OUT_LIT(o, ",\"dur\":");
    out_us(o, end - ts);
    OUT_LIT(o, ",\"name\":");
    out_str(o, name);
    OUT_LIT(o, ",\"cat\":");
    out_str(o, cat);
    OUT_LIT(o, "}");
}

/* A P's run slice, named "G<id> <function>". */
static void out_pslice(Out *o, int p, int64_t id, const char *fn, int64_t ts, int64_t end)
{
    ev_open(o);
    OUT_LIT(o, "\"ph\":\"X\",\"pid\":1,\"tid\":");
    out_int(o, p);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, ts);
    OUT_LIT(o, ",\"dur\":");
    out_us(o, end - ts);
    OUT_LIT(o, ",\"name\":\"G");
    out_int(o, id);
    OUT_LIT(o, " ");
    out_esc(o, fn);
    OUT_LIT(o, "\",\"cat\":\"running\"}");
}

static int64_t nflows;

/* A flow arrow: start on (pid, tid1) at ts1, finish on (pid, tid2) at ts2,
 * binding to the slice that encloses each end. */
static void out_flow(Out *o, const char *cat, const char *name, int64_t tid1, int64_t ts1, int64_t tid2,
                     int64_t ts2)
{
    int64_t id = ++nflows;
    if (ts2 < ts1)
        ts2 = ts1;
    for (int i = 0; i < 2; i++) {
        ev_open(o);
        if (i)
            OUT_LIT(o, "\"ph\":\"f\",\"bp\":\"e\"");
        else
            OUT_LIT(o, "\"ph\":\"s\"");
        OUT_LIT(o, ",\"pid\":2,\"tid\":");
        out_int(o, i ? tid2 : tid1);
        OUT_LIT(o, ",\"ts\":");
        out_us(o, i ? ts2 : ts1);
        OUT_LIT(o, ",\"id\":");
        out_int(o, id);
        OUT_LIT(o, ",\"cat\":");
        out_str(o, cat);
        OUT_LIT(o, ",\"name\":");
        out_str(o, name);
        OUT_LIT(o, "}");
    }
}

/* A moment on a track ("ph":"i", thread scope). */
static void out_instant(Out *o, int pid, int64_t tid, const char *name, int64_t ts)
{
    ev_open(o);
    OUT_LIT(o, "\"ph\":\"i\",\"s\":\"t\",\"pid\":");
    out_int(o, pid);
    OUT_LIT(o, ",\"tid\":");
    out_int(o, tid);
    OUT_LIT(o, ",\"ts\":");
    out_us(o, ts);
    OUT_LIT(o, ",\"name\":");
    out_str(o, name);
    OUT_LIT(o, ",\"cat\":\"syscall\"}");
}

/* A counter sample: one series (key1), or two (key2 too, v2). Perfetto
 * names each series' track "<name> <key>". */
static void out_counter(Out *o, const char *name, int64_t ts, const char *key1, int64_t v1, const char *key2,
                        int64_t v2)
{
    ev_open(o);
    OUT_LIT(o, "\"ph\":\"C\",\"pid\":3,\"tid\":0,\"ts\":");
    out_us(o, ts);
    OUT_LIT(o, ",\"name\":");
    out_str(o, name);
    OUT_LIT(o, ",\"args\":{");
    out_str(o, key1);
    OUT_LIT(o, ":");
    out_int(o, v1);
    if (key2) {
        OUT_LIT(o, ",");
        out_str(o, key2);
        OUT_LIT(o, ":");
        out_int(o, v2);
    }
    OUT_LIT(o, "}}");
}

/* ---- the state machine -------------------------------------------------- */

enum { GS_NONE, GS_RUNNABLE, GS_RUNNING, GS_BLOCKED, GS_SYSCALL, GS_DEAD };

typedef struct Flow {
    const char *cat;
    int64_t tid, ts;
} Flow;

typedef struct GS {
    int st;
    int p;            /* the P it runs on (GS_RUNNING) */
    int64_t since;    /* start of the current state slice */
    const char *what; /* the current slice's name (wait reason) */
    const char *fn;
    int64_t block_ts; /* when it last blocked */
    Flow pending[4];  /* flows that end at its next run */
    int npending;
} GS;

typedef struct PS {
    int64_t g; /* running there, 0: none */
    int64_t since;
    int64_t last; /* the last goroutine that ran there */
} PS;

/* Pending buffered sends: (channel, seq) -> where the send was. */
typedef struct SendEnt {
    int64_t chan, seq; /* chan 0: empty slot */
    int64_t tid, ts;
    bool dead; /* matched (a tombstone) */
} SendEnt;

typedef struct Conv {
    Out *o;
    GS *gs;
    int64_t ngs;
    PS ps[256];
    SendEnt *sends;
    size_t scap, sn;
    int64_t live, runnable;
    int64_t last_counter_ts, c_live, c_runnable;
    int64_t gc_since, stw_since;
    int maxp; /* the highest P seen running a goroutine */
} Conv;

static GS *gstate(Conv *cv, int64_t id)
{
    if (id <= 0)
        return NULL;
    if (id >= cv->ngs) {
        int64_t n = cv->ngs ? cv->ngs : 1024;
        while (n <= id)
            n *= 2;
        GS *ngs = realloc(cv->gs, (size_t)n * sizeof *ngs);
        if (!ngs)
            return NULL;
        memset(ngs + cv->ngs, 0, (size_t)(n - cv->ngs) * sizeof *ngs);
        cv->gs = ngs;
        cv->ngs = n;
    }
    return &cv->gs[id];
}

static const char *state_cat(int st)
{
    switch (st) {
    case GS_RUNNABLE:
        return "runnable";
    case GS_RUNNING:
        return "running";
    case GS_SYSCALL:
        return "syscall";
    default:
        return "blocked";
    }
}

/* End g's current state slice at ts and enter st (named what). */
static void g_enter(Conv *cv, int64_t id, GS *g, int st, const char *what, int64_t ts)
{
    if (ts < g->since)
        ts = g->since; /* clocks of two CPUs a few ns apart */
    if (g->st != GS_NONE && g->st != GS_DEAD && ts > g->since)
        out_slice(cv->o, 2, id, g->what, state_cat(g->st), g->since, ts);
    if (g->st == GS_RUNNING && g->p >= 0 && g->p < 256 && cv->ps[g->p].g == id) {
        PS *p = &cv->ps[g->p];
        if (ts > p->since)
            out_pslice(cv->o, g->p, id, g->fn ? g->fn : "?", p->since, ts);
        p->g = 0;
    }
    if (g->st == GS_RUNNABLE)
        cv->runnable--;
    if (st == GS_RUNNABLE)
        cv->runnable++;
    if (st == GS_BLOCKED)
        g->block_ts = ts;
    g->st = st;
    g->what = what;
    g->since = ts;
}

/* Rehash into a table sized for the sends still unmatched (matched ones
 * are tombstones until now): at most a quarter full afterwards. */
static void sends_grow(Conv *cv)
{
    size_t live = 0;
    for (size_t i = 0; i < cv->scap; i++)
        live += cv->sends[i].chan && !cv->sends[i].dead;
    size_t ncap = 1024;
    while (ncap < 4 * (live + 1))
        ncap *= 2;
    SendEnt *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return;
    for (size_t i = 0; i < cv->scap; i++) {
        SendEnt *e = &cv->sends[i];
        if (!e->chan || e->dead)
            continue;
        size_t j = name_slot((const void *)(uintptr_t)(e->chan * 1000003 + e->seq), ncap);
        while (ns[j].chan)
            j = (j + 1) & (ncap - 1);
        ns[j] = *e;
    }
    free(cv->sends);
    cv->sends = ns;
    cv->scap = ncap;
    cv->sn = live;
}

static void send_put(Conv *cv, int64_t chan, int64_t seq, int64_t tid, int64_t ts)
{
    if ((cv->sn + 1) * 2 > cv->scap)
        sends_grow(cv);
    if ((cv->sn + 1) * 2 > cv->scap)
        return;
    size_t j = name_slot((const void *)(uintptr_t)(chan * 1000003 + seq), cv->scap);
    while (cv->sends[j].chan)
        j = (j + 1) & (cv->scap - 1);
    cv->sends[j] = (SendEnt){.chan = chan, .seq = seq, .tid = tid, .ts = ts};
    cv->sn++;
}

static SendEnt *send_find(Conv *cv, int64_t chan, int64_t seq)
{
    if (!cv->scap)
        return NULL;
    size_t j = name_slot((const void *)(uintptr_t)(chan * 1000003 + seq), cv->scap);
    while (cv->sends[j].chan) {
        SendEnt *e = &cv->sends[j];
        if (!e->dead && e->chan == chan && e->seq == seq)
            return e;
        j = (j + 1) & (cv->scap - 1);
    }
    return NULL;
}

static void add_pending(GS *g, const char *cat, int64_t tid, int64_t ts)
{
    if (g->npending < 4)
        g->pending[g->npending++] = (Flow){cat, tid, ts};
}

static const char *flow_name(const char *cat)
{
    if (!strcmp(cat, "chan"))
        return "chan send -> receive";
    if (!strcmp(cat, "go"))
        return "go -> first run";
    return cat;
}

static void counters(Conv *cv, int64_t ts, bool force)
{
    if (!force && ts - cv->last_counter_ts < 10000)
        return;
    if (cv->live == cv->c_live && cv->runnable == cv->c_runnable)
        return;
    out_counter(cv->o, "goroutines", ts, "alive", cv->live, "runnable", cv->runnable);
    cv->c_live = cv->live;
    cv->c_runnable = cv->runnable;
    cv->last_counter_ts = ts;
}

static void convert(Conv *cv, const Ev *e, int64_t ts)
{
    Out *o = cv->o;
    GS *g = EV_TYPE(e) < EV_GC_START ? gstate(cv, e->g) : NULL;
    switch (EV_TYPE(e)) {
    case EV_CREATE:
        if (!g)
            return;
        g->fn = e->s;
        g->p = -1;
        g->npending = 0;
        g->st = GS_NONE;
        g->since = ts;
        cv->live++;
        if (e->a > 0) {
            GS *parent = gstate(cv, e->a);
            if (parent && parent->st == GS_RUNNING)
                add_pending(g, "go", e->a, ts);
        }
        g_enter(cv, e->g, g, GS_RUNNABLE, "runnable", ts);
        break;
    case EV_START: {
        if (!g || g->st == GS_NONE || g->st == GS_DEAD)
            return;
        g_enter(cv, e->g, g, GS_RUNNING, "running", ts);
        g->p = (int)e->a;
        if (g->p >= 0 && g->p < 256) {
            cv->ps[g->p].g = e->g;
            cv->ps[g->p].last = e->g;
            cv->ps[g->p].since = g->since;
            if (g->p > cv->maxp)
                cv->maxp = g->p;
        }
        for (int i = 0; i < g->npending; i++)
            out_flow(o, g->pending[i].cat, flow_name(g->pending[i].cat), g->pending[i].tid, g->pending[i].ts,
                     e->g, g->since);
        g->npending = 0;
        break;
    }
    case EV_BLOCK:
        if (g && g->st == GS_RUNNING)
            g_enter(cv, e->g, g, GS_BLOCKED, e->s, ts);
        break;
    case EV_UNBLOCK:
    case EV_SCHED:
    case EV_SYSCALL_END:
        if (g && g->st != GS_NONE && g->st != GS_DEAD && g->st != GS_RUNNABLE)
            g_enter(cv, e->g, g, GS_RUNNABLE, "runnable", ts);
        break;
    case EV_SYSCALL:
        if (g && g->st == GS_RUNNING)
            g_enter(cv, e->g, g, GS_SYSCALL, "syscall", ts);
        break;
    case EV_END:
        if (g && g->st != GS_NONE && g->st != GS_DEAD) {
            g_enter(cv, e->g, g, GS_DEAD, "dead", ts);
            cv->live--;
        }
        break;
    case EV_HANDOFF: {
        GS *to = gstate(cv, e->a);
        if (g && to && g->st == GS_RUNNING)
            add_pending(to, e->s, e->g, ts);
        break;
    }
    case EV_TAKE: {
        GS *from = gstate(cv, e->a);
        if (g && from && from->st == GS_BLOCKED && g->st == GS_RUNNING)
            out_flow(o, "chan", "chan send -> receive", e->a, from->block_ts, e->g, ts);
        break;
    }
    case EV_CHAN_PUT:
        send_put(cv, e->a, e->b, g && g->st == GS_RUNNING ? e->g : 0, ts);
        break;
    case EV_CHAN_PUT_PARK:
        send_put(cv, e->a, e->b, g && g->st == GS_BLOCKED ? e->g : 0, g ? g->block_ts : ts);
        break;
    case EV_CHAN_GET: {
        SendEnt *s = send_find(cv, e->a, e->b);
        if (!s)
            break;
        if (s->tid && g && g->st == GS_RUNNING)
            out_flow(o, "chan", "chan send -> receive", s->tid, s->ts, e->g, ts);
        s->dead = true;
        break;
    }
    case EV_GC_START:
        cv->gc_since = ts;
        break;
    case EV_GC_END:
        if (cv->gc_since >= 0)
            out_slice(o, 3, 1, "GC", "gc", cv->gc_since, ts);
        cv->gc_since = -1;
        break;
    case EV_STW_START:
        cv->stw_since = ts;
        break;
    case EV_STW_END:
        if (cv->stw_since >= 0)
            out_slice(o, 3, 2, "stop-the-world", "gc", cv->stw_since, ts);
        cv->stw_since = -1;
        break;
    case EV_HEAP:
        out_counter(o, "heap", ts, "bytes in use", e->a, NULL, 0);
        break;
    case EV_RETAKE:
        if (e->a >= 0 && e->a < 256) {
            /* On the P's track and on the goroutine whose C call it was. */
            out_instant(o, 1, e->a, "P taken from a blocking call", ts);
            GS *last = gstate(cv, cv->ps[e->a].last);
            if (last && last->st == GS_SYSCALL)
                out_instant(o, 2, cv->ps[e->a].last, "P handed off", ts);
        }
        break;
    }
    counters(cv, ts, false);
}

/* ---- merging the threads' streams ---------------------------------------- */

typedef struct Cursor {
    TBuf *b;
    size_t off, n; /* read position and end (bytes) in b */
    uint64_t ts;   /* the clock of the event last decoded */
    Ev ev;         /* the current event */
} Cursor;

static const Ev *cur_ev(const Cursor *c)
{
    return &c->ev;
}

static uint64_t get_uvarint(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        unsigned char byte = *p++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            break;
    }
    *pp = p;
    return v;
}

/* Decode the next event into c->ev; false at the end of the stream (as
 * far as it was complete when the writer started). */
static bool cur_next(Cursor *c)
{
    while (c->off >= c->n) {
        TBuf *nb = atomic_load_explicit(&c->b->next, memory_order_acquire);
        if (!nb)
            return false;
        c->b = nb;
        c->off = 0;
        c->n = atomic_load_explicit(&nb->n, memory_order_acquire);
    }
    const unsigned char *p = c->b->data + c->off;
    uint64_t h = get_uvarint(&p);
    c->ts += h >> 5;
    c->ev.ts = c->ts;
    c->ev.type = (uint32_t)(h & 31);
    c->ev.g = (int64_t)get_uvarint(&p);
    c->ev.a = (int64_t)get_uvarint(&p);
    c->ev.b = (int64_t)get_uvarint(&p);
    c->off = (size_t)(p - c->b->data);
    return true;
}

static void heap_down(Cursor **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && EV_DELTA(cur_ev(h[l]), clock0) < EV_DELTA(cur_ev(h[m]), clock0))
            m = l;
        if (r < n && EV_DELTA(cur_ev(h[r]), clock0) < EV_DELTA(cur_ev(h[m]), clock0))
            m = r;
        if (m == i)
            return;
        Cursor *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void write_names(Out *o, Conv *cv)
{
    char name[200];
    static const char *const procs[] = {"Procs", "Goroutines", "Runtime"};
    for (int pid = 1; pid <= 3; pid++) {
        ev_open(o);
        OUT_LIT(o, "\"ph\":\"M\",\"name\":\"process_name\",\"pid\":");
        out_int(o, pid);
        OUT_LIT(o, ",\"args\":{\"name\":");
        out_str(o, procs[pid - 1]);
        OUT_LIT(o, "}}");
    }
    for (int i = 0; i < 256; i++) {
        if (i > cv->maxp)
            break;
        snprintf(name, sizeof name, "P%d", i);
        ev_open(o);
        OUT_LIT(o, "\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":");
        out_int(o, i);
        OUT_LIT(o, ",\"args\":{\"name\":");
        out_str(o, name);
        OUT_LIT(o, "}}");
    }
    for (int64_t id = 1; id < cv->ngs; id++) {
        GS *g = &cv->gs[id];
        if (!g->fn)
            continue;
        snprintf(name, sizeof name, "G%lld %s", (long long)id, g->fn);
        ev_open(o);
        OUT_LIT(o, "\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":2,\"tid\":");
        out_int(o, id);
        OUT_LIT(o, ",\"args\":{\"name\":");
        out_str(o, name);
        OUT_LIT(o, "}}");
        ev_open(o);
        OUT_LIT(o, "\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":2,\"tid\":");
        out_int(o, id);
        OUT_LIT(o, ",\"args\":{\"sort_index\":");
        out_int(o, id);
        OUT_LIT(o, "}}");
    }
    static const char *const rt_tracks[] = {"GC", "GC stop-the-world"};
    for (int i = 0; i < 2; i++) {
        ev_open(o);
        OUT_LIT(o, "\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":3,\"tid\":");
        out_int(o, i + 1);
        OUT_LIT(o, ",\"args\":{\"name\":");
        out_str(o, rt_tracks[i]);
        OUT_LIT(o, "}}");
    }
}

void trace_finish(void)
{
    int zero = 0;
    if (!out_path || !atomic_compare_exchange_strong(&finished, &zero, 1))
        return;
    uint64_t clock1 = trace_clock();
    int64_t ns1 = mono_ns();
    double scale = clock1 > clock0 ? (double)(ns1 - ns0) / (double)(clock1 - clock0) : 1.0;

    size_t plen = strlen(out_path);
    char *tmp = malloc(plen + 5);
    if (!tmp)
        return;
    memcpy(tmp, out_path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    Out o = {.f = fopen(tmp, "w"), .cap = 1 << 20, .first = true};
    o.buf = malloc(o.cap);
    if (!o.f || !o.buf) {
        fprintf(stderr, "csp: cannot write the trace %s: %s\n", out_path, strerror(errno));
        if (o.f)
            fclose(o.f);
        free(o.buf);
        return;
    }
    OUT_LIT(&o, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");

    /* Every thread's stream, as far as it is complete now. */
    size_t nthreads = 0;
    for (TThread *t = atomic_load(&threads); t; t = t->next)
        nthreads++;
    Cursor *curs = calloc(nthreads + 1, sizeof *curs);
    Cursor **heap = calloc(nthreads + 1, sizeof *heap);
    size_t nh = 0;
    for (TThread *t = atomic_load(&threads); curs && heap && t; t = t->next) {
        Cursor *c = &curs[nh];
        c->b = t->first;
        c->off = 0;
        c->n = atomic_load_explicit(&t->first->n, memory_order_acquire);
        c->ts = clock0;
        if (!cur_next(c))
            continue;
        heap[nh++] = c;
    }
    for (size_t i = nh; i-- > 0;)
        heap_down(heap, nh, i);

    Conv cv = {.o = &o, .gc_since = -1, .stw_since = -1, .c_live = -1, .c_runnable = -1};
    int64_t end = ns1 - ns0, nevents = 0;
    while (nh) {
        Cursor *c = heap[0];
        const Ev *e = cur_ev(c);
        int64_t ts = (int64_t)((double)EV_DELTA(e, clock0) * scale);
        if (ts > end)
            ts = end;
        convert(&cv, e, ts);
        nevents++;
        if (!cur_next(c))
            heap[0] = heap[--nh];
        heap_down(heap, nh, 0);
    }
    /* Close what is still open at the end. */
    for (int64_t id = 1; id < cv.ngs; id++) {
        GS *g = &cv.gs[id];
        if (g->st != GS_NONE && g->st != GS_DEAD)
            g_enter(&cv, id, g, GS_DEAD, "dead", end);
    }
    if (cv.gc_since >= 0)
        out_slice(&o, 3, 1, "GC", "gc", cv.gc_since, end);
    cv.live = 0;
    cv.runnable = 0;
    counters(&cv, end, true);
    write_names(&o, &cv);
    /* How long the program ran traced, and how long writing took (for
     * the overhead figures: the two costs differ in kind). */
    OUT_LIT(&o, "\n],\"otherData\":{\"generator\":\"csp --trace\",\"events\":");
    out_int(&o, nevents);
    OUT_LIT(&o, ",\"lost_events\":");
    out_int(&o, atomic_load(&lost));
    OUT_LIT(&o, ",\"run_ms\":");
    out_us(&o, end / 1000);
    OUT_LIT(&o, ",\"write_ms\":");
    out_us(&o, (mono_ns() - ns1) / 1000);
    OUT_LIT(&o, "}}\n");
    out_flush(&o);
    bool ok = !o.err && fflush(o.f) == 0 && !ferror(o.f);
    ok = (fclose(o.f) == 0) && ok;
    if (ok && rename(tmp, out_path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "csp: cannot write the trace %s: %s\n", out_path, strerror(errno));
        unlink(tmp);
    }
    free(o.buf);
    free(tmp);
    free(curs);
    free(heap);
    free(cv.gs);
    free(cv.sends);
}
