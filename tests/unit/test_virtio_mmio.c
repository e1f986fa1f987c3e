// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the virtio-mmio register model (devices/virtio/transport.c),
 * driven the way Linux's virtio_mmio driver drives it, through the bus, with
 * an echo device behind it and no KVM (notifications run inline, the
 * interrupt is the modelled pin seen through a fake set_irq). Magic,
 * version and ids; feature negotiation (FEATURES_OK refused without
 * VERSION_1 or with unoffered bits); queue setup and a request round trip
 * with the interrupt raised and acknowledged; queue registers frozen while
 * ready; bad queue sizes and ring addresses set DEVICE_NEEDS_RESET with a
 * config interrupt; reset clears everything; odd widths and offsets. On
 * an edge line (cfg->irq_edge): one pulse per interrupt, and the
 * InterruptACKs KVM counts in ack_fd (an eventfd here, written by the test
 * as KVM's ioeventfd would) take effect at the next register access,
 * sparing a bit raised since the driver's last InterruptStatus read.
 * Snapshots (devices/virtio/state.c): the transport and queue state saved,
 * the device reset, loaded back: registers, indices, the pending interrupt
 * re-asserted, a kick made before the save served, a held chain given
 * back; every truncation and out-of-range or mismatching value refused.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/virtio/transport.h"
#include "vmm/bus.h"
#include "vmm/util.h"
#include "vq_fx.h"

#define BASE 0xd0100000ULL
#define QSIZE 8
#define DEV_ID 42

struct t {
	struct vq_fx f;
	struct rv_bus bus;
	struct rv_device_env env;
	struct rv_device dev;
	struct rv_virtio vm;
	uint8_t config[8];
	int level, raises;
	unsigned int notifies, resets;
};

static int fake_set_irq(void *opaque, unsigned int gsi, int level)
{
	struct t *t = opaque;

	assert_int_equal(gsi, 17);
	if (level && !t->level)
		t->raises++;
	t->level = level;
	return 0;
}

/* The echo device: every chain comes back with its in_len written. */
static void echo_notify(struct rv_virtio *vm, unsigned int q)
{
	struct t *t = rv_container_of(vm, struct t, vm);
	static struct rv_vq_chain c;

	t->notifies++;
	while (rv_vq_pop(&vm->q[q].vq, &c) == 1) {
		rv_vq_push(&vm->q[q].vq, c.head, c.in_len);
		rv_virtio_used(vm, q);
	}
}

static void echo_reset(struct rv_virtio *vm)
{
	struct t *t = rv_container_of(vm, struct t, vm);

	t->resets++;
}

static const struct rv_virtio_dev_ops echo_ops = {
	.device_id = DEV_ID,
	.queue_notify = echo_notify,
	.reset = echo_reset,
};

static uint32_t rd(struct t *t, uint64_t off)
{
	return vq_fx_rd32(&t->bus, BASE + off);
}

static void wr(struct t *t, uint64_t off, uint32_t v)
{
	vq_fx_wr32(&t->bus, BASE + off, v);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct rv_device_cfg cfg = { .type = "virtio-echo",
				     .name = "echo0",
				     .space = RV_SPACE_MMIO,
				     .base = BASE,
				     .irq = 17 };

	vq_fx_init(&t->f, QSIZE);
	rv_bus_init(&t->bus, "mmio");
	t->env = (struct rv_device_env){ .mmio = &t->bus,
					 .mem = &t->f.mem,
					 .vm_fd = -1,
					 .set_irq = fake_set_irq,
					 .irq_opaque = t };
	snprintf(t->dev.name, sizeof(t->dev.name), "echo0");
	memcpy(t->config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(rv_virtio_init(&t->vm, &t->env, &cfg, &t->dev, &echo_ops, 1ULL << 5, 2,
					t->config, sizeof(t->config)),
			 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	rv_virtio_fini(&t->vm);
	rv_bus_destroy(&t->bus);
	vq_fx_fini(&t->f);
	free(t);
	return 0;
}

/* Linux's virtio_mmio probe and virtio_dev_probe, up to FEATURES_OK. */
static void negotiate(struct t *t, uint64_t features)
{
	wr(t, VIRTIO_MMIO_STATUS, 0);
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, features >> 32);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FEATURES_OK);
}

static void setup_queue(struct t *t, unsigned int q, uint32_t num, uint64_t desc)
{
	wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX), RV_VQ_MAX_SIZE);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, desc >> 32);
	wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)VQ_FX_AVAIL);
	wr(t, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)VQ_FX_USED);
	wr(t, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void test_identity(void **state)
{
	struct t *t = *state;

	assert_int_equal(rd(t, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(t, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(t, VIRTIO_MMIO_DEVICE_ID), DEV_ID);
	wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_DEVICE_FEATURES),
			 (1u << 5) | (1u << VIRTIO_RING_F_EVENT_IDX) |
				 (1u << VIRTIO_RING_F_INDIRECT_DESC));
	wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_DEVICE_FEATURES), 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(t, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	/* No shared memory regions: length -1. */
	assert_int_equal(rd(t, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	/* A queue past the device's has no size. */
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}

static void test_features_ok_needs_version_1(void **state)
{
	struct t *t = *state;

	negotiate(t, 1ULL << 5);
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	negotiate(t, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 7)); /* 7: not offered */
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	negotiate(t, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 5));
	assert_true(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(rv_virtio_has(&t->vm, 5));
	/* Frozen once accepted. */
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	assert_true(rv_virtio_has(&t->vm, 5));
}

static void test_round_trip_and_interrupt(void **state)
{
	struct t *t = *state;
	uint32_t id, len;

	negotiate(t, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(t, 1, QSIZE, VQ_FX_DESC);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 1);
	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 100, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->f, 0);
	/* Before DRIVER_OK the device must not touch the queue. */
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(t->notifies, 0);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	/* DRIVER_OK picks up what was queued. */
	assert_int_equal(t->notifies, 1);
	assert_int_equal(vq_fx_used_idx(&t->f), 1);
	vq_fx_used_elem(&t->f, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 100);
	assert_int_equal(t->level, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	wr(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(t->level, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* A notify of a queue that does not exist is ignored. */
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 9);
	assert_int_equal(t->notifies, 1);
	vq_fx_avail(&t->f, 0);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(t->notifies, 2);
	assert_int_equal(vq_fx_used_idx(&t->f), 2);
	assert_int_equal(t->raises, 2);
}

/* KVM's ioeventfd on InterruptACK(VRING): the test writes the count. */
static void kvm_acks(struct t *t, uint64_t n)
{
	assert_int_equal(write(t->vm.ack_fd, &n, sizeof(n)), sizeof(n));
}

static void test_edge_and_acks_without_exit(void **state)
{
	struct t *t = *state;

	/* As an edge slot with KVM would be: a pulse per interrupt, ACKs counted. */
	t->vm.edge = true;
	t->vm.ack_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(t->vm.ack_fd >= 0);
	negotiate(t, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(t, 0, QSIZE, VQ_FX_DESC);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 100, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->f, 0);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	/* A pulse: raised and lowered again, whatever InterruptStatus says. */
	assert_int_equal(t->raises, 1);
	assert_int_equal(t->level, 0);
	/* Linux's vm_interrupt: read, then ACK what it read (here in KVM). */
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	kvm_acks(t, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(t->vm.stats.acks_in_kernel, 1);

	/* A completion between the driver's read and its ACK survives the ACK. */
	vq_fx_avail(&t->f, 0);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vq_fx_avail(&t->f, 0);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(t->raises, 3);
	kvm_acks(t, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	kvm_acks(t, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(t->vm.stats.acks_in_kernel, 3);

	/* An ACK that exits (any other value) clears what it names at once. */
	rv_virtio_config_changed(&t->vm);
	assert_int_equal(t->raises, 4);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	wr(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(vq_fx_used_idx(&t->f), 3);
	/* rv_virtio_fini() closes ack_fd; without KVM there is nothing to deassign. */
}

static void test_queue_regs_frozen_while_ready(void **state)
{
	struct t *t = *state;

	negotiate(t, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(t, 0, QSIZE, VQ_FX_DESC);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, 2);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	assert_int_equal(t->vm.q[0].num, QSIZE);
	assert_int_equal(t->vm.q[0].desc, VQ_FX_DESC);
}

static void test_bad_queue_needs_reset(void **state)
{
	struct t *t = *state;
	static const struct {
		uint32_t num;
		uint64_t desc;
	} bad[] = {
		{ 6, VQ_FX_DESC },		    /* not a power of 2 */
		{ 0, VQ_FX_DESC },		    /* empty */
		{ RV_VQ_MAX_SIZE * 2, VQ_FX_DESC }, /* over QueueNumMax */
		{ QSIZE, 0x40000000000ULL },	    /* no RAM there */
		{ QSIZE, VQ_FX_DESC + 8 },	    /* misaligned */
		{ QSIZE, 0xfffffffffffffff0ULL },   /* wraps */
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int before = t->vm.stats.config_interrupts;

		negotiate(t, 1ULL << VIRTIO_F_VERSION_1);
		assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
		setup_queue(t, 0, bad[i].num, bad[i].desc);
		assert_true(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
		assert_true(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
		assert_int_equal(t->vm.stats.config_interrupts, before + 1);
		/* The device does nothing with it. */
		wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
		wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		assert_int_equal(t->notifies, 0);
	}
}

static void test_garbage_chain_needs_reset(void **state)
{
	struct t *t = *state;

	negotiate(t, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(t, 0, QSIZE, VQ_FX_DESC);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, VRING_DESC_F_NEXT, 0); /* a loop */
	vq_fx_avail(&t->f, 0);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(vq_fx_used_idx(&t->f), 0);
	assert_int_equal(t->vm.stats.broken, 1);
	/* The driver's reset brings it back (negotiate() reset it once before). */
	wr(t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(t->level, 0);
	assert_int_equal(t->resets, 2);
}

static void test_reset_clears(void **state)
{
	struct t *t = *state;

	uint32_t gen;

	negotiate(t, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(t, 1, QSIZE, VQ_FX_DESC);
	gen = t->vm.generation;
	wr(t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS), 0);
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(t->vm.q[1].vq.started);
	assert_int_equal(t->vm.driver_features, 0);
	assert_int_equal(t->vm.generation, gen + 1);
}

static void test_config_and_widths(void **state)
{
	struct t *t = *state;
	uint8_t b = 0;
	uint16_t h = 0;
	uint32_t w = 0;
	uint64_t q = 0;

	assert_int_equal(rv_bus_access(&t->bus, BASE + 0x100 + 3, &b, 1, false), 0);
	assert_int_equal(b, 4);
	assert_int_equal(rv_bus_access(&t->bus, BASE + 0x100 + 6, &h, 2, false), 0);
	assert_int_equal(h, 0x0807);
	/* Past the device's config: zeroes. */
	assert_int_equal(rv_bus_access(&t->bus, BASE + 0x100 + 6, &w, 4, false), 0);
	assert_int_equal(w, 0);
	/* Writes to a config without config_written are dropped. */
	w = 0xffffffff;
	assert_int_equal(rv_bus_access(&t->bus, BASE + 0x100, &w, 4, true), 0);
	assert_int_equal(t->config[0], 1);
	/* A register read at the wrong width reads 0. */
	assert_int_equal(rv_bus_access(&t->bus, BASE + VIRTIO_MMIO_MAGIC_VALUE, &h, 2, false), 0);
	assert_int_equal(h, 0);
	/* 8-byte accesses never reach the device. */
	assert_int_equal(rv_bus_access(&t->bus, BASE, &q, 8, false), -EINVAL);
	/* Nothing at an unknown register. */
	assert_int_equal(rd(t, 0x0f8), 0);
}

/* Snapshots: byte offsets in the state (devices/virtio/state.c's layout). */
#define ST_DRV_FEATURES 8
#define ST_STATUS 28
#define ST_ISR 32
#define ST_NR_QUEUES 40
#define ST_Q(i) (48 + 40 * (i))
#define STQ_DESC 0
#define STQ_NUM 24
#define STQ_READY 28
#define STQ_ERROR 29
#define STQ_LAST_AVAIL 32
#define STQ_USED_IDX 34

/* A running device: queue 1 served twice, its interrupt not acknowledged. */
static void running(struct t *t)
{
	negotiate(t, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX));
	setup_queue(t, 1, QSIZE, VQ_FX_DESC);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	vq_fx_set_used_event(&t->f, 1);
	for (int i = 0; i < 2; i++) {
		vq_fx_desc(&t->f, i, VQ_FX_DATA + 0x100 * i, 64, VRING_DESC_F_WRITE, 0);
		vq_fx_avail(&t->f, i);
		wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	}
	assert_int_equal(vq_fx_used_idx(&t->f), 2);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	rv_virtio_config_changed(&t->vm);
	wr(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 0);
}

static int save(struct t *t, uint8_t *buf, size_t size, const uint16_t *held)
{
	return rv_virtio_save(&t->vm, buf, size, held, "own!", 4);
}

/* Reset as a new process's device would be, then load @buf. */
static int load(struct t *t, const uint8_t *buf, size_t len, uint32_t version)
{
	char own[4] = "";
	int ret;

	wr(t, VIRTIO_MMIO_STATUS, 0);
	ret = rv_virtio_load(&t->vm, buf, len, version, own, sizeof(own));
	if (!ret) {
		assert_memory_equal(own, "own!", 4);
		rv_virtio_restored(&t->vm);
	}
	return ret;
}

static void test_snapshot_round_trip(void **state)
{
	struct t *t = *state;
	uint8_t buf[1024];
	int n;

	running(t);
	assert_int_equal(save(t, buf, 100, NULL), -ENOSPC);
	n = save(t, buf, sizeof(buf), NULL);
	assert_int_equal(n, 48 + 2 * 40 + 4);
	/* A buffer the guest made available and kicked for just before the save. */
	vq_fx_desc(&t->f, 2, VQ_FX_DATA + 0x200, 32, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->f, 2);
	wr(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(t->level, 0);
	assert_int_equal(load(t, buf, (size_t)n, RV_VIRTIO_STATE_VERSION), 0);
	/* The pending interrupt is asserted again; the registers are back. */
	assert_int_equal(t->level, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(rd(t, VIRTIO_MMIO_CONFIG_GENERATION), 1);
	assert_true(rv_virtio_has(&t->vm, VIRTIO_RING_F_EVENT_IDX));
	assert_true(t->vm.q[1].vq.event_idx);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 0); /* queue_sel 0 came back */
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 1);
	/* The restore looked at the queue: the third buffer is served, after the first two. */
	assert_int_equal(vq_fx_used_idx(&t->f), 3);
	assert_int_equal(t->vm.q[1].vq.last_avail, 3);
	/* And it goes on on a guest kick. */
	vq_fx_avail(&t->f, 0);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(vq_fx_used_idx(&t->f), 4);
}

/* A chain the device holds is saved as given back, and taken again after the load. */
static void test_snapshot_held_chain(void **state)
{
	struct t *t = *state;
	static struct rv_vq_chain c;
	uint16_t held[RV_VIRTIO_MAX_QUEUES] = { 0 };
	uint8_t buf[1024];
	int n;

	running(t);
	vq_fx_desc(&t->f, 2, VQ_FX_DATA + 0x200, 32, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->f, 2);
	assert_int_equal(rv_vq_pop(&t->vm.q[1].vq, &c), 1);
	/* In flight and not declared held: no snapshot. */
	assert_int_equal(save(t, buf, sizeof(buf), held), -EBUSY);
	t->vm.inflight = 1;
	held[1] = 1;
	assert_int_equal(save(t, buf, sizeof(buf), held), -EBUSY);
	t->vm.inflight = 0;
	n = save(t, buf, sizeof(buf), held);
	assert_true(n > 0);
	assert_int_equal(buf[ST_Q(1) + STQ_LAST_AVAIL], 2);
	assert_int_equal(load(t, buf, (size_t)n, RV_VIRTIO_STATE_VERSION), 0);
	assert_int_equal(vq_fx_used_idx(&t->f), 3);
}

/* @off += @delta (a byte), loaded: refused with -EINVAL, and a good state still loads. */
static void refused(struct t *t, const uint8_t *good, int n, size_t off, uint8_t v)
{
	uint8_t bad[1024];

	memcpy(bad, good, (size_t)n);
	bad[off] = v;
	assert_int_equal(load(t, bad, (size_t)n, RV_VIRTIO_STATE_VERSION), -EINVAL);
}

static void test_snapshot_bad_state(void **state)
{
	struct t *t = *state;
	uint8_t buf[1024];
	int n;

	running(t);
	n = save(t, buf, sizeof(buf), NULL);
	assert_true(n > 0);
	for (int len = 0; len < n; len++)
		assert_int_equal(load(t, buf, (size_t)len, RV_VIRTIO_STATE_VERSION), -EINVAL);
	assert_int_equal(load(t, buf, (size_t)n, RV_VIRTIO_STATE_VERSION + 1), -EINVAL);
	refused(t, buf, n, ST_NR_QUEUES, 3);		  /* another device */
	refused(t, buf, n, ST_DRV_FEATURES, 1u << 7);	  /* not offered */
	refused(t, buf, n, ST_DRV_FEATURES + 4, 0);	  /* FEATURES_OK, no VERSION_1 */
	refused(t, buf, n, ST_STATUS + 1, 0x10);	  /* unknown status bit */
	refused(t, buf, n, ST_ISR, 4);			  /* unknown interrupt */
	refused(t, buf, n, ST_Q(1) + STQ_NUM + 1, 2);	  /* size 520 > max */
	refused(t, buf, n, ST_Q(1) + STQ_NUM, 6);	  /* not a power of 2 */
	refused(t, buf, n, ST_Q(1) + STQ_DESC + 3, 0x70); /* rings outside RAM */
	refused(t, buf, n, ST_Q(1) + STQ_READY, 2);
	refused(t, buf, n, ST_Q(1) + STQ_ERROR, 99);
	refused(t, buf, n, ST_Q(1) + STQ_USED_IDX, 1);		/* not the ring's */
	refused(t, buf, n, ST_Q(1) + STQ_LAST_AVAIL, 3);	/* took what was not there */
	refused(t, buf, n, ST_Q(1) + STQ_LAST_AVAIL + 1, 0x80); /* far from avail->idx */
	/* The rings in guest memory count too: a used->idx the device never wrote. */
	*(uint16_t *)vq_fx_host(&t->f, VQ_FX_USED + 2) = 7;
	assert_int_equal(load(t, buf, (size_t)n, RV_VIRTIO_STATE_VERSION), -EINVAL);
	*(uint16_t *)vq_fx_host(&t->f, VQ_FX_USED + 2) = 2;
	/* Other device options: other features offered. */
	t->vm.device_features ^= 1ULL << 5;
	assert_int_equal(load(t, buf, (size_t)n, RV_VIRTIO_STATE_VERSION), -EINVAL);
	t->vm.device_features ^= 1ULL << 5;
	/* After all of that, the good state still loads. */
	assert_int_equal(load(t, buf, (size_t)n, RV_VIRTIO_STATE_VERSION), 0);
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_identity),
		T(test_features_ok_needs_version_1),
		T(test_round_trip_and_interrupt),
		T(test_edge_and_acks_without_exit),
		T(test_queue_regs_frozen_while_ready),
		T(test_bad_queue_needs_reset),
		T(test_garbage_chain_needs_reset),
		T(test_reset_clears),
		T(test_config_and_widths),
		T(test_snapshot_round_trip),
		T(test_snapshot_held_chain),
		T(test_snapshot_bad_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
