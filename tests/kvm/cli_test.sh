#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ringvmm command line end to end: the built-in guest, caps, exit
# statuses for bad input (2, one line on stderr), a guest that dies (1), and
# SIGTERM stopping a guest that would run forever (0).
# Usage: cli_test.sh path/to/ringvmm
set -u
RINGVMM=${1:?usage: cli_test.sh path/to/ringvmm}
. "$(dirname "$0")/lib/cli_lib.sh"

# mk_elf FILE HEXCODE: a minimal ELF64 x86-64 "vmlinux" whose one PT_LOAD
# puts HEXCODE at physical 16 MiB, the entry point.
mk_elf() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
code = bytes.fromhex(sys.argv[2])
paddr = 0x1000000
ehdr = struct.pack('<16sHHIQQQIHHHHHH', b'\x7fELF\x02\x01\x01' + b'\0' * 9,
                   2, 62, 1, paddr, 64, 0, 0, 64, 56, 1, 64, 0, 0)
phdr = struct.pack('<IIQQQQQQ', 1, 5, 0x1000, paddr, paddr, len(code), len(code), 0x1000)
img = ehdr + phdr
img += b'\0' * (0x1000 - len(img)) + code
open(sys.argv[1], 'wb').write(img)
PY
}

# Kernel, initrd and firmware-table errors are found while loading, after
# /dev/kvm is opened: without a usable /dev/kvm those checks say so and skip
# (tests/boot's kvm_suite runs this script again on the nested host's KVM).
kvm_usable() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
expect_load_error() {
	if kvm_usable; then
		expect_config_error "$@"
	else
		skip "$1" "needs /dev/kvm, which this machine lacks"
	fi
}

expect_status "--version" 0 "$RINGVMM" --version
grep -q '^ringvmm ' "$TMP/out" && ok "--version prints a version" || not_ok "--version output"
expect_status "--help" 0 "$RINGVMM" --help
grep -q 'ringvmm run' "$TMP/out" && ok "--help shows usage" || not_ok "--help output"

expect_config_error "no command" "" "$RINGVMM"
expect_config_error "unknown command" "" "$RINGVMM" frobnicate
expect_config_error "unknown option" "" "$RINGVMM" run --frob
expect_load_error "missing kernel file" "nope|No such file" "$RINGVMM" run --kernel "$TMP/nope"
expect_config_error "--mem 0" "--mem 0|at least 16 MiB" "$RINGVMM" run --mem 0
expect_config_error "--mem larger than the host" "more than the host" "$RINGVMM" run --mem 64T
expect_config_error "--mem garbage" "" "$RINGVMM" run --mem lots
expect_config_error "--cpus 0" "" "$RINGVMM" run --cpus 0
expect_config_error "--cpus 100000" "--cpus 100000" "$RINGVMM" run --cpus 100000
expect_config_error "--initrd without --kernel" "" "$RINGVMM" run --initrd /dev/null

head -c 3000 /dev/urandom >"$TMP/garbage"
expect_load_error "kernel of random bytes" "not a bzImage or ELF64" "$RINGVMM" run --kernel "$TMP/garbage"
mk_elf "$TMP/spin.elf" "f4ebfd"
head -c 100 "$TMP/spin.elf" >"$TMP/truncated.elf"
expect_load_error "truncated ELF kernel" "program headers|past the end" "$RINGVMM" run --kernel "$TMP/truncated.elf"
head -c $((40 << 20)) /dev/zero >"$TMP/big.initrd"
expect_load_error "initrd larger than RAM" "big.initrd|guest RAM" "$RINGVMM" run --kernel "$TMP/spin.elf" --initrd "$TMP/big.initrd" --mem 32M
expect_load_error "cmdline too long" "command line|2047" "$RINGVMM" run --kernel "$TMP/spin.elf" --cmdline "$(head -c 70000 /dev/zero | tr '\0' x)"
expect_load_error "--dump-dtb (x86 has no device tree)" "device tree" "$RINGVMM" run --dump-dtb "$TMP/x.dtb"

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
# --stats (text) ends with the per-device table: the UART's 67-byte banner,
# every byte coalesced (the guest polls LSR between them, which flushes).
expect_status "built-in guest, --stats" 0 "$RINGVMM" run --stats
if grep -q '^coalescing per device (mode per-device):' "$TMP/err" &&
    grep -Eq '^ttyS0 +256 +67 ' "$TMP/err"; then
    ok "--stats prints the per-device coalescing table"
else
    not_ok "--stats table: $(tail -n 3 "$TMP/err")"
fi

# ud2 at CPL0 with no IDT: the guest dies, ringvmm says why and exits 1.
mk_elf "$TMP/die.elf" "0f0b"
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
