/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark sink ("bench-sink"): an MMIO region, or a port range, that
 * only counts and checks what the guest writes to it, for tests/kvm and
 * `ringvmm bench`. Register layout: see the comment at the top of
 * devices/pseudo/bench-sink.c; the offsets are here so guests' C and assembly
 * twins can share them.
 */
#ifndef RV_BENCH_SINK_H
#define RV_BENCH_SINK_H

#define RV_BENCH_SINK_LEN 0x1000
#define RV_BENCH_SINK_ZONE_LEN 0x800 /* coalesced data zone: [0, 0x800) */
#define RV_BENCH_SINK_STREAMS 64
#define RV_BENCH_SINK_DATA(k) (0x000 + 8 * (k))	 /* write: next sequence number */
#define RV_BENCH_SINK_COUNT(k) (0x800 + 8 * (k)) /* read: writes handled */
#define RV_BENCH_SINK_ERROR 0xa00		 /* write: the guest saw a mismatch */
#define RV_BENCH_SINK_DOORBELL 0xa08		 /* write: flush the device's ring */
#define RV_BENCH_SINK_RESET 0xa10		 /* write: zero the counters */
#define RV_BENCH_SINK_MARK 0xa18		 /* write: note the host time (benchmarks) */

/* The port I/O variant: the same registers, 4 bytes wide. */
#define RV_BENCH_SINK_PIO_LEN 0x400
#define RV_BENCH_SINK_PIO_ZONE_LEN 0x100 /* coalesced data zone: [0, 0x100) */
#define RV_BENCH_SINK_PIO_DATA(k) (0x000 + 4 * (k))
#define RV_BENCH_SINK_PIO_COUNT(k) (0x100 + 4 * (k))
#define RV_BENCH_SINK_PIO_ERROR 0x200
#define RV_BENCH_SINK_PIO_DOORBELL 0x204
#define RV_BENCH_SINK_PIO_RESET 0x208
#define RV_BENCH_SINK_PIO_MARK 0x20c

#define RV_BENCH_SINK_DEFAULT_ENTRIES 256
#define RV_BENCH_SINK_MAX_ENTRIES 65536

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct rv_device;

/*
 * Entries of the ring each bench-sink created from now on brings (a power
 * of two, 1 to RV_BENCH_SINK_MAX_ENTRIES). rv_device_cfg carries no device
 * parameters, so this is process-wide: set it before rv_vm_create().
 * Returns 0 or -EINVAL.
 */
int rv_bench_sink_set_ring_entries(unsigned int nr_entries);
unsigned int rv_bench_sink_ring_entries(void);

/*
 * Bench-sinks created from now on register DOORBELL as a coalescing
 * doorbell (KVM_IOEVENTFD: no exit, the event loop flushes the device) when
 * they coalesce. Off by default: a DOORBELL write then exits and flushes.
 */
void rv_bench_sink_set_doorbell(bool on);

/*
 * Bench-sinks created from now on spend @ns nanoseconds (a busy wait) on
 * every data write they handle, to model a device with real work per
 * write: where that work runs (a vCPU thread or the event loop) is what
 * the coalescing modes differ in. 0 (the default): no extra work.
 */
void rv_bench_sink_set_work_ns(uint64_t ns);
/* After creation, before the VM runs: @dev's own busy time per write. */
int rv_bench_sink_set_device_work(struct rv_device *dev, uint64_t ns);

struct rv_bench_sink_counters {
	uint64_t writes;	/* data writes handled, every stream */
	uint64_t lost;		/* sequence numbers skipped (gaps) */
	uint64_t reordered;	/* values below the next expected one (late, duplicate) */
	uint64_t read_mismatch; /* ERROR register writes */
	uint64_t last_error;	/* the value of the last ERROR write */
	uint64_t invalid;	/* data-zone writes of a bad size or offset */
	uint64_t doorbells;
	uint64_t resets;
	/* MARK writes, and the host's rv_now_ns() at the first and the last. */
	uint64_t marks;
	uint64_t first_mark_ns, last_mark_ns;
	uint64_t stream_writes[RV_BENCH_SINK_STREAMS];
};

/*
 * A snapshot of @dev's counters, safe while the VM runs; -EINVAL if @dev is
 * not a bench-sink. The coalescing statistics are the engine's:
 * dev->coalesce->stats (NULL dev->coalesce: the device does not coalesce),
 * to be read once the VM has stopped.
 */
int rv_bench_sink_counters(const struct rv_device *dev, struct rv_bench_sink_counters *out);
#endif

#endif
