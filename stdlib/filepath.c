/* filepath.c — path/filepath and path: Go's lexical path functions
 * (Clean's rules exactly, Join, Base, Dir, Ext, Split, Rel, Match), and
 * filepath's Abs, Glob, WalkDir and Walk, which read the file system
 * through os's own functions (os.ReadDir, os.Lstat), called as a script
 * calls them, so their blocking calls hand the P off as os's do.
 *
 * Only Unix paths: the separator is '/', there are no volume names.
 */
#include "stream.h"

#include <pthread.h>
#include <string.h>

#include "../vm/mem.h"
#include "../vm/utf8.h"

static Value err_bad_pattern, skip_dir, skip_all; /* made when a module opens */

static void sentinels_init(void)
{
    err_bad_pattern = stdlib_error(E_PATH_BAD_PATTERN);
    skip_dir = stdlib_error(E_PATH_SKIP_DIR);
    skip_all = stdlib_error(E_PATH_SKIP_ALL);
}

/* path and filepath share them; either may open first, on any thread */
static void make_sentinels(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sentinels_init);
}

static Value str_val(const char *s, size_t n)
{
    return v_from_ptr(str_new(s, n));
}

/* Go's Clean, into out (which it resets). */
static void clean(const char *p, size_t n, Buf *out)
{
    out->len = 0;
    if (n == 0) {
        buf_addc(out, '.');
        return;
    }
    bool rooted = p[0] == '/';
    size_t r = 0, dotdot = 0;
    if (rooted) {
        buf_addc(out, '/');
        r = dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (out->len > dotdot) {
                out->len--;
                while (out->len > dotdot && out->data[out->len] != '/')
                    out->len--;
            } else if (!rooted) {
                if (out->len > 0)
                    buf_addc(out, '/');
                buf_add(out, "..", 2);
                dotdot = out->len;
            }
        } else {
            if ((rooted && out->len != 1) || (!rooted && out->len != 0))
                buf_addc(out, '/');
            for (; r < n && p[r] != '/'; r++)
                buf_addc(out, p[r]);
        }
    }
    if (out->len == 0)
        buf_addc(out, '.');
}

static Value clean_val(const char *p, size_t n)
{
    Buf b;
    buf_init(&b);
    clean(p, n, &b);
    return str_val(b.data, b.len);
}

static int fp_clean(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.Clean", args, 0, &s))
        return -1;
    rets[0] = clean_val(s->data, s->len);
    return 1;
}

static int fp_join(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    bool any = false;
    for (int i = 0; i < nargs; i++) {
        ObjString *s;
        if (!vm_check_str(t, "filepath.Join", args, i, &s))
            return -1;
        if (s->len == 0)
            continue;
        if (any)
            buf_addc(&b, '/');
        buf_add(&b, s->data, s->len);
        any = true;
    }
    rets[0] = any ? clean_val(b.data, b.len) : str_val("", 0);
    return 1;
}

static int fp_base(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.Base", args, 0, &s))
        return -1;
    size_t n = s->len;
    if (n == 0) {
        rets[0] = str_val(".", 1);
        return 1;
    }
    while (n > 0 && s->data[n - 1] == '/')
        n--;
    if (n == 0) {
        rets[0] = str_val("/", 1);
        return 1;
    }
    size_t i = n;
    while (i > 0 && s->data[i - 1] != '/')
        i--;
    rets[0] = str_val(s->data + i, n - i);
    return 1;
}

static int fp_dir(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.Dir", args, 0, &s))
        return -1;
    size_t i = s->len;
    while (i > 0 && s->data[i - 1] != '/')
        i--;
    rets[0] = clean_val(s->data, i);
    return 1;
}

static int fp_ext(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.Ext", args, 0, &s))
        return -1;
    for (size_t i = s->len; i > 0 && s->data[i - 1] != '/'; i--) {
        if (s->data[i - 1] == '.') {
            rets[0] = str_val(s->data + i - 1, s->len - i + 1);
            return 1;
        }
    }
    rets[0] = str_val("", 0);
    return 1;
}

