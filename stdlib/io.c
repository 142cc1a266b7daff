/* io.c — the io module (EOF, ReadAll, Copy, ReadFull, Discard,
 * MultiWriter...) and the stdlib's readers and writers (stream.h).
 *
 * io.EOF is one shared error value (stdlib_eof), so `err == io.EOF` holds
 * for whichever module's reader returned it.
 *
 * A reader or writer is found in this order: a native class registered
 * with stream_register (os.File, bufio's types, io.Discard...), a
 * strings.Builder, else the value's Read or Write method called through
 * the VM with a []byte, as Go's interfaces would call it.
 */
#include "net.h"
#include "stream.h"

#include <pthread.h>
#include <string.h>

#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/mem.h"

static Value eof;            /* made by stdlib_init, before any script runs */
static Value unexpected_eof; /* io.ErrUnexpectedEOF, made with eof */
static Value short_write;    /* io.ErrShortWrite */
static Value short_buffer;   /* io.ErrShortBuffer */

Value stdlib_eof(void)
{
    return eof;
}

void io_make_eof(void)
{
    if (eof == 0) {
        eof = stdlib_error(E_EOF);
        unexpected_eof = stdlib_error(E_IO_UNEXPECTED_EOF);
        short_write = stdlib_error(E_IO_SHORT_WRITE);
        short_buffer = stdlib_error(E_IO_SHORT_BUFFER);
    }
}

Value io_unexpected_eof(void)
{
    return unexpected_eof;
}

/* ====================================================================== */
/* the registry of native readers and writers                              */
/* ====================================================================== */

#define STREAM_MAX_CLASSES 32
/* Appended under stream_lock, published by the release store of
 * nstreams; readers load nstreams (acquire) and then read the entries
 * below it, which never change. */
static const StreamOps *streams[STREAM_MAX_CLASSES];
static int nstreams;
static pthread_mutex_t stream_lock = PTHREAD_MUTEX_INITIALIZER;

void stream_register(const StreamOps *ops)
{
    pthread_mutex_lock(&stream_lock);
    int n = __atomic_load_n(&nstreams, __ATOMIC_RELAXED);
    bool dup = false;
    for (int i = 0; i < n; i++)
        dup |= streams[i] == ops;
    if (!dup && n < STREAM_MAX_CLASSES) {
        streams[n] = ops;
        __atomic_store_n(&nstreams, n + 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&stream_lock);
}

static const StreamOps *ops_of(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT))
        return NULL;
    const ObjClass *cls = ((ObjObject *)v_ptr(v))->cls;
    int n = __atomic_load_n(&nstreams, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (streams[i]->cls == cls)
            return streams[i];
    return NULL;
}

/* ====================================================================== */
/* calling methods                                                         */
/* ====================================================================== */

int stream_error_text(Thread *t, Value e, Buf *b)
{
    e = iface_unbox(e);
    if (v_is_obj(e, OBJ_ERROR)) {
        ObjString *m = ((ObjError *)v_ptr(e))->msg;
        buf_add(b, m->data, m->len);
        return 0;
    }
    int nr = stream_call(t, e, "Error", NULL, 0);
    if (nr == -1)
        return -1; /* -2: no Error method, printed as a value below */
    if (nr >= 1 && v_is_str(t->rets[0]))
        buf_add(b, v_str(t->rets[0])->data, v_str(t->rets[0])->len);
    else
        format_value(b, e);
    return 0;
}

int stream_call(Thread *t, Value v, const char *name, const Value *args, int nargs)
{
    Value fn, recv;
    Value v0 = iface_unbox(v);
    if (v_is_obj(v0, OBJ_OBJECT)) {
        ObjNative *m = class_method(((ObjObject *)v_ptr(v0))->cls, str_cstr(name));
        if (!m)
            return -2;
        fn = v_from_ptr(m);
        recv = v0;
    } else if (!format_method(v, name, &fn, &recv)) {
        return -2;
    }
    Value small[8];
    Value *a = nargs + 1 <= 8 ? small : mem_alloc(sizeof(Value) * (size_t)(nargs + 1));
    a[0] = recv;
    for (int i = 0; i < nargs; i++)
        a[i + 1] = args[i];
    return vm_call(t, fn, a, nargs + 1);
}

