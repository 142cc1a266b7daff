/* http.c — net/http: the server, ServeMux, and the client.
 *
 * HTTP/1.1 is parsed by libhttp_parser (requests on the server, responses
 * in the client); this file never parses the message syntax itself.
 *
 * Server: Serve accepts on a net.Listener and starts one goroutine per
 * connection (serve_conn). That goroutine reads into the connection's
 * buffer, feeds the parser, and once a request's header is in builds a
 * *Request and a ResponseWriter and calls the handler; the handler's
 * r.Body reads go on feeding the parser from the same connection
 * (conn_body_read), so a body of any size streams through.
 * The response is gathered in memory: a handler whose output fits 2 KiB
 * gets a Content-Length, a longer one goes out chunked as it is written;
 * either way the header and the first bytes leave in one write. The
 * per-connection code reads and writes through an HttpIO, so the fuzz
 * target drives it over memory.
 *
 * ServeMux implements Go 1.22's patterns: "[METHOD ][HOST]/path" with
 * {name}, {name...} and {$} segments; the most specific match wins
 * (literal segments over wildcards, longer over shorter, a method over
 * none, a host over none); 405 with Allow when only the method differs;
 * 301 to the subtree's root with its trailing slash, and to the cleaned
 * path.
 *
 * Client: dial (or take an idle connection from the pool), write the
 * request, parse the response whole; the connection goes back to the
 * pool when both sides keep it alive. Client.Timeout and a context's
 * deadline become the connection's deadlines; a context's cancellation
 * closes the connection.
 */
#include <dirent.h>
#include <errno.h>
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "../vm/chan.h"
#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/lock.h"
#include "../vm/mem.h"
#include "../vm/sched.h"
#include "bytesval.h"
#include "http.h"
#include "net.h"
#include "stream.h"
#include "url.h"

/* Go's DefaultMaxHeaderBytes, and the slack its reader allows past it. */
#define MAX_HEADER_BYTES ((1 << 20) + 4096)
/* Go's bufferBeforeChunkingSize: a response this long or shorter gets a
 * Content-Length. */
#define CHUNK_AFTER 2048

/* ---- small helpers --------------------------------------------------- */

static Value member(const char *module, const char *name)
{
    ObjModule *m = stdlib_module(module, strlen(module), false);
    Value v = V_NIL;
    if (m)
        map_get_cstr(m->members, name, &v);
    return v;
}

static void *payload(Value v)
{
    return ((ObjObject *)v_ptr(v))->payload;
}

static bool is_class(Value v, const ObjClass *cls)
{
    return v_is_obj(v, OBJ_OBJECT) && ((ObjObject *)v_ptr(v))->cls == cls;
}

static ObjString *empty;
static ObjString *sstr(const char *s, size_t n)
{
    return n ? str_new(s, n) : empty;
}

static bool ieq(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (y >= 'A' && y <= 'Z')
            y += 32;
        if (x != y)
            return false;
    }
    return true;
}

/* Whether the comma-separated list v has token tok (Connection: close). */
static bool has_token(const char *v, size_t n, const char *tok)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e > s && ieq(v + s, e - s, tok))
            return true;
    }
    return false;
}

/* ---- status texts ----------------------------------------------------- */

static const struct {
    int code;
    const char *name, *text;
} statuses[] = {
    {100, "StatusContinue", "Continue"},
    {101, "StatusSwitchingProtocols", "Switching Protocols"},
    {102, "StatusProcessing", "Processing"},
    {103, "StatusEarlyHints", "Early Hints"},
    {200, "StatusOK", "OK"},
    {201, "StatusCreated", "Created"},
    {202, "StatusAccepted", "Accepted"},
    {203, "StatusNonAuthoritativeInfo", "Non-Authoritative Information"},
    {204, "StatusNoContent", "No Content"},
    {205, "StatusResetContent", "Reset Content"},
    {206, "StatusPartialContent", "Partial Content"},
    {207, "StatusMultiStatus", "Multi-Status"},
    {208, "StatusAlreadyReported", "Already Reported"},
    {226, "StatusIMUsed", "IM Used"},
    {300, "StatusMultipleChoices", "Multiple Choices"},
    {301, "StatusMovedPermanently", "Moved Permanently"},
    {302, "StatusFound", "Found"},
    {303, "StatusSeeOther", "See Other"},
    {304, "StatusNotModified", "Not Modified"},
    {305, "StatusUseProxy", "Use Proxy"},
    {307, "StatusTemporaryRedirect", "Temporary Redirect"},
    {308, "StatusPermanentRedirect", "Permanent Redirect"},
    {400, "StatusBadRequest", "Bad Request"},
    {401, "StatusUnauthorized", "Unauthorized"},
    {402, "StatusPaymentRequired", "Payment Required"},
    {403, "StatusForbidden", "Forbidden"},
    {404, "StatusNotFound", "Not Found"},
    {405, "StatusMethodNotAllowed", "Method Not Allowed"},
    {406, "StatusNotAcceptable", "Not Acceptable"},
    {407, "StatusProxyAuthRequired", "Proxy Authentication Required"},
    {408, "StatusRequestTimeout", "Request Timeout"},
    {409, "StatusConflict", "Conflict"},
    {410, "StatusGone", "Gone"},
    {411, "StatusLengthRequired", "Length Required"},
    {412, "StatusPreconditionFailed", "Precondition Failed"},
    {413, "StatusRequestEntityTooLarge", "Request Entity Too Large"},
    {414, "StatusRequestURITooLong", "Request URI Too Long"},
    {415, "StatusUnsupportedMediaType", "Unsupported Media Type"},
    {416, "StatusRequestedRangeNotSatisfiable", "Requested Range Not Satisfiable"},
    {417, "StatusExpectationFailed", "Expectation Failed"},
    {418, "StatusTeapot", "I'm a teapot"},
    {421, "StatusMisdirectedRequest", "Misdirected Request"},
    {422, "StatusUnprocessableEntity", "Unprocessable Entity"},
    {423, "StatusLocked", "Locked"},
    {424, "StatusFailedDependency", "Failed Dependency"},
    {425, "StatusTooEarly", "Too Early"},
    {426, "StatusUpgradeRequired", "Upgrade Required"},
    {428, "StatusPreconditionRequired", "Precondition Required"},
    {429, "StatusTooManyRequests", "Too Many Requests"},
    {431, "StatusRequestHeaderFieldsTooLarge", "Request Header Fields Too Large"},
    {451, "StatusUnavailableForLegalReasons", "Unavailable For Legal Reasons"},
    {500, "StatusInternalServerError", "Internal Server Error"},
    {501, "StatusNotImplemented", "Not Implemented"},
    {502, "StatusBadGateway", "Bad Gateway"},
    {503, "StatusServiceUnavailable", "Service Unavailable"},
    {504, "StatusGatewayTimeout", "Gateway Timeout"},
    {505, "StatusHTTPVersionNotSupported", "HTTP Version Not Supported"},
    {506, "StatusVariantAlsoNegotiates", "Variant Also Negotiates"},
    {507, "StatusInsufficientStorage", "Insufficient Storage"},
    {508, "StatusLoopDetected", "Loop Detected"},
    {510, "StatusNotExtended", "Not Extended"},
    {511, "StatusNetworkAuthenticationRequired", "Network Authentication Required"},
};

static const char *status_text(int64_t code)
{
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
        if (statuses[i].code == code)
            return statuses[i].text;
    return "";
}

static bool body_allowed(int status)
{
    return !((status >= 100 && status <= 199) || status == 204 || status == 304);
}

/* ---- Header ------------------------------------------------------------ */

/* textproto.CanonicalMIMEHeaderKey: "content-type" -> "Content-Type";
 * a key with a byte no token may hold is left as it is. */
static ObjString *canonical_key(const char *k, size_t n, ObjString *orig)
{
    bool upper = true, change = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c))
            return orig ? orig : str_new(k, n);
        if ((upper && c >= 'a' && c <= 'z') || (!upper && c >= 'A' && c <= 'Z'))
            change = true;
        upper = c == '-';
    }
    if (!change)
        return orig ? orig : str_new(k, n);
    ObjString *s = str_new(k, n);
    upper = true;
    for (size_t i = 0; i < n; i++) {
        char c = s->data[i];
        if (upper && c >= 'a' && c <= 'z')
            s->data[i] = (char)(c - 32);
        else if (!upper && c >= 'A' && c <= 'Z')
            s->data[i] = (char)(c + 32);
        upper = c == '-';
    }
    return s;
}

/* A Header is Go's: the declared type http.Header, a map[string][]string
 * with canonical keys and the methods below (a script ranges over it,
 * indexes it, prints it and writes http.Header{"X": {"a"}} as in Go).
 * Like Go's maps it is not for concurrent writers. */
typedef ObjMap Hdr;

static ObjType *header_type; /* made when the module opens */
static const ObjType *strings_ty;

static Value header_new(Hdr **out)
{
    ObjMap *m = map_new(0);
    types_map_init(m, header_type);
    m->type = header_type;
    *out = m;
    return v_from_ptr(m);
}

static bool is_header(Value v)
{
    return v_is_obj(v, OBJ_MAP) && map_type(v_map(v)) == header_type;
}

static ObjList *str_list(ObjString *v)
{
    ObjList *l = list_new(0, 1);
    list_set_type(l, strings_ty);
    list_append(l, v_from_ptr(v));
    return l;
}

/* The first value of canonical key k, or NULL. */
static ObjString *hdr_first(Hdr *h, ObjString *k)
{
    Value l, v;
    if (!map_get(h, v_from_ptr(k), &l) || !v_is_obj(l, OBJ_LIST) || !list_get(v_list(l), 0, &v) ||
        !v_is_str(v))
        return NULL;
    return v_str(v);
}

static ObjString *hdr_get(Hdr *h, const char *k)
{
    return hdr_first(h, canonical_key(k, strlen(k), NULL));
}

static void hdr_set(Hdr *h, const char *k, ObjString *v)
{
    map_set(h, v_from_ptr(canonical_key(k, strlen(k), NULL)), v_from_ptr(str_list(v)));
}

/* Add v to canonical key k (Go's h[k] = append(h[k], v)). */
static void hdr_add(Hdr *h, ObjString *k, ObjString *v)
{
    Value l;
    if (map_get(h, v_from_ptr(k), &l) && v_is_obj(l, OBJ_LIST)) {
        Value item = v_from_ptr(v);
        map_set(h, v_from_ptr(k), v_from_ptr(list_appended(v_list(l), &item, 1)));
    } else {
        map_set(h, v_from_ptr(k), v_from_ptr(str_list(v)));
    }
}

static void hdr_del(Hdr *h, const char *k)
{
    map_delete(h, v_from_ptr(canonical_key(k, strlen(k), NULL)));
}

/* Every (key, value) pair, a key's values in order; *n of them. */
static KV *hdr_pairs(Hdr *h, int *n)
{
    KVList l = {0};
    size_t cur = 0;
    Value k, vs;
    while (map_next(h, &cur, &k, &vs)) {
        if (!v_is_str(k) || !v_is_obj(vs, OBJ_LIST))
            continue;
        Value v;
        for (int64_t i = 0; list_get(v_list(vs), i, &v); i++)
            if (v_is_str(v))
                kv_add(&l, v_str(k), v_str(v));
    }
    *n = l.n;
    return l.e;
}

static int h_key_arg(Thread *t, Value *a, int i, const char *fname, ObjString **key)
{
    ObjString *k;
    if (!vm_check_str(t, fname, a, i, &k))
        return -1;
    *key = canonical_key(k->data, k->len, k);
    return 0;
}

static int map_status(Thread *t, MapStatus st)
{
    if (st == MAP_NIL)
        return vm_panicf(t, E_NIL_MAP_WRITE);
    return 0;
}

static int h_get(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k;
    if (h_key_arg(t, a, 1, "http.Header.Get", &k) < 0)
        return -1;
    ObjString *v = hdr_first(v_map(a[0]), k);
    r[0] = v_from_ptr(v ? v : empty);
    return 1;
}

static int h_values(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k;
    if (h_key_arg(t, a, 1, "http.Header.Values", &k) < 0)
        return -1;
    Value l;
    r[0] = map_get(v_map(a[0]), v_from_ptr(k), &l) ? l : v_from_ptr(list_nil(strings_ty));
    return 1;
}

static int h_set(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k, *v;
    if (h_key_arg(t, a, 1, "http.Header.Set", &k) < 0 || !vm_check_str(t, "http.Header.Set", a, 2, &v))
        return -1;
    return map_status(t, map_set(v_map(a[0]), v_from_ptr(k), v_from_ptr(str_list(v))));
}

static int h_add(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k, *v;
    if (h_key_arg(t, a, 1, "http.Header.Add", &k) < 0 || !vm_check_str(t, "http.Header.Add", a, 2, &v))
        return -1;
    if (map_is_nil(v_map(a[0])))
        return vm_panicf(t, E_NIL_MAP_WRITE);
    hdr_add(v_map(a[0]), k, v);
    return 0;
}

static int h_del(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k;
    if (h_key_arg(t, a, 1, "http.Header.Del", &k) < 0)
        return -1;
    map_delete(v_map(a[0]), v_from_ptr(k));
    return 0;
}

static int h_clone(Thread *t, Value *a, int n, Value *r)
{
    ObjMap *h = v_map(a[0]);
    if (map_is_nil(h)) {
        r[0] = a[0];
        return 1;
    }
    Hdr *c;
    r[0] = header_new(&c);
    size_t cur = 0;
    Value k, vs;
    /* each key's values copied, not shared */
    while (map_next(h, &cur, &k, &vs)) {
        if (!v_is_obj(vs, OBJ_LIST))
            continue;
        ObjList *src = v_list(vs), *dst = list_new(0, src->len ? src->len : 1);
        list_set_type(dst, strings_ty);
        Value v;
        for (int64_t i = 0; list_get(src, i, &v); i++)
            list_append(dst, v);
        map_set(c, k, v_from_ptr(dst));
    }
    return 1;
}

static void header_type_init(void)
{
    strings_ty = types_parse("[]string", 8);
    header_type = types_new_named("http.Header");
    types_define(header_type, types_parse("map[string][]string", 19));
    stdlib_method(header_type, "http.Header.Get", h_get, 1, false, "(string) string");
    stdlib_method(header_type, "http.Header.Set", h_set, 2, false, "(string, string)");
    stdlib_method(header_type, "http.Header.Add", h_add, 2, false, "(string, string)");
    stdlib_method(header_type, "http.Header.Del", h_del, 1, false, "(string)");
    stdlib_method(header_type, "http.Header.Values", h_values, 1, false, "(string) []string");
    stdlib_method(header_type, "http.Header.Clone", h_clone, 0, false, "() http.Header");
    types_register_type(header_type);
}

/* s[0..n) in HTML text, escaped as Go's html.EscapeString does (the
 * bodies of redirects and directory listings). */
static void html_escape_into(Buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<':
            buf_adds(b, "&lt;");
            break;
        case '>':
            buf_adds(b, "&gt;");
            break;
        case '&':
            buf_adds(b, "&amp;");
            break;
        case '"':
            buf_adds(b, "&#34;");
            break;
        case '\'':
            buf_adds(b, "&#39;");
            break;
        default:
            buf_addc(b, s[i]);
        }
    }
}

/* ---- the body reader ---------------------------------------------------- */

/* A request's or response's Body: the bytes, read once. */
typedef struct Body {
    Lock lk;
    ObjString *data; /* immutable; NULL: empty */
    size_t pos;      /* lk */
    bool closed;     /* lk */
    /* A served request's body comes from its connection as the handler
     * reads it (conn_body_read); conn is NULL once the request is over.
     * Read by one goroutine at a time, as Go's. */
    struct HConn *conn;
    Value err; /* immutable: what a read returns after data (nil: io.EOF) */
} Body;

static int64_t conn_body_read(Thread *t, struct HConn *c, char *dst, size_t n, Value *err);

static const ObjClass body_class;

static Value body_new(ObjString *data)
{
    Body *b = mem_alloc(sizeof *b);
    b->data = data;
    b->err = V_NIL;
    return v_from_ptr(object_new(&body_class, b));
}

static int64_t body_read(Thread *t, void *p, char *dst, size_t n, Value *err)
{
    Body *b = p;
    lock_acquire(&b->lk);
    if (b->conn || (b->closed && !b->data)) {
        struct HConn *c = b->conn;
        bool closed = b->closed;
        lock_release(&b->lk);
        if (closed || !c) {
            *err = closed ? stdlib_error(E_HTTP_BODY_CLOSED) : stdlib_eof();
            return 0;
        }
        return conn_body_read(t, c, dst, n, err);
    }
    size_t len = b->data ? b->data->len : 0;
    int64_t got = 0;
    *err = V_NIL;
    if (b->closed)
        *err = stdlib_error(E_HTTP_BODY_CLOSED);
    else if (b->pos >= len)
        *err = b->err != V_NIL ? b->err : stdlib_eof();
    else {
        size_t k = len - b->pos < n ? len - b->pos : n;
        memcpy(dst, b->data->data + b->pos, k);
        b->pos += k;
        got = (int64_t)k;
    }
    lock_release(&b->lk);
    return got;
}

static int b_read(Thread *t, Value *a, int n, Value *r)
{
    if (!bytes_param(t, "Body.Read", a, 1, false))
        return -1;
    ObjList *l = v_list(a[1]);
    size_t cap = l->len;
    char *tmp = mem_alloc_atomic(cap ? cap : 1);
    Value err;
    int64_t got = body_read(t, payload(a[0]), tmp, cap, &err);
    for (int64_t i = 0; i < got; i++)
        list_set(l, i, v_int_small((unsigned char)tmp[i]));
    r[0] = v_int_small(got);
    r[1] = err;
    return 2;
}

static int b_close(Thread *t, Value *a, int n, Value *r)
{
    Body *b = payload(a[0]);
    lock_acquire(&b->lk);
    b->closed = true;
    lock_release(&b->lk);
    r[0] = V_NIL;
    return 1;
}

/* The rest of the body, as ParseForm consumes it (Go reads at most 10 MB). */
static ObjString *body_take(Thread *t, Body *b)
{
    lock_acquire(&b->lk);
    bool streaming = b->conn != NULL;
    lock_release(&b->lk);
    if (streaming) {
        Buf all;
        buf_init(&all);
        char tmp[4096];
        for (;;) {
            Value err = V_NIL;
            int64_t k = body_read(t, b, tmp, sizeof tmp, &err);
            if (k < 0) {
                vm_clear_panic(t);
                break;
            }
            buf_add(&all, tmp, (size_t)k);
            if (k == 0 || all.len > (10 << 20))
                break;
        }
        return all.len ? buf_to_str(&all) : NULL;
    }
    lock_acquire(&b->lk);
    ObjString *s = NULL;
    size_t len = b->data ? b->data->len : 0;
    if (!b->closed && b->pos < len) {
        s = b->pos ? str_new(b->data->data + b->pos, len - b->pos) : b->data;
        b->pos = len;
    }
    lock_release(&b->lk);
    return s;
}

static const MethodDef body_methods[] = {
    {"Read", b_read, 1, 1}, {"Close", b_close, 0, 0}, {NULL, NULL, 0, 0}};
static const ObjClass body_class = {.name = "http.body", .methods = body_methods, .get_field = NULL};
static const StreamOps body_ops = {.cls = &body_class, .read = body_read, .write = NULL};

/* ---- Request ------------------------------------------------------------ */

/* Where a parsed header's name and value lie in the raw header text. */
typedef struct HOff {
    uint32_t fo, fl, vo, vl;
} HOff;

typedef struct Req {
    Lock lk; /* the fields a handler may set or build lazily */
    ObjString *method, *proto;
    int major, minor;
    Value url;      /* *url.URL */
    Value header;   /* lk: Header, nil until built from raw */
    ObjString *raw; /* the request's header bytes (server), or NULL */
    HOff *hoff;
    int nh;
    ObjString *host, *remote, *request_uri;
    int64_t content_length;
    struct HConn *conn;    /* lk: a served request's connection while it is served, else NULL */
    Value body;            /* lk: the Body reader (made on first use), or a client's body */
    Value ctx;             /* lk: nil: context.Background() (or, served, made on first use) */
    Value cancel;          /* lk: the served request's context's CancelFunc, or nil */
    bool served;           /* made by the server: its context ends with the handler */
    Value form, post_form; /* lk: url.Values after ParseForm, or nil */
    /* the ServeMux's wildcards: names and values, set before the handler */
    int npv;
    ObjString **pv_names, **pv_vals;
    ObjString *pattern;
    bool close;
} Req;

static const ObjClass req_class;

static Value req_value(Req **out)
{
    Req *q = mem_alloc(sizeof *q);
    q->method = q->proto = q->host = q->remote = q->request_uri = q->pattern = empty;
    q->header = q->body = q->ctx = q->cancel = q->form = q->post_form = V_NIL;
    q->url = V_NIL;
    *out = q;
    return v_from_ptr(object_new(&req_class, q));
}

static Req *req_of(Value v)
{
    return is_class(v, &req_class) ? payload(v) : NULL;
}

/* r.Header, built from the raw text on first use. */
static Value req_header(Req *q)
{
    lock_acquire(&q->lk);
    if (q->header == V_NIL) {
        Hdr *h;
        q->header = header_new(&h);
        for (int i = 0; q->raw && i < q->nh; i++) {
            HOff o = q->hoff[i];
            /* a served request's Host is r.Host, not in its Header (Go) */
            if (q->served && ieq(q->raw->data + o.fo, o.fl, "Host"))
                continue;
            ObjString *k = canonical_key(q->raw->data + o.fo, o.fl, NULL);
            hdr_add(h, k, sstr(q->raw->data + o.vo, o.vl));
        }
    }
    Value h = q->header;
    lock_release(&q->lk);
    return h;
}

