/* test_compile.c — the bytecode compiler: instruction sequences for
 * representative constructs, and its error messages.
 *
 * Trees are built by hand (the builders below mirror ast.h's field
 * contract), so these tests pin the compiler down independently of the
 * parser. Expected code is written as the sequence of opcode names; a
 * mismatch prints the whole disassembly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gc/gc.h>

#include "grammar.h"
#include "lang/ast.h"
#include "lang/compile.h"
#include "lang/diag.h"
#include "lang/parse.h"
#include "vm/disasm.h"
#include "vm/opcodes.h"
#include "vm/types.h"
#include "vm/vm.h"

/* ---- tree builders ---------------------------------------------------- */

static int L = 1; /* line given to new nodes */

static Node *mk(NodeKind k)
{
    return ast_new(k, L, 1);
}

static Node *id(const char *s)
{
    Node *n = mk(N_IDENT);
    n->name = s;
    return n;
}

static Node *num(int64_t v)
{
    Node *n = mk(N_INT);
    n->ival = v;
    return n;
}

static Node *flt(double v)
{
    Node *n = mk(N_FLOAT);
    n->fval = v;
    return n;
}

static Node *str(const char *s)
{
    Node *n = mk(N_STRING);
    n->str = s;
    n->len = strlen(s);
    return n;
}

