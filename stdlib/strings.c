/* strings.c — the strings module and strings.Builder.
 *
 * Every function keeps Go's name, arity and edge cases (Split with an empty
 * separator explodes into runes, Replace with an empty old string inserts
 * between runes, Count("", "") is 1, ...). Indexes are byte offsets, as in
 * Go. Strings are immutable, so a result that equals an operand is that
 * operand, not a copy.
 *
 * Case mapping and the letter/digit/space classes above ASCII are
 * Unicode's simple mappings and categories from GNU libunistring, the
 * tables the unicode module uses (stdlib/unicode.c), so strings.ToUpper(s)
 * and unicode.ToUpper(r) always agree.
 *
 * strings.Reader and strings.Replacer are native objects too: a Reader
 * reads a string through Go's io.Reader contract (Read fills the caller's
 * []byte and returns io.EOF at the end); a Replacer replaces several
 * old/new pairs in one pass.
 *
 * strings.Builder is a native object. Its bytes live in a storage block
 * that records its own capacity and is replaced, never resized, on growth;
 * a reader clamps the length to the block it loaded. So goroutines racing
 * on one Builder (a script bug) may lose writes but can never make us read
 * or write past a block.
 */
#include "stdlib.h"

#include <string.h>
#include <unicase.h>
#include <unictype.h>

#include "../vm/mem.h"
#include "../vm/utf8.h"
#include "bytesval.h"
#include "stream.h"

/* ====================================================================== */
/* helpers                                                                 */
/* ====================================================================== */

/* Runes come from utf8_decode, so they are valid code points or U+FFFD. */
static int32_t rune_upper(int32_t r)
{
    if (r < 0x80)
        return r >= 'a' && r <= 'z' ? r - 32 : r;
    return (int32_t)uc_toupper((ucs4_t)r);
}

static int32_t rune_lower(int32_t r)
{
    if (r < 0x80)
        return r >= 'A' && r <= 'Z' ? r + 32 : r;
    return (int32_t)uc_tolower((ucs4_t)r);
}

