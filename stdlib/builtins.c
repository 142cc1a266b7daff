/* builtins.c — the predeclared functions (the list is builtins.def).
 *
 * Semantics are Go's minus static types, with LANGUAGE.md's additions:
 * str(v) is fmt.Sprint(v); string(r) is a one-rune string; int() and
 * float() also parse strings; append works in place and returns its list;
 * make() receives its type as the source text the compiler saw
 * ("[]int", "map[string]int", "chan int").
 */
#include "stdlib.h"

#include <math.h>
#include <string.h>

#include "../vm/chan.h"
#include "../vm/format.h"
#include "../vm/mem.h"
#include "../vm/race.h"
#include "../vm/types.h"
#include "../vm/utf8.h"

/* A short text of v for error messages: strings quoted, long ones cut. */
static const char *repr(Value v)
{
    Buf b;
    buf_init(&b);
    if (v_is_str(v))
        format_quote(&b, v_str(v)->data, v_str(v)->len > 40 ? 40 : v_str(v)->len, false);
    else
        format_value(&b, v);
    if (b.len > 48) {
        b.len = 45;
        while (b.len > 0 && (b.data[b.len] & 0xC0) == 0x80)
            b.len--; /* cut at a rune boundary */
        buf_adds(&b, "...");
    }
    return b.data;
}

/* ====================================================================== */
/* output                                                                  */
/* ====================================================================== */

static int bi_print(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (fmt_print(t, &b, args, nargs) < 0)
        return -1;
    rt_write_out(t->rt, b.data, b.len); /* one write per call */
    return 0;
}

static int bi_println(Thread *t, Value *args, int nargs, Value *rets)
{
    Buf b;
    buf_init(&b);
    if (fmt_println(t, &b, args, nargs) < 0)
        return -1;
    rt_write_out(t->rt, b.data, b.len);
    return 0;
}

/* ====================================================================== */
/* lists and maps                                                          */
/* ====================================================================== */

/* A list's length, never past the storage a racing writer left. */
static size_t list_len(ObjList *l)
{
    ListStore *st = __atomic_load_n(&l->store, __ATOMIC_ACQUIRE);
    size_t n = LIST_GET(l, len), off = LIST_GET(l, off);
    size_t room = st && off < st->cap ? st->cap - off : 0;
    return n < room ? n : room;
}

/* len and cap of a pointer to an array are the array's, as in Go. */
static Value deref_array(Value v)
{
    if (v_is_ref(v) && ((Obj *)v_ref_target(v))->kind == OBJ_ARRAY)
        return v_from_ptr(v_ref_target(v));
    return v;
}

static int bi_len(Thread *t, Value *args, int nargs, Value *rets)
{
    Value v = deref_array(args[0]);
    int64_t n;
    if (v_is_nil(v))
        n = 0;
    else if (v_is_str(v))
        n = (int64_t)v_str(v)->len;
    else if (v_is_obj(v, OBJ_LIST))
        n = (int64_t)list_len(v_list(v));
    else if (v_is_obj(v, OBJ_ARRAY))
        n = (int64_t)((ObjArray *)v_ptr(v))->st.cap;
    else if (v_is_obj(v, OBJ_MAP))
        n = v_map(v)->len;
    else if (v_is_obj(v, OBJ_CHAN))
        n = (int64_t)v_chan(v)->count; /* racy read, as Go's len(ch) */
    else
        return vm_panicf(t, E_BUILTIN_ARG, repr(v), v_type_name(v), "len");
    rets[0] = v_int_small(n);
    return 1;
}

static int bi_cap(Thread *t, Value *args, int nargs, Value *rets)
{
    Value v = deref_array(args[0]);
    int64_t n;
    if (v_is_nil(v)) {
        n = 0;
    } else if (v_is_obj(v, OBJ_LIST)) {
        n = (int64_t)LIST_GET(v_list(v), cap);
    } else if (v_is_obj(v, OBJ_ARRAY)) {
        n = (int64_t)((ObjArray *)v_ptr(v))->st.cap;
    } else if (v_is_obj(v, OBJ_CHAN)) {
        n = (int64_t)v_chan(v)->cap;
    } else {
        return vm_panicf(t, E_BUILTIN_ARG, repr(v), v_type_name(v), "cap");
    }
    rets[0] = v_int_small(n);
    return 1;
}

