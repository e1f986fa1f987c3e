# shellcheck shell=sh
# L1 side of bench/boot_bench.sh (busybox sh inside the nested test host):
# boot the L2 bzImage RVB_RUNS times with rv.test=uptime and report one line
# per run:
#
#   RVBENCH vmm=<label> run=<i> rc=<rc> exec_to_init=<s> exec_to_exit=<s>
#           guest_uptime=<s> hwm_kb=<kB> nonguest_peak_kb=<kB>
#           nonguest_anon_peak_kb=<kB> nonguest_end_kb=<kB> samples=<n>
#
# exec_to_init: from just before ringvmm is exec'd to the moment its stdout
#   carries RINGVMM-L2-INIT (the first copy, tty or printk). Both instants
#   are stamped by one busybox `ts` reading the same pipe (microsecond
#   clock), so pipe latency applies to both ends alike. Relies on ringvmm
#   writing guest console output unbuffered.
# exec_to_exit: from the same start to ringvmm's exit (/proc/uptime, 10 ms
#   resolution, and up to one sampling period late: the sampler notices the
#   exit before ringvmm is reaped).
# guest_uptime: the L2 guest's own /proc/uptime when its /init ran; under
#   nested emulation the guest clock is not to be trusted far.
# hwm_kb: VmHWM, the kernel-tracked peak RSS of ringvmm, guest RAM pages it
#   touched included (last sample before exit).
# nonguest_peak_kb: peak over samples of the summed Rss of all mappings
#   smaller than guest RAM, i.e. ringvmm's own memory without the guest RAM
#   mapping (any mapping at least RVB_MEM large counts as guest RAM).
#   Sampled from /proc/<pid>/smaps, densely at first (after 10 ms, then
#   doubling the gap up to RVB_INTERVAL s): the transients are at start-up,
#   e.g. a buffer holding the kernel image while it is loaded; a spike
#   between two samples can still be missed. Guest RAM is not counted even
#   where the guest touched it; VmHWM above shows the total. Set
#   RVB_INTERVAL=0 to not sample (timing without the sampler's own CPU use:
#   L1 has a single vCPU).
# nonguest_anon_peak_kb: the anonymous part of the same (heap, stacks, bss),
#   without file-backed pages such as ringvmm's text.
# nonguest_end_kb: non-guest Rss in the last sample before exit: the steady
#   state, without start-up transients.
#
# Inputs (prepended by boot_bench.sh): RVB_RUNS, RVB_MEM, RVB_INTERVAL,
# RV_RUN_TIMEOUT.

RVB_RUNS=${RVB_RUNS:-5}
RVB_MEM=${RVB_MEM:-256M}
RVB_INTERVAL=${RVB_INTERVAL:-0.2}
RV_RUN_TIMEOUT=${RV_RUN_TIMEOUT:-120}

rvb_now() {
    read -r _t _ < /proc/uptime
    echo "$_t"
}

# Guest RAM size in kB from ringvmm's -m syntax: a number alone is MiB,
# K/M/G/T suffixes (an "iB" or "B" after them too), bytes with a bare B.
rvb_mem_kb() {
    awk -v m="$1" 'BEGIN {
        n = m + 0; s = toupper(m); sub(/^[0-9X]+/, "", s); sub(/I?B$/, "", s)
        if (s == "T") n *= 1073741824; else if (s == "G") n *= 1048576
        else if (s == "K") ; else if (s == "" && toupper(m) ~ /[0-9]B$/) n /= 1024
        else n *= 1024
        printf "%d", n
    }'
}

# One smaps sample of pid $1: "<nonguest_rss_kb> <nonguest_anon_kb>".
rvb_smaps_sample() {
    awk -v g="$RVB_MEM_KB" '
        function flush() { if (size != "" && size < g) { rss += r; anon += a } }
        /^[0-9a-f]+-[0-9a-f]+ / { flush(); size = ""; r = 0; a = 0; next }
        $1 == "Size:" { size = $2 }
        $1 == "Rss:" { r = $2 }
        $1 == "Anonymous:" { a = $2 }
        END { flush(); printf "%d %d\n", rss, anon }
    ' "/proc/$1/smaps" 2> /dev/null
}

