#!/usr/bin/env bash
# Snapshot, restore and live-update benchmark in the nested test host (one
# QEMU session): for 256 MiB and 2 GiB guests, medians of RUNS, the time to
# boot to /init, the live update's downtime (paused_ms), the snapshot's
# save time, pause and size, and restore-to-running. How each figure is
# taken: bench/snap_bench_l1.sh, the part that runs inside L1. The goals
# (issue: snapshot, restore and live update): update downtime and restore
# time at 2 GiB within 20% of 256 MiB's, and update downtime under one
# twentieth of the boot time.
#
# Usage: bench/snap_bench.sh [RUNS]    (default 5; env RINGVMM_BENCH_RUNS)
# Env:   RINGVMM_BENCH_MEMS ("256M 2G"), and tests/boot/lib.sh's
#        (RINGVMM_STATIC, RINGVMM_CACHE, ...). L1 gets 4 GiB of RAM.
# Nested timings drift between sessions (docs/platform.md): compare only
# figures of one session.
# Exit 0 when every run gave every figure, 1 otherwise, 77 skip.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export RINGVMM_L1_MEM=${RINGVMM_L1_MEM:-4096}
# One run boots, updates, snapshots and stops a guest: more than a boot.
export RINGVMM_RUN_TIMEOUT=${RINGVMM_RUN_TIMEOUT:-300}
# Ten such runs, the 2 GiB snapshots scanning all of RAM: far past 600 s.
export RINGVMM_QEMU_TIMEOUT=${RINGVMM_QEMU_TIMEOUT:-2400}
# shellcheck source-path=SCRIPTDIR source=../tests/boot/lib.sh
source "$BENCH_DIR/../tests/boot/lib.sh"

runs=${1:-${RINGVMM_BENCH_RUNS:-5}}
mems=${RINGVMM_BENCH_MEMS:-256M 2G}
[[ $runs =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "RUNS must be a positive integer, got '$runs'"

rv_boot_need_ringvmm
rv_boot_prepare

mkdir -p "$RV_CACHE/runs"
scenario=$RV_CACHE/runs/snapbench.scenario.sh
{
    echo "RVS_RUNS=$runs RVS_MEMS=\"$mems\" RV_RUN_TIMEOUT=$RV_RUN_TIMEOUT"
    cat "$BENCH_DIR/snap_bench_l1.sh"
} > "$scenario"
rv_boot_run snapbench "$scenario" "$RV_STATIC"

res=$RV_CACHE/runs/snapbench/results.txt
grep -a '^RVSNAP' "$RV_BOOT_LOG" | tr -d '\r' > "$res" || true
grep '^RVSNAP-ERR' "$res" || true
[[ -s $res ]] || rv_boot_fail "no results (QEMU rc=$RV_BOOT_QEMU_RC, log $RV_BOOT_LOG)"

awk -v runs="$runs" '
    function field(k,   i, kv) {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
        return "none"
    }
    function median(key, m,   a, n, i, j, t) {
        n = cnt[m, key]
        for (i = 1; i <= n; i++) a[i] = v[m, key, i]
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        if (!n) return -1
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $1 == "RVSNAP" {
        m = field("mem")
        if (!(m in seen)) { seen[m] = 1; order[++nm] = m }
        split("boot_s update_ms snap_save_ms snap_paused_ms snap_mem_kb state_bytes restore_ms", ks, " ")
        for (k in ks) {
            x = field(ks[k])
            if (x == "none" || x == "") { bad++; continue }
            v[m, ks[k], ++cnt[m, ks[k]]] = x
        }
    }
    END {
        printf "%-6s %9s %11s %9s %13s %12s %11s %11s %8s\n", "guest", "boot s", "update ms", "boot/upd",
            "snap save ms", "snap paused", "snap MiB", "state KiB", "restore"
        for (i = 1; i <= nm; i++) {
            m = order[i]
            b = median("boot_s", m); u = median("update_ms", m)
            printf "%-6s %9.2f %11.1f %9.0f %13.1f %12.1f %11.1f %11.1f %8.1f\n", m, b, u, (u > 0 ? b * 1000 / u : 0),
                median("snap_save_ms", m), median("snap_paused_ms", m), median("snap_mem_kb", m) / 1024,
                median("state_bytes", m) / 1024, median("restore_ms", m)
            nu[i] = u; nr[i] = median("restore_ms", m)
        }
        for (i = 1; i <= nm; i++) if (cnt[order[i], "update_ms"] < runs) { printf "%s: %d of %d runs\n", order[i], cnt[order[i], "update_ms"], runs; short++ }
        printf "(medians of up to %d runs per size; times in ms unless s; restore: exec to the first console line, which the guest prints every 50 ms)\n", runs
        if (nm >= 2 && nu[1] > 0 && nr[1] > 0)
            printf "%s vs %s: update downtime x%.2f, restore x%.2f (goal: within 1.20)\n", order[nm], order[1],
                nu[nm] / nu[1], nr[nm] / nr[1]
        if (bad || short) { printf "%d figure(s) missing, %d size(s) short of runs: see RVSNAP-ERR lines and the log\n", bad, short; exit 1 }
    }' "$res"
