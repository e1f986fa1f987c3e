/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sandbox ringvmm enters once the VM is set up, before the guest runs:
 * guest RAM out of core dumps, no_new_privs, every capability dropped, and
 * seccomp filters (libseccomp) that allow only the system calls (and KVM
 * and terminal ioctl requests) a running VMM makes. Once the guest runs,
 * everything it can reach (exit handling, device models, the console)
 * runs under the filters; opening files, sockets, exec, ptrace, new
 * memory with PROT_EXEC, KVM_CREATE_* are all gone.
 *
 * Three filters, stacked (the kernel runs every filter of a thread and the
 * strictest answer wins):
 *
 *   base  everything any ringvmm thread may do; installed by the main
 *         thread with SECCOMP_FILTER_FLAG_TSYNC, so threads created during
 *         setup (device drain threads) get it too, and inherited by the
 *         vCPU threads created after it
 *   loop  the main thread (event loop, teardown): base minus KVM_RUN and
 *         the vCPU-state ioctls
 *   vcpu  each vCPU thread, before its first KVM_RUN: base minus thread
 *         creation, memslot and ioeventfd changes, timers
 *
 * A denied call raises SIGSYS (SCMP_ACT_TRAP); the handler names the call
 * and the thread kind on stderr, puts the terminal back and re-raises
 * SIGSYS, so the process dies of it (a core, if enabled, without guest
 * RAM). How to add a system call a new device needs: see vmm/sandbox.c.
 */
#ifndef RV_SANDBOX_H
#define RV_SANDBOX_H

#include <stdbool.h>
#include <stdio.h>

struct rv_mem;

enum rv_sandbox_kind {
	RV_SANDBOX_BASE,
	RV_SANDBOX_LOOP,
	RV_SANDBOX_VCPU,
};

/*
 * The main thread, after setup and before any vCPU thread exists: guest
 * RAM (@mem, may be NULL) MADV_DONTDUMP, then with @seccomp:
 * PR_SET_NO_NEW_PRIVS, capabilities dropped (bounding set, ambient,
 * effective/permitted/inheritable), the base filter on every thread.
 * Without @seccomp, says loudly that the guest runs unconfined.
 */
int rv_sandbox_prepare(const struct rv_mem *mem, bool seccomp);

/*
 * Before rv_sandbox_prepare(): also allow the ioctl requests @reqs on the
 * loop (and base) filters. For arch code vmm/ cannot name: the snapshot's
 * KVM_GET_* (arch/arch.h, rv_arch_snap_ioctls). At most RV_SANDBOX_EXTRA
 * in all: 0 or -ENOSPC.
 */
#define RV_SANDBOX_EXTRA 32
int rv_sandbox_allow_ioctls(const unsigned long *reqs, unsigned int n);

/* Did rv_sandbox_prepare() install the filters (the base one is on)? */
bool rv_sandbox_active(void);

/* Stack the @kind filter on the calling thread. 0 or -errno with a message. */
int rv_sandbox_enter(enum rv_sandbox_kind kind);

/*
 * Can this host install the sandbox (seccomp filter mode, the TRAP action,
 * TSYNC)? @why: the reason when it cannot. For `ringvmm caps`.
 */
bool rv_sandbox_available(const char **why);

/*
 * Test hook: RINGVMM_SECCOMP_SELFTEST=vcpu|loop in the environment makes
 * that thread kind try a denied call (socket(2)) right after entering its
 * filter: the process must die of SIGSYS (tests/kvm/sandbox_test.sh).
 */
void rv_sandbox_selftest(enum rv_sandbox_kind kind);

/* Whether a sanitizer runtime (ASan, TSan) is linked in: see sandbox.c. */
bool rv_sandbox_sanitized(void);

#endif
