/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Offset 0 of an arm64 guest blob: every vCPU starts here (x0 = its index,
 * SP = its stack, EL1, MMU off) and calls the function the host chose
 * (header.entry); if it returns, the vCPU waits forever.
 */
#include "ucall.h"

	.section .rv_guest_start, "ax"
	.globl	_start
_start:
	adr	x1, rv_guest_entry
	ldr	x1, [x1]
	blr	x1
1:	wfi
	b	1b
	RV_GUEST_HEADER

	.section .note.GNU-stack, "", %progbits
