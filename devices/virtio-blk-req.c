// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk: the --disk value and request parsing (see virtio-blk.h).
 * Section names are those of the virtio 1.2 specification, "Block Device"
 * and its "Device Operation".
 */
#include "virtio-blk.h"

#include <errno.h>
#include <linux/virtio_blk.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/util.h"

int rv_blk_parse_spec(const char *arg, struct rv_blk_spec *spec)
{
	const char *comma = strchr(arg, ',');
	size_t plen = comma ? (size_t)(comma - arg) : strlen(arg);
	const char *o = comma;

	memset(spec, 0, sizeof(*spec));
	if (!plen)
		return rv_err(-EINVAL,
			      "no file name (use PATH[,ro][,cache=none][,queues=N][,latency=MS])");
	if (plen >= sizeof(spec->path))
		return rv_err(-EINVAL, "file name too long");
	memcpy(spec->path, arg, plen);
	while (o) {
		const char *next = strchr(o + 1, ',');
		size_t len = next ? (size_t)(next - o - 1) : strlen(o + 1);
		const char *opt = o + 1;
		uint64_t n;
		char val[16];

		if (len == 2 && !strncmp(opt, "ro", 2)) {
			spec->ro = true;
		} else if (len == 10 && !strncmp(opt, "cache=none", 10)) {
			spec->direct = true;
		} else if (len == 15 && !strncmp(opt, "cache=writeback", 15)) {
			spec->direct = false;
		} else if (len > 7 && !strncmp(opt, "queues=", 7) && len - 7 < sizeof(val)) {
			memcpy(val, opt + 7, len - 7);
			val[len - 7] = 0;
			if (rv_parse_u64(val, &n) || n < 1 || n > 16)
				return rv_err(-EINVAL, "queues=%s: not a number from 1 to 16", val);
			spec->nr_queues = n;
		} else if (len > 8 && !strncmp(opt, "latency=", 8) && len - 8 < sizeof(val)) {
			memcpy(val, opt + 8, len - 8);
			val[len - 8] = 0;
			if (rv_parse_u64(val, &n) || n > RV_BLK_MAX_LATENCY_MS)
				return rv_err(-EINVAL,
					      "latency=%s: not a number of ms from 0 to %d", val,
					      RV_BLK_MAX_LATENCY_MS);
			spec->latency_ms = n;
		} else {
			return rv_err(-EINVAL,
				      "unknown option \"%.*s\" (known: ro, cache=none, "
				      "cache=writeback, queues=N, latency=MS)",
				      (int)len, opt);
		}
		o = next;
	}
	return 0;
}

unsigned int rv_blk_iov_advance(struct iovec *iov, unsigned int nr, uint64_t n)
{
	unsigned int i = 0;

	while (i < nr && n >= iov[i].iov_len) {
		n -= iov[i].iov_len;
		i++;
	}
	if (i < nr && n) {
		iov[i].iov_base = (uint8_t *)iov[i].iov_base + n;
		iov[i].iov_len -= n;
	}
	memmove(iov, iov + i, (nr - i) * sizeof(*iov));
	return nr - i;
}

/* @len bytes of @src from byte @off into @dst; returns the count. */
static unsigned int rv_blk_iov_slice(const struct iovec *src, unsigned int nr, uint64_t off,
				     uint64_t len, struct iovec *dst)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr && len; i++) {
		uint64_t chunk;

		if (off >= src[i].iov_len) {
			off -= src[i].iov_len;
			continue;
		}
		chunk = src[i].iov_len - off;
		if (chunk > len)
			chunk = len;
		dst[n++] = (struct iovec){ (uint8_t *)src[i].iov_base + off, chunk };
		len -= chunk;
		off = 0;
	}
	return n;
}

static enum rv_blk_parse_result rv_blk_fail(struct rv_blk_req_info *r, uint8_t status)
{
	r->status_value = status;
	return RV_BLK_DONE;
}

/* [sector, sector + bytes / 512) inside the disk, without overflowing. */
static bool rv_blk_in_range(const struct rv_blk_geom *g, uint64_t sector, uint64_t bytes)
{
	uint64_t n = bytes / RV_BLK_SECTOR;

	return sector <= g->sectors && n <= g->sectors - sector;
}

/* DISCARD / WRITE_ZEROES: one struct virtio_blk_discard_write_zeroes. */
static enum rv_blk_parse_result rv_blk_parse_segment(const struct rv_vq_chain *c,
						     const struct rv_blk_geom *g,
						     struct rv_blk_req_info *r)
{
	struct virtio_blk_discard_write_zeroes seg;

