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
#include "vmm/util.h"

const char rv_bench_usage[] =
	"usage: ringvmm bench coalesce [options]\n"
	"\n"
	"Built-in guests write sequence numbers to benchmark devices (bench-sinks)\n"
	"in each coalescing mode, interleaved run by run; every run checks that\n"
	"each device received every write once and in order (exit 1 otherwise).\n"
	"\n"
	"  --mode M           off, vm-ring, per-device, own-drain (per-device, each\n"
	"                     device drained by a thread of its own) or doorbell;\n"
	"                     repeat the option or give a comma list (default: all)\n"
	"  --devices N        benchmark devices, 1 to 16 (default 4)\n"
	"  --space S          mmio (default), pio, or mixed (even devices MMIO,\n"
	"                     odd ones port I/O)\n"
	"  --writes N         writes per device and vCPU (default 20000)\n"
	"  --burst N          writes to one device before the next (default 1:\n"
	"                     interleaved across devices)\n"
	"  --read-every N[,N...]  a non-coalesced read of a device every N of its\n"
	"                     writes (forces a flush; default 0: never); one value\n"
	"                     for every device, or one per device\n"
	"  --doorbell-every N in mode doorbell, ring the device's doorbell every N\n"
	"                     writes (default 64)\n"
	"  --cpus N           vCPUs, each writing its own stream (default 1)\n"
	"  --ring-entries N   each device's ring, a power of two (default 256)\n"
	"  --flush-us N       the drain timer's period (default 1000)\n"
	"  --device-work-ns N[,N...]  a device busy-waits N ns per write it handles,\n"
	"                     to model real device work (default 0); one value for\n"
	"                     every device, or one per device (20000,0,0,0)\n"
	"  --isolation        run every mode again without device work, and show\n"
	"                     the light devices' latency with and without it\n"
	"  --repeat N         runs per mode; medians and spreads over them (default 3)\n"
	"  --json | --csv     machine-readable output instead of the table\n"
	"  --plot FILE        an SVG chart of cost per write and latency by mode\n"
	"                     (needs gnuplot)\n"
	"  --cpl0             run the guest at CPL0 even where CPL3 is possible\n"
	"  --verbose          say what each run does\n";

static const char *const rv_bench_mode_names[] = {
	[RV_BENCH_OFF] = "off",
	[RV_BENCH_VM_RING] = "vm-ring",
	[RV_BENCH_PER_DEVICE] = "per-device",
	[RV_BENCH_OWN_DRAIN] = "own-drain",
	[RV_BENCH_DOORBELL] = "doorbell",
};

const char *rv_bench_mode_name(enum rv_bench_mode mode)
{
	if ((unsigned int)mode < RV_ARRAY_SIZE(rv_bench_mode_names))
		return rv_bench_mode_names[mode];
	return "?";
}

/* rv_opt_value(), its message in the words of every bench error. */
static const char *rv_bench_value(int argc, char *const argv[], int *i, const char *name)
{
	const char *v = rv_opt_value(argc, argv, i, name);

	if (!v)
		rv_err_wrap(-EINVAL, "bench");
	return v;
}

/* One --mode value: a mode or a comma list of them, each at most once. */
static int rv_bench_add_modes(const char *v, struct rv_bench_opts *o)
{
	const char *p = v;

	if (!*v)
		return rv_err(-EINVAL, "bench: --mode needs a value");
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned int m;

		for (m = 0; m < RV_BENCH_NR_MODES; m++)
			if (strlen(rv_bench_mode_names[m]) == len &&
			    !strncmp(p, rv_bench_mode_names[m], len))
				break;
		if (m == RV_BENCH_NR_MODES)
			return rv_err(
				-EINVAL,
				"bench: --mode %s: not one of off, vm-ring, per-device, own-drain, doorbell",
				v);
		for (unsigned int i = 0; i < o->nr_modes; i++)
			if (o->modes[i] == m)
				return rv_err(-EINVAL, "bench: --mode %s given twice",
					      rv_bench_mode_names[m]);
		o->modes[o->nr_modes++] = m;
		p += len;
		if (*p == ',' && !*++p)
			return rv_err(-EINVAL,
				      "bench: --mode %s: a mode is missing after the comma", v);
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
	const char *name;
	uint64_t min, max;
	size_t off;  /* in struct rv_bench_opts */
	bool narrow; /* an unsigned int there, else a uint64_t */
	bool pow2;
};

#define RV_BENCH_OPT(field) offsetof(struct rv_bench_opts, field)

static const struct rv_bench_numopt rv_bench_numopts[] = {
	{ "--devices", 1, RV_BENCH_MAX_DEVICES, RV_BENCH_OPT(devices), true },
	{ "--writes", 1, RV_BENCH_MAX_WRITES, RV_BENCH_OPT(writes) },
	{ "--burst", 1, RV_BENCH_MAX_WRITES, RV_BENCH_OPT(burst) },
	{ "--doorbell-every", 1, RV_BENCH_MAX_WRITES, RV_BENCH_OPT(doorbell_every) },
	{ "--cpus", 1, RV_BENCH_MAX_CPUS, RV_BENCH_OPT(cpus), true },
	/* devices/pseudo/bench-sink.h: free-running ring indices need a power of two. */
	{ "--ring-entries", 1, 65536, RV_BENCH_OPT(ring_entries), true, true },
	{ "--flush-us", 1, RV_BENCH_MAX_FLUSH_US, RV_BENCH_OPT(flush_us) },
	{ "--repeat", 1, RV_BENCH_MAX_REPEAT, RV_BENCH_OPT(repeat), true },
};

