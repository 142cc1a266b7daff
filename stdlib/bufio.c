/* bufio.c — the bufio module: Scanner, Reader and Writer over any
 * io.Reader / io.Writer (stream.h).
 *
 * A Scanner keeps Go's algorithm: a buffer that starts at 4096 bytes and
 * doubles up to its maximum token size, a split function (ScanLines,
 * ScanWords, ScanRunes and ScanBytes run in C; any other function is
 * called through the VM with a []byte, as Go calls it), and Go's errors
 * ("bufio.Scanner: token too long"). Reading os.Stdin goes through the
 * file's blocking hand-off, so a goroutine waiting for input holds no P.
 *
 * Concurrency: each object's fields are its caller's. A script that uses
 * one Scanner, Reader or Writer from two goroutines at once (a race in Go)
 * gets a panic here rather than torn buffers: `busy` is taken with an
 * atomic exchange on entry and cleared on every way out.
 */
#include "stream.h"

#include <string.h>

#include "../vm/mem.h"
#include "../vm/utf8.h"

#define BUFIO_DEFAULT 4096
#define BUFIO_MAX_TOKEN (64 * 1024)
#define BUFIO_MAX_EMPTY 100 /* Go's maxConsecutiveEmptyReads */

static Value err_too_long, err_final_token, err_buffer_full, err_negative_count;
static Value err_unread_byte, err_unread_rune, err_negative_advance, err_advance_too_far;

/* clang-format off */
#define BUSY_ENTER(o, what)                                                                                  \
    if (__atomic_exchange_n(&(o)->busy, 1, __ATOMIC_ACQUIRE))                                                \
        return vm_panic_msg(t, "bufio: concurrent use of one %s by two goroutines", what)
/* clang-format on */
#define BUSY_LEAVE(o) __atomic_store_n(&(o)->busy, 0, __ATOMIC_RELEASE)

/* ====================================================================== */
/* split functions                                                         */
/* ====================================================================== */

/* A split's result: advance, the token (tok NULL: none), an error. */
typedef struct Split {
    int64_t advance;
    const char *tok;
    size_t tlen;
    Value err;
} Split;

typedef void (*SplitFn)(const char *data, size_t n, bool at_eof, Split *out);

static void split_lines(const char *data, size_t n, bool at_eof, Split *out)
{
    if (at_eof && n == 0)
        return;
    const char *nl = memchr(data, '\n', n);
    if (nl) {
        size_t i = (size_t)(nl - data);
        out->advance = (int64_t)i + 1;
        out->tok = data;
        out->tlen = i > 0 && data[i - 1] == '\r' ? i - 1 : i;
        return;
    }
    if (at_eof) {
        out->advance = (int64_t)n;
        out->tok = data;
        out->tlen = n > 0 && data[n - 1] == '\r' ? n - 1 : n;
    }
}

static void split_bytes(const char *data, size_t n, bool at_eof, Split *out)
{
    if (at_eof && n == 0)
        return;
    out->advance = 1;
    out->tok = data;
    out->tlen = 1;
}

static void split_runes(const char *data, size_t n, bool at_eof, Split *out)
{
    if (at_eof && n == 0)
        return;
    if ((unsigned char)data[0] < 0x80) {
        out->advance = 1;
        out->tok = data;
        out->tlen = 1;
        return;
    }
    int32_t r;
    int w = utf8_decode(data, n, &r);
    if (r != 0xFFFD || w > 1) {
        out->advance = w;
        out->tok = data;
        out->tlen = (size_t)w;
        return;
    }
    /* An incomplete encoding waits for more bytes; an invalid one is
     * U+FFFD of width 1, as Go's ScanRunes gives it. */
    int need = (unsigned char)data[0] >= 0xF0 ? 4 : (unsigned char)data[0] >= 0xE0 ? 3 : 2;
    if (!at_eof && n < (size_t)need && (unsigned char)data[0] >= 0xC2 && (unsigned char)data[0] <= 0xF4) {
        bool ok = true;
        for (size_t i = 1; i < n; i++)
            ok &= ((unsigned char)data[i] & 0xC0) == 0x80;
        if (ok)
            return;
    }
    out->advance = 1;
    out->tok = "\xEF\xBF\xBD";
    out->tlen = 3;
}

/* Go's isSpace for ScanWords: Unicode white space. */
static bool is_space_rune(int32_t r)
{
    if (r <= 0xFF)
        return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0;
    if (r >= 0x2000 && r <= 0x200a)
        return true;
    return r == 0x1680 || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000;
}

static void split_words(const char *data, size_t n, bool at_eof, Split *out)
{
    size_t start = 0;
    while (start < n) {
        int32_t r;
        int w = utf8_decode(data + start, n - start, &r);
        if (!is_space_rune(r))
            break;
        start += (size_t)w;
    }
    for (size_t i = start; i < n;) {
        int32_t r;
        int w = utf8_decode(data + i, n - i, &r);
        if (is_space_rune(r)) {
            out->advance = (int64_t)(i + (size_t)w);
            out->tok = data + start;
            out->tlen = i - start;
            return;
        }
        i += (size_t)w;
    }
    if (at_eof && n > start) {
        out->advance = (int64_t)n;
        out->tok = data + start;
        out->tlen = n - start;
        return;
    }
    out->advance = (int64_t)start;
}

/* The natives bufio.ScanLines etc., callable by a script as Go's are
 * (data []byte, atEOF bool) (advance int, token []byte, err error). */
static int split_native(Thread *t, SplitFn fn, Value *args, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (!bytes_read(args[0], &b))
        return vm_panicf(t, E_ARG_TYPE, "bufio.Scan", 1, "[]byte", v_type_name(args[0]));
    Split s = {0, NULL, 0, V_NIL};
    fn(b.data ? b.data : "", b.len, args[1] == V_TRUE, &s);
    rets[0] = v_make_int(s.advance);
    rets[1] = s.tok ? bytes_new(s.tok, s.tlen) : V_NIL;
    rets[2] = s.err;
    return 3;
}

