#!/bin/sh
# /init of the L1 guest: the Debian cloud kernel running under QEMU TCG with
# emulated SVM. It turns that kernel into a KVM host and hands over to the
# caller's scenario (/scenario.sh), which runs ringvmm against /dev/kvm.
#
# Busybox sh, no `set -e`: this is PID 1; whatever goes wrong must still end
# in RINGVMM-L1-DONE and a power-off so that QEMU exits promptly instead of
# running into the host-side timeout.
#
# Lines for the host side (tests/boot/lib.sh greps the QEMU log):
#   RINGVMM-L1-INIT uptime=<s>   /init started (L1 boot time)
#   RINGVMM-L1-KVM ok            modules loaded, /dev/kvm present
#   RINGVMM-L1-ERROR <what>      something the scenario could not even start on
#   RINGVMM-L1-DONE              scenario finished (exactly this line)

export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp

read -r up _ < /proc/uptime
echo "RINGVMM-L1-INIT uptime=$up"

# Re-applying the current tty settings is a tcdrain() (busybox stty uses
# TCSADRAIN), so the last lines are out before the power-off.
drain() {
    timeout 10 stty -F /dev/console "$(stty -F /dev/console -g)" 2>/dev/null
}

kvm_ok=1
# Order matters: kvm needs irqbypass' symbols, kvm-amd needs kvm's.
for m in irqbypass kvm kvm-amd; do
    if ! insmod "/modules/$m.ko"; then
        echo "RINGVMM-L1-ERROR insmod $m failed"
        kvm_ok=0
    fi
done

# L1's own virtio disk (the virtio_blk tests use it): best effort, the
# tests that need /dev/vda say so when it is missing.
if [ -e /modules/optional.list ]; then
    while read -r m; do
        insmod "/modules/$m.ko" 2> /dev/null
    done < /modules/optional.list
fi

if [ "$kvm_ok" = 1 ] && [ -c /dev/kvm ]; then
    read -r up _ < /proc/uptime
    echo "RINGVMM-L1-KVM ok uptime=$up"
    # A scenario gets its own shell: an `exit` or a syntax error in it must
    # not take down PID 1.
    sh /scenario.sh
    echo "RINGVMM-L1-SCENARIO rc=$?"
else
    echo "RINGVMM-L1-ERROR no /dev/kvm"
    dmesg | tail -n 30
fi

read -r up _ < /proc/uptime
echo "RINGVMM-L1-END uptime=$up"
echo "RINGVMM-L1-DONE"
drain
poweroff -f
