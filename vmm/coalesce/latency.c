// SPDX-License-Identifier: GPL-2.0
/*
 * A latency histogram with bounded relative error and fixed memory.
 *
 * A value v < 16 ns is counted exactly (bucket 0, sub-bucket v). Above,
 * bucket b = msb(v) - 3 covers [2^msb, 2^(msb+1)) in 16 equal steps of
 * 2^(msb-4): the sub-bucket is the 4 bits after the leading one. A bucket's
 * width is at most 1/16 of its lower edge, so a percentile read back as the
 * bucket's upper edge overstates the true value by at most 6.25%, and never
 * by more than the exact maximum (which is kept apart and clamps it).
 * RV_LATENCY_BUCKETS = 48 reaches msb 50, 2^51 ns or about 26 days;
 * anything longer is counted in the last sub-bucket.
 */
#include "latency.h"

static unsigned int rv_latency_msb(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

static void rv_latency_index(uint64_t ns, unsigned int *b, unsigned int *s)
{
	unsigned int msb;

	if (ns < RV_LATENCY_SUB) {
		*b = 0;
		*s = ns;
		return;
	}
	msb = rv_latency_msb(ns);
	*b = msb - 3;
	*s = (ns >> (msb - 4)) & (RV_LATENCY_SUB - 1);
	if (*b >= RV_LATENCY_BUCKETS) {
		*b = RV_LATENCY_BUCKETS - 1;
		*s = RV_LATENCY_SUB - 1;
	}
}

/* The largest value that lands in (@b, @s). */
static uint64_t rv_latency_upper(unsigned int b, unsigned int s)
{
	unsigned int msb;

	if (b == 0)
		return s;
	msb = b + 3;
	return (1ULL << msb) + ((uint64_t)(s + 1) << (msb - 4)) - 1;
}

void rv_latency_add(struct rv_latency *l, uint64_t ns)
{
	unsigned int b, s;

	rv_latency_index(ns, &b, &s);
	l->hist[b][s]++;
	l->count++;
	l->sum_ns += ns;
	if (ns > l->max_ns)
		l->max_ns = ns;
}

uint64_t rv_latency_percentile(const struct rv_latency *l, double pct)
{
	uint64_t rank, seen = 0;
	double want;

	if (!l->count || !(pct > 0))
		return 0;
	if (pct >= 100)
		return l->max_ns;
	/* The smallest value with at least pct% of the samples at or below it. */
	want = pct / 100.0 * (double)l->count;
	rank = (uint64_t)want;
	if ((double)rank < want || rank == 0)
		rank++; /* ceil(want), at least 1, without libm */
	for (unsigned int b = 0; b < RV_LATENCY_BUCKETS; b++) {
		for (unsigned int s = 0; s < RV_LATENCY_SUB; s++) {
			seen += l->hist[b][s];
			if (seen >= rank) {
				uint64_t up = rv_latency_upper(b, s);

				return up < l->max_ns ? up : l->max_ns;
			}
		}
	}
	return l->max_ns;
}

void rv_latency_merge(struct rv_latency *dst, const struct rv_latency *src)
{
	for (unsigned int b = 0; b < RV_LATENCY_BUCKETS; b++)
		for (unsigned int s = 0; s < RV_LATENCY_SUB; s++)
			dst->hist[b][s] += src->hist[b][s];
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}
