/* map.c — the insertion-ordered hash map, the map-key rules and v_hash.
 *
 * Layout (CPython's compact dict): a MapStore holds the entries in
 * insertion order and an index of int32 slots, each -1 (empty) or an entry
 * number. Lookups hash the key, walk the index, and compare entries; an
 * insertion appends an entry and points an empty slot at it; a deletion
 * turns its entry into a tombstone (key V_UNDEF), which keeps its index slot
 * so probe chains stay intact, and keeps its place in the order. When the
 * entries are full the store is rebuilt: live entries are copied in order
 * (tombstones dropped) into a store sized for MAP_GROWTH times the live
 * count, so a full store grows and a tombstone-heavy one is compacted in
 * place of growing.
 *
 * Probing: the first slot is hash & mask; after that, CPython's recurrence
 * slot = 5*slot + 1 + perturb, perturb >>= 5, with perturb starting at a
 * thorough mix of the whole hash. The first probe uses only the low bits,
 * which lets ints hash to themselves: consecutive int keys fill consecutive
 * slots with no collisions and walk the index in order (measured, warm
 * heap: 1M sequential keys set+get in ~35 ms; random keys, which is the
 * index access pattern a mixing hash would give sequential keys too, take
 * ~170 ms, in cache misses on the index), while keys that collide in
 * the low bits (strides like i<<32) are scattered from the second probe on.
 * Once perturb is 0 the recurrence 5*slot + 1 (mod 2^k) visits every slot,
 * so a probe always reaches an empty one: the index is at most 2/3 full.
 *
 * Key normalisation (before hashing): an integral float inside int64 is
 * stored as the int (so m[1] and m[1.0] are one entry; -0.0 is 0), a boxed
 * int that fits is stored inline, a non-integral float as its flonum when it
 * has one. After that, equal keys of the fast kinds (inline int, flonum,
 * nil, bool) are the same word, and only strings, boxed ints and boxed
 * floats need a deeper compare. A NaN key is never equal to anything, so
 * every NaN insertion appends a new entry and a NaN lookup misses, as in Go.
 *
 * Locking (see object.h): writers are exclusive through ObjMap.writing
 * (atomic exchange; the loser reports MAP_CONCURRENT and changes nothing).
 * Readers take no lock: they load the store pointer once and check every
 * entry number against that store's cap. A writer fills an entry before it
 * publishes the index slot that names it, and fills a rebuilt store before
 * it publishes the store (release stores; readers load with acquire), so a
 * reader sees either the old or the new state of each slot. A store, once
 * replaced, is never written again.
 */
#include "object.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "types.h"

/* A rebuild makes room for MAP_GROWTH times the live entries (CPython's
 * rate). With power-of-two indexes this quadruples a full store: half the
 * rebuilds of doubling, and less fresh memory touched in all (1M int keys:
 * 13.8k page faults against 20.7k when doubling; first-touch page faults
 * dominated the cost of growing a big map). A store that is mostly
 * tombstones is rebuilt at its size or smaller. */
#define MAP_GROWTH 3
/* Index slots of the smallest store: 8 slots hold 5 entries. */
#define MAP_MIN_SLOTS 8u
/* Index slots are int32, so entry numbers must stay below 2^31; a store
 * of 2^30 slots (716M entries, 17 GB of entries) is far beyond any heap
 * this runs in. */
#define MAP_MAX_SLOTS (1u << 30)
/* An index above this many bytes gets its own pointer-free block, so the
 * collector does not scan megabytes of int32s for pointers; below it, the
 * index shares the store's block (one allocation per small map). */
#define MAP_INDEX_SPLIT 4096u

/* ---- hashing ----------------------------------------------------------- */

static inline uint64_t rd8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t rd4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Ints hash to themselves: see the probing note above. */
static inline uint64_t hash_int(int64_t i)
{
    return (uint64_t)i;
}

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t hash_float(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return mix64(bits);
}

/* str_hash with the cached case inline (str_hash is in object.c). */
static inline uint32_t shash(ObjString *s)
{
    uint32_t h = __atomic_load_n(&s->hash, __ATOMIC_RELAXED);
    return likely(h) ? h : str_hash(s);
}

