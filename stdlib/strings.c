/* strings.c — the strings module and strings.Builder.
 *
 * Every function keeps Go's name, arity and edge cases (Split with an empty
 * separator explodes into runes, Replace with an empty old string inserts
 * between runes, Count("", "") is 1, ...). Indexes are byte offsets, as in
 * Go. Strings are immutable, so a result that equals an operand is that
 * operand, not a copy.
 *
 * Case mapping above ASCII uses the C library's Unicode tables through a
 * private C.UTF-8 locale object (newlocale, never setlocale: the process's
 * locale stays "C", so printf's decimal point cannot change under us).
 * Without that locale, non-ASCII letters keep their case.
 *
 * strings.Builder is a native object. Its bytes live in a storage block
 * that records its own capacity and is replaced, never resized, on growth;
 * a reader clamps the length to the block it loaded. So goroutines racing
 * on one Builder (a script bug) may lose writes but can never make us read
 * or write past a block.
 */
#include "stdlib.h"

#include <locale.h>
#include <string.h>
#include <wctype.h>

#include "../vm/mem.h"
#include "../vm/utf8.h"

/* ====================================================================== */
/* helpers                                                                 */
/* ====================================================================== */

static locale_t utf8_locale; /* set once by strings_init, read-only after */

static void strings_init(void)
{
    if (!utf8_locale)
        utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static int32_t rune_upper(int32_t r)
{
    if (r < 0x80)
        return r >= 'a' && r <= 'z' ? r - 32 : r;
    return utf8_locale ? (int32_t)towupper_l((wint_t)r, utf8_locale) : r;
}

static int32_t rune_lower(int32_t r)
{
    if (r < 0x80)
        return r >= 'A' && r <= 'Z' ? r + 32 : r;
    return utf8_locale ? (int32_t)towlower_l((wint_t)r, utf8_locale) : r;
}

static inline Value vstr(const char *s, size_t n)
{
    return v_from_ptr(str_new(s, n));
}

/* Index of sub in s (bytes), or -1. */
static int64_t str_index(const char *s, size_t n, const char *sub, size_t m)
{
    if (m == 0)
        return 0;
    if (m > n)
        return -1;
    const char *p = memmem(s, n, sub, m);
    return p ? p - s : -1;
}

static int64_t str_last_index(const char *s, size_t n, const char *sub, size_t m)
{
    if (m == 0)
        return (int64_t)n;
    if (m > n)
        return -1;
    for (size_t i = n - m + 1; i-- > 0;)
        if (s[i] == sub[0] && memcmp(s + i, sub, m) == 0)
            return (int64_t)i;
    return -1;
}

/* Count: non-overlapping instances; an empty sub matches between runes. */
static int64_t str_count(const char *s, size_t n, const char *sub, size_t m)
{
    if (m == 0)
        return (int64_t)utf8_count(s, n) + 1;
    int64_t c = 0;
    for (;;) {
        int64_t i = str_index(s, n, sub, m);
        if (i < 0)
            return c;
        c++;
        s += i + (int64_t)m;
        n -= (size_t)i + m;
    }
}

static bool rune_in(int32_t r, const char *set, size_t n)
{
    for (size_t i = 0; i < n;) {
        int32_t c;
        i += (size_t)utf8_decode(set + i, n - i, &c);
        if (c == r)
            return true;
    }
    return false;
}

/* Decode the rune that ends at s[end-1] (Go's DecodeLastRune). */
static int decode_last(const char *s, size_t end, int32_t *r)
{
    size_t start = end - 1;
    if ((unsigned char)s[start] < 0x80) {
        *r = (unsigned char)s[start];
        return 1;
    }
    size_t lim = end >= 4 ? end - 4 : 0;
    while (start > lim && ((unsigned char)s[start] & 0xC0) == 0x80)
        start--;
    int w = utf8_decode(s + start, end - start, r);
    if (start + (size_t)w != end) {
        *r = UTF8_ERROR;
        return 1;
    }
    return w;
}

/* The unbraced if ends a declaration macro, which clang-format mangles. */
/* clang-format off */
#define STR_ARG(i, name, var)                                                                                \
    ObjString *var;                                                                                          \
    if (!vm_check_str(t, name, args, i, &var))                                                               \
        return -1
#define INT_ARG(i, name, var)                                                                                \
    int64_t var;                                                                                             \
    if (!vm_check_int(t, name, args, i, &var))                                                               \
        return -1
/* clang-format on */

/* ====================================================================== */
/* searching                                                               */
/* ====================================================================== */

static int strings_n_contains(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Contains", s);
    STR_ARG(1, "strings.Contains", sub);
    rets[0] = v_bool(str_index(s->data, s->len, sub->data, sub->len) >= 0);
    return 1;
}

static int64_t index_rune(ObjString *s, int64_t r)
{
    if (r >= 0 && r < 0x80) {
        const char *p = memchr(s->data, (int)r, s->len);
        return p ? p - s->data : -1;
    }
    if (r == UTF8_ERROR || !utf8_valid_rune(r)) {
        /* Go: RuneError matches invalid bytes as well as U+FFFD itself;
         * an invalid rune matches nothing. */
        if (r != UTF8_ERROR)
            return -1;
        for (size_t i = 0; i < s->len;) {
            int32_t c;
            int w = utf8_decode(s->data + i, s->len - i, &c);
            if (c == UTF8_ERROR)
                return (int64_t)i;
            i += (size_t)w;
        }
        return -1;
    }
    char enc[4];
    int w = utf8_encode(enc, r);
    return str_index(s->data, s->len, enc, (size_t)w);
}

static int strings_n_contains_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.ContainsRune", s);
    INT_ARG(1, "strings.ContainsRune", r);
    rets[0] = v_bool(index_rune(s, r) >= 0);
    return 1;
}

