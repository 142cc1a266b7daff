/* repl.h — the interactive session: `csp` with no arguments on a terminal.
 *
 * Each statement typed at the prompt is compiled in REPL mode against one
 * Runtime (so definitions accumulate as globals) and run by the prompt's
 * goroutine; an expression's value is printed with %v (a string with %q).
 * A panic, deadlock or fatal error ends the line (or the goroutine) that
 * hit it, not the session. Goroutines started at the prompt keep running
 * while it waits for the next line. Design notes are at the top of repl.c.
 */
#ifndef CSP_REPL_H
#define CSP_REPL_H

#include "vm/vm.h"

/* Run the session on the terminal at standard input. rt has had
 * stdlib_init; the scheduler is started here. Never returns: Ctrl-D and
 * :quit exit 0, os.Exit(n) exits n. `version` goes in the greeting. */
_Noreturn void repl_run(Runtime *rt, const char *version);

#endif
