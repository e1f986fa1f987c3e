// SPDX-License-Identifier: GPL-2.0
/*
 * `ringvmm bench coalesce`: from runs to figures. Each metric of a mode
 * and device is summarised over that mode's repeats by its median, with
 * the smallest and largest value as the spread. Pure code, unit-tested
 * (tests/unit/test_bench.c).
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int rv_bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void rv_bench_summarize(double *v, unsigned int n, struct rv_bench_summary *s)
{
	if (!n) {
		*s = (struct rv_bench_summary){ 0 };
		return;
	}
	qsort(v, n, sizeof(*v), rv_bench_cmp_double);
	s->min = v[0];
	s->max = v[n - 1];
	s->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double rv_bench_spread_pct(const struct rv_bench_summary *s)
{
	if (s->median <= 0)
		return 0;
	return (s->max - s->min) / 2 / s->median * 100;
}

bool rv_bench_dev_is_light(const struct rv_bench_opts *o, unsigned int d)
{
	bool heavy = false;

	for (unsigned int i = 0; i < o->devices; i++)
		heavy |= o->work_ns[i] != 0;
	return heavy && d < o->devices && !o->work_ns[d];
}

bool rv_bench_has_reads(const struct rv_bench_opts *o)
{
	for (unsigned int d = 0; d < o->devices; d++)
		if (o->read_every[d])
			return true;
	return false;
}

/* Device @d's counters in run @r, or all devices' summed (@d < 0). */
static void rv_bench_dev_sum(const struct rv_bench *b, const struct rv_bench_run *r, int d,
			     struct rv_bench_dev_run *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < b->o->devices; i++) {
		const struct rv_bench_dev_run *x = &r->dev[i];

		if (d >= 0 && (unsigned int)d != i)
			continue;
		out->writes += x->writes;
		out->exits += x->exits;
		out->coalesced += x->coalesced;
		out->drains += x->drains;
		out->fallbacks += x->fallbacks;
		out->doorbells += x->doorbells;
		if (x->high_water > out->high_water)
			out->high_water = x->high_water;
		out->lat_p50_ns = x->lat_p50_ns;
		out->lat_p99_ns = x->lat_p99_ns;
		out->lat_max_ns = x->lat_max_ns;
		out->acc_p50_ns = x->acc_p50_ns;
		out->acc_p99_ns = x->acc_p99_ns;
		out->acc_samples += x->acc_samples;
	}
	/* All devices: percentiles of the merged histograms, not of percentiles. */
	if (d < 0) {
		out->lat_p50_ns = rv_latency_percentile(&r->latency, 50);
		out->lat_p99_ns = rv_latency_percentile(&r->latency, 99);
		out->lat_max_ns = r->latency.max_ns;
		out->acc_p50_ns = rv_latency_percentile(&r->access, 50);
		out->acc_p99_ns = rv_latency_percentile(&r->access, 99);
	}
}

static double rv_bench_value(const struct rv_bench *b, const struct rv_bench_run *r, int d,
			     enum rv_bench_metric k)
{
	const struct rv_bench_opts *o = b->o;
	double phase = r->phase_ns;
	struct rv_bench_dev_run x;

