#!/usr/bin/env bash
# All nested boot tests in one QEMU session per L1 kernel: QEMU start and
# the L1 boot are paid once, then ringvmm boots L2 once per test
# (scenarios.sh). Tests named sid:<test> share a second session whose L1 is
# Debian sid's kernel; when that kernel cannot be fetched they skip, with
# the reason, and the others still run. Same checks as the single
# *_test.sh scripts, which each pay a whole session.
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

# Skips and setup failures hit every test at once (lib.sh).
RV_BOOT_SUITE=("${tests[@]}")

default_tests=()
sid_tests=()
for t in "${tests[@]}"; do
    case $t in
        sid:*) sid_tests+=("${t#sid:}") ;;
        *) default_tests+=("$t") ;;
    esac
done

t0=$(rv_boot__now)
rv_boot_need_ringvmm
rv_boot_prepare
mkdir -p "$RV_CACHE/runs"
passed=0
failed=0
skipped=0

# drop_kvm_suite PREFIX ARRAY: take kvm_suite out of ARRAY (a session's
# tests), a skip with the payload's reason.
drop_kvm_suite() {
    local -n list=$2
    local -a kept=()
    local t
    for t in "${list[@]}"; do
        if [[ $t == kvm_suite ]]; then
            echo "SKIP $1kvm_suite ($RV_KVM_PAYLOAD_WHY)"
            skipped=$((skipped + 1))
        else
            kept+=("$t")
        fi
    done
    list=("${kept[@]}")
}

# kvm_suite runs the tests/kvm suite of a native build in L1
# (kvm_payload.sh): RINGVMM_KVM_TESTS names its tests/kvm build folder. One
# payload serves both sessions (sid:kvm_suite: the same suite on sid's KVM,
# which has what 6.1 lacks: guest_memfd, the full coalesced ring).
if [[ " ${default_tests[*]} ${sid_tests[*]} " == *" kvm_suite "* ]]; then
    if rv_boot_kvm_payload "$RV_CACHE/runs/kvm-payload" \
        "${RINGVMM_KVM_TESTS:-$RV_REPO/build/tests/kvm}"; then
        export RV_BOOT_PAYLOAD=$RV_CACHE/runs/kvm-payload
        RV_L1_MEM=$((RV_L1_MEM > 6144 ? RV_L1_MEM : 6144))
    else
        drop_kvm_suite "" default_tests
        drop_kvm_suite sid: sid_tests
    fi
fi
# virtio_net_passt copies this machine's passt into L1 (lib.sh rv_boot_run).
if ! command -v passt > /dev/null; then
    kept=()
    for t in "${default_tests[@]}"; do
        if [[ $t == virtio_net_passt ]]; then
            echo "SKIP virtio_net_passt (no passt on this machine: scripts/deps.sh installs it)"
            skipped=$((skipped + 1))
        else
            kept+=("$t")
        fi
    done
    default_tests=("${kept[@]}")
fi
sessions=

stalls=0

# run_tests NAME PREFIX TESTS...: one QEMU session for TESTS (its L1 as
# RV_L1_KERNEL and RV_L1_BASE say), the verdicts right after it (host-side
# checks read that session's files). When the session stalls (lib.sh
# rv_boot__stall_watch: QEMU used no CPU time, or L1 fell silent for longer
# than L1 lets any ringvmm run last; L1's own timeouts cannot fire then, so
# this is QEMU's, not a ringvmm hang, which L1 ends and reports as a
# failure), the tests it did not finish run again in a new session, up to
# RV_BOOT_SESSIONS sessions in all; they fail if the last one stalls too.
run_tests() {
    local name=$1 prefix=$2 attempt run t
    local -a todo left
    shift 2
    todo=("$@")
    for ((attempt = 1; attempt <= RV_BOOT_SESSIONS; attempt++)); do
        run=$name
        ((attempt == 1)) || run=$name-$attempt
        rv_boot_scenario "$RV_CACHE/runs/$run.scenario.sh" "${todo[@]}"
        rv_boot_run "$run" "$RV_CACHE/runs/$run.scenario.sh" "$RV_STATIC"
        sessions="$sessions ${prefix:-bookworm:}${RV_BOOT_QEMU_SECS}s"
        left=()
        for t in "${todo[@]}"; do
            if ((RV_BOOT_QEMU_RC == 125 && attempt < RV_BOOT_SESSIONS)) &&
                ! grep -qa "^RVTEST $t " "$RV_BOOT_LOG"; then
                left+=("$t")
            elif rv_boot_check "$RV_BOOT_LOG" "$t" "$prefix$t"; then
                passed=$((passed + 1))
            else
                failed=$((failed + 1))
            fi
        done
        ((${#left[@]})) || return 0
        stalls=$((stalls + 1))
        rv_boot_log "session '$run' stalled ($RV_BOOT_STALL); running ${left[*]}" \
            "again in a new session"
        todo=("${left[@]}")
    done
}

if ((${#default_tests[@]} > 0)); then
    run_tests all "" "${default_tests[@]}"
fi
if ((${#sid_tests[@]} > 0)); then
    if rv_boot_prepare_sid; then
        RV_L1_KERNEL=$RV_SID_VMLINUZ RV_L1_BASE=$RV_SID_L1_BASE run_tests sid sid: "${sid_tests[@]}"
    else
        for t in "${sid_tests[@]}"; do
            echo "SKIP sid:$t ($RV_SID_WHY)"
            skipped=$((skipped + 1))
        done
    fi
fi
echo "total $(rv_boot__since "$t0") s (QEMU sessions:$sessions; $stalls stalled and were" \
    "followed by another; logs in $RV_CACHE/runs)"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0)) || exit 1
((passed > 0 || skipped == 0)) || exit 77
