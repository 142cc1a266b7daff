/* repl.c — the interactive session (LANGUAGE.md, "The REPL").
 *
 * Run model
 *   The prompt is a goroutine ("the prompt's goroutine") started with
 *   sched_go before the scheduler loop takes over the main thread. It reads
 *   a statement, compiles it in REPL mode (globals may be redeclared; a final
 *   expression's values are the chunk's results), runs it with vm_call and
 *   prints the results as %v does (Stringers through String()), except that
 *   a string shows quoted, as %q does.
 *   Reading a line is a blocking call handed off like any other
 *   (sched_syscall): goroutines started at the prompt keep running
 *   while it waits, and the scheduler does not call that a deadlock.
 *
 *   When the prompt's goroutine can never continue — a deadlock at the
 *   prompt (sched_set_deadlock_handler), or Ctrl-C while it is parked on a
 *   channel or lock — a new prompt goroutine takes over and the old one is
 *   left where it is. A fatal error (vm_set_fatal_error_handler: "sync:
 *   unlock of unlocked mutex", "concurrent map writes") prints its report
 *   and ends the goroutine that hit it; if that was the prompt's, a new one
 *   takes over the same way. Globals live in the Runtime, so definitions
 *   survive. A line that does not compile defines nothing: the names its
 *   compilation declared are taken back.
 *   `repl_state` makes the hand-over exact: it holds the live generation
 *   times two, plus one while that generation runs a line. A goroutine
 *   starts and ends its line by compare-and-swap; taking over is a CAS from
 *   "gen, running" to "gen+1, idle". So exactly one goroutine ever reads the
 *   terminal, and a left-behind one that wakes later finishes its line
 *   silently and ends.
 *
 * Ctrl-C
 *   The SIGINT handler only stores to flags and writes a byte to a pipe
 *   (async-signal-safe). While a line runs it sets the running Thread's
 *   `interrupt` and `preempt`: the next safepoint (a backward jump or a
 *   call) panics "interrupted", the panic unwinds through the line's defers
 *   and the prompt prints it. A parked goroutine reaches no safepoint, so a
 *   watcher thread gives the line 100 ms; if the prompt's goroutine is then
 *   parked (G_WAITING), a new prompt takes over (as after a deadlock) and
 *   the old one keeps the interrupt flag, to stop at its first safepoint if
 *   it ever wakes. At the prompt, Ctrl-C discards the line being edited.
 *
 * The terminal
 *   libedit's native API, with our own read function (EL_GETCFN) that
 *   waits in poll() on the terminal and on a wake-up pipe. libedit draws on
 *   its own FILE (to a dup of the terminal), never through stdout/stderr;
 *   what it draws is held back while more keys are already waiting, so a
 *   paste is echoed in a few writes rather than one per byte. Nothing done
 *   per key may cost time in proportion to the line (a long pasted line
 *   would take quadratic time): the cursor's row is worked out only when a
 *   writer must erase the line, and completion looks back from the cursor.
 *   Bracketed paste is on while the prompt is up: pasted text arrives
 *   between ESC[200~ and ESC[201~ and is read a buffer at a time, and a Tab
 *   in it (or after nothing but blanks) inserts a tab instead of completing.
 *   stdout and stderr, when they are the terminal, are replaced by
 *   fopencookie streams whose writer takes `term_lock`. The reader holds
 *   term_lock while libedit works and drops it only while it waits in
 *   poll(); so output from goroutines never lands in the middle of a
 *   redraw. A write that finds the prompt on screen first erases the edit
 *   area and puts the terminal back in cooked mode (so a process that exits
 *   now leaves the terminal sane), then writes, then wakes the reader,
 *   which redraws the prompt and the half-typed line below the output
 *   (bracketed paste is off meanwhile, as cooked mode is).
 *   Writes that bypass stdio (os.Stderr's direct writes, C code through
 *   ffi) are not seen and may still overwrite the line until the next
 *   redraw.
 */
#include "repl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gc/gc.h>
#include <histedit.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "lang/compile.h"
#include "lang/parse.h"
#include "stdlib/stdlib.h"
#include "vm/buf.h"
#include "vm/format.h"
#include "vm/out.h"
#include "vm/race.h"
#include "vm/sched.h"

#define REPL_FILE "<stdin>" /* file name in messages and tracebacks */
#define HISTORY_FILE ".csp_history"
#define HISTORY_SIZE 1000
#define INTERRUPT_GRACE_NS (100 * 1000000LL) /* before a parked prompt is left */

static const char help_text[] = "Type Go statements and expressions; an expression's value is printed.\n"
                                "A line that leaves a bracket, block or string open continues at \"... \".\n"
                                "Definitions persist; goroutines keep running while the prompt waits.\n"
                                "\n"
                                "  :help         this text\n"
                                "  :goroutines   list the goroutines with their state and stack\n"
                                "  :race on|off  check the lines that follow for data races (csp -race)\n"
                                "  :quit         leave (or Ctrl-D)\n"
                                "\n"
                                "Keys: Tab completes names and module members (fmt.Pr<Tab>) and indents\n"
                                "after blanks, Up/Down and Ctrl-R search the history (~/" HISTORY_FILE "),\n"
                                "Ctrl-C interrupts the running line or clears the one being typed.\n";

static Runtime *rt;
static ObjNative *repl_fn; /* the prompt goroutine's body; a root (static) */

/* Generation * 2, + 1 while that generation runs a line (see the top). */
static _Atomic int64_t repl_state;
/* The Thread running a line at the prompt, for the SIGINT handler. */
static _Atomic(Thread *) line_thread;
/* The live generation's goroutine (NULL while a new one starts). */
static _Atomic(Thread *) prompt_thread;

