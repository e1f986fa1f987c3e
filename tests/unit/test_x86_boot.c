// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the x86 boot loader (arch/x86/boot.c) against synthetic
 * bzImage and ELF64 vmlinux images in a malloc'ed guest RAM: valid images
 * land where boot.rst says with the boot_params it asks for; malformed,
 * truncated and randomly corrupted images are rejected with -EINVAL /
 * -E2BIG / -ENOSPC and a message, never a crash (run under ASan/UBSan and
 * valgrind). Offsets below are spelled out from boot.rst / zero-page.rst,
 * not taken from <asm/bootparam.h>, so they check the loader's structs too.
 * The loader reads files, so each image built in memory is handed to it as
 * a memfd holding exactly its bytes; rv_image_open/pread are tested on
 * real files, a FIFO, a directory and a file shorter than its recorded size.
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

#include "arch/x86/boot.h"
#include "arch/x86/layout.h"
#include "vmm/mem/translate.h"
#include "vmm/util.h"
#include "msg_fx.h"

#define RAM_SIZE (64ULL << 20)
#define BP RV_X86_BOOT_PARAMS_ADDR
#define SETUP_SIZE (5 * 512) /* setup_sects 4 */
#define PAYLOAD_SIZE 4096
#define BZ_SIZE (SETUP_SIZE + PAYLOAD_SIZE)
#define PREF_ADDR 0x1000000ULL
#define INIT_SIZE 0x800000ULL

static uint8_t *ram;
static struct rv_mem mem;

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, 2);
}
static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}
static void put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}
static uint8_t get8(uint64_t gpa)
{
	return ram[gpa];
}
static uint16_t get16(uint64_t gpa)
{
	uint16_t v;
	memcpy(&v, ram + gpa, 2);
	return v;
}
static uint32_t get32(uint64_t gpa)
{
	uint32_t v;
	memcpy(&v, ram + gpa, 4);
	return v;
}
static uint64_t get64(uint64_t gpa)
{
	uint64_t v;
	memcpy(&v, ram + gpa, 8);
	return v;
}

static int group_setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	return ram ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

/* A fresh 64 MiB machine: one low RAM region at gpa 0. */
static int test_setup(void **state)
{
	struct rv_mem_region r = { .gpa = 0, .size = RAM_SIZE, .host = ram, .name = "ram-low" };

	(void)state;
	memset(ram, 0, RAM_SIZE);
	memset(&mem, 0, sizeof(mem));
	rv_err_clear();
	return rv_mem_add(&mem, &r, 4096);
}

/* A minimal protocol 2.15 bzImage: 4 setup sectors + PAYLOAD_SIZE bytes. */
static uint8_t *make_bzimage(void)
{
	uint8_t *k = calloc(1, BZ_SIZE);

	assert_non_null(k);
	k[0x1f1] = 4; /* setup_sects */
	put16(k, 0x1fe, 0xaa55);
	k[0x200] = 0xeb; /* jmp short: header ends at 0x202 + 0x6a = 0x26c */
	k[0x201] = 0x6a;
	memcpy(k + 0x202, "HdrS", 4);
	put16(k, 0x206, 0x020f);
	k[0x211] = 0x01;	     /* LOADED_HIGH */
	put32(k, 0x214, 0x100000);   /* code32_start */
	put32(k, 0x22c, 0x7fffffff); /* initrd_addr_max */
	put32(k, 0x230, 0x200000);   /* kernel_alignment */
	k[0x234] = 1;		     /* relocatable_kernel */
	put16(k, 0x236, 0x3);	     /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
	put32(k, 0x238, 2047);	     /* cmdline_size */
	put64(k, 0x258, PREF_ADDR);
	put32(k, 0x260, INIT_SIZE);
	for (size_t i = SETUP_SIZE; i < BZ_SIZE; i++)
		k[i] = (uint8_t)(i * 7 + 1);
	return k;
}

/* The file the loader reads: a memfd holding exactly @len bytes of @buf. */
static struct rv_image mkimg(const char *name, const uint8_t *buf, size_t len)
{
	struct rv_image img = { .fd = memfd_create(name, MFD_CLOEXEC), .size = len, .name = name };

	assert_true(img.fd >= 0);
	assert_int_equal(rv_write_all(img.fd, buf, len), 0);
	return img;
}

