/* pdqsort.h — Go's sorting algorithms, as a template over "less" and
 * "swap" of two indexes.
 *
 * Go's sort and slices packages sort with the same two algorithms, and a
 * script sees exactly which permutation they make (the order of equal
 * elements after sort.Slice, a Less that is no strict order), so csp runs
 * the same steps in the same order, making the same calls:
 *
 *   - the unstable sort is pattern-defeating quicksort (Orson Peters's
 *     pdqsort, without BlockQuicksort's blocks): insertion sort for 12
 *     elements or fewer; a pivot that is the median of three (from 8
 *     elements) or Tukey's ninther (from 50), whose comparisons also tell
 *     whether the range looks increasing or decreasing (a decreasing range
 *     is reversed first); a bounded insertion sort on a range that looks
 *     sorted; an "equal" partition when the pivot equals the element before
 *     the range (many duplicates); after an unbalanced partition, three
 *     elements swapped to places a xorshift generator seeded with the
 *     range's length picks; and heapsort once bits.Len(n) bad pivots were
 *     taken. Both partitions recurse into the shorter side and loop on
 *     the longer.
 *   - the stable sort is insertion sort on blocks of 20, then SymMerge
 *     (Kim and Kutzner's symmetric merge, with rotations made of swaps)
 *     of blocks doubling in size.
 *
 * Including this file defines the functions for one kind of data. Before
 * including it, define:
 *   PDQ(name)          the name of each function made (a prefix added)
 *   PDQ_DATA           the type of the data argument (a pointer)
 *   PDQ_LESS(d, i, j)  whether element i is less than element j
 *   PDQ_SWAP(d, i, j)  exchange elements i and j
 *   PDQ_STOP(d)        true once the sort must end early (a callback
 *                      panicked); the loops then return at once
 * and optionally PDQ_STABLE to get the stable sort too. The macros are
 * undefined at the end, so the file can be included again. Indexes are
 * int64_t, as Go's ints.
 */

#include <stdbool.h>
#include <stdint.h>

/* The hint choose_pivot gives about the order of the range. */
#ifndef PDQ_HINTS_DEFINED
#define PDQ_HINTS_DEFINED
enum { PDQ_UNKNOWN, PDQ_INCREASING, PDQ_DECREASING };

/* Go's bits.Len: the bits needed to write x (0 for 0). */
static inline int pdq_bits_len(uint64_t x)
{
    return x ? 64 - __builtin_clzll(x) : 0;
}
#endif

static void PDQ(insertion_sort)(PDQ_DATA d, int64_t a, int64_t b)
{
    for (int64_t i = a + 1; i < b; i++)
        for (int64_t j = i; j > a && PDQ_LESS(d, j, j - 1); j--)
            PDQ_SWAP(d, j, j - 1);
}

/* Restore the heap order of d[first+lo .. first+hi) below root lo. */
static void PDQ(sift_down)(PDQ_DATA d, int64_t lo, int64_t hi, int64_t first)
{
    int64_t root = lo;
    for (;;) {
        int64_t child = 2 * root + 1;
        if (child >= hi || PDQ_STOP(d))
            return;
        if (child + 1 < hi && PDQ_LESS(d, first + child, first + child + 1))
            child++;
        if (!PDQ_LESS(d, first + root, first + child))
            return;
        PDQ_SWAP(d, first + root, first + child);
        root = child;
    }
}

static void PDQ(heap_sort)(PDQ_DATA d, int64_t a, int64_t b)
{
    int64_t first = a, hi = b - a;
    for (int64_t i = (hi - 1) / 2; i >= 0; i--)
        PDQ(sift_down)(d, i, hi, first);
    for (int64_t i = hi - 1; i >= 0; i--) {
        PDQ_SWAP(d, first, first + i);
        PDQ(sift_down)(d, 0, i, first);
    }
}

/* Partition d[a:b] around the element at pivot: on return the pivot is at
 * the index returned, the elements before it are less than it and those
 * after it are not. *already says no swap was needed. */
