/* libFuzzer target: whole-program execution of arbitrary bytes.
 *
 *   CC=clang cmake -B build-fuzz -DCSP_FUZZ=ON && cmake --build build-fuzz -j2
 *   build-fuzz/fuzz_exec -dict=tests/fuzz/csp.dict -max_total_time=60 \
 *       -rss_limit_mb=0 /tmp/corpus-exec tests/scripts examples
 *
 * Each input runs as csp runs a script (compile, then the scheduler with
 * its Ms, monitor thread and collector), in a child process forked for it:
 * the runtime is a process singleton (its threads, stack arenas, timers)
 * and a fuzzed program leaves goroutines parked or spinning, so a fresh
 * process per input is the only way each input starts clean. The parent
 * never starts the runtime or the collector, so it forks a single-threaded
 * process (-rss_limit_mb=0 keeps libFuzzer's own RSS thread off).
 *
 * Bounds, so every input ends:
 *   - an instruction budget: every safepoint (backward jump, call) spends
 *     one step, every `go` CSP_FUZZ_GO_COST and every timer that fires
 *     CSP_FUZZ_TIMER_COST (vm.h); past the budget the
 *     program exits (CSP_FUZZ_BUDGET, default 2,000,000);
 *   - a memory cap: the collector's heap is capped (CSP_FUZZ_HEAP_MB,
 *     default 256), past which allocation fails as "out of memory"; the
 *     parent also kills a child whose RSS passes CSP_FUZZ_RSS_MB (1024) and
 *     reports that as a crash, since something allocated outside the cap;
 *   - timers never wait more than 2 ms (sched.c's timer_start);
 *   - a child still running after CSP_FUZZ_WALL_S seconds (20) is a hang
 *     and is reported as a crash.
 * Sandbox: no ffi, no file reads or writes, stdin is /dev/null, stdout is
 * discarded; os.Exit just ends the child.
 *
 * Any exit through _exit (a normal end, a panic, a deadlock, os.Exit, a
 * csp "fatal error") is a handled outcome. Anything else (a sanitizer
 * report, a signal, abort) is a crash: the parent prints the child's
 * stderr and aborts, so libFuzzer keeps the input.
 *
 * Coverage: the child's edge counters are its own copy. The linker wraps
 * _exit (-Wl,--wrap=_exit) so that the child copies its counters into a
 * shared page on the way out, and the parent folds them into its own
 * before libFuzzer reads them. */
#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lang/compile.h"
#include "stdlib/net.h"
#include "stdlib/stdlib.h"
#include "vm/sched.h"
#include "vm/vm.h"

/* The 8-bit edge counters of -fsanitize-coverage (one section, since the
 * target is one static executable): fuzz_cov.c. */
uint8_t *fuzz_cov_counters(size_t *n);

/* Shared between the parent and the child it forks (MAP_SHARED). */
typedef struct {
    volatile int exited; /* the child ended through _exit */
    volatile int code;
    uint8_t counters[]; /* the child's edge counters at exit */
} Shared;

/* Set once, before any fork or thread; read by whichever of the child's
 * threads reaches _exit. */
static Shared *shared;
static uint8_t *counters;
static size_t ncounters;
static int errfd = -1; /* memfd: the child's stderr, shown on a crash */
static bool in_child;  /* set in the child before its runtime starts threads */
static int64_t budget = 2000000, heap_mb = 256, rss_mb = 1024, wall_s = 20;

void __real__exit(int code) __attribute__((noreturn));

/* Every exit of csp's runtime (rt_exit, csp_fatal, a deadlock, os.Exit)
 * is _exit; -Wl,--wrap=_exit sends it here first. */
void __wrap__exit(int code)
{
    if (in_child && shared) {
        memcpy(shared->counters, counters, ncounters);
        shared->code = code;
        __atomic_store_n(&shared->exited, 1, __ATOMIC_SEQ_CST);
    }
    __real__exit(code);
}

