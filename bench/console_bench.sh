#!/usr/bin/env bash
# Console benchmark of ringvmm's coalescing modes in the nested test host:
# ringvmm boots the L2 bzImage with rv.test=spew, which prints SIZE bytes of
# 64-byte lines through the 8250 UART (ttyS0), once per --coalesce mode (off,
# vm-ring, per-device), the modes one after the other in one QEMU session
# per round, RUNS rounds. A session that stalls (rv_boot_qemu in
# tests/boot/lib.sh) is followed by one for the modes it did not finish, up
# to four per round. Reports per mode the medians of the time the guest took
# to print (and the whole run), the UART's per-device statistics from
# --stats=json (coalesced writes, ordinary exits, drains, write-to-handling
# latency) and the vCPU exits; every run's text is checked byte for byte.
# How each figure is taken is described in console_bench_l1.sh, the part
# that runs inside L1.
#
# Usage: bench/console_bench.sh [RUNS]    (default 3; env RINGVMM_BENCH_RUNS)
# Env:   RINGVMM_BENCH_SPEW  bytes printed per run, with K/M suffix, a
#                            multiple of 64 (default 16K: every byte costs
#                            hundreds of microseconds in the nested host,
#                            and the longer a run, the likelier a stall)
#        RINGVMM_BENCH_MODES (default "off vm-ring per-device")
#        RINGVMM_BENCH_FLUSH_US  --coalesce-flush-us (default 100000: the
#                            UART hardly needs the drain timer, its driver
#                            reads a register at least every 16 bytes,
#                            which flushes; a 1 kHz timer adds L1 timer
#                            interrupts, which seemed to make stalls more
#                            frequent). Plus those
#        of tests/boot/lib.sh (RINGVMM_STATIC, RINGVMM_CACHE, ...). The
#        ringvmm run and QEMU session timeouts grow with the size unless set.
# Nested timings drift by up to 25% between sessions (docs/platform.md): every
# session runs every mode, so that a slow session slows them all alike.
# Exit 0 when every run printed every byte in order and exited 0, 1
# otherwise, 77 skip.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/boot/lib.sh
source "$BENCH_DIR/../tests/boot/lib.sh"

runs=${1:-${RINGVMM_BENCH_RUNS:-3}}
size=${RINGVMM_BENCH_SPEW:-16K}
modes=${RINGVMM_BENCH_MODES:-off vm-ring per-device}
flush_us=${RINGVMM_BENCH_FLUSH_US:-100000}
[[ $flush_us =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "RINGVMM_BENCH_FLUSH_US must be a positive integer, got '$flush_us'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || rv_boot_fail "RUNS must be a positive integer, got '$runs'"
case $size in
    *[Kk]) bytes=$((${size%[Kk]} * 1024)) ;;
    *[Mm]) bytes=$((${size%[Mm]} * 1024 * 1024)) ;;
    *) bytes=$size ;;
esac
if ! [[ $bytes =~ ^[0-9]+$ ]] || ((bytes == 0 || bytes % 64)); then
    rv_boot_fail "RINGVMM_BENCH_SPEW must be a positive multiple of 64 bytes, got '$size'"
fi
for m in $modes; do
    [[ $m == off || $m == vm-ring || $m == per-device ]] ||
        rv_boot_fail "RINGVMM_BENCH_MODES: '$m' is not off, vm-ring or per-device"
done
nmodes=$(wc -w <<< "$modes")
# One byte costs about 400 us there (measured: the tty, the driver and an
# exit per THR write with coalescing off): allow three times that, plus a boot.
[[ -n ${RINGVMM_RUN_TIMEOUT:-} ]] || RV_RUN_TIMEOUT=$((60 + bytes * 1200 / 1000000))
[[ -n ${RINGVMM_QEMU_TIMEOUT:-} ]] || RV_QEMU_TIMEOUT=$((60 + nmodes * RV_RUN_TIMEOUT))

rv_boot_need_ringvmm
rv_boot_prepare

mkdir -p "$RV_CACHE/runs/console-bench"
results=$RV_CACHE/runs/console-bench/results.txt
: > "$results"
rv_boot_log "console benchmark: $runs round(s) of $nmodes modes, $bytes bytes each," \
    "drain timer ${flush_us} us (run timeout ${RV_RUN_TIMEOUT}s, session ${RV_QEMU_TIMEOUT}s)"