/* What a key compares like, after normalisation. */
enum {
    K_BAD = -1, /* not a valid map key */
    K_WORD,     /* equal keys are the same word: inline int, flonum, nil, bool */
    K_STR,      /* string: same pointer, or same hash, length and bytes */
    K_GEN,      /* boxed int or boxed float: compare by value */
    K_NAN,      /* NaN: equal to nothing */
};

static int float_prep(double d, Value key, Value *nk, uint64_t *h)
{
    if (unlikely(isnan(d))) {
        *nk = key;
        *h = 0x7ff8000000000000ULL;
        return K_NAN;
    }
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        int64_t i = (int64_t)d;
        if ((double)i == d) {
            *h = hash_int(i);
            *nk = v_make_int(i);
            return v_int_fits(i) ? K_WORD : K_GEN;
        }
    }
    *h = hash_float(d);
    Value f;
    if (v_flonum_try(d, &f)) {
        *nk = f;
        return K_WORD;
    }
    *nk = key;
    return K_GEN;
}

static inline int key_prep(Value key, Value *nk, uint64_t *h);

/* A struct key: equal structs (same type, equal fields: v_equal) hash
 * alike, so the hash mixes its fields' hashes. A field that is no valid
 * key itself (a slice) makes the struct no valid key, as Go's map rejects
 * such a type. */
static int struct_prep(Value key, Value *nk, uint64_t *h)
{
    const ObjStruct *s = v_ptr(key);
    if (!types_comparable(s->type)) /* a field of a slice type, even nil */
        return K_BAD;
    uint64_t acc = mix64((uint64_t)s->type->nfields); /* the type: see struct_equal */
    for (int i = 0; i < s->type->nfields; i++) {
        Value fk, f = s->f[i];
        uint64_t fh;
        int k;
        if (v_is_obj(f, OBJ_STRUCT))
            k = struct_prep(f, &fk, &fh);
        else if (v_is_ref(f) || f == V_NIL)
            k = K_WORD, fh = mix64(f); /* pointers compare as words */
        else
            k = key_prep(f, &fk, &fh);
        if (k == K_BAD)
            return K_BAD;
        acc = mix64(acc ^ fh);
    }
    *nk = key;
    *h = acc;
    return K_GEN;
}

/* An array key: hashed element by element (each must be a valid key),
 * compared with v_equal. Arrays inside arrays are walked with a work list,
 * not by recursion: a key nested thousands of levels deep must not take
 * as many frames of a goroutine's small stack. */
static int array_prep(const ObjArray *a, Value key, Value *nk, uint64_t *h)
{
    const ObjArray *small[16], **work = small;
    size_t nwork = 0, capwork = 16;
    uint64_t acc = 0x9e3779b97f4a7c15ULL;
    if (!types_comparable(a->type))
        return K_BAD;
    work[nwork++] = a;
    while (nwork) {
        a = work[--nwork];
        acc = mix64(acc ^ a->st.cap);
        for (size_t i = 0; i < a->st.cap; i++) {
            Value e = a->st.items[i], ne;
            uint64_t eh;
            if (v_is_obj(e, OBJ_ARRAY)) {
                if (nwork == capwork) {
                    size_t ncap = mem_grow(capwork, capwork + 1, 16, sizeof *work);
                    const ObjArray **nw = mem_alloc(ncap * sizeof *nw);
                    memcpy(nw, work, nwork * sizeof *work);
                    work = nw;
                    capwork = ncap;
                }
                work[nwork++] = v_ptr(e);
                continue;
            }
            if (key_prep(e, &ne, &eh) == K_BAD)
                return K_BAD;
            acc = mix64(acc ^ eh);
        }
    }
    *nk = key;
    *h = acc;
    return K_GEN;
}

