// SPDX-License-Identifier: GPL-2.0
/*
 * Where `ringvmm bench coalesce` puts its bench-sinks: in the platform's
 * free device windows (struct rv_arch_platform), so no arch header names
 * an address for the benchmark. Pure: unit-tested with made-up windows.
 */
#include <errno.h>
#include <stdio.h>

#include "arch/arch.h"
#include "devices/pseudo/bench-sink.h"
#include "vmm/util.h"
#include "bench.h"

bool rv_bench_dev_is_pio(const struct rv_bench_opts *o, unsigned int d)
{
	return o->space == RV_BENCH_SPACE_PIO || (o->space == RV_BENCH_SPACE_MIXED && d % 2);
}

/* Does the @d-th range of @len bytes, @stride apart, fit in @w? */
static bool rv_bench_fits(const struct rv_arch_window *w, unsigned int d, uint64_t stride,
			  uint64_t len)
{
	return w->size >= len && (w->size - len) / stride >= d;
}

int rv_bench_place_sinks(const struct rv_bench_opts *o, const struct rv_arch_platform *p,
			 const struct rv_device_params *params, struct rv_device_cfg *sinks,
			 char (*names)[RV_BENCH_NAME_LEN])
{
	for (unsigned int d = 0; d < o->devices; d++) {
		bool pio = rv_bench_dev_is_pio(o, d);
		const struct rv_arch_window *w = pio ? &p->free_pio : &p->free_mmio;
		uint64_t stride = pio ? RV_BENCH_PIO_STRIDE : RV_BENCH_MMIO_STRIDE;
		uint64_t len = pio ? RV_BENCH_SINK_PIO_LEN : RV_BENCH_SINK_LEN;

		if (pio && !p->free_pio.size)
			return rv_err(-ENOTSUP, "bench: %s has no port I/O: use --space mmio",
				      p->name);
		if (!rv_bench_fits(w, d, stride, len))
			return rv_err(
				-ENOSPC,
				"bench: sink %u does not fit in %s's free %s window (0x%llx bytes)",
				d, p->name, pio ? "port" : "MMIO", (unsigned long long)w->size);
		snprintf(names[d], RV_BENCH_NAME_LEN, "sink%u", d);
		sinks[d] = (struct rv_device_cfg){
			.type = "bench-sink",
			.name = names[d],
			.space = pio ? RV_SPACE_PIO : RV_SPACE_MMIO,
			.base = w->base + d * stride,
			.params = params,
		};
	}
	return 0;
}
