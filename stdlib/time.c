/* time.c — the time module: Duration, Month, Weekday, Time, Location and
 * the timers (the runtime module is in runtime.c).
 *
 * time.Duration, time.Month and time.Weekday are declared int types with
 * native methods (Go's), so a Duration prints as Go prints it ("1.5s")
 * wherever it goes: fmt, an interface, a map. Their values carry the type
 * (ObjNamed), as any declared int type's do.
 *
 * A time.Time is a native object: seconds and nanoseconds since the Unix
 * epoch, the monotonic clock reading it was taken with (0: none), and its
 * location (UTC, Local, or a fixed zone from Parse). Local follows the C
 * library's zone (TZ, /etc/localtime). Calendar arithmetic is done here on
 * day numbers, proleptic Gregorian, as Go's is, so years before 1970 and
 * after 2038 work.
 *
 * Timers run on the monitor thread (sched.h): a timer's callback never
 * blocks, so a channel timer does a non-blocking send on a channel of
 * capacity 1 (a tick nobody reads is dropped, as Go's tickers do), and an
 * AfterFunc timer starts a goroutine. A duration too long for an int64
 * deadline means "never" (sched.h, TIMER_NEVER).
 */
#include <ctype.h>
#include <gc/gc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../vm/buf.h"
#include "../vm/chan.h"
#include "../vm/format.h"
#include "../vm/mem.h"
#include "../vm/race.h"
#include "../vm/sched.h"
#include "stdlib.h"

#define NS_PER_SEC 1000000000LL
#define SECS_PER_DAY 86400LL

/* The declared types, made once when the module opens; read-only after. */
static ObjType *duration_type, *month_type, *weekday_type;

/* The monotonic clock when the process started: Time.String prints a
 * reading as "m=+0.001234567" seconds since then, as Go does. */
static int64_t process_start;
__attribute__((constructor)) static void note_start(void)
{
    process_start = sched_nanotime();
}

static Value dur_value(int64_t ns)
{
    return duration_type ? named_new(duration_type, v_make_int(ns)) : v_make_int(ns);
}

/* An int argument, or a value of a declared int type (a Duration). */
static bool int_arg(Thread *t, const char *fname, Value *a, int i, int64_t *out)
{
    Value v = v_unnamed(a[i]);
    if (v_is_anyint(v)) {
        *out = v_anyint(v);
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "int", v_type_name(a[i]));
    return false;
}

static ObjString *cstr(const char *s)
{
    return str_new(s, strlen(s));
}

/* ---- Duration ---------------------------------------------------------- */

/* buf[..*w) ends with v's digits, after prec digits of fraction (trailing
 * zeros and a bare point dropped): Go's fmtFrac/fmtInt, written backwards
 * into a buffer as they are. */
static int put_frac(char *buf, int w, uint64_t *v, int prec)
{
    bool print = false;
    for (int i = 0; i < prec; i++) {
        int digit = (int)(*v % 10);
        print = print || digit != 0;
        if (print)
            buf[--w] = (char)('0' + digit);
        *v /= 10;
    }
    if (print)
        buf[--w] = '.';
    return w;
}

static int put_int(char *buf, int w, uint64_t v)
{
    if (v == 0)
        buf[--w] = '0';
    while (v > 0) {
        buf[--w] = (char)('0' + v % 10);
        v /= 10;
    }
    return w;
}

/* Go's Duration.String: "72h3m0.5s", "1.5s", "2ms", "0s". */
static ObjString *duration_string(int64_t d)
{
    char buf[32];
    int w = sizeof buf;
    bool neg = d < 0;
    uint64_t u = neg ? -(uint64_t)d : (uint64_t)d;
    if (u < (uint64_t)NS_PER_SEC) {
        /* under a second: one unit, with a fraction */
        int prec;
        buf[--w] = 's';
        if (u == 0)
            return cstr("0s");
        if (u < 1000) {
            prec = 0;
            buf[--w] = 'n';
        } else if (u < 1000000) {
            prec = 3;
            w -= 2; /* µ is two bytes in UTF-8 */
            memcpy(buf + w, "\xc2\xb5", 2);
        } else {
            prec = 6;
            buf[--w] = 'm';
        }
        w = put_frac(buf, w, &u, prec);
        w = put_int(buf, w, u);
    } else {
        buf[--w] = 's';
        w = put_frac(buf, w, &u, 9);
        w = put_int(buf, w, u % 60); /* whole seconds */
        u /= 60;
        if (u > 0) {
            buf[--w] = 'm';
            w = put_int(buf, w, u % 60);
            u /= 60;
            if (u > 0) {
                buf[--w] = 'h';
                w = put_int(buf, w, u);
            }
        }
    }
    if (neg)
        buf[--w] = '-';
    return str_new(buf + w, sizeof buf - (size_t)w);
}

static int64_t recv_int(Value v)
{
    return v_anyint(v_unnamed(v));
}

static int d_string(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(duration_string(recv_int(a[0])));
    return 1;
}

static int d_nanoseconds(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(recv_int(a[0]));
    return 1;
}

static int d_microseconds(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(recv_int(a[0]) / 1000);
    return 1;
}

static int d_milliseconds(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(recv_int(a[0]) / 1000000);
    return 1;
}

/* Seconds, Minutes, Hours: whole units plus the fraction, as Go divides
 * (exact for the whole part). */
static double unit_float(int64_t d, int64_t unit)
{
    int64_t whole = d / unit, rest = d % unit;
    return (double)whole + (double)rest / (double)unit;
}

static int d_seconds(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_float(unit_float(recv_int(a[0]), NS_PER_SEC));
    return 1;
}

static int d_minutes(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_float(unit_float(recv_int(a[0]), 60 * NS_PER_SEC));
    return 1;
}

static int d_hours(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_float(unit_float(recv_int(a[0]), 3600 * NS_PER_SEC));
    return 1;
}

static int d_truncate(Thread *t, Value *a, int n, Value *r)
{
    int64_t d = recv_int(a[0]), m;
    if (!int_arg(t, "time.Duration.Truncate", a, 1, &m))
        return -1;
    r[0] = dur_value(m <= 0 ? d : d - d % m);
    return 1;
}

/* Round half away from zero, saturating at the int64 limits (Go's). */
static int d_round(Thread *t, Value *a, int n, Value *r)
{
    int64_t d = recv_int(a[0]), m;
    if (!int_arg(t, "time.Duration.Round", a, 1, &m))
        return -1;
    if (m <= 0) {
        r[0] = dur_value(d);
        return 1;
    }
    int64_t rem = d % m, out;
    if (d < 0) {
        rem = -rem;
        if ((uint64_t)rem + (uint64_t)rem < (uint64_t)m)
            out = d + rem;
        else
            out = __builtin_sub_overflow(d + rem, m, &out) ? INT64_MIN : d + rem - m;
    } else if ((uint64_t)rem + (uint64_t)rem < (uint64_t)m) {
        out = d - rem;
    } else {
        out = __builtin_add_overflow(d - rem, m, &out) ? INT64_MAX : d - rem + m;
    }
    r[0] = dur_value(out);
    return 1;
}

static int d_abs(Thread *t, Value *a, int n, Value *r)
{
    int64_t d = recv_int(a[0]);
    r[0] = dur_value(d >= 0 ? d : d == INT64_MIN ? INT64_MAX : -d);
    return 1;
}

/* ---- Month and Weekday ------------------------------------------------- */

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

/* Go's text for an out-of-range value: %!Month(13). */
static ObjString *enum_string(const char *type, const char *const *names, int64_t count, int64_t v,
                              int64_t base)
{
    if (v - base >= 0 && v - base < count)
        return cstr(names[v - base]);
    char buf[64];
    snprintf(buf, sizeof buf, "%%!%s(%lld)", type, (long long)v);
    return cstr(buf);
}

static int month_string(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(enum_string("Month", month_names, 12, recv_int(a[0]), 1));
    return 1;
}

static int weekday_string(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_from_ptr(enum_string("Weekday", day_names, 7, recv_int(a[0]), 0));
    return 1;
}

/* ---- civil calendar ---------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12; day
 * may be any number and carries into the month). Eras of 400 years hold a
 * whole number of days (146097), so the arithmetic is exact for any year. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                  /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* March-based */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* ---- Location ---------------------------------------------------------- */

typedef enum { LOC_UTC, LOC_LOCAL, LOC_FIXED } LocKind;

/* Immutable once made (UTC and Local are static). */
typedef struct CspLoc {
    LocKind kind;
    int32_t offset;   /* LOC_FIXED: seconds east of UTC */
    const char *name; /* LOC_FIXED: the zone's name ("" prints the offset) */
} CspLoc;

