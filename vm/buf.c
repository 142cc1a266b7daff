#include "buf.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"

void buf_init(Buf *b)
{
    b->cap = 64;
    b->len = 0;
    b->data = mem_alloc_atomic(b->cap);
    b->data[0] = 0;
}

void buf_reserve(Buf *b, size_t extra)
{
    /* Room for extra bytes and the NUL, compared without adding, so a
     * huge extra cannot wrap the sum around. */
    if (extra < b->cap - b->len)
        return;
    size_t cap = mem_grow(b->cap, mem_add(mem_add(b->len, extra), 1), 64, 1);
    char *d = mem_alloc_atomic(cap);
    if (b->len)
        memcpy(d, b->data, b->len);
    d[b->len] = 0;
    b->data = d;
    b->cap = cap;
}

void buf_add(Buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void buf_adds(Buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addc(Buf *b, char c)
{
    buf_add(b, &c, 1);
}

void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0)
        return;
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

ObjString *buf_to_str(const Buf *b)
{
    return str_new(b->data, b->len);
}