static int32_t rune_title(int32_t r)
{
    if (r < 0x80)
        return r >= 'a' && r <= 'z' ? r - 32 : r;
    return (int32_t)uc_totitle((ucs4_t)r);
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

/* Go's EqualFold: rune by rune, equal or in one case-folding orbit (the
 * runes SimpleFold steps through: k, K and the Kelvin sign are one). */
static bool fold_equal(int32_t a, int32_t b)
{
    if (a == b)
        return true;
    if (b < a) {
        int32_t x = a;
        a = b;
        b = x;
    }
    if (b < 0x80)
        return a >= 'A' && a <= 'Z' && b == a + ('a' - 'A');
    /* The orbit ascends from a and wraps; b is in it if we meet it
     * before passing it. */
    int64_t r = unicode_simple_fold(a);
    while (r != a && r < b)
        r = unicode_simple_fold(r);
    return r == b;
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
        if (!fold_equal(ra, rb)) {
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

/* Write(p []byte): the bytes of p (a string too, for csp's scripts). */
static int sb_write(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("strings.Builder.Write");
    Buf b;
    buf_init(&b);
    if (!bytes_arg(t, "strings.Builder.Write", args + 1, 0, &b))
        return -1;
    builder_append(sb, b.data, b.len);
    rets[0] = v_int_small((int64_t)b.len);
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
    {"Write", sb_write, 1, 1},
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

/* ====================================================================== */
/* functions of a rune predicate, titles, validity                        */
/* ====================================================================== */

/* f(r) for the script's func(rune) bool: 1 or 0, or -1 after a panic.
 * vm_call may move the value stack, so callers keep their own copies of
 * what args held. */
static int call_pred(Thread *t, const char *fname, Value fn, int32_t r)
{
    Value arg = v_int_small(r);
    int n = vm_call(t, fn, &arg, 1);
    if (n < 0)
        return -1;
    if (n < 1 || !v_is_bool(t->rets[0]))
        return vm_panicf(t, E_ARG_TYPE, fname, 2, "a func(rune) bool", "a function returning something else");
    return t->rets[0] == V_TRUE;
}

/* Go's indexFunc: the first (or last) rune for which f(r) == truth. */
static int index_func(Thread *t, const char *fname, ObjString *s, Value fn, bool truth, bool last,
                      int64_t *out)
{
    *out = -1;
    if (!last) {
        for (size_t i = 0; i < s->len;) {
            int32_t r;
            int w = utf8_decode(s->data + i, s->len - i, &r);
            int p = call_pred(t, fname, fn, r);
            if (p < 0)
                return -1;
            if ((p == 1) == truth) {
                *out = (int64_t)i;
                return 0;
            }
            i += (size_t)w;
        }
    } else {
        for (size_t end = s->len; end > 0;) {
            int32_t r;
            int w = decode_last(s->data, end, &r);
            end -= (size_t)w;
            int p = call_pred(t, fname, fn, r);
            if (p < 0)
                return -1;
            if ((p == 1) == truth) {
                *out = (int64_t)end;
                return 0;
            }
        }
    }
    return 0;
}

static int strings_n_index_func(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.IndexFunc", s);
    Value fn = args[1];
    int64_t i;
    if (index_func(t, "strings.IndexFunc", s, fn, true, false, &i) < 0)
        return -1;
    rets[0] = v_int_small(i);
    return 1;
}

static int strings_n_last_index_func(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.LastIndexFunc", s);
    Value fn = args[1];
    int64_t i;
    if (index_func(t, "strings.LastIndexFunc", s, fn, true, true, &i) < 0)
        return -1;
    rets[0] = v_int_small(i);
    return 1;
}

static int strings_n_contains_func(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.ContainsFunc", s);
    Value fn = args[1];
    int64_t i;
    if (index_func(t, "strings.ContainsFunc", s, fn, true, false, &i) < 0)
        return -1;
    rets[0] = v_bool(i >= 0);
    return 1;
}

/* TrimLeftFunc / TrimRightFunc / TrimFunc: drop the runes at the ends for
 * which f holds. */
static int trim_func(Thread *t, const char *fname, Value *args, bool left, bool right, Value *rets)
{
    STR_ARG(0, fname, s);
    Value orig = args[0], fn = args[1];
    size_t start = 0, end = s->len;
    if (left) {
        int64_t i;
        if (index_func(t, fname, s, fn, false, false, &i) < 0)
            return -1;
        start = i < 0 ? s->len : (size_t)i;
    }
    if (right && start < end) {
        while (end > start) {
            int32_t r;
            int w = decode_last(s->data, end, &r);
            if (end - (size_t)w < start)
                break;
            int p = call_pred(t, fname, fn, r);
            if (p < 0)
                return -1;
            if (!p)
                break;
            end -= (size_t)w;
        }
    }
    rets[0] = start == 0 && end == s->len ? orig : vstr(s->data + start, end - start);
    return 1;
}

static int strings_n_trim_func(Thread *t, Value *args, int nargs, Value *rets)
{
    return trim_func(t, "strings.TrimFunc", args, true, true, rets);
}

static int strings_n_trim_left_func(Thread *t, Value *args, int nargs, Value *rets)
{
    return trim_func(t, "strings.TrimLeftFunc", args, true, false, rets);
}

static int strings_n_trim_right_func(Thread *t, Value *args, int nargs, Value *rets)
{
    return trim_func(t, "strings.TrimRightFunc", args, false, true, rets);
}

/* FieldsFunc: the runs of runes for which f does not hold. */
static int strings_n_fields_func(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.FieldsFunc", s);
    Value fn = args[1];
    ObjList *out = list_new(0, 0);
    size_t start = 0;
    bool in_field = false;
    for (size_t i = 0; i < s->len;) {
        int32_t r;
        int w = utf8_decode(s->data + i, s->len - i, &r);
        int p = call_pred(t, "strings.FieldsFunc", fn, r);
        if (p < 0)
            return -1;
        if (p && in_field) {
            list_append(out, vstr(s->data + start, i - start));
            in_field = false;
        } else if (!p && !in_field) {
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

static int strings_n_to_title(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.ToTitle", s);
    rets[0] = map_runes(s, args[0], rune_title);
    return 1;
}

/* Go's isSeparator for Title: ASCII letters, digits and '_' join words,
 * other ASCII separates; above ASCII letters and digits join, spaces
 * separate, and anything else joins. */
static bool title_separator(int32_t r)
{
    if (r < 0x80) {
        bool word = (r >= '0' && r <= '9') || ((r | 0x20) >= 'a' && (r | 0x20) <= 'z') || r == '_';
        return !word;
    }
    if (uc_is_general_category((ucs4_t)r, uc_general_category_or(UC_CATEGORY_L, UC_CATEGORY_Nd)))
        return false;
    return unicode_is_space(r);
}

/* strings.Title: each word's first rune in title case. */
static int strings_n_title(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Title", s);
    Buf b;
    buf_init(&b);
    buf_reserve(&b, s->len + 4);
    int32_t prev = ' ';
    bool changed = false;
    for (size_t i = 0; i < s->len;) {
        int32_t r;
        int w = utf8_decode(s->data + i, s->len - i, &r);
        int32_t m = title_separator(prev) ? rune_title(r) : r;
        prev = r;
        /* An invalid byte becomes U+FFFD, as Go's Map writes it. */
        changed = changed || m != r || (r == UTF8_ERROR && w == 1);
        char enc[4];
        buf_add(&b, enc, (size_t)utf8_encode(enc, m));
        i += (size_t)w;
    }
    rets[0] = changed ? v_from_ptr(buf_to_str(&b)) : args[0];
    return 1;
}

static int strings_n_clone(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.Clone", s);
    rets[0] = s->len ? vstr(s->data, s->len) : args[0];
    return 1;
}

/* ToValidUTF8: each run of invalid bytes becomes one replacement. */
static int strings_n_to_valid_utf8(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.ToValidUTF8", s);
    STR_ARG(1, "strings.ToValidUTF8", rep);
    Buf b;
    buf_init(&b);
    bool invalid = false, changed = false;
    for (size_t i = 0; i < s->len;) {
        int32_t r;
        int w = utf8_decode(s->data + i, s->len - i, &r);
        if (r == UTF8_ERROR && w == 1) {
            if (!invalid)
                buf_add(&b, rep->data, rep->len);
            invalid = changed = true;
        } else {
            buf_add(&b, s->data + i, (size_t)w);
            invalid = false;
        }
        i += (size_t)w;
    }
    rets[0] = changed ? v_from_ptr(buf_to_str(&b)) : args[0];
    return 1;
}

/* ====================================================================== */
/* strings.Replacer                                                        */
/* ====================================================================== */

/* The old/new pairs in argument order, immutable once made: the first
 * pair whose old string matches at a position wins there, as in Go. */
typedef struct Replacer {
    size_t n;           /* pairs */
    ObjString **oldnew; /* old0, new0, old1, new1, ... */
    bool has_empty;     /* some old string is empty */
    uint8_t first[256]; /* 1 when some old string starts with that byte */
} Replacer;

static const ObjClass replacer_class;

static Replacer *replacer_of(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &replacer_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static Value replacer_new(ObjString **oldnew, size_t n)
{
    Replacer *rp = mem_alloc(sizeof *rp);
    rp->n = n;
    rp->oldnew = oldnew;
    rp->has_empty = false;
    memset(rp->first, 0, sizeof rp->first);
    for (size_t i = 0; i < n; i++) {
        ObjString *old = oldnew[2 * i];
        if (old->len == 0)
            rp->has_empty = true;
        else
            rp->first[(unsigned char)old->data[0]] = 1;
    }
    return v_from_ptr(object_new(&replacer_class, rp));
}

static int strings_n_new_replacer(Thread *t, Value *args, int nargs, Value *rets)
{
    if (nargs % 2)
        return vm_panicf(t, E_REPLACER_ODD);
    ObjString **oldnew = mem_alloc(mem_size((size_t)nargs, sizeof *oldnew, 1));
    for (int i = 0; i < nargs; i++)
        if (!vm_check_str(t, "strings.NewReplacer", args, i, &oldnew[i]))
            return -1;
    rets[0] = replacer_new(oldnew, (size_t)nargs / 2);
    return 1;
}

/* `var r strings.Replacer`: no pairs, Replace returns its argument. */
static int strings_n_replacer(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = replacer_new(NULL, 0);
    return 1;
}

/* Go's generic replacer: at each byte position the first pair (argument
 * order) whose old string starts there is replaced and skipped; an empty
 * old string matches everywhere but not twice in a row at one position. */
static bool replacer_run(const Replacer *rp, ObjString *s, Buf *b)
{
    size_t last = 0;
    bool prev_empty = false, any = false;
    for (size_t i = 0; i <= s->len;) {
        if (i < s->len && !rp->has_empty && !rp->first[(unsigned char)s->data[i]]) {
            i++;
            continue;
        }
        const ObjString *hit = NULL;
        size_t hit_len = 0;
        for (size_t k = 0; k < rp->n; k++) {
            const ObjString *old = rp->oldnew[2 * k];
            if (old->len == 0 ? prev_empty
                              : old->len > s->len - i || memcmp(s->data + i, old->data, old->len) != 0)
                continue;
            hit = rp->oldnew[2 * k + 1];
            hit_len = old->len;
            break;
        }
        prev_empty = hit && hit_len == 0;
        if (hit) {
            buf_add(b, s->data + last, i - last);
            buf_add(b, hit->data, hit->len);
            any = true;
            i += hit_len;
            last = i;
            continue;
        }
        i++;
    }
    if (any)
        buf_add(b, s->data + last, s->len - last);
    return any;
}

/* clang-format off */
#define REPLACER_SELF(name)                                                                                  \
    Replacer *rp = replacer_of(args[0]);                                                                     \
    if (!rp)                                                                                                 \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "*strings.Replacer", v_type_name(args[0]))
/* clang-format on */

static int replacer_replace(Thread *t, Value *args, int nargs, Value *rets)
{
    REPLACER_SELF("strings.Replacer.Replace");
    ObjString *s;
    if (!vm_check_str(t, "strings.Replacer.Replace", args + 1, 0, &s))
        return -1;
    Buf b;
    buf_init(&b);
    rets[0] = replacer_run(rp, s, &b) ? v_from_ptr(buf_to_str(&b)) : args[1];
    return 1;
}

/* Write s to any io.Writer, as fmt.Fprint does: the count written with
 * *err, or -1 after a panic. */
static int64_t write_to(Thread *t, const char *fname, Value w, const char *s, size_t n, Value *err)
{
    *err = V_NIL;
    return n ? stream_write(t, fname, w, s, n, err) : 0;
}

static int replacer_write_string(Thread *t, Value *args, int nargs, Value *rets)
{
    REPLACER_SELF("strings.Replacer.WriteString");
    ObjString *s;
    if (!vm_check_str(t, "strings.Replacer.WriteString", args + 1, 1, &s))
        return -1;
    Buf b;
    buf_init(&b);
    const char *out = b.data;
    size_t len;
    if (replacer_run(rp, s, &b)) {
        out = b.data;
        len = b.len;
    } else {
        out = s->data;
        len = s->len;
    }
    Value err;
    int64_t wrote = write_to(t, "strings.Replacer.WriteString", args[1], out, len, &err);
    if (wrote < 0)
        return -1;
    rets[0] = v_make_int(wrote);
    rets[1] = err;
    return 2;
}

static const MethodDef replacer_methods[] = {
    {"Replace", replacer_replace, 1, 1},
    {"WriteString", replacer_write_string, 2, 2},
    {NULL, NULL, 0, 0},
};

static const ObjClass replacer_class = {.name = "*strings.Replacer", .methods = replacer_methods, .get_field = NULL};

/* ====================================================================== */
/* strings.Reader                                                          */
/* ====================================================================== */

/* A reader of one immutable string. Go's Reader is not safe for use by
 * several goroutines; a racing script may see a stale position, and every
 * access clamps it to the string, so it can never read outside it. */
typedef struct Reader {
    ObjString *s;      /* acquire/release atomics: replaced by Reset */
    int64_t i;         /* the read position; relaxed atomics */
    int64_t prev_rune; /* where the last ReadRune started, else -1; relaxed atomics */
} Reader;

static const ObjClass reader_class;

static Reader *reader_of(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &reader_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static Value reader_new(ObjString *s)
{
    Reader *rd = mem_alloc(sizeof *rd);
    rd->s = s;
    rd->i = 0;
    rd->prev_rune = -1;
    return v_from_ptr(object_new(&reader_class, rd));
}

static int strings_n_new_reader(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "strings.NewReader", s);
    rets[0] = reader_new(s);
    return 1;
}

/* `var r strings.Reader`: a reader of "". */
static int strings_n_reader(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = reader_new(str_new("", 0));
    return 1;
}

/* clang-format off */
#define READER_SELF(name)                                                                                    \
    Reader *rd = reader_of(args[0]);                                                                         \
    if (!rd)                                                                                                 \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "*strings.Reader", v_type_name(args[0]))
/* clang-format on */

/* The string and the position clamped to it, loaded once. */
static ObjString *reader_view(Reader *rd, int64_t *pos)
{
    ObjString *s = __atomic_load_n(&rd->s, __ATOMIC_ACQUIRE);
    int64_t i = __atomic_load_n(&rd->i, __ATOMIC_RELAXED);
    *pos = i < 0 ? 0 : i;
    return s;
}

static void reader_set(Reader *rd, int64_t i, int64_t prev)
{
    __atomic_store_n(&rd->i, i, __ATOMIC_RELAXED);
    __atomic_store_n(&rd->prev_rune, prev, __ATOMIC_RELAXED);
}

static int rd_len(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.Len");
    int64_t i;
    ObjString *s = reader_view(rd, &i);
    rets[0] = v_int_small(i >= (int64_t)s->len ? 0 : (int64_t)s->len - i);
    return 1;
}

static int rd_size(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.Size");
    int64_t i;
    rets[0] = v_int_small((int64_t)reader_view(rd, &i)->len);
    return 1;
}

/* Copy s[from:] into the []byte p as far as it holds: the count. */
static int64_t copy_into(Value p, const ObjString *s, int64_t from)
{
    ObjList *l = v_list(p);
    int64_t cap = (int64_t)__atomic_load_n(&l->len, __ATOMIC_RELAXED);
    int64_t n = (int64_t)s->len - from;
    if (n > cap)
        n = cap;
    for (int64_t k = 0; k < n; k++)
        if (!list_set(l, k, v_int_small((unsigned char)s->data[from + k])))
            return k;
    return n;
}

/* Read(p): io.Reader's contract: at the end 0, io.EOF; else as many bytes
 * as p holds and nil (0, nil for an empty p). */
static int rd_read(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.Read");
    rets[0] = v_int_small(0);
    if (args[1] == V_NIL) { /* a nil []byte holds nothing */
        int64_t i;
        ObjString *s = reader_view(rd, &i);
        rets[1] = i >= (int64_t)s->len ? stdlib_eof() : V_NIL;
        return 2;
    }
    if (!bytes_param(t, "strings.Reader.Read", args + 1, 0, false))
        return -1;
    int64_t i;
    ObjString *s = reader_view(rd, &i);
    if (i >= (int64_t)s->len) {
        rets[1] = stdlib_eof();
        return 2;
    }
    int64_t n = copy_into(args[1], s, i);
    reader_set(rd, i + n, -1);
    rets[0] = v_int_small(n);
    rets[1] = V_NIL;
    return 2;
}

/* ReadAt(p, off): independent of the position; io.EOF when p is not
 * filled. */
static int rd_read_at(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.ReadAt");
    int64_t off;
    if (!bytes_param(t, "strings.Reader.ReadAt", args + 1, 0, true))
        return -1;
    if (!vm_check_int(t, "strings.Reader.ReadAt", args + 1, 1, &off))
        return -1;
    rets[0] = v_int_small(0);
    if (off < 0) {
        rets[1] = stdlib_error(E_READER_NEG_OFF);
        return 2;
    }
    int64_t i;
    ObjString *s = reader_view(rd, &i);
    if (off >= (int64_t)s->len) {
        rets[1] = stdlib_eof();
        return 2;
    }
    int64_t want = args[1] == V_NIL ? 0 : (int64_t)__atomic_load_n(&v_list(args[1])->len, __ATOMIC_RELAXED);
    int64_t n = args[1] == V_NIL ? 0 : copy_into(args[1], s, off);
    rets[0] = v_int_small(n);
    rets[1] = n < want ? stdlib_eof() : V_NIL;
    return 2;
}

static int rd_read_byte(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.ReadByte");
    int64_t i;
    ObjString *s = reader_view(rd, &i);
    __atomic_store_n(&rd->prev_rune, -1, __ATOMIC_RELAXED);
    if (i >= (int64_t)s->len) {
        rets[0] = v_int_small(0);
        rets[1] = stdlib_eof();
        return 2;
    }
    rets[0] = v_int_small((unsigned char)s->data[i]);
    rets[1] = V_NIL;
    __atomic_store_n(&rd->i, i + 1, __ATOMIC_RELAXED);
    return 2;
}

static int rd_unread_byte(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.UnreadByte");
    int64_t i;
    reader_view(rd, &i);
    if (i <= 0) {
        rets[0] = stdlib_error(E_READER_AT_START, "UnreadByte");
        return 1;
    }
    reader_set(rd, i - 1, -1);
    rets[0] = V_NIL;
    return 1;
}

static int rd_read_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.ReadRune");
    int64_t i;
    ObjString *s = reader_view(rd, &i);
    if (i >= (int64_t)s->len) {
        __atomic_store_n(&rd->prev_rune, -1, __ATOMIC_RELAXED);
        rets[0] = v_int_small(0);
        rets[1] = v_int_small(0);
        rets[2] = stdlib_eof();
        return 3;
    }
    int32_t r;
    int w = utf8_decode(s->data + i, s->len - (size_t)i, &r);
    reader_set(rd, i + w, i);
    rets[0] = v_int_small(r);
    rets[1] = v_int_small(w);
    rets[2] = V_NIL;
    return 3;
}

static int rd_unread_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.UnreadRune");
    int64_t i;
    reader_view(rd, &i);
    int64_t prev = __atomic_load_n(&rd->prev_rune, __ATOMIC_RELAXED);
    if (i <= 0) {
        rets[0] = stdlib_error(E_READER_AT_START, "UnreadRune");
        return 1;
    }
    if (prev < 0) {
        rets[0] = stdlib_error(E_READER_NOT_RUNE);
        return 1;
    }
    reader_set(rd, prev, -1);
    rets[0] = V_NIL;
    return 1;
}

/* Seek(offset, whence): io.SeekStart 0, SeekCurrent 1, SeekEnd 2. */
static int rd_seek(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.Seek");
    int64_t off, whence;
    if (!vm_check_int(t, "strings.Reader.Seek", args + 1, 0, &off) ||
        !vm_check_int(t, "strings.Reader.Seek", args + 1, 1, &whence))
        return -1;
    int64_t i;
    ObjString *s = reader_view(rd, &i);
    __atomic_store_n(&rd->prev_rune, -1, __ATOMIC_RELAXED);
    int64_t abs;
    rets[0] = v_int_small(0);
    if (whence == 0)
        abs = off;
    else if (whence == 1)
        abs = i + off;
    else if (whence == 2)
        abs = (int64_t)s->len + off;
    else {
        rets[1] = stdlib_error(E_READER_WHENCE);
        return 2;
    }
    if (abs < 0) {
        rets[1] = stdlib_error(E_READER_NEG_POS);
        return 2;
    }
    __atomic_store_n(&rd->i, abs, __ATOMIC_RELAXED);
    rets[0] = v_make_int(abs);
    rets[1] = V_NIL;
    return 2;
}

/* WriteTo(w): the rest of the string to any io.Writer. */
static int rd_write_to(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.WriteTo");
    int64_t i;
    ObjString *s = reader_view(rd, &i);
    __atomic_store_n(&rd->prev_rune, -1, __ATOMIC_RELAXED);
    int64_t n = i >= (int64_t)s->len ? 0 : (int64_t)s->len - i;
    Value err;
    int64_t wrote = write_to(t, "strings.Reader.WriteTo", args[1], s->data + i, (size_t)n, &err);
    if (wrote < 0)
        return -1;
    __atomic_store_n(&rd->i, i + wrote, __ATOMIC_RELAXED);
    rets[0] = v_make_int(wrote);
    rets[1] = err;
    return 2;
}

static int rd_reset(Thread *t, Value *args, int nargs, Value *rets)
{
    READER_SELF("strings.Reader.Reset");
    ObjString *s;
    if (!vm_check_str(t, "strings.Reader.Reset", args + 1, 0, &s))
        return -1;
    __atomic_store_n(&rd->s, s, __ATOMIC_RELEASE);
    reader_set(rd, 0, -1);
    return 0;
}

static const MethodDef reader_methods[] = {
    {"Len", rd_len, 0, 0},
    {"Size", rd_size, 0, 0},
    {"Read", rd_read, 1, 1},
    {"ReadAt", rd_read_at, 2, 2},
    {"ReadByte", rd_read_byte, 0, 0},
    {"UnreadByte", rd_unread_byte, 0, 0},
    {"ReadRune", rd_read_rune, 0, 0},
    {"UnreadRune", rd_unread_rune, 0, 0},
    {"Seek", rd_seek, 2, 2},
    {"WriteTo", rd_write_to, 1, 1},
    {"Reset", rd_reset, 1, 1},
    {NULL, NULL, 0, 0},
};

static const ObjClass reader_class = {.name = "*strings.Reader", .methods = reader_methods, .get_field = NULL};

static const ModuleFn strings_fns[] = {
    {"Builder", strings_n_builder, 0, 0, NULL},
    {"Clone", strings_n_clone, 1, 1, "func(string) string"},
    {"Compare", strings_n_compare, 2, 2, "func(string, string) int"},
    {"Contains", strings_n_contains, 2, 2, "func(string, string) bool"},
    {"ContainsAny", strings_n_contains_any, 2, 2, "func(string, string) bool"},
    {"ContainsFunc", strings_n_contains_func, 2, 2, "func(string, func(rune) bool) bool"},
    {"ContainsRune", strings_n_contains_rune, 2, 2, "func(string, rune) bool"},
    {"Count", strings_n_count, 2, 2, "func(string, string) int"},
    {"Cut", strings_n_cut, 2, 2, "func(string, string) (string, string, bool)"},
    {"CutPrefix", strings_n_cut_prefix, 2, 2, "func(string, string) (string, bool)"},
    {"CutSuffix", strings_n_cut_suffix, 2, 2, "func(string, string) (string, bool)"},
    {"EqualFold", strings_n_equal_fold, 2, 2, "func(string, string) bool"},
    {"Fields", strings_n_fields, 1, 1, "func(string) []string"},
    {"FieldsFunc", strings_n_fields_func, 2, 2, "func(string, func(rune) bool) []string"},
    {"HasPrefix", strings_n_has_prefix, 2, 2, "func(string, string) bool"},
    {"HasSuffix", strings_n_has_suffix, 2, 2, "func(string, string) bool"},
    {"Index", strings_n_index, 2, 2, "func(string, string) int"},
    {"IndexAny", strings_n_index_any, 2, 2, "func(string, string) int"},
    {"IndexByte", strings_n_index_byte, 2, 2, "func(string, byte) int"},
    {"IndexFunc", strings_n_index_func, 2, 2, "func(string, func(rune) bool) int"},
    {"IndexRune", strings_n_index_rune, 2, 2, "func(string, rune) int"},
    {"Join", strings_n_join, 2, 2, "func([]string, string) string"},
    {"LastIndex", strings_n_last_index, 2, 2, "func(string, string) int"},
    {"LastIndexAny", strings_n_last_index_any, 2, 2, "func(string, string) int"},
    {"LastIndexByte", strings_n_last_index_byte, 2, 2, "func(string, byte) int"},
    {"LastIndexFunc", strings_n_last_index_func, 2, 2, "func(string, func(rune) bool) int"},
    {"Map", strings_n_map, 2, 2, "func(func(rune) rune, string) string"},
    {"NewReader", strings_n_new_reader, 1, 1, "func(string) *strings.Reader"},
    {"NewReplacer", strings_n_new_replacer, 0, -1, "func(...string) *strings.Replacer"},
    {"Reader", strings_n_reader, 0, 0, NULL},
    {"Repeat", strings_n_repeat, 2, 2, "func(string, int) string"},
    {"Replace", strings_n_replace, 4, 4, "func(string, string, string, int) string"},
    {"ReplaceAll", strings_n_replace_all, 3, 3, "func(string, string, string) string"},
    {"Replacer", strings_n_replacer, 0, 0, NULL},
    {"Split", strings_n_split, 2, 2, "func(string, string) []string"},
    {"SplitAfter", strings_n_split_after, 2, 2, "func(string, string) []string"},
    {"SplitAfterN", strings_n_split_after_n, 3, 3, "func(string, string, int) []string"},
    {"SplitN", strings_n_split_n, 3, 3, "func(string, string, int) []string"},
    {"Title", strings_n_title, 1, 1, "func(string) string"},
    {"ToLower", strings_n_to_lower, 1, 1, "func(string) string"},
    {"ToTitle", strings_n_to_title, 1, 1, "func(string) string"},
    {"ToUpper", strings_n_to_upper, 1, 1, "func(string) string"},
    {"ToValidUTF8", strings_n_to_valid_utf8, 2, 2, "func(string, string) string"},
    {"Trim", strings_n_trim, 2, 2, "func(string, string) string"},
    {"TrimFunc", strings_n_trim_func, 2, 2, "func(string, func(rune) bool) string"},
    {"TrimLeft", strings_n_trim_left, 2, 2, "func(string, string) string"},
    {"TrimLeftFunc", strings_n_trim_left_func, 2, 2, "func(string, func(rune) bool) string"},
    {"TrimPrefix", strings_n_trim_prefix, 2, 2, "func(string, string) string"},
    {"TrimRight", strings_n_trim_right, 2, 2, "func(string, string) string"},
    {"TrimRightFunc", strings_n_trim_right_func, 2, 2, "func(string, func(rune) bool) string"},
    {"TrimSpace", strings_n_trim_space, 1, 1, "func(string) string"},
    {"TrimSuffix", strings_n_trim_suffix, 2, 2, "func(string, string) string"},
    {NULL, NULL, 0, 0, NULL},
};

static void strings_open(ObjModule *m)
{
    module_add_fns(m, strings_fns);
    module_add_type(m, "Builder", TYPE_OBJECT);
    module_add_type(m, "Reader", TYPE_OBJECT);
    module_add_type(m, "Replacer", TYPE_OBJECT);
}

const ModuleDef csp_module_strings = {"strings", strings_open};
