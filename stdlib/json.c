/* json.c — the encoding/json module: Marshal, MarshalIndent, Unmarshal,
 * Valid, Compact, Indent, Encoder and Decoder.
 *
 * Parsing goes through libjansson (json_loadb): it reads the JSON text into
 * a tree of json_t nodes, which this file then stores into the script's
 * values as the target's Go type says (a struct's fields by their tags, a
 * map[string]int, an any as map[string]any, []any, float64, string, bool
 * or nil). jansson decodes one value from the front of a buffer and says
 * how many bytes it took (JSON_DISABLE_EOF_CHECK), which is what a Decoder
 * reading value after value from a stream needs. Where jansson and Go
 * disagree, Go wins:
 *   - Go's error texts ("invalid character 'x' looking for beginning of
 *     value") come from go_check below, a byte-by-byte walk of the input
 *     that only runs after jansson has rejected it, to name the first bad
 *     byte and what Go's scanner expected there. It builds no values.
 *   - Go accepts invalid UTF-8 inside strings (each bad byte becomes
 *     U+FFFD); jansson rejects it, so such input is cleaned and parsed
 *     again. An integer past int64 makes jansson fail; it is parsed again
 *     with every number as a float64, as Go's any gets it.
 *
 * Encoding writes the text directly rather than building a jansson tree
 * and dumping it: jansson's dump cannot give Go's float text (1e+21,
 * 1e-7, 0.000001), Go's HTML-safe escapes (\u003c \u003e \u0026) and
 * U+2028/2029 escapes, U+FFFD for invalid UTF-8, an arbitrary indent
 * prefix, or a MarshalJSON method's output embedded as it is.
 *
 * A struct's fields are found as Go's encoding/json finds them: exported
 * fields, named by their `json:"name"` tag or their own name, with
 * omitempty and string options; fields of embedded structs promoted, the
 * shallowest (or the tagged one) winning a name, two at one depth hiding
 * each other.
 *
 * The type a value is decoded into comes from the pointer Unmarshal gets:
 * the compiler passes its static type (NATIVE_ARG_TYPES, as errors.As
 * gets it); without it (Decoder.Decode, a method) the value the pointer
 * points to tells: a struct, a typed map or slice, a number, a string, or
 * nil for any.
 */
#include "stream.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/mem.h"
#include "../vm/sched.h"
#include "../vm/utf8.h"

/* ====================================================================== */
/* Error types                                                             */
/* ====================================================================== */

/* Go's error types are pointers to structs whose Error() gives the text.
 * Each of ours keeps its text in its first field, msg (unexported, as
 * Go's SyntaxError.msg), so one Error method serves them all. */
enum {
    JE_SYNTAX,
    JE_UNMARSHAL_TYPE,
    JE_INVALID_UNMARSHAL,
    JE_UNSUPPORTED_TYPE,
    JE_UNSUPPORTED_VALUE,
    JE_MARSHALER,
    JE__COUNT
};
static const char *const je_names[JE__COUNT] = {
    "json.SyntaxError",          "json.UnmarshalTypeError",    "json.InvalidUnmarshalError",
    "json.UnsupportedTypeError", "json.UnsupportedValueError", "json.MarshalerError",
};
static const char *const je_fields[JE__COUNT] = {
    "struct { msg string; Offset int64 }",
    "struct { msg string; Value string; Offset int64; Struct string; Field string }",
    "struct { msg string }",
    "struct { msg string }",
    "struct { msg string; Str string }",
    "struct { msg string; Err error }",
};
/* Written once by json_open (under the module-opening lock), then only
 * read. */
static ObjType *je_types[JE__COUNT];

static int json_error_method(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value p = iface_unbox(args[0]);
    ObjStruct *s = v_is_ref(p) ? v_ref_target(p) : NULL;
    if (!s || s->h.kind != OBJ_STRUCT)
        return vm_panicf(t, E_NIL_DEREF);
    rets[0] = s->f[0];
    return 1;
}

static void json_declare_errors(void)
{
    for (int k = 0; k < JE__COUNT; k++) {
        ObjType *ty = types_new_named(je_names[k]);
        types_define(ty, types_parse(je_fields[k], strlen(je_fields[k])));
        ObjNative *e = native_new("json.Error", json_error_method, 1, 1);
        e->h.flags = NATIVE_METHOD;
        types_add_method(ty, str_cstr("Error"), v_from_ptr(e), true, "() string");
        types_register_type(ty);
        je_types[k] = ty;
    }
}

/* A new *json.<kind> whose msg is msg; its other fields zero, set by the
 * caller through the returned struct. */
static ObjStruct *je_new(int kind, ObjString *msg)
{
    ObjType *ty = je_types[kind];
    ObjStruct *s = mem_alloc(sizeof *s + sizeof(Value) * (size_t)ty->nfields);
    s->h.kind = OBJ_STRUCT;
    s->type = ty;
    for (int i = 0; i < ty->nfields; i++)
        s->f[i] = ty->fields[i].type->kind == TYPE_STRING ? v_cstr("")
                  : ty->fields[i].type->kind == TYPE_INT  ? v_int_small(0)
                                                          : V_NIL;
    s->f[0] = v_from_ptr(msg);
    return s;
}

/* A new []byte of s[0..n), filled in place (bytes_new appends one by
 * one, growing as it goes). */
static Value json_bytes(const char *s, size_t n)
{
    ObjList *l = list_new(n, n);
    for (size_t i = 0; i < n; i++)
        l->store->items[i] = v_int_small((unsigned char)s[i]);
    list_set_type(l, bytes_type());
    return v_from_ptr(l);
}

static ObjString *err_text(ErrCode code, ...)
{
    Buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, code);
    buf_vprintf(&b, err_formats[code], ap);
    va_end(ap);
    return buf_to_str(&b);
}

static Value syntax_error(ObjString *msg, int64_t offset)
{
    ObjStruct *s = je_new(JE_SYNTAX, msg);
    s->f[1] = v_make_int(offset);
    return v_ref(s);
}

/* Go's name of a type, for messages. */
static const char *type_text(const ObjType *ty)
{
    if (!ty)
        return "interface {}";
    Buf b;
    buf_init(&b);
    format_type(&b, ty);
    return b.data;
}

/* ====================================================================== */
/* Go's syntax errors                                                      */
/* ====================================================================== */

/* Go's quoteChar: a byte as it names it in "invalid character 'x' ...". */
static const char *quote_char(unsigned char c)
{
    if (c == '\'')
        return "'\\''";
    if (c == '"')
        return "'\"'";
    char u[4];
    int n = utf8_encode(u, c); /* Go's string(rune(c)) */
    Buf q, b;
    buf_init(&q);
    format_quote(&q, u, (size_t)n, false);
    buf_init(&b);
    buf_addc(&b, '\'');
    buf_add(&b, q.data + 1, q.len - 2);
    buf_addc(&b, '\'');
    return b.data;
}

typedef enum { CHK_OK, CHK_ERR, CHK_EOF } ChkStatus;

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Go's limit on nesting (its scanner's maxNestingDepth). */
#define JSON_MAX_NESTING 10000

/* Where go_check stands between tokens: what may come next. */
enum { W_VALUE, W_KEY_OR_END, W_KEY, W_COLON, W_OBJ_NEXT, W_ARR_FIRST, W_ARR_NEXT, W_END };

/* Walk s[0..n) as Go's scanner does and say whether it holds one valid
 * JSON value (with only spaces after it unless one: then the walk stops
 * after the value, *off its end). On CHK_ERR, *msg is Go's text and *off
 * Go's SyntaxError.Offset; CHK_EOF: the input ends inside the value (with
 * more, a number at the very end counts as unfinished too, as more digits
 * may follow; without, Go's end-of-input rules apply: an unfinished
 * number or literal is "invalid character ' '"). Iterative, so deep
 * nesting costs no C stack. Go accepts any bytes >= 0x80 in strings. */
static ChkStatus go_check(const char *s, size_t n, bool one, bool more, size_t *off, ObjString **msg)
{
    char small[64];
    char *stack = small;
    size_t depth = 0, cap = sizeof small;
    size_t i = 0;
    int want = W_VALUE;
    const char *ctx = NULL; /* the error's context, with i at the bad byte */
#define BAD(text)                                                                                            \
    do {                                                                                                     \
        ctx = text;                                                                                          \
        goto bad;                                                                                            \
    } while (0)
/* at the end of the input inside a number or literal */
#define END_IN(text)                                                                                         \
    do {                                                                                                     \
        if (more || one)                                                                                     \
            return CHK_EOF;                                                                                  \
        ctx = text;                                                                                          \
        goto bad_space;                                                                                      \
    } while (0)
    for (;;) {
        while (i < n && is_ws(s[i]))
            i++;
        if (i == n) {
            if (want == W_END) {
                *off = i;
                return CHK_OK;
            }
            return CHK_EOF;
        }
        char c = s[i];
        switch (want) {
        case W_END:
            BAD("after top-level value");
        case W_KEY_OR_END:
            if (c == '}') {
                i++;
                depth--;
                goto value_done;
            }
            /* fall through */
        case W_KEY:
            if (c != '"')
                BAD("looking for beginning of object key string");
            break; /* the key is a string value */
        case W_COLON:
            if (c != ':')
                BAD("after object key");
            i++;
            want = W_VALUE;
            continue;
        case W_OBJ_NEXT:
            if (c == ',') {
                i++;
                want = W_KEY;
                continue;
            }
            if (c == '}') {
                i++;
                depth--;
                goto value_done;
            }
            BAD("after object key:value pair");
        case W_ARR_FIRST:
            if (c == ']') {
                i++;
                depth--;
                goto value_done;
            }
            break;
        case W_ARR_NEXT:
            if (c == ',') {
                i++;
                want = W_VALUE;
                continue;
            }
            if (c == ']') {
                i++;
                depth--;
                goto value_done;
            }
            BAD("after array element");
        default:
            break;
        }
        /* the beginning of a value (or of a key, a string) */
        if (c == '{' || c == '[') {
            if (depth >= JSON_MAX_NESTING) {
                *msg = err_text(E_JSON_INVALID_CHAR, quote_char((unsigned char)c), "exceeded max depth");
                *off = i + 1;
                return CHK_ERR;
            }
            if (depth == cap) {
                char *bigger = mem_alloc_atomic(cap * 2);
                memcpy(bigger, stack, cap);
                stack = bigger;
                cap *= 2;
            }
            stack[depth++] = c;
            i++;
            want = c == '{' ? W_KEY_OR_END : W_ARR_FIRST;
            continue;
        }
        if (c == '"') {
            for (i++;; i++) {
                if (i >= n)
                    return CHK_EOF;
                unsigned char d = (unsigned char)s[i];
                if (d == '"')
                    break;
                if (d < 0x20)
                    BAD("in string literal");
                if (d != '\\')
                    continue;
                if (++i >= n)
                    END_IN("in string escape code");
                if (strchr("\"\\/bfnrt", s[i]) && s[i])
                    continue;
                if (s[i] != 'u')
                    BAD("in string escape code");
                for (int k = 0; k < 4; k++) {
                    if (++i >= n)
                        END_IN("in \\u hexadecimal character escape");
                    if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
                        BAD("in \\u hexadecimal character escape");
                }
            }
            i++;
            if (want == W_KEY || want == W_KEY_OR_END) {
                want = W_COLON;
                continue;
            }
            goto value_done;
        }
        if (c == '-' || is_digit(c)) {
            if (c == '-') {
                if (++i >= n)
                    END_IN("in numeric literal");
                if (!is_digit(s[i]))
                    BAD("in numeric literal");
            }
            if (s[i] == '0')
                i++;
            else
                while (i < n && is_digit(s[i]))
                    i++;
            if (i < n && s[i] == '.') {
                if (++i >= n)
                    END_IN("after decimal point in numeric literal");
                if (!is_digit(s[i]))
                    BAD("after decimal point in numeric literal");
                while (i < n && is_digit(s[i]))
                    i++;
            }
            if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                if (++i < n && (s[i] == '+' || s[i] == '-'))
                    i++;
                if (i >= n)
                    END_IN("in exponent of numeric literal");
                if (!is_digit(s[i]))
                    BAD("in exponent of numeric literal");
                while (i < n && is_digit(s[i]))
                    i++;
            }
            if (i >= n && more)
                return CHK_EOF; /* more digits may follow */
            goto value_done;
        }
        if (c == 't' || c == 'f' || c == 'n') {
            const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
            for (size_t k = 1; lit[k]; k++) {
                char buf[48];
                snprintf(buf, sizeof buf, "in literal %s (expecting '%c')", lit, lit[k]);
                if (i + k >= n) {
                    i += k;
                    if (more || one)
                        return CHK_EOF;
                    *msg = err_text(E_JSON_INVALID_CHAR, "' '", buf);
                    *off = n;
                    return CHK_ERR;
                }
                if (s[i + k] != lit[k]) {
                    i += k;
                    *msg = err_text(E_JSON_INVALID_CHAR, quote_char((unsigned char)s[i]), buf);
                    *off = i + 1;
                    return CHK_ERR;
                }
            }
            i += strlen(lit);
            goto value_done;
        }
        BAD("looking for beginning of value");
    value_done:
        if (depth == 0) {
            if (one) {
                *off = i;
                return CHK_OK;
            }
            want = W_END;
        } else {
            want = stack[depth - 1] == '{' ? W_OBJ_NEXT : W_ARR_NEXT;
        }
    }
