#!/usr/bin/env python3
"""Checks csp --trace and csp trace summary.

usage: check_trace.py CSP

Runs each program of tests/trace with --trace on 1 and 2 procs
(CSPMAXPROCS) and checks the JSON it wrote:
  - it parses, with a traceEvents array;
  - every flow start ("s") has exactly one finish ("f", bp "e") with the
    same id, category and name, no earlier than the start, and both ends
    lie inside a state slice of their goroutine's track;
  - one channel flow per send/receive pair, one go flow per goroutine
    started by another one (at its first run), and the mutex hand-offs or
    GC slices the program must produce;
  - each P's run slices do not overlap and each matches a running slice
    of the goroutine it names;
  - each goroutine's state slices are in order and leave no gap from its
    creation to its end (or to the end of the trace);
  - the counters (goroutines alive and runnable, heap bytes) are there.
Then csp trace summary on one of the files (its tables) and its errors
(missing file, invalid JSON, not a trace, bad usage), and --trace's own
errors. Prints what failed; exit status 1 if anything did.
"""
import bisect, json, os, subprocess, sys, tempfile
from collections import defaultdict

CSP = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
EPS = 0.0015  # microseconds: the file has nanosecond precision
failures = []


def fail(what):
    failures.append(what)
    print("FAIL:", what, flush=True)


# name, args, expected stdout, exit status, exact flow counts by category,
# categories that must have at least one flow, whether GC slices must exist
CASES = [
    ("pingpong", [], "50\n", 0, {"chan": 100, "go": 1}, [], False),
    ("buffered", [], "19900\n", 0, {"chan": 201, "go": 1}, [], False),
    ("mutex", [], "20\n", 0, {"chan": 0, "go": 4}, ["sync.Mutex", "sync.WaitGroup"], False),
    ("workers", [], "204950\n", 0, {"chan": 200, "go": 6}, ["sync.WaitGroup"], True),
    ("exit_paths", ["exit"], "exiting\n", 3, {"chan": 1, "go": 1}, [], False),
    ("exit_paths", ["panic"], "", 2, {"chan": 1, "go": 2}, [], False),
    ("exit_paths", ["deadlock"], "", 2, {"chan": 1, "go": 1}, [], False),
    ("exit_paths", ["syscall"], "read\n", 0, {"chan": 1, "go": 1}, [], False),
    ("handoff", [], "slept\n", 0, {"chan": 0, "go": 2}, ["sync.WaitGroup"], False),
]
# cases whose goroutines must show C calls, and the P taken from them
HANDOFF = {"handoff"}


