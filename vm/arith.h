/* arith.h — the slow paths of arithmetic and comparison.
 *
 * The interpreter loop computes small ints and flonums inline and calls
 * these for everything else: boxed numbers, 63-bit overflow (Go's int is
 * 64-bit and wraps), mixed int/float, strings, division by zero, shifts,
 * and every operand error with Go's message. They are out of line (and
 * cold) so the loop stays small.
 *
 * Each function that can fail records a panic in t (vm_panicf) and reports
 * it through its return value; none of them touches the value stack, so the
 * loop's register pointer stays valid across them.
 */
#ifndef CSP_ARITH_H
#define CSP_ARITH_H

#include "buf.h"
#include "opcodes.h"
#include "vm.h"

/* a op b, op one of OP_ADD .. OP_SHR (the K and I forms map to these).
 * Returns V_UNDEF after recording a panic. */
Value arith_binop(Thread *t, OpCode op, Value a, Value b);

/* op a, op one of OP_UNM, OP_BNOT, OP_NOT. V_UNDEF after a panic. */
Value arith_unop(Thread *t, OpCode op, Value a);

/* Ordered comparison a cmp b on numbers (int/float, NaN compares false) or
 * strings (bytes, then length). Returns 1 or 0, or -1 after a panic. */
typedef enum { CMP_LT, CMP_LE, CMP_GT, CMP_GE } CmpOp;
int arith_compare(Thread *t, CmpOp cmp, Value a, Value b);

/* Panic E_NOT_BOOL for a condition that is not a bool. Returns -1. */
int arith_not_bool(Thread *t, Value v);

/* A short rendering of v for error messages: strings quoted as Go's %q
 * does, other values as %v, long ones cut with "...". */
void vm_repr(Buf *b, Value v);

/* The source text of a binary operator ("+", "&^", "<<"). */
const char *arith_op_symbol(OpCode op);

#endif