static const CspLoc loc_utc = {LOC_UTC, 0, "UTC"}, loc_local = {LOC_LOCAL, 0, "Local"};

static int loc_string(Thread *t, Value *a, int n, Value *r);
static const MethodDef loc_methods[] = {{"String", loc_string, 0, 0}, {NULL, NULL, 0, 0}};
static const ObjClass loc_class = {.name = "*time.Location", .methods = loc_methods, .get_field = NULL};
static Value utc_value, local_value; /* the two shared Location objects */

static int loc_string(Thread *t, Value *a, int n, Value *r)
{
    const CspLoc *l = ((ObjObject *)v_ptr(a[0]))->payload;
    r[0] = v_cstr(l->name);
    return 1;
}

static const CspLoc *loc_of(Value v)
{
    return v_is_obj(v, OBJ_OBJECT) && ((ObjObject *)v_ptr(v))->cls == &loc_class
               ? ((ObjObject *)v_ptr(v))->payload
               : NULL;
}

/* The zone in effect at Unix second sec: its offset and its name. */
static void zone_at(const CspLoc *l, int64_t sec, int32_t *offset, char *name, size_t size)
{
    if (l->kind == LOC_UTC) {
        *offset = 0;
        snprintf(name, size, "UTC");
        return;
    }
    if (l->kind == LOC_FIXED) {
        *offset = l->offset;
        snprintf(name, size, "%s", l->name);
        return;
    }
    time_t s = (time_t)sec;
    struct tm tm;
    if (!localtime_r(&s, &tm)) {
        *offset = 0;
        snprintf(name, size, "UTC");
        return;
    }
    *offset = (int32_t)tm.tm_gmtoff;
    snprintf(name, size, "%s", tm.tm_zone ? tm.tm_zone : "");
}

/* ---- Time -------------------------------------------------------------- */

/* Immutable once made (every method returns a new Time), so any thread
 * may read one. */
typedef struct CspTime {
    int64_t sec;       /* since the Unix epoch */
    int32_t nsec;      /* [0, 1e9) */
    int64_t mono;      /* sched_nanotime() when taken; 0 if none */
    const CspLoc *loc; /* never NULL */
} CspTime;

/* The zero Time: January 1, year 1, 00:00:00 UTC. */
#define ZERO_SEC (-62135596800LL)

static const ObjClass time_class;

static Value time_make(int64_t sec, int64_t nsec, int64_t mono, const CspLoc *loc)
{
    sec += floor_div(nsec, NS_PER_SEC);
    nsec -= floor_div(nsec, NS_PER_SEC) * NS_PER_SEC;
    CspTime *ct = mem_alloc(sizeof *ct);
    ct->sec = sec;
    ct->nsec = (int32_t)nsec;
    ct->mono = mono;
    ct->loc = loc;
    return v_from_ptr(object_new(&time_class, ct));
}

/* A Time for a monotonic reading taken now (a timer's firing). */
static Value time_make_mono(int64_t mono)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return time_make(ts.tv_sec, ts.tv_nsec, mono, &loc_local);
}

static Value time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return time_make(ts.tv_sec, ts.tv_nsec, sched_nanotime(), &loc_local);
}

static bool is_time(Value v)
{
    return v_is_obj(v, OBJ_OBJECT) && ((ObjObject *)v_ptr(v))->cls == &time_class;
}

static CspTime *time_of(Value v)
{
    return ((ObjObject *)v_ptr(v))->payload;
}

static bool time_arg(Thread *t, const char *fname, Value *a, int i, CspTime **out)
{
    if (is_time(a[i])) {
        *out = time_of(a[i]);
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "a time.Time", v_type_name(a[i]));
    return false;
}

/* A Time broken down in its location. */
typedef struct Civil {
    int64_t year;
    int month, day, hour, min, sec, nsec, wday, yday;
    int32_t offset;
    char zone[32];
} Civil;

static void civil_of(const CspTime *ct, Civil *c)
{
    zone_at(ct->loc, ct->sec, &c->offset, c->zone, sizeof c->zone);
    int64_t local = ct->sec + c->offset;
    int64_t days = floor_div(local, SECS_PER_DAY), secs = local - days * SECS_PER_DAY;
    civil_from_days(days, &c->year, &c->month, &c->day);
    c->hour = (int)(secs / 3600);
    c->min = (int)(secs % 3600 / 60);
    c->sec = (int)(secs % 60);
    c->nsec = ct->nsec;
    c->wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    c->yday = (int)(days - days_from_civil(c->year, 1, 1)) + 1;
}

/* ---- layouts ----------------------------------------------------------- */

/* The elements of a layout, as Go's reference time Mon Jan 2 15:04:05 MST
 * 2006 spells them. */
typedef enum {
    L_NONE,
    L_LONG_MONTH,   /* January */
    L_MONTH,        /* Jan */
    L_NUM_MONTH,    /* 1 */
    L_ZERO_MONTH,   /* 01 */
    L_LONG_WEEKDAY, /* Monday */
    L_WEEKDAY,      /* Mon */
    L_DAY,          /* 2 */
    L_UNDER_DAY,    /* _2 */
    L_ZERO_DAY,     /* 02 */
    L_UNDER_YDAY,   /* __2 */
    L_ZERO_YDAY,    /* 002 */
    L_HOUR,         /* 15 */
    L_HOUR12,       /* 3 */
    L_ZERO_HOUR12,  /* 03 */
    L_MINUTE,       /* 4 */
    L_ZERO_MINUTE,  /* 04 */
    L_SECOND,       /* 5 */
    L_ZERO_SECOND,  /* 05 */
    L_LONG_YEAR,    /* 2006 */
    L_YEAR,         /* 06 */
    L_PM,           /* PM */
    L_LOWER_PM,     /* pm */
    L_TZ,           /* MST */
    L_ISO_TZ,       /* Z0700, Z07:00, Z07, Z070000, Z07:00:00 */
    L_NUM_TZ,       /* -0700, -07:00, -07, -070000, -07:00:00 */
    L_FRAC,         /* .000 or ,000: exactly that many digits */
    L_FRAC_TRIM,    /* .999 or ,999: up to that many, zeros trimmed */
} LayoutElem;

typedef struct Chunk {
    LayoutElem elem;
    size_t pos, len;              /* where in the layout, how long */
    int digits;                   /* L_FRAC*: how many */
    bool colon, secs, hours_only; /* zones: -07:00, with seconds, -07 */
} Chunk;

static bool at(const char *s, size_t n, size_t i, const char *w)
{
    size_t k = strlen(w);
    return i + k <= n && memcmp(s + i, w, k) == 0;
}

/* The next element of layout s at or after i into *c; false at the end. */
static bool next_chunk(const char *s, size_t n, size_t i, Chunk *c)
{
    memset(c, 0, sizeof *c);
    static const struct {
        const char *text;
        LayoutElem elem;
        bool colon, secs, hours_only;
    } zones[] = {
        {"Z070000", L_ISO_TZ, false, true, false},  {"Z07:00:00", L_ISO_TZ, true, true, false},
        {"Z0700", L_ISO_TZ, false, false, false},   {"Z07:00", L_ISO_TZ, true, false, false},
        {"Z07", L_ISO_TZ, false, false, true},      {"-070000", L_NUM_TZ, false, true, false},
        {"-07:00:00", L_NUM_TZ, true, true, false}, {"-0700", L_NUM_TZ, false, false, false},
        {"-07:00", L_NUM_TZ, true, false, false},   {"-07", L_NUM_TZ, false, false, true},
    };
    static const struct {
        const char *text;
        LayoutElem elem;
    } words[] = {
        {"January", L_LONG_MONTH},
        {"Jan", L_MONTH},
        {"Monday", L_LONG_WEEKDAY},
        {"Mon", L_WEEKDAY},
        {"MST", L_TZ},
        {"2006", L_LONG_YEAR},
        {"002", L_ZERO_YDAY},
        {"01", L_ZERO_MONTH},
        {"02", L_ZERO_DAY},
        {"03", L_ZERO_HOUR12},
        {"04", L_ZERO_MINUTE},
        {"05", L_ZERO_SECOND},
        {"06", L_YEAR},
        {"15", L_HOUR},
        {"1", L_NUM_MONTH},
        {"2", L_DAY},
        {"__2", L_UNDER_YDAY},
        {"_2", L_UNDER_DAY},
        {"3", L_HOUR12},
        {"4", L_MINUTE},
        {"5", L_SECOND},
        {"PM", L_PM},
        {"pm", L_LOWER_PM},
    };
    for (; i < n; i++) {
        for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++)
            if (at(s, n, i, zones[z].text)) {
                *c = (Chunk){zones[z].elem,      i, strlen(zones[z].text), 0, zones[z].colon, zones[z].secs,
                             zones[z].hours_only};
                return true;
            }
        /* "_2006" is a literal underscore and the year */
        if (at(s, n, i, "_2006")) {
            *c = (Chunk){L_LONG_YEAR, i + 1, 4, 0, false, false, false};
            return true;
        }
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
            if (at(s, n, i, words[w].text)) {
                *c = (Chunk){words[w].elem, i, strlen(words[w].text), 0, false, false, false};
                return true;
            }
        if ((s[i] == '.' || s[i] == ',') && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '9')) {
            char digit = s[i + 1];
            size_t j = i + 1;
            while (j < n && s[j] == digit)
                j++;
            /* a run followed by a digit is not a fraction (".0001" in a
             * number), as Go's isDigit check says */
            if (!(j < n && s[j] >= '0' && s[j] <= '9')) {
                *c = (Chunk){
                    digit == '0' ? L_FRAC : L_FRAC_TRIM, i, j - i, (int)(j - i - 1), false, false, false};
                return true;
            }
        }
    }
    return false;
}