static int bi_append(Thread *t, Value *args, int nargs, Value *rets)
{
    /* Go's append: a new header, on xs's array while its capacity lasts
     * (xs's own length unchanged), else on a grown copy. With nothing to
     * append it is xs itself, now held by a second place. */
    Value xs = args[0];
    if (!v_is_nil(xs) && !v_is_obj(xs, OBJ_LIST))
        return vm_panicf(t, E_APPEND_NOT_LIST, v_type_name(xs));
    if (nargs == 1) {
        rets[0] = v_copy(xs);
        return 1;
    }
    ObjList *l = v_is_nil(xs) ? NULL : v_list(xs);
    /* the values are stored into the slice: structs and arrays copied */
    for (int i = 1; i < nargs; i++)
        args[i] = v_copy_fast(args[i]);
    rets[0] = v_from_ptr(list_appended(l, args + 1, (size_t)nargs - 1));
    return 1;
}

static int bi_delete(Thread *t, Value *args, int nargs, Value *rets)
{
    Value m = args[0];
    if (v_is_nil(m))
        return 0; /* deleting from a nil map is a no-op, as in Go */
    if (!v_is_obj(m, OBJ_MAP))
        return vm_panicf(t, E_BUILTIN_ARG, repr(m), v_type_name(m), "delete");
    if (RACE_ON())
        race_map_write(t, v_ptr(m), race_caller_site(t), args[1]);
    switch (map_delete(v_map(m), args[1])) {
    case MAP_OK:
    case MAP_NIL:
    case MAP_BADVALUE:
        return 0;
    case MAP_BADKEY:
        return vm_panicf(t, E_BAD_MAP_KEY, v_type_name(args[1]));
    case MAP_CONCURRENT:
        vm_fatal_error(t, "concurrent map writes");
    }
    return 0;
}

/* The zero value of the type of e, an element of a slice clear is
 * zeroing: a struct's or array's zero of its own type, else the zero of
 * its kind (0, 0.0, "", false; nil for the rest). */
static int zero_like(Thread *t, Value e, Value *out)
{
    if (v_is_obj(e, OBJ_STRUCT))
        return types_zero(t, ((ObjStruct *)v_ptr(e))->type, out);
    if (v_is_obj(e, OBJ_ARRAY))
        return types_zero(t, ((ObjArray *)v_ptr(e))->type, out);
    *out = v_is_anyint(e)     ? v_int_small(0)
           : v_is_anyfloat(e) ? v_make_float(0.0)
           : v_is_str(e)      ? v_from_ptr(str_new("", 0))
           : v_is_bool(e)     ? V_FALSE
                              : V_NIL;
    return 0;
}

/* clear(m) deletes every entry; clear(s) sets every element of s to its
 * zero value, in place (its length stays). */
static int bi_clear(Thread *t, Value *args, int nargs, Value *rets)
{
    Value v = args[0];
    if (v_is_nil(v))
        return 0;
    if (v_is_obj(v, OBJ_MAP)) {
        if (RACE_ON())
            race_map_write(t, v_ptr(v), race_caller_site(t), V_NIL);
        if (map_clear(v_map(v)) == MAP_CONCURRENT)
            vm_fatal_error(t, "concurrent map writes");
        return 0;
    }
    if (!v_is_obj(v, OBJ_LIST))
        return vm_panicf(t, E_BUILTIN_ARG, repr(v), v_type_name(v), "clear");
    ObjList *l = v_list(v);
    Value e, zero;
    if (RACE_ON())
        race_list(t, l, 0, list_len(l), true, race_caller_site(t));
    for (size_t i = 0; i < list_len(l) && list_get(l, (int64_t)i, &e); i++) {
        if (zero_like(t, e, &zero) < 0)
            return -1;
        list_set(l, (int64_t)i, zero);
    }
    return 0;
}

