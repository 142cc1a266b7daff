/* net.c — Go's net package: TCP, UDP and Unix sockets on the runtime's
 * poller.
 *
 * Every socket is non-blocking and registered with the poller when made
 * (vm/netpoll.h). An operation tries the system call first; when it would
 * block (EAGAIN), the goroutine parks on the socket's poll descriptor and
 * tries again once epoll reports the socket ready, its deadline passes or
 * it is closed. Reads of one socket are serialised among goroutines, and
 * writes too (Go's fdMutex): a Write is never interleaved with another.
 *
 * Lifetime: a socket (NetFD) counts the operations in progress plus one
 * for being open. Close marks it closed, wakes the goroutines parked on it
 * and drops the open reference; whoever drops the last one unregisters the
 * descriptor and closes the fd, so the fd number is never reused while an
 * operation could still use it.
 *
 * Name resolution (getaddrinfo) blocks, so it runs through the
 * blocking-call hand-off (sched_blocking_call), never holding a P.
 *
 * Errors are Go's: *net.OpError ("read tcp 127.0.0.1:50000->127.0.0.1:8080:
 * i/o timeout") wrapping *os.SyscallError ("connect: connection refused"),
 * net.ErrClosed, os.ErrDeadlineExceeded, *net.AddrError or *net.DNSError.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/mem.h"
#include "../vm/netpoll.h"
#include "../vm/race.h"
#include "../vm/sched.h"
#include "bytesval.h"
#include "net.h"
#include "stream.h"

/* ====================================================================== */
/* Error values                                                            */
/* ====================================================================== */

/* The declared struct types of the errors and addresses: made when the
 * module opens, immutable after. */
static ObjType *op_error_type, *syscall_error_type, *addr_error_type, *dns_error_type, *deadline_type;
static ObjType *tcp_addr_type, *udp_addr_type, *unix_addr_type, *ip_type;
static Value err_closed, err_deadline;

enum { OE_OP, OE_NET, OE_SOURCE, OE_ADDR, OE_ERR, OE_N };
enum { SE_SYSCALL, SE_ERR, SE_N };
enum { AE_ERR, AE_ADDR, AE_N };
enum { DE_ERR, DE_NAME, DE_SERVER, DE_TIMEOUT, DE_TEMPORARY, DE_NOTFOUND, DE_N };
enum { IA_IP, IA_PORT, IA_ZONE, IA_N };
enum { UA_NAME, UA_NET, UA_N };

static void open_net(void)
{
    if (!op_error_type)
        stdlib_module("net", 3, false);
}

static Value struct_ref(ObjType *ty, int n, const Value *f)
{
    ObjStruct *s = mem_alloc(sizeof *s + sizeof(Value) * (size_t)n);
    s->h.kind = OBJ_STRUCT;
    s->type = ty;
    if (n)
        memcpy(s->f, f, sizeof(Value) * (size_t)n);
    return v_ref(s);
}

/* v as a *T of the struct type ty (through an interface), or NULL. */
static ObjStruct *struct_of(Value v, const ObjType *ty)
{
    v = iface_unbox(v);
    if (!v_is_ref(v))
        return NULL;
    ObjStruct *s = v_ref_target(v);
    return s && s->h.kind == OBJ_STRUCT && s->type == ty ? s : NULL;
}

static Value syscall_error(const char *call, int e)
{
    char text[128];
    Value f[SE_N] = {v_cstr(call),
                     v_from_ptr(error_new(str_cstr(stdlib_errno_text(e, text, sizeof text)), false))};
    return struct_ref(syscall_error_type, SE_N, f);
}

static Value op_error(const char *op, const char *net, Value source, Value addr, Value err)
{
    Value f[OE_N] = {v_cstr(op), v_cstr(net), source, addr, err};
    return struct_ref(op_error_type, OE_N, f);
}

static Value addr_error(const char *why, const char *addr)
{
    Value f[AE_N] = {v_cstr(why), v_cstr(addr)};
    return struct_ref(addr_error_type, AE_N, f);
}

static Value dns_error(const char *why, const char *name, bool notfound, bool temporary)
{
    Value f[DE_N] = {v_cstr(why),   v_cstr(name),      v_cstr(""),
                     v_bool(false), v_bool(temporary), v_bool(notfound)};
    return struct_ref(dns_error_type, DE_N, f);
}

static void deadline_init(void);
static pthread_once_t deadline_once;

Value net_deadline_exceeded(void)
{
    pthread_once(&deadline_once, deadline_init);
    return err_deadline;
}

static void addr_text(Value a, Buf *b);

/* ---- the error types' methods ---- */

static int op_error_error(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjStruct *s = struct_of(a[0], op_error_type);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    Buf b;
    buf_init(&b);
    format_value(&b, s->f[OE_OP]);
    if (v_is_str(s->f[OE_NET]) && v_str(s->f[OE_NET])->len) {
        buf_addc(&b, ' ');
        format_value(&b, s->f[OE_NET]);
    }
    Value src = iface_unbox(s->f[OE_SOURCE]), dst = iface_unbox(s->f[OE_ADDR]);
    if (src != V_NIL) {
        buf_addc(&b, ' ');
        addr_text(src, &b);
    }
    if (dst != V_NIL) {
        buf_adds(&b, src != V_NIL ? "->" : " ");
        addr_text(dst, &b);
    }
    buf_adds(&b, ": ");
    if (stream_error_text(t, s->f[OE_ERR], &b) < 0)
        return -1;
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int op_error_unwrap(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjStruct *s = struct_of(a[0], op_error_type);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    r[0] = s->f[OE_ERR];
    return 1;
}

/* Whether an error answers Timeout() (or Temporary()) true. */
static bool error_says(Thread *t, Value e, const char *what)
{
    e = iface_unbox(e);
    if (e == V_NIL || v_is_obj(e, OBJ_ERROR))
        return false;
    if (struct_of(e, deadline_type))
        return true;
    ObjStruct *s;
    if ((s = struct_of(e, op_error_type)))
        return error_says(t, s->f[OE_ERR], what);
    if ((s = struct_of(e, syscall_error_type)))
        return false;
    if ((s = struct_of(e, dns_error_type)))
        return v_truthy_bool(s->f[strcmp(what, "Timeout") == 0 ? DE_TIMEOUT : DE_TEMPORARY]);
    if (!t || !stream_has_method(e, what))
        return false;
    int nr = stream_call(t, e, what, NULL, 0);
    return nr >= 1 && t->rets[0] == v_bool(true);
}

static int op_error_timeout(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    r[0] = v_bool(error_says(t, a[0], "Timeout"));
    return 1;
}

static int op_error_temporary(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    r[0] = v_bool(error_says(t, a[0], "Temporary"));
    return 1;
}

bool net_is_timeout(Value err)
{
    return error_says(NULL, err, "Timeout");
}

static int syscall_error_error(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjStruct *s = struct_of(a[0], syscall_error_type);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    Buf b;
    buf_init(&b);
    format_value(&b, s->f[SE_SYSCALL]);
    buf_adds(&b, ": ");
    if (stream_error_text(t, s->f[SE_ERR], &b) < 0)
        return -1;
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int syscall_error_unwrap(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjStruct *s = struct_of(a[0], syscall_error_type);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    r[0] = s->f[SE_ERR];
    return 1;
}

static int addr_error_error(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjStruct *s = struct_of(a[0], addr_error_type);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    Buf b;
    buf_init(&b);
    if (v_is_str(s->f[AE_ADDR]) && v_str(s->f[AE_ADDR])->len) {
        buf_adds(&b, "address ");
        format_value(&b, s->f[AE_ADDR]);
        buf_adds(&b, ": ");
    }
    format_value(&b, s->f[AE_ERR]);
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int dns_error_error(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjStruct *s = struct_of(a[0], dns_error_type);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    Buf b;
    buf_init(&b);
    buf_adds(&b, "lookup ");
    format_value(&b, s->f[DE_NAME]);
    if (v_is_str(s->f[DE_SERVER]) && v_str(s->f[DE_SERVER])->len) {
        buf_adds(&b, " on ");
        format_value(&b, s->f[DE_SERVER]);
    }
    buf_adds(&b, ": ");
    format_value(&b, s->f[DE_ERR]);
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int plain_false(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)a, (void)n;
    r[0] = v_bool(false);
    return 1;
}

static int dns_error_timeout(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjStruct *s = struct_of(a[0], dns_error_type);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    r[0] = s->f[DE_TIMEOUT];
    return 1;
}

static int dns_error_temporary(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjStruct *s = struct_of(a[0], dns_error_type);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    r[0] = s->f[DE_TEMPORARY];
    return 1;
}

static int deadline_error(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)a, (void)n;
    r[0] = v_cstr("i/o timeout");
    return 1;
}

static int plain_true(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)a, (void)n;
    r[0] = v_bool(true);
    return 1;
}

/* ====================================================================== */
/* Addresses                                                               */
/* ====================================================================== */

/* A resolved socket address. */
typedef struct SockAddr {
    struct sockaddr_storage ss;
    socklen_t len;
} SockAddr;

/* A net.IP: a []byte slice carrying the declared type (a typed slice
 * records its type, as `type IP []byte` values do in scripts); n 0 is a
 * nil IP. */
static Value ip_value(const unsigned char *ip, size_t n)
{
    if (n == 0)
        return v_from_ptr(list_nil(ip_type));
    ObjList *l = v_list(bytes_new((const char *)ip, n));
    list_set_type(l, ip_type);
    return v_from_ptr(l);
}

/* An IP's bytes (4 or 16); false when v is none. */
static bool ip_bytes(Value v, unsigned char out[16], size_t *n)
{
    v = iface_unbox(v); /* fmt hands a Stringer over in its interface */
    Buf b;
    buf_init(&b);
    if (!bytes_read(v, &b) || (b.len != 4 && b.len != 16) || v_is_str(v_unnamed(v))) {
        return false;
    }
    memcpy(out, b.data, b.len);
    *n = b.len;
    return true;
}

static const unsigned char v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Go's IP.String(): dotted for IPv4 (and IPv4-mapped IPv6), else the
 * shortest IPv6 form. */
static void ip_text(const unsigned char *ip, size_t n, Buf *b)
{
    char s[INET6_ADDRSTRLEN];
    if (n == 0) {
        buf_adds(b, "<nil>");
        return;
    }
    if (n == 4 || (n == 16 && memcmp(ip, v4_prefix, 12) == 0)) {
        inet_ntop(AF_INET, n == 4 ? ip : ip + 12, s, sizeof s);
    } else if (n == 16) {
        inet_ntop(AF_INET6, ip, s, sizeof s);
    } else {
        buf_adds(b, "?");
        return;
    }
    buf_adds(b, s);
}

static void join_host_port(Buf *b, const char *host, size_t hn, const char *port, size_t pn)
{
    bool colon = memchr(host, ':', hn) != NULL;
    if (colon)
        buf_addc(b, '[');
    buf_add(b, host, hn);
    if (colon)
        buf_addc(b, ']');
    buf_addc(b, ':');
    buf_add(b, port, pn);
}

/* An address struct (TCPAddr, UDPAddr, UnixAddr) as Go's String(). */
static void addr_text(Value a, Buf *b)
{
    ObjStruct *s;
    if ((s = struct_of(a, tcp_addr_type)) || (s = struct_of(a, udp_addr_type))) {
        unsigned char ip[16];
        size_t n = 0;
        Buf h;
        buf_init(&h);
        if (ip_bytes(s->f[IA_IP], ip, &n))
            ip_text(ip, n, &h);
        if (v_is_str(s->f[IA_ZONE]) && v_str(s->f[IA_ZONE])->len) {
            buf_addc(&h, '%');
            format_value(&h, s->f[IA_ZONE]);
        }
        char port[24];
        int pn = snprintf(port, sizeof port, "%lld", (long long)v_anyint(s->f[IA_PORT]));
        join_host_port(b, h.data ? h.data : "", h.len, port, (size_t)pn);
        return;
    }
    if ((s = struct_of(a, unix_addr_type))) {
        format_value(b, s->f[UA_NAME]);
        return;
    }
    format_value(b, a);
}

/* The Addr value of a socket address (nil for none); sotype picks TCP or
 * UDP, net the UnixAddr's Net. */
static Value sockaddr_value(const SockAddr *sa, int sotype, const char *net)
{
    if (sa->len == 0)
        return V_NIL;
    if (sa->ss.ss_family == AF_INET || sa->ss.ss_family == AF_INET6) {
        unsigned char ip[16];
        size_t n;
        int port;
        if (sa->ss.ss_family == AF_INET) {
            const struct sockaddr_in *in = (const struct sockaddr_in *)&sa->ss;
            memcpy(ip, &in->sin_addr, 4);
            n = 4;
            port = ntohs(in->sin_port);
        } else {
            const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa->ss;
            memcpy(ip, &in6->sin6_addr, 16);
            n = 16;
            port = ntohs(in6->sin6_port);
        }
        Value f[IA_N] = {ip_value(ip, n), v_make_int(port), v_cstr("")};
        return struct_ref(sotype == SOCK_DGRAM ? udp_addr_type : tcp_addr_type, IA_N, f);
    }
    if (sa->ss.ss_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)&sa->ss;
        size_t max = sa->len > offsetof(struct sockaddr_un, sun_path)
                         ? sa->len - offsetof(struct sockaddr_un, sun_path)
                         : 0;
        size_t k = strnlen(un->sun_path, max);
        Value f[UA_N] = {v_from_ptr(str_new(un->sun_path, k)), v_cstr(net)};
        return struct_ref(unix_addr_type, UA_N, f);
    }
    return V_NIL;
}

