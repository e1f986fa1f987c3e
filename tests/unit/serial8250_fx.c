// SPDX-License-Identifier: GPL-2.0
/* The 16550A tests' fixture: see serial8250_fx.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vmm/bus.h"
#include "vmm/coalesce/coalesce.h"
#include "vmm/console.h"
#include "vmm/device.h"
#include "vmm/kvm.h"
#include "vmm/loop.h"
#include "vmm/util.h"

#include "serial8250_fx.h"

/* A fake KVM for the coalescing engine: caps present, zones recorded. */
struct kvm_coalesced_mmio_zone kvm_zones[4];
unsigned int kvm_nr_zones, kvm_nr_unreg;

int rv_kvm_cap(int fd, long cap)
{
	return cap == KVM_CAP_COALESCED_MMIO ? 2 : cap == KVM_CAP_COALESCED_PIO;
}

int rv_kvm_ioctl_named(int fd, unsigned long req, unsigned long arg, const char *name)
{
	assert_int_equal(req, KVM_REGISTER_COALESCED_MMIO);
	assert_true(kvm_nr_zones < 4);
	kvm_zones[kvm_nr_zones++] = *(struct kvm_coalesced_mmio_zone *)arg;
	return 0;
}

int __rv_kvm_ioctl(int fd, unsigned long req, unsigned long arg)
{
	assert_int_equal(req, KVM_UNREGISTER_COALESCED_MMIO);
	kvm_nr_unreg++;
	return 0;
}

static int fake_set_irq(void *opaque, unsigned int gsi, int level)
{
	struct fx *f = opaque;

	assert_int_equal(gsi, IRQ);
	/* The device reports changes only. */
	assert_int_not_equal(level, f->level);
	f->level = level;
	f->raises += level;
	f->set_irq_calls++;
	return 0;
}

void outb(struct fx *f, unsigned int reg, uint8_t v)
{
	assert_int_equal(rv_bus_access(&f->pio, BASE + reg, &v, 1, true), 0);
}

uint8_t inb(struct fx *f, unsigned int reg)
{
	uint8_t v;

	assert_int_equal(rv_bus_access(&f->pio, BASE + reg, &v, 1, false), 0);
	return v;
}

/* What the console hands the device (the device's rx callback). */
size_t feed(struct fx *f, const void *buf, size_t len)
{
	return f->con.rx(f->con.rx_opaque, buf, len);
}

/* Was rv_console_rx_ready() called since last asked? */
bool ready_kicked(struct fx *f)
{
	uint64_t v;

	return read(f->con.ready_fd, &v, sizeof(v)) == sizeof(v);
}

size_t drain_out(struct fx *f, char *buf, size_t len)
{
	ssize_t n = read(f->out[0], buf, len);

	return n < 0 ? 0 : n;
}

static int setup_env(void **state, bool coalesce)
{
	struct fx *f = calloc(1, sizeof(*f));
	const struct rv_device_cfg cfg = {
		.type = "serial8250",
		.name = "ttyS0",
		.space = RV_SPACE_PIO,
		.base = BASE,
		.irq = IRQ,
		.console = true,
	};

	assert_non_null(f);
	rv_bus_init(&f->pio, "pio");
	rv_bus_init(&f->mmio, "mmio");
	assert_int_equal(pipe2(f->in, O_CLOEXEC), 0);
	/*
	 * With coalescing, the output is a packet socket: each console write
	 * is one packet, so a test sees how the bytes were batched.
	 */
	if (coalesce)
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
					    0, f->out),
				 0);
	else
		assert_int_equal(pipe2(f->out, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(rv_loop_init(&f->loop, 16), 0);
	assert_int_equal(rv_console_init(&f->con, &f->loop, f->in[0], f->out[1]), 0);
	f->env = (struct rv_device_env){
		.pio = &f->pio,
		.mmio = &f->mmio,
		.console = &f->con,
		.set_irq = fake_set_irq,
		.irq_opaque = f,
	};
	if (coalesce) {
		/* The kernel ring is a page we fill the way KVM does. */
		f->kring = aligned_alloc(4096, 4096);
		assert_non_null(f->kring);
		memset(f->kring, 0, 4096);
		f->kcap = (4096 - sizeof(*f->kring)) / sizeof(f->kring->coalesced_mmio[0]);
		kvm_nr_zones = kvm_nr_unreg = 0;
		assert_int_equal(rv_coalesce_create(&f->coalesce, RV_COALESCE_PER_DEVICE, -1,
						    f->kring, 4096, NULL, 0),
				 0);
		f->env.coalesce = f->coalesce;
	}
	assert_int_equal(rv_device_create(&f->env, &cfg), 0);
	assert_non_null(f->con.rx);
	*state = f;
	return 0;
}

int setup(void **state)
{
	return setup_env(state, false);
}

int setup_coalesced(void **state)
{
	return setup_env(state, true);
}

int teardown(void **state)
{
	struct fx *f = *state;

	/* The engine before the devices: it may still hand them entries. */
	rv_coalesce_destroy(f->coalesce);
	free(f->kring);

	rv_device_destroy_all(&f->env);
	assert_null(f->con.rx); /* the device detached itself */
	rv_console_destroy(&f->con);
	rv_loop_destroy(&f->loop);
	rv_bus_destroy(&f->pio);
	rv_bus_destroy(&f->mmio);
	for (int i = 0; i < 2; i++) {
		close(f->in[i]);
		close(f->out[i]);
	}
	free(f);
	return 0;
}