/* Load the first @len bytes of @k (NULL: no kernel) and of @initrd, if any. */
static int load(const uint8_t *k, size_t len, const char *cmdline, const uint8_t *initrd,
		size_t initrd_len, struct rv_x86_boot_info *info)
{
	struct rv_image kimg = { .fd = -1 }, iimg = { .fd = -1 };
	struct rv_x86_boot_cfg cfg = { .cmdline = cmdline, .acpi_rsdp_addr = 0xe0000 };
	int ret;

	if (k) {
		kimg = mkimg("kernel", k, len);
		cfg.kernel = &kimg;
	}
	if (initrd) {
		iimg = mkimg("initrd", initrd, initrd_len);
		cfg.initrd = &iimg;
	}
	rv_err_clear();
	ret = rv_x86_boot_load(&mem, &cfg, info);
	rv_image_close(&iimg);
	rv_image_close(&kimg);
	return ret;
}

static void expect_err(int ret, int err, const char *needle)
{
	rv_test_expect_err(ret, err, needle, NULL);
}

/* The standard e820 map of a single low region of @end bytes. */
static void check_e820_low(uint64_t end)
{
	assert_int_equal(get8(BP + 0x1e8), 3);
	assert_int_equal(get64(BP + 0x2d0), 0);
	assert_int_equal(get64(BP + 0x2d8), RV_X86_EBDA_ADDR);
	assert_int_equal(get32(BP + 0x2e0), RV_E820_RAM);
	assert_int_equal(get64(BP + 0x2e4), RV_X86_EBDA_ADDR);
	assert_int_equal(get64(BP + 0x2ec), 0x100000 - RV_X86_EBDA_ADDR);
	assert_int_equal(get32(BP + 0x2f4), RV_E820_RESERVED);
	assert_int_equal(get64(BP + 0x2f8), 0x100000);
	assert_int_equal(get64(BP + 0x300), end - 0x100000);
	assert_int_equal(get32(BP + 0x308), RV_E820_RAM);
}

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

/* ELF64 vmlinux: two PT_LOADs (text; data + bss), vaddr in __START_KERNEL_map. */
#define ELF_SIZE 0x5000
#define KMAP 0xffffffff80000000ULL

static void put_phdr(uint8_t *k, unsigned int i, uint32_t type, uint64_t off, uint64_t paddr,
		     uint64_t filesz, uint64_t memsz)
{
	size_t p = 64 + i * 56;

	put32(k, p, type);
	put32(k, p + 4, 5);
	put64(k, p + 8, off);
	put64(k, p + 16, paddr + KMAP);
	put64(k, p + 24, paddr);
	put64(k, p + 32, filesz);
	put64(k, p + 40, memsz);
	put64(k, p + 48, 0x200000);
}

static uint8_t *make_elf(void)
{
	uint8_t *k = calloc(1, ELF_SIZE);

	assert_non_null(k);
	memcpy(k,
	       "\x7f"
	       "ELF",
	       4);
	k[4] = 2;	  /* ELFCLASS64 */
	k[5] = 1;	  /* ELFDATA2LSB */
	k[6] = 1;	  /* EV_CURRENT */
	put16(k, 16, 2);  /* ET_EXEC */
	put16(k, 18, 62); /* EM_X86_64 */
	put32(k, 20, 1);
	put64(k, 24, 0x1000000); /* e_entry: physical, as ENTRY(phys_startup_64) */
	put64(k, 32, 64);	 /* e_phoff */
	put16(k, 52, 64);
	put16(k, 54, 56); /* e_phentsize */
	put16(k, 56, 3);  /* e_phnum */
	put_phdr(k, 0, 1, 0x1000, 0x1000000, 0x3000, 0x3000);
	put_phdr(k, 1, 4, 0, 0, 0, 0); /* PT_NOTE: ignored */
	put_phdr(k, 2, 1, 0x4000, 0x1200000, 0x1000, 0x5000);
	for (size_t i = 0x1000; i < ELF_SIZE; i++)
		k[i] = (uint8_t)(i * 13 + 5);
	return k;
}

