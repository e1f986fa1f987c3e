#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate the bad-input table of docs/threat-model.md from a run on a
# real KVM: the nested test host's bad_inputs scenario (scenarios.sh) runs
# tests/kvm/bad_input_table.sh against the static ringvmm and prints each
# row as "RVROW ..."; this puts those rows between the table's markers.
#
# Usage: tests/boot/bad_inputs_doc.sh [BOOT_LOG]
#   BOOT_LOG: a run_all.sh console log that ran bad_inputs (default: run
#   one now, with RINGVMM_STATIC as run_all.sh takes it)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
doc=$repo/docs/threat-model.md
log=${1:-}
if [[ -z $log ]]; then
    "$repo/tests/boot/run_all.sh" bad_inputs
    # shellcheck source-path=SCRIPTDIR source=lib.sh
    source "$repo/tests/boot/lib.sh"
    log=$(ls -t "$RV_CACHE"/runs/*/console.log 2> /dev/null | head -n 1 || true)
fi
rows=$(grep -a '^RVROW ' "$log" | sed 's/^RVROW //' | tr -d '\r')
[[ -n $rows ]] || { echo "bad_inputs_doc.sh: no RVROW lines in $log" >&2; exit 1; }
if grep -q 'FAIL' <<< "$rows"; then
    echo "bad_inputs_doc.sh: rows marked FAIL; fix them before documenting:" >&2
    grep 'FAIL' <<< "$rows" >&2
    exit 1
fi
python3 - "$doc" <<PY
import sys
doc = sys.argv[1]
text = open(doc).read()
begin, end = "<!-- bad-input-table:begin -->", "<!-- bad-input-table:end -->"
a, b = text.index(begin) + len(begin), text.index(end)
rows = """$rows"""
open(doc, "w").write(text[:a] + "\n" + rows.strip() + "\n" + text[b:])
PY
echo "bad_inputs_doc.sh: $(grep -c '^| [0-9]' <<< "$rows") rows written to docs/threat-model.md"
