/* url.c — net/url: Parse, the escaping functions, URL and Values.
 *
 * A URL is a native object whose fields a script reads and sets (u.Path,
 * u.RawQuery...); Values is an ordered list of key/value pairs with Go's
 * methods. Parsing follows Go's url.Parse: fragment, scheme, query,
 * authority, then the path, unescaped, keeping the raw form when it is
 * not the default encoding. net/http builds its requests' URLs here.
 */
#include <pthread.h>
#include <string.h>

#include "../vm/format.h"
#include "../vm/mem.h"
#include "url.h"

/* ---- key/value lists ------------------------------------------------- */

void kv_add(KVList *l, ObjString *k, ObjString *v)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        KV *e = mem_alloc(mem_size((size_t)cap, sizeof *e, 0));
        if (l->n)
            memcpy(e, l->e, (size_t)l->n * sizeof *e);
        l->e = e;
        l->cap = cap;
    }
    l->e[l->n].k = k;
    l->e[l->n].v = v;
    l->n++;
}

/* ---- escaping -------------------------------------------------------- */

enum { ENC_PATH, ENC_SEGMENT, ENC_QUERY, ENC_FRAGMENT };

static bool unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* Go's shouldEscape for the modes this file needs. */
static bool should_escape(unsigned char c, int mode)
{
    if (unreserved(c))
        return false;
    switch (c) {
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '?':
    case '@':
        switch (mode) {
        case ENC_PATH:
            return c == '?';
        case ENC_SEGMENT:
            return c == '/' || c == ';' || c == ',' || c == '?';
        case ENC_QUERY:
            return true;
        default: /* fragment */
            return false;
        }
    }
    if (mode == ENC_FRAGMENT && (c == '!' || c == '(' || c == ')' || c == '*'))
        return false;
    return true;
}

static void escape_mode(const char *s, size_t n, int mode, Buf *b)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' && mode == ENC_QUERY) {
            buf_addc(b, '+');
        } else if (should_escape(c, mode)) {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_add(b, e, 3);
        } else {
            buf_addc(b, (char)c);
        }
    }
}

void url_escape(const char *s, size_t n, bool query, Buf *b)
{
    escape_mode(s, n, query ? ENC_QUERY : ENC_SEGMENT, b);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Unescape; on a bad escape *bad points at it (for the error's text). */
static bool unescape_at(const char *s, size_t n, bool query, Buf *out, size_t *bad)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n) {
                *bad = i;
                return false;
            }
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) {
                *bad = i;
                return false;
            }
            buf_addc(out, (char)(h << 4 | l));
            i += 2;
        } else if (c == '+' && query) {
            buf_addc(out, ' ');
        } else {
            buf_addc(out, c);
        }
    }
    return true;
}

bool url_unescape(const char *s, size_t n, bool query, Buf *out)
{
    size_t bad;
    return unescape_at(s, n, query, out, &bad);
}

/* Go's EscapeError for the escape at s[i]: `invalid URL escape "%zz"`. */
static Value escape_error(const char *s, size_t n, size_t i)
{
    size_t len = n - i < 3 ? n - i : 3;
    Buf q;
    buf_init(&q);
    format_quote(&q, s + i, len, false);
    return stdlib_error(E_URL_ESCAPE, q.data);
}

/* ---- URL ------------------------------------------------------------- */

static ObjString *empty_str(void)
{
    static ObjString *e;
    ObjString *s = __atomic_load_n(&e, __ATOMIC_ACQUIRE);
    if (!s) {
        s = str_new("", 0);
        __atomic_store_n(&e, s, __ATOMIC_RELEASE);
    }
    return s;
}

static const ObjClass url_class;

Value url_new(Url **out)
{
    Url *u = mem_alloc(sizeof *u);
    ObjString *e = empty_str();
    u->scheme = u->opaque = u->host = u->path = u->raw_path = u->raw_query = u->fragment = e;
    u->user = NULL;
    *out = u;
    return v_from_ptr(object_new(&url_class, u));
}

