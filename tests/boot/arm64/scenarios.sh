# shellcheck shell=sh
# L1-side arm64 boot test scenarios (busybox sh inside the arm64 nested test
# host). lib.sh concatenates tests/boot/scenarios.sh (for its helpers:
# rv_vmm, rv_rc_problem, rv_report, rv_check_boot, rv_params; its x86
# rv_sc_* functions are defined but never called), this file, and calls of
# the wanted rv_sc_a64_<test> functions into L1's /scenario.sh.
#
# Result lines, as on x86:
#   RVTEST <name> rc=<ringvmm exit code> time=<s> PASS|FAIL [why]
# plus, for tests that dump a device tree, the blob for the host to check
# with dtc (the host has dtc, L1 has not):
#   RVDTB-BEGIN <name> / base64 lines / RVDTB-END <name>

RV_A64_IMAGE=/l2/Image
RV_A64_INITRD=/l2/initrd.cpio.gz

rv_emit_dtb() {
    [ -s "$2" ] || return 0
    echo "RVDTB-BEGIN $1"
    base64 "$2"
    echo "RVDTB-END $1"
}

# The built-in guest on 2 vCPUs: banner over the MMIO UART, PSCI SYSTEM_OFF.
# Its device tree (--dump-dtb) goes to the host for dtc.
rv_sc_a64_builtin() {
    rv_vmm a64_builtin run --cpus 2 --dump-dtb "$RV_OUT/a64_builtin.dtb" --stats=json
    _p=$(rv_rc_problem)
    grep -q 'ringvmm built-in guest: hello from arm64' "$RV_OUT/a64_builtin.out" ||
        _p="$_p no banner;"
    [ -s "$RV_OUT/a64_builtin.dtb" ] || _p="$_p no --dump-dtb file;"
    rv_report a64_builtin "$_p" "$(tr -d '\r\n' < "$RV_OUT/a64_builtin.out" | head -c 70)"
    rv_emit_dtb a64_builtin "$RV_OUT/a64_builtin.dtb"
}

rv_sc_a64_caps() {
    rv_vmm a64_caps caps
    _p=$(rv_rc_problem)
    for _c in KVM_CAP_ARM_PSCI_0_2 KVM_CAP_DEVICE_CTRL KVM_CAP_ONE_REG KVM_CAP_COALESCED_MMIO; do
        grep -q "^$_c  *yes" "$RV_OUT/a64_caps.out" || _p="$_p $_c not listed as present;"
    done
    rv_report a64_caps "$_p" "$(head -n 1 "$RV_OUT/a64_caps.out")"
    sed 's/^/RVLOG a64_caps out | /' "$RV_OUT/a64_caps.out"
}

# rv_a64_config_error TEST WHY ARGS...: `ringvmm ARGS` must exit 2 with one
# line on stderr; appends to _errs what went wrong, logs as TEST.
rv_a64_config_error() {
    _test=$1
    _why=$2
    shift 2
    rv_vmm "${_test}_err" "$@"
    _n=$(wc -l < "$RV_OUT/${_test}_err.err")
    if [ "$RV_RC" != 2 ] || [ "$_n" != 1 ]; then
        _errs="$_errs $_why: rc=$RV_RC, $_n stderr lines;"
        sed "s/^/RVLOG $_test err | $_why: /" "$RV_OUT/${_test}_err.err"
    else
        echo "RVLOG $_test ok | $_why: $(cat "$RV_OUT/${_test}_err.err")"
    fi
}

