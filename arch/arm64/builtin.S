/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The built-in arm64 guest, run when no --kernel is given: it prints a
 * banner on the MMIO 16550A the way a polite driver does (wait for THRE in
 * LSR before each byte) and powers the machine off with PSCI SYSTEM_OFF
 * through HVC, the call Linux makes (KVM answers it with
 * KVM_EXIT_SYSTEM_EVENT / KVM_SYSTEM_EVENT_SHUTDOWN).
 *
 * Entered at EL1h with the MMU off, DAIF masked, x0 = vCPU index, x1 = the
 * device tree. Position-independent (adr and a literal pool inside the
 * blob): ringvmm copies these bytes into guest RAM. With the MMU off, data
 * accesses are Device-nGnRnE, so the UART's registers need no mapping, and
 * single-register loads and stores give KVM a valid syndrome (ESR.ISV) to
 * emulate them with.
 */
#include "layout.h"

#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE_BIT 5

	.section .rodata
	.balign 8
	.globl rv_arm64_builtin_guest_start
	.globl rv_arm64_builtin_guest_end
rv_arm64_builtin_guest_start:
	adr	x1, banner
	ldr	x2, =RV_ARM64_UART_ADDR
next_char:
	ldrb	w3, [x1], #1
	cbz	w3, power_off
wait_thre:
	ldrb	w4, [x2, #UART_LSR]
	tbz	w4, #LSR_THRE_BIT, wait_thre
	strb	w3, [x2, #UART_THR]
	b	next_char
power_off:
	ldr	x0, =RV_PSCI_0_2_SYSTEM_OFF
	hvc	#0
	/* Only reached if the call failed: keep asking. */
	b	power_off
banner:
	.asciz	"ringvmm built-in guest: hello from arm64 EL1, powering off\r\n"
	.balign 8
	.ltorg
rv_arm64_builtin_guest_end:

	.section .note.GNU-stack, "", @progbits
