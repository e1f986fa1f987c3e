#!/usr/bin/env bash
# Install the host packages the nested boot tests need (CI starts from a fresh
# Debian 12 machine). Installs only what is missing, so running it on a
# prepared machine is a quick no-op. Needs root.
#
# Only host tools are installed here: the L1/L2 kernel and the busybox that
# goes into the initramfs images are fetched into a cache by lib.sh with
# `apt-get download`, never installed into the system.
set -euo pipefail

pkgs=(qemu-system-x86 busybox-static cpio lz4 xz-utils passt)

missing=()
for p in "${pkgs[@]}"; do
    # dpkg-query reports "install ok installed" only for fully installed packages;
    # half-configured leftovers count as missing.
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if ((EUID != 0)); then
    echo "deps.sh: missing packages (${missing[*]}) and not root: cannot install them" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt_install() {
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}
# A fresh machine may have no or stale package lists: update only when the
# first attempt fails, to keep the common case fast.
if ! apt_install; then
    apt-get update -q
    apt_install
fi
