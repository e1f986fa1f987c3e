#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Quick start, step 1: install what is needed, build ringvmm, and boot the
# built-in guest (it prints a banner on its UART and powers off).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
echo "== build/ringvmm run (the built-in guest)"
build/ringvmm run </dev/null
