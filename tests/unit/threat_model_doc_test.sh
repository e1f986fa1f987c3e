#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# docs/threat-model.md's bad-input table lists exactly the cases of
# tests/kvm/bad_input_table.sh, in order, and none marked FAIL: a case
# added, removed or renamed without regenerating the table
# (tests/boot/bad_inputs_doc.sh) fails here. At least 40 rows.
# Usage: threat_model_doc_test.sh SOURCE_ROOT
set -eu
root=${1:?usage: threat_model_doc_test.sh SOURCE_ROOT}
doc=$root/docs/threat-model.md
script=$root/tests/kvm/bad_input_table.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The script's cases: the second argument of each rv_bi_case line.
sed -n 's/^ *rv_bi_case [a-z]* "\([^"]*\)".*/\1/p' "$script" | sed 's/\\`/`/g' > "$tmp/want"
# The document's rows: the third column between the markers.
sed -n '/bad-input-table:begin/,/bad-input-table:end/p' "$doc" |
	grep '^| [0-9]' | awk -F ' [|] ' '{print $3}' > "$tmp/got"
n=$(wc -l < "$tmp/want")
[ "$n" -ge 40 ] || { echo "FAIL: only $n cases in $script (at least 40)"; exit 1; }
if ! diff -u "$tmp/want" "$tmp/got"; then
	echo "FAIL: docs/threat-model.md's table is not the script's cases: run tests/boot/bad_inputs_doc.sh"
	exit 1
fi
if sed -n '/bad-input-table:begin/,/bad-input-table:end/p' "$doc" | grep -q 'FAIL'; then
	echo "FAIL: the table has FAIL rows"
	exit 1
fi
echo "ok: $n bad-input rows, the same as the script's cases"
