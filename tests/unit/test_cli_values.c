// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the values of `ringvmm run`'s options (vmm/cli.c): -m's
 * units (a number alone is MiB, bytes need a B), -c's range, -p appending
 * to the default command line and --cmdline-replace replacing it (and
 * their length), --coalesce's modes, --stats, --log-level and --metrics,
 * the memory options, and an option a device type brings (fake types
 * registered here, as --disk will be): each bad value -EINVAL with a
 * one-line message naming the option and the value.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_fx.h"

/* -m: a number alone is MiB; K/M/G/T; bytes need a B. */
static void test_mem_values(void **state)
{
	expect_ok(parse("run", "--mem", "16", NULL));
	assert_int_equal(cli.vm.mem_size, RV_CLI_MIN_MEM);
	expect_ok(parse("run", "-m", "512", NULL));
	assert_int_equal(cli.vm.mem_size, 512ULL << 20);
	expect_ok(parse("run", "-m", "16M", NULL));
	assert_int_equal(cli.vm.mem_size, RV_CLI_MIN_MEM);
	expect_ok(parse("run", "-m", "16781312B", NULL)); /* 16 MiB + 4 KiB */
	assert_int_equal(cli.vm.mem_size, (16ULL << 20) + 4096);
	expect_ok(parse("run", "-m", "32768K", NULL));
	assert_int_equal(cli.vm.mem_size, 32ULL << 20);
	expect_ok(parse("run", "--mem=0x400", NULL));
	assert_int_equal(cli.vm.mem_size, 1ULL << 30);
	expect_ok(parse("run", "-m", "2GiB", NULL));
	assert_int_equal(cli.vm.mem_size, 2ULL << 30);
	expect_ok(parse("run", "-m", "1GB", NULL));
	assert_int_equal(cli.vm.mem_size, 1ULL << 30);
	/*
	 * Valid as a size: whether the host has 12345 TiB is main's check
	 * (rv_check_host_limits), not the parser's.
	 */
	expect_ok(parse("run", "--mem", "12345T", NULL));
	assert_int_equal(cli.vm.mem_size, 12345ULL << 40);
	assert_string_equal(cli.mem_arg, "--mem 12345T");

	/* Too small: the message says how the number was read. */
	expect_error(parse("run", "--mem", "0", NULL), "--mem 0", "0 MiB", "a number alone is MiB",
		     "at least 16 MiB", NULL);
	expect_error(parse("run", "-m", "15", NULL), "-m 15", "15 MiB", NULL);
	expect_error(parse("run", "-m", "4096B", NULL), "-m 4096B", "4096 bytes", "at least", NULL);
	expect_error(parse("run", "-m", "1M", NULL), "-m 1M", "at least", NULL);
	expect_error(parse("run", "--mem=15M", NULL), "--mem 15M", "at least", NULL);
	/* Not sizes. */
	expect_error(parse("run", "--mem", "abc", NULL), "--mem abc", "not a size", NULL);
	expect_error(parse("run", "--mem", "", NULL), "--mem", "not a size", NULL);
	expect_error(parse("run", "-m", "-1G", NULL), "-m -1G", "not a size", NULL);
	expect_error(parse("run", "--mem", "1.5G", NULL), "--mem 1.5G", "not a size", NULL);
	expect_error(parse("run", "-m", "B", NULL), "-m B", "not a size", NULL);
	expect_error(parse("run", "-m", "12Q", NULL), "-m 12Q", "not a size", NULL);
	expect_error(parse("run", "--mem", "99999999999T", NULL), "--mem 99999999999T", "too large",
		     NULL);
	expect_error(parse("run", "--mem", "99999999999999", NULL), "too large", NULL);
	/* Misaligned. */
	expect_error(parse("run", "--mem", "16777217B", NULL), "--mem 16777217B",
		     "multiple of 4 KiB", NULL);
	expect_error(parse("run", "--mem=33556480B", NULL), "multiple of 4 KiB", NULL);
}

