/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Coalesced MMIO/PIO, per device, with rings the devices bring.
 *
 * A device registers zones (address ranges whose *writes* may be deferred)
 * and supplies its own ring: entry count and memory are its choice. Writes
 * to a zone reach the device's ring instead of exiting to userspace one by
 * one; the device's handler processes them later, in order, in the event
 * loop, or earlier when ordering demands it:
 *
 *   flush-before-access: before any non-coalesced access to a device is
 *   handled (a read, a write outside its zones, a fallback exit), every
 *   coalesced write to *that* device that precedes it is handled first.
 *   Other devices' writes are not touched (in per-device mode).
 *
 * Nothing is lost: when a ring is full, the write waits in an engine-owned
 * spill ring (devices with a drain context of their own), and when that is
 * full too the drain stops, the device's entries are handled, and the drain
 * goes on (a "ring-full fallback"). No device handler ever runs under the
 * engine lock.
 *
 * Drain contexts: a device's entries are handled either by the event loop
 * (shared) or by a thread of the device's own that waits on its own eventfd
 * (and doorbell), so that one device's slow handler never delays another's
 * writes (docs/coalescing.md, "Drain contexts").
 *
 * The engine: every upstream kernel has only one VM-wide coalesced ring
 * (api.rst, KVM_REGISTER_COALESCED_MMIO), so the engine drains it and
 * routes each entry by address to the owning device's ring. It sits behind
 * struct rv_coalesce_engine_ops so that a kernel filling device rings
 * directly could replace it without any device changing (docs/coalescing.md).
 */
#ifndef RV_COALESCE_H
#define RV_COALESCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "latency.h"
#include "vmm/loop.h"

struct rv_bus_range;
struct rv_loop;

enum rv_coalesce_mode {
	RV_COALESCE_OFF,	/* no zones: every write exits */
	RV_COALESCE_VM_RING,	/* QEMU-like baseline: flush all devices at every exit */
	RV_COALESCE_PER_DEVICE, /* default: per-device rings, flush per device */
};

/* One deferred write. */
struct rv_coalesce_entry {
	uint64_t addr;	  /* guest physical address or port */
	uint64_t data;	  /* little-endian, @len bytes valid */
	uint64_t seen_ns; /* upper bound of the write's time (see latency) */
	uint32_t len;	  /* 1, 2, 4 or 8 */
	uint32_t pio;	  /* 1: port I/O, 0: MMIO */
};

/*
 * A single-producer single-consumer ring in memory the device owns.
 * head and tail run freely (mod 2^32); the ring is full when
 * tail - head == nr_entries. Producer: the engine (under its drain lock).
 * Consumer: the device's flush (under the device's flush lock).
 * nr_entries is a power of two (at most 2^31): the slot is index mod
 * nr_entries, which only stays continuous across the 2^32 wrap if
 * nr_entries divides 2^32.
 */
struct rv_coalesce_ring {
	struct rv_coalesce_entry *entries;
	uint32_t nr_entries;
	uint32_t head; /* next to consume: written by the consumer only */
	uint32_t tail; /* next to fill: written by the producer only */
};

/* -EINVAL unless @nr_entries is a power of two from 1 to 2^31. */
int rv_coalesce_ring_init(struct rv_coalesce_ring *ring, struct rv_coalesce_entry *mem,
			  uint32_t nr_entries);
/* false when full. */
bool rv_coalesce_ring_push(struct rv_coalesce_ring *ring, const struct rv_coalesce_entry *e);
/* false when empty. */
bool rv_coalesce_ring_pop(struct rv_coalesce_ring *ring, struct rv_coalesce_entry *e);
uint32_t rv_coalesce_ring_count(const struct rv_coalesce_ring *ring);

/* Who handles a device's entries when no vCPU access does. */
enum rv_coalesce_drain {
	RV_COALESCE_DRAIN_DEFAULT, /* a device's choice: whatever the engine's policy says */
	RV_COALESCE_DRAIN_SHARED,  /* the event loop, with every other shared device */
	RV_COALESCE_DRAIN_OWN,	   /* a thread of the device's own (per-device mode only) */
};

struct rv_coalesce_ctx;