/* ---- the terminal ------------------------------------------------------ */

static EditLine *el;
static History *hist;
static char *hist_path;  /* malloc'd; NULL: no history file */
static FILE *el_out;     /* libedit's output: to tty_out through echo_buf */
static int tty_out = -1; /* a dup of the terminal, for libedit and us */

static pthread_mutex_t term_lock = PTHREAD_MUTEX_INITIALIZER;
/* All term_lock: */
static bool editing;       /* el_gets has the prompt on screen */
static bool cleared;       /* a write erased it; the reader redraws */
static bool at_bol = true; /* the terminal's cursor is at a line start */
static const char *prompt_text = ">>> ";
static bool have_tios;
static bool ansi; /* the terminal takes ANSI cursor movement (not "dumb") */
static struct termios cooked_tios, raw_tios;
static bool tios_stale; /* raw_tios is to be read again */

/* Set by signal handlers (lock-free atomics are async-signal-safe). */
static _Atomic int prompt_interrupt, resized;
static _Atomic int nsigint;          /* Ctrl-Cs so far */
static int wake_pipe[2] = {-1, -1};  /* wakes the reader's poll */
static int watch_pipe[2] = {-1, -1}; /* wakes the interrupt watcher */

static void poke(int fd)
{
    char c = 0;
    ssize_t r = write(fd, &c, 1); /* full pipe: a wake-up is pending anyway */
    (void)r;
}

static void drain(int fd)
{
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}

/* The raw write; on the terminal, through term_write. */
static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* a terminal gone away: nothing useful to do */
        }
        s += w;
        n -= (size_t)w;
    }
}

/* libedit's output (el_out) collects here and reaches the terminal when
 * the reader is about to wait for a key: libedit flushes after every key it
 * echoes, and a write per byte of a pasted line costs more than the rest
 * of the editing. term_lock held for all of these. */
static char echo_buf[16384];
static size_t echo_len;

static void flush_echo(void)
{
    size_t n = echo_len;
    echo_len = 0;
    write_all(tty_out, echo_buf, n);
}

/* The writer of el_out. */
static ssize_t echo_write(void *cookie, const char *buf, size_t n)
{
    (void)cookie;
    if (echo_len + n > sizeof echo_buf)
        flush_echo();
    if (n > sizeof echo_buf)
        write_all(tty_out, buf, n);
    else {
        memcpy(echo_buf + echo_len, buf, n);
        echo_len += n;
    }
    return (ssize_t)n;
}

/* term_lock held. Our own writes to the terminal: after libedit's. */
static void term_write(int fd, const char *s, size_t n)
{
    flush_echo();
    write_all(fd, s, n);
}

/* term_lock held, libedit idle (the reader waits in poll, or it is
 * libedit calling us). Rows of the edit area above the cursor, so that a
 * line that wraps is erased whole. Worked out only when something is to be
 * erased, from libedit's wide-character buffer: doing it at every key (and
 * through el_line, which converts the whole line to UTF-8 each time) made
 * typing or pasting a long line quadratic. Columns as libedit draws them:
 * a tab to the next multiple of 8, a control character as ^X. */
static int cursor_row(void)
{
    int cols = 0;
    if (!el || el_get(el, EL_GETTC, "co", &cols) != 0 || cols <= 0)
        cols = 80;
    const LineInfoW *li = el_wline(el);
    int row = 0, col = (int)strlen(prompt_text);
    for (const wchar_t *p = li->buffer; p < li->cursor; p++) {
        bool ctl = *p < 0x20 || *p == 0x7f;
        int w = *p == '\t' ? 8 - col % 8 : ctl ? 2 : wcwidth(*p);
        if (w < 0)
            w = 1;
        if (*p == '\t' && col + w > cols)
            w = cols - col;                /* a tab stops at the right edge */
        else if (!ctl && col + w > cols) { /* a wide character wraps whole */
            row++;
            col = 0;
        }
        col += w;
        row += col / cols; /* ^X may straddle the edge */
        col %= cols;
    }
    return row;
}

/* term_lock held. Take the prompt and the line being edited off the
 * screen, leaving the cursor at the start of the row the prompt was on. */
static void erase_edit_area(int fd)
{
    char seq[32];
    int edit_row = ansi ? cursor_row() : 0;
    int k = !ansi          ? snprintf(seq, sizeof seq, "\n") /* leave the line; redraw below */
            : edit_row > 0 ? snprintf(seq, sizeof seq, "\r\033[%dA\033[J", edit_row)
                           : snprintf(seq, sizeof seq, "\r\033[J");
    term_write(fd, seq, (size_t)k);
    at_bol = true;
}

/* term_lock held. The terminal as the editor wants it (raw, pasted text
 * marked) or as anything else does (cooked, unmarked: what a process that
 * exits now must leave behind). */
static void paste_marks(bool on)
{
    if (ansi)
        term_write(tty_out, on ? "\033[?2004h" : "\033[?2004l", 8);
}

static void editor_mode(bool on)
{
    if (have_tios)
        tcsetattr(0, TCSANOW, on ? &raw_tios : &cooked_tios);
    paste_marks(on);
}

/* The process is exiting (os.Exit in a goroutine, a signal) maybe with
 * the prompt on screen: leave the terminal as the shell expects it. No
 * term_lock: the reader may hold it in the editor, and this is the end. */
static void restore_terminal_at_exit(void)
{
    editor_mode(false);
}

