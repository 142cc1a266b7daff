/* ctx_x86_64.S — see ctx.h. SysV x86-64.
 *
 * Frame saved on the suspended stack, from the saved sp upwards:
 *   0: MXCSR (4 bytes) and x87 control word (2 bytes), padded to 8
 *   8: r15, r14, r13, r12, rbx, rbp
 *  56: return address
 */
#if defined(__x86_64__)
    .text
    .globl ctx_switch
    .type ctx_switch, @function
    .p2align 4
ctx_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size ctx_switch, .-ctx_switch

/* First entry of a new context: ctx_make left entry in r12 and its argument
 * in r13. The stack is 16-aligned here, as a call requires. */
    .globl ctx_trampoline
    .type ctx_trampoline, @function
    .p2align 4
ctx_trampoline:
    movq %r13, %rdi
    callq *%r12
    ud2
    .size ctx_trampoline, .-ctx_trampoline
#endif
    .section .note.GNU-stack,"",@progbits