struct rv_coalesce_stats {
	uint64_t zones;
	uint64_t coalesced_writes; /* entries that reached the device's ring */
	uint64_t ordinary_exits;   /* exits to this device's ranges */
	uint64_t drains;	   /* flushes that handled at least one entry */
	uint64_t ring_high_water;
	uint64_t ring_full_fallbacks; /* drains stopped to handle a full ring's entries */
	uint64_t spilled;	      /* entries that waited in the spill ring */
	uint64_t doorbells;	      /* doorbell rings seen */
	uint64_t ctx_wakeups;	      /* times its own drain context woke up */
	struct rv_latency latency;    /* entry seen -> handled, nanoseconds */
	/* An access's wait for coalescing (drain + flushes) before dispatch. */
	struct rv_latency access;
};

/*
 * A device's side of coalescing. The device fills name, ring and handler
 * and passes it to rv_coalesce_device_add(); the engine owns the rest.
 */
struct rv_coalesce_device {
	const char *name;
	struct rv_coalesce_ring *ring;
	/*
	 * Handle one deferred write exactly as if it had exited. Called with
	 * the device's flush lock held (and, for a ring-full fallback, the
	 * engine lock too): it may take the device's own lock, but must not
	 * call back into the engine. @e lies wholly inside one of its zones.
	 */
	void (*handle)(void *opaque, const struct rv_coalesce_entry *e);
	/*
	 * Optional: called after each batch of handle() calls (a drain, or a
	 * ring-full fallback), under the same locks. A device may defer the
	 * outside effects of its handled writes to here, so that a batch
	 * costs one system call rather than one per write (the UART writes
	 * its console output here). Latency is measured after it returns.
	 */
	void (*handle_end)(void *opaque);
	void *opaque;
	/* The device's choice of drain context (0: the engine's policy). */
	enum rv_coalesce_drain drain;

	/* Engine-owned. */
	pthread_mutex_t flush_lock;
	struct rv_coalesce *engine;
	struct rv_coalesce_stats stats;
	struct rv_coalesce_ctx *ctx;	/* its own drain context, or NULL: the loop */
	struct rv_coalesce_ring *spill; /* with ctx: where writes wait when ring is full */
	uint64_t handle_ns_avg;		/* with ctx: handling time per entry, averaged */
	bool pending;			/* entries queued for the loop to process */
	bool flushing;			/* a flush holds entries it popped but has not handled */
	int doorbell_fd;		/* eventfd KVM signals on a doorbell write, or -1 */
	struct rv_loop_watch doorbell_watch;
	bool doorbell_on_loop; /* doorbell_watch is the loop's (no context of its own) */
	uint64_t doorbell_addr;
	uint32_t doorbell_len;
	bool doorbell_pio;
	struct rv_coalesce_device *next;
};

struct rv_coalesce;

/* The drain timer's period when the configuration leaves it at 0 (1 ms). */
#define RV_COALESCE_DEFAULT_FLUSH_NS 1000000ULL

/*
 * Create the engine for VM @vm_fd, before the devices (they add zones when
 * they are created). @ring_page: the kernel ring (NULL: attach it later with
 * rv_coalesce_attach_ring()). @page_size: the host's page size, which sizes
 * the kernel ring. @loop (NULL: none) gets the drain timer, every
 * @flush_interval_ns (0: the default), and the eventfd that wakes it for
 * devices left with entries. -ENOTSUP, with a message naming the
 * capability, when @mode is not OFF and KVM has no KVM_CAP_COALESCED_MMIO.
 */
int rv_coalesce_create(struct rv_coalesce **out, enum rv_coalesce_mode mode, int vm_fd,
		       void *ring_page, long page_size, struct rv_loop *loop,
		       uint64_t flush_interval_ns);
/*
 * Once vCPU 0's run page is mapped: the kernel ring is the page at the
 * offset KVM_CAP_COALESCED_MMIO returned, inside that mapping of
 * @run_size bytes (api.rst, KVM_GET_VCPU_MMAP_SIZE). No-op in mode OFF.
 */
int rv_coalesce_attach_ring(struct rv_coalesce *c, void *vcpu0_run, size_t run_size);
/*
 * With every vCPU stopped and the devices still alive: handles what is
 * left, unregisters the zones (KVM_UNREGISTER_COALESCED_MMIO) and frees
 * the engine. Its loop watches are dropped: the loop must not run again
 * (rv_loop_destroy() discards their in-flight completions). NULL is a no-op.
 */
void rv_coalesce_destroy(struct rv_coalesce *c);
/*
 * The VM's fd is closed (teardown): its zones and doorbell ioeventfds go
 * with the VM, so rv_coalesce_destroy() no longer unregisters them.
 */
