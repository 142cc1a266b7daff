/* main.c — the csp command line.
 *
 *   csp file.csp [args]   run a script (os.Args = [file.csp, args...])
 *   csp -e CODE [args]    run one string (os.Args[0] = "-e")
 *   csp - [args]          read the script from standard input
 *   csp                   REPL on a terminal; else the script from stdin
 *   csp --disasm FILE     print the bytecode of FILE
 *   csp --trace OUT ...   run with the execution trace written to OUT
 *   csp trace summary OUT where goroutines spent their time (trace_summary.c)
 *   csp --version | --help
 *
 * Exit status: 0 ok, 1 compile error (or unreadable file), 2 panic or
 * deadlock, n from os.Exit(n).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lang/compile.h"
#include "repl.h"
#include "stdlib/stdlib.h"
#include "trace_summary.h"
#include "vm/disasm.h"
#include "vm/mem.h"
#include "vm/race.h"
#include "vm/sched.h"
#include "vm/trace.h"
#include "vm/vm.h"

#define CSP_VERSION "0.1.0"

static const char usage[] =
    "usage: csp [options] [file.csp | -e code | -] [args...]\n"
    "\n"
    "  file.csp        run the script; os.Args is [file.csp, args...]\n"
    "  -e code         run code given on the command line\n"
    "  -               read the script from standard input\n"
    "  (no arguments)  on a terminal: the interactive REPL; else the script from stdin\n"
    "  -race           report data races as they happen (exit 66 at the end if any)\n"
    "  -leaks          when main returns, report goroutines blocked for ever (exit 2 if any)\n"
    "  --trace file    write an execution trace to file at exit (Chrome trace-event JSON,\n"
    "                  which ui.perfetto.dev opens)\n"
    "  --disasm file   print the bytecode of file instead of running it\n"
    "  --version       print the version\n"
    "  --help          print this help\n"
    "\n"
    "       csp trace summary [-n N] file\n"
    "\n"
    "  prints where the goroutines of a trace spent their time (the N busiest; 20)\n"
    "\n"
    "environment: CSPMAXPROCS=n sets how many OS threads run csp code at once;\n"
    "  CSPRACE=1 is -race; CSPLEAKS=1 is -leaks; CSPDEBUG=gctrace=1 prints a line\n"
    "  per garbage collection on stderr (its pause, heap, goroutines scanned)\n";

/* Read a whole stream into a GC'd NUL-terminated buffer. A stream larger
 * than the heap can hold ends in "fatal error: out of memory". */
static char *read_stream(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = mem_alloc_atomic(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap = mem_grow(cap, n + 2, 0, 1);
            char *nb = mem_alloc_atomic(cap);
            memcpy(nb, buf, n);
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        if (got == 0)
            break;
        n += got;
    }
    if (ferror(f))
        return NULL;
    buf[n] = 0;
    *len = n;
    return buf;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = read_stream(f, len);
    int e = errno;
    fclose(f);
    errno = e;
    return s;
}

