// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the memslot backends' host side (the files of vmm/mem/), without KVM
 * (vm_fd -1: every capability reads as absent). rv_mem_map_aligned() gives
 * exactly the aligned range; anon and memfd RAM are 2 MiB-aligned and
 * writable, the memfd is sealed and shows what was written through the
 * mapping; hugetlb either maps or says how many huge pages are missing;
 * guest_memfd without KVM names the missing capability; passthrough of a
 * regular file maps the right offset, reports a page-backed VMA, and fails
 * with a message naming the slot for a short file, a directory, a file
 * that cannot be mapped, a missing file, and "ro" without
 * KVM_CAP_READONLY_MEM; rv_mem_release() unmaps what the backends mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/mem/backend.h"
#include "vmm/util.h"
#include "msg_fx.h"

#define MiB (1ULL << 20)

static const struct rv_mem_ctx no_kvm = { .kvm_fd = -1, .vm_fd = -1 };

static void expect_err(int ret, int want, ...) __attribute__((sentinel));
static void expect_err(int ret, int want, ...)
{
	va_list ap;

	va_start(ap, want);
	rv_test_expect_err_v(ret, want, ap);
	va_end(ap);
	rv_err_clear();
}

/* Is [p, p + len) mapped? mincore() fails with ENOMEM where it is not. */
static bool mapped(const void *p, size_t len)
{
	unsigned char vec[64];

	return mincore((void *)p, len, vec) == 0;
}

static struct rv_mem_region ram_region(uint64_t size)
{
	return (struct rv_mem_region){ .size = size, .name = "ram-low", .fd = -1 };
}

