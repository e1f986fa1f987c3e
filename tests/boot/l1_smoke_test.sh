#!/usr/bin/env bash
# Harness self-test, needs no ringvmm: the nested test host boots, L1 loads
# kvm-amd and has /dev/kvm, and the scenario machinery reports back.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rv_boot_prepare
mkdir -p "$RV_CACHE/runs"
rv_boot_scenario "$RV_CACHE/runs/l1_smoke.scenario.sh" l1_smoke
rv_boot_run l1_smoke "$RV_CACHE/runs/l1_smoke.scenario.sh"
if rv_boot_check "$RV_BOOT_LOG" l1_smoke && grep -q '^RINGVMM-L1-DONE$' "$RV_BOOT_LOG"; then
    exit 0
fi
exit 1
