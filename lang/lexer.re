/* lexer.re — source bytes to tokens (re2c 3.0).
 *
 * One re2c block per lexing mode, as ninja's lexer does: the main block for
 * tokens, and small blocks for the insides of interpreted strings, rune
 * literals, raw strings and block comments. The input is copied once into a
 * buffer that ends in a NUL sentinel; re2c's `$` rule fires only at the real
 * end (YYLIMIT), so NUL bytes inside the source are ordinary (invalid)
 * characters and can never end the scan early or read past the buffer.
 *
 * The lexer knows nothing of semicolons or braces: it returns LEX_NEWLINE
 * for every newline (and for a block comment that spans lines, which Go
 * treats as a newline), and plain TK_LBRACE / TK_RBRACE. The driver
 * (parse.c) inserts semicolons by Go's rule and decides whether each `{`
 * opens a block or a composite literal.
 *
 * Errors (bad characters, escapes, unterminated literals, overflowing
 * constants) are reported to the Diag in Go's wording and the scan goes on
 * with a best-effort token, so one run reports as much as possible. With a
 * NULL Diag nothing is reported (the REPL's completeness check).
 *
 * This file also carries, in its header block, the parser's internal
 * interface (gen/lexer.h): the Token, the Lexer, the context the grammar's
 * actions share with the driver, and the lemon entry points. It is the one
 * place these are declared; lexer.c, grammar.c and parse.c include it.
 */
#include <gc/gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "lexer.h"

/*!header:re2c:on*/
/* lexer.h — generated from lang/lexer.re: the parser's internal interface.
 * Shared by lexer.c, grammar.c (lemon) and parse.c; not for other modules. */
#ifndef CSP_LEXER_H
#define CSP_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "vm/mem.h"

/* Brackets open at once. Real programs stay far below; scripts that
 * stress the parser (5000 nested parentheses must work) stay below too,
 * and past it the parse stops with "too deeply nested". */
#define PARSE_MAX_NEST 10000
/* The parser's stack, in entries. A bracket level takes up to a dozen (an
 * operand and an operator for each precedence level, the bracket itself),
 * so this lets PARSE_MAX_NEST brackets through while capping unbracketed
 * chains (`!!!!x`, else-if ladders) far beyond what programs write. */
#define PARSE_MAX_STACK (16 * PARSE_MAX_NEST)

/* Codes lex_next returns besides the grammar's TK_* codes (lemon numbers
 * its terminals from 1 and has far fewer than LEX_NEWLINE). */
enum { LEX_EOF = 0, LEX_NEWLINE = 1000 };

/* One token. Also the lemon token type (%token_type), so the grammar's
 * actions see every token's position and value. */
typedef struct Token {
    int code;         /* TK_*, LEX_NEWLINE or LEX_EOF */
    int line, col;    /* 1-based; col in bytes */
    int len;          /* of text */
    const char *text; /* the source text (not NUL-terminated), or a name for
                         tokens the driver makes: "newline", "EOF" */
    const char *str;  /* STRING: decoded bytes (NUL-terminated copy);
                         XTYPE: the normalized type text */
    size_t slen;
    union {
        int64_t ival; /* INT (rune literals too) */
        double fval;  /* FLOAT */
    };
    bool imag;        /* FLOAT: an imaginary literal (`2.5i`); fval is its
                         imaginary part */
    bool big;         /* INT: the literal is past 2^63-1: ival holds its 64 bits */
} Token;

typedef struct Lexer {
    const unsigned char *buf, *cur, *lim, *mar, *tok;
    const unsigned char *line_start; /* first byte of the current line */
    int line;
    Diag *d;           /* NULL: report nothing */
    bool open_comment; /* the input ended inside a block comment */
    bool open_raw;     /* the input ended inside a raw string */
} Lexer;

/* Start scanning src. A leading byte order mark is skipped, and so is a
 * "#!" first line (a script run as a command), keeping line numbers. */
void lex_init(Lexer *lx, const char *src, size_t len, Diag *d);
/* Scan the next token into *t and return its code. After LEX_EOF it keeps
 * returning LEX_EOF. */
int lex_next(Lexer *lx, Token *t);

