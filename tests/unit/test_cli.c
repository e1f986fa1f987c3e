// SPDX-License-Identifier: GPL-2.0
/*
 * Description: command-line parsing (vmm/cli.c), a pure function of argv.
 * The defaults, every run option in both "--opt value" and "--opt=value"
 * forms (--coalesce and --coalesce-flush-us included), the caps / bench / help /
 * version commands, and each kind of bad input:
 * -EINVAL with a one-line message in rv_err_msg() that names what was wrong.
 * The error context is cleared before every case.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cli.h"
#include "vmm/util.h"
#include "msg_fx.h"

#define MAX_ARGS 16

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
	assert_false(cli.json);
	/* Coalescing per device, drained at least every millisecond. */
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_PER_DEVICE);
	assert_int_equal(cli.vm.coalesce_flush_ns, 1000000);

	/* The default command line comes with --kernel only. */
	expect_ok(parse("run", "--kernel", "bzImage", NULL));
	assert_string_equal(cli.vm.kernel, "bzImage");
	assert_string_equal(cli.vm.cmdline, RV_CLI_DEFAULT_CMDLINE);
	assert_string_equal(cli.vm.cmdline, "console=ttyS0");
}

static void test_options_both_forms(void **state)
{
	expect_ok(parse("run", "--kernel", "vmlinux", "--initrd", "initrd.img", "--cmdline",
			"console=ttyS0 quiet", "--mem", "1G", "--cpus", "4", NULL));
	assert_string_equal(cli.vm.kernel, "vmlinux");
	assert_string_equal(cli.vm.initrd, "initrd.img");
	assert_string_equal(cli.vm.cmdline, "console=ttyS0 quiet");
	assert_int_equal(cli.vm.mem_size, 1ULL << 30);
	assert_int_equal(cli.vm.nr_cpus, 4);

	expect_ok(parse("run", "--kernel=vmlinux2", "--initrd=rd2", "--cmdline=root=/dev/vda ro",
			"--mem=512MiB", "--cpus=2", NULL));
	assert_string_equal(cli.vm.kernel, "vmlinux2");
	assert_string_equal(cli.vm.initrd, "rd2");
	/* Only the first '=' separates: the value keeps its own. */
	assert_string_equal(cli.vm.cmdline, "root=/dev/vda ro");
	assert_int_equal(cli.vm.mem_size, 512ULL << 20);
	assert_int_equal(cli.vm.nr_cpus, 2);

	/* An empty command line is a command line. */
	expect_ok(parse("run", "--kernel", "k", "--cmdline=", NULL));
	assert_string_equal(cli.vm.cmdline, "");
	expect_ok(parse("run", "--kernel", "k", "--cmdline", "", NULL));
	assert_string_equal(cli.vm.cmdline, "");

	/* Flags. */
	expect_ok(parse("run", "--stats", NULL));
	assert_int_equal(cli.stats, RV_STATS_TEXT);
	expect_ok(parse("run", "--stats=text", NULL));
	assert_int_equal(cli.stats, RV_STATS_TEXT);
	expect_ok(parse("run", "--stats=json", NULL));
	assert_int_equal(cli.stats, RV_STATS_JSON);
	expect_ok(parse("run", "--verbose", NULL));
	assert_true(cli.verbose);
	expect_ok(parse("run", "-v", NULL));
	assert_true(cli.verbose);

	/* The last of a repeated option wins; nothing leaks between parses. */
	expect_ok(parse("run", "--mem", "1G", "--mem=2G", "--cpus", "3", "--cpus=8", NULL));
	assert_int_equal(cli.vm.mem_size, 2ULL << 30);
	assert_int_equal(cli.vm.nr_cpus, 8);
	expect_ok(parse("run", NULL));
	assert_int_equal(cli.vm.mem_size, RV_CLI_DEFAULT_MEM);
	assert_int_equal(cli.vm.nr_cpus, 1);
	assert_int_equal(cli.stats, RV_STATS_OFF);
	assert_false(cli.verbose);
}

