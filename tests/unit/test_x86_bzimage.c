// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the bzImage loader (arch/x86/bzimage.c) against synthetic
 * images in a malloc'ed guest RAM (x86_boot_fx.c): a valid image lands
 * where boot.rst says with the boot_params it asks for, its entry, initrd
 * and command line placed by the header's limits; old protocols, bad and
 * truncated headers, images that do not fit, and randomly corrupted ones
 * are rejected with -EINVAL / -E2BIG / -ENOSPC and a message, never a
 * crash (run under ASan/UBSan and valgrind).
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

static void test_bzimage_valid(void **state)
{
	const char *cmdline = "console=ttyS0 root=/dev/vda rw";
	size_t ilen = (1 << 20) + 123;
	uint8_t *k = make_bzimage(), *initrd = malloc(ilen);
	struct rv_x86_boot_info info;
	uint64_t iaddr;

	(void)state;
	for (size_t i = 0; i < ilen; i++)
		initrd[i] = (uint8_t)(i ^ (i >> 9));
	put32(k, 0x23c, 2);	     /* hardware_subarch Xen: not what we are */
	put64(k, 0x250, 0x12345678); /* setup_data: not ours to pass on */
	assert_int_equal(load(k, BZ_SIZE, cmdline, initrd, ilen, &info), 0);
	assert_int_equal(info.entry, 0x100200);
	assert_true(info.entry_64);
	assert_int_equal(info.boot_params_addr, BP);
	assert_int_equal(info.kernel_addr, 0x100000);
	assert_int_equal(info.kernel_size, PAYLOAD_SIZE);
	assert_int_equal(info.protocol, 0x020f);
	assert_memory_equal(ram + 0x100000, k + SETUP_SIZE, PAYLOAD_SIZE);

	/* The setup header, copied and then filled in. */
	assert_int_equal(get8(BP + 0x1f1), 4);
	assert_int_equal(get16(BP + 0x1fe), 0xaa55);
	assert_memory_equal(ram + BP + 0x202, "HdrS", 4);
	assert_int_equal(get16(BP + 0x206), 0x020f);
	assert_int_equal(get16(BP + 0x1fa), 0xffff); /* vid_mode */
	assert_int_equal(get8(BP + 0x210), 0xff);    /* type_of_loader */
	assert_int_equal(get8(BP + 0x211), 0x81);    /* LOADED_HIGH | CAN_USE_HEAP */
	assert_int_equal(get16(BP + 0x224), 0xde00); /* heap_end_ptr */
	assert_int_equal(get32(BP + 0x228), RV_X86_CMDLINE_ADDR);
	assert_string_equal((char *)ram + RV_X86_CMDLINE_ADDR, cmdline);
	assert_int_equal(get64(BP + 0x260 - 8), PREF_ADDR);
	assert_int_equal(get32(BP + 0x260), INIT_SIZE);
	assert_int_equal(get64(BP + 0x070), 0xe0000); /* acpi_rsdp_addr, 2.14+ */
	assert_int_equal(get8(BP + 0x1ef), 0);	      /* sentinel: we zeroed the page */
	assert_int_equal(get32(BP + 0x23c), 0);
	assert_int_equal(get64(BP + 0x250), 0);

	/* Initrd: page-aligned, at the top of RAM, above the kernel's init_size. */
	iaddr = get32(BP + 0x218);
	assert_int_equal(get32(BP + 0x21c), ilen);
	assert_int_equal(iaddr, (RAM_SIZE - ilen) & ~0xfffULL);
	assert_true(iaddr >= PREF_ADDR + INIT_SIZE);
	assert_int_equal(info.initrd_addr, iaddr);
	assert_int_equal(info.initrd_size, ilen);
	assert_memory_equal(ram + iaddr, initrd, ilen);
	check_e820_low(RAM_SIZE);
	free(initrd);
	free(k);
}

static void test_bzimage_32bit_entry_no_initrd(void **state)
{
	uint8_t *k = make_bzimage();
	struct rv_x86_boot_info info;

	(void)state;
	put16(k, 0x236, 0); /* no XLF_KERNEL_64 */
	k[0x1f1] = 0;	    /* setup_sects 0 means 4 */
	assert_int_equal(load(k, BZ_SIZE, NULL, NULL, 0, &info), 0);
	assert_int_equal(info.entry, 0x100000);
	assert_false(info.entry_64);
	assert_int_equal(get32(BP + 0x218), 0);
	assert_int_equal(get32(BP + 0x21c), 0);
	assert_int_equal(info.initrd_addr, 0);
	assert_int_equal(get8(RV_X86_CMDLINE_ADDR), 0); /* "" */
	assert_int_equal(get32(BP + 0x228), RV_X86_CMDLINE_ADDR);

	put32(k, 0x214, 0x100000 + PAYLOAD_SIZE); /* code32_start past the image */
	expect_err(load(k, BZ_SIZE, NULL, NULL, 0, &info), -EINVAL, "code32_start");
	free(k);
}