	rv_bench_dev_sum(b, r, d, &x);
	switch (k) {
	case RV_BENCH_NS_PER_WRITE:
		/* Each vCPU makes writes x devices of them in the phase. */
		return phase / ((double)o->writes * o->devices);
	case RV_BENCH_WRITES_PER_S:
		return phase > 0 ? x.writes * 1e9 / phase : 0;
	case RV_BENCH_EXITS:
		return x.exits;
	case RV_BENCH_DRAINS:
		return x.drains;
	case RV_BENCH_FALLBACKS:
		return x.fallbacks;
	case RV_BENCH_EXITED:
		/* Never in a device's ring: they exited. */
		return x.writes > x.coalesced ? x.writes - x.coalesced : 0;
	case RV_BENCH_COALESCED:
		return x.coalesced;
	case RV_BENCH_DOORBELLS:
		return x.doorbells;
	case RV_BENCH_HIGH_WATER:
		return x.high_water;
	case RV_BENCH_LAT_P50:
		return x.lat_p50_ns / 1e3;
	case RV_BENCH_LAT_P99:
		return x.lat_p99_ns / 1e3;
	case RV_BENCH_LAT_MAX:
		return x.lat_max_ns / 1e3;
	case RV_BENCH_ACC_P50:
		return x.acc_p50_ns / 1e3;
	case RV_BENCH_ACC_P99:
		return x.acc_p99_ns / 1e3;
	case RV_BENCH_LIGHT_P50:
		return rv_latency_percentile(&r->light, 50) / 1e3;
	case RV_BENCH_LIGHT_P99:
		return rv_latency_percentile(&r->light, 99) / 1e3;
	case RV_BENCH_LIGHT_MAX:
		return r->light.max_ns / 1e3;
	case RV_BENCH_VMM_CPU:
		return (r->loop_cpu_ns + r->handle_ns) / 1e6;
	case RV_BENCH_PROCESS_CPU:
		return r->process_cpu_ns / 1e6;
	case RV_BENCH_NR_METRICS:
		break;
	}
	return 0;
}

/* The median cost per write of @mode, or -1 if it did not run. */
static double rv_bench_mode_cost(const struct rv_bench *b, enum rv_bench_mode mode)
{
	double v[RV_BENCH_MAX_REPEAT];
	struct rv_bench_summary s;
	unsigned int n = 0;

	for (unsigned int i = 0; i < b->nr_runs && n < RV_BENCH_MAX_REPEAT; i++)
		if (b->runs[i].mode == mode && !b->runs[i].baseline)
			v[n++] = rv_bench_value(b, &b->runs[i], 0, RV_BENCH_NS_PER_WRITE);
	if (!n)
		return -1;
	rv_bench_summarize(v, n, &s);
	return s.median;
}

void rv_bench_row(const struct rv_bench *b, enum rv_bench_mode mode, int device,
		  struct rv_bench_row *row)
{
	rv_bench_row_variant(b, mode, false, device, row);
}

void rv_bench_row_variant(const struct rv_bench *b, enum rv_bench_mode mode, bool baseline,
			  int device, struct rv_bench_row *row)
{
	const struct rv_bench_opts *o = b->o;
	double v[RV_BENCH_MAX_REPEAT], off;

	memset(row, 0, sizeof(*row));
	row->mode = mode;
	row->device = device;
	row->writes_expected = o->writes * o->cpus * (device < 0 ? o->devices : 1);
	row->writes = UINT64_MAX;
	row->streams_ok = true;
	for (unsigned int i = 0; i < b->nr_runs; i++) {
		const struct rv_bench_run *r = &b->runs[i];
		struct rv_bench_dev_run x;

		if (r->mode != mode || r->baseline != baseline)
			continue;
		row->runs++;
		rv_bench_dev_sum(b, r, device, &x);
		if (x.writes < row->writes)
			row->writes = x.writes;
		for (unsigned int d = 0; d < o->devices; d++) {
			if (device >= 0 && (unsigned int)device != d)
				continue;
			row->lost += r->dev[d].lost;
			row->reordered += r->dev[d].reordered;
			row->read_mismatch += r->dev[d].read_mismatch;
			row->invalid += r->dev[d].invalid;
			row->streams_ok &= r->dev[d].streams_ok;
		}
	}
	if (!row->runs)
		row->writes = 0;
	for (unsigned int k = 0; k < RV_BENCH_NR_METRICS; k++) {
		unsigned int n = 0;

		for (unsigned int i = 0; i < b->nr_runs && n < RV_BENCH_MAX_REPEAT; i++)
			if (b->runs[i].mode == mode && b->runs[i].baseline == baseline)
				v[n++] = rv_bench_value(b, &b->runs[i], device, k);
		rv_bench_summarize(v, n, &row->m[k]);
	}
	off = rv_bench_mode_cost(b, RV_BENCH_OFF);
	row->speedup = off > 0 && row->m[RV_BENCH_NS_PER_WRITE].median > 0 ?
			       off / row->m[RV_BENCH_NS_PER_WRITE].median :
			       -1;
}
