/* log.c — the log module: the standard logger (Print*, Fatal*, Panic*,
 * SetFlags, SetPrefix, SetOutput...) and log.New's *log.Logger, with Go's
 * header ("2009/11/10 23:00:00 file.go:12: ") and flags.
 *
 * A line is formatted whole and written with one write to the logger's
 * io.Writer (stream.h), so lines of goroutines logging at once never mix;
 * os.Stderr, the default, flushes what csp holds of stdout first, so a
 * terminal shows the two in the order they were written.
 *
 * Concurrency: a Logger's out, prefix and flags are single words that
 * Set* replaces with atomic stores and the writers read with atomic
 * loads, so a logger changed while goroutines log is never torn.
 */
#include "stream.h"

#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "../vm/mem.h"

enum {
    LDATE = 1,
    LTIME = 2,
    LMICRO = 4,
    LLONGFILE = 8,
    LSHORTFILE = 16,
    LUTC = 32,
    LMSGPREFIX = 64,
    LSTDFLAGS = LDATE | LTIME,
};

typedef struct Logger {
    Value out;         /* the io.Writer; atomic (see the header) */
    ObjString *prefix; /* atomic */
    int flags;         /* atomic */
} Logger;

static const ObjClass logger_class;
static Logger *std_logger; /* made when the module opens; never replaced */

static Logger *logger_of(Value v)
{
    if (v_is_ref(v))
        v = v_from_ptr(v_ref_target(v));
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &logger_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static Value logger_new(Value out, ObjString *prefix, int flags)
{
    Logger *l = mem_alloc(sizeof *l);
    l->out = out;
    l->prefix = prefix;
    l->flags = flags;
    return v_from_ptr(object_new(&logger_class, l));
}

/* The file and line of the script code that called the log function. */
static bool caller(Thread *t, const char **file, int *line)
{
    for (int i = t->nframes - 1; i >= 0; i--) {
        const Frame *fr = &t->frames[i];
        if (!fr->cl)
            continue;
        const ObjProto *p = fr->cl->proto;
        ptrdiff_t k = fr->pc ? fr->pc - p->code - 1 : -1;
        *line = p->lines && k >= 0 && k < p->ncode ? p->lines[k] : p->line;
        *file = p->file ? p->file->data : "???";
        return true;
    }
    return false;
}

/* Go's Logger.Output: header, message, a newline unless it ends with one. */
static int output(Thread *t, Logger *l, const char *msg, size_t n)
{
    int flags = __atomic_load_n(&l->flags, __ATOMIC_ACQUIRE);
    ObjString *prefix = __atomic_load_n(&l->prefix, __ATOMIC_ACQUIRE);
    Value out = __atomic_load_n(&l->out, __ATOMIC_ACQUIRE);
    Buf b;
    buf_init(&b);
    if (!(flags & LMSGPREFIX))
        buf_add(&b, prefix->data, prefix->len);
    if (flags & (LDATE | LTIME | LMICRO)) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        struct tm tm;
        time_t secs = tv.tv_sec;
        if (flags & LUTC)
            gmtime_r(&secs, &tm);
        else
            localtime_r(&secs, &tm);
        if (flags & LDATE)
            buf_printf(&b, "%04d/%02d/%02d ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        if (flags & (LTIME | LMICRO)) {
            buf_printf(&b, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
            if (flags & LMICRO)
                buf_printf(&b, ".%06ld", (long)tv.tv_usec);
            buf_addc(&b, ' ');
        }
    }
    if (flags & (LSHORTFILE | LLONGFILE)) {
        const char *file = "???";
        int line = 0;
        caller(t, &file, &line);
        if (flags & LSHORTFILE) {
            const char *slash = strrchr(file, '/');
            if (slash)
                file = slash + 1;
        }
        buf_printf(&b, "%s:%d: ", file, line);
    }
    if (flags & LMSGPREFIX)
        buf_add(&b, prefix->data, prefix->len);
    buf_add(&b, msg, n);
    if (n == 0 || msg[n - 1] != '\n')
        buf_addc(&b, '\n');
    Value err;
    return stream_write(t, "log.Output", out, b.data, b.len, &err) < 0 ? -1 : 0;
}

/* What each function formats, and what it does after writing. */
typedef enum { K_PRINT, K_PRINTF, K_PRINTLN } Kind;
typedef enum { THEN_NONE, THEN_FATAL, THEN_PANIC } Then;

static int log_call(Thread *t, Logger *l, Kind kind, Then then, const char *fname, Value *args, int nargs,
                    Value *rets)
{
    (void)rets;
    Buf b;
    buf_init(&b);
    int r;
    if (kind == K_PRINTF) {
        ObjString *f;
        if (!vm_check_str(t, fname, args, 0, &f))
            return -1;
        r = fmt_format(t, &b, f->data, f->len, args + 1, nargs - 1);
    } else if (kind == K_PRINTLN) {
        r = fmt_println(t, &b, args, nargs);
    } else {
        r = fmt_print(t, &b, args, nargs);
    }
    if (r < 0)
        return -1;
    /* Println's newline is the line's own: Output adds none then */
    if (output(t, l, b.data ? b.data : "", b.len) < 0)
        return -1;
    if (then == THEN_FATAL)
        rt_exit(t->rt, 1);  /* flushes stdout; never returns */
    if (then == THEN_PANIC) /* with the text as formatted, Println's newline included */
        return vm_panic(t, v_from_ptr(str_new(b.data ? b.data : "", b.len)));
    return 0;
}

/* clang-format off */
#define STD_FN(cname, kind, then, gname)                                                                     \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        return log_call(t, std_logger, kind, then, gname, args, nargs, rets);                                \
    }
