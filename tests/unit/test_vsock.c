// SPDX-License-Identifier: GPL-2.0
/*
 * Description: virtio-vsock's pure parts (devices/vsock-proto.c) with
 * hostile values: packet headers a guest could write (len past the chain
 * or the bound, a payload on a control op, a forged source CID, a guest-
 * to-guest destination, SEQPACKET, unknown ops), the credit arithmetic
 * (fwd_cnt wrapping at 2^32, a fwd_cnt ahead of what was ever sent,
 * buf_alloc 0 and 2^32-1), the host client's CONNECT line (partial,
 * overlong, signs, ports past 2^32, data after the line), --vsock values,
 * and the ring that a guest's credit bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/vsock-proto.h"
#include "vmm/util.h"

#define CID 3

static struct virtio_vsock_hdr hdr(uint16_t op, uint32_t len)
{
	struct virtio_vsock_hdr h = {
		.src_cid = CID,
		.dst_cid = RV_VSOCK_HOST_CID,
		.src_port = 1025,
		.dst_port = 5000,
		.len = len,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = op,
	};
	return h;
}

static void test_hdr_ok(void **state)
{
	struct virtio_vsock_hdr h = hdr(VIRTIO_VSOCK_OP_RW, 100);

	(void)state;
	assert_int_equal(rv_vsock_hdr_check(&h, 100, CID), RV_VSOCK_OK);
	assert_int_equal(rv_vsock_hdr_check(&h, 4096, CID), RV_VSOCK_OK);
	for (uint16_t op = VIRTIO_VSOCK_OP_REQUEST; op <= VIRTIO_VSOCK_OP_CREDIT_REQUEST; op++) {
		h = hdr(op, 0);
		assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_OK);
	}
	/* The largest payload there is. */
	h = hdr(VIRTIO_VSOCK_OP_RW, RV_VSOCK_MAX_PKT);
	assert_int_equal(rv_vsock_hdr_check(&h, RV_VSOCK_MAX_PKT, CID), RV_VSOCK_OK);
}

static void test_hdr_hostile(void **state)
{
	struct virtio_vsock_hdr h;

	(void)state;
	/* len beyond the chain: by one, and by the whole 32 bits. */
	h = hdr(VIRTIO_VSOCK_OP_RW, 101);
	assert_int_equal(rv_vsock_hdr_check(&h, 100, CID), RV_VSOCK_E_LEN);
	h = hdr(VIRTIO_VSOCK_OP_RW, UINT32_MAX);
	assert_int_equal(rv_vsock_hdr_check(&h, UINT64_MAX, CID), RV_VSOCK_E_LEN);
	/* Within a huge chain but past the one-packet bound. */
	h = hdr(VIRTIO_VSOCK_OP_RW, RV_VSOCK_MAX_PKT + 1);
	assert_int_equal(rv_vsock_hdr_check(&h, 1 << 20, CID), RV_VSOCK_E_LEN);
	/* A payload on a control packet. */
	h = hdr(VIRTIO_VSOCK_OP_REQUEST, 8);
	assert_int_equal(rv_vsock_hdr_check(&h, 8, CID), RV_VSOCK_E_LEN);
	/* SEQPACKET was not offered; 0 and garbage are no types. */
	h = hdr(VIRTIO_VSOCK_OP_RW, 0);
	h.type = VIRTIO_VSOCK_TYPE_SEQPACKET;
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_TYPE);
	h.type = 0xffff;
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_TYPE);
	/* A forged source: another guest, the host, the upper 32 bits set. */
	h = hdr(VIRTIO_VSOCK_OP_RW, 0);
	h.src_cid = CID + 1;
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_SRC_CID);
	h.src_cid = RV_VSOCK_HOST_CID;
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_SRC_CID);
	h.src_cid = (1ULL << 32) | CID;
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_SRC_CID);
	/* Anything but the host: itself, another guest, the wildcard. */
	h = hdr(VIRTIO_VSOCK_OP_RW, 0);
	h.dst_cid = CID;
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_DST_CID);
	h.dst_cid = 0xffffffff;
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_DST_CID);
	/* Ops outside the spec's. */
	h = hdr(VIRTIO_VSOCK_OP_INVALID, 0);
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_OP);
	h = hdr(VIRTIO_VSOCK_OP_CREDIT_REQUEST + 1, 0);
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_OP);
	h = hdr(0xffff, 0);
	assert_int_equal(rv_vsock_hdr_check(&h, 0, CID), RV_VSOCK_E_OP);
	assert_string_equal(rv_vsock_bad_name(RV_VSOCK_E_SRC_CID), "src_cid");
	assert_string_equal(rv_vsock_bad_name(RV_VSOCK_E_NR + 5), "?");
}

