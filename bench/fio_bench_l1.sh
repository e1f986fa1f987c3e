# shellcheck shell=sh
# L1 side of bench/fio_bench.sh (busybox sh inside the nested test host):
# one round. Boots the fio guest (/fio/initrd.cpio.gz: bench/fio_l2_init.sh
# as /init) once with each VMM of RVF_VMMS, in that order (fio_bench.sh
# rotates it from round to round so that no VMM always runs first or
# last), on the same disk image, and prints the guest's results as
#
#   RVFIO vmm=<label> round=<r> job=<name> iops=<n> bw_kib=<KiB/s>
#   RVFIO-MEM vmm=<label> round=<r> rss_kib=<n> thp_kib=<n>   (its memory, last seen)
#   RVFIO-VMM-DONE vmm=<label> round=<r>     (after each VMM, even a failed one)
#
# The VMMs: ringvmm (--disk IMG: virtio-mmio, io_uring, page cache;
# ringvmm-exit: the same with --reg-pages off, every register read an exit;
# ringvmm-pci: the same with --virtio-transport pci, port notify and MSI-X),
# kvmtool (lkvm run -d IMG: virtio-pci), QEMU (-M microvm with
# virtio-blk-device: virtio-mmio, cache=writeback, aio=threads). Each gets
# 1 vCPU, RVF_MEM MiB of RAM, the same kernel, initramfs and command line,
# but for kvmtool's guest: rv.off=reboot (it has no ACPI on x86: a reset
# ends it) and pci=conf1, which kvmtool adds itself without --nodefaults
# (its PCI has no host bridge for the kernel's type 1 sanity check).
#
# With RVF_PROFILE=1 the guest marks each job's start and end
# (fio_l2_init.sh, rv.fio.mark=1) and L1 reads, at each mark, KVM's
# counters for the VM (debugfs, /sys/kernel/debug/kvm/<pid>-<fd>/: exits
# by reason, injections, halts), L1's context switches (/proc/stat ctxt)
# and those of the VMM's threads by name, and prints the difference:
#
#   RVFIO-KVM vmm=<label> round=<r> job=<name> io_kib=<n> <counter>=<delta>...
#
# Inputs (prepended by fio_bench.sh): RVF_ROUND, RVF_VMMS, RVF_RUNTIME,
# RVF_MEM, RVF_DISK_MB, RV_RUN_TIMEOUT, RVF_PROFILE, RVF_JOBS.

RVF_IMG=/tmp/fio.img
RVF_CMDLINE="console=ttyS0 quiet rv.fio.runtime=$RVF_RUNTIME"
[ -n "$RVF_JOBS" ] && RVF_CMDLINE="$RVF_CMDLINE rv.fio.jobs=$RVF_JOBS"
[ "$RVF_PROFILE" = 1 ] && RVF_CMDLINE="$RVF_CMDLINE rv.fio.mark=1"
# KVM's debugfs names each VM <pid>-<fd>: the VMM's pid for rvf_mem, and
# the counters for rvf_snap.
mount -t debugfs debugfs /sys/kernel/debug 2> /dev/null

# rvf_mem OUT: while a VM runs, keep OUT holding "rss_kib=N thp_kib=N" of
# its VMM process: how much of its memory L1 backs with transparent huge
# pages. Guest RAM on 4 KiB pages slows L2 down (docs/platform.md), so a
# VMM that did not get them would not be racing on equal terms.
rvf_mem() {
    while :; do
        for _d in /sys/kernel/debug/kvm/*-*; do
            [ -d "$_d" ] || continue
            _p=${_d##*/}
            awk '$1 == "Rss:" { r = $2 } $1 == "AnonHugePages:" { h = $2 }
                END { if (r != "") print "rss_kib=" r " thp_kib=" h + 0 }' \
                "/proc/${_p%%-*}/smaps_rollup" > "$1.new" 2> /dev/null && [ -s "$1.new" ] && mv "$1.new" "$1"
        done
        sleep 1
    done
}

# rvf_snap FILE: "name value" lines: KVM's counters of the one VM running,
# L1's context switches, the VMM's threads' (voluntary + involuntary) by
# thread name, and how many threads had each name.
rvf_snap() {
    for _d in /sys/kernel/debug/kvm/*-*; do
        [ -d "$_d" ] || continue
        for _f in "$_d"/*; do
            [ -f "$_f" ] || continue
            read -r _v < "$_f" 2> /dev/null || continue
            case $_v in '' | *[!0-9]*) continue ;; esac
            echo "${_f##*/} $_v"
        done
        _p=${_d##*/}
        for _t in "/proc/${_p%%-*}/task/"*; do
            read -r _c < "$_t/comm" 2> /dev/null || continue
            awk -v c="$_c" '$1 ~ /ctxt_switches:/ { n += $2 }
                END { gsub(/[^A-Za-z0-9_]/, "_", c); print "cs_" c, n; print "nthr_" c, 1 }' "$_t/status"
        done
    done > "$1"
    awk '$1 == "ctxt" { print "l1_ctxt", $2 }' /proc/stat >> "$1"
}

