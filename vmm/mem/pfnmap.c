// SPDX-License-Identifier: GPL-2.0
/*
 * PFNMAP passthrough (--passthrough): a file mapped as it is and handed to
 * the guest as a memslot of its own, so the guest reads and writes it with
 * no exits. Meant for mappings the kernel makes with VM_PFNMAP, memory with
 * no struct page behind it as far as this mapping is concerned: a PCI BAR
 * through sysfs resource<N> or a VFIO region, or RAM hidden from the host
 * kernel (memmap=) through /dev/mem.
 *
 * What KVM does with such a slot (api.rst, KVM_SET_USER_MEMORY_REGION; the
 * thread "Memory regions and VMAs across architectures", kvm and kvmarm
 * lists, November 2019): nothing at registration. On a guest fault,
 * get_user_pages() refuses VM_PFNMAP and VM_IO VMAs, so
 * hva_to_pfn_remapped() reads the PFN from this process's page table
 * (faulting it in with fixup_user_fault() if need be), maps it into the
 * guest, and drops that mapping when an MMU notifier says the host range
 * changed. VM_PFNMAP promises neither MMIO nor exclusivity: the
 * PFNs may be ordinary RAM, and other processes may map them too. Nothing
 * is pinned, so the VMM must keep the mapping for as long as the slot
 * exists (rv_mem_release() deletes the slot first). docs/memory.md has
 * the whole story.
 *
 * Any mmap-able file works: a regular file gives a page-backed mapping
 * that KVM handles like any other. --memmap says which kind it got, from
 * the VMA's flags in /proc/self/smaps.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "backend.h"
#include "vmm/util.h"

static int rv_mem_pfnmap_map(const struct rv_mem_ctx *ctx, struct rv_mem_region *r)
{
	int prot = PROT_READ | (r->readonly ? 0 : PROT_WRITE);
	bool pfnmap, io;
	uint64_t end;
	struct stat st;
	char sz[32];
	uint8_t *p;
	int fd, ret;

	/*
	 * api.rst, KVM_SET_USER_MEMORY_REGION: KVM_MEM_READONLY can be set
	 * "if KVM_CAP_READONLY_MEM capability allows it".
	 */
	if (r->readonly && !rv_kvm_cap(ctx->vm_fd, KVM_CAP_READONLY_MEM))
		return rv_err(-ENOTSUP,
			      "passthrough %s (%s): ro needs KVM_CAP_READONLY_MEM, which this KVM lacks",
			      r->name, r->path);
	/* A FIFO would block the open; a socket or directory maps nothing. */
	ret = rv_path_open("--passthrough path=", r->path, r->readonly ? O_RDONLY : O_RDWR, 0,
			   RV_PATH_REG | RV_PATH_CHR, &fd);
	if (ret)
		return rv_err_wrap(ret, "passthrough %s", r->name);
	if (fstat(fd, &st) < 0) {
		ret = rv_err(-errno, "passthrough %s: %s: %s", r->name, r->path, strerror(errno));
		goto out_close;
	}
	/*
	 * A regular file (sysfs resource<N> files count: their size is the
	 * BAR's) must hold the whole range, or a guest access past its end
	 * would find no page to fault in. Character devices (/dev/mem,
	 * VFIO) have no size here; their mmap refuses what they cannot map.
	 */
	if (S_ISREG(st.st_mode) &&
	    (__builtin_add_overflow(r->fd_offset, r->size, &end) || end > (uint64_t)st.st_size)) {
		ret = rv_err(-EINVAL,
			     "passthrough %s: %s is %" PRIu64
			     " bytes, too short for offset 0x%" PRIx64 " + size 0x%" PRIx64,
			     r->name, r->path, (uint64_t)st.st_size, r->fd_offset, r->size);
		goto out_close;
	}
	p = rv_mem_map_aligned(r->size, prot, MAP_SHARED, fd, r->fd_offset, RV_MEM_HOST_ALIGN);
	if (p == MAP_FAILED) {
		ret = rv_err(-errno,
			     "passthrough %s: cannot map %s of %s at offset 0x%" PRIx64 ": %s",
			     r->name, rv_memmap_size_str(r->size, sz, sizeof(sz)), r->path,
			     r->fd_offset, strerror(errno));
		goto out_close;
	}
	/* The mapping holds its own reference to the file. */
	close(fd);

	ret = rv_mem_vma_flags(p, &pfnmap, &io);
	if (ret)
		snprintf(r->note, sizeof(r->note), "VMA flags unknown: %s", strerror(-ret));
	else if (pfnmap)
		snprintf(r->note, sizeof(r->note), "VM_PFNMAP%s", io ? "|VM_IO" : "");
	else
		snprintf(r->note, sizeof(r->note), "page-backed, not VM_PFNMAP");
	r->kvm_flags = r->readonly ? KVM_MEM_READONLY : 0;
	r->host = p;
	return 0;

out_close:
	close(fd);
	return ret;
}

static void rv_mem_pfnmap_unmap(struct rv_mem_region *r)
{
	munmap(r->host, r->size);
	r->host = NULL;
}

const struct rv_mem_backend rv_mem_backend_pfnmap = {
	.name = "pfnmap",
	.map = rv_mem_pfnmap_map,
	.unmap = rv_mem_pfnmap_unmap,
};
