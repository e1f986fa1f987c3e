// SPDX-License-Identifier: GPL-2.0
/*
 * Description: virtio-net's queue pairs (VIRTIO_NET_F_MQ) and control
 * queue end to end on a real multi-queue tap, in a network namespace of
 * this test's own (root and /dev/net/tun needed, else skipped). A fake
 * driver with two pairs and the control queue: MQ and CTRL_VQ offered with
 * max_virtqueue_pairs 2; before VQ_PAIRS_SET every frame the host sends
 * lands on pair 0; VQ_PAIRS_SET 2 acked VIRTIO_NET_OK, then a flow the
 * guest sent on pair 1's transmit queue comes back on pair 1's receive
 * queue (the tap's flow steering) and one sent on pair 0 on pair 0;
 * hostile commands (0 pairs, too many, an unknown class, a short command,
 * a chain with no room for the ack) change nothing; VQ_PAIRS_SET 1 puts
 * the flow of pair 1 back on pair 0; a reset does the same.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/virtio-net.h"
#include "vmm/bus.h"
#include "vmm/device.h"
#include "vmm/util.h"
#include "vdev_fx.h"

#define BASE 0xd0100000ULL
#define TAP "rvmq0"
#define QSIZE 64
#define NQ 5 /* rx0 tx0 rx1 tx1 ctrl */
#define CTRLQ 4
#define RING(q) (VQ_FX_RAM_GPA + 0x20000 + 0x4000ULL * (q))
#define BUFS (VQ_FX_RAM_GPA + 0x40000)
#define BUF_SIZE 2048
#define FRAME_LEN 60

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct ring {
	uint16_t avail_idx, next, used_seen;
};

struct t {
	struct vdev_fx d;
	struct ring r[NQ];
	unsigned int nbuf;
	int pkt; /* AF_PACKET socket on the tap: the host's side */
	int ifindex;
};

static int fake_set_irq(void *opaque, unsigned int gsi, int level)
{
	return 0;
}

static volatile uint16_t *ring16(struct t *t, uint64_t gpa)
{
	return vq_fx_host(&t->d.f, gpa);
}

/* Where post() puts its next buffer: fill it there first, then post. */
static uint64_t next_buf(const struct t *t)
{
	return BUFS + (uint64_t)BUF_SIZE * t->nbuf;
}

/* A chain of @n buffers (@lens, @write) on queue @q; returns the first buffer's gpa. */
static uint64_t post(struct t *t, unsigned int q, unsigned int n, const uint32_t *lens,
		     const bool *write)
{
	struct ring *r = &t->r[q];
	uint16_t head = r->next;
	uint64_t first = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t gpa = next_buf(t);
		uint16_t d = (head + i) % QSIZE;

		t->nbuf++;
		assert_true(t->nbuf * BUF_SIZE <= VQ_FX_RAM_SIZE - 0x40000);
		if (!i)
			first = gpa;
		vq_fx_desc_at(&t->d.f, RING(q), d, gpa, lens[i], write[i] ? VRING_DESC_F_WRITE : 0,
			      0);
		if (i + 1 < n) {
			/* vq_fx_desc_at wrote next 0: chain it. */
			struct vring_desc *vd = vq_fx_host(&t->d.f, RING(q) + 16ULL * d);

			vd->flags |= VRING_DESC_F_NEXT;
			vd->next = (head + i + 1) % QSIZE;
		}
	}
	r->next = (head + n) % QSIZE;
	ring16(t, RING(q) + 0x1000)[2 + r->avail_idx % QSIZE] = head;
	r->avail_idx++;
	/* As a driver publishes it: the loop thread reads it with acquire. */
	__atomic_store_n(&ring16(t, RING(q) + 0x1000)[1], r->avail_idx, __ATOMIC_RELEASE);
	return first;
}

