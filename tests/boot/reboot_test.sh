#!/usr/bin/env bash
# ringvmm exits 0 when the guest reboots (reboot -f).
# One QEMU session of its own (about 8 s); run_all.sh runs all boot tests
# in one session. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_single_test reboot
