/* flag.c — the flag module: the command line's flags (Int String Bool
 * Duration Float64 Int64 Uint Uint64 and their *Var forms), Parse with
 * Go's rules (-x, --x, -x=v, -x v, bool flags take no separate value,
 * "--" ends the flags, the first non-flag ends them), Args Arg NArg NFlag
 * Parsed Set, PrintDefaults and Usage in Go's format, and Go's
 * errors ("flag provided but not defined: -foo", then the usage on stderr
 * and exit status 2; -h and -help print the usage and exit 0).
 *
 * A flag's variable is a fresh cell (`flag.Int` returns a pointer to it,
 * as `new(int)`), or the script's own variable for IntVar(&n, ...).
 * flag.Duration's value is a time.Duration, parsed and printed by the
 * time module (stdlib_parse_duration, stdlib_duration_string).
 *
 * flag.Usage is a package variable (module_add_var): a script may set it
 * (`flag.Usage = f`), and Parse's errors call whatever it holds then.
 * Parse reads os.Args as it is then, as Go's does (a script may set it).
 *
 * flag.NewFlagSet makes a FlagSet of its own (subcommands); the command
 * line's flags are one more FlagSet, command_line, with ExitOnError.
 *
 * Concurrency: flags are defined and parsed by main before goroutines
 * use them, as in Go; the table is guarded by flag_lock all the same so
 * a racy script cannot corrupt it.
 */
#include "stream.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../vm/format.h"
#include "../vm/mem.h"

typedef enum { F_BOOL, F_INT, F_INT64, F_UINT, F_UINT64, F_STRING, F_FLOAT, F_DURATION } FlagKind;

typedef struct Flag {
    const char *name, *usage;
    FlagKind kind;
    Value ptr; /* the variable: a pointer */
    Value def; /* the default, as stored */
    bool set;  /* given on the command line */
} Flag;

/* Go's error handling of a FlagSet's Parse. */
enum { CONTINUE_ON_ERROR, EXIT_ON_ERROR, PANIC_ON_ERROR };

/* A set of flags: the command line's (flag.Int...) or a NewFlagSet's. */
typedef struct FlagSet {
    const char *name; /* for "Usage of name:"; the command line's is os.Args[0] */
    int handling;     /* CONTINUE_ON_ERROR...; immutable */
    bool command_line;
    Flag *flags; /* flag_lock, as are the fields below */
    int nflags, cap_flags;
    ObjList *rest; /* the arguments after the flags */
    bool parsed;
    Value output; /* where messages go: an io.Writer, V_NIL for os.Stderr */
} FlagSet;

static pthread_mutex_t flag_lock = PTHREAD_MUTEX_INITIALIZER;
static FlagSet command_line = {"", EXIT_ON_ERROR, true, NULL, 0, 0, NULL, false, V_NIL};
static ObjModule *flag_mod; /* to read flag.Usage's current value */
static Value err_help;      /* flag.ErrHelp, made when the module opens */

/* ---- values ------------------------------------------------------------ */

/* Parse s as a value of kind k; false with *why (Go's "parse error" or
 * "value out of range"). */
