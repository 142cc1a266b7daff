/* compile_emit.c — the base of code generation.
 *
 * Everything the other code generation files build on: limit and internal
 * errors, emitting instructions with their lines, register allocation,
 * the constant table (with the chunked constants past LOADK's reach), jump
 * lists, and reading and writing a variable wherever it lives (register,
 * cell, upvalue, global, constant).
 */
#include "compile_int.h"

#include <string.h>

#include "../vm/buf.h"
#include "../vm/mem.h"
#include "../vm/race.h"

/* ===================================================================== */
/* Code generation: function state, emission, constants, jumps            */
/* ===================================================================== */

/* A limit of the instruction format was hit: report it at the construct
 * being compiled (at `at` if given), once per function (the first is the
 * one to fix; the rest follow from it). */
void cg_limit_error(FuncState *fs, Limit lim, const Node *at)
{
    if (fs->limited)
        return;
    fs->limited = true;
    if (!at)
        at = fs->at;
    Node pos = {0};
    pos.line = fs->line;
    pos.col = 1;
    if (at && at->line > 0) {
        pos.line = at->line;
        pos.col = at->col;
    }
    cg_err(fs->c, &pos, limit_fmt[lim], limit_n[lim], fs->name);
}

/* A broken invariant of the compiler. Reported as an error (never a crash),
 * unless an error was reported before: then it is a consequence of that
 * one (a declaration that failed, a register that was not given). */
void cg_internal(FuncState *fs, const char *what)
{
    if (fs->c->d->nerrors > fs->c->nerr0)
        return;
    Node at = {0};
    at.line = fs->line;
    at.col = fs->at && fs->at->line == fs->line ? fs->at->col : 1;
    cg_err(fs->c, &at, "internal compiler error: %s", what);
}

/* An operand that does not fit its field, though no limit error was
 * reported: a missing check in the compiler. Better an error than wrong code. */
static void check_operands(FuncState *fs, int a, int b, int c, int bmax)
{
    if (((a & ~0xFF) || b < 0 || b > bmax || (c & ~0xFF)) && !fs->limited &&
        fs->c->d->nerrors == fs->c->nerr0) {
        fs->limited = true;
        cg_internal(fs, "operand out of range");
    }
}

/* ---- the race detector's sites ---- */

void cg_race_mark(FuncState *fs, int kind, const char *name, const Node *node)
{
    if (!RACE_ON())
        return;
    if (kind == RACE_CALL && node) {
        /* a builtin and its first two arguments' text, each after a 0x1f
         * (which no source text holds): "copy\x1fdst\x1fsrc" */
        Buf b;
        buf_init(&b);
        buf_adds(&b, name);
        for (int i = 0; i < node->list.n && i < 2; i++) {
            buf_addc(&b, RACE_NAME_SEP);
            buf_adds(&b, cg_describe(node->list.items[i]));
        }
        name = b.data;
    } else if (!name && node) {
        /* an element or a map names its container, *p names p */
        if ((kind == RACE_ELEM || kind == RACE_MAP) && node->kind == N_INDEX)
            node = node->a;
        else if (kind == RACE_DEREF && node->kind == N_UNARY)
            node = node->a;
        name = cg_describe(node);
    }
    fs->race_kind = kind;
    fs->race_name = name ? name : "?";
}

/* The instructions the race detector's loop checks (vm/exec.inc). */
static bool race_checked(OpCode op)
{
    switch (op) {
    case OP_GETGLOBAL:
    case OP_SETGLOBAL:
    case OP_SETGLOBALC:
    case OP_GETCELL:
    case OP_SETCELL:
    case OP_GETUPVAL:
    case OP_SETUPVAL:
    case OP_GETINDEX:
    case OP_GETINDEXC:
    case OP_GETINDEX2:
    case OP_SETINDEX:
    case OP_GETFIELD:
    case OP_SETFIELD:
    case OP_DEREF:
    case OP_SETDEREF:
    case OP_APPEND:
    case OP_RANGE:
    case OP_LEN:
    case OP_CALL: /* copy, delete, clear: race_caller_site */
        return true;
    default:
        return false;
    }
}

/* A mark is for the next instruction only: an instruction that does not
 * touch memory (a local's MOVE) drops it. */
