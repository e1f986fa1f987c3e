#!/bin/sh
# /init of the L2 guest (the Linux that ringvmm boots inside the nested test
# host). Busybox sh, no `set -e`: this is PID 1, and if it exits the kernel
# panics, which would look like a VMM failure.
#
# Protocol with the checker in L1 (tests/boot/scenarios.sh):
#   RINGVMM-L2-INIT               printed as early as possible, twice: through
#                                 the tty (proves the UART's interrupt-driven
#                                 output path) and through /dev/kmsg (proves
#                                 the polled printk console even if the tty
#                                 path is broken)
#   rv.test=<action> on the kernel command line selects what to do next;
#                                 pfnmap also takes rv.pfn=<guest address>,
#                                 spew rv.spew=<bytes>; idle sleeps for ever.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

echo "RINGVMM-L2-INIT" > /dev/console
# With `quiet`, only high-priority messages reach the console.
echo "<2>RINGVMM-L2-INIT" > /dev/kmsg

# Block until everything written to the console has left the UART. busybox
# stty applies settings with tcsetattr(TCSADRAIN), so re-applying the current
# settings is a tcdrain(). Without this, `poweroff -f` can cut off the last
# lines still sitting in the tty buffer.
drain() {
    # Bounded, so a UART that never drains shows up as a message, not a hang.
    timeout 10 stty -F /dev/console "$(stty -F /dev/console -g)" 2>/dev/null ||
        echo "<2>RINGVMM-L2-ERROR console did not drain" > /dev/kmsg
}

off() {
    drain
    # rv.off=reboot: for a VMM that a power-off does not end (kvmtool on
    # x86 gives the guest no ACPI; a keyboard-controller reset ends it).
    if [ "$offhow" = reboot ]; then
        reboot -f
    fi
    poweroff -f
    # Only reached if the power-off request did not stop the VM.
    echo "RINGVMM-L2-ERROR poweroff -f returned"
    sleep 1000000
}

action=poweroff
offhow=poweroff
# The command line is one line of blank-separated words.
# shellcheck disable=SC2013
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        rv.test=*) action=${arg#rv.test=} ;;
        rv.off=*) offhow=${arg#rv.off=} ;;
    esac
done

case "$action" in
    poweroff)
        off
        ;;
    reboot)
        drain
        reboot -f
        echo "RINGVMM-L2-ERROR reboot -f returned"
        sleep 1000000
        ;;
    cpus)
        echo "RINGVMM-CPUS $(grep -c '^processor' /proc/cpuinfo)"
        off
        ;;
    console)
        # Keep kernel messages from interleaving with the known text.
        echo 1 > /proc/sys/kernel/printk
        # Without -opost the tty would turn every \n into \r\n; the checker
        # compares byte for byte.
        stty -F /dev/console -opost
        echo "RINGVMM-CONSOLE-BEGIN"
        cat /known.txt
        echo "RINGVMM-CONSOLE-END"
        off
        ;;
    uptime)
        read -r up _ < /proc/uptime
        echo "RINGVMM-UPTIME $up"
        off
        ;;
    idle)
        # bench/idle_wakeups_nested.sh: an idle guest, for ever (L1 stops
        # ringvmm with SIGTERM). Nothing runs: the vCPU halts in KVM.
        echo "RINGVMM-IDLE"
        while :; do sleep 3600; done
        ;;
    spew)
        # The console benchmark (bench/console_bench.sh): rv.spew=N bytes
        # (a multiple of 64) of 64-byte lines through the tty and the UART,
        # between two markers, output post-processing off so that L1 can
        # check them byte for byte against the same `yes | head -c N`.
        n=0
        # shellcheck disable=SC2013
        for arg in $(cat /proc/cmdline); do
            case "$arg" in
                rv.spew=*) n=${arg#rv.spew=} ;;
            esac
        done
        # The text is made first and then copied: the time between the
        # markers is the tty and the UART's, not `yes`'s.
        yes "ringvmm console benchmark: 64-byte lines through the 8250 UART." |
            head -c "$n" > /tmp/spew.txt
        echo 1 > /proc/sys/kernel/printk
        stty -F /dev/console -opost
        echo "RINGVMM-SPEW-BEGIN"
        cat /tmp/spew.txt
        echo "RINGVMM-SPEW-END"
        off
        ;;
    pfnmap)
        # A --passthrough slot at rv.pfn=ADDR (device memory: in no e820
        # entry, so /dev/mem lets us at it; /rvmem maps it, since read()
        # and write() of /dev/mem stop at the end of RAM). Print the line
        # the host seeded at its start, then write /known.txt at +4 KiB,
        # read it back and compare (rvmem prints "ok 8192").
        addr=
        # shellcheck disable=SC2013
        for arg in $(cat /proc/cmdline); do
            case "$arg" in
                rv.pfn=*) addr=${arg#rv.pfn=} ;;
            esac
        done
        echo "RINGVMM-PFNMAP-SEED $(/rvmem read "$addr" 64 | head -n 1)"
        echo "RINGVMM-PFNMAP-WROTE $(/rvmem write $((addr + 4096)) /known.txt 2>&1)"
        off
        ;;
    *)
        echo "RINGVMM-L2-ERROR unknown rv.test=$action"
        off
        ;;
esac
