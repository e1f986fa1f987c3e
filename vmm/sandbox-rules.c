// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox's filters built with libseccomp (vmm/sandbox-rules.h): every
 * call of rv_sandbox_calls[] and request of rv_sandbox_ioctls[] that the
 * kind makes, and the calls allowed only with checked arguments.
 *
 * Built for a target arch on another machine (the arm64 cross build), a
 * filter names its system calls by name: a call the target lacks (poll,
 * epoll_wait on arm64) is left out, and a rule takes the build machine's
 * number for the name, which libseccomp translates to each arch of the
 * filter by name (seccomp_rule_add(3)).
 */
#include "sandbox-rules.h"

#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/*
 * @name's number for rules of a filter for @arch: the build machine's
 * number, or -ENOENT when @arch has no such call.
 */
static int rv_sandbox_rules_nr(uint32_t arch, const char *name)
{
	int nr;

	if (seccomp_syscall_resolve_name_arch(arch, name) < 0)
		return -ENOENT;
	nr = seccomp_syscall_resolve_name(name);
	if (nr < 0)
		return rv_err(-ENOSYS, "seccomp: %s is not a system call of the build machine",
			      name);
	return nr;
}

static int rv_sandbox_rules_add(scmp_filter_ctx ctx, uint32_t action, uint32_t arch,
				const char *name, unsigned int n, const struct scmp_arg_cmp *cmp)
{
	int nr = rv_sandbox_rules_nr(arch, name), ret;

	if (nr == -ENOENT)
		return rv_err(nr, "seccomp: no system call %s on this arch", name);
	if (nr < 0)
		return nr;
	ret = seccomp_rule_add_array(ctx, action, nr, n, cmp);
	if (ret)
		return rv_err(ret, "seccomp: a rule for %s: %s", name, strerror(-ret));
	return 0;
}

/* The rules with argument checks, for the kinds that have them. */
static int rv_sandbox_rules_args(scmp_filter_ctx ctx, uint32_t arch, enum rv_sandbox_kind kind,
				 uint32_t pid)
{
	/* No new executable memory: a guest that gets code into ringvmm cannot map it. */
	const struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	/* Signals only to our own threads (pthread_kill, raise). */
	const struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid);
	/* prctl: only a thread naming itself (pthread_setname_np, "vcpu0"). */
	const struct scmp_arg_cmp name = SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME);
	/* Threads only, never a new process (LSan, posix_spawn, fork). */
	const struct scmp_arg_cmp thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	/* UNIX sockets only (virtio-vsock's guest connections): no network. */
	const struct scmp_arg_cmp unix_only = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
	/*
	 * fds passed (SCM_RIGHTS) to the keeper alone, for a live update
	 * (vmm/snapshot/keeper.h): to no control client or vsock peer.
	 */
	const struct scmp_arg_cmp keeper = SCMP_A0(SCMP_CMP_EQ, RV_SANDBOX_KEEPER_FD);
	const uint32_t allow = SCMP_ACT_ALLOW;
	int ret;

	ret = rv_sandbox_rules_add(ctx, allow, arch, "mmap", 1, &noexec);
	if (!ret)
		ret = rv_sandbox_rules_add(ctx, allow, arch, "mprotect", 1, &noexec);
	if (!ret)
		ret = rv_sandbox_rules_add(ctx, allow, arch, "tgkill", 1, &self);
	if (!ret)
		ret = rv_sandbox_rules_add(ctx, allow, arch, "prctl", 1, &name);
	if (ret || kind == RV_SANDBOX_VCPU)
		return ret;
	ret = rv_sandbox_rules_add(ctx, allow, arch, "clone", 1, &thread);
	if (!ret)
		ret = rv_sandbox_rules_add(ctx, allow, arch, "socket", 1, &unix_only);
	if (!ret)
		ret = rv_sandbox_rules_add(ctx, allow, arch, "sendmsg", 1, &keeper);
	/* clone3's flags are in memory seccomp cannot read: glibc falls back to clone. */
	if (!ret)
		ret = rv_sandbox_rules_add(ctx, SCMP_ACT_ERRNO(ENOSYS), arch, "clone3", 0, NULL);
	return ret;
}