static int bufio_n_scan_lines(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return split_native(t, split_lines, args, rets);
}
static int bufio_n_scan_words(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return split_native(t, split_words, args, rets);
}
static int bufio_n_scan_runes(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return split_native(t, split_runes, args, rets);
}
static int bufio_n_scan_bytes(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return split_native(t, split_bytes, args, rets);
}

static SplitFn split_of(Value fn)
{
    if (!v_is_obj(fn, OBJ_NATIVE))
        return NULL;
    NativeFn f = ((ObjNative *)v_ptr(fn))->fn;
    return f == bufio_n_scan_lines   ? split_lines
           : f == bufio_n_scan_words ? split_words
           : f == bufio_n_scan_runes ? split_runes
           : f == bufio_n_scan_bytes ? split_bytes
                                     : NULL;
}

/* ====================================================================== */
/* Scanner                                                                 */
/* ====================================================================== */

typedef struct Scanner {
    Value r;       /* the io.Reader */
    SplitFn split; /* a C split, or NULL: split_fn through the VM */
    Value split_fn;
    size_t max; /* the longest token (Buffer's max) */
    char *buf;  /* data read, not yet split: buf[start..end) */
    size_t start, end, cap;
    const char *tok; /* the last token (a copy of its own) */
    size_t tlen;
    bool has_tok;
    Value err; /* the first read or split error (io.EOF at the end) */
    int empties;
    bool scan_called, done;
    int busy; /* atomic: see the header */
} Scanner;

static const ObjClass scanner_class;

