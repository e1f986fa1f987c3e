# shellcheck shell=bash
# What the races (bench/boot_race.sh, fio_bench.sh, net_bench.sh) share:
# the peers' builds (their reports share bench/samples.awk). Sourced after
# tests/boot/lib.sh.

# rv_bench_kvmtool SRC ARCH [MAKE_ARG...]: build kvmtool's lkvm-static from
# SRC (a source tree or a .tar.gz of one) for ARCH, once per source (the
# tarball's hash, or the tree's commit), in $RV_CACHE/peers. Leaves the
# binary's path in RV_BENCH_LKVM.
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
    # shellcheck disable=SC2034 # for the sourcing script
    RV_BENCH_LKVM=$kt/lkvm-static
}