static int rv_bench_set_number(const struct rv_bench_numopt *no, const char *v,
			       struct rv_bench_opts *o)
{
	char *field = (char *)o + no->off;
	uint64_t n;

	if (rv_parse_u64(v, &n) || n < no->min || n > no->max)
		return rv_err(-EINVAL, "bench: %s %s: not a number from %llu to %llu", no->name, v,
			      (unsigned long long)no->min, (unsigned long long)no->max);
	if (no->pow2 && (n & (n - 1)))
		return rv_err(-EINVAL, "bench: %s %s: not a power of two", no->name, v);
	if (no->narrow)
		*(unsigned int *)field = n;
	else
		*(uint64_t *)field = n;
	return 0;
}

/* A number, or a comma list of them (one per device), into @v. */
static int rv_bench_set_list(const char *name, const char *s, uint64_t max, uint64_t *v,
			     unsigned int *nr)
{
	const char *p = s;

	*nr = 0;
	do {
		char num[24];
		size_t len = strcspn(p, ",");
		uint64_t n;

		if (*nr == RV_BENCH_MAX_DEVICES)
			return rv_err(-EINVAL, "bench: %s %s: more than %d values", name, s,
				      RV_BENCH_MAX_DEVICES);
		if (!len || len >= sizeof(num))
			return rv_err(-EINVAL, "bench: %s %s: not a number or a comma list of them",
				      name, s);
		memcpy(num, p, len);
		num[len] = '\0';
		if (rv_parse_u64(num, &n) || n > max)
			return rv_err(-EINVAL, "bench: %s %s: %s is not a number from 0 to %llu",
				      name, s, num, (unsigned long long)max);
		v[(*nr)++] = n;
		p += len;
	} while (*p++ == ',');
	return 0;
}

/* A single value applies to every device; a list needs one per device. */
static int rv_bench_spread_list(const char *name, uint64_t *v, unsigned int nr,
				unsigned int devices)
{
	if (nr > 1 && nr != devices)
		return rv_err(-EINVAL, "bench: %s: %u values for %u devices", name, nr, devices);
	for (unsigned int d = nr; nr == 1 && d < devices; d++)
		v[d] = v[0];
	return 0;
}

int rv_bench_parse(int argc, char *const argv[], int first, struct rv_bench_opts *o)
{
	bool json = false, csv = false;
	const char *v;
	int ret;

	rv_bench_defaults(o);
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		bool number = false;

		for (unsigned int k = 0; k < RV_ARRAY_SIZE(rv_bench_numopts); k++) {
			if (!rv_opt_is(a, rv_bench_numopts[k].name))
				continue;
			v = rv_bench_value(argc, argv, &i, rv_bench_numopts[k].name);
			if (!v)
				return -EINVAL;
			ret = rv_bench_set_number(&rv_bench_numopts[k], v, o);
			if (ret)
				return ret;
			number = true;
			break;
		}
		if (number)
			continue;
		if (rv_opt_is(a, "--read-every") || rv_opt_is(a, "--device-work-ns")) {
			bool rd = rv_opt_is(a, "--read-every");
			const char *name = rd ? "--read-every" : "--device-work-ns";

			if (!(v = rv_bench_value(argc, argv, &i, name)))
				return -EINVAL;
			ret = rv_bench_set_list(name, v,
						rd ? RV_BENCH_MAX_WRITES : RV_BENCH_MAX_WORK_NS,
						rd ? o->read_every : o->work_ns,
						rd ? &o->nr_read_every : &o->nr_work_ns);
			if (ret)
				return ret;
		} else if (rv_opt_is(a, "--mode")) {
			if (!(v = rv_bench_value(argc, argv, &i, "--mode")))
				return -EINVAL;
			ret = rv_bench_add_modes(v, o);
			if (ret)
				return ret;
		} else if (rv_opt_is(a, "--space")) {
			if (!(v = rv_bench_value(argc, argv, &i, "--space")))
				return -EINVAL;
			if (!strcmp(v, "mmio"))
				o->space = RV_BENCH_SPACE_MMIO;
			else if (!strcmp(v, "pio"))
				o->space = RV_BENCH_SPACE_PIO;
			else if (!strcmp(v, "mixed"))
				o->space = RV_BENCH_SPACE_MIXED;
			else
				return rv_err(-EINVAL,
					      "bench: --space %s: not one of mmio, pio, mixed", v);
		} else if (rv_opt_is(a, "--plot")) {
			if (!(v = rv_bench_value(argc, argv, &i, "--plot")))
				return -EINVAL;
			if (!*v)
				return rv_err(-EINVAL, "bench: --plot needs a file name");
			o->plot = v;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--csv")) {
			csv = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			o->help = true;
		} else if (!strcmp(a, "--isolation")) {
			o->isolation = true;
		} else if (!strcmp(a, "--cpl0")) {
			o->cpl0 = true;
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			o->verbose = true;
		} else {
			return rv_err(-EINVAL, "bench coalesce: unknown option \"%s\"", a);
		}
	}
	if (json && csv)
		return rv_err(-EINVAL, "bench: --json and --csv exclude each other");
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
				"bench: --isolation needs devices with and without work (--device-work-ns 20000,0,0,0)");
	}
	o->format = json ? RV_BENCH_JSON : csv ? RV_BENCH_CSV : RV_BENCH_TABLE;
	if (!o->nr_modes)
		for (unsigned int m = 0; m < RV_BENCH_NR_MODES; m++)
			o->modes[o->nr_modes++] = m;
	return 0;
}