static uint16_t used_idx(struct t *t, unsigned int q)
{
	return __atomic_load_n(&ring16(t, RING(q) + 0x2000)[1], __ATOMIC_ACQUIRE);
}

/* Used element @slot of queue @q: its id (head) and length. */
static void used_elem(struct t *t, unsigned int q, uint16_t slot, uint32_t *id, uint32_t *len)
{
	uint32_t *e = vq_fx_host(&t->d.f, RING(q) + 0x2000 + 4 + 8ULL * (slot % QSIZE));

	*id = e[0];
	*len = e[1];
}

static void kick(struct t *t, unsigned int q)
{
	vdev_fx_wr(&t->d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

/* Wait (bounded) until queue @q has used more than r->used_seen; true if it did. */
static bool wait_used(struct t *t, unsigned int q, int ms)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < ms; i++) {
		if (used_idx(t, q) != t->r[q].used_seen)
			return true;
		nanosleep(&ts, NULL);
	}
	return used_idx(t, q) != t->r[q].used_seen;
}

/* A UDP/IPv4 frame from @src:@sport to @dst:@dport, @mark in its payload. */
static void udp_frame(uint8_t *f, const uint8_t *dmac, uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport, uint8_t mark)
{
	static const uint8_t hmac[6] = { 0x02, 0, 0, 0, 0, 1 };
	uint32_t sum = 0;

	memset(f, 0, FRAME_LEN);
	memcpy(f, dmac, 6);
	memcpy(f + 6, dmac == guest_mac ? hmac : guest_mac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = FRAME_LEN - 14;
	f[22] = 64;
	f[23] = IPPROTO_UDP;
	src = htonl(src);
	dst = htonl(dst);
	memcpy(f + 26, &src, 4);
	memcpy(f + 30, &dst, 4);
	for (int i = 14; i < 34; i += 2)
		sum += f[i] << 8 | f[i + 1];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	f[24] = ~sum >> 8;
	f[25] = ~sum;
	f[34] = sport >> 8;
	f[35] = sport;
	f[36] = dport >> 8;
	f[37] = dport;
	f[39] = FRAME_LEN - 34;
	f[42] = mark;
}

/* The host sends a frame of flow (@sport -> @dport) into the tap, toward the guest. */
static void host_send(struct t *t, uint16_t sport, uint16_t dport, uint8_t mark)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET,
				  .sll_ifindex = t->ifindex,
				  .sll_halen = 6 };
	uint8_t f[FRAME_LEN];

	memcpy(sa.sll_addr, guest_mac, 6);
	udp_frame(f, guest_mac, 0x0a4d0001, 0x0a4d0002, sport, dport, mark);
	assert_int_equal(sendto(t->pkt, f, sizeof(f), 0, (struct sockaddr *)&sa, sizeof(sa)),
			 sizeof(f));
}

/* The guest sends a frame of flow (@sport -> @dport) on pair @k's transmit queue. */
static void guest_send(struct t *t, unsigned int k, uint16_t sport, uint16_t dport)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	unsigned int q = 2 * k + 1;
	uint32_t len = RV_NET_HDR_LEN + FRAME_LEN;
	bool w = false;
	/* The frame goes in before post() publishes it. */
	uint8_t *b = vq_fx_host(&t->d.f, next_buf(t));

	memset(b, 0, RV_NET_HDR_LEN);
	udp_frame(b + RV_NET_HDR_LEN, bcast, 0x0a4d0002, 0x0a4d0001, sport, dport, 0);
	post(t, q, 1, &len, &w);
	kick(t, q);
	assert_true(wait_used(t, q, 3000));
	t->r[q].used_seen = used_idx(t, q);
}

/*
 * Which receive queue (0 or 2) the frame marked @mark reached, or -1. The
 * frames the host's own stack may send meanwhile are skipped.
 */
