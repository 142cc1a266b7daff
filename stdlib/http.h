/* http.h — the server's per-connection loop, for its users other than
 * the server itself (the fuzz target, tests/fuzz/fuzz_http.c).
 *
 * A connection's bytes come from an HttpIO: the server's reads and writes
 * go to a net.Conn, the fuzzer's to memory. The loop parses requests
 * (libhttp_parser), calls the handler, and writes each response with one
 * write. Defined in http.c.
 */
#ifndef CSP_HTTP_H
#define CSP_HTTP_H

#include "stdlib.h"

typedef struct HttpIO {
    void *ctx;
    /* Some bytes (>= 1), 0 with *err at the end (io.EOF) or on an error,
     * -1 after a panic recorded in t. */
    int64_t (*read)(Thread *t, void *ctx, char *p, size_t n, Value *err);
    /* All of p, or fewer with *err; -1 after a panic. */
    int64_t (*write)(Thread *t, void *ctx, const char *p, size_t n, Value *err);
    /* Read and/or write deadline at sched_nanotime() instant `when` (0:
     * none); may be NULL (no deadlines). */
    void (*deadline)(void *ctx, bool rd, bool wr, int64_t when);
} HttpIO;

/* Serve one connection until it closes: requests from io, each given to
 * handler (a ServeMux, a func(w, r), or a value with ServeHTTP; nil:
 * DefaultServeMux). remote is Request.RemoteAddr. */
void http_serve_io(Thread *t, const HttpIO *io, Value handler, const char *remote);
/* http.NewServeMux() and mux.HandleFunc(pattern, f) for C callers. */
Value http_new_mux(void);
int http_mux_handle(Thread *t, Value mux, const char *pattern, Value handler);

#endif
