// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk (virtio 1.2, "Block Device") on io_uring: a raw image file or
 * block device, `--disk PATH[,ro][,cache=none][,queues=N][,latency=MS]`.
 *
 * Each disk has its own io_uring; the event loop polls its fd. Requests are
 * popped on the loop thread when a queue is notified, and each becomes one
 * SQE (readv, writev, fsync, fallocate) with the guest's buffers as its
 * iovecs, so the host kernel moves the data and many requests are in
 * flight at once; nothing waits. A completion writes the status byte and
 * the used ring and interrupts the driver if it wants. Requests complete in
 * whatever order the host finishes them, which the spec allows: the driver
 * orders what it needs (it waits for writes before a FLUSH).
 *
 * One exception to "nothing waits": a write to an image on a memory file
 * system (tmpfs, ramfs) is done inline on the loop thread (pwritev): it
 * cannot wait for a disk, and io_uring would hand it to an io-wq worker
 * (such file systems take no non-blocking buffered writes on 6.1), one
 * more thread switch per request than the copy costs.
 *
 * A short read or write is continued from where it stopped; a host error
 * becomes VIRTIO_BLK_S_IOERR for that request, and reading past the end of
 * a file that shrank under us is an error, not an endless retry.
 */
#include "virtio-blk-dev.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vmm/util.h"

/* How long a stopping VM waits for the host to cancel or finish requests. */
#define RV_BLK_STOP_WAIT_NS (2ULL * 1000000000ULL)

static struct rv_blk *rv_blk_of(struct rv_virtio *t)
{
	return rv_container_of(t, struct rv_blk, t);
}

static struct rv_blk_req *rv_blk_req_get(struct rv_blk *b, unsigned int q)
{
	struct rv_blk_req *r = b->reqs + (size_t)q * RV_VQ_MAX_SIZE;

	/* A queue has at most its size (<= RV_VQ_MAX_SIZE) chains popped. */
	for (unsigned int i = 0; i < RV_VQ_MAX_SIZE; i++)
		if (!r[i].busy)
			return &r[i];
	return NULL;
}

/* Lock held: the status byte, the used ring, maybe an interrupt. */
static void rv_blk_complete(struct rv_blk *b, struct rv_blk_req *r, uint8_t status)
{
	struct rv_virtio *t = &b->t;
	struct rv_vq *vq = &t->q[r->queue].vq;
	uint32_t written = r->info.written;

	if (status != VIRTIO_BLK_S_OK) {
		b->stats.errors++;
		written = r->info.status ? 1 : 0;
	}
	if (r->bounce) {
		if (status == VIRTIO_BLK_S_OK && r->info.type == VIRTIO_BLK_T_IN)
			rv_vq_buf_to_iov(r->chain.iov + r->chain.nr_out, r->chain.nr_in, 0,
					 r->bounce, r->info.len);
		free(r->bounce);
		r->bounce = NULL;
	}
	r->busy = false;
	/*
	 * Started before a reset, or its queue was disabled since (QueueReady
	 * 0): its rings and status byte are not ours any more.
	 */
	if (r->generation != t->generation || !vq->started)
		return;
	if (r->info.status)
		*r->info.status = status;
	if (rv_vq_push(vq, r->chain.head, written))
		rv_virtio_queue_broken(t, r->queue);
	else
		rv_virtio_used(t, r->queue);
}

static struct io_uring_sqe *rv_blk_sqe(struct rv_blk *b)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);

	if (!sqe) {
		io_uring_submit(&b->ring);
		sqe = io_uring_get_sqe(&b->ring);
	}
	return sqe;
}

