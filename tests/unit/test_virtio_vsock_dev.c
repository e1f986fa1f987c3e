// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the virtio-vsock device end to end without KVM: the real
 * io_uring loop on its own thread, real UNIX sockets, and a fake (and at
 * times hostile) driver on three queues through the virtio-mmio registers.
 * A guest connection reaches PATH_<port> and gets a RESPONSE; the host's
 * bytes reach the guest only as far as its credit goes (buf_alloc 4096:
 * exactly 4096 bytes, then a CREDIT_REQUEST, then more after its
 * CREDIT_UPDATE), and not at all without receive buffers; a guest that
 * sends past the credit it was given is reset, not buffered for; forged
 * source CIDs, guest-to-guest packets and a len past the chain are dropped
 * and counted; a host client's "CONNECT <port>" becomes a REQUEST, and the
 * guest's RESPONSE an "OK <port>" line; a malformed line closes the client;
 * 64 stuck handshakes hold every slot until they are old enough to give
 * way; a driver reset closes the host's sockets and the next driver gets
 * one TRANSPORT_RESET event, as does a device restored from a snapshot; a
 * live update's new device listens with the old one's handed listener.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/virtio-vsock.h"
#include "vmm/bus.h"
#include "vmm/device.h"
#include "vmm/loop.h"
#include "vmm/util.h"
#include "vdev_fx.h"

#define BASE 0xd0100000ULL
#define QSIZE 64
#define CID 3
#define HDR_LEN sizeof(struct virtio_vsock_hdr)
/* Queue q's rings, and the buffers, in the fixture's 1 MiB of RAM. */
#define QRING(q) (VQ_FX_RAM_GPA + 0x20000ULL + 0x4000ULL * (q))
#define RXBUF(i) (VQ_FX_RAM_GPA + 0x40000ULL + 0x2000ULL * (i)) /* 16 x 8 KiB */
#define TXHDR (VQ_FX_RAM_GPA + 0x60000ULL)
#define TXDATA (VQ_FX_RAM_GPA + 0x70000ULL) /* 64 KiB */

/* The driver's side of one queue. */
struct dq {
	unsigned int q;
	uint64_t desc, avail, used;
	uint16_t avail_idx, used_seen, next;
};

struct t {
	struct vdev_fx d;
	struct dq dq[3];
	char path[64], port_path[80];
	int lfd; /* the host program's listener at PATH_5000 */
};

static int fake_set_irq(void *opaque, unsigned int gsi, int level)
{
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

static void *host(struct t *t, uint64_t gpa)
{
	return vq_fx_host(&t->d.f, gpa);
}

static void dq_setup(struct t *t, unsigned int q)
{
	struct dq *d = &t->dq[q];

	d->q = q;
	d->desc = QRING(q);
	d->avail = QRING(q) + 0x1000;
	d->used = QRING(q) + 0x2000;
	vdev_fx_queue(&t->d, q, QSIZE, d->desc, d->avail, d->used);
}

/* A chain of a readable and/or a writable buffer, made available and kicked. */
static void dq_add(struct t *t, struct dq *d, uint64_t out, uint32_t out_len, uint64_t in,
		   uint32_t in_len)
{
	struct vring_desc *desc = host(t, d->desc);
	struct vring_avail *av = host(t, d->avail);
	uint16_t head = d->next, i = head;

	d->next = (d->next + 2) % QSIZE;
	if (out_len) {
		desc[i] = (struct vring_desc){ out, out_len, in_len ? VRING_DESC_F_NEXT : 0,
					       (uint16_t)(i + 1) };
		i++;
	}
	if (in_len)
		desc[i] = (struct vring_desc){ in, in_len, VRING_DESC_F_WRITE, 0 };
	av->ring[d->avail_idx % QSIZE] = head;
	__atomic_store_n(&av->idx, ++d->avail_idx, __ATOMIC_RELEASE);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, d->q);
}

/* The next used element of @d within @ms: its id and len; false if none came. */
static bool dq_used(struct t *t, struct dq *d, uint32_t *id, uint32_t *len, int ms)
{
	struct vring_used *u = host(t, d->used);
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < ms; i++) {
		if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != d->used_seen) {
			struct vring_used_elem *e = &u->ring[d->used_seen++ % QSIZE];

			*id = e->id;
			*len = e->len;
			return true;
		}
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Post receive buffer @i (a header and 4 KiB). */
static void rx_post(struct t *t, unsigned int i)
{
	dq_add(t, &t->dq[RV_VSOCK_RXQ], 0, 0, RXBUF(i), HDR_LEN + 4096);
}

