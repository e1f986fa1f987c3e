# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# A private apt configuration for Debian arm64 packages (sourced, bash).
#
# The arm64 cross build needs arm64 -dev packages (libfdt, liburing, cmocka)
# and the arm64 nested test host needs an arm64 kernel and busybox. None of
# them is installed into the system: they are downloaded with apt-get through
# a configuration of our own, pointed at arm64, with its own sources file,
# package lists and archive cache under $RV_ARM64_APT, then unpacked with
# dpkg-deb -x by the caller. The system's sources and dpkg database are never
# touched (no `dpkg --add-architecture`).
#
# The mirror is derived from the machine's own apt sources (deb822 files in
# /etc/apt/sources.list.d/ or one-line entries in /etc/apt/sources.list), so
# that whatever mirror or proxy this machine uses is used here too; the suite
# defaults to the one the machine runs (bookworm).
#
#   rv_arm64_apt_init DIR        set up DIR (idempotent), export RV_ARM64_APT_OPTS
#   rv_arm64_apt_update          fetch the arm64 package lists (once a day)
#   rv_arm64_apt_get PKG[=VER]   download, unpack to $DIR/pkgs/<pkg>_<ver>,
#                                path in REPLY (cached)
#   rv_arm64_apt_show PKG...     apt-cache show, arm64 lists

rv_arm64_apt_log() { echo "[arm64-apt] $*" >&2; }

# The first deb (not deb-src) URI and suite of a Debian archive (not
# security) that this machine's apt sources name, as "URI SUITE".
rv_arm64_apt__mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -r $f ]] || continue
        awk '
            /^[ \t]*$/ { if (deb && uri != "" && uri !~ /security/) { print uri, suite; exit 0 } deb = 0; uri = ""; suite = ""; next }
            /^Types:/ { deb = ($0 ~ /(^|[ \t])deb([ \t]|$)/) }
            /^URIs:/ { uri = $2 }
            /^Suites:/ { suite = $2 }
            END { if (deb && uri != "" && uri !~ /security/) print uri, suite }
        ' "$f" | head -n 1
    done | head -n 1 | grep . && return 0
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2> /dev/null |
        awk '$1 == "deb" && $0 !~ /security/ {
                i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++
                if ($2 ~ /^\[/) i++
                print $i, $(i + 1); exit 0 }' | grep .
}

rv_arm64_apt_init() {
    local dir=$1 mirror uri suite keyring
    RV_ARM64_APT=$dir
    mkdir -p "$dir"/{lists/partial,archives/partial,etc/sources.list.d,etc/preferences.d,pkgs}
    if [[ ! -s $dir/etc/sources.list ]]; then
        mirror=$(rv_arm64_apt__mirror) || {
            rv_arm64_apt_log "no Debian mirror found in /etc/apt/sources.list{,.d}"
            return 1
        }
        read -r uri suite <<< "$mirror"
        suite=${RINGVMM_ARM64_SUITE:-$suite}
        keyring=/usr/share/keyrings/debian-archive-keyring.gpg
        echo "deb [arch=arm64 signed-by=$keyring] $uri $suite main" > "$dir/etc/sources.list.tmp"
        mv "$dir/etc/sources.list.tmp" "$dir/etc/sources.list"
    fi
    touch "$dir/status"
    RV_ARM64_APT_OPTS=(
        -o APT::Architecture=arm64
        -o APT::Architectures::=arm64
        -o Dir::Etc::SourceList="$dir/etc/sources.list"
        -o Dir::Etc::SourceParts="$dir/etc/sources.list.d"
        -o Dir::Etc::Preferences="$dir/etc/preferences"
        -o Dir::Etc::PreferencesParts="$dir/etc/preferences.d"
        -o Dir::State::Lists="$dir/lists"
        -o Dir::State::Status="$dir/status"
        -o Dir::Cache="$dir/cache"
        -o Dir::Cache::Archives="$dir/archives"
        -o Debug::NoLocking=1
    )
    # apt drops to user _apt for downloads, which cannot write into a
    # private directory owned by root.
    ((EUID == 0)) && RV_ARM64_APT_OPTS+=(-o APT::Sandbox::User=root)
    mkdir -p "$dir/cache"
}

# Package lists older than a day are refreshed; a failed refresh with lists
# present is only a warning (offline runs use what is cached).
rv_arm64_apt_update() {
    local stamp=$RV_ARM64_APT/lists/.updated
    if [[ -e $stamp ]] && [[ -z $(find "$stamp" -mmin +1440 2> /dev/null) ]]; then
        return 0
    fi
    rv_arm64_apt_log "apt-get update (arm64, private lists in $RV_ARM64_APT)"
    if apt-get -q "${RV_ARM64_APT_OPTS[@]}" update >&2; then
        touch "$stamp"
        return 0
    fi
    compgen -G "$RV_ARM64_APT/lists/*Packages*" > /dev/null || return 1
    rv_arm64_apt_log "WARNING: apt-get update failed; using the lists from an earlier run"
}

rv_arm64_apt_show() {
    apt-cache "${RV_ARM64_APT_OPTS[@]}" show --no-all-versions "$@" 2> /dev/null
}

# The candidate version of $1 in the arm64 lists.
rv_arm64_apt_version() {
    rv_arm64_apt_show "$1" | awk '/^Version:/ { print $2; exit }'
}

# rv_arm64_apt_get PKG [VER]: the unpacked package root in REPLY.
rv_arm64_apt_get() {
    local pkg=$1 ver=${2:-} dir tmp debs
    [[ -n $ver ]] || ver=$(rv_arm64_apt_version "$pkg")
    [[ -n $ver ]] || {
        rv_arm64_apt_log "$pkg: not in the arm64 package lists"
        return 1
    }
    dir=$RV_ARM64_APT/pkgs/${pkg}_${ver//:/%3a}
    if [[ ! -e $dir/.extracted ]]; then
        rv_arm64_apt_log "fetching $pkg:arm64 $ver"
        tmp=$(mktemp -d "$RV_ARM64_APT/pkgs/.dl.XXXXXX") || return 1
        if ! (cd "$tmp" && apt-get -q "${RV_ARM64_APT_OPTS[@]}" download "$pkg:arm64=$ver") >&2; then
            rm -rf "$tmp"
            return 1
        fi
        debs=("$tmp"/*.deb)
        if ! dpkg-deb -x "${debs[0]}" "$tmp/root"; then
            rm -rf "$tmp"
            return 1
        fi
        touch "$tmp/root/.extracted"
        rm -rf "$dir"
        mv "$tmp/root" "$dir"
        rm -rf "$tmp"
    fi
    REPLY=$dir
}
