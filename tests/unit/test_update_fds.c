// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the live update's fd list (vmm/snapshot/update-fds.c), the
 * hidden --update-fds option. What ringvmm writes parses back to the same
 * fds; bad input (unknown keys, repeats, signs, spaces, overflow, stdio fds,
 * one fd under two names, missing required keys, too many ram=, console=
 * or dev=, a dev= that is not DEVICE:FD or goes back, too long)
 * is each refused with -EINVAL and a message naming the option.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/snapshot/update-fds.h"
#include "vmm/util.h"

static void test_round_trip(void **state)
{
	struct rv_update_fds u = { .state = 7,
				   .exe = 3,
				   .args = 12,
				   .api = 4,
				   .client = 9,
				   .keeper = 64,
				   .ram = { 10, 11 },
				   .nr_ram = 2,
				   .console = { 13, 14 },
				   .nr_console = 2,
				   .dev = { { 0, 20 }, { 3, 21 }, { 3, 22 }, { 255, 23 } },
				   .nr_dev = 4,
				   .t0_ns = 18446744073709551615ULL,
				   .fallback = true };
	struct rv_update_fds v;
	char buf[RV_UPDATE_SPEC_MAX];

	(void)state;
	assert_int_equal(rv_update_fds_format(&u, buf, sizeof(buf)), 0);
	assert_int_equal(rv_update_fds_parse(buf, &v), 0);
	assert_int_equal(v.state, 7);
	assert_int_equal(v.exe, 3);
	assert_int_equal(v.api, 4);
	assert_int_equal(v.client, 9);
	assert_int_equal(v.args, 12);
	assert_int_equal(v.keeper, 64);
	assert_int_equal(v.nr_ram, 2);
	assert_int_equal(v.ram[0], 10);
	assert_int_equal(v.ram[1], 11);
	assert_int_equal(v.nr_console, 2);
	assert_int_equal(v.console[0], 13);
	assert_int_equal(v.console[1], 14);
	assert_int_equal(v.nr_dev, 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(v.dev[i].dev, u.dev[i].dev);
		assert_int_equal(v.dev[i].fd, u.dev[i].fd);
	}
	assert_true(v.t0_ns == u.t0_ns);
	assert_true(v.fallback);
	assert_int_equal(rv_update_fds_format(&u, buf, 20), -ENOSPC);
}

static void test_minimal(void **state)
{
	struct rv_update_fds v;

	(void)state;
	assert_int_equal(rv_update_fds_parse("ram=5,exe=4,state=3", &v), 0);
	assert_int_equal(v.api, -1);
	assert_int_equal(v.client, -1);
	assert_int_equal(v.args, -1);
	assert_int_equal(v.keeper, -1);
	assert_int_equal(v.nr_ram, 1);
	assert_int_equal(v.nr_console, 0);
	assert_int_equal(v.console[0], -1);
	assert_int_equal(v.nr_dev, 0);
	assert_false(v.fallback);
	assert_true(v.t0_ns == 0);
}

