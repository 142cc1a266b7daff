/* utf8.h — UTF-8 and the few Unicode classes the runtime needs.
 *
 * As Go's unicode/utf8: an invalid or truncated sequence decodes as U+FFFD
 * and consumes one byte, so a scan over any bytes always advances; encoding
 * an invalid code point (negative, a surrogate, above U+10FFFF) writes
 * U+FFFD. unicode_is_space is exact; unicode_is_print asks libunistring's
 * Unicode tables above Latin-1. Pure functions: safe on any thread.
 */
#ifndef CSP_UTF8_H
#define CSP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_ERROR 0xFFFD

int utf8_decode(const char *s, size_t n, int32_t *r); /* bytes used; 0 iff n == 0 */
int utf8_encode(char *out, int64_t r);                /* 1..4 bytes; invalid -> U+FFFD */
bool utf8_valid_rune(int64_t r);
size_t utf8_count(const char *s, size_t n); /* runes in s[0..n) */
bool unicode_is_space(int32_t r);           /* unicode.IsSpace */
bool unicode_is_print(int32_t r);           /* unicode.IsPrint */

#endif
