#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ringvmm command line end to end: the built-in guest, caps, exit
# statuses for bad input (2, one line on stderr), a guest that dies (1), and
# SIGTERM stopping a guest that would run forever (0).
# Usage: cli_test.sh path/to/ringvmm
set -u
RINGVMM=${1:?usage: cli_test.sh path/to/ringvmm}
. "$(dirname "$0")/lib/cli_lib.sh"

# Kernel, initrd and firmware-table errors are found while loading, after
# /dev/kvm is opened: without a usable /dev/kvm those checks say so and skip
# (tests/boot's kvm_suite runs this script again on the nested host's KVM).
expect_load_error() {
	if kvm_usable; then
		expect_config_error "$@"
	else
		skip "$1" "needs /dev/kvm, which this machine lacks"
	fi
}

expect_status "--version" 0 "$RINGVMM" --version
expect_line "--version: the build's version and the KVM API it was built against" \
	'^ringvmm [^ ]+ \([a-z0-9_]+\), built against KVM API version 12$'
expect_status "--help" 0 "$RINGVMM" --help
grep -q 'ringvmm run' "$TMP/out" && ok "--help shows usage" || not_ok "--help output"

# Each command's --help: exit 0, its usage on stdout, and every option it
# lists is in the man page too.
man_src=$(dirname "$0")/../../man/ringvmm.1.scd
for cmd in "run" "caps" "bench coalesce"; do
	# shellcheck disable=SC2086 # $cmd is one or two words
	expect_status "$cmd --help" 0 "$RINGVMM" $cmd --help
	expect_line "$cmd --help: its usage line" "^usage: ringvmm $cmd "
	if ! [ -f "$man_src" ]; then
		skip "$cmd: the man page has every option" "no $man_src here"
		continue
	fi
	missing=
	for o in $(grep -oE -- '^ +(-[a-zA-Z], )?--[a-z0-9-]+(, --[a-z0-9-]+)?' "$TMP/out" |
		grep -oE -- '--?[a-z0-9-]+'); do
		grep -qF -- "*$o*" "$man_src" || missing="$missing $o"
	done
	[ -z "$missing" ] && ok "$cmd: the man page has every option" ||
		not_ok "$cmd: man page lacks$missing"
done
expect_status "run -h" 0 "$RINGVMM" run -h
expect_status "caps -h" 0 "$RINGVMM" caps -h

expect_config_error "no command" "" "$RINGVMM"
expect_config_error "unknown command" "" "$RINGVMM" frobnicate
expect_config_error "unknown option" "--frob" "$RINGVMM" run --frob
expect_config_error "option given twice" "-c 2|-c/--cpus|only once" "$RINGVMM" run --cpus 1 -c 2
expect_load_error "missing kernel file" "nope|No such file" "$RINGVMM" run --kernel "$TMP/nope"
expect_load_error "-k missing kernel file" "nope|No such file" "$RINGVMM" run -k "$TMP/nope"
expect_config_error "--mem 0" "--mem 0|0 MiB|at least 16 MiB" "$RINGVMM" run --mem 0
expect_config_error "-m 8: a number alone is MiB" "-m 8|8 MiB|a number alone is MiB" "$RINGVMM" run -m 8
expect_config_error "-m 4096B: bytes" "-m 4096B|4096 bytes" "$RINGVMM" run -m 4096B
expect_config_error "--mem larger than the host" "--mem 64T|more than the host" "$RINGVMM" run --mem 64T
expect_config_error "-m larger than the host" "-m 99999999|more than the host" "$RINGVMM" run -m 99999999
expect_config_error "--mem garbage" "--mem lots" "$RINGVMM" run --mem lots
expect_config_error "--cpus 0" "--cpus 0" "$RINGVMM" run --cpus 0
expect_config_error "--cpus 100000" "--cpus 100000" "$RINGVMM" run --cpus 100000
expect_config_error "--initrd without --kernel" "--initrd /dev/null|needs --kernel" "$RINGVMM" run --initrd /dev/null
expect_config_error "-p without --kernel" "-p quiet|needs --kernel" "$RINGVMM" run -p quiet
expect_config_error "--log-level bogus" "--log-level loud" "$RINGVMM" run --log-level loud
expect_config_error "--console bogus" "--console hvc|not one of serial, virtio" "$RINGVMM" run --console hvc
expect_config_error "--console-out into a missing directory" "--console-out $TMP/no/such|No such file" "$RINGVMM" run --console-out "$TMP/no/such"
expect_config_error "--vsock reserved cid" "--vsock cid=2,uds=$TMP/v|cid=2" "$RINGVMM" run --vsock "cid=2,uds=$TMP/v"
expect_config_error "--vsock without uds" "--vsock cid=3|needs cid=N,uds=PATH" "$RINGVMM" run --vsock cid=3
expect_config_error "--vsock junk" "--vsock port=1|not cid=N or uds=PATH" "$RINGVMM" run --vsock port=1