bad:
    *msg = err_text(E_JSON_INVALID_CHAR, quote_char((unsigned char)s[i]), ctx);
    *off = i + 1;
    return CHK_ERR;
bad_space:
    *msg = err_text(E_JSON_INVALID_CHAR, "' '", ctx);
    *off = n;
    return CHK_ERR;
#undef BAD
#undef END_IN
}

/* ====================================================================== */
/* Parsing through jansson                                                 */
/* ====================================================================== */

typedef struct ParseJob {
    const char *s;
    size_t n;
    size_t flags;
    json_t *j;
    json_error_t err;
} ParseJob;

/* jansson recurses once per nesting level (up to its limit of 2048), more
 * than a goroutine's small stack should hold: it runs on the thread's own
 * stack (sched_syscall). It allocates with malloc only, never touching a
 * csp object but the input bytes. */
static void parse_job(void *arg)
{
    ParseJob *p = arg;
    p->j = json_loadb(p->s, p->n, p->flags, &p->err);
}

/* s[0..n) with every byte that is no part of valid UTF-8 replaced by
 * U+FFFD, as Go reads a string's bytes. */
static char *utf8_clean(const char *s, size_t n, size_t *outn)
{
    Buf b;
    buf_init(&b);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            buf_addc(&b, (char)c);
            i++;
            continue;
        }
        int32_t r;
        int k = utf8_decode(s + i, n - i, &r);
        if (r == UTF8_ERROR && k == 1)
            buf_add(&b, "\xEF\xBF\xBD", 3);
        else
            buf_add(&b, s + i, (size_t)k);
        i += (size_t)k;
    }
    *outn = b.len;
    return b.data;
}

typedef enum { PARSE_OK, PARSE_MORE, PARSE_ERR } ParseStatus;

/* One JSON value from *s[0..*n). one: a value from the front (the rest is
 * left, *used says how far it went); else the whole input must be one
 * value. more: the input may go on (a stream not at its end). On
 * PARSE_ERR, *err is Go's *SyntaxError (its offset relative to s). When
 * the input had to be cleaned of invalid UTF-8, *s and *n are the cleaned
 * copy. The caller json_decref's the tree. */
static ParseStatus parse_value(const char **s, size_t *n, bool one, bool more, bool reals, json_t **out,
                               size_t *used, Value *err)
{
    ParseJob job = {.s = *s,
                    .n = *n,
                    .flags = JSON_DECODE_ANY | JSON_ALLOW_NUL | (one ? JSON_DISABLE_EOF_CHECK : 0) |
                             (reals ? JSON_DECODE_INT_AS_REAL : 0)};
    bool cleaned = false, narrowed = false;
    size_t whole = *n; /* what the caller has, even when jansson is shown less */
    if (one && more) {
        /* a stream: while the value is not all there, wait for more
         * without asking jansson, whose tree building costs ten times
         * Go's scan of the same bytes (a big value arriving in small
         * reads is scanned once per read) */
        size_t off;
        ObjString *msg;
        if (go_check(*s, *n, true, true, &off, &msg) == CHK_EOF)
            return PARSE_MORE;
    }
    for (;;) {
        sched_syscall(parse_job, &job);
        __asm__ volatile("" ::"r"(job.s) : "memory"); /* keeps the input alive until here */
        if (job.j) {
            size_t pos = job.err.position > 0 ? (size_t)job.err.position : job.n;
            if (one && more && json_is_number(job.j) && pos >= whole) {
                json_decref(job.j); /* 12 at the end of what came so far: maybe 123 */
                return PARSE_MORE;
            }
            *out = job.j;
            *used = pos;
            return PARSE_OK;
        }
        size_t off = 0;
        ObjString *msg = NULL;
        ChkStatus st = go_check(job.s, job.n, one, more, &off, &msg);
        if (st == CHK_EOF) {
            if (more)
                return PARSE_MORE;
            *err = syntax_error(err_text(E_JSON_UNEXPECTED_END), (int64_t)job.n);
            return PARSE_ERR;
        }
        if (st == CHK_ERR) {
            *err = syntax_error(msg, (int64_t)off);
            return PARSE_ERR;
        }
        /* Go takes it; jansson did not, for a reason of its own */
        enum json_error_code code = json_error_code(&job.err);
        if (one && off < job.n && !narrowed) {
            /* a value Go's scanner ends where jansson's lexer does not
             * ("-0" of "-05", which Go reads as two values): show
             * jansson that value alone */
            job.n = off;
            narrowed = true;
            continue;
        }
        if (code == json_error_invalid_utf8 && !cleaned) {
            size_t cn;
            const char *c = utf8_clean(*s, *n, &cn);
            *s = job.s = c;
            *n = job.n = whole = cn;
            narrowed = false;
            cleaned = true;
            continue;
        }
        if (code == json_error_numeric_overflow && !(job.flags & JSON_DECODE_INT_AS_REAL)) {
            job.flags |= JSON_DECODE_INT_AS_REAL;
            continue;
        }
        if (code == json_error_numeric_overflow) {
            /* a float past float64 (1e999): Go's type error, for a float64 */
            const char *q = strchr(job.err.text, '\'');
            const char *e = q ? strchr(q + 1, '\'') : NULL;
            Buf w;
            buf_init(&w);
            buf_adds(&w, "number ");
            if (e)
                buf_add(&w, q + 1, (size_t)(e - q - 1));
            ObjStruct *te = je_new(JE_UNMARSHAL_TYPE, err_text(E_JSON_UNMARSHAL_TYPE, w.data, "float64"));
            te->f[1] = v_cstr("number");
            *err = v_ref(te);
            return PARSE_ERR;
        }
        /* nesting past jansson's limit, a NUL in a key */
        ObjString *m =
            code == json_error_stack_overflow ? err_text(E_JSON_MAX_DEPTH) : str_cstr(job.err.text);
        *err = syntax_error(m, job.err.position);
        return PARSE_ERR;
    }
}

/* ====================================================================== */
/* Struct fields as encoding/json sees them                                */
/* ====================================================================== */

/* One field of a struct as JSON names it: the path of field indexes from
 * the outer struct (through embedded structs; an embedded pointer to
 * follow has SEL_DEREF set), its name and options. */
typedef struct JField {
    const char *name;
    size_t nlen;
    int depth;
    int path[SEL_MAX_DEPTH];
    const ObjType *type;
    bool tagged, omitempty, quoted;
} JField;

typedef struct JFields {
    JField *f;
    int n, cap;
} JFields;

/* The value of key in a struct tag (Go's StructTag.Lookup), unquoted, or
 * NULL. */
static const char *tag_lookup(const char *tag, const char *key)
{
    size_t klen = strlen(key);
    const char *p = tag;
    while (p && *p) {
        while (*p == ' ')
            p++;
        const char *k = p;
        while (*p > ' ' && *p != ':' && *p != '"' && *p != 0x7f)
            p++;
        if (p == k || *p != ':' || p[1] != '"')
            return NULL;
        size_t kn = (size_t)(p - k);
        p += 2;
        Buf v;
        buf_init(&v);
        while (*p && *p != '"') {
            if (*p == '\\' && p[1])
                p++;
            buf_addc(&v, *p++);
        }
        if (!*p)
            return NULL;
        p++;
        if (kn == klen && memcmp(k, key, klen) == 0)
            return v.data;
    }
    return NULL;
}

/* Go's isValidTag: the characters a tag's name may use. */
static bool valid_tag_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (strchr("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) && c)
            continue;
        if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            continue;
        return false;
    }
    return true;
}

static bool has_option(const char *opts, const char *name)
{
    size_t k = strlen(name);
    while (opts && *opts) {
        const char *e = strchr(opts, ',');
        size_t len = e ? (size_t)(e - opts) : strlen(opts);
        if (len == k && memcmp(opts, name, k) == 0)
            return true;
        opts = e ? e + 1 : NULL;
    }
    return false;
}

static bool exported(const char *name)
{
    return name && name[0] >= 'A' && name[0] <= 'Z';
}

static void fields_add(JFields *fs, const JField *f)
{
    if (fs->n == fs->cap) {
        int cap = fs->cap ? fs->cap * 2 : 16;
        JField *bigger = mem_alloc(sizeof(JField) * (size_t)cap);
        if (fs->n)
            memcpy(bigger, fs->f, sizeof(JField) * (size_t)fs->n);
        fs->f = bigger;
        fs->cap = cap;
    }
    fs->f[fs->n++] = *f;
}

/* Every candidate field of ty, depth first (Go's index-sequence order). */
static void fields_collect(JFields *fs, const ObjType *ty, int depth, const int *path)
{
    if (depth >= SEL_MAX_DEPTH)
        return;
    for (int i = 0; i < ty->nfields; i++) {
        const StructField *sf = &ty->fields[i];
        const char *tag = sf->tag ? tag_lookup(sf->tag, "json") : NULL;
        if (tag && strcmp(tag, "-") == 0)
            continue;
        const char *comma = tag ? strchr(tag, ',') : NULL;
        size_t tn = tag ? (comma ? (size_t)(comma - tag) : strlen(tag)) : 0;
        bool named = tn > 0 && valid_tag_name(tag, tn);
        const ObjType *ft = sf->type;
        bool ptr = ft && ft->kind == TYPE_POINTER;
        const ObjType *base = ptr ? ft->elem : ft;
        int step = i | (ptr ? SEL_DEREF : 0);
        if (sf->embedded && !named && base && base->kind == TYPE_STRUCT) {
            int sub[SEL_MAX_DEPTH];
            memcpy(sub, path, sizeof(int) * (size_t)depth);
            sub[depth] = step;
            fields_collect(fs, base, depth + 1, sub);
            continue;
        }
        if (!exported(sf->name))
            continue;
        JField f = {.depth = depth + 1, .type = ft, .tagged = named};
        memcpy(f.path, path, sizeof(int) * (size_t)depth);
        f.path[depth] = i; /* the field itself: its value, not followed */
        if (named) {
            char *nm = mem_alloc_atomic(tn + 1);
            memcpy(nm, tag, tn);
            f.name = nm;
            f.nlen = tn;
        } else {
            f.name = sf->name;
            f.nlen = strlen(sf->name);
        }
        const char *opts = comma ? comma + 1 : NULL;
        f.omitempty = has_option(opts, "omitempty");
        if (has_option(opts, "string") && ft) {
            TypeKind k = ft->kind;
            f.quoted = k == TYPE_BOOL || k == TYPE_INT || k == TYPE_FLOAT || k == TYPE_STRING;
        }
        fields_add(fs, &f);
    }
}