static uint32_t race_site_of(FuncState *fs, uint32_t ins)
{
    const char *name = fs->race_name;
    fs->race_name = NULL;
    if (!name || !race_checked((OpCode)INS_OP(ins)))
        return 0;
    return race_site((RaceKind)fs->race_kind, name, fs->name, fs->c->file, fs->line);
}

static int emit(FuncState *fs, uint32_t ins)
{
    if (fs->ncode == fs->capcode) {
        int cap = mem_grow_int(fs->capcode, 64);
        uint32_t *code = mem_alloc_atomic(cap * sizeof *code);
        int32_t *lines = mem_alloc_atomic(cap * sizeof *lines);
        if (fs->ncode) {
            memcpy(code, fs->code, fs->ncode * sizeof *code);
            memcpy(lines, fs->lines, fs->ncode * sizeof *lines);
        }
        fs->code = code;
        fs->lines = lines;
        if (RACE_ON()) {
            uint32_t *sites = mem_alloc_atomic(cap * sizeof *sites);
            if (fs->ncode)
                memcpy(sites, fs->race_sites, fs->ncode * sizeof *sites);
            fs->race_sites = sites;
        }
        fs->capcode = cap;
    }
    fs->code[fs->ncode] = ins;
    fs->lines[fs->ncode] = fs->line;
    if (RACE_ON())
        fs->race_sites[fs->ncode] = race_site_of(fs, ins);
    return fs->ncode++;
}

/* Operands are in range whenever no limit error was reported; the masks
 * only keep a bad operand (after an error) from corrupting the opcode. */
int cg_emit_abc(FuncState *fs, OpCode op, int a, int b, int c)
{
    check_operands(fs, a, b, c, 0xFF);
    return emit(fs, MK_ABC(op, a & 0xFF, b & 0xFF, c & 0xFF));
}

int cg_emit_abx(FuncState *fs, OpCode op, int a, int bx)
{
    check_operands(fs, a, bx, 0, 0xFFFF);
    return emit(fs, MK_ABx(op, a & 0xFF, bx & 0xFFFF));
}

void cg_set_line(FuncState *fs, const Node *n)
{
    if (n && n->line > 0) {
        fs->line = n->line;
        fs->at = n;
    }
}

/* ---- registers ---- */

int cg_alloc_regs(FuncState *fs, int n)
{
    int r = fs->freereg;
    if (r + n > MAXREGS) {
        cg_limit_error(fs, LIM_REGS, NULL);
        return MAXREGS - n > 0 ? MAXREGS - n : 0;
    }
    fs->freereg += n;
    if (fs->freereg > fs->maxregs)
        fs->maxregs = fs->freereg;
    return r;
}

int cg_alloc_reg(FuncState *fs)
{
    return cg_alloc_regs(fs, 1);
}

/* Leave a block: registers from `top` up are free, their locals dead. */
void cg_free_to(FuncState *fs, int top)
{
    if (top < 0 || top > MAXREGS)
        return;
    if (top < fs->freereg)
        memset(fs->islocal + top, 0, (size_t)(fs->freereg - top));
    fs->freereg = top;
}

/* v lives in reg from now on (to the end of its block). */
void cg_mark_local(FuncState *fs, Var *v, int reg)
{
    if (reg >= MAX_LOCALS)
        cg_limit_error(fs, LIM_LOCALS, v->decl);
    if (reg < 0 || reg >= MAXREGS)
        reg = MAXREGS - 1;
    v->reg = reg;
    fs->islocal[reg] = 1;
    if (reg >= fs->freereg) {
        fs->freereg = reg + 1;
        if (fs->freereg > fs->maxregs)
            fs->maxregs = fs->freereg;
    }
}

/* ---- constants ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    return x;
}

static uint64_t k_hash(Value v)
{
    if (v_is_ptr(v)) {
        Obj *o = v_obj(v);
        if (o->kind == OBJ_STRING) {
            ObjString *s = (ObjString *)o;
            uint64_t h = 1469598103934665603ULL;
            for (size_t i = 0; i < s->len; i++)
                h = (h ^ (uint8_t)s->data[i]) * 1099511628211ULL;
            return h;
        }
        if (o->kind == OBJ_BOXINT)
            return mix64((uint64_t)((ObjBoxInt *)o)->i) ^ 1;
        if (o->kind == OBJ_BOXFLOAT) {
            uint64_t bits;
            memcpy(&bits, &((ObjBoxFloat *)o)->d, sizeof bits);
            return mix64(bits) ^ 2;
        }
    }
    return mix64(v);
}

/* Same constant: same word, or equal contents of the same kind (an int and
 * a float never merge, though 1 == 1.0: they print differently). */