/* Normalise key into *nk and hash it into *h; returns its K_ kind. */
static inline int key_prep(Value key, Value *nk, uint64_t *h)
{
    if (likely(v_is_int(key))) {
        *nk = key;
        *h = hash_int(v_int(key));
        return K_WORD;
    }
    if (v_is_ptr(key)) {
        Obj *o = v_obj(key);
        if (likely(o->kind == OBJ_STRING)) {
            *nk = key;
            *h = shash((ObjString *)o);
            return K_STR;
        }
        if (o->kind == OBJ_BOXINT) {
            int64_t i = ((ObjBoxInt *)o)->i;
            *h = hash_int(i);
            if (v_int_fits(i)) {
                *nk = v_int_small(i);
                return K_WORD;
            }
            *nk = key;
            return K_GEN;
        }
        if (o->kind == OBJ_BOXFLOAT)
            return float_prep(((ObjBoxFloat *)o)->d, key, nk, h);
        if (o->kind == OBJ_COMPLEX) {
            /* equal parts, one key (+0 and -0 too); a NaN part, no key */
            const ObjComplex *c = (const ObjComplex *)o;
            if (isnan(c->re) || isnan(c->im))
                return float_prep(NAN, key, nk, h);
            *h = hash_float(c->re + 0.0) ^ (hash_float(c->im + 0.0) * 31);
            *nk = key;
            return K_GEN;
        }
        if (o->kind == OBJ_STRUCT)
            return struct_prep(key, nk, h);
        if (o->kind == OBJ_ARRAY)
            return array_prep((const ObjArray *)o, key, nk, h);
        if (o->kind == OBJ_NAMED) {
            /* a Weekday key: hashed as its int, kept with its type, and
             * compared with v_equal (a Weekday and an int are one key, as
             * Go's constants are) */
            Value plain;
            if (key_prep(((ObjNamed *)o)->v, &plain, h) == K_BAD)
                return K_BAD;
            *nk = key;
            return K_GEN;
        }
        if (o->kind == OBJ_CHAN) {
            /* a channel: by identity, as Go compares channels */
            *nk = key;
            *h = mix64(key);
            return K_WORD;
        }
        if (o->kind == OBJ_OBJECT) {
            /* a module's object: by value when its class says how (a
             * time.Time), else as the pointer it is in Go (*sync.Mutex) */
            const ObjObject *obj = (const ObjObject *)o;
            *nk = key;
            if (obj->cls && obj->cls->equal && obj->cls->hash) {
                *h = obj->cls->hash(obj->payload);
                return K_GEN;
            }
            *h = mix64(key);
            return K_WORD;
        }
        return K_BAD;
    }
    if (v_is_ref(key)) {
        /* A pointer: its target's address; two slot objects made for one
         * slot (&xs[1] taken twice) are one key. */
        Value *slot = ref_slot(key);
        *nk = key;
        if (slot && ((Obj *)v_ref_target(key))->kind == OBJ_SLOT) {
            *h = mix64((uint64_t)(uintptr_t)slot);
            return K_GEN;
        }
        *h = mix64(key);
        return K_WORD;
    }
    if (v_is_flonum(key))
        return float_prep(v_flonum(key), key, nk, h);
    if (key == V_NIL || v_is_bool(key)) {
        *nk = key;
        *h = mix64(key);
        return K_WORD;
    }
    return K_BAD; /* V_UNDEF */
}

bool map_key_ok(Value key)
{
    if (v_is_int(key) || v_is_flonum(key) || key == V_NIL || v_is_bool(key))
        return true;
    Value nk;
    uint64_t h;
    return key_prep(key, &nk, &h) != K_BAD;
}

uint64_t v_hash(Value key)
{
    Value nk;
    uint64_t h;
    if (key_prep(key, &nk, &h) == K_BAD)
        return mix64(key); /* identity, for whoever hashes other values */
    return h;
}

