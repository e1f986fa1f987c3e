// SPDX-License-Identifier: GPL-2.0
/*
 * `ringvmm bench coalesce` options: a pure function from argv to struct
 * rv_bench_opts, so that every bad input is unit-tested
 * (tests/unit/test_bench.c). What needs the host (KVM's vCPU limit,
 * gnuplot) is checked when the benchmark starts.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "bench.h"
#include "vmm/coalesce/mode.h"
#include "vmm/opt.h"
#include "vmm/util.h"

static const char rv_bench_head[] =
	"usage: ringvmm bench coalesce [options]\n"
	"\n"
	"Built-in guests write sequence numbers to benchmark devices (bench-sinks)\n"
	"in each coalescing mode, interleaved run by run; every run checks that\n"
	"each device received every write once and in order (exit 1 otherwise).\n"
	"\n";

/* bench's modes are the shared table's entries (vmm/coalesce/mode.h), in order. */
_Static_assert(RV_BENCH_NR_MODES == RV_COALESCE_NR_NAMED, "one bench mode per named mode");
_Static_assert(RV_BENCH_OWN_DRAIN == 3 && RV_BENCH_DOORBELL == 4 &&
		       (int)RV_BENCH_PER_DEVICE == (int)RV_COALESCE_PER_DEVICE,
	       "bench modes in the table's order");

const char *rv_bench_mode_name(enum rv_bench_mode mode)
{
	if ((unsigned int)mode < RV_BENCH_NR_MODES)
		return rv_coalesce_modes[mode].name;
	return "?";
}

/* One --mode value: a mode or a comma list of them, each at most once. */
static int rv_bench_set_modes(void *ctx, const struct rv_opt *opt, const char *name, const char *v)
{
	struct rv_bench_opts *o = ctx;
	const char *p = v;

	if (!*v)
		return rv_err(-EINVAL, "bench coalesce: %s \"\": needs a mode (%s)", name,
			      rv_coalesce_mode_list(true));
	while (*p) {
		size_t len = strcspn(p, ",");
		const struct rv_coalesce_mode_desc *d = rv_coalesce_mode_lookup_n(p, len, true);
		unsigned int m;

		if (!d)
			return rv_err(-EINVAL, "bench coalesce: %s %s: \"%.*s\" is not one of %s",
				      name, v, (int)len, p, rv_coalesce_mode_list(true));
		m = d - rv_coalesce_modes;
		for (unsigned int i = 0; i < o->nr_modes; i++)
			if (o->modes[i] == m)
				return rv_err(-EINVAL, "bench coalesce: %s %s: %s given twice",
					      name, v, d->name);
		o->modes[o->nr_modes++] = m;
		p += len;
		if (*p == ',' && !*++p)
			return rv_err(-EINVAL,
				      "bench coalesce: %s %s: a mode is missing after the comma",
				      name, v);
	}
	return 0;
}

static void rv_bench_defaults(struct rv_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->devices = RV_BENCH_DEFAULT_DEVICES;
	o->writes = RV_BENCH_DEFAULT_WRITES;
	o->burst = RV_BENCH_DEFAULT_BURST;
	o->doorbell_every = RV_BENCH_DEFAULT_DOORBELL_EVERY;
	o->cpus = 1;
	o->ring_entries = 256;
	o->flush_us = RV_BENCH_DEFAULT_FLUSH_US;
	o->repeat = RV_BENCH_DEFAULT_REPEAT;
}

/* The options that take a number: their range and where it goes. */
struct rv_bench_numopt {
	uint64_t min, max;
	size_t off;  /* in struct rv_bench_opts */
	bool narrow; /* an unsigned int there, else a uint64_t */
	bool pow2;
};

#define RV_BENCH_OPT(field) offsetof(struct rv_bench_opts, field)

static int rv_bench_set_number(void *ctx, const struct rv_opt *opt, const char *name, const char *v)
{
	const struct rv_bench_numopt *no = opt->data;
	char *field = (char *)ctx + no->off;
	uint64_t n;

	if (rv_parse_u64(v, &n) || n < no->min || n > no->max)
		return rv_err(-EINVAL, "bench coalesce: %s %s: not a number from %llu to %llu",
			      name, v, (unsigned long long)no->min, (unsigned long long)no->max);
	if (no->pow2 && (n & (n - 1)))
		return rv_err(-EINVAL, "bench coalesce: %s %s: not a power of two", name, v);
	if (no->narrow)
		*(unsigned int *)field = n;
	else
		*(uint64_t *)field = n;
	return 0;
}

