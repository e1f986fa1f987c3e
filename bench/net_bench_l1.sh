# shellcheck shell=sh
# L1 side of bench/net_bench.sh (busybox sh inside the nested test host).
# Every round boots the L2 guest (l2-init.sh rv.test=iperf: eth0 up, then
# two one-off iperf3 servers) once with each VMM, the order rotating from
# round to round, each on a tap of its own in L1's namespace (rvn-<label>,
# which the VMM creates and which goes when it exits). L1 runs the iperf3 clients: -R first
# (guest to L1), then L1 to guest, and prints per boot
#   RVNET vmm=<label> run=<n> up=<Mbit/s> down=<Mbit/s>
# (receiver side, "none" when a run failed). kvmtool gives an x86 guest no
# ACPI: that guest ends with a keyboard-controller reset (rv.off=reboot),
# and finds its PCI bus by conf1 (pci=conf1, which --nodefaults drops from
# kvmtool's own command line).

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
RVN_MB=$(($(echo "$RVN_MEM" | tr -d 'M')))
RVN_CMD="console=ttyS0 quiet rv.test=iperf rv.ip=10.77.0.2 rv.peer=10.77.0.1"
RVN_INITRD=/peers/net-initrd.cpio

# rvn_vmm LABEL: start VMM LABEL with the guest, in the background.
rvn_vmm() {
    case $1 in
        ringvmm | ringvmm2) "$([ "$1" = ringvmm ] && echo /ringvmm || echo /peers/ringvmm2)" \
            run --kernel /l2/bzImage --initrd "$RVN_INITRD" \
            --cmdline-replace "$RVN_CMD" --mem "$RVN_MEM" -n "tap=rvn-$1" --stats ;;
        kvmtool) /peers/lkvm run --nodefaults -n mode=tap,tapif=rvn-kvmtool,script=none \
            -k /l2/bzImage -i "$RVN_INITRD" -p "$RVN_CMD rv.off=reboot pci=conf1" -m "$RVN_MB" -c 1 ;;
        qemu) /usr/bin/qemu-system-x86_64 -M microvm,rtc=on -accel kvm -cpu host -smp 1 \
            -m "$RVN_MB" -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
            -kernel /l2/bzImage -initrd "$RVN_INITRD" -append "$RVN_CMD" \
            -netdev tap,id=n0,ifname=rvn-qemu,script=no,downscript=no,vhost=off \
            -device virtio-net-device,netdev=n0 ;;
    esac
}

# rvn_mbps FILE: the receiver's Mbit/s in iperf3's report, or none.
rvn_mbps() {
    awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1) }
        END { print v == "" ? "none" : v }' "$1"
}

