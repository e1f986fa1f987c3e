// SPDX-License-Identifier: GPL-2.0
/*
 * Who drains and flushes when no vCPU access does (docs/coalescing.md,
 * "Drain contexts" and "No idle work"):
 *
 *   the event loop    drains the kernel ring on the drain timer, and
 *                     flushes the "shared" devices, woken through one
 *                     eventfd (c->wake_fd) when a vCPU leaves them entries;
 *   a device's own    a thread per device that asked for one (or all, with
 *   drain context     --coalesce-drain per-device), sleeping in poll() on
 *                     its own eventfd and its doorbell, flushing that device
 *                     only. One device's slow handler then delays its own
 *                     writes, never another device's.
 *
 * There is one kernel ring per VM (api.rst, KVM_REGISTER_COALESCED_MMIO),
 * and nothing tells us when KVM appends to it: whoever drains it (a vCPU
 * at an exit, the timer, a doorbell) routes every entry and hands each
 * device with new entries to its context (rv_coalesce_kick_pending).
 *
 * No idle work: the drain timer is one-shot, re-armed by its own tick only
 * while the tick found something (entries in the kernel ring) or a vCPU
 * exited since the previous tick (the guest is running code, which may
 * write). A tick that finds neither lets the timer sleep; the next vCPU
 * exit or doorbell wakes it (rv_coalesce_note_activity). An idle guest, a
 * halted vCPU, then costs the VMM no wake-ups at all, and contexts sleep
 * until a drain hands them entries. The latency bound holds from any exit
 * on: writes made after a whole interval without a single exit to
 * userspace wait for the guest's next exit (KVM gives no signal for a
 * coalesced write; docs/coalescing.md says what that means for guests).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "engine.h"
#include "vmm/util.h"

/*
 * A drain context runs a device's handlers, as a vCPU thread does (whose
 * stack is as small, vmm/vcpu.c): shallow call chains. The default 8 MiB
 * would be virtual memory for nothing, per device.
 */
#define RV_COALESCE_CTX_STACK_SIZE (256 * 1024)