static int64_t PDQ(partition)(PDQ_DATA d, int64_t a, int64_t b, int64_t pivot, bool *already)
{
    PDQ_SWAP(d, a, pivot);
    int64_t i = a + 1, j = b - 1; /* both inclusive */
    while (i <= j && PDQ_LESS(d, i, a))
        i++;
    while (i <= j && !PDQ_LESS(d, j, a))
        j--;
    if (i > j) {
        PDQ_SWAP(d, j, a);
        *already = true;
        return j;
    }
    PDQ_SWAP(d, i, j);
    i++;
    j--;
    for (;;) {
        while (i <= j && PDQ_LESS(d, i, a))
            i++;
        while (i <= j && !PDQ_LESS(d, j, a))
            j--;
        if (i > j)
            break;
        PDQ_SWAP(d, i, j);
        i++;
        j--;
    }
    PDQ_SWAP(d, j, a);
    *already = false;
    return j;
}

/* Partition d[a:b], which holds nothing less than the pivot's element,
 * into the elements equal to it followed by the greater ones; returns
 * where the greater ones start. */
static int64_t PDQ(partition_equal)(PDQ_DATA d, int64_t a, int64_t b, int64_t pivot)
{
    PDQ_SWAP(d, a, pivot);
    int64_t i = a + 1, j = b - 1;
    for (;;) {
        while (i <= j && !PDQ_LESS(d, a, i))
            i++;
        while (i <= j && PDQ_LESS(d, a, j))
            j--;
        if (i > j)
            break;
        PDQ_SWAP(d, i, j);
        i++;
        j--;
    }
    return i;
}

/* Sort a range that is nearly sorted by moving at most 5 out-of-order
 * elements into place (not at all when it is shorter than 50); true when
 * the range ends sorted. */
static bool PDQ(partial_insertion_sort)(PDQ_DATA d, int64_t a, int64_t b)
{
    enum { MAX_STEPS = 5, SHORTEST_SHIFTING = 50 };
    int64_t i = a + 1;
    for (int step = 0; step < MAX_STEPS; step++) {
        while (i < b && !PDQ_LESS(d, i, i - 1))
            i++;
        if (i == b)
            return true;
        if (b - a < SHORTEST_SHIFTING || PDQ_STOP(d))
            return false;
        PDQ_SWAP(d, i, i - 1);
        /* the smaller one moves left, the greater one right */
        if (i - a >= 2) {
            for (int64_t j = i - 1; j >= 1; j--) {
                if (!PDQ_LESS(d, j, j - 1))
                    break;
                PDQ_SWAP(d, j, j - 1);
            }
        }
        if (b - i >= 2) {
            for (int64_t j = i + 1; j < b; j++) {
                if (!PDQ_LESS(d, j, j - 1))
                    break;
                PDQ_SWAP(d, j, j - 1);
            }
        }
    }
    return false;
}

/* Swap three elements in the middle of the range with others picked by a
 * xorshift generator seeded with the range's length, so that an input
 * built against the pivot choice no longer partitions badly. */
static void PDQ(break_patterns)(PDQ_DATA d, int64_t a, int64_t b)
{
    int64_t length = b - a;
    if (length < 8)
        return;
    uint64_t random = (uint64_t)length;
    uint64_t modulus = (uint64_t)1 << pdq_bits_len((uint64_t)length);
    int64_t mid = a + (length / 4) * 2;
    for (int64_t idx = mid - 1; idx <= mid + 1; idx++) {
        random ^= random << 13;
        random ^= random >> 17;
        random ^= random << 5;
        int64_t other = (int64_t)(random & (modulus - 1));
        if (other >= length)
            other -= length;
        PDQ_SWAP(d, idx, a + other);
    }
}

/* The median of elements x, y, z, counting in *swaps the comparisons that
 * found two of them out of order. */
