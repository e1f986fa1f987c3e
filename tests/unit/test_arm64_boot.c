// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 Image header (Documentation/arch/arm64/booting.rst) and where
 * the Image, initrd and device tree go: valid headers, every truncation,
 * every corrupted field, a fixed-seed corruption fuzz loop, placement rules
 * (2 MiB base + text_offset, the initrd's 32 GiB window, the dtb's own
 * 2 MiB region). Pure code: runs on any host.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/arch.h"
#include "arch/arm64/boot.h"
#include "arch/arm64/layout.h"
#include "vmm/mem/translate.h"
#include "vmm/util.h"

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* A header as Linux >= 5.10 writes it: text_offset 0, LE, 4K, anywhere. */
static void mk_image(uint8_t *buf, size_t len, uint64_t text_offset, uint64_t image_size,
		     uint64_t flags)
{
	memset(buf, 0, len);
	put32(buf, 0xfa405a4d); /* "MZ" + a branch, as with the EFI stub */
	put64(buf + 8, text_offset);
	put64(buf + 16, image_size);
	put64(buf + 24, flags);
	put32(buf + 56, RV_ARM64_IMAGE_MAGIC);
}

static void test_valid_header(void **state)
{
	uint8_t img[4096];
	struct rv_arm64_image h;

	mk_image(img, sizeof(img), 0, 40 * MiB, 0xa);
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), 0);
	assert_int_equal(h.text_offset, 0);
	assert_int_equal(h.image_size, 40 * MiB);
	assert_int_equal(h.page_size_kib, 4);
	assert_true(h.flags & RV_ARM64_IMAGE_FLAG_PHYS_ANY);
	assert_false(h.legacy);

	/* 16K and 64K page kernels, the historical text_offset. */
	mk_image(img, sizeof(img), 0x80000, 1 * MiB, 2 << 1);
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), 0);
	assert_int_equal(h.page_size_kib, 16);
	assert_int_equal(h.text_offset, 0x80000);
	mk_image(img, sizeof(img), 0, 1 * MiB, 3 << 1);
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), 0);
	assert_int_equal(h.page_size_kib, 64);
}

/* booting.rst: image_size 0 is a pre-3.17 kernel with text_offset 0x80000. */
static void test_legacy_header(void **state)
{
	uint8_t img[8192];
	struct rv_arm64_image h;

	mk_image(img, sizeof(img), 0x1234000, 0, 0xff);
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), 0);
	assert_true(h.legacy);
	assert_int_equal(h.text_offset, 0x80000);
	assert_int_equal(h.image_size, sizeof(img));
	assert_int_equal(h.flags, 0);
	/* From the head of the file only, the file's length is the size. */
	assert_int_equal(rv_arm64_image_parse_head(img, 64, 20 * MiB, &h), 0);
	assert_true(h.legacy);
	assert_int_equal(h.image_size, 20 * MiB);
	/* A modern header's own image_size wins over the file's length. */
	mk_image(img, sizeof(img), 0, 3 * MiB, 0xa);
	assert_int_equal(rv_arm64_image_parse_head(img, 64, 20 * MiB, &h), 0);
	assert_int_equal(h.image_size, 3 * MiB);
}

static void test_every_truncation_is_refused(void **state)
{
	uint8_t img[64];
	struct rv_arm64_image h;

	mk_image(img, sizeof(img), 0, 1 * MiB, 0xa);
	for (size_t len = 0; len < RV_ARM64_IMAGE_HDR_SIZE; len++) {
		rv_err_clear();
		assert_int_equal(rv_arm64_image_parse(img, len, &h), -ENOEXEC);
		assert_non_null(strstr(rv_err_msg(), "not an arm64 Image"));
	}
	assert_int_equal(rv_arm64_image_parse(img, 64, &h), 0);
}