static Node *bin(int op, Node *a, Node *b)
{
    Node *n = mk(N_BINARY);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static Node *un(int op, Node *a)
{
    Node *n = mk(N_UNARY);
    n->op = op;
    n->a = a;
    return n;
}

static void push_va(NodeList *l, va_list ap)
{
    Node *x;
    while ((x = va_arg(ap, Node *)) != NULL)
        nl_push(l, x);
}

/* call(f, args..., NULL) */
static Node *call(Node *f, ...)
{
    Node *n = mk(N_CALL);
    n->a = f;
    va_list ap;
    va_start(ap, f);
    push_va(&n->list, ap);
    va_end(ap);
    return n;
}

static Node *spread(Node *c)
{
    c->spread = true;
    return c;
}

static Node *fld(Node *a, const char *name)
{
    Node *n = mk(N_FIELD);
    n->a = a;
    n->name = name;
    return n;
}

static Node *idx(Node *a, Node *b)
{
    Node *n = mk(N_INDEX);
    n->a = a;
    n->b = b;
    return n;
}

static Node *recv(Node *a)
{
    Node *n = mk(N_RECV);
    n->a = a;
    return n;
}

static Node *list(Node *first, ...)
{
    Node *n = mk(N_LIST);
    if (!first)
        return n;
    nl_push(&n->list, first);
    va_list ap;
    va_start(ap, first);
    push_va(&n->list, ap);
    va_end(ap);
    return n;
}

static Node *typeexpr(const char *t)
{
    Node *n = mk(N_TYPEEXPR);
    n->name = t;
    return n;
}

static Node *expr_s(Node *e)
{
    Node *n = mk(N_EXPRSTMT);
    n->a = e;
    return n;
}

/* Statements with lists on both sides: lhs..., NULL, rhs..., NULL. */
static Node *two_lists(NodeKind k, int op, Node *first, va_list ap)
{
    Node *n = mk(k);
    n->op = op;
    Node *x = first;
    while (x) {
        nl_push(&n->list, x);
        x = va_arg(ap, Node *);
    }
    push_va(&n->list2, ap);
    return n;
}

static Node *defn(Node *first, ...)
{
    va_list ap;
    va_start(ap, first);
    Node *n = two_lists(N_DEFINE, 0, first, ap);
    va_end(ap);
    return n;
}

static Node *setn(Node *first, ...)
{
    va_list ap;
    va_start(ap, first);
    Node *n = two_lists(N_ASSIGN, TK_ASSIGN, first, ap);
    va_end(ap);
    return n;
}

static Node *def(const char *name, Node *v)
{
    return defn(id(name), NULL, v, NULL);
}
static Node *set(Node *lhs, Node *v)
{
    return setn(lhs, NULL, v, NULL);
}

static Node *opset(int op, Node *lhs, Node *v)
{
    Node *n = set(lhs, v);
    n->op = op;
    return n;
}

static Node *incdec(int op, Node *a)
{
    Node *n = mk(N_INCDEC);
    n->op = op;
    n->a = a;
    return n;
}

static Node *var_(const char *name, const char *type, Node *v)
{
    Node *n = mk(N_VAR);
    nl_push(&n->list, id(name));
    if (v)
        nl_push(&n->list2, v);
    n->type = type ? type : "";
    return n;
}

static Node *const_(const char *name, Node *v)
{
    Node *n = mk(N_CONST);
    nl_push(&n->list, id(name));
    nl_push(&n->list2, v);
    return n;
}

static Node *blk(Node *first, ...)
{
    Node *n = mk(N_BLOCK);
    if (!first)
        return n;
    nl_push(&n->list, first);
    va_list ap;
    va_start(ap, first);
    push_va(&n->list, ap);
    va_end(ap);
    return n;
}

static Node *if_(Node *cond, Node *then, Node *els)
{
    Node *n = mk(N_IF);
    n->a = cond;
    n->body = then;
    n->els = els;
    return n;
}

static Node *for_(Node *init, Node *cond, Node *post, Node *body)
{
    Node *n = mk(N_FOR);
    n->init = init;
    n->a = cond;
    n->post = post;
    n->body = body;
    return n;
}

static Node *range_(Node *key, Node *val, bool define, Node *x, Node *body)
{
    Node *n = mk(N_RANGE);
    n->key = key;
    n->val = val;
    n->define = define;
    n->a = x;
    n->body = body;
    return n;
}

static Node *ret(Node *first, ...)
{
    Node *n = mk(N_RETURN);
    if (!first)
        return n;
    nl_push(&n->list, first);
    va_list ap;
    va_start(ap, first);
    push_va(&n->list, ap);
    va_end(ap);
    return n;
}

static Node *branch(NodeKind k, const char *label)
{
    Node *n = mk(k);
    n->name = label;
    return n;
}

static FuncInfo *finfo(Node *body, va_list ap)
{
    FuncInfo *fi = GC_MALLOC(sizeof *fi);
    const char *p;
    while ((p = va_arg(ap, const char *)) != NULL) {
        size_t len = strlen(p);
        if (len > 3 && strcmp(p + len - 3, "...") == 0) {
            char *s = GC_MALLOC_ATOMIC(len);
            memcpy(s, p, len - 3);
            s[len - 3] = 0;
            p = s;
            fi->variadic = true;
        }
        nl_push(&fi->params, id(p));
    }
    fi->body = body;
    fi->end_line = L;
    return fi;
}

/* fn(body, "a", "b", NULL): a function literal; "xs..." is variadic. */
static Node *fn(Node *body, ...)
{
    Node *n = mk(N_FUNC);
    va_list ap;
    va_start(ap, body);
    n->func = finfo(body, ap);
    va_end(ap);
    return n;
}

static Node *funcdecl(const char *name, Node *body, ...)
{
    Node *n = mk(N_FUNCDECL);
    n->name = name;
    va_list ap;
    va_start(ap, body);
    n->func = finfo(body, ap);
    va_end(ap);
    n->func->name = name;
    return n;
}

static Node *case_(Node *body, ...)
{
    Node *n = mk(N_CASE);
    n->body = body;
    va_list ap;
    va_start(ap, body);
    push_va(&n->list, ap);
    va_end(ap);
    return n;
}

static Node *switch_(Node *tag, ...)
{
    Node *n = mk(N_SWITCH);
    n->a = tag;
    va_list ap;
    va_start(ap, tag);
    push_va(&n->list, ap);
    va_end(ap);
    return n;
}

static Node *comm(int op, Node *ch, Node *v, Node *body)
{
    Node *n = mk(N_COMM);
    n->op = op;
    n->a = ch;
    n->b = v;
    n->body = body;
    return n;
}

static Node *comm_recv(Node *ch, bool define, Node *v, Node *ok, Node *body)
{
    Node *n = comm(COMM_RECV, ch, NULL, body);
    n->define = define;
    if (v)
        nl_push(&n->list, v);
    if (ok)
        nl_push(&n->list, ok);
    return n;
}

static Node *select_(Node *first, ...)
{
    Node *n = mk(N_SELECT);
    if (!first)
        return n;
    nl_push(&n->list, first);
    va_list ap;
    va_start(ap, first);
    push_va(&n->list, ap);
    va_end(ap);
    return n;
}

static Node *wrap(NodeKind k, Node *a)
{
    Node *n = mk(k);
    n->a = a;
    return n;
}

static Node *labeled(const char *name, Node *s)
{
    Node *n = mk(N_LABELED);
    n->name = name;
    n->body = s;
    s->label = name;
    return n;
}

static Node *file(Node *first, ...)
{
    Node *n = mk(N_FILE);
    if (!first)
        return n;
    nl_push(&n->list, first);
    va_list ap;
    va_start(ap, first);
    push_va(&n->list, ap);
    va_end(ap);
    return n;
}

/* ---- the runtime and compiling ------------------------------------------ */

static Runtime *rt;
static char *errs; /* diagnostics of the last compile */

static int dummy_native(Thread *t, Value *args, int nargs, Value *rets)
{
    return 0;
}

static Value native(const char *name)
{
    return v_from_ptr(native_new(name, dummy_native, 0, -1));
}

static int setup(void **state)
{
    rt = rt_new();
    rt_define(rt, "len", native("len"));
    rt_define(rt, "print", native("print"));
    rt_define(rt, "println", native("println"));
    rt_define(rt, "append", native("append"));
    rt_define(rt, "make", native("make"));
    rt_define(rt, "float64", native("float64"));
    ObjModule *fmt = module_new("fmt");
    module_add(fmt, "Println", native("fmt.Println"));
    rt_define(rt, "fmt", v_from_ptr(fmt));
    ObjModule *sync = module_new("sync");
    module_add(sync, "Mutex", native("sync.Mutex"));
    rt_define(rt, "sync", v_from_ptr(sync));
    types_register("sync.Mutex", TYPE_OBJECT, native("sync.Mutex"));
    ObjModule *time = module_new("time");
    module_add(time, "Second", v_make_int(1000000000));
    module_add(time, "Millisecond", v_make_int(1000000));
    module_add(time, "After", native("time.After"));
    rt_define(rt, "time", v_from_ptr(time));
    return 0;
}

/* The invariants the VM relies on, checked on every proto the tests
 * compile: register operands below maxregs, constant, proto and upvalue
 * indices in range, jumps inside the code, each test followed by its JMP,
 * CALLM, SELECT and CONV followed by their EXTRA words, outputs of GETINDEX2 and
 * RECV not overlapping their inputs, code ending in RETURN. Returns NULL or
 * what is wrong. */
static const char *verify_proto(const ObjProto *p, char *msg, size_t cap)
{
#define BAD(...) return (snprintf(msg, cap, __VA_ARGS__), msg)
#define REG(r)                                                                                               \
    do {                                                                                                     \
        if ((int)(r) >= p->maxregs)                                                                          \
            BAD("%s: pc %d: register %d >= maxregs %d", p->name->data, pc, (int)(r), p->maxregs);            \
    } while (0)
#define REGS(r, n)                                                                                           \
    do {                                                                                                     \
        for (int q_ = 0; q_ < (int)(n); q_++)                                                                \
            REG((r) + q_);                                                                                   \
    } while (0)
#define KIDX(k)                                                                                              \
    do {                                                                                                     \
        if ((int)(k) >= p->nk)                                                                               \
            BAD("%s: pc %d: K[%d] of %d", p->name->data, pc, (int)(k), p->nk);                               \
    } while (0)
    if (p->ncode < 1 || INS_OP(p->code[p->ncode - 1]) != OP_RETURN)
        BAD("%s: does not end with RETURN", p->name->data);
    if (p->nparams > p->maxregs)
        BAD("%s: nparams > maxregs", p->name->data);
    for (int pc = 0; pc < p->ncode; pc++) {
        uint32_t i = p->code[pc];
        OpCode op = INS_OP(i);
        int a = INS_A(i), b = INS_B(i), c = INS_C(i), bx = INS_Bx(i);
        bool next_jmp = false;
        if (op >= OP__COUNT)
            BAD("%s: pc %d: bad opcode", p->name->data, pc);
        switch (op) {
        case OP_MOVE:
        case OP_MOVEC:
        case OP_NEWCELL:
        case OP_GETCELL:
        case OP_SETCELL:
        case OP_DEREF:
        case OP_SETDEREF:
        case OP_UNM:
        case OP_NOT:
        case OP_BNOT:
        case OP_ADDI:
        case OP_UNPACK:
        case OP_LEN:
        case OP_SEND:
            REG(a);
            REG(b);
            break;
        case OP_LOADK:
        case OP_TYPELIST:
            REG(a);
            KIDX(bx);
            break;
        case OP_LOADI:
        case OP_LOADBOOL:
        case OP_GETGLOBAL:
        case OP_SETGLOBAL:
        case OP_SETGLOBALC:
        case OP_REFGLOBAL:
            REG(a);
            break;
        case OP_REF:
            REG(a);
            if (c != 2) /* C=2: B is an upvalue */
                REG(b);
            break;
        case OP_REFINDEX:
        case OP_GETINDEXC:
            REG(a);
            REG(b);
            REG(c);
            break;
        case OP_APPEND:
            REG(a);
            if (c)
                REGS(b, c);
            break;
        case OP_LOADNIL:
            REGS(a, b + 1);
            break;
        case OP_GETUPVAL:
        case OP_SETUPVAL:
            REG(a);
            if (b >= p->nupvals)
                BAD("%s: pc %d: upvalue %d", p->name->data, pc, b);
            break;
        case OP_CLOSURE:
            REG(a);
            if (bx >= p->nprotos)
                BAD("%s: pc %d: proto %d", p->name->data, pc, bx);
            break;
        case OP_ADD:
        case OP_SUB:
        case OP_MUL:
        case OP_DIV:
        case OP_MOD:
        case OP_BAND:
        case OP_BOR:
        case OP_BXOR:
        case OP_BANDNOT:
        case OP_SHL:
        case OP_SHR:
        case OP_SEQ:
        case OP_SEQIF:
        case OP_SNE:
        case OP_SLT:
        case OP_SLE:
        case OP_MAPSET:
        case OP_GETINDEX:
        case OP_SETINDEX:
        case OP_TYPEASSERT:
        case OP_TYPEIS:
        case OP_INSTANTIATE:
            REG(a);
            REG(b);
            REG(c);
            break;
        case OP_ADDK:
        case OP_SUBK:
        case OP_MULK:
        case OP_DIVK:
        case OP_MODK:
        case OP_GETFIELD:
        case OP_BINDM:
            REG(a);
            REG(b);
            KIDX(c);
            break;
        case OP_EQ:
        case OP_EQIF:
        case OP_LT:
        case OP_LE:
            REG(a);
            REG(b);
            next_jmp = true;
            break;
        case OP_EQK:
            REG(a);
            KIDX(b);
            next_jmp = true;
            break;
        case OP_EQI:
        case OP_LTI:
        case OP_LEI:
        case OP_GTI:
        case OP_GEI:
        case OP_TEST:
            REG(a);
            next_jmp = true;
            break;
        case OP_JMP: {
            int t = pc + 1 + INS_sJ(i);
            if (t < 0 || t >= p->ncode)
                BAD("%s: pc %d: jump to %d", p->name->data, pc, t);
            break;
        }
        case OP_CALL:
        case OP_CALLM:
            REG(a);
            if (b)
                REGS(a, b);
            if (c > 1)
                REGS(a, c - 1);
            if (op == OP_CALLM) {
                if (pc + 1 >= p->ncode || INS_OP(p->code[pc + 1]) != OP_EXTRA)
                    BAD("%s: pc %d: CALLM without EXTRA", p->name->data, pc);
                KIDX(INS_Bx(p->code[pc + 1]));
                if (!v_is_str(p->k[INS_Bx(p->code[pc + 1])]))
                    BAD("%s: pc %d: method name not a string", p->name->data, pc);
                pc++;
            }
            break;
        case OP_RETURN:
        case OP_RETURNC:
            if (b > 1)
                REGS(a, b - 1);
            break;
        case OP_DEFER:
        case OP_GO:
            REG(a);
            if (b)
                REGS(a, b);
            break;
        case OP_CONV:
            REG(a);
            KIDX(bx);
            if (!v_is_obj(p->k[bx], OBJ_TYPE))
                BAD("%s: pc %d: CONV of a constant that is not a type", p->name->data, pc);
            if (pc + 1 >= p->ncode || INS_OP(p->code[pc + 1]) != OP_EXTRA)
                BAD("%s: pc %d: CONV without EXTRA", p->name->data, pc);
            if ((INS_A(p->code[pc + 1]) & ~STORE_CONST) >= STORE__COUNT)
                BAD("%s: pc %d: CONV names no place", p->name->data, pc);
            pc++;
            break;
        case OP_EXTRA:
            BAD("%s: pc %d: stray EXTRA", p->name->data, pc);
        case OP_NEWLIST:
            REG(a);
            if (c)
                REGS(b, c);
            break;
        case OP_APPENDN:
            REGS(a, b + 1);
            break;
        case OP_NEWMAP: {
            /* the pairs, then the map's type when NEWMAP_TYPED is set */
            int pairs = c & ~NEWMAP_TYPED, typed = (c & NEWMAP_TYPED) != 0;
            REG(a);
            if (pairs || typed)
                REGS(b, 2 * pairs + typed);
            break;
        }
        case OP_GETINDEX2:
        case OP_TYPEASSERT2:
            REGS(a, 2);
            REG(b);
            REG(c);
            if (a == b || a == c || a + 1 == b || a + 1 == c)
                BAD("%s: pc %d: GETINDEX2 overlap", p->name->data, pc);
            break;
        case OP_SETFIELD:
            REG(a);
            KIDX(b);
            REG(c);
            break;
        case OP_SLICE:
            REG(a);
            REG(b);
            REGS(c, 3);
            break;
        case OP_RANGEPREP:
            REGS(a, 4);
            break;
        case OP_RANGE:
            REGS(a, 4);
            next_jmp = true;
            break;
        case OP_RECV:
            REG(a);
            REG(b);
            if (c == 2)
                REG(a + 1);
            if (a == b || (c == 2 && a + 1 == b))
                BAD("%s: pc %d: RECV overlap", p->name->data, pc);
            break;
        case OP_SELECT:
            REGS(a, 3);
            for (int k = 0; k < c; k++) {
                if (pc + 1 + k >= p->ncode || INS_OP(p->code[pc + 1 + k]) != OP_EXTRA)
                    BAD("%s: pc %d: SELECT without EXTRA", p->name->data, pc);
                uint32_t e = p->code[pc + 1 + k];
                REG(INS_Bx(e));
                if (INS_A(e) == 1)
                    REG(INS_Bx(e) + 1);
            }
            pc += c;
            break;
        default:
            break;
        }
        if (next_jmp && (pc + 1 >= p->ncode || INS_OP(p->code[pc + 1]) != OP_JMP))
            BAD("%s: pc %d: test not followed by JMP", p->name->data, pc);
    }
    if (p->nnamed && p->named_reg + p->nnamed > p->maxregs)
        BAD("%s: named results R[%d..%d] past maxregs %d", p->name->data, p->named_reg,
            p->named_reg + p->nnamed - 1, p->maxregs);
    for (int i = 0; i < p->nprotos; i++) {
        const ObjProto *q = p->protos[i];
        for (int u = 0; u < q->nupvals; u++) {
            if (q->upvals[u].from_parent_reg && q->upvals[u].idx >= p->maxregs)
                BAD("%s: upvalue %d: parent register %d", q->name->data, u, q->upvals[u].idx);
            if (!q->upvals[u].from_parent_reg && q->upvals[u].idx >= p->nupvals)
                BAD("%s: upvalue %d: parent upvalue %d", q->name->data, u, q->upvals[u].idx);
        }
        const char *r = verify_proto(q, msg, cap);
        if (r)
            return r;
    }
    return NULL;
#undef BAD
#undef REG
#undef REGS
#undef KIDX
}

static ObjProto *compile_mode(Node *f, bool repl)
{
    size_t len = 0;
    errs = NULL;
    FILE *out = open_memstream(&errs, &len);
    Diag d;
    diag_init(&d, "t.csp", NULL, 0, out);
    ObjProto *p = cg_compile(rt, f, &d, "t.csp", repl);
    fclose(out);
    char msg[256];
    const char *bad = p ? verify_proto(p, msg, sizeof msg) : NULL;
    if (bad)
        fail_msg("invalid bytecode: %s", bad);
    return p;
}

static ObjProto *compile(Node *f)
{
    return compile_mode(f, false);
}

/* Compile, expecting success. */
static ObjProto *ok(Node *f)
{
    ObjProto *p = compile(f);
    if (!p)
        fail_msg("unexpected compile errors:\n%s", errs);
    return p;
}

/* Compile, expecting an error containing `msg`. */
static void fails(Node *f, const char *msg)
{
    ObjProto *p = compile(f);
    if (p)
        fail_msg("compiled, but expected error \"%s\"", msg);
    if (!strstr(errs, msg))
        fail_msg("expected error \"%s\", got:\n%s", msg, errs);
}

static ObjProto *proto_named(ObjProto *p, const char *name)
{
    if (strcmp(p->name->data, name) == 0)
        return p;
    for (int i = 0; i < p->nprotos; i++) {
        ObjProto *q = proto_named(p->protos[i], name);
        if (q)
            return q;
    }
    return NULL;
}

static char *ops(ObjProto *p)
{
    char *s = malloc(16 * (size_t)p->ncode + 1);
    s[0] = 0;
    for (int i = 0; i < p->ncode; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, op_names[INS_OP(p->code[i])]);
    }
    return s;
}

