// SPDX-License-Identifier: GPL-2.0
/*
 * Description: virtio-net's pure parts (devices/virtio-net-hdr.c) and the
 * virtqueue calls the receive path adds (rv_vq_push_n, rv_vq_unpop). The
 * --net value and its one-line errors; the default MAC (stable, unicast,
 * locally administered); the TX header checks with hostile values (short
 * chains, oversize frames, offloads not negotiated, checksum offsets past
 * the frame, GSO without a checksum or a segment size, unknown flags); the
 * receive accounting with and without mergeable buffers (a first buffer
 * smaller than the header, zero-length chains, more chains than the
 * queue, a frame of exactly the buffer's size); a mergeable frame's
 * chains published by one used->idx store, or given back whole; and the
 * control queue's commands with hostile bytes (cut short, too long, an
 * unknown class or command, 0 or too many queue pairs, MQ not negotiated).
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/virtio-net.h"
#include "vmm/util.h"
#include "vq_fx.h"

static void test_spec(void **state)
{
	struct rv_net_spec s;

	assert_int_equal(rv_net_parse_spec("tap=tap0", &s), 0);
	assert_int_equal(s.kind, RV_NET_TAP);
	assert_string_equal(s.ifname, "tap0");
	assert_false(s.has_mac);
	assert_int_equal(rv_net_parse_spec("tap=t1,mac=52:54:00:12:34:5f", &s), 0);
	assert_true(s.has_mac);
	assert_int_equal(s.mac[0], 0x52);
	assert_int_equal(s.mac[5], 0x5f);
	assert_int_equal(rv_net_parse_spec("passt", &s), 0);
	assert_int_equal(s.kind, RV_NET_PASST);
	assert_string_equal(s.socket, "");
	assert_int_equal(rv_net_parse_spec("mac=02:00:00:00:00:01,passt=/tmp/p.sock", &s), 0);
	assert_string_equal(s.socket, "/tmp/p.sock");

	/* Each bad value: -EINVAL and a line about the value. */
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("", &s), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "no backend"));
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=0123456789abcdef", &s), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "not an interface name"));
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a/b", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=..", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a,passt", &s), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "second backend"));
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("passt=", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("user", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a,mac=01:00:5e:00:00:01", &s), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "multicast"));
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a,mac=00:00:00:00:00:00", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a,mac=52:54:00:12:34", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a,mac=52:54:00:12:34:567", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a,mac=52:54:00:12:34:zz", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a,mac=52-54-00-12-34-56", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a,mac=5:254:00:12:34:56", &s), -EINVAL);
	rv_err_clear();
	/* Hex digits of either case, each byte where it belongs. */
	assert_int_equal(rv_net_parse_spec("tap=a,mac=0A:bC:00:12:34:Ef", &s), 0);
	assert_memory_equal(s.mac, ((uint8_t[6]){ 0x0a, 0xbc, 0x00, 0x12, 0x34, 0xef }), 6);
	/* queues=: 1..RV_NET_MAX_PAIRS, a tap only; 0 means the default (per vCPU). */
	assert_int_equal(rv_net_parse_spec("tap=a", &s), 0);
	assert_int_equal(s.queues, 0);
	assert_int_equal(rv_net_parse_spec("queues=3,tap=a", &s), 0);
	assert_int_equal(s.queues, 3);
	assert_int_equal(rv_net_parse_spec("tap=a,queues=7", &s), 0);
	assert_int_equal(s.queues, RV_NET_MAX_PAIRS);
	assert_int_equal(rv_net_parse_spec("passt,queues=1", &s), 0);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("tap=a,queues=0", &s), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "queues=0: not a number of queue pairs from 1 to 7"));
	assert_int_equal(rv_net_parse_spec("tap=a,queues=8", &s), -EINVAL);
	assert_int_equal(rv_net_parse_spec("tap=a,queues=", &s), -EINVAL);
	assert_int_equal(rv_net_parse_spec("tap=a,queues=-1", &s), -EINVAL);
	assert_int_equal(rv_net_parse_spec("tap=a,queues=2x", &s), -EINVAL);
	assert_int_equal(rv_net_parse_spec("tap=a,queues=4294967298", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_net_parse_spec("passt,queues=2", &s), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "passt has one socket"));
}

/* One command's bytes: class, command, data; @len the chain's readable length. */
static uint8_t ctrl(uint8_t cls, uint8_t cmd, uint16_t pairs, uint64_t len, bool mq,
		    unsigned int *got)
{
	uint8_t b[RV_NET_CTRL_CMD_MAX] = { cls, cmd, pairs & 0xff, pairs >> 8 };

	*got = 12345;
	return rv_net_ctrl_parse(b, len, mq, 4, got);
}

