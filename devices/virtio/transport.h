/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio transport, modern interface only (virtio 1.2). A virtio
 * device (virtio-blk.c, virtio-rng.c, ...) embeds a struct rv_virtio,
 * describes itself with a struct rv_virtio_dev_ops, and sees only queue
 * notifications, its config space and a reset. It does not know which
 * face the guest sees:
 *
 *   MMIO ("Virtio Over MMIO", Version 0x2): a register window and an
 *        interrupt line (transport.c, mmio-irq.c, mmio-page.c);
 *   PCI ("Virtio Over PCI Bus"): a PCI function with MSI-X, for a device
 *        created on RV_SPACE_PCI (pci.c, t->pci).
 *
 * Both keep the same state, in the terms of the virtio-mmio registers.
 *
 * Threads. Register accesses come from vCPU threads; queue notifications
 * arrive through KVM_IOEVENTFD eventfds polled by the event loop, so the
 * device's queue work (and its I/O completions) runs on the loop thread and
 * no vCPU waits for it. One mutex per transport serialises all of it.
 * On the MMIO face, interrupts leave through KVM_IRQFD: one pulse per
 * interrupt where the platform's line is edge-triggered (cfg->irq_edge),
 * else with a resample eventfd for the level-triggered line; without KVM
 * (unit tests) or the capability, through env->set_irq (KVM_IRQ_LINE).
 * Register reads do not exit where the VM allows register pages
 * (env->reg_pages): the guest reads a read-only memslot the transport
 * keeps current (mmio-page.c); writes still exit, or reach KVM's
 * ioeventfds.
 */
#ifndef RV_VIRTIO_TRANSPORT_H
#define RV_VIRTIO_TRANSPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "devices/virtio/virtqueue.h"
#include "vmm/device.h"
#include "vmm/loop.h"

/* The register window: registers, then the device's config space. */
#define RV_VIRTIO_MMIO_SIZE 0x200
#define RV_VIRTIO_MMIO_CONFIG 0x100
#define RV_VIRTIO_MAX_QUEUES 16

struct rv_virtio;
struct rv_virtio_pci;

struct rv_virtio_dev_ops {
	uint32_t device_id; /* VIRTIO_ID_BLOCK, ... */
	/*
	 * Loop thread (or the notifying vCPU without a loop), transport lock
	 * held, queue started and the device DRIVER_OK: queue @q may have
	 * new buffers.
	 */
	void (*queue_notify)(struct rv_virtio *t, unsigned int q);
	/*
	 * Optional, transport lock held: the driver reset the device. The
	 * transport then waits (lock released) until the requests the device
	 * counts in t->inflight are done (rv_virtio_request_done()), so
	 * the host kernel is not still filling buffers the driver reuses; a
	 * request of an older t->generation must not touch the rings.
	 */
	void (*reset)(struct rv_virtio *t);
	/* Optional: the driver wrote config space (already copied in). */
	void (*config_written)(struct rv_virtio *t);
};

struct rv_virtio_queue {
	struct rv_virtio *t;
	unsigned int index;
	struct rv_vq vq;
	/* Registers as the driver wrote them (virtio 1.2, "MMIO Device Register Layout"). */
	uint32_t num;
	bool ready;
	uint64_t desc, driver, device;
	int kick_fd; /* eventfd KVM signals on QueueNotify, or -1 */
	bool ioeventfd;
	struct rv_loop_watch kick_watch;
	/* This queue's share of rv_virtio_stats: which queue waits on which side. */
	uint64_t kicks, interrupts, suppressed;
};

struct rv_virtio_stats {
	uint64_t notifications;	 /* QueueNotify writes seen (kicks) */
	uint64_t interrupts;	 /* used-buffer interrupts raised */
	uint64_t suppressed;	 /* used-buffer interrupts the driver did not want */
	uint64_t acks_in_kernel; /* InterruptACKs KVM counted without an exit (ack_fd) */
	uint64_t config_interrupts;
	uint64_t resets;
	uint64_t broken;     /* queues that saw garbage (DEVICE_NEEDS_RESET) */
	uint64_t page_flips; /* config changes published with the page unmapped */
};

struct rv_virtio {
	const struct rv_virtio_dev_ops *ops;
	struct rv_device_env *env;
	struct rv_device *dev; /* the embedding device, for names and the bus */
	uint64_t base;
	unsigned int irq;
	pthread_mutex_t lock;
	pthread_cond_t idle; /* request_done() wakes a waiting reset */

	uint64_t device_features, driver_features;
	uint32_t device_features_sel, driver_features_sel;
	uint32_t queue_sel;
	uint32_t status;
	uint32_t isr;	  /* InterruptStatus: bit 0 used buffer, bit 1 config change */
	uint32_t isr_new; /* bits raised since the driver last read InterruptStatus */
	uint32_t config_generation;
	unsigned int nr_queues;
	struct rv_virtio_queue q[RV_VIRTIO_MAX_QUEUES];
	uint8_t *config;
	uint32_t config_len;