static int fp_split(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.Split", args, 0, &s))
        return -1;
    size_t i = s->len;
    while (i > 0 && s->data[i - 1] != '/')
        i--;
    rets[0] = str_val(s->data, i);
    rets[1] = str_val(s->data + i, s->len - i);
    return 2;
}

static int fp_is_abs(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.IsAbs", args, 0, &s))
        return -1;
    rets[0] = v_bool(s->len > 0 && s->data[0] == '/');
    return 1;
}

/* A member of the os module, called as a script calls it. */
static int call_os(Thread *t, const char *name, const Value *args, int nargs)
{
    ObjModule *os = stdlib_module("os", 2, false);
    Value fn;
    if (!os || !map_get_cstr(os->members, name, &fn))
        return vm_panic_msg(t, "filepath: os.%s is missing", name);
    return vm_call(t, fn, args, nargs);
}

static int fp_abs(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.Abs", args, 0, &s))
        return -1;
    if (s->len > 0 && s->data[0] == '/') {
        rets[0] = clean_val(s->data, s->len);
        rets[1] = V_NIL;
        return 2;
    }
    int nr = call_os(t, "Getwd", NULL, 0);
    if (nr < 0)
        return -1;
    if (nr >= 2 && t->rets[1] != V_NIL) {
        rets[0] = str_val("", 0);
        rets[1] = t->rets[1];
        return 2;
    }
    ObjString *wd = v_str(t->rets[0]);
    Buf b;
    buf_init(&b);
    buf_add(&b, wd->data, wd->len);
    buf_addc(&b, '/');
    buf_add(&b, s->data, s->len);
    rets[0] = clean_val(b.data, b.len);
    rets[1] = V_NIL;
    return 2;
}

static int fp_rel(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *bs, *ts;
    if (!vm_check_str(t, "filepath.Rel", args, 0, &bs) || !vm_check_str(t, "filepath.Rel", args, 1, &ts))
        return -1;
    Buf bb, tb;
    buf_init(&bb);
    buf_init(&tb);
    clean(bs->data, bs->len, &bb);
    clean(ts->data, ts->len, &tb);
    const char *base = bb.data, *targ = tb.data;
    size_t bl = bb.len, tl = tb.len;
    if (bl == tl && memcmp(base, targ, bl) == 0) {
        rets[0] = str_val(".", 1);
        rets[1] = V_NIL;
        return 2;
    }
    if (bl == 1 && base[0] == '.')
        bl = 0;
    bool bslash = bl > 0 && base[0] == '/', tslash = tl > 0 && targ[0] == '/';
    if (bslash != tslash) {
        rets[0] = str_val("", 0);
        rets[1] = stdlib_error(E_PATH_REL, ts->data, bs->data);
        return 2;
    }
    size_t b0 = 0, bi = 0, t0 = 0, ti = 0;
    for (;;) {
        while (bi < bl && base[bi] != '/')
            bi++;
        while (ti < tl && targ[ti] != '/')
            ti++;
        if (ti - t0 != bi - b0 || memcmp(targ + t0, base + b0, bi - b0) != 0)
            break;
        if (bi < bl)
            bi++;
        if (ti < tl)
            ti++;
        b0 = bi;
        t0 = ti;
    }
    if (bi - b0 == 2 && base[b0] == '.' && base[b0 + 1] == '.') {
        rets[0] = str_val("", 0);
        rets[1] = stdlib_error(E_PATH_REL, ts->data, bs->data);
        return 2;
    }
    if (b0 != bl) {
        Buf out;
        buf_init(&out);
        buf_add(&out, "..", 2);
        for (size_t i = b0; i < bl; i++)
            if (base[i] == '/')
                buf_add(&out, "/..", 3);
        if (t0 != tl) {
            buf_addc(&out, '/');
            buf_add(&out, targ + t0, tl - t0);
        }
        rets[0] = str_val(out.data, out.len);
    } else {
        rets[0] = str_val(targ + t0, tl - t0);
    }
    rets[1] = V_NIL;
    return 2;
}

