/* race.c — the data-race detector: see race.h for what and how. */
#include "race.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "format.h"
#include "lock.h"
#include "mem.h"
#include "object.h"
#include "sched.h"
#include "vm.h"

bool race_on;

/* ---- epochs ------------------------------------------------------------
 * An epoch is one 64-bit word: the slot (8 bits), its clock (31 bits) and
 * the site of the access (24 bits). Clocks start at 1, so 0 is "none". In a
 * cell's read word, the top bit marks a pointer to a ReadSet instead. */
#define E_SITE_BITS 24
#define E_SITE_MASK ((UINT64_C(1) << E_SITE_BITS) - 1)
#define E_CLOCK_SHIFT E_SITE_BITS
#define E_CLOCK_MASK UINT64_C(0x7FFFFFFF)
#define E_SLOT_SHIFT 55
#define E_SHARED (UINT64_C(1) << 63)
#define E_MAX_CLOCK 0x7FFFFFF0u
#define E_MAX_SITES (1u << E_SITE_BITS)

static inline unsigned e_slot(uint64_t e)
{
    return (unsigned)((e >> E_SLOT_SHIFT) & 0xFF);
}
static inline uint32_t e_clock(uint64_t e)
{
    return (uint32_t)((e >> E_CLOCK_SHIFT) & E_CLOCK_MASK);
}
static inline uint32_t e_site(uint64_t e)
{
    return (uint32_t)(e & E_SITE_MASK);
}
static inline uint64_t e_make(unsigned slot, uint32_t clock)
{
    return ((uint64_t)slot << E_SLOT_SHIFT) | ((uint64_t)clock << E_CLOCK_SHIFT);
}

/* ---- per-goroutine state ---------------------------------------------- */

struct RaceClock {
    uint32_t n;
    uint32_t c[];
};

/* Slots. slot_lock guards the table; it is taken only when a goroutine
 * starts or ends. A slot's history names the goroutines that used it, so a
 * report can say which one made an old epoch. */
#define SLOT_HISTORY 8
typedef struct SlotUse {
    int64_t gid;    /* 0: none */
    uint32_t start; /* its first clock */
    bool shared;    /* another goroutine used the slot at the same time */
    bool finished;
    const ObjProto *created_proto; /* where it was started */
    const uint32_t *created_pc;
} SlotUse;
typedef struct Slot {
    int live;            /* goroutines using it now */
    uint32_t last_clock; /* the highest clock an ended user reached */
    SlotUse hist[SLOT_HISTORY];
    int nhist; /* uses recorded (ring) */
} Slot;
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static Slot slots[RACE_SLOTS]; /* slot_lock */
/* Where the search for a free slot starts: slot_lock. Slots are taken
 * round the table, not lowest first: a reused slot's new goroutine counts
 * on from the clock the old one reached, so it would take the old one's
 * accesses for its own; going round keeps that for goroutines started
 * RACE_SLOTS apart. */
static unsigned slot_next;

/* ---- shadow memory ------------------------------------------------------ */

typedef RaceCell Cell;

/* Reads by several goroutines with no order among them: one epoch per
 * slot. Changed under the cell's stripe lock. */
typedef struct ReadSet {
    uint32_t n, cap;
    uint64_t e[];
} ReadSet;

#define CHUNK_SHIFT RACE_CHUNK_SHIFT
#define CHUNK_CELLS ((size_t)1 << (CHUNK_SHIFT - 3))
#define DIR_ENTRIES ((size_t)1 << (47 - CHUNK_SHIFT))
/* DIR_ENTRIES chunk pointers, mmap'd by race_enable; each entry goes from
 * NULL to its chunk once, by compare-and-swap (cell_of), read with acquire. */
RaceCell *_Atomic *race_dir;
#define dir race_dir

#define NSTRIPES 4096
static Lock stripes[NSTRIPES];

static Cell *cell_of(const void *addr, bool make)
{
    uintptr_t a = (uintptr_t)addr;
    if (a >> 47)
        return NULL;
    size_t i = a >> CHUNK_SHIFT;
    Cell *chunk = atomic_load_explicit(&dir[i], memory_order_acquire);
    if (!chunk) {
        if (!make)
            return NULL;
        void *m = mmap(NULL, CHUNK_CELLS * sizeof(Cell), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED)
            csp_fatal("race detector: cannot map shadow memory");
        Cell *none = NULL;
        if (atomic_compare_exchange_strong(&dir[i], &none, (Cell *)m)) {
            chunk = m;
        } else {
            munmap(m, CHUNK_CELLS * sizeof(Cell));
            chunk = none;
        }
    }
    return &chunk[(a & (((size_t)1 << CHUNK_SHIFT) - 1)) >> 3];
}

