/* test_utf8.c — vm/utf8.c: decoding and encoding as Go's unicode/utf8, and
 * the unicode.IsSpace / IsPrint classes. Expected values are Go's (go1.19
 * printed each of them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "vm/utf8.h"

/* Decode the start of s (its full length) and check rune and width. */
static void check_decode(const char *s, size_t n, int32_t want_r, int want_w)
{
    int32_t r = 0;
    assert_int_equal(utf8_decode(s, n, &r), want_w);
    assert_int_equal(r, want_r);
}

/* Test that valid sequences decode to their rune, and that empty input,
 * stray or truncated bytes, surrogates, overlong forms and code points
 * above U+10FFFF decode as U+FFFD, consuming one byte (none if empty). */
static void test_utf8_decode(void **state)
{
    (void)state;
    check_decode("", 0, UTF8_ERROR, 0);
    check_decode("a", 1, 'a', 1);
    check_decode("\xc3\xa9", 2, 0xE9, 2);
    check_decode("\xe6\x97\xa5", 3, 0x65E5, 3);
    check_decode("\xf0\x9f\x98\x80", 4, 0x1F600, 4);
    check_decode("\xff", 1, UTF8_ERROR, 1);
    check_decode("\xc3", 1, UTF8_ERROR, 1);
    check_decode("\xed\xa0\x80", 3, UTF8_ERROR, 1);
    check_decode("\xc0\xaf", 2, UTF8_ERROR, 1);
    check_decode("\xf4\x90\x80\x80", 4, UTF8_ERROR, 1);
    check_decode("\xe6\x97", 2, UTF8_ERROR, 1);
}

/* Test that encoding writes 1 to 4 bytes, and U+FFFD for a negative rune,
 * a surrogate or one above U+10FFFF. */
static void test_utf8_encode(void **state)
{
    (void)state;
    char out[4];
    assert_int_equal(utf8_encode(out, 0x41), 1);
    assert_memory_equal(out, "A", 1);
    assert_int_equal(utf8_encode(out, 0xE9), 2);
    assert_memory_equal(out, "\xc3\xa9", 2);
    assert_int_equal(utf8_encode(out, 0x65E5), 3);
    assert_memory_equal(out, "\xe6\x97\xa5", 3);
    assert_int_equal(utf8_encode(out, 0x1F600), 4);
    assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
    const int64_t invalid[] = {-1, 0xD800, 0x110000};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        assert_false(utf8_valid_rune(invalid[i]));
        assert_int_equal(utf8_encode(out, invalid[i]), 3);
        assert_memory_equal(out, "\xef\xbf\xbd", 3);
    }
}

/* Test that counting counts each invalid byte as one rune. */
static void test_utf8_count(void **state)
{
    (void)state;
    const char *s = "h\xc3\xa9llo\xff\xe6\x97\xa5";
    assert_int_equal(utf8_count(s, strlen(s)), 7);
    assert_int_equal(utf8_count("", 0), 0);
}

/* Test that IsSpace and IsPrint agree with Go on ASCII, Latin-1 and the
 * format characters scripts meet. */
static void test_utf8_unicode_classes(void **state)
{
    (void)state;
    assert_true(unicode_is_space(' '));
    assert_true(unicode_is_space(0x85));
    assert_true(unicode_is_space(0x2009));
    assert_false(unicode_is_space(0x200B));
    assert_false(unicode_is_space('x'));
    assert_true(unicode_is_print('a'));
    assert_true(unicode_is_print(' '));
    assert_false(unicode_is_print(0xA0));
    assert_false(unicode_is_print(0xAD));
    assert_true(unicode_is_print(0x65E5));
    assert_false(unicode_is_print(0x200B));
    assert_false(unicode_is_print(0xFEFF));
    assert_false(unicode_is_print('\n'));
    assert_true(unicode_is_print(0x1F600));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_utf8_encode),
        cmocka_unit_test(test_utf8_count),
        cmocka_unit_test(test_utf8_unicode_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