static Scanner *scanner_of(Value v)
{
    if (v_is_ref(v))
        v = v_from_ptr(v_ref_target(v));
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &scanner_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static Value scanner_new(Value r)
{
    Scanner *s = mem_alloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->r = r;
    s->split = split_lines;
    s->split_fn = V_NIL;
    s->max = BUFIO_MAX_TOKEN;
    s->err = V_NIL;
    return v_from_ptr(object_new(&scanner_class, s));
}

static int bufio_n_new_scanner(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (!stream_is_reader(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "bufio.NewScanner", 1, "an io.Reader", v_type_name(args[0]));
    rets[0] = scanner_new(args[0]);
    return 1;
}

/* The zero bufio.Scanner (`var s bufio.Scanner`): no reader yet. */
static int bufio_n_scanner_zero(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = scanner_new(V_NIL);
    return 1;
}

/* clang-format off */
#define SCANNER(name)                                                                                        \
    Scanner *s = scanner_of(args[0]);                                                                        \
    (void)nargs;                                                                                             \
    if (!s)                                                                                                  \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "*bufio.Scanner", v_type_name(args[0]))
/* clang-format on */

static void set_err(Scanner *s, Value err)
{
    if (s->err == V_NIL || s->err == stdlib_eof())
        s->err = err;
}

/* Run the split on buf[start..end); -1 after a panic in a script split. */
static int run_split(Thread *t, Scanner *s, Split *out)
{
    const char *data = s->buf ? s->buf + s->start : "";
    size_t n = s->end - s->start;
    bool at_eof = s->err != V_NIL;
    *out = (Split){0, NULL, 0, V_NIL};
    if (s->split) {
        s->split(data, n, at_eof, out);
        return 0;
    }
    Value a[2] = {bytes_new(data, n), v_bool(at_eof)};
    int nr = vm_call(t, s->split_fn, a, 2);
    if (nr < 0)
        return -1;
    out->advance = nr >= 1 && v_is_anyint(t->rets[0]) ? v_anyint(t->rets[0]) : 0;
    Value tok = nr >= 2 ? t->rets[1] : V_NIL;
    out->err = nr >= 3 ? t->rets[2] : V_NIL;
    if (tok != V_NIL) {
        Buf b;
        buf_init(&b);
        bytes_read(tok, &b);
        out->tok = b.data ? b.data : "";
        out->tlen = b.len;
    }
    return 0;
}

/* Go's Scanner.Scan. */
static int scan(Thread *t, Scanner *s, bool *ok)
{
    *ok = false;
    if (s->done)
        return 0;
    s->scan_called = true;
    for (;;) {
        if (s->end > s->start || s->err != V_NIL) {
            Split sp;
            if (run_split(t, s, &sp) < 0)
                return -1;
            if (sp.err != V_NIL) {
                if (sp.err == err_final_token) {
                    s->tok = sp.tok;
                    s->tlen = sp.tlen;
                    s->has_tok = sp.tok != NULL;
                    s->done = true;
                    *ok = sp.tok != NULL;
                    return 0;
                }
                set_err(s, sp.err);
                s->done = true;
                return 0;
            }
            if (sp.advance < 0) {
                set_err(s, err_negative_advance);
                s->done = true;
                return 0;
            }
            if ((size_t)sp.advance > s->end - s->start) {
                set_err(s, err_advance_too_far);
                s->done = true;
                return 0;
            }
            s->start += (size_t)sp.advance;
            if (sp.tok) {
                char *copy = mem_alloc_atomic(sp.tlen + 1);
                memcpy(copy, sp.tok, sp.tlen);
                s->tok = copy;
                s->tlen = sp.tlen;
                s->has_tok = true;
                if (s->err == V_NIL || sp.advance > 0) {
                    s->empties = 0;
                } else if (++s->empties > BUFIO_MAX_EMPTY) {
                    return vm_panic_msg(t, "bufio.Scan: too many empty tokens without progressing");
                }
                *ok = true;
                return 0;
            }
        }
        if (s->err != V_NIL) {
            s->start = s->end = 0;
            s->done = true;
            return 0;
        }
        /* Room to read: slide the data down, or grow the buffer. */
        if (s->start > 0 && (s->end == s->cap || s->start > s->cap / 2)) {
            memmove(s->buf, s->buf + s->start, s->end - s->start);
            s->end -= s->start;
            s->start = 0;
        }
        if (s->end == s->cap) {
            if (s->cap >= s->max) {
                set_err(s, err_too_long);
                s->done = true;
                return 0;
            }
            size_t ncap = s->cap ? s->cap * 2 : BUFIO_DEFAULT;
            if (ncap > s->max)
                ncap = s->max;
            char *nb = mem_alloc_atomic(ncap);
            if (s->end > s->start)
                memcpy(nb, s->buf + s->start, s->end - s->start);
            s->end -= s->start;
            s->start = 0;
            s->buf = nb;
            s->cap = ncap;
        }
        for (int loop = 0;;) {
            if (s->r == V_NIL)
                return vm_panic_msg(t, "bufio.Scanner: Scan on a Scanner with no reader");
            Value err;
            int64_t n = stream_read(t, "bufio.Scanner.Scan", s->r, s->buf + s->end, s->cap - s->end, &err);
            if (n < 0)
                return -1;
            s->end += (size_t)n;
            if (err != V_NIL) {
                set_err(s, err);
                break;
            }
            if (n > 0) {
                s->empties = 0;
                break;
            }
            if (++loop > BUFIO_MAX_EMPTY) {
                set_err(s, stdlib_error(E_IO_NO_PROGRESS));
                break;
            }
        }
    }
}

static int scanner_scan(Thread *t, Value *args, int nargs, Value *rets)
{
    SCANNER("bufio.Scanner.Scan");
    BUSY_ENTER(s, "bufio.Scanner");
    bool ok;
    int r = scan(t, s, &ok);
    BUSY_LEAVE(s);
    if (r < 0)
        return -1;
    if (!ok)
        s->has_tok = false, s->tlen = 0;
    rets[0] = v_bool(ok);
    return 1;
}

static int scanner_text(Thread *t, Value *args, int nargs, Value *rets)
{
    SCANNER("bufio.Scanner.Text");
    rets[0] = v_from_ptr(str_new(s->tok ? s->tok : "", s->has_tok ? s->tlen : 0));
    return 1;
}

static int scanner_bytes(Thread *t, Value *args, int nargs, Value *rets)
{
    SCANNER("bufio.Scanner.Bytes");
    rets[0] = bytes_new(s->tok ? s->tok : "", s->has_tok ? s->tlen : 0);
    return 1;
}

static int scanner_err(Thread *t, Value *args, int nargs, Value *rets)
{
    SCANNER("bufio.Scanner.Err");
    rets[0] = s->err == stdlib_eof() ? V_NIL : s->err;
    return 1;
}

static int scanner_split(Thread *t, Value *args, int nargs, Value *rets)
{
    SCANNER("bufio.Scanner.Split");
    (void)rets;
    if (s->scan_called)
        return vm_panic_msg(t, "Split called after Scan");
    Value fn = args[1];
    SplitFn c = split_of(fn);
    if (!c && !(v_is_obj(fn, OBJ_CLOSURE) || v_is_obj(fn, OBJ_NATIVE) || v_is_obj(fn, OBJ_BOUND)))
        return vm_panicf(t, E_ARG_TYPE, "bufio.Scanner.Split", 1, "a bufio.SplitFunc", v_type_name(fn));
    s->split = c;
    s->split_fn = fn;
    return 0;
}

static int scanner_buffer(Thread *t, Value *args, int nargs, Value *rets)
{
    SCANNER("bufio.Scanner.Buffer");
    (void)rets;
    int64_t max;
    if (!vm_check_int(t, "bufio.Scanner.Buffer", args + 1, 1, &max))
        return -1;
    if (s->scan_called)
        return vm_panic(t, v_from_ptr(error_new(str_cstr(err_formats[E_BUFIO_SCAN_AFTER]), false)));
    size_t cap = v_is_obj(args[1], OBJ_LIST) ? LIST_GET(v_list(args[1]), cap) : 0;
    s->max = max > 0 ? (size_t)max : 0;
    if (cap > 0) {
        s->buf = mem_alloc_atomic(cap);
        s->cap = cap;
    }
    return 0;
}

static const MethodDef scanner_methods[] = {
    {"Scan", scanner_scan, 0, 0}, {"Text", scanner_text, 0, 0},   {"Bytes", scanner_bytes, 0, 0},
    {"Err", scanner_err, 0, 0},   {"Split", scanner_split, 1, 1}, {"Buffer", scanner_buffer, 2, 2},
    {NULL, NULL, 0, 0},
};

static const ObjClass scanner_class = {
    .name = "*bufio.Scanner", .methods = scanner_methods, .get_field = NULL};

/* ====================================================================== */
/* Reader                                                                  */
/* ====================================================================== */

typedef struct Reader {
    Value rd;
    char *buf; /* buf[r..w) is buffered */
    size_t r, w, size;
    Value err;     /* a read error not yet returned */
    int last_byte; /* for UnreadByte, -1: none */
    int last_rune; /* its size, for UnreadRune, -1: none */
    int busy;      /* atomic: see the header */
} Reader;

static const ObjClass reader_class;

static Reader *reader_of(Value v)
{
    if (v_is_ref(v))
        v = v_from_ptr(v_ref_target(v));
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &reader_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static Value reader_new(Value rd, size_t size)
{
    Reader *b = mem_alloc(sizeof *b);
    memset(b, 0, sizeof *b);
    b->rd = rd;
    b->size = size < 16 ? 16 : size;
    b->buf = mem_alloc_atomic(b->size);
    b->err = V_NIL;
    b->last_byte = b->last_rune = -1;
    return v_from_ptr(object_new(&reader_class, b));
}

/* Read once more into the buffer (after sliding it down); -1 on panic. */
static int fill(Thread *t, Reader *b)
{
    if (b->r > 0) {
        memmove(b->buf, b->buf + b->r, b->w - b->r);
        b->w -= b->r;
        b->r = 0;
    }
    if (b->rd == V_NIL)
        return vm_panic_msg(t, "bufio.Reader: read on a Reader with no reader");
    for (int i = 0; i < BUFIO_MAX_EMPTY; i++) {
        Value err;
        int64_t n = stream_read(t, "bufio.Reader", b->rd, b->buf + b->w, b->size - b->w, &err);
        if (n < 0)
            return -1;
        b->w += (size_t)n;
        if (err != V_NIL) {
            b->err = err;
            return 0;
        }
        if (n > 0)
            return 0;
    }
    b->err = stdlib_error(E_IO_NO_PROGRESS);
    return 0;
}

static Value read_err(Reader *b)
{
    Value e = b->err;
    b->err = V_NIL;
    return e;
}

static int64_t reader_read(Thread *t, Reader *b, char *p, size_t n, Value *err)
{
    *err = V_NIL;
    if (n == 0)
        return 0;
    if (b->r == b->w) {
        if (b->err != V_NIL) {
            *err = read_err(b);
            return 0;
        }
        if (n >= b->size) {
            /* a large read goes straight to the reader */
            int64_t got = stream_read(t, "bufio.Reader.Read", b->rd, p, n, err);
            if (got > 0) {
                b->last_byte = (unsigned char)p[got - 1];
                b->last_rune = -1;
            }
            return got;
        }
        b->r = b->w = 0;
        if (fill(t, b) < 0)
            return -1;
        if (b->r == b->w) {
            *err = read_err(b);
            return 0;
        }
    }
    size_t k = b->w - b->r < n ? b->w - b->r : n;
    memcpy(p, b->buf + b->r, k);
    b->r += k;
    b->last_byte = (unsigned char)b->buf[b->r - 1];
    b->last_rune = -1;
    return (int64_t)k;
}

static int64_t reader_stream_read(Thread *t, void *payload, char *p, size_t n, Value *err)
{
    return reader_read(t, payload, p, n, err);
}

static int bufio_n_new_reader(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t size = BUFIO_DEFAULT;
    if (nargs > 1 && !vm_check_int(t, "bufio.NewReaderSize", args, 1, &size))
        return -1;
    if (!stream_is_reader(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "bufio.NewReader", 1, "an io.Reader", v_type_name(args[0]));
    Reader *existing = reader_of(args[0]);
    if (existing && existing->size >= (size_t)size) {
        rets[0] = args[0]; /* Go returns a big enough *bufio.Reader as it is */
        return 1;
    }
    rets[0] = reader_new(args[0], size > 0 ? (size_t)size : BUFIO_DEFAULT);
    return 1;
}

static int bufio_n_reader_zero(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = reader_new(V_NIL, BUFIO_DEFAULT);
    return 1;
}

/* clang-format off */
#define READER(name)                                                                                         \
    Reader *b = reader_of(args[0]);                                                                          \
    (void)nargs;                                                                                             \
    if (!b)                                                                                                  \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "*bufio.Reader", v_type_name(args[0]));                      \
    BUSY_ENTER(b, "bufio.Reader")
/* clang-format on */

/* Collect up to and including delim: the bytes and the error (nil when
 * delim was found). */
static int collect(Thread *t, Reader *b, int delim, Buf *out, Value *err)
{
    *err = V_NIL;
    for (;;) {
        const char *p = b->r < b->w ? memchr(b->buf + b->r, delim, b->w - b->r) : NULL;
        if (p) {
            size_t k = (size_t)(p - (b->buf + b->r)) + 1;
            buf_add(out, b->buf + b->r, k);
            b->r += k;
            break;
        }
        buf_add(out, b->buf + b->r, b->w - b->r);
        b->r = b->w;
        if (b->err != V_NIL) {
            *err = read_err(b);
            break;
        }
        b->r = b->w = 0;
        if (fill(t, b) < 0)
            return -1;
    }
    if (out->len > 0) {
        b->last_byte = (unsigned char)out->data[out->len - 1];
        b->last_rune = -1;
    }
    return 0;
}

static int delim_arg(Thread *t, const char *fname, Value *args, int64_t *delim)
{
    if (!vm_check_int(t, fname, args + 1, 0, delim))
        return -1;
    return 0;
}

static int reader_read_string(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t delim;
    if (delim_arg(t, "bufio.Reader.ReadString", args, &delim) < 0)
        return -1;
    READER("bufio.Reader.ReadString");
    Buf out;
    buf_init(&out);
    Value err;
    int r = collect(t, b, (int)(delim & 0xFF), &out, &err);
    BUSY_LEAVE(b);
    if (r < 0)
        return -1;
    rets[0] = v_from_ptr(str_new(out.data ? out.data : "", out.len));
    rets[1] = err;
    return 2;
}

static int reader_read_bytes(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t delim;
    if (delim_arg(t, "bufio.Reader.ReadBytes", args, &delim) < 0)
        return -1;
    READER("bufio.Reader.ReadBytes");
    Buf out;
    buf_init(&out);
    Value err;
    int r = collect(t, b, (int)(delim & 0xFF), &out, &err);
    BUSY_LEAVE(b);
    if (r < 0)
        return -1;
    rets[0] = bytes_new(out.data ? out.data : "", out.len);
    rets[1] = err;
    return 2;
}

/* ReadLine: (line []byte, isPrefix bool, err error), without "\n" or
 * "\r\n"; a line longer than the buffer comes in pieces, isPrefix true. */
static int reader_read_line(Thread *t, Value *args, int nargs, Value *rets)
{
    READER("bufio.Reader.ReadLine");
    for (;;) {
        const char *p = b->r < b->w ? memchr(b->buf + b->r, '\n', b->w - b->r) : NULL;
        if (p) {
            size_t k = (size_t)(p - (b->buf + b->r));
            size_t keep = k > 0 && b->buf[b->r + k - 1] == '\r' ? k - 1 : k;
            rets[0] = bytes_new(b->buf + b->r, keep);
            b->r += k + 1;
            rets[1] = V_FALSE;
            rets[2] = V_NIL;
            break;
        }
        if (b->w - b->r == b->size) {
            size_t k = b->size;
            if (b->buf[b->w - 1] == '\r')
                k--; /* keep a "\r" that may start "\r\n" for next time */
            rets[0] = bytes_new(b->buf + b->r, k);
            b->r += k;
            rets[1] = V_TRUE;
            rets[2] = V_NIL;
            break;
        }
        if (b->err != V_NIL) {
            size_t k = b->w - b->r;
            if (k == 0) {
                rets[0] = V_NIL;
                rets[1] = V_FALSE;
                rets[2] = read_err(b);
            } else {
                rets[0] = bytes_new(b->buf + b->r, k);
                rets[1] = V_FALSE;
                rets[2] = V_NIL;
                b->r = b->w;
            }
            break;
        }
        if (fill(t, b) < 0) {
            BUSY_LEAVE(b);
            return -1;
        }
    }
    b->last_byte = -1;
    b->last_rune = -1;
    BUSY_LEAVE(b);
    return 3;
}

/* Make sure n bytes are buffered if the reader has them; -1 on panic. */
static int ensure(Thread *t, Reader *b, size_t n)
{
    while (b->w - b->r < n && b->err == V_NIL && b->w - b->r < b->size)
        if (fill(t, b) < 0)
            return -1;
    return 0;
}

static int reader_read_byte(Thread *t, Value *args, int nargs, Value *rets)
{
    READER("bufio.Reader.ReadByte");
    if (ensure(t, b, 1) < 0) {
        BUSY_LEAVE(b);
        return -1;
    }
    if (b->r == b->w) {
        rets[0] = v_int_small(0);
        rets[1] = read_err(b);
    } else {
        unsigned char c = (unsigned char)b->buf[b->r++];
        b->last_byte = c;
        b->last_rune = -1;
        rets[0] = v_int_small(c);
        rets[1] = V_NIL;
    }
    BUSY_LEAVE(b);
    return 2;
}

static int reader_unread_byte(Thread *t, Value *args, int nargs, Value *rets)
{
    READER("bufio.Reader.UnreadByte");
    if (b->last_byte < 0 || (b->r == 0 && b->w > 0)) {
        rets[0] = err_unread_byte;
    } else {
        if (b->r > 0)
            b->r--;
        else
            b->w = 1;
        b->buf[b->r] = (char)b->last_byte;
        b->last_byte = -1;
        b->last_rune = -1;
        rets[0] = V_NIL;
    }
    BUSY_LEAVE(b);
    return 1;
}

static int reader_read_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    READER("bufio.Reader.ReadRune");
    if (ensure(t, b, 4) < 0) {
        BUSY_LEAVE(b);
        return -1;
    }
    b->last_rune = -1;
    if (b->r == b->w) {
        rets[0] = v_int_small(0);
        rets[1] = v_int_small(0);
        rets[2] = read_err(b);
        BUSY_LEAVE(b);
        return 3;
    }
    int32_t r;
    int w = utf8_decode(b->buf + b->r, b->w - b->r, &r);
    if (r == 0xFFFD && w > 1 && memcmp(b->buf + b->r, "\xEF\xBF\xBD", 3) != 0)
        w = 1;
    b->r += (size_t)w;
    b->last_byte = (unsigned char)b->buf[b->r - 1];
    b->last_rune = w;
    rets[0] = v_int_small(r);
    rets[1] = v_int_small(w);
    rets[2] = V_NIL;
    BUSY_LEAVE(b);
    return 3;
}

static int reader_unread_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    READER("bufio.Reader.UnreadRune");
    if (b->last_rune < 0 || b->r < (size_t)b->last_rune) {
        rets[0] = err_unread_rune;
    } else {
        b->r -= (size_t)b->last_rune;
        b->last_byte = -1;
        b->last_rune = -1;
        rets[0] = V_NIL;
    }
    BUSY_LEAVE(b);
    return 1;
}

