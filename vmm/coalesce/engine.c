// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO/PIO, per device (see coalesce.h and docs/coalescing.md):
 * the device rings, the zone table, routing, the flush rules (statistics:
 * stats.c; the loop's wake-up, the drain timer and per-device drain
 * contexts: drain.c). The kernel side (api.rst, KVM_REGISTER_COALESCED_MMIO:
 * one ring per VM) is the engine in vm-ring.c.
 *
 * The engine drains the kernel's ring and routes each entry by address to
 * the ring of the device that owns the zone; the device handles its entries
 * in its flush. A mode decides who flushes when:
 *
 *   per-device  at a vCPU exit: drain, flush the accessed device only, then
 *               dispatch the access; the others are handed to their drain
 *               context: the event loop (woken through one eventfd), or a
 *               thread of the device's own (its own eventfd).
 *   vm-ring     at a vCPU exit: drain and flush every device (the baseline:
 *               QEMU also flushes the whole ring before such an access).
 *   off         no zone is registered with KVM: every write exits.
 *
 * and a timer on the loop drains the kernel ring every flush interval while
 * the guest is active, which bounds the delay when it does nothing that
 * exits (drain.c: the timer sleeps while there is nothing to drain).
 *
 * Locks, and their order (never the reverse, so no deadlock):
 *
 *   1. engine lock (c->lock): the drain (the only producer of every device
 *      ring and spill ring), the zone table, the previous drain's time.
 *      Nothing that handles an entry runs under it: a drain that meets a
 *      full device stops, drops it, flushes that device, and goes on.
 *   2. a device's flush_lock: the only consumer of that device's rings;
 *      held while its entries are handled, so a device sees them one at a
 *      time and in order, whichever thread flushes (a vCPU before an
 *      access, the loop, the device's own context). Taken under the engine
 *      lock only by a statistics snapshot, which handles nothing.
 *   3. the device's own lock, taken by its handler (e.g. the UART's).
 *   4. the console's output lock, under the UART's (it never blocks).
 *
 * Nothing holding 2 or 3 calls back into the engine. The device list only
 * grows before any vCPU runs, so walking it needs no lock.
 *
 * Memory ordering, beyond the locks: a device ring is single-producer
 * single-consumer (release store of an index after the slot, acquire load
 * of the other side's index: rv_coalesce_ring_push/pop); "pending" is set
 * with release after a push and exchanged (acquire-release) by the flush
 * before it counts the ring, so a push is either seen by that flush or
 * leaves pending set for the next; each wake flag (wake_sent, a context's
 * wake_sent, tick_armed) is exchanged by the side that consumes it before
 * it looks for work, for the same reason.
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

/*
 * A device with a drain context of its own also gets a spill ring: where
 * its writes wait when its ring is full, so that a drain (a vCPU's, before
 * it accesses another device) never waits for this device's handler. At 32
 * bytes an entry, 32 KiB a device.
 */
#define RV_COALESCE_SPILL_ENTRIES 1024

enum rv_coalesce_mode rv_coalesce_mode(const struct rv_coalesce *c)
{
	return c->mode;
}

void rv_coalesce_set_drain(struct rv_coalesce *c, enum rv_coalesce_drain policy)
{
	c->drain_policy = policy;
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
void rv_coalesce_flush_locked(struct rv_coalesce_device *dev)
{
	struct rv_coalesce_entry batch[RV_COALESCE_BATCH];
	uint32_t budget, n = 0, nr = 0;
	uint64_t t0 = dev->ctx ? rv_now_ns() : 0;

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
	/*
	 * Then the spill ring, but only once the ring is empty: a write goes
	 * to the ring only while the spill ring is empty (route), so what
	 * the ring holds is older than anything spilled.
	 */
	if (dev->spill && !rv_coalesce_ring_count(dev->ring)) {
		budget = n + rv_coalesce_ring_count(dev->spill);
		while (n < budget && rv_coalesce_ring_pop(dev->spill, &batch[nr])) {
			n++;
			if (++nr == RV_COALESCE_BATCH) {
				rv_coalesce_handle_batch(dev, batch, nr);
				nr = 0;
			}
		}
	}
	if (nr)
		rv_coalesce_handle_batch(dev, batch, nr);
	if (n)
		dev->stats.drains++;
	/* What an entry costs this device: drain.c decides who handles its next batch. */
	if (n && dev->ctx) {
		uint64_t per = (rv_now_ns() - t0) / n + 1; /* 0 means "not measured" */
		uint64_t avg = __atomic_load_n(&dev->handle_ns_avg, __ATOMIC_RELAXED);

		__atomic_store_n(&dev->handle_ns_avg, avg ? (3 * avg + per) / 4 : per,
				 __ATOMIC_RELAXED);
	}
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
struct rv_coalesce_device *rv_coalesce_route(struct rv_coalesce *c, struct rv_coalesce_entry *e)
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
		return NULL;
	}
	dev = z->dev;
	/* The ring while nothing is spilled (order: see the flush), else the spill. */
	if ((dev->spill && rv_coalesce_ring_count(dev->spill)) ||
	    !rv_coalesce_ring_push(dev->ring, e)) {
		if (!dev->spill || !rv_coalesce_ring_push(dev->spill, e))
			return dev; /* no room: the caller flushes it, without our lock */
		dev->stats.spilled++;
	}
	dev->stats.coalesced_writes++;
	c->drained++;
	count = rv_coalesce_ring_count(dev->ring) +
		(dev->spill ? rv_coalesce_ring_count(dev->spill) : 0);
	if (count > dev->stats.ring_high_water)
		dev->stats.ring_high_water = count;
	/* Release: whoever sees pending set also sees the push. */
	__atomic_store_n(&dev->pending, true, __ATOMIC_RELEASE);
	return NULL;
}

/* The engine of mode off: zones are recorded, nothing ever arrives. */
static struct rv_coalesce_device *rv_none_drain(struct rv_coalesce *c)
{
	return NULL;
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

uint64_t rv_coalesce_drain(struct rv_coalesce *c)
{
	struct rv_coalesce_device *full;
	uint64_t before;

	pthread_mutex_lock(&c->lock);
	before = c->drained;
	while ((full = c->ops->drain(c))) {
		/*
		 * A device with no room: its entries are handled here, but
		 * without the engine lock, so that no other thread's drain,
		 * nor a poweroff's, waits for this device's handler (only a
		 * drain that must get past its entry does). Then go on.
		 */
		full->stats.ring_full_fallbacks++;
		pthread_mutex_unlock(&c->lock);
		rv_coalesce_device_flush(full);
		pthread_mutex_lock(&c->lock);
	}
	before = c->drained - before;
	pthread_mutex_unlock(&c->lock);
	return before;
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
	       (dev->spill && rv_coalesce_ring_count(dev->spill)) ||
	       __atomic_load_n(&dev->flushing, __ATOMIC_ACQUIRE);
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
	uint64_t t0;

	if (!c)
		return;
	if (owner)
		__atomic_fetch_add(&owner->stats.ordinary_exits, 1, __ATOMIC_RELAXED);
	if (c->mode == RV_COALESCE_OFF)
		return;
	t0 = owner ? rv_now_ns() : 0;
	rv_coalesce_note_activity(c);
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
	} else {
		/*
		 * Flush-before-access for the device being accessed, and only
		 * it: if its own context is flushing, we wait on its flush
		 * lock for its earlier writes, never for another device's.
		 */
		if (owner && rv_coalesce_has_work(owner))
			rv_coalesce_device_flush(owner);
		rv_coalesce_kick_pending(c, owner);
	}
	if (owner) {
		uint64_t ns = rv_now_ns() - t0;

		pthread_mutex_lock(&owner->flush_lock);
		rv_latency_add(&owner->stats.access, ns);
		pthread_mutex_unlock(&owner->flush_lock);
	}
}

/* ---- life cycle ---- */

static int rv_coalesce_spill_alloc(struct rv_coalesce_device *dev)
{
	struct rv_coalesce_ring *r = calloc(1, sizeof(*r));
	struct rv_coalesce_entry *mem = calloc(RV_COALESCE_SPILL_ENTRIES, sizeof(*mem));

	if (!r || !mem) {
		free(r);
		free(mem);
		return -ENOMEM;
	}
	rv_coalesce_ring_init(r, mem, RV_COALESCE_SPILL_ENTRIES);
	dev->spill = r;
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

void rv_coalesce_vm_closed(struct rv_coalesce *c)
{
	if (c)
		c->vm_closed = true;
}

void rv_coalesce_destroy(struct rv_coalesce *c)
{
	if (!c)
		return;
	/* The contexts first: they flush and use doorbells. */
	for (struct rv_coalesce_device *d = c->devices; d; d = d->next)
		rv_coalesce_ctx_stop(d);
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
		if (d->spill) {
			free(d->spill->entries);
			free(d->spill);
			d->spill = NULL;
		}
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
	dev->doorbell_on_loop = false;
	dev->ctx = NULL;
	dev->spill = NULL;
	dev->next = NULL;
	/* Its own drain context: per-device mode, by its choice or the policy's. */
	if (c->mode == RV_COALESCE_PER_DEVICE &&
	    (dev->drain == RV_COALESCE_DRAIN_OWN || (dev->drain == RV_COALESCE_DRAIN_DEFAULT &&
						     c->drain_policy == RV_COALESCE_DRAIN_OWN))) {
		ret = rv_coalesce_spill_alloc(dev);
		if (!ret)
			ret = rv_coalesce_ctx_start(dev);
		if (ret) {
			if (dev->spill) {
				free(dev->spill->entries);
				free(dev->spill);
				dev->spill = NULL;
			}
			pthread_mutex_destroy(&dev->flush_lock);
			dev->engine = NULL;
			return rv_err_wrap(ret, "%s: drain context", dev->name);
		}
		c->nr_ctx++;
	}
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
