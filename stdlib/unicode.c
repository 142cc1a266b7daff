/* unicode.c — the unicode module: Go's character classes and case mapping.
 *
 * The Unicode data comes from GNU libunistring (unictype.h, unicase.h), the
 * system's maintained C library for character properties, rather than from
 * tables of our own: its general categories, White_Space property, scripts
 * and simple case mappings are what Go's unicode tables are generated from.
 * Debian 12's libunistring follows Unicode 14.0, Go 1.22's tables Unicode
 * 15.0: the characters new in 15.0 (CJK extension H, Kawi, Nag Mundari and
 * some others, 4489 in all) are unassigned for us.
 *
 * Go's definitions, which are not all the obvious ones:
 *   - IsUpper/IsLower/IsTitle are the categories Lu/Ll/Lt (not the
 *     Uppercase/Lowercase properties); IsLetter is L, IsDigit Nd,
 *     IsNumber N, IsMark M, IsPunct P, IsSymbol S;
 *   - IsSpace is White_Space (in Latin-1: \t \n \v \f \r, space, U+0085,
 *     U+00A0);
 *   - IsControl is Cc, which lies in Latin-1 only;
 *   - IsGraphic is L M N P S Zs; IsPrint the same without Zs, except that
 *     the ASCII space is printable;
 *   - ToUpper/ToLower/ToTitle are the simple (one rune to one rune)
 *     mappings; SimpleFold steps through the runes equal under simple case
 *     folding, in increasing order, wrapping around.
 *
 * Range tables (unicode.Latin, unicode.Lu, unicode.Letter...) are native
 * objects that name a category set or a script; unicode.Is and In ask
 * libunistring. Everything here is a pure function of the rune except
 * SimpleFold's orbit table, built once under a pthread_once.
 */
#include "stdlib.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <unistr.h>

#include "../vm/mem.h"

#define MAX_RUNE 0x10FFFF

/* ====================================================================== */
/* classes                                                                 */
/* ====================================================================== */

static bool valid(int64_t r)
{
    return r >= 0 && r <= MAX_RUNE;
}

static bool in_cat(int64_t r, uc_general_category_t cat)
{
    return valid(r) && uc_is_general_category((ucs4_t)r, cat);
}

static bool is_letter(int64_t r)
{
    if (r < 0x80)
        return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
    return in_cat(r, UC_CATEGORY_L);
}

static bool is_upper(int64_t r)
{
    if (r < 0x80)
        return r >= 'A' && r <= 'Z';
    return in_cat(r, UC_CATEGORY_Lu);
}

static bool is_lower(int64_t r)
{
    if (r < 0x80)
        return r >= 'a' && r <= 'z';
    return in_cat(r, UC_CATEGORY_Ll);
}

static bool is_space(int64_t r)
{
    switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
        return true;
    }
    return r > 0xFF && valid(r) && uc_is_property_white_space((ucs4_t)r);
}

static bool is_graphic(int64_t r)
{
    if (!valid(r))
        return false;
    return uc_is_general_category((ucs4_t)r, uc_general_category_or(UC_CATEGORY_L, UC_CATEGORY_M)) ||
           uc_is_general_category((ucs4_t)r, uc_general_category_or(UC_CATEGORY_N, UC_CATEGORY_P)) ||
           uc_is_general_category((ucs4_t)r, uc_general_category_or(UC_CATEGORY_S, UC_CATEGORY_Zs));
}

static bool is_print(int64_t r)
{
    if (r == ' ')
        return true;
    return is_graphic(r) && !in_cat(r, UC_CATEGORY_Zs);
}

static int64_t to_upper(int64_t r)
{
    if (r < 0x80)
        return r >= 'a' && r <= 'z' ? r - 32 : r;
    return valid(r) ? (int64_t)uc_toupper((ucs4_t)r) : r;
}

static int64_t to_lower(int64_t r)
{
    if (r < 0x80)
        return r >= 'A' && r <= 'Z' ? r + 32 : r;
    return valid(r) ? (int64_t)uc_tolower((ucs4_t)r) : r;
}

static int64_t to_title(int64_t r)
{
    if (r < 0x80)
        return r >= 'a' && r <= 'z' ? r - 32 : r;
    return valid(r) ? (int64_t)uc_totitle((ucs4_t)r) : r;
}

/* ---- SimpleFold -------------------------------------------------------- */