static int bi_copy(Thread *t, Value *args, int nargs, Value *rets)
{
    Value dst = args[0], src = v_unnamed(args[1]); /* copy(b, s) of a declared string type */
    if (!v_is_obj(dst, OBJ_LIST) && !v_is_nil(dst))
        return vm_panicf(t, E_BUILTIN_ARG, repr(dst), v_type_name(dst), "copy");
    size_t dn = v_is_nil(dst) ? 0 : list_len(v_list(dst));
    size_t n;
    if (v_is_str(src)) {
        /* copy(bytes, "string"): the string's bytes as ints. */
        ObjString *s = v_str(src);
        n = s->len < dn ? s->len : dn;
        if (RACE_ON())
            race_list(t, v_list(dst), 0, n, true, race_caller_site(t));
        for (size_t i = 0; i < n; i++)
            list_set(v_list(dst), (int64_t)i, v_int_small((unsigned char)s->data[i]));
    } else if (v_is_obj(src, OBJ_LIST) || v_is_nil(src)) {
        size_t sn = v_is_nil(src) ? 0 : list_len(v_list(src));
        n = sn < dn ? sn : dn;
        if (RACE_ON() && n) {
            uint32_t site = race_caller_site(t);
            race_list(t, v_list(src), 0, n, false, site);
            race_list(t, v_list(dst), 0, n, true, site);
        }
        if (n && dst != src) {
            /* Overlapping slices of one array copy as memmove does: read
             * everything first (Go's copy is a memmove). */
            Value *tmp = mem_alloc(n * sizeof(Value));
            size_t got = 0;
            while (got < n && list_get(v_list(src), (int64_t)got, &tmp[got]))
                got++;
            for (size_t i = 0; i < got; i++)
                list_set(v_list(dst), (int64_t)i, v_copy(tmp[i]));
        }
    } else {
        return vm_panicf(t, E_BUILTIN_ARG, repr(src), v_type_name(src), "copy");
    }
    rets[0] = v_int_small((int64_t)n);
    return 1;
}

/* A length or capacity: an int (or an integral float), not negative, and
 * small enough that that many values fit in the largest block there can be
 * (mem.h's MEM_MAX, where Go's makeslice and makechan draw the line), else
 * the panic `code`. A size below the line that the heap cannot hold is
 * "out of memory" later, as in Go. `bounded` false: any size (a map's
 * hint, which map_new ignores when no map could be that big). */
static bool size_arg(Thread *t, Value v, int64_t *out, ErrCode code, const char *fname, bool bounded)
{
    if (v_is_anyint(v)) {
        *out = v_anyint(v);
    } else if (v_is_anyfloat(v) && v_anyfloat(v) == trunc(v_anyfloat(v)) && fabs(v_anyfloat(v)) < 1e18) {
        *out = (int64_t)v_anyfloat(v); /* make([]int, 10.0): an integral float */
    } else {
        vm_panicf(t, E_BUILTIN_ARG, repr(v), v_type_name(v), fname);
        return false;
    }
    if (*out < 0 || (bounded && !mem_fits((size_t)*out, sizeof(Value), 0))) {
        vm_panicf(t, code);
        return false;
    }
    return true;
}

/* ====================================================================== */
/* channels (vm/chan.c does the work)                                      */
/* ====================================================================== */

/* chan() is unbuffered, chan(n) buffered with capacity n. */
static int bi_chan(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t cap = 0;
    if (nargs > 0 && !size_arg(t, args[0], &cap, E_MAKECHAN_SIZE, "chan", true))
        return -1;
    rets[0] = v_from_ptr(chan_new((size_t)cap));
    return 1;
}

static int bi_close(Thread *t, Value *args, int nargs, Value *rets)
{
    Value c = args[0];
    if (v_is_nil(c))
        return chan_close(t, NULL); /* panics: close of nil channel */
    if (!v_is_obj(c, OBJ_CHAN))
        return vm_panicf(t, E_BUILTIN_ARG, repr(c), v_type_name(c), "close");
    return chan_close(t, v_chan(c)) < 0 ? -1 : 0;
}

/* ====================================================================== */
/* panics                                                                  */
/* ====================================================================== */

static int bi_panic(Thread *t, Value *args, int nargs, Value *rets)
{
    return vm_panic(t, args[0]);
}

static int bi_recover(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = vm_recover(t);
    return 1;
}

