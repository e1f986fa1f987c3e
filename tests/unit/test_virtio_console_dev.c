// SPDX-License-Identifier: GPL-2.0
/*
 * Description: virtio-console end to end without KVM: the real io_uring
 * loop on its own thread, the VM console (vmm/console.c) on pipes, and a
 * fake driver on receiveq0 and transmitq0. Guest output reaches the
 * console's fd; host input reaches a receive buffer, also when it was
 * typed before the driver posted one; and a console nobody reads holds
 * the transmit chain (not used, tx_throttled counted) until a reader makes
 * room, with every byte arriving once, in order.
 */
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vdev_fx.h"
#include "vmm/console.h"
#include "vmm/util.h"

#define BASE 0xd0100000ULL
#define QSIZE 64
#define RING(q) (VQ_FX_RAM_GPA + 0x20000ULL + 0x4000ULL * (q))
#define BUF(i) (VQ_FX_RAM_GPA + 0x40000ULL + 0x1000ULL * (i)) /* 64 x 4 KiB */

struct dq {
	unsigned int q;
	uint16_t avail_idx, used_seen, next;
};

struct t {
	struct vdev_fx d;
	struct rv_console con;
	int in[2], out[2];
	struct dq dq[2];
};

static int fake_set_irq(void *opaque, unsigned int gsi, int level)
{
	return 0;
}

/* One buffer, device-readable (@write false) or writable, made available and kicked. */
static void add(struct t *t, unsigned int q, uint64_t gpa, uint32_t len, bool write)
{
	struct dq *d = &t->dq[q];
	struct vring_desc *desc = vq_fx_host(&t->d.f, RING(q));
	struct vring_avail *av = vq_fx_host(&t->d.f, RING(q) + 0x1000);
	uint16_t head = d->next;

	d->next = (d->next + 1) % QSIZE;
	desc[head] = (struct vring_desc){ gpa, len, write ? VRING_DESC_F_WRITE : 0, 0 };
	av->ring[d->avail_idx % QSIZE] = head;
	__atomic_store_n(&av->idx, ++d->avail_idx, __ATOMIC_RELEASE);
	vdev_fx_wr(&t->d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

/* The next used element of queue @q within @ms. */
static bool used(struct t *t, unsigned int q, uint32_t *id, uint32_t *len, int ms)
{
	struct vring_used *u = vq_fx_host(&t->d.f, RING(q) + 0x2000);
	struct timespec ts = { 0, 1000000 };

	for (int i = 0;; i++) {
		if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != t->dq[q].used_seen) {
			struct vring_used_elem *e = &u->ring[t->dq[q].used_seen++ % QSIZE];

			*id = e->id;
			*len = e->len;
			return true;
		}
		if (i >= ms)
			return false;
		nanosleep(&ts, NULL);
	}
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct rv_device_cfg cfg = {
		.type = "virtio-console",
		.name = "virtio-console0",
		.space = RV_SPACE_MMIO,
		.base = BASE,
		.irq = 5,
		.console = true,
	};

	assert_non_null(t);
	vdev_fx_init(&t->d, QSIZE, BASE, fake_set_irq, t);
	assert_int_equal(pipe2(t->in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(t->out, O_CLOEXEC), 0);
	assert_int_equal(rv_console_init(&t->con, &t->d.loop, t->in[0], t->out[1]), 0);
	t->d.env.console = &t->con;
	assert_int_equal(rv_device_create(&t->d.env, &cfg), 0);
	assert_int_equal(vdev_fx_rd(&t->d, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	vdev_fx_negotiate(&t->d, 0);
	for (unsigned int q = 0; q < 2; q++) {
		t->dq[q].q = q;
		vdev_fx_queue(&t->d, q, QSIZE, RING(q), RING(q) + 0x1000, RING(q) + 0x2000);
	}
	vdev_fx_wr(&t->d, VIRTIO_MMIO_STATUS,
		   vdev_fx_rd(&t->d, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	vdev_fx_start(&t->d);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	vdev_fx_fini(&t->d);
	rv_console_destroy(&t->con);
	for (int i = 0; i < 2; i++) {
		close(t->in[i]);
		close(t->out[i]);
	}
	free(t);
	return 0;
}

static void test_output_and_input(void **state)
{
	struct t *t = *state;
	uint32_t id, len;
	char buf[16];

	memcpy(vq_fx_host(&t->d.f, BUF(0)), "hello", 5);
	add(t, 1, BUF(0), 5, false);
	assert_true(used(t, 1, &id, &len, 2000));
	assert_int_equal(read(t->out[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	/* Typed before any receive buffer: it waits, then arrives. */
	assert_int_equal(write(t->in[1], "abc", 3), 3);
	usleep(50000);
	add(t, 0, BUF(1), 16, true);
	assert_true(used(t, 0, &id, &len, 2000));
	assert_int_equal(len, 3);
	assert_memory_equal(vq_fx_host(&t->d.f, BUF(1)), "abc", 3);
	/* Another buffer first, then input. */
	add(t, 0, BUF(2), 16, true);
	assert_int_equal(write(t->in[1], "xy", 2), 2);
	assert_true(used(t, 0, &id, &len, 2000));
	assert_int_equal(len, 2);
	assert_memory_equal(vq_fx_host(&t->d.f, BUF(2)), "xy", 2);
}

static void test_throttled(void **state)
{
	struct t *t = *state;
	const unsigned int n = 40; /* 160 KiB: past the pipe and the console's 64 KiB */
	static uint8_t got[40 * 4096];
	size_t have = 0;
	unsigned int done = 0;
	uint32_t id, len;

	fcntl(t->out[1], F_SETPIPE_SZ, 4096);
	for (unsigned int i = 0; i < n; i++) {
		memset(vq_fx_host(&t->d.f, BUF(i)), 'a' + i % 26, 4096);
		add(t, 1, BUF(i), 4096, false);
	}
	while (used(t, 1, &id, &len, 200))
		done++;
	/* Nobody reads: some chains wait, none is lost. */
	assert_true(done < n);
	/* A reader: everything arrives, once, in order. */
	fcntl(t->out[0], F_SETFL, O_NONBLOCK);
	for (int tries = 0; tries < 5000 && (done < n || have < sizeof(got)); tries++) {
		ssize_t r = read(t->out[0], got + have, sizeof(got) - have);

		if (r > 0)
			have += r;
		while (used(t, 1, &id, &len, 0))
			done++;
		usleep(1000);
	}
	assert_int_equal(done, n);
	assert_int_equal(have, sizeof(got));
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int k = 0; k < 4096; k += 512)
			assert_int_equal(got[i * 4096 + k], 'a' + i % 26);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_output_and_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_throttled, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