/* Queue the host operation for @r (again, after a short transfer). */
static int rv_blk_submit(struct rv_blk *b, struct rv_blk_req *r)
{
	struct io_uring_sqe *sqe = rv_blk_sqe(b);
	uint64_t off = r->info.offset + r->done;
	int mode;

	if (!sqe)
		return -EBUSY; /* cannot happen: the ring holds every request */
	/*
	 * latency=MS: a timeout linked ahead of the request's first SQE; with
	 * IORING_TIMEOUT_ETIME_SUCCESS its expiry starts the request rather
	 * than cancelling it. Its own completion carries no request (NULL).
	 */
	if (b->spec.latency_ms && !r->done) {
		io_uring_prep_timeout(sqe, &b->latency, 0, IORING_TIMEOUT_ETIME_SUCCESS);
		io_uring_sqe_set_data(sqe, NULL);
		sqe->flags |= IOSQE_IO_LINK;
		sqe = rv_blk_sqe(b);
		if (!sqe)
			return -EBUSY;
	}
	switch (r->info.type) {
	case VIRTIO_BLK_T_IN:
		io_uring_prep_readv(sqe, b->img.fd, r->iov, r->nr_iov, off);
		break;
	case VIRTIO_BLK_T_OUT:
		io_uring_prep_writev(sqe, b->img.fd, r->iov, r->nr_iov, off);
		break;
	case VIRTIO_BLK_T_FLUSH:
		/* A completed flush means the data is on stable storage: fsync. */
		io_uring_prep_fsync(sqe, b->img.fd, 0);
		break;
	default: /* DISCARD, WRITE_ZEROES: the range was checked by the parser */
		mode = r->info.type == VIRTIO_BLK_T_DISCARD || r->info.unmap ?
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE :
			       FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
		io_uring_prep_fallocate(sqe, b->img.fd, mode, r->info.offset, r->info.len);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
	return 0;
}

/* cache=none with guest buffers O_DIRECT cannot take: one aligned copy. */
static int rv_blk_bounce(struct rv_blk_req *r)
{
	bool aligned = true;

	for (unsigned int i = 0; i < r->nr_iov; i++)
		if ((uintptr_t)r->iov[i].iov_base % RV_BLK_DIRECT_ALIGN ||
		    r->iov[i].iov_len % RV_BLK_DIRECT_ALIGN)
			aligned = false;
	if (aligned || !r->info.len)
		return 0;
	if (posix_memalign(&r->bounce, RV_BLK_DIRECT_ALIGN, r->info.len))
		return -ENOMEM;
	if (r->info.type == VIRTIO_BLK_T_OUT)
		rv_vq_iov_to_buf(r->chain.iov, r->chain.nr_out, RV_BLK_HDR_SIZE, r->bounce,
				 r->info.len);
	r->iov[0] = (struct iovec){ r->bounce, r->info.len };
	r->nr_iov = 1;
	return 0;
}

static void rv_blk_on_cqe(struct rv_blk *b, struct rv_blk_req *r, int res);

/*
 * Lock held: a write to an image on a memory file system, done now
 * (mem_fs); its result goes where a CQE's would (a short one continues on
 * the ring). False: not such a write, submit it.
 */
static bool rv_blk_write_inline(struct rv_blk *b, struct rv_blk_req *r)
{
	ssize_t n;

	if (!b->img.mem_fs || r->info.type != VIRTIO_BLK_T_OUT || b->spec.latency_ms)
		return false;
	b->t.inflight++;
	if (b->t.inflight > b->stats.inflight_high)
		b->stats.inflight_high = b->t.inflight;
	b->stats.inline_writes++;
	n = pwritev(b->img.fd, r->iov, r->nr_iov, r->info.offset);
	rv_blk_on_cqe(b, r, n < 0 ? -errno : (int)n);
	return true;
}

/* Lock held: start the request just popped into @r. */
static void rv_blk_start(struct rv_blk *b, struct rv_blk_req *r)
{
	struct rv_virtio *t = &b->t;
	enum rv_blk_parse_result res;

	r->busy = true;
	r->generation = t->generation;
	r->done = 0;
	b->stats.requests++;
	res = rv_blk_parse_req(&r->chain, &b->img.geom, &r->info, r->iov);
	r->nr_iov = r->info.nr_iov;
	if (res == RV_BLK_NO_STATUS) {
		rv_warn("%s: a request without a status byte", b->dev.name);
		rv_blk_complete(b, r, VIRTIO_BLK_S_IOERR);
		return;
	}
	if (res == RV_BLK_DONE) {
		rv_blk_complete(b, r, r->info.status_value);
		return;
	}
	if (r->info.type == VIRTIO_BLK_T_GET_ID) {
		rv_vq_buf_to_iov(r->iov, r->nr_iov, 0, b->img.serial, r->info.len);
		rv_blk_complete(b, r, VIRTIO_BLK_S_OK);
		return;
	}
	if (b->spec.direct && rv_blk_bounce(r)) {
		rv_blk_complete(b, r, VIRTIO_BLK_S_IOERR);
		return;
	}
	if (rv_blk_write_inline(b, r))
		return;
	if (rv_blk_submit(b, r)) {
		rv_blk_complete(b, r, VIRTIO_BLK_S_IOERR);
		return;
	}
	t->inflight++;
	if (t->inflight > b->stats.inflight_high)
		b->stats.inflight_high = t->inflight;
}

/* Lock held: one CQE for @r. */
static void rv_blk_on_cqe(struct rv_blk *b, struct rv_blk_req *r, int res)
{
	bool rw = r->info.type == VIRTIO_BLK_T_IN || r->info.type == VIRTIO_BLK_T_OUT;

	if (res == -EAGAIN || res == -EINTR) {
		if (!rv_blk_submit(b, r))
			return;
		res = -EIO;
	}
	if (res < 0) {
		rv_debug("%s: %s at %" PRIu64 ": %s", b->dev.name,
			 r->info.type == VIRTIO_BLK_T_IN ? "read" : "write", r->info.offset,
			 strerror(-res));
		goto out_done;
	}
	if (rw) {
		if (r->info.type == VIRTIO_BLK_T_IN)
			b->stats.read_bytes += res;
		else
			b->stats.write_bytes += res;
		r->done += res;
		if (r->done < r->info.len) {
			/* Short: go on from there; 0 bytes is the end of a shrunk file. */
			if (!res)
				goto out_err;
			r->nr_iov = rv_blk_iov_advance(r->iov, r->nr_iov, res);
			if (!rv_blk_submit(b, r))
				return;
			goto out_err;
		}
	} else if (r->info.type == VIRTIO_BLK_T_FLUSH) {
		b->stats.flushes++;
	} else {
		b->stats.discards++;
	}
	b->t.inflight--;
	rv_blk_complete(b, r, VIRTIO_BLK_S_OK);
	rv_virtio_request_done(&b->t);
	return;

out_err:
	res = -EIO;
out_done:
	b->t.inflight--;
	rv_blk_complete(b, r, VIRTIO_BLK_S_IOERR);
	rv_virtio_request_done(&b->t);
}

void rv_blk_reap(struct rv_blk *b)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(&b->ring, head, cqe)
	{
		struct rv_blk_req *r = io_uring_cqe_get_data(cqe);

		if (r) /* NULL: a latency=MS timeout's own completion */
			rv_blk_on_cqe(b, r, cqe->res);
		n++;
	}
	if (!n)
		return;
	io_uring_cq_advance(&b->ring, n);
	io_uring_submit(&b->ring); /* continuations of short transfers */
}

