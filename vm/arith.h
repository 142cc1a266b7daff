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
 *
 * The rules themselves are in the arith_eval_* functions, which need no
 * Thread and panic never: they say why an operation has no value instead.
 * The compiler folds constants with them, so an operator means the same
 * at compile time and at run time, with one copy of each rule.
 */
#ifndef CSP_ARITH_H
#define CSP_ARITH_H

#include "buf.h"
#include "opcodes.h"
#include "vm.h"

/* Why an operation gives no value; each has its panic (E_DIV_ZERO,
 * E_NEG_SHIFT, E_BAD_OPERANDS or E_BAD_OPERAND, E_NOT_BOOL). */
typedef enum { ARITH_OK, ARITH_DIV_ZERO, ARITH_NEG_SHIFT, ARITH_BAD_OPERANDS, ARITH_NOT_BOOL } ArithStatus;

/* a op b, op one of OP_ADD .. OP_SHR (the K and I forms map to these).
 * Returns V_UNDEF after recording a panic. */
Value arith_binop(Thread *t, OpCode op, Value a, Value b);
/* arith_binop's rules without a thread: *out = a op b when ARITH_OK
 * (untouched otherwise). */
ArithStatus arith_eval_binop(OpCode op, Value a, Value b, Value *out);

/* op a, op one of OP_UNM, OP_BNOT, OP_NOT. V_UNDEF after a panic. */
Value arith_unop(Thread *t, OpCode op, Value a);
/* arith_unop's rules without a thread: *out = op a when ARITH_OK
 * (untouched otherwise). */
ArithStatus arith_eval_unop(OpCode op, Value a, Value *out);

/* Ordered comparison a cmp b on numbers (int/float, NaN compares false) or
 * strings (bytes, then length). Returns 1 or 0, or -1 after a panic. */
typedef enum { CMP_LT, CMP_LE, CMP_GT, CMP_GE } CmpOp;
int arith_compare(Thread *t, CmpOp cmp, Value a, Value b);
/* arith_compare's rules without a thread: *out = 1 or 0 when ARITH_OK
 * (untouched otherwise). */
ArithStatus arith_eval_compare(CmpOp cmp, Value a, Value b, int *out);

/* Panic E_NOT_BOOL for a condition that is not a bool. Returns -1. */
int arith_not_bool(Thread *t, Value v);

/* A short rendering of v for error messages: strings quoted as Go's %q
 * does, other values as %v, long ones cut with "...". */
void vm_repr(Buf *b, Value v);

/* The source text of a binary operator ("+", "&^", "<<"). */
const char *arith_op_symbol(OpCode op);

#endif