static void add_num(Buf *b, int64_t v, int width, char pad)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%lld", (long long)(v < 0 ? -v : v));
    if (v < 0)
        buf_addc(b, '-');
    for (int i = len; i < width; i++)
        buf_addc(b, pad);
    buf_add(b, tmp, (size_t)len);
}

static void add_zone(Buf *b, const Chunk *c, int32_t offset)
{
    if (c->elem == L_ISO_TZ && offset == 0) {
        buf_addc(b, 'Z');
        return;
    }
    int32_t z = offset < 0 ? -offset : offset;
    buf_addc(b, offset < 0 ? '-' : '+');
    add_num(b, z / 3600, 2, '0');
    if (!c->hours_only) {
        if (c->colon)
            buf_addc(b, ':');
        add_num(b, z / 60 % 60, 2, '0');
    }
    if (c->secs) {
        if (c->colon)
            buf_addc(b, ':');
        add_num(b, z % 60, 2, '0');
    }
}

static void time_format(Buf *b, const CspTime *ct, const char *s, size_t n)
{
    Civil c;
    civil_of(ct, &c);
    size_t i = 0;
    Chunk ch;
    while (next_chunk(s, n, i, &ch)) {
        buf_add(b, s + i, ch.pos - i);
        i = ch.pos + ch.len;
        switch (ch.elem) {
        case L_LONG_MONTH:
            buf_adds(b, month_names[c.month - 1]);
            break;
        case L_MONTH:
            buf_add(b, month_names[c.month - 1], 3);
            break;
        case L_NUM_MONTH:
            add_num(b, c.month, 0, '0');
            break;
        case L_ZERO_MONTH:
            add_num(b, c.month, 2, '0');
            break;
        case L_LONG_WEEKDAY:
            buf_adds(b, day_names[c.wday]);
            break;
        case L_WEEKDAY:
            buf_add(b, day_names[c.wday], 3);
            break;
        case L_DAY:
            add_num(b, c.day, 0, '0');
            break;
        case L_UNDER_DAY:
            add_num(b, c.day, 2, ' ');
            break;
        case L_ZERO_DAY:
            add_num(b, c.day, 2, '0');
            break;
        case L_UNDER_YDAY:
            add_num(b, c.yday, 3, ' ');
            break;
        case L_ZERO_YDAY:
            add_num(b, c.yday, 3, '0');
            break;
        case L_HOUR:
            add_num(b, c.hour, 2, '0');
            break;
        case L_HOUR12:
        case L_ZERO_HOUR12: {
            int h = c.hour % 12;
            add_num(b, h ? h : 12, ch.elem == L_ZERO_HOUR12 ? 2 : 0, '0');
            break;
        }
        case L_MINUTE:
            add_num(b, c.min, 0, '0');
            break;
        case L_ZERO_MINUTE:
            add_num(b, c.min, 2, '0');
            break;
        case L_SECOND:
            add_num(b, c.sec, 0, '0');
            break;
        case L_ZERO_SECOND:
            add_num(b, c.sec, 2, '0');
            break;
        case L_LONG_YEAR:
            add_num(b, c.year, 4, '0');
            break;
        case L_YEAR:
            add_num(b, ((c.year % 100) + 100) % 100, 2, '0');
            break;
        case L_PM:
            buf_adds(b, c.hour >= 12 ? "PM" : "AM");
            break;
        case L_LOWER_PM:
            buf_adds(b, c.hour >= 12 ? "pm" : "am");
            break;
        case L_TZ:
            if (c.zone[0]) {
                buf_adds(b, c.zone);
            } else { /* a zone without a name prints its offset: -0700 */
                Chunk z = {L_NUM_TZ, 0, 0, 0, false, false, false};
                add_zone(b, &z, c.offset);
            }
            break;
        case L_ISO_TZ:
        case L_NUM_TZ:
            add_zone(b, &ch, c.offset);
            break;
        case L_FRAC:
        case L_FRAC_TRIM: {
            char digits[10];
            snprintf(digits, sizeof digits, "%09d", c.nsec);
            int k = ch.digits > 9 ? 9 : ch.digits;
            if (ch.elem == L_FRAC_TRIM)
                while (k > 0 && digits[k - 1] == '0')
                    k--;
            if (k > 0 || ch.elem == L_FRAC) {
                buf_addc(b, s[ch.pos]);
                buf_add(b, digits, (size_t)k);
            }
            break;
        }
        case L_NONE:
            break;
        }
    }
    buf_add(b, s + i, n - i);
}

/* ---- Parse ------------------------------------------------------------- */

/* Up to max digits (at least min) at *p; false when there are fewer. */
static bool get_num(const char *v, size_t n, size_t *p, int min, int max, int64_t *out)
{
    size_t i = *p;
    int64_t x = 0;
    int k = 0;
    while (i < n && k < max && v[i] >= '0' && v[i] <= '9') {
        x = x * 10 + (v[i] - '0');
        i++;
        k++;
    }
    if (k < min)
        return false;
    *p = i;
    *out = x;
    return true;
}

static int lookup_name(const char *v, size_t n, size_t *p, const char *const *names, int count, size_t len)
{
    for (int k = 0; k < count; k++) {
        size_t l = len ? len : strlen(names[k]);
        if (*p + l <= n && strncasecmp(v + *p, names[k], l) == 0) {
            *p += l;
            return k;
        }
    }
    return -1;
}

static Value quoted(const char *s, size_t n)
{
    Buf b;
    buf_init(&b);
    format_quote(&b, s, n, false);
    return v_from_ptr(buf_to_str(&b));
}

static const char *qstr(const char *s, size_t n)
{
    return ((ObjString *)v_ptr(quoted(s, n)))->data;
}

/* Go's time.Parse: the value must match the layout element by element;
 * without a zone it is UTC, with an offset it is a fixed zone (Local when
 * the offset is Local's then). Returns the Time, or an error value. */