static void rv_blk_queue_notify(struct rv_virtio *t, unsigned int q)
{
	struct rv_blk *b = rv_blk_of(t);
	struct rv_vq *vq = &t->q[q].vq;

	do {
		struct rv_blk_req *r;

		while ((r = rv_blk_req_get(b, q))) {
			r->queue = q;
			if (rv_vq_pop(vq, &r->chain) <= 0)
				break;
			rv_blk_start(b, r);
		}
		/*
		 * No free request cannot happen (a queue never has more than
		 * its size popped); if it did, completions run the queue again.
		 */
		if (!r)
			break;
		/* Ask for the next kick, and re-check the ring before idling. */
	} while (!rv_vq_broken(vq) && rv_vq_enable_notify(vq));
	io_uring_submit(&b->ring);
	/*
	 * What the submit completed inline (a read from the page cache, a
	 * write into it) is answered now, not after another trip through
	 * the loop's poll of the ring: one wake-up per request, not two.
	 */
	rv_blk_reap(b);
}

/* Loop thread: the disk's ring has completions. */
static void rv_blk_on_ring(void *opaque, int res)
{
	struct rv_blk *b = opaque;

	if (res < 0)
		return;
	pthread_mutex_lock(&b->t.lock);
	rv_blk_reap(b);
	pthread_mutex_unlock(&b->t.lock);
}