static int strings_n_index_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.IndexRune", s);
    INT_ARG(1, "strings.IndexRune", r);
    rets[0] = v_int_small(index_rune(s, r));
    return 1;
}

static int64_t index_any(ObjString *s, ObjString *chars, bool last)
{
    if (chars->len == 0)
        return -1;
    if (!last) {
        for (size_t i = 0; i < s->len;) {
            int32_t r;
            int w = utf8_decode(s->data + i, s->len - i, &r);
            if (rune_in(r, chars->data, chars->len))
                return (int64_t)i;
            i += (size_t)w;
        }
    } else {
        for (size_t end = s->len; end > 0;) {
            int32_t r;
            int w = decode_last(s->data, end, &r);
            end -= (size_t)w;
            if (rune_in(r, chars->data, chars->len))
                return (int64_t)end;
        }
    }
    return -1;
}

static int strings_n_contains_any(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.ContainsAny", s);
    STR_ARG(1, "strings.ContainsAny", chars);
    rets[0] = v_bool(index_any(s, chars, false) >= 0);
    return 1;
}

static int strings_n_index_any(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.IndexAny", s);
    STR_ARG(1, "strings.IndexAny", chars);
    rets[0] = v_int_small(index_any(s, chars, false));
    return 1;
}

static int strings_n_last_index_any(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.LastIndexAny", s);
    STR_ARG(1, "strings.LastIndexAny", chars);
    rets[0] = v_int_small(index_any(s, chars, true));
    return 1;
}

static int strings_n_has_prefix(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.HasPrefix", s);
    STR_ARG(1, "strings.HasPrefix", p);
    rets[0] = v_bool(s->len >= p->len && memcmp(s->data, p->data, p->len) == 0);
    return 1;
}

static int strings_n_has_suffix(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.HasSuffix", s);
    STR_ARG(1, "strings.HasSuffix", p);
    rets[0] = v_bool(s->len >= p->len && memcmp(s->data + s->len - p->len, p->data, p->len) == 0);
    return 1;
}

static int strings_n_index(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Index", s);
    STR_ARG(1, "strings.Index", sub);
    rets[0] = v_int_small(str_index(s->data, s->len, sub->data, sub->len));
    return 1;
}

static int strings_n_last_index(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.LastIndex", s);
    STR_ARG(1, "strings.LastIndex", sub);
    rets[0] = v_int_small(str_last_index(s->data, s->len, sub->data, sub->len));
    return 1;
}

