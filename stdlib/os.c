/* os.c — the os module: Args, Exit, the environment, whole-file reads and
 * writes, and the standard files (os.Stdin, os.Stdout, os.Stderr).
 *
 * Errors are values with Go's texts ("open x: no such file or directory",
 * "EOF"); the errno text is the C library's with its first letter lowered,
 * which is what Go's tables say for every errno a script meets.
 *
 * Blocking: every system call that can block (open, read, write, close,
 * unlink) sits in one of the small functions under "blocking calls" below,
 * each run through sched_syscall(): if the call lasts, the runtime gives
 * this thread's P to another thread, so the other goroutines keep running
 * (Go's entersyscall). Inside, nothing allocates from the collector or
 * touches a csp object other than a buffer allocated before (the kernel
 * fills it; it holds no pointers).
 *
 * os.Stdin keeps a read buffer. Locking: OsFile.lock guards buf, start,
 * end and eof; it is held across the read(2) that refills the buffer, so
 * two goroutines reading lines at once each get whole lines. It is a
 * semaphore, not a pthread mutex: the holder may resume on another OS
 * thread after its read (a mutex must be unlocked by the thread that
 * locked it), and a goroutine waiting for it waits inside the blocking
 * bracket, so it holds no P while the holder sits in read(2).
 */
#include "net.h"
#include "stream.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../vm/format.h"
#include "../vm/iface.h"
#include "../vm/mem.h"
#include "../vm/race.h"
#include "../vm/sched.h"

/* First read buffer of a file; it doubles for longer lines. */
#define OS_READ_CHUNK 4096

/* ====================================================================== */
/* blocking calls                                                          */
/* ====================================================================== */

/* Each runs its system call through sched_syscall (on the OS thread's own
 * stack, the P handed off if it lasts) and returns errno as the call left
 * it: going back to the goroutine may make system calls of its own. */
typedef struct Sys {
    int fd, flags, mode;
    const char *path;
    char *p;
    size_t n;
    ssize_t r;
    int err;
    sem_t *sem;
} Sys;

static void sys_read(void *arg)
{
    Sys *c = arg;
    do
        c->r = read(c->fd, c->p, c->n);
    while (c->r < 0 && errno == EINTR);
    c->err = errno;
}

/* p must be allocated already (not from inside): see the header. */
static ssize_t blocking_read(int fd, void *p, size_t n)
{
    Sys c = {.fd = fd, .p = p, .n = n};
    sched_syscall(sys_read, &c);
    errno = c.err;
    return c.r;
}

static void sys_write(void *arg)
{
    Sys *c = arg;
    c->err = 0;
    while (c->n > 0) {
        ssize_t w = write(c->fd, c->p, c->n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            c->err = errno;
            break;
        }
        c->p += w;
        c->n -= (size_t)w;
    }
}

/* Write all of p; returns 0 or an errno. */
static int blocking_write(int fd, const char *p, size_t n)
{
    Sys c = {.fd = fd, .p = (char *)p, .n = n};
    sched_syscall(sys_write, &c);
    return c.err;
}

static void sys_open(void *arg)
{
    Sys *c = arg;
    do
        c->r = open(c->path, c->flags | O_CLOEXEC, c->mode);
    while (c->r < 0 && errno == EINTR);
    c->err = errno;
}

static int blocking_open(const char *path, int flags, int mode)
{
    Sys c = {.path = path, .flags = flags, .mode = mode};
    sched_syscall(sys_open, &c);
    errno = c.err;
    return (int)c.r;
}

/* close can wait for data to reach a slow file system (NFS). */
static void sys_close(void *arg)
{
    Sys *c = arg;
    c->r = close(c->fd);
    c->err = errno;
}

static int blocking_close(int fd)
{
    Sys c = {.fd = fd};
    sched_syscall(sys_close, &c);
    errno = c.err;
    return (int)c.r;
}

/* os.Remove: unlink, or rmdir for a directory. */
static void sys_remove(void *arg)
{
    Sys *c = arg;
    c->r = unlink(c->path);
    if (c->r != 0 && (errno == EISDIR || errno == EPERM))
        c->r = rmdir(c->path);
    c->err = errno;
}

static int blocking_remove(const char *path)
{
    Sys c = {.path = path};
    sched_syscall(sys_remove, &c);
    errno = c.err;
    return (int)c.r;
}

/* The other file system calls, one per op code; path2 for rename. */
enum {
    FS_MKDIR,
    FS_RMDIR,
    FS_UNLINK,
    FS_RENAME,
    FS_CHDIR,
    FS_LSEEK,
    FS_FSYNC,
    FS_STAT,
    FS_LSTAT,
    FS_FSTAT,
    FS_CHMOD,
    FS_FCHMOD,
    FS_TRUNCATE,
    FS_FTRUNCATE,
    FS_PREAD,
    FS_PWRITE
};
typedef struct FsCall {
    int op, fd, mode, whence;
    const char *path, *path2;
    char *buf; /* PREAD, PWRITE: allocated before the call */
    size_t n;
    off_t off;
    struct stat st;
    int64_t r;
    int err;
} FsCall;

static void sys_fs(void *arg)
{
    FsCall *c = arg;
    switch (c->op) {
    case FS_MKDIR:
        c->r = mkdir(c->path, (mode_t)c->mode);
        break;
    case FS_RMDIR:
        c->r = rmdir(c->path);
        break;
    case FS_UNLINK:
        c->r = unlink(c->path);
        break;
    case FS_RENAME:
        c->r = rename(c->path, c->path2);
        break;
    case FS_CHDIR:
        c->r = chdir(c->path);
        break;
    case FS_LSEEK:
        c->r = lseek(c->fd, c->off, c->whence);
        break;
    case FS_FSYNC:
        c->r = fsync(c->fd);
        break;
    case FS_STAT:
        c->r = stat(c->path, &c->st);
        break;
    case FS_LSTAT:
        c->r = lstat(c->path, &c->st);
        break;
    case FS_FSTAT:
        c->r = fstat(c->fd, &c->st);
        break;
    case FS_CHMOD:
        c->r = chmod(c->path, (mode_t)c->mode);
        break;
    case FS_FCHMOD:
        c->r = fchmod(c->fd, (mode_t)c->mode);
        break;
    case FS_TRUNCATE:
        c->r = truncate(c->path, c->off);
        break;
    case FS_FTRUNCATE:
        c->r = ftruncate(c->fd, c->off);
        break;
    case FS_PREAD:
        do
            c->r = pread(c->fd, c->buf, c->n, c->off);
        while (c->r < 0 && errno == EINTR);
        break;
    case FS_PWRITE:
        do
            c->r = pwrite(c->fd, c->buf, c->n, c->off);
        while (c->r < 0 && errno == EINTR);
        break;
    default:
        c->r = -1;
        errno = EINVAL;
    }
    c->err = errno;
}

/* Run c through the hand-off; returns its result, errno set. */
static int64_t blocking_fs(FsCall *c)
{
    sched_syscall(sys_fs, c);
    errno = c->err;
    return c->r;
}

/* A directory's entry names (not . and ..), malloc'ed (no collector
 * inside the hand-off): freed by the caller with dir_names_free. */
typedef struct DirList {
    const char *path;
    char **names;
    unsigned char *types; /* d_type of each, DT_UNKNOWN when not told */
    size_t n, cap;
    int err;
} DirList;

static void sys_read_dir(void *arg)
{
    DirList *d = arg;
    DIR *dir = opendir(d->path);
    d->err = 0;
    if (!dir) {
        d->err = errno;
        return;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (d->n == d->cap) {
            size_t ncap = d->cap ? d->cap * 2 : 16;
            char **nn = realloc(d->names, ncap * sizeof *nn);
            unsigned char *nt = realloc(d->types, ncap);
            if (nn)
                d->names = nn;
            if (nt)
                d->types = nt;
            if (!nn || !nt) {
                d->err = ENOMEM;
                break;
            }
            d->cap = ncap;
        }
        d->names[d->n] = strdup(e->d_name);
        d->types[d->n] = e->d_type;
        if (d->names[d->n])
            d->n++;
    }
    closedir(dir);
}

static void dir_list_free(DirList *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->names[i]);
    free(d->names);
    free(d->types);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sys_sem_wait(void *arg)
{
    Sys *c = arg;
    while (sem_wait(c->sem) != 0 && errno == EINTR)
        ;
}

/* Take a semaphore used as a lock. Uncontended: no system call. Else the
 * wait is a blocking call like a read (the holder may be in one). */
static void blocking_sem_wait(sem_t *s)
{
    if (sem_trywait(s) == 0)
        return;
    Sys c = {.sem = s};
    sched_syscall(sys_sem_wait, &c);
}

/* ====================================================================== */
/* errors                                                                  */
/* ====================================================================== */

/* An integer argument that may come as a declared type's value (an
 * fs.FileMode: the signatures give untyped constants that type). */
static bool int_arg(Thread *t, const char *fname, Value *args, int i, int64_t *out)
{
    Value v = v_unnamed(args[i]);
    if (v_is_anyint(v)) {
        *out = v_anyint(v);
        return true;
    }
    return vm_check_int(t, fname, args, i, out);
}

