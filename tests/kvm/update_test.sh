#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Live update (vmm/snapshot/update.c, keeper.c, docs/live-update.md), x86,
# with the seccomp sandbox on (the default). The counting guest of
# snapshot_test.sh (RBX and memory counting together, one character per
# 2^20) runs with RAM in a memfd and --api: the process started is the
# keeper, unsandboxed, and the VMM its one child, sandboxed. The guest is
# updated mid-count: to a copy of ringvmm with another version string, then
# to itself again twice (no --binary). Its console (the same stdout, handed
# over) must be one unbroken sequence; the keeper's pid stays, its child is
# a new process running the new binary under the sandbox (Seccomp: 2), the
# reply the new version's with paused_ms. A --binary that is no ringvmm
# (/bin/false) or a script is refused before anything happens; a ringvmm
# that cannot take the guest (one that reads another snapshot format) and
# one that exits at start-up before it can say why: the old VMM process
# resumes the guest, which counts on, and the reply says why. SIGTERM to the
# keeper's pid ends the guest cleanly (exit 0) through the VMM; a VMM killed
# by SIGKILL makes the keeper exit 137. Without --api, or on anonymous RAM
# (whose update is refused), there is no keeper: one process.
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
# field FILE KEY: the value of KEY (a string or a number) in the reply line
# in FILE (no python: each start costs a second in the nested host).
field() { grep -o "\"$2\":\"*[^,\"}]*" "$1" | head -n 1 | sed 's/^[^:]*:"*//'; }
# children PID: the pids of PID's child processes (threads are not).
children() { cat "/proc/$1/task/$1/children" 2>/dev/null; }
# vmm PID: the keeper PID's one child, the VMM ("" when there is not
# exactly one within 5 s: an old VMM leaves after its successor took over).
vmm() {
	local kids
	for _ in $(seq 100); do
		read -ra kids <<<"$(children "$1")"
		[ "${#kids[@]}" = 1 ] && echo "${kids[0]}" && return 0
		sleep 0.05
	done
	return 1
}
# seccomp PID: the seccomp mode of PID (2: filters).
seccomp() { awk '/^Seccomp:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

NEWVER=$(python3 "$(dirname "$0")/lib/reversion.py" "$RINGVMM" "$TMP/ringvmm2") ||
	{ not_ok "cannot make a second binary"; finish; }

"$RINGVMM" run --kernel "$TMP/count.elf" --mem-backend memfd --api "$TMP/a.sock" \
	</dev/null >"$TMP/a.out" 2>"$TMP/a.err" &
pid=$!
wait_chars "$TMP/a.out" 4 || not_ok "the guest did not count: $(cat "$TMP/a.err")"
v0=$(vmm "$pid")
if [ -n "$v0" ] && [ "$(seccomp "$v0")" = 2 ] && [ "$(seccomp "$pid")" = 0 ] &&
	[ "$(readlink "/proc/$v0/exe")" = "$(readlink "/proc/$pid/exe")" ]; then
	ok "keeper $pid (no seccomp) runs the VMM $v0 (seccomp filters on)"
else
	not_ok "keeper $pid: children '$(children "$pid")', seccomp $(seccomp "$pid")/$(seccomp "$v0")"
fi

# 1. To another binary.
n0=$(chars "$TMP/a.out")
if "$RINGVMM" ctl "$TMP/a.sock" update --binary "$TMP/ringvmm2" >"$TMP/ctl" 2>&1 &&
	[ "$(field "$TMP/ctl" version)" = "$NEWVER" ] &&
	[ -n "$(field "$TMP/ctl" paused_ms)" ]; then
	ok "update to $NEWVER after $n0 counts, sandbox on: $(cat "$TMP/ctl")"
else
	not_ok "update --binary: $(cat "$TMP/ctl"); $(tail -n 3 "$TMP/a.err")"
fi
v1=$(vmm "$pid")
kill -0 "$pid" 2>/dev/null && [ -n "$v1" ] && [ "$v1" != "$v0" ] && [ ! -e "/proc/$v0" ] &&
	[ "$(readlink "/proc/$v1/exe")" = "$TMP/ringvmm2" ] && [ "$(seccomp "$v1")" = 2 ] &&
	ok "the keeper ($pid) stays; its new child $v1 runs the new binary, sandboxed; $v0 is gone" ||
	not_ok "keeper $pid: child '$v1' runs $(readlink "/proc/$v1/exe" 2>&1), seccomp $(seccomp "$v1"); old $v0"
wait_chars "$TMP/a.out" $((n0 + 3)) && ok "the guest counts on under the new binary" ||
	not_ok "no count after the update: $(tail -n 3 "$TMP/a.err")"

# 2. To itself (the binary it runs now: ringvmm2), twice in a row.
for i in 1 2; do
	"$RINGVMM" ctl "$TMP/a.sock" update >"$TMP/ctl" 2>&1 &&
		[ "$(field "$TMP/ctl" version)" = "$NEWVER" ] &&
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
v3=$(vmm "$pid")
"$RINGVMM" ctl "$TMP/a.sock" update --binary "$TMP/foreign" >"$TMP/ctl" 2>&1
st=$?
n1=$(chars "$TMP/a.out")
if [ "$st" = 1 ] && grep -q "could not take over (update state: not a ringvmm snapshot.*previous one $NEWVER after a pause of" "$TMP/ctl" &&
	[ "$(vmm "$pid")" = "$v3" ] && [ "$(readlink "/proc/$v3/exe")" = "$TMP/ringvmm2" ]; then
	ok "a new binary that fails falls back to the same VMM process $v3 (exit $st): $(cat "$TMP/ctl")"
else
	not_ok "fallback: exit $st, $(cat "$TMP/ctl"); $(tail -n 3 "$TMP/a.err")"
fi
wait_chars "$TMP/a.out" $((n1 + 3)) && ok "the guest counts on after the fallback ($n1 -> $(chars "$TMP/a.out"))" ||
	not_ok "no count after the fallback: $(tail -n 3 "$TMP/a.err")"

# 5. A ringvmm that dies at start-up (it does not take the hidden option),
# before it could say why: the keeper sees it exit, the old VMM resumes.
python3 "$(dirname "$0")/lib/reversion.py" "$RINGVMM" "$TMP/early" --early-exit >/dev/null ||
	not_ok "cannot make an early-exit binary"
"$RINGVMM" ctl "$TMP/a.sock" update --binary "$TMP/early" >"$TMP/ctl" 2>&1
st=$?
n1=$(chars "$TMP/a.out")
if [ "$st" = 1 ] && grep -q "could not take over (it exited with status 2 at start-up).*previous one $NEWVER" "$TMP/ctl" &&
	[ "$(vmm "$pid")" = "$v3" ]; then
	ok "a new binary that exits at start-up falls back (exit $st): $(cat "$TMP/ctl")"
else
	not_ok "early exit: exit $st, $(cat "$TMP/ctl"); $(tail -n 3 "$TMP/a.err")"
fi
wait_chars "$TMP/a.out" $((n1 + 3)) && ok "the guest counts on after it ($n1 -> $(chars "$TMP/a.out"))" ||
	not_ok "no count after the early exit: $(tail -n 3 "$TMP/a.err")"

# 6. A script is refused by the VMM: its interpreter would open it again
# as /dev/fd/N, which need not exist, after the point of no return.
printf '#!/bin/sh\n[ "$1" = --version ] && exec "%s" --version\nexec "%s" "$@"\n' "$RINGVMM" "$RINGVMM" >"$TMP/script"
chmod +x "$TMP/script"
"$RINGVMM" ctl "$TMP/a.sock" update --binary "$TMP/script" >"$TMP/ctl" 2>&1
st=$?
[ "$st" = 1 ] && grep -q 'not an ELF' "$TMP/ctl" && ok "a script refused (exit $st): $(cat "$TMP/ctl")" ||
	not_ok "update --binary script: exit $st, $(cat "$TMP/ctl")"

# 7. SIGTERM to the keeper's pid reaches the VMM (its child since the
# updates): the guest stops cleanly, status 0, as without a keeper.
kill -TERM "$pid"
wait "$pid"
st=$?
[ "$st" = 0 ] && [ ! -e "/proc/$v3" ] && ok "SIGTERM to the keeper: stopped (exit 0) after $(chars "$TMP/a.out") counts" ||
	not_ok "SIGTERM: exit $st: $(tail -n 5 "$TMP/a.err")"
if why=$(check_sequence "$TMP/a.out" 2>&1); then
	ok "one unbroken count through three updates and two fallbacks: register and memory agree"
else
	not_ok "count: $why ($(head -c 80 "$TMP/a.out"))"
fi

echo "# ${SECONDS}s so far"
# 8. A VMM killed: the keeper exits as a shell would say, 128+9.
"$RINGVMM" run --kernel "$TMP/count.elf" --mem-backend memfd --api "$TMP/k.sock" </dev/null >"$TMP/k.out" 2>&1 &
pid=$!
wait_chars "$TMP/k.out" 1
kill -KILL "$(vmm "$pid")"
wait "$pid"
st=$?
[ "$st" = 137 ] && ok "the VMM killed by SIGKILL: the keeper exits $st" || not_ok "VMM killed: keeper exit $st"

# 9. No --api: no keeper, one process.
"$RINGVMM" run --kernel "$TMP/count.elf" --mem-backend memfd </dev/null >"$TMP/n.out" 2>&1 &
pid=$!
wait_chars "$TMP/n.out" 1
c=$(children "$pid")
[ -z "${c// /}" ] && [ "$(seccomp "$pid")" = 2 ] && ok "without --api: one process ($pid), sandboxed, no keeper" ||
	not_ok "without --api: children '$c', seccomp $(seccomp "$pid")"
kill -TERM "$pid"
wait "$pid"

# 10. What cannot be handed over is refused, and the guest runs on; there
# is no keeper for it.
refused() {
	local what=$1 words=$2
	shift 2
	"$RINGVMM" run --kernel "$TMP/count.elf" --api "$TMP/r.sock" "$@" </dev/null >"$TMP/r.out" 2>&1 &
	pid=$!
	wait_chars "$TMP/r.out" 1
	"$RINGVMM" ctl "$TMP/r.sock" update >"$TMP/ctl" 2>&1
	st=$?
	n=$(chars "$TMP/r.out")
	if [ "$st" = 1 ] && grep -q "$words" "$TMP/ctl" && wait_chars "$TMP/r.out" $((n + 1)) &&
		[ -z "$(children "$pid" | tr -d ' ')" ]; then
		ok "$what refused, the guest runs on, no keeper: $(cat "$TMP/ctl")"
	else
		not_ok "$what: exit $st, $(cat "$TMP/ctl")"
	fi
	"$RINGVMM" ctl "$TMP/r.sock" stop >/dev/null 2>&1
	wait "$pid"
}
refused "anonymous RAM" "anonymous memory"
echo "# ${SECONDS}s"
finish