# Bad Images, impossible sizes, a transport arm64 lacks: one clear line and
# exit 2, nothing runs.
rv_sc_a64_errors() {
    _errs=
    _d=$RV_OUT/err
    mkdir -p "$_d"
    head -c 4096 /dev/urandom > "$_d/garbage"
    head -c 65536 "$RV_A64_IMAGE" | gzip -c > "$_d/Image.gz"
    head -c 40 "$RV_A64_IMAGE" > "$_d/short"
    # A header whose text_offset is absurd, and one saying big-endian.
    head -c 1048576 "$RV_A64_IMAGE" > "$_d/text_offset"
    printf '\377\377\377\377\377\377\377\177' |
        dd of="$_d/text_offset" bs=1 seek=8 conv=notrunc 2> /dev/null
    head -c 1048576 "$RV_A64_IMAGE" > "$_d/big_endian"
    printf '\001' | dd of="$_d/big_endian" bs=1 seek=24 conv=notrunc 2> /dev/null
    dd if=/dev/zero of="$_d/big.initrd" bs=1048576 count=40 2> /dev/null
    # Not _t0: rv_vmm sets that.
    _et0=$(rv_now)
    rv_a64_config_error a64_errors "random bytes" run --kernel "$_d/garbage"
    rv_a64_config_error a64_errors "gzip Image" run --kernel "$_d/Image.gz"
    rv_a64_config_error a64_errors "shorter than the header" run --kernel "$_d/short"
    rv_a64_config_error a64_errors "text_offset" run --kernel "$_d/text_offset"
    rv_a64_config_error a64_errors "big-endian" run --kernel "$_d/big_endian"
    rv_a64_config_error a64_errors "initrd larger than RAM" run --kernel "$RV_A64_IMAGE" \
        --initrd "$_d/big.initrd" --mem 32M
    rv_a64_config_error a64_errors "kernel larger than RAM" run --kernel "$RV_A64_IMAGE" --mem 16M
    rv_a64_config_error a64_errors "--cpus beyond the GIC" run --cpus 200
    rv_a64_config_error a64_errors "--mem below the minimum" run --mem 8M
    rv_a64_config_error a64_errors "--dump-dtb unwritable" run --dump-dtb /proc/nope/x.dtb
    rv_a64_config_error a64_errors "--virtio-transport pci: no PCI host" run \
        --kernel "$RV_A64_IMAGE" --virtio-transport pci --rng
    RV_RC=0
    RV_SECS=$(rv_since "$_et0")
    rv_report a64_errors "$_errs" "11 cases"
}

# `ringvmm bench coalesce` with the AArch64 guest (bench/guest-arm64.S),
# small because the nested host is slow: 2 MMIO sinks, 2 vCPUs, a read every
# 7 writes, rings of 8 entries, every mode once. PASS: exit 0; the JSON is
# an arm64 report that says OK, with a row per mode and device, each with
# all 600 writes (300 x 2 vCPUs), none lost, reordered, mismatched or
# invalid, and writes coalesced in every mode but off; the same run as a
# table says OK too, and its lines go to the log ("RVLOG a64_bench table |")
# for the figures; --space pio and mixed exit 2 with one line (arm64 has no
# port space).
rv_a64_bench_args="coalesce --writes 300 --repeat 1 --devices 2 --cpus 2 --read-every 7 --ring-entries 8"
rv_sc_a64_bench() {
    # Not _t0: rv_vmm sets that.
    _bt0=$(rv_now)
    # shellcheck disable=SC2086 # the arguments are words
    rv_vmm a64_bench bench $rv_a64_bench_args --json
    _rc=$RV_RC
    _p=$(rv_rc_problem)
    _j=$RV_OUT/a64_bench.out
    grep -q '"arch": "arm64"' "$_j" || _p="$_p not an arm64 report;"
    grep -q '"order_and_completeness": "OK"' "$_j" || _p="$_p JSON verdict not OK;"
    grep -q '"ok": true' "$_j" || _p="$_p JSON \"ok\" not true;"
    grep -q '^order and completeness: OK' "$RV_OUT/a64_bench.err" ||
        _p="$_p no OK verdict on stderr;"
    _rows=0
    for _m in off vm-ring per-device doorbell; do
        for _d in sink0 sink1; do
            # The row up to its first nested object (latency_us).
            _r=$(grep -o "{\"mode\": \"$_m\", \"device\": \"$_d\"[^}]*" "$_j" | head -n 1)
            if [ -z "$_r" ]; then
                _p="$_p no row $_m/$_d;"
                continue
            fi
            _rows=$((_rows + 1))
            for _k in '"writes": 600,' '"writes_expected": 600,' '"lost": 0,' \
                '"reordered": 0,' '"read_mismatch": 0,' '"invalid": 0,' '"complete": true'; do
                case $_r in
                    *"$_k"*) ;;
                    *) _p="$_p $_m/$_d: no $_k;" ;;
                esac
            done
            case $_m/$_r in
                off/*) ;;
                *'"coalesced_writes": 0,'*) _p="$_p $_m/$_d: nothing coalesced;" ;;
            esac
        done
    done

    # The same run as a table, for the figures.
    # shellcheck disable=SC2086
    rv_vmm a64_bench_table bench $rv_a64_bench_args
    _q=$(rv_rc_problem)
    [ -z "$_q" ] || _p="$_p table run: $_q"
    grep -q '^order and completeness: OK' "$RV_OUT/a64_bench_table.out" ||
        _p="$_p table run not OK;"
    sed 's/^/RVLOG a64_bench table | /' "$RV_OUT/a64_bench_table.out"
    sed 's/^/RVLOG a64_bench table err | /' "$RV_OUT/a64_bench_table.err"

    _errs=
    for _s in pio mixed; do
        rv_a64_config_error a64_bench "--space $_s" bench coalesce --writes 10 --repeat 1 \
            --space $_s
    done
    _p="$_p$_errs"
    RV_RC=$_rc
    RV_SECS=$(rv_since "$_bt0")
    rv_report a64_bench "$_p" "$_rows rows"
}

# Linux on 2 vCPUs to /init, both CPUs up, power off, exit 0; its device
# tree (bootargs, initrd range) goes to the host.
rv_sc_a64_linux() {
    rv_vmm a64_linux run --kernel "$RV_A64_IMAGE" --initrd "$RV_A64_INITRD" \
        -p "$(rv_params cpus)" --mem 512M --cpus 2 \
        --dump-dtb "$RV_OUT/a64_linux.dtb" --stats=json
    _p=$(rv_rc_problem)
    grep -q 'RINGVMM-L2-INIT' "$RV_OUT/a64_linux.out" || _p="$_p no RINGVMM-L2-INIT;"
    _cpus=$(sed -n 's/.*RINGVMM-CPUS \([0-9]*\).*/\1/p' "$RV_OUT/a64_linux.out" | head -n 1)
    [ "$_cpus" = 2 ] || _p="$_p guest saw ${_cpus:-no} CPUs, expected 2;"
    rv_report a64_linux "$_p" "$(rv_marker_info a64_linux) cpus=${_cpus:-?}"
    # A quiet boot says little: all of it, for the record.
    [ -z "$_p" ] && tr -d '\r' < "$RV_OUT/a64_linux.out" | head -n 30 |
        sed 's/^/RVLOG a64_linux out | /'
    rv_emit_dtb a64_linux "$RV_OUT/a64_linux.dtb"
}

