// SPDX-License-Identifier: GPL-2.0
/*
 * The "vm-ring-router" coalescing engine: what every upstream kernel offers.
 *
 * api.rst, KVM_REGISTER_COALESCED_MMIO (and KVM_UNREGISTER_COALESCED_MMIO):
 * writes inside a registered zone do not exit; KVM appends them to one ring
 * per VM, the page at offset KVM_CAP_COALESCED_MMIO (the capability's
 * value, in pages) of every vCPU's run mapping. A port zone needs
 * KVM_CAP_COALESCED_PIO and .pio = 1.
 *
 * The ring (struct kvm_coalesced_mmio_ring): KVM fills the slot at `last`,
 * then smp_wmb(), then advances `last`; userspace copies out the slot at
 * `first`, then advances `first`. Its size follows the kernel's page size:
 * (page_size - sizeof(ring)) / sizeof(entry) slots, computed here at run
 * time. KVM keeps one slot free, so a full ring holds one less; and kernels
 * before 6.12 stop at about half of that (coalesced_mmio_has_room() took
 * the free space of an unsigned wrap modulo the slot count), after which a
 * write exits as usual. Nothing here depends on the ring ever being full.
 *
 * This engine drains the ring and routes every entry, by address, to the
 * device that owns its zone (rv_coalesce_route). It never probes the
 * per-buffer ioctls proposed in "KVM: Add KVM_CREATE_COALESCED_MMIO_BUFFER
 * ioctl" (kvm list, August 2024): they were never merged and their numbers
 * were given to other features since.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "engine.h"
#include "vmm/kvm.h"
#include "vmm/util.h"

static struct rv_coalesce_device *rv_vmring_drain(struct rv_coalesce *c)
{
	struct kvm_coalesced_mmio_ring *ring = c->kring;
	uint64_t start = rv_now_ns(), seen = c->prev_drain_ns;
	struct rv_coalesce_device *full;
	uint32_t first, last;

	if (!ring)
		return NULL;
	c->kernel_drains++;
	/*
	 * Acquire, pairs with the smp_wmb() KVM does between filling a slot and
	 * advancing last: every slot before last is complete when we copy it.
	 */
	last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	first = __atomic_load_n(&ring->first, __ATOMIC_RELAXED); /* ours */
	/*
	 * The page is writable by the kernel only, but these index it: out of
	 * range means corrupted. Reset nothing (whatever wrote them may still
	 * be writing), drain nothing, say so once.
	 */
	if (first >= c->kcap || last >= c->kcap) {
		c->corrupt++;
		if (!c->warned_corrupt) {
			c->warned_corrupt = true;
			rv_warn("coalescing: kernel ring indices out of range (first %u, last %u, %u slots): not draining",
				first, last, c->kcap);
		}
		return NULL;
	}
	/* At most kcap - 1 slots: last was read once. */
	while (first != last) {
		struct kvm_coalesced_mmio k = ring->coalesced_mmio[first];
		/*
		 * No timestamp in the ring: the entry was not there when the
		 * previous drain read `last`, so it was written after that
		 * drain started. seen_ns is that upper bound's base.
		 */
		struct rv_coalesce_entry e = {
			.addr = k.phys_addr,
			.len = k.len,
			.pio = !!k.pio,
			.seen_ns = seen,
		};

		/* len is from the shared page: copy at most the 8 bytes of data[]. */
		memcpy(&e.data, k.data, e.len < sizeof(k.data) ? e.len : sizeof(k.data));
		/*
		 * A device without room: the entry stays first in the ring
		 * (first not advanced) until the caller has flushed it, and
		 * this drain is not complete: prev_drain_ns stays, so the
		 * entries left keep their earlier seen_ns.
		 */
		full = rv_coalesce_route(c, &e);
		if (full)
			return full;
		first = (first + 1) % c->kcap;
		/* Release: our copy of the slot is done before KVM may refill it. */
		__atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
		c->kernel_entries++;
	}
	c->prev_drain_ns = start;
	return NULL;
}

static int rv_vmring_zone_add(struct rv_coalesce *c, struct rv_coalesce_zone *z)
{
	struct kvm_coalesced_mmio_zone kz = {
		.addr = z->addr,
		.size = (uint32_t)z->len,
		.pio = z->pio,
	};
	int ret;

	if (z->pio && !c->have_pio) {
		rv_debug("%s: ports 0x%" PRIx64 "+%" PRIu64
			 " are not coalesced: KVM lacks KVM_CAP_COALESCED_PIO",
			 z->dev->name, z->addr, z->len);
		return 0;
	}
	/* api.rst, KVM_REGISTER_COALESCED_MMIO: from now on, writes inside the zone go to the ring. */
	ret = rv_kvm_ioctl(c->vm_fd, KVM_REGISTER_COALESCED_MMIO, &kz);
	if (ret)
		return rv_err_wrap(ret, "%s: coalesced %s zone 0x%" PRIx64 "+%" PRIu64,
				   z->dev->name, z->pio ? "port" : "MMIO", z->addr, z->len);
	z->registered = true;
	return 0;
}

