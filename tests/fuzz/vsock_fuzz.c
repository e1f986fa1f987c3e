// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: virtio-vsock's parsers of bytes a guest or a host
 * client controls (devices/vsock-proto.c). The input is a packet header
 * (44 bytes, as the guest writes it), the chain's payload length and the
 * credit counters (16 bytes), then bytes that are both a host client's
 * CONNECT line and a --vsock value. Whatever they hold: the header check
 * accepts only what the device may act on, the credit never exceeds
 * buf_alloc, the CONNECT parser never claims more than it was given, and
 * the ring never holds more than its capacity.
 *
 *   clang -fsanitize=fuzzer,address -I. tests/fuzz/vsock_fuzz.c \
 *         devices/vsock-proto.c vmm/util.c
 *
 * Built without libFuzzer (-DRV_FUZZ_STANDALONE, as the unit suite does), a
 * main() feeds it deterministic pseudo-random inputs instead.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/vsock-proto.h"
#include "vmm/util.h"

#define FX_CID 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_vsock_hdr h = { 0 };
	uint8_t ctl[16] = { 0 }, ringbuf[64];
	struct rv_vsock_ring ring = { .buf = ringbuf, .cap = sizeof(ringbuf) };
	char path[RV_VSOCK_PATH_MAX + 1], *args;
	uint32_t avail, fwd, tx, alloc, port = 0, n;
	const uint8_t *rest = data;
	size_t left = size;
	uint64_t cid;
	int r;

	memcpy(&h, rest, left < sizeof(h) ? left : sizeof(h));
	rest += left < sizeof(h) ? left : sizeof(h);
	left -= rest - data;
	memcpy(ctl, rest, left < sizeof(ctl) ? left : sizeof(ctl));
	rest += left < sizeof(ctl) ? left : sizeof(ctl);
	left = size - (rest - data);
	memcpy(&avail, ctl, 4);
	memcpy(&fwd, ctl + 4, 4);
	memcpy(&tx, ctl + 8, 4);
	memcpy(&alloc, ctl + 12, 4);

	if (rv_vsock_hdr_check(&h, avail, FX_CID) == RV_VSOCK_OK) {
		if (h.len > avail || h.len > RV_VSOCK_MAX_PKT ||
		    h.type != VIRTIO_VSOCK_TYPE_STREAM || h.src_cid != FX_CID ||
		    h.dst_cid != RV_VSOCK_HOST_CID || h.op < VIRTIO_VSOCK_OP_REQUEST ||
		    h.op > VIRTIO_VSOCK_OP_CREDIT_REQUEST || (h.op != VIRTIO_VSOCK_OP_RW && h.len))
			abort();
	}
	if (rv_vsock_peer_credit(alloc, fwd, tx) > alloc)
		abort();

	r = rv_vsock_parse_connect((const char *)rest, left, &port);
	if (r > 0 && ((size_t)r > left || rest[r - 1] != '\n'))
		abort();

	args = malloc(left + 1);
	if (!args)
		return 0;
	memcpy(args, rest, left);
	args[left] = '\0';
	rv_err_clear();
	if (!rv_vsock_parse_args(args, &cid, path, sizeof(path))) {
		if (cid < RV_VSOCK_MIN_CID || cid > RV_VSOCK_MAX_CID || !path[0] ||
		    strlen(path) > RV_VSOCK_PATH_MAX)
			abort();
	} else if (!rv_err_msg()[0]) {
		abort(); /* a refusal always says why */
	}
	free(args);

	/* The ring, driven by the input's bytes: put, peek, consume. */
	for (size_t i = 0; i < left; i++) {
		uint32_t len = rest[i] % 80;

		if (i % 2)
			rv_vsock_ring_put(&ring, rest, len < left ? len : (uint32_t)left);
		else
			rv_vsock_ring_consume(&ring, len);
		rv_vsock_ring_peek(&ring, &n);
		if (rv_vsock_ring_len(&ring) > ring.cap || n > rv_vsock_ring_len(&ring))
			abort();
	}
	return 0;
}

#ifdef RV_FUZZ_STANDALONE
#include <stdio.h>

#include "fuzz_rand.h"

int main(int argc, char **argv)
{
	static uint8_t buf[60 + 256];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int runs = argc > 1 ? atoi(argv[1]) : 20000;

	for (int r = 0; r < runs; r++) {
		size_t len = rv_fuzz_rand(&seed) % sizeof(buf);
		struct virtio_vsock_hdr *h = (void *)buf;

		for (size_t i = 0; i < len; i++)
			buf[i] = rv_fuzz_rand(&seed);
		/* Mostly near-valid headers and lines, so the checks past the first run. */
		if (r % 2 && len >= 60) {
			h->src_cid = FX_CID;
			h->dst_cid = RV_VSOCK_HOST_CID;
			h->type = VIRTIO_VSOCK_TYPE_STREAM;
			h->op = 1 + r % 7;
			if (r % 4 == 1)
				memcpy(buf + 60, "CONNECT 1234\n", 13);
			if (r % 8 == 3)
				memcpy(buf + 60, "cid=3,uds=/tmp/x", 16);
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%d inputs, no fault\n", runs);
	return 0;
}
#endif
