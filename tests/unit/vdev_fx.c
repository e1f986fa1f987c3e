// SPDX-License-Identifier: GPL-2.0
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* Before vq_fx.h, whose inline helpers assert. */
#include <cmocka.h>

#include "vdev_fx.h"

static void *vdev_fx_loop_thread(void *opaque)
{
	rv_loop_run(&((struct vdev_fx *)opaque)->loop);
	return NULL;
}

void vdev_fx_init(struct vdev_fx *d, uint16_t qsize, uint64_t base,
		  int (*set_irq)(void *opaque, unsigned int gsi, int level), void *irq_opaque)
{
	vq_fx_init(&d->f, qsize);
	rv_bus_init(&d->bus, "mmio");
	assert_int_equal(rv_loop_init(&d->loop, 64), 0);
	d->base = base;
	d->running = false;
	d->env = (struct rv_device_env){
		.mmio = &d->bus,
		.loop = &d->loop,
		.mem = &d->f.mem,
		.vm_fd = -1,
		.nr_cpus = 1,
		.set_irq = set_irq,
		.irq_opaque = irq_opaque,
	};
}

void vdev_fx_start(struct vdev_fx *d)
{
	assert_int_equal(pthread_create(&d->thread, NULL, vdev_fx_loop_thread, d), 0);
	d->running = true;
}

void vdev_fx_fini(struct vdev_fx *d)
{
	if (d->running) {
		rv_loop_stop(&d->loop);
		pthread_join(d->thread, NULL);
		d->running = false;
	}
	rv_device_destroy_all(&d->env);
	rv_loop_destroy(&d->loop);
	rv_bus_destroy(&d->bus);
	vq_fx_fini(&d->f);
}

uint32_t vdev_fx_rd(struct vdev_fx *d, uint64_t off)
{
	return vq_fx_rd32(&d->bus, d->base + off);
}

void vdev_fx_wr(struct vdev_fx *d, uint64_t off, uint32_t v)
{
	vq_fx_wr32(&d->bus, d->base + off, v);
}

void vdev_fx_negotiate(struct vdev_fx *d, uint32_t features)
{
	vdev_fx_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vdev_fx_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vdev_fx_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	vdev_fx_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vdev_fx_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, features);
	vdev_fx_wr(d, VIRTIO_MMIO_STATUS,
		   vdev_fx_rd(d, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(vdev_fx_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
}

void vdev_fx_queue(struct vdev_fx *d, unsigned int q, uint16_t size, uint64_t desc, uint64_t avail,
		   uint64_t used)
{
	vdev_fx_wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
	vdev_fx_wr(d, VIRTIO_MMIO_QUEUE_NUM, size);
	vdev_fx_wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	vdev_fx_wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	vdev_fx_wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	vdev_fx_wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	vdev_fx_wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	vdev_fx_wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
	vdev_fx_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
}
