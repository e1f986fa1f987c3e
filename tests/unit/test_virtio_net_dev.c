// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the virtio-net device end to end without KVM, on its passt
 * backend (`passt=SOCKET`) with this test as the passt: a UNIX socket
 * speaking the stream protocol (a 32-bit big-endian length, then the
 * frame), the real io_uring event loop on its own thread, and a fake
 * driver (vq_fx.c) on one queue through the virtio-mmio registers. A frame
 * spread over mergeable buffers with num_buffers set; a guest that posts
 * no receive buffer: nothing is lost or reordered, the device waits and
 * counts a stall; a frame too large for the buffer is dropped and the
 * buffer kept for the next; TX frames reach the socket, a header asking
 * for an offload passt cannot do is dropped; a peer that closes, or sends
 * a length no frame has, takes the link down with a config interrupt. A
 * live update hands passt's connection and a half-read frame to a new
 * backend, which reads the frame whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/net/backend.h"
#include "devices/virtio-net.h"
#include "vmm/bus.h"
#include "vmm/device.h"
#include "vmm/loop.h"
#include "vmm/util.h"
#include "vdev_fx.h"

#define BASE 0xd0100000ULL
#define QSIZE 128
#define BUF(i) (VQ_FX_DATA + 2048ULL * (i))

struct t {
	struct vdev_fx d;
	char dir[64], path[96];
	int lfd, peer;
	int irqs;
	uint16_t used_seen;
	uint16_t next_desc;
};

static int fake_set_irq(void *opaque, unsigned int gsi, int level)
{
	struct t *t = opaque;

	__atomic_add_fetch(&t->irqs, level, __ATOMIC_SEQ_CST);
	return 0;
}

static uint32_t rd(struct t *t, uint64_t off)
{
	return vdev_fx_rd(&t->d, off);
}

static void wr(struct t *t, uint64_t off, uint32_t v)
{
	vdev_fx_wr(&t->d, off, v);
}

/*
 * The device on our socket, driven like a driver with @features, with the
 * fixture's rings as queue @q (0 RX, 1 TX; the other is left not ready).
 */