static void dump(ObjProto *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    disasm_proto(f, p);
    fclose(f);
    print_message("%s", buf);
    free(buf);
}

#define assert_ops(p, want) assert_ops_((p), (want), __LINE__)
static void assert_ops_(ObjProto *p, const char *want, int line)
{
    assert_non_null(p);
    char *got = ops(p);
    if (strcmp(got, want) != 0) {
        dump(p);
        fail_msg("line %d: code of %s:\nwant: %s\n got: %s", line, p->name->data, want, got);
    }
    free(got);
}

static int count_op(ObjProto *p, OpCode op)
{
    int n = 0;
    for (int i = 0; i < p->ncode; i++)
        n += INS_OP(p->code[i]) == op;
    return n;
}

static int find_op(ObjProto *p, OpCode op, int from)
{
    for (int i = from; i < p->ncode; i++)
        if (INS_OP(p->code[i]) == op)
            return i;
    return -1;
}

static int jump_target(ObjProto *p, int pc)
{
    return pc + 1 + INS_sJ(p->code[pc]);
}

/* The one function a test file declares: file(funcdecl("f", ...)). */
static ObjProto *func_f(Node *body, ...)
{
    Node *d = mk(N_FUNCDECL);
    d->name = "f";
    va_list ap;
    va_start(ap, body);
    d->func = finfo(body, ap);
    va_end(ap);
    ObjProto *m = ok(file(d, NULL));
    return m ? proto_named(m, "main.f") : NULL;
}

/* ---- locals, constants, arithmetic ---------------------------------------- */

/* Test that locals are used in place: no MOVE for operands or results. */
static void test_compile_locals_no_move(void **state)
{
    ObjProto *f =
        func_f(blk(def("x", bin(TK_PLUS, id("a"), id("b"))), ret(id("x"), NULL), NULL), "a", "b", NULL);
    assert_ops(f, "ADD RETURN RETURN");
    assert_int_equal(f->code[0], MK_ABC(OP_ADD, 2, 0, 1));
    assert_int_equal(f->code[1], MK_ABC(OP_RETURN, 2, 2, 0)); /* a local returned is not copied */
    assert_int_equal(f->nparams, 2);
    assert_int_equal(f->maxregs, 3);
}

/* Test that equal constants share one K entry and small ints use LOADI. */
static void test_compile_constants_dedupe(void **state)
{
    ObjProto *f = func_f(blk(def("a", str("hi")), def("b", str("hi")), def("c", num(100000)),
                             def("d", num(100000)), def("e", num(32768)), def("g", num(-32767)),
                             def("h", num(-32768)), def("i", flt(1.0)), def("j", num(1)), NULL),
                         NULL);
    assert_ops(f, "LOADK LOADK LOADK LOADK LOADI LOADI LOADK LOADK LOADI RETURN");
    assert_int_equal(f->nk, 4); /* "hi", 100000, -32768, 1.0 (not merged with 1) */
    assert_int_equal(INS_Bx(f->code[0]), INS_Bx(f->code[1]));
    assert_int_equal(INS_Bx(f->code[2]), INS_Bx(f->code[3]));
    assert_int_equal(INS_sBx(f->code[4]), 32768);
    assert_int_equal(INS_sBx(f->code[5]), -32767);
}

/* Test that x + small and x - small use ADDI, other constants the K forms. */
static void test_compile_arith_immediates(void **state)
{
    ObjProto *f =
        func_f(blk(def("a", bin(TK_PLUS, id("x"), num(5))), def("b", bin(TK_MINUS, id("x"), num(3))),
                   def("c", bin(TK_MINUS, id("x"), num(128))), def("d", bin(TK_STAR, id("x"), num(2))),
                   def("e", bin(TK_PERCENT, id("x"), num(1000003))),
                   def("g", bin(TK_PLUS, id("x"), str("s"))), def("h", bin(TK_SHL, id("x"), num(3))), NULL),
               "x", NULL);
    assert_ops(f, "ADDI ADDI SUBK MULK MODK ADDK LOADI SHL RETURN");
    assert_int_equal(INS_sC(f->code[0]), 5);
    assert_int_equal(INS_sC(f->code[1]), -3);
}

/* Test that constant expressions fold, through consts and module members. */
static void test_compile_constant_folding(void **state)
{
    ObjProto *m = ok(file(const_("N", bin(TK_SHL, num(1), num(10))),
                          funcdecl("f",
                                   blk(def("a", bin(TK_STAR, id("N"), num(2))),
                                       def("b", bin(TK_STAR, fld(id("time"), "Second"), num(2))),
                                       def("c", bin(TK_PLUS, str("ab"), str("cd"))),
                                       def("d", bin(TK_SLASH, num(1), num(0))), /* left to panic: DIVK */
                                       def("e", un(TK_MINUS, id("M"))), NULL),
                                   NULL),
                          const_("M", flt(2.5)), NULL));
    ObjProto *f = proto_named(m, "main.f");
    assert_ops(f, "LOADI LOADK LOADK LOADI DIVK LOADK RETURN");
    assert_int_equal(INS_sBx(f->code[0]), 2048);
    assert_true(v_anyint(f->k[INS_Bx(f->code[1])]) == 2000000000);
    assert_string_equal(v_str(f->k[INS_Bx(f->code[2])])->data, "abcd");
    assert_true(v_anyint(f->k[INS_C(f->code[4])]) == 0);
    assert_true(v_anyfloat(f->k[INS_Bx(f->code[5])]) == -2.5);
    /* the main chunk stores the folded consts first */
    assert_ops(m, "LOADI SETGLOBAL CLOSURE SETGLOBAL LOADK SETGLOBAL RETURN"); /* source order */
}

/* Test that `s = (s + i*i) % 1000003` in a counted loop is a tight loop
 * with the test at the bottom. */
static void test_compile_tight_loop(void **state)
{
    ObjProto *f = func_f(
        blk(def("s", num(0)),
            for_(def("i", num(0)), bin(TK_LT, id("i"), id("n")), incdec(TK_INC, id("i")),
                 blk(set(id("s"), bin(TK_PERCENT, bin(TK_PLUS, id("s"), bin(TK_STAR, id("i"), id("i"))),
                                      num(1000003))),
                     NULL)),
            ret(id("s"), NULL), NULL),
        "n", NULL);
    assert_ops(f, "LOADI LOADI JMP MUL ADD MODK ADDI LT JMP RETURN RETURN");
    assert_int_equal(jump_target(f, 2), 7); /* enter at the test */
    assert_int_equal(jump_target(f, 8), 3); /* loop back to the body */
    assert_int_equal(f->code[7], MK_ABC(OP_LT, 2, 0, 1));
    assert_int_equal(INS_A(f->code[5]), 1); /* MODK straight into s */
}

/* Test that a loop bound too big for an immediate is loaded once, before
 * the loop, not on every test; small bounds stay immediates. */
static void test_compile_loop_bound_hoisted(void **state)
{
    ObjProto *f = func_f(
        blk(for_(def("i", num(0)), bin(TK_LT, id("i"), num(1000000)), incdec(TK_INC, id("i")), blk(NULL)),
            for_(def("j", num(0)), bin(TK_GE, num(100), id("j")), incdec(TK_INC, id("j")), blk(NULL)), NULL),
        NULL);
    assert_ops(f, "LOADI LOADK JMP ADDI LT JMP LOADI JMP ADDI LEI JMP RETURN");
    assert_int_equal(jump_target(f, 5), 3);
    assert_int_equal(f->code[4], MK_ABC(OP_LT, 0, 1, 1));
    assert_int_equal(f->code[9], MK_ABC(OP_LEI, 0, 100 + SC_BIAS, 1)); /* 100 >= j is j <= 100 */
}

/* Test that fib's recursive calls need no moves. */
static void test_compile_fib(void **state)
{
    Node *body = blk(if_(bin(TK_LT, id("n"), num(2)), blk(ret(id("n"), NULL), NULL), NULL),
                     ret(bin(TK_PLUS, call(id("fib"), bin(TK_MINUS, id("n"), num(1)), NULL),
                             call(id("fib"), bin(TK_MINUS, id("n"), num(2)), NULL)),
                         NULL),
                     NULL);
    ObjProto *m = ok(file(funcdecl("fib", body, "n", NULL), NULL));
    ObjProto *f = proto_named(m, "main.fib");
    assert_ops(f, "LTI JMP RETURN GETGLOBAL ADDI CALL GETGLOBAL ADDI CALL ADD RETURN RETURN");
    assert_int_equal(f->code[0], MK_ABC(OP_LTI, 0, 2 + SC_BIAS, 0));
    assert_int_equal(jump_target(f, 1), 3);
    assert_int_equal(f->code[5], MK_ABC(OP_CALL, 1, 2, 2));
    assert_int_equal(f->code[9], MK_ABC(OP_ADD, 1, 1, 2));
    assert_int_equal(f->code[10], MK_ABC(OP_RETURN, 1, 2, 0));
}

/* ---- conditions ------------------------------------------------------------ */

/* Test that if/else jumps land at the else branch and after it. */
static void test_compile_if_else_targets(void **state)
{
    ObjProto *f = func_f(
        blk(if_(bin(TK_EQ, id("a"), id("b")), blk(ret(num(1), NULL), NULL), blk(ret(num(2), NULL), NULL)),
            NULL),
        "a", "b", NULL);
    assert_ops(f, "EQ JMP LOADI RETURN JMP LOADI RETURN RETURN");
    assert_int_equal(f->code[0], MK_ABC(OP_EQ, 0, 1, 0));
    assert_int_equal(jump_target(f, 1), 5);
    assert_int_equal(jump_target(f, 4), 7);
}

