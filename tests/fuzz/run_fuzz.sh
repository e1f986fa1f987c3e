#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run one libFuzzer target for RINGVMM_FUZZ_SECONDS (default 10) from its
# committed seeds: run_fuzz.sh TARGET SEED_DIR. New inputs go to a scratch
# directory (the seeds stay as committed); a crash, leak or sanitizer report
# fails the test and leaves the reproducer in the scratch directory, whose
# path is printed. The last line is libFuzzer's summary (executions, speed).
set -eu
target=$1
seeds=$2
secs=${RINGVMM_FUZZ_SECONDS:-10}
[ -d "$seeds" ] || { echo "run_fuzz.sh: no seed corpus $seeds" >&2; exit 1; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ringvmm-fuzz.XXXXXX")
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
rc=0
"$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$scratch/" "$scratch" "$seeds" 2>"$scratch/log" || rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)|cov:' "$scratch/log" |
	tail -n 4
if [ "$rc" -ne 0 ]; then
	tail -n 40 "$scratch/log"
	echo "run_fuzz.sh: $(basename "$target") failed (rc $rc); reproducer and log in $scratch" >&2
	exit 1
fi
rm -rf "$scratch"
