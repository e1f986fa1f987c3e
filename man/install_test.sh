#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `meson install` puts ringvmm, its man page and its bash completion in
# place (into a scratch DESTDIR), man renders the page, and the completion
# completes run's options from ringvmm's own --help.
# Usage: install_test.sh BUILD-DIR. Exit 77 without scdoc or man.
set -u
build=${1:?usage: install_test.sh BUILD-DIR}
if ! command -v man >/dev/null || ! [ -e "$build/man/ringvmm.1" ]; then
	echo "SKIP: no man, or no man page built (scdoc missing: scripts/deps.sh installs it)"
	exit 77
fi
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail=0
bad() { echo "not ok - $1"; fail=1; }

meson install -C "$build" --no-rebuild --destdir "$dest" >"$dest.log" 2>&1 ||
	{ cat "$dest.log"; rm -f "$dest.log"; bad "meson install"; exit 1; }
rm -f "$dest.log"
page=$(find "$dest" -path '*/man1/ringvmm.1' | head -n 1)
bin=$(find "$dest" -path '*/bin/ringvmm' | head -n 1)
comp=$(find "$dest" -path '*/completions/ringvmm' | head -n 1)
[ -n "$bin" ] && echo "ok - installed $bin" || bad "no bin/ringvmm installed"
[ -n "$page" ] && echo "ok - installed $page" || bad "no man1/ringvmm.1 installed"
[ -n "$comp" ] && echo "ok - installed $comp" || bad "no bash completion installed"
[ -n "$page" ] || exit 1

text=$(MANWIDTH=80 man -l -P cat "$page" 2>&1)
for want in 'ringvmm - a small virtual machine monitor' 'SYNOPSIS' '--kernel' \
	'--cmdline-replace' '--metrics' 'EXIT STATUS'; do
	grep -qF -- "$want" <<<"$text" && echo "ok - man -l shows \"$want\"" ||
		bad "man -l lacks \"$want\""
done

# The completion, sourced as bash-completion would, for "ringvmm run --ke".
if [ -n "$comp" ] && [ -n "$bin" ]; then
	got=$(PATH="$(dirname "$bin"):$PATH" bash -c '
		. "$1"
		COMP_WORDS=(ringvmm run --ke); COMP_CWORD=2; _ringvmm
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(ringvmm bench coalesce --dev); COMP_CWORD=3; _ringvmm
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(ringvmm ru); COMP_CWORD=1; _ringvmm
		echo "${COMPREPLY[*]}"' _ "$comp" 2>&1)
	[ "$got" = $'--kernel\n--device-work-ns --devices\nrun' ] &&
		echo "ok - completion: --kernel, bench's --devices, the run command" ||
		bad "completion gave: $got"
fi
exit $fail