static Value time_parse(const char *lay, size_t ln, const char *v, size_t vn, const CspLoc *deflt)
{
    int64_t year = 0, month = 1, day = 1, hour = 0, min = 0, sec = 0, nsec = 0, yday = -1;
    bool pm = false, pm_set = false, have_zone = false;
    int32_t offset = 0;
    char zname[16] = "";
    size_t li = 0, vi = 0;
    Chunk ch;
    const char *range_err = NULL;
    while (next_chunk(lay, ln, li, &ch)) {
        /* the literal text before the element must match */
        size_t lit = ch.pos - li;
        if (vi + lit > vn || memcmp(v + vi, lay + li, lit) != 0)
            goto bad_literal;
        vi += lit;
        li = ch.pos + ch.len;
        size_t start = vi;
        bool ok = true;
        int64_t x = 0;
        switch (ch.elem) {
        case L_LONG_MONTH:
        case L_MONTH: {
            int k = lookup_name(v, vn, &vi, month_names, 12, ch.elem == L_MONTH ? 3 : 0);
            ok = k >= 0;
            month = k + 1;
            break;
        }
        case L_LONG_WEEKDAY:
        case L_WEEKDAY:
            ok = lookup_name(v, vn, &vi, day_names, 7, ch.elem == L_WEEKDAY ? 3 : 0) >= 0;
            break;
        case L_NUM_MONTH:
        case L_ZERO_MONTH:
            ok = get_num(v, vn, &vi, ch.elem == L_ZERO_MONTH ? 2 : 1, 2, &month);
            if (ok && (month < 1 || month > 12))
                range_err = "month";
            break;
        case L_DAY:
        case L_UNDER_DAY:
        case L_ZERO_DAY:
            if (ch.elem == L_UNDER_DAY && vi < vn && v[vi] == ' ')
                vi++;
            ok = get_num(v, vn, &vi, ch.elem == L_ZERO_DAY ? 2 : 1, 2, &day);
            break;
        case L_UNDER_YDAY:
        case L_ZERO_YDAY:
            while (ch.elem == L_UNDER_YDAY && vi < vn && v[vi] == ' ')
                vi++;
            ok = get_num(v, vn, &vi, ch.elem == L_ZERO_YDAY ? 3 : 1, 3, &yday);
            if (ok && (yday < 1 || yday > 366))
                range_err = "day-of-year";
            break;
        case L_HOUR:
            ok = get_num(v, vn, &vi, 2, 2, &hour);
            if (ok && hour > 23)
                range_err = "hour";
            break;
        case L_HOUR12:
        case L_ZERO_HOUR12:
            ok = get_num(v, vn, &vi, ch.elem == L_ZERO_HOUR12 ? 2 : 1, 2, &hour);
            if (ok && (hour < 0 || hour > 12))
                range_err = "hour";
            break;
        case L_MINUTE:
        case L_ZERO_MINUTE:
            ok = get_num(v, vn, &vi, ch.elem == L_ZERO_MINUTE ? 2 : 1, 2, &min);
            if (ok && min > 59)
                range_err = "minute";
            break;
        case L_SECOND:
        case L_ZERO_SECOND:
            ok = get_num(v, vn, &vi, ch.elem == L_ZERO_SECOND ? 2 : 1, 2, &sec);
            if (ok && sec > 59)
                range_err = "second";
            /* a fraction after the seconds is taken even when the layout
             * has none, as Go does */
            if (ok && vi + 1 < vn && (v[vi] == '.' || v[vi] == ',') && v[vi + 1] >= '0' && v[vi + 1] <= '9' &&
                !(li < ln && (lay[li] == '.' || lay[li] == ','))) {
                vi++;
                int64_t frac = 0;
                int k = 0;
                while (vi < vn && v[vi] >= '0' && v[vi] <= '9') {
                    if (k < 9) {
                        frac = frac * 10 + (v[vi] - '0');
                        k++;
                    }
                    vi++;
                }
                while (k++ < 9)
                    frac *= 10;
                nsec = frac;
            }
            break;
        case L_LONG_YEAR:
            ok = vi + 4 <= vn && get_num(v, vn, &vi, 4, 4, &year);
            break;
        case L_YEAR:
            ok = get_num(v, vn, &vi, 2, 2, &x);
            year = x >= 69 ? 1900 + x : 2000 + x;
            break;
        case L_PM:
        case L_LOWER_PM:
            if (vi + 2 <= vn && (strncasecmp(v + vi, "PM", 2) == 0 || strncasecmp(v + vi, "AM", 2) == 0)) {
                pm = toupper((unsigned char)v[vi]) == 'P';
                pm_set = true;
                vi += 2;
            } else {
                ok = false;
            }
            break;
        case L_TZ: {
            /* three or more upper-case letters (a zone abbreviation), or UTC */
            size_t k = vi;
            while (k < vn && v[k] >= 'A' && v[k] <= 'Z')
                k++;
            ok = k - vi >= 3 && k - vi < sizeof zname;
            if (ok) {
                memcpy(zname, v + vi, k - vi);
                zname[k - vi] = 0;
                vi = k;
                have_zone = true;
            }
            break;
        }
        case L_ISO_TZ:
        case L_NUM_TZ: {
            if (ch.elem == L_ISO_TZ && vi < vn && v[vi] == 'Z') {
                vi++;
                have_zone = true;
                offset = 0;
                snprintf(zname, sizeof zname, "UTC");
                break;
            }
            ok = vi < vn && (v[vi] == '+' || v[vi] == '-');
            if (!ok)
                break;
            int sign = v[vi++] == '-' ? -1 : 1;
            int64_t hh = 0, mm = 0, ss = 0;
            ok = get_num(v, vn, &vi, 2, 2, &hh);
            if (ok && !ch.hours_only) {
                if (ch.colon)
                    ok = vi < vn && v[vi++] == ':';
                ok = ok && get_num(v, vn, &vi, 2, 2, &mm);
            }
            if (ok && ch.secs) {
                if (ch.colon)
                    ok = vi < vn && v[vi++] == ':';
                ok = ok && get_num(v, vn, &vi, 2, 2, &ss);
            }
            offset = (int32_t)(sign * (hh * 3600 + mm * 60 + ss));
            have_zone = ok;
            zname[0] = 0;
            break;
        }
        case L_FRAC:
        case L_FRAC_TRIM: {
            if (vi >= vn || (v[vi] != '.' && v[vi] != ',')) {
                ok = ch.elem == L_FRAC_TRIM; /* .999 may be absent */
                break;
            }
            vi++;
            int64_t frac = 0;
            int k = 0;
            while (vi < vn && v[vi] >= '0' && v[vi] <= '9' && (ch.elem == L_FRAC_TRIM || k < ch.digits)) {
                if (k < 9)
                    frac = frac * 10 + (v[vi] - '0');
                k++;
                vi++;
            }
            ok = ch.elem == L_FRAC_TRIM || k == ch.digits;
            for (int z = k; z < 9; z++)
                frac *= 10;
            nsec = frac;
            break;
        }
        case L_NONE:
            break;
        }
        if (!ok) {
            return stdlib_error(E_TIME_PARSE, qstr(v, vn), qstr(lay, ln), qstr(v + start, vn - start),
                                qstr(lay + ch.pos, ch.len));
        }
        if (range_err)
            return stdlib_error(E_TIME_PARSE_RANGE, qstr(v, vn), range_err);
    }
    if (li < ln) {
        size_t lit = ln - li;
        if (vi + lit > vn || memcmp(v + vi, lay + li, lit) != 0)
            goto bad_literal;
        vi += lit;
    }
    if (vi < vn)
        return stdlib_error(E_TIME_PARSE_EXTRA, qstr(v, vn), qstr(v + vi, vn - vi));
    if (pm_set && pm && hour < 12)
        hour += 12;
    else if (pm_set && !pm && hour == 12)
        hour = 0;
    if (yday >= 0) {
        int64_t days = yday - 1;
        int64_t d0 = days_from_civil(year, 1, 1) + days;
        int64_t y2;
        int m2, dd2;
        civil_from_days(d0, &y2, &m2, &dd2);
        if (y2 != year)
            return stdlib_error(E_TIME_PARSE_RANGE, qstr(v, vn), "day-of-year");
        month = m2;
        day = dd2;
    }
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (day < 1 || day > mdays[month - 1] + (month == 2 && is_leap(year)))
        return stdlib_error(E_TIME_PARSE_RANGE, qstr(v, vn), "day");
    int64_t secs = days_from_civil(year, month, day) * SECS_PER_DAY + hour * 3600 + min * 60 + sec;
    if (!have_zone)
        return time_make(secs, nsec, 0, deflt);
    if (zname[0] && strcmp(zname, "UTC") == 0 && offset == 0)
        return time_make(secs, nsec, 0, &loc_utc);
    if (zname[0]) {
        /* an abbreviation: Local's if Local uses it then, else a zone of
         * that name at offset 0, as Go makes one */
        int32_t loff;
        char lname[32];
        zone_at(&loc_local, secs, &loff, lname, sizeof lname);
        if (strcmp(lname, zname) == 0)
            return time_make(secs - loff, nsec, 0, &loc_local);
        CspLoc *l = mem_alloc(sizeof *l);
        *l = (CspLoc){LOC_FIXED, 0, cstr(zname)->data};
        return time_make(secs, nsec, 0, l);
    }
    int32_t loff;
    char lname[32];
    zone_at(&loc_local, secs - offset, &loff, lname, sizeof lname);
    if (loff == offset)
        return time_make(secs - offset, nsec, 0, &loc_local);
    CspLoc *l = mem_alloc(sizeof *l);
    *l = (CspLoc){LOC_FIXED, offset, ""};
    return time_make(secs - offset, nsec, 0, l);

bad_literal:;
    /* Go names the layout's next element (or the rest of its literal
     * text) and the value from the mismatch on */
    Chunk nx;
    size_t lend = next_chunk(lay, ln, li, &nx) ? nx.pos : ln;
    return stdlib_error(E_TIME_PARSE, qstr(v, vn), qstr(lay, ln), qstr(v + vi, vn - vi),
                        qstr(lay + li, lend - li));
}

/* ---- for the other modules --------------------------------------------- */

