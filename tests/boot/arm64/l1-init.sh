#!/bin/sh
# /init of the arm64 L1 guest: Debian's arm64 cloud kernel under QEMU TCG
# (-M virt,virtualization=on), booted at EL2, where KVM is built in (no
# modules to load). It hands over to /scenario.sh, which runs the static
# arm64 ringvmm against /dev/kvm.
#
# Busybox sh, no `set -e`: this is PID 1; whatever goes wrong must still end
# in RINGVMM-L1-DONE and a power-off so that QEMU exits promptly.
#
# Lines for the host side (tests/boot/arm64/lib.sh greps the QEMU log), the
# same protocol as the x86 L1 (tests/boot/l1-init.sh):
#   RINGVMM-L1-INIT uptime=<s>   /init started (L1 boot time)
#   RINGVMM-L1-KVM ok            /dev/kvm present
#   RINGVMM-L1-ERROR <what>      something the scenario could not even start on
#   RINGVMM-L1-DONE              scenario finished (exactly this line)

export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp

read -r up _ < /proc/uptime
echo "RINGVMM-L1-INIT uptime=$up"

drain() {
    timeout 10 stty -F /dev/console "$(stty -F /dev/console -g)" 2>/dev/null
}

# What KVM said about itself at boot: VHE or nVHE, vGIC, IPA size.
dmesg | grep -i 'kvm' | sed 's/^/RINGVMM-L1-KVMLOG /' | head -n 12

# The tap of a64_virtio_net and the dummy interface of a64_virtio_net_passt;
# best effort: those tests say when one is missing.
[ -e /modules/tun.ko ] && insmod /modules/tun.ko 2> /dev/null
[ -e /modules/dummy.ko ] && insmod /modules/dummy.ko 2> /dev/null

if [ -c /dev/kvm ]; then
    read -r up _ < /proc/uptime
    echo "RINGVMM-L1-KVM ok uptime=$up"
    sh /scenario.sh
    echo "RINGVMM-L1-SCENARIO rc=$?"
else
    echo "RINGVMM-L1-ERROR no /dev/kvm (is the kernel at EL2? -M virt,virtualization=on)"
    dmesg | tail -n 30
fi

read -r up _ < /proc/uptime
echo "RINGVMM-L1-END uptime=$up"
echo "RINGVMM-L1-DONE"
drain
poweroff -f