static bool parse_value(FlagKind k, const char *s, Value *out, const char **why)
{
    size_t n = strlen(s);
    *why = "parse error";
    switch (k) {
    case F_BOOL: {
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
        for (int i = 0; i < 6; i++) {
            if (strcmp(s, yes[i]) == 0) {
                *out = V_TRUE;
                return true;
            }
            if (strcmp(s, no[i]) == 0) {
                *out = V_FALSE;
                return true;
            }
        }
        return false;
    }
    case F_INT:
    case F_INT64: {
        int64_t v;
        NumStatus st = strconv_parse_int(s, n, 0, 64, &v);
        if (st == NUM_RANGE)
            *why = "value out of range";
        if (st != NUM_OK)
            return false;
        *out = v_make_int(v);
        return true;
    }
    case F_UINT:
    case F_UINT64: {
        uint64_t v;
        NumStatus st = strconv_parse_uint(s, n, 0, 64, &v);
        if (st == NUM_RANGE)
            *why = "value out of range";
        if (st != NUM_OK)
            return false;
        *out = v_make_uint(v);
        return true;
    }
    case F_FLOAT: {
        double d;
        NumStatus st = strconv_parse_float(s, n, 64, &d);
        if (st == NUM_RANGE)
            *why = "value out of range";
        if (st != NUM_OK)
            return false;
        *out = v_make_float(d);
        return true;
    }
    case F_DURATION: {
        int64_t d;
        if (!stdlib_parse_duration(s, n, &d))
            return false;
        *out = stdlib_duration(d);
        return true;
    }
    case F_STRING:
        *out = v_from_ptr(str_new(s, n));
        return true;
    }
    return false;
}

/* A flag's value as Go's Value.String() prints it. */
static void value_text(Buf *b, FlagKind k, Value v)
{
    if (k == F_DURATION)
        buf_adds(b, stdlib_duration_string(v_anyint(v_unnamed(v)))->data);
    else if (k == F_STRING && v_is_str(v))
        buf_add(b, v_str(v)->data, v_str(v)->len);
    else
        format_value(b, v);
}

static const char *kind_name(FlagKind k)
{
    switch (k) {
    case F_BOOL:
        return "";
    case F_INT:
    case F_INT64:
        return "int";
    case F_UINT:
    case F_UINT64:
        return "uint";
    case F_STRING:
        return "string";
    case F_FLOAT:
        return "float";
    case F_DURATION:
        return "duration";
    }
    return "value";
}

static Flag *find(FlagSet *fs, const char *name)
{
    for (int i = 0; i < fs->nflags; i++)
        if (strcmp(fs->flags[i].name, name) == 0)
            return &fs->flags[i];
    return NULL;
}

static Value output_of(FlagSet *fs)
{
    return fs->output != V_NIL ? fs->output : os_stderr();
}

/* ---- defining ---------------------------------------------------------- */

static int define(Thread *t, FlagSet *fs, FlagKind k, const char *fname, Value ptr, Value *a, Value *rets,
                  bool var)
{
    ObjString *name, *usage;
    if (!fs) /* a FlagSet method on something else */
        return vm_panic_msg(t, "%s: the receiver must be a *flag.FlagSet", fname);
    if (!vm_check_str(t, fname, a, 0, &name) || !vm_check_str(t, fname, a, 2, &usage))
        return -1;
    Value def = a[1];
    /* the default as the flag's kind holds it */
    Value plain = v_unnamed(def);
    bool ok = k == F_BOOL     ? v_is_bool(plain)
              : k == F_STRING ? v_is_str(plain)
              : k == F_FLOAT  ? v_is_anyfloat(plain) || v_is_anyint(plain)
                              : v_is_anyint(plain);
    if (!ok)
        return vm_panicf(t, E_ARG_TYPE, fname, var ? 3 : 2, kind_name(k)[0] ? kind_name(k) : "bool",
                         v_type_name(def));
    if (k == F_FLOAT && v_is_anyint(plain))
        plain = v_make_float((double)v_anyint(plain));
    if (k == F_DURATION)
        plain = stdlib_duration(v_anyint(plain)); /* *d prints 1m30s */
    pthread_mutex_lock(&flag_lock);
    if (find(fs, name->data)) {
        pthread_mutex_unlock(&flag_lock);
        return vm_panic(t, stdlib_error(E_FLAG_REDEFINED, name->data));
    }
    if (fs->nflags == fs->cap_flags) {
        int ncap = fs->cap_flags ? fs->cap_flags * 2 : 16;
        Flag *nf = mem_alloc(sizeof *nf * (size_t)ncap);
        if (fs->nflags)
            memcpy(nf, fs->flags, sizeof *nf * (size_t)fs->nflags);
        fs->flags = nf;
        fs->cap_flags = ncap;
    }
    if (ptr == V_NIL) {
        ptr = v_ref(cell_new(plain));
    } else {
        Value *slot = ref_slot(ptr);
        if (slot)
            *slot = plain;
    }
    fs->flags[fs->nflags++] = (Flag){name->data, usage->data, k, ptr, plain, false};
    pthread_mutex_unlock(&flag_lock);
    if (!var)
        rets[0] = ptr;
    return var ? 0 : 1;
}