static void test_cpus_values(void **state)
{
	expect_ok(parse("run", "--cpus", "1", NULL));
	assert_int_equal(cli.vm.nr_cpus, 1);
	expect_ok(parse("run", "-c", "254", NULL));
	assert_int_equal(cli.vm.nr_cpus, RV_CLI_MAX_CPUS);
	assert_string_equal(cli.cpus_arg, "-c 254");
	expect_ok(parse("run", "--cpus=0x10", NULL));
	assert_int_equal(cli.vm.nr_cpus, 16);

	expect_error(parse("run", "--cpus", "0", NULL), "--cpus 0", "1 to 254", NULL);
	expect_error(parse("run", "-c", "-1", NULL), "-c -1", "1 to 254", NULL);
	expect_error(parse("run", "--cpus", "255", NULL), "--cpus 255", "1 to 254", NULL);
	expect_error(parse("run", "--cpus", "x", NULL), "--cpus x", "not a number", NULL);
	expect_error(parse("run", "--cpus=", NULL), "--cpus", "not a number", NULL);
	expect_error(parse("run", "--cpus", "2K", NULL), "--cpus 2K", NULL);
	/* Would truncate to 1 in an unsigned int. */
	expect_error(parse("run", "--cpus", "4294967297", NULL), "--cpus 4294967297", NULL);
	expect_error(parse("run", "--cpus", "99999999999999999999", NULL), "--cpus", NULL);
}

/* -p appends to the default command line; --cmdline-replace replaces it. */
static void test_cmdline(void **state)
{
	expect_ok(parse("run", "-k", "k", "-p", "root=/dev/vda rw", NULL));
	assert_string_equal(cli.vm.cmdline, "console=ttyS0 root=/dev/vda rw");
	expect_ok(parse("run", "-k", "k", "--cmdline", "quiet", NULL));
	assert_string_equal(cli.vm.cmdline, "console=ttyS0 quiet");
	/* An empty -p adds nothing, not a trailing space. */
	expect_ok(parse("run", "-k", "k", "-p", "", NULL));
	assert_string_equal(cli.vm.cmdline, "console=ttyS0");
	expect_ok(parse("run", "-k", "k", "--cmdline-replace", "console=hvc0 quiet", NULL));
	assert_string_equal(cli.vm.cmdline, "console=hvc0 quiet");
	/* An empty replacement is an empty command line. */
	expect_ok(parse("run", "-k", "k", "--cmdline-replace=", NULL));
	assert_string_equal(cli.vm.cmdline, "");

	/* Without a kernel there is no command line to add to. */
	expect_error(parse("run", "-p", "quiet", NULL), "-p quiet", "needs --kernel", NULL);
	expect_error(parse("run", "--cmdline=quiet", NULL), "--cmdline quiet", "needs --kernel",
		     NULL);
	expect_error(parse("run", "--cmdline-replace", "x", NULL), "--cmdline-replace x",
		     "needs --kernel", NULL);
	expect_error(parse("run", "--initrd", "rd", NULL), "--initrd rd needs --kernel", NULL);
	/* Order does not matter once --kernel is there. */
	expect_ok(parse("run", "--initrd", "rd", "-p", "quiet", "--kernel", "k", NULL));
	assert_string_equal(cli.vm.initrd, "rd");
	assert_string_equal(cli.vm.cmdline, "console=ttyS0 quiet");
}

static void test_cmdline_too_long(void **state)
{
	char *big = malloc(RV_CLI_CMDLINE_MAX + 1);

	assert_non_null(big);
	memset(big, 'x', RV_CLI_CMDLINE_MAX);
	big[RV_CLI_CMDLINE_MAX] = '\0';
	expect_error(parse("run", "-k", "k", "-p", big, NULL), "-p", "kernel command line",
		     "more than 4095", NULL);
	expect_error(parse("run", "-k", "k", "--cmdline-replace", big, NULL), "--cmdline-replace",
		     NULL);
	/* The longest that fits. */
	big[RV_CLI_CMDLINE_MAX - 1] = '\0';
	expect_ok(parse("run", "-k", "k", "--cmdline-replace", big, NULL));
	assert_int_equal(strlen(cli.vm.cmdline), RV_CLI_CMDLINE_MAX - 1);
	free(big);
}