static int64_t PDQ(median)(PDQ_DATA d, int64_t x, int64_t y, int64_t z, int *swaps)
{
    int64_t t;
    if (PDQ_LESS(d, y, x)) {
        ++*swaps;
        t = x, x = y, y = t;
    }
    if (PDQ_LESS(d, z, y)) {
        ++*swaps;
        t = y, y = z, z = t;
    }
    if (PDQ_LESS(d, y, x)) {
        ++*swaps;
        t = x, x = y, y = t;
    }
    return y;
}

/* The pivot of d[a:b]: the median of the elements at 1/4, 2/4 and 3/4
 * of the range from 8 elements (the one at 2/4 below that); from 50, the
 * median of three medians of those elements and their neighbours (Tukey's
 * ninther). *hint says whether all those comparisons found the range
 * increasing (none out of order) or decreasing (all 12 of them). */
static int64_t PDQ(choose_pivot)(PDQ_DATA d, int64_t a, int64_t b, int *hint)
{
    enum { SHORTEST_NINTHER = 50, MAX_SWAPS = 4 * 3 };
    int64_t l = b - a;
    int swaps = 0;
    int64_t i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;
    if (l >= 8) {
        if (l >= SHORTEST_NINTHER) {
            i = PDQ(median)(d, i - 1, i, i + 1, &swaps);
            j = PDQ(median)(d, j - 1, j, j + 1, &swaps);
            k = PDQ(median)(d, k - 1, k, k + 1, &swaps);
        }
        j = PDQ(median)(d, i, j, k, &swaps);
    }
    *hint = swaps == 0 ? PDQ_INCREASING : swaps == MAX_SWAPS ? PDQ_DECREASING : PDQ_UNKNOWN;
    return j;
}

static void PDQ(reverse_range)(PDQ_DATA d, int64_t a, int64_t b)
{
    for (int64_t i = a, j = b - 1; i < j; i++, j--)
        PDQ_SWAP(d, i, j);
}

/* Sort d[a:b]; limit is how many unbalanced partitions are still allowed
 * before heapsort takes over. */
static void PDQ(pdqsort)(PDQ_DATA d, int64_t a, int64_t b, int limit)
{
    enum { MAX_INSERTION = 12 };
    bool was_balanced = true, was_partitioned = true;
    for (;;) {
        if (PDQ_STOP(d))
            return;
        int64_t length = b - a;
        if (length <= MAX_INSERTION) {
            PDQ(insertion_sort)(d, a, b);
            return;
        }
        if (limit == 0) {
            PDQ(heap_sort)(d, a, b);
            return;
        }
        if (!was_balanced) {
            PDQ(break_patterns)(d, a, b);
            limit--;
        }
        int hint;
        int64_t pivot = PDQ(choose_pivot)(d, a, b, &hint);
        if (hint == PDQ_DECREASING) {
            PDQ(reverse_range)(d, a, b);
            /* the pivot moved with its element, to the mirrored place */
            pivot = (b - 1) - (pivot - a);
            hint = PDQ_INCREASING;
        }
        if (was_balanced && was_partitioned && hint == PDQ_INCREASING && PDQ(partial_insertion_sort)(d, a, b))
            return;
        /* The pivot equals the element just before the range, which is
         * no greater than anything in it: many duplicates. Put the ones
         * equal to the pivot first and go on with the rest. */
        if (a > 0 && !PDQ_LESS(d, a - 1, pivot)) {
            a = PDQ(partition_equal)(d, a, b, pivot);
            continue;
        }
        bool already;
        int64_t mid = PDQ(partition)(d, a, b, pivot, &already);
        was_partitioned = already;
        int64_t left = mid - a, right = b - mid;
        int64_t threshold = length / 8;
        if (left < right) {
            was_balanced = left >= threshold;
            PDQ(pdqsort)(d, a, mid, limit);
            a = mid + 1;
        } else {
            was_balanced = right >= threshold;
            PDQ(pdqsort)(d, mid + 1, b, limit);
            b = mid;
        }
    }
}

