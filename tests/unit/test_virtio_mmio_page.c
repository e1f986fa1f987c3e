// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the virtio-mmio register page (devices/virtio/mmio-page.c),
 * without KVM: the page the guest would read through its read-only
 * memslot, checked word by word after each thing that changes a register
 * (selectors, status, queue setup, a config change with its generation,
 * a broken queue's DEVICE_NEEDS_RESET, a reset) against the register
 * model's own values; and InterruptStatus with
 * InterruptACKs counted in KVM (ack_fd, written by the test as KVM's
 * ioeventfd would): the ACK/raise merge run through every interleaving
 * of three completions, two register accesses that exit, and Linux's
 * vm_interrupt() (read InterruptStatus, ACK that value, scan the rings)
 * on an edge line with its pending latch. No interleaving may end with a
 * completion the driver never scanned for, with the page or without it
 * (the older path, whose InterruptStatus read is an exit).
 */
#include <endian.h>
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

#include "devices/virtio/internal.h"
#include "devices/virtio/transport.h"
#include "vmm/bus.h"
#include "vmm/util.h"
#include "vq_fx.h"

#define BASE 0xd0100000ULL
#define DEV_ID 42
#define RAISES 3 /* completions per interleaving */
#define EXITS 2	 /* register accesses that exit, per interleaving */

/*
 * Guest RAM, one for all: no test here touches it (no queue runs), and a
 * MiB calloc'd for each of the thousands of transports the interleavings
 * build costs the sanitizer builds a minute.
 */
static struct vq_fx fx;

struct t {
	struct rv_bus bus;
	struct rv_device_env env;
	struct rv_device dev;
	struct rv_virtio vm;
	uint8_t config[12];
	int level;
	bool pending; /* the edge line's latch: a rising edge the driver has not taken */
	unsigned int pulses;
};

static int fake_set_irq(void *opaque, unsigned int gsi, int level)
{
	struct t *t = opaque;

	if (level && !t->level) {
		t->pending = true;
		t->pulses++;
	}
	t->level = level;
	return 0;
}

static void nop_notify(struct rv_virtio *vm, unsigned int q)
{
}

static const struct rv_virtio_dev_ops nop_ops = {
	.device_id = DEV_ID,
	.queue_notify = nop_notify,
};

/* A transport on an edge line, with (@page) or without its register page. */
static struct t *make(bool page)
{
	struct t *t = calloc(1, sizeof(*t));
	struct rv_device_cfg cfg = { .type = "virtio-nop",
				     .name = "nop0",
				     .space = RV_SPACE_MMIO,
				     .base = BASE,
				     .irq = 17,
				     .irq_edge = true };

	assert_non_null(t);
	rv_bus_init(&t->bus, "mmio");
	t->env = (struct rv_device_env){ .mmio = &t->bus,
					 .mem = &fx.mem,
					 .vm_fd = -1,
					 .reg_pages = page,
					 .set_irq = fake_set_irq,
					 .irq_opaque = t };
	snprintf(t->dev.name, sizeof(t->dev.name), "nop0");
	memcpy(t->config, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 10);
	assert_int_equal(rv_virtio_init(&t->vm, &t->env, &cfg, &t->dev, &nop_ops, 1ULL << 5, 2,
					t->config, 10),
			 0);
	assert_true(!page || t->vm.page);
	/* As KVM's ioeventfd on InterruptACK(VRING) would count (rv_vmmio_setup_ack()). */
	t->vm.ack_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(t->vm.ack_fd >= 0);
	return t;
}

static void unmake(struct t *t)
{
	rv_virtio_fini(&t->vm);
	rv_bus_destroy(&t->bus);
	free(t);
}

/* What the guest reads at @off without an exit. */
static uint32_t pg(struct t *t, uint64_t off)
{
	return le32toh(__atomic_load_n(&t->vm.page[off / 4], __ATOMIC_ACQUIRE));
}

static uint32_t rd(struct t *t, uint64_t off)
{
	return vq_fx_rd32(&t->bus, BASE + off);
}

static void wr(struct t *t, uint64_t off, uint32_t v)
{
	vq_fx_wr32(&t->bus, BASE + off, v);
}

/*
 * The page says what the register model does (the values an exit returned
 * before the page, tests/unit/test_virtio_mmio.c), for every register a
 * driver reads, and holds the config space.
 */
static void same(struct t *t)
{
	static const uint16_t regs[] = {
		VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_MMIO_VERSION,	       VIRTIO_MMIO_DEVICE_ID,
		VIRTIO_MMIO_VENDOR_ID,	 VIRTIO_MMIO_DEVICE_FEATURES,  VIRTIO_MMIO_QUEUE_NUM_MAX,
		VIRTIO_MMIO_QUEUE_READY, VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_STATUS,
		VIRTIO_MMIO_SHM_LEN_LOW, VIRTIO_MMIO_SHM_LEN_HIGH,
	};

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(regs); i++)
		assert_int_equal(pg(t, regs[i]), rv_virtio_reg_value(&t->vm, regs[i]));
	assert_int_equal(pg(t, VIRTIO_MMIO_CONFIG_GENERATION), t->vm.config_generation);
	assert_memory_equal((const uint8_t *)t->vm.page + VIRTIO_MMIO_CONFIG, t->config, 10);
}