static void test_elf_valid(void **state)
{
	uint8_t *k = make_elf(), initrd[3000];
	struct rv_x86_boot_info info;

	(void)state;
	memset(initrd, 0x5a, sizeof(initrd));
	memset(ram + 0x1200000, 0xcc, 0x6000); /* stale bytes where bss goes */
	assert_int_equal(load(k, ELF_SIZE, "console=ttyS0", initrd, sizeof(initrd), &info), 0);
	assert_int_equal(info.entry, 0x1000000);
	assert_true(info.entry_64);
	assert_int_equal(info.kernel_addr, 0x1000000);
	assert_int_equal(info.kernel_size, 0x205000);
	assert_int_equal(info.protocol, 0);
	assert_memory_equal(ram + 0x1000000, k + 0x1000, 0x3000);
	assert_memory_equal(ram + 0x1200000, k + 0x4000, 0x1000);
	for (size_t i = 0x1000; i < 0x5000; i++)
		assert_int_equal(ram[0x1200000 + i], 0);
	assert_int_equal(ram[0x1205000], 0xcc); /* nothing past memsz */

	assert_int_equal(get16(BP + 0x1fe), 0xaa55);
	assert_memory_equal(ram + BP + 0x202, "HdrS", 4);
	assert_true(get16(BP + 0x206) >= 0x020e);
	assert_int_equal(get8(BP + 0x210), 0xff);
	assert_int_equal(get32(BP + 0x228), RV_X86_CMDLINE_ADDR);
	assert_string_equal((char *)ram + RV_X86_CMDLINE_ADDR, "console=ttyS0");
	assert_int_equal(get64(BP + 0x070), 0xe0000);
	assert_int_equal(get32(BP + 0x218), (RAM_SIZE - sizeof(initrd)) & ~0xfffULL);
	assert_int_equal(get32(BP + 0x21c), sizeof(initrd));
	assert_memory_equal(ram + info.initrd_addr, initrd, sizeof(initrd));
	check_e820_low(RAM_SIZE);

	/* A virtual e_entry is converted with its PT_LOAD's p_vaddr - p_paddr. */
	put64(k, 24, KMAP + 0x1000100);
	assert_int_equal(load(k, ELF_SIZE, "", NULL, 0, &info), 0);
	assert_int_equal(info.entry, 0x1000100);
	put64(k, 24, 0x1100000);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "e_entry 0x1100000");
	put64(k, 24, 0x1000000);

	/* The ELF command line bound is COMMAND_LINE_SIZE - 1. */
	{
		char s[2049];

		memset(s, 'c', 2048);
		s[2048] = '\0';
		expect_err(load(k, ELF_SIZE, s, NULL, 0, &info), -E2BIG, "2048 bytes");
	}
	free(k);
}

static void test_elf_bad_headers(void **state)
{
	uint8_t *k = make_elf();
	struct rv_x86_boot_info info;

	(void)state;
	expect_err(load(k, 63, "", NULL, 0, &info), -EINVAL, "shorter than the 64-byte ELF header");
	k[4] = 1;
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "ELFCLASS64");
	k[4] = 2;
	put16(k, 18, 3);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "EM_X86_64");
	put16(k, 18, 62);
	put16(k, 16, 3); /* ET_DYN */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "ET_EXEC");
	put16(k, 16, 2);
	put16(k, 54, 32);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "e_phentsize 32");
	put16(k, 54, 56);
	put16(k, 56, 0);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "e_phnum 0");
	put16(k, 56, 0xffff);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "e_phnum 65535");
	/* The table we read is bounded, even when the file would hold it. */
	put16(k, 56, 65);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL,
		   "e_phnum 65 is more than the 64 program headers");
	put16(k, 56, 64); /* 64 x 56 bytes from 64: entries 3.. are zero, not PT_LOAD */
	assert_int_equal(load(k, ELF_SIZE, "", NULL, 0, &info), 0);
	put16(k, 56, 3);
	put64(k, 32, ELF_SIZE - 100); /* table runs past EOF */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "program headers");
	put64(k, 32, UINT64_MAX - 8); /* phoff + size overflows */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "program headers");
	put64(k, 32, 64);
	put_phdr(k, 0, 4, 0, 0, 0, 0);
	put_phdr(k, 2, 1, 0, 0x1000000, 0, 0); /* only an empty PT_LOAD */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "PT_LOAD");
	free(k);
}

