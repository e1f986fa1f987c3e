// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark sink: an MMIO region that only counts and checks what the
 * guest writes, so tests and benchmarks can tell whether coalesced writes
 * arrive exactly once and in order, and how long they took.
 *
 * MMIO layout, from the base (RV_BENCH_SINK_LEN = 0x1000 bytes, 8-byte
 * accesses):
 *
 *   0x000 - 0x7ff  data zone, coalesced when the VM coalesces:
 *   0x000 + 8k       DATA(k), k = 0..63: write the next sequence number of
 *                    stream k (one stream per vCPU or writer thread). Each
 *                    stream must carry 1, 2, 3, ... exactly once, in order.
 *                    Read: the highest value handled on stream k.
 *   0x200 - 0x7ff    reserved in the zone: writes count as "invalid"
 *   0x800 + 8k     COUNT(k), read: writes handled so far for stream k. An
 *                  ordinary exit, so the VMM flushes the device's earlier
 *                  coalesced writes first: a guest reading it right after
 *                  its writes sees all of them (flush-before-access).
 *   0xa00          ERROR, write: the guest saw a mismatch (value kept)
 *   0xa08          DOORBELL, write: flush the device's ring now
 *   0xa10          RESET, write: zero the counters and the streams
 *   0xa18          MARK, write: note the host's clock (first and last mark),
 *                  so a benchmark times the guest's phases from the VMM
 *   elsewhere      reads 0, writes ignored
 *
 * Created in port space (cfg->space RV_SPACE_PIO), it is the same device
 * with 4-byte registers (RV_BENCH_SINK_PIO_*, 0x400 ports): DATA(k) at 4k
 * (the coalesced zone, 0x100 ports, no reserved part), COUNT(k) at
 * 0x100 + 4k, ERROR 0x200, DOORBELL 0x204, RESET 0x208, MARK 0x20c.
 * Sequence numbers are then 32-bit.
 *
 * A value below the next expected one (late or duplicate) counts as
 * "reordered", one above it counts the skipped values as "lost"; either way
 * it is a handled write, and the stream goes on from the highest value.
 *
 * The device brings a ring of rv_bench_sink_ring_entries() entries (set
 * through devices/pseudo/bench-sink.h before the VM is created). Without a
 * coalescing engine (env->coalesce NULL) no zone is registered and every
 * write is an ordinary exit, checked by the same code.
 *
 * Locking: s->lock guards the counters. The engine calls the ring
 * handler with the device's flush lock held, so the order is flush lock,
 * then s->lock; the DOORBELL flush is called without s->lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/coalesce/coalesce.h"
#include "vmm/device.h"
#include "vmm/stats.h"
#include "vmm/util.h"
#include "bench-sink.h"

/* Where the registers are, in one of the two address spaces. */
struct rv_bench_sink_layout {
	uint32_t len;				      /* of the range */
	uint32_t zone_len;			      /* the data zone at offset 0: coalesced */
	uint32_t width;				      /* of every register, in bytes */
	uint32_t count, error, doorbell, reset, mark; /* offsets */
};

static const struct rv_bench_sink_layout rv_bench_sink_mmio = {
	.len = RV_BENCH_SINK_LEN,
	.zone_len = RV_BENCH_SINK_ZONE_LEN,
	.width = 8,
	.count = RV_BENCH_SINK_COUNT(0),
	.error = RV_BENCH_SINK_ERROR,
	.doorbell = RV_BENCH_SINK_DOORBELL,
	.reset = RV_BENCH_SINK_RESET,
	.mark = RV_BENCH_SINK_MARK,
};

static const struct rv_bench_sink_layout rv_bench_sink_pio = {
	.len = RV_BENCH_SINK_PIO_LEN,
	.zone_len = RV_BENCH_SINK_PIO_ZONE_LEN,
	.width = 4,
	.count = RV_BENCH_SINK_PIO_COUNT(0),
	.error = RV_BENCH_SINK_PIO_ERROR,
	.doorbell = RV_BENCH_SINK_PIO_DOORBELL,
	.reset = RV_BENCH_SINK_PIO_RESET,
	.mark = RV_BENCH_SINK_PIO_MARK,
};