def check_trace(label, path, counts, some, want_gc):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{label}: the trace does not parse: {e}")
        return
    evs = doc.get("traceEvents") if isinstance(doc, dict) else None
    if not isinstance(evs, list):
        fail(f"{label}: no traceEvents array")
        return
    if os.path.exists(path + ".tmp"):
        fail(f"{label}: {path}.tmp left behind")

    gnames, slices, pslices, flows, counters = {}, defaultdict(list), defaultdict(list), defaultdict(list), set()
    gc = 0
    instants = []
    for e in evs:
        ph, pid = e.get("ph"), e.get("pid")
        if ph == "M" and e.get("name") == "thread_name" and pid == 2:
            gnames[e["tid"]] = e["args"]["name"]
        elif ph == "X" and pid == 2:
            slices[e["tid"]].append(e)
        elif ph == "X" and pid == 1:
            pslices[e["tid"]].append(e)
        elif ph == "X" and pid == 3:
            gc += e.get("name") == "GC"
        elif ph in ("s", "f"):
            flows[e["id"]].append(e)
        elif ph == "C":
            for k in e.get("args", {}):
                counters.add(e.get("name") + " " + k)
        elif ph == "i":
            instants.append(e)

    # goroutine tracks: ordered, contiguous, known categories
    for tid, ss in slices.items():
        ss.sort(key=lambda e: e["ts"])
        if tid not in gnames:
            fail(f"{label}: goroutine track {tid} has no name")
        for a, b in zip(ss, ss[1:]):
            if abs(a["ts"] + a["dur"] - b["ts"]) > EPS:
                fail(f"{label}: G{tid}: gap or overlap between {a} and {b}")
                break
        for s in ss:
            if s["cat"] not in ("running", "runnable", "blocked", "syscall") or s["dur"] < 0:
                fail(f"{label}: G{tid}: bad state slice {s}")
        if ss and ss[0]["cat"] != "runnable":
            fail(f"{label}: G{tid}: its life does not start runnable: {ss[0]}")

    starts = {tid: [s["ts"] for s in ss] for tid, ss in slices.items()}

    def inside(tid, ts):
        # the slice starting last at or before ts (slices are sorted and
        # contiguous), or the one starting at ts within rounding
        ss = slices.get(tid, [])
        i = bisect.bisect_right(starts.get(tid, []), ts + EPS) - 1
        return i >= 0 and ss[i]["ts"] - EPS <= ts <= ss[i]["ts"] + ss[i]["dur"] + EPS

    # flows
    by_cat = defaultdict(int)
    go_to = defaultdict(int)
    for fid, pair in flows.items():
        st = [e for e in pair if e["ph"] == "s"]
        fi = [e for e in pair if e["ph"] == "f"]
        if len(st) != 1 or len(fi) != 1:
            fail(f"{label}: flow {fid} has {len(st)} starts and {len(fi)} finishes")
            continue
        s, f = st[0], fi[0]
        if s.get("cat") != f.get("cat") or s.get("name") != f.get("name") or f.get("bp") != "e":
            fail(f"{label}: flow {fid}: ends do not match: {s} {f}")
        if f["ts"] < s["ts"]:
            fail(f"{label}: flow {fid} finishes before it starts: {s} {f}")
        if not inside(s["tid"], s["ts"]) or not inside(f["tid"], f["ts"]):
            fail(f"{label}: flow {fid}: an end lies outside its goroutine's slices: {s} {f}")
        by_cat[s["cat"]] += 1
        if s["cat"] == "go":
            go_to[f["tid"]] += 1
            first = next((x for x in slices[f["tid"]] if x["cat"] == "running"), None)
            if not first or abs(first["ts"] - f["ts"]) > EPS:
                fail(f"{label}: go flow {fid} does not end at G{f['tid']}'s first run")
    for cat, n in counts.items():
        if by_cat.get(cat, 0) != n:
            fail(f"{label}: {by_cat.get(cat, 0)} {cat} flows, want {n}")
    for cat in some:
        if not by_cat.get(cat):
            fail(f"{label}: no {cat} flow")
    for tid, ss in slices.items():
        ran = any(s["cat"] == "running" for s in ss)
        if tid != 1 and ran and go_to[tid] != 1:
            fail(f"{label}: G{tid} ran but has {go_to[tid]} go flows")

    # P tracks: no overlap, each a running slice of the goroutine named
    running = {(tid, round(x["ts"], 3), round(x["dur"], 3)) for tid, ss in slices.items() for x in ss
               if x["cat"] == "running"}
    for p, ss in pslices.items():
        ss.sort(key=lambda e: e["ts"])
        for a, b in zip(ss, ss[1:]):
            if a["ts"] + a["dur"] > b["ts"] + EPS:
                fail(f"{label}: P{p}: overlapping slices {a} {b}")
                break
        for s in ss:
            gid = int(s["name"].split()[0][1:])
            if (gid, round(s["ts"], 3), round(s["dur"], 3)) not in running:
                fail(f"{label}: P{p}: {s['name']} at {s['ts']} matches no running slice of G{gid}")
                break
    if not pslices:
        fail(f"{label}: no P slices")

    for c in ("goroutines alive", "goroutines runnable"):
        if c not in counters:
            fail(f"{label}: no {c} counter")
    # (a TSan build runs with the collector off: GC_DONT_GC)
    if want_gc and not os.environ.get("GC_DONT_GC") and (not gc or "heap bytes in use" not in counters):
        fail(f"{label}: no GC slice or heap counter")
    if label.split()[0] in HANDOFF:
        calls = sum(1 for ss in slices.values() for s in ss if s["cat"] == "syscall" and s["dur"] >= 40000)
        taken = [e for e in instants if e["pid"] == 1 and e["name"] == "P taken from a blocking call"]
        if calls != 2 or not taken:
            fail(f"{label}: {calls} C calls of 50 ms, {len(taken)} P taken from one")
        for e in instants:
            if e["pid"] == 2 and not inside(e["tid"], e["ts"]):
                fail(f"{label}: instant outside its goroutine's slices: {e}")


def run(args, env=None):
    return subprocess.run([CSP] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)


