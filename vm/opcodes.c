/* opcodes.c — the name and operand format of every opcode, expanded from
 * opcodes.def so the tables can never drift from the enum. */
#include "opcodes.h"

const char *const op_names[OP__COUNT] = {
#define OP(name, fmt, doc) #name,
#include "opcodes.def"
#undef OP
};

const OpFormat op_formats[OP__COUNT] = {
#define OP(name, fmt, doc) FMT_##fmt,
#include "opcodes.def"
#undef OP
};