head -c 3000 /dev/urandom >"$TMP/garbage"
mk_elf "$TMP/spin.elf" "f4ebfd"
head -c 100 "$TMP/spin.elf" >"$TMP/truncated.elf"
head -c $((40 << 20)) /dev/zero >"$TMP/big.initrd"
expect_config_error "cmdline too long" "-p|command line|4095" "$RINGVMM" run --kernel "$TMP/spin.elf" -p "$(head -c 70000 /dev/zero | tr '\0' x)"

# The final kernel command line, as --verbose (and --log-level info) print
# it before the VM is set up: -p appends to the default, --cmdline-replace
# replaces it. A guest that dies at once (or no /dev/kvm) ends the run.
mk_elf "$TMP/die.elf" "0f0b"
cmdline_of() {
	timeout 60 "$RINGVMM" run "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
	sed -n 's/^ringvmm: kernel command line: //p' "$TMP/err"
}
got=$(cmdline_of -k "$TMP/die.elf" -p "root=/dev/vda quiet" --verbose)
[ "$got" = "console=ttyS0 root=/dev/vda quiet" ] && ok "-p appends: $got" || not_ok "-p: \"$got\""
got=$(cmdline_of -k "$TMP/die.elf" --params=rw --log-level info)
[ "$got" = "console=ttyS0 rw" ] && ok "--params, --log-level info: $got" || not_ok "--params: \"$got\""
got=$(cmdline_of -k "$TMP/die.elf" --cmdline-replace "console=hvc0 ro" -v)
[ "$got" = "console=hvc0 ro" ] && ok "--cmdline-replace replaces: $got" || not_ok "--cmdline-replace: \"$got\""
got=$(cmdline_of -k "$TMP/die.elf" -v)
[ "$got" = "console=ttyS0" ] && ok "the default alone: $got" || not_ok "default: \"$got\""
got=$(cmdline_of -k "$TMP/die.elf" --console virtio -p quiet -v)
[ "$got" = "console=hvc0 quiet" ] && ok "--console virtio: $got" || not_ok "--console virtio: \"$got\""
got=$(cmdline_of -k "$TMP/die.elf" --console serial -v)
[ "$got" = "console=ttyS0" ] && ok "--console serial: $got" || not_ok "--console serial: \"$got\""
got=$(cmdline_of -k "$TMP/die.elf" -p quiet)
[ -z "$got" ] && ok "the default log level does not print it" || not_ok "printed at warn: \"$got\""

expect_load_error "kernel of random bytes" "not a bzImage or ELF64" "$RINGVMM" run --kernel "$TMP/garbage"
expect_load_error "truncated ELF kernel" "program headers|past the end" "$RINGVMM" run --kernel "$TMP/truncated.elf"
expect_load_error "initrd larger than RAM" "big.initrd|guest RAM" "$RINGVMM" run --kernel "$TMP/spin.elf" --initrd "$TMP/big.initrd" --mem 32M
expect_load_error "cmdline too long for the kernel" "command line|2047" "$RINGVMM" run --kernel "$TMP/spin.elf" --cmdline-replace "$(head -c 3000 /dev/zero | tr '\0' x)"
expect_load_error "--dump-dtb (x86 has no device tree)" "device tree" "$RINGVMM" run --dump-dtb "$TMP/x.dtb"
expect_load_error "--metrics into a directory" "--metrics $TMP|a directory" "$RINGVMM" run --metrics "$TMP"

if ! kvm_usable; then
	echo "# SKIP the guest runs: /dev/kvm is not usable here"
	finish
	exit
fi

