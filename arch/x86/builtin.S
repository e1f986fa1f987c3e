/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The built-in x86_64 guest, run when no --kernel is given: it prints a
 * banner on COM1 the way a polite driver does (wait for THRE in LSR before
 * each byte) and powers off through the ACPI sleep control register, the
 * same path Linux takes. Position-independent: ringvmm copies these bytes
 * to RV_X86_BUILTIN_ADDR and enters them in long mode with interrupts off.
 * Few instructions on purpose: it must run on any KVM, including ones that
 * emulate CPL0 code instruction by instruction.
 */
#define COM1_THR 0x3f8
#define COM1_LSR 0x3fd
#define LSR_THRE 0x20
#define ACPI_SLEEP_CTL 0x3c0
#define ACPI_S5_SLP_EN ((5 << 2) | 0x20) /* SLP_TYP = 5 (\_S5_), SLP_EN */

	.section .rodata
	.globl rv_x86_builtin_guest_start
	.globl rv_x86_builtin_guest_end
	.code64
rv_x86_builtin_guest_start:
	lea	banner(%rip), %rsi
next_char:
	movb	(%rsi), %bl
	inc	%rsi
	test	%bl, %bl
	jz	power_off
wait_thre:
	mov	$COM1_LSR, %dx
	in	%dx, %al
	test	$LSR_THRE, %al
	jz	wait_thre
	mov	$COM1_THR, %dx
	mov	%bl, %al
	out	%al, %dx
	jmp	next_char
power_off:
	mov	$ACPI_SLEEP_CTL, %dx
	mov	$ACPI_S5_SLP_EN, %al
	out	%al, %dx
	hlt
	jmp	power_off
banner:
	.asciz	"ringvmm built-in guest: hello from x86_64 long mode, powering off\r\n"
rv_x86_builtin_guest_end:

/*
 * The reset vector (F000:FFF0, real mode): what a PC's firmware would do on
 * a jump there, reduced to the one thing ringvmm's firmware does: reset.
 */
#define ACPI_RESET 0x3c4
	.globl rv_x86_reset_stub_start
	.globl rv_x86_reset_stub_end
	.code16
rv_x86_reset_stub_start:
	mov	$ACPI_RESET, %dx
	mov	$1, %al
	out	%al, %dx
1:	hlt
	jmp	1b
rv_x86_reset_stub_end:
	.code64

	.section .note.GNU-stack, "", @progbits
