/* opcodes.h — instruction encoding. The opcode list is opcodes.def. */
#ifndef CSP_OPCODES_H
#define CSP_OPCODES_H

#include <stdint.h>

typedef enum {
#define OP(name, fmt, doc) OP_##name,
#include "opcodes.def"
#undef OP
    OP__COUNT
} OpCode;

typedef enum { FMT_ABC, FMT_ABx, FMT_AsBx, FMT_sJ } OpFormat;

extern const char *const op_names[OP__COUNT];
extern const OpFormat op_formats[OP__COUNT];

/* Field widths force the limits: 8-bit A/B/C give 256 registers per function
 * and 256 constants for K operands in ABC form; 16-bit Bx gives 65536
 * constants, globals and nested protos; 24-bit sJ gives jumps of +-8M words. */
#define MAXREGS 255
#define SBX_BIAS 32767
#define SJ_BIAS (1 << 23)
#define SC_BIAS 127

/* NEWMAP's C is the number of pairs, plus this bit for a typed literal
 * (map[string]int{...}) whose element zero is not nil: its type's
 * descriptor then follows the pairs, so a missing key reads as that zero. */
#define NEWMAP_TYPED 0x80

#define INS_OP(i) ((OpCode)((i)&0xFF))
#define INS_A(i) (((i) >> 8) & 0xFF)
#define INS_B(i) (((i) >> 16) & 0xFF)
#define INS_C(i) ((i) >> 24)
#define INS_Bx(i) ((i) >> 16)
#define INS_sBx(i) ((int)((i) >> 16) - SBX_BIAS)
#define INS_sJ(i) ((int)((i) >> 8) - SJ_BIAS)
#define INS_sB(i) ((int)INS_B(i) - SC_BIAS)
#define INS_sC(i) ((int)INS_C(i) - SC_BIAS)

#define MK_ABC(op, a, b, c)                                                                                  \
    ((uint32_t)(op) | ((uint32_t)(a) << 8) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 24))
#define MK_ABx(op, a, bx) ((uint32_t)(op) | ((uint32_t)(a) << 8) | ((uint32_t)(bx) << 16))
#define MK_AsBx(op, a, sbx) MK_ABx(op, a, (uint32_t)((sbx) + SBX_BIAS))
#define MK_sJ(op, sj) ((uint32_t)(op) | ((uint32_t)((sj) + SJ_BIAS) << 8))

#endif