static const ObjClass flagset_class;

/* A FlagSet method's receiver. */
static FlagSet *set_of(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &flagset_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

/* clang-format off */
#define DEF(cname, kind, gname)                                                                              \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        return define(t, &command_line, kind, gname, V_NIL, args, rets, false);                              \
    }                                                                                                        \
    static int cname##_m(Thread *t, Value *args, int nargs, Value *rets)                                     \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        return define(t, set_of(args[0]), kind, gname, V_NIL, args + 1, rets, false);                        \
    }
#define DEFVAR(cname, kind, gname)                                                                           \
    static int cname##_in(Thread *t, FlagSet *fs, Value *args, Value *rets)                                  \
    {                                                                                                        \
        if (!v_is_ref(args[0]) || !ref_slot(args[0]))                                                        \
            return vm_panicf(t, E_ARG_TYPE, gname, 1, "a pointer", v_type_name(args[0]));                     \
        return define(t, fs, kind, gname, args[0], args + 1, rets, true);                                    \
    }                                                                                                        \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        return cname##_in(t, &command_line, args, rets);                                                     \
    }                                                                                                        \
    static int cname##_m(Thread *t, Value *args, int nargs, Value *rets)                                     \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        return cname##_in(t, set_of(args[0]), args + 1, rets);                                               \
    }
/* clang-format on */

DEF(flag_n_bool, F_BOOL, "flag.Bool")
DEF(flag_n_int, F_INT, "flag.Int")
DEF(flag_n_int64, F_INT64, "flag.Int64")
DEF(flag_n_uint, F_UINT, "flag.Uint")
DEF(flag_n_uint64, F_UINT64, "flag.Uint64")
DEF(flag_n_string, F_STRING, "flag.String")
DEF(flag_n_float64, F_FLOAT, "flag.Float64")
DEF(flag_n_duration, F_DURATION, "flag.Duration")
DEFVAR(flag_n_bool_var, F_BOOL, "flag.BoolVar")
DEFVAR(flag_n_int_var, F_INT, "flag.IntVar")
DEFVAR(flag_n_int64_var, F_INT64, "flag.Int64Var")
DEFVAR(flag_n_uint_var, F_UINT, "flag.UintVar")
DEFVAR(flag_n_uint64_var, F_UINT64, "flag.Uint64Var")
DEFVAR(flag_n_string_var, F_STRING, "flag.StringVar")
DEFVAR(flag_n_float64_var, F_FLOAT, "flag.Float64Var")
DEFVAR(flag_n_duration_var, F_DURATION, "flag.DurationVar")

/* ---- usage ------------------------------------------------------------- */

/* Go's isZeroValue: the default prints as the kind's zero does. */
static bool is_zero_default(const Flag *f, const char *text)
{
    switch (f->kind) {
    case F_BOOL:
        return strcmp(text, "false") == 0;
    case F_STRING:
        return text[0] == 0;
    case F_DURATION:
        return strcmp(text, "0s") == 0;
    default:
        return strcmp(text, "0") == 0;
    }
}

static int cmp_flag(const void *a, const void *b)
{
    return strcmp(((const Flag *)a)->name, ((const Flag *)b)->name);
}

