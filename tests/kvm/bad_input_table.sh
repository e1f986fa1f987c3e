#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The bad-input table of docs/threat-model.md, generated: every input below
# is run against a ringvmm and the table row says what it got (exit status,
# the line on stderr). Each case also says what it must get: exit 2 and a
# message matching a pattern. A row that gets anything else is marked FAIL
# and the script exits 1, so this is a test as well as the table's source.
#
#   tests/kvm/bad_input_table.sh path/to/ringvmm [WORKDIR]   # rows on stdout
#
# POSIX sh, and only what busybox has (printf, dd, head, mkfifo): the same
# file runs inside the nested test host (tests/boot, scenario bad_inputs,
# where a real KVM gets every case through to the loaders) and here.
# Without a usable /dev/kvm the cases that need a VM are reported as
# "needs /dev/kvm" and not judged. docs/threat-model.md holds the table
# from the nested run: tests/boot/bad_inputs_doc.sh rewrites it.
#
# Crafted images are spelt byte by byte from boot.rst and the ELF spec.

# rv_bi_le VALUE BYTES: VALUE little-endian (two's complement if negative).
rv_bi_le() {
    _v=$1
    _n=$2
    while [ "$_n" -gt 0 ]; do
        # shellcheck disable=SC2059 # the format is the escape being built
        printf "\\$(printf %03o $((_v & 255)))"
        _v=$((_v >> 8))
        _n=$((_n - 1))
    done
}

# rv_bi_zeros N: N zero bytes.
rv_bi_zeros() {
    [ "$1" -gt 0 ] && head -c "$1" /dev/zero
    return 0
}

# rv_bi_elf FILE PADDR FILESZ MEMSZ [PHNUM [OFFSET]]: an ELF64 x86-64
# vmlinux, one PT_LOAD of FILESZ bytes (an endless loop) at physical PADDR.
rv_bi_elf() {
    {
        printf '\177ELF\002\001\001'
        rv_bi_zeros 9
        rv_bi_le 2 2          # e_type ET_EXEC
        rv_bi_le 62 2         # e_machine EM_X86_64
        rv_bi_le 1 4          # e_version
        rv_bi_le "$2" 8       # e_entry: the segment's start
        rv_bi_le 64 8         # e_phoff
        rv_bi_le 0 8          # e_shoff
        rv_bi_le 0 4          # e_flags
        rv_bi_le 64 2         # e_ehsize
        rv_bi_le 56 2         # e_phentsize
        rv_bi_le "${5:-1}" 2  # e_phnum
        rv_bi_le 0 6          # no sections
        rv_bi_le 1 4          # p_type PT_LOAD
        rv_bi_le 5 4          # p_flags R+X
        rv_bi_le "${6:-4096}" 8 # p_offset
        rv_bi_le "$2" 8       # p_vaddr
        rv_bi_le "$2" 8       # p_paddr
        rv_bi_le "$3" 8       # p_filesz
        rv_bi_le "$4" 8       # p_memsz
        rv_bi_le 4096 8       # p_align
        rv_bi_zeros $((4096 - 120))
        printf '\364\353\375' # hlt; jmp .-3
        rv_bi_zeros 4093
    } > "$1"
}