static void test_credit(void **state)
{
	(void)state;
	/* Nothing sent: the whole window. */
	assert_int_equal(rv_vsock_peer_credit(65536, 0, 0), 65536);
	assert_int_equal(rv_vsock_peer_credit(65536, 1000, 5000), 65536 - 4000);
	/* Exactly full, then more in flight than the window (a shrunk buf_alloc). */
	assert_int_equal(rv_vsock_peer_credit(65536, 0, 65536), 0);
	assert_int_equal(rv_vsock_peer_credit(4096, 0, 65536), 0);
	/* The counters wrap at 2^32: in flight is still tx_cnt - fwd_cnt. */
	assert_int_equal(rv_vsock_peer_credit(65536, UINT32_MAX - 99, 100), 65536 - 200);
	assert_int_equal(rv_vsock_peer_credit(65536, UINT32_MAX, UINT32_MAX), 65536);
	/* A fwd_cnt ahead of anything sent: hostile, no credit (never ~4 GiB). */
	assert_int_equal(rv_vsock_peer_credit(65536, 10, 5), 0);
	assert_int_equal(rv_vsock_peer_credit(UINT32_MAX, 1, 0), 0);
	/* buf_alloc 0: never any; buf_alloc 2^32-1: large, but exact. */
	assert_int_equal(rv_vsock_peer_credit(0, 0, 0), 0);
	assert_int_equal(rv_vsock_peer_credit(0, 7, 7), 0);
	assert_int_equal(rv_vsock_peer_credit(UINT32_MAX, 0, 0), UINT32_MAX);
	assert_int_equal(rv_vsock_peer_credit(UINT32_MAX, 0, 10), UINT32_MAX - 10);
	/* The device caps each packet at RV_VSOCK_MAX_PKT on top of this. */
}

static void test_connect_line(void **state)
{
	uint32_t port = 0;
	const char *s;

	(void)state;
	s = "CONNECT 5000\n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), strlen(s));
	assert_int_equal(port, 5000);
	s = "CONNECT 4294967295\r\n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), strlen(s));
	assert_int_equal(port, UINT32_MAX);
	/* The guest's data after the line is not ours to take. */
	s = "CONNECT 7\nhello";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), 10);
	assert_int_equal(port, 7);
	/* Not complete yet: wait for more. */
	assert_int_equal(rv_vsock_parse_connect("CONNECT 12", 10, &port), 0);
	assert_int_equal(rv_vsock_parse_connect("", 0, &port), 0);
	/* Refused. */
	s = "CONNECT 4294967296\n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), -EINVAL);
	s = "CONNECT -1\n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), -EINVAL);
	s = "CONNECT +5\n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), -EINVAL);
	s = "CONNECT 0x10\n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), -EINVAL);
	s = "CONNECT \n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), -EINVAL);
	s = "connect 5\n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), -EINVAL);
	s = "CONNECT 5 6\n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), -EINVAL);
	s = "\n";
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), -EINVAL);
	/* No newline within the bound: a client that never ends its line. */
	s = "CONNECT 00000000000000000000000000000001\n";
	assert_int_equal(rv_vsock_parse_connect(s, RV_VSOCK_CONNECT_MAX, &port), -EINVAL);
	assert_int_equal(rv_vsock_parse_connect(s, strlen(s), &port), -EINVAL);
}

