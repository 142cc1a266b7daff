/* utf8.c — the unicode/utf8 module (named utf8 in scripts).
 *
 * Go's functions over UTF-8 in a string or a []byte, with Go's results on
 * bad input: an invalid or truncated encoding decodes as RuneError
 * (U+FFFD) of size 1, an empty input as RuneError of size 0, and an
 * invalid rune (negative, a surrogate, past MaxRune) encodes as RuneError.
 * The decoding itself is the runtime's (vm/utf8.h), which follows Go's
 * rules, so the language's range over a string and this module agree.
 */
#include "stdlib.h"

#include <string.h>

#include "../vm/utf8.h"
#include "bytesval.h"

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
#define BYTES_ARG(i, name, var)                                                                              \
    Buf var;                                                                                                 \
    buf_init(&var);                                                                                          \
    if (!bytes_arg(t, name, args, i, &var))                                                                  \
        return -1
/* clang-format on */

static int64_t rune_len(int64_t r)
{
    if (r < 0)
        return -1;
    if (r < 0x80)
        return 1;
    if (r < 0x800)
        return 2;
    if (r >= 0xD800 && r <= 0xDFFF)
        return -1;
    if (r < 0x10000)
        return 3;
    return r <= 0x10FFFF ? 4 : -1;
}

/* Go's DecodeLastRune: the rune that ends s; RuneError of size 1 when the
 * bytes before the end do not end in a whole encoding. */
static int decode_last(const char *s, size_t n, int32_t *r)
{
    if (n == 0) {
        *r = UTF8_ERROR;
        return 0;
    }
    size_t start = n - 1;
    if ((unsigned char)s[start] < 0x80) {
        *r = (unsigned char)s[start];
        return 1;
    }
    /* Back to the nearest byte that can start a rune, at most 3 back. */
    size_t lim = n >= 4 ? n - 4 : 0;
    while (start > lim && ((unsigned char)s[start] & 0xC0) == 0x80)
        start--;
    int w = utf8_decode(s + start, n - start, r);
    if (start + (size_t)w != n) {
        *r = UTF8_ERROR;
        return 1;
    }
    return w;
}

static bool valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        int32_t r;
        int w = utf8_decode(s + i, n - i, &r);
        if (r == UTF8_ERROR && w == 1)
            return false;
        i += (size_t)w;
    }
    return true;
}

/* Go's FullRune: whether s starts with a whole encoding, or with bytes
 * that can never become one (they decode as RuneError of size 1). */
static bool full_rune(const unsigned char *p, size_t n)
{
    if (n == 0)
        return false;
    unsigned c = p[0];
    size_t need = c < 0xC2 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 1;
    if (n >= need)
        return true;
    /* Too short: whole only if a byte already present rules it out. */
    unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (n > 1 && (p[1] < lo || p[1] > hi))
        return true;
    if (n > 2 && (p[2] < 0x80 || p[2] > 0xBF))
        return true;
    return false;
}

static int u8_rune_count_in_string(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "utf8.RuneCountInString", s);
    rets[0] = v_int_small((int64_t)utf8_count(s->data, s->len));
    return 1;
}

static int u8_rune_count(Thread *t, Value *args, int nargs, Value *rets)
{
    BYTES_ARG(0, "utf8.RuneCount", b);
    rets[0] = v_int_small((int64_t)utf8_count(b.data, b.len));
    return 1;
}

static int u8_rune_len(Thread *t, Value *args, int nargs, Value *rets)
{
    INT_ARG(0, "utf8.RuneLen", r);
    rets[0] = v_int_small(rune_len(r));
    return 1;
}

static int decode_result(const char *s, size_t n, Value *rets)
{
    int32_t r;
    int w = utf8_decode(s, n, &r);
    rets[0] = v_int_small(r);
    rets[1] = v_int_small(w);
    return 2;
}

static int u8_decode_rune_in_string(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "utf8.DecodeRuneInString", s);
    return decode_result(s->data, s->len, rets);
}

static int u8_decode_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    BYTES_ARG(0, "utf8.DecodeRune", b);
    /* Only the first 4 bytes matter; b holds them all, which is fine. */
    return decode_result(b.data, b.len, rets);
}

static int u8_decode_last_rune_in_string(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "utf8.DecodeLastRuneInString", s);
    int32_t r;
    int w = decode_last(s->data, s->len, &r);
    rets[0] = v_int_small(r);
    rets[1] = v_int_small(w);
    return 2;
}

static int u8_decode_last_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    BYTES_ARG(0, "utf8.DecodeLastRune", b);
    int32_t r;
    int w = decode_last(b.data, b.len, &r);
    rets[0] = v_int_small(r);
    rets[1] = v_int_small(w);
    return 2;
}