/* What the grammar's actions share with the driver (lemon's %extra_argument). */
#define PARSE_SNAP 32
typedef struct ParseCtx {
    Diag *d;
    Node *file;    /* the N_FILE, once the parser accepts */
    bool error;    /* a syntax error was seen since the driver last looked */
    bool overflow; /* the parser's stack overflowed: too deeply nested */
    Token cur;     /* the token being fed */
    int closer;    /* the token that would close the innermost open bracket */
    /* The parser's top states just before `cur` was fed: lemon reduces by
     * default before it notices an error, and the tokens it would have
     * accepted are best judged from the state before those reductions. */
    unsigned short snap[PARSE_SNAP];
    int snap_n, snap_top;
} ParseCtx;

/* lemon's entry points (gen/grammar.c), and two helpers of ours there. */
void *CspParseAlloc(void *(*alloc)(size_t));
void CspParse(void *parser, int code, Token tok, ParseCtx *ctx);
void CspParseFree(void *parser, void (*release)(void *));
/* Let the next syntax error be reported at once (lemon otherwise stays quiet
 * until three tokens have been shifted after an error); the driver calls it
 * once it has resynchronized at a statement boundary. */
void CspParseErrorsOn(void *parser);
/* Record the parser's top states in ctx (before each token is fed). */
void CspParseSnapshot(void *parser, ParseCtx *ctx);

#endif
/*!header:re2c:off*/

/*!re2c
    re2c:flags:type-header = "lexer.h";
    re2c:yyfill:enable = 0;
    re2c:eof = 0;
    re2c:define:YYCTYPE = "unsigned char";
    re2c:define:YYCURSOR = "lx->cur";
    re2c:define:YYMARKER = "lx->mar";
    re2c:define:YYLIMIT = "lx->lim";

    hex = [0-9a-fA-F];
    oct = [0-7];
    dec = [0-9];
    letter = [a-zA-Z_];

    // Well-formed UTF-8 sequences beyond ASCII (no overlongs, surrogates or
    // code points past U+10FFFF). Any of them may appear in identifiers.
    u2 = [\xc2-\xdf] [\x80-\xbf];
    u3 = "\xe0" [\xa0-\xbf] [\x80-\xbf]
       | [\xe1-\xec\xee\xef] [\x80-\xbf]{2}
       | "\xed" [\x80-\x9f] [\x80-\xbf];
    u4 = "\xf0" [\x90-\xbf] [\x80-\xbf]{2}
       | [\xf1-\xf3] [\x80-\xbf]{3}
       | "\xf4" [\x80-\x8f] [\x80-\xbf]{2};
    uchar = u2 | u3 | u4;

    decimals = dec ("_"? dec)*;
    exponent = [eE] [+-]? decimals;
    hexdigits = hex ("_"? hex)*;
    hexmant = "_"? hexdigits ("." hexdigits?)? | "_"? "." hexdigits;
*/

/* ---------------------------------------------------------------- helpers */

static void lex_error(Lexer *lx, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The column of `at`, which lies on the current line. */
static int col_of(Lexer *lx, const unsigned char *at) { return (int)(at - lx->line_start) + 1; }

static void lex_error(Lexer *lx, const unsigned char *at, const char *fmt, ...)
{
    if (!lx->d)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(lx->d, lx->line, col_of(lx, at), "%s", msg);
}

static void newline_at(Lexer *lx, const unsigned char *nl)
{
    lx->line++;
    lx->line_start = nl + 1;
}

/* Go rejects NUL bytes and malformed UTF-8 anywhere in the source, also
 * inside literals and comments. Report the first in a literal or comment
 * (one message is enough), at byte `at`; `*seen` keeps it to one. */
static void bad_byte(Lexer *lx, const unsigned char *at, bool *seen)
{
    if (*seen)
        return;
    *seen = true;
    lex_error(lx, at, *at ? "invalid UTF-8 encoding" : "invalid NUL character");
}

/* Check a line comment's text [p, e) for NUL bytes and malformed UTF-8. */
static void check_text(Lexer *lx, const unsigned char *p, const unsigned char *e)
{
    bool seen = false;
    while (p < e && !seen) {
        unsigned c = *p;
        size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (c == 0 || n == 0 || p + n > e) {
            bad_byte(lx, p, &seen);
            break;
        }
        uint32_t r = n == 1 ? c : 0;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                n = 0;
                break;
            }
        }
        if (n > 1) {
            r = (uint32_t)(c & (0x7f >> n)) << 6 * (n - 1);
            for (size_t i = 1; i < n; i++)
                r |= (uint32_t)(p[i] & 0x3f) << 6 * (n - 1 - i);
            static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
            if (r < min[n] || r > 0x10ffff || (r >= 0xd800 && r < 0xe000))
                n = 0;
        }
        if (n == 0) {
            bad_byte(lx, p, &seen);
            break;
        }
        p += n;
    }
}

