// SPDX-License-Identifier: GPL-2.0
/*
 * What leaves a virtio-blk device besides I/O (virtio-blk-dev.h): its
 * --stats, its state in a snapshot, and the image's fd a live update
 * hands to the next process. virtio-blk.c has the queues.
 */
#include "virtio-blk-dev.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vmm/stats.h"
#include "vmm/util.h"

void rv_blk_stats(struct rv_device *dev, struct rv_stats_sink *s)
{
	struct rv_blk *b = dev->priv;

	pthread_mutex_lock(&b->t.lock);
	rv_stats_str(s, "path", b->spec.path);
	rv_stats_u64(s, "read_only", b->spec.ro);
	rv_stats_str(s, "cache", b->spec.direct ? "none" : "writeback");
	rv_stats_u64(s, "queues", b->t.nr_queues);
	rv_stats_u64(s, "requests", b->stats.requests);
	rv_stats_u64(s, "read_bytes", b->stats.read_bytes);
	rv_stats_u64(s, "write_bytes", b->stats.write_bytes);
	rv_stats_u64(s, "flushes", b->stats.flushes);
	rv_stats_u64(s, "discards", b->stats.discards);
	rv_stats_u64(s, "errors", b->stats.errors);
	rv_stats_u64(s, "inline_writes", b->stats.inline_writes);
	rv_stats_u64(s, "inflight", b->t.inflight);
	rv_stats_u64(s, "inflight_high_water", b->stats.inflight_high);
	rv_stats_u64(s, "inflight_at_exit", b->stats.inflight_at_exit);
	rv_stats_u64(s, "cancelled_at_exit", b->stats.cancelled_at_exit);
	rv_stats_u64(s, "snapshot_quiesced", b->stats.snapshot_quiesced);
	pthread_mutex_unlock(&b->t.lock);
	rv_virtio_stats_put(&b->t, s);
}

/*
 * Snapshots. The device is quiesced first: with every vCPU parked no
 * request starts, and those in flight are completed into the guest's rings
 * (their interrupt is part of the saved state), waiting at most
 * RV_BLK_QUIESCE_NS; past that the snapshot fails rather than lose a
 * request the guest is waiting for. The image is not part of the snapshot:
 * the restoring command line names it (--disk), and it must be the one
 * the guest was using, unchanged since; its size is checked.
 */
#define RV_BLK_QUIESCE_NS (5ULL * 1000000000ULL)

struct rv_blk_state {
	uint64_t sectors;
};

/* Lock held: complete every request in flight, or -EBUSY after the wait. */
static int rv_blk_quiesce(struct rv_blk *b)
{
	struct __kernel_timespec tick = { .tv_nsec = 100 * 1000000 };
	uint64_t deadline = rv_now_ns() + RV_BLK_QUIESCE_NS;
	unsigned int before = b->t.inflight;
	struct io_uring_cqe *cqe;

	io_uring_submit(&b->ring);
	while (b->t.inflight && rv_now_ns() < deadline) {
		if (io_uring_wait_cqe_timeout(&b->ring, &cqe, &tick))
			continue;
		rv_blk_reap(b);
	}
	if (b->t.inflight < before)
		b->stats.snapshot_quiesced += before - b->t.inflight;
	if (b->t.inflight)
		return rv_err(-EBUSY, "%s: %u requests still in flight after %llu s", b->dev.name,
			      b->t.inflight, RV_BLK_QUIESCE_NS / 1000000000ULL);
	/* What the guest was told is written is on the disk with the snapshot. */
	if (!b->spec.ro && fdatasync(b->img.fd))
		return rv_err(-errno, "%s: fdatasync: %s", b->dev.name, strerror(errno));
	return 0;
}

int rv_blk_save(struct rv_device *dev, void *buf, size_t size)
{
	struct rv_blk *b = dev->priv;
	struct rv_blk_state st = { .sectors = b->img.geom.sectors };
	int ret;

	pthread_mutex_lock(&b->t.lock);
	ret = rv_blk_quiesce(b);
	if (!ret)
		ret = rv_virtio_save(&b->t, buf, size, NULL, &st, sizeof(st));
	pthread_mutex_unlock(&b->t.lock);
	return ret;
}

int rv_blk_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version)
{
	struct rv_blk *b = dev->priv;
	struct rv_blk_state st;
	int ret;

	pthread_mutex_lock(&b->t.lock);
	ret = rv_virtio_load(&b->t, buf, len, version, &st, sizeof(st));
	if (!ret && st.sectors != b->img.geom.sectors)
		ret = rv_err(-EINVAL, "%s: the disk had %llu bytes, %s has %llu", dev->name,
			     (unsigned long long)st.sectors * 512, b->spec.path,
			     (unsigned long long)b->img.geom.sectors * 512);
	if (!ret)
		rv_virtio_restored(&b->t);
	pthread_mutex_unlock(&b->t.lock);
	return ret;
}

/*
 * A live update: the image's open file crosses (save() above quiesced it:
 * nothing in flight, written data synced), with its OFD lock and its
 * O_DIRECT; the new process does not open the path again.
 */
int rv_blk_handover(struct rv_device *dev, int *fds, unsigned int max)
{
	struct rv_blk *b = dev->priv;

	if (!max)
		return -ENOSPC;
	fds[0] = b->img.fd;
	return 1;
}
