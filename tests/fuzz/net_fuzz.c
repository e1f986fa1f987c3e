// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: virtio-net's parsers of bytes a guest or the user
 * controls (devices/virtio-net-hdr.c). The input is a control flags byte
 * (which offloads are negotiated, MQ, max_virtqueue_pairs), a TX header
 * (12 bytes, as the guest writes it) with its chain length (4 bytes), a
 * control queue command (8 bytes) with its readable length (4 bytes),
 * then bytes that are both receive chain lengths and a --net value.
 * Whatever they hold: a TX verdict of OK means the frame fits the limits
 * and asks only for what was negotiated; an accepted VQ_PAIRS_SET names 1
 * to max_virtqueue_pairs pairs, and only with MQ; the receive accounting
 * never places more than the frame or uses more chains than allowed; and
 * a refused --net value always says why.
 *
 *   clang -fsanitize=fuzzer,address -I. tests/fuzz/net_fuzz.c \
 *         devices/virtio-net-hdr.c vmm/util.c
 *
 * Built without libFuzzer (-DRV_FUZZ_STANDALONE, as the unit suite does), a
 * main() feeds it deterministic pseudo-random inputs instead.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio-net.h"
#include "vmm/util.h"

#define FX_HEAD (1 + RV_NET_HDR_LEN + 4 + RV_NET_CTRL_CMD_MAX + 4)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void rv_fuzz_tx(uint8_t flags, const uint8_t *hdr, uint32_t len)
{
	struct rv_net_tx_caps caps = {
		.csum = flags & 1,
		.tso4 = flags & 2,
		.tso6 = flags & 4,
		.max_frame = RV_NET_MAX_FRAME,
	};
	struct virtio_net_hdr_v1 hv, *h = &hv;

	if (rv_net_tx_check(hdr, len, &caps) != RV_NET_TX_OK)
		return;
	if (len < RV_NET_HDR_LEN + RV_NET_MIN_FRAME || len > RV_NET_HDR_LEN + RV_NET_MAX_FRAME)
		abort();
	/* The input has no alignment: read the header as a driver's bytes. */
	memcpy(&hv, hdr, sizeof(hv));
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (!caps.csum || (uint64_t)h->csum_start + h->csum_offset + 2 > len - RV_NET_HDR_LEN))
		abort();
	if ((h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV4 && !caps.tso4)
		abort();
	if ((h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV6 && !caps.tso6)
		abort();
}

static void rv_fuzz_ctrl(uint8_t flags, const uint8_t *cmd, uint32_t len)
{
	bool mq = flags & 8;
	unsigned int max = 1 + (flags >> 4) % RV_NET_MAX_PAIRS, pairs = 99;
	uint8_t ack = rv_net_ctrl_parse(cmd, len, mq, max, &pairs);

	if (ack == VIRTIO_NET_OK) {
		if (!mq || pairs < 1 || pairs > max || cmd[0] != VIRTIO_NET_CTRL_MQ ||
		    cmd[1] != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || len != 4)
			abort();
	} else if (ack != VIRTIO_NET_ERR || pairs) {
		abort(); /* a refusal changes nothing */
	}
}

static void rv_fuzz_rx(uint8_t flags, const uint8_t *rest, size_t left)
{
	struct rv_net_rx_acct a;
	uint64_t frame = RV_NET_HDR_LEN + (left ? rest[0] * 300u : 0);
	unsigned int max = 1 + flags % 16, used = 0;

	rv_net_rx_begin(&a, frame, flags & 0x80, max);
	for (size_t i = 1; i + 1 < left && !rv_net_rx_done(&a); i += 2) {
		long take = rv_net_rx_take(&a, rest[i] * 256u + rest[i + 1]);

		if (take < 0)
			return;
		if (take == 0 || ++used > max || a.placed > frame)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t head[FX_HEAD] = { 0 };
	uint32_t tx_len, ctrl_len;
	struct rv_net_spec spec;
	size_t left = size > FX_HEAD ? size - FX_HEAD : 0;
	const uint8_t *rest = data + (size - left);
	char args[256];

	memcpy(head, data, size < FX_HEAD ? size : FX_HEAD);
	memcpy(&tx_len, head + 1 + RV_NET_HDR_LEN, 4);
	memcpy(&ctrl_len, head + FX_HEAD - 4, 4);
	rv_fuzz_tx(head[0], head + 1, tx_len % (2 * (RV_NET_HDR_LEN + RV_NET_MAX_FRAME)));
	rv_fuzz_ctrl(head[0], head + 1 + RV_NET_HDR_LEN + 4, ctrl_len % 16);
	rv_fuzz_rx(head[0], rest, left);

	/* A --net value is short: its first 255 bytes. */
	left = left < sizeof(args) - 1 ? left : sizeof(args) - 1;
	memcpy(args, rest, left);
	args[left] = '\0';
	rv_err_clear();
	if (!rv_net_parse_spec(args, &spec)) {
		if (spec.queues > RV_NET_MAX_PAIRS ||
		    (spec.kind == RV_NET_PASST && spec.queues > 1) ||
		    (spec.kind == RV_NET_TAP && !spec.ifname[0]) ||
		    (spec.has_mac && (spec.mac[0] & 1)))
			abort();
	} else if (!rv_err_msg()[0]) {
		abort(); /* a refusal always says why */
	}
	return 0;
}

#ifdef RV_FUZZ_STANDALONE
#include <stdio.h>

#include "fuzz_rand.h"

int main(int argc, char **argv)
{
	static const char *const nets[] = { "tap=t0,queues=2", "passt,queues=1",
					    "tap=a,mac=02:", "queues=7,tap=x",
					    "passt=/s,queues=3" };
	static uint8_t buf[FX_HEAD + 64];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int runs = argc > 1 ? atoi(argv[1]) : 20000;

	for (int r = 0; r < runs; r++) {
		size_t len = rv_fuzz_rand(&seed) % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = rv_fuzz_rand(&seed);
		/* Mostly near-valid commands and values, so the checks past the first run. */
		if (r % 2 && len >= FX_HEAD + 20) {
			uint8_t *cmd = buf + 1 + RV_NET_HDR_LEN + 4;

			cmd[0] = VIRTIO_NET_CTRL_MQ;
			cmd[1] = r % 4 ? VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET : 1;
			cmd[3] = r % 3 ? 0 : cmd[3];
			buf[FX_HEAD - 4] = r % 5 ? 4 : buf[FX_HEAD - 4];
			memcpy(buf + FX_HEAD, nets[r % 5], strlen(nets[r % 5]));
			buf[FX_HEAD + strlen(nets[r % 5])] = 0;
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%d inputs, no fault\n", runs);
	return 0;
}
#endif
