// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues, the device side (see virtqueue.h). Section names are
 * those of the virtio 1.2 specification.
 *
 * Memory ordering. The driver runs on other CPUs and writes the descriptor
 * table and available ring before it publishes avail->idx with a write
 * barrier; so we read avail->idx with acquire semantics and only then the
 * ring slots and descriptors ("Receiving Used Buffers From The Device" has
 * the driver's side). We write used ring elements before used->idx with
 * release semantics. The two EVENT_IDX checks need a full barrier between
 * our store (used->idx, avail_event) and our load of the driver's field
 * (used_event, avail->idx): without it both sides can miss each other's
 * update and the queue stalls.
 *
 * Every field is copied out of guest memory once and checked on the copy:
 * the guest may change the rings under us at any time.
 */
#include "devices/virtio/virtqueue.h"

#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "vmm/mem/translate.h"

#define RV_VQ_DESC_SIZE 16

/* Bytes of each ring for a queue of @size (virtio 1.2, "Split Virtqueues"). */
static uint64_t rv_vq_desc_bytes(uint16_t size)
{
	return (uint64_t)size * RV_VQ_DESC_SIZE;
}

static uint64_t rv_vq_avail_bytes(uint16_t size)
{
	return 6 + 2ULL * size; /* flags, idx, ring[size], used_event */
}

static uint64_t rv_vq_used_bytes(uint16_t size)
{
	return 6 + 8ULL * size; /* flags, idx, ring[size] of {id, len}, avail_event */
}

static uint16_t rv_vq_load16(volatile uint8_t *p)
{
	return __atomic_load_n((volatile uint16_t *)p, __ATOMIC_RELAXED);
}

static uint16_t rv_vq_load16_acquire(volatile uint8_t *p)
{
	return __atomic_load_n((volatile uint16_t *)p, __ATOMIC_ACQUIRE);
}

static void rv_vq_store16(volatile uint8_t *p, uint16_t v)
{
	__atomic_store_n((volatile uint16_t *)p, v, __ATOMIC_RELAXED);
}

static int rv_vq_fail(struct rv_vq *vq, enum rv_vq_error e)
{
	if (vq->error == RV_VQ_OK)
		vq->error = e;
	return -EIO;
}

/*
 * Host address of a guest buffer the device will read, or write when
 * @write: the whole [gpa, gpa + len) inside one region (the one
 * overflow-checked translation), and never a read-only region for writes,
 * whose host mapping may be read-only too.
 */
static void *rv_vq_map(const struct rv_mem *mem, uint64_t gpa, uint64_t len, bool write)
{
	const struct rv_mem_region *r = rv_mem_find(mem, gpa, len);

	if (!r || (write && r->readonly))
		return NULL;
	return r->host + (gpa - r->gpa);
}

int rv_vq_start(struct rv_vq *vq, const struct rv_mem *mem)
{
	uint16_t size = vq->size;

	vq->error = RV_VQ_OK;
	vq->mem = mem;
	/*
	 * The driver chose the size (QueueNum): "Queue Size value is always
	 * a power of 2" for split queues, and at most what we offered.
	 */
	if (!size || size > RV_VQ_MAX_SIZE || (size & (size - 1))) {
		rv_vq_fail(vq, RV_VQ_E_SIZE);
		return -EINVAL;
	}
	/* The driver chose the addresses; alignments from "Split Virtqueues". */
	if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4) {
		rv_vq_fail(vq, RV_VQ_E_RING_ADDR);
		return -EINVAL;
	}
	vq->desc = rv_vq_map(mem, vq->desc_gpa, rv_vq_desc_bytes(size), false);
	vq->avail = rv_vq_map(mem, vq->avail_gpa, rv_vq_avail_bytes(size), false);
	vq->used = rv_vq_map(mem, vq->used_gpa, rv_vq_used_bytes(size), true);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = vq->avail = vq->used = NULL;
		rv_vq_fail(vq, RV_VQ_E_RING_ADDR);
		return -EINVAL;
	}
	vq->last_avail = vq->used_idx = vq->inflight = 0;
	vq->signalled_valid = false;
	vq->started = true;
	return 0;
}