/* Deep compare of two normalised keys whose words differ. */
static bool key_eq_slow(Value a, Value b)
{
    if (v_is_ref(a) || v_is_ref(b))
        return v_equal(a, b);
    if (!v_is_ptr(a) || !v_is_ptr(b))
        return false;
    Obj *oa = v_obj(a), *ob = v_obj(b);
    if (oa->kind != ob->kind)
        return false;
    switch (oa->kind) {
    case OBJ_STRING:
        return str_eq((ObjString *)oa, (ObjString *)ob);
    case OBJ_BOXINT:
        return ((ObjBoxInt *)oa)->i == ((ObjBoxInt *)ob)->i;
    case OBJ_BOXFLOAT:
        return ((ObjBoxFloat *)oa)->d == ((ObjBoxFloat *)ob)->d;
    case OBJ_COMPLEX:
    case OBJ_NAMED:
    case OBJ_STRUCT:
    case OBJ_ARRAY:
    case OBJ_OBJECT: /* one with a class equality: a time.Time */
        return v_equal(a, b);
    default:
        return false;
    }
}

/* ---- stores ------------------------------------------------------------ */

static inline uint32_t cap_for(uint32_t slots)
{
    return (uint32_t)(((uint64_t)slots * 2) / 3);
}

/* A store with room for `want` entries; out of memory past the largest
 * store there can be. */
static MapStore *store_new(size_t want)
{
    uint32_t slots = MAP_MIN_SLOTS;
    while (cap_for(slots) < want) {
        if (slots >= MAP_MAX_SLOTS)
            mem_out_of_memory();
        slots *= 2;
    }
    uint32_t cap = cap_for(slots);
    size_t ebytes = sizeof(MapStore) + (size_t)cap * sizeof(MapEntry);
    size_t ibytes = (size_t)slots * sizeof(int32_t);
    MapStore *st;
    int32_t *index;
    if (ibytes <= MAP_INDEX_SPLIT) {
        st = mem_alloc(ebytes + ibytes);
        index = (int32_t *)((char *)st + ebytes);
    } else {
        st = mem_alloc(ebytes);
        index = mem_alloc_atomic(ibytes);
    }
    memset(index, 0xff, ibytes); /* every slot -1: empty */
    st->cap = cap;
    st->used = 0;
    st->mask = slots - 1;
    st->index = index;
    return st;
}

ObjMap *map_new(size_t hint)
{
    ObjMap *m = mem_alloc(sizeof *m);
    m->h.kind = OBJ_MAP;
    m->h.flags = 0;
    m->len = 0;
    m->writing = 0;
    m->store = NULL;
    m->zero = V_NIL;
    m->vtype = NULL;
    /* A hint beyond the largest store is ignored, as Go's makemap ignores
     * one it could not allocate: the map grows as it fills instead. */
    if (hint && hint <= cap_for(MAP_MAX_SLOTS))
        m->store = store_new(hint);
    return m;
}

/* The probe sequence of a hash: see the top. */
typedef struct ProbeSeq {
    uint32_t i, mask;
    uint64_t perturb;
} ProbeSeq;

static inline ProbeSeq seq_start(uint64_t h, uint32_t mask)
{
    /* The mix is off the critical path (the index load is on it). */
    return (ProbeSeq){.i = (uint32_t)h & mask, .mask = mask, .perturb = mix64(h)};
}

static inline void seq_next(ProbeSeq *p)
{
    p->i = (uint32_t)(p->i * 5u + p->perturb + 1) & p->mask;
    p->perturb >>= 5;
}

/* The first empty slot on h's probe path. Writers only. */
static inline uint32_t find_empty(const MapStore *st, uint64_t h)
{
    ProbeSeq p = seq_start(h, st->mask);
    while (st->index[p.i] >= 0)
        seq_next(&p);
    return p.i;
}

/* Byte equality without a libc call for the short strings typical of
 * keys: overlapping loads inside [0, n). */
static inline __attribute__((always_inline)) bool bytes_eq(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        if (n > 16)
            return memcmp(a, b, n) == 0;
        return rd8(a) == rd8(b) && rd8(a + n - 8) == rd8(b + n - 8);
    }
    if (n >= 4)
        return rd4(a) == rd4(b) && rd4(a + n - 4) == rd4(b + n - 4);
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Look nk up in st. Returns its entry number, or -1 with *slot set to the
 * empty slot that ends its probe path (where an insertion goes). `kind` is
 * a constant at each call site, so each use compiles to a loop with only
 * the compare it needs. Safe for readers racing a writer: see the top. */