Value stdlib_time_after(int64_t d)
{
    CspTime *now = time_of(time_now());
    int64_t mono;
    if (__builtin_add_overflow(now->mono, d, &mono))
        mono = d > 0 ? INT64_MAX : 1;
    return time_make(now->sec + d / NS_PER_SEC, now->nsec + d % NS_PER_SEC, mono, now->loc);
}

bool stdlib_time_unix_nano(Value v, int64_t *ns)
{
    if (!is_time(v))
        return false;
    *ns = (int64_t)((uint64_t)time_of(v)->sec * NS_PER_SEC + (uint64_t)time_of(v)->nsec);
    return true;
}

bool stdlib_duration_arg(Thread *t, const char *fname, Value v, int argno, int64_t *out)
{
    Value u = v_unnamed(v);
    if (v_is_anyint(u)) {
        *out = v_anyint(u);
        return true;
    }
    vm_panicf(t, E_ARG_TYPE, fname, argno, "a time.Duration", v_type_name(v));
    return false;
}

bool stdlib_time_deadline(Value v, int64_t *when)
{
    if (!is_time(v))
        return false;
    const CspTime *ct = time_of(v);
    if (ct->sec == ZERO_SEC && ct->nsec == 0) {
        *when = 0;
        return true;
    }
    int64_t now = sched_nanotime(), d;
    if (ct->mono) {
        d = ct->mono - now;
    } else {
        /* No monotonic reading (time.Unix, Parse): as Go, by the wall
         * clock, saturating far in the past or future. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        __int128 wall = ((__int128)ct->sec - ts.tv_sec) * NS_PER_SEC + (ct->nsec - ts.tv_nsec);
        d = wall > INT64_MAX / 2 ? INT64_MAX / 2 : wall < -(INT64_MAX / 2) ? -(INT64_MAX / 2) : (int64_t)wall;
    }
    /* 0 means "none": an instant at or before now is any past one */
    *when = d <= 0 ? (now > 1 ? now - 1 : 1) : (d > INT64_MAX - now ? INT64_MAX : now + d);
    return true;
}

Value stdlib_time_zero(void)
{
    return time_make(ZERO_SEC, 0, 0, &loc_utc);
}

ObjString *stdlib_duration_string(int64_t ns)
{
    return duration_string(ns);
}

Value stdlib_duration(int64_t ns)
{
    if (!duration_type) /* the type is made when the module opens */
        stdlib_module("time", 4, false);
    return dur_value(ns);
}

static Value parse_duration(const char *s, size_t len, int64_t *out);

bool stdlib_parse_duration(const char *s, size_t n, int64_t *out)
{
    return parse_duration(s, n, out) == V_NIL;
}

Value stdlib_time_unix(int64_t sec, int64_t nsec)
{
    return time_make(sec, nsec, 0, &loc_local);
}

/* ---- Time's methods ---------------------------------------------------- */

static CspTime *self(Value *a)
{
    return time_of(a[0]);
}

static Value time_with(const CspTime *ct, int64_t sec, int64_t nsec, int64_t mono)
{
    return time_make(sec, nsec, mono, ct->loc);
}

/* t + d, saturating as Go's Add does not (it wraps): csp keeps Go's
 * wrapping of the wall clock and moves the monotonic reading with it. */
static int t_add(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!int_arg(t, "time.Time.Add", a, 1, &d))
        return -1;
    CspTime *ct = self(a);
    int64_t sec = ct->sec + d / NS_PER_SEC, nsec = ct->nsec + d % NS_PER_SEC;
    r[0] = time_with(ct, sec, nsec, ct->mono ? ct->mono + d : 0);
    return 1;
}

static int64_t sat_sub(const CspTime *x, const CspTime *y)
{
    if (x->mono && y->mono) {
        int64_t d;
        return __builtin_sub_overflow(x->mono, y->mono, &d) ? (x->mono > y->mono ? INT64_MAX : INT64_MIN) : d;
    }
    __int128 d = ((__int128)x->sec - y->sec) * NS_PER_SEC + (x->nsec - y->nsec);
    return d > INT64_MAX ? INT64_MAX : d < INT64_MIN ? INT64_MIN : (int64_t)d;
}

static int t_sub(Thread *t, Value *a, int n, Value *r)
{
    CspTime *u;
    if (!time_arg(t, "time.Time.Sub", a, 1, &u))
        return -1;
    r[0] = dur_value(sat_sub(self(a), u));
    return 1;
}

/* -1, 0, +1: by the monotonic readings when both have one, as Go. */
static int time_cmp(const CspTime *x, const CspTime *y)
{
    if (x->mono && y->mono)
        return (x->mono > y->mono) - (x->mono < y->mono);
    if (x->sec != y->sec)
        return x->sec < y->sec ? -1 : 1;
    return (x->nsec > y->nsec) - (x->nsec < y->nsec);
}

static int t_before(Thread *t, Value *a, int n, Value *r)
{
    CspTime *u;
    if (!time_arg(t, "time.Time.Before", a, 1, &u))
        return -1;
    r[0] = v_bool(time_cmp(self(a), u) < 0);
    return 1;
}

static int t_after(Thread *t, Value *a, int n, Value *r)
{
    CspTime *u;
    if (!time_arg(t, "time.Time.After", a, 1, &u))
        return -1;
    r[0] = v_bool(time_cmp(self(a), u) > 0);
    return 1;
}

static int t_equal(Thread *t, Value *a, int n, Value *r)
{
    CspTime *u;
    if (!time_arg(t, "time.Time.Equal", a, 1, &u))
        return -1;
    r[0] = v_bool(time_cmp(self(a), u) == 0);
    return 1;
}

static int t_compare(Thread *t, Value *a, int n, Value *r)
{
    CspTime *u;
    if (!time_arg(t, "time.Time.Compare", a, 1, &u))
        return -1;
    r[0] = v_make_int(time_cmp(self(a), u));
    return 1;
}

static int t_iszero(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_bool(self(a)->sec == ZERO_SEC && self(a)->nsec == 0);
    return 1;
}

static int t_unix(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(self(a)->sec);
    return 1;
}

static int t_unixnano(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int((int64_t)((uint64_t)self(a)->sec * NS_PER_SEC + (uint64_t)self(a)->nsec));
    return 1;
}

static int t_unixmilli(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(self(a)->sec * 1000 + self(a)->nsec / 1000000);
    return 1;
}

static int t_unixmicro(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(self(a)->sec * 1000000 + self(a)->nsec / 1000);
    return 1;
}

