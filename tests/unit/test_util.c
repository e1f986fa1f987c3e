// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the helpers in vmm/util.c. rv_parse_size() and rv_parse_u64()
 * accept exactly the documented spellings and reject everything else with
 * -EINVAL or -ERANGE; the error context keeps the first message, prefixes
 * with rv_err_wrap(), clears, and is per thread; rv_read_file() reads a file
 * whole and names the path in every failure (-ENOENT, -EINVAL for a
 * directory, -EFBIG over the cap); rv_write_all() pushes a buffer much larger
 * than a pipe through one and reports -EPIPE / -EBADF.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/util.h"

static int clear_err(void **state)
{
	rv_err_clear();
	return 0;
}

/* ---- rv_parse_size / rv_parse_u64 ---- */

static void expect_size(const char *s, uint64_t want)
{
	uint64_t v = 0xdeadbeef;
	int ret = rv_parse_size(s, &v);

	if (ret || v != want)
		fail_msg("rv_parse_size(\"%s\"): ret %d value %llu, want 0 and %llu", s, ret,
			 (unsigned long long)v, (unsigned long long)want);
}

static void expect_size_err(const char *s, int err)
{
	uint64_t v = 0xdeadbeef;
	int ret = rv_parse_size(s, &v);

	if (ret != err)
		fail_msg("rv_parse_size(\"%s\"): ret %d, want %d", s ? s : "(null)", ret, err);
	/* A failed parse leaves the output alone. */
	assert_int_equal(v, 0xdeadbeef);
}

static void test_parse_size_ok(void **state)
{
	expect_size("0", 0);
	expect_size("4096", 4096);
	expect_size("0x1000", 0x1000);
	expect_size("64K", 64 * RV_KiB);
	expect_size("64k", 64 * RV_KiB);
	expect_size("512M", 512 * RV_MiB);
	expect_size("512m", 512 * RV_MiB);
	expect_size("512MiB", 512 * RV_MiB);
	expect_size("512MB", 512 * RV_MiB);
	expect_size("1G", RV_GiB);
	expect_size("1GB", RV_GiB);
	expect_size("1GiB", RV_GiB);
	expect_size("3g", 3 * RV_GiB);
	expect_size("2T", 2 * 1024 * RV_GiB);
	expect_size("2t", 2 * 1024 * RV_GiB);
	expect_size("4KiB", 4 * RV_KiB);
	expect_size("18446744073709551615", UINT64_MAX);
	/* The largest T value that fits: 2^24 - 1 TiB. */
	expect_size("16777215T", 16777215ULL << 40);
}

