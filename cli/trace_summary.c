/* trace_summary.c — "csp trace summary [-n N] out.json".
 *
 * Reads the goroutine tracks of a trace made by csp --trace (pid 2: one
 * track per goroutine, named "G<id> <function>", whose complete slices are
 * its states: category running, runnable, syscall or blocked, a blocked
 * slice named after its wait reason) and prints three tables: time per
 * start function (all goroutines that started with it), the N goroutines
 * with the most time, and the blocked time by reason. Times are in
 * milliseconds, from the slices' durations.
 */
#include "trace_summary.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S_RUNNING, S_RUNNABLE, S_SYSCALL, S_BLOCKED, S_N };

typedef struct GSum {
    long long id;
    const char *fn;
    double t[S_N]; /* microseconds */
} GSum;

typedef struct Named {
    const char *name;
    double t[S_N];
    long long count;
} Named;

static const char usage[] = "usage: csp trace summary [-n N] out.json\n";

static double total(const double *t)
{
    return t[S_RUNNING] + t[S_RUNNABLE] + t[S_SYSCALL] + t[S_BLOCKED];
}

static int cmp_g(const void *a, const void *b)
{
    const GSum *x = a, *y = b;
    double d = total(y->t) - total(x->t);
    return d > 0 ? 1 : d < 0 ? -1 : (x->id > y->id) - (x->id < y->id);
}

static int cmp_named(const void *a, const void *b)
{
    const Named *x = a, *y = b;
    double d = total(y->t) - total(x->t);
    return d > 0 ? 1 : d < 0 ? -1 : strcmp(x->name, y->name);
}

/* The entry for name in a growing array (linear: functions and wait
 * reasons are few). */
static Named *named(Named **arr, size_t *n, size_t *cap, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*arr)[i].name, name))
            return &(*arr)[i];
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        Named *na = realloc(*arr, *cap * sizeof *na);
        if (!na) {
            fputs("csp trace summary: out of memory\n", stderr);
            exit(2);
        }
        *arr = na;
    }
    Named *e = &(*arr)[(*n)++];
    memset(e, 0, sizeof *e);
    e->name = name;
    return e;
}

static GSum *gsum(GSum **gs, size_t *cap, long long id)
{
    if (id < 0 || id > 100000000)
        return NULL;
    if ((size_t)id >= *cap) {
        size_t ncap = *cap ? *cap : 64;
        while (ncap <= (size_t)id)
            ncap *= 2;
        GSum *n = realloc(*gs, ncap * sizeof *n);
        if (!n) {
            fputs("csp trace summary: out of memory\n", stderr);
            exit(2);
        }
        memset(n + *cap, 0, (ncap - *cap) * sizeof *n);
        *gs = n;
        *cap = ncap;
    }
    GSum *g = &(*gs)[id];
    g->id = id;
    return g;
}

static void row(const char *a, const char *b, const double *t, double all)
{
    double tot = total(t);
    printf("%-10s %-28s %12.3f %12.3f %12.3f %12.3f %12.3f %6.1f%%\n", a, b, tot / 1000, t[S_RUNNING] / 1000,
           t[S_RUNNABLE] / 1000, t[S_SYSCALL] / 1000, t[S_BLOCKED] / 1000, all > 0 ? 100 * tot / all : 0.0);
}

static void header(const char *a, const char *b)
{
    printf("%-10s %-28s %12s %12s %12s %12s %12s %7s\n", a, b, "TOTAL(ms)", "RUNNING", "RUNNABLE", "SYSCALL",
           "BLOCKED", "SHARE");
}

