# shellcheck shell=sh
# L1-side boot test scenarios (busybox sh inside the nested test host).
# lib.sh's rv_boot_scenario concatenates this file and calls of the wanted
# rv_sc_<test> functions into L1's /scenario.sh; the single test scripts and
# run_all.sh share it, so every test's ringvmm invocation lives here, once.
#
# Each test prints one result line for the host:
#   RVTEST <name> rc=<ringvmm exit code> time=<s> PASS|FAIL [why]
# followed, on failure, by the tails of ringvmm's stdout (the L2 console) and
# stderr as `RVLOG <name> out|err | ...` lines.
# The judging happens here in L1, on files holding ringvmm's raw stdout, so
# that L1's own tty cannot blur byte-exact comparisons.

RV_VMM=/ringvmm
RV_OUT=/tmp/rv
RV_RUN_TIMEOUT=${RV_RUN_TIMEOUT:-120}
mkdir -p "$RV_OUT"

rv_now() {
    read -r _t _ < /proc/uptime
    echo "$_t"
}

# Seconds since an rv_now stamp, for RV_SECS.
rv_since() {
    awk -v a="$1" -v b="$(rv_now)" 'BEGIN { printf "%.2f", b - a }'
}

# rv_vmm NAME ARGS...: run ringvmm with ARGS under a timeout (a hung guest
# must not hang the suite); stdout to $RV_OUT/NAME.out, stderr to NAME.err.
# Sets RV_RC and RV_SECS. The RVRUN line tells the host side that L1 is
# alive (lib.sh rv_boot__stall_watch) and its log which run came last.
rv_vmm() {
    _name=$1
    shift
    echo "RVRUN $_name"
    _t0=$(rv_now)
    # -k: a ringvmm that ignores SIGTERM still goes.
    timeout -k 5 "$RV_RUN_TIMEOUT" "$RV_VMM" "$@" \
        < /dev/null > "$RV_OUT/$_name.out" 2> "$RV_OUT/$_name.err"
    RV_RC=$?
    RV_SECS=$(rv_since "$_t0")
}

# Why a run's exit code is wrong, or nothing.
rv_rc_problem() {
    # Judge a timeout by the clock, not the exit code: ringvmm exits 0 on
    # SIGTERM too, which would pass a hung guest off as a clean shutdown.
    if awk -v s="$RV_SECS" -v t="$RV_RUN_TIMEOUT" 'BEGIN { exit !(s >= t) }'; then
        echo "timed out after ${RV_RUN_TIMEOUT}s (guest did not power off);"
    elif [ "$RV_RC" = 0 ]; then
        return 0
    elif [ "$RV_RC" -ge 128 ]; then
        echo "killed by signal $((RV_RC - 128));"
    else
        echo "exit code $RV_RC, expected 0;"
    fi
}

# How the L2 marker arrived: through the tty (the interrupt-driven UART
# path) and/or through printk (/dev/kmsg: "[    1.234567] RINGVMM-L2-INIT").
# The tty copy need not start its line (a BIOS may leave escapes before it).
rv_marker_info() {
    _tty=no
    _kmsg=no
    grep 'RINGVMM-L2-INIT' "$RV_OUT/$1.out" | grep -qv '\] RINGVMM-L2-INIT' && _tty=yes
    grep -q '\] RINGVMM-L2-INIT' "$RV_OUT/$1.out" && _kmsg=yes
    echo "marker(tty=$_tty kmsg=$_kmsg)"
}

# rv_report NAME PROBLEMS [INFO]: print the verdict (PASS when PROBLEMS is
# empty) and, on failure, what ringvmm and the guest said.
rv_report() {
    set -- "$1" "${2# }" "${3:-}"
    if [ -z "$2" ]; then
        echo "RVTEST $1 rc=$RV_RC time=${RV_SECS}s PASS${3:+ $3}"
        # ringvmm's own diagnostics are worth seeing even when all is well.
        tail -n 10 "$RV_OUT/$1.err" | sed "s/^/RVLOG $1 err | /"
    else
        echo "RVTEST $1 rc=$RV_RC time=${RV_SECS}s FAIL $2${3:+ $3}"
        tail -n 60 "$RV_OUT/$1.out" | tr -d '\r' | sed "s/^/RVLOG $1 out | /"
        tail -n 30 "$RV_OUT/$1.err" | sed "s/^/RVLOG $1 err | /"
    fi
}

# Common check: exit code 0 and the L2 /init marker seen.
rv_check_boot() {
    _p=$(rv_rc_problem)
    grep -q 'RINGVMM-L2-INIT' "$RV_OUT/$1.out" || _p="$_p no RINGVMM-L2-INIT;"
    rv_report "$1" "$_p" "$(rv_marker_info "$1")"
}

# What L2's command line adds to ringvmm's default (console=ttyS0), with
# -p; rv.test selects the action of L2's /init (l2-init.sh).
rv_params() { echo "quiet rv.test=$1"; }

