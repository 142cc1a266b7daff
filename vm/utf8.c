/* utf8.c — UTF-8 decoding and encoding, and Unicode's space and printable
 * classes (utf8.h). */
#include "utf8.h"

#include <unictype.h>

int utf8_decode(const char *sp, size_t n, int32_t *r)
{
    const unsigned char *s = (const unsigned char *)sp;
    if (n == 0) {
        *r = UTF8_ERROR;
        return 0;
    }
    unsigned c = s[0];
    if (c < 0x80) {
        *r = (int32_t)c;
        return 1;
    }
    int32_t v;
    if (c < 0xC2 || c > 0xF4)
        goto bad;
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80)
            goto bad;
        *r = (int32_t)(((c & 0x1F) << 6) | (s[1] & 0x3F));
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            goto bad;
        v = (int32_t)(((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu));
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
            goto bad;
        *r = v;
        return 3;
    }
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
        goto bad;
    v = (int32_t)(((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu));
    if (v < 0x10000 || v > 0x10FFFF)
        goto bad;
    *r = v;
    return 4;
bad:
    *r = UTF8_ERROR;
    return 1;
}

bool utf8_valid_rune(int64_t r)
{
    return (r >= 0 && r < 0xD800) || (r > 0xDFFF && r <= 0x10FFFF);
}

int utf8_encode(char *out, int64_t r)
{
    if (!utf8_valid_rune(r))
        r = UTF8_ERROR;
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xC0 | (r >> 6));
        out[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xE0 | (r >> 12));
        out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        out[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (r >> 18));
    out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    out[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

size_t utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
        } else {
            int32_t r;
            i += (size_t)utf8_decode(s + i, n - i, &r);
        }
        count++;
    }
    return count;
}

bool unicode_is_space(int32_t r)
{
    switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return true;
    }
    return r >= 0x2000 && r <= 0x200A;
}

/* Go's unicode.IsPrint is letters, marks, numbers, punctuation, symbols and
 * the ASCII space: their general categories, from libunistring's tables
 * (the unicode module's too, stdlib/unicode.c). */
bool unicode_is_print(int32_t r)
{
    if (r < 0x100) {
        if (r >= 0x20 && r <= 0x7E)
            return true;
        return r >= 0xA1 && r != 0xAD;
    }
    if (r > 0x10FFFF)
        return false;
    return uc_is_general_category((ucs4_t)r, uc_general_category_or(UC_CATEGORY_L, UC_CATEGORY_M)) ||
           uc_is_general_category((ucs4_t)r, uc_general_category_or(UC_CATEGORY_N, UC_CATEGORY_P)) ||
           uc_is_general_category((ucs4_t)r, UC_CATEGORY_S);
}