/* The writer of the stdout/stderr cookie streams. Any thread. */
static ssize_t tty_write(void *cookie, const char *buf, size_t n)
{
    int fd = (int)(intptr_t)cookie;
    pthread_mutex_lock(&term_lock);
    if (editing && !cleared) {
        /* The prompt is on screen: make room, and hand the terminal back in
         * cooked mode until the reader redraws (an exit now keeps it sane). */
        editor_mode(false);
        erase_edit_area(fd);
        cleared = true;
        poke(wake_pipe[1]);
    }
    term_write(fd, buf, n);
    if (n)
        at_bol = buf[n - 1] == '\n';
    pthread_mutex_unlock(&term_lock);
    return (ssize_t)n;
}

/* The runtime's stdout (vm/out.h) when it is the terminal. */
static void tty_out_sink(const char *s, size_t n)
{
    tty_write((void *)(intptr_t)1, s, n);
}

static FILE *wrap_tty(int fd, int mode)
{
    cookie_io_functions_t io = {.write = tty_write};
    FILE *f = fopencookie((void *)(intptr_t)fd, "w", io);
    if (f)
        setvbuf(f, NULL, mode, mode == _IONBF ? 0 : BUFSIZ);
    return f;
}

/* term_lock held. Put the prompt and the line back after output. */
static void redraw(EditLine *e)
{
    editor_mode(true);
    if (!at_bol)
        term_write(tty_out, "\n", 1);
    at_bol = true;
    cleared = false;
    el_set(e, EL_REFRESH);
}

/* ---- keys -------------------------------------------------------------
 * Bytes from the terminal go through in_buf. Typed keys are read one byte
 * at a time, so that what the user types ahead for a line's own reads
 * (os.Stdin) stays in the terminal; inside a bracketed paste (the terminal
 * marks pasted text with ESC[200~ ... ESC[201~) they are read as they
 * come, a buffer at a time, and the text is taken as typed text that is
 * not a command: Tab inserts a tab. All under term_lock. */
#define PASTE_START "\033[200~"
#define PASTE_END "\033[201~"
#define PASTE_MARK_LEN 6
#define ESC_WAIT_MS 50 /* the rest of a split escape sequence */

static unsigned char in_buf[4096];
static size_t in_pos, in_len;
static bool pasting;   /* between the paste markers */
static int in_sigints; /* nsigint when in_buf was last emptied for a Ctrl-C */

/* Ctrl-C makes the terminal drop the keys not yet read; keys already in
 * in_buf (the rest of a paste) go too. */
static void drop_input(void)
{
    in_pos = in_len = 0;
    pasting = false;
}

/* Read more bytes into in_buf (at most `max`): >0 bytes added, 0 at end
 * of input, -1 on error. */
static int fill_input(size_t max)
{
    if (in_pos == in_len)
        in_pos = in_len = 0;
    else if (in_pos > 0 && in_len + max > sizeof in_buf) {
        memmove(in_buf, in_buf + in_pos, in_len - in_pos);
        in_len -= in_pos;
        in_pos = 0;
    }
    if (max > sizeof in_buf - in_len)
        max = sizeof in_buf - in_len;
    for (;;) {
        ssize_t r = read(0, in_buf + in_len, max);
        if (r > 0)
            in_len += (size_t)r;
        if (r >= 0)
            return (int)r;
        if (errno != EINTR)
            return -1;
    }
}

/* The next byte, waiting for it if need be; 1, 0 at end of input, -1 on
 * error. */
static int next_byte(unsigned char *b)
{
    if (in_pos == in_len) {
        int n = fill_input(pasting ? sizeof in_buf : 1);
        if (n <= 0)
            return n;
    }
    *b = in_buf[in_pos++];
    return 1;
}

/* After an ESC: if a paste marker follows, take it and switch `pasting`.
 * The marker's bytes may arrive a little apart; a lone ESC (the Meta
 * prefix) or another key's sequence is left for libedit. */
static bool take_paste_mark(void)
{
    for (;;) {
        size_t have = in_len - in_pos;
        size_t cmp = have < PASTE_MARK_LEN - 1 ? have : PASTE_MARK_LEN - 1;
        const char *rest = (const char *)in_buf + in_pos;
        bool start = memcmp(rest, &PASTE_START[1], cmp) == 0;
        bool end = memcmp(rest, &PASTE_END[1], cmp) == 0;
        if (!start && !end)
            return false;
        if (have >= PASTE_MARK_LEN - 1) {
            in_pos += PASTE_MARK_LEN - 1;
            pasting = start;
            return true;
        }
        struct pollfd pfd = {.fd = 0, .events = POLLIN};
        if (poll(&pfd, 1, ESC_WAIT_MS) <= 0 || fill_input(PASTE_MARK_LEN - 1 - have) <= 0)
            return false;
    }
}