/* PrintDefaults' text, flags sorted by name. */
static void defaults_text(FlagSet *fs, Buf *b)
{
    pthread_mutex_lock(&flag_lock);
    int n = fs->nflags;
    Flag *sorted = mem_alloc(sizeof *sorted * (size_t)(n ? n : 1));
    if (n)
        memcpy(sorted, fs->flags, sizeof *sorted * (size_t)n);
    pthread_mutex_unlock(&flag_lock);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_flag);
    for (int i = 0; i < n; i++) {
        const Flag *f = &sorted[i];
        size_t start = b->len;
        buf_printf(b, "  -%s", f->name);
        /* Go's UnquoteUsage: a `backquoted` word of the usage names the
         * value, and loses its quotes */
        const char *usage = f->usage, *q1 = strchr(usage, '`'), *q2 = q1 ? strchr(q1 + 1, '`') : NULL;
        Buf u;
        buf_init(&u);
        if (q2) {
            buf_adds(b, " ");
            buf_add(b, q1 + 1, (size_t)(q2 - q1 - 1));
            buf_add(&u, usage, (size_t)(q1 - usage));
            buf_add(&u, q1 + 1, (size_t)(q2 - q1 - 1));
            buf_adds(&u, q2 + 1);
        } else {
            const char *tn = kind_name(f->kind);
            if (tn[0])
                buf_printf(b, " %s", tn);
            buf_adds(&u, usage);
        }
        if (b->len - start <= 4)
            buf_adds(b, "\t");
        else
            buf_adds(b, "\n    \t");
        for (size_t k = 0; k < u.len; k++) {
            if (u.data[k] == '\n')
                buf_adds(b, "\n    \t");
            else
                buf_addc(b, u.data[k]);
        }
        Buf d;
        buf_init(&d);
        value_text(&d, f->kind, f->def);
        buf_addc(&d, 0);
        if (!is_zero_default(f, d.data)) {
            if (f->kind == F_STRING) {
                buf_adds(b, " (default ");
                format_quote(b, d.data, d.len - 1, false);
                buf_adds(b, ")");
            } else {
                buf_printf(b, " (default %s)", d.data);
            }
        }
        buf_addc(b, '\n');
    }
}

static int print_defaults(Thread *t, FlagSet *fs)
{
    Buf b;
    buf_init(&b);
    defaults_text(fs, &b);
    Value err;
    return stream_write(t, "flag.PrintDefaults", output_of(fs), b.data ? b.data : "", b.len, &err) < 0 ? -1
                                                                                                       : 0;
}

static int flag_n_print_defaults(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs, (void)rets;
    return print_defaults(t, &command_line);
}

/* os.Args as the os module holds it now (the command line's until a
 * script sets it). */
static ObjList *os_args_list(Thread *t)
{
    Value a = module_get(stdlib_module("os", 2, false), "Args");
    if (v_is_obj(a, OBJ_LIST))
        return v_list(a);
    return t->rt->args ? t->rt->args : list_new(0, 0);
}

/* Go's defaultUsage: "Usage of <name>:" (or "Usage:") and the defaults. */
static int default_usage(Thread *t, FlagSet *fs)
{
    const char *name = fs->name;
    Value prog = V_NIL;
    if (fs->command_line && LIST_GET(os_args_list(t), len) > 0 && list_get(os_args_list(t), 0, &prog) &&
        v_is_str(prog))
        name = v_str(prog)->data;
    Buf b;
    buf_init(&b);
    if (name[0])
        buf_printf(&b, "Usage of %s:\n", name);
    else
        buf_adds(&b, "Usage:\n");
    Value err;
    if (stream_write(t, "flag.Usage", output_of(fs), b.data, b.len, &err) < 0)
        return -1;
    return print_defaults(t, fs);
}

static int flag_n_default_usage(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs, (void)rets;
    return default_usage(t, &command_line);
}

/* The usage of fs: the command line's is flag.Usage as the module holds
 * it. */
