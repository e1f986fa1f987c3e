#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A guest cannot make ringvmm unkillable through its console: with stdout a
# pipe nobody reads and a guest that prints forever, SIGTERM (and SIGINT)
# still end ringvmm within 2 s, with exit status 0, in every coalescing
# mode. Before the console had a bounded buffer drained by the event loop,
# the UART's console write blocked forever under the UART's lock and only
# SIGKILL worked.
# Usage: console_wedge_test.sh path/to/ringvmm
set -u
RINGVMM=${1:?usage: console_wedge_test.sh path/to/ringvmm}
. "$(dirname "$0")/lib/cli_lib.sh"

require_kvm

# At 16 MiB, in 64-bit mode: mov $0x3f8, %edx; mov $'x', %al;
# 1: out %al, (%dx); jmp 1b. THR writes forever, never a look at LSR.
mk_elf "$TMP/print.elf" "baf8030000b078eeebfd"

# stop_test NAME SIGNAL ARGS...: run the printer with stdout a FIFO that
# this shell holds open and never reads, wait until the pipe is full,
# send SIGNAL, and expect exit 0 within 2 s.
stop_test() {
	local name=$1 sig=$2 pid st t0 t1
	shift 2
	rm -f "$TMP/fifo"
	mkfifo "$TMP/fifo"
	exec 7<>"$TMP/fifo" # a reader that exists and never reads
	"$RINGVMM" run --kernel "$TMP/print.elf" --stats "$@" </dev/null >"$TMP/fifo" 2>"$TMP/err" &
	pid=$!
	sleep 1.5 # 64 KiB of pipe, at a few hundred kB/s of output
	t0=${EPOCHREALTIME/./}
	kill -"$sig" "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	t1=${EPOCHREALTIME/./}
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		not_ok "$name: SIG$sig did not stop ringvmm within 2.5 s (only SIGKILL did)"
	else
		wait "$pid"
		st=$?
		if [ "$st" -eq 0 ]; then
			ok "$name: SIG$sig stopped ringvmm in $(((t1 - t0) / 1000)) ms (exit 0)"
		else
			not_ok "$name: SIG$sig: exit $st"
		fi
	fi
	exec 7<&-
}

stop_test "per-device coalescing" TERM
stop_test "vm-ring coalescing" INT --coalesce vm-ring
stop_test "no coalescing" TERM --coalesce off
# What could not be written is counted, not lost silently.
if grep -Eq 'tx_dropped|dropped' "$TMP/err"; then
	ok "the stats count the output that was dropped"
else
	not_ok "no dropped-output count in the stats"
fi

finish