/* The fields of each struct type met so far: a type's descriptor never
 * changes, so they are worked out once. A bucket is a list pushed to with
 * a compare-and-swap (release) and read with acquire loads; an entry
 * never changes once pushed. Two threads may both add one type: either
 * entry will do. The array is in the data segment, which the collector
 * scans, so the entries stay alive. */
typedef struct FieldsEntry {
    const ObjType *ty;
    JFields fs;
    struct FieldsEntry *next;
} FieldsEntry;
#define FIELDS_BUCKETS 64
static FieldsEntry *fields_cache[FIELDS_BUCKETS];

static JFields struct_fields_uncached(const ObjType *ty);

static JFields struct_fields(const ObjType *ty)
{
    FieldsEntry **bucket = &fields_cache[((uintptr_t)ty >> 4) % FIELDS_BUCKETS];
    for (FieldsEntry *e = __atomic_load_n(bucket, __ATOMIC_ACQUIRE); e; e = e->next)
        if (e->ty == ty)
            return e->fs;
    FieldsEntry *e = mem_alloc(sizeof *e);
    e->ty = ty;
    e->fs = struct_fields_uncached(ty);
    e->next = __atomic_load_n(bucket, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(bucket, &e->next, e, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        ;
    return e->fs;
}

/* ty's JSON fields after Go's dominance rule: of the fields one name
 * names, the shallowest wins, or the tagged one among several at that
 * depth; otherwise none of them. Kept in declaration order. */
static JFields struct_fields_uncached(const ObjType *ty)
{
    JFields all = {.f = NULL}, out = {.f = NULL};
    int path[SEL_MAX_DEPTH] = {0};
    fields_collect(&all, ty, 0, path);
    for (int i = 0; i < all.n; i++) {
        JField *f = &all.f[i];
        int min = f->depth, at_min = 0, tagged_at_min = 0;
        for (int k = 0; k < all.n; k++)
            if (all.f[k].nlen == f->nlen && memcmp(all.f[k].name, f->name, f->nlen) == 0 &&
                all.f[k].depth < min)
                min = all.f[k].depth;
        if (f->depth != min)
            continue;
        for (int k = 0; k < all.n; k++)
            if (all.f[k].nlen == f->nlen && memcmp(all.f[k].name, f->name, f->nlen) == 0 &&
                all.f[k].depth == min) {
                at_min++;
                tagged_at_min += all.f[k].tagged;
            }
        if (at_min == 1 || (tagged_at_min == 1 && f->tagged))
            fields_add(&out, f);
    }
    return out;
}

/* The struct value holding field f's last step, following f's path from
 * s; NULL when an embedded pointer on the way is nil (alloc: make it). */
static ObjStruct *field_owner(Thread *t, ObjStruct *s, const JField *f, bool alloc)
{
    for (int k = 0; k < f->depth - 1; k++) {
        int idx = f->path[k] & ~SEL_DEREF;
        if (!s || idx >= s->type->nfields)
            return NULL;
        Value v = s->f[idx];
        if (f->path[k] & SEL_DEREF) {
            if (v == V_NIL) {
                if (!alloc)
                    return NULL;
                const ObjType *pt = s->type->fields[idx].type;
                Value z;
                if (types_zero(t, pt->elem, &z) < 0 || !v_is_obj(z, OBJ_STRUCT))
                    return NULL;
                s->f[idx] = v_ref(v_ptr(z));
                v = s->f[idx];
            }
            if (!v_is_ref(v))
                return NULL;
            s = v_ref_target(v);
            if (s->h.kind != OBJ_STRUCT)
                return NULL;
        } else {
            if (!v_is_obj(v, OBJ_STRUCT))
                return NULL;
            s = v_ptr(v);
        }
    }
    return s;
}

/* ====================================================================== */
/* Encoding                                                                */
/* ====================================================================== */

typedef struct Enc {
    Thread *t;
    Buf *b;
    bool html; /* escape <, > and & (Go's default) */
    int depth; /* nesting, for Go's cycle report */
    Value err; /* the error when enc_* returns 1 */
} Enc;

/* Go starts looking for pointer cycles after this many levels; we report
 * one there (or sooner when the C stack runs low). */
#define ENC_CYCLE_DEPTH 1000

static const char hexdig[] = "0123456789abcdef";

/* s as a JSON string, escaped as Go's encoder does. */
static void enc_string(Buf *b, const char *s, size_t n, bool html)
{
    buf_addc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c >= 0x20 && c != '"' && c != '\\' && (!html || (c != '<' && c != '>' && c != '&'))) {
                i++;
                continue;
            }
            buf_add(b, s + start, i - start);
            buf_addc(b, '\\');
            switch (c) {
            case '"':
            case '\\':
                buf_addc(b, (char)c);
                break;
            case '\b':
                buf_addc(b, 'b');
                break;
            case '\f':
                buf_addc(b, 'f');
                break;
            case '\n':
                buf_addc(b, 'n');
                break;
            case '\r':
                buf_addc(b, 'r');
                break;
            case '\t':
                buf_addc(b, 't');
                break;
            default:
                buf_adds(b, "u00");
                buf_addc(b, hexdig[c >> 4]);
                buf_addc(b, hexdig[c & 15]);
            }
            start = ++i;
            continue;
        }
        int32_t r;
        int k = utf8_decode(s + i, n - i, &r);
        if (r == UTF8_ERROR && k == 1) {
            buf_add(b, s + start, i - start);
            buf_adds(b, "\\ufffd");
            start = ++i;
            continue;
        }
        /* U+2028 and U+2029 end lines in JavaScript */
        if (r == 0x2028 || r == 0x2029) {
            buf_add(b, s + start, i - start);
            buf_adds(b, r == 0x2028 ? "\\u2028" : "\\u2029");
            i += (size_t)k;
            start = i;
            continue;
        }
        i += (size_t)k;
    }
    buf_add(b, s + start, n - start);
    buf_addc(b, '"');
}

/* A float as Go's encoder writes it: %f-like between 1e-6 and 1e21, else
 * the shortest %e with a one-digit negative exponent as 1e-7. */
static int enc_float(Enc *e, double d, int bits)
{
    if (d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308) {
        Buf t;
        buf_init(&t);
        format_ftoa(&t, d, 'g', -1, bits);
        ObjStruct *s = je_new(JE_UNSUPPORTED_VALUE, err_text(E_JSON_UNSUPPORTED_VALUE, t.data));
        s->f[1] = v_from_ptr(buf_to_str(&t));
        e->err = v_ref(s);
        return 1;
    }
    double a = d < 0 ? -d : d;
    int fmt = 'f';
    if (a != 0) {
        double x = bits == 32 ? (double)(float)a : a;
        if (x < 1e-6 || x >= 1e21)
            fmt = 'e';
    }
    size_t at = e->b->len;
    format_ftoa(e->b, d, fmt, -1, bits);
    if (fmt == 'e') {
        char *p = e->b->data + at;
        size_t n = e->b->len - at;
        if (n >= 4 && p[n - 4] == 'e' && p[n - 3] == '-' && p[n - 2] == '0') {
            p[n - 2] = p[n - 1];
            e->b->len--;
            e->b->data[e->b->len] = 0;
        }
    }
    return 0;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void enc_base64(Buf *b, const unsigned char *s, size_t n)
{
    buf_addc(b, '"');
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        char q[4] = {b64chars[v >> 18], b64chars[(v >> 12) & 63], b64chars[(v >> 6) & 63], b64chars[v & 63]};
        buf_add(b, q, 4);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        char q[4] = {b64chars[v >> 18], b64chars[(v >> 12) & 63], '=', '='};
        buf_add(b, q, 4);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        char q[4] = {b64chars[v >> 18], b64chars[(v >> 12) & 63], b64chars[(v >> 6) & 63], '='};
        buf_add(b, q, 4);
    }
    buf_addc(b, '"');
}

/* Copy the JSON text src into b without the spaces between tokens (Go's
 * Compact), escaping <, > and & in strings when html (as Go does with a
 * MarshalJSON method's output), and U+2028/2029 then too. The caller
 * checked that src is valid. */
