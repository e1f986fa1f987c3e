#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Snapshot and restore in a new process (vmm/snapshot/, x86). The tiny
# counting guest of lib/count_guest.sh (RBX and memory count together, one
# character per 2^20, 'F' when they differ) is paused, snapshotted and
# stopped; a second ringvmm restores it (also with a virtio device). The two
# consoles together must be one unbroken sequence: the register, the memory
# and the loop position came through, and nothing ran twice or was lost.
# Independent of the host's speed: the guest never ends by itself.
# Usage: snapshot_test.sh path/to/ringvmm
set -u
RINGVMM=${1:?usage: snapshot_test.sh path/to/ringvmm}
. "$(dirname "$0")/lib/cli_lib.sh"

require_kvm

. "$(dirname "$0")/lib/count_guest.sh"

# run_until OUT SOCK N ARGS...: run ringvmm ARGS with --api SOCK until its
# console (OUT) has N characters, then pause it, snapshot into $SNAP if
# set, and stop it. Sets st (the exit status).
run_until() {
	local out=$1 sock=$2 n=$3 pid
	shift 3
	"$RINGVMM" run "$@" --api "$sock" </dev/null >"$out" 2>"$out.err" &
	pid=$!
	for _ in $(seq 1200); do
		[ "$(chars "$out")" -ge "$n" ] && break
		sleep 0.05
	done
	"$RINGVMM" ctl "$sock" pause >"$TMP/ctl" 2>&1 || not_ok "pause: $(cat "$TMP/ctl")"
	if [ -n "${SNAP:-}" ]; then
		if "$RINGVMM" ctl "$sock" snapshot "$SNAP" >"$TMP/ctl" 2>&1; then
			ok "snapshot of a running guest: $(cat "$TMP/ctl")"
		else
			not_ok "snapshot: $(cat "$TMP/ctl")"
		fi
	fi
	"$RINGVMM" ctl "$sock" stop >/dev/null 2>&1
	wait "$pid"
	st=$?
}

SNAP=$TMP/snap run_until "$TMP/a.out" "$TMP/a.sock" 5 --kernel "$TMP/count.elf"
[ "$st" = 0 ] && ok "first run stopped (exit 0) after $(chars "$TMP/a.out") counts" ||
	not_ok "first run: exit $st; $(cat "$TMP/a.out.err")"

SNAP= run_until "$TMP/b.out" "$TMP/b.sock" 10 --restore "$TMP/snap"
[ "$st" = 0 ] && ok "restored run stopped (exit 0)" || not_ok "restored run: exit $st; $(cat "$TMP/b.out.err")"
if why=$(check_sequence "$TMP/a.out" "$TMP/b.out" 2>&1) && [ "$(chars "$TMP/b.out")" -ge 10 ]; then
	ok "the restored guest counted on: $(chars "$TMP/a.out") + $(chars "$TMP/b.out") counts, register and memory agree"
else
	not_ok "restored count: $why (first: $(head -c 70 "$TMP/a.out"); restored: $(head -c 70 "$TMP/b.out"))"
fi

# The memory file is mapped privately: the first restore's writes never
# reached it, and a second restore starts from the same place.
SNAP= run_until "$TMP/c.out" "$TMP/c.sock" 3 --restore "$TMP/snap"
if check_sequence "$TMP/a.out" "$TMP/c.out" >/dev/null 2>&1 && [ "$st" = 0 ]; then
	ok "a second restore starts where the first did"
else
	not_ok "second restore: exit $st, $(head -c 70 "$TMP/c.out")"
fi

# With a virtio device (virtio-rng, its transport and queue state): the
# snapshot is taken, the restore with the same --rng counts on, and one
# without it is refused, naming the difference.
SNAP=$TMP/snap-rng run_until "$TMP/d.out" "$TMP/d.sock" 3 --kernel "$TMP/count.elf" --rng
[ "$st" = 0 ] && [ -s "$TMP/snap-rng/state" ] && ok "snapshot with virtio-rng" ||
	not_ok "snapshot with virtio-rng: exit $st; $(cat "$TMP/d.out.err")"
SNAP= run_until "$TMP/e.out" "$TMP/e.sock" 6 --restore "$TMP/snap-rng" --rng
if check_sequence "$TMP/d.out" "$TMP/e.out" >/dev/null 2>&1 && [ "$st" = 0 ]; then
	ok "restored with virtio-rng: counted on"
else
	not_ok "restore with virtio-rng: exit $st, $(head -c 70 "$TMP/e.out"); $(cat "$TMP/e.out.err")"
fi
expect_status "restore without --rng" 2 "$RINGVMM" run --restore "$TMP/snap-rng"
grep -q 'more devices than this VM has' "$TMP/err" && ok "missing virtio device named" ||
	not_ok "restore without --rng: $(cat "$TMP/err")"

# Another shape of machine is refused before anything runs.
expect_status "restore with other --mem" 2 "$RINGVMM" run --restore "$TMP/snap" --mem 512M
grep -q 'run it with --mem 256M' "$TMP/err" && ok "--mem mismatch named" ||
	not_ok "--mem mismatch: $(cat "$TMP/err")"
expect_status "restore with other --cpus" 2 "$RINGVMM" run --restore "$TMP/snap" --cpus 2
grep -q 'run it with --cpus 1' "$TMP/err" && ok "--cpus mismatch named" ||
	not_ok "--cpus mismatch: $(cat "$TMP/err")"
finish
