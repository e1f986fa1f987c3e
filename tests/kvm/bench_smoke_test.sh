#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `ringvmm bench coalesce` end to end, briefly: completeness and order, not
# speed. In every mode, with MMIO, port I/O and mixed devices, two vCPUs,
# reads and tiny rings (so the ring-full fallbacks run): the JSON report has
# one row per mode and device, each device received every write (writes ==
# writes x vCPUs), none lost or reordered, and the run says OK. Then CSV,
# the table, per-device work and reads with --isolation (its table and the
# access-cost table), --plot when gnuplot is there, and bad options (exit 2).
# Usage: bench_smoke_test.sh path/to/ringvmm
set -u
RINGVMM=${1:?usage: bench_smoke_test.sh path/to/ringvmm}
. "$(dirname "$0")/lib/cli_lib.sh"

expect_config_error "bench without a benchmark" "which benchmark" "$RINGVMM" bench
expect_config_error "an unknown benchmark" "unknown benchmark" "$RINGVMM" bench boot
expect_config_error "--mode fast" "--mode fast" "$RINGVMM" bench coalesce --mode fast
expect_config_error "--ring-entries 3" "power of two" "$RINGVMM" bench coalesce --ring-entries 3
expect_config_error "--json with --csv" "exclude" "$RINGVMM" bench coalesce --json --csv
expect_config_error "a work list of the wrong length" "3 values for 4 devices" "$RINGVMM" bench coalesce --device-work-ns 1,2,3
expect_config_error "--isolation without a heavy device" "--isolation" "$RINGVMM" bench coalesce --isolation
expect_status "bench --help" 0 "$RINGVMM" bench coalesce --help
expect_line "bench --help shows the options" '--read-every'

if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "# SKIP the benchmark runs: /dev/kvm is not usable here"
	finish
	exit 77
fi

# check_json NAME DEVICES CPUS WRITES: the report in $TMP/out is complete.
check_json() {
	local msg
	if msg=$(python3 - "$TMP/out" "$2" "$3" "$4" <<'PY'
import json, sys
path, devices, cpus, writes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = json.load(open(path))
modes = ["off", "vm-ring", "per-device", "own-drain", "doorbell"]
want = {(m, "sink%d" % d) for m in modes for d in range(devices)}
got = {(x["mode"], x["device"]) for x in r["runs"]}
if got != want:
    sys.exit("rows: missing %s, unexpected %s" % (sorted(want - got), sorted(got - want)))
for x in r["runs"]:
    where = "%s/%s" % (x["mode"], x["device"])
    for k in ("ns_per_write", "exits", "drains", "ring_full_fallbacks", "speedup_vs_off"):
        if k not in x:
            sys.exit("%s: no %s" % (where, k))
    if set(x["latency_us"]) < {"p50", "p99", "max"}:
        sys.exit("%s: latency_us lacks p50/p99/max" % where)
    if x["writes"] != writes * cpus or x["writes_expected"] != writes * cpus:
        sys.exit("%s: %d writes, want %d" % (where, x["writes"], writes * cpus))
    if x["lost"] or x["reordered"] or x["read_mismatch"] or not x["complete"]:
        sys.exit("%s: lost %d reordered %d read_mismatch %d complete %s" %
                 (where, x["lost"], x["reordered"], x["read_mismatch"], x["complete"]))
    if x["mode"] != "off" and x["coalesced_writes"] == 0:
        sys.exit("%s: nothing was coalesced" % where)
    if x["mode"] == "off" and x["exits"] < writes * cpus:
        sys.exit("%s: %d exits, but every write must exit" % (where, x["exits"]))
if not r["ok"] or r["order_and_completeness"] != "OK":
    sys.exit("the report is not OK")
print("%d rows, every write once and in order, guest at %s" % (len(r["runs"]), r["guest_level"]))
PY
	); then
		ok "$1: $msg"
	else
		not_ok "$1: $msg"
	fi
}

W=2000
expect_status "all modes, MMIO, --json" 0 "$RINGVMM" bench coalesce --writes $W --repeat 1 --json
check_json "all modes, MMIO" 4 1 $W
grep -q '^order and completeness: OK' "$TMP/err" && ok "the verdict is on stderr beside JSON" ||
	not_ok "no verdict line on stderr"

expect_status "port I/O, 2 vCPUs, reads" 0 "$RINGVMM" bench coalesce --writes 500 --repeat 1 \
	--space pio --cpus 2 --read-every 7 --devices 3 --json
check_json "port I/O, 2 vCPUs, reads" 3 2 500

expect_status "mixed, bursts, rings of 2, doorbells" 0 "$RINGVMM" bench coalesce --writes 700 \
	--repeat 1 --space mixed --burst 9 --ring-entries 2 --doorbell-every 5 --read-every 50 \
	--devices 2 --json
check_json "mixed, bursts, rings of 2, doorbells" 2 1 700
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if any(x["ring_full_fallbacks"] for x in r["runs"]) else 1)' "$TMP/out"; then
	ok "rings of 2 entries overflowed into ring-full fallbacks"
else
	not_ok "no ring-full fallback with rings of 2 entries"
fi

expect_status "--csv, two repeats" 0 "$RINGVMM" bench coalesce --writes 300 --repeat 2 \
	--mode off,doorbell --devices 1 --csv
if [ "$(wc -l <"$TMP/out")" -eq 3 ] && head -n 1 "$TMP/out" | grep -q '^mode,device,' &&
	grep -q '^doorbell,sink0,mmio,2,300,300,0,0,' "$TMP/out"; then
	ok "--csv: a header and one row per mode and device"
else
	not_ok "--csv rows"
fi

expect_status "the table" 0 "$RINGVMM" bench coalesce --writes 300 --repeat 1 --devices 2
expect_line "the table has a per-device-mode row" '^per-device +sink1 '
expect_line "the table says where the hot loop ran" 'hot loop at CPL[03]'
expect_line "the table gives the verdict" '^order and completeness: OK'

expect_status "per-device work and reads, --isolation" 0 "$RINGVMM" bench coalesce --writes 300 \
	--repeat 1 --devices 3 --device-work-ns 2000,0,0 --read-every 0,8,8 --isolation \
	--mode vm-ring,own-drain
expect_line "the header names the per-device work" 'busy for 2000,0,0 ns'
expect_line "the isolation table has an own-drain row" '^own-drain +[0-9.]+ +[0-9.]+ '
expect_line "the access-cost table has sink1 in vm-ring" '^vm-ring +sink1 +8 '
expect_line "the isolation run gives the verdict" '^order and completeness: OK \(4 runs'

if command -v gnuplot >/dev/null; then
	expect_status "--plot" 0 "$RINGVMM" bench coalesce --writes 300 --repeat 1 --devices 1 \
		--plot "$TMP/chart.svg"
	grep -q '<svg' "$TMP/chart.svg" 2>/dev/null && ok "--plot wrote an SVG" ||
		not_ok "--plot: no SVG in $TMP/chart.svg"
else
	skip "--plot" "gnuplot is not installed"
fi

finish