static int summary(const char *path, int top)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root) {
        FILE *f = fopen(path, "r");
        if (!f) {
            fprintf(stderr, "csp trace summary: cannot read %s: %s\n", path, strerror(errno));
            return 2;
        }
        fclose(f);
        fprintf(stderr, "csp trace summary: %s: not a JSON trace: %s (line %d)\n", path, err.text, err.line);
        return 2;
    }
    json_t *evs = json_is_object(root) ? json_object_get(root, "traceEvents") : NULL;
    if (!json_is_array(evs)) {
        fprintf(stderr, "csp trace summary: %s: not a trace: no traceEvents array\n", path);
        json_decref(root);
        return 2;
    }
    GSum *gs = NULL;
    size_t gcap = 0;
    Named *reasons = NULL;
    size_t nreasons = 0, rcap = 0;
    double t0 = -1, t1 = 0;
    size_t i;
    json_t *e;
    json_array_foreach (evs, i, e) {
        const char *ph = json_string_value(json_object_get(e, "ph"));
        json_int_t pid = json_integer_value(json_object_get(e, "pid"));
        if (!ph || pid != 2)
            continue;
        long long tid = (long long)json_integer_value(json_object_get(e, "tid"));
        const char *name = json_string_value(json_object_get(e, "name"));
        if (!strcmp(ph, "M")) {
            if (!name || strcmp(name, "thread_name"))
                continue;
            const char *tn = json_string_value(json_object_get(json_object_get(e, "args"), "name"));
            const char *sp = tn ? strchr(tn, ' ') : NULL;
            GSum *g = gsum(&gs, &gcap, tid);
            if (g && sp)
                g->fn = sp + 1;
            continue;
        }
        if (strcmp(ph, "X"))
            continue;
        double ts = json_number_value(json_object_get(e, "ts"));
        double dur = json_number_value(json_object_get(e, "dur"));
        const char *cat = json_string_value(json_object_get(e, "cat"));
        GSum *g = gsum(&gs, &gcap, tid);
        if (!g || !cat || !name)
            continue;
        if (t0 < 0 || ts < t0)
            t0 = ts;
        if (ts + dur > t1)
            t1 = ts + dur;
        int s = !strcmp(cat, "running")    ? S_RUNNING
                : !strcmp(cat, "runnable") ? S_RUNNABLE
                : !strcmp(cat, "syscall")  ? S_SYSCALL
                                           : S_BLOCKED;
        g->t[s] += dur;
        if (s == S_BLOCKED) {
            Named *r = named(&reasons, &nreasons, &rcap, name);
            r->t[S_BLOCKED] += dur;
            r->count++;
        }
    }
    /* The goroutines seen, compacted; and per function. */
    size_t ng = 0;
    for (size_t k = 0; k < gcap; k++)
        if (gs[k].id && (gs[k].fn || total(gs[k].t) > 0))
            gs[ng++] = gs[k];
    Named *fns = NULL;
    size_t nfns = 0, fcap = 0;
    double all[S_N] = {0};
    for (size_t k = 0; k < ng; k++) {
        Named *f = named(&fns, &nfns, &fcap, gs[k].fn ? gs[k].fn : "?");
        f->count++;
        for (int s = 0; s < S_N; s++) {
            f->t[s] += gs[k].t[s];
            all[s] += gs[k].t[s];
        }
    }
    double sum = total(all);
    printf("%s: %zu goroutines over %.3f ms\n\n", path, ng, t0 < 0 ? 0.0 : (t1 - t0) / 1000);

    qsort(fns, nfns, sizeof *fns, cmp_named);
    header("COUNT", "FUNCTION");
    for (size_t k = 0; k < nfns; k++) {
        char cnt[24];
        snprintf(cnt, sizeof cnt, "%lld", fns[k].count);
        row(cnt, fns[k].name, fns[k].t, sum);
    }
    row("", "(all goroutines)", all, sum);

    qsort(gs, ng, sizeof *gs, cmp_g);
    printf("\n");
    header("GOROUTINE", "FUNCTION");
    for (size_t k = 0; k < ng && (int)k < top; k++) {
        char id[24];
        snprintf(id, sizeof id, "G%lld", gs[k].id);
        row(id, gs[k].fn ? gs[k].fn : "?", gs[k].t, sum);
    }
    if (ng > (size_t)top)
        printf("... and %zu more goroutines (-n N shows more)\n", ng - (size_t)top);

    printf("\n%-28s %12s %8s %7s\n", "BLOCKED ON", "TIME(ms)", "WAITS", "SHARE");
    qsort(reasons, nreasons, sizeof *reasons, cmp_named);
    for (size_t k = 0; k < nreasons; k++)
        printf("%-28s %12.3f %8lld %6.1f%%\n", reasons[k].name, reasons[k].t[S_BLOCKED] / 1000, reasons[k].count,
               sum > 0 ? 100 * reasons[k].t[S_BLOCKED] / sum : 0.0);
    if (!nreasons)
        printf("(no goroutine blocked)\n");
    free(gs);
    free(fns);
    free(reasons);
    json_decref(root);
    return 0;
}

int trace_command(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "summary")) {
        fprintf(stderr, "csp trace: unknown command %s\n%s", argc < 2 ? "(none)" : argv[1], usage);
        return 2;
    }
    int top = 20, i = 2;
    if (i < argc && !strcmp(argv[i], "-n")) {
        char *end;
        long n = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
        if (i + 1 >= argc || *end || n <= 0 || n > 1000000) {
            fprintf(stderr, "csp trace summary: -n needs a positive number\n%s", usage);
            return 2;
        }
        top = (int)n;
        i += 2;
    }
    if (i + 1 != argc) {
        fputs(usage, stderr);
        return 2;
    }
    return summary(argv[i], top);
}
