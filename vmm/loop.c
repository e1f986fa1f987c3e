// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring event loop.
 *
 * Each watch has at most one SQE in flight; its user_data is the watch. Fd
 * watches use one-shot IORING_OP_POLL_ADD, re-armed after the callback runs
 * (multishot poll needs 5.13; one-shot works on every kernel with io_uring and
 * costs one SQE per wakeup, which is noise next to a vCPU exit). Timers use
 * IORING_OP_TIMEOUT with a relative timespec, re-armed the same way, so a
 * slow callback delays the next tick instead of queueing a burst.
 */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util.h"

static int rv_loop_arm(struct rv_loop_watch *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->loop->ring);

	if (!sqe) {
		/* The SQ is full: push what is queued and retry once. */
		io_uring_submit(&w->loop->ring);
		sqe = io_uring_get_sqe(&w->loop->ring);
		if (!sqe)
			return -EBUSY;
	}
	if (w->fd >= 0)
		io_uring_prep_poll_add(sqe, w->fd, w->events);
	else
		io_uring_prep_timeout(sqe, &w->interval, 0, 0);
	io_uring_sqe_set_data(sqe, w);
	w->armed = true;
	return 0;
}

static void rv_loop_on_stop(void *opaque, int res)
{
	struct rv_loop *loop = opaque;
	uint64_t v;

	(void)res;
	if (read(loop->stop_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		rv_warn("event loop: reading the stop eventfd: %s", strerror(errno));
	loop->stopping = true;
}

int rv_loop_init(struct rv_loop *loop, unsigned int entries)
{
	int ret;

	memset(loop, 0, sizeof(*loop));
	ret = io_uring_queue_init(entries, &loop->ring, 0);
	if (ret < 0)
		return rv_err(
			ret,
			"io_uring_queue_init: %s (is io_uring disabled by kernel.io_uring_disabled?)",
			strerror(-ret));
	loop->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->stop_fd < 0) {
		ret = rv_err(-errno, "eventfd: %s", strerror(errno));
		goto out_ring;
	}
	ret = rv_loop_add_fd(loop, &loop->stop_watch, loop->stop_fd, POLLIN, rv_loop_on_stop, loop,
			     "stop");
	if (ret)
		goto out_fd;
	return 0;

out_fd:
	close(loop->stop_fd);
out_ring:
	io_uring_queue_exit(&loop->ring);
	return ret;
}

void rv_loop_destroy(struct rv_loop *loop)
{
	io_uring_queue_exit(&loop->ring);
	close(loop->stop_fd);
}

int rv_loop_add_fd(struct rv_loop *loop, struct rv_loop_watch *w, int fd, unsigned int events,
		   rv_loop_fn fn, void *opaque, const char *name)
{
	if (fd < 0 || !fn)
		return -EINVAL;
	*w = (struct rv_loop_watch){
		.loop = loop,
		.fd = fd,
		.events = events,
		.fn = fn,
		.opaque = opaque,
		.name = name,
	};
	return rv_loop_arm(w);
}

int rv_loop_add_timer(struct rv_loop *loop, struct rv_loop_watch *w, uint64_t interval_ns,
		      rv_loop_fn fn, void *opaque, const char *name)
{
	if (!interval_ns || !fn)
		return -EINVAL;
	*w = (struct rv_loop_watch){
		.loop = loop, .fd = -1, .fn = fn, .opaque = opaque, .name = name,
		.interval = {
			.tv_sec = interval_ns / 1000000000ULL,
			.tv_nsec = interval_ns % 1000000000ULL,
		},
	};
	return rv_loop_arm(w);
}

int rv_loop_add_oneshot(struct rv_loop *loop, struct rv_loop_watch *w, uint64_t interval_ns,
			rv_loop_fn fn, void *opaque, const char *name, bool start)
{
	if (!interval_ns || !fn)
		return -EINVAL;
	*w = (struct rv_loop_watch){
		.loop = loop, .fd = -1, .fn = fn, .opaque = opaque, .name = name, .oneshot = true,
		.interval = {
			.tv_sec = interval_ns / 1000000000ULL,
			.tv_nsec = interval_ns % 1000000000ULL,
		},
	};
	return start ? rv_loop_arm(w) : 0;
}

int rv_loop_timer_start(struct rv_loop_watch *w)
{
	if (w->armed || w->removed)
		return 0;
	return rv_loop_arm(w);
}

void rv_loop_remove(struct rv_loop_watch *w)
{
	/*
	 * An in-flight poll or timeout completes eventually (a timer at its
	 * next tick; a poll when its fd fires or at rv_loop_destroy), and is
	 * then dropped instead of re-armed. The watch's memory must stay valid
	 * until then, which holds for watches embedded in devices that live
	 * as long as the loop.
	 */
	w->removed = true;
}

static void rv_loop_complete(struct rv_loop_watch *w, int res)
{
	w->armed = false;
	if (w->removed)
		return;
	/* -ETIME is how IORING_OP_TIMEOUT reports a timer that expired. */
	if (w->fd < 0 && res == -ETIME)
		res = 0;
	w->fn(w->opaque, res);
	/* The callback may have removed the watch or re-added it. */
	if (!w->removed && !w->armed && res >= 0 && !w->oneshot) {
		int ret = rv_loop_arm(w);

		if (ret)
			rv_warn("event loop: cannot re-arm %s: %s", w->name, strerror(-ret));
	}
}

int rv_loop_run(struct rv_loop *loop)
{
	while (!loop->stopping) {
		struct io_uring_cqe *cqe;
		unsigned int head;
		int ret;

		ret = io_uring_submit_and_wait(&loop->ring, 1);
		if (ret < 0 && ret != -EINTR)
			return rv_err(ret, "io_uring_submit_and_wait: %s", strerror(-ret));
		io_uring_for_each_cqe(&loop->ring, head, cqe)
		{
			struct rv_loop_watch *w = io_uring_cqe_get_data(cqe);
			int res = cqe->res;

			/*
			 * Mark the CQE seen before calling out: a callback
			 * may queue SQEs, and the CQ slot must be free first.
			 */
			io_uring_cq_advance(&loop->ring, 1);
			loop->completions++;
			if (w)
				rv_loop_complete(w, res);
		}
	}
	return 0;
}

void rv_loop_stop(struct rv_loop *loop)
{
	uint64_t one = 1;

	/* write(2) on an eventfd is async-signal-safe. */
	if (write(loop->stop_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, a stop is pending. */
	}
}