/* ---- Match ------------------------------------------------------------- */

/* Match pattern p against name s, Go's syntax; -1: a bad pattern. */
static int match(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0;
    while (pi < pn) {
        char c = p[pi];
        if (c == '*') {
            while (pi < pn && p[pi] == '*')
                pi++;
            /* the rest of the pattern against each suffix within this
             * path element */
            for (size_t k = si;; k++) {
                int r = match(p + pi, pn - pi, s + k, sn - k);
                if (r != 0)
                    return r;
                if (k >= sn || s[k] == '/')
                    break;
            }
            /* still check the rest of the pattern for bad syntax */
            return match(p + pi, pn - pi, "", 0) < 0 ? -1 : 0;
        }
        if (c == '?') {
            if (si >= sn || s[si] == '/')
                return 0;
            int32_t r;
            si += (size_t)utf8_decode(s + si, sn - si, &r);
            pi++;
            continue;
        }
        if (c == '[') {
            pi++;
            bool negate = pi < pn && p[pi] == '^';
            if (negate)
                pi++;
            int32_t r = -1;
            size_t w = 0;
            if (si < sn && s[si] != '/')
                w = (size_t)utf8_decode(s + si, sn - si, &r);
            bool matched = false;
            int nranges = 0;
            for (;;) {
                if (pi < pn && p[pi] == ']' && nranges > 0) {
                    pi++;
                    break;
                }
                int32_t lo, hi;
                if (pi >= pn)
                    return -1;
                if (p[pi] == '\\')
                    pi++;
                if (pi >= pn)
                    return -1;
                pi += (size_t)utf8_decode(p + pi, pn - pi, &lo);
                hi = lo;
                if (pi < pn && p[pi] == '-') {
                    pi++;
                    if (pi < pn && p[pi] == '\\')
                        pi++;
                    if (pi >= pn || p[pi] == ']')
                        return -1;
                    pi += (size_t)utf8_decode(p + pi, pn - pi, &hi);
                }
                if (r >= 0 && lo <= r && r <= hi)
                    matched = true;
                nranges++;
            }
            if (r < 0 || matched == negate)
                return 0;
            si += w;
            continue;
        }
        if (c == '\\') {
            pi++;
            if (pi >= pn)
                return -1;
            c = p[pi];
        }
        if (si >= sn || s[si] != c)
            return 0;
        si++;
        pi++;
    }
    return si == sn;
}

static int fp_match(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    make_sentinels();
    ObjString *p, *s;
    if (!vm_check_str(t, "filepath.Match", args, 0, &p) || !vm_check_str(t, "filepath.Match", args, 1, &s))
        return -1;
    int r = match(p->data, p->len, s->data, s->len);
    rets[0] = v_bool(r == 1);
    rets[1] = r < 0 ? err_bad_pattern : V_NIL;
    return 2;
}

static bool has_meta(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
            return true;
    return false;
}

/* Names in dir matching pattern, appended to out as dir/name, sorted;
 * -1 on a panic, -2 on a bad pattern. */
static int glob_in(Thread *t, const char *dir, size_t dn, const char *pat, size_t pn, ObjList *out)
{
    Value arg = str_val(dn ? dir : ".", dn ? dn : 1);
    int nr = call_os(t, "ReadDir", &arg, 1);
    if (nr < 0)
        return -1;
    if (nr < 1 || !v_is_obj(t->rets[0], OBJ_LIST))
        return 0;
    ObjList *ents = v_list(t->rets[0]);
    Value e;
    for (int64_t i = 0; list_get(ents, i, &e); i++) {
        int k = stream_call(t, e, "Name", NULL, 0);
        if (k < 0)
            return -1;
        ObjString *name = v_str(t->rets[0]);
        int m = match(pat, pn, name->data, name->len);
        if (m < 0)
            return -2;
        if (m == 0)
            continue;
        Buf b;
        buf_init(&b);
        if (dn) {
            buf_add(&b, dir, dn);
            if (dir[dn - 1] != '/')
                buf_addc(&b, '/');
        }
        buf_add(&b, name->data, name->len);
        list_append(out, str_val(b.data, b.len));
    }
    return 0;
}