static int t_format(Thread *t, Value *a, int n, Value *r)
{
    ObjString *lay;
    if (!vm_check_str(t, "time.Time.Format", a, 1, &lay))
        return -1;
    Buf b;
    buf_init(&b);
    time_format(&b, self(a), lay->data, lay->len);
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

/* Go's Time.String: 2006-01-02 15:04:05.999999999 -0700 MST, and the
 * monotonic reading when there is one ("m=+0.000012345"). */
static int t_string(Thread *t, Value *a, int n, Value *r)
{
    static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";
    CspTime *ct = self(a);
    Buf b;
    buf_init(&b);
    time_format(&b, ct, layout, sizeof layout - 1);
    if (ct->mono) {
        int64_t m = ct->mono - process_start;
        uint64_t u = m < 0 ? -(uint64_t)m : (uint64_t)m;
        buf_printf(&b, " m=%c%llu.%09llu", m < 0 ? '-' : '+', (unsigned long long)(u / NS_PER_SEC),
                   (unsigned long long)(u % NS_PER_SEC));
    }
    r[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

/* The calendar fields, one method each: t.Year() ... t.YearDay(). */
#define CIVIL_GETTERS(X)                                                                                     \
    X(year, v_make_int(c.year))                                                                              \
    X(month, named_new(month_type, v_make_int(c.month)))                                                     \
    X(day, v_make_int(c.day))                                                                                \
    X(hour, v_make_int(c.hour))                                                                              \
    X(minute, v_make_int(c.min))                                                                             \
    X(second, v_make_int(c.sec))                                                                             \
    X(weekday, named_new(weekday_type, v_make_int(c.wday)))                                                  \
    X(yearday, v_make_int(c.yday))

#define X(name, value)                                                                                       \
    static int t_##name(Thread *t, Value *a, int n, Value *r)                                                \
    {                                                                                                        \
        Civil c;                                                                                             \
        civil_of(self(a), &c);                                                                               \
        r[0] = value;                                                                                        \
        return 1;                                                                                            \
    }
CIVIL_GETTERS(X)
#undef X

static int t_nanosecond(Thread *t, Value *a, int n, Value *r)
{
    r[0] = v_make_int(self(a)->nsec);
    return 1;
}

static int t_date(Thread *t, Value *a, int n, Value *r)
{
    Civil c;
    civil_of(self(a), &c);
    r[0] = v_make_int(c.year);
    r[1] = named_new(month_type, v_make_int(c.month));
    r[2] = v_make_int(c.day);
    return 3;
}

static int t_clock(Thread *t, Value *a, int n, Value *r)
{
    Civil c;
    civil_of(self(a), &c);
    r[0] = v_make_int(c.hour);
    r[1] = v_make_int(c.min);
    r[2] = v_make_int(c.sec);
    return 3;
}

static int t_zone(Thread *t, Value *a, int n, Value *r)
{
    Civil c;
    civil_of(self(a), &c);
    r[0] = v_cstr(c.zone);
    r[1] = v_make_int(c.offset);
    return 2;
}

static Value loc_value(const CspLoc *l)
{
    if (l == &loc_utc)
        return utc_value;
    if (l == &loc_local)
        return local_value;
    return v_from_ptr(object_new(&loc_class, (void *)l));
}

static int t_location(Thread *t, Value *a, int n, Value *r)
{
    r[0] = loc_value(self(a)->loc);
    return 1;
}

/* UTC, Local and In drop the monotonic reading? No: Go keeps it (only
 * Round(0), Truncate and the like strip it). */
static int t_utc(Thread *t, Value *a, int n, Value *r)
{
    CspTime *ct = self(a);
    r[0] = time_make(ct->sec, ct->nsec, ct->mono, &loc_utc);
    return 1;
}

static int t_local(Thread *t, Value *a, int n, Value *r)
{
    CspTime *ct = self(a);
    r[0] = time_make(ct->sec, ct->nsec, ct->mono, &loc_local);
    return 1;
}

static int t_in(Thread *t, Value *a, int n, Value *r)
{
    const CspLoc *l = loc_of(a[1]);
    if (!l)
        return a[1] == V_NIL
                   ? vm_panic_msg(t, "time: missing Location in call to Time.In")
                   : vm_panicf(t, E_ARG_TYPE, "time.Time.In", 1, "a *time.Location", v_type_name(a[1]));
    CspTime *ct = self(a);
    r[0] = time_make(ct->sec, ct->nsec, ct->mono, l);
    return 1;
}

/* Truncate and Round work on the time since the zero Time, as Go's do,
 * and drop the monotonic reading. */
static __int128 since_zero(const CspTime *ct)
{
    return ((__int128)ct->sec - ZERO_SEC) * NS_PER_SEC + ct->nsec;
}

static Value from_zero(const CspTime *ct, __int128 ns)
{
    __int128 s = ns / NS_PER_SEC;
    return time_make((int64_t)s + ZERO_SEC, (int64_t)(ns - s * NS_PER_SEC), 0, ct->loc);
}

static int t_truncate(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!int_arg(t, "time.Time.Truncate", a, 1, &d))
        return -1;
    CspTime *ct = self(a);
    __int128 z = since_zero(ct);
    r[0] = from_zero(ct, d <= 0 ? z : z - z % d);
    return 1;
}

static int t_round(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!int_arg(t, "time.Time.Round", a, 1, &d))
        return -1;
    CspTime *ct = self(a);
    __int128 z = since_zero(ct);
    if (d <= 0) {
        r[0] = from_zero(ct, z);
        return 1;
    }
    __int128 rem = z % d;
    r[0] = from_zero(ct, rem + rem < d ? z - rem : z + (d - rem));
    return 1;
}

static Value time_date(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s, int64_t ns,
                       const CspLoc *l);

static int t_adddate(Thread *t, Value *a, int n, Value *r)
{
    int64_t dy, dm, dd;
    if (!int_arg(t, "time.Time.AddDate", a, 1, &dy) || !int_arg(t, "time.Time.AddDate", a, 2, &dm) ||
        !int_arg(t, "time.Time.AddDate", a, 3, &dd))
        return -1;
    Civil c;
    civil_of(self(a), &c);
    r[0] = time_date(c.year + dy, c.month + dm, c.day + dd, c.hour, c.min, c.sec, c.nsec, self(a)->loc);
    return 1;
}

static const MethodDef time_methods[] = {
    {"Add", t_add, 1, 1},
    {"Sub", t_sub, 1, 1},
    {"Before", t_before, 1, 1},
    {"After", t_after, 1, 1},
    {"Equal", t_equal, 1, 1},
    {"Compare", t_compare, 1, 1},
    {"IsZero", t_iszero, 0, 0},
    {"Unix", t_unix, 0, 0},
    {"UnixNano", t_unixnano, 0, 0},
    {"UnixMilli", t_unixmilli, 0, 0},
    {"UnixMicro", t_unixmicro, 0, 0},
    {"Format", t_format, 1, 1},
    {"String", t_string, 0, 0},
    {"Year", t_year, 0, 0},
    {"Month", t_month, 0, 0},
    {"Day", t_day, 0, 0},
    {"Hour", t_hour, 0, 0},
    {"Minute", t_minute, 0, 0},
    {"Second", t_second, 0, 0},
    {"Nanosecond", t_nanosecond, 0, 0},
    {"Weekday", t_weekday, 0, 0},
    {"YearDay", t_yearday, 0, 0},
    {"Date", t_date, 0, 0},
    {"Clock", t_clock, 0, 0},
    {"Zone", t_zone, 0, 0},
    {"Location", t_location, 0, 0},
    {"UTC", t_utc, 0, 0},
    {"Local", t_local, 0, 0},
    {"In", t_in, 1, 1},
    {"Truncate", t_truncate, 1, 1},
    {"Round", t_round, 1, 1},
    {"AddDate", t_adddate, 3, 3},
    {NULL, NULL, 0, 0},
};
/* Go's == on Times compares their fields: the instant, the monotonic
 * reading and the location (so two readings of Now() differ, and one
 * instant in two locations too, as Go's Equal does not). */
static bool time_eq(const void *a, const void *b)
{
    const CspTime *x = a, *y = b;
    return x->sec == y->sec && x->nsec == y->nsec && x->mono == y->mono && x->loc == y->loc;
}

static uint64_t time_hash(const void *p)
{
    const CspTime *ct = p;
    uint64_t h = (uint64_t)ct->sec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ct->nsec;
    return h ^ (h >> 29);
}

static const ObjClass time_class = {
    .name = "time.Time", .methods = time_methods, .get_field = NULL, .equal = time_eq, .hash = time_hash};

/* time.Date: every field may be out of its range and carries into the
 * next, as Go normalises; the wall time is taken in l (for Local, the
 * offset in effect then). */
static Value time_date(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s, int64_t ns,
                       const CspLoc *l)
{
    int64_t m0 = mo - 1;
    y += floor_div(m0, 12);
    m0 -= floor_div(m0, 12) * 12;
    int64_t secs = (days_from_civil(y, m0 + 1, 1) + d - 1) * SECS_PER_DAY + h * 3600 + mi * 60 + s;
    secs += floor_div(ns, NS_PER_SEC);
    ns -= floor_div(ns, NS_PER_SEC) * NS_PER_SEC;
    int32_t off;
    char zone[32];
    zone_at(l, secs, &off, zone, sizeof zone);
    /* the offset at the guessed instant may differ across a change of
     * zone offset: look again at the corrected instant, as Go does */
    int32_t off2;
    zone_at(l, secs - off, &off2, zone, sizeof zone);
    return time_make(secs - off2, ns, 0, l);
}

/* ---- functions --------------------------------------------------------- */

static int f_sleep(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!int_arg(t, "time.Sleep", a, 0, &d))
        return -1;
    sched_sleep(d);
    return 0;
}

static int f_now(Thread *t, Value *a, int n, Value *r)
{
    r[0] = time_now();
    return 1;
}

static int f_since(Thread *t, Value *a, int n, Value *r)
{
    CspTime *x;
    if (!time_arg(t, "time.Since", a, 0, &x))
        return -1;
    r[0] = dur_value(sat_sub(time_of(time_now()), x));
    return 1;
}

static int f_until(Thread *t, Value *a, int n, Value *r)
{
    CspTime *x;
    if (!time_arg(t, "time.Until", a, 0, &x))
        return -1;
    r[0] = dur_value(sat_sub(x, time_of(time_now())));
    return 1;
}

static int f_unix(Thread *t, Value *a, int n, Value *r)
{
    int64_t s, ns;
    if (!int_arg(t, "time.Unix", a, 0, &s) || !int_arg(t, "time.Unix", a, 1, &ns))
        return -1;
    r[0] = time_make(s, ns, 0, &loc_local);
    return 1;
}

