// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox (vmm/sandbox.h): seccomp filters built with libseccomp, one
 * per thread kind, and the rest of the lock-down (no_new_privs, no
 * capabilities, guest RAM out of core dumps).
 *
 * HOW TO EXTEND IT. A device or thread that needs a system call the
 * filters do not allow dies of SIGSYS at its first use, with a line
 * "ringvmm: seccomp: <kind> thread made denied system call N" (look N up
 * with `scmp_sys_resolver N`, libseccomp's tool). Then:
 *   1. add the call to rv_sandbox_calls[] with the kinds of thread that
 *      make it (RV_SB_ALL when any may: a device's handler runs on the
 *      vCPU thread that exited, its completions on the loop or a drain
 *      thread, which run the base filter), and say why in a comment;
 *   2. an ioctl: add its request number to rv_sandbox_ioctls[] instead
 *      (ioctl(2) itself is allowed only with a listed request);
 *   3. prefer a call that acts on an fd opened during setup to one that
 *      names a path: files, sockets, io_uring instances and timers are
 *      created before the sandbox, never after (openat, socket,
 *      io_uring_setup, timerfd_create stay denied);
 *   4. run tests/kvm/sandbox_test.sh and the boot tests of the device.
 * `--no-seccomp` runs without the filters (loudly), to tell a sandbox
 * denial from a bug.
 */
#include "sandbox.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/kvm.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/mem/translate.h"
#include "compat.h"
#include "console.h"
#include "util.h"

#define RV_SB_BASE (1u << RV_SANDBOX_BASE)
#define RV_SB_LOOP (1u << RV_SANDBOX_LOOP)
#define RV_SB_VCPU (1u << RV_SANDBOX_VCPU)
#define RV_SB_ALL (RV_SB_BASE | RV_SB_LOOP | RV_SB_VCPU)
/* The main thread and threads created during setup, not vCPUs. */
#define RV_SB_CTRL (RV_SB_BASE | RV_SB_LOOP)

struct rv_sandbox_call {
	const char *name; /* resolved per arch: "poll" does not exist on arm64 */
	unsigned int kinds;
};

/*
 * System calls allowed without argument checks. mmap, mprotect, clone,
 * tgkill, prctl and ioctl are allowed only with the arguments checked in
 * rv_sandbox_build(), and are not listed here.
 */
static const struct rv_sandbox_call rv_sandbox_calls[] = {
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
	/* io_uring on rings set up before the sandbox (loop, block I/O). */
	{ "io_uring_enter", RV_SB_ALL },
	{ "io_uring_register", RV_SB_ALL },
	/*
	 * The control socket (vmm/api/server.c), on the loop thread: its
	 * listening socket is bound before the sandbox; connections are
	 * accepted, checked (SO_PEERCRED), read, answered and shut down.
	 * A snapshot writes to files the client opened and passed.
	 */
	{ "accept4", RV_SB_CTRL },
	{ "getsockopt", RV_SB_CTRL },
	{ "geteuid", RV_SB_CTRL },
	{ "recvmsg", RV_SB_CTRL }, /* with SCM_RIGHTS: a snapshot's files */
	{ "sendto", RV_SB_CTRL },
	{ "shutdown", RV_SB_CTRL },
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

/* ioctl(2) requests, by thread kind: everything else is denied. */
struct rv_sandbox_ioctl {
	unsigned long req;
	unsigned int kinds;
};

static const struct rv_sandbox_ioctl rv_sandbox_ioctls[] = {
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
};

/* rv_sandbox_allow_ioctls(): the loop's, on top of the table. */
static unsigned long rv_sandbox_extra[RV_SANDBOX_EXTRA];
static unsigned int rv_sandbox_nr_extra;

int rv_sandbox_allow_ioctls(const unsigned long *reqs, unsigned int n)
{
	if (n > RV_SANDBOX_EXTRA - rv_sandbox_nr_extra)
		return rv_err(-ENOSPC, "seccomp: more than %d extra ioctls", RV_SANDBOX_EXTRA);
	memcpy(rv_sandbox_extra + rv_sandbox_nr_extra, reqs, n * sizeof(*reqs));
	rv_sandbox_nr_extra += n;
	return 0;
}

static const char *const rv_sandbox_names[] = {
	[RV_SANDBOX_BASE] = "base",
	[RV_SANDBOX_LOOP] = "loop",
	[RV_SANDBOX_VCPU] = "vcpu",
};

/* The kind of filter the calling thread entered last, for the SIGSYS line. */
static __thread int rv_sandbox_kind = -1;
/* The base filter is on: every thread runs under it. */
static bool rv_sandbox_on;

bool rv_sandbox_active(void)
{
	return rv_sandbox_on;
}

bool rv_sandbox_sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

/*
 * SIGSYS from SCMP_ACT_TRAP: say which call, on which kind of thread, put
 * the terminal back, and die of SIGSYS. Async-signal-safe: write(2) and
 * tcsetattr() (rv_console_restore_all()) only.
 */
static void rv_sandbox_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	int kind = rv_sandbox_kind, n;

	(void)uc;
	n = snprintf(msg, sizeof(msg),
		     "\nringvmm: seccomp: %s thread made denied system call %d; "
		     "--no-seccomp runs without the sandbox\n",
		     kind >= 0 ? rv_sandbox_names[kind] : "a", si->si_syscall);
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		n = 0;
	rv_console_restore_all();
	signal(sig, SIG_DFL);
	/* Pending until this handler returns, then fatal. */
	raise(sig);
}

static int rv_sandbox_rule(scmp_filter_ctx ctx, int nr, unsigned int n,
			   const struct scmp_arg_cmp *cmp)
{
	int ret = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);

	if (ret)
		return rv_err(ret, "seccomp: a rule for system call %d: %s", nr, strerror(-ret));
	return 0;
}