static Value req_body(Req *q)
{
    lock_acquire(&q->lk);
    if (q->body == V_NIL) {
        q->body = body_new(NULL);
        ((Body *)payload(q->body))->conn = q->conn; /* NULL after the request: empty */
    }
    Value b = q->body;
    lock_release(&q->lk);
    return b;
}

static Value background_ctx(Thread *t)
{
    static Value bg;
    Value v = __atomic_load_n(&bg, __ATOMIC_ACQUIRE);
    if (!v) {
        if (vm_call(t, member("context", "Background"), NULL, 0) < 1)
            return V_NIL;
        v = t->rets[0];
        __atomic_store_n(&bg, v, __ATOMIC_RELEASE);
    }
    return v;
}

/* The first value of header k in the request, without building Header. */
static ObjString *req_header_get(Req *q, const char *k)
{
    lock_acquire(&q->lk);
    Value hv = q->header;
    lock_release(&q->lk);
    if (hv != V_NIL)
        return hdr_get(v_map(hv), k);
    for (int i = 0; q->raw && i < q->nh; i++)
        if (ieq(q->raw->data + q->hoff[i].fo, q->hoff[i].fl, k) &&
            !(q->served && ieq(q->raw->data + q->hoff[i].fo, q->hoff[i].fl, "Host")))
            return sstr(q->raw->data + q->hoff[i].vo, q->hoff[i].vl);
    return NULL;
}

static void parse_form(Thread *t, Req *q)
{
    lock_acquire(&q->lk);
    bool done = q->form != V_NIL;
    lock_release(&q->lk);
    if (done)
        return;
    ObjMap *form, *post;
    Value fv = url_values_new(&form), pv = url_values_new(&post);
    bool bodyful = q->method->len && (!strcmp(q->method->data, "POST") || !strcmp(q->method->data, "PUT") ||
                                      !strcmp(q->method->data, "PATCH"));
    if (bodyful) {
        ObjString *ct = req_header_get(q, "Content-Type");
        size_t ctn = ct ? ct->len : 0;
        if (ct) {
            const char *semi = memchr(ct->data, ';', ctn);
            if (semi)
                ctn = (size_t)(semi - ct->data);
            while (ctn && ct->data[ctn - 1] == ' ')
                ctn--;
        }
        if (ct && ieq(ct->data, ctn, "application/x-www-form-urlencoded")) {
            ObjString *b = body_take(t, payload(req_body(q)));
            if (b)
                url_parse_query_into(post, b->data, b->len);
        }
    }
    size_t cur = 0;
    Value pk, pvs;
    while (map_next(post, &cur, &pk, &pvs)) {
        Value v;
        for (int64_t i = 0; v_is_obj(pvs, OBJ_LIST) && list_get(v_list(pvs), i, &v); i++)
            url_values_add(form, v_str(pk), v_str(v));
    }
    Url *u = url_of(q->url);
    if (u)
        url_parse_query_into(form, u->raw_query->data, u->raw_query->len);
    lock_acquire(&q->lk);
    if (q->form == V_NIL) {
        q->form = fv;
        q->post_form = pv;
    }
    lock_release(&q->lk);
}

static Value req_field(Value self, ObjString *name)
{
    Req *q = payload(self);
    const char *s = name->data;
    if (!strcmp(s, "Method"))
        return v_from_ptr(q->method);
    if (!strcmp(s, "URL"))
        return q->url;
    if (!strcmp(s, "Header"))
        return req_header(q);
    if (!strcmp(s, "Body"))
        return q->served ? req_body(q) : q->body;
    if (!strcmp(s, "ContentLength"))
        return v_make_int(q->content_length);
    if (!strcmp(s, "Host"))
        return v_from_ptr(q->host);
    if (!strcmp(s, "RemoteAddr"))
        return v_from_ptr(q->remote);
    if (!strcmp(s, "RequestURI"))
        return v_from_ptr(q->request_uri);
    if (!strcmp(s, "Proto"))
        return v_from_ptr(q->proto);
    if (!strcmp(s, "ProtoMajor"))
        return v_int_small(q->major);
    if (!strcmp(s, "ProtoMinor"))
        return v_int_small(q->minor);
    if (!strcmp(s, "Close"))
        return q->close ? V_TRUE : V_FALSE;
    if (!strcmp(s, "Pattern"))
        return v_from_ptr(q->pattern);
    if (!strcmp(s, "Form") || !strcmp(s, "PostForm")) {
        lock_acquire(&q->lk);
        Value v = s[0] == 'F' ? q->form : q->post_form;
        lock_release(&q->lk);
        return v;
    }
    return V_UNDEF;
}

/* FormValue (query and body) or PostFormValue (body only). */
static int form_value(Thread *t, Value *a, Value *r, bool post)
{
    ObjString *k;
    if (!vm_check_str(t, post ? "http.Request.PostFormValue" : "http.Request.FormValue", a, 1, &k))
        return -1;
    Req *q = payload(a[0]);
    parse_form(t, q);
    ObjString *v = url_values_get(url_values_of(post ? q->post_form : q->form), k->data, k->len);
    r[0] = v_from_ptr(v ? v : empty);
    return 1;
}

static int r_form_value(Thread *t, Value *a, int n, Value *r)
{
    return form_value(t, a, r, false);
}

static int r_post_form_value(Thread *t, Value *a, int n, Value *r)
{
    return form_value(t, a, r, true);
}

static int r_parse_form(Thread *t, Value *a, int n, Value *r)
{
    parse_form(t, payload(a[0]));
    r[0] = V_NIL;
    return 1;
}

static int r_path_value(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k;
    if (!vm_check_str(t, "http.Request.PathValue", a, 1, &k))
        return -1;
    Req *q = payload(a[0]);
    r[0] = v_from_ptr(empty);
    lock_acquire(&q->lk);
    for (int i = 0; i < q->npv; i++)
        if (str_eq(q->pv_names[i], k))
            r[0] = v_from_ptr(q->pv_vals[i]);
    lock_release(&q->lk);
    return 1;
}

static int r_set_path_value(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k, *v;
    if (!vm_check_str(t, "http.Request.SetPathValue", a, 1, &k) ||
        !vm_check_str(t, "http.Request.SetPathValue", a, 2, &v))
        return -1;
    Req *q = payload(a[0]);
    lock_acquire(&q->lk);
    for (int i = 0; i < q->npv; i++)
        if (str_eq(q->pv_names[i], k)) {
            q->pv_vals[i] = v;
            lock_release(&q->lk);
            return 0;
        }
    ObjString **names = mem_alloc(sizeof *names * (size_t)(q->npv + 1));
    ObjString **vals = mem_alloc(sizeof *vals * (size_t)(q->npv + 1));
    if (q->npv) {
        memcpy(names, q->pv_names, sizeof *names * (size_t)q->npv);
        memcpy(vals, q->pv_vals, sizeof *vals * (size_t)q->npv);
    }
    names[q->npv] = k;
    vals[q->npv] = v;
    q->pv_names = names;
    q->pv_vals = vals;
    q->npv++;
    lock_release(&q->lk);
    return 0;
}

/* The background read of a served request's connection (below). */
static void bg_read_start(Thread *t, Req *q, Value rv);

static int r_context(Thread *t, Value *a, int n, Value *r)
{
    Req *q = payload(a[0]);
    lock_acquire(&q->lk);
    Value c = q->ctx;
    bool served = q->served;
    lock_release(&q->lk);
    if (c == V_NIL && (c = background_ctx(t)) == V_NIL)
        return -1;
    if (q->ctx == V_NIL && served) {
        /* a served request's context is cancelled when its handler
         * returns, as Go's is: made here, on first use, so requests
         * whose handler never asks cost nothing */
        if (vm_call(t, member("context", "WithCancel"), &c, 1) < 2)
            return -1;
        Value ctx = t->rets[0], cancel = t->rets[1];
        lock_acquire(&q->lk);
        if (q->ctx == V_NIL) {
            q->ctx = ctx;
            q->cancel = cancel;
            /* the context also ends if the client goes away meanwhile */
            bg_read_start(t, q, a[0]);
        }
        c = q->ctx;
        lock_release(&q->lk);
    }
    r[0] = c;
    return 1;
}

static int r_with_context(Thread *t, Value *a, int n, Value *r)
{
    if (a[1] == V_NIL)
        return vm_panic_msg(t, "nil context");
    Req *q = payload(a[0]), *c;
    r[0] = req_value(&c);
    lock_acquire(&q->lk);
    Lock keep = c->lk;
    *c = *q;
    c->lk = keep;
    c->ctx = a[1];
    lock_release(&q->lk);
    return 1;
}

static int r_header_get(Thread *t, Value *a, Value *r, const char *k)
{
    ObjString *v = req_header_get(payload(a[0]), k);
    r[0] = v_from_ptr(v ? v : empty);
    return 1;
}

static int r_user_agent(Thread *t, Value *a, int n, Value *r)
{
    return r_header_get(t, a, r, "User-Agent");
}

static int r_referer(Thread *t, Value *a, int n, Value *r)
{
    return r_header_get(t, a, r, "Referer");
}

static int r_set_str(Thread *t, Value *a, ObjString **slot, const char *fname)
{
    ObjString *s;
    if (!vm_check_str(t, fname, a, 1, &s))
        return -1;
    Req *q = payload(a[0]);
    lock_acquire(&q->lk);
    *slot = s;
    lock_release(&q->lk);
    return 0;
}

static int r_set_method(Thread *t, Value *a, int n, Value *r)
{
    return r_set_str(t, a, &((Req *)payload(a[0]))->method, "http.Request.Method");
}

static int r_set_host(Thread *t, Value *a, int n, Value *r)
{
    return r_set_str(t, a, &((Req *)payload(a[0]))->host, "http.Request.Host");
}

static int r_set_url(Thread *t, Value *a, int n, Value *r)
{
    if (!url_of(a[1]))
        return vm_panicf(t, E_ARG_TYPE, "http.Request.URL", 1, "a *url.URL", v_type_name(a[1]));
    ((Req *)payload(a[0]))->url = a[1];
    return 0;
}

static int r_set_header(Thread *t, Value *a, int n, Value *r)
{
    if (!is_header(a[1]))
        return vm_panicf(t, E_ARG_TYPE, "http.Request.Header", 1, "an http.Header", v_type_name(a[1]));
    Req *q = payload(a[0]);
    lock_acquire(&q->lk);
    q->header = a[1];
    lock_release(&q->lk);
    return 0;
}

static int r_set_content_length(Thread *t, Value *a, int n, Value *r)
{
    int64_t v;
    if (!vm_check_int(t, "http.Request.ContentLength", a, 1, &v))
        return -1;
    ((Req *)payload(a[0]))->content_length = v;
    return 0;
}

static int r_cookie(Thread *t, Value *a, int n, Value *r);
static int r_cookies(Thread *t, Value *a, int n, Value *r);
static int r_add_cookie(Thread *t, Value *a, int n, Value *r);
static const MethodDef req_methods[] = {{"FormValue", r_form_value, 1, 1},
                                        {"PostFormValue", r_post_form_value, 1, 1},
                                        {"ParseForm", r_parse_form, 0, 0},
                                        {"PathValue", r_path_value, 1, 1},
                                        {"SetPathValue", r_set_path_value, 2, 2},
                                        {"Context", r_context, 0, 0},
                                        {"WithContext", r_with_context, 1, 1},
                                        {"UserAgent", r_user_agent, 0, 0},
                                        {"Referer", r_referer, 0, 0},
                                        {"Cookie", r_cookie, 1, 1},
                                        {"Cookies", r_cookies, 0, 0},
                                        {"AddCookie", r_add_cookie, 1, 1},
                                        {"Method=", r_set_method, 1, 1},
                                        {"Host=", r_set_host, 1, 1},
                                        {"URL=", r_set_url, 1, 1},
                                        {"Header=", r_set_header, 1, 1},
                                        {"ContentLength=", r_set_content_length, 1, 1},
                                        {NULL, NULL, 0, 0}};
static const ObjClass req_class = {.name = "*http.Request", .methods = req_methods, .get_field = req_field};

/* ---- the connection ------------------------------------------------------ */

typedef struct Srv Srv;

/* Connection states for Shutdown (Srv.lk). */
enum { ST_NEW, ST_ACTIVE, ST_IDLE, ST_CLOSED };

/* One server connection. Only its goroutine touches it, except `state`,
 * `next` and `prev` (its server's lock) and `netconn` (immutable). */
typedef struct HConn {
    HttpIO io;
    Srv *srv;      /* NULL: not a Server's (http_serve_io) */
    Value handler; /* nil: DefaultServeMux */
    Value netconn; /* the net.Conn, or nil */
    ObjString *remote;
    Buf rb; /* bytes read, from rpos on not yet parsed */
    size_t rpos;
    Buf wb; /* the response being written */
    Buf bb; /* the current response's body not yet sent (Resp.body) */
    http_parser p;
    /* the message being parsed */
    Buf url, hdr, body, hoffs; /* hoffs: an array of HOff */
    int last_cb;               /* 1: the last header callback was a name, 2: a value */
    bool started, hdr_done, expect_continue, sent_continue;
    bool msg_done;                    /* the whole message (body included) is parsed */
    bool broken;                      /* reading the body failed: the connection ends */
    size_t bpos;                      /* body bytes before it were given to the handler */
    int64_t clen;                     /* the request's ContentLength: -1 chunked */
    int64_t hdr_to, read_to, idle_to; /* the server's timeouts, read once */
    bool deadline_set;                /* the current message's header deadline is set */
    bool body_deadline;               /* and, past its header, ReadTimeout's */
    int64_t t0;                       /* when the current message began */
    int nreq;                         /* requests served */
    /* The background read while a handler runs (Go's connReader
     * backgroundRead): started by the request's first Context() call when
     * nothing of the next request is buffered; it cancels the request's
     * context if the client goes away. bg_started is set under the
     * request's lk while q->conn is set; the rest belongs to the watcher
     * until the connection's loop has received from bg_done. */
    bool bg_started;
    ObjChan *bg_done; /* the watcher sends once when it ends */
    Value bg_req;     /* the request whose context it cancels */
    char bg_byte;     /* a byte of the next request it read, if bg_got */
    bool bg_got;
    int state;                 /* srv->lk */
    int64_t state_since;       /* srv->lk: when ST_NEW began */
    struct HConn *next, *prev; /* srv->lk: the server's connections */
} HConn;

static HConn *conn_of(http_parser *p)
{
    return p->data;
}

static int on_message_begin(http_parser *p)
{
    HConn *c = conn_of(p);
    c->started = true;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    buf_add(&conn_of(p)->url, at, n);
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    HConn *c = conn_of(p);
    if (c->last_cb != 1) {
        HOff o = {(uint32_t)c->hdr.len, 0, 0, 0};
        buf_add(&c->hoffs, (const char *)&o, sizeof o);
    }
    HOff *o = (HOff *)(c->hoffs.data + c->hoffs.len - sizeof *o);
    buf_add(&c->hdr, at, n);
    o->fl += (uint32_t)n;
    c->last_cb = 1;
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    HConn *c = conn_of(p);
    if (c->hoffs.len == 0)
        return 0;
    HOff *o = (HOff *)(c->hoffs.data + c->hoffs.len - sizeof *o);
    if (c->last_cb != 2)
        o->vo = (uint32_t)c->hdr.len;
    buf_add(&c->hdr, at, n);
    o->vl += (uint32_t)n;
    c->last_cb = 2;
    return 0;
}

/* Go trims a value's surrounding blanks; the parser may leave trailing ones. */
static void trim_values(HConn *c)
{
    HOff *o = (HOff *)c->hoffs.data;
    size_t nh = c->hoffs.len / sizeof *o;
    for (size_t i = 0; i < nh; i++) {
        while (o[i].vl && (c->hdr.data[o[i].vo] == ' ' || c->hdr.data[o[i].vo] == '\t')) {
            o[i].vo++;
            o[i].vl--;
        }
        while (o[i].vl &&
               (c->hdr.data[o[i].vo + o[i].vl - 1] == ' ' || c->hdr.data[o[i].vo + o[i].vl - 1] == '\t'))
            o[i].vl--;
    }
}

static int on_headers_complete(http_parser *p)
{
    HConn *c = conn_of(p);
    c->hdr_done = true;
    trim_values(c);
    HOff *o = (HOff *)c->hoffs.data;
    size_t nh = c->hoffs.len / sizeof *o;
    for (size_t i = 0; i < nh; i++)
        if (ieq(c->hdr.data + o[i].fo, o[i].fl, "Expect") &&
            ieq(c->hdr.data + o[i].vo, o[i].vl, "100-continue"))
            c->expect_continue = p->http_major == 1 && p->http_minor >= 1;
    /* the parser keeps the declared length until the body is read */
    c->clen = (p->flags & F_CHUNKED)              ? -1
              : p->content_length == (uint64_t)-1 ? 0
                                                  : (int64_t)p->content_length;
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    buf_add(&conn_of(p)->body, at, n);
    return 0;
}

static int on_message_complete(http_parser *p)
{
    conn_of(p)->msg_done = true;
    http_parser_pause(p, 1); /* one request at a time: the rest stays buffered */
    return 0;
}

static const http_parser_settings req_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* A buffer a big message grew is given back to the collector, so an idle
 * connection keeps only what a usual request needs. */
static void shrink(Buf *b)
{
    if (b->cap > 65536)
        buf_init(b);
    else
        b->len = 0;
}

static void reset_message(HConn *c)
{
    shrink(&c->body);
    shrink(&c->hdr);
    shrink(&c->bb);
    shrink(&c->wb);
    c->url.len = c->hdr.len = c->body.len = c->hoffs.len = 0;
    c->last_cb = 0;
    c->started = c->hdr_done = c->expect_continue = c->sent_continue = c->deadline_set = c->body_deadline =
        false;
    c->msg_done = false;
    c->bpos = 0;
    c->clen = 0;
}

/* ---- the server's state ------------------------------------------------ */

struct Srv {
    Lock lk;
    /* configuration: set by the script before Serve (lk) */
    ObjString *addr;
    Value handler;
    int64_t read_timeout, write_timeout, read_header_timeout, idle_timeout, max_header_bytes;
    /* lk */
    bool shutting;
    ObjList *listeners;
    HConn *conns;
};

static void set_state(HConn *c, int st)
{
    if (!c->srv)
        return;
    lock_acquire(&c->srv->lk);
    c->state = st;
    if (st == ST_CLOSED) {
        if (c->prev)
            c->prev->next = c->next;
        else if (c->srv->conns == c)
            c->srv->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        c->next = c->prev = NULL;
    }
    lock_release(&c->srv->lk);
}

/* ---- ResponseWriter ----------------------------------------------------- */

typedef struct Resp {
    /* Only the handler's goroutine uses a ResponseWriter (as in Go). */
    HConn *c;
    Req *req;
    Value header; /* Header, nil until w.Header() */
    int status;   /* 0: not yet written */
    bool sent, chunked, done, close_after, head;
    Buf *body;       /* written but not yet sent: the connection's bb */
    int64_t written; /* body bytes written by the handler */
} Resp;

static const ObjClass resp_class;

/* The text of now's Date header, made once a second per thread. */
static void add_date(Buf *b)
{
    static _Thread_local time_t last;
    static _Thread_local char text[40];
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        last = now;
    }
    buf_adds(b, "Date: ");
    buf_adds(b, text);
    buf_adds(b, "\r\n");
}

/* Go's DetectContentType for the common signatures. */
static const char *sniff(const char *s, size_t n)
{
    if (n > 512)
        n = 512;
    size_t i = 0;
    while (i < n && (s[i] == '\t' || s[i] == '\n' || s[i] == '\f' || s[i] == '\r' || s[i] == ' '))
        i++;
    static const char *const html[] = {
        "<!DOCTYPE HTML", "<HTML",  "<HEAD", "<SCRIPT", "<IFRAME", "<H1", "<DIV", "<FONT", "<TABLE", "<A",
        "<STYLE",         "<TITLE", "<B",    "<BODY",   "<BR",     "<P",  "<!--"};
    for (size_t k = 0; k < sizeof html / sizeof *html; k++) {
        size_t m = strlen(html[k]);
        if (n - i <= m)
            continue;
        bool ok = true;
        for (size_t j = 0; j < m && ok; j++) {
            char c = s[i + j];
            if (c >= 'a' && c <= 'z')
                c -= 32;
            ok = c == html[k][j];
        }
        if (ok && (s[i + m] == ' ' || s[i + m] == '>'))
            return "text/html; charset=utf-8";
    }
    if (n - i >= 5 && memcmp(s + i, "<?xml", 5) == 0)
        return "text/xml; charset=utf-8";
    static const struct {
        const char *sig;
        size_t n;
        const char *type;
    } magic[] = {
        {"%PDF-", 5, "application/pdf"},
        {"%!PS-Adobe-", 11, "application/postscript"},
        {"GIF87a", 6, "image/gif"},
        {"GIF89a", 6, "image/gif"},
        {"\x89PNG\r\n\x1a\n", 8, "image/png"},
        {"\xff\xd8\xff", 3, "image/jpeg"},
        {"BM", 2, "image/bmp"},
        {"PK\x03\x04", 4, "application/zip"},
        {"\x1f\x8b\x08", 3, "application/x-gzip"},
        {"\x00\x61\x73\x6d", 4, "application/wasm"},
        {"\xef\xbb\xbf", 3, "text/plain; charset=utf-8"},
        {"\xfe\xff", 2, "text/plain; charset=utf-16be"},
        {"\xff\xfe", 2, "text/plain; charset=utf-16le"},
    };
    for (size_t k = 0; k < sizeof magic / sizeof *magic; k++)
        if (n >= magic[k].n && memcmp(s, magic[k].sig, magic[k].n) == 0)
            return magic[k].type;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f))
            return "application/octet-stream";
    }
    return "text/plain; charset=utf-8";
}

