/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memslot backends: where the host memory behind a guest physical range
 * comes from, and how KVM is told about it. One small file each:
 *
 *   anon.c          anonymous private memory (the default)
 *   memfd.c         memfd, optionally hugetlb: RAM another process can map
 *   guest-memfd.c   api.rst, KVM_CREATE_GUEST_MEMFD, mmapped for the VMM's
 *                   own accesses, registered with api.rst,
 *                   KVM_SET_USER_MEMORY_REGION2
 *   pfnmap.c        a file mapped as is (a PCI BAR, /dev/mem, a VFIO
 *                       region): a --passthrough slot
 *
 * The life of a region (vmm/mem/plan.h plans it, rv_mem_setup() runs it):
 *   probe()   once per backend in use: does this KVM/host offer it? The
 *             error names the missing capability.
 *   map()     give the region a host mapping of exactly r->size bytes at
 *             r->host, 2 MiB-aligned (so the host can use huge pages for
 *             it and KVM can map it with huge pages in the guest), and set
 *             r->fd, r->kvm_flags, r->note.
 *   register  KVM_SET_USER_MEMORY_REGION(2) of the region as memslot r->slot.
 *   release   delete the memslot first, then unmap(): the mapping must
 *             outlive the slot (see docs/memory.md).
 */
#ifndef RV_MEM_BACKEND_H
#define RV_MEM_BACKEND_H

#include <stddef.h>
#include <sys/types.h>

#include "translate.h"
#include "plan.h"

/* What a backend may need from the VM. */
struct rv_mem_ctx {
	int kvm_fd; /* /dev/kvm (system capabilities) */
	int vm_fd;  /* the VM: its capabilities, KVM_CREATE_GUEST_MEMFD */
};

struct rv_mem_backend {
	const char *name;
	/* NULL: nothing to probe. 0, or -errno with a message. */
	int (*probe)(const struct rv_mem_ctx *ctx);
	/* 0 with r->host set, or -errno with a message and nothing left behind. */
	int (*map)(const struct rv_mem_ctx *ctx, struct rv_mem_region *r);
	/* Undo map(); the memslot is already gone. */
	void (*unmap)(struct rv_mem_region *r);
};

extern const struct rv_mem_backend rv_mem_backend_anon;
extern const struct rv_mem_backend rv_mem_backend_memfd;
extern const struct rv_mem_backend rv_mem_backend_hugetlb;
extern const struct rv_mem_backend rv_mem_backend_guest_memfd;
extern const struct rv_mem_backend rv_mem_backend_pfnmap;

const struct rv_mem_backend *rv_mem_backend_get(enum rv_mem_backend_type t);

/* Guest RAM's host alignment: huge pages in the host (THP) and in KVM's map. */
#define RV_MEM_HOST_ALIGN (2UL << 20)

/*
 * mmap(@size, @prot, @flags, @fd, @off) at an address aligned to @align:
 * reserve size + align of address space, map over the aligned part with
 * MAP_FIXED, return the slack. Exactly [result, result + size) stays
 * mapped. MAP_FAILED with errno on failure, and nothing left mapped.
 */
void *rv_mem_map_aligned(size_t size, int prot, int flags, int fd, off_t off, size_t align);

/*
 * Tell KVM about @r as memslot r->slot: api.rst, KVM_SET_USER_MEMORY_REGION,
 * or KVM_SET_USER_MEMORY_REGION2 for a guest_memfd slot. Sets
 * r->registered.
 */
int rv_memslot_register(int vm_fd, struct rv_mem_region *r);
/* Delete memslot r->slot (memory_size 0, api.rst, KVM_SET_USER_MEMORY_REGION). */
int rv_memslot_unregister(int vm_fd, struct rv_mem_region *r);

struct rv_mem_setup {
	struct rv_mem_ctx ctx;
	struct rv_memmap_plan plan; /* page_size and max_slots: filled in */
};

/*
 * Build the whole guest physical map: probe the backends in use, plan the
 * slots (vmm/mem/plan.h, with the page size and KVM_CAP_NR_MEMSLOTS), map
 * and register each. On failure @mem holds what was done so far, for
 * rv_mem_release(). With --verbose, prints the map.
 */
int rv_mem_setup(struct rv_mem *mem, struct rv_mem_setup *setup);

/* Delete every memslot, then release its host mapping through its backend. */
void rv_mem_release(struct rv_mem *mem, int vm_fd);

/*
 * The flags of the VMA at @addr from /proc/self/smaps ("VmFlags: rd wr sh
 * mr mw me ms pf io ..."): sets *pfnmap and *io. 0, or -ENOENT when no VMA
 * starts at @addr, or -errno.
 */
int rv_mem_vma_flags(const void *addr, bool *pfnmap, bool *io);

#endif