/* Go's SplitHostPort: false with *why (and the address in the error). */
static bool split_host_port(const char *s, size_t n, const char **host, size_t *hn, const char **port,
                            size_t *pn, const char **why)
{
    *host = *port = s;
    *hn = *pn = 0;
    const char *colon = NULL;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == ':') {
            colon = s + i - 1;
            break;
        }
    if (!colon) {
        *why = "missing port in address";
        return false;
    }
    const char *h0 = s, *h1 = colon;
    if (s[0] == '[') {
        const char *end = memchr(s, ']', n);
        if (!end) {
            *why = "missing ']' in address";
            return false;
        }
        if (end + 1 == s + n) {
            *why = "missing port in address";
            return false;
        }
        if (end + 1 != colon) {
            *why = end[1] == ':' ? "too many colons in address" : "missing port in address";
            return false;
        }
        h0 = s + 1;
        h1 = end;
    } else if (memchr(s, ':', (size_t)(colon - s))) {
        *why = "too many colons in address";
        return false;
    }
    if (memchr(h0, '[', (size_t)(h1 - h0)) ||
        (colon + 1 < s + n && memchr(colon + 1, '[', (size_t)(s + n - colon - 1)))) {
        *why = "unexpected '[' in address";
        return false;
    }
    if (memchr(h0, ']', (size_t)(h1 - h0)) ||
        (colon + 1 < s + n && memchr(colon + 1, ']', (size_t)(s + n - colon - 1)))) {
        *why = "unexpected ']' in address";
        return false;
    }
    *host = h0;
    *hn = (size_t)(h1 - h0);
    *port = colon + 1;
    *pn = (size_t)(s + n - colon - 1);
    return true;
}

/* ---- resolution ---- */

enum { MAX_ADDRS = 8 };

static _Atomic bool forbidden; /* set once by net_forbid (the fuzzer's sandbox) */

typedef struct Lookup {
    char host[256];
    char port[64];
    int family;   /* AF_UNSPEC, AF_INET, AF_INET6 */
    int socktype; /* SOCK_STREAM, SOCK_DGRAM */
    bool passive;
    int rc; /* getaddrinfo's */
    int naddrs;
    SockAddr addrs[MAX_ADDRS];
} Lookup;

/* On g0 through the hand-off: no csp object touched. */
static void do_lookup(void *arg)
{
    Lookup *l = arg;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = l->family;
    hints.ai_socktype = l->socktype;
    hints.ai_flags = (l->passive ? AI_PASSIVE : 0) | (l->family == AF_UNSPEC ? AI_ADDRCONFIG : 0);
    l->rc = getaddrinfo(l->host[0] ? l->host : NULL, l->port[0] ? l->port : "0", &hints, &res);
    l->naddrs = 0;
    if (l->rc != 0)
        return;
    /* Go dials IPv4 addresses first for a name with both. */
    for (int pass = 0; pass < 2; pass++)
        for (struct addrinfo *ai = res; ai && l->naddrs < MAX_ADDRS; ai = ai->ai_next) {
            if ((pass == 0) != (ai->ai_family == AF_INET))
                continue;
            if (ai->ai_addrlen > sizeof l->addrs[0].ss)
                continue;
            memcpy(&l->addrs[l->naddrs].ss, ai->ai_addr, ai->ai_addrlen);
            l->addrs[l->naddrs].len = ai->ai_addrlen;
            l->naddrs++;
        }
    freeaddrinfo(res);
}

static int net_family(const char *net)
{
    size_t n = strlen(net);
    if (n && net[n - 1] == '4')
        return AF_INET;
    if (n && net[n - 1] == '6')
        return AF_INET6;
    return AF_UNSPEC;
}

/* Parse a numeric port (Go: 0..65535), else look the service up. */
static bool parse_port(const char *p, size_t n, int *out)
{
    if (n == 0) {
        *out = 0;
        return true;
    }
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
        if (v > 65535) {
            *out = -1;
            return true;
        }
    }
    *out = v;
    return true;
}

/* Resolve "host:port" for network (tcp*, udp*) into l. listen: an empty or
 * unspecified host means every local address; else the local system.
 * Returns nil or the error (without the OpError around it). */
static Value resolve(const char *net, const char *address, bool listen, Lookup *l)
{
    if (atomic_load(&forbidden))
        return dns_error("lookups are off in this process", address, false, false);
    const char *host, *port, *why;
    size_t hn, pn;
    size_t an = strlen(address);
    if (!split_host_port(address, an, &host, &hn, &port, &pn, &why))
        return addr_error(why, address);
    memset(l, 0, sizeof *l);
    l->family = net_family(net);
    l->socktype = strncmp(net, "udp", 3) == 0 ? SOCK_DGRAM : SOCK_STREAM;
    int portnum;
    char portstr[64];
    snprintf(portstr, sizeof portstr, "%.*s", (int)(pn < 63 ? pn : 63), port);
    if (!parse_port(port, pn, &portnum)) {
        if (pn >= sizeof l->port)
            return addr_error("invalid port", portstr);
        /* a service name ("http"): getaddrinfo knows them */
        memcpy(l->port, port, pn);
        l->port[pn] = 0;
    } else if (portnum < 0) {
        return addr_error("invalid port", portstr);
    } else {
        snprintf(l->port, sizeof l->port, "%d", portnum);
    }
    if (hn >= sizeof l->host)
        return dns_error("no such host", address, true, false);
    memcpy(l->host, host, hn);
    l->host[hn] = 0;
    /* A zone (fe80::1%eth0) goes to getaddrinfo as written. */
    if (hn == 0 || strcmp(l->host, "0.0.0.0") == 0 || strcmp(l->host, "::") == 0) {
        SockAddr *sa = &l->addrs[0];
        int fam = l->family;
        if (hn && fam == AF_UNSPEC)
            fam = l->host[0] == ':' ? AF_INET6 : AF_INET;
        if (fam == AF_UNSPEC)
            fam = listen ? AF_INET6 : AF_INET; /* dual-stack [::] for listening, as Go */
        int p = atoi(l->port);
        if (l->port[0] && (l->port[0] < '0' || l->port[0] > '9')) {
            /* a service name with an empty host: resolve the port alone */
            Lookup tmp = *l;
            tmp.host[0] = 0;
            tmp.family = fam;
            tmp.passive = true;
            sched_blocking_call(do_lookup, &tmp);
            if (tmp.rc != 0 || tmp.naddrs == 0) {
                char name[96];
                snprintf(name, sizeof name, "%s/%s", l->socktype == SOCK_DGRAM ? "udp" : "tcp", l->port);
                return dns_error("unknown port", name, true, false);
            }
            p = ntohs(tmp.addrs[0].ss.ss_family == AF_INET
                          ? ((struct sockaddr_in *)&tmp.addrs[0].ss)->sin_port
                          : ((struct sockaddr_in6 *)&tmp.addrs[0].ss)->sin6_port);
        }
        memset(sa, 0, sizeof *sa);
        if (fam == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&sa->ss;
            in->sin_family = AF_INET;
            in->sin_port = htons((uint16_t)p);
            in->sin_addr.s_addr = htonl(listen ? INADDR_ANY : INADDR_LOOPBACK);
            sa->len = sizeof *in;
        } else {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa->ss;
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons((uint16_t)p);
            in6->sin6_addr = listen ? in6addr_any : in6addr_loopback;
            sa->len = sizeof *in6;
        }
        l->naddrs = 1;
        return V_NIL;
    }
    l->passive = listen;
    /* Numeric addresses need no hand-off. */
    unsigned char buf[16];
    bool numeric = inet_pton(AF_INET, l->host, buf) == 1 || inet_pton(AF_INET6, l->host, buf) == 1;
    if (numeric && l->port[0] >= '0' && l->port[0] <= '9')
        do_lookup(l);
    else
        sched_blocking_call(do_lookup, l);
    if (l->rc != 0 || l->naddrs == 0) {
        if (l->rc == EAI_SERVICE) {
            char name[96];
            snprintf(name, sizeof name, "%s/%s", l->socktype == SOCK_DGRAM ? "udp" : "tcp", l->port);
            return dns_error("unknown port", name, true, false);
        }
        if (numeric)
            return addr_error("no suitable address found", address);
        bool temp = l->rc == EAI_AGAIN;
        return dns_error(temp ? "server misbehaving" : "no such host", l->host, !temp, temp);
    }
    return V_NIL;
}

