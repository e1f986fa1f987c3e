// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO/PIO, per device (see coalesce.h and docs/coalescing.md):
 * the device rings, the zone table, routing, the flush rules (statistics:
 * coalesce-stats.c).
 * The kernel side (api.rst 4.116 KVM_(UN)REGISTER_COALESCED_MMIO, one ring
 * per VM) is the engine in coalesce-vmring.c.
 *
 * The engine drains the kernel's ring and routes each entry by address to
 * the ring of the device that owns the zone; the device handles its entries
 * in its flush. A mode decides who flushes when:
 *
 *   per-device  at a vCPU exit: drain, flush the accessed device only, then
 *               dispatch the access; others are flushed by the event loop,
 *               woken through one eventfd.
 *   vm-ring     at a vCPU exit: drain and flush every device (the baseline:
 *               QEMU also flushes the whole ring before such an access).
 *   off         no zone is registered with KVM: every write exits.
 *
 * and a timer on the loop drains and flushes everything every flush
 * interval, which bounds the delay when the guest does nothing that exits.
 *
 * Locks, and their order (never the reverse, so no deadlock):
 *
 *   1. engine lock (c->lock): the drain (the only producer of every device
 *      ring), the zone table, the previous drain's time.
 *   2. a device's flush_lock: the only consumer of that device's ring; held
 *      while its entries are handled, so a device sees them one at a time
 *      and in order. The ring-full fallback takes it under the engine lock.
 *   3. the device's own lock, taken by its handler (e.g. the UART's).
 *
 * Nothing holding 2 or 3 calls back into the engine. The device list only
 * grows before any vCPU runs, so walking it needs no lock.
 *
 * Latency: the kernel ring carries no timestamps. Each drain records when it
 * started; an entry it finds was written after the previous drain read the
 * ring, so that drain's start time (the last moment the ring was known not
 * to hold the entry) is its seen_ns, and handled - seen_ns, taken when the
 * handler returns, is an upper bound of the write-to-handling delay.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "engine.h"
#include "mode.h"
#include "vmm/util.h"

/* ---- the device ring ---- */

int rv_coalesce_ring_init(struct rv_coalesce_ring *ring, struct rv_coalesce_entry *mem,
			  uint32_t nr_entries)
{
	if (!ring || !mem || !nr_entries || (nr_entries & (nr_entries - 1)) ||
	    nr_entries > (1u << 31))
		return -EINVAL;
	ring->entries = mem;
	ring->nr_entries = nr_entries;
	ring->head = ring->tail = 0;
	return 0;
}

bool rv_coalesce_ring_push(struct rv_coalesce_ring *ring, const struct rv_coalesce_entry *e)
{
	uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED); /* ours */
	/*
	 * Acquire, pairs with the release in pop: the consumer finished
	 * copying a slot out before we see it free and overwrite it.
	 */
	uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);

	if (tail - head >= ring->nr_entries)
		return false;
	ring->entries[tail & (ring->nr_entries - 1)] = *e;
	/* Release: the entry is written before the consumer sees the new tail. */
	__atomic_store_n(&ring->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

bool rv_coalesce_ring_pop(struct rv_coalesce_ring *ring, struct rv_coalesce_entry *e)
{
	uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED); /* ours */
	/* Acquire, pairs with the release in push: the entry is complete. */
	uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);

	/*
	 * Empty, or more than the ring holds: the producer is ours today, but
	 * an index a kernel wrote (a per-buffer engine) is not to be trusted.
	 */
	if (head == tail || tail - head > ring->nr_entries)
		return false;
	*e = ring->entries[head & (ring->nr_entries - 1)];
	/* Release: our copy is complete before the producer may reuse the slot. */
	__atomic_store_n(&ring->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

uint32_t rv_coalesce_ring_count(const struct rv_coalesce_ring *ring)
{
	/*
	 * head first: tail only grows and never passes head + nr_entries, so
	 * a tail read later is at least this head. Either side may move on
	 * meanwhile: the count is a snapshot, exact for the calling side.
	 */
	uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	uint32_t n = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE) - head;

	return n > ring->nr_entries ? ring->nr_entries : n;
}

enum rv_coalesce_mode rv_coalesce_mode(const struct rv_coalesce *c)
{
	return c->mode;
}

const char *rv_coalesce_engine_name(const struct rv_coalesce *c)
{
	return c->ops->name;
}

/* ---- zones ---- */

static bool rv_zone_before(bool pio, uint64_t addr, const struct rv_coalesce_zone *z)
{
	return pio != z->pio ? !pio : addr < z->addr;
}