static void test_bad_fields(void **state)
{
	uint8_t img[4096];
	struct rv_arm64_image h;

	mk_image(img, sizeof(img), 0, 1 * MiB, 0xa);
	img[56] ^= 1;
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), -ENOEXEC);

	mk_image(img, sizeof(img), 0, 1 * MiB, 0xb); /* big-endian */
	rv_err_clear();
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "big-endian"));

	mk_image(img, sizeof(img), 2 * MiB, 1 * MiB, 0xa); /* beyond the 2 MiB block */
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), -EINVAL);
	mk_image(img, sizeof(img), 0x80010, 1 * MiB, 0xa); /* not page aligned */
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), -EINVAL);
	mk_image(img, sizeof(img), UINT64_MAX & ~0xfffULL, 1 * MiB, 0xa);
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), -EINVAL);
	mk_image(img, sizeof(img), 0, UINT64_MAX, 0xa); /* image_size absurd */
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), -EINVAL);
	mk_image(img, sizeof(img), 0, 32, 0xa); /* smaller than its header */
	assert_int_equal(rv_arm64_image_parse(img, sizeof(img), &h), -EINVAL);
}

/* The message says what the file is instead. */
static void test_guesses(void **state)
{
	uint8_t buf[0x400] = { 0x1f, 0x8b, 8 };
	struct rv_arm64_image h;

	rv_err_clear();
	assert_int_equal(rv_arm64_image_parse(buf, sizeof(buf), &h), -ENOEXEC);
	assert_non_null(strstr(rv_err_msg(), "gzip"));
	memset(buf, 0, sizeof(buf));
	memcpy(buf,
	       "\x7f"
	       "ELF",
	       4);
	rv_err_clear();
	rv_arm64_image_parse(buf, sizeof(buf), &h);
	assert_non_null(strstr(rv_err_msg(), "ELF"));
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "MZ\0\0zimg", 8);
	rv_err_clear();
	rv_arm64_image_parse(buf, sizeof(buf), &h);
	assert_non_null(strstr(rv_err_msg(), "zboot"));
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 0x202, "HdrS", 4);
	rv_err_clear();
	rv_arm64_image_parse(buf, sizeof(buf), &h);
	assert_non_null(strstr(rv_err_msg(), "bzImage"));
}

/*
 * Random corruption of a valid header: the parser either accepts it with
 * every documented invariant holding, or refuses it; it never reads past
 * the buffer (run under ASan) and placement never yields an address
 * outside RAM.
 */
static void test_fuzz_header(void **state)
{
	uint8_t img[128];
	struct rv_arm64_image h;
	struct rv_arm64_boot_layout l;
	unsigned int seed = 12345;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = 64 + rand_r(&seed) % 64;

		mk_image(img, sizeof(img), 0, 16 * MiB, 0xa);
		for (int n = rand_r(&seed) % 8; n >= 0; n--)
			img[rand_r(&seed) % 64] = rand_r(&seed);
		if (rv_arm64_image_parse(img, len, &h))
			continue;
		assert_true(h.text_offset < 2 * MiB && h.text_offset % 4096 == 0);
		assert_false(h.flags & RV_ARM64_IMAGE_FLAG_BE);
		if (rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 256 * MiB, &h, len, 1 * MiB, &l))
			continue;
		assert_true(l.kernel_addr >= RV_ARM64_RAM_ADDR);
		assert_true(l.dtb_addr + RV_ARM64_DTB_MAX <= RV_ARM64_RAM_ADDR + 256 * MiB);
	}
}