/* ====================================================================== */
/* Sockets                                                                 */
/* ====================================================================== */

typedef enum { FD_CONN, FD_LISTENER, FD_PACKET } FdKind;

typedef struct NetFD {
    int fd;             /* immutable; closed by the last reference */
    PollDesc *pd;       /* immutable */
    FdKind kind;        /* immutable */
    int family, sotype; /* immutable */
    const char *net;    /* "tcp", "tcp4", "udp", "unix"...: immutable */
    Value laddr, raddr; /* Addr values or nil: immutable once made */
    _Atomic int refs;   /* operations in progress, plus one while open */
    _Atomic int closed; /* set once by Close */
    char *unlink_path;  /* a Unix listener's socket file, removed on Close */
} NetFD;

static const ObjClass tcp_conn_class, unix_conn_class, udp_conn_class, tcp_listener_class,
    unix_listener_class;

static NetFD *netfd_of(Value v)
{
    v = iface_unbox(v);
    if (v_is_ref(v))
        v = v_from_ptr(v_ref_target(v));
    if (!v_is_obj(v, OBJ_OBJECT))
        return NULL;
    const ObjClass *c = ((ObjObject *)v_ptr(v))->cls;
    if (c != &tcp_conn_class && c != &unix_conn_class && c != &udp_conn_class && c != &tcp_listener_class &&
        c != &unix_listener_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

bool net_is_conn(Value v)
{
    NetFD *f = netfd_of(v);
    return f && f->kind != FD_LISTENER;
}

static bool fd_incref(NetFD *f)
{
    if (atomic_load(&f->closed))
        return false;
    atomic_fetch_add(&f->refs, 1);
    if (atomic_load(&f->closed)) { /* closed meanwhile: don't start */
        atomic_fetch_sub(&f->refs, 1);
        return false;
    }
    return true;
}

static void fd_destroy(NetFD *f)
{
    netpoll_free(f->pd);
    close(f->fd);
}

static void fd_decref(NetFD *f)
{
    if (atomic_fetch_sub(&f->refs, 1) == 1)
        fd_destroy(f);
}

/* A registered socket; NULL with errno when the poller refuses it. */
static NetFD *fd_new(int fd, FdKind kind, int family, int sotype, const char *net)
{
    PollDesc *pd = netpoll_open(fd);
    if (!pd)
        return NULL;
    NetFD *f = mem_alloc(sizeof *f);
    f->fd = fd;
    f->pd = pd;
    f->kind = kind;
    f->family = family;
    f->sotype = sotype;
    f->net = net;
    f->laddr = f->raddr = V_NIL;
    atomic_init(&f->refs, 1);
    atomic_init(&f->closed, 0);
    f->unlink_path = NULL;
    return f;
}

static const char *intern_net(const char *net)
{
    static const char *const nets[] = {"tcp",  "tcp4", "tcp6",     "udp",       "udp4",
                                       "udp6", "unix", "unixgram", "unixpacket"};
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
        if (strcmp(net, nets[i]) == 0)
            return nets[i];
    return NULL;
}

static Value fd_value(NetFD *f)
{
    const ObjClass *c;
    if (f->kind == FD_LISTENER)
        c = f->family == AF_UNIX ? &unix_listener_class : &tcp_listener_class;
    else if (f->family == AF_UNIX)
        c = &unix_conn_class;
    else
        c = f->sotype == SOCK_DGRAM ? &udp_conn_class : &tcp_conn_class;
    return v_from_ptr(object_new(c, f));
}

static SockAddr local_addr(int fd)
{
    SockAddr sa = {.len = sizeof sa.ss};
    if (getsockname(fd, (struct sockaddr *)&sa.ss, &sa.len) < 0)
        sa.len = 0;
    return sa;
}

static SockAddr peer_addr(int fd)
{
    SockAddr sa = {.len = sizeof sa.ss};
    if (getpeername(fd, (struct sockaddr *)&sa.ss, &sa.len) < 0)
        sa.len = 0;
    return sa;
}

/* The error of an operation that stopped with a poller result or errno. */
static Value io_error(NetFD *f, const char *op, int poll_rc, int e, const char *call)
{
    Value inner;
    if (poll_rc == NETPOLL_CLOSING)
        inner = err_closed;
    else if (poll_rc == NETPOLL_TIMEOUT)
        inner = err_deadline;
    else
        inner = syscall_error(call, e);
    bool listener = f->kind == FD_LISTENER;
    return op_error(op, f->net, listener ? V_NIL : f->laddr, listener ? f->laddr : f->raddr, inner);
}

/* Wait until mode is ready (after EAGAIN): NETPOLL_READY or an error. */
static int fd_wait(NetFD *f, int mode)
{
    return netpoll_wait(f->pd, mode);
}

/* The scratch buffer reads go through on their way into a []byte: never
 * held across a park (a goroutine may move to another thread there), so
 * one per thread. Read through a non-inlined accessor: a thread-local's
 * address must be taken anew after a switch. */
#define SCRATCH 65536
static __thread char *scratch_buf;

__attribute__((noinline)) static char *scratch(void)
{
    if (!scratch_buf)
        scratch_buf = malloc(SCRATCH);
    if (!scratch_buf)
        csp_fatal("runtime: out of memory");
    return scratch_buf;
}

/* One read of up to n bytes into p (or, p NULL, into the thread's scratch
 * buffer, returned in *got). from: a datagram's sender. */
static int64_t fd_read_io(NetFD *f, char *p, size_t n, char **got, SockAddr *from, Value *err)
{
    *err = V_NIL;
    if (!fd_incref(f)) {
        *err = io_error(f, "read", NETPOLL_CLOSING, 0, NULL);
        return 0;
    }
    netpoll_lock(f->pd, 'r');
    int64_t result = 0;
    int rc = netpoll_prepare(f->pd, 'r');
    while (rc == NETPOLL_READY) {
        char *dst = p ? p : scratch();
        size_t want = p ? n : (n < SCRATCH ? n : SCRATCH);
        ssize_t r;
        if (from) {
            from->len = sizeof from->ss;
            r = recvfrom(f->fd, dst, want, 0, (struct sockaddr *)&from->ss, &from->len);
        } else {
            r = read(f->fd, dst, want);
        }
        if (r >= 0) {
            if (got)
                *got = dst;
            result = r;
            if (r == 0 && f->sotype == SOCK_STREAM && want > 0)
                *err = stdlib_eof();
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            *err = io_error(f, "read", NETPOLL_READY, errno, from ? "recvfrom" : "read");
            break;
        }
        rc = fd_wait(f, 'r');
    }
    if (rc != NETPOLL_READY)
        *err = io_error(f, "read", rc, 0, NULL);
    netpoll_unlock(f->pd, 'r');
    fd_decref(f);
    return result;
}

/* Write all of p (a datagram: one sendto to `to` when given). */
/* A read as Go's syscall.Read sees it for the race detector (race.h):
 * whatever was written before the bytes came is ordered before it. */
static int64_t fd_read_raw(NetFD *f, char *p, size_t n, char **got, SockAddr *from, Value *err)
{
    int64_t k = fd_read_io(f, p, n, got, from, err);
    if (RACE_ON())
        race_io_read(NULL);
    return k;
}

static int64_t fd_write_raw(NetFD *f, const char *p, size_t n, const SockAddr *to, Value *err)
{
    if (RACE_ON())
        race_io_write(NULL);
    *err = V_NIL;
    if (!fd_incref(f)) {
        *err = io_error(f, "write", NETPOLL_CLOSING, 0, NULL);
        return 0;
    }
    netpoll_lock(f->pd, 'w');
    size_t done = 0;
    int rc = netpoll_prepare(f->pd, 'w');
    while (rc == NETPOLL_READY) {
        ssize_t r;
        if (to)
            r = sendto(f->fd, p, n, MSG_NOSIGNAL, (const struct sockaddr *)&to->ss, to->len);
        else
            r = send(f->fd, p + done, n - done, MSG_NOSIGNAL);
        if (r >= 0) {
            done += (size_t)r;
            if (done >= n || f->sotype != SOCK_STREAM)
                break;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            *err = io_error(f, "write", NETPOLL_READY, errno, to ? "sendto" : "write");
            break;
        }
        rc = fd_wait(f, 'w');
    }
    if (rc != NETPOLL_READY)
        *err = io_error(f, "write", rc, 0, NULL);
    netpoll_unlock(f->pd, 'w');
    fd_decref(f);
    return (int64_t)done;
}

int64_t net_read(Thread *t, Value conn, char *p, size_t n, Value *err)
{
    (void)t;
    NetFD *f = netfd_of(conn);
    if (!f) {
        *err = stdlib_error(E_ARG_TYPE, "net.Conn.Read", 0, "net.Conn", v_type_name(conn));
        return 0;
    }
    if (n == 0) {
        *err = V_NIL;
        return 0;
    }
    return fd_read_raw(f, p, n, NULL, NULL, err);
}

int64_t net_write(Thread *t, Value conn, const char *p, size_t n, Value *err)
{
    (void)t;
    NetFD *f = netfd_of(conn);
    if (!f) {
        *err = stdlib_error(E_ARG_TYPE, "net.Conn.Write", 0, "net.Conn", v_type_name(conn));
        return 0;
    }
    return fd_write_raw(f, p, n, NULL, err);
}

/* Send what can go out now without waiting: the count, or -1 with errno
 * (EAGAIN: nothing could). Never parks, not even for the write lock (p
 * may be the thread's scratch buffer, which a park would let another
 * goroutine reuse): a writer in progress means EAGAIN. */
static ssize_t fd_try_send(NetFD *f, const char *p, size_t n)
{
    if (!fd_incref(f)) {
        errno = EBADF;
        return -1;
    }
    if (!netpoll_trylock(f->pd, 'w')) {
        fd_decref(f);
        errno = EAGAIN;
        return -1;
    }
    ssize_t r =
        netpoll_prepare(f->pd, 'w') == NETPOLL_READY ? send(f->fd, p, n, MSG_NOSIGNAL) : (errno = EAGAIN, -1);
    while (r < 0 && errno == EINTR)
        r = send(f->fd, p, n, MSG_NOSIGNAL);
    netpoll_unlock(f->pd, 'w');
    fd_decref(f);
    return r;
}

int64_t net_copy(Thread *t, const char *fname, Value w, Value r, int64_t limit, Value *err)
{
    NetFD *rf = netfd_of(r);
    if (!rf || rf->kind == FD_LISTENER || rf->sotype != SOCK_STREAM)
        return -2;
    NetFD *wf = netfd_of(w);
    if (wf && (wf->kind == FD_LISTENER || wf->sotype != SOCK_STREAM))
        wf = NULL;
    int64_t total = 0;
    *err = V_NIL;
    while (limit < 0 || total < limit) {
        size_t want = SCRATCH;
        if (limit >= 0 && (uint64_t)(limit - total) < want)
            want = (size_t)(limit - total);
        /* Parks holding no buffer: the bytes land in this thread's
         * scratch, which is only used until the next park. */
        char *got = NULL;
        Value rerr, werr = V_NIL;
        int64_t n = fd_read_raw(rf, NULL, want, &got, NULL, &rerr);
        if (n > 0) {
            size_t sent = 0;
            if (wf) {
                ssize_t k = fd_try_send(wf, got, (size_t)n);
                if (k > 0)
                    sent = (size_t)k;
            }
            int64_t m = (int64_t)sent;
            if (sent < (size_t)n) {
                /* The rest must wait (or goes to another kind of writer,
                 * which may park): off the scratch buffer first. */
                size_t rest = (size_t)n - sent;
                char *copy = mem_alloc_atomic(rest);
                memcpy(copy, got + sent, rest);
                int64_t k = wf ? fd_write_raw(wf, copy, rest, NULL, &werr)
                               : stream_write(t, fname, w, copy, rest, &werr);
                if (k < 0)
                    return -1;
                m += k;
            }
            total += m;
            if (werr != V_NIL) {
                *err = werr;
                return total;
            }
        }
        if (rerr != V_NIL) {
            if (rerr != stdlib_eof())
                *err = rerr;
            else if (limit >= 0 && total < limit)
                *err = rerr; /* CopyN: fewer bytes than asked */
            return total;
        }
    }
    return total;
}

void net_set_deadline(Value conn, bool read, bool write, int64_t when)
{
    NetFD *f = netfd_of(conn);
    if (!f || !fd_incref(f))
        return;
    netpoll_set_deadline(f->pd, when, read && write ? 'r' + 'w' : read ? 'r' : 'w');
    fd_decref(f);
}

static Value fd_close(NetFD *f)
{
    int zero = 0;
    if (!atomic_compare_exchange_strong(&f->closed, &zero, 1))
        return io_error(f, "close", NETPOLL_CLOSING, 0, NULL);
    netpoll_evict(f->pd);
    /* Go removes a Unix listener's file in Close itself, before a
     * parked Accept has woken */
    if (f->unlink_path)
        unlink(f->unlink_path);
    fd_decref(f);
    return V_NIL;
}

Value net_close(Value v)
{
    NetFD *f = netfd_of(v);
    return f ? fd_close(f) : V_NIL;
}

Value net_addr_string(Value v, bool remote)
{
    NetFD *f = netfd_of(v);
    if (!f)
        return v_cstr("");
    Value a = remote ? f->raddr : f->laddr;
    if (a == V_NIL)
        return v_cstr("");
    Buf b;
    buf_init(&b);
    addr_text(a, &b);
    return v_from_ptr(buf_to_str(&b));
}

/* ---- making sockets ---- */

static int new_socket(int family, int sotype)
{
    return socket(family, sotype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static void tcp_defaults(int fd, int family, int sotype)
{
    if (sotype != SOCK_STREAM || family == AF_UNIX)
        return;
    int one = 1;
    /* Go's defaults for TCP: no Nagle delay, keep-alives on. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

static bool unix_sockaddr(const char *path, SockAddr *sa)
{
    struct sockaddr_un *un = (struct sockaddr_un *)&sa->ss;
    size_t n = strlen(path);
    if (n >= sizeof un->sun_path)
        return false;
    memset(sa, 0, sizeof *sa);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, n);
    if (path[0] == '@') /* Linux's abstract namespace, as Go spells it */
        un->sun_path[0] = 0;
    sa->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));
    return true;
}

static Value unknown_network(const char *op, const char *net)
{
    Buf b;
    buf_init(&b);
    buf_adds(&b, "unknown network ");
    buf_adds(&b, net);
    Value inner = v_from_ptr(error_new(buf_to_str(&b), false));
    return op_error(op, net, V_NIL, V_NIL, inner);
}

void net_forbid(void)
{
    atomic_store(&forbidden, true);
}

/* The error a forbidden Listen or Dial returns. */
static Value forbidden_error(const char *op, const char *net)
{
    return op_error(op, net, V_NIL, V_NIL, syscall_error("socket", EACCES));
}

/* Listen or ListenPacket. */
static Value do_listen(const char *network, const char *address, bool packet, Value *err)
{
    open_net();
    *err = V_NIL;
    if (atomic_load(&forbidden)) {
        *err = forbidden_error("listen", network);
        return V_NIL;
    }
    const char *net = intern_net(network);
    bool is_unix = net && strncmp(net, "unix", 4) == 0;
    int sotype = !net                          ? 0
                 : is_unix                     ? (strcmp(net, "unixgram") == 0     ? SOCK_DGRAM
                                                  : strcmp(net, "unixpacket") == 0 ? SOCK_SEQPACKET
                                                                                   : SOCK_STREAM)
                 : strncmp(net, "udp", 3) == 0 ? SOCK_DGRAM
                                               : SOCK_STREAM;
    if (!net || (packet ? sotype == SOCK_STREAM : sotype == SOCK_DGRAM)) {
        *err = unknown_network("listen", network);
        return V_NIL;
    }
    SockAddr sa;
    if (is_unix) {
        if (!unix_sockaddr(address, &sa)) {
            *err = op_error("listen", net, V_NIL, V_NIL, syscall_error("bind", EINVAL));
            return V_NIL;
        }
    } else {
        Lookup l;
        Value e = resolve(net, address, true, &l);
        if (e != V_NIL) {
            *err = op_error("listen", net, V_NIL, V_NIL, e);
            return V_NIL;
        }
        sa = l.addrs[0];
    }
    int family = sa.ss.ss_family;
    int fd = new_socket(family, sotype);
    if (fd < 0 && family == AF_INET6 && errno == EAFNOSUPPORT) {
        /* no IPv6 here: the wildcard is IPv4's */
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa.ss;
        if (memcmp(&in6->sin6_addr, &in6addr_any, sizeof in6addr_any) == 0) {
            int port = ntohs(in6->sin6_port);
            struct sockaddr_in *in = (struct sockaddr_in *)&sa.ss;
            memset(&sa, 0, sizeof sa);
            in->sin_family = AF_INET;
            in->sin_port = htons((uint16_t)port);
            in->sin_addr.s_addr = htonl(INADDR_ANY);
            sa.len = sizeof *in;
            family = AF_INET;
            fd = new_socket(family, sotype);
        }
    }
    Value laddr_guess = sockaddr_value(&sa, sotype, net);
    if (fd < 0) {
        *err = op_error("listen", net, V_NIL, laddr_guess, syscall_error("socket", errno));
        return V_NIL;
    }
    int one = 1, zero = 0;
    if (!is_unix) {
        if (sotype == SOCK_STREAM)
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (family == AF_INET6) /* dual-stack, as Go's wildcard listeners */
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        if (sotype == SOCK_DGRAM)
            setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    }
    if (bind(fd, (struct sockaddr *)&sa.ss, sa.len) < 0) {
        int e = errno;
        close(fd);
        *err = op_error("listen", net, V_NIL, laddr_guess, syscall_error("bind", e));
        return V_NIL;
    }
    if (sotype != SOCK_DGRAM && listen(fd, 4096) < 0) {
        int e = errno;
        close(fd);
        *err = op_error("listen", net, V_NIL, laddr_guess, syscall_error("listen", e));
        return V_NIL;
    }
    NetFD *f = fd_new(fd, sotype == SOCK_DGRAM ? FD_PACKET : FD_LISTENER, family, sotype, net);
    if (!f) {
        int e = errno;
        close(fd);
        *err = op_error("listen", net, V_NIL, laddr_guess, syscall_error("epollctl", e));
        return V_NIL;
    }
    SockAddr la = local_addr(fd);
    f->laddr = is_unix ? laddr_guess : sockaddr_value(&la, sotype, net);
    if (is_unix && sotype != SOCK_DGRAM && address[0] != '@') {
        size_t an = strlen(address);
        f->unlink_path = mem_alloc_atomic(an + 1);
        memcpy(f->unlink_path, address, an + 1);
    }
    return fd_value(f);
}

Value net_listen(Thread *t, const char *network, const char *address, Value *err)
{
    (void)t;
    return do_listen(network, address, false, err);
}

Value net_accept(Thread *t, Value listener, Value *err)
{
    (void)t;
    *err = V_NIL;
    NetFD *f = netfd_of(listener);
    if (!f || f->kind != FD_LISTENER) {
        *err = stdlib_error(E_ARG_TYPE, "net.Listener.Accept", 0, "net.Listener", v_type_name(listener));
        return V_NIL;
    }
    if (!fd_incref(f)) {
        *err = io_error(f, "accept", NETPOLL_CLOSING, 0, NULL);
        return V_NIL;
    }
    netpoll_lock(f->pd, 'r');
    Value result = V_NIL;
    int rc = netpoll_prepare(f->pd, 'r');
    while (rc == NETPOLL_READY) {
        SockAddr peer = {.len = sizeof peer.ss};
        int c = accept4(f->fd, (struct sockaddr *)&peer.ss, &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c >= 0) {
            NetFD *cf = fd_new(c, FD_CONN, f->family, f->sotype, f->net);
            if (!cf) {
                int e = errno;
                close(c);
                *err = io_error(f, "accept", NETPOLL_READY, e, "epollctl");
                break;
            }
            tcp_defaults(c, f->family, f->sotype);
            SockAddr la = local_addr(c);
            cf->laddr = sockaddr_value(&la, f->sotype, f->net);
            if (f->family == AF_UNIX) {
                cf->laddr = f->laddr;
                Value fields[UA_N] = {v_cstr(""), v_cstr(f->net)};
                cf->raddr = peer.len > offsetof(struct sockaddr_un, sun_path)
                                ? sockaddr_value(&peer, f->sotype, f->net)
                                : struct_ref(unix_addr_type, UA_N, fields);
            } else {
                cf->raddr = sockaddr_value(&peer, f->sotype, f->net);
            }
            result = fd_value(cf);
            break;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno != EAGAIN) {
            *err = io_error(f, "accept", NETPOLL_READY, errno, "accept4");
            break;
        }
        rc = fd_wait(f, 'r');
    }
    if (rc != NETPOLL_READY)
        *err = io_error(f, "accept", rc, 0, NULL);
    netpoll_unlock(f->pd, 'r');
    fd_decref(f);
    return result;
}

/* Connect fd (registered as f) to sa, waiting for the handshake; returns
 * 0, a poller result (timeout, closing) shifted past errnos, or an errno. */
static int fd_connect(NetFD *f, const SockAddr *sa, int *poll_rc)
{
    *poll_rc = NETPOLL_READY;
    for (;;) {
        if (connect(f->fd, (const struct sockaddr *)&sa->ss, sa->len) == 0)
            return 0;
        if (errno == EINTR)
            continue;
        break;
    }
    if (errno != EINPROGRESS && errno != EAGAIN)
        return errno;
    netpoll_lock(f->pd, 'w');
    int rc = netpoll_prepare(f->pd, 'w'), e = 0;
    while (rc == NETPOLL_READY) {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
            soerr = errno;
        if (soerr != 0 && soerr != EINPROGRESS && soerr != EALREADY && soerr != EINTR) {
            e = soerr;
            break;
        }
        if (soerr == 0) {
            /* SO_ERROR 0 also before the handshake ends: connected only
             * once there is a peer. */
            SockAddr p = peer_addr(f->fd);
            if (p.len > 0)
                break;
        }
        rc = fd_wait(f, 'w');
    }
    netpoll_unlock(f->pd, 'w');
    *poll_rc = rc;
    return e;
}

static Value dial_one(const char *net, int sotype, const SockAddr *sa, int64_t deadline, Value raddr,
                      Value *err)
{
    int family = sa->ss.ss_family;
    int fd = new_socket(family, sotype);
    if (fd < 0) {
        *err = op_error("dial", net, V_NIL, raddr, syscall_error("socket", errno));
        return V_NIL;
    }
    if (family == AF_INET && sotype == SOCK_DGRAM) {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    }
    NetFD *f = fd_new(fd, FD_CONN, family, sotype, net);
    if (!f) {
        int e = errno;
        close(fd);
        *err = op_error("dial", net, V_NIL, raddr, syscall_error("epollctl", e));
        return V_NIL;
    }
    if (deadline)
        netpoll_set_deadline(f->pd, deadline, 'w');
    int rc;
    int e = fd_connect(f, sa, &rc);
    if (e || rc != NETPOLL_READY) {
        Value inner = rc == NETPOLL_TIMEOUT   ? err_deadline
                      : rc == NETPOLL_CLOSING ? err_closed
                                              : syscall_error("connect", e);
        fd_close(f);
        *err = op_error("dial", net, V_NIL, raddr, inner);
        return V_NIL;
    }
    if (deadline)
        netpoll_set_deadline(f->pd, 0, 'w');
    tcp_defaults(fd, family, sotype);
    SockAddr la = local_addr(fd);
    if (family == AF_UNIX) {
        Value fields[UA_N] = {v_cstr(""), v_cstr(net)};
        f->laddr = la.len > offsetof(struct sockaddr_un, sun_path) ? sockaddr_value(&la, sotype, net)
                                                                   : struct_ref(unix_addr_type, UA_N, fields);
    } else {
        f->laddr = sockaddr_value(&la, sotype, net);
    }
    f->raddr = raddr;
    return fd_value(f);
}

/* The error a context that ended gives a dial (Go's mapErr): 1 with
 * *inner set when ctx is done, 0 when not, -1 after a panic in its Err. */
static int ctx_done_error(Thread *t, Value ctx, Value *inner)
{
    if (ctx == V_NIL)
        return 0;
    int rc = stream_call(t, ctx, "Err", NULL, 0);
    if (rc == -1)
        return -1;
    if (rc < 1 || t->rets[0] == V_NIL)
        return 0;
    Value e = t->rets[0];
    *inner = net_is_timeout(e) || strstr(format_value_str(e)->data, "deadline exceeded")
                 ? err_deadline
                 : v_from_ptr(error_new(str_cstr("operation was canceled"), false));
    return 1;
}

/* Dial with an absolute deadline (0: none), giving up before each
 * address once ctx (nil: none) is done; *panicked after a panic in t. */
static Value dial_until(Thread *t, const char *network, const char *address, int64_t deadline, Value ctx,
                        Value *err, bool *panicked)
{
    *panicked = false;
    open_net();
    *err = V_NIL;
    if (atomic_load(&forbidden)) {
        *err = forbidden_error("dial", network);
        return V_NIL;
    }
    const char *net = intern_net(network);
    if (!net || strcmp(net, "unixpacket") == 0) {
        *err = unknown_network("dial", network);
        return V_NIL;
    }
    bool is_unix = strncmp(net, "unix", 4) == 0;
    int sotype = is_unix                       ? (strcmp(net, "unixgram") == 0 ? SOCK_DGRAM : SOCK_STREAM)
                 : strncmp(net, "udp", 3) == 0 ? SOCK_DGRAM
                                               : SOCK_STREAM;
    if (is_unix) {
        SockAddr sa;
        Value fields[UA_N] = {v_cstr(address), v_cstr(net)};
        Value raddr = struct_ref(unix_addr_type, UA_N, fields);
        if (!unix_sockaddr(address, &sa)) {
            *err = op_error("dial", net, V_NIL, raddr, syscall_error("connect", EINVAL));
            return V_NIL;
        }
        return dial_one(net, sotype, &sa, deadline, raddr, err);
    }
    Lookup l;
    Value e = resolve(net, address, false, &l);
    if (e != V_NIL) {
        *err = op_error("dial", net, V_NIL, V_NIL, e);
        return V_NIL;
    }
    Value c = V_NIL;
    for (int i = 0; i < l.naddrs; i++) {
        Value raddr = sockaddr_value(&l.addrs[i], sotype, net), inner;
        int done = ctx_done_error(t, ctx, &inner);
        if (done < 0) {
            *panicked = true;
            return V_NIL;
        }
        if (done) {
            *err = op_error("dial", net, V_NIL, raddr, inner);
            return V_NIL;
        }
        c = dial_one(net, sotype, &l.addrs[i], deadline, raddr, err);
        if (c != V_NIL) {
            *err = V_NIL;
            return c;
        }
        if (deadline && sched_nanotime() >= deadline)
            break;
    }
    return V_NIL; /* the last address's error, as Go reports the first's */
}

Value net_dial(Thread *t, const char *network, const char *address, int64_t timeout_ns, Value *err)
{
    bool panicked;
    return dial_until(t, network, address, timeout_ns > 0 ? timer_when(timeout_ns) : 0, V_NIL, err, &panicked);
}

/* ---- net.Dialer ---- */

static ObjType *dialer_type;
enum { DL_TIMEOUT, DL_DEADLINE, DL_KEEPALIVE, DL_N };

/* A Dialer receiver: the struct, through a pointer or as it is. */
static ObjStruct *dialer_of(Value v)
{
    v = iface_unbox(v);
    ObjStruct *s = v_is_ref(v) ? v_ref_target(v) : v_is_obj(v, OBJ_STRUCT) ? v_ptr(v) : NULL;
    return s && s->h.kind == OBJ_STRUCT && s->type == dialer_type ? s : NULL;
}

/* Dial or DialContext: the earliest of the Dialer's Timeout, its
 * Deadline and the context's deadline bounds the whole dial. */
static int dialer_dial(Thread *t, Value *a, Value *r, Value ctx, int first, const char *fname)
{
    ObjStruct *d = dialer_of(a[0]);
    if (!d)
        return vm_panicf(t, E_NIL_DEREF);
    ObjString *s[2];
    for (int i = 0; i < 2; i++)
        if (!vm_check_str(t, fname, a, first + i, &s[i]))
            return -1;
    int64_t deadline = 0, when;
    Value tv = v_unnamed(d->f[DL_TIMEOUT]);
    if (v_is_anyint(tv) && v_anyint(tv) > 0)
        deadline = timer_when(v_anyint(tv));
    if (stdlib_time_deadline(d->f[DL_DEADLINE], &when) && when && (!deadline || when < deadline))
        deadline = when;
    if (ctx != V_NIL) {
        when = context_deadline(t, ctx);
        if (when < 0)
            return -1;
        if (when && (!deadline || when < deadline))
            deadline = when;
    }
    bool panicked;
    r[0] = dial_until(t, s[0]->data, s[1]->data, deadline, ctx, &r[1], &panicked);
    return panicked ? -1 : 2;
}

static int d_dial(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    return dialer_dial(t, a, r, V_NIL, 1, "net.Dialer.Dial");
}

static int d_dial_context(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    if (a[1] == V_NIL)
        return vm_panic_msg(t, "nil context");
    return dialer_dial(t, a, r, a[1], 2, "net.Dialer.DialContext");
}

/* ====================================================================== */
/* The module's functions                                                  */
/* ====================================================================== */

static bool str_args(Thread *t, const char *fname, Value *a, int from, int n, ObjString **out)
{
    for (int i = 0; i < n; i++)
        if (!vm_check_str(t, fname, a, from + i, &out[i]))
            return false;
    return true;
}

static int n_listen(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjString *s[2];
    if (!str_args(t, "net.Listen", a, 0, 2, s))
        return -1;
    r[0] = net_listen(t, s[0]->data, s[1]->data, &r[1]);
    return 2;
}

static int n_listen_packet(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjString *s[2];
    if (!str_args(t, "net.ListenPacket", a, 0, 2, s))
        return -1;
    r[0] = do_listen(s[0]->data, s[1]->data, true, &r[1]);
    return 2;
}

static int n_dial(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjString *s[2];
    if (!str_args(t, "net.Dial", a, 0, 2, s))
        return -1;
    r[0] = net_dial(t, s[0]->data, s[1]->data, 0, &r[1]);
    return 2;
}

static int n_dial_timeout(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjString *s[2];
    int64_t d;
    if (!str_args(t, "net.DialTimeout", a, 0, 2, s))
        return -1;
    if (!stdlib_duration_arg(t, "net.DialTimeout", a[2], 3, &d))
        return -1;
    if (d <= 0) { /* Go: a non-positive timeout times out at once */
        open_net();
        r[0] = V_NIL;
        r[1] = op_error("dial", intern_net(s[0]->data) ? intern_net(s[0]->data) : "tcp", V_NIL, V_NIL,
                        err_deadline);
        return 2;
    }
    r[0] = net_dial(t, s[0]->data, s[1]->data, d, &r[1]);
    return 2;
}

static int n_split_host_port(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjString *s;
    if (!vm_check_str(t, "net.SplitHostPort", a, 0, &s))
        return -1;
    open_net();
    const char *host, *port, *why;
    size_t hn, pn;
    if (!split_host_port(s->data, s->len, &host, &hn, &port, &pn, &why)) {
        r[0] = r[1] = v_cstr("");
        r[2] = addr_error(why, s->data);
        return 3;
    }
    r[0] = v_from_ptr(str_new(host, hn));
    r[1] = v_from_ptr(str_new(port, pn));
    r[2] = V_NIL;
    return 3;
}

static int n_join_host_port(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjString *s[2];
    if (!str_args(t, "net.JoinHostPort", a, 0, 2, s))
        return -1;
    Buf b;
    buf_init(&b);
    join_host_port(&b, s[0]->data, s[0]->len, s[1]->data, s[1]->len);
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

/* ResolveTCPAddr / ResolveUDPAddr. */
static int resolve_addr(Thread *t, Value *a, Value *r, const char *fname, int sotype)
{
    ObjString *s[2];
    if (!str_args(t, fname, a, 0, 2, s))
        return -1;
    open_net();
    const char *net = intern_net(s[0]->data);
    bool ok = net && (sotype == SOCK_DGRAM ? strncmp(net, "udp", 3) == 0 : strncmp(net, "tcp", 3) == 0);
    r[0] = V_NIL;
    if (!ok) {
        Buf b;
        buf_init(&b);
        buf_adds(&b, "unknown network ");
        buf_adds(&b, s[0]->data);
        r[1] = v_from_ptr(error_new(buf_to_str(&b), false));
        return 2;
    }
    Lookup l;
    const char *host, *port, *why;
    size_t hn, pn;
    /* Go resolves an empty host to no IP (nil), as the listener's wildcard */
    if (split_host_port(s[1]->data, s[1]->len, &host, &hn, &port, &pn, &why) && hn == 0) {
        int p;
        if (parse_port(port, pn, &p) && p >= 0) {
            Value f[IA_N] = {ip_value(NULL, 0), v_make_int(p), v_cstr("")};
            r[0] = struct_ref(sotype == SOCK_DGRAM ? udp_addr_type : tcp_addr_type, IA_N, f);
            r[1] = V_NIL;
            return 2;
        }
    }
    Value e = resolve(net, s[1]->data, false, &l);
    if (e != V_NIL) {
        r[1] = e;
        return 2;
    }
    r[0] = sockaddr_value(&l.addrs[0], sotype, net);
    r[1] = V_NIL;
    return 2;
}

static int n_resolve_tcp(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    return resolve_addr(t, a, r, "net.ResolveTCPAddr", SOCK_STREAM);
}

static int n_resolve_udp(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    return resolve_addr(t, a, r, "net.ResolveUDPAddr", SOCK_DGRAM);
}

static int n_lookup_host(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjString *s;
    if (!vm_check_str(t, "net.LookupHost", a, 0, &s))
        return -1;
    open_net();
    Lookup l;
    memset(&l, 0, sizeof l);
    if (s->len >= sizeof l.host || s->len == 0) {
        r[0] = V_NIL;
        r[1] = dns_error("no such host", s->data, true, false);
        return 2;
    }
    memcpy(l.host, s->data, s->len);
    l.socktype = SOCK_STREAM;
    if (atomic_load(&forbidden)) {
        r[0] = V_NIL;
        r[1] = dns_error("lookups are off in this process", s->data, false, false);
        return 2;
    }
    sched_blocking_call(do_lookup, &l);
    if (l.rc != 0 || l.naddrs == 0) {
        r[0] = V_NIL;
        r[1] = dns_error(l.rc == EAI_AGAIN ? "server misbehaving" : "no such host", s->data,
                         l.rc != EAI_AGAIN, l.rc == EAI_AGAIN);
        return 2;
    }
    ObjList *out = list_new(0, (size_t)l.naddrs);
    for (int i = 0; i < l.naddrs; i++) {
        Buf b;
        buf_init(&b);
        if (l.addrs[i].ss.ss_family == AF_INET)
            ip_text((const unsigned char *)&((struct sockaddr_in *)&l.addrs[i].ss)->sin_addr, 4, &b);
        else
            ip_text((const unsigned char *)&((struct sockaddr_in6 *)&l.addrs[i].ss)->sin6_addr, 16, &b);
        list_append(out, v_from_ptr(buf_to_str(&b)));
    }
    list_set_type(out, types_parse("[]string", 8));
    r[0] = v_from_ptr(out);
    r[1] = V_NIL;
    return 2;
}

static int n_parse_ip(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjString *s;
    if (!vm_check_str(t, "net.ParseIP", a, 0, &s))
        return -1;
    open_net();
    unsigned char ip[16];
    if (inet_pton(AF_INET, s->data, ip + 12) == 1) {
        memcpy(ip, v4_prefix, 12);
        r[0] = ip_value(ip, 16);
    } else if (!memchr(s->data, '%', s->len) && inet_pton(AF_INET6, s->data, ip) == 1) {
        r[0] = ip_value(ip, 16);
    } else {
        r[0] = ip_value(NULL, 0);
    }
    return 1;
}

static int n_ipv4(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    unsigned char ip[16];
    memcpy(ip, v4_prefix, 12);
    for (int i = 0; i < 4; i++) {
        int64_t b;
        if (!vm_check_int(t, "net.IPv4", a, i, &b))
            return -1;
        ip[12 + i] = (unsigned char)b;
    }
    open_net();
    r[0] = ip_value(ip, 16);
    return 1;
}

/* ---- IP and address methods ---- */

static int ip_string(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)n;
    unsigned char ip[16];
    size_t len = 0;
    Buf b;
    buf_init(&b);
    if (ip_bytes(a[0], ip, &len))
        ip_text(ip, len, &b);
    else
        buf_adds(&b, "<nil>");
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int ip_to4(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)n;
    unsigned char ip[16];
    size_t len = 0;
    if (ip_bytes(a[0], ip, &len) && (len == 4 || memcmp(ip, v4_prefix, 12) == 0))
        r[0] = ip_value(len == 4 ? ip : ip + 12, 4);
    else
        r[0] = ip_value(NULL, 0);
    return 1;
}

static int ip_is_loopback(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)n;
    unsigned char ip[16];
    size_t len = 0;
    bool lo = false;
    if (ip_bytes(a[0], ip, &len)) {
        if (len == 4 || memcmp(ip, v4_prefix, 12) == 0)
            lo = (len == 4 ? ip[0] : ip[12]) == 127;
        else
            lo = memcmp(ip, &in6addr_loopback, 16) == 0;
    }
    r[0] = v_bool(lo);
    return 1;
}

static int ip_equal(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)n;
    unsigned char x[16], y[16];
    size_t xn = 0, yn = 0;
    bool eq = false;
    if (ip_bytes(a[0], x, &xn) && ip_bytes(a[1], y, &yn)) {
        const unsigned char *xp = xn == 16 && memcmp(x, v4_prefix, 12) == 0 ? x + 12 : x;
        const unsigned char *yp = yn == 16 && memcmp(y, v4_prefix, 12) == 0 ? y + 12 : y;
        size_t xl = xp == x ? xn : 4, yl = yp == y ? yn : 4;
        eq = xl == yl && memcmp(xp, yp, xl) == 0;
    }
    r[0] = v_bool(eq);
    return 1;
}