/* libedit's read function (EL_GETCFN), called with term_lock held. */
static int term_getc(EditLine *e, wchar_t *wc)
{
    for (;;) {
        if (atomic_exchange(&prompt_interrupt, 0)) {
            drop_input();
            errno = EINTR; /* el_gets returns NULL with count -1 */
            return -1;
        }
        if (atomic_exchange(&resized, 0)) { /* a new width (or back from Ctrl-Z): draw afresh */
            if (!cleared)
                erase_edit_area(tty_out);
            el_resize(e);
            cleared = true;
            tios_stale = true;
        }
        if (cleared)
            redraw(e);
        if (have_tios && tios_stale)
            tcgetattr(0, &raw_tios); /* the editor's mode, to restore in redraw */
        tios_stale = false;
        if (in_pos == in_len) {
            /* A key already waiting (typing ahead, a paste): take it at
             * once, and show the echo only when the keys stop coming. */
            struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = wake_pipe[0], .events = POLLIN}};
            int r = poll(fds, 2, 0);
            int err = errno;
            if (r == 0) {
                flush_echo();
                pthread_mutex_unlock(&term_lock);
                r = poll(fds, 2, -1);
                err = errno;
                pthread_mutex_lock(&term_lock);
            }
            if (r < 0) {
                if (err == EINTR || err == EAGAIN)
                    continue;
                errno = err;
                return -1;
            }
            if (fds[1].revents)
                drain(wake_pipe[0]);
            if (!fds[0].revents)
                continue;
            if (cleared)
                redraw(e); /* before the key echoes */
        }
        unsigned char b;
        int n = next_byte(&b);
        if (n <= 0)
            return n;
        if (b == 0x1b && take_paste_mark())
            continue;
        if (b < 0x80) {
            *wc = b;
            return 1;
        }
        /* UTF-8: the rest of the sequence arrives with its first byte. */
        int more = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : -1;
        if (more < 0 || b >= 0xF8) {
            *wc = 0xFFFD;
            return 1;
        }
        uint32_t cp = b & (0x3Fu >> more);
        for (int i = 0; i < more; i++) {
            int k = next_byte(&b);
            if (k <= 0 || (b & 0xC0) != 0x80) {
                if (k > 0)
                    in_pos--; /* not ours: the next key's */
                *wc = 0xFFFD;
                return 1;
            }
            cp = cp << 6 | (b & 0x3F);
        }
        *wc = (wchar_t)cp;
        return 1;
    }
}

static char *prompt_fn(EditLine *e)
{
    (void)e;
    return (char *)prompt_text;
}

/* ---- completion -------------------------------------------------------- */

/* Names to complete, malloc'd C strings (touched inside the blocking read,
 * so no collector memory): keywords, builtins, modules and "mod.Member"
 * (fixed), and the globals defined so far (refreshed before each read). */
typedef struct {
    char **v;
    size_t n, cap;
} Names;
/* Only the goroutine holding the prompt reads and refreshes these, and one
 * holds it at a time (the generation in repl_state). */
static Names fixed_names, global_names;
static uint32_t globals_seen = UINT32_MAX;

/* Append s (not copied); false when out of memory. */
static bool names_push(Names *ns, char *s)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 64;
        char **v = realloc(ns->v, cap * sizeof *v);
        if (!v)
            return false;
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n++] = s;
    return true;
}

static void names_add(Names *ns, const char *s)
{
    char *d = strdup(s);
    if (d && !names_push(ns, d))
        free(d);
}

static void names_clear(Names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    ns->n = 0;
}

static void build_fixed_names(void)
{
    static const char *const keywords[] = {
        "break", "case",   "chan",  "const",  "continue", "default", "defer", "else", "for",  "func",  "go",
        "if",    "import", "range", "return", "select",   "switch",  "var",   "nil",  "true", "false",
    };
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        names_add(&fixed_names, keywords[i]);
    size_t cur = 0;
    Value k, v;
    while (map_next(rt->universe, &cur, &k, &v)) {
        if (!v_is_str(k))
            continue;
        names_add(&fixed_names, v_str(k)->data);
        if (!v_is_obj(v, OBJ_MODULE))
            continue;
        ObjModule *m = v_ptr(v);
        size_t mc = 0;
        Value mk, mv;
        while (map_next(m->members, &mc, &mk, &mv)) {
            if (!v_is_str(mk))
                continue;
            char buf[256];
            snprintf(buf, sizeof buf, "%s.%s", v_str(k)->data, v_str(mk)->data);
            names_add(&fixed_names, buf);
        }
    }
}

/* On the prompt's goroutine, outside the blocking read. */
static void refresh_global_names(void)
{
    pthread_mutex_lock(&rt->globals_lock);
    ObjMap *g = rt->global_names;
    if (g && g->len != globals_seen) {
        globals_seen = g->len;
        names_clear(&global_names);
        size_t cur = 0;
        Value k, v;
        while (map_next(g, &cur, &k, &v))
            if (v_is_str(k))
                names_add(&global_names, v_str(k)->data);
    }
    pthread_mutex_unlock(&rt->globals_lock);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(const Names *ns, const char *word, size_t wlen, bool dotted, Names *out)
{
    for (size_t i = 0; i < ns->n; i++) {
        const char *s = ns->v[i];
        if (strncmp(s, word, wlen) != 0 || (strchr(s, '.') != NULL) != dotted)
            continue;
        if (!names_push(out, (char *)s)) /* borrowed */
            return;
    }
}

static void list_matches(EditLine *e, char **m, size_t n)
{
    int cols = 0;
    if (el_get(e, EL_GETTC, "co", &cols) != 0 || cols <= 0)
        cols = 80;
    size_t width = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(m[i]) > width)
            width = strlen(m[i]);
    width += 2;
    size_t per_row = (size_t)cols / width ? (size_t)cols / width : 1;
    size_t rows = (n + per_row - 1) / per_row;
    fputc('\n', el_out);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < per_row; c++) {
            size_t i = c * rows + r;
            if (i < n)
                fprintf(el_out, "%-*s", (int)width, m[i]);
        }
        fputc('\n', el_out);
    }
    fflush(el_out);
}

/* Tab: complete the name before the cursor (a "mod." prefix completes the
 * module's members). libedit calls this inside el_gets: term_lock held. */