static void test_mem_values(void **state)
{
	expect_ok(parse("run", "--mem", "16M", NULL));
	assert_int_equal(cli.vm.mem_size, RV_CLI_MIN_MEM);
	expect_ok(parse("run", "--mem", "16781312", NULL)); /* 16 MiB + 4 KiB */
	assert_int_equal(cli.vm.mem_size, (16ULL << 20) + 4096);
	expect_ok(parse("run", "--mem=0x40000000", NULL));
	assert_int_equal(cli.vm.mem_size, 1ULL << 30);
	/*
	 * Valid as a size: whether the host has 12345 TiB is main's check
	 * (rv_check_host_limits), not the parser's.
	 */
	expect_ok(parse("run", "--mem", "12345T", NULL));
	assert_int_equal(cli.vm.mem_size, 12345ULL << 40);

	expect_error(parse("run", "--mem", "0", NULL), "--mem 0", "at least 16 MiB", NULL);
	expect_error(parse("run", "--mem", "1M", NULL), "--mem 1M", "at least", NULL);
	expect_error(parse("run", "--mem=15M", NULL), "--mem 15M", "at least", NULL);
	expect_error(parse("run", "--mem", "abc", NULL), "--mem abc", "not a size", NULL);
	expect_error(parse("run", "--mem", "", NULL), "--mem", "not a size", NULL);
	expect_error(parse("run", "--mem", "-1G", NULL), "--mem -1G", "not a size", NULL);
	expect_error(parse("run", "--mem", "1.5G", NULL), "--mem 1.5G", "not a size", NULL);
	expect_error(parse("run", "--mem", "99999999999T", NULL), "--mem 99999999999T", "too large",
		     NULL);
	/* 4097 bytes is below the minimum before it is misaligned. */
	expect_error(parse("run", "--mem", "4097", NULL), "--mem 4097", NULL);
	expect_error(parse("run", "--mem", "16777217", NULL), "--mem 16777217", "multiple of 4 KiB",
		     NULL);
	expect_error(parse("run", "--mem=33556480", NULL), "multiple of 4 KiB", NULL);
}

static void test_cpus_values(void **state)
{
	expect_ok(parse("run", "--cpus", "1", NULL));
	assert_int_equal(cli.vm.nr_cpus, 1);
	expect_ok(parse("run", "--cpus", "254", NULL));
	assert_int_equal(cli.vm.nr_cpus, RV_CLI_MAX_CPUS);
	expect_ok(parse("run", "--cpus=0x10", NULL));
	assert_int_equal(cli.vm.nr_cpus, 16);

	expect_error(parse("run", "--cpus", "0", NULL), "--cpus 0", "1 to 254", NULL);
	expect_error(parse("run", "--cpus", "-1", NULL), "--cpus -1", "1 to 254", NULL);
	expect_error(parse("run", "--cpus", "255", NULL), "--cpus 255", "1 to 254", NULL);
	expect_error(parse("run", "--cpus", "x", NULL), "--cpus x", "not a number", NULL);
	expect_error(parse("run", "--cpus=", NULL), "--cpus", "not a number", NULL);
	expect_error(parse("run", "--cpus", "2K", NULL), "--cpus 2K", NULL);
	/* Would truncate to 1 in an unsigned int. */
	expect_error(parse("run", "--cpus", "4294967297", NULL), "--cpus 4294967297", NULL);
	expect_error(parse("run", "--cpus", "99999999999999999999", NULL), "--cpus", NULL);
}

static void test_coalesce(void **state)
{
	expect_ok(parse("run", "--coalesce", "off", NULL));
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_OFF);
	expect_ok(parse("run", "--coalesce=vm-ring", NULL));
	assert_int_equal(cli.vm.coalesce_mode, RV_COALESCE_VM_RING);
	expect_ok(parse("run", "--coalesce", "off", "--coalesce", "per-device", NULL));
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
	/* Whole words only. */
	expect_error(parse("run", "--coalesce-flush", "5", NULL), "unknown option",
		     "--coalesce-flush", NULL);
	expect_error(parse("run", "--coalescex", NULL), "unknown option", NULL);
}