void rv_vq_reset(struct rv_vq *vq)
{
	*vq = (struct rv_vq){ 0 };
}

/* One descriptor, copied out of the (guest-writable) table. */
struct rv_vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static void rv_vq_read_desc(volatile uint8_t *table, unsigned int i, struct rv_vq_desc *d)
{
	struct vring_desc raw;

	memcpy(&raw, (const uint8_t *)table + (size_t)i * RV_VQ_DESC_SIZE, sizeof(raw));
	d->addr = raw.addr;
	d->len = raw.len;
	d->flags = raw.flags;
	d->next = raw.next;
}

/* Append one buffer to @c; the order and length rules of "Message Framing". */
static int rv_vq_add_buf(struct rv_vq *vq, struct rv_vq_chain *c, const struct rv_vq_desc *d)
{
	bool write = d->flags & VRING_DESC_F_WRITE;
	unsigned int n = c->nr_out + c->nr_in;
	void *hva;

	/* Device-readable buffers come first: a driver that mixes them is broken. */
	if (!write && c->nr_in)
		return rv_vq_fail(vq, RV_VQ_E_ORDER);
	/* A used ring length is 32-bit: no chain may carry more. */
	if ((uint64_t)c->out_len + c->in_len + d->len > UINT32_MAX)
		return rv_vq_fail(vq, RV_VQ_E_TOTAL_LENGTH);
	/* The guest controls addr and len: the whole range must be its RAM. */
	hva = rv_vq_map(vq->mem, d->addr, d->len, write);
	if (!hva)
		return rv_vq_fail(vq, RV_VQ_E_BUF_ADDR);
	if (!d->len)
		return 0; /* nothing to transfer; not worth an iovec */
	/* Bounded by the chain length checks, which come first. */
	if (n >= RV_VQ_MAX_SIZE)
		return rv_vq_fail(vq, RV_VQ_E_CHAIN_LONG);
	c->iov[n] = (struct iovec){ .iov_base = hva, .iov_len = d->len };
	if (write) {
		c->nr_in++;
		c->in_len += d->len;
	} else {
		c->nr_out++;
		c->out_len += d->len;
	}
	return 0;
}

/*
 * An indirect table ("Indirect Descriptors"): a whole number of
 * descriptors, inside guest RAM, at most RV_VQ_MAX_SIZE of them, not
 * chained to anything and holding no further indirect descriptor.
 */
static int rv_vq_walk_indirect(struct rv_vq *vq, struct rv_vq_chain *c, const struct rv_vq_desc *d)
{
	volatile uint8_t *table;
	unsigned int nr, i = 0, hops = 0;
	struct rv_vq_desc e;
	int ret;

	if (!vq->indirect || (d->flags & VRING_DESC_F_NEXT) || !d->len ||
	    d->len % RV_VQ_DESC_SIZE || d->len / RV_VQ_DESC_SIZE > RV_VQ_MAX_SIZE)
		return rv_vq_fail(vq, RV_VQ_E_INDIRECT);
	table = rv_vq_map(vq->mem, d->addr, d->len, false);
	if (!table)
		return rv_vq_fail(vq, RV_VQ_E_INDIRECT);
	nr = d->len / RV_VQ_DESC_SIZE;
	for (;;) {
		/* The table's own length bounds the walk: more hops means a loop. */
		if (++hops > nr)
			return rv_vq_fail(vq, RV_VQ_E_CHAIN_LONG);
		rv_vq_read_desc(table, i, &e);
		if (e.flags & VRING_DESC_F_INDIRECT)
			return rv_vq_fail(vq, RV_VQ_E_INDIRECT);
		ret = rv_vq_add_buf(vq, c, &e);
		if (ret)
			return ret;
		if (!(e.flags & VRING_DESC_F_NEXT))
			return 0;
		/* The driver controls next: it must stay inside the table. */
		if (e.next >= nr)
			return rv_vq_fail(vq, RV_VQ_E_NEXT);
		i = e.next;
	}
}