bool stream_has_method(Value v, const char *name)
{
    Value v0 = iface_unbox(v);
    if (v_is_obj(v0, OBJ_OBJECT))
        return class_method(((ObjObject *)v_ptr(v0))->cls, str_cstr(name)) != NULL;
    Value fn, recv;
    return format_method(v, name, &fn, &recv);
}

bool stream_is_reader(Value v)
{
    const StreamOps *o = ops_of(v);
    return o ? o->read != NULL : stream_has_method(v, "Read");
}

bool stream_is_writer(Value v)
{
    const StreamOps *o = ops_of(v);
    if (o)
        return o->write != NULL;
    return strings_builder_write(v, "", 0) || stream_has_method(v, "Write");
}

/* The (int, error) pair a Read or Write method returned, in t->rets. */
static int64_t method_result(Thread *t, int nr, size_t max, Value *err)
{
    int64_t got = nr >= 1 && v_is_anyint(t->rets[0]) ? v_anyint(t->rets[0]) : 0;
    *err = nr >= 2 ? t->rets[1] : V_NIL;
    if (got < 0)
        got = 0;
    if ((uint64_t)got > max)
        got = (int64_t)max;
    return got;
}

#define STREAM_SCRIPT_CHUNK 8192

int64_t stream_read(Thread *t, const char *fname, Value r, char *p, size_t n, Value *err)
{
    *err = V_NIL;
    const StreamOps *o = ops_of(r);
    if (o && o->read)
        return o->read(t, ((ObjObject *)v_ptr(r))->payload, p, n, err);
    /* a script's Read gets a []byte of 8-byte elements: at most
     * STREAM_SCRIPT_CHUNK of them per call (a reader may return fewer
     * bytes than asked anyway; callers loop) */
    if (n > STREAM_SCRIPT_CHUNK)
        n = STREAM_SCRIPT_CHUNK;
    ObjList *buf = bytes_zeroed(n);
    Value arg = v_from_ptr(buf);
    int nr = stream_call(t, r, "Read", &arg, 1);
    if (nr == -1)
        return -1;
    if (nr == -2) {
        vm_panicf(t, E_ARG_TYPE, fname, 1, "an io.Reader", v_type_name(r));
        return -1;
    }
    int64_t got = method_result(t, nr, n, err);
    Value e;
    for (int64_t i = 0; i < got; i++)
        p[i] = list_get(buf, i, &e) && v_is_anyint(e) ? (char)v_anyint(e) : 0;
    return got;
}

int64_t stream_write(Thread *t, const char *fname, Value w, const char *p, size_t n, Value *err)
{
    *err = V_NIL;
    const StreamOps *o = ops_of(w);
    if (o && o->write)
        return o->write(t, ((ObjObject *)v_ptr(w))->payload, p, n, err);
    if (strings_builder_write(w, p, n))
        return (int64_t)n;
    Value arg = bytes_new(p, n);
    int nr = stream_call(t, w, "Write", &arg, 1);
    if (nr == -1)
        return -1;
    if (nr == -2) {
        vm_panicf(t, E_ARG_TYPE, fname, 1, "an io.Writer", v_type_name(w));
        return -1;
    }
    int64_t got = method_result(t, nr, n, err);
    if (*err == V_NIL && (size_t)got < n)
        *err = short_write; /* Go's io.Copy says so of a short write */
    return got;
}

/* ====================================================================== */
/* io.Discard and io.MultiWriter                                           */
/* ====================================================================== */

static int64_t discard_write(Thread *t, void *payload, const char *p, size_t n, Value *err)
{
    (void)t, (void)payload, (void)p, (void)err;
    return (int64_t)n;
}

static int obj_write(Thread *t, Value *args, int nargs, Value *rets);
static int obj_write_string(Thread *t, Value *args, int nargs, Value *rets);

static const MethodDef discard_methods[] = {
    {"Write", obj_write, 1, 1},
    {"WriteString", obj_write_string, 1, 1},
    {NULL, NULL, 0, 0},
};
static const ObjClass discard_class = {.name = "io.discard", .methods = discard_methods, .get_field = NULL};
static const StreamOps discard_ops = {&discard_class, NULL, discard_write};

