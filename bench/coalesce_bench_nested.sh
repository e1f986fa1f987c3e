#!/usr/bin/env bash
# `ringvmm bench coalesce` inside a nested test host (tests/boot): the
# static ringvmm runs its built-in benchmark guests on L1's KVM, a
# hardware-style one (emulated by QEMU TCG): kvm-amd on x86, where the
# guest runs at CPL0 without instruction emulation by KVM and every exit is
# a real VM exit, or arm64's KVM at EL2 (VHE). The table (or --json/--csv)
# goes to stdout as ringvmm printed it.
#
# Usage: bench/coalesce_bench_nested.sh [--arm64] [BENCH OPTIONS...]
#        (default: --writes 5000 --repeat 3, x86; --help for the options)
# Env:   those of tests/boot/lib.sh (RINGVMM_STATIC, RINGVMM_L1_SMP, ...)
#        or, with --arm64, tests/boot/arm64/lib.sh (RINGVMM_ARM64_STATIC...).
# Nested timings drift by up to 25% between sessions (docs/platform.md): the
# modes run interleaved within the one session, so compare them there.
# Exit: ringvmm's (0 when every write arrived once and in order, 1 when
# not, 2 for bad options), 1 if the session did not finish, 77 skip.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
arm64=0
if [[ ${1:-} == --arm64 ]]; then
    arm64=1
    shift
    # shellcheck source-path=SCRIPTDIR source=../tests/boot/arm64/lib.sh
    source "$BENCH_DIR/../tests/boot/arm64/lib.sh"
else
    # shellcheck source-path=SCRIPTDIR source=../tests/boot/lib.sh
    source "$BENCH_DIR/../tests/boot/lib.sh"
fi

args=("$@")
((${#args[@]})) || args=(--writes 5000 --repeat 3)
for a in "${args[@]}"; do
    # The options travel to L1 inside a shell script: keep them words.
    [[ $a =~ ^[A-Za-z0-9,._=-]+$ ]] || rv_boot_fail "bench option '$a': only letters, digits and , . _ = - are passed to L1"
done

if ((arm64)); then
    rv_a64_need_ringvmm
    rv_a64_prepare
    mkdir -p "$RV_A64_CACHE/runs"
    scenario=$RV_A64_CACHE/runs/coalesce-bench.scenario.sh
    where="arm64 nested test host: QEMU TCG -M virt,virtualization=on -cpu max -smp $RV_A64_SMP, L1 $(basename "$RV_A64_IMAGE")"
else
    rv_boot_need_ringvmm
    rv_boot_prepare
    mkdir -p "$RV_CACHE/runs"
    scenario=$RV_CACHE/runs/coalesce-bench.scenario.sh
    where="x86 nested test host: QEMU TCG -cpu EPYC,+svm,+npt -smp $RV_L1_SMP, L1 $(basename "${RV_L1_KERNEL:-$RV_VMLINUZ}")"
fi
# RVCOAL markers fence ringvmm's stdout in the QEMU log, which also holds
# L1's own console lines.
cat > "$scenario" <<EOF
echo RVCOAL-BEGIN
/ringvmm bench coalesce ${args[*]} 2>&1
echo "RVCOAL-END rc=\$?"
EOF
# The benchmark prints only at its end: no silence limit (lib.sh).
RV_QEMU_SILENT=${RINGVMM_QEMU_SILENT:-0}
rv_boot_log "ringvmm bench coalesce ${args[*]} in the nested host (session timeout ${RV_QEMU_TIMEOUT}s)"
if ((arm64)); then
    rv_a64_run coalesce-bench "$scenario"
else
    rv_boot_run coalesce-bench "$scenario" "$RV_STATIC"
fi

end=$(grep -a -m1 '^RVCOAL-END rc=' "$RV_BOOT_LOG" || true)
[[ -n $end ]] || rv_boot_fail "the benchmark did not finish (QEMU rc=$RV_BOOT_QEMU_RC, log $RV_BOOT_LOG)"
echo "# $where"
sed -n '/^RVCOAL-BEGIN$/,/^RVCOAL-END rc=/{/^RVCOAL-/d;p}' "$RV_BOOT_LOG"
exit "${end#RVCOAL-END rc=}"