Url *url_of(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &url_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static ObjString *sub(const char *s, size_t n)
{
    return n ? str_new(s, n) : empty_str();
}

/* Path and RawPath from the escaped text p: RawPath is kept only when it
 * is not what EscapedPath would make of Path, as Go's setPath does. */
static bool set_path(Url *u, const char *p, size_t n, size_t *bad)
{
    /* the common case, a path that escaping leaves as it is: no copies */
    size_t i = 0;
    while (i < n && p[i] != '%' && !should_escape((unsigned char)p[i], ENC_PATH))
        i++;
    if (i == n) {
        u->path = sub(p, n);
        u->raw_path = empty_str();
        return true;
    }
    Buf b;
    buf_init(&b);
    if (!unescape_at(p, n, false, &b, bad))
        return false;
    u->path = sub(b.data, b.len);
    Buf e;
    buf_init(&e);
    escape_mode(b.data, b.len, ENC_PATH, &e);
    u->raw_path = e.len == n && memcmp(e.data, p, n) == 0 ? empty_str() : sub(p, n);
    return true;
}

/* The parse; NULL or an error text (Go's url.Error's inner message). */
static Value parse_into(Url *u, const char *s, size_t n, bool via_request)
{
    size_t bad;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return stdlib_error(E_URL_CTL);
    if (!via_request) {
        const char *h = memchr(s, '#', n);
        if (h) {
            size_t fi = (size_t)(h - s) + 1;
            Buf f;
            buf_init(&f);
            if (!unescape_at(s + fi, n - fi, false, &f, &bad))
                return escape_error(s + fi, n - fi, bad);
            u->fragment = sub(f.data, f.len);
            n = (size_t)(h - s);
        }
    }
    if (n == 1 && s[0] == '*') {
        u->path = str_new("*", 1);
        return V_NIL;
    }
    /* the scheme: a letter, then letters, digits, + - . up to ':' */
    size_t i = 0;
    for (; i < n; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            if (i == 0)
                break;
            continue;
        }
        if (c == ':') {
            if (i == 0)
                return stdlib_error(E_URL_NO_SCHEME);
            ObjString *sc = str_new(s, i);
            for (size_t k = 0; k < i; k++)
                if (sc->data[k] >= 'A' && sc->data[k] <= 'Z')
                    sc->data[k] += 'a' - 'A';
            u->scheme = sc;
            s += i + 1;
            n -= i + 1;
        }
        break;
    }
    const char *q = memchr(s, '?', n);
    if (q) {
        size_t qi = (size_t)(q - s);
        u->raw_query = sub(q + 1, n - qi - 1);
        n = qi;
    }
    if (n == 0 || s[0] != '/') {
        if (u->scheme->len) {
            u->opaque = sub(s, n);
            return V_NIL;
        }
        if (via_request)
            return stdlib_error(E_URL_REQUEST);
        const char *slash = memchr(s, '/', n), *colon = memchr(s, ':', n);
        if (colon && (!slash || colon < slash))
            return stdlib_error(E_URL_COLON);
    }
    if ((u->scheme->len || !via_request) && n >= 2 && s[0] == '/' && s[1] == '/' &&
        !(u->scheme->len == 0 && n >= 3 && s[2] == '/')) {
        const char *a = s + 2;
        size_t an = n - 2;
        const char *slash = memchr(a, '/', an);
        size_t alen = slash ? (size_t)(slash - a) : an;
        const char *at = NULL;
        for (size_t k = 0; k < alen; k++)
            if (a[k] == '@')
                at = a + k;
        if (at) {
            u->user = sub(a, (size_t)(at - a));
            alen -= (size_t)(at - a) + 1;
            a = at + 1;
        }
        Buf h;
        buf_init(&h);
        if (!unescape_at(a, alen, false, &h, &bad))
            return escape_error(a, alen, bad);
        u->host = sub(h.data, h.len);
        size_t used = (size_t)(a + alen - s);
        s += used;
        n -= used;
    }
    if (!set_path(u, s, n, &bad))
        return escape_error(s, n, bad);
    return V_NIL;
}