#define LOGGER_FN(cname, kind, then, gname)                                                                  \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        Logger *l = logger_of(args[0]);                                                                      \
        if (!l)                                                                                              \
            return vm_panicf(t, E_ARG_TYPE, gname, 0, "*log.Logger", v_type_name(args[0]));                  \
        return log_call(t, l, kind, then, gname, args + 1, nargs - 1, rets);                                 \
    }
/* clang-format on */

STD_FN(log_n_print, K_PRINT, THEN_NONE, "log.Print")
STD_FN(log_n_printf, K_PRINTF, THEN_NONE, "log.Printf")
STD_FN(log_n_println, K_PRINTLN, THEN_NONE, "log.Println")
STD_FN(log_n_fatal, K_PRINT, THEN_FATAL, "log.Fatal")
STD_FN(log_n_fatalf, K_PRINTF, THEN_FATAL, "log.Fatalf")
STD_FN(log_n_fatalln, K_PRINTLN, THEN_FATAL, "log.Fatalln")
STD_FN(log_n_panic, K_PRINT, THEN_PANIC, "log.Panic")
STD_FN(log_n_panicf, K_PRINTF, THEN_PANIC, "log.Panicf")
STD_FN(log_n_panicln, K_PRINTLN, THEN_PANIC, "log.Panicln")
LOGGER_FN(logger_print, K_PRINT, THEN_NONE, "log.Logger.Print")
LOGGER_FN(logger_printf, K_PRINTF, THEN_NONE, "log.Logger.Printf")
LOGGER_FN(logger_println, K_PRINTLN, THEN_NONE, "log.Logger.Println")
LOGGER_FN(logger_fatal, K_PRINT, THEN_FATAL, "log.Logger.Fatal")
LOGGER_FN(logger_fatalf, K_PRINTF, THEN_FATAL, "log.Logger.Fatalf")
LOGGER_FN(logger_fatalln, K_PRINTLN, THEN_FATAL, "log.Logger.Fatalln")
LOGGER_FN(logger_panic, K_PRINT, THEN_PANIC, "log.Logger.Panic")
LOGGER_FN(logger_panicf, K_PRINTF, THEN_PANIC, "log.Logger.Panicf")
LOGGER_FN(logger_panicln, K_PRINTLN, THEN_PANIC, "log.Logger.Panicln")

/* The setters and getters, on a logger l with its arguments a. */
static int set_flags(Thread *t, Logger *l, const char *fname, Value *a, Value *rets)
{
    (void)rets;
    int64_t f;
    if (!vm_check_int(t, fname, a, 0, &f))
        return -1;
    __atomic_store_n(&l->flags, (int)f, __ATOMIC_RELEASE);
    return 0;
}

