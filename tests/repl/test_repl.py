#!/usr/bin/env python3
"""Drive a real csp REPL session on a pseudo-terminal.

usage: test_repl.py path/to/csp

Every wait is bounded (EXPECT_TIMEOUT per step, and an alarm over the whole
run), generously, so a loaded 2-core machine passes and a hang fails instead
of blocking the suite. Prints what it checked; exits 1 with the session
transcript on the first failure.
"""
import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

EXPECT_TIMEOUT = 30.0  # one step: a prompt, a result
WHOLE_RUN = 300        # seconds, everything included

ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|[\r\x07\x08]")


class Failure(Exception):
    pass


class Session:
    def __init__(self, csp, home, term="xterm"):
        self.raw = b""
        self.pos = 0  # index into clean(): what has been matched already
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
                env = dict(os.environ, HOME=home, TERM=term)
                os.execve(csp, [csp], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.status = None

    def clean(self):
        return ESCAPES.sub(b"", self.raw).decode("utf-8", "replace")

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal (exited)
            data = b""
        if not data:
            return False
        self.raw += data
        return True

    def expect(self, pattern, timeout=EXPECT_TIMEOUT, what=None):
        """Wait until pattern (a regex) appears after what was matched before."""
        rx = re.compile(pattern, re.S)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.clean(), self.pos)
            if m:
                self.pos = m.end()
                return m
            left = end - time.monotonic()
            if left <= 0:
                raise Failure("timed out waiting for %s" % (what or repr(pattern)))
            if not self._read(min(left, 0.2)):
                m = rx.search(self.clean(), self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise Failure("the session ended while waiting for %s" % (what or repr(pattern)))

    def settle(self, quiet=0.3, timeout=EXPECT_TIMEOUT):
        """Read until the terminal has been quiet for `quiet` seconds and
        skip what came: after a Ctrl-C, a slow machine may echo the ^C and
        draw the prompt once more, which the next line must not take for
        its output."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            before = len(self.raw)
            if not self._read(quiet) or len(self.raw) == before:
                break
        self.pos = len(self.clean())

    def send(self, s):
        os.write(self.fd, s.encode() if isinstance(s, str) else s)

    def paste(self, text, timeout=EXPECT_TIMEOUT):
        """Write a lot at once while reading the echo, as a terminal does (a
        blocking write could wait for csp while csp waits for its echo to be
        read)."""
        data = text.encode()
        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        end = time.monotonic() + timeout
        try:
            while data:
                if time.monotonic() > end:
                    raise Failure("pasting took over %d s" % timeout)
                r, w, _ = select.select([self.fd], [self.fd], [], 0.2)
                if r:
                    self._read(0)
                if w:
                    try:
                        data = data[os.write(self.fd, data[:4096]):]
                    except BlockingIOError:
                        pass
        finally:
            fcntl.fcntl(self.fd, fcntl.F_SETFL, flags)

    def line(self, text):
        """Type a line and wait for the next prompt; returns what came between."""
        self.send(text + "\r")
        m = self.expect(r"(.*?)\n(?:>>>|\.\.\.) ", what="the prompt after %r" % text)
        return m.group(1)

    def line_shows(self, text, pattern, what):
        """Type a line; one line of its output must match pattern (a regular
        expression for the whole line)."""
        out = self.line(text)
        check(re.search("^" + pattern + "$", out, re.M), "%s: %r" % (what, out))

    def wait_exit(self, timeout=EXPECT_TIMEOUT):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                return os.waitstatus_to_exitcode(status)
            self._read(0.1)
        raise Failure("csp did not exit")

    def kill(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass


@contextlib.contextmanager
def session(csp, home, term="xterm"):
    """A Session that is killed at the end, with its transcript on stderr
    when a check fails."""
    s = Session(csp, home, term)
    try:
        yield s
    except Failure:
        sys.stderr.write("---- transcript ----\n%s\n---- end ----\n" % transcript(s))
        raise
    finally:
        s.kill()


def transcript(s):
    """The session's text for a failure report, long runs of one character
    (a long line's echo) shortened."""
    return re.sub(r"(.)\1{99,}", lambda m: "%s[... %d in all]" % (m.group(1) * 10, len(m.group(0))), s.clean())


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run_session(csp, home):
    with session(csp, home) as s:
        s.expect(r">>> ", what="the first prompt")

        # Definitions persist; statements print nothing, expressions their value.
        out = s.line("x := 6")
        check(out.strip() == "x := 6", "a statement printed something: %r" % out)
        s.line_shows("x * 7", r"42", "x * 7 did not print 42")
        print("ok: definitions persist, x * 7 prints 42")

        # A statement over several lines ("... " while a block is open).
        s.send("func add(a, b) {\r")
        s.expect(r"\n\.\.\. ", what="the continuation prompt")
        s.send("return a + b\r")
        s.expect(r"\n\.\.\. ", what="the continuation prompt")
        s.send("}\r")
        s.expect(r"\n>>> ", what="the prompt after the block")
        s.line_shows("add(x, 1)", r"7", "add(x, 1)")
        s.line('func three() { return "a", 2, [3] }')
        s.line_shows("three()", r'"a" 2 \[3\]', "several values")
        print("ok: multi-line statements, several values")

        # A type declared on one line, its method on the next, both used later.
        s.line("type P struct { X, Y int }")
        s.line("func (p *P) Add(d int) { p.X += d }")
        s.line("p := P{1, 2}")
        s.line("p.Add(10)")
        s.line_shows("p.X + p.Y", r"13", "a struct and its method across lines")
        print("ok: types and methods persist across lines")

        # A generic function and an interface declared on earlier lines.
        s.line("func Max[T int | float64](a, b T) T { if a > b { return a }; return b }")
        s.line_shows("Max(3, 7)", r"7", "a generic function called on a later line")
        s.line("type Shape interface { Area() int }")
        s.line("func (p P) Area() int { return p.X * p.Y }")
        s.line("var sh Shape = P{3, 4}")
        s.line_shows('switch v := sh.(type) { case P: println("P", v.Area()) }', r"P 12", "a type switch")
        print("ok: generics and interfaces across lines")
        # A global keeps its declared type on later lines: stores convert.
        s.line("var total float64")
        s.line("total = 1")
        s.line_shows("total / 4", r"0\.25", "a float64 global assigned 1 on a later line")
        s.line("var small byte = 255")
        s.line("small++")
        s.line_shows("small", r"0", "a byte global incremented on a later line")
        # ...and their static types: an interface global compares dynamic types
        s.line("var anyv any = uint8(200)")
        s.line_shows("anyv == 200", r"false", "an interface global holding a uint8 against an int")
        # a function of an earlier line keeps its parameter types
        s.line("func f8(x uint8) uint8 { return x }")
        s.line_shows("f8(300)", r"<stdin>:1:4: error: cannot use 300 \(untyped int constant\) as uint8 value in argument to f8 \(overflows\)",
                     "a constant that overflows an earlier line's parameter")
        print("ok: globals keep their declared types across lines")

        # A goroutine started at the prompt sends; a later line receives.
        s.line("ch := chan()")
        s.line("go func() { ch <- x * 100 }()")
        s.line_shows("<-ch", r"600", "<-ch")
        print("ok: a goroutine's send is received by a later line")

        # Ctrl-C stops a running loop; the session goes on.
        s.send("for {}\r")
        time.sleep(0.5)
        s.send("\x03")
        s.expect(r"panic: interrupted", what="the interrupted panic")
        s.expect(r"\n>>> ", what="the prompt after Ctrl-C")
        s.settle()
        s.line_shows("x + 1", r"7", "after Ctrl-C")
        print("ok: Ctrl-C interrupts for {}")

        # A deadlock at the prompt prints the report; the session goes on.
        s.send("<-chan()\r")
        s.expect(r"all goroutines are asleep - deadlock!", what="the deadlock report")
        s.expect(r"goroutine \d+ \[chan receive\]", what="the blocked goroutine in the report")
        s.expect(r"\n>>> ", what="the prompt after the deadlock")
        s.line_shows("x + 2", r"8", "after the deadlock")
        print("ok: a deadlock prints the report and the session goes on")

        # A panic prints with its traceback; the session goes on.
        s.send("[1, 2][5]\r")
        s.expect(r"panic: runtime error: index out of range \[5\] with length 2", what="the panic")
        s.expect(r"goroutine \d+ \[running\]", what="the traceback")
        s.expect(r"\n>>> ", what="the prompt after the panic")
        s.line_shows("x + 3", r"9", "after the panic")
        print("ok: a panic prints and the session goes on")

        # A panic in a goroutine started at the prompt ends that goroutine
        # only: its traceback prints and the session goes on.
        s.send('go func() { panic("boom in a goroutine") }()\r')
        s.expect(r"panic: boom in a goroutine", what="the goroutine's panic")
        s.expect(r"goroutine \d+ \[running\]", what="the goroutine's traceback")
        s.expect(r"<stdin>:1", what="the end of the goroutine's traceback")
        s.expect(r">>> ", what="the prompt redrawn after the goroutine's output")
        s.line_shows("x + 4", r"10", "after a goroutine's panic")
        print("ok: a goroutine's panic prints and the session goes on")

        # A compile error prints as file:line:col and the session goes on.
        out = s.line("nosuchname + 1")
        check("<stdin>:1:1: error: undefined: nosuchname" in out, "compile error: %r" % out)
        print("ok: a compile error prints and the session goes on")

        # Ctrl-C while the prompt's goroutine is parked but not deadlocked (a
        # sleeper keeps the runtime busy): a new prompt takes over.
        s.line("go func() { for { time.Sleep(20 * time.Millisecond) } }()")
        s.send("<-chan()\r")
        time.sleep(0.5)
        s.send("\x03")
        s.expect(r"interrupted: goroutine \d+ stays blocked \[chan receive\]", what="the hand-over note")
        s.expect(r"\n>>> ", what="the prompt after Ctrl-C on a parked line")
        s.settle()
        s.line_shows("x + 4", r"10", "after Ctrl-C on a parked line")
        print("ok: Ctrl-C on a blocked line gives the prompt back")

        # Output from a goroutine while a line is being typed: the prompt and
        # the half-typed line are drawn again below it.
        s.line('go func() { time.Sleep(500 * time.Millisecond); println("async-out") }()')
        s.send("x +")
        s.expect(r"async-out\n>>> x \+", what="the redrawn line after async output")
        s.send(" 5\r")
        out = s.expect(r"(.*?)\n>>> ", what="the prompt").group(1)
        check(re.search(r"^11$", out, re.M), "the line typed around async output: %r" % out)
        print("ok: async output redraws the prompt and the line")

        # Ctrl-C at the prompt drops the line being typed.
        s.send("garbage")
        s.expect(r"garbage", what="the echo")
        s.send("\x03")
        s.expect(r"\^C\n>>> ", what="the prompt after Ctrl-C at the prompt")
        s.line_shows("x", r"6", "after Ctrl-C at the prompt")
        print("ok: Ctrl-C at the prompt clears the line")

        # A fatal error at the prompt prints as Go prints it and ends that
        # line only; in a goroutine started at the prompt, that goroutine.
        s.send("mu := sync.Mutex(); mu.Unlock()\r")
        s.expect(r"fatal error: sync: unlock of unlocked mutex\n", what="the fatal error")
        s.expect(r"goroutine \d+ \[running\]:\nsync\.Mutex\.Unlock", what="the fatal error's traceback")
        s.expect(r"\n>>> ", what="the prompt after a fatal error")
        s.line_shows("x + 5", r"11", "after a fatal error")
        s.send("var rw sync.RWMutex; rw.RUnlock()\r")
        s.expect(r"fatal error: sync: RUnlock of unlocked RWMutex\n", what="the RWMutex fatal error")
        s.expect(r"\n>>> ", what="the prompt after the RWMutex fatal error")
        s.send("go func() { time.Sleep(200 * time.Millisecond); mu.Unlock() }()\r")
        s.expect(r"fatal error: sync: unlock of unlocked mutex\n", what="the goroutine's fatal error")
        s.expect(r"goroutine \d+ \[running\]:.*<stdin>:1\n", what="the goroutine's traceback")
        s.expect(r">>> ", what="the prompt redrawn after the goroutine's fatal error")
        s.line_shows("x + 6", r"12", "after a goroutine's fatal error")
        print("ok: a fatal error prints and the session goes on")

        # A line that does not compile defines nothing, not even the names
        # declared before its error.
        s.line("y := undefined_name")
        s.line_shows("println(y)", r"<stdin>:1:9: error: undefined: y", "a name from a failed line")
        s.line("a1 := 1; b1 := nosuch")
        s.line_shows("a1", r"<stdin>:1:1: error: undefined: a1", "a name before the error")
        s.line("func fbad() { return nosuch }")
        s.line_shows("fbad()", r"<stdin>:1:1: error: undefined: fbad", "a func from a failed line")
        print("ok: a line that fails to compile defines nothing")

        # Strings show quoted (so "1" and 1 differ), but as %v inside lists.
        s.line_shows('"hel" + "lo"', r'"hello"', "a string's value")
        s.line_shows('"1" + "\\t"', r'"1\\t"', "a string with a tab")
        s.line_shows('["a", 1]', r"\[a 1\]", "strings in a list")
        print("ok: strings show quoted")

        # Tab after nothing but blanks indents instead of listing every name.
        s.send("func tabbed() {\r")
        s.expect(r"\n\.\.\. ", what="the continuation prompt")
        s.send("\treturn 5\r")
        out = s.expect(r"(.*?)\n\.\.\. ", what="the continuation prompt after a tab").group(1)
        check("strings" not in out, "Tab at the start of a line listed names: %r" % out)
        s.send("}\r")
        s.expect(r"\n>>> ", what="the prompt after the block")
        s.line_shows("tabbed()", r"5", "a function typed with tabs")
        # Bracketed paste: pasted text, tabs included, is typed text, and its
        # lines are taken as typed lines.
        s.send("\x1b[200~" + 'pv := "a\tb"\rfunc pf(n) {\r\tif n > 0 {\r\t\treturn n + 1\r\t}\r\treturn 0\r}\r'
               + "\x1b[201~")
        out = s.expect(r"(.*?)\}\n>>> ", what="the prompt after a paste").group(1)
        check("strings" not in out and "append" not in out, "a paste listed names: %r" % out)
        s.line_shows("pv", r'"a\\tb"', "a tab pasted in a string")
        s.line_shows("pf(3)", r"4", "a pasted function")
        # Ctrl-C while a pasted line runs drops the rest of the paste.
        s.send("\x1b[200~for {}\rdropped := 1\r\x1b[201~")
        s.expect(r"for \{\}\n", what="the pasted loop's echo")
        time.sleep(0.5)
        s.send("\x03")
        s.expect(r"panic: interrupted", what="the interrupted pasted loop")
        s.expect(r"\n>>> ", what="the prompt after Ctrl-C in a paste")
        s.line_shows("dropped", r"<stdin>:1:1: error: undefined: dropped", "the rest of an interrupted paste")
        print("ok: Tab indents, bracketed paste")

        # A long line takes time linear in its length, typed (or pasted
        # without the marks) and pasted.
        for marks in (("", ""), ("\x1b[200~", "\x1b[201~")):
            n = 200000
            s.paste(marks[0] + 'len("' + "a" * n + '")' + marks[1] + "\r", timeout=60)
            s.expect(r"\n%d\n>>> " % n, timeout=60, what="the length of a long line")
        print("ok: a 200 KB line")

        # Tab completes module members and globals.
        s.send("strings.ToUp\t")
        s.expect(r"strings\.ToUpper", what="the completed member")
        s.line_shows('("go")', r'"GO"', "completed call")
        s.line("longglobalname := 99")
        s.send("longglob\t")
        s.expect(r"longglobalname", what="the completed global")
        s.line_shows("", r"99", "completed global")
        print("ok: tab completion")

        # Meta-commands.
        out = s.line(":goroutines")
        check("[running]" in out and "[chan receive]" in out, ":goroutines: %r" % out)
        out = s.line(":help")
        check(":goroutines" in out and ":quit" in out, ":help: %r" % out)
        print("ok: :goroutines, :help")

        # Ctrl-D exits 0.
        s.send("\x04")
        code = s.wait_exit()
        check(code == 0, "Ctrl-D: exit status %d" % code)
        print("ok: Ctrl-D exits 0")

        hist = os.path.join(home, ".csp_history")
        check(os.path.exists(hist), "no ~/.csp_history")
        with open(hist, "rb") as f:
            check(b"x\\040*\\0407" in f.read(), "the history lacks a line typed")
        print("ok: history saved")

    # :quit exits 0 too, and the history comes back (Up arrow).
    with session(csp, home) as s:
        s.expect(r">>> ", what="the first prompt")
        s.send("\x1b[A\x1b[A\x1b[A")
        s.expect(r">>> longglobalname", what="a line from the history")
        s.send("\x03")
        s.expect(r"\n>>> ", what="the prompt")
        s.send(":quit\r")
        code = s.wait_exit()
        check(code == 0, ":quit: exit status %d" % code)
        print("ok: history reloaded, :quit exits 0")


def run_dumb(csp, home):
    # A terminal without cursor movement (TERM=dumb): a line typed ahead in
    # one go shows as soon as it is read, not when it has finished running.
    with session(csp, home, term="dumb") as s:
        s.expect(r">>> ", what="the first prompt")
        s.paste("time.Sleep(3 * time.Second)\r")
        s.expect(r"time\.Sleep\(3 \* time\.Second\)\n", timeout=2, what="the line's echo while it runs")
        s.expect(r">>> ", what="the prompt after the line")
        s.send("\x04")
        code = s.wait_exit()
        check(code == 0, "Ctrl-D: exit status %d" % code)
        print("ok: TERM=dumb echoes a line before running it")


def run_exit_from_goroutine(csp, home):
    # os.Exit in a goroutine while the prompt is on screen: the exit status
    # is its, and the terminal is left cooked, echoing, without bracketed
    # paste, as the shell expects it.
    with session(csp, home) as s:
        s.expect(r">>> ", what="the first prompt")
        s.line("go func() { time.Sleep(300 * time.Millisecond); os.Exit(3) }()")
        code = s.wait_exit()
        check(code == 3, "os.Exit(3) from a goroutine: exit status %d" % code)
        lflag = termios.tcgetattr(s.fd)[3]
        check(lflag & termios.ICANON and lflag & termios.ECHO, "the terminal is cooked again after os.Exit")
        check(s.raw.rfind(b"\x1b[?2004l") > s.raw.rfind(b"\x1b[?2004h"), "bracketed paste is off after os.Exit")
        print("ok: os.Exit in a goroutine leaves the terminal sane")


def run_race(csp, home):
    # :race on checks the lines that follow: a goroutine and the prompt
    # writing one variable unordered are reported, with the variable's
    # name; a WaitGroup orders the next pair; the session's end says how
    # many were found and exits 66 (Go's status for a race).
    with session(csp, home) as s:
        s.expect(r">>> ", what="the first prompt")
        out = s.line(":race on")
        check("race detector on" in out, ":race on: %r" % out)
        s.line("n := 0")
        s.line("var wg sync.WaitGroup")
        s.line("wg.Add(1)")
        s.line("go func() { n = 1; wg.Done() }()")
        s.line("time.Sleep(50 * time.Millisecond)")
        s.send("n = 2\r")
        s.expect(r"WARNING: DATA RACE", what="the race report")
        s.expect(r"Write to variable n by main goroutine", what="the variable's name")
        s.expect(r"\n>>> ", what="the prompt after the report")
        s.line("wg.Add(1)")
        s.line("go func() { n = 3; wg.Done() }()")
        s.line("wg.Wait()")
        out = s.line("n = 4")
        check("DATA RACE" not in out, "a race reported after wg.Wait(): %r" % out)
        out = s.line(":race")
        check("1 race(s) reported" in out, ":race: %r" % out)
        s.send("\x04")
        s.expect(r"Found 1 data race\(s\)", what="the count at the end")
        code = s.wait_exit()
        check(code == 66, "the session's exit status after a race: %d" % code)
        print("ok: :race on reports a race at the prompt, exit 66")


def run_piped(csp):
    # Standard input not a terminal: csp reads the script from it.
    r = subprocess.run([csp], input=b"println(1)\n", capture_output=True, timeout=EXPECT_TIMEOUT)
    check(r.returncode == 0 and r.stdout == b"1\n", "echo 'println(1)' | csp: %r" % (r,))
    r = subprocess.run([csp], input=b"x := 6\nfunc main() { println(x * 7) }\n", capture_output=True,
                       timeout=EXPECT_TIMEOUT)
    check(r.returncode == 0 and r.stdout == b"42\n", "a piped script with main: %r" % (r,))
    print("ok: a piped script runs")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_repl.py path/to/csp")
    csp = os.path.abspath(sys.argv[1])
    signal.alarm(WHOLE_RUN)  # the last resort against a hang: SIGALRM ends us
    try:
        run_piped(csp)
        with tempfile.TemporaryDirectory() as home:
            run_session(csp, home)
            run_dumb(csp, home)
            run_exit_from_goroutine(csp, home)
            run_race(csp, home)
    except (Failure, subprocess.TimeoutExpired) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    print("all REPL checks passed")


if __name__ == "__main__":
    main()