static int64_t env_int(const char *name, int64_t dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoll(s, NULL, 10) : dflt;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    budget = env_int("CSP_FUZZ_BUDGET", budget);
    heap_mb = env_int("CSP_FUZZ_HEAP_MB", heap_mb);
    rss_mb = env_int("CSP_FUZZ_RSS_MB", rss_mb);
    wall_s = env_int("CSP_FUZZ_WALL_S", wall_s);
    counters = fuzz_cov_counters(&ncounters);
    shared =
        mmap(NULL, sizeof(Shared) + ncounters, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    errfd = memfd_create("fuzz_exec-stderr", 0);
    if (shared == MAP_FAILED || errfd < 0) {
        perror("fuzz_exec: setup");
        exit(1);
    }
    return 0;
}

/* What a fuzzed script must not reach, in place of the real ones: ffi,
 * the file system (reads, writes, directory walks that could take long)
 * and signals to other processes (syscall.Kill(0, ...) is the fuzzer's
 * own process group). */
static int disabled(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args;
    (void)nargs;
    (void)rets;
    return vm_panic_msg(t, "disabled in the fuzzer");
}

static void sandbox(Runtime *rt)
{
    static const char *const off[][2] = {
        {"ffi", "Open"},         {"os", "Chdir"},       {"os", "Chmod"},           {"os", "Create"},
        {"os", "CreateTemp"},    {"os", "Mkdir"},       {"os", "MkdirAll"},        {"os", "MkdirTemp"},
        {"os", "Open"},          {"os", "OpenFile"},    {"os", "ReadDir"},         {"os", "ReadFile"},
        {"os", "Remove"},        {"os", "RemoveAll"},   {"os", "Rename"},          {"os", "Truncate"},
        {"os", "WriteFile"},     {"syscall", "Kill"},   {"filepath", "Glob"},      {"filepath", "Walk"},
        {"filepath", "WalkDir"}, {"net", "Dial"},       {"net", "DialTimeout"},    {"net", "Listen"},
        {"net", "ListenPacket"}, {"net", "LookupHost"}, {"net", "ResolveTCPAddr"}, {"net", "ResolveUDPAddr"},
    };
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
        Value mod, member;
        /* opened here: modules are set up on first use */
        if (!rt_universe_get(rt, off[i][0], &mod) ||
            !map_get_cstr(((ObjModule *)v_ptr(mod))->members, off[i][1], &member)) {
            /* a renamed member would slip through: stop at once */
            fprintf(stderr, "fuzz_exec: sandbox: %s.%s does not exist\n", off[i][0], off[i][1]);
            _exit(3);
        }
        module_add(v_ptr(mod), off[i][1], v_from_ptr(native_new(off[i][1], disabled, 0, -1)));
    }
}

/* The child: what cli/main.c does for a script, then _exit. */
static _Noreturn void run_child(const uint8_t *data, size_t size)
{
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(errfd, 2);
    csp_fuzz_budget = budget;

    rt_gc_init(0);
    GC_set_max_heap_size((size_t)heap_mb << 20);

    char *src = GC_MALLOC_ATOMIC(size + 1);
    memcpy(src, data, size);
    src[size] = 0;
    static char *args[] = {"fuzz.csp", NULL};
    Runtime *rt = rt_new();
    stdlib_init(rt, 1, args);
    sandbox(rt);
    net_forbid(); /* net/http's servers and clients go through net too */

    ObjProto *p = compile_source(rt, "fuzz.csp", src, size, stderr, false);
    if (!p)
        _exit(1);
    sched_init(rt, 0);
    _exit(sched_run_main(thread_new(rt), p));
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long child_rss_mb(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    long size = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

static _Noreturn void crash(const char *why)
{
    /* The child's stderr first: the sanitizer's report is there. */
    char buf[4096];
    ssize_t n;
    lseek(errfd, 0, SEEK_SET);
    while ((n = read(errfd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stderr);
    fprintf(stderr, "\nfuzz_exec: %s\n", why);
    fflush(stderr);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    shared->exited = 0;
    memset(shared->counters, 0, ncounters);
    if (ftruncate(errfd, 0) < 0 || lseek(errfd, 0, SEEK_SET) < 0)
        crash("cannot reset the stderr file");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        crash("fork failed");
    if (pid == 0) {
        in_child = true;
        run_child(data, size);
    }

    int status = 0;
    int64_t start = now_ms(), next_rss = start + 100;
    useconds_t nap = 20;
    char why[128];
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            crash("waitpid failed");
        int64_t now = now_ms();
        if (now - start > wall_s * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(why, sizeof why, "the program still ran after %lld s (a hang)", (long long)wall_s);
            crash(why);
        }
        if (now >= next_rss) {
            long rss = child_rss_mb(pid);
            if (rss > rss_mb) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                snprintf(why, sizeof why, "the program's RSS reached %ld MB, past the %lld MB cap", rss,
                         (long long)rss_mb);
                crash(why);
            }
            next_rss = now + 100;
        }
        usleep(nap);
        if (nap < 2000)
            nap *= 2;
    }

    if (!shared->exited) {
        if (WIFSIGNALED(status))
            snprintf(why, sizeof why, "the program died of signal %d (%s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        else
            snprintf(why, sizeof why,
                     "the program ended with status %d without exiting (a sanitizer report?)",
                     WEXITSTATUS(status));
        crash(why);
    }
    for (size_t i = 0; i < ncounters; i++)
        if (shared->counters[i] > counters[i])
            counters[i] = shared->counters[i];
    return 0;
}
