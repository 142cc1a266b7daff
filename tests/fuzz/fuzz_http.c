/* libFuzzer target: net/http's server on arbitrary bytes.
 *
 *   CC=clang cmake -B build-fuzz -DCSP_FUZZ=ON && cmake --build build-fuzz -j2
 *   build-fuzz/fuzz_http -max_total_time=60 /tmp/corpus
 *
 * The input is what a client sends on one connection. It goes through the
 * server's own per-connection loop (parse with libhttp_parser, route with
 * a ServeMux of Go 1.22 patterns, call the handler, write the response),
 * reading from memory in pieces whose size the input's length picks, so
 * a request split anywhere is exercised too. The responses go to memory.
 * Any input must give responses or a closed connection: never a crash, a
 * sanitizer report or a hang.
 *
 * Built without libFuzzer (-DHTTP_FUZZ_MAIN), it is a driver: each file
 * named on the command line is one connection's bytes, and the server's
 * answer is printed (the unit test tests/unit/http_requests uses it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/http.h"
#include "stdlib/stdlib.h"
#include "stdlib/stream.h"

static Runtime *rt;
static Thread *th;
static Value mux;

typedef struct MemConn {
    const uint8_t *in;
    size_t n, pos, piece;
    Buf out;
} MemConn;

static int64_t mem_read(Thread *t, void *ctx, char *p, size_t n, Value *err)
{
    MemConn *c = ctx;
    (void)t;
    *err = V_NIL;
    if (c->pos >= c->n) {
        *err = stdlib_eof();
        return 0;
    }
    size_t k = c->n - c->pos;
    if (k > c->piece)
        k = c->piece;
    if (k > n)
        k = n;
    memcpy(p, c->in + c->pos, k);
    c->pos += k;
    return (int64_t)k;
}

static int64_t mem_write(Thread *t, void *ctx, const char *p, size_t n, Value *err)
{
    MemConn *c = ctx;
    (void)t;
    *err = V_NIL;
    buf_add(&c->out, p, n);
    return (int64_t)n;
}

/* The handlers: text with a path value, the form, the body echoed, a big
 * chunked answer, and headers. Each calls the ResponseWriter's methods
 * as a script would. */
static int write_str(Value w, const char *s)
{
    Value err;
    return (int)stream_write(th, "fuzz", w, s, strlen(s), &err);
}

static int h_item(Thread *t, Value *a, int n, Value *r)
{
    Value k = v_cstr("id");
    if (stream_call(t, a[1], "PathValue", &k, 1) < 1)
        return -1;
    Value id = t->rets[0];
    write_str(a[0], "item ");
    return write_str(a[0], v_str(id)->data) < 0 ? -1 : 0;
}

static int h_form(Thread *t, Value *a, int n, Value *r)
{
    Value k = v_cstr("name");
    if (stream_call(t, a[1], "FormValue", &k, 1) < 1)
        return -1;
    Value v = t->rets[0];
    return write_str(a[0], v_str(v)->data) < 0 ? -1 : 0;
}

static int h_echo(Thread *t, Value *a, int n, Value *r)
{
    Value body = vm_bind_method(t, a[1], str_cstr("Body"));
    if (body == V_UNDEF)
        return -1;
    char buf[512];
    for (;;) {
        Value err;
        int64_t k = stream_read(t, "fuzz", body, buf, sizeof buf, &err);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        Value e2;
        if (stream_write(t, "fuzz", a[0], buf, (size_t)k, &e2) < 0)
            return -1;
    }
    return 0;
}

static int h_big(Thread *t, Value *a, int n, Value *r)
{
    if (stream_call(t, a[0], "Header", NULL, 0) < 1)
        return -1;
    Value h = t->rets[0];
    Value kv[2] = {v_cstr("x-test"), v_cstr("yes")};
    if (stream_call(t, h, "Set", kv, 2) < 0)
        return -1;
    Value code = v_int_small(201);
    if (stream_call(t, a[0], "WriteHeader", &code, 1) < 0)
        return -1;
    for (int i = 0; i < 100; i++)
        if (write_str(a[0], "0123456789012345678901234567890123456789\n") < 0)
            return -1;
    return 0;
}

static void setup(void)
{
    static char *args[] = {"fuzz.csp", NULL};
    rt_gc_init(0);
    rt = rt_new();
    stdlib_init(rt, 1, args);
    th = thread_new(rt);
    if (!stdlib_module("http", 4, false) || !stdlib_module("io", 2, false))
        abort();
    mux = http_new_mux();
    static const struct {
        const char *pattern, *name;
        NativeFn fn;
    } routes[] = {
        {"GET /items/{id}", "item", h_item},   {"/form", "form", h_form},
        {"POST /echo", "echo", h_echo},        {"/big/", "big", h_big},
        {"/files/{rest...}", "item2", h_item}, {"example.com/{$}", "host", h_form},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        if (http_mux_handle(th, mux, routes[i].pattern,
                            v_from_ptr(native_new(routes[i].name, routes[i].fn, 2, 2))) < 0)
            abort();
}

/* The connection's bytes, read in pieces of `piece` bytes. */
static void serve(const uint8_t *data, size_t size, size_t piece, Buf *out)
{
    MemConn c = {.in = data, .n = size, .piece = piece};
    buf_init(&c.out);
    HttpIO io = {.ctx = &c, .read = mem_read, .write = mem_write, .deadline = NULL};
    http_serve_io(th, &io, mux, "192.0.2.1:1234");
    if (out)
        *out = c.out;
}

#ifndef HTTP_FUZZ_MAIN
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the input's length picks the read size (1 to 61 bytes, or all at
     * once), so the seeds stay requests and every split gets tried */
    size_t piece = size % 62 == 61 ? (size_t)-1 : size % 62 + 1;
    serve(data, size, piece, NULL);
    return 0;
}
#else
int main(int argc, char **argv)
{
    setup();
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        Buf in;
        buf_init(&in);
        char tmp[4096];
        size_t k;
        while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
            buf_add(&in, tmp, k);
        fclose(f);
        /* the driver gives the server the whole input at once */
        Buf out;
        buf_init(&out);
        serve((const uint8_t *)(in.data ? in.data : ""), in.len, (size_t)-1, &out);
        printf("== %s\n", argv[i]);
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
        printf("\n");
    }
    return 0;
}
#endif
