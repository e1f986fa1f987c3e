#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Quick start, step 2 (and what CI runs): the whole test suite.
#   unit  cmocka tests, no KVM
#   kvm   tiny guests on this machine's /dev/kvm, and the CLI end to end
#   boot  real Linux guests booted by a static ringvmm inside the nested
#         test host (QEMU TCG with SVM; see docs/testing.md)
#   arm64 the arm64 cross build: unit tests under qemu-user, and boot tests
#         in the arm64 nested test host (docs/arm64.md)
# Ends with one line "N passed, N failed, N skipped".
# RINGVMM_SKIP_BOOT=1 leaves out the boot tests (they take a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
# The nested host has none of our libraries: it gets a static binary.
[ -f build-static/build.ninja ] || meson setup build-static -Dstatic=true -Dtests=disabled
ninja -C build-static

status=0
meson test -C build --print-errorlogs --num-processes 2 || status=1

boot_pass=0 boot_fail=0 boot_skip=0
if [ "${RINGVMM_SKIP_BOOT:-0}" = 1 ]; then
	echo "boot tests: skipped (RINGVMM_SKIP_BOOT=1)"
	boot_skip=1
else
	set +e
	RINGVMM_STATIC="$PWD/build-static/ringvmm" tests/boot/run_all.sh | tee build/boot-tests.log
	rc=${PIPESTATUS[0]}
	set -e
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' build/boot-tests.log | tail -n 1 || true)
	if [ -n "$summary" ]; then
		boot_pass=$(echo "$summary" | sed -E 's/^([0-9]+) passed.*/\1/')
		boot_fail=$(echo "$summary" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
		boot_skip=$(echo "$summary" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
		boot_skip=${boot_skip:-0}
	elif [ "$rc" -eq 77 ]; then
		boot_skip=1
	else
		boot_fail=1
	fi
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || status=1
fi

# --- arm64 --------------------------------------------------------------
# The same meson project cross-built for arm64 (cross/aarch64-linux-gnu.ini,
# libraries from Debian arm64 packages unpacked by scripts/arm64-sysroot.sh),
# its unit tests under qemu-user, then the arm64 nested test host: a static
# arm64 ringvmm boots the built-in guest and Linux on a real arm64 KVM inside
# QEMU TCG (tests/boot/arm64, about 1-2 minutes; docs/arm64.md).
# RINGVMM_SKIP_ARM64=1 leaves all of it out.
a64_pass=0 a64_fail=0 a64_skip=0 a64_ran=0
if [ "${RINGVMM_SKIP_ARM64:-0}" = 1 ]; then
	echo "arm64: skipped (RINGVMM_SKIP_ARM64=1)"
	a64_skip=1
elif ! scripts/arm64-sysroot.sh; then
	echo "arm64: skipped: the Debian arm64 libraries could not be fetched (scripts/arm64-sysroot.sh)"
	a64_skip=1
else
	[ -f build-arm64/build.ninja ] ||
		meson setup build-arm64 --cross-file cross/aarch64-linux-gnu.ini
	ninja -C build-arm64
	[ -f build-arm64-static/build.ninja ] ||
		meson setup build-arm64-static --cross-file cross/aarch64-linux-gnu.ini \
			-Dstatic=true -Dtests=disabled
	ninja -C build-arm64-static
	a64_ran=1
	meson test -C build-arm64 --print-errorlogs --num-processes 2 || status=1
	set +e
	if [ "${RINGVMM_SKIP_BOOT:-0}" = 1 ]; then
		echo "arm64 boot tests: skipped (RINGVMM_SKIP_BOOT=1)" | tee build-arm64/boot-tests.log
		rc=77
	else
		RINGVMM_ARM64_STATIC="$PWD/build-arm64-static/ringvmm" tests/boot/arm64/run_all.sh |
			tee build-arm64/boot-tests.log
		rc=${PIPESTATUS[0]}
	fi
	set -e
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' build-arm64/boot-tests.log | tail -n 1 || true)
	if [ -n "$summary" ]; then
		read -r a64_pass a64_fail a64_skip < <(echo "$summary" |
			sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/')
	elif [ "$rc" -eq 77 ]; then
		a64_skip=1
	else
		a64_fail=1
	fi
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || status=1
fi

# One closing line over all suites, from meson's own record of its tests.
meson_counts() {
	[ -f "$1" ] || { echo 0 0 0; return; }
	python3 - "$1" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
}
read -r m_pass m_fail m_skip < <(meson_counts build/meson-logs/testlog.json)
read -r x_pass x_fail x_skip < <(meson_counts build-arm64/meson-logs/testlog.json)
[ "$a64_ran" = 1 ] || { x_pass=0 x_fail=0 x_skip=0; }
echo "$((m_pass + boot_pass + x_pass + a64_pass)) passed," \
	"$((m_fail + boot_fail + x_fail + a64_fail)) failed," \
	"$((m_skip + boot_skip + x_skip + a64_skip)) skipped"
exit "$status"
