// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox (vmm/sandbox.h): seccomp filters, one per thread kind,
 * compiled at build time (vmm/sandbox-bpf.h) and loaded here, and the rest
 * of the lock-down (no_new_privs, no capabilities, guest RAM out of core
 * dumps).
 *
 * HOW TO EXTEND IT. A device or thread that needs a system call the
 * filters do not allow dies of SIGSYS at its first use, with a line
 * "ringvmm: seccomp: <kind> thread made denied system call N" (look N up
 * with `scmp_sys_resolver N`, libseccomp's tool). Then:
 *   1. add the call to rv_sandbox_calls[] (vmm/sandbox-table.c, the one
 *      list: the build generates the filters from it) with the kinds of
 *      thread that make it (RV_SB_ALL when any may: a device's handler
 *      runs on the vCPU thread that exited, its completions on the loop
 *      or a drain thread, which run the base filter), and say why in a
 *      comment;
 *   2. an ioctl: add its request number to rv_sandbox_ioctls[] instead
 *      (ioctl(2) itself is allowed only with a listed request);
 *   3. prefer a call that acts on an fd opened during setup to one that
 *      names a path: files, sockets, io_uring instances and timers are
 *      created before the sandbox, never after (openat, socket but
 *      AF_UNIX on control threads for virtio-vsock, io_uring_setup,
 *      timerfd_create stay denied);
 *   4. run tests/kvm/sandbox_test.sh and the boot tests of the device.
 * `--no-seccomp` runs without the filters (loudly), to tell a sandbox
 * denial from a bug.
 */
#include "sandbox.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/mem/translate.h"
#include "console.h"
#include "sandbox-bpf.h"
#include "util.h"

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
 * SIGSYS from SECCOMP_RET_TRAP, the filters' default action: say which
 * call, on which kind of thread, put the terminal back, and die of
 * SIGSYS. Async-signal-safe: write(2) and tcsetattr()
 * (rv_console_restore_all()) only.
 */
static void rv_sandbox_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	int kind = rv_sandbox_kind, n;

	(void)uc;
	n = snprintf(msg, sizeof(msg),
		     "\nringvmm: seccomp: %s thread made denied system call %d; "
		     "--no-seccomp runs without the sandbox\n",
		     kind >= 0 ? rv_sandbox_bpf[kind].name : "a", si->si_syscall);
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		n = 0;
	rv_console_restore_all();
	signal(sig, SIG_DFL);
	/* Pending until this handler returns, then fatal. */
	raise(sig);
}

/*
 * The placeholder must be at each recorded site, in the comparison, and
 * nowhere else: a filter patched anywhere else would let tgkill(2) reach
 * other processes, or deny it to ours. Refused, ringvmm does not start.
 */
int rv_sandbox_bpf_patch(const struct rv_sandbox_bpf *bpf, uint32_t pid, struct sock_filter *out)
{
	unsigned int found = 0, patched = 0;

	for (unsigned int i = 0; i < bpf->len; i++) {
		out[i] = bpf->insns[i];
		found += out[i].k == RV_SANDBOX_PID_PLACEHOLDER;
	}
	for (unsigned int s = 0; s < bpf->nr_pid && s < RV_SANDBOX_PID_SITES; s++) {
		struct sock_filter *insn = &out[bpf->pid_at[s] < bpf->len ? bpf->pid_at[s] : 0];

		if (insn->code != RV_SANDBOX_PID_CODE || insn->k != RV_SANDBOX_PID_PLACEHOLDER)
			break;
		insn->k = pid;
		patched++;
	}
	if (found != RV_SANDBOX_PID_SITES || patched != RV_SANDBOX_PID_SITES)
		return rv_err(-EPROTO,
			      "seccomp: the built-in %s filter holds the pid placeholder %u times, "
			      "%u at the recorded sites, not %u: a broken build (vmm/sandbox-gen.c)",
			      bpf->name, found, patched, RV_SANDBOX_PID_SITES);
	return 0;
}

int rv_sandbox_enter(enum rv_sandbox_kind kind)
{
	const struct rv_sandbox_bpf *bpf = &rv_sandbox_bpf[kind];
	/* Every thread of the process: ones created during setup included. */
	unsigned int flags = kind == RV_SANDBOX_BASE ? SECCOMP_FILTER_FLAG_TSYNC : 0;
	struct sock_filter insns[RV_SANDBOX_BPF_MAX];
	struct sock_fprog prog = { .len = (unsigned short)bpf->len, .filter = insns };
	long ret;

	if (bpf->len > RV_SANDBOX_BPF_MAX)
		return rv_err(-E2BIG, "seccomp: the built-in %s filter is %u instructions long",
			      bpf->name, bpf->len);
	ret = rv_sandbox_bpf_patch(bpf, (uint32_t)getpid(), insns);
	if (ret)
		return (int)ret;
	/*
	 * no_new_privs is set once, by rv_sandbox_prepare(); prctl stays
	 * denied. With TSYNC, a positive return is a thread that could not
	 * take the filter (it runs one that is not an ancestor of ours).
	 */
	ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (ret < 0)
		ret = rv_err(-errno, "seccomp: loading the %s filter: %s", bpf->name,
			     strerror(errno));
	else if (ret > 0)
		ret = rv_err(-EBUSY, "seccomp: TSYNC: thread %ld cannot take the %s filter", ret,
			     bpf->name);
	else
		rv_sandbox_kind = kind;
	return (int)ret;
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

/*
 * libseccomp's probe: the flag with no program fails with EFAULT once the
 * kernel knows the flag, with EINVAL before.
 */
static bool rv_sandbox_has_tsync(void)
{
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, NULL) < 0 &&
	       errno == EFAULT;
}

bool rv_sandbox_available(const char **why)
{
	const char *reason = NULL;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		reason = "the kernel has no seccomp (CONFIG_SECCOMP)";
	else if (!rv_sandbox_has_tsync())
		reason = "the kernel lacks seccomp filter thread sync (TSYNC)";
	else if (rv_sandbox_sanitized())
		reason = "this ringvmm is built with a sanitizer, which runs without filters";
	if (why)
		*why = reason;
	return !reason;
}

void rv_sandbox_selftest(enum rv_sandbox_kind kind)
{
	const char *want = getenv("RINGVMM_SECCOMP_SELFTEST");

	if (!want || strcmp(want, rv_sandbox_bpf[kind].name) || rv_sandbox_kind < 0)
		return;
	/* Denied everywhere (only AF_UNIX is allowed, on control threads): must not return. */
	socket(AF_INET, SOCK_STREAM, 0);
	fprintf(stderr,
		"ringvmm: seccomp self-test: socket(AF_INET) was not refused on the %s thread\n",
		rv_sandbox_bpf[kind].name);
	_exit(3);
}
