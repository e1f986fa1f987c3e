#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the sysroot the arm64 cross build links against and qemu-user runs
# the unit tests in (cross/aarch64-linux-gnu.ini points at it):
#
#   /opt/ringvmm/sysroot-aarch64/
#     usr/include, usr/lib/aarch64-linux-gnu   Debian arm64 libfdt-dev, liburing-dev,
#                                               libcmocka-dev, libjson-c-dev, zlib1g-dev,
#                                               libseccomp-dev (for test_sandbox_bpf: ringvmm's
#                                               filters are generated on the build machine)
#                                               and their runtime libraries
#     lib/ld-linux-aarch64.so.1, lib/aarch64-linux-gnu/libc.so.6, ...
#                                               the cross toolchain's arm64 glibc (from
#                                               libc6-dev-arm64-cross), for qemu-aarch64 -L
#
# The packages are fetched with a private apt configuration
# (scripts/arm64-apt.sh) into $RINGVMM_CACHE/arm64-apt and unpacked with
# dpkg-deb -x: nothing is installed into the system. Idempotent: a second run
# with the same package versions only checks the stamp.
#
# Usage: scripts/arm64-sysroot.sh [SYSROOT]   (default /opt/ringvmm/sysroot-aarch64,
#        the path cross/aarch64-linux-gnu.ini names)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
sysroot=${1:-/opt/ringvmm/sysroot-aarch64}
cache=${RINGVMM_CACHE:-$HOME/.cache/ringvmm}
# The cross toolchain's arm64 glibc (Debian: libc6-arm64-cross).
cross_libc=/usr/aarch64-linux-gnu/lib

# shellcheck source-path=SCRIPTDIR source=arm64-apt.sh
source "$repo/scripts/arm64-apt.sh"

pkgs=(libfdt-dev libfdt1 liburing-dev liburing2 libcmocka-dev libcmocka0 libseccomp-dev libseccomp2
      libjson-c-dev libjson-c5 zlib1g-dev zlib1g)

[[ -e $cross_libc/ld-linux-aarch64.so.1 ]] || {
    echo "arm64-sysroot.sh: no $cross_libc/ld-linux-aarch64.so.1: install gcc-aarch64-linux-gnu (scripts/deps.sh)" >&2
    exit 1
}

rv_arm64_apt_init "$cache/arm64-apt"
rv_arm64_apt_update || {
    echo "arm64-sysroot.sh: cannot fetch the Debian arm64 package lists" >&2
    exit 1
}

roots=()
for p in "${pkgs[@]}"; do
    rv_arm64_apt_get "$p" || {
        echo "arm64-sysroot.sh: cannot fetch $p:arm64" >&2
        exit 1
    }
    roots+=("$REPLY")
done

stamp="${roots[*]} $(stat -c %Y "$cross_libc/libc.so.6")"
if [[ -e $sysroot/.stamp && "$(cat "$sysroot/.stamp")" == "$stamp" ]]; then
    exit 0
fi

mkdir -p "$(dirname "$sysroot")"
tmp=$(mktemp -d "$sysroot.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for r in "${roots[@]}"; do
    # Headers and libraries only; documentation stays in the cache.
    for d in usr/include usr/lib; do
        [[ -d $r/$d ]] || continue
        (cd "$r" && find "$d" -mindepth 1 -print0 | cpio -0 -pdm --quiet "$tmp")
    done
    # Runtime libraries some packages still ship in /lib (zlib1g): merged
    # into usr/lib, as a merged-/usr system has them.
    if [[ -d $r/lib/aarch64-linux-gnu ]]; then
        mkdir -p "$tmp/usr/lib/aarch64-linux-gnu"
        cp -a "$r/lib/aarch64-linux-gnu/." "$tmp/usr/lib/aarch64-linux-gnu/"
    fi
done
# A -dev package's link to such a library is absolute (libz.so ->
# /lib/aarch64-linux-gnu/libz.so.1.2.13), which would name the build
# machine's file: point it at the copy beside it.
for l in "$tmp"/usr/lib/aarch64-linux-gnu/*.so; do
    [[ -L $l && $(readlink "$l") == /* ]] || continue
    ln -sf "$(basename "$(readlink "$l")")" "$l"
done
# pkg-config files give /usr paths; meson's sys_root (PKG_CONFIG_SYSROOT_DIR)
# prefixes them with the sysroot.
mkdir -p "$tmp/lib/aarch64-linux-gnu"
cp -a "$cross_libc"/ld-linux-aarch64.so.1 "$tmp/lib/"
for f in "$cross_libc"/*.so.*; do
    cp -a "$f" "$tmp/lib/aarch64-linux-gnu/"
done
echo "$stamp" > "$tmp/.stamp"
rm -rf "$sysroot"
mv "$tmp" "$sysroot"
trap - EXIT
echo "arm64-sysroot.sh: $sysroot ready (${pkgs[*]})" >&2