static int set_prefix(Thread *t, Logger *l, const char *fname, Value *a, Value *rets)
{
    (void)rets;
    ObjString *p;
    if (!vm_check_str(t, fname, a, 0, &p))
        return -1;
    __atomic_store_n(&l->prefix, p, __ATOMIC_RELEASE);
    return 0;
}

static int set_output(Thread *t, Logger *l, const char *fname, Value *a, Value *rets)
{
    (void)rets;
    if (!stream_is_writer(a[0]))
        return vm_panicf(t, E_ARG_TYPE, fname, 1, "an io.Writer", v_type_name(a[0]));
    __atomic_store_n(&l->out, a[0], __ATOMIC_RELEASE);
    return 0;
}

static int get_flags(Thread *t, Logger *l, const char *fname, Value *a, Value *rets)
{
    (void)t, (void)fname, (void)a;
    rets[0] = v_int_small(__atomic_load_n(&l->flags, __ATOMIC_ACQUIRE));
    return 1;
}

static int get_prefix(Thread *t, Logger *l, const char *fname, Value *a, Value *rets)
{
    (void)t, (void)fname, (void)a;
    rets[0] = v_from_ptr(__atomic_load_n(&l->prefix, __ATOMIC_ACQUIRE));
    return 1;
}

static int get_writer(Thread *t, Logger *l, const char *fname, Value *a, Value *rets)
{
    (void)t, (void)fname, (void)a;
    rets[0] = __atomic_load_n(&l->out, __ATOMIC_ACQUIRE);
    return 1;
}

/* Output(calldepth, s): the call depth is not used (the caller's line is
 * the script's innermost frame). */
static int do_output(Thread *t, Logger *l, const char *fname, Value *a, Value *rets)
{
    ObjString *s;
    if (!vm_check_str(t, fname, a, 1, &s))
        return -1;
    if (output(t, l, s->data, s->len) < 0)
        return -1;
    rets[0] = V_NIL;
    return 1;
}

/* clang-format off */
#define STD_ACCESS(cname, fn, gname)                                                                         \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        return fn(t, std_logger, gname, args, rets);                                                         \
    }
#define LOGGER_ACCESS(cname, fn, gname)                                                                      \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        Logger *l = logger_of(args[0]);                                                                      \
        if (!l)                                                                                              \
            return vm_panicf(t, E_ARG_TYPE, gname, 0, "*log.Logger", v_type_name(args[0]));                  \
        return fn(t, l, gname, args + 1, rets);                                                              \
    }
/* clang-format on */

STD_ACCESS(log_n_set_flags, set_flags, "log.SetFlags")
STD_ACCESS(log_n_set_prefix, set_prefix, "log.SetPrefix")
STD_ACCESS(log_n_set_output, set_output, "log.SetOutput")
STD_ACCESS(log_n_flags, get_flags, "log.Flags")
STD_ACCESS(log_n_prefix, get_prefix, "log.Prefix")
STD_ACCESS(log_n_writer, get_writer, "log.Writer")
STD_ACCESS(log_n_output, do_output, "log.Output")
LOGGER_ACCESS(logger_set_flags, set_flags, "log.Logger.SetFlags")
LOGGER_ACCESS(logger_set_prefix, set_prefix, "log.Logger.SetPrefix")
LOGGER_ACCESS(logger_set_output, set_output, "log.Logger.SetOutput")
LOGGER_ACCESS(logger_flags, get_flags, "log.Logger.Flags")
LOGGER_ACCESS(logger_prefix, get_prefix, "log.Logger.Prefix")
LOGGER_ACCESS(logger_writer, get_writer, "log.Logger.Writer")
LOGGER_ACCESS(logger_output, do_output, "log.Logger.Output")

static const MethodDef logger_methods[] = {
    {"Print", logger_print, 0, -1},
    {"Printf", logger_printf, 1, -1},
    {"Println", logger_println, 0, -1},
    {"Fatal", logger_fatal, 0, -1},
    {"Fatalf", logger_fatalf, 1, -1},
    {"Fatalln", logger_fatalln, 0, -1},
    {"Panic", logger_panic, 0, -1},
    {"Panicf", logger_panicf, 1, -1},
    {"Panicln", logger_panicln, 0, -1},
    {"SetFlags", logger_set_flags, 1, 1},
    {"SetPrefix", logger_set_prefix, 1, 1},
    {"SetOutput", logger_set_output, 1, 1},
    {"Flags", logger_flags, 0, 0},
    {"Prefix", logger_prefix, 0, 0},
    {"Writer", logger_writer, 0, 0},
    {"Output", logger_output, 2, 2},
    {NULL, NULL, 0, 0},
};

