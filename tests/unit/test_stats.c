// SPDX-License-Identifier: GPL-2.0
/*
 * Description: statistics said once (vmm/stats.h) and laid out three ways
 * (vmm/vm-stats.c, vmm/metrics.c), without KVM: a VM of fake devices and
 * vCPUs. The JSON sink (members, nested groups); --stats=json's object;
 * the --stats tables (a row per vCPU and per device counter, groups
 * flattened, lines that fit); and --metrics on the real io_uring loop: a
 * line per interval and a last one at the stop, seq counting up, counters
 * never going down, the intervals honoured within reason, and a file that
 * cannot be opened named in the error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/metrics.h"
#include "vmm/stats.h"
#include "vmm/util.h"
#include "vmm/vm-stats.h"
#include "vmm/vm.h"

/* A device whose counter goes up by 3 each time it is read. */
struct fake_dev {
	struct rv_device dev;
	uint64_t reads;
};

static void fake_stats(struct rv_device *dev, struct rv_stats_sink *s)
{
	struct fake_dev *f = rv_container_of(dev, struct fake_dev, dev);

	f->reads += 3;
	rv_stats_u64(s, "reads", f->reads);
	rv_stats_group(s, "latency_us");
	rv_stats_f64(s, "p50", 1.5);
	rv_stats_group(s, "deep");
	rv_stats_str(s, "mode", "x");
	rv_stats_end(s);
	rv_stats_u64(s, "samples", 7);
	rv_stats_end(s);
	rv_stats_u64(s, "after", 1);
}

/* An older device: JSON members only. */
static void old_stats_json(struct rv_device *dev, FILE *out)
{
	fputs("\"old\": 42", out);
}

static const struct rv_device_ops fake_ops = { .stats = fake_stats };
static const struct rv_device_ops old_ops = { .stats_json = old_stats_json };

struct fx {
	struct rv_vm vm;
	struct rv_vcpu vcpus[2];
	struct fake_dev a;
	struct rv_device old;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->a.dev.name, "fake0");
	f->a.dev.ops = &fake_ops;
	strcpy(f->old.name, "old0");
	f->old.ops = &old_ops;
	f->a.dev.next = &f->old;
	f->vm.env.devices = &f->a.dev;
	f->vm.vcpus = f->vcpus;
	f->vm.nr_vcpus = 2;
	f->vcpus[0].exits = 10;
	f->vcpus[0].io_exits = 4;
	f->vcpus[0].mmio_exits = 6;
	f->vcpus[0].handle_ns = 2500000;
	f->vcpus[1].exits = 1;
	f->vm.pio.unhandled = 5;
	f->vm.mmio.unhandled = 9;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static char *capture(void (*fn)(struct rv_vm *, FILE *), struct rv_vm *vm)
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	fn(vm, out);
	fclose(out);
	return text;
}

static void test_json_sink(void **state)
{
	struct fx *f = *state;
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	rv_device_stats_json(&f->a.dev, out);
	fclose(out);
	assert_string_equal(text, "\"reads\": 3, \"latency_us\": {\"p50\": 1.500, \"deep\": "
				  "{\"mode\": \"x\"}, \"samples\": 7}, \"after\": 1");
	free(text);
}

static void test_vm_json(void **state)
{
	struct fx *f = *state;
	char *text = capture(rv_stats_print_json, &f->vm);

	assert_string_equal(
		text,
		"{\"devices\": [{\"name\": \"fake0\", \"reads\": 3, \"latency_us\": {\"p50\": 1.500, "
		"\"deep\": {\"mode\": \"x\"}, \"samples\": 7}, \"after\": 1}, {\"name\": \"old0\", "
		"\"old\": 42}], \"vcpus\": [{\"id\": 0, \"exits\": 10, \"io_exits\": 4, "
		"\"mmio_exits\": 6, \"exit_handling_us\": 2500.000}, {\"id\": 1, \"exits\": 1, "
		"\"io_exits\": 0, \"mmio_exits\": 0, \"exit_handling_us\": 0.000}], "
		"\"unhandled_pio\": 5, \"unhandled_mmio\": 9}\n");
	free(text);
}

