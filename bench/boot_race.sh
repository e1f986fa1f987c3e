#!/usr/bin/env bash
# Boot race in the nested test host: ringvmm, kvmtool and QEMU's microvm
# boot the same Debian kernel and busybox initramfs in ONE QEMU session,
# interleaved round by round (boot_race_l1.sh says how), and this prints,
# per VMM, the medians of: exec to the guest's /init, exec to exit, the
# VMM's peak memory besides guest RAM (smaps), VmHWM, and an empty VM's
# start+exit; then ringvmm's ratio to the best peer on each line.
#
# Usage: bench/boot_race.sh KVMTOOL_SRC [RUNS]
#   KVMTOOL_SRC  a kvmtool source tree or .tar.gz of one; the script builds
#                `make lkvm-static` from it (cached by the source's hash)
#   RUNS         rounds (default 5; env RINGVMM_BENCH_RUNS)
# Env: RINGVMM_BENCH_MEM (256M), RINGVMM_BENCH_INTERVAL (smaps sampling
#      period, s; 0.2), plus tests/boot/lib.sh's (RINGVMM_STATIC, ...).
# QEMU is this machine's qemu-system-x86_64 (Debian's), copied into L1 with
# the libraries ldd names and its firmware; it runs there with -accel kvm.
# Nested timings drift between sessions: compare only within one run.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/boot/lib.sh
source "$BENCH_DIR/../tests/boot/lib.sh"