static void compact_into(Buf *b, const char *s, size_t n, bool html)
{
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (in_str) {
            if (c == '\\' && i + 1 < n) {
                buf_addc(b, (char)c);
                buf_addc(b, s[++i]);
                continue;
            }
            if (c == '"')
                in_str = false;
            else if (html && (c == '<' || c == '>' || c == '&')) {
                buf_adds(b, "\\u00");
                buf_addc(b, hexdig[c >> 4]);
                buf_addc(b, hexdig[c & 15]);
                continue;
            } else if (html && c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                       ((unsigned char)s[i + 2] & ~1) == 0xA8) {
                buf_adds(b, (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
                i += 2;
                continue;
            }
            buf_addc(b, (char)c);
            continue;
        }
        if (is_ws((char)c))
            continue;
        if (c == '"')
            in_str = true;
        buf_addc(b, (char)c);
    }
}

static void newline(Buf *b, const char *prefix, size_t np, const char *indent, size_t ni, int depth)
{
    buf_addc(b, '\n');
    buf_add(b, prefix, np);
    for (int k = 0; k < depth; k++)
        buf_add(b, indent, ni);
}

/* Go's Indent of valid JSON text: a new line (prefix, then indent per
 * level) before each element and closing bracket, "[]" and "{}" kept
 * together, ": " after keys; spaces between tokens dropped. */
static void indent_into(Buf *b, const char *s, size_t n, const char *prefix, size_t np, const char *indent,
                        size_t ni)
{
    bool in_str = false, need = false;
    int depth = 0;
    /* Go keeps the spaces after the value as they are */
    size_t end = n;
    while (end > 0 && is_ws(s[end - 1]))
        end--;
    for (size_t i = 0; i < end; i++) {
        char c = s[i];
        if (in_str) {
            buf_addc(b, c);
            if (c == '\\' && i + 1 < n)
                buf_addc(b, s[++i]);
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (is_ws(c))
            continue;
        if (need && c != ']' && c != '}') {
            need = false;
            newline(b, prefix, np, indent, ni, depth);
        }
        switch (c) {
        case '"':
            in_str = true;
            buf_addc(b, c);
            break;
        case '{':
        case '[':
            buf_addc(b, c);
            need = true;
            depth++;
            break;
        case ',':
            buf_addc(b, c);
            newline(b, prefix, np, indent, ni, depth);
            break;
        case ':':
            buf_adds(b, ": ");
            break;
        case '}':
        case ']':
            depth--;
            if (need)
                need = false; /* an empty one stays on its line */
            else
                newline(b, prefix, np, indent, ni, depth);
            buf_addc(b, c);
            break;
        default:
            buf_addc(b, c);
        }
    }
    buf_add(b, s + end, n - end);
}

static int enc_value(Enc *e, Value v, const ObjType *ty);

/* Go's isEmptyValue, for omitempty. */
static bool empty_value(Value v)
{
    v = v_unnamed(iface_unbox(v));
    if (v == V_NIL || v == V_FALSE)
        return true;
    if (v_is_anyint(v))
        return v_anyint(v) == 0;
    if (v_is_anyfloat(v))
        return v_anyfloat(v) == 0;
    if (v_is_str(v))
        return v_str(v)->len == 0;
    if (v_is_obj(v, OBJ_LIST))
        return LIST_GET(v_list(v), len) == 0;
    if (v_is_obj(v, OBJ_MAP))
        return v_map(v)->len == 0;
    if (v_is_obj(v, OBJ_ARRAY))
        return ((ObjArray *)v_ptr(v))->st.cap == 0;
    return false;
}

/* Go's *MarshalerError for method on v failing with err. */
static int marshaler_error(Enc *e, Value v, const char *method, Value err, ObjString *text)
{
    Buf m;
    buf_init(&m);
    if (!text) {
        if (stream_error_text(e->t, err, &m) < 0)
            return -1;
    } else {
        buf_add(&m, text->data, text->len);
    }
    Buf tn;
    buf_init(&tn);
    format_type_of(&tn, v);
    ObjStruct *s = je_new(JE_MARSHALER, err_text(E_JSON_MARSHALER, method, tn.data, m.data));
    s->f[1] = err;
    e->err = v_ref(s);
    return 1;
}

/* v's MarshalJSON, when its method set has one (1: it had none). */
static int enc_marshaler(Enc *e, Value v, bool *done)
{
    *done = false;
    if (!stream_has_method(v, "MarshalJSON")) {
        if (!stream_has_method(v, "MarshalText"))
            return 0;
        *done = true;
        int nr = stream_call(e->t, v, "MarshalText", NULL, 0);
        if (nr == -1)
            return -1;
        Value res = nr >= 1 ? e->t->rets[0] : V_NIL, err = nr >= 2 ? e->t->rets[1] : V_NIL;
        if (err != V_NIL)
            return marshaler_error(e, v, "MarshalText", err, NULL);
        Buf out;
        buf_init(&out);
        bytes_read(res, &out);
        enc_string(e->b, out.data ? out.data : "", out.len, e->html);
        return 0;
    }
    *done = true;
    int nr = stream_call(e->t, v, "MarshalJSON", NULL, 0);
    if (nr == -1)
        return -1;
    Value res = nr >= 1 ? e->t->rets[0] : V_NIL, err = nr >= 2 ? e->t->rets[1] : V_NIL;
    if (err != V_NIL)
        return marshaler_error(e, v, "MarshalJSON", err, NULL);
    Buf out;
    buf_init(&out);
    bytes_read(res, &out);
    const char *s = out.data ? out.data : "";
    size_t n = out.len;
    size_t off;
    ObjString *msg = NULL;
    ChkStatus st = go_check(s, n, false, false, &off, &msg);
    if (st != CHK_OK) {
        if (st == CHK_EOF)
            msg = err_text(E_JSON_UNEXPECTED_END);
        Value se = syntax_error(msg, (int64_t)off);
        return marshaler_error(e, v, "MarshalJSON", se, msg);
    }
    compact_into(e->b, s, n, e->html);
    return 0;
}

static int unsupported_type(Enc *e, Value v, const ObjType *ty)
{
    Buf tn;
    buf_init(&tn);
    if (ty)
        format_type(&tn, ty);
    else
        format_type_of(&tn, v);
    e->err = v_ref(je_new(JE_UNSUPPORTED_TYPE, err_text(E_JSON_UNSUPPORTED_TYPE, tn.data)));
    return 1;
}

/* Whether the C stack is near its end: deep nesting stops with an error
 * rather than overflow the goroutine's stack. */
static bool stack_low(Thread *t)
{
    char *sp = __builtin_frame_address(0);
    return t->c_stack_limit && sp < t->c_stack_limit + VM_C_STACK_MARGIN;
}

typedef struct KV {
    ObjString *k;
    Value v;
} KV;

static int kv_cmp(const void *a, const void *b)
{
    const ObjString *x = ((const KV *)a)->k, *y = ((const KV *)b)->k;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->data, y->data, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int enc_map(Enc *e, Value v, const ObjType *ty)
{
    ObjMap *m = v_map(v);
    if (map_is_nil(m)) {
        buf_adds(e->b, "null");
        return 0;
    }
    const ObjType *mt = ty && ty->kind == TYPE_MAP ? ty : map_type(m);
    const ObjType *kt = mt ? mt->key : NULL, *vt = mt ? mt->elem : NULL;
    if (kt && kt->kind != TYPE_STRING && kt->kind != TYPE_INT && kt->kind != TYPE_INTERFACE)
        return unsupported_type(e, v, mt);
    size_t n = 0, cap = m->len + 1, cursor = 0;
    KV *kvs = mem_alloc(sizeof(KV) * cap);
    Value key, val;
    while (map_next(m, &cursor, &key, &val)) {
        if (n == cap)
            break; /* grown meanwhile by a racing writer */
        Value k = v_unnamed(iface_unbox(key));
        ObjString *ks;
        if (v_is_str(k)) {
            ks = v_str(k);
        } else if (v_is_anyint(k)) {
            char tmp[32];
            char *p = format_int_text(tmp + sizeof tmp, k);
            ks = str_new(p, (size_t)(tmp + sizeof tmp - p));
        } else {
            return unsupported_type(e, v, mt);
        }
        kvs[n].k = ks;
        kvs[n].v = val;
        n++;
    }
    qsort(kvs, n, sizeof(KV), kv_cmp);
    buf_addc(e->b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_addc(e->b, ',');
        enc_string(e->b, kvs[i].k->data, kvs[i].k->len, e->html);
        buf_addc(e->b, ':');
        int r = enc_value(e, kvs[i].v, vt);
        if (r)
            return r;
    }
    buf_addc(e->b, '}');
    return 0;
}

static int enc_list(Enc *e, Value v, const ObjType *ty)
{
    ObjList *l = v_list(v);
    if (list_is_nil(v)) {
        buf_adds(e->b, "null");
        return 0;
    }
    const ObjType *lt = list_type(l);
    if (!lt && ty && ty->kind == TYPE_SLICE)
        lt = ty;
    const ObjType *et = lt ? lt->elem : NULL;
    if (et && et->kind == TYPE_INT && et->bits == 8 && et->is_unsigned && !et->named) {
        Buf bytes;
        buf_init(&bytes);
        bytes_read(v, &bytes);
        enc_base64(e->b, (const unsigned char *)(bytes.data ? bytes.data : ""), bytes.len);
        return 0;
    }
    buf_addc(e->b, '[');
    Value x;
    for (int64_t i = 0; list_get(l, i, &x); i++) {
        if (i)
            buf_addc(e->b, ',');
        int r = enc_value(e, x, et);
        if (r)
            return r;
    }
    buf_addc(e->b, ']');
    return 0;
}

static int enc_struct(Enc *e, ObjStruct *s)
{
    JFields fs = struct_fields(s->type);
    buf_addc(e->b, '{');
    bool first = true;
    for (int i = 0; i < fs.n; i++) {
        const JField *f = &fs.f[i];
        ObjStruct *owner = field_owner(e->t, s, f, false);
        if (!owner)
            continue;
        Value fv = owner->f[f->path[f->depth - 1]];
        if (f->omitempty && empty_value(fv))
            continue;
        if (!first)
            buf_addc(e->b, ',');
        first = false;
        enc_string(e->b, f->name, f->nlen, e->html);
        buf_addc(e->b, ':');
        int r;
        if (f->quoted) {
            Buf inner, *outer = e->b;
            buf_init(&inner);
            e->b = &inner;
            r = enc_value(e, fv, f->type);
            e->b = outer;
            if (!r) {
                if (f->type->kind == TYPE_STRING)
                    enc_string(e->b, inner.data, inner.len, e->html);
                else {
                    buf_addc(e->b, '"');
                    buf_add(e->b, inner.data, inner.len);
                    buf_addc(e->b, '"');
                }
            }
        } else {
            r = enc_value(e, fv, f->type);
        }
        if (r)
            return r;
    }
    buf_addc(e->b, '}');
    return 0;
}

/* Whether values of struct or array type ty may have methods: their own
 * or, through an embedded field, promoted ones. Asking a value's method
 * set by name costs more, and most types have none. */
static bool type_has_methods(const ObjType *ty)
{
    if (!ty)
        return false;
    if (__atomic_load_n(&ty->nmethods, __ATOMIC_ACQUIRE) > 0)
        return true;
    for (int i = 0; i < ty->nfields; i++)
        if (ty->fields[i].embedded)
            return true;
    return false;
}

/* v (of static type ty, NULL or an interface when not known) as JSON.
 * Returns 0, 1 with e->err set (Go's error), or -1 after a panic. */
static int enc_value(Enc *e, Value v, const ObjType *ty)
{
    if (iface_is_box(v)) { /* an int8, a float32, a typed nil in an any */
        ty = ((ObjNamed *)v_ptr(v))->type;
        v = ((ObjNamed *)v_ptr(v))->v;
    }
    if (ty && ty->kind == TYPE_INTERFACE)
        ty = NULL;
    if (v == V_NIL) {
        if (ty && (ty->kind == TYPE_CHAN || ty->kind == TYPE_FUNC || ty->kind == TYPE_COMPLEX))
            return unsupported_type(e, v, ty);
        buf_adds(e->b, "null");
        return 0;
    }
    /* a value nested this deep is taken to be a cycle (a pointer, map or
     * slice reached again from itself), named by its type as Go does */
    if ((e->depth > ENC_CYCLE_DEPTH || stack_low(e->t)) &&
        (v_is_ref(v) || v_is_obj(v, OBJ_LIST) || v_is_obj(v, OBJ_MAP))) {
        Buf tn;
        buf_init(&tn);
        format_type_of(&tn, v);
        Buf m;
        buf_init(&m);
        buf_printf(&m, "encountered a cycle via %s", tn.data);
        ObjStruct *s = je_new(JE_UNSUPPORTED_VALUE, err_text(E_JSON_UNSUPPORTED_VALUE, m.data));
        s->f[1] = v_from_ptr(buf_to_str(&tn));
        e->err = v_ref(s);
        return 1;
    }
    if (v_is_ptr(v) || v_is_ref(v)) {
        Obj *o = v_is_ref(v) ? NULL : v_obj(v);
        bool may_have_methods =
            v_is_ref(v) || o->kind == OBJ_NAMED || o->kind == OBJ_OBJECT ||
            (o->kind == OBJ_STRUCT && type_has_methods(((ObjStruct *)o)->type)) ||
            (o->kind == OBJ_ARRAY && type_has_methods(((ObjArray *)o)->type)) ||
            (o->kind == OBJ_LIST && list_type(v_list(v)) && list_type(v_list(v))->named) ||
            (o->kind == OBJ_MAP && map_type(v_map(v)) && map_type(v_map(v))->named);
        if (v_is_ref(v)) {
            Obj *target = v_ref_target(v);
            if (target->kind == OBJ_STRUCT && !type_has_methods(((ObjStruct *)target)->type))
                may_have_methods = false;
        }
        if (may_have_methods) {
            int64_t ns;
            if (o && o->kind == OBJ_OBJECT && stdlib_time_unix_nano(v, &ns)) {
                /* time.Time: RFC 3339 with nanoseconds, as its MarshalJSON */
                Value lay = v_cstr("2006-01-02T15:04:05.999999999Z07:00");
                int nr = stream_call(e->t, v, "Format", &lay, 1);
                if (nr == -1)
                    return -1;
                if (nr >= 1 && v_is_str(e->t->rets[0])) {
                    ObjString *s = v_str(e->t->rets[0]);
                    enc_string(e->b, s->data, s->len, e->html);
                    return 0;
                }
            }
            bool done;
            e->depth++;
            int r = enc_marshaler(e, v, &done);
            e->depth--;
            if (r || done)
                return r;
        }
    }
    if (v_is_obj(v, OBJ_NAMED)) { /* a declared type: its underlying value */
        ty = ((ObjNamed *)v_ptr(v))->type->underlying;
        v = ((ObjNamed *)v_ptr(v))->v;
        if (ty && ty->kind == TYPE_FUNC)
            return unsupported_type(e, v, ((ObjNamed *)v_ptr(v))->type);
    }
    if (v_is_bool(v)) {
        buf_adds(e->b, v == V_TRUE ? "true" : "false");
        return 0;
    }
    if (v_is_anyint(v)) {
        if (ty && ty->kind == TYPE_FLOAT)
            return enc_float(e, v_anyint_double(v), ty->bits);
        char tmp[32];
        char *p = format_int_text(tmp + sizeof tmp, v);
        buf_add(e->b, p, (size_t)(tmp + sizeof tmp - p));
        return 0;
    }
    if (v_is_anyfloat(v))
        return enc_float(e, v_anyfloat(v), ty && ty->kind == TYPE_FLOAT ? ty->bits : 64);
    if (v_is_str(v)) {
        enc_string(e->b, v_str(v)->data, v_str(v)->len, e->html);
        return 0;
    }
    int r;
    if (v_is_ref(v)) {
        Obj *target = v_ref_target(v);
        const ObjType *et = ty && ty->kind == TYPE_POINTER ? ty->elem : NULL;
        Value inner;
        if (target->kind == OBJ_CELL)
            inner = ((ObjCell *)target)->v;
        else if (target->kind == OBJ_SLOT)
            inner = *((ObjSlot *)target)->slot;
        else
            inner = v_from_ptr(target);
        e->depth++;
        r = enc_value(e, inner, et);
        e->depth--;
        return r;
    }
    switch (v_obj(v)->kind) {
    case OBJ_LIST:
        e->depth++;
        r = enc_list(e, v, ty);
        e->depth--;
        return r;
    case OBJ_ARRAY: {
        ObjArray *a = v_ptr(v);
        const ObjType *et = a->type ? a->type->elem : NULL;
        buf_addc(e->b, '[');
        for (size_t i = 0; i < a->st.cap; i++) {
            if (i)
                buf_addc(e->b, ',');
            r = enc_value(e, a->st.items[i], et);
            if (r)
                return r;
        }
        buf_addc(e->b, ']');
        return 0;
    }
    case OBJ_MAP:
        e->depth++;
        r = enc_map(e, v, ty);
        e->depth--;
        return r;
    case OBJ_STRUCT:
        e->depth++;
        r = enc_struct(e, v_ptr(v));
        e->depth--;
        return r;
    case OBJ_ERROR:
    case OBJ_OBJECT:
        /* an errors.New value, a sync.Mutex: no exported fields */
        buf_adds(e->b, "{}");
        return 0;
    default:
        return unsupported_type(e, v, ty);
    }
}

/* v marshalled into b: 0, 1 with *err set, or -1 after a panic. */
static int marshal(Thread *t, Buf *b, Value v, const ObjType *ty, bool html, Value *err)
{
    Enc e = {.t = t, .b = b, .html = html, .err = V_NIL};
    int r = enc_value(&e, v, ty);
    *err = e.err;
    return r;
}

/* ====================================================================== */
/* Decoding: a jansson tree into the script's values                       */
/* ====================================================================== */

/* Functions for the rarer cases of the recursive decoder, kept out of its
 * frames (see dec_value). */
#define COLD_PATH __attribute__((noinline, cold))

typedef struct Dec {
    Thread *t;
    bool disallow;     /* DisallowUnknownFields */
    bool use_number;   /* UseNumber: numbers into an any as json.Number */
    Value err;         /* the first error: Go keeps decoding after a type
                          error and returns the first */
    const ObjType *st; /* the struct being decoded, for error messages */
    Buf path;          /* the field names from the outermost struct */
} Dec;

static const ObjType *ty_any_map, *ty_any_list, *ty_float64, *ty_number;

static const char *json_kind_text(json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    default:
        return "null";
    }
}

/* The JSON text of a number, as Go's error names it ("number 1.5"). */
static void number_text(Buf *b, json_t *j)
{
    if (json_is_integer(j))
        buf_printf(b, "%lld", (long long)json_integer_value(j));
    else
        format_ftoa(b, json_real_value(j), 'g', -1, 64);
}

/* Record Go's *UnmarshalTypeError (the first one wins). what: "string",
 * "number 1.5"... */
static void type_error(Dec *d, const char *what, const ObjType *ty)
{
    if (d->err != V_NIL)
        return;
    ObjString *msg;
    ObjString *sname = NULL;
    if (d->st && d->path.len) {
        const char *name = d->st->name ? d->st->name : "";
        const char *dot = d->st->named ? strrchr(name, '.') : NULL;
        sname = str_cstr(d->st->named ? (dot ? dot + 1 : name) : "");
        msg = err_text(E_JSON_UNMARSHAL_FIELD, what, sname->data, d->path.data, type_text(ty));
    } else {
        msg = err_text(E_JSON_UNMARSHAL_TYPE, what, type_text(ty));
    }
    ObjStruct *s = je_new(JE_UNMARSHAL_TYPE, msg);
    const char *sp = strchr(what, ' ');
    s->f[1] = v_from_ptr(sp ? str_new(what, (size_t)(sp - what)) : str_cstr(what));
    if (sname) {
        s->f[3] = v_from_ptr(sname);
        s->f[4] = v_from_ptr(buf_to_str(&d->path));
    }
    d->err = v_ref(s);
}

static int dec_value(Dec *d, json_t *j, const ObjType *ty, Value *place);

/* A value as JSON text (for an UnmarshalJSON method), as this module
 * encodes: jansson keeps no source text. */
static void dump_tree(Buf *b, json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        buf_addc(b, '{');
        const char *k;
        json_t *x;
        bool first = true;
        json_object_foreach(j, k, x)
        {
            if (!first)
                buf_addc(b, ',');
            first = false;
            enc_string(b, k, strlen(k), false);
            buf_addc(b, ':');
            dump_tree(b, x);
        }
        buf_addc(b, '}');
        break;
    }
    case JSON_ARRAY: {
        buf_addc(b, '[');
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i)
                buf_addc(b, ',');
            dump_tree(b, json_array_get(j, i));
        }
        buf_addc(b, ']');
        break;
    }
    case JSON_STRING:
        enc_string(b, json_string_value(j), json_string_length(j), false);
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        number_text(b, j);
        break;
    case JSON_TRUE:
        buf_adds(b, "true");
        break;
    case JSON_FALSE:
        buf_adds(b, "false");
        break;
    default:
        buf_adds(b, "null");
    }
}

