#!/usr/bin/env bash
# The boot harness's session watch (lib.sh rv_boot_qemu and
# rv_boot__stall_watch) against stand-in QEMUs, no QEMU or KVM needed:
#   silent  prints a line, then spins: stopped for its silence (rc 125)
#   halted  prints a line, then sleeps: stopped for using no CPU (rc 125)
#   talker  spins, printing a line a second, for 5 s, then exits 0: left alone
#   hung    spins, printing a line a second, past the session timeout (rc 124)
# Each stopped session must leave its last console lines on stderr and no
# watcher behind. Exit 0 pass, 1 fail.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# The stand-in: takes QEMU's -pidfile as QEMU does, ignores the rest.
cat > "$tmp/fake-qemu" <<'EOF'
#!/usr/bin/env bash
mode=$1
while (($#)); do
    [[ $1 == -pidfile ]] && echo $$ > "$2"
    shift
done
# A line, then busy until the next second: a live machine uses CPU time.
line_and_spin() {
    local s=$SECONDS
    echo "$1"
    while ((SECONDS == s)); do :; done
}
echo "fake QEMU ($mode) up"
case $mode in
    silent) while :; do :; done ;;
    halted) exec sleep 60 ;;
    talker) for i in 1 2 3 4 5; do line_and_spin "line $i"; done ;;
    hung) while :; do line_and_spin "tick $SECONDS"; done ;;
esac
EOF
chmod +x "$tmp/fake-qemu"

RV_QEMU_STALL=2
RV_QEMU_SILENT=3
RV_QEMU_TIMEOUT=15

# expect MODE RC WHY: run one session, check its exit code and stall reason.
expect() {
    local mode=$1 rc=$2 why=$3 log=$tmp/$1.log problem=
    rv_boot_qemu "$log" "$tmp/fake-qemu" "$mode" 2> "$tmp/$mode.err"
    ((RV_BOOT_QEMU_RC == rc)) || problem+=" rc $RV_BOOT_QEMU_RC, expected $rc;"
    [[ $RV_BOOT_STALL == *"$why"* ]] || problem+=" stall reason '$RV_BOOT_STALL', expected '$why';"
    grep -q "^fake QEMU ($mode) up$" "$log" || problem+=" console line missing from the log;"
    if ((rc == 124 || rc == 125)); then
        grep -qxF "[boot] | $(tail -n 1 "$log")" "$tmp/$mode.err" ||
            problem+=" stderr lacks the console tail;"
    fi
    [[ ! -e $log.pid && ! -e $log.stalled ]] || problem+=" pid or mark file left;"
    if pgrep -f "$tmp/fake-qemu $mode" > /dev/null; then
        problem+=" the stand-in still runs;"
        pkill -f "$tmp/fake-qemu $mode" || true
    fi
    if [[ -n $problem ]]; then
        echo "FAIL $mode:$problem"
        sed 's/^/    /' "$tmp/$mode.err"
        fails=$((fails + 1))
    else
        echo "PASS $mode (rc=$RV_BOOT_QEMU_RC after ${RV_BOOT_QEMU_SECS}s${RV_BOOT_STALL:+: $RV_BOOT_STALL})"
    fi
}

expect silent 125 "printed nothing"
expect halted 125 "no CPU time"
expect talker 0 ""
expect hung 124 ""
((fails == 0))
