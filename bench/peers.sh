# shellcheck shell=bash
# Peers for the nested benchmarks (bench/boot_race.sh, bench/net_bench.sh):
# kvmtool built from a source tree or tarball the caller names. Sourced
# after tests/boot/lib.sh (RV_CACHE, rv_boot_log, rv_boot_fail).

# rv_bench_kvmtool SRC ARCH [MAKE-ARGS...]: `make lkvm-static` from SRC (a
# kvmtool tree or .tar.gz of one), cached by the source's hash; the
# binary's path in RV_KVMTOOL.
rv_bench_kvmtool() {
    local src=$1 arch=$2 key kt
    shift 2
    if [[ -d $src ]]; then
        key=$( (cd "$src" && git rev-parse HEAD 2> /dev/null || find . -type f -name '*.c' -newer Makefile | wc -l) | sha1sum | cut -c1-12)
    else
        key=$(sha1sum < "$src" | cut -c1-12)
    fi
    kt=$RV_CACHE/peers/kvmtool-$arch-$key
    if [[ ! -x $kt/lkvm-static ]]; then
        rv_boot_log "building kvmtool (lkvm-static) from $src"
        rm -rf "$kt"
        mkdir -p "$kt"
        if [[ -d $src ]]; then
            cp -a "$src/." "$kt/"
        else
            tar -C "$kt" --strip-components=1 -xzf "$src"
        fi
        make -C "$kt" -j"$(nproc)" "$@" lkvm-static > "$kt/build.log" 2>&1 ||
            rv_boot_fail "kvmtool did not build; see $kt/build.log"
    fi
    # shellcheck disable=SC2034 # the callers' result
    RV_KVMTOOL=$kt/lkvm-static
}
