// SPDX-License-Identifier: GPL-2.0
/*
 * Description: what both x86 loaders share (arch/x86/boot.c): the choice
 * of loader (anything that is neither a bzImage nor an ELF64 vmlinux is
 * refused), the e820 map for every RAM layout, and reading the image
 * files (vmm/image.c): regular files only, whole-range bounds, files that
 * shrink while loading. The loader reads files, so each image built in
 * memory is handed to it as a memfd holding exactly its bytes; rv_image_*
 * is tested on real files, a FIFO, a directory and a short file.
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

#include "vmm/util.h"
#include "msg_fx.h"
#include "x86_boot_fx.h"

static void test_not_a_kernel(void **state)
{
	uint8_t junk[1024];
	struct rv_x86_boot_info info;

	(void)state;
	memset(junk, 0x90, sizeof(junk));
	expect_err(load(junk, sizeof(junk), "", NULL, 0, &info), -EINVAL,
		   "not a bzImage or ELF64 vmlinux");
	expect_err(load(junk, 0, "", NULL, 0, &info), -EINVAL, "0 bytes");
	expect_err(load(NULL, 0, "", NULL, 0, &info), -EINVAL, "no kernel");
}

static void test_e820_layouts(void **state)
{
	struct rv_mem m = { .nr = 0 };
	struct rv_x86_e820_entry t[8];
	struct rv_mem_region hi = { .gpa = RV_X86_HIGH_RAM_ADDR,
				    .size = 2 * RV_GiB,
				    .name = "ram-high" };
	struct rv_mem_region lo = { .gpa = 0, .size = RV_X86_MMIO_HOLE_ADDR, .name = "ram-low" };
	struct rv_mem_region rom = {
		.gpa = 0xffff0000, .size = 0x10000, .readonly = true, .name = "rom"
	};
	struct rv_mem_region pt = {
		.gpa = 0xe0000000, .size = 0x1000000, .device = true, .name = "pt0"
	};

	(void)state;
	/* 64 MiB: what the bzImage test checks through boot_params. */
	assert_int_equal(rv_x86_e820_build(&mem, t, 8), 3);
	assert_int_equal(t[2].addr + t[2].size, RAM_SIZE);

	/* 3 GiB low + 2 GiB high, added high first: sorted output. */
	assert_int_equal(rv_mem_add(&m, &hi, 4096), 0);
	assert_int_equal(rv_mem_add(&m, &lo, 4096), 0);
	assert_int_equal(rv_x86_e820_build(&m, t, 8), 4);
	assert_int_equal(t[0].addr, 0);
	assert_int_equal(t[0].size, RV_X86_EBDA_ADDR);
	assert_int_equal(t[1].type, RV_E820_RESERVED);
	assert_int_equal(t[2].addr, 0x100000);
	assert_int_equal(t[2].size, RV_X86_MMIO_HOLE_ADDR - 0x100000);
	assert_int_equal(t[2].type, RV_E820_RAM);
	assert_int_equal(t[3].addr, RV_X86_HIGH_RAM_ADDR);
	assert_int_equal(t[3].size, 2 * RV_GiB);
	assert_int_equal(t[3].type, RV_E820_RAM);

	/* Read-only memory is reserved, never RAM. */
	assert_int_equal(rv_mem_add(&m, &rom, 4096), 0);
	assert_int_equal(rv_x86_e820_build(&m, t, 8), 5);
	assert_int_equal(t[3].addr, 0xffff0000);
	assert_int_equal(t[3].type, RV_E820_RESERVED);
	rv_err_clear();
	expect_err(rv_x86_e820_build(&m, t, 4), -ENOSPC, "more than 4 entries");

	/* Device memory (a --passthrough slot) is in no e820 entry at all. */
	assert_int_equal(rv_mem_add(&m, &pt, 4096), 0);
	assert_int_equal(rv_x86_e820_build(&m, t, 8), 5);
	for (unsigned int i = 0; i < 5; i++)
		assert_false(t[i].addr <= pt.gpa && pt.gpa - t[i].addr < t[i].size);
}

