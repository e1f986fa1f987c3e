/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of virtio-vsock (virtio 1.2, "Socket Device") that are pure
 * functions of their arguments, so that unit tests can feed them hostile
 * values: the packet header check, the credit arithmetic, the host side's
 * "CONNECT <port>\n" line, the --vsock option, and the byte ring that
 * holds what the guest sent until the UNIX socket takes it.
 */
#ifndef RV_VSOCK_PROTO_H
#define RV_VSOCK_PROTO_H

#include <linux/virtio_vsock.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The host's CID ("Device Operation": VMADDR_CID_HOST). */
#define RV_VSOCK_HOST_CID 2
/* Guest CIDs: 0-2 are reserved, and only the low 32 bits are used. */
#define RV_VSOCK_MIN_CID 3
#define RV_VSOCK_MAX_CID 0xfffffffeULL
/*
 * The largest payload of one packet either way. Linux's driver never sends
 * more (VIRTIO_VSOCK_MAX_PKT_BUF_SIZE, 64 KiB); a guest header claiming
 * more is refused before anything is copied.
 */
#define RV_VSOCK_MAX_PKT 65536
/*
 * What we tell the guest each connection may have in flight to us
 * (buf_alloc): the size of the connection's ring. The guest must not send
 * more ("Buffer Space Management"), so the ring never overflows; a guest
 * that does is reset, not buffered for.
 */
#define RV_VSOCK_BUF_ALLOC (64 * 1024)
/* "CONNECT 4294967295\n" is 19 bytes; a longer line is refused. */
#define RV_VSOCK_CONNECT_MAX 32
/* uds=PATH leaves room for "_4294967295" in a sockaddr_un (108 bytes). */
#define RV_VSOCK_PATH_MAX (108 - 12)

/* Why a packet from the guest was refused (counted per reason). */
enum rv_vsock_bad {
	RV_VSOCK_OK = 0,
	RV_VSOCK_E_SHORT,   /* the chain is shorter than a header */
	RV_VSOCK_E_LEN,	    /* len beyond the chain or RV_VSOCK_MAX_PKT */
	RV_VSOCK_E_TYPE,    /* not VIRTIO_VSOCK_TYPE_STREAM */
	RV_VSOCK_E_SRC_CID, /* not the guest's own CID */
	RV_VSOCK_E_DST_CID, /* not the host: no guest-to-guest here */
	RV_VSOCK_E_OP,	    /* an op the spec does not define */
	RV_VSOCK_E_NR,
};

const char *rv_vsock_bad_name(enum rv_vsock_bad e);

/*
 * Check a header the guest wrote (copied out of guest memory first: the
 * guest may change it while we look), @avail payload bytes following it in
 * the chain. Every field the device acts on is checked here.
 */
enum rv_vsock_bad rv_vsock_hdr_check(const struct virtio_vsock_hdr *h, uint64_t avail,
				     uint64_t guest_cid);

/*
 * How much the peer can take now: buf_alloc - (tx_cnt - fwd_cnt), with the
 * guest's buf_alloc and fwd_cnt ("Buffer Space Management"). Counters wrap
 * at 2^32 by design, so the difference is taken modulo 2^32; a fwd_cnt the
 * guest moved past what we ever sent gives an in-flight count above
 * buf_alloc, hence no credit, never a wrapped huge one.
 */
uint32_t rv_vsock_peer_credit(uint32_t buf_alloc, uint32_t fwd_cnt, uint32_t tx_cnt);

/*
 * The host client's request line in @buf (@len bytes, not NUL-terminated):
 * "CONNECT <port>\n" (a "\r\n" end is accepted too). Returns the line's
 * length with *@port set, 0 when no newline came yet (and @len is still
 * short of RV_VSOCK_CONNECT_MAX), -EINVAL for anything else.
 */
int rv_vsock_parse_connect(const char *buf, size_t len, uint32_t *port);

/* --vsock cid=N,uds=PATH. 0, or -EINVAL with an rv_err() message. */
int rv_vsock_parse_args(const char *args, uint64_t *cid, char *path, size_t path_size);

/* A byte ring of a fixed capacity (a power of two), free-running indices. */
struct rv_vsock_ring {
	uint8_t *buf;
	uint32_t cap;
	uint32_t head, tail; /* bytes taken out / put in, modulo 2^32 */
};

static inline uint32_t rv_vsock_ring_len(const struct rv_vsock_ring *r)
{
	return r->tail - r->head;
}

static inline uint32_t rv_vsock_ring_room(const struct rv_vsock_ring *r)
{
	return r->cap - rv_vsock_ring_len(r);
}

/* Put @len bytes at the tail; the caller checked the room (false if not). */
bool rv_vsock_ring_put(struct rv_vsock_ring *r, const void *src, uint32_t len);
/* The contiguous bytes at the head: pointer, and their count in *@len. */
const uint8_t *rv_vsock_ring_peek(const struct rv_vsock_ring *r, uint32_t *len);
/* Drop @n bytes from the head (n <= length). */
void rv_vsock_ring_consume(struct rv_vsock_ring *r, uint32_t n);

#endif