static int addr_string(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)n;
    if (iface_unbox(a[0]) == V_NIL) {
        r[0] = v_cstr("<nil>");
        return 1;
    }
    Buf b;
    buf_init(&b);
    addr_text(a[0], &b);
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int tcp_addr_network(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)a, (void)n;
    r[0] = v_cstr("tcp");
    return 1;
}

static int udp_addr_network(Thread *t, Value *a, int n, Value *r)
{
    (void)t, (void)a, (void)n;
    r[0] = v_cstr("udp");
    return 1;
}

static int unix_addr_network(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    ObjStruct *s = struct_of(a[0], unix_addr_type);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    r[0] = s->f[UA_NET];
    return 1;
}

/* ====================================================================== */
/* Conn, PacketConn and Listener methods                                   */
/* ====================================================================== */

/* clang-format off */
#define SELF(name)                                                                                           \
    NetFD *f = netfd_of(a[0]);                                                                               \
    if (!f)                                                                                                  \
        return vm_panicf(t, E_NIL_DEREF)
/* clang-format on */

/* Read(b []byte) (int, error) */
static int c_read(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    SELF("Read");
    if (!bytes_param(t, "net.Conn.Read", a, 1, true))
        return -1;
    ObjList *l = a[1] == V_NIL ? NULL : v_list(a[1]);
    size_t want = l ? l->len : 0;
    if (want == 0 && f->sotype == SOCK_STREAM) {
        r[0] = v_make_int(0);
        r[1] = V_NIL;
        return 2;
    }
    char *got = NULL;
    int64_t k = fd_read_raw(f, NULL, want, &got, NULL, &r[1]);
    if (k > 0)
        k = (int64_t)bytes_copy_into(l, got, (size_t)k);
    r[0] = v_make_int(k);
    return 2;
}