# rvn_tcp: chosen counters of L1's TCP (/proc/net/snmp's Tcp,
# /proc/net/netstat's TcpExt), to tell a stalled flow (timeouts, loss
# probes) from a slow but steady one; the guest prints the same
# (l2-init.sh, RINGVMM-NETCNT).
rvn_tcp() {
    cat /proc/net/snmp /proc/net/netstat | awk '
        /^(Tcp|TcpExt):/ {
            if (!($1 in hdr)) { hdr[$1] = 1; for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
            for (i = 2; i <= NF; i++)
                if (name[$1, i] ~ /^(OutSegs|InSegs|RetransSegs|TCPTimeouts|TCPLossProbes|DelayedACKs|TCPOFOQueue|TCPRcvQDrop|TCPBacklogDrop)$/)
                    printf "%s=%s ", name[$1, i], $i
        }'
}

# rvn_vmstat: L1's memory events: huge pages given or refused at a
# fault, and the direct compaction and reclaim a faulting thread waited in.
rvn_vmstat() {
    grep -E '^(thp_fault_alloc|thp_fault_fallback|compact_stall|compact_fail|compact_success|allocstall_normal|allocstall_movable|pgmajfault|nr_free_pages) ' /proc/vmstat | tr ' \n' '= '
    printf 'thp=%s defrag=%s' "$(cat /sys/kernel/mm/transparent_hugepage/enabled)" "$(cat /sys/kernel/mm/transparent_hugepage/defrag)"
}

# rvn_diag LABEL RUN: what explains the figures, prefixed for the log:
# the guest's counters, the tap's, L1's TCP before and after, iperf3's
# per-second receiver rates guest to L1, and ringvmm's --stats.
rvn_diag() {
    _p="RVNET-DIAG $1 run=$2"
    grep -a RINGVMM-NETCNT "$_o.out" | sed "s/^/$_p guest /"
    echo "$_p L1-tcp-before $_tcp0"
    echo "$_p L1-tcp-after $(rvn_tcp)"
    echo "$_p tap $_tapst"
    echo "$_p L1-vmstat-before $_vm0"
    echo "$_p L1-vmstat-after $_vm1"
    echo "$_p L1-cpu-before $_cpu0"
    echo "$_p L1-cpu-after $_cpu1"
    echo "$_p threads $_thr"
    grep -a 'sec.*bits/sec' "$_o.up" 2> /dev/null | tr -s ' ' | sed "s/^/$_p up /"
    # ringvmm --stats: the NIC's rows of the table (the device's name on its first row only).
    [ "${1%2}" = ringvmm ] && awk '{ d = substr($0, 3, 14); gsub(/ /, "", d); if (d != "") cur = d }
        cur ~ /^virtio-net/ { $1 = $1; print }' "$_o.err" | sed "s/^/$_p stats /"
    return 0
}

# rvn_wait COMMAND SECONDS: until COMMAND succeeds, a line every 20 s so
# that the host's session watch sees L1 alive.
rvn_wait() {
    _w=0
    while ! $1 > /dev/null 2>&1 && [ $_w -lt $(($2 * 10)) ]; do
        [ $((_w % 200)) = 199 ] && echo "RVWAIT net $((_w / 10))s: $1"
        sleep 0.1
        _w=$((_w + 1))
    done
}

# rvn_iperf OUT ARGS...: one iperf3 client run against the guest, retried
# while the guest's next one-off server is not listening yet.
rvn_iperf() {
    _f=$1
    shift
    _k=0
    while :; do
        timeout $((RVN_SECS + 30)) iperf3 -c 10.77.0.2 -t "$RVN_SECS" -f m "$@" > "$_f" 2>&1
        grep -q 'unable to connect' "$_f" && [ $_k -lt 20 ] || break
        sleep 0.5
        _k=$((_k + 1))
    done
}

# rvn_one LABEL RUN: one boot, both directions, one RVNET line.
rvn_one() {
    _o=/tmp/net.$1.$2
    echo "RVRUN net $1 round $2"
    rvn_vmm "$1" < /dev/null > "$_o.out" 2> "$_o.err" &
    _pid=$!
    _tap=rvn-$1
    rvn_wait "ip link show $_tap" 30
    ip addr add 10.77.0.1/24 dev "$_tap"
    ip link set "$_tap" up
    rvn_wait "grep -q RINGVMM-NET-UP $_o.out" 90
    _up=none
    _down=none
    _tcp0=$(rvn_tcp)
    _cpu0=$(head -n 1 /proc/stat)
    _vm0=$(rvn_vmstat)
    if grep -q RINGVMM-NET-UP "$_o.out"; then
        rvn_iperf "$_o.up" -R
        _up=$(rvn_mbps "$_o.up")
        echo "RVRUN net $1 up $_up"
        rvn_iperf "$_o.down"
        _down=$(rvn_mbps "$_o.down")
        _cpu1=$(head -n 1 /proc/stat)
        _vm1=$(rvn_vmstat)
        # Where L1's one CPU went: the VMM's threads (utime stime, in ticks).
        _thr=$(for t in $(pidof ringvmm ringvmm2 lkvm qemu-system-x86_64 | sed 's|[0-9]*|/proc/&/task/*|g'); do
            sed 's/^[0-9]* //' "$t/stat" | awk '{ printf "%s:%s+%s ", $1, $13, $14 }'
        done)
        # L1's side of the tap: its rx is the guest's tx.
        _tapst=$(cd "/sys/class/net/$_tap/statistics" 2> /dev/null &&
            for f in rx_packets tx_packets rx_dropped tx_dropped; do printf '%s=%s ' "$f" "$(cat "$f")"; done)
    else
        echo "RVNET-ERR $1 run $2: the guest did not bring eth0 up"
    fi
    if [ "$_up" = none ] || [ "$_down" = none ]; then
        tail -n 5 "$_o.out" "$_o.err" "$_o.up" "$_o.down" 2> /dev/null |
            sed "s/^/RVNET-ERR $1 | /"
    fi
    # The guest powers off after its second iperf3 server; not waiting for ever.
    rvn_wait "rvn_gone $_pid" 30
    kill $_pid 2> /dev/null
    wait $_pid 2> /dev/null
    # A tap left behind (a VMM that made it persistent) must not keep the route.
    ip link del "$_tap" 2> /dev/null
    rvn_diag "$1" "$2"
    echo "RVNET vmm=$1 run=$2 up=$_up down=$_down"
}

rvn_gone() { ! kill -0 "$1"; }

# shellcheck disable=SC2086 # RVN_VMMS: a list of words
set -- ${RVN_VMMS:-ringvmm kvmtool qemu}
r=1
while [ "$r" -le "$RVN_RUNS" ]; do
    for v in "$@"; do rvn_one "$v" "$r"; done
    _first=$1
    shift
    set -- "$@" "$_first"
    r=$((r + 1))
done