# rv_bi_bzimage FILE VERSION BOOT_FLAG SETUP_SECTS LOADFLAGS INIT_SIZE: a
# bzImage (boot.rst "The Real-Mode Kernel Header") with 4 KiB of payload.
rv_bi_bzimage() {
    {
        rv_bi_zeros $((0x1f1))
        rv_bi_le "$4" 1                 # 0x1f1 setup_sects
        rv_bi_zeros $((0x1fe - 0x1f2))
        rv_bi_le "$3" 2                 # 0x1fe boot_flag
        printf '\353\152HdrS'           # 0x200 jump, 0x202 header
        rv_bi_le "$2" 2                 # 0x206 version
        rv_bi_zeros $((0x211 - 0x208))
        rv_bi_le "$5" 1                 # 0x211 loadflags
        rv_bi_zeros 2
        rv_bi_le $((0x100000)) 4        # 0x214 code32_start
        rv_bi_zeros $((0x22c - 0x218))
        rv_bi_le $((0x7fffffff)) 4      # 0x22c initrd_addr_max
        rv_bi_le $((0x200000)) 4        # 0x230 kernel_alignment
        rv_bi_le 1 1                    # 0x234 relocatable_kernel
        rv_bi_zeros 1
        rv_bi_le 3 2                    # 0x236 xloadflags: 64-bit entry
        rv_bi_le 2047 4                 # 0x238 cmdline_size
        rv_bi_zeros $((0x258 - 0x23c))
        rv_bi_le $((0x1000000)) 8       # 0x258 pref_address
        rv_bi_le "$6" 4                 # 0x260 init_size
        rv_bi_zeros $((5 * 512 - 0x264 + 4096))
    } > "$1"
}

rv_bi_have_kvm() {
    [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]
}

rv_bi_n=0
rv_bi_fail=0

# rv_bi_case WHO WHAT KVM PATTERN ARGS...: run `ringvmm ARGS`; it must exit
# 2 with stderr matching PATTERN (grep -E). KVM=1: the case reaches past
# the VM's creation (the loaders, the memory map) and needs /dev/kvm.
# Prints the row: | # | who controls it | bad input | exit | what ringvmm said |
rv_bi_case() {
    _who=$1
    _what=$2
    _kvm=$3
    _pat=$4
    shift 4
    rv_bi_n=$((rv_bi_n + 1))
    if [ "$_kvm" = 1 ] && ! rv_bi_have_kvm; then
        echo "| $rv_bi_n | $_who | $_what | - | (needs /dev/kvm: not run here) |"
        return 0
    fi
    timeout -k 5 60 "$RV_BI_VMM" "$@" < /dev/null > "$RV_BI_DIR/out" 2> "$RV_BI_DIR/err"
    _rc=$?
    # The row shows the message with this run's scratch paths as DIR.
    _msg=$(head -n 1 "$RV_BI_DIR/err" | sed "s|$RV_BI_DIR|DIR|g; s/|/\\\\|/g" | cut -c 1-200)
    _lines=$(wc -l < "$RV_BI_DIR/err")
    _verdict=
    if [ "$_rc" != 2 ]; then
        _verdict=" **FAIL: exit $_rc, want 2**"
    elif [ "$_lines" != 1 ]; then
        _verdict=" **FAIL: $_lines lines on stderr, want 1**"
    elif ! grep -Eq -- "$_pat" "$RV_BI_DIR/err"; then
        _verdict=" **FAIL: want /$_pat/**"
    fi
    [ -z "$_verdict" ] || rv_bi_fail=$((rv_bi_fail + 1))
    echo "| $rv_bi_n | $_who | $_what | $_rc | \`$_msg\`$_verdict |"
}

