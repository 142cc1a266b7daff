/* io.c — the io module: io.EOF and the Reader/Writer/Closer interfaces.
 *
 * io.EOF is one shared error value (stdlib_eof), so `err == io.EOF` holds
 * for whichever module's reader returned it.
 */
#include "stdlib.h"

static Value eof; /* made by stdlib_init, before any script runs */

Value stdlib_eof(void)
{
    return eof;
}

void io_make_eof(void)
{
    if (eof == 0)
        eof = stdlib_error(E_EOF);
}

static void io_open(ObjModule *m)
{
    module_add(m, "EOF", eof);
    module_add_type(m, "Writer", TYPE_INTERFACE);
    module_add_type(m, "Reader", TYPE_INTERFACE);
    module_add_type(m, "Closer", TYPE_INTERFACE);
}

const ModuleDef csp_module_io = {"io", io_open};
