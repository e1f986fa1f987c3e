#!/usr/bin/env bash
# Network throughput in the nested test host: iperf3 between L1 and an L2
# guest over a tap, guest to L1 and L1 to guest, with ringvmm
# (`--net tap=`), kvmtool (`lkvm run -n mode=tap`, virtio-net over PCI)
# and QEMU's microvm (virtio-net-device on a tap, vhost off: every VMM
# moves the frames itself), in ONE QEMU session, the order rotating round
# by round (net_bench_l1.sh). Prints the median Mbit/s per VMM and
# direction, and ringvmm's ratio to the faster peer (goal: >= 1).
#
# Usage: bench/net_bench.sh KVMTOOL_SRC [RUNS] [SECS]
#   KVMTOOL_SRC  a kvmtool source tree or .tar.gz of one (bench/peers.sh)
#   RUNS         rounds (default 3; env RINGVMM_BENCH_RUNS)
#   SECS         seconds per iperf3 run (default 10)
# Env: RINGVMM_BENCH_MEM (512M), RINGVMM_BENCH_VMMS (the first round's
# order, "ringvmm kvmtool qemu"; a VMM may come more than once; "ringvmm2"
# is another static build, RINGVMM_BENCH_RINGVMM2, for an A/B), plus
# tests/boot/lib.sh's (RINGVMM_STATIC...). Before the table it prints the
# RVNET-DIAG lines of net_bench_l1.sh (rvn_diag): what explains the figures.
# iperf3 and QEMU are this machine's, copied into L1 (and iperf3 into an
# initramfs added to L2's) with the libraries ldd names. Nested figures
# say how the VMMs compare with each other under emulation, not what any
# of them does on hardware; compare only within one run.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/boot/lib.sh
source "$BENCH_DIR/../tests/boot/lib.sh"
# shellcheck source-path=SCRIPTDIR source=peers.sh
source "$BENCH_DIR/peers.sh"