static void test_coalesce(void **state)
{
	expect_ok(parse("run", "--coalesce", "off", NULL));
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_OFF);
	expect_ok(parse("run", "--coalesce=vm-ring", NULL));
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_VM_RING);
	expect_ok(parse("run", "--coalesce", "per-device", NULL));
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_PER_DEVICE);

	expect_ok(parse("run", "--coalesce-flush-us", "250", NULL));
	assert_int_equal(cli.vm.coalesce_flush_ns, 250000);
	expect_ok(parse("run", "--coalesce-flush-us=1", "--coalesce", "off", NULL));
	assert_int_equal(cli.vm.coalesce_flush_ns, 1000);
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_OFF);
	expect_ok(parse("run", "--coalesce-flush-us", "60000000", NULL));
	assert_int_equal(cli.vm.coalesce_flush_ns, 60000000000ULL);

	expect_error(parse("run", "--coalesce", "on", NULL), "--coalesce on",
		     "off, vm-ring, per-device", NULL);
	/* The benchmark's doorbell mode is not a run mode. */
	expect_error(parse("run", "--coalesce", "doorbell", NULL), "--coalesce doorbell", NULL);
	expect_error(parse("run", "--coalesce=", NULL), "--coalesce", "per-device", NULL);
	expect_error(parse("run", "--coalesce", "Per-Device", NULL), "--coalesce Per-Device", NULL);
	expect_error(parse("run", "--coalesce-flush-us", "0", NULL), "--coalesce-flush-us 0",
		     "microseconds", NULL);
	expect_error(parse("run", "--coalesce-flush-us", "-5", NULL), "--coalesce-flush-us -5",
		     NULL);
	expect_error(parse("run", "--coalesce-flush-us", "1ms", NULL), "--coalesce-flush-us 1ms",
		     NULL);
	expect_error(parse("run", "--coalesce-flush-us=60000001", NULL),
		     "--coalesce-flush-us 60000001", NULL);
	expect_error(parse("run", "--coalesce-flush-us", "99999999999999999999", NULL),
		     "--coalesce-flush-us", NULL);
	/* Whole words only: neither a prefix nor an abbreviation. */
	expect_error(parse("run", "--coalesce-flush", "5", NULL), "unknown option",
		     "--coalesce-flush", NULL);
	expect_error(parse("run", "--coal", "off", NULL), "unknown option", "--coal", NULL);
	expect_error(parse("run", "--coalescex", NULL), "unknown option", NULL);
}

static void test_stats_log_metrics(void **state)
{
	expect_error(parse("run", "--stats=xml", NULL), "--stats=xml", "text, json", NULL);
	/* --stats takes its value with '=' only. */
	expect_error(parse("run", "--stats", "json", NULL), "unexpected argument", "--stats=json",
		     NULL);

	for (int l = RV_LOG_ERROR; l <= RV_LOG_DEBUG; l++) {
		static const char *const names[] = { "error", "warn", "info", "debug" };

		expect_ok(parse("run", "--log-level", names[l], NULL));
		assert_int_equal(cli.log_level, l);
	}
	expect_error(parse("run", "--log-level", "loud", NULL), "--log-level loud",
		     "error, warn, info, debug", NULL);
	expect_error(parse("run", "--log-level", "info", "-v", NULL), "--verbose", "--log-level",
		     "exclude", NULL);

	expect_ok(parse("run", "--metrics", "/tmp/m.jsonl", NULL));
	assert_string_equal(cli.metrics_path, "/tmp/m.jsonl");
	assert_int_equal(cli.metrics_interval_ms, RV_CLI_METRICS_DEFAULT_MS);
	expect_ok(parse("run", "--metrics=/tmp/m.jsonl,interval=250", NULL));
	assert_string_equal(cli.metrics_path, "/tmp/m.jsonl");
	assert_int_equal(cli.metrics_interval_ms, 250);
	/* A comma in the file name; the last ",interval=" is the option's. */
	expect_ok(parse("run", "--metrics", "a,b,interval=x,interval=10", NULL));
	assert_string_equal(cli.metrics_path, "a,b,interval=x");
	assert_int_equal(cli.metrics_interval_ms, 10);
	expect_ok(parse("run", "--metrics", "a,b", NULL));
	assert_string_equal(cli.metrics_path, "a,b");

	expect_error(parse("run", "--metrics", "m,interval=9", NULL), "--metrics m,interval=9",
		     "10 to 3600000", NULL);
	expect_error(parse("run", "--metrics", "m,interval=3600001", NULL), "interval=", NULL);
	expect_error(parse("run", "--metrics", "m,interval=1s", NULL), "--metrics m,interval=1s",
		     NULL);
	expect_error(parse("run", "--metrics", "m,interval=", NULL), "interval=", NULL);
	expect_error(parse("run", "--metrics", "", NULL), "--metrics", "needs a file name", NULL);
	expect_error(parse("run", "--metrics", ",interval=100", NULL), "needs a file name", NULL);
}

