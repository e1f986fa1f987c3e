# shellcheck shell=bash
# Nested test host for ringvmm's Linux boot tests (sourced, bash).
#
# /dev/kvm on the development machines is a paravirtual flavour that cannot
# boot stock Linux (docs/platform.md, "The x86 nested host"). So: QEMU TCG
# emulates an AMD CPU with SVM, a Debian bookworm cloud kernel (L1) loads
# kvm-amd inside it, and the statically linked ringvmm runs
# in L1 and boots an L2 Linux (the same cloud kernel) with a busybox initramfs.
#
# What is built where:
#   $RV_CACHE/pkgs/<pkg>_<ver>/   dpkg -x of the kernel and busybox-static
#   $RV_CACHE/build/<kernel>/     vmlinux, l2.cpio.gz, known.txt, l1-base.cpio
#   $RV_CACHE/runs/<name>/        per run: L1 initrd, scenario, QEMU log
# Everything derived is rebuilt when its inputs change (stamp files), and a
# second call with nothing changed does no work beyond a local apt-cache query.
#
# Skips (exit 77) happen only for reasons outside the project: no qemu and no
# way to install it, no way to fetch the kernel, no static ringvmm built yet.
#
# Environment:
#   RINGVMM_CACHE          cache dir (default ~/.cache/ringvmm)
#   RINGVMM_STATIC         static ringvmm binary (default <repo>/build-static/ringvmm)
#   RINGVMM_QEMU_TIMEOUT   host-side limit for one QEMU session, s (default 600)
#   RINGVMM_RUN_TIMEOUT    limit for one ringvmm run inside L1, s (default 45:
#                          about 10x an L2 boot, so a hang costs 45 s, not more)
#   RINGVMM_QEMU_STALL     stop a QEMU session that used no CPU time for this
#                          long, s (default 30; see rv_boot__stall_watch)
#   RINGVMM_QEMU_SILENT    stop a QEMU session whose console printed nothing
#                          for this long, s (default: the run timeout + 60;
#                          0: never)
#   RINGVMM_BOOT_SESSIONS  QEMU sessions run_all.sh may use per L1 kernel,
#                          the first and those re-running what a stalled
#                          one did not finish (default 8: about half of the
#                          x86 sessions that reach the console test stall,
#                          see rv_boot__stall_watch; 8 in a row, about 1 in
#                          500)
#   RINGVMM_L1_SMP         L1 CPUs (default 1; benchmarks may want 2, so that
#                          ringvmm's event loop does not share L1's one CPU
#                          with the vCPU it serves)
#
# Tests named sid:<test> run in a second QEMU session whose L1 is Debian
# sid's cloud kernel (guest_memfd as RAM needs Linux 6.18+ in L1), fetched
# through a private apt configuration (see "the sid L1" below).

RV_BOOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RV_REPO=$(cd "$RV_BOOT_DIR/../.." && pwd)
# shellcheck source=kvm_payload.sh
source "$RV_BOOT_DIR/kvm_payload.sh"
RV_CACHE=${RINGVMM_CACHE:-$HOME/.cache/ringvmm}
RV_STATIC=${RINGVMM_STATIC:-$RV_REPO/build-static/ringvmm}
RV_QEMU_TIMEOUT=${RINGVMM_QEMU_TIMEOUT:-600}
RV_RUN_TIMEOUT=${RINGVMM_RUN_TIMEOUT:-45}
RV_QEMU_STALL=${RINGVMM_QEMU_STALL:-30}
# Empty: RV_RUN_TIMEOUT + 60 when the session starts (callers may change
# RV_RUN_TIMEOUT first).
RV_QEMU_SILENT=${RINGVMM_QEMU_SILENT:-}
# shellcheck disable=SC2034 # used by run_all.sh
RV_BOOT_SESSIONS=${RINGVMM_BOOT_SESSIONS:-8}
RV_L1_SMP=${RINGVMM_L1_SMP:-1}
# L1's RAM, MiB. TCG allocates it as L1 touches it, so more costs little;
# run_all.sh raises it for kvm_suite, whose --memmap checks lay out 4 GiB
# and more of guest RAM and are refused above the host's RAM.
RV_L1_MEM=${RINGVMM_L1_MEM:-2048}

# The boot tests, in the order run_all.sh runs them. Each has an L1-side
# function rv_sc_<name> in scenarios.sh.
# shellcheck disable=SC2034 # used by run_all.sh
RV_BOOT_TESTS=(boot_bzimage boot_vmlinux smp console console_wedge reboot guest_memfd pfnmap_ivshmem
    pfnmap_devmem kvm_suite virtio_blk_dirty virtio_blk virtio_blk_pci virtio_blk_ro virtio_blk_smp virtio_rng
    virtio_console virtio_console_pci virtio_console_pty virtio_console_wedge virtio_vsock virtio_vsock_pci
    virtio_net_tap virtio_net_passt sandbox bad_inputs api snapshot snapshot_smp snapshot_disk snapshot_pci
    sid:guest_memfd sid:kvm_suite)

# The virtio drivers L2 loads (l2-init.sh), in dependency order, and those
# L1 loads to see its own disk: every session gives L1 a virtio-blk PCI disk
# holding an ext4 image (runs/<name>/disk.img), which L1 hands to ringvmm as
# a block device (the virtio_blk tests); the host checks it after QEMU.
RV_L2_MODULES="virtio_ring virtio virtio_mmio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk virtio-rng virtio_console vsock
    vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport failover net_failover virtio_net"
RV_L1_OPT_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk tun dummy"
RV_ROOT_IMAGE_SIZE=32M

# PFNMAP sources every QEMU session gives L1 (tests pfnmap_*): an
# ivshmem-plain device whose BAR2 is the file runs/<name>/ivshmem.bin on this
# machine, and RAM hidden from L1's kernel with memmap=SIZE$ADDR, reachable
# through /dev/mem. ringvmm passes either to L2 at RV_PT_GPA, a free range
# in the x86 MMIO hole (arch/x86/layout.h).
RV_IVSHMEM_SIZE=16M
RV_HIDDEN_ADDR=0x70000000
RV_HIDDEN_SIZE=16M
RV_PT_GPA=0xe0000000

rv_boot_log() { echo "[boot] $*" >&2; }

# A suite runner (run_all.sh) sets RV_BOOT_SUITE to its tests: a skip or a
# setup failure then hits every one of them, and still ends with the
# summary line that callers parse.
RV_BOOT_SUITE=()

