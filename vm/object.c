/* object.c — numbers, strings, lists, cells, natives, errors, native objects
 * and the value-level operations (type names, equality). The map, with the
 * map-key rules and v_hash, lives in map.c.
 *
 * Allocation: every object comes from the Boehm collector through mem.h,
 * which stops the process with "fatal error: out of memory" rather than
 * return NULL. Objects without pointers (string bytes, boxed numbers) use
 * mem_alloc_atomic so the collector never scans them. mem_alloc memory
 * arrives zeroed, and the zero word is nil, so fresh lists and cells need
 * no initialisation.
 */
#include "object.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "iface.h"
#include "mem.h"
#include "types.h"

/* ====================================================================== */
/* numbers                                                                */
/* ====================================================================== */

Value v_make_int(int64_t i)
{
    if (likely(v_int_fits(i)))
        return v_int_small(i);
    ObjBoxInt *b = mem_alloc_atomic(sizeof *b);
    b->h.kind = OBJ_BOXINT;
    b->h.flags = 0;
    b->i = i;
    return v_from_ptr(b);
}

Value v_make_uint(uint64_t u)
{
    if (u <= (uint64_t)INT64_MAX)
        return v_make_int((int64_t)u);
    ObjBoxInt *b = mem_alloc_atomic(sizeof *b);
    b->h.kind = OBJ_BOXINT;
    b->h.flags = BOXINT_UNSIGNED;
    b->i = (int64_t)u;
    return v_from_ptr(b);
}

Value v_make_float(double d)
{
    Value v;
    if (likely(v_flonum_try(d, &v)))
        return v;
    ObjBoxFloat *b = mem_alloc_atomic(sizeof *b);
    b->h.kind = OBJ_BOXFLOAT;
    b->h.flags = 0;
    b->d = d;
    return v_from_ptr(b);
}

static Value complex_new(double re, double im, uint32_t flags)
{
    ObjComplex *c = mem_alloc_atomic(sizeof *c);
    c->h.kind = OBJ_COMPLEX;
    c->h.flags = flags;
    c->re = re;
    c->im = im;
    return v_from_ptr(c);
}

Value v_make_complex(double re, double im)
{
    return complex_new(re, im, 0);
}

Value v_make_complex64(double re, double im)
{
    return complex_new(types_float32(re), types_float32(im), COMPLEX_64);
}

/* ====================================================================== */
/* strings                                                                */
/* ====================================================================== */

/* The string hash: a multiply-fold mixer in the style of wyhash. Each step
 * multiplies two 64-bit words into 128 bits and folds the halves, which
 * mixes every input bit into every output bit at about one cycle a byte for
 * long strings; short keys ("w4711") take two overlapping 4-byte loads and
 * two multiplies. The constants are odd with balanced bits. */
#define HK0 0xa0761d6478bd642fULL
#define HK1 0xe7037ed1a0b428dbULL
#define HK2 0x8ebc6af09c88c6e3ULL
#define HK3 0x589965cc75374cc3ULL