/* The value that a string holds as ty: a declared string type's values
 * carry it. */
static Value typed(const ObjType *ty, Value v)
{
    return ty && types_boxed(ty) ? named_new((ObjType *)ty, v) : v;
}

/* Go's base64.StdEncoding.DecodeString into a []byte; -1 with the index
 * of the bad byte in *bad. */
static int base64_decode(const char *s, size_t n, Buf *out, int64_t *bad)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t i = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '\r' || c == '\n')
            continue;
        if (c == '=')
            break;
        const char *p = c ? strchr(b64chars, c) : NULL;
        if (!p) {
            *bad = (int64_t)i;
            return -1;
        }
        acc = acc << 6 | (uint32_t)(p - b64chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_addc(out, (char)(acc >> bits));
        }
    }
    /* padding: the rest must be '=' to a multiple of 4 */
    size_t data = 0;
    for (size_t k = 0; k < i; k++)
        data += s[k] != '\r' && s[k] != '\n';
    size_t pad = 0;
    for (; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n')
            continue;
        if (s[i] != '=') {
            *bad = (int64_t)i;
            return -1;
        }
        pad++;
    }
    if ((data + pad) % 4 != 0 || pad > 2 || (pad && data % 4 + pad != 4) || (!pad && data % 4)) {
        *bad = (int64_t)(n > 0 ? n - (pad ? pad : 0) : 0);
        if (!pad && data % 4 == 1)
            *bad = (int64_t)n - 1;
        else if (!pad)
            *bad = (int64_t)n;
        return -1;
    }
    return 0;
}

/* The type a pointer's target holds, when its static type is not known:
 * what its value tells (NULL: any). */
static const ObjType *value_type(Value cur)
{
    if (cur == V_NIL)
        return NULL;
    return iface_typeof(cur);
}

static int dec_struct(Dec *d, json_t *j, ObjStruct *s)
{
    JFields fs = struct_fields(s->type);
    const char *k;
    json_t *x;
    const ObjType *saved_st = d->st;
    size_t saved_len = d->path.len;
    json_object_foreach(j, k, x)
    {
        size_t kl = strlen(k);
        const JField *f = NULL;
        for (int i = 0; i < fs.n && !f; i++)
            if (fs.f[i].nlen == kl && memcmp(fs.f[i].name, k, kl) == 0)
                f = &fs.f[i];
        for (int i = 0; i < fs.n && !f; i++)
            if (fs.f[i].nlen == kl && strncasecmp(fs.f[i].name, k, kl) == 0)
                f = &fs.f[i];
        if (!f) {
            if (d->disallow && d->err == V_NIL)
                d->err = v_from_ptr(error_new(err_text(E_JSON_UNKNOWN_FIELD, k), false));
            continue;
        }
        ObjStruct *owner = field_owner(d->t, s, f, true);
        if (!owner)
            continue;
        d->st = s->type;
        if (d->path.len)
            buf_addc(&d->path, '.');
        buf_add(&d->path, f->name, f->nlen);
        Value *slot = &owner->f[f->path[f->depth - 1]];
        int r;
        if (f->quoted && json_is_string(x)) {
            /* ,string: the value is JSON text inside a string */
            const char *in = json_string_value(x);
            size_t inn = json_string_length(x);
            json_t *inner = NULL;
            size_t used;
            Value perr = V_NIL;
            if (f->type->kind == TYPE_STRING && (inn < 2 || in[0] != '"')) {
                inner = NULL;
            } else if (parse_value(&in, &inn, false, false, false, &inner, &used, &perr) != PARSE_OK) {
                inner = NULL;
            }
            if (!inner || json_is_object(inner) || json_is_array(inner)) {
                if (d->err == V_NIL) {
                    Buf q;
                    buf_init(&q);
                    format_quote(&q, json_string_value(x), json_string_length(x), false);
                    d->err =
                        v_from_ptr(error_new(err_text(E_JSON_STRING_TAG, q.data, type_text(f->type)), false));
                }
                if (inner)
                    json_decref(inner);
                r = 0;
            } else {
                r = dec_value(d, inner, f->type, slot);
                json_decref(inner);
            }
        } else {
            r = dec_value(d, x, f->type, slot);
        }
        d->path.len = saved_len;
        if (d->path.data)
            d->path.data[saved_len] = 0;
        d->st = saved_st;
        if (r)
            return r;
    }
    return 0;
}

/* A JSON object's key as a key of type kt (a string or integer type;
 * NULL: string): false after a type error. */
static COLD_PATH bool map_key(Dec *d, const char *k, const ObjType *kt, Value *key)
{
    size_t kl = strlen(k);
    if (kt && kt->kind == TYPE_INT) {
        int64_t iv;
        NumStatus ns = kt->is_unsigned ? strconv_parse_uint(k, kl, 10, kt->bits, (uint64_t *)&iv)
                                       : strconv_parse_int(k, kl, 10, kt->bits, &iv);
        if (ns != NUM_OK) {
            Buf w;
            buf_init(&w);
            buf_adds(&w, "number ");
            buf_adds(&w, k);
            type_error(d, w.data, kt);
            return false;
        }
        *key = typed(kt, kt->is_unsigned ? v_make_uint((uint64_t)iv) : v_make_int(iv));
    } else {
        *key = typed(kt, v_from_ptr(str_new(k, kl)));
    }
    return true;
}