static int reader_peek(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t n;
    if (!vm_check_int(t, "bufio.Reader.Peek", args + 1, 0, &n))
        return -1;
    READER("bufio.Reader.Peek");
    b->last_byte = b->last_rune = -1;
    if (n < 0) {
        rets[0] = V_NIL;
        rets[1] = err_negative_count;
        BUSY_LEAVE(b);
        return 2;
    }
    if (ensure(t, b, (size_t)n < b->size ? (size_t)n : b->size) < 0) {
        BUSY_LEAVE(b);
        return -1;
    }
    size_t have = b->w - b->r;
    Value err = V_NIL;
    if ((size_t)n > b->size) {
        err = err_buffer_full;
        n = (int64_t)have;
    } else if ((size_t)n > have) {
        err = read_err(b);
        n = (int64_t)have;
    }
    rets[0] = bytes_new(b->buf + b->r, (size_t)n);
    rets[1] = err;
    BUSY_LEAVE(b);
    return 2;
}

static int reader_read_m(Thread *t, Value *args, int nargs, Value *rets)
{
    READER("bufio.Reader.Read");
    Value bv = args[1];
    if (bv != V_NIL && !v_is_obj(bv, OBJ_LIST)) {
        BUSY_LEAVE(b);
        return vm_panicf(t, E_ARG_TYPE, "bufio.Reader.Read", 1, "[]byte", v_type_name(bv));
    }
    size_t n = bv == V_NIL ? 0 : LIST_GET(v_list(bv), len);
    char *tmp = mem_alloc_atomic(n ? n : 1);
    Value err;
    int64_t got = reader_read(t, b, tmp, n, &err);
    BUSY_LEAVE(b);
    if (got < 0)
        return -1;
    if (got > 0)
        bytes_copy_into(v_list(bv), tmp, (size_t)got);
    rets[0] = v_make_int(got);
    rets[1] = err;
    return 2;
}