static void test_bzimage_initrd_addr_max(void **state)
{
	uint8_t *k = make_bzimage(), initrd[5000] = { 1 };
	struct rv_x86_boot_info info;

	(void)state;
	put32(k, 0x22c, 0x2ffffff); /* highest byte the initrd may use */
	assert_int_equal(load(k, BZ_SIZE, "", initrd, sizeof(initrd), &info), 0);
	assert_int_equal(info.initrd_addr, (0x3000000 - sizeof(initrd)) & ~0xfffULL);
	assert_true(info.initrd_addr + sizeof(initrd) <= 0x3000000);
	/* Below the kernel's footprint: no room. */
	put32(k, 0x22c, PREF_ADDR + INIT_SIZE + 100);
	expect_err(load(k, BZ_SIZE, "", initrd, sizeof(initrd), &info), -ENOSPC, "initrd");
	free(k);
}

static void test_bzimage_old_protocol(void **state)
{
	uint8_t *k = make_bzimage();
	struct rv_x86_boot_info info;

	(void)state;
	put16(k, 0x206, 0x0205);
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -EINVAL,
		   "boot protocol 2.05 is older than 2.06");
	/* 2.08: no init_size/pref_address; runtime start is the aligned load address. */
	put16(k, 0x206, 0x0208);
	put16(k, 0x236, 0xffff); /* xloadflags is not a 2.08 field */
	assert_int_equal(load(k, BZ_SIZE, "", NULL, 0, &info), 0);
	assert_false(info.entry_64);
	assert_int_equal(get64(BP + 0x070), 0); /* no acpi_rsdp_addr before 2.14 */
	free(k);
}

static void test_bzimage_bad_headers(void **state)
{
	uint8_t *k = make_bzimage();
	struct rv_x86_boot_info info;

	(void)state;
	memcpy(k + 0x202, "HdrT", 4);
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -EINVAL, "no \"HdrS\"");
	put16(k, 0x1fe, 0);
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -EINVAL, "neither");
	memcpy(k + 0x202, "HdrS", 4);
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -EINVAL, "boot_flag");
	put16(k, 0x1fe, 0xaa55);

	k[0x211] = 0; /* zImage */
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -EINVAL, "LOADED_HIGH");
	k[0x211] = 1;
	k[0x201] = 0x30; /* header ends before init_size */
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -EINVAL, "setup header ends at 0x232");
	k[0x201] = 0x6a;
	put32(k, 0x230, 0x300000);
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -EINVAL, "kernel_alignment");
	put32(k, 0x230, 0x200000);
	put64(k, 0x258, UINT64_MAX - 10);
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -EINVAL, "runtime start");
	put64(k, 0x258, PREF_ADDR);
	/* Nothing after the setup sectors. */
	expect_err(load(k, SETUP_SIZE, "", NULL, 0, &info), -EINVAL, "no protected-mode code");
	free(k);
}

static void test_bzimage_setup_sects_past_end(void **state)
{
	uint8_t *k = make_bzimage();
	struct rv_x86_boot_info info;

	(void)state;
	k[0x1f1] = 200;
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -EINVAL,
		   "setup_sects 200 extends past the end of the 6656-byte file");
	free(k);
}

static void test_bzimage_init_size_too_big(void **state)
{
	uint8_t *k = make_bzimage();
	struct rv_x86_boot_info info;

	(void)state;
	put32(k, 0x260, 0x3000001); /* 16 MiB + 48 MiB + 1 > 64 MiB */
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -ENOSPC, "init_size");
	/* Non-relocatable: runtime start is pref_address. */
	k[0x234] = 0;
	put32(k, 0x260, INIT_SIZE);
	put64(k, 0x258, RAM_SIZE - INIT_SIZE + 4096);
	expect_err(load(k, BZ_SIZE, "", NULL, 0, &info), -ENOSPC,
		   "RAM from 1 MiB ends at 0x4000000");
	put64(k, 0x258, RAM_SIZE - INIT_SIZE);
	assert_int_equal(load(k, BZ_SIZE, "", NULL, 0, &info), 0);
	free(k);
}

