#!/usr/bin/env bash
# virtio-net on a tap ringvmm creates in a network namespace of L1's: ping
# both ways, 64 MiB each way over TCP with MD5 sums compared, no drops.
# One QEMU session of its own (a few minutes). Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_single_test virtio_net_tap
