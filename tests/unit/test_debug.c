/* test_debug.c — vm/debug.h: parsing CSPDEBUG's name=value list, and
 * ignoring whatever it does not know, as Go's GODEBUG does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vm/debug.h"

static int reset(void **state)
{
    (void)state;
    debug_settings = (DebugSettings){0};
    return 0;
}

/* Test that a known setting is read, alone or among others. */
static void test_debug_known_setting(void **state)
{
    (void)state;
    debug_parse("gctrace=1");
    assert_int_equal(debug_settings.gctrace, 1);
    debug_parse("gctrace=0");
    assert_int_equal(debug_settings.gctrace, 0);
    debug_parse("a=1,gctrace=2,b=3");
    assert_int_equal(debug_settings.gctrace, 2);
}

/* Test that unknown names, entries without '=', empty entries and values
 * that are not whole numbers change nothing and stop nothing. */
static void test_debug_unknown_ignored(void **state)
{
    (void)state;
    debug_parse("nosuchsetting=1");
    debug_parse("gctrace");
    debug_parse(",,");
    debug_parse("=1");
    debug_parse("gctrace=");
    debug_parse("gctrace=x");
    debug_parse("gctrace=1x");
    debug_parse("gctrace=-");
    debug_parse("gctrace=99999999999999999999");
    debug_parse("gctracex=1,xgctrace=1,GCTRACE=1");
    debug_parse(NULL);
    debug_parse("");
    assert_int_equal(debug_settings.gctrace, 0);
    debug_parse("nosuch=1,,gctrace,gctrace=1,=,also=x");
    assert_int_equal(debug_settings.gctrace, 1);
}

/* Test that a name given twice takes its last value. */
static void test_debug_last_wins(void **state)
{
    (void)state;
    debug_parse("gctrace=1,gctrace=0");
    assert_int_equal(debug_settings.gctrace, 0);
    debug_parse("gctrace=0,gctrace=-3");
    assert_int_equal(debug_settings.gctrace, -3);
}

/* Test that debug_init reads the environment. */
static void test_debug_init_reads_environment(void **state)
{
    (void)state;
    setenv("CSPDEBUG", "other=5,gctrace=1", 1);
    debug_init();
    assert_int_equal(debug_settings.gctrace, 1);
    unsetenv("CSPDEBUG");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_debug_known_setting, reset),
        cmocka_unit_test_setup(test_debug_unknown_ignored, reset),
        cmocka_unit_test_setup(test_debug_last_wins, reset),
        cmocka_unit_test_setup(test_debug_init_reads_environment, reset),
    };
    return cmocka_run_group_tests_name("debug", tests, NULL, NULL);
}