static int f_unixmilli(Thread *t, Value *a, int n, Value *r)
{
    int64_t ms;
    if (!int_arg(t, "time.UnixMilli", a, 0, &ms))
        return -1;
    r[0] = time_make(floor_div(ms, 1000), (ms - floor_div(ms, 1000) * 1000) * 1000000, 0, &loc_local);
    return 1;
}

static int f_unixmicro(Thread *t, Value *a, int n, Value *r)
{
    int64_t us;
    if (!int_arg(t, "time.UnixMicro", a, 0, &us))
        return -1;
    r[0] = time_make(floor_div(us, 1000000), (us - floor_div(us, 1000000) * 1000000) * 1000, 0, &loc_local);
    return 1;
}

static int f_date(Thread *t, Value *a, int n, Value *r)
{
    int64_t f[7];
    for (int i = 0; i < 7; i++)
        if (!int_arg(t, "time.Date", a, i, &f[i]))
            return -1;
    const CspLoc *l = loc_of(a[7]);
    if (!l)
        return a[7] == V_NIL
                   ? vm_panic_msg(t, "time: missing Location in call to Date")
                   : vm_panicf(t, E_ARG_TYPE, "time.Date", 8, "a *time.Location", v_type_name(a[7]));
    r[0] = time_date(f[0], f[1], f[2], f[3], f[4], f[5], f[6], l);
    return 1;
}

static int f_parse(Thread *t, Value *a, int n, Value *r)
{
    ObjString *lay, *v;
    if (!vm_check_str(t, "time.Parse", a, 0, &lay) || !vm_check_str(t, "time.Parse", a, 1, &v))
        return -1;
    Value res = time_parse(lay->data, lay->len, v->data, v->len, &loc_utc);
    if (is_time(res)) {
        r[0] = res;
        r[1] = V_NIL;
    } else {
        r[0] = time_make(ZERO_SEC, 0, 0, &loc_utc);
        r[1] = res;
    }
    return 2;
}

static int f_parse_in_location(Thread *t, Value *a, int n, Value *r)
{
    ObjString *lay, *v;
    if (!vm_check_str(t, "time.ParseInLocation", a, 0, &lay) ||
        !vm_check_str(t, "time.ParseInLocation", a, 1, &v))
        return -1;
    const CspLoc *l = loc_of(a[2]);
    if (!l)
        return vm_panicf(t, E_ARG_TYPE, "time.ParseInLocation", 3, "a *time.Location", v_type_name(a[2]));
    Value res = time_parse(lay->data, lay->len, v->data, v->len, l);
    if (is_time(res) && l->kind != LOC_UTC && time_of(res)->loc == l) {
        /* the wall time was read in l: make it that instant */
        CspTime *ct = time_of(res);
        Civil c;
        CspTime utc = {ct->sec, ct->nsec, 0, &loc_utc};
        civil_of(&utc, &c);
        res = time_date(c.year, c.month, c.day, c.hour, c.min, c.sec, c.nsec, l);
    }
    if (is_time(res)) {
        r[0] = res;
        r[1] = V_NIL;
    } else {
        r[0] = time_make(ZERO_SEC, 0, 0, &loc_utc);
        r[1] = res;
    }
    return 2;
}

/* Go's ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ with the units ns,
 * us (µs, μs), ms, s, m, h; fractions are exact to the nanosecond. The
 * duration in *out, and nil or Go's error value. */
static Value parse_duration(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    const char *q = qstr(s, len);
    *out = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (len - i == 1 && s[i] == '0')
        return V_NIL;
    if (i == len)
        return stdlib_error(E_TIME_BAD_DURATION, q);
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {{"ns", 1},       {"us", 1000},      {"\xc2\xb5s", 1000},    {"\xce\xbcs", 1000},
                 {"ms", 1000000}, {"s", NS_PER_SEC}, {"m", 60 * NS_PER_SEC}, {"h", 3600 * NS_PER_SEC}};
    uint64_t total = 0;
    while (i < len) {
        uint64_t whole = 0, frac = 0, scale = 1;
        bool overflow = false;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (whole > (UINT64_MAX - 9) / 10)
                overflow = true;
            whole = whole * 10 + (uint64_t)(s[i] - '0');
            i++;
        }
        bool pre = i > start, post = false;
        if (i < len && s[i] == '.') {
            i++;
            size_t fs = i;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                if (scale < (uint64_t)1e18) { /* digits past that cannot matter */
                    frac = frac * 10 + (uint64_t)(s[i] - '0');
                    scale *= 10;
                }
                i++;
            }
            post = i > fs;
        }
        if ((!pre && !post) || overflow)
            return stdlib_error(E_TIME_BAD_DURATION, q);
        size_t us = i;
        while (i < len && s[i] != '.' && !(s[i] >= '0' && s[i] <= '9'))
            i++;
        if (us == i)
            return stdlib_error(E_TIME_MISSING_UNIT, q);
        uint64_t unit = 0;
        for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
            if (strlen(units[k].name) == i - us && memcmp(units[k].name, s + us, i - us) == 0)
                unit = units[k].ns;
        if (!unit)
            return stdlib_error(E_TIME_UNKNOWN_UNIT, qstr(s + us, i - us), q);
        if (whole > (uint64_t)INT64_MAX / unit)
            return stdlib_error(E_TIME_BAD_DURATION, q);
        uint64_t v = whole * unit;
        if (frac)
            v += (uint64_t)((long double)frac * (long double)unit / (long double)scale);
        total += v;
        if (v > (uint64_t)INT64_MAX || total > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
            return stdlib_error(E_TIME_BAD_DURATION, q);
    }
    *out = neg ? (int64_t)(0 - total) : (int64_t)total;
    return V_NIL;
}

static int f_parse_duration(Thread *t, Value *a, int n, Value *r)
{
    ObjString *str;
    if (!vm_check_str(t, "time.ParseDuration", a, 0, &str))
        return -1;
    int64_t d;
    r[1] = parse_duration(str->data, str->len, &d);
    r[0] = dur_value(d);
    return 2;
}

/* A channel timer: Timer and Ticker objects, and After/Tick. The timer's
 * when and period change only through timer_reset (sched.h's locking). */
typedef struct ChanTimer {
    Timer tm;
    ObjChan *c;
    bool ticker; /* set at creation: Reset keeps it periodic */
    Value fn;    /* AfterFunc's function, else V_UNDEF; set at creation */
    /* The race detector's snapshot of the goroutine that started (or
     * reset) an AfterFunc timer: what it did is ordered before f runs. */
    RaceClock *race;
} ChanTimer;

static void chan_timer_fire(void *arg, int64_t now)
{
    ChanTimer *ct = arg;
    if (ct->fn != V_UNDEF)
        sched_go_after(__atomic_load_n(&ct->race, __ATOMIC_ACQUIRE), ct->fn, NULL,
                       0); /* AfterFunc: f runs in its own goroutine */
    else
        chan_try_send(ct->c, time_make_mono(now));
}

static ChanTimer *chan_timer_new(int64_t d, int64_t period)
{
    ChanTimer *ct = mem_alloc(sizeof *ct);
    ct->c = chan_new(1);
    ct->fn = V_UNDEF;
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
    if (!int_arg(t, "time.After", a, 0, &d))
        return -1;
    ChanTimer *ct = chan_timer_new(d, 0);
    timer_start(&ct->tm);
    r[0] = v_from_ptr(ct->c);
    return 1;
}

static int f_tick(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!int_arg(t, "time.Tick", a, 0, &d))
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
    ChanTimer *ct = ((ObjObject *)v_ptr(self))->payload;
    if (name->len == 1 && name->data[0] == 'C')
        return ct->fn != V_UNDEF ? V_NIL : v_from_ptr(ct->c); /* an AfterFunc timer has no channel */
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
    if (!int_arg(t, "Reset", a, 1, &d))
        return -1;
    ChanTimer *ct = ((ObjObject *)v_ptr(a[0]))->payload;
    if (ct->ticker && d <= 0) /* as Go: before touching the ticker */
        return vm_panic_msg(t, "non-positive interval for Ticker.Reset");
    if (RACE_ON() && ct->fn != V_UNDEF) /* the monitor reads it when f starts */
        __atomic_store_n(&ct->race, race_snapshot(t), __ATOMIC_RELEASE);
    r[0] = v_bool(timer_reset(&ct->tm, timer_when(d), ct->ticker ? d : 0));
    return 1;
}

static const MethodDef ct_methods[] = {
    {"Stop", ct_stop, 0, 0}, {"Reset", ct_reset, 1, 1}, {NULL, NULL, 0, 0}};
static const ObjClass timer_class = {.name = "time.Timer", .methods = ct_methods, .get_field = ct_field};
static const ObjClass ticker_class = {.name = "time.Ticker", .methods = ct_methods, .get_field = ct_field};