static int dec_map(Dec *d, json_t *j, const ObjType *ty, Value *place)
{
    const ObjType *kt = ty ? ty->key : NULL, *vt = ty ? ty->elem : NULL;
    if (kt && kt->kind != TYPE_STRING && kt->kind != TYPE_INT) {
        type_error(d, "object", ty);
        return 0;
    }
    ObjMap *m;
    Value cur = *place;
    if (v_is_obj(cur, OBJ_MAP) && !map_is_nil(v_map(cur))) {
        m = v_map(cur);
    } else {
        m = map_new(json_object_size(j));
        if (ty) {
            types_map_init(m, ty);
            m->type = ty;
        }
    }
    const char *k;
    json_t *x;
    json_object_foreach(j, k, x)
    {
        Value key;
        if (!map_key(d, k, kt, &key))
            continue;
        Value val;
        if (!map_get(m, key, &val))
            val = V_NIL;
        if (vt && vt->kind != TYPE_INTERFACE && types_zero(d->t, vt, &val) < 0)
            return -1;
        int r = dec_value(d, x, vt, &val);
        if (r)
            return r;
        MapStatus ms = map_set(m, key, val);
        if (ms == MAP_CONCURRENT)
            return vm_panic_msg(d->t, "concurrent map writes");
    }
    *place = v_from_ptr(m);
    return 0;
}

static int dec_array(Dec *d, json_t *j, const ObjType *ty, Value *place)
{
    size_t n = json_array_size(j);
    if (ty && ty->kind == TYPE_ARRAY) {
        Value cur = *place;
        if (!v_is_obj(cur, OBJ_ARRAY) && types_zero(d->t, ty, &cur) < 0)
            return -1;
        ObjArray *a = v_ptr(cur);
        for (size_t i = 0; i < a->st.cap; i++) {
            if (i < n) {
                int r = dec_value(d, json_array_get(j, i), ty->elem, &a->st.items[i]);
                if (r)
                    return r;
            } else if (types_zero(d->t, ty->elem, &a->st.items[i]) < 0) {
                return -1;
            }
        }
        *place = cur;
        return 0;
    }
    const ObjType *lt = ty ? ty : ty_any_list;
    const ObjType *et = lt->elem;
    ObjList *l = list_new(n, n);
    for (size_t i = 0; i < n; i++) {
        Value v = V_NIL;
        if (et && et->kind != TYPE_INTERFACE && types_zero(d->t, et, &v) < 0)
            return -1;
        int r = dec_value(d, json_array_get(j, i), et, &v);
        if (r)
            return r;
        l->store->items[i] = v;
    }
    list_set_type(l, lt);
    *place = v_from_ptr(l);
    return 0;
}

/* Whether interface ty requires methods (it is no any). */
static bool iface_nonempty(const ObjType *ty)
{
    ObjString *first[1];
    return types_iface_methods(ty, first, 1) > 0;
}

/* Whether ty (or *ty) has an UnmarshalJSON method. */
static bool has_unmarshaler(const ObjType *ty)
{
    if (!ty || !ty->named || ty->kind == TYPE_INTERFACE)
        return false;
    return types_method(ty, str_cstr("UnmarshalJSON"), NULL) != V_UNDEF;
}

static int dec_unmarshaler(Dec *d, json_t *j, const ObjType *ty, Value *place)
{
    Value cur = *place;
    if (!v_is_obj(cur, OBJ_STRUCT) && !v_is_obj(cur, OBJ_ARRAY) && cur == V_NIL &&
        types_zero(d->t, ty, &cur) < 0)
        return -1;
    Value ptr;
    ObjCell *cell = NULL;
    if (v_is_obj(cur, OBJ_STRUCT) || v_is_obj(cur, OBJ_ARRAY)) {
        ptr = v_ref(v_ptr(cur));
    } else {
        cell = cell_new(cur);
        ptr = v_ref(cell);
    }
    Buf text;
    buf_init(&text);
    dump_tree(&text, j);
    bool ptr_recv = false;
    Value fn = types_method(ty, str_cstr("UnmarshalJSON"), &ptr_recv);
    Value call[2] = {ptr_recv ? ptr : cur, json_bytes(text.data ? text.data : "", text.len)};
    int nr = vm_call(d->t, fn, call, 2);
    if (nr < 0)
        return -1;
    if (nr >= 1 && d->t->rets[0] != V_NIL) {
        d->err = d->t->rets[0];
        return 1;
    }
    *place = cell ? cell->v : cur;
    return 0;
}

/* The place target (a pointer) points to. */
static Value *target_slot(Value target, Value *inner)
{
    Obj *o = v_ref_target(target);
    if (o->kind == OBJ_CELL)
        return &((ObjCell *)o)->v;
    if (o->kind == OBJ_SLOT)
        return ((ObjSlot *)o)->slot;
    *inner = v_from_ptr(o);
    return inner;
}

/* "number <text>" for a type error. */
static COLD_PATH void number_error(Dec *d, json_t *j, const ObjType *ty)
{
    Buf w;
    buf_init(&w);
    buf_adds(&w, "number ");
    number_text(&w, j);
    type_error(d, w.data, ty);
}

/* A JSON string into a time.Time, through time.Parse as its UnmarshalJSON
 * does. */
static COLD_PATH int dec_time(Dec *d, json_t *j, const ObjType *ty, Value *place)
{
    if (!json_is_string(j)) {
        type_error(d, json_kind_text(j), ty);
        return 0;
    }
    ObjModule *tm = stdlib_module("time", 4, false);
    Value parse = tm ? module_get(tm, "Parse") : V_UNDEF;
    Value args[2] = {v_cstr("2006-01-02T15:04:05Z07:00"), v_cstr(json_string_value(j))};
    int nr = parse != V_UNDEF ? vm_call(d->t, parse, args, 2) : 0;
    if (nr < 0)
        return -1;
    if (nr >= 2 && d->t->rets[1] != V_NIL) {
        d->err = d->t->rets[1];
        return 1;
    }
    if (nr >= 1)
        *place = d->t->rets[0];
    return 0;
}

/* A JSON string into a []byte: base64, as Go's encoder wrote it. */
static COLD_PATH int dec_bytes(Dec *d, json_t *j, const ObjType *ty, Value *place)
{
    Buf out;
    int64_t bad = 0;
    buf_init(&out);
    if (base64_decode(json_string_value(j), json_string_length(j), &out, &bad) < 0) {
        if (d->err == V_NIL)
            d->err = v_from_ptr(error_new(err_text(E_JSON_BASE64, (long long)bad), false));
        return 0;
    }
    Value bs = json_bytes(out.data ? out.data : "", out.len);
    if (ty->named)
        list_set_type(v_list(bs), ty);
    *place = bs;
    return 0;
}

/* A JSON number into a place of type ty (base its underlying type; NULL:
 * any). */
static int dec_number(Dec *d, json_t *j, const ObjType *ty, const ObjType *base, Value *place)
{
    if (!base) {
        if (d->use_number) {
            Buf b;
            buf_init(&b);
            number_text(&b, j);
            *place = named_new((ObjType *)ty_number, v_from_ptr(buf_to_str(&b)));
        } else {
            *place = v_make_float(json_number_value(j));
        }
        return 0;
    }
    if (base->kind == TYPE_FLOAT) {
        double x = json_number_value(j);
        if (base->bits == 32) {
            if ((x < 0 ? -x : x) > 3.4028234663852886e38) {
                number_error(d, j, ty);
                return 0;
            }
            x = types_float32(x);
        }
        *place = typed(ty, v_make_float(x));
        return 0;
    }
    if (base->kind == TYPE_INT) {
        /* a fraction or exponent is no integer for Go (1.0, 1e3 neither) */
        bool ok = json_is_integer(j);
        int64_t iv = ok ? (int64_t)json_integer_value(j) : 0;
        if (ok && base->bits < 64) {
            if (base->is_unsigned)
                ok = iv >= 0 && (uint64_t)iv < ((uint64_t)1 << base->bits);
            else
                ok = iv >= -((int64_t)1 << (base->bits - 1)) && iv < ((int64_t)1 << (base->bits - 1));
        } else if (ok && base->is_unsigned) {
            ok = iv >= 0;
        }
        if (!ok) {
            number_error(d, j, ty);
            return 0;
        }
        *place = typed(ty, v_make_int(iv));
        return 0;
    }
    type_error(d, "number", ty);
    return 0;
}

/* A pointer place: decode into what it points to, or a new target. */
static int dec_pointer(Dec *d, json_t *j, const ObjType *ty, Value *place)
{
    Value cur = *place;
    const ObjType *et = ty->elem;
    if (v_is_ref(cur)) {
        Value inner;
        return dec_value(d, j, et, target_slot(cur, &inner));
    }
    Value z = V_NIL;
    if (et && et->kind != TYPE_INTERFACE && types_zero(d->t, et, &z) < 0)
        return -1;
    int r = dec_value(d, j, et, &z);
    if (r)
        return r;
    if (v_is_obj(z, OBJ_STRUCT) || v_is_obj(z, OBJ_ARRAY))
        *place = v_ref(v_ptr(z));
    else if (v_is_obj(z, OBJ_OBJECT))
        *place = z; /* a module's object is a reference already */
    else
        *place = v_ref(cell_new(z));
    return 0;
}

/* null: a pointer, map, slice or interface becomes nil; anything else
 * keeps its value, as in Go. */
static void dec_null(const ObjType *ty, Value *place)
{
    if (!ty || ty->kind == TYPE_INTERFACE || ty->kind == TYPE_POINTER)
        *place = V_NIL;
    else if (ty->kind == TYPE_MAP)
        *place = ty->zero != V_UNDEF ? ty->zero : V_NIL;
    else if (ty->kind == TYPE_SLICE)
        *place = v_from_ptr(list_nil(ty));
}

/* Store JSON value j into *place, a place of type ty (NULL: any). Returns
 * 0 (a type error recorded in d->err and decoding goes on, as Go's),
 * 1 when decoding must stop (d->err set), -1 after a panic. It recurses
 * once per level of nesting, so its frame is kept small: the rarer cases
 * are functions of their own. */