/* A device type's own run option (vmm/device.h), as --disk will be. */
static int fake_disk_check(const char *value)
{
	return strstr(value, "bad") ? rv_err(-EINVAL, "\"bad\" is not a disk") : 0;
}

static const struct rv_device_option fake_disk_opt = {
	.name = "fake-disk",
	.short_name = 'D',
	.metavar = "FILE",
	.help = "a disk image (a test device)",
	.repeat = true,
	.check = fake_disk_check,
};

static struct rv_device_type fake_disk_type = {
	.name = "fake-disk",
	.cli_option = &fake_disk_opt,
};

static const struct rv_device_option fake_rng_opt = {
	.name = "fake-rng",
	.help = "a random number generator (a test device)",
};

static struct rv_device_type fake_rng_type = {
	.name = "fake-rng",
	.cli_option = &fake_rng_opt,
};

RV_DEVICE_TYPE(fake_disk_type)
RV_DEVICE_TYPE(fake_rng_type)

static void test_device_options(void **state)
{
	char *text;

	expect_ok(parse("run", NULL));
	assert_int_equal(cli.vm.nr_device_args, 0);
	expect_ok(parse("run", "--fake-disk", "a.img", "-Db.img", "--fake-rng", "--fake-disk=c.img",
			NULL));
	assert_int_equal(cli.vm.nr_device_args, 4);
	assert_ptr_equal(cli.vm.device_args[0].type, &fake_disk_type);
	assert_string_equal(cli.vm.device_args[0].value, "a.img");
	assert_string_equal(cli.vm.device_args[1].value, "b.img");
	assert_ptr_equal(cli.vm.device_args[2].type, &fake_rng_type);
	assert_null(cli.vm.device_args[2].value);
	assert_string_equal(cli.vm.device_args[3].value, "c.img");

	/* The device's check names the value; the CLI adds the option. */
	expect_error(parse("run", "-D", "bad.img", NULL), "-D bad.img", "is not a disk", NULL);
	/* Not repeatable unless the device says so. */
	expect_error(parse("run", "--fake-rng", "--fake-rng", NULL), "may be given only once",
		     NULL);
	expect_error(parse("run", "--fake-rng=1", NULL), "--fake-rng takes no value", NULL);

	/* In run --help, as the table's own options are. */
	text = rv_test_capture(rv_cli_run_usage);
	assert_non_null(strstr(text, "-D, --fake-disk FILE"));
	assert_non_null(strstr(text, "a disk image (a test device)"));
	assert_non_null(strstr(text, "--fake-rng"));
	free(text);
	assert_non_null(rv_cli_run_option("fake-disk"));
}

