// SPDX-License-Identifier: GPL-2.0
/*
 * Coalescing statistics, per device and for the engine, as the devices'
 * --stats output and `ringvmm bench` read them. Snapshots take the locks
 * coalesce.c's order prescribes (engine, then the device's flush lock);
 * counters the vCPU threads bump under no lock are read atomically.
 */
#include <inttypes.h>
#include <pthread.h>

#include "engine.h"
#include "vmm/util.h"

static double rv_us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

void rv_coalesce_stats_snapshot(const struct rv_coalesce_device *dev, struct rv_coalesce_stats *out)
{
	/* The locks are the engine's business, not the caller's: not const. */
	struct rv_coalesce_device *d = (struct rv_coalesce_device *)dev;
	struct rv_coalesce *c = d->engine;

	if (!c) {
		*out = d->stats; /* engine gone: nothing runs any more */
		return;
	}
	/* Engine lock (producer-side counters), then flush lock (the rest). */
	pthread_mutex_lock(&c->lock);
	pthread_mutex_lock(&d->flush_lock);
	out->zones = d->stats.zones;
	out->coalesced_writes = d->stats.coalesced_writes;
	out->drains = d->stats.drains;
	out->ring_high_water = d->stats.ring_high_water;
	out->ring_full_fallbacks = d->stats.ring_full_fallbacks;
	out->spilled = d->stats.spilled;
	out->latency = d->stats.latency;
	out->access = d->stats.access;
	out->ctx_wakeups = __atomic_load_n(&d->stats.ctx_wakeups, __ATOMIC_RELAXED);
	out->doorbells = __atomic_load_n(&d->stats.doorbells, __ATOMIC_RELAXED);
	/* Counted by vCPU threads under no lock: atomically. */
	out->ordinary_exits = __atomic_load_n(&d->stats.ordinary_exits, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&d->flush_lock);
	pthread_mutex_unlock(&c->lock);
}

void rv_coalesce_stats_json(const struct rv_coalesce_device *dev, FILE *out)
{
	struct rv_coalesce_stats snap, *s = &snap;

	rv_coalesce_stats_snapshot(dev, &snap);
	fprintf(out,
		"\"zones\": %" PRIu64 ", \"ring_entries\": %u, \"coalesced_writes\": %" PRIu64
		", \"ordinary_exits\": %" PRIu64 ", \"drains\": %" PRIu64
		", \"ring_high_water\": %" PRIu64 ", \"ring_full_fallbacks\": %" PRIu64
		", \"spilled\": %" PRIu64 ", \"doorbells\": %" PRIu64
		", \"drain\": \"%s\", \"ctx_wakeups\": %" PRIu64 ", \"handle_ns_avg\": %" PRIu64
		", \"latency_us\": {\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, \"samples\": %" PRIu64
		"}, \"access_us\": {\"p50\": %.3f, \"p99\": %.3f, \"samples\": %" PRIu64 "}",
		s->zones, dev->ring->nr_entries, s->coalesced_writes, s->ordinary_exits, s->drains,
		s->ring_high_water, s->ring_full_fallbacks, s->spilled, s->doorbells,
		dev->ctx ? "own" : "shared", s->ctx_wakeups,
		__atomic_load_n(&dev->handle_ns_avg, __ATOMIC_RELAXED),
		rv_us(rv_latency_percentile(&s->latency, 50)),
		rv_us(rv_latency_percentile(&s->latency, 99)), rv_us(s->latency.max_ns),
		s->latency.count, rv_us(rv_latency_percentile(&s->access, 50)),
		rv_us(rv_latency_percentile(&s->access, 99)), s->access.count);
}

/* The loop's counters are exact once the loop has stopped (its thread). */
void rv_coalesce_engine_json(const struct rv_coalesce *c, FILE *out)
{
	struct rv_coalesce *e = (struct rv_coalesce *)c; /* for the lock */
	uint64_t drains, entries, unrouted, corrupt;

	pthread_mutex_lock(&e->lock);
	drains = c->kernel_drains;
	entries = c->kernel_entries;
	unrouted = c->unrouted;
	corrupt = c->corrupt;
	pthread_mutex_unlock(&e->lock);
	fprintf(out,
		"\"coalesce_mode\": \"%s\", \"coalesce_engine\": \"%s\", \"coalesce\": {"
		"\"kernel_ring_entries\": %u, \"flush_us\": %.3f, \"kernel_drains\": %" PRIu64
		", \"kernel_entries\": %" PRIu64 ", \"unrouted\": %" PRIu64
		", \"corrupt_indices\": %" PRIu64 ", \"loop_wakeups\": %" PRIu64
		", \"timer_flushes\": %" PRIu64 ", \"timer_arms\": %" PRIu64
		", \"drain\": \"%s\", \"drain_contexts\": %u}",
		rv_coalesce_mode_name(c->mode), c->ops->name, c->kcap ? c->kcap - 1 : 0,
		rv_us(c->flush_ns), drains, entries, unrouted, corrupt, c->wakeups,
		c->timer_flushes, c->timer_arms, rv_coalesce_drain_name(c->drain_policy),
		c->nr_ctx);
}