/* Index of the first zone that sorts after (@pio, @addr). */
static unsigned int rv_zone_upper(const struct rv_coalesce *c, bool pio, uint64_t addr)
{
	unsigned int lo = 0, hi = c->nr_zones;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (rv_zone_before(pio, addr, &c->zones[mid]))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The zone holding all of [addr, addr + len), or NULL. @len >= 1. */
static struct rv_coalesce_zone *rv_zone_find(struct rv_coalesce *c, bool pio, uint64_t addr,
					     uint64_t len)
{
	unsigned int i = rv_zone_upper(c, pio, addr);
	struct rv_coalesce_zone *z;

	if (i == 0)
		return NULL;
	z = &c->zones[i - 1];
	/* addr >= z->addr here; the whole entry must fit, not its first byte. */
	if (z->pio != pio || addr - z->addr >= z->len || len > z->len - (addr - z->addr))
		return NULL;
	return z;
}

/* ---- handling ---- */

/* Entries handled before the device's handle_end() and the latency stamps. */
#define RV_COALESCE_BATCH 64

/*
 * Handle @nr entries as one batch: each through handle(), then the
 * device's handle_end(); only then is the work done, so each entry's
 * latency is taken after it.
 */
static void rv_coalesce_handle_batch(struct rv_coalesce_device *dev,
				     const struct rv_coalesce_entry *e, unsigned int nr)
{
	uint64_t now;

	for (unsigned int i = 0; i < nr; i++)
		dev->handle(dev->opaque, &e[i]);
	if (dev->handle_end)
		dev->handle_end(dev->opaque);
	now = rv_now_ns();
	for (unsigned int i = 0; i < nr; i++)
		rv_latency_add(&dev->stats.latency, now > e[i].seen_ns ? now - e[i].seen_ns : 0);
}

/* Flush lock held. */
static void rv_coalesce_flush_locked(struct rv_coalesce_device *dev)
{
	struct rv_coalesce_entry batch[RV_COALESCE_BATCH];
	uint32_t budget, n = 0, nr = 0;

	/*
	 * Popped entries leave the ring before they are handled: flushing
	 * says so to rv_coalesce_has_work(), which must not take a ring
	 * emptied by a flush still under way for work done. Set before the
	 * first pop (whose release store of head publishes it) and cleared
	 * after the last handling.
	 */
	__atomic_store_n(&dev->flushing, true, __ATOMIC_RELAXED);
	/*
	 * An exchange, not a store: the producer pushes, then sets pending.
	 * Either our read-modify-write sees its true (and synchronises with
	 * it, so the count below includes its entry), or its store comes
	 * after ours and pending stays set for the loop. A plain store could
	 * be reordered after the count and lose that entry's wake-up.
	 */
	(void)__atomic_exchange_n(&dev->pending, false, __ATOMIC_ACQ_REL);
	/* What is there now: a producer that keeps pushing cannot starve us. */
	budget = rv_coalesce_ring_count(dev->ring);
	while (n < budget && rv_coalesce_ring_pop(dev->ring, &batch[nr])) {
		n++;
		if (++nr == RV_COALESCE_BATCH) {
			rv_coalesce_handle_batch(dev, batch, nr);
			nr = 0;
		}
	}
	if (nr)
		rv_coalesce_handle_batch(dev, batch, nr);
	if (n)
		dev->stats.drains++;
	/* Release: whoever sees it clear also sees the handling done. */
	__atomic_store_n(&dev->flushing, false, __ATOMIC_RELEASE);
}

void rv_coalesce_device_flush(struct rv_coalesce_device *dev)
{
	if (!dev || !dev->engine)
		return;
	pthread_mutex_lock(&dev->flush_lock);
	rv_coalesce_flush_locked(dev);
	pthread_mutex_unlock(&dev->flush_lock);
}

/* ---- routing ---- */

/* Engine lock held: the only producer of every device ring. */
void rv_coalesce_route(struct rv_coalesce *c, struct rv_coalesce_entry *e)
{
	struct rv_coalesce_zone *z = NULL;
	struct rv_coalesce_device *dev;
	uint32_t count;

	if (e->len >= 1 && e->len <= sizeof(e->data))
		z = rv_zone_find(c, e->pio, e->addr, e->len);
	if (!z) {
		/* KVM only coalesces inside our zones: this should not happen. */
		c->unrouted++;
		if (!c->warned_unrouted) {
			c->warned_unrouted = true;
			rv_warn("coalescing: dropped a write to %s 0x%" PRIx64
				" (%u bytes) that matches no zone (warned once)",
				e->pio ? "port" : "address", e->addr, e->len);
		}
		return;
	}
	dev = z->dev;
	if (rv_coalesce_ring_push(dev->ring, e)) {
		dev->stats.coalesced_writes++;
		count = rv_coalesce_ring_count(dev->ring);
		if (count > dev->stats.ring_high_water)
			dev->stats.ring_high_water = count;
		/* Release: whoever sees pending set also sees the push. */
		__atomic_store_n(&dev->pending, true, __ATOMIC_RELEASE);
		return;
	}
	/*
	 * The device's ring is full: handle its earlier entries, then this
	 * one, here and now, so its order holds. Engine lock, then flush lock.
	 */
	dev->stats.ring_full_fallbacks++;
	pthread_mutex_lock(&dev->flush_lock);
	rv_coalesce_flush_locked(dev);
	rv_coalesce_handle_batch(dev, e, 1);
	pthread_mutex_unlock(&dev->flush_lock);
}

/* The engine of mode off: zones are recorded, nothing ever arrives. */
static void rv_none_drain(struct rv_coalesce *c)
{
}

static int rv_none_zone_add(struct rv_coalesce *c, struct rv_coalesce_zone *z)
{
	return 0;
}

static void rv_none_destroy(struct rv_coalesce *c)
{
}

const struct rv_coalesce_engine_ops rv_coalesce_none_ops = {
	.name = "none",
	.drain = rv_none_drain,
	.zone_add = rv_none_zone_add,
	.destroy = rv_none_destroy,
};

/* ---- when to drain and flush ---- */

void rv_coalesce_drain(struct rv_coalesce *c)
{
	pthread_mutex_lock(&c->lock);
	c->ops->drain(c);
	pthread_mutex_unlock(&c->lock);
}

/*
 * Entries to handle, or a flush handling some: either way the caller must
 * flush (and so wait, on the flush lock) to see them handled. The ring
 * count comes before flushing: a count that missed an entry because a
 * flush popped it acquired that flush's head store, and so sees flushing
 * set, unless the flush has finished with it.
 */
bool rv_coalesce_has_work(struct rv_coalesce_device *dev)
{
	return __atomic_load_n(&dev->pending, __ATOMIC_ACQUIRE) ||
	       rv_coalesce_ring_count(dev->ring) ||
	       __atomic_load_n(&dev->flushing, __ATOMIC_ACQUIRE);
}

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

void rv_coalesce_flush_all(struct rv_coalesce *c)
{
	if (!c)
		return;
	rv_coalesce_drain(c);
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next)
		if (rv_coalesce_has_work(d))
			rv_coalesce_device_flush(d);
}

