/* mem.c — see mem.h: the failure path of every allocation. */
#include "mem.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm.h"

void (*mem_alloc_hook)(void *p, size_t n);

__attribute__((cold, noinline)) _Noreturn void mem_out_of_memory(void)
{
    csp_fatal("out of memory");
}

/* The collector calls this when an allocation made straight through
 * GC_MALLOC (not through mem.h) cannot be satisfied: stop there, as
 * mem.h's own allocators do, rather than hand NULL to code that may not
 * check it. */
static void *collector_out_of_memory(size_t bytes)
{
    (void)bytes;
    mem_out_of_memory();
}

void mem_install_oom_handler(void)
{
    GC_set_oom_fn(collector_out_of_memory);
}

/* ---- transparent huge pages on the collector's heap ----------------------
 * A program that fills its heap pays one page fault per 4 KiB it touches
 * first: most of the time of a map-building loop. With the system's
 * transparent huge pages in "madvise" mode (Debian's default) a range asked
 * for with MADV_HUGEPAGE takes one fault per 2 MiB instead. The collector
 * does not say where its heap sections are, so they are found in
 * /proc/self/maps: anonymous read-write mappings whose first byte is the
 * start of a heap block (GC_is_heap_ptr; each section begins with one, and
 * a new section the kernel places beside an older one merges into its
 * mapping, which then begins with a block too). Goroutine stacks have
 * their own mappings, asked for without huge pages (ctx.c), and are never
 * heap. Called after the heap is pre-sized and whenever it grows, under the
 * collector's lock: it reads the file with plain system calls into a
 * static buffer, no malloc and no stdio. */

static char maps_buf[1 << 16];

static void advise_heap_line(const char *line, const char *end)
{
    /* "lo-hi perms offset dev inode [path]". The cheap tests come first
     * and the bounds are read only for the few lines left: most lines are
     * the binary's and the libraries' mappings, and reading both bounds of
     * every line was most of the instructions of an empty script's call. */
    const char *p = memchr(line, ' ', (size_t)(end - line));
    /* "rw-p 00000000 00:00 0" and no path: private anonymous memory */
    if (!p || end - p < 22 || memcmp(p + 1, "rw-p ", 5) != 0)
        return;
    const char *q = p + 6;
    while (q < end && *q != ' ')
        q++; /* the offset */
    if (end - q < 8 || memcmp(q, " 00:00 0", 8) != 0)
        return;
    for (q += 8; q < end; q++)
        if (*q != ' ')
            return; /* a path or [stack]/[heap] */
    /* strtoul stops at the '-' and at the space (the line ends in '\n'
     * in the buffer, so it never reads past it) */
    char *dash;
    unsigned long lo = strtoul(line, &dash, 16);
    unsigned long hi = strtoul(dash + 1, NULL, 16);
    const unsigned long huge = 2ul << 20;
    if (hi - lo < huge || !GC_is_heap_ptr((void *)lo))
        return;
    madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

static void advise_heap(void)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* no /proc: ordinary pages, nothing else changes */
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, maps_buf + have, sizeof maps_buf - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        char *line = maps_buf, *nl;
        while ((nl = memchr(line, '\n', have - (size_t)(line - maps_buf))) != NULL) {
            advise_heap_line(line, nl);
            line = nl + 1;
        }
        have -= (size_t)(line - maps_buf);
        memmove(maps_buf, line, have);
        if (have == sizeof maps_buf)
            have = 0; /* a line longer than the buffer: a path; skip it */
    }
    close(fd);
}

static void heap_resized(GC_word new_size)
{
    (void)new_size;
    advise_heap();
}

void mem_use_huge_pages(void)
{
    advise_heap();
    GC_set_on_heap_resize(heap_resized);
}

void mem_heap_usage_locked(size_t *size, size_t *in_use)
{
    struct GC_prof_stats_s st;
    memset(&st, 0, sizeof st);
    GC_get_prof_stats_unsafe(&st, sizeof st);
    /* The "full" figures count the pages given back to the system (as
     * free); those are no longer the process's memory. */
    *size = st.heapsize_full - st.unmapped_bytes;
    *in_use = st.heapsize_full - st.free_bytes_full;
}