static int strings_n_index_byte(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.IndexByte", s);
    INT_ARG(1, "strings.IndexByte", c);
    const char *p = memchr(s->data, (int)(c & 0xFF), s->len);
    rets[0] = v_int_small(p ? p - s->data : -1);
    return 1;
}

static int strings_n_last_index_byte(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.LastIndexByte", s);
    INT_ARG(1, "strings.LastIndexByte", c);
    const char *p = memrchr(s->data, (int)(c & 0xFF), s->len);
    rets[0] = v_int_small(p ? p - s->data : -1);
    return 1;
}

static int strings_n_count(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Count", s);
    STR_ARG(1, "strings.Count", sub);
    rets[0] = v_int_small(str_count(s->data, s->len, sub->data, sub->len));
    return 1;
}

static int strings_n_compare(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Compare", a);
    STR_ARG(1, "strings.Compare", b);
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, n);
    if (c == 0)
        c = a->len < b->len ? -1 : a->len > b->len;
    rets[0] = v_int_small(c < 0 ? -1 : c > 0);
    return 1;
}

static int strings_n_equal_fold(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.EqualFold", a);
    STR_ARG(1, "strings.EqualFold", b);
    size_t i = 0, j = 0;
    bool eq = true;
    while (i < a->len && j < b->len) {
        int32_t ra, rb;
        i += (size_t)utf8_decode(a->data + i, a->len - i, &ra);
        j += (size_t)utf8_decode(b->data + j, b->len - j, &rb);
        if (ra != rb && rune_lower(ra) != rune_lower(rb) && rune_upper(ra) != rune_upper(rb)) {
            eq = false;
            break;
        }
    }
    rets[0] = v_bool(eq && i == a->len && j == b->len);
    return 1;
}

/* ====================================================================== */
/* splitting and joining                                                   */
/* ====================================================================== */

/* Go's explode: s as one-rune strings, at most n (n < 0: all). */
static ObjList *explode(ObjString *s, int64_t n)
{
    int64_t l = (int64_t)utf8_count(s->data, s->len);
    if (n < 0 || n > l)
        n = l;
    ObjList *out = list_new(0, (size_t)n);
    size_t i = 0;
    for (int64_t k = 0; k < n - 1; k++) {
        int32_t r;
        int w = utf8_decode(s->data + i, s->len - i, &r);
        list_append(out, vstr(s->data + i, (size_t)w));
        i += (size_t)w;
    }
    if (n > 0)
        list_append(out, vstr(s->data + i, s->len - i));
    return out;
}

/* Go's genSplit: split after each sep, keeping sep_save bytes of it. */
static ObjList *gen_split(ObjString *s, ObjString *sep, size_t sep_save, int64_t n)
{
    if (n == 0)
        return list_new(0, 0);
    if (sep->len == 0)
        return explode(s, n);
    if (n < 0)
        n = str_count(s->data, s->len, sep->data, sep->len) + 1;
    if (n > (int64_t)s->len + 1)
        n = (int64_t)s->len + 1;
    ObjList *out = list_new(0, (size_t)n);
    const char *p = s->data;
    size_t left = s->len;
    for (int64_t i = 0; i < n - 1; i++) {
        int64_t m = str_index(p, left, sep->data, sep->len);
        if (m < 0)
            break;
        list_append(out, vstr(p, (size_t)m + sep_save));
        p += m + (int64_t)sep->len;
        left -= (size_t)m + sep->len;
    }
    if (left == s->len)
        list_append(out, v_from_ptr(s));
    else
        list_append(out, vstr(p, left));
    return out;
}

static int strings_n_split(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Split", s);
    STR_ARG(1, "strings.Split", sep);
    rets[0] = v_from_ptr(gen_split(s, sep, 0, -1));
    return 1;
}

static int strings_n_split_n(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.SplitN", s);
    STR_ARG(1, "strings.SplitN", sep);
    INT_ARG(2, "strings.SplitN", n);
    rets[0] = v_from_ptr(gen_split(s, sep, 0, n));
    return 1;
}

static int strings_n_split_after(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.SplitAfter", s);
    STR_ARG(1, "strings.SplitAfter", sep);
    rets[0] = v_from_ptr(gen_split(s, sep, sep->len, -1));
    return 1;
}

