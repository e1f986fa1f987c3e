// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the latency histogram (vmm/coalesce/latency.c). Percentiles read
 * back as upper bounds within the bucket resolution (1/16 of the value,
 * exact below 16 ns), never above the exact maximum; the maximum, count
 * and sum are exact; bucket edges, huge values, empty and single-sample
 * histograms, percentile arguments at and past the ends, and merging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/coalesce/latency.h"

static struct rv_latency *new_hist(void)
{
	struct rv_latency *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	return l;
}

/* The value a correct percentile must bound: the rank-th smallest sample. */
static uint64_t true_percentile(uint64_t *sorted, size_t n, double pct)
{
	double want = pct / 100.0 * (double)n;
	size_t rank = (size_t)want;

	if ((double)rank < want || rank == 0)
		rank++;
	return sorted[rank - 1];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* got bounds want from above, by at most a bucket's width (1/16). */
static void expect_bound(uint64_t got, uint64_t want, uint64_t max)
{
	if (got < want || got > max || (want >= 16 && got - want > want / 16) ||
	    (want < 16 && got != want))
		fail_msg("percentile %llu for a true value of %llu (max %llu)",
			 (unsigned long long)got, (unsigned long long)want,
			 (unsigned long long)max);
}

static void test_empty(void **state)
{
	struct rv_latency *l = new_hist();

	assert_int_equal(rv_latency_percentile(l, 50), 0);
	assert_int_equal(rv_latency_percentile(l, 99), 0);
	assert_int_equal(rv_latency_percentile(l, 100), 0);
	assert_int_equal(l->max_ns, 0);
	free(l);
}

static void test_small_values_are_exact(void **state)
{
	struct rv_latency *l = new_hist();

	for (uint64_t v = 0; v < 16; v++)
		rv_latency_add(l, v);
	assert_int_equal(l->count, 16);
	assert_int_equal(l->sum_ns, 120);
	assert_int_equal(rv_latency_percentile(l, 50), 7);
	assert_int_equal(rv_latency_percentile(l, 100.0 / 16), 0);
	assert_int_equal(rv_latency_percentile(l, 99), 15);
	assert_int_equal(rv_latency_percentile(l, 100), 15);
	free(l);
}

static void test_single_sample(void **state)
{
	static const uint64_t values[] = { 1, 17, 1000, 123456789, 1ULL << 40 };

	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct rv_latency *l = new_hist();

		rv_latency_add(l, values[i]);
		/* Clamped by the exact maximum: one sample reads back exactly. */
		assert_int_equal(rv_latency_percentile(l, 50), values[i]);
		assert_int_equal(rv_latency_percentile(l, 99), values[i]);
		assert_int_equal(l->max_ns, values[i]);
		free(l);
	}
}

static void test_bucket_edges(void **state)
{
	/* Each value alone under a larger one: read back within 1/16. */
	for (unsigned int k = 4; k < 50; k++) {
		uint64_t edge = 1ULL << k;
		uint64_t vals[] = { edge - 1, edge, edge + 1, edge + (edge >> 4) - 1,
				    edge + (edge >> 4) };

		for (unsigned int i = 0; i < 5; i++) {
			struct rv_latency *l = new_hist();
			uint64_t got;

			rv_latency_add(l, vals[i]);
			rv_latency_add(l, UINT64_MAX / 2);
			got = rv_latency_percentile(l, 50);
			expect_bound(got, vals[i], l->max_ns);
			free(l);
		}
	}
}

static void test_huge_values(void **state)
{
	struct rv_latency *l = new_hist();

	rv_latency_add(l, UINT64_MAX);
	rv_latency_add(l, 1ULL << 62);
	rv_latency_add(l, 5);
	assert_int_equal(l->max_ns, UINT64_MAX);
	assert_int_equal(l->count, 3);
	/* Past the last bucket everything lands in one: still <= max. */
	assert_true(rv_latency_percentile(l, 99) <= UINT64_MAX);
	assert_int_equal(rv_latency_percentile(l, 30), 5);
	free(l);
}

static void test_percentile_arguments(void **state)
{
	struct rv_latency *l = new_hist();

	for (uint64_t v = 1; v <= 100; v++)
		rv_latency_add(l, v * 1000);
	assert_int_equal(rv_latency_percentile(l, 0), 0);
	assert_int_equal(rv_latency_percentile(l, -5), 0);
	assert_int_equal(rv_latency_percentile(l, 100), 100000);
	assert_int_equal(rv_latency_percentile(l, 250), 100000);
	/* The smallest percentile is the smallest sample's bucket. */
	expect_bound(rv_latency_percentile(l, 0.001), 1000, l->max_ns);
	free(l);
}

/* xorshift64: the same spread of values on every run. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_random_distribution(void **state)
{
	const size_t n = 100000;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 0x1a7e9c;
	struct rv_latency *l = new_hist();
	static const double pcts[] = { 1, 10, 50, 90, 99, 99.9, 99.99 };
	uint64_t sum = 0, max = 0;

	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		/* Log-uniform from 1 ns to about 1 s: every bucket size. */
		uint64_t r = next_rand(&seed);

		v[i] = (r >> 34) >> (r % 30);
		rv_latency_add(l, v[i]);
		sum += v[i];
		if (v[i] > max)
			max = v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(l->count, n);
	assert_int_equal(l->sum_ns, sum);
	assert_int_equal(l->max_ns, max);
	for (unsigned int i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		expect_bound(rv_latency_percentile(l, pcts[i]), true_percentile(v, n, pcts[i]),
			     max);
	free(v);
	free(l);
}

static void test_merge(void **state)
{
	struct rv_latency *a = new_hist(), *b = new_hist(), *all = new_hist();

	for (uint64_t i = 0; i < 1000; i++) {
		rv_latency_add(i % 3 ? a : b, i * 977);
		rv_latency_add(all, i * 977);
	}
	rv_latency_merge(a, b);
	assert_memory_equal(a, all, sizeof(*a));
	/* Merging an empty histogram changes nothing. */
	memset(b, 0, sizeof(*b));
	rv_latency_merge(a, b);
	assert_memory_equal(a, all, sizeof(*a));
	free(a);
	free(b);
	free(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_small_values_are_exact),
		cmocka_unit_test(test_single_sample),
		cmocka_unit_test(test_bucket_edges),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_percentile_arguments),
		cmocka_unit_test(test_random_distribution),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests_name("latency", tests, NULL, NULL);
}
