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
#include "devices/pseudo/bench-sink.h"

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

/*
 * Bench-sinks (devices/pseudo/bench-sink.h): SINK_NR of them, SINK_STRIDE apart
 * from SINK_BASE. Each vCPU i writes stream i of every sink: round n
 * (1..SINK_ROUNDS) writes n to DATA(i) of sink 0, 1, 2, so each sink sees
 * 1, 2, 3, ... on stream i, interleaved with the other sinks' writes.
 *
 * rv_guest_sink_check: every SINK_CHECK_EVERY writes, read COUNT(i) of the
 * sink just written (an ordinary exit: the VMM must first handle this
 * sink's coalesced writes) and expect n, the number of values this vCPU
 * has written there; at the end read every sink's COUNT(i) and expect
 * SINK_ROUNDS. A mismatch is written (the count seen) to ERROR.
 * rv_guest_sink_writeonly: the same writes, no reads at all.
 *
 * Then each vCPU adds one to the word at SINK_DONE (free low RAM, zero at
 * start); vCPU 0 waits until every vCPU did and powers off, the others
 * halt. rv_guest_sink_writeonly_halt: every vCPU halts, vCPU 0 included, so
 * no exit drains the last writes: the test stops the VM from outside.
 *
 * Registers: rsi = 8 * i, rcx = n, rbx = sink base, r9 = writes until the
 * next check, r15 = SINK_CHECK_EVERY or ~0 (never), r14 = 1 to halt.
 */
#define SINK_BASE 0xd0001000
#define SINK_STRIDE 0x1000
#define SINK_NR 3
#define SINK_ROUNDS 667
#define SINK_CHECK_EVERY 37
#define SINK_NR_CPUS 2
#define SINK_DONE 0x40000

	.globl	rv_guest_sink_params
	.balign	8
rv_guest_sink_params:
	.quad	SINK_BASE, SINK_STRIDE, SINK_NR, SINK_ROUNDS, SINK_CHECK_EVERY
	.quad	SINK_NR_CPUS, SINK_DONE

/* Three entry points, one body: each sets r14 and r15, then joins. */
GUEST(rv_guest_sink_writeonly_halt)
	mov	$1, %r14d
	jmp	1f
GUEST(rv_guest_sink_writeonly)
	xor	%r14d, %r14d
1:	mov	$-1, %r15d		/* never check */
	jmp	2f
GUEST(rv_guest_sink_check)
	xor	%r14d, %r14d
	mov	$SINK_CHECK_EVERY, %r15d
2:	lea	(, %rdi, 8), %rsi	/* stream i */
	mov	$1, %ecx
	mov	%r15d, %r9d
3:	mov	$SINK_BASE, %ebx
4:	mov	%rcx, RV_BENCH_SINK_DATA(0)(%rbx, %rsi)	/* coalesced */
	dec	%r9d
	jnz	5f
	mov	%r15d, %r9d
	mov	RV_BENCH_SINK_COUNT(0)(%rbx, %rsi), %rax	/* exits */
	cmp	%rcx, %rax
	je	5f
	mov	%rax, RV_BENCH_SINK_ERROR(%rbx)
5:	add	$SINK_STRIDE, %ebx
	cmp	$SINK_BASE + SINK_NR * SINK_STRIDE, %ebx
	jb	4b
	inc	%ecx
	cmp	$SINK_ROUNDS, %ecx
	jbe	3b

	cmp	$-1, %r15d
	je	7f
	mov	$SINK_BASE, %ebx
6:	mov	RV_BENCH_SINK_COUNT(0)(%rbx, %rsi), %rax
	cmp	$SINK_ROUNDS, %rax
	je	1f
	mov	%rax, RV_BENCH_SINK_ERROR(%rbx)
1:	add	$SINK_STRIDE, %ebx
	cmp	$SINK_BASE + SINK_NR * SINK_STRIDE, %ebx
	jb	6b

7:	lock incl SINK_DONE
	test	%r14d, %r14d
	jnz	9f
	test	%edi, %edi
	jnz	9f
8:	pause
	cmpl	$SINK_NR_CPUS, SINK_DONE
	jb	8b
	POWEROFF
9:	hlt
	jmp	9b
END(rv_guest_sink_check)
END(rv_guest_sink_writeonly)
END(rv_guest_sink_writeonly_halt)

/*
 * The bench-sink's registers, on one vCPU. Sink 0, stream 5: 1, 2, 3, a
 * DOORBELL, then 7 (three lost), 2 (reordered), a 4-byte write to DATA(6)
 * and one to the zone's reserved part (invalid); COUNT(5) and DATA(5) are
 * echoed to the recorder (MMIO +0x10, +0x18); ERROR gets 0x1234. Sink 1,
 * stream 0: 1, 2, RESET, then 1 again: only the last counts, if the VMM
 * handled 1 and 2 before the RESET (flush-before-access).
 */
