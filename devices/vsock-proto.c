// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-vsock's pure parts (see vsock-proto.h). Section names are those
 * of the virtio 1.2 specification, "Socket Device".
 */
#include "vsock-proto.h"

#include <errno.h>
#include <string.h>

#include "vmm/util.h"

static const char *const rv_vsock_bad_names[RV_VSOCK_E_NR] = {
	[RV_VSOCK_OK] = "ok",
	[RV_VSOCK_E_SHORT] = "short",
	[RV_VSOCK_E_LEN] = "len",
	[RV_VSOCK_E_TYPE] = "type",
	[RV_VSOCK_E_SRC_CID] = "src_cid",
	[RV_VSOCK_E_DST_CID] = "dst_cid",
	[RV_VSOCK_E_OP] = "op",
};

const char *rv_vsock_bad_name(enum rv_vsock_bad e)
{
	return (unsigned int)e < RV_VSOCK_E_NR ? rv_vsock_bad_names[e] : "?";
}

enum rv_vsock_bad rv_vsock_hdr_check(const struct virtio_vsock_hdr *h, uint64_t avail,
				     uint64_t guest_cid)
{
	uint16_t op = h->op;

	/* The guest chose len: it must fit the chain and our bound. */
	if (h->len > avail || h->len > RV_VSOCK_MAX_PKT)
		return RV_VSOCK_E_LEN;
	/* We offer no VIRTIO_VSOCK_F_SEQPACKET: streams only. */
	if (h->type != VIRTIO_VSOCK_TYPE_STREAM)
		return RV_VSOCK_E_TYPE;
	/* No forged source: a guest speaks for its own CID only. */
	if (h->src_cid != guest_cid)
		return RV_VSOCK_E_SRC_CID;
	if (h->dst_cid != RV_VSOCK_HOST_CID)
		return RV_VSOCK_E_DST_CID;
	if (op < VIRTIO_VSOCK_OP_REQUEST || op > VIRTIO_VSOCK_OP_CREDIT_REQUEST)
		return RV_VSOCK_E_OP;
	/* Only RW carries a payload; a control packet's len must be 0. */
	if (op != VIRTIO_VSOCK_OP_RW && h->len)
		return RV_VSOCK_E_LEN;
	return RV_VSOCK_OK;
}

uint32_t rv_vsock_peer_credit(uint32_t buf_alloc, uint32_t fwd_cnt, uint32_t tx_cnt)
{
	/* Modulo 2^32: the counters wrap ("Buffer Space Management"). */
	uint32_t in_flight = tx_cnt - fwd_cnt;

	return in_flight >= buf_alloc ? 0 : buf_alloc - in_flight;
}

int rv_vsock_parse_connect(const char *buf, size_t len, uint32_t *port)
{
	static const char verb[] = "CONNECT ";
	const char *nl = memchr(buf, '\n', len < RV_VSOCK_CONNECT_MAX ? len : RV_VSOCK_CONNECT_MAX);
	char num[RV_VSOCK_CONNECT_MAX];
	size_t n;
	uint64_t v;

	if (!nl)
		return len < RV_VSOCK_CONNECT_MAX ? 0 : -EINVAL;
	n = nl - buf;
	if (n && buf[n - 1] == '\r')
		n--;
	if (n <= strlen(verb) || memcmp(buf, verb, strlen(verb)))
		return -EINVAL;
	n -= strlen(verb);
	memcpy(num, buf + strlen(verb), n);
	num[n] = '\0';
	/* Digits only: no sign, no blanks, no 0x. */
	for (size_t i = 0; i < n; i++)
		if (num[i] < '0' || num[i] > '9')
			return -EINVAL;
	if (rv_parse_u64(num, &v) || v > UINT32_MAX)
		return -EINVAL;
	*port = (uint32_t)v;
	return (int)(nl - buf) + 1;
}

int rv_vsock_parse_args(const char *args, uint64_t *cid, char *path, size_t path_size)
{
	const char *p = args ? args : "";
	bool have_cid = false;

	path[0] = '\0';
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char word[32];

		if (n > 4 && !strncmp(p, "uds=", 4)) {
			/* The path runs to the end: it may hold commas. */
			n = strlen(p + 4);
			if (n > RV_VSOCK_PATH_MAX || n >= path_size)
				return rv_err(-EINVAL, "uds=: at most %d bytes (a socket path)",
					      RV_VSOCK_PATH_MAX);
			memcpy(path, p + 4, n + 1);
			break;
		}
		if (n > 4 && n < sizeof(word) && !strncmp(p, "cid=", 4)) {
			memcpy(word, p + 4, n - 4);
			word[n - 4] = '\0';
			if (rv_parse_u64(word, cid) || *cid < RV_VSOCK_MIN_CID ||
			    *cid > RV_VSOCK_MAX_CID)
				return rv_err(-EINVAL, "cid=%s: not a number from %d to %llu", word,
					      RV_VSOCK_MIN_CID, RV_VSOCK_MAX_CID);
			have_cid = true;
		} else {
			return rv_err(-EINVAL, "\"%.*s\": not cid=N or uds=PATH", (int)n, p);
		}
		p += n + (end ? 1 : 0);
	}
	if (!have_cid || !path[0])
		return rv_err(-EINVAL, "needs cid=N,uds=PATH");
	return 0;
}

bool rv_vsock_ring_put(struct rv_vsock_ring *r, const void *src, uint32_t len)
{
	const uint8_t *s = src;
	uint32_t at, first;

	if (len > rv_vsock_ring_room(r))
		return false;
	at = r->tail & (r->cap - 1);
	first = r->cap - at < len ? r->cap - at : len;
	memcpy(r->buf + at, s, first);
	memcpy(r->buf, s + first, len - first);
	r->tail += len;
	return true;
}

const uint8_t *rv_vsock_ring_peek(const struct rv_vsock_ring *r, uint32_t *len)
{
	uint32_t at = r->head & (r->cap - 1), n = rv_vsock_ring_len(r);

	*len = r->cap - at < n ? r->cap - at : n;
	return r->buf + at;
}

void rv_vsock_ring_consume(struct rv_vsock_ring *r, uint32_t n)
{
	if (n > rv_vsock_ring_len(r))
		n = rv_vsock_ring_len(r);
	r->head += n;
}
