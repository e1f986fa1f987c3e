#!/usr/bin/env bash
# The arm64 boot tests in ONE QEMU session of the arm64 nested test host:
# QEMU start and the L1 boot are paid once, then the static arm64 ringvmm
# runs once per test (scenarios.sh); device trees it dumped are read back
# with dtc on this side.
#
# Usage: run_all.sh [TEST...]   (default: all of RV_A64_TESTS in lib.sh)
# Prints PASS/FAIL/SKIP per test (and per dumped device tree) and ends with
# "N passed, N failed, N skipped". Exit 0 all passed, 1 any failed, 77 all
# skipped.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tests=("${RV_A64_TESTS[@]}")
name=all
if (($# > 0)); then
    tests=("$@")
    name=custom
fi

# Skips and setup failures hit every test at once (lib.sh).
RV_BOOT_SUITE=("${tests[@]}")

t0=$(rv_boot__now)
rv_a64_need_ringvmm
rv_a64_prepare
mkdir -p "$RV_A64_CACHE/runs"
skipped=0

# kvm_suite runs tests/kvm's programs of the arm64 cross build in L1, on
# its real arm64 KVM (lib.sh rv_a64_kvm_payload; tests/boot/scenarios.sh).
for i in "${!tests[@]}"; do
    [[ ${tests[i]} == kvm_suite ]] || continue
    if rv_a64_kvm_payload "$RV_A64_CACHE/runs/kvm-payload"; then
        export RV_BOOT_PAYLOAD=$RV_A64_CACHE/runs/kvm-payload
    else
        echo "SKIP kvm_suite ($RV_KVM_PAYLOAD_WHY)"
        skipped=$((skipped + 1))
        unset 'tests[i]'
        tests=("${tests[@]}")
    fi
done
if ((${#tests[@]} == 0)); then
    echo "0 passed, 0 failed, $skipped skipped"
    exit 77
fi
rv_a64_scenario "$RV_A64_CACHE/runs/$name.scenario.sh" "${tests[@]}"
rv_a64_run "$name" "$RV_A64_CACHE/runs/$name.scenario.sh"

passed=0
failed=0
for t in "${tests[@]}"; do
    if rv_boot_check "$RV_BOOT_LOG" "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
    # Device trees dumped by a test: dtc must read them back, complete.
    ok=1
    case $t in
        a64_builtin)
            rv_a64_check_dtb "$RV_BOOT_LOG" "$t" "${RV_A64_DTB_COMMON[@]}" || ok=0
            ;;
        a64_linux)
            rv_a64_check_dtb "$RV_BOOT_LOG" "$t" "${RV_A64_DTB_COMMON[@]}" \
                'bootargs = "console=ttyS0 quiet rv.test=cpus"' \
                'linux,initrd-start = <0x00 0x[0-9a-f]+>' \
                'linux,initrd-end = <0x00 0x[0-9a-f]+>' \
                'reg = <0x00 0x40000000 0x00 0x20000000>' \
                'kaslr-seed' || ok=0
            ;;
        a64_virtio_blk)
            rv_a64_check_dtb "$RV_BOOT_LOG" "$t" "${RV_A64_DTB_COMMON[@]}" \
                'virtio_mmio@a100000 \{' \
                'compatible = "virtio,mmio"' \
                'reg = <0x00 0xa100000 0x00 0x200>' \
                'interrupts = <0x00 0x10 0x01>' \
                'dma-coherent;' || ok=0
            ;;
        *) continue ;;
    esac
    if ((ok)); then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
grep -a '^RINGVMM-L1-KVMLOG' "$RV_BOOT_LOG" | head -n 6 || true
echo "total $(rv_boot__since "$t0") s (QEMU session ${RV_BOOT_QEMU_SECS} s, log $RV_BOOT_LOG)"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