static int rx_where(struct t *t, uint8_t mark)
{
	for (int tries = 0; tries < 3000; tries++) {
		for (unsigned int q = 0; q < 4; q += 2) {
			while (t->r[q].used_seen != used_idx(t, q)) {
				uint32_t id, len;
				const uint8_t *b;

				struct vring_desc *d;

				used_elem(t, q, t->r[q].used_seen++, &id, &len);
				/* The descriptor tells where the buffer was. */
				d = vq_fx_host(&t->d.f, RING(q) + 16ULL * (id % QSIZE));
				b = vq_fx_host(&t->d.f, d->addr);
				/* Refill: one posted per one used. */
				post(t, q, 1, &(uint32_t){ BUF_SIZE }, &(bool){ true });
				kick(t, q);
				if (len == RV_NET_HDR_LEN + FRAME_LEN &&
				    b[RV_NET_HDR_LEN + 23] == 17 && b[RV_NET_HDR_LEN + 42] == mark)
					return q;
			}
		}
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	return -1;
}

/* One VQ_PAIRS_SET-shaped command, @out_len readable bytes, @in writable ones: the ack or -1. */
static int ctrl_cmd(struct t *t, uint8_t cls, uint8_t cmd, uint16_t pairs, uint32_t out_len,
		    bool in)
{
	uint32_t lens[2] = { out_len, 1 };
	bool w[2] = { false, true };
	/* The command goes in before post() publishes it. */
	uint64_t gpa = next_buf(t);
	uint8_t *b = vq_fx_host(&t->d.f, gpa);
	uint32_t id, len;

	b[0] = cls;
	b[1] = cmd;
	b[2] = pairs;
	b[3] = pairs >> 8;
	if (in)
		*(uint8_t *)vq_fx_host(&t->d.f, gpa + BUF_SIZE) = 0xee;
	assert_int_equal(post(t, CTRLQ, in ? 2 : 1, lens, w), gpa);
	kick(t, CTRLQ);
	assert_true(wait_used(t, CTRLQ, 3000));
	used_elem(t, CTRLQ, t->r[CTRLQ].used_seen++, &id, &len);
	if (!in) {
		assert_int_equal(len, 0);
		return -1;
	}
	assert_int_equal(len, 1);
	return *(uint8_t *)vq_fx_host(&t->d.f, gpa + BUF_SIZE);
}

/*
 * Flow @m: the guest sends a frame of it on pair @k (k < 0: not at all),
 * then the host answers it; the receive queue (0 or 2) the answer reached.
 */
static int flow(struct t *t, int k, uint8_t m)
{
	if (k >= 0)
		guest_send(t, k, 1000 + m, 2000 + m);
	host_send(t, 2000 + m, 1000 + m, m);
	return rx_where(t, m);
}

/* VQ_PAIRS_SET @pairs, well formed: the ack. */
static int set_pairs(struct t *t, uint16_t pairs)
{
	return ctrl_cmd(t, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, pairs, 4, true);
}

static void setup_driver(struct t *t)
{
	uint32_t features = (1u << VIRTIO_NET_F_MAC) | (1u << VIRTIO_NET_F_CTRL_VQ) |
			    (1u << VIRTIO_NET_F_MQ);

	vdev_fx_negotiate(&t->d, features);
	for (unsigned int q = 0; q < NQ; q++) {
		memset(vq_fx_host(&t->d.f, RING(q)), 0, 0x4000);
		t->r[q] = (struct ring){ 0 };
		vdev_fx_queue(&t->d, q, QSIZE, RING(q), RING(q) + 0x1000, RING(q) + 0x2000);
	}
	for (unsigned int q = 0; q < 4; q += 2)
		for (int i = 0; i < 16; i++)
			post(t, q, 1, &(uint32_t){ BUF_SIZE }, &(bool){ true });
	vdev_fx_wr(&t->d, VIRTIO_MMIO_STATUS,
		   vdev_fx_rd(&t->d, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	kick(t, 0);
	kick(t, 2);
}

static void test_mq(void **state)
{
	char args[64] = "tap=" TAP ",queues=2,mac=52:54:00:12:34:56";
	struct rv_device_cfg cfg = { .type = "virtio-net",
				     .name = "virtio-net0",
				     .space = RV_SPACE_MMIO,
				     .base = BASE,
				     .irq = 5,
				     .args = args };
	uint64_t mqoff =
		VIRTIO_MMIO_CONFIG + offsetof(struct virtio_net_config, max_virtqueue_pairs);
	struct ifreq ifr = { 0 };
	struct t *t = calloc(1, sizeof(*t));
	int s;

	vdev_fx_init(&t->d, QSIZE, BASE, fake_set_irq, t);
	t->d.env.nr_cpus = 2;
	rv_err_clear();
	assert_int_equal(rv_device_create(&t->d.env, &cfg), 0);
	vdev_fx_wr(&t->d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_true(vdev_fx_rd(&t->d, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_NET_F_MQ));
	assert_true(vdev_fx_rd(&t->d, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_NET_F_CTRL_VQ));
	assert_int_equal(vdev_fx_rd(&t->d, mqoff & ~3ULL) >> (8 * (mqoff & 3)) & 0xffff, 2);
	/* The tap up, so that the host can send into it. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), TAP);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	t->ifindex = if_nametoindex(TAP);
	t->pkt = socket(AF_PACKET, SOCK_RAW, 0);
	assert_true(t->pkt >= 0);
	setup_driver(t);
	vdev_fx_start(&t->d);

	/* Before VQ_PAIRS_SET: pair 0 alone receives, whatever the flow. */
	for (uint8_t m = 1; m <= 4; m++)
		assert_int_equal(flow(t, -1, m), 0);
	/* Hostile commands: refused, nothing changes. */
	assert_int_equal(set_pairs(t, 0), VIRTIO_NET_ERR);
	assert_int_equal(set_pairs(t, 3), VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(t, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2, 3,
				  true),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(t, VIRTIO_NET_CTRL_RX, 0, 1, 3, true), VIRTIO_NET_ERR);
	/* No room for the ack: returned with nothing written. */
	assert_int_equal(ctrl_cmd(t, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2, 4,
				  false),
			 -1);
	assert_int_equal(flow(t, 1, 5), 0);

	/* Two pairs: a flow comes back on the pair that sent it. */
	assert_int_equal(set_pairs(t, 2), VIRTIO_NET_OK);
	assert_int_equal(flow(t, 1, 6), 2);
	assert_int_equal(flow(t, 0, 7), 0);
	assert_int_equal(flow(t, 1, 8), 2);

	/* Back to one pair: pair 1's flow lands on pair 0. */
	assert_int_equal(set_pairs(t, 1), VIRTIO_NET_OK);
	assert_int_equal(flow(t, -1, 8), 0);
	/* TX still queued on a disabled pair leaves through pair 0's fd. */
	guest_send(t, 1, 1010, 2010);

	/* Two again, then a reset: the next driver starts on pair 0 alone. */
	assert_int_equal(set_pairs(t, 2), VIRTIO_NET_OK);
	assert_int_equal(flow(t, 1, 11), 2);
	vdev_fx_wr(&t->d, VIRTIO_MMIO_STATUS, 0);
	setup_driver(t);
	assert_int_equal(flow(t, 1, 11), 0);

	close(t->pkt);
	vdev_fx_fini(&t->d);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mq),
	};
	int fd;

	/* A namespace of our own: the tap touches nothing of the host's network. */
	if (geteuid() != 0 || unshare(CLONE_NEWNET)) {
		printf("SKIP: a network namespace of our own needs root (CAP_SYS_ADMIN)\n");
		return 77;
	}
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0) {
		printf("SKIP: /dev/net/tun: %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	/* No IPv6 chatter (router solicitations, MLD) from the host's side of the tap. */
	fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			printf("note: IPv6 stays on\n");
		close(fd);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