static int reader_buffered(Thread *t, Value *args, int nargs, Value *rets)
{
    READER("bufio.Reader.Buffered");
    rets[0] = v_make_int((int64_t)(b->w - b->r));
    BUSY_LEAVE(b);
    return 1;
}

static int reader_size(Thread *t, Value *args, int nargs, Value *rets)
{
    READER("bufio.Reader.Size");
    rets[0] = v_make_int((int64_t)b->size);
    BUSY_LEAVE(b);
    return 1;
}

static int reader_discard(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t n;
    if (!vm_check_int(t, "bufio.Reader.Discard", args + 1, 0, &n))
        return -1;
    READER("bufio.Reader.Discard");
    b->last_byte = b->last_rune = -1;
    if (n < 0) {
        rets[0] = v_int_small(0);
        rets[1] = err_negative_count;
        BUSY_LEAVE(b);
        return 2;
    }
    int64_t done = 0;
    Value err = V_NIL;
    while (done < n) {
        if (b->r == b->w) {
            if (b->err != V_NIL) {
                err = read_err(b);
                break;
            }
            b->r = b->w = 0;
            if (fill(t, b) < 0) {
                BUSY_LEAVE(b);
                return -1;
            }
            continue;
        }
        size_t k = b->w - b->r;
        if ((int64_t)k > n - done)
            k = (size_t)(n - done);
        b->r += k;
        done += (int64_t)k;
    }
    rets[0] = v_make_int(done);
    rets[1] = err;
    BUSY_LEAVE(b);
    return 2;
}

