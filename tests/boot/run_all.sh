#!/usr/bin/env bash
# All nested boot tests in ONE QEMU session: QEMU start and the L1 boot are
# paid once, then ringvmm boots L2 once per test (scenarios.sh). Same checks
# as the single *_test.sh scripts, which each pay a whole session.
#
# Usage: run_all.sh [TEST...]   (default: all of RV_BOOT_TESTS in lib.sh)
# Prints PASS/FAIL/SKIP per test and ends with "N passed, N failed, N skipped".
# Exit 0 all passed, 1 any failed, 77 all skipped.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if (($# > 0)); then
    tests=("$@")
else
    tests=("${RV_BOOT_TESTS[@]}")
fi

# Skips and setup failures hit every test at once; still end with the
# summary line that callers parse.
rv_boot_skip() {
    local t
    echo "SKIP: $*" >&2
    for t in "${tests[@]}"; do echo "SKIP $t ($*)"; done
    echo "0 passed, 0 failed, ${#tests[@]} skipped"
    exit 77
}
rv_boot_fail() {
    local t
    echo "FAIL: $*" >&2
    for t in "${tests[@]}"; do echo "FAIL $t ($*)"; done
    echo "0 passed, ${#tests[@]} failed, 0 skipped"
    exit 1
}

t0=$(rv_boot__now)
rv_boot_need_ringvmm
rv_boot_prepare
mkdir -p "$RV_CACHE/runs"
rv_boot_scenario "$RV_CACHE/runs/all.scenario.sh" "${tests[@]}"
rv_boot_run all "$RV_CACHE/runs/all.scenario.sh" "$RV_STATIC"

passed=0
failed=0
for t in "${tests[@]}"; do
    if rv_boot_check "$RV_BOOT_LOG" "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "total $(rv_boot__since "$t0") s (QEMU session ${RV_BOOT_QEMU_SECS} s, log $RV_BOOT_LOG)"
echo "$passed passed, $failed failed, 0 skipped"
((failed == 0))