static bool k_same(Value a, Value b)
{
    if (a == b)
        return true;
    if (!v_is_ptr(a) || !v_is_ptr(b))
        return false;
    Obj *x = v_obj(a), *y = v_obj(b);
    if (x->kind != y->kind)
        return false;
    switch (x->kind) {
    case OBJ_STRING: {
        ObjString *s = (ObjString *)x, *t = (ObjString *)y;
        return s->len == t->len && memcmp(s->data, t->data, s->len) == 0;
    }
    case OBJ_BOXINT: /* a uint64 past 2^63-1 is not the int of its bits */
        return ((ObjBoxInt *)x)->i == ((ObjBoxInt *)y)->i && x->flags == y->flags;
    case OBJ_BOXFLOAT:
        return memcmp(&((ObjBoxFloat *)x)->d, &((ObjBoxFloat *)y)->d, sizeof(double)) == 0;
    default:
        return false;
    }
}

static void k_rehash(FuncState *fs)
{
    fs->khcap = mem_grow_int(fs->khcap, 64);
    fs->khash = mem_alloc_atomic(fs->khcap * sizeof *fs->khash);
    memset(fs->khash, 0, fs->khcap * sizeof *fs->khash);
    for (int i = 0; i < fs->nk; i++) {
        if (i == K_DIRECT)
            i = MAX_KBX + 1; /* the chunk lists' slots: not constants yet */
        if (i >= fs->nk)
            break;
        size_t j = k_hash(fs->k[i]) & (size_t)(fs->khcap - 1);
        while (fs->khash[j])
            j = (j + 1) & (size_t)(fs->khcap - 1);
        fs->khash[j] = i + 1;
    }
}

/* Index of v in K, added if new. */
int cg_add_k(FuncState *fs, Value v)
{
    if ((fs->nk + 1) * 2 > fs->khcap)
        k_rehash(fs);
    size_t mask = (size_t)fs->khcap - 1, j = k_hash(v) & mask;
    while (fs->khash[j]) {
        int i = fs->khash[j] - 1;
        if (k_same(fs->k[i], v))
            return i;
        j = (j + 1) & mask;
    }
    if (fs->nk >= K_MAX) {
        cg_limit_error(fs, LIM_CONSTS, NULL);
        return 0;
    }
    for (;;) {
        if (fs->nk == fs->capk) {
            int cap = mem_grow_int(fs->capk, 16);
            Value *k = mem_alloc(cap * sizeof *k);
            if (fs->nk)
                memcpy(k, fs->k, fs->nk * sizeof *k);
            fs->k = k;
            fs->capk = cap;
        }
        if (fs->nk < K_DIRECT || fs->nk > MAX_KBX)
            break;
        fs->k[fs->nk++] = V_NIL; /* a chunk list's slot, filled by fs_close */
    }
    fs->k[fs->nk] = v;
    fs->khash[j] = fs->nk + 1;
    return fs->nk++;
}

/* K index of a string for a 16-bit operand (a method name). */
int cg_str_k(FuncState *fs, const char *s)
{
    int k = cg_add_k(fs, v_from_ptr(str_cstr(s)));
    if (k >= K_DIRECT) {
        cg_limit_error(fs, LIM_CONSTS, NULL);
        return 0;
    }
    return k;
}

/* K index of a field name for an 8-bit operand. The function's field names
 * went into K first, so this holds unless it uses over MAX_KFIELD names. */
int cg_field_k(FuncState *fs, const char *name)
{
    int k = cg_str_k(fs, name ? name : "");
    if (k > 255) {
        cg_limit_error(fs, LIM_FIELDS, NULL);
        return 0;
    }
    return k;
}

bool cg_int_imm(Value v, int *out)
{
    if (!v_is_int(v) || v == V_UNDEF)
        return false;
    int64_t i = v_int(v);
    if (i < IMM_MIN || i > IMM_MAX)
        return false;
    *out = (int)i;
    return true;
}