# The first console lines of a Linux boot, in full (no `quiet`): the kernel
# found the machine the device tree describes. Bounded: CI's short boot.
rv_sc_a64_linux_log() {
    rv_vmm a64_linux_log run --kernel "$RV_A64_IMAGE" --initrd "$RV_A64_INITRD" \
        -p "rv.test=poweroff" --mem 512M --cpus 2
    _p=$(rv_rc_problem)
    _o=$RV_OUT/a64_linux_log.out
    for _l in 'Booting Linux on physical CPU 0x0' 'Machine model: ringvmm' \
        'psci: PSCIv' 'GICv3: ' 'arch_timer: cp15 timer' 'SMP: Total of 2 processors' \
        'ttyS0 at MMIO 0x9000000' 'RINGVMM-L2-INIT'; do
        grep -q "$_l" "$_o" || _p="$_p no \"$_l\";"
    done
    rv_report a64_linux_log "$_p" "$(grep -c '' "$_o") console lines"
    # The opening lines, for the record.
    grep -m 12 -E 'Booting Linux|Machine model|psci:|GICv3:|arch_timer|SMP:|ttyS0|Run /init|RINGVMM-L2' "$_o" |
        tr -d '\r' | sed 's/^/RVLOG a64_linux_log out | /'
}

# Console output is byte-exact (8 KiB of known text, no \r added).
rv_sc_a64_console() {
    rv_vmm a64_console run --kernel "$RV_A64_IMAGE" --initrd "$RV_A64_INITRD" \
        -p "$(rv_params console)" --mem 256M
    _p=$(rv_rc_problem)
    _o=$RV_OUT/a64_console.out
    _s=$RV_OUT/a64_console.section
    awk '/^RINGVMM-CONSOLE-END/ { f = 0 } f { print } /^RINGVMM-CONSOLE-BEGIN\r?$/ { f = 1 }' "$_o" > "$_s"
    _info=
    if ! grep -q '^RINGVMM-CONSOLE-BEGIN' "$_o" || ! grep -q '^RINGVMM-CONSOLE-END' "$_o"; then
        _p="$_p console markers missing;"
    elif ! cmp -s "$_s" /known.txt; then
        _p="$_p text differs: $(cmp "$_s" /known.txt 2>&1 | head -n 1);"
    else
        _info="bytes=$(wc -c < "$_s")"
    fi
    rv_report a64_console "$_p" "$_info"
}

