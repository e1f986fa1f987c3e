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
#include "vmm/stats.h"
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

void rv_coalesce_stats_emit(const struct rv_coalesce_device *dev, struct rv_stats_sink *out)
{
	struct rv_coalesce_stats snap, *s = &snap;

	rv_coalesce_stats_snapshot(dev, &snap);
	rv_stats_u64(out, "zones", s->zones);
	rv_stats_u64(out, "ring_entries", dev->ring->nr_entries);
	rv_stats_u64(out, "coalesced_writes", s->coalesced_writes);
	rv_stats_u64(out, "ordinary_exits", s->ordinary_exits);
	rv_stats_u64(out, "drains", s->drains);
	rv_stats_u64(out, "ring_high_water", s->ring_high_water);
	rv_stats_u64(out, "ring_full_fallbacks", s->ring_full_fallbacks);
	rv_stats_u64(out, "spilled", s->spilled);
	rv_stats_u64(out, "doorbells", s->doorbells);
	rv_stats_str(out, "drain", dev->ctx ? "own" : "shared");
	rv_stats_u64(out, "ctx_wakeups", s->ctx_wakeups);
	rv_stats_u64(out, "handle_ns_avg", __atomic_load_n(&dev->handle_ns_avg, __ATOMIC_RELAXED));
	rv_stats_group(out, "latency_us");
	rv_stats_f64(out, "p50", rv_us(rv_latency_percentile(&s->latency, 50)));
	rv_stats_f64(out, "p99", rv_us(rv_latency_percentile(&s->latency, 99)));
	rv_stats_f64(out, "max", rv_us(s->latency.max_ns));
	rv_stats_u64(out, "samples", s->latency.count);
	rv_stats_end(out);
	rv_stats_group(out, "access_us");
	rv_stats_f64(out, "p50", rv_us(rv_latency_percentile(&s->access, 50)));
	rv_stats_f64(out, "p99", rv_us(rv_latency_percentile(&s->access, 99)));
	rv_stats_u64(out, "samples", s->access.count);
	rv_stats_end(out);
}

void rv_coalesce_stats_json(const struct rv_coalesce_device *dev, FILE *out)
{
	struct rv_stats_json j;

	rv_coalesce_stats_emit(dev, rv_stats_json_init(&j, out));
}

/* The loop's counters are exact once the loop has stopped (its thread). */
void rv_coalesce_engine_emit(const struct rv_coalesce *c, struct rv_stats_sink *out)
{
	struct rv_coalesce *e = (struct rv_coalesce *)c; /* for the lock */
	uint64_t drains, entries, unrouted, corrupt;

	pthread_mutex_lock(&e->lock);
	drains = c->kernel_drains;
	entries = c->kernel_entries;
	unrouted = c->unrouted;
	corrupt = c->corrupt;
	pthread_mutex_unlock(&e->lock);
	rv_stats_str(out, "coalesce_mode", rv_coalesce_mode_name(c->mode));
	rv_stats_str(out, "coalesce_engine", c->ops->name);
	rv_stats_group(out, "coalesce");
	rv_stats_u64(out, "kernel_ring_entries", c->kcap ? c->kcap - 1 : 0);
	rv_stats_f64(out, "flush_us", rv_us(c->flush_ns));
	rv_stats_u64(out, "kernel_drains", drains);
	rv_stats_u64(out, "kernel_entries", entries);
	rv_stats_u64(out, "unrouted", unrouted);
	rv_stats_u64(out, "corrupt_indices", corrupt);
	rv_stats_u64(out, "loop_wakeups", c->wakeups);
	rv_stats_u64(out, "timer_flushes", c->timer_flushes);
	rv_stats_u64(out, "timer_arms", c->timer_arms);
	rv_stats_str(out, "drain", rv_coalesce_drain_name(c->drain_policy));
	rv_stats_u64(out, "drain_contexts", c->nr_ctx);
	rv_stats_end(out);
}

void rv_coalesce_engine_json(const struct rv_coalesce *c, FILE *out)
{
	struct rv_stats_json j;

	rv_coalesce_engine_emit(c, rv_stats_json_init(&j, out));
}