static int glob(Thread *t, const char *p, size_t n, ObjList *out)
{
    if (!has_meta(p, n)) {
        Value arg = str_val(p, n);
        int nr = call_os(t, "Lstat", &arg, 1);
        if (nr < 0)
            return -1;
        if (nr >= 2 && t->rets[1] == V_NIL)
            list_append(out, arg);
        return 0;
    }
    size_t i = n;
    while (i > 0 && p[i - 1] != '/')
        i--;
    /* dir is p[0..i) cleaned as Go's cleanGlobPath: "" -> ".", trailing
     * slash dropped except for "/" */
    size_t dn = i;
    if (dn > 1 && p[dn - 1] == '/')
        dn--;
    if (!has_meta(p, dn))
        return glob_in(t, p, dn, p + i, n - i, out);
    ObjList *dirs = list_new(0, 0);
    int r = glob(t, p, dn, dirs);
    if (r < 0)
        return r;
    Value d;
    for (int64_t k = 0; list_get(dirs, k, &d); k++) {
        r = glob_in(t, v_str(d)->data, v_str(d)->len, p + i, n - i, out);
        if (r < 0)
            return r;
    }
    return 0;
}

static int fp_glob(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    make_sentinels();
    ObjString *p;
    if (!vm_check_str(t, "filepath.Glob", args, 0, &p))
        return -1;
    const ObjType *strs = types_parse("[]string", 8);
    if (match(p->data, p->len, "", 0) < 0) {
        rets[0] = v_from_ptr(list_nil(strs));
        rets[1] = err_bad_pattern;
        return 2;
    }
    ObjList *out = list_new(0, 0);
    int r = glob(t, p->data, p->len, out);
    if (r == -1)
        return -1;
    list_set_type(out, strs);
    rets[0] = r != -2 && out->len ? v_from_ptr(out) : v_from_ptr(list_nil(strs));
    rets[1] = r == -2 ? err_bad_pattern : V_NIL;
    return 2;
}

/* ---- WalkDir and Walk -------------------------------------------------- */

/* fn(path, entry, err): its error result; -1 after a panic. */
static int visit(Thread *t, Value fn, Value path, Value ent, Value err, Value *res)
{
    Value a[3] = {path, ent, err};
    int nr = vm_call(t, fn, a, 3);
    if (nr < 0)
        return -1;
    *res = nr >= 1 ? t->rets[0] : V_NIL;
    return 0;
}

static bool is_dir_entry(Thread *t, Value ent, int *panicked)
{
    int nr = stream_call(t, ent, "IsDir", NULL, 0);
    if (nr == -1)
        *panicked = 1;
    return nr >= 1 && t->rets[0] == V_TRUE;
}

/* Go's walkDir (infos: Walk's, with an os.Lstat FileInfo per entry). 0
 * or the error that stops the walk in *res; -1 after a panic. */
