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
#include <stdbool.h>
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

/* What the events add up to. */
typedef struct Acc {
    GSum *gs; /* by goroutine id */
    size_t gcap;
    Named *reasons;
    size_t nreasons, rcap;
    double t0, t1; /* the span of the goroutine slices */
} Acc;

/* The entry for a wait reason, its name copied (the event it came from
 * is freed). */
static Named *find_reason(Acc *acc, const char *name)
{
    for (size_t i = 0; i < acc->nreasons; i++)
        if (!strcmp(acc->reasons[i].name, name))
            return &acc->reasons[i];
    Named *r = named(&acc->reasons, &acc->nreasons, &acc->rcap, name);
    r->name = strdup(name);
    if (!r->name) {
        fputs("csp trace summary: out of memory\n", stderr);
        exit(2);
    }
    return r;
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

static void add_slice(Acc *acc, long long tid, double ts, double dur, const char *name, const char *cat);

/* Take one event into acc: a goroutine track's name or state slice. */
static void add_event(Acc *acc, json_t *e)
{
    const char *ph = json_string_value(json_object_get(e, "ph"));
    json_int_t pid = json_integer_value(json_object_get(e, "pid"));
    if (!ph || pid != 2)
        return;
    long long tid = (long long)json_integer_value(json_object_get(e, "tid"));
    const char *name = json_string_value(json_object_get(e, "name"));
    if (!strcmp(ph, "M")) {
        if (!name || strcmp(name, "thread_name"))
            return;
        const char *tn = json_string_value(json_object_get(json_object_get(e, "args"), "name"));
        const char *sp = tn ? strchr(tn, ' ') : NULL;
        GSum *g = gsum(&acc->gs, &acc->gcap, tid);
        if (g && sp && !g->fn)
            g->fn = strdup(sp + 1);
        return;
    }
    if (strcmp(ph, "X"))
        return;
    add_slice(acc, tid, json_number_value(json_object_get(e, "ts")),
              json_number_value(json_object_get(e, "dur")), name,
              json_string_value(json_object_get(e, "cat")));
}

/* A state slice of goroutine tid. */
static void add_slice(Acc *acc, long long tid, double ts, double dur, const char *name, const char *cat)
{
    GSum *g = gsum(&acc->gs, &acc->gcap, tid);
    if (!g || !cat || !name)
        return;
    if (acc->t0 < 0 || ts < acc->t0)
        acc->t0 = ts;
    if (ts + dur > acc->t1)
        acc->t1 = ts + dur;
    int s = !strcmp(cat, "running")    ? S_RUNNING
            : !strcmp(cat, "runnable") ? S_RUNNABLE
            : !strcmp(cat, "syscall")  ? S_SYSCALL
                                       : S_BLOCKED;
    g->t[s] += dur;
    if (s == S_BLOCKED) {
        Named *r = find_reason(acc, name);
        r->t[S_BLOCKED] += dur;
        r->count++;
    }
}

/* A goroutine state slice as csp --trace writes it, fields in this order
 * and a name without escapes:
 *   {"ph":"X","pid":2,"tid":N,"ts":F,"dur":F,"name":"...","cat":"..."}
 * taken without the JSON parser (most of a large trace is these); true
 * when the line was one, or is of no interest (not pid 2). */
static bool fast_line(Acc *acc, const char *line)
{
#define HAS_PREFIX(s, lit) (!strncmp((s), (lit), sizeof(lit) - 1))
    static const char x2[] = "{\"ph\":\"X\",\"pid\":2,\"tid\":";
    if (!HAS_PREFIX(line, "{\"ph\":"))
        return false;
    if (HAS_PREFIX(line, "{\"ph\":\"X\",\"pid\":1,") || HAS_PREFIX(line, "{\"ph\":\"X\",\"pid\":3,") ||
        HAS_PREFIX(line, "{\"ph\":\"C\",") || HAS_PREFIX(line, "{\"ph\":\"s\",") ||
        HAS_PREFIX(line, "{\"ph\":\"f\","))
        return true;
    if (!HAS_PREFIX(line, x2))
        return false;
    char *p;
    long long tid = strtoll(line + sizeof x2 - 1, &p, 10);
    if (!HAS_PREFIX(p, ",\"ts\":"))
        return false;
    double ts = strtod(p + 6, &p);
    if (!HAS_PREFIX(p, ",\"dur\":"))
        return false;
    double dur = strtod(p + 7, &p);
    if (!HAS_PREFIX(p, ",\"name\":\""))
        return false;
    const char *name = p + 9, *q = strchr(name, '"');
    if (!q || memchr(name, '\\', (size_t)(q - name)) || !HAS_PREFIX(q, "\",\"cat\":\""))
        return false;
    const char *cat = q + 9, *ce = strchr(cat, '"');
    if (!ce || strcmp(ce, "\"}"))
        return false;
    char nbuf[128], cbuf[32];
    size_t nl = (size_t)(q - name), cl = (size_t)(ce - cat);
    if (nl >= sizeof nbuf || cl >= sizeof cbuf)
        return false;
    memcpy(nbuf, name, nl);
    nbuf[nl] = 0;
    memcpy(cbuf, cat, cl);
    cbuf[cl] = 0;
    add_slice(acc, tid, ts, dur, nbuf, cbuf);
    return true;
}

/* csp --trace writes one event a line between a fixed first line and a
 * line starting with "],": such a file is read a line at a time, so a
 * trace of millions of events needs no more memory than its tables. */
static const char csp_header[] = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";

/* Returns 0, or 2 after printing why the file is not a trace. */
static int read_lines(const char *path, FILE *f, Acc *acc)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 1;
    bool closed = false;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == ','))
            line[--len] = 0;
        if (!len)
            continue;
        if (line[0] == ']') {
            closed = true;
            break;
        }
        if (fast_line(acc, line))
            continue;
        json_error_t err;
        json_t *e = json_loadb(line, (size_t)len, 0, &err);
        if (!json_is_object(e)) {
            fprintf(stderr, "csp trace summary: %s: not a JSON trace: %s (line %ld)\n", path,
                    e ? "an event is not an object" : err.text, lineno);
            json_decref(e);
            free(line);
            return 2;
        }
        add_event(acc, e);
        json_decref(e);
    }
    free(line);
    if (!closed) {
        fprintf(stderr, "csp trace summary: %s: not a JSON trace: it ends before the events do (line %ld)\n",
                path, lineno);
        return 2;
    }
    return 0;
}