static inline __attribute__((always_inline)) int32_t probe(const MapStore *st, Value nk, uint64_t h, int kind,
                                                           uint32_t *slot)
{
    const int32_t *index = st->index;
    const MapEntry *entries = st->entries;
    uint32_t cap = st->cap;
    for (ProbeSeq p = seq_start(h, st->mask);; seq_next(&p)) {
        int32_t ix = __atomic_load_n(&index[p.i], __ATOMIC_ACQUIRE);
        if (ix < 0) {
            *slot = p.i;
            return -1;
        }
        if (likely((uint32_t)ix < cap)) {
            const MapEntry *e = &entries[ix];
            Value k = __atomic_load_n(&e->key, __ATOMIC_RELAXED);
            if (k == nk)
                return ix;
            if (kind == K_STR) {
                if (e->hash == h && v_is_str(k)) {
                    const ObjString *a = v_str(k), *b = v_str(nk);
                    if (a->len == b->len && bytes_eq(a->data, b->data, a->len))
                        return ix;
                }
            } else if (kind == K_GEN) {
                if (e->hash == h && key_eq_slow(k, nk))
                    return ix;
            }
        }
    }
}

/* Copy old's live entries, in order, into a new store with room for
 * MAP_GROWTH times as many, and publish it. Writers only. */
static MapStore *rebuild(ObjMap *m, MapStore *old)
{
    uint32_t live = m->len;
    if (old && live > old->used)
        live = old->used; /* cannot happen with exclusive writers; be safe */
    /* Near the largest store, grow to it rather than past it. */
    size_t want = (size_t)live * MAP_GROWTH + 1;
    if (want > cap_for(MAP_MAX_SLOTS) && live < cap_for(MAP_MAX_SLOTS))
        want = cap_for(MAP_MAX_SLOTS);
    MapStore *st = store_new(want);
    if (old) {
        uint32_t n = 0, used = old->used < old->cap ? old->used : old->cap;
        for (uint32_t j = 0; j < used && n < st->cap; j++) {
            const MapEntry *e = &old->entries[j];
            if (e->key == V_UNDEF)
                continue;
            st->entries[n] = *e;
            st->index[find_empty(st, e->hash)] = (int32_t)n;
            n++;
        }
        st->used = n;
        m->len = n;
    }
    __atomic_store_n(&m->store, st, __ATOMIC_RELEASE);
    return st;
}

/* ---- operations -------------------------------------------------------- */

static bool get_slow(const MapStore *st, Value key, Value *out)
{
    Value nk;
    uint64_t h;
    uint32_t slot;
    int32_t ix;
    switch (key_prep(key, &nk, &h)) {
    case K_WORD:
        ix = probe(st, nk, h, K_WORD, &slot);
        break;
    case K_GEN:
        ix = probe(st, nk, h, K_GEN, &slot);
        break;
    default: /* bad keys and NaN: never present */
        return false;
    }
    if (ix < 0)
        return false;
    *out = __atomic_load_n(&st->entries[ix].val, __ATOMIC_ACQUIRE);
    return true;
}

bool map_get(ObjMap *m, Value key, Value *out)
{
    const MapStore *st = __atomic_load_n(&m->store, __ATOMIC_ACQUIRE);
    if (unlikely(!st))
        return false;
    uint32_t slot;
    int32_t ix;
    if (likely(v_is_int(key))) {
        ix = probe(st, key, hash_int(v_int(key)), K_WORD, &slot);
    } else if (v_is_str(key)) {
        ix = probe(st, key, shash(v_str(key)), K_STR, &slot);
    } else {
        return get_slow(st, key, out);
    }
    if (ix < 0)
        return false;
    *out = __atomic_load_n(&st->entries[ix].val, __ATOMIC_ACQUIRE);
    return true;
}

