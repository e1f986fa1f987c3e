/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Offset 0 of an x86 guest blob: every vCPU starts here (RDI = its index,
 * RSP = its stack) and calls the function the host chose (header.entry),
 * with the ABI's stack alignment; if it returns, the vCPU halts.
 */
#include "ucall.h"

	.section .rv_guest_start, "ax"
	.code64
	.globl	_start
_start:
	call	*rv_guest_entry(%rip)
1:	hlt
	jmp	1b
	RV_GUEST_HEADER

	.section .note.GNU-stack, "", @progbits
