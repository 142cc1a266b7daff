/* compile.h — syntax tree to bytecode.
 *
 * Scope resolution and code generation in one pass per function:
 *   - top-level declarations (var, :=, const, func at file level) are
 *     globals, slots in Runtime.globals; a top-level func is hoisted (all
 *     file-level names are known before any code is compiled, so functions
 *     may refer to each other and to globals declared later);
 *   - every other variable is a register of its function, unless a nested
 *     function literal captures it: then the register holds a Cell
 *     (NEWCELL/GETCELL/SETCELL), and closures reach it through their upvalue
 *     array. A `for` loop's captured variables get a fresh cell per
 *     iteration (Go 1.22), copied before the post statement;
 *   - names not found in any scope are looked up in Runtime.universe
 *     (builtins and modules), which scripts may shadow; `mod.Member` on an
 *     unshadowed module compiles to a constant.
 * Errors (undefined names, misuse of break/continue, := with no new
 * variable, assignment to a non-lvalue, a limit of the instruction format
 * such as 200 locals per function, each naming its limit) go to the Diag;
 * compilation goes on to report more.
 */
#ifndef CSP_COMPILE_H
#define CSP_COMPILE_H

#include "../vm/vm.h"
#include "ast.h"
#include "diag.h"

/* Compile an N_FILE. Returns the main chunk (is_main = 1), or NULL after
 * errors. `repl` allows redeclaring globals and marks expression statements
 * so their value is returned (the REPL prints it). */
ObjProto *cg_compile(Runtime *rt, Node *file, Diag *d, const char *filename, bool repl);

/* Source text to a main chunk: parse, then compile, with diagnostics
 * written to diag_out. Returns NULL after reporting errors. The one path
 * from text to bytecode for the command line, the REPL and the fuzzers. */
ObjProto *compile_source(Runtime *rt, const char *name, const char *src, size_t len, FILE *diag_out,
                         bool repl);

#endif
