/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest physical memory map: a small set of regions, each a memslot with
 * a host mapping. Everything the VMM reads or writes in guest memory goes
 * through rv_mem_gpa_to_hva(), the one overflow-checked translation: a guest
 * (or a bad image) controls the address and length, so both are checked as a
 * whole range against one region.
 */
#ifndef RV_MEM_H
#define RV_MEM_H

#include <stdbool.h>
#include <stdint.h>

#define RV_MEM_MAX_REGIONS 16

struct rv_mem_backend;

struct rv_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
	uint32_t slot;
	bool readonly;	     /* the guest cannot write it; never RAM in firmware maps */
	const char *backend; /* "anon", ... for --memmap and messages */
	const char *name;    /* "ram-low", "ram-high", "pt0", ... */

	/*
	 * Device memory (a --passthrough slot): not RAM, so firmware memory
	 * maps (e820) leave it out, as real firmware leaves out a PCI BAR.
	 */
	bool device;

	/*
	 * Memslot backends (vmm/mem/backend.h) fill the rest; a region with
	 * no @ops is not theirs (tests, ROM images) and is never released
	 * by them.
	 */
	const struct rv_mem_backend *ops;
	uint32_t kvm_flags; /* KVM_MEM_READONLY, KVM_MEM_GUEST_MEMFD */
	bool registered;    /* KVM has the memslot now */
	int fd;		    /* backing fd kept open (memfd, guest_memfd), or -1 */
	uint64_t fd_offset; /* of @gpa in @fd, or in @path's file */
	const char *path;   /* passthrough: the file mapped */
	char note[48];	    /* what the host mapping is, for --memmap */
};

struct rv_mem {
	struct rv_mem_region regions[RV_MEM_MAX_REGIONS];
	unsigned int nr;
};

/*
 * Add a region to the map (no KVM call). Rejects empty or wrapping ranges,
 * ranges not aligned to @align, and overlaps, with -EINVAL / -EEXIST.
 */
int rv_mem_add(struct rv_mem *mem, const struct rv_mem_region *r, uint64_t align);

/*
 * The region holding all of guest [gpa, gpa + len), or NULL. len == 0 is
 * allowed. The one overflow-checked lookup everything else goes through.
 */
const struct rv_mem_region *rv_mem_find(const struct rv_mem *mem, uint64_t gpa, uint64_t len);

/*
 * Host address of guest [gpa, gpa + len), or NULL unless the whole range
 * lies inside one region. len == 0 is allowed (returns the address of gpa).
 */
void *rv_mem_gpa_to_hva(const struct rv_mem *mem, uint64_t gpa, uint64_t len);

/*
 * Copy into / out of guest memory; -EFAULT when not wholly inside a region.
 * Writes never go to a read-only region: its host mapping may be read-only
 * too (a --passthrough ro slot), and a guest-chosen address must not be able
 * to crash the VMM.
 */
int rv_mem_write(const struct rv_mem *mem, uint64_t gpa, const void *src, uint64_t len);
int rv_mem_read(const struct rv_mem *mem, uint64_t gpa, void *dst, uint64_t len);

/*
 * Loaders: the host address of guest [gpa, gpa + len) only if all of it lies
 * in one RAM region: not read-only, not device memory (a --passthrough
 * slot, whose host mapping is a device's memory or a file the user named,
 * and may be read-only), not a hole. A kernel, initrd or firmware table
 * goes to guest RAM or nowhere: an image's header picks the address (e.g.
 * an ELF p_paddr), so this is the bound the image cannot cross. NULL with
 * rv_err() set: "@what [gpa, +len) is not in guest RAM (it reaches ...)".
 */
void *rv_mem_ram_hva(const struct rv_mem *mem, uint64_t gpa, uint64_t len, const char *what);
/* Copy @len bytes to guest RAM as rv_mem_ram_hva() allows; 0 or -ENOSPC. */
int rv_mem_ram_write(const struct rv_mem *mem, uint64_t gpa, const void *src, uint64_t len,
		     const char *what);

/* Total bytes of RAM (regions neither read-only nor device memory). */
uint64_t rv_mem_ram_size(const struct rv_mem *mem);

/* Fill @out with the regions by ascending gpa; returns how many. */
unsigned int rv_mem_sorted(const struct rv_mem *mem,
			   const struct rv_mem_region *out[RV_MEM_MAX_REGIONS]);

#endif