/* Go's SimpleFold: the next rune after r in r's case-folding orbit (the
 * runes that fold to the same thing), wrapping to the smallest; r itself
 * when it is alone (U+0130, whose lower case i folds with I, not with
 * it). We build the orbits once from libunistring's case folding: runes
 * whose folded text is the same are one orbit. Only runes that case
 * mapping or folding changes can share an orbit, and there are a few
 * thousand of them below U+20000 (none above). */
typedef struct FoldEntry {
    uint32_t r;    /* the rune */
    uint32_t next; /* the next rune of its orbit */
} FoldEntry;

typedef struct FoldKey {
    uint32_t key[4]; /* the folded text, up to 3 runes, zero-padded */
    uint32_t r;
} FoldKey;

static FoldEntry *fold_table; /* sorted by r; written once under fold_once */
static size_t fold_len;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static int cmp_key(const void *a, const void *b)
{
    const FoldKey *x = a, *y = b;
    int c = memcmp(x->key, y->key, sizeof x->key);
    if (c)
        return c;
    return x->r < y->r ? -1 : x->r > y->r;
}

static int cmp_entry(const void *a, const void *b)
{
    const FoldEntry *x = a, *y = b;
    return x->r < y->r ? -1 : x->r > y->r;
}

static void fold_build(void)
{
    size_t cap = 4096, n = 0;
    FoldKey *keys = malloc(cap * sizeof *keys);
    if (!keys)
        return;
    for (uint32_t r = 0; r <= 0x1FFFF; r++) { /* no cased letters lie higher */
        if (!uc_is_property_changes_when_casemapped(r) && !uc_is_property_changes_when_casefolded(r))
            continue;
        uint32_t in = r, out[8];
        size_t len = 8;
        if (!u32_casefold(&in, 1, NULL, NULL, out, &len) || len > 3)
            continue;
        if (n == cap) {
            FoldKey *nk = realloc(keys, 2 * cap * sizeof *keys);
            if (!nk)
                break;
            keys = nk;
            cap *= 2;
        }
        memset(keys[n].key, 0, sizeof keys[n].key);
        memcpy(keys[n].key, out, len * sizeof out[0]);
        keys[n].r = r;
        n++;
    }
    qsort(keys, n, sizeof *keys, cmp_key);
    FoldEntry *tab = malloc((n ? n : 1) * sizeof *tab);
    size_t m = 0;
    for (size_t i = 0; tab && i < n;) {
        size_t j = i + 1;
        while (j < n && memcmp(keys[j].key, keys[i].key, sizeof keys[i].key) == 0)
            j++;
        if (j - i >= 2)
            for (size_t x = i; x < j; x++)
                tab[m++] = (FoldEntry){keys[x].r, keys[x + 1 < j ? x + 1 : i].r};
        i = j;
    }
    free(keys);
    if (tab)
        qsort(tab, m, sizeof *tab, cmp_entry);
    fold_len = m;
    fold_table = tab;
}

int64_t unicode_simple_fold(int64_t r)
{
    if (!valid(r))
        return r;
    if (r < 0x80) {
        if (r >= 'A' && r <= 'Z')
            return r + 32;
        if (r == 'k')
            return 0x212A; /* the Kelvin sign, as Go's ascii table says */
        if (r == 's')
            return 0x17F; /* long s */
        if (r >= 'a' && r <= 'z')
            return r - 32;
        return r;
    }
    pthread_once(&fold_once, fold_build);
    FoldEntry key = {(uint32_t)r, 0};
    const FoldEntry *e = fold_table ? bsearch(&key, fold_table, fold_len, sizeof key, cmp_entry) : NULL;
    return e ? e->next : r;
}

/* ====================================================================== */
/* range tables                                                            */
/* ====================================================================== */

/* A *unicode.RangeTable: a set of general categories, a script, a
 * property, or nothing (a zero RangeTable). Immutable. */
typedef struct Table {
    const char *name;
    uc_general_category_t cat; /* used when script is NULL and !is_prop and !empty */
    const uc_script_t *script;
    uc_property_t prop; /* used when is_prop */
    bool is_prop;
    bool empty;
} Table;

static const ObjClass table_class;

static const Table *table_of(Value v)
{
    if (!v_is_obj(v, OBJ_OBJECT) || ((ObjObject *)v_ptr(v))->cls != &table_class)
        return NULL;
    return ((ObjObject *)v_ptr(v))->payload;
}

static bool table_has(const Table *tab, int64_t r)
{
    if (!valid(r) || tab->empty)
        return false;
    if (tab->script)
        return uc_is_script((ucs4_t)r, tab->script);
    if (tab->is_prop)
        return uc_is_property((ucs4_t)r, tab->prop);
    return uc_is_general_category((ucs4_t)r, tab->cat);
}