/* ====================================================================== */
/* types and conversions                                                   */
/* ====================================================================== */

/* type() names as strings, made once: type(x) == "int" in a loop should
 * not allocate. Read-only after builtins_init. */
static const char *const type_names[] = {"nil",  "bool", "int",  "float", "string",
                                         "list", "map",  "func", "chan",  "error"};
static Value type_strs[sizeof type_names / sizeof type_names[0]];

static int bi_type(Thread *t, Value *args, int nargs, Value *rets)
{
    const char *name = v_type_name(args[0]);
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
        if (type_strs[i] && strcmp(name, type_names[i]) == 0) {
            rets[0] = type_strs[i];
            return 1;
        }
    }
    rets[0] = v_cstr(name);
    return 1;
}

static int bi_str(Thread *t, Value *args, int nargs, Value *rets)
{
    if (format_may_call(args[0])) {
        Buf b; /* a String() method needs the thread */
        buf_init(&b);
        if (fmt_print(t, &b, args, 1) < 0)
            return -1;
        rets[0] = v_from_ptr(buf_to_str(&b));
        return 1;
    }
    rets[0] = v_from_ptr(format_value_str(args[0]));
    return 1;
}

/* string(list): Go's string([]byte) or string([]rune). A list is read as
 * bytes when every element is 0..255 and the bytes are valid UTF-8, as
 * runes otherwise ([]rune("é") is [233], which is not UTF-8 as a byte). */
static int string_of_list(Thread *t, ObjList *l, Value *rets)
{
    size_t n = list_len(l);
    Buf bytes;
    buf_init(&bytes);
    buf_reserve(&bytes, n);
    bool as_bytes = true;
    Value e;
    for (size_t i = 0; i < n && list_get(l, (int64_t)i, &e); i++) {
        if (!v_is_anyint(e))
            return vm_panicf(t, E_CONVERT, repr(v_from_ptr(l)), "list", "string");
        int64_t c = v_anyint(e);
        if (c < 0 || c > 255)
            as_bytes = false;
        buf_addc(&bytes, (char)c);
    }
    /* A list that knows it is a []byte keeps its bytes as they are, valid
     * UTF-8 or not, as Go's string([]byte) does; a []rune encodes. */
    const ObjType *lt = format_value_type(v_from_ptr(l));
    bool typed = as_bytes && lt && lt->kind == TYPE_SLICE && lt->elem && lt->elem->kind == TYPE_INT;
    if (typed && lt->elem->bits != 8)
        as_bytes = false;
    if (as_bytes && !typed) {
        for (size_t i = 0; i < bytes.len;) {
            int32_t r;
            int w = utf8_decode(bytes.data + i, bytes.len - i, &r);
            if (r == UTF8_ERROR && w == 1) {
                as_bytes = false;
                break;
            }
            i += (size_t)w;
        }
    }
    if (as_bytes) {
        rets[0] = v_from_ptr(buf_to_str(&bytes));
        return 1;
    }
    Buf b;
    buf_init(&b);
    for (size_t i = 0; i < n && list_get(l, (int64_t)i, &e); i++) {
        char enc[4];
        buf_add(&b, enc, (size_t)utf8_encode(enc, v_is_anyint(e) ? v_anyint(e) : UTF8_ERROR));
    }
    rets[0] = v_from_ptr(buf_to_str(&b));
    return 1;
}

static int bi_string(Thread *t, Value *args, int nargs, Value *rets)
{
    Value v = v_unnamed(args[0]); /* string(c) of a declared string type */
    if (v_is_str(v)) {
        rets[0] = v;
        return 1;
    }
    if (v_is_anyint(v)) {
        char enc[4];
        int n = utf8_encode(enc, v_anyint(v)); /* invalid -> U+FFFD */
        rets[0] = v_from_ptr(str_new(enc, (size_t)n));
        return 1;
    }
    if (v_is_obj(v, OBJ_LIST))
        return string_of_list(t, v_list(v), rets);
    if (v_is_obj(v, OBJ_ERROR)) {
        rets[0] = v_from_ptr(((ObjError *)v_ptr(v))->msg);
        return 1;
    }
    return vm_panicf(t, E_CONVERT, repr(v), v_type_name(v), "string");
}

