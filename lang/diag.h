/* diag.h — compile-time diagnostics.
 *
 * The lexer, parser and compiler record errors here and keep going, so one
 * run reports several. Each prints as Go's tools do, plus the source line
 * and a caret:
 *
 *   file.csp:3:9: error: undefined: x
 *       y := x + 1
 *            ^
 *
 * The shown line and the message never pass a script's bytes to the
 * terminal as they are: control characters, invalid UTF-8 and bidi
 * overrides print as escapes (\x1b, \u202e), and a long line is cut to
 * about 140 columns around the caret, with "..." marks.
 *
 * After DIAG_MAX_ERRORS the rest are dropped and "too many errors" is
 * printed once. A Diag belongs to one compilation (one thread).
 */
#ifndef CSP_DIAG_H
#define CSP_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define DIAG_MAX_ERRORS 10 /* as Go's compiler: past ten, the rest is noise */

typedef struct Diag {
    const char *file; /* name shown in messages */
    const char *src;  /* the source text (for the line and caret) */
    size_t len;
    int nerrors;
    FILE *out;               /* where messages go: stderr, or a memstream in tests */
    int last_line, last_col; /* the last error's position, to drop repeats */
} Diag;

void diag_init(Diag *d, const char *file, const char *src, size_t len, FILE *out);
void diag_error(Diag *d, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