void rv_coalesce_vm_closed(struct rv_coalesce *c);
enum rv_coalesce_mode rv_coalesce_mode(const struct rv_coalesce *c);
/*
 * Before any device is added: which devices get a drain context of their
 * own in per-device mode (RV_COALESCE_DRAIN_OWN: every device that does not
 * ask for the shared loop; SHARED, the default: only those that ask).
 */
void rv_coalesce_set_drain(struct rv_coalesce *c, enum rv_coalesce_drain policy);
/* "shared", "per-device" <-> the policy; -EINVAL for anything else. */
int rv_coalesce_drain_parse(const char *s, enum rv_coalesce_drain *policy);
const char *rv_coalesce_drain_name(enum rv_coalesce_drain policy);
const char *rv_coalesce_engine_name(const struct rv_coalesce *c);

/* Before any vCPU runs (the device list is then walked without a lock). */
int rv_coalesce_device_add(struct rv_coalesce *c, struct rv_coalesce_device *dev);
/*
 * Register [addr, addr + len) as a coalesced zone of @dev (KVM_REGISTER_
 * COALESCED_MMIO with pio set for ports). In mode OFF this only records the
 * zone (for stats) and registers nothing with KVM.
 */
int rv_coalesce_zone_add(struct rv_coalesce_device *dev, uint64_t addr, uint64_t len, bool pio);

/*
 * A vCPU exit is about to be handled by @owner (NULL: no device). Drains the
 * kernel ring and applies the mode's ordering rule: per-device flushes
 * @owner only (and wakes the loop for the others); vm-ring flushes all.
 * Counts an ordinary exit for @owner.
 */
void rv_coalesce_before_exit(struct rv_coalesce *c, struct rv_coalesce_device *owner);
/*
 * Name @dev's doorbell: a register whose write means "handle what I wrote".
 * KVM signals an eventfd instead of exiting (api.rst, KVM_IOEVENTFD: any
 * value of @len bytes at @addr; @len 1, 2, 4 or 8), and the event loop
 * drains the kernel ring and flushes @dev: the guest's writes are handled
 * without it ever leaving guest mode. The device never sees the doorbell
 * write itself. In mode OFF nothing is registered (the write exits to the
 * device as usual). -ENOTSUP without KVM_CAP_IOEVENTFD, -EBUSY if @dev
 * already has one. Call before any vCPU runs.
 */
int rv_coalesce_doorbell_add(struct rv_coalesce_device *dev, uint64_t addr, uint32_t len, bool pio);

/* Drain the kernel ring and process every device's pending entries. */
void rv_coalesce_flush_all(struct rv_coalesce *c);
/* Process @dev's ring now (flush-before-access). */
void rv_coalesce_device_flush(struct rv_coalesce_device *dev);

/*
 * A consistent copy of @dev's statistics, safe while vCPUs and the loop run
 * (it takes the engine lock, then @dev's flush lock). Reading dev->stats
 * directly is only exact once they have stopped.
 */
void rv_coalesce_stats_snapshot(const struct rv_coalesce_device *dev,
				struct rv_coalesce_stats *out);
/* Name @dev's statistics (a snapshot) to @out (vmm/stats.h). */
struct rv_stats_sink;
void rv_coalesce_stats_emit(const struct rv_coalesce_device *dev, struct rv_stats_sink *out);
/* The same as JSON members (no braces). */
void rv_coalesce_stats_json(const struct rv_coalesce_device *dev, FILE *out);
/* The mode, the engine and its counters, to @out (vmm/stats.h), or as JSON members. */
void rv_coalesce_engine_emit(const struct rv_coalesce *c, struct rv_stats_sink *out);
void rv_coalesce_engine_json(const struct rv_coalesce *c, FILE *out);

/* What a VM on @fd (a VM or system fd) would get: for `ringvmm caps`. */
struct rv_coalesce_probe {
	const char *engine;    /* "vm-ring-router", or "none" */
	int ring_page_offset;  /* KVM_CAP_COALESCED_MMIO, 0: no ring */
	uint32_t ring_entries; /* usable entries: capacity - 1 */
	bool pio;	       /* KVM_CAP_COALESCED_PIO */
};
void rv_coalesce_probe(int fd, long page_size, struct rv_coalesce_probe *p);

/* "off", "vm-ring", "per-device" <-> enum; -EINVAL for anything else. */
int rv_coalesce_mode_parse(const char *s, enum rv_coalesce_mode *mode);
const char *rv_coalesce_mode_name(enum rv_coalesce_mode mode);

#endif