/* The rules with argument checks, for the kinds that have them. */
static int rv_sandbox_arg_rules(scmp_filter_ctx ctx, enum rv_sandbox_kind kind)
{
	/* No new executable memory: a guest that gets code into ringvmm cannot map it. */
	const struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	/* Signals only to our own threads (pthread_kill, raise). */
	const struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid());
	/* prctl: only a thread naming itself (pthread_setname_np, "vcpu0"). */
	const struct scmp_arg_cmp name = SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME);
	/* Threads only, never a new process (LSan, posix_spawn, fork). */
	const struct scmp_arg_cmp thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	int ret;

	ret = rv_sandbox_rule(ctx, SCMP_SYS(mmap), 1, &noexec);
	if (!ret)
		ret = rv_sandbox_rule(ctx, SCMP_SYS(mprotect), 1, &noexec);
	if (!ret)
		ret = rv_sandbox_rule(ctx, SCMP_SYS(tgkill), 1, &self);
	if (!ret)
		ret = rv_sandbox_rule(ctx, SCMP_SYS(prctl), 1, &name);
	if (ret || kind == RV_SANDBOX_VCPU)
		return ret;
	ret = rv_sandbox_rule(ctx, SCMP_SYS(clone), 1, &thread);
	/* clone3's flags are in memory seccomp cannot read: glibc falls back to clone. */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return ret;
}

static int rv_sandbox_build(scmp_filter_ctx ctx, enum rv_sandbox_kind kind)
{
	unsigned int bit = 1u << kind;
	int ret;

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(rv_sandbox_calls); i++) {
		int nr = seccomp_syscall_resolve_name(rv_sandbox_calls[i].name);

		/* Not a system call on this arch (poll, epoll_wait on arm64). */
		if (nr < 0 || !(rv_sandbox_calls[i].kinds & bit))
			continue;
		ret = rv_sandbox_rule(ctx, nr, 0, NULL);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < RV_ARRAY_SIZE(rv_sandbox_ioctls); i++) {
		/* The kernel takes the request as an unsigned int: compare 32 bits. */
		const struct scmp_arg_cmp req = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
							rv_sandbox_ioctls[i].req & 0xffffffffu);

		if (!(rv_sandbox_ioctls[i].kinds & bit))
			continue;
		ret = rv_sandbox_rule(ctx, SCMP_SYS(ioctl), 1, &req);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < rv_sandbox_nr_extra && (bit & RV_SB_CTRL); i++) {
		const struct scmp_arg_cmp req =
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, rv_sandbox_extra[i] & 0xffffffffu);

		ret = rv_sandbox_rule(ctx, SCMP_SYS(ioctl), 1, &req);
		if (ret)
			return ret;
	}
	return rv_sandbox_arg_rules(ctx, kind);
}