static void test_parse_size_bad(void **state)
{
	expect_size_err(NULL, -EINVAL);
	expect_size_err("", -EINVAL);
	expect_size_err("-1", -EINVAL);
	expect_size_err("-1G", -EINVAL);
	expect_size_err("+1", -EINVAL);
	expect_size_err(" 5", -EINVAL);
	expect_size_err("\t5", -EINVAL); /* strtoull would skip any whitespace */
	expect_size_err("\n5", -EINVAL);
	expect_size_err("0xG", -EINVAL);
	expect_size_err("5 ", -EINVAL);
	expect_size_err("12Q", -EINVAL);
	expect_size_err("1.5G", -EINVAL);
	expect_size_err("G", -EINVAL);
	expect_size_err("1GG", -EINVAL);
	expect_size_err("1Gi", -EINVAL);
	expect_size_err("1Gib", -EINVAL);
	expect_size_err("1GiBx", -EINVAL);
	expect_size_err("1iB", -EINVAL); /* a suffix tail needs a suffix */
	expect_size_err("1B", -EINVAL);
	expect_size_err("0x", -EINVAL);
	expect_size_err("abc", -EINVAL);
	expect_size_err("99999999999T", -ERANGE);
	expect_size_err("16777216T", -ERANGE);
	expect_size_err("17179869184G", -ERANGE);
	expect_size_err("18446744073709551616", -ERANGE);
	expect_size_err("99999999999999999999999", -ERANGE);
}

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	assert_int_equal(rv_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rv_parse_u64("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(rv_parse_u64("0x10", &v), 0);
	assert_int_equal(v, 16);
	/* Decimal unless 0x: a leading zero is not octal. */
	assert_int_equal(rv_parse_u64("010", &v), 0);
	assert_int_equal(v, 10);
	/* A failed parse leaves the output alone. */
	v = 7;
	assert_int_equal(rv_parse_u64("12abc", &v), -EINVAL);
	assert_int_equal(v, 7);
	assert_int_equal(rv_parse_u64("0XfF", &v), 0);
	assert_int_equal(v, 255);
	assert_int_equal(rv_parse_u64("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);

	assert_int_equal(rv_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(rv_parse_u64(NULL, &v), -EINVAL);
	assert_int_equal(rv_parse_u64("", &v), -EINVAL);
	assert_int_equal(rv_parse_u64("-1", &v), -EINVAL);
	assert_int_equal(rv_parse_u64("+1", &v), -EINVAL);
	assert_int_equal(rv_parse_u64(" 1", &v), -EINVAL);
	assert_int_equal(rv_parse_u64("1 ", &v), -EINVAL);
	assert_int_equal(rv_parse_u64("1K", &v), -EINVAL);
	assert_int_equal(rv_parse_u64("12abc", &v), -EINVAL);
	assert_int_equal(rv_parse_u64("x", &v), -EINVAL);
}

/* ---- the error context ---- */

static void test_err_first_wins(void **state)
{
	assert_string_equal(rv_err_msg(), "");
	assert_int_equal(rv_err(-EINVAL, "first %d", 1), -EINVAL);
	assert_int_equal(rv_err(-ENOENT, "second %d", 2), -ENOENT);
	assert_string_equal(rv_err_msg(), "first 1");
	rv_err_clear();
	assert_string_equal(rv_err_msg(), "");
	assert_int_equal(rv_err(-EIO, "third"), -EIO);
	assert_string_equal(rv_err_msg(), "third");
}

static void test_err_wrap(void **state)
{
	assert_int_equal(rv_err(-ENOENT, "no such file"), -ENOENT);
	assert_int_equal(rv_err_wrap(-ENOENT, "loading %s", "vmlinux"), -ENOENT);
	assert_string_equal(rv_err_msg(), "loading vmlinux: no such file");
	assert_int_equal(rv_err_wrap(-EINVAL, "vCPU %u", 3), -EINVAL);
	assert_string_equal(rv_err_msg(), "vCPU 3: loading vmlinux: no such file");
	/* rv_err after a wrap still does not overwrite. */
	rv_err(-EIO, "late");
	assert_string_equal(rv_err_msg(), "vCPU 3: loading vmlinux: no such file");

	/* Wrapping nothing records the prefix alone. */
	rv_err_clear();
	assert_int_equal(rv_err_wrap(-EPERM, "device %s", "ttyS0"), -EPERM);
	assert_string_equal(rv_err_msg(), "device ttyS0");
}

static void test_err_long_messages(void **state)
{
	char big[2048];
	size_t n;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';

	/* Truncated, terminated. */
	rv_err(-EINVAL, "%s", big);
	n = strlen(rv_err_msg());
	assert_true(n > 100 && n < sizeof(big) - 1);

	/* Wrapping a full buffer keeps the prefix and what fits of the rest. */
	rv_err_wrap(-EINVAL, "outer");
	assert_int_equal(strncmp(rv_err_msg(), "outer: xxx", 10), 0);
	assert_int_equal(strlen(rv_err_msg()), n);

	/* A prefix that fills the buffer by itself. */
	rv_err_wrap(-EINVAL, "%s", big);
	assert_int_equal(strlen(rv_err_msg()), n);
	assert_int_equal(rv_err_msg()[0], 'x');
}

static void *err_thread(void *arg)
{
	rv_err(-EIO, "from the thread");
	*(char **)arg = strdup(rv_err_msg());
	return NULL;
}

static void test_err_per_thread(void **state)
{
	pthread_t t;
	char *theirs = NULL;

	rv_err(-EINVAL, "from main");
	assert_int_equal(pthread_create(&t, NULL, err_thread, &theirs), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(theirs);
	assert_string_equal(theirs, "from the thread");
	assert_string_equal(rv_err_msg(), "from main");
	free(theirs);
}

/* ---- rv_read_file ---- */

struct tmpdir {
	char path[64];
	char file[128];
};

static int tmpdir_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	strcpy(t->path, "/tmp/rv-test-util-XXXXXX");
	if (!mkdtemp(t->path))
		return -1;
	snprintf(t->file, sizeof(t->file), "%s/f", t->path);
	rv_err_clear();
	*state = t;
	return 0;
}

static int tmpdir_teardown(void **state)
{
	struct tmpdir *t = *state;

	unlink(t->file);
	rmdir(t->path);
	free(t);
	return 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(rv_write_all(fd, data, len), 0);
	assert_int_equal(close(fd), 0);
}

static void test_read_file_whole(void **state)
{
	struct tmpdir *t = *state;
	size_t size = 300 * 1024 + 7, len = 0;
	uint8_t *data = malloc(size), *buf = NULL;

	assert_non_null(data);
	for (size_t i = 0; i < size; i++)
		data[i] = (uint8_t)(i * 131 + (i >> 8));
	write_file(t->file, data, size);

	assert_int_equal(rv_read_file("--kernel", t->file, size, &buf, &len), 0);
	assert_int_equal(len, size);
	assert_memory_equal(buf, data, size);
	free(buf);
	assert_string_equal(rv_err_msg(), "");

	/* One byte over the cap. */
	buf = (uint8_t *)0x1;
	len = 99;
	assert_int_equal(rv_read_file("--kernel", t->file, size - 1, &buf, &len), -EFBIG);
	assert_ptr_equal(buf, (uint8_t *)0x1);
	assert_int_equal(len, 99);
	assert_non_null(strstr(rv_err_msg(), t->file));
	free(data);
}

static void test_read_file_empty(void **state)
{
	struct tmpdir *t = *state;
	uint8_t *buf = NULL;
	size_t len = 99;

	write_file(t->file, "", 0);
	assert_int_equal(rv_read_file("--kernel", t->file, 0, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_non_null(buf);
	free(buf);
}

static void test_read_file_missing(void **state)
{
	struct tmpdir *t = *state;
	uint8_t *buf = NULL;
	size_t len = 0;
	char path[160];

	snprintf(path, sizeof(path), "%s/does-not-exist", t->path);
	assert_int_equal(rv_read_file("--kernel", path, 1 << 20, &buf, &len), -ENOENT);
	assert_null(buf);
	assert_non_null(strstr(rv_err_msg(), path));
}

static void test_read_file_directory(void **state)
{
	struct tmpdir *t = *state;
	uint8_t *buf = NULL;
	size_t len = 0;

	assert_int_equal(rv_read_file("--kernel", t->path, 1 << 20, &buf, &len), -EISDIR);
	assert_null(buf);
	assert_non_null(strstr(rv_err_msg(), t->path));
	assert_non_null(strstr(rv_err_msg(), "not a regular file"));
}

/* ---- rv_write_all ---- */

struct drain {
	int fd;
	uint8_t *buf;
	size_t len, got;
};

static void *drain_thread(void *arg)
{
	struct drain *d = arg;

	for (;;) {
		/* Small reads force the writer through many partial writes. */
		ssize_t n = read(d->fd, d->buf + d->got,
				 d->len - d->got < 3000 ? d->len - d->got : 3000);

		if (n <= 0)
			break;
		d->got += n;
	}
	return NULL;
}

static void test_write_all_pipe(void **state)
{
	size_t size = 4 << 20;
	uint8_t *data = malloc(size);
	struct drain d = { .buf = malloc(size + 1), .len = size + 1 };
	pthread_t t;
	int fds[2];

	assert_non_null(data);
	assert_non_null(d.buf);
	for (size_t i = 0; i < size; i++)
		data[i] = (uint8_t)(i ^ (i >> 11));
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	d.fd = fds[0];
	assert_int_equal(pthread_create(&t, NULL, drain_thread, &d), 0);

	assert_int_equal(rv_write_all(fds[1], data, size), 0);
	assert_int_equal(rv_write_all(fds[1], data, 0), 0);
	close(fds[1]);
	assert_int_equal(pthread_join(t, NULL), 0);
	close(fds[0]);
	assert_int_equal(d.got, size);
	assert_memory_equal(d.buf, data, size);
	free(d.buf);
	free(data);
}

static void test_write_all_errors(void **state)
{
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	close(fds[0]);
	assert_int_equal(rv_write_all(fds[1], "x", 1), -EPIPE);
	close(fds[1]);
	assert_int_equal(rv_write_all(fds[1], "x", 1), -EBADF);
	signal(SIGPIPE, old);
}

static void test_now_ns(void **state)
{
	uint64_t a = rv_now_ns(), b;

	usleep(2000);
	b = rv_now_ns();
	assert_true(a > 0);
	assert_true(b - a >= 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_ok),
		cmocka_unit_test(test_parse_size_bad),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test_setup(test_err_first_wins, clear_err),
		cmocka_unit_test_setup(test_err_wrap, clear_err),
		cmocka_unit_test_setup(test_err_long_messages, clear_err),
		cmocka_unit_test_setup(test_err_per_thread, clear_err),
		cmocka_unit_test_setup_teardown(test_read_file_whole, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_read_file_empty, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_read_file_missing, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_read_file_directory, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test(test_write_all_pipe),
		cmocka_unit_test(test_write_all_errors),
		cmocka_unit_test(test_now_ns),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
