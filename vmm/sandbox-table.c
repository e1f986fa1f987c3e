// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox's allow lists (vmm/sandbox-table.h): the one place a system
 * call or ioctl request is allowed. How to extend them: see vmm/sandbox.c.
 *
 * Kernel uapi headers only (no libc): see sandbox-table.h.
 */
#include "sandbox-table.h"

#include <asm/ioctls.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>

#include "compat.h"

/*
 * System calls allowed without argument checks. mmap, mprotect, clone,
 * tgkill, prctl and ioctl are allowed only with the arguments checked in
 * vmm/sandbox-rules.c, and are not listed here.
 */
const struct rv_sandbox_call rv_sandbox_calls[] = {
	/* I/O on fds opened during setup: console, eventfds, images, disks. */
	{ "read", RV_SB_ALL },
	{ "write", RV_SB_ALL },
	{ "readv", RV_SB_ALL },
	{ "writev", RV_SB_ALL },
	{ "pread64", RV_SB_ALL },
	{ "pwrite64", RV_SB_ALL },
	{ "preadv", RV_SB_ALL },
	{ "pwritev", RV_SB_ALL },
	{ "preadv2", RV_SB_ALL },
	{ "pwritev2", RV_SB_ALL },
	{ "lseek", RV_SB_ALL },
	{ "close", RV_SB_ALL },
	{ "fstat", RV_SB_ALL },
	{ "newfstatat", RV_SB_ALL }, /* glibc's fstat() (AT_EMPTY_PATH) */
	{ "statx", RV_SB_ALL },
	{ "fcntl", RV_SB_ALL },
	/* Block devices (virtio-blk): flushes, discard/write-zeroes. */
	{ "fsync", RV_SB_ALL },
	{ "fdatasync", RV_SB_ALL },
	{ "sync_file_range", RV_SB_ALL },
	{ "fallocate", RV_SB_ALL },
	/*
	 * A live update's state memfd, made during setup, emptied before each
	 * save (vmm/snapshot/update.c). Guest RAM's memfds are sealed
	 * against it (F_SEAL_SHRINK).
	 */
	{ "ftruncate", RV_SB_CTRL },
	/*
	 * The control socket (vmm/api/server.c), on the loop thread: its
	 * listening socket is bound before the sandbox; connections are
	 * accepted (accept4 above), checked (SO_PEERCRED), read, answered and
	 * shut down. A snapshot writes to files the client opened and passed.
	 */
	{ "getsockopt", RV_SB_CTRL },
	{ "geteuid", RV_SB_CTRL },
	{ "recvmsg", RV_SB_CTRL }, /* with SCM_RIGHTS: a snapshot's files */
	/*
	 * virtio-vsock's UNIX side (devices/vsock-host.c), on the loop thread:
	 * accepting host clients on the listener made during setup, and a
	 * guest connection's connect() to PATH_<port> (socket() itself is
	 * allowed for AF_UNIX only: vmm/sandbox-rules.c).
	 */
	{ "accept4", RV_SB_CTRL },
	{ "connect", RV_SB_CTRL },
	{ "sendto", RV_SB_CTRL },
	{ "recvfrom", RV_SB_CTRL },
	{ "shutdown", RV_SB_CTRL },
	/* io_uring on rings set up before the sandbox (loop, block I/O). */
	{ "io_uring_enter", RV_SB_ALL },
	{ "io_uring_register", RV_SB_ALL },
	/* Waiting and waking: the event loop, drain threads, locks. */
	{ "poll", RV_SB_ALL },
	{ "ppoll", RV_SB_ALL },
	{ "epoll_wait", RV_SB_ALL },
	{ "epoll_pwait", RV_SB_ALL },
	{ "epoll_pwait2", RV_SB_ALL },
	{ "epoll_ctl", RV_SB_ALL },
	{ "futex", RV_SB_ALL },
	{ "futex_waitv", RV_SB_ALL },
	{ "eventfd2", RV_SB_CTRL },
	{ "timerfd_settime", RV_SB_CTRL }, /* the coalescing drain timer */
	{ "timerfd_gettime", RV_SB_CTRL },
	{ "nanosleep", RV_SB_ALL },
	{ "clock_nanosleep", RV_SB_ALL },
	{ "clock_gettime", RV_SB_ALL }, /* the vDSO's fallback */
	{ "gettimeofday", RV_SB_ALL },
	{ "sched_yield", RV_SB_ALL },
	{ "restart_syscall", RV_SB_ALL },
	/* Memory: malloc (brk, munmap, madvise), thread stacks. */
	{ "brk", RV_SB_ALL },
	{ "munmap", RV_SB_ALL },
	{ "mremap", RV_SB_ALL },
	{ "madvise", RV_SB_ALL },
	/* Signals: the vCPU kick, SIGSYS and fatal handlers, abort(). */
	{ "rt_sigreturn", RV_SB_ALL },
	{ "rt_sigprocmask", RV_SB_ALL },
	{ "rt_sigaction", RV_SB_ALL },
	{ "sigaltstack", RV_SB_ALL },
	{ "getpid", RV_SB_ALL },
	{ "gettid", RV_SB_ALL },
	{ "getrandom", RV_SB_ALL }, /* virtio-rng, and glibc's malloc */
	/* Threads: created by control threads only; any thread may end. */
	{ "set_robust_list", RV_SB_CTRL },
	{ "rseq", RV_SB_CTRL },
	{ "membarrier", RV_SB_ALL },
	/* Stacking the loop and vCPU filters under the base one: only narrows. */
	{ "seccomp", RV_SB_BASE },
	{ "exit", RV_SB_ALL },
	{ "exit_group", RV_SB_ALL },
};
const unsigned int rv_sandbox_nr_calls = sizeof(rv_sandbox_calls) / sizeof(rv_sandbox_calls[0]);