struct rv_bench_sink {
	struct rv_device dev;
	uint64_t base;
	bool pio;
	const struct rv_bench_sink_layout *l;
	pthread_mutex_t lock;
	/* Next value expected per stream, minus one (0: nothing seen yet). */
	uint64_t last[RV_BENCH_SINK_STREAMS];
	struct rv_bench_sink_counters c;
	uint64_t work_ns; /* busy time per data write handled (atomic: set after creation) */
	/* Coalescing: the device's side and the ring it brings. */
	bool coalescing;
	struct rv_coalesce_device cdev;
	struct rv_coalesce_ring ring;
	struct rv_coalesce_entry *entries;
};

static unsigned int rv_bench_sink_entries = RV_BENCH_SINK_DEFAULT_ENTRIES;
static bool rv_bench_sink_doorbell;
static uint64_t rv_bench_sink_work;

void rv_bench_sink_set_work_ns(uint64_t ns)
{
	__atomic_store_n(&rv_bench_sink_work, ns, __ATOMIC_RELAXED);
}

void rv_bench_sink_set_doorbell(bool on)
{
	__atomic_store_n(&rv_bench_sink_doorbell, on, __ATOMIC_RELAXED);
}

int rv_bench_sink_set_ring_entries(unsigned int nr_entries)
{
	/* Free-running 32-bit indices wrap cleanly only at a power of two. */
	if (nr_entries == 0 || nr_entries > RV_BENCH_SINK_MAX_ENTRIES ||
	    (nr_entries & (nr_entries - 1)))
		return -EINVAL;
	__atomic_store_n(&rv_bench_sink_entries, nr_entries, __ATOMIC_RELAXED);
	return 0;
}

unsigned int rv_bench_sink_ring_entries(void)
{
	return __atomic_load_n(&rv_bench_sink_entries, __ATOMIC_RELAXED);
}

/*
 * One data-zone write, from an ordinary exit or from the ring. @off and
 * @len come from the guest (through the bus or through the kernel's ring
 * entry): anything but a register-wide write to a stream slot is counted
 * and dropped.
 */
static void rv_bench_sink_data(struct rv_bench_sink *s, uint64_t off, uint64_t value,
			       unsigned int len)
{
	unsigned int w = s->l->width;
	uint64_t k = off / w;

	pthread_mutex_lock(&s->lock);
	if (len != w || off % w || k >= RV_BENCH_SINK_STREAMS) {
		s->c.invalid++;
		goto out_unlock;
	}
	s->c.writes++;
	s->c.stream_writes[k]++;
	if (value <= s->last[k]) {
		s->c.reordered++;
		goto out_unlock;
	}
	s->c.lost += value - s->last[k] - 1;
	s->last[k] = value;
out_unlock:
	pthread_mutex_unlock(&s->lock);
	/* The modelled work: outside the lock, as a device's I/O would be. */
	if (__atomic_load_n(&s->work_ns, __ATOMIC_RELAXED)) {
		uint64_t until = rv_now_ns() + __atomic_load_n(&s->work_ns, __ATOMIC_RELAXED);

		while (rv_now_ns() < until)
			;
	}
}

/* The engine's ring handler: a deferred write, handled as if it had exited. */
static void rv_bench_sink_handle(void *opaque, const struct rv_coalesce_entry *e)
{
	struct rv_bench_sink *s = opaque;

	/* The engine routes by address; check it anyway, the guest chose it. */
	if ((bool)e->pio != s->pio || e->addr < s->base || e->addr - s->base >= s->l->zone_len) {
		pthread_mutex_lock(&s->lock);
		s->c.invalid++;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	rv_bench_sink_data(s, e->addr - s->base, e->data, e->len);
}

static void rv_bench_sink_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct rv_bench_sink *s = opaque;
	const struct rv_bench_sink_layout *l = s->l;
	uint64_t v = 0;

	pthread_mutex_lock(&s->lock);
	if (off < (uint64_t)l->width * RV_BENCH_SINK_STREAMS)
		v = s->last[off / l->width];
	else if (off >= l->count && off < l->count + (uint64_t)l->width * RV_BENCH_SINK_STREAMS)
		v = s->c.stream_writes[(off - l->count) / l->width];
	pthread_mutex_unlock(&s->lock);
	/* Any alignment: the indices above stay in bounds regardless. */
	memcpy(data, &v, len < sizeof(v) ? len : sizeof(v));
}