static void rv_vmring_destroy(struct rv_coalesce *c)
{
	for (unsigned int i = 0; i < c->nr_zones; i++) {
		struct rv_coalesce_zone *z = &c->zones[i];
		struct kvm_coalesced_mmio_zone kz = {
			.addr = z->addr,
			.size = (uint32_t)z->len,
			.pio = z->pio,
		};
		int ret;

		/* With the VM closed, its zones went with it. */
		if (!z->registered || c->vm_closed)
			continue;
		/* api.rst, KVM_UNREGISTER_COALESCED_MMIO: removes the zones inside these bounds. */
		ret = __rv_kvm_ioctl(c->vm_fd, KVM_UNREGISTER_COALESCED_MMIO, (unsigned long)&kz);
		if (ret)
			rv_warn("KVM_UNREGISTER_COALESCED_MMIO 0x%" PRIx64 ": %s", z->addr,
				strerror(-ret));
		z->registered = false;
	}
	c->kring = NULL;
}

const struct rv_coalesce_engine_ops rv_coalesce_vmring_ops = {
	.name = "vm-ring-router",
	.drain = rv_vmring_drain,
	.zone_add = rv_vmring_zone_add,
	.destroy = rv_vmring_destroy,
};

void rv_coalesce_probe(int fd, long page_size, struct rv_coalesce_probe *p)
{
	int off = rv_kvm_cap(fd, KVM_CAP_COALESCED_MMIO);
	size_t hdr = sizeof(struct kvm_coalesced_mmio_ring);

	memset(p, 0, sizeof(*p));
	p->engine = rv_coalesce_none_ops.name;
	/* The capability's value is the ring's page offset; 0: no ring. */
	if (off <= 0 || page_size <= 0 ||
	    (size_t)page_size < hdr + 2 * sizeof(struct kvm_coalesced_mmio))
		return;
	p->engine = rv_coalesce_vmring_ops.name;
	p->ring_page_offset = off;
	/* The kernel's KVM_COALESCED_MMIO_MAX, at run time, minus the free slot. */
	p->ring_entries = (page_size - hdr) / sizeof(struct kvm_coalesced_mmio) - 1;
	p->pio = rv_kvm_cap(fd, KVM_CAP_COALESCED_PIO) > 0;
}

static void rv_vmring_set_ring(struct rv_coalesce *c, void *page)
{
	pthread_mutex_lock(&c->lock);
	c->kring = page;
	/* No vCPU has run: the ring holds no write older than now. */
	c->prev_drain_ns = rv_now_ns();
	pthread_mutex_unlock(&c->lock);
}

int rv_coalesce_vmring_init(struct rv_coalesce *c, void *ring_page)
{
	struct rv_coalesce_probe probe;

	rv_coalesce_probe(c->vm_fd, c->page_size, &probe);
	if (!probe.ring_page_offset)
		return rv_err(
			-ENOTSUP,
			"--coalesce %s needs KVM_CAP_COALESCED_MMIO, which this KVM lacks (use --coalesce off)",
			rv_coalesce_mode_name(c->mode));
	c->ops = &rv_coalesce_vmring_ops;
	c->ring_offset = probe.ring_page_offset;
	c->kcap = probe.ring_entries + 1;
	c->have_pio = probe.pio;
	if (!c->have_pio)
		rv_debug(
			"coalescing: KVM lacks KVM_CAP_COALESCED_PIO: port zones will not be coalesced");
	if (ring_page)
		rv_vmring_set_ring(c, ring_page);
	return 0;
}

int rv_coalesce_attach_ring(struct rv_coalesce *c, void *vcpu0_run, size_t run_size)
{
	uint64_t end;

	if (!c || !c->ring_offset)
		return 0;
	end = (uint64_t)(c->ring_offset + 1) * (uint64_t)c->page_size;
	/* api.rst, KVM_GET_VCPU_MMAP_SIZE: it covers the ring page. Check it. */
	if (!vcpu0_run || end > run_size)
		return rv_err(-EINVAL,
			      "coalescing: ring page %d ends past the %zu-byte vCPU mapping",
			      c->ring_offset, run_size);
	rv_vmring_set_ring(c, (uint8_t *)vcpu0_run + (size_t)c->ring_offset * c->page_size);
	return 0;
}