const struct rv_sandbox_ioctl rv_sandbox_ioctls[] = {
	/* The vCPU loop, and the dump after a guest death (rv_arch_vcpu_dump). */
	{ KVM_RUN, RV_SB_BASE | RV_SB_VCPU },
	{ KVM_GET_REGS, RV_SB_BASE | RV_SB_VCPU },
	{ KVM_GET_SREGS, RV_SB_BASE | RV_SB_VCPU },
	{ KVM_TRANSLATE, RV_SB_BASE | RV_SB_VCPU },
	{ KVM_GET_ONE_REG, RV_SB_BASE | RV_SB_VCPU },
	/* Device interrupts, raised from whichever thread handles the device. */
	{ KVM_IRQ_LINE, RV_SB_ALL },
	{ KVM_IRQFD, RV_SB_CTRL },
	{ KVM_SIGNAL_MSI, RV_SB_ALL },
	/* Teardown on the main thread: memslots and zones deleted. */
	{ KVM_SET_USER_MEMORY_REGION, RV_SB_CTRL },
	{ KVM_SET_USER_MEMORY_REGION2, RV_SB_CTRL },
	{ KVM_UNREGISTER_COALESCED_MMIO, RV_SB_CTRL },
	{ KVM_IOEVENTFD, RV_SB_CTRL },
	{ KVM_CHECK_EXTENSION, RV_SB_ALL },
	/* The console: raw mode put back (atexit, fatal signals), its size. */
	{ TCGETS, RV_SB_ALL },
	{ TCSETS, RV_SB_ALL },
	{ TCSETSW, RV_SB_ALL },
	{ TCSETSF, RV_SB_ALL },
	{ TIOCGWINSZ, RV_SB_ALL },
	{ FIONREAD, RV_SB_ALL },
	/*
	 * virtio-net on a tap: the receive offloads follow what the guest's
	 * driver negotiated, known only once it runs (its queue work runs on
	 * the loop thread, or inline on a vCPU without a loop).
	 */
	{ TUNSETOFFLOAD, RV_SB_ALL },
	/*
	 * ... and its queue pairs (VIRTIO_NET_F_MQ) are attached and detached
	 * as the driver enables them (a control queue command on the loop
	 * thread; a reset on a vCPU).
	 */
	{ TUNSETQUEUE, RV_SB_ALL },
#ifdef __x86_64__
	/*
	 * A snapshot (ctl SOCKET snapshot DIR), saved by the loop thread with
	 * every vCPU parked: reads of what KVM holds (arch/x86/snapshot.c).
	 * KVM_GET_REGS and KVM_GET_SREGS are listed above for the other kinds.
	 */
	{ KVM_GET_REGS, RV_SB_LOOP },
	{ KVM_GET_SREGS, RV_SB_LOOP },
	{ KVM_GET_SREGS2, RV_SB_CTRL },
	{ KVM_GET_XSAVE, RV_SB_CTRL },
	{ KVM_GET_XSAVE2, RV_SB_CTRL },
	{ KVM_GET_XCRS, RV_SB_CTRL },
	{ KVM_GET_DEBUGREGS, RV_SB_CTRL },
	{ KVM_GET_MSR_INDEX_LIST, RV_SB_CTRL },
	{ KVM_GET_MSRS, RV_SB_CTRL },
	{ KVM_GET_LAPIC, RV_SB_CTRL },
	{ KVM_GET_VCPU_EVENTS, RV_SB_CTRL },
	{ KVM_GET_MP_STATE, RV_SB_CTRL },
	{ KVM_GET_TSC_KHZ, RV_SB_CTRL },
	{ KVM_GET_CLOCK, RV_SB_CTRL },
	{ KVM_GET_IRQCHIP, RV_SB_CTRL },
	{ KVM_GET_PIT2, RV_SB_CTRL },
#endif
#ifdef __aarch64__
	/* The same on arm64 (arch/arm64/snapshot.c, gic-state.c). */
	{ KVM_GET_REG_LIST, RV_SB_CTRL },
	{ KVM_GET_ONE_REG, RV_SB_LOOP },
	{ KVM_GET_MP_STATE, RV_SB_CTRL },
	{ KVM_GET_DEVICE_ATTR, RV_SB_CTRL },
#endif
};
const unsigned int rv_sandbox_nr_ioctls = sizeof(rv_sandbox_ioctls) / sizeof(rv_sandbox_ioctls[0]);

const char *const rv_sandbox_names[RV_SANDBOX_KINDS] = {
	[RV_SANDBOX_BASE] = "base",
	[RV_SANDBOX_LOOP] = "loop",
	[RV_SANDBOX_VCPU] = "vcpu",
};
