// SPDX-License-Identifier: GPL-2.0
/*
 * The keeper's checks of what a VMM child sends (vmm/snapshot/keeper-msg.c):
 * a well-formed UPDATE passes; a message of the wrong size, kind or magic,
 * fds more or fewer than announced, a binary index out of range or given a
 * number, a spec that names fds not sent (or sends fds it does not name),
 * one number twice, a keeper= other than RV_KEEPER_FD are refused. The
 * binary must be a named, read-only, executable ELF file: a memfd, a file
 * opened for writing, a non-ELF, a non-executable file, a pipe are not.
 * And a real socketpair carries an UPDATE with its fds, and refuses more
 * fds than a message takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/snapshot/keeper.h"
#include "vmm/util.h"

/* An UPDATE as an old child sends it: state 10, ram 11, api 12, client 13, binary last. */
static void good_msg(struct rv_keeper_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->magic = RV_KEEPER_MAGIC;
	m->type = RV_KEEPER_UPDATE;
	for (unsigned int i = 0; i < RV_KEEPER_MAX_FDS; i++)
		m->target[i] = -1;
	m->target[0] = 10;
	m->target[1] = 12;
	m->target[2] = 13;
	m->target[3] = 11;
	m->bin = 4;
	m->nr_fds = 5;
	snprintf(m->text, sizeof(m->text), "state=10,keeper=%d,ram=11,api=12,client=13,t0=5",
		 RV_KEEPER_FD);
}

static int check(const struct rv_keeper_msg *m, size_t len, unsigned int nr)
{
	struct rv_update_fds u;

	rv_err_clear();
	return rv_keeper_check_update(m, len, nr, &u);
}

static void test_good(void **state)
{
	struct rv_keeper_msg m;
	struct rv_update_fds u;

	(void)state;
	good_msg(&m);
	assert_int_equal(rv_keeper_check_update(&m, sizeof(m), 5, &u), 0);
	assert_int_equal(u.state, 10);
	assert_int_equal(u.keeper, RV_KEEPER_FD);
	/* The binary anywhere in the list. */
	m.target[4] = m.target[0];
	m.target[0] = -1;
	m.bin = 0;
	assert_int_equal(check(&m, sizeof(m), 5), 0);
}

static void test_bad(void **state)
{
	struct rv_keeper_msg m;

	(void)state;
	good_msg(&m);
	assert_int_equal(check(&m, sizeof(m) - 1, 5), -EPROTO);
	assert_int_equal(check(&m, sizeof(m), 4), -EPROTO); /* fewer fds than announced */
	assert_int_equal(check(&m, sizeof(m), 6), -EPROTO); /* more */
	assert_int_equal(check(&m, sizeof(m), 0), -EPROTO);
	assert_non_null(strstr(rv_err_msg(), "keeper:"));
#define BAD(stmt)                                                                                  \
	do {                                                                                       \
		good_msg(&m);                                                                      \
		stmt;                                                                              \
		if (check(&m, sizeof(m), m.nr_fds <= RV_KEEPER_MAX_FDS ? m.nr_fds : 5) != -EPROTO) \
			fail_msg("accepted: %s", #stmt);                                           \
	} while (0)
	BAD(m.magic ^= 1);
	BAD(m.type = RV_KEEPER_TOOK_OVER);
	BAD(m.type = 0);
	BAD(m.bin = 5);
	BAD(m.bin = UINT32_MAX);
	BAD(m.nr_fds = RV_KEEPER_MAX_FDS + 1);
	BAD(m.target[4] = 14);			  /* the binary given a number */
	BAD(m.target[1] = 2);			  /* stdio */
	BAD(m.target[1] = 14);			  /* a number the spec does not name */
	BAD(m.target[1] = 10);			  /* two fds to one number */
	BAD(m.target[1] = RV_KEEPER_FD);	  /* over the keeper's socket */
	BAD(m.target[1] = -1);			  /* an fd sent, not named */
	BAD((m.nr_fds = 4, m.bin = 3));		  /* ram named, not sent */
	BAD(memset(m.text, 'a', sizeof(m.text))); /* not terminated */
	BAD(strcpy(m.text, "state=10,exe=20,ram=11,api=12,client=13")); /* no keeper */
	BAD(strcpy(m.text, "state=10,keeper=63,ram=11,api=12,client=13"));
	BAD(strcpy(m.text, "state=10,keeper=64,ram=11,api=12,client=13,args=14"));
	BAD(strcpy(m.text, "state=10,keeper=64,ram=11,api=12,client=13,bogus=1"));
	BAD(strcpy(m.text, ""));
#undef BAD
}

static int tmp_file(const char *content, mode_t mode)
{
	char path[] = "/tmp/test_keeper.XXXXXX";
	int fd = mkstemp(path), ro;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	/* Unlinked: no name left (st_nlink 0), as a deleted binary. */
	unlink(path);
	close(fd);
	return ro;
}

static void test_binary(void **state)
{
	int fd, p[2];

	(void)state;
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(rv_keeper_check_binary(fd), 0);
	close(fd);
	/* O_PATH: not opened for reading. */
	fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	assert_int_equal(rv_keeper_check_binary(fd), -EPERM);
	close(fd);
	/* A memfd holding an ELF header: no name (nlink 0), whoever wrote it. */
	fd = memfd_create("elf", MFD_CLOEXEC);
	assert_int_equal(write(fd, "\177ELF", 4), 4);
	rv_err_clear();
	assert_int_equal(rv_keeper_check_binary(fd), -EPERM);
	assert_non_null(strstr(rv_err_msg(), "memfd"));
	close(fd);
	/* Deleted files: the same. */
	fd = tmp_file("\177ELF....", 0755);
	assert_int_equal(rv_keeper_check_binary(fd), -EPERM);
	close(fd);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rv_keeper_check_binary(p[0]), -EPERM);
	close(p[0]);
	close(p[1]);
}

