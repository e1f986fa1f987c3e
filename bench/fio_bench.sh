#!/usr/bin/env bash
# virtio-blk under fio in the x86 nested test host: ringvmm, kvmtool and
# QEMU's microvm boot the same Debian kernel with the same fio guest
# (bench/fio_l2_init.sh) on the same raw disk image, in ONE QEMU session,
# interleaved round by round (bench/fio_bench_l1.sh), and this prints the
# median of each fio line per VMM and ringvmm's ratio to the faster peer
# (higher is better: IOPS for 4k random, MB/s for 1M sequential).
#
# Usage: bench/fio_bench.sh KVMTOOL_SRC [ROUNDS]
#   KVMTOOL_SRC  a kvmtool source tree or .tar.gz of one; built as
#                `make lkvm-static` (cached by the source's hash)
#   ROUNDS       rounds (default 5, so that one slow round does not decide a
#                median; env RINGVMM_BENCH_RUNS)
# Env: RINGVMM_FIO_RUNTIME (s per fio job, default 5), RINGVMM_BENCH_MEM
#      (guest MiB, 512), RINGVMM_FIO_DISK_MB (image size, 256), plus
#      tests/boot/lib.sh's (RINGVMM_STATIC, RINGVMM_CACHE, RINGVMM_L1_SMP...).
#      RINGVMM_FIO_VMMS (default "ringvmm ringvmm-pci kvmtool qemu";
#      ringvmm-pci is ringvmm with --virtio-transport pci, ringvmm-exit
#      ringvmm with --reg-pages off; neither is a peer), RINGVMM_FIO_JOBS
#      (comma-separated job names, default all), RINGVMM_FIO_PROFILE=1: the
#      exit profile (fio_bench_l1.sh): per request, KVM's exits by reason,
#      injections and halts, and the context switches in L1, per VMM and
#      job (medians of the rounds). The jobs then run without ramp and L1
#      reads counters at each job's start and end: use it to explain
#      figures, not to record them.
# fio is Debian's: the package and those library packages it needs that
# this machine lacks are fetched with apt-get download into the cache, and
# fio goes into the L2 initramfs with every library it loads. QEMU is this
# machine's qemu-system-x86_64, copied into L1 with its libraries and
# firmware, as bench/boot_race.sh does. The image lives in L1's RAM.
# Nested timings drift between sessions: compare only within one run.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/boot/lib.sh
source "$BENCH_DIR/../tests/boot/lib.sh"
# shellcheck source-path=SCRIPTDIR source=peers.sh
source "$BENCH_DIR/peers.sh"