static void test_cmdline_too_long(void **state)
{
	uint8_t *k = make_bzimage();
	struct rv_x86_boot_info info;
	char *s = malloc(RV_X86_CMDLINE_MAX + 1);

	(void)state;
	memset(s, 'a', 2047);
	s[2047] = '\0'; /* cmdline_size counts characters without the NUL */
	assert_int_equal(load(k, BZ_SIZE, s, NULL, 0, &info), 0);
	assert_int_equal(strlen((char *)ram + RV_X86_CMDLINE_ADDR), 2047);
	s[2047] = 'a';
	s[2048] = '\0';
	expect_err(load(k, BZ_SIZE, s, NULL, 0, &info), -E2BIG,
		   "2048 bytes; the kernel takes at most 2047");
	/* A kernel allowing more still meets ringvmm's 64 KiB buffer. */
	put32(k, 0x238, 0xffffffff);
	memset(s, 'b', RV_X86_CMDLINE_MAX);
	s[RV_X86_CMDLINE_MAX] = '\0';
	expect_err(load(k, BZ_SIZE, s, NULL, 0, &info), -E2BIG, "ringvmm at most 65535");
	s[RV_X86_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(load(k, BZ_SIZE, s, NULL, 0, &info), 0);
	free(s);
	free(k);
}

static void test_initrd_too_big(void **state)
{
	uint8_t *k = make_bzimage();
	size_t ilen = 48ULL << 20; /* 64 MiB - (16 + 8) MiB kernel = 40 MiB room */
	uint8_t *initrd = calloc(1, RAM_SIZE + 1);
	struct rv_x86_boot_info info;

	(void)state;
	expect_err(load(k, BZ_SIZE, "", initrd, ilen, &info), -ENOSPC, "initrd of 50331648 bytes");
	expect_err(load(k, BZ_SIZE, "", initrd, RAM_SIZE + 1, &info), -ENOSPC, "does not fit");
	ilen = RAM_SIZE - PREF_ADDR - INIT_SIZE;
	assert_int_equal(load(k, BZ_SIZE, "", initrd, ilen, &info), 0);
	assert_int_equal(info.initrd_addr, PREF_ADDR + INIT_SIZE);
	free(initrd);
	free(k);
}

static void test_bzimage_truncated(void **state)
{
	uint8_t *k = make_bzimage(), initrd[100] = { 0 };
	struct rv_x86_boot_info info;

	(void)state;
	/* Each length is a file of exactly that size: a read past it fails. */
	for (size_t len = 0; len <= BZ_SIZE; len++) {
		int ret = load(k, len, "x", initrd, sizeof(initrd), &info);

		if (len <= SETUP_SIZE)
			assert_int_equal(ret, -EINVAL);
		else
			assert_int_equal(ret, 0);
		assert_true(ret == 0 || rv_err_msg()[0]);
	}
	free(k);
}

static void test_bzimage_high_ram(void **state)
{
	uint8_t *k = make_bzimage(), *high = calloc(1, 1 << 20);
	struct rv_mem_region r = {
		.gpa = RV_X86_HIGH_RAM_ADDR, .size = 1 << 20, .host = high, .name = "ram-high"
	};
	struct rv_x86_boot_info info;
	uint8_t initrd[10] = { 7 };

	(void)state;
	assert_int_equal(rv_mem_add(&mem, &r, 4096), 0);
	assert_int_equal(load(k, BZ_SIZE, "", initrd, sizeof(initrd), &info), 0);
	/* The initrd stays below the top of low RAM (ramdisk_image is 32-bit). */
	assert_int_equal(info.initrd_addr, RAM_SIZE - 4096);
	assert_int_equal(get8(BP + 0x1e8), 4);
	assert_int_equal(get64(BP + 0x2d0 + 3 * 20), RV_X86_HIGH_RAM_ADDR);
	assert_int_equal(get64(BP + 0x2d0 + 3 * 20 + 8), 1 << 20);
	assert_int_equal(get32(BP + 0x2d0 + 3 * 20 + 16), RV_E820_RAM);
	free(high);
	free(k);
}

static void test_fuzz_bzimage(void **state)
{
	(void)state;
	fuzz(make_bzimage, BZ_SIZE, 0x1f1, 0x26c, 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bzimage_valid, test_setup),
		cmocka_unit_test_setup(test_bzimage_32bit_entry_no_initrd, test_setup),
		cmocka_unit_test_setup(test_bzimage_initrd_addr_max, test_setup),
		cmocka_unit_test_setup(test_bzimage_old_protocol, test_setup),
		cmocka_unit_test_setup(test_bzimage_bad_headers, test_setup),
		cmocka_unit_test_setup(test_bzimage_setup_sects_past_end, test_setup),
		cmocka_unit_test_setup(test_bzimage_init_size_too_big, test_setup),
		cmocka_unit_test_setup(test_cmdline_too_long, test_setup),
		cmocka_unit_test_setup(test_initrd_too_big, test_setup),
		cmocka_unit_test_setup(test_bzimage_truncated, test_setup),
		cmocka_unit_test_setup(test_bzimage_high_ram, test_setup),
		cmocka_unit_test_setup(test_fuzz_bzimage, test_setup),
	};

	return cmocka_run_group_tests_name("x86_bzimage", tests, group_setup, group_teardown);
}