/* Write(b []byte) (int, error) */
static int c_write(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    SELF("Write");
    Buf b;
    buf_init(&b);
    if (!bytes_arg(t, "net.Conn.Write", a, 1, &b))
        return -1;
    int64_t k = fd_write_raw(f, b.data ? b.data : "", b.len, NULL, &r[1]);
    r[0] = v_make_int(k);
    return 2;
}

static int c_close(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    SELF("Close");
    r[0] = fd_close(f);
    return 1;
}

static int c_local_addr(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    SELF("LocalAddr");
    r[0] = f->laddr;
    return 1;
}

static int c_remote_addr(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    SELF("RemoteAddr");
    r[0] = f->raddr;
    return 1;
}

static int set_deadline(Thread *t, Value *a, int mode, const char *fname)
{
    NetFD *f = netfd_of(a[0]);
    if (!f)
        return vm_panicf(t, E_NIL_DEREF);
    int64_t when;
    if (!stdlib_time_deadline(a[1], &when))
        return vm_panicf(t, E_ARG_TYPE, fname, 1, "time.Time", v_type_name(a[1]));
    if (!fd_incref(f)) {
        t->rets[0] = io_error(f, "set", NETPOLL_CLOSING, 0, NULL);
        return 1;
    }
    netpoll_set_deadline(f->pd, when, mode);
    fd_decref(f);
    t->rets[0] = V_NIL;
    return 1;
}

