/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sandbox's allow lists (vmm/sandbox-table.c): which system calls and
 * ioctl requests each kind of thread may make. The one source of the
 * seccomp filters: vmm/sandbox-gen.c turns them into BPF at build time
 * (vmm/sandbox-rules.c), ringvmm loads that BPF (vmm/sandbox.c).
 *
 * Nothing here includes a libc header: the build runs the table through
 * the target's preprocessor (its <linux/kvm.h>, whose ioctl numbers hold
 * the size of arch structs such as struct kvm_regs) and compiles the result
 * into the generator, which runs on the build machine.
 */
#ifndef RV_SANDBOX_TABLE_H
#define RV_SANDBOX_TABLE_H

enum rv_sandbox_kind {
	RV_SANDBOX_BASE,
	RV_SANDBOX_LOOP,
	RV_SANDBOX_VCPU,
	RV_SANDBOX_KINDS,
};

#define RV_SB_BASE (1u << RV_SANDBOX_BASE)
#define RV_SB_LOOP (1u << RV_SANDBOX_LOOP)
#define RV_SB_VCPU (1u << RV_SANDBOX_VCPU)
#define RV_SB_ALL (RV_SB_BASE | RV_SB_LOOP | RV_SB_VCPU)
/* The main thread and threads created during setup, not vCPUs. */
#define RV_SB_CTRL (RV_SB_BASE | RV_SB_LOOP)

/*
 * The fd a keeper's VMM child talks to its keeper on (vmm/snapshot/keeper.h):
 * a fixed number, so that the filters allow sendmsg(2) on it alone.
 */
#define RV_SANDBOX_KEEPER_FD 64

struct rv_sandbox_call {
	const char *name; /* resolved per arch: "poll" does not exist on arm64 */
	unsigned int kinds;
};

/* ioctl(2) requests, by thread kind: everything else is denied. */
struct rv_sandbox_ioctl {
	unsigned long req;
	unsigned int kinds;
};

extern const struct rv_sandbox_call rv_sandbox_calls[];
extern const unsigned int rv_sandbox_nr_calls;
extern const struct rv_sandbox_ioctl rv_sandbox_ioctls[];
extern const unsigned int rv_sandbox_nr_ioctls;
extern const char *const rv_sandbox_names[RV_SANDBOX_KINDS];

#endif
