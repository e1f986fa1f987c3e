/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the coalescing engine: shared by vmm/coalesce/engine.c (device rings,
 * zones, routing, the flush rules, statistics) and the engine that fills
 * the device rings from what the kernel gives (vmm/coalesce/vm-ring.c).
 * Devices and the rest of the VMM use vmm/coalesce/coalesce.h only.
 *
 * The seam for another kernel interface is struct rv_coalesce_engine_ops:
 * a kernel that wrote into device rings itself (the "bring your own buffer"
 * design suggested in the review of "KVM: Add
 * KVM_CREATE_COALESCED_MMIO_BUFFER ioctl", kvm list, August 2024) would
 * provide a zone_add that
 * hands KVM the device's ring memory, and a drain with nothing left to
 * route. Devices, modes and flush rules would not change.
 */
#ifndef RV_COALESCE_ENGINE_H
#define RV_COALESCE_ENGINE_H

#include <linux/kvm.h>

#include "coalesce.h"
#include "vmm/loop.h"

struct rv_coalesce_zone {
	uint64_t addr, len;
	bool pio;
	bool registered; /* with KVM: undone at destroy */
	struct rv_coalesce_device *dev;
};

/* Every op runs with the engine lock held. */
struct rv_coalesce_engine_ops {
	const char *name;
	/*
	 * Move what the kernel holds into the device rings (rv_coalesce_route).
	 * Stops at an entry whose device cannot take it (route() false),
	 * leaving it first in the kernel's ring, and returns that device,
	 * whose entries the caller handles, without the engine lock, before
	 * it drains again. NULL: all drained.
	 */
	struct rv_coalesce_device *(*drain)(struct rv_coalesce *c);
	/* Make writes to @z reach z->dev; set z->registered if destroy must undo it. */
	int (*zone_add)(struct rv_coalesce *c, struct rv_coalesce_zone *z);
	/* Undo every zone_add. */
	void (*destroy)(struct rv_coalesce *c);
};

struct rv_coalesce {
	enum rv_coalesce_mode mode;
	const struct rv_coalesce_engine_ops *ops;
	int vm_fd;
	bool vm_closed; /* rv_coalesce_vm_closed(): KVM drops zones, doorbells itself */
	long page_size;

	pthread_mutex_t lock;		/* the engine lock (lock order: coalesce.c) */
	struct rv_coalesce_zone *zones; /* sorted by (pio, addr), disjoint */
	unsigned int nr_zones, cap_zones;
	struct rv_coalesce_device *devices; /* grows only before vCPUs run */
	enum rv_coalesce_drain drain_policy;
	unsigned int nr_ctx; /* devices with a drain context of their own */
	uint64_t unrouted;
	bool warned_unrouted;

	/* The vm-ring-router's state, under the engine lock. */
	bool have_pio;			       /* KVM_CAP_COALESCED_PIO */
	int ring_offset;		       /* pages into the vCPU mapping; 0: no kernel ring */
	uint32_t kcap;			       /* kernel ring slots; KVM keeps one free */
	struct kvm_coalesced_mmio_ring *kring; /* NULL until attached */
	uint64_t prev_drain_ns;		       /* start of the previous complete drain */
	uint64_t drained;		       /* entries routed, ever (engine lock) */
	uint64_t kernel_drains, kernel_entries, corrupt;
	bool warned_corrupt;

	/* The event loop's side (drain.c). */
	struct rv_loop *loop;
	uint64_t flush_ns;
	int wake_fd;	/* eventfd: devices left with entries (per-device) */
	bool wake_sent; /* an eventfd write the loop has not consumed yet */
	bool watches;	/* wake_watch and timer_watch are on the loop */
	struct rv_loop_watch wake_watch, timer_watch;
	/*
	 * The drain timer runs only while there is something to drain
	 * (drain.c, "no idle work"): tick_armed is set while it is armed or
	 * an arm is asked of the loop; active, when a vCPU exited since the
	 * last tick.
	 */
	bool tick_armed, active;
	uint64_t wakeups, timer_flushes, timer_arms;
};

/* A drain context of one device's own (drain.c). */
struct rv_coalesce_ctx {
	struct rv_coalesce_device *dev;
	pthread_t thread;
	int wake_fd;	/* eventfd */
	bool wake_sent; /* written, not yet read */
	bool stop;
	bool started;
};

/*
 * Deliver one write the kernel coalesced to the device whose zone holds all
 * of it (engine lock held). @e->addr, len, pio, data and seen_ns are set;
 * anything else is dropped and counted (NULL). Returns the device when it
 * has no room (ring and spill full): the entry was not taken; stop there.
 */
struct rv_coalesce_device *rv_coalesce_route(struct rv_coalesce *c, struct rv_coalesce_entry *e);

/*
 * Drain the kernel ring into the device rings (takes the engine lock;
 * handles a full device's entries without it). Returns the entries routed.
 */
uint64_t rv_coalesce_drain(struct rv_coalesce *c);
/* @dev has entries queued, or was marked pending by a drain. */
bool rv_coalesce_has_work(struct rv_coalesce_device *dev);
/* Ask the event loop to flush the devices marked pending (any thread). */
void rv_coalesce_wake(struct rv_coalesce *c);
/* Hand every pending device but @except to its drain context (any thread). */
void rv_coalesce_kick_pending(struct rv_coalesce *c, struct rv_coalesce_device *except);
/* A vCPU exited: the drain timer must tick at least once after this. */
void rv_coalesce_note_activity(struct rv_coalesce *c);
/* @dev's flush lock held: handle what its rings hold. */
void rv_coalesce_flush_locked(struct rv_coalesce_device *dev);
/* Flush the shared devices that have work (loop thread). */
void rv_coalesce_flush_shared(struct rv_coalesce *c);

/* drain.c: the loop's wake-up and timer, and per-device contexts. */
int rv_coalesce_add_watches(struct rv_coalesce *c);
int rv_coalesce_ctx_start(struct rv_coalesce_device *dev);
void rv_coalesce_ctx_stop(struct rv_coalesce_device *dev);
/* Wake @dev's own context (it has one), e.g. for a new doorbell fd. */
void rv_coalesce_ctx_kick(struct rv_coalesce_ctx *ctx);
/* Unregister @dev's doorbell, if it has one (doorbell.c). */
void rv_coalesce_doorbell_remove(struct rv_coalesce_device *dev);

/* The engines. */
extern const struct rv_coalesce_engine_ops rv_coalesce_none_ops;
extern const struct rv_coalesce_engine_ops rv_coalesce_vmring_ops;
/* Set up the vm-ring-router on @c (mode not OFF): probes KVM. */
int rv_coalesce_vmring_init(struct rv_coalesce *c, void *ring_page);

#endif
