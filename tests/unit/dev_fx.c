// SPDX-License-Identifier: GPL-2.0
/* The device tests' machine (dev_fx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dev_fx.h"

static int dev_fx_set_irq(void *opaque, unsigned int gsi, int level)
{
	struct dev_fx *d = opaque;

	__atomic_add_fetch(&d->irqs, level, __ATOMIC_SEQ_CST);
	return 0;
}

static void *dev_fx_loop_thread(void *opaque)
{
	rv_loop_run(opaque);
	return NULL;
}

void dev_fx_init(struct dev_fx *d, uint16_t qsize)
{
	vq_fx_init(&d->f, qsize);
	rv_bus_init(&d->bus, "mmio");
	assert_int_equal(rv_loop_init(&d->loop, 64), 0);
	d->env = (struct rv_device_env){
		.mmio = &d->bus,
		.loop = &d->loop,
		.mem = &d->f.mem,
		.vm_fd = -1,
		.nr_cpus = 1,
		.set_irq = dev_fx_set_irq,
		.irq_opaque = d,
	};
}

void dev_fx_start(struct dev_fx *d)
{
	assert_int_equal(pthread_create(&d->thread, NULL, dev_fx_loop_thread, &d->loop), 0);
}

void dev_fx_fini(struct dev_fx *d)
{
	if (d->thread) {
		rv_loop_stop(&d->loop);
		pthread_join(d->thread, NULL);
	}
	rv_device_destroy_all(&d->env);
	rv_loop_destroy(&d->loop);
	rv_bus_destroy(&d->bus);
	vq_fx_fini(&d->f);
}

int dev_fx_irqs(struct dev_fx *d)
{
	return __atomic_load_n(&d->irqs, __ATOMIC_SEQ_CST);
}