void rv_coalesce_before_exit(struct rv_coalesce *c, struct rv_coalesce_device *owner)
{
	if (!c)
		return;
	if (owner)
		__atomic_fetch_add(&owner->stats.ordinary_exits, 1, __ATOMIC_RELAXED);
	if (c->mode == RV_COALESCE_OFF)
		return;
	/*
	 * Every write this vCPU made before exiting is in the kernel ring
	 * (KVM appended it before the exit): after the drain, each is in its
	 * device's ring, whoever drained it.
	 */
	rv_coalesce_drain(c);
	if (c->mode == RV_COALESCE_VM_RING) {
		for (struct rv_coalesce_device *d = c->devices; d; d = d->next)
			if (rv_coalesce_has_work(d))
				rv_coalesce_device_flush(d);
		return;
	}
	/* Flush-before-access for the device being accessed, and only it. */
	if (owner && rv_coalesce_has_work(owner))
		rv_coalesce_device_flush(owner);
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next) {
		if (d != owner && __atomic_load_n(&d->pending, __ATOMIC_ACQUIRE)) {
			rv_coalesce_wake(c);
			break;
		}
	}
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
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next)
		if (__atomic_load_n(&d->pending, __ATOMIC_ACQUIRE))
			rv_coalesce_device_flush(d);
}

/* The latency bound when the guest does nothing that exits. */
static void rv_coalesce_on_timer(void *opaque, int res)
{
	struct rv_coalesce *c = opaque;

	if (res < 0)
		return;
	c->timer_flushes++;
	rv_coalesce_flush_all(c);
}

/* ---- life cycle ---- */

static int rv_coalesce_add_watches(struct rv_coalesce *c)
{
	int ret;

	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0)
		return rv_err(-errno, "coalescing: eventfd: %s", strerror(errno));
	ret = rv_loop_add_fd(c->loop, &c->wake_watch, c->wake_fd, POLLIN, rv_coalesce_on_wake, c,
			     "coalesce wake");
	if (ret)
		return rv_err(ret, "coalescing: cannot watch the wake eventfd");
	ret = rv_loop_add_timer(c->loop, &c->timer_watch, c->flush_ns, rv_coalesce_on_timer, c,
				"coalesce timer");
	if (ret) {
		rv_loop_remove(&c->wake_watch);
		return rv_err(ret, "coalescing: cannot start the drain timer");
	}
	c->watches = true;
	return 0;
}

