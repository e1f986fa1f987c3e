// SPDX-License-Identifier: GPL-2.0
/*
 * Description: `ringvmm bench coalesce` without KVM. Its options
 * (bench/cli.c, an option table): the defaults, every option in both forms
 * and its short form, modes as a list and repeated, duplicates refused, the
 * --help text from the table, and each kind of bad input (-EINVAL with a
 * one-line message naming the option and the value). Its statistics (bench/stats.c): the
 * median and spread, and the per-mode, per-device rows built from made-up
 * runs: sums, medians over repeats, merged latency, speed-up against off.
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

#include "bench/bench.h"
#include "vmm/util.h"
#include "msg_fx.h"

#define MAX_ARGS 40

static struct rv_bench_opts opts;

/* Parse "ringvmm bench coalesce" and the NULL-terminated arguments. */
static int parse(const char *first, ...) __attribute__((sentinel));
static int parse(const char *first, ...)
{
	char *argv[MAX_ARGS + 1] = { "ringvmm", "bench", "coalesce" };
	int argc;
	va_list ap;

	va_start(ap, first);
	argc = rv_test_argv_append(argv, 3, MAX_ARGS, first, ap);
	va_end(ap);
	rv_err_clear();
	return rv_bench_parse(argc - 2, argv + 2, &opts);
}

/* -EINVAL and a one-line message holding @word. */
static void expect_error(int ret, const char *word)
{
	rv_test_expect_err(ret, -EINVAL, word, NULL);
}

static void expect_ok(int ret)
{
	if (ret)
		fail_msg("parse returned %d: \"%s\"", ret, rv_err_msg());
}

static void test_defaults(void **state)
{
	expect_ok(parse(NULL, NULL));
	assert_int_equal(opts.nr_modes, RV_BENCH_NR_MODES);
	for (unsigned int m = 0; m < RV_BENCH_NR_MODES; m++)
		assert_int_equal(opts.modes[m], m);
	assert_int_equal(opts.devices, RV_BENCH_DEFAULT_DEVICES);
	assert_int_equal(opts.writes, RV_BENCH_DEFAULT_WRITES);
	assert_int_equal(opts.burst, 1);
	for (unsigned int d = 0; d < RV_BENCH_MAX_DEVICES; d++) {
		assert_int_equal(opts.read_every[d], 0);
		assert_int_equal(opts.work_ns[d], 0);
	}
	assert_false(opts.isolation);
	assert_int_equal(opts.doorbell_every, RV_BENCH_DEFAULT_DOORBELL_EVERY);
	assert_int_equal(opts.cpus, 1);
	assert_int_equal(opts.ring_entries, 256);
	assert_int_equal(opts.flush_us, 1000);
	assert_int_equal(opts.repeat, RV_BENCH_DEFAULT_REPEAT);
	assert_int_equal(opts.space, RV_BENCH_SPACE_MMIO);
	assert_int_equal(opts.format, RV_BENCH_TABLE);
	assert_null(opts.plot);
	assert_false(opts.cpl0);
	assert_false(opts.help);
}

