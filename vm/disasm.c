/* disasm.c — human-readable bytecode (csp --disasm, and the compiler's
 * tests). One line per instruction:
 *
 *     12  [7]  ADDK        3 3 2      ; K[2] = 1000003
 *
 * index, source line, name, operands as the instruction's format decodes
 * them (signed immediates already unbiased), and a comment with what the
 * operands refer to: constants, jump targets, field names, nested
 * functions. Each function's constants and upvalues follow its code, then
 * its nested functions, recursively. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "disasm.h"

#include "opcodes.h"
#include "types.h"

static void print_string(FILE *out, const ObjString *s)
{
    size_t n = s->len > 40 ? 40 : s->len;
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s->data[i];
        switch (ch) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (ch < 0x20 || ch == 0x7f)
                fprintf(out, "\\x%02x", ch);
            else
                fputc(ch, out);
        }
    }
    fputc('"', out);
    if (n < s->len)
        fputs("...", out);
}

/* Shortest %g that reads back as the same double. */
static void print_float(FILE *out, double d)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        double back;
        if (sscanf(buf, "%lf", &back) == 1 && (back == d || d != d))
            break;
    }
    /* keep floats visibly floats: 2 -> 2.0 */
    if (!strpbrk(buf, ".eEn"))
        strcat(buf, ".0");
    fputs(buf, out);
}

static void print_value(FILE *out, Value v)
{
    if (v == V_NIL)
        fputs("nil", out);
    else if (v == V_TRUE)
        fputs("true", out);
    else if (v == V_FALSE)
        fputs("false", out);
    else if (v_is_anyint(v))
        fprintf(out, "%" PRId64, v_anyint(v));
    else if (v_is_anyfloat(v))
        print_float(out, v_anyfloat(v));
    else if (v_is_str(v))
        print_string(out, v_str(v));
    else if (v_is_obj(v, OBJ_NATIVE))
        fprintf(out, "<native %s>", ((ObjNative *)v_obj(v))->name ? ((ObjNative *)v_obj(v))->name : "?");
    else if (v_is_obj(v, OBJ_MODULE))
        fprintf(out, "<module %s>", ((ObjModule *)v_obj(v))->name ? ((ObjModule *)v_obj(v))->name : "?");
    else if (v_is_obj(v, OBJ_PROTO))
        fprintf(out, "<proto %s>", ((ObjProto *)v_obj(v))->name ? ((ObjProto *)v_obj(v))->name->data : "?");
    else if (v_is_obj(v, OBJ_LIST))
        fprintf(out, "<list of %zu>", (size_t)((ObjList *)v_obj(v))->len);
    else if (v_is_obj(v, OBJ_TYPE))
        fprintf(out, "<type %s>", ((ObjType *)v_obj(v))->name ? ((ObjType *)v_obj(v))->name : "?");
    else if (v_is_ptr(v))
        fprintf(out, "<%s>", obj_kind_name(v_obj(v)->kind));
    else
        fprintf(out, "<value 0x%" PRIx64 ">", (uint64_t)v);
}

static void print_k(FILE *out, const ObjProto *p, int k)
{
    fprintf(out, "K[%d] = ", k);
    if (k >= 0 && k < p->nk)
        print_value(out, p->k[k]);
    else
        fputs("<out of range>", out);
}

static const char *proto_name(const ObjProto *p)
{
    return p && p->name ? p->name->data : "?";
}

