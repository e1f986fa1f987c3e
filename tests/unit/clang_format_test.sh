#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every C file of the tree is formatted as .clang-format (kernel style, 100
# columns) says. Usage: clang_format_test.sh SOURCE-ROOT [CLANG-FORMAT].
# Exit 0 formatted, 1 not (the files are named with the command that
# fixes them), 77 skipped: no clang-format, or not the major version the
# tree was formatted with (another one lays some lines out differently).
root=$1
cf=${2:-clang-format}
want_major=14

if ! command -v "$cf" > /dev/null 2>&1; then
	echo "SKIP: $cf not found (scripts/deps.sh installs Debian's clang-format)"
	exit 77
fi
major=$("$cf" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
if [ "$major" != "$want_major" ]; then
	echo "SKIP: $cf is version ${major:-?}; the tree is formatted with $want_major (Debian 12)"
	exit 77
fi

cd "$root" || exit 1
bad=0
for f in $(find vmm devices arch tests -name '*.[ch]' | sort); do
	if ! "$cf" --style=file --dry-run --Werror "$f" > /dev/null 2>&1; then
		echo "not formatted: $f (clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
if [ "$bad" -gt 0 ]; then
	echo "FAIL: $bad file(s) differ from clang-format's layout"
	exit 1
fi
echo "PASS: $(find vmm devices arch tests -name '*.[ch]' | wc -l) files formatted"