# A guest `reboot -f` (PSCI SYSTEM_RESET) ends ringvmm with 0.
rv_sc_a64_reboot() {
    rv_vmm a64_reboot run --kernel "$RV_A64_IMAGE" --initrd "$RV_A64_INITRD" \
        -p "$(rv_params reboot)" --mem 256M
    rv_check_boot a64_reboot
}

# An ext4 root on virtio-blk (a virtio,mmio node in the device tree): the
# image is a file in L1's tmpfs. The first boot writes, the second reads
# back; the root is clean when L2 remounts it read-only at the end.
rv_sc_a64_virtio_blk() {
    cp /l2/root.img /tmp/root.img
    rv_vmm a64_virtio_blk run --kernel "$RV_A64_IMAGE" --initrd "$RV_A64_INITRD" \
        -p "$(rv_params root) rv.root=write" --mem 512M --cpus 2 \
        --disk /tmp/root.img --dump-dtb "$RV_OUT/a64_virtio_blk.dtb" --stats=json
    _p=$(rv_rc_problem)
    _o=$RV_OUT/a64_virtio_blk.out
    grep -q 'RINGVMM-ROOT-INIT /dev/vda ext4 rw' "$_o" || _p="$_p no ext4 rw root on /dev/vda;"
    _w=$(sed -n 's/.*RINGVMM-ROOT-WROTE known=[0-9a-f]* big=\([0-9a-f]*\).*/\1/p' "$_o" | head -n 1)
    [ -n "$_w" ] || _p="$_p first boot wrote nothing;"
    grep -q 'RINGVMM-ROOT-DONE' "$_o" || _p="$_p the root was not remounted read-only;"
    _wb=$(rv_stat a64_virtio_blk virtio-blk0 write_bytes)
    _q=$(rv_stat a64_virtio_blk virtio-blk0 queues)
    # The edge SPI through a plain irqfd, its ACKs counted in KVM, and the
    # register reads from the read-only memslot.
    _irqfd=$(rv_stat a64_virtio_blk virtio-blk0 irqfd)
    _ack=$(rv_stat a64_virtio_blk virtio-blk0 acks_in_kernel)
    _rp=$(rv_stat a64_virtio_blk virtio-blk0 reg_page)
    [ "${_irqfd:-0}" = 1 ] || _p="$_p irqfd ${_irqfd:-none}, not 1;"
    [ "${_ack:-0}" -ge 1 ] || _p="$_p acks_in_kernel ${_ack:-none};"
    [ "${_rp:-0}" = 1 ] || _p="$_p reg_page ${_rp:-none}, not 1;"
    if [ -z "$_p" ]; then
        rv_vmm a64_virtio_blk run --kernel "$RV_A64_IMAGE" --initrd "$RV_A64_INITRD" \
            -p "$(rv_params root) rv.root=read" --mem 512M --disk /tmp/root.img \
            --stats=json
        _p=$(rv_rc_problem)
        _r=$(sed -n 's/.*RINGVMM-ROOT-READ written=\([a-z]*\) big=\([0-9a-f]*\).*/\1 \2/p' "$_o" | head -n 1)
        [ "$_r" = "ok $_w" ] || _p="$_p second boot read: ${_r:-nothing}, wrote big=$_w;"
    fi
    rv_report a64_virtio_blk "$_p" "write_bytes=${_wb:-?} queues=${_q:-?} irqfd=${_irqfd:-?} acks_in_kernel=${_ack:-?} reg_page=${_rp:-?} read=${_r:-?}"
    rv_emit_dtb a64_virtio_blk "$RV_OUT/a64_virtio_blk.dtb"
    rm -f /tmp/root.img
}