static int f_newtimer(Thread *t, Value *a, int n, Value *r)
{
    int64_t d = 0;
    if (n > 0 && !int_arg(t, "time.NewTimer", a, 0, &d))
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
    if (n > 0 && !int_arg(t, "time.NewTicker", a, 0, &d))
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
    if (v_is_anyint(v_unnamed(a[0]))) {
        r[0] = dur_value(v_anyint(v_unnamed(a[0])));
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
    r[0] = dur_value((int64_t)d);
    return 1;
}

static int f_afterfunc(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!int_arg(t, "time.AfterFunc", a, 0, &d))
        return -1;
    if (!v_is_obj(a[1], OBJ_CLOSURE) && !v_is_obj(a[1], OBJ_NATIVE) && !v_is_obj(a[1], OBJ_BOUND))
        return vm_panicf(t, E_ARG_TYPE, "time.AfterFunc", 2, "a func", v_type_name(a[1]));
    ChanTimer *ct = chan_timer_new(d, 0);
    ct->fn = a[1];
    if (RACE_ON())
        ct->race = race_snapshot(t);
    timer_start(&ct->tm);
    r[0] = v_from_ptr(object_new(&timer_class, ct));
    return 1;
}

/* time.Month(3), time.Weekday(0): conversions to the declared types. */
static int f_month(Thread *t, Value *a, int n, Value *r)
{
    int64_t m;
    if (!int_arg(t, "time.Month", a, 0, &m))
        return -1;
    r[0] = named_new(month_type, v_make_int(m));
    return 1;
}

static int f_weekday(Thread *t, Value *a, int n, Value *r)
{
    int64_t d;
    if (!int_arg(t, "time.Weekday", a, 0, &d))
        return -1;
    r[0] = named_new(weekday_type, v_make_int(d));
    return 1;
}

/* `var t time.Time`: the zero Time. */
static int f_time(Thread *t, Value *a, int n, Value *r)
{
    r[0] = time_make(ZERO_SEC, 0, 0, &loc_utc);
    return 1;
}

static int f_fixed_zone(Thread *t, Value *a, int n, Value *r)
{
    ObjString *name;
    int64_t off;
    if (!vm_check_str(t, "time.FixedZone", a, 0, &name) || !int_arg(t, "time.FixedZone", a, 1, &off))
        return -1;
    CspLoc *l = mem_alloc(sizeof *l);
    *l = (CspLoc){LOC_FIXED, (int32_t)off, name->data};
    r[0] = v_from_ptr(object_new(&loc_class, l));
    return 1;
}

static const ModuleFn time_fns[] = {
    {"Duration", f_duration, 1, 1, NULL},
    {"Month", f_month, 1, 1, NULL},
    {"Weekday", f_weekday, 1, 1, NULL},
    {"Time", f_time, 0, 0, NULL},
    {"Sleep", f_sleep, 1, 1, "func(time.Duration)"},
    {"Now", f_now, 0, 0, "func() time.Time"},
    {"Since", f_since, 1, 1, "func(time.Time) time.Duration"},
    {"Until", f_until, 1, 1, "func(time.Time) time.Duration"},
    {"Unix", f_unix, 2, 2, "func(int64, int64) time.Time"},
    {"UnixMilli", f_unixmilli, 1, 1, "func(int64) time.Time"},
    {"UnixMicro", f_unixmicro, 1, 1, "func(int64) time.Time"},
    {"Date", f_date, 8, 8, "func(int, time.Month, int, int, int, int, int, *time.Location) time.Time"},
    {"Parse", f_parse, 2, 2, "func(string, string) (time.Time, error)"},
    {"ParseInLocation", f_parse_in_location, 3, 3, "func(string, string, *time.Location) (time.Time, error)"},
    {"ParseDuration", f_parse_duration, 1, 1, "func(string) (time.Duration, error)"},
    {"FixedZone", f_fixed_zone, 2, 2, "func(string, int) *time.Location"},
    {"After", f_after, 1, 1, "func(time.Duration) <-chan time.Time"},
    {"Tick", f_tick, 1, 1, "func(time.Duration) <-chan time.Time"},
    {"NewTimer", f_newtimer, 1, 1, "func(time.Duration) *time.Timer"},
    {"NewTicker", f_newticker, 1, 1, "func(time.Duration) *time.Ticker"},
    {"AfterFunc", f_afterfunc, 2, 2, "func(time.Duration, func()) *time.Timer"},
    {"Timer", f_newtimer, 0, 1, NULL},
    {"Ticker", f_newticker, 0, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

static const struct {
    const char *name, *layout;
} layouts[] = {
    {"Layout", "01/02 03:04:05PM '06 -0700"},
    {"ANSIC", "Mon Jan _2 15:04:05 2006"},
    {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
    {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
    {"RFC822", "02 Jan 06 15:04 MST"},
    {"RFC822Z", "02 Jan 06 15:04 -0700"},
    {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
    {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
    {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
    {"RFC3339", "2006-01-02T15:04:05Z07:00"},
    {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
    {"Kitchen", "3:04PM"},
    {"Stamp", "Jan _2 15:04:05"},
    {"StampMilli", "Jan _2 15:04:05.000"},
    {"StampMicro", "Jan _2 15:04:05.000000"},
    {"StampNano", "Jan _2 15:04:05.000000000"},
    {"DateTime", "2006-01-02 15:04:05"},
    {"DateOnly", "2006-01-02"},
    {"TimeOnly", "15:04:05"},
};

/* A declared int type of the module with native methods. */
static ObjType *int_type(const char *qualified, const ModuleFn *methods)
{
    ObjType *ty = types_new_named(qualified);
    types_define(ty, types_parse("int64", 5));
    for (; methods->name; methods++) {
        ObjNative *f = native_new(methods->name, methods->fn, methods->min_args + 1, methods->max_args + 1);
        f->h.flags = NATIVE_METHOD; /* args[0] is the receiver */
        types_add_method(ty, str_cstr(methods->name), v_from_ptr(f), false, methods->sig);
    }
    types_register_type(ty);
    return ty;
}

static void time_open(ObjModule *m)
{
    static const ModuleFn duration_methods[] = {
        {"String", d_string, 0, 0, "() string"},
        {"Nanoseconds", d_nanoseconds, 0, 0, "() int64"},
        {"Microseconds", d_microseconds, 0, 0, "() int64"},
        {"Milliseconds", d_milliseconds, 0, 0, "() int64"},
        {"Seconds", d_seconds, 0, 0, "() float64"},
        {"Minutes", d_minutes, 0, 0, "() float64"},
        {"Hours", d_hours, 0, 0, "() float64"},
        {"Truncate", d_truncate, 1, 1, "(time.Duration) time.Duration"},
        {"Round", d_round, 1, 1, "(time.Duration) time.Duration"},
        {"Abs", d_abs, 0, 0, "() time.Duration"},
        {NULL, NULL, 0, 0, NULL},
    };
    static const ModuleFn month_methods[] = {{"String", month_string, 0, 0, "() string"},
                                             {NULL, NULL, 0, 0, NULL}};
    static const ModuleFn weekday_methods[] = {{"String", weekday_string, 0, 0, "() string"},
                                               {NULL, NULL, 0, 0, NULL}};
    duration_type = int_type("time.Duration", duration_methods);
    month_type = int_type("time.Month", month_methods);
    weekday_type = int_type("time.Weekday", weekday_methods);
    utc_value = v_from_ptr(object_new(&loc_class, (void *)&loc_utc));
    local_value = v_from_ptr(object_new(&loc_class, (void *)&loc_local));

    module_add_fns(m, time_fns);
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = {{"Nanosecond", 1},      {"Microsecond", 1000},       {"Millisecond", 1000000},
                 {"Second", NS_PER_SEC}, {"Minute", 60 * NS_PER_SEC}, {"Hour", 3600 * NS_PER_SEC}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        module_add(m, units[i].name, dur_value(units[i].ns));
    for (int i = 0; i < 12; i++)
        module_add(m, month_names[i], named_new(month_type, v_make_int(i + 1)));
    for (int i = 0; i < 7; i++)
        module_add(m, day_names[i], named_new(weekday_type, v_make_int(i)));
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        module_add(m, layouts[i].name, v_cstr(layouts[i].layout));
    module_add(m, "UTC", utc_value);
    module_add(m, "Local", local_value);
    module_add_type(m, "Timer", TYPE_OBJECT);
    module_add_type(m, "Ticker", TYPE_OBJECT);
    module_add_type(m, "Time", TYPE_OBJECT);
}

const ModuleDef csp_module_time = {"time", time_open};
