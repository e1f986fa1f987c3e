// SPDX-License-Identifier: GPL-2.0
/*
 * Description: command-line parsing (vmm/cli.c on the option tables of
 * vmm/opt.c), a pure function of argv: the commands and their --help
 * (from the tables), the defaults, every run option in "--opt value",
 * "--opt=value" and its short form, options given twice, missing values
 * and unknown words: -EINVAL with a one-line message in rv_err_msg()
 * naming the option and the value. The values each option takes are
 * test_cli_values.c's. The error context is cleared before every case.
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

/* ctl SOCKET COMMAND, and run's --api SOCKET. */
static void test_ctl_api(void **state)
{
	char longpath[200];

	expect_ok(parse("ctl", "/run/vm0.sock", "pause", NULL));
	assert_int_equal(cli.cmd, RV_CMD_CTL);
	assert_string_equal(cli.ctl_path, "/run/vm0.sock");
	assert_string_equal(cli.ctl_cmd, "pause");
	expect_error(parse("ctl", NULL), "ctl", "SOCKET COMMAND", NULL);
	expect_error(parse("ctl", "/run/vm0.sock", NULL), "ctl", "SOCKET COMMAND", NULL);
	expect_error(parse("ctl", "/s", "pause", "now", NULL), "ctl", "SOCKET COMMAND", NULL);

	expect_ok(parse("run", "--api", "/run/vm0.sock", NULL));
	assert_string_equal(cli.vm.api_path, "/run/vm0.sock");
	expect_ok(parse("run", NULL));
	assert_null(cli.vm.api_path);
	expect_error(parse("run", "--api", "", NULL), "--api", "socket path", NULL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	expect_error(parse("run", "--api", longpath, NULL), "--api", "1 to 107 bytes", NULL);
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
	text = rv_test_capture(rv_cli_run_usage);
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
	text = rv_test_capture(rv_cli_caps_usage);
	assert_non_null(strstr(text, "usage: ringvmm caps"));
	assert_non_null(strstr(text, "--json"));
	assert_non_null(strstr(text, "-h, --help"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),   cmocka_unit_test(test_options_all_forms),
		cmocka_unit_test(test_duplicates), cmocka_unit_test(test_missing_values),
		cmocka_unit_test(test_unknown),	   cmocka_unit_test(test_caps),
		cmocka_unit_test(test_bench),	   cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_ctl_api),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