/* A MultiWriter's writers, fixed when it is made. */
typedef struct Multi {
    int n;
    Value w[];
} Multi;

static int64_t multi_write(Thread *t, void *payload, const char *p, size_t n, Value *err)
{
    Multi *m = payload;
    for (int i = 0; i < m->n; i++) {
        int64_t w = stream_write(t, "io.MultiWriter", m->w[i], p, n, err);
        if (w < 0)
            return -1;
        if (*err != V_NIL)
            return w;
        if ((size_t)w != n) {
            *err = short_write;
            return w;
        }
    }
    return (int64_t)n;
}

static const MethodDef multi_methods[] = {
    {"Write", obj_write, 1, 1},
    {"WriteString", obj_write_string, 1, 1},
    {NULL, NULL, 0, 0},
};
static const ObjClass multi_class = {.name = "*io.multiWriter", .methods = multi_methods, .get_field = NULL};
static const StreamOps multi_ops = {&multi_class, NULL, multi_write};

/* Write and WriteString of a native writer: through its ops. */
static int obj_write(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Buf b;
    buf_init(&b);
    if (!bytes_read(args[1], &b))
        return vm_panicf(t, E_ARG_TYPE, "Write", 1, "[]byte", v_type_name(args[1]));
    Value err;
    int64_t n = stream_write(t, "Write", args[0], b.data, b.len, &err);
    if (n < 0)
        return -1;
    rets[0] = v_make_int(n);
    rets[1] = err;
    return 2;
}

static int obj_write_string(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *s;
    if (!vm_check_str(t, "WriteString", args + 1, 0, &s))
        return -1;
    (void)nargs;
    Value err;
    int64_t n = stream_write(t, "WriteString", args[0], s->data, s->len, &err);
    if (n < 0)
        return -1;
    rets[0] = v_make_int(n);
    rets[1] = err;
    return 2;
}

static int io_n_multi_writer(Thread *t, Value *args, int nargs, Value *rets)
{
    Multi *m = mem_alloc(sizeof *m + sizeof(Value) * (size_t)nargs);
    m->n = 0;
    for (int i = 0; i < nargs; i++) {
        Value w = args[i];
        if (!stream_is_writer(w))
            return vm_panicf(t, E_ARG_TYPE, "io.MultiWriter", i + 1, "an io.Writer", v_type_name(w));
        m->w[m->n++] = w;
    }
    rets[0] = v_from_ptr(object_new(&multi_class, m));
    return 1;
}

/* ====================================================================== */
/* io.LimitReader, TeeReader, MultiReader, NopCloser                       */
/* ====================================================================== */

/* The readers io makes: what each wraps. Fields are the caller's, as a
 * Go reader's are (one goroutine reads one reader). */
typedef struct Wrap {
    int kind;     /* WRAP_* */
    Value r, w;   /* the reader; TeeReader's writer */
    int64_t left; /* LimitReader: bytes it may still give */
    int n, next;  /* MultiReader: readers[next..n) are left */
    Value rs[];
} Wrap;
enum { WRAP_LIMIT, WRAP_TEE, WRAP_MULTI, WRAP_NOP };

static int64_t wrap_read(Thread *t, void *payload, char *p, size_t n, Value *err)
{
    Wrap *x = payload;
    *err = V_NIL;
    switch (x->kind) {
    case WRAP_LIMIT: {
        if (x->left <= 0) {
            *err = eof;
            return 0;
        }
        if ((uint64_t)x->left < n)
            n = (size_t)x->left;
        int64_t k = stream_read(t, "io.LimitReader", x->r, p, n, err);
        if (k > 0)
            x->left -= k;
        return k;
    }
    case WRAP_TEE: {
        int64_t k = stream_read(t, "io.TeeReader", x->r, p, n, err);
        if (k > 0) {
            Value werr;
            int64_t m = stream_write(t, "io.TeeReader", x->w, p, (size_t)k, &werr);
            if (m < 0)
                return -1;
            if (werr != V_NIL)
                *err = werr;
        }
        return k;
    }
    case WRAP_MULTI:
        while (x->next < x->n) {
            int64_t k = stream_read(t, "io.MultiReader", x->rs[x->next], p, n, err);
            if (k < 0)
                return -1;
            if (*err == eof) {
                x->next++;
                *err = V_NIL;
                if (k > 0)
                    return k;
                continue;
            }
            return k;
        }
        *err = eof;
        return 0;
    default:
        return stream_read(t, "io.NopCloser", x->r, p, n, err);
    }
}