#ifdef PDQ_STABLE

static void PDQ(swap_range)(PDQ_DATA d, int64_t a, int64_t b, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        PDQ_SWAP(d, a + i, b + i);
}

/* Exchange the adjacent blocks d[a:m] and d[m:b] by swapping blocks of
 * equal length, at most b-a swaps (a < m < b). */
static void PDQ(rotate)(PDQ_DATA d, int64_t a, int64_t m, int64_t b)
{
    int64_t i = m - a, j = b - m;
    while (i != j) {
        if (PDQ_STOP(d))
            return;
        if (i > j) {
            PDQ(swap_range)(d, m - i, m, j);
            i -= j;
        } else {
            PDQ(swap_range)(d, m - i, m + j - i, i);
            j -= i;
        }
    }
    PDQ(swap_range)(d, m - i, m, i);
}

/* Merge the sorted runs d[a:m] and d[m:b] in place, stably (a < m < b):
 * SymMerge finds the split where the two runs' halves must exchange by a
 * binary search over symmetric positions, rotates, and merges the two
 * halves that result. A run of one element is inserted by binary search. */
static void PDQ(sym_merge)(PDQ_DATA d, int64_t a, int64_t m, int64_t b)
{
    if (PDQ_STOP(d))
        return;
    if (m - a == 1) {
        /* the first index in d[m:b] whose element is not less than d[a] */
        int64_t i = m, j = b;
        while (i < j) {
            int64_t h = (int64_t)((uint64_t)(i + j) >> 1);
            if (PDQ_LESS(d, h, a))
                i = h + 1;
            else
                j = h;
        }
        for (int64_t k = a; k < i - 1; k++)
            PDQ_SWAP(d, k, k + 1);
        return;
    }
    if (b - m == 1) {
        /* the first index in d[a:m] whose element is greater than d[m] */
        int64_t i = a, j = m;
        while (i < j) {
            int64_t h = (int64_t)((uint64_t)(i + j) >> 1);
            if (!PDQ_LESS(d, m, h))
                i = h + 1;
            else
                j = h;
        }
        for (int64_t k = m; k > i; k--)
            PDQ_SWAP(d, k, k - 1);
        return;
    }
    int64_t mid = (int64_t)((uint64_t)(a + b) >> 1);
    int64_t n = mid + m, start, r;
    if (m > mid) {
        start = n - b;
        r = mid;
    } else {
        start = a;
        r = m;
    }
    int64_t p = n - 1;
    while (start < r) {
        int64_t c = (int64_t)((uint64_t)(start + r) >> 1);
        if (!PDQ_LESS(d, p - c, c))
            start = c + 1;
        else
            r = c;
    }
    int64_t end = n - start;
    if (start < m && m < end)
        PDQ(rotate)(d, start, m, end);
    if (a < start && start < mid)
        PDQ(sym_merge)(d, a, start, mid);
    if (mid < end && end < b)
        PDQ(sym_merge)(d, mid, end, b);
}

/* The stable sort of d[0:n]. */
static void PDQ(stable)(PDQ_DATA d, int64_t n)
{
    int64_t block = 20;
    int64_t a = 0, b = block;
    for (; b <= n; a = b, b += block)
        PDQ(insertion_sort)(d, a, b);
    PDQ(insertion_sort)(d, a, n);
    for (; block < n; block *= 2) {
        if (PDQ_STOP(d))
            return;
        a = 0;
        b = 2 * block;
        for (; b <= n; a = b, b += 2 * block)
            PDQ(sym_merge)(d, a, a + block, b);
        if (a + block < n)
            PDQ(sym_merge)(d, a, a + block, n);
    }
}

#endif /* PDQ_STABLE */

#undef PDQ
#undef PDQ_DATA
#undef PDQ_LESS
#undef PDQ_SWAP
#undef PDQ_STOP
#undef PDQ_STABLE