static int dec_value(Dec *d, json_t *j, const ObjType *ty, Value *place)
{
    if (stack_low(d->t)) {
        if (d->err == V_NIL)
            d->err = syntax_error(err_text(E_JSON_MAX_DEPTH), 0);
        return 1;
    }
    if (ty && (ty->kind == TYPE_UNKNOWN || types_open(ty)))
        ty = NULL;
    if (json_is_null(j)) {
        dec_null(ty, place);
        return 0;
    }
    if (has_unmarshaler(ty))
        return dec_unmarshaler(d, j, ty, place);
    if (ty && ty->kind == TYPE_POINTER)
        return dec_pointer(d, j, ty, place);
    const ObjType *base = ty && ty->named && ty->underlying ? ty->underlying : ty;
    if (base && base->kind == TYPE_INTERFACE) {
        if (iface_nonempty(base)) {
            type_error(d, json_kind_text(j), ty);
            return 0;
        }
        base = ty = NULL; /* an any: what the JSON value is */
    }
    if (base && base->kind == TYPE_OBJECT) {
        if ((ty->name && strcmp(ty->name, "time.Time") == 0))
            return dec_time(d, j, ty, place);
        type_error(d, json_kind_text(j), ty);
        return 0;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        if (!base) {
            *place = V_NIL; /* an any gets a new map, as in Go */
            return dec_map(d, j, ty_any_map, place);
        }
        if (base->kind == TYPE_MAP)
            return dec_map(d, j, ty, place);
        if (base->kind == TYPE_STRUCT) {
            if (!v_is_obj(*place, OBJ_STRUCT) && types_zero(d->t, ty, place) < 0)
                return -1;
            return v_is_obj(*place, OBJ_STRUCT) ? dec_struct(d, j, v_ptr(*place)) : 0;
        }
        type_error(d, "object", ty);
        return 0;
    case JSON_ARRAY:
        if (!base || base->kind == TYPE_SLICE || base->kind == TYPE_ARRAY)
            return dec_array(d, j, ty, place);
        type_error(d, "array", ty);
        return 0;
    case JSON_STRING:
        if (!base || base->kind == TYPE_STRING) {
            *place = typed(ty, v_from_ptr(str_new(json_string_value(j), json_string_length(j))));
            return 0;
        }
        if (base->kind == TYPE_SLICE && base->elem && base->elem->kind == TYPE_INT && base->elem->bits == 8)
            return dec_bytes(d, j, ty, place);
        type_error(d, "string", ty);
        return 0;
    case JSON_INTEGER:
    case JSON_REAL:
        return dec_number(d, j, ty, base, place);
    case JSON_TRUE:
    case JSON_FALSE:
        if (!base || base->kind == TYPE_BOOL) {
            *place = typed(ty, v_bool(json_is_true(j)));
            return 0;
        }
        type_error(d, "bool", ty);
        return 0;
    default:
        return 0;
    }
}

/* Decode tree j through the pointer target (static type pty, NULL when not
 * known). *err: nil, or the error to return; -1 after a panic. */
/* The type the pointer target points to: its static type's element, or
 * what the value there tells; NULL for any. */
static const ObjType *target_type(Value target, const ObjType *pty)
{
    const ObjType *ty = pty && pty->kind == TYPE_POINTER ? pty->elem : NULL;
    if (ty && (ty->kind == TYPE_UNKNOWN || types_open(ty)))
        ty = NULL;
    if (!ty) {
        Value inner;
        ty = value_type(*target_slot(target, &inner));
    }
    ObjString *first[1];
    if (ty && ty->kind == TYPE_INTERFACE && types_iface_methods(ty, first, 1) == 0)
        ty = NULL; /* an any */
    return ty;
}

static int unmarshal_into(Dec *d, json_t *j, Value target, const ObjType *pty, Value *err)
{
    const ObjType *ty = target_type(target, pty);
    Obj *o = v_ref_target(target);
    Value *slot;
    Value inner;
    if (o->kind == OBJ_CELL)
        slot = &((ObjCell *)o)->v;
    else if (o->kind == OBJ_SLOT)
        slot = ((ObjSlot *)o)->slot;
    else {
        inner = v_from_ptr(o);
        slot = &inner;
    }
    d->err = V_NIL;
    buf_init(&d->path);
    int r = dec_value(d, j, ty, slot);
    if (r < 0)
        return -1;
    *err = d->err;
    return 0;
}

/* Go's InvalidUnmarshalError for target v (static type pty), or nil when
 * v is a pointer Unmarshal can write through. */
static Value check_target(Value v, const ObjType *pty)
{
    Value p = iface_unbox(v);
    if (v_is_ref(p))
        return V_NIL;
    const char *tn;
    Buf b;
    buf_init(&b);
    if (pty && pty->kind != TYPE_INTERFACE) {
        format_type(&b, pty);
        tn = b.data;
    } else if (iface_is_box(v)) {
        format_type(&b, ((ObjNamed *)v_ptr(v))->type);
        tn = b.data;
    } else {
        tn = p == V_NIL ? NULL : format_type_name(p);
    }
    ObjString *msg;
    if (p == V_NIL)
        msg = tn ? err_text(E_JSON_UNMARSHAL_NIL_PTR, tn) : err_text(E_JSON_UNMARSHAL_NIL);
    else
        msg = err_text(E_JSON_UNMARSHAL_NONPTR, tn);
    if (p == V_NIL && pty && pty->kind != TYPE_POINTER && pty->kind != TYPE_INTERFACE)
        msg = err_text(E_JSON_UNMARSHAL_NONPTR, tn);
    return v_ref(je_new(JE_INVALID_UNMARSHAL, msg));
}

/* ====================================================================== */
/* Module functions                                                        */
/* ====================================================================== */

static int json_n_marshal(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value v = args[0];
    Buf b;
    buf_init(&b);
    Value err;
    int r = marshal(t, &b, v, NULL, true, &err);
    if (r < 0)
        return -1;
    rets[0] = r ? v_from_ptr(list_nil(bytes_type())) : json_bytes(b.data ? b.data : "", b.len);
    rets[1] = r ? err : V_NIL;
    return 2;
}

static int json_n_marshal_indent(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value v = args[0];
    ObjString *prefix, *indent;
    if (!vm_check_str(t, "json.MarshalIndent", args, 1, &prefix) ||
        !vm_check_str(t, "json.MarshalIndent", args, 2, &indent))
        return -1;
    Buf b;
    buf_init(&b);
    Value err;
    int r = marshal(t, &b, v, NULL, true, &err);
    if (r < 0)
        return -1;
    if (r) {
        rets[0] = v_from_ptr(list_nil(bytes_type()));
        rets[1] = err;
        return 2;
    }
    Buf out;
    buf_init(&out);
    indent_into(&out, b.data ? b.data : "", b.len, prefix->data, prefix->len, indent->data, indent->len);
    rets[0] = json_bytes(out.data ? out.data : "", out.len);
    rets[1] = V_NIL;
    return 2;
}

/* The bytes of argument i ([]byte or string). */
static bool data_arg(Thread *t, const char *fname, Value *args, int i, Buf *b)
{
    buf_init(b);
    if (!bytes_arg(t, fname, args, i, b))
        return false;
    if (!b->data) {
        buf_addc(b, 0);
        b->len = 0;
    }
    return true;
}

static void types_init(void);

static int json_n_unmarshal(Thread *t, Value *args, int nargs, Value *rets)
{
    Value target = args[1];
    const ObjType *pty = nargs >= 4 && v_is_obj(args[3], OBJ_TYPE) ? v_ptr(args[3]) : NULL;
    Buf data;
    if (!data_arg(t, "json.Unmarshal", args, 0, &data))
        return -1;
    const char *s = data.data;
    size_t n = data.len;
    json_t *j = NULL;
    size_t used;
    Value err = V_NIL;
    /* Go checks the whole input before it stores anything. Into an any,
     * every number is a float64: jansson reads them all as doubles then
     * (-0 stays -0). */
    bool reals = v_is_ref(iface_unbox(target)) && target_type(iface_unbox(target), pty) == NULL;
    if (parse_value(&s, &n, false, false, reals, &j, &used, &err) != PARSE_OK) {
        rets[0] = err;
        return 1;
    }
    Value bad = check_target(target, pty);
    if (bad != V_NIL) {
        json_decref(j);
        rets[0] = bad;
        return 1;
    }
    Dec d = {.t = t};
    int r = unmarshal_into(&d, j, iface_unbox(target), pty, &err);
    json_decref(j);
    if (r < 0)
        return -1;
    rets[0] = err;
    return 1;
}

static int json_n_valid(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Buf data;
    if (!data_arg(t, "json.Valid", args, 0, &data))
        return -1;
    const char *s = data.data;
    size_t n = data.len, used;
    json_t *j = NULL;
    Value err;
    bool ok = parse_value(&s, &n, false, false, false, &j, &used, &err) == PARSE_OK;
    if (!ok) { /* a float past float64 is valid JSON all the same */
        size_t off;
        ObjString *msg;
        ok = go_check(data.data, data.len, false, false, &off, &msg) == CHK_OK;
    }
    if (j)
        json_decref(j);
    rets[0] = v_bool(ok);
    return 1;
}

/* Compact and Indent append to a *bytes.Buffer: through its Write. */
static int json_transform(Thread *t, Value *args, const char *fname, bool indent, Value *rets)
{
    Value dst = args[0];
    Buf data;
    if (!data_arg(t, fname, args, 1, &data))
        return -1;
    ObjString *prefix = NULL, *ind = NULL;
    if (indent && (!vm_check_str(t, fname, args, 2, &prefix) || !vm_check_str(t, fname, args, 3, &ind)))
        return -1;
    size_t off;
    ObjString *msg = NULL;
    ChkStatus st = go_check(data.data, data.len, false, false, &off, &msg);
    if (st != CHK_OK) {
        rets[0] = syntax_error(st == CHK_EOF ? err_text(E_JSON_UNEXPECTED_END) : msg,
                               st == CHK_EOF ? (int64_t)data.len : (int64_t)off);
        return 1;
    }
    Buf out;
    buf_init(&out);
    if (indent)
        indent_into(&out, data.data, data.len, prefix->data, prefix->len, ind->data, ind->len);
    else
        compact_into(&out, data.data, data.len, false);
    Value werr = V_NIL;
    if (stream_write(t, fname, dst, out.data ? out.data : "", out.len, &werr) < 0)
        return -1;
    rets[0] = werr;
    return 1;
}

static int json_n_compact(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return json_transform(t, args, "json.Compact", false, rets);
}

static int json_n_indent(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return json_transform(t, args, "json.Indent", true, rets);
}

/* ====================================================================== */
/* Encoder                                                                 */
/* ====================================================================== */

/* A *json.Encoder: its writer and settings. Used by the goroutine that
 * calls its methods; Go's Encoder is no safer to share. */
typedef struct Encoder {
    Value w;
    ObjString *prefix, *indent; /* NULL: no indenting */
    bool html;
} Encoder;

static const ObjClass encoder_class;