# Also the command line end to end: the short options, -p appended to the
# default (--verbose prints the final line), and --metrics lines while L2
# boots (one every 200 ms, seq counting up, vCPU exits never going down).
rv_sc_boot_bzimage() {
    _m=$RV_OUT/boot_bzimage.metrics
    rm -f "$_m"
    rv_vmm boot_bzimage run -k /l2/bzImage -i /l2/initrd.cpio.gz \
        -p "$(rv_params poweroff)" -m 256 -v --metrics "$_m,interval=200"
    _p=$(rv_rc_problem)
    grep -q 'RINGVMM-L2-INIT' "$RV_OUT/boot_bzimage.out" || _p="$_p no RINGVMM-L2-INIT;"
    grep -qx 'ringvmm: kernel command line: console=ttyS0 quiet rv.test=poweroff' \
        "$RV_OUT/boot_bzimage.err" || _p="$_p --verbose: no final command line \"console=ttyS0 $(rv_params poweroff)\";"
    _ml=$(grep -c '' "$_m" 2> /dev/null)
    # Lines are {"seq": N, ..."vcpus": [{"id": 0, "exits": E, ...}...}.
    _bad=$(awk '!/^\{"seq": [0-9]+, "time_ms": .*\}$/ { print "line " NR " malformed"; exit }
        { s = $2; sub(",", "", s); if (s != NR) { print "seq " s " at line " NR; exit } }
        { e = $0; sub(/.*"vcpus": \[\{"id": 0, "exits": /, "", e); e += 0
          if (e < last) { print "vCPU 0 exits fell " last " -> " e; exit } last = e }' "$_m" 2> /dev/null)
    # L2's boot takes seconds even under KVM: a few lines at least.
    [ "${_ml:-0}" -ge 3 ] || _p="$_p --metrics wrote ${_ml:-no} lines;"
    [ -z "$_bad" ] || _p="$_p --metrics: $_bad;"
    rv_report boot_bzimage "$_p" "$(rv_marker_info boot_bzimage) metrics_lines=${_ml:-0}"
    # The first and last lines, for the record.
    { head -n 1 "$_m"; tail -n 1 "$_m"; } 2> /dev/null | cut -c 1-900 |
        sed 's/^/RVLOG boot_bzimage metrics | /'
}

rv_sc_boot_vmlinux() {
    rv_vmm boot_vmlinux run --kernel /l2/vmlinux --initrd /l2/initrd.cpio.gz \
        --cmdline "$(rv_params poweroff)" --mem 256M
    rv_check_boot boot_vmlinux
}

rv_sc_smp() {
    rv_vmm smp run -k /l2/bzImage -i /l2/initrd.cpio.gz -p "$(rv_params cpus)" -m 256 -c 2 \
        --stats
    _p=$(rv_rc_problem)
    # --stats: the vCPU table has a row per vCPU.
    [ "$(grep -cE '^  [01] +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+$' "$RV_OUT/smp.err")" = 2 ] ||
        _p="$_p --stats: not one vCPU row each for vCPU 0 and 1;"
    _cpus=$(sed -n 's/.*RINGVMM-CPUS \([0-9]*\).*/\1/p' "$RV_OUT/smp.out" | head -n 1)
    if [ -z "$_cpus" ]; then
        _p="$_p no RINGVMM-CPUS line;"
    elif [ "$_cpus" != 2 ]; then
        _p="$_p guest saw $_cpus CPUs, expected 2;"
    fi
    rv_report smp "$_p" "cpus=${_cpus:-?}"
}

rv_sc_console() {
    # Through the coalesced UART path (per-device rings, the default, named
    # here so the test says what it covers), with the statistics to prove it.
    rv_vmm console run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params console)" --mem 256M --coalesce per-device --stats=json
    _p=$(rv_rc_problem)
    # The UART's object in the one-line JSON on stderr; coalesced_writes
    # comes before its nested latency object, so [^}]* reaches it.
    _cw=$(sed -n 's/.*"name": "ttyS0", [^}]*"coalesced_writes": \([0-9]*\).*/\1/p' \
        "$RV_OUT/console.err" | tail -n 1)
    _ox=$(sed -n 's/.*"name": "ttyS0", [^}]*"ordinary_exits": \([0-9]*\).*/\1/p' \
        "$RV_OUT/console.err" | tail -n 1)
    [ "${_cw:-0}" -gt 0 ] || _p="$_p --stats=json shows no coalesced UART writes (${_cw:-none});"
    _o=$RV_OUT/console.out
    _s=$RV_OUT/console.section
    # The lines strictly between the markers. L2 turned off output
    # post-processing, so no \r may appear; a marker line may still end in
    # \r if the stty came too late, which is not what is being tested.
    awk '/^RINGVMM-CONSOLE-END/ { f = 0 } f { print } /^RINGVMM-CONSOLE-BEGIN\r?$/ { f = 1 }' "$_o" > "$_s"
    _info=
    if ! grep -q '^RINGVMM-CONSOLE-BEGIN' "$_o" || ! grep -q '^RINGVMM-CONSOLE-END' "$_o"; then
        _p="$_p console markers missing;"
    elif ! cmp -s "$_s" /known.txt; then
        _p="$_p text differs: $(cmp "$_s" /known.txt 2>&1 | head -n 1);"
        _info="got=$(wc -c < "$_s")B want=$(wc -c < /known.txt)B"
        # Name the most likely culprit: \n -> \r\n translation.
        if tr -d '\r' < "$_s" | cmp -s - /known.txt; then
            _info="$_info (equal after dropping \\r: newline translation)"
        fi
    else
        _info="bytes=$(wc -c < "$_s")"
    fi
    _info="$_info uart_coalesced_writes=${_cw:-none} uart_ordinary_exits=${_ox:-none}"
    rv_report console "$_p" "$_info"
}

# A guest cannot make ringvmm unkillable through its console: L2 prints
# (rv.test=spew of 1 MiB, far more than pipes and buffers hold) to a
# stdout that is a FIFO nobody reads (this shell holds it open, so writes
# do not fail with EPIPE: they would block). Once the pipe has long been full, SIGTERM must end ringvmm
# within 2 s with exit 0, in the default mode and with coalescing off.
rv_wedge_one() {
    _n=$1
    shift
    echo "RVRUN $_n"
    rm -f /tmp/wedge.fifo
    mkfifo /tmp/wedge.fifo
    exec 7<> /tmp/wedge.fifo
    "$RV_VMM" run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        --cmdline "$(rv_params spew) rv.spew=1048576${_wx:-}" --mem 256M --stats "$@" \
        < /dev/null > /tmp/wedge.fifo 2> "$RV_OUT/$_n.err" &
    _pid=$!
    # L2 boots (about 10 s here), then fills the 64 KiB pipe at once.
    sleep 25
    _t0=$(rv_now)
    kill -TERM "$_pid"
    _i=0
    while kill -0 "$_pid" 2> /dev/null && [ "$_i" -lt 20 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    if kill -0 "$_pid" 2> /dev/null; then
        kill -KILL "$_pid"
        wait "$_pid"
        RV_RC=$?
        _wp="$_wp $_n: SIGTERM did not stop ringvmm within 2 s (SIGKILL did);"
    else
        wait "$_pid"
        RV_RC=$?
        [ "$RV_RC" = 0 ] || _wp="$_wp $_n: exit code $RV_RC after SIGTERM, expected 0;"
    fi
    exec 7<&-
    _d=$(grep -o '"*[a-z_]*dropped[^,]*' "$RV_OUT/$_n.err" | tr '\n' ' ')
    _wi="$_wi $_n: stopped $(rv_since "$_t0")s after SIGTERM, rc=$RV_RC, ${_d:-no drop count};"
}

rv_sc_console_wedge() {
    _wp=
    _wi=
    rv_wedge_one console_wedge
    rv_wedge_one console_wedge_off --coalesce off
    : > "$RV_OUT/console_wedge.out"
    RV_SECS=-
    rv_report console_wedge "$_wp" "$_wi"
}

# The same through virtio-console: its transmitq stops when the console's
# buffer is full (--console-out the FIFO nobody reads), and SIGTERM still
# ends ringvmm within 2 s, exit 0.
rv_sc_virtio_console_wedge() {
    _wp=
    _wi=
    _wx=" rv.con=hvc"
    rv_wedge_one virtio_console_wedge --console virtio --console-out /tmp/wedge.fifo
    _wx=
    # The device was held back (the console refused it), not the VMM.
    # The --stats table names a device on its first row only.
    _tt=$(awk '$1 == "virtio-console0" { f = 1 } f && $1 == "tx_throttled" { print $2; exit }' \
        "$RV_OUT/virtio_console_wedge.err")
    [ "${_tt:-0}" -gt 0 ] || _wp="$_wp --stats: tx_throttled ${_tt:-none}, the guest was never held back;"
    _wi="$_wi tx_throttled=${_tt:-?}"
    : > "$RV_OUT/virtio_console_wedge.out"
    RV_SECS=-
    rv_report virtio_console_wedge "$_wp" "$_wi"
}

rv_sc_reboot() {
    rv_vmm reboot run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params reboot)" --mem 256M
    rv_check_boot reboot
}

# L1's own virtio disk (lib.sh gives every session one, holding the ext4
# root image); up to 5 s for its node after the modules load.
rv_l1_disk() {
    _i=0
    while [ ! -b /dev/vda ] && [ $_i -lt 50 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    [ -b /dev/vda ]
}

# A number from ringvmm's --stats=json line for device $2: field $3.
# Why device $2 of run $1 did not interrupt by MSI-X (--virtio-transport
# pci), or nothing: MSI-X on, at least one interrupt, every one an MSI,
# none lost.
rv_msi_problem() {
    _msi=$(rv_stat "$1" "$2" msis)
    _mirq=$(rv_stat "$1" "$2" interrupts)
    _mon=$(rv_stat "$1" "$2" msix_enabled)
    _mlost=$(rv_stat "$1" "$2" msis_lost)
    [ "${_mon:-0}" = 1 ] || echo " $2: msix_enabled ${_mon:-none};"
    [ "${_msi:-0}" -ge 1 ] && [ "${_msi:-0}" = "${_mirq:-x}" ] ||
        echo " $2: msis ${_msi:-none} for ${_mirq:-none} interrupts;"
    [ "${_mlost:-1}" = 0 ] || echo " $2: msis_lost ${_mlost:-none};"
}

rv_stat() {
    sed -n "s/.*\"name\": \"$2\", [^}]*\"$3\": \([0-9]*\).*/\1/p" "$RV_OUT/$1.err" | tail -n 1
}

# An ext4 root on virtio-blk, booted twice. The first boot (two queues,
# on L1's block device /dev/vda through the page cache)
# writes a file and 1 MiB of random bytes, syncs and powers off; meanwhile
# a second ringvmm asking for the same disk must be turned away by the OFD
# lock (exit 2, one line). The second boot (cache=none: O_DIRECT) reads
# them back. The host then runs e2fsck -fn on the image (lib.sh
# rv_boot_post_virtio_blk).
rv_sc_virtio_blk() {
    if ! rv_l1_disk; then
        RV_RC=- RV_SECS=0
        : > "$RV_OUT/virtio_blk.out"
        ls /dev > "$RV_OUT/virtio_blk.err"
        rv_report virtio_blk "L1 has no /dev/vda (its virtio disk);"
        return
    fi
    echo "RVRUN virtio_blk"
    _t0=$(rv_now)
    timeout -k 5 "$RV_RUN_TIMEOUT" "$RV_VMM" run --kernel /l2/bzImage \
        --initrd /l2/initrd.cpio.gz -p "$(rv_params root) rv.root=write" \
        --mem 256M --disk /dev/vda,queues=2 --stats=json \
        < /dev/null > "$RV_OUT/virtio_blk.out" 2> "$RV_OUT/virtio_blk.err" &
    _pid=$!
    sleep 2
    timeout -k 5 20 "$RV_VMM" run --disk /dev/vda \
        < /dev/null > "$RV_OUT/virtio_blk_lock.out" 2> "$RV_OUT/virtio_blk_lock.err"
    _lrc=$?
    wait $_pid
    RV_RC=$?
    RV_SECS=$(rv_since "$_t0")
    _p=$(rv_rc_problem)
    _o=$RV_OUT/virtio_blk.out
    grep -q 'RINGVMM-ROOT-INIT /dev/vda ext4 rw' "$_o" || _p="$_p no ext4 rw root on /dev/vda;"
    _w=$(sed -n 's/.*RINGVMM-ROOT-WROTE known=\([0-9a-f]*\) big=\([0-9a-f]*\).*/\1 \2/p' "$_o" | head -n 1)
    [ -n "$_w" ] || _p="$_p no RINGVMM-ROOT-WROTE;"
    grep -q 'RINGVMM-ROOT-DONE' "$_o" || _p="$_p the root was not remounted read-only;"
    [ "$_lrc" = 2 ] && grep -q 'locked by another process' "$RV_OUT/virtio_blk_lock.err" ||
        _p="$_p a second ringvmm on the same disk: rc=$_lrc, not the lock error;"
    _req=$(rv_stat virtio_blk virtio-blk0 requests)
    _wb=$(rv_stat virtio_blk virtio-blk0 write_bytes)
    _hw=$(rv_stat virtio_blk virtio-blk0 inflight_high_water)
    _irq=$(rv_stat virtio_blk virtio-blk0 interrupts)
    _sup=$(rv_stat virtio_blk virtio-blk0 interrupts_suppressed)
    [ "${_wb:-0}" -ge 1048576 ] || _p="$_p --stats=json: write_bytes ${_wb:-none} < 1 MiB;"
    # Register reads from the read-only memslot; the ACKs counted in KVM
    # (writes into that slot still reach the ioeventfd).
    _rp=$(rv_stat virtio_blk virtio-blk0 reg_page)
    _ack=$(rv_stat virtio_blk virtio-blk0 acks_in_kernel)
    [ "${_rp:-0}" = 1 ] || _p="$_p --stats=json: reg_page ${_rp:-none}, not 1;"
    [ "${_ack:-0}" -ge 1 ] || _p="$_p --stats=json: acks_in_kernel ${_ack:-none};"
    sync
    _info="write: requests=${_req:-?} write_bytes=${_wb:-?} inflight_high_water=${_hw:-?} interrupts=${_irq:-?} suppressed=${_sup:-?} reg_page=${_rp:-?} acks_in_kernel=${_ack:-?} lock=rc$_lrc"
    if [ -n "$_p" ]; then
        rv_report virtio_blk "$_p" "$_info"
        return
    fi

    rv_vmm virtio_blk run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params root) rv.root=read" --mem 256M \
        --disk /dev/vda,cache=none --stats=json
    _p=$(rv_rc_problem)
    _r=$(sed -n 's/.*RINGVMM-ROOT-READ written=\([a-z]*\) big=\([0-9a-f]*\).*/\1/p' "$RV_OUT/virtio_blk.out" | head -n 1)
    _big=$(sed -n 's/.*RINGVMM-ROOT-READ written=[a-z]* big=\([0-9a-f]*\).*/\1/p' "$RV_OUT/virtio_blk.out" | head -n 1)
    [ "$_r" = ok ] || _p="$_p second boot: /written.txt ${_r:-not read};"
    [ "$_big" = "${_w#* }" ] || _p="$_p second boot: /big.bin checksum $_big, wrote ${_w#* };"
    _rb=$(rv_stat virtio_blk virtio-blk0 read_bytes)
    sync
    rv_report virtio_blk "$_p" "$_info read(cache=none): written=${_r:-?} big=${_big:-?} read_bytes=${_rb:-?}"
}

# --virtio-transport pci: the ext4 root disk and an rng as PCI functions
# (x86: a PNP0A03 root bridge in the DSDT, configuration mechanism #1,
# notify by port I/O, MSI-X). The guest finds the disk under
# pci0000:00, boots on it, writes 1 MiB and syncs; --stats=json says MSI-X
# was on and every interrupt left as an MSI, and the rng fed /dev/hwrng.
# A snapshot of such a VM is refused with one line (not supported yet).
rv_sc_virtio_blk_pci() {
    _n=virtio_blk_pci
    if ! rv_l1_disk; then
        RV_RC=- RV_SECS=0
        : > "$RV_OUT/$_n.out"
        ls /dev > "$RV_OUT/$_n.err"
        rv_report $_n "L1 has no /dev/vda (its virtio disk);"
        return
    fi
    rv_vmm $_n run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params root) rv.root=write" --mem 256M --virtio-transport pci \
        --disk /dev/vda,queues=2 --rng --stats=json
    _p=$(rv_rc_problem)
    _o=$RV_OUT/$_n.out
    grep -q 'RINGVMM-ROOT-INIT /dev/vda ext4 rw' "$_o" || _p="$_p no ext4 rw root on /dev/vda;"
    _sys=$(sed -n 's/.*RINGVMM-ROOT-SYSFS \([^ \r]*\).*/\1/p' "$_o" | head -n 1)
    case "$_sys" in
        *pci0000:00/0000:00:*/virtio*/block/vda) ;;
        *) _p="$_p /sys/block/vda is ${_sys:-unknown}, not a PCI function;" ;;
    esac
    grep -q 'RINGVMM-ROOT-WROTE' "$_o" || _p="$_p no RINGVMM-ROOT-WROTE;"
    grep -q 'RINGVMM-ROOT-DONE' "$_o" || _p="$_p the root was not remounted read-only;"
    _wb=$(rv_stat $_n virtio-blk0 write_bytes)
    _irq=$(rv_stat $_n virtio-blk0 interrupts)
    _msi=$(rv_stat $_n virtio-blk0 msis)
    _lost=$(rv_stat $_n virtio-blk0 msis_lost)
    _kick=$(rv_stat $_n virtio-blk0 notifications)
    _ioe=$(rv_stat $_n virtio-blk0 ioeventfd)
    [ "${_wb:-0}" -ge 1048576 ] || _p="$_p --stats=json: write_bytes ${_wb:-none} < 1 MiB;"
    _p="$_p$(rv_msi_problem $_n virtio-blk0)"
    [ "${_ioe:-0}" = 1 ] || _p="$_p --stats=json: the notify port has no ioeventfd;"
    _info="sysfs=${_sys:-?} write_bytes=${_wb:-?} interrupts=${_irq:-?} msis=${_msi:-?} msis_lost=${_lost:-?} notifications=${_kick:-?} ioeventfd=${_ioe:-?}"
    sync
    if [ -n "$_p" ]; then
        rv_report $_n "$_p" "$_info"
        return
    fi
    # The rng alone on PCI: the guest's hwrng reads it through MSI-X.
    _s=$RV_SECS
    rv_vmm $_n run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params rng)" --mem 256M --virtio-transport pci --rng --stats=json
    RV_SECS=$((${_s%.*} + ${RV_SECS%.*}))
    _p=$(rv_rc_problem)
    _l=$(sed -n 's/.*RINGVMM-RNG \(.*\)/\1/p' "$RV_OUT/$_n.out" | tr -d '\r' | head -n 1)
    case "$_l" in
        "current=virtio_rng."*" bytes=64") ;;
        *) _p="$_p rng: the guest saw ${_l:-nothing};" ;;
    esac
    _p="$_p$(rv_msi_problem $_n virtio-rng0)"
    rv_report $_n "$_p" "$_info; rng: $_l msis=$(rv_stat $_n virtio-rng0 msis)"
}