static unsigned char complete(EditLine *e, int ch)
{
    (void)ch;
    /* The buffer is read as wide characters, backwards from the cursor:
     * converting the whole line (el_line) for each Tab would be slow on a
     * long one. */
    const LineInfoW *li = el_wline(e);
    const wchar_t *end = li->cursor, *start = end;
    while (start > li->buffer && start[-1] < 0x80 &&
           (isalnum((unsigned char)start[-1]) || start[-1] == '_' || start[-1] == '.'))
        start--;
    const wchar_t *blank = start;
    while (blank > li->buffer && (blank[-1] == ' ' || blank[-1] == '\t'))
        blank--;
    /* Pasted code, or indentation: a tab, not a list of every name. */
    if (pasting || (start == end && blank == li->buffer))
        return el_winsertstr(e, L"\t") == 0 ? CC_REFRESH : CC_ERROR;
    size_t wlen = (size_t)(end - start);
    if (wlen && isdigit((unsigned char)*start))
        return CC_ERROR;
    char word[256];
    if (wlen >= sizeof word)
        return CC_ERROR;
    for (size_t i = 0; i < wlen; i++)
        word[i] = (char)start[i];
    word[wlen] = 0;
    bool dotted = memchr(word, '.', wlen) != NULL;
    Names m = {0};
    collect(&fixed_names, word, wlen, dotted, &m);
    collect(&global_names, word, wlen, dotted, &m);
    unsigned char rc = CC_ERROR; /* no match: beep */
    if (m.n) {
        qsort(m.v, m.n, sizeof *m.v, cmp_str);
        size_t u = 1;
        for (size_t i = 1; i < m.n; i++)
            if (strcmp(m.v[i], m.v[u - 1]) != 0)
                m.v[u++] = m.v[i];
        m.n = u;
        size_t common = strlen(m.v[0]);
        for (size_t i = 1; i < m.n; i++) {
            size_t j = 0;
            while (j < common && m.v[i][j] == m.v[0][j])
                j++;
            common = j;
        }
        if (common > wlen) {
            char add[256];
            size_t k = common - wlen < sizeof add - 1 ? common - wlen : sizeof add - 1;
            memcpy(add, m.v[0] + wlen, k);
            add[k] = 0;
            el_insertstr(e, add);
            rc = CC_REFRESH;
        } else if (m.n > 1) {
            list_matches(e, m.v, m.n);
            rc = CC_REDISPLAY;
        } else {
            rc = CC_NORM; /* already complete */
        }
    }
    free(m.v);
    return rc;
}

/* ---- reading ----------------------------------------------------------- */

enum { LINE_OK, LINE_EOF, LINE_INTERRUPT };

typedef struct ReadLine {
    const char *prompt;
    int status;
    char *line;
} ReadLine;

/* The blocking part of read_line: no collector, no csp code. */
static void do_read_line(void *arg)
{
    ReadLine *rl = arg;
    const char *prompt = rl->prompt;
    int *status = &rl->status;
    char *line = NULL;
    *status = LINE_EOF;
    pthread_mutex_lock(&term_lock);
    drain(wake_pipe[0]);
    atomic_store(&prompt_interrupt, 0);
    int sigs = atomic_load(&nsigint);
    if (sigs != in_sigints) { /* a Ctrl-C while the last line ran */
        in_sigints = sigs;
        drop_input();
    }
    prompt_text = prompt;
    if (!at_bol)
        term_write(tty_out, "\n", 1); /* output without a final newline */
    editing = true;
    cleared = false;
    /* Raw mode before the prompt shows: libedit would set it only at its
     * first read, after drawing, and keys typed in between would echo. */
    el_set(el, EL_PREP_TERM, 1);
    tios_stale = true;
    paste_marks(true);
    int n = 0;
    errno = 0;
    const char *s = el_gets(el, &n);
    int err = errno;
    flush_echo(); /* the line's echo, held back while keys came */
    paste_marks(false);
    editing = false;
    at_bol = true;
    if (s && n > 0) {
        size_t len = (size_t)n;
        while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
            len--;
        line = malloc(len + 1);
        if (line) {
            memcpy(line, s, len);
            line[len] = 0;
            *status = LINE_OK;
        }
    } else if (n < 0 && err == EINTR) {
        term_write(tty_out, "^C\n", 3);
        *status = LINE_INTERRUPT;
    } else {
        term_write(tty_out, "\n", 1); /* Ctrl-D: the shell's prompt on a new line */
    }
    pthread_mutex_unlock(&term_lock);
    if (line && line[strspn(line, " \t")]) {
        HistEvent ev;
        history(hist, &ev, H_ENTER, line);
        if (hist_path)
            history(hist, &ev, H_SAVE, hist_path);
    }
    rl->line = line;
}

/* Read one line (malloc'd, no newline) as a C call (sched_syscall). */
static char *read_line(const char *prompt, int *status)
{
    ReadLine rl = {prompt, LINE_EOF, NULL};
    sched_syscall(do_read_line, &rl);
    *status = rl.status;
    return rl.line;
}

enum { READ_OK, READ_META, READ_EOF, READ_STALE };

static bool is_stale(int64_t gen)
{
    return atomic_load(&repl_state) / 2 != gen;
}

/* Read a whole statement into src: lines are added while the text so far
 * leaves a bracket, block, string or comment open. */
