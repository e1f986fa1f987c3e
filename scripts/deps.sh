#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian 12 packages ringvmm needs to build and test, if missing.
# Sourced or run; idempotent; needs root (apt-get).
set -euo pipefail

RINGVMM_PACKAGES=(
	# build
	gcc libc6-dev meson ninja-build pkg-config
	liburing-dev libfdt-dev libcmocka-dev libseccomp-dev
	# the control socket's JSON (vmm/api/), the snapshot format's CRC-32
	libjson-c-dev zlib1g-dev
	# tests: scripts, the nested test host (QEMU TCG with SVM), guest images
	python3 qemu-system-x86 busybox-static cpio lz4 xz-utils gzip
	ca-certificates
	# virtio-net: `--net passt` runs passt; the boot tests copy it into L1;
	# bench/net_bench.sh copies iperf3 into L1 and L2
	passt iperf3
	# ringvmm bench coalesce --plot (and its smoke test)
	gnuplot-nox
	# kernel-style formatting (.clang-format), checked (tests/unit/clang_format_test.sh)
	clang-format
	# tests/fuzz: libFuzzer and the sanitizer runtimes are clang's
	clang libclang-rt-dev
	# ringvmm(1) from man/ringvmm.1.scd, and man to check it renders
	scdoc man-db
	# arm64: the cross build (its libraries come from scripts/arm64-sysroot.sh),
	# its unit tests under qemu-user, the arm64 nested test host, dtc
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
	qemu-system-arm device-tree-compiler file
)

missing=()
for p in "${RINGVMM_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages: ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
