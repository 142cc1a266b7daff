/* time.c — the time module's functions (Sleep, Now, Since, After, Tick,
 * NewTimer, NewTicker); the runtime module is in runtime.c.
 *
 * Durations are ints in nanoseconds. Timers run on the monitor thread
 * (sched.h): a timer's callback never blocks, so a channel timer does a
 * non-blocking send on a channel of capacity 1 (a tick nobody reads is
 * dropped, as Go's tickers do). A duration too long for an int64 deadline
 * means "never" (sched.h, TIMER_NEVER): time.After(math.MaxInt64) never
 * fires.
 */
#include <gc/gc.h>
#include <time.h>
#include <unistd.h>

#include "../vm/buf.h"
#include "../vm/chan.h"
#include "../vm/format.h"
#include "../vm/mem.h"
#include "../vm/sched.h"
#include "stdlib.h"

/* ---- time.Time --------------------------------------------------------- */

typedef struct CspTime {
    int64_t wall; /* ns since the Unix epoch */
    int64_t mono; /* sched_nanotime() when taken; 0 if none */
} CspTime;

static int t_sub(Thread *t, Value *a, int n, Value *r);
static int t_unix(Thread *t, Value *a, int n, Value *r);
static int t_unixnano(Thread *t, Value *a, int n, Value *r);
static int t_unixmilli(Thread *t, Value *a, int n, Value *r);
static int t_string(Thread *t, Value *a, int n, Value *r);

static const MethodDef time_methods[] = {{"Sub", t_sub, 1, 1},           {"Unix", t_unix, 0, 0},
                                         {"UnixNano", t_unixnano, 0, 0}, {"UnixMilli", t_unixmilli, 0, 0},
                                         {"String", t_string, 0, 0},     {NULL, NULL, 0, 0}};
static const ObjClass time_class = {"time.Time", time_methods, NULL};

static Value time_value(int64_t mono)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    CspTime *ct = mem_alloc_atomic(sizeof *ct);
    ct->wall = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    ct->mono = mono;
    return v_from_ptr(object_new(&time_class, ct));
}

static bool is_time(Value v)
{
    return v_is_obj(v, OBJ_OBJECT) && ((ObjObject *)v_ptr(v))->cls == &time_class;
}

static CspTime *time_of(Value v)
{
    return ((ObjObject *)v_ptr(v))->payload;
}

static int t_sub(Thread *t, Value *a, int n, Value *r)
{
    if (!is_time(a[1]))
        return vm_panicf(t, E_ARG_TYPE, "time.Time.Sub", 1, "a time.Time", v_type_name(a[1]));
    CspTime *x = time_of(a[0]), *y = time_of(a[1]);
    r[0] = v_make_int(x->mono && y->mono ? x->mono - y->mono : x->wall - y->wall);
    return 1;
}

static int t_unix(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(time_of(a[0])->wall / 1000000000);
    return 1;
}

static int t_unixnano(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(time_of(a[0])->wall);
    return 1;
}

static int t_unixmilli(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(time_of(a[0])->wall / 1000000);
    return 1;
}

/* Go's Time.String layout: 2006-01-02 15:04:05.999999999 -0700 MST */
static int t_string(Thread *t, Value *a, int n, Value *r)
{
    CspTime *ct = time_of(a[0]);
    time_t secs = (time_t)(ct->wall / 1000000000);
    long ns = (long)(ct->wall % 1000000000);
    struct tm tm;
    localtime_r(&secs, &tm);
    char date[64], zone[32];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    strftime(zone, sizeof zone, "%z %Z", &tm);
    Buf b;
    buf_init(&b);
    buf_adds(&b, date);
    if (ns) {
        char frac[16];
        snprintf(frac, sizeof frac, ".%09ld", ns);
        size_t len = strlen(frac);
        while (len > 1 && frac[len - 1] == '0')
            frac[--len] = 0;
        buf_adds(&b, frac);
    }
    buf_addc(&b, ' ');
    buf_adds(&b, zone);
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

/* ---- functions --------------------------------------------------------- */

static int f_sleep(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!vm_check_int(t, "time.Sleep", a, 0, &d))
        return -1;
    sched_sleep(d);
    return 0;
}

static int f_now(Thread *t, Value *a, int n, Value *r)
{
    r[0] = time_value(sched_nanotime());
    return 1;
}

static int f_since(Thread *t, Value *a, int n, Value *r)
{
    if (!is_time(a[0]))
        return vm_panicf(t, E_ARG_TYPE, "time.Since", 1, "a time.Time", v_type_name(a[0]));
    CspTime *x = time_of(a[0]);
    r[0] = v_make_int(x->mono ? sched_nanotime() - x->mono : time_of(time_value(0))->wall - x->wall);
    return 1;
}

/* A channel timer: Timer and Ticker objects, and After/Tick. The timer's
 * when and period change only through timer_reset (sched.h's locking). */
typedef struct ChanTimer {
    Timer tm;
    ObjChan *c;
    bool ticker; /* set at creation: Reset keeps it periodic */
} ChanTimer;

static void chan_timer_fire(void *arg, int64_t now)
{
    ChanTimer *ct = arg;
    chan_try_send(ct->c, time_value(now));
}

static ChanTimer *chan_timer_new(int64_t d, int64_t period)
{
    ChanTimer *ct = mem_alloc(sizeof *ct);
    ct->c = chan_new(1);
    ct->ticker = period > 0;
    ct->tm.when = timer_when(d);
    ct->tm.period = period;
    ct->tm.fn = chan_timer_fire;
    ct->tm.arg = ct;
    ct->tm.idx = TIMER_IDLE;
    return ct;
}