static void test_page_published(void **state)
{
	struct t *t = make(true);

	(void)state;
	/* Filled at set-up; DeviceFeatures follows DeviceFeaturesSel. */
	assert_int_equal(pg(t, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	same(t);
	wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(pg(t, VIRTIO_MMIO_DEVICE_FEATURES), 1u << (VIRTIO_F_VERSION_1 - 32));
	same(t);
	wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
	assert_int_equal(pg(t, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	same(t);
	/* Status, as the driver sets it; FEATURES_OK refused without VERSION_1. */
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	assert_int_equal(pg(t, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(t, VIRTIO_MMIO_STATUS, pg(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FEATURES_OK);
	assert_false(pg(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(t, VIRTIO_MMIO_STATUS, pg(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(pg(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	/* QueueNumMax and QueueReady follow QueueSel; a queue past the device's has none. */
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(pg(t, VIRTIO_MMIO_QUEUE_NUM_MAX), RV_VQ_MAX_SIZE);
	assert_int_equal(pg(t, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)VQ_FX_DESC);
	wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)VQ_FX_AVAIL);
	wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)VQ_FX_USED);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(pg(t, VIRTIO_MMIO_QUEUE_READY), 1);
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 5);
	assert_int_equal(pg(t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(pg(t, VIRTIO_MMIO_QUEUE_READY), 0);
	/* Write-only registers read 0. */
	assert_int_equal(pg(t, VIRTIO_MMIO_QUEUE_NUM), 0);
	assert_int_equal(pg(t, VIRTIO_MMIO_QUEUE_NOTIFY), 0);
	same(t);
	/* The config space, byte for byte, zero past the device's 10 bytes. */
	assert_int_equal(pg(t, 0x100), 0x04030201);
	assert_int_equal(pg(t, 0x108), 0x00000a09);
	assert_int_equal(pg(t, 0x10c), 0);
	/* A config change: the new bytes and the generation, then the interrupt. */
	t->config[4] = 0x55;
	t->config[9] = 0x66;
	rv_virtio_config_changed(&t->vm);
	assert_int_equal(pg(t, 0x104), 0x08070655);
	assert_int_equal(pg(t, 0x108), 0x00006609);
	assert_int_equal(pg(t, VIRTIO_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(pg(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_true(t->pending);
	/* No memslot without KVM: nothing was unmapped for it. */
	assert_int_equal(t->vm.stats.page_flips, 0);
	/* ACK(CONFIG) exits and clears at once. */
	wr(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(pg(t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* A broken queue: DEVICE_NEEDS_RESET in Status before the config interrupt. */
	rv_virtio_queue_broken(&t->vm, 1);
	assert_true(pg(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(pg(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	same(t);
	/* A reset: everything the driver set goes, the identity stays. */
	wr(t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(pg(t, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(pg(t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(pg(t, VIRTIO_MMIO_DEVICE_FEATURES),
			 (1u << 5) | (1u << VIRTIO_RING_F_EVENT_IDX) |
				 (1u << VIRTIO_RING_F_INDIRECT_DESC));
	assert_int_equal(pg(t, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	same(t);
	unmake(t);
}

/*
 * One interleaving, replayed on a fresh transport. Each character is one
 * step: 'd' the device completes a request (its used buffer, counted in
 * done, then rv_vmmio_irq_raise() under the lock, as the loop does), 'x'
 * a register access that exits (a write of DeviceFeaturesSel),
 * 'g' one step of the driver: take the pending interrupt, read
 * InterruptStatus (the page, or an exit without it), ACK what it read
 * (KVM counts the value 1; any other exits), scan the rings (it sees
 * every completion so far). Returns what is left for the driver to do.
 */
struct sim {
	struct t *t;
	unsigned int done, seen, phase, handlers, spurious;
	uint32_t status; /* what the handler read */
	bool page;
};

static bool driver_busy(const struct sim *s)
{
	return s->phase || s->t->pending;
}

static void step(struct sim *s, char c)
{
	struct t *t = s->t;
	uint64_t one = 1;

	if (c == 'd') {
		s->done++;
		pthread_mutex_lock(&t->vm.lock);
		rv_vmmio_irq_raise(&t->vm, VIRTIO_MMIO_INT_VRING);
		pthread_mutex_unlock(&t->vm.lock);
		return;
	}
	if (c == 'x') {
		wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
		return;
	}
	switch (s->phase) {
	case 0: /* the interrupt is delivered: the latch is taken */
		assert_true(t->pending);
		t->pending = false;
		s->handlers++;
		s->phase = 1;
		break;
	case 1:
		s->status = s->page ? pg(t, VIRTIO_MMIO_INTERRUPT_STATUS) :
				      rd(t, VIRTIO_MMIO_INTERRUPT_STATUS);
		s->phase = 2;
		break;
	case 2:
		if (s->status == VIRTIO_MMIO_INT_VRING)
			assert_int_equal(write(t->vm.ack_fd, &one, sizeof(one)), sizeof(one));
		else
			wr(t, VIRTIO_MMIO_INTERRUPT_ACK, s->status);
		s->phase = 3;
		break;
	case 3:
		if ((s->status & VIRTIO_MMIO_INT_VRING) && s->seen < s->done)
			s->seen = s->done;
		else
			s->spurious++;
		s->phase = 0;
		break;
	}
}

static unsigned int interleavings, spurious_total;

/* Every extension of @seq (length @n); at each end, nothing is lost. */
static void explore(bool page, char *seq, size_t n)
{
	struct sim s = { .t = make(page), .page = page };
	unsigned int d = 0, x = 0;
	char choices[3];
	unsigned int nc = 0;

	for (size_t i = 0; i < n; i++) {
		d += seq[i] == 'd';
		x += seq[i] == 'x';
		step(&s, seq[i]);
	}
	if (d < RAISES)
		choices[nc++] = 'd';
	if (x < EXITS)
		choices[nc++] = 'x';
	if (driver_busy(&s))
		choices[nc++] = 'g';
	if (!nc) {
		/* The end: the driver is idle with no interrupt pending. */
		if (s.seen != s.done) {
			seq[n] = 0;
			fail_msg("%s: completion lost after \"%s\": %u done, %u seen",
				 page ? "page" : "exit", seq, s.done, s.seen);
		}
		interleavings++;
		spurious_total += s.spurious;
	}
	/* The transport is rebuilt for each extension. */
	unmake(s.t);
	for (unsigned int i = 0; i < nc; i++) {
		seq[n] = choices[i];
		explore(page, seq, n + 1);
	}
}

static void merge(bool page)
{
	char seq[64];

	interleavings = spurious_total = 0;
	explore(page, seq, 0);
	/* Every order of 3 raises, 2 exits and the handlers they cause: thousands. */
	assert_true(interleavings > 1000);
	print_message("%s: %u interleavings, none lost, %u spurious handler runs\n",
		      page ? "page" : "exit", interleavings, spurious_total);
}

static void test_ack_raise_merge_page(void **state)
{
	(void)state;
	merge(true);
}

static void test_ack_raise_merge_exit(void **state)
{
	(void)state;
	merge(false);
}

/* The one store: a raise applies the ACKs counted so far and sets its bit together. */
static void test_raise_applies_acks(void **state)
{
	struct t *t = make(true);
	uint64_t one = 1;

	(void)state;
	pthread_mutex_lock(&t->vm.lock);
	rv_vmmio_irq_raise(&t->vm, VIRTIO_MMIO_INT_VRING);
	pthread_mutex_unlock(&t->vm.lock);
	assert_int_equal(pg(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	/* The driver read it and ACKed in KVM; a config change comes: VRING goes, CONFIG comes. */
	assert_int_equal(write(t->vm.ack_fd, &one, sizeof(one)), sizeof(one));
	rv_virtio_config_changed(&t->vm);
	assert_int_equal(pg(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(t->vm.stats.acks_in_kernel, 1);
	/* ACKed again, and a completion: its bit stays, whatever the ACK. */
	assert_int_equal(write(t->vm.ack_fd, &one, sizeof(one)), sizeof(one));
	pthread_mutex_lock(&t->vm.lock);
	rv_vmmio_irq_raise(&t->vm, VIRTIO_MMIO_INT_VRING);
	pthread_mutex_unlock(&t->vm.lock);
	assert_int_equal(pg(t, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_CONFIG | VIRTIO_MMIO_INT_VRING);
	assert_int_equal(t->pulses, 3);
	unmake(t);
}

static int fx_setup(void **state)
{
	(void)state;
	vq_fx_init(&fx, 8);
	return 0;
}

static int fx_teardown(void **state)
{
	(void)state;
	vq_fx_fini(&fx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_published),
		cmocka_unit_test(test_raise_applies_acks),
		cmocka_unit_test(test_ack_raise_merge_page),
		cmocka_unit_test(test_ack_raise_merge_exit),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