tmp = tempfile.mkdtemp(prefix="csp-trace-")
last = None
for name, args, out, code, counts, some, want_gc in CASES:
    for procs in ("1", "2"):
        label = f"{name}{''.join(' ' + a for a in args)} @{procs}"
        path = os.path.join(tmp, f"{name}-{'-'.join(args)}-{procs}.json")
        env = dict(os.environ, CSPMAXPROCS=procs)
        p = run(["--trace", path, os.path.join(HERE, name + ".csp")] + args, env)
        if p.returncode != code or p.stdout.decode() != out:
            fail(f"{label}: exit {p.returncode}, output {p.stdout!r} {p.stderr[-300:]!r}")
            continue
        check_trace(label, path, counts, some, want_gc)
        if name == "workers":
            last = path

# csp trace summary: the tables
if last:
    p = run(["trace", "summary", last])
    text = p.stdout.decode()
    if p.returncode != 0:
        fail(f"summary: exit {p.returncode}: {p.stderr!r}")
    for want in ("goroutines over", "COUNT", "FUNCTION", "TOTAL(ms)", "RUNNING", "RUNNABLE", "SYSCALL",
                 "BLOCKED", "main.work", "(all goroutines)", "GOROUTINE", "G1 ", "BLOCKED ON", "chan receive"):
        if want not in text:
            fail(f"summary: no {want!r} in:\n{text}")
    lines = text.splitlines()
    if not lines or not lines[0].startswith(last + ": 7 goroutines over "):
        fail(f"summary: first line {lines[:1]}")
    p = run(["trace", "summary", "-n", "2", last])
    if "... and 5 more goroutines" not in p.stdout.decode():
        fail(f"summary -n 2: {p.stdout.decode()!r}")
    # csp's own files are read a line at a time; any other layout of the
    # same JSON is parsed whole: the tables must be the same
    pretty = os.path.join(tmp, "pretty.json")
    with open(last) as f, open(pretty, "w") as g:
        json.dump(json.load(f), g, indent=2)
    p2 = run(["trace", "summary", pretty])
    if p2.returncode != 0 or p2.stdout.decode().replace(pretty, last) != text:
        fail(f"summary of the re-indented file differs:\n{p2.stdout.decode()}\n{text}")
    truncated = os.path.join(tmp, "truncated.json")
    with open(last, "rb") as f, open(truncated, "wb") as g:
        g.write(f.read()[:3000])
    p = run(["trace", "summary", truncated])
    if p.returncode != 2 or (truncated + ": not a JSON trace") not in p.stderr.decode():
        fail(f"summary of a truncated file: exit {p.returncode}, {p.stderr!r}")

# its errors: exit 2, the file named
missing = os.path.join(tmp, "missing.json")
bad = os.path.join(tmp, "bad.json")
with open(bad, "w") as f:
    f.write('{"traceEvents": [')
notrace = os.path.join(tmp, "notrace.json")
with open(notrace, "w") as f:
    f.write('{"events": []}')
for args, want in ((["trace", "summary", missing], "cannot read " + missing + ": No such file or directory"),
                   (["trace", "summary", bad], bad + ": not a JSON trace"),
                   (["trace", "summary", notrace], notrace + ": not a trace: no traceEvents array"),
                   (["trace", "summary"], "usage: csp trace summary"),
                   (["trace", "summary", "-n", "x", bad], "-n needs a positive number"),
                   (["trace", "bogus"], "csp trace: unknown command bogus")):
    p = run(args)
    if p.returncode != 2 or want not in p.stderr.decode():
        fail(f"{' '.join(args)}: exit {p.returncode}, stderr {p.stderr!r}, want {want!r}")

# --trace's own errors: before the program runs, exit 1
for args, want in ((["--trace", os.path.join(tmp, "no", "such", "dir.json"), "-e", "println(1)"],
                    "cannot write the trace"),
                   (["--trace"], "--trace needs a file name")):
    p = run(args)
    if p.returncode != 1 or want not in p.stderr.decode() or p.stdout:
        fail(f"{' '.join(args)}: exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}")
# --trace=FILE and -trace FILE
for args in (["--trace=" + os.path.join(tmp, "eq.json")], ["-trace", os.path.join(tmp, "eq.json")]):
    p = run(args + ["-e", "println(1)"])
    if p.returncode != 0 or p.stdout != b"1\n" or not os.path.exists(os.path.join(tmp, "eq.json")):
        fail(f"{args}: exit {p.returncode}, {p.stdout!r} {p.stderr!r}")
    else:
        os.unlink(os.path.join(tmp, "eq.json"))

if failures:
    print(f"{len(failures)} failures; traces kept in {tmp}")
    sys.exit(1)
subprocess.run(["rm", "-rf", tmp])
print("ok")