/* Test that > swaps the operands of LT, != inverts C, and !(a < b) stays a
 * LT with C set (so NaN is handled) rather than becoming b <= a. */
static void test_compile_compare_forms(void **state)
{
    ObjProto *f = func_f(blk(if_(bin(TK_GT, id("a"), id("b")), blk(NULL), NULL),
                             if_(bin(TK_NE, id("a"), id("b")), blk(NULL), NULL),
                             if_(un(TK_NOT, bin(TK_LT, id("a"), id("b"))), blk(NULL), NULL),
                             if_(bin(TK_GE, num(3), id("a")), blk(NULL), NULL),
                             if_(bin(TK_EQ, id("a"), str("x")), blk(NULL), NULL), NULL),
                         "a", "b", NULL);
    assert_ops(f, "LT JMP EQ JMP LT JMP LEI JMP EQK JMP RETURN");
    assert_int_equal(f->code[0], MK_ABC(OP_LT, 1, 0, 0));            /* a > b: jump away when !(b < a) */
    assert_int_equal(f->code[2], MK_ABC(OP_EQ, 0, 1, 1));            /* a != b: jump away when a == b */
    assert_int_equal(f->code[4], MK_ABC(OP_LT, 0, 1, 1));            /* !(a < b): jump away when a < b */
    assert_int_equal(f->code[6], MK_ABC(OP_LEI, 0, 3 + SC_BIAS, 0)); /* 3 >= a is a <= 3 */
}

/* Test that && and || in conditions are jump code, never a bool value. */
static void test_compile_logic_jump_code(void **state)
{
    ObjProto *f = func_f(
        blk(if_(bin(TK_ANDAND, bin(TK_LT, id("a"), id("b")), id("c")), blk(ret(num(1), NULL), NULL), NULL),
            if_(bin(TK_OROR, bin(TK_LT, id("a"), id("b")), id("c")), blk(ret(num(2), NULL), NULL), NULL),
            NULL),
        "a", "b", "c", NULL);
    assert_ops(f, "LT JMP TEST JMP LOADI RETURN LT JMP TEST JMP LOADI RETURN RETURN");
    /* &&: both tests jump to the end of the first if when false */
    assert_int_equal(jump_target(f, 1), 6);
    assert_int_equal(jump_target(f, 3), 6);
    assert_int_equal(f->code[2], MK_ABC(OP_TEST, 2, 0, 0));
    /* ||: a < b true jumps into the body; c false skips it */
    assert_int_equal(f->code[6], MK_ABC(OP_LT, 0, 1, 1));
    assert_int_equal(jump_target(f, 7), 10);
    assert_int_equal(jump_target(f, 9), 12);
}

/* Test that comparisons and && used as values produce registers directly. */
static void test_compile_logic_values(void **state)
{
    ObjProto *f =
        func_f(blk(def("x", bin(TK_GT, id("a"), id("b"))), def("y", bin(TK_ANDAND, id("x"), id("b"))),
                   set(id("x"), bin(TK_ANDAND, id("a"), id("x"))), NULL),
               "a", "b", NULL);
    assert_ops(f, "SLT MOVE TEST JMP MOVE MOVE TEST JMP MOVE MOVE RETURN");
    assert_int_equal(f->code[0], MK_ABC(OP_SLT, 2, 1, 0));
    /* x = a && x computes in a temporary: x is read after a is known */
    assert_int_equal(f->code[5], MK_ABC(OP_MOVE, 4, 0, 0));
    assert_int_equal(f->code[9], MK_ABC(OP_MOVE, 2, 4, 0));
}

/* ---- calls ------------------------------------------------------------------ */

/* Test that f(g()) passes every result of g, and module members are
 * constants. */
static void test_compile_call_all_results(void **state)
{
    ObjProto *m = ok(
        file(funcdecl("divmod", blk(ret(id("a"), id("b"), NULL), NULL), "a", "b", NULL),
             expr_s(call(fld(id("fmt"), "Println"), call(id("divmod"), num(7), num(2), NULL), NULL)), NULL));
    assert_ops(m, "CLOSURE SETGLOBAL LOADK GETGLOBAL LOADI LOADI CALL CALL RETURN");
    assert_int_equal(m->code[6], MK_ABC(OP_CALL, 1, 3, 0));
    assert_int_equal(m->code[7], MK_ABC(OP_CALL, 0, 0, 1));
    assert_true(v_is_obj(m->k[INS_Bx(m->code[2])], OBJ_NATIVE));
    ObjProto *d = proto_named(m, "main.divmod");
    assert_ops(d, "MOVEC MOVEC RETURN RETURN");
    assert_int_equal(d->code[2], MK_ABC(OP_RETURN, 2, 3, 0));
}

/* Test that x.m(args) is CALLM with the method name in an EXTRA word. */
static void test_compile_method_call(void **state)
{
    ObjProto *f = func_f(blk(expr_s(call(fld(id("sb"), "WriteString"), str("x"), NULL)),
                             def("n", call(fld(id("sb"), "Len"), NULL)), NULL),
                         "sb", NULL);
    assert_ops(f, "MOVE LOADK CALLM EXTRA MOVE CALLM EXTRA RETURN");
    assert_int_equal(f->code[2], MK_ABC(OP_CALLM, 1, 2, 1));
    assert_string_equal(v_str(f->k[INS_Bx(f->code[3])])->data, "WriteString");
    assert_int_equal(f->code[5], MK_ABC(OP_CALLM, 1, 1, 2));
}

/* Test that f(1, xs...) passes the list itself as the last argument (a
 * value read of xs) and calls with CALLSP, which decides at run time
 * whether the callee takes the list or its elements. */
static void test_compile_spread(void **state)
{
    ObjProto *f = func_f(blk(expr_s(spread(call(id("g"), num(1), id("xs"), NULL))), NULL), "g", "xs", NULL);
    assert_ops(f, "MOVE LOADI MOVEC CALLSP RETURN");
    assert_int_equal(f->code[2], MK_ABC(OP_MOVEC, 4, 1, 0));
    assert_int_equal(f->code[3], MK_ABC(OP_CALLSP, 2, 3, 1));
}

/* Test that len(x) is the LEN instruction, unless len is shadowed. */
static void test_compile_len(void **state)
{
    ObjProto *f = func_f(blk(def("n", call(id("len"), id("xs"), NULL)), NULL), "xs", NULL);
    assert_ops(f, "LEN RETURN");
    assert_int_equal(f->code[0], MK_ABC(OP_LEN, 1, 0, 0));
    f = func_f(blk(def("n", call(id("len"), id("xs"), NULL)), NULL), "xs", "len", NULL);
    assert_ops(f, "MOVE MOVEC CALL RETURN");
}

/* Test that defer x.M() binds the method now, and go func(){}() starts a
 * closure. */
static void test_compile_defer_go(void **state)
{
    ObjProto *f = func_f(blk(wrap(N_DEFER, call(fld(id("mu"), "Unlock"), NULL)),
                             wrap(N_GO, call(fn(blk(NULL), NULL), NULL)),
                             wrap(N_DEFER, call(id("g"), id("mu"), NULL)), NULL),
                         "mu", "g", NULL);
    assert_ops(f, "BINDM DEFER CLOSURE GO MOVE MOVEC DEFER RETURN");
    assert_int_equal(f->code[0], MK_ABC(OP_BINDM, 2, 0, 0)); /* mu read in place */
    assert_int_equal(f->code[1], MK_ABC(OP_DEFER, 2, 1, 0));
    assert_int_equal(f->code[3], MK_ABC(OP_GO, 2, 1, 0));
    assert_int_equal(f->code[6], MK_ABC(OP_DEFER, 2, 2, 0));
    assert_non_null(proto_named(f, "main.f.func1"));
}

/* ---- assignments ------------------------------------------------------------ */

/* Test that a, b = b, a evaluates both sides before assigning. */
static void test_compile_swap(void **state)
{
    ObjProto *f = func_f(blk(setn(id("a"), id("b"), NULL, id("b"), id("a"), NULL), NULL), "a", "b", NULL);
    assert_ops(f, "MOVEC MOVEC MOVE MOVE RETURN");
    assert_int_equal(f->code[0], MK_ABC(OP_MOVEC, 2, 1, 0));
    assert_int_equal(f->code[1], MK_ABC(OP_MOVEC, 3, 0, 0));
    assert_int_equal(f->code[2], MK_ABC(OP_MOVE, 0, 2, 0));
    assert_int_equal(f->code[3], MK_ABC(OP_MOVE, 1, 3, 0));
}

/* Test that i, xs[i] = 1, 2 indexes with the old i. */
static void test_compile_multi_assign_index_pinned(void **state)
{
    ObjProto *f =
        func_f(blk(setn(id("i"), idx(id("xs"), id("i")), NULL, num(1), num(2), NULL), NULL), "i", "xs", NULL);
    assert_ops(f, "MOVE MOVE LOADI LOADI MOVE SETINDEX RETURN");
    assert_int_equal(f->code[5], MK_ABC(OP_SETINDEX, 2, 3, 5));
}

/* Test the multi-value forms: a, b := f(); v, ok := m[k]; v, ok := <-ch. */
static void test_compile_multi_value(void **state)
{
    ObjProto *f = func_f(blk(defn(id("a"), id("b"), NULL, call(id("g"), NULL), NULL),
                             defn(id("v"), id("ok"), NULL, idx(id("m"), id("a")), NULL),
                             defn(id("w"), id("ok2"), NULL, recv(id("ch")), NULL), NULL),
                         "g", "m", "ch", NULL);
    assert_ops(f, "MOVE CALL GETINDEX2 MOVEC RECV RETURN"); /* v copied: an element read */
    assert_int_equal(f->code[1], MK_ABC(OP_CALL, 3, 1, 3));
    assert_int_equal(f->code[2], MK_ABC(OP_GETINDEX2, 5, 1, 3));
    assert_int_equal(f->code[4], MK_ABC(OP_RECV, 7, 2, 2));
}

/* Test compound assignment on locals, indexes and fields: operands once,
 * and a map entry read through NILZERO (a missing key starts from Go's
 * zero value). */