static void test_args(void **state)
{
	char path[RV_VSOCK_PATH_MAX + 1], long_path[200];
	uint64_t cid = 0;

	(void)state;
	assert_int_equal(rv_vsock_parse_args("cid=3,uds=/tmp/v.sock", &cid, path, sizeof(path)), 0);
	assert_int_equal(cid, 3);
	assert_string_equal(path, "/tmp/v.sock");
	/* uds= last takes the rest, commas included. */
	assert_int_equal(rv_vsock_parse_args("cid=4294967294,uds=/tmp/a,b", &cid, path,
					     sizeof(path)),
			 0);
	assert_int_equal(cid, 4294967294ULL);
	assert_string_equal(path, "/tmp/a,b");
	/* Reserved CIDs, past 32 bits, junk, missing parts. */
	assert_int_equal(rv_vsock_parse_args("cid=2,uds=/x", &cid, path, sizeof(path)), -EINVAL);
	assert_int_equal(rv_vsock_parse_args("cid=4294967295,uds=/x", &cid, path, sizeof(path)),
			 -EINVAL);
	assert_int_equal(rv_vsock_parse_args("cid=3x,uds=/x", &cid, path, sizeof(path)), -EINVAL);
	assert_int_equal(rv_vsock_parse_args("cid=3", &cid, path, sizeof(path)), -EINVAL);
	assert_int_equal(rv_vsock_parse_args("uds=/x", &cid, path, sizeof(path)), -EINVAL);
	assert_int_equal(rv_vsock_parse_args("", &cid, path, sizeof(path)), -EINVAL);
	assert_int_equal(rv_vsock_parse_args(NULL, &cid, path, sizeof(path)), -EINVAL);
	assert_int_equal(rv_vsock_parse_args("port=5,cid=3,uds=/x", &cid, path, sizeof(path)),
			 -EINVAL);
	/* A path with no room left for "_<port>" in a sockaddr_un. */
	memset(long_path, 'a', sizeof(long_path));
	memcpy(long_path, "cid=3,uds=", 10);
	long_path[10 + RV_VSOCK_PATH_MAX + 1] = '\0';
	assert_int_equal(rv_vsock_parse_args(long_path, &cid, path, sizeof(path)), -EINVAL);
	long_path[10 + RV_VSOCK_PATH_MAX] = '\0';
	assert_int_equal(rv_vsock_parse_args(long_path, &cid, path, sizeof(path)), 0);
	assert_int_equal(strlen(path), RV_VSOCK_PATH_MAX);
}

static void test_ring(void **state)
{
	uint8_t mem[16], out[16];
	struct rv_vsock_ring r = { .buf = mem, .cap = sizeof(mem) };
	const uint8_t *p;
	uint32_t n;

	(void)state;
	assert_true(rv_vsock_ring_put(&r, "abcdefghijkl", 12));
	assert_int_equal(rv_vsock_ring_room(&r), 4);
	/* More than the room: refused whole (a guest past its credit). */
	assert_false(rv_vsock_ring_put(&r, "12345", 5));
	assert_int_equal(rv_vsock_ring_len(&r), 12);
	rv_vsock_ring_consume(&r, 10);
	/* Wraps: 8 bytes from offset 12. */
	assert_true(rv_vsock_ring_put(&r, "ABCDEFGH", 8));
	p = rv_vsock_ring_peek(&r, &n);
	assert_int_equal(n, 6);
	memcpy(out, p, n);
	rv_vsock_ring_consume(&r, n);
	p = rv_vsock_ring_peek(&r, &n);
	assert_int_equal(n, 4);
	memcpy(out + 6, p, n);
	assert_memory_equal(out, "klABCDEFGH", 10);
	/* Consuming more than held stops at empty. */
	rv_vsock_ring_consume(&r, 100);
	assert_int_equal(rv_vsock_ring_len(&r), 0);
	/* Free-running indices across 2^32. */
	r.head = r.tail = UINT32_MAX - 2;
	assert_true(rv_vsock_ring_put(&r, "wxyz12", 6));
	assert_int_equal(rv_vsock_ring_len(&r), 6);
	p = rv_vsock_ring_peek(&r, &n);
	memcpy(out, p, n);
	rv_vsock_ring_consume(&r, n);
	p = rv_vsock_ring_peek(&r, &n);
	memcpy(out + 6 - n, p, n);
	assert_memory_equal(out, "wxyz12", 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_ok), cmocka_unit_test(test_hdr_hostile),
		cmocka_unit_test(test_credit), cmocka_unit_test(test_connect_line),
		cmocka_unit_test(test_args),   cmocka_unit_test(test_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