static inline Lock *stripe_of(const Cell *c)
{
    return &stripes[((uintptr_t)c >> 4) & (NSTRIPES - 1)];
}

static void free_reads(uint64_t r)
{
    if (r & E_SHARED)
        free((void *)(uintptr_t)(r & ~E_SHARED));
}

/* Clear the cells of n words from c. The memory was free, so no
 * goroutine can touch it (or its cells) now: plain loads and stores. A
 * block of cells all zero, the common case (memory fresh from the system,
 * or never checked), is skipped after one pass the compiler vectorizes. */
static void clear_cells(Cell *c, size_t n)
{
    uint64_t *words = (uint64_t *)c;
    for (size_t at = 0; at < n; at += 64) {
        size_t m = n - at < 64 ? n - at : 64;
        uint64_t *blk = words + 2 * at, any = 0;
        for (size_t k = 0; k < 2 * m; k++)
            any |= blk[k];
        if (!any)
            continue;
        for (size_t k = 0; k < m; k++)
            free_reads(blk[2 * k + 1]);
        memset(blk, 0, 2 * m * sizeof(uint64_t));
    }
}

void race_clear(void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p & ~(uintptr_t)7, end = (uintptr_t)p + n;
    while (a < end) {
        uintptr_t chunk_end = ((a >> CHUNK_SHIFT) + 1) << CHUNK_SHIFT;
        uintptr_t stop = end < chunk_end ? end : chunk_end;
        Cell *c = cell_of((void *)a, false);
        if (c)
            clear_cells(c, (stop - a + 7) / 8);
        a = stop;
    }
}

/* ---- sites -------------------------------------------------------------- */

typedef struct Site {
    RaceKind kind;
    const char *name, *func, *file;
    int line;
} Site;
#define SITE_CHUNK 4096
/* Sites are added under site_lock and never change after: a chunk pointer
 * and nsites are stored (atomically) once the site is filled in, so a
 * reader that sees an id below nsites reads a whole site without the lock. */
static Site *_Atomic site_chunks[E_MAX_SITES / SITE_CHUNK];
static _Atomic uint32_t nsites = 1; /* 0 is "none" */
static pthread_mutex_t site_lock = PTHREAD_MUTEX_INITIALIZER;

static char *dupstr(const char *s)
{
    return s ? strdup(s) : NULL;
}

uint32_t race_site(RaceKind kind, const char *name, const char *func, const char *file, int line)
{
    pthread_mutex_lock(&site_lock);
    uint32_t id = atomic_load(&nsites);
    if (id >= E_MAX_SITES) {
        pthread_mutex_unlock(&site_lock);
        return 0; /* past 16M sites: the rest goes unchecked */
    }
    Site *chunk = atomic_load(&site_chunks[id / SITE_CHUNK]);
    if (!chunk) {
        chunk = calloc(SITE_CHUNK, sizeof *chunk);
        if (!chunk)
            csp_fatal("race detector: out of memory");
        atomic_store(&site_chunks[id / SITE_CHUNK], chunk);
    }
    Site *s = &chunk[id % SITE_CHUNK];
    s->kind = kind;
    s->name = dupstr(name);
    s->func = dupstr(func);
    s->file = dupstr(file);
    s->line = line;
    atomic_store(&nsites, id + 1);
    pthread_mutex_unlock(&site_lock);
    return id;
}

static const Site *site_get(uint32_t id)
{
    if (id == 0 || id >= atomic_load(&nsites))
        return NULL;
    Site *chunk = atomic_load(&site_chunks[id / SITE_CHUNK]);
    return chunk ? &chunk[id % SITE_CHUNK] : NULL;
}

uint32_t race_caller_site(Thread *t)
{
    if (!t || t->nframes == 0)
        return 0;
    const Frame *f = &t->frames[t->nframes - 1];
    if (!f->cl || !f->pc)
        return 0;
    const ObjProto *p = f->cl->proto;
    ptrdiff_t i = f->pc - p->code - 1;
    if (!p->race_sites || i < 0 || i >= p->ncode)
        return 0;
    return p->race_sites[i];
}

/* ---- clocks ------------------------------------------------------------- */