/* The driver reset the device: the transport waits for t->inflight. */
static void rv_blk_reset(struct rv_virtio *t)
{
	struct rv_blk *b = rv_blk_of(t);

	/* Whatever is queued but not yet submitted goes now, so it can finish. */
	io_uring_submit(&b->ring);
}

static const struct rv_virtio_dev_ops rv_blk_virtio_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.queue_notify = rv_blk_queue_notify,
	.reset = rv_blk_reset,
};

/*
 * The VM stopped with requests in flight (a guest that powered off while
 * writing): the loop reaps no more and the guest will never read a
 * completion, so none is written into its memory. What the host has not
 * started is cancelled (IORING_ASYNC_CANCEL_ANY), the rest is waited for,
 * so that no host operation still uses guest memory when it is unmapped.
 * A write the guest was not told about is one lost at a power cut, which
 * its journal copes with; a flush it was told about had completed.
 */
static void rv_blk_stop(struct rv_device *dev)
{
	struct rv_blk *b = dev->priv;
	struct __kernel_timespec tick = { .tv_nsec = 100 * 1000000 };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	uint64_t deadline;

	pthread_mutex_lock(&b->t.lock);
	b->stats.inflight_at_exit = b->t.inflight;
	if (b->t.inflight && (sqe = rv_blk_sqe(b))) {
		/* Before Linux 5.19 this fails with -EINVAL: then we only wait. */
		io_uring_prep_cancel(sqe, NULL, IORING_ASYNC_CANCEL_ANY);
		io_uring_sqe_set_data(sqe, NULL);
	}
	io_uring_submit(&b->ring);
	deadline = rv_now_ns() + RV_BLK_STOP_WAIT_NS;
	while (b->t.inflight && rv_now_ns() < deadline) {
		struct rv_blk_req *r;

		if (io_uring_wait_cqe_timeout(&b->ring, &cqe, &tick))
			continue;
		r = io_uring_cqe_get_data(cqe);
		if (r && r->busy) { /* NULL: the cancel's own completion */
			b->stats.cancelled_at_exit += cqe->res == -ECANCELED;
			free(r->bounce);
			r->bounce = NULL;
			r->busy = false;
			b->t.inflight--;
		}
		io_uring_cqe_seen(&b->ring, cqe);
	}
	if (b->t.inflight)
		rv_warn("%s: %u requests still in flight at exit", b->dev.name, b->t.inflight);
	pthread_mutex_unlock(&b->t.lock);
}

static void rv_blk_destroy(struct rv_device *dev)
{
	struct rv_blk *b = dev->priv;

	rv_virtio_fini(&b->t);
	if (b->ring_ready) {
		rv_loop_remove(&b->ring_watch);
		io_uring_queue_exit(&b->ring);
	}
	if (b->img.fd >= 0)
		close(b->img.fd);
	for (unsigned int i = 0; b->reqs && i < b->nr_reqs; i++)
		free(b->reqs[i].bounce);
	free(b->reqs);
	free(b);
}

static const struct rv_device_ops rv_blk_ops = {
	.stats = rv_blk_stats,
	.stop = rv_blk_stop,
	.destroy = rv_blk_destroy,
	.state_version = RV_VIRTIO_STATE_VERSION,
	.save = rv_blk_save,
	.load = rv_blk_load,
	.handover = rv_blk_handover,
};

static void rv_blk_fill_config(struct rv_blk *b)
{
	struct virtio_blk_config *c = &b->config;

	c->capacity = b->img.geom.sectors;
	/* header + data + status: every chain fits the longest we accept. */
	c->seg_max = RV_VQ_MAX_SIZE - 2;
	c->blk_size = b->spec.direct ? RV_BLK_DIRECT_ALIGN : RV_BLK_SECTOR;
	c->num_queues = b->t.nr_queues;
	c->max_discard_sectors = RV_BLK_MAX_DISCARD_SECTORS;
	c->max_discard_seg = 1;
	c->discard_sector_alignment = c->blk_size / RV_BLK_SECTOR;
	c->max_write_zeroes_sectors = RV_BLK_MAX_DISCARD_SECTORS;
	c->max_write_zeroes_seg = 1;
	c->write_zeroes_may_unmap = 1;
}

