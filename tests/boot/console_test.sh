#!/usr/bin/env bash
# The guest console is byte-exact: 8 KiB of known text written by L2 with
# output post-processing off arrives on ringvmm's stdout unchanged.
# One QEMU session of its own (about 8 s); run_all.sh runs all boot tests
# in one session. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_single_test console