GUEST(rv_guest_sink_regs)
	mov	$SINK_BASE, %ebx
	mov	$REC_MMIO, %ebp
	movq	$1, RV_BENCH_SINK_DATA(5)(%rbx)
	movq	$2, RV_BENCH_SINK_DATA(5)(%rbx)
	movq	$3, RV_BENCH_SINK_DATA(5)(%rbx)
	movq	$0, RV_BENCH_SINK_DOORBELL(%rbx)
	movq	$7, RV_BENCH_SINK_DATA(5)(%rbx)
	movq	$2, RV_BENCH_SINK_DATA(5)(%rbx)
	movl	$1, RV_BENCH_SINK_DATA(6)(%rbx)
	movq	$1, 0x200(%rbx)
	mov	RV_BENCH_SINK_COUNT(5)(%rbx), %rax
	mov	%rax, 0x10(%rbp)
	mov	RV_BENCH_SINK_DATA(5)(%rbx), %rax
	mov	%rax, 0x18(%rbp)
	movq	$0x1234, RV_BENCH_SINK_ERROR(%rbx)
	add	$SINK_STRIDE, %ebx
	movq	$1, RV_BENCH_SINK_DATA(0)(%rbx)
	movq	$2, RV_BENCH_SINK_DATA(0)(%rbx)
	movq	$0, RV_BENCH_SINK_RESET(%rbx)
	movq	$1, RV_BENCH_SINK_DATA(0)(%rbx)
	POWEROFF
END(rv_guest_sink_regs)

/*
 * Doorbells: vCPU 0 writes SINK_DB_ROUNDS sequence numbers to stream 0 of
 * every sink, rings each sink's DOORBELL, counts itself done at SINK_DONE
 * and halts. With doorbells registered (KVM_IOEVENTFD) none of this exits:
 * only the doorbells can get the writes handled before the test stops the
 * VM (the drain timer is set far beyond the test's patience). That needs
 * all SINK_NR * SINK_DB_ROUNDS writes to fit in KVM's ring at once, on
 * every kernel: at most 85 (coalesce_test.c, kernel_ring_room()).
 */
#define SINK_DB_ROUNDS 28
	.globl	rv_guest_sink_doorbell_rounds
	.balign	8
rv_guest_sink_doorbell_rounds:
	.quad	SINK_DB_ROUNDS

GUEST(rv_guest_sink_doorbell)
	mov	$1, %ecx
1:	mov	$SINK_BASE, %ebx
2:	mov	%rcx, RV_BENCH_SINK_DATA(0)(%rbx)	/* coalesced */
	add	$SINK_STRIDE, %ebx
	cmp	$SINK_BASE + SINK_NR * SINK_STRIDE, %ebx
	jb	2b
	inc	%ecx
	cmp	$SINK_DB_ROUNDS, %ecx
	jbe	1b
	mov	$SINK_BASE, %ebx
3:	mov	%rcx, RV_BENCH_SINK_DOORBELL(%rbx)	/* no exit: an eventfd */
	add	$SINK_STRIDE, %ebx
	cmp	$SINK_BASE + SINK_NR * SINK_STRIDE, %ebx
	jb	3b
	lock incl SINK_DONE
4:	hlt
	jmp	4b
END(rv_guest_sink_doorbell)

/*
 * Memslot backends (tests/kvm/memslot_test.c); the numbers are exported as
 * rv_guest_mem_params so the test checks against what the guest really did.
 *
 * rv_guest_mem_pattern: echo the qword the test put at MEM_SEED (through
 * the VMM's mapping, before the run) to the recorder's MMIO +0x10; fill
 * MEM_WORDS qwords at MEM_PATTERN with MEM_MAGIC + i; write MEM_MAGIC_END
 * to the last qword of the 64 MiB of RAM (MEM_LAST); power off.
 *
 * rv_guest_mem_passthrough: read the first qword of the passthrough slot at
 * PT_GPA and echo it to +0x20; store PT_MARK at PT_GPA + 8 (no exit in a
 * writable slot, an MMIO exit in a read-only one); read PT_GPA + 8 back and
 * echo it to +0x28; power off.
 */
#define MEM_SEED 0x200000
#define MEM_PATTERN 0x400000
#define MEM_WORDS 512
#define MEM_MAGIC 0x52564d4d00000000
#define MEM_LAST 0x3fffff8
#define MEM_MAGIC_END 0x454e444f4652414d
#define PT_GPA 0xe0000000
#define PT_MARK 0x50464e4d41502121

	.globl	rv_guest_mem_params
	.balign	8
rv_guest_mem_params:
	.quad	MEM_SEED, MEM_PATTERN, MEM_WORDS, MEM_MAGIC, MEM_LAST, MEM_MAGIC_END
	.quad	PT_GPA, PT_MARK

GUEST(rv_guest_mem_pattern)
	mov	$REC_MMIO, %ebx
	mov	MEM_SEED, %rax
	mov	%rax, 0x10(%rbx)
	mov	$MEM_PATTERN, %edi
	movabs	$MEM_MAGIC, %rax
	xor	%ecx, %ecx
1:	mov	%rax, (%rdi, %rcx, 8)
	inc	%rax
	inc	%ecx
	cmp	$MEM_WORDS, %ecx
	jb	1b
	movabs	$MEM_MAGIC_END, %rax
	mov	%rax, MEM_LAST
	POWEROFF
END(rv_guest_mem_pattern)

GUEST(rv_guest_mem_passthrough)
	mov	$REC_MMIO, %ebx
	mov	$PT_GPA, %esi
	mov	(%rsi), %rax
	mov	%rax, 0x20(%rbx)
	movabs	$PT_MARK, %rax
	mov	%rax, 8(%rsi)
	mov	8(%rsi), %rax
	mov	%rax, 0x28(%rbx)
	POWEROFF
END(rv_guest_mem_passthrough)

	.section .note.GNU-stack, "", @progbits