static int cmp_keys(const void *a, const void *b)
{
    const KV *x = *(KV *const *)a, *y = *(KV *const *)b;
    size_t n = x->k->len < y->k->len ? x->k->len : y->k->len;
    int c = memcmp(x->k->data, y->k->data, n);
    if (c)
        return c;
    if (x->k->len != y->k->len)
        return x->k->len < y->k->len ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* A header value as Go writes it: newlines become spaces. */
static void add_value(Buf *b, const ObjString *v)
{
    size_t s = b->len;
    buf_add(b, v->data, v->len);
    for (size_t i = s; i < b->len; i++)
        if (b->data[i] == '\r' || b->data[i] == '\n')
            b->data[i] = ' ';
}

/* The status line and header into c->wb. final: the handler is done and
 * every body byte is in w->body (a Content-Length can be given). */
static void write_header(Resp *w, bool final)
{
    HConn *c = w->c;
    Buf *b = &c->wb;
    int code = w->status ? w->status : 200;
    bool is11 = w->req->major == 1 && w->req->minor >= 1;
    const char *txt = status_text(code);
    buf_printf(b, "HTTP/1.%d %03d %s\r\n", is11 ? 1 : 0, code, *txt ? txt : "status code");
    if (!*txt) {
        b->len -= strlen("status code") + 2;
        buf_printf(b, "status code %d\r\n", code);
    }
    bool have_date = false, have_cl = false, have_ct = false, have_te = false, conn_close = false;
    if (w->header != V_NIL) {
        int n;
        KV *pairs = hdr_pairs(v_map(w->header), &n);
        KV **idx = n ? mem_alloc(sizeof *idx * (size_t)n) : NULL;
        for (int i = 0; i < n; i++)
            idx[i] = &pairs[i];
        if (n > 1)
            qsort(idx, (size_t)n, sizeof *idx, cmp_keys);
        for (int i = 0; i < n; i++) {
            ObjString *k = idx[i]->k;
            if (!strcmp(k->data, "Date"))
                have_date = true;
            else if (!strcmp(k->data, "Content-Length"))
                have_cl = true;
            else if (!strcmp(k->data, "Content-Type"))
                have_ct = true;
            else if (!strcmp(k->data, "Transfer-Encoding"))
                have_te = true;
            else if (!strcmp(k->data, "Connection") && has_token(idx[i]->v->data, idx[i]->v->len, "close"))
                conn_close = true;
            if ((!strcmp(k->data, "Content-Length") || !strcmp(k->data, "Transfer-Encoding")) &&
                !body_allowed(code))
                continue;
            buf_add(b, k->data, k->len);
            buf_adds(b, ": ");
            add_value(b, idx[i]->v);
            buf_adds(b, "\r\n");
        }
    }
    if (conn_close)
        w->close_after = true;
    if (!have_date)
        add_date(b);
    bool allowed = body_allowed(code);
    if (final && allowed && !have_cl && !have_te && !(w->head && w->written == 0))
        buf_printf(b, "Content-Length: %lld\r\n", (long long)w->written);
    if (!have_ct && allowed && w->body->len > 0 && !have_te)
        buf_printf(b, "Content-Type: %s\r\n", sniff(w->body->data, w->body->len));
    if (!final && allowed && !have_cl && !have_te && !w->head) {
        if (is11)
            w->chunked = true;
        else
            w->close_after = true; /* an HTTP/1.0 body without a length ends with the connection */
    }
    if (w->close_after && is11 && !conn_close)
        buf_adds(b, "Connection: close\r\n");
    else if (!w->close_after && !is11)
        buf_adds(b, "Connection: keep-alive\r\n");
    if (w->chunked)
        buf_adds(b, "Transfer-Encoding: chunked\r\n");
    buf_adds(b, "\r\n");
    w->sent = true;
}

/* Send what c->wb holds; false on a write error (the connection ends). */
static int flush_conn(Thread *t, HConn *c)
{
    if (c->wb.len == 0)
        return 1;
    Value err = V_NIL;
    int64_t n = c->io.write(t, c->io.ctx, c->wb.data, c->wb.len, &err);
    c->wb.len = 0;
    if (n < 0)
        return -1;
    return err == V_NIL;
}

/* The body bytes w holds into c->wb, as a chunk when chunked. */
static void move_body(Resp *w)
{
    Buf *b = &w->c->wb;
    if (w->body->len == 0)
        return;
    if (!w->head) {
        if (w->chunked)
            buf_printf(b, "%zx\r\n", w->body->len);
        buf_add(b, w->body->data, w->body->len);
        if (w->chunked)
            buf_adds(b, "\r\n");
    }
    w->body->len = 0;
}

static int64_t resp_write(Thread *t, void *p, const char *s, size_t n, Value *err)
{
    Resp *w = p;
    *err = V_NIL;
    if (w->done) {
        *err = stdlib_error(E_HTTP_HANDLER_DONE);
        return 0;
    }
    if (!w->status)
        w->status = 200;
    if (!body_allowed(w->status)) {
        *err = v_error("http: request method or response status code does not allow body");
        return 0;
    }
    if (n == 0)
        return 0;
    w->written += (int64_t)n;
    buf_add(w->body, s, n);
    if (w->body->len > CHUNK_AFTER) {
        if (!w->sent)
            write_header(w, false);
        move_body(w);
        int ok = flush_conn(t, w->c);
        if (ok < 0)
            return -1;
        if (!ok) {
            w->close_after = true;
            *err = v_error("http: connection has been hijacked or closed");
        }
    }
    return (int64_t)n;
}

/* After the handler: the rest of the response into c->wb. */
static void finish_response(Resp *w)
{
    if (!w->sent) {
        write_header(w, true);
        move_body(w);
    } else {
        move_body(w);
        if (w->chunked)
            buf_adds(&w->c->wb, "0\r\n\r\n");
    }
    w->done = true;
}

static Resp *resp_of(Value v)
{
    return is_class(v, &resp_class) ? payload(v) : NULL;
}

static Value resp_header(Resp *w)
{
    if (w->header == V_NIL) {
        Hdr *h;
        w->header = header_new(&h);
    }
    return w->header;
}

static int w_header(Thread *t, Value *a, int n, Value *r)
{
    r[0] = resp_header(payload(a[0]));
    return 1;
}

static int w_write(Thread *t, Value *a, int n, Value *r)
{
    Buf b;
    buf_init(&b);
    if (!bytes_arg(t, "http.ResponseWriter.Write", a, 1, &b))
        return -1;
    Value err;
    int64_t k = resp_write(t, payload(a[0]), b.data, b.len, &err);
    if (k < 0)
        return -1;
    r[0] = v_make_int(k);
    r[1] = err;
    return 2;
}

static int w_write_string(Thread *t, Value *a, int n, Value *r)
{
    ObjString *s;
    if (!vm_check_str(t, "http.ResponseWriter.WriteString", a, 1, &s))
        return -1;
    Value err;
    int64_t k = resp_write(t, payload(a[0]), s->data, s->len, &err);
    if (k < 0)
        return -1;
    r[0] = v_make_int(k);
    r[1] = err;
    return 2;
}

/* Go's checkWriteHeaderCode: a code outside 100..999 panics. */
static int w_write_header(Thread *t, Value *a, int n, Value *r)
{
    int64_t code;
    if (!vm_check_int(t, "http.ResponseWriter.WriteHeader", a, 1, &code))
        return -1;
    if (code < 100 || code > 999)
        return vm_panic_msg(t, "invalid WriteHeader code %lld", (long long)code);
    Resp *w = payload(a[0]);
    if (w->status || w->done)
        return 0; /* Go logs "superfluous response.WriteHeader call" */
    w->status = (int)code;
    return 0;
}

static int w_flush(Thread *t, Value *a, int n, Value *r)
{
    Resp *w = payload(a[0]);
    if (w->done)
        return 0;
    if (!w->status)
        w->status = 200;
    if (!w->sent)
        write_header(w, false);
    move_body(w);
    return flush_conn(t, w->c) < 0 ? -1 : 0;
}

static const MethodDef resp_methods[] = {{"Header", w_header, 0, 0},
                                         {"Write", w_write, 1, 1},
                                         {"WriteString", w_write_string, 1, 1},
                                         {"WriteHeader", w_write_header, 1, 1},
                                         {"Flush", w_flush, 0, 0},
                                         {NULL, NULL, 0, 0}};
static const ObjClass resp_class = {.name = "*http.response", .methods = resp_methods, .get_field = NULL};
static const StreamOps resp_ops = {.cls = &resp_class, .read = NULL, .write = resp_write};

/* ---- ServeMux ------------------------------------------------------------ */

enum { SEG_LIT, SEG_WILD, SEG_MULTI, SEG_DOLLAR };

typedef struct Seg {
    int kind;
    ObjString *s; /* the literal (unescaped) or the wildcard's name (NULL: an anonymous {...}) */
} Seg;

typedef struct Pat {
    ObjString *text;
    ObjString *method; /* NULL: any */
    ObjString *host;   /* NULL: any */
    Seg *segs;
    int nseg;
    Value handler;
} Pat;

typedef struct Mux {
    Lock lk;
    Pat **pats; /* lk */
    int n, cap; /* lk */
} Mux;

static const ObjClass mux_class;
static Value default_mux;

Value http_new_mux(void)
{
    return v_from_ptr(object_new(&mux_class, mem_alloc(sizeof(Mux))));
}

static bool valid_wild_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i && c >= '0' && c <= '9')) &&
            (unsigned char)c < 0x80)
            return false;
    }
    return true;
}

/* Parse a pattern; NULL with *why set when it is not one. */
static Pat *parse_pattern(ObjString *text, const char **why)
{
    const char *s = text->data;
    size_t n = text->len;
    Pat *p = mem_alloc(sizeof *p);
    p->text = text;
    if (n == 0) {
        *why = "empty pattern";
        return NULL;
    }
    /* a method, then blanks */
    const char *sp = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' || s[i] == '\t') {
            sp = s + i;
            break;
        }
    if (sp) {
        size_t mn = (size_t)(sp - s);
        for (size_t i = 0; i < mn; i++)
            if ((unsigned char)s[i] <= ' ' || strchr("()<>@,;:\\\"/[]?={}", s[i])) {
                *why = "bad method";
                return NULL;
            }
        p->method = str_new(s, mn);
        while (sp < s + n && (*sp == ' ' || *sp == '\t'))
            sp++;
        n -= (size_t)(sp - s);
        s = sp;
    }
    const char *slash = memchr(s, '/', n);
    if (!slash) {
        *why = "host/path missing /";
        return NULL;
    }
    if (slash > s)
        p->host = str_new(s, (size_t)(slash - s));
    s = slash + 1;
    n -= (size_t)(slash - (s - 1)) + 0;
    n = (size_t)(text->data + text->len - s);
    /* segments */
    int cap = 4;
    p->segs = mem_alloc(sizeof *p->segs * (size_t)cap);
    size_t i = 0;
    for (;;) {
        const char *e = memchr(s + i, '/', n - i);
        size_t end = e ? (size_t)(e - s) : n;
        const char *seg = s + i;
        size_t sl = end - i;
        if (p->nseg + 1 >= cap) {
            Seg *ns = mem_alloc(sizeof *ns * (size_t)cap * 2);
            memcpy(ns, p->segs, sizeof *ns * (size_t)p->nseg);
            p->segs = ns;
            cap *= 2;
        }
        Seg *g = &p->segs[p->nseg];
        bool last = e == NULL;
        if (sl == 0 && last) {
            /* a trailing slash: the subtree below (an anonymous {...}) */
            g->kind = SEG_MULTI;
            g->s = NULL;
            p->nseg++;
            break;
        }
        if (sl >= 2 && seg[0] == '{' && seg[sl - 1] == '}') {
            const char *nm = seg + 1;
            size_t nl = sl - 2;
            if (nl == 1 && nm[0] == '$') {
                if (!last || p->nseg == 0 || p->segs[p->nseg - 1].kind == SEG_MULTI) {
                    /* {$} ends a pattern, right after a slash */
                }
                if (!last) {
                    *why = "{$} not at end";
                    return NULL;
                }
                g->kind = SEG_DOLLAR;
                g->s = NULL;
                p->nseg++;
                break;
            }
            bool multi = nl > 3 && memcmp(nm + nl - 3, "...", 3) == 0;
            if (multi)
                nl -= 3;
            if (!valid_wild_name(nm, nl)) {
                *why = "bad wildcard name";
                return NULL;
            }
            if (multi && !last) {
                *why = "{...} wildcard not at end";
                return NULL;
            }
            g->kind = multi ? SEG_MULTI : SEG_WILD;
            g->s = str_new(nm, nl);
            for (int k = 0; k < p->nseg; k++)
                if (p->segs[k].s && p->segs[k].kind != SEG_LIT && str_eq(p->segs[k].s, g->s)) {
                    *why = "duplicate wildcard name";
                    return NULL;
                }
        } else {
            if (memchr(seg, '{', sl) || memchr(seg, '}', sl)) {
                *why = "bad wildcard segment (must be entire segment)";
                return NULL;
            }
            Buf u;
            buf_init(&u);
            if (!url_unescape(seg, sl, false, &u)) {
                *why = "invalid escape";
                return NULL;
            }
            g->kind = SEG_LIT;
            g->s = sstr(u.data, u.len);
        }
        p->nseg++;
        if (last)
            break;
        i = end + 1;
    }
    return p;
}

static bool same_shape(const Pat *a, const Pat *b)
{
    if ((a->method == NULL) != (b->method == NULL) || (a->method && !str_eq(a->method, b->method)))
        return false;
    if ((a->host == NULL) != (b->host == NULL) || (a->host && !str_eq(a->host, b->host)))
        return false;
    if (a->nseg != b->nseg)
        return false;
    for (int i = 0; i < a->nseg; i++) {
        if (a->segs[i].kind != b->segs[i].kind)
            return false;
        if (a->segs[i].kind == SEG_LIT && !str_eq(a->segs[i].s, b->segs[i].s))
            return false;
    }
    return true;
}

static bool is_callable(Value h)
{
    return v_is_obj(h, OBJ_CLOSURE) || v_is_obj(h, OBJ_NATIVE) || v_is_obj(h, OBJ_BOUND);
}

int http_mux_handle(Thread *t, Value mux, const char *pattern, Value handler)
{
    ObjString *text = str_cstr(pattern);
    const char *why = NULL;
    Pat *p = parse_pattern(text, &why);
    if (!p)
        return vm_panic_msg(t, "parsing %s: %s", pattern, why);
    if (handler == V_NIL)
        return vm_panic_msg(t, "http: nil handler");
    p->handler = handler;
    Mux *m = payload(mux);
    lock_acquire(&m->lk);
    for (int i = 0; i < m->n; i++)
        if (same_shape(m->pats[i], p)) {
            lock_release(&m->lk);
            return vm_panic_msg(
                t, "pattern \"%s\" conflicts with pattern \"%s\": %s matches the same requests as %s",
                pattern, m->pats[i]->text->data, pattern, m->pats[i]->text->data);
        }
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 8;
        Pat **np = mem_alloc(sizeof *np * (size_t)cap);
        if (m->n)
            memcpy(np, m->pats, sizeof *np * (size_t)m->n);
        m->pats = np;
        m->cap = cap;
    }
    m->pats[m->n++] = p;
    lock_release(&m->lk);
    return 0;
}

/* The request's path split into unescaped segments: "/a/b%2Fc/" ->
 * ["a", "b/c", ""]. */
typedef struct PathSegs {
    ObjString **s;
    int n;
} PathSegs;

static void split_path(const char *p, size_t n, PathSegs *out)
{
    int cnt = 0;
    for (size_t i = 0; i < n; i++)
        cnt += p[i] == '/';
    out->s = mem_alloc(sizeof *out->s * (size_t)(cnt + 1));
    out->n = 0;
    if (n == 0 || p[0] != '/')
        return;
    size_t i = 1;
    for (;;) {
        const char *e = memchr(p + i, '/', n - i);
        size_t end = e ? (size_t)(e - p) : n;
        if (!memchr(p + i, '%', end - i)) {
            out->s[out->n++] = sstr(p + i, end - i);
        } else {
            Buf u;
            buf_init(&u);
            if (!url_unescape(p + i, end - i, false, &u)) {
                u.len = 0;
                buf_add(&u, p + i, end - i);
            }
            out->s[out->n++] = sstr(u.data, u.len);
        }
        if (!e)
            break;
        i = end + 1;
    }
}

/* Whether p matches the path; on a match its wildcard values into vals
 * (p->nseg slots). */
static bool match_path(const Pat *p, const PathSegs *ps, ObjString **vals)
{
    int i = 0;
    for (; i < p->nseg; i++) {
        const Seg *g = &p->segs[i];
        if (g->kind == SEG_MULTI) {
            if (i > ps->n)
                return false;
            if (i == ps->n) {
                /* "/a/" needs the slash: the path must go on */
                return false;
            }
            Buf b;
            buf_init(&b);
            for (int k = i; k < ps->n; k++) {
                if (k > i)
                    buf_addc(&b, '/');
                buf_add(&b, ps->s[k]->data, ps->s[k]->len);
            }
            vals[i] = sstr(b.data, b.len);
            return true;
        }
        if (g->kind == SEG_DOLLAR)
            return i == ps->n - 1 && ps->s[i]->len == 0;
        if (i >= ps->n)
            return false;
        if (g->kind == SEG_LIT) {
            if (!str_eq(g->s, ps->s[i]))
                return false;
        } else if (ps->s[i]->len == 0) {
            return false;
        } else {
            vals[i] = ps->s[i];
        }
    }
    return i == ps->n;
}

static int seg_rank(const Pat *p, int i)
{
    if (i >= p->nseg)
        return 0;
    switch (p->segs[i].kind) {
    case SEG_LIT:
    case SEG_DOLLAR:
        return 3;
    case SEG_WILD:
        return 2;
    default:
        return 1;
    }
}

/* Whether a is more specific than b (both match the request). */
static bool more_specific(const Pat *a, const Pat *b)
{
    if ((a->host != NULL) != (b->host != NULL))
        return a->host != NULL;
    int n = a->nseg > b->nseg ? a->nseg : b->nseg;
    for (int i = 0; i < n; i++) {
        int x = seg_rank(a, i), y = seg_rank(b, i);
        if (x != y)
            return x > y;
    }
    return a->method && !b->method;
}

static bool method_matches(const Pat *p, const char *method)
{
    if (!p->method)
        return true;
    if (!strcmp(p->method->data, method))
        return true;
    return !strcmp(p->method->data, "GET") && !strcmp(method, "HEAD");
}

/* The best pattern for (host, method, path), its wildcard values, and
 * when none fits the method but some fit the path, their methods. */
static Pat *mux_match(Mux *m, const char *host, size_t hn, const char *method, const PathSegs *ps,
                      ObjString ***vals, Buf *allow)
{
    Pat *best = NULL;
    ObjString **bv = NULL;
    lock_acquire(&m->lk);
    int n = m->n;
    Pat **pats = m->pats;
    lock_release(&m->lk);
    ObjString *tmp[16]; /* the wildcards' values while matching (on the C stack: the collector scans it) */
    /* with the host first: a pattern with a host wins over all without */
    for (int pass = 0; pass < 2 && !best; pass++) {
        for (int i = 0; i < n; i++) {
            Pat *p = pats[i];
            if ((pass == 0) != (p->host != NULL))
                continue;
            if (p->host && !ieq(host, hn, p->host->data))
                continue;
            ObjString **v = p->nseg <= 16 ? tmp : mem_alloc(sizeof *v * (size_t)p->nseg);
            if (!match_path(p, ps, v))
                continue;
            if (!method_matches(p, method)) {
                if (allow) {
                    const char *mm = p->method->data;
                    if (!strstr(allow->data ? allow->data : "", mm)) {
                        if (allow->len)
                            buf_adds(allow, ", ");
                        buf_adds(allow, mm);
                    }
                }
                continue;
            }
            if (!best || more_specific(p, best)) {
                best = p;
                bv = mem_alloc(sizeof *bv * (size_t)(p->nseg ? p->nseg : 1));
                memcpy(bv, v, sizeof *bv * (size_t)p->nseg);
            }
        }
    }
    *vals = bv;
    return best;
}

/* path.Clean for a URL path, keeping a trailing slash. */
static ObjString *clean_path(const char *p, size_t n)
{
    Buf b;
    buf_init(&b);
    buf_addc(&b, '/');
    size_t i = 0;
    while (i < n) {
        while (i < n && p[i] == '/')
            i++;
        size_t s = i;
        while (i < n && p[i] != '/')
            i++;
        size_t l = i - s;
        if (l == 0 || (l == 1 && p[s] == '.'))
            continue;
        if (l == 2 && p[s] == '.' && p[s + 1] == '.') {
            if (b.len > 1) {
                b.len--; /* the slash after the last element */
                while (b.len > 1 && b.data[b.len - 1] != '/')
                    b.len--;
            }
            continue;
        }
        buf_add(&b, p + s, l);
        buf_addc(&b, '/');
    }
    if (b.len > 1 && !(n && p[n - 1] == '/'))
        b.len--; /* a trailing slash only where the path had one */
    b.data[b.len] = 0;
    return buf_to_str(&b);
}

/* Whether path.Clean would leave p as it is (no "//", ".", ".."). */
static bool is_clean(const char *p, size_t n)
{
    if (n == 0 || p[0] != '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '/')
            continue;
        if (i + 1 < n && p[i + 1] == '/')
            return false;
        if (i + 1 < n && p[i + 1] == '.' && (i + 2 == n || p[i + 2] == '/'))
            return false;
        if (i + 2 < n && p[i + 1] == '.' && p[i + 2] == '.' && (i + 3 == n || p[i + 3] == '/'))
            return false;
    }
    return true;
}

static int http_error(Thread *t, Value w, const char *msg, int code);
static int redirect(Thread *t, Value wv, Req *q, const char *url, size_t un, int code);