static RaceG *rg_of(Thread *t)
{
    return t ? t->race : NULL;
}

static void rg_tick(RaceG *g)
{
    uint32_t c = ++g->vc[g->slot];
    if (c >= E_MAX_CLOCK) {
        /* Two billion sync operations on one slot: epochs no longer fit.
         * Stop checking rather than report nonsense. */
        if (RACE_ON()) {
            __atomic_store_n(&race_on, false, __ATOMIC_RELAXED);
            fprintf(stderr, "race detector: clock overflow; no more races are checked\n");
        }
    }
    g->epoch = e_make(g->slot, c);
}

static RaceClock *clock_alloc(uint32_t n)
{
    RaceClock *c = mem_alloc_atomic(sizeof *c + (size_t)n * sizeof(uint32_t));
    c->n = n;
    memset(c->c, 0, (size_t)n * sizeof(uint32_t));
    return c;
}

/* Make *sc hold at least n entries. */
static RaceClock *clock_fit(RaceClock **sc, uint32_t n)
{
    RaceClock *c = *sc;
    if (c && c->n >= n)
        return c;
    uint32_t cap = n < 8 ? 8 : n;
    if (cap < RACE_SLOTS && cap < (c ? c->n * 2 : 0))
        cap = c->n * 2 < RACE_SLOTS ? c->n * 2 : RACE_SLOTS;
    RaceClock *nc = clock_alloc(cap);
    if (c)
        memcpy(nc->c, c->c, (size_t)c->n * sizeof(uint32_t));
    *sc = nc;
    return nc;
}

static void join_into_g(RaceG *g, const uint32_t *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (c[i] > g->vc[i])
            g->vc[i] = c[i];
    if (n > g->n)
        g->n = n;
    g->epoch = e_make(g->slot, g->vc[g->slot]);
}

void race_acquire(Thread *t, RaceClock **sc)
{
    RaceG *g = rg_of(t);
    if (!g || !*sc)
        return;
    join_into_g(g, (*sc)->c, (*sc)->n);
}

void race_release(Thread *t, RaceClock **sc)
{
    RaceG *g = rg_of(t);
    if (!g)
        return;
    RaceClock *c = clock_fit(sc, g->n);
    for (uint32_t i = 0; i < g->n; i++)
        if (g->vc[i] > c->c[i])
            c->c[i] = g->vc[i];
    rg_tick(g);
}

void race_acqrel(Thread *t, RaceClock **sc)
{
    RaceG *g = rg_of(t);
    if (!g)
        return;
    RaceClock *c = clock_fit(sc, g->n);
    /* after both, each holds the join of the two */
    uint32_t n = c->n > g->n ? c->n : g->n;
    if (n > RACE_SLOTS)
        n = RACE_SLOTS;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t m = g->vc[i] > c->c[i] ? g->vc[i] : c->c[i];
        g->vc[i] = m;
        c->c[i] = m;
    }
    g->n = n;
    rg_tick(g);
}

void race_sync(Thread *a, Thread *b)
{
    RaceG *ga = rg_of(a), *gb = rg_of(b);
    if (ga && gb) {
        uint32_t n = ga->n > gb->n ? ga->n : gb->n;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t m = ga->vc[i] > gb->vc[i] ? ga->vc[i] : gb->vc[i];
            ga->vc[i] = gb->vc[i] = m;
        }
        ga->n = gb->n = n;
        rg_tick(ga);
        rg_tick(gb);
    } else if (ga) {
        rg_tick(ga);
    } else if (gb) {
        rg_tick(gb);
    }
}

RaceClock *race_snapshot(Thread *t)
{
    RaceG *g = rg_of(t);
    if (!g)
        return NULL;
    RaceClock *c = clock_alloc(g->n);
    memcpy(c->c, g->vc, (size_t)g->n * sizeof(uint32_t));
    rg_tick(g);
    return c;
}

/* Atomics: a clock per address, in a hash table under one lock (atomics
 * on many distinct addresses are rare). An entry outlives its memory: a
 * stale clock can only add order, so it can hide a race, never invent one. */
typedef struct AtomicEntry {
    const void *addr;
    RaceClock *clock;
} AtomicEntry;
static AtomicEntry *atomics;        /* atomics_lock; GC_MALLOC_UNCOLLECTABLE: scanned, kept */
static size_t natomics, capatomics; /* atomics_lock */
static Lock atomics_lock;

