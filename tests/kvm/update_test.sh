#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Live update (vmm/snapshot/update.c, docs/live-update.md), x86. The
# counting guest of snapshot_test.sh (RBX and memory counting together,
# one character per 2^20) runs with RAM in a memfd and is updated
# mid-count: to a copy of ringvmm with another version string, then to
# itself again (no --binary). Its console (the same stdout, handed over)
# must be one unbroken sequence, the process the same, the reply the new
# version's with paused_ms. A --binary that is no ringvmm (/bin/false) or
# a script is refused before anything happens; a ringvmm that cannot take
# the guest (one that reads another snapshot format) falls back to the old
# binary: the guest counts on. Anonymous RAM and the seccomp filters are
# refused with their reasons.
# Usage: update_test.sh path/to/ringvmm
set -u
RINGVMM=${1:?usage: update_test.sh path/to/ringvmm}
. "$(dirname "$0")/lib/cli_lib.sh"

require_kvm

. "$(dirname "$0")/lib/count_guest.sh"

# wait_chars OUT N: until OUT holds N characters (a minute at most).
wait_chars() {
	for _ in $(seq 1200); do
		[ "$(chars "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# json FILE EXPR: a value of the reply line in FILE (python expression on r).
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }

NEWVER=$(python3 "$(dirname "$0")/lib/reversion.py" "$RINGVMM" "$TMP/ringvmm2") ||
	{ not_ok "cannot make a second binary"; finish; }

"$RINGVMM" run --kernel "$TMP/count.elf" --mem-backend memfd --no-seccomp --api "$TMP/a.sock" \
	</dev/null >"$TMP/a.out" 2>"$TMP/a.err" &
pid=$!
wait_chars "$TMP/a.out" 4 || not_ok "the guest did not count: $(cat "$TMP/a.err")"

# 1. To another binary.
n0=$(chars "$TMP/a.out")
if "$RINGVMM" ctl "$TMP/a.sock" update --binary "$TMP/ringvmm2" >"$TMP/ctl" 2>&1 &&
	[ "$(json "$TMP/ctl" "r['update']['version']")" = "$NEWVER" ] &&
	[ -n "$(json "$TMP/ctl" "r['update']['paused_ms']")" ]; then
	ok "update to $NEWVER after $n0 counts: $(cat "$TMP/ctl")"
else
	not_ok "update --binary: $(cat "$TMP/ctl"); $(tail -n 3 "$TMP/a.err")"
fi
kill -0 "$pid" 2>/dev/null && [ "$(readlink "/proc/$pid/exe")" = "$TMP/ringvmm2" ] &&
	ok "the same process ($pid) runs the new binary" ||
	not_ok "process $pid: $(readlink "/proc/$pid/exe" 2>&1)"
wait_chars "$TMP/a.out" $((n0 + 3)) && ok "the guest counts on under the new binary" ||
	not_ok "no count after the update: $(tail -n 3 "$TMP/a.err")"

# 2. To itself (the binary it runs now: ringvmm2), twice in a row.
for i in 1 2; do
	"$RINGVMM" ctl "$TMP/a.sock" update >"$TMP/ctl" 2>&1 &&
		[ "$(json "$TMP/ctl" "r['update']['version']")" = "$NEWVER" ] &&
		ok "update $i to the running binary: $(cat "$TMP/ctl")" ||
		not_ok "update $i without --binary: $(cat "$TMP/ctl")"
done

# 3. Not a ringvmm: refused by ctl, nothing happens.
n1=$(chars "$TMP/a.out")
"$RINGVMM" ctl "$TMP/a.sock" update --binary /bin/false >"$TMP/ctl" 2>&1
st=$?
[ "$st" = 2 ] && grep -q 'not a ringvmm' "$TMP/ctl" && ok "update --binary /bin/false refused (exit $st): $(cat "$TMP/ctl")" ||
	not_ok "update --binary /bin/false: exit $st, $(cat "$TMP/ctl")"

# 4. A ringvmm that cannot take over (it reads another snapshot format, so
# it refuses the state): back to the previous binary, the guest counts on.
python3 "$(dirname "$0")/lib/reversion.py" "$RINGVMM" "$TMP/foreign" --foreign-snapshots >/dev/null ||
	not_ok "cannot make a foreign binary"
"$RINGVMM" ctl "$TMP/a.sock" update --binary "$TMP/foreign" >"$TMP/ctl" 2>&1
st=$?
n1=$(chars "$TMP/a.out")
if [ "$st" = 1 ] && grep -q "could not take over (update state: not a ringvmm snapshot.*previous one $NEWVER after a pause of" "$TMP/ctl" &&
	[ "$(readlink "/proc/$pid/exe")" = "$TMP/ringvmm2" ]; then
	ok "a new binary that fails falls back (exit $st): $(cat "$TMP/ctl")"
else
	not_ok "fallback: exit $st, $(cat "$TMP/ctl"); $(tail -n 3 "$TMP/a.err")"
fi
wait_chars "$TMP/a.out" $((n1 + 3)) && ok "the guest counts on after the fallback ($n1 -> $(chars "$TMP/a.out"))" ||
	not_ok "no count after the fallback: $(tail -n 3 "$TMP/a.err")"

# 5. A script is refused by the VMM: its interpreter would open it again
# as /dev/fd/N, which need not exist, after the point of no return.
printf '#!/bin/sh\n[ "$1" = --version ] && exec "%s" --version\nexec "%s" "$@"\n' "$RINGVMM" "$RINGVMM" >"$TMP/script"
chmod +x "$TMP/script"
"$RINGVMM" ctl "$TMP/a.sock" update --binary "$TMP/script" >"$TMP/ctl" 2>&1
st=$?
[ "$st" = 1 ] && grep -q 'not an ELF' "$TMP/ctl" && ok "a script refused (exit $st): $(cat "$TMP/ctl")" ||
	not_ok "update --binary script: exit $st, $(cat "$TMP/ctl")"

"$RINGVMM" ctl "$TMP/a.sock" pause >/dev/null 2>&1
"$RINGVMM" ctl "$TMP/a.sock" stop >/dev/null 2>&1
wait "$pid"
st=$?
[ "$st" = 0 ] && ok "stopped (exit 0) after $(chars "$TMP/a.out") counts" ||
	not_ok "exit $st: $(tail -n 5 "$TMP/a.err")"
if why=$(check_sequence "$TMP/a.out" 2>&1); then
	ok "one unbroken count through four updates: register and memory agree"
else
	not_ok "count: $why ($(head -c 80 "$TMP/a.out"))"
fi

# 6. What cannot be handed over is refused, and the guest runs on.
refused() {
	local what=$1 words=$2
	shift 2
	"$RINGVMM" run --kernel "$TMP/count.elf" --api "$TMP/r.sock" "$@" </dev/null >"$TMP/r.out" 2>&1 &
	pid=$!
	wait_chars "$TMP/r.out" 1
	"$RINGVMM" ctl "$TMP/r.sock" update >"$TMP/ctl" 2>&1
	st=$?
	n=$(chars "$TMP/r.out")
	if [ "$st" = 1 ] && grep -q "$words" "$TMP/ctl" && wait_chars "$TMP/r.out" $((n + 1)); then
		ok "$what refused, the guest runs on: $(cat "$TMP/ctl")"
	else
		not_ok "$what: exit $st, $(cat "$TMP/ctl")"
	fi
	"$RINGVMM" ctl "$TMP/r.sock" stop >/dev/null 2>&1
	wait "$pid"
}
refused "anonymous RAM" "anonymous memory" --no-seccomp
refused "the seccomp sandbox" "seccomp filters survive" --mem-backend memfd
finish
