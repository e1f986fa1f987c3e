#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Memslot backends through the command line: --memmap for every RAM backend
# and for --passthrough slots, the map printed by --verbose at start, the
# built-in guest running on each backend, and each kind of bad memory
# configuration giving exit 2 and one line naming the slot.
# Usage: memslot_cli_test.sh path/to/ringvmm
set -u
RINGVMM=${1:?usage: memslot_cli_test.sh path/to/ringvmm}
. "$(dirname "$0")/lib/cli_lib.sh"

require_kvm

# A 16 MiB "BAR": each MiB filled with its index.
for i in $(seq 0 15); do head -c 1048576 /dev/zero | tr '\0' "\\$(printf '%03o' $((i + 1)))"; done >"$TMP/bar"

caps=$("$RINGVMM" caps)
cap() { awk -v c="$1" '$1 == c { print ($2 == "yes") ? $3 : 0 }' <<<"$caps"; }
gmem_flags=$(cap KVM_CAP_GUEST_MEMFD_FLAGS)
nr_free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo -1)

# --- the map for each RAM backend, with 4 GiB + 256 MiB: two RAM slots ---------------
for b in anon memfd guest_memfd hugetlb; do
	if [ "$b" = guest_memfd ] && [ $((${gmem_flags:-0} & 3)) -ne 3 ]; then
		expect_config_error "--mem-backend guest_memfd without the capabilities" "KVM_CAP_" \
			"$RINGVMM" run --mem-backend guest_memfd --memmap
		continue
	fi
	if [ "$b" = hugetlb ]; then
		if [ "$nr_free" -ge 0 ] && [ "$nr_free" -lt 2176 ]; then
			expect_config_error "--mem-backend hugetlb, $nr_free free huge pages" \
				"--mem-backend hugetlb|huge pages of 2 MiB|the host has $nr_free free|nr_hugepages" \
				"$RINGVMM" run --mem 4352M --mem-backend hugetlb --memmap
		else
			skip "--mem-backend hugetlb --memmap" "$nr_free free huge pages: the no-pages error is not reachable"
		fi
		continue
	fi
	expect_status "--mem-backend $b --memmap" 0 "$RINGVMM" run --mem 4352M --mem-backend "$b" --memmap
	flags=-
	[ "$b" = guest_memfd ] && flags=GUEST_MEMFD
	expect_line "$b: ram-low line" "^ +0  ram-low +0x0000000000000000-0x00000000bfffffff +3 GiB  $b +$flags +0x[0-9a-f]+"
	expect_line "$b: ram-high line" "^ +1  ram-high +0x0000000100000000-0x000000014fffffff +1280 MiB  $b "
	expect_line "$b: two memslots" "^guest physical map: 2 memslots$"
done
# What the host side of each backend is.
"$RINGVMM" run --mem-backend memfd --memmap >"$TMP/out" 2>&1
expect_line "memfd: the fd and the seals are shown" "fd [0-9]+\+0x0 \(memfd, sealed"
# hugetlb needs RAM in whole huge pages.
expect_config_error "--mem-backend hugetlb, --mem not in huge pages" \
	"guest RAM ram-low is 17 MiB|not a multiple of the 2 MiB huge page size" \
	"$RINGVMM" run --mem 17M --mem-backend hugetlb --memmap

# --- passthrough slots --------------------------------------------------------------
expect_status "--passthrough --memmap" 0 "$RINGVMM" run --memmap \
	--passthrough "path=$TMP/bar,offset=4M,size=8M,gpa=0xe0000000" \
	--passthrough "path=$TMP/bar,size=4K,gpa=0xe1000000,ro"
expect_line "pt0 line" "^ +1  pt0 +0x00000000e0000000-0x00000000e07fffff +8 MiB  pfnmap +- +0x[0-9a-f]+ $TMP/bar\+0x400000 \(page-backed, not VM_PFNMAP\)$"
expect_line "pt1 line (READONLY)" "^ +2  pt1 +0x00000000e1000000-0x00000000e1000fff +4 KiB  pfnmap +READONLY +0x[0-9a-f]+ $TMP/bar\+0x0 "
expect_line "in guest address order" "^guest physical map: 3 memslots$"