const char *stdlib_errno_text(int err, char *out, size_t size)
{
    char buf[128];
    const char *msg = strerror_r(err, buf, sizeof buf);
    snprintf(out, size, "%s", msg);
    if (out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z'))
        out[0] = (char)(out[0] + ('a' - 'A'));
    return out;
}

/* os.ErrNotExist, ErrExist, ErrPermission, ErrClosed: made when the module
 * opens (before any path error can be made), then never changed. A path
 * error for ENOENT wraps ErrNotExist, so errors.Is(err, os.ErrNotExist)
 * and os.IsNotExist hold, as Go's syscall.Errno.Is makes them. */
static Value err_not_exist, err_exist, err_permission, err_closed;

static Value errno_sentinel(int err)
{
    switch (err) {
    case ENOENT:
        return err_not_exist;
    case EEXIST:
    case ENOTEMPTY:
        return err_exist;
    case EACCES:
    case EPERM:
        return err_permission;
    default:
        return V_NIL;
    }
}

/* Go's *fs.PathError (os.PathError is the same type): a struct { Op,
 * Path string; Err error } whose Error() is "op path: err" and whose
 * Unwrap() is Err. Err is an error with the errno's text that wraps the
 * matching sentinel (os.ErrNotExist...), as Go's syscall.Errno answers
 * errors.Is, so errors.Is(err, os.ErrNotExist) holds and errors.As(err,
 * &pathErr) finds the struct. Made when the module opens. */
static ObjType *path_error_type;
enum { PE_OP, PE_PATH, PE_ERR, PE_NFIELDS };

static ObjStruct *path_error_of(Value v)
{
    if (!v_is_ref(v))
        return NULL;
    ObjStruct *s = v_ref_target(v);
    return s->h.kind == OBJ_STRUCT && s->type == path_error_type ? s : NULL;
}

static int path_error_error(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjStruct *s = path_error_of(args[0]);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    Buf b;
    buf_init(&b);
    format_value(&b, s->f[PE_OP]);
    buf_addc(&b, ' ');
    format_value(&b, s->f[PE_PATH]);
    buf_adds(&b, ": ");
    if (stream_error_text(t, s->f[PE_ERR], &b) < 0)
        return -1;
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int path_error_unwrap(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjStruct *s = path_error_of(args[0]);
    if (!s)
        return vm_panicf(t, E_NIL_DEREF);
    rets[0] = s->f[PE_ERR];
    return 1;
}

static void path_error_declare(void)
{
    static const char fields[] = "struct { Op string; Path string; Err error }";
    ObjType *ty = types_new_named("fs.PathError");
    types_define(ty, types_parse(fields, sizeof fields - 1));
    ObjNative *e = native_new("fs.PathError.Error", path_error_error, 1, 1);
    e->h.flags = NATIVE_METHOD;
    types_add_method(ty, str_cstr("Error"), v_from_ptr(e), true, NULL);
    ObjNative *u = native_new("fs.PathError.Unwrap", path_error_unwrap, 1, 1);
    u->h.flags = NATIVE_METHOD;
    types_add_method(ty, str_cstr("Unwrap"), v_from_ptr(u), true, NULL);
    types_register_type(ty);
    types_register_alias("os.PathError", ty);
    path_error_type = ty;
}

/* &fs.PathError{op, path, reason} where reason wraps the sentinel. */
static Value path_error_new(const char *op, const char *path, const char *reason, Value sentinel)
{
    ObjStruct *s = mem_alloc(sizeof *s + sizeof(Value) * PE_NFIELDS);
    s->h.kind = OBJ_STRUCT;
    s->type = path_error_type;
    s->f[PE_OP] = v_cstr(op);
    s->f[PE_PATH] = v_cstr(path);
    ObjError *e = error_new(str_cstr(reason), false);
    e->wrapped = sentinel;
    s->f[PE_ERR] = v_from_ptr(e);
    return v_ref(s);
}

/* An error with the message of code and the sentinel of errno err. */
static Value wrap_errno(Value e, int err)
{
    ((ObjError *)v_ptr(e))->wrapped = errno_sentinel(err);
    return e;
}

/* Go's PathError for op on path failing with errno err. */
static Value op_error(const char *op, const char *path, int err)
{
    char text[128];
    return path_error_new(op, path, stdlib_errno_text(err, text, sizeof text), errno_sentinel(err));
}

/* The same, op named by an errors.def entry ("open %s: %s"): its first
 * word. */
static Value path_error(ErrCode code, const char *path, int err)
{
    const char *f = err_formats[code];
    char op[16];
    size_t n = strcspn(f, " ");
    if (n >= sizeof op)
        n = sizeof op - 1;
    memcpy(op, f, n);
    op[n] = 0;
    return op_error(op, path, err);
}

/* "op path: file already closed", wrapping os.ErrClosed. */
static Value closed_error(const char *op, const char *path)
{
    return path_error_new(op, path, err_formats[E_OS_CLOSED], err_closed);
}

/* ====================================================================== */
/* os.File                                                                 */
/* ====================================================================== */

typedef struct OsFile {
    int fd;           /* -1 once closed: atomic (Close may race a Read) */
    const char *name; /* "/dev/stdin", as Go's os.Stdin.Name(); immutable */
    sem_t lock;       /* a binary semaphore: see the header */
    char *buf;        /* read buffer (ReadLine's; Read drains it first): lock */
    size_t start, end, cap;
    bool eof;
} OsFile;

static const ObjClass file_class;

static OsFile *file_of(Value v)
{
    v = iface_unbox(v);
    if (v_is_ref(v)) /* a *os.File stored through a pointer variable */
        v = v_from_ptr(v_ref_target(v));
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &file_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static int fd_of(OsFile *f)
{
    return __atomic_load_n(&f->fd, __ATOMIC_ACQUIRE);
}

int os_file_fd(Value v)
{
    OsFile *f = file_of(v);
    return f ? fd_of(f) : -1;
}

static Value file_new(int fd, const char *name)
{
    OsFile *f = mem_alloc(sizeof *f);
    f->fd = fd;
    f->name = name;
    sem_init(&f->lock, 0, 1);
    f->buf = NULL;
    f->start = f->end = f->cap = 0;
    f->eof = false;
    return v_from_ptr(object_new(&file_class, f));
}

static Value std_files[3]; /* os.Stdin, Stdout, Stderr: made by os_open */

Value os_stdin(void)
{
    if (!std_files[0])
        stdlib_module("os", 2, false);
    return std_files[0];
}

Value os_stdout(void)
{
    if (!std_files[1])
        stdlib_module("os", 2, false);
    return std_files[1];
}

Value os_stderr(void)
{
    if (!std_files[2])
        stdlib_module("os", 2, false);
    return std_files[2];
}

/* Write to a file; stdout goes through the runtime's buffered, whole-write
 * path so it never interleaves with print(). Returns 0 or an errno. */
static int file_write(Thread *t, OsFile *f, const char *s, size_t n)
{
    if (RACE_ON())
        race_io_write(t); /* Go's syscall.Write: see race.h */
    int fd = fd_of(f);
    if (fd == 1) {
        rt_write_out(t->rt, s, n);
        return 0;
    }
    if (fd < 0)
        return EBADF;
    if (fd == 2)
        rt_flush(t->rt); /* keep the order a terminal shows */
    return blocking_write(fd, s, n);
}

static int64_t file_read_io(Thread *t, OsFile *f, char *p, size_t n, Value *err);

/* A read, ordered after the writes before it for the race detector, as
 * Go's syscall.Read (race.h). */
static int64_t file_read(Thread *t, OsFile *f, char *p, size_t n, Value *err)
{
    int64_t k = file_read_io(t, f, p, n, err);
    if (RACE_ON())
        race_io_read(t);
    return k;
}

int os_file_write(Thread *t, Value w, const char *s, size_t n)
{
    OsFile *f = file_of(w);
    if (!f)
        return 1;
    file_write(t, f, s, n); /* Fprint* drop write errors, as scripts do */
    return 0;
}

/* Read up to n bytes: what the line buffer holds first, else one read(2).
 * Returns the count with *err (io.EOF at the end). */
static int64_t file_read_io(Thread *t, OsFile *f, char *p, size_t n, Value *err)
{
    (void)t;
    *err = V_NIL;
    if (fd_of(f) < 0) {
        *err = closed_error("read", f->name);
        return 0;
    }
    if (n == 0)
        return 0;
    blocking_sem_wait(&f->lock);
    if (f->start < f->end) {
        size_t k = f->end - f->start < n ? f->end - f->start : n;
        memcpy(p, f->buf + f->start, k);
        f->start += k;
        sem_post(&f->lock);
        return (int64_t)k;
    }
    if (f->eof && f->fd == 0) {
        /* stdin at its end stays there once ReadLine saw it */
        sem_post(&f->lock);
        *err = stdlib_eof();
        return 0;
    }
    ssize_t r = blocking_read(fd_of(f), p, n);
    int e = errno;
    sem_post(&f->lock);
    if (r < 0) {
        *err = e == EBADF && fd_of(f) < 0 ? closed_error("read", f->name) : path_error(E_OS_READ, f->name, e);
        return 0;
    }
    if (r == 0)
        *err = stdlib_eof();
    return r;
}

/* One byte of f through its read buffer (as ReadLine fills it), for
 * fmt.Fscan: 0..255; -1 at the end of input (*err nil) or on an error
 * (*err set). What is not consumed stays for the next reader. */
int os_file_getc(Value v, Value *err)
{
    OsFile *f = file_of(v);
    *err = V_NIL;
    if (!f)
        return -1;
    if (fd_of(f) < 0) {
        *err = closed_error("read", f->name);
        return -1;
    }
    blocking_sem_wait(&f->lock);
    if (f->start == f->end && !f->eof) {
        if (!f->buf) {
            f->cap = OS_READ_CHUNK;
            f->buf = mem_alloc_atomic(f->cap);
        }
        f->start = f->end = 0;
        ssize_t r = blocking_read(fd_of(f), f->buf, f->cap);
        if (r < 0) {
            int e = errno;
            sem_post(&f->lock);
            *err = path_error(E_OS_READ, f->name, e);
            return -1;
        }
        if (r == 0)
            f->eof = f->fd == 0; /* a terminal's ^D ends stdin; a file may grow */
        f->end = (size_t)r;
    }
    int c = f->start < f->end ? (unsigned char)f->buf[f->start++] : -1;
    sem_post(&f->lock);
    return c;
}

static int64_t file_stream_read(Thread *t, void *payload, char *p, size_t n, Value *err)
{
    return file_read(t, payload, p, n, err);
}

static int64_t file_stream_write(Thread *t, void *payload, const char *p, size_t n, Value *err)
{
    OsFile *f = payload;
    int e = file_write(t, f, p, n);
    *err = e == 0         ? V_NIL
           : fd_of(f) < 0 ? closed_error("write", f->name)
                          : path_error(E_OS_WRITE, f->name, e);
    return e ? 0 : (int64_t)n;
}

static const StreamOps file_ops = {&file_class, file_stream_read, file_stream_write};

/* Methods get the receiver as args[0]; their checks look at args + 1 so
 * messages count arguments as the script wrote them. */
/* The unbraced if ends a declaration macro, which clang-format mangles. */
/* clang-format off */
#define SELF(name)                                                                                           \
    OsFile *f = file_of(args[0]);                                                                            \
    if (!f)                                                                                                  \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "os.File", v_type_name(args[0]))
/* clang-format on */

/* Write(b []byte) and WriteString(s): (n int, err error). */
static int file_write_m(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Write");
    (void)nargs;
    Buf b;
    buf_init(&b);
    if (!bytes_read(args[1], &b))
        return vm_panicf(t, E_ARG_TYPE, "os.File.Write", 1, "[]byte", v_type_name(args[1]));
    Value err;
    int64_t n = file_stream_write(t, f, b.data, b.len, &err);
    rets[0] = v_make_int(n);
    rets[1] = err;
    return 2;
}

static int file_read_m(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Read");
    (void)nargs;
    Value bv = args[1];
    if (bv != V_NIL && !v_is_obj(bv, OBJ_LIST))
        return vm_panicf(t, E_ARG_TYPE, "os.File.Read", 1, "[]byte", v_type_name(bv));
    size_t n = bv == V_NIL ? 0 : LIST_GET(v_list(bv), len);
    char *tmp = mem_alloc_atomic(n ? n : 1);
    Value err;
    int64_t got = file_read(t, f, tmp, n, &err);
    if (got > 0)
        bytes_copy_into(v_list(bv), tmp, (size_t)got);
    rets[0] = v_make_int(got);
    rets[1] = err;
    return 2;
}

/* One line without its "\n" (and a "\r" before it); at the end of input,
 * a last unterminated line, then "" and io.EOF. */
static int file_read_line(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.ReadLine");
    (void)nargs;
    if (fd_of(f) < 0) {
        rets[0] = v_cstr("");
        rets[1] = closed_error("read", f->name);
        return 2;
    }
    blocking_sem_wait(&f->lock);
    size_t scanned = f->start;
    for (;;) {
        char *nl = f->end > scanned ? memchr(f->buf + scanned, '\n', f->end - scanned) : NULL;
        if (nl) {
            size_t len = (size_t)(nl - (f->buf + f->start));
            size_t keep = len;
            if (keep > 0 && f->buf[f->start + keep - 1] == '\r')
                keep--;
            rets[0] = v_from_ptr(str_new(f->buf + f->start, keep));
            f->start += len + 1;
            break;
        }
        if (f->eof) {
            if (f->start < f->end) {
                rets[0] = v_from_ptr(str_new(f->buf + f->start, f->end - f->start));
                f->start = f->end;
                break;
            }
            sem_post(&f->lock);
            rets[0] = v_cstr("");
            rets[1] = stdlib_eof();
            return 2;
        }
        /* Make room: slide the partial line down, or grow. */
        scanned = f->end;
        if (f->start > 0) {
            memmove(f->buf, f->buf + f->start, f->end - f->start);
            scanned -= f->start;
            f->end -= f->start;
            f->start = 0;
        }
        if (f->end == f->cap) {
            size_t ncap = mem_grow(f->cap, f->cap + 1, OS_READ_CHUNK, 1);
            char *nb = mem_alloc_atomic(ncap);
            if (f->end)
                memcpy(nb, f->buf, f->end);
            f->buf = nb;
            f->cap = ncap;
        }
        ssize_t r = blocking_read(fd_of(f), f->buf + f->end, f->cap - f->end);
        if (r < 0) {
            int err = errno;
            sem_post(&f->lock);
            rets[0] = v_cstr("");
            rets[1] = path_error(E_OS_READ, f->name, err);
            return 2;
        }
        if (r == 0)
            f->eof = true;
        f->end += (size_t)r;
    }
    sem_post(&f->lock);
    rets[1] = V_NIL;
    return 2;
}

static int file_name(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Name");
    (void)nargs;
    rets[0] = v_cstr(f->name);
    return 1;
}

static int file_fd(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Fd");
    (void)nargs;
    int fd = fd_of(f);
    rets[0] = fd < 0 ? v_make_uint(UINT64_MAX) : v_int_small(fd); /* Go: ^uintptr(0) once closed */
    return 1;
}

static int file_close(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Close");
    (void)nargs;
    int fd = __atomic_exchange_n(&f->fd, -1, __ATOMIC_ACQ_REL);
    if (fd < 0) {
        rets[0] = closed_error("close", f->name);
        return 1;
    }
    if (fd <= 2) { /* closing a standard file: flush what csp holds first */
        rt_flush(t->rt);
    }
    int r = blocking_close(fd);
    rets[0] = r == 0 ? V_NIL : op_error("close", f->name, errno);
    return 1;
}

static int file_seek(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Seek");
    (void)nargs;
    int64_t off, whence;
    if (!vm_check_int(t, "os.File.Seek", args + 1, 0, &off) ||
        !vm_check_int(t, "os.File.Seek", args + 1, 1, &whence))
        return -1;
    if (fd_of(f) < 0) {
        rets[0] = v_int_small(0);
        rets[1] = closed_error("seek", f->name);
        return 2;
    }
    blocking_sem_wait(&f->lock);
    if (whence == SEEK_CUR)
        off -= (int64_t)(f->end - f->start); /* what the buffer holds is not read yet */
    f->start = f->end = 0;
    f->eof = false;
    FsCall c = {.op = FS_LSEEK, .fd = fd_of(f), .off = (off_t)off, .whence = (int)whence};
    int64_t r = blocking_fs(&c);
    int e = errno;
    sem_post(&f->lock);
    rets[0] = v_make_int(r < 0 ? 0 : r);
    rets[1] = r < 0 ? op_error("seek", f->name, e) : V_NIL;
    return 2;
}

static int file_sync(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Sync");
    (void)nargs;
    if (fd_of(f) < 0) {
        rets[0] = closed_error("sync", f->name);
        return 1;
    }
    if (fd_of(f) == 1)
        rt_flush(t->rt);
    FsCall c = {.op = FS_FSYNC, .fd = fd_of(f)};
    int64_t r = blocking_fs(&c);
    rets[0] = r < 0 && errno != EINVAL ? op_error("sync", f->name, errno) : V_NIL;
    return 1;
}

static Value file_info_new(const char *name, const struct stat *st);

static int file_stat(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Stat");
    (void)nargs;
    FsCall c = {.op = FS_FSTAT, .fd = fd_of(f)};
    if (c.fd < 0) {
        rets[0] = V_NIL;
        rets[1] = closed_error("stat", f->name);
        return 2;
    }
    int64_t r = blocking_fs(&c);
    const char *base = strrchr(f->name, '/');
    rets[0] = r < 0 ? V_NIL : file_info_new(base ? base + 1 : f->name, &c.st);
    rets[1] = r < 0 ? op_error("stat", f->name, errno) : V_NIL;
    return 2;
}

static int file_chmod(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Chmod");
    (void)nargs;
    int64_t mode;
    if (!int_arg(t, "os.File.Chmod", args + 1, 0, &mode))
        return -1;
    if (fd_of(f) < 0) {
        rets[0] = closed_error("chmod", f->name);
        return 1;
    }
    FsCall c = {.op = FS_FCHMOD, .fd = fd_of(f), .mode = (int)(mode & 07777)};
    rets[0] = blocking_fs(&c) == 0 ? V_NIL : op_error("chmod", f->name, errno);
    return 1;
}

static int file_truncate(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Truncate");
    (void)nargs;
    int64_t size;
    if (!vm_check_int(t, "os.File.Truncate", args + 1, 0, &size))
        return -1;
    if (fd_of(f) < 0) {
        rets[0] = closed_error("truncate", f->name);
        return 1;
    }
    FsCall c = {.op = FS_FTRUNCATE, .fd = fd_of(f), .off = (off_t)size};
    rets[0] = blocking_fs(&c) == 0 ? V_NIL : op_error("truncate", f->name, errno);
    return 1;
}

/* ReadAt(p, off): fills p from off, io.EOF when the file ends first. */
static int file_read_at(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.ReadAt");
    (void)nargs;
    int64_t off;
    Value bv = args[1];
    if (bv != V_NIL && !v_is_obj(bv, OBJ_LIST))
        return vm_panicf(t, E_ARG_TYPE, "os.File.ReadAt", 1, "[]byte", v_type_name(bv));
    if (!vm_check_int(t, "os.File.ReadAt", args + 1, 1, &off))
        return -1;
    size_t n = bv == V_NIL ? 0 : LIST_GET(v_list(bv), len);
    rets[1] = V_NIL;
    if (off < 0) {
        rets[0] = v_int_small(0);
        rets[1] = stdlib_error(E_OS_PATH, "readat", f->name, "negative offset");
        return 2;
    }
    if (fd_of(f) < 0) {
        rets[0] = v_int_small(0);
        rets[1] = closed_error("read", f->name);
        return 2;
    }
    char *tmp = mem_alloc_atomic(n ? n : 1);
    size_t got = 0;
    while (got < n) {
        FsCall c = {.op = FS_PREAD,
                    .fd = fd_of(f),
                    .buf = tmp + got,
                    .n = n - got,
                    .off = (off_t)(off + (int64_t)got)};
        int64_t r = blocking_fs(&c);
        if (r < 0) {
            rets[1] = path_error(E_OS_READ, f->name, errno);
            break;
        }
        if (r == 0) {
            rets[1] = stdlib_eof();
            break;
        }
        got += (size_t)r;
    }
    if (got)
        bytes_copy_into(v_list(bv), tmp, got);
    rets[0] = v_make_int((int64_t)got);
    return 2;
}

static int file_write_at(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.WriteAt");
    (void)nargs;
    int64_t off;
    Buf b;
    buf_init(&b);
    if (!bytes_read(args[1], &b))
        return vm_panicf(t, E_ARG_TYPE, "os.File.WriteAt", 1, "[]byte", v_type_name(args[1]));
    if (!vm_check_int(t, "os.File.WriteAt", args + 1, 1, &off))
        return -1;
    rets[1] = V_NIL;
    if (fd_of(f) < 0) {
        rets[0] = v_int_small(0);
        rets[1] = closed_error("write", f->name);
        return 2;
    }
    size_t done = 0;
    while (done < b.len) {
        FsCall c = {.op = FS_PWRITE,
                    .fd = fd_of(f),
                    .buf = b.data + done,
                    .n = b.len - done,
                    .off = (off_t)(off + (int64_t)done)};
        int64_t r = blocking_fs(&c);
        if (r <= 0) {
            rets[1] = path_error(E_OS_WRITE, f->name, r < 0 ? errno : EIO);
            break;
        }
        done += (size_t)r;
    }
    rets[0] = v_make_int((int64_t)done);
    return 2;
}

static int os_read_dir_of(Thread *t, const char *path, bool sorted, Value *rets);
static const char *dirent_name_of(Value e);

/* f.ReadDir(n) and f.Readdirnames(n): the directory's entries (all of
 * them for n <= 0, as csp reads them at once). */
static int file_read_dir(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.ReadDir");
    (void)nargs;
    return os_read_dir_of(t, f->name, false, rets);
}

static int file_readdirnames(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Readdirnames");
    (void)nargs;
    int r = os_read_dir_of(t, f->name, false, rets);
    if (r < 0 || rets[1] != V_NIL)
        return r;
    ObjList *names = list_new(0, 0);
    Value e;
    for (int64_t i = 0; list_get(v_list(rets[0]), i, &e); i++)
        list_append(names, v_cstr(dirent_name_of(e)));
    list_set_type(names, types_parse("[]string", 8));
    rets[0] = v_from_ptr(names);
    return 2;
}

static const MethodDef file_methods[] = {
    {"ReadLine", file_read_line, 0, 0},
    {"Read", file_read_m, 1, 1},
    {"WriteString", file_write_m, 1, 1},
    {"Write", file_write_m, 1, 1},
    {"Name", file_name, 0, 0},
    {"Fd", file_fd, 0, 0},
    {"Close", file_close, 0, 0},
    {"Seek", file_seek, 2, 2},
    {"Sync", file_sync, 0, 0},
    {"Stat", file_stat, 0, 0},
    {"Chmod", file_chmod, 1, 1},
    {"Truncate", file_truncate, 1, 1},
    {"ReadAt", file_read_at, 2, 2},
    {"WriteAt", file_write_at, 2, 2},
    {"ReadDir", file_read_dir, 1, 1},
    {"Readdirnames", file_readdirnames, 1, 1},
    {NULL, NULL, 0, 0},
};

static const ObjClass file_class = {.name = "*os.File", .methods = file_methods, .get_field = NULL};

/* ====================================================================== */
/* os.FileInfo and os.DirEntry                                             */
/* ====================================================================== */

/* Go's FileMode bits: the type in the top bits, then the permissions. */
#define MODE_DIR (1u << 31)
#define MODE_APPEND (1u << 30)
#define MODE_SYMLINK (1u << 27)
#define MODE_DEVICE (1u << 26)
#define MODE_NAMED_PIPE (1u << 25)
#define MODE_SOCKET (1u << 24)
#define MODE_SETUID (1u << 23)
#define MODE_SETGID (1u << 22)
#define MODE_CHAR_DEVICE (1u << 21)
#define MODE_STICKY (1u << 20)
#define MODE_IRREGULAR (1u << 19)
#define MODE_TYPE                                                                                            \
    (MODE_DIR | MODE_SYMLINK | MODE_NAMED_PIPE | MODE_SOCKET | MODE_DEVICE | MODE_CHAR_DEVICE |              \
     MODE_IRREGULAR)

/* A stat's st_mode as Go's FileMode bits. */
static uint32_t mode_bits(unsigned st_mode)
{
    uint32_t m = st_mode & 0777;
    switch (st_mode & S_IFMT) {
    case S_IFDIR:
        m |= MODE_DIR;
        break;
    case S_IFLNK:
        m |= MODE_SYMLINK;
        break;
    case S_IFIFO:
        m |= MODE_NAMED_PIPE;
        break;
    case S_IFSOCK:
        m |= MODE_SOCKET;
        break;
    case S_IFCHR:
        m |= MODE_DEVICE | MODE_CHAR_DEVICE;
        break;
    case S_IFBLK:
        m |= MODE_DEVICE;
        break;
    default:
        break;
    }
    if (st_mode & S_ISUID)
        m |= MODE_SETUID;
    if (st_mode & S_ISGID)
        m |= MODE_SETGID;
    if (st_mode & S_ISVTX)
        m |= MODE_STICKY;
    return m;
}

/* fs.FileMode (os.FileMode): a declared uint32 type with Go's methods,
 * made when the module opens. */
static ObjType *file_mode_type;

static Value file_mode(uint64_t m)
{
    return named_new(file_mode_type, v_int_small((int64_t)(m & 0xffffffffu)));
}

static uint32_t mode_of(Value v)
{
    v = v_unnamed(v);
    return v_is_anyint(v) ? (uint32_t)v_anyint(v) : 0;
}

static int mode_string(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    uint32_t m = mode_of(args[0]);
    static const char letters[] = "dalTLDpSugct?";
    char buf[32];
    int w = 0;
    for (int i = 0; i < 13; i++)
        if (m & (1u << (31 - i)))
            buf[w++] = letters[i];
    if (w == 0)
        buf[w++] = '-';
    static const char rwx[] = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        buf[w++] = m & (1u << (8 - i)) ? rwx[i] : '-';
    rets[0] = v_from_ptr(str_new(buf, (size_t)w));
    return 1;
}

static int mode_is_dir(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = v_bool((mode_of(args[0]) & MODE_DIR) != 0);
    return 1;
}

static int mode_is_regular(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = v_bool((mode_of(args[0]) & MODE_TYPE) == 0);
    return 1;
}

static int mode_perm(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = file_mode(mode_of(args[0]) & 0777);
    return 1;
}

static int mode_type(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = file_mode(mode_of(args[0]) & MODE_TYPE);
    return 1;
}

/* os.FileMode(x), fs.FileMode(x): the conversion. */
static int os_n_file_mode(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t m;
    Value v = v_unnamed(args[0]);
    if (!vm_check_int(t, "os.FileMode", &v, 0, &m))
        return -1;
    rets[0] = file_mode((uint64_t)m);
    return 1;
}

Value os_file_mode_conv(void)
{
    static ObjNative *conv; /* made once: racing makers make equal ones */
    ObjNative *n = __atomic_load_n(&conv, __ATOMIC_ACQUIRE);
    if (!n) {
        n = native_new("os.FileMode", os_n_file_mode, 1, 1);
        __atomic_store_n(&conv, n, __ATOMIC_RELEASE);
    }
    return v_from_ptr(n);
}

static void file_mode_declare(void)
{
    ObjType *ty = types_new_named("fs.FileMode");
    types_define(ty, types_parse("uint32", 6));
    static const struct {
        const char *name;
        NativeFn fn;
    } ms[] = {{"String", mode_string},
              {"IsDir", mode_is_dir},
              {"IsRegular", mode_is_regular},
              {"Perm", mode_perm},
              {"Type", mode_type}};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        ObjNative *fn = native_new(ms[i].name, ms[i].fn, 1, 1);
        fn->h.flags = NATIVE_METHOD;
        types_add_method(ty, str_cstr(ms[i].name), v_from_ptr(fn), false, NULL);
    }
    types_register_type(ty);
    types_register_alias("os.FileMode", ty);
    file_mode_type = ty;
}

typedef struct FileInfo {
    const char *name;
    int64_t size;
    unsigned mode; /* st_mode */
    int64_t mtime_ns;
} FileInfo;

static const ObjClass info_class;

static FileInfo *info_of(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &info_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static Value file_info_new(const char *name, const struct stat *st)
{
    FileInfo *fi = mem_alloc(sizeof *fi);
    fi->name = str_cstr(name)->data;
    fi->size = (int64_t)st->st_size;
    fi->mode = st->st_mode;
    fi->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    return v_from_ptr(object_new(&info_class, fi));
}

/* clang-format off */
#define INFO(name)                                                                                           \
    FileInfo *fi = info_of(args[0]);                                                                         \
    (void)nargs;                                                                                             \
    if (!fi)                                                                                                 \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "fs.FileInfo", v_type_name(args[0]))
/* clang-format on */

static int info_name(Thread *t, Value *args, int nargs, Value *rets)
{
    INFO("fs.FileInfo.Name");
    rets[0] = v_cstr(fi->name);
    return 1;
}

static int info_size(Thread *t, Value *args, int nargs, Value *rets)
{
    INFO("fs.FileInfo.Size");
    rets[0] = v_make_int(fi->size);
    return 1;
}

static int info_is_dir(Thread *t, Value *args, int nargs, Value *rets)
{
    INFO("fs.FileInfo.IsDir");
    rets[0] = v_bool(S_ISDIR(fi->mode));
    return 1;
}

static int info_mode(Thread *t, Value *args, int nargs, Value *rets)
{
    INFO("fs.FileInfo.Mode");
    rets[0] = file_mode(mode_bits(fi->mode));
    return 1;
}

static int info_mod_time(Thread *t, Value *args, int nargs, Value *rets)
{
    INFO("fs.FileInfo.ModTime");
    rets[0] = stdlib_time_unix(fi->mtime_ns / 1000000000, fi->mtime_ns % 1000000000);
    return 1;
}

static const MethodDef info_methods[] = {
    {"Name", info_name, 0, 0}, {"Size", info_size, 0, 0},        {"IsDir", info_is_dir, 0, 0},
    {"Mode", info_mode, 0, 0}, {"ModTime", info_mod_time, 0, 0}, {NULL, NULL, 0, 0},
};

static const ObjClass info_class = {.name = "*os.fileStat", .methods = info_methods, .get_field = NULL};

/* A directory entry: its name and whether it is a directory. */
typedef struct DirEntry {
    const char *name;
    const char *path; /* dir/name, for Info() */
    bool dir;
    unsigned type; /* Go's FileMode type bits (ModeDir, ModeSymlink...) */
} DirEntry;

static const ObjClass dirent_class;

static int dirent_name(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = v_cstr(((DirEntry *)((ObjObject *)v_ptr(args[0]))->payload)->name);
    return 1;
}

static int dirent_is_dir(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = v_bool(((DirEntry *)((ObjObject *)v_ptr(args[0]))->payload)->dir);
    return 1;
}

static Value file_mode(uint64_t m);

static int dirent_type(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = file_mode(((DirEntry *)((ObjObject *)v_ptr(args[0]))->payload)->type);
    return 1;
}

static int stat_common(Thread *t, const char *fname, const char *op, int code, Value *args, Value *rets);

static int dirent_info(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    Value p = v_cstr(((DirEntry *)((ObjObject *)v_ptr(args[0]))->payload)->path);
    return stat_common(t, "os.DirEntry.Info", "lstat", FS_LSTAT, &p, rets);
}

static const MethodDef dirent_methods[] = {
    {"Name", dirent_name, 0, 0}, {"IsDir", dirent_is_dir, 0, 0},
    {"Type", dirent_type, 0, 0}, {"Info", dirent_info, 0, 0},
    {NULL, NULL, 0, 0},
};

static const ObjClass dirent_class = {.name = "os.DirEntry", .methods = dirent_methods, .get_field = NULL};

/* ====================================================================== */
/* the module                                                              */
/* ====================================================================== */

/* getenv/setenv are not thread-safe against each other: goroutines on
 * several OS threads calling os.Getenv and os.Setenv must not crash. */
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

/* os.Args, set by stdlib_init before any script runs. */
static ObjList *os_args;

void os_set_args(Runtime *rt, int argc, char **argv)
{
    ObjList *args = list_new(0, argc > 0 ? (size_t)argc : 0);
    for (int i = 0; i < argc; i++)
        list_append(args, v_cstr(argv[i] ? argv[i] : ""));
    rt->args = args;
    os_args = args;
}

static int os_n_exit(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t code;
    if (!vm_check_int(t, "os.Exit", args, 0, &code))
        return -1;
    rt_exit(t->rt, (int)code); /* flushes stdout; never returns */
}

static int os_n_getenv(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *key;
    if (!vm_check_str(t, "os.Getenv", args, 0, &key))
        return -1;
    pthread_mutex_lock(&env_lock);
    const char *v = getenv(key->data);
    rets[0] = v_cstr(v ? v : "");
    pthread_mutex_unlock(&env_lock);
    return 1;
}

static int os_n_lookup_env(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *key;
    if (!vm_check_str(t, "os.LookupEnv", args, 0, &key))
        return -1;
    pthread_mutex_lock(&env_lock);
    const char *v = getenv(key->data);
    rets[0] = v_cstr(v ? v : "");
    rets[1] = v_bool(v != NULL);
    pthread_mutex_unlock(&env_lock);
    return 2;
}

static int os_n_setenv(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *key, *val;
    if (!vm_check_str(t, "os.Setenv", args, 0, &key) || !vm_check_str(t, "os.Setenv", args, 1, &val))
        return -1;
    pthread_mutex_lock(&env_lock);
    int r = key->len == 0 || memchr(key->data, '=', key->len) ? (errno = EINVAL, -1)
                                                              : setenv(key->data, val->data, 1);
    int err = errno;
    pthread_mutex_unlock(&env_lock);
    char text[128];
    rets[0] = r == 0 ? V_NIL : stdlib_error(E_OS_SETENV, stdlib_errno_text(err, text, sizeof text));
    return 1;
}

static int os_n_unsetenv(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *key;
    if (!vm_check_str(t, "os.Unsetenv", args, 0, &key))
        return -1;
    pthread_mutex_lock(&env_lock);
    unsetenv(key->data);
    pthread_mutex_unlock(&env_lock);
    rets[0] = V_NIL;
    return 1;
}

/* A path argument: a string without NUL bytes (C would cut it short). */
static bool path_arg(Thread *t, const char *fname, Value *args, int i, ObjString **out)
{
    if (!vm_check_str(t, fname, args, i, out))
        return false;
    if (memchr((*out)->data, 0, (*out)->len)) {
        vm_panicf(t, E_ARG_TYPE, fname, i + 1, "a path", "a string with a NUL byte");
        return false;
    }
    return true;
}

static int os_n_read_file(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *path;
    if (!path_arg(t, "os.ReadFile", args, 0, &path))
        return -1;
    rets[0] = v_cstr("");
    int fd = blocking_open(path->data, O_RDONLY, 0);
    if (fd < 0) {
        rets[1] = path_error(E_OS_OPEN, path->data, errno);
        return 2;
    }
    struct stat st;
    size_t cap = OS_READ_CHUNK;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        cap = (size_t)st.st_size + 1; /* +1: see EOF without another grow */
    Buf b;
    buf_init(&b);
    buf_reserve(&b, cap);
    for (;;) {
        if (b.cap - b.len < 2)
            buf_reserve(&b, b.cap);
        ssize_t r = blocking_read(fd, b.data + b.len, b.cap - b.len - 1);
        if (r < 0) {
            int err = errno;
            blocking_close(fd);
            rets[1] = path_error(E_OS_READ, path->data, err);
            return 2;
        }
        if (r == 0)
            break;
        b.len += (size_t)r;
    }
    blocking_close(fd);
    b.data[b.len] = 0;
    rets[0] = v_from_ptr(buf_to_str(&b));
    rets[1] = V_NIL;
    return 2;
}

/* Bytes to write: a string, or a list of byte values ([]byte). */
static bool data_arg(Thread *t, const char *fname, Value v, const char **p, size_t *n)
{
    v = v_unnamed(v);
    if (v == V_NIL || list_is_nil(v)) { /* a nil []byte: an empty file */
        *p = "";
        *n = 0;
        return true;
    }
    if (v_is_str(v)) {
        *p = v_str(v)->data;
        *n = v_str(v)->len;
        return true;
    }
    if (v_is_obj(v, OBJ_LIST)) {
        ObjList *l = v_list(v);
        Buf b;
        buf_init(&b);
        Value e;
        for (int64_t i = 0; list_get(l, i, &e); i++) {
            if (!v_is_int(e)) {
                vm_panicf(t, E_ARG_TYPE, fname, 2, "a string or a list of bytes",
                          "a list holding other values");
                return false;
            }
            buf_addc(&b, (char)(v_int(e) & 0xFF));
        }
        *p = b.data;
        *n = b.len;
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, 2, "string", v_type_name(v));
    return false;
}

static int os_n_write_file(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *path;
    const char *data;
    size_t n;
    int64_t perm = 0644;
    if (!path_arg(t, "os.WriteFile", args, 0, &path) || !data_arg(t, "os.WriteFile", args[1], &data, &n))
        return -1;
    if (nargs > 2 && !int_arg(t, "os.WriteFile", args, 2, &perm))
        return -1;
    int fd = blocking_open(path->data, O_WRONLY | O_CREAT | O_TRUNC, (int)(perm & 07777));
    if (fd < 0) {
        rets[0] = path_error(E_OS_OPEN, path->data, errno);
        return 1;
    }
    int err = blocking_write(fd, data, n);
    if (blocking_close(fd) != 0 && !err)
        err = errno;
    rets[0] = err ? path_error(E_OS_WRITE, path->data, err) : V_NIL;
    return 1;
}

static int os_n_remove(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *path;
    if (!path_arg(t, "os.Remove", args, 0, &path))
        return -1;
    int r = blocking_remove(path->data);
    rets[0] = r == 0 ? V_NIL : path_error(E_OS_REMOVE, path->data, errno);
    return 1;
}

static int os_n_getwd(Thread *t, Value *args, int nargs, Value *rets)
{
    char *cwd = getcwd(NULL, 0);
    int err = errno;
    rets[0] = v_cstr(cwd ? cwd : "");
    char text[128];
    rets[1] = cwd ? V_NIL : stdlib_error(E_OS_GETWD, stdlib_errno_text(err, text, sizeof text));
    free(cwd);
    return 2;
}

/* Open a file as Go's os.OpenFile: flag is Go's O_* (Linux's own values),
 * perm the mode a created file gets. */
static int open_file(Thread *t, const char *fname, Value *args, int64_t flag, int64_t perm, Value *rets)
{
    ObjString *path;
    if (!path_arg(t, fname, args, 0, &path))
        return -1;
    int fd = blocking_open(path->data, (int)flag, (int)(perm & 07777));
    if (fd < 0) {
        rets[0] = V_NIL;
        rets[1] = path_error(E_OS_OPEN, path->data, errno);
        return 2;
    }
    rets[0] = file_new(fd, path->data);
    rets[1] = V_NIL;
    return 2;
}

static int os_n_open(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return open_file(t, "os.Open", args, O_RDONLY, 0, rets);
}

static int os_n_create(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return open_file(t, "os.Create", args, O_RDWR | O_CREAT | O_TRUNC, 0666, rets);
}

static int os_n_open_file(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t flag, perm;
    if (!int_arg(t, "os.OpenFile", args, 1, &flag) || !int_arg(t, "os.OpenFile", args, 2, &perm))
        return -1;
    return open_file(t, "os.OpenFile", args, flag, perm, rets);
}

/* One call of FsCall's kind on a path: nil or Go's PathError. */
static int path_op(Thread *t, const char *fname, const char *op, int code, Value *args, int mode, Value *rets)
{
    ObjString *path;
    if (!path_arg(t, fname, args, 0, &path))
        return -1;
    FsCall c = {.op = code, .path = path->data, .mode = mode};
    rets[0] = blocking_fs(&c) == 0 ? V_NIL : op_error(op, path->data, errno);
    return 1;
}

static int os_n_mkdir(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t perm = 0777;
    if (nargs > 1 && !int_arg(t, "os.Mkdir", args, 1, &perm))
        return -1;
    return path_op(t, "os.Mkdir", "mkdir", FS_MKDIR, args, (int)(perm & 07777), rets);
}

static int os_n_chdir(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return path_op(t, "os.Chdir", "chdir", FS_CHDIR, args, 0, rets);
}

static bool is_dir(const char *path)
{
    FsCall c = {.op = FS_STAT, .path = path};
    return blocking_fs(&c) == 0 && S_ISDIR(c.st.st_mode);
}

/* os.MkdirAll: each missing parent, then path; nil if it is a directory
 * already. */
static Value mkdir_all(const char *path, int perm)
{
    FsCall c = {.op = FS_STAT, .path = path};
    if (blocking_fs(&c) == 0) {
        if (S_ISDIR(c.st.st_mode))
            return V_NIL;
        return op_error("mkdir", path, ENOTDIR);
    }
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t j = n;
    while (j > 0 && path[j - 1] != '/')
        j--;
    while (j > 1 && path[j - 1] == '/')
        j--;
    if (j > 1) {
        char *parent = mem_alloc_atomic(j + 1);
        memcpy(parent, path, j);
        parent[j] = 0;
        Value e = mkdir_all(parent, perm);
        if (e != V_NIL)
            return e;
    }
    FsCall m = {.op = FS_MKDIR, .path = path, .mode = perm};
    if (blocking_fs(&m) != 0) {
        int err = errno;
        if (is_dir(path))
            return V_NIL;
        return op_error("mkdir", path, err);
    }
    return V_NIL;
}

static int os_n_mkdir_all(Thread *t, Value *args, int nargs, Value *rets)
{
    ObjString *path;
    int64_t perm = 0777;
    if (!path_arg(t, "os.MkdirAll", args, 0, &path) ||
        (nargs > 1 && !int_arg(t, "os.MkdirAll", args, 1, &perm)))
        return -1;
    rets[0] = mkdir_all(path->data, (int)(perm & 07777));
    return 1;
}

/* Remove path and everything under it; the first error, or nil (also
 * when path does not exist). */
static Value remove_all(const char *path)
{
    FsCall c = {.op = FS_LSTAT, .path = path};
    if (blocking_fs(&c) != 0)
        return errno == ENOENT ? V_NIL : op_error("unlinkat", path, errno);
    if (S_ISDIR(c.st.st_mode)) {
        DirList d = {.path = path};
        sched_syscall(sys_read_dir, &d);
        Value first = V_NIL;
        for (size_t i = 0; i < d.n; i++) {
            size_t a = strlen(path), b = strlen(d.names[i]);
            char *sub = mem_alloc_atomic(a + b + 2);
            memcpy(sub, path, a);
            sub[a] = '/';
            memcpy(sub + a + 1, d.names[i], b + 1);
            Value e = remove_all(sub);
            if (first == V_NIL)
                first = e;
        }
        dir_list_free(&d);
        if (first != V_NIL)
            return first;
        FsCall r = {.op = FS_RMDIR, .path = path};
        if (blocking_fs(&r) != 0 && errno != ENOENT)
            return op_error("unlinkat", path, errno);
        return V_NIL;
    }
    FsCall u = {.op = FS_UNLINK, .path = path};
    if (blocking_fs(&u) != 0 && errno != ENOENT)
        return op_error("unlinkat", path, errno);
    return V_NIL;
}

static int os_n_remove_all(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *path;
    if (!path_arg(t, "os.RemoveAll", args, 0, &path))
        return -1;
    rets[0] = path->len == 0 ? V_NIL : remove_all(path->data);
    return 1;
}

static int os_n_rename(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *from, *to;
    if (!path_arg(t, "os.Rename", args, 0, &from) || !path_arg(t, "os.Rename", args, 1, &to))
        return -1;
    FsCall c = {.op = FS_RENAME, .path = from->data, .path2 = to->data};
    if (blocking_fs(&c) == 0) {
        rets[0] = V_NIL;
        return 1;
    }
    int err = errno;
    char text[128];
    rets[0] = wrap_errno(
        stdlib_error(E_OS_LINK, "rename", from->data, to->data, stdlib_errno_text(err, text, sizeof text)), err);
    return 1;
}

static int stat_common(Thread *t, const char *fname, const char *op, int code, Value *args, Value *rets)
{
    ObjString *path;
    if (!path_arg(t, fname, args, 0, &path))
        return -1;
    FsCall c = {.op = code, .path = path->data};
    if (blocking_fs(&c) != 0) {
        rets[0] = V_NIL;
        rets[1] = op_error(op, path->data, errno);
        return 2;
    }
    const char *p = path->data;
    size_t n = path->len;
    while (n > 1 && p[n - 1] == '/')
        n--;
    size_t j = n;
    while (j > 0 && p[j - 1] != '/')
        j--;
    char *base = mem_alloc_atomic(n - j + 1);
    memcpy(base, p + j, n - j);
    base[n - j] = 0;
    rets[0] = file_info_new(base, &c.st);
    rets[1] = V_NIL;
    return 2;
}

static int os_n_stat(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return stat_common(t, "os.Stat", "stat", FS_STAT, args, rets);
}

static int os_n_lstat(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return stat_common(t, "os.Lstat", "lstat", FS_LSTAT, args, rets);
}

static const char *dirent_name_of(Value e)
{
    return ((DirEntry *)((ObjObject *)v_ptr(e))->payload)->name;
}

static int os_n_read_dir(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *path;
    if (!path_arg(t, "os.ReadDir", args, 0, &path))
        return -1;
    return os_read_dir_of(t, path->data, true, rets);
}

/* A directory's entries: sorted by name (os.ReadDir), or in the
 * directory's own order (File.ReadDir and Readdirnames, as Go's). */
static int os_read_dir_of(Thread *t, const char *pathname, bool sorted, Value *rets)
{
    (void)t;
    ObjString *path = str_cstr(pathname);
    DirList d = {.path = path->data};
    sched_syscall(sys_read_dir, &d);
    if (d.err) {
        dir_list_free(&d);
        rets[0] = v_from_ptr(list_new(0, 0));
        rets[1] = path_error(E_OS_OPEN, path->data, d.err);
        return 2;
    }
    /* sort names with their types together: sort an index */
    char **keyed = malloc((d.n ? d.n : 1) * sizeof *keyed);
    for (size_t i = 0; i < d.n; i++) {
        size_t k = strlen(d.names[i]);
        keyed[i] = malloc(k + 2);
        memcpy(keyed[i], d.names[i], k + 1);
        keyed[i][k + 1] = (char)d.types[i];
    }
    if (sorted)
        qsort(keyed, d.n, sizeof *keyed, cmp_names);
    ObjList *l = list_new(0, d.n);
    for (size_t i = 0; i < d.n; i++) {
        DirEntry *e = mem_alloc(sizeof *e);
        size_t k = strlen(keyed[i]);
        e->name = str_new(keyed[i], k)->data;
        unsigned char ty = (unsigned char)keyed[i][k + 1];
        size_t a = path->len;
        char *sub = mem_alloc_atomic(a + k + 2);
        memcpy(sub, path->data, a);
        sub[a] = '/';
        memcpy(sub + a + 1, keyed[i], k + 1);
        e->path = sub;
        if (ty == DT_UNKNOWN) {
            FsCall c = {.op = FS_LSTAT, .path = sub};
            e->type = blocking_fs(&c) == 0 ? mode_bits(c.st.st_mode) & MODE_TYPE : 0;
        } else {
            e->type = ty == DT_DIR    ? MODE_DIR
                      : ty == DT_LNK  ? MODE_SYMLINK
                      : ty == DT_FIFO ? MODE_NAMED_PIPE
                      : ty == DT_SOCK ? MODE_SOCKET
                      : ty == DT_CHR  ? MODE_DEVICE | MODE_CHAR_DEVICE
                      : ty == DT_BLK  ? MODE_DEVICE
                                      : 0;
        }
        e->dir = (e->type & MODE_DIR) != 0;
        list_append(l, v_from_ptr(object_new(&dirent_class, e)));
        free(keyed[i]);
    }
    free(keyed);
    dir_list_free(&d);
    rets[0] = v_from_ptr(l);
    rets[1] = V_NIL;
    return 2;
}

static int os_n_temp_dir(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    pthread_mutex_lock(&env_lock);
    const char *d = getenv("TMPDIR");
    rets[0] = v_cstr(d && *d ? d : "/tmp");
    pthread_mutex_unlock(&env_lock);
    return 1;
}

/* A fresh name for MkdirTemp and CreateTemp: pattern's last "*" replaced
 * by a random number, or the number appended, in dir (TempDir if ""). */
static char *temp_name(const char *dir, const char *pattern)
{
    static uint64_t counter; /* atomic: mixes in so two threads differ */
    uint64_t x = (uint64_t)time(NULL) * 6364136223846793005ull ^ (uint64_t)getpid() * 1442695040888963407ull ^
                 __atomic_add_fetch(&counter, 0x9E3779B97F4A7C15ull, __ATOMIC_RELAXED);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    x ^= (uint64_t)ts.tv_nsec * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 31;
    char num[24];
    snprintf(num, sizeof num, "%u", (unsigned)(x & 0xffffffffu));
    const char *star = strrchr(pattern, '*');
    Buf b;
    buf_init(&b);
    buf_adds(&b, dir);
    if (b.len && b.data[b.len - 1] != '/')
        buf_addc(&b, '/');
    if (star) {
        buf_add(&b, pattern, (size_t)(star - pattern));
        buf_adds(&b, num);
        buf_adds(&b, star + 1);
    } else {
        buf_adds(&b, pattern);
        buf_adds(&b, num);
    }
    buf_addc(&b, 0);
    return b.data;
}

static const char *temp_dir_of(ObjString *dir)
{
    if (dir->len)
        return dir->data;
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

static int os_n_mkdir_temp(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *dir, *pat;
    if (!path_arg(t, "os.MkdirTemp", args, 0, &dir) || !path_arg(t, "os.MkdirTemp", args, 1, &pat))
        return -1;
    if (memchr(pat->data, '/', pat->len)) {
        rets[0] = v_cstr("");
        rets[1] = stdlib_error(E_OS_PATH, "mkdirtemp", pat->data, err_formats[E_OS_PATTERN]);
        return 2;
    }
    for (int tries = 0; tries < 10000; tries++) {
        char *name = temp_name(temp_dir_of(dir), pat->data);
        FsCall c = {.op = FS_MKDIR, .path = name, .mode = 0700};
        if (blocking_fs(&c) == 0) {
            rets[0] = v_cstr(name);
            rets[1] = V_NIL;
            return 2;
        }
        if (errno != EEXIST) {
            rets[0] = v_cstr("");
            rets[1] = op_error("mkdir", name, errno);
            return 2;
        }
    }
    rets[0] = v_cstr("");
    rets[1] = op_error("mkdirtemp", pat->data, EEXIST);
    return 2;
}

static int os_n_create_temp(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *dir, *pat;
    if (!path_arg(t, "os.CreateTemp", args, 0, &dir) || !path_arg(t, "os.CreateTemp", args, 1, &pat))
        return -1;
    if (memchr(pat->data, '/', pat->len)) {
        rets[0] = V_NIL;
        rets[1] = stdlib_error(E_OS_PATH, "createtemp", pat->data, err_formats[E_OS_PATTERN]);
        return 2;
    }
    for (int tries = 0; tries < 10000; tries++) {
        char *name = temp_name(temp_dir_of(dir), pat->data);
        int fd = blocking_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd >= 0) {
            rets[0] = file_new(fd, str_cstr(name)->data);
            rets[1] = V_NIL;
            return 2;
        }
        if (errno != EEXIST) {
            rets[0] = V_NIL;
            rets[1] = path_error(E_OS_OPEN, name, errno);
            return 2;
        }
    }
    rets[0] = V_NIL;
    rets[1] = op_error("createtemp", pat->data, EEXIST);
    return 2;
}

static int os_n_getpid(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = v_int_small(getpid());
    return 1;
}

static int os_n_getppid(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = v_int_small(getppid());
    return 1;
}

static int os_n_hostname(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    char name[256];
    if (gethostname(name, sizeof name) != 0) {
        int err = errno;
        char text[128];
        rets[0] = v_cstr("");
        rets[1] = stdlib_error(E_OS_SYSCALL, "gethostname", stdlib_errno_text(err, text, sizeof text));
        return 2;
    }
    name[sizeof name - 1] = 0;
    rets[0] = v_cstr(name);
    rets[1] = V_NIL;
    return 2;
}

extern char **environ;

static int os_n_environ(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    pthread_mutex_lock(&env_lock);
    size_t n = 0;
    while (environ && environ[n])
        n++;
    /* copy under the lock into malloc'ed memory: making csp strings may
     * collect, which must not happen while holding a lock setenv waits on
     * for long; the strings are short, so copy them straight */
    ObjList *l = list_new(0, n);
    for (size_t i = 0; i < n; i++)
        list_append(l, v_cstr(environ[i]));
    pthread_mutex_unlock(&env_lock);
    list_set_type(l, types_parse("[]string", 8));
    rets[0] = v_from_ptr(l);
    return 1;
}

/* os.IsNotExist(err), IsExist, IsPermission: the error or one it wraps is
 * that sentinel. */
static bool chain_has(Value e, Value sentinel)
{
    for (int i = 0; i < 10000 && e != V_NIL; i++) {
        if (e == sentinel)
            return true;
        ObjStruct *pe = path_error_of(e);
        e = pe ? pe->f[PE_ERR] : v_is_obj(e, OBJ_ERROR) ? ((ObjError *)v_ptr(e))->wrapped : V_NIL;
    }
    return false;
}

static int os_n_is_not_exist(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = v_bool(chain_has(args[0], err_not_exist));
    return 1;
}

static int os_n_is_exist(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = v_bool(chain_has(args[0], err_exist));
    return 1;
}

static int os_n_is_permission(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)nargs;
    rets[0] = v_bool(chain_has(args[0], err_permission));
    return 1;
}