static int summary(const char *path, int top)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "csp trace summary: cannot read %s: %s\n", path, strerror(errno));
        return 2;
    }
    Acc acc = {.t0 = -1};
    char head[sizeof csp_header];
    size_t got = fread(head, 1, sizeof csp_header - 1, f);
    int c = got == sizeof csp_header - 1 ? fgetc(f) : EOF;
    if (got == sizeof csp_header - 1 && !memcmp(head, csp_header, got) && c == '\n') {
        int rc = read_lines(path, f, &acc);
        fclose(f);
        if (rc)
            return rc;
    } else {
        /* Any other trace-event file: parsed whole. */
        fclose(f);
        json_error_t err;
        json_t *root = json_load_file(path, 0, &err);
        if (!root) {
            fprintf(stderr, "csp trace summary: %s: not a JSON trace: %s (line %d)\n", path, err.text,
                    err.line);
            return 2;
        }
        json_t *evs = json_is_object(root) ? json_object_get(root, "traceEvents") : NULL;
        if (!json_is_array(evs)) {
            fprintf(stderr, "csp trace summary: %s: not a trace: no traceEvents array\n", path);
            json_decref(root);
            return 2;
        }
        for (size_t i = 0; i < json_array_size(evs); i++)
            add_event(&acc, json_array_get(evs, i));
        json_decref(root);
    }
    GSum *gs = acc.gs;
    size_t gcap = acc.gcap;
    Named *reasons = acc.reasons;
    size_t nreasons = acc.nreasons;
    double t0 = acc.t0, t1 = acc.t1;
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
        printf("%-28s %12.3f %8lld %6.1f%%\n", reasons[k].name, reasons[k].t[S_BLOCKED] / 1000,
               reasons[k].count, sum > 0 ? 100 * reasons[k].t[S_BLOCKED] / sum : 0.0);
    if (!nreasons)
        printf("(no goroutine blocked)\n");
    for (size_t k = 0; k < ng; k++)
        free((char *)gs[k].fn);
    for (size_t k = 0; k < nreasons; k++)
        free((char *)reasons[k].name);
    free(gs);
    free(fns);
    free(reasons);
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
