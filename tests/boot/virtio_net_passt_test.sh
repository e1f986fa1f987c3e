#!/usr/bin/env bash
# virtio-net on passt, started by ringvmm and started by L1: the guest
# reaches a TCP server of L1's. One QEMU session of its own. Exit 0 pass,
# 1 fail, 77 skip (no passt on this machine to copy into L1).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v passt > /dev/null ||
    rv_boot_skip "no passt on this machine to copy into L1 (apt-get install passt; scripts/deps.sh does)"
rv_boot_single_test virtio_net_passt