/* A number, or a comma list of them (one per device): --read-every, --device-work-ns. */
static int rv_bench_set_list(void *ctx, const struct rv_opt *opt, const char *name, const char *v)
{
	struct rv_bench_opts *o = ctx;
	bool rd = !strcmp(opt->name, "read-every");
	uint64_t max = rd ? RV_BENCH_MAX_WRITES : RV_BENCH_MAX_WORK_NS;
	uint64_t *out = rd ? o->read_every : o->work_ns;
	unsigned int *nr = rd ? &o->nr_read_every : &o->nr_work_ns;
	const char *p = v;

	*nr = 0;
	do {
		char num[24];
		size_t len = strcspn(p, ",");
		uint64_t n;

		if (*nr == RV_BENCH_MAX_DEVICES)
			return rv_err(-EINVAL, "bench coalesce: %s %s: more than %d values", name,
				      v, RV_BENCH_MAX_DEVICES);
		if (!len || len >= sizeof(num))
			return rv_err(-EINVAL,
				      "bench coalesce: %s %s: not a number or a comma list of them",
				      name, v);
		memcpy(num, p, len);
		num[len] = '\0';
		if (rv_parse_u64(num, &n) || n > max)
			return rv_err(-EINVAL,
				      "bench coalesce: %s %s: %s is not a number from 0 to %llu",
				      name, v, num, (unsigned long long)max);
		out[(*nr)++] = n;
		p += len;
	} while (*p++ == ',');
	return 0;
}

/* A single value applies to every device; a list needs one per device. */
static int rv_bench_spread_list(const char *name, uint64_t *v, unsigned int nr,
				unsigned int devices)
{
	if (nr > 1 && nr != devices)
		return rv_err(-EINVAL, "bench coalesce: %s: %u values for %u devices", name, nr,
			      devices);
	for (unsigned int d = nr; nr == 1 && d < devices; d++)
		v[d] = v[0];
	return 0;
}

static int rv_bench_set_space(void *ctx, const struct rv_opt *opt, const char *name, const char *v)
{
	struct rv_bench_opts *o = ctx;

	if (!strcmp(v, "mmio"))
		o->space = RV_BENCH_SPACE_MMIO;
	else if (!strcmp(v, "pio"))
		o->space = RV_BENCH_SPACE_PIO;
	else if (!strcmp(v, "mixed"))
		o->space = RV_BENCH_SPACE_MIXED;
	else
		return rv_err(-EINVAL, "bench coalesce: %s %s: not one of mmio, pio, mixed", name,
			      v);
	return 0;
}

static int rv_bench_set_plot(void *ctx, const struct rv_opt *opt, const char *name, const char *v)
{
	if (!*v)
		return rv_err(-EINVAL, "bench coalesce: %s \"\": needs a file name", name);
	((struct rv_bench_opts *)ctx)->plot = v;
	return 0;
}

static int rv_bench_set_format(void *ctx, const struct rv_opt *opt, const char *name, const char *v)
{
	struct rv_bench_opts *o = ctx;
	enum rv_bench_format f = !strcmp(opt->name, "json") ? RV_BENCH_JSON : RV_BENCH_CSV;

	if (o->format != RV_BENCH_TABLE && o->format != f)
		return rv_err(-EINVAL, "bench coalesce: --json and --csv exclude each other");
	o->format = f;
	return 0;
}

#define RV_BENCH_NUM(field, lo, hi, ...)  \
	(&(const struct rv_bench_numopt){ \
		.min = (lo), .max = (hi), .off = RV_BENCH_OPT(field), __VA_ARGS__ })