/* The next packet the device sent: its header (payload at RXBUF(id/2) + HDR_LEN). */
static bool rx_next(struct t *t, struct virtio_vsock_hdr *h, uint8_t **payload, int ms)
{
	uint32_t id, len;

	if (!dq_used(t, &t->dq[RV_VSOCK_RXQ], &id, &len, ms))
		return false;
	assert_true(len >= HDR_LEN);
	memcpy(h, host(t, RXBUF(id / 2)), HDR_LEN);
	assert_int_equal(len, HDR_LEN + h->len);
	if (payload)
		*payload = (uint8_t *)host(t, RXBUF(id / 2)) + HDR_LEN;
	return true;
}

/* Send one packet from the guest; wait until the device has used it. */
static void tx(struct t *t, uint64_t src_cid, uint64_t dst_cid, uint16_t op, uint32_t len,
	       uint32_t buf_alloc, uint32_t fwd_cnt, uint32_t chain_payload)
{
	struct virtio_vsock_hdr h = {
		.src_cid = src_cid,
		.dst_cid = dst_cid,
		.src_port = 1025,
		.dst_port = 5000,
		.len = len,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = op,
		.buf_alloc = buf_alloc,
		.fwd_cnt = fwd_cnt,
	};
	uint32_t id, n;

	memcpy(host(t, TXHDR), &h, HDR_LEN);
	if (chain_payload) {
		/* Header and payload as one buffer, as Linux 6.1 sends them. */
		memmove(host(t, TXDATA - HDR_LEN), host(t, TXHDR), HDR_LEN);
		dq_add(t, &t->dq[RV_VSOCK_TXQ], TXDATA - HDR_LEN, HDR_LEN + chain_payload, 0, 0);
	} else {
		dq_add(t, &t->dq[RV_VSOCK_TXQ], TXHDR, HDR_LEN, 0, 0);
	}
	assert_true(dq_used(t, &t->dq[RV_VSOCK_TXQ], &id, &n, 2000));
}

static uint64_t stat_of(struct t *t, const char *key)
{
	struct rv_vsock *v = t->d.env.devices->priv;

	pthread_mutex_lock(&v->t.lock);
	uint64_t r = !strcmp(key, "credit_violations") ? v->stats.credit_violations :
		     !strcmp(key, "bad_src_cid")       ? v->stats.bad[RV_VSOCK_E_SRC_CID] :
		     !strcmp(key, "bad_dst_cid")       ? v->stats.bad[RV_VSOCK_E_DST_CID] :
		     !strcmp(key, "bad_len")	       ? v->stats.bad[RV_VSOCK_E_LEN] :
		     !strcmp(key, "rx_bytes")	       ? v->stats.rx_bytes :
							 0;
	pthread_mutex_unlock(&v->t.lock);
	return r;
}

/* The device as every test creates it; .args names the test's path. */
static const struct rv_device_cfg vsock_cfg = {
	.type = "virtio-vsock",
	.name = "virtio-vsock0",
	.space = RV_SPACE_MMIO,
	.base = BASE,
	.irq = 5,
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rv_device_cfg cfg = vsock_cfg;
	char args[128];

	vdev_fx_init(&t->d, QSIZE, BASE, fake_set_irq, t);
	snprintf(t->path, sizeof(t->path), "/tmp/rv-vsock-test.%d", (int)getpid());
	snprintf(t->port_path, sizeof(t->port_path), "%s_5000", t->path);
	unlink(t->path);
	unlink(t->port_path);
	/* The host program behind port 5000. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->port_path);
	t->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(t->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(t->lfd, 4), 0);

	snprintf(args, sizeof(args), "cid=%d,uds=%s", CID, t->path);
	cfg.args = args;
	assert_int_equal(rv_device_create(&t->d.env, &cfg), 0);
	/* The guest's CID in config space. */
	assert_int_equal(rd(t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_VSOCK);
	assert_int_equal(rd(t, VIRTIO_MMIO_CONFIG), CID);
	vdev_fx_negotiate(&t->d, 0);
	for (unsigned int q = 0; q < 3; q++)
		dq_setup(t, q);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	vdev_fx_start(&t->d);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	vdev_fx_fini(&t->d);
	close(t->lfd);
	unlink(t->path);
	unlink(t->port_path);
	free(t);
	return 0;
}

/* The guest connects to host port 5000 with @buf_alloc; returns the host's end. */
static int guest_connect(struct t *t, uint32_t buf_alloc)
{
	struct virtio_vsock_hdr h;
	int fd;

	tx(t, CID, RV_VSOCK_HOST_CID, VIRTIO_VSOCK_OP_REQUEST, 0, buf_alloc, 0, 0);
	fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(rx_next(t, &h, NULL, 2000));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RESPONSE);
	assert_int_equal(h.src_cid, RV_VSOCK_HOST_CID);
	assert_int_equal(h.dst_cid, CID);
	assert_int_equal(h.src_port, 5000);
	assert_int_equal(h.dst_port, 1025);
	assert_int_equal(h.buf_alloc, RV_VSOCK_BUF_ALLOC);
	return fd;
}