static void test_compile_compound(void **state)
{
    ObjProto *f =
        func_f(blk(opset(TK_PLUSEQ, id("x"), num(2)), opset(TK_STAREQ, idx(id("xs"), id("x")), id("x")),
                   incdec(TK_INC, fld(id("m"), "count")), incdec(TK_DEC, id("x")), NULL),
               "x", "xs", "m", NULL);
    assert_ops(f, "ADDI GETINDEX NILZERO MUL SETINDEX GETFIELD NILZERO ADDI SETFIELD ADDI RETURN");
    assert_int_equal(f->code[0], MK_ABC(OP_ADDI, 0, 0, 2 + SC_BIAS));
    assert_int_equal(f->code[1], MK_ABC(OP_GETINDEX, 3, 1, 0));
    assert_int_equal(f->code[2], MK_ABC(OP_NILZERO, 3, 0, 0)); /* like x's type */
    assert_int_equal(f->code[4], MK_ABC(OP_SETINDEX, 1, 0, 3));
    assert_int_equal(f->code[6], MK_ABC(OP_NILZERO, 3, 0, 1)); /* int 0 for ++ */
    assert_int_equal(INS_sC(f->code[9]), -1);
}

/* Test that var declarations make Go's zero values. */
static void test_compile_var_zero_values(void **state)
{
    ObjProto *f = func_f(blk(var_("n", "int", NULL), var_("s", "string", NULL), var_("b", "bool", NULL),
                             var_("x", "float64", NULL), var_("mu", "sync.Mutex", NULL),
                             var_("p", "[]", NULL), var_("q", NULL, num(7)), NULL),
                         NULL);
    assert_ops(f, "LOADI LOADK LOADBOOL LOADK LOADK CALL LOADK LOADI RETURN");
    assert_true(list_is_nil(f->k[INS_Bx(f->code[6])]));     /* a nil slice that knows its type */
    assert_int_equal(f->code[5], MK_ABC(OP_CALL, 4, 1, 2)); /* the mutex: sync.Mutex() */
    assert_true(v_is_anyfloat(f->k[INS_Bx(f->code[3])]));
    /* an array: types.h's zero native called with the type's descriptor */
    f = func_f(blk(var_("a", "[2]sync.Mutex", NULL), NULL), NULL);
    assert_ops(f, "LOADK LOADK CALL RETURN");
    assert_int_equal(f->code[2], MK_ABC(OP_CALL, 0, 2, 2));
    assert_true(v_is_obj(f->k[INS_Bx(f->code[1])], OBJ_TYPE));
}

/* Test that a type used as a value is its descriptor, a constant. */
static void test_compile_typeexpr(void **state)
{
    ObjProto *f = func_f(blk(def("m", call(id("make"), typeexpr("map[string]int"), NULL)), NULL), NULL);
    assert_ops(f, "LOADK LOADK CALL RETURN");
    ObjType *ty = v_ptr(f->k[INS_Bx(f->code[1])]);
    assert_int_equal(ty->h.kind, OBJ_TYPE);
    assert_int_equal(ty->kind, TYPE_MAP);
    assert_string_equal(ty->name, "map[string]int");
    assert_int_equal(ty->key->kind, TYPE_STRING);
    assert_int_equal(ty->elem->kind, TYPE_INT);
}

/* Test that an undefined module type is reported where it is written,
 * inside composite types too, and that T(x) takes one argument. */
static void test_compile_type_errors(void **state)
{
    fails(file(var_("p", "*sync.Mutx", NULL), NULL), "undefined: sync.Mutx");
    fails(file(var_("m", "map[string]time.Duraton", NULL), NULL), "undefined: time.Duraton");
    fails(file(expr_s(call(typeexpr("[]byte"), NULL)), NULL), "missing argument in conversion to []byte");
}

/* ---- globals, hoisting, the REPL -------------------------------------------- */

/* Test that top-level funcs are stored before any statement runs, and
 * top-level names are globals. */
static void test_compile_hoisting(void **state)
{
    ObjProto *m = ok(file(def("x", call(id("f"), NULL)), funcdecl("f", blk(ret(id("y"), NULL), NULL), NULL),
                          def("y", num(3)), NULL));
    assert_ops(m, "CLOSURE SETGLOBAL GETGLOBAL CALL SETGLOBAL LOADI SETGLOBAL RETURN");
    assert_int_equal(m->is_main, 1);
    assert_string_equal(m->name->data, "main");
    assert_string_equal(m->file->data, "t.csp");
    ObjProto *f = proto_named(m, "main.f");
    assert_ops(f, "GETGLOBAL RETURNC RETURN");
    /* f reads y's slot, which the main chunk writes */
    assert_int_equal(INS_Bx(f->code[0]), INS_Bx(m->code[6]));
}

/* Test that in REPL mode a final expression statement is returned, and
 * redeclaring a global is allowed. */
static void test_compile_repl(void **state)
{
    ObjProto *m = compile_mode(
        file(def("x", num(1)), def("x", num(2)), expr_s(bin(TK_PLUS, id("x"), num(1))), NULL), true);
    assert_non_null(m);
    assert_ops(m, "LOADI SETGLOBAL LOADI SETGLOBAL GETGLOBAL ADDI RETURN RETURN");
    assert_int_equal(INS_B(m->code[6]), 2);
    m = compile_mode(file(expr_s(call(id("print"), num(1), NULL)), NULL), true);
    assert_ops(m, "LOADK LOADI CALL RETURN RETURN");
    assert_int_equal(m->code[2], MK_ABC(OP_CALL, 0, 2, 0));
    assert_int_equal(m->code[3], MK_ABC(OP_RETURN, 0, 0, 0));
}

/* ---- closures ------------------------------------------------------------ */

/* Test that a captured local lives in a cell and the closure reaches it
 * through an upvalue. */
static void test_compile_captured_local(void **state)
{
    ObjProto *f = func_f(blk(def("x", num(1)), def("g", fn(blk(incdec(TK_INC, id("x")), NULL), NULL)),
                             ret(id("x"), NULL), NULL),
                         "p", NULL);
    assert_ops(f, "LOADI NEWCELL CLOSURE GETCELL RETURNC RETURN");
    assert_int_equal(f->code[1], MK_ABC(OP_NEWCELL, 1, 1, 0));
    ObjProto *g = proto_named(f, "main.f.func1");
    assert_ops(g, "GETUPVAL ADDI SETUPVAL RETURN");
    assert_int_equal(g->nupvals, 1);
    assert_int_equal(g->upvals[0].from_parent_reg, 1);
    assert_int_equal(g->upvals[0].idx, 1);
}

/* Source text parsed and compiled, expecting success. */
static ObjProto *ok_src(const char *src)
{
    Diag d;
    diag_init(&d, "t.csp", src, strlen(src), stderr);
    Node *f = parse_program(src, strlen(src), &d);
    assert_non_null(f);
    assert_int_equal(d.nerrors, 0);
    return ok(f);
}

/* Test that stores into typed variables convert only where the value is
 * not known to fit: a typed function like spectralnorm's A has one CONV
 * (float64 of an int expression) and no call; constants convert when
 * compiled (3 into a float64 is the constant 3.0); float arithmetic into a
 * float64, untyped code and a typed fib have none; an unknown value into
 * an int and a byte's ++ have one each. */
static void test_compile_typed_stores(void **state)
{
    ObjProto *p = ok_src("func A(i, j int) float64 { return 1.0 / float64((i+j)*(i+j+1)/2+i+1) }\n"
                         "func f() { var x float64 = 3; x += 1; var s float64; s = x * 2; println(s) }\n"
                         "func g(a) { var n int; n = a; var b byte = 1; b++; println(n, b) }\n"
                         "func h(a, b) { x := a + b; x = 3.5; println(x) }\n"
                         "func fib(n int) int { if n < 2 { return n }; return fib(n-1) + fib(n-2) }\n");
    ObjProto *a = proto_named(p, "main.A"), *f = proto_named(p, "main.f");
    assert_int_equal(count_op(a, OP_CONV), 1);
    assert_int_equal(count_op(a, OP_CALL), 0);
    assert_int_equal(count_op(f, OP_CONV), 0);
    bool three = false;
    for (int i = 0; i < f->nk; i++)
        three |= v_is_anyfloat(f->k[i]) && v_anyfloat(f->k[i]) == 3.0;
    assert_true(three);
    assert_int_equal(count_op(proto_named(p, "main.g"), OP_CONV), 2);
    assert_int_equal(count_op(proto_named(p, "main.h"), OP_CONV), 0);
    /* a typed recursive func: its own results are known to be ints */
    assert_int_equal(count_op(proto_named(p, "main.fib"), OP_CONV), 0);
}

/* Test that named results take the registers after the parameters, in
 * order (the VM reads them there after deferred calls), that a blank one
 * has its register too, and that a bare return returns them. */
static void test_compile_named_results(void **state)
{
    (void)state;
    Node *d = mk(N_FUNCDECL);
    d->name = "f";
    FuncInfo *fi = GC_MALLOC(sizeof *fi);
    nl_push(&fi->params, id("a"));
    const char *names[] = {"n", "_", "s"}, *types[] = {"int", "error", "string"};
    for (int i = 0; i < 3; i++) {
        Node *r = id(names[i]);
        r->type = types[i];
        nl_push(&fi->results, r);
    }
    fi->nresults = 3;
    fi->body = blk(ret(NULL), NULL);
    fi->end_line = L;
    d->func = fi;
    ObjProto *m = ok(file(d, NULL));
    ObjProto *f = proto_named(m, "main.f");
    assert_non_null(f);
    assert_int_equal(f->nparams, 1);
    assert_int_equal(f->nnamed, 3);
    assert_int_equal(f->named_reg, 1);
    assert_ops(f, "LOADI LOADNIL LOADK MOVE MOVE MOVE RETURN MOVE MOVE MOVE RETURN");
}

/* Test that a captured parameter is marked in cellparams, and a closure two
 * levels down reaches it through its parent's upvalue. */
static void test_compile_captured_param_nested(void **state)
{
    ObjProto *f =
        func_f(blk(ret(fn(blk(ret(fn(blk(ret(id("b"), NULL), NULL), NULL), NULL), NULL), NULL), NULL), NULL),
               "a", "b", NULL);
    assert_int_equal(f->cellparams, 2);
    ObjProto *g = proto_named(f, "main.f.func1");
    ObjProto *h = proto_named(f, "main.f.func1.1");
    assert_non_null(h);
    assert_int_equal(g->nupvals, 1);
    assert_int_equal(g->upvals[0].from_parent_reg, 1);
    assert_int_equal(g->upvals[0].idx, 1);
    assert_int_equal(h->upvals[0].from_parent_reg, 0);
    assert_int_equal(h->upvals[0].idx, 0);
}

