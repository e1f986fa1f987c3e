/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest of `ringvmm bench coalesce` on x86_64 (bench/runner.c): what it
 * does is described in bench/guest.h, which also lays out the
 * parameters the VMM leaves at RV_X86_BENCH_PARAMS_ADDR.
 *
 * Entered by every vCPU in 64-bit mode with RDI = vCPU index, RSP = a stack
 * of its own, the first 4 GiB identity-mapped, interrupts off; at CPL3 with
 * IOPL 3 where KVM allows it (rv_vm_config.guest_user_mode), else at CPL0.
 * Nothing here needs privilege: no hlt (vCPUs that are done spin on pause),
 * and the power-off is a port write. The hot loop is a handful of
 * instructions so that, on a KVM that emulates CPL0 code, the figures
 * still measure exits rather than emulation.
 *
 * Registers in the write loops:
 *   r8  parameters            r9  stream (vCPU index)
 *   r10 writes per device     r11 burst
 *   r12 read every (device's)  r13 doorbell countdown
 *   r14 n0, first value of the round
 *   r15 device table entry    rdi end of the device table
 *   rbp device base           rbx DATA(stream) address or port
 *   rcx n, the value written  rsi end of the burst (exclusive)
 */
#include "devices/pseudo/bench-sink.h"
#include "guest.h"
#include "arch/x86/layout.h"

#define P(field) RV_BENCH_P_##field(%r8)
#define S5_SLP_EN ((RV_X86_ACPI_S5_SLP_TYP << 2) | 0x20)

	.section .rodata
	.code64
	.globl	rv_x86_bench_guest_start
	.globl	rv_x86_bench_guest_end
rv_x86_bench_guest_start:
	mov	%rdi, %r9
	mov	$RV_X86_BENCH_PARAMS_ADDR, %r8d
	mov	P(WRITES), %r10
	mov	P(BURST), %r11
	mov	P(DB_RELOAD), %r13
	mov	P(NR_DEVICES), %rdi
	shl	$5, %rdi			/* RV_BENCH_P_DEV_SIZE */
	lea	P(DEVICES), %rax
	add	%rax, %rdi
	call	mark
	mov	$1, %r14

round:
	lea	P(DEVICES), %r15
device:
	mov	RV_BENCH_P_DEV_BASE(%r15), %rbp
	mov	RV_BENCH_P_DEV_READ(%r15), %r12
	mov	%r14, %rcx
	lea	(%r14, %r11), %rsi		/* the burst ends at n0 + burst, */
	lea	1(%r10), %rax
	cmp	%rax, %rsi
	cmova	%rax, %rsi			/* or after the last write */
	cmpq	$RV_BENCH_DEV_PIO, RV_BENCH_P_DEV_KIND(%r15)
	je	pio_burst

	lea	RV_BENCH_SINK_DATA(0)(%rbp, %r9, 8), %rbx
1:	mov	%rcx, (%rbx)			/* the write: coalesced, or an exit */
	test	%r12, %r12
	jz	2f
	mov	%rcx, %rax			/* a read after n % READ == 0 */
	xor	%edx, %edx
	div	%r12
	test	%rdx, %rdx
	jz	mmio_read
2:	dec	%r13
	jz	mmio_doorbell
3:	inc	%rcx
	cmp	%rsi, %rcx
	jb	1b
	jmp	next_device
mmio_read:
	/* COUNT(stream): an exit, so the VMM first handles our writes to it. */
	mov	RV_BENCH_SINK_COUNT(0)(%rbx), %rax
	cmp	%rcx, %rax
	je	2b
	mov	%rax, RV_BENCH_SINK_ERROR(%rbp)
	jmp	2b
mmio_doorbell:
	mov	P(DB_RELOAD), %r13
	mov	%rcx, RV_BENCH_SINK_DOORBELL(%rbp)
	jmp	3b

pio_burst:
	lea	RV_BENCH_SINK_PIO_DATA(0)(%rbp, %r9, 4), %rbx
4:	mov	%ecx, %eax
	mov	%ebx, %edx
	out	%eax, %dx			/* the write: coalesced, or an exit */
	test	%r12, %r12
	jz	5f
	mov	%rcx, %rax
	xor	%edx, %edx
	div	%r12
	test	%rdx, %rdx
	jz	pio_read
5:	dec	%r13
	jz	pio_doorbell
6:	inc	%rcx
	cmp	%rsi, %rcx
	jb	4b
	jmp	next_device
pio_read:
	lea	RV_BENCH_SINK_PIO_COUNT(0)(%rbx), %edx
	in	%dx, %eax
	cmp	%ecx, %eax
	je	5b
	lea	RV_BENCH_SINK_PIO_ERROR(%rbp), %edx
	out	%eax, %dx
	jmp	5b
pio_doorbell:
	mov	P(DB_RELOAD), %r13
	lea	RV_BENCH_SINK_PIO_DOORBELL(%rbp), %edx
	out	%eax, %dx
	jmp	6b

next_device:
	add	$RV_BENCH_P_DEV_SIZE, %r15
	cmp	%rdi, %r15
	jb	device
	add	%r11, %r14
	cmp	%r10, %r14
	jbe	round

	/* Every device has handled all of this stream's writes. */
	lea	P(DEVICES), %r15
check:
	mov	RV_BENCH_P_DEV_BASE(%r15), %rbp
	cmpq	$RV_BENCH_DEV_PIO, RV_BENCH_P_DEV_KIND(%r15)
	je	7f
	mov	RV_BENCH_SINK_COUNT(0)(%rbp, %r9, 8), %rax
	cmp	%r10, %rax
	je	8f
	mov	%rax, RV_BENCH_SINK_ERROR(%rbp)
	jmp	8f
7:	lea	RV_BENCH_SINK_PIO_COUNT(0)(%rbp, %r9, 4), %edx
	in	%dx, %eax
	cmp	%r10d, %eax
	je	8f
	lea	RV_BENCH_SINK_PIO_ERROR(%rbp), %edx
	out	%eax, %dx
8:	add	$RV_BENCH_P_DEV_SIZE, %r15
	cmp	%rdi, %r15
	jb	check

	/*
	 * MARK, then done: vCPU 0 powers off only once every vCPU's last MARK
	 * has been handled (its exit returned before the increment).
	 */
	call	mark
	lock incq P(DONE)
	test	%r9, %r9
	jnz	spin
9:	pause
	mov	P(DONE), %rax
	cmp	P(NR_CPUS), %rax
	jb	9b
	mov	$RV_X86_ACPI_SLEEP_CTL_PORT, %edx
	mov	$S5_SLP_EN, %al
	out	%al, %dx
	/* The VMM stops every vCPU at the power-off; nothing runs after it. */
spin:
	pause
	jmp	spin

/* MARK on device 0: the VMM notes the time (an exit). Clobbers rax, rdx. */
mark:
	mov	P(DEVICES), %rax
	cmpq	$RV_BENCH_DEV_PIO, RV_BENCH_P_DEVICES + RV_BENCH_P_DEV_KIND(%r8)
	je	1f
	movq	$1, RV_BENCH_SINK_MARK(%rax)
	ret
1:	lea	RV_BENCH_SINK_PIO_MARK(%rax), %edx
	out	%eax, %dx
	ret
rv_x86_bench_guest_end:

	.section .note.GNU-stack, "", @progbits