static void test_credit_to_guest(void **state)
{
	struct t *t = *state;
	static uint8_t data[10000];
	struct virtio_vsock_hdr h;
	uint32_t total = 0;
	uint8_t *p;
	int fd;

	for (unsigned int i = 0; i < 8; i++)
		rx_post(t, i);
	fd = guest_connect(t, 4096);
	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	assert_int_equal(write(fd, data, sizeof(data)), sizeof(data));
	/* Exactly the credit, in order, then a CREDIT_REQUEST, and nothing more. */
	while (total < 4096) {
		assert_true(rx_next(t, &h, &p, 2000));
		assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
		assert_memory_equal(p, data + total, h.len);
		total += h.len;
	}
	assert_int_equal(total, 4096);
	assert_true(rx_next(t, &h, NULL, 2000));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_CREDIT_REQUEST);
	assert_false(rx_next(t, &h, NULL, 100));
	/* The guest read it all: 4096 more, no more. */
	tx(t, CID, RV_VSOCK_HOST_CID, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, 4096, 4096, 0);
	while (total < 8192) {
		assert_true(rx_next(t, &h, &p, 2000));
		assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
		assert_memory_equal(p, data + total, h.len);
		total += h.len;
	}
	assert_int_equal(total, 8192);
	/* A hostile fwd_cnt past what was ever sent: no credit, not 4 GiB of it. */
	tx(t, CID, RV_VSOCK_HOST_CID, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, 4096, 100000, 0);
	while (rx_next(t, &h, NULL, 100))
		assert_int_not_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_int_equal(stat_of(t, "rx_bytes"), 8192);
	close(fd);
}

static void test_no_rx_buffers(void **state)
{
	struct t *t = *state;
	static uint8_t data[1 << 20];
	struct virtio_vsock_hdr h;
	ssize_t n, put = 0;
	int fd;

	rx_post(t, 0); /* one, for the RESPONSE */
	fd = guest_connect(t, 1 << 20);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* The host writes until its socket is full: ringvmm holds none of it. */
	while ((n = write(fd, data, sizeof(data))) > 0)
		put += n;
	assert_true(put > 0 && put < (ssize_t)sizeof(data));
	usleep(100000);
	assert_int_equal(stat_of(t, "rx_bytes"), 0);
	/* A receive buffer: one packet of at most its size. */
	rx_post(t, 1);
	assert_true(rx_next(t, &h, NULL, 2000));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_int_equal(h.len, 4096);
	close(fd);
}

static void test_guest_past_credit(void **state)
{
	struct t *t = *state;
	struct virtio_vsock_hdr h;
	int fd, i;

	for (i = 0; i < 12; i++)
		rx_post(t, i);
	fd = guest_connect(t, 65536);
	/* The host program does not read: 64 KiB packets until one is past the credit. */
	for (i = 0; i < 64 && !stat_of(t, "credit_violations"); i++)
		tx(t, CID, RV_VSOCK_HOST_CID, VIRTIO_VSOCK_OP_RW, 65536, 65536, 0, 65536);
	assert_int_equal(stat_of(t, "credit_violations"), 1);
	/* Bounded: the socket's buffer and one window, no more. */
	assert_true(i < 64);
	do
		assert_true(rx_next(t, &h, NULL, 2000));
	while (h.op == VIRTIO_VSOCK_OP_CREDIT_UPDATE);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	close(fd);
}

static void test_hostile_headers(void **state)
{
	struct t *t = *state;
	struct virtio_vsock_hdr h;
	struct pollfd p;

	rx_post(t, 0);
	/* A forged source, another guest as destination, len past the chain. */
	tx(t, CID + 1, RV_VSOCK_HOST_CID, VIRTIO_VSOCK_OP_REQUEST, 0, 4096, 0, 0);
	tx(t, CID, CID + 7, VIRTIO_VSOCK_OP_REQUEST, 0, 4096, 0, 0);
	tx(t, CID, RV_VSOCK_HOST_CID, VIRTIO_VSOCK_OP_RW, 1000, 4096, 0, 10);
	assert_int_equal(stat_of(t, "bad_src_cid"), 1);
	assert_int_equal(stat_of(t, "bad_dst_cid"), 1);
	assert_int_equal(stat_of(t, "bad_len"), 1);
	/* None of them reached the host listener or got an answer. */
	p = (struct pollfd){ .fd = t->lfd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_false(rx_next(t, &h, NULL, 100));
	/* Data for a connection that does not exist: a RST. */
	tx(t, CID, RV_VSOCK_HOST_CID, VIRTIO_VSOCK_OP_RW, 10, 4096, 0, 10);
	assert_true(rx_next(t, &h, NULL, 2000));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.dst_port, 1025);
}