expect_status "caps" 0 "$RINGVMM" caps
grep -q 'KVM_CAP_IRQCHIP' "$TMP/out" && ok "caps lists KVM_CAP_IRQCHIP" || not_ok "caps output"
expect_status "caps --json" 0 "$RINGVMM" caps --json
python3 -m json.tool "$TMP/out" >/dev/null && ok "caps --json is JSON" || not_ok "caps --json is not JSON"

expect_status "built-in guest" 0 "$RINGVMM" run
grep -q 'ringvmm built-in guest' "$TMP/out" && ok "built-in guest banner on stdout" || not_ok "banner missing: $(head -c 200 "$TMP/out")"
expect_status "built-in guest, 2 vCPUs, --stats=json" 0 "$RINGVMM" run --cpus 2 --stats=json
tail -n 1 "$TMP/err" | python3 -m json.tool >/dev/null && ok "--stats=json prints JSON" || not_ok "--stats=json output"
# --stats (text): tables, no line past 100 columns; the UART's 67-byte
# banner, every byte coalesced (the guest polls LSR between them, which
# flushes), and the unhandled accesses.
expect_status "built-in guest, --stats" 0 "$RINGVMM" run --stats
if grep -Eq '^  vCPU +exits +pio exits +mmio exits' "$TMP/err" &&
	grep -Eq '^  ttyS0 +tx_bytes +67$' "$TMP/err" &&
	grep -Eq '^ +coalesced_writes +67$' "$TMP/err" &&
	grep -q 'unhandled accesses (no device there): [0-9]* pio, [0-9]* mmio' "$TMP/err" &&
	! awk 'length > 100 { exit 1 }' "$TMP/err" | grep -q .; then
	ok "--stats prints the vCPU and device tables"
else
	not_ok "--stats table: $(head -n 30 "$TMP/err")"
fi

# --metrics: JSON lines while the guest runs (a guest that spins until
# SIGTERM), every 100 ms, counters that never go down, and a last line
# when it stops.
rm -f "$TMP/metrics.jsonl"
"$RINGVMM" run --kernel "$TMP/spin.elf" --metrics "$TMP/metrics.jsonl,interval=100" \
	</dev/null >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 1.2
kill -TERM "$pid"
wait "$pid"
st=$?
[ "$st" -eq 0 ] && ok "--metrics run stopped by SIGTERM (exit 0)" || not_ok "--metrics run: exit $st"
if python3 - "$TMP/metrics.jsonl" <<'PY'; then ok "--metrics: $(wc -l <"$TMP/metrics.jsonl") valid lines, monotonic, 100 ms apart"; else not_ok "--metrics file: $(head -c 600 "$TMP/metrics.jsonl")"; fi
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert 8 <= len(lines) <= 16, "%d lines in about 1.2 s at 100 ms" % len(lines)
for a, b in zip(lines, lines[1:]):
    assert b["seq"] == a["seq"] + 1
    assert b["time_ms"] > a["time_ms"]
    for va, vb in zip(a["vcpus"], b["vcpus"]):
        assert vb["exits"] >= va["exits"], (va, vb)
    for da, db in zip(a["devices"], b["devices"]):
        for k, v in da.items():
            if isinstance(v, int):
                assert db[k] >= v, (k, da, db)
# The timer's lines (all but the last, written at the stop) 100 ms apart, within reason.
gaps = [l["interval_ms"] for l in lines[1:-1]]
assert all(60 <= g <= 400 for g in gaps), gaps
uart = [d for d in lines[-1]["devices"] if d["name"] == "ttyS0"][0]
assert "latency_us" in uart["interval"], uart
PY

# ud2 at CPL0 with no IDT: the guest dies, ringvmm says why and exits 1.
expect_status "dying guest" 1 "$RINGVMM" run --kernel "$TMP/die.elf"
grep -q 'guest died' "$TMP/err" && grep -q 'RIP' "$TMP/err" && ok "death report names RIP" || not_ok "death report"

# A guest that halts forever: SIGTERM must end ringvmm with 0, promptly.
"$RINGVMM" run --kernel "$TMP/spin.elf" </dev/null >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 1
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	not_ok "SIGTERM did not stop ringvmm within 10 s"
else
	wait "$pid"
	st=$?
	[ "$st" -eq 0 ] && ok "SIGTERM stops a running guest (exit 0)" || not_ok "SIGTERM: exit $st"
fi

finish