static void create(struct t *t, uint32_t features, unsigned int q)
{
	char args[128];
	struct rv_device_cfg cfg = {
		.type = "virtio-net",
		.name = "virtio-net0",
		.space = RV_SPACE_MMIO,
		.base = BASE,
		.irq = 5,
		.args = args,
	};

	snprintf(args, sizeof(args), "passt=%s", t->path);
	rv_err_clear();
	assert_int_equal(rv_device_create(&t->d.env, &cfg), 0);
	t->peer = accept(t->lfd, NULL, NULL);
	assert_true(t->peer >= 0);
	/* passt: no offload offered. */
	assert_int_equal(rd(t, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_NET_F_CSUM), 0);
	vdev_fx_negotiate(&t->d, features | (1u << VIRTIO_NET_F_MAC));
	vdev_fx_queue(&t->d, q, QSIZE, VQ_FX_DESC, VQ_FX_AVAIL, VQ_FX_USED);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	vdev_fx_start(&t->d);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	vdev_fx_init(&t->d, QSIZE, BASE, fake_set_irq, t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/rv-net-test.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/passt.sock", t->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->path);
	t->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(t->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(t->lfd, 1), 0);
	t->peer = -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	vdev_fx_fini(&t->d);
	if (t->peer >= 0)
		close(t->peer);
	close(t->lfd);
	unlink(t->path);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* Post one device-writable (RX) or readable (TX) buffer of @len bytes at BUF(@i). */
static void post(struct t *t, unsigned int i, uint32_t len, bool writable)
{
	vq_fx_desc(&t->d.f, t->next_desc, BUF(i), len, writable ? VRING_DESC_F_WRITE : 0, 0);
	vq_fx_avail(&t->d.f, t->next_desc);
	t->next_desc = (t->next_desc + 1) % QSIZE;
}

/* As passt: frame @seq of @len bytes, its first byte @seq, on the socket. */
static void send_frame(struct t *t, uint8_t seq, uint32_t len)
{
	uint8_t buf[4 + 4096];

	assert_true(len <= 4096);
	buf[0] = len >> 24;
	buf[1] = len >> 16;
	buf[2] = len >> 8;
	buf[3] = len;
	memset(buf + 4, 0xee, len);
	buf[4] = seq;
	assert_int_equal(write(t->peer, buf, 4 + len), 4 + len);
}

/* Kick queue @q, then wait (bounded) until @n more buffers are used. */
static void kick_and_wait(struct t *t, unsigned int q, unsigned int n)
{
	struct timespec ts = { 0, 1000000 };
	uint16_t want = t->used_seen + n;

	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, q);
	for (int i = 0; i < 3000 && (uint16_t)(vq_fx_used_idx(&t->d.f) - want) >= 0x8000; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(vq_fx_used_idx(&t->d.f), want);
	t->used_seen = want;
}

static void settle(void)
{
	struct timespec ts = { 0, 100000000 };

	nanosleep(&ts, NULL);
}

static uint16_t num_buffers(struct t *t, unsigned int i)
{
	struct virtio_net_hdr_v1 h;

	memcpy(&h, vq_fx_host(&t->d.f, BUF(i)), sizeof(h));
	return h.num_buffers;
}

static void test_rx_mergeable(void **state)
{
	struct t *t = *state;
	uint32_t id, len;

	create(t, 1u << VIRTIO_NET_F_MRG_RXBUF, 0);
	for (unsigned int i = 0; i < 4; i++)
		post(t, i, 1024, true);
	send_frame(t, 7, 3000);
	/* 12 + 3000 bytes: 1024 + 1024 + 964, published together. */
	kick_and_wait(t, 0, 3);
	assert_int_equal(num_buffers(t, 0), 3);
	vq_fx_used_elem(&t->d.f, 0, &id, &len);
	assert_int_equal(len, 1024);
	vq_fx_used_elem(&t->d.f, 2, &id, &len);
	assert_int_equal(id, 2);
	assert_int_equal(len, 12 + 3000 - 2048);
	assert_int_equal(*(uint8_t *)vq_fx_host(&t->d.f, BUF(0) + RV_NET_HDR_LEN), 7);
	assert_true(__atomic_load_n(&t->irqs, __ATOMIC_SEQ_CST) >= 1);
}

/*
 * Mergeable buffers, too few for the frame: the device waits for the
 * driver's next buffer (avail_event at the driver's index, with EVENT_IDX),
 * not for one it has already seen, which would never come as a kick.
 */
static void test_rx_mergeable_too_few(void **state)
{
	struct t *t = *state;

	create(t, (1u << VIRTIO_NET_F_MRG_RXBUF) | (1u << VIRTIO_RING_F_EVENT_IDX), 0);
	post(t, 0, 1024, true);
	post(t, 1, 1024, true);
	send_frame(t, 9, 3000);
	for (int i = 0; i < 50 && vq_fx_avail_event(&t->d.f) != 2; i++)
		settle();
	assert_int_equal(vq_fx_used_idx(&t->d.f), 0);
	assert_int_equal(vq_fx_avail_event(&t->d.f), 2);
	post(t, 2, 1024, true);
	kick_and_wait(t, 0, 3);
	assert_int_equal(num_buffers(t, 0), 3);
	assert_int_equal(*(uint8_t *)vq_fx_host(&t->d.f, BUF(0) + RV_NET_HDR_LEN), 9);
}

/* A guest that stops reading: nothing lost or reordered, one frame held. */
static void test_rx_stall(void **state)
{
	struct t *t = *state;
	uint32_t id, len;

	create(t, 0, 0);
	for (unsigned int i = 0; i < 50; i++)
		send_frame(t, i, 100);
	settle();
	assert_int_equal(vq_fx_used_idx(&t->d.f), 0);
	post(t, 0, 2048, true);
	kick_and_wait(t, 0, 1);
	assert_int_equal(*(uint8_t *)vq_fx_host(&t->d.f, BUF(0) + RV_NET_HDR_LEN), 0);
	/* Without MRG_RXBUF num_buffers is 1 ("Processing of Incoming Packets"). */
	assert_int_equal(num_buffers(t, 0), 1);
	for (unsigned int i = 1; i < 50; i++)
		post(t, i, 2048, true);
	kick_and_wait(t, 0, 49);
	for (unsigned int i = 1; i < 50; i++) {
		vq_fx_used_elem(&t->d.f, i, &id, &len);
		assert_int_equal(len, RV_NET_HDR_LEN + 100);
		assert_int_equal(*(uint8_t *)vq_fx_host(&t->d.f, BUF(id) + RV_NET_HDR_LEN), i);
	}
}

/* Write @frame's bytes to the peer until its socket is full; bytes written. */
static uint64_t fill(struct t *t, const uint8_t *frame, size_t size, uint64_t *at)
{
	uint64_t n = 0;
	ssize_t w;

	while ((w = write(t->peer, frame + *at % size, size - *at % size)) > 0) {
		*at += w;
		n += w;
	}
	assert_int_equal(errno, EAGAIN);
	return n;
}

/*
 * A guest that never posts a receive buffer: the device stops reading the
 * backend, whose socket then stays full and pushes back on the peer,
 * instead of reading (to hold, or to drop) without end. Once the device
 * has read its first chunk and stalled, a full socket stays full.
 */
static void test_rx_stall_bounded(void **state)
{
	struct t *t = *state;
	static uint8_t frame[4 + 1500];
	uint64_t at = 0;
	int refills = 0;

	create(t, 0, 0);
	frame[2] = 1500 >> 8;
	frame[3] = 1500 & 0xff;
	assert_int_equal(fcntl(t->peer, F_SETFL, O_NONBLOCK), 0);
	fill(t, frame, sizeof(frame), &at);
	for (int round = 0; round < 5; round++) {
		settle();
		if (fill(t, frame, sizeof(frame), &at))
			refills++;
	}
	/* At most the device's first read, which may come after our first fill. */
	assert_true(refills <= 1);
	assert_int_equal(vq_fx_used_idx(&t->d.f), 0);
}

/* A frame the buffer cannot hold is dropped; the buffer waits for the next. */
static void test_rx_no_fit(void **state)
{
	struct t *t = *state;
	uint32_t id, len;

	create(t, 0, 0);
	post(t, 0, 64, true);
	send_frame(t, 1, 200);
	send_frame(t, 2, 40);
	kick_and_wait(t, 0, 1);
	vq_fx_used_elem(&t->d.f, 0, &id, &len);
	assert_int_equal(len, RV_NET_HDR_LEN + 40);
	assert_int_equal(*(uint8_t *)vq_fx_host(&t->d.f, BUF(0) + RV_NET_HDR_LEN), 2);
}

static void test_tx(void **state)
{
	struct t *t = *state;
	struct virtio_net_hdr_v1 h = { 0 };
	uint8_t got[4 + 60];

	create(t, 0, 1);
	/* A plain frame, then one asking for a checksum passt cannot fill. */
	memcpy(vq_fx_host(&t->d.f, BUF(0)), &h, sizeof(h));
	memset(vq_fx_host(&t->d.f, BUF(0) + sizeof(h)), 0x42, 60);
	post(t, 0, sizeof(h) + 60, false);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	memcpy(vq_fx_host(&t->d.f, BUF(1)), &h, sizeof(h));
	post(t, 1, sizeof(h) + 60, false);
	/* A runt: a header and 3 bytes. */
	post(t, 2, sizeof(h) + 3, false);
	kick_and_wait(t, 1, 3);
	assert_int_equal(read(t->peer, got, sizeof(got)), sizeof(got));
	assert_int_equal(got[3], 60);
	assert_int_equal(got[4], 0x42);
	/* Nothing more: the two bad frames were dropped, their chains returned. */
	settle();
	assert_int_equal(recv(t->peer, got, sizeof(got), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

/* The peer goes (or speaks garbage): link down, config interrupt. */
static void check_link_down(struct t *t)
{
	uint64_t off = VIRTIO_MMIO_CONFIG + offsetof(struct virtio_net_config, status);
	uint32_t status = VIRTIO_NET_S_LINK_UP;

	for (int i = 0; i < 30 && (status & VIRTIO_NET_S_LINK_UP); i++) {
		settle();
		status = rd(t, off) & 0xffff;
	}
	assert_int_equal(status & VIRTIO_NET_S_LINK_UP, 0);
	assert_true(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
}

static void test_peer_closes(void **state)
{
	struct t *t = *state;

	create(t, 0, 0);
	post(t, 0, 2048, true);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	close(t->peer);
	t->peer = -1;
	check_link_down(t);
}

static void test_peer_garbage(void **state)
{
	struct t *t = *state;
	uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };

	create(t, 0, 0);
	post(t, 0, 2048, true);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(write(t->peer, huge, 4), 4);
	check_link_down(t);
	assert_int_equal(vq_fx_used_idx(&t->d.f), 0);
}

/*
 * A live update (rv_passt_handover, rv_net_passt_adopt): the connection
 * and the half frame this side holds cross to a new backend, which reads
 * the rest of the frame whole after the old one is gone.
 */
static void test_passt_handover(void **state)
{
	struct t *t = *state;
	struct rv_net_spec spec = { .kind = RV_NET_PASST };
	static uint8_t buf[RV_NET_HDR_LEN + RV_NET_MAX_FRAME];
	uint8_t frame[4 + 100] = { 0, 0, 0, 100 };
	struct rv_net_be *be, *be2;
	int fds[RV_NET_MAX_HANDED];

	snprintf(spec.socket, sizeof(spec.socket), "%s", t->path);
	assert_int_equal(rv_net_passt_open(&spec, &be), 0);
	t->peer = accept(t->lfd, NULL, NULL);
	assert_true(t->peer >= 0);
	memset(frame + 4, 0xab, 100);
	assert_int_equal(write(t->peer, frame, 44), 44);
	settle();
	assert_int_equal(be->ops->recv(be, 0, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(be->ops->handover(be, fds, RV_NET_MAX_HANDED), 2);
	/* As the new process gets them: new numbers of the same files. */
	for (int i = 0; i < 2; i++)
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
	assert_int_equal(rv_net_passt_adopt(&spec, fds, 2, &be2), 0);
	be->ops->destroy(be);
	assert_int_equal(write(t->peer, frame + 44, sizeof(frame) - 44), sizeof(frame) - 44);
	settle();
	assert_int_equal(be2->ops->recv(be2, 0, buf, sizeof(buf)), RV_NET_HDR_LEN + 100);
	assert_int_equal(buf[RV_NET_HDR_LEN], 0xab);
	assert_int_equal(buf[RV_NET_HDR_LEN + 99], 0xab);
	/* Buffers that do not add up are refused. */
	fds[0] = fcntl(be2->fd[0], F_DUPFD_CLOEXEC, 3);
	fds[1] = memfd_create("bad", MFD_CLOEXEC);
	assert_int_equal(write(fds[1], "\xff\xff\xff\xff\0\0\0\0", 8), 8);
	assert_int_equal(rv_net_passt_adopt(&spec, fds, 2, &be), -EINVAL);
	be2->ops->destroy(be2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_rx_mergeable),	T(test_rx_mergeable_too_few),
		T(test_rx_stall),	T(test_rx_stall_bounded),
		T(test_rx_no_fit),	T(test_tx),
		T(test_peer_closes),	T(test_peer_garbage),
		T(test_passt_handover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
