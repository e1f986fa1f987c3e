// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the seccomp sandbox (vmm/sandbox.c), no KVM needed. Each
 * case forks a child that enters the filters as `ringvmm run` does (base
 * on every thread, then the loop or vCPU filter) and makes one call: an
 * allowed one must work, a denied one must kill the child with SIGSYS
 * (SCMP_ACT_TRAP, then the handler re-raises it), with the handler's line
 * on stderr. Also: no_new_privs is set, capabilities are gone, clone3 gets
 * ENOSYS (glibc then uses clone), a thread can still be created by the
 * control threads and not by a vCPU thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/mem/translate.h"
#include "vmm/sandbox.h"
#include "vmm/util.h"

/* Stand-in for vmm/console.c: the SIGSYS handler puts the terminal back. */
void rv_console_restore_all(void);
void rv_console_restore_all(void)
{
}

enum outcome { ALLOWED, SIGSYS_DEATH };

/* A pipe made before the child enters the sandbox, as ringvmm's fds are. */
static int io[2];

/* A new thread names itself first, as a vCPU thread does (prctl). */
static void *thread_fn(void *arg)
{
	pthread_setname_np(pthread_self(), "t0");
	return arg;
}

/* What each case does inside the sandbox; returns 0 when it behaved. */
static int act(int what)
{
	uint8_t page[64];
	void *p;

	switch (what) {
	case 0: /* I/O on fds made before the sandbox (no pipe2 after): allowed */
		if (write(io[1], "x", 1) != 1 || read(io[0], page, 1) != 1)
			return 1;
		return page[0] == 'x' ? 0 : 1;
	case 1: /* a network socket */
		return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1;
	case 14: /* a UNIX socket (virtio-vsock's guest connections) */
		return socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 1;
	case 2:
		return open("/etc/hostname", O_RDONLY) >= 0 ? 0 : 1;
	case 3: /* new executable memory */
		p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p != MAP_FAILED ? 0 : 1;
	case 4: /* plain memory, as malloc wants: allowed */
		p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		memset(p, 1, 1 << 20);
		return munmap(p, 1 << 20);
	case 5: /* an ioctl request not in the list, on any fd */
		return ioctl(0, KVM_CREATE_VM, 0) == 0 ? 0 : 1;
	case 6: /* KVM_RUN on the loop thread: not its business */
		return ioctl(-1, KVM_RUN, 0) == -1 && errno == EBADF ? 0 : 1;
	case 7: /* a console ioctl: allowed, fails only for the fd */
		return ioctl(-1, TCGETS, page) == -1 && errno == EBADF ? 0 : 1;
	case 8: /* a new thread */
	{
		pthread_t t;

		if (pthread_create(&t, NULL, thread_fn, NULL))
			return 1;
		return pthread_join(t, NULL);
	}
	case 9: /* a new process */
		return fork() >= 0 ? 0 : 1;
	case 10: /* clone3: ENOSYS, so glibc falls back to clone */
		return syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS ? 0 : 1;
	case 12: /* execve */
		execl("/bin/true", "true", (char *)NULL);
		return 1;
	case 11: /* prctl other than PR_SET_NAME */
		return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	case 13: /* KVM_RUN on a vCPU thread: allowed (EBADF here) */
		return ioctl(-1, KVM_RUN, 0) == -1 && errno == EBADF ? 0 : 1;
	}
	return 1;
}

