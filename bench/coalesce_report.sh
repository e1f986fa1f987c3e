#!/usr/bin/env bash
# The host tables of docs/benchmarks.md: `ringvmm bench coalesce` in a set
# of access patterns, each run with --json and summed up as one Markdown
# table per pattern (the "all devices" figures, per mode), headed by the
# command that reproduces it. Every run also checks that each device got
# every write once and in order; this script fails if one did not.
#
# Usage: bench/coalesce_report.sh [RINGVMM] [REPEAT]
#        (default build/ringvmm, 5 runs per mode; env RINGVMM_BENCH_PLOT=FILE
#        also draws the first pattern's chart into FILE)
# Needs /dev/kvm; takes about 2 minutes with REPEAT 5 on the CI machine.
set -euo pipefail
ringvmm=${1:-build/ringvmm}
repeat=${2:-5}
[[ -x $ringvmm ]] || { echo "coalesce_report: no ringvmm at $ringvmm (build it first)" >&2; exit 2; }
[[ $repeat =~ ^[1-9][0-9]*$ ]] || { echo "coalesce_report: REPEAT must be a positive integer" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# title|options (what each pattern shows is said in docs/benchmarks.md)
patterns=(
    "4 MMIO devices, interleaved (the default)|"
    "4 port I/O devices|--space pio"
    "a read every 8 writes (forces a flush)|--read-every 8"
    "bursts of 64 writes per device|--burst 64"
    "2 vCPUs|--cpus 2 --writes 10000"
    "each write costs the device 5 us of work|--device-work-ns 5000 --writes 5000"
    "drain timer 100 us|--flush-us 100 --mode off,per-device"
    "drain timer 10 ms|--flush-us 10000 --mode off,per-device"
)

first=1
for p in "${patterns[@]}"; do
    title=${p%%|*}
    read -r -a opts <<< "${p#*|}"
    cmd=("$ringvmm" bench coalesce --repeat "$repeat" "${opts[@]}")
    plot=()
    if ((first)) && [[ -n ${RINGVMM_BENCH_PLOT:-} ]]; then
        plot=(--plot "$RINGVMM_BENCH_PLOT")
    fi
    first=0
    "${cmd[@]}" "${plot[@]}" --json > "$tmp/out.json" 2> "$tmp/err" || {
        echo "coalesce_report: '${cmd[*]}' failed:" >&2
        cat "$tmp/err" >&2
        exit 1
    }
    python3 - "$tmp/out.json" "$title" "ringvmm bench coalesce --repeat $repeat ${opts[*]}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
title, cmd = sys.argv[2], sys.argv[3].strip()
rows = r["modes"]  # all devices together, one row per mode
if not r["ok"]:
    sys.exit("not OK: %s" % r["order_and_completeness"])
print("**%s** (`%s`)\n" % (title, cmd))
print("| mode | ns/write | spread | writes/s | speed-up | exits | drains | ring-full | latency p50 / p99 / max (us) | VMM CPU ms |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for x in rows:
    spread = 0.0
    if x["ns_per_write"]:
        spread = 50.0 * (x["ns_per_write_max"] - x["ns_per_write_min"]) / x["ns_per_write"]
    lat = x["latency_us"]
    lat_s = "-" if x["mode"] == "off" else "%.0f / %.0f / %.0f" % (lat["p50"], lat["p99"], lat["max"])
    print("| %s | %.0f | %.1f%% | %d | %.2fx | %d | %d | %d | %s | %.1f |" % (
        x["mode"], x["ns_per_write"], spread, x["writes_per_s"], x["speedup_vs_off"],
        x["exits"], x["drains"], x["ring_full_fallbacks"], lat_s, x["vmm_cpu_ms"]))
print()
PY
done
"$ringvmm" bench coalesce --repeat 1 --writes 10 --mode off 2>/dev/null |
    sed -n '1s/^ringvmm bench coalesce on /machine: /p'
