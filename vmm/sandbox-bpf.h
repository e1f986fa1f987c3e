/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sandbox's seccomp filters as BPF, compiled at build time: the build
 * runs vmm/sandbox-gen.c, which builds each filter from the allow lists
 * (vmm/sandbox-table.h) with libseccomp for the target arch and writes
 * them out as C (sandbox-bpf.c in the build directory). At run time
 * ringvmm only loads them (vmm/sandbox.c), as Firecracker does with the
 * BPF of its seccompiler: building a filter with libseccomp costs a few
 * hundred microseconds of rule sorting and code generation, on every VM
 * start and every vCPU thread.
 *
 * THE PID. The one value a filter holds that is known only at run time is
 * the process id that tgkill(2) may signal (our own threads only). The
 * generator builds with RV_SANDBOX_PID_PLACEHOLDER as that pid and
 * records where it lands; the load puts getpid() there. Patching was
 * chosen over emitting the tgkill check by hand because the filters stay
 * exactly what libseccomp builds: a unit test compares the patched program
 * with one libseccomp builds at run time for the same pid, instruction by
 * instruction (tests/unit/test_sandbox_bpf.c). Both sides check the patch:
 * the generator that the placeholder is the one operand that changes with
 * the pid, in exactly RV_SANDBOX_PID_SITES jump instructions;
 * rv_sandbox_bpf_patch() that it finds it there and nowhere else, else
 * ringvmm refuses to start.
 */
#ifndef RV_SANDBOX_BPF_H
#define RV_SANDBOX_BPF_H

#include <linux/filter.h>
#include <stdint.h>

#include "sandbox-table.h"

/*
 * Above any pid (PID_MAX_LIMIT is 4194304) and below 2^31, as a pid is:
 * libseccomp compares the upper 32 bits of the argument with 0 either way.
 */
#define RV_SANDBOX_PID_PLACEHOLDER 0x5bd1d000u
/* tgkill's first argument, compared once (lower 32 bits) in each filter. */
#define RV_SANDBOX_PID_SITES 1
/* The instruction that compares it: jump if A == K. */
#define RV_SANDBOX_PID_CODE (BPF_JMP | BPF_JEQ | BPF_K)

/*
 * The longest filter: it is patched in a copy on the stack, nothing to
 * allocate on a vCPU thread. The generator fails the build when a filter
 * outgrows it (115 instructions is the longest now).
 */
#define RV_SANDBOX_BPF_MAX 512

struct rv_sandbox_bpf {
	const char *name; /* rv_sandbox_names[] */
	const struct sock_filter *insns;
	unsigned int len;
	unsigned int nr_pid;
	unsigned int pid_at[RV_SANDBOX_PID_SITES]; /* where the placeholder is */
};

/* Generated (vmm/sandbox-gen.c), one per kind. */
extern const struct rv_sandbox_bpf rv_sandbox_bpf[RV_SANDBOX_KINDS];
/* The version of the build machine's libseccomp that built them ("2.5.4"). */
extern const char rv_sandbox_bpf_libseccomp[];

/*
 * @bpf's program into @out (@bpf->len instructions) with @pid in place of
 * the placeholder. -EPROTO with a message when the placeholder is not
 * exactly at the recorded sites.
 */
int rv_sandbox_bpf_patch(const struct rv_sandbox_bpf *bpf, uint32_t pid, struct sock_filter *out);

#endif