static void test_elf_bad_segments(void **state)
{
	uint8_t *k = make_elf();
	struct rv_x86_boot_info info;

	(void)state;
	put_phdr(k, 2, 1, 0x4000, 0x1200000, 0x1001, 0x5000); /* past EOF */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL,
		   "past the end of the 20480-byte file");
	put_phdr(k, 2, 1, UINT64_MAX, 0x1200000, 2, 0x5000); /* offset overflow */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "past the end");
	put_phdr(k, 2, 1, 0x4000, 0x1200000, 0x1000, 0xfff);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL,
		   "p_filesz 0x1000 > p_memsz 0xfff");
	put_phdr(k, 2, 1, 0x4000, RAM_SIZE - 0x1000, 0x1000, 0x1001); /* bss leaves RAM */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "not in guest RAM");
	put_phdr(k, 2, 1, 0x4000, UINT64_MAX - 0xfff, 0x1000, 0x1000);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "not in guest RAM");
	put_phdr(k, 2, 1, 0x4000, UINT64_MAX - 0xfff, 0x1000, 0x2000);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "wraps past the top");
	put_phdr(k, 2, 1, 0x4000, 0x8000, 0x1000, 0x1000); /* over boot_params */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "below 1 MiB");
	put_phdr(k, 2, 1, 0x4000, RAM_SIZE - 0x1000, 0x1000, 0x1000);
	assert_int_equal(load(k, ELF_SIZE, "", NULL, 0, &info), 0);
	free(k);
}

/*
 * Guest RAM only (issue: an ELF segment into a read-only --passthrough slot
 * crashed ringvmm with SIGSEGV, into a writable one it overwrote the
 * device's memory). A slot at 128 MiB, read-only in the host too: every
 * segment, or part of one, that reaches it is refused, the slot untouched.
 */
static void test_elf_into_passthrough(void **state)
{
	const uint64_t pt_gpa = 128 << 20, pt_size = 2 << 20;
	struct rv_mem_region pt = {
		.gpa = pt_gpa, .size = pt_size, .device = true, .name = "pt0", .path = "/dev/mem"
	};
	uint8_t *k = make_elf(), *slot;
	struct rv_x86_boot_info info;

	(void)state;
	slot = mmap(NULL, pt_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(slot != MAP_FAILED);
	pt.host = slot;
	for (int ro = 1; ro >= 0; ro--) {
		pt.readonly = ro;
		mem.nr = 1;
		assert_int_equal(rv_mem_add(&mem, &pt, 4096), 0);
		/* A writable slot is writable in the host: it must stay zero. */
		if (!ro)
			assert_int_equal(mprotect(slot, pt_size, PROT_READ | PROT_WRITE), 0);
		/* Wholly inside (the bss zeroing used to be the SIGSEGV). */
		put_phdr(k, 2, 1, 0x4000, pt_gpa, 0x1000, 0x5000);
		expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC,
			   "PT_LOAD 2 [0x8000000, +0x5000) is not in guest RAM");
		expect_err(-ENOSPC, -ENOSPC, "passthrough slot pt0 /dev/mem");
		/* Its last page, and its bss only, running into the slot. */
		put_phdr(k, 2, 1, 0x4000, pt_gpa + pt_size - 0x1000, 0x1000, 0x5000);
		expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "not in guest RAM");
		put_phdr(k, 2, 1, 0x4000, pt_gpa - 0x1000, 0x1000, 0x2000);
		expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "not in guest RAM");
		/* In the hole between RAM and the slot. */
		put_phdr(k, 2, 1, 0x4000, RAM_SIZE, 0x1000, 0x1000);
		expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC,
			   "no one RAM region holds all of it");
		for (uint64_t i = 0; i < pt_size; i++)
			assert_int_equal(slot[i], 0);
	}
	/* The same image, its segment back in RAM, still loads. */
	put_phdr(k, 2, 1, 0x4000, 0x1200000, 0x1000, 0x5000);
	assert_int_equal(load(k, ELF_SIZE, "", NULL, 0, &info), 0);
	munmap(slot, pt_size);
	free(k);
}

