// SPDX-License-Identifier: GPL-2.0
/*
 * guest_memfd RAM (api.rst, KVM_CREATE_GUEST_MEMFD): memory that KVM
 * itself hands out, by file descriptor, rather than memory the VMM maps and
 * KVM looks up through the VMM's page tables (the design discussed in
 * "[PATCH v6 4/8] KVM: Extend the memslot to support fd-based private
 * memory", kvm list, May-June 2022).
 *
 * For a default VM (no confidential computing) it serves as ordinary RAM
 * with two flags, both reported in KVM_CAP_GUEST_MEMFD_FLAGS:
 *   GUEST_MEMFD_FLAG_MMAP         the fd can be mmapped: the VMM loads the
 *                                 kernel and reads virtqueues through it;
 *   GUEST_MEMFD_FLAG_INIT_SHARED  its memory starts out shared (not private),
 *                                 so host faults on that mmap are allowed.
 * The slot is registered with api.rst, KVM_SET_USER_MEMORY_REGION2,
 * flag KVM_MEM_GUEST_MEMFD, naming the fd and the offset in it;
 * userspace_addr points at the VMM's mmap of the same fd.
 *
 * Every capability is probed: a kernel without them gets one message that
 * names what is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "backend.h"
#include "vmm/util.h"

#define RV_GMEM_FLAGS (GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED)

static int rv_mem_gmem_probe(const struct rv_mem_ctx *ctx)
{
	int flags;

	/* Asked of the VM fd: the answers depend on the VM type (api.rst, KVM_CHECK_EXTENSION). */
	if (!rv_kvm_cap(ctx->vm_fd, KVM_CAP_USER_MEMORY2))
		return rv_err(
			-ENOTSUP,
			"--mem-backend guest_memfd: this KVM lacks KVM_CAP_USER_MEMORY2 (KVM_SET_USER_MEMORY_REGION2)");
	if (!rv_kvm_cap(ctx->vm_fd, KVM_CAP_GUEST_MEMFD))
		return rv_err(
			-ENOTSUP,
			"--mem-backend guest_memfd: this KVM lacks KVM_CAP_GUEST_MEMFD (KVM_CREATE_GUEST_MEMFD)");
	flags = rv_kvm_cap(ctx->vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS);
	if ((flags & RV_GMEM_FLAGS) != RV_GMEM_FLAGS)
		return rv_err(
			-ENOTSUP,
			"--mem-backend guest_memfd: this KVM lacks KVM_CAP_GUEST_MEMFD_FLAGS with MMAP and INIT_SHARED (value %d; guest_memfd as ordinary RAM needs both)",
			flags);
	return 0;
}

static int rv_mem_gmem_map(const struct rv_mem_ctx *ctx, struct rv_mem_region *r)
{
	struct kvm_create_guest_memfd gmem = { .size = r->size, .flags = RV_GMEM_FLAGS };
	uint8_t *p;
	int fd, ret;

	fd = rv_kvm_ioctl(ctx->vm_fd, KVM_CREATE_GUEST_MEMFD, &gmem);
	if (fd < 0)
		return rv_err_wrap(fd, "guest RAM %s: guest_memfd of %" PRIu64 " MiB", r->name,
				   r->size >> 20);
	/* KVM makes the fd without O_CLOEXEC. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		ret = rv_err(-errno, "guest RAM %s: guest_memfd: F_SETFD: %s", r->name,
			     strerror(errno));
		goto out_close;
	}
	/* MAP_SHARED is the only kind guest_memfd's mmap accepts. */
	p = rv_mem_map_aligned(r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0,
			       RV_MEM_HOST_ALIGN);
	if (p == MAP_FAILED) {
		ret = rv_err(-errno, "guest RAM %s: cannot mmap its guest_memfd: %s", r->name,
			     strerror(errno));
		goto out_close;
	}
	snprintf(r->note, sizeof(r->note), "guest_memfd, MMAP|INIT_SHARED");
	r->fd = fd;
	r->fd_offset = 0;
	r->kvm_flags = KVM_MEM_GUEST_MEMFD;
	r->host = p;
	return 0;

out_close:
	close(fd);
	return ret;
}

static void rv_mem_gmem_unmap(struct rv_mem_region *r)
{
	munmap(r->host, r->size);
	r->host = NULL;
	close(r->fd);
	r->fd = -1;
}

const struct rv_mem_backend rv_mem_backend_guest_memfd = {
	.name = "guest_memfd",
	.probe = rv_mem_gmem_probe,
	.map = rv_mem_gmem_map,
	.unmap = rv_mem_gmem_unmap,
};