/* Whether p matched the whole path, not a subtree below it. */
static bool exact_match(const Pat *p, const PathSegs *ps)
{
    if (p->nseg == 0 || p->segs[p->nseg - 1].kind != SEG_MULTI)
        return true;
    return ps->n == p->nseg && ps->s[ps->n - 1]->len == 0;
}

static int call_handler(Thread *t, Value h, Value *args);

static int mux_serve(Thread *t, Mux *m, Value *args)
{
    Value wv = args[0];
    Req *q = req_of(args[1]);
    if (!q)
        return vm_panicf(t, E_ARG_TYPE, "http.ServeMux.ServeHTTP", 2, "a *http.Request",
                         v_type_name(args[1]));
    Url *u = url_of(q->url);
    const char *method = q->method->data;
    /* the host without its port */
    const char *host = q->host->data;
    size_t hn = q->host->len;
    if (hn && host[0] != '[') {
        const char *c = memchr(host, ':', hn);
        if (c)
            hn = (size_t)(c - host);
    }
    Buf ep;
    buf_init(&ep);
    if (u && u->raw_path->len == 0 && url_path_plain(u->path->data, u->path->len)) {
        ep.data = u->path->data; /* read only: the common path needs no copy */
        ep.len = u->path->len;
    } else if (u) {
        url_escaped_path(u, &ep);
    }
    if (strcmp(method, "CONNECT") != 0 && !is_clean(ep.data, ep.len)) {
        ObjString *clean = clean_path(ep.data ? ep.data : "", ep.len);
        if (clean->len != ep.len || memcmp(clean->data, ep.data ? ep.data : "", ep.len) != 0) {
            Buf to;
            buf_init(&to);
            buf_add(&to, clean->data, clean->len);
            if (u && u->raw_query->len) {
                buf_addc(&to, '?');
                buf_add(&to, u->raw_query->data, u->raw_query->len);
            }
            return redirect(t, wv, q, to.data, to.len, 301);
        }
    }
    PathSegs ps;
    split_path(ep.data ? ep.data : "/", ep.data ? ep.len : 1, &ps);
    ObjString **vals = NULL;
    Buf allow;
    buf_init(&allow);
    Pat *p = mux_match(m, host, hn, method, &ps, &vals, &allow);
    if ((!p || !exact_match(p, &ps)) && (ep.len == 0 || ep.data[ep.len - 1] != '/')) {
        /* "/items" and a subtree "/items/": redirect there */
        Buf p2;
        buf_init(&p2);
        buf_add(&p2, ep.data ? ep.data : "", ep.len);
        buf_addc(&p2, '/');
        PathSegs ps2;
        split_path(p2.data, p2.len, &ps2);
        ObjString **v2;
        Pat *q2 = mux_match(m, host, hn, method, &ps2, &v2, NULL);
        if (q2 && exact_match(q2, &ps2) && (!p || q2 != p)) {
            if (u && u->raw_query->len) {
                buf_addc(&p2, '?');
                buf_add(&p2, u->raw_query->data, u->raw_query->len);
            }
            return redirect(t, wv, q, p2.data, p2.len, 301);
        }
    }
    if (!p) {
        if (allow.len) {
            /* Go lists the methods sorted, HEAD with GET */
            const char *ms[32];
            int nm = 0;
            char *save = NULL;
            Buf cp;
            buf_init(&cp);
            buf_add(&cp, allow.data, allow.len);
            for (char *tok = strtok_r(cp.data, ", ", &save); tok && nm < 31;
                 tok = strtok_r(NULL, ", ", &save))
                ms[nm++] = tok;
            bool get = false, head = false;
            for (int i = 0; i < nm; i++) {
                get |= !strcmp(ms[i], "GET");
                head |= !strcmp(ms[i], "HEAD");
            }
            if (get && !head)
                ms[nm++] = "HEAD";
            for (int i = 1; i < nm; i++)
                for (int j = i; j > 0 && strcmp(ms[j - 1], ms[j]) > 0; j--) {
                    const char *x = ms[j];
                    ms[j] = ms[j - 1];
                    ms[j - 1] = x;
                }
            Buf al;
            buf_init(&al);
            for (int i = 0; i < nm; i++) {
                if (i)
                    buf_adds(&al, ", ");
                buf_adds(&al, ms[i]);
            }
            Resp *w = resp_of(wv);
            if (w)
                hdr_set(v_map(resp_header(w)), "Allow", buf_to_str(&al));
            return http_error(t, wv, "Method Not Allowed", 405);
        }
        return http_error(t, wv, "404 page not found", 404);
    }
    /* the wildcards' values for PathValue */
    int nw = 0;
    for (int i = 0; i < p->nseg; i++)
        nw += p->segs[i].kind != SEG_LIT && p->segs[i].kind != SEG_DOLLAR && p->segs[i].s;
    if (nw) {
        ObjString **names = mem_alloc(sizeof *names * (size_t)nw), **vv = mem_alloc(sizeof *vv * (size_t)nw);
        int k = 0;
        for (int i = 0; i < p->nseg; i++)
            if (p->segs[i].kind != SEG_LIT && p->segs[i].kind != SEG_DOLLAR && p->segs[i].s) {
                names[k] = p->segs[i].s;
                vv[k++] = vals[i];
            }
        lock_acquire(&q->lk);
        q->pv_names = names;
        q->pv_vals = vv;
        q->npv = nw;
        lock_release(&q->lk);
    }
    q->pattern = p->text;
    return call_handler(t, p->handler, args);
}

/* ---- handlers ------------------------------------------------------------ */

/* http.HandlerFunc(f): f as a Handler (its ServeHTTP calls f). */
static const ObjClass hfunc_class;

static Value handler_func(Value f)
{
    Value *slot = mem_alloc(sizeof *slot);
    *slot = f;
    return v_from_ptr(object_new(&hfunc_class, slot));
}

static int call_handler(Thread *t, Value h, Value *args)
{
    Value a[2] = {args[0], args[1]};
    if (h == V_NIL)
        h = default_mux;
    if (is_class(h, &mux_class))
        return mux_serve(t, payload(h), a) < 0 ? -1 : 0;
    if (is_class(h, &hfunc_class))
        h = *(Value *)payload(h);
    if (is_callable(h))
        return vm_call(t, h, a, 2) < 0 ? -1 : 0;
    int rc = stream_call(t, h, "ServeHTTP", a, 2);
    if (rc == -2)
        return vm_panic_msg(t, "http: handler %s has no method ServeHTTP", v_type_name(h));
    return rc < 0 ? -1 : 0;
}

static int hf_serve(Thread *t, Value *a, int n, Value *r)
{
    return call_handler(t, *(Value *)payload(a[0]), a + 1);
}

static const MethodDef hfunc_methods[] = {{"ServeHTTP", hf_serve, 2, 2}, {NULL, NULL, 0, 0}};
static const ObjClass hfunc_class = {.name = "http.HandlerFunc", .methods = hfunc_methods, .get_field = NULL};

static int m_serve(Thread *t, Value *a, int n, Value *r)
{
    return mux_serve(t, payload(a[0]), a + 1) < 0 ? -1 : 0;
}

static bool check_handler(Thread *t, Value h, const char *fname, int i)
{
    if (is_callable(h) || is_class(h, &mux_class) || is_class(h, &hfunc_class) ||
        stream_has_method(h, "ServeHTTP"))
        return true;
    vm_panicf(t, E_ARG_TYPE, fname, i, "an http.Handler", v_type_name(h));
    return false;
}

static int mux_handle_args(Thread *t, Value mux, Value *a, const char *fname, bool func)
{
    ObjString *pat;
    if (!vm_check_str(t, fname, a, 0, &pat))
        return -1;
    if (a[1] == V_NIL)
        return vm_panic_msg(t, "http: nil handler");
    if (func ? !is_callable(a[1]) &&
                   (vm_panicf(t, E_ARG_TYPE, fname, 2, "a func(http.ResponseWriter, *http.Request)",
                              v_type_name(a[1])),
                    true)
             : !check_handler(t, a[1], fname, 2))
        return -1;
    return http_mux_handle(t, mux, pat->data, a[1]);
}

static int m_handle(Thread *t, Value *a, int n, Value *r)
{
    return mux_handle_args(t, a[0], a + 1, "http.ServeMux.Handle", false);
}

static int m_handle_func(Thread *t, Value *a, int n, Value *r)
{
    return mux_handle_args(t, a[0], a + 1, "http.ServeMux.HandleFunc", true);
}

static const MethodDef mux_methods[] = {{"Handle", m_handle, 2, 2},
                                        {"HandleFunc", m_handle_func, 2, 2},
                                        {"ServeHTTP", m_serve, 2, 2},
                                        {NULL, NULL, 0, 0}};
static const ObjClass mux_class = {.name = "*http.ServeMux", .methods = mux_methods, .get_field = NULL};

/* http.Error(w, msg, code), as Go's: its headers, then msg and a newline. */
static int http_error(Thread *t, Value wv, const char *msg, int code)
{
    Resp *w = resp_of(wv);
    if (w) {
        Hdr *h = v_map(resp_header(w));
        hdr_del(h, "Content-Length");
        hdr_set(h, "Content-Type", str_cstr("text/plain; charset=utf-8"));
        hdr_set(h, "X-Content-Type-Options", str_cstr("nosniff"));
        if (!w->status && !w->done)
            w->status = code;
        Value err;
        Buf b;
        buf_init(&b);
        buf_adds(&b, msg);
        buf_addc(&b, '\n');
        return resp_write(t, w, b.data, b.len, &err) < 0 ? -1 : 0;
    }
    /* a script's own ResponseWriter: through its methods */
    if (stream_call(t, wv, "Header", NULL, 0) < 1)
        return -1;
    Value hv = t->rets[0];
    Value a1[2] = {v_cstr("Content-Type"), v_cstr("text/plain; charset=utf-8")};
    if (stream_call(t, hv, "Set", a1, 2) < 0)
        return -1;
    Value c = v_int_small(code);
    if (stream_call(t, wv, "WriteHeader", &c, 1) < 0)
        return -1;
    Buf b;
    buf_init(&b);
    buf_adds(&b, msg);
    buf_addc(&b, '\n');
    Value err;
    return stream_write(t, "http.Error", wv, b.data, b.len, &err) < 0 ? -1 : 0;
}

/* Go's Redirect: Location, the code, and for GET a short HTML body. */
static int redirect(Thread *t, Value wv, Req *q, const char *url, size_t un, int code)
{
    Resp *w = resp_of(wv);
    if (!w)
        return vm_panicf(t, E_ARG_TYPE, "http.Redirect", 1, "an http.ResponseWriter", v_type_name(wv));
    Hdr *h = v_map(resp_header(w));
    Buf loc;
    buf_init(&loc);
    if (un && url[0] != '/' && !memchr(url, ':', un) && q && url_of(q->url)) {
        /* relative to the request's path */
        Url *u = url_of(q->url);
        const char *slash = memrchr(u->path->data, '/', u->path->len);
        buf_add(&loc, u->path->data, slash ? (size_t)(slash - u->path->data) + 1 : 0);
    }
    buf_add(&loc, url, un);
    ObjString *ls = buf_to_str(&loc);
    hdr_set(h, "Location", ls);
    bool get = !q || !strcmp(q->method->data, "GET") || !strcmp(q->method->data, "HEAD");
    if (get && !hdr_get(h, "Content-Type"))
        hdr_set(h, "Content-Type", str_cstr("text/html; charset=utf-8"));
    if (!w->status)
        w->status = code;
    if (get) {
        Buf b;
        buf_init(&b);
        buf_adds(&b, "<a href=\"");
        html_escape_into(&b, ls->data, ls->len);
        buf_printf(&b, "\">%s</a>.\n\n", status_text(code));
        Value err;
        return resp_write(t, w, b.data, b.len, &err) < 0 ? -1 : 0;
    }
    return 0;
}

/* ---- serving one connection -------------------------------------------- */

static ObjString *method_strs[40];
static Value abort_handler_err; /* ErrAbortHandler: set when the module opens */
static ObjString *proto10, *proto11;

/* Log through the log module, as Go's server logs to its ErrorLog. */
static void log_line(Thread *t, ObjString *msg)
{
    Value f = member("log", "Print");
    Value a = v_from_ptr(msg);
    if (vm_call(t, f, &a, 1) < 0)
        vm_clear_panic(t);
}

/* The 400/431 Go writes before closing a connection it cannot read. */
static void reject(Thread *t, HConn *c, int code, const char *why)
{
    Buf b;
    buf_init(&b);
    const char *txt = status_text(code);
    if (why)
        buf_printf(&b,
                   "HTTP/1.1 %d %s: %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: "
                   "close\r\n\r\n%d %s: %s",
                   code, txt, why, code, txt, why);
    else
        buf_printf(
            &b, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n%d %s",
            code, txt, code, txt);
    Value err;
    if (c->io.write(t, c->io.ctx, b.data, b.len, &err) < 0)
        vm_clear_panic(t);
}

/* Build the request just parsed and serve it; false: close the connection. */
static ObjNative *bg_read_fn; /* made when the module opens */
static const ObjClass conn_class;

/* The watcher: one byte of the connection. A byte is the client's next
 * (pipelined) request, kept for the loop; the end of the connection, or
 * an error that is no timeout, means the client is gone: the request's
 * context is cancelled. A timeout is the loop stopping the watch. */
static int bg_read_entry(Thread *t, Value *a, int n, Value *r)
{
    (void)n, (void)r;
    HConn *c = payload(a[0]);
    char *one = mem_alloc_atomic(1);
    Value err = V_NIL;
    int64_t k = net_read(t, c->netconn, one, 1, &err);
    if (k == 1) {
        c->bg_byte = one[0];
        c->bg_got = true;
    } else if (k == 0 && err != V_NIL && !net_is_timeout(err)) {
        Req *q = payload(c->bg_req);
        lock_acquire(&q->lk);
        Value cancel = q->cancel;
        lock_release(&q->lk);
        if (cancel != V_NIL && vm_call(t, cancel, NULL, 0) < 0)
            vm_clear_panic(t);
    } else if (k < 0) {
        vm_clear_panic(t);
    }
    return chan_send(t, c->bg_done, V_TRUE) < 0 ? -1 : 0;
}

/* Start the watcher for q's connection, once, if the request's body is
 * all read and nothing of the next request is buffered. q->lk held. */
static void bg_read_start(Thread *t, Req *q, Value rv)
{
    HConn *c = q->conn;
    if (!c || c->bg_started || c->netconn == V_NIL || !c->msg_done || c->rpos != c->rb.len)
        return;
    c->bg_started = true;
    c->bg_got = false;
    c->bg_req = rv;
    c->bg_done = chan_new(1);
    Value cv = v_from_ptr(object_new(&conn_class, c));
    sched_go(t, v_from_ptr(bg_read_fn), &cv, 1);
}

/* After the handler: stop the watcher (a read deadline in the past wakes
 * it), wait for it, and take back the byte it read. */
static void bg_read_stop(Thread *t, HConn *c)
{
    if (!c->bg_started)
        return;
    net_set_deadline(c->netconn, true, false, 1);
    Value v;
    bool ok;
    chan_recv(t, c->bg_done, &v, &ok);
    net_set_deadline(c->netconn, true, false, 0); /* the loop sets its own next */
    c->bg_started = false;
    c->bg_req = V_NIL;
    if (c->bg_got) {
        buf_reserve(&c->rb, 4096);
        c->rb.data[0] = c->bg_byte;
        c->rb.len = 1;
        c->rpos = 0;
        c->bg_got = false;
    }
}

static bool serve_request(Thread *t, HConn *c)
{
    Req *q;
    Value rv = req_value(&q);
    q->served = true;
    http_parser *p = &c->p;
    q->method = p->method < 40 && method_strs[p->method]
                    ? method_strs[p->method]
                    : str_cstr(http_method_str((enum http_method)p->method));
    q->major = p->http_major;
    q->minor = p->http_minor;
    q->proto = p->http_major == 1 && p->http_minor == 1 ? proto11
               : p->http_major == 1 && p->http_minor == 0
                   ? proto10
                   : str_printf("HTTP/%d.%d", p->http_major, p->http_minor);
    q->request_uri = sstr(c->url.data, c->url.len);
    Url *u;
    q->url = url_new(&u);
    if (!url_parse_request_uri(c->url.data ? c->url.data : "", c->url.len, u)) {
        reject(t, c, 400, NULL);
        return false;
    }
    q->remote = c->remote;
    q->nh = (int)(c->hoffs.len / sizeof(HOff));
    if (q->nh) {
        q->raw = str_new(c->hdr.data, c->hdr.len);
        q->hoff = mem_alloc_atomic(c->hoffs.len);
        memcpy(q->hoff, c->hoffs.data, c->hoffs.len);
    }
    ObjString *host = NULL;
    int nhost = 0;
    for (int i = 0; i < q->nh; i++)
        if (ieq(q->raw->data + q->hoff[i].fo, q->hoff[i].fl, "Host")) {
            nhost++;
            if (!host)
                host = sstr(q->raw->data + q->hoff[i].vo, q->hoff[i].vl);
        }
    if (nhost > 1) {
        reject(t, c, 400, "too many Host headers");
        return false;
    }
    if (!host && q->major == 1 && q->minor >= 1 && p->method != HTTP_CONNECT) {
        reject(t, c, 400, "missing required Host header");
        return false;
    }
    q->host = u->host->len ? u->host : host ? host : empty;
    q->conn = c;
    q->content_length = c->clen;
    bool keep = http_should_keep_alive(p) != 0;
    q->close = !keep;

    Resp *w = mem_alloc(sizeof *w);
    w->c = c;
    w->req = q;
    w->header = V_NIL;
    w->head = p->method == HTTP_HEAD;
    w->close_after = !keep;
    c->bb.len = 0;
    w->body = &c->bb;
    Value wv = v_from_ptr(object_new(&resp_class, w));

    if (c->srv && c->srv->write_timeout > 0 && c->io.deadline)
        c->io.deadline(c->io.ctx, false, true, sched_nanotime() + c->srv->write_timeout);
    Value args[2] = {wv, rv};
    int rc = call_handler(t, c->handler, args);
    /* the request is over: its Body no longer reads the connection, and
     * no watcher starts after this */
    lock_acquire(&q->lk);
    q->conn = NULL;
    Value bv = q->body;
    lock_release(&q->lk);
    bg_read_stop(t, c);
    if (bv != V_NIL && is_class(bv, &body_class)) {
        Body *b = payload(bv);
        lock_acquire(&b->lk);
        b->conn = NULL;
        lock_release(&b->lk);
    }
    lock_acquire(&q->lk);
    Value cancel = q->cancel;
    lock_release(&q->lk);
    if (cancel != V_NIL && rc >= 0 && vm_call(t, cancel, NULL, 0) < 0)
        rc = -1;
    if (rc < 0) {
        Value pv = t->panic_val;
        Buf tb;
        buf_init(&tb);
        vm_format_panic(t, &tb);
        vm_clear_panic(t);
        if (pv != abort_handler_err) {
            const char *stack = strstr(tb.data ? tb.data : "", "\ngoroutine ");
            Buf m;
            buf_init(&m);
            buf_printf(&m, "http: panic serving %s: ", c->remote->data);
            if (fmt_print(t, &m, &pv, 1) < 0)
                vm_clear_panic(t);
            if (stack)
                buf_adds(&m, stack);
            log_line(t, buf_to_str(&m));
        }
        w->done = true;
        c->wb.len = 0;
        if (cancel != V_NIL && vm_call(t, cancel, NULL, 0) < 0)
            vm_clear_panic(t);
        return false;
    }
    finish_response(w);
    int ok = flush_conn(t, c);
    if (ok < 0) {
        vm_clear_panic(t);
        return false;
    }
    return ok && !w->close_after;
}

enum { STEP_OK, STEP_EOF, STEP_BAD, STEP_PANIC };

/* Read more of the connection and parse what is buffered: STEP_OK
 * (progress: some bytes parsed, or the message ended), STEP_EOF (the
 * client closed, a deadline passed or a read failed: the connection
 * ends), STEP_BAD (the parser rejected the bytes: *perr says how). */
static int step(Thread *t, HConn *c, enum http_errno *perr)
{
    if (c->rpos == c->rb.len) {
        c->rpos = c->rb.len = 0;
        /* the read deadline for what comes next */
        if (c->io.deadline) {
            int64_t now = sched_nanotime();
            if (!c->started && c->nreq > 0) {
                set_state(c, ST_IDLE);
                c->io.deadline(c->io.ctx, true, false, c->idle_to > 0 ? now + c->idle_to : 0);
                c->deadline_set = false;
            } else if (!c->deadline_set) {
                c->t0 = now;
                c->deadline_set = true;
                c->io.deadline(c->io.ctx, true, false, c->hdr_to > 0 ? now + c->hdr_to : 0);
            } else if (c->hdr_done && !c->body_deadline && c->hdr_to != c->read_to) {
                /* the body: ReadTimeout from the message's start */
                c->body_deadline = true;
                c->io.deadline(c->io.ctx, true, false, c->read_to > 0 ? c->t0 + c->read_to : 0);
            }
        }
        buf_reserve(&c->rb, 4096);
        Value err = V_NIL;
        int64_t n = c->io.read(t, c->io.ctx, c->rb.data, c->rb.cap, &err);
        if (n < 0) {
            vm_clear_panic(t);
            return STEP_PANIC;
        }
        if (n == 0) {
            /* the client went away mid-request: Go answers 400 (not after a timeout) */
            if (c->started && !c->hdr_done && err != V_NIL && err == stdlib_eof())
                reject(t, c, 400, NULL);
            return STEP_EOF;
        }
        c->rb.len = (size_t)n;
        if (!c->started && c->nreq > 0)
            c->deadline_set = false; /* a request after an idle wait: its header deadline from now */
    }
    if (!c->started)
        set_state(c, ST_ACTIVE);
    size_t n = http_parser_execute(&c->p, &req_settings, c->rb.data + c->rpos, c->rb.len - c->rpos);
    c->rpos += n;
    enum http_errno e = HTTP_PARSER_ERRNO(&c->p);
    if (e == HPE_PAUSED) {
        http_parser_pause(&c->p, 0);
        return STEP_OK; /* msg_done is set */
    }
    if (e != HPE_OK) {
        *perr = e;
        return STEP_BAD;
    }
    return STEP_OK;
}