static void test_options_both_forms(void **state)
{
	expect_ok(parse("--devices", "3", "--writes", "100", "--burst", "8", "--read-every", "5",
			"--doorbell-every", "7", "--cpus", "2", "--ring-entries", "64",
			"--flush-us", "250", "--device-work-ns", "900", "--repeat", "5", "--space",
			"mixed", "--plot", "out.svg", "--json", "--cpl0", NULL));
	assert_int_equal(opts.devices, 3);
	assert_int_equal(opts.writes, 100);
	assert_int_equal(opts.burst, 8);
	for (unsigned int d = 0; d < 3; d++)
		assert_int_equal(opts.read_every[d], 5);
	assert_int_equal(opts.doorbell_every, 7);
	assert_int_equal(opts.cpus, 2);
	assert_int_equal(opts.ring_entries, 64);
	assert_int_equal(opts.flush_us, 250);
	for (unsigned int d = 0; d < 3; d++)
		assert_int_equal(opts.work_ns[d], 900);
	assert_int_equal(opts.work_ns[3], 0);
	assert_int_equal(opts.repeat, 5);
	assert_int_equal(opts.space, RV_BENCH_SPACE_MIXED);
	assert_string_equal(opts.plot, "out.svg");
	assert_int_equal(opts.format, RV_BENCH_JSON);
	assert_true(opts.cpl0);

	expect_ok(parse("--devices=16", "--writes=0x10", "--space=pio", "--csv", "--plot=a b.png",
			"--ring-entries=1", NULL));
	assert_int_equal(opts.devices, 16);
	assert_int_equal(opts.writes, 16);
	assert_int_equal(opts.space, RV_BENCH_SPACE_PIO);
	assert_int_equal(opts.format, RV_BENCH_CSV);
	assert_string_equal(opts.plot, "a b.png");
	assert_int_equal(opts.ring_entries, 1);

	expect_ok(parse("--help", NULL));
	assert_true(opts.help);
	expect_ok(parse("-h", NULL));
	assert_true(opts.help);

	/* Short forms, alone and clustered. */
	expect_ok(parse("-c", "3", "-v", NULL));
	assert_int_equal(opts.cpus, 3);
	assert_true(opts.verbose);
	expect_ok(parse("-c4", "--verbose", NULL));
	assert_int_equal(opts.cpus, 4);
	expect_ok(parse("-vc", "5", NULL));
	assert_int_equal(opts.cpus, 5);
	assert_true(opts.verbose);
	expect_ok(parse("--cpus=6", "--flush-us=7", "--burst=2", "--read-every=3",
			"--doorbell-every=4", "--device-work-ns=5", "--repeat=9", "--mode=off",
			NULL));
	assert_int_equal(opts.cpus, 6);
	assert_int_equal(opts.flush_us, 7);
	assert_int_equal(opts.burst, 2);
	assert_int_equal(opts.read_every[0], 3);
	assert_int_equal(opts.doorbell_every, 4);
	assert_int_equal(opts.work_ns[0], 5);
	assert_int_equal(opts.repeat, 9);
	assert_int_equal(opts.nr_modes, 1);
}

/* Every option but --mode at most once, whatever its spelling. */
static void test_duplicates(void **state)
{
	static const char *const twice[][4] = {
		{ "--devices", "2", "--devices=3" },
		{ "--writes", "1", "--writes", "2" },
		{ "-c", "1", "--cpus", "2" },
		{ "--cpus=1", "-c2" },
		{ "--json", "--json" },
		{ "--csv", "--csv" },
		{ "--cpl0", "--cpl0" },
		{ "-v", "--verbose" },
		{ "--plot", "a", "--plot=b" },
		{ "--space", "pio", "--space", "mmio" },
		{ "--ring-entries=2", "--ring-entries=4" },
	};

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(twice); i++) {
		rv_err_clear();
		expect_error(parse(twice[i][0], twice[i][1], twice[i][2], twice[i][3], NULL),
			     "may be given only once");
	}
	/* The message names the option and the second value. */
	expect_error(parse("--writes", "1", "--writes", "22", NULL), "--writes 22");
	expect_ok(parse("--mode", "off", "--mode", "vm-ring", "--mode=doorbell", NULL));
	assert_int_equal(opts.nr_modes, 3);
}

/* --help comes from the table: every option in it, one column. */
static void test_usage(void **state)
{
	static const char *const names[] = {
		"--mode M",
		"--devices N",
		"--space S",
		"--writes N",
		"--burst N",
		"--read-every N[,N...]",
		"--doorbell-every N",
		"-c, --cpus N",
		"--ring-entries N",
		"--flush-us N",
		"--device-work-ns N[,N...]",
		"--repeat N",
		"--isolation",
		"--json",
		"--csv",
		"--plot FILE",
		"--cpl0",
		"-v, --verbose",
		"-h, --help",
	};
	char *text = rv_test_capture(rv_bench_usage);

	assert_non_null(strstr(text, "usage: ringvmm bench coalesce [options]"));
	for (unsigned int i = 0; i < RV_ARRAY_SIZE(names); i++)
		if (!strstr(text, names[i]))
			fail_msg("bench --help lacks \"%s\"", names[i]);
	free(text);
}