src=${1:-}
rounds=${2:-${RINGVMM_BENCH_RUNS:-5}}
runtime=${RINGVMM_FIO_RUNTIME:-5}
mem=${RINGVMM_BENCH_MEM:-512}
disk_mb=${RINGVMM_FIO_DISK_MB:-256}
[[ -n $src && -e $src ]] || rv_boot_fail "usage: bench/fio_bench.sh KVMTOOL_SRC [ROUNDS] (a kvmtool tree or .tar.gz)"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "ROUNDS must be a positive integer, got '$rounds'"
[[ $runtime =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "RINGVMM_FIO_RUNTIME must be a positive integer, got '$runtime'"
command -v qemu-system-x86_64 > /dev/null || rv_boot_fail "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
rv_boot_need_ringvmm
rv_boot_prepare
# A session runs one round: each VMM's boot and six jobs.
run_timeout=$((runtime * 12 + 180))
[[ -n ${RINGVMM_QEMU_TIMEOUT:-} ]] || RV_QEMU_TIMEOUT=$((120 + 3 * run_timeout))

rv_bench_kvmtool "$src" x86

# fio_pkgs: fio, and the library packages of its dependency closure that
# this machine does not have installed (ldd finds the rest here).
fio_pkgs() {
    echo fio
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances fio 2> /dev/null | grep '^lib' | sort -u |
        while read -r p; do dpkg -s "$p" > /dev/null 2>&1 || echo "$p"; done
}

# stage_fio DIR: fio in DIR/fio, with the dynamic loader and every library
# it loads in DIR/fio/lib (run as fio_l2_init.sh does).
stage_fio() {
    local out=$1 p ver libpath='' fio='' lib libs
    for p in $(fio_pkgs); do
        ver=$(apt-cache policy "$p" | awk '$1 == "Candidate:" { print $2 }')
        [[ -n $ver && $ver != "(none)" ]] || rv_boot_fail "apt has no candidate for $p (apt-get update?)"
        rv_boot__get_pkg "$p" "$ver" || rv_boot_fail "could not fetch $p $ver"
        [[ $p == fio ]] && fio=$REPLY/usr/bin/fio
        # Every folder with libraries (ceph's are in a private one).
        while read -r lib; do
            libpath=$libpath${libpath:+:}$lib
        done < <(find "$REPLY" -name '*.so*' -printf '%h\n' | sort -u)
    done
    mkdir -p "$out/fio/lib"
    cp "$fio" "$out/fio/fio"
    libs=$(LD_LIBRARY_PATH=$libpath ldd "$fio")
    if grep -q 'not found' <<< "$libs"; then
        rv_boot_fail "fio still lacks libraries: $(grep 'not found' <<< "$libs" | sort -u | tr '\n' ' ')"
    fi
    awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<< "$libs" |
        while read -r lib; do cp -L "$lib" "$out/fio/lib/"; done
}

# The payload: kvmtool, QEMU with its libraries and firmware, and the fio
# guest's initramfs: the test L2 initramfs with fio, the virtio-pci
# drivers (kvmtool) and fio_l2_init.sh as /init appended (the kernel
# unpacks concatenated archives in order, later files replacing earlier).
stage=$RV_CACHE/runs/fio-payload
rm -rf "$stage"
mkdir -p "$stage/peers" "$stage/usr/share/qemu" "$stage/fio"
install -m 755 "$RV_BENCH_LKVM" "$stage/peers/lkvm"
rv_boot__copy_with_libs "$stage" "$(command -v qemu-system-x86_64)"
cp /usr/share/qemu/*.bin /usr/share/qemu/*.rom "$stage/usr/share/qemu/"

fstage=$RV_CACHE/runs/fio-l2
rm -rf "$fstage"
mkdir -p "$fstage/modules"
stage_fio "$fstage"
install -m 755 "$BENCH_DIR/fio_l2_init.sh" "$fstage/init"
for m in virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci; do
    mod=$(rv_boot__find1 "$RV_KROOT" "$m.ko*") || continue
    case $mod in
        *.xz) xz -dc "$mod" > "$fstage/modules/$m.ko" ;;
        *) cp "$mod" "$fstage/modules/$m.ko" ;;
    esac
done
{
    cat "$RV_L2_INITRD"
    rv_boot__cpio "$fstage" | gzip -1
} > "$stage/fio/initrd.cpio.gz"
rm -rf "$fstage"
export RV_BOOT_PAYLOAD=$stage

# One QEMU session per round. A session that stalls (tests/boot/lib.sh
# rv_boot_qemu) keeps the VMMs it finished; the next one runs the others.
mkdir -p "$RV_CACHE/runs"
res=$RV_CACHE/runs/fio-results.txt
: > "$res"
profile=${RINGVMM_FIO_PROFILE:-0}
fjobs=${RINGVMM_FIO_JOBS:-}
[[ $fjobs =~ ^[a-z0-9,-]*$ ]] || rv_boot_fail "RINGVMM_FIO_JOBS must be job names and commas, got '$fjobs'"
read -r -a vmms <<< "${RINGVMM_FIO_VMMS:-ringvmm ringvmm-pci kvmtool qemu}"
for v in "${vmms[@]}"; do
    [[ $v =~ ^(ringvmm|ringvmm-pci|ringvmm-exit|kvmtool|qemu)$ ]] ||
        rv_boot_fail "RINGVMM_FIO_VMMS: unknown VMM '$v' (ringvmm, ringvmm-pci, ringvmm-exit, kvmtool, qemu)"
done
prof=$RV_CACHE/runs/fio-profile.txt
memf=$RV_CACHE/runs/fio-mem.txt
: > "$prof"
: > "$memf"
sessions=0
for ((round = 1; round <= rounds; round++)); do
    todo="${vmms[*]}"
    for attempt in 1 2 3; do
        scenario=$RV_CACHE/runs/fio-$round-$attempt.scenario.sh
        {
            echo "RVF_ROUND=$round RVF_VMMS='$todo' RVF_RUNTIME=$runtime RVF_MEM=$mem" \
                "RVF_DISK_MB=$disk_mb RV_RUN_TIMEOUT=$run_timeout RVF_PROFILE=$profile RVF_JOBS=$fjobs"
            cat "$BENCH_DIR/fio_bench_l1.sh"
        } > "$scenario"
        # L1 holds the image and each VMM's guest RAM: more than the tests' default.
        RV_L1_MEM=$((2048 + disk_mb + mem)) rv_boot_run "fio-$round-$attempt" "$scenario" "$RV_STATIC"
        sessions=$((sessions + 1))
        grep -a '^RVFIO-ERR\|^RVFIO-PROF\|^RVFIO-MEM' "$RV_BOOT_LOG" >&2 || true
        left=
        for v in $todo; do
            if grep -qa "^RVFIO-VMM-DONE vmm=$v round=$round" "$RV_BOOT_LOG"; then
                grep -a "^RVFIO vmm=$v round=$round " "$RV_BOOT_LOG" >> "$res" || true
                grep -a "^RVFIO-KVM vmm=$v round=$round " "$RV_BOOT_LOG" >> "$prof" || true
                grep -a "^RVFIO-MEM vmm=$v round=$round " "$RV_BOOT_LOG" >> "$memf" || true
            else
                left="$left $v"
            fi
        done
        todo=${left# }
        [[ -z $todo ]] && break
        rv_boot_log "round $round, session $attempt ended (QEMU rc=$RV_BOOT_QEMU_RC) before" \
            "$todo: running them again (log $RV_BOOT_LOG)"
    done
    [[ -z $todo ]] || rv_boot_log "round $round: no result for $todo after $attempt sessions"
    # Rotate: the first VMM of this round is the last of the next.
    vmms=("${vmms[@]:1}" "${vmms[0]}")
done
[[ -s $res ]] || rv_boot_fail "no fio results (see $RV_CACHE/runs/fio-*/qemu.log)"

echo "fio race (x86 nested host, L2 on KVM): $rounds rounds, ${runtime} s per job, guest ${mem} MiB," \
    "1 vCPU, ${disk_mb} MiB raw image in L1's RAM, L1 and L2 $(basename "$RV_VMLINUZ"), $(date -u +%Y-%m-%d);" \
    "$sessions QEMU session(s)"
awk -v rounds="$rounds" -f "$BENCH_DIR/samples.awk" -f /dev/stdin "$res" << 'EOF'
    {
        v = field("vmm"); j = field("job")
        if (!(v in seen)) { seen[v] = 1; vo[++nv] = v }
        if (!(j in jseen)) { jseen[j] = 1; jo[++nj] = j }
        # 4k random: IOPS; 1M sequential: MB/s (10^6 bytes).
        x = j ~ /^rand/ ? field("iops") : field("bw_kib") * 1024 / 1e6
        cnt[v, j]++; val[v, j, cnt[v, j]] = x
    }
    END {
        printf "%-18s %-6s", "job", "unit"
        for (k = 1; k <= nv; k++) printf " %12s", vo[k]
        printf "   %s\n", "ringvmm (mmio, pci) / faster peer"
        for (i = 1; i <= nj; i++) {
            j = jo[i]
            printf "%-18s %-6s", j, j ~ /^rand/ ? "IOPS" : "MB/s"
            best = ""; bv = ""; rv = ""; rp = ""
            for (k = 1; k <= nv; k++) {
                v = vo[k]
                if (!cnt[v, j]) { printf " %12s", "-"; continue }
                m = median(v SUBSEP j)
                printf " %12.1f", m
                if (v == "ringvmm") rv = m
                if (v == "ringvmm-pci") rp = m
                else if (v !~ /^ringvmm/ && (best == "" || m > best)) { best = m; bv = v }
            }
            if (rv != "" && best > 0) printf "   %.2f", rv / best
            if (rp != "" && best > 0) printf "%s%.2f", rv != "" ? ", " : "   pci ", rp / best
            if (best > 0 && (rv != "" || rp != "")) printf " (vs %s)", bv
            printf "\n"
        }
        # How far apart a VMM's rounds are: the largest max/min of a job.
        printf "%-25s", "spread (max/min, worst)"
        for (k = 1; k <= nv; k++) {
            w = 0
            for (i = 1; i <= nj; i++) {
                lo = hi = ""
                for (r = 1; r <= cnt[vo[k], jo[i]]; r++) {
                    x = val[vo[k], jo[i], r]
                    if (lo == "" || x < lo) lo = x
                    if (hi == "" || x > hi) hi = x
                }
                if (lo > 0 && hi / lo > w) w = hi / lo
            }
            printf " %12.2f", w
        }
        printf "\n"
        for (k = 1; k <= nv; k++) for (i = 1; i <= nj; i++)
            if (cnt[vo[k], jo[i]] < rounds)
                printf "%s %s: %d of %d rounds\n", vo[k], jo[i], cnt[vo[k], jo[i]], rounds
    }
EOF
# Each VMM's memory as L1 held it (fio_bench_l1.sh rvf_mem): the share on
# huge pages, lowest of the rounds. Far under 100% would mean that VMM's
# guest ran on 4 KiB pages, a handicap of the host and not of the VMM.
[[ -s $memf ]] && awk -f "$BENCH_DIR/samples.awk" -f /dev/stdin "$memf" << 'EOF'
    {
        v = field("vmm"); r = field("rss_kib"); h = field("thp_kib")
        if (r <= 0) next
        if (!(v in lo)) vo[++nv] = v
        if (!(v in lo) || h / r < lo[v]) { lo[v] = h / r; rss[v] = r }
    }
    END {
        printf "L1 huge pages under each VMM's memory (lowest round):"
        for (k = 1; k <= nv; k++) printf " %s %.0f%% of %.0f MiB;", vo[k], 100 * lo[vo[k]], rss[vo[k]] / 1024
        printf "\n"
    }
EOF
[[ -s $prof ]] || exit 0
# The exit profile: per request (io_kib over the job's block size), the
# median of the rounds; counters that stay under 0.005 per request everywhere
# are left out.
echo "exit profile, per request (KVM's debugfs counters in L1; l1_ctxt: L1's context switches; cs_*: the VMM's threads'):"
awk -f "$BENCH_DIR/samples.awk" -f /dev/stdin "$prof" << 'EOF'
    {
        v = field("vmm"); j = field("job")
        n = field("io_kib") / (j ~ /4k/ ? 4 : 1024)
        if (n <= 0) next
        if (!((v, j) in seen)) { seen[v, j] = 1; row[++nr] = v SUBSEP j }
        for (i = 1; i <= NF; i++) {
            if (split($i, kv, "=") != 2 || kv[1] ~ /^(vmm|round|job|io_kib)$/) continue
            k = kv[1]
            if (!(k in kseen)) { kseen[k] = 1; key[++nk] = k }
            c = ++cnt[v, j, k]; val[v, j, k, c] = kv[2] / n
        }
        ios[v, j] = n
    }
    END {
        for (r = 1; r <= nr; r++) {
            split(row[r], vj, SUBSEP)
            printf "%-12s %-17s requests=%d", vj[1], vj[2], ios[vj[1], vj[2]]
            for (i = 1; i <= nk; i++) {
                k = key[i]
                if (!cnt[vj[1], vj[2], k]) continue
                m = median(vj[1] SUBSEP vj[2] SUBSEP k)
                if (m >= 0.005) printf " %s=%.2f", k, m
            }
            printf "\n"
        }
    }
EOF
