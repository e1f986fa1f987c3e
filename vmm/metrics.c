// SPDX-License-Identifier: GPL-2.0
/* --metrics (metrics.h): a JSON line per interval, appended to a file. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"
#include "util.h"
#include "vm-stats.h"
#include "vm.h"

/* A device's latency over the interval: its histogram now minus at the last line. */
static void rv_metrics_device(void *opaque, struct rv_device *d, struct rv_stats_sink *s)
{
	struct rv_metrics *m = opaque;
	struct rv_coalesce_stats now;
	struct rv_latency *prev, delta;
	unsigned int i = m->cursor++;

	if (!d->coalesce || i >= m->nr_devices)
		return;
	prev = &m->prev[i];
	rv_coalesce_stats_snapshot(d->coalesce, &now);
	delta = now.latency;
	delta.count -= prev->count;
	delta.sum_ns -= prev->sum_ns;
	for (unsigned int b = 0; b < RV_LATENCY_BUCKETS; b++)
		for (unsigned int k = 0; k < RV_LATENCY_SUB; k++)
			delta.hist[b][k] -= prev->hist[b][k];
	*prev = now.latency;
	rv_stats_group(s, "interval");
	rv_stats_group(s, "latency_us");
	rv_stats_f64(s, "p50", rv_latency_percentile(&delta, 50) / 1000.0);
	rv_stats_f64(s, "p99", rv_latency_percentile(&delta, 99) / 1000.0);
	rv_stats_u64(s, "samples", delta.count);
	rv_stats_end(s);
	rv_stats_end(s);
}

int rv_metrics_sample(struct rv_metrics *m)
{
	struct rv_stats_extra extra = { rv_metrics_device, m };
	uint64_t now = rv_now_ns();
	char *line = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (m->fd < 0 || m->failed)
		return 0;
	/* One write(2) per line: a reader never sees half of one. */
	f = open_memstream(&line, &len);
	if (!f)
		return -ENOMEM;
	m->cursor = 0;
	fprintf(f, "{\"seq\": %" PRIu64 ", \"time_ms\": %.3f, \"interval_ms\": %.3f, ", ++m->seq,
		(now - m->start_ns) / 1e6, (now - m->last_ns) / 1e6);
	rv_stats_vm_json(m->vm, f, &extra);
	fputs("}\n", f);
	m->last_ns = now;
	if (fclose(f)) {
		free(line);
		return -ENOMEM;
	}
	ret = rv_write_all(m->fd, line, len);
	free(line);
	if (ret) {
		m->failed = true;
		rv_warn("--metrics %s: %s: no more lines", m->path, strerror(-ret));
	}
	return ret;
}

static void rv_metrics_tick(void *opaque, int res)
{
	if (res >= 0)
		rv_metrics_sample(opaque);
}

int rv_metrics_start(struct rv_metrics *m, struct rv_vm *vm, const char *path,
		     unsigned int interval_ms)
{
	int ret;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (!path || !*path)
		return 0;
	m->vm = vm;
	m->path = path;
	for (struct rv_device *d = vm->env.devices; d; d = d->next)
		m->nr_devices++;
	m->prev = calloc(m->nr_devices ? m->nr_devices : 1, sizeof(*m->prev));
	if (!m->prev)
		return rv_err(-ENOMEM, "--metrics %s: out of memory", path);
	/* A file, or a character device (/dev/stderr on a tty): never a FIFO. */
	ret = rv_path_open("--metrics", path, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY, 0644,
			   RV_PATH_REG | RV_PATH_CHR, &m->fd);
	if (ret)
		goto out_free;
	m->start_ns = m->last_ns = rv_now_ns();
	ret = rv_loop_add_timer(&vm->loop, &m->timer, interval_ms * 1000000ULL, rv_metrics_tick, m,
				"metrics");
	if (ret) {
		rv_err(ret, "--metrics %s: cannot arm the timer", path);
		goto out_close;
	}
	return 0;

out_close:
	close(m->fd);
	m->fd = -1;
out_free:
	free(m->prev);
	m->prev = NULL;
	return ret;
}

void rv_metrics_stop(struct rv_metrics *m)
{
	if (m->fd < 0)
		return;
	rv_loop_remove(&m->timer);
	rv_metrics_sample(m);
	close(m->fd);
	m->fd = -1;
	free(m->prev);
	m->prev = NULL;
}