static int c_set_deadline(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    int k = set_deadline(t, a, 'r' + 'w', "net.Conn.SetDeadline");
    if (k > 0)
        r[0] = t->rets[0];
    return k;
}

static int c_set_read_deadline(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    int k = set_deadline(t, a, 'r', "net.Conn.SetReadDeadline");
    if (k > 0)
        r[0] = t->rets[0];
    return k;
}

static int c_set_write_deadline(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    int k = set_deadline(t, a, 'w', "net.Conn.SetWriteDeadline");
    if (k > 0)
        r[0] = t->rets[0];
    return k;
}

static int shutdown_half(Thread *t, Value *a, Value *r, int how, const char *op)
{
    SELF(op);
    if (!fd_incref(f)) {
        r[0] = io_error(f, op, NETPOLL_CLOSING, 0, NULL);
        return 1;
    }
    r[0] = shutdown(f->fd, how) < 0 ? io_error(f, op, NETPOLL_READY, errno, "shutdown") : V_NIL;
    fd_decref(f);
    return 1;
}

static int c_close_read(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    return shutdown_half(t, a, r, SHUT_RD, "close");
}

static int c_close_write(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    return shutdown_half(t, a, r, SHUT_WR, "close");
}

static int sockopt(Thread *t, Value *a, Value *r, int level, int opt, int val, const char *op)
{
    SELF(op);
    if (!fd_incref(f)) {
        r[0] = io_error(f, "set", NETPOLL_CLOSING, 0, NULL);
        return 1;
    }
    r[0] = setsockopt(f->fd, level, opt, &val, sizeof val) < 0
               ? io_error(f, "set", NETPOLL_READY, errno, "setsockopt")
               : V_NIL;
    fd_decref(f);
    return 1;
}

