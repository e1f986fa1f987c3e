/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sandbox's filters built with libseccomp from the allow lists
 * (vmm/sandbox-table.h). Only the build uses this: the generator
 * (vmm/sandbox-gen.c) and the unit test that checks its output against
 * a filter built at run time (tests/unit/test_sandbox_bpf.c). ringvmm
 * itself loads the generated BPF and does not link libseccomp.
 */
#ifndef RV_SANDBOX_RULES_H
#define RV_SANDBOX_RULES_H

#include <linux/filter.h>
#include <stdint.h>

#include "sandbox-table.h"

/*
 * The @kind filter as classic BPF, for @arch (a libseccomp SCMP_ARCH_*
 * token; SCMP_ARCH_NATIVE: the machine this runs on, exactly what a
 * seccomp_init() context holds), allowing signals to process @pid only.
 * *@insns is malloc'd, *@len instructions long. 0 or -errno with a message.
 */
int rv_sandbox_rules_bpf(enum rv_sandbox_kind kind, uint32_t arch, uint32_t pid,
			 struct sock_filter **insns, unsigned int *len);

#endif