/* Test that a captured 3-clause loop variable gets a fresh cell, holding its
 * current value, before each post statement (Go 1.22). */
static void test_compile_loop_var_fresh_cell(void **state)
{
    ObjProto *f = func_f(blk(for_(def("i", num(0)), bin(TK_LT, id("i"), num(3)), incdec(TK_INC, id("i")),
                                  blk(set(id("fs"), call(id("append"), id("fs"),
                                                         fn(blk(ret(id("i"), NULL), NULL), NULL), NULL)),
                                      NULL)),
                             NULL),
                         "fs", NULL);
    assert_ops(
        f, "LOADI NEWCELL JMP CLOSURE APPEND GETCELL NEWCELL GETCELL ADDI SETCELL GETCELL LTI JMP RETURN");
    assert_int_equal(f->code[5], MK_ABC(OP_GETCELL, 2, 1, 0));
    assert_int_equal(f->code[6], MK_ABC(OP_NEWCELL, 1, 2, 0));
    assert_int_equal(jump_target(f, 12), 3);
}

/* Test that a func literal captures a main-chunk local as an upvalue, and
 * a literal in a top-level statement is named main.funcN. */
static void test_compile_main_locals_captured(void **state)
{
    ObjProto *m = ok(
        file(if_(id("true"),
                 blk(def("v", num(1)),
                     expr_s(call(fn(blk(expr_s(call(id("print"), id("v"), NULL)), NULL), NULL), NULL)), NULL),
                 NULL),
             NULL));
    ObjProto *g = proto_named(m, "main.func1");
    assert_non_null(g);
    assert_int_equal(g->upvals[0].from_parent_reg, 1);
    assert_ops(m, "LOADI NEWCELL CLOSURE CALL RETURN");
}

/* ---- loops and branches ------------------------------------------------------ */

/* Test the range loop layout: RANGEPREP, JMP to RANGE, body, RANGE, JMP back;
 * unassigned loop variables read the range registers directly. */
static void test_compile_range(void **state)
{
    ObjProto *f = func_f(blk(def("s", num(0)),
                             range_(id("i"), id("v"), true, id("xs"),
                                    blk(opset(TK_PLUSEQ, id("s"), bin(TK_STAR, id("i"), id("v"))), NULL)),
                             ret(id("s"), NULL), NULL),
                         "xs", NULL);
    assert_ops(f, "LOADI MOVE RANGEPREP JMP MUL ADD RANGE JMP RETURN RETURN");
    assert_int_equal(f->code[2], MK_ABC(OP_RANGEPREP, 2, 0, 0));
    assert_int_equal(jump_target(f, 3), 6);
    assert_int_equal(f->code[4], MK_ABC(OP_MUL, 6, 4, 5));
    assert_int_equal(f->code[6], MK_ABC(OP_RANGE, 2, 0, 2));
    assert_int_equal(jump_target(f, 7), 4);
}

/* Test that range over an int with a captured variable copies it into a
 * fresh cell each iteration, and continue goes to RANGE. */
static void test_compile_range_captured_continue(void **state)
{
    ObjProto *f =
        func_f(blk(range_(id("i"), NULL, true, num(10),
                          blk(if_(bin(TK_EQ, id("i"), num(3)), blk(branch(N_CONTINUE, NULL), NULL), NULL),
                              expr_s(call(id("g"), fn(blk(ret(id("i"), NULL), NULL), NULL), NULL)), NULL)),
                   NULL),
               "g", NULL);
    /* `if i == 3 { continue }` is one compare whose jump is the continue */
    assert_ops(f, "LOADI RANGEPREP JMP NEWCELL GETCELL EQI JMP MOVE CLOSURE CALL RANGE JMP RETURN");
    assert_int_equal(f->code[3], MK_ABC(OP_NEWCELL, 5, 3, 0));
    assert_int_equal(f->code[5], MK_ABC(OP_EQI, 6, 3 + SC_BIAS, 1));
    assert_int_equal(jump_target(f, 6), 10);
    assert_int_equal(f->code[10], MK_ABC(OP_RANGE, 1, 0, 1));
}

/* Test that break and continue, labelled or not, reach the right loop, and
 * a plain break in a switch leaves only the switch. */
static void test_compile_break_continue_labels(void **state)
{
    Node *inner = for_(NULL, NULL, NULL,
                       blk(switch_(id("x"), case_(blk(branch(N_BREAK, NULL), NULL), num(1), NULL),
                                   case_(blk(branch(N_BREAK, "outer"), NULL), num(2), NULL),
                                   case_(blk(branch(N_CONTINUE, "outer"), NULL), NULL), NULL),
                           NULL));
    ObjProto *f =
        func_f(blk(labeled("outer", for_(NULL, NULL, NULL, blk(inner, NULL))), ret(NULL), NULL), "x", NULL);
    /* tests 0-3, no match 4; bodies: case 1 at 5 (its break, then the jump
     * to the switch's end), case 2 at 7, default at 9; inner loop's back
     * jump 10, outer's 11. Jump chains are threaded to their final target. */
    assert_ops(f, "EQI JMP EQI JMP JMP JMP JMP JMP JMP JMP JMP JMP RETURN RETURN");
    assert_int_equal(jump_target(f, 1), 0);  /* case 1: break leaves only the switch */
    assert_int_equal(jump_target(f, 3), 12); /* case 2: break outer, after the outer loop */
    assert_int_equal(jump_target(f, 4), 0);  /* default: continue outer */
    assert_int_equal(jump_target(f, 5), 0);
    assert_int_equal(jump_target(f, 7), 12);
    assert_int_equal(jump_target(f, 9), 0);
    assert_int_equal(jump_target(f, 10), 0);
    assert_int_equal(jump_target(f, 11), 0);
}

/* Test that switch tests every case in order before any body, default
 * placed anywhere is taken last, and `switch {` uses jump code. */
static void test_compile_switch(void **state)
{
    ObjProto *f = func_f(
        blk(switch_(id("x"), case_(blk(ret(num(10), NULL), NULL), NULL),
                    case_(blk(ret(num(20), NULL), NULL), num(1), str("a"), NULL), NULL),
            switch_(NULL, case_(blk(ret(num(30), NULL), NULL), bin(TK_LT, id("x"), num(0)), NULL), NULL),
            NULL),
        "x", NULL);
    assert_ops(f, "EQI JMP EQK JMP JMP LOADI RETURN JMP LOADI RETURN LTI JMP JMP LOADI RETURN RETURN");
    assert_int_equal(jump_target(f, 4), 5);  /* no match: the default body */
    assert_int_equal(jump_target(f, 1), 8);  /* case 1 */
    assert_int_equal(jump_target(f, 3), 8);  /* case "a" */
    assert_int_equal(jump_target(f, 7), 10); /* the default's end */
    assert_int_equal(f->code[10], MK_ABC(OP_LTI, 0, 0 + SC_BIAS, 1));
    assert_int_equal(jump_target(f, 11), 13);
    assert_int_equal(jump_target(f, 12), 15);
}

/* Test the select layout: channels in registers, SELECT with one EXTRA per
 * case, then a dispatch on the chosen index. */
static void test_compile_select(void **state)
{
    Node *s =
        select_(comm_recv(id("a"), true, id("v"), NULL, blk(expr_s(call(id("g"), id("v"), NULL)), NULL)),
                comm(COMM_SEND, id("b"), num(5), blk(NULL)),
                comm_recv(call(fld(id("time"), "After"), num(1), NULL), false, NULL, NULL,
                          blk(branch(N_BREAK, NULL), NULL)),
                comm(COMM_DEFAULT, NULL, NULL, blk(ret(NULL), NULL)), NULL);
    ObjProto *f = func_f(blk(s, NULL), "a", "b", "g", NULL);
    assert_ops(f,
               "MOVE LOADI LOADK LOADI CALL SELECT EXTRA EXTRA EXTRA EQI JMP EQI JMP EQI JMP RETURN JMP MOVE "
               "MOVEC CALL JMP JMP JMP RETURN");
    assert_int_equal(f->code[5], MK_ABC(OP_SELECT, 3, 1, 3));
    assert_int_equal(f->code[6], MK_ABx(OP_EXTRA, 0, 0)); /* receive from a, in place */
    assert_int_equal(f->code[7], MK_ABx(OP_EXTRA, 1, 6)); /* send: channel R[6], value R[7] */
    assert_int_equal(f->code[8], MK_ABx(OP_EXTRA, 0, 8));
    assert_int_equal(f->code[9], MK_ABC(OP_EQI, 3, 0 + SC_BIAS, 1));
    assert_int_equal(jump_target(f, 10), 17);
    assert_int_equal(f->code[18], MK_ABC(OP_MOVEC, 7, 4, 0)); /* v is R[a+1] */
    assert_int_equal(jump_target(f, 14), 23);                 /* the break case: straight out */
    assert_int_equal(jump_target(f, 21), 23);
}

/* Test that send and receive statements compile to SEND and RECV. */
static void test_compile_send_recv(void **state)
{
    L = 7;
    Node *sendn = mk(N_SEND);
    sendn->a = id("ch");
    sendn->b = num(1);
    ObjProto *f = func_f(blk(sendn, expr_s(recv(id("ch"))), def("v", recv(id("ch"))), NULL), "ch", NULL);
    L = 1;
    assert_ops(f, "LOADI SEND RECV RECV RETURN");
    assert_int_equal(f->code[1], MK_ABC(OP_SEND, 0, 1, 0));
    assert_int_equal(f->code[2], MK_ABC(OP_RECV, 1, 0, 1));
    assert_int_equal(f->lines[1], 7);
}

/* Test that long list and map literals are built in batches. */
static void test_compile_long_literals(void **state)
{
    Node *l = mk(N_LIST);
    for (int i = 0; i < 120; i++)
        nl_push(&l->list, num(i));
    Node *m = mk(N_MAP);
    for (int i = 0; i < 30; i++) {
        nl_push(&m->list, num(i));
        nl_push(&m->list, num(i));
    }
    ObjProto *f = func_f(blk(def("xs", l), def("m", m), def("e", list(NULL)), NULL), NULL);
    assert_int_equal(count_op(f, OP_NEWLIST), 2);
    assert_int_equal(count_op(f, OP_APPENDN), 2);
    assert_int_equal(count_op(f, OP_MAPSET), 5);
    int nl = find_op(f, OP_NEWLIST, 0);
    assert_int_equal(f->code[nl], MK_ABC(OP_NEWLIST, 0, 1, 50));
    assert_true(f->maxregs < 60);
}