static int walk(Thread *t, Value fn, Value path, Value ent, bool infos, Value *res)
{
    int panicked = 0;
    *res = V_NIL;
    bool dir = is_dir_entry(t, ent, &panicked);
    if (panicked)
        return -1;
    if (!dir)
        return visit(t, fn, path, ent, V_NIL, res);
    int nr = call_os(t, "ReadDir", &path, 1);
    if (nr < 0)
        return -1;
    Value ents = t->rets[0], rerr = nr >= 2 ? t->rets[1] : V_NIL;
    if (infos) {
        /* Walk: the directory first, then a read error in a second call */
        if (visit(t, fn, path, ent, V_NIL, res) < 0)
            return -1;
        if (*res != V_NIL) {
            if (*res == skip_dir)
                *res = V_NIL;
            return 0;
        }
        if (rerr != V_NIL) {
            if (visit(t, fn, path, ent, rerr, res) < 0)
                return -1;
            if (*res == skip_dir)
                *res = V_NIL;
            return 0;
        }
    } else {
        if (visit(t, fn, path, ent, V_NIL, res) < 0)
            return -1;
        if (*res != V_NIL || rerr != V_NIL) {
            if (*res == V_NIL) {
                if (visit(t, fn, path, ent, rerr, res) < 0)
                    return -1;
            }
            if (*res == skip_dir)
                *res = V_NIL;
            return 0;
        }
    }
    Value e;
    ObjString *ps = v_str(path);
    for (int64_t i = 0; v_is_obj(ents, OBJ_LIST) && list_get(v_list(ents), i, &e); i++) {
        int k = stream_call(t, e, "Name", NULL, 0);
        if (k < 0)
            return -1;
        ObjString *name = v_str(t->rets[0]);
        Buf b;
        buf_init(&b);
        buf_add(&b, ps->data, ps->len);
        if (ps->len == 0 || ps->data[ps->len - 1] != '/')
            buf_addc(&b, '/');
        buf_add(&b, name->data, name->len);
        Value sub = str_val(b.data, b.len);
        Value sent = e;
        if (infos) {
            int n2 = call_os(t, "Lstat", &sub, 1);
            if (n2 < 0)
                return -1;
            if (n2 >= 2 && t->rets[1] != V_NIL) {
                Value r2;
                if (visit(t, fn, sub, V_NIL, t->rets[1], &r2) < 0)
                    return -1;
                if (r2 != V_NIL && r2 != skip_dir) {
                    *res = r2;
                    return 0;
                }
                continue;
            }
            sent = t->rets[0];
        }
        if (walk(t, fn, sub, sent, infos, res) < 0)
            return -1;
        if (*res != V_NIL) {
            if (*res == skip_dir) {
                bool sub_dir = is_dir_entry(t, sent, &panicked);
                if (panicked)
                    return -1;
                if (!sub_dir) { /* SkipDir from a file: skip the rest of this directory */
                    *res = V_NIL;
                    return 0;
                }
                *res = V_NIL;
                continue;
            }
            return 0;
        }
    }
    return 0;
}

static int walk_common(Thread *t, const char *fname, Value *args, bool infos, Value *rets)
{
    make_sentinels();
    ObjString *root;
    if (!vm_check_str(t, fname, args, 0, &root))
        return -1;
    Value fn = args[1];
    Value rootv = args[0];
    int nr = call_os(t, "Lstat", &rootv, 1);
    if (nr < 0)
        return -1;
    Value res;
    if (nr >= 2 && t->rets[1] != V_NIL) {
        if (visit(t, fn, rootv, V_NIL, t->rets[1], &res) < 0)
            return -1;
    } else if (walk(t, fn, rootv, t->rets[0], infos, &res) < 0) {
        return -1;
    }
    rets[0] = res == skip_dir || res == skip_all ? V_NIL : res;
    return 1;
}

static int fp_walk_dir(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return walk_common(t, "filepath.WalkDir", args, false, rets);
}

static int fp_walk(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return walk_common(t, "filepath.Walk", args, true, rets);
}

static int fp_to_slash(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.ToSlash", args, 0, &s))
        return -1;
    rets[0] = args[0];
    return 1;
}

static int fp_volume_name(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.VolumeName", args, 0, &s))
        return -1;
    rets[0] = str_val("", 0);
    return 1;
}

static int fp_split_list(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "filepath.SplitList", args, 0, &s))
        return -1;
    ObjList *l = list_new(0, 0);
    if (s->len > 0) {
        size_t start = 0;
        for (size_t i = 0; i <= s->len; i++) {
            if (i == s->len || s->data[i] == ':') {
                list_append(l, str_val(s->data + start, i - start));
                start = i + 1;
            }
        }
    }
    list_set_type(l, types_parse("[]string", 8));
    rets[0] = v_from_ptr(l);
    return 1;
}