static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd8(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rd4(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t seed = HK0 ^ (uint64_t)n;
    uint64_t a, b;
    if (likely(n <= 16)) {
        if (n >= 4) {
            /* Two pairs of possibly overlapping 4-byte words cover 4..16. */
            size_t q = (n >> 3) << 2;
            a = (rd4(p) << 32) | rd4(p + q);
            b = (rd4(p + n - 4) << 32) | rd4(p + n - 4 - q);
        } else if (n > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = n;
        if (i > 48) {
            /* Three independent lanes keep the multiplier busy. */
            uint64_t s1 = seed, s2 = seed;
            do {
                seed = mum(rd8(p) ^ HK1, rd8(p + 8) ^ seed);
                s1 = mum(rd8(p + 16) ^ HK2, rd8(p + 24) ^ s1);
                s2 = mum(rd8(p + 32) ^ HK3, rd8(p + 40) ^ s2);
                p += 48;
                i -= 48;
            } while (i > 48);
            seed ^= s1 ^ s2;
        }
        while (i > 16) {
            seed = mum(rd8(p) ^ HK1, rd8(p + 8) ^ seed);
            p += 16;
            i -= 16;
        }
        a = rd8(p + i - 16);
        b = rd8(p + i - 8);
    }
    return mum(HK1 ^ (uint64_t)n, mum(a ^ HK1, b ^ seed));
}

uint32_t str_hash_bytes(const char *s, size_t len)
{
    uint64_t h = hash_bytes((const uint8_t *)s, len);
    uint32_t h32 = (uint32_t)(h ^ (h >> 32));
    return h32 ? h32 : 1; /* 0 means "not computed yet" */
}

uint32_t str_hash(ObjString *s)
{
    uint32_t h = __atomic_load_n(&s->hash, __ATOMIC_RELAXED);
    if (likely(h))
        return h;
    h = str_hash_bytes(s->data, s->len);
    /* Racing threads compute and store the same value. */
    __atomic_store_n(&s->hash, h, __ATOMIC_RELAXED);
    return h;
}

ObjString *str_alloc(size_t len)
{
    ObjString *s = mem_alloc_atomic(mem_size(len, 1, sizeof(ObjString) + 1));
    s->h.kind = OBJ_STRING;
    s->h.flags = 0;
    s->hash = 0;
    s->pad = 0;
    s->len = len;
    s->data[len] = 0;
    return s;
}

ObjString *str_new(const char *p, size_t len)
{
    ObjString *s = str_alloc(len);
    if (len)
        memcpy(s->data, p, len);
    return s;
}

ObjString *str_cstr(const char *p)
{
    return str_new(p, strlen(p));
}

ObjString *str_concat(const ObjString *a, const ObjString *b)
{
    ObjString *s = str_alloc(mem_add(a->len, b->len));
    memcpy(s->data, a->data, a->len);
    memcpy(s->data + a->len, b->data, b->len);
    return s;
}

ObjString *str_printf(const char *fmt, ...)
{
    /* Most messages fit the stack buffer: format once, copy once. */
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return str_alloc(0);
    if ((size_t)n < sizeof small)
        return str_new(small, (size_t)n);
    ObjString *s = str_alloc((size_t)n);
    va_start(ap, fmt);
    vsnprintf(s->data, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

bool str_eq(const ObjString *a, const ObjString *b)
{
    if (a == b)
        return true;
    if (a->len != b->len)
        return false;
    uint32_t ha = __atomic_load_n(&a->hash, __ATOMIC_RELAXED);
    uint32_t hb = __atomic_load_n(&b->hash, __ATOMIC_RELAXED);
    if (ha && hb && ha != hb)
        return false;
    return memcmp(a->data, b->data, a->len) == 0;
}

/* ====================================================================== */
/* lists                                                                  */
/* ====================================================================== */

/* Lists up to this capacity get their first store in the same allocation
 * as the header: one GC_MALLOC instead of two for the small lists that
 * dominate (binarytrees builds millions of 2-element ones). Beyond it the
 * store is separate, so growth does not keep a large dead store alive
 * inside the header's block. */
#define LIST_INLINE_MAX 16

static ListStore *store_new(size_t cap)
{
    if (unlikely(cap > LIST_MAX_CAP))
        mem_out_of_memory();
    ListStore *st = mem_alloc(mem_size(cap, sizeof(Value), sizeof(ListStore)));
    st->cap = cap;
    return st;
}

static ObjList *header_new(void)
{
    ObjList *l = mem_alloc(sizeof(ObjList));
    l->h.kind = OBJ_LIST;
    return l;
}

ObjList *list_new(size_t len, size_t cap)
{
    if (cap < len)
        cap = len;
    ObjList *l;
    if (cap <= LIST_INLINE_MAX) {
        /* Header, store header and items in one block; the store pointer
         * is interior, which the collector recognises. */
        l = mem_alloc(sizeof(ObjList) + sizeof(ListStore) + cap * sizeof(Value));
        ListStore *st = (ListStore *)(l + 1);
        st->cap = cap;
        l->store = st;
        l->h.kind = OBJ_LIST;
    } else {
        l = header_new();
        l->store = store_new(cap);
    }
    l->len = len;
    l->cap = (uint32_t)cap;
    return l;
}

ObjList *list_from(const Value *items, size_t n)
{
    ObjList *l = list_new(n, n);
    if (n)
        memcpy(l->store->items, items, n * sizeof(Value));
    return l;
}

ObjList *list_nil(const ObjType *ty)
{
    ObjList *l = header_new();
    list_set_type(l, ty);
    return l;
}

ObjList *list_view(ListStore *st, size_t lo, size_t hi, size_t max, const ObjType *ty)
{
    ObjList *l = header_new();
    l->store = st;
    l->off = (uint32_t)lo;
    l->len = hi - lo;
    l->cap = (uint32_t)(max - lo);
    list_set_type(l, ty);
    return l;
}

/* The slice types lists record: tid i is types[i - 1]. Chunks of the table
 * are published once and never move, so list_type reads without a lock;
 * adding a type (once per descriptor: ObjType.list_id caches its number)
 * takes the lock. The table keeps its types alive. Past TID_CHUNKS *
 * TID_CHUNK types (a script that makes types at run time without end),
 * slices of new types stay untyped. */
enum { TID_CHUNK = 1024, TID_CHUNKS = 1024 };
static const ObjType **tid_chunks[TID_CHUNKS];
static uint32_t tid_count;
static pthread_mutex_t tid_lock = PTHREAD_MUTEX_INITIALIZER;

const ObjType *list_type(const ObjList *l)
{
    uint32_t id = __atomic_load_n(&l->tid, __ATOMIC_RELAXED) & ~LIST_TID_FITS;
    if (!id--)
        return NULL;
    const ObjType **chunk = __atomic_load_n(&tid_chunks[id / TID_CHUNK], __ATOMIC_ACQUIRE);
    return chunk ? __atomic_load_n(&chunk[id % TID_CHUNK], __ATOMIC_ACQUIRE) : NULL;
}

void list_set_type(ObjList *l, const ObjType *ty)
{
    if (!ty) {
        l->tid = 0;
        return;
    }
    uint32_t id = __atomic_load_n(&ty->list_id, __ATOMIC_ACQUIRE);
    if (!id) {
        pthread_mutex_lock(&tid_lock);
        id = ty->list_id;
        if (!id && tid_count < (uint32_t)TID_CHUNK * TID_CHUNKS) {
            uint32_t i = tid_count;
            if (!tid_chunks[i / TID_CHUNK])
                __atomic_store_n(&tid_chunks[i / TID_CHUNK],
                                 mem_alloc_uncollectable(TID_CHUNK * sizeof(const ObjType *)),
                                 __ATOMIC_RELEASE);
            __atomic_store_n(&tid_chunks[i / TID_CHUNK][i % TID_CHUNK], ty, __ATOMIC_RELEASE);
            tid_count = i + 1;
            id = i + 1;
            __atomic_store_n(&((ObjType *)ty)->list_id, id, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&tid_lock);
    }
    l->tid = id && types_elem_fits(ty) ? id | LIST_TID_FITS : id;
}

/* Go's malloc size classes up to 32 KiB (runtime/sizeclasses.go); growslice
 * rounds a new backing array up to one of them, which is what makes cap()
 * of a grown slice 6 rather than 5 after appending to a cap-3 slice. */
static const uint16_t size_classes[] = {
    8,     16,    24,    32,    48,    64,    80,    96,    112,   128,   144,   160,   176,   192,
    208,   224,   240,   256,   288,   320,   352,   384,   416,   448,   480,   512,   576,   640,
    704,   768,   896,   1024,  1152,  1280,  1408,  1536,  1792,  2048,  2304,  2688,  3072,  3200,
    3456,  4096,  4864,  5376,  6144,  6528,  6784,  6912,  8192,  9472,  9728,  10240, 10880, 12288,
    13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
};

size_t list_grow_cap(size_t cap, size_t need)
{
    /* growslice: double small slices; past 256 grow by about 1.25x,
     * easing from 2x. */
    size_t n = cap;
    if (need > 2 * cap) {
        n = need;
    } else if (cap < 256) {
        n = 2 * cap;
    } else {
        while (n < need)
            n += (n + 3 * 256) / 4;
    }
    if (n > LIST_MAX_CAP)
        n = need;
    size_t bytes = mem_size(n, sizeof(Value), 0);
    if (bytes <= 32768) {
        size_t i = 0;
        while (size_classes[i] < bytes)
            i++;
        bytes = size_classes[i];
    } else {
        bytes = (bytes + 8191) & ~(size_t)8191; /* whole 8 KiB pages */
    }
    n = bytes / sizeof(Value);
    return n > LIST_MAX_CAP && need <= LIST_MAX_CAP ? LIST_MAX_CAP : n;
}

/* Whether l's type says its elements are copied as they are (numbers,
 * strings, pointers, maps, chans, funcs): no struct or array to copy and
 * no slice to mark shared (v_copy_fast). An untyped list may hold any. */
static bool plain_elems(const ObjList *l)
{
    const ObjType *ty = list_type(l);
    if (!ty || !ty->elem)
        return false;
    switch (ty->elem->kind) {
    case TYPE_BOOL:
    case TYPE_INT:
    case TYPE_FLOAT:
    case TYPE_COMPLEX:
    case TYPE_STRING:
    case TYPE_POINTER:
    case TYPE_MAP:
    case TYPE_CHAN:
    case TYPE_FUNC:
        return true;
    default:
        return false;
    }
}

/* Give l a new store of at least `need` slots (Go's growth), holding its
 * len current items at offset 0. The new store is filled before it is
 * published (release), so a reader that sees it sees the items. `go`: a
 * script's append, which copies the elements into the new array as Go
 * does (a struct or array element becomes the new array's own: the old
 * array may still be another slice's); natives building a list of their
 * own move the items as they are. */
static ListStore *list_grow(ObjList *l, ListStore *old, size_t len, size_t need, bool go)
{
    size_t cap = list_grow_cap(LIST_GET(l, cap), need);
    ListStore *st = store_new(cap);
    size_t off = LIST_GET(l, off);
    if (old && off < old->cap) {
        size_t n = len < old->cap - off ? len : old->cap - off;
        if (go && !plain_elems(l)) {
            for (size_t i = 0; i < n; i++) /* one pass over the old array */
                st->items[i] = v_copy_fast(old->items[off + i]);
        } else {
            memcpy(st->items, old->items + off, n * sizeof(Value));
        }
    }
    LIST_PUT(l, off, 0);
    LIST_PUT(l, cap, (uint32_t)cap);
    __atomic_store_n(&l->store, st, __ATOMIC_RELEASE);
    return st;
}

void list_append(ObjList *l, Value v)
{
    ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
    size_t n = __atomic_load_n(&l->len, __ATOMIC_RELAXED);
    size_t at = LIST_GET(l, off) + n;
    if (unlikely(n >= LIST_GET(l, cap) || !st || at >= st->cap)) {
        st = list_grow(l, st, n, n + 1, false);
        at = n;
    }
    __atomic_store_n(&st->items[at], v, __ATOMIC_RELEASE);
    /* Release: a reader that sees the new length sees the item. */
    __atomic_store_n(&l->len, n + 1, __ATOMIC_RELEASE);
}

ObjList *list_appended(ObjList *l, const Value *vals, size_t n)
{
    ObjList *r = header_new();
    if (l) {
        r->store = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
        r->off = LIST_GET(l, off);
        r->cap = LIST_GET(l, cap);
        r->len = __atomic_load_n(&l->len, __ATOMIC_RELAXED);
        r->tid = LIST_GET(l, tid);
        /* a racy header: keep the view inside the store it names */
        size_t room = r->store && r->off < r->store->cap ? r->store->cap - r->off : 0;
        if (r->cap > room)
            r->cap = (uint32_t)room;
        if (r->len > r->cap)
            r->len = r->cap;
    }
    if (n > LIST_MAX_CAP - r->len)
        mem_out_of_memory();
    if (r->len + n > r->cap)
        list_grow(r, r->store, r->len, r->len + n, true);
    ListStore *st = r->store;
    for (size_t i = 0; i < n; i++)
        __atomic_store_n(&st->items[r->off + r->len + i], vals[i], __ATOMIC_RELEASE);
    r->len += n;
    return r;
}

void list_append_values(ObjList *l, const Value *vals, size_t n)
{
    ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
    size_t len = __atomic_load_n(&l->len, __ATOMIC_RELAXED);
    if (n > LIST_MAX_CAP - len)
        mem_out_of_memory();
    size_t off = LIST_GET(l, off);
    if (len + n > LIST_GET(l, cap) || !st || off + len + n > st->cap) {
        st = list_grow(l, st, len, len + n, true); /* a store of at least len + n */
        off = 0;
    }
    for (size_t i = 0; i < n; i++)
        __atomic_store_n(&st->items[off + len + i], vals[i], __ATOMIC_RELEASE);
    __atomic_store_n(&l->len, (uint32_t)(len + n), __ATOMIC_RELEASE);
}

void list_reserve(ObjList *l, size_t cap)
{
    ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
    if (cap > LIST_GET(l, cap) || !st || LIST_GET(l, off) + cap > st->cap)
        list_grow(l, st, __atomic_load_n(&l->len, __ATOMIC_RELAXED), cap, false);
}

Value *list_slot(ObjList *l, int64_t i)
{
    size_t n = __atomic_load_n(&l->len, __ATOMIC_ACQUIRE);
    ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
    /* The unsigned compare also rejects negative i. */
    if (unlikely((uint64_t)i >= n || !st))
        return NULL;
    uint64_t at = (uint64_t)i + LIST_GET(l, off);
    if (unlikely(at >= st->cap))
        return NULL;
    return &st->items[at];
}

bool list_get(ObjList *l, int64_t i, Value *out)
{
    Value *p = list_slot(l, i);
    if (!p)
        return false;
    *out = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    return true;
}

bool list_set(ObjList *l, int64_t i, Value v)
{
    Value *p = list_slot(l, i);
    if (!p)
        return false;
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
    return true;
}

ObjList *list_slice(ObjList *l, size_t lo, size_t hi)
{
    ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
    size_t off = LIST_GET(l, off), cap = LIST_GET(l, cap);
    if (!st)
        return list_nil(list_type(l));
    /* The caller checked against len, but a racing writer may have swapped
     * the store since: clamp to this store so the view stays inside it. */
    size_t room = off < st->cap ? st->cap - off : 0;
    if (cap > room)
        cap = room;
    if (hi > cap)
        hi = cap;
    if (lo > hi)
        lo = hi;
    ObjList *r = list_view(st, off + lo, off + hi, off + cap, NULL);
    r->tid = LIST_GET(l, tid);
    return r;
}

/* ====================================================================== */
/* cells, natives, errors                                                 */
/* ====================================================================== */

ObjCell *cell_new(Value v)
{
    ObjCell *c = mem_alloc(sizeof *c);
    c->h.kind = OBJ_CELL;
    c->h.flags = 0;
    c->v = v;
    return c;
}

ObjNative *native_new(const char *name, NativeFn fn, int min_args, int max_args)
{
    ObjNative *n = mem_alloc(sizeof *n);
    n->h.kind = OBJ_NATIVE;
    n->h.flags = 0;
    n->fn = fn;
    n->name = name;
    n->min_args = (int16_t)min_args;
    n->max_args = (int16_t)max_args;
    n->data = V_NIL;
    n->unary = NULL;
    n->sig = NULL;
    n->type = NULL;
    return n;
}

ObjError *error_new(ObjString *msg, bool runtime)
{
    ObjError *e = mem_alloc(sizeof *e);
    e->h.kind = OBJ_ERROR;
    e->h.flags = 0;
    e->msg = msg ? msg : str_alloc(0);
    e->runtime = runtime;
    e->pad = 0;
    return e;
}

Value v_error(const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    ObjString *msg;
    if (n < 0) {
        msg = str_alloc(0);
    } else if ((size_t)n < sizeof small) {
        msg = str_new(small, (size_t)n);
    } else {
        msg = str_alloc((size_t)n);
        va_start(ap, fmt);
        vsnprintf(msg->data, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return v_from_ptr(error_new(msg, false));
}

/* ====================================================================== */
/* native objects and their method cache                                  */
/* ====================================================================== */

ObjObject *object_new(const ObjClass *cls, void *payload)
{
    ObjObject *o = mem_alloc(sizeof *o);
    o->h.kind = OBJ_OBJECT;
    o->h.flags = 0;
    o->cls = cls;
    o->payload = payload;
    return o;
}

/* class_method runs on every `mu.Lock()`, from every OS thread, so its hit
 * path takes no lock and writes nothing shared (except the `seen` hint):
 *
 *   class_index (atomic pointer) -> ClassIndex: an immutable open-addressed
 *   table, cls pointer -> ClassTable; ClassTable: an immutable open-addressed
 *   table, method-name hash -> (name, ObjNative).
 *
 * A class is added on its first lookup: under class_lock, copy the index
 * with the new class in it and publish the copy with a release store.
 * Readers holding the old index keep using it (the collector frees it when
 * they are done), and it stays correct for every class it holds. Classes
 * are few (the sync, time, strings... types), so copying is cheap.
 *
 * Locking: class_lock serialises adders; readers never take it. */

typedef struct MethodSlot {
    const char *name; /* NULL: empty slot */
    uint32_t hash;    /* str_hash_bytes of name */
    uint32_t len;
    ObjNative *fn;
    /* The ObjString last matched here: a hint that lets the next call from
     * the same call site skip memcmp. Plain racy word stores; any value it
     * holds is a string that did match. */
    ObjString *seen;
} MethodSlot;

typedef struct ClassTable {
    const ObjClass *cls;
    uint32_t mask;
    uint32_t pad;
    MethodSlot slots[];
} ClassTable;

typedef struct ClassIndex {
    uint32_t mask;
    uint32_t count;
    ClassTable *tabs[];
} ClassIndex;

static ClassIndex *class_index;
static pthread_mutex_t class_lock = PTHREAD_MUTEX_INITIALIZER;

static inline uint32_t ptr_slot(const void *p, uint32_t mask)
{
    uint64_t x = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;
    return (uint32_t)(x >> 40) & mask;
}

static ClassTable *index_find(const ClassIndex *ci, const ObjClass *cls)
{
    for (uint32_t i = ptr_slot(cls, ci->mask);; i = (i + 1) & ci->mask) {
        ClassTable *t = ci->tabs[i];
        if (!t || t->cls == cls)
            return t;
    }
}

static void index_put(ClassIndex *ci, ClassTable *t)
{
    uint32_t i = ptr_slot(t->cls, ci->mask);
    while (ci->tabs[i])
        i = (i + 1) & ci->mask;
    ci->tabs[i] = t;
    ci->count++;
}

static ClassTable *class_table_new(const ObjClass *cls)
{
    uint32_t n = 0;
    for (const MethodDef *d = cls->methods; d && d->name; d++)
        n++;
    uint32_t size = 4; /* load factor <= 1/2: probes stay short */
    while (size < n * 2)
        size *= 2;
    ClassTable *t = mem_alloc(sizeof(ClassTable) + size * sizeof(MethodSlot));
    t->cls = cls;
    t->mask = size - 1;
    for (const MethodDef *d = cls->methods; d && d->name; d++) {
        size_t len = strlen(d->name);
        uint32_t h = str_hash_bytes(d->name, len);
        uint32_t i = h & t->mask;
        bool dup = false;
        for (; t->slots[i].name; i = (i + 1) & t->mask) {
            if (t->slots[i].hash == h && t->slots[i].len == len &&
                memcmp(t->slots[i].name, d->name, len) == 0)
                dup = true; /* the first definition wins */
        }
        if (dup)
            continue;
        /* Traceback name "sync.Mutex.Lock". */
        const char *cname = cls->name ? cls->name : "object";
        size_t clen = strlen(cname);
        char *full = mem_alloc_atomic(clen + 1 + len + 1);
        memcpy(full, cname, clen);
        full[clen] = '.';
        memcpy(full + clen + 1, d->name, len + 1);
        ObjNative *fn = native_new(full, d->fn, d->min_args + 1, d->max_args < 0 ? -1 : d->max_args + 1);
        fn->h.flags = NATIVE_METHOD;
        fn->cls = cls;
        t->slots[i] = (MethodSlot){.name = d->name, .hash = h, .len = (uint32_t)len, .fn = fn, .seen = NULL};
    }
    return t;
}

static ClassTable *class_add(const ObjClass *cls)
{
    pthread_mutex_lock(&class_lock);
    ClassIndex *old = class_index;
    ClassTable *t = old ? index_find(old, cls) : NULL;
    if (!t) {
        t = class_table_new(cls);
        uint32_t count = old ? old->count : 0;
        uint32_t size = old ? old->mask + 1 : 16;
        while ((count + 1) * 2 > size)
            size *= 2;
        ClassIndex *ci = mem_alloc(sizeof(ClassIndex) + size * sizeof(ClassTable *));
        ci->mask = size - 1;
        ci->count = 0;
        for (uint32_t i = 0; old && i <= old->mask; i++)
            if (old->tabs[i])
                index_put(ci, old->tabs[i]);
        index_put(ci, t);
        __atomic_store_n(&class_index, ci, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&class_lock);
    return t;
}

ObjNative *class_method(const ObjClass *cls, ObjString *name)
{
    if (unlikely(!cls || !name))
        return NULL;
    ClassIndex *ci = __atomic_load_n(&class_index, __ATOMIC_ACQUIRE);
    ClassTable *t = ci ? index_find(ci, cls) : NULL;
    if (unlikely(!t))
        t = class_add(cls);
    uint32_t h = str_hash(name);
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        MethodSlot *s = &t->slots[i];
        if (!s->name)
            return NULL;
        if (__atomic_load_n(&s->seen, __ATOMIC_RELAXED) == name)
            return s->fn;
        if (s->hash == h && s->len == name->len && memcmp(s->name, name->data, name->len) == 0) {
            __atomic_store_n(&s->seen, name, __ATOMIC_RELAXED);
            return s->fn;
        }
    }
}

/* ====================================================================== */
/* type names and equality                                                */
/* ====================================================================== */

static const char *const kind_names[OBJ__COUNT] = {
#define X(name, str) str,
    OBJ_KINDS(X)
#undef X
};

const char *obj_kind_name(ObjKind k)
{
    return (unsigned)k < OBJ__COUNT ? kind_names[k] : "object";
}

const char *v_type_name(Value v)
{
    if (v_is_int(v))
        return "int";
    if (v_is_flonum(v))
        return "float";
    if (v == V_NIL)
        return "nil";
    if (v_is_bool(v))
        return "bool";
    if (v_is_ref(v))
        return format_type_name(v); /* "*main.Point" */
    if (!v_is_ptr(v))
        return "undefined"; /* V_UNDEF: internal, never shown to a script */
    Obj *o = v_obj(v);
    if (o->kind == OBJ_STRUCT || o->kind == OBJ_ARRAY)
        return format_type_name(v); /* Go's name: "main.Point", "[3]int" */
    if (o->kind == OBJ_OBJECT) {
        const ObjClass *cls = ((ObjObject *)o)->cls;
        return cls && cls->name ? cls->name : "object";
    }
    if (o->kind == OBJ_COMPLEX && (o->flags & COMPLEX_64))
        return "complex64";
    if (o->kind == OBJ_NAMED) /* a declared type's value: "time.Duration", "main.Celsius" */
        return ((ObjNamed *)o)->type->name;
    if (o->kind == OBJ_ARRAY && ((ObjArray *)o)->type)
        return ((ObjArray *)o)->type->name;
    return obj_kind_name(o->kind);
}

/* Exact int/float equality: the float must be integral, inside int64, and
 * convert to exactly i. Converting i to double instead would make
 * 2^53+1 == 2^53 true and disagree with the map, which stores integral
 * float keys as ints. */
static inline bool int_eq_float(int64_t i, double d)
{
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return false; /* out of range, or NaN */
    int64_t t = (int64_t)d;
    return (double)t == d && t == i;
}

static bool num_eq(Value a, Value b)
{
    bool ai = v_is_anyint(a), bi = v_is_anyint(b);
    if (ai && bi)
        return v_anyint(a) == v_anyint(b);
    if (ai)
        return int_eq_float(v_anyint(a), v_anyfloat(b));
    if (bi)
        return int_eq_float(v_anyint(b), v_anyfloat(a));
    return v_anyfloat(a) == v_anyfloat(b);
}

static inline bool is_num(Value v)
{
    return v_is_int(v) || v_is_flonum(v) || v_is_obj(v, OBJ_BOXINT) || v_is_obj(v, OBJ_BOXFLOAT);
}

Value named_new(struct ObjType *type, Value v)
{
    ObjNamed *n = mem_alloc(sizeof *n);
    n->h.kind = OBJ_NAMED;
    n->type = type;
    n->v = v_unnamed(v);
    return v_from_ptr(n);
}

/* Values of two different named types are never equal (Go does not even
 * compile the comparison); a named value equals a plain one of the same
 * value (an untyped constant, in Go). */
static bool named_eq(Value a, Value b)
{
    /* two values boxed in interfaces (iface.h) are of one type when their
     * built-in types are one, wherever each was boxed */
    if (iface_is_box(a) && iface_is_box(b) &&
        !iface_same_basic(((ObjNamed *)v_ptr(a))->type, ((ObjNamed *)v_ptr(b))->type))
        return false;
    if (v_is_obj(a, OBJ_NAMED) && v_is_obj(b, OBJ_NAMED) && !(iface_is_box(a) && iface_is_box(b)) &&
        ((ObjNamed *)v_ptr(a))->type != ((ObjNamed *)v_ptr(b))->type)
        return false;
    return v_equal(v_unnamed(a), v_unnamed(b));
}

bool v_iface_equal(Value a, Value b)
{
    if (v_is_obj(a, OBJ_NAMED) != v_is_obj(b, OBJ_NAMED))
        return false;
    Value ua = v_unnamed(a), ub = v_unnamed(b);
    if (is_num(ua) && is_num(ub) && v_is_anyint(ua) != v_is_anyint(ub))
        return false;
    if (v_is_complex(ua) != v_is_complex(ub) && a != V_NIL && b != V_NIL)
        return false;
    return v_equal(a, b);
}

/* Go's struct ==: the same type, and field by field equal. Fields nest
 * only as deep as struct types do (a type cannot contain itself). An
 * anonymous struct type is parsed where it is written, so two of its
 * descriptors may stand for one type: they are told apart by spelling. */
static bool struct_equal(const ObjStruct *a, const ObjStruct *b)
{
    /* struct types written alike without a name are one type in Go */
    if (a->type != b->type && (a->type->named || b->type->named || a->type->nfields != b->type->nfields ||
                               strcmp(a->type->name, b->type->name) != 0))
        return false;
    for (int i = 0; i < a->type->nfields; i++)
        if (!v_equal(a->f[i], b->f[i]))
            return false;
    return true;
}

/* Arrays element by element, as Go compares them; arrays inside are
 * compared through a work list rather than by recursion (see v_copy). */
static bool array_equal(const ObjArray *x, const ObjArray *y)
{
    const ObjArray *small[32], **work = small;
    size_t nwork = 0, capwork = 16; /* pairs */
    work[nwork * 2] = x;
    work[nwork * 2 + 1] = y;
    nwork++;
    while (nwork) {
        nwork--;
        x = work[nwork * 2];
        y = work[nwork * 2 + 1];
        if (x->st.cap != y->st.cap)
            return false;
        for (size_t i = 0; i < x->st.cap; i++) {
            Value p = x->st.items[i], q = y->st.items[i];
            if (v_is_obj(p, OBJ_ARRAY) && v_is_obj(q, OBJ_ARRAY)) {
                if (nwork == capwork) {
                    size_t ncap = mem_grow(capwork, capwork + 1, 16, 2 * sizeof *work);
                    const ObjArray **nw = mem_alloc(ncap * 2 * sizeof *nw);
                    memcpy(nw, work, nwork * 2 * sizeof *work);
                    work = nw;
                    capwork = ncap;
                }
                work[nwork * 2] = v_ptr(p);
                work[nwork * 2 + 1] = v_ptr(q);
                nwork++;
            } else if (!v_equal(p, q)) {
                return false;
            }
        }
    }
    return true;
}

bool v_equal(Value a, Value b)
{
    if (a == b)
        /* One word, so the same value, except a NaN box (or a complex
         * with a NaN part) compared with itself: NaN != NaN. */
        return !(v_is_obj(a, OBJ_BOXFLOAT) && isnan(((ObjBoxFloat *)v_ptr(a))->d)) &&
               !(v_is_complex(a) && (isnan(v_complex(a)->re) || isnan(v_complex(a)->im)));
    if (v_is_int(a) && v_is_int(b))
        return false;
    if (a == V_NIL || b == V_NIL) {
        /* a nil map of a known type, or a nil slice header, is nil */
        Value o = a == V_NIL ? b : a;
        return (v_is_obj(o, OBJ_MAP) && map_is_nil(v_map(o))) || list_is_nil(o);
    }
    if (is_num(a) && is_num(b))
        return num_eq(a, b);
    if (v_is_str(a) && v_is_str(b))
        return str_eq(v_str(a), v_str(b));
    if (v_is_obj(a, OBJ_STRUCT) && v_is_obj(b, OBJ_STRUCT))
        return struct_equal(v_ptr(a), v_ptr(b));
    if (v_is_obj(a, OBJ_ARRAY) && v_is_obj(b, OBJ_ARRAY))
        return array_equal(v_ptr(a), v_ptr(b));
    if (v_is_ref(a) && v_is_ref(b)) {
        /* two ObjSlots of one slot are one pointer */
        Value *sa = ref_slot(a), *sb = ref_slot(b);
        return sa && sa == sb;
    }
    if (v_is_obj(a, OBJ_NAMED) || v_is_obj(b, OBJ_NAMED))
        return named_eq(a, b);
    if (v_is_obj(a, OBJ_OBJECT) && v_is_obj(b, OBJ_OBJECT)) {
        const ObjObject *x = v_ptr(a), *y = v_ptr(b);
        return x->cls == y->cls && x->cls->equal && x->cls->equal(x->payload, y->payload);
    }
    if (v_is_complex(a) && v_is_complex(b))
        return v_complex(a)->re == v_complex(b)->re && v_complex(a)->im == v_complex(b)->im;
    if ((v_is_complex(a) && is_num(b)) || (is_num(a) && v_is_complex(b))) {
        /* c == 0: the number is the complex with that real part, as
         * Go's constant operand is */
        const ObjComplex *c = v_complex(v_is_complex(a) ? a : b);
        Value n = v_is_complex(a) ? b : a;
        return c->im == 0 && c->re == (v_is_anyint(n) ? (double)v_anyint(n) : v_anyfloat(n));
    }
    return false;
}

const ObjType *v_uncomparable_pair(Value a, Value b)
{
    if (!v_is_ptr(a) || !v_is_ptr(b) || v_obj(a)->kind != v_obj(b)->kind || v_obj(a)->kind == OBJ_STRING)
        return NULL;
    const ObjType *ta = format_value_type(a), *tb = format_value_type(b);
    if (!ta || !tb || types_comparable(ta))
        return NULL;
    /* struct types written alike without a name are one type (struct_equal) */
    if (ta != tb && (ta->named || tb->named || strcmp(ta->name, tb->name) != 0))
        return NULL;
    return ta;
}

/* ---- value copies ---------------------------------------------------- */

/* The slots of a struct's fields or an array's elements. */
static Value *agg_items(Obj *o, size_t *n)
{
    if (o->kind == OBJ_STRUCT) {
        ObjStruct *st = (ObjStruct *)o;
        *n = st->type ? (size_t)st->type->nfields : 0;
        return st->f;
    }
    ObjArray *a = (ObjArray *)o;
    *n = a->st.cap;
    return a->st.items;
}

/* A copy of the struct or array o, its items as they are. */
static Obj *shallow_clone(Obj *o)
{
    size_t n;
    Value *items = agg_items(o, &n);
    size_t head = o->kind == OBJ_STRUCT ? sizeof(ObjStruct) : sizeof(ObjArray);
    Obj *c = mem_alloc(mem_size(n, sizeof(Value), head));
    memcpy(c, o, head);
    size_t m;
    Value *to = agg_items(c, &m);
    for (size_t i = 0; i < n; i++)
        to[i] = __atomic_load_n(&items[i], __ATOMIC_ACQUIRE);
    return c;
}

/* A slice header now held by a second place. Written once: a header
 * passed around a hot loop is not a store per pass (nor a cache line
 * bouncing between threads); the only flag of a list, so a plain store. */
static void mark_shared(Obj *o)
{
    if (!(__atomic_load_n(&o->flags, __ATOMIC_RELAXED) & LIST_SHARED))
        __atomic_store_n(&o->flags, LIST_SHARED, __ATOMIC_RELAXED);
}

/* Structs and arrays inside a struct or array are owned by it, so they are
 * cloned with it; a slice inside is shared (Go copies the header, whose
 * array both copies then share). The clone is made level by level with a
 * work list, not by recursion: a value nested thousands of levels deep
 * ([1][1]...[1]int) must not take as many frames of a goroutine's small
 * stack. */
Value v_copy(Value v)
{
    if (!v_is_ptr(v))
        return v;
    Obj *o = v_obj(v);
    if (o->kind == OBJ_LIST) {
        mark_shared(o);
        return v;
    }
    if (o->kind != OBJ_STRUCT && o->kind != OBJ_ARRAY)
        return v;
    Obj *small[16], **work = small;
    size_t nwork = 0, capwork = 16;
    Obj *root = shallow_clone(o);
    work[nwork++] = root;
    while (nwork) {
        size_t n;
        Value *items = agg_items(work[--nwork], &n);
        for (size_t i = 0; i < n; i++) {
            if (!v_is_ptr(items[i]))
                continue;
            Obj *e = v_obj(items[i]);
            if (e->kind == OBJ_LIST) {
                mark_shared(e);
            } else if (e->kind == OBJ_STRUCT || e->kind == OBJ_ARRAY) {
                Obj *c = shallow_clone(e);
                items[i] = v_from_ptr(c);
                if (nwork == capwork) {
                    size_t ncap = mem_grow(capwork, capwork + 1, 16, sizeof *work);
                    Obj **nw = mem_alloc(ncap * sizeof *nw);
                    memcpy(nw, work, nwork * sizeof *work);
                    work = nw;
                    capwork = ncap;
                }
                work[nwork++] = c;
            }
        }
    }
    return v_from_ptr(root);
}

ObjArray *array_new(const ObjType *ty, size_t n)
{
    ObjArray *a = mem_alloc(mem_size(n, sizeof(Value), sizeof(ObjArray)));
    a->h.kind = OBJ_ARRAY;
    a->type = (ObjType *)ty;
    a->st.cap = n;
    return a;
}

ObjSlot *slot_new(Value *slot)
{
    ObjSlot *s = mem_alloc(sizeof *s);
    s->h.kind = OBJ_SLOT;
    s->slot = slot;
    return s;
}

Value *ref_slot(Value p)
{
    Obj *o = v_ref_target(p);
    if (o->kind == OBJ_CELL)
        return &((ObjCell *)o)->v;
    if (o->kind == OBJ_SLOT)
        return ((ObjSlot *)o)->slot;
    return NULL;
}
