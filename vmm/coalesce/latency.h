/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fixed-size latency histogram (log2 buckets with 16 linear sub-buckets,
 * about 6% resolution) for p50/p99/max without storing samples. Not
 * thread-safe: the owner serialises (coalescing: the device's flush lock).
 */
#ifndef RV_LATENCY_H
#define RV_LATENCY_H

#include <stdint.h>

#define RV_LATENCY_SUB 16
#define RV_LATENCY_BUCKETS 48

struct rv_latency {
	uint64_t count;
	uint64_t max_ns;
	uint64_t sum_ns;
	uint64_t hist[RV_LATENCY_BUCKETS][RV_LATENCY_SUB];
};

void rv_latency_add(struct rv_latency *l, uint64_t ns);
/* @pct in (0, 100]: an upper bound of that percentile, in ns (0 if empty). */
uint64_t rv_latency_percentile(const struct rv_latency *l, double pct);
void rv_latency_merge(struct rv_latency *dst, const struct rv_latency *src);

#endif