/* One value per device, in either order of --devices; and --isolation. */
static void test_per_device_lists(void **state)
{
	expect_ok(parse("--device-work-ns", "20000,0,0,0", "--read-every=0,8,8,8", "--isolation",
			NULL));
	assert_int_equal(opts.work_ns[0], 20000);
	assert_int_equal(opts.work_ns[1], 0);
	assert_int_equal(opts.read_every[0], 0);
	assert_int_equal(opts.read_every[3], 8);
	assert_true(opts.isolation);
	assert_true(rv_bench_dev_is_light(&opts, 1));
	assert_false(rv_bench_dev_is_light(&opts, 0));
	assert_true(rv_bench_has_reads(&opts));
	expect_ok(parse("--read-every", "1,2", "--devices", "2", NULL));
	assert_int_equal(opts.read_every[1], 2);
	expect_error(parse("--device-work-ns", "1,2,3", NULL), "3 values for 4 devices");
	expect_error(parse("--read-every", "1,,2", NULL), "--read-every 1,,2");
	expect_error(parse("--read-every", "1,", NULL), "--read-every 1,");
	expect_error(parse("--device-work-ns", "5,2000000,0,0", NULL), "2000000");
	expect_error(parse("--isolation", NULL), "--isolation");
	expect_error(parse("--isolation", "--device-work-ns", "7", NULL), "--isolation");
	expect_ok(parse("--mode", "own-drain", NULL));
	assert_int_equal(opts.modes[0], RV_BENCH_OWN_DRAIN);
}

static void test_modes(void **state)
{
	expect_ok(parse("--mode", "doorbell", "--mode=off", NULL));
	assert_int_equal(opts.nr_modes, 2);
	assert_int_equal(opts.modes[0], RV_BENCH_DOORBELL);
	assert_int_equal(opts.modes[1], RV_BENCH_OFF);

	expect_ok(parse("--mode", "per-device,vm-ring", "--mode", "off", NULL));
	assert_int_equal(opts.nr_modes, 3);
	assert_int_equal(opts.modes[0], RV_BENCH_PER_DEVICE);
	assert_int_equal(opts.modes[1], RV_BENCH_VM_RING);
	assert_int_equal(opts.modes[2], RV_BENCH_OFF);
	assert_string_equal(rv_bench_mode_name(RV_BENCH_VM_RING), "vm-ring");
	assert_string_equal(rv_bench_mode_name(RV_BENCH_DOORBELL), "doorbell");
	assert_string_equal(rv_bench_mode_name(RV_BENCH_NR_MODES), "?");
}