	bool edge;		 /* the line is edge-triggered (cfg->irq_edge) */
	bool irq_late;		 /* KVM_IRQFD tried again once the machine is built */
	int irq_fd, resample_fd; /* KVM_IRQFD pair, or -1 (resample_fd: level only) */
	struct rv_loop_watch resample_watch;
	bool line;  /* the pin's level, without irqfd (level only) */
	int ack_fd; /* eventfd KVM counts InterruptACK(VRING) writes in, or -1 (edge only) */

	/*
	 * The register page (mmio-page.c), or NULL: what the guest
	 * reads of the window, kept current under the lock and mapped to
	 * the guest read-only (page_slot), so that reads do not exit.
	 */
	uint32_t *page;
	int page_slot; /* its memslot, or -1 (no KVM: the page alone, unit tests) */

	/*
	 * The PCI face (pci.h), or NULL: a device created on
	 * RV_SPACE_PCI is a PCI function with MSI-X instead of a window
	 * and a line; the state above is the same.
	 */
	struct rv_virtio_pci *pci;

	/*
	 * Requests the device has in flight (it counts them), and the reset
	 * generation: a request started before a reset must not complete
	 * into the rings of the next driver (ops->reset).
	 */
	unsigned int inflight;
	uint32_t generation;

	struct rv_virtio_stats stats;
};

/*
 * Register the window at cfg->base, the ioeventfds and the irqfd.
 * @features: the device's own feature bits; the transport adds
 * VIRTIO_F_VERSION_1, VIRTIO_F_EVENT_IDX and VIRTIO_F_INDIRECT_DESC.
 * @config (@config_len bytes, at most 0x100) stays the device's.
 */
int rv_virtio_init(struct rv_virtio *t, struct rv_device_env *env, const struct rv_device_cfg *cfg,
		   struct rv_device *dev, const struct rv_virtio_dev_ops *ops, uint64_t features,
		   unsigned int nr_queues, void *config, uint32_t config_len);
void rv_virtio_fini(struct rv_virtio *t);

/* Lock held: after pushing used buffers on @q, interrupt the driver if it wants. */
void rv_virtio_used(struct rv_virtio *t, unsigned int q);
/* Lock held: queue @q broke (rv_vq_broken): DEVICE_NEEDS_RESET, config interrupt. */
void rv_virtio_queue_broken(struct rv_virtio *t, unsigned int q);
/*
 * Lock held, loop thread or set-up: the device changed its config space:
 * bump the generation, publish it (the register page), config interrupt.
 * A device changes its config space only so.
 */
void rv_virtio_config_changed(struct rv_virtio *t);
/* Lock held: one in-flight request finished; the device decremented t->inflight. */
void rv_virtio_request_done(struct rv_virtio *t);
/* Was VIRTIO_F_* / device feature @bit negotiated? */
bool rv_virtio_has(const struct rv_virtio *t, unsigned int bit);

/* The transport's statistics (vmm/stats.h). */
struct rv_stats_sink;
void rv_virtio_stats_put(struct rv_virtio *t, struct rv_stats_sink *s);

/* Register accesses, for tests that have no bus (the bus calls these). */
void rv_virtio_mmio_read(void *opaque, uint64_t off, void *data, unsigned int len);
void rv_virtio_mmio_write(void *opaque, uint64_t off, const void *data, unsigned int len);

/*
 * Snapshots (state.c). A device's state is the transport's
 * (version RV_VIRTIO_STATE_VERSION) followed by @own_len bytes of
 * its own. Lock held, for both.
 *
 * save: with nothing in flight (t->inflight 0: the device completed its
 * requests first) and on each queue @held[q] chains (NULL: none), the
 * last ones popped, that the device keeps and that the saved state gives
 * back. Returns the bytes written to @buf, -ENOSPC, or -EBUSY with a
 * message when requests are in flight.
 *
 * load: a @version state of @len bytes, every value checked (queue sizes,
 * ring addresses, features against what this device offers, indices
 * against the rings in guest memory, already restored); the device's
 * bytes are copied to @own. 0, or -EINVAL with one message. Then the
 * device applies its own state and calls rv_virtio_restored().
 */
#define RV_VIRTIO_STATE_VERSION 1
int rv_virtio_save(struct rv_virtio *t, void *buf, size_t size, const uint16_t *held,
		   const void *own, size_t own_len);
int rv_virtio_load(struct rv_virtio *t, const void *buf, size_t len, uint32_t version, void *own,
		   size_t own_len);
/*
 * Lock held, after a load: interrupt the driver again if InterruptStatus
 * is set, and look at every ready queue once (a kick the guest made before
 * the snapshot went to the old process's eventfd).
 */
void rv_virtio_restored(struct rv_virtio *t);
/* For a device with no state of its own and nothing held: all of the above, locking. */
int rv_virtio_save_plain(struct rv_virtio *t, void *buf, size_t size);
int rv_virtio_load_plain(struct rv_virtio *t, const void *buf, size_t len, uint32_t version);

#endif