# A VM stopped while its guest writes (no unmount, no sync: SIGTERM, as a
# host shutdown would, once l2-root-init.sh's writers run): ringvmm ends
# promptly and cleanly (exit 0), and --stats shows requests really were in
# flight when the VM stopped (inflight_at_exit; the stop path cancels or
# waits for them, writing nothing into guest memory) and none left after.
# The disk is cache=none, so each request is a real O_DIRECT write through
# L1's virtio disk; up to 4 attempts until one stops with requests in
# flight, the first at the disk's speed (which rarely leaves any: the host
# finishes a request long before the nested guest sends the next), the
# others with latency=200. After each, a second boot mounts the root (replaying the journal)
# and leaves it clean; the host's e2fsck -fn checks it after the session
# (lib.sh rv_boot_post_virtio_blk_dirty).
rv_sc_virtio_blk_dirty() {
    rv_l1_disk || echo "no /dev/vda" > "$RV_OUT/virtio_blk_dirty.err"
    _p='' _info='' _caught=0 _secs=0
    _o=$RV_OUT/virtio_blk_dirty.out
    for _try in 1 2 3 4; do
        # The first attempt at the disk's own speed; then a slow disk
        # (latency=200: each request waits 200 ms), so that requests wait
        # at the host whenever the guest writes.
        _lat=0
        [ "$_try" = 1 ] || _lat=200
        echo "RVRUN virtio_blk_dirty"
        rm -f "$_o"
        _t0=$(rv_now)
        timeout -k 5 "$RV_RUN_TIMEOUT" "$RV_VMM" run --kernel /l2/bzImage \
            --initrd /l2/initrd.cpio.gz -p "$(rv_params root) rv.root=dirty" --mem 256M \
            --disk "/dev/vda,cache=none,latency=$_lat" --stats=json \
            < /dev/null > "$_o" 2> "$RV_OUT/virtio_blk_dirty.err" &
        _pid=$!
        _n=0
        while ! grep -q 'RINGVMM-ROOT-DIRTY' "$_o" && [ $_n -lt "$RV_RUN_TIMEOUT" ] &&
            kill -0 $_pid 2> /dev/null; do
            sleep 1
            _n=$((_n + 1))
        done
        # Let the writers get going; a different moment in each attempt.
        sleep "$_try"
        kill -TERM $_pid 2> /dev/null
        wait $_pid
        RV_RC=$?
        RV_SECS=$(rv_since "$_t0")
        _secs=$((_secs + ${RV_SECS%.*}))
        # Stopped by us, so its run time says nothing; SIGTERM ends it with 0.
        [ "$RV_RC" = 0 ] || _p="$_p try $_try: exit code $RV_RC after SIGTERM, expected 0;"
        grep -q 'RINGVMM-ROOT-DIRTY' "$_o" || _p="$_p try $_try: no RINGVMM-ROOT-DIRTY within ${RV_RUN_TIMEOUT}s;"
        ! grep -q 'RINGVMM-ROOT-ERROR' "$_o" || _p="$_p try $_try: $(grep -m1 'RINGVMM-ROOT-ERROR' "$_o" | tr -d '\r');"
        _in=$(rv_stat virtio_blk_dirty virtio-blk0 inflight_at_exit)
        _cn=$(rv_stat virtio_blk_dirty virtio-blk0 cancelled_at_exit)
        _left=$(rv_stat virtio_blk_dirty virtio-blk0 inflight)
        _wb=$(rv_stat virtio_blk_dirty virtio-blk0 write_bytes)
        [ "${_left:-x}" = 0 ] || _p="$_p try $_try: ${_left:-?} requests left in flight after the stop;"
        _info="$_info try$_try: latency=${_lat}ms write_bytes=${_wb:-?} inflight_at_exit=${_in:-?} cancelled=${_cn:-?}"
        rv_vmm virtio_blk_dirty_recover run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
            -p "$(rv_params root) rv.root=recover" --mem 256M --disk /dev/vda
        _secs=$((_secs + ${RV_SECS%.*}))
        _p="$_p$(rv_rc_problem)"
        _r=$RV_OUT/virtio_blk_dirty_recover.out
        grep -q 'RINGVMM-ROOT-RECOVERED' "$_r" && grep -q 'RINGVMM-ROOT-DONE' "$_r" ||
            _p="$_p try $_try: the next boot did not mount and remount the root read-only;"
        _info="$_info $(sed -n 's/.*RINGVMM-ROOT-RECOVERED \(files=[0-9]*\).*/recovered \1/p' "$_r" | head -n 1);"
        [ -z "$_p" ] || break
        if [ "${_in:-0}" -gt 0 ]; then
            _caught=1
            break
        fi
    done
    [ -n "$_p" ] || [ "$_caught" = 1 ] || _p="no request was in flight at exit in 4 attempts;"
    RV_SECS=$_secs
    sync
    rv_report virtio_blk_dirty "$_p" "${_info%;}"
}

