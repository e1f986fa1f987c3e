# shellcheck shell=sh
# L1 side of bench/snap_bench.sh (busybox sh inside the nested test host).
# For each guest size in RVS_MEMS, RVS_RUNS times: boot the L2 counting
# guest (rv.test=count: a console line every 50 ms) with RAM in a memfd and
# the control socket, then
#   boot      exec of ringvmm to RINGVMM-L2-INIT on its console (one busybox
#             `ts` stamps both instants, as boot_bench_l1.sh does)
#   update    `ctl update` (the same binary): the reply's paused_ms, from
#             the pause in the old process to the resume in the new one
#   snapshot  `ctl snapshot DIR`: the reply's save_ms and paused_ms, the
#             memory file's allocated size (du: only pages holding data)
#   restore   `run --restore DIR`: exec to the restored guest's first
#             console line (its counter prints every 50 ms: this figure
#             includes up to 50 ms of the guest's own wait)
# and print one line per run:
#
#   RVSNAP mem=<M> run=<i> boot_s=<s> update_ms=<ms> snap_save_ms=<ms>
#          snap_paused_ms=<ms> snap_mem_kb=<kB> state_bytes=<B> restore_ms=<ms>
#
# Inputs (prepended by snap_bench.sh): RVS_RUNS, RVS_MEMS, RV_RUN_TIMEOUT.

RVS_RUNS=${RVS_RUNS:-5}
RVS_MEMS=${RVS_MEMS:-"256M 2G"}
RV_RUN_TIMEOUT=${RV_RUN_TIMEOUT:-120}

# Fractional epoch seconds from a `ts '%s %.S'` stamp pair.
rvs_stamp='function t(s, S) { return s + (S - int(S)) }'

# rvs_count FILE: the last counter value on a stamped console, or 0.
rvs_count() {
    awk '/RINGVMM-COUNT/ { for (i = 1; i < NF; i++) if ($i == "RINGVMM-COUNT") n = $(i + 1) }
         END { print n + 0 }' "$1" 2> /dev/null
}

# rvs_wait FILE N: until the counter in FILE reaches N (60 s at most).
rvs_wait() {
    _w=0
    while [ "$_w" -lt 600 ]; do
        [ "$(rvs_count "$1")" -ge "$2" ] && return 0
        sleep 0.1
        _w=$((_w + 1))
    done
    return 1
}

# rvs_start OUT ARGS...: ringvmm ARGS, its console stamped by `ts` into OUT.
# Sets _pid (the keeper, whose child is the VMM: busybox timeout execs it
# in place) and _tspid.
rvs_start() {
    _o=$1
    shift
    rm -f "$_o.fifo"
    mkfifo "$_o.fifo"
    ts '%s %.S' < "$_o.fifo" > "$_o" &
    _tspid=$!
    sh -c 'echo "RVBENCH-EXEC"; exec timeout -k 5 "$0" /ringvmm "$@"' "$RV_RUN_TIMEOUT" "$@" \
        < /dev/null > "$_o.fifo" 2> "$_o.err" &
    _pid=$!
}

# rvs_stop SOCKET: stop the VMM and its stamper.
rvs_stop() {
    /ringvmm ctl "$1" stop > /dev/null 2>&1 || kill "$_pid" 2> /dev/null
    wait "$_pid"
    wait "$_tspid"
    rm -f "$_o.fifo"
}

# rvs_json FILE KEY: a number from a reply line.
rvs_json() { grep -o "\"$2\":[0-9.e+-]*" "$1" | head -n 1 | cut -d: -f2; }

for mem in $RVS_MEMS; do
    i=1
    while [ "$i" -le "$RVS_RUNS" ]; do
        s=/tmp/rvs.sock d=/tmp/rvs.snap o=/tmp/rvs.$mem.$i
        rm -rf "$s" "$d"
        rvs_start "$o.boot" run -k /l2/bzImage -i /l2/initrd.cpio.gz -p "quiet rv.test=count" \
            -m "$mem" --mem-backend memfd --api "$s"
        boot=none upd=none save=none spaused=none memkb=none state=none restore=none
        echo "RVSNAP-STEP $mem $i boot"
        if rvs_wait "$o.boot" 10; then
            boot=$(awk "$rvs_stamp"'/RVBENCH-EXEC/ { s = t($1, $2) }
                !i && /RINGVMM-L2-INIT/ { i = t($1, $2) } END { printf "%.3f", i - s }' "$o.boot")
            echo "RVSNAP-STEP $mem $i update"
            /ringvmm ctl "$s" update > "$o.upd" 2>&1 && upd=$(rvs_json "$o.upd" paused_ms)
            c=$(rvs_count "$o.boot")
            rvs_wait "$o.boot" $((c + 5))
            echo "RVSNAP-STEP $mem $i snapshot"
            if /ringvmm ctl "$s" snapshot "$d" > "$o.snap" 2>&1; then
                save=$(rvs_json "$o.snap" save_ms)
                spaused=$(rvs_json "$o.snap" paused_ms)
                state=$(rvs_json "$o.snap" state_bytes)
                memkb=$(du -k "$d/memory" | cut -f1)
            fi
        fi
        [ "$upd" = none ] && cat "$o.upd" "$o.boot.err" 2> /dev/null | tail -n 5 | sed "s/^/RVSNAP-ERR update $mem $i | /"
        rvs_stop "$s"
        if [ -f "$d/state" ]; then
            c=$(rvs_count "$o.boot")
            rm -f "$s"
            echo "RVSNAP-STEP $mem $i restore"
            rvs_start "$o.rest" run --restore "$d" -m "$mem" --api "$s"
            if rvs_wait "$o.rest" $((c + 1)); then
                restore=$(awk "$rvs_stamp"'/RVBENCH-EXEC/ { s = t($1, $2) }
                    !r && /RINGVMM-COUNT/ { r = t($1, $2) } END { printf "%.1f", (r - s) * 1000 }' "$o.rest")
            else
                sed "s/^/RVSNAP-ERR restore $mem $i | /" "$o.rest.err" | tail -n 5
            fi
            rvs_stop "$s"
        fi
        echo "RVSNAP mem=$mem run=$i boot_s=$boot update_ms=$upd snap_save_ms=$save snap_paused_ms=$spaused snap_mem_kb=$memkb state_bytes=$state restore_ms=$restore"
        rm -rf "$d" "$o".*
        i=$((i + 1))
    done
done