/* Test that a typed map literal passes its type to NEWMAP after the pairs
 * (long ones too), also one whose element zero is nil (the map keeps its
 * type for fmt). */
static void test_compile_typed_map_literal(void **state)
{
    Node *one = mk(N_MAP);
    one->type = "map[int]int";
    nl_push(&one->list, num(1));
    nl_push(&one->list, num(2));
    Node *empty = mk(N_MAP);
    empty->type = "map[string]bool";
    Node *slices = mk(N_MAP);
    slices->type = "map[string]chan int"; /* a nil zero ([]int's is a typed nil slice) */
    Node *big = mk(N_MAP);
    big->type = "map[int]float64";
    for (int i = 0; i < 30; i++) {
        nl_push(&big->list, num(i));
        nl_push(&big->list, num(i));
    }
    ObjProto *f = func_f(blk(def("a", one), def("b", empty), def("c", slices), def("d", big), NULL), NULL);
    assert_int_equal(count_op(f, OP_NEWMAP), 4);
    uint32_t ins[4];
    for (int i = 0, pc = -1; i < 4; i++) {
        pc = find_op(f, OP_NEWMAP, pc + 1);
        ins[i] = f->code[pc];
    }
    assert_int_equal(INS_C(ins[0]), 1 | NEWMAP_TYPED);
    assert_int_equal(INS_C(ins[1]), NEWMAP_TYPED);
    assert_int_equal(INS_C(ins[2]), NEWMAP_TYPED);
    assert_int_equal(INS_C(ins[3]), 25 | NEWMAP_TYPED); /* 25 pairs per NEWMAP */
    assert_int_equal(count_op(f, OP_MAPSET), 5);
}

/* Test that every instruction carries the line of its statement. */
static void test_compile_line_info(void **state)
{
    L = 3;
    Node *a = def("x", num(1));
    L = 4;
    Node *b = set(id("x"), bin(TK_PLUS, id("x"), id("y")));
    L = 9;
    ObjProto *f = func_f(blk(a, b, NULL), "y", NULL);
    L = 1;
    assert_int_equal(f->lines[0], 3);
    assert_int_equal(f->lines[1], 4);
    assert_int_equal(f->lines[2], 9); /* the closing RETURN: the func's end */
}

/* ---- errors ---------------------------------------------------------------- */

/* Test the scope errors, in Go's words. */
static void test_compile_error_scopes(void **state)
{
    fails(file(expr_s(call(id("print"), id("nope"), NULL)), NULL), "t.csp:1:1: error: undefined: nope");
    fails(file(var_("x", NULL, num(1)), var_("x", NULL, num(2)), NULL), "x redeclared in this block");
    fails(file(funcdecl("f", blk(NULL), NULL), funcdecl("f", blk(NULL), NULL), NULL),
          "f redeclared in this block");
    fails(file(def("x", num(1)), def("x", num(2)), NULL), "no new variables on left side of :=");
    fails(file(funcdecl("f", blk(def("a", num(1)), def("a", num(2)), NULL), NULL), NULL),
          "no new variables on left side of :=");
    fails(file(def("y", id("_")), NULL), "cannot use _ as value");
    fails(file(expr_s(call(fld(id("fmt"), "Nope"), NULL)), NULL), "undefined: fmt.Nope");
    fails(file(var_("mu", "sync.Nope", NULL), NULL), "undefined: sync.Nope");
    /* shadowing in an inner block is fine */
    ok(file(funcdecl("f", blk(def("a", num(1)), blk(def("a", num(2)), NULL), NULL), NULL), NULL));
    /* := with one new variable is fine */
    ok(file(
        funcdecl("f", blk(def("a", num(1)), defn(id("a"), id("b"), NULL, num(1), num(2), NULL), NULL), NULL),
        NULL));
}

/* Test the branch errors. */
static void test_compile_error_branches(void **state)
{
    fails(file(funcdecl("f", blk(branch(N_BREAK, NULL), NULL), NULL), NULL),
          "break is not in a loop, switch, or select");
    fails(file(funcdecl(
                   "f",
                   blk(switch_(num(1), case_(blk(branch(N_CONTINUE, NULL), NULL), num(1), NULL), NULL), NULL),
                   NULL),
               NULL),
          "continue is not in a loop");
    fails(file(funcdecl("f", blk(for_(NULL, NULL, NULL, blk(branch(N_BREAK, "outer"), NULL)), NULL), NULL),
               NULL),
          "invalid break label outer");
    fails(
        file(labeled("l", switch_(num(1),
                                  case_(blk(for_(NULL, NULL, NULL, blk(branch(N_CONTINUE, "l"), NULL)), NULL),
                                        num(1), NULL),
                                  NULL)),
             NULL),
        "invalid continue label l");
    /* a loop inside a function literal does not make break legal outside */
    fails(file(for_(NULL, NULL, NULL,
                    blk(expr_s(call(fn(blk(branch(N_BREAK, NULL), NULL), NULL), NULL)), NULL)),
               NULL),
          "break is not in a loop, switch, or select");
}

/* Test the assignment errors. */
static void test_compile_error_assign(void **state)
{
    fails(file(set(call(id("print"), NULL), num(1)), NULL),
          "cannot assign to print() (neither addressable nor a map index expression)");
    fails(file(set(num(1), num(2)), NULL),
          "cannot assign to 1 (neither addressable nor a map index expression)");
    fails(file(set(id("len"), num(2)), NULL),
          "cannot assign to len (neither addressable nor a map index expression)");
    fails(file(const_("N", num(1)), set(id("N"), num(2)), NULL), "cannot assign to N");
    fails(file(set(id("undeclared"), num(2)), NULL), "undefined: undeclared");
    fails(file(funcdecl("f", blk(defn(id("a"), id("b"), NULL, num(1), NULL), NULL), NULL), NULL),
          "assignment mismatch: 2 variables but 1 value");
    fails(file(wrap(N_GO, num(1)), NULL), "expression in go must be function call");
    /* but len can be shadowed, and then assigned */
    ok(file(def("len", num(1)), set(id("len"), num(2)), NULL));
}

/* Test that several errors are reported in one run. */
static void test_compile_error_several(void **state)
{
    Node *a = expr_s(id("a"));
    L = 2;
    Node *b = expr_s(id("b"));
    L = 1;
    fails(file(a, b, NULL), "t.csp:1:1: error: undefined: a");
    assert_non_null(strstr(errs, "t.csp:2:1: error: undefined: b"));
    assert_non_null(strstr(errs, "undefined: b"));
}

/* Test that a function with more locals than registers allow is an error
 * naming the limit at the first local past it, and that an expression
 * needing more registers than there are is one too, not a crash, a wrong
 * encoding or an internal error. */
static void test_compile_error_too_many_registers(void **state)
{
    Node *body = blk(NULL);
    for (int i = 0; i < 300; i++) {
        char *name = GC_MALLOC_ATOMIC(16);
        snprintf(name, 16, "v%d", i);
        L = i + 2;
        nl_push(&body->list, def(name, num(i)));
    }
    L = 1;
    nl_push(&body->list, expr_s(call(id("println"), id("v0"), id("v299"), NULL)));
    fails(file(funcdecl("f", body, NULL), NULL),
          "too many local variables (limit is 200) in function main.f");
    assert_string_equal(errs,
                        "t.csp:202:1: error: too many local variables (limit is 200) in function main.f\n");

    Node *e = num(1);
    for (int i = 0; i < 150; i++)
        e = call(id("f"), num(1), e, NULL);
    fails(file(funcdecl("f", blk(expr_s(e), NULL), "a", "b", NULL), NULL),
          "expression or statement needs too many registers (limit is 255) in function main.f");
}

static const char *name_n(const char *prefix, int i)
{
    char *s = GC_MALLOC_ATOMIC(24);
    snprintf(s, 24, "%s%d", prefix, i);
    return s;
}

/* Test that every limit of the instruction format is an error that names
 * the limit, at the construct that passes it, never a crash, wrong code or
 * an internal error: parameters, select cases, distinct field names,
 * function literals, captured variables and jump lengths per function,
 * and globals per runtime. (Constants have a limit too, at over two
 * million per function: too costly to reach here.) */
static void test_compile_error_limits(void **state)
{
    Node *f = funcdecl("f", blk(NULL), NULL);
    for (int i = 0; i < 201; i++)
        nl_push(&f->func->params, id(name_n("p", i)));
    fails(file(f, NULL), "t.csp:1:1: error: too many parameters (limit is 200)");

    Node *sel = select_(NULL);
    for (int i = 0; i < 256; i++)
        nl_push(&sel->list, comm_recv(id("c"), false, NULL, NULL, blk(NULL)));
    fails(file(funcdecl("f", blk(sel, NULL), "c", NULL), NULL),
          "t.csp:1:1: error: too many cases in select (limit is 255)");

    Node *body = blk(NULL);
    for (int i = 0; i < 300; i++) {
        L = i + 1;
        nl_push(&body->list, set(fld(id("m"), name_n("f", i)), num(1)));
    }
    fails(file(funcdecl("f", body, "m", NULL), NULL),
          "t.csp:257:1: error: too many distinct field names (limit is 256) in function main.f");

    body = blk(NULL);
    for (int i = 0; i < 65537; i++) {
        L = i + 1;
        nl_push(&body->list, expr_s(fn(blk(NULL), NULL)));
    }
    fails(file(funcdecl("f", body, NULL), NULL),
          "t.csp:65537:1: error: too many function literals (limit is 65536) in function main.f");

    /* the innermost of three functions uses 150 locals of each outer one */
    L = 1;
    Node *sum = num(0);
    Node *outer = blk(NULL), *middle = blk(NULL);
    for (int i = 0; i < 150; i++) {
        nl_push(&outer->list, def(name_n("x", i), num(i)));
        nl_push(&middle->list, def(name_n("y", i), num(i)));
        sum = bin(TK_PLUS, bin(TK_PLUS, sum, id(name_n("x", i))), id(name_n("y", i)));
    }
    L = 2;
    nl_push(&middle->list, expr_s(fn(blk(expr_s(call(id("println"), sum, NULL)), NULL), NULL)));
    nl_push(&outer->list, expr_s(fn(middle, NULL)));
    fails(file(funcdecl("f", outer, NULL), NULL),
          "t.csp:1:1: error: too many captured variables (limit is 256) in function main.f.func1.1");
    L = 1;

    /* a jump over more than 2^23 instructions: a call of 60 arguments,
     * 62 instructions, 140,000 times (one shared statement node) */
    Node *c = call(id("g"), NULL);
    for (int i = 0; i < 60; i++)
        nl_push(&c->list, id("x"));
    Node *s = expr_s(c), *then = blk(NULL);
    for (int i = 0; i < 140000; i++)
        nl_push(&then->list, s);
    fails(file(funcdecl("f", blk(if_(id("x"), then, NULL), NULL), "g", "x", NULL), NULL),
          "t.csp:1:1: error: function too large: jump too long (limit is 8388607 instructions) in function "
          "main.f");

    Runtime *saved = rt;
    rt = rt_new();
    Node *top = file(NULL);
    for (int i = 0; i < 65540; i++) {
        L = i + 1;
        nl_push(&top->list, def(name_n("g", i), num(i)));
    }
    L = 1;
    fails(top, "t.csp:65537:1: error: too many global variables (limit is 65536)");
    rt = saved;
}

