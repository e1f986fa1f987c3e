#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Citations of the kernel's Documentation/virt/kvm/api.rst name what they
# rely on, and the name is real. The tree cites api.rst as
# "api.rst, KVM_SET_TSS_ADDR" (several names joined by "and", "or", "/"
# or commas; "api.rst, struct kvm_run" for the run page's fields): section
# numbers move between kernels, names do not. This check reads every
# source, script and document of the tree (comment lines joined) and fails
#   - when "api.rst" is followed by a section number, or
#   - when "api.rst," is not followed by a name of that form, or
#   - when a cited name is not defined by <linux/kvm.h> (with the arch's
#     <asm/kvm.h> it includes) or vmm/compat.h, as the C compiler sees
#     them: a macro, an enumerator, or "struct NAME {".
# Before the tree, it checks itself on planted citations (good and bad),
# so that it cannot pass by matching nothing.
# Usage: api_citation_test.sh SOURCE-ROOT [CC...]   (CC defaults to cc)
# Exit 0 every citation is real, 1 not (each bad one named with its file),
# 77 skipped: no C compiler, or no <linux/kvm.h> to check names against.
root=$1
shift
[ $# -gt 0 ] || set -- cc

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# The names the headers define, one per line: macros, then every
# identifier left in the preprocessed text (enumerators, struct tags).
printf '#include <linux/kvm.h>\n#include "vmm/compat.h"\n' > "$tmp/names.c"
if ! "$@" -I"$root" -E -dM "$tmp/names.c" > "$tmp/macros" 2> "$tmp/cc.err" ||
	! "$@" -I"$root" -E "$tmp/names.c" > "$tmp/text" 2>> "$tmp/cc.err"; then
	echo "SKIP: '$*' cannot preprocess <linux/kvm.h> and vmm/compat.h:"
	sed 's/^/  /' "$tmp/cc.err" | head -n 5
	exit 77
fi
sed -n 's/^#define \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$tmp/macros" > "$tmp/defined"
tr -c 'A-Za-z0-9_\n' '\n' < "$tmp/text" | grep '^[A-Za-z_]' >> "$tmp/defined"
sort -u -o "$tmp/defined" "$tmp/defined"
sed -n 's/.*struct \([A-Za-z_][A-Za-z0-9_]*\) *{.*/\1/p' "$tmp/text" | sort -u > "$tmp/structs"
if ! grep -qx KVM_RUN "$tmp/defined"; then
	echo "SKIP: KVM_RUN is not among the names '$*' finds in <linux/kvm.h>"
	exit 77
fi

# rv_check FILE...: one awk pass over the files, each read as one text
# with every line's leading blanks and comment leaders (" * ", "# ", "// ")
# dropped, lines joined by spaces and Markdown backticks removed, so that a
# citation split across lines reads as one. Prints each problem as
# "FILE: ...", and "N citations of M names" to fd 3.
rv_check() {
	awk -v defined="$tmp/defined" -v structs="$tmp/structs" -v counts="$tmp/counts.out" '
	function flush(   t, c, rest, names, nm, tag) {
		if (file == "")
			return
		t = text
		# A section number after "api.rst" (a comma, quote, parenthesis
		# or "section" may come between).
		while (match(t, /api\.rst[",(]*[ \t]*(section[ \t]*)?[0-9][0-9.]*/)) {
			printf "%s: cites a section number (\"%s\"): cite the ioctl by name, \"api.rst, KVM_...\"\n", file, substr(t, RSTART, RLENGTH)
			t = substr(t, RSTART + RLENGTH)
		}
		# Every "api.rst," is followed by a name: KVM_..., with any
		# more joined to it by "and", "or", "/" or a comma, or a struct.
		t = text
		while (match(t, /api\.rst,[ \t]*[^ \t]*[ \t]*[^ \t]*/)) {
			c = substr(t, RSTART, RLENGTH)
			t = substr(t, RSTART + RLENGTH)
			ncites++
			rest = c
			sub(/^api\.rst,[ \t]*/, "", rest)
			if (rest ~ /^[0-9]/)
				continue # reported above
			if (rest ~ /^struct [a-z_]/) {
				tag = rest
				sub(/^struct /, "", tag)
				sub(/[^a-z0-9_].*$/, "", tag)
				seen["struct " tag] = 1
				if (!(tag in have_struct))
					printf "%s: \"%s\": struct %s is not defined by <linux/kvm.h> or vmm/compat.h\n", file, c, tag
				continue
			}
			if (rest !~ /^KVM_[A-Z0-9_]/) {
				printf "%s: \"%s\": after \"api.rst,\" comes an ioctl, capability or constant (KVM_...) or \"struct kvm_...\"\n", file, c
				continue
			}
		}
		# (Two steps: mawk 1.3.4 mis-matches an alternation inside a
		# starred group.)
		t = text
		while (match(t, /api\.rst,[ \t]*KVM_[A-Z0-9_]*/)) {
			names = substr(t, RSTART, RLENGTH)
			t = substr(t, RSTART + RLENGTH)
			while (match(t, /^[ \t]*(,|and|or|\/)[ \t]*KVM_[A-Z0-9_]*/)) {
				names = names substr(t, RSTART, RLENGTH)
				t = substr(t, RSTART + RLENGTH)
			}
			while (match(names, /KVM_[A-Z0-9_]*/)) {
				nm = substr(names, RSTART, RLENGTH)
				names = substr(names, RSTART + RLENGTH)
				seen[nm] = 1
				if (!(nm in have))
					printf "%s: api.rst, %s: %s is not defined by <linux/kvm.h> or vmm/compat.h\n", file, nm, nm
			}
		}
	}
	BEGIN {
		while ((getline l < defined) > 0)
			have[l] = 1
		while ((getline l < structs) > 0)
			have_struct[l] = 1
	}
	FNR == 1 { flush(); file = FILENAME; text = "" }
	{
		l = $0
		sub(/^[ \t]*((\*|#|\/\/)[ \t]*)*/, "", l)
		gsub(/`/, "", l)
		text = text " " l
	}
	END {
		flush()
		for (k in seen)
			nseen++
		printf "%d citations of %d names\n", ncites, nseen > counts
	}' "$@"
	cat "$tmp/counts.out" >&3
}

# Self-test: planted citations must be judged as the comments say.
mkdir -p "$tmp/plant"
cat > "$tmp/plant/good.c" <<'EOF'
/* api.rst, KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR: below 4 GiB. */
/*
 * Split across lines (api.rst,
 * KVM_CREATE_PIT2), and a field of the run page (api.rst, struct kvm_run).
 */
EOF
printf 'See `Documentation/virt/kvm/api.rst`; (api.rst, `KVM_IOEVENTFD`).\n' > "$tmp/plant/good.md"
cat > "$tmp/plant/bad.c" <<'EOF'
/* api.rst, KVM_SET_TSS_ADRR: a typo. */
/* api.rst 4.38 KVM_TRANSLATE: a section number. */
/* api.rst, KVM_IRQ_LINE and KVM_NO_SUCH_IOCTL: the second is not real. */
/* api.rst, "immediate_exit": not a name. */
/* api.rst, struct kvm_no_such: not a struct. */
EOF
rv_check "$tmp/plant/good.c" "$tmp/plant/good.md" "$tmp/plant/bad.c" > "$tmp/plant.out" 3> /dev/null
want='KVM_SET_TSS_ADRR
section number
KVM_NO_SUCH_IOCTL
"immediate_exit"
struct kvm_no_such'
self_ok=1
printf '%s\n' "$want" | while read -r w; do
	grep -q "bad.c:.*$w" "$tmp/plant.out" || { echo "self-test: a planted bad citation was not caught ($w)"; exit 1; }
done || self_ok=0
if grep -q "good\." "$tmp/plant.out" || [ "$(wc -l < "$tmp/plant.out")" -ne 5 ]; then
	echo "self-test: the planted citations were judged wrongly:"
	sed 's/^/  /' "$tmp/plant.out"
	self_ok=0
fi
[ "$self_ok" = 1 ] || exit 1

cd "$root" || exit 1
# shellcheck disable=SC2046 # top-level names of the tree: no blanks
find $(ls -d README.md arch bench devices docs man scripts tests vmm 2> /dev/null) -type f \
	\( -name '*.[chS]' -o -name '*.md' -o -name '*.sh' -o -name '*.build' -o -name '*.scd' \) |
	grep -v '^tests/unit/api_citation_test\.sh$' | sort > "$tmp/files"
# shellcheck disable=SC2046 # file names of the tree: no blanks
rv_check $(cat "$tmp/files") > "$tmp/tree.out" 3> "$tmp/counts"
if [ -s "$tmp/tree.out" ]; then
	cat "$tmp/tree.out"
	echo "FAIL: $(wc -l < "$tmp/tree.out") bad api.rst citation(s)"
	exit 1
fi
echo "PASS: $(cat "$tmp/counts"), every one defined by <linux/kvm.h> or vmm/compat.h"
