/* debug.c — parsing CSPDEBUG (debug.h). */
#include "debug.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

DebugSettings debug_settings;

/* The settings this build knows: a name and the field it sets. */
static const struct {
    const char *name;
    int *value;
} settings[] = {
    {"gctrace", &debug_settings.gctrace},
};

/* The whole number in s[0..n), into *out; false when it is not one (empty,
 * a sign alone, another character, or out of int's range). */
static bool parse_int(const char *s, size_t n, int *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    long long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
        if (v > (long long)INT_MAX + 1)
            return false;
    }
    v = neg ? -v : v;
    if (v < INT_MIN || v > INT_MAX)
        return false;
    *out = (int)v;
    return true;
}

void debug_parse(const char *s)
{
    while (s && *s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        if (eq) {
            size_t nlen = (size_t)(eq - s);
            for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
                if (strlen(settings[i].name) == nlen && !memcmp(settings[i].name, s, nlen))
                    parse_int(eq + 1, len - nlen - 1, settings[i].value);
        }
        s = end ? end + 1 : NULL;
    }
}

void debug_init(void)
{
    debug_parse(getenv("CSPDEBUG"));
}
