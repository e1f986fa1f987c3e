/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk (virtio 1.2, "Block Device"): the pure parts, unit-tested
 * without a disk or a guest. The --disk value, and one request taken
 * apart from its descriptor chain: the header (type, sector), the data
 * buffers and the status byte, with every guest-chosen number checked
 * against the disk.
 */
#ifndef RV_VIRTIO_BLK_H
#define RV_VIRTIO_BLK_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "devices/virtio/virtqueue.h"

#define RV_BLK_SECTOR 512ULL
/* Every request starts with a 16-byte header: type, reserved, sector. */
#define RV_BLK_HDR_SIZE 16
/* The GET_ID string: 20 bytes, NUL-padded, not necessarily terminated. */
#define RV_BLK_ID_BYTES 20
/* DISCARD / WRITE_ZEROES: one segment per request, this many sectors at most. */
#define RV_BLK_MAX_DISCARD_SECTORS (1U << 22) /* 2 GiB */

/* --disk PATH[,ro][,cache=none|writeback][,queues=N][,latency=MS] */
struct rv_blk_spec {
	char path[PATH_MAX];
	bool ro;
	bool direct;		/* cache=none: O_DIRECT */
	unsigned int nr_queues; /* 0: one per vCPU */
	/* A slow disk, for tests: each request waits this long first. */
	unsigned int latency_ms;
};

#define RV_BLK_MAX_LATENCY_MS 10000

/*
 * Parse a --disk value. 0, or -EINVAL with a one-line message about the
 * value (the CLI prefixes the option and value). Checks nothing on the host.
 */
int rv_blk_parse_spec(const char *arg, struct rv_blk_spec *spec);

/* What the device knows of the disk, for checking requests. */
struct rv_blk_geom {
	uint64_t sectors; /* capacity */
	bool ro;
	/* cache=none: data must be aligned to this (memory, offset, length). */
	unsigned int align;
};

/* cache=none: O_DIRECT wants this alignment of memory, offsets and lengths. */
#define RV_BLK_DIRECT_ALIGN 4096

/* A --disk's host side (virtio-blk-image.c). */
struct rv_blk_image {
	int fd;
	bool mem_fs; /* on tmpfs or ramfs: the device writes inline */
	struct rv_blk_geom geom;
	char serial[RV_BLK_ID_BYTES]; /* GET_ID: stable for the same file */
};

struct rv_device_env;

/*
 * Open @spec's image into @img: a regular file or a block device,
 * read-only for ,ro, O_DIRECT for cache=none, and an OFD lock like QEMU's
 * so that two VMMs never write one image (shared for ,ro, exclusive
 * otherwise). In a live update's new process, the file the previous one
 * handed over (rv_device_adopt_fds()) instead, its lock still held. 0, or
 * a negative errno with one message naming the path; @img->fd, when not
 * -1, is the caller's to close either way.
 */
int rv_blk_image_open(struct rv_blk_image *img, const struct rv_blk_spec *spec,
		      struct rv_device_env *env);

enum rv_blk_parse_result {
	RV_BLK_SUBMIT = 0, /* valid: hand it to the host */
	RV_BLK_DONE,	   /* complete now with req->status (error, GET_ID) */
	RV_BLK_NO_STATUS,  /* not even a status byte: complete with nothing written */
};

struct rv_blk_req_info {
	uint32_t type;	 /* VIRTIO_BLK_T_* */
	uint8_t *status; /* the status byte in guest memory, or NULL */
	uint8_t status_value;
	uint64_t offset, len; /* bytes on the disk */
	/* READ/WRITE data (without header and status), GET_ID's buffer. */
	unsigned int nr_iov;
	uint32_t unmap;	  /* WRITE_ZEROES: VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP */
	uint32_t written; /* bytes the device writes into the chain on success */
};

/*
 * Take apart the chain @c for a disk @g: the request's data buffers go
 * to @iov (room for RV_VQ_MAX_SIZE). The guest controls every byte of
 * the chain: a short header, a request past the end of the disk (sector
 * arithmetic overflow included), a length that is not whole sectors, a
 * write to a read-only disk are RV_BLK_DONE with VIRTIO_BLK_S_IOERR; an
 * unknown type VIRTIO_BLK_S_UNSUPP.
 */
enum rv_blk_parse_result rv_blk_parse_req(const struct rv_vq_chain *c, const struct rv_blk_geom *g,
					  struct rv_blk_req_info *r, struct iovec *iov);

/* Drop the first @n bytes of an iovec array in place; returns the new count. */
unsigned int rv_blk_iov_advance(struct iovec *iov, unsigned int nr, uint64_t n);

#endif