/* Body.Read of a served request: the body bytes parsed so far, else
 * more from the connection. */
static int64_t conn_body_read(Thread *t, HConn *c, char *dst, size_t n, Value *err)
{
    *err = V_NIL;
    for (;;) {
        if (c->bpos < c->body.len) {
            size_t k = c->body.len - c->bpos < n ? c->body.len - c->bpos : n;
            memcpy(dst, c->body.data + c->bpos, k);
            c->bpos += k;
            if (c->bpos == c->body.len)
                c->body.len = c->bpos = 0; /* all given: the buffer starts over */
            return (int64_t)k;
        }
        if (c->msg_done || n == 0) {
            *err = c->msg_done ? stdlib_eof() : V_NIL;
            return 0;
        }
        if (c->expect_continue && !c->sent_continue) {
            /* the client waits for this before it sends the body */
            c->sent_continue = true;
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            if (c->io.write(t, c->io.ctx, cont, sizeof cont - 1, err) < 0)
                return -1;
            if (*err != V_NIL)
                return 0;
        }
        enum http_errno pe = HPE_OK;
        int r = step(t, c, &pe);
        if (r == STEP_PANIC)
            return -1;
        if (r != STEP_OK) {
            c->broken = true;
            *err = io_unexpected_eof();
            return 0;
        }
    }
}

static void serve_conn(Thread *t, HConn *c)
{
    http_parser_init(&c->p, HTTP_REQUEST);
    c->p.data = c;
    reset_message(c);
    Srv *s = c->srv;
    if (s) {
        lock_acquire(&s->lk);
        c->read_to = s->read_timeout;
        c->hdr_to = s->read_header_timeout > 0 ? s->read_header_timeout : c->read_to;
        c->idle_to = s->idle_timeout > 0 ? s->idle_timeout : c->read_to;
        lock_release(&s->lk);
    }
    for (;;) {
        /* the next request's header */
        while (!c->hdr_done) {
            enum http_errno e = HPE_OK;
            int r = step(t, c, &e);
            if (r == STEP_BAD)
                reject(t, c, e == HPE_HEADER_OVERFLOW ? 431 : 400, NULL);
            if (r != STEP_OK)
                goto out;
        }
        c->nreq++;
        if (c->hdr_to > 0 && c->read_to <= 0 && c->io.deadline)
            c->io.deadline(c->io.ctx, true, false, 0); /* the header is in: no deadline for the body */
        c->body_deadline = c->hdr_to > 0 && c->read_to <= 0;
        if (!serve_request(t, c) || c->broken)
            break;
        /* what the handler left of the body is read and dropped, up to
         * 256 KB as Go does; past that, or when the client still waits for
         * 100 Continue, the connection closes instead */
        size_t dropped = 0;
        while (!c->msg_done) {
            if (c->expect_continue && !c->sent_continue)
                goto out;
            dropped += c->body.len - c->bpos;
            c->body.len = c->bpos = 0;
            if (dropped > 256 << 10)
                goto out;
            enum http_errno e = HPE_OK;
            if (step(t, c, &e) != STEP_OK)
                goto out;
        }
        reset_message(c);
        bool shutting = false;
        if (s) {
            lock_acquire(&s->lk);
            shutting = s->shutting;
            lock_release(&s->lk);
        }
        if (shutting)
            break;
    }
out:
    set_state(c, ST_CLOSED);
}

/* ---- memory and net connections as HttpIO ------------------------------ */

void http_serve_io(Thread *t, const HttpIO *io, Value handler, const char *remote)
{
    HConn *c = mem_alloc(sizeof *c);
    c->io = *io;
    c->handler = handler;
    c->netconn = V_NIL;
    c->remote = str_cstr(remote);
    serve_conn(t, c);
}

static int64_t net_io_read(Thread *t, void *ctx, char *p, size_t n, Value *err)
{
    HConn *c = ctx;
    int64_t k = net_read(t, c->netconn, p, n, err);
    if (k > 0)
        *err = V_NIL;
    return k;
}

static int64_t net_io_write(Thread *t, void *ctx, const char *p, size_t n, Value *err)
{
    return net_write(t, ((HConn *)ctx)->netconn, p, n, err);
}

static void net_io_deadline(void *ctx, bool rd, bool wr, int64_t when)
{
    net_set_deadline(((HConn *)ctx)->netconn, rd, wr, when);
}

static ObjNative *conn_serve_fn;

static int conn_entry(Thread *t, Value *a, int n, Value *r)
{
    HConn *c = payload(a[0]);
    serve_conn(t, c);
    Value err = net_close(c->netconn);
    (void)err;
    return 0;
}

static const ObjClass conn_class = {.name = "*http.conn", .methods = NULL, .get_field = NULL};

/* ---- Server -------------------------------------------------------------- */

static const ObjClass srv_class;

static Srv *srv_of(Value v)
{
    return payload(v);
}

static int srv_serve(Thread *t, Srv *s, Value l)
{
    lock_acquire(&s->lk);
    if (s->shutting) {
        lock_release(&s->lk);
        return -2;
    }
    if (!s->listeners) {
        s->listeners = list_new(0, 1);
    }
    list_append(s->listeners, l);
    lock_release(&s->lk);
    int64_t backoff = 0;
    for (;;) {
        Value err = V_NIL;
        Value cv = net_accept(t, l, &err);
        if (cv == V_NIL) {
            lock_acquire(&s->lk);
            bool shutting = s->shutting;
            lock_release(&s->lk);
            if (shutting)
                return -2;
            if (err == V_NIL)
                return -1; /* a panic */
            if (net_is_timeout(err)) {
                backoff = backoff ? backoff * 2 : 5000000;
                if (backoff > 1000000000)
                    backoff = 1000000000;
                Value d = v_make_int(backoff);
                if (vm_call(t, member("time", "Sleep"), &d, 1) < 0)
                    return -1;
                continue;
            }
            t->rets[0] = err;
            return 1;
        }
        backoff = 0;
        HConn *c = mem_alloc(sizeof *c);
        c->io = (HttpIO){.ctx = c, .read = net_io_read, .write = net_io_write, .deadline = net_io_deadline};
        c->srv = s;
        c->netconn = cv;
        Value ra = net_addr_string(cv, true);
        c->remote = v_is_str(ra) ? v_str(ra) : empty;
        lock_acquire(&s->lk);
        c->handler = s->handler;
        c->state = ST_NEW;
        c->state_since = sched_nanotime();
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
        bool shutting = s->shutting;
        lock_release(&s->lk);
        if (shutting) {
            set_state(c, ST_CLOSED);
            net_close(cv);
            return -2;
        }
        Value cobj = v_from_ptr(object_new(&conn_class, c));
        sched_go(t, v_from_ptr(conn_serve_fn), &cobj, 1);
    }
}

static Value server_closed_err;

/* srv.Serve(l) and http.Serve(l, h): ErrServerClosed after Shutdown. */
static int serve_result(Thread *t, int rc, Value *r)
{
    if (rc == -1)
        return -1;
    r[0] = rc == -2 ? server_closed_err : t->rets[0];
    return 1;
}

static Value listen_addr(Srv *s)
{
    lock_acquire(&s->lk);
    ObjString *a = s->addr;
    lock_release(&s->lk);
    return a && a->len ? v_from_ptr(a) : v_cstr(":http");
}

static int s_listen_and_serve(Thread *t, Value *a, int n, Value *r)
{
    Srv *s = srv_of(a[0]);
    lock_acquire(&s->lk);
    bool shutting = s->shutting;
    lock_release(&s->lk);
    if (shutting) {
        r[0] = server_closed_err;
        return 1;
    }
    Value addr = listen_addr(s);
    const char *as = v_str(addr)->data;
    if (!strcmp(as, ":http"))
        as = ":80";
    Value err = V_NIL;
    Value l = net_listen(t, "tcp", as, &err);
    if (l == V_NIL) {
        if (err == V_NIL)
            return -1;
        r[0] = err;
        return 1;
    }
    return serve_result(t, srv_serve(t, s, l), r);
}

static int s_serve(Thread *t, Value *a, int n, Value *r)
{
    return serve_result(t, srv_serve(t, srv_of(a[0]), a[1]), r);
}

/* Close the server's listeners; with all, every connection too, else the
 * idle ones (and the new ones older than 5 s, as Go). True: none is left. */
static bool close_conns(Srv *s, bool all)
{
    lock_acquire(&s->lk);
    s->shutting = true;
    ObjList *ls = s->listeners;
    s->listeners = NULL;
    int64_t now = sched_nanotime();
    bool empty_now = true;
    Value *toclose = NULL;
    int nclose = 0, cap = 0;
    for (HConn *c = s->conns; c; c = c->next) {
        bool idle = c->state == ST_IDLE || (c->state == ST_NEW && now - c->state_since > 5000000000LL);
        if (all || idle) {
            if (nclose == cap) {
                cap = cap ? cap * 2 : 16;
                Value *nv = mem_alloc(sizeof *nv * (size_t)cap);
                if (nclose)
                    memcpy(nv, toclose, sizeof *nv * (size_t)nclose);
                toclose = nv;
            }
            toclose[nclose++] = c->netconn;
        }
        if (!idle || all)
            empty_now = false;
    }
    lock_release(&s->lk);
    for (int64_t i = 0; ls && i < (int64_t)ls->len; i++) {
        Value l;
        if (list_get(ls, i, &l))
            net_close(l);
    }
    for (int i = 0; i < nclose; i++)
        net_close(toclose[i]);
    lock_acquire(&s->lk);
    bool none = s->conns == NULL;
    lock_release(&s->lk);
    (void)empty_now;
    return none;
}

static int s_close(Thread *t, Value *a, int n, Value *r)
{
    close_conns(srv_of(a[0]), true);
    r[0] = V_NIL;
    return 1;
}

/* srv.Shutdown(ctx): stop accepting, close idle connections, wait for the
 * active ones to finish (polling, as Go does) or ctx to end. */
static int s_shutdown(Thread *t, Value *a, int n, Value *r)
{
    Srv *s = srv_of(a[0]);
    Value ctx = a[1];
    int64_t wait = 1000000; /* 1 ms, doubling to 500 ms */
    for (;;) {
        if (close_conns(s, false)) {
            r[0] = V_NIL;
            return 1;
        }
        if (ctx != V_NIL) {
            int rc = stream_call(t, ctx, "Err", NULL, 0);
            if (rc < 0 && rc != -2)
                return -1;
            if (rc >= 1 && t->rets[0] != V_NIL) {
                r[0] = t->rets[0];
                return 1;
            }
        }
        Value d = v_make_int(wait);
        if (vm_call(t, member("time", "Sleep"), &d, 1) < 0)
            return -1;
        if (wait < 500000000)
            wait *= 2;
    }
}

static int s_set_str(Thread *t, Value *a, const char *fname)
{
    ObjString *v;
    if (!vm_check_str(t, fname, a, 1, &v))
        return -1;
    Srv *s = srv_of(a[0]);
    lock_acquire(&s->lk);
    s->addr = v;
    lock_release(&s->lk);
    return 0;
}

static int s_set_addr(Thread *t, Value *a, int n, Value *r)
{
    return s_set_str(t, a, "http.Server.Addr");
}

static int s_set_handler(Thread *t, Value *a, int n, Value *r)
{
    if (a[1] != V_NIL && !check_handler(t, a[1], "http.Server.Handler", 1))
        return -1;
    Srv *s = srv_of(a[0]);
    lock_acquire(&s->lk);
    s->handler = a[1];
    lock_release(&s->lk);
    return 0;
}