static int rv_blk_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	uint64_t features = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
			    (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_MQ);
	unsigned int nr_queues;
	struct rv_blk *b;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->img.fd = -1;
	b->dev.priv = b;
	b->dev.ops = &rv_blk_ops;
	snprintf(b->dev.name, sizeof(b->dev.name), "%s", cfg->name);
	ret = rv_blk_parse_spec(cfg->args ? cfg->args : "", &b->spec);
	if (ret)
		goto out_free;
	ret = rv_blk_image_open(&b->img, &b->spec, env);
	if (ret)
		goto out_free;
	b->latency.tv_sec = b->spec.latency_ms / 1000;
	b->latency.tv_nsec = (b->spec.latency_ms % 1000) * 1000000LL;
	features |= b->spec.ro ?
			    1ULL << VIRTIO_BLK_F_RO :
			    (1ULL << VIRTIO_BLK_F_DISCARD) | (1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	/* One queue per vCPU by default, so vCPUs do not share one ring. */
	nr_queues = b->spec.nr_queues ? b->spec.nr_queues : env->nr_cpus ? env->nr_cpus : 1;
	if (nr_queues > RV_VIRTIO_MAX_QUEUES)
		nr_queues = RV_VIRTIO_MAX_QUEUES;
	b->reqs = calloc((size_t)nr_queues * RV_VQ_MAX_SIZE, sizeof(*b->reqs));
	if (!b->reqs) {
		ret = -ENOMEM;
		goto out_free;
	}
	b->nr_reqs = nr_queues * RV_VQ_MAX_SIZE;
	for (unsigned int i = 0; i < b->nr_reqs; i++)
		b->reqs[i].blk = b;
	/* Room for every request of every queue: a get_sqe never fails. */
	ret = io_uring_queue_init(nr_queues * RV_VQ_MAX_SIZE, &b->ring, 0);
	if (ret) {
		ret = rv_err(ret, "%s: io_uring_queue_init: %s", cfg->name, strerror(-ret));
		goto out_free;
	}
	b->ring_ready = true;
	b->config.num_queues = nr_queues;
	ret = rv_virtio_init(&b->t, env, cfg, &b->dev, &rv_blk_virtio_ops, features, nr_queues,
			     &b->config, sizeof(b->config));
	if (ret)
		goto out_ring;
	rv_blk_fill_config(b);
	if (env->loop) {
		ret = rv_loop_add_fd(env->loop, &b->ring_watch, b->ring.ring_fd, POLLIN,
				     rv_blk_on_ring, b, b->dev.name);
		if (ret)
			goto out_virtio;
	}
	rv_device_add(env, &b->dev);
	rv_debug("%s: %s, %" PRIu64 " sectors%s%s, %u queues", cfg->name, b->spec.path,
		 b->img.geom.sectors, b->spec.ro ? ", read-only" : "",
		 b->spec.direct ? ", cache=none" : "", nr_queues);
	return 0;

out_virtio:
	rv_virtio_fini(&b->t);
out_ring:
	io_uring_queue_exit(&b->ring);
out_free:
	if (b->img.fd >= 0)
		close(b->img.fd);
	free(b->reqs);
	free(b);
	return ret;
}

static int rv_blk_check(const char *arg)
{
	struct rv_blk_spec spec;

	return rv_blk_parse_spec(arg, &spec);
}

static const struct rv_device_option rv_blk_option = {
	.name = "disk",
	.short_name = 'd',
	.metavar = "PATH[,ro][,cache=none][,queues=N][,latency=MS]",
	.help = "a virtio-blk disk: a raw image or block device\n"
		"(ro: read-only; cache=none: O_DIRECT; queues:\n"
		"default one per vCPU; latency: a slow disk, for\n"
		"tests); repeatable",
	.repeat = true,
	.check = rv_blk_check,
};

static struct rv_device_type rv_blk_type = {
	.name = "virtio-blk",
	.create = rv_blk_create,
	.cli_option = &rv_blk_option,
};
RV_DEVICE_TYPE(rv_blk_type)