static void test_bad(void **state)
{
	static const char *const bad[] = {
		"",
		",",
		"state=3,exe=4",			       /* no ram */
		"exe=4,ram=5",				       /* no state */
		"state=3,ram=5",			       /* no exe */
		"state=3,exe=4,ram=5,",			       /* empty item */
		"state=3,,exe=4,ram=5",			       /* empty item */
		"state=3,exe=4,ram=5,bogus=6",		       /* unknown key */
		"state=3,exe=4,ram=5,state=6",		       /* twice */
		"state=3,exe=4,ram=5,fallback,fallback",       /* twice */
		"state=3,exe=4,ram=5,t0=1,t0=2",	       /* twice */
		"state=3,exe=3,ram=5",			       /* one fd, two names */
		"state=3,exe=4,ram=5,ram=5",		       /* one fd, two names */
		"state=2,exe=4,ram=5",			       /* stdio */
		"state=0,exe=4,ram=5",			       /* stdio */
		"state=-3,exe=4,ram=5",			       /* sign */
		"state=+3,exe=4,ram=5",			       /* sign */
		"state= 3,exe=4,ram=5",			       /* space */
		"state=0x3,exe=4,ram=5",		       /* not decimal */
		"state=3,exe=4,ram=",			       /* empty value */
		"state=3,exe=4,ram=16777217",		       /* over RV_UPDATE_FD_MAX */
		"state=3,exe=4,ram=99999999999999999999999",   /* overflow */
		"state=3,exe=4,ram=5,t0=18446744073709551616", /* overflow */
		"state=3,exe=4,ram=5,t0=",
		"state=3,exe=4,ram=5,ram=6,ram=7,ram=8,ram=9", /* too many */
		"state=3,exe=4,ram=5,fallback=1",
		"state=3,keeper=4,ram=5,keeper=6", /* twice */
		"state=3,keeper=5,ram=5",	   /* one fd, two names */
		"state=3,keeper=2,ram=5",	   /* stdio */
		"state3,exe=4,ram=5",
		"state=3,exe=4,ram=5,console=6,console=7,console=8", /* too many */
		"state=3,exe=4,ram=5,console=5",		     /* one fd, two names */
		"state=3,exe=4,ram=5,console=2",		     /* stdio */
		"state=3,exe=4,ram=5,dev=6",			     /* no device */
		"state=3,exe=4,ram=5,dev=:6",			     /* no device */
		"state=3,exe=4,ram=5,dev=0:",			     /* no fd */
		"state=3,exe=4,ram=5,dev=0:6:7",		     /* not I:N */
		"state=3,exe=4,ram=5,dev=256:6",		     /* place too high */
		"state=3,exe=4,ram=5,dev=-1:6",			     /* sign */
		"state=3,exe=4,ram=5,dev=1:6,dev=0:7",		     /* going down */
		"state=3,exe=4,ram=5,dev=0:6,dev=1:6",		     /* one fd, two names */
		"state=3,exe=4,ram=5,dev=0:5",			     /* one fd, two names */
		"state=3,exe=4,ram=5,dev=0:1",			     /* stdio */
		"state=3,exe=4,ram=5,dev=0x1:6",		     /* not decimal */
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rv_update_fds v;

		rv_err_clear();
		if (rv_update_fds_parse(bad[i], &v) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
		if (!strstr(rv_err_msg(), "--update-fds"))
			fail_msg("\"%s\": message \"%s\" does not name the option", bad[i],
				 rv_err_msg());
	}
}

/* Under a keeper, exe= may go; the list names every fd but the keeper's. */
static void test_keeper(void **state)
{
	struct rv_update_fds v;
	int fds[8];

	(void)state;
	assert_int_equal(rv_update_fds_parse("state=3,keeper=64,ram=5,ram=6,api=7,client=8", &v),
			 0);
	assert_int_equal(v.keeper, 64);
	assert_int_equal(v.exe, -1);
	assert_int_equal(rv_update_fds_list(&v, fds, 8), 5);
	assert_int_equal(fds[0], 3);
	assert_int_equal(fds[1], 7);
	assert_int_equal(fds[2], 8);
	assert_int_equal(fds[3], 5);
	assert_int_equal(fds[4], 6);
	assert_int_equal(rv_update_fds_list(&v, fds, 4), -ENOSPC);
	/* The console's and the devices' fds cross through the keeper too. */
	assert_int_equal(rv_update_fds_parse("state=3,keeper=64,ram=5,console=9,dev=0:10,dev=2:11",
					     &v),
			 0);
	assert_int_equal(rv_update_fds_list(&v, fds, 8), 5);
	assert_int_equal(fds[2], 9);
	assert_int_equal(fds[3], 10);
	assert_int_equal(fds[4], 11);
}

/* As many dev= as a VM may hand over, and one more refused. */
static void test_dev_max(void **state)
{
	char s[RV_UPDATE_SPEC_MAX + 64];
	struct rv_update_fds v;
	int n;

	(void)state;
	n = snprintf(s, sizeof(s), "state=3,exe=4,ram=5");
	for (int i = 0; i < RV_UPDATE_MAX_DEV_FDS; i++)
		n += snprintf(s + n, sizeof(s) - n, ",dev=%d:%d", i / 4, 100 + i);
	assert_int_equal(rv_update_fds_parse(s, &v), 0);
	assert_int_equal(v.nr_dev, RV_UPDATE_MAX_DEV_FDS);
	assert_int_equal(v.dev[RV_UPDATE_MAX_DEV_FDS - 1].fd, 100 + RV_UPDATE_MAX_DEV_FDS - 1);
	snprintf(s + n, sizeof(s) - n, ",dev=%d:99", RV_UPDATE_MAX_DEV_FDS);
	assert_int_equal(rv_update_fds_parse(s, &v), -EINVAL);
}

static void test_too_long(void **state)
{
	char s[RV_UPDATE_SPEC_MAX + 64];
	struct rv_update_fds v;

	(void)state;
	strcpy(s, "state=3,exe=4,ram=5,t0=");
	memset(s + strlen(s), '0', sizeof(s) - strlen(s) - 1);
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(rv_update_fds_parse(s, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_bad),	   cmocka_unit_test(test_keeper),
		cmocka_unit_test(test_dev_max),	   cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