static int read_statement(int64_t gen, Buf *src)
{
    buf_init(src);
    for (;;) {
        if (is_stale(gen))
            return READ_STALE;
        bool more = src->len > 0;
        refresh_global_names();
        rt_flush(rt);
        fflush(stderr);
        int status;
        char *line = read_line(more ? "... " : ">>> ", &status);
        if (status == LINE_EOF)
            return READ_EOF;
        if (status == LINE_INTERRUPT) {
            buf_init(src); /* Ctrl-C drops the statement being typed */
            continue;
        }
        buf_adds(src, line);
        buf_addc(src, '\n');
        free(line);
        if (!more) {
            const char *p = src->data + strspn(src->data, " \t\n");
            if (!*p) {
                buf_init(src);
                continue;
            }
            if (*p == ':')
                return READ_META;
        }
        if (!parse_is_incomplete(src->data, src->len))
            return READ_OK;
    }
}

/* ---- running ----------------------------------------------------------- */

_Noreturn static void finish(int code)
{
    rt_exit(rt, code); /* flushes stdout and stderr */
}

static void print_panic(Thread *t)
{
    vm_print_panic(t);
    vm_clear_panic(t);
}

/* A line that does not compile defines nothing. Compiling gives each new
 * global its slot (and its name) in the Runtime at once, so after an error
 * the names the line declared are taken back, and their slots given out
 * again: nothing ran that could have stored to them. */
static size_t globals_count(void)
{
    pthread_mutex_lock(&rt->globals_lock);
    size_t n = rt->global_order->len;
    pthread_mutex_unlock(&rt->globals_lock);
    return n;
}

static void forget_globals_since(size_t n)
{
    pthread_mutex_lock(&rt->globals_lock);
    ObjList *order = rt->global_order;
    for (size_t i = n; i < order->len; i++)
        map_delete(rt->global_names, order->store->items[i]);
    if (order->len > n)
        order->len = n;
    pthread_mutex_unlock(&rt->globals_lock);
}

/* An expression's values as the prompt shows them: a string quoted (Go's
 * %q), so that "1" and 1 look different and blanks show; anything else as
 * %v, which prints strings inside lists and maps unquoted, as Go's
 * fmt.Println([]any{"a", 1}) does. -1 after a String() method panicked. */
static int format_results(Thread *t, Buf *b, const Value *vals, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            buf_addc(b, ' ');
        if (v_is_str(vals[i])) {
            ObjString *str = v_str(vals[i]);
            format_quote(b, str->data, str->len, false);
        } else if (fmt_print(t, b, &vals[i], 1) < 0)
            return -1;
    }
    buf_addc(b, '\n');
    return 0;
}

/* Compile and run one statement. Returns false when this goroutine is no
 * longer the prompt's (another took over while the line ran). */
static bool run_statement(Thread *t, int64_t gen, const Buf *src)
{
    size_t nglobals = globals_count();
    ObjProto *p = compile_source(rt, REPL_FILE, src->data, src->len, stderr, true);
    if (!p) {
        forget_globals_since(nglobals);
        return true;
    }
    if (p->nupvals != 0)
        csp_fatal("repl: a top-level chunk with upvalues");
    /* A top-level chunk captures nothing: its closure is just the proto. */
    ObjClosure *cl = GC_MALLOC(sizeof(ObjClosure));
    if (!cl)
        csp_fatal("out of memory");
    cl->h.kind = OBJ_CLOSURE;
    cl->proto = p;
    cl->nupvals = 0;

    int64_t idle = gen * 2, busy = gen * 2 + 1;
    if (!atomic_compare_exchange_strong(&repl_state, &idle, busy))
        return false;
    __atomic_store_n(&t->interrupt, 0, __ATOMIC_RELAXED);
    int sigs = atomic_load(&nsigint);
    atomic_store(&line_thread, t);
    int n = vm_call(t, v_from_ptr(cl), NULL, 0);
    Thread *expect = t;
    atomic_compare_exchange_strong(&line_thread, &expect, NULL);
    int64_t was = busy;
    bool still_ours = atomic_compare_exchange_strong(&repl_state, &was, gen * 2);
    __atomic_store_n(&t->interrupt, 0, __ATOMIC_RELAXED); /* a Ctrl-C that came as the line ended */
    if (!still_ours) {
        /* Left behind (deadlock or Ctrl-C): whatever the line did late is
         * not the session's business any more. */
        if (n < 0)
            vm_clear_panic(t);
        return false;
    }
    if (n < 0) {
        if (sigs != atomic_load(&nsigint)) {
            rt_flush(rt);
            fputc('\n', stderr); /* after the "^C" the terminal echoed */
        }
        print_panic(t);
        return true;
    }
    if (n > NATIVE_MAX_RETS)
        n = NATIVE_MAX_RETS;
    /* Copied: printing may call String() methods, which reuse t->rets. */
    Value vals[NATIVE_MAX_RETS];
    memcpy(vals, t->rets, sizeof(Value) * (size_t)n);
    if (n == 0 || (n == 1 && vals[0] == V_NIL))
        return true; /* a statement, a call with no results, nil */
    Buf b;
    buf_init(&b);
    if (format_results(t, &b, vals, n) < 0) {
        print_panic(t);
        return true;
    }
    rt_write_out(rt, b.data, b.len);
    return true;
}

/* :goroutines: the scheduler's goroutine dump. */
static void list_goroutines(Thread *t)
{
    (void)t;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    sched_dump(f);
    fclose(f);
    /* The dump starts each goroutine with a blank line; drop the first. */
    const char *body = text && text[0] == '\n' ? text + 1 : (text ? text : "");
    rt_write_out(rt, body, strlen(body));
    free(text);
}

