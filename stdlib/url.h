/* url.h — net/url's values for net/http (http.c): a URL, url.Values, and
 * the escaping rules. Defined in url.c.
 */
#ifndef CSP_URL_H
#define CSP_URL_H

#include "stdlib.h"

/* An ordered list of (key, value) string pairs: url.Values and
 * http.Header both keep one (Go's map[string][]string, but in the order
 * keys were first added, which is cheap and keeps Header.Write stable).
 * Not safe for concurrent writers, like Go's maps. */
typedef struct KV {
    ObjString *k, *v;
} KV;
typedef struct KVList {
    KV *e;
    int n, cap;
} KVList;

void kv_add(KVList *l, ObjString *k, ObjString *v);
/* The first value of key k (k's bytes as given), or NULL. */
ObjString *kv_get(const KVList *l, const char *k, size_t n);
/* Remove every pair of key k. */
void kv_del(KVList *l, const char *k, size_t n);
/* Every value of key k as a []string (nil when none). */
Value kv_values(const KVList *l, const char *k, size_t n);

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

/* A new url.Values and its list. */
Value url_values_new(KVList **out);
KVList *url_values_of(Value v);
/* ParseQuery's loop: the pairs of s added to l; false if one had a bad
 * escape (the others are still added, as Go's ParseQuery does). */
bool url_parse_query_into(KVList *l, const char *s, size_t n);
/* Values.Encode into b. */
void url_values_encode(const KVList *l, Buf *b);

/* Unescape s (query: '+' is a space); false on a bad %-escape. */
bool url_unescape(const char *s, size_t n, bool query, Buf *out);
/* QueryEscape (query) or PathEscape into b. */
void url_escape(const char *s, size_t n, bool query, Buf *b);

#endif
