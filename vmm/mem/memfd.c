// SPDX-License-Identifier: GPL-2.0
/*
 * memfd RAM, optionally hugetlb: guest RAM in a file descriptor, so another
 * process (a vhost-user backend, a debugger, a snapshot tool) can map the
 * same memory. The fd stays open for the VM's life; --memmap shows it.
 *
 * The file is sealed against shrinking and growing: a process sharing it
 * could otherwise truncate it under the guest, and the VMM's next access to
 * the missing pages would be a SIGBUS.
 *
 * hugetlb takes its pages from the host's pool (/proc/sys/vm/nr_hugepages)
 * when the file is mapped, so a pool too small fails here, at start, with
 * a message, and not later at a guest fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "vmm/util.h"

/* Free pages in the pool of @page_size-byte huge pages, or -1 if unknown. */
static long rv_mem_hugetlb_free(uint64_t page_size)
{
	char path[96], buf[32], *end;
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/free_hugepages",
		 page_size >> 10);
	f = fopen(path, "re");
	if (!f)
		return -1;
	/* strtol, not fscanf: see rv_mem_vma_flags(). */
	if (fgets(buf, sizeof(buf), f)) {
		n = strtol(buf, &end, 10);
		if (end == buf || (*end && *end != '\n') || n < 0)
			n = -1;
	}
	fclose(f);
	return n;
}

static int rv_mem_memfd_map_common(struct rv_mem_region *r, bool huge)
{
	const char *what = huge ? "hugetlb" : "memfd";
	size_t align = RV_MEM_HOST_ALIGN;
	uint64_t hpage = 0;
	char name[64], sz[32], hsz[32];
	struct stat st;
	uint8_t *p;
	int fd, ret;

	snprintf(name, sizeof(name), "ringvmm:%s", r->name);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | (huge ? MFD_HUGETLB : 0));
	if (fd < 0)
		return rv_err(-errno, "--mem-backend %s: memfd_create for guest RAM %s: %s%s", what,
			      r->name, strerror(errno),
			      huge && errno == EINVAL ? " (is hugetlbfs in this kernel?)" : "");
	if (huge) {
		/* hugetlbfs reports its page size as the block size. */
		if (fstat(fd, &st) < 0) {
			ret = rv_err(-errno, "--mem-backend hugetlb: fstat: %s", strerror(errno));
			goto out_close;
		}
		hpage = st.st_blksize;
		if (!hpage || !RV_IS_ALIGNED(r->size, hpage)) {
			ret = rv_err(-EINVAL,
				     "--mem-backend hugetlb: guest RAM %s is %s, not a multiple of the %s huge page size (choose --mem accordingly)",
				     r->name, rv_memmap_size_str(r->size, sz, sizeof(sz)),
				     rv_memmap_size_str(hpage, hsz, sizeof(hsz)));
			goto out_close;
		}
		if (hpage > align)
			align = hpage;
	}
	if (ftruncate(fd, r->size) < 0) {
		ret = rv_err(-errno, "--mem-backend %s: sizing guest RAM %s to %s: %s", what,
			     r->name, rv_memmap_size_str(r->size, sz, sizeof(sz)), strerror(errno));
		goto out_close;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		ret = rv_err(-errno, "--mem-backend %s: sealing guest RAM %s: %s", what, r->name,
			     strerror(errno));
		goto out_close;
	}
	p = rv_mem_map_aligned(r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0, align);
	if (p == MAP_FAILED) {
		if (huge && errno == ENOMEM) {
			long nr_free = rv_mem_hugetlb_free(hpage);

			ret = rv_err(-ENOMEM,
				     "--mem-backend hugetlb: guest RAM %s needs %" PRIu64
				     " huge pages of %s, the host has %ld free (raise /proc/sys/vm/nr_hugepages)",
				     r->name, r->size / hpage,
				     rv_memmap_size_str(hpage, hsz, sizeof(hsz)), nr_free);
		} else {
			ret = rv_err(-errno, "--mem-backend %s: cannot map guest RAM %s (%s): %s",
				     what, r->name, rv_memmap_size_str(r->size, sz, sizeof(sz)),
				     strerror(errno));
		}
		goto out_close;
	}
	if (huge) {
		snprintf(r->note, sizeof(r->note), "memfd, hugetlb %s pages, sealed",
			 rv_memmap_size_str(hpage, hsz, sizeof(hsz)));
	} else {
		/* shmem honours the THP advice when shmem_enabled says "advise". */
		madvise(p, r->size, MADV_HUGEPAGE);
		snprintf(r->note, sizeof(r->note), "memfd, sealed, MADV_HUGEPAGE");
	}
	r->fd = fd;
	r->fd_offset = 0;
	r->host = p;
	return 0;

out_close:
	close(fd);
	return ret;
}

static int rv_mem_memfd_map(const struct rv_mem_ctx *ctx, struct rv_mem_region *r)
{
	return rv_mem_memfd_map_common(r, false);
}

static int rv_mem_hugetlb_map(const struct rv_mem_ctx *ctx, struct rv_mem_region *r)
{
	return rv_mem_memfd_map_common(r, true);
}

static void rv_mem_memfd_unmap(struct rv_mem_region *r)
{
	munmap(r->host, r->size);
	r->host = NULL;
	close(r->fd);
	r->fd = -1;
}

const struct rv_mem_backend rv_mem_backend_memfd = {
	.name = "memfd",
	.map = rv_mem_memfd_map,
	.unmap = rv_mem_memfd_unmap,
};

const struct rv_mem_backend rv_mem_backend_hugetlb = {
	.name = "hugetlb",
	.map = rv_mem_hugetlb_map,
	.unmap = rv_mem_memfd_unmap,
};
