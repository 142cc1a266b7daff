#!/usr/bin/env python3
"""net/http's server over memory: run the driver (tests/fuzz/fuzz_http.c
built with HTTP_FUZZ_MAIN) on each tests/http/NAME.req, one connection's
bytes, and compare its answer with NAME.res, the Date header's value
replaced by DATE. A request with headers over Go's 1 MB limit is made
here (too big to keep as a file) and must get Go's 431.

    check.py DRIVER [--update]
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def answer(driver, path):
    out = subprocess.run([driver, path], capture_output=True, timeout=60)
    if out.returncode != 0:
        sys.exit(f"{path}: driver exited {out.returncode}\n{out.stderr.decode(errors='replace')}")
    text = out.stdout.split(b"\n", 1)[1]  # after the "== name" line
    return re.sub(rb"Date: [^\r]*\r\n", b"Date: DATE\r\n", text)


def main():
    driver, update = sys.argv[1], "--update" in sys.argv
    failed = 0
    for name in sorted(os.listdir(HERE)):
        if not name.endswith(".req"):
            continue
        req = os.path.join(HERE, name)
        res = req[:-4] + ".res"
        got = answer(driver, req)
        if update:
            with open(res, "wb") as f:
                f.write(got)
            continue
        with open(res, "rb") as f:
            want = f.read()
        if got != want:
            failed += 1
            print(f"FAIL {name}\n--- want\n{want.decode(errors='replace')}\n--- got\n{got.decode(errors='replace')}")
    with tempfile.NamedTemporaryFile(suffix=".req") as f:
        f.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * ((1 << 20) + 5000) + b"\r\n\r\n")
        f.flush()
        got = answer(driver, f.name)
        want = (b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
                b"Connection: close\r\n\r\n431 Request Header Fields Too Large\n")
        if got != want:
            failed += 1
            print(f"FAIL headers over 1 MB\n--- got\n{got[:300]!r}")
    if failed:
        sys.exit(f"{failed} failed")
    print("ok")


main()