static void test_elf_truncated(void **state)
{
	uint8_t *k = make_elf();
	struct rv_x86_boot_info info;

	(void)state;
	for (size_t len = 0; len <= ELF_SIZE; len++) {
		int ret = load(k, len, "", NULL, 0, &info);

		/* The last PT_LOAD's file bytes end exactly at ELF_SIZE. */
		assert_int_equal(ret, len == ELF_SIZE ? 0 : -EINVAL);
		assert_true(ret == 0 || rv_err_msg()[0]);
	}
	free(k);
}

/* xorshift64: the same "random" corruptions on every run and libc. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fuzz(uint8_t *(*make)(void), size_t size, size_t hot_lo, size_t hot_hi,
		 unsigned int iters)
{
	uint8_t *k = make(), *copy = malloc(size), initrd[64] = { 0 };
	struct rv_x86_boot_info info;
	unsigned int ok = 0;

	for (unsigned int it = 0; it < iters; it++) {
		unsigned int flips = 1 + rng() % 8;
		size_t len = size;
		int ret;

		memcpy(copy, k, size);
		for (unsigned int f = 0; f < flips; f++) {
			/* Mostly the headers, where the parsing happens. */
			size_t at = rng() % 4 ? hot_lo + rng() % (hot_hi - hot_lo) : rng() % size;

			copy[at] = rng() % 3 ? (uint8_t)rng() : (uint8_t)(copy[at] ^ 0x80);
		}
		if (rng() % 8 == 0)
			len = rng() % size;
		ret = load(copy, len, "console=ttyS0", initrd, sizeof(initrd), &info);
		if (ret == 0) {
			ok++;
			assert_int_equal(info.boot_params_addr, BP);
			assert_non_null(rv_mem_gpa_to_hva(&mem, info.entry, 1));
		} else {
			assert_true(ret == -EINVAL || ret == -E2BIG || ret == -ENOSPC);
			assert_true(rv_err_msg()[0] != '\0');
		}
	}
	print_message("  %u of %u corrupted images still loaded\n", ok, iters);
	free(copy);
	free(k);
}

static void test_fuzz_bzimage(void **state)
{
	(void)state;
	fuzz(make_bzimage, BZ_SIZE, 0x1f1, 0x26c, 3000);
}

static void test_fuzz_elf(void **state)
{
	(void)state;
	fuzz(make_elf, ELF_SIZE, 0, 64 + 3 * 56, 3000);
}

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
	assert_int_equal(rv_image_open(&img, "--kernel", path), 0);
	assert_int_equal(img.size, 10);
	assert_ptr_equal(img.name, path);
	assert_int_equal(rv_image_pread(&img, 2, buf, 8), 0);
	assert_memory_equal(buf, "23456789", 8);
	rv_image_close(&img);
	assert_int_equal(img.fd, -1);
	rv_image_close(&img); /* twice is harmless */
	assert_int_equal(unlink(path), 0);

	rv_err_clear();
	expect_err(rv_image_open(&img, "--kernel", path), -ENOENT, "/kernel: No such file");
	assert_int_equal(img.fd, -1);
	rv_err_clear();
	expect_err(rv_image_open(&img, "--kernel", dir), -EISDIR,
		   "a directory, not a regular file");
	assert_int_equal(img.fd, -1);
	/* A FIFO with no writer: refused at once, not a hang in open(). */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	rv_err_clear();
	expect_err(rv_image_open(&img, "--kernel", path), -EINVAL,
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
		cmocka_unit_test_setup(test_elf_valid, test_setup),
		cmocka_unit_test_setup(test_elf_bad_headers, test_setup),
		cmocka_unit_test_setup(test_elf_bad_segments, test_setup),
		cmocka_unit_test_setup(test_elf_into_passthrough, test_setup),
		cmocka_unit_test_setup(test_elf_truncated, test_setup),
		cmocka_unit_test_setup(test_fuzz_bzimage, test_setup),
		cmocka_unit_test_setup(test_fuzz_elf, test_setup),
		cmocka_unit_test_setup(test_not_a_kernel, test_setup),
		cmocka_unit_test_setup(test_e820_layouts, test_setup),
		cmocka_unit_test_setup(test_image_open, test_setup),
		cmocka_unit_test_setup(test_image_pread, test_setup),
		cmocka_unit_test_setup(test_image_shrinks, test_setup),
	};

	return cmocka_run_group_tests_name("x86_boot", tests, group_setup, group_teardown);
}