static void test_placement(void **state)
{
	struct rv_arm64_image h = { .text_offset = 0, .image_size = 40 * MiB };
	struct rv_arm64_boot_layout l;

	assert_int_equal(rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 512 * MiB, &h, 27 * MiB,
					     3 * MiB + 5, &l),
			 0);
	/* booting.rst: a 2 MiB-aligned base (the start of RAM) + text_offset. */
	assert_int_equal(l.kernel_addr, RV_ARM64_RAM_ADDR);
	assert_int_equal(l.kernel_end, RV_ARM64_RAM_ADDR + 40 * MiB);
	/* The initrd after image_size (not the file size: the BSS is the kernel's). */
	assert_int_equal(l.initrd_addr, RV_ARM64_RAM_ADDR + 40 * MiB);
	assert_int_equal(l.initrd_end, l.initrd_addr + 3 * MiB + 5);
	/* The dtb in a 2 MiB region of its own, 8-byte aligned. */
	assert_int_equal(l.dtb_addr % (2 * MiB), 0);
	assert_true(l.dtb_addr >= l.initrd_end);
	assert_true(l.dtb_addr - l.initrd_end < 2 * MiB);

	/* text_offset is kept; a file longer than image_size still fits. */
	h = (struct rv_arm64_image){ .text_offset = 0x80000, .image_size = 1 * MiB };
	assert_int_equal(rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 64 * MiB, &h, 3 * MiB, 0, &l), 0);
	assert_int_equal(l.kernel_addr, RV_ARM64_RAM_ADDR + 0x80000);
	assert_int_equal(l.kernel_end, l.kernel_addr + 3 * MiB);
	assert_int_equal(l.initrd_addr, l.initrd_end);
}

static void test_placement_limits(void **state)
{
	struct rv_arm64_image h = { .text_offset = 0, .image_size = 40 * MiB };
	struct rv_arm64_boot_layout l;

	/* Kernel alone too big, kernel + initrd, no room left for the dtb. */
	assert_int_equal(rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 32 * MiB, &h, 1, 0, &l), -ENOSPC);
	assert_int_equal(rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 64 * MiB, &h, 1, 30 * MiB, &l),
			 -ENOSPC);
	/* 40 MiB kernel + 22 MiB initrd leave exactly the dtb's 2 MiB. */
	assert_int_equal(rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 64 * MiB, &h, 1, 22 * MiB + 1, &l),
			 -ENOSPC);
	assert_int_equal(rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 64 * MiB, &h, 1, 22 * MiB, &l), 0);
	/* The initrd must end inside the kernel's 1 GiB-aligned 32 GiB window. */
	assert_int_equal(rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 64 * GiB, &h, 1, 33 * GiB, &l),
			 -ENOSPC);
	assert_int_equal(rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 64 * GiB, &h, 1, 31 * GiB, &l), 0);
	/* Sizes that wrap are refused, not wrapped. */
	assert_int_equal(rv_arm64_boot_place(UINT64_MAX - MiB, 2 * MiB, &h, 1, 0, &l), -EINVAL);
	assert_int_equal(rv_arm64_boot_place(RV_ARM64_RAM_ADDR, 512 * MiB, &h, 1, UINT64_MAX, &l),
			 -ENOSPC);
}