static int wrap_read_m(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value bv = args[1];
    if (bv != V_NIL && !v_is_obj(bv, OBJ_LIST))
        return vm_panicf(t, E_ARG_TYPE, "Read", 1, "[]byte", v_type_name(bv));
    size_t n = bv == V_NIL ? 0 : LIST_GET(v_list(bv), len);
    char *tmp = mem_alloc_atomic(n ? n : 1);
    Value err;
    int64_t got = n ? stream_read(t, "Read", args[0], tmp, n, &err) : 0;
    if (got < 0)
        return -1;
    if (!n)
        err = V_NIL;
    if (got > 0)
        bytes_copy_into(v_list(bv), tmp, (size_t)got);
    rets[0] = v_make_int(got);
    rets[1] = err;
    return 2;
}

static int wrap_close_m(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = V_NIL;
    return 1;
}

static const MethodDef wrap_methods[] = {
    {"Read", wrap_read_m, 1, 1},
    {"Close", wrap_close_m, 0, 0},
    {NULL, NULL, 0, 0},
};
static const ObjClass limit_class = {.name = "*io.LimitedReader", .methods = wrap_methods, .get_field = NULL};
static const ObjClass tee_class = {.name = "*io.teeReader", .methods = wrap_methods, .get_field = NULL};
static const ObjClass multi_reader_class = {
    .name = "*io.multiReader", .methods = wrap_methods, .get_field = NULL};
static const ObjClass nop_class = {.name = "io.nopCloser", .methods = wrap_methods, .get_field = NULL};
static const StreamOps limit_ops = {&limit_class, wrap_read, NULL};
static const StreamOps tee_ops = {&tee_class, wrap_read, NULL};
static const StreamOps multi_reader_ops = {&multi_reader_class, wrap_read, NULL};
static const StreamOps nop_ops = {&nop_class, wrap_read, NULL};

static Wrap *wrap_new(int kind, Value r, int n)
{
    Wrap *x = mem_alloc(sizeof *x + sizeof(Value) * (size_t)n);
    x->kind = kind;
    x->r = r;
    x->w = V_NIL;
    x->left = 0;
    x->n = n;
    x->next = 0;
    return x;
}

