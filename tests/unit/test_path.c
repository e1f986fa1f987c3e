// SPDX-License-Identifier: GPL-2.0
/*
 * Description: rv_path_open() (vmm/util.c), the one gate every path option
 * goes through. A FIFO (with and without a writer, for reading and for
 * writing), a socket, a directory and a block-free character device are
 * each refused or accepted as @allow says, at once (a hang here would be
 * the bug: the test runs under a 60 s meson timeout and an alarm of its
 * own), with a message naming the option, the path and what it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/util.h"
#include "msg_fx.h"

static char dir[] = "/tmp/rv-test-path-XXXXXX";
static char fifo[64], sock[64], file[64], fresh[64];

static int group_setup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, fd;

	(void)state;
	/* A blocked open() would be the failure: make it a fast one. */
	alarm(20);
	if (!mkdtemp(dir))
		return -1;
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(fresh, sizeof(fresh), "%s/fresh", dir);
	if (mkfifo(fifo, 0600))
		return -1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	close(s); /* the socket file stays */
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "abc", 3) != 3)
		return -1;
	close(fd);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(fifo);
	unlink(sock);
	unlink(file);
	unlink(fresh);
	rmdir(dir);
	return 0;
}

static void expect_refused(const char *opt, const char *path, int flags, unsigned int allow,
			   int err, const char *what)
{
	int fd = 123;

	rv_err_clear();
	assert_int_equal(rv_path_open(opt, path, flags, 0600, allow, &fd), err);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(rv_err_msg(), opt));
	assert_non_null(strstr(rv_err_msg(), path));
	rv_test_expect_err(err, err, what, NULL);
}

static void test_regular_file(void **state)
{
	char buf[4] = { 0 };
	int fd, fl;

	(void)state;
	rv_err_clear();
	assert_int_equal(rv_path_open("--kernel", file, O_RDONLY, 0, RV_PATH_REG, &fd), 0);
	assert_true(fd >= 0);
	/* O_NONBLOCK was only for the open; O_CLOEXEC always. */
	fl = fcntl(fd, F_GETFL);
	assert_false(fl & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(read(fd, buf, 3), 3);
	assert_string_equal(buf, "abc");
	close(fd);
	assert_string_equal(rv_err_msg(), "");
}

static void test_fifo_refused(void **state)
{
	(void)state;
	/* No writer: a plain open(O_RDONLY) would block here forever. */
	expect_refused("--kernel", fifo, O_RDONLY, RV_PATH_REG, -EINVAL,
		       "a FIFO, not a regular file");
	expect_refused("--initrd", fifo, O_RDONLY, RV_PATH_REG, -EINVAL, "a FIFO");
	/* No reader: open(O_WRONLY) would block too. */
	expect_refused("--dump-dtb", fifo, O_WRONLY | O_CREAT | O_TRUNC, RV_PATH_REG, -EINVAL,
		       "a FIFO");
	/* Not even a passthrough, which takes character devices. */
	expect_refused("--passthrough path=", fifo, O_RDWR, RV_PATH_REG | RV_PATH_CHR, -EINVAL,
		       "path=/tmp/rv-test-path-"); /* Nor a disk, which takes block devices. */
	expect_refused("--disk", fifo, O_RDWR, RV_PATH_REG | RV_PATH_BLK, -EINVAL,
		       "a FIFO, not a regular file or block device");
}

static void test_socket_refused(void **state)
{
	(void)state;
	expect_refused("--kernel", sock, O_RDONLY, RV_PATH_REG, -EINVAL, "a socket");
	expect_refused("--passthrough path=", sock, O_RDWR, RV_PATH_REG | RV_PATH_CHR, -EINVAL,
		       "a socket, not a regular file or character device");
}

static void test_directory_refused(void **state)
{
	(void)state;
	expect_refused("--kernel", dir, O_RDONLY, RV_PATH_REG, -EISDIR, "a directory");
	expect_refused("--dump-dtb", dir, O_WRONLY | O_CREAT, RV_PATH_REG, -EISDIR, "a directory");
}

static void test_char_device(void **state)
{
	int fd;

	(void)state;
	expect_refused("--kernel", "/dev/null", O_RDONLY, RV_PATH_REG, -EINVAL,
		       "a character device, not a regular file");
	rv_err_clear();
	assert_int_equal(rv_path_open("--passthrough path=", "/dev/null", O_RDWR, 0,
				      RV_PATH_REG | RV_PATH_CHR, &fd),
			 0);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

static void test_missing_and_created(void **state)
{
	int fd;

	(void)state;
	expect_refused("--kernel", fresh, O_RDONLY, RV_PATH_REG, -ENOENT, "No such file");
	expect_refused("--kernel", "", O_RDONLY, RV_PATH_REG, -EINVAL, "an empty path");
	/* O_CREAT: a path that does not exist yet is what --dump-dtb wants. */
	rv_err_clear();
	assert_int_equal(rv_path_open("--dump-dtb", fresh, O_WRONLY | O_CREAT | O_TRUNC, 0600,
				      RV_PATH_REG, &fd),
			 0);
	close(fd);
	assert_int_equal(access(fresh, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_file),   cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_socket_refused), cmocka_unit_test(test_directory_refused),
		cmocka_unit_test(test_char_device),    cmocka_unit_test(test_missing_and_created),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