static void test_load_copies_into_ram(void **state)
{
	static uint8_t ram[64 * MiB];
	struct rv_mem mem = { 0 };
	struct rv_mem_region r = {
		.gpa = RV_ARM64_RAM_ADDR,
		.size = sizeof(ram),
		.host = ram,
		.name = "ram",
	};
	struct rv_arm64_image h = { .text_offset = 0x80000, .image_size = 2 * MiB };
	struct rv_arm64_boot_layout l;
	uint8_t kernel[4096], initrd[100];

	memset(kernel, 0xaa, sizeof(kernel));
	memset(initrd, 0x55, sizeof(initrd));
	assert_int_equal(rv_mem_add(&mem, &r, 4096), 0);
	assert_int_equal(rv_arm64_boot_place(r.gpa, r.size, &h, sizeof(kernel), sizeof(initrd), &l),
			 0);
	assert_int_equal(rv_arm64_boot_load(&mem, &l, kernel, sizeof(kernel), initrd,
					    sizeof(initrd)),
			 0);
	assert_memory_equal(ram + 0x80000, kernel, sizeof(kernel));
	assert_memory_equal(ram + (l.initrd_addr - r.gpa), initrd, sizeof(initrd));
	/* Where the file loader reads to: the same places, in RAM's mapping. */
	void *khva, *ihva;

	assert_int_equal(rv_arm64_boot_ram(&mem, &l, sizeof(kernel), sizeof(initrd), &khva, &ihva),
			 0);
	assert_ptr_equal(khva, ram + 0x80000);
	assert_ptr_equal(ihva, ram + (l.initrd_addr - r.gpa));
	assert_int_equal(rv_arm64_boot_ram(&mem, &l, sizeof(kernel), 0, &khva, &ihva), 0);
	assert_null(ihva);
	/* Files longer than the ranges the layout gave them are refused. */
	rv_err_clear();
	assert_int_equal(rv_arm64_boot_ram(&mem, &l, l.kernel_end - l.kernel_addr + 1, 0, &khva,
					   &ihva),
			 -ENOSPC);
	assert_non_null(strstr(rv_err_msg(), "the kernel's"));
	rv_err_clear();
	assert_int_equal(rv_arm64_boot_ram(&mem, &l, sizeof(kernel), sizeof(initrd) + 1, &khva,
					   &ihva),
			 -ENOSPC);
	assert_non_null(strstr(rv_err_msg(), "the initrd's"));
	/* A layout pointing outside RAM is refused. */
	l.initrd_addr = RV_ARM64_RAM_ADDR + sizeof(ram) - 10;
	assert_int_equal(rv_arm64_boot_load(&mem, &l, kernel, sizeof(kernel), initrd,
					    sizeof(initrd)),
			 -ENOSPC);
}

/*
 * Guest RAM only: a layout whose kernel, initrd or dtb reaches a read-only
 * or --passthrough region is refused before a byte is written (a read-only
 * slot's host mapping is read-only: writing would be a SIGSEGV).
 */
static void test_load_only_into_ram(void **state)
{
	static uint8_t ram[16 * MiB];
	struct rv_mem mem = { 0 };
	struct rv_mem_region r = {
		.gpa = RV_ARM64_RAM_ADDR, .size = sizeof(ram), .host = ram, .name = "ram"
	};
	struct rv_mem_region pt = { .gpa = RV_ARM64_RAM_ADDR + sizeof(ram),
				    .size = 4 * MiB,
				    .readonly = true,
				    .device = true,
				    .name = "pt0",
				    .path = "/dev/mem" };
	struct rv_arm64_boot_layout l = { .kernel_addr = RV_ARM64_RAM_ADDR,
					  .kernel_end = RV_ARM64_RAM_ADDR + 2 * MiB,
					  .initrd_addr = RV_ARM64_RAM_ADDR + 2 * MiB,
					  .initrd_end = RV_ARM64_RAM_ADDR + 2 * MiB,
					  .dtb_addr = RV_ARM64_RAM_ADDR + 4 * MiB };
	uint8_t kernel[4096] = { 1 }, initrd[100] = { 2 };

	/* No host mapping behind pt0: a write there would crash the test. */
	pt.host = NULL;
	assert_int_equal(rv_mem_add(&mem, &r, 4096), 0);
	assert_int_equal(rv_mem_add(&mem, &pt, 4096), 0);
	assert_int_equal(rv_arm64_boot_load(&mem, &l, kernel, sizeof(kernel), NULL, 0), 0);
	/* The kernel's footprint (its BSS) reaching the slot. */
	l.kernel_end = pt.gpa + 1;
	rv_err_clear();
	assert_int_equal(rv_arm64_boot_load(&mem, &l, kernel, sizeof(kernel), NULL, 0), -ENOSPC);
	assert_non_null(strstr(rv_err_msg(), "passthrough slot pt0 /dev/mem"));
	l.kernel_end = RV_ARM64_RAM_ADDR + 2 * MiB;
	/* The initrd in the slot. */
	l.initrd_addr = pt.gpa;
	rv_err_clear();
	assert_int_equal(rv_arm64_boot_load(&mem, &l, kernel, sizeof(kernel), initrd,
					    sizeof(initrd)),
			 -ENOSPC);
	assert_non_null(strstr(rv_err_msg(), "the initrd"));
	l.initrd_addr = RV_ARM64_RAM_ADDR + 2 * MiB;
	/* The device tree's 2 MiB straddling the end of RAM into the slot. */
	l.dtb_addr = pt.gpa - MiB;
	rv_err_clear();
	assert_int_equal(rv_arm64_boot_load(&mem, &l, kernel, sizeof(kernel), NULL, 0), -ENOSPC);
	assert_non_null(strstr(rv_err_msg(), "the device tree"));
	/* A range past 2^64 is refused as such, not wrapped. */
	l.dtb_addr = UINT64_MAX - MiB;
	rv_err_clear();
	assert_int_equal(rv_arm64_boot_load(&mem, &l, kernel, sizeof(kernel), NULL, 0), -ENOSPC);
	assert_non_null(strstr(rv_err_msg(), "wraps"));
}