static int table_string(Thread *t, Value *args, int nargs, Value *rets)
{
    const Table *tab = table_of(args[0]);
    rets[0] = v_cstr(tab ? tab->name : "");
    return 1;
}

static const MethodDef table_methods[] = {
    {"String", table_string, 0, 0},
    {NULL, NULL, 0, 0},
};

static const ObjClass table_class = {.name = "*unicode.RangeTable", .methods = table_methods, .get_field = NULL};

/* Go's category tables: the two-letter names, the one-letter unions, and
 * their long aliases. C is Go's Cc|Cf|Co|Cs (unassigned runes are in no
 * table). */
typedef struct CatName {
    const char *name;
    const char *cats; /* two-letter categories, separated by spaces */
} CatName;

static const CatName cat_names[] = {
    {"Cc", "Cc"},
    {"Cf", "Cf"},
    {"Co", "Co"},
    {"Cs", "Cs"},
    {"Ll", "Ll"},
    {"Lm", "Lm"},
    {"Lo", "Lo"},
    {"Lt", "Lt"},
    {"Lu", "Lu"},
    {"Mc", "Mc"},
    {"Me", "Me"},
    {"Mn", "Mn"},
    {"Nd", "Nd"},
    {"Nl", "Nl"},
    {"No", "No"},
    {"Pc", "Pc"},
    {"Pd", "Pd"},
    {"Pe", "Pe"},
    {"Pf", "Pf"},
    {"Pi", "Pi"},
    {"Po", "Po"},
    {"Ps", "Ps"},
    {"Sc", "Sc"},
    {"Sk", "Sk"},
    {"Sm", "Sm"},
    {"So", "So"},
    {"Zl", "Zl"},
    {"Zp", "Zp"},
    {"Zs", "Zs"},
    {"C", "Cc Cf Co Cs"},
    {"L", "Lu Ll Lt Lm Lo"},
    {"M", "Mn Mc Me"},
    {"N", "Nd Nl No"},
    {"P", "Pc Pd Ps Pe Pi Pf Po"},
    {"S", "Sm Sc Sk So"},
    {"Z", "Zs Zl Zp"},
    {"Other", "Cc Cf Co Cs"},
    {"Letter", "Lu Ll Lt Lm Lo"},
    {"Upper", "Lu"},
    {"Lower", "Ll"},
    {"Title", "Lt"},
    {"Mark", "Mn Mc Me"},
    {"Number", "Nd Nl No"},
    {"Digit", "Nd"},
    {"Punct", "Pc Pd Ps Pe Pi Pf Po"},
    {"Symbol", "Sm Sc Sk So"},
    {"Space", "Zs Zl Zp"},
    {NULL, NULL},
};

/* The scripts most programs name; each is Unicode's script of that name. */
static const char *const script_names[] = {
    "Arabic",   "Armenian",  "Bengali",   "Cyrillic", "Devanagari", "Georgian", "Greek",    "Gujarati",
    "Gurmukhi", "Han",       "Hangul",    "Hebrew",   "Hiragana",   "Kannada",  "Katakana", "Khmer",
    "Latin",    "Malayalam", "Mongolian", "Myanmar",  "Tamil",      "Telugu",   "Thai",     "Tibetan",
    "Common",   "Inherited", "Ethiopic",  "Sinhala",  "Lao",        "Bopomofo", "Cherokee", "Syriac",
    "Thaana",   "Runic",     "Ogham",     NULL,
};

static Value table_new(const char *name, uc_general_category_t cat, const uc_script_t *script)
{
    Table *tab = mem_alloc(sizeof *tab);
    tab->name = name;
    tab->cat = cat;
    tab->script = script;
    tab->is_prop = false;
    tab->empty = false;
    return v_from_ptr(object_new(&table_class, tab));
}

/* `var t unicode.RangeTable`: a table of no runes. */
static int u_range_table(Thread *t, Value *args, int nargs, Value *rets)
{
    rets[0] = table_new("", UC_CATEGORY_Cn, NULL);
    ((Table *)((ObjObject *)v_ptr(rets[0]))->payload)->empty = true;
    return 1;
}

/* Go's property tables that programs use most; Unicode's names. */
static const char *const property_names[] = {
    "White_Space",
    "ASCII_Hex_Digit",
    "Hex_Digit",
    "Dash",
    "Hyphen",
    "Quotation_Mark",
    "Ideographic",
    "Diacritic",
    "Extender",
    "Join_Control",
    "Pattern_Syntax",
    "Pattern_White_Space",
    "Sentence_Terminal",
    "Terminal_Punctuation",
    "Variation_Selector",
    "Radical",
    "Unified_Ideograph",
    "Soft_Dotted",
    "Logical_Order_Exception",
    "Deprecated",
    NULL,
};

