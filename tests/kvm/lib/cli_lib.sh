# SPDX-License-Identifier: GPL-2.0
# Helpers for the tests that run the ringvmm binary (sourced, not run):
# TAP-like "ok - ..." lines, and a closing "N passed, N failed, N skipped".
# Each command runs with stdin from /dev/null; its output lands in
# $TMP/out and $TMP/err for the checks that follow.

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skipped=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	[ -f "$TMP/out" ] && sed 's/^/#   out: /' "$TMP/out" | head -n 20
	[ -f "$TMP/err" ] && sed 's/^/#   err: /' "$TMP/err" | head -n 20
}
skip() { skipped=$((skipped + 1)); echo "ok - $1 # SKIP $2"; }

# expect_status NAME STATUS CMD...
expect_status() {
	local name=$1 want=$2
	shift 2
	timeout 60 "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then ok "$name (exit $got)"; else not_ok "$name: exit $got, wanted $want"; fi
}

# expect_config_error NAME WORDS CMD...: exit 2 and one "ringvmm: " line on
# stderr holding every |-separated word of WORDS (none when WORDS is "").
expect_config_error() {
	local name=$1 words=$2 w bad=
	shift 2
	expect_status "$name" 2 "$@"
	if [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -q '^ringvmm: ' "$TMP/err"; then
		not_ok "$name: stderr is not one 'ringvmm: ...' line"
		return
	fi
	if [ -n "$words" ]; then
		IFS='|' read -ra ws <<<"$words"
		for w in "${ws[@]}"; do grep -qF -- "$w" "$TMP/err" || bad="$bad \"$w\""; done
	fi
	if [ -z "$bad" ]; then ok "$name: $(cat "$TMP/err")"; else not_ok "$name: message lacks$bad"; fi
}

# expect_line NAME REGEX: a line of the last stdout matches.
expect_line() {
	if grep -qE -- "$2" "$TMP/out"; then ok "$1"; else not_ok "$1: no line matching /$2/"; fi
}

# mk_elf FILE HEXCODE: a minimal ELF64 x86-64 "vmlinux" whose one PT_LOAD
# puts HEXCODE at physical 16 MiB, the entry point.
mk_elf() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
code = bytes.fromhex(sys.argv[2])
paddr = 0x1000000
ehdr = struct.pack('<16sHHIQQQIHHHHHH', b'\x7fELF\x02\x01\x01' + b'\0' * 9,
                   2, 62, 1, paddr, 64, 0, 0, 64, 56, 1, 64, 0, 0)
phdr = struct.pack('<IIQQQQQQ', 1, 5, 0x1000, paddr, paddr, len(code), len(code), 0x1000)
img = ehdr + phdr
img += b'\0' * (0x1000 - len(img)) + code
open(sys.argv[1], 'wb').write(img)
PY
}

kvm_usable() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }

# Exit 77 (skip) unless /dev/kvm can be used.
require_kvm() {
	if ! kvm_usable; then
		echo "SKIP: /dev/kvm is not usable here"
		exit 77
	fi
}

# The closing line; the exit status says whether anything failed.
finish() {
	echo "$pass passed, $fail failed, $skipped skipped"
	[ "$fail" -eq 0 ]
}
