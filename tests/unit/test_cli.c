// SPDX-License-Identifier: GPL-2.0
/*
 * Description: command-line parsing (vmm/cli.c on the option tables of
 * vmm/opt.c), a pure function of argv. The defaults; every run option in
 * "--opt value", "--opt=value" and its short form; options given twice;
 * each command's --help from its table; -m's units; -p appending to the
 * default command line and --cmdline-replace replacing it; --log-level,
 * --metrics; an option a device type brings (a fake type registered here);
 * and each kind of bad input: -EINVAL with a one-line message in
 * rv_err_msg() naming the option and the value. The error context is
 * cleared before every case.
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

#include "vmm/cli.h"
#include "vmm/util.h"
#include "msg_fx.h"

#define MAX_ARGS 24

static struct rv_cli cli;

/* Parse "ringvmm" followed by the NULL-terminated arguments (none if @first is NULL). */
static int parse(const char *first, ...) __attribute__((sentinel));
static int parse(const char *first, ...)
{
	char *argv[MAX_ARGS + 1] = { "ringvmm" };
	int argc;
	va_list ap;

	va_start(ap, first);
	argc = rv_test_argv_append(argv, 1, MAX_ARGS, first, ap);
	va_end(ap);
	rv_err_clear();
	return rv_cli_parse(argc, argv, &cli);
}

/*
 * The parse must fail with -EINVAL and a one-line message containing each of
 * the NULL-terminated key words.
 */
static void expect_error(int ret, ...) __attribute__((sentinel));
static void expect_error(int ret, ...)
{
	va_list ap;

	va_start(ap, ret);
	rv_test_expect_err_v(ret, -EINVAL, ap);
	va_end(ap);
}

static void expect_ok(int ret)
{
	if (ret)
		fail_msg("parse returned %d: \"%s\"", ret, rv_err_msg());
	assert_string_equal(rv_err_msg(), "");
}

static void test_defaults(void **state)
{
	expect_ok(parse("run", NULL));
	assert_int_equal(cli.cmd, RV_CMD_RUN);
	assert_int_equal(cli.vm.mem_size, RV_CLI_DEFAULT_MEM);
	assert_int_equal(cli.vm.mem_size, 256ULL << 20);
	assert_int_equal(cli.vm.nr_cpus, 1);
	assert_null(cli.vm.kernel);
	assert_null(cli.vm.initrd);
	/* The built-in guest takes no command line. */
	assert_null(cli.vm.cmdline);
	assert_int_equal(cli.vm.console_in_fd, 0);
	assert_int_equal(cli.vm.console_out_fd, 1);
	assert_int_equal(cli.stats, RV_STATS_OFF);
	assert_false(cli.verbose);
	assert_false(cli.help);
	assert_false(cli.json);
	assert_int_equal(cli.log_level, RV_LOG_WARN);
	assert_string_equal(cli.metrics_path, "");
	assert_int_equal(cli.vm.nr_device_args, 0);
	/* Coalescing per device, drained at least every millisecond. */
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_PER_DEVICE);
	assert_int_equal(cli.vm.coalesce_flush_ns, 1000000);

	/* The default command line comes with --kernel only. */
	expect_ok(parse("run", "--kernel", "bzImage", NULL));
	assert_string_equal(cli.vm.kernel, "bzImage");
	assert_string_equal(cli.vm.cmdline, RV_CLI_DEFAULT_CMDLINE);
	assert_string_equal(cli.vm.cmdline, "console=ttyS0");
}

