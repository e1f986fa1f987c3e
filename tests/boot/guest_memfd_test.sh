#!/usr/bin/env bash
# --mem-backend guest_memfd with bookworm's 6.1 L1, whose KVM has no
# guest_memfd: ringvmm must refuse with one line naming the missing
# capability and exit 2 (with a 6.18+ L1 the same scenario expects a boot).
# One QEMU session of its own; run_all.sh runs all boot tests in one
# session per L1 kernel. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_single_test guest_memfd
