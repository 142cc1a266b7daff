/* disasm.h — human-readable bytecode: `csp --disasm`, and the compiler's
 * tests (the line format is described in disasm.c). */
#ifndef CSP_DISASM_H
#define CSP_DISASM_H

#include <stdio.h>

#include "object.h"

/* Print the bytecode of p and its nested protos. */
void disasm_proto(FILE *out, ObjProto *p);

#endif