# A read-only disk (,ro): the guest sees it read-only, and a write that
# gets past the guest kernel's check is refused by the device; it still
# mounts and reads. Then the bad --disk values: one line, exit 2.
rv_sc_virtio_blk_ro() {
    rv_l1_disk || echo "no /dev/vda" > "$RV_OUT/virtio_blk_ro.err"
    rv_vmm virtio_blk_ro run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params diskro)" --mem 256M --disk /dev/vda,ro --stats=json
    _p=$(rv_rc_problem)
    _l=$(sed -n 's/.*RINGVMM-DISKRO \(.*\)/\1/p' "$RV_OUT/virtio_blk_ro.out" | tr -d '\r' | head -n 1)
    [ "$_l" = "ro=1 kernel_write=refused device_write=refused mount_ro_read=ok" ] ||
        _p="$_p guest saw: ${_l:-nothing};"
    # The guest kernel refuses first (its disk is read-only and BLKROSET
    # cannot clear that); the device's own IOERR for writes is unit-tested.
    _e=$(rv_stat virtio_blk_ro virtio-blk0 errors)
    _bad=
    for _d in /nonexistent.img /tmp /dev/vda,bogus; do
        "$RV_VMM" run --disk "$_d" < /dev/null > /dev/null 2> "$RV_OUT/virtio_blk_bad.err"
        _rc=$?
        [ "$_rc" = 2 ] && [ "$(wc -l < "$RV_OUT/virtio_blk_bad.err")" = 1 ] ||
            _p="$_p --disk $_d: rc=$_rc, $(wc -l < "$RV_OUT/virtio_blk_bad.err") lines;"
        _bad="$_bad [$(cat "$RV_OUT/virtio_blk_bad.err")]"
    done
    rv_report virtio_blk_ro "$_p" "$_l errors=${_e:-?} bad:$_bad"
}

# Two vCPUs write two disks (regular files in L1's tmpfs, one queue per
# vCPU by default) at once; what the guest read back, and what L1 finds in
# the files, must be what the guest wrote.
rv_sc_virtio_blk_smp() {
    rm -f /tmp/pdd0.img /tmp/pdd1.img
    truncate -s 8M /tmp/pdd0.img
    truncate -s 8M /tmp/pdd1.img
    rv_vmm virtio_blk_smp run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params pdd)" --mem 256M --cpus 2 \
        --disk /tmp/pdd0.img -d /tmp/pdd1.img --stats=json
    _p=$(rv_rc_problem)
    _l=$(sed -n 's/.*RINGVMM-PDD \(.*\)/\1/p' "$RV_OUT/virtio_blk_smp.out" | tr -d '\r' | head -n 1)
    _s=$(echo "$_l" | sed -n 's/.*sum=\([0-9a-f]*\).*/\1/p')
    [ -n "$_s" ] && [ "$_l" = "sum=$_s dd=ok,ok vda=$_s vdb=$_s" ] || _p="$_p guest saw: ${_l:-nothing};"
    for _f in /tmp/pdd0.img /tmp/pdd1.img; do
        [ "$(head -c 4194304 "$_f" | md5sum | cut -c1-32)" = "$_s" ] || _p="$_p $_f differs;"
    done
    _q0=$(rv_stat virtio_blk_smp virtio-blk0 queues)
    _h0=$(rv_stat virtio_blk_smp virtio-blk0 inflight_high_water)
    _h1=$(rv_stat virtio_blk_smp virtio-blk1 inflight_high_water)
    rv_report virtio_blk_smp "$_p" "$_l queues=${_q0:-?} inflight_high_water=${_h0:-?},${_h1:-?}"
    rm -f /tmp/pdd0.img /tmp/pdd1.img
}

# --rng: the guest's hw_random core picks virtio-rng and reads from it.
# $1: the test's name, $2: the kernel. Also the arm64 test's check.
rv_check_rng() {
    rv_vmm "$1" run --kernel "$2" --initrd "${3:-/l2/initrd.cpio.gz}" \
        -p "$(rv_params rng)" --mem 256M --rng --stats=json
    _p=$(rv_rc_problem)
    _l=$(sed -n 's/.*RINGVMM-RNG \(.*\)/\1/p' "$RV_OUT/$1.out" | tr -d '\r' | head -n 1)
    case "$_l" in
        "current=virtio_rng."*" bytes=64") ;;
        *) _p="$_p guest saw: ${_l:-nothing};" ;;
    esac
    _b=$(rv_stat "$1" virtio-rng0 bytes)
    [ "${_b:-0}" -ge 64 ] || _p="$_p --stats=json: ${_b:-no} bytes;"
    rv_report "$1" "$_p" "$_l host_bytes=${_b:-?}"
}

rv_sc_virtio_rng() { rv_check_rng virtio_rng /l2/bzImage; }

# --console virtio --console-out FILE: the default command line names hvc0,
# L2 boots to /init (rv.con=hvc: l2-init.sh loads virtio_console) and its
# 8 KiB of known text reach FILE byte for byte through virtio-console, as
# the console test checks the UART; stdout gets none of it. $1: the test's
# name, $2: the kernel, $3: the initrd, then more ringvmm options (with
# --virtio-transport pci, rv_msi_problem checks the function's MSI-X).
rv_check_virtio_console() {
    _cn=$1 _ck=$2 _ci=${3:-/l2/initrd.cpio.gz}
    shift 2
    [ $# -eq 0 ] || shift
    _f=$RV_OUT/$_cn.console
    rm -f "$_f"
    rv_vmm "$_cn" run --kernel "$_ck" --initrd "$_ci" \
        -p "$(rv_params console) rv.con=hvc" --mem 256M --console virtio --console-out "$_f" \
        --stats=json -v "$@"
    _p=$(rv_rc_problem)
    _m=
    case " $* " in *" pci "*)
        _p="$_p$(rv_msi_problem "$_cn" virtio-console0)"
        _m=" msis=$(rv_stat "$_cn" virtio-console0 msis)"
        ;;
    esac
    grep -q "kernel command line: console=hvc0 $(rv_params console) rv.con=hvc\$" "$RV_OUT/$_cn.err" ||
        _p="$_p --verbose: no \"console=hvc0 ...\" command line;"
    grep -q 'RINGVMM-L2-INIT' "$_f" 2> /dev/null || _p="$_p no RINGVMM-L2-INIT in --console-out FILE;"
    ! grep -q 'RINGVMM-CONSOLE' "$RV_OUT/$_cn.out" || _p="$_p the known text reached stdout too;"
    awk '/^RINGVMM-CONSOLE-END/ { f = 0 } f { print } /^RINGVMM-CONSOLE-BEGIN\r?$/ { f = 1 }' \
        "$_f" > "$_f.section" 2> /dev/null
    if ! grep -q '^RINGVMM-CONSOLE-END' "$_f" 2> /dev/null; then
        _p="$_p no RINGVMM-CONSOLE-END marker;"
    elif ! cmp -s "$_f.section" /known.txt; then
        _p="$_p text differs: $(cmp "$_f.section" /known.txt 2>&1 | head -n 1);"
    fi
    _tx=$(rv_stat "$_cn" virtio-console0 tx_bytes)
    [ "${_tx:-0}" -ge 8192 ] || _p="$_p --stats=json: tx_bytes ${_tx:-none};"
    [ -z "$_p" ] || tail -n 40 "$_f" 2> /dev/null | sed "s/^/RVLOG $_cn file | /"
    rv_report "$_cn" "$_p" "bytes=$(wc -c < "$_f.section" 2> /dev/null) tx_bytes=${_tx:-?}$_m"
}

# --console virtio --console-out pty: ringvmm names its new pty on stderr,
# and a reader that opens it (a second after the name appeared: what L2
# printed by then waits in the pty, whose slave ringvmm holds open) gets
# the console test's known text byte for byte, through a raw pty.
rv_sc_virtio_console_pty() {
    _n=virtio_console_pty
    mkdir -p /dev/pts
    grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts
    rm -f "$RV_OUT/$_n.rc" "$RV_OUT/$_n.pty"
    (
        rv_vmm "$_n" run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
            -p "$(rv_params console) rv.con=hvc" --mem 256M --console virtio --console-out pty \
            --stats=json
        echo "$RV_RC $RV_SECS" > "$RV_OUT/$_n.rc"
    ) &
    _v=$!
    _i=0
    _pty=
    while [ -z "$_pty" ] && [ $_i -lt 100 ]; do
        sleep 0.1
        _pty=$(sed -n 's/^ringvmm: console on //p' "$RV_OUT/$_n.err" 2> /dev/null)
        _i=$((_i + 1))
    done
    sleep 1
    _c=
    if [ -n "$_pty" ]; then
        cat "$_pty" > "$RV_OUT/$_n.pty" 2> /dev/null &
        _c=$!
    fi
    wait $_v
    sleep 0.5
    [ -n "$_c" ] && kill $_c 2> /dev/null
    read -r RV_RC RV_SECS < "$RV_OUT/$_n.rc"
    _p=$(rv_rc_problem)
    [ -n "$_pty" ] || _p="$_p no \"console on /dev/pts/N\" line on stderr;"
    _f=$RV_OUT/$_n.pty
    awk '/^RINGVMM-CONSOLE-END/ { f = 0 } f { print } /^RINGVMM-CONSOLE-BEGIN\r?$/ { f = 1 }' \
        "$_f" > "$_f.section" 2> /dev/null
    grep -q 'RINGVMM-L2-INIT' "$_f" 2> /dev/null || _p="$_p no RINGVMM-L2-INIT through the pty;"
    if ! grep -q '^RINGVMM-CONSOLE-END' "$_f" 2> /dev/null; then
        _p="$_p no RINGVMM-CONSOLE-END marker;"
    elif ! cmp -s "$_f.section" /known.txt; then
        _p="$_p text differs: $(cmp "$_f.section" /known.txt 2>&1 | head -n 1);"
    fi
    [ -z "$_p" ] || tail -n 20 "$_f" 2> /dev/null | sed "s/^/RVLOG $_n pty | /"
    rv_report "$_n" "$_p" "pty=${_pty:-?} bytes=$(wc -c < "$_f.section" 2> /dev/null)\
 tx_throttled=$(rv_stat "$_n" virtio-console0 tx_throttled)"
}

rv_sc_virtio_console() { rv_check_virtio_console virtio_console /l2/bzImage; }
rv_sc_virtio_console_pci() {
    rv_check_virtio_console virtio_console_pci /l2/bzImage /l2/initrd.cpio.gz --virtio-transport pci
}