static int os_n_chmod(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    int64_t mode;
    if (!int_arg(t, "os.Chmod", args, 1, &mode))
        return -1;
    return path_op(t, "os.Chmod", "chmod", FS_CHMOD, args, (int)(mode & 07777), rets);
}

static int os_n_truncate(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *path;
    int64_t size;
    if (!path_arg(t, "os.Truncate", args, 0, &path) || !vm_check_int(t, "os.Truncate", args, 1, &size))
        return -1;
    FsCall c = {.op = FS_TRUNCATE, .path = path->data, .off = (off_t)size};
    rets[0] = blocking_fs(&c) == 0 ? V_NIL : op_error("truncate", path->data, errno);
    return 1;
}

static int os_n_getuid(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = v_int_small(getuid());
    return 1;
}

static int os_n_getgid(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = v_int_small(getgid());
    return 1;
}

static int os_n_getegid(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = v_int_small(getegid());
    return 1;
}

static int os_n_geteuid(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = v_int_small(geteuid());
    return 1;
}

static int os_n_user_home_dir(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    pthread_mutex_lock(&env_lock);
    const char *h = getenv("HOME");
    rets[0] = v_cstr(h ? h : "");
    pthread_mutex_unlock(&env_lock);
    rets[1] = h && *h ? V_NIL : v_error("$HOME is not defined");
    return 2;
}

