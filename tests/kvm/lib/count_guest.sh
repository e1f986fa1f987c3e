# shellcheck shell=bash
# The counting guest of snapshot_test.sh and update_test.sh (sourced after
# cli_lib.sh): it counts for ever in a register (RBX) and in memory (at 17
# MiB) together; every 2^20 it checks that the two agree and prints the
# count's bits 25:20 as one character ('0' + n mod 64), or 'F' and halts
# when they differ. Written to $TMP/count.elf. x86 guest code.

# At 16 MiB, 64-bit mode:
#   xor %ebx,%ebx; mov $0x1100000,%edi; movq $0,(%rdi); mov $0x3f8,%edx
# loop: inc %rbx; incq (%rdi); test $0xfffff,%ebx; jnz loop
#   cmp (%rdi),%rbx; jne bad
#   mov %rbx,%rax; shr $20,%rax; and $0x3f,%eax; add $0x30,%al
#   out %al,(%dx); jmp loop
# bad: mov $'F',%al; out %al,(%dx); 1: hlt; jmp 1b
mk_elf "$TMP/count.elf" "31dbbf0000100148c70700000000baf803000048ffc348ff07f7c3ffff0f0075f2483b1f750f4889d848c1e81483e03f0430eeebdeb046eef4ebfd"

# chars FILE: how many counts the console FILE holds.
chars() { tr -cd '0-o' < "$1" | wc -c; }

# check_sequence FILE...: the consoles together are '1', '2', ... mod 64,
# nothing else: nothing ran twice or was lost.
check_sequence() {
	python3 - "$@" <<'PY'
import sys
s = b''.join(open(f, 'rb').read() for f in sys.argv[1:])
for i, c in enumerate(s):
    if c != 0x30 + (i + 1) % 64:
        sys.exit('character %d is %r, expected %r' % (i, chr(c), chr(0x30 + (i + 1) % 64)))
PY
}
