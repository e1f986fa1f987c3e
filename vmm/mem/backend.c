// SPDX-License-Identifier: GPL-2.0
/*
 * What every memslot backend shares: aligned mappings, registering and
 * deleting memslots, and the setup and release of the whole guest
 * physical map. The backends themselves are in mem-<backend>.c.
 */
#include "backend.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/util.h"

const struct rv_mem_backend *rv_mem_backend_get(enum rv_mem_backend_type t)
{
	switch (t) {
	case RV_MEM_BACKEND_ANON:
		return &rv_mem_backend_anon;
	case RV_MEM_BACKEND_MEMFD:
		return &rv_mem_backend_memfd;
	case RV_MEM_BACKEND_HUGETLB:
		return &rv_mem_backend_hugetlb;
	case RV_MEM_BACKEND_GUEST_MEMFD:
		return &rv_mem_backend_guest_memfd;
	case RV_MEM_BACKEND_PFNMAP:
		return &rv_mem_backend_pfnmap;
	case RV_MEM_BACKEND_NR:
		break;
	}
	return NULL;
}

void *rv_mem_map_aligned(size_t size, int prot, int flags, int fd, off_t off, size_t align)
{
	uint8_t *res, *p, *m;
	size_t len;
	int err;

	if (!size || __builtin_add_overflow(size, align, &len)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	/* Address space only: PROT_NONE, no commit charge. */
	res = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return MAP_FAILED;
	p = (uint8_t *)RV_ALIGN_UP((uintptr_t)res, align);
	m = mmap(p, size, prot, flags | MAP_FIXED, fd, off);
	if (m == MAP_FAILED) {
		err = errno;
		munmap(res, len);
		errno = err;
		return MAP_FAILED;
	}
	if (p > res)
		munmap(res, p - res);
	if (res + len > p + size)
		munmap(p + size, res + len - (p + size));
	return p;
}

/*
 * Create (@size = the region's size) or delete (@size = 0: api.rst,
 * KVM_SET_USER_MEMORY_REGION, "Deleting a slot is done by passing zero for
 * memory_size"; KVM_SET_USER_MEMORY_REGION2 alike) @r's memslot.
 */
static int rv_memslot_set(int vm_fd, const struct rv_mem_region *r, uint64_t size)
{
	if (r->kvm_flags & KVM_MEM_GUEST_MEMFD) {
		/*
		 * api.rst, KVM_SET_USER_MEMORY_REGION2: the slot's
		 * memory comes from guest_memfd at guest_memfd_offset;
		 * userspace_addr must still map the same memory for the
		 * VMM's own accesses (here: an mmap of that guest_memfd).
		 */
		struct kvm_userspace_memory_region2 kr = {
			.slot = r->slot,
			.flags = r->kvm_flags,
			.guest_phys_addr = r->gpa,
			.memory_size = size,
			.userspace_addr = (uintptr_t)r->host,
			.guest_memfd_offset = r->fd_offset,
			.guest_memfd = r->fd,
		};

		return rv_kvm_ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION2, &kr);
	}
	/*
	 * api.rst, KVM_SET_USER_MEMORY_REGION: KVM resolves
	 * [userspace_addr, + memory_size) in this process at fault time and
	 * follows changes to it through MMU notifiers, so the mapping need not
	 * be populated (or pinned) now.
	 */
	struct kvm_userspace_memory_region kr = {
		.slot = r->slot,
		.flags = r->kvm_flags,
		.guest_phys_addr = r->gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)r->host,
	};

	return rv_kvm_ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &kr);
}

int rv_memslot_register(int vm_fd, struct rv_mem_region *r)
{
	int ret = rv_memslot_set(vm_fd, r, r->size);

	if (ret)
		return rv_err_wrap(ret, "memslot %u (%s, %s at 0x%" PRIx64 ")", r->slot, r->name,
				   r->backend, r->gpa);
	r->registered = true;
	return 0;
}

int rv_memslot_unregister(int vm_fd, struct rv_mem_region *r)
{
	int ret = rv_memslot_set(vm_fd, r, 0);

	if (!ret)
		r->registered = false;
	return ret;
}