static const ObjClass logger_class = {.name = "*log.Logger", .methods = logger_methods, .get_field = NULL};

static int log_n_new(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *prefix;
    int64_t flags;
    if (!vm_check_str(t, "log.New", args, 1, &prefix) || !vm_check_int(t, "log.New", args, 2, &flags))
        return -1;
    if (!stream_is_writer(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "log.New", 1, "an io.Writer", v_type_name(args[0]));
    rets[0] = logger_new(args[0], prefix, (int)flags);
    return 1;
}

static Value std_value; /* std_logger as a value, for log.Default() */

static int log_n_default(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = std_value;
    return 1;
}

/* The zero log.Logger (`var l log.Logger`): writes nowhere until
 * SetOutput, as Go's zero Logger writes to a nil writer... which panics
 * in Go; here it discards. */
static int log_n_logger_zero(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    Value discard = V_NIL;
    ObjModule *io = stdlib_module("io", 2, false);
    if (io)
        map_get_cstr(io->members, "Discard", &discard);
    rets[0] = logger_new(discard, str_new("", 0), 0);
    return 1;
}

static const ModuleFn log_fns[] = {
    {"Default", log_n_default, 0, 0, NULL},
    {"Fatal", log_n_fatal, 0, -1, "func(...any)"},
    {"Fatalf", log_n_fatalf, 1, -1, "func(string, ...any)"},
    {"Fatalln", log_n_fatalln, 0, -1, "func(...any)"},
    {"Flags", log_n_flags, 0, 0, "func() int"},
    {"Logger", log_n_logger_zero, 0, 0, NULL},
    {"New", log_n_new, 3, 3, "func(io.Writer, string, int) *log.Logger"},
    {"Output", log_n_output, 2, 2, "func(int, string) error"},
    {"Panic", log_n_panic, 0, -1, "func(...any)"},
    {"Panicf", log_n_panicf, 1, -1, "func(string, ...any)"},
    {"Panicln", log_n_panicln, 0, -1, "func(...any)"},
    {"Prefix", log_n_prefix, 0, 0, "func() string"},
    {"Print", log_n_print, 0, -1, "func(...any)"},
    {"Printf", log_n_printf, 1, -1, "func(string, ...any)"},
    {"Println", log_n_println, 0, -1, "func(...any)"},
    {"SetFlags", log_n_set_flags, 1, 1, "func(int)"},
    {"SetOutput", log_n_set_output, 1, 1, "func(io.Writer)"},
    {"SetPrefix", log_n_set_prefix, 1, 1, "func(string)"},
    {"Writer", log_n_writer, 0, 0, "func() io.Writer"},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt log_ints[] = {
    {"Ldate", LDATE},           {"Ltime", LTIME},           {"Lmicroseconds", LMICRO},
    {"Llongfile", LLONGFILE},   {"Lshortfile", LSHORTFILE}, {"LUTC", LUTC},
    {"Lmsgprefix", LMSGPREFIX}, {"LstdFlags", LSTDFLAGS},   {NULL, 0},
};

static void log_open(ObjModule *m)
{
    std_value = logger_new(os_stderr(), str_new("", 0), LSTDFLAGS);
    std_logger = logger_of(std_value);
    module_add_fns(m, log_fns);
    module_add_ints(m, log_ints);
    /* fmt's operands are Go's ...any: boxed as interfaces hold them */
    size_t cur = 0;
    Value k, v;
    while (map_next(m->members, &cur, &k, &v))
        if (v_is_obj(v, OBJ_NATIVE) && v_str(k)->data[0] != 'N' && v_str(k)->data[0] != 'S')
            v_obj(v)->flags |= NATIVE_ANY_ARGS;
    module_add_type(m, "Logger", TYPE_OBJECT);
}

const ModuleDef csp_module_log = {"log", log_open};