static void test_table(void **state)
{
	struct fx *f = *state;
	char *text = capture(rv_stats_print_table, &f->vm);

	/* A row per vCPU, the unhandled accesses, a row per device counter. */
	assert_non_null(strstr(text,
			       "  vCPU          exits    pio exits   mmio exits    handling ms\n"
			       "  0                10            4            6          2.500\n"
			       "  1                 1            0            0          0.000\n"));
	assert_non_null(strstr(text, "unhandled accesses (no device there): 5 pio, 9 mmio\n"));
	assert_non_null(
		strstr(text, "  fake0          reads                                         3\n"));
	/* The device's name once; groups flattened, and closed again. */
	assert_non_null(
		strstr(text,
		       "\n                 latency_us.p50                            1.500\n"));
	assert_non_null(
		strstr(text,
		       "\n                 latency_us.deep.mode                          x\n"));
	assert_non_null(
		strstr(text,
		       "\n                 latency_us.samples                            7\n"));
	assert_non_null(
		strstr(text,
		       "\n                 after                                         1\n"));
	assert_non_null(strstr(text, "  old0           \"old\": 42\n"));
	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");

		if (n > 100)
			fail_msg("--stats line over 100 columns: \"%.*s\"", (int)n, l);
		l += n + (l[n] == '\n');
	}
	free(text);
}

/* Stop the loop after a while: the guest "runs" that long. */
static void stop_loop(void *opaque, int res)
{
	rv_loop_stop(opaque);
}

/* Field @key's number in @line, after @from (NULL: from the start). */
static double num_after(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	assert_non_null(p);
	return strtod(p + strlen(key), NULL);
}

static void test_metrics(void **state)
{
	struct fx *f = *state;
	char path[] = "/tmp/rv-metrics-XXXXXX";
	struct rv_loop_watch stop;
	struct rv_metrics m;
	char line[4096];
	unsigned int n = 0;
	double last_reads = -1, last_time = -1;
	FILE *in;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rv_loop_init(&f->vm.loop, 16), 0);
	assert_int_equal(rv_metrics_start(&m, &f->vm, path, 20), 0);
	assert_int_equal(rv_loop_add_timer(&f->vm.loop, &stop, 210000000ULL, stop_loop, &f->vm.loop,
					   "stop"),
			 0);
	assert_int_equal(rv_loop_run(&f->vm.loop), 0);
	rv_metrics_stop(&m);
	rv_loop_destroy(&f->vm.loop);

	in = fopen(path, "r");
	assert_non_null(in);
	while (fgets(line, sizeof(line), in)) {
		double reads = num_after(line, "\"reads\": ");
		double t = num_after(line, "\"time_ms\": ");
		double gap = num_after(line, "\"interval_ms\": ");

		n++;
		assert_int_equal(num_after(line, "{\"seq\": "), n);
		assert_non_null(strstr(line, "\"vcpus\": [{\"id\": 0, \"exits\": 10"));
		assert_true(line[strlen(line) - 2] == '}' && line[strlen(line) - 1] == '\n');
		assert_true(reads > last_reads);
		assert_true(t > last_time);
		/* The timer's lines about 20 ms apart; the last one is the stop's. */
		if (n > 1 && t < 200 && (gap < 10 || gap > 150))
			fail_msg("line %u: %.3f ms after the one before, not about 20", n, gap);
		last_reads = reads;
		last_time = t;
	}
	fclose(in);
	unlink(path);
	/* About 210 / 20 timer lines, and the last one; generous for a busy host. */
	if (n < 4 || n > 12)
		fail_msg("%u metrics lines in 210 ms at 20 ms", n);
}

static void test_metrics_off_and_errors(void **state)
{
	struct fx *f = *state;
	struct rv_metrics m;

	/* No file: nothing armed, and stop is a no-op. */
	assert_int_equal(rv_metrics_start(&m, &f->vm, "", 20), 0);
	assert_int_equal(m.fd, -1);
	rv_metrics_stop(&m);
	assert_int_equal(rv_metrics_start(&m, &f->vm, NULL, 20), 0);
	rv_metrics_stop(&m);

	rv_err_clear();
	assert_int_equal(rv_metrics_start(&m, &f->vm, "/nonexistent-dir/m.jsonl", 20), -ENOENT);
	assert_non_null(strstr(rv_err_msg(), "--metrics /nonexistent-dir/m.jsonl"));
	rv_err_clear();
	assert_int_equal(rv_metrics_start(&m, &f->vm, "/tmp", 20), -EISDIR);
	assert_non_null(strstr(rv_err_msg(), "--metrics /tmp"));
	rv_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_sink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_off_and_errors, setup, teardown),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
