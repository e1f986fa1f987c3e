#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Quick start, step 1: install what is needed, build ringvmm, and boot the
# built-in guest (it prints a banner on its UART and powers off). On a
# machine without a usable /dev/kvm (docs/platform.md: the development and
# CI machines may have none), it boots a Debian kernel in the nested test
# host instead: QEMU emulating a CPU with SVM, whose Linux has a real KVM.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	echo "== build/ringvmm run (the built-in guest)"
	build/ringvmm run </dev/null
else
	echo "== no usable /dev/kvm on this machine: ringvmm boots Linux in the nested test host"
	[ -f build-static/build.ninja ] || meson setup build-static -Dstatic=true -Dtests=disabled
	ninja -C build-static
	RINGVMM_STATIC="$PWD/build-static/ringvmm" tests/boot/run_all.sh boot_bzimage
fi