/* Test that a function with more constants than LOADK reaches (100,000
 * distinct floats in a list literal) compiles, and that each constant
 * loads right, those in K and those in its chunk lists. */
static void test_compile_many_constants(void **state)
{
    Node *xs = list(NULL);
    for (int i = 0; i < 100000; i++)
        nl_push(&xs->list, flt(i + 0.5));
    ObjProto *f = func_f(blk(ret(idx(xs, id("i")), NULL), NULL), "i", NULL);
    assert_non_null(f);
    ObjClosure *c = GC_MALLOC(sizeof(ObjClosure) + sizeof(ObjCell *) * (size_t)f->nupvals);
    c->h.kind = OBJ_CLOSURE;
    c->proto = f;
    Thread *t = thread_new(rt);
    static const int probe[] = {0, 1, 65471, 65472, 65535, 65536, 98239, 98240, 99999};
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        Value arg = v_make_int(probe[i]);
        assert_int_equal(vm_call(t, v_from_ptr(c), &arg, 1), 1);
        assert_true(v_is_anyfloat(t->rets[0]));
        assert_true(v_anyfloat(t->rets[0]) == probe[i] + 0.5);
    }
}

/* Test that absurdly deep nesting is an error, not a stack overflow. */
static void test_compile_error_deep_nesting(void **state)
{
    Node *e = num(1);
    for (int i = 0; i < 100000; i++)
        e = un(TK_MINUS, e);
    fails(file(def("x", e), NULL), "program too complex: nesting too deep (limit is 400 levels)");
    Node *s = blk(NULL);
    for (int i = 0; i < 100000; i++)
        s = blk(s, NULL);
    fails(file(s, NULL), "nesting too deep");
}

/* Test that a long left-deep operator chain (generated code writes them)
 * compiles in a loop with one accumulator, and folds when constant. */
static void test_compile_long_chain(void **state)
{
    Node *e = id("x"), *k = num(0);
    for (int i = 0; i < 20000; i++) {
        e = bin(TK_PLUS, e, id("x"));
        k = bin(TK_MINUS, k, num(1));
    }
    ObjProto *f = func_f(blk(def("a", e), def("b", k), NULL), "x", NULL);
    assert_int_equal(count_op(f, OP_ADD), 20000);
    assert_true(f->maxregs <= 4);
    int last = f->ncode - 2;
    assert_int_equal(f->code[last], MK_AsBx(OP_LOADI, 2, -20000));
}

/* Test that folding a long chain of string constants costs memory in
 * proportion to the result, not its square: 20,000 terms fold into one
 * constant; 100,000 (past the longest folded string) compile into a few
 * additions of long constants, allocating far less than a gigabyte. */
static void test_compile_string_chain_linear(void **state)
{
    Node *e = str("ab");
    for (int i = 1; i < 20000; i++)
        e = bin(TK_PLUS, e, str("ab"));
    ObjProto *f = func_f(blk(ret(e, NULL), NULL), NULL);
    assert_ops(f, "LOADK RETURN RETURN");
    assert_int_equal(v_str(f->k[f->code[0] >> 16])->len, 40000);

    e = str("ab");
    for (int i = 1; i < 100000; i++)
        e = bin(TK_PLUS, e, str("ab"));
    size_t before = GC_get_total_bytes();
    f = func_f(blk(ret(e, NULL), NULL), NULL);
    assert_true(GC_get_total_bytes() - before < 64u << 20);
    assert_int_equal(count_op(f, OP_ADD), 3); /* 200,000 bytes in 64 KiB runs */
    assert_int_equal(count_op(f, OP_ADDK), 0);
}

/* Test that a flat else-if ladder of 10,000 clauses compiles (it is a
 * loop to the user, not nesting), one test and one return per clause. */
static void test_compile_else_if_ladder(void **state)
{
    Node *chain = blk(ret(num(-1), NULL), NULL);
    for (int i = 9999; i >= 0; i--)
        chain = if_(bin(TK_EQ, id("x"), num(i)), blk(ret(num(i), NULL), NULL), chain);
    ObjProto *f = func_f(blk(chain, NULL), "x", NULL);
    assert_non_null(f);
    assert_int_equal(count_op(f, OP_RETURN), 10000 + 2);
}

/* Test that malformed trees (missing children, wrong kinds) give errors,
 * never a crash. */
static void test_compile_malformed_trees(void **state)
{
    Node *kinds[N__COUNT];
    for (int k = 0; k < N__COUNT; k++)
        kinds[k] = mk((NodeKind)k); /* every kind with every field empty */
    for (int k = 0; k < N__COUNT; k++) {
        compile(file(kinds[k], NULL));
        compile(file(expr_s(kinds[k]), NULL));
        compile(file(funcdecl("f", blk(kinds[k], NULL), NULL), NULL));
        compile(file(def("x", kinds[k]), NULL));
        compile(file(if_(kinds[k], kinds[k], kinds[k]), NULL));
        compile(file(set(kinds[k], kinds[k]), NULL));
    }
    Node *bad = mk(N_BINARY);
    bad->op = 9999;
    bad->a = num(1);
    bad->b = num(2);
    fails(file(def("x", bad), NULL), "invalid binary operator");
    assert_null(cg_compile(rt, NULL, &(Diag){.out = fopen("/dev/null", "w"), .file = "x"}, "x", false));
}

/* Test that the disassembler prints every instruction with its line,
 * constants and jump targets. */
static void test_compile_disasm(void **state)
{
    ObjProto *m =
        ok(file(funcdecl("g", blk(ret(bin(TK_PERCENT, id("a"), num(1000003)), NULL), NULL), "a", NULL),
                expr_s(call(fld(id("fmt"), "Println"), str("hi\n"), NULL)), NULL));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    disasm_proto(f, m);
    fclose(f);
    assert_non_null(strstr(buf, "function main <t.csp:1>"));
    assert_non_null(strstr(buf, "CLOSURE"));
    assert_non_null(strstr(buf, "; main.g"));
    assert_non_null(strstr(buf, "<native fmt.Println>"));
    assert_non_null(strstr(buf, "\"hi\\n\""));
    assert_non_null(strstr(buf, "function main.g <t.csp:1>"));
    assert_non_null(strstr(buf, "MODK"));
    assert_non_null(strstr(buf, "K[0] = 1000003"));
    free(buf);
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_locals_no_move),
        cmocka_unit_test(test_compile_constants_dedupe),
        cmocka_unit_test(test_compile_arith_immediates),
        cmocka_unit_test(test_compile_constant_folding),
        cmocka_unit_test(test_compile_tight_loop),
        cmocka_unit_test(test_compile_loop_bound_hoisted),
        cmocka_unit_test(test_compile_fib),
        cmocka_unit_test(test_compile_if_else_targets),
        cmocka_unit_test(test_compile_compare_forms),
        cmocka_unit_test(test_compile_logic_jump_code),
        cmocka_unit_test(test_compile_logic_values),
        cmocka_unit_test(test_compile_call_all_results),
        cmocka_unit_test(test_compile_method_call),
        cmocka_unit_test(test_compile_spread),
        cmocka_unit_test(test_compile_len),
        cmocka_unit_test(test_compile_defer_go),
        cmocka_unit_test(test_compile_swap),
        cmocka_unit_test(test_compile_multi_assign_index_pinned),
        cmocka_unit_test(test_compile_multi_value),
        cmocka_unit_test(test_compile_compound),
        cmocka_unit_test(test_compile_var_zero_values),
        cmocka_unit_test(test_compile_typeexpr),
        cmocka_unit_test(test_compile_type_errors),
        cmocka_unit_test(test_compile_hoisting),
        cmocka_unit_test(test_compile_repl),
        cmocka_unit_test(test_compile_captured_local),
        cmocka_unit_test(test_compile_captured_param_nested),
        cmocka_unit_test(test_compile_named_results),
        cmocka_unit_test(test_compile_typed_stores),
        cmocka_unit_test(test_compile_loop_var_fresh_cell),
        cmocka_unit_test(test_compile_main_locals_captured),
        cmocka_unit_test(test_compile_range),
        cmocka_unit_test(test_compile_range_captured_continue),
        cmocka_unit_test(test_compile_break_continue_labels),
        cmocka_unit_test(test_compile_switch),
        cmocka_unit_test(test_compile_select),
        cmocka_unit_test(test_compile_send_recv),
        cmocka_unit_test(test_compile_long_literals),
        cmocka_unit_test(test_compile_typed_map_literal),
        cmocka_unit_test(test_compile_line_info),
        cmocka_unit_test(test_compile_error_scopes),
        cmocka_unit_test(test_compile_error_branches),
        cmocka_unit_test(test_compile_error_assign),
        cmocka_unit_test(test_compile_error_several),
        cmocka_unit_test(test_compile_error_too_many_registers),
        cmocka_unit_test(test_compile_error_limits),
        cmocka_unit_test(test_compile_many_constants),
        cmocka_unit_test(test_compile_error_deep_nesting),
        cmocka_unit_test(test_compile_long_chain),
        cmocka_unit_test(test_compile_else_if_ladder),
        cmocka_unit_test(test_compile_string_chain_linear),
        cmocka_unit_test(test_compile_malformed_trees),
        cmocka_unit_test(test_compile_disasm),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