static int strings_n_split_after_n(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.SplitAfterN", s);
    STR_ARG(1, "strings.SplitAfterN", sep);
    INT_ARG(2, "strings.SplitAfterN", n);
    rets[0] = v_from_ptr(gen_split(s, sep, sep->len, n));
    return 1;
}

static int strings_n_fields(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Fields", s);
    ObjList *out = list_new(0, 0);
    size_t i = 0, start = 0;
    bool in_field = false;
    while (i < s->len) {
        int32_t r;
        int w = (unsigned char)s->data[i] < 0x80 ? (r = (unsigned char)s->data[i], 1)
                                                 : utf8_decode(s->data + i, s->len - i, &r);
        bool sp = unicode_is_space(r);
        if (sp && in_field) {
            list_append(out, vstr(s->data + start, i - start));
            in_field = false;
        } else if (!sp && !in_field) {
            start = i;
            in_field = true;
        }
        i += (size_t)w;
    }
    if (in_field)
        list_append(out, vstr(s->data + start, s->len - start));
    rets[0] = v_from_ptr(out);
    return 1;
}

static int strings_n_join(Thread *t, Value *args, int nargs, Value *rets)
{
    if (!vm_check_arg(t, "strings.Join", args, 0, OBJ_LIST))
        return -1;
    STR_ARG(1, "strings.Join", sep);
    ObjList *l = v_list(args[0]);
    /* Snapshot the elements: a racing append must not change what we
     * measured between the two passes. */
    size_t n = l->len;
    Value *items = mem_alloc(mem_size(n, sizeof(Value), 1));
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!list_get(l, (int64_t)i, &items[i])) {
            n = i;
            break;
        }
        if (!v_is_str(items[i]))
            return vm_panicf(t, E_JOIN_ELEM, (int)i, v_type_name(items[i]));
        total = mem_add(total, v_str(items[i])->len);
    }
    if (n == 1) {
        rets[0] = items[0];
        return 1;
    }
    if (n > 1)
        total = mem_size(n - 1, sep->len, total);
    ObjString *out = str_alloc(total);
    char *p = out->data;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            memcpy(p, sep->data, sep->len);
            p += sep->len;
        }
        ObjString *e = v_str(items[i]);
        memcpy(p, e->data, e->len);
        p += e->len;
    }
    rets[0] = v_from_ptr(out);
    return 1;
}

static int strings_n_cut(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Cut", s);
    STR_ARG(1, "strings.Cut", sep);
    int64_t i = str_index(s->data, s->len, sep->data, sep->len);
    if (i < 0) {
        rets[0] = args[0];
        rets[1] = v_cstr("");
        rets[2] = V_FALSE;
    } else {
        rets[0] = vstr(s->data, (size_t)i);
        rets[1] = vstr(s->data + i + (int64_t)sep->len, s->len - (size_t)i - sep->len);
        rets[2] = V_TRUE;
    }
    return 3;
}

/* ====================================================================== */
/* transforming                                                            */
/* ====================================================================== */

static int strings_n_repeat(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Repeat", s);
    INT_ARG(1, "strings.Repeat", count);
    if (count < 0)
        return vm_panicf(t, E_NEG_REPEAT);
    /* Go's two checks: a length past MaxInt overflows; one past the
     * largest block (Go's Builder.Grow asking make for it) is out of range.
     * A length below both that the heap cannot hold is out of memory. */
    if (s->len != 0 && (uint64_t)count > (uint64_t)INT64_MAX / s->len)
        return vm_panicf(t, E_REPEAT_OVERFLOW);
    if (!mem_fits((size_t)count, s->len, 0))
        return vm_panicf(t, E_MAKE_LEN);
    size_t total = s->len * (size_t)count;
    ObjString *out = str_alloc(total);
    if (total) {
        /* Doubling copies: log(count) memcpys. */
        memcpy(out->data, s->data, s->len);
        size_t done = s->len;
        while (done < total) {
            size_t chunk = done <= total - done ? done : total - done;
            memcpy(out->data + done, out->data, chunk);
            done += chunk;
        }
    }
    rets[0] = v_from_ptr(out);
    return 1;
}