static int host_client(struct t *t, const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* A client ringvmm refused may be closed already: EPIPE, no SIGPIPE. */
	send(fd, line, strlen(line), MSG_NOSIGNAL);
	return fd;
}

static void test_host_connect(void **state)
{
	struct t *t = *state;
	struct virtio_vsock_hdr h, r = { 0 };
	struct pollfd p;
	char buf[64];
	ssize_t n;
	int fd, bad;

	for (unsigned int i = 0; i < 4; i++)
		rx_post(t, i);
	/* A malformed line: the client is closed, the guest hears nothing. */
	bad = host_client(t, "CONNECT x\n");
	p = (struct pollfd){ .fd = bad, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	/* Closed with the line unread: EOF or ECONNRESET, never an answer. */
	n = read(bad, buf, sizeof(buf));
	assert_true(n == 0 || (n < 0 && errno == ECONNRESET));
	close(bad);
	/* A good one, with the first data right behind the line. */
	fd = host_client(t, "CONNECT 6000\nhello");
	assert_true(rx_next(t, &h, NULL, 2000));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_REQUEST);
	assert_int_equal(h.dst_port, 6000);
	assert_int_equal(h.dst_cid, CID);
	assert_true(h.src_port >= RV_VSOCK_HOST_PORT_BASE);
	/* The guest accepts. */
	r = (struct virtio_vsock_hdr){ .src_cid = CID,
				       .dst_cid = RV_VSOCK_HOST_CID,
				       .src_port = 6000,
				       .dst_port = h.src_port,
				       .type = VIRTIO_VSOCK_TYPE_STREAM,
				       .op = VIRTIO_VSOCK_OP_RESPONSE,
				       .buf_alloc = 65536 };
	memcpy(host(t, TXHDR), &r, HDR_LEN);
	dq_add(t, &t->dq[RV_VSOCK_TXQ], TXHDR, HDR_LEN, 0, 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	snprintf((char *)host(t, TXHDR), 64, "OK %u\n", h.src_port);
	assert_string_equal(buf, (char *)host(t, TXHDR));
	/* The bytes after the line are the guest's. */
	assert_true(rx_next(t, &h, NULL, 2000));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_int_equal(h.len, 5);
	close(fd);
}

/*
 * 64 host clients that never end their CONNECT line hold every slot; one
 * more with a good line is refused while they are fresh, and served once
 * the oldest has been stuck for handshake_ns.
 */
static void test_stuck_handshakes(void **state)
{
	struct t *t = *state;
	struct rv_vsock *v = t->d.env.devices->priv;
	int stuck[RV_VSOCK_MAX_CONNS], fd;
	struct virtio_vsock_hdr h;
	struct pollfd p;
	char buf[8];

	rx_post(t, 0);
	for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS; i++)
		stuck[i] = host_client(t, "CONN");
	usleep(200000);
	fd = host_client(t, "CONNECT 6000\n");
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_true(read(fd, buf, sizeof(buf)) <= 0);
	close(fd);
	assert_false(rx_next(t, &h, NULL, 100));
	/* Now they are old. */
	pthread_mutex_lock(&v->t.lock);
	v->handshake_ns = 1000000;
	pthread_mutex_unlock(&v->t.lock);
	usleep(10000);
	fd = host_client(t, "CONNECT 6000\n");
	assert_true(rx_next(t, &h, NULL, 2000));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_REQUEST);
	assert_int_equal(h.dst_port, 6000);
	pthread_mutex_lock(&v->t.lock);
	assert_int_equal(v->stats.expired, 1);
	pthread_mutex_unlock(&v->t.lock);
	close(fd);
	for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS; i++)
		close(stuck[i]);
}

/*
 * A driver reset drops every connection (the host sees EOF); the next
 * driver hears of it with a TRANSPORT_RESET event once it posts an event
 * buffer.
 */