src=${1:-}
runs=${2:-${RINGVMM_BENCH_RUNS:-3}}
secs=${3:-10}
mem=${RINGVMM_BENCH_MEM:-512M}
vmms=${RINGVMM_BENCH_VMMS:-ringvmm kvmtool qemu}
[[ -n $src && -e $src ]] || rv_boot_fail "usage: bench/net_bench.sh KVMTOOL_SRC [RUNS] [SECS] (a kvmtool tree or .tar.gz)"
[[ $runs =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "RUNS must be a positive integer, got '$runs'"
[[ $secs =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "SECS must be a positive integer, got '$secs'"
[[ $vmms =~ ^(ringvmm2?|kvmtool|qemu)( (ringvmm2?|kvmtool|qemu))*$ ]] ||
    rv_boot_fail "RINGVMM_BENCH_VMMS must be words among ringvmm, ringvmm2, kvmtool, qemu, got '$vmms'"
[[ $vmms != *ringvmm2* || -x ${RINGVMM_BENCH_RINGVMM2:-} ]] ||
    rv_boot_fail "ringvmm2 in RINGVMM_BENCH_VMMS needs RINGVMM_BENCH_RINGVMM2, a static ringvmm to compare"
command -v qemu-system-x86_64 > /dev/null || rv_boot_fail "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
command -v iperf3 > /dev/null || rv_boot_fail "no iperf3 on this machine (apt-get install iperf3)"
rv_boot_need_ringvmm
rv_boot_prepare
rv_bench_kvmtool "$src" x86

# L1's payload: kvmtool, QEMU, iperf3, and L2's initramfs with iperf3 and
# the virtio-pci drivers (kvmtool's transport on x86) appended to it: the
# kernel unpacks concatenated cpio archives in turn.
stage=$RV_CACHE/runs/net-payload
rm -rf "$stage"
mkdir -p "$stage/peers" "$stage/usr/share/qemu"
install -m 755 "$RV_BENCH_LKVM" "$stage/peers/lkvm"
[[ -n ${RINGVMM_BENCH_RINGVMM2:-} ]] && install -m 755 "$RINGVMM_BENCH_RINGVMM2" "$stage/peers/ringvmm2"
rv_boot__copy_with_libs "$stage" "$(command -v qemu-system-x86_64)" "$(command -v iperf3)"
cp /usr/share/qemu/*.bin /usr/share/qemu/*.rom "$stage/usr/share/qemu/"
l2add=$RV_CACHE/runs/net-l2add
rm -rf "$l2add"
mkdir -p "$l2add/modules"
rv_boot__copy_with_libs "$l2add" "$(command -v iperf3)"
for m in virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci; do
    mod=$(rv_boot__find1 "$RV_KROOT" "$m.ko*") || continue
    case $mod in
        *.xz) xz -dc "$mod" > "$l2add/modules/$m.ko" ;;
        *) cp "$mod" "$l2add/modules/$m.ko" ;;
    esac
done
cp "$RV_L2_INITRD" "$stage/peers/net-initrd.cpio"
truncate -s %512 "$stage/peers/net-initrd.cpio"
rv_boot__cpio "$l2add" >> "$stage/peers/net-initrd.cpio"
export RV_BOOT_PAYLOAD=$stage

mkdir -p "$RV_CACHE/runs"
scenario=$RV_CACHE/runs/net.scenario.sh
{
    echo "RVN_RUNS=$runs RVN_SECS=$secs RVN_MEM=$mem RVN_VMMS='$vmms'"
    cat "$BENCH_DIR/net_bench_l1.sh"
} > "$scenario"
# The session: the VMMs of a round, each a boot and two iperf3 runs.
[[ -n ${RINGVMM_QEMU_TIMEOUT:-} ]] || RV_QEMU_TIMEOUT=$((runs * $(wc -w <<< "$vmms") * (2 * secs + 90) + 120))
RV_L1_MEM=3072 rv_boot_run net "$scenario" "$RV_STATIC"
res=$RV_CACHE/runs/net/results.txt
grep -a '^RVNET ' "$RV_BOOT_LOG" > "$res" || true
grep -a '^RVNET-ERR' "$RV_BOOT_LOG" >&2 || true
# What explains the figures (net_bench_l1.sh, rvn_diag), before them.
grep -a '^RVNET-DIAG' "$RV_BOOT_LOG" || true
[[ -s $res ]] || rv_boot_fail "no iperf3 results (QEMU rc=$RV_BOOT_QEMU_RC, log $RV_BOOT_LOG)"

echo "iperf3 over a tap, nested ($runs rounds of ${secs}s per direction, guest RAM $mem, L1 and L2 $(basename "$RV_VMLINUZ"), $(date -u +%Y-%m-%d))"
awk -v logf="$RV_BOOT_LOG" -f "$BENCH_DIR/samples.awk" -f /dev/stdin "$res" << 'EOF'
    {
        v = field("vmm")
        if (!(v in seen)) { seen[v] = 1; order[++nv] = v }
        for (d = 1; d <= 2; d++) {
            dir = d == 1 ? "up" : "down"
            x = field(dir)
            if (x == "" || x == "none") { bad[v]++; continue }
            add(v "/" dir, x)
        }
    }
    END {
        printf "%-10s %16s %16s\n", "vmm", "guest->L1 Mbit/s", "L1->guest Mbit/s"
        for (k = 1; k <= nv; k++) {
            v = order[k]
            for (d = 1; d <= 2; d++) {
                dir = d == 1 ? "up" : "down"
                m[v "/" dir] = cnt[v "/" dir] ? median(v "/" dir) : 0
            }
            printf "%-10s %16.1f %16.1f\n", v, m[v "/up"], m[v "/down"]
        }
        printf "\nratios, ringvmm / faster peer (goal >= 1):\n"
        for (d = 1; d <= 2; d++) {
            dir = d == 1 ? "up" : "down"
            best = 0; bv = ""
            for (k = 1; k <= nv; k++) { v = order[k]; if (v !~ /^ringvmm/ && m[v "/" dir] > best) { best = m[v "/" dir]; bv = v } }
            if (best > 0) printf "  %-5s %.2f (vs %s)\n", dir == "up" ? "g->L1" : "L1->g", m["ringvmm/" dir] / best, bv
        }
        for (v in bad) printf "%s: %d measurement(s) missing; see %s\n", v, bad[v], logf
    }
EOF
