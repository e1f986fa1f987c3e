/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest of `ringvmm bench coalesce` on arm64 (bench/runner.c): what it
 * does is described in bench/guest.h, which also lays out the
 * parameters the VMM leaves at RV_ARM64_BENCH_PARAMS_ADDR. The AArch64
 * twin of bench/guest-x86.S, for MMIO only: arm64 has no port space,
 * and the VMM refuses port I/O devices before any guest runs, so every
 * device in the table is a bench-sink in MMIO space (its kind is not read).
 *
 * Entered by every vCPU (raw guest code: KVM_ARM_VCPU_INIT without
 * POWER_OFF on all of them, arch/arm64/vcpu.c) at EL1h with the MMU off,
 * DAIF masked, x0 = vCPU index. Position-independent: a literal pool and
 * bl inside the blob.
 *
 * With the MMU off every data access is Device-nGnRnE:
 * - each MMIO access is a single-register LDR/STR of an X register with
 *   an immediate offset and no writeback, so ESR_EL2.ISV is valid and KVM
 *   reports it as KVM_EXIT_MMIO (8 bytes, as on x86);
 * - exclusives and LSE atomics need not work on such memory, so instead
 *   of adding to DONE each vCPU stores 1 to its own CPU_DONE word, after
 *   its last MARK, and vCPU 0 reads them all (bench/guest.h).
 * vCPUs that wait use wfe, never wfi: nothing here takes interrupts. A wfe
 * that KVM traps is a yield; one it does not trap ends at a vCPU's sev or
 * at the next entry to the guest (an exception return sets the event
 * register), so a wake-up cannot be lost.
 *
 * Registers in the write loops:
 *   x19 parameters            x20 stream (vCPU index)
 *   x21 writes per device     x22 burst
 *   x23 read every (device's) x24 doorbell countdown
 *   x25 n0, first value of the round
 *   x26 device table entry    x27 end of the device table
 *   x28 device base           x9  base + 8 * stream (DATA, COUNT)
 *   x10 n, the value written  x11 end of the burst (exclusive)
 */
#include "devices/pseudo/bench-sink.h"
#include "guest.h"
#include "arch/arm64/layout.h"

#define P(field) [x19, #RV_BENCH_P_##field]

	.section .rodata
	.balign 8
	.globl	rv_arm64_bench_guest_start
	.globl	rv_arm64_bench_guest_end
rv_arm64_bench_guest_start:
	mov	x20, x0
	ldr	x19, =RV_ARM64_BENCH_PARAMS_ADDR
	ldr	x21, P(WRITES)
	ldr	x22, P(BURST)
	ldr	x24, P(DB_RELOAD)
	ldr	x27, P(NR_DEVICES)
	add	x27, x19, x27, lsl #5		/* RV_BENCH_P_DEV_SIZE */
	add	x27, x27, #RV_BENCH_P_DEVICES
	bl	mark
	mov	x25, #1

round:
	add	x26, x19, #RV_BENCH_P_DEVICES
device:
	ldr	x28, [x26, #RV_BENCH_P_DEV_BASE]
	ldr	x23, [x26, #RV_BENCH_P_DEV_READ]
	mov	x10, x25
	add	x11, x25, x22			/* the burst ends at n0 + burst, */
	add	x0, x21, #1
	cmp	x11, x0
	csel	x11, x0, x11, hi		/* or after the last write */
	add	x9, x28, x20, lsl #3
1:	str	x10, [x9, #RV_BENCH_SINK_DATA(0)] /* the write: coalesced, or an exit */
	cbz	x23, 2f
	udiv	x0, x10, x23			/* a read after n % READ == 0 */
	msub	x0, x0, x23, x10
	cbz	x0, read
2:	subs	x24, x24, #1
	b.eq	doorbell
3:	add	x10, x10, #1
	cmp	x10, x11
	b.lo	1b
	b	next_device
read:
	/* COUNT(stream): an exit, so the VMM first handles our writes to it. */
	ldr	x0, [x9, #RV_BENCH_SINK_COUNT(0)]
	cmp	x0, x10
	b.eq	2b
	str	x0, [x28, #RV_BENCH_SINK_ERROR]
	b	2b
doorbell:
	ldr	x24, P(DB_RELOAD)
	str	x10, [x28, #RV_BENCH_SINK_DOORBELL]
	b	3b

next_device:
	add	x26, x26, #RV_BENCH_P_DEV_SIZE
	cmp	x26, x27
	b.lo	device
	add	x25, x25, x22
	cmp	x25, x21
	b.ls	round

	/* Every device has handled all of this stream's writes. */
	add	x26, x19, #RV_BENCH_P_DEVICES
check:
	ldr	x28, [x26, #RV_BENCH_P_DEV_BASE]
	add	x9, x28, x20, lsl #3
	ldr	x0, [x9, #RV_BENCH_SINK_COUNT(0)]
	cmp	x0, x21
	b.eq	4f
	str	x0, [x28, #RV_BENCH_SINK_ERROR]
4:	add	x26, x26, #RV_BENCH_P_DEV_SIZE
	cmp	x26, x27
	b.lo	check

	/*
	 * MARK, then done: the MARK exit has been handled by the time the
	 * store below is made, so vCPU 0 powers off only after every MARK.
	 */
	bl	mark
	add	x0, x19, x20, lsl #3
	mov	x1, #1
	str	x1, [x0, #RV_BENCH_P_CPU_DONE]
	dsb	sy				/* the store is visible before the event */
	sev					/* wakes vCPU 0 from its wfe */
	cbnz	x20, spin
	mov	x0, #0
	ldr	x1, P(NR_CPUS)
5:	add	x2, x19, x0, lsl #3
	ldr	x2, [x2, #RV_BENCH_P_CPU_DONE]
	cbnz	x2, 6f
	wfe					/* a word once set stays set: */
	b	5b				/* recheck the same vCPU */
6:	add	x0, x0, #1
	cmp	x0, x1
	b.lo	5b
	/* PSCI 0.2 SYSTEM_OFF: KVM_EXIT_SYSTEM_EVENT, the VMM stops every vCPU. */
	ldr	x0, =RV_PSCI_0_2_SYSTEM_OFF
	hvc	#0
	/* Nothing runs after the power-off; if the call failed, wait anyway. */
spin:
	wfe
	b	spin

/* MARK on device 0: the VMM notes the time (an exit). Clobbers x0, x1. */
mark:
	ldr	x0, [x19, #RV_BENCH_P_DEVICES + RV_BENCH_P_DEV_BASE]
	mov	x1, #1
	str	x1, [x0, #RV_BENCH_SINK_MARK]
	ret
	.balign 8
	.ltorg
rv_arm64_bench_guest_end:

	.section .note.GNU-stack, "", @progbits
