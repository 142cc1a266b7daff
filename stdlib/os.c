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
#include "stdlib.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vm/mem.h"
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

/* Go's text for an errno: the C library's, first letter lowered. */
static const char *errno_text(int err, char *out, size_t size)
{
    char buf[128];
    const char *msg = strerror_r(err, buf, sizeof buf);
    snprintf(out, size, "%s", msg);
    if (out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z'))
        out[0] = (char)(out[0] + ('a' - 'A'));
    return out;
}

/* "op path: reason", Go's PathError text. */
static Value path_error(ErrCode code, const char *path, int err)
{
    char text[128];
    return stdlib_error(code, path, errno_text(err, text, sizeof text));
}

/* ====================================================================== */
/* os.File                                                                 */
/* ====================================================================== */

typedef struct OsFile {
    int fd;
    const char *name; /* "/dev/stdin", as Go's os.Stdin.Name() */
    sem_t lock;       /* a binary semaphore: see the header */
    char *buf;        /* read buffer: lock */
    size_t start, end, cap;
    bool eof;
} OsFile;

static const ObjClass file_class;

static OsFile *file_of(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &file_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
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

/* Write to a file; stdout goes through the runtime's buffered, whole-write
 * path so it never interleaves with print(). Returns 0 or an errno. */
static int file_write(Thread *t, OsFile *f, const char *s, size_t n)
{
    if (f->fd == 1) {
        rt_write_out(t->rt, s, n);
        return 0;
    }
    if (f->fd == 2)
        rt_flush(t->rt); /* keep the order a terminal shows */
    return blocking_write(f->fd, s, n);
}

int os_file_write(Thread *t, Value w, const char *s, size_t n)
{
    OsFile *f = file_of(w);
    if (!f)
        return 1;
    file_write(t, f, s, n); /* Fprint* drop write errors, as scripts do */
    return 0;
}

/* Methods get the receiver as args[0]; their checks look at args + 1 so
 * messages count arguments as the script wrote them. */
/* The unbraced if ends a declaration macro, which clang-format mangles. */
/* clang-format off */
#define SELF(name)                                                                                           \
    OsFile *f = file_of(args[0]);                                                                            \
    if (!f)                                                                                                  \
        return vm_panicf(t, E_ARG_TYPE, name, 0, "os.File", v_type_name(args[0]))
/* clang-format on */

static int file_write_string(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.WriteString");
    ObjString *s;
    if (!vm_check_str(t, "os.File.WriteString", args + 1, 0, &s))
        return -1;
    int err = file_write(t, f, s->data, s->len);
    rets[0] = v_int_small(err ? 0 : (int64_t)s->len);
    rets[1] = err ? path_error(E_OS_WRITE, f->name, err) : V_NIL;
    return 2;
}

/* One line without its "\n" (and a "\r" before it); at the end of input,
 * a last unterminated line, then "" and io.EOF. */
static int file_read_line(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.ReadLine");
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
        ssize_t r = blocking_read(f->fd, f->buf + f->end, f->cap - f->end);
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
    rets[0] = v_cstr(f->name);
    return 1;
}

static int file_fd(Thread *t, Value *args, int nargs, Value *rets)
{
    SELF("os.File.Fd");
    rets[0] = v_int_small(f->fd);
    return 1;
}

static const MethodDef file_methods[] = {
    {"ReadLine", file_read_line, 0, 0},
    {"WriteString", file_write_string, 1, 1},
    {"Write", file_write_string, 1, 1},
    {"Name", file_name, 0, 0},
    {"Fd", file_fd, 0, 0},
    {NULL, NULL, 0, 0},
};

static const ObjClass file_class = {.name = "os.File", .methods = file_methods, .get_field = NULL};

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
    rets[0] = r == 0 ? V_NIL : stdlib_error(E_OS_SETENV, errno_text(err, text, sizeof text));
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
    if (nargs > 2 && !vm_check_int(t, "os.WriteFile", args, 2, &perm))
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
    rets[1] = cwd ? V_NIL : stdlib_error(E_OS_GETWD, errno_text(err, text, sizeof text));
    free(cwd);
    return 2;
}

static const ModuleFn os_fns[] = {
    {"Exit", os_n_exit, 1, 1, "func(int)"},
    {"Getenv", os_n_getenv, 1, 1, "func(string) string"},
    {"Getwd", os_n_getwd, 0, 0, "func() (string, error)"},
    {"LookupEnv", os_n_lookup_env, 1, 1, "func(string) (string, bool)"},
    {"ReadFile", os_n_read_file, 1, 1, "func(string) ([]byte, error)"},
    {"Remove", os_n_remove, 1, 1, "func(string) error"},
    {"Setenv", os_n_setenv, 2, 2, "func(string, string) error"},
    {"Unsetenv", os_n_unsetenv, 1, 1, "func(string) error"},
    {"WriteFile", os_n_write_file, 2, 3, "func(string, []byte, fs.FileMode) error"},
    {NULL, NULL, 0, 0, NULL},
};

static void os_open(ObjModule *m)
{
    module_add_fns(m, os_fns);
    syscall_os_members(m); /* os.Signal, os.Interrupt, os.Kill */
    module_add(m, "Args", v_from_ptr(os_args ? os_args : list_new(0, 0)));
    module_add(m, "Stdin", file_new(0, "/dev/stdin"));
    module_add(m, "Stdout", file_new(1, "/dev/stdout"));
    module_add(m, "Stderr", file_new(2, "/dev/stderr"));
}

const ModuleDef csp_module_os = {"os", os_open};
