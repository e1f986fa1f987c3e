// SPDX-License-Identifier: GPL-2.0
/* The state file's writer and checked reader (format.h). */
#include "format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "vmm/util.h"

uint32_t rv_snap_crc32(const void *data, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	/* zlib's crc32() takes a uInt length: feed it in pieces. */
	while (len) {
		uInt n = len > (1u << 30) ? 1u << 30 : (uInt)len;

		crc = crc32(crc, data, n);
		data = (const uint8_t *)data + n;
		len -= n;
	}
	return (uint32_t)crc;
}

/* A section's CRC: its header (with crc = 0), then its payload. */
static uint32_t rv_snap_sec_crc(const struct rv_snap_sec_hdr *s, const uint8_t *payload)
{
	struct rv_snap_sec_hdr h = *s;
	uLong crc;

	h.crc = 0;
	crc = crc32(0L, (const Bytef *)&h, sizeof(h));
	return (uint32_t)crc32_z(crc, payload, s->len);
}

static void rv_snap_put(struct rv_snap_buf *b, const void *p, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *d;

		while (cap < b->len + n)
			cap *= 2;
		if (cap > RV_SNAP_MAX_STATE) {
			b->err = rv_err(-EFBIG, "snapshot state over %llu MiB",
					RV_SNAP_MAX_STATE >> 20);
			return;
		}
		d = realloc(b->data, cap);
		if (!d) {
			b->err = rv_err(-ENOMEM, "out of memory for the snapshot state");
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	if (p)
		memcpy(b->data + b->len, p, n);
	else
		memset(b->data + b->len, 0, n);
	b->len += n;
}

void rv_snap_buf_init(struct rv_snap_buf *b, uint32_t arch, uint64_t mem_size, uint32_t nr_vcpus,
		      uint32_t page_size)
{
	struct rv_snap_header h = {
		.version = RV_SNAP_VERSION,
		.arch = arch,
		.header_size = sizeof(h),
		.mem_size = mem_size,
		.nr_vcpus = nr_vcpus,
		.page_size = page_size,
	};

	memset(b, 0, sizeof(*b));
	memcpy(h.magic, RV_SNAP_MAGIC, sizeof(h.magic));
	rv_snap_put(b, &h, sizeof(h));
}

void rv_snap_buf_free(struct rv_snap_buf *b)
{
	free(b->data);
	b->data = NULL;
}

void rv_snap_sec_begin(struct rv_snap_buf *b, uint32_t type, uint32_t index, uint32_t version)
{
	struct rv_snap_sec_hdr s = { .type = type, .index = index, .version = version };

	b->sec_start = b->len;
	rv_snap_put(b, &s, sizeof(s));
}

void rv_snap_sec_end(struct rv_snap_buf *b)
{
	struct rv_snap_sec_hdr *s;
	size_t start = b->sec_start + sizeof(*s);

	if (b->err)
		return;
	s = (struct rv_snap_sec_hdr *)(b->data + b->sec_start);
	s->len = b->len - start;
	s->crc = 0;
	s->crc = rv_snap_sec_crc(s, b->data + start);
	b->nr_sections++;
	rv_snap_put(b, NULL, RV_ALIGN_UP(b->len, 8) - b->len);
}

void rv_snap_rec(struct rv_snap_buf *b, uint32_t tag, const void *data, uint32_t len)
{
	struct rv_snap_rec_hdr r = { .tag = tag, .len = len };

	rv_snap_put(b, &r, sizeof(r));
	rv_snap_put(b, data, len);
	rv_snap_put(b, NULL, RV_ALIGN_UP(len, 8) - len);
}

int rv_snap_buf_finish(struct rv_snap_buf *b)
{
	struct rv_snap_header *h;

	if (b->err)
		return b->err;
	h = (struct rv_snap_header *)b->data;
	h->nr_sections = b->nr_sections;
	h->state_size = b->len;
	h->crc = 0;
	h->crc = rv_snap_crc32(h, sizeof(*h));
	return 0;
}

static const char *rv_snap_arch_name(uint32_t arch)
{
	return arch == RV_SNAP_ARCH_X86_64 ? "x86_64" : arch == RV_SNAP_ARCH_ARM64 ? "arm64" : NULL;
}

static int rv_snap_check_header(const uint8_t *buf, size_t size, uint32_t arch, const char *what,
				struct rv_snap_header *h)
{
	uint32_t crc;

	if (size < sizeof(*h))
		return rv_err(-EINVAL, "%s: truncated: %zu bytes, shorter than its header", what,
			      size);
	memcpy(h, buf, sizeof(*h));
	if (memcmp(h->magic, RV_SNAP_MAGIC, sizeof(h->magic)))
		return rv_err(-EINVAL, "%s: not a ringvmm snapshot (bad magic)", what);
	if (h->version != RV_SNAP_VERSION)
		return rv_err(-EINVAL, "%s: snapshot format version %u, this ringvmm reads %u",
			      what, h->version, RV_SNAP_VERSION);
	crc = h->crc;
	h->crc = 0;
	if (rv_snap_crc32(h, sizeof(*h)) != crc)
		return rv_err(-EINVAL, "%s: the header is corrupted (CRC mismatch)", what);
	h->crc = crc;
	if (h->header_size != sizeof(*h))
		return rv_err(-EINVAL, "%s: header of %u bytes, expected %zu", what, h->header_size,
			      sizeof(*h));
	if (h->arch != arch)
		return rv_err(-EINVAL, "%s: a snapshot of an %s guest, this is %s", what,
			      rv_snap_arch_name(h->arch) ? rv_snap_arch_name(h->arch) : "unknown",
			      rv_snap_arch_name(arch));
	if (h->state_size != size)
		return rv_err(-EINVAL, "%s: %s: %zu bytes, the header says %llu", what,
			      size < h->state_size ? "truncated" : "trailing bytes", size,
			      (unsigned long long)h->state_size);
	if (h->nr_sections > RV_SNAP_MAX_SECTIONS)
		return rv_err(-EINVAL, "%s: %u sections, at most %u", what, h->nr_sections,
			      RV_SNAP_MAX_SECTIONS);
	return 0;
}

int rv_snap_parse(const uint8_t *buf, size_t size, uint32_t arch, const char *what,
		  struct rv_snap *out)
{
	size_t off = sizeof(struct rv_snap_header);
	int ret;

	memset(out, 0, sizeof(*out));
	ret = rv_snap_check_header(buf, size, arch, what, &out->hdr);
	if (ret)
		return ret;
	out->secs = calloc(out->hdr.nr_sections ? out->hdr.nr_sections : 1, sizeof(*out->secs));
	if (!out->secs)
		return rv_err(-ENOMEM, "%s: out of memory", what);
	for (unsigned int i = 0; i < out->hdr.nr_sections; i++) {
		static const uint8_t rv_snap_zeros[8];
		struct rv_snap_sec_hdr s;
		size_t pad;
		struct rv_snap_section *sec = &out->secs[i];

		/* The file controls every length: checked against what is left. */
		if (size - off < sizeof(s)) {
			ret = rv_err(-EINVAL, "%s: truncated in section %u's header", what, i);
			goto out_free;
		}
		memcpy(&s, buf + off, sizeof(s));
		off += sizeof(s);
		if (s.len > size - off) {
			ret = rv_err(-EINVAL, "%s: section %u overruns the file", what, i);
			goto out_free;
		}
		if (rv_snap_sec_crc(&s, buf + off) != s.crc) {
			ret = rv_err(-EINVAL,
				     "%s: section %u (type %u) is corrupted (CRC mismatch)", what,
				     i, s.type);
			goto out_free;
		}
		*sec = (struct rv_snap_section){
			.type = s.type,
			.index = s.index,
			.version = s.version,
			.data = buf + off,
			.len = s.len,
		};
		off += s.len;
		/* Padding to 8 is not under the CRC: it must be there, and zero. */
		pad = RV_ALIGN_UP(off, 8) - off;
		if (pad > size - off || memcmp(buf + off, rv_snap_zeros, pad)) {
			ret = rv_err(-EINVAL, "%s: section %u's padding is %s", what, i,
				     pad > size - off ? "truncated" : "corrupted");
			goto out_free;
		}
		off += pad;
		out->nr++;
	}
	if (off != size) {
		ret = rv_err(-EINVAL, "%s: %zu bytes after the last section", what, size - off);
		goto out_free;
	}
	return 0;

out_free:
	rv_snap_free(out);
	return ret;
}

void rv_snap_free(struct rv_snap *s)
{
	free(s->secs);
	s->secs = NULL;
	s->nr = 0;
}

const struct rv_snap_section *rv_snap_find(const struct rv_snap *s, uint32_t type, uint32_t index)
{
	for (unsigned int i = 0; i < s->nr; i++)
		if (s->secs[i].type == type && s->secs[i].index == index)
			return &s->secs[i];
	return NULL;
}

int rv_snap_rec_find(const struct rv_snap_section *sec, uint32_t tag, const void **data,
		     uint32_t *len)
{
	uint64_t off = 0;

	while (off < sec->len) {
		struct rv_snap_rec_hdr r;
		uint64_t padded;

		if (sec->len - off < sizeof(r))
			return rv_err(-EINVAL, "snapshot section type %u: a truncated record",
				      sec->type);
		memcpy(&r, sec->data + off, sizeof(r));
		off += sizeof(r);
		padded = RV_ALIGN_UP((uint64_t)r.len, 8);
		if (r.len > sec->len - off)
			return rv_err(-EINVAL, "snapshot section type %u: record %u overruns it",
				      sec->type, r.tag);
		if (r.tag == tag) {
			*data = sec->data + off;
			*len = r.len;
			return 0;
		}
		off += padded > sec->len - off ? sec->len - off : padded;
	}
	return -ENOENT;
}

int rv_snap_rec_get(const struct rv_snap_section *sec, uint32_t tag, void *out, uint32_t len)
{
	const void *p;
	uint32_t n;
	int ret = rv_snap_rec_find(sec, tag, &p, &n);

	if (ret == -ENOENT)
		return rv_err(-EINVAL, "snapshot section type %u index %u: no record %u", sec->type,
			      sec->index, tag);
	if (ret)
		return ret;
	if (n != len)
		return rv_err(-EINVAL,
			      "snapshot section type %u index %u: record %u of %u bytes, expected %u",
			      sec->type, sec->index, tag, n, len);
	memcpy(out, p, len);
	return 0;
}