/* int(v) and the sized conversions: ints as they are (then wrapped to the
 * width), floats truncated toward zero as Go's conversions do on amd64
 * (types_float_to_int: out of range gives the most negative value),
 * strings parsed as strconv.Atoi does. */
static bool to_int(Thread *t, Value v, const char *to, int bits, bool is_unsigned, int64_t *out)
{
    v = v_unnamed(v); /* int(d) of a declared integer type */
    if (v_is_anyint(v)) {
        *out = types_wrap_int(bits, is_unsigned, v_anyint(v));
        return true;
    }
    if (v_is_anyfloat(v)) {
        *out = types_float_to_int(v_anyfloat(v), bits, is_unsigned);
        return true;
    }
    if (v_is_str(v)) {
        ObjString *s = v_str(v);
        NumStatus st = strconv_parse_int(s->data, s->len, 10, 0, out);
        if (st != NUM_OK) {
            Buf q;
            buf_init(&q);
            format_quote(&q, s->data, s->len, false);
            vm_panicf(t, st == NUM_RANGE ? E_STRCONV_RANGE : E_STRCONV_SYNTAX, "Atoi", q.data);
            return false;
        }
        *out = types_wrap_int(bits, is_unsigned, *out);
        return true;
    }
    vm_panicf(t, E_CONVERT, repr(v), v_type_name(v), to);
    return false;
}

static int bi_int(Thread *t, Value *args, int nargs, Value *rets)
{
    int64_t i;
    if (!to_int(t, args[0], "int", 64, false, &i))
        return -1;
    /* a Weekday is not anyint, nor is a uint64 past 2^63-1 an int: made anew */
    rets[0] = v_is_anyint(args[0]) && !v_is_bigu(args[0]) ? args[0] : v_make_int(i);
    return 1;
}

/* Sized conversions read the value as int() does, then wrap as Go's do at
 * run time (vm/types.h owns the widths' arithmetic). */
#define SIZED(fname, goname, bits, is_unsigned)                                                              \
    static int fname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        int64_t i;                                                                                           \
        if (!to_int(t, args[0], goname, bits, is_unsigned, &i))                                              \
            return -1;                                                                                       \
        rets[0] = (bits) == 64 && (is_unsigned) ? v_make_uint((uint64_t)i) : v_make_int(i);                  \
        return 1;                                                                                            \
    }
SIZED(bi_uint64, "uint64", 64, true)
SIZED(bi_int32, "int32", 32, false)
SIZED(bi_int16, "int16", 16, false)
SIZED(bi_int8, "int8", 8, false)
SIZED(bi_uint32, "uint32", 32, true)
SIZED(bi_uint16, "uint16", 16, true)
SIZED(bi_uint8, "uint8", 8, true)
#undef SIZED

static int bi_float(Thread *t, Value *args, int nargs, Value *rets);

/* float32(v): float(v) rounded to float32's precision. */
static int bi_float32(Thread *t, Value *args, int nargs, Value *rets)
{
    if (bi_float(t, args, nargs, rets) < 0)
        return -1;
    rets[0] = v_make_float(types_float32(v_anyfloat(rets[0])));
    return 1;
}

static int bi_float(Thread *t, Value *args, int nargs, Value *rets)
{
    Value v = v_unnamed(args[0]);
    if (v_is_anyfloat(v)) {
        rets[0] = v;
        return 1;
    }
    if (v_is_anyint(v)) {
        rets[0] = v_make_float(v_anyint_double(v));
        return 1;
    }
    if (v_is_str(v)) {
        ObjString *s = v_str(v);
        double d;
        NumStatus st = strconv_parse_float(s->data, s->len, 64, &d);
        if (st != NUM_OK) {
            Buf q;
            buf_init(&q);
            format_quote(&q, s->data, s->len, false);
            return vm_panicf(t, st == NUM_RANGE ? E_STRCONV_RANGE : E_STRCONV_SYNTAX, "ParseFloat", q.data);
        }
        rets[0] = v_make_float(d);
        return 1;
    }
    return vm_panicf(t, E_CONVERT, repr(v), v_type_name(v), "float");
}