/* Named files: read-write, not ELF, not executable. */
static void test_binary_named(void **state)
{
	char path[] = "/tmp/test_keeper.XXXXXX";
	int fd = mkstemp(path), ro;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\177ELF....", 8), 8);
	assert_int_equal(fchmod(fd, 0755), 0);
	assert_int_equal(rv_keeper_check_binary(fd), -EPERM); /* O_RDWR */
	ro = open(path, O_RDONLY | O_CLOEXEC);
	assert_int_equal(rv_keeper_check_binary(ro), 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	rv_err_clear();
	assert_int_equal(rv_keeper_check_binary(ro), -EPERM);
	assert_non_null(strstr(rv_err_msg(), "executable"));
	assert_int_equal(fchmod(fd, 0755), 0);
	assert_int_equal(pwrite(fd, "#!/b", 4, 0), 4);
	rv_err_clear();
	assert_int_equal(rv_keeper_check_binary(ro), -EPERM);
	assert_non_null(strstr(rv_err_msg(), "ELF"));
	close(ro);
	close(fd);
	unlink(path);
}

/* Through a real socketpair: what is sent is what arrives, fds included. */
static void test_recv(void **state)
{
	struct rv_keeper_msg m;
	int sv[2], fds[RV_KEEPER_MAX_FDS], many[RV_KEEPER_MAX_FDS + 8];
	unsigned int nr;
	long len;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(rv_keeper_send(sv[0], RV_KEEPER_RESUME, "why not"), 0);
	len = rv_keeper_recv(sv[1], &m, fds, &nr);
	assert_int_equal(len, sizeof(m));
	assert_int_equal(nr, 0);
	assert_int_equal(m.type, RV_KEEPER_RESUME);
	assert_string_equal(m.text, "why not");
	/* More fds than a message takes: the sender refuses. */
	for (unsigned int i = 0; i < RV_KEEPER_MAX_FDS + 8; i++)
		many[i] = 0;
	rv_err_clear();
	assert_int_equal(rv_keeper_update(0, many, RV_KEEPER_MAX_FDS, "x", m.text, 8), -ENOSPC);
	/* A peer gone: recv says EOF. */
	close(sv[0]);
	assert_int_equal(rv_keeper_recv(sv[1], &m, fds, &nr), 0);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),   cmocka_unit_test(test_bad),
		cmocka_unit_test(test_binary), cmocka_unit_test(test_binary_named),
		cmocka_unit_test(test_recv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
