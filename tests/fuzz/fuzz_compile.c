/* libFuzzer target: the lexer, parser and compiler on arbitrary bytes.
 *
 *   CC=clang cmake -B build-fuzz -DCSP_FUZZ=ON && cmake --build build-fuzz -j2
 *   build-fuzz/fuzz_compile -dict=tests/fuzz/csp.dict -max_total_time=60 \
 *       /tmp/corpus tests/scripts examples
 *
 * Any input must give a tree and bytecode or diagnostics, never a crash, a
 * sanitizer report or a hang. A program that compiles is also disassembled,
 * which walks every instruction and constant the compiler produced. */
#include <gc/gc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lang/compile.h"
#include "stdlib/stdlib.h"
#include "vm/disasm.h"

static FILE *sink;
/* One runtime for every input, as a process has (a Runtime is never
 * freed): the compiler's checks of top-level names are per file, so
 * globals left by one input do not change how the next one compiles. */
static Runtime *rt;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char *args[] = {"fuzz.csp", NULL};
    rt_gc_init(0);
    sink = fopen("/dev/null", "w");
    rt = rt_new();
    stdlib_init(rt, 1, args);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = GC_MALLOC_ATOMIC(size + 1);
    memcpy(src, data, size);
    src[size] = 0;
    ObjProto *p = compile_source(rt, "fuzz.csp", src, size, sink, false);
    if (p)
        disasm_proto(sink, p);
    return 0;
}
