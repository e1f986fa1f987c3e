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
#   rv.con=hvc                    the console is hvc0 (virtio-console)
#   rv.test=<action> on the kernel command line selects what to do next;
#                                 pfnmap also takes rv.pfn=<guest address>,
#                                 spew rv.spew=<bytes>; idle sleeps for ever;
#                                 vsock runs /rvsock (rvsock.c) both ways.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

# rv.con=hvc (--console virtio, console=hvc0): Debian builds virtio_console
# as a module, so the kernel had no console to give /init. Load it, wait for
# /dev/hvc0, and from then on /dev/console is hvc0 (the kernel's console
# registers with the driver, replaying its log): every action below works
# unchanged on it.
if grep -q 'rv.con=hvc' /proc/cmdline; then
    # The transport modules (virtio_modules below, not defined yet), then the console's.
    for m in virtio_ring virtio virtio_mmio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
        virtio_console; do
        [ -e "/modules/$m.ko" ] && insmod "/modules/$m.ko"
    done
    i=0
    while [ ! -e /dev/hvc0 ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    exec < /dev/console > /dev/console 2>&1
fi

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

# virtio: the modules Debian's kernel builds them as (lib.sh stages them in
# /modules); loaded only by the tests that need them, in dependency order.
virtio_modules() {
    for m in virtio_ring virtio virtio_mmio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci "$@"; do
        # Absent: the kernel has it built in.
        [ -e "/modules/$m.ko" ] || continue
        insmod "/modules/$m.ko" || echo "RINGVMM-L2-ERROR insmod $m failed"
    done
}

# Wait up to 10 s for the device node $1.
wait_dev() {
    i=0
    while [ ! -e "$1" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -e "$1" ]
}

# The guest's side of a network run, one RINGVMM-NETCNT line per source
# (bench/net_bench.sh prints them): the NIC's interrupts, eth0's counters,
# and the TCP counters that tell a stall (timeouts, loss probes) from a
# slow but steady flow.
net_counters() {
    echo "RINGVMM-NETCNT $1 irq $(grep -E 'virtio|LOC' /proc/interrupts | tr -s ' ' | tr '\n' ';')"
    echo "RINGVMM-NETCNT $1 eth0 $(cd /sys/class/net/eth0/statistics &&
        for f in rx_packets tx_packets rx_dropped tx_dropped rx_errors tx_errors; do
            printf '%s=%s ' "$f" "$(cat "$f")"
        done)"
    echo "RINGVMM-NETCNT $1 tcp $(tcp_counters)"
    # user nice system idle iowait irq softirq (USER_HZ): busy or waiting.
    echo "RINGVMM-NETCNT $1 $(head -n 1 /proc/stat)"
}