/* Go's os.ExpandEnv: $var and ${var} replaced by the environment's
 * values ("" when unset); a $ before anything else is kept as Go's
 * getShellName leaves it. */
static int os_n_expand_env(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    ObjString *s;
    if (!vm_check_str(t, "os.ExpandEnv", args, 0, &s))
        return -1;
    Buf b;
    buf_init(&b);
    for (size_t i = 0; i < s->len; i++) {
        if (s->data[i] != '$' || i + 1 >= s->len) {
            buf_addc(&b, s->data[i]);
            continue;
        }
        size_t start = i + 1, end;
        bool braced = s->data[start] == '{';
        if (braced) {
            end = start + 1;
            while (end < s->len && s->data[end] != '}')
                end++;
            if (end >= s->len || end == start + 1) {
                /* Go: a bad ${...} is dropped (an unclosed one eats the rest) */
                i = end >= s->len ? s->len : end;
                continue;
            }
            start++;
        } else {
            end = start;
            char c = s->data[end];
            if (strchr("*#$@!?-", c) || (c >= '0' && c <= '9')) {
                end++; /* a special one-character name */
            } else {
                while (end < s->len && (s->data[end] == '_' || (s->data[end] >= '0' && s->data[end] <= '9') ||
                                        ((s->data[end] | 0x20) >= 'a' && (s->data[end] | 0x20) <= 'z')))
                    end++;
            }
            if (end == start) { /* "$" then no name: Go keeps the "$" */
                buf_addc(&b, '$');
                continue;
            }
        }
        char *name = mem_alloc_atomic(end - start + 1);
        memcpy(name, s->data + start, end - start);
        name[end - start] = 0;
        pthread_mutex_lock(&env_lock);
        const char *v = getenv(name);
        if (v)
            buf_adds(&b, v);
        pthread_mutex_unlock(&env_lock);
        i = braced ? end : end - 1;
    }
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int os_n_executable(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n < 0) {
        char text[128];
        rets[0] = v_cstr("");
        rets[1] = stdlib_error(E_OS_SYSCALL, "readlink", stdlib_errno_text(errno, text, sizeof text));
        return 2;
    }
    rets[0] = v_from_ptr(str_new(buf, (size_t)n));
    rets[1] = V_NIL;
    return 2;
}