int rv_mem_setup(struct rv_mem *mem, struct rv_mem_setup *s)
{
	const struct rv_mem_backend *ram = rv_mem_backend_get(s->plan.ram_backend);
	long page = sysconf(_SC_PAGESIZE);
	int ret, nr_slots;

	memset(mem, 0, sizeof(*mem));
	if (!ram || ram == &rv_mem_backend_pfnmap)
		return rv_err(-EINVAL, "%s cannot back guest RAM",
			      rv_mem_backend_name(s->plan.ram_backend));
	/* Passthrough slots need nothing up front: "ro" is checked per slot. */
	if (ram->probe) {
		ret = ram->probe(&s->ctx);
		if (ret)
			return ret;
	}
	s->plan.page_size = page > 0 ? (uint64_t)page : 4096;
	/* api.rst, KVM_SET_USER_MEMORY_REGION: KVM_CAP_NR_MEMSLOTS is the limit, per VM. */
	nr_slots = rv_kvm_cap(s->ctx.vm_fd, KVM_CAP_NR_MEMSLOTS);
	s->plan.max_slots = nr_slots > 0 ? nr_slots : 0;
	ret = rv_memmap_build(mem, &s->plan);
	if (ret)
		return ret;

	for (unsigned int i = 0; i < mem->nr; i++)
		mem->regions[i].ops = mem->regions[i].device ? &rv_mem_backend_pfnmap : ram;
	for (unsigned int i = 0; i < mem->nr; i++) {
		struct rv_mem_region *r = &mem->regions[i];

		ret = r->ops->map(&s->ctx, r);
		if (ret)
			return ret;
		ret = rv_memslot_register(s->ctx.vm_fd, r);
		if (ret)
			return ret;
	}
	if (rv_log_level >= RV_LOG_DEBUG)
		rv_memmap_print(mem, stderr);
	return 0;
}

void rv_mem_release(struct rv_mem *mem, int vm_fd)
{
	/*
	 * Slots first: KVM must stop using a mapping before it goes. (It
	 * would cope anyway: munmap() fires the MMU notifier that zaps the
	 * slot's guest mappings. But a slot whose host range is unmapped,
	 * or mapped again to something else, is a slot the guest can fault
	 * into the wrong memory through.)
	 */
	for (unsigned int i = mem->nr; i-- > 0;) {
		struct rv_mem_region *r = &mem->regions[i];

		int ret;

		if (!r->registered || vm_fd < 0)
			continue;
		ret = rv_memslot_unregister(vm_fd, r);
		if (ret)
			rv_warn("deleting memslot %u (%s): %s", r->slot, r->name, strerror(-ret));
	}
	for (unsigned int i = mem->nr; i-- > 0;) {
		struct rv_mem_region *r = &mem->regions[i];

		if (r->ops && r->host)
			r->ops->unmap(r);
	}
	mem->nr = 0;
}

/* Is the two-letter VmFlags mnemonic @fl in @line, as a whole word? */
static bool rv_mem_vmflag(const char *line, const char *fl)
{
	for (const char *p = line; (p = strstr(p, fl)); p += 2)
		if (p > line && p[-1] == ' ' && (p[2] == ' ' || p[2] == '\n' || !p[2]))
			return true;
	return false;
}

/*
 * A VMA's header line in smaps: "start-end perms offset dev inode path".
 * strtoul, not sscanf: scanf would link ~75 kB of glibc (its float
 * parsers) into the static binary, memory besides guest RAM.
 */
static bool rv_mem_vma_header(const char *line, unsigned long *start)
{
	char *p;

	*start = strtoul(line, &p, 16);
	if (p == line || *p != '-')
		return false;
	line = p + 1;
	strtoul(line, &p, 16);
	return p != line && *p == ' ';
}

int rv_mem_vma_flags(const void *addr, bool *pfnmap, bool *io)
{
	char *line = NULL;
	size_t cap = 0;
	bool in_vma = false;
	int ret = -ENOENT;
	FILE *f;

	*pfnmap = *io = false;
	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		unsigned long start;

		if (rv_mem_vma_header(line, &start)) {
			if (in_vma)
				break;
			in_vma = start == (uintptr_t)addr;
			continue;
		}
		if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			/* Two-letter mnemonics (proc.rst): pf = VM_PFNMAP, io = VM_IO. */
			*pfnmap = rv_mem_vmflag(line, "pf");
			*io = rv_mem_vmflag(line, "io");
			ret = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return ret;
}