# rv_bad_inputs RINGVMM DIR: every case, a row each; returns 1 on a FAIL.
rv_bad_inputs() {
    RV_BI_VMM=$1
    RV_BI_DIR=$2
    rv_bi_n=0
    rv_bi_fail=0
    _d=$RV_BI_DIR
    mkdir -p "$_d"
    rm -f "$_d/fifo" "$_d/fifo2"
    mkfifo "$_d/fifo" "$_d/fifo2"
    mkdir -p "$_d/dir"
    : > "$_d/empty"
    head -c 3000 /dev/urandom > "$_d/random"
    rv_bi_elf "$_d/ok.elf" $((0x1000000)) 3 3
    head -c 100 "$_d/ok.elf" > "$_d/truncated.elf"
    rv_bi_elf "$_d/phnum.elf" $((0x1000000)) 3 3 65
    rv_bi_elf "$_d/low.elf" $((0x8000)) 3 3
    rv_bi_elf "$_d/beyond.elf" $((0x40000000)) 3 3
    rv_bi_elf "$_d/wrap.elf" -4096 3 8192
    rv_bi_elf "$_d/pt.elf" $((0x100000000)) 3 $((0x2000))
    rv_bi_elf "$_d/filesz.elf" $((0x1000000)) $((0x2000)) $((0x1000))
    rv_bi_elf "$_d/offset.elf" $((0x1000000)) 3 3 1 $((0x7fffffff))
    rv_bi_bzimage "$_d/old.bz" $((0x0205)) $((0xaa55)) 4 1 $((0x800000))
    rv_bi_bzimage "$_d/noflag.bz" $((0x020f)) 0 4 1 $((0x800000))
    rv_bi_bzimage "$_d/sects.bz" $((0x020f)) $((0xaa55)) 200 1 $((0x800000))
    rv_bi_bzimage "$_d/zimage.bz" $((0x020f)) $((0xaa55)) 4 0 $((0x800000))
    rv_bi_bzimage "$_d/initsize.bz" $((0x020f)) $((0xaa55)) 4 1 $((0xffffffff))
    head -c $((40 << 20)) /dev/zero > "$_d/big.initrd"
    head -c 65536 /dev/zero > "$_d/pt.bin"
    head -c 4096 /dev/zero > "$_d/short.bin"
    _long=$(head -c 70000 /dev/zero | tr '\0' x)
    _pt="size=64K,gpa=0x100000000"
    _ok="$_d/ok.elf"

    echo "| # | who controls it | bad input | exit | what ringvmm said |"
    echo "| --- | --- | --- | --- | --- |"
    # The command line.
    rv_bi_case user "no command" 0 "no command" 
    rv_bi_case user "unknown command \`frobnicate\`" 0 "frobnicate" frobnicate
    rv_bi_case user "unknown option \`--frob\`" 0 "--frob" run --frob
    rv_bi_case user "\`--mem 0\`" 0 "--mem 0" run --mem 0
    rv_bi_case user "\`--mem lots\`" 0 "--mem lots" run --mem lots
    rv_bi_case user "\`--mem 64T\`, more than the host" 0 "more than the host" run --mem 64T
    rv_bi_case user "\`--mem 16777217B\`, not page-sized" 0 "multiple of 4 KiB" run --mem 16777217B
    rv_bi_case user "\`--cpus 0\`" 0 "--cpus 0" run --cpus 0
    rv_bi_case user "\`--cpus 100000\`" 0 "--cpus 100000" run --cpus 100000
    rv_bi_case user "\`--coalesce sometimes\`" 0 "--coalesce sometimes" run --coalesce sometimes
    rv_bi_case user "\`--coalesce-flush-us 0\`" 0 "--coalesce-flush-us 0" run --coalesce-flush-us 0
    rv_bi_case user "\`--mem-backend floppy\`" 0 "floppy" run --mem-backend floppy
    rv_bi_case user "\`--initrd\` without \`--kernel\`" 0 "needs --kernel" run --initrd "$_d/empty"
    rv_bi_case user "\`--cmdline\` without \`--kernel\`" 0 "needs --kernel" run --cmdline x
    rv_bi_case user "\`--kernel\` value missing" 0 "--kernel" run --kernel
    # Path options: what the file is, before anything opens it.
    rv_bi_case user "\`--kernel\` that does not exist" 1 "No such file" run --kernel "$_d/nope"
    rv_bi_case user "\`--kernel\` a directory" 1 "a directory, not a regular file" run --kernel "$_d/dir"
    rv_bi_case user "\`--kernel\` a FIFO with no writer (used to hang on arm64)" 1 "a FIFO, not a regular file" \
        run --kernel "$_d/fifo"
    rv_bi_case user "\`--kernel /dev/zero\`, a character device" 1 "a character device" run --kernel /dev/zero
    rv_bi_case user "\`--initrd\` a FIFO" 1 "--initrd .*a FIFO" run --kernel "$_ok" --initrd "$_d/fifo"
    rv_bi_case user "\`--passthrough path=\` a FIFO (used to hang)" 1 "path=.*a FIFO" \
        run --passthrough "path=$_d/fifo2,$_pt"
    rv_bi_case user "\`--passthrough path=\` a directory" 1 "a directory" run --passthrough "path=$_d/dir,$_pt"
    rv_bi_case user "\`--passthrough path=\` that does not exist" 1 "No such file" \
        run --passthrough "path=$_d/nope,$_pt"
    # --passthrough specs.
    rv_bi_case user "\`--passthrough\` without \`path=\`" 0 "path" run --passthrough "$_pt"
    rv_bi_case user "\`--passthrough size=0\`" 0 "size" run --passthrough "path=$_d/pt.bin,size=0,gpa=0x100000000"
    rv_bi_case user "\`--passthrough gpa=0x100000800\`, unaligned" 1 "not a multiple of" \
        run --passthrough "path=$_d/pt.bin,size=64K,gpa=0x100000800"
    rv_bi_case user "\`--passthrough gpa=0\`, over guest RAM" 1 "RAM" run --passthrough "path=$_d/pt.bin,size=64K,gpa=0"
    rv_bi_case user "\`--passthrough\` gpa + size past 2^64" 1 "wrap|2\\^64|overflow|past" \
        run --passthrough "path=$_d/pt.bin,size=64K,gpa=0xfffffffffffff000"
    rv_bi_case user "\`--passthrough\` two slots overlapping" 1 "overlap|pt0|pt1" \
        run --passthrough "path=$_d/pt.bin,$_pt" --passthrough "path=$_d/pt.bin,$_pt"
    rv_bi_case user "\`--passthrough\` a 4 KiB file as a 64 KiB slot" 1 "too short" \
        run --passthrough "path=$_d/short.bin,$_pt"
    rv_bi_case user "\`--passthrough\` unknown key \`color=red\`" 0 "color" \
        run --passthrough "path=$_d/pt.bin,$_pt,color=red"
    # Kernel images: every field is the image's author's.
    rv_bi_case image "an empty \`--kernel\`" 1 "not a bzImage or ELF64" run --kernel "$_d/empty"
    rv_bi_case image "3000 random bytes" 1 "not a bzImage or ELF64" run --kernel "$_d/random"
    rv_bi_case image "ELF cut at 100 bytes" 1 "past the end|shorter" run --kernel "$_d/truncated.elf"
    rv_bi_case image "ELF with e_phnum 65" 1 "e_phnum 65" run --kernel "$_d/phnum.elf"
    rv_bi_case image "ELF PT_LOAD at 0x8000, over boot_params" 1 "below 1 MiB" run --kernel "$_d/low.elf"
    rv_bi_case image "ELF PT_LOAD at 1 GiB, past 256 MiB of RAM" 1 "not in guest RAM" run --kernel "$_d/beyond.elf"
    rv_bi_case image "ELF PT_LOAD at 2^64 - 4 KiB, 8 KiB long" 1 "wraps|not in guest RAM" run --kernel "$_d/wrap.elf"
    rv_bi_case image "ELF PT_LOAD into a read-only \`--passthrough\` slot (used to SIGSEGV)" 1 \
        "not in guest RAM: it reaches passthrough slot pt0" \
        run --kernel "$_d/pt.elf" --passthrough "path=$_d/pt.bin,$_pt,ro"
    rv_bi_case image "ELF PT_LOAD into a writable \`--passthrough\` slot (used to write the file)" 1 \
        "not in guest RAM: it reaches passthrough slot pt0" \
        run --kernel "$_d/pt.elf" --passthrough "path=$_d/pt.bin,$_pt"
    rv_bi_case image "ELF p_filesz > p_memsz" 1 "p_filesz" run --kernel "$_d/filesz.elf"
    rv_bi_case image "ELF p_offset past the end of the file" 1 "past the end" run --kernel "$_d/offset.elf"
    rv_bi_case image "bzImage boot protocol 2.05" 1 "older than 2.06" run --kernel "$_d/old.bz"
    rv_bi_case image "bzImage with HdrS but no boot_flag 0xaa55" 1 "boot_flag" run --kernel "$_d/noflag.bz"
    rv_bi_case image "bzImage setup_sects 200 in a 7 KiB file" 1 "setup_sects" run --kernel "$_d/sects.bz"
    rv_bi_case image "bzImage without LOADED_HIGH (a zImage)" 1 "LOADED_HIGH" run --kernel "$_d/zimage.bz"
    rv_bi_case image "bzImage init_size 4 GiB" 1 "needs RAM|init_size" run --kernel "$_d/initsize.bz"
    rv_bi_case user "a 40 MiB \`--initrd\` with \`--mem 32M\`" 1 "guest RAM|initrd" \
        run --kernel "$_ok" --initrd "$_d/big.initrd" --mem 32M
    rv_bi_case user "a 70000-byte \`--cmdline\`" 1 "command line" run --kernel "$_ok" --cmdline "$_long"
    # Device options: checked when parsed, before any VM is made.
    rv_bi_case user "\`-n mac=52:54:00:12:34:56\`, no backend" 0 "no backend" run -n mac=52:54:00:12:34:56
    rv_bi_case user "\`-n user\`, not a backend" 0 "user: unknown" run -n user
    rv_bi_case user "\`-n tap=a/b\`, not an interface name" 0 "not an interface name" run -n tap=a/b
    rv_bi_case user "\`--net tap=t0,passt\`, two backends" 0 "second backend" run --net tap=t0,passt
    rv_bi_case user "\`-n tap=t0,mac=01:00:5e:00:00:01\`, a multicast MAC" 0 "multicast" \
        run -n tap=t0,mac=01:00:5e:00:00:01
    rv_bi_case user "\`-n tap=t0,queues=0\`" 0 "queues=0" run -n tap=t0,queues=0
    rv_bi_case user "\`-n tap=t0,queues=8\`, more queue pairs than offered" 0 "from 1 to 7" \
        run -n tap=t0,queues=8
    rv_bi_case user "\`-n passt,queues=2\`, passt has one socket" 0 "one socket" run -n passt,queues=2
    rv_bi_case user "\`--vsock cid=2,uds=S\`, the host's CID" 0 "cid=2" run --vsock "cid=2,uds=$_d/v.sock"
    rv_bi_case user "\`--vsock cid=3\` without \`uds=\`" 0 "needs cid=N,uds=PATH" run --vsock cid=3
    rv_bi_case user "\`--vsock cid=3,uds=\`, an empty path" 0 "uds=" run --vsock cid=3,uds=
    rv_bi_case user "\`--console-out\` a FIFO nobody reads (never waited for)" 0 "FIFO nobody reads" \
        run --console-out "$_d/fifo"
    rv_bi_case user "\`--console-out\` a directory" 0 "directory" run --console-out "$_d/dir"
    rv_bi_case user "\`--console-out\` an empty value" 0 "needs a file name" run --console-out ""
    rm -rf "$_d"
    [ "$rv_bi_fail" = 0 ]
}

if [ "${RV_BAD_INPUT_LIB:-0}" != 1 ]; then
    set -u
    vmm=${1:?usage: bad_input_table.sh path/to/ringvmm [WORKDIR]}
    dir=${2:-$(mktemp -d "${TMPDIR:-/tmp}/ringvmm-bad.XXXXXX")}
    rv_bad_inputs "$vmm" "$dir"
    rc=$?
    echo
    echo "$rv_bi_n cases, $rv_bi_fail failed$(rv_bi_have_kvm || echo ', those needing /dev/kvm not run')"
    exit $rc
fi
