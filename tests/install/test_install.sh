#!/bin/sh
# test_install.sh — checks what `cmake --install` puts in place.
#
#   sh test_install.sh BUILD_DIR CMAKE
#
# Installs the already built tree into a temporary prefix (no rebuild),
# then, from a folder outside the source and build trees and with PATH
# holding only the prefix's bin: runs a `#!/usr/bin/env csp` script
# directly, the same script through `csp -` and `csp -e`, a script piped
# to a bare `csp`, and `csp --version`; checks that the manual page csp(1)
# is installed where `man` finds it and that the binary needs nothing from
# the build tree. Prints what went wrong and exits 1 on the first failure.
set -eu

BUILD=$1
CMAKE=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
prefix=$tmp/prefix

fail() {
    printf 'test_install: %s\n' "$*" >&2
    exit 1
}

# Compare a command's stdout and status with what is expected.
#   check WHAT EXPECTED_OUTPUT ACTUAL_OUTPUT STATUS
check() {
    [ "$4" -eq 0 ] || fail "$1: exit status $4 (want 0); output: $3"
    [ "$3" = "$2" ] || fail "$1: printed '$3', want '$2'"
}

"$CMAKE" --install "$BUILD" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }

csp=$prefix/bin/csp
[ -x "$csp" ] || fail "no executable $csp"
man1=$prefix/share/man/man1/csp.1
[ -f "$man1" ] || fail "no manual page $man1"
grep -q '^\.TH CSP 1 ' "$man1" || fail "$man1 is not the csp(1) page"
if command -v man >/dev/null 2>&1; then
    # `man csp` looks there once the prefix's man folder is in its path.
    found=$(MANPATH=$prefix/share/man man -w csp 2>&1) || fail "man -w csp: $found"
    [ "$found" = "$man1" ] || fail "man -w csp found $found, want $man1"
fi

# Nothing from the build tree: no run path into it, every library found.
if command -v ldd >/dev/null 2>&1; then
    libs=$(ldd "$csp") || fail "ldd $csp failed"
    case $libs in *"not found"* | *"$BUILD"*) fail "$csp needs: $libs" ;; esac
fi
if command -v readelf >/dev/null 2>&1; then
    case $(readelf -d "$csp") in *RPATH* | *RUNPATH*) fail "$csp has a run path" ;; esac
fi

# A script run as a command, from a folder of its own.
mkdir "$tmp/work"
cd "$tmp/work"
cat >greet.csp <<'EOF'
#!/usr/bin/env csp
// Checks: a script run as a command, with its arguments; line 3 is line 3.
println("hello,", os.Args[1], os.Args[2], len(os.Args))
EOF
chmod +x greet.csp
want='hello, Ada Rob 3'

st=0
out=$(PATH=$prefix/bin ./greet.csp Ada Rob 2>&1) || st=$?
check "./greet.csp Ada Rob" "$want" "$out" "$st"

out=$(PATH=$prefix/bin csp - Ada Rob <greet.csp 2>&1) || st=$?
check "csp - Ada Rob <greet.csp" "$want" "$out" "$st"

out=$(PATH=$prefix/bin csp -e "$(cat greet.csp)" Ada Rob 2>&1) || st=$?
check "csp -e ... Ada Rob" "$want" "$out" "$st"

out=$(echo 'println(6 * 7)' | PATH=$prefix/bin csp 2>&1) || st=$?
check "echo ... | csp" "42" "$out" "$st"

# Line numbers after the #! line are the file's: the error is on line 3.
printf '#!/usr/bin/env csp\n\nx := 1 + * 2\n' >bad.csp
chmod +x bad.csp
out=$(PATH=$prefix/bin ./bad.csp 2>&1) || st=$?
[ "$st" -eq 1 ] || fail "./bad.csp: exit status $st (want 1)"
case $out in "./bad.csp:3:10: error: "*) ;; *) fail "./bad.csp: $out" ;; esac
st=0

out=$(PATH=$prefix/bin csp --version 2>&1) || st=$?
case $out in "csp "[0-9]*) ;; *) fail "csp --version printed '$out'" ;; esac
[ "$st" -eq 0 ] || fail "csp --version: exit status $st"

echo "test_install: ok ($prefix)"