# rvf_profile LABEL ROUND OUT: while the VMM (pid $_pid) runs, snapshot at
# each RVFIO-MARK line of OUT; then print the differences per job.
rvf_profile() {
    _seen=0
    while kill -0 "$_pid" 2> /dev/null; do
        _n=$(grep -c '^RVFIO-MARK' "$3")
        while [ "$_seen" -lt "$_n" ]; do
            _seen=$((_seen + 1))
            # shellcheck disable=SC2046
            set -- "$1" "$2" "$3" $(grep '^RVFIO-MARK' "$3" | sed -n "${_seen}p" | tr -d '\r')
            rvf_snap "/tmp/prof.$6.$5"
        done
        sleep 0.1
    done
    for _b in /tmp/prof.*.begin; do
        [ -f "$_b" ] || continue
        _j=${_b#/tmp/prof.}
        _j=${_j%.begin}
        _kib=$(tr -d '\r' < "$3" | sed -n "s/^RVFIO job=$_j .*io_kib=\([0-9]*\).*/\1/p")
        [ -f "/tmp/prof.$_j.end" ] && awk -v h="RVFIO-KVM vmm=$1 round=$2 job=$_j io_kib=${_kib:-0}" '
            FNR == NR { b[$1] = $2; next }
            { d = $2 - b[$1]; if (d) l = l " " $1 "=" d }
            END { print h l }' "$_b" "/tmp/prof.$_j.end"
        rm -f "$_b" "/tmp/prof.$_j.end"
    done
}

# The disk, written in full so that no VMM reads holes the others do not.
dd if=/dev/zero of="$RVF_IMG" bs=1M count="$RVF_DISK_MB" 2> /dev/null
echo "RVFIO-IMG $(wc -c < "$RVF_IMG") bytes"

# rvf_vmm LABEL: run VMM LABEL on the fio guest, in the foreground.
rvf_vmm() {
    case $1 in
        ringvmm | ringvmm-exit | ringvmm-pci)
            # ringvmm-exit: the same binary with every register read an
            # exit; ringvmm-pci: the disk on PCI (port notify, MSI-X).
            _rp=on _tr=mmio
            [ "$1" = ringvmm-exit ] && _rp=off
            [ "$1" = ringvmm-pci ] && _tr=pci
            timeout -k 5 "$RV_RUN_TIMEOUT" /ringvmm run --kernel /l2/bzImage \
                --initrd /fio/initrd.cpio.gz --cmdline-replace "$RVF_CMDLINE" \
                --mem "${RVF_MEM}M" --cpus 1 --disk "$RVF_IMG" --stats=json --reg-pages "$_rp" \
                --virtio-transport "$_tr"
            ;;
        kvmtool)
            timeout -k 5 "$RV_RUN_TIMEOUT" /peers/lkvm run --nodefaults -n mode=none \
                -k /l2/bzImage -i /fio/initrd.cpio.gz -p "$RVF_CMDLINE rv.off=reboot pci=conf1" \
                -m "$RVF_MEM" -c 1 -d "$RVF_IMG"
            ;;
        qemu)
            timeout -k 5 "$RV_RUN_TIMEOUT" /usr/bin/qemu-system-x86_64 -M microvm,rtc=on \
                -accel kvm -cpu host -smp 1 -m "$RVF_MEM" -nodefaults -no-user-config \
                -nographic -serial stdio -no-reboot -kernel /l2/bzImage \
                -initrd /fio/initrd.cpio.gz -append "$RVF_CMDLINE" \
                -drive "id=d0,file=$RVF_IMG,format=raw,if=none" \
                -device virtio-blk-device,drive=d0
            ;;
    esac
}

# rvf_boot LABEL ROUND: one boot of the fio guest by VMM LABEL.
rvf_boot() {
    _out=/tmp/fio.$1.$2.out
    rm -f /tmp/fio.mem
    rvf_mem /tmp/fio.mem &
    _mempid=$!
    rvf_vmm "$1" < /dev/null > "$_out" 2>&1 &
    _pid=$!
    [ "$RVF_PROFILE" = 1 ] && rvf_profile "$1" "$2" "$_out"
    wait "$_pid"
    _rc=$?
    kill "$_mempid" 2> /dev/null
    wait "$_mempid" 2> /dev/null
    echo "RVFIO-MEM vmm=$1 round=$2 $(cat /tmp/fio.mem 2> /dev/null)"
    tr -d '\r' < "$_out" | sed -n "s/^RVFIO job=/RVFIO vmm=$1 round=$2 job=/p"
    if ! grep -q RVFIO-DONE "$_out"; then
        echo "RVFIO-ERR vmm=$1 round=$2 rc=$_rc: $(tr -d '\r' < "$_out" | grep -v '^\[' | tail -n 5 | tr '\n' ' ')"
    fi
    tr -d '\r' < "$_out" | grep '^RVFIO-ERR' | sed "s/^RVFIO-ERR/RVFIO-ERR vmm=$1 round=$2/"
    # ringvmm's own view of the whole run (boot and all six jobs): where
    # the exits went, per disk request and per interrupt.
    if [ "${1%-*}" = ringvmm ]; then
        grep '^{"devices"' "$_out" | tail -n 1 | awk -v r="$2" -v v="$1" '
            function num(k,   s) {
                if (!match($0, "\"" k "\": [0-9]+")) return "?"
                s = substr($0, RSTART, RLENGTH); sub(/.*: /, "", s); return s
            }
            { printf "RVFIO-PROF vmm=%s round=%s requests=%s interrupts=%s suppressed=%s acks_in_kernel=%s notifications=%s vcpu_exits=%s mmio_exits=%s io_exits=%s\n",
                v, r, num("requests"), num("interrupts"), num("interrupts_suppressed"), num("acks_in_kernel"),
                num("notifications"), num("exits"), num("mmio_exits"), num("io_exits") }'
    fi
}

echo "RVFIO-START vmms=$RVF_VMMS round=$RVF_ROUND runtime=$RVF_RUNTIME mem=$RVF_MEM"
for v in $RVF_VMMS; do
    rvf_boot "$v" "$RVF_ROUND"
    echo "RVFIO-VMM-DONE vmm=$v round=$RVF_ROUND"
done
echo "RVFIO-END"
