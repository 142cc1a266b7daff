/* buf.h — a growable byte buffer for building strings (formatting, the
 * compiler's messages). Its storage comes from the collector; a Buf lives on
 * one thread's stack or in one object and is not shared. */
#ifndef CSP_BUF_H
#define CSP_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "object.h"

typedef struct Buf {
    char *data; /* mem_alloc_atomic'd; NUL-terminated */
    size_t len, cap;
} Buf;

void buf_init(Buf *b);
void buf_reserve(Buf *b, size_t extra);
void buf_add(Buf *b, const char *s, size_t n);
void buf_adds(Buf *b, const char *s);
void buf_addc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
ObjString *buf_to_str(const Buf *b);

#endif