static int call_usage(Thread *t, FlagSet *fs)
{
    Value fn;
    if (!fs->command_line || !flag_mod || (fn = module_get(flag_mod, "Usage")) == V_UNDEF || fn == V_NIL)
        return default_usage(t, fs);
    return vm_call(t, fn, NULL, 0) < 0 ? -1 : 0;
}

/* ---- parsing ----------------------------------------------------------- */

/* A parse error, as fs's error handling says: the message and the usage
 * on its output, then return the error (1), exit 2 or panic (-1). */
static int fail(Thread *t, FlagSet *fs, Value msg, Value *err)
{
    Buf b;
    buf_init(&b);
    ObjString *m = ((ObjError *)v_ptr(msg))->msg;
    buf_add(&b, m->data, m->len);
    buf_addc(&b, '\n');
    Value werr;
    if (stream_write(t, "flag.Parse", output_of(fs), b.data, b.len, &werr) < 0 || call_usage(t, fs) < 0)
        return -1;
    if (fs->handling == EXIT_ON_ERROR)
        rt_exit(t->rt, 2);
    if (fs->handling == PANIC_ON_ERROR)
        return vm_panic(t, msg);
    *err = msg;
    return 1;
}

static void set_flag(Flag *f, Value v)
{
    Value *slot = ref_slot(f->ptr);
    if (slot)
        *slot = v;
    f->set = true;
}

/* Parse args[from..): 0 with *left the first argument left, 1 with *err
 * (ContinueOnError), -1 after a panic. */
static int parse(Thread *t, FlagSet *fs, ObjList *args, int64_t from, int64_t *left, Value *err)
{
    int64_t i = from, n = args->len;
    while (i < n) {
        Value av;
        list_get(args, i, &av);
        if (!v_is_str(av))
            break;
        ObjString *s = v_str(av);
        if (s->len < 2 || s->data[0] != '-')
            break;
        size_t minus = 1;
        if (s->data[1] == '-') {
            minus = 2;
            if (s->len == 2) {
                i++;
                break;
            }
        }
        const char *name = s->data + minus;
        if (!*name || *name == '-' || *name == '=')
            return fail(t, fs, stdlib_error(E_FLAG_BAD_SYNTAX, s->data), err);
        i++;
        const char *eq = strchr(name, '=');
        char *nm = mem_alloc_atomic(strlen(name) + 1);
        strcpy(nm, name);
        const char *value = NULL;
        if (eq) {
            nm[eq - name] = 0;
            value = eq + 1;
        }
        pthread_mutex_lock(&flag_lock);
        Flag *f = find(fs, nm);
        pthread_mutex_unlock(&flag_lock);
        if (!f) {
            if (strcmp(nm, "help") == 0 || strcmp(nm, "h") == 0) {
                if (call_usage(t, fs) < 0)
                    return -1;
                if (fs->handling == EXIT_ON_ERROR)
                    rt_exit(t->rt, 0);
                if (fs->handling == PANIC_ON_ERROR)
                    return vm_panic(t, err_help);
                *err = err_help;
                return 1;
            }
            return fail(t, fs, stdlib_error(E_FLAG_UNDEFINED, nm), err);
        }
        Value v;
        const char *why;
        if (f->kind == F_BOOL) {
            if (!parse_value(F_BOOL, value ? value : "true", &v, &why))
                return fail(t, fs, stdlib_error(E_FLAG_BAD_BOOL, value, nm, why), err);
            set_flag(f, v);
            continue;
        }
        if (!value && i < n) {
            Value nv;
            list_get(args, i++, &nv);
            value = v_is_str(nv) ? v_str(nv)->data : "";
        }
        if (!value)
            return fail(t, fs, stdlib_error(E_FLAG_NEEDS_ARG, nm), err);
        if (!parse_value(f->kind, value, &v, &why))
            return fail(t, fs, stdlib_error(E_FLAG_BAD_VALUE, value, nm, why), err);
        set_flag(f, v);
    }
    *left = i;
    return 0;
}