static int f_after(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!vm_check_int(t, "time.After", a, 0, &d))
        return -1;
    ChanTimer *ct = chan_timer_new(d, 0);
    timer_start(&ct->tm);
    r[0] = v_from_ptr(ct->c);
    return 1;
}

static int f_tick(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!vm_check_int(t, "time.Tick", a, 0, &d))
        return -1;
    if (d <= 0) {
        r[0] = V_NIL; /* as Go: Tick of a non-positive duration is nil */
        return 1;
    }
    ChanTimer *ct = chan_timer_new(d, d);
    timer_start(&ct->tm);
    r[0] = v_from_ptr(ct->c);
    return 1;
}

static Value ct_field(Value self, ObjString *name)
{
    if (name->len == 1 && name->data[0] == 'C')
        return v_from_ptr(((ChanTimer *)((ObjObject *)v_ptr(self))->payload)->c);
    return V_UNDEF;
}

static int ct_stop(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_bool(timer_stop(&((ChanTimer *)((ObjObject *)v_ptr(a[0]))->payload)->tm));
    return 1;
}

static int ct_reset(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!vm_check_int(t, "Reset", a, 1, &d))
        return -1;
    ChanTimer *ct = ((ObjObject *)v_ptr(a[0]))->payload;
    if (ct->ticker && d <= 0) /* as Go: before touching the ticker */
        return vm_panic_msg(t, "non-positive interval for Ticker.Reset");
    r[0] = v_bool(timer_reset(&ct->tm, timer_when(d), ct->ticker ? d : 0));
    return 1;
}

static const MethodDef ct_methods[] = {
    {"Stop", ct_stop, 0, 0}, {"Reset", ct_reset, 1, 1}, {NULL, NULL, 0, 0}};
static const ObjClass timer_class = {"time.Timer", ct_methods, ct_field};
static const ObjClass ticker_class = {"time.Ticker", ct_methods, ct_field};

static int f_newtimer(Thread *t, Value *a, int n, Value *r)
{
    int64_t d = 0;
    if (n > 0 && !vm_check_int(t, "time.NewTimer", a, 0, &d))
        return -1;
    ChanTimer *ct = chan_timer_new(d, 0);
    if (n > 0) /* `var t time.Timer` gives a stopped timer */
        timer_start(&ct->tm);
    r[0] = v_from_ptr(object_new(&timer_class, ct));
    return 1;
}

static int f_newticker(Thread *t, Value *a, int n, Value *r)
{
    int64_t d = 0;
    if (n > 0 && !vm_check_int(t, "time.NewTicker", a, 0, &d))
        return -1;
    if (n > 0 && d <= 0)
        return vm_panic_msg(t, "non-positive interval for NewTicker");
    ChanTimer *ct = chan_timer_new(d, d > 0 ? d : 1);
    if (n > 0)
        timer_start(&ct->tm);
    r[0] = v_from_ptr(object_new(&ticker_class, ct));
    return 1;
}

/* time.Duration(x): durations are ints (nanoseconds); a float truncates,
 * and one out of int range (or NaN) panics as int(x) does. */
static int f_duration(Thread *t, Value *a, int n, Value *r)
{
    double d;
    if (v_is_anyint(a[0])) {
        r[0] = a[0];
        return 1;
    }
    if (!vm_check_num(t, "time.Duration", a, 0, &d))
        return -1;
    /* Out of range would be undefined behaviour in C. */
    if (!(d > -9223372036854777856.0 && d < 9223372036854775808.0)) {
        Buf b;
        buf_init(&b);
        format_value(&b, a[0]);
        return vm_panicf(t, E_CONVERT, b.data, "float", "time.Duration");
    }
    r[0] = v_make_int((int64_t)d);
    return 1;
}

static const ModuleInt time_ints[] = {
    {"Nanosecond", 1LL},
    {"Microsecond", 1000LL},
    {"Millisecond", 1000000LL},
    {"Second", 1000000000LL},
    {"Minute", 60000000000LL},
    {"Hour", 3600000000000LL},
    {NULL, 0},
};

static void time_open(ObjModule *m)
{
    module_add_ints(m, time_ints);
    module_add_fn(m, "Duration", f_duration, 1, 1);
    /* a Duration is an int64: time.Sleep(1e7) sleeps 10000000 ns */
    module_add_fn(m, "Sleep", f_sleep, 1, 1)->sig = "func(time.Duration)";
    module_add_fn(m, "Now", f_now, 0, 0)->sig = "func() time.Time";
    module_add_fn(m, "Since", f_since, 1, 1)->sig = "func(time.Time) time.Duration";
    module_add_fn(m, "After", f_after, 1, 1)->sig = "func(time.Duration) <-chan time.Time";
    module_add_fn(m, "Tick", f_tick, 1, 1)->sig = "func(time.Duration) <-chan time.Time";
    module_add_fn(m, "NewTimer", f_newtimer, 1, 1)->sig = "func(time.Duration) *time.Timer";
    module_add_fn(m, "NewTicker", f_newticker, 1, 1)->sig = "func(time.Duration) *time.Ticker";
    module_add_fn(m, "Timer", f_newtimer, 0, 1);
    module_add_fn(m, "Ticker", f_newticker, 0, 1);
    module_add_type(m, "Duration", TYPE_INT);
    module_add_type(m, "Timer", TYPE_OBJECT);
    module_add_type(m, "Ticker", TYPE_OBJECT);
}

const ModuleDef csp_module_time = {"time", time_open};