void rv_coalesce_wake(struct rv_coalesce *c)
{
	uint64_t one = 1;

	/* One eventfd write until the loop has consumed it. */
	if (c->wake_fd < 0 || __atomic_exchange_n(&c->wake_sent, true, __ATOMIC_ACQ_REL))
		return;
	if (write(c->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is non-zero, a wake-up is pending. */
	}
}

void rv_coalesce_ctx_kick(struct rv_coalesce_ctx *x)
{
	uint64_t one = 1;

	/* Same rule as the loop's: one write until the context has read it. */
	if (__atomic_exchange_n(&x->wake_sent, true, __ATOMIC_ACQ_REL))
		return;
	if (write(x->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: a wake-up is pending. */
	}
}

/*
 * A device with a context of its own whose handling has been cheap: the
 * loop's tick may handle a small batch of it itself (a thread wake-up
 * costs more than the work). One whose handling costs more always gets
 * its own thread, which is the point of having one.
 */
#define RV_COALESCE_INLINE_NS 10000	   /* per entry, averaged */
#define RV_COALESCE_INLINE_BATCH_NS 200000 /* for the batch */

static bool rv_coalesce_cheap(struct rv_coalesce_device *d)
{
	uint64_t avg = __atomic_load_n(&d->handle_ns_avg, __ATOMIC_RELAXED);

	/*
	 * Only a device given a context by the policy, not one that asked
	 * for it (its handler may block), and only once its own thread has
	 * measured it (0: not yet).
	 */
	return d->drain != RV_COALESCE_DRAIN_OWN && d->engine->wake_fd >= 0 && avg &&
	       avg <= RV_COALESCE_INLINE_NS;
}

/* Loop thread. */
static bool rv_coalesce_try_inline(struct rv_coalesce_device *d)
{
	uint64_t avg = __atomic_load_n(&d->handle_ns_avg, __ATOMIC_RELAXED);
	uint64_t n = rv_coalesce_ring_count(d->ring) + rv_coalesce_ring_count(d->spill);

	if (!rv_coalesce_cheap(d) || avg * n > RV_COALESCE_INLINE_BATCH_NS)
		return false;
	/* Its own thread is at it: leave it to that thread, never wait. */
	if (pthread_mutex_trylock(&d->flush_lock))
		return false;
	rv_coalesce_flush_locked(d);
	pthread_mutex_unlock(&d->flush_lock);
	return true;
}

void rv_coalesce_kick_pending(struct rv_coalesce *c, struct rv_coalesce_device *except)
{
	bool shared = false;

	for (struct rv_coalesce_device *d = c->devices; d; d = d->next) {
		if (d == except || !__atomic_load_n(&d->pending, __ATOMIC_ACQUIRE))
			continue;
		/* A cheap one goes by the loop, which wakes anyway for the others. */
		if (d->ctx && !rv_coalesce_cheap(d))
			rv_coalesce_ctx_kick(d->ctx);
		else
			shared = true;
	}
	if (shared)
		rv_coalesce_wake(c);
}

void rv_coalesce_note_activity(struct rv_coalesce *c)
{
	/*
	 * A plain load first: an exit whose flag is already up costs no
	 * store on a line the loop also writes. Then seq_cst store and
	 * load, against the tick's seq_cst store of tick_armed and load of
	 * active: one side sees the other's write, so either the tick keeps
	 * the timer or we ask the loop to start it (no lost arm).
	 */
	if (!__atomic_load_n(&c->active, __ATOMIC_RELAXED))
		__atomic_store_n(&c->active, true, __ATOMIC_SEQ_CST);
	if (c->wake_fd < 0 || __atomic_load_n(&c->tick_armed, __ATOMIC_SEQ_CST) ||
	    __atomic_exchange_n(&c->tick_armed, true, __ATOMIC_SEQ_CST))
		return;
	rv_coalesce_wake(c);
}

void rv_coalesce_flush_shared(struct rv_coalesce *c)
{
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next)
		if (!d->ctx && rv_coalesce_has_work(d))
			rv_coalesce_device_flush(d);
}

/* Loop thread: start the timer if asked and not in flight. */
static void rv_coalesce_timer_arm(struct rv_coalesce *c)
{
	int ret = rv_loop_timer_start(&c->timer_watch);

	if (ret)
		rv_warn("coalescing: cannot start the drain timer: %s", strerror(-ret));
	else
		c->timer_arms++;
}

static void rv_coalesce_on_wake(void *opaque, int res)
{
	struct rv_coalesce *c = opaque;
	uint64_t v;

	if (res < 0)
		return;
	if (read(c->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		rv_warn("coalescing: reading the wake eventfd: %s", strerror(errno));
	c->wakeups++;
	/*
	 * An exchange, for the same reason as in flush: a vCPU sets pending,
	 * then exchanges wake_sent; ours reads its write and so sees pending.
	 */
	(void)__atomic_exchange_n(&c->wake_sent, false, __ATOMIC_ACQ_REL);
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next) {
		if (!__atomic_load_n(&d->pending, __ATOMIC_ACQUIRE))
			continue;
		if (!d->ctx)
			rv_coalesce_device_flush(d);
		else if (!rv_coalesce_try_inline(d))
			rv_coalesce_ctx_kick(d->ctx);
	}
	if (__atomic_load_n(&c->tick_armed, __ATOMIC_ACQUIRE) && !c->timer_watch.armed)
		rv_coalesce_timer_arm(c);
}

/* The latency bound when the guest does nothing that exits. */
static void rv_coalesce_on_timer(void *opaque, int res)
{
	struct rv_coalesce *c = opaque;
	bool active;
	uint64_t n;

	if (res < 0)
		return;
	c->timer_flushes++;
	active = __atomic_exchange_n(&c->active, false, __ATOMIC_SEQ_CST);
	n = rv_coalesce_drain(c);
	/* Costly contexts first, so that they work while we flush the others. */
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next)
		if (d->ctx && __atomic_load_n(&d->pending, __ATOMIC_ACQUIRE) &&
		    !rv_coalesce_cheap(d))
			rv_coalesce_ctx_kick(d->ctx);
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next)
		if (d->ctx && __atomic_load_n(&d->pending, __ATOMIC_ACQUIRE) &&
		    !rv_coalesce_try_inline(d))
			rv_coalesce_ctx_kick(d->ctx);
	rv_coalesce_flush_shared(c);
	if (active || n) {
		rv_coalesce_timer_arm(c);
		return;
	}
	/* Quiet for a whole interval: sleep until a vCPU exits again. */
	__atomic_store_n(&c->tick_armed, false, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->active, __ATOMIC_SEQ_CST) &&
	    !__atomic_exchange_n(&c->tick_armed, true, __ATOMIC_SEQ_CST))
		rv_coalesce_timer_arm(c);
}