void race_atomic(Thread *t, const void *addr)
{
    if (!rg_of(t))
        return;
    lock_acquire(&atomics_lock);
    if (natomics * 2 >= capatomics) {
        size_t cap = capatomics ? capatomics * 2 : 256;
        AtomicEntry *n = GC_MALLOC_UNCOLLECTABLE(cap * sizeof *n);
        if (!n)
            mem_out_of_memory();
        memset(n, 0, cap * sizeof *n);
        for (size_t i = 0; i < capatomics; i++) {
            if (!atomics[i].addr)
                continue;
            size_t h = ((uintptr_t)atomics[i].addr >> 3) * 0x9E3779B97F4A7C15u % cap;
            while (n[h].addr)
                h = (h + 1) % cap;
            n[h] = atomics[i];
        }
        if (atomics)
            GC_FREE(atomics);
        atomics = n;
        capatomics = cap;
    }
    size_t h = ((uintptr_t)addr >> 3) * 0x9E3779B97F4A7C15u % capatomics;
    while (atomics[h].addr && atomics[h].addr != addr)
        h = (h + 1) % capatomics;
    if (!atomics[h].addr) {
        atomics[h].addr = addr;
        natomics++;
    }
    race_acqrel(t, &atomics[h].clock);
    lock_release(&atomics_lock);
}

static RaceClock *io_clock; /* io_lock */
static Lock io_lock;

static Thread *self_or(Thread *t)
{
    if (t)
        return t;
    G *g = sched_getg();
    return g ? g->vm : NULL;
}

void race_io_write(Thread *t)
{
    t = self_or(t);
    if (!rg_of(t))
        return;
    lock_acquire(&io_lock);
    race_release(t, &io_clock);
    lock_release(&io_lock);
}

void race_io_read(Thread *t)
{
    t = self_or(t);
    if (!rg_of(t))
        return;
    lock_acquire(&io_lock);
    race_acquire(t, &io_clock);
    lock_release(&io_lock);
}

/* ---- goroutines --------------------------------------------------------- */

static void slot_record(unsigned s, Thread *t, uint32_t start)
{
    Slot *sl = &slots[s];
    SlotUse *u = &sl->hist[sl->nhist++ % SLOT_HISTORY];
    G *g = t->sched;
    u->gid = t->id;
    u->start = start;
    u->shared = sl->live > 1;
    u->finished = false;
    u->created_proto = g ? g->created_proto : NULL;
    u->created_pc = g ? g->created_pc : NULL;
    if (sl->live > 1)
        for (int i = 0; i < SLOT_HISTORY; i++)
            if (sl->hist[i].gid && !sl->hist[i].finished)
                sl->hist[i].shared = true;
}

void race_go(Thread *parent, Thread *child, const RaceClock *from)
{
    if (!RACE_ON())
        return;
    RaceG *g = child->race;
    if (!g) {
        g = calloc(1, sizeof *g);
        if (!g)
            csp_fatal("race detector: out of memory");
        child->race = g;
    }
    RaceG *pg = rg_of(parent);
    memset(g->vc, 0, sizeof g->vc);
    g->n = 0;
    if (pg) {
        memcpy(g->vc, pg->vc, (size_t)pg->n * sizeof(uint32_t));
        g->n = pg->n;
    } else if (from) {
        memcpy(g->vc, from->c, (size_t)from->n * sizeof(uint32_t));
        g->n = from->n;
    }
    pthread_mutex_lock(&slot_lock);
    unsigned s = slot_next % RACE_SLOTS; /* none free: share the next one */
    for (unsigned i = 0; i < RACE_SLOTS; i++)
        if (slots[(slot_next + i) % RACE_SLOTS].live == 0) {
            s = (slot_next + i) % RACE_SLOTS;
            break;
        }
    slot_next = s + 1;
    slots[s].live++;
    uint32_t start = slots[s].last_clock + 1;
    if (g->vc[s] >= start)
        start = g->vc[s] + 1;
    g->slot = s;
    g->vc[s] = start;
    if (g->n <= s)
        g->n = s + 1;
    g->epoch = e_make(s, start);
    slot_record(s, child, start);
    pthread_mutex_unlock(&slot_lock);
    if (pg)
        rg_tick(pg);
}