# Chosen fields of /proc/net/snmp's Tcp and /proc/net/netstat's TcpExt
# (each a header line of names, then a line of values).
tcp_counters() {
    cat /proc/net/snmp /proc/net/netstat | awk '
        /^(Tcp|TcpExt):/ {
            if (!($1 in hdr)) { hdr[$1] = 1; for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
            for (i = 2; i <= NF; i++)
                if (name[$1, i] ~ /^(OutSegs|InSegs|RetransSegs|TCPTimeouts|TCPLossProbes|TCPSpuriousRTOs|TCPFastRetrans|TCPSlowStartRetrans|DelayedACKs|TCPAutoCorking|TCPOFOQueue|TCPRcvQDrop|TCPBacklogDrop)$/)
                    printf "%s=%s ", name[$1, i], $i
        }'
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
    count)
        # The control socket and snapshot tests (scenarios.sh rv_sc_api):
        # a counter on the console every 50 ms, for ever, with the
        # checksum of a file in tmpfs (a restore must keep it) and the
        # uptime (a restore must not move the guest's clock backwards).
        echo 1 > /proc/sys/kernel/printk
        mkdir -p /run/rv
        mount -t tmpfs tmpfs /run/rv
        head -c 65536 /dev/urandom > /run/rv/data
        sum=$(md5sum < /run/rv/data | cut -c1-8)
        # rv.disk=N (the snapshot test, with --disk and --rng): each count
        # also goes to a log on the virtio disk, synced every 10, while a
        # writer keeps fsync'd writes in flight; at N the log must hold
        # 0..N-1, virtio-rng must still give bytes, and the disk is
        # unmounted before the power-off (the host's e2fsck checks it).
        disk=
        # shellcheck disable=SC2013
        for arg in $(cat /proc/cmdline); do
            case "$arg" in
                rv.disk=*) disk=${arg#rv.disk=} ;;
            esac
        done
        if [ -n "$disk" ]; then
            virtio_modules virtio_blk virtio-rng
            wait_dev /dev/vda || echo "RINGVMM-L2-ERROR no /dev/vda"
            mkdir -p /mnt
            mount -t ext4 /dev/vda /mnt || echo "RINGVMM-L2-ERROR mount /dev/vda failed"
            rm -f /mnt/snapcount.log
            (while :; do
                dd if=/dev/zero of=/mnt/snapfill bs=64k count=4 conv=fsync 2> /dev/null
                usleep 20000
            done) &
            writer=$!
        fi
        n=0
        while :; do
            read -r up _ < /proc/uptime
            echo "RINGVMM-COUNT $n $sum $up"
            if [ -n "$disk" ]; then
                echo "$n" >> /mnt/snapcount.log
                [ $((n % 10)) = 9 ] && sync
                if [ $((n + 1)) -ge "$disk" ]; then
                    kill $writer
                    wait $writer 2> /dev/null
                    log=$(awk 'NR - 1 != $1 { bad = 1 } END { print (bad ? "bad" : "ok") " lines=" NR }' /mnt/snapcount.log)
                    rng=$(head -c 64 /dev/hwrng | wc -c)
                    rm -f /mnt/snapfill
                    umount /mnt && u=ok || u=failed
                    echo "RINGVMM-SNAPDISK log=$log rng=$rng umount=$u"
                    off
                fi
            fi
            n=$((n + 1))
            usleep 50000
            [ $((n % 20)) = 0 ] && sum=$(md5sum < /run/rv/data | cut -c1-8)
        done
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
    root)
        # Boot on to the ext4 root on the first virtio-blk disk, the way a
        # distribution's initramfs does: load the drivers, mount, switch.
        virtio_modules virtio_blk
        if ! wait_dev /dev/vda; then
            echo "RINGVMM-L2-ERROR no /dev/vda"
            off
        fi
        echo "RINGVMM-L2-VDA ro=$(cat /sys/block/vda/ro) size=$(cat /sys/block/vda/size) serial=$(cat /sys/block/vda/serial 2> /dev/null)"
        mkdir -p /newroot
        if ! mount -t ext4 -o rw /dev/vda /newroot; then
            echo "RINGVMM-L2-ERROR mount /dev/vda failed"
            off
        fi
        exec switch_root /newroot /sbin/init
        ;;
    diskro)
        # A read-only disk (--disk ...,ro): the kernel sees it read-only,
        # a write that gets past the kernel's check is refused by the
        # device, and the file system still reads.
        virtio_modules virtio_blk
        wait_dev /dev/vda || echo "RINGVMM-L2-ERROR no /dev/vda"
        ro=$(cat /sys/block/vda/ro)
        if dd if=/known.txt of=/dev/vda bs=4096 seek=4000 2> /dev/null; then k=accepted; else k=refused; fi
        # Past the kernel: clear its read-only flag; the fsync reaches the device.
        blockdev --setrw /dev/vda 2> /dev/null
        if dd if=/known.txt of=/dev/vda bs=4096 seek=4000 conv=fsync 2> /dev/null; then d=accepted; else d=refused; fi
        mkdir -p /mnt
        # noload: a journal that needs replaying cannot be replayed read-only.
        if mount -t ext4 -o ro,noload /dev/vda /mnt && cmp -s /mnt/known.txt /known.txt; then m=ok; else m=failed; fi
        echo "RINGVMM-DISKRO ro=$ro kernel_write=$k device_write=$d mount_ro_read=$m"
        umount /mnt 2> /dev/null
        off
        ;;
    pdd)
        # Two vCPUs, two disks, in parallel: 4 MiB of random bytes to each
        # with O_DIRECT, one dd pinned to each CPU, then read back.
        virtio_modules virtio_blk
        wait_dev /dev/vdb || echo "RINGVMM-L2-ERROR no /dev/vdb"
        head -c 4194304 /dev/urandom > /tmp/pat
        sum=$(md5sum < /tmp/pat | cut -c1-32)
        taskset 1 dd if=/tmp/pat of=/dev/vda bs=64k oflag=direct conv=fsync 2> /tmp/dd0 &
        p0=$!
        taskset 2 dd if=/tmp/pat of=/dev/vdb bs=64k oflag=direct conv=fsync 2> /tmp/dd1 &
        p1=$!
        wait $p0 && r0=ok || r0=failed
        wait $p1 && r1=ok || r1=failed
        a=$(head -c 4194304 /dev/vda | md5sum | cut -c1-32)
        b=$(head -c 4194304 /dev/vdb | md5sum | cut -c1-32)
        echo "RINGVMM-PDD sum=$sum dd=$r0,$r1 vda=$a vdb=$b"
        off
        ;;
    vsock)
        # Both directions at once: an echo server on vsock port 6000 that
        # L1 reaches through PATH and "CONNECT 6000" (it waits for the
        # LISTENING line), and 1 MiB to L1's echo server behind PATH_5000
        # and back, 16 times the credit window.
        virtio_modules vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport
        timeout 40 /rvsock vsock-echo 6000 > /tmp/echo.txt 2>&1 &
        echo_pid=$!
        # Only once it listens: L1 connects as soon as it reads this line.
        i=0
        while ! grep -q listening /tmp/echo.txt 2> /dev/null && [ $i -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        echo "RINGVMM-VSOCK-LISTENING"
        echo "RINGVMM-VSOCK-OUT $(timeout 40 /rvsock vsock-send 2 5000 1048576 2>&1 | tail -n 1)"
        wait $echo_pid
        echo "RINGVMM-VSOCK-IN $(tail -n 1 /tmp/echo.txt)"
        off
        ;;
    rng)
        virtio_modules virtio-rng
        wait_dev /dev/hwrng || echo "RINGVMM-L2-ERROR no /dev/hwrng"
        n=$(head -c 64 /dev/hwrng | wc -c)
        echo "RINGVMM-RNG current=$(cat /sys/class/misc/hw_random/rng_current) bytes=$n"
        off
        ;;
    net | netpasst)
        # virtio-net (scenarios virtio_net_tap, virtio_net_passt). eth0 gets
        # rv.ip/24; rv.peer is L1's end of the link (tap) or passt's
        # gateway, which passt maps to L1's own addresses.
        virtio_modules failover net_failover virtio_net
        ip=
        peer=
        mb=64
        token=
        # shellcheck disable=SC2013
        for arg in $(cat /proc/cmdline); do
            case "$arg" in
                rv.ip=*) ip=${arg#rv.ip=} ;;
                rv.peer=*) peer=${arg#rv.peer=} ;;
                rv.mb=*) mb=${arg#rv.mb=} ;;
                rv.token=*) token=${arg#rv.token=} ;;
            esac
        done
        wait_dev /sys/class/net/eth0 || echo "RINGVMM-L2-ERROR no eth0"
        ip link set lo up
        ip addr add "$ip/24" dev eth0
        ip link set eth0 up
        ip route add default via "$peer"
        # The virtio feature bits the driver accepted, bit 0 first.
        echo "RINGVMM-NET-UP mac=$(cat /sys/class/net/eth0/address) features=$(cat /sys/class/net/eth0/device/features)"
        # The queue pairs the driver uses (what `ethtool -l` would say).
        echo "RINGVMM-NET-QUEUES $(ls /sys/class/net/eth0/queues | tr '\n' ' ')"
        # With two: vCPU k transmits on pair k (XPS), whatever the driver set.
        cpus=$(nproc)
        if [ -e /sys/class/net/eth0/queues/tx-1/xps_cpus ]; then
            echo 1 > /sys/class/net/eth0/queues/tx-0/xps_cpus
            echo 2 > /sys/class/net/eth0/queues/tx-1/xps_cpus
        fi
        if [ "$action" = netpasst ]; then
            # One line to L1's server through passt, then wait for the
            # connection to drain before powering off.
            if echo "RINGVMM-PASST-HELLO $token" | nc -w 20 "$peer" 5003; then s=ok; else s=failed; fi
            echo "RINGVMM-NET-PASST $s"
            i=0
            while grep -q ':138B 0[14] ' /proc/net/tcp && [ $i -lt 300 ]; do
                sleep 0.1
                i=$((i + 1))
            done
            off
        fi
        # -A: the next echo as soon as the reply is in, not a second later.
        if ping -c 3 -A -W 5 "$peer" > /tmp/ping 2>&1; then p=ok; else p=failed; fi
        echo "RINGVMM-NET-PING $p"
        # L1 to guest first: listen (stdin a FIFO nobody writes, so that
        # busybox nc does not end at its stdin's EOF), tell L1, wait.
        want=$((mb * 1048576))
        mkfifo /tmp/keep
        sleep 100000 > /tmp/keep &
        nc -l -p 5002 < /tmp/keep > /tmp/rx.bin &
        head -c "$want" /dev/urandom > /tmp/tx.bin
        echo "RINGVMM-NET-TXSUM $(md5sum < /tmp/tx.bin | cut -c1-32)"
        echo "RINGVMM-NET-LISTEN"
        i=0
        while [ "$(wc -c < /tmp/rx.bin)" -lt "$want" ] && [ $i -lt 3000 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        echo "RINGVMM-NET-RXSUM $(md5sum < /tmp/rx.bin | cut -c1-32) bytes=$(wc -c < /tmp/rx.bin)"
        net_counters down
        # Then guest to L1 (L1 listens on 5001 from the start); the
        # connection must drain (no ESTABLISHED or FIN_WAIT1 socket to port
        # 5001 = 0x1389 left) before the power-off cuts it.
        # From the last vCPU: with two pairs, this flow takes pair 1.
        if taskset -c $((cpus - 1)) nc "$peer" 5001 < /tmp/tx.bin; then s=ok; else s=failed; fi
        i=0
        while grep -q ':1389 0[14] ' /proc/net/tcp && [ $i -lt 600 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        # Pair 0 transmits too: the download's ACKs leave from whichever
        # vCPU the scheduler chose, and after a live update mid-transfer
        # the new process may have seen none of them on pair 0.
        [ "$cpus" -gt 1 ] && taskset -c 0 ping -c 2 -A -W 5 "$peer" > /dev/null 2>&1
        net_counters up
        echo "RINGVMM-NET-SENT $s"
        off
        ;;
    iperf)
        # bench/net_bench.sh: eth0 up, then two one-off iperf3 servers (L1
        # runs a client against each), then off. The bench appends iperf3
        # and, for kvmtool's virtio-pci, the PCI drivers to this initramfs.
        virtio_modules virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
            failover net_failover virtio_net
        ip=
        # shellcheck disable=SC2013
        for arg in $(cat /proc/cmdline); do
            case "$arg" in
                rv.ip=*) ip=${arg#rv.ip=} ;;
            esac
        done
        if ! wait_dev /sys/class/net/eth0; then
            echo "RINGVMM-L2-ERROR no eth0"
            off
        fi
        ip addr add "$ip/24" dev eth0
        ip link set eth0 up
        echo "RINGVMM-NET-UP mac=$(cat /sys/class/net/eth0/address)"
        net_counters up
        iperf3 -s -1 > /dev/null 2>&1
        net_counters server1
        iperf3 -s -1 > /dev/null 2>&1
        net_counters server2
        off
        ;;
    *)
        echo "RINGVMM-L2-ERROR unknown rv.test=$action"
        off
        ;;
esac