/* --mem-backend, --passthrough (the spec parser: test_memmap.c), --memmap. */
static void test_memory_options(void **state)
{
	char *argv[2 + 2 * (RV_MEM_MAX_PASSTHROUGH + 1)] = { "ringvmm", "run" };
	char specs[RV_MEM_MAX_PASSTHROUGH + 1][64];
	int argc = 2;

	expect_ok(parse("run", NULL));
	assert_int_equal(cli.vm.mem_backend, RV_MEM_BACKEND_ANON);
	assert_int_equal(cli.vm.nr_passthrough, 0);
	assert_false(cli.memmap);

	expect_ok(parse("run", "--mem-backend", "guest_memfd", "--memmap", NULL));
	assert_int_equal(cli.vm.mem_backend, RV_MEM_BACKEND_GUEST_MEMFD);
	assert_true(cli.memmap);
	expect_ok(parse("run", "--mem-backend=hugetlb", NULL));
	assert_int_equal(cli.vm.mem_backend, RV_MEM_BACKEND_HUGETLB);
	expect_ok(parse("run", "--mem-backend", "memfd", NULL));
	assert_int_equal(cli.vm.mem_backend, RV_MEM_BACKEND_MEMFD);
	expect_error(parse("run", "--mem-backend", "pfnmap", NULL), "--mem-backend pfnmap", NULL);
	expect_error(parse("run", "--mem-backend", NULL), "--mem-backend needs a value", NULL);

	expect_ok(parse("run", "--passthrough",
			"path=/dev/mem,offset=0x70000000,size=16M,gpa=0xe0000000",
			"--passthrough=path=/tmp/f,size=4K,gpa=0xe1000000,ro", NULL));
	assert_int_equal(cli.vm.nr_passthrough, 2);
	assert_string_equal(cli.vm.passthrough[0].path, "/dev/mem");
	assert_int_equal(cli.vm.passthrough[0].offset, 0x70000000);
	assert_int_equal(cli.vm.passthrough[0].size, 16 << 20);
	assert_int_equal(cli.vm.passthrough[0].gpa, 0xe0000000);
	assert_false(cli.vm.passthrough[0].readonly);
	assert_string_equal(cli.vm.passthrough[0].name, "pt0");
	assert_string_equal(cli.vm.passthrough[1].path, "/tmp/f");
	assert_true(cli.vm.passthrough[1].readonly);
	assert_string_equal(cli.vm.passthrough[1].name, "pt1");
	/* A bad spec is named by its slot. */
	expect_error(parse("run", "--passthrough", "path=/a,size=4K,gpa=0xe0000000",
			   "--passthrough", "path=/b,size=4K", NULL),
		     "pt1", "gpa=ADDR is missing", NULL);
	expect_error(parse("run", "--passthrough", NULL), "--passthrough needs a value", NULL);

	/* RV_MEM_MAX_PASSTHROUGH slots, and not one more. */
	for (unsigned int i = 0; i <= RV_MEM_MAX_PASSTHROUGH; i++) {
		snprintf(specs[i], sizeof(specs[i]), "path=/f,size=4K,gpa=0x%x",
			 0xe0000000 + i * 0x1000);
		argv[argc++] = "--passthrough";
		argv[argc++] = specs[i];
	}
	rv_err_clear();
	expect_ok(rv_cli_parse(argc - 2, argv, &cli));
	assert_int_equal(cli.vm.nr_passthrough, RV_MEM_MAX_PASSTHROUGH);
	assert_string_equal(cli.vm.passthrough[RV_MEM_MAX_PASSTHROUGH - 1].name, "pt7");
	expect_error(rv_cli_parse(argc, argv, &cli), "--passthrough", "at most 8", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_values),     cmocka_unit_test(test_cpus_values),
		cmocka_unit_test(test_cmdline),	       cmocka_unit_test(test_cmdline_too_long),
		cmocka_unit_test(test_coalesce),       cmocka_unit_test(test_stats_log_metrics),
		cmocka_unit_test(test_device_options), cmocka_unit_test(test_memory_options),
	};

	return cmocka_run_group_tests_name("cli_values", tests, NULL, NULL);
}