/* :race on|off. The detector checks code compiled while it is on, run
 * by goroutines started after (and the prompt's own): what ran before is
 * unknown to it, so it can miss a race with that, never invent one. */
static void race_command(Thread *t, const char *arg)
{
    arg += strspn(arg, " \t");
    size_t n = strcspn(arg, " \t\n");
    if (n == 2 && !strncmp(arg, "on", 2)) {
        race_enable();
        if (!t->race)
            race_go(NULL, t, NULL);
    } else if (n == 3 && !strncmp(arg, "off", 3)) {
        __atomic_store_n(&race_on, false, __ATOMIC_RELAXED);
    } else if (n != 0) {
        rt_flush(rt);
        fprintf(stderr, "usage: :race on | :race off\n");
        return;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "race detector %s (%d race(s) reported)\n", RACE_ON() ? "on" : "off",
             race_count());
    rt_write_out(rt, msg, strlen(msg));
}

static void meta_command(Thread *t, const char *src)
{
    const char *p = src + strspn(src, " \t");
    size_t n = strcspn(p, " \t\n");
    char cmd[32];
    if (n >= sizeof cmd)
        n = sizeof cmd - 1;
    memcpy(cmd, p, n);
    cmd[n] = 0;
    if (!strcmp(cmd, ":help") || !strcmp(cmd, ":h") || !strcmp(cmd, ":?"))
        rt_write_out(rt, help_text, sizeof help_text - 1);
    else if (!strcmp(cmd, ":goroutines") || !strcmp(cmd, ":g"))
        list_goroutines(t);
    else if (!strcmp(cmd, ":race"))
        race_command(t, p + n);
    else if (!strcmp(cmd, ":quit") || !strcmp(cmd, ":q") || !strcmp(cmd, ":exit"))
        finish(0);
    else {
        rt_flush(rt);
        fprintf(stderr, "unknown command %s (:help lists them)\n", cmd);
    }
}

/* The prompt goroutine's body: args[0] is its generation. */
static int repl_main(Thread *t, Value *args, int nargs, Value *rets)
{
    (void)nargs;
    (void)rets;
    int64_t gen = v_int(args[0]);
    atomic_store(&prompt_thread, t);
    for (;;) {
        Buf src;
        switch (read_statement(gen, &src)) {
        case READ_STALE:
            return 0;
        case READ_EOF:
            finish(0);
        case READ_META:
            meta_command(t, src.data);
            break;
        default:
            if (!run_statement(t, gen, &src))
                return 0;
        }
    }
}

static void start_prompt(int64_t gen)
{
    Value arg = v_int_small(gen);
    sched_go(NULL, v_from_ptr(repl_fn), &arg, 1);
}

/* Let a new prompt goroutine take over from generation state s, after
 * printing `note` (so it comes before the new prompt). False: someone else
 * changed the state first (and took over, or the line ended). */
static bool take_over(int64_t s, const char *note)
{
    int64_t next = (s / 2 + 1) * 2;
    if (!atomic_compare_exchange_strong(&repl_state, &s, next))
        return false;
    atomic_store(&line_thread, NULL);
    atomic_store(&prompt_thread, NULL);
    if (note)
        fputs(note, stderr); /* the cookie stream: ordered with the session's output */
    start_prompt(next / 2);
    return true;
}

/* sched_set_deadlock_handler: the report is printed; everything is asleep,
 * the prompt's goroutine included. */
static void on_deadlock(void)
{
    Thread *t = atomic_load(&line_thread);
    char note[96] = "";
    if (t)
        snprintf(note, sizeof note, "(goroutine %lld stays blocked; the session goes on)\n",
                 (long long)t->id);
    take_over(atomic_load(&repl_state), note);
}

/* vm_set_fatal_error_handler: the report is printed. A fatal error ends
 * the goroutine that hit it and not the session; when that is the prompt's,
 * a new prompt takes over, as after a deadlock. */
static void on_fatal_error(Thread *t)
{
    if (!sched_getg())
        return; /* not csp code on a goroutine: exit */
    if (t == atomic_load(&prompt_thread))
        take_over(atomic_load(&repl_state), NULL);
    sched_end_goroutine();
}

/* ---- Ctrl-C ------------------------------------------------------------ */

static void on_sigint(int sig)
{
    (void)sig;
    int saved = errno;
    atomic_fetch_add(&nsigint, 1);
    Thread *t = atomic_load(&line_thread);
    if (t) {
        __atomic_store_n(&t->interrupt, 1, __ATOMIC_RELAXED); /* before preempt: see vm_safepoint */
        __atomic_store_n(&t->preempt, 1, __ATOMIC_RELAXED);
        poke(watch_pipe[1]);
    }
    atomic_store(&prompt_interrupt, 1);
    poke(wake_pipe[1]);
    errno = saved;
}

