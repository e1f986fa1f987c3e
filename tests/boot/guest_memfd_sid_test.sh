#!/usr/bin/env bash
# An L2 Linux boots from guest_memfd RAM (--mem-backend guest_memfd) with
# Debian sid's cloud kernel as L1: KVM_CREATE_GUEST_MEMFD with MMAP and
# INIT_SHARED, KVM_SET_USER_MEMORY_REGION2. Skips when sid's kernel cannot
# be fetched.
# One QEMU session of its own; run_all.sh runs all boot tests in one
# session per L1 kernel. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_single_test sid:guest_memfd