static int reader_reset(Thread *t, Value *args, int nargs, Value *rets)
{
    READER("bufio.Reader.Reset");
    (void)rets;
    b->rd = args[1];
    b->r = b->w = 0;
    b->err = V_NIL;
    b->last_byte = b->last_rune = -1;
    BUSY_LEAVE(b);
    return 0;
}

static const MethodDef reader_methods[] = {
    {"Read", reader_read_m, 1, 1},
    {"ReadString", reader_read_string, 1, 1},
    {"ReadBytes", reader_read_bytes, 1, 1},
    {"ReadLine", reader_read_line, 0, 0},
    {"ReadByte", reader_read_byte, 0, 0},
    {"UnreadByte", reader_unread_byte, 0, 0},
    {"ReadRune", reader_read_rune, 0, 0},
    {"UnreadRune", reader_unread_rune, 0, 0},
    {"Peek", reader_peek, 1, 1},
    {"Buffered", reader_buffered, 0, 0},
    {"Size", reader_size, 0, 0},
    {"Discard", reader_discard, 1, 1},
    {"Reset", reader_reset, 1, 1},
    {NULL, NULL, 0, 0},
};

static const ObjClass reader_class = {.name = "*bufio.Reader", .methods = reader_methods, .get_field = NULL};
static const StreamOps reader_ops = {&reader_class, reader_stream_read, NULL};

/* ====================================================================== */
/* Writer                                                                  */
/* ====================================================================== */

typedef struct Writer {
    Value wr;
    char *buf;
    size_t n, size;
    Value err; /* sticky: once a write failed, every call returns it */
    int busy;  /* atomic: see the header */
} Writer;

static const ObjClass writer_class;