/* fs.Parse(args[from..]): nil or the error (ContinueOnError); -1 on a
 * panic. */
static int parse_set(Thread *t, FlagSet *fs, ObjList *all, int64_t from, Value *err)
{
    int64_t left = all->len;
    *err = V_NIL;
    int r = parse(t, fs, all, from, &left, err);
    if (r < 0)
        return -1;
    ObjList *rest = list_new(0, 0);
    Value v;
    for (int64_t i = left; list_get(all, i, &v); i++)
        list_append(rest, v);
    list_set_type(rest, types_parse("[]string", 8));
    pthread_mutex_lock(&flag_lock);
    fs->rest = rest;
    fs->parsed = true;
    pthread_mutex_unlock(&flag_lock);
    return 0;
}

static int flag_n_parse(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs, (void)rets;
    Value err;
    return parse_set(t, &command_line, os_args_list(t), 1, &err) < 0 ? -1 : 0;
}

/* The arguments left after the flags: none before Parse, as Go's. */
static ObjList *rest_args(FlagSet *fs)
{
    pthread_mutex_lock(&flag_lock);
    ObjList *r = fs->rest;
    pthread_mutex_unlock(&flag_lock);
    if (r)
        return r;
    r = list_new(0, 0);
    list_set_type(r, types_parse("[]string", 8));
    return r;
}

static int args_of(FlagSet *fs, Value *rets)
{
    rets[0] = v_copy(v_from_ptr(rest_args(fs)));
    return 1;
}

static int narg_of(FlagSet *fs, Value *rets)
{
    rets[0] = v_int_small(rest_args(fs)->len);
    return 1;
}

static int arg_of(Thread *t, FlagSet *fs, Value *a, Value *rets)
{
    int64_t i;
    if (!vm_check_int(t, "flag.Arg", a, 0, &i))
        return -1;
    Value v;
    rets[0] = i >= 0 && list_get(rest_args(fs), i, &v) ? v : v_cstr("");
    return 1;
}

static int nflag_of(FlagSet *fs, Value *rets)
{
    int n = 0;
    pthread_mutex_lock(&flag_lock);
    for (int i = 0; i < fs->nflags; i++)
        n += fs->flags[i].set;
    pthread_mutex_unlock(&flag_lock);
    rets[0] = v_int_small(n);
    return 1;
}

static int parsed_of(FlagSet *fs, Value *rets)
{
    pthread_mutex_lock(&flag_lock);
    rets[0] = v_bool(fs->parsed);
    pthread_mutex_unlock(&flag_lock);
    return 1;
}

static int set_of_flag(Thread *t, FlagSet *fs, Value *a, Value *rets)
{
    ObjString *name, *value;
    if (!vm_check_str(t, "flag.Set", a, 0, &name) || !vm_check_str(t, "flag.Set", a, 1, &value))
        return -1;
    pthread_mutex_lock(&flag_lock);
    Flag *f = find(fs, name->data);
    pthread_mutex_unlock(&flag_lock);
    if (!f) {
        rets[0] = v_error("no such flag -%s", name->data);
        return 1;
    }
    Value v;
    const char *why;
    if (!parse_value(f->kind, value->data, &v, &why)) {
        rets[0] = v_error("%s", why);
        return 1;
    }
    set_flag(f, v);
    rets[0] = V_NIL;
    return 1;
}

static int flag_n_args(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    return args_of(&command_line, rets);
}

static int flag_n_narg(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    return narg_of(&command_line, rets);
}

static int flag_n_arg(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return arg_of(t, &command_line, args, rets);
}

static int flag_n_nflag(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    return nflag_of(&command_line, rets);
}

static int flag_n_parsed(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    return parsed_of(&command_line, rets);
}

static int flag_n_set(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return set_of_flag(t, &command_line, args, rets);
}

/* ---- FlagSet ----------------------------------------------------------- */

