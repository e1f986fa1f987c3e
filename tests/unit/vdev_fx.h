/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio device under test without KVM: the fake guest's memory
 * (vq_fx.h), an MMIO bus the driver's register accesses go through, the
 * real io_uring loop on a thread of its own, and the device environment
 * tying them together. test_virtio_blk_dev.c and test_virtio_vsock_dev.c
 * build on it.
 */
#ifndef RV_TEST_VDEV_FX_H
#define RV_TEST_VDEV_FX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/device.h"
#include "vmm/loop.h"
#include "vq_fx.h"

struct vdev_fx {
	struct vq_fx f;
	struct rv_bus bus;
	struct rv_loop loop;
	pthread_t thread;
	bool running;
	struct rv_device_env env;
	uint64_t base; /* the device's register window */
};

/* Guest memory for queues of @qsize, the bus, the loop (not running yet), the env. */
void vdev_fx_init(struct vdev_fx *d, uint16_t qsize, uint64_t base,
		  int (*set_irq)(void *opaque, unsigned int gsi, int level), void *irq_opaque);
/* Run the loop on its own thread (the device's queue work happens there). */
void vdev_fx_start(struct vdev_fx *d);
/* Stop the loop, destroy the devices, release everything. */
void vdev_fx_fini(struct vdev_fx *d);

uint32_t vdev_fx_rd(struct vdev_fx *d, uint64_t off);
void vdev_fx_wr(struct vdev_fx *d, uint64_t off, uint32_t v);
/* ACKNOWLEDGE, DRIVER, VERSION_1 and @features (the low word), FEATURES_OK checked. */
void vdev_fx_negotiate(struct vdev_fx *d, uint32_t features);
/* Queue @q: @size entries, rings at @desc, @avail, @used; QueueReady. */
void vdev_fx_queue(struct vdev_fx *d, unsigned int q, uint16_t size, uint64_t desc, uint64_t avail,
		   uint64_t used);

#endif