static Encoder *encoder_of(Value v)
{
    v = iface_unbox(v);
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &encoder_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static int encoder_encode(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Encoder *e = encoder_of(args[0]);
    Value v = args[1];
    Buf b;
    buf_init(&b);
    Value err;
    int r = marshal(t, &b, v, NULL, e->html, &err);
    if (r < 0)
        return -1;
    if (r) {
        rets[0] = err;
        return 1;
    }
    Buf out;
    buf_init(&out);
    if (e->prefix || e->indent)
        indent_into(&out, b.data ? b.data : "", b.len, e->prefix ? e->prefix->data : "",
                    e->prefix ? e->prefix->len : 0, e->indent ? e->indent->data : "",
                    e->indent ? e->indent->len : 0);
    else
        buf_add(&out, b.data ? b.data : "", b.len);
    buf_addc(&out, '\n');
    Value werr = V_NIL;
    if (stream_write(t, "json.Encoder.Encode", e->w, out.data, out.len, &werr) < 0)
        return -1;
    rets[0] = werr;
    return 1;
}

static int encoder_set_indent(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    (void)rets;
    Encoder *e = encoder_of(args[0]);
    ObjString *p, *i;
    if (!vm_check_str(t, "json.Encoder.SetIndent", args + 1, 0, &p) ||
        !vm_check_str(t, "json.Encoder.SetIndent", args + 1, 1, &i))
        return -1;
    e->prefix = p;
    e->indent = i;
    if (p->len == 0 && i->len == 0)
        e->prefix = e->indent = NULL;
    return 0;
}

static int encoder_set_escape_html(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    (void)rets;
    Encoder *e = encoder_of(args[0]);
    if (!v_is_bool(args[1]))
        return vm_panicf(t, E_ARG_TYPE, "json.Encoder.SetEscapeHTML", 1, "bool", v_type_name(args[1]));
    e->html = args[1] == V_TRUE;
    return 0;
}

static const MethodDef encoder_methods[] = {
    {"Encode", encoder_encode, 1, 1},
    {"SetIndent", encoder_set_indent, 2, 2},
    {"SetEscapeHTML", encoder_set_escape_html, 1, 1},
    {NULL, NULL, 0, 0},
};

static const ObjClass encoder_class = {
    .name = "*json.Encoder", .methods = encoder_methods, .get_field = NULL};

static int json_n_new_encoder(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (!stream_is_writer(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "json.NewEncoder", 1, "io.Writer", v_type_name(args[0]));
    Encoder *e = mem_alloc(sizeof *e);
    e->w = args[0];
    e->html = true;
    rets[0] = v_from_ptr(object_new(&encoder_class, e));
    return 1;
}

/* ====================================================================== */
/* Decoder                                                                 */
/* ====================================================================== */

/* A *json.Decoder: its reader and what it has read but not yet decoded,
 * buf[start..len). Used by the goroutine that calls its methods. */
typedef struct Decoder {
    Value r;
    char *buf; /* mem_alloc_atomic'd */
    size_t start, len, cap;
    int64_t consumed; /* bytes decoded before buf[start], for offsets */
    bool eof;         /* the reader said io.EOF */
    Value rerr;       /* a read error other than io.EOF, or a syntax
                         error: returned by every later Decode, as Go */
    bool disallow, use_number;
} Decoder;

static const ObjClass decoder_class;

static Decoder *decoder_of(Value v)
{
    v = iface_unbox(v);
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &decoder_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

/* Read more from the reader into the buffer: -1 after a panic, else 0
 * (d->eof or d->rerr may be set). */
static int decoder_fill(Thread *t, Decoder *d)
{
    if (d->start > 0 && d->start == d->len) {
        d->start = d->len = 0;
    } else if (d->start > 0 && d->start >= d->cap / 2) {
        memmove(d->buf, d->buf + d->start, d->len - d->start);
        d->len -= d->start;
        d->start = 0;
    }
    if (d->cap - d->len < 512) {
        size_t cap = d->cap ? d->cap * 2 : 4096;
        char *bigger = mem_alloc_atomic(cap);
        if (d->buf)
            memcpy(bigger, d->buf + d->start, d->len - d->start);
        d->len -= d->start;
        d->start = 0;
        d->buf = bigger;
        d->cap = cap;
    }
    Value err = V_NIL;
    int64_t got = stream_read(t, "json.Decoder.Decode", d->r, d->buf + d->len, d->cap - d->len, &err);
    if (got < 0)
        return -1;
    d->len += (size_t)got;
    if (err == stdlib_eof())
        d->eof = true;
    else if (err != V_NIL)
        d->rerr = err;
    return 0;
}

/* Skip spaces; false at the end of what is buffered. */
static bool decoder_skip_space(Decoder *d)
{
    while (d->start < d->len && is_ws(d->buf[d->start])) {
        d->start++;
        d->consumed++;
    }
    return d->start < d->len;
}

static int decoder_decode(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Decoder *d = decoder_of(args[0]);
    Value target = args[1];
    for (;;) {
        if (d->rerr != V_NIL) {
            rets[0] = d->rerr;
            return 1;
        }
        if (!decoder_skip_space(d)) {
            if (d->eof) {
                rets[0] = stdlib_eof();
                return 1;
            }
            if (decoder_fill(t, d) < 0)
                return -1;
            continue;
        }
        const char *s = d->buf + d->start;
        size_t n = d->len - d->start, used = 0;
        json_t *j = NULL;
        Value err = V_NIL;
        Value tg = iface_unbox(target);
        bool reals = v_is_ref(tg) && target_type(tg, NULL) == NULL && !d->use_number;
        ParseStatus ps = parse_value(&s, &n, true, !d->eof && d->rerr == V_NIL, reals, &j, &used, &err);
        if (ps == PARSE_MORE) {
            if (decoder_fill(t, d) < 0)
                return -1;
            continue;
        }
        if (s != d->buf + d->start) {
            /* cleaned of invalid UTF-8: the clean copy is the buffer now */
            char *nb = mem_alloc_atomic(n + 1);
            memcpy(nb, s, n);
            d->buf = nb;
            d->start = 0;
            d->len = d->cap = n;
        }
        if (ps == PARSE_ERR) {
            ObjStruct *se = v_ref_target(err);
            bool at_end = d->eof && v_is_str(se->f[0]) &&
                          strcmp(v_str(se->f[0])->data, err_formats[E_JSON_UNEXPECTED_END]) == 0;
            if (at_end) {
                d->rerr = io_unexpected_eof();
            } else {
                se->f[1] = v_make_int(d->consumed + v_anyint(se->f[1]));
                d->rerr = err;
            }
            continue;
        }
        d->start += used;
        d->consumed += (int64_t)used;
        Value bad = check_target(target, NULL);
        if (bad != V_NIL) {
            json_decref(j);
            rets[0] = bad;
            return 1;
        }
        Dec dd = {.t = t, .disallow = d->disallow, .use_number = d->use_number};
        int r = unmarshal_into(&dd, j, iface_unbox(target), NULL, &err);
        json_decref(j);
        if (r < 0)
            return -1;
        rets[0] = err;
        return 1;
    }
}

static int decoder_more(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Decoder *d = decoder_of(args[0]);
    for (;;) {
        if (decoder_skip_space(d)) {
            char c = d->buf[d->start];
            rets[0] = v_bool(c != ']' && c != '}');
            return 1;
        }
        if (d->eof || d->rerr != V_NIL) {
            rets[0] = V_FALSE;
            return 1;
        }
        if (decoder_fill(t, d) < 0)
            return -1;
    }
}

static int decoder_use_number(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t;
    (void)nargs;
    (void)rets;
    decoder_of(args[0])->use_number = true;
    return 0;
}

static int decoder_disallow(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t;
    (void)nargs;
    (void)rets;
    decoder_of(args[0])->disallow = true;
    return 0;
}

static int decoder_buffered(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t;
    (void)nargs;
    Decoder *d = decoder_of(args[0]);
    ObjModule *sm = stdlib_module("strings", 7, false);
    Value nr = sm ? module_get(sm, "NewReader") : V_UNDEF;
    if (nr == V_UNDEF) {
        rets[0] = V_NIL;
        return 1;
    }
    Value s = v_from_ptr(str_new(d->buf ? d->buf + d->start : "", d->len - d->start));
    int k = vm_call(t, nr, &s, 1);
    if (k < 0)
        return -1;
    rets[0] = k >= 1 ? t->rets[0] : V_NIL;
    return 1;
}

static const MethodDef decoder_methods[] = {
    {"Decode", decoder_decode, 1, 1},        {"More", decoder_more, 0, 0},
    {"UseNumber", decoder_use_number, 0, 0}, {"DisallowUnknownFields", decoder_disallow, 0, 0},
    {"Buffered", decoder_buffered, 0, 0},    {NULL, NULL, 0, 0},
};

static const ObjClass decoder_class = {
    .name = "*json.Decoder", .methods = decoder_methods, .get_field = NULL};

static int json_n_new_decoder(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (!stream_is_reader(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "json.NewDecoder", 1, "io.Reader", v_type_name(args[0]));
    Decoder *d = mem_alloc(sizeof *d);
    d->r = args[0];
    d->rerr = V_NIL;
    rets[0] = v_from_ptr(object_new(&decoder_class, d));
    return 1;
}

/* ====================================================================== */
/* The module                                                              */
/* ====================================================================== */

static int json_n_encoder_zero(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t;
    (void)args;
    (void)nargs;
    Encoder *e = mem_alloc(sizeof *e);
    e->html = true;
    rets[0] = v_from_ptr(object_new(&encoder_class, e));
    return 1;
}

static int json_n_decoder_zero(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t;
    (void)args;
    (void)nargs;
    Decoder *d = mem_alloc(sizeof *d);
    d->rerr = V_NIL;
    rets[0] = v_from_ptr(object_new(&decoder_class, d));
    return 1;
}

static const ModuleFn json_fns[] = {
    {"Marshal", json_n_marshal, 1, 1, "func(any) ([]byte, error)"},
    {"MarshalIndent", json_n_marshal_indent, 3, 3, "func(any, string, string) ([]byte, error)"},
    {"Unmarshal", json_n_unmarshal, 2, 4, NULL},
    {"Valid", json_n_valid, 1, 1, "func([]byte) bool"},
    {"Compact", json_n_compact, 2, 2, NULL},
    {"Indent", json_n_indent, 4, 4, NULL},
    {"NewEncoder", json_n_new_encoder, 1, 1, "func(io.Writer) *json.Encoder"},
    {"NewDecoder", json_n_new_decoder, 1, 1, "func(io.Reader) *json.Decoder"},
    {"Encoder", json_n_encoder_zero, 0, 0, NULL},
    {"Decoder", json_n_decoder_zero, 0, 0, NULL},
    {NULL, NULL, 0, 0, NULL},
};

/* json.Number's methods: its text, and the text as a float64 or int64
 * with strconv's errors. */
static ObjString *number_of(Value v)
{
    v = v_unnamed(iface_unbox(v));
    return v_is_str(v) ? v_str(v) : str_cstr("");
}

static int number_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t;
    (void)nargs;
    rets[0] = v_from_ptr(number_of(args[0]));
    return 1;
}

static int number_float64(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjModule *sc = stdlib_module("strconv", 7, false);
    Value pf = sc ? module_get(sc, "ParseFloat") : V_UNDEF;
    if (pf == V_UNDEF)
        return vm_panic_msg(t, "strconv.ParseFloat is missing");
    Value a[2] = {v_from_ptr(number_of(args[0])), v_int_small(64)};
    int nr = vm_call(t, pf, a, 2);
    if (nr < 2)
        return nr < 0 ? -1 : vm_panic_msg(t, "strconv.ParseFloat gave no error result");
    rets[0] = t->rets[0];
    rets[1] = t->rets[1];
    return 2;
}

static int number_int64(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjModule *sc = stdlib_module("strconv", 7, false);
    Value pi = sc ? module_get(sc, "ParseInt") : V_UNDEF;
    if (pi == V_UNDEF)
        return vm_panic_msg(t, "strconv.ParseInt is missing");
    Value a[3] = {v_from_ptr(number_of(args[0])), v_int_small(10), v_int_small(64)};
    int nr = vm_call(t, pi, a, 3);
    if (nr < 2)
        return nr < 0 ? -1 : vm_panic_msg(t, "strconv.ParseInt gave no error result");
    rets[0] = t->rets[0];
    rets[1] = t->rets[1];
    return 2;
}

static void types_init(void)
{
    ty_any_map = types_parse("map[string]any", 14);
    ty_any_list = types_parse("[]any", 5);
    ty_float64 = types_parse("float64", 7);
    ObjType *num = types_new_named("json.Number");
    types_define(num, types_parse("string", 6));
    stdlib_method(num, "json.Number.String", number_string, 0, false, "() string");
    stdlib_method(num, "json.Number.Float64", number_float64, 0, false, "() (float64, error)");
    stdlib_method(num, "json.Number.Int64", number_int64, 0, false, "() (int64, error)");
    types_register_type(num);
    ty_number = num;
}

static void json_open(ObjModule *m)
{
    types_init();
    json_declare_errors();
    module_add_fns(m, json_fns);
    Value un;
    if (map_get_cstr(m->members, "Unmarshal", &un) && v_is_obj(un, OBJ_NATIVE))
        v_obj(un)->flags |= NATIVE_ARG_TYPES;
    module_add_type(m, "Encoder", TYPE_OBJECT);
    module_add_type(m, "Decoder", TYPE_OBJECT);
}

const ModuleDef csp_module_json = {"encoding/json", json_open};