static Value flagset_new(const char *name, int handling)
{
    FlagSet *fs = mem_alloc(sizeof *fs);
    memset(fs, 0, sizeof *fs);
    fs->name = name;
    fs->handling = handling;
    fs->output = V_NIL;
    return v_from_ptr(object_new(&flagset_class, fs));
}

static int flag_n_new_flag_set(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *name;
    int64_t handling;
    if (!vm_check_str(t, "flag.NewFlagSet", args, 0, &name) ||
        !vm_check_int(t, "flag.NewFlagSet", args, 1, &handling))
        return -1;
    rets[0] = flagset_new(name->data, (int)handling);
    return 1;
}

/* The zero FlagSet (`var fs flag.FlagSet`): no name, ContinueOnError. */
static int flag_n_flag_set_zero(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = flagset_new("", CONTINUE_ON_ERROR);
    return 1;
}

/* clang-format off */
#define FS(name)                                                                                             \
    FlagSet *fs = set_of(args[0]);                                                                           \
    (void)nargs;                                                                                             \
    if (!fs)                                                                                                 \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "*flag.FlagSet", v_type_name(args[0]))
/* clang-format on */

static int fs_parse(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.Parse");
    Value a = args[1];
    if (a != V_NIL && !v_is_obj(a, OBJ_LIST))
        return vm_panicf(t, E_ARG_TYPE, "flag.FlagSet.Parse", 1, "[]string", v_type_name(a));
    Value err;
    if (parse_set(t, fs, a == V_NIL ? list_new(0, 0) : v_list(a), 0, &err) < 0)
        return -1;
    rets[0] = err;
    return 1;
}

static int fs_args(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.Args");
    return args_of(fs, rets);
}

static int fs_narg(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.NArg");
    return narg_of(fs, rets);
}

static int fs_arg(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.Arg");
    return arg_of(t, fs, args + 1, rets);
}

static int fs_nflag(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.NFlag");
    return nflag_of(fs, rets);
}

static int fs_parsed(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.Parsed");
    return parsed_of(fs, rets);
}

static int fs_set(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.Set");
    return set_of_flag(t, fs, args + 1, rets);
}

static int fs_name(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.Name");
    rets[0] = v_cstr(fs->name);
    return 1;
}

static int fs_print_defaults(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.PrintDefaults");
    (void)rets;
    return print_defaults(t, fs);
}

static int fs_set_output(Thread *t, Value *args, int nargs, Value *rets)
{
    FS("flag.FlagSet.SetOutput");
    (void)rets;
    if (args[1] != V_NIL && !stream_is_writer(args[1]))
        return vm_panicf(t, E_ARG_TYPE, "flag.FlagSet.SetOutput", 1, "an io.Writer", v_type_name(args[1]));
    fs->output = args[1];
    return 0;
}

static const MethodDef flagset_methods[] = {
    {"Bool", flag_n_bool_m, 3, 3},
    {"BoolVar", flag_n_bool_var_m, 4, 4},
    {"Duration", flag_n_duration_m, 3, 3},
    {"DurationVar", flag_n_duration_var_m, 4, 4},
    {"Float64", flag_n_float64_m, 3, 3},
    {"Float64Var", flag_n_float64_var_m, 4, 4},
    {"Int", flag_n_int_m, 3, 3},
    {"Int64", flag_n_int64_m, 3, 3},
    {"Int64Var", flag_n_int64_var_m, 4, 4},
    {"IntVar", flag_n_int_var_m, 4, 4},
    {"String", flag_n_string_m, 3, 3},
    {"StringVar", flag_n_string_var_m, 4, 4},
    {"Uint", flag_n_uint_m, 3, 3},
    {"Uint64", flag_n_uint64_m, 3, 3},
    {"Uint64Var", flag_n_uint64_var_m, 4, 4},
    {"UintVar", flag_n_uint_var_m, 4, 4},
    {"Parse", fs_parse, 1, 1},
    {"Args", fs_args, 0, 0},
    {"Arg", fs_arg, 1, 1},
    {"NArg", fs_narg, 0, 0},
    {"NFlag", fs_nflag, 0, 0},
    {"Parsed", fs_parsed, 0, 0},
    {"Set", fs_set, 2, 2},
    {"Name", fs_name, 0, 0},
    {"PrintDefaults", fs_print_defaults, 0, 0},
    {"SetOutput", fs_set_output, 1, 1},
    {NULL, NULL, 0, 0},
};