/* complex(re, im): two numbers make a complex128. */
static int bi_complex(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    double part[2];
    for (int i = 0; i < 2; i++) {
        Value v = v_unnamed(args[i]);
        if (!v_is_anyint(v) && !v_is_anyfloat(v))
            return vm_panicf(t, E_BUILTIN_ARG, repr(args[i]), v_type_name(args[i]), "complex");
        part[i] = v_is_anyint(v) ? (double)v_anyint(v) : v_anyfloat(v);
    }
    rets[0] = v_make_complex(part[0], part[1]);
    return 1;
}

/* real(c), imag(c): a part of a complex; a plain number is a complex
 * whose imaginary part is 0, as Go's constants are. */
static int complex_part(Thread *t, Value v, bool re, Value *out)
{
    Value u = v_unnamed(v);
    if (v_is_complex(u))
        *out = v_make_float(re ? v_complex(u)->re : v_complex(u)->im);
    else if (v_is_anyint(u) || v_is_anyfloat(u))
        *out = v_make_float(re ? (v_is_anyint(u) ? (double)v_anyint(u) : v_anyfloat(u)) : 0.0);
    else
        return vm_panicf(t, E_BUILTIN_ARG, repr(v), v_type_name(v), re ? "real" : "imag");
    return 1;
}

static int bi_real(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return complex_part(t, args[0], true, rets);
}

static int bi_imag(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return complex_part(t, args[0], false, rets);
}

/* complex128(v), complex64(v): a number or complex as that type. */
static int to_complex(Thread *t, Value v, const char *to, Value *out)
{
    if (!types_fit_complex(types_parse(to, strlen(to)), v_unnamed(v), out))
        return vm_panicf(t, E_CONVERT, repr(v), v_type_name(v), to);
    return 1;
}

static int bi_complex128(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return to_complex(t, args[0], "complex128", rets);
}

static int bi_complex64(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    return to_complex(t, args[0], "complex64", rets);
}

/* min/max (Go 1.21): numbers (an int and a float compare as numbers; a
 * NaN wins) or strings; the result is the operand itself. */
static int min_max(Thread *t, Value *args, int nargs, Value *rets, bool want_max)
{
    const char *fname = want_max ? "max" : "min";
    Value best = args[0];
    bool strs = v_is_str(best);
    if (!strs && !v_is_anyint(best) && !v_is_anyfloat(best))
        return vm_panicf(t, E_BUILTIN_ARG, repr(best), v_type_name(best), fname);
    for (int i = 1; i < nargs; i++) {
        Value v = args[i];
        if (strs != v_is_str(v) || (!strs && !v_is_anyint(v) && !v_is_anyfloat(v)))
            return vm_panicf(t, E_MIN_MAX_MIX, fname, v_type_name(best), v_type_name(v));
        bool better;
        if (strs) {
            ObjString *a = v_str(v), *b = v_str(best);
            size_t n = a->len < b->len ? a->len : b->len;
            int c = memcmp(a->data, b->data, n);
            if (c == 0)
                c = a->len < b->len ? -1 : a->len > b->len;
            better = want_max ? c > 0 : c < 0;
        } else if (v_is_anyint(v) && v_is_anyint(best)) {
            better = want_max ? v_anyint(v) > v_anyint(best) : v_anyint(v) < v_anyint(best);
        } else {
            double a = v_is_anyint(v) ? (double)v_anyint(v) : v_anyfloat(v);
            double b = v_is_anyint(best) ? (double)v_anyint(best) : v_anyfloat(best);
            if (isnan(b))
                better = false;
            else if (isnan(a))
                better = true;
            else if (a == 0 && b == 0)
                better = want_max ? signbit(b) && !signbit(a) : signbit(a) && !signbit(b);
            else
                better = want_max ? a > b : a < b;
        }
        if (better)
            best = v;
    }
    rets[0] = best;
    return 1;
}

static int bi_min(Thread *t, Value *args, int nargs, Value *rets)
{
    return min_max(t, args, nargs, rets, false);
}
static int bi_max(Thread *t, Value *args, int nargs, Value *rets)
{
    return min_max(t, args, nargs, rets, true);
}

