/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The snapshot's state file (docs/snapshot.md): a header, then sections,
 * each with its own CRC-32. Little-endian (both arches ringvmm runs on).
 *
 *   struct rv_snap_header        magic, format version, arch, sizes, CRC
 *   { struct rv_snap_sec_hdr     type, index, payload version, length, CRC
 *     payload }...               nr_sections of them, 8-byte aligned
 *
 * A payload is a sequence of records (rv_snap_rec_*): a tag, a length,
 * the bytes, so an arch or device can add a record without a new format
 * version, and a reader finds what it needs by tag.
 *
 * The reader trusts nothing in the file: every length is checked against
 * what is left, every CRC is checked before anything is used, and any
 * failure is one message naming the file and what is wrong.
 */
#ifndef RV_SNAPSHOT_FORMAT_H
#define RV_SNAPSHOT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RV_SNAP_MAGIC "RVMSNAP\n"
#define RV_SNAP_VERSION 1
/* The largest state file read back: vCPUs' XSAVE areas and devices, not RAM. */
#define RV_SNAP_MAX_STATE (64ULL << 20)
#define RV_SNAP_MAX_SECTIONS 4096

enum rv_snap_arch { RV_SNAP_ARCH_X86_64 = 1, RV_SNAP_ARCH_ARM64 = 2 };

struct rv_snap_header {
	char magic[8];
	uint32_t version;
	uint32_t arch;	      /* enum rv_snap_arch */
	uint32_t header_size; /* sizeof(struct rv_snap_header) */
	uint32_t nr_sections;
	uint64_t mem_size; /* guest RAM bytes: the memory file's size */
	uint32_t nr_vcpus;
	uint32_t page_size;  /* of the host that wrote the memory file */
	uint64_t state_size; /* the whole state file, header included */
	uint32_t reserved[3];
	uint32_t crc; /* CRC-32 of this header with crc = 0 */
};

enum rv_snap_sec_type {
	RV_SNAP_SEC_VM = 1,	/* the arch's VM-wide state (irqchips, clocks) */
	RV_SNAP_SEC_VCPU = 2,	/* one vCPU's registers; index: the vCPU */
	RV_SNAP_SEC_DEVICE = 3, /* one device; index: its place in the device list */
};

struct rv_snap_sec_hdr {
	uint32_t type; /* enum rv_snap_sec_type */
	uint32_t index;
	uint32_t version; /* of the payload, its writer's */
	uint32_t crc;	  /* CRC-32 of this header (crc = 0), then the payload */
	uint64_t len;	  /* payload bytes (padding to 8 not counted) */
};

/* A record inside a payload. */
struct rv_snap_rec_hdr {
	uint32_t tag;
	uint32_t len;
};

/* ---- writing: a growing buffer; the first failure sticks in @err ---- */

struct rv_snap_buf {
	uint8_t *data;
	size_t len, cap;
	int err;
	size_t sec_start; /* offset of the open section's header */
	uint32_t nr_sections;
};

void rv_snap_buf_init(struct rv_snap_buf *b, uint32_t arch, uint64_t mem_size, uint32_t nr_vcpus,
		      uint32_t page_size);
void rv_snap_buf_free(struct rv_snap_buf *b);
void rv_snap_sec_begin(struct rv_snap_buf *b, uint32_t type, uint32_t index, uint32_t version);
void rv_snap_sec_end(struct rv_snap_buf *b);
void rv_snap_rec(struct rv_snap_buf *b, uint32_t tag, const void *data, uint32_t len);
/* Fill in the header (count, size, CRC): the buffer is the file. 0 or b->err. */
int rv_snap_buf_finish(struct rv_snap_buf *b);

/* ---- reading ---- */

struct rv_snap_section {
	uint32_t type, index, version;
	const uint8_t *data;
	uint64_t len;
};

struct rv_snap {
	struct rv_snap_header hdr;
	struct rv_snap_section *secs;
	unsigned int nr;
};

/*
 * Check @buf (@size bytes, the file @what) as a state file for @arch and
 * index its sections (pointing into @buf). 0, or -EINVAL with one message
 * (truncated, bad magic, other version, other arch, CRC mismatch...).
 */
int rv_snap_parse(const uint8_t *buf, size_t size, uint32_t arch, const char *what,
		  struct rv_snap *out);
void rv_snap_free(struct rv_snap *s);
/* The section @type/@index, or NULL. */
const struct rv_snap_section *rv_snap_find(const struct rv_snap *s, uint32_t type, uint32_t index);
/*
 * Record @tag of @sec: 0 with *data, *len; -ENOENT when absent; -EINVAL
 * with a message when the records overrun the payload.
 */
int rv_snap_rec_find(const struct rv_snap_section *sec, uint32_t tag, const void **data,
		     uint32_t *len);
/* Record @tag, exactly @len bytes, copied to @out: 0 or -EINVAL with a message. */
int rv_snap_rec_get(const struct rv_snap_section *sec, uint32_t tag, void *out, uint32_t len);

uint32_t rv_snap_crc32(const void *data, size_t len);

#endif