#define DUR_SETTER(F, field)                                                                                 \
    static int s_set_##F(Thread *t, Value *a, int n, Value *r)                                               \
    {                                                                                                        \
        int64_t v;                                                                                           \
        if (!stdlib_duration_arg(t, "http.Server." #F, a[1], 1, &v))                                         \
            return -1;                                                                                       \
        Srv *s = srv_of(a[0]);                                                                               \
        lock_acquire(&s->lk);                                                                                \
        s->field = v;                                                                                        \
        lock_release(&s->lk);                                                                                \
        return 0;                                                                                            \
    }
DUR_SETTER(ReadTimeout, read_timeout)
DUR_SETTER(WriteTimeout, write_timeout)
DUR_SETTER(ReadHeaderTimeout, read_header_timeout)
DUR_SETTER(IdleTimeout, idle_timeout)
DUR_SETTER(MaxHeaderBytes, max_header_bytes)

static Value srv_field(Value self, ObjString *name)
{
    Srv *s = srv_of(self);
    const char *f = name->data;
    Value v = V_UNDEF;
    lock_acquire(&s->lk);
    if (!strcmp(f, "Addr"))
        v = v_from_ptr(s->addr ? s->addr : empty);
    else if (!strcmp(f, "Handler"))
        v = s->handler;
    else if (!strcmp(f, "ReadTimeout"))
        v = stdlib_duration(s->read_timeout);
    else if (!strcmp(f, "WriteTimeout"))
        v = stdlib_duration(s->write_timeout);
    else if (!strcmp(f, "ReadHeaderTimeout"))
        v = stdlib_duration(s->read_header_timeout);
    else if (!strcmp(f, "IdleTimeout"))
        v = stdlib_duration(s->idle_timeout);
    else if (!strcmp(f, "MaxHeaderBytes"))
        v = v_make_int(s->max_header_bytes);
    lock_release(&s->lk);
    return v;
}

static int s_noop(Thread *t, Value *a, int n, Value *r)
{
    return 0;
}

static const MethodDef srv_methods[] = {{"ListenAndServe", s_listen_and_serve, 0, 0},
                                        {"Serve", s_serve, 1, 1},
                                        {"Shutdown", s_shutdown, 1, 1},
                                        {"Close", s_close, 0, 0},
                                        {"SetKeepAlivesEnabled", s_noop, 1, 1},
                                        {"Addr=", s_set_addr, 1, 1},
                                        {"Handler=", s_set_handler, 1, 1},
                                        {"ReadTimeout=", s_set_ReadTimeout, 1, 1},
                                        {"WriteTimeout=", s_set_WriteTimeout, 1, 1},
                                        {"ReadHeaderTimeout=", s_set_ReadHeaderTimeout, 1, 1},
                                        {"IdleTimeout=", s_set_IdleTimeout, 1, 1},
                                        {"MaxHeaderBytes=", s_set_MaxHeaderBytes, 1, 1},
                                        {NULL, NULL, 0, 0}};
static const ObjClass srv_class = {.name = "*http.Server", .methods = srv_methods, .get_field = srv_field};

static Value srv_new(void)
{
    Srv *s = mem_alloc(sizeof *s);
    s->handler = V_NIL;
    return v_from_ptr(object_new(&srv_class, s));
}

/* ---- module functions: server side -------------------------------------- */

static int f_server(Thread *t, Value *a, int n, Value *r)
{
    r[0] = srv_new();
    return 1;
}

static int f_new_serve_mux(Thread *t, Value *a, int n, Value *r)
{
    r[0] = http_new_mux();
    return 1;
}

static int f_handle(Thread *t, Value *a, int n, Value *r)
{
    return mux_handle_args(t, default_mux, a, "http.Handle", false);
}

static int f_handle_func(Thread *t, Value *a, int n, Value *r)
{
    return mux_handle_args(t, default_mux, a, "http.HandleFunc", true);
}

static int f_listen_and_serve(Thread *t, Value *a, int n, Value *r)
{
    ObjString *addr;
    if (!vm_check_str(t, "http.ListenAndServe", a, 0, &addr))
        return -1;
    if (a[1] != V_NIL && !check_handler(t, a[1], "http.ListenAndServe", 2))
        return -1;
    Value sv = srv_new();
    Srv *s = srv_of(sv);
    s->addr = addr;
    s->handler = a[1];
    Value self = sv;
    return s_listen_and_serve(t, &self, 1, r);
}

static int f_serve(Thread *t, Value *a, int n, Value *r)
{
    if (a[1] != V_NIL && !check_handler(t, a[1], "http.Serve", 2))
        return -1;
    Value sv = srv_new();
    srv_of(sv)->handler = a[1];
    return serve_result(t, srv_serve(t, srv_of(sv), a[0]), r);
}

static int f_handler_func(Thread *t, Value *a, int n, Value *r)
{
    if (!is_callable(a[0]))
        return vm_panicf(t, E_ARG_TYPE, "http.HandlerFunc", 1, "a func(http.ResponseWriter, *http.Request)",
                         v_type_name(a[0]));
    r[0] = handler_func(a[0]);
    return 1;
}

static int f_error(Thread *t, Value *a, int n, Value *r)
{
    ObjString *msg;
    int64_t code;
    if (!vm_check_str(t, "http.Error", a, 1, &msg) || !vm_check_int(t, "http.Error", a, 2, &code))
        return -1;
    return http_error(t, a[0], msg->data, (int)code);
}

static int f_not_found(Thread *t, Value *a, int n, Value *r)
{
    return http_error(t, a[0], "404 page not found", 404);
}

static int nf_serve(Thread *t, Value *a, int n, Value *r)
{
    return http_error(t, a[0], "404 page not found", 404);
}

static int f_not_found_handler(Thread *t, Value *a, int n, Value *r)
{
    r[0] = handler_func(v_from_ptr(native_new("http.NotFound", nf_serve, 2, 2)));
    return 1;
}

/* http.StripPrefix(prefix, h): h sees the path without prefix; a path
 * without it gets 404. */
typedef struct Strip {
    ObjString *prefix; /* immutable */
    Value h;           /* immutable */
} Strip;

static int sp_serve(Thread *t, Value *a, int n, Value *r)
{
    Strip *sp = payload(a[0]);
    Req *q = req_of(a[2]);
    Url *u = q ? url_of(q->url) : NULL;
    if (!u || u->path->len < sp->prefix->len || memcmp(u->path->data, sp->prefix->data, sp->prefix->len) != 0)
        return http_error(t, a[1], "404 page not found", 404);
    Req *c;
    Value cv = req_value(&c);
    lock_acquire(&q->lk);
    Lock keep = c->lk;
    *c = *q;
    c->lk = keep;
    lock_release(&q->lk);
    Url *nu;
    c->url = url_new(&nu);
    *nu = *u;
    nu->path = sstr(u->path->data + sp->prefix->len, u->path->len - sp->prefix->len);
    nu->raw_path = empty;
    Value args[2] = {a[1], cv};
    return call_handler(t, sp->h, args);
}

static const MethodDef strip_methods[] = {{"ServeHTTP", sp_serve, 2, 2}, {NULL, NULL, 0, 0}};
static const ObjClass strip_class = {
    .name = "*http.stripPrefix", .methods = strip_methods, .get_field = NULL};

static int f_strip_prefix(Thread *t, Value *a, int n, Value *r)
{
    ObjString *prefix;
    if (!vm_check_str(t, "http.StripPrefix", a, 0, &prefix) || !check_handler(t, a[1], "http.StripPrefix", 2))
        return -1;
    Strip *sp = mem_alloc(sizeof *sp);
    sp->prefix = prefix;
    sp->h = a[1];
    r[0] = v_from_ptr(object_new(&strip_class, sp));
    return 1;
}

static int f_redirect(Thread *t, Value *a, int n, Value *r)
{
    ObjString *url;
    int64_t code;
    if (!vm_check_str(t, "http.Redirect", a, 2, &url) || !vm_check_int(t, "http.Redirect", a, 3, &code))
        return -1;
    return redirect(t, a[0], req_of(a[1]), url->data, url->len, (int)code);
}

static int f_status_text(Thread *t, Value *a, int n, Value *r)
{
    int64_t code;
    if (!vm_check_int(t, "http.StatusText", a, 0, &code))
        return -1;
    r[0] = v_cstr(status_text(code));
    return 1;
}

static int f_detect(Thread *t, Value *a, int n, Value *r)
{
    Buf b;
    buf_init(&b);
    if (!bytes_arg(t, "http.DetectContentType", a, 0, &b))
        return -1;
    r[0] = v_cstr(sniff(b.data ? b.data : "", b.len));
    return 1;
}

static int f_canonical(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k;
    if (!vm_check_str(t, "http.CanonicalHeaderKey", a, 0, &k))
        return -1;
    r[0] = v_from_ptr(canonical_key(k->data, k->len, k));
    return 1;
}

static int f_request(Thread *t, Value *a, int n, Value *r)
{
    Req *q;
    r[0] = req_value(&q);
    Hdr *h;
    q->header = header_new(&h);
    return 1;
}

/* ---- the client ---------------------------------------------------------- */

typedef struct Client {
    Lock lk;
    int64_t timeout; /* lk */
} Client;

static const ObjClass client_class;

/* A response as the client parses it. */
typedef struct RespMsg {
    Buf status, hdr, hoffs, body;
    int last_cb;
    bool done, head, hdr_done;
} RespMsg;

static int rm_field(http_parser *p, const char *at, size_t n)
{
    RespMsg *m = p->data;
    if (m->last_cb != 1) {
        HOff o = {(uint32_t)m->hdr.len, 0, 0, 0};
        buf_add(&m->hoffs, (const char *)&o, sizeof o);
    }
    HOff *o = (HOff *)(m->hoffs.data + m->hoffs.len - sizeof *o);
    buf_add(&m->hdr, at, n);
    o->fl += (uint32_t)n;
    m->last_cb = 1;
    return 0;
}

static int rm_value(http_parser *p, const char *at, size_t n)
{
    RespMsg *m = p->data;
    if (m->hoffs.len == 0)
        return 0;
    HOff *o = (HOff *)(m->hoffs.data + m->hoffs.len - sizeof *o);
    if (m->last_cb != 2)
        o->vo = (uint32_t)m->hdr.len;
    buf_add(&m->hdr, at, n);
    o->vl += (uint32_t)n;
    m->last_cb = 2;
    return 0;
}

static int rm_status(http_parser *p, const char *at, size_t n)
{
    buf_add(&((RespMsg *)p->data)->status, at, n);
    return 0;
}

static int rm_headers_complete(http_parser *p)
{
    ((RespMsg *)p->data)->hdr_done = true;
    return ((RespMsg *)p->data)->head ? 1 : 0; /* 1: a HEAD's response has no body */
}

static int rm_body(http_parser *p, const char *at, size_t n)
{
    buf_add(&((RespMsg *)p->data)->body, at, n);
    return 0;
}

static int rm_complete(http_parser *p)
{
    ((RespMsg *)p->data)->done = true;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings resp_settings = {
    .on_status = rm_status,
    .on_header_field = rm_field,
    .on_header_value = rm_value,
    .on_headers_complete = rm_headers_complete,
    .on_body = rm_body,
    .on_message_complete = rm_complete,
};

typedef struct Response {
    int status;
    ObjString *status_text, *proto;
    int major, minor;
    Value header, body, request;
    int64_t content_length;
    bool close;
} Response;

static Value response_field(Value self, ObjString *name)
{
    Response *rp = payload(self);
    const char *f = name->data;
    if (!strcmp(f, "StatusCode"))
        return v_int_small(rp->status);
    if (!strcmp(f, "Status"))
        return v_from_ptr(rp->status_text);
    if (!strcmp(f, "Proto"))
        return v_from_ptr(rp->proto);
    if (!strcmp(f, "ProtoMajor"))
        return v_int_small(rp->major);
    if (!strcmp(f, "ProtoMinor"))
        return v_int_small(rp->minor);
    if (!strcmp(f, "Header"))
        return rp->header;
    if (!strcmp(f, "Body"))
        return rp->body;
    if (!strcmp(f, "ContentLength"))
        return v_make_int(rp->content_length);
    if (!strcmp(f, "Request"))
        return rp->request;
    if (!strcmp(f, "Close"))
        return rp->close ? V_TRUE : V_FALSE;
    return V_UNDEF;
}

static int resp_cookies(Thread *t, Value *a, int n, Value *r);
static const MethodDef response_methods[] = {{"Cookies", resp_cookies, 0, 0}, {NULL, NULL, 0, 0}};
static const ObjClass response_class = {
    .name = "*http.Response", .methods = response_methods, .get_field = response_field};

/* "Get", "Post": the method as Go's url.Error names the operation. */
static void op_name(Buf *b, const char *m)
{
    buf_addc(b, m[0]);
    for (size_t i = 1; m[i]; i++)
        buf_addc(b, (m[i] >= 'A' && m[i] <= 'Z') ? (char)(m[i] + 32) : m[i]);
}

/* The client's error: Get "url": inner, wrapping inner. */
/* The request's context ran out: its deadline was the connection's, and
 * the connection's timer may fire a moment before the context's own. Wait
 * for the context to say so too (its Done closes at its deadline), so a
 * caller that sees context.DeadlineExceeded also finds ctx.Err() set, as
 * Go's transport guarantees by returning ctx.Err() itself. */
static void ctx_settle(Thread *t, Req *q)
{
    lock_acquire(&q->lk);
    Value ctx = q->ctx;
    lock_release(&q->lk);
    if (ctx == V_NIL)
        return;
    int rc = stream_call(t, ctx, "Done", NULL, 0);
    if (rc < 0) {
        if (rc == -1)
            vm_clear_panic(t);
        return;
    }
    Value done = rc >= 1 ? t->rets[0] : V_NIL;
    if (!v_is_obj(done, OBJ_CHAN))
        return;
    Value v;
    bool ok;
    chan_recv(t, v_chan(done), &v, &ok);
}

static Value client_error(Thread *t, Req *q, Value inner, const char *suffix)
{
    /* The context's deadline came first (no Client.Timeout suffix). */
    if (!suffix && inner == member("context", "DeadlineExceeded"))
        ctx_settle(t, q);
    Buf op;
    buf_init(&op);
    op_name(&op, q->method->len ? q->method->data : "GET");
    Buf us;
    buf_init(&us);
    Url *u = url_of(q->url);
    if (u)
        url_string(u, &us);
    Buf qu;
    buf_init(&qu);
    format_quote(&qu, us.data ? us.data : "", us.len, false);
    Buf m;
    buf_init(&m);
    if (v_is_obj(inner, OBJ_ERROR))
        buf_adds(&m, ((ObjError *)v_ptr(inner))->msg->data);
    else if (fmt_print(t, &m, &inner, 1) < 0) /* net's errors: their Error() */
        vm_clear_panic(t);
    if (suffix)
        buf_adds(&m, suffix);
    ObjError *e = error_new(str_printf("%s %s: %s", op.data, qu.data, m.data), false);
    e->wrapped = inner;
    return v_from_ptr(e);
}

/* A context that can be cancelled (its Done() is a channel) cuts a
 * request short: a goroutine waits for Done or for the request's end,
 * and on Done closes the connection, so the blocked read or write fails
 * and the client reports the context's error. */
typedef struct Watch {
    Value conn;    /* immutable */
    ObjChan *done; /* immutable: the context's Done() */
    ObjChan *stop; /* immutable: closed when the round trip ends */
    int cancelled; /* atomic: the watcher closed conn */
} Watch;

static ObjNative *watch_fn;

static int watch_body(Thread *t, Value *a, int n, Value *r)
{
    Watch *w = payload(a[0]);
    SelCase cases[2] = {{.c = w->done, .send = false, .v = V_NIL}, {.c = w->stop, .send = false, .v = V_NIL}};
    Value v;
    bool ok;
    int which = chan_select(t, cases, 2, false, &v, &ok);
    if (which == 0) {
        __atomic_store_n(&w->cancelled, 1, __ATOMIC_RELEASE);
        net_close(w->conn);
    }
    return which == -2 ? -1 : 0;
}

static const ObjClass watch_class = {.name = "http.watch", .methods = NULL, .get_field = NULL};

/* Start watching ctx for conn; NULL when ctx cannot be cancelled. */
static Watch *watch_start(Thread *t, Value ctx, Value conn)
{
    if (ctx == V_NIL)
        return NULL;
    int rc = stream_call(t, ctx, "Done", NULL, 0);
    if (rc < 1 || !v_is_obj(t->rets[0], OBJ_CHAN)) {
        if (rc == -1)
            vm_clear_panic(t);
        return NULL;
    }
    Watch *w = mem_alloc(sizeof *w);
    w->conn = conn;
    w->done = v_chan(t->rets[0]);
    w->stop = chan_new(0);
    Value wv = v_from_ptr(object_new(&watch_class, w));
    sched_go(t, v_from_ptr(watch_fn), &wv, 1);
    return w;
}

static void watch_stop(Thread *t, Watch *w)
{
    if (w && chan_close(t, w->stop) < 0)
        vm_clear_panic(t);
}

/* One round trip of q: a Response value, or nil with *err. */
/* ---- the idle connection pool ----------------------------------------
 * As Go's DefaultTransport: a connection whose response was read whole,
 * and which neither side wants closed, waits here for the next request
 * to the same host:port (at most 2 per host, 100 in all, 90 s each). A
 * pooled connection the server has meanwhile closed is noticed when the
 * reused request gets no answer at all; that request is then sent again
 * on a new connection. */
#define POOL_MAX 100
#define POOL_PER_HOST 2
#define POOL_IDLE_NS 90000000000LL

typedef struct Pooled {
    ObjString *key; /* "host:port" */
    Value conn;
    int64_t since;
} Pooled;

static struct {
    Lock lk;
    Pooled e[POOL_MAX]; /* lk: e[0..n) */
    int n;              /* lk */
} pool;

/* An idle connection to key, or nil; stale ones are closed. */
static Value pool_get(ObjString *key)
{
    Value stale[POOL_MAX];
    int nstale = 0;
    Value got = V_NIL;
    int64_t now = sched_nanotime();
    lock_acquire(&pool.lk);
    int j = 0;
    for (int i = 0; i < pool.n; i++) {
        Pooled *p = &pool.e[i];
        if (now - p->since > POOL_IDLE_NS) {
            stale[nstale++] = p->conn;
            continue;
        }
        if (got == V_NIL && str_eq(p->key, key)) {
            got = p->conn;
            continue;
        }
        pool.e[j++] = *p;
    }
    for (int i = j; i < pool.n; i++)
        pool.e[i] = (Pooled){NULL, V_NIL, 0};
    pool.n = j;
    lock_release(&pool.lk);
    for (int i = 0; i < nstale; i++)
        net_close(stale[i]);
    return got;
}

static void pool_put(ObjString *key, Value conn)
{
    lock_acquire(&pool.lk);
    int same = 0;
    for (int i = 0; i < pool.n; i++)
        same += str_eq(pool.e[i].key, key);
    bool room = same < POOL_PER_HOST && pool.n < POOL_MAX;
    if (room)
        pool.e[pool.n++] = (Pooled){key, conn, sched_nanotime()};
    lock_release(&pool.lk);
    if (!room)
        net_close(conn);
}

/* What one request's exchange needs to know and tells. */
typedef struct Trip {
    Req *q;
    Value reqv, conn;
    int64_t when;       /* the deadline, 0: none */
    bool ctx_first;     /* the context's deadline comes before the Timeout's */
    Value deadline_err; /* context.DeadlineExceeded */
    Buf *body;          /* the request's body, read once */
    bool got_bytes;     /* some of the response came */
    bool reusable;      /* the connection may serve another request */
} Trip;

static Value exchange(Thread *t, Trip *tr, Value *err, bool *panicked);

/* The request's body, read whole before the first attempt. */
static bool read_body(Thread *t, Req *q, Buf *body, Value *err, bool *panicked)
{
    if (q->body == V_NIL)
        return true;
    char tmp[8192];
    for (;;) {
        Value e = V_NIL;
        int64_t k = stream_read(t, "http.Client.Do", q->body, tmp, sizeof tmp, &e);
        if (k < 0) {
            *panicked = true;
            return false;
        }
        buf_add(body, tmp, (size_t)k);
        if (e != V_NIL) {
            if (e != stdlib_eof()) {
                *err = client_error(t, q, e, NULL);
                return false;
            }
            return true;
        }
        if (k == 0)
            return true;
    }
}

static Value round_trip(Thread *t, Req *q, int64_t timeout, Value reqv, Value *err, bool *panicked)
{
    *err = V_NIL;
    *panicked = false;
    Url *u = url_of(q->url);
    if (!u) {
        *err = client_error(t, q, stdlib_error(E_HTTP_NO_HOST), NULL);
        return V_NIL;
    }
    if (strcmp(u->scheme->data, "http") != 0) {
        Buf qs;
        buf_init(&qs);
        format_quote(&qs, u->scheme->data, u->scheme->len, false);
        *err = client_error(t, q, stdlib_error(E_HTTP_SCHEME, qs.data), NULL);
        return V_NIL;
    }
    if (u->host->len == 0) {
        *err = client_error(t, q, stdlib_error(E_HTTP_NO_HOST), NULL);
        return V_NIL;
    }
    /* the context: done already, or a deadline */
    Value ctx = q->ctx;
    if (ctx != V_NIL) {
        int rc = stream_call(t, ctx, "Err", NULL, 0);
        if (rc < 0 && rc != -2) {
            *panicked = true;
            return V_NIL;
        }
        if (rc >= 1 && t->rets[0] != V_NIL) {
            *err = client_error(t, q, t->rets[0], NULL);
            return V_NIL;
        }
    }
    int64_t now = sched_nanotime();
    int64_t when = timeout > 0 ? now + timeout : 0;
    int64_t cd = context_deadline(t, ctx);
    if (cd < 0) {
        *panicked = true;
        return V_NIL;
    }
    bool ctx_first = cd > 0 && (when == 0 || cd < when);
    if (ctx_first)
        when = cd;
    Buf body;
    buf_init(&body);
    if (!read_body(t, q, &body, err, panicked))
        return V_NIL;
    Buf hp;
    buf_init(&hp);
    buf_add(&hp, u->host->data, u->host->len);
    const char *rb = memrchr(u->host->data, ']', u->host->len);
    const char *colon = memrchr(u->host->data, ':', u->host->len);
    if (!colon || (rb && colon < rb))
        buf_adds(&hp, ":80");
    ObjString *key = buf_to_str(&hp);
    Trip tr = {.q = q, .reqv = reqv, .when = when, .ctx_first = ctx_first, .body = &body};
    if (ctx_first || when)
        tr.deadline_err = member("context", "DeadlineExceeded");
    for (int attempt = 0;; attempt++) {
        Value conn = attempt == 0 ? pool_get(key) : V_NIL;
        bool reused = conn != V_NIL;
        if (!reused) {
            Value derr = V_NIL;
            now = sched_nanotime();
            conn = net_dial(t, "tcp", key->data, when ? (when - now > 0 ? when - now : 1) : 0, &derr);
            if (conn == V_NIL) {
                if (derr == V_NIL) {
                    *panicked = true;
                    return V_NIL;
                }
                if (when && net_is_timeout(derr))
                    *err =
                        client_error(t, q, tr.deadline_err,
                                     ctx_first ? NULL : " (Client.Timeout exceeded while awaiting headers)");
                else
                    *err = client_error(t, q, derr, NULL);
                return V_NIL;
            }
        }
        net_set_deadline(conn, true, true, when); /* a pooled one's old deadline goes */
        tr.conn = conn;
        tr.got_bytes = tr.reusable = false;
        Watch *watch = watch_start(t, ctx, conn);
        Value resp = exchange(t, &tr, err, panicked);
        watch_stop(t, watch);
        bool cancelled = watch && __atomic_load_n(&watch->cancelled, __ATOMIC_ACQUIRE);
        if (resp != V_NIL) {
            /* a watched connection is not pooled: its watcher may yet close it */
            if (tr.reusable && !watch)
                pool_put(key, conn);
            else
                net_close(conn);
            return resp;
        }
        net_close(conn);
        if (*panicked)
            return V_NIL;
        if (cancelled) {
            /* the context ended: its error, as Go reports it */
            if (stream_call(t, ctx, "Err", NULL, 0) >= 1 && t->rets[0] != V_NIL)
                *err = client_error(t, q, t->rets[0], NULL);
            else
                vm_clear_panic(t);
            return V_NIL;
        }
        if (!(reused && !tr.got_bytes))
            return V_NIL;
        *err = V_NIL; /* a pooled connection the server had closed: again, on a new one */
    }
}

/* Send the request on tr->conn and read the response. */
static Value exchange(Thread *t, Trip *tr, Value *err, bool *panicked)
{
    Req *q = tr->q;
    Value conn = tr->conn;
    int64_t when = tr->when;
    bool ctx_first = tr->ctx_first;
    Value deadline_err = tr->deadline_err;
    Buf *body = tr->body;
    Url *u = url_of(q->url);
    Buf w;
    buf_init(&w);
    buf_printf(&w, "%s ", q->method->len ? q->method->data : "GET");
    url_request_uri(u, &w);
    buf_adds(&w, " HTTP/1.1\r\nHost: ");
    buf_add(&w, q->host->len ? q->host->data : u->host->data, q->host->len ? q->host->len : u->host->len);
    buf_adds(&w, "\r\n");
    int np;
    KV *pairs = hdr_pairs(v_map(req_header(q)), &np);
    bool ua = false;
    for (int i = 0; i < np; i++)
        ua |= !strcmp(pairs[i].k->data, "User-Agent");
    if (!ua)
        buf_adds(&w, "User-Agent: Go-http-client/1.1\r\n");
    bool has_body = body->len > 0 || !strcmp(q->method->data, "POST") || !strcmp(q->method->data, "PUT") ||
                    !strcmp(q->method->data, "PATCH");
    if (has_body)
        buf_printf(&w, "Content-Length: %zu\r\n", body->len);
    for (int i = 0; i < np; i++) {
        const char *k = pairs[i].k->data;
        if (!strcmp(k, "Host") || !strcmp(k, "Content-Length"))
            continue;
        buf_add(&w, pairs[i].k->data, pairs[i].k->len);
        buf_adds(&w, ": ");
        add_value(&w, pairs[i].v);
        buf_adds(&w, "\r\n");
    }
    buf_adds(&w, "Accept-Encoding: identity\r\n\r\n");
    buf_add(&w, body->data ? body->data : "", body->len);
    Value werr = V_NIL;
    if (net_write(t, conn, w.data, w.len, &werr) < 0) {
        *panicked = true;
        return V_NIL;
    }
    if (werr != V_NIL) {
        *err = client_error(t, q, when && net_is_timeout(werr) ? deadline_err : werr,
                            when && net_is_timeout(werr) && !ctx_first
                                ? " (Client.Timeout exceeded while awaiting headers)"
                                : NULL);
        return V_NIL;
    }
    /* the response */
    RespMsg *m = mem_alloc(sizeof *m);
    m->head = !strcmp(q->method->data, "HEAD");
    http_parser p;
    http_parser_init(&p, HTTP_RESPONSE);
    p.data = m;
    Buf in;
    buf_init(&in);
    bool extra = false;      /* bytes past the response: the connection is not reused */
    size_t off = 0, len = 0; /* in's unparsed bytes */
    ObjString *first = empty;
    Value body_err = V_NIL;
    for (;;) {
        Value rerr = V_NIL;
        int64_t k = 1;
        if (off == len) {
            buf_reserve(&in, 16384);
            k = net_read(t, conn, in.data, in.cap, &rerr);
            if (k < 0) {
                *panicked = true;
                return V_NIL;
            }
            if (k > 0 && !tr->got_bytes) {
                /* the first line, for Go's "malformed HTTP response" error */
                const char *nl = memchr(in.data, '\n', (size_t)k);
                size_t fl = nl ? (size_t)(nl - in.data) : (size_t)k;
                if (fl && in.data[fl - 1] == '\r')
                    fl--;
                first = sstr(in.data, fl);
            }
            if (k > 0)
                tr->got_bytes = true;
            off = 0;
            len = (size_t)k;
        }
        if (len > off)
            off += http_parser_execute(&p, &resp_settings, in.data + off, len - off);
        enum http_errno e = HTTP_PARSER_ERRNO(&p);
        if (m->done) {
            if (p.status_code >= 100 && p.status_code < 200 && p.status_code != 101) {
                /* 100 Continue and its kind: Go's client waits for the real answer */
                http_parser_pause(&p, 0);
                m->status.len = m->hdr.len = m->hoffs.len = m->body.len = 0;
                m->last_cb = 0;
                m->done = false;
                continue;
            }
            extra = off < len;
            break;
        }
        if (e != HPE_OK && e != HPE_PAUSED) {
            Buf fq;
            buf_init(&fq);
            format_quote(&fq, first->data, first->len, false);
            *err = client_error(t, q, stdlib_error(E_HTTP_BAD_RESPONSE, fq.data), NULL);
            return V_NIL;
        }
        if (k == 0) {
            if (rerr == stdlib_eof()) {
                http_parser_execute(&p, &resp_settings, NULL, 0); /* the end of a body read to EOF */
                if (m->done)
                    break;
                rerr = m->status.len ? io_unexpected_eof() : stdlib_eof();
            }
            if (m->hdr_done) {
                /* the header came: the response is returned and reading
                 * its Body meets the error, as in Go */
                body_err =
                    when && net_is_timeout(rerr)
                        ? v_error("net/http: request canceled (Client.Timeout or context cancellation while "
                                  "reading body)")
                        : rerr;
                break;
            }
            if (when && net_is_timeout(rerr))
                *err = client_error(t, q, deadline_err,
                                    ctx_first      ? NULL
                                    : m->hoffs.len ? " (Client.Timeout exceeded while reading body)"
                                                   : " (Client.Timeout exceeded while awaiting headers)");
            else
                *err = client_error(t, q, rerr, NULL);
            return V_NIL;
        }
    }
    /* http_should_keep_alive: HTTP/1.1 without Connection: close, or 1.0
     * with keep-alive, and a body whose end did not need the EOF */
    tr->reusable = !extra && body_err == V_NIL && http_should_keep_alive(&p);
    Response *rp = mem_alloc(sizeof *rp);
    rp->status = p.status_code;
    rp->major = p.http_major;
    rp->minor = p.http_minor;
    rp->proto = str_printf("HTTP/%d.%d", p.http_major, p.http_minor);
    rp->status_text =
        str_printf("%d %.*s", p.status_code, (int)m->status.len, m->status.data ? m->status.data : "");
    Hdr *rh;
    rp->header = header_new(&rh);
    HOff *o = (HOff *)m->hoffs.data;
    size_t nh = m->hoffs.len / sizeof *o;
    bool chunked = (p.flags & F_CHUNKED) != 0;
    rp->content_length = -1;
    for (size_t i = 0; i < nh; i++) {
        const char *v = m->hdr.data + o[i].vo;
        size_t vl = o[i].vl;
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            vl--;
        while (vl && (v[0] == ' ' || v[0] == '\t')) {
            v++;
            vl--;
        }
        ObjString *k = canonical_key(m->hdr.data + o[i].fo, o[i].fl, NULL);
        if (!strcmp(k->data, "Content-Length") && !chunked) {
            int64_t cl;
            if (strconv_parse_int(v, vl, 10, 64, &cl) == NUM_OK)
                rp->content_length = cl;
        }
        if (!strcmp(k->data, "Transfer-Encoding") && chunked)
            continue; /* Go moves it to TransferEncoding */
        if (!strcmp(k->data, "Connection") && has_token(v, vl, "close"))
            rp->close = true;
        hdr_add(rh, k, sstr(v, vl));
    }
    if (m->head && rp->content_length < 0)
        rp->content_length = -1;
    if (!body_allowed(rp->status))
        rp->content_length = 0;
    rp->body = body_new(m->body.len ? str_new(m->body.data, m->body.len) : NULL);
    ((Body *)payload(rp->body))->err = body_err;
    rp->request = tr->reqv;
    return v_from_ptr(object_new(&response_class, rp));
}

/* Client.Do: the round trip, following redirects as Go's client does. */
static int client_do(Thread *t, Client *cl, Value reqv, Value *r)
{
    Req *q = req_of(reqv);
    if (!q)
        return vm_panicf(t, E_ARG_TYPE, "http.Client.Do", 1, "a *http.Request", v_type_name(reqv));
    int64_t timeout = 0;
    if (cl) {
        lock_acquire(&cl->lk);
        timeout = cl->timeout;
        lock_release(&cl->lk);
    }
    int64_t start = sched_nanotime();
    for (int hops = 0;; hops++) {
        int64_t left = 0;
        if (timeout > 0) {
            left = timeout - (sched_nanotime() - start);
            if (left <= 0)
                left = 1;
        }
        Value err;
        bool panicked;
        Value resp = round_trip(t, q, left, reqv, &err, &panicked);
        if (panicked)
            return -1;
        if (resp == V_NIL) {
            r[0] = V_NIL;
            r[1] = err;
            return 2;
        }
        Response *rp = payload(resp);
        int s = rp->status;
        bool redirect_code = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
        ObjString *loc = redirect_code ? hdr_get(v_map(rp->header), "Location") : NULL;
        if (!loc || (q->body != V_NIL && (s == 307 || s == 308))) {
            r[0] = resp;
            r[1] = V_NIL;
            return 2;
        }
        if (hops >= 9) {
            Value e = v_error("stopped after 10 redirects");
            r[0] = resp;
            r[1] = client_error(t, q, e, NULL);
            return 2;
        }
        /* the next request: Location resolved against this URL */
        Url *cur = url_of(q->url);
        Value nerr;
        Value nu;
        /* a path, absolute or relative to this URL's (ResolveReference) */
        bool has_scheme = false;
        for (size_t i = 0; i < loc->len && loc->data[i] != '/' && loc->data[i] != '?'; i++)
            if (loc->data[i] == ':') {
                has_scheme = true;
                break;
            }
        if (loc->len && !has_scheme && !(loc->len > 1 && loc->data[0] == '/' && loc->data[1] == '/')) {
            Buf target;
            buf_init(&target);
            if (loc->data[0] != '/') {
                Buf ep;
                buf_init(&ep);
                url_escaped_path(cur, &ep);
                const char *slash = ep.data ? memrchr(ep.data, '/', ep.len) : NULL;
                buf_add(&target, ep.data ? ep.data : "/", slash ? (size_t)(slash - ep.data) + 1 : 1);
            }
            const char *qm = memchr(loc->data, '?', loc->len);
            size_t pl = qm ? (size_t)(qm - loc->data) : loc->len;
            buf_add(&target, loc->data, pl);
            /* "./" and "../" resolved, a trailing slash kept */
            bool dir =
                target.len && (target.data[target.len - 1] == '/' || target.data[target.len - 1] == '.');
            ObjString *cp = clean_path(target.data, target.len);
            Buf full;
            buf_init(&full);
            buf_add(&full, cp->data, cp->len);
            if (dir && (full.len == 0 || full.data[full.len - 1] != '/'))
                buf_addc(&full, '/');
            if (qm)
                buf_add(&full, qm, loc->len - pl);
            Url *n2;
            nu = url_new(&n2);
            n2->scheme = cur->scheme;
            n2->host = cur->host;
            if (!url_parse_request_uri(full.data, full.len, n2)) {
                r[0] = resp;
                r[1] = V_NIL;
                return 2;
            }
        } else {
            nu = url_parse(loc->data, loc->len, &nerr);
            if (nu == V_NIL || !url_of(nu)->scheme->len) {
                r[0] = resp;
                r[1] = V_NIL;
                return 2;
            }
        }
        Req *nq;
        Value nv = req_value(&nq);
        nq->method = q->method;
        if ((s == 301 || s == 302 || s == 303) && strcmp(q->method->data, "GET") &&
            strcmp(q->method->data, "HEAD"))
            nq->method = method_strs[HTTP_GET];
        nq->url = nu;
        nq->host = empty;
        nq->ctx = q->ctx;
        nq->header = q->header == V_NIL ? V_NIL : q->header;
        nq->body = (s == 307 || s == 308) ? q->body : V_NIL;
        nq->proto = proto11;
        nq->major = nq->minor = 1;
        q = nq;
        reqv = nv;
    }
}

static int new_request(Thread *t, Value ctx, Value *a, Value *r, const char *fname)
{
    ObjString *method, *us;
    if (!vm_check_str(t, fname, a, 0, &method) || !vm_check_str(t, fname, a, 1, &us))
        return -1;
    if (method->len == 0)
        method = method_strs[HTTP_GET];
    for (size_t i = 0; i < method->len; i++)
        if ((unsigned char)method->data[i] <= ' ' || strchr("()<>@,;:\\\"/[]?={}", method->data[i]) ||
            (unsigned char)method->data[i] >= 0x7f) {
            Buf qm;
            buf_init(&qm);
            format_quote(&qm, method->data, method->len, false);
            r[0] = V_NIL;
            r[1] = stdlib_error(E_HTTP_BAD_METHOD, qm.data);
            return 2;
        }
    Value err;
    Value u = url_parse(us->data, us->len, &err);
    if (u == V_NIL) {
        r[0] = V_NIL;
        r[1] = err;
        return 2;
    }
    Req *q;
    Value rv = req_value(&q);
    q->method = method;
    q->url = u;
    q->proto = proto11;
    q->major = q->minor = 1;
    q->host = url_of(u)->host;
    q->ctx = ctx;
    Hdr *h;
    q->header = header_new(&h);
    Value body = a[2];
    if (body != V_NIL && !stream_is_reader(body))
        return vm_panicf(t, E_ARG_TYPE, fname, 3, "an io.Reader", v_type_name(body));
    q->body = body;
    q->content_length = 0;
    if (body != V_NIL) {
        /* Go knows the length of a strings.Reader, bytes.Reader or bytes.Buffer */
        int rc = stream_call(t, body, "Len", NULL, 0);
        if (rc >= 1 && v_is_anyint(t->rets[0]))
            q->content_length = v_anyint(t->rets[0]);
        else if (rc == -1)
            return -1;
    }
    r[0] = rv;
    r[1] = V_NIL;
    return 2;
}

static int f_new_request(Thread *t, Value *a, int n, Value *r)
{
    return new_request(t, V_NIL, a, r, "http.NewRequest");
}

static int f_new_request_ctx(Thread *t, Value *a, int n, Value *r)
{
    if (a[0] == V_NIL) {
        r[0] = V_NIL;
        r[1] = v_error("net/http: nil Context");
        return 2;
    }
    return new_request(t, a[0], a + 1, r, "http.NewRequestWithContext");
}

static int simple(Thread *t, Client *cl, const char *method, Value url, Value ctype, Value body, Value *r,
                  const char *fname)
{
    Value a[3] = {v_cstr(method), url, body};
    if (new_request(t, V_NIL, a, r, fname) < 0)
        return -1;
    if (r[0] == V_NIL)
        return 2;
    Value rv = r[0];
    if (ctype != V_NIL) {
        if (!v_is_str(ctype))
            return vm_panicf(t, E_ARG_TYPE, fname, 2, "string", v_type_name(ctype));
        hdr_set(v_map(req_header(req_of(rv))), "Content-Type", v_str(ctype));
    }
    return client_do(t, cl, rv, r);
}

static Client *client_of(Value v)
{
    return payload(v);
}

static int c_do(Thread *t, Value *a, int n, Value *r)
{
    return client_do(t, client_of(a[0]), a[1], r);
}

static int c_get(Thread *t, Value *a, int n, Value *r)
{
    return simple(t, client_of(a[0]), "GET", a[1], V_NIL, V_NIL, r, "http.Client.Get");
}

static int c_head(Thread *t, Value *a, int n, Value *r)
{
    return simple(t, client_of(a[0]), "HEAD", a[1], V_NIL, V_NIL, r, "http.Client.Head");
}

static int c_post(Thread *t, Value *a, int n, Value *r)
{
    return simple(t, client_of(a[0]), "POST", a[1], a[2], a[3], r, "http.Client.Post");
}

static int c_set_timeout(Thread *t, Value *a, int n, Value *r)
{
    int64_t v;
    if (!stdlib_duration_arg(t, "http.Client.Timeout", a[1], 1, &v))
        return -1;
    Client *c = client_of(a[0]);
    lock_acquire(&c->lk);
    c->timeout = v;
    lock_release(&c->lk);
    return 0;
}

static Value client_field(Value self, ObjString *name)
{
    if (strcmp(name->data, "Timeout"))
        return V_UNDEF;
    Client *c = client_of(self);
    lock_acquire(&c->lk);
    int64_t v = c->timeout;
    lock_release(&c->lk);
    return stdlib_duration(v);
}

static const MethodDef client_methods[] = {{"Do", c_do, 1, 1},
                                           {"Get", c_get, 1, 1},
                                           {"Head", c_head, 1, 1},
                                           {"Post", c_post, 3, 3},
                                           {"CloseIdleConnections", s_noop, 0, 0},
                                           {"Timeout=", c_set_timeout, 1, 1},
                                           {NULL, NULL, 0, 0}};
static const ObjClass client_class = {
    .name = "*http.Client", .methods = client_methods, .get_field = client_field};

static int f_response(Thread *t, Value *a, int n, Value *r)
{
    Response *rp = mem_alloc(sizeof *rp);
    rp->status_text = rp->proto = empty;
    rp->header = rp->body = rp->request = V_NIL;
    r[0] = v_from_ptr(object_new(&response_class, rp));
    return 1;
}

static int f_client(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(object_new(&client_class, mem_alloc(sizeof(Client))));
    return 1;
}

static int f_get(Thread *t, Value *a, int n, Value *r)
{
    return simple(t, NULL, "GET", a[0], V_NIL, V_NIL, r, "http.Get");
}

static int f_head(Thread *t, Value *a, int n, Value *r)
{
    return simple(t, NULL, "HEAD", a[0], V_NIL, V_NIL, r, "http.Head");
}

static int f_post(Thread *t, Value *a, int n, Value *r)
{
    return simple(t, NULL, "POST", a[0], a[1], a[2], r, "http.Post");
}

/* ---- cookies ------------------------------------------------------------
 * http.Cookie is Go 1.22's struct; SetCookie writes its Set-Cookie line
 * (Cookie.String), r.Cookie and r.Cookies read the Cookie header, and
 * resp.Cookies the Set-Cookie lines. */

enum {
    CK_NAME,
    CK_VALUE,
    CK_PATH,
    CK_DOMAIN,
    CK_EXPIRES,
    CK_RAWEXPIRES,
    CK_MAXAGE,
    CK_SECURE,
    CK_HTTPONLY,
    CK_SAMESITE,
    CK_RAW,
    CK_UNPARSED,
    CK_N
};

static ObjType *cookie_type, *samesite_type;
static const ObjType *cookies_ty;

static ObjStruct *cookie_of(Value v)
{
    v = iface_unbox(v);
    if (!v_is_ref(v))
        return NULL;
    ObjStruct *st = v_ref_target(v);
    return st && st->h.kind == OBJ_STRUCT && st->type == cookie_type ? st : NULL;
}

static Value cookie_new(ObjString *name, ObjString *value)
{
    ObjStruct *st = mem_alloc(sizeof *st + sizeof(Value) * CK_N);
    st->h.kind = OBJ_STRUCT;
    st->type = cookie_type;
    for (int i = 0; i < CK_N; i++)
        st->f[i] = v_from_ptr(empty);
    st->f[CK_NAME] = v_from_ptr(name);
    st->f[CK_VALUE] = v_from_ptr(value);
    st->f[CK_EXPIRES] = stdlib_time_zero();
    st->f[CK_MAXAGE] = v_int_small(0);
    st->f[CK_SECURE] = st->f[CK_HTTPONLY] = V_FALSE;
    st->f[CK_SAMESITE] = named_new(samesite_type, v_int_small(0));
    st->f[CK_UNPARSED] = v_from_ptr(list_nil(strings_ty));
    return v_ref(st);
}

static bool token_byte(unsigned char c)
{
    return c > ' ' && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

static const ObjString *fstr(ObjStruct *st, int i)
{
    return v_is_str(v_unnamed(st->f[i])) ? v_str(v_unnamed(st->f[i])) : empty;
}

/* Cookie.String: "" when the name is no token, as Go's. */
static void cookie_string(Thread *t, ObjStruct *st, Buf *b)
{
    const ObjString *name = fstr(st, CK_NAME), *val = fstr(st, CK_VALUE);
    if (name->len == 0)
        return;
    for (size_t i = 0; i < name->len; i++)
        if (!token_byte((unsigned char)name->data[i]))
            return;
    buf_add(b, name->data, name->len);
    buf_addc(b, '=');
    /* Go's sanitizeCookieValue: invalid bytes dropped, quoted when it has a space or comma */
    Buf v;
    buf_init(&v);
    bool quote = false;
    for (size_t i = 0; i < val->len; i++) {
        unsigned char c = (unsigned char)val->data[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == ';' || c == '\\')
            continue;
        quote |= c == ' ' || c == ',';
        buf_addc(&v, (char)c);
    }
    if (quote)
        buf_addc(b, '"');
    buf_add(b, v.data ? v.data : "", v.len);
    if (quote)
        buf_addc(b, '"');
    const ObjString *path = fstr(st, CK_PATH), *domain = fstr(st, CK_DOMAIN);
    if (path->len) {
        buf_adds(b, "; Path=");
        buf_add(b, path->data, path->len);
    }
    if (domain->len) {
        buf_adds(b, "; Domain=");
        bool dot = domain->data[0] == '.';
        buf_add(b, domain->data + dot, domain->len - dot);
    }
    int64_t ns;
    int zr = stream_call(t, st->f[CK_EXPIRES], "IsZero", NULL, 0);
    bool zero = zr < 1 || t->rets[0] == V_TRUE;
    if (zr < 0)
        vm_clear_panic(t);
    if (!zero && stdlib_time_unix_nano(st->f[CK_EXPIRES], &ns)) {
        time_t sec = (time_t)(ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000));
        struct tm tm;
        char text[64];
        gmtime_r(&sec, &tm);
        strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        buf_adds(b, "; Expires=");
        buf_adds(b, text);
    }
    Value ma = v_unnamed(st->f[CK_MAXAGE]), ssv = v_unnamed(st->f[CK_SAMESITE]);
    int64_t maxage = v_is_anyint(ma) ? v_anyint(ma) : 0;
    if (maxage > 0)
        buf_printf(b, "; Max-Age=%lld", (long long)maxage);
    else if (maxage < 0)
        buf_adds(b, "; Max-Age=0");
    if (st->f[CK_HTTPONLY] == V_TRUE)
        buf_adds(b, "; HttpOnly");
    if (st->f[CK_SECURE] == V_TRUE)
        buf_adds(b, "; Secure");
    int64_t ss = v_is_anyint(ssv) ? v_anyint(ssv) : 0;
    static const char *const modes[] = {NULL, NULL, "Lax", "Strict", "None"};
    if (ss >= 2 && ss <= 4) {
        buf_adds(b, "; SameSite=");
        buf_adds(b, modes[ss]);
    }
}

static int ck_string(Thread *t, Value *a, int n, Value *r)
{
    ObjStruct *st = cookie_of(a[0]);
    if (!st)
        return vm_panicf(t, E_NIL_DEREF);
    Buf b;
    buf_init(&b);
    cookie_string(t, st, &b);
    r[0] = v_from_ptr(b.len ? buf_to_str(&b) : empty);
    return 1;
}

/* http.SetCookie(w, c): a Set-Cookie header (none for an invalid name). */
static int f_set_cookie(Thread *t, Value *a, int n, Value *r)
{
    ObjStruct *st = cookie_of(a[1]);
    if (!st)
        return vm_panicf(t, E_ARG_TYPE, "http.SetCookie", 2, "a *http.Cookie", v_type_name(a[1]));
    Buf b;
    buf_init(&b);
    cookie_string(t, st, &b);
    if (b.len == 0)
        return 0;
    Resp *w = resp_of(a[0]);
    if (w) {
        hdr_add(v_map(resp_header(w)), str_cstr("Set-Cookie"), buf_to_str(&b));
        return 0;
    }
    if (stream_call(t, a[0], "Header", NULL, 0) < 1)
        return -1;
    Value hv = t->rets[0];
    Value args[2] = {v_cstr("Set-Cookie"), v_from_ptr(buf_to_str(&b))};
    return stream_call(t, hv, "Add", args, 2) < 0 ? -1 : 0;
}

/* The cookies of lines ("a=1; b=\"2\""): each into out, or the first
 * named `only` into *found. */
static void parse_cookie_lines(Value lines, const char *only, ObjList *out, Value *found)
{
    Value line;
    for (int64_t i = 0; v_is_obj(lines, OBJ_LIST) && list_get(v_list(lines), i, &line); i++) {
        if (!v_is_str(line))
            continue;
        const char *s = v_str(line)->data;
        size_t len = v_str(line)->len, p = 0;
        while (p < len) {
            while (p < len && (s[p] == ' ' || s[p] == ';'))
                p++;
            size_t st = p;
            while (p < len && s[p] != ';')
                p++;
            size_t e = p;
            while (e > st && s[e - 1] == ' ')
                e--;
            const char *eq = memchr(s + st, '=', e - st);
            if (!eq || eq == s + st)
                continue;
            size_t nl = (size_t)(eq - (s + st));
            bool ok = true;
            for (size_t k = 0; k < nl; k++)
                ok &= token_byte((unsigned char)s[st + k]);
            const char *v = eq + 1;
            size_t vl = (size_t)(s + e - v);
            if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
                v++;
                vl -= 2;
            }
            if (!ok || (only && (strlen(only) != nl || memcmp(only, s + st, nl) != 0)))
                continue;
            Value c = cookie_new(str_new(s + st, nl), sstr(v, vl));
            if (found) {
                *found = c;
                return;
            }
            list_append(out, c);
        }
    }
}

static Value cookie_lines(Req *q)
{
    Value l;
    return map_get(v_map(req_header(q)), v_cstr("Cookie"), &l) ? l : V_NIL;
}

static int r_cookie(Thread *t, Value *a, int n, Value *r)
{
    ObjString *name;
    if (!vm_check_str(t, "http.Request.Cookie", a, 1, &name))
        return -1;
    Value found = V_NIL;
    parse_cookie_lines(cookie_lines(payload(a[0])), name->data, NULL, &found);
    r[0] = found;
    r[1] = found == V_NIL ? stdlib_error(E_HTTP_NO_COOKIE) : V_NIL;
    return 2;
}

static int r_cookies(Thread *t, Value *a, int n, Value *r)
{
    ObjList *l = list_new(0, 0);
    list_set_type(l, cookies_ty);
    parse_cookie_lines(cookie_lines(payload(a[0])), NULL, l, NULL);
    r[0] = v_from_ptr(l);
    return 1;
}

static int r_add_cookie(Thread *t, Value *a, int n, Value *r)
{
    ObjStruct *st = cookie_of(a[1]);
    if (!st)
        return vm_panicf(t, E_ARG_TYPE, "http.Request.AddCookie", 1, "a *http.Cookie", v_type_name(a[1]));
    Hdr *h = v_map(req_header(payload(a[0])));
    Buf b;
    buf_init(&b);
    ObjString *old = hdr_get(h, "Cookie");
    if (old && old->len) {
        buf_add(&b, old->data, old->len);
        buf_adds(&b, "; ");
    }
    const ObjString *nm = fstr(st, CK_NAME), *v = fstr(st, CK_VALUE);
    buf_add(&b, nm->data, nm->len);
    buf_addc(&b, '=');
    buf_add(&b, v->data, v->len);
    hdr_set(h, "Cookie", buf_to_str(&b));
    return 0;
}

/* resp.Cookies(): the Set-Cookie lines' cookies (name, value and the
 * common attributes). */
static int resp_cookies(Thread *t, Value *a, int n, Value *r)
{
    Response *rp = payload(a[0]);
    ObjList *out = list_new(0, 0);
    list_set_type(out, cookies_ty);
    Value lines;
    if (rp->header != V_NIL && map_get(v_map(rp->header), v_cstr("Set-Cookie"), &lines)) {
        Value line;
        for (int64_t i = 0; list_get(v_list(lines), i, &line); i++) {
            if (!v_is_str(line))
                continue;
            const char *s = v_str(line)->data;
            size_t len = v_str(line)->len;
            const char *semi = memchr(s, ';', len);
            size_t first = semi ? (size_t)(semi - s) : len;
            Value fv = v_from_ptr(str_new(s, first));
            Value fl = v_from_ptr(list_from(&fv, 1));
            Value c = V_NIL;
            parse_cookie_lines(fl, NULL, NULL, &c);
            if (c == V_NIL)
                continue;
            ObjStruct *st = cookie_of(c);
            st->f[CK_RAW] = line;
            size_t p = first;
            while (p < len) {
                while (p < len && (s[p] == ';' || s[p] == ' '))
                    p++;
                size_t b0 = p;
                while (p < len && s[p] != ';')
                    p++;
                const char *attr = s + b0;
                size_t al = p - b0;
                const char *eq = memchr(attr, '=', al);
                size_t kl = eq ? (size_t)(eq - attr) : al;
                const char *v = eq ? eq + 1 : "";
                size_t vl = eq ? al - kl - 1 : 0;
                if (ieq(attr, kl, "path"))
                    st->f[CK_PATH] = v_from_ptr(sstr(v, vl));
                else if (ieq(attr, kl, "domain"))
                    st->f[CK_DOMAIN] = v_from_ptr(sstr(v, vl));
                else if (ieq(attr, kl, "expires"))
                    st->f[CK_RAWEXPIRES] = v_from_ptr(sstr(v, vl));
                else if (ieq(attr, kl, "max-age")) {
                    int64_t ma;
                    if (strconv_parse_int(v, vl, 10, 64, &ma) == NUM_OK)
                        st->f[CK_MAXAGE] = v_make_int(ma <= 0 ? -1 : ma);
                } else if (ieq(attr, kl, "secure")) {
                    st->f[CK_SECURE] = V_TRUE;
                } else if (ieq(attr, kl, "httponly")) {
                    st->f[CK_HTTPONLY] = V_TRUE;
                } else if (ieq(attr, kl, "samesite")) {
                    int mode = ieq(v, vl, "lax") ? 2 : ieq(v, vl, "strict") ? 3 : ieq(v, vl, "none") ? 4 : 1;
                    st->f[CK_SAMESITE] = named_new(samesite_type, v_int_small(mode));
                }
            }
            list_append(out, c);
        }
    }
    r[0] = v_from_ptr(out);
    return 1;
}

static void cookie_types_init(void)
{
    samesite_type = types_new_named("http.SameSite");
    types_define(samesite_type, types_parse("int", 3));
    types_register_type(samesite_type);
    const char *text = "struct { Name string; Value string; Path string; Domain string; Expires time.Time; "
                       "RawExpires string; MaxAge int; Secure bool; HttpOnly bool; SameSite http.SameSite; "
                       "Raw string; Unparsed []string }";
    cookie_type = types_new_named("http.Cookie");
    types_define(cookie_type, types_parse_with(text, strlen(text), NULL, NULL));
    ObjNative *m = native_new("http.Cookie.String", ck_string, 1, 1);
    m->h.flags = NATIVE_METHOD;
    types_add_method(cookie_type, str_cstr("String"), v_from_ptr(m), true, "() string");
    types_register_type(cookie_type);
    cookies_ty = types_parse("[]*http.Cookie", 14);
}

/* ---- FileServer and ServeFile ------------------------------------------
 * Files are read whole through the blocking-call hand-off (a regular file
 * has no poller): stat, open and read run on the thread's own stack while
 * the runtime may give its P to others. */

static ObjType *dir_type; /* http.Dir, a string type */

static void escape_path_into(const char *p, Buf *b);

/* What one lookup found, filled off the scheduler (no csp objects). */
typedef struct FileJob {
    const char *path;    /* in */
    bool want_index;     /* in: a directory's index.html instead, if any */
    int err;             /* out: errno, 0 */
    bool is_dir;         /* out */
    int64_t mtime, size; /* out */
    char *data;          /* out: malloc'd contents (files) */
    char **names;        /* out: malloc'd entry names (directories), '/' appended to subdirectories */
    size_t nnames;
} FileJob;

static void file_job(void *arg)
{
    FileJob *j = arg;
    struct stat st;
    if (stat(j->path, &st) != 0) {
        j->err = errno;
        return;
    }
    j->is_dir = S_ISDIR(st.st_mode);
    j->mtime = (int64_t)st.st_mtime;
    j->size = (int64_t)st.st_size;
    if (j->is_dir) {
        DIR *d = opendir(j->path);
        if (!d) {
            j->err = errno;
            return;
        }
        size_t cap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            bool sub = e->d_type == DT_DIR;
            if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
                char full[4096];
                struct stat es;
                snprintf(full, sizeof full, "%s/%s", j->path, e->d_name);
                sub = stat(full, &es) == 0 && S_ISDIR(es.st_mode);
            }
            if (j->nnames == cap) {
                cap = cap ? cap * 2 : 16;
                char **nn = realloc(j->names, cap * sizeof *nn);
                if (!nn)
                    break;
                j->names = nn;
            }
            size_t l = strlen(e->d_name);
            char *nm = malloc(l + 2);
            if (!nm)
                break;
            memcpy(nm, e->d_name, l);
            nm[l] = sub ? '/' : 0;
            nm[l + 1] = 0;
            j->names[j->nnames++] = nm;
        }
        closedir(d);
        return;
    }
    FILE *f = fopen(j->path, "rb");
    if (!f) {
        j->err = errno;
        return;
    }
    j->data = malloc((size_t)j->size + 1);
    size_t got = j->data ? fread(j->data, 1, (size_t)j->size, f) : 0;
    if (!j->data || ferror(f))
        j->err = EIO;
    j->size = (int64_t)got;
    fclose(f);
}

