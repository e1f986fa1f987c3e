// SPDX-License-Identifier: GPL-2.0
/* The JSON statistics sink (stats.h), and a device's statistics through it. */
#include "stats.h"

#include <inttypes.h>

#include "device.h"

static void rv_json_key(struct rv_stats_json *j, const char *key)
{
	fprintf(j->out, "%s\"%s\": ", j->first[j->depth] ? "" : ", ", key);
	j->first[j->depth] = false;
}

static void rv_json_u64(struct rv_stats_sink *s, const char *key, uint64_t v)
{
	struct rv_stats_json *j = (struct rv_stats_json *)s;

	rv_json_key(j, key);
	fprintf(j->out, "%" PRIu64, v);
}

static void rv_json_f64(struct rv_stats_sink *s, const char *key, double v)
{
	struct rv_stats_json *j = (struct rv_stats_json *)s;

	rv_json_key(j, key);
	fprintf(j->out, "%.3f", v);
}

/* Keys and values are ringvmm's own names (device, mode): no escaping needed. */
static void rv_json_str(struct rv_stats_sink *s, const char *key, const char *v)
{
	struct rv_stats_json *j = (struct rv_stats_json *)s;

	rv_json_key(j, key);
	fprintf(j->out, "\"%s\"", v);
}

static void rv_json_group(struct rv_stats_sink *s, const char *key)
{
	struct rv_stats_json *j = (struct rv_stats_json *)s;

	rv_json_key(j, key);
	fputc('{', j->out);
	if (j->depth + 1 < RV_STATS_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void rv_json_end(struct rv_stats_sink *s)
{
	struct rv_stats_json *j = (struct rv_stats_json *)s;

	fputc('}', j->out);
	if (j->depth)
		j->depth--;
}

struct rv_stats_sink *rv_stats_json_init(struct rv_stats_json *j, FILE *out)
{
	*j = (struct rv_stats_json){
		.sink = { rv_json_u64, rv_json_f64, rv_json_str, rv_json_group, rv_json_end },
		.out = out,
	};
	j->first[0] = true;
	return &j->sink;
}

void rv_device_stats_json(struct rv_device *dev, FILE *out)
{
	struct rv_stats_json j;

	if (dev->ops && dev->ops->stats)
		dev->ops->stats(dev, rv_stats_json_init(&j, out));
	else if (dev->ops && dev->ops->stats_json)
		dev->ops->stats_json(dev, out);
}
