/* parse.h — source text to syntax tree (re2c lexer + lemon grammar).
 *
 * The lexer inserts semicolons by Go's rule (after an identifier, literal,
 * `)` `]` `}`, `return` `break` `continue` `++` `--` at a newline or at the
 * end of input) and decides, for each `{`, whether it opens a block or a map
 * literal (from the token before it and the brackets open), so the grammar
 * stays LALR(1).
 */
#ifndef CSP_PARSE_H
#define CSP_PARSE_H

#include "ast.h"
#include "diag.h"

/* Parse a whole program. Returns an N_FILE node, or NULL when there were
 * syntax errors (all reported to d). A leading `package x` and any
 * `import "x"` / `import ( ... )` are accepted and dropped. */
Node *parse_program(const char *src, size_t len, Diag *d);

/* For the REPL: does this text end inside an open bracket, block, string or
 * comment (so the prompt should ask for more)? */
bool parse_is_incomplete(const char *src, size_t len);

#endif
