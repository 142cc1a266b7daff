/* sorting.h — the sorting engine of sort.c, which slices.c sorts with too.
 *
 * Go's sort and slices packages share their algorithms (pdqsort.h), and a
 * script can see which permutation they make, so both packages sort with
 * the one engine here:
 *   - ordered values (sort.Ints, slices.Sort): compared in C, with cmp's
 *     rules (numbers by value, NaN first; strings bytewise);
 *   - through script functions (sort.Slice's less(i, j), slices.SortFunc's
 *     cmp(a, b), sort.Sort's Less and Swap methods): each comparison is a
 *     vm_call, so a panic in one stops the sort and propagates.
 *
 * A slice is sorted in its backing array, where the script's closures see
 * it (sort.Slice's less reads s[i]). Elements are read and written with
 * relaxed atomics, as the VM's own element accesses are whole words: a
 * script that sorts a slice another goroutine writes has a race, never a
 * torn value.
 */
#ifndef CSP_SORTING_H
#define CSP_SORTING_H

#include "stdlib.h"

/* ---- ordered values (Go's cmp.Ordered) -------------------------------- */

/* Whether v is a value of an ordered type: an integer, a float, a string,
 * or a value of a declared type over one (type Celsius float64). */
bool sort_is_ordered(Value v);
/* cmp.Compare of two ordered values of one type: -1, 0 or +1, NaN before
 * every number and equal to itself, -0 equal to 0. */
int sort_compare(Value a, Value b);
/* cmp.Less: sort_compare(a, b) < 0. */
bool sort_less(Value a, Value b);

/* ---- slices ------------------------------------------------------------ */

/* A slice's elements as the natives use them: its header, the items from
 * its first element and their count (the header's length, clamped to the
 * store it names should a racing append have swapped it). */
typedef struct SliceView {
    ObjList *l;          /* NULL: the boxed nil of a slice type */
    const ObjType *type; /* the slice's type ([]int, sort.IntSlice), or NULL */
    ListStore *st;       /* NULL: a nil slice */
    size_t off;          /* element 0 is st->items[off] */
    Value *items;        /* &st->items[off] */
    int64_t n;           /* len, clamped to the store */
    int64_t cap;         /* cap, clamped to the store */
} SliceView;
/* v (a list, or the boxed nil of a slice type) as a view; false when v is
 * no slice. */
bool sort_view(Value v, SliceView *out);
/* Element i of a view (a relaxed atomic load), and a store into one. */
static inline Value sort_get(const SliceView *s, int64_t i)
{
    return __atomic_load_n(&s->items[i], __ATOMIC_RELAXED);
}
static inline void sort_set(const SliceView *s, int64_t i, Value v)
{
    __atomic_store_n(&s->items[i], v, __ATOMIC_RELAXED);
}
/* The element type's name of v's slice type for messages ("int" for
 * []int), or the first element's type, or "interface {}". */
const char *sort_elem_name(const SliceView *s);

/* Sort the n items of a slice in place with Go's pdqsort in cmp.Less's
 * order (slices.Sort, sort.Ints). An element of no ordered type, or two
 * elements that do not compare (a string and a number in an untyped list),
 * panic "fname: T does not satisfy cmp.Ordered": Go's compile error, which
 * csp can tell only when the program runs. Returns -1 after a panic. */
int sort_ordered(Thread *t, const char *fname, const SliceView *s);
/* Check that s's elements are ordered values that compare with each
 * other, as sort_ordered does; -1 after its panic. */
int sort_check_ordered(Thread *t, const char *fname, const SliceView *s);

/* ---- sorting through script functions ---------------------------------- */

typedef enum {
    SORT_LESS_IDX, /* fn(i, j) bool on indexes; the items are swapped here (sort.Slice) */
    SORT_CMP,      /* fn(a, b) int on elements, less when < 0 (slices.SortFunc) */
    SORT_METHODS,  /* less(i, j) and swap(i, j), a value's bound methods (sort.Sort) */
    SORT_ORDERED,  /* ordered items compared in C, in place (sort.Stable(sort.IntSlice(x))) */
} SortMode;

/* One sort's state, on the native's C stack. */
typedef struct SortCtx {
    Thread *t;
    SortMode mode;
    bool reverse; /* SORT_METHODS, SORT_ORDERED: less(i, j) is less(j, i) (sort.Reverse) */
    bool failed;  /* a call panicked: the sort stops, the panic stays in t */
    SliceView s;  /* the items (all modes but SORT_METHODS) */
    Value fn;     /* SORT_LESS_IDX, SORT_CMP: the function; SORT_METHODS: Less */
    Value swap;   /* SORT_METHODS: Swap */
} SortCtx;

/* Sort c's n elements: Go's pdqsort with limit bits.Len(n), or its stable
 * sort. Returns -1 after a panic in a call. */
int sort_run(SortCtx *c, int64_t n, bool stable);
/* c's less(i, j) (sort.IsSorted and friends); false after a panic, with
 * c->failed set. */
bool sort_ctx_less(SortCtx *c, int64_t i, int64_t j);

#endif
