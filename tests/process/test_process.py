#!/usr/bin/env python3
"""csp as a process: output timing and integrity, signals, exit races and
memory limits, which a script test cannot see from inside.

    test_process.py CSP_BINARY

Each check runs csp on a small script written to a temporary folder and
looks at what a parent sees: when output arrives through a pipe, what a
file holds after a signal, the exit status, how many reports stderr has.
Time bounds are generous (a loaded 2-core machine): they only tell "at
once" from "at exit".
"""
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

CSP = os.path.abspath(sys.argv[1])
SANITIZED = any(v in os.environ for v in ("ASAN_OPTIONS", "TSAN_OPTIONS"))
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def script(dir, name, text):
    path = os.path.join(dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(path, timeout=60, **kw):
    return subprocess.run([CSP, path], capture_output=True, timeout=timeout, **kw)


def test_prompt_output(d):
    """A line printed before a sleep reaches a pipe at once, not at exit."""
    p = script(d, "sleepy.csp", 'fmt.Println("first")\ntime.Sleep(3 * time.Second)\nfmt.Println("second")\n')
    t0 = time.monotonic()
    proc = subprocess.Popen([CSP, p], stdout=subprocess.PIPE)
    first = proc.stdout.readline()
    dt = time.monotonic() - t0
    rest = proc.stdout.read()
    proc.wait(timeout=30)
    check(first == b"first\n" and dt < 2.0, "first line through a pipe before the sleep ends (%.3f s)" % dt)
    check(rest == b"second\n" and proc.returncode == 0, "second line after it, exit 0")


def test_signals(d):
    """SIGINT, SIGTERM, SIGHUP: what was printed is in the file, every line
    whole, and the process dies of the signal; SIGQUIT dumps the
    goroutines and exits 2."""
    p = script(
        d,
        "printer.csp",
        'done, started := chan(), chan()\n'
        'go func() { started <- true; <-done }()\n'
        '<-started\n'
        'for i := 0; ; i++ {\n'
        '\tfmt.Println("line", i, "of a program that prints until it is stopped")\n'
        '\tif i == 2000 { fmt.Println("ready") }\n'
        '}\n',
    )
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        out_path = os.path.join(d, "out.txt")
        with open(out_path, "wb") as out:
            proc = subprocess.Popen([CSP, p], stdout=out, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with open(out_path, "rb") as f:
                    if b"ready\n" in f.read():
                        break
                time.sleep(0.01)
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=30)
        with open(out_path, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        whole = data.endswith(b"\n") and all(
            l == b"ready" or (l.startswith(b"line ") and l.endswith(b"stopped")) for l in lines[:-1]
        )
        numbers = [int(l.split()[1]) for l in lines[:-1] if l.startswith(b"line ")]
        in_order = numbers == list(range(len(numbers)))
        name = signal.Signals(sig).name
        if sig == signal.SIGQUIT:
            e = err.decode(errors="replace")
            check(proc.returncode == 2, "%s: exit 2 (got %s)" % (name, proc.returncode))
            check(e.startswith("SIGQUIT: quit\n") and "goroutine 2 [chan receive]:" in e,
                  "%s: every goroutine's state on stderr" % name)
        else:
            check(proc.returncode == -sig, "%s: dies of the signal (got %s)" % (name, proc.returncode))
        check(whole and in_order and len(numbers) > 2000,
              "%s: %d lines kept, each whole, none lost or out of order" % (name, len(numbers)))


def test_concurrent_panics(d):
    """Eight goroutines panic at once: one report, exit 2."""
    p = script(
        d,
        "panics.csp",
        'start := chan()\n'
        'for i := range 8 {\n'
        '\tgo func() { <-start; panic(fmt.Sprint("boom ", i)) }()\n'
        '}\n'
        'close(start)\n'
        'select {}\n',
    )
    bad = []
    for _ in range(20):
        r = run(p)
        reports = [l for l in r.stderr.decode(errors="replace").split("\n") if l.startswith("panic: ")]
        if r.returncode != 2 or len(reports) != 1:
            bad.append((r.returncode, reports))
    check(not bad, "concurrent panics: exactly one report and exit 2 in 20 runs %s" % (bad[:2],))


def test_concurrent_exits(d):
    """Eight goroutines call os.Exit(i) at once: the status is one of them,
    and the output printed before is all there."""
    p = script(
        d,
        "exits.csp",
        'start := chan()\n'
        'for i := 1; i <= 8; i++ {\n'
        '\tgo func() { <-start; os.Exit(i) }()\n'
        '}\n'
        'fmt.Println("before")\n'
        'close(start)\n'
        'select {}\n',
    )
    bad = []
    for _ in range(20):
        r = run(p)
        if not 1 <= r.returncode <= 8 or r.stdout != b"before\n" or r.stderr:
            bad.append((r.returncode, r.stdout, r.stderr[:200]))
    check(not bad, "concurrent os.Exit: one status of 1..8, output kept, in 20 runs %s" % (bad[:2],))


def test_lines_whole(d):
    """Printlns from four goroutines never mix within a line."""
    p = script(
        d,
        "mix.csp",
        'var wg sync.WaitGroup\n'
        'for g := range 4 {\n'
        '\twg.Add(1)\n'
        '\tgo func() {\n'
        '\t\tdefer wg.Done()\n'
        '\t\tfor i := range 5000 { fmt.Println(g, i, strings.Repeat(string(rune(97 + g)), 300)) }\n'
        '\t}()\n'
        '}\n'
        'wg.Wait()\n',
    )
    r = run(p)
    lines = r.stdout.decode().split("\n")
    ok = r.returncode == 0 and lines[-1] == "" and len(lines) == 20001
    for l in lines[:-1]:
        g, i, s = l.split(" ")
        ok = ok and s == chr(97 + int(g)) * 300
    check(ok, "20,000 lines from 4 goroutines, each whole")


def test_address_space_limit(d):
    """Under ulimit -v 1000000 (a container's cap) csp runs: it reserves
    address space as it needs it."""
    if SANITIZED:
        print("skip address-space limit: sanitizers reserve terabytes of shadow memory")
        return
    p = script(
        d,
        "limited.csp",
        'println("hello")\n'
        'var wg sync.WaitGroup\n'
        'sum := sync.Atomic(0)\n'
        'for i := range 500 {\n'
        '\twg.Add(1)\n'
        '\tgo func() { defer wg.Done(); time.Sleep(time.Millisecond); sum.Add(i) }()\n'
        '}\n'
        'wg.Wait()\n'
        'println(sum.Load())\n'
        'xs := []\n'
        'for i := range 1000000 { xs = append(xs, i) }\n'
        'println(len(xs))\n',
    )

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1000000 * 1024, 1000000 * 1024))

    r = run(p, preexec_fn=limit)
    check(r.returncode == 0 and r.stdout == b"hello\n124750\n1000000\n",
          "runs under ulimit -v 1000000 (%s %r %r)" % (r.returncode, r.stdout[:60], r.stderr[:200]))


def main():
    with tempfile.TemporaryDirectory() as d:
        for t in (test_prompt_output, test_signals, test_concurrent_panics, test_concurrent_exits,
                  test_lines_whole, test_address_space_limit):
            t(d)
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)


main()