static Value replace(ObjString *s, ObjString *old, ObjString *new, int64_t n, Value orig)
{
    if (n == 0 || (old->len == new->len &&memcmp(old->data, new->data, old->len) == 0))
        return orig;
    int64_t m = str_count(s->data, s->len, old->data, old->len);
    if (m == 0)
        return orig;
    if (n < 0 || m < n)
        n = m;
    Buf b;
    buf_init(&b);
    buf_reserve(&b, mem_size((size_t)n, new->len, s->len));
    size_t start = 0;
    for (int64_t i = 0; i < n; i++) {
        size_t j = start;
        if (old->len == 0) {
            if (i > 0) {
                int32_t r;
                j += (size_t)utf8_decode(s->data + start, s->len - start, &r);
            }
        } else {
            j += (size_t)str_index(s->data + start, s->len - start, old->data, old->len);
        }
        buf_add(&b, s->data + start, j - start);
        buf_add(&b, new->data, new->len);
        start = j + old->len;
    }
    buf_add(&b, s->data + start, s->len - start);
    return v_from_ptr(buf_to_str(&b));
}

static int strings_n_replace(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Replace", s);
    STR_ARG(1, "strings.Replace", old);
    STR_ARG(2, "strings.Replace", new);
    INT_ARG(3, "strings.Replace", n);
    rets[0] = replace(s, old, new, n, args[0]);
    return 1;
}

static int strings_n_replace_all(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.ReplaceAll", s);
    STR_ARG(1, "strings.ReplaceAll", old);
    STR_ARG(2, "strings.ReplaceAll", new);
    rets[0] = replace(s, old, new, -1, args[0]);
    return 1;
}

/* Go's strings.Map with a rune mapping: invalid bytes become U+FFFD. */
static Value map_runes(ObjString *s, Value orig, int32_t (*fn)(int32_t))
{
    /* ASCII fast path: change bytes in place in a copy, or return s. */
    size_t i = 0;
    while (i < s->len && (unsigned char)s->data[i] < 0x80 && fn((unsigned char)s->data[i]) == s->data[i])
        i++;
    if (i == s->len)
        return orig;
    Buf b;
    buf_init(&b);
    buf_reserve(&b, s->len + 4);
    buf_add(&b, s->data, i);
    while (i < s->len) {
        unsigned char c = (unsigned char)s->data[i];
        if (c < 0x80) {
            buf_addc(&b, (char)fn(c));
            i++;
            continue;
        }
        int32_t r;
        int w = utf8_decode(s->data + i, s->len - i, &r);
        char enc[4];
        buf_add(&b, enc, (size_t)utf8_encode(enc, fn(r)));
        i += (size_t)w;
    }
    return v_from_ptr(buf_to_str(&b));
}

/* strings.Map: each rune of s through a csp function; a negative result
 * drops the rune, as Go's. The callback may move the value stack, so the
 * arguments are copied out first. */
