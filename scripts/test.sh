#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Quick start, step 2 (and what CI runs): the whole test suite.
#   unit  cmocka tests, no KVM
#   kvm   tiny guests on this machine's /dev/kvm, and the CLI end to end
#   boot  real Linux guests booted by a static ringvmm inside the nested
#         test host (QEMU TCG with SVM; see docs/testing.md)
#   san   the unit and kvm suites again under ASan+UBSan (build-asan) and
#         under TSan (build-tsan); a sanitizer report fails its test
#   fuzz  each libFuzzer target of tests/fuzz for 10 s from its seeds
#         (build-fuzz, clang with ASan+UBSan)
#   arm64 the arm64 cross build: unit tests under qemu-user, and boot tests
#         in the arm64 nested test host (docs/arm64.md)
# Ends with one line "N passed, N failed, N skipped".
# RINGVMM_SKIP_BOOT=1 leaves out the boot tests (they take a few minutes);
# RINGVMM_SKIP_SAN=1 the sanitizer and fuzz builds.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
# The nested host has none of our libraries: it gets a static binary.
[ -f build-static/build.ninja ] || meson setup build-static -Dstatic=true -Dtests=disabled
ninja -C build-static

# Where the time goes: each stage's start, in seconds since this began.
stage() { echo "[test.sh] ${SECONDS}s: $*"; }

# --- the x86 nested boot suite starts first, in the background ------------
# It needs only build-static (and build's tests/kvm, for kvm_suite), and its
# one-vCPU QEMU keeps one CPU busy for minutes: the unit, sanitizer and fuzz
# stages below run beside it, niced so that the nested guests keep their
# pace, and its log is printed whole when it ends.
boot_bg=
if [ "${RINGVMM_SKIP_BOOT:-0}" != 1 ]; then
	stage "x86 boot tests (background, log: build/boot-tests.log)"
	# A session of its own, so that an early exit below ends its QEMU too.
	RINGVMM_STATIC="$PWD/build-static/ringvmm" setsid tests/boot/run_all.sh \
		> build/boot-tests.log 2>&1 &
	boot_bg=$!
	trap '[ -z "$boot_bg" ] || kill -- "-$boot_bg" "$boot_bg" 2> /dev/null || true' EXIT
fi

status=0
stage "unit and kvm tests"
nice -n 10 meson test -C build --print-errorlogs --num-processes 2 || status=1

# --- sanitizers and fuzzing ---------------------------------------------
# The same unit and kvm suites built with -fsanitize (gcc); the shell
# checks of the tree (suite lint) run once, above. Any report ends the
# test with a failure: halt_on_error, and ASan's leak check at exit.
san_ran=0
if [ "${RINGVMM_SKIP_SAN:-0}" = 1 ]; then
	echo "sanitizers and fuzzing: skipped (RINGVMM_SKIP_SAN=1)"
else
	san_ran=1
	export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
	stage "ASan+UBSan build and tests"
	[ -f build-asan/build.ninja ] ||
		meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
	nice -n 10 ninja -C build-asan
	nice -n 10 meson test -C build-asan --print-errorlogs --num-processes 2 --no-suite lint ||
		status=1
	stage "TSan build and tests"
	[ -f build-tsan/build.ninja ] || meson setup build-tsan -Db_sanitize=thread
	nice -n 10 ninja -C build-tsan
	nice -n 10 meson test -C build-tsan --print-errorlogs --num-processes 2 --no-suite lint ||
		status=1
	# libFuzzer is clang's; the fuzz build has only the fuzz targets' tests.
	[ -f build-fuzz/build.ninja ] ||
		CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled \
			-Db_sanitize=address,undefined -Db_lundef=false
	stage "fuzz build and smoke runs"
	nice -n 10 ninja -C build-fuzz
	nice -n 10 meson test -C build-fuzz --print-errorlogs --num-processes 2 --suite fuzz ||
		status=1
fi