static const struct rv_opt rv_bench_opts_table[] = {
	{ "mode", 0, NULL, "M", RV_OPT_REPEAT, rv_bench_set_modes, NULL,
	  "off, vm-ring, per-device, own-drain (per-device, each\n"
	  "device drained by a thread of its own) or doorbell;\n"
	  "repeat the option or give a comma list (default: all)" },
	{ "devices", 0, NULL, "N", 0, rv_bench_set_number,
	  RV_BENCH_NUM(devices, 1, RV_BENCH_MAX_DEVICES, .narrow = true),
	  "benchmark devices, 1 to 16 (default 4)" },
	{ "space", 0, NULL, "S", 0, rv_bench_set_space, NULL,
	  "mmio (default), pio, or mixed (even devices MMIO,\n"
	  "odd ones port I/O)" },
	{ "writes", 0, NULL, "N", 0, rv_bench_set_number,
	  RV_BENCH_NUM(writes, 1, RV_BENCH_MAX_WRITES),
	  "writes per device and vCPU (default 20000)" },
	{ "burst", 0, NULL, "N", 0, rv_bench_set_number,
	  RV_BENCH_NUM(burst, 1, RV_BENCH_MAX_WRITES),
	  "writes to one device before the next (default 1:\n"
	  "interleaved across devices)" },
	{ "read-every", 0, NULL, "N[,N...]", 0, rv_bench_set_list, NULL,
	  "a non-coalesced read of a device every N of its\n"
	  "writes (forces a flush; default 0: never); one value\n"
	  "for every device, or one per device" },
	{ "doorbell-every", 0, NULL, "N", 0, rv_bench_set_number,
	  RV_BENCH_NUM(doorbell_every, 1, RV_BENCH_MAX_WRITES),
	  "in mode doorbell, ring the device's doorbell every N\n"
	  "writes (default 64)" },
	{ "cpus", 'c', NULL, "N", 0, rv_bench_set_number,
	  RV_BENCH_NUM(cpus, 1, RV_BENCH_MAX_CPUS, .narrow = true),
	  "vCPUs, each writing its own stream (default 1)" },
	/* devices/pseudo/bench-sink.h: free-running ring indices need a power of two. */
	{ "ring-entries", 0, NULL, "N", 0, rv_bench_set_number,
	  RV_BENCH_NUM(ring_entries, 1, 65536, .narrow = true, .pow2 = true),
	  "each device's ring, a power of two (default 256)" },
	{ "flush-us", 0, NULL, "N", 0, rv_bench_set_number,
	  RV_BENCH_NUM(flush_us, 1, RV_BENCH_MAX_FLUSH_US),
	  "the drain timer's period (default 1000)" },
	{ "device-work-ns", 0, NULL, "N[,N...]", 0, rv_bench_set_list, NULL,
	  "a device busy-waits N ns per write it handles, to\n"
	  "model real device work (default 0); one value for\n"
	  "every device, or one per device (20000,0,0,0)" },
	{ "isolation", 0, NULL, NULL, 0, rv_opt_set_flag,
	  RV_OPT_FLAG(struct rv_bench_opts, isolation),
	  "run every mode again without device work, and show\n"
	  "the light devices' latency with and without it" },
	{ "repeat", 0, NULL, "N", 0, rv_bench_set_number,
	  RV_BENCH_NUM(repeat, 1, RV_BENCH_MAX_REPEAT, .narrow = true),
	  "runs per mode; medians and spreads over them (default 3)" },
	{ "json", 0, NULL, NULL, 0, rv_bench_set_format, NULL,
	  "machine-readable output instead of the table" },
	{ "csv", 0, NULL, NULL, 0, rv_bench_set_format, NULL, "the same as CSV" },
	{ "plot", 0, NULL, "FILE", 0, rv_bench_set_plot, NULL,
	  "an SVG chart of cost per write and latency by mode\n"
	  "(needs gnuplot)" },
	{ "cpl0", 0, NULL, NULL, 0, rv_opt_set_flag, RV_OPT_FLAG(struct rv_bench_opts, cpl0),
	  "run the guest at CPL0 even where CPL3 is possible" },
	{ "verbose", 'v', NULL, NULL, 0, rv_opt_set_flag,
	  RV_OPT_FLAG(struct rv_bench_opts, verbose), "say what each run does" },
	{ "help", 'h', NULL, NULL, 0, rv_opt_set_flag, RV_OPT_FLAG(struct rv_bench_opts, help),
	  "this help" },
};

static const struct rv_opt_cmd rv_bench_cmd = {
	.name = "bench coalesce",
	.usage = rv_bench_head,
	.opts = rv_bench_opts_table,
	.nr_opts = RV_ARRAY_SIZE(rv_bench_opts_table),
};

void rv_bench_usage(FILE *out)
{
	rv_opt_usage(&rv_bench_cmd, out);
}

int rv_bench_parse(int argc, char *const argv[], struct rv_bench_opts *o)
{
	int ret;

	rv_bench_defaults(o);
	ret = rv_opt_parse(&rv_bench_cmd, argc, argv, o);
	if (ret)
		return ret;
	ret = rv_bench_spread_list("--read-every", o->read_every, o->nr_read_every, o->devices);
	if (!ret)
		ret = rv_bench_spread_list("--device-work-ns", o->work_ns, o->nr_work_ns,
					   o->devices);
	if (ret)
		return ret;
	if (o->isolation) {
		bool light = false, heavy = false;

		for (unsigned int d = 0; d < o->devices; d++) {
			heavy |= o->work_ns[d] != 0;
			light |= o->work_ns[d] == 0;
		}
		if (!heavy || !light)
			return rv_err(
				-EINVAL,
				"bench coalesce: --isolation needs devices with and without work (--device-work-ns 20000,0,0,0)");
	}
	if (!o->nr_modes)
		for (unsigned int m = 0; m < RV_BENCH_NR_MODES; m++)
			o->modes[o->nr_modes++] = m;
	return 0;
}
