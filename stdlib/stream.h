/* stream.h — Go's io.Reader and io.Writer for the stdlib's files.
 *
 * io.Copy, io.ReadAll, bufio, fmt.Fprint*, fmt.Fscan and log take any
 * reader or writer: a native object whose class registered its byte-level
 * read and write here (os.File, bufio.Writer...), a strings.Builder, or a
 * value of any other type with Go's methods `Read(p []byte) (int, error)`
 * and `Write(p []byte) (int, error)` (a script's type, or a native class
 * with such methods, strings.Reader), called through the VM with a []byte.
 * Defined in io.c.
 */
#ifndef CSP_STREAM_H
#define CSP_STREAM_H

#include "bytesval.h"
#include "stdlib.h"

/* Byte-level access to a native class's objects. Each returns the bytes
 * moved (>= 0) with *err nil or an error (io.EOF at the end of a reader),
 * or -1 after a panic recorded in t. read may be NULL (a writer only),
 * write too. */
typedef struct StreamOps {
    const ObjClass *cls;
    int64_t (*read)(Thread *t, void *payload, char *p, size_t n, Value *err);
    int64_t (*write)(Thread *t, void *payload, const char *p, size_t n, Value *err);
} StreamOps;
/* Called by a module's open function; ops must live for ever. */
void stream_register(const StreamOps *ops);

/* Whether v can be read from / written to (it has the method or ops). */
bool stream_is_reader(Value v);
bool stream_is_writer(Value v);
/* Read up to n bytes of r into p (the caller's buffer, not a csp object:
 * a script's Read fills a fresh []byte, copied out). Returns the count
 * with *err, or -1 after a panic; a reader that is none panics with a
 * message naming fname. */
int64_t stream_read(Thread *t, const char *fname, Value r, char *p, size_t n, Value *err);
/* Write all of p to w; the count written with *err, or -1 after a panic. */
int64_t stream_write(Thread *t, const char *fname, Value w, const char *p, size_t n, Value *err);

/* io.ErrUnexpectedEOF. */
Value io_unexpected_eof(void);
/* fmt's scanning functions (scan.c), added to the fmt module by fmt.c. */
extern const ModuleFn fmt_scan_fns[];

/* Call method `name` of v with args; the number of results (in t->rets),
 * -1 after a panic, -2 when v has no such method. */
int stream_call(Thread *t, Value v, const char *name, const Value *args, int nargs);
/* e's Error() text appended to b (an error value's message, a value with
 * an Error method through it, else e as %v); -1 after a panic in that
 * method, else 0. */
int stream_error_text(Thread *t, Value e, Buf *b);
/* Whether v has method `name` (a native object's, or by Go's method sets). */
bool stream_has_method(Value v, const char *name);

/* What os.c exports for others: the file's fd, -1 when v is no os.File. */
int os_file_fd(Value v);
/* fmt.Fscan's byte reader over an os.File's read buffer: a byte, or -1
 * at the end (*err nil) or on an error (*err set). */
int os_file_getc(Value f, Value *err);
/* The conversion os.FileMode(x) (io/fs shares it). */
Value os_file_mode_conv(void);
/* A *os.File value for an fd (bufio's tests and log's default output). */
Value os_stdin(void);
Value os_stdout(void);
Value os_stderr(void);

#endif
