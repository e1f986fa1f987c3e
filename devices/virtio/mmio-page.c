// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio face's register page (see internal.h).
 *
 * What KVM does with it (api.rst, KVM_SET_USER_MEMORY_REGION): a slot
 * with KVM_MEM_READONLY is read by the guest like RAM, and "writes to it
 * will be posted to userspace as KVM_EXIT_MMIO exits". Before the exit
 * KVM offers the write to its MMIO bus, as for any MMIO write: x86
 * emulates the instruction (a write fault on a read-only slot is
 * KVM_PFN_ERR_RO_FAULT, emulated as MMIO: vcpu_mmio_write() then
 * kvm_io_bus_write()); arm64 takes the data abort to io_mem_abort(),
 * which calls kvm_io_bus_write() ("arm/arm64: KVM: Support
 * KVM_CAP_READONLY_MEM", 2014: "the MMIO exit on writes to a read-only
 * memory is ABI"). So QueueNotify and InterruptACK still reach their
 * ioeventfds (api.rst, KVM_IOEVENTFD) without an exit, and the rest
 * exit to the transport's write handler as before.
 *
 * Keeping it current. Every read a driver makes returns a value the
 * transport changes in three places, all under the transport lock: a
 * register write (a vCPU in an exit: published before the handler
 * returns, so before that vCPU runs on), the event loop's interrupts
 * (InterruptStatus, Status's DEVICE_NEEDS_RESET: published before the
 * irqfd pulse that tells the driver to look), and a device's config
 * change (rv_virtio_config_changed()). No register read has a side
 * effect the transport needs to see: InterruptStatus's read no longer
 * marks what the driver has seen (rv_vmmio_irq_raise() merges the ACKs
 * instead, see mmio-irq.c).
 *
 * Each word is one aligned 32-bit store, so a guest read of a word sees
 * it old or new, never half of each. A config change that spans words
 * cannot be made atomic by store order alone: the driver reads
 * ConfigGeneration, the fields, then ConfigGeneration again, and accepts
 * the fields when both reads agree ("Device Configuration Space"); with
 * two words to change, a read of the generation before its bump and
 * after the first word's store returns the same value twice around a
 * torn field, whichever the order. So such a change is published with
 * the memslot deleted: reads exit meanwhile and wait on the transport
 * lock, then see the whole change (rv_vmmio_page_publish_config()).
 *
 * Caches. The guest maps the window as device memory (uncached). On x86
 * the caches snoop uncached accesses, as for any RAM a guest maps so. On
 * arm64 an uncached read goes to memory past the caches unless the host
 * forces the guest's stage 2 attributes to write-back (FEAT_S2FWB, which
 * a VMM cannot see), so each store is cleaned to the point of coherency
 * (DC CVAC, which Linux lets userspace run) and a DSB completes it before
 * the next store and before the irqfd pulse.
 *
 * The page is one host page at the window's base: the platforms' slots
 * are 4 KiB apart, so a larger host page (arm64 with 64 KiB pages) would
 * cover the next device's window; then, and without
 * KVM_CAP_READONLY_MEM, reads exit as before.
 */
#include "devices/virtio/internal.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/virtio_mmio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/util.h"

#define RV_VMMIO_PAGE_SIZE 4096

/* The registers a driver reads ("MMIO Device Register Layout"), InterruptStatus last. */
static const uint16_t rv_vmmio_page_regs[] = {
	VIRTIO_MMIO_MAGIC_VALUE,  VIRTIO_MMIO_VERSION,		VIRTIO_MMIO_DEVICE_ID,
	VIRTIO_MMIO_VENDOR_ID,	  VIRTIO_MMIO_DEVICE_FEATURES,	VIRTIO_MMIO_QUEUE_NUM_MAX,
	VIRTIO_MMIO_QUEUE_READY,  VIRTIO_MMIO_STATUS,		VIRTIO_MMIO_SHM_LEN_LOW,
	VIRTIO_MMIO_SHM_LEN_HIGH, VIRTIO_MMIO_INTERRUPT_STATUS,
};

/* arm64: the store reaches memory, where the guest's uncached read looks. */
static void rv_vmmio_page_clean(uint32_t *w)
{
#if defined(__aarch64__)
	__asm__ volatile("dc cvac, %0\n\tdsb sy" : : "r"(w) : "memory");
#else
	(void)w;
#endif
}

/* One word, @le as the guest reads it: a single 32-bit store, skipped when equal. */
static unsigned int rv_vmmio_page_set(struct rv_virtio *t, uint64_t off, uint32_t le)
{
	uint32_t *w = &t->page[off / 4];

	if (__atomic_load_n(w, __ATOMIC_RELAXED) == le)
		return 0;
	__atomic_store_n(w, le, __ATOMIC_RELEASE);
	rv_vmmio_page_clean(w);
	return 1;
}

/* Config space bytes [@off, @off + 4), zero past the device's config, as the guest reads them. */
static uint32_t rv_vmmio_config_word(const struct rv_virtio *t, uint32_t off)
{
	uint8_t b[4] = { 0 };
	uint32_t w;

	if (off < t->config_len)
		memcpy(b, t->config + off, t->config_len - off < 4 ? t->config_len - off : 4);
	memcpy(&w, b, 4);
	return w;
}