static int c_set_no_delay(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    return sockopt(t, a, r, IPPROTO_TCP, TCP_NODELAY, v_truthy_bool(a[1]), "SetNoDelay");
}

static int c_set_keep_alive(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    return sockopt(t, a, r, SOL_SOCKET, SO_KEEPALIVE, v_truthy_bool(a[1]), "SetKeepAlive");
}

static int c_set_keep_alive_period(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    Value d = v_unnamed(a[1]);
    int64_t secs = v_is_anyint(d) ? v_anyint(d) / 1000000000 : 0;
    if (secs < 1)
        secs = 1;
    int k = sockopt(t, a, r, IPPROTO_TCP, TCP_KEEPIDLE, (int)secs, "SetKeepAlivePeriod");
    if (k == 1 && r[0] == V_NIL)
        k = sockopt(t, a, r, IPPROTO_TCP, TCP_KEEPINTVL, (int)secs, "SetKeepAlivePeriod");
    return k;
}

static int c_set_read_buffer(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    int64_t v;
    if (!vm_check_int(t, "SetReadBuffer", a, 1, &v))
        return -1;
    return sockopt(t, a, r, SOL_SOCKET, SO_RCVBUF, (int)v, "SetReadBuffer");
}

static int c_set_write_buffer(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    int64_t v;
    if (!vm_check_int(t, "SetWriteBuffer", a, 1, &v))
        return -1;
    return sockopt(t, a, r, SOL_SOCKET, SO_SNDBUF, (int)v, "SetWriteBuffer");
}

/* ReadFrom(b []byte) (int, Addr, error) */
static int c_read_from(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    SELF("ReadFrom");
    if (!bytes_param(t, "net.PacketConn.ReadFrom", a, 1, true))
        return -1;
    ObjList *l = a[1] == V_NIL ? NULL : v_list(a[1]);
    char *got = NULL;
    SockAddr from = {0};
    int64_t k = fd_read_raw(f, NULL, l ? l->len : 0, &got, &from, &r[2]);
    if (k > 0)
        k = (int64_t)bytes_copy_into(l, got, (size_t)k);
    r[0] = v_make_int(k);
    r[1] = r[2] == V_NIL ? sockaddr_value(&from, f->sotype, f->net) : V_NIL;
    return 3;
}

/* WriteTo(b []byte, addr Addr) (int, error) */
static int c_write_to(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    SELF("WriteTo");
    Buf b;
    buf_init(&b);
    if (!bytes_arg(t, "net.PacketConn.WriteTo", a, 1, &b))
        return -1;
    SockAddr to = {0};
    ObjStruct *s;
    Value addr = iface_unbox(a[2]);
    if ((s = struct_of(addr, udp_addr_type)) || (s = struct_of(addr, tcp_addr_type))) {
        unsigned char ip[16];
        size_t len = 0;
        int port = (int)v_anyint(s->f[IA_PORT]);
        bool have = ip_bytes(s->f[IA_IP], ip, &len);
        bool v4 = have && (len == 4 || memcmp(ip, v4_prefix, 12) == 0);
        if (f->family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&to.ss;
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons((uint16_t)port);
            if (v4) {
                memcpy(&in6->sin6_addr, v4_prefix, 12);
                memcpy((char *)&in6->sin6_addr + 12, len == 4 ? ip : ip + 12, 4);
            } else if (have) {
                memcpy(&in6->sin6_addr, ip, 16);
            } else {
                in6->sin6_addr = in6addr_loopback;
            }
            to.len = sizeof *in6;
        } else {
            struct sockaddr_in *in = (struct sockaddr_in *)&to.ss;
            in->sin_family = AF_INET;
            in->sin_port = htons((uint16_t)port);
            if (v4)
                memcpy(&in->sin_addr, len == 4 ? ip : ip + 12, 4);
            else
                in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            to.len = sizeof *in;
        }
    } else if ((s = struct_of(addr, unix_addr_type)) && v_is_str(s->f[UA_NAME])) {
        unix_sockaddr(v_str(s->f[UA_NAME])->data, &to);
    } else {
        r[0] = v_make_int(0);
        r[1] = op_error("write", f->net, f->laddr, addr,
                        v_from_ptr(error_new(str_cstr("invalid address"), false)));
        return 2;
    }
    int64_t k = fd_write_raw(f, b.data ? b.data : "", b.len, &to, &r[1]);
    r[0] = v_make_int(k);
    return 2;
}

static int l_accept(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    r[0] = net_accept(t, a[0], &r[1]);
    return 2;
}

static int l_addr(Thread *t, Value *a, int n, Value *r)
{
    (void)n;
    SELF("Addr");
    r[0] = f->laddr;
    return 1;
}

/* The methods every Conn has (Go's net.Conn), then each type's own. */
#define CONN_METHODS                                                                                         \
    {"Read", c_read, 1, 1}, {"Write", c_write, 1, 1}, {"Close", c_close, 0, 0},                              \
        {"LocalAddr", c_local_addr, 0, 0}, {"RemoteAddr", c_remote_addr, 0, 0},                              \
        {"SetDeadline", c_set_deadline, 1, 1}, {"SetReadDeadline", c_set_read_deadline, 1, 1},               \
        {"SetWriteDeadline", c_set_write_deadline, 1, 1}, {"SetReadBuffer", c_set_read_buffer, 1, 1},        \
    {                                                                                                        \
        "SetWriteBuffer", c_set_write_buffer, 1, 1                                                           \
    }

static const MethodDef conn_methods[] = {
    CONN_METHODS,
    {"CloseRead", c_close_read, 0, 0},
    {"CloseWrite", c_close_write, 0, 0},
    {"SetNoDelay", c_set_no_delay, 1, 1},
    {"SetKeepAlive", c_set_keep_alive, 1, 1},
    {"SetKeepAlivePeriod", c_set_keep_alive_period, 1, 1},
    {NULL, NULL, 0, 0},
};

static const MethodDef unix_conn_methods[] = {
    CONN_METHODS,
    {"CloseRead", c_close_read, 0, 0},
    {"CloseWrite", c_close_write, 0, 0},
    {"ReadFrom", c_read_from, 1, 1},
    {"WriteTo", c_write_to, 2, 2},
    {NULL, NULL, 0, 0},
};

static const MethodDef udp_conn_methods[] = {
    CONN_METHODS,
    {"ReadFrom", c_read_from, 1, 1},
    {"ReadFromUDP", c_read_from, 1, 1},
    {"WriteTo", c_write_to, 2, 2},
    {"WriteToUDP", c_write_to, 2, 2},
    {NULL, NULL, 0, 0},
};

