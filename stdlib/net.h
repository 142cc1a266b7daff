/* net.h — the net module's C side, for the modules built on it (net/http).
 *
 * Sockets are non-blocking; a goroutine that would block parks on the
 * runtime's poller (vm/netpoll.h) and no OS thread waits for it. A Conn or
 * Listener is a native object; a Conn is also a stream (stream_read and
 * stream_write, io.Copy, bufio work on it). Defined in net.c.
 */
#ifndef CSP_NET_H
#define CSP_NET_H

#include "stdlib.h"

/* net.Listen(network, address): a Listener value, or nil with *err set to
 * Go's error ("listen tcp 127.0.0.1:80: bind: permission denied"). */
Value net_listen(Thread *t, const char *network, const char *address, Value *err);
/* Listener.Accept: the next connection (a net.Conn value), or nil with
 * *err (after Close: "accept tcp 127.0.0.1:8080: use of closed network
 * connection"). Parks the calling goroutine until a client comes. */
Value net_accept(Thread *t, Value listener, Value *err);
/* net.DialTimeout (timeout_ns <= 0: no timeout); names are resolved off
 * the scheduler's threads. */
Value net_dial(Thread *t, const char *network, const char *address, int64_t timeout_ns, Value *err);
/* Conn.Read / Conn.Write: the bytes moved (>= 0) with *err nil, io.EOF or
 * Go's error; -1 after a panic recorded in t. Read returns as soon as
 * some bytes are there; Write writes all of p unless an error stops it. */
int64_t net_read(Thread *t, Value conn, char *p, size_t n, Value *err);
int64_t net_write(Thread *t, Value conn, const char *p, size_t n, Value *err);
/* SetReadDeadline / SetWriteDeadline on a Conn: `when` is an instant of
 * sched_nanotime(), 0 for none; an instant in the past makes pending and
 * later calls fail at once with Go's timeout error ("i/o timeout"). */
void net_set_deadline(Value conn, bool read, bool write, int64_t when);
/* Close a Conn or Listener; a second Close returns Go's error. Goroutines
 * parked on it wake and fail with "use of closed network connection". */
Value net_close(Value v);
/* The text of Conn.RemoteAddr() (remote) or LocalAddr(), or of
 * Listener.Addr() ("127.0.0.1:8080"). */
Value net_addr_string(Value v, bool remote);
/* Whether err is a net error whose Timeout() is true. */
bool net_is_timeout(Value err);
/* Whether v is a Conn made by this module (its reads are net_read's). */
bool net_is_conn(Value v);
/* io.Copy (limit < 0) and io.CopyN from a stream Conn r to any writer w:
 * the bytes copied with *err (nil at r's end, as io.Copy; io.EOF when
 * CopyN got fewer), -1 after a panic, -2 when r is no stream Conn. While
 * it waits for r it holds no buffer, so an idle connection being copied
 * costs only its goroutine (Go's TCPConn.ReadFrom splices for the same
 * reason). */
int64_t net_copy(Thread *t, const char *fname, Value w, Value r, int64_t limit, Value *err);
/* The fuzzer's sandbox: from now on every Listen, ListenPacket and Dial
 * (net's own, and net/http's through net_listen and net_dial) fails with
 * an error, so fuzzed scripts reach no socket. */
void net_forbid(void);
/* os.ErrDeadlineExceeded ("i/o timeout", its Timeout() true), which os
 * exports and net's timeouts wrap. */
Value net_deadline_exceeded(void);

#endif
