#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Quick start, step 2 (and what CI runs): the whole test suite.
#   unit  cmocka tests, no KVM
#   kvm   tiny guests on this machine's /dev/kvm, and the CLI end to end
#   boot  real Linux guests booted by a static ringvmm inside the nested
#         test host (QEMU TCG with SVM; see docs/testing.md)
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

# One closing line over all suites, from meson's own record of its tests.
read -r m_pass m_fail m_skip < <(python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
echo "$((m_pass + boot_pass)) passed, $((m_fail + boot_fail)) failed, $((m_skip + boot_skip)) skipped"
exit "$status"