expect_status "--verbose prints the map at start" 0 "$RINGVMM" run --verbose \
	--passthrough "path=$TMP/bar,size=1M,gpa=0xe0000000"
if grep -q '^ *1  pt0 ' "$TMP/err" && grep -q 'ringvmm built-in guest' "$TMP/out"; then
	ok "--verbose: pt0 in the map on stderr, and the guest ran"
else
	not_ok "--verbose: no map on stderr or the guest did not run"
fi

# --- the built-in guest on every backend, with a passthrough slot -------------------
for b in anon memfd guest_memfd; do
	if [ "$b" = guest_memfd ] && [ $((${gmem_flags:-0} & 3)) -ne 3 ]; then
		skip "built-in guest on guest_memfd" "KVM lacks KVM_CAP_GUEST_MEMFD_FLAGS MMAP|INIT_SHARED"
		continue
	fi
	expect_status "built-in guest on $b RAM + a ro passthrough slot" 0 "$RINGVMM" run \
		--mem-backend "$b" --passthrough "path=$TMP/bar,size=16M,gpa=0xe0000000,ro"
	if grep -q 'ringvmm built-in guest' "$TMP/out"; then ok "$b: banner"; else not_ok "$b: no banner"; fi
done

# --- bad input: exit 2, one line, the slot named ------------------------------------
P="path=$TMP/bar"
expect_config_error "unaligned gpa" "passthrough pt0|gpa 0xe0000800|page size" \
	"$RINGVMM" run --passthrough "$P,size=4K,gpa=0xe0000800"
expect_config_error "unaligned size" "passthrough pt0|size 0x3e8|page size" \
	"$RINGVMM" run --passthrough "$P,size=1000,gpa=0xe0000000"
expect_config_error "unaligned offset" "passthrough pt0|offset 0x10|page size" \
	"$RINGVMM" run --passthrough "$P,size=4K,gpa=0xe0000000,offset=16"
expect_config_error "slot over guest RAM" "passthrough pt0|overlaps guest RAM ram-low" \
	"$RINGVMM" run --mem 256M --passthrough "$P,size=1M,gpa=0xff00000"
expect_config_error "slot over high RAM" "passthrough pt0|overlaps guest RAM ram-high" \
	"$RINGVMM" run --mem 4G --passthrough "$P,size=1M,gpa=0x100000000"
expect_config_error "overlapping slots" "passthrough pt1|overlaps passthrough pt0" \
	"$RINGVMM" run --passthrough "$P,size=8M,gpa=0xe0000000" --passthrough "$P,size=8M,gpa=0xe0400000"
expect_config_error "slot over the IOAPIC" "passthrough pt0|overlaps the IOAPIC" \
	"$RINGVMM" run --passthrough "$P,size=16M,gpa=0xfe000000"
expect_config_error "slot over the device MMIO window" "passthrough pt0|device MMIO window" \
	"$RINGVMM" run --passthrough "$P,size=4K,gpa=0xd0000000"
expect_config_error "file too short" "passthrough pt0|too short for offset 0x800000 + size 0x1000000" \
	"$RINGVMM" run --passthrough "$P,size=16M,gpa=0xe0000000,offset=8M"
expect_config_error "a mapping that fails" "passthrough pt0|cannot map 4 KiB of /dev/null" \
	"$RINGVMM" run --passthrough "path=/dev/null,size=4K,gpa=0xe0000000"
expect_config_error "a missing file" "passthrough pt0|$TMP/nope|No such file" \
	"$RINGVMM" run --passthrough "path=$TMP/nope,size=4K,gpa=0xe0000000"
expect_config_error "a bad spec" "--passthrough pt1|size=N is missing" \
	"$RINGVMM" run --passthrough "$P,size=4K,gpa=0xe0000000" --passthrough "$P,gpa=0xe1000000"
expect_config_error "an unknown backend" "--mem-backend pmem|not a RAM backend" \
	"$RINGVMM" run --mem-backend pmem
nine=()
for i in $(seq 0 8); do nine+=(--passthrough "$(printf '%s,size=4K,gpa=0x%x' "$P" $((0xe0000000 + i * 4096)))"); done
expect_config_error "nine slots" "--passthrough path=|at most 8 slots" "$RINGVMM" run "${nine[@]}"

finish
