/* url.h — net/url's values for net/http (http.c): a URL, url.Values, and
 * the escaping rules. Defined in url.c.
 */
#ifndef CSP_URL_H
#define CSP_URL_H

#include "stdlib.h"

/* A list of (key, value) string pairs (http.c flattens a Header into
 * one to write it). */
typedef struct KV {
    ObjString *k, *v;
} KV;
typedef struct KVList {
    KV *e;
    int n, cap;
} KVList;

void kv_add(KVList *l, ObjString *k, ObjString *v);

/* A *url.URL. Scripts read and set its fields (u.Path = "/x"). */
typedef struct Url {
    ObjString *scheme, *opaque, *user, *host, *path, *raw_path, *raw_query, *fragment;
} Url;

/* A new *url.URL value and its payload. */
Value url_new(Url **out);
/* The URL of v (NULL when v is none). */
Url *url_of(Value v);
/* url.Parse: a URL, or nil with *err set (Go's *url.Error text). */
Value url_parse(const char *s, size_t n, Value *err);
/* A request's target as Go's url.ParseRequestURI reads it ("/a%20b?x=1"
 * or "http://h/p"); false when it is not one. */
bool url_parse_request_uri(const char *s, size_t n, Url *u);
/* u.String(), u.EscapedPath() (into b), u.RequestURI(). */
void url_string(const Url *u, Buf *b);
void url_escaped_path(const Url *u, Buf *b);
void url_request_uri(const Url *u, Buf *b);
/* Whether the path p escapes to itself (EscapedPath is Path). */
bool url_path_plain(const char *p, size_t n);

/* url.Values, the declared type map[string][]string (url_init_types
 * makes it; net/http calls it too, as it may open first). A new one; v's
 * map (NULL when v is no map); Add; the first value of key k or NULL. */
void url_init_types(void);
Value url_values_new(ObjMap **out);
ObjMap *url_values_of(Value v);
void url_values_add(ObjMap *m, ObjString *k, ObjString *v);
ObjString *url_values_get(ObjMap *m, const char *k, size_t n);
/* ParseQuery's loop: the pairs of s added to m; false if one had a bad
 * escape (the others are still added, as Go's ParseQuery does). */
bool url_parse_query_into(ObjMap *m, const char *s, size_t n);
/* Values.Encode into b (sorted by key). */
void url_values_encode(ObjMap *m, Buf *b);

/* Unescape s (query: '+' is a space); false on a bad %-escape. */
bool url_unescape(const char *s, size_t n, bool query, Buf *out);
/* QueryEscape (query) or PathEscape into b. */
void url_escape(const char *s, size_t n, bool query, Buf *b);

#endif
