/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics, said once and printed three ways. A device (or the
 * coalescing engine) names its counters to a struct rv_stats_sink, key by
 * key; the sink decides the form: JSON members (--stats=json, --metrics),
 * or rows of the --stats table. So the three cannot disagree.
 *
 * Keys are JSON member names (snake_case); rv_stats_group() opens a nested
 * group ("latency_us": {...} in JSON, "latency_us.p50" in the table),
 * rv_stats_end() closes it.
 */
#ifndef RV_STATS_H
#define RV_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct rv_device;

struct rv_stats_sink {
	void (*u64)(struct rv_stats_sink *s, const char *key, uint64_t v);
	void (*f64)(struct rv_stats_sink *s, const char *key, double v); /* printed %.3f */
	void (*str)(struct rv_stats_sink *s, const char *key, const char *v);
	void (*group)(struct rv_stats_sink *s, const char *key);
	void (*end)(struct rv_stats_sink *s);
};

static inline void rv_stats_u64(struct rv_stats_sink *s, const char *key, uint64_t v)
{
	s->u64(s, key, v);
}

static inline void rv_stats_f64(struct rv_stats_sink *s, const char *key, double v)
{
	s->f64(s, key, v);
}

static inline void rv_stats_str(struct rv_stats_sink *s, const char *key, const char *v)
{
	s->str(s, key, v);
}

static inline void rv_stats_group(struct rv_stats_sink *s, const char *key)
{
	s->group(s, key);
}

static inline void rv_stats_end(struct rv_stats_sink *s)
{
	s->end(s);
}

/* JSON members ("key": value, ...), no braces around them. */
#define RV_STATS_MAX_DEPTH 8
struct rv_stats_json {
	struct rv_stats_sink sink;
	FILE *out;
	unsigned int depth;
	bool first[RV_STATS_MAX_DEPTH];
};
/* A JSON sink on @out; the members that follow start a fresh list. */
struct rv_stats_sink *rv_stats_json_init(struct rv_stats_json *j, FILE *out);

/*
 * A device's statistics as JSON members, from its stats op (or its
 * stats_json op, for a device that has not moved to a sink yet).
 */
void rv_device_stats_json(struct rv_device *dev, FILE *out);

#endif
