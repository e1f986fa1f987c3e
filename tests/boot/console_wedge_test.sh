#!/usr/bin/env bash
# A guest printing without end to a stdout nobody reads cannot make ringvmm
# unkillable: SIGTERM ends it within 2 s with exit 0 (scenarios.sh,
# rv_sc_console_wedge). One QEMU session of its own (about 90 s).
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_single_test console_wedge