# --vsock cid=3,uds=PATH, an echo each way with 1 MiB (16 credit windows):
# L2 connects to host port 5000, which ringvmm connects to PATH_5000 where
# /rvsock echoes; L1 connects to PATH, says "CONNECT 6000" and gets L2's
# echo server. $1: the test's name, $2: the kernel, $3: the initrd, then
# more ringvmm options, as for rv_check_virtio_console.
rv_check_vsock() {
    _vn=$1 _vk=$2 _vi=${3:-/l2/initrd.cpio.gz}
    shift 2
    [ $# -eq 0 ] || shift
    _s=/tmp/rv-$_vn.sock
    rm -f "$_s" "${_s}_5000" "$RV_OUT/$_vn.rc"
    /rvsock unix-echo "${_s}_5000" > "$RV_OUT/$_vn.hostecho" 2>&1 &
    _e=$!
    (
        rv_vmm "$_vn" run --kernel "$_vk" --initrd "$_vi" \
            -p "$(rv_params vsock)" --mem 256M --vsock "cid=3,uds=$_s" --stats=json "$@"
        echo "$RV_RC $RV_SECS" > "$RV_OUT/$_vn.rc"
    ) &
    _v=$!
    _i=0
    while ! grep -q RINGVMM-VSOCK-LISTENING "$RV_OUT/$_vn.out" 2> /dev/null && [ $_i -lt 400 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    timeout 40 /rvsock unix-send "$_s" 6000 1048576 > "$RV_OUT/$_vn.hostsend" 2>&1
    wait $_v
    kill $_e 2> /dev/null
    read -r RV_RC RV_SECS < "$RV_OUT/$_vn.rc"
    _p=$(rv_rc_problem)
    _out=$(sed -n 's/.*RINGVMM-VSOCK-OUT //p' "$RV_OUT/$_vn.out" | tr -d '\r' | head -n 1)
    _in=$(tail -n 1 "$RV_OUT/$_vn.hostsend")
    _hs=$(sed -n 's/^rvsock handshake //p' "$RV_OUT/$_vn.hostsend")
    [ "$_out" = "rvsock ok sent=1048576 echoed=1048576" ] ||
        _p="$_p guest->host: ${_out:-no RINGVMM-VSOCK-OUT line};"
    [ "$_in" = "rvsock ok sent=1048576 echoed=1048576" ] || _p="$_p host->guest: ${_in:-nothing};"
    case "$_hs" in
        "OK "[0-9]*) ;;
        *) _p="$_p handshake: ${_hs:-no OK line};" ;;
    esac
    _g=$(rv_stat "$_vn" virtio-vsock0 conns_from_guest)
    _h=$(rv_stat "$_vn" virtio-vsock0 conns_from_host)
    _b=$(rv_stat "$_vn" virtio-vsock0 bad_packets)
    [ "${_g:-0}" = 1 ] && [ "${_h:-0}" = 1 ] || _p="$_p --stats: conns guest=${_g:-?} host=${_h:-?};"
    [ "${_b:-1}" = 0 ] || _p="$_p --stats: bad_packets=${_b:-?};"
    _m=
    case " $* " in *" pci "*)
        _p="$_p$(rv_msi_problem "$_vn" virtio-vsock0)"
        _m=" msis=$(rv_stat "$_vn" virtio-vsock0 msis)"
        ;;
    esac
    [ -z "$_p" ] || sed "s/^/RVLOG $_vn host | /" "$RV_OUT/$_vn.hostsend" "$RV_OUT/$_vn.hostecho"
    rv_report "$_vn" "$_p" "out: $_out; in: $_in; handshake ${_hs:-?};\
 tx_bytes=$(rv_stat "$_vn" virtio-vsock0 tx_bytes) rx_bytes=$(rv_stat "$_vn" virtio-vsock0 rx_bytes)$_m"
}

rv_sc_virtio_vsock() { rv_check_vsock virtio_vsock /l2/bzImage; }
rv_sc_virtio_vsock_pci() {
    rv_check_vsock virtio_vsock_pci /l2/bzImage /l2/initrd.cpio.gz --virtio-transport pci
}

# Is L1's kernel at least version $1.$2?
rv_l1_at_least() {
    _v=$(uname -r)
    _maj=${_v%%.*}
    _min=${_v#*.}
    _min=${_min%%[!0-9]*}
    [ "$_maj" -gt "$1" ] || { [ "$_maj" -eq "$1" ] && [ "$_min" -ge "$2" ]; }
}

# Guest RAM from guest_memfd (KVM_CREATE_GUEST_MEMFD with MMAP|INIT_SHARED,
# KVM_SET_USER_MEMORY_REGION2). L1's kernel version says what must happen,
# independently of ringvmm's own probing: from 6.18 on, L2 boots and the
# RAM slot --verbose prints is a guest_memfd slot; before, ringvmm gives
# one error line naming the missing capability and exits 2, nothing run.
rv_sc_guest_memfd() {
    rv_vmm guest_memfd run --kernel /l2/vmlinux --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params poweroff)" --mem 256M --mem-backend guest_memfd --verbose
    _o=$RV_OUT/guest_memfd.out
    _e=$RV_OUT/guest_memfd.err
    if rv_l1_at_least 6 18; then
        _p=$(rv_rc_problem)
        grep -q 'RINGVMM-L2-INIT' "$_o" || _p="$_p no RINGVMM-L2-INIT;"
        _slot=$(grep -m1 ' ram-low ' "$_e" | tr -s ' ')
        case "$_slot" in
            *'guest_memfd GUEST_MEMFD'*) ;;
            *) _p="$_p the RAM memslot is not a guest_memfd one: '$_slot';" ;;
        esac
        rv_report guest_memfd "$_p" "L1 $(uname -r): L2 booted from guest_memfd RAM, $(rv_marker_info guest_memfd); slot:${_slot}"
    else
        _p=
        [ "$RV_RC" = 2 ] || _p="exit code $RV_RC, expected 2 (configuration error);"
        grep -q 'RINGVMM-L2-INIT' "$_o" && _p="$_p L2 ran;"
        _msg=$(grep -c '^ringvmm: .*KVM_CAP_' "$_e")
        [ "$_msg" = 1 ] || _p="$_p $_msg error lines naming a KVM_CAP_, expected 1;"
        _msg=$(grep -m1 '^ringvmm: .*KVM_CAP_' "$_e")
        case "$_msg" in
            *'--mem-backend guest_memfd'*'lacks KVM_CAP_'*) ;;
            *) _p="$_p no clear capability error (got: '$_msg');" ;;
        esac
        rv_report guest_memfd "$_p" "L1 $(uname -r) < 6.18: $_msg"
    fi
}

# The common checks of the PFNMAP tests: exit 0; L2 read the seed line at
# the slot's start (its hex is reported for the host-side check); L2 wrote
# /known.txt at +4 KiB and read it back (rvmem: "ok 8192"); the memslot
# --verbose printed is a VM_PFNMAP mapping; and those accesses did not
# exit: rvmem made one store and one load per byte, so a slot that trapped
# would show at least 8192 MMIO exits in --stats=json (a whole L2 boot
# makes a few dozen). $2: more to report, $3: more problems.
rv_check_pfnmap() {
    _o=$RV_OUT/$1.out
    _p=$(rv_rc_problem)
    _seed=$(sed -n 's/.*RINGVMM-PFNMAP-SEED RINGVMM-HOST-SEED \([0-9a-f]*\).*/\1/p' "$_o" | head -n 1)
    [ -n "$_seed" ] ||
        _p="$_p L2 did not read a seed line ($(grep -m1 'RINGVMM-PFNMAP-SEED' "$_o" | tr -d '\r'));"
    _wrote=$(sed -n 's/.*RINGVMM-PFNMAP-WROTE \(.*\)/\1/p' "$_o" | head -n 1 | tr -d '\r')
    [ "$_wrote" = "ok $(wc -c < /known.txt)" ] || _p="$_p L2's write: '${_wrote:-no RINGVMM-PFNMAP-WROTE line}';"
    _slot=$(grep -m1 ' pt0 ' "$RV_OUT/$1.err" | tr -s ' ')
    case "$_slot" in
        *VM_PFNMAP*) ;;
        *) _p="$_p memslot pt0 is not VM_PFNMAP: '$_slot';" ;;
    esac
    _mmio=$(sed -n 's/.*"mmio_exits": \([0-9]*\).*/\1/p' "$RV_OUT/$1.err" | tail -n 1)
    if [ -z "$_mmio" ]; then
        _p="$_p no \"mmio_exits\" in --stats=json;"
    elif [ "$_mmio" -ge "$(wc -c < /known.txt)" ]; then
        _p="$_p $_mmio MMIO exits: the slot's accesses trapped;"
    fi
    rv_report "$1" "$_p$3" "seed=$_seed L2-wrote='$_wrote' mmio_exits=$_mmio $2 slot:$_slot"
}

