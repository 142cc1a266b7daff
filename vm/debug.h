/* debug.h — CSPDEBUG, the runtime's debugging switches (Go's GODEBUG).
 *
 * CSPDEBUG holds a comma-separated list of name=value settings, as
 * GODEBUG does: CSPDEBUG=gctrace=1. debug_init reads it once, at
 * start-up (sched_init), into the fields of `debug_settings` below; nothing else
 * reads the variable. A name this build does not know, an entry without
 * '=', or a value that is not a whole number is ignored (as Go ignores
 * them), so a setting meant for a newer csp does no harm. When a name
 * appears twice, the last one wins.
 *
 * To add a setting: a field here and a line in the table in debug.c.
 *
 * Threads: the fields are written by debug_init before any other thread
 * exists and never after, so any thread reads them plainly, without a
 * lock.
 */
#ifndef CSP_DEBUG_H
#define CSP_DEBUG_H

typedef struct {
    /* 1: one line on stderr per collection (sched.c, gc_event). */
    int gctrace;
} DebugSettings;

extern DebugSettings debug_settings;

/* Read CSPDEBUG from the environment into `debug_settings`. */
void debug_init(void);
/* Apply the settings in s (CSPDEBUG's syntax) to `debug_settings`; NULL does
 * nothing. debug_init's parser, open to the tests. */
void debug_parse(const char *s);

#endif
