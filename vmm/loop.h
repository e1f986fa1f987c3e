/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event loop: one io_uring per VM drives everything that is not a vCPU.
 *
 * Users register watches (a file descriptor to poll, or a periodic timer)
 * with a callback; the loop thread runs the callbacks. Nothing here knows a
 * device. Registration and removal are done from the loop thread, or before
 * rv_loop_run(); other threads only call rv_loop_stop().
 */
#ifndef RV_LOOP_H
#define RV_LOOP_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

struct rv_loop;

/* @res: poll events (POLLIN...) for fd watches, or -errno on failure. */
typedef void (*rv_loop_fn)(void *opaque, int res);

struct rv_loop_watch {
	struct rv_loop *loop;
	int fd; /* polled fd, or -1 for a timer */
	unsigned int events;
	struct __kernel_timespec interval;
	rv_loop_fn fn;
	void *opaque;
	bool armed; /* an SQE for it is in flight */
	bool removed;
	bool oneshot;	  /* a timer that fires once per rv_loop_timer_start() */
	const char *name; /* for messages */
};

struct rv_loop {
	struct io_uring ring;
	int stop_fd; /* eventfd: rv_loop_stop() from any thread */
	struct rv_loop_watch stop_watch;
	volatile bool stopping;
	uint64_t completions;
};

int rv_loop_init(struct rv_loop *loop, unsigned int entries);
void rv_loop_destroy(struct rv_loop *loop);

/*
 * Call @fn whenever @fd is ready for @events (POLLIN, ...). The watch stays
 * armed until rv_loop_remove(); the callback runs on the loop thread.
 */
int rv_loop_add_fd(struct rv_loop *loop, struct rv_loop_watch *w, int fd, unsigned int events,
		   rv_loop_fn fn, void *opaque, const char *name);
/* Call @fn every @interval_ns nanoseconds (res = 0). */
int rv_loop_add_timer(struct rv_loop *loop, struct rv_loop_watch *w, uint64_t interval_ns,
		      rv_loop_fn fn, void *opaque, const char *name);
/*
 * A timer that fires once, @interval_ns after each rv_loop_timer_start()
 * (the first is done here when @start). Nothing is in flight while it is
 * not started: an idle timer costs no wake-ups.
 */
int rv_loop_add_oneshot(struct rv_loop *loop, struct rv_loop_watch *w, uint64_t interval_ns,
			rv_loop_fn fn, void *opaque, const char *name, bool start);
/* Loop thread (or before rv_loop_run()): start @w unless it is in flight. */
int rv_loop_timer_start(struct rv_loop_watch *w);
/* Stop calling @w's callback (it may already be in flight: we ignore it). */
void rv_loop_remove(struct rv_loop_watch *w);

/* Run until rv_loop_stop(). Returns 0 or -errno from io_uring. */
int rv_loop_run(struct rv_loop *loop);
/* Thread-safe and async-signal-safe. */
void rv_loop_stop(struct rv_loop *loop);

#endif