static void add_tables(ObjModule *m)
{
    for (const CatName *c = cat_names; c->name; c++) {
        uc_general_category_t cat = UC_CATEGORY_Cn; /* replaced by the first name */
        bool first = true;
        for (const char *p = c->cats; *p; p += p[2] ? 3 : 2) {
            char two[3] = {p[0], p[1], 0};
            uc_general_category_t one = uc_general_category_byname(two);
            cat = first ? one : uc_general_category_or(cat, one);
            first = false;
        }
        module_add(m, c->name, table_new(c->name, cat, NULL));
    }
    for (const char *const *s = script_names; *s; s++) {
        const uc_script_t *sc = uc_script_byname(*s);
        if (sc)
            module_add(m, *s, table_new(*s, UC_CATEGORY_Cn, sc));
    }
    for (const char *const *p = property_names; *p; p++) {
        uc_property_t prop = uc_property_byname(*p);
        if (!uc_property_is_valid(prop))
            continue;
        Value v = table_new(*p, UC_CATEGORY_Cn, NULL);
        Table *tab = ((ObjObject *)v_ptr(v))->payload;
        tab->prop = prop;
        tab->is_prop = true;
        module_add(m, *p, v);
    }
}

/* ====================================================================== */
/* the module                                                              */
/* ====================================================================== */

/* The unbraced if ends a declaration macro, which clang-format mangles. */
/* clang-format off */
#define RUNE_ARG(i, name, var)                                                                               \
    int64_t var;                                                                                             \
    if (!vm_check_int(t, name, args, i, &var))                                                               \
        return -1
/* clang-format on */

#define PREDICATE(cname, goname, expr)                                                                       \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        RUNE_ARG(0, "unicode." goname, r);                                                                   \
        rets[0] = v_bool(expr);                                                                              \
        return 1;                                                                                            \
    }

PREDICATE(u_is_letter, "IsLetter", is_letter(r))
PREDICATE(u_is_digit, "IsDigit", r < 0x80 ? r >= '0' && r <= '9' : in_cat(r, UC_CATEGORY_Nd))
PREDICATE(u_is_number, "IsNumber", r < 0x80 ? r >= '0' && r <= '9' : in_cat(r, UC_CATEGORY_N))
PREDICATE(u_is_space, "IsSpace", is_space(r))
PREDICATE(u_is_upper, "IsUpper", is_upper(r))
PREDICATE(u_is_lower, "IsLower", is_lower(r))
PREDICATE(u_is_title, "IsTitle", r >= 0x80 && in_cat(r, UC_CATEGORY_Lt))
PREDICATE(u_is_punct, "IsPunct", in_cat(r, UC_CATEGORY_P))
PREDICATE(u_is_symbol, "IsSymbol", in_cat(r, UC_CATEGORY_S))
PREDICATE(u_is_control, "IsControl", in_cat(r, UC_CATEGORY_Cc))
PREDICATE(u_is_mark, "IsMark", in_cat(r, UC_CATEGORY_M))
PREDICATE(u_is_graphic, "IsGraphic", is_graphic(r))
PREDICATE(u_is_print, "IsPrint", is_print(r))

#define MAPPING(cname, goname, fn)                                                                           \
    static int cname(Thread *t, Value *args, int nargs, Value *rets)                                         \
    {                                                                                                        \
        RUNE_ARG(0, "unicode." goname, r);                                                                   \
        rets[0] = v_make_int(fn(r));                                                                         \
        return 1;                                                                                            \
    }

MAPPING(u_to_upper, "ToUpper", to_upper)
MAPPING(u_to_lower, "ToLower", to_lower)
MAPPING(u_to_title, "ToTitle", to_title)
MAPPING(u_simple_fold, "SimpleFold", unicode_simple_fold)

/* unicode.To(c, r): c is UpperCase, LowerCase or TitleCase (0, 1, 2);
 * another c gives ReplacementChar, as Go's. */
static int u_to(Thread *t, Value *args, int nargs, Value *rets)
{
    RUNE_ARG(0, "unicode.To", c);
    RUNE_ARG(1, "unicode.To", r);
    rets[0] = v_make_int(c == 0 ? to_upper(r) : c == 1 ? to_lower(r) : c == 2 ? to_title(r) : 0xFFFD);
    return 1;
}