# Sample pid $1 until it has exited (it stays a zombie until reaped, so
# watch its state); print "<hwm> <nonguest_peak> <anon_peak> <n> <nonguest_last>".
rvb_sampler() {
    _hwm=0
    _peak=0
    _apeak=0
    _last=0
    _n=0
    _gap=0.01
    while :; do
        read -r _state _h <<EOF
$(awk '$1 == "State:" { s = $2 } $1 == "VmHWM:" { h = $2 } END { print s, h }' "/proc/$1/status" 2> /dev/null)
EOF
        # Gone, a zombie, or without memory (exiting): stop.
        if [ -z "$_state" ] || [ "$_state" = Z ] || [ -z "$_h" ]; then
            break
        fi
        _hwm=$_h
        read -r _r _a <<EOF
$(rvb_smaps_sample "$1")
EOF
        [ "${_r:-0}" -gt "$_peak" ] && _peak=$_r
        [ "${_a:-0}" -gt "$_apeak" ] && _apeak=$_a
        _last=${_r:-0}
        _n=$((_n + 1))
        sleep "$_gap"
        _gap=$(awk -v g="$_gap" -v m="$RVB_INTERVAL" 'BEGIN { g *= 2; print (g < m) ? g : m }')
    done
    echo "$_hwm $_peak $_apeak $_n $_last"
}

# Fractional epoch seconds from a `ts '%s %.S'` stamp pair.
rvb_stamp='function t(s, S) { return s + (S - int(S)) }'

RVB_MEM_KB=$(rvb_mem_kb "$RVB_MEM")
echo "RVBENCH config runs=$RVB_RUNS mem=$RVB_MEM mem_kb=$RVB_MEM_KB interval=$RVB_INTERVAL"

# rvb_measure LABEL RUN CMD...: run CMD (a VMM booting the L2 guest) once
# and print its RVBENCH line. The VMM's stdout goes through a fifo to `ts`,
# which stamps each line as it arrives; the VMM itself stays a direct child
# so that `wait` gives its exit code.
rvb_measure() {
    _label=$1 _run=$2
    shift 2
    o=/tmp/bench.$_label.$_run
    mkfifo "$o.fifo"
    ts '%s %.S' < "$o.fifo" > "$o.out" &
    tspid=$!
    t0=$(rvb_now)
    # The inner shell announces itself, stamped right before the exec, and
    # then becomes the VMM (busybox timeout execs the program in place, its
    # watchdog is a separate process), so $! is the VMM's pid.
    sh -c 'echo "RVBENCH-EXEC"; exec timeout -k 5 "$0" "$@"' "$RV_RUN_TIMEOUT" "$@" \
        < /dev/null > "$o.fifo" 2> "$o.err" &
    pid=$!
    if [ "$RVB_INTERVAL" != 0 ]; then
        mem=$(rvb_sampler "$pid")
    else
        mem="0 0 0 0 0"
    fi
    wait "$pid"
    rc=$?
    t1=$(rvb_now)
    wait "$tspid"
    rm -f "$o.fifo"
    awk -v t0="$t0" -v t1="$t1" -v mem="$mem" -v i="$_run" -v rc="$rc" -v tmo="$RV_RUN_TIMEOUT" \
        -v vmm="$_label" "$rvb_stamp"'
        /RVBENCH-EXEC/ { start = t($1, $2) }
        !init && /RINGVMM-L2-INIT/ { init = t($1, $2) }
        /RINGVMM-UPTIME/ { up = $NF; sub(/\r$/, "", up) }
        END {
            split(mem, m, " ")
            # ringvmm exits 0 on SIGTERM: a timeout shows only on the clock.
            printf "RVBENCH vmm=%s run=%d rc=%d timed_out=%d exec_to_init=%s exec_to_exit=%.2f guest_uptime=%s hwm_kb=%d nonguest_peak_kb=%d nonguest_anon_peak_kb=%d nonguest_end_kb=%d samples=%d\n",
                vmm, i, rc, (t1 - t0 >= tmo), init ? sprintf("%.3f", init - start) : "none", t1 - t0, up == "" ? "none" : up, m[1], m[2], m[3], m[5], m[4]
        }' "$o.out"
    if [ "$rc" != 0 ]; then
        tail -n 5 "$o.err" | sed "s/^/RVBENCH-ERR $_label $_run | /"
    fi
}

# Alone this file is boot_bench.sh's L1 side: ringvmm only. bench/boot_race.sh
# prepends RVB_NO_MAIN=1 and appends a loop of its own over several VMMs.
rvb_main() {
    i=1
    while [ "$i" -le "$RVB_RUNS" ]; do
        rvb_measure ringvmm "$i" /ringvmm run -k /l2/bzImage -i /l2/initrd.cpio.gz \
            -p "quiet rv.test=uptime" -m "$RVB_MEM"
        i=$((i + 1))
    done
}
[ -n "${RVB_NO_MAIN:-}" ] || rvb_main