# PFNMAP end to end with a PCI BAR: QEMU's ivshmem-plain device (1af4:1110),
# whose BAR2 is a file on the host. ringvmm maps .../resource2 (a VM_PFNMAP
# mapping) into L2 at RV_PT_GPA; the host checks the file after QEMU exits
# (tests/boot/lib.sh rv_boot_post_pfnmap_ivshmem).
rv_sc_pfnmap_ivshmem() {
    _dev=
    for _d in /sys/bus/pci/devices/*; do
        if [ "$(cat "$_d/vendor")" = 0x1af4 ] && [ "$(cat "$_d/device")" = 0x1110 ]; then
            _dev=$_d
            break
        fi
    done
    if [ -z "$_dev" ]; then
        RV_RC=- RV_SECS=0
        : > "$RV_OUT/pfnmap_ivshmem.out"
        lspci 2> /dev/null > "$RV_OUT/pfnmap_ivshmem.err"
        rv_report pfnmap_ivshmem "no ivshmem device (1af4:1110) on L1's PCI bus;"
        return
    fi
    # Memory decoding on, as a driver would (pci_enable_device).
    echo 1 > "$_dev/enable"
    rv_vmm pfnmap_ivshmem run --kernel /l2/vmlinux --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params pfnmap) rv.pfn=$RV_PT_GPA" --mem 256M --verbose --stats=json \
        --passthrough "path=$_dev/resource2,size=$RV_IVSHMEM_SIZE,gpa=$RV_PT_GPA"
    rv_check_pfnmap pfnmap_ivshmem "bar=$_dev/resource2"
}

# PFNMAP with RAM hidden from L1's kernel: QEMU booted L1 with
# memmap=RV_HIDDEN_SIZE$RV_HIDDEN_ADDR, so that range is "Reserved", not
# System RAM, and /dev/mem maps it (VM_PFNMAP|VM_IO). L1 plays the host's
# part here: it seeds the range, and after the run compares what L2 wrote
# there, read through /dev/mem, with /known.txt.
rv_sc_pfnmap_devmem() {
    _a=$(printf '%x' "$RV_HIDDEN_ADDR")
    _iomem=$(grep -i "^ *$_a-" /proc/iomem | head -n 1 | tr -s ' ')
    _seed=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    echo "RINGVMM-HOST-SEED $_seed" > /tmp/devmem.seed
    head -c "$(wc -c < /known.txt)" /dev/zero > /tmp/devmem.zero
    if ! /rvmem write "$RV_HIDDEN_ADDR" /tmp/devmem.seed > /dev/null ||
        ! /rvmem write $((RV_HIDDEN_ADDR + 4096)) /tmp/devmem.zero > /dev/null; then
        RV_RC=- RV_SECS=0
        : > "$RV_OUT/pfnmap_devmem.out"
        /rvmem write "$RV_HIDDEN_ADDR" /tmp/devmem.seed > "$RV_OUT/pfnmap_devmem.err" 2>&1
        rv_report pfnmap_devmem "L1 cannot map its hidden RAM at $RV_HIDDEN_ADDR through /dev/mem (iomem: '$_iomem');"
        return
    fi
    rv_vmm pfnmap_devmem run --kernel /l2/vmlinux --initrd /l2/initrd.cpio.gz \
        -p "$(rv_params pfnmap) rv.pfn=$RV_PT_GPA" --mem 256M --verbose --stats=json \
        --passthrough "path=/dev/mem,offset=$RV_HIDDEN_ADDR,size=$RV_HIDDEN_SIZE,gpa=$RV_PT_GPA"
    _x=
    grep -q "RINGVMM-PFNMAP-SEED RINGVMM-HOST-SEED $_seed" "$RV_OUT/pfnmap_devmem.out" ||
        _x=" L2 did not read L1's seed $_seed;"
    /rvmem read $((RV_HIDDEN_ADDR + 4096)) "$(wc -c < /known.txt)" > /tmp/devmem.back
    if cmp -s /tmp/devmem.back /known.txt; then
        _chk="L1 pattern check: /dev/mem[$RV_HIDDEN_ADDR + 0x1000, +$(wc -c < /known.txt)) equals known.txt"
    else
        _chk="L1 pattern check FAILED: $(cmp /tmp/devmem.back /known.txt 2>&1 | head -n 1)"
        _x="$_x hidden RAM does not hold what L2 wrote;"
    fi
    rv_check_pfnmap pfnmap_devmem "iomem='$_iomem' $_chk" "$_x"
}

# Harness self-test without ringvmm: L1 has a usable /dev/kvm.
rv_sc_l1_smoke() {
    RV_RC=0
    RV_SECS=0
    ls -l /dev/kvm
    if [ -c /dev/kvm ] && grep -q '^kvm_amd ' /proc/modules; then
        echo "RVTEST l1_smoke rc=0 time=0s PASS $(grep -c '^processor' /proc/cpuinfo) cpu(s), $(grep -o -m1 -w svm /proc/cpuinfo)"
    else
        echo "RVTEST l1_smoke rc=0 time=0s FAIL no /dev/kvm or kvm_amd"
    fi
}

# The tests/kvm suite (kvm_payload.sh staged it in /kvm) on L1's real KVM:
# every C test, then every shell test against the static ringvmm. A test
# passes with exit 0 and is skipped with 77 (it prints why); the verdict
# lists the failures, and each test's closing lines go to the log.
rv_sc_kvm_suite() {
    _t0=$(rv_now)
    _pass=0 _skip=0 _fail=
    echo "RVRUN kvm_suite"
    for _t in /kvm/bin/*_test /kvm/src/*_test.sh; do
        [ -e "$_t" ] || continue
        _n=$(basename "$_t")
        echo "RVRUN kvm_suite $_n"
        # update_test.sh starts a dozen ringvmm processes (updates, fallbacks).
        _to=$RV_RUN_TIMEOUT
        [ "$_n" = update_test.sh ] && _to=$((RV_RUN_TIMEOUT * 2))
        case $_t in
            *.sh) timeout -k 5 "$_to" bash "$_t" "$RV_VMM" ;;
            *) timeout -k 5 "$RV_RUN_TIMEOUT" "$_t" ;;
        esac < /dev/null > "$RV_OUT/kvm-$_n.log" 2>&1
        _rc=$?
        case $_rc in
            0) _pass=$((_pass + 1)) ;;
            77) _skip=$((_skip + 1)) ;;
            *)
                _fail="$_fail $_n(rc=$_rc)"
                tail -n 30 "$RV_OUT/kvm-$_n.log" | sed "s/^/RVLOG kvm_suite $_n tail | /"
                ;;
        esac
        # cmocka's and cli_lib.sh's closing lines, and every failure
        # (cmocka pads its tags: "[  PASSED  ]", "[  SKIPPED ]").
        grep -E '^\[ +(PASSED|FAILED|SKIPPED) +\]|^not ok|^[0-9]+ passed|SKIP|FAIL' \
            "$RV_OUT/kvm-$_n.log" | head -n 40 | sed "s/^/RVLOG kvm_suite $_n | /"
    done
    RV_RC=0
    RV_SECS=$(rv_since "$_t0")
    if [ -z "$_fail" ] && [ "$_pass" -gt 0 ]; then
        echo "RVTEST kvm_suite rc=0 time=${RV_SECS}s PASS $_pass passed, $_skip skipped"
    else
        echo "RVTEST kvm_suite rc=0 time=${RV_SECS}s FAIL failed:${_fail:- none ran}; $_pass passed, $_skip skipped"
    fi
}

# The seccomp sandbox on a real KVM (vmm/sandbox.c): a Linux boot under
# the filters is every other test here (the sandbox is on by default);
# this one makes each thread kind try a denied call right after entering
# its filter (RINGVMM_SECCOMP_SELFTEST): ringvmm must die of SIGSYS (exit
# 128 + 31 from the shell) saying which thread; --no-seccomp says it runs
# unconfined and boots.
rv_sc_sandbox() {
    _p=
    for _kind in vcpu loop; do
        export RINGVMM_SECCOMP_SELFTEST=$_kind
        rv_vmm "sandbox_$_kind" run
        unset RINGVMM_SECCOMP_SELFTEST
        [ "$RV_RC" = 159 ] || _p="$_p $_kind: exit $RV_RC, want 159 (SIGSYS);"
        grep -q "seccomp: $_kind thread made denied system call" "$RV_OUT/sandbox_$_kind.err" ||
            _p="$_p $_kind: no SIGSYS line;"
        sed "s/^/RVLOG sandbox err | $_kind: /" "$RV_OUT/sandbox_$_kind.err"
    done
    rv_vmm sandbox run --no-seccomp --kernel /l2/vmlinux --initrd /l2/initrd.cpio.gz \
        --cmdline "$(rv_params poweroff)" --mem 256M
    _p="$_p$(rv_rc_problem)"
    grep -q 'RINGVMM-L2-INIT' "$RV_OUT/sandbox.out" || _p="$_p no RINGVMM-L2-INIT with --no-seccomp;"
    grep -q 'WITHOUT the sandbox' "$RV_OUT/sandbox.err" || _p="$_p --no-seccomp was not loud;"
    # `ringvmm caps` says the sandbox can be installed here.
    rv_vmm sandbox_caps caps
    grep -q '^sandbox: yes' "$RV_OUT/sandbox_caps.out" || _p="$_p caps: no 'sandbox: yes' line;"
    grep '^sandbox:' "$RV_OUT/sandbox_caps.out" | sed 's/^/RVLOG sandbox caps | /'
    rv_report sandbox "$_p" "selftest vcpu+loop SIGSYS, --no-seccomp boots, caps says yes"
}

# The bad-input table of docs/threat-model.md on a real KVM: every case of
# tests/kvm/bad_input_table.sh (concatenated into this scenario by lib.sh)
# must exit 2 with its message. The rows go to the host as RVROW lines
# (tests/boot/bad_inputs_doc.sh puts them in the document).
rv_sc_bad_inputs() {
    _t0b=$(rv_now)
    echo "RVRUN bad_inputs"
    rv_bad_inputs "$RV_VMM" /tmp/bad > "$RV_OUT/bad_inputs.rows"
    RV_RC=$?
    RV_SECS=$(rv_since "$_t0b")
    sed 's/^/RVROW /' "$RV_OUT/bad_inputs.rows"
    _p=
    [ "$RV_RC" = 0 ] || _p="$(grep -c FAIL "$RV_OUT/bad_inputs.rows") rows FAIL;"
    grep 'FAIL' "$RV_OUT/bad_inputs.rows" | sed 's/^/RVLOG bad_inputs | /'
    rv_report bad_inputs "$_p" "$rv_bi_n cases"
}

# The last counter value L2 printed (l2-init.sh count) in run $1's output.
rv_count_last() {
    grep -o 'RINGVMM-COUNT [0-9]*' "$RV_OUT/$1.out" | tail -n 1 | cut -d' ' -f2
}

# rv_wait_count NAME MIN SECS: until run NAME's counter reaches MIN.
rv_wait_count() {
    _w=0
    while [ $_w -lt $(($3 * 10)) ]; do
        _c=$(rv_count_last "$1")
        [ -n "$_c" ] && [ "$_c" -ge "$2" ] && return 0
        # A line every 20 s: the host's session watch hears L1 alive.
        [ $((_w % 200)) = 199 ] && echo "RVWAIT $1 count ${_c:-none} of $2 $((_w / 10))s"
        sleep 0.1
        _w=$((_w + 1))
    done
    return 1
}

# rv_count_start NAME SOCKET [ARGS...]: boot L2 counting (l2-init.sh count) with the
# control socket at SOCKET, in the background: _pid is ringvmm's. The kernel
# is /l2/bzImage, or $RV_COUNT_KERNEL (the arm64 Image). The test
# ends it with ctl stop; the timeout, twice a run's, only catches a hang
# (a boot plus the idle time of the silent client can take most of one
# run's timeout on a loaded host).
rv_count_start() {
    _cn=$1
    _cs=$2
    shift 2
    rm -f "$_cs"
    echo "RVRUN $_cn"
    timeout -k 5 $((RV_RUN_TIMEOUT * 2)) "$RV_VMM" run --kernel "${RV_COUNT_KERNEL:-/l2/bzImage}" \
        --initrd /l2/initrd.cpio.gz -p "$(rv_params count)${RV_COUNT_PARAMS:+ $RV_COUNT_PARAMS}" \
        --mem 256M --api "$_cs" "$@" \
        < /dev/null > "$RV_OUT/$_cn.out" 2> "$RV_OUT/$_cn.err" &
    _pid=$!
}

# rv_counter_moves NAME SECS: did the counter go up within SECS seconds?
rv_counter_moves() {
    _m0=$(rv_count_last "$1")
    sleep "$2"
    [ "$(rv_count_last "$1")" -gt "$_m0" ]
}

# The control socket (run --api, ringvmm ctl; vmm/api/) on a Linux guest
# printing a counter every 50 ms: the socket is mode 0600; pause stops the
# counter (every vCPU out of KVM_RUN), resume starts it again; stats is a
# JSON reply; while a silent client, a garbage line, an oversized line and
# an unknown command hit the socket the counter keeps going and ctl is
# still served; the silent client is closed by the server (idle time);
# stop ends ringvmm with status 0.
rv_sc_api() {
    _n=api
    _s=/tmp/rv-api.sock
    _p=
    _t0=$(rv_now)
    rv_count_start "$_n" "$_s"
    if ! rv_wait_count "$_n" 10 60; then
        _p="the counter never reached 10;"
    else
        _mode=$(stat -c %a "$_s")
        [ "$_mode" = 600 ] || _p="$_p socket mode $_mode, want 600;"
        "$RV_VMM" ctl "$_s" pause > "$RV_OUT/ctl.txt" 2>&1 ||
            _p="$_p pause: $(cat "$RV_OUT/ctl.txt");"
        grep -q '"paused":true' "$RV_OUT/ctl.txt" || _p="$_p pause reply: $(cat "$RV_OUT/ctl.txt");"
        # Output already queued may still drain: look after it has.
        sleep 0.5
        _a=$(rv_count_last "$_n")
        sleep 1.5
        _b=$(rv_count_last "$_n")
        [ "$_a" = "$_b" ] || _p="$_p the counter went on while paused ($_a -> $_b);"
        "$RV_VMM" ctl "$_s" resume > "$RV_OUT/ctl.txt" 2>&1 ||
            _p="$_p resume: $(cat "$RV_OUT/ctl.txt");"
        rv_counter_moves "$_n" 2 || _p="$_p the counter did not resume;"
        "$RV_VMM" ctl "$_s" stats > "$RV_OUT/ctl-stats.txt" 2>&1 ||
            _p="$_p stats: $(head -c 200 "$RV_OUT/ctl-stats.txt");"
        grep -q '"ok":true,"stats":{.*"exits"' "$RV_OUT/ctl-stats.txt" ||
            _p="$_p stats reply: $(head -c 200 "$RV_OUT/ctl-stats.txt");"
        # Hostile clients, the guest running meanwhile.
        /rvmem sock "$_s" 40 > "$RV_OUT/silent.txt" 2>&1 &
        _sp=$!
        _h0=$(rv_now)
        /rvmem sock "$_s" 1 '}{ garbage
' > "$RV_OUT/garbage.txt" 2>&1
        grep -q '"ok":false,"error":"malformed JSON' "$RV_OUT/garbage.txt" &&
            grep -q '^held' "$RV_OUT/garbage.txt" ||
            _p="$_p garbage: $(cat "$RV_OUT/garbage.txt");"
        /rvmem sock "$_s" 2 "$(head -c 6000 /dev/zero | tr '\0' x)" > "$RV_OUT/huge.txt" 2>&1
        grep -q 'longer than' "$RV_OUT/huge.txt" && grep -q closed-by-server "$RV_OUT/huge.txt" ||
            _p="$_p oversized line: $(cat "$RV_OUT/huge.txt");"
        "$RV_VMM" ctl "$_s" fly > "$RV_OUT/ctl.txt" 2>&1
        _rc=$?
        [ $_rc = 1 ] && grep -q 'unknown command' "$RV_OUT/ctl.txt" ||
            _p="$_p unknown command: exit $_rc, $(cat "$RV_OUT/ctl.txt");"
        rv_counter_moves "$_n" 1 || _p="$_p the counter stalled beside hostile clients;"
        "$RV_VMM" ctl "$_s" stats > /dev/null 2>&1 || _p="$_p stats failed beside a silent client;"
        wait "$_sp"
        _held=$(rv_since "$_h0")
        grep -q closed-by-server "$RV_OUT/silent.txt" ||
            _p="$_p the silent client was not closed: $(cat "$RV_OUT/silent.txt");"
        # By the idle sweep (10 s), not by ringvmm going away.
        awk -v h="$_held" 'BEGIN { exit !(h >= 9.5) }' ||
            _p="$_p the silent client went after ${_held}s, before the idle time;"
        kill -0 "$_pid" 2> /dev/null || _p="$_p ringvmm ended before stop;"
        echo "RVLOG $_n silent client closed after ${_held}s"
        "$RV_VMM" ctl "$_s" stop > "$RV_OUT/ctl.txt" 2>&1 || _p="$_p stop: $(cat "$RV_OUT/ctl.txt");"
    fi
    wait "$_pid"
    RV_RC=$?
    RV_SECS=$(rv_since "$_t0")
    [ "$RV_RC" = 0 ] || _p="$_p ringvmm exit $RV_RC, want 0;"
    rv_report "$_n" "$_p" "last count $(rv_count_last "$_n")"
}

# Snapshot and restore (vmm/snapshot/; arm64: arm64/scenarios.sh): L2 counts on its console and
# keeps a tmpfs file whose checksum each line carries (l2-init.sh count).
# Paused, snapshotted (ctl snapshot DIR) and stopped; a second ringvmm
# restores it (--restore DIR): the two consoles together must count without
# a gap or a repeat, every checksum the same, the guest's uptime never
# going back nor jumping (a clock not restored, as an arm64 counter offset
# left at the new VM's, runs from garbage), and the restored guest must
# count on (40 more lines: two checksums of the file re-read after the
# restore). A corrupted and a truncated copy of the snapshot are refused
# with exit 2 and one line, and run nothing.
# In `snapshot`, the first run (RAM in a memfd: what an update needs; the
# seccomp sandbox on, as by default) is first live-updated (ctl update,
# vmm/snapshot/update.c, keeper.c) to /ringvmm2, a copy with another version
# string (lib.sh makes it): the reply names that version, the process
# started (the keeper) stays, its one child (the VMM) now runs /ringvmm2
# under the seccomp filters, and the counting, checksum and uptime checks
# above cover the update too (one console). The snapshot is then taken by
# the new binary and restored by the old one.
rv_sc_snapshot() {
    _upd="--mem-backend memfd"
    rv_snapshot_test snapshot --cpus 1
    _upd=
}
# With a virtio disk (L1's /dev/vda, the session's ext4 image) and
# virtio-rng: the guest logs each count to the disk with writes in flight
# all along, across a live update to /ringvmm2 (the disk's open file and
# its lock handed over, the reply must say so), the snapshot (which
# completes them first) and the restore, and powers off at count 150 once the log holds 0..149 and
# virtio-rng still answers; the host then runs e2fsck -fn on the image
# and reads the log back (rv_boot_post_snapshot_disk). A restore on a disk of
# another size is refused.
rv_sc_snapshot_disk() {
    if ! rv_l1_disk; then
        RV_RC=- RV_SECS=0
        rv_report snapshot_disk "L1 has no /dev/vda (its virtio disk);"
        return
    fi
    RV_SNAP_DISK=150
    _upd="--mem-backend memfd"
    rv_snapshot_test snapshot_disk --cpus 1 --rng
    _upd=
    RV_SNAP_DISK=
}
# The same with the disk and the rng on PCI (--virtio-transport pci): the
# MSI-X table, vectors and the PCI command register cross the snapshot and
# the live update, and the counting guest's disk writes still complete.
rv_sc_snapshot_pci() {
    if ! rv_l1_disk; then
        RV_RC=- RV_SECS=0
        rv_report snapshot_pci "L1 has no /dev/vda (its virtio disk);"
        return
    fi
    RV_SNAP_DISK=150
    _upd="--mem-backend memfd"
    rv_snapshot_test snapshot_pci --cpus 1 --rng --virtio-transport pci
    _upd=
    RV_SNAP_DISK=
}
# The same with two vCPUs: the APs' MP state, LAPICs and TSCs come through.
rv_sc_snapshot_smp() { rv_snapshot_test snapshot_smp --cpus 2; }

# rv_update_step NAME SOCKET: update the counting guest to /ringvmm2 and
# see it count 20 more; failures are added to _p.
rv_update_step() {
    _v2=$(cat /ringvmm2.version 2> /dev/null)
    _u0=$(rv_count_last "$1")
    "$RV_VMM" ctl "$2" update --binary /ringvmm2 > "$RV_OUT/ctl-update.txt" 2>&1 ||
        _p="$_p update: $(cat "$RV_OUT/ctl-update.txt");"
    echo "RVLOG $1 update reply (at count $_u0): $(cat "$RV_OUT/ctl-update.txt")"
    grep -q "\"version\":\"$_v2\"" "$RV_OUT/ctl-update.txt" ||
        _p="$_p the update's reply does not name version $_v2;"
    # The keeper: the process started (busybox timeout execs it; another
    # timeout forks it). The VMM: its one child (the old one leaves once
    # the new one took over).
    _kp=$_pid
    case $(readlink "/proc/$_kp/exe") in
        /ringvmm*) ;;
        *) _kp=$(awk '{ print $1 }' "/proc/$_pid/task/$_pid/children" 2> /dev/null) ;;
    esac
    _i=0
    while [ "$_i" -lt 50 ]; do
        _vp=$(cat "/proc/$_kp/task/$_kp/children" 2> /dev/null)
        [ "$(echo "$_vp" | wc -w)" = 1 ] && break
        sleep 0.1
        _i=$((_i + 1))
    done
    _vp=$(echo "$_vp" | awk '{ print $1 }')
    [ "$(readlink "/proc/$_kp/exe")" = /ringvmm ] ||
        _p="$_p the keeper $_kp runs $(readlink "/proc/$_kp/exe"), not /ringvmm;"
    [ "$(readlink "/proc/$_vp/exe")" = /ringvmm2 ] ||
        _p="$_p the keeper's child $_vp runs $(readlink "/proc/$_vp/exe"), not /ringvmm2;"
    grep -q '^Seccomp:[[:space:]]*2' "/proc/$_vp/status" ||
        _p="$_p the new VMM $_vp runs without its seccomp filters;"
    rv_wait_count "$1" $((_u0 + 20)) 60 ||
        _p="$_p no count after the update (last: $(rv_count_last "$1"));"
    # The disk's open file crossed (its OFD lock with it), not reopened.
    if [ -n "$RV_SNAP_DISK" ]; then
        grep -q '"handed":{[^}]*"virtio-blk0":1' "$RV_OUT/ctl-update.txt" ||
            _p="$_p the update did not hand the disk's fd over;"
    fi
}

# rv_snapshot_test NAME ARGS...: the test above, ARGS for both runs.
rv_snapshot_test() {
    _n=$1
    shift
    _s=/tmp/rv-snap.sock
    _d=/tmp/rv-snap
    _p=''
    _q=''
    rm -rf "$_d" "$_d.bad"
    _t0=$(rv_now)
    # The disk: each request of the first run waits 500 ms (latency=MS),
    # so that the snapshot is likely to find some in flight and complete
    # them first; the restore takes the disk without it.
    _d1=''
    _d2=''
    if [ -n "$RV_SNAP_DISK" ]; then
        _d1="--disk /dev/vda,latency=500 --stats=json" _d2="--disk /dev/vda"
    fi
    RV_COUNT_PARAMS=${RV_SNAP_DISK:+rv.disk=$RV_SNAP_DISK}
    # shellcheck disable=SC2086 # _upd, _d1: words
    rv_count_start "$_n" "$_s" "$@" ${_upd:-} $_d1
    RV_COUNT_PARAMS=
    if ! rv_wait_count "$_n" 20 60; then
        _p="the counter never reached 20;"
        kill "$_pid"
    else
        [ -n "${_upd:-}" ] && rv_update_step "$_n" "$_s"
        "$RV_VMM" ctl "$_s" pause > /dev/null 2>&1 || _p="$_p pause failed;"
        "$RV_VMM" ctl "$_s" snapshot "$_d" > "$RV_OUT/ctl-snap.txt" 2>&1 ||
            _p="$_p snapshot: $(cat "$RV_OUT/ctl-snap.txt");"
        echo "RVLOG $_n snapshot reply: $(cat "$RV_OUT/ctl-snap.txt")"
        "$RV_VMM" ctl "$_s" stop > /dev/null 2>&1 || _p="$_p stop failed;"
    fi
    wait "$_pid"
    _rc1=$?
    [ "$_rc1" = 0 ] || _p="$_p first run exit $_rc1;"
    _a=$(rv_count_last "$_n")
    ls -ls "$_d" | sed "s/^/RVLOG $_n dir | /"
    # The restore, on the same shape of machine.
    rm -f "$_s"
    # shellcheck disable=SC2086
    timeout -k 5 "$RV_RUN_TIMEOUT" "$RV_VMM" run --restore "$_d" --mem 256M --api "$_s" "$@" $_d2 \
        < /dev/null > "$RV_OUT/${_n}2.out" 2> "$RV_OUT/${_n}2.err" &
    _pid=$!
    if [ -n "$_a" ] && rv_wait_count "${_n}2" $((_a + 40)) 60; then
        # With the disk the guest powers off by itself (its file system clean).
        [ -n "$RV_SNAP_DISK" ] ||
            "$RV_VMM" ctl "$_s" stop > /dev/null 2>&1 || _p="$_p stop of the restored guest failed;"
    else
        _p="$_p the restored guest did not count 40 on from $_a (last: $(rv_count_last "${_n}2"));"
        kill "$_pid" 2> /dev/null
    fi
    wait "$_pid"
    _rc2=$?
    [ "$_rc2" = 0 ] || _p="$_p restored run exit $_rc2;"
    sed "s/^/RVLOG $_n restore err | /" "$RV_OUT/${_n}2.err" | head -n 20
    # Both consoles as one: consecutive counts, one checksum.
    _seq=$(cat "$RV_OUT/$_n.out" "$RV_OUT/${_n}2.out" | tr -d '\r' |
        grep -o 'RINGVMM-COUNT [0-9]* [0-9a-f]* [0-9.]*' |
        awk 'NR == 1 { n = $2; s = $3; t = $4; next }
             $2 != n + 1 { print "gap or repeat: " n " then " $2; exit }
             $3 != s { print "checksum " s " became " $3 " at " $2; exit }
             $4 < t { print "uptime went back from " t " to " $4 " at " $2; exit }
             $4 > t + 30 { print "uptime jumped from " t " to " $4 " at " $2; exit }
             { n = $2; t = $4 }
             END { if (NR < 40) print "only " NR " counter lines" }')
    [ -z "$_seq" ] || _p="$_p $_seq;"
    # The lines either side of the snapshot, for the record.
    echo "RVLOG $_n across: $(grep -o 'RINGVMM-COUNT [0-9]* [0-9a-f]* [0-9.]*' "$RV_OUT/$_n.out" |
        tail -n 1) | $(grep -o 'RINGVMM-COUNT [0-9]* [0-9a-f]* [0-9.]*' "$RV_OUT/${_n}2.out" |
        head -n 1)"
    # Refused snapshots: nothing runs, one line, exit 2.
    cp -r "$_d" "$_d.bad"
    printf 'X' | dd of="$_d.bad/state" bs=1 seek=200 conv=notrunc 2> /dev/null
    # shellcheck disable=SC2086
    "$RV_VMM" run --restore "$_d.bad" --mem 256M "$@" $_d2 > "$RV_OUT/bad.out" 2> "$RV_OUT/bad.err"
    _rc=$?
    [ $_rc = 2 ] && grep -q 'corrupted' "$RV_OUT/bad.err" && [ ! -s "$RV_OUT/bad.out" ] ||
        _p="$_p corrupted snapshot: exit $_rc, $(head -c 200 "$RV_OUT/bad.err");"
    head -c 100 "$_d/state" > "$_d.bad/state"
    # shellcheck disable=SC2086
    "$RV_VMM" run --restore "$_d.bad" --mem 256M "$@" $_d2 > "$RV_OUT/bad.out" 2> "$RV_OUT/bad.err"
    _rc=$?
    [ $_rc = 2 ] && grep -q 'truncated' "$RV_OUT/bad.err" && [ ! -s "$RV_OUT/bad.out" ] ||
        _p="$_p truncated snapshot: exit $_rc, $(head -c 200 "$RV_OUT/bad.err");"
    echo "RVLOG $_n refused: $(cat "$RV_OUT/bad.err")"
    if [ -n "$RV_SNAP_DISK" ]; then
        _l=$(sed -n 's/.*RINGVMM-SNAPDISK \(.*\)/\1/p' "$RV_OUT/${_n}2.out" | tr -d '\r' | head -n 1)
        [ "$_l" = "log=ok lines=$RV_SNAP_DISK rng=64 umount=ok" ] || _p="$_p restored guest's disk: ${_l:-nothing};"
        grep -q 'cannot save' "$RV_OUT/ctl-snap.txt" && _p="$_p a virtio device refused the snapshot;"
        # The image must be the guest's: another size is refused.
        truncate -s 8M /tmp/rv-snap-other.img
        "$RV_VMM" run --restore "$_d" --mem 256M "$@" --disk /tmp/rv-snap-other.img \
            > "$RV_OUT/bad.out" 2> "$RV_OUT/bad.err"
        _rc=$?
        [ $_rc = 2 ] && grep -q 'the disk had' "$RV_OUT/bad.err" && [ "$(wc -l < "$RV_OUT/bad.err")" = 1 ] ||
            _p="$_p disk of another size: exit $_rc, $(head -c 200 "$RV_OUT/bad.err");"
        _q=$(rv_stat "$_n" virtio-blk0 snapshot_quiesced)
        echo "RVLOG $_n disk: $_l; requests the snapshot completed first: ${_q:-?}; other size: $(cat "$RV_OUT/bad.err")"
        rm -f /tmp/rv-snap-other.img
    fi
    RV_RC=$_rc2
    RV_SECS=$(rv_since "$_t0")
    rv_report "$_n" "$_p" "counted to $_a, then on to $(rv_count_last "${_n}2") after the restore${_q:+, $_q disk requests completed by the snapshot}"
}
