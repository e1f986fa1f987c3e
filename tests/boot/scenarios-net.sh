# shellcheck shell=sh
# shellcheck disable=SC2086 # $RV_NS and $_nsr are command prefixes, split on purpose
# L1-side scenarios of the virtio-net tests (busybox sh in the nested test
# host), concatenated after scenarios.sh by lib.sh's rv_boot_scenario: they
# use its rv_now, rv_since, rv_rc_problem, rv_report, rv_stat and
# rv_params. The guest's side is l2-init.sh's rv.test=net / netpasst.
#
# Each test runs in a network namespace of its own (busybox `unshare -n`
# holding it open, `nsenter -n` for every command in it), so nothing it
# sets up touches L1's own network.

# rv_net_ns: a new network namespace with lo up; sets RV_NS (the command
# prefix that enters it) and RV_NS_PID.
rv_net_ns() {
    unshare -n sleep 100000 &
    RV_NS_PID=$!
    RV_NS="nsenter -t $RV_NS_PID -n"
    _i=0
    # unshare runs before it execs sleep: wait until the namespace differs.
    while [ "$(readlink /proc/$RV_NS_PID/ns/net)" = "$(readlink /proc/self/ns/net)" ] &&
        [ $_i -lt 50 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    $RV_NS ip link set lo up
}

# rv_net_wait NAME PATTERN SECONDS: wait for PATTERN in the guest's output
# (NAME.out), printing a line every 20 s so the host's session watch sees
# L1 alive. Fails when it times out or ringvmm ($_pid) ended.
rv_net_wait() {
    _w=0
    while ! grep -q "$2" "$RV_OUT/$1.out"; do
        kill -0 "$_pid" 2> /dev/null || return 1
        [ "$_w" -ge $(($3 * 10)) ] && return 1
        [ $((_w % 200)) = 199 ] && echo "RVWAIT $1 $2 $((_w / 10))s"
        sleep 0.1
        _w=$((_w + 1))
    done
}

# rv_net_sum NAME KEY: the value after KEY in the guest's output.
rv_net_sum() {
    sed -n "s/.*$2 \([0-9a-f]*\).*/\1/p" "$RV_OUT/$1.out" | head -n 1
}

# virtio-net on a tap that ringvmm creates (--net tap=rvtap0), L1 root:
# L1 and the guest ping each other, then MB MiB go L1 to guest and MB MiB
# guest to L1 over TCP (busybox nc), each side comparing MD5 sums with the
# other. Offloads pass through the tap (the guest's features are printed),
# and the device must have dropped nothing. With CPUS > 1 (default 1) the
# tap has one queue pair per vCPU (VIRTIO_NET_F_MQ): the guest must show
# rx-0 rx-1 tx-0 tx-1 in /sys/class/net/eth0/queues, and each pair must
# have carried packets both ways (the guest sends from vCPU 1, so that
# flow leaves by pair 1 and tun steers its answers back there; the
# download is answered from vCPU 0's pair).
# rv_check_net_tap NAME KERNEL INITRD MB [CPUS]
rv_check_net_tap() {
    _n=$1
    _mb=$4
    _cpus=${5:-1}
    _to=400
    _upd_note=
    : > "$RV_OUT/$_n.out"
    : > "$RV_OUT/$_n.err"
    if [ ! -c /dev/net/tun ]; then
        RV_RC=- RV_SECS=0
        rv_report $_n "no /dev/net/tun in L1 (the tun module did not load);"
        return
    fi
    rv_net_ns
    echo "RVRUN $_n"
    _t0=$(rv_now)
    # L1's receiver for the guest's bytes, listening before the guest
    # boots; its stdin is a FIFO nobody writes (busybox nc ends at EOF).
    rm -f /tmp/net_keep
    mkfifo /tmp/net_keep
    sleep 100000 > /tmp/net_keep &
    _keep=$!
    $RV_NS nc -l -p 5001 < /tmp/net_keep > /tmp/net_rx.bin &
    head -c $((_mb * 1048576)) /dev/urandom > /tmp/net_tx.bin
    _l1sum=$(md5sum < /tmp/net_tx.bin | cut -c1-32)
    # With RV_NET_UPDATE: what a live update needs, and its control socket.
    _us=/tmp/rv-net.sock
    _ua=
    if [ -n "${RV_NET_UPDATE:-}" ]; then
        rm -f $_us
        _ua="--mem-backend memfd --api $_us"
    fi
    # shellcheck disable=SC2086 # _ua: words
    timeout -k 5 $_to $RV_NS "$RV_VMM" run --kernel "$2" --initrd "$3" \
        -p "$(rv_params net) rv.ip=10.77.0.2 rv.peer=10.77.0.1 rv.mb=$_mb" --mem 512M \
        --cpus "$_cpus" -n tap=rvtap0 --stats=json $_ua < /dev/null > "$RV_OUT/$_n.out" 2> "$RV_OUT/$_n.err" &
    _pid=$!
    _p=
    # L1's end of the link, once ringvmm has created the tap.
    _i=0
    while ! $RV_NS ip link show rvtap0 > /dev/null 2>&1 && [ $_i -lt 200 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    $RV_NS ip addr add 10.77.0.1/24 dev rvtap0 || _p="$_p no tap rvtap0 in the namespace;"
    $RV_NS ip link set rvtap0 up
    _l1ping=failed
    if rv_net_wait $_n RINGVMM-NET-UP 90; then
        $RV_NS ping -c 3 -A -W 5 10.77.0.2 > "$RV_OUT/$_n.ping" 2>&1 && _l1ping=ok
    fi
    echo "RVRUN $_n l1-ping $_l1ping"
    _down=-
    if rv_net_wait $_n RINGVMM-NET-LISTEN 120; then
        _t1=$(rv_now)
        # In the background: the loop below keeps L1's console alive.
        $RV_NS nc 10.77.0.2 5002 < /tmp/net_tx.bin &
        _nc=$!
        [ -n "${RV_NET_UPDATE:-}" ] && rv_net_update_step
        _w=0
        while kill -0 $_nc 2> /dev/null && [ $_w -lt 3000 ]; do
            [ $((_w % 200)) = 199 ] && echo "RVWAIT $_n sending $((_w / 10))s"
            sleep 0.1
            _w=$((_w + 1))
        done
        wait $_nc || _p="$_p L1's nc to the guest failed;"
        rv_net_wait $_n RINGVMM-NET-RXSUM 150
        _down=$(rv_since "$_t1")
        echo "RVRUN $_n down ${_down}s"
    fi
    _t2=$(rv_now)
    rv_net_wait $_n RINGVMM-NET-SENT 150
    _up=$(rv_since "$_t2")
    wait $_pid
    RV_RC=$?
    RV_SECS=$(rv_since "$_t0")
    kill $_keep $RV_NS_PID 2> /dev/null
    # Judged against this run's own timeout, not RV_RUN_TIMEOUT's.
    _rt=$RV_RUN_TIMEOUT
    RV_RUN_TIMEOUT=$_to
    _p="$_p$(rv_rc_problem)"
    RV_RUN_TIMEOUT=$_rt
    _o=$RV_OUT/$_n.out
    grep -q 'RINGVMM-NET-PING ok' "$_o" || _p="$_p the guest's ping of L1 failed;"
    [ $_l1ping = ok ] || _p="$_p L1's ping of the guest failed;"
    _gsum=$(rv_net_sum $_n RINGVMM-NET-RXSUM)
    [ "$_gsum" = "$_l1sum" ] || _p="$_p L1 to guest: guest got ${_gsum:-nothing}, sent $_l1sum;"
    _gtx=$(rv_net_sum $_n RINGVMM-NET-TXSUM)
    _l1rx=$(md5sum < /tmp/net_rx.bin | cut -c1-32)
    [ -n "$_gtx" ] && [ "$_gtx" = "$_l1rx" ] ||
        _p="$_p guest to L1: L1 got $_l1rx ($(wc -c < /tmp/net_rx.bin) bytes), guest sent ${_gtx:-nothing};"
    _feat=$(sed -n 's/.*RINGVMM-NET-UP .*features=\([01]*\).*/\1/p' "$_o" | head -n 1)
    # Bits 0, 1, 7, 8, 11, 12, 15: CSUM, GUEST_CSUM, GUEST_TSO4/6, HOST_TSO4/6, MRG_RXBUF.
    [ "$(echo "$_feat" | cut -c1,2,8,9,12,13,16)" = 1111111 ] ||
        _p="$_p the guest did not negotiate the offloads and MRG_RXBUF (features=$_feat);"
    _mq=
    if [ "$_cpus" -gt 1 ]; then
        # Bits 17 and 22: CTRL_VQ, MQ; then one pair per vCPU in use.
        [ "$(echo "$_feat" | cut -c18,23)" = 11 ] ||
            _p="$_p the guest did not negotiate CTRL_VQ and MQ (features=$_feat);"
        _qs=$(sed -n 's/.*RINGVMM-NET-QUEUES \(.*\)/\1/p' "$_o" | head -n 1 | tr -d '\r')
        [ "$_qs" = "rx-0 rx-1 tx-0 tx-1 " ] ||
            _p="$_p the guest's eth0 queues are '${_qs:-none}', expected rx-0 rx-1 tx-0 tx-1;"
        for _k in 0 1; do
            for _d in rx tx; do
                _v=$(rv_stat $_n virtio-net0 q${_k}_${_d}_packets)
                _mq="$_mq q${_k}_$_d=${_v:-?}"
                [ "${_v:-0}" -gt 0 ] || _p="$_p pair $_k carried no $_d packet (q${_k}_${_d}_packets=${_v:-none});"
            done
        done
        _mq=" queues:$_mq ctrl_ok=$(rv_stat $_n virtio-net0 ctrl_ok);"
    fi
    _rxp=$(rv_stat $_n virtio-net0 rx_packets)
    _txp=$(rv_stat $_n virtio-net0 tx_packets)
    _rxd=$(rv_stat $_n virtio-net0 rx_dropped)
    _txd=$(rv_stat $_n virtio-net0 tx_dropped)
    _irq=$(rv_stat $_n virtio-net0 interrupts)
    # x86's virtio-mmio line is edge-triggered, its used-buffer ACKs counted
    # by KVM without an exit (docs/devices.md). The level line it replaced
    # cost an ISR read, an ACK and an EOI exit per interrupt and a
    # resamplefd wake-up of the loop thread: guest to L1, with an interrupt
    # per frame sent, at a tenth of the peers' throughput (issue 13).
    _acks=$(rv_stat $_n virtio-net0 acks_in_kernel)
    # The guest's trigger word for the line: x86 "edge" or "fasteoi", arm64 "Level".
    _trig=$(sed -n 's/.*RINGVMM-NETCNT up irq [^;]*[ -]\([A-Za-z]*\) virtio[0-9].*/\1/p' "$_o" | head -n 1)
    if [ "$(uname -m)" = x86_64 ]; then
        [ "$_trig" = edge ] || _p="$_p the guest's virtio line is '${_trig:-not found}', expected edge;"
        [ "${_acks:-0}" -gt 0 ] || _p="$_p no InterruptACK counted by KVM (acks_in_kernel=${_acks:-none});"
    fi
    [ "${_txd:-x}" = 0 ] || _p="$_p tx_dropped=${_txd:-none}, expected 0;"
    [ "${_rxd:-x}" = 0 ] || _p="$_p rx_dropped=${_rxd:-none}, expected 0;"
    rm -f /tmp/net_tx.bin /tmp/net_rx.bin
    # What explains the times: the guest's counters (l2-init.sh net_counters), each queue's kicks and interrupts.
    grep -a RINGVMM-NETCNT "$_o" | sed "s/^/RVDIAG $_n /"
    sed -n 's/.*"queues_kicks_irqs_suppressed": "\([^"]*\)".*/\1/p' "$RV_OUT/$_n.err" | sed "s/^/RVDIAG $_n queues /"
    rv_report $_n "$_p" "${_mb}MiB down ${_down}s up ${_up}s; rx_packets=${_rxp:-?} tx_packets=${_txp:-?} interrupts=${_irq:-?} line=${_trig:-?} acks_in_kernel=${_acks:-?} features=${_feat:-?}$_mq${_upd_note:-}"
}

# rv_net_update_step (inside rv_check_net_tap, L1's download to the guest
# under way): a live update of ringvmm to itself (vmm/snapshot/update.c).
# The tap ringvmm created must be the same interface after it (ifindex,
# address, link up: its queue fds crossed), the reply must say both
# queues were handed over, and the download goes on to the end with the
# same MD5 (checked by rv_check_net_tap).
rv_net_update_step() {
    sleep 1
    # ip, not /sys/class/net: L1's sysfs shows its own namespace's links.
    _if0=$($RV_NS ip -o link show rvtap0 2> /dev/null | cut -d: -f1)
    kill -0 "$_nc" 2> /dev/null && _mid=mid-transfer || _mid="after the transfer (too fast)"
    _ut0=$(rv_now)
    "$RV_VMM" ctl $_us update > "$RV_OUT/$_n.update" 2>&1 ||
        _p="$_p update: $(head -c 300 "$RV_OUT/$_n.update");"
    _ut=$(rv_since "$_ut0")
    _if1=$($RV_NS ip -o link show rvtap0 2> /dev/null | cut -d: -f1)
    echo "RVLOG $_n update ($_mid, ${_ut}s): $(cat "$RV_OUT/$_n.update"); ifindex $_if0 -> $_if1"
    grep -q "\"handed\":{[^}]*\"virtio-net0\":$_cpus" "$RV_OUT/$_n.update" ||
        _p="$_p the update did not hand the tap's $_cpus queues over;"
    [ -n "$_if0" ] && [ "$_if0" = "$_if1" ] || _p="$_p the tap's ifindex went from $_if0 to ${_if1:-none};"
    $RV_NS ip addr show rvtap0 | grep -q 10.77.0.1/24 || _p="$_p the tap lost its address;"
    # A tap's operstate stays UNKNOWN; LOWER_UP is its carrier: a queue attached.
    $RV_NS ip link show rvtap0 | grep -q 'UP,LOWER_UP' || _p="$_p the tap's link is not up;"
    _upd_note="; update $_mid in ${_ut}s, $(sed -n 's/.*"paused_ms":\([0-9.]*\).*/paused_ms=\1/p' "$RV_OUT/$_n.update")"
}

rv_sc_virtio_net_tap() {
    RV_NET_UPDATE=1
    rv_check_net_tap virtio_net_tap /l2/bzImage /l2/initrd.cpio.gz 64 2
    RV_NET_UPDATE=
}

# rv_net_root: writes /tmp/rvroot.sh, which runs its arguments with a root
# that is a mount of its own: passt isolates itself with pivot_root(2),
# which refuses the initramfs (rootfs) that is L1's root, and a plain
# chroot would not do either (unshare(CLONE_NEWUSER) is refused to a
# chrooted process). So, in a new mount namespace, a tmpfs gets L1's
# directories bound into it and is moved over /, as switch_root does; the
# process is then in the namespace's root, as on an installed system.
rv_net_root() {
    cat > /tmp/rvroot.sh << 'EOS'
unshare -m sh -c '
    mkdir -p /rvroot && mount -t tmpfs rvroot /rvroot || exit 125
    for d in /*; do
        [ "$d" = /rvroot ] && continue
        if [ -d "$d" ] && [ ! -L "$d" ]; then
            mkdir -p "/rvroot$d" && mount --bind "$d" "/rvroot$d"
        else
            cp -a "$d" "/rvroot$d"
        fi
    done
    cd /rvroot && mount --move . / && exec chroot . "$@"
    exit 125' rvroot "$@"
EOS
}

# rv_check_net_passt NAME KERNEL INITRD [pci]: passt (--net passt: ringvmm
# starts it; --net passt=SOCKET: the one L1 started): the guest reaches a
# TCP server of L1's through passt's gateway address. passt takes its
# addresses from the namespace's interface with the default route: a
# dummy one here. With pci (x86), a third run puts the network device on
# PCI (--virtio-transport pci), ringvmm starting passt, and --stats must
# show MSI-X on and every interrupt an MSI.
rv_check_net_passt() {
    _n=$1
    : > "$RV_OUT/$_n.out"
    : > "$RV_OUT/$_n.err"
    if ! command -v passt > /dev/null; then
        RV_RC=- RV_SECS=0
        rv_report $_n "no passt in L1 (the host copies its own: is passt installed there?);"
        return
    fi
    rv_net_root
    rv_net_ns
    _nsr="$RV_NS sh /tmp/rvroot.sh"
    $RV_NS ip link add rvd0 type dummy
    $RV_NS ip addr add 10.88.0.2/24 dev rvd0
    $RV_NS ip link set rvd0 up
    $RV_NS ip route add default via 10.88.0.1
    _p=
    _info=
    for _mode in spawn socket ${4:-}; do
        _tok=$(cat /proc/sys/kernel/random/uuid)
        rm -f /tmp/passt_keep /tmp/rvpasst/passt.sock
        # passt runs as nobody (--runas) by the time it binds its socket.
        mkdir -p /tmp/rvpasst
        chmod 1777 /tmp/rvpasst
        mkfifo /tmp/passt_keep
        sleep 100000 > /tmp/passt_keep &
        _keep=$!
        $RV_NS nc -l -p 5003 < /tmp/passt_keep > /tmp/passt_got.txt &
        _arg=passt
        _ppid=
        _tr=mmio
        [ $_mode = pci ] && _tr=pci
        if [ $_mode = socket ]; then
            $_nsr passt -f -q -1 -l /dev/null --runas 65534:65534 -s /tmp/rvpasst/passt.sock \
                > "$RV_OUT/$_n.passt" 2>&1 &
            _ppid=$!
            _i=0
            while [ ! -S /tmp/rvpasst/passt.sock ] && [ $_i -lt 100 ]; do
                sleep 0.1
                _i=$((_i + 1))
            done
            _arg=passt=/tmp/rvpasst/passt.sock
        fi
        echo "RVRUN $_n $_mode"
        _t0=$(rv_now)
        timeout -k 5 "$RV_RUN_TIMEOUT" $_nsr "$RV_VMM" run --kernel "$2" \
            --initrd "$3" --mem 256M -n "$_arg" --stats=json --virtio-transport $_tr \
            -p "$(rv_params netpasst) rv.ip=10.88.0.2 rv.peer=10.88.0.1 rv.token=$_tok" \
            < /dev/null > "$RV_OUT/$_n.out" 2> "$RV_OUT/$_n.err"
        RV_RC=$?
        RV_SECS=$(rv_since "$_t0")
        kill $_keep $_ppid 2> /dev/null
        _p="$_p$(rv_rc_problem)"
        grep -q 'RINGVMM-NET-PASST ok' "$RV_OUT/$_n.out" ||
            _p="$_p $_mode: the guest's nc through passt failed;"
        grep -q "RINGVMM-PASST-HELLO $_tok" /tmp/passt_got.txt ||
            _p="$_p $_mode: L1's server did not get the guest's line;"
        _m=
        if [ $_mode = pci ]; then
            _p="$_p$(rv_msi_problem $_n virtio-net0)"
            _m=" msis=$(rv_stat $_n virtio-net0 msis)"
        fi
        _info="$_info $_mode: rx_packets=$(rv_stat $_n virtio-net0 rx_packets) tx_packets=$(rv_stat $_n virtio-net0 tx_packets)$_m ${RV_SECS}s;"
        if [ -n "$_p" ]; then
            [ $_mode = socket ] && sed "s/^/RVLOG $_n passt | /" "$RV_OUT/$_n.passt"
            break
        fi
    done
    kill $RV_NS_PID 2> /dev/null
    rv_report $_n "$_p" "${_info# }"
}

rv_sc_virtio_net_passt() { rv_check_net_passt virtio_net_passt /l2/bzImage /l2/initrd.cpio.gz pci; }