static void test_bad_input(void **state)
{
	expect_error(parse("--mode", "fast", NULL), "--mode fast");
	expect_error(parse("--mode", "fast", NULL),
		     "off, vm-ring, per-device, own-drain, doorbell");
	expect_error(parse("--mode", "off,", NULL), "missing after the comma");
	expect_error(parse("--mode", "off,,vm-ring", NULL), "--mode off,,vm-ring");
	expect_error(parse("--mode", "", NULL), "--mode \"\": needs a mode");
	expect_error(parse("--mode", "off", "--mode", "off", NULL), "given twice");
	expect_error(parse("--mode", "vm-ring,per-device,vm-ring", NULL), "given twice");
	expect_error(parse("--mode", NULL), "--mode needs a value");
	expect_error(parse("--devices", "0", NULL), "--devices 0");
	expect_error(parse("--devices", "17", NULL), "from 1 to 16");
	expect_error(parse("--writes", "0", NULL), "--writes 0");
	expect_error(parse("--writes", "1000000001", NULL), "from 1 to 1000000000");
	expect_error(parse("--writes", "-1", NULL), "--writes -1");
	expect_error(parse("--writes", "12k", NULL), "--writes 12k");
	expect_error(parse("--burst", "0", NULL), "--burst");
	expect_error(parse("--doorbell-every", "0", NULL), "--doorbell-every");
	expect_error(parse("--read-every", "x", NULL), "--read-every x");
	expect_error(parse("--cpus", "65", NULL), "from 1 to 64");
	expect_error(parse("--ring-entries", "3", NULL), "not a power of two");
	expect_error(parse("--ring-entries", "131072", NULL), "--ring-entries");
	expect_error(parse("--flush-us", "0", NULL), "--flush-us");
	expect_error(parse("--device-work-ns", "1000001", NULL), "--device-work-ns");
	expect_error(parse("--repeat", "0", NULL), "--repeat 0");
	expect_error(parse("--repeat", NULL), "--repeat needs a value");
	expect_error(parse("--space", "dma", NULL), "--space dma");
	expect_error(parse("--plot", "", NULL), "--plot \"\": needs a file name");
	expect_error(parse("--json", "--csv", NULL), "exclude each other");
	expect_error(parse("--csv", "--json", NULL), "exclude each other");
	expect_error(parse("--jsonl", NULL), "unknown option \"--jsonl\"");
	expect_error(parse("--devices4", NULL), "unknown option");
	/* Whole words: no abbreviations. */
	expect_error(parse("--dev", "4", NULL), "unknown option \"--dev\"");
	expect_error(parse("-x", NULL), "unknown option \"-x\"");
	expect_error(parse("--cpl0=1", NULL), "--cpl0 takes no value");
	expect_error(parse("-c", NULL), "-c needs a value");
	expect_error(parse("extra", NULL), "unexpected argument \"extra\"");
	/* Every message says which command it is about. */
	expect_error(parse("--devices", "0", NULL), "bench coalesce: ");
}

static void test_summarize(void **state)
{
	double odd[] = { 5, 1, 3 }, even[] = { 4, 10, 2, 8 }, one[] = { 7 };
	struct rv_bench_summary s;

	rv_bench_summarize(odd, 3, &s);
	assert_true(s.median == 3 && s.min == 1 && s.max == 5);
	assert_true(rv_bench_spread_pct(&s) > 66.6 && rv_bench_spread_pct(&s) < 66.7);
	rv_bench_summarize(even, 4, &s);
	assert_true(s.median == 6 && s.min == 2 && s.max == 10);
	rv_bench_summarize(one, 1, &s);
	assert_true(s.median == 7 && s.min == 7 && s.max == 7);
	assert_true(rv_bench_spread_pct(&s) == 0);
	rv_bench_summarize(NULL, 0, &s);
	assert_true(s.median == 0 && s.min == 0 && s.max == 0);
	assert_true(rv_bench_spread_pct(&s) == 0);
}

/* Two modes (off, per-device), two devices, three repeats, made up. */
static void fake_runs(struct rv_bench_opts *o, struct rv_bench *b, struct rv_bench_run *runs)
{
	static const uint64_t phase[2][3] = {
		{ 4000000, 5000000, 6000000 }, /* off: 4, 5, 6 ms */
		{ 1000000, 3000000, 2000000 }, /* per-device: 1, 3, 2 ms */
	};

	expect_ok(parse("--mode", "off,per-device", "--devices", "2", "--writes", "100", "--repeat",
			"3", NULL));
	*o = opts;
	*b = (struct rv_bench){ .o = o, .runs = runs, .nr_runs = 6, .user_mode = true };
	memset(runs, 0, 6 * sizeof(*runs));
	for (unsigned int i = 0; i < 6; i++) {
		struct rv_bench_run *r = &runs[i];
		unsigned int m = i % 2;

		r->mode = o->modes[m];
		r->repeat = i / 2;
		r->status = 1;
		r->marks = 2;
		r->phase_ns = phase[m][r->repeat];
		r->loop_cpu_ns = 1000000 * (r->repeat + 1);
		r->handle_ns = 500000;
		for (unsigned int d = 0; d < 2; d++) {
			struct rv_bench_dev_run *x = &r->dev[d];

			x->writes = 100;
			x->streams_ok = true;
			x->exits = m ? 2 + d : 102;
			x->coalesced = m ? 98 : 0; /* fallbacks are among them */
			x->fallbacks = m ? 10 - 2 * d : 0;
			x->drains = m ? 5 * (r->repeat + 1) : 0;
			if (m) {
				/* Device d's latencies: (d + 1) * 10 us, 100 samples. */
				for (unsigned int k = 0; k < 100; k++)
					rv_latency_add(&r->latency, (d + 1) * 10000);
				x->lat_p50_ns = x->lat_p99_ns = x->lat_max_ns = (d + 1) * 10000;
			}
		}
	}
	runs[5].dev[1].lost = 2; /* per-device, repeat 3, sink1 */
	runs[3].dev[0].streams_ok = false;
}