/* Fork; the child enters @kind's filters and does @what. */
static void expect(enum rv_sandbox_kind kind, int what, enum outcome want)
{
	int status, err[2];
	char msg[512] = "";
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(err), 0);
	assert_int_equal(pipe(io), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(err[1], STDERR_FILENO);
		rv_err_clear();
		if (rv_sandbox_prepare(NULL, true) || rv_sandbox_enter(kind)) {
			fprintf(stderr, "setup: %s\n", rv_err_msg());
			_exit(2);
		}
		/* _exit: no atexit handlers, no sanitizer leak check. */
		_exit(act(what));
	}
	close(err[1]);
	close(io[0]);
	close(io[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	n = read(err[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(err[0]);
	if (want == ALLOWED) {
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail_msg("case %d on %d: status 0x%x, stderr \"%s\"", what, kind, status,
				 msg);
	} else {
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
			fail_msg("case %d on %d: want SIGSYS, status 0x%x, stderr \"%s\"", what,
				 kind, status, msg);
		/*
		 * glibc blocks every signal around clone3: a SIGSYS forced on a
		 * blocked signal kills with the default action, before the
		 * handler can say anything.
		 */
		if (what == 8)
			return;
		if (!strstr(msg, "ringvmm: seccomp: ") || !strstr(msg, "--no-seccomp") ||
		    !strstr(msg, kind == RV_SANDBOX_VCPU ? "vcpu thread" : "loop thread"))
			fail_msg("case %d on %d: stderr \"%s\"", what, kind, msg);
	}
}

static int group_setup(void **state)
{
	const char *why;

	(void)state;
	if (!rv_sandbox_available(&why)) {
		printf("SKIP: the sandbox cannot be installed here: %s\n", why);
		exit(77);
	}
	return 0;
}

static void test_allowed(void **state)
{
	(void)state;
	expect(RV_SANDBOX_LOOP, 0, ALLOWED);
	expect(RV_SANDBOX_VCPU, 4, ALLOWED);
	expect(RV_SANDBOX_LOOP, 4, ALLOWED);
	expect(RV_SANDBOX_VCPU, 7, ALLOWED);
	expect(RV_SANDBOX_VCPU, 13, ALLOWED);
	expect(RV_SANDBOX_LOOP, 8, ALLOWED);
	expect(RV_SANDBOX_LOOP, 10, ALLOWED);
	expect(RV_SANDBOX_LOOP, 14, ALLOWED);
}

static void test_denied(void **state)
{
	(void)state;
	for (int kind = RV_SANDBOX_LOOP; kind <= RV_SANDBOX_VCPU; kind++) {
		expect(kind, 1, SIGSYS_DEATH);	/* socket(AF_INET) */
		expect(kind, 2, SIGSYS_DEATH);	/* open */
		expect(kind, 3, SIGSYS_DEATH);	/* PROT_EXEC */
		expect(kind, 5, SIGSYS_DEATH);	/* KVM_CREATE_VM */
		expect(kind, 9, SIGSYS_DEATH);	/* fork */
		expect(kind, 12, SIGSYS_DEATH); /* execve */
		expect(kind, 11, SIGSYS_DEATH); /* prctl but PR_SET_NAME */
	}
	expect(RV_SANDBOX_LOOP, 6, SIGSYS_DEATH);  /* KVM_RUN off a vCPU thread */
	expect(RV_SANDBOX_VCPU, 8, SIGSYS_DEATH);  /* a vCPU makes no threads */
	expect(RV_SANDBOX_VCPU, 14, SIGSYS_DEATH); /* nor sockets */
}

/* A field of /proc/@pid/status ("CapEff"), its value after the tab. */
static void proc_status(pid_t pid, const char *key, char *val, size_t len)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	val[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':') {
			snprintf(val, len, "%s", line + strlen(key) + 2);
			val[strcspn(val, "\n")] = '\0';
		}
	fclose(f);
}

/*
 * What the kernel says of a child after rv_sandbox_prepare(): seccomp
 * filter mode, no_new_privs, no capabilities (it runs as root here, so
 * they were there to drop), guest RAM marked "dd" (MADV_DONTDUMP).
 */
static void test_process_state(void **state)
{
	struct rv_mem mem = { .nr = 1 };
	char val[64], c;
	int ready[2], status;
	uint8_t *ram;
	pid_t pid;

	(void)state;
	ram = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ram != MAP_FAILED);
	mem.regions[0] = (struct rv_mem_region){ .gpa = 0, .size = 2 << 20, .host = ram };
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (rv_sandbox_prepare(&mem, true))
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			sleep(100);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	proc_status(pid, "Seccomp", val, sizeof(val));
	assert_string_equal(val, "2");
	proc_status(pid, "NoNewPrivs", val, sizeof(val));
	assert_string_equal(val, "1");
	proc_status(pid, "CapEff", val, sizeof(val));
	assert_string_equal(val, "0000000000000000");
	proc_status(pid, "CapPrm", val, sizeof(val));
	assert_string_equal(val, "0000000000000000");
	proc_status(pid, "CapInh", val, sizeof(val));
	assert_string_equal(val, "0000000000000000");
	if (geteuid() == 0) {
		proc_status(pid, "CapBnd", val, sizeof(val));
		assert_string_equal(val, "0000000000000000");
	}
	{
		char path[64], line[256];
		bool in = false, dd = false;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			if (strchr(line, '-') && strtoull(line, NULL, 16) == (uintptr_t)ram)
				in = true;
			else if (in && !strncmp(line, "VmFlags:", 8)) {
				dd = strstr(line, " dd") != NULL;
				break;
			}
		}
		fclose(f);
		assert_true(in && dd);
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(ready[0]);
	close(ready[1]);
	munmap(ram, 2 << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_denied),
		cmocka_unit_test(test_process_state),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
