#include "diag.h"

#include <stdarg.h>
#include <string.h>

void diag_init(Diag *d, const char *file, const char *src, size_t len, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->src = src;
    d->len = len;
    d->out = out ? out : stderr;
}

/* Print the source line `line` and a caret under column `col`. Tabs in the
 * line are kept in the caret's padding so the caret lines up. */
static void show_line(Diag *d, int line, int col)
{
    if (!d->src || line < 1)
        return;
    const char *p = d->src, *end = d->src + d->len;
    for (int l = 1; l < line && p < end; p++)
        if (*p == '\n')
            l++;
    if (p >= end && line > 1)
        return;
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e)
        e = end;
    fprintf(d->out, "    %.*s\n    ", (int)(e - p), p);
    for (int i = 1; i < col && p + i - 1 < e; i++)
        fputc(p[i - 1] == '\t' ? '\t' : ' ', d->out);
    fputs("^\n", d->out);
}

void diag_error(Diag *d, int line, int col, const char *fmt, ...)
{
    if (d->nerrors > 0 && line == d->last_line && col == d->last_col)
        return; /* one error per position: recovery often re-reports it */
    d->nerrors++;
    d->last_line = line;
    d->last_col = col;
    if (d->nerrors > DIAG_MAX_ERRORS) {
        if (d->nerrors == DIAG_MAX_ERRORS + 1)
            fprintf(d->out, "%s: too many errors\n", d->file);
        return;
    }
    fprintf(d->out, "%s:%d:%d: error: ", d->file, line, col);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fputc('\n', d->out);
    show_line(d, line, col);
}
