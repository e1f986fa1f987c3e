/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk's device state, shared by virtio-blk.c (the queues and the
 * I/O on io_uring) and virtio-blk-state.c (its stats, snapshot state and
 * live-update handover). Nothing outside these two includes it.
 */
#ifndef RV_VIRTIO_BLK_DEV_H
#define RV_VIRTIO_BLK_DEV_H

#include <linux/virtio_blk.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "devices/virtio-blk.h"
#include "devices/virtio/transport.h"
#include "vmm/device.h"
#include "vmm/util.h"

struct rv_blk;

struct rv_blk_req {
	struct rv_blk *blk;
	uint16_t queue;
	bool busy;
	uint32_t generation;
	struct rv_blk_req_info info;
	uint64_t done; /* bytes transferred so far (short reads/writes) */
	void *bounce;  /* cache=none: an aligned copy of misaligned guest buffers */
	unsigned int nr_iov;
	struct iovec iov[RV_VQ_MAX_SIZE];
	struct rv_vq_chain chain;
};

struct rv_blk_stats {
	uint64_t requests, read_bytes, write_bytes, flushes, discards, errors;
	uint64_t inline_writes; /* done on the loop thread (mem_fs) */
	unsigned int inflight_high;
	/* When the VM stopped: requests in flight, and how many were cancelled. */
	unsigned int inflight_at_exit, cancelled_at_exit;
	uint64_t snapshot_quiesced; /* requests a snapshot waited for and completed */
};

struct rv_blk {
	struct rv_device dev;
	struct rv_virtio t;
	struct rv_blk_spec spec;
	struct rv_blk_image img; /* the open image, its geometry (virtio-blk-image.c) */
	struct io_uring ring;
	bool ring_ready;
	struct __kernel_timespec latency; /* latency=MS */
	struct rv_loop_watch ring_watch;
	struct virtio_blk_config config;
	struct rv_blk_req *reqs; /* RV_VQ_MAX_SIZE per queue */
	unsigned int nr_reqs;
	struct rv_blk_stats stats;
};

/* Lock held: answer every completion the disk's ring has. */
void rv_blk_reap(struct rv_blk *b);

/* virtio-blk-state.c: the device's ops besides I/O. */
struct rv_stats_sink;
void rv_blk_stats(struct rv_device *dev, struct rv_stats_sink *s);
int rv_blk_save(struct rv_device *dev, void *buf, size_t size);
int rv_blk_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version);
int rv_blk_handover(struct rv_device *dev, int *fds, unsigned int max);

#endif