/* dst = K[k], from its chunk list if k is past the directly loaded ones. */
static void load_k(FuncState *fs, int k, int dst)
{
    if (k < K_DIRECT) {
        cg_emit_abx(fs, OP_LOADK, dst, k);
        return;
    }
    k -= MAX_KBX + 1;
    cg_emit_abx(fs, OP_LOADK, dst, K_DIRECT + k / K_CHUNK);
    int t = cg_alloc_reg(fs);
    emit(fs, MK_AsBx(OP_LOADI, t & 0xFF, k % K_CHUNK));
    cg_emit_abc(fs, OP_GETINDEX, dst, dst, t);
    cg_free_to(fs, t);
}

void cg_load_const(FuncState *fs, Value v, int dst)
{
    if (v == V_NIL)
        cg_emit_abc(fs, OP_LOADNIL, dst, 0, 0);
    else if (v_is_bool(v))
        cg_emit_abc(fs, OP_LOADBOOL, dst, v == V_TRUE, 0);
    else if (v_is_int(v) && v_int(v) >= -SBX_BIAS && v_int(v) <= 65535 - SBX_BIAS)
        emit(fs, MK_AsBx(OP_LOADI, dst & 0xFF, (int)v_int(v)));
    else
        load_k(fs, cg_add_k(fs, v), dst);
}

/* ---- jumps ---- */

int cg_emit_jump(FuncState *fs)
{
    return emit(fs, MK_sJ(OP_JMP, NO_JUMP));
}

/* The next jump in the list that pc belongs to. */
static int jump_next(FuncState *fs, int pc)
{
    int off = INS_sJ(fs->code[pc]);
    return off == NO_JUMP ? NO_JUMP : pc + 1 + off;
}

void cg_jump_set(FuncState *fs, int pc, int dest)
{
    int off = dest - (pc + 1);
    if (off < -SJ_BIAS + 1 || off >= SJ_BIAS) {
        cg_limit_error(fs, LIM_JUMP, NULL);
        off = 0;
    }
    fs->code[pc] = MK_sJ(OP_JMP, off);
}

/* Add list l2 to *l1. l2 is usually one jump, so walk it, not *l1. */
void cg_jump_concat(FuncState *fs, int *l1, int l2)
{
    if (l2 == NO_JUMP)
        return;
    if (*l1 != NO_JUMP) {
        int last = l2, next;
        while ((next = jump_next(fs, last)) != NO_JUMP)
            last = next;
        cg_jump_set(fs, last, *l1);
    }
    *l1 = l2;
}

void cg_jump_patch(FuncState *fs, int list, int dest)
{
    while (list != NO_JUMP) {
        int next = jump_next(fs, list);
        cg_jump_set(fs, list, dest);
        list = next;
    }
}

void cg_jump_here(FuncState *fs, int list)
{
    cg_jump_patch(fs, list, fs->ncode);
}

/* Instructions that are followed by the JMP they may perform. */
bool cg_is_test(OpCode op)
{
    switch (op) {
    case OP_EQ:
    case OP_EQIF:
    case OP_LT:
    case OP_LE:
    case OP_EQK:
    case OP_EQI:
    case OP_LTI:
    case OP_LEI:
    case OP_GTI:
    case OP_GEI:
    case OP_TEST:
    case OP_RANGE:
        return true;
    default:
        return false;
    }
}

/* A compare-and-branch instruction and its JMP; returns the JMP. */
int cg_cond_op(FuncState *fs, OpCode op, int a, int b, int c)
{
    cg_emit_abc(fs, op, a, b, c);
    return cg_emit_jump(fs);
}

/* ===================================================================== */
/* Code generation: variables                                              */
/* ===================================================================== */

/* Index of v (a local of an enclosing function) among fs's upvalues,
 * adding it, and the chain through the functions in between, if new. */
static int upval_index(FuncState *fs, Var *v)
{
    for (int i = 0; i < fs->nupvals; i++)
        if (fs->upvars[i] == v)
            return i;
    FuncState *p = fs->parent;
    UpvalDesc d;
    if (!p || !v->captured) {
        cg_internal(fs, "upvalue without an enclosing local");
        return 0;
    }
    if (p->res == v->owner) {
        if (v->reg < 0) {
            cg_internal(fs, "upvalue of an undeclared local");
            return 0;
        }
        d.from_parent_reg = 1;
        d.idx = (uint8_t)v->reg;
    } else {
        d.from_parent_reg = 0;
        d.idx = (uint8_t)upval_index(p, v);
    }
    if (fs->nupvals >= 256) {
        cg_limit_error(fs, LIM_UPVALS, NULL);
        return 0;
    }
    if (fs->nupvals == fs->capupvals) {
        int cap = mem_grow_int(fs->capupvals, 8);
        UpvalDesc *u = mem_alloc_atomic(cap * sizeof *u);
        Var **vs = mem_alloc(cap * sizeof *vs);
        if (fs->nupvals) {
            memcpy(u, fs->upvals, fs->nupvals * sizeof *u);
            memcpy(vs, fs->upvars, fs->nupvals * sizeof *vs);
        }
        fs->upvals = u;
        fs->upvars = vs;
        fs->capupvals = cap;
    }
    fs->upvals[fs->nupvals] = d;
    fs->upvars[fs->nupvals] = v;
    return fs->nupvals++;
}