static int rv_sandbox_rules_build(scmp_filter_ctx ctx, uint32_t arch, enum rv_sandbox_kind kind,
				  uint32_t pid)
{
	unsigned int bit = 1u << kind;
	int ret;

	for (unsigned int i = 0; i < rv_sandbox_nr_calls; i++) {
		int nr = rv_sandbox_rules_nr(arch, rv_sandbox_calls[i].name);

		/* Not a system call on this arch (poll, epoll_wait on arm64). */
		if (nr == -ENOENT || !(rv_sandbox_calls[i].kinds & bit))
			continue;
		if (nr < 0)
			return nr;
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (ret)
			return rv_err(ret, "seccomp: a rule for %s: %s", rv_sandbox_calls[i].name,
				      strerror(-ret));
	}
	for (unsigned int i = 0; i < rv_sandbox_nr_ioctls; i++) {
		/* The kernel takes the request as an unsigned int: compare 32 bits. */
		const struct scmp_arg_cmp req = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
							rv_sandbox_ioctls[i].req & 0xffffffffu);

		if (!(rv_sandbox_ioctls[i].kinds & bit))
			continue;
		ret = rv_sandbox_rules_add(ctx, SCMP_ACT_ALLOW, arch, "ioctl", 1, &req);
		if (ret)
			return ret;
	}
	return rv_sandbox_rules_args(ctx, arch, kind, pid);
}

/* What seccomp_export_bpf() wrote to @f, read back. */
static int rv_sandbox_rules_read(FILE *f, struct sock_filter **insns, unsigned int *len)
{
	long size;

	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return rv_err(-errno, "seccomp: reading the exported filter: %s", strerror(errno));
	if (!size || size % sizeof(**insns) || size / sizeof(**insns) > BPF_MAXINSNS)
		return rv_err(-EINVAL, "seccomp: the exported filter is %ld bytes long", size);
	*insns = malloc((size_t)size);
	if (!*insns)
		return -ENOMEM;
	if (fread(*insns, 1, (size_t)size, f) != (size_t)size) {
		free(*insns);
		*insns = NULL;
		return rv_err(-EIO, "seccomp: reading the exported filter back");
	}
	*len = (unsigned int)(size / sizeof(**insns));
	return 0;
}

int rv_sandbox_rules_bpf(enum rv_sandbox_kind kind, uint32_t arch, uint32_t pid,
			 struct sock_filter **insns, unsigned int *len)
{
	scmp_filter_ctx ctx;
	FILE *f = NULL;
	int ret;

	if (arch == SCMP_ARCH_NATIVE)
		arch = seccomp_arch_native();
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return rv_err(-ENOMEM, "seccomp: cannot start a filter");
	/* Another arch than the build machine's: that arch only, as a context there has. */
	if (arch != seccomp_arch_native()) {
		ret = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
		if (!ret)
			ret = seccomp_arch_add(ctx, arch);
		if (ret) {
			rv_err(ret, "seccomp: a filter for arch %#x: %s", arch, strerror(-ret));
			goto out;
		}
	}
	ret = rv_sandbox_rules_build(ctx, arch, kind, pid);
	if (ret)
		goto out;
	f = tmpfile();
	if (!f) {
		ret = rv_err(-errno, "seccomp: a temporary file: %s", strerror(errno));
		goto out;
	}
	ret = seccomp_export_bpf(ctx, fileno(f));
	if (ret) {
		rv_err(ret, "seccomp: exporting the %s filter: %s", rv_sandbox_names[kind],
		       strerror(-ret));
		goto out;
	}
	ret = rv_sandbox_rules_read(f, insns, len);
out:
	if (f)
		fclose(f);
	seccomp_release(ctx);
	return ret;
}