static void on_sigwinch(int sig)
{
    (void)sig;
    int saved = errno;
    atomic_store(&resized, 1);
    poke(wake_pipe[1]);
    errno = saved;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* After a Ctrl-C during a line: if the prompt's goroutine has not taken the
 * interrupt after the grace period and is parked, leave it behind. */
static void watch_interrupt(void)
{
    int64_t start = sched_nanotime();
    for (;;) {
        sleep_ns(20 * 1000000LL);
        int64_t s = atomic_load(&repl_state);
        Thread *t = atomic_load(&line_thread);
        if (!(s & 1) || !t || !__atomic_load_n(&t->interrupt, __ATOMIC_RELAXED))
            return; /* the line ended or took the panic */
        if (sched_nanotime() - start < INTERRUPT_GRACE_NS)
            continue;
        G *g = t->sched;
        if (!g || atomic_load(&g->status) != G_WAITING)
            continue; /* running (a long native call) or about to: it will see the flag */
        const char *why = g->waitreason ? g->waitreason : "waiting";
        long long id = (long long)t->id;
        char note[160];
        snprintf(note, sizeof note,
                 "\ninterrupted: goroutine %lld stays blocked [%s]; a new prompt takes over\n", id, why);
        take_over(s, note);
        return;
    }
}

static void *watcher(void *arg)
{
    /* The one thread that takes the session's signals (see setup_signals). */
    pthread_sigmask(SIG_UNBLOCK, (sigset_t *)arg, NULL);
    for (;;) {
        struct pollfd pfd = {.fd = watch_pipe[0], .events = POLLIN};
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        drain(watch_pipe[0]); /* several Ctrl-Cs: one watch */
        watch_interrupt();
    }
}

/* ---- start-up ---------------------------------------------------------- */

static void setup_locale(void)
{
    /* Source is UTF-8 by the language's rules; the editor must count and
     * echo it as such even when the environment says "C". */
    const char *loc = setlocale(LC_CTYPE, "");
    if (!loc || strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
        setlocale(LC_CTYPE, "C.UTF-8");
}

static void setup_terminal(void)
{
    have_tios = tcgetattr(0, &cooked_tios) == 0;
    const char *term = getenv("TERM");
    ansi = term && *term && strcmp(term, "dumb") != 0;
    raw_tios = cooked_tios;
    int fd = isatty(1) ? 1 : isatty(2) ? 2 : -1;
    int dupfd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : open("/dev/tty", O_WRONLY | O_CLOEXEC);
    if (dupfd < 0)
        dupfd = fcntl(1, F_DUPFD_CLOEXEC, 3);
    tty_out = dupfd;
    cookie_io_functions_t io = {.write = echo_write};
    el_out = fopencookie(NULL, "w", io);
    if (!el_out)
        el_out = stdout;
    /* Route the runtime's output through the terminal lock (see the top). */
    if (isatty(1)) {
        fflush(stdout);
        FILE *f = wrap_tty(1, _IOLBF);
        if (f)
            stdout = f;
        out_set_sink(tty_out_sink);
    }
    if (isatty(2)) {
        fflush(stderr);
        FILE *f = wrap_tty(2, _IONBF);
        if (f)
            stderr = f;
    }
}

static void setup_history(void)
{
    HistEvent ev;
    hist = history_init();
    history(hist, &ev, H_SETSIZE, HISTORY_SIZE);
    history(hist, &ev, H_SETUNIQUE, 1);
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (home) {
        size_t n = strlen(home) + sizeof "/" HISTORY_FILE;
        hist_path = malloc(n);
        if (hist_path) {
            snprintf(hist_path, n, "%s/%s", home, HISTORY_FILE);
            history(hist, &ev, H_LOAD, hist_path); /* none yet is fine */
        }
    }
}

static void setup_editor(void)
{
    /* The descriptors tell libedit it has a terminal; el_out is not a file. */
    el = el_init_fd("csp", stdin, el_out, el_out, 0, tty_out, tty_out);
    if (!el) {
        fprintf(stderr, "csp: cannot start the line editor\n");
        exit(1);
    }
    el_set(el, EL_SIGNAL, 0); /* our handlers; libedit's are not thread-aware */
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_PROMPT, prompt_fn);
    el_set(el, EL_GETCFN, term_getc);
    el_set(el, EL_HIST, history, hist);
    el_set(el, EL_ADDFN, "csp-complete", "complete the name before the cursor", complete);
    el_set(el, EL_BIND, "^I", "csp-complete", NULL);
    el_set(el, EL_BIND, "^R", "em-inc-search-prev", NULL);
    el_source(el, NULL); /* ~/.editrc */
}

static void setup_signals(void)
{
    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0 || pipe2(watch_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        perror("csp: pipe");
        exit(1);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_sigwinch;
    sigaction(SIGWINCH, &sa, NULL);
    sigaction(SIGCONT, &sa, NULL); /* back from Ctrl-Z: redraw */
    /* Only the watcher takes these signals: every thread started from here
     * on (the scheduler's Ms, its monitor) inherits this thread's mask. So
     * the handlers never run on a goroutine's stack, and a thread busy in
     * csp code never has to take one (ThreadSanitizer, for one, delays a
     * signal to a thread that calls nothing it intercepts). */
    static sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGWINCH);
    sigaddset(&sigs, SIGCONT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, watcher, &sigs) != 0) {
        fprintf(stderr, "csp: cannot start the interrupt watcher\n");
        exit(1);
    }
    pthread_attr_destroy(&attr);
}

_Noreturn void repl_run(Runtime *r, const char *version)
{
    rt = r;
    setup_locale();
    setup_terminal();
    setup_history();
    setup_editor();
    stdlib_open_all(rt); /* every module's members, for completion */
    build_fixed_names();
    setup_signals();
    sched_init(rt, 0);
    sched_set_deadlock_handler(on_deadlock);
    sched_set_panics_survive(true);
    rt_set_exit_hook(restore_terminal_at_exit);
    vm_set_fatal_error_handler(on_fatal_error);
    repl_fn = native_new("repl", repl_main, 1, 1);
    fprintf(stdout, "csp %s: :help for help, Ctrl-D to leave\n", version);
    fflush(stdout);
    atomic_store(&repl_state, 2); /* generation 1, idle */
    start_prompt(1);
    sched_run_main_loop();
    rt_exit(rt, 0);
}
