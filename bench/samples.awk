# Helpers shared by the benchmark scripts' reports (bench/boot_race.sh,
# bench/fio_bench.sh, bench/net_bench.sh): `awk -f bench/samples.awk -f REPORT.awk`, plain
# POSIX awk (Debian's default is mawk).

# The value of field KEY in a line of KEY=VALUE words after the first.
function field(k,   i, kv) {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
    return ""
}

# Samples: add(KEY, V) records one; median(KEY) of those recorded.
function add(key, v) { cnt[key]++; val[key, cnt[key]] = v }
function median(key,   n, i, j, t, a) {
    n = cnt[key]
    for (i = 1; i <= n; i++) a[i] = val[key, i]
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