/*
 * Every align-up of a guest address is overflow-checked: RAM near the top
 * of the address space used to put the kernel, initrd or dtb at address 0
 * (RV_ALIGN_UP wraps) and report success.
 */
static void test_placement_align_overflow(void **state)
{
	struct rv_arm64_image h = { .text_offset = 0, .image_size = 3 * MiB };
	struct rv_arm64_boot_layout l;
	uint64_t x;

	/* The kernel base: 2^64 - 1 MiB rounds up past 2^64. */
	rv_err_clear();
	assert_int_equal(rv_arm64_boot_place(UINT64_MAX - MiB + 1, MiB - 1, &h, 1, 0, &l), -ENOSPC);
	assert_non_null(strstr(rv_err_msg(), "top of the address space"));
	/* The initrd and dtb after a kernel ending 1 MiB below 2^64. */
	assert_int_equal(rv_arm64_boot_place(UINT64_MAX - 4 * MiB + 1, 4 * MiB - 1, &h, 1, 0, &l),
			 -ENOSPC);
	assert_int_equal(rv_arm64_boot_place(UINT64_MAX - 4 * MiB + 1, 4 * MiB - 1, &h, 1, 4096,
					     &l),
			 -ENOSPC);
	/* The dtb: an initrd ending just below 2^64. */
	h.image_size = 2 * MiB;
	assert_int_equal(rv_arm64_boot_place(UINT64_MAX - 8 * MiB + 1, 8 * MiB - 1, &h, 1,
					     6 * MiB - 4096, &l),
			 -ENOSPC);
	/* And no success ever leaves an address below the RAM it was given. */
	for (uint64_t top = 1; top <= 16; top++) {
		uint64_t base = UINT64_MAX - top * MiB + 1;

		if (!rv_arm64_boot_place(base, top * MiB - 1, &h, 1, 4096, &l)) {
			assert_true(l.kernel_addr >= base);
			assert_true(l.initrd_addr >= base);
			assert_true(l.dtb_addr >= base);
		}
	}
	/* The helper itself. */
	assert_true(rv_align_up_u64(0, 2 * MiB, &x) && x == 0);
	assert_true(rv_align_up_u64(1, 2 * MiB, &x) && x == 2 * MiB);
	assert_true(rv_align_up_u64(UINT64_MAX - 2 * MiB + 1, 2 * MiB, &x) &&
		    x == UINT64_MAX - 2 * MiB + 1);
	x = 7;
	assert_false(rv_align_up_u64(UINT64_MAX - 2 * MiB + 2, 2 * MiB, &x));
	assert_int_equal(x, 7);
	assert_false(rv_align_up_u64(UINT64_MAX, 2, &x));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_header),
		cmocka_unit_test(test_legacy_header),
		cmocka_unit_test(test_every_truncation_is_refused),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_guesses),
		cmocka_unit_test(test_fuzz_header),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_placement_limits),
		cmocka_unit_test(test_load_copies_into_ram),
		cmocka_unit_test(test_load_only_into_ram),
		cmocka_unit_test(test_placement_align_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