static const ModuleFn filepath_fns[] = {
    {"Abs", fp_abs, 1, 1, "func(string) (string, error)"},
    {"Base", fp_base, 1, 1, "func(string) string"},
    {"Clean", fp_clean, 1, 1, "func(string) string"},
    {"Dir", fp_dir, 1, 1, "func(string) string"},
    {"Ext", fp_ext, 1, 1, "func(string) string"},
    {"FromSlash", fp_to_slash, 1, 1, "func(string) string"},
    {"Glob", fp_glob, 1, 1, "func(string) ([]string, error)"},
    {"IsAbs", fp_is_abs, 1, 1, "func(string) bool"},
    {"Join", fp_join, 0, -1, "func(...string) string"},
    {"Match", fp_match, 2, 2, "func(string, string) (bool, error)"},
    {"Rel", fp_rel, 2, 2, "func(string, string) (string, error)"},
    {"Split", fp_split, 1, 1, "func(string) (string, string)"},
    {"SplitList", fp_split_list, 1, 1, "func(string) []string"},
    {"ToSlash", fp_to_slash, 1, 1, "func(string) string"},
    {"VolumeName", fp_volume_name, 1, 1, "func(string) string"},
    {"Walk", fp_walk, 2, 2, NULL},
    {"WalkDir", fp_walk_dir, 2, 2, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt filepath_ints[] = {
    {"Separator", '/'},
    {"ListSeparator", ':'},
    {NULL, 0},
};

static void filepath_open(ObjModule *m)
{
    make_sentinels();
    module_add_fns(m, filepath_fns);
    module_add_ints(m, filepath_ints);
    module_add(m, "ErrBadPattern", err_bad_pattern);
    module_add(m, "SkipDir", skip_dir);
    module_add(m, "SkipAll", skip_all);
}

const ModuleDef csp_module_filepath = {"path/filepath", filepath_open};

static const ModuleFn path_fns[] = {
    {"Base", fp_base, 1, 1, "func(string) string"},
    {"Clean", fp_clean, 1, 1, "func(string) string"},
    {"Dir", fp_dir, 1, 1, "func(string) string"},
    {"Ext", fp_ext, 1, 1, "func(string) string"},
    {"IsAbs", fp_is_abs, 1, 1, "func(string) bool"},
    {"Join", fp_join, 0, -1, "func(...string) string"},
    {"Match", fp_match, 2, 2, "func(string, string) (bool, error)"},
    {"Split", fp_split, 1, 1, "func(string) (string, string)"},
    {NULL, NULL, 0, 0, NULL},
};

static void path_open(ObjModule *m)
{
    make_sentinels();
    module_add_fns(m, path_fns);
    module_add(m, "ErrBadPattern", err_bad_pattern);
}

const ModuleDef csp_module_path = {"path", path_open};

/* io/fs: the names filepath.WalkDir's callbacks are written with, and
 * the sentinel errors, the very values os and filepath return. */
static void fs_open(ObjModule *m)
{
    make_sentinels();
    module_add(m, "SkipDir", skip_dir);
    module_add(m, "SkipAll", skip_all);
    ObjModule *os = stdlib_module("os", 2, false);
    static const char *const shared[] = {"ErrNotExist", "ErrExist", "ErrPermission", "ErrClosed"};
    Value v;
    for (size_t i = 0; os && i < sizeof shared / sizeof shared[0]; i++)
        if (map_get_cstr(os->members, shared[i], &v))
            module_add(m, shared[i], v);
    static const ModuleInt fs_ints[] = {{"ModeDir", 1ll << 31}, {"ModePerm", 0777}, {NULL, 0}};
    module_add_ints(m, fs_ints);
    module_add(m, "FileMode", os_file_mode_conv());
    module_add_type(m, "DirEntry", TYPE_INTERFACE);
    module_add_type(m, "FileInfo", TYPE_INTERFACE);
}

const ModuleDef csp_module_fs = {"io/fs", fs_open};
