# shellcheck shell=sh
# L1 side of bench/boot_race.sh (busybox sh inside the nested test host),
# appended after boot_bench_l1.sh (rvb_measure, RVBENCH lines). Every round
# boots the same L2 kernel and initramfs once with each VMM, the order
# rotating from round to round so that no VMM always runs first or last;
# then each VMM starts and ends an empty VM once (RVEMPTY lines).
#
# The VMMs (labels as in the results), x86 (RVR_ARCH=x86):
#   ringvmm-bz   ringvmm, bzImage                  ringvmm-elf  ringvmm, ELF vmlinux
#   kvmtool      lkvm run, bzImage (no network)    qemu-bz      QEMU -M microvm, bzImage (qboot)
#   qemu-pvh     QEMU -M microvm, vmlinux through its PVH entry
# arm64 (RVR_ARCH=arm64): ringvmm and kvmtool, each booting the raw Image.
# Each gets 1 vCPU and RVB_MEM of RAM, a 16550 console on its stdout, the
# same command line (kvmtool and QEMU add their own parts) and, for QEMU,
# `rtc=on`: without a CMOS RTC the guest's rtc_cmos probe waits ~5 s.
# kvmtool gives an x86 guest no ACPI, so there the guest ends with a
# keyboard-controller reset (rv.off=reboot) instead of a power-off.
#
# Empty VM: the VMM creates a VM with RVB_MEM of RAM and a guest whose first
# instructions end it, and exits: ringvmm with /peers/off.elf (long mode:
# ACPI power-off) or on arm64 /peers/off.Image, kvmtool with /peers/reset.bin (real mode: out 0xfe to
# port 0x64), QEMU with /peers/fw-exit.bin as firmware (out to an
# isa-debug-exit port at the reset vector); on arm64 kvmtool runs
# /peers/off.Image, an Image whose code calls PSCI SYSTEM_OFF.

RVR_CMDLINE="console=ttyS0 quiet rv.test=uptime"
RVR_MEM_MB=$((RVB_MEM_KB / 1024))

# rvr_boot LABEL RUN: one boot of the L2 guest by VMM LABEL.
rvr_boot() {
    case $1 in
        ringvmm-bz) rvb_measure "$1" "$2" /ringvmm run --kernel /l2/bzImage \
            --initrd /l2/initrd.cpio.gz --cmdline-replace "$RVR_CMDLINE" --mem "$RVB_MEM" ;;
        ringvmm-elf) rvb_measure "$1" "$2" /ringvmm run --kernel /l2/vmlinux \
            --initrd /l2/initrd.cpio.gz --cmdline-replace "$RVR_CMDLINE" --mem "$RVB_MEM" ;;
        kvmtool) rvb_measure "$1" "$2" /peers/lkvm run --nodefaults -n mode=none \
            -k /l2/bzImage -i /l2/initrd.cpio.gz -p "$RVR_CMDLINE rv.off=reboot" \
            -m "$RVR_MEM_MB" -c 1 ;;
        qemu-bz) rvb_measure "$1" "$2" rvr_qemu -kernel /l2/bzImage \
            -initrd /l2/initrd.cpio.gz -append "$RVR_CMDLINE" ;;
        qemu-pvh) rvb_measure "$1" "$2" rvr_qemu -kernel /l2/vmlinux \
            -initrd /l2/initrd.cpio.gz -append "$RVR_CMDLINE" ;;
        ringvmm-a64) rvb_measure "$1" "$2" /ringvmm run --kernel /l2/Image \
            --initrd /l2/initrd.cpio.gz --cmdline-replace "$RVR_CMDLINE" --mem "$RVB_MEM" ;;
        kvmtool-a64) rvb_measure "$1" "$2" /peers/lkvm run --nodefaults -n mode=none \
            -k /l2/Image -i /l2/initrd.cpio.gz -p "$RVR_CMDLINE" -m "$RVR_MEM_MB" -c 1 ;;
    esac
}

# rvr_empty LABEL RUN: start and end an empty VM; one RVEMPTY line. The
# two instants are stamped by `ts` (busybox date has no sub-second format).
rvr_empty() {
    {
        echo START
        case $1 in
            ringvmm) /ringvmm run --kernel /peers/off.elf --mem "$RVB_MEM" ;;
            ringvmm-a64) /ringvmm run --kernel /peers/off.Image --mem "$RVB_MEM" ;;
            kvmtool) /peers/lkvm run --nodefaults -n mode=none -k /peers/reset.bin \
                -m "$RVR_MEM_MB" -c 1 ;;
            kvmtool-a64) /peers/lkvm run --nodefaults -n mode=none -k /peers/off.Image \
                -m "$RVR_MEM_MB" -c 1 ;;
            qemu) rvr_qemu -bios /peers/fw-exit.bin -device isa-debug-exit,iobase=0xf4,iosize=1 ;;
        esac < /dev/null > "/tmp/empty.$1.$2.out" 2>&1
        echo "END $?"
    } | ts '%s %.S' | awk -v vmm="$1" -v i="$2" "$rvb_stamp"'
        $3 == "START" { a = t($1, $2) }
        $3 == "END" { b = t($1, $2); rc = $4 }
        END { printf "RVEMPTY vmm=%s run=%d rc=%d secs=%.4f\n", vmm, i, rc, b - a }'
}

# `sh -c ... exec "$0"` in rvb_measure cannot exec a shell function:
# wrap QEMU in a script.
printf '#!/bin/sh\nexec /usr/bin/qemu-system-x86_64 -M microvm,rtc=on -accel kvm -cpu host -smp 1 -m %s -nodefaults -no-user-config -nographic -serial stdio -no-reboot "$@"\n' \
    "$RVR_MEM_MB" > /bin/rvr_qemu
chmod 755 /bin/rvr_qemu

if [ "${RVR_ARCH:-x86}" = arm64 ]; then
    set -- ringvmm-a64 kvmtool-a64
    RVR_EMPTY="ringvmm-a64 kvmtool-a64"
else
    set -- ringvmm-bz ringvmm-elf kvmtool qemu-bz qemu-pvh
    RVR_EMPTY="ringvmm kvmtool qemu"
fi
echo "RVRACE vmms=$* runs=$RVB_RUNS mem=$RVB_MEM"
r=1
while [ "$r" -le "$RVB_RUNS" ]; do
    echo "RVRUN race round $r"
    for v in "$@"; do rvr_boot "$v" "$r"; done
    # The empty VMs take turns too: the first one after the round's last
    # boot runs while L1 may still be reclaiming that guest's memory, and
    # a fixed order would always charge that to the same VMM.
    for v in $RVR_EMPTY; do rvr_empty "$v" "$r"; done
    RVR_EMPTY="${RVR_EMPTY#* } ${RVR_EMPTY%% *}"
    # Rotate: the first VMM of this round is the last of the next.
    _first=$1
    shift
    set -- "$@" "$_first"
    r=$((r + 1))
done