rv_sc_a64_virtio_rng() { rv_check_rng a64_virtio_rng "$RV_A64_IMAGE" "$RV_A64_INITRD"; }
rv_sc_a64_virtio_console() {
    rv_check_virtio_console a64_virtio_console "$RV_A64_IMAGE" "$RV_A64_INITRD"
}
rv_sc_a64_virtio_vsock() { rv_check_vsock a64_virtio_vsock "$RV_A64_IMAGE" "$RV_A64_INITRD"; }
# virtio-net found through the device tree: tests/boot/scenarios-net.sh,
# 64 MiB each way as on x86 (16 MiB each way took 2.5 s down and 1.9 s up
# on 2026-12-03). Two vCPUs, so two queue pairs (VIRTIO_NET_F_MQ and the
# control queue), as on x86.
rv_sc_a64_virtio_net() { rv_check_net_tap a64_virtio_net "$RV_A64_IMAGE" "$RV_A64_INITRD" 64 2; }
# passt, found in L1 where the host put Debian's arm64 passt with its
# libraries (lib.sh rv_a64_run): tests/boot/scenarios-net.sh.
rv_sc_a64_virtio_net_passt() {
    rv_check_net_passt a64_virtio_net_passt "$RV_A64_IMAGE" "$RV_A64_INITRD"
}

# Snapshot and restore on arm64 (arch/arm64/snapshot.c, gic-state.c): the
# x86 test (scenarios.sh rv_snapshot_test: a counter and a tmpfs file's
# checksum on the console, no gap, no repeat, the same checksum, uptime
# never going back, 40 more lines after the restore; a corrupted and a
# truncated snapshot refused) on two vCPUs, so that the secondary's
# registers, MP state and redistributor come through too. First, as x86's
# `snapshot` does, a live update to /ringvmm2 (another version string,
# lib.sh): the keeper keeps its pid, its new child runs /ringvmm2 in its
# sandbox, the count goes on with no gap or repeat, the
# uptime showing no reboot; the new binary takes the snapshot.
rv_sc_a64_snapshot() {
    RV_COUNT_KERNEL=$RV_A64_IMAGE
    _upd="--mem-backend memfd"
    rv_snapshot_test a64_snapshot --cpus 2
    _upd=
    unset RV_COUNT_KERNEL
}
# The same on one vCPU: not in RV_A64_TESTS (CI runs the two-vCPU one);
# run_all.sh a64_snapshot_up runs it.
rv_sc_a64_snapshot_up() {
    RV_COUNT_KERNEL=$RV_A64_IMAGE
    rv_snapshot_test a64_snapshot_up --cpus 1
    unset RV_COUNT_KERNEL
}

# The sandbox on arm64 KVM (vmm/sandbox.c): the other a64 tests boot under
# it; here each thread kind tries a denied call right after entering its
# filter and ringvmm must die of SIGSYS (exit 159) naming it. Also the
# path checks that used to hang here: --kernel and --initrd FIFOs, and a
# --dump-dtb FIFO, are refused at once with exit 2.
rv_sc_a64_sandbox() {
    _p=
    for _kind in vcpu loop; do
        export RINGVMM_SECCOMP_SELFTEST=$_kind
        rv_vmm "a64_sandbox_$_kind" run --cpus 2
        unset RINGVMM_SECCOMP_SELFTEST
        [ "$RV_RC" = 159 ] || _p="$_p $_kind: exit $RV_RC, want 159 (SIGSYS);"
        grep -q "seccomp: $_kind thread made denied system call" \
            "$RV_OUT/a64_sandbox_$_kind.err" || _p="$_p $_kind: no SIGSYS line;"
        sed "s/^/RVLOG a64_sandbox err | $_kind: /" "$RV_OUT/a64_sandbox_$_kind.err"
    done
    rm -f "$RV_OUT/fifo"
    mkfifo "$RV_OUT/fifo"
    _errs=
    rv_a64_config_error a64_sandbox "--kernel FIFO" run --kernel "$RV_OUT/fifo"
    rv_a64_config_error a64_sandbox "--initrd FIFO" run --kernel "$RV_A64_IMAGE" \
        --initrd "$RV_OUT/fifo"
    rv_a64_config_error a64_sandbox "--dump-dtb FIFO" run --dump-dtb "$RV_OUT/fifo"
    _p="$_p$_errs"
    rv_vmm a64_sandbox run --cpus 2
    grep -q 'ringvmm built-in guest: hello from arm64' "$RV_OUT/a64_sandbox.out" ||
        _p="$_p built-in guest under the sandbox: no banner;"
    _p="$_p$(rv_rc_problem)"
    rv_report a64_sandbox "$_p" "selftest vcpu+loop SIGSYS, FIFOs refused, built-in guest"
}