static void test_map_aligned(void **state)
{
	uint8_t *p;

	p = rv_mem_map_aligned(3 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
			       2 * MiB);
	assert_ptr_not_equal(p, MAP_FAILED);
	assert_true(RV_IS_ALIGNED((uintptr_t)p, 2 * MiB));
	p[0] = 1;
	p[3 * MiB - 1] = 2;
	/* The slack before and after is given back. */
	assert_false(mapped(p - 4096, 4096));
	assert_false(mapped(p + 3 * MiB, 4096));
	munmap(p, 3 * MiB);

	errno = 0;
	assert_ptr_equal(rv_mem_map_aligned(0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, 4096),
			 MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_ptr_equal(rv_mem_map_aligned(SIZE_MAX - 4095, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
					    -1, 0, 2 * MiB),
			 MAP_FAILED);
	/* A failed file mapping leaves no reservation behind (checked by ASan/LSan only). */
	assert_ptr_equal(rv_mem_map_aligned(4096, PROT_READ, MAP_SHARED, -1, 0, 4096), MAP_FAILED);
	assert_int_equal(errno, EBADF);
}

static void test_anon(void **state)
{
	struct rv_mem_region r = ram_region(4 * MiB);
	bool pf, io;

	assert_int_equal(rv_mem_backend_anon.map(&no_kvm, &r), 0);
	assert_non_null(r.host);
	assert_true(RV_IS_ALIGNED((uintptr_t)r.host, RV_MEM_HOST_ALIGN));
	assert_int_equal(r.fd, -1);
	assert_int_equal(r.kvm_flags, 0);
	assert_string_equal(r.note, "anonymous, MADV_HUGEPAGE");
	r.host[0] = 0x5a;
	r.host[r.size - 1] = 0xa5;
	assert_int_equal(rv_mem_vma_flags(r.host, &pf, &io), 0);
	assert_false(pf);
	assert_false(io);
	/* Only a VMA's start address names it. */
	assert_int_equal(rv_mem_vma_flags(r.host + 4096, &pf, &io), -ENOENT);
	rv_mem_backend_anon.unmap(&r);
	assert_null(r.host);
}

static void test_memfd(void **state)
{
	struct rv_mem_region r = ram_region(2 * MiB + 64 * 1024);
	uint8_t buf[8];

	assert_int_equal(rv_mem_backend_memfd.map(&no_kvm, &r), 0);
	assert_true(RV_IS_ALIGNED((uintptr_t)r.host, RV_MEM_HOST_ALIGN));
	assert_true(r.fd >= 0);
	assert_int_equal(r.fd_offset, 0);
	assert_int_equal(lseek(r.fd, 0, SEEK_END), r.size);
	assert_true(fcntl(r.fd, F_GETFD) & FD_CLOEXEC);
	/* What the VMM writes through the mapping is in the file. */
	memcpy(r.host + r.size - 8, "ringvmm!", 8);
	assert_int_equal(pread(r.fd, buf, 8, r.size - 8), 8);
	assert_memory_equal(buf, "ringvmm!", 8);
	/* Sealed: nobody sharing the fd can shrink or grow it. */
	assert_int_equal(ftruncate(r.fd, 4096), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(r.fd, 8 * MiB), -1);
	assert_int_equal(fcntl(r.fd, F_GET_SEALS) & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	rv_mem_backend_memfd.unmap(&r);
	assert_null(r.host);
	assert_int_equal(r.fd, -1);
}

static long free_huge_pages(void)
{
	long n = -1;
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static void test_hugetlb(void **state)
{
	struct rv_mem_region r = ram_region(4 * MiB);
	long nr_free = free_huge_pages();
	int ret;

	/* Not a multiple of the huge page size: refused before any mapping. */
	r.size = 3 * MiB;
	ret = rv_mem_backend_hugetlb.map(&no_kvm, &r);
	if (ret == -EINVAL && strstr(rv_err_msg(), "memfd_create"))
		skip(); /* no hugetlbfs in this kernel */
	expect_err(ret, -EINVAL, "guest RAM ram-low is 3 MiB",
		   "not a multiple of the 2 MiB huge page size", NULL);
	assert_null(r.host);

	r.size = 4 * MiB;
	ret = rv_mem_backend_hugetlb.map(&no_kvm, &r);
	if (nr_free >= 2) {
		assert_int_equal(ret, 0);
		assert_true(RV_IS_ALIGNED((uintptr_t)r.host, 2 * MiB));
		assert_non_null(strstr(r.note, "hugetlb 2 MiB pages"));
		r.host[0] = 1;
		rv_mem_backend_hugetlb.unmap(&r);
	} else if (nr_free >= 0) {
		/* The pool is too small: said at start, not as a SIGBUS later. */
		char want[64];

		snprintf(want, sizeof(want), "the host has %ld free", nr_free);
		expect_err(ret, -ENOMEM, "needs 2 huge pages of 2 MiB", want, "nr_hugepages", NULL);
		assert_null(r.host);
	}
}

static void test_guest_memfd_without_kvm(void **state)
{
	struct rv_mem_region r = ram_region(2 * MiB);

	expect_err(rv_mem_backend_guest_memfd.probe(&no_kvm), -ENOTSUP, "--mem-backend guest_memfd",
		   "KVM_CAP_USER_MEMORY2", NULL);
	expect_err(rv_mem_backend_guest_memfd.map(&no_kvm, &r), -EBADF,
		   "guest RAM ram-low: guest_memfd", "KVM_CREATE_GUEST_MEMFD", NULL);
	assert_null(r.host);
}

struct pt_fixture {
	char path[96];
	char dir[64];
	struct rv_mem_region r;
};

static int pt_setup(void **state)
{
	struct pt_fixture *f = calloc(1, sizeof(*f));
	uint8_t page[4096];
	int fd;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rv-test-pfnmap.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/bar", f->dir);
	fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	/* 16 pages, each filled with its index. */
	for (unsigned int i = 0; i < 16; i++) {
		memset(page, i, sizeof(page));
		if (write(fd, page, sizeof(page)) != sizeof(page))
			return -1;
	}
	close(fd);
	f->r = (struct rv_mem_region){
		.gpa = 0xe0000000,
		.size = 4 * 4096,
		.name = "pt0",
		.device = true,
		.fd = -1,
		.fd_offset = 8 * 4096,
		.path = f->path,
	};
	rv_err_clear();
	*state = f;
	return 0;
}

static int pt_teardown(void **state)
{
	struct pt_fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_pfnmap_file(void **state)
{
	struct pt_fixture *f = *state;
	struct rv_mem_region *r = &f->r;
	uint8_t page[4096];
	int fd;

	assert_int_equal(rv_mem_backend_pfnmap.map(&no_kvm, r), 0);
	assert_true(RV_IS_ALIGNED((uintptr_t)r->host, RV_MEM_HOST_ALIGN));
	/* A regular file is page-backed, and --memmap says so. */
	assert_string_equal(r->note, "page-backed, not VM_PFNMAP");
	assert_int_equal(r->kvm_flags, 0);
	assert_int_equal(r->fd, -1);
	/* Offset 8 pages: the first mapped page holds 8s, the last 11s. */
	assert_int_equal(r->host[0], 8);
	assert_int_equal(r->host[r->size - 1], 11);
	/* Writes go to the file (MAP_SHARED). */
	memset(r->host + 4096, 0x77, 4096);
	rv_mem_backend_pfnmap.unmap(r);
	assert_null(r->host);
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, page, sizeof(page), 9 * 4096), sizeof(page));
	close(fd);
	assert_int_equal(page[0], 0x77);
	assert_int_equal(page[4095], 0x77);
}

static void test_pfnmap_errors(void **state)
{
	struct pt_fixture *f = *state;
	struct rv_mem_region *r = &f->r;
	char fifo[160];

	/* Offset 8 pages + 9 pages is past the 16-page file. */
	r->size = 9 * 4096;
	expect_err(rv_mem_backend_pfnmap.map(&no_kvm, r), -EINVAL, "passthrough pt0", f->path,
		   "is 65536 bytes, too short for offset 0x8000 + size 0x9000", NULL);
	/* Exactly to the end is fine. */
	r->size = 8 * 4096;
	assert_int_equal(rv_mem_backend_pfnmap.map(&no_kvm, r), 0);
	rv_mem_backend_pfnmap.unmap(r);

	r->path = f->dir;
	expect_err(rv_mem_backend_pfnmap.map(&no_kvm, r), -EISDIR, "passthrough pt0", "a directory",
		   NULL);
	/* A FIFO: the O_RDWR open used to wait forever for a peer. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	r->path = fifo;
	alarm(20);
	expect_err(rv_mem_backend_pfnmap.map(&no_kvm, r), -EINVAL, "passthrough pt0", "path=", fifo,
		   "a FIFO, not a regular file or character device", NULL);
	alarm(0);
	assert_int_equal(unlink(fifo), 0);
	r->path = "/dev/null";
	r->fd_offset = 0;
	expect_err(rv_mem_backend_pfnmap.map(&no_kvm, r), -ENODEV, "passthrough pt0",
		   "cannot map 32 KiB of /dev/null at offset 0x0", NULL);
	r->path = "/nonexistent/bar";
	expect_err(rv_mem_backend_pfnmap.map(&no_kvm, r), -ENOENT, "passthrough pt0",
		   "/nonexistent/bar", NULL);
	/* ro needs KVM_CAP_READONLY_MEM, which a missing KVM does not have. */
	r->path = f->path;
	r->readonly = true;
	expect_err(rv_mem_backend_pfnmap.map(&no_kvm, r), -ENOTSUP, "passthrough pt0",
		   "KVM_CAP_READONLY_MEM", NULL);
	assert_null(r->host);
}

static void test_release(void **state)
{
	struct pt_fixture *f = *state;
	struct rv_mem mem = { 0 };
	struct rv_mem_region ram = ram_region(2 * MiB);
	uint8_t *a, *b;

	ram.ops = &rv_mem_backend_memfd;
	assert_int_equal(ram.ops->map(&no_kvm, &ram), 0);
	assert_int_equal(rv_mem_add(&mem, &ram, 4096), 0);
	f->r.ops = &rv_mem_backend_pfnmap;
	assert_int_equal(f->r.ops->map(&no_kvm, &f->r), 0);
	assert_int_equal(rv_mem_add(&mem, &f->r, 4096), 0);
	a = mem.regions[0].host;
	b = mem.regions[1].host;
	assert_true(mapped(a, 4096) && mapped(b, 4096));
	rv_mem_release(&mem, -1);
	assert_int_equal(mem.nr, 0);
	assert_false(mapped(a, 4096));
	assert_false(mapped(b, 4096));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_aligned),
		cmocka_unit_test(test_anon),
		cmocka_unit_test(test_memfd),
		cmocka_unit_test(test_hugetlb),
		cmocka_unit_test(test_guest_memfd_without_kvm),
		cmocka_unit_test_setup_teardown(test_pfnmap_file, pt_setup, pt_teardown),
		cmocka_unit_test_setup_teardown(test_pfnmap_errors, pt_setup, pt_teardown),
		cmocka_unit_test_setup_teardown(test_release, pt_setup, pt_teardown),
	};

	return cmocka_run_group_tests_name("mem_backend", tests, NULL, NULL);
}