src=${1:-}
runs=${2:-${RINGVMM_BENCH_RUNS:-5}}
mem=${RINGVMM_BENCH_MEM:-256M}
interval=${RINGVMM_BENCH_INTERVAL:-0.2}
[[ -n $src && -e $src ]] || rv_boot_fail "usage: bench/boot_race.sh KVMTOOL_SRC [RUNS] (a kvmtool tree or .tar.gz)"
[[ $runs =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "RUNS must be a positive integer, got '$runs'"
command -v qemu-system-x86_64 > /dev/null || rv_boot_fail "no qemu-system-x86_64 (apt-get install qemu-system-x86)"

rv_boot_need_ringvmm
rv_boot_prepare

# kvmtool, static, built once per source (tarball hash, or tree + commit).
if [[ -d $src ]]; then
    key=$( (cd "$src" && git rev-parse HEAD 2> /dev/null || find . -type f -name '*.c' -newer Makefile | wc -l) | sha1sum | cut -c1-12)
else
    key=$(sha1sum < "$src" | cut -c1-12)
fi
kt=$RV_CACHE/peers/kvmtool-$key
if [[ ! -x $kt/lkvm-static ]]; then
    rv_boot_log "building kvmtool (lkvm-static) from $src"
    rm -rf "$kt"
    mkdir -p "$kt"
    if [[ -d $src ]]; then
        cp -a "$src/." "$kt/"
    else
        tar -C "$kt" --strip-components=1 -xzf "$src"
    fi
    make -C "$kt" -j"$(nproc)" lkvm-static > "$kt/build.log" 2>&1 ||
        rv_boot_fail "kvmtool did not build; see $kt/build.log"
fi

# The payload: kvmtool, QEMU with its libraries and firmware, and the two
# tiny guests of the empty-VM runs.
stage=$RV_CACHE/runs/race-payload
rm -rf "$stage"
mkdir -p "$stage/peers" "$stage/usr/share/qemu"
install -m 755 "$kt/lkvm-static" "$stage/peers/lkvm"
rv_boot__copy_with_libs "$stage" "$(command -v qemu-system-x86_64)"
cp /usr/share/qemu/*.bin /usr/share/qemu/*.rom "$stage/usr/share/qemu/"
# reset.bin, for kvmtool (a flat binary runs in real mode at 1000:0000):
# mov al, 0xfe; out 0x64, al; hlt.
printf '\xb0\xfe\xe6\x64\xf4' > "$stage/peers/reset.bin"
# fw-exit.bin, for QEMU: 64 KiB of firmware whose reset vector (16 bytes
# from its end, mapped below 4 GiB) writes to isa-debug-exit: mov al, 0;
# out 0xf4, al; hlt.
head -c 65520 /dev/zero > "$stage/peers/fw-exit.bin"
printf '\xb0\x00\xe6\xf4\xf4\xeb\xfe\x00\x00\x00\x00\x00\x00\x00\x00\x00' >> "$stage/peers/fw-exit.bin"
export RV_BOOT_PAYLOAD=$stage

mkdir -p "$RV_CACHE/runs"
scenario=$RV_CACHE/runs/race.scenario.sh
{
    echo "RVB_NO_MAIN=1 RVB_RUNS=$runs RVB_MEM=$mem RVB_INTERVAL=$interval RV_RUN_TIMEOUT=$RV_RUN_TIMEOUT"
    cat "$BENCH_DIR/boot_bench_l1.sh" "$BENCH_DIR/boot_race_l1.sh"
} > "$scenario"
RV_L1_MEM=3072 rv_boot_run race "$scenario" "$RV_STATIC"

res=$RV_CACHE/runs/race/results.txt
grep -a '^RVBENCH vmm=\|^RVEMPTY ' "$RV_BOOT_LOG" > "$res" || true
grep -a '^RVBENCH-ERR' "$RV_BOOT_LOG" >&2 || true
[[ -s $res ]] || rv_boot_fail "no race results (QEMU rc=$RV_BOOT_QEMU_RC, log $RV_BOOT_LOG)"

echo "boot race: $runs rounds, guest RAM $mem, L1 $(basename "$RV_VMLINUZ"), $(date -u +%Y-%m-%d)"
awk -v runs="$runs" -v logf="$RV_BOOT_LOG" '
    function field(k,   i, kv) {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
        return ""
    }
    function median(key,   n, i, j, t, a) {
        n = cnt[key]
        for (i = 1; i <= n; i++) a[i] = val[key, i]
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function add(key, v) { cnt[key]++; val[key, cnt[key]] = v }
    /^RVBENCH / {
        v = field("vmm")
        if (!(v in seen)) { seen[v] = 1; order[++nv] = v }
        if (field("rc") != 0 || field("exec_to_init") == "none" || field("timed_out") != 0) { bad[v]++; next }
        add(v "/init", field("exec_to_init")); add(v "/exit", field("exec_to_exit"))
        add(v "/peak", field("nonguest_peak_kb")); add(v "/hwm", field("hwm_kb"))
    }
    /^RVEMPTY / {
        v = field("vmm")
        if (field("rc") > 125) { ebad[v]++; next }
        add("empty/" v, field("secs"))
    }
    END {
        printf "%-12s %5s %10s %10s %14s %10s\n", "vmm", "ok", "init s", "exit s", "non-guest kB", "HWM kB"
        for (k = 1; k <= nv; k++) {
            v = order[k]
            if (!cnt[v "/init"]) { printf "%-12s %5s  (no run reached /init; see %s)\n", v, "0/" runs, logf; continue }
            m[v "/init"] = median(v "/init"); m[v "/peak"] = median(v "/peak")
            printf "%-12s %5s %10.3f %10.2f %14d %10d\n", v, cnt[v "/init"] "/" runs, m[v "/init"],
                median(v "/exit"), m[v "/peak"], median(v "/hwm")
        }
        printf "\n%-12s %10s\n", "empty VM", "start+exit s"
        for (v in seen) ;
        split("ringvmm kvmtool qemu", ev, " ")
        for (k = 1; k <= 3; k++) if (cnt["empty/" ev[k]]) {
            m["empty/" ev[k]] = median("empty/" ev[k])
            printf "%-12s %10.4f\n", ev[k], m["empty/" ev[k]]
        }
        # Ratios: ringvmm over the best peer (lower is better for all).
        printf "\nratios, ringvmm / best peer (goal: init <= 0.9, memory <= 1, empty VM <= kvmtool):\n"
        best = ""; for (k = 1; k <= nv; k++) { v = order[k]; if (v ~ /^ringvmm/ || !cnt[v "/init"]) continue
            if (best == "" || m[v "/init"] < best) { best = m[v "/init"]; bv = v } }
        bm = ""; for (k = 1; k <= nv; k++) { v = order[k]; if (v ~ /^ringvmm/ || !cnt[v "/init"]) continue
            if (bm == "" || m[v "/peak"] < bm) { bm = m[v "/peak"]; bmv = v } }
        for (k = 1; k <= nv; k++) { v = order[k]; if (v !~ /^ringvmm/ || !cnt[v "/init"]) continue
            if (best != "") printf "  %-12s exec to /init %.2f (vs %s)\n", v, m[v "/init"] / best, bv
            if (bm != "") printf "  %-12s non-guest memory %.2f (vs %s)\n", v, m[v "/peak"] / bm, bmv }
        if (m["empty/kvmtool"] > 0 && m["empty/ringvmm"] > 0)
            printf "  %-12s empty VM %.2f (vs kvmtool)\n", "ringvmm", m["empty/ringvmm"] / m["empty/kvmtool"]
        for (v in bad) printf "%s: %d run(s) failed (rc, timeout or no /init); see %s\n", v, bad[v], logf
    }' "$res"
