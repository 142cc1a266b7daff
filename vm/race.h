/* race.h — the data-race detector behind `csp -race` (CSPRACE=1, the REPL's
 * `:race on`).
 *
 * What it finds: two accesses to one location, at least one a write, by two
 * goroutines, with nothing ordering them in Go's memory model. Order comes
 * only from happens-before edges: a go statement before the goroutine's
 * first step; a channel send before the receive that gets its value (an
 * unbuffered channel's receive before that send completes too, and a
 * buffered channel's k-th receive before its (k+cap)-th send completes);
 * close before a receive that sees it; Unlock before the next Lock (RWMutex
 * likewise); WaitGroup.Done before the Wait it releases; Once's function
 * before every Do returns; Cond.Signal/Broadcast before the Wait it wakes;
 * atomic operations on one address in their order. time.Sleep orders
 * nothing.
 *
 * How (FastTrack, Flanagan & Freund): each goroutine has a vector clock
 * (what it knows of every other's progress) and its own clock, which ticks
 * at each release. Each location remembers its last write as an epoch
 * (slot, clock) and its reads as one epoch, or, once two goroutines read it
 * unordered, one epoch per reader. An access checks the location's epochs
 * against the goroutine's clock: an epoch the goroutine has not seen is a
 * race. Each sync object (a channel's slots, a mutex...) holds the clock of
 * its last release, which the next acquire joins.
 *
 * Slots: a clock has RACE_SLOTS entries. A goroutine takes a free slot when
 * it starts (going round the table) and gives it back when it ends; the
 * next owner's clock starts above every clock the slot has used, so old
 * epochs keep their meaning, though the new owner takes its predecessor's
 * accesses for its own. With more goroutines alive than slots, several
 * share one. Either way races can go unseen, never the reverse: no false
 * report.
 *
 * Locations are addresses: a global's slot, a captured variable's cell, a
 * struct field, a slice or array element, and a map as one location (any
 * write to a map races with any other access to it, as in Go). Each 8-byte
 * word has a shadow cell at a fixed place in a directory of shadow chunks
 * (mmap'd, not seen by the collector); every allocation clears its range's
 * cells, so reused memory starts clean.
 *
 * Sites: the compiler gives every instrumented instruction a site (what it
 * names and where: "variable balance", main.deposit, bank.csp:14); an epoch
 * carries its site, so a report names both accesses.
 *
 * Cells: a first access takes a cell's word with a compare-and-swap; the
 * rest happens under one of NSTRIPES locks (race.c). Reports are made
 * outside the locks, one per pair of source lines.
 *
 * Cost: the interpreter runs a second copy of its loop with the checks
 * compiled in, chosen when a goroutine's loop starts: without -race the
 * only cost is one test per allocation (mem.h) and per sync operation.
 */
#ifndef CSP_RACE_H
#define CSP_RACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "value.h"
#include "vm.h"

struct Thread;
struct ObjList;

#define RACE_SLOTS 256

/* What an access names, for the report. */
typedef enum {
    RACE_VAR,   /* a variable: a global or a captured local */
    RACE_FIELD, /* a struct field: name is "x.f" or "f" */
    RACE_ELEM,  /* an element: name is the slice or array's text */
    RACE_MAP,   /* a map: name is the map's text */
    RACE_DEREF, /* *p: name is p's text */
    RACE_CALL,  /* a builtin touching memory (copy, delete, clear): name is
                   the builtin, then its first two arguments' text, each
                   after a RACE_NAME_SEP */
} RaceKind;

#define RACE_NAME_SEP '\x1f' /* (a unit separator: no source text has one) */

/* Whether the detector is on: set at start-up (csp -race) or by the REPL's
 * :race, cleared by :race off or a clock overflow, possibly while
 * goroutines run. Relaxed atomic loads and stores (RACE_ON()): a thread
 * that sees the old value checks, or skips, one access more, which can
 * miss a race but never invent one. */
extern bool race_on;
#define RACE_ON() __builtin_expect(__atomic_load_n(&race_on, __ATOMIC_RELAXED), 0)

/* Turn the detector on (idempotent): the shadow directory, main's slot. */
void race_enable(void);

/* A site for the compiler: what an instruction touches and where. Returns
 * its id (never 0: 0 means "not instrumented"). Thread-safe. */
uint32_t race_site(RaceKind kind, const char *name, const char *func, const char *file, int line);

/* ---- accesses (the interpreter's checking loop, and natives) ---- */

/* addr: the location's word. site: from the instruction (0: skip). detail:
 * for the report only: an element's index or a map's key (V_UNDEF: none).
 * Inline below: the common case (the goroutine touched the word already in
 * this epoch) costs a few loads. */
static inline void race_read(struct Thread *t, const void *addr, uint32_t site, Value detail);
static inline void race_write(struct Thread *t, const void *addr, uint32_t site, Value detail);
/* n consecutive words (copy, append, a struct copied whole). */
void race_read_range(struct Thread *t, const void *addr, size_t n, uint32_t site);
void race_write_range(struct Thread *t, const void *addr, size_t n, uint32_t site);
/* A map as one location, as Go's detector sees maps: key (V_UNDEF: none)
 * names the entry in the report. */
void race_map_read(struct Thread *t, const void *map, uint32_t site, Value key);
void race_map_write(struct Thread *t, const void *map, uint32_t site, Value key);
/* Elements [from, from+n) of a slice, for natives (copy, clear). */
void race_list(struct Thread *t, struct ObjList *l, size_t from, size_t n, bool write, uint32_t site);
/* The site of the instruction that called the running native (a CALL the
 * compiler instrumented), 0 when none. */
uint32_t race_caller_site(struct Thread *t);

