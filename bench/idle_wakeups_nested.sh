#!/usr/bin/env bash
# What an idle guest costs the VMM, in wake-ups: in the x86 nested test
# host, ringvmm boots L2 (rv.test=idle: it prints RINGVMM-IDLE and sleeps
# for ever), waits until L2 is idle, then counts every ringvmm thread's
# context switches (voluntary + involuntary, /proc/PID/task/*/status) over
# RV_IDLE_SECONDS (default 10) and prints them per thread and per second.
# The vCPU thread's count is KVM's (a halted vCPU woken by the guest's own
# timer); the others' are the VMM's: the event loop (thread "ringvmm")
# and any drain context.
#
# Usage: bench/idle_wakeups_nested.sh [RINGVMM RUN OPTIONS...]
# Env:   those of tests/boot/lib.sh (RINGVMM_STATIC, RINGVMM_CACHE, ...),
#        RV_IDLE_SECONDS.
# Exit:  0 with the figures printed, 1 if the session did not give them.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/boot/lib.sh
source "$BENCH_DIR/../tests/boot/lib.sh"

secs=${RV_IDLE_SECONDS:-10}
args=("$@")
for a in "${args[@]}"; do
    [[ $a =~ ^[A-Za-z0-9,._=-]+$ ]] || rv_boot_fail "option '$a': only letters, digits and , . _ = - are passed to L1"
done
rv_boot_need_ringvmm
rv_boot_prepare
mkdir -p "$RV_CACHE/runs"
scenario=$RV_CACHE/runs/idle-wakeups.scenario.sh
# The L1 side: unquoted $ are this script's, \$ are L1's.
cat > "$scenario" <<SCENARIO
echo RVRUN idle
/ringvmm run --kernel /l2/bzImage --initrd /l2/initrd.cpio.gz \\
    --cmdline "console=ttyS0 quiet rv.test=idle" --mem 256M ${args[*]} \\
    < /dev/null > /tmp/idle.out 2> /tmp/idle.err &
pid=\$!
i=0
while ! grep -q RINGVMM-IDLE /tmp/idle.out && [ \$i -lt 240 ]; do sleep 0.5; i=\$((i + 1)); done
grep -q RINGVMM-IDLE /tmp/idle.out || echo "RVIDLE-FAIL L2 did not reach idle"
sleep 3
count() {
    for t in /proc/\$pid/task/*; do
        v=\$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' \$t/status)
        n=\$(sed -n 's/^nonvoluntary_ctxt_switches:[[:space:]]*//p' \$t/status)
        echo "\$(basename \$t) \$(cat \$t/comm) \$((v + n))"
    done
}
count > /tmp/idle.a
sleep $secs
count > /tmp/idle.b
echo RVIDLE-BEGIN
while read -r tid comm b; do
    a=\$(awk -v t=\$tid '\$1 == t { print \$3 }' /tmp/idle.a)
    awk -v c="\$comm" -v d=\$((b - \${a:-0})) -v s=$secs 'BEGIN { printf "%-16s %6d switches in %d s: %7.1f/s\n", c, d, s, d / s }'
done < /tmp/idle.b
echo RVIDLE-END
kill -TERM \$pid
wait \$pid
echo "RVIDLE-RC \$?"
SCENARIO
# shellcheck disable=SC2034 # lib.sh reads it: the guest is silent on purpose
RV_QEMU_SILENT=0
rv_boot_log "idle wake-ups: ringvmm run ${args[*]} (rv.test=idle), ${secs} s"
rv_boot_run idle-wakeups "$scenario" "$RV_STATIC"
grep -aq '^RVIDLE-END' "$RV_BOOT_LOG" || rv_boot_fail "no figures (QEMU rc=$RV_BOOT_QEMU_RC, log $RV_BOOT_LOG)"
sed -n '/^RVIDLE-BEGIN/,/^RVIDLE-END/{/^RVIDLE-/d;p}' "$RV_BOOT_LOG" | tr -d '\r'
grep -a '^RVIDLE-RC\|^RVIDLE-FAIL' "$RV_BOOT_LOG" | tr -d '\r' || true
