#!/bin/sh
# /init of the L2 guest of bench/fio_bench.sh (busybox sh, PID 1: no
# `set -e`). Laid over the test L2 initramfs, with Debian's fio and the
# libraries it loads in /fio. Loads the virtio drivers (virtio-mmio for
# ringvmm and QEMU's microvm, virtio-pci for kvmtool), then runs fio on
# the raw disk /dev/vda, one job after the other, and prints one line each:
#
#   RVFIO job=<name> iops=<n> bw_kib=<KiB/s>
#
# Jobs: 4k random read and write at iodepth 1 and 32, 1M sequential read
# and write at iodepth 8; libaio, O_DIRECT, time-based (rv.fio.runtime=S
# seconds each, 1 s of ramp first). rv.off=reboot ends the VM with a
# keyboard-controller reset (kvmtool gives an x86 guest no ACPI).
# rv.fio.jobs=NAME,NAME runs only those jobs. rv.fio.mark=1 (the exit
# profile of fio_bench_l1.sh) drops the ramp, so that fio counts every
# request the host sees, and brackets each job with
#
#   RVFIO-MARK begin|end <name>
#
# and a second of quiet after each mark, for L1 to read its counters.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2> /dev/null
echo "RINGVMM-L2-INIT"

runtime=5
offhow=poweroff
jobs=
mark=0
# shellcheck disable=SC2013
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        rv.fio.runtime=*) runtime=${arg#rv.fio.runtime=} ;;
        rv.off=*) offhow=${arg#rv.off=} ;;
        rv.fio.jobs=*) jobs=,${arg#rv.fio.jobs=}, ;;
        rv.fio.mark=*) mark=${arg#rv.fio.mark=} ;;
    esac
done

off() {
    timeout 10 stty -F /dev/console "$(stty -F /dev/console -g)" 2> /dev/null
    if [ "$offhow" = reboot ]; then
        reboot -f
    fi
    poweroff -f
    sleep 1000000
}

for m in virtio_ring virtio virtio_mmio virtio_pci_legacy_dev virtio_pci_modern_dev \
    virtio_pci virtio_blk; do
    [ -e "/modules/$m.ko" ] || continue
    grep -q "^$m " /proc/modules || insmod "/modules/$m.ko" 2>> /tmp/insmod.err
done
i=0
while [ ! -e /dev/vda ] && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
if [ ! -e /dev/vda ]; then
    echo "RVFIO-ERR no /dev/vda; modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')$(tr '\n' ' ' < /tmp/insmod.err); PCI:$(cat /sys/bus/pci/devices/*/vendor /sys/bus/pci/devices/*/device 2> /dev/null | tr '\n' ' '); $(dmesg | grep -i -m 5 'pci\|virtio' | tr '\n' ' ')"
    off
fi

# job rw bs iodepth
for job in randread-4k-qd1:randread:4k:1 randread-4k-qd32:randread:4k:32 \
    randwrite-4k-qd1:randwrite:4k:1 randwrite-4k-qd32:randwrite:4k:32 \
    read-1m-qd8:read:1m:8 write-1m-qd8:write:1m:8; do
    IFS=: read -r name rw bs qd << EOF
$job
EOF
    case $jobs in
        '' | *",$name,"*) ;;
        *) continue ;;
    esac
    ramp=1
    if [ "$mark" = 1 ]; then
        ramp=0
        echo "RVFIO-MARK begin $name"
        sleep 1
    fi
    # --minimal: terse version 3, ';'-separated; read total (KiB),
    # bandwidth (KiB/s) and IOPS are fields 6, 7 and 8, write ones 47 to 49.
    line=$(LD_LIBRARY_PATH=/fio/lib /fio/lib/ld-linux-x86-64.so.2 /fio/fio \
        --name="$name" --filename=/dev/vda --rw="$rw" --bs="$bs" --iodepth="$qd" \
        --ioengine=libaio --direct=1 --time_based --runtime="$runtime" --ramp_time="$ramp" \
        --norandommap --randrepeat=0 --minimal 2> /tmp/fio.err)
    if [ "$mark" = 1 ]; then
        echo "RVFIO-MARK end $name"
        sleep 1
    fi
    case $rw in
        *read) f=7 ;;
        *) f=48 ;;
    esac
    read -r iops bw kib << EOF
$(echo "$line" | awk -F';' -v f="$f" '{ print $(f + 1), $f, $(f - 1) }')
EOF
    if [ -n "$iops" ]; then
        echo "RVFIO job=$name iops=$iops bw_kib=$bw io_kib=$kib"
    else
        echo "RVFIO-ERR job=$name $(head -c 300 /tmp/fio.err | tr '\n' ' ')"
    fi
done
echo "RVFIO-DONE"
off
