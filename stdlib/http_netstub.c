/* http_netstub.c — TEMPORARY: weak stand-ins for net.h's functions until
 * the net module (net.c) is merged; its strong definitions replace these.
 * Delete this file once net.c is in the tree. */
#include "net.h"

__attribute__((weak)) Value net_listen(Thread *t, const char *network, const char *address, Value *err)
{
    *err = v_error("listen %s %s: net is not built in yet", network, address);
    return V_NIL;
}
__attribute__((weak)) Value net_accept(Thread *t, Value listener, Value *err)
{
    *err = v_error("accept: net is not built in yet");
    return V_NIL;
}
__attribute__((weak)) Value net_dial(Thread *t, const char *network, const char *address, int64_t timeout_ns, Value *err)
{
    *err = v_error("dial %s %s: net is not built in yet", network, address);
    return V_NIL;
}
__attribute__((weak)) int64_t net_read(Thread *t, Value conn, char *p, size_t n, Value *err)
{
    *err = v_error("read: net is not built in yet");
    return 0;
}
__attribute__((weak)) int64_t net_write(Thread *t, Value conn, const char *p, size_t n, Value *err)
{
    *err = v_error("write: net is not built in yet");
    return 0;
}
__attribute__((weak)) void net_set_deadline(Value conn, bool read, bool write, int64_t when) {}
__attribute__((weak)) Value net_close(Value v)
{
    return V_NIL;
}
__attribute__((weak)) Value net_addr_string(Value v, bool remote)
{
    return v_cstr("");
}
__attribute__((weak)) bool net_is_timeout(Value err)
{
    return false;
}
__attribute__((weak)) bool net_is_conn(Value v)
{
    return false;
}