static bool table_arg(Thread *t, const char *fname, Value *args, int i, const Table **out)
{
    *out = table_of(args[i]);
    if (*out)
        return true;
    vm_panicf(t, E_ARG_TYPE, fname, i + 1, "*unicode.RangeTable", v_type_name(args[i]));
    return false;
}

static int u_is(Thread *t, Value *args, int nargs, Value *rets)
{
    const Table *tab;
    if (!table_arg(t, "unicode.Is", args, 0, &tab))
        return -1;
    RUNE_ARG(1, "unicode.Is", r);
    rets[0] = v_bool(table_has(tab, r));
    return 1;
}

/* unicode.In(r, tables...): whether any table has r. */
static int u_in(Thread *t, Value *args, int nargs, Value *rets)
{
    RUNE_ARG(0, "unicode.In", r);
    bool in = false;
    for (int i = 1; i < nargs; i++) {
        const Table *tab;
        if (!table_arg(t, "unicode.In", args, i, &tab))
            return -1;
        in = in || table_has(tab, r);
    }
    rets[0] = v_bool(in);
    return 1;
}

/* unicode.IsOneOf(tables, r): the same with the tables in a slice. */
static int u_is_one_of(Thread *t, Value *args, int nargs, Value *rets)
{
    if (!vm_check_arg(t, "unicode.IsOneOf", args, 0, OBJ_LIST))
        return -1;
    RUNE_ARG(1, "unicode.IsOneOf", r);
    ObjList *l = v_list(args[0]);
    bool in = false;
    Value e;
    for (int64_t i = 0; !in && list_get(l, i, &e); i++) {
        const Table *tab = table_of(e);
        if (!tab)
            return vm_panicf(t, E_ARG_TYPE, "unicode.IsOneOf", 1, "[]*unicode.RangeTable", v_type_name(e));
        in = table_has(tab, r);
    }
    rets[0] = v_bool(in);
    return 1;
}

static const ModuleFn unicode_fns[] = {
    {"In", u_in, 1, -1, NULL},
    {"Is", u_is, 2, 2, NULL},
    {"IsControl", u_is_control, 1, 1, "func(rune) bool"},
    {"IsDigit", u_is_digit, 1, 1, "func(rune) bool"},
    {"IsGraphic", u_is_graphic, 1, 1, "func(rune) bool"},
    {"IsLetter", u_is_letter, 1, 1, "func(rune) bool"},
    {"IsLower", u_is_lower, 1, 1, "func(rune) bool"},
    {"IsMark", u_is_mark, 1, 1, "func(rune) bool"},
    {"IsNumber", u_is_number, 1, 1, "func(rune) bool"},
    {"IsOneOf", u_is_one_of, 2, 2, NULL},
    {"IsPrint", u_is_print, 1, 1, "func(rune) bool"},
    {"IsPunct", u_is_punct, 1, 1, "func(rune) bool"},
    {"IsSpace", u_is_space, 1, 1, "func(rune) bool"},
    {"IsSymbol", u_is_symbol, 1, 1, "func(rune) bool"},
    {"IsTitle", u_is_title, 1, 1, "func(rune) bool"},
    {"IsUpper", u_is_upper, 1, 1, "func(rune) bool"},
    {"RangeTable", u_range_table, 0, 0, NULL},
    {"SimpleFold", u_simple_fold, 1, 1, "func(rune) rune"},
    {"To", u_to, 2, 2, "func(int, rune) rune"},
    {"ToLower", u_to_lower, 1, 1, "func(rune) rune"},
    {"ToTitle", u_to_title, 1, 1, "func(rune) rune"},
    {"ToUpper", u_to_upper, 1, 1, "func(rune) rune"},
    {NULL, NULL, 0, 0, NULL},
};

static const ModuleInt unicode_ints[] = {
    {"MaxRune", MAX_RUNE},
    {"ReplacementChar", 0xFFFD},
    {"MaxASCII", 0x7F},
    {"MaxLatin1", 0xFF},
    {"UpperCase", 0},
    {"LowerCase", 1},
    {"TitleCase", 2},
    {"MaxCase", 3},
    {NULL, 0},
};

static void unicode_open(ObjModule *m)
{
    module_add_fns(m, unicode_fns);
    module_add_ints(m, unicode_ints);
    add_tables(m);
    module_add_type(m, "RangeTable", TYPE_OBJECT);
}

const ModuleDef csp_module_unicode = {"unicode", unicode_open};
