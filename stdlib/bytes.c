/* bytes.c — the bytes module: Go's functions on []byte, bytes.Buffer and
 * bytes.Reader.
 *
 * A []byte is a typed list of small ints (bytesval.h). The searching and
 * case functions are strings' own natives run on the bytes as a string (one
 * owner for each rule: what ToUpper or EqualFold means lives in strings.c);
 * the functions that return parts of their argument (Trim*, Split*,
 * Fields*, Cut*) return views of the same array, as Go's subslices are, so
 * a write through a part shows in the whole.
 *
 * A Buffer and a Reader keep their bytes in C memory, under a mutex: Go's
 * are not safe for concurrent use either, but a racy script must not be
 * able to corrupt the runtime's memory.
 */
#include "bytesval.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "../vm/mem.h"
#include "../vm/utf8.h"

/* ---- []byte helpers ---------------------------------------------------- */

/* Argument i, a []byte (or nil), as its bytes: a NUL-ended copy. */
static bool bytes_of(Thread *t, const char *fname, Value *args, int i, const char **p, size_t *n)
{
    Buf b;
    buf_init(&b);
    if (!bytes_arg(t, fname, args, i, &b))
        return false;
    buf_addc(&b, 0);
    *p = b.data;
    *n = b.len - 1;
    return true;
}

/* A view's max meaning s's own capacity: s[lo:hi], not s[lo:hi:max]. */
#define FULL_CAP SIZE_MAX

/* s[lo:hi:max], a view of the same array. */
static Value view(Value s, size_t lo, size_t hi, size_t max)
{
    if (s == V_NIL)
        return V_NIL;
    ObjList *l = v_list(s);
    ListStore *st = l->store;
    size_t off = LIST_GET(l, off), cap = LIST_GET(l, cap);
    if (!st)
        return s;
    if (max == FULL_CAP || max > cap)
        max = cap;
    if (hi > max || lo > hi)
        return s; /* a racing writer changed s's length: leave it whole */
    return v_from_ptr(list_view(st, off + lo, off + hi, off + max, list_type(l)));
}

/* ---- strings' rules on bytes ------------------------------------------- */

/* The strings module's natives, by name: the bytes functions that differ
 * from them only in their argument's type call them. Set when bytes opens
 * (under the modules' lock, before any script can call bytes), read-only
 * after. */
static ObjModule *strings_mod;

static NativeFn strings_fn(const char *name)
{
    Value v;
    if (!strings_mod || !map_get_cstr(strings_mod->members, name, &v) || !v_is_obj(v, OBJ_NATIVE))
        return NULL;
    return ((ObjNative *)v_ptr(v))->fn;
}

/* Call strings.<name> with each []byte argument as a string (other
 * arguments as they are); results as strings gives them. */
static int via_strings(Thread *t, const char *bname, const char *name, Value *a, int n, Value *r,
                       unsigned byte_args)
{
    Value sargs[4];
    for (int i = 0; i < n && i < 4; i++) {
        if (byte_args & (1u << i)) {
            const char *p;
            size_t len;
            if (!bytes_of(t, bname, a, i, &p, &len))
                return -1;
            sargs[i] = v_from_ptr(str_new(p, len));
        } else {
            sargs[i] = a[i];
        }
    }
    NativeFn f = strings_fn(name);
    if (!f)
        return vm_panic_msg(t, "%s: strings.%s is missing", bname, name);
    return f(t, sargs, n, r);
}

/* A string result made a new []byte. */
static int bytes_result(int nr, Value *r)
{
    if (nr > 0 && v_is_str(r[0]))
        r[0] = bytes_new(v_str(r[0])->data, v_str(r[0])->len);
    return nr;
}

#define SAME_AS_STRINGS(X)                                                                                   \
    X(Compare, 0x3)                                                                                          \
    X(Contains, 0x3)                                                                                         \
    X(ContainsAny, 0x1)                                                                                      \
    X(ContainsRune, 0x1)                                                                                     \
    X(Count, 0x3)                                                                                            \
    X(EqualFold, 0x3)                                                                                        \
    X(HasPrefix, 0x3)                                                                                        \
    X(HasSuffix, 0x3)                                                                                        \
    X(Index, 0x3)                                                                                            \
    X(IndexAny, 0x1)                                                                                         \
    X(IndexByte, 0x1)                                                                                        \
    X(IndexRune, 0x1)                                                                                        \
    X(LastIndex, 0x3)                                                                                        \
    X(LastIndexAny, 0x1)                                                                                     \
    X(LastIndexByte, 0x1)