# A session that stalls (tests/boot/lib.sh rv_boot_qemu) keeps the modes it
# finished; the next session of the round runs the others.
stalled=0
for ((round = 1; round <= runs; round++)); do
    todo=$modes
    for attempt in 1 2 3 4; do
        scenario=$RV_CACHE/runs/console-bench-$round-$attempt.scenario.sh
        {
            echo "RVC_ROUND=$round RVC_SIZE=$bytes RVC_MODES='$todo' RVC_FLUSH_US=$flush_us" \
                "RV_RUN_TIMEOUT=$RV_RUN_TIMEOUT"
            cat "$BENCH_DIR/console_bench_l1.sh"
        } > "$scenario"
        rv_boot_run "console-bench-$round-$attempt" "$scenario" "$RV_STATIC"
        left=
        for m in $todo; do
            if grep -q "^RVCBENCH-STATS run=$round mode=$m " "$RV_BOOT_LOG"; then
                grep -a "^RVCBENCH\(-STATS\)\? run=$round mode=$m " "$RV_BOOT_LOG" >> "$results"
            else
                left="$left $m"
            fi
        done
        todo=${left# }
        [[ -z $todo ]] && break
        stalled=$((stalled + 1))
        rv_boot_log "round $round, session $attempt ended (QEMU rc=$RV_BOOT_QEMU_RC) before" \
            "mode(s) $todo: running them again (log $RV_BOOT_LOG)"
    done
    [[ -z $todo ]] || rv_boot_log "round $round: no result for $todo after $attempt sessions"
done
grep -q '^RVCBENCH run=' "$results" || rv_boot_fail "no benchmark results (see $RV_CACHE/runs/console-bench-*/qemu.log)"
echo "sessions: $runs round(s), $stalled more session(s) for modes a stalled session did not finish"

python3 - "$results" "$runs" "$bytes" "$modes" "$RV_CACHE/runs/console-bench-*/qemu.log" "$flush_us" <<'PY'
import json, statistics, sys

path, runs, size, modes, log, flush = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                       sys.argv[4].split(), sys.argv[5], sys.argv[6])
rows, stats = [], {}
for line in open(path, errors="replace"):
    words = line.split()
    if words[0] == "RVCBENCH" and words[1].startswith("run="):
        rows.append(dict(w.split("=", 1) for w in words[1:]))
    elif words[0] == "RVCBENCH-STATS":
        run, mode = words[1].split("=")[1], words[2].split("=")[1]
        text = line.split(None, 3)[3] if len(words) > 3 else ""
        try:
            stats[(run, mode)] = json.loads(text)
        except ValueError:
            stats[(run, mode)] = None

def uart(s):
    for d in (s or {}).get("devices", []):
        if d.get("name") == "ttyS0":
            return d
    return {}

def med(v):
    return statistics.median(v) if v else float("nan")

bad = []
print("%-4s %-11s %-3s %9s %8s %9s %9s %9s %8s %8s %8s %8s %8s" % (
    "run", "mode", "rc", "print s", "total s", "us/byte", "coalesced", "exits", "drains",
    "p50 us", "p99 us", "max us", "vcpu ex"))
per = {m: [] for m in modes}
for r in rows:
    s = stats.get((r["run"], r["mode"]))
    u, vcpu = uart(s), sum(v.get("exits", 0) for v in (s or {}).get("vcpus", []))
    lat = u.get("latency_us", {})
    spew = float(r["spew_s"]) if r["spew_s"] != "none" else float("nan")
    ok = r["rc"] == "0" and r["timed_out"] == "0" and r["content"] == "ok" and int(r["bytes"]) == size
    if not ok:
        bad.append("run %s %s: rc=%s timed_out=%s content=%s bytes=%s" % (
            r["run"], r["mode"], r["rc"], r["timed_out"], r["content"], r["bytes"]))
    if s is None:
        bad.append("run %s %s: no --stats=json line" % (r["run"], r["mode"]))
    rec = dict(spew=spew, total=float(r["total_s"]), us=spew * 1e6 / size,
               cw=u.get("coalesced_writes", 0), ox=u.get("ordinary_exits", 0),
               dr=u.get("drains", 0), p50=lat.get("p50", 0), p99=lat.get("p99", 0),
               mx=lat.get("max", 0), vx=vcpu, tx=u.get("tx_bytes", 0))
    per.setdefault(r["mode"], []).append(rec)
    print("%-4s %-11s %-3s %9.2f %8.2f %9.1f %9d %9d %8d %8.1f %8.1f %8.1f %8d" % (
        r["run"], r["mode"], r["rc"], rec["spew"], rec["total"], rec["us"], rec["cw"], rec["ox"],
        rec["dr"], rec["p50"], rec["p99"], rec["mx"], rec["vx"]))

print("\nmedians over %d run(s), %d bytes printed per run, ringvmm --coalesce-flush-us %s:" % (
    runs, size, flush))
print("%-11s %9s %8s %9s %8s %10s %10s %8s %8s %8s %8s %9s" % (
    "mode", "print s", "total s", "us/byte", "speed-up", "coalesced", "exits", "drains",
    "p50 us", "p99 us", "max us", "vcpu ex"))
base = med([x["spew"] for x in per.get("off", [])])
for m in modes:
    v = per.get(m, [])
    if not v:
        bad.append("mode %s: no runs" % m)
        continue
    sp = med([x["spew"] for x in v])
    print("%-11s %9.2f %8.2f %9.1f %8s %10.0f %10.0f %8.0f %8.1f %8.1f %8.1f %9.0f" % (
        m, sp, med([x["total"] for x in v]), med([x["us"] for x in v]),
        "%.2fx" % (base / sp) if base == base and sp else "-",
        med([x["cw"] for x in v]), med([x["ox"] for x in v]), med([x["dr"] for x in v]),
        med([x["p50"] for x in v]), med([x["p99"] for x in v]), med([x["mx"] for x in v]),
        med([x["vx"] for x in v])))
print("(coalesced, exits, drains, latency: the UART's (ttyS0) --stats=json; latency is write to"
      " handling, an upper bound;\n off has none; vcpu ex: all vCPU exits of the run, boot included)")
if len(rows) < runs * len(modes):
    bad.append("only %d of %d runs reported (see %s)" % (len(rows), runs * len(modes), log))
for b in bad:
    print("FAIL:", b)
print("console output: %s" % ("every byte arrived, in order, in every run" if not bad else "FAILED"))
sys.exit(1 if bad else 0)
PY