void race_goexit(Thread *t)
{
    RaceG *g = rg_of(t);
    if (!g)
        return;
    pthread_mutex_lock(&slot_lock);
    Slot *sl = &slots[g->slot];
    sl->live--;
    if (g->vc[g->slot] > sl->last_clock)
        sl->last_clock = g->vc[g->slot];
    for (int i = 0; i < SLOT_HISTORY; i++)
        if (sl->hist[i].gid == t->id)
            sl->hist[i].finished = true;
    pthread_mutex_unlock(&slot_lock);
    t->race = NULL;
    free(g);
}

/* The goroutine that made epoch e, as the slot's history knows it. */
static bool slot_user(uint64_t e, SlotUse *out)
{
    unsigned s = e_slot(e);
    uint32_t c = e_clock(e);
    bool found = false;
    pthread_mutex_lock(&slot_lock);
    const Slot *sl = &slots[s];
    for (int i = 0; i < SLOT_HISTORY; i++) {
        const SlotUse *u = &sl->hist[i];
        if (u->gid && u->start <= c && (!found || u->start > out->start)) {
            *out = *u;
            found = true;
        }
    }
    pthread_mutex_unlock(&slot_lock);
    return found && !out->shared;
}

/* ---- reports ------------------------------------------------------------ */

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int nraces; /* races reported; added to under report_lock, read anywhere */
typedef struct LinePair {
    const char *fa, *fb;
    int la, lb;
} LinePair;
static LinePair *reported;            /* report_lock: the pairs of lines reported */
static size_t nreported, capreported; /* report_lock */