int rv_coalesce_create(struct rv_coalesce **out, enum rv_coalesce_mode mode, int vm_fd,
		       void *ring_page, long page_size, struct rv_loop *loop,
		       uint64_t flush_interval_ns)
{
	struct rv_coalesce *c;
	int ret;

	*out = NULL;
	if ((unsigned int)mode >= RV_COALESCE_NR_MODES)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = -pthread_mutex_init(&c->lock, NULL);
	if (ret) {
		free(c);
		return ret;
	}
	c->mode = mode;
	c->ops = &rv_coalesce_none_ops;
	c->vm_fd = vm_fd;
	c->page_size = page_size;
	c->wake_fd = -1;
	c->loop = loop;
	c->flush_ns = flush_interval_ns ? flush_interval_ns : RV_COALESCE_DEFAULT_FLUSH_NS;
	/* Mode off still has an engine: it counts exits, registers nothing. */
	if (mode != RV_COALESCE_OFF) {
		ret = rv_coalesce_vmring_init(c, ring_page);
		if (!ret && loop)
			ret = rv_coalesce_add_watches(c);
		if (ret)
			goto out_free;
	}
	*out = c;
	return 0;

out_free:
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return ret;
}

void rv_coalesce_destroy(struct rv_coalesce *c)
{
	if (!c)
		return;
	/* Nothing a device was sent is left unhandled. */
	rv_coalesce_flush_all(c);
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next)
		rv_coalesce_doorbell_remove(d);
	if (c->watches) {
		rv_loop_remove(&c->wake_watch);
		rv_loop_remove(&c->timer_watch);
	}
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	pthread_mutex_lock(&c->lock);
	c->ops->destroy(c);
	pthread_mutex_unlock(&c->lock);
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next) {
		pthread_mutex_destroy(&d->flush_lock);
		d->engine = NULL;
	}
	free(c->zones);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int rv_coalesce_device_add(struct rv_coalesce *c, struct rv_coalesce_device *dev)
{
	struct rv_coalesce_device **p;
	int ret;

	if (!c || !dev || !dev->name || !dev->ring || !dev->ring->entries ||
	    !dev->ring->nr_entries || !dev->handle)
		return -EINVAL;
	ret = -pthread_mutex_init(&dev->flush_lock, NULL);
	if (ret)
		return ret;
	dev->engine = c;
	memset(&dev->stats, 0, sizeof(dev->stats));
	dev->pending = false;
	dev->doorbell_fd = -1;
	dev->next = NULL;
	pthread_mutex_lock(&c->lock);
	for (p = &c->devices; *p; p = &(*p)->next)
		;
	*p = dev;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int rv_coalesce_zone_add(struct rv_coalesce_device *dev, uint64_t addr, uint64_t len, bool pio)
{
	struct rv_coalesce *c = dev ? dev->engine : NULL;
	struct rv_coalesce_zone z = { .addr = addr, .len = len, .pio = pio, .dev = dev };
	uint64_t last;
	unsigned int i;
	int ret = 0;

	if (!c)
		return -EINVAL;
	/* KVM's zone size is a __u32; ports stop at 0xffff. */
	if (!len || len > UINT32_MAX || __builtin_add_overflow(addr, len - 1, &last) ||
	    (pio && last > 0xffff))
		return rv_err(-EINVAL, "%s: bad coalesced zone 0x%" PRIx64 "+%" PRIu64, dev->name,
			      addr, len);
	pthread_mutex_lock(&c->lock);
	i = rv_zone_upper(c, pio, addr);
	if ((i > 0 && c->zones[i - 1].pio == pio &&
	     c->zones[i - 1].addr + (c->zones[i - 1].len - 1) >= addr) ||
	    (i < c->nr_zones && c->zones[i].pio == pio && c->zones[i].addr <= last)) {
		ret = rv_err(-EEXIST,
			     "%s: coalesced zone 0x%" PRIx64 "+%" PRIu64 " overlaps another",
			     dev->name, addr, len);
		goto out_unlock;
	}
	if (c->nr_zones == c->cap_zones) {
		unsigned int cap = c->cap_zones ? 2 * c->cap_zones : 8;
		struct rv_coalesce_zone *zones = realloc(c->zones, cap * sizeof(*zones));

		if (!zones) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		c->zones = zones;
		c->cap_zones = cap;
	}
	ret = c->ops->zone_add(c, &z);
	if (ret)
		goto out_unlock;
	memmove(&c->zones[i + 1], &c->zones[i], (c->nr_zones - i) * sizeof(z));
	c->zones[i] = z;
	c->nr_zones++;
	dev->stats.zones++;
out_unlock:
	pthread_mutex_unlock(&c->lock);
	return ret;
}
