# shellcheck shell=bash
# The tests/kvm suite for L1 (boot test kvm_suite). The machines this
# project is developed and tested on may have no /dev/kvm at all, so the
# KVM tests also run where a real KVM is certain: inside the nested test
# host. Sourced by lib.sh.
#
# L1 is busybox; the suite needs more: its C test binaries (linked against
# this machine's glibc, cmocka and liburing, which Debian ships only as
# shared libraries), bash for the shell tests, and python3 for their JSON
# and ELF helpers. They are copied from this machine with every library
# `ldd` names, at the same paths, so they run in L1 unchanged.

# Host files the payload takes, besides the tests: interpreters.
RV_KVM_PAYLOAD_TOOLS=(/bin/bash /usr/bin/python3)

# rv_boot__copy_with_libs STAGE FILE...: FILE and the shared libraries it
# needs (and the dynamic loader) into STAGE at their host paths.
rv_boot__copy_with_libs() {
    local stage=$1 f lib
    shift
    for f in "$@"; do
        f=$(readlink -f "$f")
        mkdir -p "$stage$(dirname "$f")"
        cp -L "$f" "$stage$f"
        while read -r lib; do
            [[ -e $stage$lib ]] && continue
            mkdir -p "$stage$(dirname "$lib")"
            cp -L "$lib" "$stage$lib"
        done < <(ldd "$f" 2> /dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
    done
}

# rv_boot_kvm_payload STAGE KVMDIR: stage in STAGE the suite built in
# KVMDIR (a meson build's tests/kvm) for L1: /kvm/bin holds the C tests,
# /kvm/src the tree's tests/kvm (the shell tests and their lib/). Returns 1,
# with the reason in RV_KVM_PAYLOAD_WHY, when there is nothing to run.
rv_boot_kvm_payload() {
    local stage=$1 kdir=$2 f py tests=()
    for f in "$kdir"/*_test; do
        [[ -f $f && -x $f ]] && tests+=("$f")
    done
    if ((${#tests[@]} == 0)); then
        RV_KVM_PAYLOAD_WHY="no tests/kvm binaries in $kdir (build the native tree: meson setup build && ninja -C build)"
        return 1
    fi
    rm -rf "$stage"
    mkdir -p "$stage/kvm/bin" "$stage/usr/bin"
    cp "${tests[@]}" "$stage/kvm/bin/"
    cp -r "$RV_REPO/tests/kvm" "$stage/kvm/src"
    rv_boot__copy_with_libs "$stage" "$stage"/kvm/bin/* "${RV_KVM_PAYLOAD_TOOLS[@]}"
    # The tests call `python3` and `bash` by name; the copies above are at
    # the interpreters' real paths (/usr/bin/python3.11 ...).
    py=$(readlink -f /usr/bin/python3)
    ln -sf "$py" "$stage/usr/bin/python3"
    # The standard library, less what no test imports (GUI, test suites,
    # packaging, most of networking): about 11 MB.
    mkdir -p "$stage/usr/lib"
    tar -C /usr/lib -cf - \
        --exclude=test --exclude=idlelib --exclude=tkinter --exclude=ensurepip \
        --exclude=lib2to3 --exclude=pydoc_data --exclude=distutils --exclude=asyncio \
        --exclude=site-packages --exclude=dist-packages --exclude='config-*' \
        --exclude=__pycache__ --exclude=email --exclude=xml --exclude=http \
        --exclude=multiprocessing --exclude=concurrent --exclude=sqlite3 --exclude=venv \
        --exclude=turtledemo --exclude=curses --exclude=dbm --exclude=wsgiref \
        --exclude=xmlrpc "$(basename "$py")" | tar -C "$stage/usr/lib" -xf -
}