static void rv_bench_sink_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	struct rv_bench_sink *s = opaque;
	const struct rv_bench_sink_layout *l = s->l;
	uint64_t v = 0, now;

	/* The bus passes register-wide accesses only; never read past @len anyway. */
	memcpy(&v, data, len < sizeof(v) ? len : sizeof(v));
	if (off < l->zone_len) {
		rv_bench_sink_data(s, off, v, len);
		return;
	}
	if (off == l->doorbell) {
		/* Not under s->lock: the flush calls back into the handler. */
		if (s->coalescing)
			rv_coalesce_device_flush(&s->cdev);
		pthread_mutex_lock(&s->lock);
		s->c.doorbells++;
		pthread_mutex_unlock(&s->lock);
	} else if (off == l->error) {
		pthread_mutex_lock(&s->lock);
		s->c.read_mismatch++;
		s->c.last_error = v;
		pthread_mutex_unlock(&s->lock);
	} else if (off == l->reset) {
		pthread_mutex_lock(&s->lock);
		v = s->c.resets + 1;
		memset(s->last, 0, sizeof(s->last));
		memset(&s->c, 0, sizeof(s->c));
		s->c.resets = v;
		pthread_mutex_unlock(&s->lock);
	} else if (off == l->mark) {
		now = rv_now_ns();
		pthread_mutex_lock(&s->lock);
		if (!s->c.marks++)
			s->c.first_mark_ns = now;
		s->c.last_mark_ns = now;
		pthread_mutex_unlock(&s->lock);
	}
}

static const struct rv_bus_ops rv_bench_sink_bus_ops = {
	/* Ordinary exits: 8-byte only. Ring entries carry any size: checked. */
	.access_sizes = RV_BUS_SIZE_8,
	.read = rv_bench_sink_read,
	.write = rv_bench_sink_write,
};

/* Port I/O has no 8-byte access: the port variant's registers are 4 bytes. */
static const struct rv_bus_ops rv_bench_sink_pio_ops = {
	.access_sizes = RV_BUS_SIZE_4,
	.read = rv_bench_sink_read,
	.write = rv_bench_sink_write,
};

static void rv_bench_sink_stats(struct rv_device *dev, struct rv_stats_sink *out);
static void rv_bench_sink_destroy(struct rv_device *dev);

static const struct rv_device_ops rv_bench_sink_ops = {
	.stats = rv_bench_sink_stats,
	.destroy = rv_bench_sink_destroy,
};

int rv_bench_sink_set_device_work(struct rv_device *dev, uint64_t ns)
{
	if (!dev || dev->ops != &rv_bench_sink_ops)
		return -EINVAL;
	__atomic_store_n(&((struct rv_bench_sink *)dev->priv)->work_ns, ns, __ATOMIC_RELAXED);
	return 0;
}

