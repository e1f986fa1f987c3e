#!/usr/bin/env bash
# ringvmm boots the uncompressed ELF vmlinux (64-bit boot protocol) to /init
# and exits 0 when the guest powers off.
# One QEMU session of its own (about 8 s); run_all.sh runs all boot tests
# in one session. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_single_test boot_vmlinux