/* Operands as text, and the comment for them. */
static void print_ins(FILE *out, const ObjProto *p, int pc)
{
    uint32_t ins = p->code[pc];
    OpCode op = INS_OP(ins);
    if (op >= OP__COUNT) {
        fprintf(out, "%6d  [%d]  <bad opcode %d>\n", pc, p->lines ? p->lines[pc] : 0, (int)op);
        return;
    }
    int a = INS_A(ins), b = INS_B(ins), c = INS_C(ins);
    char ops[48];
    switch (op) {
    case OP_ADDI:
        snprintf(ops, sizeof ops, "%d %d %d", a, b, INS_sC(ins));
        break;
    case OP_EQI:
    case OP_LTI:
    case OP_LEI:
    case OP_GTI:
    case OP_GEI:
        snprintf(ops, sizeof ops, "%d %d %d", a, INS_sB(ins), c);
        break;
    default:
        switch (op_formats[op]) {
        case FMT_ABC:
            snprintf(ops, sizeof ops, "%d %d %d", a, b, c);
            break;
        case FMT_ABx:
            snprintf(ops, sizeof ops, "%d %d", a, (int)INS_Bx(ins));
            break;
        case FMT_AsBx:
            snprintf(ops, sizeof ops, "%d %d", a, INS_sBx(ins));
            break;
        case FMT_sJ:
            snprintf(ops, sizeof ops, "%d", INS_sJ(ins));
            break;
        }
    }
    fprintf(out, "%6d  [%d]  %-10s %-12s", pc, p->lines ? p->lines[pc] : 0, op_names[op], ops);
    OpCode prev = pc > 0 ? INS_OP(p->code[pc - 1]) : OP__COUNT;
    switch (op) {
    case OP_LOADK:
        fputs("; ", out);
        print_k(out, p, (int)INS_Bx(ins));
        break;
    case OP_GETGLOBAL:
    case OP_SETGLOBAL:
        fprintf(out, "; G[%d]", (int)INS_Bx(ins));
        break;
    case OP_GETUPVAL:
    case OP_SETUPVAL:
        fprintf(out, "; U[%d]", b);
        break;
    case OP_CLOSURE:
        fprintf(out, "; %s",
                (int)INS_Bx(ins) < p->nprotos ? proto_name(p->protos[INS_Bx(ins)]) : "<bad proto>");
        break;
    case OP_ADDK:
    case OP_SUBK:
    case OP_MULK:
    case OP_DIVK:
    case OP_MODK:
    case OP_GETFIELD:
    case OP_CALLF:
    case OP_BINDM:
        fputs("; ", out);
        print_k(out, p, c);
        break;
    case OP_EQK:
    case OP_SETFIELD:
        fputs("; ", out);
        print_k(out, p, b);
        break;
    case OP_JMP:
        fprintf(out, "; to %d", pc + 1 + INS_sJ(ins));
        break;
    case OP_CONV:
    case OP_BOX:
        fputs("; ", out);
        print_k(out, p, (int)INS_Bx(ins));
        break;
    case OP_EXTRA:
        if (prev == OP_CONV) {
            unsigned place = (unsigned)a & ~(unsigned)STORE_CONST;
            fprintf(out, "; %s%s", place < STORE__COUNT ? types_store_places[place] : "?",
                    a & STORE_CONST ? ", a constant" : "");
        } else if (prev == OP_CALLM) {
            fputs("; method ", out);
            print_k(out, p, (int)INS_Bx(ins));
        } else if (a == 1) {
            fprintf(out, "; send R[%d] <- R[%d]", (int)INS_Bx(ins), (int)INS_Bx(ins) + 1);
        } else {
            fprintf(out, "; recv <- R[%d]", (int)INS_Bx(ins));
        }
        break;
    default:
        break;
    }
    fputc('\n', out);
}

void disasm_proto(FILE *out, ObjProto *p)
{
    if (!p)
        return;
    fprintf(out, "function %s <%s:%d> (%d instructions)\n", proto_name(p), p->file ? p->file->data : "?",
            p->line, p->ncode);
    fprintf(out, "  params %d%s, registers %d, upvalues %d, constants %d, functions %d", p->nparams,
            p->variadic ? " (variadic)" : "", p->maxregs, p->nupvals, p->nk, p->nprotos);
    if (p->cellparams)
        fprintf(out, ", cell params 0x%" PRIx64, p->cellparams);
    fputc('\n', out);
    for (int pc = 0; pc < p->ncode; pc++)
        print_ins(out, p, pc);
    if (p->nk) {
        fputs("  constants:\n", out);
        for (int i = 0; i < p->nk; i++) {
            fprintf(out, "    %d  ", i);
            print_value(out, p->k[i]);
            fputc('\n', out);
        }
    }
    if (p->nupvals) {
        fputs("  upvalues:\n", out);
        for (int i = 0; i < p->nupvals; i++)
            fprintf(out, "    %d  %s %d\n", i,
                    p->upvals[i].from_parent_reg ? "parent register" : "parent upvalue", p->upvals[i].idx);
    }
    for (int i = 0; i < p->nprotos; i++) {
        fputc('\n', out);
        disasm_proto(out, p->protos[i]);
    }
}