static int io_n_limit_reader(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t n;
    if (!vm_check_int(t, "io.LimitReader", args, 1, &n))
        return -1;
    if (!stream_is_reader(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "io.LimitReader", 1, "an io.Reader", v_type_name(args[0]));
    Wrap *x = wrap_new(WRAP_LIMIT, args[0], 0);
    x->left = n;
    rets[0] = v_from_ptr(object_new(&limit_class, x));
    return 1;
}

static int io_n_tee_reader(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (!stream_is_reader(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "io.TeeReader", 1, "an io.Reader", v_type_name(args[0]));
    if (!stream_is_writer(args[1]))
        return vm_panicf(t, E_ARG_TYPE, "io.TeeReader", 2, "an io.Writer", v_type_name(args[1]));
    Wrap *x = wrap_new(WRAP_TEE, args[0], 0);
    x->w = args[1];
    rets[0] = v_from_ptr(object_new(&tee_class, x));
    return 1;
}

static int io_n_multi_reader(Thread *t, Value *args, int nargs, Value *rets)
{
    Wrap *x = wrap_new(WRAP_MULTI, V_NIL, nargs);
    for (int i = 0; i < nargs; i++) {
        if (!stream_is_reader(args[i]))
            return vm_panicf(t, E_ARG_TYPE, "io.MultiReader", i + 1, "an io.Reader", v_type_name(args[i]));
        x->rs[i] = args[i];
    }
    rets[0] = v_from_ptr(object_new(&multi_reader_class, x));
    return 1;
}

static int io_n_nop_closer(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    if (!stream_is_reader(args[0]))
        return vm_panicf(t, E_ARG_TYPE, "io.NopCloser", 1, "an io.Reader", v_type_name(args[0]));
    rets[0] = v_from_ptr(object_new(&nop_class, wrap_new(WRAP_NOP, args[0], 0)));
    return 1;
}

/* ====================================================================== */
/* the functions                                                           */
/* ====================================================================== */

#define IO_CHUNK 32768

static int io_n_read_all(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value r = args[0];
    Buf b;
    buf_init(&b);
    buf_reserve(&b, 512);
    for (;;) {
        if (b.cap - b.len < 512)
            buf_reserve(&b, b.cap);
        Value err;
        int64_t n = stream_read(t, "io.ReadAll", r, b.data + b.len, b.cap - b.len, &err);
        if (n < 0)
            return -1;
        b.len += (size_t)n;
        if (err != V_NIL) {
            rets[0] = bytes_new(b.data, b.len);
            rets[1] = err == eof ? V_NIL : err;
            return 2;
        }
    }
}

/* Copy from r to w until EOF or, with limit >= 0, limit bytes. */
static int64_t copy_stream(Thread *t, const char *fname, Value w, Value r, int64_t limit, Value *err)
{
    if (!stream_is_writer(w)) {
        vm_panicf(t, E_ARG_TYPE, fname, 1, "an io.Writer", v_type_name(w));
        return -1;
    }
    if (!stream_is_reader(r)) {
        vm_panicf(t, E_ARG_TYPE, fname, 2, "an io.Reader", v_type_name(r));
        return -1;
    }
    int64_t copied = net_copy(t, fname, w, r, limit, err);
    if (copied != -2)
        return copied;
    char *chunk = mem_alloc_atomic(IO_CHUNK);
    int64_t total = 0;
    *err = V_NIL;
    while (limit < 0 || total < limit) {
        size_t want = IO_CHUNK;
        if (limit >= 0 && (uint64_t)(limit - total) < want)
            want = (size_t)(limit - total);
        Value rerr, werr;
        int64_t n = stream_read(t, fname, r, chunk, want, &rerr);
        if (n < 0)
            return -1;
        if (n > 0) {
            int64_t m = stream_write(t, fname, w, chunk, (size_t)n, &werr);
            if (m < 0)
                return -1;
            total += m;
            if (werr != V_NIL) {
                *err = werr;
                return total;
            }
            if (m != n) {
                *err = short_write;
                return total;
            }
        }
        if (rerr != V_NIL) {
            if (rerr != eof)
                *err = rerr;
            else if (limit >= 0 && total < limit)
                *err = eof; /* CopyN: fewer bytes than asked */
            return total;
        }
    }
    return total;
}

static int io_n_copy(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value err;
    int64_t n = copy_stream(t, "io.Copy", args[0], args[1], -1, &err);
    if (n < 0)
        return -1;
    rets[0] = v_make_int(n);
    rets[1] = err;
    return 2;
}

static int io_n_copy_n(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t limit;
    if (!vm_check_int(t, "io.CopyN", args, 2, &limit))
        return -1;
    Value err;
    int64_t n = limit <= 0 ? 0 : copy_stream(t, "io.CopyN", args[0], args[1], limit, &err);
    if (n < 0)
        return -1;
    rets[0] = v_make_int(n);
    rets[1] = limit <= 0 ? V_NIL : err;
    return 2;
}

static int io_n_write_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "io.WriteString", args, 1, &s))
        return -1;
    Value w = args[0];
    Value err;
    int64_t n;
    if (!ops_of(w) && !strings_builder_write(w, "", 0) && stream_has_method(w, "WriteString")) {
        Value a = v_from_ptr(s);
        int nr = stream_call(t, w, "WriteString", &a, 1);
        if (nr < 0)
            return -1;
        n = method_result(t, nr, s->len, &err);
    } else {
        n = stream_write(t, "io.WriteString", w, s->data, s->len, &err);
        if (n < 0)
            return -1;
    }
    rets[0] = v_make_int(n);
    rets[1] = err;
    return 2;
}

