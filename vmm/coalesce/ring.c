// SPDX-License-Identifier: GPL-2.0
/*
 * The device ring (coalesce.h, struct rv_coalesce_ring): single producer
 * (the engine's drain, under the engine lock), single consumer (the
 * device's flush, under its flush lock), free-running 32-bit indices.
 * Each barrier's comment says what it orders (docs/coalescing.md, "Locks").
 */
#include <errno.h>

#include "coalesce.h"

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