static void file_job_free(FileJob *j)
{
    free(j->data);
    for (size_t i = 0; i < j->nnames; i++)
        free(j->names[i]);
    free(j->names);
}

static const char *mime_by_ext(const char *name)
{
    const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
    if (!dot || (slash && dot < slash))
        return NULL;
    static const char *const types[][2] = {
        {".avif", "image/avif"},
        {".css", "text/css; charset=utf-8"},
        {".gif", "image/gif"},
        {".htm", "text/html; charset=utf-8"},
        {".html", "text/html; charset=utf-8"},
        {".jpeg", "image/jpeg"},
        {".jpg", "image/jpeg"},
        {".js", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".pdf", "application/pdf"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".txt", "text/plain; charset=utf-8"},
        {".wasm", "application/wasm"},
        {".webp", "image/webp"},
        {".xml", "text/xml; charset=utf-8"},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (!strcasecmp(dot, types[i][0]))
            return types[i][1];
    return NULL;
}

static void http_time(int64_t sec, char *out, size_t n)
{
    time_t s = (time_t)sec;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* A ResponseWriter's header, status and body for code that serves any
 * writer (the server's own, or a script's type wrapping it): the
 * server's directly, others through their methods. */
static Hdr *writer_header(Thread *t, Value wv)
{
    Resp *w = resp_of(wv);
    if (w)
        return v_map(resp_header(w));
    if (stream_call(t, wv, "Header", NULL, 0) < 1)
        return NULL;
    if (!is_header(t->rets[0])) {
        vm_panicf(t, E_ARG_TYPE, "http.FileServer", 1, "a ResponseWriter whose Header is an http.Header",
                  v_type_name(wv));
        return NULL;
    }
    return v_map(t->rets[0]);
}

static int writer_status(Thread *t, Value wv, int code)
{
    Resp *w = resp_of(wv);
    if (w) {
        if (!w->status && !w->done)
            w->status = code;
        return 0;
    }
    Value c = v_int_small(code);
    return stream_call(t, wv, "WriteHeader", &c, 1) < 0 ? -1 : 0;
}

static int writer_body(Thread *t, Value wv, const char *p, size_t n)
{
    Value err;
    Resp *w = resp_of(wv);
    if (w)
        return resp_write(t, w, p, n, &err) < 0 ? -1 : 0;
    return stream_write(t, "http.FileServer", wv, p, n, &err) < 0 ? -1 : 0;
}

/* Go's localRedirect: a 301 to a path relative to the request's. */
static int local_redirect(Thread *t, Value wv, Hdr *h, Req *q, const char *to)
{
    Buf b;
    buf_init(&b);
    buf_adds(&b, to);
    Url *u = url_of(q->url);
    if (u && u->raw_query->len) {
        buf_addc(&b, '?');
        buf_add(&b, u->raw_query->data, u->raw_query->len);
    }
    hdr_set(h, "Location", buf_to_str(&b));
    return writer_status(t, wv, 301);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the request's If-Modified-Since is at or after mtime. */
static bool not_modified(Req *q, int64_t mtime)
{
    ObjString *ims = req_header_get(q, "If-Modified-Since");
    if (!ims)
        return false;
    struct tm tm = {0};
    const char *end = strptime(ims->data, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return false;
    return (int64_t)timegm(&tm) >= mtime;
}

static void base_name(const char *p, Buf *b)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    size_t s = n;
    while (s > 0 && p[s - 1] != '/')
        s--;
    buf_add(b, p + s, n - s);
}

/* Go's serveFile: name is a clean URL path ("/a/b.txt") under dir. */
static int serve_file(Thread *t, Value wv, Value rv, const char *dir, size_t dn, const char *name,
                      bool redirect)
{
    Req *q = req_of(rv);
    if (!q)
        return vm_panicf(t, E_ARG_TYPE, "http.FileServer", 2, "an *http.Request", v_type_name(rv));
    Hdr *h = writer_header(t, wv);
    if (!h)
        return -1;
    Url *ru = url_of(q->url);
    if (ru && ru->path->len >= 11 && !strcmp(ru->path->data + ru->path->len - 11, "/index.html")) {
        /* .../index.html is served as .../ (relative: StripPrefix may be above) */
        return local_redirect(t, wv, h, q, "./");
    }
    Buf path;
    buf_init(&path);
    buf_add(&path, dn ? dir : ".", dn ? dn : 1);
    buf_adds(&path, name);
    FileJob j = {.path = path.data};
    sched_syscall(file_job, &j);
    if (j.err) {
        file_job_free(&j);
        if (j.err == ENOENT || j.err == ENOTDIR)
            return http_error(t, wv, "404 page not found", 404);
        if (j.err == EACCES || j.err == EPERM)
            return http_error(t, wv, "403 Forbidden", 403);
        return http_error(t, wv, "500 Internal Server Error", 500);
    }
    Url *u = url_of(q->url);
    const char *up = u ? u->path->data : "/";
    size_t ul = u ? u->path->len : 1;
    if (redirect) {
        Buf to;
        buf_init(&to);
        if (j.is_dir && (ul == 0 || up[ul - 1] != '/')) {
            base_name(up, &to);
            buf_addc(&to, '/');
            file_job_free(&j);
            return local_redirect(t, wv, h, q, to.data);
        }
        if (!j.is_dir && ul && up[ul - 1] == '/') {
            buf_adds(&to, "../");
            base_name(up, &to);
            file_job_free(&j);
            return local_redirect(t, wv, h, q, to.data);
        }
    }
    if (j.is_dir) {
        /* its index.html, if there is one */
        Buf ip;
        buf_init(&ip);
        buf_add(&ip, path.data, path.len);
        if (ip.len && ip.data[ip.len - 1] != '/')
            buf_addc(&ip, '/');
        buf_adds(&ip, "index.html");
        FileJob ij = {.path = ip.data};
        sched_syscall(file_job, &ij);
        if (!ij.err && !ij.is_dir) {
            file_job_free(&j);
            j = ij;
            name = "index.html";
        } else {
            file_job_free(&ij);
        }
    }
    char lm[64];
    if (j.mtime > 0 && not_modified(q, j.mtime)) {
        hdr_del(h, "Content-Type");
        hdr_del(h, "Content-Length");
        file_job_free(&j);
        return writer_status(t, wv, 304);
    }
    if (j.mtime > 0) {
        http_time(j.mtime, lm, sizeof lm);
        hdr_set(h, "Last-Modified", str_cstr(lm));
    }
    if (j.is_dir) {
        qsort(j.names, j.nnames, sizeof *j.names, cmp_names);
        hdr_set(h, "Content-Type", str_cstr("text/html; charset=utf-8"));
        Buf b;
        buf_init(&b);
        buf_adds(&b, "<!doctype html>\n<meta name=\"viewport\" content=\"width=device-width\">\n<pre>\n");
        for (size_t i = 0; i < j.nnames; i++) {
            const char *nm = j.names[i];
            buf_adds(&b, "<a href=\"");
            escape_path_into(nm, &b);
            buf_adds(&b, "\">");
            html_escape_into(&b, nm, strlen(nm));
            buf_adds(&b, "</a>\n");
        }
        buf_adds(&b, "</pre>\n");
        file_job_free(&j);
        return writer_body(t, wv, b.data, b.len);
    }
    if (!hdr_get(h, "Content-Type")) {
        const char *ct = mime_by_ext(name);
        hdr_set(h, "Content-Type", str_cstr(ct ? ct : sniff(j.data ? j.data : "", (size_t)j.size)));
    }
    hdr_set(h, "Accept-Ranges", str_cstr("bytes"));
    hdr_set(h, "Content-Length", str_printf("%lld", (long long)j.size));
    int rc = writer_status(t, wv, 200);
    if (rc == 0 && strcmp(q->method->data, "HEAD") != 0 && j.size > 0)
        rc = writer_body(t, wv, j.data, (size_t)j.size);
    file_job_free(&j);
    return rc;
}

/* A relative link's path escaped as url.URL{Path: p}.String() does. */
static void escape_path_into(const char *p, Buf *b)
{
    Url *u;
    url_new(&u);
    u->path = str_cstr(p);
    url_string(u, b);
}

typedef struct FileSrv {
    ObjString *root; /* immutable */
} FileSrv;

static int fsrv_serve(Thread *t, Value *a, int n, Value *r)
{
    FileSrv *fs = payload(a[0]);
    Req *q = req_of(a[2]);
    Url *u = q ? url_of(q->url) : NULL;
    Buf p;
    buf_init(&p);
    if (!u || u->path->len == 0 || u->path->data[0] != '/')
        buf_addc(&p, '/');
    if (u)
        buf_add(&p, u->path->data, u->path->len);
    ObjString *clean = clean_path(p.data, p.len);
    size_t cl = clean->len;
    if (cl > 1 && clean->data[cl - 1] == '/')
        clean = str_new(clean->data, cl - 1); /* path.Clean: no trailing slash */
    return serve_file(t, a[1], a[2], fs->root->data, fs->root->len, clean->data, true);
}

static const MethodDef fsrv_methods[] = {{"ServeHTTP", fsrv_serve, 2, 2}, {NULL, NULL, 0, 0}};
static const ObjClass fsrv_class = {.name = "*http.fileHandler", .methods = fsrv_methods, .get_field = NULL};

static int f_file_server(Thread *t, Value *a, int n, Value *r)
{
    Value root = v_unnamed(a[0]);
    if (!v_is_str(root))
        return vm_panicf(t, E_ARG_TYPE, "http.FileServer", 1, "an http.Dir", v_type_name(a[0]));
    FileSrv *fs = mem_alloc(sizeof *fs);
    fs->root = v_str(root);
    r[0] = v_from_ptr(object_new(&fsrv_class, fs));
    return 1;
}

/* http.ServeFile(w, r, name): name is a path on this machine. */
static int f_serve_file(Thread *t, Value *a, int n, Value *r)
{
    ObjString *name;
    if (!vm_check_str(t, "http.ServeFile", a, 2, &name))
        return -1;
    Req *q = req_of(a[1]);
    Url *u = q ? url_of(q->url) : NULL;
    if (u && (strstr(u->path->data, "/../") || !strcmp(u->path->data, "..") ||
              (u->path->len >= 3 && !strcmp(u->path->data + u->path->len - 3, "/..")) ||
              !strncmp(u->path->data, "../", 3)))
        return http_error(t, a[0], "invalid URL path", 400);
    const char *slash = strrchr(name->data, '/');
    size_t dn = slash ? (size_t)(slash - name->data) : 0;
    Buf file;
    buf_init(&file);
    buf_addc(&file, '/');
    buf_adds(&file, slash ? slash + 1 : name->data);
    return serve_file(t, a[0], a[1], slash && dn == 0 ? "/" : name->data, slash ? (dn ? dn : 1) : 0,
                      file.data, false);
}

/* The conversion http.Dir(s). */
static int f_dir(Thread *t, Value *a, int n, Value *r)
{
    Value s = v_unnamed(a[0]);
    if (!v_is_str(s))
        return vm_panicf(t, E_ARG_TYPE, "http.Dir", 1, "string", v_type_name(a[0]));
    r[0] = named_new(dir_type, s);
    return 1;
}

static void fs_types_init(void)
{
    dir_type = types_new_named("http.Dir");
    types_define(dir_type, types_parse("string", 6));
    types_register_type(dir_type);
}

/* ---- the module ------------------------------------------------------------ */

static const ModuleFn http_fns[] = {
    {"HandleFunc", f_handle_func, 2, 2, NULL},
    {"Handle", f_handle, 2, 2, NULL},
    {"ListenAndServe", f_listen_and_serve, 2, 2, "func(string, http.Handler) error"},
    {"Serve", f_serve, 2, 2, NULL},
    {"NewServeMux", f_new_serve_mux, 0, 0, "func() *http.ServeMux"},
    {"ServeMux", f_new_serve_mux, 0, 0, NULL},
    {"Server", f_server, 0, 0, NULL},
    {"Client", f_client, 0, 0, NULL},
    {"Request", f_request, 0, 0, NULL},
    {"Response", f_response, 0, 0, NULL},
    {"HandlerFunc", f_handler_func, 1, 1, NULL},
    {"Error", f_error, 3, 3, "func(http.ResponseWriter, string, int)"},
    {"NotFound", f_not_found, 2, 2, NULL},
    {"NotFoundHandler", f_not_found_handler, 0, 0, NULL},
    {"Redirect", f_redirect, 4, 4, NULL},
    {"StripPrefix", f_strip_prefix, 2, 2, NULL},
    {"FileServer", f_file_server, 1, 1, NULL},
    {"Dir", f_dir, 1, 1, "func(string) http.Dir"},
    {"ServeFile", f_serve_file, 3, 3, "func(http.ResponseWriter, *http.Request, string)"},
    {"SetCookie", f_set_cookie, 2, 2, "func(http.ResponseWriter, *http.Cookie)"},
    {"StatusText", f_status_text, 1, 1, "func(int) string"},
    {"DetectContentType", f_detect, 1, 1, "func([]byte) string"},
    {"CanonicalHeaderKey", f_canonical, 1, 1, "func(string) string"},
    {"NewRequest", f_new_request, 3, 3, "func(string, string, io.Reader) (*http.Request, error)"},
    {"NewRequestWithContext", f_new_request_ctx, 4, 4, NULL},
    {"Get", f_get, 1, 1, "func(string) (*http.Response, error)"},
    {"Head", f_head, 1, 1, "func(string) (*http.Response, error)"},
    {"Post", f_post, 3, 3, "func(string, string, io.Reader) (*http.Response, error)"},
    {NULL, NULL, 0, 0, NULL},
};

static void http_open(ObjModule *m)
{
    empty = str_new("", 0);
    header_type_init();
    url_init_types();
    cookie_types_init();
    fs_types_init();
    http_parser_set_max_header_size(MAX_HEADER_BYTES);
    for (int i = 0; i < 40; i++) {
        const char *s = http_method_str((enum http_method)i);
        if (s && strcmp(s, "<unknown>") != 0)
            method_strs[i] = str_cstr(s);
    }
    proto10 = str_cstr("HTTP/1.0");
    proto11 = str_cstr("HTTP/1.1");
    conn_serve_fn = native_new("net/http.(*conn).serve", conn_entry, 1, 1);
    bg_read_fn = native_new("net/http.(*connReader).backgroundRead", bg_read_entry, 1, 1);
    watch_fn = native_new("net/http.(*Client).watch", watch_body, 1, 1);
    default_mux = http_new_mux();
    server_closed_err = stdlib_error(E_HTTP_SERVER_CLOSED);
    stream_register(&resp_ops);
    stream_register(&body_ops);
    module_add_fns(m, http_fns);
    module_add(m, "DefaultServeMux", default_mux);
    module_add(m, "DefaultClient", v_from_ptr(object_new(&client_class, mem_alloc(sizeof(Client)))));
    module_add(m, "ErrServerClosed", server_closed_err);
    abort_handler_err = stdlib_error(E_HTTP_ABORT);
    module_add(m, "ErrAbortHandler", abort_handler_err);
    module_add(m, "ErrNoCookie", stdlib_error(E_HTTP_NO_COOKIE));
    module_add(m, "ErrBodyNotAllowed",
               v_error("http: request method or response status code does not allow body"));
    module_add(m, "ErrHandlerTimeout", v_error("http: Handler timeout"));
    module_add(m, "ErrMissingFile", v_error("http: no such file"));
    module_add(m, "NoBody", body_new(NULL));
    static const char *const methods[][2] = {
        {"MethodGet", "GET"},         {"MethodHead", "HEAD"},       {"MethodPost", "POST"},
        {"MethodPut", "PUT"},         {"MethodPatch", "PATCH"},     {"MethodDelete", "DELETE"},
        {"MethodConnect", "CONNECT"}, {"MethodOptions", "OPTIONS"}, {"MethodTrace", "TRACE"},
    };
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        module_add(m, methods[i][0], v_cstr(methods[i][1]));
    module_add(m, "TimeFormat", v_cstr("Mon, 02 Jan 2006 15:04:05 GMT"));
    ModuleInt ints[sizeof statuses / sizeof *statuses + 2];
    size_t k = 0;
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
        ints[k++] = (ModuleInt){statuses[i].name, statuses[i].code};
    ints[k++] = (ModuleInt){"DefaultMaxHeaderBytes", 1 << 20};
    ints[k] = (ModuleInt){NULL, 0};
    module_add_ints(m, ints);
    static const char *const same_site[] = {"SameSiteDefaultMode", "SameSiteLaxMode", "SameSiteStrictMode",
                                            "SameSiteNoneMode"};
    for (int i = 0; i < 4; i++)
        module_add(m, same_site[i], named_new(samesite_type, v_int_small(i + 1)));
    module_add_type(m, "Server", TYPE_OBJECT);
    module_add_type(m, "Client", TYPE_OBJECT);
    module_add_type(m, "ServeMux", TYPE_OBJECT);
    module_add_type(m, "Request", TYPE_OBJECT);
    module_add_type(m, "Response", TYPE_OBJECT);
    module_add_type(m, "HandlerFunc", TYPE_OBJECT);
    module_add_type(m, "Handler", TYPE_INTERFACE);
    module_add_type(m, "ResponseWriter", TYPE_INTERFACE);
    module_add_type(m, "Flusher", TYPE_INTERFACE);
}

const ModuleDef csp_module_http = {"net/http", http_open};