/* io.ReadAtLeast(r, buf, min): reads into the script's []byte. */
static int read_at_least(Thread *t, const char *fname, Value r, Value bufv, int64_t min, Value *rets)
{
    if (!v_is_obj(bufv, OBJ_LIST) && bufv != V_NIL)
        return vm_panicf(t, E_ARG_TYPE, fname, 2, "[]byte", v_type_name(bufv));
    ObjList *dst = bufv == V_NIL ? NULL : v_list(bufv);
    int64_t len = dst ? (int64_t)LIST_GET(dst, len) : 0;
    if (len < min) {
        rets[0] = v_int_small(0);
        rets[1] = short_buffer;
        return 2;
    }
    char *tmp = mem_alloc_atomic(len > 0 ? (size_t)len : 1);
    int64_t total = 0;
    Value err = V_NIL;
    while (total < min && err == V_NIL) {
        int64_t n = stream_read(t, fname, r, tmp + total, (size_t)(len - total), &err);
        if (n < 0)
            return -1;
        total += n;
    }
    if (dst)
        bytes_copy_into(dst, tmp, (size_t)total);
    if (total >= min)
        err = V_NIL;
    else if (total > 0 && err == eof)
        err = unexpected_eof;
    rets[0] = v_make_int(total);
    rets[1] = err;
    return 2;
}

static int io_n_read_full(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value bufv = args[1];
    int64_t len = v_is_obj(bufv, OBJ_LIST) ? (int64_t)LIST_GET(v_list(bufv), len) : 0;
    return read_at_least(t, "io.ReadFull", args[0], bufv, len, rets);
}

static int io_n_read_at_least(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t min;
    if (!vm_check_int(t, "io.ReadAtLeast", args, 2, &min))
        return -1;
    return read_at_least(t, "io.ReadAtLeast", args[0], args[1], min, rets);
}

static const ModuleFn io_fns[] = {
    {"Copy", io_n_copy, 2, 2, "func(io.Writer, io.Reader) (int64, error)"},
    {"CopyN", io_n_copy_n, 3, 3, "func(io.Writer, io.Reader, int64) (int64, error)"},
    {"LimitReader", io_n_limit_reader, 2, 2, "func(io.Reader, int64) io.Reader"},
    {"MultiReader", io_n_multi_reader, 0, -1, "func(...io.Reader) io.Reader"},
    {"MultiWriter", io_n_multi_writer, 0, -1, "func(...io.Writer) io.Writer"},
    {"NopCloser", io_n_nop_closer, 1, 1, "func(io.Reader) io.ReadCloser"},
    {"ReadAll", io_n_read_all, 1, 1, "func(io.Reader) ([]byte, error)"},
    {"ReadAtLeast", io_n_read_at_least, 3, 3, "func(io.Reader, []byte, int) (int, error)"},
    {"ReadFull", io_n_read_full, 2, 2, "func(io.Reader, []byte) (int, error)"},
    {"TeeReader", io_n_tee_reader, 2, 2, "func(io.Reader, io.Writer) io.Reader"},
    {"WriteString", io_n_write_string, 2, 2, "func(io.Writer, string) (int, error)"},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt io_ints[] = {
    {"SeekStart", 0},
    {"SeekCurrent", 1},
    {"SeekEnd", 2},
    {NULL, 0},
};

static void io_open(ObjModule *m)
{
    module_add_ints(m, io_ints);
    stream_register(&discard_ops);
    stream_register(&multi_ops);
    stream_register(&limit_ops);
    stream_register(&tee_ops);
    stream_register(&multi_reader_ops);
    stream_register(&nop_ops);
    module_add_fns(m, io_fns);
    module_add(m, "EOF", eof);
    module_add(m, "ErrUnexpectedEOF", unexpected_eof);
    module_add(m, "ErrShortWrite", short_write);
    module_add(m, "ErrShortBuffer", short_buffer);
    module_add(m, "Discard", v_from_ptr(object_new(&discard_class, NULL)));
    static const char *const ifaces[] = {"Writer",     "Reader",          "Closer",       "ReadWriter",
                                         "ReadCloser", "WriteCloser",     "StringWriter", "ByteReader",
                                         "ByteWriter", "ReadWriteCloser", "RuneReader"};
    for (size_t i = 0; i < sizeof ifaces / sizeof ifaces[0]; i++)
        module_add_type(m, ifaces[i], TYPE_INTERFACE);
}

const ModuleDef csp_module_io = {"io", io_open};
