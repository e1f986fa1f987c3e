#!/usr/bin/env bash
# Boot race in the nested test host: ringvmm, kvmtool and QEMU's microvm
# boot the same Debian kernel and busybox initramfs in ONE QEMU session,
# interleaved round by round (boot_race_l1.sh says how), and this prints,
# per VMM, the medians of: exec to the guest's /init, exec to exit, the
# VMM's peak memory besides guest RAM (smaps), VmHWM, and an empty VM's
# start+exit; then ringvmm's ratio to the best peer on each line.
#
# Usage: bench/boot_race.sh [--arm64] KVMTOOL_SRC [RUNS]
#   --arm64      race in the arm64 nested host instead: ringvmm and kvmtool
#                (QEMU's microvm is x86 only), cross-built kvmtool with the
#                arm64 libfdt.a of scripts/arm64-sysroot.sh
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
arch=x86
if [[ ${1:-} == --arm64 ]]; then
    arch=arm64
    shift
fi
if [[ $arch == arm64 ]]; then
    # shellcheck source-path=SCRIPTDIR source=../tests/boot/arm64/lib.sh
    source "$BENCH_DIR/../tests/boot/arm64/lib.sh"
else
    # shellcheck source-path=SCRIPTDIR source=../tests/boot/lib.sh
    source "$BENCH_DIR/../tests/boot/lib.sh"
fi