/* rv_image_open: regular files only, named in every message. */
static void test_image_open(void **state)
{
	char dir[] = "/tmp/rv-x86-boot-XXXXXX", path[64];
	struct rv_image img;
	uint8_t buf[300];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kernel", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite("0123456789", 1, 10, f), 10);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rv_image_open(&img, "--kernel", path, UINT64_MAX), 0);
	assert_int_equal(img.size, 10);
	assert_ptr_equal(img.name, path);
	assert_int_equal(rv_image_pread(&img, 2, buf, 8), 0);
	assert_memory_equal(buf, "23456789", 8);
	rv_image_close(&img);
	assert_int_equal(img.fd, -1);
	rv_image_close(&img); /* twice is harmless */
	/* Larger than the guest RAM it is for: refused when opened. */
	rv_err_clear();
	expect_err(rv_image_open(&img, "--kernel", path, 9), -EFBIG,
		   "10 bytes, more than the 0 MiB");
	assert_int_equal(img.fd, -1);
	assert_int_equal(rv_image_open(&img, "--kernel", path, 10), 0);
	rv_image_close(&img);
	assert_int_equal(unlink(path), 0);

	rv_err_clear();
	expect_err(rv_image_open(&img, "--kernel", path, UINT64_MAX), -ENOENT,
		   "/kernel: No such file");
	assert_int_equal(img.fd, -1);
	rv_err_clear();
	expect_err(rv_image_open(&img, "--kernel", dir, UINT64_MAX), -EISDIR,
		   "a directory, not a regular file");
	assert_int_equal(img.fd, -1);
	/* A FIFO with no writer: refused at once, not a hang in open(). */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	rv_err_clear();
	expect_err(rv_image_open(&img, "--kernel", path, UINT64_MAX), -EINVAL,
		   "fifo: a FIFO, not a regular file");
	assert_int_equal(img.fd, -1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* rv_image_pread: whole-range bounds, short files and read errors. */
static void test_image_pread(void **state)
{
	uint8_t src[5000], *dst = malloc(sizeof(src));
	struct rv_image img, dir;

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 31 + 7);
	img = mkimg("img", src, sizeof(src));
	assert_int_equal(rv_image_pread(&img, 0, dst, sizeof(src)), 0);
	assert_memory_equal(dst, src, sizeof(src));
	assert_int_equal(rv_image_pread(&img, 4999, dst, 1), 0);
	assert_int_equal(dst[0], src[4999]);
	assert_int_equal(rv_image_pread(&img, 5000, dst, 0), 0);

	rv_err_clear();
	expect_err(rv_image_pread(&img, 4999, dst, 2), -EINVAL,
		   "img: 0x2 bytes at 0x1387 extend past the end of the 5000-byte file");
	rv_err_clear();
	expect_err(rv_image_pread(&img, UINT64_MAX, dst, 2), -EINVAL, "past the end");
	rv_err_clear();
	expect_err(rv_image_pread(&img, 1, dst, UINT64_MAX), -EINVAL, "past the end");

	/* The file shrank after its size was taken: -EIO, not garbage. */
	assert_int_equal(ftruncate(img.fd, 4096), 0);
	rv_err_clear();
	expect_err(rv_image_pread(&img, 4000, dst, 1000), -EIO,
		   "img: the file ends at 0x1000, short of the 5000 bytes");
	assert_memory_equal(dst, src + 4000, 96); /* what there was got read */
	rv_image_close(&img);

	/* pread() itself failing (EISDIR) is reported with its errno. */
	dir = (struct rv_image){ .fd = open("/", O_RDONLY | O_CLOEXEC), .size = 10, .name = "/" };
	assert_true(dir.fd >= 0);
	rv_err_clear();
	expect_err(rv_image_pread(&dir, 0, dst, 10), -EISDIR,
		   "/: reading 0xa bytes at 0x0: Is a directory");
	rv_image_close(&dir);
	free(dst);
}

/* A kernel or initrd that shrinks while loading fails cleanly. */
static void test_image_shrinks(void **state)
{
	uint8_t *k = make_bzimage(), initrd[8192] = { 3 };
	struct rv_image kimg = mkimg("kernel", k, BZ_SIZE),
			iimg = mkimg("initrd", initrd, sizeof(initrd));
	struct rv_x86_boot_cfg cfg = { .kernel = &kimg, .initrd = &iimg };
	struct rv_x86_boot_info info;

	(void)state;
	assert_int_equal(ftruncate(iimg.fd, 100), 0);
	expect_err(rv_x86_boot_load(&mem, &cfg, &info), -EIO, "initrd: the file ends at 0x64");
	assert_int_equal(ftruncate(kimg.fd, SETUP_SIZE + 10), 0);
	rv_err_clear();
	expect_err(rv_x86_boot_load(&mem, &cfg, &info), -EIO, "kernel: the file ends at 0xa0a");
	rv_image_close(&iimg);
	rv_image_close(&kimg);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_not_a_kernel, test_setup),
		cmocka_unit_test_setup(test_e820_layouts, test_setup),
		cmocka_unit_test_setup(test_image_open, test_setup),
		cmocka_unit_test_setup(test_image_pread, test_setup),
		cmocka_unit_test_setup(test_image_shrinks, test_setup),
	};

	return cmocka_run_group_tests_name("x86_boot", tests, group_setup, group_teardown);
}