bool map_get_cstr(ObjMap *m, const char *key, Value *out)
{
    const MapStore *st = __atomic_load_n(&m->store, __ATOMIC_ACQUIRE);
    if (!st)
        return false;
    size_t len = strlen(key);
    uint64_t h = str_hash_bytes(key, len);
    uint32_t cap = st->cap;
    for (ProbeSeq p = seq_start(h, st->mask);; seq_next(&p)) {
        int32_t ix = __atomic_load_n(&st->index[p.i], __ATOMIC_ACQUIRE);
        if (ix < 0)
            return false;
        if ((uint32_t)ix < cap) {
            const MapEntry *e = &st->entries[ix];
            Value k = __atomic_load_n(&e->key, __ATOMIC_RELAXED);
            if (e->hash == h && v_is_str(k) && v_str(k)->len == len && bytes_eq(v_str(k)->data, key, len)) {
                *out = __atomic_load_n(&e->val, __ATOMIC_ACQUIRE);
                return true;
            }
        }
    }
}

/* Append (nk, val) as a new entry. Caller holds `writing`; slot is the
 * empty slot from probing st, or UINT32_MAX when it must be found. */
static void insert_new(ObjMap *m, MapStore *st, Value nk, uint64_t h, Value val, uint32_t slot)
{
    uint32_t n = st ? st->used : 0; /* read once: n is bounds-checked */
    if (unlikely(!st || n >= st->cap)) {
        st = rebuild(m, st);
        slot = find_empty(st, h);
        n = st->used;
    } else if (slot == UINT32_MAX) {
        slot = find_empty(st, h);
    }
    if (unlikely(v_is_obj(nk, OBJ_ARRAY) || v_is_obj(nk, OBJ_STRUCT)))
        nk = v_copy(nk); /* the map owns its key: a later change to the
                            variable it came from must not move it */
    MapEntry *e = &st->entries[n];
    e->hash = h;
    e->val = val;
    __atomic_store_n(&e->key, nk, __ATOMIC_RELEASE);
    /* Release: a reader that finds the slot finds the entry filled. */
    __atomic_store_n(&st->index[slot], (int32_t)n, __ATOMIC_RELEASE);
    __atomic_store_n(&st->used, n + 1, __ATOMIC_RELEASE);
    m->len++;
}

/* NaN keys: a fresh hash per insertion, so a million NaNs do not share one
 * probe chain (Go does the same with a random hash). */
static uint64_t nan_seq;

static MapStatus set_slow(ObjMap *m, MapStore *st, Value key, Value val)
{
    Value nk;
    uint64_t h;
    uint32_t slot = UINT32_MAX;
    int32_t ix = -1;
    switch (key_prep(key, &nk, &h)) {
    case K_WORD:
        if (st)
            ix = probe(st, nk, h, K_WORD, &slot);
        break;
    case K_GEN:
        if (st)
            ix = probe(st, nk, h, K_GEN, &slot);
        break;
    case K_NAN:
        h = mix64(__atomic_add_fetch(&nan_seq, 1, __ATOMIC_RELAXED));
        break;
    default:
        return MAP_BADKEY;
    }
    if (ix >= 0)
        __atomic_store_n(&st->entries[ix].val, val, __ATOMIC_RELEASE);
    else /* a struct key is the map's own copy: the caller's may change */
        insert_new(m, st, v_is_obj(nk, OBJ_STRUCT) ? v_copy(nk) : nk, h, val, slot);
    return MAP_OK;
}

ObjMap *map_new_nil(Value zero)
{
    ObjMap *m = map_new(0);
    m->h.flags = MAP_NILMAP;
    m->zero = zero;
    return m;
}