static int rv_vq_walk(struct rv_vq *vq, struct rv_vq_chain *c, uint16_t head)
{
	unsigned int i = head, hops = 0;
	struct rv_vq_desc d;
	int ret;

	for (;;) {
		/*
		 * Bounded by the queue size: a chain with more descriptors
		 * than the table holds must visit one twice, a loop.
		 */
		if (++hops > vq->size)
			return rv_vq_fail(vq, RV_VQ_E_CHAIN_LONG);
		rv_vq_read_desc(vq->desc, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT)
			return rv_vq_walk_indirect(vq, c, &d);
		ret = rv_vq_add_buf(vq, c, &d);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		/* The driver controls next: it must name a descriptor of the table. */
		if (d.next >= vq->size)
			return rv_vq_fail(vq, RV_VQ_E_NEXT);
		i = d.next;
	}
}

int rv_vq_pop(struct rv_vq *vq, struct rv_vq_chain *c)
{
	uint16_t avail_idx, head;
	int ret;

	if (rv_vq_broken(vq) || !vq->started)
		return -EIO;
	avail_idx = rv_vq_load16_acquire(vq->avail + 2);
	/*
	 * The driver controls avail->idx: it may run at most a queue's worth
	 * ahead of what we consumed ("The Virtqueue Available Ring").
	 */
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
		return rv_vq_fail(vq, RV_VQ_E_AVAIL_IDX);
	if (avail_idx == vq->last_avail)
		return 0;
	/* Also bounds in-flight chains: each took a slot the driver filled. */
	if (vq->inflight >= vq->size)
		return rv_vq_fail(vq, RV_VQ_E_AVAIL_IDX);
	head = rv_vq_load16(vq->avail + 4 + 2 * (vq->last_avail & (vq->size - 1)));
	if (head >= vq->size)
		return rv_vq_fail(vq, RV_VQ_E_HEAD);
	c->head = head;
	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	ret = rv_vq_walk(vq, c, head);
	if (ret)
		return ret;
	vq->last_avail++;
	vq->inflight++;
	return 1;
}

int rv_vq_push(struct rv_vq *vq, uint16_t head, uint32_t len)
{
	volatile uint8_t *elem;
	uint32_t v[2] = { head, len };

	if (rv_vq_broken(vq) || !vq->started)
		return -EIO;
	/* Our own bookkeeping: a head we never popped is a device bug. */
	if (head >= vq->size || !vq->inflight)
		return rv_vq_fail(vq, RV_VQ_E_USED_ID);
	elem = vq->used + 4 + 8 * (vq->used_idx & (vq->size - 1));
	memcpy((uint8_t *)elem, v, sizeof(v));
	vq->used_idx++;
	vq->inflight--;
	/* The element before the index that publishes it. */
	__atomic_store_n((volatile uint16_t *)(vq->used + 2), vq->used_idx, __ATOMIC_RELEASE);
	return 0;
}

int rv_vq_push_n(struct rv_vq *vq, const uint16_t *heads, const uint32_t *lens, unsigned int n)
{
	if (rv_vq_broken(vq) || !vq->started)
		return -EIO;
	/* Our own bookkeeping: heads we never popped are a device bug. */
	if (n > vq->inflight)
		return rv_vq_fail(vq, RV_VQ_E_USED_ID);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t v[2] = { heads[i], lens[i] };

		if (heads[i] >= vq->size)
			return rv_vq_fail(vq, RV_VQ_E_USED_ID);
		memcpy((uint8_t *)vq->used + 4 +
			       8 * ((uint16_t)(vq->used_idx + i) & (vq->size - 1)),
		       v, sizeof(v));
	}
	vq->used_idx += n;
	vq->inflight -= n;
	/* Every element before the one index store that publishes them all. */
	__atomic_store_n((volatile uint16_t *)(vq->used + 2), vq->used_idx, __ATOMIC_RELEASE);
	return 0;
}

void rv_vq_unpop(struct rv_vq *vq, unsigned int n)
{
	if (n > vq->inflight)
		n = vq->inflight;
	vq->last_avail -= n;
	vq->inflight -= n;
}

bool rv_vq_should_interrupt(struct rv_vq *vq)
{
	uint16_t old, event;
	bool valid;

	if (!vq->started)
		return false;
	/* used->idx (stored above) before the driver's suppression fields. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(rv_vq_load16(vq->avail) & VRING_AVAIL_F_NO_INTERRUPT);
	event = rv_vq_load16(vq->avail + 4 + 2 * vq->size); /* used_event */
	old = vq->signalled_used;
	valid = vq->signalled_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	if (!valid)
		return true;
	return vring_need_event(event, vq->used_idx, old);
}