void cg_var_load(FuncState *fs, Var *v, int dst)
{
    if (!v) {
        cg_emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        return;
    }
    if (v->cval != V_UNDEF) {
        cg_load_const(fs, v->cval, dst);
        return;
    }
    /* A variable never written after its declaration cannot race (a
     * function's name, a captured loop-invariant): only the others are
     * checked. */
    if (v->assigned || v->addressed)
        cg_race_mark(fs, RACE_VAR, v->name, NULL);
    switch (v->kind) {
    case VK_GLOBAL:
        cg_emit_abx(fs, OP_GETGLOBAL, dst, v->slot);
        break;
    case VK_LOCAL:
        if (v->owner != fs->res) {
            cg_emit_abc(fs, OP_GETUPVAL, dst, upval_index(fs, v), 0);
        } else if (v->reg < 0) {
            cg_internal(fs, "local used before its declaration");
        } else if (v->captured) {
            cg_emit_abc(fs, OP_GETCELL, dst, v->reg, 0);
        } else if (v->reg != dst) {
            cg_emit_abc(fs, OP_MOVE, dst, v->reg, 0);
        }
        break;
    default:
        cg_emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        break;
    }
}

void cg_var_store(FuncState *fs, Var *v, int src)
{
    if (!v)
        return;
    cg_race_mark(fs, RACE_VAR, v->name, NULL);
    switch (v->kind) {
    case VK_GLOBAL:
        cg_emit_abx(fs, v->addressed ? OP_SETGLOBALC : OP_SETGLOBAL, src, v->slot);
        break;
    case VK_LOCAL:
        if (v->owner != fs->res)
            cg_emit_abc(fs, OP_SETUPVAL, src, upval_index(fs, v), v->addressed);
        else if (v->reg < 0)
            cg_internal(fs, "local assigned before its declaration");
        else if (v->captured)
            cg_emit_abc(fs, OP_SETCELL, v->reg, src, v->addressed);
        else if (v->reg != src)
            cg_emit_abc(fs, OP_MOVE, v->reg, src, 0);
        break;
    default:
        break; /* `_` */
    }
}

/* dst = &v: a pointer to the variable (a local whose address is taken
 * lives in a cell, as a captured one does). */
void cg_var_ref(FuncState *fs, Var *v, int dst)
{
    if (!v || v->cval != V_UNDEF) {
        cg_emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        return;
    }
    switch (v->kind) {
    case VK_GLOBAL:
        cg_emit_abx(fs, OP_REFGLOBAL, dst, v->slot);
        break;
    case VK_LOCAL:
        if (v->owner != fs->res)
            cg_emit_abc(fs, OP_REF, dst, upval_index(fs, v), 2);
        else if (v->reg < 0 || !v->captured)
            cg_internal(fs, "address of a variable that is not in a cell");
        else
            cg_emit_abc(fs, OP_REF, dst, v->reg, 1);
        break;
    default:
        cg_emit_abc(fs, OP_LOADNIL, dst, 0, 0);
        break;
    }
}

/* A new local gets register reg (holding its initial value). */
void cg_var_declare(FuncState *fs, Var *v, int reg)
{
    cg_mark_local(fs, v, reg);
    if (v->captured)
        cg_emit_abc(fs, OP_NEWCELL, reg, reg, 0);
}

/* The local's register, when n is a plain (uncaptured) local of fs. */
Var *cg_plain_local(FuncState *fs, Node *n)
{
    if (!n || n->kind != N_IDENT)
        return NULL;
    Var *v = cg_node_var(fs->c, n);
    if (v && v->kind == VK_LOCAL && v->cval == V_UNDEF && !v->captured && v->owner == fs->res && v->reg >= 0)
        return v;
    return NULL;
}