static bool same_file(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether the pair of lines was reported already (either order); records
 * it if not. report_lock held. */
static bool seen_pair(const Site *a, const Site *b)
{
    for (size_t i = 0; i < nreported; i++) {
        const LinePair *p = &reported[i];
        if ((p->la == a->line && p->lb == b->line && same_file(p->fa, a->file) &&
             same_file(p->fb, b->file)) ||
            (p->la == b->line && p->lb == a->line && same_file(p->fa, b->file) && same_file(p->fb, a->file)))
            return true;
    }
    if (nreported == capreported) {
        size_t cap = capreported ? capreported * 2 : 16;
        LinePair *n = realloc(reported, cap * sizeof *n);
        if (!n)
            return false;
        reported = n;
        capreported = cap;
    }
    reported[nreported++] = (LinePair){a->file, b->file, a->line, b->line};
    return false;
}

static const char *path_or_unknown(const char *path)
{
    return path ? path : "?";
}

static void what(Buf *b, const Site *s, int kind, Value detail, bool write, bool previous)
{
    const char *verb = write ? (previous ? "Previous write to " : "Write to ")
                             : (previous ? "Previous read of " : "Read of ");
    buf_adds(b, verb);
    const char *name = s && s->name ? s->name : "?";
    if (kind < 0)
        kind = s ? (int)s->kind : RACE_VAR;
    switch ((RaceKind)kind) {
    case RACE_VAR:
        buf_printf(b, "variable %s", name);
        break;
    case RACE_FIELD:
        buf_printf(b, "field %s", name);
        break;
    case RACE_ELEM:
        if (v_is_int(detail)) {
            buf_printf(b, "element %lld of %s", (long long)v_int(detail), name);
        } else {
            buf_printf(b, "an element of %s", name);
        }
        break;
    case RACE_MAP:
        if (!previous && v_is_int(detail)) {
            buf_printf(b, "map %s, key %lld", name, (long long)v_int(detail));
        } else if (!previous && v_is_str(detail)) {
            buf_printf(b, "map %s, key \"", name);
            buf_add(b, v_str(detail)->data, v_str(detail)->len);
            buf_addc(b, '"');
        } else {
            buf_printf(b, "map %s", name);
        }
        break;
    case RACE_DEREF:
        buf_printf(b, "*%s", name);
        break;
    case RACE_CALL: {
        /* name is copy, dst, src (RACE_NAME_SEP between): a read is of
         * the second argument (copy's source), a write of the first */
        const char *a0 = strchr(name, RACE_NAME_SEP);
        const char *a1 = a0 ? strchr(a0 + 1, RACE_NAME_SEP) : NULL;
        int fn_len = a0 ? (int)(a0 - name) : (int)strlen(name);
        const char *arg = !write && a1 ? a1 + 1 : a0 ? a0 + 1 : "?";
        int arg_len = !write && a1 ? (int)strlen(arg) : a1 ? (int)(a1 - arg) : (int)strlen(arg);
        if (v_is_int(detail))
            buf_printf(b, "element %lld of %.*s in %.*s()", (long long)v_int(detail), arg_len, arg, fn_len,
                       name);
        else
            buf_printf(b, "map %.*s in %.*s()", arg_len, arg, fn_len, name);
        break;
    }
    }
}

static void stack_of(Buf *b, Thread *t, const Site *top)
{
    bool first = true;
    for (int i = t->nframes - 1; i >= 0; i--) {
        const Frame *f = &t->frames[i];
        if (!f->cl)
            continue;
        const ObjProto *p = f->cl->proto;
        buf_adds(b, "  ");
        vm_fn_name(b, v_from_ptr((ObjProto *)p));
        buf_adds(b, "()  ");
        const char *file = p->file ? p->file->data : "?";
        int line = first && top ? top->line : vm_proto_line(p, f->pc);
        buf_printf(b, "%s:%d\n", path_or_unknown(file), line);
        first = false;
    }
}

static void created_at(Buf *b, int64_t gid, bool running, const ObjProto *proto, const uint32_t *pc)
{
    if (!proto)
        return;
    buf_printf(b, "\nGoroutine %lld (%s) created at:  ", (long long)gid, running ? "running" : "finished");
    vm_fn_name(b, v_from_ptr((ObjProto *)proto));
    buf_printf(b, "()  %s:%d\n", path_or_unknown(proto->file ? proto->file->data : NULL),
               vm_proto_line(proto, pc));
}

/* " by goroutine 7:", " by main goroutine:" as Go says it. */
static void by_goroutine(Buf *b, int64_t gid)
{
    if (gid == 1)
        buf_adds(b, " by main goroutine:\n");
    else
        buf_printf(b, " by goroutine %lld:\n", (long long)gid);
}

static void report(Thread *t, uint32_t site, bool write, Value detail, uint64_t prev, bool prev_write,
                   int kind)
{
    const Site *cur = site_get(site), *old = site_get(e_site(prev));
    if (!cur || !old)
        return;
    pthread_mutex_lock(&report_lock);
    if (seen_pair(cur, old)) {
        pthread_mutex_unlock(&report_lock);
        return;
    }
    atomic_fetch_add(&nraces, 1);
    SlotUse u = {0};
    bool known = slot_user(prev, &u);
    Buf b;
    buf_init(&b);
    buf_adds(&b, "==================\nWARNING: DATA RACE\n");
    /* A map reached through an index instruction is named as a map, in
     * both lines: the location is the same. */
    bool is_map = kind == RACE_MAP;
    what(&b, cur, is_map && cur->kind != RACE_CALL ? RACE_MAP : -1, detail, write, false);
    by_goroutine(&b, t->id);
    stack_of(&b, t, cur);
    buf_adds(&b, "\n");
    Value old_detail = is_map ? V_UNDEF : old->kind == RACE_ELEM || old->kind == RACE_CALL ? detail : V_UNDEF;
    what(&b, old, is_map && old->kind != RACE_CALL ? RACE_MAP : -1,
         is_map && old->kind == RACE_CALL ? V_NIL : old_detail, prev_write, true);
    if (known)
        by_goroutine(&b, u.gid);
    else
        buf_adds(&b, " by another goroutine:\n");
    buf_adds(&b, "  ");
    buf_adds(&b, old->func ? old->func : "?");
    buf_printf(&b, "()  %s:%d\n", path_or_unknown(old->file), old->line);
    G *g = t->sched;
    if (g)
        created_at(&b, t->id, true, g->created_proto, g->created_pc);
    if (known && u.gid != t->id)
        created_at(&b, u.gid, !u.finished, u.created_proto, u.created_pc);
    buf_adds(&b, "==================\n");
    pthread_mutex_unlock(&report_lock);
    rt_flush(t->rt);
    fwrite(b.data, 1, b.len, stderr);
    fflush(stderr);
}

/* ---- accesses ----------------------------------------------------------- */

/* Whether epoch e (a write or one read) is ordered before g's present. */
static inline bool seen(const RaceG *g, uint64_t e)
{
    return e_clock(e) <= g->vc[e_slot(e)];
}

static inline bool same_epoch(uint64_t a, uint64_t b)
{
    return (a & ~E_SITE_MASK) == (b & ~E_SITE_MASK);
}

/* The cell protocol. A cell's words change in two ways: a first access
 * (the word is 0) takes it with a compare-and-swap and no lock; anything
 * else happens under the cell's stripe lock. A reader stores its epoch
 * before it loads the write word, and a writer stores its epoch before it
 * loads the read word (sequentially consistent, as Dekker's algorithm): of
 * a read and a write racing at the same moment, at least one sees the
 * other. Only the 0 -> epoch step is lock-free, so under the lock a word
 * that is not 0 changes only by the lock holder. */

/* Record this read in the read word (stripe lock held). */
static void record_read(Cell *c, const RaceG *g, uint64_t mine)
{
    uint64_t r = atomic_load(&c->r);
    if (r == 0) {
        if (atomic_compare_exchange_strong(&c->r, &r, mine))
            return;
        /* a lock-free first reader got there: r is its epoch now */
    }
    if (!(r & E_SHARED)) {
        if (seen(g, r) || e_slot(r) == g->slot) {
            atomic_store(&c->r, mine);
            return;
        }
        ReadSet *rs = malloc(sizeof *rs + 4 * sizeof(uint64_t));
        if (!rs) {
            atomic_store(&c->r, mine); /* out of memory: keep the newer read */
            return;
        }
        rs->cap = 4;
        rs->n = 2;
        rs->e[0] = r;
        rs->e[1] = mine;
        atomic_store(&c->r, E_SHARED | (uint64_t)(uintptr_t)rs);
        return;
    }
    ReadSet *rs = (ReadSet *)(uintptr_t)(r & ~E_SHARED);
    uint32_t i = 0;
    while (i < rs->n && e_slot(rs->e[i]) != g->slot)
        i++;
    if (i < rs->n) {
        rs->e[i] = mine;
        atomic_store(&c->r, r); /* (the store that orders this read first) */
        return;
    }
    if (rs->n == rs->cap) {
        ReadSet *n = realloc(rs, sizeof *rs + (size_t)rs->cap * 2 * sizeof(uint64_t));
        if (!n)
            return;
        n->cap *= 2;
        rs = n;
    }
    rs->e[rs->n++] = mine;
    atomic_store(&c->r, E_SHARED | (uint64_t)(uintptr_t)rs);
}

static void access_read(Thread *t, const void *addr, uint32_t site, Value detail, int kind)
{
    RaceG *g = t->race;
    Cell *c = cell_of(addr, true);
    if (!c)
        return;
    uint64_t me = g->epoch, mine = me | site;
    uint64_t r = atomic_load_explicit(&c->r, memory_order_relaxed);
    if ((!(r & E_SHARED) && same_epoch(r, me)) ||
        same_epoch(atomic_load_explicit(&c->w, memory_order_relaxed), me))
        return;
    uint64_t w;
    if (r == 0 && atomic_compare_exchange_strong(&c->r, &r, mine)) {
        w = atomic_load(&c->w); /* after the store: see above */
    } else {
        Lock *l = stripe_of(c);
        lock_acquire(l);
        record_read(c, g, mine);
        w = atomic_load(&c->w);
        lock_release(l);
    }
    if (w && !seen(g, w))
        report(t, site, false, detail, w, true, kind);
}

/* The first read of the set (or the read epoch) that g has not seen. */
static uint64_t unseen_read(const RaceG *g, uint64_t r)
{
    if (!(r & E_SHARED))
        return r && !seen(g, r) ? r : 0;
    const ReadSet *rs = (const ReadSet *)(uintptr_t)(r & ~E_SHARED);
    for (uint32_t i = 0; i < rs->n; i++)
        if (!seen(g, rs->e[i]))
            return rs->e[i];
    return 0;
}

static void access_write(Thread *t, const void *addr, uint32_t site, Value detail, int kind)
{
    RaceG *g = t->race;
    Cell *c = cell_of(addr, true);
    if (!c)
        return;
    uint64_t me = g->epoch, mine = me | site;
    uint64_t w = atomic_load_explicit(&c->w, memory_order_relaxed);
    if (same_epoch(w, me))
        return;
    uint64_t racing = 0;
    bool racing_write = false;
    if (w == 0 && atomic_compare_exchange_strong(&c->w, &w, mine)) {
        /* the first write: only reads can race it */
        uint64_t r = atomic_load(&c->r);
        if (r) {
            Lock *l = stripe_of(c);
            lock_acquire(l);
            racing = unseen_read(g, atomic_load(&c->r));
            lock_release(l);
        }
    } else {
        Lock *l = stripe_of(c);
        lock_acquire(l);
        uint64_t old = atomic_exchange(&c->w, mine); /* before the read word: see above */
        if (old && !seen(g, old)) {
            racing = old;
            racing_write = true;
        }
        uint64_t r = atomic_load(&c->r);
        if (!racing)
            racing = unseen_read(g, r);
        ReadSet *rs = NULL;
        if (r & E_SHARED) {
            /* FastTrack: after a write ordered after every read, only it
             * counts; a read set goes back to one epoch */
            rs = (ReadSet *)(uintptr_t)(r & ~E_SHARED);
            atomic_store(&c->r, 0);
        }
        lock_release(l);
        free(rs);
    }
    if (racing)
        report(t, site, true, detail, racing, racing_write, kind);
}

void race_read_slow(Thread *t, const void *addr, uint32_t site, Value detail)
{
    if (RACE_ON())
        access_read(t, addr, site, detail, -1);
}

void race_write_slow(Thread *t, const void *addr, uint32_t site, Value detail)
{
    if (RACE_ON())
        access_write(t, addr, site, detail, -1);
}

void race_map_read(Thread *t, const void *map, uint32_t site, Value key)
{
    if (site && t->race && RACE_ON())
        access_read(t, map, site, key, RACE_MAP);
}

void race_map_write(Thread *t, const void *map, uint32_t site, Value key)
{
    if (site && t->race && RACE_ON())
        access_write(t, map, site, key, RACE_MAP);
}

void race_list(Thread *t, ObjList *l, size_t from, size_t n, bool write, uint32_t site)
{
    if (!site || !t->race || !RACE_ON())
        return;
    for (size_t i = from; i < from + n; i++) {
        Value *at = list_slot(l, (int64_t)i);
        if (!at)
            break;
        if (write)
            race_write(t, at, site, v_int_small((int64_t)i));
        else
            race_read(t, at, site, v_int_small((int64_t)i));
    }
}

/* n words from addr, read by one instruction (append's copy, copy's
 * source, *p of a struct): each as race_read checks it. */
void race_read_range(Thread *t, const void *addr, size_t n, uint32_t site)
{
    if (!RACE_ON())
        return;
    const Value *p = addr;
    for (size_t i = 0; i < n; i++)
        race_read(t, p + i, site, v_int_small((int64_t)i));
}

void race_fresh_write(Thread *t, const void *addr, size_t n, uint32_t site)
{
    RaceG *g = t->race;
    if (!site || !g || !RACE_ON())
        return;
    const Value *p = addr;
    uint64_t mine = g->epoch | site;
    size_t i = 0;
    while (i < n) {
        Cell *c = cell_of(p + i, true);
        if (!c)
            return;
        uintptr_t chunk_end = (((uintptr_t)(p + i) >> CHUNK_SHIFT) + 1) << CHUNK_SHIFT;
        size_t in_chunk = (chunk_end - (uintptr_t)(p + i)) / 8;
        size_t stop = n - i < in_chunk ? n : i + in_chunk;
        /* no lock and no compare: the cells were cleared at the
         * allocation and only t knows the memory (relaxed atomic stores:
         * others read the cells once the slice is theirs) */
        for (size_t k = 0; k < stop - i; k++) {
            atomic_store_explicit(&c[k].w, mine, memory_order_relaxed);
            atomic_store_explicit(&c[k].r, 0, memory_order_relaxed);
        }
        i = stop;
    }
}

void race_write_range(Thread *t, const void *addr, size_t n, uint32_t site)
{
    if (!RACE_ON())
        return;
    const Value *p = addr;
    for (size_t i = 0; i < n; i++)
        race_write(t, p + i, site, v_int_small((int64_t)i));
}

/* ---- start and end ------------------------------------------------------ */

static void alloc_hook(void *p, size_t n)
{
    race_clear(p, n);
}

void race_enable(void)
{
    if (RACE_ON())
        return;
    if (!dir) {
        void *m = mmap(NULL, DIR_ENTRIES * sizeof(Cell *), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED)
            csp_fatal("race detector: cannot map its shadow directory");
        dir = m;
    }
    __atomic_store_n(&mem_alloc_hook, alloc_hook, __ATOMIC_RELAXED);
    __atomic_store_n(&race_on, true, __ATOMIC_RELAXED);
}

int race_count(void)
{
    return atomic_load(&nraces);
}

int race_exit_code(int code)
{
    int n = atomic_load(&nraces);
    if (n == 0)
        return code;
    fprintf(stderr, "Found %d data race(s)\n", n);
    fflush(stderr);
    return code == 0 ? 66 : code;
}