static const ObjClass flagset_class = {
    .name = "*flag.FlagSet", .methods = flagset_methods, .get_field = NULL};

static const ModuleFn flag_fns[] = {
    {"Arg", flag_n_arg, 1, 1, "func(int) string"},
    {"Args", flag_n_args, 0, 0, "func() []string"},
    {"Bool", flag_n_bool, 3, 3, "func(string, bool, string) *bool"},
    {"BoolVar", flag_n_bool_var, 4, 4, "func(*bool, string, bool, string)"},
    {"Duration", flag_n_duration, 3, 3, NULL},
    {"DurationVar", flag_n_duration_var, 4, 4, NULL},
    {"Float64", flag_n_float64, 3, 3, "func(string, float64, string) *float64"},
    {"Float64Var", flag_n_float64_var, 4, 4, "func(*float64, string, float64, string)"},
    {"Int", flag_n_int, 3, 3, "func(string, int, string) *int"},
    {"Int64", flag_n_int64, 3, 3, "func(string, int64, string) *int64"},
    {"Int64Var", flag_n_int64_var, 4, 4, "func(*int64, string, int64, string)"},
    {"IntVar", flag_n_int_var, 4, 4, "func(*int, string, int, string)"},
    {"NArg", flag_n_narg, 0, 0, "func() int"},
    {"NFlag", flag_n_nflag, 0, 0, "func() int"},
    {"NewFlagSet", flag_n_new_flag_set, 2, 2, NULL},
    {"Parse", flag_n_parse, 0, 0, "func()"},
    {"Parsed", flag_n_parsed, 0, 0, "func() bool"},
    {"PrintDefaults", flag_n_print_defaults, 0, 0, "func()"},
    {"Set", flag_n_set, 2, 2, "func(string, string) error"},
    {"String", flag_n_string, 3, 3, "func(string, string, string) *string"},
    {"StringVar", flag_n_string_var, 4, 4, "func(*string, string, string, string)"},
    {"Uint", flag_n_uint, 3, 3, "func(string, uint, string) *uint"},
    {"Uint64", flag_n_uint64, 3, 3, "func(string, uint64, string) *uint64"},
    {"Uint64Var", flag_n_uint64_var, 4, 4, "func(*uint64, string, uint64, string)"},
    {"UintVar", flag_n_uint_var, 4, 4, "func(*uint, string, uint, string)"},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt flag_ints[] = {
    {"ContinueOnError", CONTINUE_ON_ERROR},
    {"ExitOnError", EXIT_ON_ERROR},
    {"PanicOnError", PANIC_ON_ERROR},
    {NULL, 0},
};

static void flag_open(ObjModule *m)
{
    module_add_fns(m, flag_fns);
    module_add_ints(m, flag_ints);
    module_add_var(m, "Usage", v_from_ptr(native_new("flag.Usage", flag_n_default_usage, 0, 0)));
    err_help = stdlib_error(E_FLAG_HELP);
    module_add(m, "ErrHelp", err_help);
    module_add(m, "FlagSet", v_from_ptr(native_new("flag.FlagSet", flag_n_flag_set_zero, 0, 0)));
    module_add_type(m, "FlagSet", TYPE_OBJECT);
    module_add_type(m, "ErrorHandling", TYPE_INT);
    flag_mod = m;
}

const ModuleDef csp_module_flag = {"flag", flag_open};