# rv_boot__suite_end VERDICT SUMMARY WHY: the per-test lines, if a suite.
rv_boot__suite_end() {
    local t
    for t in "${RV_BOOT_SUITE[@]}"; do echo "$1 $t ($3)"; done
    ((${#RV_BOOT_SUITE[@]} == 0)) || echo "$2"
}

rv_boot_skip() {
    echo "SKIP: $*" >&2
    rv_boot__suite_end SKIP "0 passed, 0 failed, ${#RV_BOOT_SUITE[@]} skipped" "$*"
    exit 77
}

rv_boot_fail() {
    echo "FAIL: $*" >&2
    rv_boot__suite_end FAIL "0 passed, ${#RV_BOOT_SUITE[@]} failed, 0 skipped" "$*"
    exit 1
}

rv_boot__now() { date +%s.%N; }

# Seconds since a rv_boot__now timestamp, two decimals.
rv_boot__since() { awk -v a="$1" -v b="$(rv_boot__now)" 'BEGIN { printf "%.2f", b - a }'; }

# --- host tools -------------------------------------------------------------

rv_boot_need_host_tools() {
    local missing=() c
    for c in qemu-system-x86_64 cpio lz4 xz gzip dpkg-deb apt-get apt-cache timeout od awk flock; do
        command -v "$c" > /dev/null || missing+=("$c")
    done
    ((${#missing[@]} == 0)) && return 0
    if ((EUID != 0)); then
        rv_boot_skip "missing host tools (${missing[*]}) and not root to install them (tests/boot/deps.sh)"
    fi
    rv_boot_log "missing host tools (${missing[*]}): running deps.sh"
    bash "$RV_BOOT_DIR/deps.sh" >&2 || rv_boot_skip "could not install host packages (tests/boot/deps.sh failed)"
    for c in "${missing[@]}"; do
        command -v "$c" > /dev/null || rv_boot_skip "$c still missing after deps.sh"
    done
}

# --- fetching ---------------------------------------------------------------

# Resolve, from the local package lists in one apt-cache call (each call
# costs about a second), the kernel package the bookworm metapackage points
# at and its version (e.g. linux-image-6.1.0-56-cloud-amd64 6.1.192-2), and
# busybox-static's candidate version. Printed as "pkg ver" lines. Resolved at
# run time: point releases and security updates move the kernel.
rv_boot__resolve() {
    apt-cache show --no-all-versions linux-image-cloud-amd64 busybox-static 2> /dev/null |
        awk '
            /^Package:/ { pkg = $2 }
            pkg == "busybox-static" && /^Version:/ { bb = $2 }
            pkg == "linux-image-cloud-amd64" && /^Depends:/ {
                n = split(substr($0, 10), dep, ",")
                for (i = 1; i <= n; i++)
                    if (match(dep[i], /linux-image-[^ ]*-cloud-amd64 \(= [^)]*\)/)) {
                        split(substr(dep[i], RSTART, RLENGTH), w, /[ ()=]+/)
                        k = w[1]; kv = w[2]; break
                    }
            }
            END {
                if (k == "" || bb == "") exit 1
                print k, kv; print "busybox-static", bb
            }'
}

# Download and extract version $2 of package $1 unless already in the cache;
# the extracted root is left in REPLY. Further arguments are apt-get options
# (a private configuration). Returns 1 on any failure (the caller decides
# whether an apt-get update may help).
rv_boot__get_pkg() {
    local pkg=$1 ver=$2 dir tmp debs
    shift 2
    dir=$RV_CACHE/pkgs/${pkg}_${ver//:/%3a}
    if [[ ! -e $dir/.extracted ]]; then
        rv_boot_log "fetching $pkg $ver"
        mkdir -p "$RV_CACHE/pkgs" || return 1
        tmp=$(mktemp -d "$RV_CACHE/pkgs/.dl.XXXXXX") || return 1
        local sandbox=()
        # apt drops to user _apt for downloads, which cannot write into a
        # private cache dir; as root, download as root instead of warning.
        ((EUID == 0)) && sandbox=(-o APT::Sandbox::User=root)
        if ! (cd "$tmp" && apt-get download -q "${sandbox[@]}" "$@" "$pkg=$ver") >&2; then
            rm -rf "$tmp"
            return 1
        fi
        debs=("$tmp"/*.deb)
        rm -rf "$dir"
        if ! dpkg-deb -x "${debs[0]}" "$tmp/root"; then
            rm -rf "$tmp"
            return 1
        fi
        touch "$tmp/root/.extracted"
        mv "$tmp/root" "$dir"
        # The .deb itself is not needed again: the extracted tree is the cache.
        rm -rf "$tmp"
    fi
    REPLY=$dir
}

rv_boot__try_fetch() {
    local res kpkg kver bbver
    res=$(rv_boot__resolve) || return 1
    { read -r kpkg kver; read -r _ bbver; } <<< "$res"
    rv_boot__get_pkg "$kpkg" "$kver" || return 1
    RV_KROOT=$REPLY
    RV_KVER=${kpkg#linux-image-}
    rv_boot__get_pkg busybox-static "$bbver" || return 1
    RV_BBROOT=$REPLY
}

# Without any usable package list (offline), fall back to what an earlier run
# left in the cache.
rv_boot__cached_fetch() {
    local k b
    k=$(find "$RV_CACHE/pkgs" -maxdepth 1 -name 'linux-image-*-cloud-amd64_*' 2> /dev/null | sort -V | tail -n 1)
    b=$(find "$RV_CACHE/pkgs" -maxdepth 1 -name 'busybox-static_*' 2> /dev/null | sort -V | tail -n 1)
    [[ -n $k && -e $k/.extracted && -n $b && -e $b/.extracted ]] || return 1
    RV_KROOT=$k
    RV_KVER=$(basename "$k")
    RV_KVER=${RV_KVER%%_*}
    RV_KVER=${RV_KVER#linux-image-}
    RV_BBROOT=$b
}

# Sets RV_KROOT (extracted kernel package), RV_KVER (e.g. 6.1.0-56-cloud-amd64),
# RV_BBROOT (extracted busybox-static).
rv_boot_fetch() {
    local t0
    t0=$(rv_boot__now)
    if rv_boot__try_fetch; then
        :
    elif rv_boot_log "fetch failed with the current package lists: apt-get update" &&
        apt-get update -q >&2 && rv_boot__try_fetch; then
        :
    elif rv_boot__cached_fetch; then
        rv_boot_log "WARNING: cannot resolve/fetch packages, using cached $(basename "$RV_KROOT")"
    else
        rv_boot_skip "cannot fetch the bookworm cloud kernel / busybox-static with apt-get download"
    fi
    rv_boot_log "fetch: $(rv_boot__since "$t0") s ($(basename "$RV_KROOT"), $(basename "$RV_BBROOT"))"
}

# --- the sid L1 --------------------------------------------------------------
#
# --mem-backend guest_memfd needs KVM_CAP_GUEST_MEMFD_FLAGS with MMAP and
# INIT_SHARED in L1's KVM (Linux 6.18+); bookworm's 6.1 has none of it.
# Debian sid's cloud kernel has, so the sid:<test> tests boot it as L1 in a
# session of their own. It comes through a private apt configuration in
# $RV_SID_APT (own sources file, state, lists, status and archive cache);
# the mirror is the one this machine's apt sources name, the system's apt
# configuration is never touched, and versions are resolved at run time
# (sid moves daily). Packaging there: linux-image-<ver>-cloud-amd64 is a
# small package depending on linux-binary-<ver>-cloud-amd64 (the kernel, at
# usr/lib/modules/<ver>/vmlinuz) and linux-modules-<ver>-cloud-amd64
# (.ko.xz modules, decompressed when the L1 image is built).
RV_SID_APT=$RV_CACHE/apt-sid

# The URI of the first Debian archive (not the security one) in this
# machine's apt sources: deb822 files first, then one-line entries.
rv_boot__debian_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -r $f ]] || continue
        # Paragraph mode: one stanza per record, one field per line.
        awk 'BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; uri = ""
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^Types:/) types = $i
                    if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); uri = w[2] }
                }
                if (types ~ /[ \t]deb([ \t]|$)/ && uri != "" && uri !~ /security/) { print uri; exit }
            }' "$f"
    done | head -n 1 | grep . && return 0
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2> /dev/null |
        awk '$1 == "deb" && $0 !~ /security/ {
                for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' | grep .
}

# Set up $RV_SID_APT and RV_SID_APT_OPTS, the options every apt call for sid
# gets. The sources file is rewritten each time: the mirror is derived anew.
rv_boot__sid_apt_init() {
    local mirror d=$RV_SID_APT
    mirror=$(rv_boot__debian_mirror) || return 1
    mkdir -p "$d"/{state/lists/partial,cache/archives/partial,preferences.d} || return 1
    echo "deb $mirror sid main" > "$d/sources.list"
    touch "$d/state/status"
    RV_SID_APT_OPTS=(
        -o Dir::Etc::SourceList="$d/sources.list"
        -o Dir::Etc::SourceParts=/dev/null
        -o Dir::Etc::Preferences="$d/preferences"
        -o Dir::Etc::PreferencesParts="$d/preferences.d"
        -o Dir::State="$d/state"
        -o Dir::State::Lists="$d/state/lists"
        -o Dir::State::status="$d/state/status"
        -o Dir::Cache="$d/cache"
        -o Dir::Cache::Archives="$d/cache/archives"
    )
    # As in rv_boot__get_pkg: download as root into our own directory.
    ((EUID == 0)) && RV_SID_APT_OPTS+=(-o APT::Sandbox::User=root)
    rv_boot_log "sid: private apt configuration in $d (mirror $mirror)"
}

# apt-get update for sid when the lists are missing, older than 12 hours,
# or $1 is "force".
rv_boot__sid_update() {
    local stamp=$RV_SID_APT/state/lists/.updated
    if [[ ${1:-} != force && -e $stamp && -z $(find "$stamp" -mmin +720 2> /dev/null) ]]; then
        return 0
    fi
    rv_boot_log "sid: apt-get update (private lists)"
    apt-get -q "${RV_SID_APT_OPTS[@]}" update >&2 || return 1
    touch "$stamp"
}

# Print the sid cloud kernel as "release <uname -r>" and then "<pkg> <ver>"
# for each package to fetch: linux-binary and linux-modules, or the image
# package itself where it still holds the kernel.
rv_boot__sid_resolve() {
    local img ver
    read -r img ver < <(apt-cache "${RV_SID_APT_OPTS[@]}" show --no-all-versions \
        linux-image-cloud-amd64 2> /dev/null | awk '
            /^Depends:/ {
                n = split(substr($0, 10), dep, ",")
                for (i = 1; i <= n; i++)
                    if (match(dep[i], /linux-image-[^ ]*-cloud-amd64 \(= [^)]*\)/)) {
                        split(substr(dep[i], RSTART, RLENGTH), w, /[ ()=]+/)
                        print w[1], w[2]; exit
                    }
            }')
    [[ -n ${img:-} && -n ${ver:-} ]] || return 1
    echo "release ${img#linux-image-}"
    apt-cache "${RV_SID_APT_OPTS[@]}" show --no-all-versions "$img" 2> /dev/null |
        awk -v img="$img" -v ver="$ver" '
            /^Depends:/ {
                n = split(substr($0, 10), dep, ",")
                for (i = 1; i <= n; i++)
                    if (match(dep[i], /linux-(binary|modules)-[^ ]*-cloud-amd64 \(= [^)]*\)/)) {
                        split(substr(dep[i], RSTART, RLENGTH), w, /[ ()=]+/)
                        print w[1], w[2]; found++
                    }
            }
            END { if (!found) print img, ver }'
}

# Resolve and fetch with the current lists; sets RV_SID_KVER, RV_SID_VMLINUZ
# and RV_SID_MODROOT (the extracted package holding kvm-amd.ko*).
rv_boot__sid_try() {
    local res pkg ver roots=() r
    res=$(rv_boot__sid_resolve) || return 1
    while read -r pkg ver; do
        if [[ $pkg == release ]]; then
            RV_SID_KVER=$ver
            continue
        fi
        rv_boot__get_pkg "$pkg" "$ver" "${RV_SID_APT_OPTS[@]}" || return 1
        roots+=("$REPLY")
    done <<< "$res"
    RV_SID_VMLINUZ=''
    RV_SID_MODROOT=''
    for r in "${roots[@]}"; do
        [[ -n $RV_SID_VMLINUZ ]] || RV_SID_VMLINUZ=$(rv_boot__find1 "$r" 'vmlinuz*') || true
        if [[ -z $RV_SID_MODROOT ]] && rv_boot__find1 "$r" 'kvm-amd.ko*' > /dev/null; then
            RV_SID_MODROOT=$r
        fi
    done
    [[ -n $RV_SID_VMLINUZ && -n $RV_SID_MODROOT ]]
}

# Offline: the newest sid kernel an earlier run left in the cache.
rv_boot__sid_cached() {
    local b m
    b=$(find "$RV_CACHE/pkgs" -maxdepth 1 -name 'linux-binary-*-cloud-amd64_*' 2> /dev/null | sort -V | tail -n 1)
    [[ -n $b && -e $b/.extracted ]] || return 1
    RV_SID_KVER=$(basename "$b")
    RV_SID_KVER=${RV_SID_KVER%%_*}
    RV_SID_KVER=${RV_SID_KVER#linux-binary-}
    m=$(find "$RV_CACHE/pkgs" -maxdepth 1 -name "linux-modules-${RV_SID_KVER}_*" | sort -V | tail -n 1)
    [[ -n $m && -e $m/.extracted ]] || return 1
    RV_SID_VMLINUZ=$(rv_boot__find1 "$b" 'vmlinuz*') || return 1
    RV_SID_MODROOT=$m
}

# Fetch the sid L1 kernel. Returns 1 with the reason in RV_SID_WHY when it
# cannot be had: only the sid:<test> tests skip then.
rv_boot_fetch_sid() {
    local t0
    t0=$(rv_boot__now)
    RV_SID_WHY=
    if ! rv_boot__sid_apt_init; then
        RV_SID_WHY="no Debian mirror in /etc/apt/sources.list{,.d} to derive sid's from"
        return 1
    fi
    if rv_boot__sid_update && rv_boot__sid_try; then
        :
    elif rv_boot_log "sid: fetch failed with the current lists: updating them" &&
        rv_boot__sid_update force && rv_boot__sid_try; then
        :
    elif rv_boot__sid_cached; then
        rv_boot_log "WARNING: cannot resolve/fetch sid's kernel, using cached $RV_SID_KVER"
    else
        RV_SID_WHY="cannot fetch Debian sid's cloud kernel (linux-image-cloud-amd64) through the private apt configuration in $RV_SID_APT"
        return 1
    fi
    rv_boot_log "sid fetch: $(rv_boot__since "$t0") s (kernel $RV_SID_KVER)"
}

# --- kernel files -----------------------------------------------------------

# Print the path of file $2 (a glob) under $1, or fail.
rv_boot__find1() {
    local f
    f=$(find "$1" -name "$2" -type f -print 2> /dev/null | sort | head -n 1)
    [[ -n $f ]] || return 1
    echo "$f"
}

# Read an unsigned little-endian integer of $2 bytes at offset $3 of file $1.
rv_boot__uint() { od -An -t "u$2" -j "$3" -N "$2" "$1" | tr -d ' \n'; }

# Is $1 a complete ELF64 file? Checks the magic and class, then that every
# program header's file range lies inside the file, which catches a truncated
# decompression (lz4 exits non-zero on the bzImage's trailer either way).
rv_boot__elf64_ok() {
    local f=$1 phoff phentsize phnum size i base off filesz
    [[ $(od -An -t x1 -N 5 "$f" | tr -d ' \n') == 7f454c4602 ]] || return 1
    phoff=$(rv_boot__uint "$f" 8 32)
    phentsize=$(rv_boot__uint "$f" 2 54)
    phnum=$(rv_boot__uint "$f" 2 56)
    size=$(stat -c %s "$f")
    ((phnum > 0 && phentsize >= 56)) || return 1
    for ((i = 0; i < phnum; i++)); do
        base=$((phoff + i * phentsize))
        off=$(rv_boot__uint "$f" 8 $((base + 8)))
        filesz=$(rv_boot__uint "$f" 8 $((base + 32)))
        ((off + filesz <= size)) || return 1
    done
}

# Extract the ELF vmlinux from an LZ4-compressed bzImage: try every offset of
# the LZ4 legacy frame magic (02 21 4c 18) until one decompresses to a
# complete ELF64 (what scripts/extract-vmlinux does).
rv_boot_extract_vmlinux() {
    local bz=$1 out=$2 off
    while IFS=: read -r off _; do
        tail -c +$((off + 1)) "$bz" | lz4 -dc > "$out.tmp" 2> /dev/null || true
        if rv_boot__elf64_ok "$out.tmp"; then
            mv "$out.tmp" "$out"
            return 0
        fi
    done < <(LC_ALL=C grep -obUaP '\x02\x21\x4c\x18' "$bz" || true)
    rm -f "$out.tmp"
    return 1
}

# --- images -----------------------------------------------------------------

# The known console text: 128 lines of 64 bytes (8 KiB), each rotated
# differently so that a lost, doubled or reordered chunk cannot go unnoticed.
rv_boot__gen_known() {
    local chars=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ i r s
    for ((i = 1; i <= 128; i++)); do
        r=$((i % ${#chars}))
        s=${chars:r}${chars:0:r}
        printf 'line %04d %s\n' "$i" "${s:0:53}"
    done
}

# Populate $1 with busybox and its applet links (made here rather than by
# `busybox --install` at boot: saves emulated work in every boot).
rv_boot__stage_busybox() {
    local stage=$1 bb=$RV_BBROOT/bin/busybox a
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp}
    cp "$bb" "$stage/bin/busybox"
    while read -r a; do
        [[ $a == bin/busybox ]] && continue
        ln -sf /bin/busybox "$stage/$a"
    done < <("$bb" --list-full)
}

# newc cpio of directory $1 on stdout; uid/gid 0 whoever builds it.
rv_boot__cpio() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
}

# Is the stamp file $1 equal to the text $2? Used to rebuild derived files
# only when their inputs changed.
rv_boot__fresh() { [[ -e $1 && "$(cat "$1")" == "$2" ]]; }

# tests/boot/$1.c (rvmem, rvsock), statically linked, at $2 (rebuilt when
# the source changes), with compiler $3 (default cc; the arm64 harness
# passes its cross compiler): L1 and L2 reach physical memory above RAM
# with rvmem, and both ends of a vsock connection with rvsock.
rv_boot__build_tool() {
    local src=$RV_BOOT_DIR/$1.c out=$2 cc=${3:-cc} stamp
    stamp="$cc|$(cat "$src")"
    rv_boot__fresh "$out.stamp" "$stamp" && [[ -x $out ]] && return 0
    command -v "$cc" > /dev/null || rv_boot_fail "no C compiler ($cc) to build tests/boot/$1.c"
    "$cc" -static -Os -Wall -Wextra -o "$out.tmp" "$src" >&2 ||
        rv_boot_fail "could not build tests/boot/$1.c statically"
    strip "$out.tmp" 2> /dev/null || true
    mv "$out.tmp" "$out"
    printf '%s' "$stamp" > "$out.stamp"
}

# rv_boot__build_l1_base OUT MODROOT: the L1 base archive at OUT: busybox,
# l1-init.sh, the KVM modules of the kernel extracted at MODROOT, rvmem and
# every L2 file (RV_VMLINUZ, RV_VMLINUX, RV_L2_INITRD, RV_KNOWN). The L1 initrd is
# this base plus a small per-run archive (ringvmm, scenario) appended: the
# kernel unpacks concatenated cpio archives in turn. The base is left
# uncompressed: decompressing ~70 MB of gzip in emulated L1 costs seconds,
# and QEMU loads it from memory. Rebuilt when an input changes.
rv_boot__build_l1_base() {
    local out=$1 modroot=$2 stamp stage m mod
    stamp="$(cat "$RV_BOOT_DIR/l1-init.sh")|$(cat "$(dirname "$RV_L2_INITRD")/l2.stamp")|$modroot|$(declare -f rv_boot__stage_busybox)|$RV_L1_OPT_MODULES"
    rv_boot__fresh "$out.stamp" "$stamp" && [[ -e $out ]] && return 0
    rv_boot_log "building L1 base initramfs $(basename "$(dirname "$out")")"
    stage=$(mktemp -d "$(dirname "$out")/.l1.XXXXXX")
    rv_boot__stage_busybox "$stage"
    install -m 755 "$RV_BOOT_DIR/l1-init.sh" "$stage/init"
    mkdir -p "$stage/modules" "$stage/l2"
    for m in irqbypass kvm kvm-amd; do
        mod=$(rv_boot__find1 "$modroot" "$m.ko*") || rv_boot_fail "no $m.ko in $modroot"
        # Newer kernel packages ship .ko.xz; busybox insmod wants plain .ko.
        case $mod in
            *.xz) xz -dc "$mod" > "$stage/modules/$m.ko" ;;
            *) cp "$mod" "$stage/modules/$m.ko" ;;
        esac
    done
    # Optional, for L1's own virtio disk: a kernel that has them built in
    # (or names them otherwise) simply has no list entry for them.
    for m in $RV_L1_OPT_MODULES; do
        mod=$(rv_boot__find1 "$modroot" "$m.ko*") || continue
        case $mod in
            *.xz) xz -dc "$mod" > "$stage/modules/$m.ko" ;;
            *) cp "$mod" "$stage/modules/$m.ko" ;;
        esac
        echo "$m" >> "$stage/modules/optional.list"
    done
    cp "$RV_VMLINUZ" "$stage/l2/bzImage"
    cp "$RV_VMLINUX" "$stage/l2/vmlinux"
    cp "$RV_L2_INITRD" "$stage/l2/initrd.cpio.gz"
    cp "$RV_KNOWN" "$stage/known.txt"
    install -m 755 "$RV_RVMEM" "$stage/rvmem"
    install -m 755 "$RV_RVSOCK" "$stage/rvsock"
    rv_boot__cpio "$stage" > "$out.tmp"
    mv "$out.tmp" "$out"
    rm -rf "$stage"
    printf '%s' "$stamp" > "$out.stamp"
}

# RV_L2_MODULES of the kernel unpacked at $2 into $1/modules (plain .ko:
# busybox insmod reads no .xz); one the kernel has built in is skipped.
rv_boot__stage_l2_modules() {
    local stage=$1 kroot=$2 m mod
    mkdir -p "$stage/modules"
    for m in $RV_L2_MODULES; do
        mod=$(rv_boot__find1 "$kroot" "$m.ko*") || continue
        case $mod in
            *.xz) xz -dc "$mod" > "$stage/modules/$m.ko" ;;
            *) cp "$mod" "$stage/modules/$m.ko" ;;
        esac
    done
}

# The ext4 root disk of the virtio_blk tests, at $1: busybox, /known.txt and
# l2-root-init.sh as /sbin/init, made by mkfs.ext4 -d (no root, no mount
# needed). 4 KiB blocks, which cache=none's 4 KiB logical blocks require.
# $2: the function that stages busybox (the arm64 harness passes its own),
# $3: the known text.
rv_boot__build_root_image() {
    local out=$1 stage_fn=${2:-rv_boot__stage_busybox} known=${3:-$RV_KNOWN} stamp stage
    command -v mkfs.ext4 > /dev/null ||
        rv_boot_fail "no mkfs.ext4 (e2fsprogs) to build the root disk image"
    stamp="$(cat "$RV_BOOT_DIR/l2-root-init.sh")|$(cat "$known")|$RV_ROOT_IMAGE_SIZE|$(declare -f "$stage_fn")"
    rv_boot__fresh "$out.stamp" "$stamp" && [[ -e $out ]] && return 0
    rv_boot_log "building the ext4 root disk image $out"
    stage=$(mktemp -d "$(dirname "$out")/.root.XXXXXX")
    "$stage_fn" "$stage"
    mkdir -p "$stage/mnt" "$stage/etc"
    rm -f "$stage/sbin/init"
    install -m 755 "$RV_BOOT_DIR/l2-root-init.sh" "$stage/sbin/init"
    cp "$known" "$stage/known.txt"
    rm -f "$out.tmp"
    truncate -s "$RV_ROOT_IMAGE_SIZE" "$out.tmp"
    # Inode tables and journal zeroed now: no lazy-init writes in a guest
    # that runs at nested-emulation speed.
    mkfs.ext4 -q -F -b 4096 -L rvroot -E root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0 \
        -d "$stage" "$out.tmp" "$RV_ROOT_IMAGE_SIZE" >&2 ||
        rv_boot_fail "mkfs.ext4 -d failed"
    mv "$out.tmp" "$out"
    rm -rf "$stage"
    printf '%s' "$stamp" > "$out.stamp"
}

# Sets RV_VMLINUZ, RV_VMLINUX, RV_L2_INITRD, RV_KNOWN, RV_RVMEM, RV_RVSOCK, RV_L1_BASE
# and builds them if needed.
rv_boot_build_images() {
    local t0 build stamp stage
    t0=$(rv_boot__now)
    RV_VMLINUZ=$(rv_boot__find1 "$RV_KROOT" 'vmlinuz*') || rv_boot_fail "no vmlinuz in $RV_KROOT"
    build=$RV_CACHE/build/$(basename "$RV_KROOT")
    mkdir -p "$build"

    RV_VMLINUX=$build/vmlinux
    if [[ ! -e $RV_VMLINUX ]]; then
        rv_boot_extract_vmlinux "$RV_VMLINUZ" "$RV_VMLINUX" ||
            rv_boot_fail "could not extract an ELF64 vmlinux from $RV_VMLINUZ"
        if command -v file > /dev/null; then rv_boot_log "vmlinux: $(file -b "$RV_VMLINUX")"; fi
    fi

    RV_RVMEM=$build/rvmem
    rv_boot__build_tool rvmem "$RV_RVMEM"
    RV_RVSOCK=$build/rvsock
    rv_boot__build_tool rvsock "$RV_RVSOCK"

    RV_KNOWN=$build/known.txt
    RV_L2_INITRD=$build/l2.cpio.gz
    stamp="$(cat "$RV_BOOT_DIR/l2-init.sh")|$RV_BBROOT|$(cat "$RV_RVMEM.stamp" "$RV_RVSOCK.stamp")|$(declare -f rv_boot__gen_known rv_boot__stage_busybox rv_boot__stage_l2_modules)|$RV_L2_MODULES"
    if ! rv_boot__fresh "$build/l2.stamp" "$stamp" || [[ ! -e $RV_L2_INITRD ]]; then
        rv_boot_log "building L2 initramfs"
        rv_boot__gen_known > "$RV_KNOWN"
        stage=$(mktemp -d "$build/.l2.XXXXXX")
        rv_boot__stage_busybox "$stage"
        install -m 755 "$RV_BOOT_DIR/l2-init.sh" "$stage/init"
        cp "$RV_KNOWN" "$stage/known.txt"
        install -m 755 "$RV_RVMEM" "$stage/rvmem"
        install -m 755 "$RV_RVSOCK" "$stage/rvsock"
        rv_boot__stage_l2_modules "$stage" "$RV_KROOT"
        rv_boot__cpio "$stage" | gzip -9n > "$RV_L2_INITRD.tmp"
        mv "$RV_L2_INITRD.tmp" "$RV_L2_INITRD"
        rm -rf "$stage"
        printf '%s' "$stamp" > "$build/l2.stamp"
    fi

    RV_L1_BASE=$build/l1-base.cpio
    rv_boot__build_l1_base "$RV_L1_BASE" "$RV_KROOT"

    RV_ROOT_IMAGE=$build/root.img
    rv_boot__build_root_image "$RV_ROOT_IMAGE"
    rv_boot_log "images: $(rv_boot__since "$t0") s (kernel $RV_KVER)"
}

# --- ringvmm ----------------------------------------------------------------

# Check the static ringvmm: absent is a skip (not built yet), dynamically
# linked is a failure (it could not run in L1, which has no libc).
rv_boot_need_ringvmm() {
    [[ -x $RV_STATIC ]] ||
        rv_boot_skip "no static ringvmm at $RV_STATIC (build: meson setup build-static -Dstatic=true && ninja -C build-static, or set RINGVMM_STATIC)"
    if command -v file > /dev/null; then
        if file -b "$RV_STATIC" | grep -q 'dynamically linked'; then
            rv_boot_fail "$RV_STATIC is dynamically linked; L1 has no libc (build with -Dstatic=true)"
        fi
    elif grep -q 'ld-linux' "$RV_STATIC"; then
        rv_boot_fail "$RV_STATIC looks dynamically linked; L1 has no libc (build with -Dstatic=true)"
    fi
}

# --- running ----------------------------------------------------------------

# Everything up to a runnable L1: tools, packages, images.
# Test scripts may run in parallel (meson test does): one at a time fetches
# and builds, the others wait and then find everything in place.
rv_boot_prepare() {
    local lock
    rv_boot_need_host_tools
    mkdir -p "$RV_CACHE"
    exec {lock}> "$RV_CACHE/.lock"
    flock "$lock"
    rv_boot_fetch
    rv_boot_build_images
    exec {lock}>&-
}

# After rv_boot_prepare (the L2 files come from there): fetch the sid L1
# kernel and build its base image. Sets RV_SID_VMLINUZ and RV_SID_L1_BASE;
# returns 1, with the reason in RV_SID_WHY, when sid's kernel cannot be had.
rv_boot_prepare_sid() {
    local lock ret=0
    exec {lock}> "$RV_CACHE/.lock"
    flock "$lock"
    if rv_boot_fetch_sid; then
        mkdir -p "$RV_CACHE/build/sid-$RV_SID_KVER"
        RV_SID_L1_BASE=$RV_CACHE/build/sid-$RV_SID_KVER/l1-base.cpio
        rv_boot__build_l1_base "$RV_SID_L1_BASE" "$RV_SID_MODROOT"
    else
        ret=1
    fi
    exec {lock}>&-
    return $ret
}

# rv_boot_scenario FILE TEST...: write an L1 scenario running the named
# tests from scenarios.sh, in order.
rv_boot_scenario() {
    local out=$1 t
    shift
    {
        echo "RV_RUN_TIMEOUT=$RV_RUN_TIMEOUT"
        echo "RV_IVSHMEM_SIZE=$RV_IVSHMEM_SIZE RV_PT_GPA=$RV_PT_GPA"
        echo "RV_HIDDEN_ADDR=$RV_HIDDEN_ADDR RV_HIDDEN_SIZE=$RV_HIDDEN_SIZE"
        cat "$RV_BOOT_DIR/scenarios.sh"
        cat "$RV_BOOT_DIR/scenarios-net.sh"
        # The bad-input cases (scenario bad_inputs), as functions only.
        echo "RV_BAD_INPUT_LIB=1"
        cat "$RV_BOOT_DIR/../kvm/bad_input_table.sh"
        for t in "$@"; do echo "rv_sc_$t"; done
    } > "$out"
}

# rv_boot_qemu LOG QEMU-COMMAND...: run QEMU under the session timeout, its
# console into LOG without the \r an L1 tty adds. Sets RV_BOOT_QEMU_RC
# (QEMU's; 124: it hit RV_QEMU_TIMEOUT, 125: it stalled, see
# rv_boot__stall_watch; the why in RV_BOOT_STALL) and RV_BOOT_QEMU_SECS.
# A session that did not end by itself leaves the tail of its console on
# stderr: CI keeps nothing else of it.
rv_boot_qemu() {
    local - log=$1 wpid t0
    shift
    # QEMU's exit code is a result here, not an error.
    set +e
    t0=$(rv_boot__now)
    rm -f "$log.pid" "$log.stalled"
    rv_boot__stall_watch "$log.pid" "$log.stalled" &
    wpid=$!
    # Unbuffered, so that the watch sees the console as it comes.
    timeout -k 10 "$RV_QEMU_TIMEOUT" "$@" -pidfile "$log.pid" \
        -monitor "unix:$log.mon,server=on,wait=off" < /dev/null 2>&1 |
        stdbuf -o0 tr -d '\r' > "$log"
    RV_BOOT_QEMU_RC=${PIPESTATUS[0]}
    kill "$wpid" 2> /dev/null
    wait "$wpid" 2> /dev/null
    RV_BOOT_STALL=
    if [[ -e $log.stalled ]]; then
        RV_BOOT_QEMU_RC=125
        # shellcheck disable=SC2034 # read by run_all.sh
        RV_BOOT_STALL=$(< "$log.stalled")
    fi
    rm -f "$log.pid" "$log.stalled" "$log.mon"
    RV_BOOT_QEMU_SECS=$(rv_boot__since "$t0")
    if ((RV_BOOT_QEMU_RC == 124 || RV_BOOT_QEMU_RC == 125)); then
        rv_boot_log "the last console lines of the session ($log):"
        tail -n 12 "$log" | sed 's/^/[boot] | /' >&2
    fi
}

# rv_boot__qemu_monitor SOCKET OUT COMMAND...: run QEMU monitor commands
# through SOCKET, their output into OUT.
rv_boot__qemu_monitor() {
    python3 - "$@" <<'PY' 2> /dev/null || echo "(no answer from the QEMU monitor)" > "$2"
import socket, sys, time
path, out, cmds = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(path)
text = b""
for cmd in cmds:
    s.sendall(cmd.encode() + b"\n")
    time.sleep(0.5)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            text += chunk
    except socket.timeout:
        pass
open(out, "w").write(text.decode(errors="replace"))
PY
}

# rv_boot__stall_watch PIDFILE MARK: stop a QEMU session (its -pidfile)
# that will not end by itself, what its monitor says of the CPUs kept in
# LOG.stall, and MARK created holding why. Two signs:
#
# - No CPU time for RV_QEMU_STALL seconds. QEMU 7.2's TCG (x86, nested SVM)
#   has been seen to leave the emulated CPU halted for good while L2 printed
#   through its UART, the likelier the longer the run. Its monitor then
#   says: L1 in its idle HLT with IF=1 and the LAPIC timer's vector pending
#   in IRR above the PPR, yet nothing is taken, not even an NMI from the
#   monitor: interrupts stay gated, as if the SVM global interrupt flag was
#   left clear after a #VMEXIT. A live L1 uses CPU time even when idle: its
#   `timeout` wakes every second.
# - A silent console for RV_QEMU_SILENT seconds while QEMU keeps running
#   (seen once in CI, in the smp test: 570 s, then the session timeout).
#   L1 prints a line at every ringvmm run (RVRUN) and its result, and ends
#   any run after RV_RUN_TIMEOUT: silence past that means L1 itself no
#   longer gets to run, whatever L2 does.
rv_boot__stall_watch() {
    local pid='' cpu last='' size heard='' since=$SECONDS said=$SECONDS why
    local log=${1%.pid} silent=${RV_QEMU_SILENT:-$((RV_RUN_TIMEOUT + 60))}
    while sleep 1; do
        if [[ -z $pid ]]; then
            pid=$(cat "$1" 2> /dev/null) || continue
            since=$SECONDS said=$SECONDS
        fi
        # utime + stime of every QEMU thread, in clock ticks.
        cpu=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2> /dev/null) || return 0
        size=$(stat -c %s "$log" 2> /dev/null) || size=0
        [[ $cpu == "$last" ]] || last=$cpu since=$SECONDS
        [[ $size == "$heard" ]] || heard=$size said=$SECONDS
        if ((SECONDS - since >= RV_QEMU_STALL)); then
            why="QEMU used no CPU time in $((SECONDS - since)) s: its machine halted for good"
        elif ((silent > 0 && SECONDS - said >= silent)); then
            why="L1 printed nothing in $((SECONDS - said)) s though QEMU ran: L1 no longer runs"
        else
            continue
        fi
        rv_boot__qemu_monitor "$log.mon" "$log.stall" "info registers -a" "info lapic"
        rv_boot_log "$why ($(grep -o 'HLT=[01]' "$log.stall" 2> /dev/null | head -n 1)," \
            "IRR $(sed -n 's/^IRR[[:space:]]*//p' "$log.stall" 2> /dev/null | head -n 1 |
                tr -d '\r'); $log.stall); stopping it"
        echo "$why" > "$2"
        kill "$pid" 2> /dev/null
        return 0
    done
}

# rv_boot_run NAME SCENARIO [RINGVMM]: boot L1 in QEMU with SCENARIO as
# /scenario.sh (and RINGVMM as /ringvmm if given). The L1 kernel is
# RV_L1_KERNEL (default: RV_VMLINUZ, bookworm's) with RV_L1_BASE. Returns
# the log path in RV_BOOT_LOG, rv_boot_qemu's RV_BOOT_QEMU_RC,
# RV_BOOT_STALL and RV_BOOT_QEMU_SECS, and the ivshmem backing file and the
# seed line written at its start in RV_BOOT_IVSHMEM and
# RV_BOOT_IVSHMEM_SEED. Not to be called in $(...): the results are
# variables.
rv_boot_run() {
    local name=$1 scenario=$2 vmm=${3:-} dir stage initrd
    local kernel=${RV_L1_KERNEL:-$RV_VMLINUZ}
    dir=$RV_CACHE/runs/$name
    rm -rf "$dir"
    mkdir -p "$dir"
    stage=$dir/overlay
    mkdir -p "$stage"
    install -m 755 "$scenario" "$stage/scenario.sh"
    [[ -n $vmm ]] && install -m 755 "$vmm" "$stage/ringvmm"
    # snapshot's live update: a second ringvmm with another version string.
    if [[ -n $vmm ]] && grep -Eq '^rv_sc_snapshot(_disk|_pci)?$' "$scenario"; then
        python3 "$RV_REPO/tests/kvm/lib/reversion.py" "$vmm" "$stage/ringvmm2" > "$stage/ringvmm2.version"
    fi
    # Files some tests need in L1 besides ringvmm (run_all.sh: kvm_suite).
    [[ -n ${RV_BOOT_PAYLOAD:-} ]] && cp -a "$RV_BOOT_PAYLOAD/." "$stage/"
    # virtio_net_passt: this machine's passt and its libraries (kvm_payload.sh).
    if grep -q '^rv_sc_virtio_net_passt$' "$scenario" && command -v passt > /dev/null; then
        rv_boot__copy_with_libs "$stage" "$(command -v passt)"
        # The build it re-executes itself as on a CPU with AVX2, if shipped.
        [[ -x $(command -v passt).avx2 ]] && rv_boot__copy_with_libs "$stage" "$(command -v passt).avx2"
    fi
    # Pad the base to a 4-byte multiple (GNU cpio already pads to 512) so the
    # kernel finds the appended archive's header aligned.
    initrd=$dir/l1.cpio
    cp "$RV_L1_BASE" "$initrd"
    truncate -s %512 "$initrd"
    rv_boot__cpio "$stage" >> "$initrd"

    # The ivshmem device's memory: a file on this machine, seeded with one
    # line at offset 0 that L2 reads through its passthrough slot; what L2
    # writes there is checked in this file after QEMU exits.
    RV_BOOT_IVSHMEM=$dir/ivshmem.bin
    RV_BOOT_IVSHMEM_SEED="RINGVMM-HOST-SEED $(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
    truncate -s "$RV_IVSHMEM_SIZE" "$RV_BOOT_IVSHMEM"
    printf '%s\n' "$RV_BOOT_IVSHMEM_SEED" | dd of="$RV_BOOT_IVSHMEM" conv=notrunc status=none

    # L1's virtio disk: a fresh copy of the root image (the virtio_blk tests).
    RV_BOOT_DISK=$dir/disk.img
    cp --sparse=always "$RV_ROOT_IMAGE" "$RV_BOOT_DISK"

    RV_BOOT_LOG=$dir/qemu.log
    rv_boot_log "QEMU session '$name', L1 $(basename "$kernel") (log: $RV_BOOT_LOG)"
    # TCG with an emulated EPYC with SVM and NPT: L1's kvm-amd sees real-style
    # hardware virtualization. -no-reboot + panic=-1: any L1 crash ends QEMU.
    # PFNMAP sources for L1: an ivshmem-plain device (BAR2 = the file above,
    # share=on so writes reach it) and memmap=SIZE$ADDR, which hides that RAM
    # from L1's kernel (e820 "Reserved": /dev/mem may map it).
    rv_boot_qemu "$RV_BOOT_LOG" qemu-system-x86_64 \
        -accel tcg,thread=multi -cpu EPYC,+svm,+npt -smp "$RV_L1_SMP" -m "$RV_L1_MEM" \
        -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
        -object "memory-backend-file,id=rvshm,mem-path=$RV_BOOT_IVSHMEM,size=$RV_IVSHMEM_SIZE,share=on" \
        -device ivshmem-plain,memdev=rvshm \
        -drive "file=$RV_BOOT_DISK,format=raw,if=virtio" \
        -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 panic=-1 quiet memmap=$RV_HIDDEN_SIZE\$$RV_HIDDEN_ADDR"
    rm -f "$initrd"
    rv_boot_log "QEMU: ${RV_BOOT_QEMU_SECS} s wall, rc=$RV_BOOT_QEMU_RC;" \
        "$(sed -n 's/.*RINGVMM-L1-INIT uptime=/L1 at \/init after /p' "$RV_BOOT_LOG" | head -n 1) s"
    ((RV_BOOT_QEMU_RC != 124)) || rv_boot_log "QEMU hit the ${RV_QEMU_TIMEOUT} s timeout"
}

# After QEMU, on this machine: what L2 wrote through its passthrough slot
# (/known.txt at offset 4 KiB of the ivshmem BAR) must be in the device's
# backing file, and the seed L2 read (in the RVTEST line) must be the one
# written there before. Prints what was found; returns 1 on a mismatch.
rv_boot_post_pfnmap_ivshmem() {
    local log=$1 line got want size
    line=$(grep -a '^RVTEST pfnmap_ivshmem ' "$log" | tail -n 1)
    got=$(sed -n 's/.* seed=\([0-9a-f]*\).*/\1/p' <<< "$line")
    want=${RV_BOOT_IVSHMEM_SEED#RINGVMM-HOST-SEED }
    if [[ $got != "$want" ]]; then
        echo "L2 read seed '$got', this side wrote '$want' in $RV_BOOT_IVSHMEM"
        return 1
    fi
    size=$(stat -c %s "$RV_KNOWN")
    # Bytes [4096, 4096 + size) of the backing file against known.txt.
    if ! cmp -s --ignore-initial=4096:0 --bytes="$size" "$RV_BOOT_IVSHMEM" "$RV_KNOWN"; then
        echo "pattern check FAILED: $(basename "$RV_BOOT_IVSHMEM")[0x1000, +$size) differs from known.txt:" \
            "$(cmp --ignore-initial=4096:0 --bytes="$size" "$RV_BOOT_IVSHMEM" "$RV_KNOWN" 2>&1)"
        return 1
    fi
    echo "pattern check: $(basename "$RV_BOOT_IVSHMEM")[0x1000, +$size) on the host equals known.txt; L2 read this side's seed $want"
}

# rv_boot__e2fsck: e2fsck -fn on the session's disk; prints its verdict and
# fails when the file system is not clean.
rv_boot__e2fsck() {
    local out
    if ! out=$(e2fsck -fn "$RV_BOOT_DISK" 2>&1); then
        echo "e2fsck -fn $(basename "$RV_BOOT_DISK") is not clean: $(tail -n 3 <<< "$out" | tr '\n' ' ')"
        return 1
    fi
    echo "e2fsck -fn clean ($(tail -n 1 <<< "$out"))"
}

# After QEMU, on this machine: the disk L2 wrote its root on (through
# ringvmm, through L1's virtio disk) must be a clean ext4 (e2fsck -fn) and
# hold /written.txt equal to known.txt (read back with debugfs, no mount).
rv_boot_post_virtio_blk() {
    local fsck
    fsck=$(rv_boot__e2fsck) || { echo "$fsck"; return 1; }
    if ! debugfs -R 'cat /written.txt' "$RV_BOOT_DISK" 2> /dev/null | cmp -s - "$RV_KNOWN"; then
        echo "/written.txt in $(basename "$RV_BOOT_DISK") differs from known.txt"
        return 1
    fi
    echo "$fsck; /written.txt equals known.txt"
}

# After QEMU, on this machine: the disk a guest powered off on with writes in
# flight, then mounted again (replaying its journal) and remounted read-only,
# is a clean ext4 (e2fsck -fn). In a session that also runs virtio_blk, that
# test's boots come after and the image is checked as they left it.
rv_boot_post_virtio_blk_dirty() {
    rv_boot__e2fsck
}

# After QEMU, on this machine: the snapshot test's guest logged its counts
# to this disk across a snapshot and restore and powered off: a clean ext4
# holding /snapcount.log with 0, 1, ... in order (read with debugfs, no
# mount), the counts from before the snapshot among them.
rv_boot_post_snapshot_disk() {
    local fsck log
    fsck=$(rv_boot__e2fsck) || { echo "$fsck"; return 1; }
    log=$(debugfs -R 'cat /snapcount.log' "$RV_BOOT_DISK" 2> /dev/null |
        awk 'NR - 1 != $1 { bad = 1 } END { print (bad || NR < 150 ? "bad" : "ok") " lines=" NR }')
    if [[ $log != ok* ]]; then
        echo "$fsck; /snapcount.log $log"
        return 1
    fi
    echo "$fsck; /snapcount.log $log"
}

# rv_boot_check LOG TEST [SHOWN]: print the test's verdict (under the name
# SHOWN, default TEST); return 0 on PASS. A missing result line is explained
# from the L1 markers. A host-side check rv_boot_post_TEST, where there is
# one, runs after an L1-side PASS and can still fail the test.
rv_boot_check() {
    local log=$1 t=$2 shown=${3:-$2} line why post
    line=$(grep -a "^RVTEST $t " "$log" | tail -n 1 || true)
    if [[ $line == *" PASS"* ]]; then
        line=${line#RVTEST "$t" }
        if declare -F "rv_boot_post_$t" > /dev/null; then
            if ! post=$("rv_boot_post_$t" "$log"); then
                echo "FAIL $shown (${line/ PASS/}; host: $post)"
                return 1
            fi
            echo "PASS $shown (${line/ PASS/}; host: $post)"
            return 0
        fi
        echo "PASS $shown (${line/ PASS/})"
        return 0
    fi
    if [[ -n $line ]]; then
        why=${line#RVTEST "$t" }
    elif ! grep -qa 'RINGVMM-L1-INIT' "$log"; then
        why="L1 did not reach /init (see $log)"
    elif grep -qa '^RINGVMM-L1-ERROR' "$log"; then
        why=$(grep -a '^RINGVMM-L1-ERROR' "$log" | head -n 1)
    elif ! grep -qa '^RINGVMM-L1-DONE' "$log" && ((${RV_BOOT_QEMU_RC:-0} == 125)); then
        why="L1 did not finish: its QEMU session stalled (${RV_BOOT_STALL:-?}; see $log)"
    elif ! grep -qa '^RINGVMM-L1-DONE' "$log"; then
        why="L1 did not finish (QEMU rc=${RV_BOOT_QEMU_RC:-?}; see $log)"
    else
        why="no result line (see $log)"
    fi
    echo "FAIL $shown ($why)"
    # What ringvmm and the guest said (scenarios.sh prints it on failure).
    grep -a "^RVLOG $t " "$log" || true
    return 1
}

# Whole flow of one boot test script: one QEMU session, one scenario. A
# test named sid:<test> runs <test> with sid's kernel as L1.
rv_boot_single_test() {
    local shown=$1 t=${1#sid:} name=${1/:/-}
    rv_boot_need_ringvmm
    rv_boot_prepare
    mkdir -p "$RV_CACHE/runs"
    rv_boot_scenario "$RV_CACHE/runs/$name.scenario.sh" "$t"
    if [[ $shown == sid:* ]]; then
        rv_boot_prepare_sid || rv_boot_skip "$RV_SID_WHY"
        RV_L1_KERNEL=$RV_SID_VMLINUZ RV_L1_BASE=$RV_SID_L1_BASE \
            rv_boot_run "$name" "$RV_CACHE/runs/$name.scenario.sh" "$RV_STATIC"
    else
        rv_boot_run "$name" "$RV_CACHE/runs/$name.scenario.sh" "$RV_STATIC"
    fi
    if rv_boot_check "$RV_BOOT_LOG" "$t" "$shown"; then
        exit 0
    fi
    exit 1
}