# --- arm64 --------------------------------------------------------------
# The same meson project cross-built for arm64 (cross/aarch64-linux-gnu.ini,
# libraries from Debian arm64 packages unpacked by scripts/arm64-sysroot.sh),
# its unit tests under qemu-user, then the arm64 nested test host: a static
# arm64 ringvmm boots the built-in guest and Linux on a real arm64 KVM inside
# QEMU TCG (tests/boot/arm64, about 1-2 minutes; docs/arm64.md).
# RINGVMM_SKIP_ARM64=1 leaves all of it out.
a64_pass=0 a64_fail=0 a64_skip=0 a64_ran=0
if [ "${RINGVMM_SKIP_ARM64:-0}" = 1 ]; then
	echo "arm64: skipped (RINGVMM_SKIP_ARM64=1)"
	a64_skip=1
elif ! scripts/arm64-sysroot.sh; then
	echo "arm64: skipped: the Debian arm64 libraries could not be fetched (scripts/arm64-sysroot.sh)"
	a64_skip=1
else
	[ -f build-arm64/build.ninja ] ||
		meson setup build-arm64 --cross-file cross/aarch64-linux-gnu.ini
	stage "arm64 cross builds and unit tests (qemu-user)"
	nice -n 10 ninja -C build-arm64
	[ -f build-arm64-static/build.ninja ] ||
		meson setup build-arm64-static --cross-file cross/aarch64-linux-gnu.ini \
			-Dstatic=true -Dtests=disabled
	nice -n 10 ninja -C build-arm64-static
	a64_ran=1
	nice -n 10 meson test -C build-arm64 --print-errorlogs --num-processes 2 || status=1
	stage "arm64 boot tests (beside the x86 ones, if they still run)"
	set +e
	if [ "${RINGVMM_SKIP_BOOT:-0}" = 1 ]; then
		echo "arm64 boot tests: skipped (RINGVMM_SKIP_BOOT=1)" | tee build-arm64/boot-tests.log
		rc=77
	else
		RINGVMM_ARM64_STATIC="$PWD/build-arm64-static/ringvmm" tests/boot/arm64/run_all.sh |
			tee build-arm64/boot-tests.log
		rc=${PIPESTATUS[0]}
	fi
	set -e
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' build-arm64/boot-tests.log | tail -n 1 || true)
	if [ -n "$summary" ]; then
		read -r a64_pass a64_fail a64_skip < <(echo "$summary" |
			sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/')
	elif [ "$rc" -eq 77 ]; then
		a64_skip=1
	else
		a64_fail=1
	fi
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || status=1
fi

boot_pass=0 boot_fail=0 boot_skip=0
if [ "${RINGVMM_SKIP_BOOT:-0}" = 1 ]; then
	echo "boot tests: skipped (RINGVMM_SKIP_BOOT=1)"
	boot_skip=1
else
	stage "waiting for the x86 boot tests"
	set +e
	wait "$boot_bg"
	rc=$?
	boot_bg=
	set -e
	cat build/boot-tests.log
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' build/boot-tests.log | tail -n 1 || true)
	if [ -n "$summary" ]; then
		boot_pass=$(echo "$summary" | sed -E 's/^([0-9]+) passed.*/\1/')
		boot_fail=$(echo "$summary" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
		boot_skip=$(echo "$summary" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
		boot_skip=${boot_skip:-0}
	elif [ "$rc" -eq 77 ]; then
		boot_skip=1
	else
		boot_fail=1
	fi
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || status=1
fi

# One closing line over all suites, from meson's own record of its tests.
meson_counts() {
	[ -f "$1" ] || { echo 0 0 0; return; }
	python3 - "$1" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
}
read -r m_pass m_fail m_skip < <(meson_counts build/meson-logs/testlog.json)
read -r x_pass x_fail x_skip < <(meson_counts build-arm64/meson-logs/testlog.json)
s_pass=0 s_fail=0 s_skip=0
if [ "$san_ran" = 1 ]; then
	for d in build-asan build-tsan build-fuzz; do
		read -r p f s < <(meson_counts "$d/meson-logs/testlog.json")
		s_pass=$((s_pass + p)) s_fail=$((s_fail + f)) s_skip=$((s_skip + s))
	done
fi
[ "$a64_ran" = 1 ] || { x_pass=0 x_fail=0 x_skip=0; }
echo "$((m_pass + s_pass + boot_pass + x_pass + a64_pass)) passed," \
	"$((m_fail + s_fail + boot_fail + x_fail + a64_fail)) failed," \
	"$((m_skip + s_skip + boot_skip + x_skip + a64_skip)) skipped"
exit "$status"