static Value url_error(const char *op, const char *s, size_t n, Value inner)
{
    Buf q;
    buf_init(&q);
    format_quote(&q, s, n, false);
    ObjError *e =
        error_new(str_printf("%s %s: %s", op, q.data, ((ObjError *)v_ptr(inner))->msg->data), false);
    e->wrapped = inner;
    return v_from_ptr(e);
}

Value url_parse(const char *s, size_t n, Value *err)
{
    Url *u;
    Value v = url_new(&u);
    Value e = parse_into(u, s, n, false);
    if (e != V_NIL) {
        *err = url_error("parse", s, n, e);
        return V_NIL;
    }
    *err = V_NIL;
    return v;
}

bool url_parse_request_uri(const char *s, size_t n, Url *u)
{
    return parse_into(u, s, n, true) == V_NIL;
}

bool url_path_plain(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '%' || should_escape((unsigned char)p[i], ENC_PATH))
            return false;
    return true;
}

void url_escaped_path(const Url *u, Buf *b)
{
    if (u->raw_path->len) {
        Buf p;
        buf_init(&p);
        size_t bad;
        if (unescape_at(u->raw_path->data, u->raw_path->len, false, &p, &bad) && p.len == u->path->len &&
            memcmp(p.data, u->path->data, p.len) == 0) {
            buf_add(b, u->raw_path->data, u->raw_path->len);
            return;
        }
    }
    if (u->path->len == 1 && u->path->data[0] == '*') {
        buf_addc(b, '*');
        return;
    }
    escape_mode(u->path->data, u->path->len, ENC_PATH, b);
}

void url_string(const Url *u, Buf *b)
{
    size_t start = b->len;
    if (u->scheme->len) {
        buf_add(b, u->scheme->data, u->scheme->len);
        buf_addc(b, ':');
    }
    if (u->opaque->len) {
        buf_add(b, u->opaque->data, u->opaque->len);
    } else {
        if (u->scheme->len || u->host->len || u->user) {
            if (u->host->len || u->path->len || u->user)
                buf_adds(b, "//");
            if (u->user) {
                buf_add(b, u->user->data, u->user->len);
                buf_addc(b, '@');
            }
            buf_add(b, u->host->data, u->host->len);
        }
        size_t p = b->len;
        url_escaped_path(u, b);
        if (b->len > p && b->data[p] != '/' && u->host->len) {
            /* a relative path after a host gets its '/' */
            buf_addc(b, '/');
            memmove(b->data + p + 1, b->data + p, b->len - p - 1);
            b->data[p] = '/';
        }
        (void)start;
    }
    if (u->raw_query->len) {
        buf_addc(b, '?');
        buf_add(b, u->raw_query->data, u->raw_query->len);
    }
    if (u->fragment->len) {
        buf_addc(b, '#');
        escape_mode(u->fragment->data, u->fragment->len, ENC_FRAGMENT, b);
    }
}

void url_request_uri(const Url *u, Buf *b)
{
    if (u->opaque->len) {
        if (u->opaque->len >= 2 && u->opaque->data[0] == '/' && u->opaque->data[1] == '/') {
            buf_add(b, u->scheme->data, u->scheme->len);
            buf_addc(b, ':');
        }
        buf_add(b, u->opaque->data, u->opaque->len);
    } else {
        size_t p = b->len;
        url_escaped_path(u, b);
        if (b->len == p)
            buf_addc(b, '/');
    }
    if (u->raw_query->len) {
        buf_addc(b, '?');
        buf_add(b, u->raw_query->data, u->raw_query->len);
    }
}

/* ---- Values ----------------------------------------------------------
 * Go's url.Values: the declared type map[string][]string with methods, so
 * a script ranges over it, indexes it and writes url.Values{"q": {"x"}}. */

