/* trace_summary.h — "csp trace summary out.json": reads a trace written by
 * csp --trace and prints, for a terminal, where the goroutines spent their
 * time (running, runnable, in C calls, blocked by reason). */
#ifndef CSP_TRACE_SUMMARY_H
#define CSP_TRACE_SUMMARY_H

/* argv[0] is "trace"; returns the exit status (2: bad usage, a missing or
 * invalid file). */
int trace_command(int argc, char **argv);

#endif