/* Contains(b, sub []byte) takes bytes where strings takes a string: its
 * mask marks the []byte arguments (ContainsAny's chars is a string). */
#define X(name, mask)                                                                                        \
    static int b_##name(Thread *t, Value *a, int n, Value *r)                                                \
    {                                                                                                        \
        return via_strings(t, "bytes." #name, #name, a, n, r, mask);                                         \
    }
SAME_AS_STRINGS(X)
#undef X

#define NEW_FROM_STRINGS(X)                                                                                  \
    X(ToLower, 0x1)                                                                                          \
    X(ToUpper, 0x1)                                                                                          \
    X(Repeat, 0x1)                                                                                           \
    X(Replace, 0x7)                                                                                          \
    X(ReplaceAll, 0x7)                                                                                       \
    X(Map, 0x2)

#define X(name, mask)                                                                                        \
    static int b_##name(Thread *t, Value *a, int n, Value *r)                                                \
    {                                                                                                        \
        return bytes_result(via_strings(t, "bytes." #name, #name, a, n, r, mask), r);                        \
    }
NEW_FROM_STRINGS(X)
#undef X

static int b_equal(Thread *t, Value *a, int n, Value *r)
{
    const char *x, *y;
    size_t nx, ny;
    if (!bytes_of(t, "bytes.Equal", a, 0, &x, &nx) ||
        !bytes_of(t, "bytes.Equal", a, 1, &y, &ny))
        return -1;
    r[0] = v_bool(nx == ny && memcmp(x, y, nx) == 0);
    return 1;
}

static int b_clone(Thread *t, Value *a, int n, Value *r)
{
    const char *p;
    size_t len;
    if (a[0] == V_NIL) {
        r[0] = V_NIL;
        return 1;
    }
    if (!bytes_of(t, "bytes.Clone", a, 0, &p, &len))
        return -1;
    r[0] = bytes_new(p, len);
    return 1;
}

static int b_runes(Thread *t, Value *a, int n, Value *r)
{
    const char *p;
    size_t len;
    if (!bytes_of(t, "bytes.Runes", a, 0, &p, &len))
        return -1;
    ObjList *l = list_new(0, len);
    for (size_t i = 0; i < len;) {
        int32_t rn;
        i += (size_t)utf8_decode(p + i, len - i, &rn);
        list_append(l, v_int_small(rn));
    }
    list_set_type(l, types_parse("[]rune", 6));
    r[0] = v_from_ptr(l);
    return 1;
}

static int b_join(Thread *t, Value *a, int n, Value *r)
{
    const char *sep;
    size_t nsep;
    if (!bytes_of(t, "bytes.Join", a, 1, &sep, &nsep))
        return -1;
    if (a[0] != V_NIL && !v_is_obj(a[0], OBJ_LIST))
        return vm_panicf(t, E_ARG_TYPE, "bytes.Join", 1, "[][]byte", v_type_name(a[0]));
    Buf b;
    buf_init(&b);
    Value e;
    for (int64_t i = 0; a[0] != V_NIL && list_get(v_list(a[0]), i, &e); i++) {
        const char *p;
        size_t len;
        if (!bytes_of(t, "bytes.Join", &e, 0, &p, &len))
            return -1;
        if (i)
            buf_add(&b, sep, nsep);
        buf_add(&b, p, len);
    }
    r[0] = bytes_new(b.data ? b.data : "", b.len);
    return 1;
}

/* ---- parts of the argument --------------------------------------------- */

/* Whether rune r is in cutset (a string). */
static bool in_cutset(int32_t r, const char *set, size_t n)
{
    for (size_t i = 0; i < n;) {
        int32_t c;
        i += (size_t)utf8_decode(set + i, n - i, &c);
        if (c == r)
            return true;
    }
    return false;
}

/* How a trim decides what to cut: a cutset, Unicode spaces, or a
 * script's func(rune) bool (its answer, or -1 after a panic). */
typedef struct Cutter {
    Thread *t;
    const char *set;
    size_t nset;
    Value fn; /* V_UNDEF: not a func */
    bool space;
} Cutter;

static int cuts(Cutter *c, int32_t r)
{
    if (c->space)
        return unicode_is_space(r);
    if (c->fn == V_UNDEF)
        return in_cutset(r, c->set, c->nset);
    Value arg = v_int_small(r);
    if (vm_call(c->t, c->fn, &arg, 1) < 0)
        return -1;
    return c->t->rets[0] == V_TRUE;
}

/* The bounds [*lo, *hi) left after cutting from the left and/or right;
 * false after a panic. */
static bool trim_bounds(Cutter *c, const char *p, size_t n, bool left, bool right, size_t *lo, size_t *hi)
{
    size_t i = 0, j = n;
    while (left && i < n) {
        int32_t r;
        int w = utf8_decode(p + i, n - i, &r);
        int k = cuts(c, r);
        if (k < 0)
            return false;
        if (!k)
            break;
        i += (size_t)w;
    }
    while (right && j > i) {
        size_t s = j - 1;
        while (s > i && ((unsigned char)p[s] & 0xC0) == 0x80 && j - s < 4)
            s--;
        int32_t r;
        int w = utf8_decode(p + s, j - s, &r);
        if ((size_t)w != j - s) { /* not one sequence: the last byte alone */
            s = j - 1;
            r = 0xFFFD;
        }
        int k = cuts(c, r);
        if (k < 0)
            return false;
        if (!k)
            break;
        j = s;
    }
    *lo = i;
    *hi = j;
    return true;
}

static int trim(Thread *t, const char *fname, Value *a, Value *r, bool left, bool right, int how)
{
    const char *p;
    size_t n;
    if (!bytes_of(t, fname, a, 0, &p, &n))
        return -1;
    Cutter c = {t, NULL, 0, V_UNDEF, how == 1};
    if (how == 0) {
        ObjString *set;
        if (!vm_check_str(t, fname, a, 1, &set))
            return -1;
        c.set = set->data;
        c.nset = set->len;
    } else if (how == 2) {
        c.fn = a[1];
    }
    Value s = a[0];
    size_t lo, hi;
    if (!trim_bounds(&c, p, n, left, right, &lo, &hi))
        return -1;
    /* Go's: a trim from the left that cuts everything (or an empty s)
     * gives nil; one from the right only gives s[:0] */
    r[0] = (left && lo == n) ? V_NIL : view(s, lo, hi, FULL_CAP);
    return 1;
}

/* The trims: name, left, right, what is cut (0 a cutset, 1 spaces, 2 a
 * func's runes). */
#define TRIMS(X)                                                                                             \
    X(Trim, true, true, 0)                                                                                   \
    X(TrimLeft, true, false, 0)                                                                              \
    X(TrimRight, false, true, 0)                                                                             \
    X(TrimSpace, true, true, 1)                                                                              \
    X(TrimFunc, true, true, 2)                                                                               \
    X(TrimLeftFunc, true, false, 2)                                                                          \
    X(TrimRightFunc, false, true, 2)

#define X(name, left, right, how)                                                                            \
    static int b_##name(Thread *t, Value *a, int n, Value *r)                                                \
    {                                                                                                        \
        return trim(t, "bytes." #name, a, r, left, right, how);                                              \
    }
TRIMS(X)
#undef X

static int b_trim_prefix(Thread *t, Value *a, int n, Value *r)
{
    const char *p, *x;
    size_t np, nx;
    if (!bytes_of(t, "bytes.TrimPrefix", a, 0, &p, &np) ||
        !bytes_of(t, "bytes.TrimPrefix", a, 1, &x, &nx))
        return -1;
    r[0] = nx <= np && memcmp(p, x, nx) == 0 ? view(a[0], nx, np, FULL_CAP) : a[0];
    return 1;
}

static int b_trim_suffix(Thread *t, Value *a, int n, Value *r)
{
    const char *p, *x;
    size_t np, nx;
    if (!bytes_of(t, "bytes.TrimSuffix", a, 0, &p, &np) ||
        !bytes_of(t, "bytes.TrimSuffix", a, 1, &x, &nx))
        return -1;
    r[0] = nx <= np && memcmp(p + np - nx, x, nx) == 0 ? view(a[0], 0, np - nx, FULL_CAP) : a[0];
    return 1;
}

/* The index of sep in p[from..n), or -1 (an empty sep is found at from). */
static ptrdiff_t find(const char *p, size_t n, size_t from, const char *sep, size_t nsep)
{
    if (from > n)
        return -1;
    const char *f = memmem(p + from, n - from, sep, nsep);
    return f ? f - p : -1;
}

/* Go's genSplit: at most max parts (max < 0: all), each keeping the
 * separator when after is set; an empty sep splits into UTF-8 sequences. */
static int split(Thread *t, const char *fname, Value *a, int n, Value *r, bool after, bool has_max)
{
    const char *p, *sep;
    size_t np, nsep;
    int64_t max = -1;
    if (!bytes_of(t, fname, a, 0, &p, &np) || !bytes_of(t, fname, a, 1, &sep, &nsep))
        return -1;
    if (has_max && !vm_check_int(t, fname, a, 2, &max))
        return -1;
    if (max == 0) {
        r[0] = V_NIL;
        return 1;
    }
    ObjList *out = list_new(0, 0);
    Value s = a[0];
    if (nsep == 0) {
        size_t i = 0;
        while (i < np && (max < 0 || (int64_t)LIST_GET(out, len) < max - 1)) {
            int32_t rn;
            size_t w = (size_t)utf8_decode(p + i, np - i, &rn);
            list_append(out, view(s, i, i + w, i + w));
            i += w;
        }
        if (i < np)
            list_append(out, view(s, i, np, FULL_CAP));
    } else {
        size_t start = 0;
        ptrdiff_t m;
        while ((max < 0 || (int64_t)LIST_GET(out, len) < max - 1) &&
               (m = find(p, np, start, sep, nsep)) >= 0) {
            size_t end = (size_t)m + (after ? nsep : 0);
            list_append(out, view(s, start, end, end));
            start = (size_t)m + nsep;
        }
        list_append(out, view(s, start, np, FULL_CAP));
    }
    list_set_type(out, types_parse("[][]byte", 8));
    r[0] = v_from_ptr(out);
    return 1;
}

#define SPLITS(X)                                                                                            \
    X(Split, false, false)                                                                                   \
    X(SplitN, false, true)                                                                                   \
    X(SplitAfter, true, false)                                                                               \
    X(SplitAfterN, true, true)

#define X(name, after, has_max)                                                                              \
    static int b_##name(Thread *t, Value *a, int n, Value *r)                                                \
    {                                                                                                        \
        return split(t, "bytes." #name, a, n, r, after, has_max);                                            \
    }
SPLITS(X)
#undef X

static int fields(Thread *t, const char *fname, Value *a, Value *r, bool func)
{
    const char *p;
    size_t np;
    if (!bytes_of(t, fname, a, 0, &p, &np))
        return -1;
    Cutter c = {t, NULL, 0, func ? a[1] : V_UNDEF, !func};
    ObjList *out = list_new(0, 0);
    size_t i = 0, start = 0;
    bool in = false;
    while (i < np) {
        int32_t rn;
        size_t w = (size_t)utf8_decode(p + i, np - i, &rn);
        int k = cuts(&c, rn);
        if (k < 0)
            return -1;
        if (k && in) {
            list_append(out, view(a[0], start, i, i));
            in = false;
        } else if (!k && !in) {
            start = i;
            in = true;
        }
        i += w;
    }
    if (in)
        list_append(out, view(a[0], start, np, np));
    list_set_type(out, types_parse("[][]byte", 8));
    r[0] = v_from_ptr(out);
    return 1;
}

static int b_fields(Thread *t, Value *a, int n, Value *r)
{
    return fields(t, "bytes.Fields", a, r, false);
}
static int b_fields_func(Thread *t, Value *a, int n, Value *r)
{
    return fields(t, "bytes.FieldsFunc", a, r, true);
}

static int b_cut(Thread *t, Value *a, int n, Value *r)
{
    const char *p, *sep;
    size_t np, nsep;
    if (!bytes_of(t, "bytes.Cut", a, 0, &p, &np) ||
        !bytes_of(t, "bytes.Cut", a, 1, &sep, &nsep))
        return -1;
    ptrdiff_t m = find(p, np, 0, sep, nsep);
    if (m < 0) {
        r[0] = a[0];
        r[1] = V_NIL;
        r[2] = V_FALSE;
    } else {
        r[0] = view(a[0], 0, (size_t)m, FULL_CAP);
        r[1] = view(a[0], (size_t)m + nsep, np, FULL_CAP);
        r[2] = V_TRUE;
    }
    return 3;
}

static int b_cut_prefix(Thread *t, Value *a, int n, Value *r)
{
    const char *p, *x;
    size_t np, nx;
    if (!bytes_of(t, "bytes.CutPrefix", a, 0, &p, &np) ||
        !bytes_of(t, "bytes.CutPrefix", a, 1, &x, &nx))
        return -1;
    bool ok = nx <= np && memcmp(p, x, nx) == 0;
    r[0] = ok ? view(a[0], nx, np, FULL_CAP) : a[0];
    r[1] = v_bool(ok);
    return 2;
}

static int b_cut_suffix(Thread *t, Value *a, int n, Value *r)
{
    const char *p, *x;
    size_t np, nx;
    if (!bytes_of(t, "bytes.CutSuffix", a, 0, &p, &np) ||
        !bytes_of(t, "bytes.CutSuffix", a, 1, &x, &nx))
        return -1;
    bool ok = nx <= np && memcmp(p + np - nx, x, nx) == 0;
    r[0] = ok ? view(a[0], 0, np - nx, FULL_CAP) : a[0];
    r[1] = v_bool(ok);
    return 2;
}

/* ---- Buffer ------------------------------------------------------------ */

/* A bytes.Buffer: data[off..len) unread. lock guards every field (a racy
 * script must not corrupt memory). */
typedef struct CspBuffer {
    pthread_mutex_t lock;
    char *data; /* collector memory, not scanned */
    size_t off, len, cap;
    int last_read; /* bytes of the last read (UnreadByte/UnreadRune), 0: none */
} CspBuffer;

static const ObjClass buffer_class;

static Value buffer_new(const char *p, size_t n)
{
    CspBuffer *b = mem_alloc(sizeof *b);
    pthread_mutex_init(&b->lock, NULL);
    b->cap = n < 64 ? 64 : n;
    b->data = mem_alloc_atomic(b->cap);
    memcpy(b->data, p, n);
    b->len = n;
    return v_from_ptr(object_new(&buffer_class, b));
}

static CspBuffer *buffer_of(Value v)
{
    return ((ObjObject *)v_ptr(v))->payload;
}

static void buffer_put(CspBuffer *b, const char *p, size_t n)
{
    if (b->off == b->len) /* all read: start over, as Go's Buffer does */
        b->off = b->len = 0;
    if (b->len + n > b->cap) {
        size_t unread = b->len - b->off, cap = b->cap;
        while (unread + n > cap)
            cap *= 2;
        char *d = mem_alloc_atomic(cap);
        memcpy(d, b->data + b->off, unread);
        b->data = d;
        b->cap = cap;
        b->off = 0;
        b->len = unread;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->last_read = 0;
}

static int buf_write(Thread *t, Value *a, int n, Value *r)
{
    const char *p;
    size_t len;
    if (!bytes_of(t, "bytes.Buffer.Write", a, 1, &p, &len))
        return -1;
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    buffer_put(b, p, len);
    pthread_mutex_unlock(&b->lock);
    r[0] = v_make_int((int64_t)len);
    r[1] = V_NIL;
    return 2;
}

static int buf_write_string(Thread *t, Value *a, int n, Value *r)
{
    ObjString *s;
    if (!vm_check_str(t, "bytes.Buffer.WriteString", a, 1, &s))
        return -1;
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    buffer_put(b, s->data, s->len);
    pthread_mutex_unlock(&b->lock);
    r[0] = v_make_int((int64_t)s->len);
    r[1] = V_NIL;
    return 2;
}

static int buf_write_byte(Thread *t, Value *a, int n, Value *r)
{
    int64_t c;
    if (!vm_check_int(t, "bytes.Buffer.WriteByte", a, 1, &c))
        return -1;
    char ch = (char)(c & 0xFF);
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    buffer_put(b, &ch, 1);
    pthread_mutex_unlock(&b->lock);
    r[0] = V_NIL;
    return 1;
}

static int buf_write_rune(Thread *t, Value *a, int n, Value *r)
{
    int64_t c;
    if (!vm_check_int(t, "bytes.Buffer.WriteRune", a, 1, &c))
        return -1;
    char enc[4];
    int w = utf8_encode(enc, c);
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    buffer_put(b, enc, (size_t)w);
    pthread_mutex_unlock(&b->lock);
    r[0] = v_make_int(w);
    r[1] = V_NIL;
    return 2;
}

static int buf_string(Thread *t, Value *a, int n, Value *r)
{
    if (a[0] == V_NIL) { /* Go: a nil *Buffer prints "<nil>" */
        r[0] = v_cstr("<nil>");
        return 1;
    }
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    r[0] = v_from_ptr(str_new(b->data + b->off, b->len - b->off));
    pthread_mutex_unlock(&b->lock);
    return 1;
}

/* Bytes: the unread part, as a new slice (Go's aliases the buffer until
 * the next write; csp's is a copy). */
static int buf_bytes(Thread *t, Value *a, int n, Value *r)
{
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    r[0] = bytes_new(b->data + b->off, b->len - b->off);
    pthread_mutex_unlock(&b->lock);
    return 1;
}

static int buf_len(Thread *t, Value *a, int n, Value *r)
{
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    r[0] = v_make_int((int64_t)(b->len - b->off));
    pthread_mutex_unlock(&b->lock);
    return 1;
}

static int buf_cap(Thread *t, Value *a, int n, Value *r)
{
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    r[0] = v_make_int((int64_t)b->cap);
    pthread_mutex_unlock(&b->lock);
    return 1;
}

static int buf_reset(Thread *t, Value *a, int n, Value *r)
{
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    b->off = b->len = 0;
    b->last_read = 0;
    pthread_mutex_unlock(&b->lock);
    return 0;
}

static int buf_truncate(Thread *t, Value *a, int n, Value *r)
{
    int64_t k;
    if (!vm_check_int(t, "bytes.Buffer.Truncate", a, 1, &k))
        return -1;
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    bool bad = k < 0 || (size_t)k > b->len - b->off;
    if (!bad) {
        b->len = b->off + (size_t)k;
        b->last_read = 0;
    }
    pthread_mutex_unlock(&b->lock);
    if (bad)
        return vm_panic_msg(t, "bytes.Buffer: truncation out of range");
    return 0;
}

static int buf_grow(Thread *t, Value *a, int n, Value *r)
{
    int64_t k;
    if (!vm_check_int(t, "bytes.Buffer.Grow", a, 1, &k))
        return -1;
    if (k < 0)
        return vm_panic_msg(t, "bytes.Buffer.Grow: negative count");
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    size_t len = b->len;
    buffer_put(b, "", 0);
    if (b->cap - b->len < (size_t)k) {
        size_t unread = b->len - b->off, cap = b->cap;
        while (cap - unread < (size_t)k)
            cap *= 2;
        char *d = mem_alloc_atomic(cap);
        memcpy(d, b->data + b->off, unread);
        b->data = d;
        b->cap = cap;
        b->off = 0;
        b->len = unread;
    }
    (void)len;
    pthread_mutex_unlock(&b->lock);
    return 0;
}

/* Read into p (a []byte): Go's io.Reader contract, io.EOF when empty. */
static int buf_read(Thread *t, Value *a, int n, Value *r)
{
    if (!v_is_obj(a[1], OBJ_LIST) && a[1] != V_NIL)
        return vm_panicf(t, E_ARG_TYPE, "bytes.Buffer.Read", 1, "[]byte", v_type_name(a[1]));
    ObjList *p = a[1] == V_NIL ? NULL : v_list(a[1]);
    size_t want = p ? LIST_GET(p, len) : 0;
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    size_t avail = b->len - b->off;
    if (avail == 0) {
        b->off = b->len = 0;
        pthread_mutex_unlock(&b->lock);
        r[0] = v_int_small(0);
        r[1] = want == 0 ? V_NIL : stdlib_eof();
        return 2;
    }
    size_t k = want < avail ? want : avail;
    char tmp[4096];
    char *copy = k <= sizeof tmp ? tmp : mem_alloc_atomic(k);
    memcpy(copy, b->data + b->off, k);
    b->off += k;
    b->last_read = k > 0 ? -1 : 0;
    pthread_mutex_unlock(&b->lock);
    bytes_copy_into(p, copy, k);
    r[0] = v_make_int((int64_t)k);
    r[1] = V_NIL;
    return 2;
}

static int buf_read_byte(Thread *t, Value *a, int n, Value *r)
{
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    if (b->off == b->len) {
        b->off = b->len = 0;
        pthread_mutex_unlock(&b->lock);
        r[0] = v_int_small(0);
        r[1] = stdlib_eof();
        return 2;
    }
    unsigned char c = (unsigned char)b->data[b->off++];
    b->last_read = -1;
    pthread_mutex_unlock(&b->lock);
    r[0] = v_int_small(c);
    r[1] = V_NIL;
    return 2;
}

static int buf_read_rune(Thread *t, Value *a, int n, Value *r)
{
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    if (b->off == b->len) {
        b->off = b->len = 0;
        pthread_mutex_unlock(&b->lock);
        r[0] = v_int_small(0);
        r[1] = v_int_small(0);
        r[2] = stdlib_eof();
        return 3;
    }
    int32_t rn;
    int w = utf8_decode(b->data + b->off, b->len - b->off, &rn);
    b->off += (size_t)w;
    b->last_read = w;
    pthread_mutex_unlock(&b->lock);
    r[0] = v_int_small(rn);
    r[1] = v_int_small(w);
    r[2] = V_NIL;
    return 3;
}

static int buf_unread_byte(Thread *t, Value *a, int n, Value *r)
{
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    bool ok = b->last_read != 0 && b->off > 0;
    if (ok) {
        b->off--;
        b->last_read = 0;
    }
    pthread_mutex_unlock(&b->lock);
    r[0] = ok ? V_NIL : v_error("bytes.Buffer: UnreadByte: previous operation was not a successful read");
    return 1;
}

static int buf_unread_rune(Thread *t, Value *a, int n, Value *r)
{
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    bool ok = b->last_read > 0 && b->off >= (size_t)b->last_read;
    if (ok) {
        b->off -= (size_t)b->last_read;
        b->last_read = 0;
    }
    pthread_mutex_unlock(&b->lock);
    r[0] = ok ? V_NIL : v_error("bytes.Buffer: UnreadRune: previous operation was not a successful ReadRune");
    return 1;
}

/* ReadString / ReadBytes: up to and including delim; io.EOF when delim is
 * not found (with what was there). */
static int read_until(Thread *t, Value *a, Value *r, bool as_string, const char *fname)
{
    int64_t d;
    if (!vm_check_int(t, fname, a, 1, &d))
        return -1;
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    const char *start = b->data + b->off;
    size_t avail = b->len - b->off;
    const char *hit = memchr(start, (int)(d & 0xFF), avail);
    size_t k = hit ? (size_t)(hit - start) + 1 : avail;
    Value out = as_string ? v_from_ptr(str_new(start, k)) : bytes_new(start, k);
    b->off += k;
    b->last_read = k > 0 ? -1 : 0;
    pthread_mutex_unlock(&b->lock);
    r[0] = out;
    r[1] = hit ? V_NIL : stdlib_eof();
    return 2;
}

static int buf_read_string(Thread *t, Value *a, int n, Value *r)
{
    return read_until(t, a, r, true, "bytes.Buffer.ReadString");
}

static int buf_read_bytes(Thread *t, Value *a, int n, Value *r)
{
    return read_until(t, a, r, false, "bytes.Buffer.ReadBytes");
}

static int buf_next(Thread *t, Value *a, int n, Value *r)
{
    int64_t k;
    if (!vm_check_int(t, "bytes.Buffer.Next", a, 1, &k))
        return -1;
    CspBuffer *b = buffer_of(a[0]);
    pthread_mutex_lock(&b->lock);
    size_t avail = b->len - b->off, take = k < 0 ? 0 : (size_t)k < avail ? (size_t)k : avail;
    Value out = bytes_new(b->data + b->off, take);
    b->off += take;
    b->last_read = take > 0 ? -1 : 0;
    pthread_mutex_unlock(&b->lock);
    r[0] = out;
    return 1;
}

static const MethodDef buffer_methods[] = {
    {"Write", buf_write, 1, 1},
    {"WriteString", buf_write_string, 1, 1},
    {"WriteByte", buf_write_byte, 1, 1},
    {"WriteRune", buf_write_rune, 1, 1},
    {"String", buf_string, 0, 0},
    {"Bytes", buf_bytes, 0, 0},
    {"Len", buf_len, 0, 0},
    {"Cap", buf_cap, 0, 0},
    {"Reset", buf_reset, 0, 0},
    {"Truncate", buf_truncate, 1, 1},
    {"Grow", buf_grow, 1, 1},
    {"Read", buf_read, 1, 1},
    {"ReadByte", buf_read_byte, 0, 0},
    {"ReadRune", buf_read_rune, 0, 0},
    {"UnreadByte", buf_unread_byte, 0, 0},
    {"UnreadRune", buf_unread_rune, 0, 0},
    {"ReadString", buf_read_string, 1, 1},
    {"ReadBytes", buf_read_bytes, 1, 1},
    {"Next", buf_next, 1, 1},
    {NULL, NULL, 0, 0},
};
static const ObjClass buffer_class = {.name = "bytes.Buffer", .methods = buffer_methods, .get_field = NULL};

static int b_buffer(Thread *t, Value *a, int n, Value *r)
{
    r[0] = buffer_new("", 0);
    return 1;
}

static int b_new_buffer(Thread *t, Value *a, int n, Value *r)
{
    const char *p;
    size_t len;
    if (!bytes_of(t, "bytes.NewBuffer", a, 0, &p, &len))
        return -1;
    r[0] = buffer_new(p, len);
    return 1;
}

static int b_new_buffer_string(Thread *t, Value *a, int n, Value *r)
{
    ObjString *s;
    if (!vm_check_str(t, "bytes.NewBufferString", a, 0, &s))
        return -1;
    r[0] = buffer_new(s->data, s->len);
    return 1;
}

/* bytes.NewReader(b): a Buffer that is only read. */
static int b_new_reader(Thread *t, Value *a, int n, Value *r)
{
    return b_new_buffer(t, a, n, r);
}

static const ModuleFn bytes_fns[] = {
#define X(name, mask) {#name, b_##name, 1, 4, NULL},
    SAME_AS_STRINGS(X) NEW_FROM_STRINGS(X)
#undef X
        {"Equal", b_equal, 2, 2, "func([]byte, []byte) bool"},
    {"Clone", b_clone, 1, 1, "func([]byte) []byte"},
    {"Runes", b_runes, 1, 1, "func([]byte) []rune"},
    {"Join", b_join, 2, 2, "func([][]byte, []byte) []byte"},
    {"Trim", b_Trim, 2, 2, "func([]byte, string) []byte"},
    {"TrimLeft", b_TrimLeft, 2, 2, "func([]byte, string) []byte"},
    {"TrimRight", b_TrimRight, 2, 2, "func([]byte, string) []byte"},
    {"TrimSpace", b_TrimSpace, 1, 1, "func([]byte) []byte"},
    {"TrimFunc", b_TrimFunc, 2, 2, "func([]byte, func(rune) bool) []byte"},
    {"TrimLeftFunc", b_TrimLeftFunc, 2, 2, "func([]byte, func(rune) bool) []byte"},
    {"TrimRightFunc", b_TrimRightFunc, 2, 2, "func([]byte, func(rune) bool) []byte"},
    {"TrimPrefix", b_trim_prefix, 2, 2, "func([]byte, []byte) []byte"},
    {"TrimSuffix", b_trim_suffix, 2, 2, "func([]byte, []byte) []byte"},
    {"Split", b_Split, 2, 2, "func([]byte, []byte) [][]byte"},
    {"SplitN", b_SplitN, 3, 3, "func([]byte, []byte, int) [][]byte"},
    {"SplitAfter", b_SplitAfter, 2, 2, "func([]byte, []byte) [][]byte"},
    {"SplitAfterN", b_SplitAfterN, 3, 3, "func([]byte, []byte, int) [][]byte"},
    {"Fields", b_fields, 1, 1, "func([]byte) [][]byte"},
    {"FieldsFunc", b_fields_func, 2, 2, "func([]byte, func(rune) bool) [][]byte"},
    {"Cut", b_cut, 2, 2, "func([]byte, []byte) ([]byte, []byte, bool)"},
    {"CutPrefix", b_cut_prefix, 2, 2, "func([]byte, []byte) ([]byte, bool)"},
    {"CutSuffix", b_cut_suffix, 2, 2, "func([]byte, []byte) ([]byte, bool)"},
    {"Buffer", b_buffer, 0, 0, NULL},
    {"NewBuffer", b_new_buffer, 1, 1, "func([]byte) *bytes.Buffer"},
    {"NewBufferString", b_new_buffer_string, 1, 1, "func(string) *bytes.Buffer"},
    {"NewReader", b_new_reader, 1, 1, "func([]byte) *bytes.Buffer"},
    {NULL, NULL, 0, 0, NULL},
};

static void bytes_open(ObjModule *m)
{
    strings_mod = stdlib_module("strings", 7, false);
    module_add_fns(m, bytes_fns);
    module_add(m, "MinRead", v_int_small(512));
    module_add_type(m, "Buffer", TYPE_OBJECT);
}

const ModuleDef csp_module_bytes = {"bytes", bytes_open};