bool rv_vq_enable_notify(struct rv_vq *vq)
{
	if (!vq->started || rv_vq_broken(vq))
		return false;
	if (vq->event_idx)
		rv_vq_store16(vq->used + 4 + 8 * vq->size, vq->last_avail); /* avail_event */
	/* avail_event before re-reading avail->idx: see the top of the file. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return rv_vq_load16_acquire(vq->avail + 2) != vq->last_avail;
}

bool rv_vq_enable_notify_more(struct rv_vq *vq)
{
	uint16_t seen;

	if (!vq->started || rv_vq_broken(vq))
		return false;
	seen = rv_vq_load16_acquire(vq->avail + 2);
	/* avail_event at the driver's index: vring_need_event() fires at its next add. */
	if (vq->event_idx)
		rv_vq_store16(vq->used + 4 + 8 * vq->size, seen);
	/* avail_event before re-reading avail->idx, as in rv_vq_enable_notify(). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return rv_vq_load16_acquire(vq->avail + 2) != seen;
}

const char *rv_vq_error_name(enum rv_vq_error e)
{
	static const char *const names[] = {
		[RV_VQ_OK] = "ok",
		[RV_VQ_E_SIZE] = "bad queue size",
		[RV_VQ_E_RING_ADDR] = "ring outside guest RAM or misaligned",
		[RV_VQ_E_AVAIL_IDX] = "available index out of range",
		[RV_VQ_E_HEAD] = "head index out of range",
		[RV_VQ_E_NEXT] = "next index out of range",
		[RV_VQ_E_CHAIN_LONG] = "chain longer than the queue (a loop)",
		[RV_VQ_E_BUF_ADDR] = "buffer outside guest RAM",
		[RV_VQ_E_INDIRECT] = "bad indirect table",
		[RV_VQ_E_ORDER] = "readable buffer after a writable one",
		[RV_VQ_E_USED_ID] = "used id never popped",
		[RV_VQ_E_TOTAL_LENGTH] = "chain longer than 4 GiB",
	};

	return (unsigned int)e < sizeof(names) / sizeof(names[0]) && names[e] ? names[e] : "?";
}

/* Copy between @buf and the iovecs from byte @off on, either way. */
static size_t rv_vq_iov_copy(const struct iovec *iov, unsigned int n, size_t off, void *buf,
			     size_t len, bool to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		uint8_t *p = (uint8_t *)iov[i].iov_base + off;
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = iov[i].iov_len - off;
		if (chunk > len - done)
			chunk = len - done;
		if (to_iov)
			memcpy(p, (uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, p, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t rv_vq_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *dst, size_t len)
{
	return rv_vq_iov_copy(iov, n, off, dst, len, false);
}

size_t rv_vq_buf_to_iov(const struct iovec *iov, unsigned int n, size_t off, const void *src,
			size_t len)
{
	return rv_vq_iov_copy(iov, n, off, (void *)src, len, true);
}

/*
 * A snapshot's queue (rv_vq_restore): the indices come from the state
 * file and the rings from the memory file, both untrusted, and they must
 * agree: the used ring's idx is what the device last published, and the
 * driver cannot have made more than a queue's worth available past
 * what the device took.
 */
int rv_vq_restore(struct rv_vq *vq, const struct rv_mem *mem, uint16_t last_avail,
		  uint16_t used_idx, uint16_t signalled_used, bool signalled_valid)
{
	uint16_t avail_idx;

	if (rv_vq_start(vq, mem))
		return -EINVAL;
	avail_idx = rv_vq_load16_acquire(vq->avail + 2);
	if (rv_vq_load16(vq->used + 2) != used_idx || last_avail != used_idx ||
	    (uint16_t)(avail_idx - last_avail) > vq->size) {
		rv_vq_reset(vq);
		return -ERANGE;
	}
	vq->last_avail = last_avail;
	vq->used_idx = used_idx;
	vq->signalled_used = signalled_used;
	vq->signalled_valid = signalled_valid;
	return 0;
}