/* A growable byte buffer for decoded string values. */
typedef struct Bytes {
    char *p;
    size_t n, cap;
} Bytes;

static void put(Bytes *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = mem_alloc_atomic(cap);
        if (b->n)
            memcpy(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void put_byte(Bytes *b, unsigned c)
{
    char ch = (char)c;
    put(b, &ch, 1);
}

static void put_utf8(Bytes *b, uint32_t r)
{
    unsigned char s[4];
    size_t n;
    if (r < 0x80) {
        s[0] = (unsigned char)r;
        n = 1;
    } else if (r < 0x800) {
        s[0] = (unsigned char)(0xc0 | r >> 6);
        s[1] = (unsigned char)(0x80 | (r & 0x3f));
        n = 2;
    } else if (r < 0x10000) {
        s[0] = (unsigned char)(0xe0 | r >> 12);
        s[1] = (unsigned char)(0x80 | (r >> 6 & 0x3f));
        s[2] = (unsigned char)(0x80 | (r & 0x3f));
        n = 3;
    } else {
        s[0] = (unsigned char)(0xf0 | r >> 18);
        s[1] = (unsigned char)(0x80 | (r >> 12 & 0x3f));
        s[2] = (unsigned char)(0x80 | (r >> 6 & 0x3f));
        s[3] = (unsigned char)(0x80 | (r & 0x3f));
        n = 4;
    }
    put(b, s, n);
}

/* Decode one well-formed UTF-8 sequence of n bytes (the lexer has checked it). */
static uint32_t utf8_decode(const unsigned char *s, size_t n)
{
    switch (n) {
    case 2:
        return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
    case 3:
        return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
    case 4:
        return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
               (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
    default:
        return s[0];
    }
}

static uint32_t hexval(const unsigned char *s, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        unsigned c = s[i];
        v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static uint32_t simple_escape(unsigned c)
{
    switch (c) {
    case 'a': return 7;
    case 'b': return 8;
    case 'f': return 12;
    case 'n': return 10;
    case 'r': return 13;
    case 't': return 9;
    case 'v': return 11;
    default: return c; /* \\ \' \" */
    }
}

/* ---------------------------------------------------------------- numbers */

/* The value of a well-formed integer literal (the regexes checked the
 * digits and separators). A literal past int64 is a valid untyped
 * constant (`1<<64 - 1` may be written 18446744073709551615): its value
 * is read exactly from its text where it is used (compile_exact.c), which
 * reports one that does not fit there; ival is then meaningless (2^63's
 * is INT64_MIN, what the literal is once negated). One past 2^63-1 that
 * fits 64 bits is flagged `big`, with its 64 bits in ival. */
static void int_value(Lexer *lx, Token *t)
{
    const unsigned char *s = lx->tok, *e = lx->cur;
    unsigned base = 10;
    if (e - s >= 2 && s[0] == '0') {
        switch (s[1] | 0x20) {
        case 'x': base = 16, s += 2; break;
        case 'b': base = 2, s += 2; break;
        case 'o': base = 8, s += 2; break;
        default: base = 8, s += 1; break; /* 0644 */
        }
    }
    uint64_t v = 0;
    bool over = false;
    for (; s < e; s++) {
        unsigned c = *s, d;
        if (c == '_')
            continue;
        d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        if (v > (UINT64_MAX - d) / base)
            over = true;
        v = v * base + d;
    }
    if (over)
        v = 0;
    t->big = !over && v > (uint64_t)INT64_MAX;
    t->ival = (int64_t)v; /* the 64 bits; 2^63 is INT64_MIN, the value once negated */
}

static void float_value(Lexer *lx, Token *t)
{
    size_t n = (size_t)(lx->cur - lx->tok);
    char *s = mem_alloc_atomic(n + 1), *q = s;
    for (size_t i = 0; i < n; i++)
        if (lx->tok[i] != '_')
            *q++ = (char)lx->tok[i];
    *q = 0;
    /* Past float64 (1e400) it is an infinity here, and a valid untyped
     * constant whose exact value is read from its text where it is used
     * (compile_exact.c), as for an integer past int64. */
    t->fval = strtod(s, NULL);
}

/* An imaginary literal (`1i`, `2.5i`, `0x1p-2i`, `0b101i`): its
 * imaginary part, the literal without its `i`. Go reads a decimal
 * integer part with a leading 0 (`0123i`) as decimal, not octal. */
static void imag_value(Lexer *lx, Token *t)
{
    const unsigned char *s = lx->tok;
    size_t n = (size_t)(lx->cur - lx->tok) - 1;
    t->imag = true;
    if (n >= 2 && s[0] == '0' && ((s[1] | 0x20) == 'b' || (s[1] | 0x20) == 'o')) {
        unsigned base = (s[1] | 0x20) == 'b' ? 2 : 8;
        double v = 0;
        for (size_t i = 2; i < n; i++)
            if (s[i] != '_')
                v = v * base + (s[i] - '0');
        t->fval = v;
        return;
    }
    lx->cur--; /* float_value reads tok..cur: leave the `i` out */
    float_value(lx, t);
    lx->cur++;
}

/* A number-like run the regexes did not accept as a whole: say why, in
 * Go's words where it has them. */
static void bad_number(Lexer *lx)
{
    const unsigned char *s = lx->tok, *e = lx->cur, *p = s;
    unsigned base = 10;
    const char *name = "decimal";
    if (e - s >= 2 && s[0] == '0' && strchr("xXbBoO", s[1])) {
        switch (s[1] | 0x20) {
        case 'x': base = 16, name = "hexadecimal"; break;
        case 'b': base = 2, name = "binary"; break;
        default: base = 8, name = "octal"; break;
        }
        p += 2;
    } else if (s[0] == '0') {
        base = 8, name = "octal";
    }
    bool digits = false;
    for (const unsigned char *q = p; q < e; q++) {
        unsigned c = *q, d;
        if (c == '_')
            continue;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f' && base == 16)
            d = (c | 0x20) - 'a' + 10;
        else if (base == 10 && (c | 0x20) == 'e') {
            lex_error(lx, s, "exponent has no digits");
            return;
        } else {
            lex_error(lx, q, "invalid character %c in %s literal", c, name);
            return;
        }
        if (d >= base) {
            lex_error(lx, q, "invalid digit '%c' in %s literal", c, name);
            return;
        }
        digits = true;
    }
    if (!digits)
        lex_error(lx, s, "%s literal has no digits", name);
    else
        lex_error(lx, s, "'_' must separate successive digits");
}

/* --------------------------------------------------------- quoted literals */

/* The body of an interpreted string; the opening quote is consumed. */
static void scan_string(Lexer *lx, Token *t)
{
    const unsigned char *start = lx->tok;
    int start_line = lx->line;
    bool bad = false;
    Bytes b = {0};
    put(&b, "", 0);
    for (;;) {
        const unsigned char *s = lx->cur;
        /*!re2c
            "\""                  { break; }
            "\\" [abfnrtv\\'"]    { put_byte(&b, simple_escape(s[1])); continue; }
            "\\x" hex{2}          { put_byte(&b, hexval(s + 2, 2)); continue; }
            "\\" oct{3}           {
                unsigned v = (unsigned)(s[1] - '0') * 64 + (unsigned)(s[2] - '0') * 8 + (unsigned)(s[3] - '0');
                if (v > 255)
                    lex_error(lx, s, "octal escape value %u > 255", v);
                put_byte(&b, v & 0xff);
                continue;
            }
            "\\u" hex{4} | "\\U" hex{8} {
                uint32_t r = hexval(s + 2, s[1] == 'u' ? 4 : 8);
                if (r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) {
                    lex_error(lx, s, "escape is invalid Unicode code point U+%04X", r);
                    r = 0xfffd;
                }
                put_utf8(&b, r);
                continue;
            }
            "\\"                  { lex_error(lx, s, "invalid escape sequence"); continue; }
            "\n"                  {
                /* Leave the newline to end the statement, as Go does. */
                lx->cur--;
                lex_error(lx, lx->cur, "newline in string");
                break;
            }
            $                     {
                if (lx->d)
                    diag_error(lx->d, start_line, (int)(start - lx->line_start) + 1,
                               "string literal not terminated");
                break;
            }
            uchar                 { put(&b, s, (size_t)(lx->cur - s)); continue; }
            [\x00\x80-\xff]       { bad_byte(lx, s, &bad); put_byte(&b, s[0]); continue; }
            *                     { put_byte(&b, s[0]); continue; }
        */
    }
    t->str = b.p;
    t->slen = b.n;
}

/* The body of a raw string; the opening backquote is consumed. Carriage
 * returns are dropped from the value, as Go does. */
static void scan_raw(Lexer *lx, Token *t)
{
    int start_line = lx->line, start_col = col_of(lx, lx->tok);
    bool bad = false;
    Bytes b = {0};
    put(&b, "", 0);
    for (;;) {
        const unsigned char *s = lx->cur;
        /*!re2c
            "`"     { break; }
            "\r"    { continue; }
            "\n"    { put_byte(&b, '\n'); newline_at(lx, s); continue; }
            $       {
                lx->open_raw = true;
                if (lx->d)
                    diag_error(lx->d, start_line, start_col, "string literal not terminated");
                break;
            }
            uchar   { put(&b, s, (size_t)(lx->cur - s)); continue; }
            [\x00\x80-\xff] { bad_byte(lx, s, &bad); put_byte(&b, s[0]); continue; }
            *       { put_byte(&b, s[0]); continue; }
        */
    }
    t->str = b.p;
    t->slen = b.n;
}

/* The body of a rune literal, to an INT; the opening quote is consumed. */
static void scan_rune(Lexer *lx, Token *t)
{
    const unsigned char *start = lx->tok;
    int n = 0;
    uint32_t r = 0;
    bool bad = false;
    for (;;) {
        const unsigned char *s = lx->cur;
        /*!re2c
            "'"                   { break; }
            "\\" [abfnrtv\\'"]    { r = simple_escape(s[1]); n++; continue; }
            "\\x" hex{2}          { r = hexval(s + 2, 2); n++; continue; }
            "\\" oct{3}           {
                r = (uint32_t)(s[1] - '0') * 64 + (uint32_t)(s[2] - '0') * 8 + (uint32_t)(s[3] - '0');
                if (r > 255) {
                    lex_error(lx, s, "octal escape value %u > 255", r);
                    bad = true;
                }
                n++;
                continue;
            }
            "\\u" hex{4} | "\\U" hex{8} {
                r = hexval(s + 2, s[1] == 'u' ? 4 : 8);
                if (r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) {
                    lex_error(lx, s, "escape is invalid Unicode code point U+%04X", r);
                    bad = true;
                }
                n++;
                continue;
            }
            "\\"                  { lex_error(lx, s, "invalid escape sequence"); bad = true; continue; }
            "\n"                  {
                lx->cur--;
                lex_error(lx, lx->cur, "newline in rune literal");
                bad = true;
                break;
            }
            $                     {
                lex_error(lx, start, "rune literal not terminated");
                bad = true;
                break;
            }
            uchar                 { r = utf8_decode(s, (size_t)(lx->cur - s)); n++; continue; }
            [\x00\x80-\xff]       { lex_error(lx, s, *s ? "invalid UTF-8 encoding" : "invalid NUL character");
                                    bad = true; r = s[0]; n++; continue; }
            *                     { r = s[0]; n++; continue; }
        */
    }
    if (!bad && n == 0)
        lex_error(lx, start, "empty rune literal or unescaped ' in rune literal");
    else if (!bad && n > 1)
        lex_error(lx, start, "more than one character in rune literal");
    t->ival = r;
}

/* Skip a block comment; the opening is consumed. True if it spans lines. */
static bool skip_comment(Lexer *lx)
{
    int start_line = lx->line, start_col = col_of(lx, lx->tok);
    bool nl = false, bad = false;
    for (;;) {
        const unsigned char *s = lx->cur;
        /*!re2c
            "*" "/" { return nl; }
            "\n"    { newline_at(lx, s); nl = true; continue; }
            $       {
                lx->open_comment = true;
                if (lx->d)
                    diag_error(lx->d, start_line, start_col, "comment not terminated");
                return nl;
            }
            uchar   { continue; }
            [\x00\x80-\xff] { bad_byte(lx, s, &bad); continue; }
            *       { continue; }
        */
    }
}

/* --------------------------------------------------------------- tokens */

void lex_init(Lexer *lx, const char *src, size_t len, Diag *d)
{
    memset(lx, 0, sizeof *lx);
    unsigned char *buf = mem_alloc_atomic(len + 1);
    if (len)
        memcpy(buf, src, len);
    buf[len] = 0; /* the sentinel re2c's `$` rule relies on */
    lx->buf = lx->cur = lx->line_start = buf;
    lx->lim = buf + len;
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        lx->cur = lx->line_start = buf + 3; /* a leading byte order mark is not text */
    else if (len >= 2 && buf[0] == '#' && buf[1] == '!') {
        /* A "#!" first line names the interpreter for a script run as a
         * command (`./s.csp`); it is not source. Only at byte 0, where the
         * kernel looks. The scan resumes at its newline, which is counted
         * as usual, so later lines keep their numbers. */
        const unsigned char *nl = memchr(buf, '\n', len);
        lx->cur = nl ? nl : lx->lim;
    }
    lx->line = 1;
    lx->d = d;
}

/* Report an invalid character at lx->tok as Go does (%#U). */
static void bad_char(Lexer *lx)
{
    unsigned c = lx->tok[0];
    if (c == 0)
        lex_error(lx, lx->tok, "invalid NUL character");
    else if (c >= 0x80)
        lex_error(lx, lx->tok, "invalid UTF-8 encoding");
    else if (c < 0x20 || c == 0x7f)
        lex_error(lx, lx->tok, "invalid character U+%04X", c);
    else
        lex_error(lx, lx->tok, "invalid character U+%04X '%c'", c, c);
}

int lex_next(Lexer *lx, Token *t)
{
    memset(t, 0, sizeof *t);
    int code;
    for (;;) {
        lx->tok = lx->cur;
        t->line = lx->line;
        t->col = col_of(lx, lx->tok);
        /*!re2c
            [ \t\r]+                { continue; }
            "\n"                    { newline_at(lx, lx->tok); code = LEX_NEWLINE; goto done; }
            "//" [^\n]*             { check_text(lx, lx->tok + 2, lx->cur); continue; }
            "/" "*"                 {
                if (skip_comment(lx)) {
                    code = LEX_NEWLINE;
                    goto done;
                }
                continue;
            }
            $                       { code = LEX_EOF; goto done; }

            "break"       { code = TK_BREAK; goto done; }
            "case"        { code = TK_CASE; goto done; }
            "chan"        { code = TK_CHAN; goto done; }
            "const"       { code = TK_CONST; goto done; }
            "continue"    { code = TK_CONTINUE; goto done; }
            "default"     { code = TK_DEFAULT; goto done; }
            "defer"       { code = TK_DEFER; goto done; }
            "else"        { code = TK_ELSE; goto done; }
            "fallthrough" { code = TK_FALLTHROUGH; goto done; }
            "for"         { code = TK_FOR; goto done; }
            "func"        { code = TK_FUNC; goto done; }
            "go"          { code = TK_GO; goto done; }
            "goto"        { code = TK_GOTO; goto done; }
            "if"          { code = TK_IF; goto done; }
            "import"      { code = TK_IMPORT; goto done; }
            "interface"   { code = TK_INTERFACE; goto done; }
            "map"         { code = TK_MAP; goto done; }
            "package"     { code = TK_PACKAGE; goto done; }
            "range"       { code = TK_RANGE; goto done; }
            "return"      { code = TK_RETURN; goto done; }
            "select"      { code = TK_SELECT; goto done; }
            "struct"      { code = TK_STRUCT; goto done; }
            "switch"      { code = TK_SWITCH; goto done; }
            "var"         { code = TK_VAR; goto done; }
            (letter | uchar) (letter | dec | uchar)* { code = TK_IDENT; goto done; }

            "0" [xX] "_"? hexdigits
          | "0" [bB] "_"? [01] ("_"? [01])*
          | "0" [oO] "_"? oct ("_"? oct)*
          | "0" ("_"? oct)*
          | [1-9] ("_"? dec)*       { code = TK_INT; int_value(lx, t); goto done; }
            decimals "." decimals? exponent?
          | decimals exponent
          | "." decimals exponent?
          | "0" [xX] hexmant [pP] [+-]? decimals { code = TK_FLOAT; float_value(lx, t); goto done; }
            ( "0" [xX] "_"? hexdigits
            | "0" [bB] "_"? [01] ("_"? [01])*
            | "0" [oO] "_"? oct ("_"? oct)*
            | decimals
            | decimals "." decimals? exponent?
            | decimals exponent
            | "." decimals exponent?
            | "0" [xX] hexmant [pP] [+-]? decimals ) "i" { code = TK_FLOAT; imag_value(lx, t); goto done; }
            dec [0-9a-zA-Z_]*       { bad_number(lx); code = TK_INT; goto done; }

            "\""    { scan_string(lx, t); code = TK_STRING; goto done; }
            "`"     { scan_raw(lx, t); code = TK_STRING; goto done; }
            "'"     { scan_rune(lx, t); code = TK_INT; goto done; }

            "+"     { code = TK_PLUS; goto done; }
            "-"     { code = TK_MINUS; goto done; }
            "*"     { code = TK_STAR; goto done; }
            "/"     { code = TK_SLASH; goto done; }
            "%"     { code = TK_PERCENT; goto done; }
            "&"     { code = TK_AMP; goto done; }
            "|"     { code = TK_PIPE; goto done; }
            "~"     { code = TK_TILDE; goto done; }
            "^"     { code = TK_CARET; goto done; }
            "<<"    { code = TK_SHL; goto done; }
            ">>"    { code = TK_SHR; goto done; }
            "&^"    { code = TK_ANDNOT; goto done; }
            "+="    { code = TK_PLUSEQ; goto done; }
            "-="    { code = TK_MINUSEQ; goto done; }
            "*="    { code = TK_STAREQ; goto done; }
            "/="    { code = TK_SLASHEQ; goto done; }
            "%="    { code = TK_PERCENTEQ; goto done; }
            "&="    { code = TK_AMPEQ; goto done; }
            "|="    { code = TK_PIPEEQ; goto done; }
            "^="    { code = TK_CARETEQ; goto done; }
            "<<="   { code = TK_SHLEQ; goto done; }
            ">>="   { code = TK_SHREQ; goto done; }
            "&^="   { code = TK_ANDNOTEQ; goto done; }
            "&&"    { code = TK_ANDAND; goto done; }
            "||"    { code = TK_OROR; goto done; }
            "<-"    { code = TK_ARROW; goto done; }
            "++"    { code = TK_INC; goto done; }
            "--"    { code = TK_DEC; goto done; }
            "=="    { code = TK_EQ; goto done; }
            "<"     { code = TK_LT; goto done; }
            ">"     { code = TK_GT; goto done; }
            "="     { code = TK_ASSIGN; goto done; }
            "!"     { code = TK_NOT; goto done; }
            "!="    { code = TK_NE; goto done; }
            "<="    { code = TK_LE; goto done; }
            ">="    { code = TK_GE; goto done; }
            ":="    { code = TK_DEFINE; goto done; }
            "..."   { code = TK_ELLIPSIS; goto done; }
            "("     { code = TK_LPAREN; goto done; }
            ")"     { code = TK_RPAREN; goto done; }
            "["     { code = TK_LBRACK; goto done; }
            "]"     { code = TK_RBRACK; goto done; }
            "{"     { code = TK_LBRACE; goto done; }
            "}"     { code = TK_RBRACE; goto done; }
            ","     { code = TK_COMMA; goto done; }
            ";"     { code = TK_SEMI; goto done; }
            ":"     { code = TK_COLON; goto done; }
            "."     { code = TK_DOT; goto done; }

            *       { bad_char(lx); continue; }
        */
    }
done:
    t->code = code;
    t->text = (const char *)lx->tok;
    t->len = (int)(lx->cur - lx->tok);
    if (code == LEX_EOF) {
        lx->cur = lx->lim; /* stay at the end */
        t->text = "EOF";
        t->len = 3;
    }
    if (code == LEX_NEWLINE && t->len > 1)
        t->len = 1; /* a multi-line comment stands for one newline */
    return code;
}
