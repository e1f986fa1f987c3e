/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code for tests/kvm on x86_64. Each guest is entered in 64-bit mode
 * at CPL0 by every vCPU, with RDI = vCPU index, RSP = a stack of its own,
 * interrupts off, and the first 4 GiB identity-mapped. Kept short: this
 * host's KVM emulates CPL0 code at about 1 us per instruction.
 *
 * The recorder device: PIO 0x500-0x50f, MMIO 0xd0000000-0xd0000fff. Reads
 * at offset 0 return a value the test programs, reads at offset 8 the number
 * of PIO writes to offset 0 so far.
 */
#define REC_PIO 0x500
#define REC_MMIO 0xd0000000
#define ACPI_SLEEP_CTL 0x3c0
#define ACPI_RESET 0x3c4
#define S5_SLP_EN ((5 << 2) | 0x20)

	.section .rodata
	.code64

#define GUEST(name) .globl name##_start; .globl name##_end; name##_start:
#define END(name) name##_end:

/* Power off through the ACPI sleep control register, as Linux does. */
#define POWEROFF            \
	mov $ACPI_SLEEP_CTL, %dx; \
	mov $S5_SLP_EN, %al;      \
	out %al, %dx;             \
	hlt

/* PIO of each size, MMIO of each size, and a read whose value is echoed. */
GUEST(rv_guest_pio_mmio)
	mov	$REC_PIO, %dx
	mov	$0x11, %al
	out	%al, %dx		/* 1 byte at +0 */
	add	$2, %dx
	mov	$0x2233, %ax
	out	%ax, %dx		/* 2 bytes at +2 */
	add	$2, %dx
	mov	$0x44556677, %eax
	out	%eax, %dx		/* 4 bytes at +4 */
	mov	$REC_MMIO, %ebx
	movb	$0x88, 0x10(%rbx)
	movw	$0x99aa, 0x20(%rbx)
	movl	$0xbbccddee, 0x40(%rbx)
	movabs	$0x0123456789abcdef, %rcx
	mov	%rcx, 0x80(%rbx)
	mov	$REC_PIO, %dx
	in	%dx, %eax		/* read +0 (programmed value) */
	mov	%eax, 0x100(%rbx)	/* echo it to MMIO +0x100 */
	mov	(%rbx), %rcx		/* 8-byte MMIO read at +0 */
	mov	%rcx, 0x108(%rbx)	/* echo it */
	POWEROFF
END(rv_guest_pio_mmio)

/* rep outsb: string I/O arrives as one exit with count > 1. */
GUEST(rv_guest_string_io)
	lea	msg(%rip), %rsi
	mov	$REC_PIO + 12, %dx
	mov	$8, %ecx
	rep outsb
	POWEROFF
msg:
	.ascii	"ringvmm!"
END(rv_guest_string_io)

/*
 * Every vCPU checks in with a PIO write of its index to +0; vCPU 0 waits
 * until the device has counted as many check-ins as the value the test
 * programmed at +0, then powers off; the others halt with interrupts off,
 * so only the VMM's stop path can end them.
 */
GUEST(rv_guest_smp_checkin)
	mov	$REC_PIO, %dx
	mov	%edi, %eax
	out	%eax, %dx
	test	%edi, %edi
	jnz	1f
	in	%dx, %eax		/* +0: number of vCPUs expected */
	mov	%eax, %ebx
	mov	$REC_PIO + 8, %dx
2:	in	%dx, %eax		/* +8: check-ins so far */
	cmp	%ebx, %eax
	jb	2b
	POWEROFF
1:	hlt
	jmp	1b
END(rv_guest_smp_checkin)

GUEST(rv_guest_poweroff)
	POWEROFF
END(rv_guest_poweroff)

GUEST(rv_guest_reset)
	mov	$ACPI_RESET, %dx
	mov	$1, %al
	out	%al, %dx
	hlt
END(rv_guest_reset)

/* An empty IDT turns the breakpoint into a triple fault. */
GUEST(rv_guest_triple_fault)
	sub	$16, %rsp
	movw	$0, (%rsp)
	movq	$0, 2(%rsp)
	lidt	(%rsp)
	int3
	hlt
END(rv_guest_triple_fault)

/* Halt forever with interrupts off: only a stop request ends this VM. */
GUEST(rv_guest_halt)
	mov	$REC_PIO, %dx
	mov	$0x48, %al
	out	%al, %dx		/* "I am about to halt" */
1:	hlt
	jmp	1b
END(rv_guest_halt)

	.section .note.GNU-stack, "", @progbits