static void test_ctrl(void **state)
{
	const uint8_t mq = VIRTIO_NET_CTRL_MQ, set = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET;
	unsigned int got;

	assert_int_equal(ctrl(mq, set, 2, 4, true, &got), VIRTIO_NET_OK);
	assert_int_equal(got, 2);
	assert_int_equal(ctrl(mq, set, 1, 4, true, &got), VIRTIO_NET_OK);
	assert_int_equal(got, 1);
	assert_int_equal(ctrl(mq, set, 4, 4, true, &got), VIRTIO_NET_OK);
	assert_int_equal(got, 4);
	/* Each refusal leaves *pairs 0: nothing changes. */
	assert_int_equal(ctrl(mq, set, 0, 4, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(got, 0);
	assert_int_equal(ctrl(mq, set, 5, 4, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(got, 0);
	assert_int_equal(ctrl(mq, set, 0xffff, 4, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(mq, set, 0x8000, 4, true, &got), VIRTIO_NET_ERR);
	/* Little-endian: 0x0200 is 512 pairs, not 2. */
	assert_int_equal(ctrl(mq, set, 0x0200, 4, true, &got), VIRTIO_NET_ERR);
	/* MQ not negotiated: the command does not exist. */
	assert_int_equal(ctrl(mq, set, 2, 4, false, &got), VIRTIO_NET_ERR);
	assert_int_equal(got, 0);
	/* Lengths the guest chose: no header, half a header, data cut short, too long. */
	assert_int_equal(ctrl(mq, set, 2, 0, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(mq, set, 2, 1, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(mq, set, 2, 3, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(mq, set, 2, 5, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(mq, set, 2, UINT64_MAX, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(got, 0);
	/* Other MQ commands (RSS, hash config) and other classes: not offered. */
	assert_int_equal(ctrl(mq, VIRTIO_NET_CTRL_MQ_RSS_CONFIG, 2, 4, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(mq, 0xff, 2, 4, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 1, 3, true, &got),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, 0, 8, true, &got),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl(VIRTIO_NET_CTRL_VLAN, 0, 0, 4, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(ctrl(0xff, set, 2, 4, true, &got), VIRTIO_NET_ERR);
	assert_int_equal(got, 0);
}

static void test_default_mac(void **state)
{
	struct rv_net_spec a, b;
	uint8_t m1[6], m2[6], m3[6];

	assert_int_equal(rv_net_parse_spec("tap=tap0", &a), 0);
	assert_int_equal(rv_net_parse_spec("tap=tap1", &b), 0);
	rv_net_default_mac(&a, "virtio-net0", m1);
	rv_net_default_mac(&a, "virtio-net0", m2);
	rv_net_default_mac(&b, "virtio-net0", m3);
	assert_memory_equal(m1, m2, 6);	    /* stable */
	assert_memory_not_equal(m1, m3, 6); /* per backend */
	assert_int_equal(m1[0] & 3, 2);	    /* unicast, locally administered */
	rv_net_default_mac(&a, "virtio-net1", m2);
	assert_memory_not_equal(m1, m2, 6); /* per device */
}

static const struct rv_net_tx_caps all_caps = {
	.csum = true, .tso4 = true, .tso6 = true, .max_frame = RV_NET_MAX_FRAME
};
static const struct rv_net_tx_caps no_caps = { .max_frame = RV_NET_MAX_FRAME };

static enum rv_net_tx_verdict check(const struct virtio_net_hdr_v1 *h, uint64_t frame,
				    const struct rv_net_tx_caps *caps)
{
	return rv_net_tx_check((const uint8_t *)h, RV_NET_HDR_LEN + frame, caps);
}

static void test_tx_sizes(void **state)
{
	struct virtio_net_hdr_v1 h = { 0 };

	assert_int_equal(check(&h, 60, &no_caps), RV_NET_TX_OK);
	assert_int_equal(check(&h, RV_NET_MIN_FRAME, &no_caps), RV_NET_TX_OK);
	assert_int_equal(check(&h, RV_NET_MIN_FRAME - 1, &no_caps), RV_NET_TX_SHORT);
	/* Not even a header: out_len comes from the guest's descriptors. */
	assert_int_equal(rv_net_tx_check((const uint8_t *)&h, 0, &no_caps), RV_NET_TX_SHORT);
	assert_int_equal(rv_net_tx_check((const uint8_t *)&h, 11, &no_caps), RV_NET_TX_SHORT);
	assert_int_equal(check(&h, RV_NET_MAX_FRAME, &no_caps), RV_NET_TX_OK);
	assert_int_equal(check(&h, RV_NET_MAX_FRAME + 1, &no_caps), RV_NET_TX_OVERSIZE);
	/* A chain of 4 GiB (the virtqueue caps it there): no overflow here. */
	assert_int_equal(rv_net_tx_check((const uint8_t *)&h, 0xffffffffULL, &all_caps),
			 RV_NET_TX_OVERSIZE);
	assert_int_equal(rv_net_tx_check((const uint8_t *)&h, UINT64_MAX, &all_caps),
			 RV_NET_TX_OVERSIZE);
}

static void test_tx_csum(void **state)
{
	struct virtio_net_hdr_v1 h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				       .csum_start = 34,
				       .csum_offset = 16 };

	assert_int_equal(check(&h, 60, &all_caps), RV_NET_TX_OK);
	/* NEEDS_CSUM without VIRTIO_NET_F_CSUM (passt offers none). */
	assert_int_equal(check(&h, 60, &no_caps), RV_NET_TX_BAD_HDR);
	/* The 2-byte field must end inside the frame: 34 + 16 + 2 = 52. */
	assert_int_equal(check(&h, 52, &all_caps), RV_NET_TX_OK);
	assert_int_equal(check(&h, 51, &all_caps), RV_NET_TX_BAD_HDR);
	/* 16-bit fields at their maximum: summed without wrapping. */
	h.csum_start = 0xffff;
	h.csum_offset = 0xffff;
	assert_int_equal(check(&h, RV_NET_MAX_FRAME, &all_caps), RV_NET_TX_BAD_HDR);
	/* DATA_VALID is harmless on TX; RSC_INFO and unknown bits are not. */
	h = (struct virtio_net_hdr_v1){ .flags = VIRTIO_NET_HDR_F_DATA_VALID };
	assert_int_equal(check(&h, 60, &no_caps), RV_NET_TX_OK);
	h.flags = VIRTIO_NET_HDR_F_RSC_INFO;
	assert_int_equal(check(&h, 60, &all_caps), RV_NET_TX_BAD_HDR);
	h.flags = 0x80;
	assert_int_equal(check(&h, 60, &all_caps), RV_NET_TX_BAD_HDR);
}

static void test_tx_gso(void **state)
{
	struct virtio_net_hdr_v1 h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				       .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				       .hdr_len = 66,
				       .gso_size = 1448,
				       .csum_start = 34,
				       .csum_offset = 16 };
	struct rv_net_tx_caps v6only = all_caps;

	v6only.tso4 = false;
	assert_int_equal(check(&h, 65000, &all_caps), RV_NET_TX_OK);
	assert_int_equal(check(&h, 65000, &v6only), RV_NET_TX_BAD_HDR);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	assert_int_equal(check(&h, 65000, &v6only), RV_NET_TX_OK);
	/* Not offered: UFO, ECN, unknown types. */
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(check(&h, 65000, &all_caps), RV_NET_TX_BAD_HDR);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	assert_int_equal(check(&h, 65000, &all_caps), RV_NET_TX_BAD_HDR);
	h.gso_type = 0x7f;
	assert_int_equal(check(&h, 65000, &all_caps), RV_NET_TX_BAD_HDR);
	/* GSO needs a checksum to fill, a segment size, headers inside the frame. */
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 0;
	assert_int_equal(check(&h, 65000, &all_caps), RV_NET_TX_BAD_HDR);
	h.gso_size = 1448;
	h.hdr_len = 0xffff;
	assert_int_equal(check(&h, 65000, &all_caps), RV_NET_TX_BAD_HDR);
	h.hdr_len = 66;
	h.flags = 0;
	assert_int_equal(check(&h, 65000, &all_caps), RV_NET_TX_BAD_HDR);
}

static void test_rx_single(void **state)
{
	struct rv_net_rx_acct a;

	/* Without MRG_RXBUF a chain holds the whole frame or nothing. */
	rv_net_rx_begin(&a, 1526, false, 256);
	assert_int_equal(rv_net_rx_take(&a, 1525), -EMSGSIZE);
	assert_false(rv_net_rx_done(&a));
	assert_int_equal(rv_net_rx_take(&a, 1526), 1526);
	assert_true(rv_net_rx_done(&a));
	assert_int_equal(a.nbufs, 1);
	/* Already placed: taking more is a device bug, refused. */
	assert_int_equal(rv_net_rx_take(&a, 4096), -EINVAL);
	rv_net_rx_begin(&a, 100, false, 256);
	assert_int_equal(rv_net_rx_take(&a, 65562), 100);
	/* A chain of 4 GiB - 1 (the guest's lengths): only the frame's bytes go. */
	rv_net_rx_begin(&a, 100, false, 256);
	assert_int_equal(rv_net_rx_take(&a, 0xffffffffULL), 100);
}

static void test_rx_mergeable(void **state)
{
	struct rv_net_rx_acct a;
	uint64_t frame = RV_NET_HDR_LEN + RV_NET_MAX_FRAME;
	unsigned int n = 0;
	long got;

	rv_net_rx_begin(&a, frame, true, 256);
	/* The first buffer must hold the header (num_buffers is written there). */
	assert_int_equal(rv_net_rx_take(&a, RV_NET_HDR_LEN - 1), -EMSGSIZE);
	assert_int_equal(rv_net_rx_take(&a, 0), -EMSGSIZE);
	uint64_t sum = 0;
	while (!rv_net_rx_done(&a)) {
		got = rv_net_rx_take(&a, 1536);
		assert_true(got > 0 && got <= 1536);
		sum += got;
		n++;
	}
	assert_int_equal(sum, frame);
	assert_int_equal(a.nbufs, n);
	assert_int_equal(n, (frame + 1535) / 1536);

	/* Zero-length chains after the first: refused, not counted. */
	rv_net_rx_begin(&a, 3000, true, 256);
	assert_int_equal(rv_net_rx_take(&a, 2000), 2000);
	assert_int_equal(rv_net_rx_take(&a, 0), -EMSGSIZE);
	assert_int_equal(a.nbufs, 1);
	/* Tiny buffers after the first are legal, but the queue has an end. */
	rv_net_rx_begin(&a, 3000, true, 4);
	assert_int_equal(rv_net_rx_take(&a, RV_NET_HDR_LEN), RV_NET_HDR_LEN);
	assert_int_equal(rv_net_rx_take(&a, 1), 1);
	assert_int_equal(rv_net_rx_take(&a, 1), 1);
	assert_int_equal(rv_net_rx_take(&a, 1), 1);
	assert_int_equal(rv_net_rx_take(&a, 4096), -ENOBUFS);
	assert_false(rv_net_rx_done(&a));
}

/* A mergeable frame's chains, published together, or given back. */
static void test_push_n_unpop(void **state)
{
	struct vq_fx f;
	struct rv_vq vq;
	struct rv_vq_chain *c = malloc(sizeof(*c));
	uint16_t heads[3];
	uint32_t lens[3] = { 1500, 1500, 40 };
	uint32_t id, len;

	vq_fx_init_started(&f, &vq, 8, false);
	for (unsigned int i = 0; i < 3; i++) {
		vq_fx_desc(&f, i, VQ_FX_DATA + i * 0x1000, 1536, VRING_DESC_F_WRITE, 0);
		vq_fx_avail(&f, i);
	}
	/* Two popped, the third missing: both given back, the ring untouched. */
	assert_int_equal(rv_vq_pop(&vq, c), 1);
	assert_int_equal(rv_vq_pop(&vq, c), 1);
	rv_vq_unpop(&vq, 2);
	assert_int_equal(vq.inflight, 0);
	assert_int_equal(vq_fx_used_idx(&f), 0);
	/* Popped again in order, and all three published by one store. */
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(rv_vq_pop(&vq, c), 1);
		heads[i] = c->head;
		assert_int_equal(c->head, i);
	}
	assert_int_equal(rv_vq_push_n(&vq, heads, lens, 3), 0);
	assert_int_equal(vq_fx_used_idx(&f), 3);
	vq_fx_used_elem(&f, 2, &id, &len);
	assert_int_equal(id, 2);
	assert_int_equal(len, 40);
	/* More than in flight, or a head past the queue: the device's bug, caught. */
	rv_vq_unpop(&vq, 5);
	assert_int_equal(rv_vq_push_n(&vq, heads, lens, 1), -EIO);
	assert_true(rv_vq_broken(&vq));
	vq_fx_fini(&f);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),	     cmocka_unit_test(test_default_mac),
		cmocka_unit_test(test_tx_sizes),     cmocka_unit_test(test_tx_csum),
		cmocka_unit_test(test_tx_gso),	     cmocka_unit_test(test_rx_single),
		cmocka_unit_test(test_rx_mergeable), cmocka_unit_test(test_push_n_unpop),
		cmocka_unit_test(test_ctrl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
