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
 * flag.Duration's value is an int of nanoseconds, parsed and printed as
 * Go's time.ParseDuration and Duration.String do (kept here, apart from
 * the time module).
 *
 * flag.Usage is a module member a script may replace (`flag.Usage = func()
 * {...}`): Parse's errors call whatever it holds then.
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

static pthread_mutex_t flag_lock = PTHREAD_MUTEX_INITIALIZER;
static Flag *flags; /* flag_lock */
static int nflags, cap_flags;
static ObjList *rest;       /* the arguments after the flags: flag_lock */
static bool parsed;         /* flag_lock */
static ObjModule *flag_mod; /* to read flag.Usage's current value */

/* ---- durations --------------------------------------------------------- */

/* Go's time.ParseDuration; false on a bad string. */
static bool parse_duration(const char *s, int64_t *out)
{
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return true;
    }
    if (!*s)
        return false;
    double total = 0;
    while (*s) {
        if (!(*s >= '0' && *s <= '9') && *s != '.')
            return false;
        char *end;
        double v = strtod(s, &end);
        if (end == s)
            return false;
        s = end;
        static const struct {
            const char *u;
            double ns;
        } units[] = {{"ns", 1},   {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
                     {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
        int best = -1;
        size_t bl = 0;
        for (int i = 0; i < 8; i++) {
            size_t l = strlen(units[i].u);
            if (strncmp(s, units[i].u, l) == 0 && l > bl)
                best = i, bl = l;
        }
        if (best < 0)
            return false;
        s += bl;
        total += v * units[best].ns;
    }
    if (total > 9223372036854775807.0)
        return false;
    *out = neg ? -(int64_t)llround(total) : (int64_t)llround(total);
    return true;
}

/* Go's Duration.String. */
static void format_duration(Buf *b, int64_t d)
{
    if (d == 0) {
        buf_adds(b, "0s");
        return;
    }
    uint64_t u = d < 0 ? (uint64_t)(-(d + 1)) + 1 : (uint64_t)d;
    char tmp[64];
    int w = 64;
    if (u < 1000000000ull) {
        /* under a second: ns, µs or ms with a fraction */
        const char *unit;
        int prec;
        if (u < 1000) {
            unit = "ns";
            prec = 0;
        } else if (u < 1000000) {
            unit = "\xc2\xb5s";
            prec = 3;
        } else {
            unit = "ms";
            prec = 6;
        }
        size_t ul = strlen(unit);
        w -= (int)ul;
        memcpy(tmp + w, unit, ul);
        uint64_t frac_div = 1;
        for (int i = 0; i < prec; i++)
            frac_div *= 10;
        uint64_t whole = u / frac_div, frac = u % frac_div;
        if (frac) {
            char f[16];
            int fl = 0;
            for (int i = 0; i < prec; i++) {
                f[prec - 1 - i] = (char)('0' + frac % 10);
                frac /= 10;
            }
            fl = prec;
            while (fl > 0 && f[fl - 1] == '0')
                fl--;
            w -= fl;
            memcpy(tmp + w, f, (size_t)fl);
            tmp[--w] = '.';
        }
        do {
            tmp[--w] = (char)('0' + whole % 10);
            whole /= 10;
        } while (whole);
    } else {
        tmp[--w] = 's';
        uint64_t secs = u / 1000000000ull, frac = u % 1000000000ull;
        if (frac) {
            char f[9];
            for (int i = 0; i < 9; i++) {
                f[8 - i] = (char)('0' + frac % 10);
                frac /= 10;
            }
            int fl = 9;
            while (fl > 0 && f[fl - 1] == '0')
                fl--;
            w -= fl;
            memcpy(tmp + w, f, (size_t)fl);
            tmp[--w] = '.';
        }
        uint64_t s = secs % 60, m = secs / 60 % 60, h = secs / 3600;
        do {
            tmp[--w] = (char)('0' + s % 10);
            s /= 10;
        } while (s);
        if (secs >= 60) {
            tmp[--w] = 'm';
            do {
                tmp[--w] = (char)('0' + m % 10);
                m /= 10;
            } while (m);
        }
        if (secs >= 3600) {
            tmp[--w] = 'h';
            do {
                tmp[--w] = (char)('0' + h % 10);
                h /= 10;
            } while (h);
        }
    }
    if (d < 0)
        tmp[--w] = '-';
    buf_add(b, tmp + w, (size_t)(64 - w));
}

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
        if (!parse_duration(s, &d))
            return false;
        *out = v_make_int(d);
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
        format_duration(b, v_is_anyint(v) ? v_anyint(v) : 0);
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

static Flag *find(const char *name)
{
    for (int i = 0; i < nflags; i++)
        if (strcmp(flags[i].name, name) == 0)
            return &flags[i];
    return NULL;
}

/* ---- defining ---------------------------------------------------------- */

static int define(Thread *t, FlagKind k, const char *fname, Value ptr, Value *a, Value *rets, bool var)
{
    ObjString *name, *usage;
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
    pthread_mutex_lock(&flag_lock);
    if (find(name->data)) {
        pthread_mutex_unlock(&flag_lock);
        return vm_panic(t, stdlib_error(E_FLAG_REDEFINED, name->data));
    }
    if (nflags == cap_flags) {
        int ncap = cap_flags ? cap_flags * 2 : 16;
        Flag *nf = mem_alloc(sizeof *nf * (size_t)ncap);
        if (nflags)
            memcpy(nf, flags, sizeof *nf * (size_t)nflags);
        flags = nf;
        cap_flags = ncap;
    }
    if (ptr == V_NIL)
        ptr = v_ref(cell_new(plain));
    else {
        Value *slot = ref_slot(ptr);
        if (slot)
            *slot = plain;
    }
    flags[nflags++] = (Flag){name->data, usage->data, k, ptr, plain, false};
    pthread_mutex_unlock(&flag_lock);
    if (!var)
        rets[0] = ptr;
    return var ? 0 : 1;
}

/* clang-format off */
#define DEF(cname, kind, gname)                                                                              \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        return define(t, kind, gname, V_NIL, args, rets, false);                                             \
    }
#define DEFVAR(cname, kind, gname)                                                                           \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        (void)nargs;                                                                                         \
        if (!v_is_ref(args[0]) || !ref_slot(args[0]))                                                        \
            return vm_panicf(t, E_ARG_TYPE, gname, 1, "a pointer", v_type_name(args[0]));                     \
        return define(t, kind, gname, args[0], args + 1, rets, true);                                        \
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
static void defaults_text(Buf *b)
{
    pthread_mutex_lock(&flag_lock);
    int n = nflags;
    Flag *sorted = mem_alloc(sizeof *sorted * (size_t)(n ? n : 1));
    if (n)
        memcpy(sorted, flags, sizeof *sorted * (size_t)n);
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

static int print_defaults(Thread *t)
{
    Buf b;
    buf_init(&b);
    defaults_text(&b);
    Value err;
    return stream_write(t, "flag.PrintDefaults", os_stderr(), b.data ? b.data : "", b.len, &err) < 0 ? -1 : 0;
}

static int flag_n_print_defaults(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs, (void)rets;
    return print_defaults(t);
}

/* The default flag.Usage: "Usage of <program>:" and the defaults. */
static int flag_n_default_usage(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs, (void)rets;
    Value prog = v_cstr("");
    if (t->rt->args && t->rt->args->len > 0)
        list_get(t->rt->args, 0, &prog);
    Buf b;
    buf_init(&b);
    buf_printf(&b, "Usage of %s:\n", v_is_str(prog) ? v_str(prog)->data : "");
    Value err;
    if (stream_write(t, "flag.Usage", os_stderr(), b.data, b.len, &err) < 0)
        return -1;
    return print_defaults(t);
}

/* Call flag.Usage as the script has it now. */
static int call_usage(Thread *t)
{
    Value fn;
    if (!flag_mod || !map_get_cstr(flag_mod->members, "Usage", &fn) || fn == V_NIL)
        return flag_n_default_usage(t, NULL, 0, NULL);
    return vm_call(t, fn, NULL, 0) < 0 ? -1 : 0;
}

/* ---- parsing ----------------------------------------------------------- */

/* Report a parse error as Go's ExitOnError does: the message and the
 * usage on stderr, exit 2. */
static int fail(Thread *t, Value msg)
{
    Buf b;
    buf_init(&b);
    ObjString *m = ((ObjError *)v_ptr(msg))->msg;
    buf_add(&b, m->data, m->len);
    buf_addc(&b, '\n');
    Value err;
    if (stream_write(t, "flag.Parse", os_stderr(), b.data, b.len, &err) < 0 || call_usage(t) < 0)
        return -1;
    rt_exit(t->rt, 2);
}

static int set_flag(Thread *t, Flag *f, const char *value, bool *ok)
{
    Value v;
    const char *why;
    *ok = parse_value(f->kind, value, &v, &why);
    if (!*ok)
        return 0;
    Value *slot = ref_slot(f->ptr);
    if (slot)
        *slot = v;
    f->set = true;
    (void)t;
    return 0;
}

/* Parse args[from..): returns the index of the first argument left. */
static int parse(Thread *t, ObjList *args, int64_t from, int64_t *left)
{
    int64_t i = from, n = args->len;
    while (i < n) {
        Value av;
        list_get(args, i, &av);
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
            return fail(t, stdlib_error(E_FLAG_BAD_SYNTAX, s->data));
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
        Flag *f = find(nm);
        pthread_mutex_unlock(&flag_lock);
        if (!f) {
            if (strcmp(nm, "help") == 0 || strcmp(nm, "h") == 0) {
                if (call_usage(t) < 0)
                    return -1;
                rt_exit(t->rt, 0);
            }
            return fail(t, stdlib_error(E_FLAG_UNDEFINED, nm));
        }
        bool ok;
        if (f->kind == F_BOOL) {
            set_flag(t, f, value ? value : "true", &ok);
            if (!ok)
                return fail(t, stdlib_error(E_FLAG_BAD_BOOL, value, nm, "parse error"));
            continue;
        }
        if (!value && i < n) {
            Value nv;
            list_get(args, i++, &nv);
            value = v_str(nv)->data;
        }
        if (!value)
            return fail(t, stdlib_error(E_FLAG_NEEDS_ARG, nm));
        Value v;
        const char *why;
        if (!parse_value(f->kind, value, &v, &why))
            return fail(t, stdlib_error(E_FLAG_BAD_VALUE, value, nm, why));
        set_flag(t, f, value, &ok);
    }
    *left = i;
    return 0;
}

static int flag_n_parse(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs, (void)rets;
    ObjList *all = t->rt->args ? t->rt->args : list_new(0, 0);
    int64_t left = 0;
    if (parse(t, all, 1, &left) < 0)
        return -1;
    ObjList *r = list_new(0, 0);
    Value v;
    for (int64_t i = left; list_get(all, i, &v); i++)
        list_append(r, v);
    list_set_type(r, types_parse("[]string", 8));
    pthread_mutex_lock(&flag_lock);
    rest = r;
    parsed = true;
    pthread_mutex_unlock(&flag_lock);
    return 0;
}

/* The arguments left after the flags: none before Parse, as Go's. */
static ObjList *rest_args(Thread *t)
{
    (void)t;
    pthread_mutex_lock(&flag_lock);
    ObjList *r = rest;
    pthread_mutex_unlock(&flag_lock);
    if (r)
        return r;
    r = list_new(0, 0);
    list_set_type(r, types_parse("[]string", 8));
    return r;
}

static int flag_n_args(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs;
    ObjList *r = rest_args(t);
    rets[0] = v_copy(v_from_ptr(r));
    return 1;
}

static int flag_n_narg(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)args, (void)nargs;
    rets[0] = v_int_small(rest_args(t)->len);
    return 1;
}

static int flag_n_arg(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t i;
    if (!vm_check_int(t, "flag.Arg", args, 0, &i))
        return -1;
    Value v;
    rets[0] = i >= 0 && list_get(rest_args(t), i, &v) ? v : v_cstr("");
    return 1;
}

static int flag_n_nflag(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    int n = 0;
    pthread_mutex_lock(&flag_lock);
    for (int i = 0; i < nflags; i++)
        n += flags[i].set;
    pthread_mutex_unlock(&flag_lock);
    rets[0] = v_int_small(n);
    return 1;
}

static int flag_n_parsed(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    pthread_mutex_lock(&flag_lock);
    rets[0] = v_bool(parsed);
    pthread_mutex_unlock(&flag_lock);
    return 1;
}

static int flag_n_set(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *name, *value;
    if (!vm_check_str(t, "flag.Set", args, 0, &name) || !vm_check_str(t, "flag.Set", args, 1, &value))
        return -1;
    pthread_mutex_lock(&flag_lock);
    Flag *f = find(name->data);
    pthread_mutex_unlock(&flag_lock);
    if (!f) {
        rets[0] = v_error("no such flag -%s", name->data);
        return 1;
    }
    bool ok;
    set_flag(t, f, value->data, &ok);
    rets[0] = ok ? V_NIL : v_error("parse error");
    return 1;
}

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

static void flag_open(ObjModule *m)
{
    module_add_fns(m, flag_fns);
    module_add(m, "Usage", v_from_ptr(native_new("flag.Usage", flag_n_default_usage, 0, 0)));
    module_add(m, "ErrHelp", stdlib_error(E_FLAG_HELP));
    flag_mod = m;
}

const ModuleDef csp_module_flag = {"flag", flag_open};
