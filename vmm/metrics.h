/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --metrics FILE[,interval=MS]: figures while the guest runs, as
 * Firecracker's metrics file gives them. Every interval, and once more when
 * the guest stops, one JSON object on one line is appended to FILE: the
 * --stats=json members (cumulative counters per device and vCPU, the
 * unhandled accesses, the coalescing engine's), with "seq", "time_ms"
 * (since the guest started) and "interval_ms" (since the last line), and
 * for each coalescing device its latency percentiles over that interval
 * alone ("interval": {"latency_us": {...}}).
 *
 * Driven by a timer in the VM's event loop (vmm/loop.c), armed only when a
 * metrics file is set: without one the loop has no periodic wakeup for it.
 */
#ifndef RV_METRICS_H
#define RV_METRICS_H

#include <stdint.h>

#include "loop.h"

struct rv_vm;
struct rv_latency;

struct rv_metrics {
	struct rv_vm *vm;
	int fd; /* -1: no metrics */
	const char *path;
	struct rv_loop_watch timer;
	uint64_t start_ns, last_ns, seq;
	/* Each device's latency histogram at the last line, in device order. */
	struct rv_latency *prev;
	unsigned int nr_devices, cursor;
	bool failed; /* a write failed: warned once, no more lines */
};

/*
 * Open @path (created, appended to) and arm the timer on @vm's loop, every
 * @interval_ms. @path "" or NULL: no metrics, nothing armed. -errno with a
 * message naming the file.
 */
int rv_metrics_start(struct rv_metrics *m, struct rv_vm *vm, const char *path,
		     unsigned int interval_ms);
/* The loop has stopped: the last line, then close. No-op without metrics. */
void rv_metrics_stop(struct rv_metrics *m);
/* Append one line now (the timer's work; tests call it directly). */
int rv_metrics_sample(struct rv_metrics *m);

#endif
