// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the seccomp filters compiled at build time
 * (vmm/sandbox-bpf.h). For every thread kind and several pids, the
 * generated program with the pid patched in must be, instruction by
 * instruction, the one libseccomp builds at run time from the same allow
 * lists on this machine (in the arm64 cross build: the filters generated
 * on the x86 build machine against arm64's libseccomp under qemu-user).
 * The pid must land in the tgkill comparison, and a program whose
 * placeholder is missing, moved or repeated must be refused.
 */
#include <errno.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/sandbox-bpf.h"
#include "vmm/sandbox-rules.h"
#include "vmm/sandbox.h"
#include "vmm/util.h"

/* Stand-in for vmm/console.c: the SIGSYS handler puts the terminal back. */
void rv_console_restore_all(void);
void rv_console_restore_all(void)
{
}

/*
 * Our own, a small one, PID_MAX_LIMIT, and one in between. Not 1 or 15:
 * libseccomp shares identical argument checks between rules, so with a
 * pid equal to AF_UNIX (socket's check) or PR_SET_NAME (prctl's) its
 * run-time filter comes out shorter; the patched one is equivalent, not
 * identical (a pid-1 ringvmm, in a pid namespace, runs that one).
 */
static uint32_t pids[] = { 0, 2, 4194304, 12345 };

static struct sock_filter *patched(enum rv_sandbox_kind kind, uint32_t pid)
{
	const struct rv_sandbox_bpf *bpf = &rv_sandbox_bpf[kind];
	struct sock_filter *out = calloc(bpf->len, sizeof(*out));

	assert_non_null(out);
	assert_int_equal(rv_sandbox_bpf_patch(bpf, pid, out), 0);
	return out;
}

static void test_generated_equals_runtime(void **state)
{
	(void)state;
	pids[0] = getpid() == 1 || getpid() == 15 ? 3 : (uint32_t)getpid();
	for (int kind = 0; kind < RV_SANDBOX_KINDS; kind++) {
		const struct rv_sandbox_bpf *bpf = &rv_sandbox_bpf[kind];

		assert_string_equal(bpf->name, rv_sandbox_names[kind]);
		for (unsigned int p = 0; p < RV_ARRAY_SIZE(pids); p++) {
			struct sock_filter *built = NULL, *gen = patched(kind, pids[p]);
			unsigned int len = 0;

			assert_int_equal(rv_sandbox_rules_bpf(kind, SCMP_ARCH_NATIVE, pids[p],
							      &built, &len),
					 0);
			assert_int_equal(len, bpf->len);
			for (unsigned int i = 0; i < len; i++) {
				if (!memcmp(&built[i], &gen[i], sizeof(gen[i])))
					continue;
				fail_msg("%s filter, pid %u: instruction %u is {%#x %u %u %#x} at "
					 "run time, {%#x %u %u %#x} generated",
					 bpf->name, pids[p], i, built[i].code, built[i].jt,
					 built[i].jf, built[i].k, gen[i].code, gen[i].jt, gen[i].jf,
					 gen[i].k);
			}
			free(built);
			free(gen);
		}
	}
}

static void test_pid_patched(void **state)
{
	uint32_t pid = (uint32_t)getpid();

	(void)state;
	for (int kind = 0; kind < RV_SANDBOX_KINDS; kind++) {
		const struct rv_sandbox_bpf *bpf = &rv_sandbox_bpf[kind];
		struct sock_filter *out = patched(kind, pid);
		unsigned int at = bpf->pid_at[0];

		assert_int_equal(bpf->nr_pid, RV_SANDBOX_PID_SITES);
		assert_true(at < bpf->len);
		assert_int_equal(bpf->insns[at].k, RV_SANDBOX_PID_PLACEHOLDER);
		assert_int_equal(out[at].code, RV_SANDBOX_PID_CODE);
		assert_int_equal(out[at].k, pid);
		for (unsigned int i = 0; i < bpf->len; i++) {
			assert_int_not_equal(out[i].k, RV_SANDBOX_PID_PLACEHOLDER);
			if (i != at)
				assert_memory_equal(&out[i], &bpf->insns[i], sizeof(out[i]));
		}
		free(out);
	}
}

/* A copy of the vCPU filter to break; the patch must refuse it. */
static int patch_broken(void (*breakit)(struct rv_sandbox_bpf *, struct sock_filter *))
{
	struct rv_sandbox_bpf bpf = rv_sandbox_bpf[RV_SANDBOX_VCPU];
	struct sock_filter *insns = calloc(bpf.len, sizeof(*insns)), *out;
	int ret;

	assert_non_null(insns);
	out = calloc(bpf.len, sizeof(*out));
	assert_non_null(out);
	memcpy(insns, bpf.insns, bpf.len * sizeof(*insns));
	breakit(&bpf, insns);
	bpf.insns = insns;
	ret = rv_sandbox_bpf_patch(&bpf, 42, out);
	free(insns);
	free(out);
	return ret;
}

static void placeholder_gone(struct rv_sandbox_bpf *bpf, struct sock_filter *insns)
{
	insns[bpf->pid_at[0]].k = 42;
}

static void placeholder_twice(struct rv_sandbox_bpf *bpf, struct sock_filter *insns)
{
	insns[bpf->pid_at[0] ? 0 : 1].k = RV_SANDBOX_PID_PLACEHOLDER;
}

static void site_moved(struct rv_sandbox_bpf *bpf, struct sock_filter *insns)
{
	bpf->pid_at[0] = bpf->pid_at[0] ? bpf->pid_at[0] - 1 : 1;
}

static void site_outside(struct rv_sandbox_bpf *bpf, struct sock_filter *insns)
{
	bpf->pid_at[0] = bpf->len;
}

static void no_site(struct rv_sandbox_bpf *bpf, struct sock_filter *insns)
{
	bpf->nr_pid = 0;
}

static void test_patch_refuses_broken(void **state)
{
	(void)state;
	assert_int_equal(patch_broken(placeholder_gone), -EPROTO);
	assert_int_equal(patch_broken(placeholder_twice), -EPROTO);
	assert_int_equal(patch_broken(site_moved), -EPROTO);
	assert_int_equal(patch_broken(site_outside), -EPROTO);
	assert_int_equal(patch_broken(no_site), -EPROTO);
	assert_non_null(strstr(rv_err_msg(), "pid placeholder"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_equals_runtime),
		cmocka_unit_test(test_pid_patched),
		cmocka_unit_test(test_patch_refuses_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