static void test_missing_values(void **state)
{
	static const char *const opts[] = {
		"--kernel", "--initrd",	  "--cmdline",		 "--mem",
		"--cpus",   "--coalesce", "--coalesce-flush-us",
	};

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(opts); i++) {
		expect_error(parse("run", opts[i], NULL), opts[i], "needs a value", NULL);
		/* Also after other, valid, options. */
		expect_error(parse("run", "--kernel", "k", "--verbose", opts[i], NULL), opts[i],
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
	expect_error(parse("run", "--kernel", "k", "extra", NULL), "unknown option", "extra", NULL);
	/* Options are whole words, not prefixes. */
	expect_error(parse("run", "--kernelx", "k", NULL), "unknown option", "--kernelx", NULL);
	expect_error(parse("run", "--mem512M", NULL), "unknown option", "--mem512M", NULL);
	expect_error(parse("run", "--ker", "k", NULL), "unknown option", "--ker", NULL);
	expect_error(parse("run", "--stats=xml", NULL), "unknown option", "--stats=xml", NULL);
	expect_error(parse("run", "--verbose=1", NULL), "unknown option", NULL);
	/* --stats takes its value with '=' only. */
	expect_error(parse("run", "--stats", "json", NULL), "unknown option", "json", NULL);
	/* The first bad word is reported. */
	expect_error(parse("run", "--one", "--two", NULL), "--one", NULL);
	assert_null(strstr(rv_err_msg(), "--two"));
}

static void test_needs_kernel(void **state)
{
	expect_error(parse("run", "--initrd", "rd", NULL), "--initrd needs --kernel", NULL);
	expect_error(parse("run", "--cmdline", "quiet", NULL), "--cmdline needs --kernel", NULL);
	expect_error(parse("run", "--cmdline=", NULL), "--cmdline needs --kernel", NULL);
	/* Order does not matter once --kernel is there. */
	expect_ok(parse("run", "--initrd", "rd", "--cmdline", "quiet", "--kernel", "k", NULL));
	assert_string_equal(cli.vm.initrd, "rd");
	assert_string_equal(cli.vm.cmdline, "quiet");
}

static void test_caps(void **state)
{
	expect_ok(parse("caps", NULL));
	assert_int_equal(cli.cmd, RV_CMD_CAPS);
	assert_false(cli.json);
	expect_ok(parse("caps", "--json", NULL));
	assert_int_equal(cli.cmd, RV_CMD_CAPS);
	assert_true(cli.json);

	expect_error(parse("caps", "--bogus", NULL), "caps", "unknown option", "--bogus", NULL);
	expect_error(parse("caps", "--json", "--mem", "1G", NULL), "caps", "unknown option",
		     "--mem", NULL);
	expect_error(parse("caps", "--json=1", NULL), "unknown option", NULL);
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

static void test_help_version(void **state)
{
	static const char *const help[] = { "--help", "-h", "help" };
	static const char *const version[] = { "--version", "-V" };

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
	/* --help is a command, not a run option. */
	expect_error(parse("run", "--help", NULL), "unknown option", "--help", NULL);

	/* The usage text documents every option the parser takes. */
	assert_non_null(strstr(rv_cli_usage, "ringvmm run"));
	assert_non_null(strstr(rv_cli_usage, "ringvmm caps"));
	assert_non_null(strstr(rv_cli_usage, "--json"));
	assert_non_null(strstr(rv_cli_usage, "--kernel"));
	assert_non_null(strstr(rv_cli_usage, "--initrd"));
	assert_non_null(strstr(rv_cli_usage, "--cmdline"));
	assert_non_null(strstr(rv_cli_usage, "--mem"));
	assert_non_null(strstr(rv_cli_usage, "--cpus"));
	assert_non_null(strstr(rv_cli_usage, "--stats"));
	assert_non_null(strstr(rv_cli_usage, "--coalesce MODE"));
	assert_non_null(strstr(rv_cli_usage, "--coalesce-flush-us N"));
	assert_non_null(strstr(rv_cli_usage, "vm-ring"));
	assert_non_null(strstr(rv_cli_usage, "--verbose"));
	assert_non_null(strstr(rv_cli_usage, "--help"));
	assert_non_null(strstr(rv_cli_usage, "--version"));
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
	expect_error(parse("run", "--memmap=yes", NULL), "unknown option", NULL);

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

	assert_non_null(strstr(rv_cli_usage, "--mem-backend"));
	assert_non_null(
		strstr(rv_cli_usage, "--passthrough path=FILE,size=N,gpa=ADDR[,offset=N][,ro]"));
	assert_non_null(strstr(rv_cli_usage, "--memmap"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_options),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options_both_forms),
		cmocka_unit_test(test_mem_values),
		cmocka_unit_test(test_cpus_values),
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_missing_values),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_needs_kernel),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_bench),
		cmocka_unit_test(test_help_version),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
