/* syscall.c — the syscall module: the signal numbers (SIGINT, SIGTERM...)
 * as values of Go's syscall.Signal, Kill and Getpid; and the os module's
 * signal members (os.Signal, os.Interrupt, os.Kill), which os.c adds by
 * calling syscall_os_members.
 *
 * A signal is a native object of class syscall.Signal, one per number,
 * made once when the module opens, so == compares them as Go compares the
 * numbers, a switch on them works, and each prints as Go's does
 * ("interrupt", "terminated") through its String method.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../vm/mem.h"
#include "stdlib.h"

#define MAX_SIG 65 /* Linux numbers signals 1..64 */

/* The signal objects by number, written once when the module opens (under
 * the module lock) and read-only after. A static array is a root for the
 * collector. */
static Value sigvals[MAX_SIG];

/* Go's names for the Linux signals (its zerrors table's texts). */
static const char *const signames[32] = {
    NULL,
    "hangup",
    "interrupt",
    "quit",
    "illegal instruction",
    "trace/breakpoint trap",
    "aborted",
    "bus error",
    "floating point exception",
    "killed",
    "user defined signal 1",
    "segmentation fault",
    "user defined signal 2",
    "broken pipe",
    "alarm clock",
    "terminated",
    "stack fault",
    "child exited",
    "continued",
    "stopped (signal)",
    "stopped",
    "stopped (tty input)",
    "stopped (tty output)",
    "urgent I/O condition",
    "CPU time limit exceeded",
    "file size limit exceeded",
    "virtual timer expired",
    "profiling timer expired",
    "window changed",
    "I/O possible",
    "power failure",
    "bad system call",
};

static int sig_number(Value v)
{
    return (int)(intptr_t)((ObjObject *)v_ptr(v))->payload;
}

static int sig_string(Thread *t, Value *a, int n, Value *r)
{
    int s = sig_number(a[0]);
    if (s > 0 && s < 32)
        r[0] = v_cstr(signames[s]);
    else
        r[0] = v_from_ptr(str_printf("signal %d", s));
    return 1;
}

static int sig_signal(Thread *t, Value *a, int n, Value *r)
{
    return 0; /* os.Signal's marker method */
}

static const MethodDef sig_methods[] = {
    {"String", sig_string, 0, 0}, {"Signal", sig_signal, 0, 0}, {NULL, NULL, 0, 0}};
static const ObjClass sig_class = {.name = "syscall.Signal", .methods = sig_methods, .get_field = NULL};

static bool syscall_is_signal(Value v)
{
    return v_is_obj(v, OBJ_OBJECT) && ((ObjObject *)v_ptr(v))->cls == &sig_class;
}

int syscall_signal_number(Value v)
{
    return syscall_is_signal(v) ? sig_number(v) : -1;
}

Value syscall_signal_value(int sig)
{
    stdlib_module("syscall", 7, false); /* opened, so sigvals is filled */
    return sig >= 0 && sig < MAX_SIG ? sigvals[sig] : V_NIL;
}

/* syscall.Signal(n): the conversion (and, with no argument, the zero
 * value). */
static int f_signal(Thread *t, Value *a, int n, Value *r)
{
    int64_t s = 0;
    if (n > 0 && syscall_is_signal(a[0])) {
        r[0] = a[0];
        return 1;
    }
    if (n > 0 && !vm_check_int(t, "syscall.Signal", a, 0, &s))
        return -1;
    if (s < 0 || s >= MAX_SIG)
        return vm_panic_msg(t, "syscall.Signal(%lld): no such signal", (long long)s);
    r[0] = sigvals[s];
    return 1;
}

/* An errno as Go's syscall.Errno prints it: strerror's text. */
static Value errno_error(int e)
{
    const char *msg = strerror(e);
    char lower[128];
    size_t i = 0;
    for (; msg[i] && i + 1 < sizeof lower; i++)
        lower[i] = msg[i];
    lower[i] = 0;
    if (lower[0] >= 'A' && lower[0] <= 'Z' && !(lower[1] >= 'A' && lower[1] <= 'Z'))
        lower[0] = (char)(lower[0] - 'A' + 'a'); /* Go's texts start lower-case */
    return v_from_ptr(error_new(str_cstr(lower), false));
}

static int f_kill(Thread *t, Value *a, int n, Value *r)
{
    int64_t pid;
    if (!vm_check_int(t, "syscall.Kill", a, 0, &pid))
        return -1;
    int sig = syscall_signal_number(a[1]);
    if (sig < 0) {
        int64_t s;
        if (!vm_check_int(t, "syscall.Kill", a, 1, &s))
            return -1;
        sig = (int)s;
    }
    r[0] = kill((pid_t)pid, sig) == 0 ? V_NIL : errno_error(errno);
    return 1;
}

static int f_getpid(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(getpid());
    return 1;
}

static int f_getppid(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(getppid());
    return 1;
}

static const ModuleFn syscall_fns[] = {
    {"Kill", f_kill, 2, 2, "func(int, syscall.Signal) error"},
    {"Getpid", f_getpid, 0, 0, "func() int"},
    {"Getppid", f_getppid, 0, 0, "func() int"},
    {NULL, NULL, 0, 0, NULL},
};

static const struct {
    const char *name;
    int sig;
} signal_consts[] = {
    {"SIGABRT", SIGABRT}, {"SIGALRM", SIGALRM}, {"SIGBUS", SIGBUS},       {"SIGCHLD", SIGCHLD},
    {"SIGCONT", SIGCONT}, {"SIGFPE", SIGFPE},   {"SIGHUP", SIGHUP},       {"SIGILL", SIGILL},
    {"SIGINT", SIGINT},   {"SIGIO", SIGIO},     {"SIGKILL", SIGKILL},     {"SIGPIPE", SIGPIPE},
    {"SIGPROF", SIGPROF}, {"SIGPWR", SIGPWR},   {"SIGQUIT", SIGQUIT},     {"SIGSEGV", SIGSEGV},
    {"SIGSTOP", SIGSTOP}, {"SIGSYS", SIGSYS},   {"SIGTERM", SIGTERM},     {"SIGTRAP", SIGTRAP},
    {"SIGTSTP", SIGTSTP}, {"SIGTTIN", SIGTTIN}, {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},
    {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}, {"SIGVTALRM", SIGVTALRM}, {"SIGWINCH", SIGWINCH},
    {"SIGXCPU", SIGXCPU}, {"SIGXFSZ", SIGXFSZ},
};

static void syscall_open(ObjModule *m)
{
    for (int s = 0; s < MAX_SIG; s++)
        sigvals[s] = v_from_ptr(object_new(&sig_class, (void *)(intptr_t)s));
    for (size_t i = 0; i < sizeof signal_consts / sizeof signal_consts[0]; i++)
        module_add(m, signal_consts[i].name, sigvals[signal_consts[i].sig]);
    module_add_fns(m, syscall_fns);
    module_add_fn(m, "Signal", f_signal, 0, 1);
    module_add_type(m, "Signal", TYPE_OBJECT);
}

const ModuleDef csp_module_syscall = {"syscall", syscall_open};

/* ---- the os module's signal members ------------------------------------ */

void syscall_os_members(ObjModule *os)
{
    module_add(os, "Interrupt", syscall_signal_value(SIGINT));
    module_add(os, "Kill", syscall_signal_value(SIGKILL));
    /* os.Signal: the interface every signal value satisfies */
    static const char iface[] = "interface { String() string; Signal() }";
    ObjType *st = types_new_named("os.Signal");
    types_define(st, types_parse(iface, sizeof iface - 1));
    types_register_type(st);
}