static const MethodDef listener_methods[] = {
    {"Accept", l_accept, 0, 0}, {"Close", c_close, 0, 0},
    {"Addr", l_addr, 0, 0},     {"SetDeadline", c_set_deadline, 1, 1},
    {NULL, NULL, 0, 0},
};

static const ObjClass tcp_conn_class = {.name = "*net.TCPConn", .methods = conn_methods};
static const ObjClass unix_conn_class = {.name = "*net.UnixConn", .methods = unix_conn_methods};
static const ObjClass udp_conn_class = {.name = "*net.UDPConn", .methods = udp_conn_methods};
static const ObjClass tcp_listener_class = {.name = "*net.TCPListener", .methods = listener_methods};
static const ObjClass unix_listener_class = {.name = "*net.UnixListener", .methods = listener_methods};

static int64_t conn_stream_read(Thread *t, void *payload, char *p, size_t n, Value *err)
{
    (void)t;
    NetFD *f = payload;
    if (n == 0) {
        *err = V_NIL;
        return 0;
    }
    return fd_read_raw(f, p, n, NULL, NULL, err);
}

static int64_t conn_stream_write(Thread *t, void *payload, const char *p, size_t n, Value *err)
{
    (void)t;
    return fd_write_raw(payload, p, n, NULL, err);
}

static const StreamOps tcp_ops = {&tcp_conn_class, conn_stream_read, conn_stream_write};
static const StreamOps unix_ops = {&unix_conn_class, conn_stream_read, conn_stream_write};
static const StreamOps udp_ops = {&udp_conn_class, conn_stream_read, conn_stream_write};

/* ====================================================================== */
/* The module                                                              */
/* ====================================================================== */

static const ModuleFn net_fns[] = {
    {"Dial", n_dial, 2, 2, "func(string, string) (net.Conn, error)"},
    {"DialTimeout", n_dial_timeout, 3, 3, "func(string, string, time.Duration) (net.Conn, error)"},
    {"Listen", n_listen, 2, 2, "func(string, string) (net.Listener, error)"},
    {"ListenPacket", n_listen_packet, 2, 2, "func(string, string) (net.PacketConn, error)"},
    {"SplitHostPort", n_split_host_port, 1, 1, "func(string) (string, string, error)"},
    {"JoinHostPort", n_join_host_port, 2, 2, "func(string, string) string"},
    {"ResolveTCPAddr", n_resolve_tcp, 2, 2, "func(string, string) (*net.TCPAddr, error)"},
    {"ResolveUDPAddr", n_resolve_udp, 2, 2, "func(string, string) (*net.UDPAddr, error)"},
    {"LookupHost", n_lookup_host, 1, 1, "func(string) ([]string, error)"},
    {"ParseIP", n_parse_ip, 1, 1, "func(string) net.IP"},
    {"IPv4", n_ipv4, 4, 4, "func(byte, byte, byte, byte) net.IP"},
    {NULL, NULL, 0, 0, NULL},
};

static ObjType *declare(const char *name, const char *text)
{
    ObjType *ty = types_new_named(name);
    types_define(ty, types_parse_with(text, strlen(text), NULL, NULL));
    return ty;
}

/* os.ErrDeadlineExceeded is made apart from the rest, so that os can
 * export it without opening net. */
static pthread_once_t deadline_once = PTHREAD_ONCE_INIT;

static void deadline_init(void)
{
    deadline_type = declare("poll.DeadlineExceededError", "struct {}");
    stdlib_method(deadline_type, "poll.DeadlineExceededError.Error", deadline_error, 0, true, NULL);
    stdlib_method(deadline_type, "poll.DeadlineExceededError.Timeout", plain_true, 0, true, NULL);
    stdlib_method(deadline_type, "poll.DeadlineExceededError.Temporary", plain_true, 0, true, NULL);
    types_register_type(deadline_type);
    err_deadline = struct_ref(deadline_type, 0, NULL);
}

static void net_open(ObjModule *m)
{
    stdlib_module("time", 4, false); /* deadlines take a time.Time */
    ip_type = declare("net.IP", "[]byte");
    stdlib_method(ip_type, "net.IP.String", ip_string, 0, false, NULL);
    stdlib_method(ip_type, "net.IP.To4", ip_to4, 0, false, NULL);
    stdlib_method(ip_type, "net.IP.IsLoopback", ip_is_loopback, 0, false, NULL);
    stdlib_method(ip_type, "net.IP.Equal", ip_equal, 1, false, NULL);
    types_register_type(ip_type);

    ObjType *addr = declare("net.Addr", "interface { Network() string; String() string }");
    types_register_type(addr);
    tcp_addr_type = declare("net.TCPAddr", "struct { IP net.IP; Port int; Zone string }");
    stdlib_method(tcp_addr_type, "net.TCPAddr.String", addr_string, 0, true, NULL);
    stdlib_method(tcp_addr_type, "net.TCPAddr.Network", tcp_addr_network, 0, true, NULL);
    types_register_type(tcp_addr_type);
    udp_addr_type = declare("net.UDPAddr", "struct { IP net.IP; Port int; Zone string }");
    stdlib_method(udp_addr_type, "net.UDPAddr.String", addr_string, 0, true, NULL);
    stdlib_method(udp_addr_type, "net.UDPAddr.Network", udp_addr_network, 0, true, NULL);
    types_register_type(udp_addr_type);
    unix_addr_type = declare("net.UnixAddr", "struct { Name string; Net string }");
    stdlib_method(unix_addr_type, "net.UnixAddr.String", addr_string, 0, true, NULL);
    stdlib_method(unix_addr_type, "net.UnixAddr.Network", unix_addr_network, 0, true, NULL);
    types_register_type(unix_addr_type);

    pthread_once(&deadline_once, deadline_init);

    syscall_error_type = declare("os.SyscallError", "struct { Syscall string; Err error }");
    stdlib_method(syscall_error_type, "os.SyscallError.Error", syscall_error_error, 0, true, NULL);
    stdlib_method(syscall_error_type, "os.SyscallError.Unwrap", syscall_error_unwrap, 0, true, NULL);
    stdlib_method(syscall_error_type, "os.SyscallError.Timeout", plain_false, 0, true, NULL);
    types_register_type(syscall_error_type);

    op_error_type =
        declare("net.OpError", "struct { Op string; Net string; Source net.Addr; Addr net.Addr; Err error }");
    stdlib_method(op_error_type, "net.OpError.Error", op_error_error, 0, true, NULL);
    stdlib_method(op_error_type, "net.OpError.Unwrap", op_error_unwrap, 0, true, NULL);
    stdlib_method(op_error_type, "net.OpError.Timeout", op_error_timeout, 0, true, NULL);
    stdlib_method(op_error_type, "net.OpError.Temporary", op_error_temporary, 0, true, NULL);
    types_register_type(op_error_type);

    addr_error_type = declare("net.AddrError", "struct { Err string; Addr string }");
    stdlib_method(addr_error_type, "net.AddrError.Error", addr_error_error, 0, true, NULL);
    stdlib_method(addr_error_type, "net.AddrError.Timeout", plain_false, 0, true, NULL);
    stdlib_method(addr_error_type, "net.AddrError.Temporary", plain_false, 0, true, NULL);
    types_register_type(addr_error_type);

    dns_error_type =
        declare("net.DNSError", "struct { Err string; Name string; Server string; IsTimeout bool; "
                                "IsTemporary bool; IsNotFound bool }");
    stdlib_method(dns_error_type, "net.DNSError.Error", dns_error_error, 0, true, NULL);
    stdlib_method(dns_error_type, "net.DNSError.Timeout", dns_error_timeout, 0, true, NULL);
    stdlib_method(dns_error_type, "net.DNSError.Temporary", dns_error_temporary, 0, true, NULL);
    types_register_type(dns_error_type);

    dialer_type =
        declare("net.Dialer", "struct { Timeout time.Duration; Deadline time.Time; KeepAlive time.Duration }");
    stdlib_method(dialer_type, "net.Dialer.Dial", d_dial, 2, true, NULL);
    stdlib_method(dialer_type, "net.Dialer.DialContext", d_dial_context, 3, true, NULL);
    types_register_type(dialer_type);

    types_register_type(
        declare("net.Error", "interface { Error() string; Timeout() bool; Temporary() bool }"));
    types_register_type(declare("net.Conn",
                                "interface { Read(b []byte) (int, error); Write(b []byte) (int, error); "
                                "Close() error; LocalAddr() net.Addr; RemoteAddr() net.Addr; "
                                "SetDeadline(t time.Time) error; SetReadDeadline(t time.Time) error; "
                                "SetWriteDeadline(t time.Time) error }"));
    types_register_type(
        declare("net.Listener", "interface { Accept() (net.Conn, error); Close() error; Addr() net.Addr }"));
    types_register_type(
        declare("net.PacketConn",
                "interface { ReadFrom(p []byte) (int, net.Addr, error); WriteTo(p []byte, addr net.Addr) "
                "(int, error); Close() error; LocalAddr() net.Addr; SetDeadline(t time.Time) error; "
                "SetReadDeadline(t time.Time) error; SetWriteDeadline(t time.Time) error }"));

    err_closed = v_from_ptr(error_new(str_cstr("use of closed network connection"), false));
    stream_register(&tcp_ops);
    stream_register(&unix_ops);
    stream_register(&udp_ops);
    module_add_fns(m, net_fns);
    module_add(m, "ErrClosed", err_closed);
    module_add_type(m, "Conn", TYPE_INTERFACE);
    module_add_type(m, "Listener", TYPE_INTERFACE);
    module_add_type(m, "PacketConn", TYPE_INTERFACE);
    module_add_type(m, "Addr", TYPE_INTERFACE);
    module_add_type(m, "Error", TYPE_INTERFACE);
    /* The concrete types, for assertions (`c.(*net.TCPConn).CloseWrite()`)
     * and declarations; Go code never makes them but through Dial,
     * Listen and Accept, so they have no constructor. */
    static const char *const classes[] = {"net.TCPConn", "net.UnixConn", "net.UDPConn", "net.TCPListener",
                                          "net.UnixListener"};
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        types_register(classes[i], TYPE_OBJECT, V_UNDEF);
}

const ModuleDef csp_module_net = {"net", net_open};