static const ModuleFn os_fns[] = {
    {"Chdir", os_n_chdir, 1, 1, "func(string) error"},
    {"Chmod", os_n_chmod, 2, 2, "func(string, fs.FileMode) error"},
    {"Create", os_n_create, 1, 1, "func(string) (*os.File, error)"},
    {"CreateTemp", os_n_create_temp, 2, 2, "func(string, string) (*os.File, error)"},
    {"Environ", os_n_environ, 0, 0, "func() []string"},
    {"Executable", os_n_executable, 0, 0, "func() (string, error)"},
    {"Exit", os_n_exit, 1, 1, "func(int)"},
    {"ExpandEnv", os_n_expand_env, 1, 1, "func(string) string"},
    {"Getenv", os_n_getenv, 1, 1, "func(string) string"},
    {"Getegid", os_n_getegid, 0, 0, "func() int"},
    {"Geteuid", os_n_geteuid, 0, 0, "func() int"},
    {"Getgid", os_n_getgid, 0, 0, "func() int"},
    {"Getpid", os_n_getpid, 0, 0, "func() int"},
    {"Getppid", os_n_getppid, 0, 0, "func() int"},
    {"Getwd", os_n_getwd, 0, 0, "func() (string, error)"},
    {"Hostname", os_n_hostname, 0, 0, "func() (string, error)"},
    {"IsExist", os_n_is_exist, 1, 1, "func(error) bool"},
    {"IsNotExist", os_n_is_not_exist, 1, 1, "func(error) bool"},
    {"IsPermission", os_n_is_permission, 1, 1, "func(error) bool"},
    {"LookupEnv", os_n_lookup_env, 1, 1, "func(string) (string, bool)"},
    {"Lstat", os_n_lstat, 1, 1, NULL},
    {"Mkdir", os_n_mkdir, 1, 2, "func(string, fs.FileMode) error"},
    {"MkdirAll", os_n_mkdir_all, 1, 2, "func(string, fs.FileMode) error"},
    {"MkdirTemp", os_n_mkdir_temp, 2, 2, "func(string, string) (string, error)"},
    {"Open", os_n_open, 1, 1, "func(string) (*os.File, error)"},
    {"OpenFile", os_n_open_file, 3, 3, "func(string, int, fs.FileMode) (*os.File, error)"},
    {"ReadDir", os_n_read_dir, 1, 1, NULL},
    {"ReadFile", os_n_read_file, 1, 1, "func(string) ([]byte, error)"},
    {"Remove", os_n_remove, 1, 1, "func(string) error"},
    {"RemoveAll", os_n_remove_all, 1, 1, "func(string) error"},
    {"Rename", os_n_rename, 2, 2, "func(string, string) error"},
    {"Setenv", os_n_setenv, 2, 2, "func(string, string) error"},
    {"Stat", os_n_stat, 1, 1, NULL},
    {"TempDir", os_n_temp_dir, 0, 0, "func() string"},
    {"Truncate", os_n_truncate, 2, 2, "func(string, int64) error"},
    {"Getuid", os_n_getuid, 0, 0, "func() int"},
    {"UserHomeDir", os_n_user_home_dir, 0, 0, "func() (string, error)"},
    {"Unsetenv", os_n_unsetenv, 1, 1, "func(string) error"},
    {"WriteFile", os_n_write_file, 2, 3, "func(string, []byte, fs.FileMode) error"},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt os_ints[] = {
    {"O_RDONLY", O_RDONLY},
    {"O_WRONLY", O_WRONLY},
    {"O_RDWR", O_RDWR},
    {"O_APPEND", O_APPEND},
    {"O_CREATE", O_CREAT},
    {"O_EXCL", O_EXCL},
    {"O_SYNC", O_SYNC},
    {"O_TRUNC", O_TRUNC},
    {"ModePerm", 0777},
    {"ModeDir", 1ll << 31},
    {"PathSeparator", '/'},
    {"PathListSeparator", ':'},
    {NULL, 0},
};

/* The zero os.File a `var f os.File` gets: no file (every call fails as
 * on a closed one). */
static int os_n_file_zero(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)t, (void)args, (void)nargs;
    rets[0] = file_new(-1, "");
    return 1;
}

