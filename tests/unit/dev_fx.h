/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio device's machine for the device tests without KVM
 * (test_virtio_blk_dev.c, test_virtio_net_dev.c): the fake guest of
 * vq_fx.h, an MMIO bus, the real io_uring event loop on a thread of its
 * own, and an interrupt line that counts its raises.
 */
#ifndef RV_TEST_DEV_FX_H
#define RV_TEST_DEV_FX_H

#include <pthread.h>

#include "vmm/bus.h"
#include "vmm/device.h"
#include "vmm/loop.h"
#include "vq_fx.h"

struct dev_fx {
	struct vq_fx f;
	struct rv_bus bus;
	struct rv_loop loop;
	pthread_t thread; /* 0 until dev_fx_start() */
	struct rv_device_env env;
	int irqs; /* raises of the line, atomically */
};

void dev_fx_init(struct dev_fx *d, uint16_t qsize);
/* Run the loop on its thread: after the device is created. */
void dev_fx_start(struct dev_fx *d);
/* Stop the loop, destroy the devices, free it all. */
void dev_fx_fini(struct dev_fx *d);
int dev_fx_irqs(struct dev_fx *d);

#endif