int rv_sandbox_enter(enum rv_sandbox_kind kind)
{
	scmp_filter_ctx ctx;
	int ret;

	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return rv_err(-ENOMEM, "seccomp: cannot start a filter");
	/* Every thread of the process: ones created during setup included. */
	if (kind == RV_SANDBOX_BASE) {
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
		if (ret) {
			rv_err(ret, "seccomp: TSYNC: %s", strerror(-ret));
			goto out;
		}
	}
	/* no_new_privs is set once, by rv_sandbox_prepare(); prctl stays denied. */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (ret) {
		rv_err(ret, "seccomp: NNP attribute: %s", strerror(-ret));
		goto out;
	}
	ret = rv_sandbox_build(ctx, kind);
	if (ret)
		goto out;
	ret = seccomp_load(ctx);
	if (ret)
		rv_err(ret, "seccomp: loading the %s filter: %s", rv_sandbox_names[kind],
		       strerror(-ret));
	else
		rv_sandbox_kind = kind;
out:
	seccomp_release(ctx);
	return ret;
}

/*
 * Nothing a running VMM does needs a capability: /dev/kvm, the images and
 * the console are open fds by now. Bounding and ambient sets first (they
 * need CAP_SETPCAP, which goes last), then the thread's own sets; threads
 * created from here on inherit none.
 */
static int rv_sandbox_drop_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL && errno != EPERM)
			return rv_err(-errno, "dropping capability %d: %s", cap, strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return rv_err(-errno, "clearing ambient capabilities: %s", strerror(errno));
	if (syscall(SYS_capset, &hdr, data))
		return rv_err(-errno, "capset: %s", strerror(errno));
	return 0;
}

/* Guest memory is the guest's: a crash dump of ringvmm must not hold it. */
static void rv_sandbox_dontdump(const struct rv_mem *mem)
{
	for (unsigned int i = 0; mem && i < mem->nr; i++) {
		const struct rv_mem_region *r = &mem->regions[i];

		if (r->host && madvise(r->host, r->size, MADV_DONTDUMP))
			rv_warn("%s: MADV_DONTDUMP: %s", r->name ? r->name : "guest memory",
				strerror(errno));
	}
}

int rv_sandbox_prepare(const struct rv_mem *mem, bool seccomp)
{
	struct sigaction sa = { .sa_sigaction = rv_sandbox_sigsys, .sa_flags = SA_SIGINFO };
	int ret;

	rv_sandbox_dontdump(mem);
	if (!seccomp) {
		rv_warn("--no-seccomp: the guest runs WITHOUT the sandbox (no seccomp filter, "
			"capabilities kept): for debugging only");
		return 0;
	}
	/*
	 * A sanitizer's runtime makes calls of its own at any time (LSan's
	 * leak check forks a tracer at exit): the sanitizer builds test the
	 * code, the normal build tests the sandbox (tests/kvm/sandbox_test.sh).
	 */
	if (rv_sandbox_sanitized()) {
		rv_debug("sandbox: built with a sanitizer: no seccomp filters");
		return 0;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return rv_err(-errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	ret = rv_sandbox_drop_caps();
	if (ret)
		return ret;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		return rv_err(-errno, "sigaction(SIGSYS): %s", strerror(errno));
	ret = rv_sandbox_enter(RV_SANDBOX_BASE);
	if (ret)
		return ret;
	rv_sandbox_on = true;
	rv_debug("sandbox: no_new_privs, no capabilities, seccomp base filter on every thread");
	return 0;
}

bool rv_sandbox_available(const char **why)
{
	const char *reason = NULL;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		reason = "the kernel has no seccomp (CONFIG_SECCOMP)";
	else if (seccomp_api_get() < 2)
		reason = "libseccomp or the kernel lacks filter thread sync (TSYNC)";
	else if (rv_sandbox_sanitized())
		reason = "this ringvmm is built with a sanitizer, which runs without filters";
	if (why)
		*why = reason;
	return !reason;
}

void rv_sandbox_selftest(enum rv_sandbox_kind kind)
{
	const char *want = getenv("RINGVMM_SECCOMP_SELFTEST");

	if (!want || strcmp(want, rv_sandbox_names[kind]) || rv_sandbox_kind < 0)
		return;
	/* Denied everywhere: this must not return. */
	socket(AF_UNIX, SOCK_STREAM, 0);
	fprintf(stderr, "ringvmm: seccomp self-test: socket() was not refused on the %s thread\n",
		rv_sandbox_names[kind]);
	_exit(3);
}
