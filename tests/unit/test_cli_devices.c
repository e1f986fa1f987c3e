// SPDX-License-Identifier: GPL-2.0
/*
 * Description: device options on the run command line (vmm/cli.c with
 * struct rv_device_type.option), with two fake device types standing for
 * virtio-blk (-d/--disk VALUE, checked, at most 3) and virtio-rng (--rng, a
 * flag, at most 1): every use adds one placed (slot) device with its value
 * and a numbered name, in command-line order; a bad value, a missing value,
 * too many uses are one-line errors naming the option; an unknown option is
 * still one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cli.h"
#include "vmm/device.h"
#include "vmm/util.h"
#include "msg_fx.h"

#define MAX_ARGS 32

static struct rv_cli cli;

static int fake_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	return 0;
}

static int fake_check(const char *arg)
{
	if (!strcmp(arg, "bad"))
		return rv_err(-EINVAL, "--disk %s: not a good value", arg);
	return 0;
}

static struct rv_device_type disk_type = {
	.name = "fake-blk",
	.create = fake_create,
	.option = "disk",
	.short_option = 'd',
	.option_arg = true,
	.option_check = fake_check,
	.option_help = "  --disk\n",
	.option_max = 3,
};
RV_DEVICE_TYPE(disk_type)

static struct rv_device_type rng_type = {
	.name = "fake-rng",
	.create = fake_create,
	.option = "rng",
	.option_help = "  --rng\n",
};
RV_DEVICE_TYPE(rng_type)

static int parse(const char *first, ...) __attribute__((sentinel));
static int parse(const char *first, ...)
{
	char *argv[MAX_ARGS + 1] = { "ringvmm", "run" };
	va_list ap;
	int argc;

	va_start(ap, first);
	argc = rv_test_argv_append(argv, 2, MAX_ARGS, first, ap);
	va_end(ap);
	rv_err_clear();
	return rv_cli_parse(argc, argv, &cli);
}

static void test_devices_in_order(void **state)
{
	(void)state;
	assert_int_equal(parse("--disk", "a.img", "--rng", "-d", "b.img,ro", "--disk=c.img", NULL),
			 0);
	assert_int_equal(cli.vm.nr_extra_devices, 4);
	assert_ptr_equal(cli.vm.extra_devices, cli.devices);
	assert_string_equal(cli.devices[0].type, "fake-blk");
	assert_string_equal(cli.devices[0].name, "fake-blk0");
	assert_string_equal(cli.devices[0].args, "a.img");
	assert_true(cli.devices[0].slot);
	assert_int_equal(cli.devices[0].space, RV_SPACE_MMIO);
	assert_string_equal(cli.devices[1].type, "fake-rng");
	assert_string_equal(cli.devices[1].name, "fake-rng0");
	assert_null(cli.devices[1].args);
	assert_string_equal(cli.devices[2].name, "fake-blk1");
	assert_string_equal(cli.devices[2].args, "b.img,ro");
	assert_string_equal(cli.devices[3].name, "fake-blk2");
	assert_string_equal(cli.devices[3].args, "c.img");
	/* None: no extra devices at all. */
	assert_int_equal(parse("--cpus", "2", NULL), 0);
	assert_int_equal(cli.vm.nr_extra_devices, 0);
}

static void test_device_option_errors(void **state)
{
	(void)state;
	rv_test_expect_err(parse("--disk", "bad", NULL), -EINVAL, "--disk", "bad", NULL);
	rv_test_expect_err(parse("--disk", NULL), -EINVAL, "--disk", NULL);
	rv_test_expect_err(parse("-d", NULL), -EINVAL, "--disk", NULL);
	rv_test_expect_err(parse("-d", "1", "-d", "2", "-d", "3", "-d", "4", NULL), -EINVAL,
			   "--disk", "at most 3", NULL);
	rv_test_expect_err(parse("--rng", "--rng", NULL), -EINVAL, "--rng", "at most 1", NULL);
	/* A flag takes no value. */
	rv_test_expect_err(parse("--rng=yes", NULL), -EINVAL, "unknown option", "--rng=yes", NULL);
	rv_test_expect_err(parse("--frob", NULL), -EINVAL, "unknown option", "--frob", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devices_in_order),
		cmocka_unit_test(test_device_option_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
