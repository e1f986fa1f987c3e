# shellcheck shell=bash
# The arm64 nested test host (sourced, bash): QEMU TCG emulates an arm64
# machine with EL2 (-M virt,virtualization=on,gic-version=3 -cpu max), a
# Debian arm64 cloud kernel boots there as L1 with KVM built in (VHE), and
# the static arm64 ringvmm inside it boots the same kernel as L2 with a
# busybox initramfs (docs/platform.md, "The arm64 nested host").
#
# Built on tests/boot/lib.sh (sourced first: its helpers for the cache,
# cpio, the known console text and result checking), with what differs:
# packages come from Debian's arm64 archive through a private apt
# configuration (scripts/arm64-apt.sh), the kernel is already a raw Image,
# L1 loads no modules, busybox is an arm64 binary (listed with qemu-user).
#
#   $RV_CACHE/arm64-apt/        private apt lists, archives, unpacked packages
#   $RV_CACHE/arm64/build/<k>/  l2.cpio.gz, l1-base.cpio (stamped)
#   $RV_CACHE/arm64/runs/<n>/   per run: L1 initrd, scenario, QEMU log, dtbs
#
# Environment (besides tests/boot/lib.sh's RINGVMM_CACHE, *_TIMEOUT):
#   RINGVMM_ARM64_STATIC   static arm64 ringvmm (default build-arm64-static/ringvmm)
#   RINGVMM_ARM64_SMP      L1 CPUs (default 2: TCG runs them on two host threads)
#   RINGVMM_ARM64_KVM_TESTS  tests/kvm programs cross-built for arm64
#                          (default build-arm64/tests/kvm), run by kvm_suite

# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=../../../scripts/arm64-apt.sh
source "$RV_REPO/scripts/arm64-apt.sh"

RV_A64_DIR=$RV_BOOT_DIR/arm64
RV_A64_CACHE=$RV_CACHE/arm64
RV_A64_STATIC=${RINGVMM_ARM64_STATIC:-$RV_REPO/build-arm64-static/ringvmm}
RV_A64_SMP=${RINGVMM_ARM64_SMP:-2}
RV_A64_KVM_TESTS=${RINGVMM_ARM64_KVM_TESTS:-$RV_REPO/build-arm64/tests/kvm}
# Where scripts/arm64-sysroot.sh put the arm64 libraries the cross build
# links against (cross/aarch64-linux-gnu.ini names the same path).
RV_A64_SYSROOT=/opt/ringvmm/sysroot-aarch64

# All arm64 boot tests, in the order run_all.sh runs them: the whole set
# took 81 to 114 s in one QEMU session (2026-12-03, a64_virtio_net then
# moving 16 MiB each way; its 64 MiB now add about 20 s), well inside the
# session timeout.
# shellcheck disable=SC2034 # used by run_all.sh
RV_A64_TESTS=(a64_caps a64_builtin a64_errors a64_bench a64_linux_log a64_linux a64_console a64_reboot
    kvm_suite a64_virtio_blk a64_virtio_rng a64_virtio_console a64_virtio_vsock a64_sandbox
    a64_snapshot a64_virtio_net a64_virtio_net_passt)