static void test_reset_event(void **state)
{
	struct t *t = *state;
	uint8_t *ev = host(t, RXBUF(15));
	struct pollfd p;
	uint32_t id, len;
	char buf[8];
	int fd;

	rx_post(t, 0);
	fd = guest_connect(t, 4096);
	wr(t, VIRTIO_MMIO_STATUS, 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	/* A new driver, on fresh rings. */
	memset(host(t, QRING(0)), 0, 3 * 0x4000);
	memset(t->dq, 0, sizeof(t->dq));
	vdev_fx_negotiate(&t->d, 0);
	for (unsigned int q = 0; q < 3; q++)
		dq_setup(t, q);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	memset(ev, 0xff, 4);
	dq_add(t, &t->dq[RV_VSOCK_EVQ], 0, 0, RXBUF(15), 4);
	assert_true(dq_used(t, &t->dq[RV_VSOCK_EVQ], &id, &len, 2000));
	assert_int_equal(len, sizeof(struct virtio_vsock_event));
	assert_int_equal(((struct virtio_vsock_event *)ev)->id, VIRTIO_VSOCK_EVENT_TRANSPORT_RESET);
	/* Only once. */
	dq_add(t, &t->dq[RV_VSOCK_EVQ], 0, 0, RXBUF(14), 4);
	assert_false(dq_used(t, &t->dq[RV_VSOCK_EVQ], &id, &len, 100));
}

/*
 * Snapshots: the device saved with an event buffer the driver posted
 * (and the device left alone: no event was owed), reset as a new process's
 * is, and loaded: the restored device sends TRANSPORT_RESET into that
 * buffer by itself, since no connection survives. A truncated state is
 * refused.
 */
static void test_snapshot_transport_reset(void **state)
{
	struct t *t = *state;
	struct rv_device *dev = t->d.env.devices;
	uint8_t *ev = host(t, RXBUF(15));
	static uint8_t st[4096];
	uint32_t id, len;
	int n;

	rx_post(t, 0);
	memset(ev, 0xff, 4);
	dq_add(t, &t->dq[RV_VSOCK_EVQ], 0, 0, RXBUF(15), 4);
	assert_false(dq_used(t, &t->dq[RV_VSOCK_EVQ], &id, &len, 100));
	n = dev->ops->save(dev, st, sizeof(st));
	assert_true(n > 0);
	wr(t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(dev->ops->load(dev, st, (size_t)n - 1, dev->ops->state_version), -EINVAL);
	assert_int_equal(dev->ops->load(dev, st, (size_t)n, dev->ops->state_version), 0);
	assert_true(dq_used(t, &t->dq[RV_VSOCK_EVQ], &id, &len, 2000));
	assert_int_equal(len, sizeof(struct virtio_vsock_event));
	assert_int_equal(((struct virtio_vsock_event *)ev)->id, VIRTIO_VSOCK_EVENT_TRANSPORT_RESET);
}

/*
 * A live update: the device hands its listener over, and a new device
 * given it (rv_device_adopt_fds) listens at PATH with it, where binding
 * again is refused while the old one listens: the path never goes away.
 */
static void test_handover_listener(void **state)
{
	struct t *t = *state;
	struct rv_device *dev = t->d.env.devices;
	struct rv_device_cfg cfg = vsock_cfg;
	struct rv_device_handed h = { .dev = 0 };
	struct vdev_fx d2, d3;
	socklen_t sl = sizeof(int);
	char args[128];
	int on = 0;

	snprintf(args, sizeof(args), "cid=%d,uds=%s", CID, t->path);
	cfg.args = args;
	assert_int_equal(dev->ops->handover(dev, &h.fd, 1), 1);
	assert_int_equal(getsockopt(h.fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &sl), 0);
	assert_int_equal(on, 1);
	/* The new process's device, with the handed listener. */
	vdev_fx_init(&d2, QSIZE, BASE, fake_set_irq, t);
	d2.env.handed = &h;
	d2.env.nr_handed = 1;
	assert_int_equal(rv_device_create(&d2.env, &cfg), 0);
	assert_true(h.taken);
	assert_int_equal(rv_device_adopt_check(&d2.env), 0);
	/* Without it, PATH is in use. */
	vdev_fx_init(&d3, QSIZE, BASE, fake_set_irq, t);
	rv_err_clear();
	assert_int_equal(rv_device_create(&d3.env, &cfg), -EADDRINUSE);
	assert_non_null(strstr(rv_err_msg(), "in use"));
	vdev_fx_fini(&d3);
	vdev_fx_fini(&d2);
	/* The handed number itself is the old device's still. */
	assert_int_equal(fcntl(h.fd, F_GETFD) >= 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_credit_to_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_rx_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_past_credit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_handshakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_transport_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handover_listener, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