	if (g->ro)
		return rv_blk_fail(r, VIRTIO_BLK_S_IOERR);
	/* We offer max_discard_seg = max_write_zeroes_seg = 1. */
	if (c->out_len != RV_BLK_HDR_SIZE + sizeof(seg))
		return rv_blk_fail(r, VIRTIO_BLK_S_UNSUPP);
	rv_vq_iov_to_buf(c->iov, c->nr_out, RV_BLK_HDR_SIZE, &seg, sizeof(seg));
	/* "Device Requirements": reserved flag bits, and unmap on a discard, are unsupported. */
	if (seg.flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP ||
	    (r->type == VIRTIO_BLK_T_DISCARD && seg.flags))
		return rv_blk_fail(r, VIRTIO_BLK_S_UNSUPP);
	if (seg.num_sectors > RV_BLK_MAX_DISCARD_SECTORS ||
	    !rv_blk_in_range(g, seg.sector, (uint64_t)seg.num_sectors * RV_BLK_SECTOR))
		return rv_blk_fail(r, VIRTIO_BLK_S_IOERR);
	r->offset = seg.sector * RV_BLK_SECTOR;
	r->len = (uint64_t)seg.num_sectors * RV_BLK_SECTOR;
	r->unmap = seg.flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	return RV_BLK_SUBMIT;
}

enum rv_blk_parse_result rv_blk_parse_req(const struct rv_vq_chain *c, const struct rv_blk_geom *g,
					  struct rv_blk_req_info *r, struct iovec *iov)
{
	const struct iovec *in = c->iov + c->nr_out;
	struct virtio_blk_outhdr hdr;
	uint64_t data;

	memset(r, 0, sizeof(*r));
	/*
	 * The status byte is the last device-writable byte ("Device
	 * Operation"); the driver frames the rest as it likes ("Message
	 * Framing"), so nothing here assumes one buffer per part.
	 */
	if (!c->in_len)
		return RV_BLK_NO_STATUS;
	{
		struct iovec last[1];

		rv_blk_iov_slice(in, c->nr_in, c->in_len - 1, 1, last);
		r->status = last[0].iov_base;
	}
	r->written = 1;
	if (c->out_len < RV_BLK_HDR_SIZE)
		return rv_blk_fail(r, VIRTIO_BLK_S_IOERR);
	rv_vq_iov_to_buf(c->iov, c->nr_out, 0, &hdr, sizeof(hdr));
	r->type = hdr.type;
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		data = r->type == VIRTIO_BLK_T_IN ? c->in_len - 1 : c->out_len - RV_BLK_HDR_SIZE;
		if (r->type == VIRTIO_BLK_T_OUT && g->ro)
			return rv_blk_fail(r, VIRTIO_BLK_S_IOERR);
		/* Whole sectors, inside the disk: the driver chose sector and length. */
		if (data % RV_BLK_SECTOR || !rv_blk_in_range(g, hdr.sector, data))
			return rv_blk_fail(r, VIRTIO_BLK_S_IOERR);
		r->offset = hdr.sector * RV_BLK_SECTOR;
		r->len = data;
		if (g->align && (r->offset % g->align || data % g->align))
			return rv_blk_fail(r, VIRTIO_BLK_S_IOERR);
		if (r->type == VIRTIO_BLK_T_IN) {
			r->nr_iov = rv_blk_iov_slice(in, c->nr_in, 0, data, iov);
			r->written += data;
		} else {
			r->nr_iov = rv_blk_iov_slice(c->iov, c->nr_out, RV_BLK_HDR_SIZE, data, iov);
		}
		return RV_BLK_SUBMIT;
	case VIRTIO_BLK_T_FLUSH:
		return RV_BLK_SUBMIT;
	case VIRTIO_BLK_T_GET_ID:
		data = c->in_len - 1;
		if (data > RV_BLK_ID_BYTES)
			data = RV_BLK_ID_BYTES;
		r->nr_iov = rv_blk_iov_slice(in, c->nr_in, 0, data, iov);
		r->len = data;
		r->written += data;
		return RV_BLK_SUBMIT;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return rv_blk_parse_segment(c, g, r);
	}
	return rv_blk_fail(r, VIRTIO_BLK_S_UNSUPP);
}
