/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's way back to the test: a ucall, after the KVM selftests' idea
 * (tools/testing/selftests/kvm, ucall_common.h). The guest fills a struct
 * rv_ucall in its own memory and writes the struct's guest-physical address
 * to the ucall register (lib/layout.h: a port on x86, an MMIO register on
 * arm64). That one access exits to the VMM, whose test device reads the
 * struct back through the bounds-checked GPA translation and logs it: the
 * test reads the log after the run.
 *
 * Also here: the header of a guest blob (lib/guest.ld), which both sides
 * read, and the symbol table through which the host finds a guest function
 * or a guest variable by name.
 */
#ifndef RV_TEST_UCALL_H
#define RV_TEST_UCALL_H

#define RV_GUEST_HEADER_OFFSET 32
#define RV_GUEST_MAGIC 0x31545345544b5652 /* "RVKTEST1" */

#ifdef __ASSEMBLER__
/*
 * The header (struct rv_guest_header), after the entry code of
 * lib/guest-start-<arch>.S, which must define _start and fit before it:
 * .org refuses to go backwards. The host fills in rv_guest_entry.
 */
/* clang-format off */
	.macro	RV_GUEST_HEADER
	.org	_start + RV_GUEST_HEADER_OFFSET
rv_guest_header:
	.quad	RV_GUEST_MAGIC
	.quad	RV_GUEST_LOAD
rv_guest_entry:
	.quad	0
	.quad	rv_guest_symbols_start, rv_guest_symbols_end
	.endm
/* clang-format on */
#else
#include <stdint.h>

enum rv_ucall_cmd {
	RV_UCALL_NONE,
	RV_UCALL_SYNC,	 /* a report: args[0] is the tag, then values */
	RV_UCALL_DONE,	 /* the guest reached its end (then powers off) */
	RV_UCALL_ASSERT, /* a guest assertion failed: file, line, expr, values */
	RV_UCALL_NR,
};

#define RV_UCALL_MAX_ARGS 4

struct rv_ucall {
	uint64_t cmd; /* enum rv_ucall_cmd */
	uint64_t line;
	uint64_t nr_args;
	uint64_t args[RV_UCALL_MAX_ARGS];
	char file[32]; /* the last part of __FILE__ that fits */
	char expr[96];
};

/*
 * A guest blob: linked at RV_TEST_LOAD_ADDR (lib/guest.ld), flat. Offset 0
 * is the entry every vCPU starts at (lib/guest-start-<arch>.S): it calls
 * the function at @entry with the vCPU index, and halts if it returns. The
 * header follows at RV_GUEST_HEADER_OFFSET; the host fills in @entry.
 */
struct rv_guest_header {
	uint64_t magic;
	uint64_t load_addr;
	uint64_t entry;
	uint64_t symbols_start, symbols_end; /* guest addresses */
};

/* One RV_GUEST_CODE() function or RV_GUEST_EXPORT() variable. */
struct rv_guest_symbol {
	char name[56];
	uint64_t addr;
};
#endif

#endif