int main(int argc, char **argv)
{
    rt_gc_init(160 << 20);

    /* "csp trace ..." is a subcommand; a script named trace is ./trace. */
    if (argc >= 2 && !strcmp(argv[1], "trace"))
        return trace_command(argc - 1, argv + 1);

    const char *script = NULL, *code = NULL, *trace_path = NULL;
    bool disasm = false, from_stdin = false, leaks = getenv("CSPLEAKS") && !strcmp(getenv("CSPLEAKS"), "1");
    bool race = getenv("CSPRACE") && !strcmp(getenv("CSPRACE"), "1");
    int argi = 1;
    while (argi < argc) {
        const char *a = argv[argi];
        if (!strcmp(a, "--version")) {
            printf("csp %s\n", CSP_VERSION);
            return 0;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--disasm")) {
            disasm = true;
            argi++;
        } else if (!strcmp(a, "-leaks") || !strcmp(a, "--leaks")) {
            leaks = true;
            argi++;
        } else if (!strcmp(a, "-trace") || !strcmp(a, "--trace") || !strncmp(a, "--trace=", 8) ||
                   !strncmp(a, "-trace=", 7)) {
            const char *eq = strchr(a, '=');
            if (eq) {
                trace_path = eq + 1;
                argi++;
            } else {
                if (argi + 1 >= argc) {
                    fprintf(stderr, "csp: %s needs a file name\n%s", a, usage);
                    return 1;
                }
                trace_path = argv[argi + 1];
                argi += 2;
            }
            if (!*trace_path) {
                fprintf(stderr, "csp: %s needs a file name\n%s", a, usage);
                return 1;
            }
        } else if (!strcmp(a, "-race") || !strcmp(a, "--race")) {
            race = true;
            argi++;
        } else if (!strcmp(a, "-e")) {
            if (argi + 1 >= argc) {
                fprintf(stderr, "csp: -e needs an argument\n%s", usage);
                return 1;
            }
            code = argv[argi + 1];
            argi += 1; /* argv[argi] ("-e") becomes os.Args[0] */
            break;
        } else if (!strcmp(a, "-")) {
            from_stdin = true;
            break;
        } else if (a[0] == '-' && a[1] == '-' && a[2] == 0) {
            argi++;
            if (argi < argc)
                script = argv[argi];
            break;
        } else if (a[0] == '-') {
            fprintf(stderr, "csp: unknown option %s\n%s", a, usage);
            return 1;
        } else {
            script = a;
            break;
        }
    }

    /* Before anything is compiled: the compiler marks the instructions
     * the detector checks only while it is on. */
    if (race)
        race_enable();

    const char *name;
    char *src;
    size_t len = 0;
    char **script_argv = argv + argi;
    int script_argc = argc - argi;
    static char *stdin_argv[] = {"-", NULL};
    if (code) {
        name = "-e";
        src = (char *)code;
        len = strlen(code);
        /* os.Args[0] is "-e"; skip the code itself. */
        static char *eargv[1024];
        int n = 0;
        eargv[n++] = "-e";
        for (int i = argi + 1; i < argc && n < 1023; i++)
            eargv[n++] = argv[i];
        script_argv = eargv;
        script_argc = n;
    } else if (script) {
        name = script;
        src = read_file(script, &len);
        if (!src) {
            fprintf(stderr, "csp: cannot read %s: %s\n", script, strerror(errno));
            return 1;
        }
    } else {
        if (!from_stdin && isatty(0) && !disasm) {
            /* A terminal and nothing to run: the interactive session. */
            static char *repl_argv[] = {"", NULL};
            Runtime *rt = rt_new();
            stdlib_init(rt, 1, repl_argv);
            if (trace_path && !trace_start(trace_path)) {
                fprintf(stderr, "csp: cannot write the trace %s: %s\n", trace_path, strerror(errno));
                return 1;
            }
            repl_run(rt, CSP_VERSION);
        }
        name = "-";
        src = read_stream(stdin, &len);
        if (!src) {
            fprintf(stderr, "csp: cannot read standard input: %s\n", strerror(errno));
            return 1;
        }
        if (!from_stdin) {
            script_argv = stdin_argv;
            script_argc = 1;
        }
    }

    Runtime *rt = rt_new();
    stdlib_init(rt, script_argc, script_argv);
    ObjProto *main_proto = compile_source(rt, name, src, len, stderr, false);
    if (!main_proto)
        return 1;
    if (disasm) {
        disasm_proto(stdout, main_proto);
        return 0;
    }
    rt->find_leaks = leaks;
    if (trace_path && !trace_start(trace_path)) {
        fprintf(stderr, "csp: cannot write the trace %s: %s\n", trace_path, strerror(errno));
        return 1;
    }
    sched_init(rt, 0);
    return sched_run_main(thread_new(rt), main_proto);
}