/* n words of memory just allocated by t, which t filled (no other
 * goroutine can have them yet): its writes, recorded without checks. */
void race_fresh_write(struct Thread *t, const void *addr, size_t n, uint32_t site);

/* Fresh memory: forget every cell of [p, p+n) (mem.h's allocation hook). */
void race_clear(void *p, size_t n);

/* ---- happens-before ---- */

/* A sync object's clock: a field (initially NULL) of the object, guarded by
 * the object's own lock (or its own atomicity for atomics). The clock is
 * allocated by the collector, so the field must be in scanned memory. */
typedef struct RaceClock RaceClock;

/* t joins what the object's releases published. */
void race_acquire(struct Thread *t, RaceClock **sc);
/* The object gets what t knows; t's clock ticks. */
void race_release(struct Thread *t, RaceClock **sc);
/* Both, as a read-modify-write (atomics, a buffered channel's slot). */
void race_acqrel(struct Thread *t, RaceClock **sc);
/* An unbuffered hand-off: each of a, b learns what the other knows. The
 * caller holds the lock the parked one waits under. */
void race_sync(struct Thread *a, struct Thread *b);
/* For the lock-free atomics: acquire+release on a clock kept for addr. */
void race_atomic(struct Thread *t, const void *addr);
/* Reads and writes of files and sockets, as Go's syscall package treats
 * them: a write releases into one clock for all I/O, a read acquires it (a
 * message that went out and came back orders what was done before it).
 * t NULL: the running goroutine. */
void race_io_write(struct Thread *t);
void race_io_read(struct Thread *t);
/* A native method of an atomic type (atomic.Int64's Add, sync.Atomic's
 * Load...) as fn##_r: fn with the order of race_atomic around the
 * operation on addr, released to before and acquired from after, so a load
 * that sees a store sees what came before the store. */
#define RACE_ATOMIC_METHOD(fn, addr)                                                                         \
    static int fn##_r(Thread *t, Value *a, int n, Value *r)                                                  \
    {                                                                                                        \
        if (RACE_ON())                                                                                       \
            race_atomic(t, addr);                                                                            \
        int rc_ = fn(t, a, n, r);                                                                            \
        if (RACE_ON())                                                                                       \
            race_atomic(t, addr);                                                                            \
        return rc_;                                                                                          \
    }

/* A snapshot of t's clock for an event that runs later without t (a
 * timer's function): race_go_from gives it to the goroutine it starts. */
RaceClock *race_snapshot(struct Thread *t);

/* Goroutines: the child starts knowing what the parent knew (parent NULL:
 * nothing, as a timer's callback started from the monitor; from: a
 * snapshot instead); the parent's clock ticks. */
void race_go(struct Thread *parent, struct Thread *child, const RaceClock *from);
void race_goexit(struct Thread *t);

/* ---- the inline fast path (race.c owns these) ---- */

/* A goroutine's vector clock. Owned by its goroutine; while it is parked,
 * the one that wakes it may update it under the lock it waits under (a
 * channel's), which orders those writes before it runs again. */
typedef struct RaceG {
    unsigned slot;
    uint32_t n;     /* entries of vc in use: the ones above are 0 */
    uint64_t epoch; /* its slot and clock as an epoch (race.c), kept in step */
    uint32_t vc[RACE_SLOTS];
} RaceG;

/* The shadow of one 8-byte word: the last write's epoch, and the last
 * read's (or a pointer to the reads of several goroutines). */
typedef struct RaceCell {
    _Atomic uint64_t w, r;
} RaceCell;

#define RACE_CHUNK_SHIFT 22                   /* a shadow chunk covers 4 MiB of memory */
#define RACE_EPOCH_MASK (~(uint64_t)0xFFFFFF) /* an epoch without its site */
extern RaceCell *_Atomic *race_dir;           /* chunk per 4 MiB, mmap'd; immutable once on */

void race_read_slow(struct Thread *t, const void *addr, uint32_t site, Value detail);
void race_write_slow(struct Thread *t, const void *addr, uint32_t site, Value detail);

static inline RaceCell *race_cell_if(const void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    RaceCell *chunk =
        a >> 47 ? NULL : atomic_load_explicit(&race_dir[a >> RACE_CHUNK_SHIFT], memory_order_acquire);
    return chunk ? &chunk[(a & (((uintptr_t)1 << RACE_CHUNK_SHIFT) - 1)) >> 3] : NULL;
}

static inline void race_read(struct Thread *t, const void *addr, uint32_t site, Value detail)
{
    RaceG *g = t->race;
    if (!site || !g)
        return;
    RaceCell *c = race_cell_if(addr);
    if (c) {
        /* read in this epoch already, or written in it by this goroutine
         * (a write by another that races the read races that write too) */
        uint64_t me = g->epoch;
        if (((atomic_load_explicit(&c->r, memory_order_relaxed) ^ me) & RACE_EPOCH_MASK) == 0 ||
            ((atomic_load_explicit(&c->w, memory_order_relaxed) ^ me) & RACE_EPOCH_MASK) == 0)
            return;
    }
    race_read_slow(t, addr, site, detail);
}

static inline void race_write(struct Thread *t, const void *addr, uint32_t site, Value detail)
{
    RaceG *g = t->race;
    if (!site || !g)
        return;
    RaceCell *c = race_cell_if(addr);
    if (c && ((atomic_load_explicit(&c->w, memory_order_relaxed) ^ g->epoch) & RACE_EPOCH_MASK) == 0)
        return;
    race_write_slow(t, addr, site, detail);
}

/* ---- the end ---- */

/* Races reported so far. */
int race_count(void);
/* The exit: with races found, print "Found N data race(s)" to stderr and
 * turn a 0 exit status into 66 (Go's). */
int race_exit_code(int code);

#endif