rv_a64_need_host_tools() {
    local missing=() c
    for c in qemu-system-aarch64 qemu-aarch64-static dtc cpio gzip base64 dpkg-deb apt-get timeout; do
        command -v "$c" > /dev/null || missing+=("$c")
    done
    ((${#missing[@]} == 0)) ||
        rv_boot_skip "missing host tools (${missing[*]}): scripts/deps.sh installs them"
}

rv_a64_need_ringvmm() {
    [[ -x $RV_A64_STATIC ]] ||
        rv_boot_skip "no static arm64 ringvmm at $RV_A64_STATIC (scripts/arm64-sysroot.sh; meson setup build-arm64-static --cross-file cross/aarch64-linux-gnu.ini -Dstatic=true -Dtests=disabled; ninja -C build-arm64-static)"
    if file -b "$RV_A64_STATIC" | grep -q 'dynamically linked'; then
        rv_boot_fail "$RV_A64_STATIC is dynamically linked; L1 has no libc (-Dstatic=true)"
    fi
    file -b "$RV_A64_STATIC" | grep -q 'aarch64' ||
        rv_boot_fail "$RV_A64_STATIC is not an arm64 binary"
}

# Sets RV_A64_KROOT, RV_A64_KVER, RV_A64_BBROOT, RV_A64_PASSTROOT: the arm64
# cloud kernel the metapackage points at today, busybox-static and passt,
# unpacked.
rv_a64_fetch() {
    local t0 kpkg
    t0=$(rv_boot__now)
    rv_arm64_apt_init "$RV_CACHE/arm64-apt" || rv_boot_skip "no Debian mirror configured on this machine"
    rv_arm64_apt_update || rv_boot_skip "cannot fetch the Debian arm64 package lists"
    kpkg=$(rv_arm64_apt_show linux-image-cloud-arm64 |
        sed -n 's/^Depends:.*\(linux-image-[^ ,]*-cloud-arm64\) (=.*/\1/p' | head -n 1)
    [[ -n $kpkg ]] || rv_boot_skip "cannot resolve linux-image-cloud-arm64 in the arm64 lists"
    rv_arm64_apt_get "$kpkg" || rv_boot_skip "cannot fetch $kpkg:arm64"
    RV_A64_KROOT=$REPLY
    RV_A64_KVER=${kpkg#linux-image-}
    rv_arm64_apt_get busybox-static || rv_boot_skip "cannot fetch busybox-static:arm64"
    RV_A64_BBROOT=$REPLY
    # a64_virtio_net_passt's passt (its libraries come from the sysroot).
    rv_arm64_apt_get passt || rv_boot_fail "cannot fetch passt:arm64"
    RV_A64_PASSTROOT=$REPLY
    rv_boot_log "arm64 fetch: $(rv_boot__since "$t0") s ($(basename "$RV_A64_KROOT"), $(basename "$RV_A64_BBROOT"), $(basename "$RV_A64_PASSTROOT"))"
}

# Busybox and its applet links into $1; the arm64 binary lists its applets
# under qemu-user.
rv_a64__stage_busybox() {
    local stage=$1 bb=$RV_A64_BBROOT/bin/busybox a
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp}
    cp "$bb" "$stage/bin/busybox"
    while read -r a; do
        [[ $a == bin/busybox ]] && continue
        ln -sf /bin/busybox "$stage/$a"
    done < <(qemu-aarch64-static "$bb" --list-full)
}

# Sets RV_A64_IMAGE, RV_A64_L2_INITRD, RV_A64_L1_BASE, building what changed.
rv_a64_build_images() {
    local t0 build stamp stage m
    t0=$(rv_boot__now)
    RV_A64_IMAGE=$(rv_boot__find1 "$RV_A64_KROOT" 'vmlinuz*') || rv_boot_fail "no vmlinuz in $RV_A64_KROOT"
    # Debian's arm64 vmlinuz is the raw Image ("ARM\x64" at offset 56).
    [[ $(od -An -tx1 -j56 -N4 "$RV_A64_IMAGE" | tr -d ' \n') == 41524d64 ]] ||
        rv_boot_fail "$RV_A64_IMAGE is not a raw arm64 Image"
    build=$RV_A64_CACHE/build/$(basename "$RV_A64_KROOT")
    mkdir -p "$build"

    RV_A64_KNOWN=$build/known.txt
    RV_A64_L2_INITRD=$build/l2.cpio.gz
    # Both ends of the vsock test, for L1 and L2 alike.
    RV_A64_RVSOCK=$build/rvsock
    rv_boot__build_tool rvsock "$RV_A64_RVSOCK" aarch64-linux-gnu-gcc
    stamp="$(cat "$RV_BOOT_DIR/l2-init.sh")|$RV_A64_BBROOT|$(cat "$RV_A64_RVSOCK.stamp")|$(declare -f rv_boot__gen_known rv_a64__stage_busybox rv_boot__stage_l2_modules)|$RV_L2_MODULES"
    if ! rv_boot__fresh "$build/l2.stamp" "$stamp" || [[ ! -e $RV_A64_L2_INITRD ]]; then
        rv_boot_log "building arm64 L2 initramfs"
        rv_boot__gen_known > "$RV_A64_KNOWN"
        stage=$(mktemp -d "$build/.l2.XXXXXX")
        rv_a64__stage_busybox "$stage"
        # The same /init as the x86 L2: it is busybox sh.
        install -m 755 "$RV_BOOT_DIR/l2-init.sh" "$stage/init"
        cp "$RV_A64_KNOWN" "$stage/known.txt"
        install -m 755 "$RV_A64_RVSOCK" "$stage/rvsock"
        rv_boot__stage_l2_modules "$stage" "$RV_A64_KROOT"
        rv_boot__cpio "$stage" | gzip -9n > "$RV_A64_L2_INITRD.tmp"
        mv "$RV_A64_L2_INITRD.tmp" "$RV_A64_L2_INITRD"
        rm -rf "$stage"
        printf '%s' "$stamp" > "$build/l2.stamp"
    fi

    # The ext4 root disk of a64_virtio_blk, with arm64 busybox. L1 has no
    # disk of its own: the image travels in L1's initramfs.
    RV_A64_ROOT_IMAGE=$build/root.img
    rv_boot__build_root_image "$RV_A64_ROOT_IMAGE" rv_a64__stage_busybox "$RV_A64_KNOWN"

    # L1 = this base + a small per-run archive (ringvmm, scenario), as on x86.
    RV_A64_L1_BASE=$build/l1-base.cpio
    stamp="$(cat "$RV_A64_DIR/l1-init.sh")|$(cat "$build/l2.stamp")|$(declare -f rv_a64__stage_busybox)|$(cat "$RV_A64_ROOT_IMAGE.stamp")|tun dummy"
    if ! rv_boot__fresh "$build/l1.stamp" "$stamp" || [[ ! -e $RV_A64_L1_BASE ]]; then
        rv_boot_log "building arm64 L1 base initramfs"
        stage=$(mktemp -d "$build/.l1.XXXXXX")
        rv_a64__stage_busybox "$stage"
        install -m 755 "$RV_A64_DIR/l1-init.sh" "$stage/init"
        mkdir -p "$stage/l2"
        cp "$RV_A64_IMAGE" "$stage/l2/Image"
        cp "$RV_A64_L2_INITRD" "$stage/l2/initrd.cpio.gz"
        cp "$RV_A64_ROOT_IMAGE" "$stage/l2/root.img"
        cp "$RV_A64_KNOWN" "$stage/known.txt"
        install -m 755 "$RV_A64_RVSOCK" "$stage/rvsock"
        # The tap of a64_virtio_net and the dummy interface that gives
        # a64_virtio_net_passt's passt its addresses: L1's modules (KVM is
        # built in).
        mkdir -p "$stage/modules"
        for mod in tun dummy; do
            m=$(rv_boot__find1 "$RV_A64_KROOT" "$mod.ko*") && case $m in
                *.xz) xz -dc "$m" > "$stage/modules/$mod.ko" ;;
                *) cp "$m" "$stage/modules/$mod.ko" ;;
            esac
        done
        rv_boot__cpio "$stage" > "$RV_A64_L1_BASE.tmp"
        mv "$RV_A64_L1_BASE.tmp" "$RV_A64_L1_BASE"
        rm -rf "$stage"
        printf '%s' "$stamp" > "$build/l1.stamp"
    fi
    rv_boot_log "arm64 images: $(rv_boot__since "$t0") s (kernel $RV_A64_KVER)"
}

rv_a64_prepare() {
    local lock
    rv_a64_need_host_tools
    mkdir -p "$RV_A64_CACHE"
    exec {lock}> "$RV_A64_CACHE/.lock"
    flock "$lock"
    rv_a64_fetch
    rv_a64_build_images
    exec {lock}>&-
}

# The shared library $1 for arm64: from the sysroot the cross build links
# against (cross/aarch64-linux-gnu.ini), else the cross compiler's own libc.
rv_a64__find_lib() {
    local d
    for d in "$RV_A64_SYSROOT/usr/lib/aarch64-linux-gnu" "$RV_A64_SYSROOT/lib/aarch64-linux-gnu"; do
        [[ -e $d/$1 ]] && { echo "$d/$1"; return 0; }
    done
    d=$(aarch64-linux-gnu-gcc -print-file-name="$1")
    [[ $d == /* && -e $d ]] && echo "$d"
}

# rv_a64_kvm_payload STAGE: the tests/kvm programs of the arm64 cross build
# into STAGE/kvm/bin, where kvm_suite (tests/boot/scenarios.sh) runs them,
# and what they load (glibc, cmocka, liburing, libfdt) into STAGE/lib as on
# Debian arm64, since L1 has only static busybox. readelf, not ldd: these
# are not this machine's programs. Returns 1, with the reason in
# RV_KVM_PAYLOAD_WHY, when there is nothing to run.
rv_a64_kvm_payload() {
    local stage=$1 f
    if ! compgen -G "$RV_A64_KVM_TESTS/*_test" > /dev/null; then
        RV_KVM_PAYLOAD_WHY="no tests/kvm programs in $RV_A64_KVM_TESTS (the arm64 cross build: meson setup build-arm64 --cross-file cross/aarch64-linux-gnu.ini && ninja -C build-arm64)"
        return 1
    fi
    rm -rf "$stage"
    mkdir -p "$stage/kvm/bin" "$stage/lib/aarch64-linux-gnu"
    for f in "$RV_A64_KVM_TESTS"/*_test; do
        file -b "$f" | grep -q aarch64 || rv_boot_fail "$f is not an arm64 program"
        install -m 755 "$f" "$stage/kvm/bin/"
    done
    rv_a64__stage_libs "$stage" "$RV_A64_KVM_TESTS"/*_test
}

# rv_a64__stage_libs STAGE PROGRAM...: the shared libraries the arm64
# PROGRAMs load, and theirs, into STAGE/lib/aarch64-linux-gnu, and the
# loader into STAGE/lib, as on Debian arm64.
rv_a64__stage_libs() {
    local stage=$1 f lib path todo seen=" "
    shift
    todo=("$@")
    mkdir -p "$stage/lib/aarch64-linux-gnu"
    while ((${#todo[@]})); do
        f=${todo[0]}
        todo=("${todo[@]:1}")
        for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            [[ $seen == *" $lib "* ]] && continue
            seen+="$lib "
            path=$(rv_a64__find_lib "$lib") ||
                rv_boot_fail "$lib (needed by $(basename "$f")) is in neither the arm64 sysroot nor the cross compiler's libraries"
            cp -L "$path" "$stage/lib/aarch64-linux-gnu/$lib"
            todo+=("$path")
        done
    done
    path=$(rv_a64__find_lib ld-linux-aarch64.so.1) || rv_boot_fail "no arm64 ld-linux-aarch64.so.1"
    cp -L "$path" "$stage/lib/ld-linux-aarch64.so.1"
}

# rv_a64_scenario FILE TEST...: the L1 scenario running the named tests.
rv_a64_scenario() {
    local out=$1 t
    shift
    {
        echo "RV_RUN_TIMEOUT=$RV_RUN_TIMEOUT"
        cat "$RV_BOOT_DIR/scenarios.sh" "$RV_BOOT_DIR/scenarios-net.sh" "$RV_A64_DIR/scenarios.sh"
        for t in "$@"; do echo "rv_sc_$t"; done
    } > "$out"
}

# rv_a64_run NAME SCENARIO: one QEMU session; results in RV_BOOT_LOG,
# RV_BOOT_QEMU_RC, RV_BOOT_QEMU_SECS (as rv_boot_run does on x86).
rv_a64_run() {
    local name=$1 scenario=$2 dir stage initrd
    dir=$RV_A64_CACHE/runs/$name
    rm -rf "$dir"
    mkdir -p "$dir/overlay"
    stage=$dir/overlay
    install -m 755 "$scenario" "$stage/scenario.sh"
    install -m 755 "$RV_A64_STATIC" "$stage/ringvmm"
    # a64_snapshot's live update: a second ringvmm with another version string.
    if grep -q '^rv_sc_a64_snapshot$' "$scenario"; then
        REVERSION_RUNNER=qemu-aarch64-static python3 "$RV_REPO/tests/kvm/lib/reversion.py" \
            "$RV_A64_STATIC" "$stage/ringvmm2" > "$stage/ringvmm2.version"
    fi
    # a64_virtio_net_passt: Debian's arm64 passt, with what it loads.
    if grep -q '^rv_sc_a64_virtio_net_passt$' "$scenario"; then
        install -D -m 755 "$RV_A64_PASSTROOT/usr/bin/passt" "$stage/usr/bin/passt"
        rv_a64__stage_libs "$stage" "$stage/usr/bin/passt"
    fi
    # Files some runs need in L1 besides ringvmm (bench/boot_race.sh,
    # kvm_suite: run_all.sh).
    [[ -n ${RV_BOOT_PAYLOAD:-} ]] && cp -a "$RV_BOOT_PAYLOAD/." "$stage/"
    initrd=$dir/l1.cpio
    cp "$RV_A64_L1_BASE" "$initrd"
    truncate -s %512 "$initrd"
    rv_boot__cpio "$stage" >> "$initrd"

    RV_BOOT_LOG=$dir/qemu.log
    rv_boot_log "arm64 QEMU session '$name' (log: $RV_BOOT_LOG)"
    # virtualization=on: the L1 kernel starts at EL2 and KVM uses VHE.
    # pauth-impdef=on: QARMA5 pointer authentication emulation is about 4x
    # slower (docs/platform.md). -no-reboot + panic=-1: an L1 crash ends QEMU.
    rv_boot_qemu "$RV_BOOT_LOG" qemu-system-aarch64 \
        -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on \
        -accel tcg,thread=multi -smp "$RV_A64_SMP" -m 2048 \
        -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
        -kernel "$RV_A64_IMAGE" -initrd "$initrd" \
        -append "console=ttyAMA0 panic=-1 quiet"
    rm -f "$initrd"
    rv_boot_log "arm64 QEMU: ${RV_BOOT_QEMU_SECS} s wall, rc=$RV_BOOT_QEMU_RC;" \
        "$(sed -n 's/.*RINGVMM-L1-INIT uptime=/L1 at \/init after /p' "$RV_BOOT_LOG" | head -n 1) s"
    ((RV_BOOT_QEMU_RC != 124)) || rv_boot_log "QEMU hit the ${RV_QEMU_TIMEOUT} s timeout"
}

# rv_a64_check_dtb LOG NAME PATTERN...: decode the device tree test NAME
# printed, read it back with dtc, and check that every PATTERN (an extended
# regex on the dts) matches. Prints PASS/FAIL dtb_<NAME>; returns 0 on PASS.
rv_a64_check_dtb() {
    local log=$1 name=$2 dir dtb dts p missing=()
    shift 2
    dir=$(dirname "$log")
    dtb=$dir/$name.dtb
    dts=$dir/$name.dts
    awk -v n="$name" '$0 == "RVDTB-END " n { f = 0 } f { print } $0 == "RVDTB-BEGIN " n { f = 1 }' "$log" |
        base64 -d > "$dtb" 2> /dev/null
    if [[ ! -s $dtb ]]; then
        echo "FAIL dtb_$name (no device tree in the log)"
        return 1
    fi
    if ! dtc -q -I dtb -O dts -o "$dts" "$dtb" 2> "$dir/$name.dtc.err"; then
        echo "FAIL dtb_$name (dtc cannot read it: $(head -n 1 "$dir/$name.dtc.err"))"
        return 1
    fi
    for p in "$@"; do
        grep -Eq -- "$p" "$dts" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "FAIL dtb_$name (dtc read $(stat -c %s "$dtb") bytes; missing: ${missing[*]})"
        return 1
    fi
    echo "PASS dtb_$name ($(stat -c %s "$dtb") bytes, dtc reads it back, ${#@} checks; $dts)"
}

# What every ringvmm device tree must hold (Linux's bindings; fdt.c).
RV_A64_DTB_COMMON=(
    'compatible = "linux,dummy-virt"'
    '#address-cells = <0x02>'
    'memory@40000000 \{'
    'device_type = "memory"'
    'cpu@0 \{'
    'cpu@1 \{'
    'enable-method = "psci"'
    'compatible = "arm,psci-0.2"'
    'method = "hvc"'
    'compatible = "arm,gic-v3"'
    'interrupt-controller;'
    '#interrupt-cells = <0x03>'
    'compatible = "arm,armv8-timer"'
    'serial@9000000 \{'
    'compatible = "ns16550a"'
    'reg = <0x00 0x9000000 0x00 0x08>'
    'clock-frequency = <0x1c2000>'
    'reg-io-width = <0x01>'
    'stdout-path = "serial0:115200n8"'
    'serial0 = "/serial@9000000"'
)
