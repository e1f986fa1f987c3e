# shellcheck shell=sh
# L1 side of bench/console_bench.sh (busybox sh inside the nested test host):
# boot the L2 bzImage with rv.test=spew, which prints RVC_SIZE bytes of
# 64-byte lines through the 8250 UART, once per --coalesce mode in
# RVC_MODES, in that order: round RVC_ROUND of the benchmark.
# One line per run, then the run's --stats=json line:
#
#   RVCBENCH run=<i> mode=<m> rc=<rc> timed_out=<0|1> total_s=<s>
#            spew_s=<s> bytes=<n> content=<ok|bad|none>
#   RVCBENCH-STATS run=<i> mode=<m> {"devices": [...], ...}
#
# spew_s: from the moment ringvmm's stdout carries RINGVMM-SPEW-BEGIN to
#   the moment it carries RINGVMM-SPEW-END, both stamped by one busybox `ts`
#   reading the same pipe (as bench/boot_bench_l1.sh does): the guest's
#   printing of RVC_SIZE bytes, without its boot and power-off.
# total_s: exec of ringvmm to its exit (/proc/uptime, 10 ms resolution).
# content: the bytes between the markers against the same `yes | head -c`
#   made here (md5sum); "none" if a marker is missing.
#
# Inputs (prepended by console_bench.sh): RVC_ROUND, RVC_SIZE, RVC_MODES,
# RVC_FLUSH_US (--coalesce-flush-us), RV_RUN_TIMEOUT.

RVC_ROUND=${RVC_ROUND:-1}
RVC_SIZE=${RVC_SIZE:-262144}
RVC_MODES=${RVC_MODES:-off vm-ring per-device}
RVC_FLUSH_US=${RVC_FLUSH_US:-100000}
RV_RUN_TIMEOUT=${RV_RUN_TIMEOUT:-300}
RVC_LINE="ringvmm console benchmark: 64-byte lines through the 8250 UART."

rvc_now() {
    read -r _t _ < /proc/uptime
    echo "$_t"
}

# Fractional epoch seconds from a `ts '%s %.S'` stamp pair.
rvc_stamp='function t(s, S) { return s + (S - int(S)) }'

rvc_want=$(yes "$RVC_LINE" | head -c "$RVC_SIZE" | md5sum | cut -d' ' -f1)
echo "RVCBENCH config round=$RVC_ROUND size=$RVC_SIZE modes=$(echo "$RVC_MODES" | tr ' ' ,) flush_us=$RVC_FLUSH_US timeout=$RV_RUN_TIMEOUT"

i=$RVC_ROUND
for mode in $RVC_MODES; do
    o=/tmp/cbench.$i.$mode
    mkfifo "$o.fifo"
    ts '%s %.S' < "$o.fifo" > "$o.out" &
    tspid=$!
    t0=$(rvc_now)
    timeout -k 5 "$RV_RUN_TIMEOUT" /ringvmm run --kernel /l2/bzImage \
        --initrd /l2/initrd.cpio.gz --mem 256M \
        -p "quiet rv.test=spew rv.spew=$RVC_SIZE" \
        --coalesce "$mode" --coalesce-flush-us "$RVC_FLUSH_US" --stats=json \
        < /dev/null > "$o.fifo" 2> "$o.err"
    rc=$?
    t1=$(rvc_now)
    wait "$tspid"
    rm -f "$o.fifo"
    # The lines strictly between the markers, without ts's two stamp fields.
    awk '/ RINGVMM-SPEW-END/ { f = 0 } f { sub(/^[^ ]+ [^ ]+ /, ""); print } / RINGVMM-SPEW-BEGIN/ { f = 1 }' \
        "$o.out" > "$o.text"
    got=$(md5sum < "$o.text" | cut -d' ' -f1)
    bytes=$(wc -c < "$o.text")
    content=bad
    [ "$got" = "$rvc_want" ] && content=ok
    grep -q ' RINGVMM-SPEW-END' "$o.out" || content=none
    awk -v t0="$t0" -v t1="$t1" -v i="$i" -v m="$mode" -v rc="$rc" -v tmo="$RV_RUN_TIMEOUT" \
        -v bytes="$bytes" -v content="$content" "$rvc_stamp"'
        / RINGVMM-SPEW-BEGIN/ && !b { b = t($1, $2) }
        / RINGVMM-SPEW-END/ && !e { e = t($1, $2) }
        END {
            # ringvmm exits 0 on SIGTERM: a timeout shows only on the clock.
            printf "RVCBENCH run=%d mode=%s rc=%d timed_out=%d total_s=%.2f spew_s=%s bytes=%d content=%s\n",
                i, m, rc, (t1 - t0 >= tmo), t1 - t0, (b && e) ? sprintf("%.3f", e - b) : "none",
                bytes, content
        }' "$o.out"
    echo "RVCBENCH-STATS run=$i mode=$mode $(grep '^{"devices"' "$o.err" | tail -n 1)"
    [ "$content" = ok ] || tail -n 5 "$o.err" | sed "s/^/RVCLOG $mode err | /"
    rm -f "$o.out" "$o.text"
done