int rv_bench_sink_counters(const struct rv_device *dev, struct rv_bench_sink_counters *out)
{
	struct rv_bench_sink *s;

	if (!dev || dev->ops != &rv_bench_sink_ops)
		return -EINVAL;
	s = dev->priv;
	pthread_mutex_lock(&s->lock);
	*out = s->c;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void rv_bench_sink_stats(struct rv_device *dev, struct rv_stats_sink *out)
{
	struct rv_bench_sink *s = dev->priv;
	struct rv_bench_sink_counters c;

	pthread_mutex_lock(&s->lock);
	c = s->c;
	pthread_mutex_unlock(&s->lock);
	rv_stats_u64(out, "writes", c.writes);
	rv_stats_u64(out, "lost", c.lost);
	rv_stats_u64(out, "reordered", c.reordered);
	rv_stats_u64(out, "read_mismatch", c.read_mismatch);
	rv_stats_u64(out, "invalid", c.invalid);
	if (s->coalescing)
		rv_coalesce_stats_emit(&s->cdev, out);
}

static void rv_bench_sink_destroy(struct rv_device *dev)
{
	struct rv_bench_sink *s = dev->priv;

	pthread_mutex_destroy(&s->lock);
	free(s->entries);
	free(s);
}

static int rv_bench_sink_coalesce(struct rv_bench_sink *s, struct rv_device_env *env)
{
	unsigned int n = rv_bench_sink_ring_entries();
	int ret;

	s->entries = calloc(n, sizeof(*s->entries));
	if (!s->entries)
		return rv_err(-ENOMEM, "%s: no memory for a %u-entry ring", s->dev.name, n);
	ret = rv_coalesce_ring_init(&s->ring, s->entries, n);
	if (ret)
		return rv_err(ret, "%s: ring of %u entries: %s", s->dev.name, n, strerror(-ret));
	s->cdev.name = s->dev.name;
	s->cdev.ring = &s->ring;
	s->cdev.handle = rv_bench_sink_handle;
	s->cdev.opaque = s;
	ret = rv_coalesce_device_add(env->coalesce, &s->cdev);
	if (ret)
		return rv_err_wrap(ret, "%s", s->dev.name);
	/* From here on the engine holds &s->cdev: the device must stay alive. */
	s->coalescing = true;
	s->dev.coalesce = &s->cdev;
	ret = rv_coalesce_zone_add(&s->cdev, s->base, s->l->zone_len, s->pio);
	if (ret)
		return rv_err_wrap(ret, "%s: zone 0x%" PRIx64 "+0x%x", s->dev.name, s->base,
				   s->l->zone_len);
	/*
	 * With a doorbell, DOORBELL writes never reach rv_bench_sink_write():
	 * KVM signals the engine's eventfd instead, and the loop flushes us.
	 */
	if (__atomic_load_n(&rv_bench_sink_doorbell, __ATOMIC_RELAXED)) {
		ret = rv_coalesce_doorbell_add(&s->cdev, s->base + s->l->doorbell, s->l->width,
					       s->pio);
		if (ret)
			return rv_err_wrap(ret, "%s", s->dev.name);
	}
	return 0;
}

static int rv_bench_sink_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	bool pio = cfg->space == RV_SPACE_PIO;
	struct rv_bench_sink *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->base = cfg->base;
	s->pio = pio;
	s->work_ns = __atomic_load_n(&rv_bench_sink_work, __ATOMIC_RELAXED);
	s->l = pio ? &rv_bench_sink_pio : &rv_bench_sink_mmio;
	snprintf(s->dev.name, sizeof(s->dev.name), "%s", cfg->name);
	s->dev.ops = &rv_bench_sink_ops;
	s->dev.priv = s;
	ret = rv_bus_register(pio ? env->pio : env->mmio, cfg->base, s->l->len,
			      pio ? &rv_bench_sink_pio_ops : &rv_bench_sink_bus_ops, s, &s->dev);
	if (ret) {
		rv_bench_sink_destroy(&s->dev);
		return rv_err(ret, "%s range 0x%" PRIx64 "+0x%x: %s", pio ? "port" : "mmio",
			      cfg->base, s->l->len, strerror(-ret));
	}
	/*
	 * Added to the device list before the engine learns of it, so a
	 * failure below still leaves one owner (the list) to free it after
	 * the engine is gone.
	 */
	rv_device_add(env, &s->dev);
	if (env->coalesce)
		return rv_bench_sink_coalesce(s, env);
	return 0;
}

static struct rv_device_type rv_bench_sink_type = {
	.name = "bench-sink",
	.create = rv_bench_sink_create,
};
RV_DEVICE_TYPE(rv_bench_sink_type)