static void os_open(ObjModule *m)
{
    err_not_exist = stdlib_error(E_OS_PATH_SENTINEL_NOT_EXIST);
    err_exist = stdlib_error(E_OS_PATH_SENTINEL_EXIST);
    err_permission = stdlib_error(E_OS_PATH_SENTINEL_PERMISSION);
    err_closed = stdlib_error(E_OS_CLOSED);
    path_error_declare();
    file_mode_declare();
    stream_register(&file_ops);
    module_add_fns(m, os_fns);
    syscall_os_members(m); /* os.Signal, os.Interrupt, os.Kill */
    module_add_ints(m, os_ints);
    module_add_var(m, "Args", v_from_ptr(os_args ? os_args : list_new(0, 0)));
    std_files[0] = file_new(0, "/dev/stdin");
    std_files[1] = file_new(1, "/dev/stdout");
    std_files[2] = file_new(2, "/dev/stderr");
    module_add(m, "Stdin", std_files[0]);
    module_add(m, "Stdout", std_files[1]);
    module_add(m, "Stderr", std_files[2]);
    module_add(m, "ErrNotExist", err_not_exist);
    module_add(m, "ErrExist", err_exist);
    module_add(m, "ErrPermission", err_permission);
    module_add(m, "ErrClosed", err_closed);
    module_add(m, "ErrDeadlineExceeded", net_deadline_exceeded());
    module_add(m, "File", v_from_ptr(native_new("os.File", os_n_file_zero, 0, 0)));
    module_add(m, "FileMode", os_file_mode_conv());
    module_add_type(m, "File", TYPE_OBJECT);
    module_add_type(m, "FileInfo", TYPE_INTERFACE);
    module_add_type(m, "DirEntry", TYPE_INTERFACE);
}

const ModuleDef csp_module_os = {"os", os_open};
