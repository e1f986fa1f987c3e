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

# rv_vmm NAME ARGS...: run ringvmm with ARGS under a timeout (a hung guest
# must not hang the suite); stdout to $RV_OUT/NAME.out, stderr to NAME.err.
# Sets RV_RC and RV_SECS.
rv_vmm() {
    _name=$1
    shift
    _t0=$(rv_now)
    # -k: a ringvmm that ignores SIGTERM still goes.
    timeout -k 5 "$RV_RUN_TIMEOUT" "$RV_VMM" "$@" \
        < /dev/null > "$RV_OUT/$_name.out" 2> "$RV_OUT/$_name.err"
    RV_RC=$?
    RV_SECS=$(awk -v a="$_t0" -v b="$(rv_now)" 'BEGIN { printf "%.2f", b - a }')
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

# The L2 command line; rv.test selects the action of L2's /init (l2-init.sh).
rv_cmdline() { echo "console=ttyS0 quiet rv.test=$1"; }

rv_sc_boot_bzimage() {
    rv_vmm boot_bzimage run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        --cmdline "$(rv_cmdline poweroff)" --mem 256M
    rv_check_boot boot_bzimage
}

rv_sc_boot_vmlinux() {
    rv_vmm boot_vmlinux run --kernel /l2/vmlinux --initrd /l2/initrd.cpio.gz \
        --cmdline "$(rv_cmdline poweroff)" --mem 256M
    rv_check_boot boot_vmlinux
}

rv_sc_smp() {
    rv_vmm smp run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        --cmdline "$(rv_cmdline cpus)" --mem 256M --cpus 2
    _p=$(rv_rc_problem)
    _cpus=$(sed -n 's/.*RINGVMM-CPUS \([0-9]*\).*/\1/p' "$RV_OUT/smp.out" | head -n 1)
    if [ -z "$_cpus" ]; then
        _p="$_p no RINGVMM-CPUS line;"
    elif [ "$_cpus" != 2 ]; then
        _p="$_p guest saw $_cpus CPUs, expected 2;"
    fi
    rv_report smp "$_p" "cpus=${_cpus:-?}"
}

rv_sc_console() {
    rv_vmm console run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        --cmdline "$(rv_cmdline console)" --mem 256M
    _p=$(rv_rc_problem)
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
    rv_report console "$_p" "$_info"
}

rv_sc_reboot() {
    rv_vmm reboot run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \
        --cmdline "$(rv_cmdline reboot)" --mem 256M
    rv_check_boot reboot
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
