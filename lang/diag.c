#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(Diag *d, const char *file, const char *src, size_t len, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->src = src;
    d->len = len;
    d->out = out ? out : stderr;
}

/* ---- showing source text safely ----
 *
 * Whatever a script contains goes to the user's terminal only as
 * printable text: a control byte (an escape sequence such as ESC [2J, a
 * carriage return, a backspace), a C1 control, an invalid UTF-8 byte and
 * the bidirectional overrides that reorder how a line reads all print as
 * escapes (\x1b, \u202e). A tab stays a tab, in the caret's padding too,
 * so the caret keeps its column. Each shown character counts as one
 * column, an escape as its length. */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one. */
static int utf8_len(const unsigned char *p, const unsigned char *e, unsigned *cp)
{
    unsigned c = p[0];
    int n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, *cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, *cp = c & 0x0F, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, *cp = c & 0x07, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (e - p < n)
        return 0;
    for (int i = 1; i < n; i++) {
        unsigned b = p[i];
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
            return 0;
        *cp = (*cp << 6) | (b & 0x3F);
    }
    return n;
}

/* One character of source text at p as shown: writes its text to out
 * (NUL-terminated) and its width in columns to *w; returns how many
 * bytes it took. */
static int show_char(const unsigned char *p, const unsigned char *e, char out[12], int *w)
{
    unsigned cp;
    int n = utf8_len(p, e, &cp);
    if (n == 0) {
        snprintf(out, 12, "\\x%02x", p[0]);
        *w = 4;
        return 1;
    }
    bool control = (cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp <= 0x9F);
    bool bidi = (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    if (control) {
        *w = snprintf(out, 12, "\\x%02x", cp);
    } else if (bidi) {
        *w = snprintf(out, 12, "\\u%04x", cp);
    } else {
        memcpy(out, p, (size_t)n);
        out[n] = 0;
        *w = 1;
    }
    return n;
}

/* The start of the character that ends just before q (q > s). */
static const unsigned char *char_before(const unsigned char *s, const unsigned char *q)
{
    const unsigned char *r = q - 1;
    while (r > s && q - r < 4 && (*r & 0xC0) == 0x80)
        r--;
    unsigned cp;
    if (utf8_len(r, q, &cp) == q - r)
        return r;
    return q - 1; /* not one valid sequence: bytes show one by one */
}

/* Columns of text shown on each side of the caret. Past them the line is
 * cut and "..." marks the cut, so a minified or generated line of a
 * megabyte still gives a few hundred bytes of message. */
#define SHOW_LEFT 70
#define SHOW_RIGHT 70

/* Print the bytes [p, e) escaped; with `pad`, print what lines up under
 * them instead (tabs as tabs, everything else as spaces). */
static void put_text(FILE *out, const unsigned char *p, const unsigned char *e, bool pad)
{
    char s[12];
    int w;
    while (p < e) {
        p += show_char(p, e, s, &w);
        if (!pad)
            fputs(s, out);
        else if (s[0] == '\t')
            fputc('\t', out);
        else
            fprintf(out, "%*s", w, "");
    }
}

/* Print the source line `line` and a caret under column `col` (a byte
 * column), cut around the caret when the line is long. */
static void show_line(Diag *d, int line, int col)
{
    if (!d->src || line < 1)
        return;
    const unsigned char *p = (const unsigned char *)d->src, *end = p + d->len;
    for (int l = 1; l < line && p < end; p++)
        if (*p == '\n')
            l++;
    if (p >= end && line > 1)
        return;
    const unsigned char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e)
        e = end;
    if (e > p && e[-1] == '\r')
        e--; /* a CRLF line's end is not part of what it shows */
    /* the caret's byte, moved back to the start of the character it is in */
    size_t off = col > 1 ? (size_t)(col - 1) : 0;
    const unsigned char *at = off < (size_t)(e - p) ? p + off : e;
    if (at < e && (*at & 0xC0) == 0x80)
        for (const unsigned char *r = at - 1; r >= p && at - r <= 3; r--) {
            unsigned cp;
            if ((*r & 0xC0) != 0x80) {
                if (utf8_len(r, e, &cp) > at - r)
                    at = r;
                break;
            }
        }
    const unsigned char *from = at, *to = at;
    char s[12];
    int w, cols = 0;
    while (from > p) {
        const unsigned char *q = char_before(p, from);
        show_char(q, e, s, &w);
        if (cols + w > SHOW_LEFT)
            break;
        cols += w;
        from = q;
    }
    for (cols = 0; to < e;) {
        int n = show_char(to, e, s, &w);
        if (cols + w > SHOW_RIGHT)
            break;
        cols += w;
        to += n;
    }
    const char *lead = from > p ? "..." : "";
    fprintf(d->out, "    %s", lead);
    put_text(d->out, from, to, false);
    fprintf(d->out, "%s\n    %*s", to < e ? "..." : "", (int)strlen(lead), "");
    put_text(d->out, from, at, true);
    fputs("^\n", d->out);
}

/* Longest message shown, in columns: messages quote names and literals
 * from the source, already shortened where they are made; this bounds
 * whatever slips through. */
#define MSG_MAX 300

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
    char buf[MSG_MAX * 4 + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    const unsigned char *p = (const unsigned char *)buf, *e = p + len;
    char s[12];
    int w, cols = 0;
    fprintf(d->out, "%s:%d:%d: error: ", d->file, line, col);
    while (p < e) {
        int k = show_char(p, e, s, &w);
        if (cols + w > MSG_MAX)
            break;
        cols += w;
        fputs(s, d->out);
        p += k;
    }
    fputs(p < e || (size_t)n > len ? "...\n" : "\n", d->out);
    show_line(d, line, col);
}