static int strings_n_map(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(1, "strings.Map", s);
    Value fn = args[0];
    Buf b;
    buf_init(&b);
    buf_reserve(&b, s->len + 4);
    for (size_t i = 0; i < s->len;) {
        int32_t r;
        int w = utf8_decode(s->data + i, s->len - i, &r);
        i += (size_t)w;
        Value arg = v_make_int(r);
        if (vm_call(t, fn, &arg, 1) < 0)
            return -1;
        int64_t m;
        if (!vm_check_int(t, "strings.Map", t->rets, 0, &m))
            return -1;
        if (m < 0)
            continue;
        char enc[4];
        buf_add(&b, enc, (size_t)utf8_encode(enc, (int32_t)m));
    }
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int strings_n_to_upper(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.ToUpper", s);
    rets[0] = map_runes(s, args[0], rune_upper);
    return 1;
}

static int strings_n_to_lower(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.ToLower", s);
    rets[0] = map_runes(s, args[0], rune_lower);
    return 1;
}

/* Trim runes matching `set` (a cutset) or, when set is NULL, spaces. */
static Value trim(ObjString *s, Value orig, const ObjString *set, bool left, bool right)
{
    size_t start = 0, end = s->len;
    if (left) {
        while (start < end) {
            int32_t r;
            int w = utf8_decode(s->data + start, end - start, &r);
            if (!(set ? rune_in(r, set->data, set->len) : unicode_is_space(r)))
                break;
            start += (size_t)w;
        }
    }
    if (right) {
        while (end > start) {
            int32_t r;
            int w = decode_last(s->data, end, &r);
            if (end - (size_t)w < start)
                break;
            if (!(set ? rune_in(r, set->data, set->len) : unicode_is_space(r)))
                break;
            end -= (size_t)w;
        }
    }
    if (start == 0 && end == s->len)
        return orig;
    return vstr(s->data + start, end - start);
}

static int strings_n_trim_space(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.TrimSpace", s);
    rets[0] = trim(s, args[0], NULL, true, true);
    return 1;
}

static int strings_n_trim(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Trim", s);
    STR_ARG(1, "strings.Trim", set);
    rets[0] = set->len ? trim(s, args[0], set, true, true) : args[0];
    return 1;
}

static int strings_n_trim_left(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.TrimLeft", s);
    STR_ARG(1, "strings.TrimLeft", set);
    rets[0] = set->len ? trim(s, args[0], set, true, false) : args[0];
    return 1;
}

static int strings_n_trim_right(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.TrimRight", s);
    STR_ARG(1, "strings.TrimRight", set);
    rets[0] = set->len ? trim(s, args[0], set, false, true) : args[0];
    return 1;
}

static int strings_n_trim_prefix(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.TrimPrefix", s);
    STR_ARG(1, "strings.TrimPrefix", p);
    if (p->len && s->len >= p->len && memcmp(s->data, p->data, p->len) == 0)
        rets[0] = vstr(s->data + p->len, s->len - p->len);
    else
        rets[0] = args[0];
    return 1;
}

static int strings_n_trim_suffix(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.TrimSuffix", s);
    STR_ARG(1, "strings.TrimSuffix", p);
    if (p->len && s->len >= p->len && memcmp(s->data + s->len - p->len, p->data, p->len) == 0)
        rets[0] = vstr(s->data, s->len - p->len);
    else
        rets[0] = args[0];
    return 1;
}

static int strings_n_cut_prefix(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.CutPrefix", s);
    STR_ARG(1, "strings.CutPrefix", p);
    bool ok = s->len >= p->len && memcmp(s->data, p->data, p->len) == 0;
    rets[0] = ok ? vstr(s->data + p->len, s->len - p->len) : args[0];
    rets[1] = v_bool(ok);
    return 2;
}

static int strings_n_cut_suffix(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.CutSuffix", s);
    STR_ARG(1, "strings.CutSuffix", p);
    bool ok = s->len >= p->len && memcmp(s->data + s->len - p->len, p->data, p->len) == 0;
    rets[0] = ok ? vstr(s->data, s->len - p->len) : args[0];
    rets[1] = v_bool(ok);
    return 2;
}

/* ====================================================================== */
/* strings.Builder                                                         */
/* ====================================================================== */

typedef struct BuilderStore {
    size_t cap; /* bytes in data; never changes */
    char data[];
} BuilderStore;

typedef struct Builder {
    BuilderStore *store; /* unlocked; replaced (never resized) on growth */
    size_t len;          /* unlocked; readers clamp it to store->cap */
} Builder;

/* Smallest storage block: most builders hold a line or two. */
#define BUILDER_MIN_CAP 64

static const ObjClass builder_class;

static Builder *builder_of(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &builder_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

/* The storage and a length valid for it, loaded once. */
static BuilderStore *builder_view(Builder *sb, size_t *len)
{
    BuilderStore *st = __atomic_load_n(&sb->store, __ATOMIC_ACQUIRE);
    size_t n = __atomic_load_n(&sb->len, __ATOMIC_RELAXED);
    size_t cap = st ? st->cap : 0;
    *len = n < cap ? n : cap;
    return st;
}

/* Make room for `extra` more bytes; returns the block to write into and
 * the length to write at. */
static BuilderStore *builder_reserve(Builder *sb, size_t extra, size_t *len)
{
    BuilderStore *st = builder_view(sb, len);
    size_t cap = st ? st->cap : 0;
    if (extra <= cap - *len)
        return st;
    size_t ncap = mem_grow(cap, mem_add(*len, extra), BUILDER_MIN_CAP, 1);
    BuilderStore *nst = mem_alloc_atomic(mem_add(sizeof *nst, ncap));
    nst->cap = ncap;
    if (*len)
        memcpy(nst->data, st->data, *len);
    return nst;
}

static void builder_append(Builder *sb, const char *s, size_t n)
{
    size_t len;
    BuilderStore *st = builder_reserve(sb, n, &len);
    if (n)
        memcpy(st->data + len, s, n);
    /* Publish the (filled) block before the length that covers it. */
    __atomic_store_n(&sb->store, st, __ATOMIC_RELEASE);
    __atomic_store_n(&sb->len, len + n, __ATOMIC_RELAXED);
}

bool strings_builder_write(Value w, const char *s, size_t n)
{
    Builder *sb = builder_of(w);
    if (!sb)
        return false;
    builder_append(sb, s, n);
    return true;
}

Value strings_builder_new(void)
{
    Builder *sb = mem_alloc(sizeof *sb);
    sb->store = NULL;
    sb->len = 0;
    return v_from_ptr(object_new(&builder_class, sb));
}

static int strings_n_builder(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = strings_builder_new();
    return 1;
}

/* Methods get the receiver as args[0]; their checks look at args + 1 so
 * messages count arguments as the script wrote them. */
/* The unbraced if ends a declaration macro, which clang-format mangles. */
/* clang-format off */
#define SELF(name)                                                                                           \
    Builder *sb = builder_of(args[0]);                                                                       \
    if (!sb)                                                                                                 \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "strings.Builder", v_type_name(args[0]))
/* clang-format on */

static int sb_write_string(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("strings.Builder.WriteString");
    ObjString *s;
    if (!vm_check_str(t, "strings.Builder.WriteString", args + 1, 0, &s))
        return -1;
    builder_append(sb, s->data, s->len);
    rets[0] = v_int_small((int64_t)s->len);
    rets[1] = V_NIL;
    return 2;
}

static int sb_write_byte(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("strings.Builder.WriteByte");
    int64_t c;
    if (!vm_check_int(t, "strings.Builder.WriteByte", args + 1, 0, &c))
        return -1;
    char ch = (char)(c & 0xFF);
    builder_append(sb, &ch, 1);
    rets[0] = V_NIL;
    return 1;
}

static int sb_write_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("strings.Builder.WriteRune");
    int64_t r;
    if (!vm_check_int(t, "strings.Builder.WriteRune", args + 1, 0, &r))
        return -1;
    char enc[4];
    int n = utf8_encode(enc, r);
    builder_append(sb, enc, (size_t)n);
    rets[0] = v_int_small(n);
    rets[1] = V_NIL;
    return 2;
}