void rv_vmmio_page_publish(struct rv_virtio *t)
{
	if (!t->page)
		return;
	for (uint32_t off = 0; off < t->config_len; off += 4)
		rv_vmmio_page_set(t, RV_VIRTIO_MMIO_CONFIG + off, rv_vmmio_config_word(t, off));
	rv_vmmio_page_set(t, VIRTIO_MMIO_CONFIG_GENERATION, htole32(t->config_generation));
	for (unsigned int i = 0; i < RV_ARRAY_SIZE(rv_vmmio_page_regs); i++)
		rv_vmmio_page_set(t, rv_vmmio_page_regs[i],
				  htole32(rv_virtio_reg_value(t, rv_vmmio_page_regs[i])));
}

/* Create (or with @add false delete) the read-only memslot over the window. -errno. */
static int rv_vmmio_page_slot(struct rv_virtio *t, bool add)
{
	struct kvm_userspace_memory_region r = {
		.slot = (uint32_t)t->page_slot,
		.flags = KVM_MEM_READONLY,
		.guest_phys_addr = t->base,
		.memory_size = add ? RV_VMMIO_PAGE_SIZE : 0,
		.userspace_addr = (uintptr_t)t->page,
	};

	return __rv_kvm_ioctl(t->env->vm_fd, KVM_SET_USER_MEMORY_REGION, (unsigned long)&r);
}

void rv_vmmio_page_publish_config(struct rv_virtio *t)
{
	unsigned int words = 0;
	int ret;

	if (!t->page)
		return;
	for (uint32_t off = 0; off < t->config_len; off += 4)
		words += t->page[(RV_VIRTIO_MMIO_CONFIG + off) / 4] != rv_vmmio_config_word(t, off);
	if (words > 1 && t->page_slot >= 0) {
		/*
		 * Reads exit while the slot is away (KVM zapped its mappings
		 * when the ioctl returns) and wait for our lock; a failure
		 * leaves them exiting, which is slower but exact.
		 */
		ret = rv_vmmio_page_slot(t, false);
		if (!ret) {
			rv_vmmio_page_publish(t);
			t->stats.page_flips++;
			ret = rv_vmmio_page_slot(t, true);
			if (!ret)
				return;
			rv_warn("%s: register page back in memslot %d: %s; its reads exit now",
				t->dev->name, t->page_slot, strerror(-ret));
			t->page_slot = -1;
			return;
		}
		rv_warn("%s: deleting memslot %d for a config change: %s", t->dev->name,
			t->page_slot, strerror(-ret));
	}
	rv_vmmio_page_publish(t);
}

void rv_vmmio_page_read(struct rv_virtio *t, uint64_t off, void *data, unsigned int len)
{
	/* The bus checked off + len against the window, which is inside the page. */
	memcpy(data, (const uint8_t *)t->page + off, len);
}

int rv_vmmio_page_setup(struct rv_virtio *t)
{
	struct rv_device_env *env = t->env;
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	int ret;

	t->page = NULL;
	t->page_slot = -1;
	if (!env->reg_pages)
		return 0;
	if (page != RV_VMMIO_PAGE_SIZE || t->base % RV_VMMIO_PAGE_SIZE) {
		rv_debug("%s: host pages of %ld bytes: register reads exit", t->dev->name, page);
		return 0;
	}
	if (env->vm_fd >= 0 && rv_kvm_cap(env->vm_fd, KVM_CAP_READONLY_MEM) <= 0) {
		rv_debug("%s: no KVM_CAP_READONLY_MEM: register reads exit", t->dev->name);
		return 0;
	}
	p = mmap(NULL, RV_VMMIO_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		return rv_err(-errno, "%s: register page: %s", t->dev->name, strerror(errno));
	/* Filled before KVM can map it: a never-written page would be the zero page. */
	t->page = p;
	rv_vmmio_page_publish(t);
	if (env->vm_fd < 0)
		return 0; /* unit tests: the page, read through the bus */
	t->page_slot = (int)env->reg_page_next;
	ret = rv_vmmio_page_slot(t, true);
	if (ret) {
		rv_debug("%s: read-only memslot %d at 0x%" PRIx64 ": %s; register reads exit",
			 t->dev->name, t->page_slot, t->base, strerror(-ret));
		munmap(p, RV_VMMIO_PAGE_SIZE);
		t->page = NULL;
		t->page_slot = -1;
		return 0;
	}
	env->reg_page_next++;
	return 0;
}

void rv_vmmio_page_fini(struct rv_virtio *t)
{
	if (!t->page)
		return;
	/* A closed VM (teardown) took its memslots with it. */
	if (t->page_slot >= 0 && t->env->vm_fd >= 0)
		rv_vmmio_page_slot(t, false);
	munmap(t->page, RV_VMMIO_PAGE_SIZE);
	t->page = NULL;
	t->page_slot = -1;
}