static ObjType *values_type;
static const ObjType *strings_ty;

Value url_values_new(ObjMap **out)
{
    ObjMap *m = map_new(0);
    types_map_init(m, values_type);
    m->type = values_type;
    *out = m;
    return v_from_ptr(m);
}

ObjMap *url_values_of(Value v)
{
    return v_is_obj(v, OBJ_MAP) ? v_map(v) : NULL;
}

void url_values_add(ObjMap *m, ObjString *k, ObjString *v)
{
    Value l, item = v_from_ptr(v);
    if (map_get(m, v_from_ptr(k), &l) && v_is_obj(l, OBJ_LIST)) {
        map_set(m, v_from_ptr(k), v_from_ptr(list_appended(v_list(l), &item, 1)));
    } else {
        ObjList *nl = list_new(0, 1);
        list_set_type(nl, strings_ty);
        list_append(nl, item);
        map_set(m, v_from_ptr(k), v_from_ptr(nl));
    }
}

ObjString *url_values_get(ObjMap *m, const char *k, size_t n)
{
    Value l, v;
    if (!m || !map_get(m, v_from_ptr(str_new(k, n)), &l) || !v_is_obj(l, OBJ_LIST) ||
        !list_get(v_list(l), 0, &v) || !v_is_str(v))
        return NULL;
    return v_str(v);
}

static bool parse_query(ObjMap *l, const char *s, size_t n, Value *err)
{
    *err = V_NIL;
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - s) : n;
        const char *p = s + i;
        size_t pn = end - i;
        i = end + 1;
        if (pn == 0)
            continue;
        if (memchr(p, ';', pn)) {
            if (*err == V_NIL)
                *err = stdlib_error(E_URL_SEMICOLON);
            continue;
        }
        const char *eq = memchr(p, '=', pn);
        size_t kn = eq ? (size_t)(eq - p) : pn;
        Buf k, v;
        buf_init(&k);
        buf_init(&v);
        size_t bad;
        if (!unescape_at(p, kn, true, &k, &bad)) {
            if (*err == V_NIL)
                *err = escape_error(p, kn, bad);
            continue;
        }
        if (eq && !unescape_at(eq + 1, pn - kn - 1, true, &v, &bad)) {
            if (*err == V_NIL)
                *err = escape_error(eq + 1, pn - kn - 1, bad);
            continue;
        }
        url_values_add(l, sub(k.data, k.len), sub(v.data, v.len));
    }
    return *err == V_NIL;
}

bool url_parse_query_into(ObjMap *l, const char *s, size_t n)
{
    Value err;
    return parse_query(l, s, n, &err);
}