static void test_rows(void **state)
{
	struct rv_bench_run runs[6];
	struct rv_bench_opts o;
	struct rv_bench_row w;
	struct rv_bench b;

	fake_runs(&o, &b, runs);
	rv_bench_row(&b, RV_BENCH_OFF, 0, &w);
	assert_int_equal(w.runs, 3);
	assert_int_equal(w.writes, 100);
	assert_int_equal(w.writes_expected, 100);
	assert_true(w.streams_ok);
	/* 5 ms / (100 writes x 2 devices) per vCPU. */
	assert_true(w.m[RV_BENCH_NS_PER_WRITE].median == 25000);
	assert_true(w.m[RV_BENCH_NS_PER_WRITE].min == 20000);
	assert_true(w.m[RV_BENCH_NS_PER_WRITE].max == 30000);
	assert_true(w.m[RV_BENCH_WRITES_PER_S].median == 20000);
	assert_true(w.m[RV_BENCH_EXITS].median == 102);
	assert_true(w.m[RV_BENCH_EXITED].median == 100);
	assert_true(w.m[RV_BENCH_VMM_CPU].median == 2.5);
	assert_true(w.speedup == 1);

	rv_bench_row(&b, RV_BENCH_PER_DEVICE, 1, &w);
	assert_int_equal(w.lost, 2);
	assert_true(w.streams_ok);
	assert_true(w.m[RV_BENCH_NS_PER_WRITE].median == 10000);
	assert_true(w.speedup == 2.5);
	assert_true(w.m[RV_BENCH_EXITS].median == 3);
	assert_true(w.m[RV_BENCH_FALLBACKS].median == 8);
	assert_true(w.m[RV_BENCH_EXITED].median == 2);
	assert_true(w.m[RV_BENCH_DRAINS].median == 10);
	assert_true(w.m[RV_BENCH_LAT_P50].median == 20);

	rv_bench_row(&b, RV_BENCH_PER_DEVICE, 0, &w);
	assert_false(w.streams_ok);
	assert_int_equal(w.lost, 0);

	/* All devices: sums, and percentiles of the merged samples. */
	rv_bench_row(&b, RV_BENCH_PER_DEVICE, -1, &w);
	assert_int_equal(w.writes, 200);
	assert_int_equal(w.writes_expected, 200);
	assert_int_equal(w.lost, 2);
	assert_true(w.m[RV_BENCH_EXITS].median == 5);
	assert_true(w.m[RV_BENCH_FALLBACKS].median == 18);
	/* Half the samples at 10 us, half at 20 us; the histogram rounds up. */
	assert_true(w.m[RV_BENCH_LAT_P50].median >= 10 && w.m[RV_BENCH_LAT_P50].median < 10.7);
	assert_true(w.m[RV_BENCH_LAT_P99].median >= 20 && w.m[RV_BENCH_LAT_P99].median < 21.3);
	assert_true(w.m[RV_BENCH_LAT_MAX].median == 20);

	/* Without an off run, there is no speed-up to give. */
	b.runs = &runs[1];
	b.nr_runs = 1;
	rv_bench_row(&b, RV_BENCH_PER_DEVICE, 0, &w);
	assert_true(w.speedup < 0);
	assert_int_equal(w.runs, 1);
	rv_bench_row(&b, RV_BENCH_OFF, 0, &w);
	assert_int_equal(w.runs, 0);
	assert_int_equal(w.writes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options_both_forms),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_per_device_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
