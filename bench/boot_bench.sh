#!/usr/bin/env bash
# Boot-time and memory benchmark of ringvmm in the nested test host: in ONE
# QEMU session, ringvmm boots the L2 bzImage (rv.test=uptime, 256M) N times;
# per run and as medians it reports the wall time from exec of ringvmm to
# the guest's /init (RINGVMM-L2-INIT), the guest's own uptime at /init, and
# ringvmm's memory besides guest RAM. How each figure is taken is described
# in boot_bench_l1.sh, which is the part that runs inside L1.
#
# Usage: bench/boot_bench.sh [RUNS]     (default 5; env RINGVMM_BENCH_RUNS)
# Env:   RINGVMM_BENCH_MEM (256M), RINGVMM_BENCH_INTERVAL (RSS sampling
#        period in s, 0.2; 0 disables sampling), plus those of
#        tests/boot/lib.sh (RINGVMM_STATIC, RINGVMM_CACHE, ...).
# Nested timings drift by up to 25% between sessions (docs/platform.md): compare
# VMMs or changes only within one session.
# Exit 0 all runs reached /init with exit code 0, 1 otherwise, 77 skip.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/boot/lib.sh
source "$BENCH_DIR/../tests/boot/lib.sh"

runs=${1:-${RINGVMM_BENCH_RUNS:-5}}
mem=${RINGVMM_BENCH_MEM:-256M}
interval=${RINGVMM_BENCH_INTERVAL:-0.2}
[[ $runs =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "RUNS must be a positive integer, got '$runs'"

rv_boot_need_ringvmm
rv_boot_prepare

mkdir -p "$RV_CACHE/runs"
scenario=$RV_CACHE/runs/bench.scenario.sh
{
    echo "RVB_RUNS=$runs RVB_MEM=$mem RVB_INTERVAL=$interval RV_RUN_TIMEOUT=$RV_RUN_TIMEOUT"
    cat "$BENCH_DIR/boot_bench_l1.sh"
} > "$scenario"
rv_boot_run bench "$scenario" "$RV_STATIC"

grep -a '^RVBENCH run=' "$RV_BOOT_LOG" > "$RV_CACHE/runs/bench/results.txt" || true
if [[ ! -s $RV_CACHE/runs/bench/results.txt ]]; then
    rv_boot_fail "no benchmark results (QEMU rc=$RV_BOOT_QEMU_RC, log $RV_BOOT_LOG)"
fi

# Table and medians (of the runs that reached /init; the rest are listed).
awk -v mem="$mem" -v runs="$runs" -v logf="$RV_BOOT_LOG" '
    function field(k,   i, kv) {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
        return ""
    }
    function median(a, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    BEGIN {
        printf "%-4s %-4s %13s %13s %11s %10s %15s %10s %14s\n", "run", "rc", "exec->init s", "exec->exit s",
            "guest up s", "HWM kB", "non-guest peak", "(anon)", "non-guest end"
    }
    {
        rc = field("rc"); ei = field("exec_to_init")
        printf "%-4s %-4s %13s %13s %11s %10s %15s %10s %14s\n", field("run"), rc, ei, field("exec_to_exit"),
            field("guest_uptime"), field("hwm_kb"), field("nonguest_peak_kb"), field("nonguest_anon_peak_kb"),
            field("nonguest_end_kb")
        if (rc != 0 || ei == "none" || field("timed_out") != 0) { bad++; next }
        n++; a[n] = ei; b[n] = field("exec_to_exit"); c[n] = field("guest_uptime")
        d[n] = field("hwm_kb"); e[n] = field("nonguest_peak_kb"); f[n] = field("nonguest_anon_peak_kb")
        g[n] = field("nonguest_end_kb")
    }
    END {
        if (n) printf "%-9s %13.3f %13.2f %11.2f %10d %15d %10d %14d\n(medians of %d ok runs; guest RAM %s; memory in kB)\n",
            "median", median(a, n), median(b, n), median(c, n), median(d, n), median(e, n), median(f, n),
            median(g, n), n, mem
        if (NR < runs) { printf "only %d of %d runs reported; see %s\n", NR, runs, logf; exit 1 }
        if (bad) { printf "%d run(s) failed (rc != 0, timed out or no RINGVMM-L2-INIT); see %s\n", bad, logf; exit 1 }
    }' "$RV_CACHE/runs/bench/results.txt"