static int cmp_keys(const void *a, const void *b)
{
    const ObjString *x = *(ObjString *const *)a, *y = *(ObjString *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->data, y->data, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

void url_values_encode(ObjMap *m, Buf *b)
{
    if (!m || m->len == 0)
        return;
    ObjString **keys = mem_alloc(mem_size(m->len, sizeof *keys, 0));
    size_t nk = 0, cur = 0;
    Value k, vs;
    while (map_next(m, &cur, &k, &vs) && nk < m->len)
        if (v_is_str(k))
            keys[nk++] = v_str(k);
    qsort(keys, nk, sizeof *keys, cmp_keys);
    bool first = true;
    for (size_t i = 0; i < nk; i++) {
        if (!map_get(m, v_from_ptr(keys[i]), &vs) || !v_is_obj(vs, OBJ_LIST))
            continue;
        Value v;
        for (int64_t j = 0; list_get(v_list(vs), j, &v); j++) {
            if (!v_is_str(v))
                continue;
            if (!first)
                buf_addc(b, '&');
            first = false;
            escape_mode(keys[i]->data, keys[i]->len, ENC_QUERY, b);
            buf_addc(b, '=');
            escape_mode(v_str(v)->data, v_str(v)->len, ENC_QUERY, b);
        }
    }
}

static int v_get(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k;
    if (!vm_check_str(t, "url.Values.Get", a, 1, &k))
        return -1;
    ObjString *v = url_values_get(v_map(a[0]), k->data, k->len);
    r[0] = v_from_ptr(v ? v : empty_str());
    return 1;
}

static int nil_write(Thread *t, Value m)
{
    return map_is_nil(v_map(m)) ? vm_panicf(t, E_NIL_MAP_WRITE) : 0;
}

static int v_set(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k, *v;
    if (!vm_check_str(t, "url.Values.Set", a, 1, &k) || !vm_check_str(t, "url.Values.Set", a, 2, &v) ||
        nil_write(t, a[0]) < 0)
        return -1;
    map_delete(v_map(a[0]), v_from_ptr(k));
    url_values_add(v_map(a[0]), k, v);
    return 0;
}

static int v_add(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k, *v;
    if (!vm_check_str(t, "url.Values.Add", a, 1, &k) || !vm_check_str(t, "url.Values.Add", a, 2, &v) ||
        nil_write(t, a[0]) < 0)
        return -1;
    url_values_add(v_map(a[0]), k, v);
    return 0;
}

static int v_del(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k;
    if (!vm_check_str(t, "url.Values.Del", a, 1, &k))
        return -1;
    map_delete(v_map(a[0]), a[1]);
    return 0;
}

static int v_has(Thread *t, Value *a, int n, Value *r)
{
    ObjString *k;
    if (!vm_check_str(t, "url.Values.Has", a, 1, &k))
        return -1;
    Value l;
    r[0] = map_get(v_map(a[0]), a[1], &l) ? V_TRUE : V_FALSE;
    return 1;
}

static int v_encode(Thread *t, Value *a, int n, Value *r)
{
    Buf b;
    buf_init(&b);
    url_values_encode(v_map(a[0]), &b);
    r[0] = v_from_ptr(b.len ? buf_to_str(&b) : empty_str());
    return 1;
}

/* Made once, by whichever of net/url and net/http opens first. */
static pthread_once_t values_once = PTHREAD_ONCE_INIT;

static void values_type_init(void)
{
    strings_ty = types_parse("[]string", 8);
    values_type = types_new_named("url.Values");
    types_define(values_type, types_parse("map[string][]string", 19));
    stdlib_method(values_type, "url.Values.Get", v_get, 1, false, "(string) string");
    stdlib_method(values_type, "url.Values.Set", v_set, 2, false, "(string, string)");
    stdlib_method(values_type, "url.Values.Add", v_add, 2, false, "(string, string)");
    stdlib_method(values_type, "url.Values.Del", v_del, 1, false, "(string)");
    stdlib_method(values_type, "url.Values.Has", v_has, 1, false, "(string) bool");
    stdlib_method(values_type, "url.Values.Encode", v_encode, 0, false, "() string");
    types_register_type(values_type);
}

void url_init_types(void)
{
    pthread_once(&values_once, values_type_init);
}

/* ---- URL's methods and fields ------------------------------------------ */

static Url *self_url(Value v)
{
    return ((ObjObject *)v_ptr(v))->payload;
}

static int u_string(Thread *t, Value *a, int n, Value *r)
{
    Buf b;
    buf_init(&b);
    url_string(self_url(a[0]), &b);
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int u_escaped_path(Thread *t, Value *a, int n, Value *r)
{
    Buf b;
    buf_init(&b);
    url_escaped_path(self_url(a[0]), &b);
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int u_request_uri(Thread *t, Value *a, int n, Value *r)
{
    Buf b;
    buf_init(&b);
    url_request_uri(self_url(a[0]), &b);
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int u_query(Thread *t, Value *a, int n, Value *r)
{
    ObjMap *l;
    r[0] = url_values_new(&l);
    Url *u = self_url(a[0]);
    Value err;
    parse_query(l, u->raw_query->data, u->raw_query->len, &err);
    return 1;
}

/* Hostname and Port: the host without / with only its ":port" ([::1]:80). */
static void split_host(const ObjString *h, size_t *hlen, const char **port, size_t *plen)
{
    const char *s = h->data;
    size_t n = h->len;
    *port = "";
    *plen = 0;
    *hlen = n;
    if (n && s[0] == '[') {
        const char *rb = memchr(s, ']', n);
        if (rb) {
            *hlen = (size_t)(rb - s) + 1;
            if ((size_t)(rb - s) + 1 < n && rb[1] == ':') {
                *port = rb + 2;
                *plen = n - (size_t)(rb - s) - 2;
            }
        }
        return;
    }
    const char *c = memrchr(s, ':', n);
    if (c) {
        *hlen = (size_t)(c - s);
        *port = c + 1;
        *plen = n - *hlen - 1;
    }
}

static int u_hostname(Thread *t, Value *a, int n, Value *r)
{
    Url *u = self_url(a[0]);
    size_t hl, pl;
    const char *p;
    split_host(u->host, &hl, &p, &pl);
    const char *s = u->host->data;
    if (hl >= 2 && s[0] == '[') {
        s++;
        hl -= 2;
    }
    r[0] = v_from_ptr(sub(s, hl));
    return 1;
}

static int u_port(Thread *t, Value *a, int n, Value *r)
{
    size_t hl, pl;
    const char *p;
    split_host(self_url(a[0])->host, &hl, &p, &pl);
    r[0] = v_from_ptr(sub(p, pl));
    return 1;
}

static int u_isabs(Thread *t, Value *a, int n, Value *r)
{
    r[0] = self_url(a[0])->scheme->len ? V_TRUE : V_FALSE;
    return 1;
}

/* The string fields and where they live. */
static ObjString **url_slot(Url *u, const char *name, size_t n)
{
#define F(s, f)                                                                                              \
    if (n == sizeof s - 1 && memcmp(name, s, n) == 0)                                                        \
        return &u->f;
    F("Scheme", scheme)
    F("Opaque", opaque)
    F("Host", host)
    F("Path", path) F("RawPath", raw_path) F("RawQuery", raw_query) F("Fragment", fragment)
#undef F
        return NULL;
}

static Value url_field(Value self, ObjString *name)
{
    ObjString **s = url_slot(self_url(self), name->data, name->len);
    return s ? v_from_ptr(*s) : V_UNDEF;
}

static int set_field(Thread *t, Value *a, const char *field, const char *fname)
{
    ObjString *v;
    if (!vm_check_str(t, fname, a, 1, &v))
        return -1;
    *url_slot(self_url(a[0]), field, strlen(field)) = v;
    return 0;
}

#define SETTER(F)                                                                                            \
    static int set_##F(Thread *t, Value *a, int n, Value *r)                                                 \
    {                                                                                                        \
        return set_field(t, a, #F, "url.URL." #F);                                                           \
    }
SETTER(Scheme)
SETTER(Opaque)
SETTER(Host)
SETTER(Path)
SETTER(RawPath)
SETTER(RawQuery)
SETTER(Fragment)

static const MethodDef url_methods[] = {{"String", u_string, 0, 0},
                                        {"EscapedPath", u_escaped_path, 0, 0},
                                        {"RequestURI", u_request_uri, 0, 0},
                                        {"Query", u_query, 0, 0},
                                        {"Hostname", u_hostname, 0, 0},
                                        {"Port", u_port, 0, 0},
                                        {"IsAbs", u_isabs, 0, 0},
                                        {"Scheme=", set_Scheme, 1, 1},
                                        {"Opaque=", set_Opaque, 1, 1},
                                        {"Host=", set_Host, 1, 1},
                                        {"Path=", set_Path, 1, 1},
                                        {"RawPath=", set_RawPath, 1, 1},
                                        {"RawQuery=", set_RawQuery, 1, 1},
                                        {"Fragment=", set_Fragment, 1, 1},
                                        {NULL, NULL, 0, 0}};
static const ObjClass url_class = {.name = "*url.URL", .methods = url_methods, .get_field = url_field};

/* ---- the module ------------------------------------------------------ */

static int f_parse(Thread *t, Value *a, int n, Value *r)
{
    ObjString *s;
    if (!vm_check_str(t, "url.Parse", a, 0, &s))
        return -1;
    r[0] = url_parse(s->data, s->len, &r[1]);
    return 2;
}

static int f_parse_request_uri(Thread *t, Value *a, int n, Value *r)
{
    ObjString *s;
    if (!vm_check_str(t, "url.ParseRequestURI", a, 0, &s))
        return -1;
    Url *u;
    Value v = url_new(&u);
    Value e = parse_into(u, s->data, s->len, true);
    r[0] = e == V_NIL ? v : V_NIL;
    r[1] = e == V_NIL ? V_NIL : url_error("parse", s->data, s->len, e);
    return 2;
}

static int escape_fn(Thread *t, Value *a, bool query, const char *fname)
{
    ObjString *s;
    if (!vm_check_str(t, fname, a, 0, &s))
        return -1;
    Buf b;
    buf_init(&b);
    url_escape(s->data, s->len, query, &b);
    a[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int f_query_escape(Thread *t, Value *a, int n, Value *r)
{
    int rc = escape_fn(t, a, true, "url.QueryEscape");
    r[0] = a[0];
    return rc;
}

static int f_path_escape(Thread *t, Value *a, int n, Value *r)
{
    int rc = escape_fn(t, a, false, "url.PathEscape");
    r[0] = a[0];
    return rc;
}

static int unescape_fn(Thread *t, Value *a, Value *r, bool query, const char *fname)
{
    ObjString *s;
    if (!vm_check_str(t, fname, a, 0, &s))
        return -1;
    Buf b;
    buf_init(&b);
    size_t bad;
    if (!unescape_at(s->data, s->len, query, &b, &bad)) {
        r[0] = v_from_ptr(empty_str());
        r[1] = escape_error(s->data, s->len, bad);
    } else {
        r[0] = v_from_ptr(buf_to_str(&b));
        r[1] = V_NIL;
    }
    return 2;
}

static int f_query_unescape(Thread *t, Value *a, int n, Value *r)
{
    return unescape_fn(t, a, r, true, "url.QueryUnescape");
}

static int f_path_unescape(Thread *t, Value *a, int n, Value *r)
{
    return unescape_fn(t, a, r, false, "url.PathUnescape");
}

static int f_parse_query(Thread *t, Value *a, int n, Value *r)
{
    ObjString *s;
    if (!vm_check_str(t, "url.ParseQuery", a, 0, &s))
        return -1;
    ObjMap *l;
    r[0] = url_values_new(&l);
    parse_query(l, s->data, s->len, &r[1]);
    return 2;
}

static int f_url(Thread *t, Value *a, int n, Value *r)
{
    Url *u;
    r[0] = url_new(&u);
    return 1;
}

static const ModuleFn url_fns[] = {
    {"Parse", f_parse, 1, 1, "func(string) (*url.URL, error)"},
    {"ParseRequestURI", f_parse_request_uri, 1, 1, "func(string) (*url.URL, error)"},
    {"QueryEscape", f_query_escape, 1, 1, "func(string) string"},
    {"QueryUnescape", f_query_unescape, 1, 1, "func(string) (string, error)"},
    {"PathEscape", f_path_escape, 1, 1, "func(string) string"},
    {"PathUnescape", f_path_unescape, 1, 1, "func(string) (string, error)"},
    {"ParseQuery", f_parse_query, 1, 1, "func(string) (url.Values, error)"},
    {"URL", f_url, 0, 0, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static void url_open(ObjModule *m)
{
    url_init_types();
    module_add_fns(m, url_fns);
    module_add_type(m, "URL", TYPE_OBJECT);
}

const ModuleDef csp_module_url = {"net/url", url_open};
