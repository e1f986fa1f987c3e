#!/usr/bin/env bash
# PFNMAP passthrough end to end: QEMU's ivshmem BAR2 (a file on this
# machine) mapped by ringvmm in L1 from sysfs resource2 into L2, where
# /known.txt is written through it; the file holds it after QEMU exits.
# One QEMU session of its own; run_all.sh runs all boot tests in one
# session per L1 kernel. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_single_test pfnmap_ivshmem