int rv_coalesce_add_watches(struct rv_coalesce *c)
{
	int ret;

	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0)
		return rv_err(-errno, "coalescing: eventfd: %s", strerror(errno));
	ret = rv_loop_add_fd(c->loop, &c->wake_watch, c->wake_fd, POLLIN, rv_coalesce_on_wake, c,
			     "coalesce wake");
	if (ret)
		return rv_err(ret, "coalescing: cannot watch the wake eventfd");
	/* Armed from the start: a guest may write before its first exit. */
	c->tick_armed = true;
	ret = rv_loop_add_oneshot(c->loop, &c->timer_watch, c->flush_ns, rv_coalesce_on_timer, c,
				  "coalesce timer", true);
	if (ret) {
		rv_loop_remove(&c->wake_watch);
		return rv_err(ret, "coalescing: cannot start the drain timer");
	}
	c->timer_arms++;
	c->watches = true;
	return 0;
}

/* ---- a device's own drain context ---- */

static void *rv_coalesce_ctx_thread(void *arg)
{
	struct rv_coalesce_ctx *x = arg;
	struct rv_coalesce_device *dev = x->dev;
	struct rv_coalesce *c = dev->engine;
	char name[16];
	sigset_t all;

	/* Signals are the loop's (signalfd) and the vCPUs' (kicks). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	snprintf(name, sizeof(name), "drain-%s", dev->name);
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = x->wake_fd, .events = POLLIN },
			{ .fd = __atomic_load_n(&dev->doorbell_fd, __ATOMIC_ACQUIRE),
			  .events = POLLIN },
		};
		uint64_t v;

		/* Asleep until a drain hands us entries or the guest rings. */
		if (poll(p, p[1].fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			rv_warn("%s: drain context: poll: %s", dev->name, strerror(errno));
			break;
		}
		if ((p[0].revents & POLLIN) && read(x->wake_fd, &v, sizeof(v)) < 0 &&
		    errno != EAGAIN)
			rv_warn("%s: drain context: read: %s", dev->name, strerror(errno));
		if (__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE))
			break;
		__atomic_fetch_add(&dev->stats.ctx_wakeups, 1, __ATOMIC_RELAXED);
		/* Exchange, then look for work: as the loop's wake_sent. */
		(void)__atomic_exchange_n(&x->wake_sent, false, __ATOMIC_ACQ_REL);
		if (p[1].fd >= 0 && (p[1].revents & POLLIN) &&
		    read(p[1].fd, &v, sizeof(v)) == sizeof(v)) {
			/* A doorbell: our writes are in the kernel ring. */
			__atomic_fetch_add(&dev->stats.doorbells, v, __ATOMIC_RELAXED);
			rv_coalesce_note_activity(c);
			rv_coalesce_drain(c);
			rv_coalesce_kick_pending(c, dev);
		}
		if (rv_coalesce_has_work(dev))
			rv_coalesce_device_flush(dev);
	}
	return NULL;
}

int rv_coalesce_ctx_start(struct rv_coalesce_device *dev)
{
	struct rv_coalesce_ctx *x = calloc(1, sizeof(*x));
	pthread_attr_t attr;
	int ret;

	if (!x)
		return -ENOMEM;
	x->dev = dev;
	x->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->wake_fd < 0) {
		ret = rv_err(-errno, "%s: eventfd: %s", dev->name, strerror(errno));
		goto out_free;
	}
	/* Published before the thread starts: it reads dev->ctx's fields only. */
	dev->ctx = x;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, RV_COALESCE_CTX_STACK_SIZE);
	ret = -pthread_create(&x->thread, &attr, rv_coalesce_ctx_thread, x);
	pthread_attr_destroy(&attr);
	if (ret) {
		ret = rv_err(ret, "%s: drain thread: %s", dev->name, strerror(-ret));
		dev->ctx = NULL;
		close(x->wake_fd);
		goto out_free;
	}
	x->started = true;
	return 0;

out_free:
	free(x);
	return ret;
}

void rv_coalesce_ctx_stop(struct rv_coalesce_device *dev)
{
	struct rv_coalesce_ctx *x = dev->ctx;
	uint64_t one = 1;

	if (!x)
		return;
	__atomic_store_n(&x->stop, true, __ATOMIC_RELEASE);
	if (write(x->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is non-zero, it wakes anyway. */
	}
	pthread_join(x->thread, NULL);
	close(x->wake_fd);
	dev->ctx = NULL;
	free(x);
}