/* Every run option: "--opt value", "--opt=value", and "-o value" / "-ovalue". */
static void test_options_all_forms(void **state)
{
	expect_ok(parse("run", "--kernel", "vmlinux", "--initrd", "initrd.img", "--cmdline",
			"quiet", "--mem", "1G", "--cpus", "4", NULL));
	assert_string_equal(cli.vm.kernel, "vmlinux");
	assert_string_equal(cli.vm.initrd, "initrd.img");
	assert_string_equal(cli.vm.cmdline, "console=ttyS0 quiet");
	assert_int_equal(cli.vm.mem_size, 1ULL << 30);
	assert_int_equal(cli.vm.nr_cpus, 4);

	expect_ok(parse("run", "--kernel=vmlinux2", "--initrd=rd2", "--params=root=/dev/vda ro",
			"--mem=512MiB", "--cpus=2", NULL));
	assert_string_equal(cli.vm.kernel, "vmlinux2");
	assert_string_equal(cli.vm.initrd, "rd2");
	/* Only the first '=' separates: the value keeps its own. */
	assert_string_equal(cli.vm.cmdline, "console=ttyS0 root=/dev/vda ro");
	assert_int_equal(cli.vm.mem_size, 512ULL << 20);
	assert_int_equal(cli.vm.nr_cpus, 2);

	/* lkvm's short forms. */
	expect_ok(parse("run", "-k", "bzImage", "-i", "rd", "-p", "rw", "-m", "512", "-c", "2",
			NULL));
	assert_string_equal(cli.vm.kernel, "bzImage");
	assert_string_equal(cli.vm.initrd, "rd");
	assert_string_equal(cli.vm.cmdline, "console=ttyS0 rw");
	assert_int_equal(cli.vm.mem_size, 512ULL << 20);
	assert_int_equal(cli.vm.nr_cpus, 2);
	expect_ok(parse("run", "-kbz", "-ir60", "-pquiet", "-m1G", "-c3", "-v", NULL));
	assert_string_equal(cli.vm.kernel, "bz");
	assert_string_equal(cli.vm.initrd, "r60");
	assert_string_equal(cli.vm.cmdline, "console=ttyS0 quiet");
	assert_int_equal(cli.vm.mem_size, 1ULL << 30);
	assert_int_equal(cli.vm.nr_cpus, 3);
	assert_true(cli.verbose);
	/* Flags cluster, and the last may take a value. */
	expect_ok(parse("run", "-vc", "5", NULL));
	assert_true(cli.verbose);
	assert_int_equal(cli.vm.nr_cpus, 5);

	/* Every other run option, in both long forms. */
	expect_ok(parse("run", "--dump-dtb", "a.dtb", "--coalesce", "off", "--coalesce-flush-us",
			"5", "--mem-backend", "memfd", "--log-level", "info", "--metrics", "m.json",
			NULL));
	assert_string_equal(cli.vm.dump_dtb, "a.dtb");
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_OFF);
	assert_int_equal(cli.vm.coalesce_flush_ns, 5000);
	assert_int_equal(cli.vm.mem_backend, RV_MEM_BACKEND_MEMFD);
	assert_int_equal(cli.log_level, RV_LOG_INFO);
	assert_string_equal(cli.metrics_path, "m.json");
	expect_ok(parse("run", "--dump-dtb=b.dtb", "--coalesce=vm-ring", "--coalesce-flush-us=6",
			"--mem-backend=anon", "--log-level=error", "--metrics=n.json", NULL));
	assert_string_equal(cli.vm.dump_dtb, "b.dtb");
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_VM_RING);
	assert_int_equal(cli.vm.coalesce_flush_ns, 6000);
	assert_int_equal(cli.vm.mem_backend, RV_MEM_BACKEND_ANON);
	assert_int_equal(cli.log_level, RV_LOG_ERROR);
	assert_string_equal(cli.metrics_path, "n.json");

	/* Flags. */
	expect_ok(parse("run", "--stats", NULL));
	assert_int_equal(cli.stats, RV_STATS_TEXT);
	expect_ok(parse("run", "--stats=text", NULL));
	assert_int_equal(cli.stats, RV_STATS_TEXT);
	expect_ok(parse("run", "--stats=json", NULL));
	assert_int_equal(cli.stats, RV_STATS_JSON);
	expect_ok(parse("run", "--verbose", NULL));
	assert_true(cli.verbose);
	assert_int_equal(cli.log_level, RV_LOG_DEBUG);
	expect_ok(parse("run", "-v", NULL));
	assert_true(cli.verbose);
	expect_ok(parse("run", "--memmap", NULL));
	assert_true(cli.memmap);

	/* Nothing leaks between parses. */
	expect_ok(parse("run", NULL));
	assert_int_equal(cli.vm.mem_size, RV_CLI_DEFAULT_MEM);
	assert_int_equal(cli.vm.nr_cpus, 1);
	assert_int_equal(cli.stats, RV_STATS_OFF);
	assert_false(cli.verbose);
	assert_false(cli.memmap);
}