static Writer *writer_of(Value v)
{
    if (v_is_ref(v))
        v = v_from_ptr(v_ref_target(v));
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &writer_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static Value writer_new(Value wr, size_t size)
{
    Writer *w = mem_alloc(sizeof *w);
    memset(w, 0, sizeof *w);
    w->wr = wr;
    w->size = size ? size : BUFIO_DEFAULT;
    w->buf = mem_alloc_atomic(w->size);
    w->err = V_NIL;
    return v_from_ptr(object_new(&writer_class, w));
}

/* Write the buffer out; -1 on panic. */
static int flush(Thread *t, Writer *w)
{
    if (w->err != V_NIL || w->n == 0)
        return 0;
    if (w->wr == V_NIL)
        return vm_panic_msg(t, "bufio.Writer: write on a Writer with no writer");
    Value err;
    int64_t n = stream_write(t, "bufio.Writer.Flush", w->wr, w->buf, w->n, &err);
    if (n < 0)
        return -1;
    if ((size_t)n < w->n && err == V_NIL)
        err = stdlib_error(E_IO_SHORT_WRITE);
    if (err != V_NIL) {
        if (n > 0 && (size_t)n < w->n)
            memmove(w->buf, w->buf + n, w->n - (size_t)n);
        w->n -= (size_t)n;
        w->err = err;
        return 0;
    }
    w->n = 0;
    return 0;
}

static int64_t writer_write(Thread *t, Writer *w, const char *p, size_t n, Value *err)
{
    size_t done = 0;
    while (n - done > w->size - w->n && w->err == V_NIL) {
        size_t k;
        if (w->n == 0) {
            /* a large write with an empty buffer goes straight out */
            Value e;
            int64_t m = stream_write(t, "bufio.Writer.Write", w->wr, p + done, n - done, &e);
            if (m < 0)
                return -1;
            if (e != V_NIL)
                w->err = e;
            k = (size_t)m;
        } else {
            k = w->size - w->n;
            memcpy(w->buf + w->n, p + done, k);
            w->n += k;
            if (flush(t, w) < 0)
                return -1;
        }
        done += k;
    }
    if (w->err != V_NIL) {
        *err = w->err;
        return (int64_t)done;
    }
    memcpy(w->buf + w->n, p + done, n - done);
    w->n += n - done;
    *err = V_NIL;
    return (int64_t)n;
}

static int64_t writer_stream_write(Thread *t, void *payload, const char *p, size_t n, Value *err)
{
    return writer_write(t, payload, p, n, err);
}

static int bufio_n_new_writer(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t size = BUFIO_DEFAULT;
    if (nargs > 1 && !vm_check_int(t, "bufio.NewWriterSize", args, 1, &size))
        return -1;
    if (!stream_is_writer(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "bufio.NewWriter", 1, "an io.Writer", v_type_name(args[0]));
    Writer *existing = writer_of(args[0]);
    if (existing && existing->size >= (size_t)size) {
        rets[0] = args[0];
        return 1;
    }
    rets[0] = writer_new(args[0], size > 0 ? (size_t)size : BUFIO_DEFAULT);
    return 1;
}

static int bufio_n_writer_zero(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = writer_new(V_NIL, BUFIO_DEFAULT);
    return 1;
}

/* clang-format off */
#define WRITER(name)                                                                                         \
    Writer *w = writer_of(args[0]);                                                                          \
    (void)nargs;                                                                                             \
    if (!w)                                                                                                  \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "*bufio.Writer", v_type_name(args[0]));                      \
    BUSY_ENTER(w, "bufio.Writer")
/* clang-format on */

static int write_common(Thread *t, Writer *w, const char *p, size_t n, Value *rets)
{
    Value err;
    int64_t m = writer_write(t, w, p, n, &err);
    BUSY_LEAVE(w);
    if (m < 0)
        return -1;
    rets[0] = v_make_int(m);
    rets[1] = err;
    return 2;
}

static int writer_write_m(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (!bytes_read(args[1], &b))
        return vm_panicf(t, E_ARG_TYPE, "bufio.Writer.Write", 1, "[]byte", v_type_name(args[1]));
    WRITER("bufio.Writer.Write");
    return write_common(t, w, b.data ? b.data : "", b.len, rets);
}

static int writer_write_string(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    if (!vm_check_str(t, "bufio.Writer.WriteString", args + 1, 0, &s))
        return -1;
    WRITER("bufio.Writer.WriteString");
    return write_common(t, w, s->data, s->len, rets);
}

static int writer_write_byte(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t c;
    if (!vm_check_int(t, "bufio.Writer.WriteByte", args + 1, 0, &c))
        return -1;
    WRITER("bufio.Writer.WriteByte");
    char ch = (char)c;
    int r = write_common(t, w, &ch, 1, rets);
    if (r < 0)
        return -1;
    rets[0] = rets[1];
    return 1;
}

static int writer_write_rune(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t c;
    if (!vm_check_int(t, "bufio.Writer.WriteRune", args + 1, 0, &c))
        return -1;
    WRITER("bufio.Writer.WriteRune");
    char enc[4];
    int k = utf8_encode(enc, c);
    return write_common(t, w, enc, (size_t)k, rets);
}

static int writer_flush(Thread *t, Value *args, int nargs, Value *rets)
{
    WRITER("bufio.Writer.Flush");
    int r = flush(t, w);
    BUSY_LEAVE(w);
    if (r < 0)
        return -1;
    rets[0] = w->err;
    return 1;
}

static int writer_buffered(Thread *t, Value *args, int nargs, Value *rets)
{
    WRITER("bufio.Writer.Buffered");
    rets[0] = v_make_int((int64_t)w->n);
    BUSY_LEAVE(w);
    return 1;
}

static int writer_available(Thread *t, Value *args, int nargs, Value *rets)
{
    WRITER("bufio.Writer.Available");
    rets[0] = v_make_int((int64_t)(w->size - w->n));
    BUSY_LEAVE(w);
    return 1;
}

static int writer_size(Thread *t, Value *args, int nargs, Value *rets)
{
    WRITER("bufio.Writer.Size");
    rets[0] = v_make_int((int64_t)w->size);
    BUSY_LEAVE(w);
    return 1;
}

static int writer_reset(Thread *t, Value *args, int nargs, Value *rets)
{
    WRITER("bufio.Writer.Reset");
    (void)rets;
    w->wr = args[1];
    w->n = 0;
    w->err = V_NIL;
    BUSY_LEAVE(w);
    return 0;
}

static const MethodDef writer_methods[] = {
    {"Write", writer_write_m, 1, 1},        {"WriteString", writer_write_string, 1, 1},
    {"WriteByte", writer_write_byte, 1, 1}, {"WriteRune", writer_write_rune, 1, 1},
    {"Flush", writer_flush, 0, 0},          {"Buffered", writer_buffered, 0, 0},
    {"Available", writer_available, 0, 0},  {"Size", writer_size, 0, 0},
    {"Reset", writer_reset, 1, 1},          {NULL, NULL, 0, 0},
};

static const ObjClass writer_class = {.name = "*bufio.Writer", .methods = writer_methods, .get_field = NULL};
static const StreamOps writer_ops = {&writer_class, NULL, writer_stream_write};

/* ====================================================================== */
/* ReadWriter                                                              */
/* ====================================================================== */

/* bufio.NewReadWriter(r, w): Go's struct embedding *Reader and *Writer,
 * whose methods it promotes; the fields Reader and Writer read as in Go
 * (not assignable here). */
typedef struct ReadWriter {
    Value r, w; /* immutable */
} ReadWriter;

static const ObjClass rw_class;

static ReadWriter *rw_of(Value v)
{
    if (v_is_ref(v))
        v = v_from_ptr(v_ref_target(v));
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &rw_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

/* A promoted method: the same call with the embedded object as receiver. */
static int rw_call(Thread *t, NativeFn fn, bool writer, Value *args, int nargs, Value *rets)
{
    ReadWriter *rw = rw_of(args[0]);
    if (!rw)
        return vm_panicf(t, E_ARG_TYPE, "bufio.ReadWriter", 0, "*bufio.ReadWriter", v_type_name(args[0]));
    Value small[4];
    Value *a = nargs <= 4 ? small : mem_alloc(sizeof(Value) * (size_t)nargs);
    memcpy(a, args, sizeof(Value) * (size_t)nargs);
    a[0] = writer ? rw->w : rw->r;
    if (a[0] == V_NIL)
        return vm_panicf(t, E_NIL_DEREF);
    return fn(t, a, nargs, rets);
}

/* clang-format off */
#define RW(cname, fn, writer)                                                                                    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                             {                                                                                                                return rw_call(t, fn, writer, args, nargs, rets);                                                        }
/* clang-format on */

RW(rw_read, reader_read_m, false)
RW(rw_read_string, reader_read_string, false)
RW(rw_read_bytes, reader_read_bytes, false)
RW(rw_read_line, reader_read_line, false)
RW(rw_read_byte, reader_read_byte, false)
RW(rw_unread_byte, reader_unread_byte, false)
RW(rw_read_rune, reader_read_rune, false)
RW(rw_unread_rune, reader_unread_rune, false)
RW(rw_peek, reader_peek, false)
RW(rw_discard, reader_discard, false)
RW(rw_write, writer_write_m, true)
RW(rw_write_string, writer_write_string, true)
RW(rw_write_byte, writer_write_byte, true)
RW(rw_write_rune, writer_write_rune, true)
RW(rw_flush, writer_flush, true)
RW(rw_available, writer_available, true)

static const MethodDef rw_methods[] = {
    {"Read", rw_read, 1, 1},
    {"ReadString", rw_read_string, 1, 1},
    {"ReadBytes", rw_read_bytes, 1, 1},
    {"ReadLine", rw_read_line, 0, 0},
    {"ReadByte", rw_read_byte, 0, 0},
    {"UnreadByte", rw_unread_byte, 0, 0},
    {"ReadRune", rw_read_rune, 0, 0},
    {"UnreadRune", rw_unread_rune, 0, 0},
    {"Peek", rw_peek, 1, 1},
    {"Discard", rw_discard, 1, 1},
    {"Write", rw_write, 1, 1},
    {"WriteString", rw_write_string, 1, 1},
    {"WriteByte", rw_write_byte, 1, 1},
    {"WriteRune", rw_write_rune, 1, 1},
    {"Flush", rw_flush, 0, 0},
    {"Available", rw_available, 0, 0},
    {NULL, NULL, 0, 0},
};

static Value rw_field(Value self, ObjString *name)
{
    ReadWriter *rw = rw_of(self);
    if (rw && strcmp(name->data, "Reader") == 0)
        return rw->r;
    if (rw && strcmp(name->data, "Writer") == 0)
        return rw->w;
    return V_UNDEF;
}

static int64_t rw_stream_read(Thread *t, void *payload, char *p, size_t n, Value *err)
{
    return stream_read(t, "bufio.ReadWriter", ((ReadWriter *)payload)->r, p, n, err);
}

static int64_t rw_stream_write(Thread *t, void *payload, const char *p, size_t n, Value *err)
{
    return stream_write(t, "bufio.ReadWriter", ((ReadWriter *)payload)->w, p, n, err);
}

static const ObjClass rw_class = {.name = "*bufio.ReadWriter", .methods = rw_methods, .get_field = rw_field};
static const StreamOps rw_ops = {&rw_class, rw_stream_read, rw_stream_write};

static int bufio_n_new_read_writer(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (args[0] != V_NIL && !reader_of(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "bufio.NewReadWriter", 1, "*bufio.Reader", v_type_name(args[0]));
    if (args[1] != V_NIL && !writer_of(args[1]))
        return vm_panicf(t, E_ARG_TYPE, "bufio.NewReadWriter", 2, "*bufio.Writer", v_type_name(args[1]));
    ReadWriter *rw = mem_alloc(sizeof *rw);
    rw->r = args[0];
    rw->w = args[1];
    rets[0] = v_from_ptr(object_new(&rw_class, rw));
    return 1;
}

/* ====================================================================== */
/* the module                                                              */
/* ====================================================================== */

static const ModuleFn bufio_fns[] = {
    {"NewScanner", bufio_n_new_scanner, 1, 1, "func(io.Reader) *bufio.Scanner"},
    {"NewReader", bufio_n_new_reader, 1, 1, "func(io.Reader) *bufio.Reader"},
    {"NewReadWriter", bufio_n_new_read_writer, 2, 2, "func(*bufio.Reader, *bufio.Writer) *bufio.ReadWriter"},
    {"NewReaderSize", bufio_n_new_reader, 2, 2, "func(io.Reader, int) *bufio.Reader"},
    {"NewWriter", bufio_n_new_writer, 1, 1, "func(io.Writer) *bufio.Writer"},
    {"NewWriterSize", bufio_n_new_writer, 2, 2, "func(io.Writer, int) *bufio.Writer"},
    {"ScanLines", bufio_n_scan_lines, 2, 2, "func([]byte, bool) (int, []byte, error)"},
    {"ScanWords", bufio_n_scan_words, 2, 2, "func([]byte, bool) (int, []byte, error)"},
    {"ScanRunes", bufio_n_scan_runes, 2, 2, "func([]byte, bool) (int, []byte, error)"},
    {"ScanBytes", bufio_n_scan_bytes, 2, 2, "func([]byte, bool) (int, []byte, error)"},
    {"Scanner", bufio_n_scanner_zero, 0, 0, NULL},
    {"Reader", bufio_n_reader_zero, 0, 0, NULL},
    {"Writer", bufio_n_writer_zero, 0, 0, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt bufio_ints[] = {
    {"MaxScanTokenSize", BUFIO_MAX_TOKEN},
    {NULL, 0},
};

static void bufio_open(ObjModule *m)
{
    err_too_long = stdlib_error(E_BUFIO_TOO_LONG);
    err_final_token = stdlib_error(E_BUFIO_FINAL_TOKEN);
    err_buffer_full = stdlib_error(E_BUFIO_BUFFER_FULL);
    err_negative_count = stdlib_error(E_BUFIO_NEG_COUNT);
    err_unread_byte = stdlib_error(E_BUFIO_UNREAD_BYTE);
    err_unread_rune = stdlib_error(E_BUFIO_UNREAD_RUNE);
    err_negative_advance = stdlib_error(E_BUFIO_NEG_ADVANCE);
    err_advance_too_far = stdlib_error(E_BUFIO_ADVANCE_TOO_FAR);
    stream_register(&reader_ops);
    stream_register(&writer_ops);
    stream_register(&rw_ops);
    module_add_fns(m, bufio_fns);
    module_add_ints(m, bufio_ints);
    module_add(m, "ErrTooLong", err_too_long);
    module_add(m, "ErrFinalToken", err_final_token);
    module_add(m, "ErrBufferFull", err_buffer_full);
    module_add(m, "ErrNegativeCount", err_negative_count);
    module_add_type(m, "Scanner", TYPE_OBJECT);
    module_add_type(m, "Reader", TYPE_OBJECT);
    module_add_type(m, "Writer", TYPE_OBJECT);
}

const ModuleDef csp_module_bufio = {"bufio", bufio_open};