/* ====================================================================== */
/* make, new and zero values                                               */
/* ====================================================================== */

/* make's and new's first argument: a type's descriptor (what the compiler
 * passes for make([]int, n)), or its text (make("[]int", n) written as a
 * string), read by the same parser. NULL: neither. */
static const ObjType *type_arg(Value v)
{
    if (v_is_obj(v, OBJ_TYPE))
        return v_ptr(v);
    if (v_is_str(v))
        return types_parse(v_str(v)->data, v_str(v)->len);
    return NULL;
}

static int bi_make(Thread *t, Value *args, int nargs, Value *rets)
{
    const ObjType *ty = type_arg(args[0]);
    TypeKind k = ty ? ty->kind : TYPE_UNKNOWN;
    if (k != TYPE_MAP && k != TYPE_SLICE && k != TYPE_CHAN)
        return vm_panicf(t, E_MAKE_TYPE, v_is_obj(args[0], OBJ_TYPE) ? ty->name : repr(args[0]));
    int64_t len = 0, cap = -1;
    if (nargs > 1 &&
        !size_arg(t, args[1], &len, k == TYPE_CHAN ? E_MAKECHAN_SIZE : E_MAKE_LEN, "make", k != TYPE_MAP))
        return -1;
    if (nargs > 2 && !size_arg(t, args[2], &cap, E_MAKE_CAP, "make", true))
        return -1;
    if (k == TYPE_MAP) {
        ObjMap *m = map_new((size_t)len);
        types_map_init(m, ty); /* what a missing key reads as, what a store converts to */
        m->type = ty;
        rets[0] = v_from_ptr(m);
        return 1;
    }
    if (k == TYPE_CHAN) {
        ObjChan *c = chan_new((size_t)len);                        /* make(chan T, n): capacity n */
        c->zero = types_elem_zero(ty);                             /* what a receive after close gives */
        c->vtype = types_store_checks(ty->elem) ? ty->elem : NULL; /* what a send converts to */
        c->type = ty;
        rets[0] = v_from_ptr(c);
        return 1;
    }
    if (cap >= 0 && cap < len)
        return vm_panicf(t, E_MAKE_CAP);
    if (cap < len)
        cap = len;
    if ((uint64_t)cap > LIST_MAX_CAP)
        mem_out_of_memory(); /* under Go's limit (size_arg), past csp's heap */
    ObjList *l = list_new((size_t)len, (size_t)cap);
    list_set_type(l, ty);
    /* The elements, up to the capacity (a later s[:cap] sees them), are
     * the element type's zero values; a nil zero is what list_new left
     * there already. */
    if (ty->elem->zero != V_NIL && l->store) {
        for (int64_t i = 0; i < cap; i++) {
            Value zero;
            if (types_zero(t, ty->elem, &zero) < 0)
                return -1;
            l->store->items[l->off + i] = zero;
        }
    }
    rets[0] = v_from_ptr(l);
    return 1;
}

/* new(T): a pointer to a new zero T. A module's object (new(sync.WaitGroup))
 * is already a reference, which its methods take: new gives it as is. */
static int bi_new(Thread *t, Value *args, int nargs, Value *rets)
{
    const ObjType *ty = type_arg(args[0]);
    if (!ty)
        return vm_panicf(t, E_BUILTIN_ARG, repr(args[0]), v_type_name(args[0]), "new");
    Value z;
    if (types_zero(t, ty, &z) < 0)
        return -1;
    if (v_is_obj(z, OBJ_OBJECT) || ty->kind == TYPE_OBJECT)
        rets[0] = z;
    else if (v_is_obj(z, OBJ_STRUCT) || v_is_obj(z, OBJ_ARRAY))
        rets[0] = v_ref(v_ptr(z));
    else
        rets[0] = v_ref(cell_new(z));
    return 1;
}

/* ====================================================================== */
/* registration                                                            */
/* ====================================================================== */

void builtins_init(Runtime *rt)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        type_strs[i] = v_cstr(type_names[i]);
#define BUILTIN(name, fn, lo, hi) rt_define(rt, #name, v_from_ptr(native_new(#name, fn, lo, hi)));
#include "builtins.def"
#undef BUILTIN
}