/* An option given twice is refused, in whatever spellings, unless repeatable. */
static void test_duplicates(void **state)
{
	static const char *const twice[][4] = {
		{ "--kernel", "a", "--kernel", "b" },
		{ "-k", "a", "--kernel=b" },
		{ "--initrd=a", "-ib" },
		{ "--mem", "1G", "--mem=2G" },
		{ "-m", "512", "--mem", "1G" },
		{ "--cpus", "3", "-c", "8" },
		{ "-c1", "-c2" },
		{ "-p", "a", "--cmdline", "b" },
		{ "--params", "a", "-p", "b" },
		{ "--cmdline-replace", "a", "--cmdline-replace=b" },
		{ "--coalesce", "off", "--coalesce", "per-device" },
		{ "--coalesce-flush-us", "1", "--coalesce-flush-us", "2" },
		{ "--mem-backend", "anon", "--mem-backend", "memfd" },
		{ "--dump-dtb", "a", "--dump-dtb", "b" },
		{ "--stats", "--stats=json" },
		{ "--metrics", "a", "--metrics", "b" },
		{ "--log-level", "info", "--log-level", "debug" },
		{ "--memmap", "--memmap" },
		{ "-v", "--verbose" },
	};

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(twice); i++) {
		rv_err_clear();
		expect_error(parse("run", twice[i][0], twice[i][1], twice[i][2], twice[i][3], NULL),
			     "run: ", "may be given only once", NULL);
	}
	/* The message names the option, both spellings, and the value given again. */
	expect_error(parse("run", "-m", "512", "--mem", "1G", NULL), "--mem 1G", "-m/--mem", NULL);
	expect_error(parse("run", "-k", "a", "-kb", NULL), "-k b", NULL);
	/* -p and --cmdline-replace say different things of one line. */
	expect_error(parse("run", "-k", "k", "-p", "quiet", "--cmdline-replace", "ro", NULL),
		     "--cmdline-replace \"ro\"", "-p was given too", NULL);
	expect_error(parse("run", "-k", "k", "--cmdline-replace", "ro", "--params", "x", NULL),
		     "--params \"x\"", "--cmdline-replace was given too", NULL);
	/* --passthrough may be repeated: test_memory_options. */
}

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
	expect_error(parse("run", "--stats", "json", NULL), "unexpected argument", "json", NULL);

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

static void test_missing_values(void **state)
{
	static const char *const opts[] = {
		"--kernel",
		"--initrd",
		"--cmdline",
		"--params",
		"--mem",
		"--cpus",
		"--coalesce",
		"--coalesce-flush-us",
		"--metrics",
		"--log-level",
		"--dump-dtb",
		"--cmdline-replace",
		"-k",
		"-i",
		"-p",
		"-m",
		"-c",
		"--mem-backend",
		"--passthrough",
	};

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(opts); i++) {
		expect_error(parse("run", opts[i], NULL), opts[i], "needs a value", NULL);
		/* Also after other, valid, options. */
		expect_error(parse("run", "--kernel=k", "--verbose", opts[i], NULL), opts[i],
			     "needs a value", NULL);
	}
}