static int sb_string(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("strings.Builder.String");
    size_t len;
    BuilderStore *st = builder_view(sb, &len);
    rets[0] = v_from_ptr(str_new(st ? st->data : "", len));
    return 1;
}

static int sb_len(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("strings.Builder.Len");
    size_t len;
    builder_view(sb, &len);
    rets[0] = v_int_small((int64_t)len);
    return 1;
}

static int sb_cap(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("strings.Builder.Cap");
    size_t len;
    BuilderStore *st = builder_view(sb, &len);
    rets[0] = v_int_small(st ? (int64_t)st->cap : 0);
    return 1;
}

static int sb_reset(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("strings.Builder.Reset");
    __atomic_store_n(&sb->len, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sb->store, NULL, __ATOMIC_RELEASE);
    return 0;
}

static int sb_grow(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("strings.Builder.Grow");
    int64_t n;
    if (!vm_check_int(t, "strings.Builder.Grow", args + 1, 0, &n))
        return -1;
    if (n < 0)
        return vm_panicf(t, E_NEG_GROW);
    if (!mem_fits((size_t)n, 1, 0))
        return vm_panicf(t, E_MAKE_LEN); /* Go's make([]byte, n) would say so */
    size_t len;
    BuilderStore *st = builder_reserve(sb, (size_t)n, &len);
    __atomic_store_n(&sb->store, st, __ATOMIC_RELEASE);
    return 0;
}

