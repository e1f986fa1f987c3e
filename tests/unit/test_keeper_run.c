// SPDX-License-Identifier: GPL-2.0
/*
 * The keeper process (vmm/snapshot/keeper.c) with no KVM: this test forks a
 * process that becomes a keeper (rv_keeper_run()); its "VMM child" sends an
 * UPDATE with two memfds and this very binary, which the keeper execs as
 * the "new VMM" (main() below, argv[1] "new-vmm"). The new one checks that
 * it got the fds at the numbers the spec names, and then takes over (the
 * old one is told to exit, the keeper exits with the new one's status),
 * reports a failure, or dies of a signal (the old one resumes, and hears
 * why). And SIGTERM to the keeper reaches its child: exit 128+15.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/snapshot/keeper.h"
#include "vmm/util.h"

extern char **environ;

/* What the old VMM child heard (RESUME's reason), back to the test. */
static int report[2];

/* The new VMM, exec'd by the keeper: argv = self, "new-vmm", --update-fds=SPEC, MODE. */
static int new_vmm(int argc, char **argv)
{
	struct rv_update_fds u;
	char buf[8] = "";

	if (argc != 4 || strncmp(argv[2], "--update-fds=", 13) ||
	    rv_update_fds_parse(argv[2] + 13, &u) || u.keeper != RV_KEEPER_FD)
		return 10;
	/* The state memfd at the number the spec names, with what the old one wrote. */
	if (pread(u.state, buf, 5, 0) != 5 || memcmp(buf, "STATE", 5) || u.nr_ram != 1 ||
	    fcntl(u.ram[0], F_GETFD) < 0)
		return 11;
	if (!strcmp(argv[3], "take")) {
		rv_keeper_send(RV_KEEPER_FD, RV_KEEPER_TOOK_OVER, NULL);
		return 7;
	}
	if (!strcmp(argv[3], "fail")) {
		rv_keeper_send(RV_KEEPER_FD, RV_KEEPER_FAILED, "no way");
		return 3;
	}
	abort();
}

/* The old VMM child: hand over, and say what came back (EXIT ends it inside). */
static void old_vmm(void)
{
	int state = memfd_create("state", MFD_CLOEXEC), ram = memfd_create("ram", MFD_CLOEXEC);
	int bin = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), fds[2] = { state, ram };
	char spec[128], why[RV_KEEPER_TEXT_MAX] = "";

	if (state < 0 || ram < 0 || bin < 0 || write(state, "STATE", 5) != 5)
		_exit(98);
	snprintf(spec, sizeof(spec), "state=%d,keeper=%d,ram=%d,t0=1", state, RV_KEEPER_FD, ram);
	if (rv_keeper_update(bin, fds, 2, spec, why, sizeof(why)) != -EAGAIN)
		_exit(97);
	if (write(report[1], why, strlen(why)) < 0)
		_exit(96);
	_exit(42);
}

/* Fork a keeper whose child runs @child; its status, and what the child reported. */
static int keeper(const char *mode, void (*child)(void), char *heard, size_t size)
{
	char *argv[] = { "test_keeper_run", "new-vmm", (char *)mode, NULL };
	int status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(report, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (rv_keeper_run(argv))
			_exit(99);
		close(report[0]);
		child();
		_exit(95);
	}
	close(report[1]);
	if (child != old_vmm) {
		/* The child runs: the keeper forwards signals by now. */
		assert_int_equal(read(report[0], heard, 1), 1);
		kill(pid, SIGTERM);
	}
	n = read(report[0], heard, size - 1);
	heard[n > 0 ? n : 0] = '\0';
	close(report[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * execveat(2) of this binary by its fd, as the keeper does it: qemu-user
 * (the arm64 cross build's unit tests) does not run it.
 */
static void need_execveat(void)
{
	char *argv[] = { "test_keeper_run", "probe", NULL };
	int fd, status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		execveat(fd, "", argv, environ, AT_EMPTY_PATH);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 33) {
		print_message("execveat(2) of an fd does not run here (qemu-user?): skipped\n");
		skip();
	}
}

static void test_took_over(void **state)
{
	char heard[RV_KEEPER_TEXT_MAX];

	(void)state;
	need_execveat();
	/* The old child exits when told; the keeper ends with the new one's 7. */
	assert_int_equal(keeper("take", old_vmm, heard, sizeof(heard)), 7);
	assert_string_equal(heard, "");
}

static void test_failed(void **state)
{
	char heard[RV_KEEPER_TEXT_MAX];

	(void)state;
	need_execveat();
	assert_int_equal(keeper("fail", old_vmm, heard, sizeof(heard)), 42);
	assert_string_equal(heard, "no way");
}

static void test_killed(void **state)
{
	char heard[RV_KEEPER_TEXT_MAX];

	(void)state;
	need_execveat();
	assert_int_equal(keeper("crash", old_vmm, heard, sizeof(heard)), 42);
	assert_non_null(strstr(heard, "killed by signal 6"));
}

/* A child that waits for a signal, after telling the test it runs. */
static void waiting_vmm(void)
{
	if (write(report[1], "r", 1) != 1)
		_exit(94);
	for (;;)
		pause();
}

static void test_sigterm(void **state)
{
	char heard[8];

	(void)state;
	assert_int_equal(keeper("-", waiting_vmm, heard, sizeof(heard)), 128 + SIGTERM);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_took_over),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_killed),
		cmocka_unit_test(test_sigterm),
	};

	if (argc > 1 && !strcmp(argv[1], "new-vmm"))
		return new_vmm(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "probe"))
		return 33;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
