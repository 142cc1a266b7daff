#!/usr/bin/env python3
"""Run the correct programs of the suite under csp -race: none may report.

usage: sweep.py CSP SHARD NSHARDS

Every script test (tests/scripts/NAME.csp, with its NAME.args, .env and .in
as run_script.cmake gives them) and every example runs with CSPRACE=1; the
test fails if any prints "WARNING: DATA RACE", except the programs below,
which race on purpose (their own tests check what is reported). Their
output is not checked here: their own tests do that. The programs are
split into NSHARDS shards by name, so ctest can run the shards side by side.
"""
import os, shlex, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Programs with a data race on purpose.
RACY = {
    "scripts/rt_bank",                   # the unlocked bank of the course, next to the locked one
    "scripts/rt_publish_through_global", # publishes through a global with no sync: the runtime must cope
    "scripts/rt_slice_race",             # appends to a shared slice with no lock
    "scripts/rt_struct_race",            # writes a shared struct with no lock
    "scripts/race_bank",                 # the detector's own tests
    "scripts/race_bank_parallel",
    "scripts/race_kinds",
    "examples/bank_race",                # the race a learner watches happen
}
# Too slow under the detector for the suite (100,000 goroutines held, the
# collector's stress); their behaviour without it is tested as usual.
SLOW = {"scripts/rt_100k_goroutines", "scripts/rt_gc_stress"}


def programs():
    out = []
    for sub, exp in (("tests/scripts", "tests/scripts"), ("examples", "examples/expected")):
        d = os.path.join(ROOT, sub)
        for f in sorted(os.listdir(d)):
            if f.endswith(".csp"):
                name = f[:-4]
                key = ("scripts/" if sub == "tests/scripts" else "examples/") + name
                if key not in RACY and key not in SLOW:
                    out.append((key, d, f, os.path.join(ROOT, exp, name)))
    return out


def run(csp, d, f, base):
    args = []
    if os.path.exists(base + ".args"):
        with open(base + ".args") as fh:
            args = shlex.split(fh.readline())
    env = dict(os.environ, CSPRACE="1")
    if os.path.exists(base + ".env"):
        with open(base + ".env") as fh:
            for line in fh:
                line = line.rstrip("\n")
                if "=" in line:
                    k, v = line.split("=", 1)
                    env[k] = v
    stdin = open(base + ".in", "rb") if os.path.exists(base + ".in") else subprocess.DEVNULL
    try:
        p = subprocess.run([csp, f] + args, cwd=d, env=env, stdin=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=100)
        return p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        return (e.stderr or b"").decode(errors="replace")
    finally:
        if stdin is not subprocess.DEVNULL:
            stdin.close()


def main():
    csp, shard, nshards = os.path.abspath(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    bad = 0
    mine = [p for i, p in enumerate(programs()) if i % nshards == shard]
    for key, d, f, base in mine:
        err = run(csp, d, f, base)
        if "WARNING: DATA RACE" in err:
            bad += 1
            print("FAIL %s: a race reported in a correct program:\n%s" % (key, err[:4000]))
    print("%d programs run under -race, %d reported a race" % (len(mine), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