static const MethodDef builder_methods[] = {
    {"WriteString", sb_write_string, 1, 1},
    {"Write", sb_write_string, 1, 1},
    {"WriteByte", sb_write_byte, 1, 1},
    {"WriteRune", sb_write_rune, 1, 1},
    {"String", sb_string, 0, 0},
    {"Len", sb_len, 0, 0},
    {"Cap", sb_cap, 0, 0},
    {"Reset", sb_reset, 0, 0},
    {"Grow", sb_grow, 1, 1},
    {NULL, NULL, 0, 0},
};

static const ObjClass builder_class = {
    .name = "strings.Builder", .methods = builder_methods, .get_field = NULL};

static const ModuleFn strings_fns[] = {
    {"Builder", strings_n_builder, 0, 0, NULL},
    {"Compare", strings_n_compare, 2, 2, "func(string, string) int"},
    {"Contains", strings_n_contains, 2, 2, "func(string, string) bool"},
    {"ContainsAny", strings_n_contains_any, 2, 2, "func(string, string) bool"},
    {"ContainsRune", strings_n_contains_rune, 2, 2, "func(string, rune) bool"},
    {"Count", strings_n_count, 2, 2, "func(string, string) int"},
    {"Cut", strings_n_cut, 2, 2, "func(string, string) (string, string, bool)"},
    {"CutPrefix", strings_n_cut_prefix, 2, 2, "func(string, string) (string, bool)"},
    {"CutSuffix", strings_n_cut_suffix, 2, 2, "func(string, string) (string, bool)"},
    {"EqualFold", strings_n_equal_fold, 2, 2, "func(string, string) bool"},
    {"Fields", strings_n_fields, 1, 1, "func(string) []string"},
    {"HasPrefix", strings_n_has_prefix, 2, 2, "func(string, string) bool"},
    {"HasSuffix", strings_n_has_suffix, 2, 2, "func(string, string) bool"},
    {"Index", strings_n_index, 2, 2, "func(string, string) int"},
    {"IndexAny", strings_n_index_any, 2, 2, "func(string, string) int"},
    {"IndexByte", strings_n_index_byte, 2, 2, "func(string, byte) int"},
    {"IndexRune", strings_n_index_rune, 2, 2, "func(string, rune) int"},
    {"Join", strings_n_join, 2, 2, "func([]string, string) string"},
    {"LastIndex", strings_n_last_index, 2, 2, "func(string, string) int"},
    {"LastIndexAny", strings_n_last_index_any, 2, 2, "func(string, string) int"},
    {"LastIndexByte", strings_n_last_index_byte, 2, 2, "func(string, byte) int"},
    {"Map", strings_n_map, 2, 2, "func(func(rune) rune, string) string"},
    {"Repeat", strings_n_repeat, 2, 2, "func(string, int) string"},
    {"Replace", strings_n_replace, 4, 4, "func(string, string, string, int) string"},
    {"ReplaceAll", strings_n_replace_all, 3, 3, "func(string, string, string) string"},
    {"Split", strings_n_split, 2, 2, "func(string, string) []string"},
    {"SplitAfter", strings_n_split_after, 2, 2, "func(string, string) []string"},
    {"SplitAfterN", strings_n_split_after_n, 3, 3, "func(string, string, int) []string"},
    {"SplitN", strings_n_split_n, 3, 3, "func(string, string, int) []string"},
    {"ToLower", strings_n_to_lower, 1, 1, "func(string) string"},
    {"ToUpper", strings_n_to_upper, 1, 1, "func(string) string"},
    {"Trim", strings_n_trim, 2, 2, "func(string, string) string"},
    {"TrimLeft", strings_n_trim_left, 2, 2, "func(string, string) string"},
    {"TrimPrefix", strings_n_trim_prefix, 2, 2, "func(string, string) string"},
    {"TrimRight", strings_n_trim_right, 2, 2, "func(string, string) string"},
    {"TrimSpace", strings_n_trim_space, 1, 1, "func(string) string"},
    {"TrimSuffix", strings_n_trim_suffix, 2, 2, "func(string, string) string"},
    {NULL, NULL, 0, 0, NULL},
};

static void strings_open(ObjModule *m)
{
    strings_init();
    module_add_fns(m, strings_fns);
    module_add_type(m, "Builder", TYPE_OBJECT);
}

const ModuleDef csp_module_strings = {"strings", strings_open};