/* EncodeRune(p, r): writes r's encoding into p's first bytes and returns
 * how many; a p too short panics with the index Go's stores would. */
static int u8_encode_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    if (!bytes_param(t, "utf8.EncodeRune", args, 0, true))
        return -1;
    INT_ARG(1, "utf8.EncodeRune", r);
    char enc[4];
    int w = utf8_encode(enc, r);
    ObjList *p = args[0] == V_NIL ? NULL : v_list(args[0]);
    int64_t len = p ? (int64_t)__atomic_load_n(&p->len, __ATOMIC_RELAXED) : 0;
    /* Go's EncodeRune touches the last byte first (its bounds check). */
    if (len < w)
        return vm_panicf(t, E_INDEX_RANGE, (long long)(w - 1), (long long)len);
    for (int i = 0; i < w; i++)
        list_set(p, i, v_int_small((unsigned char)enc[i]));
    rets[0] = v_int_small(w);
    return 1;
}

static int u8_append_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    if (!bytes_param(t, "utf8.AppendRune", args, 0, true))
        return -1;
    INT_ARG(1, "utf8.AppendRune", r);
    char enc[4];
    int w = utf8_encode(enc, r);
    rets[0] = bytes_append(args[0], enc, (size_t)w);
    return 1;
}

static int u8_valid_string(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "utf8.ValidString", s);
    rets[0] = v_bool(valid_utf8(s->data, s->len));
    return 1;
}

static int u8_valid(Thread *t, Value *args, int nargs, Value *rets)
{
    BYTES_ARG(0, "utf8.Valid", b);
    rets[0] = v_bool(valid_utf8(b.data, b.len));
    return 1;
}

static int u8_valid_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    INT_ARG(0, "utf8.ValidRune", r);
    rets[0] = v_bool(utf8_valid_rune(r));
    return 1;
}

static int u8_full_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    BYTES_ARG(0, "utf8.FullRune", b);
    rets[0] = v_bool(full_rune((const unsigned char *)b.data, b.len));
    return 1;
}

static int u8_full_rune_in_string(Thread *t, Value *args, int nargs, Value *rets)
{
    STR_ARG(0, "utf8.FullRuneInString", s);
    rets[0] = v_bool(full_rune((const unsigned char *)s->data, s->len));
    return 1;
}

static int u8_rune_start(Thread *t, Value *args, int nargs, Value *rets)
{
    INT_ARG(0, "utf8.RuneStart", b);
    rets[0] = v_bool((b & 0xC0) != 0x80);
    return 1;
}

static const ModuleFn utf8_fns[] = {
    {"AppendRune", u8_append_rune, 2, 2, "func([]byte, rune) []byte"},
    {"DecodeLastRune", u8_decode_last_rune, 1, 1, "func([]byte) (rune, int)"},
    {"DecodeLastRuneInString", u8_decode_last_rune_in_string, 1, 1, "func(string) (rune, int)"},
    {"DecodeRune", u8_decode_rune, 1, 1, "func([]byte) (rune, int)"},
    {"DecodeRuneInString", u8_decode_rune_in_string, 1, 1, "func(string) (rune, int)"},
    {"EncodeRune", u8_encode_rune, 2, 2, "func([]byte, rune) int"},
    {"FullRune", u8_full_rune, 1, 1, "func([]byte) bool"},
    {"FullRuneInString", u8_full_rune_in_string, 1, 1, "func(string) bool"},
    {"RuneCount", u8_rune_count, 1, 1, "func([]byte) int"},
    {"RuneCountInString", u8_rune_count_in_string, 1, 1, "func(string) int"},
    {"RuneLen", u8_rune_len, 1, 1, "func(rune) int"},
    {"RuneStart", u8_rune_start, 1, 1, "func(byte) bool"},
    {"Valid", u8_valid, 1, 1, "func([]byte) bool"},
    {"ValidRune", u8_valid_rune, 1, 1, "func(rune) bool"},
    {"ValidString", u8_valid_string, 1, 1, "func(string) bool"},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt utf8_ints[] = {
    {"RuneError", UTF8_ERROR}, {"RuneSelf", 0x80}, {"MaxRune", 0x10FFFF}, {"UTFMax", 4}, {NULL, 0},
};

static void utf8_open(ObjModule *m)
{
    module_add_fns(m, utf8_fns);
    module_add_ints(m, utf8_ints);
}

const ModuleDef csp_module_utf8 = {"unicode/utf8", utf8_open};