static void test_unknown(void **state)
{
	expect_error(parse(NULL, NULL), "no command", NULL);
	expect_error(parse("frobnicate", NULL), "unknown command", "frobnicate", NULL);
	expect_error(parse("--mem", "1G", NULL), "unknown command", "--mem", NULL);
	expect_error(parse("", NULL), "unknown command", NULL);
	expect_error(parse("run", "--bogus", NULL), "unknown option", "--bogus", NULL);
	expect_error(parse("run", "-x", NULL), "unknown option", "-x", NULL);
	expect_error(parse("run", "-vx", NULL), "unknown option", "-x", NULL);
	expect_error(parse("run", "--kernel", "k", "extra", NULL), "unexpected argument", "extra",
		     NULL);
	expect_error(parse("run", "--", "x", NULL), "unexpected argument", "x", NULL);
	/* Options are whole words, not prefixes or abbreviations. */
	expect_error(parse("run", "--kernelx", "k", NULL), "unknown option", "--kernelx", NULL);
	expect_error(parse("run", "--mem512M", NULL), "unknown option", "--mem512M", NULL);
	expect_error(parse("run", "--ker", "k", NULL), "unknown option", "--ker", NULL);
	expect_error(parse("run", "--ker=k", NULL), "unknown option \"--ker\"", NULL);
	expect_error(parse("run", "--verbose=1", NULL), "--verbose takes no value", NULL);
	expect_error(parse("run", "--memmap=yes", NULL), "--memmap takes no value", NULL);
	/* The first bad word is reported. */
	expect_error(parse("run", "--one", "--two", NULL), "--one", NULL);
	assert_null(strstr(rv_err_msg(), "--two"));
	/* The disk and net letters are kept for the devices that bring them. */
	expect_error(parse("run", "-d", "disk.img", NULL), "unknown option", "-d", NULL);
	expect_error(parse("run", "-n", "tap0", NULL), "unknown option", "-n", NULL);
	assert_null(rv_cli_run_option("disk"));
}

static void test_caps(void **state)
{
	expect_ok(parse("caps", NULL));
	assert_int_equal(cli.cmd, RV_CMD_CAPS);
	assert_false(cli.json);
	expect_ok(parse("caps", "--json", NULL));
	assert_int_equal(cli.cmd, RV_CMD_CAPS);
	assert_true(cli.json);
	expect_ok(parse("caps", "--help", NULL));
	assert_true(cli.help);
	expect_ok(parse("caps", "-h", NULL));
	assert_true(cli.help);

	expect_error(parse("caps", "--bogus", NULL), "caps", "unknown option", "--bogus", NULL);
	expect_error(parse("caps", "--json", "--mem", "1G", NULL), "caps", "unknown option",
		     "--mem", NULL);
	expect_error(parse("caps", "--json=1", NULL), "--json takes no value", NULL);
	expect_error(parse("caps", "--json", "--json", NULL), "may be given only once", NULL);
}

/* bench: the command and its sub-command; its options are test_bench.c's. */
static void test_bench(void **state)
{
	expect_ok(parse("bench", "coalesce", NULL));
	assert_int_equal(cli.cmd, RV_CMD_BENCH);
	assert_int_equal(cli.bench.nr_modes, RV_BENCH_NR_MODES);
	expect_ok(parse("bench", "coalesce", "--mode", "off", "--writes=10", "--json", NULL));
	assert_int_equal(cli.bench.nr_modes, 1);
	assert_int_equal(cli.bench.writes, 10);
	assert_int_equal(cli.bench.format, RV_BENCH_JSON);
	expect_ok(parse("bench", "--help", NULL));
	assert_true(cli.bench.help);
	expect_ok(parse("bench", "coalesce", "-h", NULL));
	assert_true(cli.bench.help);
	expect_error(parse("bench", NULL), "bench", "which benchmark", NULL);
	expect_error(parse("bench", "boot", NULL), "bench", "unknown benchmark", "boot", NULL);
	expect_error(parse("bench", "coalesce", "--kernel", "k", NULL), "unknown option",
		     "--kernel", NULL);
	expect_error(parse("bench", "coalesce", "--cpus", "0", NULL), "--cpus 0", NULL);
	assert_non_null(strstr(rv_cli_usage, "ringvmm bench coalesce"));
}

