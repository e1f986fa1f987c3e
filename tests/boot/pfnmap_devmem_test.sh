#!/usr/bin/env bash
# PFNMAP passthrough of RAM hidden from L1's kernel (memmap=) through
# /dev/mem: L2 writes /known.txt there, L1 reads it back through /dev/mem.
# One QEMU session of its own; run_all.sh runs all boot tests in one
# session per L1 kernel. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_single_test pfnmap_devmem