src=${1:-}
runs=${2:-${RINGVMM_BENCH_RUNS:-5}}
mem=${RINGVMM_BENCH_MEM:-256M}
interval=${RINGVMM_BENCH_INTERVAL:-0.2}
[[ -n $src && -e $src ]] || rv_boot_fail "usage: bench/boot_race.sh KVMTOOL_SRC [RUNS] (a kvmtool tree or .tar.gz)"
[[ $runs =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "RUNS must be a positive integer, got '$runs'"
if [[ $arch == arm64 ]]; then
    rv_a64_need_ringvmm
    rv_a64_prepare
    sysroot=${RINGVMM_ARM64_SYSROOT:-/opt/ringvmm/sysroot-aarch64}
    [[ -e $sysroot/usr/lib/aarch64-linux-gnu/libfdt.a ]] ||
        rv_boot_fail "no arm64 libfdt.a in $sysroot (run scripts/arm64-sysroot.sh)"
    # kvmtool wants libfdt.a and its headers in one folder.
    fdtdir=$RV_CACHE/peers/libfdt-arm64
    mkdir -p "$fdtdir"
    ln -sf "$sysroot"/usr/lib/aarch64-linux-gnu/libfdt.a "$sysroot"/usr/include/*fdt*.h "$fdtdir/"
    kt_make=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- "LIBFDT_DIR=$fdtdir")
else
    command -v qemu-system-x86_64 > /dev/null || rv_boot_fail "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
    rv_boot_need_ringvmm
    rv_boot_prepare
    kt_make=()
fi

# kvmtool, static, built once per source (tarball hash, or tree + commit).
if [[ -d $src ]]; then
    key=$( (cd "$src" && git rev-parse HEAD 2> /dev/null || find . -type f -name '*.c' -newer Makefile | wc -l) | sha1sum | cut -c1-12)
else
    key=$(sha1sum < "$src" | cut -c1-12)
fi
kt=$RV_CACHE/peers/kvmtool-$arch-$key
if [[ ! -x $kt/lkvm-static ]]; then
    rv_boot_log "building kvmtool (lkvm-static) from $src"
    rm -rf "$kt"
    mkdir -p "$kt"
    if [[ -d $src ]]; then
        cp -a "$src/." "$kt/"
    else
        tar -C "$kt" --strip-components=1 -xzf "$src"
    fi
    make -C "$kt" -j"$(nproc)" "${kt_make[@]}" lkvm-static > "$kt/build.log" 2>&1 ||
        rv_boot_fail "kvmtool did not build; see $kt/build.log"
fi

# The payload: kvmtool, QEMU with its libraries and firmware, and the two
# tiny guests of the empty-VM runs.
stage=$RV_CACHE/runs/race-payload
rm -rf "$stage"
mkdir -p "$stage/peers" "$stage/usr/share/qemu"
install -m 755 "$kt/lkvm-static" "$stage/peers/lkvm"
# off.Image, for kvmtool on arm64: an Image header (b to offset 64, 4 KiB
# image, "ARM\x64" at 56) and code calling PSCI SYSTEM_OFF:
# movz x0, #8; movk x0, #0x8400, lsl 16; hvc #0; b .
{
    printf '\x10\x00\x00\x14\x00\x00\x00\x00'
    printf '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00'
    printf '\x02\x00\x00\x00\x00\x00\x00\x00'
    head -c 24 /dev/zero
    printf 'ARM\x64\x00\x00\x00\x00'
    printf '\x00\x01\x80\xd2\x00\x80\xb0\xf2\x02\x00\x00\xd4\x00\x00\x00\x14'
    head -c 4016 /dev/zero
} > "$stage/peers/off.Image"
if [[ $arch == x86 ]]; then
    rv_boot__copy_with_libs "$stage" "$(command -v qemu-system-x86_64)"
    cp /usr/share/qemu/*.bin /usr/share/qemu/*.rom "$stage/usr/share/qemu/"
fi
# reset.bin, for kvmtool (a flat binary runs in real mode at 1000:0000):
# mov al, 0xfe; out 0x64, al; hlt.
printf '\xb0\xfe\xe6\x64\xf4' > "$stage/peers/reset.bin"
# fw-exit.bin, for QEMU: 64 KiB of firmware whose reset vector (16 bytes
# from its end, mapped below 4 GiB) writes to isa-debug-exit: mov al, 0;
# out 0xf4, al; hlt.
head -c 65520 /dev/zero > "$stage/peers/fw-exit.bin"
printf '\xb0\x00\xe6\xf4\xf4\xeb\xfe\x00\x00\x00\x00\x00\x00\x00\x00\x00' >> "$stage/peers/fw-exit.bin"
# off.elf, for ringvmm on x86 (the same one instruction of work as the
# peers' tiny guests, where the built-in guest would print a 68-byte banner
# first): an ELF64 vmlinux-like file, one PT_LOAD at 1 MiB, entered in long
# mode at its code: mov dx, 0x3c0; mov al, 0x34; out dx, al (ACPI SLP_TYP
# S5 | SLP_EN, ringvmm's power-off); hlt; jmp -3.
python3 - "$stage/peers/off.elf" << 'PY'
import struct, sys
code = bytes.fromhex("66bac003b034eef4ebfd")
base, off = 0x100000, 64 + 56
ehdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + struct.pack(
    "<HHIQQQIHHHHHH", 2, 62, 1, base + off, 64, 0, 0, 64, 56, 1, 0, 0, 0)
phdr = struct.pack("<IIQQQQQQ", 1, 7, 0, base, base, off + len(code), off + len(code), 0x1000)
open(sys.argv[1], "wb").write(ehdr + phdr + code)
PY
export RV_BOOT_PAYLOAD=$stage

mkdir -p "$RV_CACHE/runs"
scenario=$RV_CACHE/runs/race.scenario.sh
{
    echo "RVB_NO_MAIN=1 RVB_RUNS=$runs RVB_MEM=$mem RVB_INTERVAL=$interval RV_RUN_TIMEOUT=$RV_RUN_TIMEOUT RVR_ARCH=$arch"
    cat "$BENCH_DIR/boot_bench_l1.sh" "$BENCH_DIR/boot_race_l1.sh"
} > "$scenario"
if [[ $arch == arm64 ]]; then
    rv_a64_run race "$scenario"
    res=$RV_A64_CACHE/runs/race/results.txt
    kernel=$(basename "$RV_A64_IMAGE")
else
    RV_L1_MEM=3072 rv_boot_run race "$scenario" "$RV_STATIC"
    res=$RV_CACHE/runs/race/results.txt
    kernel=$(basename "$RV_VMLINUZ")
fi

grep -a '^RVBENCH vmm=\|^RVEMPTY ' "$RV_BOOT_LOG" > "$res" || true
grep -a '^RVBENCH-ERR' "$RV_BOOT_LOG" >&2 || true
[[ -s $res ]] || rv_boot_fail "no race results (QEMU rc=$RV_BOOT_QEMU_RC, log $RV_BOOT_LOG)"

echo "boot race ($arch): $runs rounds, guest RAM $mem, L1 and L2 $kernel, $(date -u +%Y-%m-%d)"
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
        if (!(v in eseen)) { eseen[v] = 1; eorder[++ne] = v }
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
        for (k = 1; k <= ne; k++) if (cnt["empty/" eorder[k]]) {
            v = eorder[k]; m["empty/" v] = median("empty/" v)
            printf "%-12s %10.4f\n", v, m["empty/" v]
            if (v ~ /^kvmtool/) kv = v
            if (v ~ /^ringvmm/) rv = v
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
        if (kv != "" && rv != "" && m["empty/" kv] > 0 && m["empty/" rv] > 0)
            printf "  %-12s empty VM %.2f (vs %s)\n", rv, m["empty/" rv] / m["empty/" kv], kv
        for (v in bad) printf "%s: %d run(s) failed (rc, timeout or no /init); see %s\n", v, bad[v], logf
    }' "$res"