/* What `ringvmm run --help` (or caps --help) prints, from the table. */
static char *usage_of(void (*fn)(FILE *))
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fn(f);
	fclose(f);
	return text;
}

static void test_help_version(void **state)
{
	static const char *const help[] = { "--help", "-h", "help" };
	static const char *const version[] = { "--version", "-V" };
	static const char *const run_opts[] = {
		"-k, --kernel FILE",
		"-i, --initrd FILE",
		"-p, --cmdline, --params STR",
		"--cmdline-replace STR",
		"-m, --mem SIZE",
		"-c, --cpus N",
		"--mem-backend B",
		"--passthrough path=FILE,size=N,gpa=ADDR[,offset=N][,ro]",
		"--memmap",
		"--dump-dtb FILE",
		"--coalesce MODE",
		"--coalesce-flush-us N",
		"--stats[=json]",
		"--metrics FILE[,interval=MS]",
		"--log-level L",
		"-v, --verbose",
		"-h, --help",
	};
	char *text;

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(help); i++) {
		expect_ok(parse(help[i], NULL));
		assert_int_equal(cli.cmd, RV_CMD_HELP);
		/* Whatever follows is not looked at. */
		expect_ok(parse(help[i], "--bogus", NULL));
		assert_int_equal(cli.cmd, RV_CMD_HELP);
	}
	for (unsigned int i = 0; i < RV_ARRAY_SIZE(version); i++) {
		expect_ok(parse(version[i], NULL));
		assert_int_equal(cli.cmd, RV_CMD_VERSION);
	}
	/* Each command's --help, even after other options (they are not checked). */
	expect_ok(parse("run", "--help", NULL));
	assert_int_equal(cli.cmd, RV_CMD_RUN);
	assert_true(cli.help);
	expect_ok(parse("run", "-k", "k", "-h", NULL));
	assert_true(cli.help);
	expect_ok(parse("run", "-p", "x", "--help", NULL));
	assert_true(cli.help);

	/* The top-level usage names the commands and where their options are. */
	assert_non_null(strstr(rv_cli_usage, "ringvmm run"));
	assert_non_null(strstr(rv_cli_usage, "ringvmm caps"));
	assert_non_null(strstr(rv_cli_usage, "ringvmm run --help"));
	assert_non_null(strstr(rv_cli_usage, "--version"));

	/* run --help: every option of the table, and lines that fit a terminal. */
	text = usage_of(rv_cli_run_usage);
	assert_non_null(strstr(text, "usage: ringvmm run [options]"));
	for (unsigned int i = 0; i < RV_ARRAY_SIZE(run_opts); i++)
		if (!strstr(text, run_opts[i]))
			fail_msg("run --help lacks \"%s\"", run_opts[i]);
	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n");

		if (len > 80)
			fail_msg("run --help line over 80 columns: \"%.*s\"", (int)len, l);
		l += len + (l[len] == '\n');
	}
	free(text);
	text = usage_of(rv_cli_caps_usage);
	assert_non_null(strstr(text, "usage: ringvmm caps"));
	assert_non_null(strstr(text, "--json"));
	assert_non_null(strstr(text, "-h, --help"));
	free(text);
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
	text = usage_of(rv_cli_run_usage);
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
		cmocka_unit_test(test_memory_options),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options_all_forms),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_mem_values),
		cmocka_unit_test(test_cpus_values),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_cmdline_too_long),
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_stats_log_metrics),
		cmocka_unit_test(test_missing_values),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_bench),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_device_options),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