MapStatus map_set(ObjMap *m, Value key, Value val)
{
    if (unlikely(m->h.flags & (MAP_NILMAP | MAP_TYPED | MAP_UKEY))) {
        if (map_is_nil(m))
            return MAP_NIL;
        if (m->vtype && !types_fit(m->vtype, val, &val))
            return MAP_BADVALUE;
        if ((m->h.flags & MAP_UKEY) && v_is_anyint(key) && v_anyint(key) < 0 && !v_is_bigu(key))
            key = v_make_uint((uint64_t)v_anyint(key));
    }
    if (__atomic_exchange_n(&m->writing, 1, __ATOMIC_ACQUIRE))
        return MAP_CONCURRENT;
    MapStore *st = m->store;
    MapStatus r = MAP_OK;
    uint32_t slot = UINT32_MAX;
    int32_t ix;
    if (likely(v_is_int(key))) {
        uint64_t h = hash_int(v_int(key));
        ix = st ? probe(st, key, h, K_WORD, &slot) : -1;
        if (ix >= 0)
            __atomic_store_n(&st->entries[ix].val, val, __ATOMIC_RELEASE);
        else
            insert_new(m, st, key, h, val, slot);
    } else if (v_is_str(key)) {
        uint64_t h = shash(v_str(key));
        ix = st ? probe(st, key, h, K_STR, &slot) : -1;
        if (ix >= 0)
            __atomic_store_n(&st->entries[ix].val, val, __ATOMIC_RELEASE);
        else
            insert_new(m, st, key, h, val, slot);
    } else {
        r = set_slow(m, st, key, val);
    }
    __atomic_store_n(&m->writing, 0, __ATOMIC_RELEASE);
    return r;
}

MapStatus map_delete(ObjMap *m, Value key)
{
    if (unlikely(map_is_nil(m)))
        return map_key_ok(key) ? MAP_OK : MAP_BADKEY; /* Go's delete on a nil map: nothing */
    Value nk;
    uint64_t h;
    int kind = key_prep(key, &nk, &h);
    if (kind == K_BAD)
        return MAP_BADKEY;
    if (kind == K_NAN)
        return MAP_OK; /* no NaN key can be found, so none can be deleted */
    if (__atomic_exchange_n(&m->writing, 1, __ATOMIC_ACQUIRE))
        return MAP_CONCURRENT;
    MapStore *st = m->store;
    if (st) {
        uint32_t slot;
        int32_t ix = kind == K_WORD  ? probe(st, nk, h, K_WORD, &slot)
                     : kind == K_STR ? probe(st, nk, h, K_STR, &slot)
                                     : probe(st, nk, h, K_GEN, &slot);
        if (ix >= 0) {
            MapEntry *e = &st->entries[ix];
            /* The index slot keeps naming the entry: the tombstone holds
             * the probe chain together until the next rebuild. */
            __atomic_store_n(&e->key, V_UNDEF, __ATOMIC_RELEASE);
            __atomic_store_n(&e->val, V_NIL, __ATOMIC_RELEASE);
            m->len--;
        }
    }
    __atomic_store_n(&m->writing, 0, __ATOMIC_RELEASE);
    return MAP_OK;
}

MapStatus map_clear(ObjMap *m)
{
    if (map_is_nil(m))
        return MAP_OK;
    if (__atomic_exchange_n(&m->writing, 1, __ATOMIC_ACQUIRE))
        return MAP_CONCURRENT;
    /* A reader that loaded the old store finishes with it; a range loop
     * loads the store at each step, so it ends here. */
    __atomic_store_n(&m->store, NULL, __ATOMIC_RELEASE);
    m->len = 0;
    __atomic_store_n(&m->writing, 0, __ATOMIC_RELEASE);
    return MAP_OK;
}

/* The cursor is an entry number in the current store. Deleting during
 * iteration only leaves tombstones, so positions hold; a rebuild keeps
 * positions when there are no tombstones (pure growth), so inserting during
 * iteration never skips an existing entry either. Only a rebuild that drops
 * tombstones, i.e. inserts after deletes within one loop, shifts positions:
 * the loop may then skip entries, but never reads outside a store. */
bool map_next(ObjMap *m, size_t *cursor, Value *key, Value *val)
{
    const MapStore *st = __atomic_load_n(&m->store, __ATOMIC_ACQUIRE);
    if (!st)
        return false;
    uint32_t used = __atomic_load_n(&st->used, __ATOMIC_ACQUIRE);
    if (used > st->cap)
        used = st->cap;
    for (size_t i = *cursor; i < used; i++) {
        const MapEntry *e = &st->entries[i];
        Value k = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
        if (k == V_UNDEF)
            continue;
        *key = k;
        *val = __atomic_load_n(&e->val, __ATOMIC_ACQUIRE);
        *cursor = i + 1;
        return true;
    }
    if (*cursor < used)
        *cursor = used;
    return false;
}
